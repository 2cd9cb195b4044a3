//! One request body, checked: which carrier it is (from its `Content-Type`, or by sniffing as
//! the command does), then the same verification as `goodstanding verify`. Pure and
//! synchronous: the HTTP layer runs it on a blocking thread.

use goodstanding_trust::CacheInfo;
use goodstanding_verifier::scan::{self, ScanError};
use goodstanding_verifier::verdict::{CarrierCode, TrustData, Verdict};
use goodstanding_verifier::{Declared, Timestamp, TrustStore, Unreadable};

use crate::api::{ApiError, ErrorCode};
/// The body kinds accepted, as listed in error messages.
pub const ACCEPTED_TYPES: &str = "application/pdf, image/png, image/jpeg, application/jose, text/plain, application/octet-stream, application/x-www-form-urlencoded";

/// What a body says it is, from its `Content-Type` (parameters such as `charset` are ignored):
/// `application/pdf` a PDF, `image/png` and `image/jpeg` an image, `application/jose` (a `.jws`)
/// and `text/plain` (the QR text, or a `.jws` pasted) text; no type, `application/octet-stream`,
/// or `application/x-www-form-urlencoded` (what `curl --data-binary` sends by default), is told
/// apart by its first bytes. Any other type is an error
/// naming the types accepted.
pub fn body_kind(content_type: Option<&str>) -> Result<Declared, ApiError> {
    let Some(value) = content_type else {
        return Ok(Declared::Any);
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/pdf" => Ok(Declared::Pdf),
        "image/png" | "image/jpeg" | "image/jpg" => Ok(Declared::Image),
        "application/jose" | "text/plain" => Ok(Declared::Text),
        // curl --data-binary @file sends application/x-www-form-urlencoded unless told
        // otherwise; a certificate is never form data, so the body is told apart as with none.
        "" | "application/octet-stream" | "application/x-www-form-urlencoded" => Ok(Declared::Any),
        _ => Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            format!(
                "Content-Type {essence:?} is not a certificate carrier; send one of \
                     {ACCEPTED_TYPES}"
            ),
        )),
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

impl Trust {
    /// What a verdict at `at` rests on: the lists held, where and when they were fetched.
    pub fn data(&self, at: Timestamp) -> TrustData {
        self.cache.trust_data(&self.store, at)
    }
}

/// Checks one body of `kind` against `trust` at `at` with the verifier's one path
/// ([`goodstanding_verifier::check`]): a verdict (valid or not), or an error for a body that
/// holds no readable certificate.
pub fn check(
    kind: Declared,
    body: &[u8],
    trust: &Trust,
    at: Timestamp,
) -> Result<Checked, ApiError> {
    let checked = goodstanding_verifier::check(body, kind, &trust.store, at).map_err(api_error)?;
    let verdict = Verdict::new(&checked, at, trust.data(at));
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

/// The answer to a body in which no certificate could be read: 413 for one over a cap (with
/// the cap), 422 for the rest.
fn api_error(e: Unreadable) -> ApiError {
    match e {
        Unreadable::TooLarge { limit, what } => ApiError::too_large(limit, what),
        Unreadable::Image(e @ ScanError::TooManyPixels) => {
            ApiError::new(ErrorCode::TooManyPixels, e.to_string())
                .with_limit(u64::from(scan::MAX_IMAGE_SIDE))
        }
        e => ApiError::new(
            ErrorCode::NotACertificate,
            format!("no certificate could be read: {e}; nothing was verified"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_content_type_names_the_carrier_whatever_its_parameters_and_case() {
        let kind = |t| body_kind(t).map_err(|e| e.error);
        assert_eq!(kind(Some("application/pdf")), Ok(Declared::Pdf));
        assert_eq!(kind(Some("Image/PNG")), Ok(Declared::Image));
        assert_eq!(kind(Some("image/jpeg")), Ok(Declared::Image));
        assert_eq!(kind(Some("text/plain; charset=utf-8")), Ok(Declared::Text));
        assert_eq!(kind(Some("application/jose")), Ok(Declared::Text));
        assert_eq!(kind(Some("application/octet-stream")), Ok(Declared::Any));
        assert_eq!(
            kind(Some("application/x-www-form-urlencoded")),
            Ok(Declared::Any)
        );
        assert_eq!(kind(None), Ok(Declared::Any));
        assert_eq!(
            kind(Some("application/json")),
            Err(ErrorCode::UnsupportedMediaType)
        );
        assert_eq!(
            kind(Some("multipart/form-data; boundary=x")),
            Err(ErrorCode::UnsupportedMediaType)
        );
    }
}
