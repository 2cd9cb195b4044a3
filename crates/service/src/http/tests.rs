//! The router in process (axum's "a function that builds the app"): the answers and their
//! statuses without a socket, and the carriers' caps measured at their genuine sizes. The
//! loopback tests in tests/serve.rs start the real binary as well.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use goodstanding_issuer::{CertificateRequest, IssuingKey};
use goodstanding_operations::publication::{TrustChange, apply_change, sign_compact};
use goodstanding_verifier::lists::{REVOCATION_LIST_TYP, RevocationListContent, TRUST_LIST_TYP};
use goodstanding_verifier::{KeyId, limits};
use tower::ServiceExt as _;

use super::*;

struct Fixture {
    _dir: tempfile::TempDir,
    router: Router,
    qr_text: String,
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

/// A trust folder holding a root, an issuing key and an empty revocation list, a certificate
/// issued with that key, and the router serving with that folder.
fn fixture() -> Fixture {
    let now = at("2026-11-23T12:00:00Z");
    let root = IssuingKey::generate_root(None).unwrap();
    let key = IssuingKey::generate(Some(KeyId::new("router-test").unwrap())).unwrap();
    let trust = apply_change(
        None,
        &TrustChange::Add {
            key: Box::new(key.public_jwk()),
            from: at("2026-01-01T00:00:00Z"),
            until: None,
            issuer: None,
        },
        now,
    )
    .unwrap();
    let trust = sign_compact(&root, TRUST_LIST_TYP, &serde_json::to_vec(&trust).unwrap()).unwrap();
    let revocations = RevocationListContent {
        revocation_list_version: 1,
        sequence: 1,
        issued_at: now,
        next_update: now.plus_days(3650).unwrap(),
        revoked: vec![],
    };
    let revocations = sign_compact(
        &key,
        REVOCATION_LIST_TYP,
        &serde_json::to_vec(&revocations).unwrap(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    goodstanding_trust::folder::update(
        dir.path(),
        &[root.public_jwk()],
        ("in-process test", now),
        trust.as_bytes(),
        revocations.as_bytes(),
        None,
    )
    .unwrap();
    let holder = Arc::new(TrustHolder::load(dir.path(), false).unwrap());
    let log: Log = Arc::new(|_: &Event| {});
    let request = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/requests/clean-record.json"
    );
    let request =
        CertificateRequest::from_json(&std::fs::read_to_string(request).unwrap()).unwrap();
    let issued = goodstanding_issuer::issue(&request, &key, now).unwrap();
    Fixture {
        _dir: dir,
        router: router(holder, Limits::default(), log),
        qr_text: issued.qr_text().to_string(),
    }
}

/// Sends one request to the router; the status and the JSON answer.
async fn send(
    router: &Router,
    method: &str,
    uri: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn each_route_answers_in_process_with_its_status_and_json() {
    let fixture = fixture();
    let router = &fixture.router;
    runtime().block_on(async {
        let qr = fixture.qr_text.clone().into_bytes();
        let (status, verdict) = send(
            router,
            "POST",
            "/v1/verify?at=2026-11-24T00:00:00Z",
            Some("text/plain"),
            qr.clone(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{verdict}");
        assert_eq!(verdict["status"], "valid");
        assert_eq!(verdict["carrier"], "qr_text");
        assert_eq!(verdict["trust_data"]["source"], "in-process test");

        let (status, verdict) =
            send(router, "POST", "/v1/verify?at=2099-01-01", None, qr.clone()).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(verdict["status"], "expired");

        let (status, error) = send(router, "POST", "/v1/verify?at=soon", None, qr).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
        let (status, error) = send(
            router,
            "POST",
            "/v1/verify",
            Some("application/xml"),
            b"<a/>".to_vec(),
        )
        .await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(error["error"], "unsupported_media_type");
        let (status, _) = send(router, "GET", "/v1/verify", None, vec![]).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        let (status, _) = send(router, "GET", "/v1/nowhere", None, vec![]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, health) = send(router, "GET", "/v1/health", None, vec![]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(health["status"], "ok");
        let (status, trust) = send(router, "GET", "/v1/trust", None, vec![]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(trust["lists"]["trust_list"]["sequence"], 1);
    });
}

#[test]
fn each_carrier_is_refused_one_byte_over_its_cap_and_read_at_its_cap() {
    let fixture = fixture();
    let router = &fixture.router;
    runtime().block_on(async {
        for (content_type, cap, start) in [
            ("application/pdf", limits::MAX_PDF_LEN, &b"%PDF-1.7\n"[..]),
            ("text/plain", limits::MAX_INPUT_LEN, &b"GSC1:"[..]),
            (
                "image/png",
                limits::MAX_IMAGE_LEN,
                &b"\x89PNG\r\n\x1a\n"[..],
            ),
        ] {
            let body = |len: usize| {
                let mut body = start.to_vec();
                body.resize(len, b' ');
                body
            };
            let (status, error) = send(
                router,
                "POST",
                "/v1/verify",
                Some(content_type),
                body(cap + 1),
            )
            .await;
            assert_eq!(
                status,
                StatusCode::PAYLOAD_TOO_LARGE,
                "{content_type}: {error}"
            );
            assert_eq!(error["limit"], cap as u64, "{content_type}: {error}");
            // At the cap, the body is read, and found to hold no certificate.
            let (status, error) =
                send(router, "POST", "/v1/verify", Some(content_type), body(cap)).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{content_type}: {error}"
            );
            assert_eq!(error["error"], "not_a_certificate");
        }
    });
}
