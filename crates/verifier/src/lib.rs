//! # goodstanding-verifier
//!
//! The certificate model of goodstanding and its offline verification. An issuing body signs a
//! certificate of good standing for a senior healthcare manager with Ed25519; an employer checks
//! it with nothing but the issuer's public key.
//!
//! This crate is pure: it does no file or network I/O, never prints, and has no clock (the caller
//! passes the time to verify at). It builds for `wasm32-unknown-unknown`.
//!
//! ```text
//! input (.jws or GSC1: QR text) -> SignedCertificate::decode -> signature (verify_strict)
//!     -> parse Certificate -> trust, policy and validity at `now` -> Verified
//! any carrier's bytes -> check::check (PDF, image, .jws or QR text) -> Checked -> verdict::Verdict
//! ```
//!
//! | module | owns |
//! |---|---|
//! | [`mod@check`] | the one path every verifier takes: any carrier's bytes to one typed result, with its warnings |
//! | [`verdict`] | the verdict every face shows (`verify --json`, the service, the web page), and its schema |
//! | [`mod@verify`] | signature first, then payload, trust, policy and validity of a `.jws` or QR text |
//! | [`carrier`] | the signed forms: the `.jws` and the `GSC1:` QR text, and what a PDF's printed QR code said |
//! | [`checksum`] | the CRC-32 of the QR text's transport checks |
//! | [`parts`] | a long QR text printed as several QR codes, and joined back |
//! | [`base45`] | RFC 9285 base45, the QR text's alphabet |
//! | [`model`] | the certificate as signed: subject, findings, convictions, departures |
//! | [`text`] | bounded strings and lists, ids and key ids |
//! | [`time`] | dates and timestamps (RFC 3339, UTC) |
//! | [`jwk`] | public keys as JWK (RFC 8037) |
//! | [`trust`] | the trust store: which keys may issue, when |
//! | [`revocation`] | what a verified revocation list says |
//! | [`lists`] | the signed trust and revocation lists, verified before they are read |
//! | [`inclusion`] | whether a certificate is in the transparency log the trust list names |
//! | [`log_audit`] | a published log audited from scratch: tiles, root, consistency with what was seen before |
//! | [`witness`] | a witness's decision on `c2sp.org/tlog-witness` add-checkpoint |
//! | [`tlog_policy`] | `c2sp.org/tlog-policy`: the logs, witnesses and quorum a verifier trusts |
//! | [`limits`] | every decoder's caps, and the carriers' first bytes |
//! | [`summary`] | each record in words, the same for every face |
//! | [`pdf`] | (feature `pdf`) the `.jws` attached to a certificate PDF and its printed QR code |
//! | [`scan`] | (feature `qr`) the QR code in an image |
//! | [`schema`] | (feature `schema`) JSON Schemas generated from the types |
//! | [`panic_report`] | a panic's report without data from the input |
//! | `test_support` | (tests, feature `test-support`) fixed-seed test keys and JWS signed with them |
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod base45;
pub mod carrier;
pub mod check;
pub mod checksum;
pub mod inclusion;
pub mod jwk;
pub mod limits;
pub mod lists;
pub mod log_audit;
pub mod log_entry;
pub mod log_sync;
pub mod merkle;
pub mod model;
pub mod note;
pub mod panic_report;
pub mod parts;
pub mod pasted;
#[cfg(feature = "pdf")]
pub mod pdf;
pub mod revocation;
pub mod root_handover;
#[cfg(feature = "qr")]
pub mod scan;
#[cfg(feature = "schema")]
pub mod schema;
pub mod subject_tag;
pub mod summary;
#[cfg(any(test, feature = "test-support"))]
pub mod test_support;
pub mod text;
pub mod tiles;
pub mod time;
pub mod tlog_policy;
pub mod tlog_proof;
pub mod trust;
pub mod verdict;
pub mod verify;
pub mod witness;

pub use carrier::{Carrier, DecodeError, QR_PREFIX, SignedCertificate};
pub use check::{Checked, Declared, PrintedQr, Unreadable, Warning, check};
pub use jwk::{JwkError, PublicJwk};
pub use lists::{ListError, RevocationList, TrustList};
pub use model::{Certificate, SCHEMA_VERSION};
pub use text::{CertificateId, KeyId, RecordId, TextError};
pub use time::{Date, TimeParseError, Timestamp};
pub use trust::{KeyProblem, TrustError, TrustStore};
pub use verdict::{TrustData, Verdict};
pub use verify::{
    CERTIFICATE_TYP, ErrorKind, ProtectedHeader, RevocationCheck, Verified, VerifyError, verify,
    verify_signature, verify_signed,
};
