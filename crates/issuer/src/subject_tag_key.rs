//! The issuer's subject-tag key: the `c2sp.org/vrf-r255` secret with which each log entry's
//! subject tag is computed (issue 25, item 4). PKCS#11 has no VRF mechanism, so the key lives in
//! a file of its own beside the log key (mode 0600), never in the token:
//!
//! ```text
//! -----BEGIN GOODSTANDING VRF-R255 PRIVATE KEY-----
//! base64(the 32-byte canonical scalar)
//! -----END GOODSTANDING VRF-R255 PRIVATE KEY-----
//! ```
//!
//! Whoever holds it can compute the tag of any subject reference, so it is guarded like the
//! issuing key; it cannot sign certificates.

use std::fmt;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use goodstanding_files::{self as files, WriteMode};
use goodstanding_verifier::subject_tag::{PROOF_LEN, TAG_LEN, proof_output, tag_input};
use zeroize::Zeroizing;

const LABEL: &str = "GOODSTANDING VRF-R255 PRIVATE KEY";
const MAX_FILE_LEN: u64 = 4 * 1024;

/// The subject-tag (VRF) key.
pub struct SubjectTagKey {
    secret: Zeroizing<[u8; 32]>,
    public: [u8; 32],
}

impl fmt::Debug for SubjectTagKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SubjectTagKey(public {})", STANDARD.encode(self.public))
    }
}

/// Why a subject-tag key could not be made, read or written.
#[derive(Debug)]
pub enum SubjectTagKeyError {
    /// The system random number generator failed.
    Randomness,
    /// The file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// What happened.
        source: std::io::Error,
    },
    /// The file exists and replacing it was not asked for.
    Exists(PathBuf),
    /// Group or others can read the file.
    Permissions {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// Not a subject-tag key file.
    NotAKey {
        /// The file.
        path: PathBuf,
    },
}

impl fmt::Display for SubjectTagKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Randomness => f.write_str("the system random number generator failed"),
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Exists(path) => write!(
                f,
                "{}: already exists; refusing to replace a subject-tag key (managers' tags \
                 would change)",
                path.display()
            ),
            Self::Permissions { path, mode } => write!(
                f,
                "{}: the subject-tag key is readable by others (mode {mode:04o}); run `chmod 600 \
                 {}`",
                path.display(),
                path.display()
            ),
            Self::NotAKey { path } => write!(
                f,
                "{}: not a subject-tag key (a -----BEGIN {LABEL}----- block of 32 bytes, as \
                 `goodstanding log init` writes)",
                path.display()
            ),
        }
    }
}

impl std::error::Error for SubjectTagKeyError {}

impl SubjectTagKey {
    fn from_secret(secret: Zeroizing<[u8; 32]>) -> Option<Self> {
        let key: Option<vrf_r255::SecretKey> = vrf_r255::SecretKey::from_bytes(*secret).into();
        let public = vrf_r255::PublicKey::from(key?).to_bytes();
        Some(Self { secret, public })
    }

    /// A new random key.
    pub fn generate() -> Result<Self, SubjectTagKeyError> {
        let mut secret = Zeroizing::new([0u8; 32]);
        getrandom::fill(secret.as_mut()).map_err(|_| SubjectTagKeyError::Randomness)?;
        // Below 2^252, so a canonical scalar (the group order is a little above 2^252).
        secret[31] &= 0x0f;
        Self::from_secret(secret).ok_or(SubjectTagKeyError::Randomness)
    }

    /// The public key, as the trust list publishes it.
    pub fn public(&self) -> [u8; 32] {
        self.public
    }

    /// The tag of `subject_reference` in `period` and its proof.
    pub fn tag(&self, subject_reference: &str, period: &str) -> ([u8; TAG_LEN], [u8; PROOF_LEN]) {
        let alpha = tag_input(subject_reference, period);
        // from_secret checked the secret once; this repeats it without a fallible path.
        let key: Option<vrf_r255::SecretKey> = vrf_r255::SecretKey::from_bytes(*self.secret).into();
        let Some(key) = key else {
            return ([0; TAG_LEN], [0; PROOF_LEN]);
        };
        // The output follows from the proof alone (proof to hash); verifying our own fresh
        // proof to get it cost as much again as proving.
        let proof = key.prove(&alpha).to_bytes();
        (proof_output(&proof), proof)
    }

    /// Writes the key to a new file (mode 0600); an existing file is kept and refused.
    pub fn write(&self, path: &Path) -> Result<(), SubjectTagKeyError> {
        let text = Zeroizing::new(format!(
            "-----BEGIN {LABEL}-----\n{}\n-----END {LABEL}-----\n",
            STANDARD.encode(self.secret.as_ref())
        ));
        files::write_atomic(path, text.as_bytes(), WriteMode::CreateNew, true).map_err(|e| match e
            .kind()
        {
            std::io::ErrorKind::AlreadyExists => SubjectTagKeyError::Exists(path.into()),
            _ => SubjectTagKeyError::Io {
                path: path.into(),
                source: e,
            },
        })
    }

    /// Reads a key file, refusing one that group or others can read.
    pub fn read(path: &Path) -> Result<Self, SubjectTagKeyError> {
        let io = |source| SubjectTagKeyError::Io {
            path: path.into(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = file.metadata().map_err(io)?.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(SubjectTagKeyError::Permissions {
                    path: path.into(),
                    mode,
                });
            }
        }
        let mut text = Zeroizing::new(String::new());
        file.take(MAX_FILE_LEN)
            .read_to_string(&mut text)
            .map_err(|_| SubjectTagKeyError::NotAKey { path: path.into() })?;
        let not_a_key = || SubjectTagKeyError::NotAKey { path: path.into() };
        let body = text
            .trim()
            .strip_prefix(&format!("-----BEGIN {LABEL}-----"))
            .and_then(|t| t.strip_suffix(&format!("-----END {LABEL}-----")))
            .ok_or_else(not_a_key)?;
        let bytes = Zeroizing::new(STANDARD.decode(body.trim()).map_err(|_| not_a_key())?);
        let mut secret = Zeroizing::new([0u8; 32]);
        if bytes.len() != 32 {
            return Err(not_a_key());
        }
        secret.copy_from_slice(&bytes);
        Self::from_secret(secret).ok_or_else(not_a_key)
    }
}

#[cfg(test)]
mod tests {
    use goodstanding_verifier::subject_tag::check_tag;

    use super::*;

    #[test]
    fn a_tag_checks_for_its_subject_and_period_only_and_the_key_file_reads_back() {
        let key = SubjectTagKey::generate().unwrap();
        let (tag, proof) = key.tag("NMC-12345", "2026");
        assert!(check_tag(&key.public(), "NMC-12345", "2026", &tag, &proof));
        assert!(!check_tag(&key.public(), "NMC-12346", "2026", &tag, &proof));
        assert!(!check_tag(&key.public(), "NMC-12345", "2027", &tag, &proof));
        assert_ne!(
            key.tag("NMC-12345", "2027").0,
            tag,
            "a new period, a new tag"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("subject-tag.key");
        key.write(&path).unwrap();
        assert!(matches!(
            key.write(&path),
            Err(SubjectTagKeyError::Exists(_))
        ));
        let read = SubjectTagKey::read(&path).unwrap();
        assert_eq!(read.public(), key.public());
        assert_eq!(read.tag("NMC-12345", "2026").0, tag);
        assert!(!format!("{read:?}").contains(&STANDARD.encode(read.secret.as_ref())));
        std::fs::write(dir.path().join("bad"), "not a key").unwrap();
        assert!(matches!(
            SubjectTagKey::read(&dir.path().join("bad")),
            Err(SubjectTagKeyError::Permissions { .. } | SubjectTagKeyError::NotAKey { .. })
        ));
    }
}
