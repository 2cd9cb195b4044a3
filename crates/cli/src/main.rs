//! `goodstanding`: issue and verify certificates of good standing for senior healthcare managers.
#![forbid(unsafe_code)]

mod commands;
mod error;
mod io;
mod issuing;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use goodstanding_issuer::batch_input::InputFormat;

use crate::error::EXIT_OK;

/// Issue and verify certificates of good standing for senior healthcare managers.
///
/// An issuing body signs a certificate (Ed25519, JWS) listing a manager's disciplinary findings,
/// relevant convictions and departures during an investigation; an employer verifies it offline
/// with the issuer's public key, from the .jws file or the QR text.
///
/// Exit status: 0 success / valid; 1 not valid, or a request refused by the rules; 2 unreadable
/// input, a file that could not be read or written, or a usage error.
#[derive(Parser)]
#[command(name = "goodstanding", version, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate an issuing key pair: DIR/<kid>.key.pem (PKCS#8, mode 0600) and
    /// DIR/<kid>.pub.jwk (the public key to give to verifiers).
    Keygen {
        /// Folder to write the key pair into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Key id; defaults to gs- and 16 characters of the key's RFC 7638 thumbprint.
        #[arg(long, value_name = "KID")]
        kid: Option<String>,
        /// Replace an existing key pair of the same kid.
        #[arg(long)]
        force: bool,
    },
    /// Validate a certificate request against the rules and sign it: writes DIR/<id>.jws,
    /// DIR/<id>.qr.txt and DIR/<id>.pdf, records it in the register and prints the id. A refused
    /// request writes nothing.
    Issue {
        /// The request (JSON; see schemas/certificate-request.schema.json).
        request: PathBuf,
        #[command(flatten)]
        signing: issuing::SigningArgs,
    },
    /// Issue a whole batch: one certificate per request of a JSON Lines or CSV file, in
    /// parallel, each recorded in the register.
    ///
    /// Writes DIR/<id>.jws, .qr.txt and .pdf for each certificate, DIR/<batch>.manifest.jws (every
    /// certificate and the SHA-256 of each file, signed) and, if any request is refused,
    /// DIR/<batch>.rejected.jsonl (line, field, rule and original text of each). Refused requests
    /// do not stop the batch.
    ///
    /// Interrupted (a crash, kill -9, a full disk)? Run the same command again: it resumes,
    /// issuing only what was not issued, and nothing is signed twice. The CSV columns are in the
    /// README and examples/batch/.
    ///
    /// Exit status 0 all issued; 1 some requests refused; 2 the batch could not run.
    Batch {
        /// The requests: JSON Lines (one request per line) or CSV (one row per record).
        input: PathBuf,
        #[command(flatten)]
        signing: issuing::SigningArgs,
        /// Worker threads [default: one per core].
        #[arg(long, value_name = "N")]
        jobs: Option<usize>,
        /// The input's form [default: from its extension, else its content].
        #[arg(long, value_enum)]
        format: Option<FormatArg>,
        /// No progress display; the summary and errors only.
        #[arg(long, short)]
        quiet: bool,
        /// Print the summary as JSON (no progress display).
        #[arg(long)]
        json: bool,
    },
    /// Read the issuance register: what was issued, to whom, in which batch, what was revoked.
    Register {
        #[command(subcommand)]
        command: RegisterCommand,
    },
    /// Revoke a certificate: records the revocation and its reason in the register.
    Revoke {
        /// The certificate id.
        id: String,
        /// Why: new_information, issued_in_error or key_compromise (superseded is recorded by
        /// `reissue`).
        #[arg(long, value_name = "CODE")]
        reason: String,
        #[command(flatten)]
        register: issuing::RegisterArg,
    },
    /// Issue a new certificate for the same subject that names the one it supersedes, and revoke
    /// the old one (reason superseded) in the same register transaction.
    Reissue {
        /// The certificate to supersede.
        id: String,
        /// The corrected request (JSON), for the same subject reference.
        request: PathBuf,
        #[command(flatten)]
        signing: issuing::SigningArgs,
    },
    /// Verify a certificate offline and show what it says.
    ///
    /// Exit status 0 valid; 1 not valid (bad signature, unknown key, expired, not yet valid,
    /// unsupported version); 2 unreadable input or usage error.
    Verify {
        /// A .jws file, a file holding the QR text, a certificate PDF (its attached .jws is
        /// verified), a photo or scan of the QR code (PNG, JPEG), - for standard input, or a
        /// batch manifest (<batch>.manifest.jws: checks every file of the batch against it).
        input: PathBuf,
        /// Trusted issuer public keys: a folder of *.jwk files or one .jwk file
        /// [default: $GOODSTANDING_TRUST].
        #[arg(long, value_name = "DIR")]
        trust: Option<PathBuf>,
        /// Verify as at this time (YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DD) instead of now.
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// Print a machine-readable JSON result instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Re-render the PDF of a signed certificate: verifies its signature with the trust store
    /// (an expired certificate is still rendered), then writes DIR/<id>.pdf.
    Render {
        /// A .jws file, a file holding the QR text, or - for standard input.
        input: PathBuf,
        /// Trusted issuer public keys: a folder of *.jwk files or one .jwk file
        /// [default: $GOODSTANDING_TRUST].
        #[arg(long, value_name = "DIR")]
        trust: Option<PathBuf>,
        /// Folder for the PDF (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Convert a certificate between its carriers (.jws and QR text) without loss. Converting
    /// does not verify: use `verify` for that.
    Convert {
        /// A .jws file, a file holding the QR text, or - for standard input.
        input: PathBuf,
        /// The carrier to convert to.
        #[arg(long, value_enum)]
        to: CarrierArg,
    },
    /// Issue and verify the built-in examples with the demo key (which nothing trusts unless
    /// told to), and print a summary.
    Demo {
        /// Folder for the demo certificates and the demo trust store.
        #[arg(long, value_name = "DIR", default_value = "goodstanding-demo")]
        out: PathBuf,
    },
    /// Write the JSON Schemas of the certificate request and the certificate payload.
    Schema {
        /// Folder to write the schemas into.
        #[arg(long, value_name = "DIR", default_value = "schemas")]
        out: PathBuf,
    },
    /// Benchmarks for developers.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

#[derive(Subcommand)]
enum RegisterCommand {
    /// List certificates, oldest first.
    List {
        /// Only this subject reference.
        #[arg(long, value_name = "REF")]
        subject: Option<String>,
        /// Only this batch.
        #[arg(long, value_name = "ID")]
        batch: Option<String>,
        #[command(flatten)]
        register: issuing::RegisterArg,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Everything the register holds about one certificate.
    Show {
        /// The certificate id.
        id: String,
        #[command(flatten)]
        register: issuing::RegisterArg,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
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
    },
}

/// The form of a batch input.
#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    /// JSON Lines: one request per line.
    Jsonl,
    /// CSV: one row per record (see the README).
    Csv,
}

/// A certificate carrier.
#[derive(Clone, Copy, ValueEnum)]
enum CarrierArg {
    /// JWS compact serialization (.jws).
    Jws,
    /// GSC1: QR text.
    Qr,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Keygen { out, kid, force } => commands::keygen(&out, kid, force),
        Command::Issue { request, signing } => issuing::issue(&request, &signing),
        Command::Batch {
            input,
            signing,
            jobs,
            format,
            quiet,
            json,
        } => issuing::batch(issuing::BatchArgs {
            input,
            signing,
            jobs,
            format: format.map(|f| match f {
                FormatArg::Jsonl => InputFormat::JsonLines,
                FormatArg::Csv => InputFormat::Csv,
            }),
            quiet,
            json,
        }),
        Command::Register {
            command:
                RegisterCommand::List {
                    subject,
                    batch,
                    register,
                    json,
                },
        } => issuing::register_list(subject, batch, register.path.as_deref(), json),
        Command::Register {
            command: RegisterCommand::Show { id, register, json },
        } => issuing::register_show(&id, register.path.as_deref(), json),
        Command::Revoke {
            id,
            reason,
            register,
        } => issuing::revoke(&id, &reason, register.path.as_deref()),
        Command::Reissue {
            id,
            request,
            signing,
        } => issuing::reissue(&id, &request, &signing),
        Command::Bench {
            command: BenchCommand::Batch { count, jobs, keep },
        } => issuing::bench_batch(count, &jobs, keep.as_deref()),
        Command::Verify {
            input,
            trust,
            at,
            json,
        } => commands::verify(&input, trust.as_deref(), at.as_deref(), json),
        Command::Render { input, trust, out } => commands::render(&input, trust.as_deref(), &out),
        Command::Convert { input, to } => commands::convert(&input, matches!(to, CarrierArg::Qr)),
        Command::Demo { out } => commands::demo(&out),
        Command::Schema { out } => commands::schema(&out),
    };
    match result {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(error) => {
            if !matches!(error, error::CliError::NotValid) {
                eprintln!("goodstanding: {error}");
            }
            ExitCode::from(error.exit_code())
        }
    }
}
