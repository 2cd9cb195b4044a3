//! Properties over generated input (proptest): any valid request signs and verifies from both
//! carriers; QR text and `.jws` convert into each other without loss; any change to the signed
//! bytes is rejected.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use goodstanding_issuer::{CertificateRequest, IssuedCertificate, synthetic};
use goodstanding_verifier::{SignedCertificate, verify};
use proptest::prelude::*;

/// A generated request: one of the synthetic managers (0 to 4 records of every kind), with a
/// generated name in the scripts the PDF can print, and its previous name dropped or kept.
fn request(n: u64, name: &str, keep_previous: bool) -> Option<CertificateRequest> {
    let mut value = synthetic::request(n, common::issued_at().date());
    value["subject"]["full_name"] = name.trim().into();
    if !keep_previous {
        value["subject"]["previous_names"] = serde_json::json!([]);
    }
    CertificateRequest::from_value(value).ok()
}

fn issue(request: &CertificateRequest) -> Option<IssuedCertificate> {
    let key = common::demo_key();
    goodstanding_issuer::issue(request, &key, common::issued_at()).ok()
}

const NAME: &str = "[A-Za-zÀ-ÖØ-öø-ÿĀ-žΑ-ωА-я][A-Za-zÀ-ÖØ-öø-ÿĀ-žΑ-ωА-я' .-]{0,60}";

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_valid_request_signs_and_verifies(n in any::<u64>(), name in NAME, keep in any::<bool>()) {
        let request = request(n, &name, keep);
        // A generated name the parser refuses (say, two spaces in a row) is not a valid request;
        // proptest fails the test if it has to throw away too many.
        prop_assume!(request.is_some());
        let request = request.unwrap();
        let issued = issue(&request).expect("a request the parser accepts from synthetic data is valid");
        let trust = common::key_and_trust_for(&common::demo_key());
        for carrier in [issued.jws(), issued.qr_text().to_string()] {
            let verified = verify(carrier.as_bytes(), &trust, common::issued_at()).unwrap();
            prop_assert_eq!(&verified.certificate, &issued.certificate);
            prop_assert_eq!(verified.certificate.subject.full_name.as_str(), name.trim());
        }
    }

    #[test]
    fn qr_text_and_jws_convert_into_each_other_without_loss(n in any::<u64>()) {
        let issued = issue(&request(n, "Zoë Ní Bhriain", true).unwrap()).unwrap();
        let from_qr = SignedCertificate::from_qr_text(issued.qr_text()).unwrap();
        prop_assert_eq!(from_qr.to_compact(), issued.jws());
        let from_jws = SignedCertificate::from_compact(&issued.jws()).unwrap();
        prop_assert_eq!(from_jws.to_qr_text(), issued.qr_text());
    }

    #[test]
    fn any_change_to_the_signed_bytes_is_rejected(
        n in any::<u64>(),
        changes in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let issued = issue(&request(n, "Łukasz Żółć", true).unwrap()).unwrap();
        let trust = common::key_and_trust_for(&common::demo_key());
        let jws = issued.jws().into_bytes();
        let mut altered = jws.clone();
        for (at, byte) in &changes {
            let i = at.index(altered.len());
            altered[i] = *byte;
        }
        prop_assume!(altered != jws);
        prop_assert!(verify(&altered, &trust, common::issued_at()).is_err());
        // The same for the signed parts carried in the QR text: header, payload, signature.
        let signed = &issued.signed;
        let mut payload = signed.payload().to_vec();
        let (at, byte) = changes[0];
        let i = at.index(payload.len());
        prop_assume!(payload[i] != byte);
        payload[i] = byte;
        if let Ok(forged) = SignedCertificate::from_parts(
            signed.header().to_vec(),
            payload,
            *signed.signature(),
        ) {
            prop_assert!(verify(forged.to_qr_text().as_bytes(), &trust, common::issued_at()).is_err());
        }
    }
}
