// Shared by the fuzz targets: a fixed issuing key, a trust store that trusts it, a fixed time.
#![allow(dead_code)]

use goodstanding_issuer::IssuingKey;
use goodstanding_verifier::{KeyId, Timestamp, TrustStore};

/// The repository's demo key (fixed, so that runs are reproducible).
pub fn key() -> IssuingKey {
    IssuingKey::from_pkcs8_pem(
        include_str!("../../keys/demo/demo-2026.key.pem"),
        Some(KeyId::new("demo-2026").expect("kid")),
    )
    .expect("the demo key")
}

/// The demo root key.
pub fn root() -> IssuingKey {
    IssuingKey::from_pkcs8_pem(
        include_str!("../../keys/demo/demo-root.key.pem"),
        Some(KeyId::new("demo-root").expect("kid")),
    )
    .expect("the demo root key")
}

pub fn trust(key: &IssuingKey) -> TrustStore {
    let mut store = TrustStore::new();
    store.add(key.public_jwk()).expect("one key");
    store
}

pub fn now() -> Timestamp {
    Timestamp::parse("2026-11-23T12:00:00Z").expect("time")
}
