//! Verification's order and edges: the header and key before the signature, the signature
//! before the payload, the policy every certificate keeps, the validity boundaries, revocation,
//! and the fresh-list requirement.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::*;
use crate::lists::{RevocationList, RevocationListContent, RevokedEntry};
use crate::test_support::{public_jwk, sign_with_header};
use crate::text::CertificateId;

/// A genuine certificate's payload (the test vector issued with the demo key), to re-sign with
/// the test key after changing it.
const VECTOR: &str = include_str!("../../../../tests/vectors/gsc1-issued-2026-11-23.jws");
const KID: &str = "unit-test";

const SEED: u8 = 7;

fn store() -> TrustStore {
    let mut store = TrustStore::new();
    store.add(public_jwk(SEED, KID)).unwrap();
    store
}

/// The vector's payload, its issuer key id set to the test key's.
fn payload() -> Value {
    let encoded = VECTOR.trim().split('.').nth(1).unwrap();
    let mut value: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(encoded).unwrap()).unwrap();
    value["issuer"]["kid"] = json!(KID);
    value
}

fn sign_with(header: &Value, payload: &Value) -> String {
    sign_with_header(SEED, &header.to_string(), payload.to_string().as_bytes())
}

fn sign(payload: &Value) -> String {
    sign_with(
        &json!({"alg": "EdDSA", "kid": KID, "typ": CERTIFICATE_TYP}),
        payload,
    )
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

const FROM: &str = "2026-11-23T06:46:14Z";
const UNTIL: &str = "2027-02-21T06:46:14Z";

#[test]
fn a_certificate_is_valid_from_its_first_second_until_its_last() {
    let jws = sign(&payload());
    let store = store();
    let verified = verify(jws.as_bytes(), &store, at(FROM)).unwrap();
    assert_eq!(verified.carrier, Carrier::Jws);
    assert_eq!(verified.revocation, RevocationCheck::NotChecked);
    assert!(matches!(
        verify(jws.as_bytes(), &store, at("2026-11-23T06:46:13Z")),
        Err(VerifyError::NotYetValid(_))
    ));
    assert!(verify(jws.as_bytes(), &store, at("2027-02-21T06:46:13Z")).is_ok());
    let expired = verify(jws.as_bytes(), &store, at(UNTIL)).unwrap_err();
    assert!(matches!(expired, VerifyError::Expired(_)));
    // Genuine though expired: what it says is still there to show.
    assert_eq!(
        expired.verified().unwrap().certificate.valid_until,
        at(UNTIL)
    );
    assert_eq!(expired.kind(), ErrorKind::Policy);
}

#[test]
fn the_header_and_the_key_are_checked_before_the_signature_and_the_signature_before_the_payload() {
    let store = store();
    let now = at(FROM);
    let header = |h: Value| sign_with(&h, &payload());
    assert!(matches!(
        verify(
            header(json!({"alg": "EdDSA", "kid": KID})).as_bytes(),
            &store,
            now
        ),
        Err(VerifyError::NotACertificate(None))
    ));
    assert!(matches!(
        verify(
            header(json!({"alg": "ES256", "kid": KID, "typ": CERTIFICATE_TYP})).as_bytes(),
            &store,
            now
        ),
        Err(VerifyError::UnsupportedAlgorithm(_))
    ));
    assert!(matches!(
        verify(
            header(json!({"alg": "EdDSA", "typ": CERTIFICATE_TYP})).as_bytes(),
            &store,
            now
        ),
        Err(VerifyError::Header(_))
    ));
    assert_eq!(
        verify(
            header(json!({"alg": "EdDSA", "kid": "stranger", "typ": CERTIFICATE_TYP})).as_bytes(),
            &store,
            now
        )
        .unwrap_err(),
        VerifyError::UnknownKey("stranger".into())
    );
    // A payload that is not even JSON, unsigned: a bad signature, never a parse error.
    let jws = sign(&payload());
    let mut parts: Vec<&str> = jws.split('.').collect();
    let garbage = URL_SAFE_NO_PAD.encode(b"{not json");
    parts[1] = &garbage;
    assert_eq!(
        verify(parts.join(".").as_bytes(), &store, now).unwrap_err(),
        VerifyError::BadSignature
    );
    // Signed, but of a schema version this verifier does not read: said so before any field
    // is parsed.
    let mut future = payload();
    future["schema_version"] = json!(9);
    future["a_field_of_version_9"] = json!(true);
    assert_eq!(
        verify(sign(&future).as_bytes(), &store, now).unwrap_err(),
        VerifyError::UnsupportedVersion(9)
    );
}

#[test]
fn a_signed_certificate_that_breaks_the_policy_every_certificate_keeps_is_refused() {
    let store = store();
    let now = at(FROM);
    let mut other_kid = payload();
    other_kid["issuer"]["kid"] = json!("demo-2026");
    let error = verify(sign(&other_kid).as_bytes(), &store, now).unwrap_err();
    assert!(matches!(&error, VerifyError::Policy(m) if m.contains("differs from the signing key")));
    let mut too_long = payload();
    too_long["valid_until"] = json!("2027-02-21T06:46:15Z");
    let error = verify(sign(&too_long).as_bytes(), &store, now).unwrap_err();
    assert!(matches!(&error, VerifyError::Policy(m) if m.contains("at most 90 days")));
    let mut backwards = payload();
    backwards["valid_until"] = json!(FROM);
    assert!(matches!(
        verify(sign(&backwards).as_bytes(), &store, now),
        Err(VerifyError::Policy(_))
    ));
}

/// Rule 1: record ids are of version 2, and no two records of a certificate share one.
#[test]
fn record_ids_belong_to_version_2_and_are_never_shared() {
    let store = store();
    let now = at(FROM);
    let mut version_2 = payload();
    version_2["schema_version"] = json!(2);
    version_2["disclosure_level"] = json!("standard");
    version_2["findings"][0]["id"] = json!("f-aaaaaaaa");
    version_2["findings"][1]["id"] = json!("f-bbbbbbbb");
    version_2["convictions"][0]["id"] = json!("c-aaaaaaaa");
    version_2["departures"][1]["id"] = json!("d-aaaaaaaa");
    let verified = verify(sign(&version_2).as_bytes(), &store, now).unwrap();
    let ids: Vec<&str> = verified
        .certificate
        .record_ids()
        .map(|id| id.as_str())
        .collect();
    assert_eq!(
        ids,
        ["f-aaaaaaaa", "f-bbbbbbbb", "c-aaaaaaaa", "d-aaaaaaaa"]
    );

    let mut shared = version_2.clone();
    shared["findings"][1]["id"] = json!("f-aaaaaaaa");
    let error = verify(sign(&shared).as_bytes(), &store, now).unwrap_err();
    assert!(
        matches!(&error, VerifyError::Policy(m) if m.contains("two records have the id f-aaaaaaaa")),
        "{error}"
    );

    let mut version_1 = payload();
    version_1["findings"][0]["id"] = json!("f-aaaaaaaa");
    let error = verify(sign(&version_1).as_bytes(), &store, now).unwrap_err();
    assert!(
        matches!(&error, VerifyError::Policy(m) if m.contains("version 1 certificate holds")),
        "{error}"
    );

    let mut malformed = version_2;
    malformed["findings"][0]["id"] = json!("x-aaaaaaaa");
    assert!(verify(sign(&malformed).as_bytes(), &store, now).is_err());
}

fn with_revocations(store: &mut TrustStore, revoked: Vec<RevokedEntry>) {
    store.set_revocations(RevocationList {
        content: RevocationListContent {
            revocation_list_version: 1,
            sequence: 4,
            issued_at: at("2026-11-24T00:00:00Z"),
            next_update: at("2026-12-01T00:00:00Z"),
            revoked,
        },
        signer: KID.into(),
    });
}

#[test]
fn revocation_and_a_stale_or_missing_list_under_require_fresh() {
    let jws = sign(&payload());
    let id = CertificateId::new(payload()["id"].as_str().unwrap()).unwrap();
    let now = at("2026-11-25T00:00:00Z");

    let mut store = store();
    store.set_require_fresh(true);
    assert!(matches!(
        verify(jws.as_bytes(), &store, now),
        Err(VerifyError::NoRevocationList(_))
    ));
    with_revocations(&mut store, vec![]);
    let verified = verify(jws.as_bytes(), &store, now).unwrap();
    assert!(matches!(
        verified.revocation,
        RevocationCheck::Checked {
            sequence: 4,
            stale: false,
            ..
        }
    ));
    let stale = at("2026-12-01T00:00:00Z");
    assert!(matches!(
        verify(jws.as_bytes(), &store, stale),
        Err(VerifyError::RevocationStale { .. })
    ));
    // Without --require-fresh, a stale list is a warning on a valid verdict.
    store.set_require_fresh(false);
    assert!(verify(jws.as_bytes(), &store, stale).is_ok());

    let on = crate::time::Date::parse("2026-11-24").unwrap();
    with_revocations(
        &mut store,
        vec![RevokedEntry(id, on, RevocationReason::NewInformation)],
    );
    let error = verify(jws.as_bytes(), &store, now).unwrap_err();
    assert!(matches!(&error, VerifyError::Revoked { on: day, .. } if *day == on));
    assert_eq!(error.code(), "revoked");
    assert!(error.verified().is_some());
}
