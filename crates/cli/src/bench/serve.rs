//! `goodstanding bench serve`: the demo's trust folder served by `goodstanding serve` in a
//! process of its own, loaded from concurrent clients on loopback.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::load::{self, LoadPlan, LoadReport};
use super::memory;
use crate::error::CliError;
use crate::io::outln;

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
pub fn serve(bench: &BenchServe<'_>) -> Result<(), CliError> {
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
                let rss = memory::resident_kib(pid).unwrap_or(0);
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
    let rss = memory::resident_kib(pid).unwrap_or(0) as f64 / 1024.0;
    let peak = memory::peak_kib(pid).unwrap_or(0) as f64 / 1024.0;
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
