//! The employer's commands: verify (a certificate in any carrier, or a batch manifest), render
//! (the PDF of a signed certificate again) and convert (between .jws and QR text).

use std::path::{Path, PathBuf};

use goodstanding_operations::manifest::{ManifestCheck, is_manifest, verify_manifest};
use goodstanding_trust::CacheInfo;
use goodstanding_verifier::limits::MAX_IMAGE_LEN;
use goodstanding_verifier::{Declared, ErrorKind, SignedCertificate, Timestamp, TrustStore};

use crate::error::CliError;
use crate::io::{create_dir, outln, read_certificate_input, read_input, write_certificate_file};
use crate::report;
use crate::shared::{describe_cache, load_trust, now, parse_at, render_error};

/// Arguments of `goodstanding verify`.
#[derive(clap::Args)]
pub struct VerifyArgs {
    /// A .jws file, a file holding the QR text, a certificate PDF (its attached .jws is
    /// verified), a photo or scan of the QR code (PNG, JPEG), - for standard input, or a
    /// batch manifest (<batch>.manifest.jws: checks every file of the batch against it).
    /// Several files: one line each (with --json, one result each), and the exit status of
    /// the worst (2 unreadable, then 1 not valid, else 0).
    #[arg(required = true, num_args = 1.., value_name = "INPUT")]
    pub input: Vec<PathBuf>,
    /// The trust folder (pinned roots/ and the lists `trust update` fetched)
    /// [default: $GOODSTANDING_TRUST, else $XDG_DATA_HOME/goodstanding/trust, else ~/.local/share/goodstanding/trust].
    #[arg(long, value_name = "DIR")]
    pub trust: Option<PathBuf>,
    /// Verify as at this time (YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DD) instead of now.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Print a machine-readable JSON result instead of text.
    #[arg(long)]
    pub json: bool,
    /// Not valid unless the revocation list is current (not past its next update).
    #[arg(long)]
    pub require_fresh: bool,
}

/// Arguments of `goodstanding render`.
#[derive(clap::Args)]
pub struct RenderArgs {
    /// A .jws file, a file holding the QR text, or - for standard input.
    pub input: PathBuf,
    /// The trust folder (pinned roots/ and the lists `trust update` fetched)
    /// [default: $GOODSTANDING_TRUST, else $XDG_DATA_HOME/goodstanding/trust, else ~/.local/share/goodstanding/trust].
    #[arg(long, value_name = "DIR")]
    pub trust: Option<PathBuf>,
    /// Folder for the PDF (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Arguments of `goodstanding convert`.
#[derive(clap::Args)]
pub struct ConvertArgs {
    /// A .jws file, a file holding the QR text, or - for standard input.
    pub input: PathBuf,
    /// The carrier to convert to.
    #[arg(long, value_enum)]
    pub to: CarrierArg,
}

/// A certificate carrier.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum CarrierArg {
    /// JWS compact serialization (.jws).
    Jws,
    /// GSC1: QR text.
    Qr,
}

/// `goodstanding verify`.
pub fn verify(args: &VerifyArgs) -> Result<(), CliError> {
    let json = args.json;
    let at = parse_at(args.at.as_deref())?;
    let (mut store, cache) = load_trust(args.trust.as_deref())?;
    store.set_require_fresh(args.require_fresh);
    let input = match args.input.as_slice() {
        [one] => one.as_path(),
        several => return verify_several(several, &store, (&cache, at), json),
    };
    if is_manifest_path(input) {
        return verify_manifest_command(input, &store, (&cache, at), json);
    }
    let bytes = read_input(input, MAX_IMAGE_LEN)?;
    if is_manifest(&bytes) {
        return verify_manifest_command(input, &store, (&cache, at), json);
    }
    let checked = goodstanding_verifier::check(&bytes, Declared::Any, &store, at)
        .map_err(|e| CliError::file(input, format!("{e}\nNothing was verified.")))?;
    report::verdict(&checked, at, (&store, &cache), json)
}

/// What one of several inputs came to: its exit status, a line of text, and its JSON.
struct OneResult {
    code: u8,
    line: String,
    json: serde_json::Value,
}

/// The verdict on one of several inputs, as a line and as JSON.
fn verify_one_of_several(
    input: &Path,
    store: &TrustStore,
    (cache, at): (&CacheInfo, Timestamp),
) -> OneResult {
    use crate::error::{EXIT_INPUT, EXIT_NOT_VALID, EXIT_OK};
    let unreadable = |message: String| OneResult {
        code: EXIT_INPUT,
        line: format!("UNREADABLE  {}  {message}", input.display()),
        json: serde_json::json!({"input": input, "error": message}),
    };
    let bytes = if is_manifest_path(input) {
        Vec::new()
    } else {
        match read_input(input, MAX_IMAGE_LEN) {
            Ok(bytes) => bytes,
            Err(e) => {
                let message = e.to_string();
                let prefix = format!("{}: ", input.display());
                return unreadable(
                    message
                        .strip_prefix(&prefix)
                        .unwrap_or(&message)
                        .to_string(),
                );
            }
        }
    };
    if is_manifest_path(input) || is_manifest(&bytes) {
        return match verify_manifest(input, store) {
            Ok(check) if check.is_valid() => OneResult {
                code: EXIT_OK,
                line: format!(
                    "VALID       {}  batch manifest: every file present and unchanged",
                    input.display()
                ),
                json: serde_json::json!({"input": input, "kind": "manifest", "valid": true}),
            },
            Ok(_) => OneResult {
                code: EXIT_NOT_VALID,
                line: format!(
                    "NOT VALID   {}  batch manifest: files altered or missing (verify it alone \
                     to see which)",
                    input.display()
                ),
                json: serde_json::json!({"input": input, "kind": "manifest", "valid": false}),
            },
            Err(e) if e.is_input() => unreadable(e.to_string()),
            Err(e) => OneResult {
                code: EXIT_NOT_VALID,
                line: format!("NOT VALID   {}  {e}", input.display()),
                json: serde_json::json!({"input": input, "kind": "manifest", "valid": false, "reason": e.to_string()}),
            },
        };
    }
    let checked = match goodstanding_verifier::check(&bytes, Declared::Any, store, at) {
        Ok(checked) => checked,
        Err(e) => return unreadable(e.to_string()),
    };
    let verdict =
        goodstanding_verifier::verdict::Verdict::new(&checked, at, cache.trust_data(store, at));
    let json = serde_json::json!({"input": input, "verdict": &verdict});
    if verdict.valid {
        let what = verdict.certificate.map_or_else(String::new, |c| {
            format!(
                "{}, valid until {}",
                c.subject.full_name,
                c.valid_until.date()
            )
        });
        let flags = if verdict.warnings.is_empty() {
            String::new()
        } else {
            let codes: Vec<String> = verdict
                .warnings
                .iter()
                .map(|w| w.code.replace('_', " "))
                .collect();
            format!("  !! {}", codes.join("; "))
        };
        OneResult {
            code: EXIT_OK,
            line: format!("VALID       {}  {what}{flags}", input.display()),
            json,
        }
    } else {
        OneResult {
            code: EXIT_NOT_VALID,
            line: format!(
                "NOT VALID   {}  {}",
                input.display(),
                verdict.reason.as_deref().unwrap_or(verdict.status)
            ),
            json,
        }
    }
}

/// `goodstanding verify A B C ...`: a line each (or with `--json`, `{"results": [...]}`), the
/// trust data once, and the exit status of the worst.
fn verify_several(
    inputs: &[PathBuf],
    store: &TrustStore,
    (cache, at): (&CacheInfo, Timestamp),
    json: bool,
) -> Result<(), CliError> {
    use crate::error::{EXIT_INPUT, EXIT_NOT_VALID};
    let results: Vec<OneResult> = inputs
        .iter()
        .map(|input| verify_one_of_several(input, store, (cache, at)))
        .collect();
    let count = |code: u8| results.iter().filter(|r| r.code == code).count();
    let (not_valid, unreadable) = (count(EXIT_NOT_VALID), count(EXIT_INPUT));
    if json {
        let results: Vec<&serde_json::Value> = results.iter().map(|r| &r.json).collect();
        outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "results": results }))
                .unwrap_or_default()
        );
    } else {
        for result in &results {
            outln!("{}", result.line);
        }
        outln!(
            "{} valid, {not_valid} not valid, {unreadable} unreadable, of {}. Trust data: {}",
            results.len() - not_valid - unreadable,
            results.len(),
            describe_cache(cache, at)
        );
    }
    if unreadable > 0 {
        Err(CliError::Input(format!(
            "{unreadable} of {} inputs could not be read (listed above)",
            results.len()
        )))
    } else if not_valid > 0 {
        Err(CliError::NotValid)
    } else {
        Ok(())
    }
}

/// Whether a path names a batch manifest (`<batch>.manifest.jws`), which may be larger than any
/// certificate.
fn is_manifest_path(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".manifest.jws"))
}

/// `goodstanding render`: verifies the signature (a genuine certificate may have expired), then
/// writes `<id>.pdf`.
pub fn render(args: &RenderArgs) -> Result<(), CliError> {
    let (input, out) = (args.input.as_path(), args.out.as_path());
    let (store, _) = load_trust(args.trust.as_deref())?;
    let bytes = read_certificate_input(input)?;
    let verified = match goodstanding_verifier::verify(&bytes, &store, now()?) {
        Ok(verified) => verified,
        Err(e) => match e.verified() {
            Some(genuine) => genuine.clone(),
            None if e.kind() == ErrorKind::Input => return Err(CliError::file(input, e)),
            None => {
                return Err(CliError::Refused(format!(
                    "{}: not rendered: {e}",
                    input.display()
                )));
            }
        },
    };
    // The issuing body as the trust list names it for the key, as `issue` printed it: the same
    // JWS and trust list give the same PDF bytes.
    let body = store.issuing_body(verified.certificate.issuer.kid.as_str());
    let pdf = goodstanding_issuer::pdf::render_for(
        &verified.certificate,
        &verified.signed,
        &verified.signed.to_qr_text(),
        body,
    )
    .map_err(render_error)?;
    create_dir(out)?;
    let path = out.join(format!("{}.pdf", verified.certificate.id));
    write_certificate_file(&path, &pdf)?;
    outln!("{}", path.display());
    Ok(())
}

/// `goodstanding convert`.
pub fn convert(args: &ConvertArgs) -> Result<(), CliError> {
    let (input, to_qr) = (args.input.as_path(), matches!(args.to, CarrierArg::Qr));
    let bytes = read_certificate_input(input)?;
    let (signed, _) = SignedCertificate::decode(&bytes)
        .map_err(|e| CliError::file(input, format!("unreadable: {e}")))?;
    outln!(
        "{}",
        if to_qr {
            signed.to_qr_text()
        } else {
            signed.to_compact()
        }
    );
    Ok(())
}

/// `goodstanding verify` of a batch manifest.
pub fn verify_manifest_command(
    path: &Path,
    trust: &TrustStore,
    (cache, at): (&CacheInfo, Timestamp),
    json: bool,
) -> Result<(), CliError> {
    let trust_line = format!("Trust data: {}", describe_cache(cache, at));
    let check = match verify_manifest(path, trust) {
        Ok(check) => check,
        Err(e) if e.is_input() => return Err(CliError::file(path, e)),
        Err(e) => {
            if json {
                outln!(
                    "{}",
                    serde_json::json!({
                        "valid": false,
                        "kind": "manifest",
                        "reason": e.to_string(),
                        "trust_data": report::trust_data_json(trust, cache, at),
                    })
                );
            } else {
                outln!("NOT VALID: {}: {e}\n{trust_line}", path.display());
            }
            return Err(CliError::NotValid);
        }
    };
    print_manifest_check(
        path,
        &check,
        json,
        report::trust_data_json(trust, cache, at),
    );
    if !json {
        outln!("{trust_line}");
    }
    if check.is_valid() {
        Ok(())
    } else {
        Err(CliError::NotValid)
    }
}

fn print_manifest_check(
    path: &Path,
    check: &ManifestCheck,
    json: bool,
    trust_data: serde_json::Value,
) {
    if json {
        let problems: Vec<_> = check
            .problems
            .iter()
            .map(
                |(file, problem)| serde_json::json!({"file": file, "problem": problem.to_string()}),
            )
            .collect();
        outln!(
            "{}",
            serde_json::json!({
                "valid": check.is_valid(),
                "kind": "manifest",
                "batch": check.batch,
                "kid": check.kid,
                "made_at": check.made_at,
                "input_sha256": check.input_sha256,
                "certificates": check.certificates,
                "files": check.files,
                "problems": problems,
                "unlisted": check.unlisted,
                "trust_data": trust_data,
            })
        );
        return;
    }
    if check.is_valid() {
        outln!(
            "VALID: batch manifest {} signed by {}: all {} files of {} certificates are present \
             and unchanged",
            path.display(),
            check.kid,
            check.files,
            check.certificates
        );
    } else {
        outln!(
            "NOT VALID: batch manifest {} (signed by {}, genuine): {} of {} files do not match",
            path.display(),
            check.kid,
            check.problems.len(),
            check.files
        );
        for (file, problem) in &check.problems {
            outln!("  {file}: {problem}");
        }
    }
    outln!(
        "Batch {}, manifest made {}, from an input with SHA-256 {}",
        check.batch,
        check.made_at,
        check.input_sha256
    );
    if !check.unlisted.is_empty() {
        outln!(
            "Note: {} certificate file(s) in the folder are not in this manifest (another batch, \
             or added later), such as {}",
            check.unlisted.len(),
            check.unlisted[0]
        );
    }
}
