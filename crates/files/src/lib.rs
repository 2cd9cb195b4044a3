//! # goodstanding-files
//!
//! Files on disk, the way every goodstanding crate that touches a disk needs them: a crash never
//! leaves a half-written file that looks valid, a reader never takes more than it expects, and
//! the data directory is found in one place.
//!
//! ```text
//! bytes -> temporary file beside the target -> fsync -> rename (replace) or hard link (create new)
//! batch chunk -> .<name>.partial files -> rename into place -> one syncfs (Linux) per chunk
//! path -> read_capped(limit) -> bytes, or an error if the file is larger than the limit
//! ```
//!
//! It depends on nothing of goodstanding's, so the verifying machine's crate and the issuing
//! crates share it without depending on each other.
//!
//! | module | owns |
//! |---|---|
//! | (this file) | atomic and crash-safe writing, capped reading, the data directory |
//! | [`lock`] | lock files (`flock`) naming who holds them, for runs at the same time |
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod lock;

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

/// Whether an existing file may be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Fail with `AlreadyExists` if the target exists.
    CreateNew,
    /// Replace the target atomically.
    Replace,
}

/// Writes `bytes` to `path` atomically. With `private`, the file is created with mode 0600.
pub fn write_atomic(
    path: &Path,
    bytes: &[u8],
    mode: WriteMode,
    private: bool,
) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut suffix = [0u8; 6];
    getrandom::fill(&mut suffix).map_err(|e| std::io::Error::other(e.to_string()))?;
    let suffix: String = suffix.iter().map(|b| format!("{b:02x}")).collect();
    let temp = dir.join(format!(".{name}.{suffix}.tmp"));

    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    let result = (|| {
        let mut file = options.open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        match mode {
            WriteMode::Replace => std::fs::rename(&temp, path),
            // A hard link fails if the target exists, so nothing is ever replaced.
            WriteMode::CreateNew => std::fs::hard_link(&temp, path),
        }
    })();
    // After a rename the temporary name is gone; after a link or a failure, remove it.
    let _ = std::fs::remove_file(&temp);
    result
}

/// Reads at most `limit` bytes of a file; a larger file is an error, not a truncation.
pub fn read_capped(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let mut out = Vec::new();
    file.take(limit + 1).read_to_end(&mut out)?;
    if out.len() as u64 > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {limit} bytes; this is not the file expected"),
        ));
    }
    Ok(out)
}

/// Suffix of the temporary files a batch writes before renaming them into place.
pub const PARTIAL_SUFFIX: &str = ".partial";

/// The temporary name under which `name` is written before being renamed: hidden, and marked
/// so that a run after a crash can find and remove it.
pub fn temp_name(name: &str) -> String {
    format!(".{name}{PARTIAL_SUFFIX}")
}

/// Flushes a folder's entries (new names, renames) to disk.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Makes `files` (just written and renamed into `dir`) durable: on Linux one `syncfs` of the
/// filesystem holding `dir` (much cheaper than an fsync per file for a chunk of a batch),
/// elsewhere an fsync of each file and of the folder.
pub fn make_durable(dir: &Path, files: &[&Path]) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        let _ = files;
        let folder = std::fs::File::open(dir)?;
        rustix::fs::syncfs(&folder).map_err(std::io::Error::from)
    }
    #[cfg(not(target_os = "linux"))]
    {
        for file in files {
            std::fs::File::open(file)?.sync_all()?;
        }
        sync_dir(dir)
    }
}

/// Writes `bytes` to a new file at `path` (replacing a leftover one); with `sync`, flushes it to
/// disk before returning.
pub fn write_new(path: &Path, bytes: &[u8], private: bool, sync: bool) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    if sync { file.sync_all() } else { Ok(()) }
}

/// goodstanding's data directory: `$XDG_DATA_HOME/goodstanding`, else
/// `~/.local/share/goodstanding`; `None` if neither variable is set.
pub fn data_dir() -> Option<PathBuf> {
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(|h| PathBuf::from(h).join(".local/share"))
        })?;
    Some(data.join("goodstanding"))
}
