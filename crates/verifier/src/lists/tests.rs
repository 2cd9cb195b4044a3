//! The signed lists: who may sign each, the key policy (periods, retirement, compromise), the
//! checks on a list's content, and rollback.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::model::RevocationReason;
use crate::test_support::{public_jwk as jwk, sign_compact as sign};
use crate::text::CertificateId;
use crate::time::Date;
use crate::trust::KeyProblem;

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

fn roots() -> TrustStore {
    let mut roots = TrustStore::new();
    roots.add(jwk(1, "root")).unwrap();
    roots
}

fn entry(seed: u8, kid: &str) -> TrustedKeyEntry {
    TrustedKeyEntry {
        key: jwk(seed, kid),
        from: at("2026-01-01T00:00:00Z"),
        until: None,
        status: KeyStatus::Active,
        compromised_at: None,
        issuer: None,
    }
}

fn trust_list(keys: Vec<TrustedKeyEntry>) -> TrustListContent {
    TrustListContent {
        trust_list_version: 1,
        sequence: 3,
        issued_at: at("2026-06-01T00:00:00Z"),
        keys,
        transparency_log: None,
    }
}

fn signed_trust_list(content: &TrustListContent) -> String {
    sign(
        1,
        "root",
        TRUST_LIST_TYP,
        &serde_json::to_vec(content).unwrap(),
    )
}

#[test]
fn a_trust_list_verifies_only_with_a_pinned_root_and_only_as_signed() {
    let content = trust_list(vec![entry(2, "issuing")]);
    let signed = signed_trust_list(&content);
    let list = TrustList::verify(signed.as_bytes(), &roots()).unwrap();
    assert_eq!(list.content, content);
    assert_eq!(list.root_kid, "root");
    assert_eq!(list.to_store().trust_list(), Some((3, content.issued_at)));

    // Signed by a key that is not a pinned root (an issuing key, say).
    let by_other = sign(
        2,
        "root",
        TRUST_LIST_TYP,
        &serde_json::to_vec(&content).unwrap(),
    );
    assert_eq!(
        TrustList::verify(by_other.as_bytes(), &roots()),
        Err(ListError::BadSignature)
    );
    let unknown = sign(1, "other-root", TRUST_LIST_TYP, b"{}");
    let error = TrustList::verify(unknown.as_bytes(), &roots()).unwrap_err();
    assert_eq!(
        error,
        ListError::UnknownRoot {
            kid: "other-root".into(),
            pinned: vec!["root".into()],
        }
    );
    // The message lists the pinned roots and says how to pin a new one.
    let message = error.to_string();
    assert!(
        message.contains("pinned: root") && message.contains("trust update --from URL --root"),
        "{message}"
    );
    // Another kind of document, signed by the root all the same.
    let revocations = sign(1, "root", REVOCATION_LIST_TYP, b"{}");
    assert!(matches!(
        TrustList::verify(revocations.as_bytes(), &roots()),
        Err(ListError::WrongType { .. })
    ));
    // One payload character changed.
    let mut tampered = signed.clone().into_bytes();
    let dot = signed.find('.').unwrap();
    tampered[dot + 10] = if tampered[dot + 10] == b'A' {
        b'B'
    } else {
        b'A'
    };
    assert_eq!(
        TrustList::verify(&tampered, &roots()),
        Err(ListError::BadSignature)
    );
    let big = vec![b'a'; MAX_TRUST_LIST_LEN + 1];
    assert_eq!(
        TrustList::verify(&big, &roots()),
        Err(ListError::TooLarge {
            limit: MAX_TRUST_LIST_LEN
        })
    );
}

#[test]
fn entries_that_contradict_each_other_are_refused_naming_the_key() {
    let kid = KeyId::new("issuing").unwrap();
    let check = |change: &dyn Fn(&mut TrustedKeyEntry)| {
        let mut e = entry(2, "issuing");
        change(&mut e);
        trust_list(vec![e]).check()
    };
    assert_eq!(check(&|_| {}), Ok(()));
    assert_eq!(
        check(&|e| e.until = Some(e.from)),
        Err(TrustListProblem::UntilNotAfterFrom(kid.clone()))
    );
    assert_eq!(
        check(&|e| e.status = KeyStatus::Compromised),
        Err(TrustListProblem::CompromisedWithoutTime(kid.clone()))
    );
    assert_eq!(
        check(&|e| e.compromised_at = Some(e.from)),
        Err(TrustListProblem::CompromiseTimeOnSoundKey(kid.clone()))
    );
    assert_eq!(
        check(&|e| e.status = KeyStatus::Retired),
        Err(TrustListProblem::RetiredWithoutUntil(kid.clone()))
    );
    let twice = trust_list(vec![entry(2, "issuing"), entry(3, "issuing")]);
    assert_eq!(twice.check(), Err(TrustListProblem::Duplicate(kid)));
    let mut version_4 = trust_list(vec![]);
    version_4.trust_list_version = 4;
    assert_eq!(version_4.check(), Err(TrustListProblem::Version(4)));
    // A list whose entries contradict each other is refused even when the root signed it.
    let mut retired = entry(2, "issuing");
    retired.status = KeyStatus::Retired;
    let signed = signed_trust_list(&trust_list(vec![retired]));
    let error = TrustList::verify(signed.as_bytes(), &roots()).unwrap_err();
    assert!(
        error.to_string().contains("retired without until"),
        "{error}"
    );
}

#[test]
fn the_key_policy_allows_a_key_only_in_its_period_and_before_its_compromise() {
    let mut retired = entry(2, "retired");
    retired.status = KeyStatus::Retired;
    retired.until = Some(at("2026-07-01T00:00:00Z"));
    let mut compromised = entry(3, "compromised");
    compromised.status = KeyStatus::Compromised;
    compromised.compromised_at = Some(at("2026-09-01T00:00:00Z"));
    let store = TrustList {
        content: trust_list(vec![retired, compromised]),
        root_kid: "root".into(),
    }
    .to_store();

    let before_from = at("2025-12-31T23:59:59Z");
    assert!(matches!(
        store.authorised("retired", before_from, None),
        Err(KeyProblem::NotYet { .. })
    ));
    assert_eq!(
        store.authorised("retired", at("2026-01-01T00:00:00Z"), None),
        Ok(None)
    );
    // A retired key's earlier certificates stay valid; it signs nothing from `until` on.
    assert_eq!(
        store.authorised("retired", at("2026-06-30T23:59:59Z"), None),
        Ok(None)
    );
    assert!(matches!(
        store.authorised("retired", at("2026-07-01T00:00:00Z"), None),
        Err(KeyProblem::Ended { .. })
    ));

    // Compromise: refused from the compromise time on; before it, accepted with the time to
    // warn of, unless the certificate's validity starts after the compromise (a backdated
    // forgery's tell).
    let compromise = at("2026-09-01T00:00:00Z");
    assert!(matches!(
        store.authorised("compromised", compromise, None),
        Err(KeyProblem::Compromised { .. })
    ));
    let earlier = at("2026-08-01T00:00:00Z");
    assert_eq!(
        store.authorised("compromised", earlier, Some(earlier)),
        Ok(Some(compromise))
    );
    assert!(matches!(
        store.authorised("compromised", earlier, Some(at("2026-09-02T00:00:00Z"))),
        Err(KeyProblem::ValidAfterCompromise { .. })
    ));
}

fn revocation_list(revoked: Vec<RevokedEntry>) -> RevocationListContent {
    RevocationListContent {
        revocation_list_version: 1,
        sequence: 5,
        issued_at: at("2026-06-02T00:00:00Z"),
        next_update: at("2026-06-09T00:00:00Z"),
        revoked,
    }
}

fn revoked(letter: char) -> RevokedEntry {
    RevokedEntry(
        CertificateId::new(std::iter::repeat_n(letter, 26).collect::<String>()).unwrap(),
        Date::parse("2026-06-01").unwrap(),
        RevocationReason::IssuedInError,
    )
}

#[test]
fn a_revocation_list_needs_an_issuing_key_allowed_then_sorted_ids_and_a_later_next_update() {
    let mut retired = entry(2, "issuing");
    retired.status = KeyStatus::Retired;
    retired.until = Some(at("2026-06-01T00:00:00Z"));
    let keys = TrustList {
        content: trust_list(vec![retired, entry(3, "current")]),
        root_kid: "root".into(),
    }
    .to_store();
    let sign_list = |seed, kid, content: &RevocationListContent| {
        sign(
            seed,
            kid,
            REVOCATION_LIST_TYP,
            &serde_json::to_vec(content).unwrap(),
        )
    };
    let good = revocation_list(vec![revoked('a'), revoked('b')]);
    let list = RevocationList::verify(sign_list(3, "current", &good).as_bytes(), &keys).unwrap();
    assert_eq!(list.signer, "current");
    assert!(list.find(&revoked('b').0).is_some());
    assert!(list.find(&revoked('c').0).is_none());

    // Signed by a key retired before the list's issue time.
    let error = RevocationList::verify(sign_list(2, "issuing", &good).as_bytes(), &keys);
    assert!(matches!(error, Err(ListError::SignerNotAuthorised(_))));
    // The root signs trust lists, not revocation lists.
    let error = RevocationList::verify(sign_list(1, "root", &good).as_bytes(), &keys);
    assert_eq!(error, Err(ListError::UnknownSigner("root".into())));

    let unsorted = revocation_list(vec![revoked('b'), revoked('a')]);
    let error = RevocationList::verify(sign_list(3, "current", &unsorted).as_bytes(), &keys);
    assert!(matches!(error, Err(ListError::Malformed(m)) if m.contains("sorted")));
    let mut backwards = revocation_list(vec![]);
    backwards.next_update = backwards.issued_at;
    let error = RevocationList::verify(sign_list(3, "current", &backwards).as_bytes(), &keys);
    assert!(matches!(error, Err(ListError::Malformed(m)) if m.contains("next_update")));
}

#[test]
fn an_older_list_or_another_list_under_the_same_number_is_a_rollback() {
    assert!(!is_rollback(3, "list-3", 4, "list-4"));
    assert!(!is_rollback(3, "list-3", 3, " list-3\n"));
    assert!(is_rollback(3, "list-3", 2, "list-2"));
    assert!(is_rollback(3, "list-3", 3, "another list-3"));
}

#[test]
fn version_2_names_every_keys_issuing_body_and_version_1_none() {
    let body = IssuingBody {
        name: crate::text::Text::new("Demo Body").unwrap(),
        address: crate::text::Text::new("1 Example Street").unwrap(),
        check_url: crate::text::Text::new("https://example.org/check").unwrap(),
    };
    let mut described = entry(2, "a");
    described.issuer = Some(body.clone());
    let mut list = trust_list(vec![described.clone()]);
    assert!(matches!(
        list.check(),
        Err(TrustListProblem::IssuerForVersion(_, 1))
    ));
    list.trust_list_version = 2;
    list.check().unwrap();
    list.keys.push(entry(3, "b"));
    assert!(matches!(
        list.check(),
        Err(TrustListProblem::IssuerForVersion(_, 2))
    ));
    let mut plain = described;
    plain.issuer = Some(IssuingBody {
        check_url: crate::text::Text::new("http://example.org").unwrap(),
        ..body
    });
    let list = TrustListContent {
        trust_list_version: 2,
        ..trust_list(vec![plain])
    };
    assert!(matches!(list.check(), Err(TrustListProblem::CheckUrl(_))));
    let list = TrustListContent {
        trust_list_version: 4,
        ..trust_list(vec![])
    };
    assert_eq!(list.check(), Err(TrustListProblem::Version(4)));
    // Version 3 is version 2 with the transparency log, and only it has one.
    let list = TrustListContent {
        trust_list_version: 3,
        ..trust_list(vec![])
    };
    assert_eq!(list.check(), Err(TrustListProblem::LogForVersion(3)));
}

#[test]
fn a_version_3_list_names_a_usable_transparency_log_and_its_earlier_forms_leave_it_out() {
    use crate::lists::TransparencyLogTrust;
    use crate::note::VerifierKey;
    let log_key = VerifierKey::new(
        "log.example.org/log",
        ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key(),
    )
    .unwrap();
    let log = TransparencyLogTrust {
        policy: format!("log {}\nquorum none\n", log_key.to_vkey()),
        url: "https://example.org/log".into(),
        subject_tag_key: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into(),
        required_from: crate::Timestamp::parse("2027-01-01T00:00:00Z").unwrap(),
    };
    let v2 = TrustListContent {
        trust_list_version: 2,
        ..trust_list(vec![])
    };
    let v3 = TrustListContent {
        trust_list_version: 3,
        transparency_log: Some(log.clone()),
        ..v2.clone()
    };
    assert_eq!(v3.check(), Ok(()));
    assert_eq!(v3.as_version_2(), v2);
    assert_eq!(v3.as_version_1().transparency_log, None);
    for (bad, what) in [
        (
            TransparencyLogTrust {
                policy: "quorum none\n".into(),
                ..log.clone()
            },
            "names no log",
        ),
        (
            TransparencyLogTrust {
                url: "ftp://x".into(),
                ..log.clone()
            },
            "not an http",
        ),
        (
            TransparencyLogTrust {
                subject_tag_key: "AAAA".into(),
                ..log.clone()
            },
            "32 bytes",
        ),
        (
            TransparencyLogTrust {
                policy: "log x\n".into(),
                ..log.clone()
            },
            "policy line 1",
        ),
    ] {
        let list = TrustListContent {
            transparency_log: Some(bad),
            ..v3.clone()
        };
        let problem = list.check().unwrap_err().to_string();
        assert!(problem.contains(what), "{problem}");
    }
    let with_log = TrustListContent {
        transparency_log: Some(log),
        ..v2
    };
    assert_eq!(with_log.check(), Err(TrustListProblem::LogForVersion(2)));
}
