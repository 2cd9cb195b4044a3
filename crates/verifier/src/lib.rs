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
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod base45;
pub mod carrier;
pub mod check;
pub mod jwk;
pub mod limits;
pub mod lists;
pub mod model;
pub mod panic_report;
#[cfg(feature = "pdf")]
pub mod pdf;
pub mod revocation;
#[cfg(feature = "qr")]
pub mod scan;
#[cfg(feature = "schema")]
pub mod schema;
pub mod summary;
pub mod text;
pub mod time;
pub mod trust;
pub mod verdict;
pub mod verify;

pub use carrier::{Carrier, DecodeError, QR_PREFIX, SignedCertificate};
pub use check::{Checked, Declared, PrintedQr, Unreadable, Warning, check};
pub use jwk::{JwkError, PublicJwk};
pub use lists::{ListError, RevocationList, TrustList};
pub use model::{Certificate, SCHEMA_VERSION};
pub use text::{CertificateId, KeyId, TextError};
pub use time::{Date, TimeParseError, Timestamp};
pub use trust::{KeyProblem, TrustError, TrustStore};
pub use verdict::{TrustData, Verdict};
pub use verify::{
    CERTIFICATE_TYP, ErrorKind, ProtectedHeader, RevocationCheck, Verified, VerifyError, verify,
    verify_signature, verify_signed,
};
