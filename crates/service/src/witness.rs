//! A witness, run as another body would run it (issue 25, item 3): its own Ed25519 key, its own
//! state file, the `c2sp.org/tlog-witness` `add-checkpoint` protocol over HTTP, consistency
//! proofs checked, `c2sp.org/tlog-cosignature` cosignatures (type 0x04, Ed25519).
//!
//! Why Ed25519 and not ML-DSA-44, which the specification recommends: every verifier of
//! goodstanding (the command, the service, the web page in WebAssembly) already carries Ed25519
//! and nothing else; a cosignature protects against a split view today, and can move to ML-DSA
//! with the certificates' own signatures, in one trust-list change, when a post-quantum
//! signature is needed there.
//!
//! ```text
//! POST /add-checkpoint     body: "old N" / proof lines / blank / checkpoint note
//!   200  cosignature line(s)                   the new checkpoint is recorded first
//!   409  text/x.tlog.size: the size it holds    old N is not what it holds
//!   400, 403, 404, 422                          as the protocol says
//! state file: {"goodstanding_witness_state": 1, "logs": {"<origin>": {"size": N, "root": "<base64>"}}}
//! ```
//!
//! The check of the old size and the recording of the new checkpoint happen under one lock and
//! the state file is on disk (fsync, atomic rename) before the cosignature is sent, so a crash
//! never rolls the witness back; one process at a time uses a state file.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::VerifyingKey;
use goodstanding_files::lock::{self, Lock, Removal};
use goodstanding_files::{WriteMode, sync_dir, write_atomic};
use goodstanding_verifier::note::{
    Checkpoint, CosignerKey, Note, VerifierKey, cosignature_bytes, cosigned_message, signature_line,
};
use goodstanding_verifier::witness::{AddCheckpoint, Cosigned, decide};
use serde::{Deserialize, Serialize};

use crate::{Event, Log, ServeError};

/// Largest request body read: a checkpoint note and 63 proof lines fit many times over.
pub const MAX_REQUEST_LEN: usize = 128 * 1024;
/// Largest state file read.
const MAX_STATE_LEN: u64 = 4 * 1024 * 1024;

/// Signs a message with the witness's private key (which stays with the caller: the service
/// holds no signing keys of its own).
pub type Signer = Box<dyn Fn(&[u8]) -> Result<[u8; 64], String> + Send + Sync>;

/// What a witness is: its name and key, the logs it witnesses, its state file.
pub struct WitnessConfig {
    /// Its cosigner name (such as `witness1.example.org`).
    pub name: String,
    /// Its public key.
    pub public_key: VerifyingKey,
    /// Signs with its private key.
    pub sign: Signer,
    /// The logs it cosigns for (each key's name is the log's origin).
    pub logs: Vec<VerifierKey>,
    /// Its state file.
    pub state_path: PathBuf,
}

impl fmt::Debug for WitnessConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WitnessConfig")
            .field("name", &self.name)
            .field("logs", &self.logs)
            .field("state_path", &self.state_path)
            .finish_non_exhaustive()
    }
}

/// Why a witness could not start.
#[derive(Debug)]
pub enum WitnessError {
    /// The state file could not be read, or is not a witness's state.
    State {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Another witness process uses the state file.
    Busy {
        /// The file.
        path: PathBuf,
        /// Who holds it.
        holder: String,
    },
    /// The name cannot name a cosigner key.
    Name(String),
    /// The server failed.
    Serve(ServeError),
}

impl fmt::Display for WitnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::State { path, message } => write!(f, "{}: {message}", path.display()),
            Self::Busy { path, holder } => write!(
                f,
                "{}: another witness process uses this state file ({holder}); stop it first",
                path.display()
            ),
            Self::Name(e) => write!(f, "the witness name: {e}"),
            Self::Serve(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for WitnessError {}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeldCheckpoint {
    size: u64,
    root: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateFile {
    goodstanding_witness_state: u32,
    logs: BTreeMap<String, HeldCheckpoint>,
}

/// A running witness.
pub struct Witness {
    config: WitnessConfig,
    cosigner: CosignerKey,
    held: Mutex<BTreeMap<String, Cosigned>>,
    log: Log,
    _lock: Lock,
}

/// The vkey (type 0x04) a log operator puts in its policy for the witness `name` with `key`.
pub fn witness_vkey(name: &str, key: VerifyingKey) -> Result<String, WitnessError> {
    CosignerKey::new(name, key)
        .map(|k| k.to_vkey())
        .map_err(|e| WitnessError::Name(e.to_string()))
}

fn read_state(path: &Path) -> Result<BTreeMap<String, Cosigned>, WitnessError> {
    let bad = |message: String| WitnessError::State {
        path: path.to_path_buf(),
        message,
    };
    let bytes = match goodstanding_files::read_capped(path, MAX_STATE_LEN) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(bad(e.to_string())),
    };
    let state: StateFile = serde_json::from_slice(&bytes)
        .map_err(|e| bad(format!("not a witness state file: {e}")))?;
    if state.goodstanding_witness_state != 1 {
        return Err(bad(format!(
            "state file version {}; this goodstanding reads version 1",
            state.goodstanding_witness_state
        )));
    }
    state
        .logs
        .into_iter()
        .map(|(origin, held)| {
            let root: [u8; 32] = STANDARD
                .decode(&held.root)
                .ok()
                .and_then(|r| r.try_into().ok())
                .ok_or_else(|| bad(format!("the root held for {origin} is not 32 bytes")))?;
            Ok((
                origin,
                Cosigned {
                    size: held.size,
                    root,
                },
            ))
        })
        .collect()
}

fn write_state(path: &Path, held: &BTreeMap<String, Cosigned>) -> std::io::Result<()> {
    let state = StateFile {
        goodstanding_witness_state: 1,
        logs: held
            .iter()
            .map(|(origin, c)| {
                (
                    origin.clone(),
                    HeldCheckpoint {
                        size: c.size,
                        root: STANDARD.encode(c.root),
                    },
                )
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&state).map_err(std::io::Error::other)?;
    text.push('\n');
    write_atomic(path, text.as_bytes(), WriteMode::Replace, false)?;
    sync_dir(
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
    )
}

impl Witness {
    /// Takes the state file (one process at a time) and reads it.
    pub fn open(config: WitnessConfig, log: Log) -> Result<Self, WitnessError> {
        let cosigner = CosignerKey::new(&config.name, config.public_key)
            .map_err(|e| WitnessError::Name(e.to_string()))?;
        let lock_path = PathBuf::from(format!("{}.lock", config.state_path.display()));
        let since = goodstanding_clock::now().map_or_else(|_| "start".into(), |t| t.to_string());
        let lock = lock::try_exclusive(&lock_path, &lock::holder_line(&since), Removal::Keep)
            .map_err(|e| match e {
                lock::LockError::Busy(holder) => WitnessError::Busy {
                    path: config.state_path.clone(),
                    holder,
                },
                lock::LockError::Io(e) => WitnessError::State {
                    path: lock_path.clone(),
                    message: e.to_string(),
                },
            })?;
        let held = read_state(&config.state_path)?;
        Ok(Self {
            config,
            cosigner,
            held: Mutex::new(held),
            log,
            _lock: lock,
        })
    }

    /// Its vkey.
    pub fn vkey(&self) -> String {
        self.cosigner.to_vkey()
    }

    /// Answers one `add-checkpoint` body: the HTTP status, whether the body is a size, and
    /// the body.
    pub fn add_checkpoint(&self, body: &[u8], now_unix: u64) -> (u16, bool, String) {
        let Ok(text) = std::str::from_utf8(body) else {
            return (400, false, "the body is not UTF-8\n".into());
        };
        let request = match AddCheckpoint::parse(text) {
            Ok(r) => r,
            Err(refusal) => return (refusal.status, false, refusal.body),
        };
        let Ok(note) = Note::parse(request.checkpoint.as_bytes()) else {
            return (400, false, "the checkpoint is not a signed note\n".into());
        };
        let Ok(checkpoint) = Checkpoint::parse(&note.text) else {
            return (400, false, "not a checkpoint\n".into());
        };
        let keys: Vec<VerifierKey> = self
            .config
            .logs
            .iter()
            .filter(|k| k.name == checkpoint.origin)
            .cloned()
            .collect();
        let Ok(mut held) = self.held.lock() else {
            return (500, false, "the witness's state is unusable\n".into());
        };
        let last = held.get(&checkpoint.origin).cloned();
        match decide(&request, &keys, last.as_ref()) {
            Err(refusal) => (refusal.status, refusal.status == 409, refusal.body),
            Ok(accepted) => {
                let mut next = held.clone();
                next.insert(
                    accepted.origin.clone(),
                    Cosigned {
                        size: accepted.size,
                        root: accepted.root,
                    },
                );
                // On disk before the cosignature leaves: a crash never rolls the witness back.
                if let Err(e) = write_state(&self.config.state_path, &next) {
                    return (
                        500,
                        false,
                        format!("the witness could not record it: {e}\n"),
                    );
                }
                *held = next;
                let message = cosigned_message(&note.text, now_unix);
                match (self.config.sign)(message.as_bytes()) {
                    Ok(signature) => (
                        200,
                        false,
                        signature_line(
                            &self.config.name,
                            self.cosigner.id,
                            &cosignature_bytes(now_unix, &signature),
                        ),
                    ),
                    Err(e) => (500, false, format!("the witness could not sign: {e}\n")),
                }
            }
        }
    }
}

async fn add_checkpoint(State(witness): State<Arc<Witness>>, body: Bytes) -> Response {
    let started = Instant::now();
    let now = goodstanding_clock::now()
        .map(|t| t.unix().unsigned_abs())
        .unwrap_or(0);
    let answering = Arc::clone(&witness);
    let answer =
        tokio::task::spawn_blocking(move || answering.add_checkpoint(&body, now.max(1))).await;
    let (status, size, body) =
        answer.unwrap_or((500, false, "the witness stopped unexpectedly\n".into()));
    (witness.log)(&Event::Answered {
        request_id: 0,
        method: "POST".into(),
        path: "/add-checkpoint".into(),
        status,
        carrier: None,
        outcome: None,
        took: started.elapsed(),
    });
    let content_type = if size {
        "text/x.tlog.size"
    } else {
        "text/plain; charset=utf-8"
    };
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        [(header::CONTENT_TYPE, content_type)],
        body,
    )
        .into_response()
}

/// The witness's routes.
pub fn router(witness: Arc<Witness>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_LEN))
        .with_state(witness)
}

/// Answers on `listener` until SIGTERM or SIGINT.
pub fn run(listener: std::net::TcpListener, witness: Witness) -> Result<(), WitnessError> {
    let log = Arc::clone(&witness.log);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(4)
        .enable_all()
        .build()
        .map_err(|e| WitnessError::Serve(ServeError::Io(e)))?;
    runtime
        .block_on(crate::http::serve_router(
            listener,
            router(Arc::new(witness)),
            log,
        ))
        .map_err(WitnessError::Serve)
}
