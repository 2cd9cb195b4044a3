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
    certificate.schema_version = 2;
    let issued = sign_certificate(certificate, &key).unwrap();
    let result = verify(issued.jws().as_bytes(), &trust, common::issued_at());
    assert_eq!(result.unwrap_err(), VerifyError::UnsupportedVersion(2));
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
