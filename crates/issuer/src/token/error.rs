//! Why a key in a PKCS#11 token could not be reached or used: each error names the token, the
//! function and what to do.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Why a token key could not be opened, generated or used.
#[derive(Debug)]
pub enum TokenError {
    /// The PKCS#11 module could not be loaded.
    Module {
        /// The module file.
        path: PathBuf,
        /// What the loader said.
        reason: String,
    },
    /// No token matches the URI.
    TokenNotFound {
        /// The URI.
        uri: String,
        /// The tokens seen, described.
        seen: Vec<String>,
    },
    /// More than one token matches the URI.
    TokenAmbiguous {
        /// The URI.
        uri: String,
        /// The tokens that match.
        matching: Vec<String>,
    },
    /// No key on the token matches the URI.
    ObjectNotFound {
        /// The URI.
        uri: String,
        /// The token's label.
        token: String,
        /// What was looked for: "private key" or "public key".
        kind: &'static str,
        /// The labels of the keys of that kind seen on the token.
        seen: Vec<String>,
    },
    /// More than one key matches the URI.
    ObjectAmbiguous {
        /// The URI.
        uri: String,
        /// How many match.
        count: usize,
    },
    /// A key of that label already exists (keygen).
    ObjectExists {
        /// The URI.
        uri: String,
    },
    /// The key is not an Ed25519 key.
    NotEd25519 {
        /// The URI.
        uri: String,
        /// What kind of key it is.
        found: String,
    },
    /// The key pair has no public key object to read the public key from.
    NoPublicKey {
        /// The URI.
        uri: String,
    },
    /// The token does not offer a mechanism this needs.
    MechanismUnsupported {
        /// The token's label.
        token: String,
        /// The mechanism.
        mechanism: &'static str,
    },
    /// The token needs a PIN and none was given.
    PinRequired {
        /// The token's label.
        token: String,
    },
    /// The PIN was wrong.
    PinIncorrect {
        /// The token's label.
        token: String,
        /// What the token says of the tries left.
        tries: &'static str,
    },
    /// The PIN is locked after too many wrong tries.
    PinLocked {
        /// The token's label.
        token: String,
    },
    /// The token signed something that does not verify with its public key.
    BadSignature {
        /// The token's label.
        token: String,
    },
    /// A PKCS#11 call failed.
    Call {
        /// The token's label, where known.
        token: String,
        /// The function.
        function: &'static str,
        /// What it returned.
        reason: String,
        /// Whether that return code means the token went away: removed, logged out, locked,
        /// or its session or key handle no longer valid.
        gone: bool,
    },
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Module { path, reason } => write!(
                f,
                "the PKCS#11 module {} could not be loaded ({reason}); give the path of the \
                 token vendor's module with --pkcs11-module or GOODSTANDING_PKCS11_MODULE \
                 (SoftHSM2: /usr/lib/softhsm/libsofthsm2.so)",
                path.display()
            ),
            Self::TokenNotFound { uri, seen } => write!(
                f,
                "no token matches {uri}; tokens seen: {}",
                listing(seen, "none (is the token plugged in and initialised?)")
            ),
            Self::TokenAmbiguous { uri, matching } => write!(
                f,
                "more than one token matches {uri}: {}; add serial= to the URI",
                matching.join(", ")
            ),
            Self::ObjectNotFound {
                uri,
                token,
                kind,
                seen,
            } => write!(
                f,
                "no {kind} on token {token:?} matches {uri}; {kind}s on it: {}",
                listing(seen, "none")
            ),
            Self::ObjectAmbiguous { uri, count } => write!(
                f,
                "{count} keys match {uri}; add id= to the URI to choose one"
            ),
            Self::ObjectExists { uri } => write!(
                f,
                "a key matching {uri} already exists on the token; a key on a token is never \
                 replaced: choose another object= label"
            ),
            Self::NotEd25519 { uri, found } => write!(
                f,
                "{uri} is {found}, not an Ed25519 key; certificates are signed with Ed25519 only: \
                 generate one with `goodstanding keygen --pkcs11 URI`"
            ),
            Self::NoPublicKey { uri } => write!(
                f,
                "{uri}: the token holds no public key object beside this private key (same label \
                 or id), so its public key cannot be read"
            ),
            Self::MechanismUnsupported { token, mechanism } => write!(
                f,
                "token {token:?} does not support {mechanism}, which Ed25519 keys need; use a \
                 token that supports Ed25519 (PKCS#11 3.0 EdDSA)"
            ),
            Self::PinRequired { token } => write!(
                f,
                "token {token:?} needs its user PIN: set GOODSTANDING_PKCS11_PIN, give \
                 --pin-file (mode 0600), or run on a terminal to be asked"
            ),
            Self::PinIncorrect { token, tries } => {
                write!(f, "wrong PIN for token {token:?} ({tries})")
            }
            Self::PinLocked { token } => write!(
                f,
                "the user PIN of token {token:?} is locked after too many wrong tries; the \
                 token's security officer must unlock or reset it"
            ),
            Self::BadSignature { token } => write!(
                f,
                "token {token:?} returned a signature that does not verify with its public key; \
                 nothing was signed with it"
            ),
            Self::Call {
                token,
                function,
                reason,
                gone,
            } => {
                write!(f, "token {token:?}: {function} failed: {reason}")?;
                if *gone {
                    f.write_str(
                        " (the token was removed, logged out or locked, or its session closed)",
                    )?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for TokenError {}

fn listing(items: &[String], none: &str) -> String {
    if items.is_empty() {
        none.to_string()
    } else {
        items.join(", ")
    }
}
