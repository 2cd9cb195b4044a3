//! What the issuing body publishes for verifiers: the trust list (signed by the offline root
//! key), the revocation list (built from the register, signed by an issuing key) and a JWKS of
//! the issuing keys, as static files under fixed names (see [`SITE_FILES`]).
//!
//! The trust list is kept in one file on the root key's machine and changed there
//! (`publication/trust_list.rs`); `publish` puts it on the site with the revocation list it signs.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use goodstanding_verifier::lists::{
    KeyStatus, ListError, MAX_REVOCATION_LIST_LEN, REVOCATION_LIST_TYP, RevocationList,
    RevocationListContent, RevokedEntry, TrustListContent,
};
use goodstanding_verifier::model::RevocationReason;
use goodstanding_verifier::root_handover::{HANDOVERS_FILE, MAX_HANDOVERS_LEN, read_chain};
use goodstanding_verifier::{CertificateId, Date, Timestamp, TrustStore};

use crate::register::{Register, RegisterError};
use goodstanding_files::{self as files, WriteMode};
use goodstanding_issuer::keys::{IssuingKey, SignError};

pub use goodstanding_verifier::lists::{
    REVOCATION_LIST_FILE, TRUST_LIST_FILE, TRUST_LIST_V2_FILE, TRUST_LIST_V3_FILE,
};
/// The JWKS's file name on the published site.
pub const JWKS_FILE: &str = "jwks.json";
/// The files `publish` writes into the site folder, which a verifier fetches from the same base
/// URL ([`TRUST_LIST_V2_FILE`] too, when the trust list is of version 2).
pub const SITE_FILES: [&str; 3] = [TRUST_LIST_FILE, REVOCATION_LIST_FILE, JWKS_FILE];

/// A compact JWS (`alg` EdDSA) of `payload` with header `typ`, signed by `key`.
pub fn sign_compact(key: &IssuingKey, typ: &str, payload: &[u8]) -> Result<String, SignError> {
    let header = serde_json::json!({ "alg": "EdDSA", "kid": key.kid().as_str(), "typ": typ });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let signature = key.sign(signing_input.as_bytes())?;
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    ))
}

mod trust_list;
pub use trust_list::*;

/// What to publish.
#[derive(Debug)]
pub struct PublishOptions<'a> {
    /// The folder a web server serves (created if missing).
    pub site: &'a Path,
    /// The issuing key that signs the revocation list.
    pub key: &'a IssuingKey,
    /// The trust list file (from the root key's machine).
    pub trust_list: &'a Path,
    /// The pinned root keys the trust list must verify with.
    pub roots: &'a TrustStore,
    /// When the revocation list is signed.
    pub now: Timestamp,
    /// When the next revocation list is due.
    pub next_update: Timestamp,
}

/// What was published.
#[derive(Debug, Clone)]
pub struct Published {
    /// The trust list's sequence number.
    pub trust_list_sequence: u64,
    /// The revocation list's content.
    pub revocation_list: RevocationListContent,
    /// The files written.
    pub files: Vec<PathBuf>,
    /// The size of the transparency log published under `log/`, if the register has one and
    /// a checkpoint was witnessed.
    pub log_size: Option<u64>,
}

/// Why publishing failed. Nothing is written to the site unless every check passed.
#[derive(Debug)]
pub enum PublishError {
    /// The trust list is missing or not valid.
    TrustList(TrustListError),
    /// The issuing key may not sign now according to the trust list.
    KeyNotAllowed(String),
    /// The register could not be read or written.
    Register(RegisterError),
    /// A revocation in the register is malformed.
    BadRevocation(String),
    /// The signed revocation list did not verify (a bug).
    SelfCheck(ListError),
    /// A site file could not be written.
    Io {
        /// The file.
        path: PathBuf,
        /// What happened.
        source: std::io::Error,
    },
    /// The issuing key could not sign the revocation list (a token failed).
    Signing(SignError),
    /// The transparency log's tiles could not be published (the lists were).
    Log(String),
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TrustList(e) => e.fmt(f),
            Self::KeyNotAllowed(m) | Self::BadRevocation(m) => f.write_str(m),
            Self::Register(e) => e.fmt(f),
            Self::SelfCheck(e) => write!(
                f,
                "the revocation list just signed does not verify ({e}); nothing was published"
            ),
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Signing(e) => write!(f, "{e}; nothing was published"),
            Self::Log(e) => write!(
                f,
                "the lists were published, the transparency log was not: {e}"
            ),
        }
    }
}

impl std::error::Error for PublishError {}

impl From<RegisterError> for PublishError {
    fn from(e: RegisterError) -> Self {
        Self::Register(e)
    }
}

/// Builds and signs the revocation list from the register, and writes the site: the trust list
/// (as given), the revocation list and the JWKS of the keys that may still be relied on.
pub fn publish(
    options: &PublishOptions<'_>,
    register: &mut Register,
) -> Result<Published, PublishError> {
    let (trust_list, trust_bytes) = read_trust_list(options.trust_list, options.roots)
        .map_err(PublishError::TrustList)?
        .ok_or_else(|| {
            PublishError::TrustList(TrustListError::Io {
                path: options.trust_list.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no trust list: make one with `goodstanding trust add` on the root key's \
                     machine and copy it here",
                ),
            })
        })?;
    let version = trust_list.content.trust_list_version;
    let mut forms = Vec::new();
    for (form, file) in [(2, TRUST_LIST_V2_FILE), (1, TRUST_LIST_FILE)] {
        if form < version {
            let bytes = read_form(options.trust_list, &trust_list, options.roots, form)
                .map_err(PublishError::TrustList)?;
            forms.push((file, bytes));
        }
    }
    let store = trust_list.to_store();
    let kid = options.key.kid();
    if store.get(kid.as_str()) != Some(&options.key.public_jwk().key) {
        return Err(PublishError::KeyNotAllowed(format!(
            "the issuing key {kid} is not in trust list {} (sequence {}): add it with \
             `goodstanding trust add {kid}.pub.jwk --from DATE` first",
            options.trust_list.display(),
            trust_list.content.sequence
        )));
    }
    store
        .authorised(kid.as_str(), options.now, None)
        .map_err(|problem| {
            PublishError::KeyNotAllowed(format!(
                "the issuing key may not sign a revocation list now: {problem}; publish with \
                 an active key"
            ))
        })?;

    let mut revoked = Vec::new();
    for (id, revoked_at, reason) in register.revocations_in_force(options.now)? {
        let bad = |what: &str| {
            PublishError::BadRevocation(format!("register: revocation of {id}: {what}"))
        };
        let id_parsed = CertificateId::new(id.clone()).map_err(|_| bad("bad id"))?;
        let on = Timestamp::parse(&revoked_at)
            .map(Timestamp::date)
            .or_else(|_| Date::parse(&revoked_at))
            .map_err(|_| bad("bad time"))?;
        let reason = RevocationReason::from_code(&reason).ok_or_else(|| bad("unknown reason"))?;
        revoked.push(RevokedEntry(id_parsed, on, reason));
    }
    revoked.sort_by(|a, b| a.0.cmp(&b.0));
    let sequence = register.record_revocation_list(
        options.now,
        options.next_update,
        kid.as_str(),
        revoked.len(),
    )?;
    let content = RevocationListContent {
        revocation_list_version: 1,
        sequence,
        issued_at: options.now,
        next_update: options.next_update,
        revoked,
    };
    let payload = serde_json::to_vec(&content)
        .map_err(|e| PublishError::BadRevocation(format!("cannot serialise: {e}")))?;
    let jws =
        sign_compact(options.key, REVOCATION_LIST_TYP, &payload).map_err(PublishError::Signing)?;
    if jws.len() > MAX_REVOCATION_LIST_LEN {
        return Err(PublishError::SelfCheck(ListError::TooLarge {
            limit: MAX_REVOCATION_LIST_LEN,
        }));
    }
    RevocationList::verify(jws.as_bytes(), &store).map_err(PublishError::SelfCheck)?;

    let jwks = jwks(&trust_list.content);
    let site = options.site;
    std::fs::create_dir_all(site).map_err(|source| PublishError::Io {
        path: site.to_path_buf(),
        source,
    })?;
    // A list of version 2 or 3 goes under its own name, and its earlier forms under the names
    // the verifiers of earlier releases fetch, so that all read the list during the transition.
    let own_name = match version {
        3 => TRUST_LIST_V3_FILE,
        2 => TRUST_LIST_V2_FILE,
        _ => TRUST_LIST_FILE,
    };
    let mut site_files = vec![(own_name, trust_bytes)];
    site_files.extend(forms);
    site_files.push((REVOCATION_LIST_FILE, format!("{jws}\n").into_bytes()));
    site_files.push((JWKS_FILE, jwks.into_bytes()));
    // The chain of root handovers, if the root was ever handed over: verifiers pinning an
    // earlier root follow it to the one that signed the trust list.
    let chain_path = handovers_path(options.trust_list);
    match files::read_capped(&chain_path, MAX_HANDOVERS_LEN as u64) {
        Ok(bytes) => {
            let refuse = |what: String| {
                PublishError::TrustList(TrustListError::Change(format!(
                    "{}: {what}",
                    chain_path.display()
                )))
            };
            let chain = read_chain(&bytes).map_err(|e| refuse(e.to_string()))?;
            if let Some(last) = chain.last()
                && options.roots.get(last.to.kid.as_str()) != Some(&last.to.key)
            {
                return Err(refuse(format!(
                    "the chain of root handovers ends at root {}, which is not the root the \
                     trust list is checked with (--root): give {}.pub.jwk",
                    last.to.kid, last.to.kid
                )));
            }
            site_files.push((HANDOVERS_FILE, bytes));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(PublishError::Io {
                path: chain_path,
                source,
            });
        }
    }
    let mut written = Vec::new();
    for (name, bytes) in site_files {
        let path = site.join(name);
        files::write_atomic(&path, &bytes, WriteMode::Replace, false).map_err(|source| {
            PublishError::Io {
                path: path.clone(),
                source,
            }
        })?;
        written.push(path);
    }
    files::sync_dir(site).map_err(|source| PublishError::Io {
        path: site.to_path_buf(),
        source,
    })?;
    // The transparency log, if the register has one: its tiles, then its checkpoint.
    let log_size = match register.log_folder()? {
        Some(_) => {
            let prefix = site.join(crate::log::tiles::SITE_LOG_DIR);
            crate::log::tiles::publish_frozen_logs(register, &prefix)
                .map_err(|e| PublishError::Log(e.to_string()))?;
            crate::log::tiles::publish_log(register, &prefix)
                .map_err(|e| PublishError::Log(e.to_string()))?
        }
        None => None,
    };
    Ok(Published {
        trust_list_sequence: trust_list.content.sequence,
        revocation_list: content,
        files: written,
        log_size,
    })
}

/// A JWKS (RFC 7517) of the issuing keys a JOSE library may verify certificates with: active and
/// retired keys; a compromised key is left out, since a JOSE library cannot apply the
/// compromise time.
pub fn jwks(content: &TrustListContent) -> String {
    let keys: Vec<serde_json::Value> = content
        .keys
        .iter()
        .filter(|e| e.status != KeyStatus::Compromised)
        .filter_map(|e| {
            let mut jwk: serde_json::Value = serde_json::from_str(&e.key.to_json()).ok()?;
            let object = jwk.as_object_mut()?;
            object.insert("use".into(), "sig".into());
            object.insert("alg".into(), "EdDSA".into());
            Some(jwk)
        })
        .collect();
    let mut text =
        serde_json::to_string_pretty(&serde_json::json!({ "keys": keys })).unwrap_or_default();
    text.push('\n');
    text
}
