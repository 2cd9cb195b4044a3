//! Every documented limit, exceeded: each gives a clear error naming the limit, before anything of
//! the attacker's choosing is allocated. (README, Verification; SECURITY.md, denial of service.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use crate::common::{Issuer, example, goodstanding};
use goodstanding_verifier::carrier::{DecodeError, qr_text_of_deflated};
use goodstanding_verifier::limits::{MAX_INFLATED_LEN, MAX_INPUT_LEN, MAX_QR_TEXT_LEN};
use goodstanding_verifier::lists::{ListError, MAX_TRUST_LIST_LEN, TrustList};
use goodstanding_verifier::{SignedCertificate, TrustStore, VerifyError, verify};

#[test]
fn a_file_larger_than_any_certificate_is_refused_by_the_command_with_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let issuer = Issuer::new("limits-file");
    let big = dir.path().join("big.jws");
    std::fs::write(&big, "A".repeat(MAX_INPUT_LEN + 1)).unwrap();
    let run = issuer.verify(&big, &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("big.jws") && run.stderr.contains("larger than any certificate"),
        "{}",
        run.stderr
    );
    // An image larger than 20 MiB is refused before it is decoded.
    let huge = dir.path().join("huge.png");
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.resize(goodstanding_verifier::scan::MAX_IMAGE_LEN + 1, 0);
    std::fs::write(&huge, png).unwrap();
    let run = goodstanding(&[&"verify", &huge, &"--trust", &issuer.path("trust")]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("larger than"), "{}", run.stderr);
}

#[test]
fn qr_text_longer_than_any_qr_code_and_a_deflate_bomb_are_refused() {
    let long = format!("GSC1:{}", "0".repeat(MAX_QR_TEXT_LEN));
    assert!(matches!(
        SignedCertificate::from_qr_text(&long),
        Err(DecodeError::TooLarge { limit }) if limit == MAX_QR_TEXT_LEN
    ));
    // 4 MiB of zeros deflate to a few KiB of QR text; inflating stops at the cap.
    let zeros = vec![0u8; 4 * 1024 * 1024];
    let bomb = qr_text_of_deflated(miniz_oxide::deflate::compress_to_vec(&zeros, 10));
    assert!(bomb.len() <= MAX_QR_TEXT_LEN, "{} characters", bomb.len());
    let error = SignedCertificate::from_qr_text(&bomb).unwrap_err();
    assert!(
        matches!(error, DecodeError::InflatedTooLarge { limit } if limit == MAX_INFLATED_LEN),
        "{error}"
    );
    assert!(
        error.to_string().contains(&MAX_INFLATED_LEN.to_string()),
        "{error}"
    );
}

/// Re-signs an issued certificate's payload after `change`, as a forger holding the key would.
fn resigned(
    change: impl Fn(&mut serde_json::Value),
) -> (Result<goodstanding_verifier::Verified, VerifyError>, String) {
    let pem = std::fs::read_to_string(common::repo().join("keys/demo/demo-2026.key.pem")).unwrap();
    let key = goodstanding_issuer::IssuingKey::from_pkcs8_pem(
        &pem,
        Some(goodstanding_verifier::KeyId::new("demo-2026").unwrap()),
    )
    .unwrap();
    let request = goodstanding_issuer::CertificateRequest::from_json(
        &std::fs::read_to_string(example("several-records")).unwrap(),
    )
    .unwrap();
    let now = goodstanding_verifier::Timestamp::parse("2026-11-23T12:00:00Z").unwrap();
    let issued = goodstanding_issuer::issue(&request, &key, now).unwrap();
    let mut payload: serde_json::Value = serde_json::from_slice(issued.signed.payload()).unwrap();
    change(&mut payload);
    let payload = serde_json::to_vec(&payload).unwrap();
    let header = issued.signed.header().to_vec();
    let signature = key
        .sign(goodstanding_verifier::carrier::signing_input(&header, &payload).as_bytes())
        .unwrap();
    let signed = SignedCertificate::from_parts(header, payload, signature).unwrap();
    let mut trust = TrustStore::new();
    trust.add(key.public_jwk()).unwrap();
    let jws = signed.to_compact();
    (verify(jws.as_bytes(), &trust, now), jws)
}

#[test]
fn more_records_or_longer_text_than_a_certificate_may_hold_are_refused_even_when_signed() {
    let (result, _) = resigned(|p| {
        let finding = p["findings"][0].clone();
        p["findings"] = serde_json::Value::Array(vec![finding; 25]);
    });
    let error = result.unwrap_err();
    assert!(matches!(error, VerifyError::InvalidPayload(_)), "{error}");
    assert!(error.to_string().contains("24"), "{error}");

    let (result, _) = resigned(|p| p["subject"]["full_name"] = "A".repeat(101).into());
    let error = result.unwrap_err();
    assert!(matches!(error, VerifyError::InvalidPayload(_)), "{error}");
    assert!(error.to_string().contains("100"), "{error}");
}

#[test]
fn an_image_with_more_pixels_than_the_limit_is_refused_from_its_header() {
    // A PNG header claiming 9000 x 9000 pixels, with no pixel data: refused before allocation.
    let png = common::png_header(9000, 9000);
    let error = goodstanding_verifier::scan::qr_text_in_image(&png).unwrap_err();
    assert!(
        matches!(error, goodstanding_verifier::scan::ScanError::TooManyPixels),
        "{error}"
    );
    assert!(error.to_string().contains("8000 pixels a side"), "{error}");
}

#[test]
fn a_pdf_or_a_trust_list_larger_than_its_limit_is_refused_unread() {
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.resize(goodstanding_verifier::pdf::MAX_PDF_LEN + 1, b' ');
    let error = goodstanding_verifier::pdf::attached_certificate(&pdf).unwrap_err();
    assert!(error.to_string().contains("larger than"), "{error}");

    let list = vec![b'a'; MAX_TRUST_LIST_LEN + 1];
    assert_eq!(
        TrustList::verify(&list, &TrustStore::new()).unwrap_err(),
        ListError::TooLarge {
            limit: MAX_TRUST_LIST_LEN
        }
    );
}

/// A PDF whose catalog holds arrays and dictionaries nested `depth` deep.
fn deeply_nested_pdf(depth: usize) -> Vec<u8> {
    let catalog = format!(
        "<< /Type /Catalog /Pages 2 0 R /X {}{} /Y {}{} >>",
        "<< /A ".repeat(depth),
        ">>".repeat(depth),
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let objects = [catalog.as_str(), "<< /Type /Pages /Kids [] /Count 0 >>"];
    let mut pdf = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (number, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", number + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(b"xref\n0 3\n0000000000 65535 f \n");
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    pdf
}

/// RUSTSEC-2026-0187: lopdf before 0.42 recursed without bound into nested objects, and a
/// 21 KB PDF aborted the process with a stack overflow. Ours must refuse such a PDF as unreadable,
/// both in a test thread (2 MiB stack) and in the command.
#[test]
fn a_pdf_nested_a_hundred_thousand_deep_is_refused_without_overflowing_the_stack() {
    let pdf = deeply_nested_pdf(100_000);
    assert!(pdf.len() < goodstanding_verifier::pdf::MAX_PDF_LEN);
    let error = goodstanding_verifier::pdf::attached_certificate(&pdf).unwrap_err();
    assert!(error.to_string().contains("not a readable PDF"), "{error}");

    let dir = tempfile::tempdir().unwrap();
    let issuer = Issuer::new("limits-nested-pdf");
    let path = dir.path().join("nested.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let run = issuer.verify(&path, &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("nested.pdf") && run.stderr.contains("not a readable PDF"),
        "{}",
        run.stderr
    );
}
