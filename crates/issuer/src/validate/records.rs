//! Rule 1, each record and registration once: the same record (body, date, reference) never
//! twice, registrations in their regulator's format and never twice, record ids unique.

use goodstanding_verifier::{Date, RecordId};

use super::{Checker, Notice, Rule};
use crate::request::CertificateRequest;

/// What makes a record the same record: body, date and reference.
type RecordKey = (String, Date, String);

/// Rule 1: the same record (same body, date and reference) is never listed twice; the same
/// reference on different records is told to the operator; every registration is in its
/// regulator's format (format only), and none is listed twice.
pub(super) fn check_records(c: &mut Checker, request: &CertificateRequest) {
    let keys: [(&str, Vec<RecordKey>); 3] = [
        (
            "findings",
            request
                .findings
                .iter()
                .map(|r| (r.body.to_string(), r.decision_date, r.reference.to_string()))
                .collect(),
        ),
        (
            "convictions",
            request
                .convictions
                .iter()
                .map(|r| (r.body.to_string(), r.decision_date, r.reference.to_string()))
                .collect(),
        ),
        (
            "departures",
            request
                .departures
                .iter()
                .map(|r| (r.employer.to_string(), r.ended, r.reference.to_string()))
                .collect(),
        ),
    ];
    for (list, records) in &keys {
        for (i, record) in records.iter().enumerate() {
            let earlier = records[..i].iter().position(|r| r == record);
            if let Some(first) = earlier {
                c.fail(
                    format!("{list}[{i}]"),
                    Rule::Records,
                    format!(
                        "is the same record as {list}[{first}] (same body, date and reference); \
                         list it once"
                    ),
                );
            } else if let Some(first) = records[..i].iter().position(|r| r.2 == record.2) {
                c.notices.push(Notice {
                    field: format!("{list}[{i}].reference"),
                    message: format!(
                        "the same reference as {list}[{first}], on another record: check that \
                         both are right"
                    ),
                });
            }
        }
    }
    let registrations = &request.subject.registrations;
    for (i, r) in registrations.iter().enumerate() {
        let field = format!("subject.registrations[{i}]");
        if let Err(problem) = crate::registration::check(r.regulator.as_str(), r.number.as_str()) {
            c.fail(
                format!("{field}.number"),
                Rule::Records,
                problem.to_string(),
            );
        }
        let same = |other: &goodstanding_verifier::model::Registration| {
            other
                .regulator
                .as_str()
                .eq_ignore_ascii_case(r.regulator.as_str())
                && other.number == r.number
        };
        if let Some(first) = registrations[..i].iter().position(same) {
            c.fail(
                field,
                Rule::Records,
                format!("is the same registration as subject.registrations[{first}]; list it once"),
            );
        }
    }
}

/// Rule 1: every record has its own id. Different records whose derived ids collide (odds about
/// 1 in 10^12 a pair; the same record twice is refused by [`check_records`]) would make a
/// certificate every verifier refuses.
pub(super) fn check_record_ids<'a>(c: &mut Checker, ids: impl IntoIterator<Item = &'a RecordId>) {
    if !c.found.is_empty() {
        return;
    }
    if let Some(id) = goodstanding_verifier::model::first_shared_id(ids) {
        c.fail(
            "findings, convictions, departures",
            Rule::Records,
            format!(
                "two different records would both have the id {id}; change one record's \
                 reference (such as a suffix) and issue again"
            ),
        );
    }
}
