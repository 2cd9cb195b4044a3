//! The signed lists a verifier caches: the trust list (signed by a root key: which issuing keys
//! may issue, and when) and the revocation list (signed by an issuing key: which certificates are
//! revoked, when and why).
//!
//! Both are JWS compact serializations, verified with `verify_strict` before their content is
//! parsed, like certificates. Each has a sequence number (a verifier refuses an older list than
//! the one it has: rollback) and an issue time (a verifier says how old its list is). The
//! revocation list also says when the next one is due; after that it is stale.
//!
//! Policy for a key marked compromised: certificates it signed at or after the compromise time
//! are refused. One it signed before is accepted, with a warning, only if its validity also
//! started before the compromise time, so a forger holding the key and backdating a certificate
//! gains at most the 90 days of validity that follow the compromise time. The issuing body should
//! reissue those certificates with another key and revoke the old ones.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::jwk::PublicJwk;
pub use crate::revocation::{RevocationList, RevocationListContent, RevokedEntry};
use crate::text::KeyId;
use crate::time::Timestamp;
use crate::trust::{KeyPeriod, TrustStore};

/// The trust list's file name where the issuing body publishes it (and in its data directory).
pub const TRUST_LIST_FILE: &str = "trust-list.jws";
/// Where an issuing body publishes its trust list of version 2 during the transition, beside a
/// version 1 form of the same list at [`TRUST_LIST_FILE`] for the verifiers of the release before
/// (which read version 1 only). Verifiers of this release fetch this name first.
pub const TRUST_LIST_V2_FILE: &str = "trust-list-v2.jws";
/// Where an issuing body publishes its trust list of version 3 (version 2 and the transparency
/// log's policy), beside its version 2 form at [`TRUST_LIST_V2_FILE`] and its version 1 form at
/// [`TRUST_LIST_FILE`]. Verifiers of this release fetch this name first.
pub const TRUST_LIST_V3_FILE: &str = "trust-list-v3.jws";
/// The revocation list's file name where the issuing body publishes it.
pub const REVOCATION_LIST_FILE: &str = "revocation-list.jws";
/// The JWS `typ` of a trust list.
pub const TRUST_LIST_TYP: &str = "gs-trust-list+jws";
/// The JWS `typ` of a revocation list.
pub const REVOCATION_LIST_TYP: &str = "gs-revocation-list+jws";
/// Largest trust list accepted, in bytes.
pub const MAX_TRUST_LIST_LEN: usize = 1024 * 1024;
/// Most keys a trust list may hold.
pub const MAX_TRUSTED_KEYS: usize = 1000;
/// Largest revocation list accepted, in bytes (about a million revocations).
pub const MAX_REVOCATION_LIST_LEN: usize = 96 * 1024 * 1024;

/// Why a trust list or revocation list was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListError {
    /// Larger than the cap.
    TooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
    /// Not a JWS, or its header or content is malformed.
    Malformed(String),
    /// The JWS is another kind of document.
    WrongType {
        /// The `typ` expected.
        expected: &'static str,
        /// The `typ` found.
        found: Option<String>,
    },
    /// Signed by a key this verifier does not hold.
    UnknownSigner(String),
    /// A trust list signed by a root that is not pinned here.
    UnknownRoot {
        /// The root that signed it.
        kid: String,
        /// The roots pinned here.
        pinned: Vec<String>,
    },
    /// The signature does not verify.
    BadSignature,
    /// The signing key was not allowed to sign at the list's issue time.
    SignerNotAuthorised(String),
}

impl fmt::Display for ListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { limit } => write!(f, "larger than {limit} bytes"),
            Self::Malformed(m) => write!(f, "malformed: {m}"),
            Self::WrongType { expected, found } => match found {
                Some(found) => write!(f, "not a {expected} (its JWS typ is {found})"),
                None => write!(f, "not a {expected} (its JWS header has no typ)"),
            },
            Self::UnknownRoot { kid, pinned } => write!(
                f,
                "signed by root {kid}, which is not a root pinned here ({}): give the root \
                 public key that signed it (the .pub.jwk that `root keygen` wrote beside the \
                 root key); if the issuing body gave you a new root, pin it with `goodstanding \
                 trust update --from URL --root NEW.pub.jwk`",
                if pinned.is_empty() {
                    "none is".to_string()
                } else {
                    format!("pinned: {}", pinned.join(", "))
                }
            ),
            Self::UnknownSigner(kid) => write!(
                f,
                "signed by key {kid:?}, which is not a key this verifier trusts to sign it"
            ),
            Self::BadSignature => f.write_str(
                "the signature does not verify: the list was altered or not signed by the key it \
                 names",
            ),
            Self::SignerNotAuthorised(m) => write!(f, "signed by a key not allowed to: {m}"),
        }
    }
}

impl std::error::Error for ListError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListHeader {
    alg: String,
    kid: String,
    typ: Option<String>,
}

/// Verifies a compact JWS (`alg` EdDSA) of type `typ`, at most `limit` bytes, with the key that
/// `key_for` finds by its `kid`; returns the signer's kid and the payload bytes. Nothing of the
/// payload is parsed before the signature verifies (`verify_strict`). Used for the lists here and
/// for the issuer's batch manifests.
pub fn verify_typed_jws<'k>(
    input: &[u8],
    typ: &'static str,
    limit: usize,
    key_for: impl Fn(&str) -> Option<&'k VerifyingKey>,
) -> Result<(String, Vec<u8>), ListError> {
    if input.len() > limit {
        return Err(ListError::TooLarge { limit });
    }
    let text = std::str::from_utf8(input)
        .map_err(|_| ListError::Malformed("not text".into()))?
        .trim();
    let mut parts = text.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ListError::Malformed(
            "not a JWS in compact form (three parts separated by dots)".into(),
        ));
    };
    if header.len() > 1024 {
        return Err(ListError::Malformed("the header is too long".into()));
    }
    let header_json: ListHeader = URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|h| serde_json::from_slice(&h).ok())
        .ok_or_else(|| ListError::Malformed("unreadable JWS header".into()))?;
    if header_json.typ.as_deref() != Some(typ) {
        return Err(ListError::WrongType {
            expected: typ,
            found: header_json.typ,
        });
    }
    if header_json.alg != "EdDSA" {
        return Err(ListError::Malformed(format!(
            "algorithm {:?}; only EdDSA is accepted",
            header_json.alg
        )));
    }
    let key = key_for(&header_json.kid)
        .ok_or_else(|| ListError::UnknownSigner(header_json.kid.clone()))?;
    let signature: [u8; 64] = URL_SAFE_NO_PAD
        .decode(signature)
        .ok()
        .and_then(|s| s.try_into().ok())
        .ok_or(ListError::BadSignature)?;
    let signing_input = &text[..header.len() + 1 + payload.len()];
    key.verify_strict(signing_input.as_bytes(), &Signature::from_bytes(&signature))
        .map_err(|_| ListError::BadSignature)?;
    let payload = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| ListError::Malformed("the payload is not base64url".into()))?;
    Ok((header_json.kid, payload))
}

/// What a trust list says of an issuing key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    /// May issue from `from` (until `until`, if set).
    Active,
    /// No longer issues: certificates from before `until` stay valid.
    Retired,
    /// In other hands since `compromised_at`.
    Compromised,
}

impl KeyStatus {
    /// The code, as in the trust list's JSON (`active`, `retired`, `compromised`).
    pub fn as_code(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Retired => "retired",
            Self::Compromised => "compromised",
        }
    }
}

/// One issuing key in a trust list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TrustedKeyEntry {
    /// The public key (its `kid` names it).
    pub key: PublicJwk,
    /// From when it may issue.
    pub from: Timestamp,
    /// Until when it may issue (exclusive); none: open-ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Timestamp>,
    /// Its status.
    pub status: KeyStatus,
    /// Since when it may be in other hands (status `compromised` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compromised_at: Option<Timestamp>,
    /// The body that issues with this key (trust list version 2; absent in version 1): a
    /// certificate it signs must name this body, and verifiers show this name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<IssuingBody>,
}

pub use crate::trust::{IssuingBody, TransparencyLogTrust};

/// The signed content of a trust list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TrustListContent {
    /// Format version: 2 when its keys name their issuing bodies, else 1.
    pub trust_list_version: u32,
    /// Increases with every new list.
    pub sequence: u64,
    /// When it was signed.
    pub issued_at: Timestamp,
    /// The issuing keys.
    pub keys: Vec<TrustedKeyEntry>,
    /// The issuing body's transparency log (version 3 only): which log and witnesses a
    /// certificate's proof must come from, and from when every certificate must be logged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transparency_log: Option<TransparencyLogTrust>,
}

/// Why the entries of a trust list do not make sense together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustListProblem {
    /// A format version this verifier does not read.
    Version(u32),
    /// More than [`MAX_TRUSTED_KEYS`] keys.
    TooManyKeys,
    /// A key listed twice.
    Duplicate(KeyId),
    /// A key whose `until` is not after its `from`.
    UntilNotAfterFrom(KeyId),
    /// A compromised key without `compromised_at`.
    CompromisedWithoutTime(KeyId),
    /// `compromised_at` on a key that is not compromised.
    CompromiseTimeOnSoundKey(KeyId),
    /// A retired key without `until`.
    RetiredWithoutUntil(KeyId),
    /// In version 2, a key without its issuing body; in version 1, one with it.
    IssuerForVersion(KeyId, u32),
    /// A check URL that is not https.
    CheckUrl(KeyId),
    /// Version 3 without its transparency log, or another version with one.
    LogForVersion(u32),
    /// The transparency log's policy, URL or subject-tag key is not usable; says what.
    Log(String),
}

impl fmt::Display for TrustListProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Version(v) => {
                write!(
                    f,
                    "trust list version {v}; this verifier reads versions 1 to 3"
                )
            }
            Self::IssuerForVersion(kid, 2) => {
                write!(
                    f,
                    "key {kid}: a version 2 trust list names every key's issuing body"
                )
            }
            Self::IssuerForVersion(kid, v) => {
                write!(
                    f,
                    "key {kid}: a version {v} trust list names no issuing body"
                )
            }
            Self::CheckUrl(kid) => write!(f, "key {kid}: the check URL must start https://"),
            Self::TooManyKeys => write!(f, "more than {MAX_TRUSTED_KEYS} keys"),
            Self::Duplicate(kid) => write!(f, "key {kid} is listed twice"),
            Self::UntilNotAfterFrom(kid) => write!(f, "key {kid}: until is not after from"),
            Self::CompromisedWithoutTime(kid) => {
                write!(f, "key {kid}: compromised without compromised_at")
            }
            Self::CompromiseTimeOnSoundKey(kid) => {
                write!(f, "key {kid}: compromised_at on a key not compromised")
            }
            Self::RetiredWithoutUntil(kid) => write!(f, "key {kid}: retired without until"),
            Self::LogForVersion(3) => f.write_str("a version 3 list without its transparency log"),
            Self::LogForVersion(v) => write!(f, "a version {v} list with a transparency log"),
            Self::Log(what) => write!(f, "the transparency log: {what}"),
        }
    }
}

impl std::error::Error for TrustListProblem {}

impl TrustListContent {
    /// The same list in version 1, for verifiers that read version 1 only: the same keys,
    /// periods, statuses and sequence number, without the issuing bodies.
    pub fn as_version_1(&self) -> Self {
        Self {
            trust_list_version: 1,
            transparency_log: None,
            sequence: self.sequence,
            issued_at: self.issued_at,
            keys: self
                .keys
                .iter()
                .map(|entry| TrustedKeyEntry {
                    issuer: None,
                    ..entry.clone()
                })
                .collect(),
        }
    }

    /// The same list in version 2, for the verifiers of the release before (which read
    /// versions 1 and 2): without the transparency log.
    pub fn as_version_2(&self) -> Self {
        Self {
            trust_list_version: 2,
            transparency_log: None,
            ..self.clone()
        }
    }

    /// Checks the entries make sense together; the problem names the key.
    pub fn check(&self) -> Result<(), TrustListProblem> {
        let version = self.trust_list_version;
        if !matches!(version, 1..=3) {
            return Err(TrustListProblem::Version(version));
        }
        if self.transparency_log.is_some() != (version == 3) {
            return Err(TrustListProblem::LogForVersion(version));
        }
        if let Some(log) = &self.transparency_log {
            let policy = log
                .parsed_policy()
                .map_err(|e| TrustListProblem::Log(e.to_string()))?;
            if policy.logs.is_empty() {
                return Err(TrustListProblem::Log("the policy names no log".into()));
            }
            if !log.url.starts_with("https://") && !log.url.starts_with("http://") {
                return Err(TrustListProblem::Log(format!(
                    "{:?} is not an http(s) URL",
                    log.url
                )));
            }
            if log.subject_tag_key_bytes().is_none() {
                return Err(TrustListProblem::Log(
                    "the subject-tag key is not 32 bytes of base64".into(),
                ));
            }
        }
        for entry in &self.keys {
            if entry.issuer.is_some() != (version >= 2) {
                return Err(TrustListProblem::IssuerForVersion(
                    entry.key.kid.clone(),
                    version,
                ));
            }
            if entry
                .issuer
                .as_ref()
                .is_some_and(|b| !b.check_url.starts_with("https://"))
            {
                return Err(TrustListProblem::CheckUrl(entry.key.kid.clone()));
            }
        }
        if self.keys.len() > MAX_TRUSTED_KEYS {
            return Err(TrustListProblem::TooManyKeys);
        }
        for (i, entry) in self.keys.iter().enumerate() {
            let kid = &entry.key.kid;
            if self.keys[..i].iter().any(|e| e.key.kid == *kid) {
                return Err(TrustListProblem::Duplicate(kid.clone()));
            }
            if entry.until.is_some_and(|u| u <= entry.from) {
                return Err(TrustListProblem::UntilNotAfterFrom(kid.clone()));
            }
            match (entry.status, entry.compromised_at) {
                (KeyStatus::Compromised, None) => {
                    return Err(TrustListProblem::CompromisedWithoutTime(kid.clone()));
                }
                (KeyStatus::Active | KeyStatus::Retired, Some(_)) => {
                    return Err(TrustListProblem::CompromiseTimeOnSoundKey(kid.clone()));
                }
                (KeyStatus::Retired, _) if entry.until.is_none() => {
                    return Err(TrustListProblem::RetiredWithoutUntil(kid.clone()));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// A trust list whose root signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustList {
    /// What it says.
    pub content: TrustListContent,
    /// The root key that signed it.
    pub root_kid: String,
}

impl TrustList {
    /// Verifies a trust list with the pinned root keys, then reads it.
    pub fn verify(input: &[u8], roots: &TrustStore) -> Result<Self, ListError> {
        let (root_kid, payload) =
            verify_typed_jws(input, TRUST_LIST_TYP, MAX_TRUST_LIST_LEN, |kid| {
                roots.get(kid)
            })
            .map_err(|e| match e {
                ListError::UnknownSigner(kid) => ListError::UnknownRoot {
                    kid,
                    pinned: roots.kids().map(ToString::to_string).collect(),
                },
                other => other,
            })?;
        let content: TrustListContent = serde_json::from_slice(&payload)
            .map_err(|e| ListError::Malformed(format!("content: {e}")))?;
        content
            .check()
            .map_err(|problem| ListError::Malformed(problem.to_string()))?;
        Ok(Self { content, root_kid })
    }

    /// The issuing keys as a trust store, each with the period in which it may issue.
    pub fn to_store(&self) -> TrustStore {
        let mut store = TrustStore::new();
        for entry in &self.content.keys {
            // Kids are unique (checked), so adding cannot fail.
            let _ = store.add_with_period(
                entry.key.clone(),
                KeyPeriod {
                    from: entry.from,
                    until: entry.until,
                    compromised_at: entry.compromised_at,
                },
            );
            if let Some(body) = &entry.issuer {
                store.set_issuing_body(&entry.key.kid, body.clone());
            }
        }
        store.set_trust_list(self.content.sequence, self.content.issued_at);
        if let Some(log) = &self.content.transparency_log {
            store.set_transparency_log(log.clone());
        }
        store
    }
}

impl RevocationList {
    /// Verifies a revocation list with the issuing keys of a trust list (the signer must have
    /// been allowed to issue when the list was signed), then reads it.
    pub fn verify(input: &[u8], keys: &TrustStore) -> Result<Self, ListError> {
        let (signer, payload) =
            verify_typed_jws(input, REVOCATION_LIST_TYP, MAX_REVOCATION_LIST_LEN, |kid| {
                keys.get(kid)
            })?;
        let content: RevocationListContent = serde_json::from_slice(&payload)
            .map_err(|e| ListError::Malformed(format!("content: {e}")))?;
        if content.revocation_list_version != 1 {
            return Err(ListError::Malformed(format!(
                "revocation list version {}; this verifier reads version 1",
                content.revocation_list_version
            )));
        }
        if let Err(problem) = keys.authorised(&signer, content.issued_at, None) {
            return Err(ListError::SignerNotAuthorised(problem.to_string()));
        }
        if content.next_update <= content.issued_at {
            return Err(ListError::Malformed(
                "next_update is not after issued_at".into(),
            ));
        }
        if content.revoked.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(ListError::Malformed(
                "the revoked ids are not sorted and unique".into(),
            ));
        }
        Ok(Self { content, signer })
    }
}

/// Whether a fetched list must be refused in favour of the one held: it has a lower sequence
/// number (a rollback), or the same number with different content (the signer equivocated).
/// Lists are compared as signed text, with surrounding white space trimmed.
pub fn is_rollback(held: u64, held_text: &str, fetched: u64, fetched_text: &str) -> bool {
    fetched < held || (fetched == held && held_text.trim() != fetched_text.trim())
}

#[cfg(test)]
mod tests;
