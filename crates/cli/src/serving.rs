//! `goodstanding serve`: the verification service for HR and recruitment systems, and
//! `goodstanding bench serve`, its load test.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use goodstanding_service::load::{self, LoadPlan, LoadReport};
use goodstanding_service::{Config, Event, Limits};
use goodstanding_trust::fetch::Source;

use crate::error::CliError;
use crate::io::outln;
use crate::shared::{now, trust_dir};

/// Arguments of `goodstanding serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// The trust folder the verdicts rest on (made by `goodstanding trust update`)
    /// [default: $GOODSTANDING_TRUST, else trust/ in the data directory].
    #[arg(long, value_name = "DIR")]
    trust: Option<PathBuf>,
    /// The address and port to answer on. The service has no TLS and no authentication: keep it
    /// on loopback or a private network, behind the HR system's own proxy.
    #[arg(long, value_name = "ADDRESS:PORT", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Fetch the lists in the background from where the issuing body publishes them (a URL or a
    /// folder), with the same checks as `trust update`; a failed fetch keeps what is held.
    #[arg(long, value_name = "URL|DIR")]
    refresh_from: Option<String>,
    /// How often to fetch: 30s, 10m, 1h, 1d.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "1h",
        requires = "refresh_from"
    )]
    refresh_every: String,
    /// Not valid unless the revocation list is current (not past its next update).
    #[arg(long)]
    require_fresh: bool,
    /// Most bytes of one certificate's body (each carrier also has its own cap: 4 MiB for a
    /// PDF, 128 KiB for a .jws or QR text, 20 MiB for an image).
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_body)]
    max_body: usize,
    /// Most bytes of a batch's body.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_batch_body)]
    max_batch_body: usize,
    /// Most time a request may take, reading its body included: 500ms, 30s.
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    request_timeout: String,
    /// Most requests answered at once; more get 503 with Retry-After.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_concurrent)]
    max_concurrent: usize,
}

/// `goodstanding serve`.
pub fn serve(args: &ServeArgs) -> Result<(), CliError> {
    let trust_folder = trust_dir(args.trust.as_deref())?;
    let refresh = match &args.refresh_from {
        Some(from) => Some((
            Source::parse(from).map_err(|_| {
                CliError::Input(format!(
                    "--refresh-from {from:?}: neither an http(s):// URL nor a folder; give where \
                     the issuing body publishes its lists"
                ))
            })?,
            parse_duration("--refresh-every", &args.refresh_every)?,
        )),
        None => None,
    };
    let limits = Limits {
        max_body: args.max_body,
        max_batch_body: args.max_batch_body,
        request_timeout: parse_duration("--request-timeout", &args.request_timeout)?,
        max_concurrent: args.max_concurrent.max(1),
        ..Limits::default()
    };
    let config = Config {
        trust_folder,
        require_fresh: args.require_fresh,
        refresh,
        limits,
        workers: std::thread::available_parallelism().map_or(2, usize::from),
    };
    let listener = std::net::TcpListener::bind(&args.listen).map_err(|e| {
        CliError::Input(format!(
            "--listen {}: cannot listen there ({e}); give a free ADDRESS:PORT, such as \
             127.0.0.1:8080",
            args.listen
        ))
    })?;
    goodstanding_service::run(listener, &config, Arc::new(log_event))
        .map_err(|e| CliError::Input(e.to_string()))
}

/// Where the service's events go: the address it listens on to standard output (a program that
/// started it reads the port there), everything else to standard error, a line each, with the
/// time.
fn log_event(event: &Event) {
    if let Event::Listening(_) = event {
        outln!("{event}");
        let _ = std::io::stdout().flush();
        return;
    }
    let at = now().map_or_else(|_| "-".to_string(), |t| t.to_string());
    let _ = writeln!(std::io::stderr().lock(), "{at} {event}");
}

/// A duration as given on the command line: a number and a unit (ms, s, m, h, d).
pub fn parse_duration(flag: &str, text: &str) -> Result<Duration, CliError> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let millis_per_unit: u64 = match unit {
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => 0,
    };
    match number.parse::<u64>() {
        Ok(n) if n > 0 && millis_per_unit > 0 => {
            Ok(Duration::from_millis(n.saturating_mul(millis_per_unit)))
        }
        _ => Err(CliError::Input(format!(
            "{flag} {text:?}: give a positive number and a unit, such as 500ms, 30s, 10m, 1h or 1d"
        ))),
    }
}

/// What `goodstanding bench serve` measures.
pub struct BenchServe<'a> {
    /// How long each load runs.
    pub seconds: u64,
    /// Clients at once, each on its own kept-alive connection.
    pub clients: usize,
    /// The bodies to measure: `qr`, `pdf` or both.
    pub bodies: &'a [String],
    /// Print the server's memory this often during a run.
    pub memory_every: Option<u64>,
    /// Keep the demo certificates here instead of a temporary folder.
    pub keep: Option<&'a Path>,
}

/// `goodstanding bench serve`: makes the demo certificates and trust folder, starts
/// `goodstanding serve` as its own process, and loads it from concurrent clients on loopback
/// for a fixed time, for QR text and for PDF bodies.
pub fn bench_serve(bench: &BenchServe<'_>) -> Result<(), CliError> {
    let dir = match bench.keep {
        Some(dir) => dir.to_path_buf(),
        None => {
            std::env::temp_dir().join(format!("goodstanding-bench-serve-{}", std::process::id()))
        }
    };
    let exe = std::env::current_exe().map_err(|e| CliError::Input(e.to_string()))?;
    let demo = dir.join("demo");
    if !demo.join("trust").is_dir() {
        let status = Command::new(&exe)
            .arg("demo")
            .arg("--out")
            .arg(&demo)
            .stdout(Stdio::null())
            .status()
            .map_err(|e| CliError::Input(format!("cannot run the demo: {e}")))?;
        if !status.success() {
            return Err(CliError::Input(
                "the demo failed; run `goodstanding demo`".into(),
            ));
        }
    }
    let qr_file = first_file(&demo, ".qr.txt")?;
    let pdf = first_file(&demo, ".pdf")?;
    let qr = std::fs::read(&qr_file).map_err(|e| CliError::file(&qr_file, e))?;
    let pdf_bytes = std::fs::read(&pdf).map_err(|e| CliError::file(&pdf, e))?;

    let server = Server::start(&exe, &demo.join("trust"))?;
    outln!(
        "goodstanding serve on {} (pid {}); {} clients, each on a kept-alive connection, {} s a body",
        server.address,
        server.child.id(),
        bench.clients,
        bench.seconds
    );
    outln!(
        "{:>5}  {:>8}  {:>10}  {:>8}  {:>8}  {:>8}  {:>7}  {:>14}",
        "body",
        "bytes",
        "requests/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "errors",
        "server memory"
    );
    let mut failed = false;
    for body in bench.bodies {
        let (bytes, content_type) = match body.as_str() {
            "qr" => (qr.clone(), "text/plain"),
            "pdf" => (pdf_bytes.clone(), "application/pdf"),
            other => {
                return Err(CliError::Input(format!("--body {other:?}: give qr or pdf")));
            }
        };
        let plan = LoadPlan {
            address: server.address,
            path: "/v1/verify".into(),
            content_type: content_type.into(),
            body: bytes.clone(),
            clients: bench.clients,
            duration: Duration::from_secs(bench.seconds),
            expect: "\"status\":\"valid\"".into(),
        };
        let pid = server.child.id();
        let mut samples = Vec::new();
        let report = load::run(
            &plan,
            bench.memory_every.map(Duration::from_secs),
            &mut |elapsed| {
                let rss = resident_kib(pid, "VmRSS:").unwrap_or(0);
                samples.push((elapsed.as_secs(), rss));
            },
        )
        .map_err(|e| CliError::Input(format!("the load test failed: {e}")))?;
        failed |= report.errors > 0;
        print_report(body, bytes.len(), &report, pid);
        if bench.memory_every.is_some() {
            let line: Vec<String> = samples
                .iter()
                .map(|(s, kib)| format!("{s} s {:.1} MB", *kib as f64 / 1024.0))
                .collect();
            outln!("       server memory over the run: {}", line.join(", "));
        }
    }
    drop(server);
    if bench.keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    if failed {
        return Err(CliError::Refused(
            "some requests failed or were not valid: see the errors column".into(),
        ));
    }
    Ok(())
}

fn print_report(body: &str, bytes: usize, report: &LoadReport, pid: u32) {
    let rss = resident_kib(pid, "VmRSS:").unwrap_or(0) as f64 / 1024.0;
    let peak = resident_kib(pid, "VmHWM:").unwrap_or(0) as f64 / 1024.0;
    outln!(
        "{body:>5}  {bytes:>8}  {:>10.0}  {:>8.2}  {:>8.2}  {:>8.2}  {:>7}  {:>14}",
        report.requests_per_second(),
        report.percentile(0.50).as_secs_f64() * 1000.0,
        report.percentile(0.99).as_secs_f64() * 1000.0,
        report.percentile(1.0).as_secs_f64() * 1000.0,
        report.errors,
        format!("{rss:.1}/{peak:.1} MB")
    );
}

/// A `/proc/PID/status` memory figure in KiB (`VmRSS:` now, `VmHWM:` the peak).
fn resident_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}

fn first_file(dir: &Path, suffix: &str) -> Result<PathBuf, CliError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| CliError::file(dir, e))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(suffix))
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .next()
        .ok_or_else(|| CliError::file(dir, format!("no {suffix} file: run `goodstanding demo`")))
}

/// `goodstanding serve` as a process of its own, on a free loopback port.
struct Server {
    child: Child,
    address: std::net::SocketAddr,
}

impl Server {
    fn start(exe: &Path, trust: &Path) -> Result<Self, CliError> {
        let mut child = Command::new(exe)
            .args(["serve", "--listen", "127.0.0.1:0", "--trust"])
            .arg(trust)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| CliError::Input(format!("cannot start goodstanding serve: {e}")))?;
        let mut line = String::new();
        if let Some(stdout) = child.stdout.take() {
            let _ = BufReader::new(stdout).read_line(&mut line);
        }
        let address = line
            .trim()
            .strip_prefix("listening on http://")
            .and_then(|a| a.parse().ok());
        match address {
            Some(address) => Ok(Self { child, address }),
            None => {
                let _ = child.kill();
                Err(CliError::Input(format!(
                    "goodstanding serve did not start (it said {line:?})"
                )))
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
