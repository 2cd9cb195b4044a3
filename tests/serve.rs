//! The verification service, end to end: `goodstanding serve` started as its own process on
//! loopback, called with a real HTTP client (reqwest), or with raw sockets where a client must
//! misbehave. Every answer is checked against the service's own OpenAPI document.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{
    Issuer, SiteServer, example, json_files, ok, png_header, repo, with_payload_character_changed,
};
use serde_json::Value;

/// `goodstanding serve` on a free loopback port, killed when dropped.
pub(crate) struct Service {
    child: Child,
    url: String,
    log: Arc<Mutex<String>>,
    openapi: Value,
    client: reqwest::blocking::Client,
}

/// Starts `serve` (its standard output piped) and reads its first line, which says where it
/// listens.
fn spawn_serve(mut command: Command) -> (Child, String) {
    let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line)
}

/// An answer: status and JSON body.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) json: Value,
    headers: reqwest::header::HeaderMap,
}

impl Service {
    pub(crate) fn start(trust: &Path, extra: &[&str]) -> Self {
        Self::start_in(trust, extra, &[])
    }

    /// `start`, with extra environment variables (such as the clock override).
    pub(crate) fn start_in(trust: &Path, extra: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> Self {
        let mut command = common::command(
            &[&"serve", &"--listen", &"127.0.0.1:0", &"--trust", &trust],
            env,
        );
        command.args(extra).stderr(Stdio::piped());
        let (mut child, line) = spawn_serve(command);
        let address = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let url = format!("http://{address}");
        let openapi = client.get(format!("{url}/v1/openapi.json")).send().unwrap();
        let openapi = json_of(openapi);
        Self {
            child,
            url,
            log,
            openapi,
            client,
        }
    }

    fn address(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    /// POSTs `body` to `path` (with `?query`), with `content_type` if given.
    fn post(&self, path: &str, content_type: Option<&str>, body: Vec<u8>) -> Answer {
        let mut request = self.client.post(format!("{}{path}", self.url)).body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        self.answer("post", path, request)
    }

    fn get(&self, path: &str) -> Answer {
        self.answer("get", path, self.client.get(format!("{}{path}", self.url)))
    }

    /// Sends a request and checks its answer against the OpenAPI document.
    fn answer(
        &self,
        method: &str,
        path: &str,
        request: reqwest::blocking::RequestBuilder,
    ) -> Answer {
        let response = request.send().unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        assert_eq!(
            headers.get("content-type").map(|v| v.to_str().unwrap()),
            Some("application/json"),
            "{method} {path}: {status}"
        );
        assert!(headers.contains_key("x-request-id"));
        let json = json_of(response);
        let route = path.split('?').next().unwrap();
        check_against_openapi(&self.openapi, route, method, status, &json);
        Answer {
            status,
            json,
            headers,
        }
    }

    pub(crate) fn verify(&self, content_type: Option<&str>, body: Vec<u8>, query: &str) -> Answer {
        self.post(&format!("/v1/verify{query}"), content_type, body)
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    fn pid(&self) -> String {
        self.child.id().to_string()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The JSON body of an answer.
fn json_of(response: reqwest::blocking::Response) -> Value {
    let bytes = response.bytes().unwrap();
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&bytes)))
}

/// Asserts that `json`, answered to `method route` with `status`, matches the schema the OpenAPI
/// document gives for it.
fn check_against_openapi(openapi: &Value, route: &str, method: &str, status: u16, json: &Value) {
    let operation = &openapi["paths"][route][method];
    assert!(
        operation.is_object(),
        "{method} {route} is not in the OpenAPI document"
    );
    let mut response = operation["responses"][status.to_string()].clone();
    assert!(
        response.is_object(),
        "{method} {route}: status {status} is not documented: {json}"
    );
    if let Some(reference) = response["$ref"].as_str() {
        let pointer = reference.trim_start_matches('#');
        response = openapi.pointer(pointer).unwrap().clone();
    }
    let schema = response["content"]["application/json"]["schema"].clone();
    let document = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": openapi["components"],
        "allOf": [schema],
    });
    let validator = jsonschema::validator_for(&document).unwrap();
    let errors: Vec<String> = validator.iter_errors(json).map(|e| e.to_string()).collect();
    assert!(
        errors.is_empty(),
        "{method} {route} {status} does not match its schema: {errors:?}\n{json}"
    );
}

/// A time all the tests' certificates are valid at, as `?at=` and `--at` take it.
fn an_hour_from_now() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // Not before the certificates were issued (a few seconds ago): an hour from now.
    let at =
        goodstanding_verifier::Timestamp::from_unix(i64::try_from(now).unwrap() + 3600).unwrap();
    at.to_string()
}

/// Renders page 1 of a PDF as PNG or JPEG at 150 dpi with poppler's pdftoppm.
fn page_image(pdf: &Path, format: &str, out: &Path) -> PathBuf {
    let status = Command::new("pdftoppm")
        .args([
            "-r",
            "150",
            &format!("-{format}"),
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
        ])
        .arg(pdf)
        .arg(out)
        .status()
        .unwrap_or_else(|e| {
            panic!("pdftoppm: {e}: apt-get install poppler-utils, or run tools/test.sh")
        });
    assert!(status.success());
    out.with_extension(if format == "jpeg" { "jpg" } else { "png" })
}

#[test]
fn every_carrier_of_every_example_gets_the_verdict_the_command_gives() {
    let issuer = Issuer::new("serve-carriers");
    let service = Service::start(&issuer.path("trust"), &[]);
    let at = an_hour_from_now();
    // The command's verdicts match the committed schema too.
    let verdict_schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("schemas/verdict.schema.json")).unwrap(),
    )
    .unwrap();
    let verdict_schema = jsonschema::validator_for(&verdict_schema).unwrap();
    for request in json_files("examples/requests") {
        let (jws, qr) = issuer.issue(&request);
        let pdf = jws.with_extension("pdf");
        let stem = issuer.path("page");
        let png = page_image(&pdf, "png", &stem);
        let jpeg = page_image(&pdf, "jpeg", &stem);
        let carriers: [(&Path, Option<&str>, &str); 8] = [
            (&jws, Some("application/jose"), "jws"),
            (&qr, Some("text/plain; charset=utf-8"), "qr_text"),
            (&pdf, Some("application/pdf"), "pdf_attachment"),
            (&png, Some("image/png"), "qr_image"),
            (&jpeg, Some("image/jpeg"), "qr_image"),
            // No type, or octet-stream: told apart by the first bytes, as the command does.
            (&pdf, None, "pdf_attachment"),
            (&qr, Some("application/octet-stream"), "qr_text"),
            // What `curl --data-binary @file` sends without -H (issue 24, item 8).
            (
                &pdf,
                Some("application/x-www-form-urlencoded"),
                "pdf_attachment",
            ),
        ];
        for (file, content_type, carrier) in carriers {
            let answer = service.verify(
                content_type,
                std::fs::read(file).unwrap(),
                &format!("?at={at}"),
            );
            let run = issuer.verify(file, &["--json", "--at", &at]);
            assert_eq!(run.code, 0, "{}: {}", file.display(), run.stderr);
            let command: Value = serde_json::from_str(&run.stdout).unwrap();
            assert!(verdict_schema.is_valid(&command), "{command}");
            assert_eq!(answer.status, 200, "{}: {}", file.display(), answer.json);
            assert_eq!(
                answer.json,
                command,
                "{} as {content_type:?}",
                file.display()
            );
            assert_eq!(answer.json["valid"], true);
            assert_eq!(answer.json["carrier"], carrier);
        }
    }
    // Each answer's line in the log: id, carrier, verdict, time; nothing of what was sent.
    let log = service.log();
    assert!(
        log.contains("POST /v1/verify status=200 carrier=qr_image outcome=valid took_ms="),
        "{log}"
    );
    for request in json_files("examples/requests") {
        let text = std::fs::read_to_string(&request).unwrap();
        let request: Value = serde_json::from_str(&text).unwrap();
        for personal in [
            &request["subject"]["full_name"],
            &request["subject"]["reference"],
        ] {
            let personal = personal.as_str().unwrap();
            assert!(
                !log.contains(personal),
                "{personal:?} is in the log:\n{log}"
            );
        }
    }
    assert!(!log.contains("GSC1:"), "{log}");
}

#[test]
fn revoked_tampered_expired_substituted_and_draft_certificates_are_not_valid_with_their_reasons() {
    let issuer = Issuer::new("serve-reasons");
    let revoked_jws = issuer.issue_with(&issuer.key(), &example("several-records"));
    issuer.revoke(&revoked_jws);
    issuer.publish();
    ok(&issuer.update_trust(&issuer.path("site").to_string_lossy()));
    let (clean_jws, clean_qr) = issuer.issue(&example("clean-record"));
    let service = Service::start(&issuer.path("trust"), &[]);

    let not_valid = |answer: &Answer, status: &str, words: &str| {
        assert_eq!(answer.status, 200, "{}", answer.json);
        assert_eq!(answer.json["valid"], false, "{}", answer.json);
        assert_eq!(answer.json["status"], status, "{}", answer.json);
        let reason = answer.json["reason"].as_str().unwrap();
        assert!(reason.contains(words), "{reason}");
    };

    let answer = service.verify(
        Some("application/jose"),
        std::fs::read(&revoked_jws).unwrap(),
        "",
    );
    not_valid(&answer, "revoked", "revoked by its issuer");
    assert_eq!(answer.json["revoked"]["reason"], "new_information");
    // Genuine, so what it says is still shown.
    assert!(answer.json["certificate"]["subject"].is_object());

    let tampered = with_payload_character_changed(&clean_jws, 5, &issuer.path("tampered.jws"));
    let answer = service.verify(
        Some("application/jose"),
        std::fs::read(tampered).unwrap(),
        "",
    );
    not_valid(&answer, "bad_signature", "altered or forged");
    assert!(answer.json["certificate"].is_null());

    let qr = std::fs::read(&clean_qr).unwrap();
    not_valid(
        &service.verify(Some("text/plain"), qr.clone(), "?at=2099-01-01"),
        "expired",
        "expired at",
    );
    assert_eq!(
        service.verify(Some("text/plain"), qr.clone(), "").json["valid"],
        true
    );
    // Issue 24, item 2: QR text as e-mail carries it (a space before, wrapped at 76 columns
    // with CRLF) is read as the text; a character changed in copying is named by its place.
    let text = String::from_utf8(qr).unwrap();
    let lines: Vec<&str> = text
        .trim_end()
        .as_bytes()
        .chunks(76)
        .map(|line| std::str::from_utf8(line).unwrap())
        .collect();
    let wrapped = format!(" {}\r\n", lines.join("\r\n"));
    assert_eq!(
        service
            .verify(Some("text/plain"), wrapped.clone().into_bytes(), "")
            .json["valid"],
        true
    );
    let column = lines[1].find(|c: char| c.is_ascii_uppercase()).unwrap();
    let mut damaged = lines.iter().map(|l| l.to_string()).collect::<Vec<_>>();
    let lower = damaged[1][column..=column].to_ascii_lowercase();
    damaged[1].replace_range(column..=column, &lower);
    let answer = service.verify(Some("text/plain"), damaged.join("\r\n").into_bytes(), "");
    let message = answer.json["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
        + answer.json["reason"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("line 2, column {}", column + 1)),
        "{}",
        answer.json
    );

    // A PDF with another certificate's QR code drawn on it.
    let text = std::fs::read_to_string(&revoked_jws).unwrap();
    let signed = goodstanding_verifier::SignedCertificate::from_compact(text.trim_end()).unwrap();
    let certificate: goodstanding_verifier::Certificate =
        serde_json::from_slice(signed.payload()).unwrap();
    let pasted = std::fs::read_to_string(&clean_qr).unwrap();
    let pdf =
        goodstanding_issuer::pdf::render_with_qr(&certificate, &signed, pasted.trim_end()).unwrap();
    not_valid(
        &service.verify(Some("application/pdf"), pdf, ""),
        "substituted",
        "holds a different certificate",
    );

    // A draft shown to the person it names: not a certificate.
    let draft = issuer.several_records_draft();
    not_valid(
        &service.verify(Some("application/pdf"), std::fs::read(draft).unwrap(), ""),
        "draft",
        "DRAFT",
    );

    // A bad ?at= is the caller's mistake, not a verdict.
    let answer = service.verify(
        Some("application/jose"),
        std::fs::read(&clean_jws).unwrap(),
        "?at=soon",
    );
    assert_eq!(answer.status, 400);
    assert!(
        answer.json["message"]
            .as_str()
            .unwrap()
            .contains("at=\"soon\"")
    );
}

/// Sends raw bytes on a new connection and returns the whole answer as text (the server closes
/// or answers within `wait`).
fn raw_exchange(address: &str, head: &str, body: &[u8], wait: Duration) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(wait)).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

/// The JSON body of a raw HTTP answer.
fn raw_json(answer: &str) -> Value {
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer}"))
}

#[test]
fn hostile_bodies_get_a_json_error_naming_the_problem_and_the_service_keeps_serving() {
    let issuer = Issuer::new("serve-hostile");
    let (jws, qr) = issuer.issue(&example("clean-record"));
    let pdf = std::fs::read(jws.with_extension("pdf")).unwrap();
    let service = Service::start(&issuer.path("trust"), &[]);
    let good = std::fs::read(&qr).unwrap();

    let refused = |answer: Answer, status: u16, code: &str, words: &str| {
        assert_eq!(answer.status, status, "{}", answer.json);
        assert_eq!(answer.json["error"], code, "{}", answer.json);
        let message = answer.json["message"].as_str().unwrap();
        assert!(message.contains(words), "{message}");
        // And the next certificate is still verified.
        let next = service.verify(Some("text/plain"), good.clone(), "");
        assert_eq!(next.json["valid"], true);
        answer
    };

    refused(
        service.verify(Some("text/plain"), Vec::new(), ""),
        422,
        "not_a_certificate",
        "nothing was verified",
    );
    refused(
        service.verify(None, Vec::new(), ""),
        422,
        "not_a_certificate",
        "no certificate could be read",
    );
    refused(
        service.verify(Some("application/pdf"), pdf[..pdf.len() / 2].to_vec(), ""),
        422,
        "not_a_certificate",
        "not a readable PDF",
    );
    refused(
        service.verify(Some("application/pdf"), b"GSC1:hello".to_vec(), ""),
        422,
        "not_a_certificate",
        "not a PDF",
    );
    // A deflate bomb: 2 MB of zeros deflated into a few kilobytes of QR text.
    let bomb = goodstanding_verifier::carrier::qr_text_of_deflated(
        miniz_oxide::deflate::compress_to_vec(&vec![0u8; 2 << 20], 10),
    );
    assert!(bomb.len() < goodstanding_verifier::limits::MAX_QR_TEXT_LEN);
    refused(
        service.verify(Some("text/plain"), bomb.into_bytes(), ""),
        422,
        "not_a_certificate",
        "65536",
    );
    // A PNG header claiming 100,000 x 100,000 pixels.
    let answer = refused(
        service.verify(Some("image/png"), png_header(100_000, 100_000), ""),
        413,
        "too_many_pixels",
        "8000 pixels a side",
    );
    assert_eq!(answer.json["limit"], 8000);
    refused(
        service.verify(Some("application/xml"), b"<certificate/>".to_vec(), ""),
        415,
        "unsupported_media_type",
        "application/pdf, image/png",
    );
    // 10 MB of noise: as QR text (sniffed) far over the 128 KiB any .jws or QR text can be; as
    // an image, unreadable.
    let mut noise = vec![0u8; 10_000_000];
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for byte in &mut noise {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        *byte = (state >> 24) as u8;
    }
    let answer = refused(
        service.verify(Some("application/octet-stream"), noise.clone(), ""),
        413,
        "too_large",
        "131072 bytes",
    );
    assert_eq!(answer.json["limit"], 131_072);
    refused(
        service.verify(Some("image/jpeg"), noise, ""),
        422,
        "not_a_certificate",
        "PNG or JPEG",
    );
    // A path or method the service does not have.
    for (path, status, code) in [
        ("/v1/verify", 405, "method_not_allowed"),
        ("/v2/anything", 404, "not_found"),
    ] {
        let answer = service
            .client
            .get(format!("{}{path}", service.url))
            .send()
            .unwrap();
        assert_eq!(answer.status().as_u16(), status);
        assert_eq!(json_of(answer)["error"], code);
    }
    // A method of the caller's own making: answered, and not written to the log either.
    let odd = reqwest::Method::from_bytes(b"ZOE-NI-BHRIAIN").unwrap();
    let answer = service
        .client
        .request(odd, format!("{}/v1/verify", service.url))
        .send()
        .unwrap();
    assert_eq!(answer.status().as_u16(), 405);
    std::thread::sleep(Duration::from_millis(100));
    assert!(!service.log().contains("ZOE"), "{}", service.log());
    assert!(
        !service.log().contains("/v2/anything"),
        "the caller's path is not logged"
    );
}

#[test]
fn each_limit_has_its_own_status_and_a_json_message_naming_it() {
    let issuer = Issuer::new("serve-limits");
    let (jws, qr) = issuer.issue(&example("clean-record"));
    let pdf = std::fs::read(jws.with_extension("pdf")).unwrap();
    let service = Service::start(
        &issuer.path("trust"),
        &[
            "--max-body",
            "20000",
            "--request-timeout",
            "700ms",
            "--max-concurrent",
            "1",
        ],
    );

    // Headers that never end (slowloris): the connection is closed after 10 s, and it does
    // not hold one of the places counted by --max-concurrent meanwhile.
    let address = service.address().to_string();
    let slow_headers = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(address).unwrap();
        stream
            .write_all(b"POST /v1/verify HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let started = Instant::now();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        (started.elapsed(), answer)
    });

    // Body size: the PDF (about 28 KB) is over --max-body; refused from its Content-Length.
    let answer = service.verify(Some("application/pdf"), pdf, "");
    assert_eq!(answer.status, 413, "{}", answer.json);
    assert_eq!(answer.json["error"], "too_large");
    assert_eq!(answer.json["limit"], 20000);

    // Time: a body that never finishes arriving.
    let started = Instant::now();
    let head = format!(
        "POST /v1/verify HTTP/1.1\r\nHost: {}\r\nContent-Type: text/plain\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n",
        service.address()
    );
    let answer = raw_exchange(service.address(), &head, b"GSC1:", Duration::from_secs(10));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(5));
    let json = raw_json(&answer);
    assert_eq!(json["error"], "timeout");
    assert_eq!(json["limit"], 700);
    check_against_openapi(&service.openapi, "/v1/verify", "post", 408, &json);

    // Requests at once: one slow request holds the only place; the next is told to come back.
    let mut slow = TcpStream::connect(service.address()).unwrap();
    slow.write_all(head.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let answer = service.verify(Some("text/plain"), std::fs::read(&qr).unwrap(), "");
    assert_eq!(answer.status, 503, "{}", answer.json);
    assert_eq!(answer.json["error"], "busy");
    assert_eq!(answer.json["limit"], 1);
    assert_eq!(answer.headers.get("retry-after").unwrap(), "1");
    drop(slow);
    std::thread::sleep(Duration::from_millis(800));
    let answer = service.verify(Some("text/plain"), std::fs::read(&qr).unwrap(), "");
    assert_eq!(answer.json["valid"], true, "{}", answer.json);
    let log = service.log();
    assert!(
        log.contains("status=408 carrier=- outcome=timeout"),
        "{log}"
    );
    assert!(log.contains("status=503 carrier=- outcome=busy"), "{log}");
    let (waited, answer) = slow_headers.join().unwrap();
    assert!(
        (Duration::from_secs(9)..Duration::from_secs(20)).contains(&waited),
        "{waited:?}"
    );
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
}

/// A `multipart/form-data` body: each part is (content type, bytes).
fn multipart(parts: &[(Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "goodstanding-test-boundary-7d1f";
    let mut body = Vec::new();
    for (n, (content_type, bytes)) in parts.iter().enumerate() {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"c{n}\"; filename=\"c{n}\"\r\n")
                .as_bytes(),
        );
        if let Some(content_type) = content_type {
            body.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[test]
fn a_batch_gets_one_verdict_or_error_per_part_in_order() {
    let issuer = Issuer::new("serve-batch");
    let (jws, qr) = issuer.issue(&example("several-records"));
    let (other, _) = issuer.issue(&example("appeal-pending"));
    let service = Service::start(&issuer.path("trust"), &[]);
    let pdf = std::fs::read(jws.with_extension("pdf")).unwrap();
    let qr = std::fs::read(qr).unwrap();
    let other = std::fs::read(other).unwrap();
    let (content_type, body) = multipart(&[
        (Some("application/pdf"), &pdf),
        (Some("text/plain"), &qr),
        (None, b"not a certificate"),
        (Some("application/jose"), &other),
        (Some("application/xml"), b"<x/>"),
    ]);
    let answer = service.post("/v1/verify/batch", Some(&content_type), body);
    assert_eq!(answer.status, 200, "{}", answer.json);
    let results = answer.json["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    for (n, result) in results.iter().enumerate() {
        assert_eq!(result["index"], n);
    }
    assert_eq!(results[0]["verdict"]["carrier"], "pdf_attachment");
    assert_eq!(results[1]["verdict"]["carrier"], "qr_text");
    assert_eq!(
        results[0]["verdict"]["certificate"],
        results[1]["verdict"]["certificate"]
    );
    assert_eq!(results[2]["error"]["error"], "not_a_certificate");
    assert_eq!(results[3]["verdict"]["valid"], true);
    assert_eq!(results[3]["verdict"]["pending_appeal"], true);
    assert_eq!(results[4]["error"]["error"], "unsupported_media_type");

    // Not multipart, and no parts: the caller's mistakes.
    let answer = service.post("/v1/verify/batch", Some("text/plain"), qr.clone());
    assert_eq!(answer.status, 400);
    let (content_type, body) = multipart(&[]);
    let answer = service.post("/v1/verify/batch", Some(&content_type), body);
    assert_eq!(answer.status, 400, "{}", answer.json);
}

/// Polls `GET /v1/trust` until `done` holds for it, for at most 30 s.
fn wait_for_trust(service: &Service, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let status = service.get("/v1/trust").json;
        if done(&status) {
            return status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "waited 30 s for {what}: {status}\n{}",
            service.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_background_refresh_takes_newer_lists_refuses_older_or_tampered_ones_and_outlives_the_site() {
    let issuer = Issuer::new("serve-refresh");
    let site = SiteServer::serve(&issuer.path("site"));
    let jws = issuer.issue_with(&issuer.key(), &example("several-records"));
    let service = Service::start(
        &issuer.path("trust"),
        &["--refresh-from", &site.url, "--refresh-every", "1s"],
    );
    let body = || std::fs::read(&jws).unwrap();
    assert_eq!(
        service.verify(Some("application/jose"), body(), "").json["valid"],
        true
    );
    let held = service.get("/v1/trust").json;
    let sequence = held["lists"]["revocation_list"]["sequence"]
        .as_u64()
        .unwrap();
    assert_eq!(held["refresh"]["source"], site.url.as_str());
    assert_eq!(held["refresh"]["every_seconds"], 1);

    // The issuing body revokes and publishes: the service picks it up by itself.
    let revocation_list = issuer.path("site/revocation-list.jws");
    let older = std::fs::read(&revocation_list).unwrap();
    issuer.revoke(&jws);
    std::thread::sleep(Duration::from_millis(1100));
    issuer.publish();
    wait_for_trust(&service, "the newer revocation list", |t| {
        t["lists"]["revocation_list"]["sequence"].as_u64() > Some(sequence)
    });
    let answer = service.verify(Some("application/jose"), body(), "");
    assert_eq!(answer.json["status"], "revoked", "{}", answer.json);
    let newer = service.get("/v1/trust").json["lists"]["revocation_list"]["sequence"].clone();

    // A rolled-back list (the older one put back): refused, the newer one kept.
    let newest = std::fs::read(&revocation_list).unwrap();
    std::fs::write(&revocation_list, &older).unwrap();
    let status = wait_for_trust(&service, "the rollback to be refused", |t| {
        t["refresh"]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("older"))
    });
    assert_eq!(status["lists"]["revocation_list"]["sequence"], newer);
    assert_eq!(
        service.verify(Some("application/jose"), body(), "").json["status"],
        "revoked"
    );

    // A tampered list (one character of its signature changed): refused, the newer one kept.
    let mut tampered = newest.clone();
    let last = tampered
        .iter()
        .rposition(|b| b.is_ascii_alphanumeric())
        .unwrap()
        - 3;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    std::fs::write(&revocation_list, &tampered).unwrap();
    let status = wait_for_trust(&service, "the tampered list to be refused", |t| {
        t["refresh"]["last_error"]
            .as_str()
            .is_some_and(|e| e.starts_with("revocation list refused") && !e.contains("older"))
    });
    assert_eq!(
        status["lists"]["revocation_list"]["sequence"], newer,
        "{status}"
    );

    // The site goes down: the service keeps answering from what it holds.
    std::fs::write(&revocation_list, &newest).unwrap();
    drop(site);
    let status = wait_for_trust(&service, "the unreachable site to be noticed", |t| {
        t["refresh"]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("127.0.0.1"))
    });
    assert_eq!(
        status["lists"]["revocation_list"]["sequence"], newer,
        "{status}"
    );
    assert_eq!(
        service.verify(Some("application/jose"), body(), "").json["status"],
        "revoked"
    );
    let log = service.log();
    assert!(log.contains("trust refreshed: trust list number"), "{log}");
    assert!(
        log.contains("trust refresh failed, still serving revocation list number"),
        "{log}"
    );
}

#[test]
fn sigterm_finishes_the_request_in_flight_then_stops() {
    let issuer = Issuer::new("serve-stop");
    let (_, qr) = issuer.issue(&example("clean-record"));
    let qr = std::fs::read(qr).unwrap();
    let mut service = Service::start(&issuer.path("trust"), &[]);
    // A request whose body is half sent when the signal comes.
    let head = format!(
        "POST /v1/verify HTTP/1.1\r\nHost: {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        service.address(),
        qr.len()
    );
    let mut stream = TcpStream::connect(service.address()).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&qr[..10]).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let status = Command::new("kill")
        .args(["-TERM", &service.pid()])
        .status()
        .unwrap();
    assert!(status.success());
    std::thread::sleep(Duration::from_millis(300));
    stream.write_all(&qr[10..]).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(raw_json(&answer)["valid"], true);
    // Then it stops, with success, and says why.
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = service.child.try_wait().unwrap() {
            break exit;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "still running");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        service
            .log()
            .contains("shutting down: finishing the requests in flight")
    );
}

#[test]
fn the_openapi_document_is_valid_openapi_3_1_by_an_independent_validator() {
    let issuer = Issuer::new("serve-openapi");
    let service = Service::start(&issuer.path("trust"), &[]);
    assert_eq!(service.openapi["openapi"], "3.1.0");
    let file = issuer.path("openapi.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&service.openapi).unwrap()).unwrap();
    let validator = repo().join("tests/openapi/.venv/bin/openapi-spec-validator");
    let output = Command::new(&validator)
        .arg(&file)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e}: run tools/test.sh, which installs openapi-spec-validator (PyPI) \
                 into tests/openapi/.venv",
                validator.display()
            )
        });
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && said.contains("OK"),
        "{said}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The validator is not a rubber stamp: it refuses a document with a broken reference.
    let mut broken = service.openapi.clone();
    broken["paths"]["/v1/health"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] =
        serde_json::json!({"$ref": "#/components/schemas/NoSuchThing"});
    std::fs::write(&file, serde_json::to_vec_pretty(&broken).unwrap()).unwrap();
    let output = Command::new(&validator).arg(&file).output().unwrap();
    assert!(
        !output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );

    // The verdict's schema in the document is the committed one.
    let committed = std::fs::read_to_string(repo().join("schemas/verdict.schema.json")).unwrap();
    let committed: Value =
        serde_json::from_str(&committed.replace("#/$defs/", "#/components/schemas/")).unwrap();
    assert_eq!(
        committed["properties"],
        service.openapi["components"]["schemas"]["Verdict"]["properties"]
    );
}

/// Issue 24, item 6: `serve --listen` takes a bare port (on 127.0.0.1); a busy port gets a free
/// one suggested, never the busy one; a malformed address gets the forms it may take.
#[test]
fn serve_takes_a_bare_port_and_a_busy_port_gets_a_free_one_suggested() {
    let issuer = Issuer::new("serve-listen");
    let trust = issuer.path("trust");
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let run = common::goodstanding(&[
        &"serve",
        &"--listen",
        &format!("127.0.0.1:{port}"),
        &"--trust",
        &trust,
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("another program answers"),
        "{}",
        run.stderr
    );
    let suggested: u16 = run
        .stderr
        .split("--listen ")
        .nth(2)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("a port suggested: {}", run.stderr));
    assert_ne!(suggested, port);

    let malformed =
        common::goodstanding(&[&"serve", &"--listen", &"localhost", &"--trust", &trust]);
    assert_eq!(malformed.code, 2, "{}", malformed.stderr);
    assert!(
        malformed
            .stderr
            .contains("give a port (8090, on 127.0.0.1) or ADDRESS:PORT"),
        "{}",
        malformed.stderr
    );

    drop(busy);
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut command = common::command(
        &[&"serve", &"--listen", &free.to_string(), &"--trust", &trust],
        &[],
    );
    command.stderr(Stdio::null());
    let (mut child, line) = spawn_serve(command);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(line.trim(), format!("listening on http://127.0.0.1:{free}"));
}
