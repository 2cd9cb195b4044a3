//! The verdict on one certificate, as every face shows it: `goodstanding verify` (text and
//! `--json`), the verification service and the web page all render this one type, built from
//! one [`Checked`] result, so that they cannot say different things. Its JSON Schema
//! (`schemas/verdict.schema.json`) is generated from it.

use serde::Serialize;

use crate::carrier::Carrier;
use crate::check::{Checked, Warning};
use crate::model::Certificate;
use crate::summary::{self, RecordSummary};
use crate::time::Timestamp;
use crate::trust::TrustStore;
use crate::verify::VerifyError;

/// The `status` of a verdict on input in which no certificate could be read (the web page
/// shows such input as a verdict; the command and the service answer it with an error).
pub const UNREADABLE: &str = "unreadable";

/// The verdict on one certificate, and what it rested on.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Verdict<'a> {
    /// Whether the certificate is genuine, current and unrevoked at `checked_at`.
    pub valid: bool,
    /// `valid`, or why not, as a stable code: `bad_signature`, `unknown_key`, `expired`,
    /// `revoked`, `substituted`, `draft`, `unreadable`, ... (see the README's table of codes).
    pub status: &'static str,
    /// Why not valid, in words for a person; null when valid.
    pub reason: Option<String>,
    /// The time the verdict holds for (RFC 3339, UTC).
    pub checked_at: String,
    /// Which carrier the certificate was read from, when it could be read.
    pub carrier: Option<CarrierCode>,
    /// Whether any record is under appeal, when the certificate could be read.
    pub pending_appeal: Option<bool>,
    /// Set when the signing key was later marked compromised (the certificate predates it).
    pub key_compromised_at: Option<String>,
    /// Set when the certificate is revoked.
    pub revoked: Option<Revoked>,
    /// What the reader must see besides the verdict, each as a code and words (empty when
    /// there is nothing to warn of).
    pub warnings: Vec<Warning>,
    /// What the verdict rested on, and how old it is.
    pub trust_data: TrustData,
    /// Whether the certificate is in the issuing body's transparency log, and against which
    /// checkpoint (`no_log` when the trust list names none, or nothing could be read).
    pub log: crate::inclusion::LogCheck,
    /// What the certificate says, when it is genuine (also when expired or revoked).
    pub certificate: Option<&'a Certificate>,
}

/// One list of records in words, with its heading: what a face that shows a certificate to a
/// person prints (the command's text, the web page), from [`sections`]. Not part of the verdict,
/// which carries the certificate as signed.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Section {
    /// The heading: "Disciplinary findings", "Convictions and cautions" or "Departures during an
    /// investigation".
    pub title: &'static str,
    /// The records, in the certificate's order (empty: none recorded).
    pub records: Vec<RecordSummary>,
}

/// The carrier a certificate was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CarrierCode {
    /// A `.jws` file (JWS compact serialization).
    Jws,
    /// The text of the QR code (`GSC1:...`).
    QrText,
    /// The `.jws` attached to a certificate PDF.
    PdfAttachment,
    /// A QR code read from a photo or scan.
    QrImage,
}

impl From<Carrier> for CarrierCode {
    fn from(carrier: Carrier) -> Self {
        match carrier {
            Carrier::Jws => Self::Jws,
            Carrier::QrText => Self::QrText,
            Carrier::PdfAttachment => Self::PdfAttachment,
            Carrier::QrImage => Self::QrImage,
        }
    }
}

impl CarrierCode {
    /// The code as written in JSON and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jws => "jws",
            Self::QrText => "qr_text",
            Self::PdfAttachment => "pdf_attachment",
            Self::QrImage => "qr_image",
        }
    }
}

/// A revocation.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Revoked {
    /// The day it was revoked.
    pub on: String,
    /// Why, as a code (`superseded`, `issued_in_error`, ...).
    pub reason: &'static str,
    /// Why, in words.
    pub reason_label: &'static str,
}

/// What a verdict rested on: where and when the lists were fetched, their numbers and ages.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TrustData {
    /// Where the lists were fetched from (a URL, a folder, or the web page's own bundle).
    pub source: String,
    /// When they were fetched; null where the verifier does not know (the web page).
    pub fetched_at: Option<String>,
    /// The trust list (issuing keys, signed by a root key); null when none is loaded.
    pub trust_list: Option<ListAge>,
    /// The revocation list (signed by an issuing key); null when none is loaded.
    pub revocation_list: Option<ListAge>,
}

/// One signed list: its number and how old it is.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ListAge {
    /// The list's sequence number (never goes down).
    pub sequence: u64,
    /// When it was signed.
    pub issued_at: String,
    /// Seconds from its signing to the verdict's time.
    pub age_seconds: i64,
    /// When the issuer promises the next one (revocation list only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_update: Option<String>,
    /// Whether the verdict's time is past `next_update` (revocation list only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale: Option<bool>,
}

impl<'a> Verdict<'a> {
    /// The verdict on `checked` at `at`, resting on `trust_data`.
    pub fn new(checked: &'a Checked, at: Timestamp, trust_data: TrustData) -> Self {
        let result = &checked.result;
        let verified = checked.genuine();
        Self {
            valid: result.is_ok(),
            status: result.as_ref().map_or_else(VerifyError::code, |_| "valid"),
            reason: result.as_ref().err().map(ToString::to_string),
            checked_at: at.to_string(),
            carrier: verified.map(|v| v.carrier.into()),
            pending_appeal: verified.map(|v| v.certificate.has_pending_appeal()),
            key_compromised_at: verified
                .and_then(|v| v.key_compromised_at)
                .map(|t| t.to_string()),
            revoked: match result {
                Err(VerifyError::Revoked { on, reason, .. }) => Some(Revoked {
                    on: on.to_string(),
                    reason: reason.as_code(),
                    reason_label: reason.label(),
                }),
                _ => None,
            },
            warnings: checked.warnings(),
            trust_data,
            log: checked.log.clone(),
            certificate: verified.map(|v| &v.certificate),
        }
    }

    /// The verdict on input in which no certificate could be read (an [`crate::Unreadable`], or
    /// what a page could not open): not valid, status
    /// [`UNREADABLE`], and why, in words that end "Nothing was verified."
    pub fn unreadable(why: &dyn std::fmt::Display, at: Timestamp, trust_data: TrustData) -> Self {
        Self {
            valid: false,
            status: UNREADABLE,
            reason: Some(format!("{why}. Nothing was verified.")),
            checked_at: at.to_string(),
            carrier: None,
            pending_appeal: None,
            key_compromised_at: None,
            revoked: None,
            warnings: Vec::new(),
            trust_data,
            log: crate::inclusion::LogCheck::NoLog,
            certificate: None,
        }
    }
}

/// The certificate's three lists of records in words, the same wording for every face, as read on
/// `today`.
pub fn sections(c: &Certificate, today: crate::time::Date) -> Vec<Section> {
    summary::sections(c, today)
        .into_iter()
        .map(|(title, records)| Section { title, records })
        .collect()
}

impl TrustData {
    /// What `store` holds (its trust list and revocation list), fetched from `source` at
    /// `fetched_at` where known, aged at `at`.
    pub fn new(
        store: &TrustStore,
        source: &str,
        fetched_at: Option<Timestamp>,
        at: Timestamp,
    ) -> Self {
        Self {
            source: source.to_string(),
            fetched_at: fetched_at.map(|t| t.to_string()),
            trust_list: store.trust_list().map(|(sequence, issued_at)| ListAge {
                sequence,
                issued_at: issued_at.to_string(),
                age_seconds: issued_at.seconds_until(at),
                next_update: None,
                stale: None,
            }),
            revocation_list: store.revocations().map(|list| {
                let list = &list.content;
                ListAge {
                    sequence: list.sequence,
                    issued_at: list.issued_at.to_string(),
                    age_seconds: list.issued_at.seconds_until(at),
                    next_update: Some(list.next_update.to_string()),
                    stale: Some(at >= list.next_update),
                }
            }),
        }
    }
}

/// The JSON Schema (2020-12) of [`Verdict`], as committed in `schemas/verdict.schema.json`.
#[cfg(feature = "schema")]
pub fn schema() -> String {
    crate::schema::render_output::<Verdict<'static>>(
        "verdict",
        "Verdict on one certificate (verify --json, the verification service and the web page)",
    )
}
