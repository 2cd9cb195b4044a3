//! `goodstanding bench`: the benchmarks for developers, in one place: `bench batch` (issuing
//! throughput and peak memory), `bench serve` (the verification service under load, with the
//! load generator in `load`), `bench log-verify` (auditing a log of 10^6 entries), and the memory reader they and the batch summary share.

mod batch;
mod load;
mod log;
pub mod memory;
mod serve;

use std::path::PathBuf;

use crate::error::CliError;

/// The subcommands of `goodstanding bench`.
#[derive(clap::Subcommand)]
pub enum BenchCommand {
    /// Start `goodstanding serve` on the demo's trust folder and load it from concurrent
    /// clients on loopback for a fixed time: requests per second, p50 and p99 latency, errors
    /// and the server's memory, for QR text and for PDF bodies.
    Serve {
        /// Seconds of load for each body.
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// Clients at once, each on its own kept-alive connection.
        #[arg(long, default_value_t = 32)]
        clients: usize,
        /// The bodies to send: qr (the QR text) and pdf (a certificate PDF).
        #[arg(long = "body", value_name = "qr|pdf", default_values_t = ["qr".to_string(), "pdf".to_string()])]
        bodies: Vec<String>,
        /// Print the server's memory every N seconds during each run.
        #[arg(long, value_name = "N")]
        memory_every: Option<u64>,
        /// Keep the demo certificates in this folder instead of a temporary one.
        #[arg(long, value_name = "DIR")]
        keep: Option<PathBuf>,
    },
    /// Issue synthetic requests end to end (validate, sign, QR, PDF, write, register) and report
    /// certificates per second and peak memory for each --jobs value.
    Batch {
        /// Requests to issue.
        #[arg(long, default_value_t = 10_000)]
        count: u64,
        /// Worker threads; repeat to compare.
        #[arg(long, value_name = "N", default_values_t = [1, 2])]
        jobs: Vec<usize>,
        /// Keep the input, key and output in this folder instead of a temporary one.
        #[arg(long, value_name = "DIR")]
        keep: Option<PathBuf>,
        /// Also run with this key, next to a new key file, and show its share of the key
        /// file's throughput: a pkcs11: URI (its PIN from $GOODSTANDING_PKCS11_PIN or
        /// --pin-file) or a key file.
        #[arg(long, value_name = "pkcs11:URI|KEY.pem")]
        key: Option<std::ffi::OsString>,
        #[command(flatten)]
        token: crate::shared::TokenArgs,
        /// Also run each with a transparency log and two witnesses on loopback (`goodstanding
        /// witness run` processes), and show its share of the run without.
        #[arg(long)]
        log: bool,
        /// Also run each against a PostgreSQL register on this server (a URL without a
        /// database, such as postgres://goodstanding@127.0.0.1:5433: each run gets a new
        /// database), and show its share of the same run on SQLite.
        #[arg(long, value_name = "URL")]
        postgres: Option<String>,
        /// Also run each with two-person approval on: a team register (`register init
        /// --approvals 2`) whose requests a preparer submitted and two approvers approved, each
        /// with one signature for the whole set; setting that up is not timed.
        #[arg(long)]
        approvals: bool,
    },
    /// Synthesise a published transparency log of N entries (tiles, bundles, a signed
    /// checkpoint) and time `goodstanding log verify` on it from scratch.
    LogVerify {
        /// Entries in the log.
        #[arg(long, default_value_t = 1_000_000)]
        entries: u64,
        /// Keep the synthesised site in this folder instead of a temporary one.
        #[arg(long, value_name = "DIR")]
        keep: Option<PathBuf>,
    },
}

/// `goodstanding bench ...`.
pub fn run(command: BenchCommand) -> Result<(), CliError> {
    match command {
        BenchCommand::Batch {
            count,
            jobs,
            keep,
            key,
            token,
            log,
            postgres,
            approvals,
        } => batch::batch(&batch::BenchBatch {
            count,
            jobs: &jobs,
            keep: keep.as_deref(),
            key: key.as_deref(),
            token: &token,
            log,
            postgres: postgres.as_deref(),
            approvals,
        }),
        BenchCommand::LogVerify { entries, keep } => log::log_verify(entries, keep.as_deref()),
        BenchCommand::Serve {
            seconds,
            clients,
            bodies,
            memory_every,
            keep,
        } => serve::serve(&serve::BenchServe {
            seconds,
            clients: clients.max(1),
            bodies: &bodies,
            memory_every,
            keep: keep.as_deref(),
        }),
    }
}
