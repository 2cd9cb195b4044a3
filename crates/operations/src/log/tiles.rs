//! The log as static files (`c2sp.org/tlog-tiles`), written into the published site's `log/`
//! folder: every tile and entry bundle of the witnessed tree, then its checkpoint. Full tiles
//! never change, so one already there is kept; partial tiles and the checkpoint are replaced
//! atomically, the checkpoint last, so a reader never sees a checkpoint whose tiles are missing.

use std::path::Path;

use goodstanding_files::{WriteMode, write_atomic};
use goodstanding_verifier::tiles::{TILE_WIDTH, bundle, tiles_for_size};

use super::tree::Tree;
use super::{LogError, Witnessed};
use crate::register::Register;

/// The checkpoint's file name under the log's prefix.
pub const CHECKPOINT_FILE: &str = "checkpoint";

/// The folder of the log under a published site.
pub const SITE_LOG_DIR: &str = "log";

/// Publishes the register's latest witnessed checkpoint and its tiles under `prefix` (the
/// site's `log/` folder); `None` if nothing was witnessed yet. Only witnessed entries are
/// published; the register's entries must still hash to the checkpoint.
pub fn publish_log(register: &Register, prefix: &Path) -> Result<Option<u64>, LogError> {
    let Some(checkpoint) = register.latest_witnessed()? else {
        return Ok(None);
    };
    let Some(note) = checkpoint.witnessed_note.clone() else {
        return Ok(None);
    };
    let leaves = register.log_leaves()?;
    let size = checkpoint.size;
    let Some(covered) = leaves.get(..size as usize) else {
        return Err(LogError::Fork(format!(
            "the register holds {} log entries, fewer than its witnessed checkpoint's {size}",
            leaves.len()
        )));
    };
    let mut tree = Tree::new();
    for leaf in covered {
        tree.push(*leaf);
    }
    if tree.root() != checkpoint.root {
        return Err(LogError::Fork(format!(
            "the register's first {size} log entries do not hash to its witnessed checkpoint"
        )));
    }
    write_tiles(register, &tree, &Witnessed { checkpoint, note }, prefix)?;
    Ok(Some(size))
}

/// Writes the tiles of `witnessed` (a checkpoint of `tree`'s first entries) under `prefix`;
/// returns how many files were written.
pub fn write_tiles(
    register: &Register,
    tree: &Tree,
    witnessed: &Witnessed,
    prefix: &Path,
) -> Result<usize, LogError> {
    let size = witnessed.checkpoint.size;
    let mut written = 0;
    for tile in tiles_for_size(size) {
        let full = tile.width == TILE_WIDTH;
        let path = prefix.join(tile.path());
        if !(full && path.exists()) {
            let bytes: Vec<u8> = tree.tile_hashes(&tile).concat();
            write_file(&path, &bytes)?;
            written += 1;
        }
        if tile.level == 0 {
            let path = prefix.join(tile.entries_path());
            if !(full && path.exists()) {
                let start = tile.index * TILE_WIDTH;
                let entries = register.log_entries(start, start + tile.width)?;
                let bytes = bundle(&entries).ok_or_else(|| {
                    LogError::Setup("a log entry is longer than a bundle allows".into())
                })?;
                write_file(&path, &bytes)?;
                written += 1;
            }
        }
    }
    write_file(&prefix.join(CHECKPOINT_FILE), witnessed.note.as_bytes())?;
    Ok(written + 1)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), LogError> {
    let io = |error| LogError::Io {
        path: path.to_path_buf(),
        error,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    write_atomic(path, bytes, WriteMode::Replace, false).map_err(io)
}
