//! Sign and verify time per certificate, QR module encoding (ours and the qrcode crate's), and
//! the QR size of each example.
//!
//! Run: `cargo bench -p goodstanding-issuer --bench sign_verify`. Before the timings it prints,
//! for each example request, its QR text length and the QR version it needs at error
//! correction M.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::Criterion;
use goodstanding_issuer::{CertificateRequest, IssuingKey, issue_with_id, qr_version};
use goodstanding_verifier::{CertificateId, KeyId, Timestamp, TrustStore, verify};

fn examples() -> Vec<(String, CertificateRequest)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/requests");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let request =
                CertificateRequest::from_json(&std::fs::read_to_string(&p).unwrap()).unwrap();
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                request,
            )
        })
        .collect()
}

/// The certificate PDF's size budget: 30 KB (issue 27; 40 KB before).
const PDF_BUDGET_BYTES: usize = 30 * 1024;
/// The certificate PDF's render-time budget on a 2-core machine.
const PDF_BUDGET_MS: f64 = 3.0;

/// The median wall time of 101 runs of `work`, in milliseconds.
fn median_ms<T>(mut work: impl FnMut() -> T) -> f64 {
    let mut times: Vec<f64> = (0..101)
        .map(|_| {
            let started = std::time::Instant::now();
            black_box(work());
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() {
    // The demo key, so that the sizes printed are the same from run to run.
    let pem = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../keys/demo/demo-2026.key.pem"),
    )
    .unwrap();
    let key = IssuingKey::from_pkcs8_pem(&pem, Some(KeyId::new("bench").unwrap())).unwrap();
    let mut trust = TrustStore::new();
    trust.add(key.public_jwk()).unwrap();
    let now = Timestamp::parse("2026-11-23T12:00:00Z").unwrap();
    let id = || CertificateId::new("aaaaaaaaaaaaaaaaaaaaaaaaaa").unwrap();
    let examples = examples();

    println!(
        "{:<18} {:>13} {:>10} {:>9} {:>15}",
        "example", "payload bytes", "JWS chars", "QR chars", "QR version (M)"
    );
    for (name, request) in &examples {
        let issued = issue_with_id(request, &key, now, id()).unwrap();
        let qr = issued.qr_text();
        println!(
            "{name:<18} {:>13} {:>10} {:>9} {:>15}",
            issued.signed.payload().len(),
            issued.jws().len(),
            qr.len(),
            qr_version(qr).map_or("over 40".into(), |v| v.to_string()),
        );
    }
    // The PDF's budgets (issues 16 and 27): at most 30 KB and 3 ms to render, the draft likewise.
    println!(
        "\n{:<18} {:>10} {:>12} {:>12} {:>13}   budgets: {PDF_BUDGET_BYTES} bytes, \
         {PDF_BUDGET_MS} ms",
        "example", "PDF bytes", "render ms", "draft bytes", "draft ms"
    );
    for (name, request) in &examples {
        let issued = issue_with_id(request, &key, now, id()).unwrap();
        let render = || goodstanding_issuer::pdf::render(&issued.certificate, &issued.signed);
        let pdf = render().unwrap();
        let draft_certificate = goodstanding_issuer::issue::draft(request, now).unwrap();
        let draft = || goodstanding_issuer::pdf::render_draft(&draft_certificate);
        let draft_pdf = draft().unwrap();
        let (ms, draft_ms) = (
            median_ms(|| render().unwrap()),
            median_ms(|| draft().unwrap()),
        );
        let over = |bytes: usize, ms: f64| {
            if bytes > PDF_BUDGET_BYTES || ms > PDF_BUDGET_MS {
                "  OVER BUDGET"
            } else {
                ""
            }
        };
        println!(
            "{name:<18} {:>10} {ms:>12.2} {:>12} {draft_ms:>13.2}{}",
            pdf.len(),
            draft_pdf.len(),
            over(pdf.len().max(draft_pdf.len()), ms.max(draft_ms))
        );
    }
    println!();

    let mut c = Criterion::default().configure_from_args();
    // The transparency log's subject tag (c2sp.org/vrf-r255 prove), once per logged certificate.
    let tag_key = goodstanding_issuer::subject_tag_key::SubjectTagKey::generate().unwrap();
    c.bench_function("subject tag (vrf-r255 prove)", |b| {
        b.iter(|| tag_key.tag(black_box("GMC-7041234"), black_box("2026")))
    });
    for (name, request) in &examples {
        let issued = issue_with_id(request, &key, now, id()).unwrap();
        let (jws, qr) = (issued.jws(), issued.qr_text());
        let signing_input = issued.signed.signing_input();
        let mut group = c.benchmark_group(name.as_str());
        group.bench_function("ed25519 sign", |b| {
            b.iter(|| key.sign(black_box(signing_input.as_bytes())).unwrap())
        });
        group.bench_function("issue (validate, assemble, sign, QR size check)", |b| {
            b.iter(|| issue_with_id(black_box(request), &key, now, id()).unwrap())
        });
        group.bench_function("encode QR text", |b| {
            b.iter(|| black_box(&issued.signed).to_qr_text())
        });
        group.bench_function("QR modules (fast mask choice)", |b| {
            b.iter(|| goodstanding_issuer::qr::encode(black_box(qr)).unwrap())
        });
        group.bench_function("QR modules (qrcode crate default)", |b| {
            b.iter(|| {
                qrcode::QrCode::with_error_correction_level(black_box(qr), qrcode::EcLevel::M)
                    .unwrap()
            })
        });
        group.bench_function("render PDF", |b| {
            b.iter(|| {
                goodstanding_issuer::pdf::render(black_box(&issued.certificate), &issued.signed)
                    .unwrap()
            })
        });
        let draft = goodstanding_issuer::issue::draft(request, now).unwrap();
        group.bench_function("render draft PDF", |b| {
            b.iter(|| goodstanding_issuer::pdf::render_draft(black_box(&draft)).unwrap())
        });
        group.bench_function("verify JWS", |b| {
            b.iter(|| verify(black_box(jws.as_bytes()), &trust, now).unwrap())
        });
        group.bench_function("verify QR text", |b| {
            b.iter(|| verify(black_box(qr.as_bytes()), &trust, now).unwrap())
        });
        group.finish();
    }
    c.final_summary();
}
