//! `goodstanding`: issue and verify certificates of good standing for senior healthcare managers.
//!
//! Modules: one per command group (`keys`, `issuing`, `trust`, `verifying`, `serving`, `site`,
//! `demo`, `schema`); `report` prints verdicts; `shared`, `io` and `error` are used by all of them and
//! import none of them, so no module imports one that imports it back.
#![forbid(unsafe_code)]

mod demo;
mod error;
mod io;
mod issuing;
mod keys;
mod report;
mod schema;
mod serving;
mod shared;
mod site;
mod trust;
mod verifying;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use goodstanding_operations::batch_input::InputFormat;

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
        key: KeygenArgs,
    },
    /// Look at a signing key.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// The root key, which signs only the trust list and is kept offline.
    Root {
        #[command(subcommand)]
        command: RootCommand,
    },
    /// The trust list (issuing body, on the root key's machine): add an issuing key, retire one,
    /// mark one compromised. Each change signs a new list with the next number.
    ///
    /// A verifier's trust folder: `trust update` fetches the published lists, `trust show` says
    /// what the folder holds.
    Trust {
        #[command(subcommand)]
        command: TrustCommand,
    },
    /// Write the files verifiers fetch into a folder for a static web server: trust-list.jws
    /// (as the root signed it), revocation-list.jws (built from the register, signed now with
    /// the issuing key) and jwks.json (the issuing keys, for JOSE libraries).
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
        /// The request (JSON; see schemas/certificate-request.schema.json).
        request: PathBuf,
        #[command(flatten)]
        signing: shared::SigningArgs,
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
        /// The requests: JSON Lines (one request per line) or CSV (one row per record).
        input: PathBuf,
        #[command(flatten)]
        signing: shared::SigningArgs,
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
        /// If this batch is already running (same input and register), wait for that run to
        /// finish, then issue what is left, instead of refusing to start.
        #[arg(long)]
        wait: bool,
        /// Sign nothing: write a draft DIR/<subject_ref>-draft.pdf per request for the person
        /// it names to check (as `preview`). Needs no key; never touches the register.
        #[arg(long)]
        preview: bool,
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
        /// The request (JSON), or a batch file (.jsonl or .csv).
        input: PathBuf,
        /// Folder for the drafts (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Print what was written as JSON.
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
        register: shared::RegisterArg,
    },
    /// Issue a new certificate for the same subject that names the one it supersedes, and revoke
    /// the old one (reason superseded) in the same register transaction.
    Reissue {
        /// The certificate to supersede.
        id: String,
        /// The corrected request (JSON), for the same subject reference.
        request: PathBuf,
        #[command(flatten)]
        signing: shared::SigningArgs,
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
        /// A .jws file, a file holding the QR text, a certificate PDF (its attached .jws is
        /// verified), a photo or scan of the QR code (PNG, JPEG), - for standard input, or a
        /// batch manifest (<batch>.manifest.jws: checks every file of the batch against it).
        input: PathBuf,
        /// The trust folder (pinned roots/ and the lists `trust update` fetched)
        /// [default: $GOODSTANDING_TRUST, else trust/ in the data directory].
        #[arg(long, value_name = "DIR")]
        trust: Option<PathBuf>,
        /// Verify as at this time (YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DD) instead of now.
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// Print a machine-readable JSON result instead of text.
        #[arg(long)]
        json: bool,
        /// Not valid unless the revocation list is current (not past its next update).
        #[arg(long)]
        require_fresh: bool,
    },
    /// Re-render the PDF of a signed certificate: verifies its signature with the trust folder
    /// (an expired certificate is still rendered), then writes DIR/<id>.pdf.
    Render {
        /// A .jws file, a file holding the QR text, or - for standard input.
        input: PathBuf,
        /// The trust folder (pinned roots/ and the lists `trust update` fetched)
        /// [default: $GOODSTANDING_TRUST, else trust/ in the data directory].
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
        /// Folder for the demo certificates, its register, published site and trust folder.
        #[arg(long, value_name = "DIR", default_value = "goodstanding-demo")]
        out: PathBuf,
    },
    /// Write the JSON Schemas of the certificate request and the certificate payload.
    Schema {
        /// Folder to write the schemas into.
        #[arg(long, value_name = "DIR", default_value = "schemas")]
        out: PathBuf,
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
        register: shared::RegisterArg,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Everything the register holds about one certificate.
    Show {
        /// The certificate id.
        id: String,
        #[command(flatten)]
        register: shared::RegisterArg,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Print the public JWK, key id and RFC 7638 thumbprint of a key in a PKCS#11 token
    /// (pkcs11: URI; no PIN needed) or of a private key file.
    Show {
        /// A pkcs11: URI (RFC 7512), e.g. 'pkcs11:token=goodstanding;object=nhs-gs-2027-1', or a
        /// .key.pem file.
        #[arg(value_name = "pkcs11:URI|KEY.pem")]
        key: std::ffi::OsString,
        #[command(flatten)]
        token: shared::TokenArgs,
    },
}

/// Where a new key pair goes and what it is called.
#[derive(clap::Args)]
struct KeygenArgs {
    /// Folder to write the key pair into (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Key id; defaults to gs- (root keys: gs-root-) and 16 characters of the key's RFC 7638
    /// thumbprint (with --pkcs11: the label).
    #[arg(long, value_name = "KID")]
    kid: Option<String>,
    /// Replace an existing key pair of the same kid (with --pkcs11: the .pub.jwk file only; a
    /// key in a token is never replaced).
    #[arg(long)]
    force: bool,
    /// Generate the pair inside this PKCS#11 token (RFC 7512 URI naming the token and the new
    /// key's label, e.g. 'pkcs11:token=goodstanding;object=nhs-gs-2027-1'): Ed25519
    /// (CKM_EC_EDWARDS_KEY_PAIR_GEN), private key sensitive and never extractable. The kid is
    /// --kid, else the label.
    #[arg(long, value_name = "pkcs11:URI")]
    pkcs11: Option<String>,
    #[command(flatten)]
    token: shared::TokenArgs,
}

impl KeygenArgs {
    fn request(&self) -> keys::KeygenRequest<'_> {
        keys::KeygenRequest {
            out: &self.out,
            kid: self.kid.clone(),
            force: self.force,
            pkcs11: self.pkcs11.as_deref(),
            token: &self.token,
        }
    }
}

#[derive(Subcommand)]
enum RootCommand {
    /// Generate the root key pair: DIR/<kid>.key.pem (mode 0600; keep it offline) and
    /// DIR/<kid>.pub.jwk (verifiers pin it). With --pkcs11 the pair is made inside a PKCS#11
    /// token and only DIR/<kid>.pub.jwk is written.
    Keygen {
        #[command(flatten)]
        key: KeygenArgs,
    },
}

#[derive(Subcommand)]
enum TrustCommand {
    /// Add an issuing key to the trust list, allowed to issue from --from (until --until).
    Add {
        /// The issuing key's public JWK (keygen's <kid>.pub.jwk).
        key: PathBuf,
        /// From when it may issue (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ).
        #[arg(long, value_name = "DATE")]
        from: String,
        /// Until when it may issue (exclusive) [default: until retired].
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        #[command(flatten)]
        list: trust::TrustListArgs,
    },
    /// Retire an issuing key: it issues nothing after --at; what it signed before stays valid.
    Retire {
        /// The key id.
        kid: String,
        /// When it stops issuing [default: now].
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        #[command(flatten)]
        list: trust::TrustListArgs,
    },
    /// Mark an issuing key compromised since --at: certificates it signed from then on are
    /// refused. One signed before is still accepted, with a warning, if its validity also
    /// began before --at (reissue those with another key and revoke them).
    Compromise {
        /// The key id.
        kid: String,
        /// Since when it may be in other hands (the earliest time it may have leaked).
        #[arg(long, value_name = "TIME")]
        at: String,
        #[command(flatten)]
        list: trust::TrustListArgs,
    },
    /// Fetch the published trust list and revocation list, verify them with the pinned root
    /// keys, and replace the trust folder's cache atomically. Refuses a list older than the one
    /// held (rollback); on any failure the folder is left as it was.
    Update {
        /// The base URL the issuing body publishes at (trust-list.jws and revocation-list.jws
        /// under it), or a local folder with those files.
        #[arg(long, value_name = "URL")]
        from: String,
        /// The trust folder [default: $GOODSTANDING_TRUST, else trust/ in the data directory].
        #[arg(long, value_name = "DIR")]
        trust: Option<PathBuf>,
        /// Pin this root public key (copied into the folder's roots/ when the update succeeds).
        /// Obtain it from the issuing body out of band; repeat for several.
        #[arg(long, value_name = "ROOT.pub.jwk")]
        root: Vec<PathBuf>,
    },
    /// What a trust folder holds: the lists, how old they are, and the issuing keys.
    Show {
        /// The trust folder [default: $GOODSTANDING_TRUST, else trust/ in the data directory].
        #[arg(long, value_name = "DIR")]
        trust: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
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
        token: shared::TokenArgs,
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
    // A panic is a bug; its report leaves out any message formatted from the input.
    std::panic::set_hook(Box::new(|info| {
        eprintln!(
            "{}",
            goodstanding_verifier::panic_report::panic_report(info)
        )
    }));
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Keygen { key } => keys::keygen(&key.request(), &keys::ISSUING),
        Command::Root {
            command: RootCommand::Keygen { key },
        } => keys::keygen(&key.request(), &keys::ROOT),
        Command::Key {
            command: KeyCommand::Show { key, token },
        } => keys::show(&key, &token),
        Command::Trust { command } => match command {
            TrustCommand::Add {
                key,
                from,
                until,
                list,
            } => trust::edit_trust_list(trust::TrustEdit::Add { key, from, until }, &list),
            TrustCommand::Retire { kid, at, list } => {
                trust::edit_trust_list(trust::TrustEdit::Retire { kid, at }, &list)
            }
            TrustCommand::Compromise { kid, at, list } => {
                trust::edit_trust_list(trust::TrustEdit::Compromise { kid, at }, &list)
            }
            TrustCommand::Update { from, trust, root } => {
                trust::update(&from, trust.as_deref(), &root)
            }
            TrustCommand::Show { trust } => trust::show(trust.as_deref()),
        },
        Command::Publish { args } => trust::publish(&args),
        Command::Site { args } => site::site(&args),
        Command::Issue { request, signing } => issuing::issue(&request, &signing),
        Command::Batch {
            input,
            signing,
            jobs,
            format,
            quiet,
            json,
            wait,
            preview,
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
            wait,
            preview,
        }),
        Command::Preview { input, out, json } => issuing::preview(&input, &out, json),
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
            command:
                BenchCommand::Batch {
                    count,
                    jobs,
                    keep,
                    key,
                    token,
                },
        } => issuing::bench_batch(&issuing::BenchBatch {
            count,
            jobs: &jobs,
            keep: keep.as_deref(),
            key: key.as_deref(),
            token: &token,
        }),
        Command::Bench {
            command:
                BenchCommand::Serve {
                    seconds,
                    clients,
                    bodies,
                    memory_every,
                    keep,
                },
        } => serving::bench_serve(&serving::BenchServe {
            seconds,
            clients: clients.max(1),
            bodies: &bodies,
            memory_every,
            keep: keep.as_deref(),
        }),
        Command::Serve { args } => serving::serve(&args),
        Command::Verify {
            input,
            trust,
            at,
            json,
            require_fresh,
        } => verifying::verify(&input, trust.as_deref(), at.as_deref(), json, require_fresh),
        Command::Render { input, trust, out } => verifying::render(&input, trust.as_deref(), &out),
        Command::Convert { input, to } => verifying::convert(&input, matches!(to, CarrierArg::Qr)),
        Command::Demo { out } => demo::demo(&out),
        Command::Schema { out } => schema::schema(&out),
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
