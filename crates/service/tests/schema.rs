//! The verdict's committed JSON Schema is the one generated from the type, and the OpenAPI
//! document carries the same schema.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

fn committed() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas/verdict.schema.json");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_committed_verdict_schema_is_generated_from_the_type() {
    assert_eq!(
        committed(),
        goodstanding_verifier::verdict::schema(),
        "schemas/verdict.schema.json is out of date: run `goodstanding schema --out schemas`"
    );
}

#[test]
fn the_openapi_document_describes_the_verdict_with_the_committed_schema() {
    let committed: serde_json::Value =
        serde_json::from_str(&committed().replace("#/$defs/", "#/components/schemas/")).unwrap();
    let openapi = goodstanding_service::openapi::value();
    let verdict = &openapi["components"]["schemas"]["Verdict"];
    assert_eq!(committed["properties"], verdict["properties"]);
    assert_eq!(committed["required"], verdict["required"]);
    for (name, schema) in committed["$defs"].as_object().unwrap() {
        assert_eq!(&openapi["components"]["schemas"][name], schema, "{name}");
    }
}
