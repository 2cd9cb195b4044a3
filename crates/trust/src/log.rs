//! The trust folder's copy of the transparency log (issue 25, item 5): synced by every
//! `trust update` (and the service's refresh) from `<site>/log/`, so that a `.jws` or QR text
//! can be checked against the log offline.
//!
//! ```text
//! DIR/log-sync.bin   for each log of the trust list's policy (the log written now, and any log
//!                    frozen when the issuer moved to a new log key): the witnessed checkpoint,
//!                    its compact range and one record per certificate
//!                    (goodstanding_verifier::log_sync); replaced atomically, each copy read back
//!                    only if its checkpoint still satisfies the policy
//! ```
//!
//! The log written now is synced from `<site>/log/`, each frozen one from
//! `<site>/log/frozen/<key id>/`.

use std::fmt;
use std::path::{Path, PathBuf};

use goodstanding_files::{self as files, WriteMode};
use goodstanding_verifier::log_audit::{AuditError, FetchFn};
use goodstanding_verifier::log_sync::{
    SyncedLog, copies_from_bytes, copies_to_bytes, log_locations, sync,
};
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
    /// What the folder holds now of the log written now.
    pub held: HeldLog,
    /// What it holds of each frozen log the policy names.
    pub frozen: Vec<HeldLog>,
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

/// The synced copies held in `dir` of the logs the trust list of `store` names (none if the
/// list names no log); `Err` says why the file that is there was not used.
pub fn read_synced(dir: &Path, store: &TrustStore) -> Result<Vec<SyncedLog>, String> {
    let Some(log) = store.transparency_log() else {
        return Ok(Vec::new());
    };
    let path = dir.join(SYNCED_LOG_FILE);
    let bytes = match files::read_capped(&path, MAX_SYNCED_LOG_LEN) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let policy = log
        .parsed_policy()
        .map_err(|e| format!("the trust list's log policy: {e}"))?;
    copies_from_bytes(&bytes, &policy)
        .map_err(|e| format!("{}: {e}; run `goodstanding trust update`", path.display()))
}

/// Syncs the copies in `dir` with the logs that `fetch` reads (paths under the prefix of the
/// log written now, which is `location`; frozen logs under `frozen/<key id>/` there), for the
/// policy the trust list in `store` names, and puts the new copies in `store`; `None` if the
/// trust list names no log. `store` is as [`crate::folder::load`] gave it: the copies it holds
/// (none of a log whose copy on disk no longer satisfies the policy) are the ones extended.
/// The file is replaced only by copies each consistent with the one it held; when one log
/// cannot be synced, the others' new copies are kept and the error names that log.
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
    let mut current = None;
    let mut failure = None;
    let mut changed = false;
    for (origin, prefix) in log_locations(&policy) {
        let mut fetch_here = |path: &str, limit: usize| {
            if prefix.is_empty() {
                fetch(path, limit)
            } else {
                fetch(&format!("{prefix}/{path}"), limit)
            }
        };
        match sync(
            &policy,
            &origin,
            &mut fetch_here,
            store.synced_log_of(&origin),
        ) {
            Ok(synced) => {
                changed |=
                    synced.log.size() != synced.old_size || store.synced_log_of(&origin).is_none();
                if prefix.is_empty() {
                    current = Some((synced.old_size, synced.new_certificates));
                }
                store.set_synced_log(synced.log);
            }
            Err(error) => {
                failure.get_or_insert(LogSyncError::Refused {
                    location: if prefix.is_empty() {
                        location.to_string()
                    } else {
                        format!("{}/{prefix}", location.trim_end_matches('/'))
                    },
                    error,
                });
            }
        }
    }
    if changed {
        let path = dir.join(SYNCED_LOG_FILE);
        files::write_atomic(
            &path,
            &copies_to_bytes(store.synced_logs()),
            WriteMode::Replace,
            false,
        )
        .and_then(|()| files::sync_dir(dir))
        .map_err(|source| LogSyncError::Io {
            path: path.clone(),
            source,
        })?;
    }
    if let Some(failure) = failure {
        return Err(failure);
    }
    let (Some((old_size, new_certificates)), Some(held)) = (current, store.synced_log()) else {
        return Err(LogSyncError::Source(
            "the trust list's policy names no log".into(),
        ));
    };
    Ok(Some(LogSynced {
        held: HeldLog::of(held),
        frozen: frozen_held(store),
        old_size,
        new_certificates,
    }))
}

/// What `store` holds of the frozen logs its policy names, in the policy's order.
pub fn frozen_held(store: &TrustStore) -> Vec<HeldLog> {
    let current = store.synced_log().map(SyncedLog::origin);
    store
        .synced_logs()
        .iter()
        .filter(|copy| Some(copy.origin()) != current)
        .map(HeldLog::of)
        .collect()
}
