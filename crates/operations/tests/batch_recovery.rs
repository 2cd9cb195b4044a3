//! The batch pipeline through the library: recovery of what a crash leaves in the register and
//! the folder, and the input limits that keep memory bounded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../issuer/tests/common/mod.rs"]
mod common;

use std::path::Path;

use goodstanding_issuer::{IssuingKey, synthetic};
use goodstanding_operations::batch::{BatchOptions, BatchSummary, run_batch};
use goodstanding_operations::batch_input::{BatchReader, InputFormat, MAX_LINE_LEN};
use goodstanding_operations::register::{ListFilter, Register};

/// The options of a batch of `input` into `out` with `key`, on 2 jobs, at the tests' time.
fn options<'a>(input: &'a Path, out: &'a Path, key: &'a IssuingKey) -> BatchOptions<'a> {
    BatchOptions {
        input,
        format: None,
        out_dir: out,
        key,
        jobs: 2,
        now: common::issued_at(),
        wait: false,
        supersede: false,
        issuing_body: None,
        again: false,
        witnesses: None,
        clock: None,
    }
}

fn run(input: &Path, out: &Path, register: &mut Register, key: &IssuingKey) -> BatchSummary {
    run_batch(&options(input, out, key), register, &mut |_| {}).unwrap()
}

fn issued(register: &Register) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    register
        .list(&ListFilter::default(), |c| {
            assert_eq!(c.state, "issued");
            out.push((c.batch_item.unwrap(), c.id));
        })
        .unwrap();
    out.sort();
    out
}

#[test]
fn a_certificate_left_pending_by_a_crash_is_removed_with_its_files_and_issued_again() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = common::key_and_trust("recovery");
    let input = dir.path().join("requests.jsonl");
    let lines: String = (0..3)
        .map(|n| synthetic::request(n, common::issued_at().date()).to_string() + "\n")
        .collect();
    std::fs::write(&input, lines).unwrap();
    let out = dir.path().join("out");
    let register_path = dir.path().join("register.sqlite");
    let mut register = Register::open(&register_path).unwrap();
    let first = run(&input, &out, &mut register, &key);
    assert_eq!(first.progress.issued, 3);
    let before = issued(&register);
    drop(register);

    // The state a crash between renaming line 3's files and recording them issued leaves: the
    // row pending, the files in place; plus a temporary file of a certificate never recorded.
    let (_, crashed) = &before[2];
    let connection = rusqlite::Connection::open(&register_path).unwrap();
    connection
        .execute(
            "UPDATE certificates SET state = 'pending' WHERE id = ?1",
            [crashed],
        )
        .unwrap();
    drop(connection);
    let stray = out.join(".bbbbbbbbbbbbbbbbbbbbbbbbbb.pdf.partial");
    std::fs::write(&stray, b"%PDF-1.7 half").unwrap();

    let mut register = Register::open(&register_path).unwrap();
    let second = run(&input, &out, &mut register, &key);
    assert_eq!(second.recovered, 1);
    assert_eq!(second.progress.skipped, 2);
    assert_eq!(second.progress.issued, 1);
    let after = issued(&register);
    assert_eq!(
        after[..2],
        before[..2],
        "lines 1 and 2 are not signed again"
    );
    assert_eq!(after[2].0, 3);
    assert_ne!(&after[2].1, crashed, "line 3 is issued under a new id");
    for ext in ["jws", "qr.txt", "pdf"] {
        assert!(!out.join(format!("{crashed}.{ext}")).exists());
        assert!(out.join(format!("{}.{ext}", after[2].1)).exists());
    }
    assert!(!stray.exists(), "leftover temporary files are removed");
    assert!(register.certificate(crashed).unwrap().is_none());
}

#[test]
fn an_over_long_json_line_is_refused_alone_and_the_next_line_is_read() {
    let good = synthetic::request(1, common::issued_at().date()).to_string();
    let long = format!("{{\"issuer\": \"{}\"}}", "x".repeat(MAX_LINE_LEN + 10));
    let input = format!("{good}\n{long}\n{good}\n");
    let items: Vec<_> = BatchReader::new(input.as_bytes(), InputFormat::JsonLines)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(items.len(), 3);
    assert!(items[0].request.is_ok());
    let problems = items[1].request.as_ref().unwrap_err();
    assert_eq!(problems[0].line, 2);
    assert!(problems[0].message.contains("longer than"), "{problems:?}");
    assert!(
        items[1].original.is_empty(),
        "the over-long line is not kept"
    );
    assert_eq!(items[2].line, 3);
    assert!(items[2].request.is_ok());
}

#[test]
fn a_csv_quote_left_open_stops_the_reader_instead_of_reading_the_whole_file() {
    let header = std::fs::read_to_string(common::repo().join("examples/batch/requests.csv"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    let mut input = header + "\n\"Demo, an open quote";
    input.push_str(&"a".repeat(4 * MAX_LINE_LEN));
    let mut reader = BatchReader::new(input.as_bytes(), InputFormat::Csv).unwrap();
    let error = reader.next().unwrap().unwrap_err();
    assert!(
        error.to_string().contains("is a quote left open"),
        "{error}"
    );
}

/// With a clock, each certificate of a batch carries the time it was signed, never before the
/// run's start: a long batch does not backdate its last certificates (which a verifier holding
/// a later log checkpoint would judge absent from the log).
#[test]
fn each_certificate_of_a_batch_carries_the_time_it_was_signed() {
    use std::sync::atomic::{AtomicI64, Ordering};
    static TICKS: AtomicI64 = AtomicI64::new(0);
    fn ticking() -> Option<goodstanding_verifier::Timestamp> {
        let tick = TICKS.fetch_add(60, Ordering::SeqCst);
        goodstanding_verifier::Timestamp::from_unix(common::issued_at().unix() + tick)
    }
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = common::key_and_trust("clocked");
    let input = dir.path().join("requests.jsonl");
    let lines: String = (0..4)
        .map(|n| synthetic::request(n, common::issued_at().date()).to_string() + "\n")
        .collect();
    std::fs::write(&input, lines).unwrap();
    let out = dir.path().join("out");
    let mut register = Register::open(&dir.path().join("register.sqlite")).unwrap();
    let options = BatchOptions {
        jobs: 1,
        clock: Some(ticking),
        ..options(&input, &out, &key)
    };
    assert_eq!(
        run_batch(&options, &mut register, &mut |_| {})
            .unwrap()
            .progress
            .issued,
        4
    );
    let mut times = Vec::new();
    register
        .list(&ListFilter::default(), |c| times.push(c.issued_at))
        .unwrap();
    times.sort();
    times.dedup();
    assert_eq!(times.len(), 4, "four signing times: {times:?}");
    assert_eq!(times[0], common::issued_at().to_string());
}
