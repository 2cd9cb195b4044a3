//! The trust store: which issuing keys a verifier accepts, by key id.

use std::collections::BTreeMap;
use std::fmt;

use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};

use crate::jwk::PublicJwk;
use crate::revocation::RevocationList;
use crate::text::{KeyId, Text};
use crate::time::Timestamp;

/// Why a key could not be added to a trust store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustError {
    /// Another key with the same `kid` is already trusted.
    DuplicateKid(KeyId),
}

impl fmt::Display for TrustError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DuplicateKid(kid) => {
                write!(
                    f,
                    "two different keys have the kid {kid:?}; a kid must name one key"
                )
            }
        }
    }
}

impl std::error::Error for TrustError {}

/// When a key may issue, from a trust list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyPeriod {
    /// From when it may issue.
    pub from: Timestamp,
    /// Until when (exclusive), if it was retired or its period is fixed.
    pub until: Option<Timestamp>,
    /// Since when it may be in other hands.
    pub compromised_at: Option<Timestamp>,
}

/// The issuing body behind a key, as the root vouches for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct IssuingBody {
    /// Its name, as every certificate it signs with the key must give it.
    pub name: Text<120>,
    /// Its postal address.
    pub address: Text<200>,
    /// The web address where its certificates are checked (https).
    pub check_url: Text<200>,
}

/// Why a key was not allowed to sign something at the time it says it was signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyProblem {
    /// Signed before the key's period began.
    NotYet {
        /// The key.
        kid: String,
        /// When its period begins.
        from: Timestamp,
    },
    /// Signed after the key's period ended (it was retired).
    Ended {
        /// The key.
        kid: String,
        /// When its period ended.
        until: Timestamp,
    },
    /// Signed at or after the key was compromised.
    Compromised {
        /// The key.
        kid: String,
        /// Since when it may be in other hands.
        at: Timestamp,
    },
    /// Signed before the compromise, but valid only from after it (which a forger backdating a
    /// certificate would need).
    ValidAfterCompromise {
        /// The key.
        kid: String,
        /// Since when it may be in other hands.
        at: Timestamp,
    },
}

impl fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotYet { kid, from } => write!(
                f,
                "signed with key {kid} before that key was allowed to issue (from {from})"
            ),
            Self::Ended { kid, until } => write!(
                f,
                "signed with key {kid} after that key was retired (it issued until {until})"
            ),
            Self::Compromised { kid, at } => write!(
                f,
                "signed with key {kid} at or after its compromise at {at}: it may be a forgery"
            ),
            Self::ValidAfterCompromise { kid, at } => write!(
                f,
                "signed with key {kid}, compromised at {at}, and valid only from after that: it \
                 may be a backdated forgery"
            ),
        }
    }
}

/// A trusted key and, if it came from a trust list, when it may issue.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TrustedKey {
    key: VerifyingKey,
    period: Option<KeyPeriod>,
}

/// The issuing keys a verifier trusts, with what its trust list and revocation list say.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    keys: BTreeMap<KeyId, TrustedKey>,
    /// The issuing body of each key whose trust list names it (trust list version 2).
    bodies: BTreeMap<KeyId, IssuingBody>,
    trust_list: Option<(u64, Timestamp)>,
    revocations: Option<RevocationList>,
    require_fresh: bool,
    /// The issuing body's transparency log, as a trust list of version 3 names it.
    transparency_log: Option<TransparencyLogTrust>,
    /// The verifier's copies of that policy's logs (the log written now and any frozen ones),
    /// one per origin, as far as it synced them.
    synced_logs: Vec<crate::log_sync::SyncedLog>,
}

impl TrustStore {
    /// An empty store: it trusts nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the transparency log the trust list names.
    pub fn set_transparency_log(&mut self, log: TransparencyLogTrust) {
        self.transparency_log = Some(log);
    }

    /// The transparency log the trust list names, if it names one.
    pub fn transparency_log(&self) -> Option<&TransparencyLogTrust> {
        self.transparency_log.as_ref()
    }

    /// Uses a synced copy of a log of the transparency log policy (checked against the trust
    /// list's policy when it was read), in place of the copy of the same log held before.
    pub fn set_synced_log(&mut self, log: crate::log_sync::SyncedLog) {
        match self
            .synced_logs
            .iter_mut()
            .find(|held| held.origin() == log.origin())
        {
            Some(held) => *held = log,
            None => self.synced_logs.push(log),
        }
    }

    /// The synced copy of the log written now (the one the policy names last), if there is
    /// one.
    pub fn synced_log(&self) -> Option<&crate::log_sync::SyncedLog> {
        let policy = self.transparency_log.as_ref()?.parsed_policy().ok()?;
        let current = policy.current_log()?;
        self.synced_log_of(&current.key.name)
    }

    /// The synced copy of the log named `origin`, if there is one.
    pub fn synced_log_of(&self, origin: &str) -> Option<&crate::log_sync::SyncedLog> {
        self.synced_logs.iter().find(|held| held.origin() == origin)
    }

    /// Every synced copy held: of the log written now and of frozen logs.
    pub fn synced_logs(&self) -> &[crate::log_sync::SyncedLog] {
        &self.synced_logs
    }

    /// Trusts a key. Adding the same key twice is harmless; a different key under a known kid is
    /// an error.
    pub fn add(&mut self, jwk: PublicJwk) -> Result<(), TrustError> {
        self.insert(jwk, None)
    }

    /// Trusts a key for the period a trust list gives it.
    pub fn add_with_period(&mut self, jwk: PublicJwk, period: KeyPeriod) -> Result<(), TrustError> {
        self.insert(jwk, Some(period))
    }

    fn insert(&mut self, jwk: PublicJwk, period: Option<KeyPeriod>) -> Result<(), TrustError> {
        match self.keys.get(&jwk.kid) {
            Some(existing) if existing.key != jwk.key => Err(TrustError::DuplicateKid(jwk.kid)),
            Some(_) => Ok(()),
            None => {
                self.keys.insert(
                    jwk.kid,
                    TrustedKey {
                        key: jwk.key,
                        period,
                    },
                );
                Ok(())
            }
        }
    }

    /// Records the issuing body the trust list names for key `kid`.
    pub fn set_issuing_body(&mut self, kid: &KeyId, body: IssuingBody) {
        self.bodies.insert(kid.clone(), body);
    }

    /// The issuing body the trust list names for key `kid`, if it names one (version 2).
    pub fn issuing_body(&self, kid: &str) -> Option<&IssuingBody> {
        KeyId::new(kid).ok().and_then(|kid| self.bodies.get(&kid))
    }

    /// The key with this id, if trusted.
    pub fn get(&self, kid: &str) -> Option<&VerifyingKey> {
        KeyId::new(kid)
            .ok()
            .and_then(|kid| self.keys.get(&kid))
            .map(|k| &k.key)
    }

    /// The period in which key `kid` may issue, if it came from a trust list.
    pub fn period(&self, kid: &str) -> Option<KeyPeriod> {
        KeyId::new(kid)
            .ok()
            .and_then(|kid| self.keys.get(&kid))
            .and_then(|k| k.period)
    }

    /// Whether key `kid` may have signed something at `signed_at` whose validity starts at
    /// `valid_from` (see [`crate::lists`] for the policy on compromised keys). `Ok(Some(t))`:
    /// allowed, but the key was compromised later, at `t`.
    pub fn authorised(
        &self,
        kid: &str,
        signed_at: Timestamp,
        valid_from: Option<Timestamp>,
    ) -> Result<Option<Timestamp>, KeyProblem> {
        let Some(period) = self.period(kid) else {
            return Ok(None);
        };
        let kid = kid.to_string();
        if signed_at < period.from {
            return Err(KeyProblem::NotYet {
                kid,
                from: period.from,
            });
        }
        if let Some(until) = period.until.filter(|u| signed_at >= *u) {
            return Err(KeyProblem::Ended { kid, until });
        }
        match period.compromised_at {
            Some(at) if signed_at >= at => Err(KeyProblem::Compromised { kid, at }),
            Some(at) if valid_from.is_some_and(|v| v >= at) => {
                Err(KeyProblem::ValidAfterCompromise { kid, at })
            }
            other => Ok(other),
        }
    }

    /// Records which trust list the keys came from: its sequence number and issue time.
    pub fn set_trust_list(&mut self, sequence: u64, issued_at: Timestamp) {
        self.trust_list = Some((sequence, issued_at));
    }

    /// The sequence number and issue time of the trust list the keys came from.
    pub fn trust_list(&self) -> Option<(u64, Timestamp)> {
        self.trust_list
    }

    /// Uses a (verified) revocation list.
    pub fn set_revocations(&mut self, list: RevocationList) {
        self.revocations = Some(list);
    }

    /// The revocation list in use.
    pub fn revocations(&self) -> Option<&RevocationList> {
        self.revocations.as_ref()
    }

    /// With `true`, a certificate is not valid unless a revocation list is loaded and not past
    /// its next-update time.
    pub fn set_require_fresh(&mut self, require: bool) {
        self.require_fresh = require;
    }

    /// Whether a fresh revocation list is required.
    pub fn require_fresh(&self) -> bool {
        self.require_fresh
    }

    /// How many keys are trusted.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the store trusts no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The trusted key ids, in order.
    pub fn kids(&self) -> impl Iterator<Item = &KeyId> {
        self.keys.keys()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn store_with(period: KeyPeriod) -> TrustStore {
        let jwk = PublicJwk {
            kid: KeyId::new("gs-test").unwrap(),
            key: VerifyingKey::from_bytes(&[
                215, 90, 152, 1, 130, 177, 10, 183, 213, 75, 254, 211, 201, 100, 7, 58, 14, 225,
                114, 243, 218, 166, 35, 37, 175, 2, 26, 104, 247, 7, 81, 26,
            ])
            .unwrap(),
        };
        let mut store = TrustStore::new();
        store.add_with_period(jwk, period).unwrap();
        store
    }

    #[test]
    fn a_key_may_sign_only_within_its_period() {
        let store = store_with(KeyPeriod {
            from: at("2026-01-01T00:00:00Z"),
            until: Some(at("2027-01-01T00:00:00Z")),
            compromised_at: None,
        });
        assert_eq!(
            store.authorised("gs-test", at("2026-06-01T00:00:00Z"), None),
            Ok(None)
        );
        assert!(matches!(
            store.authorised("gs-test", at("2025-12-31T23:59:59Z"), None),
            Err(KeyProblem::NotYet { .. })
        ));
        assert!(matches!(
            store.authorised("gs-test", at("2027-01-01T00:00:00Z"), None),
            Err(KeyProblem::Ended { .. })
        ));
    }

    #[test]
    fn a_compromised_key_is_trusted_only_for_what_it_signed_and_started_before() {
        let compromise = at("2026-06-01T12:00:00Z");
        let store = store_with(KeyPeriod {
            from: at("2026-01-01T00:00:00Z"),
            until: None,
            compromised_at: Some(compromise),
        });
        let before = at("2026-05-01T00:00:00Z");
        assert_eq!(
            store.authorised("gs-test", before, Some(before)),
            Ok(Some(compromise))
        );
        assert!(matches!(
            store.authorised("gs-test", compromise, Some(compromise)),
            Err(KeyProblem::Compromised { .. })
        ));
        // Claims to be signed before, but valid only from after: a backdated forgery.
        assert!(matches!(
            store.authorised("gs-test", before, Some(at("2026-06-02T00:00:00Z"))),
            Err(KeyProblem::ValidAfterCompromise { .. })
        ));
    }

    #[test]
    fn a_key_from_a_pinned_file_has_no_period() {
        let mut store = TrustStore::new();
        let jwk = store_with(KeyPeriod {
            from: at("2026-01-01T00:00:00Z"),
            until: None,
            compromised_at: None,
        });
        assert!(jwk.period("gs-test").is_some());
        assert!(store.period("gs-test").is_none());
        assert_eq!(
            store.authorised("gs-test", at("2020-01-01T00:00:00Z"), None),
            Ok(None)
        );
        store.set_require_fresh(true);
        assert!(store.require_fresh());
    }
}

/// What a trust list of version 3 says of the issuing body's transparency log (issue 25).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TransparencyLogTrust {
    /// The `c2sp.org/tlog-policy` text: the log's key (its name is the log's origin), the
    /// witnesses' keys and the quorum.
    pub policy: String,
    /// Where the log's tiles are published (`<url>/checkpoint`, `<url>/tile/...`).
    pub url: String,
    /// The subject-tag key (`c2sp.org/vrf-r255` public key), base64.
    pub subject_tag_key: String,
    /// From when every certificate must be in the log: one issued from then on without a proof
    /// of inclusion is not valid once the log can be checked.
    pub required_from: Timestamp,
}

impl TransparencyLogTrust {
    /// The policy, read.
    pub fn parsed_policy(
        &self,
    ) -> Result<crate::tlog_policy::Policy, crate::tlog_policy::PolicyError> {
        crate::tlog_policy::Policy::parse(&self.policy)
    }

    /// The subject-tag key's 32 bytes.
    pub fn subject_tag_key_bytes(&self) -> Option<[u8; 32]> {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(&self.subject_tag_key)
            .ok()?
            .try_into()
            .ok()
    }
}
