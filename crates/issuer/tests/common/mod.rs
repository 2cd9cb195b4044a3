//! Shared helpers for the issuer's tests: the repository's example files and a test key.
#![allow(dead_code)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::PathBuf;

use goodstanding_issuer::{CertificateRequest, IssuedCertificate, IssuingKey, issue_with_id};
use goodstanding_verifier::{CertificateId, KeyId, Timestamp, TrustStore};

/// The repository's top folder.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `*.json` file in a repository folder, sorted, with its name (no extension) and text.
pub fn json_files(folder: &str) -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(repo().join(folder))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no JSON files in {folder}");
    files
        .into_iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// The example requests shipped in examples/requests.
pub fn examples() -> Vec<(String, CertificateRequest)> {
    json_files("examples/requests")
        .into_iter()
        .map(|(name, text)| {
            let request = CertificateRequest::from_json(&text)
                .unwrap_or_else(|e| panic!("example {name}: {e}"));
            (name, request)
        })
        .collect()
}

/// A fixed issuing time after every example's information date.
pub fn issued_at() -> Timestamp {
    Timestamp::parse("2026-11-23T12:00:00Z").unwrap()
}

/// A fresh key and a trust store that trusts only it.
pub fn key_and_trust(kid: &str) -> (IssuingKey, TrustStore) {
    let key = IssuingKey::generate(Some(KeyId::new(kid).unwrap())).unwrap();
    let mut trust = TrustStore::new();
    trust.add(key.public_jwk()).unwrap();
    (key, trust)
}

/// Issues an example with a fixed id and time.
pub fn issue_example(request: &CertificateRequest, key: &IssuingKey) -> IssuedCertificate {
    let id = CertificateId::new("aaaaaaaaaaaaaaaaaaaaaaaaaa").unwrap();
    issue_with_id(request, key, issued_at(), id).unwrap()
}

/// The repository's demo key: with it, a fixed id and a fixed time, a certificate is the same
/// bytes on every run (Ed25519 signatures are deterministic).
pub fn demo_key() -> IssuingKey {
    let pem = std::fs::read_to_string(repo().join("keys/demo/demo-2026.key.pem")).unwrap();
    IssuingKey::from_pkcs8_pem(&pem, Some(KeyId::new("demo-2026").unwrap())).unwrap()
}

/// A trust store that trusts only `key`.
pub fn key_and_trust_for(key: &IssuingKey) -> TrustStore {
    let mut trust = TrustStore::new();
    trust.add(key.public_jwk()).unwrap();
    trust
}

/// A validator for the committed schema `name` that asserts `format` too (2020-12 treats it as
/// an annotation unless asked): only the `date` format can tell that 2021-02-29 does not exist.
pub fn schema_validator(name: &str) -> jsonschema::Validator {
    let path = repo().join("schemas").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

/// Every error `validator` finds in `instance`, with where.
pub fn schema_errors(
    validator: &jsonschema::Validator,
    instance: &serde_json::Value,
) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}
