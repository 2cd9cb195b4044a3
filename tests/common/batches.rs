//! Helpers for tests that run batches as processes: synthetic input, waiting for a batch to be
//! under way, and checking afterwards that every request was issued exactly once.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use goodstanding_verifier::Timestamp;
use serde_json::Value;

use super::{Run, goodstanding, ok};

/// Writes `range` synthetic requests as JSON Lines; returns the file.
pub fn synthetic_input(path: &Path, range: std::ops::Range<u64>) -> PathBuf {
    let today = Timestamp::parse("2026-11-23T00:00:00Z").unwrap().date();
    let text: String = range
        .map(|n| goodstanding_issuer::synthetic::request(n, today).to_string() + "\n")
        .collect();
    std::fs::write(path, text).unwrap();
    path.to_path_buf()
}

pub fn finish(child: Child) -> Run {
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// How many certificate PDFs are in `dir` (0 if it does not exist yet).
pub fn pdfs_in(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| {
        d.filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".pdf"))
        })
        .count()
    })
}

/// Waits until the batch writing into `dir` has placed `count` PDFs (so it is under way).
pub fn wait_until_under_way(child: &mut Child, dir: &Path, count: usize) {
    let started = Instant::now();
    while pdfs_in(dir) < count {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the batch finished before the test could run beside it; give it more requests"
        );
        assert!(started.elapsed() < Duration::from_secs(120), "no progress");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The register's certificates (`register list --json`), optionally of one batch.
pub fn records(register: &std::ffi::OsStr, batch: Option<&str>) -> Vec<Value> {
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> =
        vec![&"register", &"list", &"--json", &"--register", &register];
    if let Some(batch) = &batch {
        args.push(&"--batch");
        args.push(batch);
    }
    let run = goodstanding(&args);
    ok(&run);
    run.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The batch id a run printed in its summary.
pub fn batch_id(run: &Run) -> String {
    run.stdout
        .lines()
        .find_map(|l| l.strip_prefix("batch "))
        .and_then(|l| l.split(':').next())
        .unwrap_or_else(|| panic!("no batch id in {}", run.stdout))
        .to_string()
}

/// The certificate ids whose files are in `dir`; fails on any half-written file.
pub fn ids_on_disk(dir: &Path) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            !name.ends_with(".partial") && !name.ends_with(".tmp"),
            "half-written file left: {name}"
        );
        if name.starts_with("batch-") || name.starts_with('.') {
            continue;
        }
        ids.insert(name.split_once('.').unwrap().0.to_string());
    }
    ids
}

/// Every request of the batch issued exactly once, register and folder agree, the manifest
/// verifies file by file (`verify` runs `goodstanding verify` on it with the issuer's trust).
pub fn assert_batch_whole(
    register: &std::ffi::OsStr,
    batch: &str,
    requests: u64,
    dir: &Path,
    verify: &dyn Fn(&Path) -> Run,
) {
    let listed = records(register, Some(batch));
    assert_eq!(listed.len() as u64, requests, "one certificate per request");
    let unfinished: Vec<&Value> = listed
        .iter()
        .filter(|r| r["state"] != "issued" && r["state"] != "revoked")
        .collect();
    assert!(unfinished.is_empty(), "not issued: {unfinished:?}");
    let lines: BTreeSet<u64> = listed
        .iter()
        .map(|r| r["batch_line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, (1..=requests).collect::<BTreeSet<_>>());
    let ids: BTreeSet<String> = listed
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len() as u64, requests, "no id given twice");
    assert!(
        ids.is_subset(&ids_on_disk(dir)),
        "every issued certificate has its files"
    );
    let manifest = dir.join(format!("{batch}.manifest.jws"));
    let run = verify(&manifest);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("VALID"), "{}", run.stdout);
}
