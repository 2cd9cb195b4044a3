//! The batch's files and locks: the output folder, the lock of a batch and of a folder, and the
//! recovery of certificates left pending by a run that stopped.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Creates the output folder (mode 0700 when new: it will hold criminal-offence data).
pub(super) fn create_out_dir(dir: &Path) -> Result<PathBuf, BatchError> {
    let output = |error| BatchError::Output {
        path: dir.to_path_buf(),
        error,
    };
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt as _;
            builder.mode(0o700);
        }
        builder.create(dir).map_err(output)?;
    }
    std::fs::canonicalize(dir).map_err(output)
}

pub(super) fn remove_if_present(path: &Path) -> Result<(), BatchError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(BatchError::Output {
            path: path.to_path_buf(),
            error: e,
        }),
        _ => Ok(()),
    }
}

/// The lock file of a batch: beside the register, named after the register and the batch.
pub(super) fn batch_lock_path(register: &Path, batch_id: &str) -> PathBuf {
    let name = register
        .file_name()
        .map_or_else(|| "register".into(), |n| n.to_string_lossy().into_owned());
    register.with_file_name(format!(".{name}.{batch_id}.lock"))
}

pub(super) fn lock_error(path: &Path, error: LockError) -> BatchError {
    BatchError::Lock {
        path: path.to_path_buf(),
        error: error.into(),
    }
}

/// Takes the batch's lock: refused with who holds it, or (with `wait`) waited for.
pub(super) fn lock_batch(
    register: &Register,
    batch_id: &str,
    options: &BatchOptions<'_>,
    on_event: &mut (dyn FnMut(BatchEvent<'_>) + Send),
) -> Result<BatchLock, BatchError> {
    if register.is_shared() {
        // A PostgreSQL register is shared by processes on several machines: the batch's lock
        // is in the register itself.
        let name = format!("batch {batch_id}");
        if let Some(held) = register.lock_shared(&name, false)? {
            return Ok(BatchLock::Shared {
                _held: Box::new(held),
            });
        }
        if !options.wait {
            return Err(BatchError::AlreadyRunning {
                batch_id: batch_id.to_string(),
                holder: "another process using the same PostgreSQL register".into(),
            });
        }
        on_event(BatchEvent::Waiting {
            what: "the run of the same batch already under way (another process using the same \
                   PostgreSQL register)",
        });
        return match register.lock_shared(&name, true)? {
            Some(held) => Ok(BatchLock::Shared {
                _held: Box::new(held),
            }),
            None => Err(BatchError::AlreadyRunning {
                batch_id: batch_id.to_string(),
                holder: "another process using the same PostgreSQL register".into(),
            }),
        };
    }
    let path = batch_lock_path(register.path(), batch_id);
    let holder = lock::holder_line(&options.now.to_string());
    match lock::try_exclusive(&path, &holder, Removal::OnRelease) {
        Ok(held) => Ok(BatchLock::File { _held: held }),
        Err(LockError::Busy(other)) if options.wait => {
            on_event(BatchEvent::Waiting {
                what: &format!("the run of the same batch already under way ({other})"),
            });
            lock::exclusive(&path, &holder, Removal::OnRelease)
                .map(|held| BatchLock::File { _held: held })
                .map_err(|e| lock_error(&path, e))
        }
        Err(LockError::Busy(other)) => Err(BatchError::AlreadyRunning {
            batch_id: batch_id.to_string(),
            holder: other,
        }),
        Err(e) => Err(lock_error(&path, e)),
    }
}

/// The lock one run of a batch holds: a file beside an SQLite register, or a lock in a
/// PostgreSQL register.
pub(super) enum BatchLock {
    /// The lock file.
    File {
        /// Held until dropped.
        _held: Lock,
    },
    /// The register's lock.
    Shared {
        /// Held until dropped.
        _held: Box<crate::register::SharedLock>,
    },
}

/// The name of an output folder's lock file.
pub(super) const FOLDER_LOCK: &str = ".goodstanding.lock";

/// Takes the folder exclusively for recovery, waiting (and saying so) while others write there.
pub(super) fn lock_folder(
    dir: &Path,
    batch_id: &str,
    now: Timestamp,
    on_event: &mut (dyn FnMut(BatchEvent<'_>) + Send),
) -> Result<Lock, BatchError> {
    let path = folder_lock_path(dir);
    let holder = format!(
        "batch {batch_id} recovering, {}",
        lock::holder_line(&now.to_string())
    );
    match lock::try_exclusive(&path, &holder, Removal::Keep) {
        Ok(held) => Ok(held),
        Err(LockError::Busy(_)) => {
            on_event(BatchEvent::Waiting {
                what: &format!("the other runs writing into {} to finish", dir.display()),
            });
            lock::exclusive(&path, &holder, Removal::Keep).map_err(|e| lock_error(&path, e))
        }
        Err(e) => Err(lock_error(&path, e)),
    }
}

/// Removes what an interrupted run left: certificates still `pending` (with their files) and
/// `.partial` files. Returns how many certificates were removed.
pub(super) fn recover(
    register: &mut Register,
    batch: &BatchRecord,
    dir: &Path,
) -> Result<usize, BatchError> {
    let pending = register.pending_in_batch(&batch.id)?;
    for p in &pending {
        let folder = Path::new(&p.out_dir);
        for ext in CERTIFICATE_FILES {
            let name = format!("{}.{ext}", p.id);
            remove_if_present(&folder.join(&name))?;
            remove_if_present(&folder.join(temp_name(&name)))?;
        }
    }
    register.discard_pending(&pending)?;
    // Leftover temporary files of certificates never recorded, and of this batch's own files.
    let entries = std::fs::read_dir(dir).map_err(|error| BatchError::Output {
        path: dir.to_path_buf(),
        error,
    })?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(inner) = name
            .strip_prefix('.')
            .and_then(|n| n.strip_suffix(PARTIAL_SUFFIX))
        else {
            continue;
        };
        let ours = inner.starts_with(&batch.id)
            || inner.split_once('.').is_some_and(|(id, ext)| {
                CertificateId::new(id).is_ok()
                    && (CERTIFICATE_FILES.contains(&ext)
                        || ext == goodstanding_issuer::issue::PROOF_FILE)
            });
        if ours {
            remove_if_present(&entry.path())?;
        }
    }
    Ok(pending.len())
}
