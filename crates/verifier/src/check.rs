//! "Verify these bytes": the one path every verifier takes (the `verify` command, the
//! verification service and the web page). It tells the carrier from the bytes (or from what the
//! caller says they are), reads the certificate out of it, verifies it, and returns one typed
//! [`Checked`] result with every warning as data, which each face then renders.
//!
//! ```text
//! bytes + Declared -> PDF (attachment, printed QR read back) | image (QR scan) | .jws / QR text
//!     -> crate::verify::verify_signed at `now` -> Checked { carrier, result, printed_qr }
//!     -> Checked::warnings, crate::verdict::Verdict
//! ```

use std::fmt;

use crate::carrier::Carrier;
pub use crate::carrier::PrintedQr;
use crate::inclusion::{LogCheck, check_inclusion};
use crate::limits::{MAX_IMAGE_LEN, MAX_INPUT_LEN, MAX_PDF_LEN, is_image, is_pdf};
use crate::time::Timestamp;
use crate::trust::TrustStore;
use crate::verify::{ErrorKind, RevocationCheck, Verified, VerifyError};

/// What the caller says the bytes are (an HTTP `Content-Type`, a page's file picker), or
/// [`Declared::Any`] to tell them apart by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declared {
    /// Unknown: a PDF or an image by its first bytes, otherwise text.
    Any,
    /// A certificate PDF.
    Pdf,
    /// A PNG or JPEG photo or scan.
    Image,
    /// A `.jws` or the QR text.
    Text,
}

impl Declared {
    /// What `bytes` are: the declared kind, or for [`Declared::Any`] the kind their first bytes
    /// show.
    pub fn resolve(self, bytes: &[u8]) -> Self {
        match self {
            Self::Any if is_image(bytes) => Self::Image,
            Self::Any if is_pdf(bytes) => Self::Pdf,
            Self::Any => Self::Text,
            declared => declared,
        }
    }

    /// The most bytes a carrier of this kind may have; [`Declared::Any`] takes the largest.
    pub fn max_len(self) -> usize {
        match self {
            Self::Pdf => MAX_PDF_LEN,
            Self::Image | Self::Any => MAX_IMAGE_LEN,
            Self::Text => MAX_INPUT_LEN,
        }
    }

    /// The carrier's name in messages.
    fn describe(self) -> &'static str {
        match self {
            Self::Pdf => "a PDF",
            Self::Image => "an image",
            Self::Text | Self::Any => "a .jws or QR text",
        }
    }
}

/// The result of checking one carrier: which carrier it was, the verification result, and for a
/// PDF what its printed QR code said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The carrier the certificate was read from.
    pub carrier: Carrier,
    /// The verification result: a valid certificate, or why not (with the genuine certificate
    /// where the signature verified). Never an [`ErrorKind::Input`] error: those are
    /// [`Unreadable`].
    pub result: Result<Verified, VerifyError>,
    /// For a PDF, what its printed QR code said; `None` for other carriers.
    pub printed_qr: Option<PrintedQr>,
    /// Whether the certificate is in the issuing body's transparency log.
    pub log: LogCheck,
}

/// `result` with the log check applied: a valid certificate whose proof fails is not valid.
fn with_log(
    carrier: Carrier,
    result: Result<Verified, VerifyError>,
    printed_qr: Option<PrintedQr>,
    proof: Option<&[u8]>,
    trust: &TrustStore,
) -> Checked {
    let genuine = match &result {
        Ok(v) => Some(v),
        Err(e) => e.verified(),
    };
    let log = genuine.map_or(LogCheck::NoLog, |v| {
        check_inclusion(&v.certificate, &v.signed, proof, trust)
    });
    let result = match (result, &log) {
        (Ok(verified), LogCheck::Refused { reason }) => Err(VerifyError::NotInLog {
            verified: Box::new(verified),
            reason: reason.clone(),
        }),
        (other, _) => other,
    };
    Checked {
        carrier,
        result,
        printed_qr,
        log,
    }
}

/// Why no certificate could be read from the bytes: nothing was verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    /// Larger than any carrier of its kind can be.
    TooLarge {
        /// The cap, in bytes.
        limit: usize,
        /// The kind of carrier, as "a PDF", "an image", ...
        what: &'static str,
    },
    /// The bytes are not of the kind declared.
    NotDeclaredKind(&'static str),
    /// This build of the verifier cannot read this kind of carrier.
    NotSupported(&'static str),
    /// A PDF with no readable certificate.
    #[cfg(feature = "pdf")]
    Pdf(crate::pdf::PdfError),
    /// An image with no readable QR code.
    #[cfg(feature = "qr")]
    Image(crate::scan::ScanError),
    /// Text (or an attachment, or a scanned code) that is not a signed certificate.
    Certificate(VerifyError),
}

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { limit, what } => write!(
                f,
                "larger than any certificate: {what} is at most {limit} bytes"
            ),
            Self::NotDeclaredKind(what) => f.write_str(what),
            Self::NotSupported(what) => write!(f, "this verifier cannot read {what}"),
            #[cfg(feature = "pdf")]
            Self::Pdf(e) => e.fmt(f),
            #[cfg(feature = "qr")]
            Self::Image(e) => e.fmt(f),
            Self::Certificate(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Unreadable {}

/// Checks `bytes` (any carrier, as `declared`) against `trust` at `now`: the one verification
/// path of the command, the service and the web page.
pub fn check(
    bytes: &[u8],
    declared: Declared,
    trust: &TrustStore,
    now: Timestamp,
) -> Result<Checked, Unreadable> {
    let kind = declared.resolve(bytes);
    if bytes.len() > kind.max_len() {
        return Err(Unreadable::TooLarge {
            limit: kind.max_len(),
            what: kind.describe(),
        });
    }
    let checked = match kind {
        Declared::Pdf => check_pdf(bytes, trust, now)?,
        Declared::Image => check_image(bytes, trust, now)?,
        Declared::Text | Declared::Any => check_text(bytes, None, trust, now)?,
    };
    readable(checked)
}

/// `checked`, or [`Unreadable`] if what it read turned out not to be a certificate at all (an
/// input error, say a PDF's attachment that is not a JWS): such input gets no verdict.
fn readable(checked: Checked) -> Result<Checked, Unreadable> {
    match &checked.result {
        Err(e) if e.kind() == ErrorKind::Input => Err(Unreadable::Certificate(e.clone())),
        _ => Ok(checked),
    }
}

/// Checks the QR text read from a photo, scan or camera frame (the carrier is then
/// [`Carrier::QrImage`]).
pub fn check_scanned(
    text: &str,
    trust: &TrustStore,
    now: Timestamp,
) -> Result<Checked, Unreadable> {
    // Untrimmed: a trailing space may be data (the decoder drops only what is not).
    readable(check_text(
        text.as_bytes(),
        Some(Carrier::QrImage),
        trust,
        now,
    )?)
}

/// Decodes a `.jws` or QR text once and verifies it; `carrier` overrides the carrier decoded
/// (a QR code read from an image).
fn check_text(
    bytes: &[u8],
    carrier: Option<Carrier>,
    trust: &TrustStore,
    now: Timestamp,
) -> Result<Checked, Unreadable> {
    let (signed, decoded) = crate::carrier::SignedCertificate::decode(bytes)
        .map_err(|e| Unreadable::Certificate(VerifyError::Decode(e)))?;
    let carrier = carrier.unwrap_or(decoded);
    let result = crate::verify::verify_signed(signed, carrier, trust, now);
    Ok(with_log(carrier, result, None, None, trust))
}

#[cfg(feature = "image")]
fn check_image(bytes: &[u8], trust: &TrustStore, now: Timestamp) -> Result<Checked, Unreadable> {
    use crate::scan::{ScanError, qr_text_in_image};
    if !is_image(bytes) {
        return Err(Unreadable::NotDeclaredKind(
            "the body is not a PNG or JPEG image",
        ));
    }
    let text = qr_text_in_image(bytes).map_err(|e| match e {
        ScanError::TooLarge => Unreadable::TooLarge {
            limit: MAX_IMAGE_LEN,
            what: "an image",
        },
        e => Unreadable::Image(e),
    })?;
    check_text(text.as_bytes(), Some(Carrier::QrImage), trust, now)
}

#[cfg(not(feature = "image"))]
fn check_image(_: &[u8], _: &TrustStore, _: Timestamp) -> Result<Checked, Unreadable> {
    Err(Unreadable::NotSupported(
        "PNG or JPEG files (this build reads the QR text or a camera frame)",
    ))
}

#[cfg(feature = "pdf")]
fn check_pdf(bytes: &[u8], trust: &TrustStore, now: Timestamp) -> Result<Checked, Unreadable> {
    use crate::pdf::{PdfError, verify_pdf};
    if !is_pdf(bytes) {
        return Err(Unreadable::NotDeclaredKind(
            "the body is not a PDF (it does not start with %PDF-)",
        ));
    }
    let (result, printed_qr, proof) = verify_pdf(bytes, trust, now).map_err(|e| match e {
        PdfError::TooLarge => Unreadable::TooLarge {
            limit: MAX_PDF_LEN,
            what: "a PDF",
        },
        e => Unreadable::Pdf(e),
    })?;
    Ok(with_log(
        Carrier::PdfAttachment,
        result,
        Some(printed_qr),
        proof.as_deref(),
        trust,
    ))
}

#[cfg(not(feature = "pdf"))]
fn check_pdf(_: &[u8], _: &TrustStore, _: Timestamp) -> Result<Checked, Unreadable> {
    Err(Unreadable::NotSupported("PDFs"))
}

/// A warning a reader of a verdict must see, as a stable code and words for a person.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Warning {
    /// A stable code: `key_compromised_later`, `revocation_status_stale`,
    /// `revocation_not_checked`, `appeal_pending`, `printed_qr_unread` or `log_not_checked`.
    pub code: &'static str,
    /// What it means and what to do, in words.
    pub message: String,
}

impl Checked {
    /// The genuine certificate: the valid one, or the one whose signature verified although it
    /// is not valid now (expired, revoked, ...).
    pub fn genuine(&self) -> Option<&Verified> {
        match &self.result {
            Ok(v) => Some(v),
            Err(e) => e.verified(),
        }
    }

    /// Every warning the reader must see, in the order to show them.
    pub fn warnings(&self) -> Vec<Warning> {
        let mut warnings = Vec::new();
        if self.printed_qr == Some(PrintedQr::Unread)
            && !matches!(self.result, Err(VerifyError::Draft))
        {
            warnings.push(Warning {
                code: "printed_qr_unread",
                message: "The QR code printed on this PDF could not be read back, so only its \
                          attachment was verified: compare the printed name with the one below."
                    .into(),
            });
        }
        let Some(v) = self.genuine() else {
            return warnings;
        };
        if let LogCheck::NotYetCheckable { reason } = &self.log {
            warnings.push(Warning {
                code: "log_not_checked",
                message: format!(
                    "The issuing body logs every certificate publicly, and this one could not \
                     be checked against its log here: {reason}. The PDF carries its own proof."
                ),
            });
        }
        if let Some(at) = v.key_compromised_at {
            warnings.push(Warning {
                code: "key_compromised_later",
                message: format!(
                    "The key that signed this was marked compromised at {at}, after this \
                     certificate was issued. Ask the issuing body for a reissued certificate."
                ),
            });
        }
        match v.revocation {
            RevocationCheck::Checked {
                stale: true,
                next_update,
                ..
            } => warnings.push(Warning {
                code: "revocation_status_stale",
                message: format!(
                    "Revocation status stale since {next_update}: it may have been revoked \
                     since. Refresh the trust data (goodstanding trust update, or open the \
                     verifier page online), or refuse stale data (verify --require-fresh)."
                ),
            }),
            RevocationCheck::NotChecked => warnings.push(Warning {
                code: "revocation_not_checked",
                message: "No revocation list is loaded, so revocation was not checked: refresh \
                          the trust data (goodstanding trust update)."
                    .into(),
            }),
            RevocationCheck::Checked { .. } => {}
        }
        if v.certificate.has_pending_appeal() {
            warnings.push(Warning {
                code: "appeal_pending",
                message: "An appeal is pending on at least one record below.".into(),
            });
        }
        warnings
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn unknown_bytes_are_told_apart_by_their_first_bytes() {
        assert_eq!(Declared::Any.resolve(b"%PDF-1.7\n"), Declared::Pdf);
        assert_eq!(
            Declared::Any.resolve(b"\x89PNG\r\n\x1a\nrest"),
            Declared::Image
        );
        assert_eq!(
            Declared::Any.resolve(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Declared::Image
        );
        assert_eq!(Declared::Any.resolve(b"GSC1:ABC"), Declared::Text);
        assert_eq!(Declared::Any.resolve(b""), Declared::Text);
        // What the caller declares stands, whatever the bytes.
        assert_eq!(Declared::Pdf.resolve(b"GSC1:ABC"), Declared::Pdf);
    }

    #[test]
    fn a_body_over_its_carriers_cap_is_refused_before_it_is_read() {
        let store = TrustStore::new();
        let now = Timestamp::from_unix(1_800_000_000).unwrap();
        let text = vec![b'A'; MAX_INPUT_LEN + 1];
        assert_eq!(
            check(&text, Declared::Text, &store, now),
            Err(Unreadable::TooLarge {
                limit: MAX_INPUT_LEN,
                what: "a .jws or QR text"
            })
        );
        // The same bytes, one fewer, are read (and found not to be a certificate).
        let text = vec![b'A'; MAX_INPUT_LEN];
        assert!(matches!(
            check(&text, Declared::Text, &store, now),
            Err(Unreadable::Certificate(_))
        ));
    }
}
