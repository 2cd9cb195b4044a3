//! The committed JSON Schemas are exactly the ones generated from the Rust types, every example
//! validates against them, and schema and parser agree on what they refuse.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use common::{schema_errors as errors, schema_validator as validator};
use goodstanding_issuer::CertificateRequest;
use serde_json::Value;

fn committed(name: &str) -> String {
    let path = common::repo().join("schemas").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn committed_schemas_are_generated_from_the_types() {
    for (name, generated) in goodstanding_issuer::schema::all() {
        assert!(
            committed(name) == generated,
            "schemas/{name} differs from the Rust types; run `goodstanding schema --out schemas`"
        );
        let schema: Value = serde_json::from_str(&generated).unwrap();
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
    }
}

#[test]
fn every_example_request_validates_against_the_request_schema() {
    let validator = validator("certificate-request.schema.json");
    for (name, text) in common::json_files("examples/requests") {
        let instance: Value = serde_json::from_str(&text).unwrap();
        let errors = errors(&validator, &instance);
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
}

#[test]
fn every_issued_payload_validates_against_the_certificate_schema() {
    let validator = validator("certificate.schema.json");
    let (key, _) = common::key_and_trust("schema-test");
    for (name, request) in common::examples() {
        let issued = common::issue_example(&request, &key);
        let payload: Value = serde_json::from_slice(issued.signed.payload()).unwrap();
        let errors = errors(&validator, &payload);
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
}

#[test]
fn schema_and_parser_refuse_the_same_malformed_requests() {
    let validator = validator("certificate-request.schema.json");
    for (name, text) in common::json_files("tests/rejects") {
        let Ok(instance) = serde_json::from_str::<Value>(&text) else {
            // Not JSON at all: no schema can judge it; the parser must refuse it.
            assert!(CertificateRequest::from_json(&text).is_err(), "{name}");
            continue;
        };
        let parser_refuses = CertificateRequest::from_json(&text).is_err();
        let schema_refuses = !validator.is_valid(&instance);
        // Domain rules (dates in order, not upheld, ...) are beyond a schema: those requests are
        // well-formed. Malformed ones must be refused by both.
        assert_eq!(
            parser_refuses,
            schema_refuses,
            "{name}: parser refuses = {parser_refuses}, schema refuses = {schema_refuses} ({:?})",
            errors(&validator, &instance)
        );
    }
}

#[test]
fn the_qr_dictionary_holds_every_key_and_coded_value_of_the_certificate() {
    let dictionary = std::str::from_utf8(goodstanding_verifier::carrier::QR_DICTIONARY).unwrap();
    let schema: Value = serde_json::from_str(&committed("certificate.schema.json")).unwrap();
    let (mut keys, mut codes) = (Vec::new(), Vec::new());
    fn walk(v: &Value, keys: &mut Vec<String>, codes: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("properties", Value::Object(p)) => keys.extend(p.keys().cloned()),
                        ("const", Value::String(c)) => codes.push(c.clone()),
                        ("enum", Value::Array(e)) => {
                            codes.extend(e.iter().filter_map(|c| c.as_str().map(String::from)))
                        }
                        _ => {}
                    }
                    walk(v, keys, codes);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, keys, codes)),
            _ => {}
        }
    }
    walk(&schema, &mut keys, &mut codes);
    assert!(
        keys.len() > 30 && codes.len() > 30,
        "{} keys, {} codes",
        keys.len(),
        codes.len()
    );
    // A new key or code in schema version 1 would compress worse, and changing the dictionary
    // would break every QR text already issued: a new field means a new format prefix.
    for key in keys {
        assert!(
            dictionary.contains(&format!("\"{key}\":")),
            "key {key} not in the dictionary"
        );
    }
    for code in codes {
        assert!(
            dictionary.contains(&format!("\"{code}\"")),
            "code {code} not in the dictionary"
        );
    }
}
