//! The trust list on the root key's machine: every change (add a key, retire one, mark one
//! compromised, name the log) verifies the current list with the root key, applies the change
//! and signs a new list with the next sequence number, with its earlier forms beside it; and
//! the handover of trust to a new root key (`root rotate`).

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use goodstanding_verifier::lists::{
    IssuingBody, KeyStatus, ListError, MAX_TRUST_LIST_LEN, TRUST_LIST_TYP, TrustList,
    TrustListContent, TrustedKeyEntry,
};
use goodstanding_verifier::root_handover::{
    HANDOVERS_FILE, MAX_HANDOVERS_LEN, Statement, StatementSignature, read_chain, signing_input,
    statement_parts,
};
use goodstanding_verifier::{PublicJwk, Timestamp, TrustStore};

use goodstanding_files::{self as files, WriteMode};
use goodstanding_issuer::keys::{IssuingKey, SignError};

use super::sign_compact;

/// A change to the trust list.
#[derive(Debug, Clone)]
pub enum TrustChange {
    /// A new issuing key, allowed to issue from `from` (until `until`, if given).
    Add {
        /// The public key.
        key: Box<PublicJwk>,
        /// From when it may issue.
        from: Timestamp,
        /// Until when (exclusive).
        until: Option<Timestamp>,
        /// The body that issues with it (makes the list version 2).
        issuer: Option<IssuingBody>,
    },
    /// Names the body that issues with a key already listed.
    Describe {
        /// The key.
        kid: String,
        /// Its issuing body.
        issuer: IssuingBody,
    },
    /// The key stops issuing at `at`; what it signed before stays valid.
    Retire {
        /// The key.
        kid: String,
        /// When it stops issuing.
        at: Timestamp,
    },
    /// Names the transparency log verifiers must find every certificate in (makes the list
    /// version 3), or replaces what the list said of it.
    SetLog {
        /// The log's policy, URL, subject-tag key and the time logging is required from.
        log: Box<goodstanding_verifier::lists::TransparencyLogTrust>,
    },
    /// Nothing changes: the list is signed again, with the next sequence number (by a new root
    /// key after a handover).
    Resign,
    /// The key may be in other hands since `at`.
    Compromise {
        /// The key.
        kid: String,
        /// Since when.
        at: Timestamp,
    },
}

/// Why the trust list could not be changed or published.
#[derive(Debug)]
pub enum TrustListError {
    /// A file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// What happened.
        source: std::io::Error,
    },
    /// The trust list file is not a trust list signed by the given root key.
    Invalid {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: ListError,
    },
    /// The change does not fit the list: the message names the key and what to do.
    Change(String),
    /// The root key could not sign (a token failed); the list was left as it was.
    Signing(SignError),
}

impl fmt::Display for TrustListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Invalid { path, reason } => write!(
                f,
                "{}: not a trust list signed by the given root key: {reason}",
                path.display()
            ),
            Self::Change(message) => f.write_str(message),
            Self::Signing(e) => write!(f, "{e}; the trust list was left as it was"),
        }
    }
}

impl std::error::Error for TrustListError {}

/// Reads and verifies the trust list at `path` with the root keys `roots`; `None` if there is
/// no file.
pub fn read_trust_list(
    path: &Path,
    roots: &TrustStore,
) -> Result<Option<(TrustList, Vec<u8>)>, TrustListError> {
    let bytes = match files::read_capped(path, MAX_TRUST_LIST_LEN as u64) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(TrustListError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let list = TrustList::verify(&bytes, roots).map_err(|reason| TrustListError::Invalid {
        path: path.to_path_buf(),
        reason,
    })?;
    Ok(Some((list, bytes)))
}

/// The list after `change`, with the next sequence number, issued at `now`.
pub fn apply_change(
    current: Option<&TrustListContent>,
    change: &TrustChange,
    now: Timestamp,
) -> Result<TrustListContent, TrustListError> {
    let mut keys = current.map(|c| c.keys.clone()).unwrap_or_default();
    let mut transparency_log = current.and_then(|c| c.transparency_log.clone());
    let refuse = |m: String| Err(TrustListError::Change(m));
    let find = |keys: &[TrustedKeyEntry], kid: &str| {
        let listed = keys
            .iter()
            .map(|e| e.key.kid.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        match keys.iter().position(|e| e.key.kid.as_str() == kid) {
            Some(i) => Ok(i),
            None => Err(TrustListError::Change(format!(
                "key {kid} is not in the trust list (it holds: {})",
                if listed.is_empty() {
                    "no keys"
                } else {
                    &listed
                }
            ))),
        }
    };
    match change {
        TrustChange::Add {
            key,
            from,
            until,
            issuer,
        } => {
            if let Some(existing) = keys.iter().find(|e| e.key.kid == key.kid) {
                return refuse(format!(
                    "key {} is already in the trust list (status {}); a kid is never reused: \
                     make a new key with `goodstanding keygen`",
                    key.kid,
                    existing.status.as_code()
                ));
            }
            if keys.iter().any(|e| e.key.key == key.key) {
                return refuse(format!(
                    "the public key of {} is already in the trust list under another kid",
                    key.kid
                ));
            }
            if until.is_some_and(|u| u <= *from) {
                return refuse(format!("--until must be after --from ({from})"));
            }
            keys.push(TrustedKeyEntry {
                key: (**key).clone(),
                from: *from,
                until: *until,
                status: KeyStatus::Active,
                compromised_at: None,
                issuer: issuer.clone(),
            });
        }
        TrustChange::Describe { kid, issuer } => {
            let i = find(&keys, kid)?;
            keys[i].issuer = Some(issuer.clone());
        }
        TrustChange::Retire { kid, at } => {
            let i = find(&keys, kid)?;
            let entry = &mut keys[i];
            match entry.status {
                KeyStatus::Compromised => {
                    return refuse(format!("key {kid} is marked compromised; it stays so"));
                }
                KeyStatus::Retired => {
                    return refuse(format!(
                        "key {kid} is already retired (it issued until {})",
                        entry.until.map_or_else(String::new, |u| u.to_string())
                    ));
                }
                KeyStatus::Active => {}
            }
            if *at <= entry.from {
                return refuse(format!(
                    "key {kid} may issue only from {}; retire it after that",
                    entry.from
                ));
            }
            entry.until = Some(entry.until.map_or(*at, |u| u.min(*at)));
            entry.status = KeyStatus::Retired;
        }
        TrustChange::SetLog { log } => {
            if let Some(old) = &transparency_log
                && log.required_from > old.required_from
            {
                return refuse(format!(
                    "logging is required from {} already; a later date ({}) would let \
                     certificates in between go unlogged",
                    old.required_from, log.required_from
                ));
            }
            // A log named before holds certificates whose proofs must keep verifying: a new
            // log key adds a log (`log rotate` names the old one first, frozen), never drops one.
            if let (Some(old), Ok(new)) = (&transparency_log, log.parsed_policy())
                && let Ok(old_policy) = old.parsed_policy()
            {
                let dropped: Vec<String> = old_policy
                    .logs
                    .iter()
                    .filter(|l| !new.logs.iter().any(|n| n.key == l.key))
                    .map(|l| l.key.to_vkey())
                    .collect();
                if !dropped.is_empty() {
                    return refuse(format!(
                        "the new policy leaves out the log(s) {}: the certificates they hold \
                         would stop verifying. Keep each as a `log` line before the log written \
                         now (`goodstanding log rotate` writes such a policy)",
                        dropped.join(", ")
                    ));
                }
            }
            transparency_log = Some((**log).clone());
        }
        TrustChange::Resign => {}
        TrustChange::Compromise { kid, at } => {
            let i = find(&keys, kid)?;
            let entry = &mut keys[i];
            entry.compromised_at = Some(entry.compromised_at.map_or(*at, |c| c.min(*at)));
            entry.status = KeyStatus::Compromised;
        }
    }
    // Version 2 once keys name their issuing bodies; then every key must.
    let described = keys.iter().filter(|e| e.issuer.is_some()).count();
    if described > 0 && described < keys.len() {
        let missing: Vec<String> = keys
            .iter()
            .filter(|e| e.issuer.is_none())
            .map(|e| e.key.kid.to_string())
            .collect();
        return refuse(format!(
            "a trust list that names issuing bodies names one for every key; name it for {} \
             with `goodstanding trust describe KID --body-name ... --body-address ... \
             --check-url https://...`",
            missing.join(", ")
        ));
    }
    if transparency_log.is_some() && (described == 0 || keys.is_empty()) {
        return refuse(
            "a trust list that names a transparency log (version 3) names the issuing body of \
             every key first: `goodstanding trust describe KID ...`"
                .into(),
        );
    }
    let sequence = current.map_or(1, |c| c.sequence + 1);
    let content = TrustListContent {
        trust_list_version: match (&transparency_log, described) {
            (Some(_), _) => 3,
            (None, 0) => 1,
            (None, _) => 2,
        },
        sequence,
        issued_at: current.map_or(now, |c| now.max(c.issued_at)),
        keys,
        transparency_log,
    };
    content
        .check()
        .map_err(|problem| TrustListError::Change(problem.to_string()))?;
    Ok(content)
}

/// Applies `change` to the trust list at `path` (a new list if there is none), signs the result
/// with the root key and replaces the file atomically. Returns the new list.
pub fn change_trust_list(
    path: &Path,
    root: &IssuingKey,
    change: &TrustChange,
    now: Timestamp,
) -> Result<TrustListContent, TrustListError> {
    let mut roots = TrustStore::new();
    roots
        .add(root.public_jwk())
        .map_err(|e| TrustListError::Change(e.to_string()))?;
    let current = read_trust_list(path, &roots)?;
    let content = apply_change(current.as_ref().map(|(l, _)| &l.content), change, now)?;
    write_trust_list(path, root, &content)?;
    Ok(content)
}

/// Signs `content` with `root` and writes it at `path`, with its earlier forms beside it.
fn write_trust_list(
    path: &Path,
    root: &IssuingKey,
    content: &TrustListContent,
) -> Result<(), TrustListError> {
    let sign = |content: &TrustListContent| {
        let payload = serde_json::to_vec(content)
            .map_err(|e| TrustListError::Change(format!("cannot serialise the trust list: {e}")))?;
        sign_compact(root, TRUST_LIST_TYP, &payload).map_err(TrustListError::Signing)
    };
    let jws = sign(content)?;
    // Every form is signed before any file is written, so a failing token leaves them all.
    let version_1 = if content.trust_list_version >= 2 {
        Some(sign(&content.as_version_1())?)
    } else {
        None
    };
    let version_2 = if content.trust_list_version == 3 {
        Some(sign(&content.as_version_2())?)
    } else {
        None
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| TrustListError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let write = |path: &Path, jws: &str| {
        files::write_atomic(
            path,
            format!("{jws}\n").as_bytes(),
            WriteMode::Replace,
            false,
        )
        .map_err(|source| TrustListError::Io {
            path: path.to_path_buf(),
            source,
        })
    };
    // The version 1 form first: a crash between the two writes leaves forms of different
    // sequence numbers, which `publish` refuses, rather than a new list without its form.
    if let Some(version_1) = version_1 {
        write(&version_1_form_path(path), &version_1)?;
    }
    if let Some(version_2) = version_2 {
        write(&form_path(path, 2), &version_2)?;
    }
    write(path, &jws)
}

/// Where the chain of root handovers is kept, beside the trust list at `path`.
pub fn handovers_path(path: &Path) -> PathBuf {
    path.with_file_name(HANDOVERS_FILE)
}

/// What a root rotation did.
#[derive(Debug, Clone)]
pub struct Rotated {
    /// The chain file, with the new statement last.
    pub handovers: PathBuf,
    /// How many statements it holds.
    pub statements: usize,
    /// The trust list, signed again by the new root.
    pub content: TrustListContent,
}

/// Hands trust over from root `old` to root `new`: appends a statement signed by both to the
/// chain beside the trust list at `path`, then signs the trust list again with `new` (the next
/// sequence number). Run again after a crash in between, it finishes the job.
pub fn rotate_root(
    path: &Path,
    old: &IssuingKey,
    new: &IssuingKey,
    now: Timestamp,
) -> Result<Rotated, TrustListError> {
    let (old_jwk, new_jwk) = (old.public_jwk(), new.public_jwk());
    if old_jwk.kid == new_jwk.kid || old_jwk.key == new_jwk.key {
        return Err(TrustListError::Change(
            "the new root key must differ from the old one (its own key and kid)".into(),
        ));
    }
    let chain_path = handovers_path(path);
    let (mut statements, chain) = match files::read_capped(&chain_path, MAX_HANDOVERS_LEN as u64) {
        Ok(bytes) => {
            let chain = read_chain(&bytes)
                .map_err(|e| TrustListError::Change(format!("{}: {e}", chain_path.display())))?;
            let statements: Vec<Statement> = serde_json::from_slice(&bytes)
                .map_err(|e| TrustListError::Change(format!("{}: {e}", chain_path.display())))?;
            (statements, chain)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Vec::new(), Vec::new()),
        Err(source) => {
            return Err(TrustListError::Io {
                path: chain_path,
                source,
            });
        }
    };
    let store = |jwk: PublicJwk| {
        let mut roots = TrustStore::new();
        roots
            .add(jwk)
            .map_err(|e| TrustListError::Change(e.to_string()))
            .map(|()| roots)
    };
    let done_before = chain
        .last()
        .is_some_and(|h| h.from == old_jwk && h.to == new_jwk);
    let current = match read_trust_list(path, &store(old_jwk.clone())?) {
        Ok(Some(current)) => current,
        Ok(None) => {
            return Err(TrustListError::Change(format!(
                "{}: no trust list to hand over",
                path.display()
            )));
        }
        // A rotation that stopped after the statement: the list may be signed by the new root.
        Err(e) => match read_trust_list(path, &store(new_jwk.clone())?) {
            Ok(Some(current)) if done_before => current,
            _ => return Err(e),
        },
    };
    if !done_before {
        if let Some(last) = chain.last().filter(|h| h.to != old_jwk) {
            return Err(TrustListError::Change(format!(
                "{}: the chain ends at root {}, not at the root key given ({}): hand over from the current root",
                chain_path.display(),
                last.to.kid,
                old_jwk.kid
            )));
        }
        let (payload, [old_header, new_header]) = statement_parts(&old_jwk, &new_jwk, now);
        let mut signatures = Vec::new();
        for (key, protected) in [(old, old_header), (new, new_header)] {
            let signature = key
                .sign(signing_input(&protected, &payload).as_bytes())
                .map_err(TrustListError::Signing)?;
            signatures.push(StatementSignature {
                protected,
                signature: URL_SAFE_NO_PAD.encode(signature),
            });
        }
        statements.push(Statement {
            payload,
            signatures,
        });
        let mut json = serde_json::to_vec_pretty(&statements)
            .map_err(|e| TrustListError::Change(format!("cannot serialise the chain: {e}")))?;
        json.push(b'\n');
        files::write_atomic(&chain_path, &json, WriteMode::Replace, false).map_err(|source| {
            TrustListError::Io {
                path: chain_path.clone(),
                source,
            }
        })?;
    }
    let content = apply_change(Some(&current.0.content), &TrustChange::Resign, now)?;
    write_trust_list(path, new, &content)?;
    Ok(Rotated {
        handovers: chain_path,
        statements: statements.len(),
        content,
    })
}

/// Where the version 1 form of the trust list at `path` is kept, beside it: `trust-list.jws`
/// has `trust-list.v1.jws`. The root key writes it with every version 2 list, and `publish`
/// puts it on the site for the verifiers of the release before (see [`TRUST_LIST_V2_FILE`]).
pub fn version_1_form_path(path: &Path) -> PathBuf {
    form_path(path, 1)
}

/// Where the version `version` form of the trust list at `path` is kept: `trust-list.v2.jws`
/// beside a version 3 `trust-list.jws`, for instance.
pub fn form_path(path: &Path, version: u32) -> PathBuf {
    let stem = path
        .file_name()
        .map(|name| name.to_string_lossy())
        .unwrap_or_default();
    let stem = stem.strip_suffix(".jws").unwrap_or(&stem);
    path.with_file_name(format!("{stem}.v{version}.jws"))
}

/// The version 1 form of the version 2 trust list `list` (read from `path`): the file beside it,
/// signed by a pinned root, with the same sequence number and keys. The message says what to do.
pub(super) fn read_form(
    path: &Path,
    list: &TrustList,
    roots: &TrustStore,
    version: u32,
) -> Result<Vec<u8>, TrustListError> {
    let form_path = form_path(path, version);
    let copy_both = format!(
        "copy {} and {} together from the root key's machine (every `goodstanding trust` \
         change writes both)",
        path.display(),
        form_path.display()
    );
    let (form, bytes) = read_trust_list(&form_path, roots)?.ok_or_else(|| TrustListError::Io {
        path: form_path.clone(),
        source: std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!(
                "the version {version} form of the trust list is missing; verifiers of \
                 earlier releases read only that form: {copy_both}"
            ),
        ),
    })?;
    let expected = if version == 1 {
        list.content.as_version_1()
    } else {
        list.content.as_version_2()
    };
    if form.content != expected {
        return Err(TrustListError::Change(format!(
            "{}: not the version {version} form of {} (sequence {} beside sequence {}): \
             {copy_both}",
            form_path.display(),
            path.display(),
            form.content.sequence,
            list.content.sequence
        )));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use goodstanding_verifier::lists::REVOCATION_LIST_TYP;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_date_or_time(text).unwrap()
    }

    fn added(kid: &str) -> (TrustListContent, IssuingKey) {
        let key =
            IssuingKey::generate(Some(goodstanding_verifier::KeyId::new(kid).unwrap())).unwrap();
        let change = TrustChange::Add {
            key: Box::new(key.public_jwk()),
            from: at("2026-01-01"),
            until: None,
            issuer: None,
        };
        (apply_change(None, &change, at("2026-01-02")).unwrap(), key)
    }

    fn refused(current: &TrustListContent, change: TrustChange, expect: &str) {
        match apply_change(Some(current), &change, at("2026-06-01")) {
            Err(TrustListError::Change(message)) => {
                assert!(message.contains(expect), "{message}");
            }
            other => panic!("expected a refusal with {expect:?}, got {other:?}"),
        }
    }

    #[test]
    fn each_change_gives_the_next_number_and_nonsense_is_refused_by_name() {
        let (list, key) = added("k1");
        assert_eq!(list.sequence, 1);
        let retired = apply_change(
            Some(&list),
            &TrustChange::Retire {
                kid: "k1".into(),
                at: at("2026-05-01"),
            },
            at("2026-05-01"),
        )
        .unwrap();
        assert_eq!(retired.sequence, 2);
        assert_eq!(retired.keys[0].status, KeyStatus::Retired);
        assert_eq!(retired.keys[0].until, Some(at("2026-05-01")));

        refused(
            &list,
            TrustChange::Add {
                key: Box::new(key.public_jwk()),
                from: at("2026-01-01"),
                until: None,
                issuer: None,
            },
            "already in the trust list",
        );
        refused(
            &list,
            TrustChange::Retire {
                kid: "nope".into(),
                at: at("2026-05-01"),
            },
            "key nope is not in the trust list (it holds: k1)",
        );
        refused(
            &list,
            TrustChange::Retire {
                kid: "k1".into(),
                at: at("2025-05-01"),
            },
            "retire it after that",
        );
        refused(
            &retired,
            TrustChange::Retire {
                kid: "k1".into(),
                at: at("2026-05-01"),
            },
            "already retired",
        );
        let compromised = apply_change(
            Some(&retired),
            &TrustChange::Compromise {
                kid: "k1".into(),
                at: at("2026-03-01"),
            },
            at("2026-06-01"),
        )
        .unwrap();
        assert_eq!(compromised.keys[0].status, KeyStatus::Compromised);
        assert_eq!(compromised.keys[0].compromised_at, Some(at("2026-03-01")));
        refused(
            &compromised,
            TrustChange::Retire {
                kid: "k1".into(),
                at: at("2026-05-01"),
            },
            "marked compromised",
        );
    }

    #[test]
    fn a_signed_list_verifies_with_its_root_and_no_other() {
        let (content, _) = added("k1");
        let root = IssuingKey::generate_root(None).unwrap();
        assert!(root.kid().as_str().starts_with("gs-root-"));
        let jws = sign_compact(
            &root,
            TRUST_LIST_TYP,
            &serde_json::to_vec(&content).unwrap(),
        )
        .unwrap();
        let mut roots = TrustStore::new();
        roots.add(root.public_jwk()).unwrap();
        let list = TrustList::verify(jws.as_bytes(), &roots).unwrap();
        assert_eq!(list.content, content);
        let other = IssuingKey::generate_root(None).unwrap();
        let mut wrong = TrustStore::new();
        wrong.add(other.public_jwk()).unwrap();
        assert!(matches!(
            TrustList::verify(jws.as_bytes(), &wrong),
            Err(ListError::UnknownRoot { .. })
        ));
        // A revocation list's type is not accepted as a trust list.
        let as_revocation = sign_compact(&root, REVOCATION_LIST_TYP, b"{}").unwrap();
        assert!(matches!(
            TrustList::verify(as_revocation.as_bytes(), &roots),
            Err(ListError::WrongType { .. })
        ));
    }
}
