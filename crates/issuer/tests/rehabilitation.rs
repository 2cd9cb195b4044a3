//! The law table: every case in `tests/data/rehabilitation-cases.jsonl` (each with the source it
//! comes from) computed by `goodstanding_issuer::rehabilitation` and compared field by field.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use goodstanding_issuer::rehabilitation::{ConvictionFacts, Sentence, assess};
use goodstanding_verifier::Date;
use goodstanding_verifier::model::DisclosureLevel;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    case: String,
    source: String,
    born: Date,
    level: DisclosureLevel,
    on: Date,
    records: Vec<Record>,
    expect: Vec<Expected>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    date: Date,
    sentences: Vec<Sentence>,
    #[serde(default)]
    specified: bool,
    #[serde(default)]
    schedule_18: bool,
    #[serde(default)]
    summary_only: bool,
}

/// `spent_on` / `protected_on`: absent, not checked; `null`, never; a date, that day.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    status: String,
    #[serde(default, deserialize_with = "present")]
    spent_on: Option<Option<Date>>,
    #[serde(default, deserialize_with = "present")]
    protected_on: Option<Option<Date>>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<Date>>, D::Error> {
    Option::<Date>::deserialize(d).map(Some)
}

fn cases() -> Vec<Case> {
    let text = include_str!("data/rehabilitation-cases.jsonl");
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("case on line {}: {e}", n + 1))
        })
        .collect()
}

#[test]
fn every_case_in_the_table_is_computed_as_its_source_says() {
    let cases = cases();
    assert!(cases.len() >= 50, "the table has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        assert!(!case.source.is_empty(), "{}: no source", case.case);
        assert_eq!(case.records.len(), case.expect.len(), "{}", case.case);
        let facts: Vec<ConvictionFacts<'_>> = case
            .records
            .iter()
            .map(|r| ConvictionFacts {
                decision_date: r.date,
                sentences: &r.sentences,
                specified_offence: r.specified,
                schedule_18: r.schedule_18,
                summary_only: r.summary_only,
            })
            .collect();
        let results = assess(case.born, &facts, case.level, case.on);
        for (i, (result, expected)) in results.iter().zip(&case.expect).enumerate() {
            let got = match result {
                Ok(a) => a,
                Err(e) => {
                    failures.push(format!("{} [record {i}]: {e:?}", case.case));
                    continue;
                }
            };
            let mut wrong = Vec::new();
            if got.status.as_code() != expected.status {
                wrong.push(format!(
                    "status {} (expected {})",
                    got.status.as_code(),
                    expected.status
                ));
            }
            if let Some(spent) = expected.spent_on
                && spent != got.spent_on
            {
                wrong.push(format!("spent_on {:?} (expected {spent:?})", got.spent_on));
            }
            if let Some(protected) = expected.protected_on
                && protected != got.protected_on
            {
                wrong.push(format!(
                    "protected_on {:?} (expected {protected:?})",
                    got.protected_on
                ));
            }
            if !wrong.is_empty() {
                failures.push(format!("{} [record {i}]: {}", case.case, wrong.join(", ")));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_table_covers_every_kind_of_sentence_and_every_level() {
    let cases = cases();
    let text = include_str!("data/rehabilitation-cases.jsonl");
    for kind in [
        "custody",
        "suspended_sentence",
        "preventive_sentence",
        "community_order",
        "youth_order",
        "fine",
        "absolute_discharge",
        "conditional_discharge",
        "driving_disqualification",
        "licence_endorsement",
        "compensation_order",
        "simple_caution",
        "conditional_caution",
        "youth_caution",
        "youth_conditional_caution",
        "reprimand",
        "final_warning",
    ] {
        assert!(
            text.contains(&format!("\"type\": \"{kind}\"")),
            "no case for {kind}"
        );
    }
    for level in [
        DisclosureLevel::Basic,
        DisclosureLevel::Standard,
        DisclosureLevel::Enhanced,
    ] {
        assert!(
            cases.iter().any(|c| c.level == level),
            "no case at {level:?}"
        );
    }
}
