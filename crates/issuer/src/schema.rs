//! JSON Schemas (2020-12) of the documents that cross the boundary, generated from the Rust
//! types so that the two cannot drift apart. The committed files under `schemas/` are checked
//! against these by the tests.

use goodstanding_verifier::Certificate;
use goodstanding_verifier::lists::{RevocationListContent, TrustListContent};
use goodstanding_verifier::schema::render;

use crate::request::CertificateRequest;

/// The schemas: file name and JSON text.
pub fn all() -> Vec<(&'static str, String)> {
    vec![
        (
            "certificate-request.schema.json",
            render::<CertificateRequest>(
                "certificate-request",
                "Certificate request (issuer input)",
            ),
        ),
        (
            "certificate.schema.json",
            render::<Certificate>("certificate", "Certificate payload (signed)"),
        ),
        (
            "trust-list.schema.json",
            render::<TrustListContent>("trust-list", "Trust list payload (signed by a root key)"),
        ),
        (
            "revocation-list.schema.json",
            render::<RevocationListContent>(
                "revocation-list",
                "Revocation list payload (signed by an issuing key)",
            ),
        ),
    ]
}
