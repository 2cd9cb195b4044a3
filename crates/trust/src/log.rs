//! The trust folder's copy of the transparency log (issue 25, item 5): synced by every
//! `trust update` (and the service's refresh) from `<site>/log/`, so that a `.jws` or QR text
//! can be checked against the log offline.
//!
//! ```text
//! DIR/log-sync.bin   the witnessed checkpoint, its compact range and one record per certificate
//!                    (goodstanding_verifier::log_sync); replaced atomically, read back only if
//!                    its checkpoint still satisfies the trust list's policy
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use goodstanding_files::{self as files, WriteMode};
use goodstanding_verifier::log_audit::{AuditError, FetchFn};
use goodstanding_verifier::log_sync::{SyncedLog, sync};
use goodstanding_verifier::{Timestamp, TrustStore};

/// The synced log's file inside a trust folder.
pub const SYNCED_LOG_FILE: &str = "log-sync.bin";
/// Largest synced log read: 184 bytes per certificate, so about 2.9 million certificates.
const MAX_SYNCED_LOG_LEN: u64 = 512 * 1024 * 1024;

impl HeldLog {
    /// What `log` holds.
    pub fn of(log: &goodstanding_verifier::log_sync::SyncedLog) -> Self {
        let witnessed = log.witnessed();
        Self {
            origin: witnessed.checkpoint.origin.clone(),
            size: witnessed.checkpoint.size,
            certificates: log.certificates(),
            cosigned_at: witnessed
                .earliest_cosignature
                .and_then(|t| Timestamp::from_unix(i64::try_from(t).ok()?)),
        }
    }
}

/// The synced copy of the transparency log a trust folder holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldLog {
    /// The log's origin.
    pub origin: String,
    /// The checkpoint's size.
    pub size: u64,
    /// How many certificates it holds.
    pub certificates: usize,
    /// When the quorum's earliest witness cosigned the checkpoint.
    pub cosigned_at: Option<Timestamp>,
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSynced {
    /// What the folder holds now.
    pub held: HeldLog,
    /// The size held before (0 if none).
    pub old_size: u64,
    /// Certificates new since the last sync.
    pub new_certificates: u64,
}

/// Why the log could not be synced.
#[derive(Debug)]
pub enum LogSyncError {
    /// The log's source could not be set up.
    Source(String),
    /// The log was unreachable or failed its checks (a checkpoint short of the quorum, a
    /// history that does not extend the copy held).
    Refused {
        /// Where the log is.
        location: String,
        /// Why.
        error: AuditError,
    },
    /// The copy could not be written.
    Io {
        /// The file.
        path: PathBuf,
        /// What happened.
        source: std::io::Error,
    },
}

impl fmt::Display for LogSyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Source(e) => f.write_str(e),
            Self::Refused { location, error } => write!(
                f,
                "the transparency log at {location} was not synced: {error}; the copy held \
                 before is kept"
            ),
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for LogSyncError {}

/// The synced copy held in `dir`, if there is one that the log of `store` accepts; `Err` says
/// why one that is there was not used.
pub fn read_synced(dir: &Path, store: &TrustStore) -> Result<Option<SyncedLog>, String> {
    let Some(log) = store.transparency_log() else {
        return Ok(None);
    };
    let path = dir.join(SYNCED_LOG_FILE);
    let bytes = match files::read_capped(&path, MAX_SYNCED_LOG_LEN) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let policy = log
        .parsed_policy()
        .map_err(|e| format!("the trust list's log policy: {e}"))?;
    SyncedLog::from_bytes(&bytes, &policy)
        .map(Some)
        .map_err(|e| format!("{}: {e}; run `goodstanding trust update`", path.display()))
}

/// Syncs the copy in `dir` with the log that `fetch` reads (paths under its prefix, which is
/// `location`), for the log the trust list in `store` names, and puts the new copy in `store`;
/// `None` if the trust list names no log. `store` is as [`crate::folder::load`] gave it: the
/// copy it holds (none if the one on disk no longer satisfies the policy) is the one extended.
/// The file is replaced only by a copy consistent with it.
pub fn sync_log(
    dir: &Path,
    store: &mut TrustStore,
    location: &str,
    fetch: &mut FetchFn<'_>,
) -> Result<Option<LogSynced>, LogSyncError> {
    let Some(log) = store.transparency_log() else {
        return Ok(None);
    };
    let policy = log
        .parsed_policy()
        .map_err(|e| LogSyncError::Source(format!("the trust list's log policy: {e}")))?;
    let synced =
        sync(&policy, fetch, store.synced_log()).map_err(|error| LogSyncError::Refused {
            location: location.to_string(),
            error,
        })?;
    let path = dir.join(SYNCED_LOG_FILE);
    files::write_atomic(&path, &synced.log.to_bytes(), WriteMode::Replace, false)
        .and_then(|()| files::sync_dir(dir))
        .map_err(|source| LogSyncError::Io {
            path: path.clone(),
            source,
        })?;
    let done = LogSynced {
        held: HeldLog::of(&synced.log),
        old_size: synced.old_size,
        new_certificates: synced.new_certificates,
    };
    store.set_synced_log(synced.log);
    Ok(Some(done))
}
