//! Reading a batch input, one request at a time: JSON Lines (one request per line) or CSV as a
//! case-management system exports it (one row per record, the subject's columns repeated, rows
//! grouped by subject reference, a subject with no records as one row with empty record
//! columns).
//!
//! Both forms become the same [`CertificateRequest`]: a CSV group is assembled into the JSON
//! value the JSON Lines form would hold and parsed by the same code, so the same data gives the
//! same certificate. Each item keeps its line numbers and original text, so a refused request
//! can be reported by line, field and CSV column, and set aside whole.
//!
//! Memory is bounded: one item is held at a time, a line or CSV record longer than
//! [`MAX_LINE_LEN`] is refused without being kept, and a subject may have at most
//! [`MAX_ROWS_PER_SUBJECT`] rows.

mod csv_groups;
#[cfg(test)]
mod tests;

use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

pub use csv_groups::CSV_COLUMNS;
use csv_groups::{CsvGroups, column_of_record_field, column_of_subject_field};

use goodstanding_issuer::request::{CertificateRequest, MAX_REQUEST_LEN, MAX_REQUEST_RECORDS};

/// Longest line (JSON Lines) or CSV record accepted, in bytes.
pub const MAX_LINE_LEN: usize = MAX_REQUEST_LEN;

/// Most CSV rows one subject may have: every list full.
pub const MAX_ROWS_PER_SUBJECT: usize = 3 * MAX_REQUEST_RECORDS;

/// The form of a batch input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// One JSON request per line.
    JsonLines,
    /// CSV with a header row; see [`CSV_COLUMNS`].
    Csv,
}

impl InputFormat {
    /// The form of the file at `path`, from its name and its first bytes ([`Self::detect`]).
    pub fn of_file(path: &Path) -> std::io::Result<Self> {
        use std::io::Read as _;
        let mut start = [0u8; 512];
        let n = std::fs::File::open(path)?.read(&mut start)?;
        Ok(Self::detect(path, &start[..n]))
    }

    /// The form of a file: by its extension (`.csv`; `.jsonl`, `.ndjson`, `.json`), else by its
    /// first non-blank byte (`{` is JSON Lines).
    pub fn detect(path: &Path, start: &[u8]) -> Self {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("csv") => Self::Csv,
            Some(e)
                if ["jsonl", "ndjson", "json"]
                    .iter()
                    .any(|j| e.eq_ignore_ascii_case(j)) =>
            {
                Self::JsonLines
            }
            _ => match start.iter().find(|b| !b.is_ascii_whitespace()) {
                Some(b'{') => Self::JsonLines,
                _ => Self::Csv,
            },
        }
    }
}

/// What is wrong with one request of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The line of the input it is on.
    pub line: u64,
    /// The CSV column, for CSV input.
    pub column: Option<&'static str>,
    /// The request field, such as `findings[0].outcome`.
    pub field: Option<String>,
    /// The rule broken, such as `rule 2: no unproven findings`; `None` for a format problem.
    pub rule: Option<&'static str>,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(column) = self.column {
            write!(f, ", column {column}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field {field}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(rule) = self.rule {
            write!(f, " ({rule})")?;
        }
        Ok(())
    }
}

/// Why a batch input cannot be read at all (as opposed to one bad request in it).
#[derive(Debug)]
pub enum InputError {
    /// Reading failed.
    Io(std::io::Error),
    /// The CSV header is unusable.
    Header(String),
    /// The file is not UTF-8 (first met at `line`, in `column` for CSV).
    NotUtf8 {
        /// The line.
        line: u64,
        /// The CSV column, if known.
        column: Option<&'static str>,
    },
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "cannot read: {e}"),
            Self::Header(m) => write!(f, "line 1 (the CSV header): {m}"),
            Self::NotUtf8 { line, column } => {
                write!(f, "not UTF-8 text (first at line {line}")?;
                if let Some(column) = column {
                    write!(f, ", column {column}")?;
                }
                write!(
                    f,
                    "), so the file is in another encoding (such as Latin-1 or Windows-1252): \
                     export it as UTF-8 (in Excel, Save As \"CSV UTF-8\") and run again; \
                     nothing was issued"
                )
            }
        }
    }
}

impl std::error::Error for InputError {}

/// Where each part of an item came from, to turn a field path into a line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Origin {
    /// A JSON line.
    Line(u64),
    /// CSV rows: the subject's first row, and the row of each record in each list.
    Rows { first: u64, lists: [Vec<u64>; 3] },
}

/// One request of a batch, as read.
#[derive(Debug, Clone)]
pub struct BatchItem {
    /// The line the request starts on: its key within the batch.
    pub line: u64,
    /// The subject reference, when it could be read.
    pub subject_reference: Option<String>,
    /// The original text: the JSON line, or the subject's CSV rows.
    pub original: String,
    /// The request, or why it cannot be read.
    pub request: Result<CertificateRequest, Vec<Problem>>,
    origin: Origin,
}

/// The record lists of a request, in the order of [`Origin::Rows`].
const LISTS: [&str; 3] = ["findings", "convictions", "departures"];

impl BatchItem {
    /// The line and CSV column a request field such as `findings[1].outcome` came from.
    pub fn locate(&self, field: &str) -> (u64, Option<&'static str>) {
        match &self.origin {
            Origin::Line(line) => (*line, None),
            Origin::Rows { first, lists } => {
                for (list, rows) in LISTS.iter().zip(lists) {
                    let Some(rest) = field.strip_prefix(list) else {
                        continue;
                    };
                    let Some((index, inner)) = rest
                        .strip_prefix('[')
                        .and_then(|r| r.split_once(']'))
                        .and_then(|(i, inner)| Some((i.parse::<usize>().ok()?, inner)))
                    else {
                        return (*first, Some("record"));
                    };
                    let line = rows.get(index).copied().unwrap_or(*first);
                    let inner = inner.trim_start_matches('.');
                    return (line, column_of_record_field(list, inner));
                }
                (*first, column_of_subject_field(field))
            }
        }
    }

    /// A problem at request field `field`.
    pub fn problem_at(
        &self,
        field: &str,
        rule: Option<&'static str>,
        message: impl Into<String>,
    ) -> Problem {
        let (line, column) = self.locate(field);
        Problem {
            line,
            column,
            field: (!matches!(field, "" | "." | "?")).then(|| field.to_string()),
            rule,
            message: message.into(),
        }
    }
}

/// Reads a batch input one request at a time.
pub struct BatchReader<R: Read> {
    inner: Inner<R>,
}

enum Inner<R: Read> {
    Json(JsonLines<R>),
    Csv(Box<CsvGroups<R>>),
}

impl<R: Read> fmt::Debug for BatchReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BatchReader")
    }
}

impl<R: Read> BatchReader<R> {
    /// A reader of `input` in the given form. For CSV, the header is read and checked now.
    pub fn new(input: R, format: InputFormat) -> Result<Self, InputError> {
        Ok(Self {
            inner: match format {
                InputFormat::JsonLines => Inner::Json(JsonLines {
                    reader: BufReader::new(input),
                    line: 0,
                    buffer: Vec::new(),
                }),
                InputFormat::Csv => Inner::Csv(Box::new(CsvGroups::new(input)?)),
            },
        })
    }
}

impl<R: Read> Iterator for BatchReader<R> {
    type Item = Result<BatchItem, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            Inner::Json(j) => j.next_item().transpose(),
            Inner::Csv(c) => c.next_item().transpose(),
        }
    }
}

struct JsonLines<R: Read> {
    reader: BufReader<R>,
    line: u64,
    buffer: Vec<u8>,
}

impl<R: Read> JsonLines<R> {
    /// Reads one line into `buffer` (without its end of line), keeping at most
    /// [`MAX_LINE_LEN`] bytes. Returns `None` at the end, else whether the line was too long.
    fn read_line(&mut self) -> std::io::Result<Option<bool>> {
        self.buffer.clear();
        let mut too_long = false;
        let mut any = false;
        loop {
            let available = self.reader.fill_buf()?;
            if available.is_empty() {
                return Ok(any.then_some(too_long));
            }
            any = true;
            let (chunk, done) = match available.iter().position(|b| *b == b'\n') {
                Some(end) => (&available[..end], Some(end + 1)),
                None => (available, None),
            };
            if self.buffer.len() + chunk.len() > MAX_LINE_LEN {
                too_long = true;
            } else {
                self.buffer.extend_from_slice(chunk);
            }
            let used = done.unwrap_or(chunk.len());
            self.reader.consume(used);
            if done.is_some() {
                if self.buffer.last() == Some(&b'\r') {
                    self.buffer.pop();
                }
                return Ok(Some(too_long));
            }
        }
    }

    fn next_item(&mut self) -> Result<Option<BatchItem>, InputError> {
        loop {
            let Some(too_long) = self.read_line().map_err(InputError::Io)? else {
                return Ok(None);
            };
            self.line += 1;
            if !too_long && self.buffer.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let line = self.line;
            let mut item = BatchItem {
                line,
                subject_reference: None,
                original: String::from_utf8_lossy(&self.buffer).into_owned(),
                request: Err(Vec::new()),
                origin: Origin::Line(line),
            };
            let problem = |message: String| Problem {
                line,
                column: None,
                field: None,
                rule: None,
                message,
            };
            item.request = if too_long {
                item.original = String::new();
                Err(vec![problem(format!(
                    "the line is longer than {MAX_LINE_LEN} bytes; no request is that large"
                ))])
            } else {
                match std::str::from_utf8(&self.buffer) {
                    Err(e) => Err(vec![problem(format!(
                        "not UTF-8 text (at byte {})",
                        e.valid_up_to() + 1
                    ))]),
                    Ok(text) => {
                        item.subject_reference = subject_reference_in_json(text);
                        CertificateRequest::from_json(text).map_err(|e| {
                            let mut message = e.message.clone();
                            if e.column > 0 {
                                message = format!("{message} (at character {})", e.column);
                            }
                            vec![item.problem_at(&e.path, None, message)]
                        })
                    }
                }
            };
            return Ok(Some(item));
        }
    }
}

/// The subject reference of a JSON request, if it can be found even in a request that does not
/// parse as a whole.
fn subject_reference_in_json(text: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Subject {
        reference: String,
    }
    #[derive(serde::Deserialize)]
    struct Partial {
        subject: Subject,
    }
    serde_json::from_str::<Partial>(text)
        .ok()
        .map(|p| p.subject.reference)
}
