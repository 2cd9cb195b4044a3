//! One verdict, whichever face gives it: the same certificates (genuine, tampered, revoked,
//! expired, a draft, and a PDF whose printed QR code cannot be read back) given to
//! `goodstanding verify --json`, to the verification service (`POST /v1/verify`) and to the web
//! page's verifier in headless Chromium, each at the same pinned time, must give one identical
//! verdict, and each must match `schemas/verdict.schema.json`. Only where the trust data came
//! from (`trust_data.source`, `fetched_at`) may differ: the page's lists are bundled with it.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::with_payload_character_changed;
use crate::common::{Issuer, example, goodstanding_in, ok, repo};
use crate::serve::Service;
use crate::web::{CHROMIUM, build_wasm, drive};

/// One input: its name, its file, whether it is a PDF, and the time to verify it at.
struct Input {
    name: &'static str,
    path: PathBuf,
    pdf: bool,
    at: &'static str,
}

/// A copy of a certificate PDF in which the QR code printed on page 1 is no longer where a
/// verifier reads it back from (as after another program rewrote the page), its attachment
/// untouched.
fn with_printed_qr_unreadable(pdf: &Path, copy: &Path) -> PathBuf {
    let mut document = lopdf::Document::load(pdf).unwrap();
    let page = *document.get_pages().get(&1).unwrap();
    let content = String::from_utf8(document.get_page_content(page)).unwrap();
    let marker = content
        .lines()
        .find(|l| l.starts_with("q 0 g ") && l.ends_with(" Do Q"))
        .expect("the QR code's drawing on page 1")
        .to_string();
    // The same drawing, with the colour written another way: it prints the same, but it is not
    // the drawing goodstanding wrote.
    let changed = content.replacen(&marker, &marker.replacen("q 0 g ", "q 0.0 g ", 1), 1);
    document
        .change_page_content(page, changed.into_bytes())
        .unwrap();
    document.save(copy).unwrap();
    copy.to_path_buf()
}

/// `verdict` without where the trust data came from.
fn without_source(verdict: &Value) -> Value {
    let mut verdict = verdict.clone();
    let trust = verdict["trust_data"].as_object_mut().unwrap();
    trust.remove("source");
    trust.remove("fetched_at");
    verdict
}

#[test]
fn the_command_the_service_and_the_web_page_give_one_identical_verdict() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: apt-get install chromium, or run tools/test.sh"
    );
    let now = "2026-11-23T12:00:00Z";
    let issuer = Issuer::new("verdicts");
    let clock = [("GOODSTANDING_NOW", std::ffi::OsStr::new(now))];
    let issue = |request: &Path| issuer.issue_in(&issuer.key(), request, &clock);
    let good = issue(&example("appeal-pending"));
    let revoked = issue(&example("clean-record"));
    issuer.revoke(&revoked);
    issuer.publish();
    ok(&issuer.update_trust(&issuer.path("site").to_string_lossy()));
    let draft = issuer.several_records_draft();

    let good_pdf = good.with_extension("pdf");
    let inputs = [
        Input {
            name: "good",
            path: good.with_extension("qr.txt"),
            pdf: false,
            at: now,
        },
        Input {
            name: "good_pdf",
            path: good_pdf.clone(),
            pdf: true,
            at: now,
        },
        Input {
            name: "tampered",
            path: with_payload_character_changed(&good, 30, &issuer.path("tampered.jws")),
            pdf: false,
            at: now,
        },
        Input {
            name: "revoked",
            path: revoked.clone(),
            pdf: false,
            at: now,
        },
        Input {
            name: "expired",
            path: good.clone(),
            pdf: false,
            at: "2099-01-01T00:00:00Z",
        },
        Input {
            name: "draft",
            path: draft,
            pdf: true,
            at: now,
        },
        Input {
            name: "printed_qr_unreadable",
            path: with_printed_qr_unreadable(&good_pdf, &issuer.path("unreadable-qr.pdf")),
            pdf: true,
            at: now,
        },
    ];

    // The command.
    let mut command = std::collections::BTreeMap::new();
    for input in &inputs {
        let run = goodstanding_in(
            &[
                &"verify",
                &input.path,
                &"--json",
                &"--trust",
                &issuer.path("trust"),
                &"--at",
                &input.at,
            ],
            None,
            &clock,
        );
        assert!(
            run.code == 0 || run.code == 1,
            "{}: {}",
            input.name,
            run.stderr
        );
        let verdict: Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{}: {e}: {}", input.name, run.stdout));
        command.insert(input.name, verdict);
    }

    // The service, its clock pinned by the override (and ?at= where the input has its own time).
    let service = Service::start_in(&issuer.path("trust"), &[], &clock);
    let mut served = std::collections::BTreeMap::new();
    for input in &inputs {
        let query = if input.at == now {
            String::new()
        } else {
            format!("?at={}", input.at)
        };
        let content_type = if input.pdf {
            "application/pdf"
        } else {
            "text/plain"
        };
        let answer = service.verify(
            Some(content_type),
            std::fs::read(&input.path).unwrap(),
            &query,
        );
        assert_eq!(answer.status, 200, "{}: {}", input.name, answer.json);
        served.insert(input.name, answer.json);
    }

    // The web page, in Chromium.
    let pkg = issuer.path("pkg");
    build_wasm(&pkg);
    let site = issuer.web_site(&pkg, &[]);
    let config = serde_json::json!({
        "site": site,
        "chromium": CHROMIUM,
        "inputs": inputs.iter().map(|i| serde_json::json!({
            "name": i.name,
            "kind": if i.pdf { "pdf" } else { "text" },
            "path": i.path,
            "at": goodstanding_verifier::Timestamp::parse(i.at).unwrap().unix(),
        })).collect::<Vec<_>>(),
    });
    let page = drive(&issuer, "verdicts.mjs", &config);

    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("schemas/verdict.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for input in &inputs {
        let name = input.name;
        let (from_command, from_service, from_page) = (&command[name], &served[name], &page[name]);
        for (face, verdict) in [
            ("verify --json", from_command),
            ("the service", from_service),
            ("the web page", from_page),
        ] {
            let errors: Vec<String> = validator
                .iter_errors(verdict)
                .map(|e| format!("{e} at {}", e.instance_path))
                .collect();
            assert!(errors.is_empty(), "{name}, {face}: {errors:?}\n{verdict:#}");
        }
        assert_eq!(
            from_command, from_service,
            "{name}: verify --json and the service differ"
        );
        assert_eq!(
            without_source(from_command),
            without_source(from_page),
            "{name}: verify --json and the web page differ"
        );
    }

    // What each verdict says, so that "identical" is not identical nonsense.
    let status = |name: &str| command[name]["status"].as_str().unwrap().to_string();
    assert_eq!(status("good"), "valid");
    assert_eq!(status("good_pdf"), "valid");
    assert_eq!(status("tampered"), "bad_signature");
    assert_eq!(status("revoked"), "revoked");
    assert_eq!(status("expired"), "expired");
    assert_eq!(status("draft"), "draft");
    assert_eq!(status("printed_qr_unreadable"), "valid");
    let codes = |name: &str| -> Vec<String> {
        command[name]["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(codes("good"), ["appeal_pending"]);
    assert_eq!(codes("good_pdf"), ["appeal_pending"]);
    // The warning that `verify --json` and the service used to leave out.
    assert_eq!(
        codes("printed_qr_unreadable"),
        ["printed_qr_unread", "appeal_pending"]
    );
    assert!(codes("draft").is_empty());
    assert_eq!(command["good"]["checked_at"], now);
    assert_eq!(command["expired"]["checked_at"], "2099-01-01T00:00:00Z");
    assert_eq!(page["good"]["trust_data"]["fetched_at"], Value::Null);
    assert_eq!(
        page["good"]["trust_data"]["source"],
        goodstanding_web::BUNDLED_SOURCE
    );

    // The text output says it too.
    let text = goodstanding_in(
        &[
            &"verify",
            &inputs[6].path,
            &"--trust",
            &issuer.path("trust"),
        ],
        None,
        &clock,
    );
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(
        text.stdout
            .contains("!! The QR code printed on this PDF could not be read back"),
        "{}",
        text.stdout
    );
}
