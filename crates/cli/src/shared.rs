//! Helpers every command group uses: the clock, parsing of times and key ids, the common
//! arguments (key, register, trust folder), opening the register and the trust folder, and how
//! library errors become the command's errors. This module imports no command module, so any of
//! them may import it.

use std::ffi::{OsStr, OsString};
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use goodstanding_issuer::pdf::RenderError;
use goodstanding_issuer::request::MAX_REQUEST_LEN;
use goodstanding_issuer::{
    CertificateRequest, IssueError, IssuingKey, KeyError, KeyLocation, Pin, TokenUri,
    load_issuing_key,
};
use goodstanding_operations::register::{Register, default_path};
use goodstanding_trust::folder::{self as trust_folder, CacheInfo, TrustCacheError};
use goodstanding_verifier::lists::IssuingBody;
use goodstanding_verifier::{KeyId, Timestamp, TrustStore};

use crate::error::CliError;
use crate::io::read_input;

/// Environment variable naming the default trust folder.
pub const TRUST_ENV: &str = "GOODSTANDING_TRUST";

/// The time now: the system clock, or the documented override ([`goodstanding_clock`]).
pub fn now() -> Result<Timestamp, CliError> {
    goodstanding_clock::now().map_err(|e| CliError::Input(e.to_string()))
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
    /// The issuance register: an SQLite file (mode 0600), or a PostgreSQL database shared by
    /// a team (postgres://USER@HOST:PORT/DATABASE; give a password through
    /// $GOODSTANDING_REGISTER rather than here, where other users of the machine see it)
    /// [default: $GOODSTANDING_REGISTER, else $XDG_DATA_HOME/goodstanding/register.sqlite, else
    /// ~/.local/share/goodstanding/register.sqlite].
    #[arg(long = "register", value_name = "FILE|URL")]
    pub path: Option<PathBuf>,
    /// On a team register: the operator you are (`goodstanding operator list`); your audit
    /// rows are signed with --operator-key [default: $GOODSTANDING_OPERATOR].
    #[arg(long = "as", value_name = "NAME")]
    pub operator: Option<String>,
    /// On a team register: your personal key (a .key.pem file or a pkcs11: URI), which signs
    /// your audit rows [default: $GOODSTANDING_OPERATOR_KEY].
    #[arg(long = "operator-key", value_name = "KEY.pem|pkcs11:URI")]
    pub operator_key: Option<OsString>,
}

impl RegisterArg {
    /// Opens the register, acting as the operator given (or, on a register without
    /// operators, as its single operator).
    pub fn open(&self) -> Result<Register, CliError> {
        open_register_as(
            self.path.as_deref(),
            self.operator.as_deref(),
            self.operator_key.as_deref(),
            "--operator-key",
        )
    }
}

/// The environment variable naming the acting operator.
pub const OPERATOR_ENV: &str = "GOODSTANDING_OPERATOR";
/// The environment variable naming the acting operator's key.
pub const OPERATOR_KEY_ENV: &str = "GOODSTANDING_OPERATOR_KEY";

/// Opens the register `given` and acts as operator `name` with `key` (each else from the
/// environment). A name without a key, or a key without a name, is refused.
pub fn open_register_as(
    given: Option<&Path>,
    name: Option<&str>,
    key: Option<&OsStr>,
    key_flag: &str,
) -> Result<Register, CliError> {
    let mut register = open_register(given)?;
    let env_name = std::env::var(OPERATOR_ENV).ok().filter(|v| !v.is_empty());
    let env_key = std::env::var_os(OPERATOR_KEY_ENV).filter(|v| !v.is_empty());
    let name = name.map(str::to_string).or(env_name);
    let key = key.map(OsStr::to_os_string).or(env_key);
    match (name, key) {
        (None, None) => {}
        (Some(name), Some(key)) => {
            let key = open_key(key_flag, &key, None, &TokenArgs::default())?;
            register
                .act_as(&name, key)
                .map_err(|e| CliError::Refused(e.to_string()))?;
        }
        (Some(name), None) => {
            return Err(CliError::Input(format!(
                "--as {name} needs your personal key: {key_flag} KEY.pem|pkcs11:URI (or \
                 ${OPERATOR_KEY_ENV})"
            )));
        }
        (None, Some(_)) => {
            return Err(CliError::Input(format!(
                "{key_flag} needs --as NAME (or ${OPERATOR_ENV}): the operator whose key it is"
            )));
        }
    }
    Ok(register)
}

/// The environment variable naming the register when `--register` is not given.
pub const REGISTER_ENV: &str = "GOODSTANDING_REGISTER";

/// The register `given`, else `$GOODSTANDING_REGISTER`, else the default file.
pub fn register_location(given: Option<&Path>) -> Result<PathBuf, CliError> {
    if let Some(given) = given {
        return Ok(given.to_path_buf());
    }
    if let Some(from_env) = std::env::var_os(REGISTER_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(from_env));
    }
    default_path().ok_or_else(|| {
        CliError::Input(
            "no register: pass --register FILE|URL or set $GOODSTANDING_REGISTER (neither \
             XDG_DATA_HOME nor HOME is set)"
                .into(),
        )
    })
}

/// The PostgreSQL URL `location` is, if it is one.
pub fn postgres_url(location: &Path) -> Option<&str> {
    location
        .to_str()
        .filter(|text| goodstanding_operations::register::is_postgres_url(text))
}

pub use goodstanding_issuer::token::{PKCS11_MODULE_ENV, PKCS11_PIN_ENV};

/// How to reach a key in a PKCS#11 token: the module, and where the PIN comes from (never the
/// command line).
#[derive(clap::Args, Clone, Default)]
pub struct TokenArgs {
    /// The PKCS#11 module of the token, for a pkcs11: key [default: the URI's module-path, else
    /// $GOODSTANDING_PKCS11_MODULE]. SoftHSM2: /usr/lib/softhsm/libsofthsm2.so.
    #[arg(long = "pkcs11-module", value_name = "MODULE.so")]
    pub module: Option<PathBuf>,
    /// A file holding the token's user PIN (mode 0600, refused otherwise) [default:
    /// $GOODSTANDING_PKCS11_PIN, else asked on the terminal].
    #[arg(long = "pin-file", value_name = "FILE")]
    pub pin_file: Option<PathBuf>,
}

impl TokenArgs {
    /// The module for a key named by `uri`: `--pkcs11-module`, the URI's `module-path`, then
    /// the environment.
    pub fn module(&self, uri: &TokenUri) -> Result<PathBuf, CliError> {
        self.module
            .clone()
            .or_else(|| uri.module_path.clone())
            .or_else(|| std::env::var_os(PKCS11_MODULE_ENV).map(PathBuf::from))
            .ok_or_else(|| {
                CliError::Input(format!(
                    "{uri}: which PKCS#11 module drives this token? Give --pkcs11-module PATH or \
                     set {PKCS11_MODULE_ENV} (SoftHSM2: /usr/lib/softhsm/libsofthsm2.so)"
                ))
            })
    }

    /// The user PIN: `--pin-file` (or the URI's `pin-source`), else the environment, else asked
    /// on the terminal; `None` when none of these is there (the token then says it needs one).
    pub fn pin(&self, uri: &TokenUri) -> Result<Option<Pin>, CliError> {
        if let Some(path) = self.pin_file.as_ref().or(uri.pin_source.as_ref()) {
            return read_pin_file(path).map(Some);
        }
        if let Some(pin) = std::env::var_os(PKCS11_PIN_ENV) {
            let pin = pin
                .into_string()
                .map_err(|_| CliError::Input(format!("{PKCS11_PIN_ENV} is not UTF-8 text")))?;
            return Ok(Some(Pin::from(pin)));
        }
        if std::io::stdin().is_terminal() {
            let token = uri.token.as_deref().unwrap_or("the token");
            let pin = rpassword::prompt_password(format!("User PIN of {token}: "))
                .map_err(|e| CliError::Input(format!("the PIN could not be read: {e}")))?;
            return Ok(Some(Pin::from(pin)));
        }
        Ok(None)
    }
}

/// Reads a PIN file ([`goodstanding_issuer::token::read_pin_file`]).
fn read_pin_file(path: &Path) -> Result<Pin, CliError> {
    goodstanding_issuer::token::read_pin_file(path).map_err(|e| CliError::file(path, e))
}

/// Opens the signing key `--key` (or `--root-key`) names: a PKCS#8 file, or a `pkcs11:` URI.
pub fn open_key(
    flag: &str,
    key: &OsStr,
    kid: Option<KeyId>,
    token: &TokenArgs,
) -> Result<IssuingKey, CliError> {
    // The text is not repeated: a URI may hold a PIN, which is never printed.
    let location = KeyLocation::parse(key).map_err(|e| CliError::Input(format!("{flag}: {e}")))?;
    match location {
        KeyLocation::File(path) => load_issuing_key(&path, kid).map_err(key_error),
        KeyLocation::Token(uri) => {
            let module = token.module(&uri)?;
            let pin = token.pin(&uri)?;
            IssuingKey::open_token(&module, &uri, pin.as_ref(), kid).map_err(key_error)
        }
    }
}

/// What signing a certificate needs: the key, where its files go, and the register.
#[derive(clap::Args)]
pub struct SigningArgs {
    /// The issuing private key that signs (required): a PKCS#8 PEM file (mode 0600), or a key
    /// in a PKCS#11 token as an RFC 7512 URI, e.g. 'pkcs11:token=goodstanding;object=nhs-gs-2027-1'.
    #[arg(long, value_name = "KEY.pem|pkcs11:URI")]
    pub key: Option<OsString>,
    #[command(flatten)]
    pub token: TokenArgs,
    /// Folder for the certificate files (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Key id to sign as; defaults to the kid of the .pub.jwk beside the key file (a key in a
    /// token: the CKA_ID keygen --pkcs11 stored, else its label).
    #[arg(long, value_name = "KID")]
    pub kid: Option<String>,
    #[command(flatten)]
    pub register: RegisterArg,
    /// The trust folder this machine judges its own key by, exactly as `verify` will: the key
    /// must be an issuing key in its trust list, inside its issuing period, not retired or
    /// compromised, and the list fetched at most 7 days ago (`goodstanding trust update`)
    /// [default: $GOODSTANDING_TRUST, else $XDG_DATA_HOME/goodstanding/trust, else ~/.local/share/goodstanding/trust].
    #[arg(long, value_name = "DIR")]
    pub trust: Option<PathBuf>,
}

/// How old the trust folder of a signing machine may be: a key retired or marked compromised
/// on the root machine must stop signing within this time.
pub const MAX_SIGNING_TRUST_AGE_DAYS: i64 = 7;

impl SigningArgs {
    /// The key and the open register, once the key is judged allowed to sign at `now`
    /// ([`judge_issuing_key`]).
    pub fn open(
        &self,
        now: Timestamp,
    ) -> Result<(IssuingKey, Option<IssuingBody>, Register), CliError> {
        let (key, body) = self.key(now)?;
        let register = self.register.open()?;
        Ok((key, body, register))
    }

    /// The key, once judged allowed to sign at `now` ([`judge_issuing_key`]), and the issuing
    /// body the trust list names for it, if it names one.
    pub fn key(&self, now: Timestamp) -> Result<(IssuingKey, Option<IssuingBody>), CliError> {
        let Some(key) = &self.key else {
            return Err(CliError::Input(
                "--key KEY is required: the issuing key (a .key.pem file or a pkcs11: URI)".into(),
            ));
        };
        let key = open_key("--key", key, parse_kid(self.kid.clone())?, &self.token)?;
        let body = judge_issuing_key(self.trust.as_deref(), &key, now)?;
        Ok((key, body))
    }
}

/// Refuses a key that `verify` would not accept for a certificate signed at `now`, before
/// anything is signed or recorded: a root key, a key the trust list does not name (or names
/// with another public key), one outside its issuing period, retired or compromised; and refuses
/// to judge by a trust folder fetched more than [`MAX_SIGNING_TRUST_AGE_DAYS`] ago.
pub fn judge_issuing_key(
    trust: Option<&Path>,
    key: &IssuingKey,
    now: Timestamp,
) -> Result<Option<IssuingBody>, CliError> {
    let dir = trust_dir(trust)?;
    let kid = key.kid().as_str();
    let public = key.public_jwk().key;
    let refuse = |why: String| {
        CliError::Refused(format!(
            "key {kid} signs nothing: {why}. Certificates it signed now would fail \
             verification"
        ))
    };
    if !dir.is_dir() {
        return Err(refuse(format!(
            "this machine holds no trust list to judge it by (no trust folder {}); run \
             `goodstanding trust update --from <your published site> --trust {} --root \
             <root>.pub.jwk`, or pass --trust DIR",
            dir.display(),
            dir.display()
        )));
    }
    if let Ok(roots) = trust_folder::load_roots(&dir)
        && roots.get(kid).is_some_and(|root| *root == public)
    {
        return Err(refuse(
            "it is a root key, which signs only trust lists; sign certificates with an issuing \
             key (goodstanding keygen, then goodstanding trust add)"
                .into(),
        ));
    }
    let (store, info) = trust_folder::load(&dir).map_err(cache_error)?;
    let fetched_days = info.fetched_at.seconds_until(now) / 86_400;
    if fetched_days > MAX_SIGNING_TRUST_AGE_DAYS {
        return Err(refuse(format!(
            "the trust list in {} was fetched {}, more than {MAX_SIGNING_TRUST_AGE_DAYS} days \
             ago, so a retirement or compromise since may be missing; run `goodstanding trust \
             update --trust {}`",
            dir.display(),
            info.fetched_at,
            dir.display()
        )));
    }
    match store.get(kid) {
        None => {
            return Err(refuse(format!(
                "the trust list in {} (number {}) does not name it; add it on the root key's \
                 machine (goodstanding trust add), publish, and run goodstanding trust update",
                dir.display(),
                info.trust_list.0
            )));
        }
        Some(listed) if *listed != public => {
            return Err(refuse(format!(
                "the trust list in {} names another public key under this kid",
                dir.display()
            )));
        }
        Some(_) => {}
    }
    store
        .authorised(kid, now, Some(now))
        .map_err(|problem| refuse(format!("{problem} (trust list in {})", dir.display())))?;
    Ok(store.issuing_body(kid).cloned())
}

/// Rule 9: a request must name the issuing body the trust list names for the signing key (the
/// certificate's issuer comes from the trust list, never from the request alone).
pub fn check_issuer_name(body: Option<&IssuingBody>, claimed: &str) -> Result<(), String> {
    match body {
        Some(body) if body.name.as_str() != claimed => Err(format!(
            "the request names its issuer {claimed:?}, but the trust list says this key is \
             {:?}'s ({}; certificates checked at {}): give that name (rule 9)",
            body.name.as_str(),
            body.address.as_str(),
            body.check_url.as_str()
        )),
        _ => Ok(()),
    }
}

/// Opens the register: `--register`, else the default in the data directory.
pub fn open_register(given: Option<&Path>) -> Result<Register, CliError> {
    let location = register_location(given)?;
    match postgres_url(&location) {
        Some(url) => Register::open_postgres(url),
        None => Register::open(&location),
    }
    .map_err(|e| CliError::Input(e.to_string()))
}

/// The issuing body's rules settings in the register `given` (else the default one), read
/// without changing it, for drafts that follow the rules `issue` will apply; the defaults when
/// there is no register yet (said on standard error when one was named).
pub fn register_policy(given: Option<&Path>) -> Result<goodstanding_issuer::Policy, CliError> {
    let path = register_location(given).ok();
    match path {
        Some(path) if postgres_url(&path).is_some() || path.exists() => {
            open_register(Some(&path))?.policy().map_err(|e| {
                CliError::Input(format!(
                    "{}: {e}",
                    goodstanding_operations::register::redacted_url(&path.to_string_lossy())
                ))
            })
        }
        Some(path) if given.is_some() => {
            eprintln!(
                "goodstanding: note: no register at {} yet, so the default rules apply \
                 (information at most {} days old); a register's settings apply once it exists",
                path.display(),
                goodstanding_issuer::Policy::default().freshness_days
            );
            Ok(goodstanding_issuer::Policy::default())
        }
        _ => Ok(goodstanding_issuer::Policy::default()),
    }
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
