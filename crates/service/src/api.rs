//! What the service answers besides verdicts: errors, the trust status, health and batch
//! results. Their JSON Schemas go into the OpenAPI document, generated from these types.

use goodstanding_verifier::verdict::TrustData;
use serde::Serialize;

/// Why a request got no verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body holds no readable certificate (422).
    NotACertificate,
    /// The `Content-Type` is not a certificate carrier (415).
    UnsupportedMediaType,
    /// The body is larger than the limit (413).
    TooLarge,
    /// The image has more pixels than the limit (413).
    TooManyPixels,
    /// The request took longer than the limit (408).
    Timeout,
    /// More requests at once than the limit (503).
    Busy,
    /// A parameter or the multipart body is malformed (400).
    BadRequest,
    /// No such path (404).
    NotFound,
    /// The path does not take this method (405).
    MethodNotAllowed,
    /// A bug in the service (500).
    Internal,
}

impl ErrorCode {
    /// The HTTP status this error is answered with.
    pub fn status(self) -> u16 {
        match self {
            Self::NotACertificate => 422,
            Self::UnsupportedMediaType => 415,
            Self::TooLarge | Self::TooManyPixels => 413,
            Self::Timeout => 408,
            Self::Busy => 503,
            Self::BadRequest => 400,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::Internal => 500,
        }
    }

    /// The code as written in JSON and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotACertificate => "not_a_certificate",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::TooLarge => "too_large",
            Self::TooManyPixels => "too_many_pixels",
            Self::Timeout => "timeout",
            Self::Busy => "busy",
            Self::BadRequest => "bad_request",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Internal => "internal",
        }
    }
}

/// An error answer: what went wrong, in words that say what to do, and the limit when one was
/// exceeded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ApiError {
    /// A stable code.
    pub error: ErrorCode,
    /// What went wrong and what to do.
    pub message: String,
    /// The limit that was exceeded (bytes, pixels a side, milliseconds or requests), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}

impl ApiError {
    /// An error with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error: code,
            message: message.into(),
            limit: None,
        }
    }

    /// The same error, naming the limit exceeded.
    pub fn with_limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// A body larger than `limit` bytes allowed for `what`.
    pub fn too_large(limit: usize, what: &str) -> Self {
        Self::new(
            ErrorCode::TooLarge,
            format!("the body is larger than the {limit} bytes allowed for {what}"),
        )
        .with_limit(limit as u64)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

/// `GET /v1/trust`: which lists the service holds, and how its background refresh is doing.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct TrustStatus {
    /// The lists, with their numbers, signing times and ages now.
    pub lists: TrustData,
    /// The trust folder the service reads.
    pub folder: String,
    /// When the service loaded what it holds now.
    pub loaded_at: String,
    /// The background refresh, if the service was started with `--refresh-from`.
    pub refresh: Option<RefreshStatus>,
}

/// The background refresh of the lists.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RefreshStatus {
    /// Where the lists are fetched from.
    pub source: String,
    /// Seconds between fetches.
    pub every_seconds: u64,
    /// When the last fetch was tried, if one was.
    pub last_attempt_at: Option<String>,
    /// When a fetch last succeeded, if one did.
    pub last_success_at: Option<String>,
    /// Why the last fetch failed, if it did (the service keeps serving what it holds).
    pub last_error: Option<String>,
}

/// `GET /v1/health`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Health {
    /// Always `ok` while the service answers.
    pub status: &'static str,
    /// Whether the revocation list held is past its next update.
    pub revocation_list_stale: bool,
    /// Requests being answered now.
    pub in_flight: u64,
}

/// `POST /v1/verify/batch`: one result per part, in the order sent.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct BatchAnswer {
    /// The results.
    pub results: Vec<BatchItem>,
}

/// The result for one part of a batch: a verdict, or why there is none.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct BatchItem {
    /// The part's position, from 0.
    pub index: usize,
    /// The verdict (the same as `POST /v1/verify` gives), if the part held a certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<goodstanding_verifier::Verdict<'static>>")]
    pub verdict: Option<Box<serde_json::value::RawValue>>,
    /// Why the part got no verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
}
