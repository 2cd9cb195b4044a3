//! The issuance register's commands: `register list` and `register show` (what was issued, to
//! whom, in which batch, what was revoked), `register migrate`, `export` and `import` (SQLite and
//! PostgreSQL), and `revoke`.

use std::path::{Path, PathBuf};

use goodstanding_operations::register::{CertificateRecord, ListFilter, RevokeError};
use goodstanding_verifier::Timestamp;
use goodstanding_verifier::model::RevocationReason;

use crate::error::CliError;
use crate::io::outln;
use crate::shared::{RegisterArg, now, open_register};

/// The subcommands of `goodstanding register`.
#[derive(clap::Subcommand)]
pub enum RegisterCommand {
    /// List certificates, oldest first.
    List {
        /// Only this subject reference.
        #[arg(long, value_name = "REF")]
        subject: Option<String>,
        /// Only this batch.
        #[arg(long, value_name = "ID")]
        batch: Option<String>,
        /// Only certificates in this state: live (issued, not revoked, not expired), expired,
        /// revoked, or pending (left by an interrupted run).
        #[arg(long, value_enum)]
        state: Option<StateFilter>,
        /// Only live certificates that expire within this time from now (30m, 12h, 14d), to
        /// reissue in time.
        #[arg(long, value_name = "DURATION")]
        expiring_within: Option<String>,
        #[command(flatten)]
        register: RegisterArg,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Everything the register holds about one certificate.
    Show {
        /// The certificate id.
        id: String,
        #[command(flatten)]
        register: RegisterArg,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The issuing body's settings for the rules: how old a request's information may be when
    /// it is signed (`information_as_at`; 30 days unless set, at most 90).
    Set {
        /// Days (1 to 90).
        #[arg(long, value_name = "DAYS")]
        freshness_days: i64,
        #[command(flatten)]
        register: RegisterArg,
    },
    /// Make a register a team's: NAME (--as) becomes its first admin, with the public key of
    /// their personal --key, which signs this first audit row; set how many approvals signing
    /// needs. On PostgreSQL, applies the migrations first. Refused once the register has
    /// operators. Without this, a register has one implicit operator (its key beside the
    /// SQLite file) and asks for no approval.
    Init {
        /// Approvals from distinct operators other than the preparer that each certificate
        /// needs before `issue`/`batch` sign it (0: none).
        #[arg(long, value_name = "N", default_value_t = 0)]
        approvals: u32,
        /// Approvals a revocation, or a certificate that supersedes a live one, needs
        /// [default: as --approvals].
        #[arg(long, value_name = "N")]
        revocation_approvals: Option<u32>,
        #[command(flatten)]
        acting: crate::team::ActingArgs,
    },
    /// At the end of the retention period, erase the register's links to people (an admin
    /// only; audited): the subject reference of every certificate that expired before DATE,
    /// and the content of every request submitted before it that is no longer pending. The
    /// audit trail names only certificate ids and request hashes, so it still verifies.
    Erase {
        /// The cut-off: a date (YYYY-MM-DD) or an RFC 3339 time.
        #[arg(long, value_name = "DATE")]
        before: String,
        #[command(flatten)]
        register: RegisterArg,
    },
    /// Change the approval policy (an admin only; audited).
    Policy {
        /// Approvals each certificate needs (0: none) [default: unchanged].
        #[arg(long, value_name = "N")]
        approvals: Option<u32>,
        /// Approvals a revocation or supersession needs [default: as --approvals].
        #[arg(long, value_name = "N")]
        revocation_approvals: Option<u32>,
        /// Anchor the audit trail's head in the transparency log at each publish (on for a
        /// team register; verifiers of releases before this one cannot sync a log holding an
        /// anchor, so turn it on once they are updated).
        #[arg(long, value_name = "on|off", value_parser = ["on", "off"])]
        anchor_audit: Option<String>,
        #[command(flatten)]
        acting: crate::team::ActingArgs,
    },
    /// Bring a register's tables up to this goodstanding's version, creating them in a new one:
    /// for PostgreSQL (--register postgres://...), apply the migrations of
    /// migrations/postgres/ it lacks, each in a transaction of its own; an SQLite file is
    /// brought up to date whenever it is opened, so this only creates or checks it. Run it
    /// once per release, before the team's first command with that release.
    Migrate {
        #[command(flatten)]
        register: RegisterArg,
    },
    /// Write every row of the register to a file (JSON Lines: each table's rows, text as
    /// stored, bytes as base64), to move it to another register with `register import`: from
    /// SQLite to PostgreSQL or back. The file holds subject references: it is made mode 0600.
    Export {
        /// The file to write (refused if it exists).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        register: RegisterArg,
    },
    /// Read a `register export` file into a new, empty register (SQLite or PostgreSQL), in one
    /// transaction: nothing is imported if a line is refused, and the message names the line.
    Import {
        /// The export file.
        file: PathBuf,
        #[command(flatten)]
        register: RegisterArg,
    },
}

/// Arguments of `goodstanding revoke`.
#[derive(clap::Args)]
pub struct RevokeArgs {
    /// The certificate id.
    pub id: String,
    /// Why: new_information, issued_in_error or key_compromise (superseded is recorded by
    /// `reissue`).
    #[arg(long, value_name = "CODE")]
    pub reason: String,
    #[command(flatten)]
    pub register: RegisterArg,
    /// Print one JSON object (schemas/revoke-output.schema.json).
    #[arg(long)]
    pub json: bool,
}

/// `goodstanding register ...`.
pub fn run(command: RegisterCommand) -> Result<(), CliError> {
    match command {
        RegisterCommand::Init {
            approvals,
            revocation_approvals,
            acting,
        } => crate::team::register_init(&acting, approvals, revocation_approvals),
        RegisterCommand::Erase { before, register } => {
            let cutoff = Timestamp::parse_date_or_time(&before)
                .map_err(|e| CliError::Input(format!("--before {before:?}: {e}")))?;
            if cutoff > now()? {
                return Err(CliError::Input(format!(
                    "--before {before}: in the future; give the end of the retention period, \
                     a date already past"
                )));
            }
            let mut register = register.open()?;
            let erased = register
                .erase_before(cutoff)
                .map_err(|e| CliError::Refused(e.to_string()))?;
            outln!(
                "erased the subject of {} certificate(s) that expired before {cutoff} and the \
                 content of {} request(s) submitted before it; the audit trail is unchanged",
                erased.certificates,
                erased.requests
            );
            Ok(())
        }
        RegisterCommand::Policy {
            approvals,
            revocation_approvals,
            anchor_audit,
            acting,
        } => crate::team::register_policy_change(
            &acting,
            approvals,
            revocation_approvals,
            anchor_audit.as_deref(),
        ),
        RegisterCommand::List {
            subject,
            batch,
            state,
            expiring_within,
            register,
            json,
        } => {
            let now = now()?;
            let until = expiring_within
                .map(|text| {
                    let within = crate::serving::parse_duration("--expiring-within", &text)?;
                    i64::try_from(within.as_secs())
                        .ok()
                        .and_then(|seconds| now.unix().checked_add(seconds))
                        .and_then(Timestamp::from_unix)
                        .ok_or_else(|| {
                            CliError::Input(format!("--expiring-within {text}: too far ahead"))
                        })
                })
                .transpose()?;
            let wanted = Wanted { state, until, now };
            register_list(subject, batch, &wanted, &register, json)
        }
        RegisterCommand::Show { id, register, json } => register_show(&id, &register, json),
        RegisterCommand::Set {
            freshness_days,
            register,
        } => {
            let mut register = register.open()?;
            register
                .set_freshness_days(freshness_days)
                .map_err(|e| match e {
                    goodstanding_operations::register::RegisterError::Setting(m) => {
                        CliError::Input(m)
                    }
                    other => CliError::Input(other.to_string()),
                })?;
            outln!(
                "{}: information may be at most {freshness_days} days old when a certificate is \
                 signed",
                register.path().display()
            );
            Ok(())
        }
        RegisterCommand::Migrate { register } => migrate(register.path.as_deref()),
        RegisterCommand::Export { out, register } => {
            let register = register.open()?;
            let mut bytes = Vec::new();
            let rows = register
                .export(&mut bytes)
                .map_err(|e| CliError::Input(e.to_string()))?;
            goodstanding_files::write_atomic(
                &out,
                &bytes,
                goodstanding_files::WriteMode::CreateNew,
                true,
            )
            .map_err(|e| CliError::file(&out, e))?;
            outln!(
                "{rows} rows of {} written to {} (mode 0600: it holds subject references)",
                register.path().display(),
                out.display()
            );
            Ok(())
        }
        RegisterCommand::Import { file, register } => {
            let mut register = register.open()?;
            let opened = std::fs::File::open(&file).map_err(|e| CliError::file(&file, e))?;
            let imported = register
                .import(&mut std::io::BufReader::new(opened))
                .map_err(|e| CliError::file(&file, e))?;
            let total: u64 = imported.iter().map(|(_, n)| n).sum();
            let tables: Vec<String> = imported
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(t, n)| format!("{t} {n}"))
                .collect();
            outln!(
                "{total} rows imported into {}: {}",
                register.path().display(),
                tables.join(", ")
            );
            Ok(())
        }
    }
}

/// `goodstanding register migrate`.
fn migrate(given: Option<&Path>) -> Result<(), CliError> {
    let location = crate::shared::register_location(given)?;
    match crate::shared::postgres_url(&location) {
        Some(url) => {
            let shown = goodstanding_operations::register::redacted_url(url);
            let (before, after) =
                goodstanding_operations::register::Register::migrate_postgres(url)
                    .map_err(|e| CliError::Input(e.to_string()))?;
            if before == after {
                outln!("{shown}: up to date (migration {after})");
            } else {
                outln!("{shown}: migrated from {before} to {after}");
            }
        }
        None => {
            let register = open_register(Some(&location))?;
            outln!(
                "{}: up to date (SQLite registers are brought up to date when opened)",
                register.path().display()
            );
        }
    }
    Ok(())
}

/// A refused revocation or replacement: an unknown id or a register failure is an input error
/// (exit 2), the rest a refusal (exit 1).
pub fn revoke_error(e: RevokeError) -> CliError {
    match e {
        unknown @ RevokeError::Unknown(_) => CliError::Input(unknown.to_string()),
        RevokeError::Register(
            refused @ goodstanding_operations::register::RegisterError::Operator(_),
        ) => CliError::Refused(refused.to_string()),
        RevokeError::Register(e) => CliError::Input(e.to_string()),
        other => CliError::Refused(other.to_string()),
    }
}

/// `goodstanding revoke`.
pub fn revoke(args: &RevokeArgs) -> Result<(), CliError> {
    let (id, reason) = (args.id.as_str(), args.reason.as_str());
    let reason = RevocationReason::from_code(reason).ok_or_else(|| {
        CliError::Input(format!(
            "--reason {reason:?}: not a reason code; use one of {} (superseded is recorded by \
             `goodstanding reissue`, which issues the replacement)",
            RevocationReason::ALL
                .into_iter()
                .filter(|r| *r != RevocationReason::Superseded)
                .map(RevocationReason::as_code)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let mut register = args.register.open()?;
    let at = now()?;
    register.revoke(id, reason, at).map_err(revoke_error)?;
    // With a transparency log the revocation is an entry of its own: witnessed now, or at the
    // next run that reaches the quorum (the revocation list carries it either way).
    goodstanding_operations::log::witness_entries(
        &mut register,
        &crate::transparency::HttpWitnesses,
        &goodstanding_files::lock::holder_line(&at.to_string()),
    )
    .map_err(|e| {
        CliError::Input(format!(
            "revoked {id} in the register (the next revocation list carries it), but its log \
             entry is not witnessed yet: {e}"
        ))
    })?;
    let next_step = "Verifiers see this only once it is published and they fetch it: run \
         `goodstanding publish --out SITE --key KEY --root ROOT.pub.jwk` now (and upload SITE if \
         it is served elsewhere); each verifier then sees it at its next `goodstanding trust \
         update` (the web page and `serve --refresh-from`: at their next refresh)";
    if args.json {
        crate::outputs::print(&crate::outputs::RevokeOutput {
            id: id.to_string(),
            revoked_at: at.to_string(),
            reason: reason.as_code().to_string(),
            next_step: next_step.to_string(),
        });
    } else {
        outln!("revoked {id} at {at} ({})", reason.label());
        outln!("{next_step}");
    }
    Ok(())
}

/// `goodstanding register list`.
/// A state `register list` can keep to.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StateFilter {
    /// Issued, not revoked, not expired.
    Live,
    /// Issued, not revoked, past its validity.
    Expired,
    /// Revoked (superseded included).
    Revoked,
    /// Left pending by an interrupted run.
    Pending,
}

/// What `register list` keeps, besides subject and batch.
pub struct Wanted {
    /// Only this state.
    state: Option<StateFilter>,
    /// Only live certificates that expire before this time.
    until: Option<Timestamp>,
    /// The time states are judged at.
    now: Timestamp,
}

impl Wanted {
    fn keeps(&self, c: &CertificateRecord) -> bool {
        let state = state_at(c, self.now);
        let state_ok = self.state.is_none_or(|wanted| {
            state
                == match wanted {
                    StateFilter::Live => "issued",
                    StateFilter::Expired => "expired",
                    StateFilter::Revoked => "revoked",
                    StateFilter::Pending => "pending",
                }
        });
        let expiry_ok = self.until.is_none_or(|until| {
            state == "issued"
                && Timestamp::parse(&c.valid_until).is_ok_and(|valid_until| valid_until <= until)
        });
        state_ok && expiry_ok
    }
}

pub fn register_list(
    subject: Option<String>,
    batch: Option<String>,
    wanted: &Wanted,
    register: &RegisterArg,
    json: bool,
) -> Result<(), CliError> {
    let mut register = register.open()?;
    let mut shown = Vec::new();
    register
        .list(&ListFilter { subject, batch }, |c| {
            if wanted.keeps(&c) {
                shown.push(c);
            }
        })
        .map_err(|e| CliError::Input(e.to_string()))?;
    // Who saw whose records is audited before anything is shown.
    audit_display(
        &mut register,
        "register list",
        shown.iter().map(|c| c.id.as_str()),
    )?;
    let count = shown.len();
    if !json {
        outln!(
            "{:<26}  {:<8}  {:<16}  {:<20}  {:<20}  batch",
            "certificate",
            "state",
            "subject",
            "issued at",
            "valid until"
        );
    }
    for c in shown {
        {
            if json {
                outln!("{}", record_json(&c, wanted.now));
            } else {
                outln!(
                    "{:<26}  {:<8}  {:<16}  {:<20}  {:<20}  {}",
                    c.id,
                    state_at(&c, wanted.now),
                    c.subject_reference,
                    c.issued_at,
                    c.valid_until,
                    c.batch_id.as_deref().unwrap_or("-")
                );
            }
        }
    }
    if !json {
        eprintln!("{count} certificate(s) in {}", register.path().display());
    }
    Ok(())
}

/// Records in the audit trail that the acting operator is shown these certificates.
pub fn audit_display<'a>(
    register: &mut goodstanding_operations::register::Register,
    what: &str,
    ids: impl Iterator<Item = &'a str>,
) -> Result<(), CliError> {
    let ids: Vec<&str> = ids.collect();
    register
        .audit(
            goodstanding_operations::register::Duty::View,
            vec![serde_json::json!({"action": "display", "what": what, "certificates": ids})],
        )
        .map_err(|e| CliError::Refused(e.to_string()))
}

/// The state of a certificate at `now`: revoked, pending, expired, or issued (live).
fn state_at(c: &CertificateRecord, now: Timestamp) -> &'static str {
    match &c.revocation {
        Some(_) => "revoked",
        None if c.state == "pending" => "pending",
        None if Timestamp::parse(&c.valid_until).is_ok_and(|until| until <= now) => "expired",
        None => "issued",
    }
}

fn record_json(c: &CertificateRecord, now: Timestamp) -> serde_json::Value {
    serde_json::json!({
        "id": c.id,
        "state": state_at(c, now),
        "subject_reference": c.subject_reference,
        "kid": c.kid,
        "issued_at": c.issued_at,
        "valid_from": c.valid_from,
        "valid_until": c.valid_until,
        "information_as_at": c.information_as_at,
        "folder": c.out_dir,
        "batch": c.batch_id,
        "batch_line": c.batch_item,
        "supersedes": c.supersedes,
        "sha256": {"jws": c.jws_sha256, "qr_txt": c.qr_sha256, "pdf": c.pdf_sha256},
        "revocation": c.revocation.as_ref().map(|r| serde_json::json!({
            "revoked_at": r.revoked_at,
            "reason": r.reason,
            "superseded_by": r.superseded_by,
        })),
    })
}

/// `goodstanding register show`.
pub fn register_show(id: &str, register: &RegisterArg, json: bool) -> Result<(), CliError> {
    let mut register = register.open()?;
    let c = register
        .certificate(id)
        .map_err(|e| CliError::Input(e.to_string()))?
        .ok_or_else(|| {
            CliError::Input(format!(
                "no certificate {id} in {}; `goodstanding register list` shows what it holds",
                register.path().display()
            ))
        })?;
    audit_display(
        &mut register,
        "register show",
        std::iter::once(c.id.as_str()),
    )?;
    let now = now()?;
    if json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&record_json(&c, now)).unwrap_or_default()
        );
        return Ok(());
    }
    let line = |label: &str, value: &str| outln!("{label:<18} {value}");
    line("Certificate", &c.id);
    line("State", state_at(&c, now));
    line("Subject ref.", &c.subject_reference);
    line("Signing key", &c.kid);
    line("Issued at", &c.issued_at);
    line("Valid", &format!("{} to {}", c.valid_from, c.valid_until));
    line("Record as at", &c.information_as_at);
    if let Some(batch) = &c.batch_id {
        let at = c
            .batch_item
            .map(|l| format!(", line {l}"))
            .unwrap_or_default();
        line("Batch", &format!("{batch}{at}"));
    }
    if let Some(old) = &c.supersedes {
        line("Replaces", old);
    }
    if let Some(r) = &c.revocation {
        line("Revoked", &format!("{} ({})", r.revoked_at, r.reason));
        if let Some(new) = &r.superseded_by {
            line("Superseded by", new);
        }
    }
    for (ext, hash) in [
        ("jws", &c.jws_sha256),
        ("qr.txt", &c.qr_sha256),
        ("pdf", &c.pdf_sha256),
    ] {
        let path = Path::new(&c.out_dir).join(format!("{}.{ext}", c.id));
        line(
            &format!("File .{ext}"),
            &format!("{}  sha256 {hash}", path.display()),
        );
    }
    Ok(())
}
