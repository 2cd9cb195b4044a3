//! The batch manifest: every certificate of a batch, its subject reference and the SHA-256 of
//! each of its files, signed by the issuing key as a JWS (compact serialization, `typ`
//! `gs-manifest+jws`), so that the batch as a whole is tamper-evident.
//!
//! A manifest of a large batch is large (about 330 bytes a certificate), so it is written and
//! signed without being held in memory: the payload is streamed from the register into a file,
//! base64url-encoded in chunks, and signed with [`IssuingKey::sign_file`] (a key in memory reads
//! it twice; a token, which signs in one call, reads it once). Any JOSE library verifies it with
//! the issuer's public JWK.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use goodstanding_verifier::lists::verify_typed_jws;
use goodstanding_verifier::{CertificateId, ListError, Timestamp, TrustStore};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::register::{BatchRecord, Register, RegisterError};
use goodstanding_files::{sync_dir, temp_name};
use goodstanding_issuer::issue::{CERTIFICATE_FILES, PROOF_FILE};
use goodstanding_issuer::keys::{IssuingKey, SignError};

/// The JWS `typ` of a manifest.
pub const MANIFEST_TYPE: &str = "gs-manifest+jws";

/// Largest manifest read when verifying: a million certificates.
pub const MAX_MANIFEST_LEN: u64 = 512 * 1024 * 1024;

/// The manifest file of a batch.
pub fn manifest_name(batch_id: &str) -> String {
    format!("{batch_id}.manifest.jws")
}

/// One certificate in a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestEntry {
    /// The certificate id.
    pub id: String,
    /// The subject reference.
    pub subject_reference: String,
    /// The line of the batch input it was issued from.
    pub line: u64,
    /// File name to SHA-256 (lowercase hex).
    pub files: BTreeMap<String, String>,
}

/// The signed content of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    manifest_version: u32,
    batch: String,
    kid: String,
    input_sha256: String,
    made_at: String,
    count: u64,
    certificates: Vec<ManifestEntry>,
}

/// Why a manifest could not be written.
#[derive(Debug)]
pub enum WriteManifestError {
    /// Reading the register failed.
    Register(RegisterError),
    /// Writing the file failed.
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        error: std::io::Error,
    },
    /// The key could not sign (a token failed).
    Signing(SignError),
}

impl fmt::Display for WriteManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Register(e) => write!(f, "the manifest could not be made: {e}"),
            Self::Io { path, error } => write!(f, "{}: cannot write: {error}", path.display()),
            Self::Signing(e) => write!(f, "the manifest could not be signed: {e}"),
        }
    }
}

impl std::error::Error for WriteManifestError {}

/// Lowercase hex of a SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes and signs the manifest of `batch` into `dir`, replacing an older one; returns its path.
pub fn write_manifest(
    register: &Register,
    batch: &BatchRecord,
    key: &IssuingKey,
    made_at: Timestamp,
    dir: &Path,
) -> Result<PathBuf, WriteManifestError> {
    let path = dir.join(manifest_name(&batch.id));
    let payload_path = dir.join(temp_name(&format!("{}.payload", manifest_name(&batch.id))));
    let jws_path = dir.join(temp_name(&manifest_name(&batch.id)));
    let result = write_signed(register, batch, key, made_at, &payload_path, &jws_path)
        .and_then(|()| {
            std::fs::rename(&jws_path, &path).map_err(|error| WriteManifestError::Io {
                path: path.clone(),
                error,
            })
        })
        .and_then(|()| {
            sync_dir(dir).map_err(|error| WriteManifestError::Io {
                path: dir.to_path_buf(),
                error,
            })
        });
    let _ = std::fs::remove_file(&payload_path);
    let _ = std::fs::remove_file(&jws_path);
    result.map(|()| path)
}

fn write_signed(
    register: &Register,
    batch: &BatchRecord,
    key: &IssuingKey,
    made_at: Timestamp,
    payload_path: &Path,
    jws_path: &Path,
) -> Result<(), WriteManifestError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |error| WriteManifestError::Io { path, error }
    };
    // 1. The payload, streamed from the register.
    let mut payload = BufWriter::new(File::create(payload_path).map_err(io(payload_path))?);
    let head = serde_json::json!({
        "manifest_version": 1,
        "batch": batch.id,
        "kid": key.kid().as_str(),
        "input_sha256": batch.input_sha256,
        "made_at": made_at.to_string(),
        "count": batch.issued,
    })
    .to_string();
    // `{...,"count":N` then `,"certificates":[` and one entry a line.
    let head = head.strip_suffix('}').unwrap_or(&head);
    write!(payload, "{head},\"certificates\":[").map_err(io(payload_path))?;
    let mut first = true;
    let mut write_error = None;
    register
        .for_each_in_batch(&batch.id, |c| {
            let mut files: BTreeMap<String, String> = CERTIFICATE_FILES
                .iter()
                .zip([c.jws_sha256, c.qr_sha256, c.pdf_sha256])
                .map(|(ext, hash)| (format!("{}.{ext}", c.id), hash))
                .collect();
            // A logged certificate has its proof of inclusion beside it.
            if let Some(proof) = register.proof_sha256(&c.id)? {
                files.insert(format!("{}.{PROOF_FILE}", c.id), proof);
            }
            let entry = ManifestEntry {
                id: c.id,
                subject_reference: c.subject_reference,
                line: c.batch_item.unwrap_or(0),
                files,
            };
            let separator = if first { "\n" } else { ",\n" };
            first = false;
            let written = payload
                .write_all(separator.as_bytes())
                .and_then(|()| serde_json::to_writer(&mut payload, &entry).map_err(Into::into));
            if let Err(e) = written {
                write_error.get_or_insert(e);
            }
            Ok(())
        })
        .map_err(WriteManifestError::Register)?;
    if let Some(e) = write_error {
        return Err(io(payload_path)(e));
    }
    payload.write_all(b"\n]}").map_err(io(payload_path))?;
    payload.flush().map_err(io(payload_path))?;
    drop(payload);

    // 2. header.payload, base64url in chunks of a multiple of 3 bytes (no padding between).
    let header =
        serde_json::json!({"alg": "EdDSA", "kid": key.kid().as_str(), "typ": MANIFEST_TYPE});
    let mut out = BufWriter::new(File::create(jws_path).map_err(io(jws_path))?);
    out.write_all(URL_SAFE_NO_PAD.encode(header.to_string()).as_bytes())
        .and_then(|()| out.write_all(b"."))
        .map_err(io(jws_path))?;
    let mut input = File::open(payload_path).map_err(io(payload_path))?;
    let mut chunk = vec![0u8; 3 * 16 * 1024];
    loop {
        let n = read_full(&mut input, &mut chunk).map_err(io(payload_path))?;
        if n == 0 {
            break;
        }
        out.write_all(URL_SAFE_NO_PAD.encode(&chunk[..n]).as_bytes())
            .map_err(io(jws_path))?;
        if n < chunk.len() {
            break;
        }
    }
    out.flush().map_err(io(jws_path))?;
    let mut out = out.into_inner().map_err(|e| io(jws_path)(e.into_error()))?;

    // 3. Sign what is in the file so far: the JWS signing input.
    let signature = key
        .sign_file(jws_path, MAX_MANIFEST_LEN)
        .map_err(|e| match e {
            SignError::Read { path, source } => io(&path)(source),
            other => WriteManifestError::Signing(other),
        })?;
    out.write_all(b".")
        .and_then(|()| out.write_all(URL_SAFE_NO_PAD.encode(signature).as_bytes()))
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.sync_all())
        .map_err(io(jws_path))
}

/// Reads until `buffer` is full or the input ends; returns the bytes read.
fn read_full(input: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match input.read(&mut buffer[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// Why a manifest could not be checked at all.
#[derive(Debug)]
pub enum ManifestError {
    /// The file could not be read.
    Read(std::io::Error),
    /// Not a manifest JWS, or its content is malformed.
    Malformed(String),
    /// Signed by a key the trust list does not hold.
    UnknownKey(String),
    /// Signed by a key of the trust list at a time it was not allowed to sign.
    KeyNotAuthorised(goodstanding_verifier::KeyProblem),
    /// The signature does not verify: the manifest was altered or not made by this key.
    BadSignature,
}

impl ManifestError {
    /// Whether this is unreadable input (as opposed to a manifest that is not valid).
    pub fn is_input(&self) -> bool {
        matches!(self, Self::Read(_) | Self::Malformed(_))
    }
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read(e) => write!(f, "cannot read the manifest: {e}"),
            Self::Malformed(m) => write!(f, "not a goodstanding batch manifest: {m}"),
            Self::UnknownKey(kid) => write!(
                f,
                "signed by key {kid}, which is not in the trust list; the manifest cannot be \
                 checked"
            ),
            Self::KeyNotAuthorised(problem) => write!(f, "the manifest was {problem}"),
            Self::BadSignature => f.write_str(
                "the manifest's signature does not verify: it was altered, or not made by the \
                 key it names",
            ),
        }
    }
}

impl std::error::Error for ManifestError {}

/// What is wrong with one file listed in a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileProblem {
    /// The file is not there.
    Missing,
    /// Its SHA-256 differs from the manifest's: it was altered or replaced.
    Differs,
    /// It could not be read.
    Unreadable(String),
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => f.write_str("missing"),
            Self::Differs => f.write_str("altered: its SHA-256 differs from the manifest's"),
            Self::Unreadable(e) => write!(f, "unreadable: {e}"),
        }
    }
}

/// The result of checking a batch folder against its manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestCheck {
    /// The batch id.
    pub batch: String,
    /// The signing key.
    pub kid: String,
    /// When the manifest was made.
    pub made_at: String,
    /// SHA-256 (hex) of the batch's input file, to match the batch with its input.
    pub input_sha256: String,
    /// Certificates listed.
    pub certificates: usize,
    /// Files checked.
    pub files: usize,
    /// Each listed file that does not match, with what is wrong.
    pub problems: Vec<(String, FileProblem)>,
    /// Certificate files in the folder that the manifest does not list (another batch's, or
    /// added).
    pub unlisted: Vec<String>,
}

impl ManifestCheck {
    /// Whether every listed file is present and unchanged.
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Whether `bytes` begin like a manifest: a JWS whose header says `typ` `gs-manifest+jws`.
pub fn is_manifest(bytes: &[u8]) -> bool {
    let header = bytes.split(|b| *b == b'.').next().unwrap_or_default();
    header.len() < 1024
        && URL_SAFE_NO_PAD
            .decode(header)
            .ok()
            .and_then(|h| serde_json::from_slice::<serde_json::Value>(&h).ok())
            .is_some_and(|h| h.get("typ").and_then(|t| t.as_str()) == Some(MANIFEST_TYPE))
}

/// Verifies the manifest at `path` with `trust`, then checks every file it lists in its folder.
pub fn verify_manifest(path: &Path, trust: &TrustStore) -> Result<ManifestCheck, ManifestError> {
    let bytes =
        goodstanding_files::read_capped(path, MAX_MANIFEST_LEN).map_err(ManifestError::Read)?;
    let malformed = |m: &str| ManifestError::Malformed(m.to_string());
    let (kid, payload) = verify_typed_jws(&bytes, MANIFEST_TYPE, bytes.len(), |kid| trust.get(kid))
        .map_err(|e| match e {
            ListError::UnknownSigner(kid) => ManifestError::UnknownKey(kid),
            ListError::BadSignature => ManifestError::BadSignature,
            other => ManifestError::Malformed(other.to_string()),
        })?;
    let manifest: Manifest = serde_json::from_slice(&payload)
        .map_err(|e| ManifestError::Malformed(format!("payload: {e}")))?;
    if manifest.manifest_version != 1 {
        return Err(malformed("unsupported manifest version"));
    }
    if manifest.kid != kid || manifest.count != manifest.certificates.len() as u64 {
        return Err(malformed(
            "the payload disagrees with its header or its own count",
        ));
    }
    let made_at = Timestamp::parse(&manifest.made_at)
        .map_err(|e| ManifestError::Malformed(format!("made_at: {e}")))?;
    trust
        .authorised(&manifest.kid, made_at, None)
        .map_err(ManifestError::KeyNotAuthorised)?;

    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut problems = Vec::new();
    let mut listed = HashSet::new();
    let mut files = 0;
    for entry in &manifest.certificates {
        for (name, expected) in &entry.files {
            if name.contains(['/', '\\']) || name.starts_with('.') {
                return Err(ManifestError::Malformed(format!(
                    "file name {name:?} is not a plain file name"
                )));
            }
            files += 1;
            listed.insert(name.clone());
            match hash_file(&dir.join(name)) {
                Ok(actual) if actual == *expected => {}
                Ok(_) => problems.push((name.clone(), FileProblem::Differs)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    problems.push((name.clone(), FileProblem::Missing));
                }
                Err(e) => problems.push((name.clone(), FileProblem::Unreadable(e.to_string()))),
            }
        }
    }
    let mut unlisted: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|name| is_certificate_file(name) && !listed.contains(name))
                .collect()
        })
        .unwrap_or_default();
    unlisted.sort();
    Ok(ManifestCheck {
        batch: manifest.batch,
        kid: manifest.kid,
        made_at: manifest.made_at,
        input_sha256: manifest.input_sha256,
        certificates: manifest.certificates.len(),
        files,
        problems,
        unlisted,
    })
}

/// Whether a file name is `<certificate id>.<jws|qr.txt|pdf|tlog-proof>`.
fn is_certificate_file(name: &str) -> bool {
    name.split_once('.').is_some_and(|(id, ext)| {
        CertificateId::new(id).is_ok() && (CERTIFICATE_FILES.contains(&ext) || ext == PROOF_FILE)
    })
}

/// SHA-256 (hex) of a file, read in pieces.
pub fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            return Ok(hex(&hasher.finalize()));
        }
        hasher.update(&buffer[..n]);
    }
}
