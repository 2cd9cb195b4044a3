//! Synthetic requests for benchmarks and tests: made-up managers with names in several European
//! scripts, half with no records and half with one to four, every one valid under the rules.
//! Deterministic: the same number gives the same request.

use goodstanding_verifier::Date;
use serde_json::{Value, json};

const GIVEN: [&str; 12] = [
    "Zoë", "José", "Łukasz", "Siobhán", "Amélie", "Søren", "Ştefan", "Anaïs", "Jürgen", "Dagný",
    "Margaret", "Kwame",
];
const FAMILY: [&str; 12] = [
    "Müller",
    "Dvořák",
    "Ó Briain",
    "Çelik",
    "Lefèvre-Ødegård",
    "Żółć",
    "García Núñez",
    "Smith",
    "Þórsdóttir",
    "Kowalczyk",
    "Mensah",
    "O'Neill",
];

/// splitmix64: small, fast, good enough to vary test data.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// `date` (YYYY-MM-DD, never 29 February) moved back `years` years.
fn years_back(date: &str, years: i64) -> String {
    let year: i64 = date[..4].parse().unwrap_or(2020);
    format!("{}{}", year - years, &date[4..])
}

/// The record templates: every date at least a year before 2025-11-01, so that a shift of one
/// or more years keeps each before any information date from 2025-11-01 on.
fn record(kind: u64, id: &str, shift: i64) -> (&'static str, Value) {
    let n = id;
    let d = |date: &str| years_back(date, shift);
    match kind % 6 {
        0 => (
            "findings",
            json!({
                "body": "Northshire Hospitals NHS Foundation Trust", "body_type": "employer",
                "decision_date": d("2024-06-30"), "reference": format!("HR-{n}"),
                "investigation": "bullying_harassment", "category": "misconduct",
                "outcome": "upheld", "sanction": "final_written_warning",
                "sanction_expires": d("2025-12-30"), "appeal": "dismissed"
            }),
        ),
        1 => (
            "findings",
            json!({
                "body": "Health and Care Professions Council", "body_type": "regulator",
                "decision_date": d("2025-02-11"), "reference": format!("FTP-{n}"),
                "investigation": "duty_of_candour", "category": "serious_mismanagement",
                "outcome": "partially_upheld", "sanction": "none", "appeal": "pending"
            }),
        ),
        2 => (
            "convictions",
            json!({
                "body": "Westminster Magistrates' Court", "offence": "Driving with excess alcohol",
                "offence_code": "RT88337", "offence_date": d("2022-12-20"),
                "decision_date": d("2023-01-17"), "jurisdiction": "england_wales",
                "sentences": [{"type": "fine"}], "specified_offence": false,
                "schedule_18": false, "summary_only": true, "appeal": "none",
                "reference": format!("MC-{n}")
            }),
        ),
        3 => (
            "convictions",
            json!({
                "body": "Crown Court at Southwark", "offence": "Fraud by abuse of position",
                "offence_date": d("2019-04-01"), "decision_date": d("2021-05-09"),
                "jurisdiction": "england_wales",
                "sentences": [{"type": "suspended_sentence", "months": 18}],
                "specified_offence": false, "schedule_18": false,
                "appeal": "dismissed", "reference": format!("T{n}")
            }),
        ),
        4 => (
            "departures",
            json!({
                "employer": "Eastvale Community Health Services", "role": "Chief Operating Officer",
                "started": d("2020-09-01"), "ended": d("2022-03-31"), "how_left": "resigned",
                "investigation": {
                    "type": "financial_irregularity", "body": "Eastvale Community Health Services",
                    "opened": d("2022-01-14"), "state": "discontinued_on_departure"
                },
                "settlement_agreement": true, "appeal": "none", "reference": format!("ECHS-{n}")
            }),
        ),
        _ => (
            "departures",
            json!({
                "employer": "Riverside Integrated Care Board", "role": "Chief Medical Officer",
                "started": d("2021-01-04"), "ended": d("2024-09-30"),
                "how_left": "mutual_agreement",
                "investigation": {
                    "type": "conduct", "body": "Riverside Integrated Care Board",
                    "opened": d("2024-06-02"), "state": "ongoing"
                },
                "settlement_agreement": false, "appeal": "none", "reference": format!("RICB-{n}")
            }),
        ),
    }
}

/// Synthetic request number `n`, with information as at `information_as_at` (which must be on
/// or after 2025-11-01). Even numbers have no records; odd numbers have one to four.
pub fn request(n: u64, information_as_at: Date) -> Value {
    let r = mix(n);
    let name = format!(
        "{} {}",
        GIVEN[(r % 12) as usize],
        FAMILY[((r >> 8) % 12) as usize]
    );
    let (year, month, day) = (
        1958 + (r >> 16) % 30,
        1 + (r >> 24) % 12,
        1 + (r >> 32) % 28,
    );
    let mut lists = [Vec::new(), Vec::new(), Vec::new()];
    if n % 2 == 1 {
        let count = 1 + (r >> 40) % 4;
        for i in 0..count {
            let pick = mix(r ^ i);
            let (list, value) = record(pick, &format!("{n}-{i}"), 1 + (pick >> 8) as i64 % 5);
            let index = match list {
                "findings" => 0,
                "convictions" => 1,
                _ => 2,
            };
            lists[index].push(value);
        }
    }
    let [findings, convictions, departures] = lists;
    json!({
        "issuer": "Synthetic Issuing Body (test data)",
        "disclosure_level": "standard",
        "information_as_at": information_as_at.to_string(),
        "subject": {
            "full_name": name,
            "previous_names": [],
            "date_of_birth": format!("{year}-{month:02}-{day:02}"),
            "reference": format!("SYN-{n:07}"),
            "registrations": [{"regulator": "GMC", "number": format!("{}", 7_000_000 + n % 1_000_000)}]
        },
        "findings": findings,
        "convictions": convictions,
        "departures": departures,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::CertificateRequest;
    use crate::validate::validate;
    use goodstanding_verifier::Timestamp;

    #[test]
    fn synthetic_requests_keep_every_rule_and_half_have_records() {
        let now = Timestamp::parse("2026-11-23T09:00:00Z").unwrap();
        let mut with_records = 0;
        for n in 0..400 {
            let request: CertificateRequest =
                CertificateRequest::from_value(request(n, now.date())).unwrap();
            validate(&request, now).unwrap_or_else(|v| panic!("request {n}: {v}"));
            let records =
                request.findings.len() + request.convictions.len() + request.departures.len();
            assert!(records <= 4);
            if records > 0 {
                with_records += 1;
            }
        }
        assert_eq!(with_records, 200);
    }
}
