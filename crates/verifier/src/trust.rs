//! The trust store: which issuing keys a verifier accepts, by key id.

use std::collections::BTreeMap;
use std::fmt;

use ed25519_dalek::VerifyingKey;

use crate::jwk::PublicJwk;
use crate::text::KeyId;

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

/// The issuing keys a verifier trusts.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    keys: BTreeMap<KeyId, VerifyingKey>,
}

impl TrustStore {
    /// An empty store: it trusts nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusts a key. Adding the same key twice is harmless; a different key under a known kid is
    /// an error.
    pub fn add(&mut self, jwk: PublicJwk) -> Result<(), TrustError> {
        match self.keys.get(&jwk.kid) {
            Some(existing) if *existing != jwk.key => Err(TrustError::DuplicateKid(jwk.kid)),
            Some(_) => Ok(()),
            None => {
                self.keys.insert(jwk.kid, jwk.key);
                Ok(())
            }
        }
    }

    /// The key with this id, if trusted.
    pub fn get(&self, kid: &str) -> Option<&VerifyingKey> {
        KeyId::new(kid).ok().and_then(|kid| self.keys.get(&kid))
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
