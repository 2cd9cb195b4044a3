//! # goodstanding-trust
//!
//! The verifying machine's side of trust: the trust folder on disk (the pinned root keys and the
//! cached, signed lists) and fetching the lists from where the issuing body publishes them. A
//! program that only verifies (an HR system, the `verify` command, a verification service)
//! needs this crate and `goodstanding-verifier`, and nothing of the issuing side: no register,
//! no PDF writer, no fonts, no CSV.
//!
//! ```text
//! published site (URL or folder) -> fetch::fetch_lists (capped, timed out)
//!     -> folder::update: verify with DIR/roots/*.jwk, refuse a rollback, replace the cache atomically
//! DIR -> folder::load: verify both cached lists again -> TrustStore + CacheInfo (how old)
//!     -> goodstanding_verifier::verify(certificate, &store, now)
//! ```
//!
//! | module | owns |
//! |---|---|
//! | [`folder`] | the trust folder: pinned roots, the cache file, load, update, bundle |
//! | [`fetch`] | fetching the two lists over HTTP(S) or from a folder, and updating from them |
//! | [`verdict`] | the machine-readable verdict (`verify --json`, the verification service) |
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod fetch;
pub mod folder;
pub mod verdict;

pub use fetch::{FetchError, Source, update_from};
pub use folder::{CacheInfo, TrustCacheError, load};
pub use verdict::Verdict;

/// The time now from the system clock, or `None` if it is outside the years a timestamp holds
/// (1900-2999). The verifier itself reads no clock; the programs that verify call this.
pub fn now() -> Option<goodstanding_verifier::Timestamp> {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .and_then(goodstanding_verifier::Timestamp::from_unix)
}
