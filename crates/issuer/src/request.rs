//! The certificate request: what an issuing body's case system exports for one manager.
//!
//! A request may say more than a certificate may show (a finding that was not upheld, a
//! protected conviction, a youth caution): it describes the case record, and
//! [`crate::validate`] decides, rule by rule, whether it can become a certificate. Unknown fields
//! are refused, and every record list must be present, so that an export which forgot a list is
//! caught instead of signed as "none recorded".

use std::fmt;

use goodstanding_verifier::model::{
    AppealStatus, BodyName, BodyType, DepartureInvestigation, DepartureType, DisclosureLevel,
    FindingCategory, InvestigationType, Reference, Sanction, Subject,
};

use crate::rehabilitation::Sentence;
use goodstanding_verifier::text::{BoundedVec, Code, Text};
use goodstanding_verifier::{Date, Timestamp};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization as _;

/// Most records a request may hold in each list (more than a certificate can show, so that the
/// validator, not the parser, explains what to leave out).
pub const MAX_REQUEST_RECORDS: usize = 64;

/// Largest request document accepted, in bytes.
pub const MAX_REQUEST_LEN: usize = 256 * 1024;

/// A request to issue one certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateRequest {
    /// Name of the issuing body, as it is to appear on the certificate.
    pub issuer: Text<120>,
    /// The disclosure level the role is eligible for: it decides which convictions and cautions
    /// may be shown, and is signed and printed on the certificate.
    pub disclosure_level: DisclosureLevel,
    /// The date the record was checked. Not after the day of issue.
    pub information_as_at: Date,
    /// Start of validity; defaults to the time of issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<Timestamp>,
    /// End of validity; defaults to 90 days after `valid_from`, and may be at most that.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Timestamp>,
    /// The manager.
    pub subject: Subject,
    /// Disciplinary findings from the case record. A certificate lists at most 24 records in
    /// all (findings, convictions and departures together, after protected convictions are
    /// left off): what its QR codes hold whatever the texts.
    pub findings: BoundedVec<FindingRequest, MAX_REQUEST_RECORDS>,
    /// Convictions and cautions from the case record.
    pub convictions: BoundedVec<ConvictionRequest, MAX_REQUEST_RECORDS>,
    /// Departures during an investigation from the case record.
    pub departures: BoundedVec<DepartureRequest, MAX_REQUEST_RECORDS>,
}

/// The outcome of a disciplinary case, as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordedOutcome {
    /// Upheld: listed.
    Upheld,
    /// Partially upheld: listed.
    PartiallyUpheld,
    /// Not upheld: never listed (rule 2).
    NotUpheld,
    /// No case to answer: never listed (rule 2).
    NoCaseToAnswer,
}

/// A disciplinary finding as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingRequest {
    /// The body that decided.
    pub body: BodyName,
    /// What kind of body it is.
    pub body_type: BodyType,
    /// Date of the decision.
    pub decision_date: Date,
    /// The deciding body's reference.
    pub reference: Reference,
    /// What was investigated.
    pub investigation: InvestigationType,
    /// Category of the finding.
    pub category: FindingCategory,
    /// Outcome as recorded.
    pub outcome: RecordedOutcome,
    /// Sanction imposed.
    pub sanction: Sanction,
    /// When the sanction expires, if it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sanction_expires: Option<Date>,
    /// Appeal status.
    pub appeal: AppealStatus,
}

/// Disclosure status as a case record may state it. The issuer computes the status itself; a
/// stated one is only checked against it, and a disagreement is refused, naming both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordedDisclosure {
    /// Unspent.
    Unspent,
    /// Spent but not protected.
    SpentDisclosable,
    /// Protected (filtered under the DBS rules).
    Protected,
}

impl RecordedDisclosure {
    /// The code as in the request.
    pub fn as_code(self) -> &'static str {
        match self {
            Self::Unspent => "unspent",
            Self::SpentDisclosable => "spent_disclosable",
            Self::Protected => "protected",
        }
    }
}

/// Where a conviction or caution was given. The issuer computes the law of England and Wales
/// only; a record from elsewhere is refused for manual handling, never guessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Jurisdiction {
    /// England and Wales.
    EnglandWales,
    /// Scotland (the Rehabilitation of Offenders Act applies differently).
    Scotland,
    /// Northern Ireland (its own Order).
    NorthernIreland,
    /// Outside the United Kingdom.
    Elsewhere,
}

/// Most sentences and orders one conviction may list.
pub const MAX_SENTENCES: usize = 8;

/// A conviction or caution as recorded, with the facts the law needs to compute its status
/// (see [`crate::rehabilitation`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConvictionRequest {
    /// The court, or the police force that gave a caution.
    pub body: BodyName,
    /// Short description of the offence.
    pub offence: Text<120>,
    /// Offence code where one is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offence_code: Option<Code>,
    /// Date of the offence.
    pub offence_date: Date,
    /// Date of conviction or caution.
    pub decision_date: Date,
    /// Where it was given: only `england_wales` is computed.
    pub jurisdiction: Jurisdiction,
    /// Every sentence and order given for the conviction, or the one caution.
    pub sentences: BoundedVec<Sentence, MAX_SENTENCES>,
    /// Whether the offence is on the DBS list of specified offences (never filtered).
    pub specified_offence: bool,
    /// Whether the offence is in Schedule 18 to the Sentencing Act 2020 (serious violent, sexual
    /// or terrorism): a sentence over 4 years for one is never spent.
    pub schedule_18: bool,
    /// Whether the offence is triable only summarily: such a later conviction does not extend an
    /// earlier one's rehabilitation period. Defaults to false, which never shortens a period.
    #[serde(default)]
    pub summary_only: bool,
    /// The status as the case record states it, if it does: checked against the computed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disclosure: Option<RecordedDisclosure>,
    /// Appeal status.
    pub appeal: AppealStatus,
    /// Court or police reference.
    pub reference: Reference,
}

/// A departure as recorded. The investigation is optional here only so that its absence can be
/// refused with a clear message (rule 5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartureRequest {
    /// The employer.
    pub employer: BodyName,
    /// The post held.
    pub role: Text<80>,
    /// When the post started.
    pub started: Date,
    /// When the person left.
    pub ended: Date,
    /// How they left.
    pub how_left: DepartureType,
    /// The investigation under way when they left (required: rule 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub investigation: Option<DepartureInvestigation>,
    /// Whether a settlement agreement exists (only the fact is shown; it never hides the record).
    pub settlement_agreement: bool,
    /// Appeal status.
    pub appeal: AppealStatus,
    /// The employer's reference.
    pub reference: Reference,
}

/// Why a request document could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Where in the document: a field path such as `findings[0].outcome`, or `.` for the top.
    pub path: String,
    /// Line of the problem (1-based; 0 when unknown).
    pub line: usize,
    /// Column of the problem (1-based; 0 when unknown).
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "line {}, column {}: ", self.line, self.column)?;
        }
        if !matches!(self.path.as_str(), "." | "?" | "") {
            write!(f, "field {}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

impl CertificateRequest {
    /// Parses a request from JSON, naming the field and line of any problem.
    pub fn from_json(text: &str) -> Result<Self, ParseError> {
        if text.len() > MAX_REQUEST_LEN {
            return Err(ParseError {
                path: ".".into(),
                line: 0,
                column: 0,
                message: format!("the request is larger than {MAX_REQUEST_LEN} bytes"),
            });
        }
        // Composed (NFC), so that one name has one spelling (rule 10). JSON's own syntax is
        // ASCII, which NFC leaves alone; a \u escape that decomposes is refused by the rules.
        let composed;
        let text = if is_nfc_quick(text) {
            text
        } else {
            composed = text.nfc().collect::<String>();
            composed.as_str()
        };
        let mut de = serde_json::Deserializer::from_str(text);
        let request = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            from_json_error(path, e.into_inner())
        })?;
        de.end().map_err(|e| from_json_error(".".into(), e))?;
        Ok(request)
    }

    /// Builds a request from a JSON value (such as one assembled from CSV rows), naming the field
    /// of any problem. Line and column are 0: the value has none.
    pub fn from_value(mut value: serde_json::Value) -> Result<Self, ParseError> {
        compose_strings(&mut value);
        serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            from_json_error(path, e.into_inner())
        })
    }
}

/// Whether `text` is certainly NFC already (the common case: no decomposed characters).
fn is_nfc_quick(text: &str) -> bool {
    matches!(
        unicode_normalization::is_nfc_quick(text.chars()),
        unicode_normalization::IsNormalized::Yes
    )
}

/// Every string in `value` in NFC.
fn compose_strings(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(text) if !is_nfc_quick(text) => {
            *text = text.nfc().collect();
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(compose_strings),
        serde_json::Value::Object(map) => map.values_mut().for_each(compose_strings),
        _ => {}
    }
}

fn from_json_error(path: String, error: serde_json::Error) -> ParseError {
    let message = error.to_string();
    // serde_json appends " at line L column C"; the line and column are kept separately.
    let message = match message.rfind(" at line ") {
        Some(cut) => message[..cut].to_string(),
        None => message,
    };
    ParseError {
        path,
        line: error.line(),
        column: error.column(),
        message,
    }
}
