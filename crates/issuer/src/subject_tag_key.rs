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
//!
//! Proving is done here rather than by the `vrf-r255` crate (which the verifier uses to check
//! proofs, and the tests use as the reference), because every logged certificate pays for it:
//! the crate derives the public key again and encodes all five points of the challenge one by
//! one (127 us a proof on the 2-core machine); here the public key and `x / 2` are computed
//! once, and Gamma, U and V are computed halved and then doubled and encoded in one batch
//! (ristretto255's batched encoding shares one field inversion). The bytes are the same: the
//! tests check the specification's vector and agreement with the crate.

use std::fmt;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use goodstanding_files::{self as files, WriteMode};
use goodstanding_verifier::subject_tag::{PROOF_LEN, TAG_LEN, proof_output, tag_input};
use sha2::{Digest as _, Sha512};
use zeroize::Zeroizing;

const LABEL: &str = "GOODSTANDING VRF-R255 PRIVATE KEY";
const MAX_FILE_LEN: u64 = 4 * 1024;

/// `suite_string` of c2sp.org/vrf-r255.
const SUITE: &[u8] = b"\xFFc2sp.org/vrf-r255";
/// RFC 9381's domain separators, as c2sp.org/vrf-r255 uses them.
const CHALLENGE_FRONT: u8 = 0x02;
const CHALLENGE_BACK: u8 = 0x00;
const NONCE_GENERATION: u8 = 0x81;
const ENCODE_TO_CURVE: u8 = 0x82;
/// `cLen`: the challenge's length in bytes.
const CHALLENGE_LEN: usize = 16;

/// The subject-tag (VRF) key.
pub struct SubjectTagKey {
    /// The secret scalar `x` as the file holds it (canonical, little-endian).
    secret: Zeroizing<[u8; 32]>,
    /// `x`.
    x: Zeroizing<Scalar>,
    /// `x / 2` modulo the group order.
    half_x: Zeroizing<Scalar>,
    /// `x * B`, encoded.
    public: [u8; 32],
    /// The inverse of 2 modulo the group order.
    half: Scalar,
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
        let x: Option<Scalar> = Scalar::from_canonical_bytes(*secret).into();
        let x = Zeroizing::new(x?);
        // A zero key's public key is the identity, which verifiers refuse (validate_key).
        if *x == Scalar::ZERO {
            return None;
        }
        let public = (&*x * RISTRETTO_BASEPOINT_TABLE).compress().to_bytes();
        let half = Scalar::from(2u8).invert();
        let half_x = Zeroizing::new(*x * half);
        Some(Self {
            secret,
            x,
            half_x,
            public,
            half,
        })
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
        let proof = self.prove(&tag_input(subject_reference, period));
        // The output follows from the proof alone (proof to hash); verifying our own fresh
        // proof to get it cost as much again as proving.
        (proof_output(&proof), proof)
    }

    /// `ECVRF_prove(SK, alpha)` of c2sp.org/vrf-r255 (RFC 9381 section 5.1): `pi`, the encoded
    /// Gamma, c and s.
    fn prove(&self, alpha: &[u8]) -> [u8; PROOF_LEN] {
        // H = ECVRF_encode_to_curve(PK_string, alpha): the one-way map of a domain-separated
        // SHA-512.
        let hash_string: [u8; 64] = Sha512::new()
            .chain_update(SUITE)
            .chain_update([ENCODE_TO_CURVE])
            .chain_update(self.public)
            .chain_update(alpha)
            .finalize()
            .into();
        let h = RistrettoPoint::from_uniform_bytes(&hash_string);
        let h_string = h.compress().to_bytes();
        // k = ECVRF_nonce_generation(SK, h_string).
        let mut k_string: Zeroizing<[u8; 64]> = Zeroizing::new(
            Sha512::new()
                .chain_update(SUITE)
                .chain_update([NONCE_GENERATION])
                .chain_update(self.secret.as_ref())
                .chain_update(h_string)
                .finalize()
                .into(),
        );
        let k = Zeroizing::new(Scalar::from_bytes_mod_order_wide(&k_string));
        k_string.fill(0);
        let half_k = Zeroizing::new(*k * self.half);
        // Gamma = x*H, U = k*B, V = k*H, each computed halved and then doubled and encoded
        // together (one shared inversion instead of three).
        let halved = [
            h * *self.half_x,
            &*half_k * RISTRETTO_BASEPOINT_TABLE,
            h * *half_k,
        ];
        let encoded = RistrettoPoint::double_and_compress_batch(&halved);
        let [gamma, u, v] = [0, 1, 2].map(|i| encoded[i].to_bytes());
        // c = ECVRF_challenge_generation(Y, H, Gamma, U, V), its first cLen bytes.
        let c_string = Sha512::new()
            .chain_update(SUITE)
            .chain_update([CHALLENGE_FRONT])
            .chain_update(self.public)
            .chain_update(h_string)
            .chain_update(gamma)
            .chain_update(u)
            .chain_update(v)
            .chain_update([CHALLENGE_BACK])
            .finalize();
        let mut c_bytes = [0u8; 32];
        c_bytes[..CHALLENGE_LEN].copy_from_slice(&c_string[..CHALLENGE_LEN]);
        let c = Scalar::from_bytes_mod_order(c_bytes);
        // s = (k + c*x) mod q.
        let s = Zeroizing::new(*k + c * *self.x);
        let mut proof = [0u8; PROOF_LEN];
        proof[..32].copy_from_slice(&gamma);
        proof[32..32 + CHALLENGE_LEN].copy_from_slice(&c_bytes[..CHALLENGE_LEN]);
        proof[32 + CHALLENGE_LEN..].copy_from_slice(s.as_bytes());
        proof
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
    use proptest::prelude::*;

    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The specification's test vector (typed into tests/vectors/c2sp-vrf-r255.json with its
    /// source): this prover gives its public key, pi and beta.
    #[test]
    fn the_prover_gives_the_c2sp_vrf_r255_vector() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/vectors/c2sp-vrf-r255.json"
        );
        let vector: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let field = |name: &str| hex(vector[name].as_str().unwrap());
        let secret = Zeroizing::new(<[u8; 32]>::try_from(field("sk")).unwrap());
        let key = SubjectTagKey::from_secret(secret).unwrap();
        assert_eq!(key.public().to_vec(), field("pk"));
        let proof = key.prove(&field("alpha"));
        assert_eq!(proof.to_vec(), field("pi"));
        assert_eq!(proof_output(&proof).to_vec(), field("beta"));
    }

    proptest! {
        /// For any key and input, the proof is the one the vrf-r255 crate makes, byte for byte.
        #[test]
        fn the_prover_agrees_with_the_vrf_r255_crate(
            mut secret in any::<[u8; 32]>(),
            alpha in proptest::collection::vec(any::<u8>(), 0..200),
        ) {
            secret[31] &= 0x0f;
            prop_assume!(secret != [0; 32]);
            let key = SubjectTagKey::from_secret(Zeroizing::new(secret)).unwrap();
            let reference =
                Option::<vrf_r255::SecretKey>::from(vrf_r255::SecretKey::from_bytes(secret))
                    .unwrap();
            prop_assert_eq!(key.public(), vrf_r255::PublicKey::from(reference).to_bytes());
            prop_assert_eq!(key.prove(&alpha), reference.prove(&alpha).to_bytes());
        }
    }

    #[test]
    fn a_zero_or_non_canonical_secret_is_not_a_key() {
        assert!(SubjectTagKey::from_secret(Zeroizing::new([0; 32])).is_none());
        assert!(SubjectTagKey::from_secret(Zeroizing::new([0xff; 32])).is_none());
    }

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
