//! One refused request per rule (files under tests/rejects/, each with the message fragments it
//! must produce in a `.expect` file beside it), and every example accepted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use goodstanding_issuer::{CertificateRequest, IssueError, issue, validate};

#[test]
fn every_example_request_keeps_every_rule() {
    for (name, request) in common::examples() {
        if let Err(v) = validate(&request, common::issued_at()) {
            panic!("example {name} was refused:\n{v}");
        }
    }
}

#[test]
fn every_rejected_request_is_refused_with_its_field_and_rule() {
    let rejects = common::json_files("tests/rejects");
    assert!(
        rejects.len() >= 10,
        "expected a refused request per rule, found {}",
        rejects.len()
    );
    for (name, text) in rejects {
        let expect_path = common::repo().join(format!("tests/rejects/{name}.expect"));
        let expected = std::fs::read_to_string(&expect_path)
            .unwrap_or_else(|e| panic!("{}: {e}", expect_path.display()));
        let message = match CertificateRequest::from_json(&text) {
            Err(parse) => parse.to_string(),
            Ok(request) => {
                let (key, _) = common::key_and_trust("rules-test");
                match issue(&request, &key, common::issued_at()) {
                    Err(IssueError::Invalid(violations)) => violations.to_string(),
                    Err(other) => other.to_string(),
                    Ok(_) => panic!("{name}: the request was accepted but must be refused"),
                }
            }
        };
        // The first line (`exit: N`) is the command's exit status, checked by tests/e2e.rs.
        for fragment in expected
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with("exit: "))
        {
            assert!(
                message.contains(fragment),
                "{name}: message lacks {fragment:?}; it was:\n{message}"
            );
        }
    }
}

#[test]
fn all_violations_of_a_request_are_reported_together() {
    let (_, text) = common::json_files("examples/requests")
        .into_iter()
        .find(|(n, _)| n == "several-records")
        .unwrap();
    let text = text
        .replacen("\"outcome\": \"upheld\"", "\"outcome\": \"not_upheld\"", 1)
        .replacen(
            "\"jurisdiction\": \"england_wales\"",
            "\"jurisdiction\": \"scotland\"",
            1,
        );
    let request = CertificateRequest::from_json(&text).unwrap();
    let violations = validate(&request, common::issued_at()).unwrap_err();
    let fields: Vec<_> = violations.0.iter().map(|v| v.field.as_str()).collect();
    assert_eq!(
        fields,
        ["findings[0].outcome", "convictions[0].jurisdiction"]
    );
}

#[test]
fn default_validity_is_90_days_from_issue() {
    let (_, request) = common::examples().remove(0);
    let valid = validate(&request, common::issued_at()).unwrap();
    assert_eq!(valid.valid_from, common::issued_at());
    assert_eq!(valid.valid_until.to_string(), "2027-02-21T12:00:00Z");
}

/// Rule 10: a name spelt with combining characters (NFD) gives the same certificate as the
/// composed spelling (NFC), and a decomposed escape that survives parsing is refused.
#[test]
fn decomposed_and_composed_spellings_of_a_name_are_one_name() {
    let (_, text) = common::json_files("examples/requests")
        .into_iter()
        .find(|(n, _)| n == "clean-record")
        .unwrap();
    assert!(text.contains("Zoë Ní Bhriain"));
    let decomposed = text.replace("Zoë Ní Bhriain", "Zoe\u{308} Ni\u{301} Bhriain");
    let composed = CertificateRequest::from_json(&text).unwrap();
    let from_decomposed = CertificateRequest::from_json(&decomposed).unwrap();
    assert_eq!(from_decomposed, composed);
    let escaped = text.replace("Zoë Ní Bhriain", "Zoe\\u0308 Ni Bhriain");
    let request = CertificateRequest::from_json(&escaped).unwrap();
    let violations = validate(&request, common::issued_at()).unwrap_err();
    assert_eq!(violations.0[0].field, "subject.full_name");
    assert!(violations.to_string().contains("NFC"), "{violations}");
}
