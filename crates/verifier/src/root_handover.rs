//! Handing trust over from one root key to another (issue 25, item 7), as TUF does for its root:
//! a statement signed by the old root and by the new one, published with the trust list, that a
//! verifier pinning the old root follows to pin the new one.
//!
//! ```text
//! <site>/root-handovers.json   a JSON array of statements, oldest first
//! statement = JWS JSON general serialization (RFC 7515 section 7.2.1), two signatures:
//!   payload   {"handover_version": 1, "from": <old root JWK>, "to": <new root JWK>,
//!              "issued_at": RFC 3339}
//!   signatures[*].protected  {"alg": "EdDSA", "kid": <from or to kid>,
//!                             "typ": "goodstanding-root-handover+jws"}
//!   one signature by "from" and one by "to" (verify_strict), over protected "." payload
//! follow: from the first statement whose "from" is a pinned root, each next statement must
//!   start where the last ended; the roots are then the last "to". A root handing over twice
//!   (two statements from one root) is a fork: refused.
//! ```
//!
//! A chain proves only what its signers say: if a root key is stolen, the thief can hand over
//! to a key of their own, and a verifier that follows would pin it. A stolen root can be
//! answered only out of band (see the README).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::Signature;
use serde::{Deserialize, Serialize};

use crate::jwk::PublicJwk;
use crate::time::Timestamp;
use crate::trust::TrustStore;

/// The file of statements on the published site.
pub const HANDOVERS_FILE: &str = "root-handovers.json";
/// The `typ` of a statement's protected headers.
pub const HANDOVER_TYP: &str = "goodstanding-root-handover+jws";
/// Largest handovers file read.
pub const MAX_HANDOVERS_LEN: usize = 256 * 1024;
/// Most statements in a chain.
pub const MAX_HANDOVERS: usize = 64;

/// One handover: trust passes from root `from` to root `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handover {
    /// The root handing over.
    pub from: PublicJwk,
    /// The root taking over.
    pub to: PublicJwk,
    /// When it was signed.
    pub issued_at: Timestamp,
}

/// Why a chain of handovers was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandoverError {
    /// Not a JSON array of statements, too large, or a statement not of the form above.
    Malformed {
        /// Which statement (0 for the file as a whole).
        index: usize,
        /// What is wrong.
        what: String,
    },
    /// A statement's signature by its old or new root does not verify.
    BadSignature {
        /// Which statement.
        index: usize,
        /// Whose signature.
        kid: String,
    },
    /// A statement does not start where the one before ended.
    Broken {
        /// Which statement.
        index: usize,
    },
    /// One root handed over twice (to two different roots).
    Fork {
        /// The root.
        kid: String,
    },
}

impl fmt::Display for HandoverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed { index, what } => {
                write!(f, "root handover statement {index}: {what}")
            }
            Self::BadSignature { index, kid } => write!(
                f,
                "root handover statement {index}: the signature of root {kid} does not verify"
            ),
            Self::Broken { index } => write!(
                f,
                "root handover statement {index} does not start at the root the one before \
                 handed over to"
            ),
            Self::Fork { kid } => write!(
                f,
                "root {kid} handed trust over twice, to two different roots: a root key is \
                 misused or stolen; ask the issuing body for its current root out of band"
            ),
        }
    }
}

impl std::error::Error for HandoverError {}

/// A statement as published.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// base64url of the payload.
    pub payload: String,
    /// Its two signatures.
    pub signatures: Vec<StatementSignature>,
}

/// One signature of a statement.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatementSignature {
    /// base64url of the protected header.
    pub protected: String,
    /// base64url of the Ed25519 signature.
    pub signature: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Payload {
    handover_version: u32,
    from: serde_json::Value,
    to: serde_json::Value,
    issued_at: Timestamp,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Protected {
    alg: String,
    kid: String,
    typ: String,
}

/// The payload of a handover from `from` to `to` at `issued_at`, and each root's protected
/// header, base64url-encoded: what the issuing side signs ([`signing_input`]).
pub fn statement_parts(
    from: &PublicJwk,
    to: &PublicJwk,
    issued_at: Timestamp,
) -> (String, [String; 2]) {
    let jwk = |key: &PublicJwk| serde_json::from_str(&key.to_json()).unwrap_or_default();
    let payload = Payload {
        handover_version: 1,
        from: jwk(from),
        to: jwk(to),
        issued_at,
    };
    // Serialising these plain structures cannot fail.
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap_or_default());
    let header = |key: &PublicJwk| {
        let protected = Protected {
            alg: "EdDSA".into(),
            kid: key.kid.to_string(),
            typ: HANDOVER_TYP.into(),
        };
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&protected).unwrap_or_default())
    };
    (payload, [header(from), header(to)])
}

/// What a signature of a statement covers: `protected "." payload`.
pub fn signing_input(protected: &str, payload: &str) -> String {
    format!("{protected}.{payload}")
}

/// Checks one statement: its form, and both signatures.
pub fn verify_statement(statement: &Statement, index: usize) -> Result<Handover, HandoverError> {
    let malformed = |what: &str| HandoverError::Malformed {
        index,
        what: what.to_string(),
    };
    let payload: Payload = URL_SAFE_NO_PAD
        .decode(&statement.payload)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| malformed("its payload is not a handover"))?;
    if payload.handover_version != 1 {
        return Err(malformed(&format!(
            "handover version {} (this release reads version 1)",
            payload.handover_version
        )));
    }
    let key = |value: &serde_json::Value| {
        PublicJwk::from_json(&value.to_string()).map_err(|e| malformed(&e.to_string()))
    };
    let (from, to) = (key(&payload.from)?, key(&payload.to)?);
    if from.kid == to.kid || from.key == to.key {
        return Err(malformed("it hands over from a root to itself"));
    }
    if statement.signatures.len() != 2 {
        return Err(malformed("it must carry exactly two signatures"));
    }
    for signer in [&from, &to] {
        let signed = statement.signatures.iter().find(|s| {
            URL_SAFE_NO_PAD
                .decode(&s.protected)
                .ok()
                .and_then(|bytes| serde_json::from_slice::<Protected>(&bytes).ok())
                .is_some_and(|p| {
                    p.alg == "EdDSA" && p.typ == HANDOVER_TYP && p.kid == signer.kid.as_str()
                })
        });
        let bad = || HandoverError::BadSignature {
            index,
            kid: signer.kid.to_string(),
        };
        let signed = signed.ok_or_else(bad)?;
        let signature: [u8; 64] = URL_SAFE_NO_PAD
            .decode(&signed.signature)
            .ok()
            .and_then(|s| s.try_into().ok())
            .ok_or_else(bad)?;
        signer
            .key
            .verify_strict(
                signing_input(&signed.protected, &statement.payload).as_bytes(),
                &Signature::from_bytes(&signature),
            )
            .map_err(|_| bad())?;
    }
    Ok(Handover {
        from,
        to,
        issued_at: payload.issued_at,
    })
}

/// Reads a handovers file: every statement checked, each starting where the one before ended,
/// no root handing over twice.
pub fn read_chain(bytes: &[u8]) -> Result<Vec<Handover>, HandoverError> {
    if bytes.len() > MAX_HANDOVERS_LEN {
        return Err(HandoverError::Malformed {
            index: 0,
            what: format!("larger than {MAX_HANDOVERS_LEN} bytes"),
        });
    }
    let statements: Vec<Statement> =
        serde_json::from_slice(bytes).map_err(|e| HandoverError::Malformed {
            index: 0,
            what: format!("not a JSON array of statements: {e}"),
        })?;
    if statements.len() > MAX_HANDOVERS {
        return Err(HandoverError::Malformed {
            index: 0,
            what: format!("more than {MAX_HANDOVERS} statements"),
        });
    }
    let mut chain: Vec<Handover> = Vec::with_capacity(statements.len());
    for (index, statement) in statements.iter().enumerate() {
        let handover = verify_statement(statement, index)?;
        if chain.iter().any(|h| h.from.kid == handover.from.kid) {
            return Err(HandoverError::Fork {
                kid: handover.from.kid.to_string(),
            });
        }
        if let Some(last) = chain.last()
            && last.to != handover.from
        {
            return Err(HandoverError::Broken { index });
        }
        chain.push(handover);
    }
    Ok(chain)
}

/// The handovers a verifier pinning `pinned` follows in `chain`: from the first statement whose
/// old root is pinned (the same key under the same kid) to the end. Empty if no statement
/// starts at a pinned root (the pinned roots stand).
pub fn follow<'a>(pinned: &TrustStore, chain: &'a [Handover]) -> &'a [Handover] {
    chain
        .iter()
        .position(|h| pinned.get(h.from.kid.as_str()) == Some(&h.from.key))
        .map_or(&[], |start| &chain[start..])
}

/// The roots a verifier pinning `pinned` trusts after following `chain` (see [`follow`]): the
/// pinned roots that did not hand over, and the last root taken over; with them, the handovers
/// followed. `None` if the chain starts at no pinned root (the pinned roots stand). The command
/// line's trust folder and the web page both pin through this.
pub fn roots_after<'a>(
    pinned: &TrustStore,
    chain: &'a [Handover],
) -> Result<Option<(TrustStore, &'a [Handover])>, crate::trust::TrustError> {
    let followed = follow(pinned, chain);
    let Some(last) = followed.last() else {
        return Ok(None);
    };
    let mut after = TrustStore::new();
    for kid in pinned.kids() {
        if let (Some(key), false) = (
            pinned.get(kid.as_str()),
            followed.iter().any(|h| h.from.kid == *kid),
        ) {
            after.add(PublicJwk {
                kid: kid.clone(),
                key: *key,
            })?;
        }
    }
    after.add(last.to.clone())?;
    Ok(Some((after, followed)))
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::Signer as _;

    use super::*;
    use crate::test_support::{public_jwk, signing_key};

    fn statement(from: u8, to: u8, tamper: bool) -> Statement {
        let (from_jwk, to_jwk) = (
            public_jwk(from, &format!("root-{from}")),
            public_jwk(to, &format!("root-{to}")),
        );
        let at = Timestamp::parse("2026-12-01T00:00:00Z").unwrap();
        let (payload, headers) = statement_parts(&from_jwk, &to_jwk, at);
        let signatures = [from, to]
            .iter()
            .zip(headers)
            .map(|(seed, protected)| {
                let mut signature = signing_key(*seed)
                    .sign(signing_input(&protected, &payload).as_bytes())
                    .to_bytes();
                if tamper && *seed == to {
                    signature[0] ^= 1;
                }
                StatementSignature {
                    protected,
                    signature: URL_SAFE_NO_PAD.encode(signature),
                }
            })
            .collect();
        Statement {
            payload,
            signatures,
        }
    }

    fn file(statements: &[Statement]) -> Vec<u8> {
        serde_json::to_vec(statements).unwrap()
    }

    #[test]
    fn a_chain_is_followed_from_the_pinned_root_to_its_end() {
        let chain = read_chain(&file(&[statement(1, 2, false), statement(2, 3, false)])).unwrap();
        let mut pinned = TrustStore::new();
        pinned.add(public_jwk(1, "root-1")).unwrap();
        let followed = follow(&pinned, &chain);
        assert_eq!(followed.len(), 2);
        assert_eq!(followed[1].to.kid.as_str(), "root-3");
        // A verifier that already pins root 2 follows only the second step; one pinning an
        // unrelated root follows nothing.
        let mut pinned = TrustStore::new();
        pinned.add(public_jwk(2, "root-2")).unwrap();
        assert_eq!(follow(&pinned, &chain).len(), 1);
        let mut other = TrustStore::new();
        other.add(public_jwk(9, "root-1")).unwrap();
        assert!(follow(&other, &chain).is_empty(), "same kid, other key");
    }

    #[test]
    fn a_statement_short_of_either_signature_a_broken_chain_and_a_fork_are_refused() {
        assert_eq!(
            read_chain(&file(&[statement(1, 2, true)])),
            Err(HandoverError::BadSignature {
                index: 0,
                kid: "root-2".into()
            })
        );
        let mut one_signature = statement(1, 2, false);
        one_signature.signatures.pop();
        assert!(matches!(
            read_chain(&file(&[one_signature])),
            Err(HandoverError::Malformed { .. })
        ));
        assert_eq!(
            read_chain(&file(&[statement(1, 2, false), statement(3, 4, false)])),
            Err(HandoverError::Broken { index: 1 })
        );
        assert_eq!(
            read_chain(&file(&[
                statement(1, 2, false),
                statement(2, 3, false),
                statement(3, 2, false),
                statement(2, 5, false)
            ])),
            Err(HandoverError::Fork {
                kid: "root-2".into()
            })
        );
        assert!(read_chain(b"{}").is_err());
    }
}
