//! The machine-readable verdict on one certificate: what `goodstanding verify --json` prints and
//! what the verification service answers. One type for both, so that the two cannot say
//! different things, and so that its JSON Schema (`schemas/verdict.schema.json`) is generated
//! from it.

use goodstanding_verifier::model::Certificate;
use goodstanding_verifier::{Carrier, Timestamp, Verified, VerifyError};
use serde::Serialize;

use crate::CacheInfo;

/// The verdict on one certificate, and what it rested on.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Verdict<'a> {
    /// Whether the certificate is genuine, current and unrevoked at `checked_at`.
    pub valid: bool,
    /// `valid`, or why not, as a stable code: `bad_signature`, `unknown_key`, `expired`,
    /// `revoked`, `substituted`, `draft`, ... (see the README's table of codes).
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
    /// What the verdict rested on, and how old it is.
    pub trust_data: TrustData,
    /// What the certificate says, when it is genuine (also when expired or revoked).
    pub certificate: Option<&'a Certificate>,
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
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TrustData {
    /// Where the lists were fetched from (a URL or a folder).
    pub source: String,
    /// When they were fetched.
    pub fetched_at: String,
    /// The trust list (issuing keys, signed by a root key).
    pub trust_list: ListAge,
    /// The revocation list (signed by an issuing key).
    pub revocation_list: ListAge,
}

/// One signed list: its number and how old it is.
#[derive(Debug, Serialize)]
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
    /// The verdict on `result` (from [`goodstanding_verifier::verify`] or
    /// [`goodstanding_verifier::pdf::verify_pdf`]) at `at`, resting on the lists of `cache`.
    pub fn new(
        result: &'a Result<Verified, VerifyError>,
        at: Timestamp,
        cache: &CacheInfo,
    ) -> Self {
        let verified = match result {
            Ok(v) => Some(v),
            Err(e) => e.verified(),
        };
        Self {
            valid: result.is_ok(),
            status: result.as_ref().map_or_else(|e| e.code(), |_| "valid"),
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
            trust_data: TrustData::new(cache, at),
            certificate: verified.map(|v| &v.certificate),
        }
    }
}

impl TrustData {
    /// What `cache` holds, aged at `at`.
    pub fn new(cache: &CacheInfo, at: Timestamp) -> Self {
        let (trust_seq, trust_at) = cache.trust_list;
        let (rev_seq, rev_at, next) = cache.revocation_list;
        Self {
            source: cache.source.clone(),
            fetched_at: cache.fetched_at.to_string(),
            trust_list: ListAge {
                sequence: trust_seq,
                issued_at: trust_at.to_string(),
                age_seconds: trust_at.seconds_until(at),
                next_update: None,
                stale: None,
            },
            revocation_list: ListAge {
                sequence: rev_seq,
                issued_at: rev_at.to_string(),
                age_seconds: rev_at.seconds_until(at),
                next_update: Some(next.to_string()),
                stale: Some(at >= next),
            },
        }
    }
}

/// The JSON Schema (2020-12) of [`Verdict`], as committed in `schemas/verdict.schema.json`.
#[cfg(feature = "schema")]
pub fn schema() -> String {
    goodstanding_verifier::schema::render_output::<Verdict<'static>>(
        "verdict",
        "Verdict on one certificate (verify --json, and the verification service)",
    )
}
