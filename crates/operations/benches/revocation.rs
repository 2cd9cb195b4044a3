//! Verification with a 100,000-entry revocation list loaded, against none; the time to load
//! (verify and read) the list, as `goodstanding verify` does on every run; and its size.
//!
//! Run: `cargo bench -p goodstanding-operations --bench revocation`. Before the timings it prints the
//! signed list's size in bytes (as published and as cached).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::Criterion;
use goodstanding_issuer::{CertificateRequest, IssuingKey, issue_with_id};
use goodstanding_operations::publication::{TrustChange, apply_change, sign_compact};
use goodstanding_verifier::lists::{
    REVOCATION_LIST_TYP, RevocationList, RevocationListContent, RevokedEntry, TRUST_LIST_TYP,
    TrustList,
};
use goodstanding_verifier::model::RevocationReason;
use goodstanding_verifier::{CertificateId, Date, KeyId, Timestamp, TrustStore, verify};

const REVOKED: usize = 100_000;

/// A random certificate id, as the issuer makes them (128 bits, base32).
fn random_id() -> CertificateId {
    goodstanding_issuer::issue::random_certificate_id().unwrap()
}

fn main() {
    let now = Timestamp::parse("2026-11-23T12:00:00Z").unwrap();
    let root = IssuingKey::generate_root(None).unwrap();
    let key = IssuingKey::generate(Some(KeyId::new("bench").unwrap())).unwrap();
    let content = apply_change(
        None,
        &TrustChange::Add {
            key: Box::new(key.public_jwk()),
            from: Timestamp::parse("2026-01-01T00:00:00Z").unwrap(),
            until: None,
            issuer: None,
        },
        now,
    )
    .unwrap();
    let trust_jws = sign_compact(
        &root,
        TRUST_LIST_TYP,
        &serde_json::to_vec(&content).unwrap(),
    )
    .unwrap();
    let mut roots = TrustStore::new();
    roots.add(root.public_jwk()).unwrap();

    let mut revoked: Vec<RevokedEntry> = (0..REVOKED)
        .map(|i| {
            RevokedEntry(
                random_id(),
                Date::parse("2026-10-01").unwrap(),
                RevocationReason::ALL[i % 4],
            )
        })
        .collect();
    revoked.sort_by(|a, b| a.0.cmp(&b.0));
    revoked.dedup_by(|a, b| a.0 == b.0);
    let list = RevocationListContent {
        revocation_list_version: 1,
        sequence: 1,
        issued_at: now,
        next_update: now.plus_days(7).unwrap(),
        revoked,
    };
    let revocation_jws = sign_compact(
        &key,
        REVOCATION_LIST_TYP,
        &serde_json::to_vec(&list).unwrap(),
    )
    .unwrap();
    println!(
        "revocation list: {} entries, {} bytes signed ({:.1} MiB; {:.0} bytes an entry); trust \
         list {} bytes",
        list.revoked.len(),
        revocation_jws.len(),
        revocation_jws.len() as f64 / 1024.0 / 1024.0,
        revocation_jws.len() as f64 / list.revoked.len() as f64,
        trust_jws.len()
    );

    let load = || {
        let trust = TrustList::verify(trust_jws.as_bytes(), &roots).unwrap();
        let mut store = trust.to_store();
        store.set_revocations(RevocationList::verify(revocation_jws.as_bytes(), &store).unwrap());
        store
    };
    let with_list = load();
    let without_list = TrustList::verify(trust_jws.as_bytes(), &roots)
        .unwrap()
        .to_store();

    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/requests");
    let text = std::fs::read_to_string(dir.join("several-records.json")).unwrap();
    let request = CertificateRequest::from_json(&text).unwrap();
    let id = CertificateId::new("aaaaaaaaaaaaaaaaaaaaaaaaaa").unwrap();
    let issued = issue_with_id(&request, &key, now, id).unwrap();
    let qr = issued.qr_text().to_string();
    // One certificate that is on the list, to check the lookup finds it.
    let revoked_id = list.revoked[REVOKED / 2].0.clone();
    assert!(with_list.revocations().unwrap().find(&revoked_id).is_some());
    assert!(verify(qr.as_bytes(), &with_list, now).is_ok());

    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("revocation");
    group.bench_function("verify QR text, no revocation list", |b| {
        b.iter(|| verify(black_box(qr.as_bytes()), &without_list, now).unwrap())
    });
    group.bench_function("verify QR text, 100,000 revoked loaded", |b| {
        b.iter(|| verify(black_box(qr.as_bytes()), &with_list, now).unwrap())
    });
    group.bench_function("look up an id in 100,000 revoked", |b| {
        b.iter(|| {
            with_list
                .revocations()
                .unwrap()
                .find(black_box(&revoked_id))
        })
    });
    group.sample_size(10);
    group.bench_function("load trust + revocation list (verify, parse)", |b| {
        b.iter(load)
    });
    group.finish();
    c.final_summary();
}
