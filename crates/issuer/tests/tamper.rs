//! Every single-byte change of an example's QR text and of its `.jws` is rejected: exhaustively,
//! every position and every other byte value.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use goodstanding_verifier::{ErrorKind, verify};

/// Changes every byte to every other value; returns how many changes were refused as unreadable
/// input and how many by the signature or later checks.
fn assert_every_change_rejected(
    name: &str,
    text: &str,
    trust: &goodstanding_verifier::TrustStore,
) -> (usize, usize) {
    let now = common::issued_at();
    verify(text.as_bytes(), trust, now).unwrap_or_else(|e| panic!("{name} original: {e}"));
    let mut bytes = text.as_bytes().to_vec();
    let (mut input_errors, mut signature_errors) = (0usize, 0usize);
    for position in 0..bytes.len() {
        let original = bytes[position];
        for value in (0..=255u8).filter(|&v| v != original) {
            bytes[position] = value;
            match verify(&bytes, trust, now) {
                Ok(_) => panic!(
                    "{name}: changing byte {position} from {:?} to {:?} still verifies",
                    original as char, value as char
                ),
                Err(e) if e.kind() == ErrorKind::Input => input_errors += 1,
                Err(_) => signature_errors += 1,
            }
        }
        bytes[position] = original;
    }
    assert_eq!(input_errors + signature_errors, bytes.len() * 255);
    (input_errors, signature_errors)
}

#[test]
fn every_single_byte_change_of_the_qr_text_is_rejected() {
    let (key, trust) = common::key_and_trust("tamper-test");
    let (_, request) = common::examples().remove(0);
    let issued = common::issue_example(&request, &key);
    let qr = issued.qr_text();
    let (input, _) = assert_every_change_rejected("QR text", qr, &trust);
    // Changes within the alphabet decode to other bytes; the checksum refuses them all before
    // anything is inflated, and changes outside it are refused by the alphabet check.
    assert_eq!(input, qr.len() * 255);
}

#[test]
fn every_single_byte_change_of_the_jws_is_rejected() {
    let (key, trust) = common::key_and_trust("tamper-test");
    let (_, request) = common::examples().remove(0);
    let issued = common::issue_example(&request, &key);
    let jws = issued.jws();
    let (_, signature) = assert_every_change_rejected("JWS", &jws, &trust);
    // Every change to another base64url character decodes to other bytes under the signature.
    assert!(
        signature > jws.len() * 40,
        "only {signature} changes reached the signature"
    );
}
