//! Advisory lock files, so that runs started at the same time on one register or one folder
//! take turns instead of colliding. The lock is the operating system's (`flock` on Unix), so it
//! is released when its holder exits, even by `kill -9`: a crash never leaves a stale lock.
//!
//! ```text
//! try_exclusive(path, holder) -> Ok(Lock) | Err(Busy(what the holder wrote))   (never waits)
//! exclusive(path, holder)     -> Lock, after waiting for every other holder
//! shared(path)                -> Lock, shared with other shared holders; waits for an exclusive one
//! ```
//!
//! An exclusive holder writes a line about itself into the file (which run, since when, which
//! process on which host), so a run that finds the lock taken can say who has it. A lock made
//! with [`Removal::OnRelease`] removes its file when released; a waiter that then gets the lock
//! of the removed file notices and locks the new one, so two holders never both think they hold
//! it.

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};

/// A held lock; released when dropped.
#[derive(Debug)]
pub struct Lock {
    file: File,
    path: PathBuf,
    removal: Removal,
}

/// What happens to the lock file when the lock is released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// The file stays (a lock that many runs share over time, such as a folder's).
    Keep,
    /// The file is removed (a lock named after one run, such as a batch's).
    OnRelease,
}

/// Why a lock could not be taken.
#[derive(Debug)]
pub enum LockError {
    /// Another run holds it; what it wrote about itself (may be empty if it has only just
    /// taken it).
    Busy(String),
    /// The lock file could not be opened or locked.
    Io(std::io::Error),
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Busy(holder) if holder.is_empty() => f.write_str("held by another run"),
            Self::Busy(holder) => write!(f, "held by {holder}"),
            Self::Io(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for LockError {}

impl From<LockError> for std::io::Error {
    fn from(error: LockError) -> Self {
        match error {
            LockError::Io(e) => e,
            busy @ LockError::Busy(_) => std::io::Error::other(busy.to_string()),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Shared,
    Exclusive,
}

fn open(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)
}

/// Whether `file` is still the file at `path` (not removed or replaced by a releasing holder).
fn is_current(file: &File, path: &Path) -> std::io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let held = file.metadata()?;
        match std::fs::metadata(path) {
            Ok(now) => Ok(held.dev() == now.dev() && held.ino() == now.ino()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        Ok(true)
    }
}

fn read_holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.rewind();
    let _ = file.take(1024).read_to_string(&mut text);
    text.trim().to_string()
}

fn take(path: &Path, kind: Kind, wait: bool, removal: Removal) -> Result<Lock, LockError> {
    loop {
        let mut file = open(path).map_err(LockError::Io)?;
        let locked = match (kind, wait) {
            (Kind::Shared, true) => file.lock_shared().map(|()| true),
            (Kind::Exclusive, true) => file.lock().map(|()| true),
            (Kind::Shared, false) => try_result(file.try_lock_shared()),
            (Kind::Exclusive, false) => try_result(file.try_lock()),
        }
        .map_err(LockError::Io)?;
        if !locked {
            return Err(LockError::Busy(read_holder(&mut file)));
        }
        // A holder that removes its file on release may have done so while this one waited.
        if is_current(&file, path).map_err(LockError::Io)? {
            return Ok(Lock {
                file,
                path: path.to_path_buf(),
                removal,
            });
        }
    }
}

fn try_result(result: Result<(), std::fs::TryLockError>) -> std::io::Result<bool> {
    match result {
        Ok(()) => Ok(true),
        Err(std::fs::TryLockError::WouldBlock) => Ok(false),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

/// Takes `path` exclusively if no one holds it, and writes `holder` into it; never waits.
pub fn try_exclusive(path: &Path, holder: &str, removal: Removal) -> Result<Lock, LockError> {
    let mut lock = take(path, Kind::Exclusive, false, removal)?;
    lock.describe(holder).map_err(LockError::Io)?;
    Ok(lock)
}

/// Takes `path` exclusively, waiting for every other holder, and writes `holder` into it.
pub fn exclusive(path: &Path, holder: &str, removal: Removal) -> Result<Lock, LockError> {
    let mut lock = take(path, Kind::Exclusive, true, removal)?;
    lock.describe(holder).map_err(LockError::Io)?;
    Ok(lock)
}

/// Takes `path` shared with other shared holders, waiting while someone holds it exclusively.
pub fn shared(path: &Path) -> Result<Lock, LockError> {
    take(path, Kind::Shared, true, Removal::Keep)
}

/// Takes `path` shared if no one holds it exclusively; never waits.
pub fn try_shared(path: &Path) -> Result<Lock, LockError> {
    take(path, Kind::Shared, false, Removal::Keep)
}

impl Lock {
    fn describe(&mut self, holder: &str) -> std::io::Result<()> {
        self.file.set_len(0)?;
        self.file.rewind()?;
        self.file.write_all(holder.as_bytes())?;
        self.file.write_all(b"\n")
    }

    /// Turns an exclusive lock into a shared one (other shared holders may then join).
    pub fn downgrade(self) -> Result<Lock, LockError> {
        // flock converts the lock in place; an exclusive waiter may slip in between.
        self.file.lock_shared().map_err(LockError::Io)?;
        Ok(self)
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        if self.removal == Removal::OnRelease {
            // Removed while still held, so no one can lock the old file and think it current.
            let _ = std::fs::remove_file(&self.path);
        }
        let _ = self.file.unlock();
    }
}

/// A line that says who holds a lock: since when, which process on which host.
pub fn holder_line(since: &str) -> String {
    format!(
        "since {since}, process {} on host {}",
        std::process::id(),
        host_name()
    )
}

/// This machine's host name (for messages only).
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn an_exclusive_lock_is_refused_to_a_second_taker_with_the_holder_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("batch.lock");
        let held = try_exclusive(&path, "batch one, since now", Removal::OnRelease).unwrap();
        match try_exclusive(&path, "batch two", Removal::OnRelease) {
            Err(LockError::Busy(holder)) => assert_eq!(holder, "batch one, since now"),
            other => panic!("expected busy, got {other:?}"),
        }
        assert!(matches!(try_shared(&path), Err(LockError::Busy(_))));
        drop(held);
        assert!(!path.exists(), "a lock removed on release leaves no file");
        let again = try_exclusive(&path, "batch two", Removal::OnRelease).unwrap();
        assert_eq!(
            std::fs::read_to_string(again.path()).unwrap(),
            "batch two\n"
        );
    }

    #[test]
    fn shared_locks_coexist_and_keep_an_exclusive_one_out_until_released() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".folder.lock");
        let first = shared(&path).unwrap();
        let second = try_shared(&path).unwrap();
        assert!(matches!(
            try_exclusive(&path, "sweep", Removal::Keep),
            Err(LockError::Busy(_))
        ));
        drop(first);
        drop(second);
        let sweep = try_exclusive(&path, "sweep", Removal::Keep).unwrap();
        let run = sweep.downgrade().unwrap();
        let other = try_shared(&path).unwrap();
        drop((run, other));
        assert!(path.exists(), "a kept lock file stays");
    }

    #[test]
    fn a_waiter_on_a_removed_lock_file_locks_the_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("batch.lock");
        let held = try_exclusive(&path, "first", Removal::OnRelease).unwrap();
        let waiter = {
            let path = path.clone();
            std::thread::spawn(move || exclusive(&path, "second", Removal::OnRelease).unwrap())
        };
        std::thread::sleep(std::time::Duration::from_millis(100));
        drop(held);
        let second = waiter.join().unwrap();
        // The lock the waiter holds is the file now at the path, so a third run sees it busy.
        assert!(matches!(
            try_exclusive(&path, "third", Removal::OnRelease),
            Err(LockError::Busy(h)) if h == "second"
        ));
        drop(second);
    }
}
