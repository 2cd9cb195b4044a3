//! Moving a register between SQLite and PostgreSQL (issue 26, item 1): `register export` writes
//! every row of every table as JSON Lines, `register import` reads them into an empty register
//! of either kind, losing nothing.
//!
//! ```text
//! {"goodstanding_register_export":1}
//! {"table":"certificates","row":{"id":"...","batch_item":3,"live":1,...}}
//! {"table":"log_entries","row":{"entry":{"base64":"AQ..."},...}}
//! ```
//!
//! Text is exported as the database stored it (timestamps are RFC 3339 text in both, never
//! re-formatted by either), integers as numbers, bytes as base64. Tables go parents first and
//! rows in key order, so the same register exports the same bytes from either database.

use std::io::{BufRead, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value as Json, json};

use super::db::{Row, Value};
use super::{Register, RegisterError};

/// The first line of an export, and its version.
const HEADER: &str = "goodstanding_register_export";
const VERSION: u64 = 1;

/// Every table, parents first: its columns and the order of its rows.
pub(super) const TABLES: &[(&str, &[&str], &str)] = &[
    (
        "batches",
        &[
            "id",
            "input_sha256",
            "input_name",
            "kid",
            "out_dir",
            "started_at",
            "finished_at",
            "issued",
            "rejected",
        ],
        "id",
    ),
    (
        "certificates",
        &[
            "id",
            "state",
            "subject_reference",
            "kid",
            "issued_at",
            "valid_from",
            "valid_until",
            "information_as_at",
            "out_dir",
            "batch_id",
            "batch_item",
            "supersedes",
            "jws_sha256",
            "qr_sha256",
            "pdf_sha256",
            "live",
        ],
        "id",
    ),
    (
        "revocations",
        &["certificate_id", "revoked_at", "reason", "superseded_by"],
        "certificate_id",
    ),
    ("settings", &["name", "value"], "name"),
    (
        "revocation_lists",
        &["sequence", "issued_at", "next_update", "kid", "entries"],
        "sequence",
    ),
    (
        "log_entries",
        &["idx", "kind", "certificate_id", "entry", "leaf_hash"],
        "idx",
    ),
    (
        "log_checkpoints",
        &["size", "root", "signed_note", "witnessed_note"],
        "size",
    ),
    ("proof_files", &["id", "proof_sha256"], "id"),
    ("held_certificates", &["id", "jws"], "id"),
    (
        "frozen_logs",
        &[
            "origin",
            "vkey",
            "folder",
            "frozen_at",
            "size",
            "witnessed_note",
        ],
        "origin",
    ),
    (
        "frozen_log_entries",
        &[
            "origin",
            "idx",
            "kind",
            "certificate_id",
            "entry",
            "leaf_hash",
        ],
        "origin, idx",
    ),
    (
        "operators",
        &["name", "public_key", "role", "added_at", "removed_at"],
        "name",
    ),
    (
        "requests",
        &[
            "hash",
            "kind",
            "subject_reference",
            "canonical",
            "submitted_by",
            "submitted_at",
            "state",
        ],
        "hash",
    ),
    (
        "approval_sets",
        &["root", "approver", "approved_at", "signature"],
        "root, approver",
    ),
    (
        "approvals",
        &[
            "set_root",
            "approver",
            "position",
            "request_hash",
            "record_set_sha256",
        ],
        "set_root, approver, position",
    ),
    (
        "audit_log",
        &["seq", "body", "prev_hash", "row_hash", "signature"],
        "seq",
    ),
];

fn to_json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Int(i) => json!(i),
        Value::Text(t) => Json::String(t.clone()),
        Value::Blob(b) => json!({ "base64": STANDARD.encode(b) }),
    }
}

fn from_json(value: &Json) -> Option<Value> {
    Some(match value {
        Json::Null => Value::Null,
        Json::Number(n) => Value::Int(n.as_i64()?),
        Json::String(s) => Value::Text(s.clone()),
        Json::Object(o) if o.len() == 1 => {
            Value::Blob(STANDARD.decode(o.get("base64")?.as_str()?).ok()?)
        }
        _ => return None,
    })
}

/// What an import did: rows per table.
pub type Imported = Vec<(String, u64)>;

impl Register {
    /// Writes every row of every table to `out` as JSON Lines; returns how many rows.
    pub fn export(&self, out: &mut dyn Write) -> Result<u64, RegisterError> {
        let io = |e: std::io::Error| RegisterError::Storage(format!("writing the export: {e}"));
        writeln!(out, "{}", json!({ HEADER: VERSION })).map_err(io)?;
        let mut count = 0;
        for (table, columns, order) in TABLES {
            let rows: Vec<Row> = self.db.rows(
                &format!(
                    "SELECT {} FROM {table} ORDER BY {order}",
                    columns.join(", ")
                ),
                &[],
            )?;
            for row in rows {
                let mut object = Map::new();
                for (i, column) in columns.iter().enumerate() {
                    object.insert((*column).to_string(), to_json(row.value(i)?));
                }
                writeln!(out, "{}", json!({ "table": table, "row": object })).map_err(io)?;
                count += 1;
            }
        }
        out.flush().map_err(io)?;
        Ok(count)
    }

    /// Reads an export into this register, which must hold no certificate, batch or log
    /// entry yet, in one transaction (nothing is imported if a line is refused, and the
    /// refusal names the line). Returns the rows imported per table.
    pub fn import(&mut self, input: &mut dyn BufRead) -> Result<Imported, RegisterError> {
        let tx = self.db.transaction()?;
        let used: bool = tx.value(
            "SELECT EXISTS (SELECT 1 FROM certificates) OR EXISTS (SELECT 1 FROM batches) OR \
             EXISTS (SELECT 1 FROM log_entries) OR EXISTS (SELECT 1 FROM frozen_logs)",
            &[],
        )?;
        if used {
            return Err(RegisterError::Setting(
                "the register to import into already holds certificates, batches or a log: \
                 import into a new, empty register"
                    .into(),
            ));
        }
        // Settings a new register may have made for itself give way to the export's.
        tx.exec("DELETE FROM settings", &[])?;
        let mut counts: Vec<(String, u64)> = TABLES
            .iter()
            .map(|(t, _, _)| ((*t).to_string(), 0))
            .collect();
        // A certificate may name one that comes after it: its `supersedes` is set once all
        // are in.
        let mut supersedes: Vec<(Value, Value)> = Vec::new();
        let mut seen_header = false;
        for (number, line) in input.lines().enumerate() {
            let number = number + 1;
            let refused = |what: String| RegisterError::Setting(format!("line {number}: {what}"));
            let line = line.map_err(|e| refused(e.to_string()))?;
            if line.trim().is_empty() {
                continue;
            }
            let parsed: Json =
                serde_json::from_str(&line).map_err(|e| refused(format!("not JSON ({e})")))?;
            if !seen_header {
                if parsed.get(HEADER).and_then(Json::as_u64) != Some(VERSION) {
                    return Err(refused(format!(
                        "not a goodstanding register export of version {VERSION}"
                    )));
                }
                seen_header = true;
                continue;
            }
            let table = parsed
                .get("table")
                .and_then(Json::as_str)
                .ok_or_else(|| refused("no \"table\"".into()))?;
            let (slot, (table, columns, _)) = TABLES
                .iter()
                .enumerate()
                .find(|(_, (name, _, _))| *name == table)
                .ok_or_else(|| refused(format!("unknown table {table:?}")))?;
            let row = parsed
                .get("row")
                .and_then(Json::as_object)
                .ok_or_else(|| refused("no \"row\" object".into()))?;
            if row.len() != columns.len() {
                return Err(refused(format!(
                    "{} columns, but table {table} has {}",
                    row.len(),
                    columns.len()
                )));
            }
            let mut values = Vec::with_capacity(columns.len());
            for column in *columns {
                let value = row
                    .get(*column)
                    .and_then(from_json)
                    .ok_or_else(|| refused(format!("column {column} missing or of no type")))?;
                values.push(value);
            }
            if *table == "certificates" {
                // `supersedes` is column 11.
                let later = std::mem::replace(&mut values[11], Value::Null);
                if later != Value::Null {
                    supersedes.push((values[0].clone(), later));
                }
            }
            let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
            let params: Vec<&dyn super::db::ToValue> = values
                .iter()
                .map(|v| v as &dyn super::db::ToValue)
                .collect();
            tx.exec(
                &format!(
                    "INSERT INTO {table} ({}) VALUES ({})",
                    columns.join(", "),
                    placeholders.join(", ")
                ),
                &params,
            )
            .map_err(|e| refused(e.to_string()))?;
            counts[slot].1 += 1;
        }
        if !seen_header {
            return Err(RegisterError::Setting(
                "the export is empty: not a goodstanding register export".into(),
            ));
        }
        for (id, old) in &supersedes {
            tx.exec(
                "UPDATE certificates SET supersedes = ?2 WHERE id = ?1",
                &[id, old],
            )?;
        }
        tx.commit()?;
        Ok(counts)
    }
}
