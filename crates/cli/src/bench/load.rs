//! The load generator behind `goodstanding bench serve`: many clients at once, each on its own
//! kept-alive HTTP/1.1 connection, sending the same body for a fixed time and recording every
//! answer's latency. A benchmark, not a test: it reports, it does not judge.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

/// One load run.
#[derive(Debug, Clone)]
pub struct LoadPlan {
    /// The server.
    pub address: SocketAddr,
    /// The path to post to.
    pub path: String,
    /// The body's `Content-Type`.
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
    /// Clients at once.
    pub clients: usize,
    /// How long to load.
    pub duration: Duration,
    /// Text an answer must contain to count as a success.
    pub expect: String,
}

/// What a load run measured.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    /// Latencies of the successful answers, sorted.
    pub latencies: Vec<Duration>,
    /// Answers that were not 200 with the expected text, and broken connections.
    pub errors: u64,
    /// How long the run took.
    pub elapsed: Duration,
}

impl LoadReport {
    /// Successful answers a second.
    pub fn requests_per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// The latency below which `fraction` of the answers came (0.5 the median, 1.0 the worst).
    pub fn percentile(&self, fraction: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let last = self.latencies.len() - 1;
        let index = ((last as f64) * fraction.clamp(0.0, 1.0)).round() as usize;
        self.latencies[index.min(last)]
    }
}

/// Why a load run could not run.
#[derive(Debug)]
pub enum LoadError {
    /// The runtime could not start.
    Runtime(std::io::Error),
    /// A client could not connect.
    Connect(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Runtime(e) => write!(f, "cannot start the client runtime: {e}"),
            Self::Connect(e) => write!(f, "cannot connect to the server: {e}"),
        }
    }
}

impl std::error::Error for LoadError {}

/// Runs `plan`, calling `sample` with the time elapsed every `sample_every` (to read the
/// server's memory, say) and once at the end.
pub fn run(
    plan: &LoadPlan,
    sample_every: Option<Duration>,
    sample: &mut dyn FnMut(Duration),
) -> Result<LoadReport, LoadError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(LoadError::Runtime)?;
    runtime.block_on(async {
        let started = Instant::now();
        let deadline = started + plan.duration;
        let body = Bytes::from(plan.body.clone());
        let mut clients = Vec::with_capacity(plan.clients);
        for _ in 0..plan.clients {
            let sender = connect(plan.address).await?;
            clients.push(tokio::spawn(client(
                sender,
                plan.clone(),
                body.clone(),
                deadline,
            )));
        }
        if let Some(every) = sample_every {
            let mut next = started + every;
            while next < deadline {
                tokio::time::sleep_until(next.into()).await;
                sample(started.elapsed());
                next += every;
            }
        }
        let mut report = LoadReport::default();
        for handle in clients {
            match handle.await {
                Ok((latencies, errors)) => {
                    report.latencies.extend(latencies);
                    report.errors += errors;
                }
                Err(_) => report.errors += 1,
            }
        }
        report.elapsed = started.elapsed();
        sample(report.elapsed);
        report.latencies.sort_unstable();
        Ok(report)
    })
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(address: SocketAddr) -> Result<Sender, LoadError> {
    let stream = tokio::net::TcpStream::connect(address)
        .await
        .map_err(|e| LoadError::Connect(e.to_string()))?;
    let _ = stream.set_nodelay(true);
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| LoadError::Connect(e.to_string()))?;
    tokio::spawn(connection);
    Ok(sender)
}

/// One client: posts the body again and again until `deadline`, reconnecting after an error.
async fn client(
    mut sender: Sender,
    plan: LoadPlan,
    body: Bytes,
    deadline: Instant,
) -> (Vec<Duration>, u64) {
    let mut latencies = Vec::new();
    let mut errors = 0;
    while Instant::now() < deadline {
        let request = hyper::Request::post(plan.path.as_str())
            .header(hyper::header::HOST, plan.address.to_string())
            .header(hyper::header::CONTENT_TYPE, plan.content_type.as_str())
            .body(Full::new(body.clone()));
        let Ok(request) = request else {
            return (latencies, errors + 1);
        };
        let sent = Instant::now();
        let answer = async {
            sender.ready().await.ok()?;
            let response = sender.send_request(request).await.ok()?;
            let ok = response.status() == hyper::StatusCode::OK;
            let bytes = response.into_body().collect().await.ok()?.to_bytes();
            let text = String::from_utf8_lossy(&bytes);
            Some(ok && text.contains(plan.expect.as_str()))
        };
        match answer.await {
            Some(true) => latencies.push(sent.elapsed()),
            Some(false) => errors += 1,
            None => {
                errors += 1;
                match connect(plan.address).await {
                    Ok(fresh) => sender = fresh,
                    Err(_) => return (latencies, errors),
                }
            }
        }
    }
    (latencies, errors)
}
