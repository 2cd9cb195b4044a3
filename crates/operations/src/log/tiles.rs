//! The log as static files (`c2sp.org/tlog-tiles`), written into the published site's `log/`
//! folder: every tile and entry bundle of the witnessed tree, then its checkpoint. Full tiles
//! never change, so one already there is kept; partial tiles and the checkpoint are replaced
//! atomically, the checkpoint last, so a reader never sees a checkpoint whose tiles are missing.

use std::path::Path;

use goodstanding_files::{WriteMode, write_atomic};
use goodstanding_verifier::note::{Checkpoint, Note, VerifierKey};
use goodstanding_verifier::tiles::{TILE_WIDTH, bundle, frozen_log_prefix, tiles_for_size};

use super::tree::Tree;
use super::{LogError, Witnessed};
use crate::register::{Register, RegisterError, StoredCheckpoint};

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
    write_tiles(
        &|start, end| register.log_entries(start, end),
        &tree,
        &Witnessed { checkpoint, note },
        prefix,
    )?;
    Ok(Some(size))
}

/// Publishes every log the register froze (`log rotate`) under `prefix` (the site's `log/`
/// folder), each at `frozen/<key id>/` with its final witnessed checkpoint, after checking that
/// the register's entries of it still hash to that checkpoint; returns how many.
pub fn publish_frozen_logs(register: &Register, prefix: &Path) -> Result<usize, LogError> {
    let frozen = register.frozen_logs()?;
    for log in &frozen {
        let key = VerifierKey::parse(&log.vkey).map_err(|e| {
            LogError::Setup(format!("the register's frozen log {}: {e}", log.origin))
        })?;
        let text = Note::parse(log.witnessed_note.as_bytes())
            .map(|note| note.text)
            .and_then(|text| Checkpoint::parse(&text))
            .map_err(|e| {
                LogError::Setup(format!(
                    "the register's frozen log {}: its checkpoint: {e}",
                    log.origin
                ))
            })?;
        let mut tree = Tree::new();
        for leaf in register.frozen_log_leaves(&log.origin)? {
            tree.push(leaf);
        }
        if text.origin != log.origin || text.size != tree.size() || text.root != tree.root() {
            return Err(LogError::Fork(format!(
                "the register's entries of the frozen log {} do not hash to its final \
                 checkpoint",
                log.origin
            )));
        }
        let witnessed = Witnessed {
            checkpoint: StoredCheckpoint {
                size: text.size,
                root: text.root,
                signed_note: log.witnessed_note.clone(),
                witnessed_note: Some(log.witnessed_note.clone()),
            },
            note: log.witnessed_note.clone(),
        };
        write_tiles(
            &|start, end| register.frozen_log_entries(&log.origin, start, end),
            &tree,
            &witnessed,
            &prefix.join(frozen_log_prefix(key.id)),
        )?;
    }
    Ok(frozen.len())
}

/// Reads the entries from `start` (inclusive) to `end` (exclusive) of the log being written.
type EntriesFn<'a> = dyn Fn(u64, u64) -> Result<Vec<Vec<u8>>, RegisterError> + 'a;

/// Writes the tiles of `witnessed` (a checkpoint of `tree`'s first entries) under `prefix`;
/// returns how many files were written.
pub fn write_tiles(
    entries: &EntriesFn<'_>,
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
                let entries = entries(start, start + tile.width)?;
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
