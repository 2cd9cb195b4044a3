//! Each record in words, for whatever shows a certificate to a person (the command line, the
//! PDF, a web page): the same wording everywhere, built from the coded values.

use crate::model::{AppealStatus, Certificate, Conviction, Departure, Finding, InvestigationState};

/// The words that mark a draft: printed on every page of one, and its PDF's Info subject,
/// where a verifier recognises it. A draft is shown to the person a certificate names before it
/// is signed.
pub const DRAFT_MARK: &str = "DRAFT: not a certificate, not signed";

/// One record as text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RecordSummary {
    /// When: the decision date, or the dates in post.
    pub when: String,
    /// Who decided, and their reference.
    pub who: String,
    /// What: type, outcome, sanction or disposal, and appeal status.
    pub what: String,
    /// Whether an appeal is pending (to be flagged).
    pub appeal_pending: bool,
}

/// The three record lists of a certificate, with their headings.
pub fn sections(c: &Certificate) -> [(&'static str, Vec<RecordSummary>); 3] {
    [
        (
            "Disciplinary findings",
            c.findings.iter().map(finding).collect(),
        ),
        (
            "Convictions and cautions",
            c.convictions.iter().map(conviction).collect(),
        ),
        (
            "Departures during an investigation",
            c.departures.iter().map(departure).collect(),
        ),
    ]
}

fn appeal(a: AppealStatus) -> &'static str {
    a.label()
}

/// A disciplinary finding in words.
pub fn finding(f: &Finding) -> RecordSummary {
    let expires = f
        .sanction_expires
        .map(|d| format!(" (expires {d})"))
        .unwrap_or_default();
    RecordSummary {
        when: f.decision_date.to_string(),
        who: format!("{} ({}), ref {}", f.body, f.body_type.label(), f.reference),
        what: format!(
            "{}: {}, {}; sanction: {}{expires}; {}",
            f.investigation.label(),
            f.category.label(),
            f.outcome.label(),
            f.sanction.label(),
            appeal(f.appeal)
        ),
        appeal_pending: f.appeal == AppealStatus::Pending,
    }
}

/// A conviction or caution in words.
pub fn conviction(c: &Conviction) -> RecordSummary {
    let code = c
        .offence_code
        .as_ref()
        .map(|k| format!(" [{k}]"))
        .unwrap_or_default();
    let months = c
        .custody_months
        .map(|m| format!(", {m} months"))
        .unwrap_or_default();
    RecordSummary {
        when: c.decision_date.to_string(),
        who: format!("{}, ref {}", c.body, c.reference),
        what: format!(
            "{}{code}, offence {}; {}{months}; {}; {}",
            c.offence,
            c.offence_date,
            c.disposal.label(),
            c.disclosure.label(),
            appeal(c.appeal)
        ),
        appeal_pending: c.appeal == AppealStatus::Pending,
    }
}

/// A departure during an investigation in words.
pub fn departure(d: &Departure) -> RecordSummary {
    let i = &d.investigation;
    let state = match (i.state, i.outcome) {
        (InvestigationState::Concluded, Some(o)) => format!("concluded: {}", o.label()),
        (state, _) => state.label().into(),
    };
    let settlement = if d.settlement_agreement {
        "; a settlement agreement exists"
    } else {
        ""
    };
    RecordSummary {
        when: format!("{} to {}", d.started, d.ended),
        who: format!("{}, {}, ref {}", d.role, d.employer, d.reference),
        what: format!(
            "{}; investigation of {} by {}, opened {}, {state}{settlement}; {}",
            d.how_left.label(),
            i.kind.label(),
            i.body,
            i.opened,
            appeal(d.appeal)
        ),
        appeal_pending: d.appeal == AppealStatus::Pending,
    }
}

/// Every text value of a certificate with its field path (such as `subject.full_name` or
/// `findings[0].body`), in document order.
pub fn text_fields(c: &Certificate) -> Vec<(String, String)> {
    fn walk(value: &serde_json::Value, path: &str, out: &mut Vec<(String, String)>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, v) in map {
                    let sep = if path.is_empty() { "" } else { "." };
                    walk(v, &format!("{path}{sep}{key}"), out);
                }
            }
            serde_json::Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, &format!("{path}[{i}]"), out);
                }
            }
            serde_json::Value::String(text) => out.push((path.to_string(), text.clone())),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(value) = serde_json::to_value(c) {
        walk(&value, "", &mut out);
    }
    out
}
