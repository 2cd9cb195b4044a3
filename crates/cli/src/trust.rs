//! The trust commands: the trust list (issuing body, on the root key's machine), `publish`
//! (issuing body), and the verifier's trust folder (`trust update`, `trust show`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use goodstanding_operations::publication::{self, PublishOptions, TRUST_LIST_FILE, TrustChange};
use goodstanding_trust::fetch::{Source, update_from};
use goodstanding_trust::folder as trust_folder;
use goodstanding_verifier::lists::IssuingBody;
use goodstanding_verifier::text::Text;
use goodstanding_verifier::{PublicJwk, TrustStore};

use crate::error::CliError;
use crate::io::outln;
use crate::shared::{
    RegisterArg, TokenArgs, cache_error, describe_cache, in_data_dir, now, open_key, parse_time,
    trust_dir,
};

/// The issuing body behind a key, for `trust add` and `trust describe`.
#[derive(clap::Args)]
pub struct BodyArgs {
    /// The issuing body's name, as its certificates give it (all three --body-* options, or
    /// none).
    #[arg(long, value_name = "NAME")]
    pub body_name: Option<String>,
    /// Its postal address.
    #[arg(long, value_name = "ADDRESS")]
    pub body_address: Option<String>,
    /// The web address where its certificates are checked (https://...).
    #[arg(long, value_name = "URL")]
    pub check_url: Option<String>,
}

impl BodyArgs {
    /// The body, if named; all three parts or none.
    fn body(&self) -> Result<Option<IssuingBody>, CliError> {
        fn text<const MAX: usize>(flag: &str, value: &str) -> Result<Text<MAX>, CliError> {
            Text::new(value).map_err(|e| CliError::Input(format!("{flag} {value:?}: {e}")))
        }
        match (&self.body_name, &self.body_address, &self.check_url) {
            (None, None, None) => Ok(None),
            (Some(name), Some(address), Some(url)) => {
                if !url.starts_with("https://") {
                    return Err(CliError::Input(format!(
                        "--check-url {url:?}: give the https:// address where certificates are \
                         checked"
                    )));
                }
                Ok(Some(IssuingBody {
                    name: text("--body-name", name)?,
                    address: text("--body-address", address)?,
                    check_url: text("--check-url", url)?,
                }))
            }
            _ => Err(CliError::Input(
                "give --body-name, --body-address and --check-url together".into(),
            )),
        }
    }
}

/// The subcommands of `goodstanding trust`.
#[derive(clap::Subcommand)]
pub enum TrustCommand {
    /// Add an issuing key to the trust list, allowed to issue from --from (until --until).
    Add {
        /// The issuing key's public JWK (keygen's <kid>.pub.jwk).
        key: PathBuf,
        /// From when it may issue (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ).
        #[arg(long, value_name = "DATE")]
        from: String,
        /// Until when it may issue (exclusive) [default: until retired].
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        #[command(flatten)]
        body: BodyArgs,
        #[command(flatten)]
        list: TrustListArgs,
    },
    /// Name the body that issues with a listed key (its name, address and the web address where
    /// its certificates are checked). A list that names bodies is trust list version 2, and
    /// names one for every key; certificates must then give their key's body as their issuer,
    /// and verifiers show the name from the list. Verifiers before this release read only
    /// version 1 lists: publish one only when yours have been updated.
    Describe {
        /// The key id.
        kid: String,
        #[command(flatten)]
        body: BodyArgs,
        #[command(flatten)]
        list: TrustListArgs,
    },
    /// Retire an issuing key: it issues nothing after --at; what it signed before stays valid.
    Retire {
        /// The key id.
        kid: String,
        /// When it stops issuing [default: now].
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        #[command(flatten)]
        list: TrustListArgs,
    },
    /// Mark an issuing key compromised since --at: certificates it signed from then on are
    /// refused. One signed before is still accepted, with a warning, if its validity also
    /// began before --at (reissue those with another key and revoke them).
    Compromise {
        /// The key id.
        kid: String,
        /// Since when it may be in other hands (the earliest time it may have leaked).
        #[arg(long, value_name = "TIME")]
        at: String,
        #[command(flatten)]
        list: TrustListArgs,
    },
    /// Name the issuing body's transparency log in the trust list (making it version 3): its
    /// c2sp.org/tlog-policy (log key, witnesses' keys, quorum), where its tiles are published,
    /// its subject-tag key, and from when every certificate must be in it. `goodstanding log
    /// show` prints the policy and the subject-tag key. The list's version 2 and 1 forms are
    /// written beside it for verifiers of earlier releases.
    Log {
        /// The log's policy file (log.policy in the log folder; witness URLs are left out).
        #[arg(long, value_name = "FILE")]
        policy: PathBuf,
        /// Where the log is published: the site's URL followed by /log.
        #[arg(long, value_name = "URL")]
        url: String,
        /// The subject-tag (vrf-r255) public key, base64, as `goodstanding log show` prints it.
        #[arg(long, value_name = "BASE64")]
        subject_tag_key: String,
        /// From when every certificate must be in the log (YYYY-MM-DD or a time); it can move
        /// earlier, never later.
        #[arg(long, value_name = "TIME")]
        required_from: String,
        #[command(flatten)]
        list: TrustListArgs,
    },
    /// Fetch the published trust list and revocation list, verify them with the pinned root
    /// keys, and replace the trust folder's cache atomically. Refuses a list older than the one
    /// held (rollback); on any failure the folder is left as it was.
    Update {
        /// The base URL the issuing body publishes at (trust-list-v2.jws, else trust-list.jws,
        /// and revocation-list.jws under it), or a local folder with those files.
        #[arg(long, value_name = "URL")]
        from: String,
        /// The trust folder [default: $GOODSTANDING_TRUST, else $XDG_DATA_HOME/goodstanding/trust, else ~/.local/share/goodstanding/trust].
        #[arg(long, value_name = "DIR")]
        trust: Option<PathBuf>,
        /// Pin this root public key (copied into the folder's roots/ when the update succeeds).
        /// Obtain it from the issuing body out of band; repeat for several.
        #[arg(long, value_name = "ROOT.pub.jwk")]
        root: Vec<PathBuf>,
    },
    /// What a trust folder holds: the lists, how old they are, and the issuing keys.
    Show {
        /// The trust folder [default: $GOODSTANDING_TRUST, else $XDG_DATA_HOME/goodstanding/trust, else ~/.local/share/goodstanding/trust].
        #[arg(long, value_name = "DIR")]
        trust: Option<PathBuf>,
        /// Print one JSON object (schemas/trust-show-output.schema.json).
        #[arg(long)]
        json: bool,
    },
}

/// `goodstanding trust ...`.
pub fn run(command: TrustCommand) -> Result<(), CliError> {
    match command {
        TrustCommand::Add {
            key,
            from,
            until,
            body,
            list,
        } => {
            let issuer = body.body()?;
            edit_trust_list(
                TrustEdit::Add {
                    key,
                    from,
                    until,
                    issuer,
                },
                &list,
            )
        }
        TrustCommand::Describe { kid, body, list } => {
            let issuer = body.body()?.ok_or_else(|| {
                CliError::Input("give --body-name, --body-address and --check-url".into())
            })?;
            edit_trust_list(TrustEdit::Describe { kid, issuer }, &list)
        }
        TrustCommand::Retire { kid, at, list } => {
            edit_trust_list(TrustEdit::Retire { kid, at }, &list)
        }
        TrustCommand::Compromise { kid, at, list } => {
            edit_trust_list(TrustEdit::Compromise { kid, at }, &list)
        }
        TrustCommand::Log {
            policy,
            url,
            subject_tag_key,
            required_from,
            list,
        } => {
            let text = crate::io::read_input(&policy, 64 * 1024)?;
            let text =
                String::from_utf8(text).map_err(|_| CliError::file(&policy, "not UTF-8 text"))?;
            let parsed = goodstanding_verifier::tlog_policy::Policy::parse(&text)
                .map_err(|e| CliError::file(&policy, e))?;
            let log = goodstanding_verifier::lists::TransparencyLogTrust {
                policy: parsed.to_text(false),
                url: url.trim_end_matches('/').to_string(),
                subject_tag_key,
                required_from: parse_time("--required-from", &required_from)?,
            };
            edit_trust_list(TrustEdit::SetLog(Box::new(log)), &list)
        }
        TrustCommand::Update { from, trust, root } => update(&from, trust.as_deref(), &root),
        TrustCommand::Show { trust, json } => show(trust.as_deref(), json),
    }
}

/// Where the trust list file is, and the root key that signs it.
#[derive(clap::Args)]
pub struct TrustListArgs {
    /// The root private key, on the offline machine: a PKCS#8 PEM file (mode 0600), or a key in
    /// a PKCS#11 token as a pkcs11: URI (RFC 7512).
    #[arg(long = "root-key", value_name = "ROOT.key.pem|pkcs11:URI")]
    root_key: OsString,
    #[command(flatten)]
    token: TokenArgs,
    /// The trust list to change (made if missing); a list that names issuing bodies (version
    /// 2) also gets its version 1 form written beside it (trust-list.v1.jws): copy both to the
    /// issuing machine [default: $XDG_DATA_HOME/goodstanding/trust-list.jws, else
    /// ~/.local/share/goodstanding/trust-list.jws].
    #[arg(long = "list", value_name = "FILE")]
    list: Option<PathBuf>,
}

/// What to change in the trust list, as given on the command line.
pub enum TrustEdit {
    /// `trust add`.
    Add {
        /// The public key file.
        key: PathBuf,
        /// `--from`.
        from: String,
        /// `--until`.
        until: Option<String>,
        /// The `--body-*` options.
        issuer: Option<IssuingBody>,
    },
    /// `trust describe`.
    Describe {
        /// The key.
        kid: String,
        /// Its issuing body.
        issuer: IssuingBody,
    },
    /// `trust retire`.
    Retire {
        /// The key.
        kid: String,
        /// `--at`, else now.
        at: Option<String>,
    },
    /// `trust log`.
    SetLog(Box<goodstanding_verifier::lists::TransparencyLogTrust>),
    /// `trust compromise`.
    Compromise {
        /// The key.
        kid: String,
        /// `--at`.
        at: String,
    },
}

/// `goodstanding trust add | retire | compromise`.
pub fn edit_trust_list(edit: TrustEdit, args: &TrustListArgs) -> Result<(), CliError> {
    let now = now()?;
    let change = match edit {
        TrustEdit::Add {
            key,
            from,
            until,
            issuer,
        } => TrustChange::Add {
            key: Box::new(trust_folder::read_jwk(&key).map_err(cache_error)?),
            from: parse_time("--from", &from)?,
            until: until.map(|u| parse_time("--until", &u)).transpose()?,
            issuer,
        },
        TrustEdit::Describe { kid, issuer } => TrustChange::Describe { kid, issuer },
        TrustEdit::Retire { kid, at } => TrustChange::Retire {
            kid,
            at: at.map_or(Ok(now), |a| parse_time("--at", &a))?,
        },
        TrustEdit::SetLog(log) => TrustChange::SetLog { log },
        TrustEdit::Compromise { kid, at } => TrustChange::Compromise {
            kid,
            at: parse_time("--at", &at)?,
        },
    };
    let root = open_key("--root-key", &args.root_key, None, &args.token)?;
    let list = in_data_dir(args.list.as_deref(), TRUST_LIST_FILE, "--list FILE")?;
    // A new list is started only by a root key (`root keygen` marks its file); a list already
    // there must verify with the key given, which no other key passes. A key in a token cannot
    // be marked: its use is the operator's explicit choice of a token key.
    let in_token = args.root_key.to_string_lossy().starts_with("pkcs11:");
    if !in_token && !root.is_root_key_file() && !list.exists() {
        return Err(CliError::Input(format!(
            "--root-key {}: not a root key (one that `goodstanding root keygen` made, which says \
             so in its first line, and whose .pub.jwk verifiers pin); an issuing key never \
             signs a trust list. Give the root key, such as root/gs-root-2026.key.pem",
            args.root_key.to_string_lossy()
        )));
    }
    let content = publication::change_trust_list(&list, &root, &change, now)
        .map_err(|e| CliError::Input(e.to_string()))?;
    outln!(
        "trust list {} number {}, signed by root {} at {}:",
        list.display(),
        content.sequence,
        root.kid(),
        content.issued_at
    );
    for entry in &content.keys {
        let until = entry.until.map_or("open".into(), |u| u.to_string());
        let compromised = entry
            .compromised_at
            .map_or(String::new(), |c| format!(", compromised at {c}"));
        outln!(
            "  {:<28} {:<11} issues from {} until {until}{compromised}",
            entry.key.kid.as_str(),
            entry.status.as_code(),
            entry.from
        );
    }
    if let Some(log) = &content.transparency_log {
        outln!(
            "Version 3: it names the transparency log at {} (every certificate from {} must be \
             in it); its version 2 and 1 forms, for verifiers of earlier releases, are {} and {}.",
            log.url,
            log.required_from,
            publication::form_path(&list, 2).display(),
            publication::version_1_form_path(&list).display()
        );
        outln!("Copy all three to the publishing machine and run `goodstanding publish`.");
    } else if content.trust_list_version == 2 {
        outln!(
            "Version 2 (it names issuing bodies); its version 1 form, for verifiers of the \
             release before, is {}.",
            publication::version_1_form_path(&list).display()
        );
        outln!("Copy both to the publishing machine and run `goodstanding publish`.");
    } else {
        outln!("Copy it to the publishing machine and run `goodstanding publish`.");
    }
    outln!(
        "Verifiers see this change only after that, at their next `goodstanding trust update` \
         (the web page and `serve --refresh-from`: at their next refresh)."
    );
    Ok(())
}

/// `goodstanding root rotate`.
pub fn rotate_root(args: &TrustListArgs, new_root_key: &std::ffi::OsStr) -> Result<(), CliError> {
    let now = now()?;
    let old = open_key("--root-key", &args.root_key, None, &args.token)?;
    let new = open_key("--new-root-key", new_root_key, None, &args.token)?;
    if !new_root_key.to_string_lossy().starts_with("pkcs11:") && !new.is_root_key_file() {
        return Err(CliError::Input(format!(
            "--new-root-key {}: not a root key (make one with `goodstanding root keygen`); an \
             issuing key never signs a trust list",
            new_root_key.to_string_lossy()
        )));
    }
    let list = in_data_dir(args.list.as_deref(), TRUST_LIST_FILE, "--list FILE")?;
    let rotated = publication::rotate_root(&list, &old, &new, now)
        .map_err(|e| CliError::Input(e.to_string()))?;
    outln!(
        "root {} handed trust over to root {} at {now}: statement {} of {}, signed by both",
        old.kid(),
        new.kid(),
        rotated.statements,
        rotated.handovers.display()
    );
    outln!(
        "trust list {} number {} is signed by root {} now.",
        list.display(),
        rotated.content.sequence,
        new.kid()
    );
    outln!(
        "Copy both (and the list's earlier forms beside it) to the publishing machine and run \
         `goodstanding publish --root {}.pub.jwk`: verifiers that pinned {} follow the chain at \
         their next `trust update` and pin {}. Keep the old root key offline until then, and \
         destroy it afterwards.",
        new.kid(),
        old.kid(),
        new.kid()
    );
    Ok(())
}

/// Arguments of `goodstanding publish`.
#[derive(clap::Args)]
pub struct PublishArgs {
    /// The folder a web server serves; trust-list.jws, revocation-list.jws and jwks.json are
    /// written there (created if missing), and trust-list-v2.jws for a version 2 list.
    #[arg(long, value_name = "SITE")]
    out: PathBuf,
    /// The issuing private key that signs the revocation list: a PKCS#8 PEM file (mode 0600),
    /// or a key in a PKCS#11 token as a pkcs11: URI (RFC 7512).
    #[arg(long, value_name = "KEY.pem|pkcs11:URI")]
    key: OsString,
    #[command(flatten)]
    token: TokenArgs,
    /// The root public key the trust list must verify with.
    #[arg(long, value_name = "ROOT.pub.jwk")]
    root: PathBuf,
    /// The trust list signed by the root key, with its version 1 form beside it if it is of
    /// version 2 [default: $XDG_DATA_HOME/goodstanding/trust-list.jws, else
    /// ~/.local/share/goodstanding/trust-list.jws].
    #[arg(long = "list", visible_alias = "trust-list", value_name = "FILE")]
    trust_list: Option<PathBuf>,
    /// Days until the next revocation list is due; after that verifiers call it stale.
    #[arg(long = "next-update-days", value_name = "DAYS", default_value_t = 7)]
    next_update_days: u16,
    #[command(flatten)]
    register: RegisterArg,
    /// Print one JSON object (schemas/publish-output.schema.json).
    #[arg(long)]
    json: bool,
}

/// `goodstanding publish`.
pub fn publish(args: &PublishArgs) -> Result<(), CliError> {
    let now = now()?;
    if args.next_update_days == 0 {
        return Err(CliError::Input(
            "--next-update-days must be at least 1".into(),
        ));
    }
    let next_update = now
        .plus_days(i64::from(args.next_update_days))
        .ok_or_else(|| CliError::Input("--next-update-days: too far ahead".into()))?;
    let key = open_key("--key", &args.key, None, &args.token)?;
    let mut roots = TrustStore::new();
    roots
        .add(trust_folder::read_jwk(&args.root).map_err(cache_error)?)
        .map_err(|e| CliError::file(&args.root, e))?;
    let trust_list = in_data_dir(args.trust_list.as_deref(), TRUST_LIST_FILE, "--list")?;
    let mut register = args.register.open()?;
    register
        .check_may(goodstanding_operations::register::Duty::Issue)
        .map_err(|e| CliError::Refused(e.to_string()))?;
    // A team's audit trail: its head goes into the transparency log, witnessed before the
    // log is published, so that deleting its newest rows is caught (`audit verify`).
    if let Some(rows) = register
        .anchor_audit(now)
        .map_err(|e| CliError::Input(e.to_string()))?
    {
        goodstanding_operations::log::witness_entries(
            &mut register,
            &crate::transparency::HttpWitnesses,
            &goodstanding_files::lock::holder_line(&now.to_string()),
        )
        .map_err(|e| {
            CliError::Input(format!(
                "the audit trail's head (row {rows}) is in the log but not witnessed yet, so \
                 nothing was published: {e}"
            ))
        })?;
        eprintln!("anchored the audit trail's head (row {rows}) in the transparency log");
    }
    let published = publication::publish(
        &PublishOptions {
            site: &args.out,
            key: &key,
            trust_list: &trust_list,
            roots: &roots,
            now,
            next_update,
        },
        &mut register,
    )
    .map_err(|e| CliError::Input(e.to_string()))?;
    let revocations = &published.revocation_list;
    if args.json {
        crate::outputs::print(&crate::outputs::PublishOutput {
            site: args.out.display().to_string(),
            files: published
                .files
                .iter()
                .map(|f| f.display().to_string())
                .collect(),
            trust_list_sequence: published.trust_list_sequence,
            revocation_list: crate::outputs::PublishedRevocations {
                sequence: revocations.sequence,
                issued_at: revocations.issued_at.to_string(),
                next_update: revocations.next_update.to_string(),
                revoked: revocations.revoked.len(),
                signed_by: key.kid().to_string(),
            },
            log_size: published.log_size,
        });
        return Ok(());
    }
    outln!(
        "published into {}: trust list number {}, revocation list number {} ({} revoked, \
         signed by {}, next update due {})",
        args.out.display(),
        published.trust_list_sequence,
        revocations.sequence,
        revocations.revoked.len(),
        key.kid(),
        revocations.next_update
    );
    for file in &published.files {
        outln!("  {}", file.display());
    }
    if let Some(size) = published.log_size {
        outln!(
            "  {} (the transparency log: {size} entries under its witnessed checkpoint)",
            args.out.join("log").display()
        );
    }
    outln!(
        "Serve the folder as it is (any static web server or CDN); verifiers run `goodstanding \
         trust update --from <its URL>` before {}.",
        revocations.next_update
    );
    Ok(())
}

/// `goodstanding trust update`.
pub fn update(from: &str, trust: Option<&Path>, new_roots: &[PathBuf]) -> Result<(), CliError> {
    let dir = trust_dir(trust)?;
    let roots = new_roots
        .iter()
        .map(|p| trust_folder::read_jwk(p).map_err(cache_error))
        .collect::<Result<Vec<PublicJwk>, _>>()?;
    let source = Source::parse(from).map_err(|e| CliError::Input(e.to_string()))?;
    let fetched_at = now()?;
    let refreshed = update_from(&dir, &roots, &source, fetched_at).map_err(|e| {
        CliError::Input(format!(
            "update failed, the trust folder was not changed: {e}"
        ))
    })?;
    let updated = &refreshed.lists;
    if let Some(why) = &updated.previous_unreadable {
        eprintln!("goodstanding: the previous cache was unreadable and is replaced: {why}");
    }
    for (from, to, at) in &updated.handed_over {
        outln!(
            "root {from} handed trust over to root {to} (a statement signed by both at {at}): \
             {to} is pinned now, {from} moved to {}",
            dir.join("roots").join(trust_folder::REPLACED_DIR).display()
        );
    }
    let held = &updated.now_held;
    match &updated.before {
        Some(before)
            if before.trust_list.0 == held.trust_list.0
                && before.revocation_list.0 == held.revocation_list.0 =>
        {
            outln!("already up to date: {}", describe_cache(held, fetched_at));
        }
        _ => outln!(
            "updated {}: {}",
            dir.display(),
            describe_cache(held, fetched_at)
        ),
    }
    match &refreshed.log {
        Ok(None) => Ok(()),
        Ok(Some(log)) => {
            outln!(
                "synced the transparency log {}: {} entries ({} new since the last sync, \
                 consistent with it), {} certificates held ({} new), checkpoint cosigned {}",
                log.held.origin,
                log.held.size,
                log.held.size - log.old_size,
                log.held.certificates,
                log.new_certificates,
                log.held
                    .cosigned_at
                    .map_or_else(|| "by no witness".to_string(), |t| format!("at {t}"))
            );
            for frozen in &log.frozen {
                outln!(
                    "synced the frozen log {}: {} entries, {} certificates (kept for the \
                     certificates it logged before the issuer moved to a new log key)",
                    frozen.origin,
                    frozen.size,
                    frozen.certificates
                );
            }
            Ok(())
        }
        Err(e) => Err(CliError::Refused(format!(
            "the lists were updated, but {e}. A .jws or QR text issued since the last sync is \
             reported as not yet checkable until the log syncs."
        ))),
    }
}

/// The synced copy of the log a trust folder holds, in words.
fn describe_held_log(info: &goodstanding_trust::folder::CacheInfo) -> Option<String> {
    if let Some(why) = &info.log_unusable {
        return Some(format!(
            "transparency log: the synced copy is NOT used: {why}"
        ));
    }
    info.log.as_ref().map(|log| {
        let frozen: String = info
            .frozen_logs
            .iter()
            .map(|f| {
                format!(
                    "; frozen log {}: {} entries ({} certificates)",
                    f.origin, f.size, f.certificates
                )
            })
            .collect();
        format!(
            "transparency log {}: synced to {} entries ({} certificates), checkpoint cosigned \
             {}{frozen}",
            log.origin,
            log.size,
            log.certificates,
            log.cosigned_at
                .map_or_else(|| "by no witness".to_string(), |t| format!("at {t}"))
        )
    })
}

/// `goodstanding trust show`.
pub fn show(trust: Option<&Path>, json: bool) -> Result<(), CliError> {
    let dir = trust_dir(trust)?;
    let (store, info) = trust_folder::load(&dir).map_err(cache_error)?;
    let now = now()?;
    if json {
        let roots = trust_folder::load_roots(&dir).map_err(cache_error)?;
        let (trust_sequence, trust_issued) = info.trust_list;
        let (revocation_sequence, revocation_issued, next_update) = info.revocation_list;
        crate::outputs::print(&crate::outputs::TrustShowOutput {
            folder: dir.display().to_string(),
            source: info.source.clone(),
            fetched_at: info.fetched_at.to_string(),
            roots: roots.kids().map(ToString::to_string).collect(),
            trust_list: crate::outputs::HeldList {
                sequence: trust_sequence,
                issued_at: trust_issued.to_string(),
                next_update: None,
            },
            revocation_list: crate::outputs::HeldList {
                sequence: revocation_sequence,
                issued_at: revocation_issued.to_string(),
                next_update: Some(next_update.to_string()),
            },
            keys: store
                .kids()
                .filter_map(|kid| {
                    store
                        .period(kid.as_str())
                        .map(|period| crate::outputs::HeldKey {
                            kid: kid.to_string(),
                            from: period.from.to_string(),
                            until: period.until.map(|u| u.to_string()),
                            compromised_at: period.compromised_at.map(|c| c.to_string()),
                        })
                })
                .collect(),
            log: info.log.as_ref().map(crate::outputs::HeldLogOutput::of),
            frozen_logs: info
                .frozen_logs
                .iter()
                .map(crate::outputs::HeldLogOutput::of)
                .collect(),
        });
        return Ok(());
    }
    outln!(
        "trust folder {}: {}",
        dir.display(),
        describe_cache(&info, now)
    );
    if let Some(line) = describe_held_log(&info) {
        outln!("  {line}");
    }
    let roots = trust_folder::load_roots(&dir).map_err(cache_error)?;
    for root in roots.kids() {
        outln!(
            "  root {:<27} pinned in {} (signs the trust list)",
            root.as_str(),
            dir.join("roots").display()
        );
    }
    for kid in store.kids() {
        if let Some(period) = store.period(kid.as_str()) {
            let until = period.until.map_or("open".into(), |u| u.to_string());
            let compromised = period
                .compromised_at
                .map_or(String::new(), |c| format!(", COMPROMISED at {c}"));
            outln!(
                "  key {:<28} issues from {} until {until}{compromised}",
                kid.as_str(),
                period.from
            );
        }
    }
    Ok(())
}
