//! The issuing body as a team (issue 26): `register init` and `register policy`, `operator`,
//! `submit`, `approve` and `audit`.

use std::ffi::OsString;
use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use goodstanding_issuer::CertificateRequest;
use goodstanding_operations::batch_input::{BatchReader, InputFormat};
use goodstanding_operations::canonical_json::canonical_of;
use goodstanding_operations::register::{
    ApprovalPolicy, AuditRow, Duty, NewRequest, Register, Role, record_set_sha256, request_sha256,
    verify_chain,
};

use crate::error::CliError;
use crate::io::outln;
use crate::shared::{TokenArgs, now, open_key, open_register, open_register_as, read_request};

/// Who is acting, with their personal key, on which register.
#[derive(clap::Args)]
pub struct ActingArgs {
    /// The operator you are [default: $GOODSTANDING_OPERATOR].
    #[arg(long = "as", value_name = "NAME")]
    pub operator: Option<String>,
    /// Your personal Ed25519 key, which signs what you do: a .key.pem file (mode 0600; make
    /// one with `goodstanding keygen --kid NAME --out DIR`) or a key in a PKCS#11 token as a
    /// pkcs11: URI [default: $GOODSTANDING_OPERATOR_KEY].
    #[arg(long, value_name = "KEY.pem|pkcs11:URI")]
    pub key: Option<OsString>,
    /// The register: an SQLite file or a postgres:// URL [default: $GOODSTANDING_REGISTER, else
    /// the register in the data folder].
    #[arg(long = "register", value_name = "FILE|URL")]
    pub register: Option<PathBuf>,
}

impl ActingArgs {
    fn open(&self) -> Result<Register, CliError> {
        open_register_as(
            self.register.as_deref(),
            self.operator.as_deref(),
            self.key.as_deref(),
            "--key",
        )
    }
}

fn refused(e: impl std::fmt::Display) -> CliError {
    CliError::Refused(e.to_string())
}

/// `goodstanding register init`: the first admin and the approval policy.
pub fn register_init(
    acting: &ActingArgs,
    approvals: u32,
    revocation_approvals: Option<u32>,
) -> Result<(), CliError> {
    let (Some(name), Some(key)) = (acting.operator.as_deref(), acting.key.as_deref()) else {
        return Err(CliError::Input(
            "register init needs --as NAME and --key KEY: the first admin and their personal \
             key (which signs this first audit row)"
                .into(),
        ));
    };
    let location = crate::shared::register_location(acting.register.as_deref())?;
    if let Some(url) = crate::shared::postgres_url(&location) {
        Register::migrate_postgres(url).map_err(|e| CliError::Input(e.to_string()))?;
    }
    let key = open_key("--key", key, None, &TokenArgs::default())?;
    let mut register = open_register(Some(&location))?;
    let policy = ApprovalPolicy {
        approvals,
        revocation_approvals: revocation_approvals.unwrap_or(approvals),
    };
    register.init_team(name, key, policy).map_err(refused)?;
    outln!(
        "{name} is the first admin of {}; signing needs {} approval(s) per certificate and {} \
         per revocation or supersession",
        register.path().display(),
        policy.approvals,
        policy.revocation_approvals
    );
    eprintln!(
        "next: add the team with `goodstanding operator add NAME PUBLIC.jwk --role \
         prepare|approve|issue|admin --as {name} --key KEY`"
    );
    Ok(())
}

/// `goodstanding register policy`: an admin changes the approval policy and anchoring.
pub fn register_policy_change(
    acting: &ActingArgs,
    approvals: Option<u32>,
    revocation_approvals: Option<u32>,
    anchor_audit: Option<&str>,
) -> Result<(), CliError> {
    let mut register = acting.open()?;
    if approvals.is_some() || revocation_approvals.is_some() {
        let current = register
            .approval_policy()
            .map_err(|e| CliError::Input(e.to_string()))?;
        let approvals = approvals.unwrap_or(current.approvals);
        let policy = ApprovalPolicy {
            approvals,
            revocation_approvals: revocation_approvals.unwrap_or(approvals),
        };
        register.set_approval_policy(policy).map_err(refused)?;
        outln!(
            "signing now needs {} approval(s) per certificate and {} per revocation or \
             supersession",
            policy.approvals,
            policy.revocation_approvals
        );
    }
    if let Some(anchor) = anchor_audit {
        register
            .set_audit_anchoring(anchor == "on")
            .map_err(refused)?;
        outln!("anchoring the audit trail in the transparency log at each publish: {anchor}");
    }
    Ok(())
}

/// `goodstanding operator ...`.
#[derive(clap::Subcommand)]
pub enum OperatorCommand {
    /// Add an operator with their personal public key (an admin only; audited). Roles:
    /// prepare (submit requests), approve (approve others' requests), issue (sign, revoke,
    /// publish), admin (all of these, and operators and policy).
    Add {
        /// Their name (letters, digits, '.', '_', '-', '@').
        name: String,
        /// Their public key: the .pub.jwk file `goodstanding keygen` wrote beside their
        /// private key (or `goodstanding key show` printed for a key in a token).
        public_key: PathBuf,
        /// What they may do.
        #[arg(long, value_name = "ROLE", value_parser = ["prepare", "approve", "issue", "admin"])]
        role: String,
        #[command(flatten)]
        acting: ActingArgs,
    },
    /// List the operators, removed ones too.
    List {
        /// The register [default: as for the other commands].
        #[arg(long = "register", value_name = "FILE|URL")]
        register: Option<PathBuf>,
    },
    /// Remove an operator (an admin only; audited). Their past rows still verify; their name
    /// is not given again.
    Remove {
        /// Their name.
        name: String,
        #[command(flatten)]
        acting: ActingArgs,
    },
}

/// `goodstanding operator`.
pub fn operator(command: &OperatorCommand) -> Result<(), CliError> {
    match command {
        OperatorCommand::Add {
            name,
            public_key,
            role,
            acting,
        } => {
            let text =
                std::fs::read_to_string(public_key).map_err(|e| CliError::file(public_key, e))?;
            let jwk = goodstanding_verifier::jwk::PublicJwk::from_json(&text).map_err(|e| {
                CliError::file(
                    public_key,
                    format!("{e}; give the .pub.jwk file of the operator's key"),
                )
            })?;
            let role = Role::parse(role)
                .ok_or_else(|| CliError::Input(format!("--role {role}: not a role")))?;
            let mut register = acting.open()?;
            register
                .add_operator(name, &jwk.key, role)
                .map_err(refused)?;
            outln!("added {name} ({})", role.as_str());
            Ok(())
        }
        OperatorCommand::List { register } => {
            let register = open_register(register.as_deref())?;
            let operators = register
                .operators()
                .map_err(|e| CliError::Input(e.to_string()))?;
            if operators.is_empty() {
                outln!(
                    "no operators: one implicit operator ({}) does everything, its key beside \
                     the register; `goodstanding register init --as NAME --key KEY` makes a \
                     team",
                    goodstanding_operations::register::SINGLE_OPERATOR
                );
            }
            for o in operators {
                outln!(
                    "{:<20}  {:<8}  added {}{}  key {}",
                    o.name,
                    o.role,
                    o.added_at,
                    o.removed_at
                        .map(|r| format!(", removed {r}"))
                        .unwrap_or_default(),
                    o.public_key
                );
            }
            Ok(())
        }
        OperatorCommand::Remove { name, acting } => {
            let mut register = acting.open()?;
            register.remove_operator(name).map_err(refused)?;
            outln!("removed {name}");
            Ok(())
        }
    }
}

/// `goodstanding submit`.
#[derive(clap::Args)]
pub struct SubmitArgs {
    /// Request files: a request (.json), or a batch file (.jsonl or .csv), whose CSV rows are
    /// grouped into requests first.
    #[arg(required_unless_present = "revoke")]
    pub requests: Vec<PathBuf>,
    /// Instead: submit the revocation of this certificate for approval (when the register's
    /// policy asks revocations to be approved), with --reason.
    #[arg(
        long,
        value_name = "ID",
        requires = "reason",
        conflicts_with = "requests"
    )]
    pub revoke: Option<String>,
    /// Why it is to be revoked: new_information, issued_in_error or key_compromise.
    #[arg(long, value_name = "CODE")]
    pub reason: Option<String>,
    #[command(flatten)]
    pub acting: ActingArgs,
}

/// The requests of one file, each with where it came from.
fn read_requests(path: &Path) -> Result<Vec<(String, CertificateRequest)>, CliError> {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        return Ok(vec![(path.display().to_string(), read_request(path)?)]);
    }
    let format = InputFormat::of_file(path).map_err(|e| CliError::file(path, e))?;
    let file = std::fs::File::open(path).map_err(|e| CliError::file(path, e))?;
    let reader = BatchReader::new(file, format).map_err(|e| CliError::file(path, e))?;
    let mut out = Vec::new();
    for item in reader {
        let item = item.map_err(|e| CliError::file(path, e))?;
        match item.request {
            Ok(request) => out.push((format!("{}:{}", path.display(), item.line), request)),
            Err(problems) => {
                let listed: Vec<String> = problems.iter().map(ToString::to_string).collect();
                return Err(CliError::Input(format!(
                    "{}: line {}: {}; nothing was submitted",
                    path.display(),
                    item.line,
                    listed.join("; ")
                )));
            }
        }
    }
    Ok(out)
}

/// `goodstanding submit`: records requests as pending approval.
pub fn submit(args: &SubmitArgs) -> Result<(), CliError> {
    let mut requests = Vec::new();
    if let (Some(id), Some(reason)) = (&args.revoke, &args.reason) {
        let (hash, canonical) = goodstanding_operations::register::revocation_request(id, reason)
            .map_err(|e| CliError::Input(e.to_string()))?;
        requests.push((
            format!("revocation of {id}"),
            NewRequest {
                hash,
                kind: "revocation",
                subject_reference: id.clone(),
                canonical,
            },
        ));
    }
    for path in &args.requests {
        for (origin, request) in read_requests(path)? {
            let canonical =
                canonical_of(&request).map_err(|e| CliError::Input(format!("{origin}: {e}")))?;
            let hash =
                request_sha256(&request).map_err(|e| CliError::Input(format!("{origin}: {e}")))?;
            requests.push((
                origin,
                NewRequest {
                    hash,
                    kind: "certificate",
                    subject_reference: request.subject.reference.to_string(),
                    canonical,
                },
            ));
        }
    }
    let mut register = args.acting.open()?;
    let new_requests: Vec<NewRequest> = requests.iter().map(|(_, r)| r.clone()).collect();
    let new = register.submit(&new_requests).map_err(refused)?;
    let policy = register
        .approval_policy()
        .map_err(|e| CliError::Input(e.to_string()))?;
    let mut count = 0;
    for ((origin, request), is_new) in requests.iter().zip(&new) {
        count += usize::from(*is_new);
        outln!(
            "{}  {}  {}",
            &request.hash[..16],
            if *is_new {
                "submitted        "
            } else {
                "already submitted"
            },
            origin
        );
    }
    eprintln!(
        "{count} request(s) submitted by {}; each needs {} approval(s) from others: `goodstanding \
         approve ID... --as NAME --key KEY`",
        register.actor_name().unwrap_or_default(),
        policy.approvals
    );
    Ok(())
}

/// `goodstanding approve`.
#[derive(clap::Args)]
pub struct ApproveArgs {
    /// The requests to approve: their ids (at least 8 hex characters, as `submit` printed).
    pub ids: Vec<String>,
    /// Every pending request someone else submitted, instead of ids.
    #[arg(long, conflicts_with = "ids")]
    pub all_pending: bool,
    /// Folder for the drafts shown (the same PDFs as `preview`; created if missing).
    #[arg(long, value_name = "DIR", default_value = "approval-drafts")]
    pub drafts: PathBuf,
    /// Approve without asking (needed when standard input is not a terminal).
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub acting: ActingArgs,
}

/// `goodstanding approve`: shows each draft, then records one signed approval for the set.
pub fn approve(args: &ApproveArgs) -> Result<(), CliError> {
    if args.ids.is_empty() && !args.all_pending {
        return Err(CliError::Input(
            "name the requests to approve (ids as `submit` printed), or --all-pending".into(),
        ));
    }
    let mut register = args.acting.open()?;
    let me = register.actor_name().unwrap_or_default().to_string();
    let requests = if args.all_pending {
        register
            .pending_requests()
            .map_err(|e| CliError::Input(e.to_string()))?
            .into_iter()
            .filter(|r| r.submitted_by != me)
            .collect()
    } else {
        register.find_requests(&args.ids).map_err(refused)?
    };
    if requests.is_empty() {
        outln!("nothing to approve");
        return Ok(());
    }
    let now = now()?;
    let policy = register
        .policy()
        .map_err(|e| CliError::Input(e.to_string()))?;
    let mut items = Vec::with_capacity(requests.len());
    let mut shown = Vec::with_capacity(requests.len());
    let mut revocations = Vec::new();
    for submitted in &requests {
        let short = &submitted.hash[..16];
        if submitted.kind == "revocation" {
            let value: serde_json::Value = serde_json::from_str(&submitted.canonical)
                .map_err(|e| CliError::Input(format!("request {short}: {e}")))?;
            let reason = value["reason"].as_str().unwrap_or_default().to_string();
            revocations.push((submitted, reason.clone()));
            items.push((
                submitted.hash.clone(),
                goodstanding_operations::register::revocation_record_set(
                    &submitted.subject_reference,
                    &reason,
                ),
            ));
            continue;
        }
        let request = CertificateRequest::from_json(&submitted.canonical)
            .map_err(|e| CliError::Input(format!("request {short}: {e}")))?;
        let (mut draft, notices) =
            goodstanding_issuer::issue::draft_under(&request, now, policy)
                .map_err(|e| CliError::Refused(format!("request {short}: {e}")))?;
        // What it will supersede is part of what is approved.
        draft.supersedes = register
            .live_certificate(&submitted.subject_reference, now)
            .map_err(|e| CliError::Input(e.to_string()))?
            .and_then(|c| goodstanding_verifier::CertificateId::new(&c.id).ok());
        let record_set = record_set_sha256(&draft).map_err(|e| CliError::Input(e.to_string()))?;
        shown.push((submitted, draft, notices));
        items.push((submitted.hash.clone(), record_set));
    }
    // Each draft shown is audited before it is shown.
    let hashes: Vec<&str> = requests.iter().map(|r| r.hash.as_str()).collect();
    register
        .audit(
            Duty::Approve,
            vec![
                serde_json::json!({"action": "display", "what": "drafts for approval",
                                    "requests": hashes}),
            ],
        )
        .map_err(refused)?;
    if !shown.is_empty() {
        std::fs::create_dir_all(&args.drafts).map_err(|e| CliError::file(&args.drafts, e))?;
    }
    for (submitted, draft, notices) in &shown {
        let pdf = goodstanding_issuer::pdf::render_draft(draft)
            .map_err(|e| CliError::Input(e.to_string()))?;
        let path = args
            .drafts
            .join(goodstanding_operations::preview::draft_file_name(
                &submitted.subject_reference,
            ));
        goodstanding_files::write_atomic(&path, &pdf, goodstanding_files::WriteMode::Replace, true)
            .map_err(|e| CliError::file(&path, e))?;
        outln!(
            "{}  {}  prepared by {}: {} finding(s), {} conviction(s), {} departure(s){}; draft \
             {}",
            &submitted.hash[..16],
            submitted.subject_reference,
            submitted.submitted_by,
            draft.findings.len(),
            draft.convictions.len(),
            draft.departures.len(),
            draft
                .supersedes
                .as_ref()
                .map(|s| format!(", supersedes {s}"))
                .unwrap_or_default(),
            path.display()
        );
        for notice in notices {
            outln!("    note: {notice}");
        }
    }
    for (submitted, reason) in &revocations {
        let certificate = register
            .certificate(&submitted.subject_reference)
            .map_err(|e| CliError::Input(e.to_string()))?;
        outln!(
            "{}  revoke {} ({reason}), prepared by {}: {}",
            &submitted.hash[..16],
            submitted.subject_reference,
            submitted.submitted_by,
            certificate.map_or_else(
                || "no such certificate in the register".to_string(),
                |c| format!(
                    "subject {}, issued {}, valid until {}",
                    c.subject_reference, c.issued_at, c.valid_until
                )
            )
        );
    }
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(CliError::Input(
                "nothing approved: read the drafts, then run again with --yes (standard input is \
                 not a terminal to ask on)"
                    .into(),
            ));
        }
        eprint!("Approve these {} request(s) as {me}? [y/N] ", items.len());
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .map_err(|e| CliError::Input(e.to_string()))?;
        if !answer.trim().eq_ignore_ascii_case("y") {
            outln!("nothing approved");
            return Ok(());
        }
    }
    let root = register.approve(&items).map_err(refused)?;
    outln!(
        "{me} approved {} request(s) with one signature (set {})",
        items.len(),
        &root[..16]
    );
    Ok(())
}

/// `goodstanding audit ...`.
#[derive(clap::Subcommand)]
pub enum AuditCommand {
    /// Check the audit trail: every row follows the one before and hashes to its stored hash,
    /// every row is covered by its operator's signature, only admins changed operators, and
    /// every head the transparency log anchored is in it. Exit status 1 names the first bad
    /// row.
    Verify {
        /// Check an exported trail (`audit export --jsonl`) instead of the register's.
        #[arg(long, value_name = "FILE")]
        jsonl: Option<PathBuf>,
        /// The register [default: as for the other commands].
        #[arg(long = "register", value_name = "FILE|URL")]
        register: Option<PathBuf>,
    },
    /// Write the audit trail for an auditor: one JSON object per row (seq, body as stored,
    /// prev_hash, row_hash, signature). `audit verify --jsonl FILE` checks it.
    Export {
        /// JSON Lines (the one form there is).
        #[arg(long, required = true)]
        jsonl: bool,
        /// The file to write (mode 0600; refused if it exists) [default: standard output].
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// The register [default: as for the other commands].
        #[arg(long = "register", value_name = "FILE|URL")]
        register: Option<PathBuf>,
    },
}

fn row_json(row: &AuditRow) -> serde_json::Value {
    serde_json::json!({"seq": row.seq, "body": row.body, "prev_hash": row.prev_hash,
                       "row_hash": row.row_hash, "signature": row.signature})
}

fn read_exported(path: &Path) -> Result<Vec<AuditRow>, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| CliError::file(path, e))?;
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let bad =
            |what: &str| CliError::Input(format!("{}: line {}: {what}", path.display(), n + 1));
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| bad(&e.to_string()))?;
        let text = |name: &str| value.get(name).and_then(|v| v.as_str()).map(str::to_string);
        rows.push(AuditRow {
            seq: value
                .get("seq")
                .and_then(serde_json::Value::as_u64)
                .ok_or_else(|| bad("no seq"))?,
            body: text("body").ok_or_else(|| bad("no body"))?,
            prev_hash: text("prev_hash").ok_or_else(|| bad("no prev_hash"))?,
            row_hash: text("row_hash").ok_or_else(|| bad("no row_hash"))?,
            signature: text("signature"),
        });
    }
    Ok(rows)
}

/// `goodstanding audit`.
pub fn audit(command: &AuditCommand) -> Result<(), CliError> {
    match command {
        AuditCommand::Verify { jsonl, register } => {
            let (rows, anchors, source) = match jsonl {
                Some(path) => (read_exported(path)?, Vec::new(), path.display().to_string()),
                None => {
                    let register = open_register(register.as_deref())?;
                    let rows = register
                        .audit_rows(1)
                        .map_err(|e| CliError::Input(e.to_string()))?;
                    let anchors = register
                        .audit_anchors()
                        .map_err(|e| CliError::Input(e.to_string()))?;
                    (rows, anchors, register.path().display().to_string())
                }
            };
            match verify_chain(&rows, &anchors) {
                Ok(report) => {
                    outln!(
                        "audit trail of {source}: OK, {} row(s), {} signature(s), {} head(s) \
                         anchored in the transparency log",
                        report.rows,
                        report.signatures,
                        report.anchors
                    );
                    for (name, role) in &report.operators {
                        outln!("  operator {name} ({role})");
                    }
                    let actions: Vec<String> = report
                        .actions
                        .iter()
                        .map(|(a, n)| format!("{a} {n}"))
                        .collect();
                    outln!("  actions: {}", actions.join(", "));
                    if jsonl.is_some() {
                        eprintln!(
                            "note: an exported trail is checked without the log's anchors; run \
                             on the register to check them"
                        );
                    }
                    Ok(())
                }
                Err(fault) => Err(CliError::Refused(format!(
                    "the audit trail of {source} is NOT INTACT: {fault}"
                ))),
            }
        }
        AuditCommand::Export { out, register, .. } => {
            let register = open_register(register.as_deref())?;
            let rows = register
                .audit_rows(1)
                .map_err(|e| CliError::Input(e.to_string()))?;
            let mut text = String::new();
            for row in &rows {
                text.push_str(&row_json(row).to_string());
                text.push('\n');
            }
            match out {
                Some(path) => {
                    goodstanding_files::write_atomic(
                        path,
                        text.as_bytes(),
                        goodstanding_files::WriteMode::CreateNew,
                        true,
                    )
                    .map_err(|e| CliError::file(path, e))?;
                    eprintln!("wrote {} audit row(s) to {}", rows.len(), path.display());
                }
                None => {
                    let mut stdout = std::io::stdout().lock();
                    stdout
                        .write_all(text.as_bytes())
                        .map_err(|e| CliError::Input(e.to_string()))?;
                }
            }
            Ok(())
        }
    }
}
