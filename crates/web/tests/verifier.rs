//! The page's verifier on the host: verdicts as JSON, list updates and their refusals.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use goodstanding_issuer::{CertificateRequest, IssuingKey};
use goodstanding_operations::publication::{TrustChange, apply_change, sign_compact};
use goodstanding_verifier::lists::{
    REVOCATION_LIST_TYP, RevocationListContent, RevokedEntry, TRUST_LIST_TYP,
};
use goodstanding_verifier::model::RevocationReason;
use goodstanding_verifier::{KeyId, Timestamp};
use goodstanding_web::Verifier;

struct Issuer {
    root: IssuingKey,
    key: IssuingKey,
    now: Timestamp,
}

impl Issuer {
    fn new() -> Self {
        Self {
            root: IssuingKey::generate_root(None).unwrap(),
            key: IssuingKey::generate(Some(KeyId::new("web-test").unwrap())).unwrap(),
            now: Timestamp::parse("2026-11-23T12:00:00Z").unwrap(),
        }
    }

    fn roots(&self) -> String {
        format!("[{}]", self.root.public_jwk().to_json())
    }

    fn trust_list(&self) -> String {
        self.trust_list_signed_by(&self.root)
    }

    fn trust_list_signed_by(&self, root: &IssuingKey) -> String {
        let content = apply_change(
            None,
            &TrustChange::Add {
                key: Box::new(self.key.public_jwk()),
                from: Timestamp::parse("2026-01-01T00:00:00Z").unwrap(),
                until: None,
                issuer: None,
            },
            self.now,
        )
        .unwrap();
        sign_compact(root, TRUST_LIST_TYP, &serde_json::to_vec(&content).unwrap()).unwrap()
    }

    fn revocation_list(&self, sequence: u64, revoked: Vec<RevokedEntry>) -> String {
        let content = RevocationListContent {
            revocation_list_version: 1,
            sequence,
            issued_at: self.now,
            next_update: self.now.plus_days(7).unwrap(),
            revoked,
        };
        sign_compact(
            &self.key,
            REVOCATION_LIST_TYP,
            &serde_json::to_vec(&content).unwrap(),
        )
        .unwrap()
    }

    fn certificate(&self) -> goodstanding_issuer::IssuedCertificate {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/requests/appeal-pending.json"
        );
        let request =
            CertificateRequest::from_json(&std::fs::read_to_string(path).unwrap()).unwrap();
        goodstanding_issuer::issue(&request, &self.key, self.now).unwrap()
    }
}

#[test]
fn a_valid_certificate_gives_a_verdict_with_everything_the_page_shows() {
    let issuer = Issuer::new();
    let verifier = Verifier::from_parts(
        &issuer.roots(),
        &issuer.trust_list(),
        &issuer.revocation_list(1, vec![]),
    )
    .unwrap();
    let issued = issuer.certificate();
    let shown = verifier.verify_at(issued.qr_text(), issuer.now);
    let verdict = shown["verdict"].clone();
    assert_eq!(verdict["valid"], true, "{verdict}");
    assert_eq!(
        verdict["certificate"]["subject"]["full_name"],
        "Amélie Lefèvre-Ødegård"
    );
    assert_eq!(verdict["carrier"], "qr_text");
    assert_eq!(verdict["trust_data"]["revocation_list"]["sequence"], 1);
    assert_eq!(
        verdict["trust_data"]["source"],
        goodstanding_web::BUNDLED_SOURCE
    );
    assert_eq!(verdict["warnings"][0]["code"], "appeal_pending");
    assert!(
        verdict["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("appeal is pending")
    );
    // The records in words, for the page to show, beside the verdict.
    let sections = shown["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 3);
    assert_eq!(sections[0]["records"][0]["appeal_pending"], true);

    // The .jws verifies the same; damaged text is unreadable, not valid.
    assert_eq!(
        verifier.verify_at(&issued.jws(), issuer.now)["verdict"]["valid"],
        true
    );
    let damaged = verifier.verify_at("GSC1:NOT-A-CERTIFICATE", issuer.now)["verdict"].clone();
    assert_eq!(damaged["valid"], false);
    assert_eq!(damaged["status"], "unreadable");

    // Every verdict the page is given has the shape `verify --json` and the service give.
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../schemas/verdict.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for verdict in [verdict, damaged] {
        let errors: Vec<String> = validator
            .iter_errors(&verdict)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{errors:?}\n{verdict}");
    }
}

#[test]
fn newer_lists_replace_older_ones_and_a_rollback_or_forgery_is_refused() {
    let issuer = Issuer::new();
    let trust = issuer.trust_list();
    let mut verifier =
        Verifier::from_parts(&issuer.roots(), &trust, &issuer.revocation_list(1, vec![])).unwrap();
    let issued = issuer.certificate();
    let revoked = vec![RevokedEntry(
        issued.id().clone(),
        issuer.now.date(),
        RevocationReason::NewInformation,
    )];
    assert!(
        verifier
            .replace_lists(
                &trust,
                &issuer.revocation_list(2, revoked),
                "https://issuer.test/lists",
                None,
            )
            .unwrap()
    );
    let verdict = verifier.verify_at(issued.qr_text(), issuer.now)["verdict"].clone();
    assert_eq!(verdict["status"], "revoked", "{verdict}");
    assert_eq!(
        verdict["certificate"]["subject"]["full_name"],
        "Amélie Lefèvre-Ødegård"
    );
    assert_eq!(verdict["trust_data"]["source"], "https://issuer.test/lists");

    // The older list again: refused, and the revocation stands.
    let error = verifier
        .replace_lists(
            &trust,
            &issuer.revocation_list(1, vec![]),
            "https://issuer.test/lists",
            None,
        )
        .unwrap_err();
    assert!(error.contains("number 2 is already held"), "{error}");
    // A list signed by another key: refused.
    let stranger = IssuingKey::generate(Some(KeyId::new("web-test").unwrap())).unwrap();
    let forged = sign_compact(&stranger, TRUST_LIST_TYP, b"{}").unwrap();
    assert!(
        verifier
            .replace_lists(
                &forged,
                &issuer.revocation_list(3, vec![]),
                "https://issuer.test/lists",
                None,
            )
            .is_err()
    );
    assert_eq!(
        verifier.verify_at(issued.qr_text(), issuer.now)["verdict"]["status"],
        "revoked"
    );
}

/// After `root rotate`, the page (pinning the old root) takes the new root's lists only with the
/// published chain, follows it to pin the new root, and refuses a chain with a bad signature
/// or one that starts at a root it does not pin, keeping the lists it had.
#[test]
fn a_root_handover_chain_is_followed_and_a_broken_or_foreign_one_is_refused() {
    let issuer = Issuer::new();
    let issued = issuer.certificate();
    let dir = tempfile::tempdir().unwrap();
    let list_path = dir.path().join("trust-list.jws");
    std::fs::write(&list_path, issuer.trust_list()).unwrap();
    let new_root = IssuingKey::generate_root(Some(KeyId::new("web-root-2").unwrap())).unwrap();
    let rotated = goodstanding_operations::publication::rotate_root(
        &list_path,
        &issuer.root,
        &new_root,
        issuer.now,
    )
    .unwrap();
    let (new_list, chain) = (
        std::fs::read_to_string(&list_path).unwrap(),
        std::fs::read_to_string(&rotated.handovers).unwrap(),
    );
    let revocations = issuer.revocation_list(1, vec![]);
    let fresh =
        || Verifier::from_parts(&issuer.roots(), &issuer.trust_list(), &revocations).unwrap();
    let old_kid = issuer.root.public_jwk().kid.to_string();

    // Without the chain the new root's list is refused.
    let mut verifier = fresh();
    let error = verifier
        .replace_lists(&new_list, &revocations, "https://issuer.test", None)
        .unwrap_err();
    assert!(error.contains("web-root-2"), "{error}");
    assert_eq!(verifier.root_kids(), old_kid);

    // A chain whose statement was altered: refused, nothing changes.
    let mut broken: serde_json::Value = serde_json::from_str(&chain).unwrap();
    let signature = broken[0]["signatures"][1]["signature"]
        .as_str()
        .unwrap()
        .to_string();
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    broken[0]["signatures"][1]["signature"] = format!("{flipped}{}", &signature[1..]).into();
    let error = verifier
        .replace_lists(
            &new_list,
            &revocations,
            "https://issuer.test",
            Some(&broken.to_string()),
        )
        .unwrap_err();
    assert!(error.starts_with("root handovers:"), "{error}");
    assert_eq!(verifier.root_kids(), old_kid);

    // A chain between two roots this page never pinned leads nowhere: the list is refused.
    let other_dir = tempfile::tempdir().unwrap();
    let other_list = other_dir.path().join("trust-list.jws");
    let stranger = IssuingKey::generate_root(Some(KeyId::new("stranger").unwrap())).unwrap();
    let stranger_2 = IssuingKey::generate_root(Some(KeyId::new("stranger-2").unwrap())).unwrap();
    std::fs::write(&other_list, issuer.trust_list_signed_by(&stranger)).unwrap();
    let foreign = goodstanding_operations::publication::rotate_root(
        &other_list,
        &stranger,
        &stranger_2,
        issuer.now,
    )
    .unwrap();
    let error = verifier
        .replace_lists(
            &std::fs::read_to_string(&other_list).unwrap(),
            &revocations,
            "https://issuer.test",
            Some(&std::fs::read_to_string(&foreign.handovers).unwrap()),
        )
        .unwrap_err();
    assert!(error.contains("stranger-2"), "{error}");
    assert_eq!(verifier.root_kids(), old_kid);

    // With the published chain: followed, the new root pinned, the certificate valid.
    assert!(
        verifier
            .replace_lists(&new_list, &revocations, "https://issuer.test", Some(&chain))
            .unwrap()
    );
    assert_eq!(verifier.root_kids(), "web-root-2");
    let verdict = verifier.verify_at(issued.qr_text(), issuer.now)["verdict"].clone();
    assert_eq!(verdict["status"], "valid", "{verdict}");
}
