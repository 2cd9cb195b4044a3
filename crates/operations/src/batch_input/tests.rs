//! Reading batch inputs: how CSV rows become one request per subject, the line every item and
//! every problem is reported at, and what is refused without being kept.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

const EXAMPLE_CSV: &str = include_str!("../../../../examples/batch/requests.csv");
const EXAMPLE_JSONL: &str = include_str!("../../../../examples/batch/requests.jsonl");

fn items(text: &str, format: InputFormat) -> Vec<BatchItem> {
    BatchReader::new(text.as_bytes(), format)
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn lines(items: &[BatchItem]) -> Vec<u64> {
    items.iter().map(|i| i.line).collect()
}

/// The example CSV's header and the rows of one subject, with `body` set on its record rows.
fn csv_of(rows: &[&str]) -> String {
    let header = EXAMPLE_CSV.lines().next().unwrap();
    let mut text = format!("{header}\n");
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    text
}

#[test]
fn the_example_csv_and_json_lines_give_the_same_requests() {
    let from_csv = items(EXAMPLE_CSV, InputFormat::Csv);
    let from_jsonl = items(EXAMPLE_JSONL, InputFormat::JsonLines);
    assert_eq!(from_csv.len(), from_jsonl.len());
    assert!(from_csv.len() >= 3);
    for (csv, json) in from_csv.iter().zip(&from_jsonl) {
        let (csv, json) = (
            csv.request.as_ref().unwrap(),
            json.request.as_ref().unwrap(),
        );
        assert_eq!(
            serde_json::to_value(csv).unwrap(),
            serde_json::to_value(json).unwrap()
        );
    }
    // JSON Lines: one item a line. CSV: a subject's adjacent rows are one item, keyed by its
    // first row's line (the header is line 1).
    assert_eq!(lines(&from_jsonl), [1, 2, 3]);
    assert_eq!(from_csv[0].line, 2);
    assert!(from_csv[1].line > 2 && from_csv[2].line > from_csv[1].line);
    assert_eq!(
        from_csv[1].subject_reference.as_deref(),
        Some("SUBJ-002231")
    );
}

#[test]
fn a_problem_in_a_csv_record_row_names_that_row_and_its_column() {
    let all = items(EXAMPLE_CSV, InputFormat::Csv);
    let several = &all[1];
    let first = several.line;
    // The subject's fields are on its first row; each record's on its own row, in order.
    assert_eq!(
        several.locate("subject.full_name"),
        (first, Some("full_name"))
    );
    assert_eq!(
        several.locate("findings[0].outcome"),
        (first, Some("outcome"))
    );
    assert_eq!(
        several.locate("findings[1].decision_date"),
        (first + 1, Some("decision_date"))
    );
    assert_eq!(
        several.locate("convictions[0].body"),
        (first + 2, Some("body"))
    );
    // A field of a record that is not there points at the subject's first row.
    assert_eq!(several.locate("findings[9].body").0, first);
    let problem = several.problem_at("findings[1].outcome", Some("rule 2"), "not proven");
    assert_eq!(
        problem.to_string(),
        format!(
            "line {}, column outcome, field findings[1].outcome: not proven (rule 2)",
            first + 1
        )
    );
    // JSON Lines: the line, no column.
    let json = &items(EXAMPLE_JSONL, InputFormat::JsonLines)[1];
    assert_eq!(json.locate("findings[1].outcome"), (2, None));
}

#[test]
fn a_quoted_line_break_inside_a_field_moves_the_next_rows_line_on() {
    let header = EXAMPLE_CSV.lines().next().unwrap();
    let mut rows: Vec<&str> = EXAMPLE_CSV.lines().skip(1).collect();
    // The first subject's role, quoted, over two lines.
    let changed = rows[0].replacen("Director of Nursing", "\"Director\nof Nursing\"", 1);
    rows[0] = &changed;
    let text = format!("{header}\n{}\n", rows.join("\n"));
    let all = items(&text, InputFormat::Csv);
    let plain = items(EXAMPLE_CSV, InputFormat::Csv);
    assert_eq!(all[0].line, 2);
    assert_eq!(all[1].line, plain[1].line + 1);
    assert_eq!(all[2].line, plain[2].line + 1);
}

#[test]
fn unreadable_items_keep_their_line_and_subject_and_the_rest_is_read() {
    let text = "{\"subject\": {\"reference\": \"SUBJ-9\"}, \"unknown\": 1}\n\nnot json\n";
    let all = items(text, InputFormat::JsonLines);
    // The blank line is no request.
    assert_eq!(lines(&all), [1, 3]);
    assert_eq!(all[0].subject_reference.as_deref(), Some("SUBJ-9"));
    let problems = all[1].request.as_ref().unwrap_err();
    assert_eq!(problems[0].line, 3);
    assert_eq!(all[1].original, "not json");
}

#[test]
fn a_line_longer_than_the_limit_is_refused_without_being_kept() {
    let long = format!("{{\"x\": \"{}\"}}\n{{}}\n", "a".repeat(MAX_LINE_LEN + 10));
    let all = items(&long, InputFormat::JsonLines);
    assert_eq!(lines(&all), [1, 2]);
    let problems = all[0].request.as_ref().unwrap_err();
    assert!(
        problems[0].message.contains(&MAX_LINE_LEN.to_string()),
        "{problems:?}"
    );
    assert!(all[0].original.len() < 1024, "the long line is not kept");
}

#[test]
fn a_csv_header_without_a_required_column_is_refused_at_line_1() {
    let header = EXAMPLE_CSV
        .lines()
        .next()
        .unwrap()
        .replacen("subject_reference,", "", 1);
    let error = BatchReader::new(format!("{header}\n").as_bytes(), InputFormat::Csv)
        .err()
        .unwrap();
    assert!(matches!(error, InputError::Header(_)));
    let message = error.to_string();
    assert!(
        message.starts_with("line 1") && message.contains("subject_reference"),
        "{message}"
    );
    // The example's own header is accepted, and so is an input with no subject at all.
    assert!(items(&csv_of(&[]), InputFormat::Csv).is_empty());
}

#[test]
fn the_form_is_told_by_extension_then_by_the_first_byte() {
    let detect = |name: &str, start: &[u8]| InputFormat::detect(Path::new(name), start);
    assert_eq!(detect("batch.CSV", b"{"), InputFormat::Csv);
    assert_eq!(detect("batch.ndjson", b"issuer,"), InputFormat::JsonLines);
    assert_eq!(
        detect("batch.txt", b"  \n{\"x\":1}"),
        InputFormat::JsonLines
    );
    assert_eq!(
        detect("batch", b"issuer,information_as_at"),
        InputFormat::Csv
    );
}

/// Excel writes CRLF line ends, and a cell may hold a line break inside quotes: each subject
/// keeps the line its first row starts on, as with LF (the CSV reader's own line numbers are
/// one too low with CRLF).
#[test]
fn csv_line_numbers_are_the_same_with_crlf_line_ends_and_quoted_line_breaks() {
    let lf = EXAMPLE_CSV.to_string();
    let crlf = lf.replace('\n', "\r\n");
    assert_eq!(
        lines(&items(&crlf, InputFormat::Csv)),
        lines(&items(&lf, InputFormat::Csv))
    );
    // A quoted line break in the first subject's name: the later subjects start a line later.
    let broken = |line_end: &str| {
        let text = lf.replacen("Zoë Ní Bhriain", "\"Zoë\nNí Bhriain\"", 1);
        assert_ne!(text, lf, "the example names Zoë Ní Bhriain");
        text.replace('\n', line_end)
    };
    let expected: Vec<u64> = lines(&items(&lf, InputFormat::Csv))
        .iter()
        .enumerate()
        .map(|(i, line)| if i == 0 { *line } else { line + 1 })
        .collect();
    for line_end in ["\n", "\r\n"] {
        assert_eq!(
            lines(&items(&broken(line_end), InputFormat::Csv)),
            expected,
            "{line_end:?}"
        );
    }
}
