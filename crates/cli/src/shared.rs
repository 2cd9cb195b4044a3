//! Helpers every command group uses: the clock, parsing of times and key ids, the common
//! arguments (key, register, trust folder), opening the register and the trust folder, and how
//! library errors become the command's errors. This module imports no command module, so any of
//! them may import it.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use goodstanding_issuer::pdf::RenderError;
use goodstanding_issuer::request::MAX_REQUEST_LEN;
use goodstanding_issuer::{CertificateRequest, IssueError, IssuingKey, KeyError, load_issuing_key};
use goodstanding_operations::register::{Register, default_path};
use goodstanding_trust::folder::{self as trust_folder, CacheInfo, TrustCacheError};
use goodstanding_verifier::{KeyId, Timestamp, TrustStore};

use crate::error::CliError;
use crate::io::read_input;

/// Environment variable naming the default trust folder.
pub const TRUST_ENV: &str = "GOODSTANDING_TRUST";

/// The current time from the system clock.
pub fn now() -> Result<Timestamp, CliError> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .and_then(Timestamp::from_unix)
        .ok_or_else(|| {
            CliError::Input("the system clock is outside 1900-2999; set it right".into())
        })
}

/// A time given on the command line as `flag` (a date or a full timestamp).
pub fn parse_time(flag: &str, text: &str) -> Result<Timestamp, CliError> {
    Timestamp::parse_date_or_time(text)
        .map_err(|e| CliError::Input(format!("{flag} {text:?}: {e}")))
}

/// `--at TIME`, or now.
pub fn parse_at(at: Option<&str>) -> Result<Timestamp, CliError> {
    match at {
        Some(text) => parse_time("--at", text),
        None => now(),
    }
}

/// `--kid KID`, checked.
pub fn parse_kid(kid: Option<String>) -> Result<Option<KeyId>, CliError> {
    kid.map(KeyId::new)
        .transpose()
        .map_err(|e| CliError::Input(format!("--kid: the key id {e}")))
}

/// A key file that could not be made, read or written.
pub fn key_error(e: KeyError) -> CliError {
    CliError::Input(e.to_string())
}

/// A PDF that could not be rendered: refused for a name the fonts cannot print, else an input
/// error.
pub fn render_error(e: RenderError) -> CliError {
    match e {
        unprintable @ RenderError::Unprintable { .. } => CliError::Refused(unprintable.to_string()),
        other => CliError::Input(other.to_string()),
    }
}

/// A request that could not be issued: refused by the rules or the QR size (exit 1, listing
/// every problem), else an error about the request file.
pub fn issue_error(path: &Path, e: IssueError) -> CliError {
    match e {
        IssueError::Invalid(v) => CliError::Refused(format!(
            "{}: request refused, nothing was written. Correct these and issue again:\n{}",
            path.display(),
            v.0.iter()
                .map(|v| format!("  - {v}"))
                .collect::<Vec<_>>()
                .join("\n")
        )),
        too_large @ IssueError::QrTooLarge { .. } => CliError::Refused(format!(
            "{}: request refused, nothing was written: {too_large}",
            path.display()
        )),
        other => CliError::file(path, other),
    }
}

/// Reads and parses a certificate request (JSON) from a file or `-`.
pub fn read_request(path: &Path) -> Result<CertificateRequest, CliError> {
    let bytes = read_input(path, MAX_REQUEST_LEN)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|e| CliError::file(path, format!("not UTF-8 text (byte {})", e.valid_up_to())))?;
    CertificateRequest::from_json(text).map_err(|e| CliError::file(path, e))
}

/// Where the issuance register is.
#[derive(clap::Args)]
pub struct RegisterArg {
    /// The issuance register (SQLite, mode 0600)
    /// [default: $XDG_DATA_HOME/goodstanding/register.sqlite, else
    /// ~/.local/share/goodstanding/register.sqlite].
    #[arg(long = "register", value_name = "FILE")]
    pub path: Option<PathBuf>,
}

/// What signing a certificate needs: the key, where its files go, and the register.
#[derive(clap::Args)]
pub struct SigningArgs {
    /// The issuing private key (PKCS#8 PEM, mode 0600).
    #[arg(long, value_name = "KEY.pem")]
    pub key: PathBuf,
    /// Folder for the certificate files (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Key id to sign as; defaults to the kid of the .pub.jwk beside the key.
    #[arg(long, value_name = "KID")]
    pub kid: Option<String>,
    #[command(flatten)]
    pub register: RegisterArg,
}

impl SigningArgs {
    /// The key and the open register.
    pub fn open(&self) -> Result<(IssuingKey, Register), CliError> {
        let key = load_issuing_key(&self.key, parse_kid(self.kid.clone())?).map_err(key_error)?;
        let register = open_register(self.register.path.as_deref())?;
        Ok((key, register))
    }
}

/// Opens the register: `--register`, else the default in the data directory.
pub fn open_register(given: Option<&Path>) -> Result<Register, CliError> {
    let path = match given {
        Some(p) => p.to_path_buf(),
        None => default_path().ok_or_else(|| {
            CliError::Input(
                "no register: pass --register FILE (neither XDG_DATA_HOME nor HOME is set)".into(),
            )
        })?,
    };
    Register::open(&path).map_err(|e| CliError::Input(e.to_string()))
}

/// `given`, else `name` in the data directory (`flag` is what to pass when there is none).
pub fn in_data_dir(given: Option<&Path>, name: &str, flag: &str) -> Result<PathBuf, CliError> {
    match given {
        Some(p) => Ok(p.to_path_buf()),
        None => goodstanding_files::data_dir()
            .map(|d| d.join(name))
            .ok_or_else(|| {
                CliError::Input(format!(
                    "pass {flag} (neither XDG_DATA_HOME nor HOME is set)"
                ))
            }),
    }
}

/// The trust folder: `--trust`, else `$GOODSTANDING_TRUST`, else `trust` in the data directory.
pub fn trust_dir(given: Option<&Path>) -> Result<PathBuf, CliError> {
    if let Some(dir) = given {
        return Ok(dir.to_path_buf());
    }
    if let Some(dir) = std::env::var_os(TRUST_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    trust_folder::default_dir().ok_or_else(|| {
        CliError::Input("pass --trust DIR (neither XDG_DATA_HOME nor HOME is set)".into())
    })
}

/// A trust folder that could not be used or updated.
pub fn cache_error(e: TrustCacheError) -> CliError {
    CliError::Input(e.to_string())
}

/// Loads the trust folder for verifying: the issuing keys of the cached trust list and the
/// cached revocation list, both verified again with the pinned roots.
pub fn load_trust(given: Option<&Path>) -> Result<(TrustStore, CacheInfo), CliError> {
    let dir = trust_dir(given)?;
    if !dir.is_dir() {
        return Err(CliError::file(
            &dir,
            format!(
                "no such trust folder: pass --trust DIR (or set {TRUST_ENV}), a folder made by \
                 `goodstanding trust update --from URL --trust DIR --root ROOT.pub.jwk`. For the \
                 demo certificates: --trust goodstanding-demo/trust"
            ),
        ));
    }
    trust_folder::load(&dir).map_err(cache_error)
}

/// A duration in words: "3 days", "5 hours", "12 minutes".
pub fn age(seconds: i64) -> String {
    let s = seconds.max(0);
    let (n, unit) = match s {
        0..=119 => (s, "second"),
        120..=7199 => (s / 60, "minute"),
        7200..=172_799 => (s / 3600, "hour"),
        _ => (s / 86_400, "day"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// One line on what a trust folder holds and how old it is at `at`.
pub fn describe_cache(info: &CacheInfo, at: Timestamp) -> String {
    let (trust_seq, trust_at) = info.trust_list;
    let (rev_seq, rev_at, next) = info.revocation_list;
    let stale = if at >= next {
        format!("STALE since {next}")
    } else {
        format!("next due {next}")
    };
    format!(
        "trust list number {trust_seq} signed {trust_at} ({} old); revocation list number \
         {rev_seq} signed {rev_at} ({} old), {stale}; fetched {} from {}",
        age(trust_at.seconds_until(at)),
        age(rev_at.seconds_until(at)),
        info.fetched_at,
        info.source
    )
}
