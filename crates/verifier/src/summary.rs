//! Each record in words, for whatever shows a certificate to a person (the command line, the
//! PDF, a web page): the same wording everywhere, built from the coded values.

use crate::model::{AppealStatus, Certificate, Conviction, Departure, Finding, InvestigationState};
use crate::text::RecordId;
use crate::time::{Date, Timestamp};

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
    /// Who decided, their reference, and the record's id if it has one.
    pub who: String,
    /// The record's stable id (schema version 2), the same on every certificate of the subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// What: type, outcome, sanction or disposal, and appeal status.
    pub what: String,
    /// Whether an appeal is pending (to be flagged).
    pub appeal_pending: bool,
}

/// The three record lists of a certificate, with their headings, as read on `today` (a sanction
/// whose expiry date has passed says "expired").
pub fn sections(c: &Certificate, today: Date) -> [(&'static str, Vec<RecordSummary>); 3] {
    [
        (
            "Disciplinary findings",
            c.findings.iter().map(|f| finding(f, today)).collect(),
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

/// `who`, with "; record ID" after it when the record has an id.
fn with_id(who: String, id: Option<&RecordId>) -> String {
    match id {
        Some(id) => format!("{who}; record {id}"),
        None => who,
    }
}

/// A disciplinary finding in words, as read on `today`.
pub fn finding(f: &Finding, today: Date) -> RecordSummary {
    let expires = match f.sanction_expires {
        Some(d) if d <= today => format!(" (expired on {d})"),
        Some(d) => format!(" (expires on {d})"),
        None => String::new(),
    };
    RecordSummary {
        when: f.decision_date.to_string(),
        who: with_id(
            format!("{} ({}), ref {}", f.body, f.body_type.label(), f.reference),
            f.id.as_ref(),
        ),
        id: f.id.as_ref().map(ToString::to_string),
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
        who: with_id(format!("{}, ref {}", c.body, c.reference), c.id.as_ref()),
        id: c.id.as_ref().map(ToString::to_string),
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
        who: with_id(
            format!("{}, {}, ref {}", d.role, d.employer, d.reference),
            d.id.as_ref(),
        ),
        id: d.id.as_ref().map(ToString::to_string),
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

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date in words, such as `15 July 2026`.
pub fn date_in_words(date: Date) -> String {
    let (year, month, day) = date.ymd();
    let name = MONTHS.get(month as usize - 1).copied().unwrap_or("?");
    format!("{day} {name} {year}")
}

/// The last Sunday of `month` in `year`.
fn last_sunday(year: i64, month: u32) -> Option<Date> {
    let first_of_next = if month == 12 {
        Date::from_ymd(year + 1, 1, 1)
    } else {
        Date::from_ymd(year, month + 1, 1)
    }?;
    let last = first_of_next.plus_days(-1)?;
    // 1970-01-01 was a Thursday: (days + 4) mod 7 is the weekday with Sunday as 0.
    let weekday = (last.days_since_epoch() + 4).rem_euclid(7);
    last.plus_days(-weekday)
}

/// An instant in UK time in words, such as `21 February 2027 at 12:00 GMT` or
/// `15 July 2026 at 13:00 BST` (British Summer Time runs from 01:00 UTC on the last Sunday of
/// March to 01:00 UTC on the last Sunday of October).
pub fn uk_time_in_words(at: Timestamp) -> String {
    let (year, _, _) = at.date().ymd();
    let summer = match (last_sunday(year, 3), last_sunday(year, 10)) {
        (Some(start), Some(end)) => {
            let one_am = 3600;
            at.unix() >= start.start().unix() + one_am && at.unix() < end.start().unix() + one_am
        }
        _ => false,
    };
    let (local, zone) = if summer {
        (Timestamp::from_unix(at.unix() + 3600).unwrap_or(at), "BST")
    } else {
        (at, "GMT")
    };
    let seconds = local.unix().rem_euclid(86_400);
    format!(
        "{} at {:02}:{:02} {zone}",
        date_in_words(local.date()),
        seconds / 3600,
        seconds % 3600 / 60
    )
}

/// What a certificate covers and what "None recorded" means, for the page and the verifiers
/// (rule 12): one paragraph per point.
pub fn coverage(c: &Certificate) -> Vec<String> {
    let as_at = date_in_words(c.information_as_at);
    let level = match c.disclosure_level {
        Some(level) => format!("{} disclosure", level.as_code()),
        None => "disclosure as before levels (version 1)".into(),
    };
    let spent = if c.disclosure_level == Some(crate::model::DisclosureLevel::Basic) {
        ", spent ones"
    } else {
        ""
    };
    vec![
        format!(
            "The issuing body's records as at {as_at}, for {level}. Findings: upheld or partly \
             upheld only. Convictions and cautions (England and Wales): computed under the \
             Rehabilitation of Offenders Act 1974 and the DBS filtering rules; protected ones, \
             youth cautions, reprimands and warnings{spent} are never shown. Departures: any \
             while an investigation was under way, whatever a settlement says."
        ),
        "\"None recorded\": nothing the law lets the issuing body show. Registration numbers \
         were checked for format only."
            .into(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> String {
        uk_time_in_words(Timestamp::parse(text).unwrap())
    }

    #[test]
    fn uk_time_is_gmt_in_winter_and_bst_in_summer_switching_at_one_utc() {
        assert_eq!(
            words("2027-02-21T12:00:00Z"),
            "21 February 2027 at 12:00 GMT"
        );
        assert_eq!(words("2026-07-15T12:00:00Z"), "15 July 2026 at 13:00 BST");
        // 2026: summer time from Sunday 29 March to Sunday 25 October, 01:00 UTC.
        assert_eq!(words("2026-03-29T00:59:00Z"), "29 March 2026 at 00:59 GMT");
        assert_eq!(words("2026-03-29T01:00:00Z"), "29 March 2026 at 02:00 BST");
        assert_eq!(
            words("2026-10-25T00:59:00Z"),
            "25 October 2026 at 01:59 BST"
        );
        assert_eq!(
            words("2026-10-25T01:00:00Z"),
            "25 October 2026 at 01:00 GMT"
        );
        assert_eq!(
            words("2026-12-31T23:30:00Z"),
            "31 December 2026 at 23:30 GMT"
        );
        assert_eq!(words("2026-06-30T23:30:00Z"), "1 July 2026 at 00:30 BST");
    }
}
