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
use crate::shared::{RegisterArg, key_error, open_register};

/// `goodstanding log ...`.
#[derive(Subcommand)]
pub enum LogCommand {
    /// Set up the transparency log of this register: DIR/log.key.pem (the log's Ed25519 key),
    /// DIR/subject-tag.key (the vrf-r255 key of subject tags; PKCS#11 has no VRF mechanism, so
    /// it is a file, mode 0600) and DIR/log.policy (c2sp.org/tlog-policy: add your witnesses
    /// there). From then on every certificate this register issues is logged first.
    Init {
        /// The log folder to create.
        dir: PathBuf,
        /// The log's name (its checkpoints' origin), such as certificates.example.org/log.
        #[arg(long)]
        origin: String,
        #[command(flatten)]
        register: RegisterArg,
    },
    /// Show the register's log: its origin, size, last witnessed checkpoint and policy.
    Show {
        #[command(flatten)]
        register: RegisterArg,
    },
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
        LogCommand::Init {
            dir,
            origin,
            register,
        } => {
            let mut reg = open_register(register.path.as_deref())?;
            if let Some(current) = reg.log_folder().map_err(log_error)? {
                return Err(CliError::Input(format!(
                    "this register already logs to {}; one register has one log",
                    current.display()
                )));
            }
            let setup = LogSetup::init(dir, origin).map_err(log_error)?;
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
        LogCommand::Show { register } => {
            let reg = open_register(register.path.as_deref())?;
            let Some(dir) = reg.log_folder().map_err(log_error)? else {
                return Err(CliError::Input(
                    "this register has no transparency log; set one up with `goodstanding log \
                     init DIR --origin NAME`"
                        .into(),
                ));
            };
            let setup = LogSetup::open(&dir).map_err(log_error)?;
            let size = reg.log_leaves().map_err(log_error)?.len();
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
            Ok(())
        }
    }
}

fn load_witness_key(path: &Path) -> Result<IssuingKey, CliError> {
    load_issuing_key(path, None).map_err(key_error)
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
