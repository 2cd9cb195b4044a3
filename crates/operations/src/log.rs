//! The transparency log's writer (issue 25): entries in the register, checkpoints signed by the
//! log key, cosigned by the witnesses the log's policy names, proofs for certificates, and the
//! tiles published with the site.
//!
//! ```text
//! <log folder>/log.key.pem        the log's Ed25519 key (PKCS#8, 0600), or
//! <log folder>/log.key.uri        the pkcs11: URI of the log key in a token
//! <log folder>/subject-tag.key    the vrf-r255 key of subject tags (0600)
//! <log folder>/log.policy         c2sp.org/tlog-policy: this log, its witnesses (with URLs), quorum
//! <log folder>/log.lock           one writer at a time
//! <log folder>/FROZEN             the log was frozen (`log rotate`): its key signs nothing more
//! ```
//!
//! A new log key means a new log with a new origin ([`LogSetup::rotate`]): the log written so
//! far is frozen at its last witnessed checkpoint (its entries kept in the register and still
//! published, under `log/frozen/<key id>/`), and the new log's policy names the frozen log
//! before it, so verifiers keep accepting the proofs it issued. The subject-tag key moves to the
//! new folder unchanged: a subject's tag stays the same across the move.
//!
//! The order for every certificate: its entry is appended in the transaction that records it
//! pending (so never signed-and-recorded but unlogged, never logged twice); then a checkpoint is
//! signed, recorded in the register (never one that does not extend the last), cosigned by the
//! witnesses; only then are proofs made and files handed out. Before the log key signs anything
//! in a run, the witnesses are asked what they last cosigned: a register restored from an old
//! backup finds them ahead of it and refuses, rather than fork the log.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use goodstanding_files::lock::{self, Lock, Removal};
use goodstanding_issuer::keys::{IssuingKey, KeyError, load_issuing_key};
use goodstanding_issuer::notes::sign_note;
use goodstanding_issuer::subject_tag_key::{SubjectTagKey, SubjectTagKeyError};
use goodstanding_issuer::token_uri::TokenUri;
use goodstanding_verifier::log_entry::{CERTIFICATE_ENTRY, LogEntry, REVOCATION_ENTRY};
use goodstanding_verifier::note::{Checkpoint, VerifierKey};
use goodstanding_verifier::tlog_policy::{Policy, PolicyError};
use goodstanding_verifier::tlog_proof::TlogProof;
use goodstanding_verifier::{Certificate, Timestamp};
use sha2::{Digest as _, Sha256};

use crate::register::{NewLogEntry, Register, RegisterError, StoredCheckpoint};

pub mod release;
pub mod tiles;
pub mod tree;
mod witnesses;

use tree::Tree;
pub use witnesses::{WitnessAnswer, WitnessTransport};

/// The log key's file in the log folder.
pub const LOG_KEY_FILE: &str = "log.key.pem";
/// The file naming the log key in a PKCS#11 token (its RFC 7512 URI), instead of
/// [`LOG_KEY_FILE`].
pub const LOG_KEY_URI_FILE: &str = "log.key.uri";
/// The subject-tag key's file in the log folder.
pub const SUBJECT_TAG_KEY_FILE: &str = "subject-tag.key";
/// The policy file in the log folder.
pub const POLICY_FILE: &str = "log.policy";
/// The file that marks a log folder whose log was frozen.
pub const FROZEN_FILE: &str = "FROZEN";
/// How long a witness may take to answer, unless told otherwise.
pub const DEFAULT_WITNESS_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the log could not be set up, opened, appended to or witnessed.
#[derive(Debug)]
pub enum LogError {
    /// A file of the log folder could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// What happened.
        error: std::io::Error,
    },
    /// The log key.
    Key(KeyError),
    /// The subject-tag key.
    TagKey(SubjectTagKeyError),
    /// The policy file.
    Policy {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        error: PolicyError,
    },
    /// The policy does not name this log (its key and origin), or is otherwise unusable.
    Setup(String),
    /// The register failed, or its log state is damaged.
    Register(RegisterError),
    /// The register's log and the checkpoints it signed, or the witnesses' view, disagree: the
    /// register was restored from an old backup or altered. Nothing was signed.
    Fork(String),
    /// Too few witnesses answered: nothing handed out; a later run releases what is held.
    Quorum {
        /// What each witness said.
        answers: Vec<(String, WitnessAnswer)>,
        /// The quorum as written.
        quorum: String,
    },
    /// Another process is writing the log.
    Busy(String),
    /// The log key could not sign.
    Signing(String),
}

impl fmt::Display for LogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, error } => write!(f, "{}: {error}", path.display()),
            Self::Key(e) => write!(f, "the log key: {e}"),
            Self::TagKey(e) => write!(f, "the subject-tag key: {e}"),
            Self::Policy { path, error } => write!(f, "{}: {error}", path.display()),
            Self::Setup(message) => f.write_str(message),
            Self::Register(e) => e.fmt(f),
            Self::Fork(message) => write!(
                f,
                "{message}; the log key signed nothing and no certificate was handed out. If the register was restored from a backup, \
                 restore the newest one; otherwise stop issuing and investigate"
            ),
            Self::Quorum { answers, quorum } => {
                write!(
                    f,
                    "the witnesses did not make the quorum ({quorum}), so nothing was handed \
                     out; the certificates are held in the register and the next run releases \
                     them once the witnesses answer:"
                )?;
                for (name, answer) in answers {
                    write!(f, "\n  {name}: {answer}")?;
                }
                Ok(())
            }
            Self::Busy(holder) => write!(f, "another run is writing the log ({holder})"),
            Self::Signing(e) => write!(f, "the log key could not sign: {e}"),
        }
    }
}

impl std::error::Error for LogError {}

impl From<RegisterError> for LogError {
    fn from(e: RegisterError) -> Self {
        Self::Register(e)
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> LogError + '_ {
    move |error| LogError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// A log folder: its keys and policy.
pub struct LogSetup {
    dir: PathBuf,
    key: IssuingKey,
    tag_key: SubjectTagKey,
    /// The policy, with the witnesses' URLs.
    pub policy: Policy,
    /// The log's verifier key (its name is the origin).
    pub verifier_key: VerifierKey,
}

impl fmt::Debug for LogSetup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogSetup")
            .field("dir", &self.dir)
            .field("origin", &self.verifier_key.name)
            .finish_non_exhaustive()
    }
}

/// The policy file a new log starts with: the log alone, no witnesses yet.
fn first_policy(key: &VerifierKey) -> String {
    format!(
        "# goodstanding transparency log policy (c2sp.org/tlog-policy).\n\
         # Add a line per witness, `witness NAME VKEY URL`, then set the quorum, e.g.\n\
         #   witness w1 witness1.example.org+1234abcd+BA... https://witness1.example.org\n\
         #   quorum w1\n\
         log {}\n\
         quorum none\n",
        key.to_vkey()
    )
}

impl LogSetup {
    /// Makes a new log folder for the log named `origin` (such as
    /// `certificates.example.org/log`): a log key, a subject-tag key and a policy without
    /// witnesses. Refuses a folder that already holds a log.
    pub fn init(dir: &Path, origin: &str) -> Result<Self, LogError> {
        Self::init_with(dir, origin, None, None)
    }

    /// [`LogSetup::init`] with the log key in a PKCS#11 token: `key`, opened from the URI
    /// `uri` (kept in `log.key.uri`; every run opens it unattended, see
    /// [`IssuingKey::open_token_unattended`]).
    pub fn init_in_token(
        dir: &Path,
        origin: &str,
        key: &IssuingKey,
        uri: &TokenUri,
    ) -> Result<Self, LogError> {
        Self::init_with(dir, origin, Some((key, uri)), None)
    }

    /// Moves `register` to a new log in the new folder `dir`, named `origin` (a new origin):
    /// a new log key (made here, or `in_token`), the subject-tag key of the log written so far
    /// (tags do not change), and a policy naming the logs frozen before, the log written so far
    /// and then the new one, with the same witnesses and quorum. The log written so far is
    /// frozen at its last witnessed checkpoint ([`Register::freeze_log`]; refused while a
    /// certificate is held or an entry is not yet witnessed) and its folder marked
    /// [`FROZEN_FILE`]. On a refusal nothing changes and the new folder is removed.
    pub fn rotate(
        register: &mut Register,
        dir: &Path,
        origin: &str,
        in_token: Option<(&IssuingKey, &TokenUri)>,
        now: Timestamp,
    ) -> Result<(Self, crate::register::FrozenLog), LogError> {
        let old_dir = register.log_folder()?.ok_or_else(|| {
            LogError::Setup(
                "this register has no transparency log yet; set one up with `goodstanding log \
                 init DIR --origin NAME`"
                    .into(),
            )
        })?;
        let old = Self::open(&old_dir)?;
        if old.policy.log(origin).is_some()
            || register.frozen_logs()?.iter().any(|f| f.origin == origin)
        {
            return Err(LogError::Setup(format!(
                "--origin {origin}: a log of that name exists already; a new log key needs a \
                 new origin, such as {}-2",
                old.origin()
            )));
        }
        if register.log_size()? == 0 {
            return Err(LogError::Setup(format!(
                "the log {} in {} holds no entries, so there is nothing to freeze: issue with \
                 it, or, if this register never froze a log, set up another in its place with \
                 `goodstanding log init DIR --origin NAME`, which replaces a log that holds no \
                 entries",
                old.origin(),
                old_dir.display()
            )));
        }
        // No writer may append while the log is frozen under it.
        let _lock = WriterLock::take(&old_dir, register, "log rotate")?;
        let mut policy = old.policy.clone();
        let old_tag_key = old_dir.join(SUBJECT_TAG_KEY_FILE);
        let setup = Self::init_with(dir, origin, in_token, Some((&old_tag_key, &mut policy)))?;
        let frozen = std::fs::canonicalize(dir)
            .map_err(io(dir))
            .and_then(|absolute| {
                register
                    .freeze_log(&old.verifier_key, &absolute, now)
                    .map_err(LogError::from)
            });
        let frozen = match frozen {
            Ok(frozen) => frozen,
            Err(e) => {
                for file in [
                    LOG_KEY_FILE,
                    LOG_KEY_URI_FILE,
                    SUBJECT_TAG_KEY_FILE,
                    POLICY_FILE,
                ] {
                    let _ = std::fs::remove_file(dir.join(file));
                }
                let _ = std::fs::remove_dir(dir);
                return Err(e);
            }
        };
        let marker = old_dir.join(FROZEN_FILE);
        goodstanding_files::write_atomic(
            &marker,
            format!(
                "The log {} in this folder was frozen at {now} with {} entries by `goodstanding \
                 log rotate`; the register now logs to {} ({origin}). Its key must sign nothing \
                 more: once the frozen log is published, delete or lock away its key.\n",
                old.origin(),
                frozen.size,
                dir.display()
            )
            .as_bytes(),
            goodstanding_files::WriteMode::Replace,
            false,
        )
        .map_err(|error| {
            LogError::Setup(format!(
                "the register now logs to {} and the log {} is frozen, but {} could not be \
                 written ({error}): delete or move {} so that nothing signs for the frozen log",
                dir.display(),
                old.origin(),
                marker.display(),
                old_dir.join(LOG_KEY_FILE).display()
            ))
        })?;
        Ok((setup, frozen))
    }

    fn init_with(
        dir: &Path,
        origin: &str,
        in_token: Option<(&IssuingKey, &TokenUri)>,
        after: Option<(&Path, &mut Policy)>,
    ) -> Result<Self, LogError> {
        let key_path = dir.join(LOG_KEY_FILE);
        let uri_path = dir.join(LOG_KEY_URI_FILE);
        let policy_path = dir.join(POLICY_FILE);
        for path in [
            &key_path,
            &uri_path,
            &dir.join(SUBJECT_TAG_KEY_FILE),
            &policy_path,
        ] {
            if path.exists() {
                return Err(LogError::Setup(format!(
                    "{}: already exists; this folder holds a log already",
                    path.display()
                )));
            }
        }
        let generated;
        let key = match in_token {
            Some((key, _)) => key,
            None => {
                generated = IssuingKey::generate(None).map_err(LogError::Key)?;
                &generated
            }
        };
        let verifier_key = VerifierKey::new(origin, key.public_jwk().key).map_err(|e| {
            LogError::Setup(format!("the origin {origin:?} cannot name a log key: {e}"))
        })?;
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        match in_token {
            Some((_, uri)) => goodstanding_files::write_atomic(
                &uri_path,
                format!("{}\n", uri.with_query()).as_bytes(),
                goodstanding_files::WriteMode::CreateNew,
                false,
            )
            .map_err(io(&uri_path))?,
            None => {
                let pem = key.to_pkcs8_pem().map_err(LogError::Key)?;
                goodstanding_files::write_atomic(
                    &key_path,
                    pem.as_bytes(),
                    goodstanding_files::WriteMode::CreateNew,
                    true,
                )
                .map_err(io(&key_path))?;
            }
        }
        let (tag_key, policy_text) = match after {
            Some((tag_key_file, policy)) => {
                policy
                    .logs
                    .push(goodstanding_verifier::tlog_policy::PolicyLog {
                        key: verifier_key.clone(),
                        url: None,
                    });
                (
                    SubjectTagKey::read(tag_key_file).map_err(LogError::TagKey)?,
                    format!(
                        "# goodstanding transparency log policy (c2sp.org/tlog-policy).\n\
                         # The log written now is named last; each earlier `log` line is a log \
                         frozen\n# by `goodstanding log rotate`, kept for the certificates it \
                         holds.\n{}",
                        policy.to_text(true)
                    ),
                )
            }
            None => (
                SubjectTagKey::generate().map_err(LogError::TagKey)?,
                first_policy(&verifier_key),
            ),
        };
        tag_key
            .write(&dir.join(SUBJECT_TAG_KEY_FILE))
            .map_err(LogError::TagKey)?;
        goodstanding_files::write_atomic(
            &policy_path,
            policy_text.as_bytes(),
            goodstanding_files::WriteMode::CreateNew,
            false,
        )
        .map_err(io(&policy_path))?;
        Self::open(dir)
    }

    /// Opens a log folder, checking that its policy names its key. A folder whose log was
    /// frozen ([`FROZEN_FILE`]) is refused: its key signs nothing more.
    pub fn open(dir: &Path) -> Result<Self, LogError> {
        let marker = dir.join(FROZEN_FILE);
        if marker.exists() {
            let why = goodstanding_files::read_capped(&marker, 4096).unwrap_or_default();
            return Err(LogError::Setup(format!(
                "{}: {}",
                marker.display(),
                String::from_utf8_lossy(&why).trim()
            )));
        }
        let uri_path = dir.join(LOG_KEY_URI_FILE);
        let key = if uri_path.exists() {
            let text = goodstanding_files::read_capped(&uri_path, 4096).map_err(io(&uri_path))?;
            let uri = TokenUri::parse(String::from_utf8_lossy(&text).trim())
                .map_err(|e| LogError::Setup(format!("{}: {e}", uri_path.display())))?;
            IssuingKey::open_token_unattended(&uri).map_err(LogError::Key)?
        } else {
            load_issuing_key(&dir.join(LOG_KEY_FILE), None).map_err(LogError::Key)?
        };
        let tag_key =
            SubjectTagKey::read(&dir.join(SUBJECT_TAG_KEY_FILE)).map_err(LogError::TagKey)?;
        let policy_path = dir.join(POLICY_FILE);
        let text = goodstanding_files::read_capped(
            &policy_path,
            goodstanding_verifier::tlog_policy::MAX_POLICY_LEN as u64,
        )
        .map_err(io(&policy_path))?;
        let text = String::from_utf8(text).map_err(|_| LogError::Policy {
            path: policy_path.clone(),
            error: PolicyError {
                line: 0,
                message: "not UTF-8".into(),
            },
        })?;
        let policy = Policy::parse(&text).map_err(|error| LogError::Policy {
            path: policy_path.clone(),
            error,
        })?;
        let public = key.public_jwk().key;
        let Some(log) = policy.logs.iter().find(|l| l.key.key == public) else {
            return Err(LogError::Setup(format!(
                "{}: no `log` line has the log key's public key; the policy is of another log",
                policy_path.display()
            )));
        };
        if policy.current_log().map(|l| l.key.key) != Some(public) {
            return Err(LogError::Setup(format!(
                "{}: the log key's `log` line is not the last one; the log written now is \
                 named last (each earlier line is a frozen log)",
                policy_path.display()
            )));
        }
        let verifier_key = log.key.clone();
        Ok(Self {
            dir: dir.to_path_buf(),
            key,
            tag_key,
            policy,
            verifier_key,
        })
    }

    /// The log folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The log's origin.
    pub fn origin(&self) -> &str {
        &self.verifier_key.name
    }

    /// The subject-tag key's public half.
    pub fn subject_tag_public(&self) -> [u8; 32] {
        self.tag_key.public()
    }

    /// The entry that logs a certificate whose compact JWS is `jws`: the subject tag of its
    /// subject in the year it was issued.
    pub fn certificate_entry(&self, certificate: &Certificate, jws: &str) -> NewLogEntry {
        let period = certificate.issued_at.date().ymd().0.to_string();
        let (tag, tag_proof) = self
            .tag_key
            .tag(certificate.subject.reference.as_str(), &period);
        let entry = LogEntry::Certificate {
            kid: certificate.issuer.kid.to_string(),
            id: certificate.id.to_string(),
            issued_at: certificate.issued_at.unix().unsigned_abs(),
            jws_sha256: Sha256::digest(jws.as_bytes()).into(),
            period,
            tag,
            tag_proof,
        };
        NewLogEntry {
            kind: CERTIFICATE_ENTRY,
            certificate_id: certificate.id.to_string(),
            // A kid or period longer than 255 bytes cannot be: both are capped far below.
            entry: entry.to_bytes().unwrap_or_default(),
        }
    }

    /// The entry that logs a revocation.
    pub fn revocation_entry(id: &str, revoked_at: Timestamp, reason: &str) -> NewLogEntry {
        let entry = LogEntry::Revocation {
            id: id.to_string(),
            revoked_at: revoked_at.unix().unsigned_abs(),
            reason: reason.to_string(),
        };
        NewLogEntry {
            kind: REVOCATION_ENTRY,
            certificate_id: id.to_string(),
            entry: entry.to_bytes().unwrap_or_default(),
        }
    }
}

/// Has every entry in the register witnessed (after a revocation, say): opens the register's
/// log, signs a checkpoint if there are new entries, and has the witnesses cosign it. `None`
/// if the register has no log.
pub fn witness_entries(
    register: &mut Register,
    transport: &dyn WitnessTransport,
    holder: &str,
) -> Result<Option<u64>, LogError> {
    let Some(dir) = register.log_folder()? else {
        return Ok(None);
    };
    let setup = LogSetup::open(&dir)?;
    let mut writer = LogWriter::open(&setup, register, transport, DEFAULT_WITNESS_TIMEOUT, holder)?;
    Ok(Some(writer.checkpoint(register)?.checkpoint.size))
}

/// The log as one writer holds it: the tree of the register's entries and what the witnesses
/// were last known to hold.
pub struct LogWriter<'a> {
    setup: &'a LogSetup,
    transport: &'a dyn WitnessTransport,
    tree: Tree,
    timeout: Duration,
    /// Whether the witnesses were asked, this run, what they hold.
    checked_witnesses: bool,
    /// What each witness (by index in the policy) was last known to hold.
    witness_sizes: Vec<Option<u64>>,
    _lock: WriterLock,
}

/// One writer of the log at a time: the log folder's lock file (`log.lock`), and with a
/// PostgreSQL register, which processes on other machines share, its lock in the register
/// too. Both are waited for; held until dropped.
struct WriterLock {
    _file: Lock,
    _shared: Option<crate::register::SharedLock>,
}

impl WriterLock {
    fn take(dir: &Path, register: &Register, holder: &str) -> Result<Self, LogError> {
        let lock_path = dir.join("log.lock");
        let file = lock::exclusive(&lock_path, holder, Removal::Keep).map_err(|e| match e {
            lock::LockError::Busy(holder) => LogError::Busy(holder),
            lock::LockError::Io(e) => LogError::Io {
                path: lock_path.clone(),
                error: e,
            },
        })?;
        let shared = if register.is_shared() {
            register.lock_shared("transparency log writer", true)?
        } else {
            None
        };
        Ok(Self {
            _file: file,
            _shared: shared,
        })
    }
}

impl fmt::Debug for LogWriter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogWriter")
            .field("origin", &self.setup.origin())
            .field("size", &self.tree.size())
            .finish_non_exhaustive()
    }
}

/// A checkpoint the quorum cosigned, and the tree it is of.
#[derive(Debug, Clone)]
pub struct Witnessed {
    /// The checkpoint.
    pub checkpoint: StoredCheckpoint,
    /// The witnessed note.
    pub note: String,
}

impl<'a> LogWriter<'a> {
    /// Takes the log's lock (waiting for another writer) and reads the register's log,
    /// checking it against the last checkpoint the log signed.
    pub fn open(
        setup: &'a LogSetup,
        register: &Register,
        transport: &'a dyn WitnessTransport,
        timeout: Duration,
        holder: &str,
    ) -> Result<Self, LogError> {
        let lock = WriterLock::take(&setup.dir, register, holder)?;
        let mut writer = Self {
            setup,
            transport,
            tree: Tree::new(),
            timeout,
            checked_witnesses: false,
            witness_sizes: vec![None; setup.policy.witnesses.len()],
            _lock: lock,
        };
        writer.catch_up(register)?;
        Ok(writer)
    }

    /// Reads the entries appended since, and checks the tree against the last signed checkpoint.
    fn catch_up(&mut self, register: &Register) -> Result<(), LogError> {
        // Only what was appended since: the tree already holds the rest.
        let size = register.log_size()?;
        if size < self.tree.size() {
            return Err(LogError::Fork(format!(
                "the register's log shrank from {} to {size} entries",
                self.tree.size()
            )));
        }
        for leaf in register.log_leaves_from(self.tree.size())? {
            self.tree.push(leaf);
        }
        if let Some(latest) = register.latest_checkpoint()? {
            if latest.size > self.tree.size() {
                return Err(LogError::Fork(format!(
                    "the log signed a checkpoint of {} entries but the register holds {}",
                    latest.size,
                    self.tree.size()
                )));
            }
            if self.tree.root_at(latest.size) != latest.root {
                return Err(LogError::Fork(format!(
                    "the register's first {} entries are not those of the checkpoint the log \
                     signed",
                    latest.size
                )));
            }
        }
        Ok(())
    }

    /// The tree size.
    pub fn size(&self) -> u64 {
        self.tree.size()
    }

    /// Signs a checkpoint of every entry in the register and has the witnesses cosign it (or
    /// returns the witnessed checkpoint that already covers them all).
    pub fn checkpoint(&mut self, register: &mut Register) -> Result<Witnessed, LogError> {
        self.catch_up(register)?;
        let size = self.tree.size();
        if let Some(held) = register.latest_witnessed()?
            && held.size == size
            && let Some(note) = held.witnessed_note.clone()
        {
            return Ok(Witnessed {
                checkpoint: held,
                note,
            });
        }
        if !self.checked_witnesses {
            self.ask_witnesses_what_they_hold(register)?;
            self.checked_witnesses = true;
        }
        let text = Checkpoint {
            origin: self.setup.origin().to_string(),
            size,
            root: self.tree.root(),
            extensions: Vec::new(),
        }
        .to_text();
        let signed = sign_note(&text, self.setup.origin(), &self.setup.key)
            .map_err(|e| LogError::Signing(e.to_string()))?;
        register.record_checkpoint(size, &self.tree.root(), &signed)?;
        let note = self.cosign(&signed, size)?;
        register.record_witnessed(size, &note)?;
        Ok(Witnessed {
            checkpoint: StoredCheckpoint {
                size,
                root: self.tree.root(),
                signed_note: signed,
                witnessed_note: Some(note.clone()),
            },
            note,
        })
    }

    /// Before the log key signs anything new: the last checkpoint the log signed is offered to
    /// every witness again. A witness that holds a larger tree shows that this register is
    /// behind the log (restored from a backup): refused before anything is signed.
    fn ask_witnesses_what_they_hold(&mut self, register: &Register) -> Result<(), LogError> {
        if self.setup.policy.witnesses.is_empty() {
            return Ok(());
        }
        let Some(latest) = register.latest_checkpoint()? else {
            // A log that never signed: a witness holding anything of it means another register.
            let empty = Checkpoint {
                origin: self.setup.origin().to_string(),
                size: 0,
                root: self.tree.root_at(0),
                extensions: Vec::new(),
            }
            .to_text();
            let signed = sign_note(&empty, self.setup.origin(), &self.setup.key)
                .map_err(|e| LogError::Signing(e.to_string()))?;
            return self.offer(&signed, 0).map(|_| ());
        };
        self.offer(&latest.signed_note, latest.size).map(|_| ())
    }

    /// Offers a signed checkpoint of `size` to every witness; returns their answers. A witness
    /// ahead of `size` is a fork.
    fn offer(&mut self, signed: &str, size: u64) -> Result<Vec<(usize, WitnessAnswer)>, LogError> {
        let answers = witnesses::ask_all(
            &self.setup.policy,
            signed,
            &self.tree,
            size,
            &mut self.witness_sizes,
            self.transport,
            self.timeout,
        );
        for (i, answer) in &answers {
            if let WitnessAnswer::Ahead(theirs) = answer {
                return Err(LogError::Fork(format!(
                    "witness {} holds a checkpoint of {theirs} entries, but this register's log \
                     has {}",
                    self.setup.policy.witnesses[*i].name, size
                )));
            }
        }
        Ok(answers)
    }

    fn cosign(&mut self, signed: &str, size: u64) -> Result<String, LogError> {
        let answers = self.offer(signed, size)?;
        let mut note = signed.to_string();
        for (_, answer) in &answers {
            if let WitnessAnswer::Cosigned(lines) = answer {
                note.push_str(lines);
            }
        }
        match self.setup.policy.check_checkpoint(&note) {
            Ok(_) => Ok(note),
            Err(_) => Err(LogError::Quorum {
                answers: answers
                    .into_iter()
                    .map(|(i, a)| (self.setup.policy.witnesses[i].name.clone(), a))
                    .collect(),
                quorum: self.setup.policy.quorum_name().to_string(),
            }),
        }
    }

    /// The proof that entry `index` (its bytes `entry`) is in the tree of `witnessed`. The
    /// entry travels as the proof's extra data: a verifier holding the certificate rebuilds
    /// every other field from it, checks the subject tag's VRF proof, and hashes the entry to
    /// the leaf.
    pub fn proof(&self, index: u64, entry: Vec<u8>, witnessed: &Witnessed) -> Option<TlogProof> {
        Some(TlogProof {
            extra: Some(entry),
            index,
            path: self
                .tree
                .inclusion_proof(index, witnessed.checkpoint.size)?,
            checkpoint: witnessed.note.clone(),
        })
    }

    /// The tree (for the tiles).
    pub fn tree(&self) -> &Tree {
        &self.tree
    }
}
