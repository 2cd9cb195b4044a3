//! JSON Schema (2020-12) text of a type (feature `schema`): the one way every committed schema
//! under `schemas/` is written, so that they share their `$id` base and layout.

use schemars::generate::SchemaSettings;

/// Base of the schemas' `$id`.
pub const ID_BASE: &str = "https://goodstanding.invalid/schemas/";

/// The schema of a document `T` that is read (a request, a certificate, a list): fields that
/// may be left out when writing one are optional. Pretty JSON with a final newline, `$id`
/// `<ID_BASE><name>.schema.json` and `title`.
pub fn render<T: schemars::JsonSchema>(name: &str, title: &str) -> String {
    finish(
        SchemaSettings::draft2020_12()
            .into_generator()
            .into_root_schema_for::<T>(),
        name,
        title,
    )
}

/// The schema of a document `T` that goodstanding writes (a verdict): what is always written is
/// required, so a reader may rely on it.
pub fn render_output<T: schemars::JsonSchema>(name: &str, title: &str) -> String {
    finish(
        SchemaSettings::draft2020_12()
            .for_serialize()
            .into_generator()
            .into_root_schema_for::<T>(),
        name,
        title,
    )
}

fn finish(mut schema: schemars::Schema, name: &str, title: &str) -> String {
    schema.insert("$id".into(), format!("{ID_BASE}{name}.schema.json").into());
    schema.insert("title".into(), title.into());
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
