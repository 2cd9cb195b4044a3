//! The trust data the service holds, and its background refresh: a fetch with the same checks as
//! `goodstanding trust update` (root signature, no rollback, atomic replace of the folder's
//! cache), then a swap of what requests read. A request never waits on the network: it takes
//! the trust data held at that moment.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use goodstanding_trust::fetch::{Source, update_from};
use goodstanding_verifier::Timestamp;

use crate::api::RefreshStatus;
use crate::check::Trust;
use crate::{Event, Log, ServeError};

/// The trust data requests read, with when it was loaded.
#[derive(Debug)]
pub struct Held {
    /// Keys, lists and their ages.
    pub trust: Trust,
    /// When it was loaded.
    pub loaded_at: Timestamp,
}

/// Where the service gets its trust data.
pub struct TrustHolder {
    folder: PathBuf,
    require_fresh: bool,
    held: RwLock<Arc<Held>>,
    refresh: Mutex<Option<RefreshStatus>>,
}

impl TrustHolder {
    /// Loads the trust folder `folder` (made by `goodstanding trust update`).
    pub fn load(folder: &Path, require_fresh: bool) -> Result<Self, ServeError> {
        let held = load_held(folder, require_fresh)?;
        Ok(Self {
            folder: folder.to_path_buf(),
            require_fresh,
            held: RwLock::new(Arc::new(held)),
            refresh: Mutex::new(None),
        })
    }

    /// What requests read now.
    pub fn current(&self) -> Arc<Held> {
        match self.held.read() {
            Ok(held) => Arc::clone(&held),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// The trust folder.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// How the background refresh is doing, if there is one.
    pub fn refresh_status(&self) -> Option<RefreshStatus> {
        self.refresh.lock().map_or(None, |status| status.clone())
    }

    fn set_refresh_status(&self, update: impl FnOnce(&mut RefreshStatus)) {
        if let Ok(mut status) = self.refresh.lock()
            && let Some(status) = status.as_mut()
        {
            update(status);
        }
    }

    /// Starts refreshing from `source` every `every`, on a thread of its own, for as long as the
    /// process runs. A failed fetch or a refused list is logged and changes nothing.
    pub fn start_refresh(self: &Arc<Self>, source: Source, every: Duration, log: Log) {
        if let Ok(mut status) = self.refresh.lock() {
            *status = Some(RefreshStatus {
                source: source.describe(),
                every_seconds: every.as_secs(),
                last_attempt_at: None,
                last_success_at: None,
                last_error: None,
            });
        }
        let holder = Arc::clone(self);
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(every);
                holder.refresh_once(&source, &log);
            }
        });
    }

    fn refresh_once(&self, source: &Source, log: &Log) {
        let Ok(at) = goodstanding_clock::now() else {
            return;
        };
        self.set_refresh_status(|s| s.last_attempt_at = Some(at.to_string()));
        let outcome = update_from(&self.folder, &[], source, at)
            .map_err(|e| e.to_string())
            .and_then(|refreshed| {
                let log_failed = refreshed.log.err().map(|e| e.to_string());
                let held = held_from(refreshed.store, refreshed.info, self.require_fresh)
                    .map_err(|e| e.to_string())?;
                Ok((held, log_failed))
            });
        match outcome {
            Ok((held, log_failed)) => {
                let (trust_list, revocation_list) = (
                    held.trust.cache.trust_list.0,
                    held.trust.cache.revocation_list.0,
                );
                match self.held.write() {
                    Ok(mut current) => *current = Arc::new(held),
                    Err(poisoned) => *poisoned.into_inner() = Arc::new(held),
                }
                // New lists are used even when the log could not be synced (revocations
                // must not wait for it); the failure is reported like any other.
                self.set_refresh_status(|s| {
                    s.last_success_at = Some(at.to_string());
                    s.last_error = log_failed.clone();
                });
                if let Some(reason) = log_failed {
                    log(&Event::RefreshFailed {
                        reason,
                        revocation_list,
                    });
                }
                log(&Event::Refreshed {
                    trust_list,
                    revocation_list,
                });
            }
            Err(reason) => {
                let held = self.current();
                self.set_refresh_status(|s| s.last_error = Some(reason.clone()));
                log(&Event::RefreshFailed {
                    reason,
                    revocation_list: held.trust.cache.revocation_list.0,
                });
            }
        }
    }
}

fn load_held(folder: &Path, require_fresh: bool) -> Result<Held, ServeError> {
    let (store, cache) = goodstanding_trust::load(folder).map_err(|e| ServeError::Trust {
        folder: folder.to_path_buf(),
        reason: e.to_string(),
    })?;
    held_from(store, cache, require_fresh)
}

/// The trust data held, from a trust store and what it rests on.
fn held_from(
    mut store: goodstanding_verifier::TrustStore,
    cache: goodstanding_trust::CacheInfo,
    require_fresh: bool,
) -> Result<Held, ServeError> {
    store.set_require_fresh(require_fresh);
    Ok(Held {
        trust: Trust { store, cache },
        loaded_at: goodstanding_clock::now().map_err(|e| ServeError::Clock(e.to_string()))?,
    })
}
