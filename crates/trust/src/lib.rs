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
//!     -> goodstanding_verifier::check(bytes, Declared::Any, &store, now) -> Verdict
//! ```
//!
//! | module | owns |
//! |---|---|
//! | [`folder`] | the trust folder: pinned roots, the cache file, load, update, bundle |
//! | [`fetch`] | fetching the two lists over HTTP(S) or from a folder, and updating from them |
//! | [`log`] | the synced copy of the transparency log: `log-sync.bin`, synced after the lists |
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod fetch;
pub mod folder;
pub mod log;

pub use fetch::{FetchError, Refreshed, Source, update_from};
pub use folder::{CacheInfo, TrustCacheError, load};
