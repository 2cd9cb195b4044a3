//! Key files: PKCS#8 PEM that openssl reads, mode 0600, never overwritten without force, refused
//! when others can read them; secrets never in Debug output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::os::unix::fs::PermissionsExt as _;
use std::process::Command;

use goodstanding_issuer::keys::key_pair_paths;
use goodstanding_issuer::{IssuingKey, KeyError, load_issuing_key, write_key_pair};
use goodstanding_verifier::{KeyId, PublicJwk};

fn kid(text: &str) -> KeyId {
    KeyId::new(text).unwrap()
}

#[test]
fn key_pair_is_written_0600_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let key = IssuingKey::generate(Some(kid("k1"))).unwrap();
    let (private, public) = write_key_pair(&key, dir.path(), false).unwrap();
    assert_eq!(
        private.metadata().unwrap().permissions().mode() & 0o777,
        0o600
    );
    let pem = std::fs::read_to_string(&private).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");

    let jwk = PublicJwk::from_json(&std::fs::read_to_string(&public).unwrap()).unwrap();
    assert_eq!(jwk, key.public_jwk());
    // The kid comes from the public key file beside the private key.
    let loaded = load_issuing_key(&private, None).unwrap();
    assert_eq!(loaded.kid().as_str(), "k1");
    assert_eq!(loaded.public_jwk(), key.public_jwk());
    // No temporary files are left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn openssl_reads_the_private_key_and_derives_the_same_public_key() {
    // An issuing key, and a root key (whose file says what it is on a line before the PEM
    // block, which OpenSSL reads past and goodstanding reads back).
    for key in [
        IssuingKey::generate(Some(kid("k-openssl"))).unwrap(),
        IssuingKey::generate_root(Some(kid("root-openssl"))).unwrap(),
    ] {
        openssl_derives_the_same_public_key(&key);
    }
}

fn openssl_derives_the_same_public_key(key: &IssuingKey) {
    let dir = tempfile::tempdir().unwrap();
    let (private, _) = write_key_pair(key, dir.path(), false).unwrap();
    let loaded = goodstanding_issuer::load_issuing_key(&private, None).unwrap();
    assert_eq!(loaded.public_jwk(), key.public_jwk());
    assert_eq!(loaded.is_root_key_file(), key.is_root_key_file());
    let output = Command::new("openssl")
        .args(["pkey", "-in"])
        .arg(&private)
        .args(["-pubout", "-outform", "DER"])
        .output()
        .expect("openssl is missing: apt-get install openssl, or run tools/test.sh");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The last 32 bytes of the SubjectPublicKeyInfo are the raw Ed25519 public key.
    let spki = output.stdout;
    assert_eq!(&spki[spki.len() - 32..], key.public_jwk().key.as_bytes());
}

#[test]
fn an_existing_key_is_never_overwritten_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let first = IssuingKey::generate(Some(kid("same"))).unwrap();
    let second = IssuingKey::generate(Some(kid("same"))).unwrap();
    write_key_pair(&first, dir.path(), false).unwrap();
    assert!(matches!(
        write_key_pair(&second, dir.path(), false),
        Err(KeyError::Exists(_))
    ));
    let (private, _) = key_pair_paths(dir.path(), &kid("same"));
    assert_eq!(
        load_issuing_key(&private, None).unwrap().public_jwk(),
        first.public_jwk()
    );
    write_key_pair(&second, dir.path(), true).unwrap();
    assert_eq!(
        load_issuing_key(&private, None).unwrap().public_jwk(),
        second.public_jwk()
    );
}

#[test]
fn a_private_key_readable_by_others_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = IssuingKey::generate(Some(kid("k2"))).unwrap();
    let (private, _) = write_key_pair(&key, dir.path(), false).unwrap();
    for mode in [0o644, 0o640, 0o604] {
        std::fs::set_permissions(&private, std::fs::Permissions::from_mode(mode)).unwrap();
        let error = load_issuing_key(&private, None).unwrap_err();
        assert!(matches!(error, KeyError::Permissions { .. }), "{error}");
        let message = error.to_string();
        assert!(message.contains("chmod 600"), "{message}");
    }
}

#[test]
fn a_public_key_that_does_not_match_its_private_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = IssuingKey::generate(Some(kid("k3"))).unwrap();
    let other = IssuingKey::generate(Some(kid("k3"))).unwrap();
    let (private, public) = write_key_pair(&key, dir.path(), false).unwrap();
    std::fs::write(&public, other.public_jwk().to_json()).unwrap();
    let error = load_issuing_key(&private, None).unwrap_err();
    assert!(
        matches!(error, KeyError::PublicKeyMismatch { .. }),
        "{error}"
    );
}

#[test]
fn debug_output_never_shows_the_secret() {
    let key = IssuingKey::generate(Some(kid("k4"))).unwrap();
    let pem = key.to_pkcs8_pem().unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let debug = format!("{key:?}");
    assert!(debug.contains("[redacted]"), "{debug}");
    assert!(!debug.contains(&body[..20]), "{debug}");
}
