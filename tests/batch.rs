//! End-to-end tests of batch issuance, the register, revocation and reissue: the built binary on
//! real files, a real SQLite register, a real kill -9.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::{
    Issuer, Run, example, goodstanding, jose_verify, json_files, payload, repo,
    with_payload_character_changed,
};
use goodstanding_verifier::{Timestamp, TrustStore};
use serde_json::Value;

impl Issuer {
    fn batch(&self, input: &Path, out: &str, extra: &[&str]) -> Run {
        let (key, out, register) = (self.key(), self.path(out), self.register());
        let trust = self.path("trust");
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![
            &"batch",
            &input,
            &"--key",
            &key,
            &"--out",
            &out,
            &"--register",
            &register,
            &"--trust",
            &trust,
        ];
        for e in extra {
            args.push(e);
        }
        goodstanding(&args)
    }

    /// Runs `goodstanding <args> --register <this issuer's register>` (and, for the commands
    /// that sign, `--trust <this issuer's trust folder>`).
    fn with_register(&self, args: &[&dyn AsRef<std::ffi::OsStr>]) -> Run {
        let (register, trust) = (self.register(), self.path("trust"));
        let mut all = args.to_vec();
        all.push(&"--register");
        all.push(&register);
        let command = args
            .first()
            .map(|a| a.as_ref().to_string_lossy().into_owned());
        if matches!(command.as_deref(), Some("issue" | "reissue" | "batch")) {
            all.push(&"--trust");
            all.push(&trust);
        }
        goodstanding(&all)
    }

    fn trust_store(&self) -> TrustStore {
        goodstanding_trust::folder::load(&self.path("trust"))
            .unwrap()
            .0
    }
}

/// The register's certificates as JSON objects (`register list --json`).
fn listed(issuer: &Issuer, filter: &[&str]) -> Vec<Value> {
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"register", &"list", &"--json"];
    for f in filter {
        args.push(f);
    }
    let run = issuer.with_register(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn file_named(dir: &Path, suffix: &str) -> PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(suffix))
        .unwrap_or_else(|| panic!("no *{suffix} in {}", dir.display()))
}

fn compact(json_text: &str) -> String {
    serde_json::to_string(&serde_json::from_str::<Value>(json_text).unwrap()).unwrap()
}

/// The payload of a `.jws` file.
#[test]
fn a_mixed_batch_issues_the_good_and_sets_aside_the_bad_by_line_field_and_rule() {
    let issuer = Issuer::new("batch-mixed");
    // Lines 1-3 good, 4 a broken line, 5 blank, 6-7 refused by rules 2 and 3, 8 good, 9 an
    // unknown field.
    let good: Vec<String> = json_files("examples/requests")
        .iter()
        .map(|p| compact(&std::fs::read_to_string(p).unwrap()))
        .collect();
    let rule2 = compact(
        &std::fs::read_to_string(repo().join("tests/rejects/rule2-finding-not-upheld.json"))
            .unwrap(),
    );
    let rule3 = compact(
        &std::fs::read_to_string(repo().join("tests/rejects/rule3-stated-status-disagrees.json"))
            .unwrap(),
    );
    let broken = r#"{"issuer": "Demo", "information_as_at": "2026-11-02", "subject": "#;
    // Each line its own subject: two lines for one subject are refused together (rule 8).
    let unknown_field = good[0]
        .replacen("{", r#"{"colour":"blue","#, 1)
        .replace("SUBJ-003980", "SUBJ-003982");
    let rule2 = rule2.replace("SUBJ-002231", "SUBJ-002232");
    let rule3 = rule3.replace("SUBJ-002231", "SUBJ-002233");
    let lines = [
        good[0].as_str(),
        &good[1],
        &good[2],
        broken,
        "",
        &rule2,
        &rule3,
        &good[0].replace("SUBJ-003980", "SUBJ-003981"),
        &unknown_field,
    ];
    let input = issuer.path("requests.jsonl");
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();

    let run = issuer.batch(&input, "out", &["--jobs", "2"]);
    assert_eq!(run.code, 1, "some requests were refused: {}", run.stderr);
    assert!(run.stdout.contains("issued           4"), "{}", run.stdout);
    assert!(run.stdout.contains("refused          4"), "{}", run.stdout);
    assert!(
        run.stdout.contains("rule 2: no unproven findings"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("request at line 6"), "{}", run.stderr);

    // The refused requests: line, field, rule and the original text, nothing else.
    let out = issuer.path("out");
    let rejected_file = file_named(&out, ".rejected.jsonl");
    let rejected: BTreeMap<u64, Value> = std::fs::read_to_string(&rejected_file)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (v["line"].as_u64().unwrap(), v)
        })
        .collect();
    assert_eq!(rejected.keys().copied().collect::<Vec<_>>(), [4, 6, 7, 9]);
    for (line, entry) in &rejected {
        assert_eq!(
            entry["input"].as_str().unwrap(),
            lines[*line as usize - 1],
            "the original text of line {line} is kept"
        );
    }
    let rule_of = |line: u64| rejected[&line]["problems"][0]["rule"].clone();
    assert_eq!(rule_of(6), "rule 2: no unproven findings");
    assert!(rule_of(7).as_str().unwrap().starts_with("rule 3"));
    assert_eq!(rejected[&6]["problems"][0]["field"], "findings[0].outcome");
    assert_eq!(rejected[&4]["problems"][0]["rule"], Value::Null);
    assert!(
        rejected[&9]["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("colour"),
        "{}",
        rejected[&9]
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&rejected_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "refused requests hold personal data");
    }

    // The good ones are issued, recorded and verify; nothing else is in the folder.
    let records = listed(&issuer, &[]);
    assert_eq!(records.len(), 4);
    let lines_issued: BTreeSet<u64> = records
        .iter()
        .map(|r| r["batch_line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines_issued, BTreeSet::from([1, 2, 3, 8]));
    let trust = issuer.trust_store();
    for record in &records {
        let id = record["id"].as_str().unwrap();
        let jws = std::fs::read(out.join(format!("{id}.jws"))).unwrap();
        let now = Timestamp::parse(record["issued_at"].as_str().unwrap()).unwrap();
        goodstanding_verifier::verify(&jws, &trust, now).unwrap();
        let qr = std::fs::read(out.join(format!("{id}.qr.txt"))).unwrap();
        goodstanding_verifier::verify(&qr, &trust, now).unwrap();
        let pdf = issuer.verify(&out.join(format!("{id}.pdf")), &[]);
        assert_eq!(pdf.code, 0, "{}", pdf.stdout);
    }
    let names: BTreeSet<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        names.len(),
        4 * 3 + 3,
        "certificates, manifest, rejected, the folder's lock file: {names:?}"
    );
    assert!(names.contains(".goodstanding.lock"), "{names:?}");
    assert!(names.iter().all(|n| !n.ends_with(".partial")));
}

#[test]
fn csv_and_json_lines_of_the_same_data_give_the_same_certificates() {
    let issuer = Issuer::new("batch-csv");
    let csv = repo().join("examples/batch/requests.csv");
    let jsonl = repo().join("examples/batch/requests.jsonl");
    assert_eq!(issuer.batch(&csv, "from-csv", &[]).code, 0);
    // The same subjects again: each new certificate supersedes the one from the CSV.
    assert_eq!(issuer.batch(&jsonl, "from-jsonl", &["--supersede"]).code, 0);

    let payloads = |folder: &str| -> BTreeMap<String, Value> {
        std::fs::read_dir(issuer.path(folder))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.extension().is_some_and(|e| e == "jws")
                    && !p.to_string_lossy().ends_with(".manifest.jws")
            })
            .map(|p| {
                let mut v = payload(&p);
                let object = v.as_object_mut().unwrap();
                for varies in ["id", "issued_at", "valid_from", "valid_until"] {
                    object.remove(varies).unwrap();
                }
                object.remove("supersedes");
                let reference = v["subject"]["reference"].as_str().unwrap().to_string();
                (reference, v)
            })
            .collect()
    };
    let from_csv = payloads("from-csv");
    let from_jsonl = payloads("from-jsonl");
    assert_eq!(from_csv.len(), 3);
    assert_eq!(from_csv, from_jsonl);
    // And they are the examples themselves.
    for request in json_files("examples/requests") {
        let text = std::fs::read_to_string(&request).unwrap();
        let name: Value = serde_json::from_str(&text).unwrap();
        let reference = name["subject"]["reference"].as_str().unwrap();
        assert_eq!(
            from_csv[reference]["subject"]["full_name"],
            name["subject"]["full_name"]
        );
    }
}

#[test]
fn a_bad_csv_row_is_named_by_line_and_column_and_its_whole_subject_set_aside() {
    // As a text editor writes the file (LF) and as Excel does (CRLF): the same line numbers.
    for line_end in ["\n", "\r\n"] {
        bad_csv_rows_are_named_by_line_and_column(line_end);
    }
}

fn bad_csv_rows_are_named_by_line_and_column(line_end: &str) {
    let issuer = Issuer::new("batch-csv-bad");
    let csv = std::fs::read_to_string(repo().join("examples/batch/requests.csv")).unwrap();
    let mut rows: Vec<String> = csv.lines().map(String::from).collect();
    // Line 4 is the second finding of SUBJ-002231: give it an outcome that does not exist.
    assert!(rows[3].contains("partially_upheld"));
    rows[3] = rows[3].replace("partially_upheld", "mostly_upheld");
    // Line 9, Amélie's departure: a conviction's column filled on a departure row.
    let cells: Vec<&str> = rows[8].split(',').collect();
    let offence = rows[0].split(',').position(|c| c == "offence").unwrap();
    let mut cells: Vec<String> = cells.into_iter().map(String::from).collect();
    cells[offence] = "Speeding".into();
    rows[8] = cells.join(",");
    let input = issuer.path("bad.csv");
    std::fs::write(&input, rows.join(line_end) + line_end).unwrap();

    let run = issuer.batch(&input, "out", &[]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("line 4, column outcome") && run.stderr.contains("line 9"),
        "{line_end:?}: {}",
        run.stderr
    );
    assert!(run.stdout.contains("issued           1"), "{}", run.stdout);
    let rejected: Vec<Value> =
        std::fs::read_to_string(file_named(&issuer.path("out"), ".rejected.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
    let by_subject = |subject: &str| {
        rejected
            .iter()
            .find(|r| r["subject_reference"] == subject)
            .unwrap_or_else(|| panic!("{subject} not refused: {rejected:?}"))
    };
    let lukasz = by_subject("SUBJ-002231");
    assert_eq!(lukasz["line"], 3, "the subject's first row ({line_end:?})");
    assert_eq!(lukasz["problems"][0]["line"], 4, "{line_end:?}");
    assert_eq!(lukasz["problems"][0]["column"], "outcome");
    assert_eq!(lukasz["problems"][0]["field"], "findings[1].outcome");
    assert!(
        lukasz["input"].as_str().unwrap().lines().count() == 6,
        "all six rows of the subject are kept: {}",
        lukasz["input"]
    );
    let amelie = by_subject("SUBJ-003980");
    assert_eq!(amelie["problems"][0]["line"], 9, "{line_end:?}");
    assert_eq!(amelie["problems"][0]["column"], "offence");

    // A header with an unknown column stops before anything is issued.
    let input = issuer.path("typo.csv");
    std::fs::write(&input, csv.replacen("full_name", "fullname", 1)).unwrap();
    let run = issuer.batch(&input, "typo-out", &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown column(s) fullname") && run.stderr.contains("typo.csv"),
        "{}",
        run.stderr
    );
}

/// A CSV saved as Latin-1 (Windows-1252) is said once, for the file, and nothing is written:
/// no certificate, no manifest, no rejected file.
#[test]
fn a_csv_that_is_not_utf8_is_refused_once_for_the_file_and_nothing_is_written() {
    let issuer = Issuer::new("batch-latin1");
    let csv = std::fs::read_to_string(repo().join("examples/batch/requests.csv")).unwrap();
    let latin1: Vec<u8> = csv
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect();
    assert!(std::str::from_utf8(&latin1).is_err());
    let input = issuer.path("latin1.csv");
    std::fs::write(&input, latin1).unwrap();
    let run = issuer.batch(&input, "out", &[]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stderr.matches("not UTF-8").count(),
        1,
        "said once: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("latin1.csv")
            && run.stderr.contains("export it as UTF-8")
            && run.stderr.contains("nothing was issued"),
        "{}",
        run.stderr
    );
    let written: Vec<_> = std::fs::read_dir(issuer.path("out"))
        .map(|dir| dir.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(written.is_empty(), "{written:?}");
    assert_eq!(listed(&issuer, &[]).len(), 0);
}

#[test]
fn a_batch_killed_part_way_resumes_and_issues_every_request_exactly_once() {
    let issuer = Issuer::new("batch-kill");
    let count = 600u64;
    let today = Timestamp::parse("2026-11-23T00:00:00Z").unwrap().date();
    let input = issuer.path("synthetic.jsonl");
    let text: String = (0..count)
        .map(|n| goodstanding_issuer::synthetic::request(n, today).to_string() + "\n")
        .collect();
    std::fs::write(&input, text).unwrap();
    let out = issuer.path("out");
    let args = |extra: &str| {
        vec![
            "batch".to_string(),
            input.display().to_string(),
            "--key".into(),
            issuer.key().display().to_string(),
            "--out".into(),
            out.display().to_string(),
            "--register".into(),
            issuer.register().display().to_string(),
            "--trust".into(),
            issuer.path("trust").display().to_string(),
            "--jobs".into(),
            "2".into(),
            extra.into(),
        ]
    };

    // Kill it twice, each time once some certificates are out, then let it finish.
    for round in 0..2 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_goodstanding"))
            .env("GOODSTANDING_NOW", common::test_now().to_string())
            .args(args("--quiet"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let wanted = 60 * (round + 1);
        let started = Instant::now();
        loop {
            let pdfs = std::fs::read_dir(&out).map_or(0, |d| {
                d.filter(|e| {
                    e.as_ref()
                        .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".pdf"))
                })
                .count()
            });
            if pdfs >= wanted {
                break;
            }
            assert!(
                child.try_wait().unwrap().is_none(),
                "finished before the kill"
            );
            assert!(started.elapsed() < Duration::from_secs(120));
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        assert!(
            child.try_wait().unwrap().is_some(),
            "round {round}: the batch was killed"
        );
    }
    let run = issuer.batch(&input, "out", &["--jobs", "2"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("already issued by an earlier run"),
        "{}",
        run.stderr
    );

    // Every request issued exactly once.
    let records = listed(&issuer, &[]);
    assert_eq!(records.len() as u64, count, "one certificate per request");
    assert!(records.iter().all(|r| r["state"] == "issued"));
    let lines: BTreeSet<u64> = records
        .iter()
        .map(|r| r["batch_line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, (1..=count).collect::<BTreeSet<_>>());
    let subjects: BTreeSet<&str> = records
        .iter()
        .map(|r| r["subject_reference"].as_str().unwrap())
        .collect();
    assert_eq!(subjects.len() as u64, count);

    // The folder holds exactly the register's certificates, every one whole and verifying.
    let ids: BTreeSet<String> = records
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let mut on_disk = BTreeSet::new();
    for entry in std::fs::read_dir(&out).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            !name.ends_with(".partial"),
            "half-written file left: {name}"
        );
        if name.starts_with("batch-") || name == ".goodstanding.lock" {
            continue;
        }
        let (id, _) = name.split_once('.').unwrap();
        on_disk.insert(id.to_string());
    }
    assert_eq!(on_disk, ids, "files and register agree");
    let trust = issuer.trust_store();
    for record in &records {
        let id = record["id"].as_str().unwrap();
        let now = Timestamp::parse(record["issued_at"].as_str().unwrap()).unwrap();
        for ext in ["jws", "qr.txt"] {
            let bytes = std::fs::read(out.join(format!("{id}.{ext}"))).unwrap();
            goodstanding_verifier::verify(&bytes, &trust, now)
                .unwrap_or_else(|e| panic!("{id}.{ext}: {e}"));
        }
    }
    // The manifest covers them all and every file matches it (PDFs included).
    let manifest = file_named(&out, ".manifest.jws");
    let run = issuer.verify(&manifest, &["--json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let check: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(check["certificates"], count);
    assert_eq!(check["files"], count * 3);
}

#[test]
fn the_manifest_verifies_and_names_each_altered_or_missing_file() {
    let issuer = Issuer::new("batch-manifest");
    let run = issuer.batch(&repo().join("examples/batch/requests.jsonl"), "out", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = issuer.path("out");
    let manifest = file_named(&out, ".manifest.jws");

    let run = issuer.verify(&manifest, &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.starts_with("VALID: batch manifest")
            && run.stdout.contains("all 9 files of 3 certificates")
            && run.stdout.contains("Trust data: trust list number 1"),
        "{}",
        run.stdout
    );

    // A stock JOSE library verifies the manifest with the issuer's public key.
    let result = jose_verify(&manifest, &issuer.path("keys/batch-manifest.pub.jwk")).unwrap();
    assert_eq!(result["header"]["typ"], "gs-manifest+jws");
    assert_eq!(result["payload"]["count"], 3);

    let records = listed(&issuer, &[]);
    let id = |i: usize| records[i]["id"].as_str().unwrap().to_string();
    // One byte of a PDF, then a whole .jws replaced by another certificate's, then a file gone.
    let pdf = out.join(format!("{}.pdf", id(0)));
    let mut bytes = std::fs::read(&pdf).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    std::fs::write(&pdf, bytes).unwrap();
    let run = issuer.verify(&manifest, &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.starts_with("NOT VALID"), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!("{}.pdf: altered", id(0))),
        "{}",
        run.stdout
    );

    std::fs::copy(
        out.join(format!("{}.jws", id(2))),
        out.join(format!("{}.jws", id(1))),
    )
    .unwrap();
    std::fs::remove_file(out.join(format!("{}.qr.txt", id(2)))).unwrap();
    let run = issuer.verify(&manifest, &["--json"]);
    assert_eq!(run.code, 1);
    let check: Value = serde_json::from_str(&run.stdout).unwrap();
    let problems: BTreeMap<String, String> = check["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["file"].as_str().unwrap().to_string(),
                p["problem"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems[&format!("{}.jws", id(1))].starts_with("altered"));
    assert_eq!(problems[&format!("{}.qr.txt", id(2))], "missing");

    // A manifest whose signed content was changed is refused as a whole.
    let forged = with_payload_character_changed(&manifest, 10, &out.join("forged.manifest.jws"));
    let run = issuer.verify(&forged, &[]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("signature does not verify"),
        "{}",
        run.stdout
    );
}

#[test]
fn revoke_and_reissue_are_recorded_and_mistakes_get_clear_errors() {
    let issuer = Issuer::new("batch-revoke");
    let issue = |request: &Path| {
        let (key, out) = (issuer.key(), issuer.path("out"));
        let run = issuer.with_register(&[&"issue", &request, &"--key", &key, &"--out", &out]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.stdout.trim().to_string()
    };
    let first = issue(&example("clean-record"));
    // One live certificate per subject: issuing again is refused, naming the live one and the fix.
    let (key, out) = (issuer.key(), issuer.path("out"));
    let run = issuer.with_register(&[
        &"issue",
        &example("clean-record"),
        &"--key",
        &key,
        &"--out",
        &out,
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&first) && run.stderr.contains("--supersede"),
        "{}",
        run.stderr
    );

    // Unknown id, unknown reason, superseded without a replacement.
    let run = issuer.with_register(&[
        &"revoke",
        &"aaaaaaaaaaaaaaaaaaaaaaaaaa",
        &"--reason",
        &"new_information",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("no certificate aaaaaaaaaaaaaaaaaaaaaaaaaa"),
        "{}",
        run.stderr
    );
    let run = issuer.with_register(&[&"revoke", &first, &"--reason", &"bored"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("new_information, issued_in_error"),
        "{}",
        run.stderr
    );
    let run = issuer.with_register(&[&"revoke", &first, &"--reason", &"superseded"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("reissue"), "{}", run.stderr);

    // Revoke, then revoke again.
    let run = issuer.with_register(&[&"revoke", &first, &"--reason", &"issued_in_error"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = issuer.with_register(&[&"revoke", &first, &"--reason", &"new_information"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains(&format!("certificate {first} was already revoked"))
            && run.stderr.contains("issued_in_error"),
        "{}",
        run.stderr
    );
    let shown = issuer.with_register(&[&"register", &"show", &first, &"--json"]);
    let shown: Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(shown["state"], "revoked");
    assert_eq!(shown["revocation"]["reason"], "issued_in_error");
    // With the first revoked, the subject has no live certificate: a new one is issued.
    let second = issue(&example("clean-record"));

    // Reissue the second: a new certificate naming it; the old one revoked as superseded.
    let (key, out) = (issuer.key(), issuer.path("out"));
    let corrected = example("clean-record");
    let run = issuer.with_register(&[
        &"reissue", &second, &corrected, &"--key", &key, &"--out", &out,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let third = run.stdout.trim().to_string();
    assert_ne!(third, second);
    let old: Value = serde_json::from_str(
        &issuer
            .with_register(&[&"register", &"show", &second, &"--json"])
            .stdout,
    )
    .unwrap();
    assert_eq!(old["revocation"]["reason"], "superseded");
    assert_eq!(old["revocation"]["superseded_by"], third.as_str());
    assert_eq!(
        payload(&out.join(format!("{third}.jws")))["supersedes"],
        second.as_str()
    );
    let verified = issuer.verify(&out.join(format!("{third}.jws")), &[]);
    assert!(
        verified
            .stdout
            .contains(&format!("certificate {second}, now revoked")),
        "{}",
        verified.stdout
    );

    // Reissuing a revoked certificate, or for another subject, is refused and writes nothing.
    let before = std::fs::read_dir(&out).unwrap().count();
    let run = issuer.with_register(&[
        &"reissue", &second, &corrected, &"--key", &key, &"--out", &out,
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("already revoked"), "{}", run.stderr);
    let run = issuer.with_register(&[
        &"reissue",
        &third,
        &example("several-records"),
        &"--key",
        &key,
        &"--out",
        &out,
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("same subject"), "{}", run.stderr);
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), before);

    let subject = listed(&issuer, &["--subject", "SUBJ-000417"]);
    assert_eq!(subject.len(), 3);
}

#[test]
fn the_register_is_private_and_refused_when_others_can_read_it() {
    let issuer = Issuer::new("batch-private");
    let run = issuer.batch(&repo().join("examples/batch/requests.jsonl"), "out", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let register = issuer.register();
        let mode = std::fs::metadata(&register).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let out = std::fs::metadata(issuer.path("out"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            out & 0o777,
            0o700,
            "the certificate folder is the issuer's only"
        );
        std::fs::set_permissions(&register, std::fs::Permissions::from_mode(0o644)).unwrap();
        let run = issuer.with_register(&[&"register", &"list"]);
        assert_eq!(run.code, 2);
        assert!(run.stderr.contains("chmod 600"), "{}", run.stderr);
    }
}

#[test]
fn progress_is_a_bar_on_a_terminal_plain_lines_otherwise_and_nothing_when_quiet() {
    let issuer = Issuer::new("batch-progress");
    let input = repo().join("examples/batch/requests.jsonl");

    // Each run issues the same subjects again: each supersedes the last.
    let plain = issuer.batch(&input, "plain", &["--supersede"]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    assert!(
        plain.stderr.contains("3/3 done (3 issued, 0 refused)") && !plain.stderr.contains('\r'),
        "{}",
        plain.stderr
    );

    let quiet = issuer.batch(
        &repo().join("examples/batch/requests.csv"),
        "quiet",
        &["--quiet", "--supersede"],
    );
    assert_eq!(quiet.code, 0);
    assert_eq!(quiet.stderr, "", "--quiet shows no progress");
    assert!(quiet.stdout.contains("issued           3"));

    // The same input into another folder would be a second issue of the same, finished batch:
    // said to be finished, with --again as the way to issue it again.
    let elsewhere = issuer.batch(&input, "elsewhere", &[]);
    assert_eq!(elsewhere.code, 2);
    assert!(
        elsewhere.stderr.contains("finished at") && elsewhere.stderr.contains("--again"),
        "{}",
        elsewhere.stderr
    );

    // On a terminal (a pseudo-terminal from util-linux `script`): a redrawn bar with count,
    // rate and time left.
    let command = format!(
        "{} batch {} --key {} --out {} --register {} --trust {}",
        env!("CARGO_BIN_EXE_goodstanding"),
        input.display(),
        issuer.key().display(),
        issuer.path("terminal").display(),
        // A register of its own: the same input into another folder is another issuer's batch.
        issuer.path("terminal.sqlite").display(),
        issuer.path("trust").display()
    );
    let output = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("XDG_DATA_HOME", common::data_home())
        .env("GOODSTANDING_NOW", common::test_now().to_string())
        .output()
        .expect("script (util-linux) runs the batch on a pseudo-terminal");
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{shown}");
    assert!(shown.contains("\r\x1b[K["), "{shown:?}");
    assert!(
        shown.contains("] 3/3") && shown.contains("/s") && shown.contains("left"),
        "{shown:?}"
    );
}

/// Rule 8: a subject's CSV rows make one certificate wherever they stand in the file. Before,
/// a finding row, other people's rows, then a conviction row gave two valid certificates, each
/// saying "None recorded" for what the other listed.
#[test]
fn a_subjects_csv_rows_make_one_certificate_wherever_they_stand() {
    let issuer = Issuer::new("batch-scattered");
    let csv = std::fs::read_to_string(repo().join("examples/batch/requests.csv")).unwrap();
    let mut rows: Vec<&str> = csv.lines().collect();
    // Move SUBJ-002231's conviction rows (lines 5 and 6) after everyone else's rows.
    let convictions: Vec<&str> = rows
        .iter()
        .filter(|r| r.contains("SUBJ-002231") && r.contains(",conviction,"))
        .copied()
        .collect();
    assert_eq!(convictions.len(), 2);
    rows.retain(|r| !convictions.contains(r));
    rows.extend(convictions);
    let input = issuer.path("scattered.csv");
    std::fs::write(&input, rows.join("\n") + "\n").unwrap();

    let run = issuer.batch(&input, "out", &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("issued           3"), "{}", run.stdout);
    let certificates = listed(&issuer, &["--subject", "SUBJ-002231"]);
    assert_eq!(certificates.len(), 1, "{certificates:?}");
    let id = certificates[0]["id"].as_str().unwrap();
    let signed = payload(&issuer.path(&format!("out/{id}.jws")));
    assert_eq!(signed["findings"].as_array().unwrap().len(), 2);
    assert_eq!(signed["convictions"].as_array().unwrap().len(), 2);
    assert_eq!(signed["departures"].as_array().unwrap().len(), 2);
}

/// Rule 8: two JSON lines for one subject are both refused, each naming both lines: which one
/// should the certificate say?
#[test]
fn two_json_lines_for_one_subject_are_both_refused_naming_both_lines() {
    let issuer = Issuer::new("batch-twice");
    let request = compact(&std::fs::read_to_string(example("clean-record")).unwrap());
    let other = compact(&std::fs::read_to_string(example("appeal-pending")).unwrap());
    let input = issuer.path("twice.jsonl");
    std::fs::write(&input, format!("{request}\n{other}\n{request}\n")).unwrap();
    let run = issuer.batch(&input, "out", &[]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("issued           1"), "{}", run.stdout);
    let rejected: Vec<Value> =
        std::fs::read_to_string(file_named(&issuer.path("out"), ".rejected.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
    assert_eq!(rejected.len(), 2);
    for entry in &rejected {
        let message = entry["problems"][0]["message"].as_str().unwrap();
        assert!(message.contains("lines 1, 3"), "{message}");
        assert!(
            entry["problems"][0]["rule"]
                .as_str()
                .unwrap()
                .starts_with("rule 8")
        );
    }
    assert!(listed(&issuer, &["--subject", "SUBJ-000417"]).is_empty());
}

/// Rule 8: `issue --supersede` replaces the live certificate (which is revoked as superseded in
/// the same transaction), and two batches naming the same subjects at once end with exactly one
/// live certificate per subject.
#[test]
fn superseding_keeps_one_live_certificate_even_for_two_batches_at_once() {
    one_live_with_two_batches_at_once(&Issuer::new("batch-one-live"));
}

/// The same with the register in PostgreSQL, where the two processes share nothing but the
/// database.
#[test]
fn on_postgresql_two_batches_at_once_keep_one_live_certificate_too() {
    one_live_with_two_batches_at_once(&Issuer::new("batch-one-live-pg").on_postgres());
}

fn one_live_with_two_batches_at_once(issuer: &Issuer) {
    let (key, out, request) = (issuer.key(), issuer.path("out"), example("clean-record"));
    let issue = |extra: &[&str]| {
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> =
            vec![&"issue", &request, &"--key", &key, &"--out", &out];
        for e in extra {
            args.push(e);
        }
        issuer.with_register(&args)
    };
    let first = issue(&[]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let second = issue(&["--supersede"]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    let (first, second) = (first.stdout.trim(), second.stdout.trim());
    assert_eq!(
        payload(&out.join(format!("{second}.jws")))["supersedes"],
        first
    );
    let old: Value = serde_json::from_str(
        &issuer
            .with_register(&[&"register", &"show", &first, &"--json"])
            .stdout,
    )
    .unwrap();
    assert_eq!(old["revocation"]["reason"], "superseded");

    // Two batches of the same subjects (two inputs: blank lines make the second another file),
    // started together, each superseding what is live.
    let input = repo().join("examples/batch/requests.jsonl");
    let copy = issuer.path("copy.jsonl");
    let text = std::fs::read_to_string(&input).unwrap();
    std::fs::write(&copy, text.replace('\n', "\n\n")).unwrap();
    let (register, trust) = (issuer.register(), issuer.path("trust"));
    let spawn = |input: &Path, folder: &str| {
        let folder = issuer.path(folder);
        common::command(
            &[
                &"batch",
                &input,
                &"--key",
                &key,
                &"--out",
                &folder,
                &"--register",
                &register,
                &"--trust",
                &trust,
                &"--supersede",
                &"--quiet",
            ],
            &[],
        )
        .spawn()
        .unwrap()
    };
    let (mut a, mut b) = (spawn(&input, "a"), spawn(&copy, "b"));
    let (a, b) = (a.wait().unwrap(), b.wait().unwrap());
    // A run may refuse a request whose live certificate changed under it; never both issue.
    assert!(
        a.code().unwrap() <= 1 && b.code().unwrap() <= 1,
        "{a:?} {b:?}"
    );
    for subject in ["SUBJ-000417", "SUBJ-002231", "SUBJ-003980"] {
        let live: Vec<Value> = listed(issuer, &["--subject", subject])
            .into_iter()
            .filter(|c| c["state"] == "issued")
            .collect();
        assert_eq!(live.len(), 1, "{subject}: {live:?}");
    }
}

/// Rule 3 in a batch: records the law keeps off a certificate are told to the operator, by line
/// and field, never by content, and counted in the summary.
#[test]
fn a_batch_tells_the_operator_which_records_the_law_kept_off() {
    let issuer = Issuer::new("batch-notices");
    let request = compact(
        &std::fs::read_to_string(repo().join("tests/data/protected-records.json")).unwrap(),
    );
    let input = issuer.path("protected.jsonl");
    std::fs::write(&input, format!("{request}\n")).unwrap();
    let run = issuer.batch(&input, "out", &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("note: request at line 1 (subject SUBJ-002231): convictions[0]: protected"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("Theft"), "{}", run.stderr);
    assert!(
        run.stdout.contains("records left off       2"),
        "{}",
        run.stdout
    );
}

/// Rule 6: information at most 30 days old by default; the issuing body may allow up to 90 days
/// as a register setting, never more.
#[test]
fn how_old_the_information_may_be_is_a_register_setting_of_at_most_90_days() {
    let issuer = Issuer::new("batch-freshness");
    let text = std::fs::read_to_string(example("clean-record"))
        .unwrap()
        .replace(
            "\"information_as_at\": \"2026-11-02\"",
            "\"information_as_at\": \"2026-10-09\"",
        );
    assert!(text.contains("2026-10-09"));
    let request = issuer.path("older.json");
    std::fs::write(&request, text).unwrap();
    let (key, out) = (issuer.key(), issuer.path("out"));
    let issue = || issuer.with_register(&[&"issue", &request, &"--key", &key, &"--out", &out]);
    let refused = issue();
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("more than 30 days before issue"),
        "{}",
        refused.stderr
    );
    // `preview` follows the same register's setting, so it gives the verdict `issue` gives.
    let drafts = issuer.path("drafts");
    let preview = || issuer.with_register(&[&"preview", &request, &"--out", &drafts]);
    let draft_refused = preview();
    assert_eq!(draft_refused.code, 1, "{}", draft_refused.stderr);
    assert!(
        draft_refused
            .stderr
            .contains("more than 30 days before issue"),
        "{}",
        draft_refused.stderr
    );
    let too_long = issuer.with_register(&[&"register", &"set", &"--freshness-days", &"91"]);
    assert_eq!(too_long.code, 2, "{}", too_long.stderr);
    assert!(too_long.stderr.contains("1 to 90"), "{}", too_long.stderr);
    let set = issuer.with_register(&[&"register", &"set", &"--freshness-days", &"60"]);
    assert_eq!(set.code, 0, "{}", set.stderr);
    let issued = issue();
    assert_eq!(issued.code, 0, "{}", issued.stderr);
    let drafted = preview();
    assert_eq!(drafted.code, 0, "{}", drafted.stderr);
    // A register that is not there yet: the default rules, said, and nothing created.
    let missing = goodstanding(&[
        &"preview",
        &request,
        &"--out",
        &drafts,
        &"--register",
        &issuer.path("no-such.sqlite"),
    ]);
    assert_eq!(missing.code, 1, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("no register at")
            && missing.stderr.contains("default rules")
            && missing.stderr.contains("more than 30 days before issue"),
        "{}",
        missing.stderr
    );
    assert!(!issuer.path("no-such.sqlite").exists());
}

/// Issue 24, item 4: a finished batch run again with another folder is said to be finished
/// (when, how many, where) instead of "resume it"; `--again` issues the same file as a new
/// batch, under the one-live-certificate rule (refused without --supersede, replacing with it).
#[test]
fn a_finished_batch_is_said_to_be_finished_and_issued_again_only_on_purpose() {
    let issuer = Issuer::new("batch-again");
    let input = repo().join("examples/batch/requests.jsonl");
    let first = issuer.batch(&input, "first", &[]);
    assert_eq!(first.code, 0, "{}{}", first.stdout, first.stderr);
    let live_before: Vec<String> = listed(&issuer, &[])
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(live_before.len(), 3);

    // The same command again: nothing left to do, as before.
    let same = issuer.batch(&input, "first", &[]);
    assert_eq!(same.code, 0, "{}{}", same.stdout, same.stderr);
    // Another folder: finished, said with when, how many and where; nothing done.
    let other = issuer.batch(&input, "second", &[]);
    assert_eq!(other.code, 2, "{}{}", other.stdout, other.stderr);
    for expected in [
        "finished at",
        "3 issued",
        "first",
        "--again",
        "nothing was done",
    ] {
        assert!(
            other.stderr.contains(expected),
            "{expected}: {}",
            other.stderr
        );
    }
    assert!(!issuer.path("second").exists());

    // --again: a new batch; each subject has a live certificate, so without --supersede all
    // three are refused by rule 8.
    let again = issuer.batch(&input, "second", &["--again"]);
    assert_eq!(again.code, 1, "{}{}", again.stdout, again.stderr);
    assert!(again.stderr.contains("rule 8"), "{}", again.stderr);
    // With --supersede, three new certificates replace the three live ones.
    let replaced = issuer.batch(&input, "third", &["--again", "--supersede"]);
    assert_eq!(replaced.code, 0, "{}{}", replaced.stdout, replaced.stderr);
    assert!(
        replaced.stdout.contains("issued           3"),
        "{}",
        replaced.stdout
    );
    let manifests = |dir: &str| {
        std::fs::read_dir(issuer.path(dir))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".manifest.jws")
            })
            .count()
    };
    assert_eq!((manifests("first"), manifests("third")), (1, 1));
    let live_after: Vec<String> = listed(&issuer, &[])
        .iter()
        .filter(|c| c["state"] == "issued")
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(live_after.len(), 3, "{live_after:?}");
    assert!(live_after.iter().all(|id| !live_before.contains(id)));
}

/// Issue 24, item 9: `register list` keeps to a state (live, expired, revoked, pending) and to
/// live certificates expiring soon (`--expiring-within 14d`), judged at the time given.
#[test]
fn register_list_filters_by_state_and_by_expiry() {
    let issuer = Issuer::new("batch-list-filters");
    let run = issuer.batch(&repo().join("examples/batch/requests.jsonl"), "out", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let all = listed(&issuer, &[]);
    assert_eq!(all.len(), 3);
    let revoked = all[0]["id"].as_str().unwrap().to_string();
    let run = issuer.with_register(&[&"revoke", &revoked, &"--reason", &"issued_in_error"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ids = |rows: Vec<Value>| -> Vec<String> {
        rows.iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(listed(&issuer, &["--state", "live"]).len(), 2);
    assert_eq!(
        ids(listed(&issuer, &["--state", "revoked"])),
        std::slice::from_ref(&revoked)
    );
    assert_eq!(listed(&issuer, &["--state", "pending"]).len(), 0);
    // Issued on the tests' day, valid 90 days: nothing expires within 14 days yet.
    assert_eq!(listed(&issuer, &["--expiring-within", "14d"]).len(), 0);
    // Later: 10 days before they expire, the two live ones; after, they are expired.
    let at = |time: &str, filter: &[&str]| -> Vec<Value> {
        let register = issuer.register();
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> =
            vec![&"register", &"list", &"--json", &"--register", &register];
        for f in filter {
            args.push(f);
        }
        let run = common::goodstanding_in(&args, None, &[("GOODSTANDING_NOW", time.as_ref())]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let soon = at("2027-02-11T12:00:00Z", &["--expiring-within", "14d"]);
    assert_eq!(soon.len(), 2, "{soon:?}");
    assert!(!ids(soon).contains(&revoked));
    let expired = at("2027-03-01T00:00:00Z", &["--state", "expired"]);
    assert_eq!(expired.len(), 2);
    assert!(expired.iter().all(|r| r["state"] == "expired"));
    let run = issuer.with_register(&[&"register", &"list", &"--expiring-within", &"fortnight"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

/// `register export` and `register import` move a register from its SQLite file to PostgreSQL
/// from the command line: the same certificates, states and revocations, and the file written
/// is private.
#[test]
fn a_register_moves_to_postgresql_with_export_and_import() {
    let issuer = Issuer::new("batch-move");
    let run = issuer.batch(&repo().join("examples/batch/requests.jsonl"), "out", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let first = listed(&issuer, &[]);
    let victim = first[0]["id"].as_str().unwrap().to_string();
    let revoked = issuer.with_register(&[&"revoke", &victim, &"--reason", &"issued_in_error"]);
    assert_eq!(revoked.code, 0, "{}", revoked.stderr);
    let before = listed(&issuer, &[]);
    let file = issuer.path("register.export.jsonl");
    let exported = issuer.with_register(&[&"register", &"export", &"--out", &file]);
    assert_eq!(exported.code, 0, "{}", exported.stderr);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the export holds subject references");
    }
    let moved = Issuer {
        dir: tempfile::tempdir().unwrap(),
        postgres: None,
    }
    .on_postgres();
    let imported = moved.with_register(&[&"register", &"import", &file]);
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    assert!(
        imported.stdout.contains("certificates 3") && imported.stdout.contains("revocations 1"),
        "{}",
        imported.stdout
    );
    assert_eq!(listed(&moved, &[]), before);
    // Importing twice is refused: the register is no longer empty.
    let again = moved.with_register(&[&"register", &"import", &file]);
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(again.stderr.contains("already holds"), "{}", again.stderr);
}
