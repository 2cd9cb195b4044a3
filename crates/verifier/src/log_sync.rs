//! A verifier's copy of the transparency log (issue 25, item 5): what `trust update`, the
//! service's refresh and the web page keep, so that a `.jws` or a QR text, which carry no proof,
//! can be checked against the log offline.
//!
//! ```text
//! sync:  checkpoint (policy: log key + quorum)                      -> witnessed checkpoint
//!        entry bundles from the size held before (tile/entries/...)  -> new leaves
//!        compact range held + new leaves == checkpoint's root         -> consistent, kept
//! keep:  the checkpoint note, the compact range (one hash per set bit of the size), and per
//!        certificate entry one 184-byte record:
//!        u64 index | SHA-256 of the JWS (32) | subject tag (64) | tag proof (80)
//! check: the JWS's hash among the records -> in the log (the tag must be the subject's);
//!        absent, issued more than SYNC_MARGIN before the checkpoint was cosigned -> not in the
//!        log; absent but later -> not yet checkable
//! ```
//!
//! Every log of the policy is synced, each into a copy of its own: the log the policy names last
//! (written now) from `<site>/log/`, each earlier one (a log frozen when the issuer moved to a
//! new log key, kept for the certificates it holds) from `<site>/log/frozen/<key id>/`
//! ([`log_locations`]). A sync is bound to one log: a checkpoint of another log at its place is
//! refused, so a site cannot roll a copy back to a log that lacks the newer certificates. The
//! copies are kept together ([`copies_to_bytes`]; a copy kept by the release before, one log
//! alone, is still read). Only the new entries are fetched: the compact range stands for every
//! earlier leaf, so the root check proves that the log published now extends the one held (nothing
//! held was rewritten) without a consistency proof. Revocation entries are not kept (the revocation
//! list says the same, signed). Storage: 184 bytes per certificate plus the checkpoint, about 9 MB
//! for 50,000 certificates.

use std::fmt;

use crate::log_audit::{AuditError, FetchFn, MAX_BUNDLE_LEN, MAX_CHECKPOINT_LEN};
use crate::log_entry::LogEntry;
use crate::merkle::{Hash, leaf_hash, node_hash, root};
use crate::subject_tag::{PROOF_LEN, TAG_LEN};
use crate::tiles::{TILE_WIDTH, Tile, unbundle};
use crate::tlog_policy::{Policy, Witnessed};

/// The bytes of one certificate's record.
pub const RECORD_LEN: usize = 8 + 32 + TAG_LEN + PROOF_LEN;
/// How long (seconds) a certificate may have been signed before its entry was appended and
/// the issuer's and witnesses' clocks may differ: a certificate absent from a checkpoint
/// cosigned less than this after its issue time is "not yet checkable", not "not in the log".
pub const SYNC_MARGIN: u64 = 15 * 60;
/// The first bytes of a kept copy.
const MAGIC: &[u8] = b"goodstanding synced log v1\n";
/// The first bytes of the copies of every log of a policy, kept together.
const COPIES_MAGIC: &[u8] = b"goodstanding synced logs v2\n";

/// The hashes of the perfect subtrees that make up a tree, largest first: all a verifier needs
/// to extend the tree and compute its root (RFC 9162 section 2.1.1's recursion, folded).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompactRange {
    size: u64,
    subtrees: Vec<Hash>,
}

impl CompactRange {
    /// The range of an empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many leaves it stands for.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Adds a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut hash = leaf;
        let mut size = self.size;
        while size & 1 == 1 {
            match self.subtrees.pop() {
                Some(left) => hash = node_hash(&left, &hash),
                None => break,
            }
            size >>= 1;
        }
        self.subtrees.push(hash);
        self.size += 1;
    }

    /// The root of the tree.
    pub fn root(&self) -> Hash {
        let mut subtrees = self.subtrees.iter().rev();
        match subtrees.next() {
            None => root(&[]),
            Some(last) => subtrees.fold(*last, |right, left| node_hash(left, &right)),
        }
    }
}

/// A certificate the synced log holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedCertificate {
    /// Its entry's index.
    pub index: u64,
    /// The SHA-256 of its JWS.
    pub jws_sha256: [u8; 32],
    /// The entry's subject tag.
    pub tag: [u8; TAG_LEN],
    /// The tag's proof.
    pub tag_proof: [u8; PROOF_LEN],
}

/// A verifier's copy of the log, consistent with every checkpoint it held before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedLog {
    note: String,
    witnessed: Witnessed,
    range: CompactRange,
    records: Vec<u8>,
}

/// Why a kept copy could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncedLogError {
    /// Not a kept copy, or cut short.
    Malformed,
    /// Its checkpoint does not satisfy the trust list's policy (the log changed, or the copy
    /// was edited): sync again.
    Checkpoint(String),
    /// Its hashes do not give its checkpoint's root: it was edited.
    Root,
}

impl fmt::Display for SyncedLogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed => f.write_str("not a synced log, or cut short"),
            Self::Checkpoint(e) => write!(f, "its checkpoint is refused by the trust list: {e}"),
            Self::Root => f.write_str("its hashes do not give its checkpoint's root"),
        }
    }
}

impl std::error::Error for SyncedLogError {}

/// What a sync needs to fetch, once the checkpoint is known.
#[derive(Debug, Clone)]
pub struct SyncPlan {
    note: String,
    witnessed: Witnessed,
    /// The copy held, if it is of the same log.
    previous: Option<SyncedLog>,
    /// The entry bundles to fetch, in order (paths under the log's prefix).
    pub bundles: Vec<String>,
}

/// A completed sync.
#[derive(Debug, Clone)]
pub struct Synced {
    /// The copy now held.
    pub log: SyncedLog,
    /// The size of the copy held before (0 if none, or of another log).
    pub old_size: u64,
    /// How many certificate entries are new.
    pub new_certificates: u64,
}

impl SyncPlan {
    /// Starts a sync of the log named `origin` in `policy`: `note` is the checkpoint as
    /// fetched from where that log is published, `previous` the copy held (of any log: only a
    /// copy of this one is extended).
    pub fn new(
        policy: &Policy,
        origin: &str,
        note: &[u8],
        previous: Option<&SyncedLog>,
    ) -> Result<Self, AuditError> {
        let note = String::from_utf8(note.to_vec()).map_err(|_| AuditError::Tile {
            path: "checkpoint".into(),
            what: "not text".into(),
        })?;
        let witnessed = policy
            .witnessed_checkpoint(&note)
            .map_err(AuditError::Checkpoint)?;
        // A sync is bound to one log: a site serving a frozen log's checkpoint where the
        // current log belongs would otherwise stand in for the log that holds every newer
        // certificate.
        if witnessed.checkpoint.origin != origin {
            return Err(AuditError::Tile {
                path: "checkpoint".into(),
                what: format!(
                    "a checkpoint of log {}, not of log {origin} that is published there",
                    witnessed.checkpoint.origin
                ),
            });
        }
        let previous = previous
            .filter(|p| p.witnessed.checkpoint.origin == witnessed.checkpoint.origin)
            .cloned();
        let old_size = previous.as_ref().map_or(0, SyncedLog::size);
        let size = witnessed.checkpoint.size;
        if size < old_size {
            return Err(AuditError::Shrunk {
                old: old_size,
                new: size,
            });
        }
        let bundles = if size == old_size {
            Vec::new()
        } else {
            (old_size / TILE_WIDTH..size.div_ceil(TILE_WIDTH))
                .map(|index| {
                    Tile {
                        level: 0,
                        index,
                        width: (size - index * TILE_WIDTH).min(TILE_WIDTH),
                    }
                    .entries_path()
                })
                .collect()
        };
        Ok(Self {
            note,
            witnessed,
            previous,
            bundles,
        })
    }

    /// Completes the sync with the bundles fetched (one per path of [`SyncPlan::bundles`]).
    pub fn apply(self, fetched: &[Vec<u8>]) -> Result<Synced, AuditError> {
        let (mut range, mut records) = match &self.previous {
            Some(p) => (p.range.clone(), p.records.clone()),
            None => (CompactRange::new(), Vec::new()),
        };
        let old_size = range.size();
        let size = self.witnessed.checkpoint.size;
        let mut new_certificates = 0;
        if self.bundles.len() != fetched.len() {
            return Err(AuditError::Tile {
                path: "tile/entries".into(),
                what: format!(
                    "{} bundles given, {} needed",
                    fetched.len(),
                    self.bundles.len()
                ),
            });
        }
        for (path, bundle) in self.bundles.iter().zip(fetched) {
            let entries = unbundle(bundle).map_err(|e| AuditError::Tile {
                path: path.clone(),
                what: e.to_string(),
            })?;
            let first = range.size() - range.size() % TILE_WIDTH;
            let width = (size - first).min(TILE_WIDTH);
            if entries.len() as u64 != width {
                return Err(AuditError::Tile {
                    path: path.clone(),
                    what: format!("{} entries, not {width}", entries.len()),
                });
            }
            let held = usize::try_from(range.size() - first).unwrap_or(usize::MAX);
            for (offset, entry) in entries.iter().enumerate().skip(held) {
                let index = first + offset as u64;
                range.push(leaf_hash(entry));
                match LogEntry::from_bytes(entry).map_err(|_| AuditError::Entry { index })? {
                    LogEntry::Certificate {
                        jws_sha256,
                        tag,
                        tag_proof,
                        ..
                    } => {
                        records.extend_from_slice(&index.to_be_bytes());
                        records.extend_from_slice(&jws_sha256);
                        records.extend_from_slice(&tag);
                        records.extend_from_slice(&tag_proof);
                        new_certificates += 1;
                    }
                    LogEntry::Revocation { .. } | LogEntry::AuditAnchor { .. } => {}
                }
            }
        }
        if range.root() != self.witnessed.checkpoint.root {
            return Err(if old_size == 0 {
                AuditError::Root
            } else {
                AuditError::Rewritten { old_size }
            });
        }
        Ok(Synced {
            log: SyncedLog {
                note: self.note,
                witnessed: self.witnessed,
                range,
                records,
            },
            old_size,
            new_certificates,
        })
    }
}

/// Where each log of `policy` is published, relative to the issuer's `<site>/log/`: the log
/// written now (the policy's last) at `""`, each frozen one at `frozen/<key id>`
/// ([`crate::tiles::frozen_log_prefix`]). The log written now comes first.
pub fn log_locations(policy: &Policy) -> Vec<(String, String)> {
    let mut locations: Vec<(String, String)> = policy
        .logs
        .iter()
        .rev()
        .map(|log| {
            (
                log.key.name.clone(),
                crate::tiles::frozen_log_prefix(log.key.id),
            )
        })
        .collect();
    if let Some(current) = locations.first_mut() {
        current.1 = String::new();
    }
    locations
}

/// Syncs the copy `previous` (if any) with the log `origin` of `policy`, which `fetch` reads
/// (paths under its prefix).
pub fn sync(
    policy: &Policy,
    origin: &str,
    fetch: &mut FetchFn<'_>,
    previous: Option<&SyncedLog>,
) -> Result<Synced, AuditError> {
    let note = fetch("checkpoint", MAX_CHECKPOINT_LEN).map_err(|reason| AuditError::Fetch {
        path: "checkpoint".into(),
        reason,
    })?;
    let plan = SyncPlan::new(policy, origin, &note, previous)?;
    let bundles = plan
        .bundles
        .iter()
        .map(|path| {
            fetch(path, MAX_BUNDLE_LEN).map_err(|reason| AuditError::Fetch {
                path: path.clone(),
                reason,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    plan.apply(&bundles)
}

/// One record's fields (index | JWS hash | tag | proof).
fn record(bytes: &[u8]) -> Option<SyncedCertificate> {
    let (index, rest) = bytes.split_first_chunk::<8>()?;
    let (jws_sha256, rest) = rest.split_first_chunk::<32>()?;
    let (tag, proof) = rest.split_first_chunk::<TAG_LEN>()?;
    Some(SyncedCertificate {
        index: u64::from_be_bytes(*index),
        jws_sha256: *jws_sha256,
        tag: *tag,
        tag_proof: proof.try_into().ok()?,
    })
}

/// The copies of several logs, kept together (read back by [`copies_from_bytes`]): a header,
/// a count byte, then each copy's length (u64, big-endian) and bytes ([`SyncedLog::to_bytes`]).
pub fn copies_to_bytes(copies: &[SyncedLog]) -> Vec<u8> {
    let mut out = COPIES_MAGIC.to_vec();
    let copies = &copies[..copies.len().min(crate::tlog_policy::MAX_ENTRIES)];
    out.push(copies.len() as u8);
    for copy in copies {
        let bytes = copy.to_bytes();
        out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
        out.extend_from_slice(&bytes);
    }
    out
}

/// Reads copies kept by [`copies_to_bytes`], or the one copy the release before kept
/// ([`SyncedLog::to_bytes`]); each is checked as [`SyncedLog::from_bytes`] checks it. A copy of
/// a log the policy no longer names is left out; one that was edited fails the whole read.
pub fn copies_from_bytes(bytes: &[u8], policy: &Policy) -> Result<Vec<SyncedLog>, SyncedLogError> {
    let Some(rest) = bytes.strip_prefix(COPIES_MAGIC) else {
        return match SyncedLog::from_bytes(bytes, policy) {
            Ok(copy) => Ok(vec![copy]),
            Err(SyncedLogError::Checkpoint(_)) => Ok(Vec::new()),
            Err(e) => Err(e),
        };
    };
    let (count, mut rest) = rest.split_first().ok_or(SyncedLogError::Malformed)?;
    let mut copies: Vec<SyncedLog> = Vec::with_capacity(usize::from(*count));
    for _ in 0..*count {
        let (len, after) = rest
            .split_first_chunk::<8>()
            .ok_or(SyncedLogError::Malformed)?;
        let len =
            usize::try_from(u64::from_be_bytes(*len)).map_err(|_| SyncedLogError::Malformed)?;
        if after.len() < len {
            return Err(SyncedLogError::Malformed);
        }
        match SyncedLog::from_bytes(&after[..len], policy) {
            Ok(copy) => {
                let origin = &copy.witnessed.checkpoint.origin;
                if copies
                    .iter()
                    .any(|c| &c.witnessed.checkpoint.origin == origin)
                {
                    return Err(SyncedLogError::Malformed);
                }
                copies.push(copy);
            }
            Err(SyncedLogError::Checkpoint(_)) => {}
            Err(e) => return Err(e),
        }
        rest = &after[len..];
    }
    if !rest.is_empty() {
        return Err(SyncedLogError::Malformed);
    }
    Ok(copies)
}

impl SyncedLog {
    /// The log's origin.
    pub fn origin(&self) -> &str {
        &self.witnessed.checkpoint.origin
    }

    /// The checkpoint held.
    pub fn witnessed(&self) -> &Witnessed {
        &self.witnessed
    }

    /// The checkpoint's size.
    pub fn size(&self) -> u64 {
        self.witnessed.checkpoint.size
    }

    /// How many certificates it holds.
    pub fn certificates(&self) -> usize {
        self.records.len() / RECORD_LEN
    }

    /// The certificate whose JWS hashes to `jws_sha256`, if the log holds it.
    pub fn find(&self, jws_sha256: &[u8; 32]) -> Option<SyncedCertificate> {
        self.records
            .chunks_exact(RECORD_LEN)
            .find(|r| &r[8..40] == jws_sha256)
            .and_then(record)
    }

    /// Every certificate whose entry carries the subject tag `tag` (what a manager watching
    /// their name looks for), in log order.
    pub fn tagged(&self, tag: &[u8; TAG_LEN]) -> Vec<SyncedCertificate> {
        self.records
            .chunks_exact(RECORD_LEN)
            .filter(|r| &r[40..40 + TAG_LEN] == tag)
            .filter_map(record)
            .collect()
    }

    /// Whether `policy` (a new trust list's) still accepts the copy's checkpoint.
    pub fn accepted_by(&self, policy: &Policy) -> bool {
        policy.witnessed_checkpoint(&self.note).is_ok()
    }

    /// The copy as bytes, to keep (read back by [`SyncedLog::from_bytes`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&(self.note.len() as u32).to_be_bytes());
        out.extend_from_slice(self.note.as_bytes());
        out.push(self.range.subtrees.len() as u8);
        for hash in &self.range.subtrees {
            out.extend_from_slice(hash);
        }
        out.extend_from_slice(&self.records);
        out
    }

    /// Reads a kept copy, checking its checkpoint against `policy` and its hashes against the
    /// checkpoint's root.
    pub fn from_bytes(bytes: &[u8], policy: &Policy) -> Result<Self, SyncedLogError> {
        let bad = || SyncedLogError::Malformed;
        let rest = bytes.strip_prefix(MAGIC).ok_or_else(bad)?;
        let (len, rest) = rest.split_first_chunk::<4>().ok_or_else(bad)?;
        let len = u32::from_be_bytes(*len) as usize;
        if len > MAX_CHECKPOINT_LEN || rest.len() < len {
            return Err(bad());
        }
        let note = std::str::from_utf8(&rest[..len]).map_err(|_| bad())?;
        let (count, mut rest) = rest[len..].split_first().ok_or_else(bad)?;
        let witnessed = policy
            .witnessed_checkpoint(note)
            .map_err(|e| SyncedLogError::Checkpoint(e.to_string()))?;
        let size = witnessed.checkpoint.size;
        if u32::from(*count) != size.count_ones() {
            return Err(bad());
        }
        let mut subtrees = Vec::with_capacity(usize::from(*count));
        for _ in 0..*count {
            let (hash, after) = rest.split_first_chunk::<32>().ok_or_else(bad)?;
            subtrees.push(*hash);
            rest = after;
        }
        let range = CompactRange { size, subtrees };
        if range.root() != witnessed.checkpoint.root {
            return Err(SyncedLogError::Root);
        }
        if !rest.len().is_multiple_of(RECORD_LEN) {
            return Err(bad());
        }
        Ok(Self {
            note: note.to_string(),
            witnessed,
            range,
            records: rest.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use ed25519_dalek::Signer as _;

    use super::*;
    use crate::merkle::root;
    use crate::note::{Checkpoint, VerifierKey, signature_line};
    use crate::test_support::signing_key;
    use crate::tiles::{bundle, tiles_for_size};

    const ORIGIN: &str = "example.org/log";

    fn policy() -> Policy {
        let key = VerifierKey::new(ORIGIN, signing_key(7).verifying_key()).unwrap();
        Policy::parse(&format!("log {}\nquorum none\n", key.to_vkey())).unwrap()
    }

    fn entry(i: u64) -> Vec<u8> {
        LogEntry::Certificate {
            kid: "gs-1".into(),
            id: format!("{i:026}"),
            issued_at: 1_780_000_000 + i,
            jws_sha256: [i as u8; 32],
            period: "2026".into(),
            tag: [0; TAG_LEN],
            tag_proof: [0; PROOF_LEN],
        }
        .to_bytes()
        .unwrap()
    }

    /// The published files of a log of `entries`: its signed checkpoint and entry bundles.
    fn site(entries: &[Vec<u8>]) -> BTreeMap<String, Vec<u8>> {
        let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
        let text = Checkpoint {
            origin: ORIGIN.into(),
            size: entries.len() as u64,
            root: root(&leaves),
            extensions: Vec::new(),
        }
        .to_text();
        let key = signing_key(7);
        let id = crate::note::key_id(ORIGIN, key.verifying_key().as_bytes());
        let note = format!(
            "{text}\n{}",
            signature_line(ORIGIN, id, &key.sign(text.as_bytes()).to_bytes())
        );
        let mut files = BTreeMap::from([("checkpoint".to_string(), note.into_bytes())]);
        for tile in tiles_for_size(entries.len() as u64)
            .iter()
            .filter(|t| t.level == 0)
        {
            let first = (tile.index * TILE_WIDTH) as usize;
            let width = tile.width as usize;
            files.insert(
                tile.entries_path(),
                bundle(&entries[first..first + width]).unwrap(),
            );
        }
        files
    }

    fn sync_from(
        files: &BTreeMap<String, Vec<u8>>,
        previous: Option<&SyncedLog>,
    ) -> (Result<Synced, AuditError>, Vec<String>) {
        let mut fetched = Vec::new();
        let mut fetch = |path: &str, _limit: usize| {
            fetched.push(path.to_string());
            files
                .get(path)
                .cloned()
                .ok_or_else(|| "not found".to_string())
        };
        let synced = sync(&policy(), ORIGIN, &mut fetch, previous);
        (synced, fetched)
    }

    #[test]
    fn a_sync_fetches_only_new_bundles_and_finds_each_certificate() {
        let entries: Vec<Vec<u8>> = (0..600).map(entry).collect();
        let (first, fetched) = sync_from(&site(&entries[..300]), None);
        let first = first.unwrap();
        assert_eq!(fetched.len(), 3, "checkpoint and two bundles: {fetched:?}");
        assert_eq!((first.old_size, first.new_certificates), (0, 300));
        // Kept and read back.
        let kept = SyncedLog::from_bytes(&first.log.to_bytes(), &policy()).unwrap();
        assert_eq!(kept, first.log);
        let (second, fetched) = sync_from(&site(&entries), Some(&kept));
        let second = second.unwrap();
        assert_eq!(
            fetched,
            ["checkpoint", "tile/entries/001", "tile/entries/002.p/88"],
            "from the partial bundle held on"
        );
        assert_eq!((second.old_size, second.new_certificates), (300, 300));
        assert_eq!(second.log.certificates(), 600);
        let found = second.log.find(&[45; 32]).unwrap();
        assert_eq!(found.index, 45);
        assert_eq!(second.log.tagged(&[0; TAG_LEN]).len(), 600);
        assert!(second.log.tagged(&[1; TAG_LEN]).is_empty());
        assert!(second.log.find(&[255; 32]).is_some());
        let mut absent = [1; 32];
        absent[31] = 2;
        assert!(second.log.find(&absent).is_none());
    }

    #[test]
    fn a_rewritten_or_truncated_history_is_refused() {
        let entries: Vec<Vec<u8>> = (0..10).map(entry).collect();
        let held = sync_from(&site(&entries), None).0.unwrap().log;
        // The same first ten entries, one altered, and two more: a fork.
        let mut forked = entries.clone();
        forked[3] = entry(99);
        forked.extend((10..12).map(entry));
        let (refused, _) = sync_from(&site(&forked), Some(&held));
        assert_eq!(refused.unwrap_err(), AuditError::Rewritten { old_size: 10 });
        // Same size, another root.
        let (refused, _) = sync_from(&site(&forked[..10]), Some(&held));
        assert_eq!(refused.unwrap_err(), AuditError::Rewritten { old_size: 10 });
        let (refused, _) = sync_from(&site(&entries[..8]), Some(&held));
        assert_eq!(refused.unwrap_err(), AuditError::Shrunk { old: 10, new: 8 });
    }

    #[test]
    fn each_log_of_the_policy_syncs_into_a_copy_of_its_own_and_only_from_its_place() {
        let frozen = VerifierKey::new(ORIGIN, signing_key(7).verifying_key()).unwrap();
        let current = VerifierKey::new("example.org/log2", signing_key(8).verifying_key()).unwrap();
        let both = Policy::parse(&format!(
            "log {}\nlog {}\nquorum none\n",
            frozen.to_vkey(),
            current.to_vkey()
        ))
        .unwrap();
        assert_eq!(
            log_locations(&both),
            [
                ("example.org/log2".to_string(), String::new()),
                (ORIGIN.to_string(), format!("frozen/{:08x}", frozen.id)),
            ],
            "the log written now first, at the prefix itself"
        );
        let files = site(&(0..3).map(entry).collect::<Vec<_>>());
        let mut fetch = |path: &str, _limit: usize| {
            files
                .get(path)
                .cloned()
                .ok_or_else(|| "not found".to_string())
        };
        // The frozen log's checkpoint where the current log belongs is refused...
        let refused = sync(&both, "example.org/log2", &mut fetch, None).unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("not of log example.org/log2 that is published there"),
            "{refused}"
        );
        // ...and synced as the frozen log's own copy.
        let copy = sync(&both, ORIGIN, &mut fetch, None).unwrap().log;
        assert_eq!((copy.origin(), copy.certificates()), (ORIGIN, 3));
        // Copies kept together read back; one of a log the policy dropped is left out.
        let bytes = copies_to_bytes(std::slice::from_ref(&copy));
        assert_eq!(
            copies_from_bytes(&bytes, &both).unwrap(),
            std::slice::from_ref(&copy)
        );
        let only_current =
            Policy::parse(&format!("log {}\nquorum none\n", current.to_vkey())).unwrap();
        assert!(copies_from_bytes(&bytes, &only_current).unwrap().is_empty());
        // The one copy the release before kept is still read.
        assert_eq!(
            copies_from_bytes(&copy.to_bytes(), &both).unwrap(),
            std::slice::from_ref(&copy)
        );
        // Two copies of one log, or a copy cut short, are refused.
        let twice = copies_to_bytes(&[copy.clone(), copy.clone()]);
        assert_eq!(
            copies_from_bytes(&twice, &both),
            Err(SyncedLogError::Malformed)
        );
        assert_eq!(
            copies_from_bytes(&bytes[..bytes.len() - 1], &both),
            Err(SyncedLogError::Malformed)
        );
    }

    #[test]
    fn a_kept_copy_edited_or_of_another_log_is_refused() {
        let entries: Vec<Vec<u8>> = (0..5).map(entry).collect();
        let held = sync_from(&site(&entries), None).0.unwrap().log;
        let mut bytes = held.to_bytes();
        let hashes_at = MAGIC.len() + 4 + held.note.len() + 1;
        bytes[hashes_at] ^= 1;
        assert_eq!(
            SyncedLog::from_bytes(&bytes, &policy()),
            Err(SyncedLogError::Root)
        );
        let other = VerifierKey::new(ORIGIN, signing_key(8).verifying_key()).unwrap();
        let other = Policy::parse(&format!("log {}\nquorum none\n", other.to_vkey())).unwrap();
        assert!(matches!(
            SyncedLog::from_bytes(&held.to_bytes(), &other),
            Err(SyncedLogError::Checkpoint(_))
        ));
        assert_eq!(
            SyncedLog::from_bytes(&held.to_bytes()[..40], &policy()),
            Err(SyncedLogError::Malformed)
        );
    }

    #[test]
    fn a_compact_range_gives_the_root_of_every_size() {
        let leaves: Vec<Hash> = (0u32..70).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut range = CompactRange::new();
        assert_eq!(range.root(), root(&[]));
        for (n, leaf) in leaves.iter().enumerate() {
            range.push(*leaf);
            assert_eq!(range.root(), root(&leaves[..=n]), "size {}", n + 1);
            assert_eq!(range.subtrees.len() as u32, (n as u64 + 1).count_ones());
        }
    }
}
