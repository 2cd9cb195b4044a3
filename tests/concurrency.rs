//! Runs started at the same time against one register: real processes, a real SQLite register.
//! A second run of a batch already under way is refused (or waits, with --wait) before it
//! changes anything; different batches, `issue`, `revoke` and `publish` all succeed side by
//! side; afterwards every request is issued exactly once, the register and the files agree and
//! each manifest verifies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::common::batches::{self, batch_id, finish, ids_on_disk, wait_until_under_way};
use crate::common::{Issuer, example, goodstanding, ok};
use serde_json::Value;

/// Starts `goodstanding batch INPUT --key --out --register [extra]` without waiting for it.
fn start_batch(issuer: &Issuer, input: &Path, out: &Path, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_goodstanding"))
        .arg("batch")
        .arg(input)
        .arg("--key")
        .arg(issuer.key())
        .arg("--out")
        .arg(out)
        .arg("--register")
        .arg(issuer.register())
        .arg("--trust")
        .arg(issuer.path("trust"))
        .env("GOODSTANDING_NOW", crate::common::test_now().to_string())
        // The tests' data folder (a PostgreSQL register's single operator keeps its key there).
        .env("XDG_DATA_HOME", crate::common::data_home())
        .args(["--jobs", "2"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn records(issuer: &Issuer, batch: Option<&str>) -> Vec<Value> {
    batches::records(&issuer.register(), batch)
}

fn assert_batch_whole(issuer: &Issuer, batch: &str, requests: u64, dir: &Path) {
    batches::assert_batch_whole(&issuer.register(), batch, requests, dir, &|manifest| {
        issuer.verify(manifest, &[])
    });
}

fn synthetic_input(issuer: &Issuer, name: &str, range: std::ops::Range<u64>) -> PathBuf {
    batches::synthetic_input(&issuer.path(name), range)
}

#[test]
fn a_second_run_of_a_batch_under_way_is_refused_and_with_wait_resumes_after_it() {
    let issuer = Issuer::new("concurrent-same");
    let requests = 400;
    let input = synthetic_input(&issuer, "same.jsonl", 0..requests);
    let out = issuer.path("out");

    let mut first = start_batch(&issuer, &input, &out, &["--quiet"]);
    wait_until_under_way(&mut first, &out, 20);
    // Refused: says which batch, since when, which process and host; exit 2; changes nothing
    // (given a new folder, it does not even create it).
    let elsewhere = issuer.path("elsewhere");
    let second = finish(start_batch(&issuer, &input, &elsewhere, &[]));
    assert!(
        !elsewhere.exists(),
        "the refused run created its output folder"
    );
    assert_eq!(second.code, 2, "{}{}", second.stdout, second.stderr);
    let pid = first.id().to_string();
    for wanted in [
        "is already running",
        "since 20",
        &format!("process {pid}"),
        "on host",
        "--wait",
    ] {
        assert!(
            second.stderr.contains(wanted),
            "{wanted:?} in {}",
            second.stderr
        );
    }
    assert!(second.stdout.is_empty(), "{}", second.stdout);

    // With --wait: waits for the first, then finds everything issued.
    let waiting = start_batch(&issuer, &input, &out, &["--wait"]);
    let first = finish(first);
    ok(&first);
    let waiting = finish(waiting);
    ok(&waiting);
    assert!(
        waiting
            .stderr
            .contains("waiting for the run of the same batch"),
        "{}",
        waiting.stderr
    );
    assert!(
        waiting
            .stdout
            .contains(&format!("skipped    {requests:>7}")),
        "{}",
        waiting.stdout
    );
    assert_eq!(batch_id(&first), batch_id(&waiting));
    assert_batch_whole(&issuer, &batch_id(&first), requests, &out);
    assert!(
        !std::fs::read_dir(issuer.path("")).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".lock")),
        "a finished batch leaves no lock file beside the register"
    );
}

#[test]
fn the_same_batch_started_twice_at_once_with_wait_is_issued_once() {
    same_batch_twice_at_once(Issuer::new("concurrent-twice"));
}

/// The same on a PostgreSQL register: the batch's lock is in the register.
#[test]
fn the_same_batch_started_twice_at_once_on_postgresql_is_issued_once() {
    same_batch_twice_at_once(Issuer::new("concurrent-twice-pg").on_postgres());
}

fn same_batch_twice_at_once(issuer: Issuer) {
    let requests = 150;
    let input = synthetic_input(&issuer, "twice.jsonl", 0..requests);
    let out = issuer.path("out");
    let a = start_batch(&issuer, &input, &out, &["--wait"]);
    let b = start_batch(&issuer, &input, &out, &["--wait"]);
    let (a, b) = (finish(a), finish(b));
    ok(&a);
    ok(&b);
    assert_eq!(batch_id(&a), batch_id(&b));
    let issued: u64 = [&a, &b]
        .iter()
        .map(|run| {
            let line = run.stdout.lines().find(|l| l.contains("issued ")).unwrap();
            line.split_whitespace()
                .nth(1)
                .unwrap()
                .parse::<u64>()
                .unwrap()
        })
        .sum();
    assert_eq!(
        issued, requests,
        "the two runs issued {issued} between them"
    );
    assert_batch_whole(&issuer, &batch_id(&a), requests, &out);
    assert_eq!(records(&issuer, None).len() as u64, requests);
}

#[test]
fn different_batches_and_single_issues_at_once_all_succeed() {
    different_batches_at_once(Issuer::new("concurrent-different"));
}

/// The same on a PostgreSQL register.
#[test]
fn different_batches_and_single_issues_at_once_on_postgresql_all_succeed() {
    different_batches_at_once(Issuer::new("concurrent-different-pg").on_postgres());
}

fn different_batches_at_once(issuer: Issuer) {
    let (n, m) = (250, 200);
    let first_input = synthetic_input(&issuer, "first.jsonl", 0..n);
    let second_input = synthetic_input(&issuer, "second.jsonl", 10_000..10_000 + m);
    let (first_out, second_out) = (issuer.path("first-out"), issuer.path("second-out"));
    // Two batches into two folders, and a third batch into the first folder, all at once.
    let third_input = synthetic_input(&issuer, "third.jsonl", 20_000..20_050);
    let first = start_batch(&issuer, &first_input, &first_out, &["--quiet"]);
    let second = start_batch(&issuer, &second_input, &second_out, &["--quiet"]);
    let third = start_batch(&issuer, &third_input, &first_out, &[]);
    // Meanwhile, single certificates into the first batch's folder.
    let mut singles = BTreeSet::new();
    for name in ["clean-record", "several-records", "appeal-pending"] {
        let run = goodstanding(&[
            &"issue",
            &example(name),
            &"--key",
            &issuer.key(),
            &"--out",
            &first_out,
            &"--register",
            &issuer.register(),
            &"--trust",
            &issuer.path("trust"),
        ]);
        ok(&run);
        singles.insert(run.stdout.trim().to_string());
    }
    let (first, second, third) = (finish(first), finish(second), finish(third));
    ok(&first);
    ok(&second);
    ok(&third);
    assert_batch_whole(&issuer, &batch_id(&first), n, &first_out);
    assert_batch_whole(&issuer, &batch_id(&second), m, &second_out);
    assert_batch_whole(&issuer, &batch_id(&third), 50, &first_out);
    let all = records(&issuer, None);
    assert_eq!(all.len() as u64, n + m + 50 + 3);
    let ids: BTreeSet<&str> = all.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), all.len(), "no id given twice");
    assert!(singles.iter().all(|s| ids.contains(s.as_str())));
    // The first folder holds exactly its two batches and the single certificates.
    let in_first: BTreeSet<String> = all
        .iter()
        .filter(|r| Path::new(r["folder"].as_str().unwrap()).ends_with("first-out"))
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids_on_disk(&first_out),
        in_first,
        "files and register agree"
    );
    assert_eq!(in_first.len() as u64, n + 50 + 3);
}

#[test]
fn revoke_and_publish_during_a_batch_both_succeed_and_the_revocation_is_published() {
    let issuer = Issuer::new("concurrent-revoke");
    let requests = 400;
    let input = synthetic_input(&issuer, "revoke.jsonl", 0..requests);
    let out = issuer.path("out");
    let mut batch = start_batch(&issuer, &input, &out, &["--quiet"]);
    wait_until_under_way(&mut batch, &out, 30);

    let issued_so_far = records(&issuer, None);
    let victim = issued_so_far
        .iter()
        .find(|r| r["state"] == "issued")
        .map(|r| r["id"].as_str().unwrap().to_string())
        .unwrap();
    let register = issuer.path("register.sqlite");
    ok(&goodstanding(&[
        &"revoke",
        &victim,
        &"--reason",
        &"issued_in_error",
        &"--register",
        &register,
    ]));
    issuer.publish();
    assert!(
        batch.try_wait().unwrap().is_none(),
        "revoke and publish ran while the batch was still issuing"
    );
    let batch = finish(batch);
    ok(&batch);
    assert_batch_whole(&issuer, &batch_id(&batch), requests, &out);

    // The revocation made during the batch is in the published list.
    ok(&issuer.update_trust(&issuer.path("site").to_string_lossy()));
    let run = issuer.verify(&out.join(format!("{victim}.jws")), &[]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("revoked"), "{}", run.stdout);
}

/// A PostgreSQL register's connections cut mid-batch (a network failure, a restarted server):
/// the batch stops with a message naming the register, leaves nothing half-recorded as issued,
/// and the same command run again finishes it, every request issued once.
#[test]
fn a_batch_whose_postgresql_connection_is_cut_stops_and_the_same_command_resumes_it() {
    let issuer = Issuer::new("concurrent-cut-pg").on_postgres();
    let requests = 400;
    let input = synthetic_input(&issuer, "cut.jsonl", 0..requests);
    let out = issuer.path("out");
    let mut batch = start_batch(&issuer, &input, &out, &["--quiet"]);
    wait_until_under_way(&mut batch, &out, 20);
    let cut = issuer.postgres.as_ref().unwrap().disconnect_everyone();
    assert!(cut >= 1, "the batch had no connection to cut");
    let stopped = finish(batch);
    assert_eq!(stopped.code, 2, "{}{}", stopped.stdout, stopped.stderr);
    assert!(
        stopped
            .stderr
            .contains("the connection to the PostgreSQL register was lost")
            && stopped.stderr.contains("run the same command again"),
        "{}",
        stopped.stderr
    );
    let resumed = finish(start_batch(&issuer, &input, &out, &[]));
    ok(&resumed);
    assert_batch_whole(&issuer, &batch_id(&resumed), requests, &out);
    assert_eq!(records(&issuer, None).len() as u64, requests);
}
