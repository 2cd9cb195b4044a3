//! # goodstanding-service
//!
//! The verification service: an HTTP server with which an HR or applicant-tracking system
//! checks certificates itself, on its own network, offline like every other verifier. It
//! answers the same verdict as `goodstanding verify --json` ([`goodstanding_trust::Verdict`]),
//! from the trust folder it was started with, refreshed in the background if asked.
//!
//! ```text
//! POST /v1/verify        body (PDF, PNG, JPEG, .jws, QR text) -> check::check -> verdict (200)
//! POST /v1/verify/batch  multipart, one verdict or error per part, in order
//! GET  /v1/trust         the lists held, their numbers and ages, the refresh's state
//! GET  /v1/health        liveness
//! GET  /v1/openapi.json  OpenAPI 3.1 of all of it
//! ```
//!
//! | module | owns |
//! |---|---|
//! | [`check`] | one body: carrier from `Content-Type` or sniffing, verification, verdict |
//! | [`state`] | the trust data held, and the background refresh |
//! | [`http`] | routes, limits (413, 408, 503), request ids, log events, graceful shutdown |
//! | [`api`] | the answers that are not verdicts (errors, trust status, health, batches) |
//! | [`openapi`] | the OpenAPI document, with schemas generated from the types |
//!
//! Nothing received is stored or logged: a log [`Event`] carries a request id, the method and
//! path, the status, the carrier, the verdict code and the time taken, never a name or any of
//! a certificate's contents. The library prints nothing: the caller decides where events go.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod api;
pub mod check;
pub mod http;
pub mod openapi;
pub mod state;
pub mod witness;

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use goodstanding_trust::fetch::Source;

/// How the service is limited. Each limit, exceeded, has its own answer: 413 for the body or an
/// image's pixels, 408 for time, 503 for requests at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most bytes of a `POST /v1/verify` body (each carrier also has its own, smaller cap).
    pub max_body: usize,
    /// Most bytes of a `POST /v1/verify/batch` body.
    pub max_batch_body: usize,
    /// Most parts in a batch.
    pub max_batch_parts: usize,
    /// Most time a request may take, from its headers to its answer, reading the body included.
    pub request_timeout: Duration,
    /// Most requests answered at once; more are answered 503 at once.
    pub max_concurrent: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body: goodstanding_verifier::scan::MAX_IMAGE_LEN,
            max_batch_body: 64 * 1024 * 1024,
            max_batch_parts: 100,
            request_timeout: Duration::from_secs(30),
            max_concurrent: 256,
        }
    }
}

/// How to run the service.
#[derive(Debug, Clone)]
pub struct Config {
    /// The trust folder (made by `goodstanding trust update`).
    pub trust_folder: PathBuf,
    /// Refuse a verdict of valid when the revocation list is past its next update.
    pub require_fresh: bool,
    /// Where to fetch the lists from in the background, and how often.
    pub refresh: Option<(Source, Duration)>,
    /// The limits.
    pub limits: Limits,
    /// Worker threads for requests (verification itself runs on a blocking pool).
    pub workers: usize,
}

/// Something the service did, for the log. Carries no personal data.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The service is answering on this address.
    Listening(SocketAddr),
    /// A request was answered.
    Answered {
        /// The request's id (also sent back as `X-Request-Id`).
        request_id: u64,
        /// The method.
        method: String,
        /// The path, without the query.
        path: String,
        /// The HTTP status.
        status: u16,
        /// The carrier a certificate was read from, if one was.
        carrier: Option<&'static str>,
        /// The verdict's code (`valid`, `revoked`, ...) or the error's.
        outcome: Option<&'static str>,
        /// How long it took.
        took: Duration,
    },
    /// The background refresh fetched and loaded newer (or the same) lists.
    Refreshed {
        /// The trust list's number now held.
        trust_list: u64,
        /// The revocation list's number now held.
        revocation_list: u64,
    },
    /// The background refresh failed; the service keeps what it holds.
    RefreshFailed {
        /// Why.
        reason: String,
        /// The revocation list's number still held.
        revocation_list: u64,
    },
    /// A signal asked the service to stop; it finishes the requests in flight.
    ShuttingDown,
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Listening(addr) => write!(f, "listening on http://{addr}"),
            Self::Answered {
                request_id,
                method,
                path,
                status,
                carrier,
                outcome,
                took,
            } => write!(
                f,
                "request={request_id:06} {method} {path} status={status} carrier={} \
                 outcome={} took_ms={:.2}",
                carrier.unwrap_or("-"),
                outcome.unwrap_or("-"),
                took.as_secs_f64() * 1000.0
            ),
            Self::Refreshed {
                trust_list,
                revocation_list,
            } => write!(
                f,
                "trust refreshed: trust list number {trust_list}, revocation list number \
                 {revocation_list}"
            ),
            Self::RefreshFailed {
                reason,
                revocation_list,
            } => write!(
                f,
                "trust refresh failed, still serving revocation list number {revocation_list}: \
                 {reason}"
            ),
            Self::ShuttingDown => f.write_str("shutting down: finishing the requests in flight"),
        }
    }
}

/// Where log events go.
pub type Log = Arc<dyn Fn(&Event) + Send + Sync>;

/// Why the service could not start or stopped with an error.
#[derive(Debug)]
pub enum ServeError {
    /// The trust folder could not be loaded.
    Trust {
        /// The folder.
        folder: PathBuf,
        /// Why.
        reason: String,
    },
    /// The time could not be had (the system clock is wrong, or the override is not a time).
    Clock(String),
    /// The runtime or the listening socket failed.
    Io(std::io::Error),
}

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Trust { folder, reason } => write!(
                f,
                "{}: the trust folder could not be loaded: {reason}. Make it with `goodstanding \
                 trust update --from URL --trust DIR --root ROOT.pub.jwk`",
                folder.display()
            ),
            Self::Clock(why) => f.write_str(why),
            Self::Io(e) => write!(f, "the server failed: {e}"),
        }
    }
}

impl std::error::Error for ServeError {}

/// Loads the trust folder, then answers on `listener` until SIGTERM or SIGINT, then finishes the
/// requests in flight and returns.
pub fn run(listener: std::net::TcpListener, config: &Config, log: Log) -> Result<(), ServeError> {
    let holder = Arc::new(state::TrustHolder::load(
        &config.trust_folder,
        config.require_fresh,
    )?);
    if let Some((source, every)) = &config.refresh {
        holder.start_refresh(source.clone(), *every, Arc::clone(&log));
    }
    // Verification is work for the processor: a few threads per core keep every core busy and
    // a slow image from holding up the rest, without the hundreds tokio allows by default (each
    // with memory of its own).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.workers.max(1))
        .max_blocking_threads(config.workers.max(1) * 4)
        .enable_all()
        .build()
        .map_err(ServeError::Io)?;
    runtime.block_on(http::serve(listener, holder, config.limits, log))
}
