//! The trust folder: an update verifies before it replaces, refuses a rollback or a second list
//! under the same number, and leaves the folder as it was on any refusal; loading verifies the
//! cache again, so a cache edited on disk is refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use goodstanding_verifier::lists::{
    KeyStatus, REVOCATION_LIST_TYP, RevocationListContent, TRUST_LIST_TYP, TrustListContent,
    TrustedKeyEntry,
};

use goodstanding_verifier::test_support::{public_jwk as jwk, sign_compact as sign};

use super::*;

const ROOT: u8 = 1;
const ISSUING: u8 = 2;

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

/// Trust list `sequence` (one issuing key), signed by the root.
fn trust_list(sequence: u64) -> String {
    let content = TrustListContent {
        trust_list_version: 1,
        sequence,
        issued_at: at("2026-06-01T00:00:00Z"),
        keys: vec![TrustedKeyEntry {
            key: jwk(ISSUING, "issuing"),
            from: at("2026-01-01T00:00:00Z"),
            until: None,
            status: KeyStatus::Active,
            compromised_at: None,
            issuer: None,
        }],
        transparency_log: None,
    };
    sign(
        ROOT,
        "root",
        TRUST_LIST_TYP,
        &serde_json::to_vec(&content).unwrap(),
    )
}

/// Revocation list `sequence`, signed by the issuing key; `next_days` after its issue it is due.
fn revocation_list(sequence: u64, issued_at: &str) -> String {
    let issued_at = at(issued_at);
    let content = RevocationListContent {
        revocation_list_version: 1,
        sequence,
        issued_at,
        next_update: issued_at.plus_days(7).unwrap(),
        revoked: vec![],
    };
    sign(
        ISSUING,
        "issuing",
        REVOCATION_LIST_TYP,
        &serde_json::to_vec(&content).unwrap(),
    )
}

fn update_with(dir: &Path, trust: &str, revocations: &str) -> Result<Updated, TrustCacheError> {
    update(
        dir,
        &[jwk(ROOT, "root")],
        ("https://issuer.test/lists", at("2026-06-03T00:00:00Z")),
        trust.as_bytes(),
        revocations.as_bytes(),
        None,
    )
}

fn cache(dir: &Path) -> String {
    std::fs::read_to_string(dir.join(CACHE_FILE)).unwrap()
}

#[test]
fn a_first_update_pins_the_root_and_loading_gives_what_was_fetched() {
    let dir = tempfile::tempdir().unwrap();
    let updated = update_with(
        dir.path(),
        &trust_list(1),
        &revocation_list(1, "2026-06-02T00:00:00Z"),
    )
    .unwrap();
    assert_eq!(updated.before, None);
    assert!(dir.path().join("roots/root.jwk").is_file());
    let (store, info) = load(dir.path()).unwrap();
    assert!(store.get("issuing").is_some());
    assert_eq!(info.source, "https://issuer.test/lists");
    assert_eq!(info.trust_list.0, 1);
    assert_eq!(info.revocation_list.0, 1);
    assert_eq!(info.revocation_list.2, at("2026-06-09T00:00:00Z"));
}

#[test]
fn an_older_list_or_another_under_the_same_number_is_refused_and_the_folder_kept() {
    let dir = tempfile::tempdir().unwrap();
    update_with(
        dir.path(),
        &trust_list(2),
        &revocation_list(5, "2026-06-02T00:00:00Z"),
    )
    .unwrap();
    let held = cache(dir.path());

    let error = update_with(
        dir.path(),
        &trust_list(1),
        &revocation_list(6, "2026-06-02T12:00:00Z"),
    )
    .unwrap_err();
    assert!(matches!(
        error,
        TrustCacheError::Rollback {
            list: "trust list",
            cached: 2,
            fetched: 1
        }
    ));
    // The same number, other content: the signer said two things under one number.
    let error = update_with(
        dir.path(),
        &trust_list(2),
        &revocation_list(5, "2026-06-02T12:00:00Z"),
    )
    .unwrap_err();
    assert!(matches!(
        error,
        TrustCacheError::Rollback {
            list: "revocation list",
            ..
        }
    ));
    assert_eq!(cache(dir.path()), held, "a refused update changes nothing");

    // The same lists again are no rollback; newer ones replace them.
    update_with(
        dir.path(),
        &trust_list(2),
        &revocation_list(5, "2026-06-02T00:00:00Z"),
    )
    .unwrap();
    let updated = update_with(
        dir.path(),
        &trust_list(3),
        &revocation_list(6, "2026-06-02T12:00:00Z"),
    )
    .unwrap();
    assert_eq!(updated.before.unwrap().trust_list.0, 2);
    assert_eq!(updated.now_held.revocation_list.0, 6);
}

#[test]
fn lists_signed_by_another_root_are_refused_and_nothing_is_pinned() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = {
        let content = serde_json::json!({
            "trust_list_version": 1, "sequence": 1, "issued_at": "2026-06-01T00:00:00Z", "keys": []
        });
        sign(9, "root", TRUST_LIST_TYP, content.to_string().as_bytes())
    };
    let error = update_with(
        dir.path(),
        &foreign,
        &revocation_list(1, "2026-06-02T00:00:00Z"),
    )
    .unwrap_err();
    assert!(matches!(
        error,
        TrustCacheError::TrustList(ListError::BadSignature)
    ));
    assert!(!dir.path().join(ROOTS_DIR).exists());
    assert!(!dir.path().join(CACHE_FILE).exists());
}

#[test]
fn a_cache_edited_on_disk_is_refused_when_loaded() {
    let dir = tempfile::tempdir().unwrap();
    update_with(
        dir.path(),
        &trust_list(1),
        &revocation_list(1, "2026-06-02T00:00:00Z"),
    )
    .unwrap();
    let path = dir.path().join(CACHE_FILE);
    let mut value: serde_json::Value = serde_json::from_str(&cache(dir.path())).unwrap();
    // Another revocation list, signed by a key the trust list does not hold.
    value["revocation_list"] = serde_json::json!(sign(7, "issuing", REVOCATION_LIST_TYP, b"{}"));
    std::fs::write(&path, value.to_string()).unwrap();
    assert!(matches!(
        load(dir.path()),
        Err(TrustCacheError::RevocationList(ListError::BadSignature))
    ));
    // No cache at all is said as such.
    std::fs::remove_file(&path).unwrap();
    assert!(matches!(load(dir.path()), Err(TrustCacheError::NoCache(_))));
}
