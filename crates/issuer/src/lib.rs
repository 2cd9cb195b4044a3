//! # goodstanding-issuer
//!
//! The issuing side of goodstanding: certificate requests and the rules they must keep, key
//! generation and key files, signing, and the QR size of a signed certificate.
//!
//! ```text
//! request JSON -> CertificateRequest::from_json -> validate (rules) -> Certificate
//!     -> sign (Ed25519, JWS) -> .jws and GSC1: QR text
//! ```
//! Library code never prints; errors say which file, field and rule.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod batch;
pub mod batch_input;
pub mod files;
pub mod issuance;
pub mod issue;
pub mod keys;
pub mod manifest;
pub mod pdf;
pub mod publication;
pub mod qr;
pub mod register;
pub mod request;
pub mod schema;
pub mod synthetic;
pub mod trust_cache;
pub mod validate;

pub use issue::{IssueError, IssuedCertificate, issue, issue_with_id, qr_version};
pub use keys::{IssuingKey, KeyError, load_issuing_key, write_key_pair};
pub use request::{CertificateRequest, ParseError};
pub use validate::{Rule, Violation, Violations, validate};
