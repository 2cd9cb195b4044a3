//! `log init`, `log show`, `witness init`, `witness run`: the transparency log of the issuing
//! body and the witnesses that cosign it (issue 25).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use clap::Subcommand;
use goodstanding_issuer::keys::{IssuingKey, load_issuing_key};
use goodstanding_operations::log::{LogSetup, POLICY_FILE, WitnessTransport};
use goodstanding_service::witness::{Witness, WitnessConfig, witness_vkey};
use goodstanding_verifier::note::VerifierKey;

use crate::error::CliError;
use crate::io::write_stdout;
use crate::serving::{bind, log_event};
use crate::shared::{RegisterArg, key_error};

/// `goodstanding log ...`.
#[derive(Subcommand)]
pub enum LogCommand {
    /// Set up the transparency log of this register: DIR/log.key.pem (the log's Ed25519 key),
    /// DIR/subject-tag.key (the vrf-r255 key of subject tags; PKCS#11 has no VRF mechanism, so
    /// it is a file, mode 0600) and DIR/log.policy (c2sp.org/tlog-policy: add your witnesses
    /// there). From then on every certificate this register issues is logged first.
    Init(NewLogArgs),
    /// Move the register to a new log key, which means a new log with a new origin: the log
    /// written so far is frozen at its last witnessed checkpoint (refused while a certificate
    /// is held or an entry is not yet witnessed), its entries stay in the register and are
    /// published under <site>/log/frozen/<key id>/, and its folder is marked FROZEN so that its
    /// key signs nothing more. DIR gets the new log key, the same subject-tag key, and a
    /// policy naming the frozen log(s) first and the new log last, with the same witnesses.
    /// Then: give the witnesses the new log's vkey, name the new policy in the trust list
    /// (`trust log`), and publish, before the new log's first certificate reaches anyone.
    Rotate(NewLogArgs),
    /// Show the register's log: its origin, size, last witnessed checkpoint and policy, and
    /// the logs it froze.
    Show {
        #[command(flatten)]
        register: RegisterArg,
    },
    /// Audit a published log, as anyone can: fetch its checkpoint and every tile, check the
    /// checkpoint against the log's policy (the log's signature and the witnesses' quorum),
    /// every entry against its tile, the tree against the checkpoint's root, and that the
    /// entries seen at the last audit (kept in --state) are still the first ones. Reports the
    /// new entries. Exit status 1 if the log fails; the state is then left as it was.
    Verify {
        /// The issuing body's published site (URL or folder); the log is under its log/.
        #[arg(long, value_name = "URL|DIR")]
        site: String,
        /// The log's policy file [default: the one the trust folder's trust list names].
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
        /// The trust folder whose trust list names the log [default: as for verify].
        #[arg(long, value_name = "DIR")]
        trust: Option<PathBuf>,
        /// Where the checkpoint of the last audit is kept [default: log-audit.json in the data
        /// directory].
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
    },
}

/// A new log: `log init` and `log rotate`.
#[derive(clap::Args)]
pub struct NewLogArgs {
    /// The log folder to create.
    dir: PathBuf,
    /// The log's name (its checkpoints' origin), such as certificates.example.org/log; a new
    /// name for a new log key.
    #[arg(long)]
    origin: String,
    /// Keep the log key in a PKCS#11 token instead of DIR/log.key.pem: the RFC 7512 URI of an
    /// Ed25519 key made there (`goodstanding keygen --pkcs11 URI`), kept in DIR/log.key.uri.
    /// Every issuing run opens it unattended: the module from the URI's module-path, else
    /// $GOODSTANDING_PKCS11_MODULE; the PIN from its pin-source file, else
    /// $GOODSTANDING_PKCS11_PIN.
    #[arg(long = "log-key", value_name = "pkcs11:URI")]
    log_key: Option<std::ffi::OsString>,
    #[command(flatten)]
    token: crate::shared::TokenArgs,
    #[command(flatten)]
    register: RegisterArg,
}

/// `goodstanding witness ...`.
#[derive(Subcommand)]
pub enum WitnessCommand {
    /// Make a witness key (PKCS#8 PEM, mode 0600) and print the vkey a log operator puts in its
    /// log.policy.
    Init {
        /// The key file to create.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The witness's name, such as witness.example.org.
        #[arg(long)]
        name: String,
    },
    /// Run a witness: answer c2sp.org/tlog-witness add-checkpoint requests for the logs named,
    /// checking each new checkpoint against the last one it cosigned (kept in --state) and
    /// cosigning it. Prints `listening on http://ADDRESS:PORT`; stops on SIGTERM or Ctrl-C.
    Run {
        /// The witness key file.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The witness's name (as in its vkey).
        #[arg(long)]
        name: String,
        /// A log to witness: its vkey (as `goodstanding log show` prints). Repeat for several.
        #[arg(long = "log", value_name = "VKEY", required = true)]
        logs: Vec<String>,
        /// The state file: the last checkpoint cosigned per log (created if missing).
        #[arg(long, value_name = "FILE")]
        state: PathBuf,
        /// Where to listen: ADDRESS:PORT, or a port on 127.0.0.1.
        #[arg(long, default_value = "127.0.0.1:8081")]
        listen: String,
    },
}

fn log_error(e: impl std::fmt::Display) -> CliError {
    CliError::Input(e.to_string())
}

/// `goodstanding log`.
pub fn log(command: &LogCommand) -> Result<(), CliError> {
    match command {
        LogCommand::Init(NewLogArgs {
            dir,
            origin,
            log_key,
            token,
            register,
        }) => {
            let mut reg = register.open()?;
            if let Some(frozen) = reg.frozen_logs().map_err(log_error)?.first() {
                return Err(CliError::Input(format!(
                    "this register froze the log {} before: a log after it keeps its subject-tag \
                     key and names it in its policy, which `goodstanding log rotate` does; \
                     `log init` would start an unrelated log",
                    frozen.origin
                )));
            }
            if let Some(current) = reg.log_folder().map_err(log_error)?
                && reg.log_size().map_err(log_error)? > 0
            {
                return Err(CliError::Input(format!(
                    "this register already logs to {}; to move to a new log key, freeze that \
                     log and start a new one with `goodstanding log rotate DIR --origin NAME`",
                    current.display()
                )));
            }
            let setup = match log_key {
                None => LogSetup::init(dir, origin),
                Some(text) => {
                    let uri =
                        goodstanding_issuer::token_uri::TokenUri::parse(&text.to_string_lossy())
                            .map_err(|e| CliError::Input(format!("--log-key: {e}")))?;
                    let key = crate::shared::open_key("--log-key", text, None, token)?;
                    LogSetup::init_in_token(dir, origin, &key, &uri)
                }
            }
            .map_err(log_error)?;
            let absolute = std::fs::canonicalize(dir).map_err(|e| CliError::file(dir, e))?;
            reg.set_log_folder(&absolute).map_err(log_error)?;
            write_stdout(format_args!(
                "log {} set up in {}\n  log key (vkey): {}\n  subject-tag key (vrf-r255, \
                 base64): {}\nNext: add your witnesses to {} (`witness NAME VKEY URL`, then \
                 `quorum ...`); then, on the root key's machine, name the log in the trust \
                 list: `goodstanding trust log --policy {} --url <your site's URL>/log \
                 --subject-tag-key {} --required-from <date> --root-key ROOT.key.pem`.\n",
                setup.origin(),
                absolute.display(),
                setup.verifier_key.to_vkey(),
                STANDARD.encode(setup.subject_tag_public()),
                absolute.join(POLICY_FILE).display(),
                absolute.join(POLICY_FILE).display(),
                STANDARD.encode(setup.subject_tag_public()),
            ));
            Ok(())
        }
        LogCommand::Verify {
            site,
            policy,
            trust,
            state,
        } => audit(site, policy.as_deref(), trust.as_deref(), state.as_deref()),
        LogCommand::Rotate(args) => rotate(args),
        LogCommand::Show { register } => {
            let reg = register.open()?;
            let Some(dir) = reg.log_folder().map_err(log_error)? else {
                return Err(CliError::Input(
                    "this register has no transparency log; set one up with `goodstanding log \
                     init DIR --origin NAME`"
                        .into(),
                ));
            };
            let setup = LogSetup::open(&dir).map_err(log_error)?;
            let size = reg.log_size().map_err(log_error)?;
            let witnessed = reg.latest_witnessed().map_err(log_error)?;
            write_stdout(format_args!(
                "log {}\n  folder: {}\n  entries: {size}\n  last witnessed checkpoint: {}\n  \
                 vkey: {}\n  subject-tag key: {}\npolicy:\n{}",
                setup.origin(),
                dir.display(),
                witnessed.map_or("none yet".to_string(), |c| format!("{} entries", c.size)),
                setup.verifier_key.to_vkey(),
                STANDARD.encode(setup.subject_tag_public()),
                setup.policy.to_text(true),
            ));
            for frozen in reg.frozen_logs().map_err(log_error)? {
                write_stdout(format_args!(
                    "frozen log {} (vkey {}): {} entries, frozen at {}, published under \
                     log/{}/\n",
                    frozen.origin,
                    frozen.vkey,
                    frozen.size,
                    frozen.frozen_at,
                    VerifierKey::parse(&frozen.vkey).map_or_else(
                        |_| "frozen/?".to_string(),
                        |k| goodstanding_verifier::tiles::frozen_log_prefix(k.id)
                    ),
                ));
            }
            Ok(())
        }
    }
}

/// `goodstanding log rotate`.
fn rotate(args: &NewLogArgs) -> Result<(), CliError> {
    let NewLogArgs {
        dir,
        origin,
        log_key,
        token,
        register,
    } = args;
    let mut reg = register.open()?;
    let now = goodstanding_clock::now().map_err(|e| CliError::Input(e.to_string()))?;
    let (setup, frozen) = match log_key {
        None => LogSetup::rotate(&mut reg, dir, origin, None, now),
        Some(text) => {
            let uri = goodstanding_issuer::token_uri::TokenUri::parse(&text.to_string_lossy())
                .map_err(|e| CliError::Input(format!("--log-key: {e}")))?;
            let key = crate::shared::open_key("--log-key", text, None, token)?;
            LogSetup::rotate(&mut reg, dir, origin, Some((&key, &uri)), now)
        }
    }
    .map_err(log_error)?;
    let absolute = std::fs::canonicalize(dir).map_err(|e| CliError::file(dir, e))?;
    let key_file = frozen
        .folder
        .join(goodstanding_operations::log::LOG_KEY_FILE);
    let frozen_key = if key_file.exists() {
        key_file.display().to_string()
    } else {
        format!(
            "the token key that {} names",
            frozen
                .folder
                .join(goodstanding_operations::log::LOG_KEY_URI_FILE)
                .display()
        )
    };
    write_stdout(format_args!(
        "log {} frozen with {} entries (its last witnessed checkpoint); the register now logs \
         to {} in {}\n  new log key (vkey): {}\n  subject-tag key (unchanged): {}\nNext, \
         before the new log's first certificate reaches anyone:\n  1. give each witness the \
         new vkey (`goodstanding witness run ... --log {}` beside the old one);\n  2. on the \
         root key's machine, name the new policy in the trust list: `goodstanding trust log \
         --policy {} --url <your site's URL>/log --subject-tag-key {} --required-from <the \
         same date as before> --root-key ROOT.key.pem`;\n  3. publish: the frozen log goes to \
         <site>/log/{}/ and stays there.\nThen delete or lock away the frozen log's key ({}).\n",
        frozen.origin,
        frozen.size,
        setup.origin(),
        absolute.display(),
        setup.verifier_key.to_vkey(),
        STANDARD.encode(setup.subject_tag_public()),
        setup.verifier_key.to_vkey(),
        absolute.join(POLICY_FILE).display(),
        STANDARD.encode(setup.subject_tag_public()),
        VerifierKey::parse(&frozen.vkey).map_or_else(
            |_| "frozen/?".to_string(),
            |k| goodstanding_verifier::tiles::frozen_log_prefix(k.id)
        ),
        frozen_key,
    ));
    Ok(())
}

/// What an auditor keeps between runs: the checkpoint it checked last, of the log written
/// now and of each frozen log.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditState {
    origin: String,
    size: u64,
    root: String,
    /// Frozen logs: origin -> the checkpoint seen last. Absent in a state written before logs
    /// could be frozen.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    frozen: std::collections::BTreeMap<String, SeenCheckpoint>,
}

/// A checkpoint an auditor saw: its size and root (base64).
#[derive(Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SeenCheckpoint {
    size: u64,
    root: String,
}

fn audit_policy(
    policy: Option<&Path>,
    trust: Option<&Path>,
) -> Result<goodstanding_verifier::tlog_policy::Policy, CliError> {
    let text = match policy {
        Some(path) => String::from_utf8(crate::io::read_input(path, 64 * 1024)?)
            .map_err(|_| CliError::file(path, "not UTF-8 text"))?,
        None => {
            let (store, _) = crate::shared::load_trust(trust)?;
            store
                .transparency_log()
                .ok_or_else(|| {
                    CliError::Input(
                        "the trust folder's trust list names no transparency log; give the \
                         log's policy with --policy FILE"
                            .into(),
                    )
                })?
                .policy
                .clone()
        }
    };
    goodstanding_verifier::tlog_policy::Policy::parse(&text)
        .map_err(|e| CliError::Input(format!("the log's policy: {e}")))
}

/// `goodstanding log verify`: every log of the policy, the one written now at `<site>/log/`
/// and each frozen one at `<site>/log/frozen/<key id>/`.
fn audit(
    site: &str,
    policy: Option<&Path>,
    trust: Option<&Path>,
    state: Option<&Path>,
) -> Result<(), CliError> {
    let policy = audit_policy(policy, trust)?;
    let state_path = crate::shared::in_data_dir(state, "log-audit.json", "--state FILE")?;
    let previous: Option<AuditState> = crate::io::read_state(&state_path, "an audit state")?;
    let mut seen: std::collections::BTreeMap<String, SeenCheckpoint> = Default::default();
    if let Some(p) = previous {
        seen.insert(
            p.origin,
            SeenCheckpoint {
                size: p.size,
                root: p.root,
            },
        );
        seen.extend(p.frozen);
    }
    let base = format!("{}/log", site.trim_end_matches('/'));
    let mut now_seen = seen.clone();
    let locations = goodstanding_verifier::log_sync::log_locations(&policy);
    for (origin, prefix) in &locations {
        let at = if prefix.is_empty() {
            base.clone()
        } else {
            format!("{base}/{prefix}")
        };
        let previous = seen
            .get(origin)
            .map(|p| {
                STANDARD
                    .decode(&p.root)
                    .ok()
                    .and_then(|r| <[u8; 32]>::try_from(r).ok())
                    .map(|root| (p.size, root))
                    .ok_or_else(|| CliError::file(&state_path, "a root in it is not 32 bytes"))
            })
            .transpose()?;
        let audited = audit_log(&policy, origin, &at, previous, site)?;
        now_seen.insert(
            origin.clone(),
            SeenCheckpoint {
                size: audited.size,
                root: STANDARD.encode(audited.root),
            },
        );
    }
    let current = locations.first().map(|(origin, _)| origin.clone());
    let Some(current) = current else {
        return Err(CliError::Input("the log's policy names no log".into()));
    };
    let Some(head) = now_seen.remove(&current) else {
        return Err(CliError::Input(
            "the log written now was not audited".into(),
        ));
    };
    let state = AuditState {
        origin: current,
        size: head.size,
        root: head.root,
        frozen: now_seen,
    };
    crate::io::write_state(&state_path, &state)
}

/// Audits the log `origin` published at `at`, from the checkpoint seen last (`previous`), and
/// reports it; returns the checkpoint audited.
fn audit_log(
    policy: &goodstanding_verifier::tlog_policy::Policy,
    origin: &str,
    at: &str,
    previous: Option<(u64, [u8; 32])>,
    site: &str,
) -> Result<goodstanding_verifier::note::Checkpoint, CliError> {
    use goodstanding_trust::fetch::{Fetcher, Source};
    use goodstanding_verifier::log_entry::LogEntry;
    let source = Source::parse(at).map_err(|e| CliError::Input(format!("--site {site}: {e}")))?;
    let fetcher = Fetcher::new(source).map_err(|e| CliError::Input(e.to_string()))?;
    let mut fetch = |path: &str, limit: usize| fetcher.get(path, limit).map_err(|e| e.to_string());
    let (mut certificates, mut revocations, mut anchors) = (0u64, 0u64, 0u64);
    let mut listed = Vec::new();
    let mut on_new = |index: u64, entry: &LogEntry| {
        match entry {
            LogEntry::Certificate { .. } => certificates += 1,
            LogEntry::Revocation { .. } => revocations += 1,
            LogEntry::AuditAnchor { .. } => anchors += 1,
        }
        if listed.len() < 20 {
            listed.push(match entry {
                LogEntry::Certificate {
                    id, kid, issued_at, ..
                } => format!(
                    "  {index}: certificate {id}, key {kid}, issued {}",
                    goodstanding_verifier::Timestamp::from_unix(*issued_at as i64)
                        .map_or_else(|| issued_at.to_string(), |t| t.to_string())
                ),
                LogEntry::Revocation { id, reason, .. } => {
                    format!("  {index}: revocation of {id} ({reason})")
                }
                LogEntry::AuditAnchor { rows, .. } => {
                    format!("  {index}: the issuing body's audit trail, anchored at row {rows}")
                }
            });
        }
    };
    let audited =
        goodstanding_verifier::log_audit::audit(policy, &mut fetch, previous, &mut on_new)
            .map_err(|e| CliError::Refused(format!("the log at {at} FAILS its audit: {e}")))?;
    if audited.checkpoint.origin != origin {
        return Err(CliError::Refused(format!(
            "the log at {at} FAILS its audit: it is log {}, but the policy publishes log \
             {origin} there",
            audited.checkpoint.origin
        )));
    }
    let new = audited.checkpoint.size - audited.old_size;
    write_stdout(format_args!(
        "log {} at {at}: {} entries, every tile and the root check, the checkpoint is cosigned \
         by {}; {}\n{new} new since the last audit: {certificates} certificate(s), \
         {revocations} revocation(s), {anchors} audit anchor(s)\n",
        audited.checkpoint.origin,
        audited.checkpoint.size,
        if audited.witnesses.is_empty() {
            "no witness (the policy asks for none)".to_string()
        } else {
            audited.witnesses.join(", ")
        },
        if previous.is_some() {
            format!("consistent with the {} seen last", audited.old_size)
        } else {
            "first audit".to_string()
        },
    ));
    for line in &listed {
        write_stdout(format_args!("{line}\n"));
    }
    if new > listed.len() as u64 {
        write_stdout(format_args!(
            "  ... and {} more\n",
            new - listed.len() as u64
        ));
    }
    Ok(audited.checkpoint)
}

fn load_witness_key(path: &Path) -> Result<IssuingKey, CliError> {
    load_issuing_key(path, None).map_err(key_error)
}

/// A witness process started on loopback (by the demo and the bench), stopped when dropped.
pub struct LocalWitness {
    child: std::process::Child,
    vkey: String,
    url: String,
}

impl Drop for LocalWitness {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts two witnesses of the log `log_vkey` as `goodstanding witness run` processes on free
/// loopback ports, with keys and state files in `dir`, and writes `policy`: the log and both
/// witnesses, both needed.
pub fn start_local_witnesses(
    exe: &Path,
    dir: &Path,
    log_vkey: &str,
    policy: &Path,
) -> Result<Vec<LocalWitness>, CliError> {
    use std::io::BufRead as _;
    let mut witnesses = Vec::new();
    for name in ["w0.local.example", "w1.local.example"] {
        let key = dir.join(format!("{name}.key"));
        if !key.exists() {
            let output = std::process::Command::new(exe)
                .args(["witness", "init", "--name", name, "--key"])
                .arg(&key)
                .output()
                .map_err(|e| CliError::Input(e.to_string()))?;
            if !output.status.success() {
                return Err(CliError::Refused(format!(
                    "witness init failed: {}",
                    String::from_utf8_lossy(&output.stderr)
                )));
            }
        }
        let mut child = std::process::Command::new(exe)
            .args(["witness", "run", "--name", name, "--log", log_vkey])
            .args(["--listen", "127.0.0.1:0", "--key"])
            .arg(&key)
            .arg("--state")
            .arg(dir.join(format!("{name}.state")))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| CliError::Input(format!("cannot start a witness: {e}")))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| CliError::Input("a witness printed nothing".into()))?;
        let mut lines = std::io::BufReader::new(stdout).lines();
        let mut next = || lines.next().and_then(Result::ok).unwrap_or_default();
        let vkey = next().trim_start_matches("witness ").to_string();
        let url = next().trim_start_matches("listening on ").to_string();
        witnesses.push(LocalWitness { child, vkey, url });
    }
    let mut text = format!("log {log_vkey}\n");
    for (i, w) in witnesses.iter().enumerate() {
        text.push_str(&format!("witness w{i} {} {}\n", w.vkey, w.url));
    }
    text.push_str("group both all w0 w1\nquorum both\n");
    std::fs::write(policy, text).map_err(|e| CliError::file(policy, e))?;
    Ok(witnesses)
}

/// How `issue` reaches the log's witnesses: HTTP POST, each within its timeout.
#[derive(Debug)]
pub struct HttpWitnesses;

impl WitnessTransport for HttpWitnesses {
    fn post(
        &self,
        url: &str,
        body: String,
        timeout: std::time::Duration,
    ) -> Result<(u16, String), String> {
        let client = reqwest::blocking::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| e.to_string())?;
        let response = client
            .post(url)
            .body(body)
            .send()
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let text = response.text().map_err(|e| e.to_string())?;
        Ok((status, text))
    }
}

/// `goodstanding witness`.
pub fn witness(command: &WitnessCommand) -> Result<(), CliError> {
    match command {
        WitnessCommand::Init { key, name } => {
            let generated = IssuingKey::generate(None).map_err(key_error)?;
            let vkey = witness_vkey(name, generated.public_jwk().key).map_err(log_error)?;
            let pem = generated.to_pkcs8_pem().map_err(key_error)?;
            goodstanding_files::write_atomic(
                key,
                pem.as_bytes(),
                goodstanding_files::WriteMode::CreateNew,
                true,
            )
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    CliError::file(key, "already exists; refusing to replace a witness key")
                } else {
                    CliError::file(key, e)
                }
            })?;
            write_stdout(format_args!("{vkey}\n"));
            Ok(())
        }
        WitnessCommand::Run {
            key,
            name,
            logs,
            state,
            listen,
        } => {
            let key = load_witness_key(key)?;
            let logs = logs
                .iter()
                .map(|v| {
                    VerifierKey::parse(v).map_err(|e| CliError::Input(format!("--log {v:?}: {e}")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let public_key = key.public_jwk().key;
            let witness = Witness::open(
                WitnessConfig {
                    name: name.clone(),
                    public_key,
                    sign: Box::new(move |message| key.sign(message).map_err(|e| e.to_string())),
                    logs,
                    state_path: state.clone(),
                },
                Arc::new(log_event),
            )
            .map_err(log_error)?;
            let listener = bind(listen)?;
            write_stdout(format_args!("witness {}\n", witness.vkey()));
            goodstanding_service::witness::run(listener, witness).map_err(log_error)
        }
    }
}
