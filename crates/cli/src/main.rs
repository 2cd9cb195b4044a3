//! `goodstanding`: issue and verify certificates of good standing for senior healthcare managers.
//!
//! This file only dispatches: each command's arguments are declared beside its handler.
//!
//! | module | owns |
//! |---|---|
//! | `keys` | `keygen`, `root keygen`, `key show` |
//! | `trust` | the trust list (`trust add/retire/compromise`), `publish`, `trust update/show` |
//! | `issuing` | `issue`, `reissue`, `batch` (with its progress display), `preview` |
//! | `register` | `register list/show`, `revoke` |
//! | `verifying` | `verify`, `render`, `convert` |
//! | `report` | how a verdict is printed (text and JSON), the demo's table |
//! | `serving` | `serve` |
//! | `transparency` | `log init/show`, `witness init/run` |
//! | `site` | `site`: the verifier web page |
//! | `demo`, `schema` | `demo`, `schema` |
//! | `manuals` | `completions`, `man`: generated from the clap definitions |
//! | `bench` | `bench batch`, `bench serve`, the load generator, the memory reader |
//! | `shared`, `io`, `error` | helpers every command uses; they import no command module |
#![forbid(unsafe_code)]

mod bench;
mod demo;
mod error;
mod io;
mod issuing;
mod keys;
mod manuals;
mod monitor;
mod outputs;
mod register;
mod report;
mod schema;
mod serving;
mod shared;
mod site;
mod team;
mod transparency;
mod trust;
mod verifying;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    /// DIR/<kid>.pub.jwk (the public key to give to verifiers). With --pkcs11 the pair is made
    /// inside a PKCS#11 token (HSM) and only DIR/<kid>.pub.jwk is written.
    Keygen {
        #[command(flatten)]
        args: keys::KeygenArgs,
    },
    /// Look at a signing key.
    Key {
        #[command(subcommand)]
        command: keys::KeyCommand,
    },
    /// The root key, which signs only the trust list and is kept offline.
    Root {
        #[command(subcommand)]
        command: keys::RootCommand,
    },
    /// The trust list (issuing body, on the root key's machine): add an issuing key, retire one,
    /// mark one compromised. Each change signs a new list with the next number.
    ///
    /// A verifier's trust folder: `trust update` fetches the published lists, `trust show` says
    /// what the folder holds.
    Trust {
        #[command(subcommand)]
        command: trust::TrustCommand,
    },
    /// Write the files verifiers fetch into a folder for a static web server: trust-list.jws
    /// (as the root signed it), revocation-list.jws (built from the register, signed now with
    /// the issuing key) and jwks.json (the issuing keys, for JOSE libraries). A trust list of
    /// version 2 goes to trust-list-v2.jws, and its version 1 form (trust-list.v1.jws beside
    /// it) to trust-list.jws, for verifiers of the release before.
    Publish {
        #[command(flatten)]
        args: trust::PublishArgs,
    },
    /// Write the verifier web page for employers into a folder, with the trust data of a trust
    /// folder bundled in: any static host serves it, and after the first visit it works
    /// offline. Build the WebAssembly verifier first: web/build.sh does both.
    Site {
        #[command(flatten)]
        args: site::SiteArgs,
    },
    /// Validate a certificate request against the rules and sign it: writes DIR/<id>.jws,
    /// DIR/<id>.qr.txt and DIR/<id>.pdf, records it in the register and prints the id. A refused
    /// request writes nothing.
    Issue {
        #[command(flatten)]
        args: issuing::IssueArgs,
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
    /// Other batches, issue, revoke, reissue and publish may run at the same time on the same
    /// register. A second run of this same batch while one is under way is refused (exit 2),
    /// naming the run; with --wait it waits for that run, then issues what is left.
    ///
    /// Exit status 0 all issued; 1 some requests refused; 2 the batch could not run.
    Batch {
        #[command(flatten)]
        args: issuing::BatchArgs,
    },
    /// Write the draft of a certificate for the person it names to check before it is signed:
    /// validates the request like `issue`, then writes DIR/<subject_ref>-draft.pdf, the same
    /// layout marked "DRAFT: not a certificate, not signed" on every page, with no QR code, id
    /// or signature. Never touches the register; `verify` calls a draft NOT VALID.
    ///
    /// Given a batch file (JSON Lines or CSV), writes a draft per request, as `batch --preview`.
    ///
    /// Exit status 0 drafts written; 1 a request refused by the rules; 2 unreadable input.
    Preview {
        #[command(flatten)]
        args: issuing::PreviewArgs,
    },
    /// Read the issuance register: what was issued, to whom, in which batch, what was revoked.
    Register {
        #[command(subcommand)]
        command: register::RegisterCommand,
    },
    /// The operators of a team register and their roles (issue 26): an admin adds and removes
    /// them; each signs what they do with their personal key.
    Operator {
        #[command(subcommand)]
        command: team::OperatorCommand,
    },
    /// Submit requests for approval (a preparer): each is recorded as pending under the
    /// SHA-256 of its canonical form (RFC 8785), with one signed audit row for the lot. A
    /// changed request is a new request with no approvals; a new request for a subject with a
    /// pending one replaces it (its approvals are void).
    Submit {
        #[command(flatten)]
        args: team::SubmitArgs,
    },
    /// Approve requests another operator submitted: writes each draft (as `preview` does) and
    /// a summary, then records one signed approval of the whole set, over each request's hash
    /// and the record set shown. `issue` and `batch` sign only what has the approvals the
    /// register's policy asks for.
    Approve {
        #[command(flatten)]
        args: team::ApproveArgs,
    },
    /// The register's tamper-evident audit trail: check it, or export it for an auditor.
    Audit {
        #[command(subcommand)]
        command: team::AuditCommand,
    },
    /// Revoke a certificate: records the revocation and its reason in the register.
    Revoke {
        #[command(flatten)]
        args: register::RevokeArgs,
    },
    /// Issue a new certificate for the same subject that names the one it supersedes, and revoke
    /// the old one (reason superseded) in the same register transaction.
    Reissue {
        #[command(flatten)]
        args: issuing::ReissueArgs,
    },
    /// Verify a certificate offline and show what it says.
    ///
    /// Uses the trust folder's cached trust list (which keys may issue, and when) and revocation
    /// list; never the network. The verdict says how old both are.
    ///
    /// Exit status 0 valid; 1 not valid (bad signature, unknown or unauthorised key, revoked,
    /// expired, not yet valid, unsupported version, stale revocation list with
    /// --require-fresh); 2 unreadable input or usage error.
    Verify {
        #[command(flatten)]
        args: verifying::VerifyArgs,
    },
    /// Re-render the PDF of a signed certificate: verifies its signature with the trust folder
    /// (an expired certificate is still rendered), then writes DIR/<id>.pdf.
    Render {
        #[command(flatten)]
        args: verifying::RenderArgs,
    },
    /// Convert a certificate between its carriers (.jws and QR text) without loss. Converting
    /// does not verify: use `verify` for that.
    Convert {
        #[command(flatten)]
        args: verifying::ConvertArgs,
    },
    /// Issue and verify the built-in examples with the demo key (which nothing trusts unless
    /// told to), and print a summary.
    Demo {
        #[command(flatten)]
        args: demo::DemoArgs,
    },
    /// Print the completion script for a shell, generated from these commands. Install for
    /// bash: goodstanding completions bash > ~/.local/share/bash-completion/completions/goodstanding
    Completions {
        #[command(flatten)]
        args: manuals::CompletionsArgs,
    },
    /// Write man pages for goodstanding and each of its commands, generated from this help.
    /// Install: goodstanding man --out ~/.local/share/man/man1, then `man goodstanding`.
    Man {
        #[command(flatten)]
        args: manuals::ManArgs,
    },
    /// Write the JSON Schemas of the certificate request and the certificate payload.
    Schema {
        #[command(flatten)]
        args: schema::SchemaArgs,
    },
    /// The verification service for HR and recruitment systems: an HTTP server that verifies
    /// certificates sent to it (POST /v1/verify: a PDF, an image, a .jws or the QR text) with
    /// the trust folder, offline, and answers the same verdict as `verify --json`. Nothing
    /// received is stored or logged. GET /v1/openapi.json describes it all.
    ///
    /// Prints `listening on http://ADDRESS:PORT` on standard output, then a line per request on
    /// standard error (request id, carrier, verdict code, time taken). Stops on SIGTERM or
    /// Ctrl-C after finishing the requests in flight.
    Serve {
        #[command(flatten)]
        args: serving::ServeArgs,
    },
    /// The issuing body's transparency log: every certificate and revocation is appended to a
    /// public Merkle log (c2sp.org/tlog-tiles) whose checkpoints witnesses cosign.
    Log {
        #[command(subcommand)]
        command: transparency::LogCommand,
    },
    /// A witness of transparency logs, run as another body would run it: it cosigns a log's
    /// checkpoints only if each is consistent with the last it cosigned.
    Witness {
        #[command(subcommand)]
        command: transparency::WitnessCommand,
    },
    /// For a manager: list every certificate the issuing body's public log holds in your name,
    /// in the years of the certificates you give, marking those new since the last run. Exit
    /// status 1 if one is neither a certificate given nor one you --expect: someone may hold a
    /// certificate in your name that you did not ask for.
    Monitor {
        #[command(flatten)]
        args: monitor::MonitorArgs,
    },
    /// Benchmarks for developers.
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

fn main() -> ExitCode {
    // A panic is a bug; its report leaves out any message formatted from the input.
    std::panic::set_hook(Box::new(|info| {
        eprintln!(
            "{}",
            goodstanding_verifier::panic_report::panic_report(info)
        )
    }));
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Keygen { args } => keys::keygen(&args.request(), &keys::ISSUING),
        Command::Key { command } => keys::key(&command),
        Command::Root { command } => keys::root(&command),
        Command::Trust { command } => trust::run(command),
        Command::Publish { args } => trust::publish(&args),
        Command::Site { args } => site::site(&args),
        Command::Issue { args } => issuing::issue(&args),
        Command::Batch { args } => issuing::batch(args),
        Command::Preview { args } => issuing::preview(&args),
        Command::Register { command } => register::run(command),
        Command::Operator { command } => team::operator(&command),
        Command::Submit { args } => team::submit(&args),
        Command::Approve { args } => team::approve(&args),
        Command::Audit { command } => team::audit(&command),
        Command::Revoke { args } => register::revoke(&args),
        Command::Reissue { args } => issuing::reissue(&args),
        Command::Verify { args } => verifying::verify(&args),
        Command::Render { args } => verifying::render(&args),
        Command::Convert { args } => verifying::convert(&args),
        Command::Demo { args } => demo::demo(&args),
        Command::Schema { args } => schema::schema(&args),
        Command::Completions { args } => {
            manuals::completions(&args, <Cli as clap::CommandFactory>::command())
        }
        Command::Man { args } => manuals::man(&args, <Cli as clap::CommandFactory>::command()),
        Command::Serve { args } => serving::serve(&args),
        Command::Log { command } => transparency::log(&command),
        Command::Witness { command } => transparency::witness(&command),
        Command::Monitor { args } => monitor::monitor(&args),
        Command::Bench { command } => bench::run(command),
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
