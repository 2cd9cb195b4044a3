//! Signing keys: [`IssuingKey`] is the one signer everything that signs uses (certificates,
//! batch manifests, revocation lists, the root's trust lists), whether its private key is a file
//! or a key in a PKCS#11 token; nothing above it knows which.
//!
//! ```text
//! --key keys/k.key.pem            -> KeyLocation::File  -> load_issuing_key  -+
//! --key 'pkcs11:token=t;object=k' -> KeyLocation::Token -> IssuingKey::open_token -+-> IssuingKey::sign
//! ```
//!
//! Key files: the private key as PKCS#8 PEM (mode 0600, never overwritten unless asked, refused
//! when others can read it, as ssh does), the public key as a JWK beside it.

use std::ffi::OsStr;
use std::fmt;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::{
    DecodePrivateKey, EncodePrivateKey, KeypairBytes, spki::der::pem::LineEnding,
};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use goodstanding_verifier::{KeyId, PublicJwk};
use sha2::{Digest as _, Sha256};
use zeroize::{Zeroize as _, Zeroizing};

use goodstanding_files::{self as files, WriteMode};

use crate::token::{Pin, TokenError, TokenKey};
use crate::token_uri::{TokenUri, UriError, is_pkcs11_uri};

/// The PEM label of a PKCS#8 private key (RFC 7468).
const PRIVATE_KEY_LABEL: &str = "PRIVATE KEY";

/// Largest private key file read, in bytes.
const MAX_KEY_FILE_LEN: u64 = 16 * 1024;

/// A private signing key (an issuing key or a root key) and its id: in memory from a key file,
/// or in a PKCS#11 token. Its `Debug` output never shows the secret; a secret held in memory is
/// zeroized when dropped.
pub struct IssuingKey {
    kid: KeyId,
    public: VerifyingKey,
    secret: Secret,
    /// Made by `root keygen` as a root key (its key file says so in its first line).
    root: bool,
}

/// The line `root keygen` writes before a root key's PEM block (RFC 7468 allows text there, and
/// OpenSSL reads past it), so that a root key file says what it is and a trust list is never
/// started with an issuing key.
pub const ROOT_KEY_LINE: &str =
    "goodstanding root key: it signs only trust lists; keep it offline, mode 0600";

/// Where the private half of an [`IssuingKey`] is.
enum Secret {
    /// In this process's memory (read from a key file, or generated).
    Memory(Box<SigningKey>),
    /// In a token; it never leaves it.
    Token(Box<TokenKey>),
}

impl fmt::Debug for IssuingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secret = match &self.secret {
            Secret::Memory(_) => "[redacted]".to_string(),
            Secret::Token(key) => format!("in token {:?}", key.token()),
        };
        f.debug_struct("IssuingKey")
            .field("kid", &self.kid)
            .field("secret", &secret)
            .finish()
    }
}

/// Where a private key is: a PKCS#8 PEM file, or a key in a PKCS#11 token named by an RFC 7512
/// URI. Wherever a key file is accepted, a `pkcs11:` URI is too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyLocation {
    /// A PKCS#8 PEM file (mode 0600).
    File(PathBuf),
    /// A key in a PKCS#11 token.
    Token(Box<TokenUri>),
}

impl KeyLocation {
    /// A `pkcs11:` URI, else a file path.
    pub fn parse(text: &OsStr) -> Result<Self, UriError> {
        match text.to_str() {
            Some(uri) if is_pkcs11_uri(uri) => {
                TokenUri::parse(uri).map(|uri| Self::Token(Box::new(uri)))
            }
            _ => Ok(Self::File(PathBuf::from(text))),
        }
    }
}

impl fmt::Display for KeyLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(path) => write!(f, "{}", path.display()),
            Self::Token(uri) => write!(f, "{uri}"),
        }
    }
}

/// Why a signature could not be made.
#[derive(Debug)]
pub enum SignError {
    /// The token failed (removed, logged out, locked, a session closed).
    Token(TokenError),
    /// The file to sign could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// What happened.
        source: std::io::Error,
    },
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Token(e) => write!(f, "signing failed: {e}"),
            Self::Read { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for SignError {}

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
    /// A key in a token could not be opened or made.
    Token(TokenError),
    /// A key in a token cannot be written to a file.
    InToken,
    /// A key in a token cannot be opened without someone at the terminal: says what is missing.
    Unattended(String),
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
            Self::Token(e) => e.fmt(f),
            Self::InToken => f.write_str("a key in a token never leaves it: it has no key file"),
            Self::Unattended(message) => f.write_str(message),
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
            key.kid = default_root_kid(&key.public);
        }
        key.root = true;
        Ok(key)
    }

    /// A new random key; its id is `kid`, or [`default_kid`].
    pub fn generate(kid: Option<KeyId>) -> Result<Self, KeyError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(|_| KeyError::Randomness)?;
        Ok(Self::in_memory(SigningKey::from_bytes(&seed), kid))
    }

    fn in_memory(signing: SigningKey, kid: Option<KeyId>) -> Self {
        let public = signing.verifying_key();
        Self {
            kid: kid.unwrap_or_else(|| default_kid(&public)),
            public,
            secret: Secret::Memory(Box::new(signing)),
            root: false,
        }
    }

    /// The key a PKCS#11 URI names, opened in its token with `module` and logged in with `pin`.
    /// Its id is `kid` if given, else the key's `CKA_ID` if that is a valid key id (keygen
    /// `--pkcs11` stores it there), else its label if that is, else [`default_kid`].
    pub fn open_token(
        module: &Path,
        uri: &TokenUri,
        pin: Option<&Pin>,
        kid: Option<KeyId>,
    ) -> Result<Self, KeyError> {
        let token = TokenKey::open(module, uri, pin).map_err(KeyError::Token)?;
        Ok(Self::from_token(token, kid))
    }

    /// The key a PKCS#11 URI names, opened with nobody at the terminal (the log key, used by
    /// every issuing run): the module is the URI's `module-path`, else
    /// `$GOODSTANDING_PKCS11_MODULE`; the PIN is read from the URI's `pin-source` file (mode
    /// 0600), else `$GOODSTANDING_PKCS11_PIN`.
    pub fn open_token_unattended(uri: &TokenUri) -> Result<Self, KeyError> {
        let module = uri
            .module_path
            .clone()
            .or_else(|| std::env::var_os(crate::token::PKCS11_MODULE_ENV).map(PathBuf::from))
            .ok_or_else(|| {
                KeyError::Unattended(format!(
                    "{uri}: which PKCS#11 module drives this token? Add module-path to the URI or \
                     set {}",
                    crate::token::PKCS11_MODULE_ENV
                ))
            })?;
        let pin = match &uri.pin_source {
            Some(path) => Some(
                crate::token::read_pin_file(path)
                    .map_err(|e| KeyError::Unattended(format!("{}: {e}", path.display())))?,
            ),
            None => std::env::var(crate::token::PKCS11_PIN_ENV)
                .ok()
                .map(crate::token::Pin::from),
        };
        let pin = pin.ok_or_else(|| {
            KeyError::Unattended(format!(
                "{uri}: no PIN to open it with, and nobody is asked: add pin-source=FILE (mode \
                 0600) to the URI, or set {}",
                crate::token::PKCS11_PIN_ENV
            ))
        })?;
        Self::open_token(&module, uri, Some(&pin), None)
    }

    /// A new Ed25519 key pair generated in a token (sensitive, never extractable), labelled
    /// with the URI's `object`; its id `kid` is stored as the key's `CKA_ID`.
    pub fn generate_in_token(
        module: &Path,
        uri: &TokenUri,
        pin: Option<&Pin>,
        kid: KeyId,
    ) -> Result<Self, KeyError> {
        let token = TokenKey::generate(module, uri, pin, kid.as_str().as_bytes())
            .map_err(KeyError::Token)?;
        Ok(Self::from_token(token, Some(kid)))
    }

    fn from_token(token: TokenKey, kid: Option<KeyId>) -> Self {
        let public = token.public_key();
        let kid = kid.unwrap_or_else(|| token_kid(token.id(), token.label(), &public));
        Self {
            kid,
            public,
            secret: Secret::Token(Box::new(token)),
            root: false,
        }
    }

    /// A key from PKCS#8 PEM text (label `PRIVATE KEY`); text before the PEM block is allowed
    /// (RFC 7468), and [`ROOT_KEY_LINE`] there marks a root key.
    pub fn from_pkcs8_pem(pem: &str, kid: Option<KeyId>) -> Result<Self, PemKeyError> {
        let (before, block) = pem
            .find("-----BEGIN")
            .map_or(("", pem), |at| pem.split_at(at));
        let signing = SigningKey::from_pkcs8_pem(block).map_err(|e| PemKeyError {
            reason: e.to_string(),
        })?;
        let mut key = Self::in_memory(signing, kid);
        key.root = before.lines().any(|line| line.trim() == ROOT_KEY_LINE);
        Ok(key)
    }

    /// Whether the key was made by `root keygen` as a root key (a key file that says so). A key
    /// in a token cannot say, and is `false`.
    pub fn is_root_key_file(&self) -> bool {
        self.root
    }

    /// The private key as PKCS#8 v1 PEM (RFC 8410 `PrivateKeyInfo`, as `openssl genpkey`
    /// writes it; OpenSSL 3.0 cannot read the v2 form with the public key inside), in memory that
    /// is zeroized when dropped.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, KeyError> {
        let Secret::Memory(signing) = &self.secret else {
            return Err(KeyError::InToken);
        };
        let mut bytes = KeypairBytes {
            secret_key: signing.to_bytes(),
            public_key: None,
        };
        let pem = bytes
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| KeyError::NotAKey {
                path: PathBuf::new(),
                reason: e.to_string(),
            });
        bytes.secret_key.zeroize();
        if self.root {
            return pem.map(|pem| Zeroizing::new(format!("{ROOT_KEY_LINE}\n{}", pem.as_str())));
        }
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
            key: self.public,
        }
    }

    /// Signs `message` (Ed25519, deterministic): in memory, or with one `C_Sign` on the token.
    pub fn sign(&self, message: &[u8]) -> Result<[u8; 64], SignError> {
        match &self.secret {
            Secret::Memory(signing) => Ok(signing.sign(message).to_bytes()),
            Secret::Token(token) => token.sign(message).map_err(SignError::Token),
        }
    }

    /// Signs the contents of a file too large to want in memory. A key in memory reads it twice
    /// (Ed25519 hashes the message twice) and holds only a buffer; a token signs in one
    /// `C_Sign`, so the file is read into memory once, up to `limit` bytes. The signature is the
    /// ordinary Ed25519 one that [`Self::sign`] gives for the same bytes.
    pub fn sign_file(&self, path: &Path, limit: u64) -> Result<[u8; 64], SignError> {
        let read = |source| SignError::Read {
            path: path.to_path_buf(),
            source,
        };
        match &self.secret {
            Secret::Memory(signing) => {
                let failure = std::cell::RefCell::new(None);
                let feed = |digest: &mut sha2::Sha512| {
                    let fed = (|| {
                        let mut file = std::fs::File::open(path)?;
                        let mut buffer = vec![0u8; 64 * 1024];
                        loop {
                            let n = file.read(&mut buffer)?;
                            if n == 0 {
                                return Ok(());
                            }
                            digest.update(&buffer[..n]);
                        }
                    })();
                    fed.map_err(|e: std::io::Error| {
                        failure.borrow_mut().get_or_insert(e);
                        ed25519_dalek::SignatureError::new()
                    })
                };
                let expanded = ed25519_dalek::hazmat::ExpandedSecretKey::from(signing.as_bytes());
                ed25519_dalek::hazmat::raw_sign_byupdate::<sha2::Sha512, _>(
                    &expanded,
                    feed,
                    &self.public,
                )
                .map(|s| s.to_bytes())
                .map_err(|_| {
                    read(
                        failure
                            .borrow_mut()
                            .take()
                            .unwrap_or_else(|| std::io::Error::other("signing failed")),
                    )
                })
            }
            Secret::Token(token) => {
                let message = files::read_capped(path, limit).map_err(read)?;
                token.sign(&message).map_err(SignError::Token)
            }
        }
    }
}

/// The key id of a token key when none is given: its `CKA_ID` if that is a valid key id (keygen
/// `--pkcs11` stores it there), else its label if that is, else [`default_kid`].
fn token_kid(id: &[u8], label: &str, public: &VerifyingKey) -> KeyId {
    let named = |bytes: &[u8]| {
        std::str::from_utf8(bytes)
            .ok()
            .and_then(|text| KeyId::new(text.to_string()).ok())
    };
    named(id)
        .or_else(|| named(label.as_bytes()))
        .unwrap_or_else(|| default_kid(public))
}

/// The public JWK of the token key pair a URI names, read without a PIN (public key objects
/// need no login), with the key id signing would use; and the token's label.
pub fn token_public_jwk(module: &Path, uri: &TokenUri) -> Result<(PublicJwk, String), KeyError> {
    let found = crate::token::read_public_key(module, uri).map_err(KeyError::Token)?;
    let jwk = PublicJwk {
        kid: token_kid(&found.id, &found.label, &found.key),
        key: found.key,
    };
    Ok((jwk, found.token))
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
    for path in [&private, &public] {
        if !force && path.exists() {
            return Err(KeyError::Exists(path.clone()));
        }
    }
    let pem = key.to_pkcs8_pem().map_err(|e| match e {
        KeyError::NotAKey { reason, .. } => KeyError::NotAKey {
            path: private.clone(),
            reason,
        },
        other => other,
    })?;
    create_dir(dir)?;
    write_key_file(&private, pem.as_bytes(), force, true)?;
    let public = write_public_key(key, dir, force)?;
    Ok((private, public))
}

/// Writes only the public half, `DIR/<kid>.pub.jwk` (for a key in a token, which has no key
/// file), never replacing an existing file unless `force`. Returns its path.
pub fn write_public_key(key: &IssuingKey, dir: &Path, force: bool) -> Result<PathBuf, KeyError> {
    let (_, public) = key_pair_paths(dir, key.kid());
    create_dir(dir)?;
    let mut jwk = key.public_jwk().to_json();
    jwk.push('\n');
    write_key_file(&public, jwk.as_bytes(), force, false)?;
    Ok(public)
}

/// Writes a key file atomically: replacing one only with `force`, mode 0600 if `private`.
fn write_key_file(path: &Path, bytes: &[u8], force: bool, private: bool) -> Result<(), KeyError> {
    let mode = if force {
        WriteMode::Replace
    } else {
        WriteMode::CreateNew
    };
    files::write_atomic(path, bytes, mode, private).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => KeyError::Exists(path.to_path_buf()),
        _ => KeyError::Io {
            path: path.to_path_buf(),
            source: e,
        },
    })
}

fn create_dir(dir: &Path) -> Result<(), KeyError> {
    std::fs::create_dir_all(dir).map_err(|source| KeyError::Io {
        path: dir.to_path_buf(),
        source,
    })
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
        .map_err(|e| KeyError::NotAKey {
        path: path.to_path_buf(),
        reason: e.reason,
    })?;
    if let (Some(jwk), Some(public)) = (from_file, sibling)
        && jwk.key != key.public
    {
        return Err(KeyError::PublicKeyMismatch {
            path: public,
            reason: "this public key does not belong to the private key beside it".into(),
        });
    }
    Ok(key)
}

/// Why PEM text is not an Ed25519 private key in PKCS#8 form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemKeyError {
    /// What the parser said.
    pub reason: String,
}

impl fmt::Display for PemKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not an Ed25519 private key in PKCS#8 PEM form ({})",
            self.reason
        )
    }
}

impl std::error::Error for PemKeyError {}

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
    fn a_file_signature_is_the_ordinary_ed25519_signature() {
        let key = IssuingKey::generate(None).unwrap();
        let message: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("message");
        std::fs::write(&path, &message).unwrap();
        let from_file = key.sign_file(&path, 1 << 20).unwrap();
        assert_eq!(from_file, key.sign(&message).unwrap());
        let signature = ed25519_dalek::Signature::from_bytes(&from_file);
        key.public_jwk()
            .key
            .verify_strict(&message, &signature)
            .unwrap();
        assert!(matches!(
            key.sign_file(&dir.path().join("missing"), 1 << 20),
            Err(SignError::Read { .. })
        ));
    }

    #[test]
    fn a_key_location_is_a_pkcs11_uri_or_a_file() {
        assert_eq!(
            KeyLocation::parse(OsStr::new("keys/a.key.pem")).unwrap(),
            KeyLocation::File(PathBuf::from("keys/a.key.pem"))
        );
        assert!(matches!(
            KeyLocation::parse(OsStr::new("pkcs11:token=t;object=k")).unwrap(),
            KeyLocation::Token(_)
        ));
        assert!(KeyLocation::parse(OsStr::new("pkcs11:token=t")).is_err());
    }
}
