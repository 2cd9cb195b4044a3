//! `c2sp.org/tlog-tiles`: where a transparency log's Merkle tree and entries are published as
//! static files (issue 25, item 1), and the bundles its entries travel in.
//!
//! ```text
//! <prefix>/tile/<L>/<N>[.p/<W>]          256 hashes (8,192 bytes), or W in a partial tile
//! <prefix>/tile/entries/<N>[.p/<W>]      entries, each a big-endian u16 length then its bytes
//! N as 3-digit groups, all but the last with an x: 1234067 -> x001/x234/067
//! ```
//!
//! An issuer publishes the log it writes now at `<site>/log/`, and each log it froze when it
//! moved to a new log key under that, at `<site>/log/frozen/<key id>/` ([`frozen_log_prefix`]).

/// Where a frozen log is published, under the prefix of the log written now: `frozen/` and its
/// key id (the signed-note key id, 8 lower-case hex digits), such as `frozen/1a9d9749`.
pub fn frozen_log_prefix(key_id: u32) -> String {
    format!("frozen/{key_id:08x}")
}

/// Hashes in a full tile.
pub const TILE_WIDTH: u64 = 256;

/// One tile of a tree: its level, index and width (256 when full).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tile {
    /// The level (0: leaf hashes).
    pub level: u8,
    /// The index within the level.
    pub index: u64,
    /// How many hashes it holds (1 to 256).
    pub width: u64,
}

/// `N` as path elements: zero-padded groups of three digits, all but the last with an `x`.
fn index_path(index: u64) -> String {
    let digits = index.to_string();
    let padded = format!("{}{digits}", "0".repeat((3 - digits.len() % 3) % 3));
    let groups: Vec<&str> = (0..padded.len())
        .step_by(3)
        .map(|i| &padded[i..i + 3])
        .collect();
    let last = groups.len() - 1;
    groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            if i < last {
                format!("x{g}")
            } else {
                (*g).to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

impl Tile {
    /// Its path under the log's prefix: `tile/<L>/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        format!(
            "tile/{}/{}{}",
            self.level,
            index_path(self.index),
            self.partial()
        )
    }

    /// The path of the entry bundle of this level 0 tile: `tile/entries/<N>[.p/<W>]`.
    pub fn entries_path(&self) -> String {
        format!("tile/entries/{}{}", index_path(self.index), self.partial())
    }

    fn partial(&self) -> String {
        if self.width < TILE_WIDTH {
            format!(".p/{}", self.width)
        } else {
            String::new()
        }
    }
}

/// The tiles that hold a tree of `size` leaves: every full tile and the partial tile of each
/// level that has one, lowest level first.
pub fn tiles_for_size(size: u64) -> Vec<Tile> {
    let mut tiles = Vec::new();
    let mut level = 0u8;
    // Hashes at this level: one per 256^level leaves.
    let mut hashes = size;
    while hashes > 0 {
        let full = hashes / TILE_WIDTH;
        tiles.extend((0..full).map(|index| Tile {
            level,
            index,
            width: TILE_WIDTH,
        }));
        let partial = hashes % TILE_WIDTH;
        if partial > 0 {
            tiles.push(Tile {
                level,
                index: full,
                width: partial,
            });
        }
        hashes = full;
        level += 1;
    }
    tiles
}

/// Why an entry bundle was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleError {
    /// It ends inside an entry's length or bytes.
    Truncated,
    /// More entries than a tile holds.
    TooMany,
}

impl std::fmt::Display for BundleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Truncated => "the entry bundle ends inside an entry",
            Self::TooMany => "the entry bundle holds more than 256 entries",
        })
    }
}

impl std::error::Error for BundleError {}

/// An entry bundle of `entries` (each at most 65,535 bytes; longer ones are `None`).
pub fn bundle(entries: &[Vec<u8>]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for entry in entries {
        out.extend_from_slice(&u16::try_from(entry.len()).ok()?.to_be_bytes());
        out.extend_from_slice(entry);
    }
    Some(out)
}

/// The entries of a bundle.
pub fn unbundle(mut bytes: &[u8]) -> Result<Vec<Vec<u8>>, BundleError> {
    let mut entries = Vec::new();
    while !bytes.is_empty() {
        if entries.len() as u64 == TILE_WIDTH {
            return Err(BundleError::TooMany);
        }
        let (length, rest) = bytes
            .split_first_chunk::<2>()
            .ok_or(BundleError::Truncated)?;
        let length = usize::from(u16::from_be_bytes(*length));
        if rest.len() < length {
            return Err(BundleError::Truncated);
        }
        entries.push(rest[..length].to_vec());
        bytes = &rest[length..];
    }
    Ok(entries)
}
