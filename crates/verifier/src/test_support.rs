//! (tests, or feature `test-support`) Keys made from a fixed seed and JWS signed with them, for
//! the unit tests of this crate and of the crates that verify its formats. Never for real keys:
//! a seed of one repeated byte is no secret.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signer as _, SigningKey};

use crate::jwk::PublicJwk;
use crate::text::KeyId;

/// The test key made from `seed` repeated 32 times.
pub fn signing_key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

/// The public JWK of test key `seed`, named `kid`.
///
/// # Panics
/// If `kid` is not a valid key id (a test's mistake).
#[allow(clippy::expect_used)]
pub fn public_jwk(seed: u8, kid: &str) -> PublicJwk {
    PublicJwk {
        kid: KeyId::new(kid).expect("a valid test key id"),
        key: signing_key(seed).verifying_key(),
    }
}

/// A compact JWS of `payload` under the protected header `header` (JSON text), signed with test
/// key `seed`.
pub fn sign_with_header(seed: u8, header: &str, payload: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let signature = signing_key(seed).sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

/// A compact JWS of `payload` with `typ`, signed with test key `seed` as `kid` (EdDSA).
pub fn sign_compact(seed: u8, kid: &str, typ: &str, payload: &[u8]) -> String {
    let header = serde_json::json!({"alg": "EdDSA", "kid": kid, "typ": typ}).to_string();
    sign_with_header(seed, &header, payload)
}
