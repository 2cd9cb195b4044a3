//! The CSV form of a batch input, as a case-management system exports it: the columns, and the
//! reader that gathers a subject's rows into the JSON value of one request (parsed by the same
//! code as a JSON line), keeping the line of every row.

use std::cell::Cell;
use std::io::Read;
use std::rc::Rc;

use serde_json::{Map, Value};

use super::*;

/// The CSV columns, in the order of the example file. Subject columns repeat on every row of a
/// subject; record columns describe one record per row (`record` says which kind).
pub const CSV_COLUMNS: [&str; 40] = [
    "issuer",
    "information_as_at",
    "valid_from",
    "valid_until",
    "disclosure_level",
    "subject_reference",
    "full_name",
    "previous_names",
    "date_of_birth",
    "registrations",
    "role_applied_for",
    "record",
    "body",
    "body_type",
    "reference",
    "decision_date",
    "appeal",
    "investigation",
    "category",
    "outcome",
    "sanction",
    "sanction_expires",
    "offence",
    "offence_code",
    "offence_date",
    "jurisdiction",
    "sentences",
    "specified_offence",
    "schedule_18",
    "summary_only",
    "disclosure",
    "role",
    "started",
    "ended",
    "how_left",
    "investigation_body",
    "investigation_opened",
    "investigation_state",
    "investigation_outcome",
    "settlement_agreement",
];

/// Columns that must be in the header.
const REQUIRED_COLUMNS: [&str; 6] = [
    "issuer",
    "information_as_at",
    "subject_reference",
    "full_name",
    "date_of_birth",
    "record",
];

/// Columns that describe the subject, the same on every row of one subject: the first eleven.
const SUBJECT_COLUMNS: &[&str] = CSV_COLUMNS.split_at(11).0;

/// For each record kind: CSV column and the request field it fills.
const FINDING_FIELDS: [(&str, &str); 10] = [
    ("body", "body"),
    ("body_type", "body_type"),
    ("decision_date", "decision_date"),
    ("reference", "reference"),
    ("investigation", "investigation"),
    ("category", "category"),
    ("outcome", "outcome"),
    ("sanction", "sanction"),
    ("sanction_expires", "sanction_expires"),
    ("appeal", "appeal"),
];
const CONVICTION_FIELDS: [(&str, &str); 13] = [
    ("body", "body"),
    ("offence", "offence"),
    ("offence_code", "offence_code"),
    ("offence_date", "offence_date"),
    ("decision_date", "decision_date"),
    ("jurisdiction", "jurisdiction"),
    ("sentences", "sentences"),
    ("specified_offence", "specified_offence"),
    ("schedule_18", "schedule_18"),
    ("summary_only", "summary_only"),
    ("disclosure", "disclosure"),
    ("appeal", "appeal"),
    ("reference", "reference"),
];
const DEPARTURE_FIELDS: [(&str, &str); 13] = [
    ("body", "employer"),
    ("role", "role"),
    ("started", "started"),
    ("ended", "ended"),
    ("how_left", "how_left"),
    ("investigation", "investigation.type"),
    ("investigation_body", "investigation.body"),
    ("investigation_opened", "investigation.opened"),
    ("investigation_state", "investigation.state"),
    ("investigation_outcome", "investigation.outcome"),
    ("settlement_agreement", "settlement_agreement"),
    ("appeal", "appeal"),
    ("reference", "reference"),
];

fn record_fields(list: &str) -> &'static [(&'static str, &'static str)] {
    match list {
        "findings" => &FINDING_FIELDS,
        "convictions" => &CONVICTION_FIELDS,
        _ => &DEPARTURE_FIELDS,
    }
}

pub(super) fn column_of_record_field(list: &str, field: &str) -> Option<&'static str> {
    let fields = record_fields(list);
    fields
        .iter()
        .find(|(_, f)| *f == field)
        .or_else(|| {
            // `investigation` (a whole missing object) or a field's own sub-path.
            fields
                .iter()
                .find(|(_, f)| field.starts_with(f) || f.split('.').next() == Some(field))
        })
        .map(|(column, _)| *column)
}

pub(super) fn column_of_subject_field(field: &str) -> Option<&'static str> {
    let name = field
        .strip_prefix("subject.")
        .map(|f| f.split(['.', '[']).next().unwrap_or(f))
        .map(|f| {
            if f == "reference" {
                "subject_reference"
            } else {
                f
            }
        })
        .unwrap_or(field);
    SUBJECT_COLUMNS.iter().find(|c| **c == name).copied()
}

/// Fails a read once more than [`MAX_LINE_LEN`] bytes (plus the CSV reader's buffer) have been
/// read past the start of the current record, so that an unclosed quote cannot make the CSV
/// reader hold the whole file.
///
/// It also notes where each line ends, for line numbers: the CSV reader's own are one too low
/// in a file with CRLF line ends (as Excel writes), where a record's position is the `\n` of
/// the line end before it.
struct CappedRecords<R> {
    inner: R,
    read: u64,
    record_start: Rc<Cell<u64>>,
    /// Offsets of the `\n` bytes read but not yet passed by [`Self::line_at`].
    line_ends: std::collections::VecDeque<u64>,
    /// How many `\n` bytes [`Self::line_at`] has passed.
    lines_passed: u64,
}

impl<R> CappedRecords<R> {
    /// The line (from 1) of the record the CSV reader says starts at byte `position`: one more
    /// than the line ends at or before it (with CRLF the position is the `\n` itself). Positions
    /// asked for only grow, so only line ends still ahead are kept.
    fn line_at(&mut self, position: u64) -> u64 {
        while self.line_ends.front().is_some_and(|&end| end <= position) {
            self.line_ends.pop_front();
            self.lines_passed += 1;
        }
        self.lines_passed + 1
    }
}

impl<R: Read> Read for CappedRecords<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.read.saturating_sub(self.record_start.get()) > (MAX_LINE_LEN + 64 * 1024) as u64 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "a CSV record longer than {MAX_LINE_LEN} bytes (is a quote left open?); \
                     nothing after it was read"
                ),
            ));
        }
        let n = self.inner.read(buf)?;
        let start = self.read;
        self.line_ends.extend(
            buf[..n]
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| start + i as u64),
        );
        self.read += n as u64;
        Ok(n)
    }
}

struct Row {
    line: u64,
    /// The cells as read; each is trimmed when used ([`CsvGroups::cell`]).
    record: csv::ByteRecord,
    problems: Vec<Problem>,
}

impl Row {
    /// The cell at `index`, trimmed; empty if absent or not UTF-8 (reported when read).
    fn get(&self, index: usize) -> &str {
        self.record
            .get(index)
            .and_then(|cell| std::str::from_utf8(cell).ok())
            .map_or("", str::trim)
    }

    fn is_blank(&self) -> bool {
        (0..self.record.len()).all(|i| self.get(i).is_empty()) && self.problems.is_empty()
    }
}

/// The rows of one subject, in the order they stand in the file.
struct Group {
    reference: String,
    rows: Vec<Row>,
    dropped: usize,
}

pub(super) struct CsvGroups<R: Read> {
    reader: csv::Reader<CappedRecords<R>>,
    record_start: Rc<Cell<u64>>,
    /// Index of each known column in the header.
    index: Vec<(&'static str, usize)>,
    header_len: usize,
    /// Every subject's rows, gathered wherever they stand, in order of each subject's first row;
    /// read at the first request.
    groups: Option<std::collections::VecDeque<Group>>,
    finished: bool,
}

impl<R: Read> CsvGroups<R> {
    pub(super) fn new(input: R) -> Result<Self, InputError> {
        let record_start = Rc::new(Cell::new(0));
        let capped = CappedRecords {
            inner: input,
            read: 0,
            record_start: Rc::clone(&record_start),
            line_ends: std::collections::VecDeque::new(),
            lines_passed: 0,
        };
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(capped);
        let header = reader.byte_headers().map_err(csv_error)?.clone();
        let mut index = Vec::new();
        let mut unknown = Vec::new();
        for (i, name) in header.iter().enumerate() {
            let name = String::from_utf8_lossy(name);
            let name = name.trim().trim_start_matches('\u{feff}');
            match CSV_COLUMNS.iter().find(|c| **c == name) {
                Some(known) if index.iter().any(|(k, _)| k == known) => {
                    return Err(InputError::Header(format!("column {name} appears twice")));
                }
                Some(known) => index.push((*known, i)),
                None => unknown.push(name.to_string()),
            }
        }
        if !unknown.is_empty() {
            return Err(InputError::Header(format!(
                "unknown column(s) {}; the columns are: {} (see the README)",
                unknown.join(", "),
                CSV_COLUMNS.join(", ")
            )));
        }
        let missing: Vec<&str> = REQUIRED_COLUMNS
            .iter()
            .filter(|c| !index.iter().any(|(k, _)| k == *c))
            .copied()
            .collect();
        if !missing.is_empty() {
            return Err(InputError::Header(format!(
                "missing column(s) {}; every CSV input needs: {}",
                missing.join(", "),
                REQUIRED_COLUMNS.join(", ")
            )));
        }
        record_start.set(reader.position().byte());
        Ok(Self {
            reader,
            record_start,
            index,
            header_len: header.len(),
            groups: None,
            finished: false,
        })
    }

    fn read_row(&mut self) -> Result<Option<Row>, InputError> {
        if self.finished {
            return Ok(None);
        }
        let mut record = csv::ByteRecord::new();
        let more = self
            .reader
            .read_byte_record(&mut record)
            .map_err(csv_error)?;
        self.record_start.set(self.reader.position().byte());
        if !more {
            self.finished = true;
            return Ok(None);
        }
        let line = match record.position() {
            Some(position) => self.reader.get_mut().line_at(position.byte()),
            None => 0,
        };
        let mut problems = Vec::new();
        if record.len() != self.header_len {
            problems.push(Problem {
                line,
                column: None,
                field: None,
                rule: None,
                message: format!(
                    "{} cells where the header has {}; check the quoting of this row",
                    record.len(),
                    self.header_len
                ),
            });
        }
        // A file in another encoding (Latin-1, Windows-1252) is wrong throughout: said once,
        // for the file, before anything is issued.
        if let Some(i) = record
            .iter()
            .position(|cell| std::str::from_utf8(cell).is_err())
        {
            let column = self.index.iter().find(|(_, at)| *at == i).map(|(c, _)| *c);
            return Err(InputError::NotUtf8 { line, column });
        }
        Ok(Some(Row {
            line,
            record,
            problems,
        }))
    }

    fn cell<'a>(&self, row: &'a Row, column: &str) -> &'a str {
        self.index
            .iter()
            .find(|(c, _)| *c == column)
            .map_or("", |(_, i)| row.get(*i))
    }

    /// Reads every row and gathers each subject's rows, wherever they stand in the file, so that
    /// all of one subject's records make one request (rule 8). Held in memory: a CSV batch is
    /// bounded by the input file, and rows are kept as read, without a copy per cell.
    fn gather(&mut self) -> Result<std::collections::VecDeque<Group>, InputError> {
        let mut groups: Vec<Group> = Vec::new();
        let mut by_reference: std::collections::HashMap<String, usize> =
            std::collections::HashMap::new();
        while let Some(row) = self.read_row()? {
            // Skip wholly blank rows (a trailing empty line in a spreadsheet export).
            if row.is_blank() {
                continue;
            }
            let reference = self.cell(&row, "subject_reference").to_string();
            // Rows without a reference cannot be gathered: each is a request of its own (refused).
            let at = if reference.is_empty() {
                None
            } else {
                by_reference.get(&reference).copied()
            };
            match at {
                Some(at) if groups[at].rows.len() < MAX_ROWS_PER_SUBJECT => {
                    groups[at].rows.push(row);
                }
                Some(at) => groups[at].dropped += 1,
                None => {
                    if !reference.is_empty() {
                        by_reference.insert(reference.clone(), groups.len());
                    }
                    groups.push(Group {
                        reference,
                        rows: vec![row],
                        dropped: 0,
                    });
                }
            }
        }
        Ok(groups.into())
    }

    pub(super) fn next_item(&mut self) -> Result<Option<BatchItem>, InputError> {
        if self.groups.is_none() {
            self.groups = Some(self.gather()?);
        }
        let Some(group) = self.groups.as_mut().and_then(|g| g.pop_front()) else {
            return Ok(None);
        };
        Ok(Some(self.assemble(
            group.reference,
            group.rows,
            group.dropped,
        )))
    }

    /// Builds the request of one subject's rows.
    fn assemble(&self, reference: String, rows: Vec<Row>, dropped: usize) -> BatchItem {
        let first_line = rows.first().map_or(0, |r| r.line);
        let mut problems: Vec<Problem> = rows.iter().flat_map(|r| r.problems.clone()).collect();
        let problem = |line: u64, column: Option<&'static str>, message: String| Problem {
            line,
            column,
            field: None,
            rule: None,
            message,
        };
        if dropped > 0 {
            problems.push(problem(
                first_line,
                Some("subject_reference"),
                format!(
                    "subject {reference} has {} rows; at most {MAX_ROWS_PER_SUBJECT} are read",
                    rows.len() + dropped
                ),
            ));
        }
        if reference.is_empty() {
            problems.push(problem(
                first_line,
                Some("subject_reference"),
                "empty; every row needs the subject's reference".into(),
            ));
        }

        let mut top = Map::new();
        let mut subject = Map::new();
        let first = &rows[0];
        for &column in SUBJECT_COLUMNS {
            let value = self.cell(first, column);
            for row in &rows[1..] {
                if self.cell(row, column) != value {
                    problems.push(problem(
                        row.line,
                        Some(column),
                        format!(
                            "differs from line {} for the same subject {reference}; the \
                             subject's columns must be the same on each of its rows",
                            first.line
                        ),
                    ));
                }
            }
            if value.is_empty() {
                continue;
            }
            match column {
                "issuer" | "information_as_at" | "valid_from" | "valid_until"
                | "disclosure_level" => {
                    top.insert(column.into(), value.into());
                }
                "subject_reference" => {
                    subject.insert("reference".into(), value.into());
                }
                "previous_names" => {
                    let names: Vec<Value> =
                        split_list(value).into_iter().map(Value::from).collect();
                    subject.insert(column.into(), names.into());
                }
                "registrations" => {
                    let mut list = Vec::new();
                    for entry in split_list(value) {
                        match entry.split_once(':') {
                            Some((regulator, number)) => list.push(serde_json::json!({
                                "regulator": regulator.trim(),
                                "number": number.trim(),
                            })),
                            None => problems.push(problem(
                                first.line,
                                Some(column),
                                format!(
                                    "{entry:?} is not REGULATOR:NUMBER (such as GMC:1234567; \
                                     several separated by |)"
                                ),
                            )),
                        }
                    }
                    subject.insert(column.into(), list.into());
                }
                _ => {
                    subject.insert(column.into(), value.into());
                }
            }
        }
        top.insert("subject".into(), subject.into());

        let mut lists: [Vec<Value>; 3] = Default::default();
        let mut lines: [Vec<u64>; 3] = Default::default();
        let mut empty_rows = Vec::new();
        for row in &rows {
            let kind = self.cell(row, "record");
            let Some(list) = (match kind {
                "finding" => Some(0),
                "conviction" => Some(1),
                "departure" => Some(2),
                _ => None,
            }) else {
                if kind.is_empty() {
                    empty_rows.push(row.line);
                } else {
                    problems.push(problem(
                        row.line,
                        Some("record"),
                        format!(
                            "{kind:?} is not a kind of record; use finding, conviction or \
                             departure, or leave it empty for a subject with no records"
                        ),
                    ));
                }
                // Record cells on a row that is not a record would be lost: refuse them.
                self.refuse_stray_cells(row, &[], kind, &mut problems);
                continue;
            };
            let fields = record_fields(LISTS[list]);
            self.refuse_stray_cells(row, fields, kind, &mut problems);
            lines[list].push(row.line);
            lists[list].push(self.record_value(row, LISTS[list], fields, &mut problems));
        }
        if rows.len() > 1 && !empty_rows.is_empty() {
            problems.push(problem(
                empty_rows[0],
                Some("record"),
                format!(
                    "empty, but subject {reference} has other rows; a row with no record is only \
                     for a subject with no records at all"
                ),
            ));
        }
        for (name, list) in LISTS.iter().zip(lists) {
            top.insert((*name).into(), list.into());
        }

        let original = original_rows(&rows);
        let mut item = BatchItem {
            line: first_line,
            subject_reference: (!reference.is_empty()).then_some(reference),
            original,
            request: Err(Vec::new()),
            origin: Origin::Rows {
                first: first_line,
                lists: lines,
            },
        };
        item.request = if problems.is_empty() {
            CertificateRequest::from_value(Value::Object(top))
                .map_err(|e| vec![item.problem_at(&e.path, None, e.message)])
        } else {
            Err(problems)
        };
        item
    }

    /// Refuses cells filled in a record column that the row's kind of record does not use.
    fn refuse_stray_cells(
        &self,
        row: &Row,
        used: &[(&str, &str)],
        kind: &str,
        problems: &mut Vec<Problem>,
    ) {
        for (column, at) in &self.index {
            if SUBJECT_COLUMNS.contains(column)
                || *column == "record"
                || used.iter().any(|(c, _)| c == column)
            {
                continue;
            }
            if !row.get(*at).is_empty() {
                let kind = if kind.is_empty() { "no record" } else { kind };
                problems.push(Problem {
                    line: row.line,
                    column: Some(column),
                    field: None,
                    rule: None,
                    message: format!(
                        "filled, but a row of {kind} does not use this column; move the value to \
                         the right column or row"
                    ),
                });
            }
        }
    }

    /// The JSON value of one record row.
    fn record_value(
        &self,
        row: &Row,
        list: &str,
        fields: &[(&'static str, &str)],
        problems: &mut Vec<Problem>,
    ) -> Value {
        let mut record = Map::new();
        let mut investigation = Map::new();
        for (column, field) in fields {
            let text = self.cell(row, column);
            if text.is_empty() {
                continue;
            }
            let refuse = |problems: &mut Vec<Problem>, message: String| {
                problems.push(Problem {
                    line: row.line,
                    column: Some(column),
                    field: None,
                    rule: None,
                    message,
                });
            };
            let value: Value = match *column {
                "sentences" => match sentences_value(text) {
                    Ok(list) => list,
                    Err(message) => {
                        refuse(problems, message);
                        continue;
                    }
                },
                "settlement_agreement" | "specified_offence" | "schedule_18" | "summary_only" => {
                    match text.to_ascii_lowercase().as_str() {
                        "true" | "yes" => true.into(),
                        "false" | "no" => false.into(),
                        _ => {
                            refuse(problems, format!("{text:?} is not true or false"));
                            continue;
                        }
                    }
                }
                _ => text.into(),
            };
            match field.strip_prefix("investigation.") {
                Some(inner) if list == "departures" => {
                    investigation.insert(inner.into(), value);
                }
                _ => {
                    record.insert((*field).into(), value);
                }
            }
        }
        if !investigation.is_empty() {
            record.insert("investigation".into(), investigation.into());
        }
        record.into()
    }
}

/// The `sentences` cell as the request's list: sentences separated by `|`, each a type, then
/// `/MONTHS` for a custodial or suspended sentence and `@YYYY-MM-DD` for the day it ends, such as
/// `suspended_sentence/18 | community_order@2026-06-30 | fine`.
fn sentences_value(text: &str) -> Result<Value, String> {
    let mut list = Vec::new();
    for entry in split_list(text) {
        let (rest, ends) = match entry.split_once('@') {
            Some((rest, ends)) => (rest.trim(), Some(ends.trim())),
            None => (entry, None),
        };
        let (kind, months) = match rest.split_once('/') {
            Some((kind, months)) => (kind.trim(), Some(months.trim())),
            None => (rest, None),
        };
        let mut sentence = Map::new();
        sentence.insert("type".into(), kind.into());
        if let Some(months) = months {
            let months: u16 = months.parse().map_err(|_| {
                format!(
                    "{entry:?}: {months:?} is not a whole number of months (such as custody/18)"
                )
            })?;
            sentence.insert("months".into(), months.into());
        }
        if let Some(ends) = ends {
            sentence.insert("ends".into(), ends.into());
        }
        list.push(Value::Object(sentence));
    }
    if list.is_empty() {
        return Err(
            "no sentence; give each as TYPE, TYPE/MONTHS or TYPE@END-DATE, separated by |, \
                    such as suspended_sentence/18 | fine"
                .into(),
        );
    }
    Ok(list.into())
}

/// `a | b | c` as a list; empty items dropped.
fn split_list(value: &str) -> Vec<&str> {
    value
        .split('|')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// The rows of one subject as CSV text, for the file of refused requests.
fn original_rows(rows: &[Row]) -> String {
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    for row in rows {
        // Writing to memory cannot fail.
        let _ = writer.write_byte_record(&row.record);
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn csv_error(e: csv::Error) -> InputError {
    let line = e.position().map(csv::Position::line);
    match e.into_kind() {
        csv::ErrorKind::Io(io) => InputError::Io(match line {
            Some(line) => std::io::Error::new(io.kind(), format!("line {line}: {io}")),
            None => io,
        }),
        other => InputError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{other:?}"),
        )),
    }
}
