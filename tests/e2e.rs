//! End-to-end tests: run the built `goodstanding` binary as a user does, on real files.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{
    Issuer, PHONE_LIKE_PHOTOS, Run, example, goodstanding, goodstanding_with_stdin, jose_verify,
    json_files, ok, repo, with_payload_character_changed,
};

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use goodstanding_issuer::issue::sign_certificate;
use goodstanding_issuer::{CertificateRequest, load_issuing_key};
use goodstanding_verifier::QR_PREFIX;
use goodstanding_verifier::carrier::qr_text_of_deflated;

fn full_name(request: &Path) -> String {
    let text = std::fs::read_to_string(request).unwrap();
    CertificateRequest::from_json(&text)
        .unwrap()
        .subject
        .full_name
        .to_string()
}

#[test]
fn issue_then_verify_every_example_from_both_carriers() {
    let issuer = Issuer::new("e2e-2026");
    let examples = json_files("examples/requests");
    assert!(examples.len() >= 3);
    for request in examples {
        let (jws, qr) = issuer.issue(&request);
        let name = full_name(&request);
        for input in [&jws, &qr] {
            let run = issuer.verify(input, &[]);
            assert_eq!(
                run.code,
                0,
                "{}: {}{}",
                input.display(),
                run.stdout,
                run.stderr
            );
            assert!(run.stdout.starts_with("VALID"), "{}", run.stdout);
            assert!(
                run.stdout.contains(&name),
                "the verdict shows the signed name {name}"
            );
        }
    }
}

#[test]
fn verify_shows_every_record_and_flags_a_pending_appeal() {
    let issuer = Issuer::new("e2e-records");
    let (_, qr) = issuer.issue(&example("several-records"));
    let run = issuer.verify(&qr, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for expected in [
        "Łukasz Żółć",
        "1969-08-02",
        "Disciplinary findings (2)",
        "Convictions and cautions (2)",
        "Departures during an investigation (2)",
        "Fraud by abuse of position",
        "suspended sentence, 18 months",
        "a settlement agreement exists",
        "!! APPEAL PENDING",
    ] {
        assert!(
            run.stdout.contains(expected),
            "missing {expected:?} in:\n{}",
            run.stdout
        );
    }
    let (_, clean) = issuer.issue(&example("clean-record"));
    let run = issuer.verify(&clean, &[]);
    assert!(
        run.stdout.contains("Disciplinary findings: none recorded"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("APPEAL PENDING"));
}

/// Rule 1: every record has a stable id, the same on the next certificate of the subject (here
/// one that supersedes it), shown by `verify` and printed on the PDF; a record whose reference
/// changes gets another id, the others keep theirs.
#[test]
fn every_record_has_a_stable_id_shown_by_verify_and_on_the_pdf() {
    let issuer = Issuer::new("e2e-record-ids");
    let ids = |jws: &Path| -> Vec<String> {
        let run = issuer.verify(jws, &["--json"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let verdict: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let certificate = &verdict["certificate"];
        ["findings", "convictions", "departures"]
            .iter()
            .flat_map(|list| certificate[list].as_array().unwrap().clone())
            .map(|record| record["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (first, _) = issuer.issue(&example("several-records"));
    let first_ids = ids(&first);
    assert_eq!(first_ids.len(), 6);
    for (id, letter) in first_ids.iter().zip(["f-", "f-", "c-", "c-", "d-", "d-"]) {
        assert!(id.starts_with(letter) && id.len() == 10, "{id}");
    }
    let (second, _) = issuer.issue(&example("several-records"));
    assert_ne!(first, second);
    assert_eq!(ids(&second), first_ids);

    let text = issuer.verify(&second, &[]).stdout;
    assert!(
        text.contains(&format!("; record {}", first_ids[2])),
        "{text}"
    );
    let pdf = std::process::Command::new("pdftotext")
        .arg(second.with_extension("pdf"))
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    let pdf = String::from_utf8_lossy(&pdf.stdout).replace('\n', " ");
    for id in &first_ids {
        assert!(pdf.contains(id.as_str()), "{id} not on the PDF: {pdf}");
    }

    let request = std::fs::read_to_string(example("several-records"))
        .unwrap()
        .replace("MC-2020-00412", "MC-2020-00413");
    let changed = issuer.path("changed.json");
    std::fs::write(&changed, request).unwrap();
    let (third, _) = issuer.issue(&changed);
    let third_ids = ids(&third);
    let differing: Vec<usize> = (0..6).filter(|&i| third_ids[i] != first_ids[i]).collect();
    assert_eq!(differing.len(), 1, "{first_ids:?} {third_ids:?}");
    assert!(third_ids[differing[0]].starts_with("c-"));
}

#[test]
fn convert_between_carriers_is_lossless() {
    let issuer = Issuer::new("e2e-convert");
    let (jws, qr) = issuer.issue(&example("appeal-pending"));
    let to_qr = goodstanding(&[&"convert", &jws, &"--to", &"qr"]);
    assert_eq!(to_qr.stdout, std::fs::read_to_string(&qr).unwrap());
    let to_jws = goodstanding(&[&"convert", &qr, &"--to", &"jws"]);
    assert_eq!(to_jws.stdout, std::fs::read_to_string(&jws).unwrap());
}

/// Issue 24, item 2: QR text and a JWS as a person pastes them (a CRLF after, white space
/// before, wrapped at 76 columns as e-mail does, spaces after) verify, from standard input and
/// from a file; a character changed in copying is named by line and column.
#[test]
fn pasted_text_verifies_as_it_was_signed_and_damage_is_named_by_line_and_column() {
    let issuer = Issuer::new("e2e-pasted");
    let (jws, qr) = issuer.issue(&example("appeal-pending"));
    let trust = issuer.path("trust");
    let verify_text = |text: &str| {
        goodstanding_with_stdin(
            &[&"verify", &"-", &"--trust", &trust],
            Some(text.as_bytes()),
        )
    };
    let wrapped = |text: &str, line_end: &str| {
        text.trim_end()
            .as_bytes()
            .chunks(76)
            .map(|line| std::str::from_utf8(line).unwrap().to_string())
            .collect::<Vec<_>>()
            .join(line_end)
    };
    for original in [&qr, &jws] {
        let text = std::fs::read_to_string(original).unwrap();
        let text = text.trim_end();
        for pasted in [
            format!("{text}\r\n"),
            format!("  {text}"),
            format!("\n\t{text}  \n"),
            wrapped(text, "\r\n"),
            format!("{}\n", wrapped(text, "\n")),
        ] {
            let run = verify_text(&pasted);
            assert_eq!(run.code, 0, "{pasted:?}: {}{}", run.stdout, run.stderr);
            assert!(run.stdout.starts_with("VALID"), "{}", run.stdout);
            let file = issuer.path("pasted.txt");
            std::fs::write(&file, &pasted).unwrap();
            let run = issuer.verify(&file, &[]);
            assert_eq!(run.code, 0, "{pasted:?}: {}{}", run.stdout, run.stderr);
        }
    }
    let text = std::fs::read_to_string(&qr).unwrap();
    let mut lines: Vec<String> = wrapped(&text, "\n").lines().map(String::from).collect();
    let column = lines[2].find(|c: char| c.is_ascii_uppercase()).unwrap();
    let lower = lines[2][column..=column].to_ascii_lowercase();
    lines[2].replace_range(column..=column, &lower);
    let run = verify_text(&lines.join("\r\n"));
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains(&format!("line 3, column {}: '{lower}'", column + 1)),
        "{}",
        run.stderr
    );
}

/// Issue 24, item 9: `verify` of several files prints a line each and exits with the worst
/// status (2 unreadable, then 1 not valid); `--json` gives a result each.
#[test]
fn verify_of_several_files_gives_a_line_each_and_the_worst_exit_status() {
    let issuer = Issuer::new("e2e-several");
    let (clean, _) = issuer.issue(&example("clean-record"));
    let (appeal, appeal_qr) = issuer.issue(&example("appeal-pending"));
    let revoked = issuer.issue_with(&issuer.key(), &example("several-records"));
    issuer.revoke(&revoked);
    issuer.publish();
    ok(&issuer.update_trust(&issuer.path("site").to_string_lossy()));
    ok(&goodstanding(&[
        &"verify",
        &clean,
        &appeal_qr,
        &"--trust",
        &issuer.path("trust"),
    ]));

    let run = issuer.verify(&clean, &[]);
    assert_eq!(run.code, 0);
    let trust = issuer.path("trust");
    let run = goodstanding(&[&"verify", &clean, &appeal, &revoked, &"--trust", &trust]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", run.stdout);
    assert!(
        lines[0].starts_with("VALID ") && lines[0].contains("Zoë Ní Bhriain"),
        "{}",
        lines[0]
    );
    assert!(lines[1].contains("appeal pending"), "{}", lines[1]);
    assert!(
        lines[2].starts_with("NOT VALID") && lines[2].contains("revoked"),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].starts_with("2 valid, 1 not valid, 0 unreadable, of 3"),
        "{}",
        lines[3]
    );

    let missing = issuer.path("missing.pdf");
    let run = goodstanding(&[
        &"verify", &clean, &missing, &revoked, &"--trust", &trust, &"--json",
    ]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let results = json["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["verdict"]["valid"], true);
    assert!(
        results[1]["error"]
            .as_str()
            .unwrap()
            .contains("No such file")
    );
    assert_eq!(results[2]["verdict"]["status"], "revoked");
}

#[test]
fn verify_reads_standard_input_and_prints_json() {
    let issuer = Issuer::new("e2e-json");
    let (_, qr) = issuer.issue(&example("clean-record"));
    let trust = issuer.path("trust");
    let run = goodstanding_with_stdin(
        &[&"verify", &"-", &"--trust", &trust, &"--json"],
        Some(&std::fs::read(&qr).unwrap()),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["valid"], true);
    assert_eq!(json["status"], "valid");
    assert_eq!(json["carrier"], "qr_text");
    assert_eq!(
        json["certificate"]["subject"]["full_name"],
        "Zoë Ní Bhriain"
    );
    assert_eq!(json["certificate"]["findings"], serde_json::json!([]));
}

#[test]
fn a_key_under_the_same_kid_that_did_not_sign_gives_not_valid() {
    let issuer = Issuer::new("shared-kid");
    let impostor = Issuer::new("shared-kid");
    let (jws, qr) = issuer.issue(&example("clean-record"));
    for input in [&jws, &qr] {
        let run = impostor.verify(input, &[]);
        assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains("NOT VALID"), "{}", run.stdout);
        assert!(run.stdout.contains("altered or forged"), "{}", run.stdout);
    }
}

#[test]
fn an_unknown_kid_gives_not_valid() {
    let issuer = Issuer::new("issuer-a");
    let other = Issuer::new("issuer-b");
    let (jws, _) = issuer.issue(&example("clean-record"));
    let run = other.verify(&jws, &[]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("\"issuer-a\", which is not in the trust list"),
        "{}",
        run.stdout
    );
}

#[test]
fn expired_and_not_yet_valid_give_not_valid_with_the_content() {
    let issuer = Issuer::new("e2e-time");
    let (jws, _) = issuer.issue(&example("clean-record"));
    let run = issuer.verify(&jws, &["--at", "2999-01-01"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.starts_with("NOT VALID  expired at"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Zoë Ní Bhriain"),
        "the genuine content is still shown"
    );
    let run = issuer.verify(&jws, &["--at", "2001-01-01T00:00:00Z"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.starts_with("NOT VALID  not yet valid"),
        "{}",
        run.stdout
    );
    let run = issuer.verify(&jws, &["--at", "yesterday"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--at \"yesterday\""), "{}", run.stderr);
}

#[test]
fn an_unsupported_schema_version_gives_not_valid() {
    let issuer = Issuer::new("e2e-version");
    let (jws, _) = issuer.issue(&example("clean-record"));
    let key = load_issuing_key(&issuer.key(), None).unwrap();
    let text = std::fs::read_to_string(&jws).unwrap();
    let signed = goodstanding_verifier::SignedCertificate::from_compact(text.trim()).unwrap();
    let mut certificate: goodstanding_verifier::Certificate =
        serde_json::from_slice(signed.payload()).unwrap();
    certificate.schema_version = 3;
    let v3 = issuer.path("v3.jws");
    std::fs::write(&v3, sign_certificate(certificate, &key).unwrap().jws()).unwrap();
    let run = issuer.verify(&v3, &[]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("schema version 3 is not supported"),
        "{}",
        run.stdout
    );
}

/// Writes `text` to a file in the issuer's folder and verifies it; returns the run.
fn verify_text(issuer: &Issuer, name: &str, text: &str) -> Run {
    let path = issuer.path(name);
    std::fs::write(&path, text).unwrap();
    issuer.verify(&path, &[])
}

#[test]
fn damaged_input_is_unreadable_with_exit_status_2() {
    let issuer = Issuer::new("e2e-damage");
    let (jws, qr) = issuer.issue(&example("several-records"));
    let qr_text = std::fs::read_to_string(&qr).unwrap().trim_end().to_string();
    let jws_text = std::fs::read_to_string(&jws)
        .unwrap()
        .trim_end()
        .to_string();

    let bomb = qr_text_of_deflated(miniz_oxide::deflate::compress_to_vec(
        &vec![0u8; 1_000_000],
        10,
    ));
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "oversized inflate",
            bomb,
            "inflates to more than 65536 bytes",
        ),
        (
            "truncated QR text",
            qr_text[..qr_text.len() / 2].to_string(),
            "QR text",
        ),
        (
            "truncated JWS",
            jws_text[..jws_text.len() - 10].to_string(),
            "signature",
        ),
        (
            "JWS cut at a dot",
            jws_text[..jws_text.rfind('.').unwrap()].to_string(),
            "three parts",
        ),
        (
            "lowercase QR text",
            format!("{QR_PREFIX}{}", qr_text[5..].to_lowercase()),
            "cannot be in QR text",
        ),
        (
            "non-alphanumeric QR text",
            qr_text.replacen('A', "#", 1),
            "'#' cannot be in QR text",
        ),
        ("empty", String::new(), "empty"),
        ("not a certificate", "hello world".into(), "neither QR text"),
    ];
    for (what, text, expected) in cases {
        let run = verify_text(&issuer, "damaged.txt", &text);
        assert_eq!(run.code, 2, "{what}: {}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains(expected), "{what}: {}", run.stderr);
        assert!(
            run.stderr.contains("damaged.txt"),
            "{what}: the file is named: {}",
            run.stderr
        );
        assert!(!run.stdout.contains("VALID"), "{what}");
    }
    let run = issuer.verify(&issuer.path("no-such-file.jws"), &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no-such-file.jws"), "{}", run.stderr);
}

/// What a refused request's `.expect` file says: the exit status (its first line, `exit: N`: 1
/// for a request the rules refuse, 2 for one that cannot be read as a request at all: a syntax
/// error, an unknown or missing field, a day that does not exist), and the fragments the message
/// must hold.
fn expected_refusal(request: &Path) -> (i32, String) {
    let expect = std::fs::read_to_string(request.with_extension("expect")).unwrap();
    let (first, fragments) = expect.split_once('\n').unwrap();
    let code = first
        .strip_prefix("exit: ")
        .unwrap_or_else(|| panic!("{}: the first line is `exit: N`", request.display()))
        .parse()
        .unwrap();
    (code, fragments.to_string())
}

#[test]
fn every_refused_request_names_field_and_rule_and_writes_nothing() {
    let issuer = Issuer::new("e2e-rules");
    let rejects = json_files("tests/rejects");
    assert!(rejects.len() >= 10);
    for request in rejects {
        let out = issuer.path("refused-out");
        let run = goodstanding(&[
            &"issue",
            &request,
            &"--key",
            &issuer.key(),
            &"--out",
            &out,
            &"--trust",
            &issuer.path("trust"),
        ]);
        let name = request.file_stem().unwrap().to_string_lossy().into_owned();
        let (code, fragments) = expected_refusal(&request);
        assert_eq!(run.code, code, "{name}: exit {}: {}", run.code, run.stderr);
        assert!(run.stdout.is_empty(), "{name}: no id is printed");
        assert!(
            run.stderr.contains(&format!("{name}.json")),
            "{name}: {}",
            run.stderr
        );
        for fragment in fragments.lines().filter(|l| !l.is_empty()) {
            assert!(
                run.stderr.contains(fragment),
                "{name}: lacks {fragment:?}:\n{}",
                run.stderr
            );
        }
        assert!(
            !out.exists() || std::fs::read_dir(&out).unwrap().count() == 0,
            "{name}: wrote files"
        );
    }
}

#[test]
fn keygen_never_overwrites_and_issue_refuses_an_exposed_key() {
    use std::os::unix::fs::PermissionsExt as _;
    let issuer = Issuer::new("e2e-keys");
    let keys = issuer.path("keys");
    let again = goodstanding(&[&"keygen", &"--out", &keys, &"--kid", &"e2e-keys"]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert!(!again.stdout.contains("PRIVATE KEY") && !again.stderr.contains("PRIVATE KEY"));

    std::fs::set_permissions(issuer.key(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = issuer.path("out");
    let run = goodstanding(&[
        &"issue",
        &example("clean-record"),
        &"--key",
        &issuer.key(),
        &"--out",
        &out,
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("chmod 600"), "{}", run.stderr);
    assert!(!out.exists());
}

/// Issue 24, item 3: `root keygen` run again does not add a second root beside the first
/// (which made the README's commands ambiguous); a spare root is made on purpose, with --force.
#[test]
fn root_keygen_run_twice_keeps_one_root_unless_a_spare_is_asked_for() {
    let issuer = Issuer::without_keys();
    let root = issuer.path("root");
    let files = || {
        let mut names: Vec<String> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let before = files();
    assert_eq!(before.len(), 2, "{before:?}");
    let again = goodstanding(&[&"root", &"keygen", &"--out", &root]);
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(
        again.stderr.contains("already holds a root key")
            && again.stderr.contains(&before[0])
            && again.stderr.contains("--force"),
        "{}",
        again.stderr
    );
    assert_eq!(files(), before, "nothing was written");
    ok(&goodstanding(&[
        &"root",
        &"keygen",
        &"--out",
        &root,
        &"--kid",
        &"gs-root-spare",
        &"--force",
    ]));
    assert_eq!(files().len(), 4);
    // The README names the root by its kid, so its commands work whatever the folder holds.
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    assert!(!readme.contains("gs-root-*"), "a glob over root keys");
}

/// Issue 24, item 6: messages that said the wrong thing. A date where a time goes names the
/// form the field needs; `revoke` lists only the reasons it takes; the draft's verdict has no
/// stray blank lines; `issue --help` does not send the user to `batch --preview`.
#[test]
fn messages_name_the_form_a_field_needs_and_only_what_the_command_takes() {
    let issuer = Issuer::new("e2e-messages");
    let text = std::fs::read_to_string(example("clean-record")).unwrap();
    let text = text.replacen('{', "{\n  \"valid_from\": \"2026-11-23\",", 1);
    let request = issuer.path("date-for-time.json");
    std::fs::write(&request, text).unwrap();
    let run = goodstanding(&[
        &"issue",
        &request,
        &"--key",
        &issuer.key(),
        &"--out",
        &issuer.path("out"),
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("valid_from")
            && run.stderr.contains("this is a time field")
            && run.stderr.contains("2026-12-05T00:00:00Z")
            && !run.stderr.contains("expected a date as YYYY-MM-DD or"),
        "{}",
        run.stderr
    );

    let run = goodstanding(&[
        &"revoke",
        &"aaaaaaaaaaaaaaaaaaaaaaaaaa",
        &"--reason",
        &"mistake",
        &"--register",
        &issuer.path("register.sqlite"),
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("use one of new_information, issued_in_error, key_compromise (superseded is recorded by `goodstanding reissue`"),
        "{}",
        run.stderr
    );

    let draft = issuer.several_records_draft();
    let run = issuer.verify(&draft, &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(!run.stdout.contains("\n\n\n"), "{:?}", run.stdout);

    // A PIN in a PKCS#11 URI, in the query or in the path: refused, saying how to give it.
    for uri in [
        "pkcs11:token=t;object=k?pin-value=1234",
        "pkcs11:token=t;object=k;pin-value=1234",
    ] {
        let run = goodstanding(&[&"keygen", &"--pkcs11", &uri, &"--out", &issuer.path("hsm")]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr.contains("GOODSTANDING_PKCS11_PIN") && run.stderr.contains("--pin-file"),
            "{uri}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("1234"), "the PIN is never printed");
    }

    for command in ["issue", "reissue"] {
        let help = goodstanding(&[&command, &"--help"]);
        assert_eq!(help.code, 0);
        assert!(
            !help.stdout.contains("batch --preview"),
            "{command}: {}",
            help.stdout
        );
    }
}

/// Issue 24, item 9: shell completions and man pages come from the clap definitions.
#[test]
fn completions_and_man_pages_are_generated_from_the_commands() {
    let run = goodstanding(&[&"completions", &"bash"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("complete -F _goodstanding"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("--expiring-within"),
        "every option is there"
    );
    // From a file: the script is longer than one command-line argument may be.
    let script = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(script.path(), &run.stdout).unwrap();
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(script.path())
        .status()
        .unwrap();
    assert!(syntax.success(), "the bash script parses");
    for shell in ["zsh", "fish"] {
        let run = goodstanding(&[&"completions", &shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert!(run.stdout.contains("goodstanding"), "{shell}");
    }
    let dir = tempfile::tempdir().unwrap();
    let run = goodstanding(&[&"man", &"--out", &dir.path()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = std::fs::read_to_string(dir.path().join("goodstanding-verify.1")).unwrap();
    assert!(
        page.starts_with(".ie") || page.contains(".TH goodstanding-verify 1"),
        "{page}"
    );
    assert!(page.contains("require\\-fresh"), "{page}");
    assert!(dir.path().join("goodstanding.1").is_file());
    assert!(dir.path().join("goodstanding-trust-update.1").is_file());
}

/// Issue 24, item 9: `site` from an installed command (no web/pkg beside it) says how to get
/// the WebAssembly verifier, and writes nothing.
#[test]
fn site_without_the_webassembly_says_how_to_build_it() {
    let issuer = Issuer::new("e2e-site");
    let out = issuer.path("site-out");
    let run = goodstanding(&[
        &"site",
        &"--out",
        &out,
        &"--trust",
        &issuer.path("trust"),
        &"--wasm",
        &issuer.path("no-pkg"),
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("not built into the command")
            && run.stderr.contains("web/build.sh")
            && run.stderr.contains("--wasm DIR"),
        "{}",
        run.stderr
    );
    assert!(!out.exists());
}

#[test]
fn a_file_that_is_not_a_key_is_named_as_such() {
    let issuer = Issuer::new("e2e-not-a-key");
    let not_a_key = example("clean-record");
    let out = issuer.path("out");
    let run = goodstanding(&[&"issue", &not_a_key, &"--key", &not_a_key, &"--out", &out]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("clean-record.json: not an Ed25519 private key"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_json_syntax_error_names_the_line_and_no_placeholder_field() {
    let issuer = Issuer::new("e2e-syntax");
    let request = repo().join("tests/rejects/json-syntax-trailing-comma.json");
    let out = issuer.path("out");
    let run = goodstanding(&[
        &"issue",
        &request,
        &"--key",
        &issuer.key(),
        &"--out",
        &out,
        &"--trust",
        &issuer.path("trust"),
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("json-syntax-trailing-comma.json: line 8, column 1: trailing comma"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("field ?"), "{}", run.stderr);
}

#[test]
fn a_closed_output_pipe_is_not_a_crash() {
    let issuer = Issuer::new("e2e-pipe");
    let (jws, _) = issuer.issue(&example("several-records"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_goodstanding"))
        .arg("verify")
        .arg(&jws)
        .arg("--trust")
        .arg(issuer.path("trust"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Like `goodstanding verify X | head -0`: the reader goes away before anything is read.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}

#[test]
fn the_demo_issues_and_verifies_every_example() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let run = goodstanding(&[&"demo", &"--out", &out]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    for name in [
        "Zoë Ní Bhriain",
        "Łukasz Żółć",
        "Amélie Lefèvre-Ødegård",
        "refused, as the rules require",
    ] {
        assert!(run.stdout.contains(name), "{name} missing:\n{}", run.stdout);
    }
    assert_eq!(
        run.stdout.matches("VALID (2 of 2 carriers)").count(),
        3,
        "{}",
        run.stdout
    );
    // The printed next step works as printed.
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains("goodstanding verify"))
        .unwrap();
    let args: Vec<&str> = line
        .split("goodstanding ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .collect();
    let verify = Command::new(env!("CARGO_BIN_EXE_goodstanding"))
        .args(&args)
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
}

/// A stock JOSE library (the `jose` npm package, under Node.js) verifies the `.jws` with the
/// issuer's public JWK.
#[test]
fn a_stock_jose_library_verifies_the_jws() {
    let issuer = Issuer::new("e2e-jose");
    let (jws, _) = issuer.issue(&example("several-records"));
    let jwk = issuer.path("keys/e2e-jose.pub.jwk");
    let result = jose_verify(&jws, &jwk).unwrap();
    assert_eq!(result["header"]["alg"], "EdDSA");
    assert_eq!(result["header"]["typ"], "gs-cert+jws");
    assert_eq!(result["payload"]["subject"]["full_name"], "Łukasz Żółć");

    // The same library refuses it after one character of the payload changes.
    let bad = with_payload_character_changed(&jws, 5, &issuer.path("tampered.jws"));
    assert!(jose_verify(&bad, &jwk).is_err());
}

/// Runs an external tool (poppler-utils, zbar-tools: installed by tools/test.sh) and returns its
/// standard output.
fn tool(program: &str, args: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<u8> {
    let output = Command::new(program)
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{program}: {e}: apt-get install poppler-utils zbar-tools imagemagick, or run \
                 tools/test.sh, which installs what the tests need"
            )
        });
    assert!(
        output.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

#[test]
fn every_example_pdf_scans_at_150_and_300_dpi_and_shows_the_name_exactly() {
    let issuer = Issuer::new("e2e-pdf");
    for request in json_files("examples/requests") {
        let (jws, qr) = issuer.issue(&request);
        let pdf = jws.with_extension("pdf");
        let name = full_name(&request);

        let text = String::from_utf8(tool("pdftotext", &[&pdf, &"-"])).unwrap();
        assert!(text.contains(&name), "pdftotext lacks {name:?}:\n{text}");
        assert!(text.contains("Page 1 of 1"), "{text}");

        let expected = std::fs::read_to_string(&qr).unwrap();
        for dpi in ["150", "300"] {
            let prefix = issuer.path(&format!("page-{dpi}"));
            tool(
                "pdftoppm",
                &[
                    &"-r", &dpi, &"-png", &"-f", &"1", &"-l", &"1", &pdf, &prefix,
                ],
            );
            let png = issuer.path(&format!("page-{dpi}-1.png"));
            // QR codes only: with every symbology on, zbar may also read a stray 1-D barcode
            // out of the printed text (seen on CI: a 16-digit "code" after the QR text).
            let decoded = tool(
                "zbarimg",
                &[&"-q", &"--raw", &"-Sdisable", &"-Sqrcode.enable", &png],
            );
            let decoded = String::from_utf8(decoded).unwrap();
            assert_eq!(
                decoded.trim_end(),
                expected.trim_end(),
                "{name} at {dpi} dpi"
            );
            // goodstanding reads the page image itself, too.
            let run = issuer.verify(&png, &[]);
            assert_eq!(
                run.code, 0,
                "{name} page image at {dpi} dpi: {}{}",
                run.stdout, run.stderr
            );
            assert!(
                run.stdout
                    .contains("Read from        the QR code in the image")
            );
            let scanned = issuer.path("scanned.qr.txt");
            std::fs::write(&scanned, decoded.trim_end()).unwrap();
            let run = issuer.verify(&scanned, &[]);
            assert_eq!(
                run.code, 0,
                "{name} at {dpi} dpi: {}{}",
                run.stdout, run.stderr
            );
            assert!(run.stdout.contains(&name));
        }

        let run = issuer.verify(&pdf, &[]);
        assert_eq!(
            run.code,
            0,
            "{}: {}{}",
            pdf.display(),
            run.stdout,
            run.stderr
        );
        assert!(
            run.stdout
                .contains("Read from        the signed certificate attached to the PDF")
        );
        assert!(run.stdout.contains(&name));

        let attachment = issuer.path("attached.jws");
        tool("pdfdetach", &[&"-save", &"1", &"-o", &attachment, &pdf]);
        assert_eq!(
            std::fs::read(&attachment).unwrap(),
            std::fs::read(&jws).unwrap()
        );
        let run = issuer.verify(&attachment, &[]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
}

#[test]
fn render_gives_the_same_bytes_as_issue_in_another_process() {
    let issuer = Issuer::new("e2e-render");
    let (jws, _) = issuer.issue(&example("several-records"));
    let issued_pdf = std::fs::read(jws.with_extension("pdf")).unwrap();
    let out = issuer.path("rendered");
    let trust = issuer.path("trust");
    let run = goodstanding(&[&"render", &jws, &"--trust", &trust, &"--out", &out]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rendered = std::fs::read(out.join(jws.with_extension("pdf").file_name().unwrap())).unwrap();
    assert!(
        rendered == issued_pdf,
        "render and issue wrote different bytes"
    );

    // A certificate that does not verify is not rendered.
    let other = Issuer::new("e2e-render-other");
    let run = goodstanding(&[
        &"render",
        &jws,
        &"--trust",
        &other.path("trust"),
        &"--out",
        &out,
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
}

/// The permission bits of a file.
fn mode_of(path: &Path) -> u32 {
    std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(path).unwrap().permissions()) & 0o777
}

#[test]
fn certificates_are_written_readable_by_their_owner_only() {
    // They hold criminal-offence data: issue, reissue, batch, render and the demo all write
    // them 0600 (the demo's site and schemas stay public).
    let issuer = Issuer::new("e2e-modes");
    let (jws, _) = issuer.issue(&example("several-records"));
    let mut written = vec![jws.clone()];
    let replaced = issuer.issue_with(&issuer.key(), &example("clean-record"));
    let run = goodstanding(&[
        &"reissue",
        &replaced.file_stem().unwrap(),
        &example("clean-record"),
        &"--key",
        &issuer.key(),
        &"--out",
        &issuer.path("out"),
        &"--register",
        &issuer.path("register.sqlite"),
        &"--trust",
        &issuer.path("trust"),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    written.push(
        issuer
            .path("out")
            .join(format!("{}.jws", run.stdout.trim())),
    );
    let batch_out = issuer.path("batch");
    let run = goodstanding(&[
        &"batch",
        &repo().join("examples/batch/requests.jsonl"),
        &"--key",
        &issuer.key(),
        &"--out",
        &batch_out,
        &"--register",
        &issuer.path("register.sqlite"),
        &"--trust",
        &issuer.path("trust"),
        &"--quiet",
        &"--supersede",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    written.extend(
        std::fs::read_dir(&batch_out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.extension().is_some_and(|e| e == "jws")
                    && !p.to_string_lossy().ends_with(".manifest.jws")
            }),
    );
    let rendered = issuer.path("rendered");
    let run = goodstanding(&[
        &"render",
        &jws,
        &"--trust",
        &issuer.path("trust"),
        &"--out",
        &rendered,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let demo = issuer.path("demo");
    ok(&goodstanding(&[&"demo", &"--out", &demo]));
    let demo_certificates: Vec<PathBuf> = std::fs::read_dir(&demo)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "jws")
                && p.file_stem().is_some_and(|s| s.len() == 26)
        })
        .collect();
    assert_eq!(demo_certificates.len(), 3);
    written.extend(demo_certificates);
    assert!(written.len() >= 8, "{written:?}");
    for jws in written {
        for path in [
            jws.clone(),
            jws.with_extension("qr.txt"),
            jws.with_extension("pdf"),
        ] {
            assert_eq!(mode_of(&path), 0o600, "{}", path.display());
        }
    }
    let rendered_pdf = rendered.join(jws.with_extension("pdf").file_name().unwrap());
    assert_eq!(mode_of(&rendered_pdf), 0o600);
    // What is published stays readable by the web server.
    assert_eq!(mode_of(&demo.join("site/trust-list.jws")), 0o644);
}

#[test]
fn a_name_the_fonts_cannot_print_is_refused_before_anything_is_written() {
    let issuer = Issuer::new("e2e-script");
    let text = std::fs::read_to_string(example("clean-record"))
        .unwrap()
        .replace("Zoë Ní Bhriain", "山田 太郎");
    let request = issuer.path("cjk.json");
    std::fs::write(&request, text).unwrap();
    let out = issuer.path("out");
    let run = goodstanding(&[
        &"issue",
        &request,
        &"--key",
        &issuer.key(),
        &"--out",
        &out,
        &"--trust",
        &issuer.path("trust"),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("subject.full_name"), "{}", run.stderr);
    assert!(run.stderr.contains("'山' (U+5C71)"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("Latin (with Latin Extended), Greek and Cyrillic"),
        "{}",
        run.stderr
    );
    assert!(!out.exists(), "nothing is written");
}

#[test]
fn a_pdf_with_an_altered_attachment_or_none_is_not_valid() {
    let issuer = Issuer::new("e2e-pdf-tamper");
    let (jws, _) = issuer.issue(&example("appeal-pending"));
    let text = std::fs::read_to_string(&jws).unwrap();
    let signed = goodstanding_verifier::SignedCertificate::from_compact(text.trim_end()).unwrap();
    let certificate: goodstanding_verifier::Certificate =
        serde_json::from_slice(signed.payload()).unwrap();

    // The same PDF with one byte of the attached payload changed: the signature no longer fits.
    let mut payload = signed.payload().to_vec();
    let at = payload.windows(6).position(|w| w == b"upheld").unwrap();
    payload[at..at + 6].copy_from_slice(b"uphelD");
    let altered = goodstanding_verifier::SignedCertificate::from_parts(
        signed.header().to_vec(),
        payload,
        *signed.signature(),
    )
    .unwrap();
    let pdf = goodstanding_issuer::pdf::render(&certificate, &altered).unwrap();
    let path = issuer.path("altered.pdf");
    std::fs::write(&path, pdf).unwrap();
    let run = issuer.verify(&path, &[]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("altered or forged"), "{}", run.stdout);

    // Printed to PDF again by another program: the attachment is gone, and the verdict says so.
    let reprinted = issuer.path("reprinted.pdf");
    tool(
        "pdftocairo",
        &[&"-pdf", &jws.with_extension("pdf"), &reprinted],
    );
    let run = issuer.verify(&reprinted, &[]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("no signed certificate (.jws) attached"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("scan its QR code instead"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_photo_like_image_of_a_certificate_verifies_and_a_blank_one_is_unreadable() {
    let issuer = Issuer::new("e2e-photo");
    for request in json_files("examples/requests") {
        let (jws, _) = issuer.issue(&request);
        let name = full_name(&request);
        let prefix = issuer.path("scan");
        tool(
            "pdftoppm",
            &[
                &"-r",
                &"150",
                &"-gray",
                &"-png",
                &"-f",
                &"1",
                &"-l",
                &"1",
                &jws.with_extension("pdf"),
                &prefix,
            ],
        );
        let page = issuer.path("scan-1.png");
        for (file, effects) in PHONE_LIKE_PHOTOS {
            let photo = issuer.path(file);
            let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&page];
            for e in effects {
                args.push(e);
            }
            args.push(&photo);
            tool("convert", &args);
            let run = issuer.verify(&photo, &[]);
            assert_eq!(run.code, 0, "{name}, {file}: {}{}", run.stdout, run.stderr);
            assert!(run.stdout.contains(&name), "{name}, {file}");
        }
    }
    let blank = issuer.path("blank.png");
    tool("convert", &[&"-size", &"600x800", &"xc:white", &blank]);
    let run = issuer.verify(&blank, &[]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("blank.png: no readable QR code in this image"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_pdf_with_another_certificates_qr_code_pasted_on_is_not_valid() {
    let issuer = Issuer::new("e2e-substitute");
    let (genuine_jws, genuine_qr) = issuer.issue(&example("clean-record"));
    let (other_jws, _) = issuer.issue(&example("appeal-pending"));
    // Amélie's PDF and attachment, with Zoë's genuine QR code drawn on it.
    crate::common::assert_substituted_qr_is_not_valid(&issuer, &other_jws, &genuine_qr);
    // Each part on its own is genuine: only the combination is caught.
    assert_eq!(issuer.verify(&genuine_jws, &[]).code, 0);
    assert_eq!(issuer.verify(&other_jws, &[]).code, 0);
}

#[test]
fn drafts_are_written_for_one_request_or_a_batch_never_recorded_and_verify_refuses_them() {
    let issuer = Issuer::new("e2e-draft");
    let (drafts, register) = (issuer.path("drafts"), issuer.path("register.sqlite"));
    let before = std::fs::read(&register).ok();

    let run = goodstanding(&[&"preview", &example("several-records"), &"--out", &drafts]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let draft = drafts.join("SUBJ-002231-draft.pdf");
    assert!(
        run.stdout.contains("SUBJ-002231-draft.pdf"),
        "{}",
        run.stdout
    );
    let mode = std::fs::metadata(&draft).unwrap().permissions();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
        0o600,
        "a draft holds the person's records: mode 0600"
    );

    // verify: a draft is not a certificate (exit 1), in text and in JSON.
    let run = issuer.verify(&draft, &[]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("NOT VALID") && run.stdout.contains("DRAFT"),
        "{}",
        run.stdout
    );
    let run = issuer.verify(&draft, &["--json"]);
    assert_eq!(run.code, 1);
    let verdict: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(verdict["valid"], false);
    assert_eq!(verdict["status"], "draft");
    assert!(verdict["reason"].as_str().unwrap().contains("DRAFT"));

    // A batch of drafts, with no key, given a register that does not exist yet: the default
    // rules apply, and no register is made.
    let batch_drafts = issuer.path("batch-drafts");
    let run = goodstanding(&[
        &"batch",
        &repo().join("examples/batch/requests.csv"),
        &"--preview",
        &"--out",
        &batch_drafts,
        &"--register",
        &issuer.path("never.sqlite"),
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(!issuer.path("never.sqlite").exists());
    let mut names: Vec<String> = std::fs::read_dir(&batch_drafts)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "SUBJ-000417-draft.pdf",
            "SUBJ-002231-draft.pdf",
            "SUBJ-003980-draft.pdf"
        ]
    );
    assert!(!issuer.path("never.sqlite").exists(), "no register made");
    assert_eq!(
        std::fs::read(&register).ok(),
        before,
        "the register is untouched"
    );

    // A request the rules refuse gets no draft: exit 1, the rule named, nothing written.
    let refused = issuer.path("refused-drafts");
    let bad = repo().join("tests/rejects/rule2-finding-not-upheld.json");
    let run = goodstanding(&[&"preview", &bad, &"--out", &refused]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("rule"), "{}", run.stderr);
    assert!(!refused.exists(), "nothing written for a refused request");
}

/// Version 1 files written by goodstanding before schema version 2 (tests/data/v1/README.md)
/// verify during the transition, from each carrier, with version 1 trust and revocation lists.
#[test]
fn version_1_certificates_keep_verifying_during_the_transition() {
    let dir = tempfile::tempdir().unwrap();
    let data = repo().join("tests/data/v1");
    let trust = dir.path().join("trust");
    let (site, root) = (data.join("site"), data.join("v1-root.pub.jwk"));
    let at = [(
        "GOODSTANDING_NOW",
        std::ffi::OsStr::new("2026-11-25T12:00:00Z"),
    )];
    ok(&crate::common::goodstanding_in(
        &[
            &"trust", &"update", &"--from", &site, &"--trust", &trust, &"--root", &root,
        ],
        None,
        &at,
    ));
    for file in [
        "several-records.jws",
        "several-records.qr.txt",
        "several-records.pdf",
    ] {
        let path = data.join(file);
        let run =
            crate::common::goodstanding_in(&[&"verify", &path, &"--trust", &trust], None, &at);
        assert_eq!(run.code, 0, "{file}: {}{}", run.stdout, run.stderr);
        assert!(run.stdout.starts_with("VALID"), "{file}: {}", run.stdout);
        assert!(run.stdout.contains("Łukasz Żółć"), "{file}: {}", run.stdout);
        assert!(!run.stdout.contains("Disclosure level"), "{}", run.stdout);
    }
    // The PDF made before the QR code became an image (its code drawn as rectangles) still has
    // its printed code read back and compared with its attachment (issue 27).
    let pdf = data.join("several-records.pdf");
    let run = crate::common::goodstanding_in(
        &[&"verify", &pdf, &"--trust", &trust, &"--json"],
        None,
        &at,
    );
    let verdict: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(verdict["valid"], true, "{verdict}");
    let codes: Vec<&str> = verdict["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["code"].as_str())
        .collect();
    assert_eq!(codes, ["appeal_pending"], "{verdict}");
    let modules = goodstanding_verifier::pdf::drawn_qr_modules(&std::fs::read(&pdf).unwrap());
    assert_eq!(modules.map(|codes| codes.len()), Ok(1));
}

/// Rule 3 and rule 12: a 2010 fine and a 2018 caution that filtering protects are left off the
/// certificate (the operator is told which, by field, never what), the 2018 suspended sentence
/// is listed as spent but disclosable, and the PDF says what it covers, the disclosure level,
/// the validity in UK time and that an expired warning has expired.
#[test]
fn protected_records_are_left_off_with_a_notice_and_the_pdf_says_what_it_covers() {
    let issuer = Issuer::new("e2e-protected");
    let request = repo().join("tests/data/protected-records.json");
    let out = issuer.path("out");
    let run = goodstanding(&[
        &"issue",
        &request,
        &"--key",
        &issuer.key(),
        &"--out",
        &out,
        &"--trust",
        &issuer.path("trust"),
        &"--register",
        &issuer.path("register.sqlite"),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("convictions[0]: protected")
            && run.stderr.contains("convictions[1]: protected"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("Theft") && !run.stderr.contains("Criminal damage"));
    let id = run.stdout.trim();
    let signed = crate::common::payload(&out.join(format!("{id}.jws")));
    let convictions = signed["convictions"].as_array().unwrap();
    assert_eq!(convictions.len(), 1, "{convictions:?}");
    assert_eq!(convictions[0]["disposal"], "suspended_sentence");
    assert_eq!(convictions[0]["disclosure"], "spent_disclosable");
    assert_eq!(signed["disclosure_level"], "standard");

    let text = Command::new("pdftotext")
        .arg(out.join(format!("{id}.pdf")))
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    let text = String::from_utf8_lossy(&text.stdout);
    for expected in [
        "What this certificate covers",
        "Disclosure level",
        "standard (unspent, and spent but not",
        "None recorded",
        "checked for format only",
        "expired on 2022-12-30",
        "23 November 2026 at 12:",
        "GMT",
    ] {
        assert!(
            text.contains(expected),
            "the PDF lacks {expected:?}:\n{text}"
        );
    }
    assert!(!text.contains("Theft"));

    let verified = issuer.verify(&out.join(format!("{id}.jws")), &[]);
    assert!(
        verified.stdout.contains("Disclosure level") && verified.stdout.contains("standard"),
        "{}",
        verified.stdout
    );
}

/// `preview` and `issue` give the same verdict on what a request says: every refused request
/// (too large for its QR code included) is refused by `preview` with the same exit status and
/// no draft, and every example gets a draft.
#[test]
fn preview_refuses_exactly_what_issue_refuses() {
    let issuer = Issuer::new("e2e-preview-rules");
    for request in json_files("tests/rejects") {
        let name = request.file_stem().unwrap().to_string_lossy().into_owned();
        let (code, _) = expected_refusal(&request);
        let out = issuer.path(&format!("drafts-{name}"));
        let run = goodstanding(&[&"preview", &request, &"--out", &out]);
        assert_eq!(run.code, code, "{name}: {}", run.stderr);
        assert!(
            !out.exists() || std::fs::read_dir(&out).unwrap().next().is_none(),
            "{name}: a draft was written"
        );
    }
    for request in json_files("examples/requests") {
        let out = issuer.path("drafts");
        let run = goodstanding(&[&"preview", &request, &"--out", &out]);
        assert_eq!(run.code, 0, "{}: {}", request.display(), run.stderr);
    }
}
