//! Test vectors from the standards, read from files under tests/vectors/.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signer as _, SigningKey};
use goodstanding_verifier::jwk::verifying_key_from_x;
use goodstanding_verifier::{SignedCertificate, base45, verify_signature};
use serde_json::Value;

fn vector(name: &str) -> Value {
    let path = format!("{}/../../tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap()
}

#[test]
fn rfc8037_a4_ed25519_jws_verifies_and_signs_identically() {
    let v = vector("rfc8037-a4.json");
    let jws = str_at(&v, "/jws");
    let signed = SignedCertificate::from_compact(jws).unwrap();
    assert_eq!(signed.header(), str_at(&v, "/protected").as_bytes());
    assert_eq!(signed.payload(), str_at(&v, "/payload").as_bytes());

    let public = verifying_key_from_x(str_at(&v, "/jwk/x")).unwrap();
    verify_signature(&signed, &public).unwrap();

    // Ed25519 is deterministic: signing the same input with d gives the RFC's signature.
    let d: [u8; 32] = URL_SAFE_NO_PAD
        .decode(str_at(&v, "/jwk/d"))
        .unwrap()
        .try_into()
        .unwrap();
    let key = SigningKey::from_bytes(&d);
    assert_eq!(key.verifying_key(), public);
    let signature = key.sign(signed.signing_input().as_bytes());
    assert_eq!(&signature.to_bytes(), signed.signature());
    assert_eq!(signed.to_compact(), jws);

    // The same signature over the QR carrier survives the round trip.
    let back = SignedCertificate::from_qr_text(&signed.to_qr_text()).unwrap();
    verify_signature(&back, &public).unwrap();
}

#[test]
fn rfc8037_a4_signature_fails_for_a_changed_payload() {
    let v = vector("rfc8037-a4.json");
    let jws = str_at(&v, "/jws").replacen("RXhhbXBsZSBvZiBF", "RXhhbXBsZSBvZiBG", 1);
    let signed = SignedCertificate::from_compact(&jws).unwrap();
    let public = verifying_key_from_x(str_at(&v, "/jwk/x")).unwrap();
    assert!(verify_signature(&signed, &public).is_err());
}

#[test]
fn rfc9285_base45_examples() {
    let v = vector("rfc9285-base45.json");
    for pair in v["encode"].as_array().unwrap() {
        let (plain, encoded) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
        assert_eq!(base45::encode(plain.as_bytes()), encoded);
        assert_eq!(base45::decode(encoded).unwrap(), plain.as_bytes());
    }
    for pair in v["decode"].as_array().unwrap() {
        let (encoded, plain) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
        assert_eq!(base45::decode(encoded).unwrap(), plain.as_bytes());
    }
    for bad in v["invalid"].as_array().unwrap() {
        assert!(base45::decode(bad.as_str().unwrap()).is_err(), "{bad}");
    }
}

/// A certificate issued with the demo key before the dictionary gained `"supersedes":`. The GSC1
/// format promises that every QR text already issued keeps decoding: new dictionary words are
/// only ever prepended, so the distances of older back-references do not change.
#[test]
fn a_qr_text_issued_before_the_dictionary_grew_still_decodes_to_its_jws() {
    let dir = format!("{}/../../tests/vectors", env!("CARGO_MANIFEST_DIR"));
    let qr = std::fs::read_to_string(format!("{dir}/gsc1-issued-2026-11-23.qr.txt")).unwrap();
    let jws = std::fs::read_to_string(format!("{dir}/gsc1-issued-2026-11-23.jws")).unwrap();
    let jwk: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{dir}/../../keys/demo/demo-2026.pub.jwk")).unwrap(),
    )
    .unwrap();

    let from_qr = SignedCertificate::from_qr_text(qr.trim()).unwrap();
    assert_eq!(from_qr.to_compact(), jws.trim());
    let public = verifying_key_from_x(str_at(&jwk, "/x")).unwrap();
    verify_signature(&from_qr, &public).unwrap();
    // Encoding it again (with today's dictionary) gives a text that decodes to the same JWS.
    let again = SignedCertificate::from_qr_text(&from_qr.to_qr_text()).unwrap();
    assert_eq!(again.to_compact(), jws.trim());
}
