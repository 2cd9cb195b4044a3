//! The two carriers hold one signature: they convert into each other without loss and both
//! verify; and verification refuses what it must.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use goodstanding_issuer::issue::sign_certificate;
use goodstanding_verifier::{Carrier, SignedCertificate, Timestamp, VerifyError, verify};

#[test]
fn jws_and_qr_text_convert_without_loss_and_both_verify() {
    let (key, trust) = common::key_and_trust("carrier-test");
    for (name, request) in common::examples() {
        let issued = common::issue_example(&request, &key);
        let (jws, qr) = (issued.jws(), issued.qr_text().to_string());
        assert!(
            qr.bytes()
                .all(|b| b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".contains(&b))
        );
        assert_eq!(
            SignedCertificate::from_qr_text(&qr).unwrap().to_compact(),
            jws,
            "{name}"
        );
        assert_eq!(
            SignedCertificate::from_compact(&jws).unwrap().to_qr_text(),
            qr,
            "{name}"
        );
        for (text, carrier) in [(&jws, Carrier::Jws), (&qr, Carrier::QrText)] {
            let verified = verify(text.as_bytes(), &trust, common::issued_at()).unwrap();
            assert_eq!(verified.carrier, carrier);
            assert_eq!(verified.certificate, issued.certificate, "{name}");
        }
    }
}

#[test]
fn a_supported_version_is_required_even_with_a_good_signature() {
    let (key, trust) = common::key_and_trust("version-test");
    let (_, request) = common::examples().remove(0);
    let mut certificate = common::issue_example(&request, &key).certificate;
    certificate.schema_version = 3;
    let issued = sign_certificate(certificate, &key).unwrap();
    let result = verify(issued.jws().as_bytes(), &trust, common::issued_at());
    assert_eq!(result.unwrap_err(), VerifyError::UnsupportedVersion(3));
}

#[test]
fn each_version_holds_exactly_its_own_fields() {
    let (key, trust) = common::key_and_trust("version-fields-test");
    let (_, request) = common::examples().remove(0);
    let issued = common::issue_example(&request, &key).certificate;
    assert_eq!(issued.schema_version, 2);
    assert!(issued.disclosure_level.is_some());
    // Version 2 without its disclosure level, and version 1 with it, are both refused.
    let mut no_level = issued.clone();
    no_level.disclosure_level = None;
    let mut old_with_level = issued.clone();
    old_with_level.schema_version = 1;
    for certificate in [no_level, old_with_level] {
        let signed = sign_certificate(certificate, &key).unwrap();
        let result = verify(signed.jws().as_bytes(), &trust, common::issued_at());
        assert!(matches!(result, Err(VerifyError::Policy(_))), "{result:?}");
    }
    // Version 1 as it was: no level, no record ids; it verifies during the transition.
    let mut value = serde_json::to_value(&issued).unwrap();
    for list in ["findings", "convictions", "departures"] {
        for record in value[list].as_array_mut().unwrap() {
            record.as_object_mut().unwrap().remove("id");
        }
    }
    let mut version_1: goodstanding_verifier::model::Certificate =
        serde_json::from_value(value).unwrap();
    version_1.schema_version = 1;
    version_1.disclosure_level = None;
    let signed = sign_certificate(version_1, &key).unwrap();
    assert!(verify(signed.jws().as_bytes(), &trust, common::issued_at()).is_ok());
}

#[test]
fn validity_is_checked_at_the_time_given() {
    let (key, trust) = common::key_and_trust("time-test");
    let (_, request) = common::examples().remove(0);
    let qr = common::issue_example(&request, &key).qr_text().to_string();
    let at = |t: &str| verify(qr.as_bytes(), &trust, Timestamp::parse(t).unwrap());
    assert!(at("2026-11-23T12:00:00Z").is_ok());
    assert!(at("2027-02-21T11:59:59Z").is_ok());
    assert!(matches!(
        at("2027-02-21T12:00:00Z"),
        Err(VerifyError::Expired(_))
    ));
    assert!(matches!(
        at("2026-11-23T11:59:59Z"),
        Err(VerifyError::NotYetValid(_))
    ));
}

#[test]
fn the_verifier_refuses_signed_content_that_breaks_policy() {
    let (key, trust) = common::key_and_trust("policy-test");
    let (_, request) = common::examples().remove(0);
    let good = common::issue_example(&request, &key).certificate;

    let mut too_long = good.clone();
    too_long.valid_until = too_long.valid_from.plus_days(91).unwrap();
    let mut wrong_kid = good;
    wrong_kid.issuer.kid = goodstanding_verifier::KeyId::new("someone-else").unwrap();

    for (what, certificate) in [("91 days", too_long), ("issuer.kid", wrong_kid)] {
        let signed = sign_certificate(certificate, &key).unwrap();
        match verify(signed.jws().as_bytes(), &trust, common::issued_at()) {
            Err(VerifyError::Policy(message)) => {
                assert!(
                    message.contains("90 days") || message.contains("issuer.kid"),
                    "{message}"
                )
            }
            other => panic!("{what}: expected a policy refusal, got {other:?}"),
        }
    }
}

#[test]
fn rendering_is_byte_identical_across_calls_and_threads() {
    let key = common::demo_key();
    for (name, request) in common::examples() {
        let issued = common::issue_example(&request, &key);
        let render =
            || goodstanding_issuer::pdf::render(&issued.certificate, &issued.signed).unwrap();
        let first = render();
        assert!(first.starts_with(b"%PDF-1.7"), "{name}");
        assert!(first.len() <= 40 * 1024, "{name}: {} bytes", first.len());
        let parallel: Vec<Vec<u8>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4).map(|_| s.spawn(render)).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for other in parallel {
            assert!(other == first, "{name}: renders differ");
        }
    }
}

#[test]
fn long_records_flow_onto_a_second_page_with_the_qr_code_on_page_one() {
    let (key, _) = common::key_and_trust("pdf-pages");
    let (_, request) = common::examples()
        .into_iter()
        .find(|(n, _)| n == "several-records")
        .unwrap();
    let mut certificate = common::issue_example(&request, &key).certificate;
    let findings: Vec<_> = (0..20).map(|_| certificate.findings[0].clone()).collect();
    certificate.findings = goodstanding_verifier::text::BoundedVec::new(findings).unwrap();
    // Too large to issue (its QR code needs more than version 25) but it still renders.
    let signed = goodstanding_verifier::SignedCertificate::from_parts(
        b"{}".to_vec(),
        serde_json::to_vec(&certificate).unwrap(),
        [0; 64],
    )
    .unwrap();
    let pdf = goodstanding_issuer::pdf::render(&certificate, &signed).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let info = std::process::Command::new("pdfinfo")
        .arg(&path)
        .output()
        .expect("pdfinfo is missing: apt-get install poppler-utils, or run tools/test.sh");
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["Pages:", "2"]),
        "two pages: {info}"
    );
    let page = |n: &str| {
        let out = std::process::Command::new("pdftotext")
            .args(["-f", n, "-l", n])
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext is missing: apt-get install poppler-utils, or run tools/test.sh");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(
        page("1").contains("Scan to verify"),
        "the QR code is on page 1"
    );
    let second = page("2");
    assert!(
        second.contains("Disciplinary findings (continued)"),
        "{second}"
    );
    assert!(second.contains("Page 2 of 2"), "{second}");
}
