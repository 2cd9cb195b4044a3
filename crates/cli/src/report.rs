//! What the employer reads: the verdict first, then everything the certificate says, so it can
//! be compared with the paper and the person.

use std::fmt::Write as _;

use goodstanding_issuer::IssuedCertificate;
use goodstanding_trust::CacheInfo;
use goodstanding_verifier::inclusion::{LogCheck, ProvenBy};
use goodstanding_verifier::{Checked, Timestamp, TrustStore, Verdict};

use crate::error::CliError;
use crate::io::{out, outln};
use crate::shared::describe_cache;

/// What a verdict rested on, as JSON: where and when the lists were fetched, their numbers and
/// ages.
pub fn trust_data_json(store: &TrustStore, cache: &CacheInfo, at: Timestamp) -> serde_json::Value {
    serde_json::to_value(cache.trust_data(store, at)).unwrap_or_default()
}

/// Prints the verdict on `checked` (as text, or as the JSON of [`Verdict`]) and maps it to the
/// command's result.
pub fn verdict(
    checked: &Checked,
    at: Timestamp,
    (store, cache): (&TrustStore, &CacheInfo),
    json: bool,
) -> Result<(), CliError> {
    let verdict = Verdict::new(checked, at, cache.trust_data(store, at));
    if json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&verdict).unwrap_or_default()
        );
    } else {
        let mut text = String::new();
        if verdict.valid {
            let _ = writeln!(text, "VALID  certificate of good standing, checked at {at}");
        } else {
            let _ = writeln!(
                text,
                "NOT VALID  {}",
                verdict.reason.as_deref().unwrap_or(verdict.status)
            );
        }
        for warning in &verdict.warnings {
            let _ = writeln!(text, "!! {}", warning.message);
        }
        let body = verdict
            .certificate
            .and_then(|c| store.issuing_body(c.issuer.kid.as_str()));
        if let Some(described) = describe(&verdict, checked, at, body) {
            if !verdict.valid {
                text.push_str("\nWhat it says (genuine, but not valid now):\n");
            }
            let _ = write!(text, "\n{described}");
        }
        let _ = writeln!(text, "\n  Trust data:      {}", describe_cache(cache, at));
        if let Some(log) = describe_log(&verdict.log) {
            let _ = writeln!(text, "  Public log:      {log}");
        }
        out!("{text}");
    }
    if verdict.valid {
        Ok(())
    } else {
        Err(CliError::NotValid)
    }
}

/// What the transparency log check found, in words (nothing when the trust list names no log).
fn describe_log(log: &LogCheck) -> Option<String> {
    Some(match log {
        LogCheck::NoLog => return None,
        LogCheck::NotRequired => "issued before logging was required".into(),
        LogCheck::Proven {
            by,
            origin,
            size,
            index,
            witnesses,
        } => format!(
            "in the log {origin}: entry {index} of the checkpoint of {size} entries, cosigned \
             by {} ({})",
            witnesses.join(", "),
            match by {
                ProvenBy::AttachedProof => "proof attached to the PDF",
                ProvenBy::SyncedLog => "checked against the log synced by `trust update`",
            }
        ),
        LogCheck::NotYetCheckable { reason } => format!("not yet checkable: {reason}"),
        LogCheck::Refused { reason } => format!("NOT in the log: {reason}"),
    })
}

fn or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join("; ")
    }
}

/// The genuine certificate of a verdict as text: its fields, then its records in the verdict's
/// words.
fn describe(
    verdict: &Verdict,
    checked: &Checked,
    at: Timestamp,
    body: Option<&goodstanding_verifier::lists::IssuingBody>,
) -> Option<String> {
    let c = verdict.certificate?;
    let carrier = checked.carrier;
    let s = &c.subject;
    let mut out = String::new();
    let mut line = |label: &str, value: String| {
        let _ = writeln!(out, "  {label:<17}{value}");
    };
    line("Name", s.full_name.to_string());
    line("Date of birth", s.date_of_birth.to_string());
    line(
        "Previous names",
        or_none(
            &s.previous_names
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
        ),
    );
    line(
        "Registrations",
        or_none(
            &s.registrations
                .iter()
                .map(|r| format!("{} {}", r.regulator, r.number))
                .collect::<Vec<_>>(),
        ),
    );
    if let Some(role) = &s.role_applied_for {
        line("Role applied for", role.to_string());
    }
    line("Subject ref.", s.reference.to_string());
    line("Valid", format!("{} to {}", c.valid_from, c.valid_until));
    line("Record as at", c.information_as_at.to_string());
    if let Some(level) = c.disclosure_level {
        line("Disclosure level", level.label().to_string());
    }
    // The issuer's name as the trust list gives it for the key, when it does (verification
    // refuses a certificate naming another); else as the certificate gives it.
    match body {
        Some(body) => {
            line(
                "Issued by",
                format!("{} (key {}) at {}", body.name, c.issuer.kid, c.issued_at),
            );
            line("Issuer address", body.address.to_string());
            line("Check at", body.check_url.to_string());
        }
        None => line(
            "Issued by",
            format!(
                "{} (key {}) at {}; the trust list names no issuing body for the key",
                c.issuer.name, c.issuer.kid, c.issued_at
            ),
        ),
    }
    line("Certificate id", c.id.to_string());
    if let Some(old) = &c.supersedes {
        line("Replaces", format!("certificate {old}, now revoked"));
    }
    line("Read from", carrier.to_string());

    for section in goodstanding_verifier::verdict::sections(c, at.date()) {
        let records = &section.records;
        if records.is_empty() {
            let _ = writeln!(out, "\n{}: none recorded", section.title);
            continue;
        }
        let _ = writeln!(out, "\n{} ({}):", section.title, records.len());
        for (i, r) in records.iter().enumerate() {
            let flag = if r.appeal_pending {
                "  !! APPEAL PENDING"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "  {}. {}  {}\n     {}{flag}",
                i + 1,
                r.when,
                r.who,
                r.what
            );
        }
    }
    Some(out)
}

/// One row of the demo summary.
pub struct DemoRow([String; 7]);

impl DemoRow {
    /// The column titles.
    pub fn header() -> Self {
        Self(
            [
                "example",
                "subject",
                "records",
                "QR chars",
                "QR version (M)",
                "PDF KB",
                "verified",
            ]
            .map(String::from),
        )
    }

    /// A row for an issued example.
    pub fn new(
        name: &str,
        issued: &IssuedCertificate,
        qr: &str,
        verdicts: &[&str],
        pdf_size: u64,
    ) -> Self {
        let c = &issued.certificate;
        Self([
            name.into(),
            c.subject.full_name.to_string(),
            format!(
                "{}/{}/{}",
                c.findings.len(),
                c.convictions.len(),
                c.departures.len()
            ),
            qr.len().to_string(),
            issued.qr_version().to_string(),
            format!("{:.1}", pdf_size as f64 / 1024.0),
            format!(
                "{} ({} of 2 carriers)",
                verdicts.first().unwrap_or(&"NOT VALID"),
                verdicts.len()
            ),
        ])
    }
}

/// Prints rows as an aligned table (widths counted in characters, not bytes).
pub fn print_table(rows: &[DemoRow]) {
    let mut widths = [0usize; 7];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(&row.0) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in rows {
        let cells: Vec<String> = row
            .0
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell}{}", " ".repeat(w - cell.chars().count())))
            .collect();
        outln!("  {}", cells.join("  ").trim_end());
    }
    outln!("  (records: findings/convictions/departures)");
}
