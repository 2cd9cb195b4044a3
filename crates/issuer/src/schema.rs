//! JSON Schemas (2020-12) of the documents that cross the boundary, generated from the Rust
//! types so that the two cannot drift apart. The committed files under `schemas/` are checked
//! against these by the tests.

use goodstanding_verifier::Certificate;
use goodstanding_verifier::lists::{RevocationListContent, TrustListContent};

use crate::request::CertificateRequest;

/// Base of the schemas' `$id`.
const ID_BASE: &str = "https://goodstanding.invalid/schemas/";

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

fn render<T: schemars::JsonSchema>(name: &str, title: &str) -> String {
    let mut schema = schemars::schema_for!(T);
    schema.insert("$id".into(), format!("{ID_BASE}{name}.schema.json").into());
    schema.insert("title".into(), title.into());
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
