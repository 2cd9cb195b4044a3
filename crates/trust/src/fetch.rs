//! Fetching the published lists from where the issuing body publishes them (an `http(s)://` base
//! URL, or a local folder with the same files), capped in size and time, and updating a trust
//! folder with them.
//!
//! ```text
//! --from text -> Source::parse -> fetch_lists (trust-list-v3.jws, else -v2, else trust-list.jws;
//!     revocation-list.jws; capped)
//!     -> folder::update (verified with the pinned roots, no rollback, atomic replace)
//! ```

use std::fmt;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use goodstanding_verifier::lists::{
    MAX_REVOCATION_LIST_LEN, MAX_TRUST_LIST_LEN, REVOCATION_LIST_FILE, TRUST_LIST_FILE,
    TRUST_LIST_V2_FILE, TRUST_LIST_V3_FILE,
};
use goodstanding_verifier::root_handover::{HANDOVERS_FILE, MAX_HANDOVERS_LEN};
use goodstanding_verifier::{PublicJwk, Timestamp};

use crate::folder::{self, TrustCacheError, Updated};

/// Most time a fetch of one list may take.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(30);
/// Most time connecting may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the lists are published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A base URL: the lists are `<url>/trust-list-v2.jws` (or, from a site that publishes
    /// version 1 only, `<url>/trust-list.jws`) and `<url>/revocation-list.jws`.
    Url(String),
    /// A local folder holding the same files (recorded by its full path).
    Folder(PathBuf),
}

/// Why the lists could not be fetched, or the trust folder not updated.
#[derive(Debug)]
pub enum FetchError {
    /// `--from` is neither an `http(s)://` URL nor an existing folder.
    NotASource(String),
    /// The HTTP client could not be set up.
    Client(String),
    /// The server could not be reached, or the download broke off.
    Unreachable {
        /// The URL.
        url: String,
        /// What happened, with its causes.
        reason: String,
    },
    /// The server answered with an error status.
    Status {
        /// The URL.
        url: String,
        /// The status, as the server sent it.
        status: String,
        /// Its code.
        code: u16,
    },
    /// A list is larger than any genuine one.
    TooLarge {
        /// The URL or file.
        location: String,
        /// The cap.
        limit: usize,
    },
    /// A file of a local folder could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// What happened.
        error: std::io::Error,
    },
    /// The lists were fetched but refused, or the folder could not be written.
    Folder(TrustCacheError),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotASource(from) => {
                write!(f, "--from {from:?}: neither an http(s):// URL nor a folder")
            }
            Self::Client(e) => write!(f, "cannot start the HTTP client: {e}"),
            Self::Unreachable { url, reason } => write!(f, "{url}: {reason}"),
            Self::Status { url, status, .. } => write!(f, "{url}: the server answered {status}"),
            Self::TooLarge { location, limit } => {
                write!(f, "{location}: larger than {limit} bytes; refused")
            }
            Self::Read { path, error } => write!(f, "{}: {error}", path.display()),
            Self::Folder(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for FetchError {}

impl FetchError {
    /// Whether the file is not there (HTTP 404 or 410, or no such file in a folder).
    fn is_not_found(&self) -> bool {
        match self {
            Self::Status { code, .. } => matches!(code, 404 | 410),
            Self::Read { error, .. } => error.kind() == std::io::ErrorKind::NotFound,
            _ => false,
        }
    }
}

impl Source {
    /// An `http://` or `https://` base URL, or an existing folder.
    pub fn parse(from: &str) -> Result<Self, FetchError> {
        if from.starts_with("https://") || from.starts_with("http://") {
            Ok(Self::Url(from.to_string()))
        } else if Path::new(from).is_dir() {
            // A folder is recorded by its full path, so that "fetched from" means something later.
            Ok(Self::Folder(
                std::fs::canonicalize(from).unwrap_or_else(|_| PathBuf::from(from)),
            ))
        } else {
            Err(FetchError::NotASource(from.to_string()))
        }
    }

    /// How the source is recorded in the trust folder ("fetched from ...").
    pub fn describe(&self) -> String {
        match self {
            Self::Url(url) => url.clone(),
            Self::Folder(path) => path.display().to_string(),
        }
    }
}

/// The two lists as fetched, not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedLists {
    /// `trust-list-v2.jws`, or `trust-list.jws` where there is none.
    pub trust_list: Vec<u8>,
    /// `revocation-list.jws`.
    pub revocation_list: Vec<u8>,
    /// `root-handovers.json`, if the site publishes one.
    pub handovers: Option<Vec<u8>>,
}

/// Fetches files under one source, one connection for all: the transparency log's checkpoint
/// and tiles, for instance.
#[derive(Debug)]
pub struct Fetcher {
    source: Source,
    client: Option<reqwest::blocking::Client>,
}

impl Fetcher {
    /// A fetcher for `source`.
    pub fn new(source: Source) -> Result<Self, FetchError> {
        let client = match &source {
            Source::Url(_) => Some(
                reqwest::blocking::Client::builder()
                    .timeout(FETCH_TIMEOUT)
                    .connect_timeout(CONNECT_TIMEOUT)
                    .user_agent(concat!("goodstanding/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|e| FetchError::Client(e.to_string()))?,
            ),
            Source::Folder(_) => None,
        };
        Ok(Self { source, client })
    }

    /// The file `name` under the source, refused if larger than `limit` bytes.
    pub fn get(&self, name: &str, limit: usize) -> Result<Vec<u8>, FetchError> {
        match (&self.source, &self.client) {
            (Source::Url(base), Some(client)) => fetch_url(client, base, name, limit),
            (Source::Url(base), None) => Err(FetchError::Client(format!("no client for {base}"))),
            (Source::Folder(dir), _) => {
                let path = dir.join(name);
                goodstanding_files::read_capped(&path, limit as u64).map_err(|error| {
                    if error.kind() == std::io::ErrorKind::InvalidData {
                        FetchError::TooLarge {
                            location: path.display().to_string(),
                            limit,
                        }
                    } else {
                        FetchError::Read { path, error }
                    }
                })
            }
        }
    }
}

/// Fetches both lists from `source`, each capped at its largest genuine size.
pub fn fetch_lists(source: &Source) -> Result<FetchedLists, FetchError> {
    // One client (and so one connection) for both lists.
    let fetcher = Fetcher::new(source.clone())?;
    let fetch_one = |name: &str, limit: usize| fetcher.get(name, limit);
    // Version 3 first (it names the transparency log), then 2, then the old name.
    let trust_list = match fetch_one(TRUST_LIST_V3_FILE, MAX_TRUST_LIST_LEN) {
        Err(error) if error.is_not_found() => {
            match fetch_one(TRUST_LIST_V2_FILE, MAX_TRUST_LIST_LEN) {
                Err(error) if error.is_not_found() => {
                    fetch_one(TRUST_LIST_FILE, MAX_TRUST_LIST_LEN)?
                }
                other => other?,
            }
        }
        other => other?,
    };
    let handovers = match fetch_one(HANDOVERS_FILE, MAX_HANDOVERS_LEN) {
        Ok(bytes) => Some(bytes),
        Err(error) if error.is_not_found() => None,
        Err(error) => return Err(error),
    };
    Ok(FetchedLists {
        trust_list,
        revocation_list: fetch_one(REVOCATION_LIST_FILE, MAX_REVOCATION_LIST_LEN)?,
        handovers,
    })
}

/// Fetches `<base>/<name>`, refusing more than `limit` bytes.
fn fetch_url(
    client: &reqwest::blocking::Client,
    base: &str,
    name: &str,
    limit: usize,
) -> Result<Vec<u8>, FetchError> {
    let url = format!("{}/{name}", base.trim_end_matches('/'));
    let response = client.get(&url).send().map_err(|e| {
        let mut reason = format!("cannot fetch (is the URL right and the server up?): {e}");
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            reason.push_str(&format!(": {c}"));
            cause = c.source();
        }
        FetchError::Unreachable {
            url: url.clone(),
            reason,
        }
    })?;
    let status = response.status();
    if !status.is_success() {
        return Err(FetchError::Status {
            url,
            status: status.to_string(),
            code: status.as_u16(),
        });
    }
    let too_large = |url: String| FetchError::TooLarge {
        location: url,
        limit,
    };
    if response
        .content_length()
        .is_some_and(|len| len > limit as u64)
    {
        return Err(too_large(url));
    }
    let mut body = Vec::new();
    response
        .take(limit as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|e| FetchError::Unreachable {
            url: url.clone(),
            reason: format!("the download broke off: {e}"),
        })?;
    if body.len() > limit {
        return Err(too_large(url));
    }
    Ok(body)
}

/// What [`update_from`] did: the lists, then the log; and the trust data the folder holds now.
#[derive(Debug)]
pub struct Refreshed {
    /// The lists.
    pub lists: Updated,
    /// The transparency log's sync (`Ok(None)`: the trust list names no log). A failure here
    /// leaves the lists updated and the copy of the log held before in place.
    pub log: Result<Option<crate::log::LogSynced>, crate::log::LogSyncError>,
    /// The folder's trust store now (the new lists and the synced copy), as `folder::load`
    /// would give it.
    pub store: goodstanding_verifier::TrustStore,
    /// What it rests on.
    pub info: folder::CacheInfo,
}

/// Fetches both lists from `source` and updates the trust folder `dir` with them
/// ([`folder::update`]): verified with the pinned roots (and `new_roots`, pinned if the update
/// succeeds), refused if older than what is held; on any error the folder is unchanged. Then
/// syncs the transparency log the trust list names from `<source>/log/` ([`crate::log`]).
pub fn update_from(
    dir: &Path,
    new_roots: &[PublicJwk],
    source: &Source,
    now: Timestamp,
) -> Result<Refreshed, FetchError> {
    let lists = fetch_lists(source)?;
    std::fs::create_dir_all(dir).map_err(|source| {
        FetchError::Folder(TrustCacheError::Io {
            path: dir.to_path_buf(),
            source,
        })
    })?;
    let updated = folder::update(
        dir,
        new_roots,
        (&source.describe(), now),
        &lists.trust_list,
        &lists.revocation_list,
        lists.handovers.as_deref(),
    )
    .map_err(FetchError::Folder)?;
    let (mut store, mut info) = folder::load(dir).map_err(FetchError::Folder)?;
    let log = sync_log_from(dir, &mut store, source);
    if let Ok(Some(synced)) = &log {
        info.log = Some(synced.held.clone());
        info.frozen_logs.clone_from(&synced.frozen);
        info.log_unusable = None;
    }
    Ok(Refreshed {
        lists: updated,
        log,
        store,
        info,
    })
}

/// Syncs the trust folder's copy of the log from `<source>/log/` ([`crate::log::sync_log`]);
/// `store` (as loaded from `dir`) holds the new copy afterwards.
pub fn sync_log_from(
    dir: &Path,
    store: &mut goodstanding_verifier::TrustStore,
    source: &Source,
) -> Result<Option<crate::log::LogSynced>, crate::log::LogSyncError> {
    if store.transparency_log().is_none() {
        return Ok(None);
    }
    let log_source = match source {
        Source::Url(url) => Source::Url(format!("{}/log", url.trim_end_matches('/'))),
        Source::Folder(path) => Source::Folder(path.join("log")),
    };
    let location = log_source.describe();
    let fetcher =
        Fetcher::new(log_source).map_err(|e| crate::log::LogSyncError::Source(e.to_string()))?;
    let mut fetch = |path: &str, limit: usize| fetcher.get(path, limit).map_err(|e| e.to_string());
    crate::log::sync_log(dir, store, &location, &mut fetch)
}
