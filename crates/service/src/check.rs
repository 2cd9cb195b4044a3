//! One request body, checked: which carrier it is (from its `Content-Type`, or by sniffing as
//! the command does), then the same verification as `goodstanding verify`. Pure and
//! synchronous: the HTTP layer runs it on a blocking thread.

use goodstanding_trust::CacheInfo;
use goodstanding_trust::verdict::{CarrierCode, Verdict};
use goodstanding_verifier::limits::MAX_INPUT_LEN;
use goodstanding_verifier::scan::{self, MAX_IMAGE_LEN, ScanError};
use goodstanding_verifier::{Carrier, ErrorKind, Timestamp, TrustStore, pdf};

use crate::api::{ApiError, ErrorCode};

/// What a body says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// `application/pdf`.
    Pdf,
    /// `image/png` or `image/jpeg`.
    Image,
    /// `application/jose` (a `.jws`) or `text/plain` (the QR text, or a `.jws` pasted).
    Text,
    /// No type, or `application/octet-stream`: told apart by its first bytes.
    Sniff,
}

/// The body kinds accepted, as listed in error messages.
pub const ACCEPTED_TYPES: &str = "application/pdf, image/png, image/jpeg, application/jose, text/plain, application/octet-stream";

impl BodyKind {
    /// The kind a `Content-Type` header names (parameters such as `charset` are ignored), or an
    /// error naming the types accepted.
    pub fn from_content_type(content_type: Option<&str>) -> Result<Self, ApiError> {
        let Some(value) = content_type else {
            return Ok(Self::Sniff);
        };
        let essence = value
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/pdf" => Ok(Self::Pdf),
            "image/png" | "image/jpeg" | "image/jpg" => Ok(Self::Image),
            "application/jose" | "text/plain" => Ok(Self::Text),
            "" | "application/octet-stream" => Ok(Self::Sniff),
            _ => Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                format!(
                    "Content-Type {essence:?} is not a certificate carrier; send one of \
                     {ACCEPTED_TYPES}"
                ),
            )),
        }
    }

    /// The most bytes a body of this kind may have.
    pub fn max_len(self) -> usize {
        match self {
            Self::Pdf => pdf::MAX_PDF_LEN,
            Self::Image | Self::Sniff => MAX_IMAGE_LEN,
            Self::Text => MAX_INPUT_LEN,
        }
    }
}

/// The trust data a verdict rests on.
#[derive(Debug, Clone)]
pub struct Trust {
    /// The trust store (keys, periods, revocations).
    pub store: TrustStore,
    /// Where the lists came from and how old they are.
    pub cache: CacheInfo,
}

/// A verdict, ready to send.
#[derive(Debug)]
pub struct Checked {
    /// The verdict as JSON, in the order of its fields.
    pub json: Box<serde_json::value::RawValue>,
    /// The carrier it was read from, when it was read.
    pub carrier: Option<CarrierCode>,
    /// `valid`, or the verdict's code.
    pub status: &'static str,
}

/// Checks one body of `kind` against `trust` at `at`: a verdict (valid or not), or an error for
/// a body that holds no readable certificate.
pub fn check(
    kind: BodyKind,
    body: &[u8],
    trust: &Trust,
    at: Timestamp,
) -> Result<Checked, ApiError> {
    let kind = match kind {
        BodyKind::Sniff if scan::is_image(body) => BodyKind::Image,
        BodyKind::Sniff if pdf::is_pdf(body) => BodyKind::Pdf,
        BodyKind::Sniff => BodyKind::Text,
        kind => kind,
    };
    if body.len() > kind.max_len() {
        return Err(ApiError::too_large(kind.max_len(), "this kind of body"));
    }
    let result = match kind {
        BodyKind::Pdf => {
            if !pdf::is_pdf(body) {
                return Err(unreadable(
                    "the body is not a PDF (it does not start with %PDF-)",
                ));
            }
            pdf::verify_pdf(body, &trust.store, at)
                .map_err(|e| match e {
                    pdf::PdfError::TooLarge => ApiError::too_large(pdf::MAX_PDF_LEN, "a PDF"),
                    e => unreadable(e),
                })?
                .0
        }
        BodyKind::Image => {
            if !scan::is_image(body) {
                return Err(unreadable("the body is not a PNG or JPEG image"));
            }
            let text = scan::qr_text_in_image(body).map_err(|e| match e {
                ScanError::TooLarge => ApiError::too_large(MAX_IMAGE_LEN, "an image"),
                ScanError::TooManyPixels => ApiError::new(ErrorCode::TooManyPixels, e.to_string())
                    .with_limit(u64::from(scan::MAX_IMAGE_SIDE)),
                e => unreadable(e),
            })?;
            goodstanding_verifier::verify(text.as_bytes(), &trust.store, at).map(|mut v| {
                v.carrier = Carrier::QrImage;
                v
            })
        }
        BodyKind::Text | BodyKind::Sniff => goodstanding_verifier::verify(body, &trust.store, at),
    };
    if let Err(e) = &result
        && e.kind() == ErrorKind::Input
    {
        return Err(unreadable(e));
    }
    let verdict = Verdict::new(&result, at, &trust.cache);
    let json = serde_json::value::to_raw_value(&verdict).map_err(|e| {
        ApiError::new(
            ErrorCode::Internal,
            format!("the verdict could not be written: {e}"),
        )
    })?;
    Ok(Checked {
        json,
        carrier: verdict.carrier,
        status: verdict.status,
    })
}

fn unreadable(what: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        ErrorCode::NotACertificate,
        format!("no certificate could be read: {what}; nothing was verified"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_content_type_names_the_carrier_whatever_its_parameters_and_case() {
        let kind = |t| BodyKind::from_content_type(t).map_err(|e| e.error);
        assert_eq!(kind(Some("application/pdf")), Ok(BodyKind::Pdf));
        assert_eq!(kind(Some("Image/PNG")), Ok(BodyKind::Image));
        assert_eq!(kind(Some("image/jpeg")), Ok(BodyKind::Image));
        assert_eq!(kind(Some("text/plain; charset=utf-8")), Ok(BodyKind::Text));
        assert_eq!(kind(Some("application/jose")), Ok(BodyKind::Text));
        assert_eq!(kind(Some("application/octet-stream")), Ok(BodyKind::Sniff));
        assert_eq!(kind(None), Ok(BodyKind::Sniff));
        assert_eq!(
            kind(Some("application/json")),
            Err(ErrorCode::UnsupportedMediaType)
        );
        assert_eq!(
            kind(Some("multipart/form-data; boundary=x")),
            Err(ErrorCode::UnsupportedMediaType)
        );
    }

    #[test]
    fn each_carrier_is_capped_at_its_largest_genuine_size() {
        assert_eq!(BodyKind::Text.max_len(), MAX_INPUT_LEN);
        assert_eq!(BodyKind::Pdf.max_len(), pdf::MAX_PDF_LEN);
        assert_eq!(BodyKind::Image.max_len(), MAX_IMAGE_LEN);
    }
}
