//! What the employer reads: the verdict first, then everything the certificate says, so it can
//! be compared with the paper and the person.

use std::fmt::Write as _;
use std::path::Path;

use goodstanding_issuer::IssuedCertificate;
use goodstanding_trust::CacheInfo;
use goodstanding_trust::verdict::{TrustData, Verdict};
use goodstanding_verifier::summary;
use goodstanding_verifier::{ErrorKind, RevocationCheck, Timestamp, Verified, VerifyError};

use crate::error::CliError;
use crate::io::{out, outln};
use crate::shared::describe_cache;

/// What a verdict rested on, as JSON: where and when the lists were fetched, their numbers and
/// ages.
pub fn trust_data_json(cache: &CacheInfo, at: Timestamp) -> serde_json::Value {
    serde_json::to_value(TrustData::new(cache, at)).unwrap_or_default()
}

/// Warnings a valid (or genuine) certificate's reader must see: a key compromised after it was
/// signed, a revocation list past its next update.
fn warnings(v: &Verified) -> String {
    let mut out = String::new();
    if let Some(at) = v.key_compromised_at {
        let _ = writeln!(
            out,
            "!! The key that signed this was marked compromised at {at}, after this certificate \
             was issued. Ask the issuing body for a reissued certificate."
        );
    }
    if let RevocationCheck::Checked {
        stale: true,
        next_update,
        ..
    } = v.revocation
    {
        let _ = writeln!(
            out,
            "!! revocation status stale since {next_update}: it may have been revoked since. \
             Run `goodstanding trust update` (or verify with --require-fresh to refuse)."
        );
    }
    out
}

/// Prints the verdict and maps it to the command's result.
pub fn verdict(
    input: &Path,
    result: &Result<Verified, VerifyError>,
    at: Timestamp,
    cache: &CacheInfo,
    json: bool,
) -> Result<(), CliError> {
    let verified = match result {
        Ok(v) => Some(v),
        Err(e) => e.verified(),
    };
    if json {
        let verdict = Verdict::new(result, at, cache);
        outln!(
            "{}",
            serde_json::to_string_pretty(&verdict).unwrap_or_default()
        );
    }
    match result {
        Ok(v) => {
            if !json {
                out!(
                    "VALID  certificate of good standing, checked at {at}\n{}\n{}\n  Trust data:      {}\n",
                    warnings(v),
                    describe(v),
                    describe_cache(cache, at)
                );
            }
            Ok(())
        }
        Err(e) if e.kind() == ErrorKind::Input => {
            Err(CliError::file(input, format!("{e}\nNothing was verified.")))
        }
        Err(e) => {
            if !json {
                out!("NOT VALID  {e}\n\n");
                if let Some(v) = verified {
                    out!(
                        "{}What it says (genuine, but not valid now):\n\n{}",
                        warnings(v),
                        describe(v)
                    );
                }
                out!("\n  Trust data:      {}\n", describe_cache(cache, at));
            }
            Err(CliError::NotValid)
        }
    }
}

fn or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join("; ")
    }
}

/// The certificate as text.
pub fn describe(v: &Verified) -> String {
    let c = &v.certificate;
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
    line(
        "Issued by",
        format!(
            "{} (key {}) at {}",
            c.issuer.name, c.issuer.kid, c.issued_at
        ),
    );
    line("Certificate id", c.id.to_string());
    if let Some(old) = &c.supersedes {
        line("Replaces", format!("certificate {old}, now revoked"));
    }
    line("Read from", v.carrier.to_string());

    for (title, records) in summary::sections(c) {
        if records.is_empty() {
            let _ = writeln!(out, "\n{title}: none recorded");
            continue;
        }
        let _ = writeln!(out, "\n{title} ({}):", records.len());
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
    if c.has_pending_appeal() {
        out.push_str("\n!! An appeal is pending on at least one record above.\n");
    }
    out
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
