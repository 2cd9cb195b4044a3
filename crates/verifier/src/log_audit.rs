//! Auditing a published transparency log from scratch (issue 25, item 6): the checkpoint must
//! satisfy the policy; every entry bundle must hash to its level-0 tile, every higher tile must
//! hold the subtree hashes the leaves give, the leaves must hash to the checkpoint's root, and
//! the first entries must still hash to the checkpoint the auditor saw last (history is never
//! rewritten). No I/O here: the caller fetches each path under the log's prefix.

use std::fmt;

use crate::log_entry::LogEntry;
use crate::merkle::{Hash, leaf_hash, root};
use crate::note::Checkpoint;
use crate::tiles::{TILE_WIDTH, tiles_for_size, unbundle};
use crate::tlog_policy::{CheckpointRefused, Policy};

/// Largest checkpoint read.
pub const MAX_CHECKPOINT_LEN: usize = crate::note::MAX_NOTE_LEN;
/// Largest entry bundle read (256 entries of at most 64 KiB each would be more; ours are about
/// 250 bytes).
pub const MAX_BUNDLE_LEN: usize = 4 * 1024 * 1024;

/// What an audit found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audited {
    /// The checkpoint, checked.
    pub checkpoint: Checkpoint,
    /// The witnesses (policy names) that cosigned it.
    pub witnesses: Vec<String>,
    /// The size the auditor held before (0 if none).
    pub old_size: u64,
}

/// Why a log failed its audit, or could not be audited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditError {
    /// A file could not be fetched.
    Fetch {
        /// Its path under the log's prefix.
        path: String,
        /// Why.
        reason: String,
    },
    /// The checkpoint does not satisfy the policy.
    Checkpoint(CheckpointRefused),
    /// The log is smaller than the checkpoint the auditor saw last.
    Shrunk {
        /// What was seen before.
        old: u64,
        /// What is published now.
        new: u64,
    },
    /// A tile or bundle is not what the tree needs; says which and what.
    Tile {
        /// Its path.
        path: String,
        /// What is wrong.
        what: String,
    },
    /// An entry is not a goodstanding log entry.
    Entry {
        /// Its index.
        index: u64,
    },
    /// The leaves do not hash to the checkpoint's root.
    Root,
    /// The first entries no longer hash to the checkpoint the auditor saw last: history was
    /// rewritten.
    Rewritten {
        /// The size seen before.
        old_size: u64,
    },
}

impl fmt::Display for AuditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Fetch { path, reason } => write!(f, "{path}: {reason}"),
            Self::Checkpoint(e) => e.fmt(f),
            Self::Shrunk { old, new } => write!(
                f,
                "the log has {new} entries, fewer than the {old} of the checkpoint seen last: \
                 it was truncated"
            ),
            Self::Tile { path, what } => write!(f, "{path}: {what}"),
            Self::Entry { index } => write!(f, "entry {index} is not a goodstanding log entry"),
            Self::Root => f.write_str(
                "the published entries do not hash to the checkpoint's root: the tiles were \
                 altered",
            ),
            Self::Rewritten { old_size } => write!(
                f,
                "the first {old_size} entries no longer hash to the checkpoint seen last: the \
                 log's history was rewritten"
            ),
        }
    }
}

impl std::error::Error for AuditError {}

/// A fetch whose failure is already an audit error.
type Getter<'a> = dyn FnMut(&str, usize) -> Result<Vec<u8>, AuditError> + 'a;

/// The hashes of `tile` (at `path`), which must be exactly its width.
fn tile_hashes(
    get: &mut Getter<'_>,
    tile: &crate::tiles::Tile,
    path: &str,
) -> Result<Vec<u8>, AuditError> {
    let hashes = get(path, TILE_WIDTH as usize * 32)?;
    if hashes.len() as u64 != tile.width * 32 {
        return Err(AuditError::Tile {
            path: path.to_string(),
            what: format!("{} bytes, not {}", hashes.len(), tile.width * 32),
        });
    }
    Ok(hashes)
}

/// Fetches a path under the log's prefix, at most `limit` bytes; why not, in words.
pub type FetchFn<'a> = dyn FnMut(&str, usize) -> Result<Vec<u8>, String> + 'a;

/// Audits the log: `fetch` returns the bytes at a path under its prefix (`checkpoint`,
/// `tile/0/000`, `tile/entries/000.p/5`, ...); `previous` is the (size, root) the auditor saw
/// last; `on_new` is called for each entry from that size on.
pub fn audit(
    policy: &Policy,
    fetch: &mut FetchFn<'_>,
    previous: Option<(u64, Hash)>,
    on_new: &mut dyn FnMut(u64, &LogEntry),
) -> Result<Audited, AuditError> {
    let mut get = |path: &str, limit: usize| {
        fetch(path, limit).map_err(|reason| AuditError::Fetch {
            path: path.to_string(),
            reason,
        })
    };
    let note = get("checkpoint", MAX_CHECKPOINT_LEN)?;
    let note = String::from_utf8(note).map_err(|_| AuditError::Tile {
        path: "checkpoint".into(),
        what: "not text".into(),
    })?;
    let (checkpoint, witnesses) = policy
        .check_checkpoint(&note)
        .map_err(AuditError::Checkpoint)?;
    let size = checkpoint.size;
    let (old_size, old_root) = previous.unwrap_or((0, root(&[])));
    if old_size > size {
        return Err(AuditError::Shrunk {
            old: old_size,
            new: size,
        });
    }
    let tiles = tiles_for_size(size);
    let mut leaves: Vec<Hash> = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    for tile in tiles.iter().filter(|t| t.level == 0) {
        let path = tile.path();
        let hashes = tile_hashes(&mut get, tile, &path)?;
        let bundle_path = tile.entries_path();
        let bundle = get(&bundle_path, MAX_BUNDLE_LEN)?;
        let entries = unbundle(&bundle).map_err(|e| AuditError::Tile {
            path: bundle_path.clone(),
            what: e.to_string(),
        })?;
        if entries.len() as u64 != tile.width {
            return Err(AuditError::Tile {
                path: bundle_path,
                what: format!("{} entries, not {}", entries.len(), tile.width),
            });
        }
        for (i, (entry, hash)) in entries.iter().zip(hashes.chunks_exact(32)).enumerate() {
            let index = tile.index * TILE_WIDTH + i as u64;
            let leaf = leaf_hash(entry);
            if leaf.as_slice() != hash {
                return Err(AuditError::Tile {
                    path: bundle_path,
                    what: format!("entry {index} does not hash to its leaf in {path}"),
                });
            }
            if index >= old_size {
                let decoded =
                    LogEntry::from_bytes(entry).map_err(|_| AuditError::Entry { index })?;
                on_new(index, &decoded);
            }
            leaves.push(leaf);
        }
    }
    // The higher tiles must hold the subtree hashes the leaves give.
    for tile in tiles.iter().filter(|t| t.level > 0) {
        let path = tile.path();
        let hashes = tile_hashes(&mut get, tile, &path)?;
        let span = 1usize << (8 * u32::from(tile.level));
        for (i, hash) in hashes.chunks_exact(32).enumerate() {
            let first = (tile.index as usize * TILE_WIDTH as usize + i) * span;
            let expected =
                leaves
                    .get(first..first + span)
                    .map(root)
                    .ok_or_else(|| AuditError::Tile {
                        path: path.clone(),
                        what: "covers leaves the log does not have".into(),
                    })?;
            if expected.as_slice() != hash {
                return Err(AuditError::Tile {
                    path: path.clone(),
                    what: format!("hash {i} is not the subtree its leaves give"),
                });
            }
        }
    }
    if root(&leaves) != checkpoint.root {
        return Err(AuditError::Root);
    }
    if root(&leaves[..old_size as usize]) != old_root {
        return Err(AuditError::Rewritten { old_size });
    }
    Ok(Audited {
        checkpoint,
        witnesses,
        old_size,
    })
}
