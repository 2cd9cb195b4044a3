//! A verifier's trust folder: the pinned root public keys and the cached, signed lists.
//!
//! ```text
//! DIR/roots/*.jwk        root public keys, pinned (obtained out of band, never fetched)
//! DIR/trust-cache.json   the last trust list and revocation list fetched, as signed, with
//!                        where and when they were fetched; replaced atomically
//! ```
//!
//! The lists are kept as the signed bytes and verified again every time they are loaded, so a
//! cache edited on disk is refused like a tampered download. An update is refused if either list
//! is older than the cached one (a lower sequence number: rollback), or differs from it under the
//! same sequence number.

use std::fmt;
use std::path::{Path, PathBuf};

use goodstanding_verifier::lists::{
    MAX_REVOCATION_LIST_LEN, MAX_TRUST_LIST_LEN, RevocationList, TrustList,
};
use goodstanding_verifier::{ListError, PublicJwk, Timestamp, TrustData, TrustStore};
use serde::{Deserialize, Serialize};

use goodstanding_files::{self as files, WriteMode};

/// The folder of pinned root keys inside a trust folder.
pub const ROOTS_DIR: &str = "roots";
/// The cache file inside a trust folder.
pub const CACHE_FILE: &str = "trust-cache.json";
/// Largest root key file read.
const MAX_ROOT_FILE_LEN: u64 = 16 * 1024;

/// The cache file's content.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CacheFile {
    cache_version: u32,
    source: String,
    fetched_at: Timestamp,
    trust_list: String,
    revocation_list: String,
}

/// Why a trust folder could not be used or updated.
#[derive(Debug)]
pub enum TrustCacheError {
    /// A file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// What happened.
        source: std::io::Error,
    },
    /// No pinned root key.
    NoRoots(PathBuf),
    /// A root key file is not a public JWK.
    BadRoot {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The folder holds issuing keys (`*.jwk`) but no `roots/`: the layout before trust lists.
    OldLayout(PathBuf),
    /// Nothing has been fetched into the folder yet.
    NoCache(PathBuf),
    /// The cache file is unreadable.
    BadCache {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The trust list was refused.
    TrustList(ListError),
    /// The revocation list was refused.
    RevocationList(ListError),
    /// The published chain of root handovers was refused.
    Handover(goodstanding_verifier::root_handover::HandoverError),
    /// A list is older than the cached one, or differs from it under the same sequence number.
    Rollback {
        /// Which list.
        list: &'static str,
        /// The cached sequence number.
        cached: u64,
        /// The fetched one.
        fetched: u64,
    },
}

impl fmt::Display for TrustCacheError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Self::NoRoots(dir) => write!(
                f,
                "{}: no pinned root key (*.jwk): put the issuing body's root public key there, \
                 obtained from it out of band, or pass --root ROOT.pub.jwk to `goodstanding \
                 trust update`",
                dir.display()
            ),
            Self::BadRoot { path, reason } => write!(f, "{}: {reason}", path.display()),
            Self::OldLayout(dir) => write!(
                f,
                "{}: holds issuing keys (*.jwk) but no roots/ folder. Certificates are now \
                 trusted through the issuer's root-signed trust list: put the root public key in \
                 {}/roots/ and run `goodstanding trust update --from URL --trust {}`",
                dir.display(),
                dir.display(),
                dir.display()
            ),
            Self::NoCache(dir) => write!(
                f,
                "{}: no trust list fetched yet: run `goodstanding trust update --from URL --trust \
                 {}` (URL: where the issuing body publishes its lists)",
                dir.display(),
                dir.display()
            ),
            Self::BadCache { path, reason } => write!(
                f,
                "{}: unreadable ({reason}); run `goodstanding trust update` again",
                path.display()
            ),
            Self::TrustList(e) => write!(f, "trust list refused: {e}"),
            Self::Handover(e) => write!(f, "{e}; the pinned roots were left as they were"),
            Self::RevocationList(e) => write!(f, "revocation list refused: {e}"),
            Self::Rollback {
                list,
                cached,
                fetched,
            } if fetched < cached => write!(
                f,
                "{list} refused: it is number {fetched}, older than number {cached} already \
                 held (a rollback: the server is out of date or an attacker replays an old list)"
            ),
            Self::Rollback { list, cached, .. } => write!(
                f,
                "{list} refused: it differs from the list number {cached} already held but has \
                 the same number (the issuing body signed two different lists, or its key is \
                 misused): report this to the issuing body"
            ),
        }
    }
}

impl std::error::Error for TrustCacheError {}

/// What a loaded trust folder holds, besides the trust store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheInfo {
    /// Where the lists were fetched from.
    pub source: String,
    /// When.
    pub fetched_at: Timestamp,
    /// The trust list's sequence number and issue time.
    pub trust_list: (u64, Timestamp),
    /// The revocation list's sequence number, issue time and next update.
    pub revocation_list: (u64, Timestamp, Timestamp),
    /// The synced copy of the transparency log written now, if any.
    pub log: Option<crate::log::HeldLog>,
    /// The synced copies of frozen logs the policy names (logs the issuer wrote before it
    /// moved to a new log key).
    pub frozen_logs: Vec<crate::log::HeldLog>,
    /// Why a synced copy that is there is not used (the trust list names another log, or the
    /// copy is damaged).
    pub log_unusable: Option<String>,
}

impl CacheInfo {
    /// What a verdict at `at` rests on: the lists `store` (loaded from this cache) holds, with
    /// where and when they were fetched.
    pub fn trust_data(&self, store: &TrustStore, at: Timestamp) -> TrustData {
        TrustData::new(store, &self.source, Some(self.fetched_at), at)
    }
}

/// The default trust folder, `trust` in goodstanding's data directory (`None` if neither
/// `XDG_DATA_HOME` nor `HOME` is set).
pub fn default_dir() -> Option<PathBuf> {
    goodstanding_files::data_dir().map(|dir| dir.join("trust"))
}

/// The pinned root keys of a trust folder.
pub fn load_roots(dir: &Path) -> Result<TrustStore, TrustCacheError> {
    let roots_dir = dir.join(ROOTS_DIR);
    if !roots_dir.is_dir() {
        if jwk_files(dir).is_ok_and(|f| !f.is_empty()) {
            return Err(TrustCacheError::OldLayout(dir.to_path_buf()));
        }
        return Err(TrustCacheError::NoRoots(roots_dir));
    }
    let mut store = TrustStore::new();
    for path in jwk_files(&roots_dir)? {
        let jwk = read_jwk(&path)?;
        store.add(jwk).map_err(|e| TrustCacheError::BadRoot {
            path: path.clone(),
            reason: e.to_string(),
        })?;
    }
    if store.is_empty() {
        return Err(TrustCacheError::NoRoots(roots_dir));
    }
    Ok(store)
}

/// Reads a public JWK file.
pub fn read_jwk(path: &Path) -> Result<PublicJwk, TrustCacheError> {
    let bytes =
        files::read_capped(path, MAX_ROOT_FILE_LEN).map_err(|source| TrustCacheError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    let text = String::from_utf8_lossy(&bytes);
    if text.contains("-----BEGIN") {
        // Never a key file's text in the message: it may be a private key.
        let beside = path.file_name().map(|n| n.to_string_lossy()).and_then(|n| {
            n.strip_suffix(".key.pem")
                .map(|stem| format!("{stem}.pub.jwk"))
        });
        return Err(TrustCacheError::BadRoot {
            path: path.to_path_buf(),
            reason: format!(
                "this is a PEM key file (a private key: keep it where it is), not a public key; \
                 give the public key in JWK form, {}",
                beside.map_or_else(
                    || "the .pub.jwk file keygen wrote beside it".to_string(),
                    |name| format!("{name} beside it")
                )
            ),
        });
    }
    PublicJwk::from_json(&text).map_err(|e| TrustCacheError::BadRoot {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

fn jwk_files(dir: &Path) -> Result<Vec<PathBuf>, TrustCacheError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| TrustCacheError::Io {
            path: dir.to_path_buf(),
            source,
        })?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "jwk"))
        .collect();
    files.sort();
    Ok(files)
}

fn read_cache(dir: &Path) -> Result<Option<CacheFile>, TrustCacheError> {
    let path = dir.join(CACHE_FILE);
    let limit = (MAX_TRUST_LIST_LEN + MAX_REVOCATION_LIST_LEN + 64 * 1024) as u64;
    let bytes = match files::read_capped(&path, limit) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(TrustCacheError::Io { path, source }),
    };
    let cache: CacheFile =
        serde_json::from_slice(&bytes).map_err(|e| TrustCacheError::BadCache {
            path: path.clone(),
            reason: e.to_string(),
        })?;
    if cache.cache_version != 1 {
        return Err(TrustCacheError::BadCache {
            path,
            reason: format!("cache version {}", cache.cache_version),
        });
    }
    Ok(Some(cache))
}

/// Verifies the two signed lists: the trust list with the roots, the revocation list with the
/// keys of the trust list. Returns the trust store with the revocation list in it.
pub fn verify_lists(
    roots: &TrustStore,
    trust_list: &[u8],
    revocation_list: &[u8],
) -> Result<(TrustList, TrustStore), TrustCacheError> {
    let trust = TrustList::verify(trust_list, roots).map_err(TrustCacheError::TrustList)?;
    let mut store = trust.to_store();
    let revocations =
        RevocationList::verify(revocation_list, &store).map_err(TrustCacheError::RevocationList)?;
    store.set_revocations(revocations);
    Ok((trust, store))
}

/// Loads a trust folder: verifies the cached lists with the pinned roots and returns the trust
/// store (issuing keys with their periods, and the revocation list).
pub fn load(dir: &Path) -> Result<(TrustStore, CacheInfo), TrustCacheError> {
    let roots = load_roots(dir)?;
    let cache = read_cache(dir)?.ok_or_else(|| TrustCacheError::NoCache(dir.to_path_buf()))?;
    let (_, mut store) = verify_lists(
        &roots,
        cache.trust_list.as_bytes(),
        cache.revocation_list.as_bytes(),
    )?;
    let mut info = info(&cache, &store);
    match crate::log::read_synced(dir, &store) {
        Ok(copies) => {
            for copy in copies {
                store.set_synced_log(copy);
            }
            info.log = store.synced_log().map(crate::log::HeldLog::of);
            info.frozen_logs = crate::log::frozen_held(&store);
        }
        Err(why) => info.log_unusable = Some(why),
    }
    Ok((store, info))
}

fn info(cache: &CacheFile, store: &TrustStore) -> CacheInfo {
    let revocations = store.revocations().map(|r| &r.content);
    CacheInfo {
        log: None,
        frozen_logs: Vec::new(),
        log_unusable: None,
        source: cache.source.clone(),
        fetched_at: cache.fetched_at,
        trust_list: store.trust_list().unwrap_or((0, cache.fetched_at)),
        revocation_list: revocations.map_or((0, cache.fetched_at, cache.fetched_at), |r| {
            (r.sequence, r.issued_at, r.next_update)
        }),
    }
}

/// What an update did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Updated {
    /// What the folder holds now.
    pub now_held: CacheInfo,
    /// What it held before, if its cache was readable.
    pub before: Option<CacheInfo>,
    /// Why the previous cache was ignored, if it was unreadable.
    pub previous_unreadable: Option<String>,
    /// The root handovers followed (old root, new root, when), oldest first: the new root is
    /// pinned now, and the old ones were moved to `roots/replaced/`.
    pub handed_over: Vec<(String, String, Timestamp)>,
}

/// Replaces the cache of `dir` with freshly fetched lists, after verifying them with the pinned
/// roots (plus `new_roots`, which are pinned too if the update succeeds), or with the root that
/// a chain of `handovers` (as published) leads to from them, and checking that neither list is
/// older than what is held. On any error the folder is unchanged.
pub fn update(
    dir: &Path,
    new_roots: &[PublicJwk],
    (source, fetched_at): (&str, Timestamp),
    trust_list: &[u8],
    revocation_list: &[u8],
    handovers: Option<&[u8]>,
) -> Result<Updated, TrustCacheError> {
    let mut roots = match load_roots(dir) {
        Ok(roots) => roots,
        Err(TrustCacheError::NoRoots(_)) if !new_roots.is_empty() => TrustStore::new(),
        Err(e) => return Err(e),
    };
    for root in new_roots {
        roots
            .add(root.clone())
            .map_err(|e| TrustCacheError::BadRoot {
                path: dir.join(ROOTS_DIR),
                reason: e.to_string(),
            })?;
    }
    let pinned = roots.clone();
    let chain = handovers
        .map(goodstanding_verifier::root_handover::read_chain)
        .transpose()
        .map_err(TrustCacheError::Handover)?
        .unwrap_or_default();
    // The roots handed over are trusted no more; the last one taken over is.
    let followed = match goodstanding_verifier::root_handover::roots_after(&pinned, &chain)
        .map_err(|e| TrustCacheError::BadRoot {
            path: dir.join(ROOTS_DIR),
            reason: e.to_string(),
        })? {
        Some((after, followed)) => {
            roots = after;
            followed
        }
        None => &[],
    };
    let (trust, store) = verify_lists(&roots, trust_list, revocation_list)?;
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).trim().to_string();
    let fresh = CacheFile {
        cache_version: 1,
        source: source.to_string(),
        fetched_at,
        trust_list: text(trust_list),
        revocation_list: text(revocation_list),
    };

    let (before, previous_unreadable) = match previous(dir, &pinned) {
        Ok(before) => (before, None),
        Err(e) => (None, Some(e.to_string())),
    };
    if let Some((old_cache, old_store)) = &before {
        let old_trust = old_store.trust_list().map_or(0, |t| t.0);
        check_not_older(
            "trust list",
            old_trust,
            &old_cache.trust_list,
            trust.content.sequence,
            &fresh.trust_list,
        )?;
        let old_revocations = old_store.revocations().map_or(0, |r| r.content.sequence);
        let new_revocations = store.revocations().map_or(0, |r| r.content.sequence);
        check_not_older(
            "revocation list",
            old_revocations,
            &old_cache.revocation_list,
            new_revocations,
            &fresh.revocation_list,
        )?;
    }

    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| TrustCacheError::Io { path, source }
    };
    let roots_dir = dir.join(ROOTS_DIR);
    std::fs::create_dir_all(&roots_dir).map_err(io(&roots_dir))?;
    for root in new_roots {
        let path = roots_dir.join(format!("{}.jwk", root.kid));
        files::write_atomic(
            &path,
            format!("{}\n", root.to_json()).as_bytes(),
            WriteMode::Replace,
            false,
        )
        .map_err(io(&path))?;
    }
    let cache_path = dir.join(CACHE_FILE);
    let json = serde_json::to_vec_pretty(&fresh).map_err(|e| TrustCacheError::BadCache {
        path: cache_path.clone(),
        reason: e.to_string(),
    })?;
    files::write_atomic(&cache_path, &json, WriteMode::Replace, false).map_err(io(&cache_path))?;
    files::sync_dir(dir).map_err(io(dir))?;
    pin_handed_over(&roots_dir, followed)?;
    Ok(Updated {
        now_held: info(&fresh, &store),
        before: before.map(|(cache, store)| info(&cache, &store)),
        previous_unreadable,
        handed_over: followed
            .iter()
            .map(|h| (h.from.kid.to_string(), h.to.kid.to_string(), h.issued_at))
            .collect(),
    })
}

/// The folder of roots handed over, inside `roots/`.
pub const REPLACED_DIR: &str = "replaced";

/// Pins the root the handovers lead to, and moves the roots they hand over from to
/// `roots/replaced/`.
fn pin_handed_over(
    roots_dir: &Path,
    followed: &[goodstanding_verifier::root_handover::Handover],
) -> Result<(), TrustCacheError> {
    let Some(last) = followed.last() else {
        return Ok(());
    };
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| TrustCacheError::Io { path, source }
    };
    let pinned = roots_dir.join(format!("{}.jwk", last.to.kid));
    files::write_atomic(
        &pinned,
        format!("{}\n", last.to.to_json()).as_bytes(),
        WriteMode::Replace,
        false,
    )
    .map_err(io(&pinned))?;
    let replaced = roots_dir.join(REPLACED_DIR);
    for path in jwk_files(roots_dir)? {
        let Ok(jwk) = read_jwk(&path) else { continue };
        if followed.iter().any(|h| h.from.kid == jwk.kid) && jwk.kid != last.to.kid {
            std::fs::create_dir_all(&replaced).map_err(io(&replaced))?;
            let to = replaced.join(path.file_name().unwrap_or_default());
            std::fs::rename(&path, &to).map_err(io(&path))?;
        }
    }
    files::sync_dir(roots_dir).map_err(io(roots_dir))
}

/// The current cache, verified with `roots`; `None` if there is none.
fn previous(
    dir: &Path,
    roots: &TrustStore,
) -> Result<Option<(CacheFile, TrustStore)>, TrustCacheError> {
    let Some(cache) = read_cache(dir)? else {
        return Ok(None);
    };
    let (_, store) = verify_lists(
        roots,
        cache.trust_list.as_bytes(),
        cache.revocation_list.as_bytes(),
    )?;
    Ok(Some((cache, store)))
}

fn check_not_older(
    list: &'static str,
    cached: u64,
    cached_text: &str,
    fetched: u64,
    fetched_text: &str,
) -> Result<(), TrustCacheError> {
    if goodstanding_verifier::lists::is_rollback(cached, cached_text, fetched, fetched_text) {
        return Err(TrustCacheError::Rollback {
            list,
            cached,
            fetched,
        });
    }
    Ok(())
}

/// What a trust folder holds, verified, for bundling with the web page: the root keys and the
/// two lists as signed.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The pinned root public keys.
    pub roots: Vec<PublicJwk>,
    /// The trust list, as signed.
    pub trust_list: String,
    /// The revocation list, as signed.
    pub revocation_list: String,
    /// Where and when they came from.
    pub info: CacheInfo,
}

/// The verified content of a trust folder, for bundling.
pub fn bundle(dir: &Path) -> Result<Bundle, TrustCacheError> {
    let root_store = load_roots(dir)?;
    let cache = read_cache(dir)?.ok_or_else(|| TrustCacheError::NoCache(dir.to_path_buf()))?;
    let (_, store) = verify_lists(
        &root_store,
        cache.trust_list.as_bytes(),
        cache.revocation_list.as_bytes(),
    )?;
    let info = info(&cache, &store);
    let roots = root_store
        .kids()
        .filter_map(|kid| {
            root_store.get(kid.as_str()).map(|key| PublicJwk {
                kid: kid.clone(),
                key: *key,
            })
        })
        .collect();
    Ok(Bundle {
        roots,
        trust_list: cache.trust_list,
        revocation_list: cache.revocation_list,
        info,
    })
}

#[cfg(test)]
mod tests;
