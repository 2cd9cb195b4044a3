//! # goodstanding-issuer
//!
//! One certificate, from request to signed carriers: the certificate request and the rules it
//! must keep, the signing keys, signing, the QR code and the PDF. It keeps no records and talks
//! to no network: the register, batches and publication are `goodstanding-operations`, on top
//! of this crate.
//!
//! ```text
//! request JSON -> request::CertificateRequest::from_json -> validate (the rules) -> Certificate
//!     -> issue (keys::IssuingKey signs: Ed25519, JWS; in memory or in a PKCS#11 token)
//!     -> IssuedCertificate
//!     -> .jws and GSC1: QR text -> qr (QR code modules) -> pdf (the page, with the .jws attached)
//! ```
//!
//! | module | owns |
//! |---|---|
//! | [`request`] | the request as the issuing body's case system sends it, parsed with field paths |
//! | [`validate`] | the domain rules a request must keep before anything is signed |
//! | [`registration`] | registration numbers checked for format, per regulator (a data file with sources) |
//! | [`rehabilitation`] | the law for convictions and cautions: spent, protected, and when that changes |
//! | [`keys`] | the one signer ([`IssuingKey`]), key generation, PKCS#8 key files (mode 0600), the public JWK |
//! | [`token`] | keys in a PKCS#11 token (HSM): finding, logging in, generating, signing |
//! | [`token_uri`] | RFC 7512 `pkcs11:` URIs that name a key in a token |
//! | [`issue`] | assembling and signing the certificate; its QR size |
//! | [`qr`] | the QR code of the signed certificate |
//! | [`pdf`] | the certificate PDF |
//! | [`schema`] | JSON Schemas generated from the types |
//! | [`synthetic`] | generated requests for benchmarks and property tests |
//!
//! Library code never prints; errors say which file, field and rule.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod base32;
pub mod issue;
pub mod keys;
pub mod notes;
pub mod pdf;
pub mod qr;
pub mod record_id;
pub mod registration;
pub mod rehabilitation;
pub mod request;
pub mod schema;
pub mod subject_tag_key;
pub mod synthetic;
pub mod token;
pub mod token_uri;
pub mod validate;

pub use issue::{IssueError, IssuedCertificate, issue, issue_with_id, qr_version};
pub use keys::{
    IssuingKey, KeyError, KeyLocation, SignError, load_issuing_key, token_public_jwk,
    write_key_pair, write_public_key,
};
pub use request::{CertificateRequest, ParseError};
pub use token::{Pin, TokenError};
pub use token_uri::TokenUri;
pub use validate::{Notice, Policy, Rule, Violation, Violations, validate, validate_with};
