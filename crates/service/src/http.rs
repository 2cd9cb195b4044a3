//! The HTTP side: routes, the limits around every request (time, requests at once, body size),
//! request ids and log events, and a graceful stop on SIGTERM or SIGINT.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use goodstanding_verifier::Timestamp;
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use serde::Deserialize;
use tokio::sync::Semaphore;

use crate::api::{ApiError, BatchAnswer, BatchItem, ErrorCode, Health, TrustStatus};
use crate::check::{self, Checked};

/// The time now ([`goodstanding_clock::now`]: the system clock, or the documented override).
fn now() -> Option<goodstanding_verifier::Timestamp> {
    goodstanding_clock::now().ok()
}
use crate::state::TrustHolder;
use crate::{Event, Limits, Log, ServeError};

/// Most time a client may take to send a request's headers; the connection is closed after it
/// (the body and the answer then have `Limits::request_timeout`).
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// The service's paths.
const ROUTES: [&str; 5] = [
    "/v1/verify",
    "/v1/verify/batch",
    "/v1/trust",
    "/v1/health",
    "/v1/openapi.json",
];

/// What every request shares.
struct App {
    trust: Arc<TrustHolder>,
    limits: Limits,
    log: Log,
    in_flight: Semaphore,
    next_request_id: AtomicU64,
    openapi: String,
}

/// What a handler tells the log about its answer.
#[derive(Debug, Clone, Copy, Default)]
struct Outcome {
    carrier: Option<&'static str>,
    code: Option<&'static str>,
}

/// The service's routes and limits, ready to serve: what [`serve`] puts on a socket, and what
/// the tests call in process.
pub fn router(trust: Arc<TrustHolder>, limits: Limits, log: Log) -> Router {
    let app = Arc::new(App {
        trust,
        limits,
        log,
        in_flight: Semaphore::new(limits.max_concurrent),
        next_request_id: AtomicU64::new(1),
        openapi: crate::openapi::document(),
    });
    let [
        verify_path,
        batch_path,
        trust_path,
        health_path,
        openapi_path,
    ] = ROUTES;
    Router::new()
        .route(verify_path, post(verify))
        .route(
            batch_path,
            post(verify_batch).layer(DefaultBodyLimit::max(limits.max_batch_body)),
        )
        .route(trust_path, get(trust_status))
        .route(health_path, get(health))
        .route(openapi_path, get(openapi))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(Arc::clone(&app), around))
        .with_state(app)
}

/// Serves on `listener` until SIGTERM or SIGINT, then finishes the requests in flight.
pub async fn serve(
    listener: std::net::TcpListener,
    trust: Arc<TrustHolder>,
    limits: Limits,
    log: Log,
) -> Result<(), ServeError> {
    let router = router(trust, limits, Arc::clone(&log));
    serve_router(listener, router, log).await
}

/// Serves `router` on `listener` until SIGTERM or SIGINT, then finishes the requests in flight
/// (the verification service and the witness both).
pub async fn serve_router(
    listener: std::net::TcpListener,
    router: Router,
    log: Log,
) -> Result<(), ServeError> {
    listener.set_nonblocking(true).map_err(ServeError::Io)?;
    let listener = tokio::net::TcpListener::from_std(listener).map_err(ServeError::Io)?;
    let address = listener.local_addr().map_err(ServeError::Io)?;
    log(&Event::Listening(address));
    let connections = GracefulShutdown::new();
    let stop = stop_signal(log);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(_) => {
                        // Out of file descriptors, say: let connections finish, then go on.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let mut builder = hyper::server::conn::http1::Builder::new();
                builder
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEADER_TIMEOUT);
                let connection = builder.serve_connection(
                    TokioIo::new(stream),
                    TowerToHyperService::new(router.clone()),
                );
                let connection = connections.watch(connection);
                tokio::spawn(async move {
                    let _ = connection.await;
                });
            }
            () = &mut stop => break,
        }
    }
    // No new connections; those open finish the request they are on, then close.
    drop(listener);
    connections.shutdown().await;
    Ok(())
}

/// Resolves on SIGTERM or SIGINT.
async fn stop_signal(log: Log) {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = terminate => {},
        _ = tokio::signal::ctrl_c() => {},
    }
    log(&Event::ShuttingDown);
}

/// Around every request: an id, the limits on requests at once and on time, and the log event.
async fn around(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = app.next_request_id.fetch_add(1, Ordering::Relaxed);
    // Only the service's own paths are logged: any other path is the caller's text.
    let path = request.uri().path();
    let path = if ROUTES.contains(&path) {
        path
    } else {
        "(other)"
    }
    .to_string();
    let method = request.method();
    let method = if [Method::GET, Method::POST, Method::HEAD].contains(method) {
        method.as_str()
    } else {
        "(other)"
    }
    .to_string();
    let mut response = match app.in_flight.try_acquire() {
        Err(_) => {
            let mut busy = error_response(
                &ApiError::new(
                    ErrorCode::Busy,
                    format!(
                        "the service is answering {} requests, its limit: try again shortly",
                        app.limits.max_concurrent
                    ),
                )
                .with_limit(app.limits.max_concurrent as u64),
            );
            busy.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            busy
        }
        Ok(_permit) => {
            match tokio::time::timeout(app.limits.request_timeout, next.run(request)).await {
                Ok(response) => response,
                Err(_) => {
                    let limit = app.limits.request_timeout.as_millis();
                    error_response(
                        &ApiError::new(
                            ErrorCode::Timeout,
                            format!(
                                "the request took longer than the {limit} ms allowed (reading the \
                             body included): send it again, faster or smaller"
                            ),
                        )
                        .with_limit(u64::try_from(limit).unwrap_or(u64::MAX)),
                    )
                }
            }
        }
    };
    if let Ok(value) = HeaderValue::from_str(&request_id.to_string()) {
        response.headers_mut().insert("x-request-id", value);
    }
    let outcome = response
        .extensions()
        .get::<Outcome>()
        .copied()
        .unwrap_or_default();
    (app.log)(&Event::Answered {
        request_id,
        method,
        path,
        status: response.status().as_u16(),
        carrier: outcome.carrier,
        outcome: outcome.code,
        took: started.elapsed(),
    });
    response
}

/// `?at=` on the verify routes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyQuery {
    /// Verify as at this time (a date or an RFC 3339 timestamp), as `verify --at`.
    at: Option<String>,
}

fn parse_at(query: Result<Query<VerifyQuery>, QueryRejection>) -> Result<Timestamp, ApiError> {
    let Query(query) = query.map_err(|e| {
        ApiError::new(
            ErrorCode::BadRequest,
            format!("the query is not understood ({e}); the only parameter is at=TIME"),
        )
    })?;
    match query.at {
        Some(text) => Timestamp::parse_date_or_time(&text).map_err(|e| {
            ApiError::new(
                ErrorCode::BadRequest,
                format!(
                    "at={text:?}: {e}; give a date (2026-12-02) or a UTC timestamp \
                     (2026-12-02T10:00:00Z)"
                ),
            )
        }),
        None => {
            now().ok_or_else(|| ApiError::new(ErrorCode::Internal, "the server's clock is wrong"))
        }
    }
}

/// `POST /v1/verify`.
async fn verify(
    State(app): State<Arc<App>>,
    query: Result<Query<VerifyQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let answer = async {
        let at = parse_at(query)?;
        let kind = check::body_kind(content_type(&headers))?;
        let limit = app.limits.max_body.min(kind.max_len());
        let bytes = read_body(body, &headers, limit).await?;
        check_on_pool(&app, kind, bytes, at).await
    };
    match answer.await {
        Ok(checked) => verdict_response(&checked),
        Err(error) => error_response(&error),
    }
}

/// `POST /v1/verify/batch`: a `multipart/form-data` body, each part a certificate with its own
/// `Content-Type` (or none, to be sniffed).
async fn verify_batch(
    State(app): State<Arc<App>>,
    query: Result<Query<VerifyQuery>, QueryRejection>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let answer = async {
        let at = parse_at(query)?;
        let mut multipart = multipart.map_err(|e| {
            ApiError::new(
                ErrorCode::BadRequest,
                format!("{e}: send the certificates as multipart/form-data, one part each"),
            )
        })?;
        let mut results = Vec::new();
        loop {
            let field = multipart
                .next_field()
                .await
                .map_err(multipart_error(&app))?;
            let Some(field) = field else { break };
            if results.len() == app.limits.max_batch_parts {
                return Err(ApiError::new(
                    ErrorCode::TooLarge,
                    format!(
                        "more than {} parts: split the batch",
                        app.limits.max_batch_parts
                    ),
                )
                .with_limit(app.limits.max_batch_parts as u64));
            }
            let index = results.len();
            let kind = check::body_kind(field.content_type());
            let bytes = field.bytes().await.map_err(multipart_error(&app))?;
            let item = match kind {
                Ok(kind) => check_on_pool(&app, kind, bytes, at).await,
                Err(e) => Err(e),
            };
            results.push(match item {
                Ok(checked) => BatchItem {
                    index,
                    verdict: Some(checked.json),
                    error: None,
                },
                Err(error) => BatchItem {
                    index,
                    verdict: None,
                    error: Some(error),
                },
            });
        }
        if results.is_empty() {
            return Err(ApiError::new(
                ErrorCode::BadRequest,
                "the batch has no parts: send one part per certificate",
            ));
        }
        Ok(BatchAnswer { results })
    };
    match answer.await {
        Ok(answer) => {
            let mut response = json_response(StatusCode::OK, &answer);
            response.extensions_mut().insert(Outcome {
                carrier: None,
                code: Some("batch"),
            });
            response
        }
        Err(error) => error_response(&error),
    }
}

fn multipart_error(app: &App) -> impl Fn(axum::extract::multipart::MultipartError) -> ApiError {
    let limit = app.limits.max_batch_body;
    move |e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(limit, "a batch")
        } else {
            ApiError::new(
                ErrorCode::BadRequest,
                format!("the multipart body is malformed: {}", e.body_text()),
            )
        }
    }
}

/// Checks one body on the blocking pool, so that a large PDF or image does not hold up the
/// requests behind it.
async fn check_on_pool(
    app: &App,
    kind: goodstanding_verifier::Declared,
    body: Bytes,
    at: Timestamp,
) -> Result<Checked, ApiError> {
    let held = app.trust.current();
    tokio::task::spawn_blocking(move || check::check(kind, &body, &held.trust, at))
        .await
        .unwrap_or_else(|_| {
            Err(ApiError::new(
                ErrorCode::Internal,
                "the verifier failed on this body (a bug): report it with the request id",
            ))
        })
}

/// The body, refused with 413 beyond `limit` bytes (at once when `Content-Length` says so).
async fn read_body(body: Body, headers: &HeaderMap, limit: usize) -> Result<Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(ApiError::too_large(limit, "this kind of body"));
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<LengthLimitError>() => {
            Err(ApiError::too_large(limit, "this kind of body"))
        }
        Err(e) => Err(ApiError::new(
            ErrorCode::BadRequest,
            format!("the body broke off: {e}"),
        )),
    }
}

fn content_type(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("(not text)"))
}

/// `GET /v1/trust`.
async fn trust_status(State(app): State<Arc<App>>) -> Response {
    let Some(at) = now() else {
        return error_response(&ApiError::new(
            ErrorCode::Internal,
            "the server's clock is wrong",
        ));
    };
    let held = app.trust.current();
    let status = TrustStatus {
        lists: held.trust.data(at),
        folder: app.trust.folder().display().to_string(),
        loaded_at: held.loaded_at.to_string(),
        refresh: app.trust.refresh_status(),
    };
    json_response(StatusCode::OK, &status)
}

/// `GET /v1/health`.
async fn health(State(app): State<Arc<App>>) -> Response {
    let held = app.trust.current();
    let stale = now().is_none_or(|at| at >= held.trust.cache.revocation_list.2);
    let in_flight = app.limits.max_concurrent - app.in_flight.available_permits();
    json_response(
        StatusCode::OK,
        &Health {
            status: "ok",
            revocation_list_stale: stale,
            in_flight: in_flight as u64,
        },
    )
}

/// `GET /v1/openapi.json`.
async fn openapi(State(app): State<Arc<App>>) -> Response {
    let mut response = app.openapi.clone().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

async fn not_found() -> Response {
    error_response(&ApiError::new(
        ErrorCode::NotFound,
        "no such path: see GET /v1/openapi.json for the service's paths",
    ))
}

async fn method_not_allowed(method: Method) -> Response {
    error_response(&ApiError::new(
        ErrorCode::MethodNotAllowed,
        format!("this path does not take {method}: see GET /v1/openapi.json"),
    ))
}

fn verdict_response(checked: &Checked) -> Response {
    let mut response = json_response(StatusCode::OK, &checked.json);
    response.extensions_mut().insert(Outcome {
        carrier: checked.carrier.map(|c| c.as_str()),
        code: Some(checked.status),
    });
    response
}

fn error_response(error: &ApiError) -> Response {
    let status =
        StatusCode::from_u16(error.error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = json_response(status, error);
    response.extensions_mut().insert(Outcome {
        carrier: None,
        code: Some(error.error.as_str()),
    });
    response
}

fn json_response(status: StatusCode, value: &impl serde::Serialize) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests;
