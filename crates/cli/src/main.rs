//! `goodstanding`: issue and verify certificates of good standing for senior healthcare managers.
#![forbid(unsafe_code)]

mod commands;
mod error;
mod io;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

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
    /// DIR/<id>.qr.txt and DIR/<id>.pdf and prints the id. A refused request writes nothing.
    Issue {
        /// The request (JSON; see schemas/certificate-request.schema.json).
        request: PathBuf,
        /// The issuing private key (PKCS#8 PEM, mode 0600).
        #[arg(long, value_name = "KEY.pem")]
        key: PathBuf,
        /// Folder for the certificate files (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Key id to sign as; defaults to the kid of the .pub.jwk beside the key.
        #[arg(long, value_name = "KID")]
        kid: Option<String>,
    },
    /// Verify a certificate offline and show what it says.
    ///
    /// Exit status 0 valid; 1 not valid (bad signature, unknown key, expired, not yet valid,
    /// unsupported version); 2 unreadable input or usage error.
    Verify {
        /// A .jws file, a file holding the QR text, a certificate PDF (its attached .jws is
        /// verified), a photo or scan of the QR code (PNG, JPEG), or - for standard input.
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
        Command::Issue {
            request,
            key,
            out,
            kid,
        } => commands::issue(&request, &key, &out, kid),
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
