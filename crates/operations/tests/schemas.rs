//! The lists `publish` writes validate against the committed JSON Schemas of the trust list and
//! the revocation list.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

#[path = "../../issuer/tests/common/mod.rs"]
mod common;

use serde_json::Value;

#[test]
fn published_trust_and_revocation_lists_validate_against_their_schemas() {
    use goodstanding_operations::publication::{
        PublishOptions, TrustChange, change_trust_list, publish,
    };
    use goodstanding_verifier::model::RevocationReason;

    let dir = tempfile::tempdir().unwrap();
    let root = goodstanding_issuer::IssuingKey::generate_root(None).unwrap();
    let (key, _) = common::key_and_trust("schema-lists");
    let now = common::issued_at();
    let list = dir.path().join("trust-list.jws");
    change_trust_list(
        &list,
        &root,
        &TrustChange::Add {
            key: Box::new(key.public_jwk()),
            from: now,
            until: None,
            issuer: None,
        },
        now,
    )
    .unwrap();
    let mut register =
        goodstanding_operations::register::Register::open(&dir.path().join("register.sqlite"))
            .unwrap();
    let (request_name, request) = common::examples().remove(0);
    let recorded = goodstanding_operations::single::issue_recorded(
        &mut register,
        &request,
        &key,
        now,
        &dir.path().join("out"),
        false,
        None,
        None,
    )
    .unwrap_or_else(|e| panic!("{request_name}: {e}"));
    register
        .revoke(
            recorded.issued.id().as_str(),
            RevocationReason::IssuedInError,
            now,
        )
        .unwrap();
    let mut roots = goodstanding_verifier::TrustStore::new();
    roots.add(root.public_jwk()).unwrap();
    let site = dir.path().join("site");
    let published = publish(
        &PublishOptions {
            site: &site,
            key: &key,
            trust_list: &list,
            roots: &roots,
            now,
            next_update: now.plus_days(1).unwrap(),
        },
        &mut register,
    )
    .unwrap();
    assert_eq!(published.revocation_list.revoked.len(), 1);

    for (file, schema) in [
        ("trust-list.jws", "trust-list.schema.json"),
        ("revocation-list.jws", "revocation-list.schema.json"),
    ] {
        let jws = std::fs::read_to_string(site.join(file)).unwrap();
        let payload = base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            jws.trim().split('.').nth(1).unwrap(),
        )
        .unwrap();
        let instance: Value = serde_json::from_slice(&payload).unwrap();
        let errors = common::schema_errors(&common::schema_validator(schema), &instance);
        assert!(errors.is_empty(), "{file}: {errors:?}\n{instance}");
    }
}
