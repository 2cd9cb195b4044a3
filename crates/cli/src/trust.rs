//! The trust commands: the root key and the trust list (issuing body, offline machine), publish
//! (issuing body), and the verifier's trust folder (`trust update`, `trust show`).

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use goodstanding_issuer::keys::write_key_pair;
use goodstanding_issuer::publication::{
    self, PublishOptions, REVOCATION_LIST_FILE, TRUST_LIST_FILE, TrustChange,
};
use goodstanding_issuer::register::default_path;
use goodstanding_issuer::trust_cache::{self, CacheInfo, TrustCacheError};
use goodstanding_issuer::{IssuingKey, load_issuing_key};
use goodstanding_verifier::lists::{MAX_REVOCATION_LIST_LEN, MAX_TRUST_LIST_LEN};
use goodstanding_verifier::{PublicJwk, Timestamp, TrustStore};

use crate::commands::{key_error, now, parse_kid};
use crate::error::CliError;
use crate::io::outln;
use crate::issuing::open_register;

/// Environment variable naming the default trust folder.
pub const TRUST_ENV: &str = "GOODSTANDING_TRUST";

/// The issuer's data directory (`$XDG_DATA_HOME/goodstanding`, else
/// `~/.local/share/goodstanding`).
fn data_dir() -> Option<PathBuf> {
    default_path().and_then(|p| p.parent().map(Path::to_path_buf))
}

fn default_or(given: Option<&Path>, name: &str, flag: &str) -> Result<PathBuf, CliError> {
    match given {
        Some(p) => Ok(p.to_path_buf()),
        None => data_dir().map(|d| d.join(name)).ok_or_else(|| {
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
    default_or(None, "trust", "--trust DIR")
}

fn cache_error(e: TrustCacheError) -> CliError {
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
    trust_cache::load(&dir).map_err(cache_error)
}

/// `goodstanding root keygen`.
pub fn root_keygen(out: &Path, kid: Option<String>, force: bool) -> Result<(), CliError> {
    let key = IssuingKey::generate_root(parse_kid(kid)?).map_err(key_error)?;
    let (private, public) = write_key_pair(&key, out, force).map_err(key_error)?;
    outln!("root kid     {}", key.kid());
    outln!(
        "private key  {}  (mode 0600: keep it offline; it signs only trust lists)",
        private.display()
    );
    outln!(
        "public key   {}  (verifiers pin this: their trust folder's roots/)",
        public.display()
    );
    Ok(())
}

/// Where the trust list file is, and the root key that signs it.
#[derive(clap::Args)]
pub struct TrustListArgs {
    /// The root private key (PKCS#8 PEM, mode 0600), on the offline machine.
    #[arg(long = "root-key", value_name = "ROOT.key.pem")]
    root_key: PathBuf,
    /// The trust list to change (made if missing)
    /// [default: trust-list.jws in the data directory].
    #[arg(long = "list", value_name = "FILE")]
    list: Option<PathBuf>,
}

fn parse_time(flag: &str, text: &str) -> Result<Timestamp, CliError> {
    Timestamp::parse_date_or_time(text)
        .map_err(|e| CliError::Input(format!("{flag} {text:?}: {e}")))
}

/// What to change in the trust list, as given on the command line.
pub enum TrustEdit {
    /// `trust add`.
    Add {
        /// The public key file.
        key: PathBuf,
        /// `--from`.
        from: String,
        /// `--until`.
        until: Option<String>,
    },
    /// `trust retire`.
    Retire {
        /// The key.
        kid: String,
        /// `--at`, else now.
        at: Option<String>,
    },
    /// `trust compromise`.
    Compromise {
        /// The key.
        kid: String,
        /// `--at`.
        at: String,
    },
}

/// `goodstanding trust add | retire | compromise`.
pub fn edit_trust_list(edit: TrustEdit, args: &TrustListArgs) -> Result<(), CliError> {
    let now = now()?;
    let change = match edit {
        TrustEdit::Add { key, from, until } => TrustChange::Add {
            key: Box::new(trust_cache::read_jwk(&key).map_err(cache_error)?),
            from: parse_time("--from", &from)?,
            until: until.map(|u| parse_time("--until", &u)).transpose()?,
        },
        TrustEdit::Retire { kid, at } => TrustChange::Retire {
            kid,
            at: at.map_or(Ok(now), |a| parse_time("--at", &a))?,
        },
        TrustEdit::Compromise { kid, at } => TrustChange::Compromise {
            kid,
            at: parse_time("--at", &at)?,
        },
    };
    let root = load_issuing_key(&args.root_key, None).map_err(key_error)?;
    let list = default_or(args.list.as_deref(), TRUST_LIST_FILE, "--list FILE")?;
    let content = publication::change_trust_list(&list, &root, &change, now)
        .map_err(|e| CliError::Input(e.to_string()))?;
    outln!(
        "trust list {} number {}, signed by root {} at {}:",
        list.display(),
        content.sequence,
        root.kid(),
        content.issued_at
    );
    for entry in &content.keys {
        let until = entry.until.map_or("open".into(), |u| u.to_string());
        let compromised = entry
            .compromised_at
            .map_or(String::new(), |c| format!(", compromised at {c}"));
        outln!(
            "  {:<28} {:<11} issues from {} until {until}{compromised}",
            entry.key.kid.as_str(),
            format!("{:?}", entry.status).to_lowercase(),
            entry.from
        );
    }
    outln!("Copy it to the publishing machine and run `goodstanding publish`.");
    Ok(())
}

/// Arguments of `goodstanding publish`.
#[derive(clap::Args)]
pub struct PublishArgs {
    /// The folder a web server serves; trust-list.jws, revocation-list.jws and jwks.json are
    /// written there (created if missing).
    #[arg(long, value_name = "SITE")]
    out: PathBuf,
    /// The issuing private key that signs the revocation list (PKCS#8 PEM, mode 0600).
    #[arg(long, value_name = "KEY.pem")]
    key: PathBuf,
    /// The root public key the trust list must verify with.
    #[arg(long, value_name = "ROOT.pub.jwk")]
    root: PathBuf,
    /// The trust list signed by the root key [default: trust-list.jws in the data directory].
    #[arg(long = "trust-list", value_name = "FILE")]
    trust_list: Option<PathBuf>,
    /// Days until the next revocation list is due; after that verifiers call it stale.
    #[arg(long = "next-update-days", value_name = "DAYS", default_value_t = 7)]
    next_update_days: u16,
    #[command(flatten)]
    register: crate::issuing::RegisterArg,
}

/// `goodstanding publish`.
pub fn publish(args: &PublishArgs) -> Result<(), CliError> {
    let now = now()?;
    if args.next_update_days == 0 {
        return Err(CliError::Input(
            "--next-update-days must be at least 1".into(),
        ));
    }
    let next_update = now
        .plus_days(i64::from(args.next_update_days))
        .ok_or_else(|| CliError::Input("--next-update-days: too far ahead".into()))?;
    let key = load_issuing_key(&args.key, None).map_err(key_error)?;
    let mut roots = TrustStore::new();
    roots
        .add(trust_cache::read_jwk(&args.root).map_err(cache_error)?)
        .map_err(|e| CliError::file(&args.root, e))?;
    let trust_list = default_or(args.trust_list.as_deref(), TRUST_LIST_FILE, "--trust-list")?;
    let mut register = open_register(args.register.path.as_deref())?;
    let published = publication::publish(
        &PublishOptions {
            site: &args.out,
            key: &key,
            trust_list: &trust_list,
            roots: &roots,
            now,
            next_update,
        },
        &mut register,
    )
    .map_err(|e| CliError::Input(e.to_string()))?;
    let revocations = &published.revocation_list;
    outln!(
        "published into {}: trust list number {}, revocation list number {} ({} revoked, \
         signed by {}, next update due {})",
        args.out.display(),
        published.trust_list_sequence,
        revocations.sequence,
        revocations.revoked.len(),
        key.kid(),
        revocations.next_update
    );
    for file in &published.files {
        outln!("  {}", file.display());
    }
    outln!(
        "Serve the folder as it is (any static web server or CDN); verifiers run `goodstanding \
         trust update --from <its URL>` before {}.",
        revocations.next_update
    );
    Ok(())
}

/// Most time a fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// Fetches one list from a base URL or a local folder, refusing more than `limit` bytes.
fn fetch(
    client: Option<&reqwest::blocking::Client>,
    base: &str,
    name: &str,
    limit: usize,
) -> Result<Vec<u8>, String> {
    let Some(client) = client else {
        let path = Path::new(base).join(name);
        return goodstanding_issuer::files::read_capped(&path, limit as u64)
            .map_err(|e| format!("{}: {e}", path.display()));
    };
    let url = format!("{}/{name}", base.trim_end_matches('/'));
    let response = client.get(&url).send().map_err(|e| {
        let mut message = format!("{url}: cannot fetch (is the URL right and the server up?): {e}");
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        message
    })?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("{url}: the server answered {status}"));
    }
    if response
        .content_length()
        .is_some_and(|len| len > limit as u64)
    {
        return Err(format!("{url}: larger than {limit} bytes; refused"));
    }
    let mut body = Vec::new();
    response
        .take(limit as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|e| format!("{url}: the download broke off: {e}"))?;
    if body.len() > limit {
        return Err(format!("{url}: larger than {limit} bytes; refused"));
    }
    Ok(body)
}

/// `goodstanding trust update`.
pub fn update(from: &str, trust: Option<&Path>, new_roots: &[PathBuf]) -> Result<(), CliError> {
    let dir = trust_dir(trust)?;
    let roots = new_roots
        .iter()
        .map(|p| trust_cache::read_jwk(p).map_err(cache_error))
        .collect::<Result<Vec<PublicJwk>, _>>()?;
    let is_url = from.starts_with("https://") || from.starts_with("http://");
    let client = if is_url {
        Some(
            reqwest::blocking::Client::builder()
                .timeout(FETCH_TIMEOUT)
                .connect_timeout(Duration::from_secs(10))
                .user_agent(concat!("goodstanding/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| CliError::Input(format!("cannot start the HTTP client: {e}")))?,
        )
    } else if Path::new(from).is_dir() {
        None
    } else {
        return Err(CliError::Input(format!(
            "--from {from:?}: neither an http(s):// URL nor a folder"
        )));
    };
    let kept = "the trust folder was not changed";
    let fetched_at = now()?;
    let trust_list = fetch(client.as_ref(), from, TRUST_LIST_FILE, MAX_TRUST_LIST_LEN)
        .map_err(|e| CliError::Input(format!("update failed, {kept}: {e}")))?;
    let revocation_list = fetch(
        client.as_ref(),
        from,
        REVOCATION_LIST_FILE,
        MAX_REVOCATION_LIST_LEN,
    )
    .map_err(|e| CliError::Input(format!("update failed, {kept}: {e}")))?;
    std::fs::create_dir_all(&dir).map_err(|e| CliError::file(&dir, e))?;
    // A folder is recorded by its full path, so that "fetched from" means something later.
    let source = match &client {
        Some(_) => from.to_string(),
        None => std::fs::canonicalize(from)
            .map_or_else(|_| from.to_string(), |p| p.display().to_string()),
    };
    let updated = trust_cache::update(
        &dir,
        &roots,
        &source,
        fetched_at,
        &trust_list,
        &revocation_list,
    )
    .map_err(|e| CliError::Input(format!("update failed, {kept}: {e}")))?;
    if let Some(why) = &updated.previous_unreadable {
        eprintln!("goodstanding: the previous cache was unreadable and is replaced: {why}");
    }
    let held = &updated.now_held;
    match &updated.before {
        Some(before)
            if before.trust_list.0 == held.trust_list.0
                && before.revocation_list.0 == held.revocation_list.0 =>
        {
            outln!("already up to date: {}", describe_cache(held, fetched_at));
        }
        _ => outln!(
            "updated {}: {}",
            dir.display(),
            describe_cache(held, fetched_at)
        ),
    }
    Ok(())
}

/// `goodstanding trust show`.
pub fn show(trust: Option<&Path>) -> Result<(), CliError> {
    let dir = trust_dir(trust)?;
    let (store, info) = trust_cache::load(&dir).map_err(cache_error)?;
    let now = now()?;
    outln!(
        "trust folder {}: {}",
        dir.display(),
        describe_cache(&info, now)
    );
    for kid in store.kids() {
        if let Some(period) = store.period(kid.as_str()) {
            let until = period.until.map_or("open".into(), |u| u.to_string());
            let compromised = period
                .compromised_at
                .map_or(String::new(), |c| format!(", COMPROMISED at {c}"));
            outln!(
                "  key {:<28} issues from {} until {until}{compromised}",
                kid.as_str(),
                period.from
            );
        }
    }
    Ok(())
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
