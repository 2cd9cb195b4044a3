//! Drafts for the people certificates name: before anything is signed, the issuing body shows
//! each person what their certificate will say. A draft is validated like a real issue and laid
//! out the same, marked as a draft on every page, with no QR code, id, signature or attachment;
//! it follows the register's rules settings (read by the caller) and never changes the register.
//!
//! ```text
//! request  -> issue::draft (the rules) -> pdf::render_draft -> DIR/<subject_ref>-draft.pdf
//! batch file -> batch_input -> the same, one request at a time; refused ones reported
//! ```

use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};

use goodstanding_files::{self as files, WriteMode};
use goodstanding_issuer::Policy;
use goodstanding_issuer::issue::{IssueError, draft_under};
use goodstanding_issuer::pdf::{RenderError, render_draft};
use goodstanding_issuer::{CertificateRequest, Notice, pdf::SUPPORTED_SCRIPTS};
use goodstanding_verifier::Timestamp;

use crate::batch_input::{BatchReader, InputError, InputFormat, Problem};

/// Why a draft, or a batch of drafts, could not be made.
#[derive(Debug)]
pub enum PreviewError {
    /// The request breaks the rules (as `issue` would refuse it).
    Refused(IssueError),
    /// The PDF could not be made (a name the fonts cannot print).
    Render(RenderError),
    /// The batch input could not be read.
    Input {
        /// The input file.
        path: PathBuf,
        /// What went wrong.
        error: InputError,
    },
    /// A file could not be written.
    Output {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        error: std::io::Error,
    },
}

impl fmt::Display for PreviewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused(e) => e.fmt(f),
            Self::Render(e) => e.fmt(f),
            Self::Input { path, error } => write!(f, "{}: {error}", path.display()),
            Self::Output { path, error } => write!(f, "{}: cannot write: {error}", path.display()),
        }
    }
}

impl std::error::Error for PreviewError {}

/// The draft's file name: `<subject_ref>-draft.pdf`, with any character that is not a letter,
/// digit, `-`, `_` or `.` replaced by `_`.
pub fn draft_file_name(subject_reference: &str) -> String {
    let safe: String = subject_reference
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}-draft.pdf")
}

/// Validates `request` as at `now`, under the issuing body's `policy` (its register's settings,
/// as `issue` applies them), and writes its draft into `out` (created if missing, the file
/// mode 0600: it holds the person's records). Returns the path, and the notices for the operator
/// (records the law keeps off the certificate), exactly as `issue` would give them.
pub fn preview_one(
    request: &CertificateRequest,
    now: Timestamp,
    policy: Policy,
    out: &Path,
) -> Result<(PathBuf, Vec<Notice>), PreviewError> {
    let (certificate, notices) =
        draft_under(request, now, policy).map_err(PreviewError::Refused)?;
    let pdf = render_draft(&certificate).map_err(PreviewError::Render)?;
    let path = out.join(draft_file_name(certificate.subject.reference.as_str()));
    let output = |error| PreviewError::Output {
        path: path.clone(),
        error,
    };
    std::fs::create_dir_all(out).map_err(output)?;
    files::write_atomic(&path, &pdf, WriteMode::Replace, true).map_err(output)?;
    Ok((path, notices))
}

/// What a batch of drafts came to.
#[derive(Debug, Default)]
pub struct PreviewSummary {
    /// The drafts written.
    pub written: Vec<PathBuf>,
    /// The requests refused, with what is wrong with each.
    pub refused: Vec<Vec<Problem>>,
    /// How many records the law kept off the drafts (protected, or not shown at the level).
    pub notices: usize,
}

/// Writes a draft for every request of a batch file into `out`; a refused request is reported
/// by line, field and rule, as `batch` would (under the same `policy`), and does not stop the
/// others.
pub fn preview_batch(
    input: &Path,
    format: Option<InputFormat>,
    now: Timestamp,
    policy: Policy,
    out: &Path,
) -> Result<PreviewSummary, PreviewError> {
    let failed = |error| PreviewError::Input {
        path: input.to_path_buf(),
        error,
    };
    let format = match format {
        Some(format) => format,
        None => InputFormat::of_file(input).map_err(|e| failed(InputError::Io(e)))?,
    };
    let file = File::open(input).map_err(|e| failed(InputError::Io(e)))?;
    let reader = BatchReader::new(file, format).map_err(failed)?;
    let mut summary = PreviewSummary::default();
    for item in reader {
        let item = item.map_err(failed)?;
        let request = match &item.request {
            Ok(request) => request,
            Err(problems) => {
                summary.refused.push(problems.clone());
                continue;
            }
        };
        match preview_one(request, now, policy, out) {
            Ok((path, notices)) => {
                summary.written.push(path);
                summary.notices += notices.len();
            }
            Err(PreviewError::Refused(IssueError::Invalid(violations))) => {
                summary.refused.push(
                    violations
                        .0
                        .iter()
                        .map(|v| item.problem_at(&v.field, Some(v.rule.title()), v.message.clone()))
                        .collect(),
                );
            }
            Err(PreviewError::Refused(
                too_large @ (IssueError::QrTooLarge { .. } | IssueError::TooLarge(_)),
            )) => {
                summary.refused.push(vec![item.problem_at(
                    ".",
                    Some("size"),
                    too_large.to_string(),
                )]);
            }
            Err(PreviewError::Render(RenderError::Unprintable { field, characters })) => {
                summary.refused.push(vec![item.problem_at(
                    &field,
                    None,
                    format!(
                        "has characters the certificate fonts cannot print: {characters}; the \
                         fonts cover {SUPPORTED_SCRIPTS}"
                    ),
                )]);
            }
            Err(other) => return Err(other),
        }
    }
    Ok(summary)
}
