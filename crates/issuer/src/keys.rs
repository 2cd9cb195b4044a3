//! Issuing keys and their files: the private key as PKCS#8 PEM (mode 0600, never overwritten
//! unless asked, refused when others can read it, as ssh does), the public key as a JWK.

use std::fmt;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::{
    DecodePrivateKey, EncodePrivateKey, KeypairBytes, spki::der::pem::LineEnding,
};
use ed25519_dalek::{Signer as _, SigningKey};
use goodstanding_verifier::{KeyId, PublicJwk};
use sha2::{Digest as _, Sha256};
use zeroize::{Zeroize as _, Zeroizing};

use goodstanding_files::{self as files, WriteMode};

/// The PEM label of a PKCS#8 private key (RFC 7468).
const PRIVATE_KEY_LABEL: &str = "PRIVATE KEY";

/// Largest private key file read, in bytes.
const MAX_KEY_FILE_LEN: u64 = 16 * 1024;

/// A private issuing key and its id. Its `Debug` output never shows the secret; the secret is
/// zeroized when dropped.
pub struct IssuingKey {
    kid: KeyId,
    signing: SigningKey,
}

impl fmt::Debug for IssuingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuingKey")
            .field("kid", &self.kid)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// Why a key could not be made, read or written.
#[derive(Debug)]
pub enum KeyError {
    /// The system random number generator failed.
    Randomness,
    /// A file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// What happened.
        source: std::io::Error,
    },
    /// The key file already exists and `force` was not given.
    Exists(PathBuf),
    /// The private key file can be read by group or others.
    Permissions {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The file is not an Ed25519 PKCS#8 PEM private key.
    NotAKey {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        reason: String,
    },
    /// The public key file beside the private key does not belong to it, or is unreadable.
    PublicKeyMismatch {
        /// The public key file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Randomness => f.write_str("the system random number generator failed"),
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Exists(path) => write!(
                f,
                "{}: already exists; refusing to overwrite a key (use --force to replace it)",
                path.display()
            ),
            Self::Permissions { path, mode } => write!(
                f,
                "{}: private key is readable by others (mode {mode:04o}); run `chmod 600 {}` \
                 and consider the key exposed if others had access",
                path.display(),
                path.display()
            ),
            Self::NotAKey { path, reason } => write!(
                f,
                "{}: not an Ed25519 private key in PKCS#8 PEM form ({reason})",
                path.display()
            ),
            Self::PublicKeyMismatch { path, reason } => write!(f, "{}: {reason}", path.display()),
        }
    }
}

impl std::error::Error for KeyError {}

/// The RFC 7638 thumbprint of an Ed25519 public key, base64url.
pub fn thumbprint(key: &ed25519_dalek::VerifyingKey) -> String {
    let canonical = format!(
        r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
        URL_SAFE_NO_PAD.encode(key.as_bytes())
    );
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// The key id used when none is chosen: `gs-` and the first 16 characters of the RFC 7638
/// thumbprint (96 bits).
pub fn default_kid(key: &ed25519_dalek::VerifyingKey) -> KeyId {
    let print = thumbprint(key);
    #[allow(clippy::expect_used)]
    // Invariant, not input: 19 characters of the base64url alphabet always form a valid key id.
    KeyId::new(format!("gs-{}", &print[..16])).expect("base64url is within the kid alphabet")
}

/// The key id of a root key when none is chosen: `gs-root-` and 16 characters of the thumbprint.
pub fn default_root_kid(key: &ed25519_dalek::VerifyingKey) -> KeyId {
    let print = thumbprint(key);
    #[allow(clippy::expect_used)]
    // Invariant, not input: as for `default_kid`.
    KeyId::new(format!("gs-root-{}", &print[..16])).expect("base64url is within the kid alphabet")
}

impl IssuingKey {
    /// A new random root key (which signs trust lists); its id is `kid`, or
    /// [`default_root_kid`].
    pub fn generate_root(kid: Option<KeyId>) -> Result<Self, KeyError> {
        let mut key = Self::generate(kid.clone())?;
        if kid.is_none() {
            key.kid = default_root_kid(&key.signing.verifying_key());
        }
        Ok(key)
    }

    /// A new random key; its id is `kid`, or [`default_kid`].
    pub fn generate(kid: Option<KeyId>) -> Result<Self, KeyError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(|_| KeyError::Randomness)?;
        let signing = SigningKey::from_bytes(&seed);
        let kid = kid.unwrap_or_else(|| default_kid(&signing.verifying_key()));
        Ok(Self { kid, signing })
    }

    /// A key from PKCS#8 PEM text (label `PRIVATE KEY`).
    pub fn from_pkcs8_pem(pem: &str, kid: Option<KeyId>) -> Result<Self, String> {
        let signing = SigningKey::from_pkcs8_pem(pem).map_err(|e| e.to_string())?;
        let kid = kid.unwrap_or_else(|| default_kid(&signing.verifying_key()));
        Ok(Self { kid, signing })
    }

    /// The private key as PKCS#8 v1 PEM (RFC 8410 `PrivateKeyInfo`, as `openssl genpkey`
    /// writes it; OpenSSL 3.0 cannot read the v2 form with the public key inside), in memory that
    /// is zeroized when dropped.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, String> {
        let mut bytes = KeypairBytes {
            secret_key: self.signing.to_bytes(),
            public_key: None,
        };
        let pem = bytes
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| e.to_string());
        bytes.secret_key.zeroize();
        pem
    }

    /// The key id.
    pub fn kid(&self) -> &KeyId {
        &self.kid
    }

    /// The public key as a JWK.
    pub fn public_jwk(&self) -> PublicJwk {
        PublicJwk {
            kid: self.kid.clone(),
            key: self.signing.verifying_key(),
        }
    }

    /// Signs `message` (Ed25519, deterministic).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }

    /// Signs a message too large to hold in memory: `feed` hashes the whole message into the
    /// digest it is given, and is called twice (Ed25519 hashes the message twice), so it must
    /// feed the same bytes both times. The signature is the ordinary Ed25519 one that
    /// [`Self::sign`] would give for the same bytes.
    pub fn sign_streamed<F>(&self, feed: F) -> Result<[u8; 64], ed25519_dalek::SignatureError>
    where
        F: Fn(&mut sha2::Sha512) -> Result<(), ed25519_dalek::SignatureError>,
    {
        let expanded = ed25519_dalek::hazmat::ExpandedSecretKey::from(self.signing.as_bytes());
        ed25519_dalek::hazmat::raw_sign_byupdate::<sha2::Sha512, F>(
            &expanded,
            feed,
            &self.signing.verifying_key(),
        )
        .map(|s| s.to_bytes())
    }
}

/// Where keygen puts a key pair: `DIR/<kid>.key.pem` and `DIR/<kid>.pub.jwk`.
pub fn key_pair_paths(dir: &Path, kid: &KeyId) -> (PathBuf, PathBuf) {
    (
        dir.join(format!("{kid}.key.pem")),
        dir.join(format!("{kid}.pub.jwk")),
    )
}

/// Writes a key pair into `dir` (created if missing): the private key with mode 0600, never
/// replacing an existing file unless `force`. Returns the two paths.
pub fn write_key_pair(
    key: &IssuingKey,
    dir: &Path,
    force: bool,
) -> Result<(PathBuf, PathBuf), KeyError> {
    let (private, public) = key_pair_paths(dir, key.kid());
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| KeyError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mode = if force {
        WriteMode::Replace
    } else {
        WriteMode::CreateNew
    };
    for path in [&private, &public] {
        if !force && path.exists() {
            return Err(KeyError::Exists(path.clone()));
        }
    }
    let pem = key.to_pkcs8_pem().map_err(|reason| KeyError::NotAKey {
        path: private.clone(),
        reason,
    })?;
    files::write_atomic(&private, pem.as_bytes(), mode, true).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => KeyError::Exists(private.clone()),
        _ => KeyError::Io {
            path: private.clone(),
            source: e,
        },
    })?;
    let mut jwk = key.public_jwk().to_json();
    jwk.push('\n');
    files::write_atomic(&public, jwk.as_bytes(), mode, false).map_err(io(&public))?;
    Ok((private, public))
}

/// Reads a private key file, refusing one that group or others can read. The key id is `kid` if
/// given; else the `kid` of the public key file keygen wrote beside it (`<kid>.pub.jwk` next to
/// `<kid>.key.pem`), which must match the key; else [`default_kid`].
pub fn load_issuing_key(path: &Path, kid: Option<KeyId>) -> Result<IssuingKey, KeyError> {
    let io = |source| KeyError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mode = file_mode(&file).map_err(io)?;
    let mut pem = Zeroizing::new(String::new());
    file.take(MAX_KEY_FILE_LEN)
        .read_to_string(&mut pem)
        .map_err(|e| KeyError::NotAKey {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    let begin = format!("-----BEGIN {PRIVATE_KEY_LABEL}-----");
    if !pem.contains(&begin) {
        return Err(KeyError::NotAKey {
            path: path.to_path_buf(),
            reason: format!("no {begin} line; give the .key.pem file keygen wrote"),
        });
    }
    // As ssh does: a private key others could read is refused, even if it is well-formed.
    if mode & 0o077 != 0 {
        return Err(KeyError::Permissions {
            path: path.to_path_buf(),
            mode,
        });
    }
    let sibling = sibling_public_key(path);
    let from_file = match (&kid, &sibling) {
        (None, Some(public)) => Some(read_public(public)?),
        _ => None,
    };
    let key = IssuingKey::from_pkcs8_pem(&pem, kid.or(from_file.as_ref().map(|j| j.kid.clone())))
        .map_err(|reason| KeyError::NotAKey {
        path: path.to_path_buf(),
        reason,
    })?;
    if let (Some(jwk), Some(public)) = (from_file, sibling)
        && jwk.key != key.signing.verifying_key()
    {
        return Err(KeyError::PublicKeyMismatch {
            path: public,
            reason: "this public key does not belong to the private key beside it".into(),
        });
    }
    Ok(key)
}

/// The file's permission bits (0 where the platform has none).
fn file_mode(file: &std::fs::File) -> std::io::Result<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        Ok(file.metadata()?.permissions().mode() & 0o777)
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        Ok(0)
    }
}

fn sibling_public_key(private: &Path) -> Option<PathBuf> {
    let name = private.file_name()?.to_str()?;
    let stem = name.strip_suffix(".key.pem")?;
    let public = private.with_file_name(format!("{stem}.pub.jwk"));
    public.is_file().then_some(public)
}

fn read_public(path: &Path) -> Result<PublicJwk, KeyError> {
    let text = files::read_capped(path, MAX_KEY_FILE_LEN).map_err(|source| KeyError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8_lossy(&text);
    PublicJwk::from_json(&text).map_err(|e| KeyError::PublicKeyMismatch {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_streamed_signature_is_the_ordinary_ed25519_signature() {
        let key = IssuingKey::generate(None).unwrap();
        let message: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let streamed = key
            .sign_streamed(|digest| {
                for chunk in message.chunks(777) {
                    digest.update(chunk);
                }
                Ok(())
            })
            .unwrap();
        assert_eq!(streamed, key.sign(&message));
        let signature = ed25519_dalek::Signature::from_bytes(&streamed);
        key.public_jwk()
            .key
            .verify_strict(&message, &signature)
            .unwrap();
    }
}
