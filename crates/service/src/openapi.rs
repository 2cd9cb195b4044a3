//! The OpenAPI 3.1 description of the service (`GET /v1/openapi.json`). Its schemas are
//! generated from the types the service answers with, so the document cannot drift from the
//! answers; the verdict's is the one committed as `schemas/verdict.schema.json`.

use goodstanding_verifier::Verdict;
use schemars::generate::SchemaSettings;
use serde_json::{Value, json};

use crate::api::{ApiError, BatchAnswer, Health, TrustStatus};
use crate::check::ACCEPTED_TYPES;

/// The OpenAPI document, as JSON text.
pub fn document() -> String {
    serde_json::to_string_pretty(&value()).unwrap_or_default()
}

/// The OpenAPI document.
pub fn value() -> Value {
    let mut settings = SchemaSettings::draft2020_12().for_serialize();
    settings.definitions_path = "/components/schemas".into();
    let mut generator = settings.into_generator();
    let verdict = generator.subschema_for::<Verdict<'static>>();
    let error = generator.subschema_for::<ApiError>();
    let batch = generator.subschema_for::<BatchAnswer>();
    let trust = generator.subschema_for::<TrustStatus>();
    let health = generator.subschema_for::<Health>();
    let schemas = generator.take_definitions(true);

    let at = json!({
        "name": "at",
        "in": "query",
        "required": false,
        "description": "Verify as at this time instead of now, as `goodstanding verify --at`: a \
                        date (2026-12-02) or a UTC timestamp (2026-12-02T10:00:00Z).",
        "schema": {"type": "string"}
    });
    let errors = |codes: &[&str]| -> Value {
        codes
            .iter()
            .map(|code| {
                (
                    (*code).to_string(),
                    json!({"$ref": "#/components/responses/Error"}),
                )
            })
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let with_errors = |ok: Value, codes: &[&str]| -> Value {
        let mut responses = errors(codes);
        if let Some(map) = responses.as_object_mut() {
            map.insert("200".into(), ok);
        }
        responses
    };
    let json_answer = |description: &str, schema: &Value| {
        json!({
            "description": description,
            "content": {"application/json": {"schema": schema}}
        })
    };
    let limits = ["408", "413", "503", "500"];
    let verify_errors = [&["400", "415", "422"][..], &limits[..]].concat();

    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "goodstanding verification service",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "Verify certificates of good standing offline, from an HR or applicant-tracking system.",
            "description": "Started with `goodstanding serve --trust DIR`. Every verdict rests on \
                            the trust folder's lists (see GET /v1/trust). Nothing received is \
                            stored or logged. Each request is limited in body size (413), \
                            image pixels (413), time (408) and requests at once (503); every \
                            error is a JSON object with a code, a message and the limit.",
            "license": {"name": "MIT OR Apache-2.0", "identifier": "MIT OR Apache-2.0"}
        },
        "paths": {
            "/v1/verify": {"post": {
                "operationId": "verify",
                "summary": "Verify one certificate in any carrier",
                "description": format!(
                    "The body is a certificate PDF, a photo or scan of its QR code (PNG, JPEG), \
                     a .jws file, or the QR text. Its Content-Type says which (one of \
                     {ACCEPTED_TYPES}); with none, application/octet-stream or \
                     application/x-www-form-urlencoded (what curl --data-binary sends unless \
                     told), it is told apart by its first bytes. The answer is 200 with a verdict, valid or not, \
                     the same as `goodstanding verify --json`; a body that holds no readable \
                     certificate is 422."
                ),
                "parameters": [at],
                "requestBody": {
                    "required": true,
                    "content": {
                        "application/pdf": {},
                        "image/png": {},
                        "image/jpeg": {},
                        "application/jose": {"schema": {"type": "string"}},
                        "text/plain": {"schema": {"type": "string"}},
                        "application/octet-stream": {},
                        "application/x-www-form-urlencoded": {}
                    }
                },
                "responses": with_errors(
                    json_answer("The verdict, valid or not.", &verdict.to_value()),
                    &verify_errors,
                )
            }},
            "/v1/verify/batch": {"post": {
                "operationId": "verifyBatch",
                "summary": "Verify several certificates, one verdict each, in order",
                "description": "A multipart/form-data body, one part per certificate, each with \
                                its own Content-Type as for /v1/verify (or none, to be told \
                                apart by its first bytes). Part names are not used. A part that \
                                holds no readable certificate gets an error in its place; the \
                                others still get their verdicts.",
                "parameters": [at],
                "requestBody": {
                    "required": true,
                    "content": {"multipart/form-data": {"schema": {
                        "type": "object",
                        "additionalProperties": {}
                    }}}
                },
                "responses": with_errors(
                    json_answer("One result per part, in the order sent.", &batch.to_value()),
                    &verify_errors,
                )
            }},
            "/v1/trust": {"get": {
                "operationId": "trust",
                "summary": "The lists the service holds, their numbers, signing times and ages",
                "responses": with_errors(
                    json_answer("What the verdicts rest on now.", &trust.to_value()),
                    &limits,
                )
            }},
            "/v1/health": {"get": {
                "operationId": "health",
                "summary": "Whether the service answers",
                "responses": with_errors(
                    json_answer("The service answers.", &health.to_value()),
                    &limits,
                )
            }},
            "/v1/openapi.json": {"get": {
                "operationId": "openapi",
                "summary": "This document",
                "responses": with_errors(
                    json_answer("The OpenAPI 3.1 document.", &json!({"type": "object"})),
                    &limits,
                )
            }}
        },
        "components": {
            "schemas": schemas,
            "responses": {
                "Error": {
                    "description": "No verdict: the error names the problem, and the limit \
                                    when one was exceeded.",
                    "content": {"application/json": {"schema": error.to_value()}}
                }
            }
        }
    })
}
