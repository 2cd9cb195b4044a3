//! `c2sp.org/signed-note` (Ed25519) and `c2sp.org/tlog-checkpoint`: the signed text of a
//! transparency log's tree head, and the verifier keys that check it (issue 25). Only what a
//! verifier needs is here: parsing, key ids, checking signatures; signing lives with the keys.
//!
//! ```text
//! note      = text (ending in "\n") "\n" 1*("— " key-name " " base64(key-id(4) || signature) "\n")
//! vkey      = key-name "+" hex(key-id) "+" base64(0x01 || Ed25519 public key)
//! key-id    = SHA-256(key-name || 0x0A || 0x01 || public key)[:4], big-endian
//! checkpoint text = origin "\n" tree-size "\n" base64(root hash) "\n" *(extension "\n")
//! ```

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};

/// Largest note read, in bytes: a checkpoint with many cosignatures fits with room to spare.
pub const MAX_NOTE_LEN: usize = 64 * 1024;
/// Most signature lines read from one note (the specification asks for at least 16).
pub const MAX_SIGNATURES: usize = 64;
/// The signature type of Ed25519 note signatures.
pub const ED25519: u8 = 0x01;
/// The signature type of timestamped Ed25519 checkpoint cosignatures (`c2sp.org/tlog-cosignature`).
pub const COSIGNATURE_ED25519: u8 = 0x04;

/// Why a note, a verifier key or a checkpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoteError {
    /// Larger than [`MAX_NOTE_LEN`], or more than [`MAX_SIGNATURES`] signature lines.
    TooLarge,
    /// Not the form the specification gives; says what.
    Malformed(&'static str),
    /// A verifier key whose id is not the one its name and public key give.
    KeyIdMismatch,
    /// A signature by a known key that does not verify: the note was altered.
    BadSignature(String),
    /// No signature by any of the keys given.
    NoKnownSignature,
}

impl fmt::Display for NoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge => write!(
                f,
                "larger than {MAX_NOTE_LEN} bytes or {MAX_SIGNATURES} signatures"
            ),
            Self::Malformed(what) => write!(f, "not a signed note: {what}"),
            Self::KeyIdMismatch => {
                f.write_str("the verifier key's id is not the one its name and key give")
            }
            Self::BadSignature(name) => write!(
                f,
                "the signature of {name} does not verify: the note was altered"
            ),
            Self::NoKnownSignature => f.write_str("no signature by a key trusted for it"),
        }
    }
}

impl std::error::Error for NoteError {}

/// The key id of an Ed25519 key named `name`.
pub fn key_id(name: &str, public_key: &[u8; 32]) -> u32 {
    typed_key_id(name, ED25519, public_key)
}

/// The key id of a key named `name` of signature type `kind`.
fn typed_key_id(name: &str, kind: u8, public_key: &[u8; 32]) -> u32 {
    let mut hash = Sha256::new();
    hash.update(name.as_bytes());
    hash.update([b'\n', kind]);
    hash.update(public_key);
    let digest = hash.finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// `name`, if it may name a key: not empty, no Unicode space, no '+'.
fn checked_name(name: &str) -> Result<String, NoteError> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+') {
        return Err(NoteError::Malformed(
            "a key name is empty or has a space or '+'",
        ));
    }
    Ok(name.to_string())
}

/// An Ed25519 verifier key.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifierKey {
    /// The key name.
    pub name: String,
    /// The key id.
    pub id: u32,
    /// The public key.
    pub key: VerifyingKey,
}

impl fmt::Debug for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifierKey({}+{:08x})", self.name, self.id)
    }
}

impl VerifierKey {
    /// The key named `name` with this public key (its id computed).
    pub fn new(name: &str, key: VerifyingKey) -> Result<Self, NoteError> {
        Ok(Self {
            name: checked_name(name)?,
            id: key_id(name, key.as_bytes()),
            key,
        })
    }

    /// Parses `name+hex(id)+base64(0x01 || key)`, checking the id.
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let (name, id, key) = parse_vkey(text, ED25519)?;
        let parsed = Self::new(name, key)?;
        if parsed.id != id {
            return Err(NoteError::KeyIdMismatch);
        }
        Ok(parsed)
    }

    /// The key as a vkey string.
    pub fn to_vkey(&self) -> String {
        vkey_text(&self.name, self.id, ED25519, &self.key)
    }
}

/// `name+hex(id)+base64(kind || key)`.
fn vkey_text(name: &str, id: u32, kind: u8, key: &VerifyingKey) -> String {
    let mut material = vec![kind];
    material.extend_from_slice(key.as_bytes());
    format!("{name}+{id:08x}+{}", STANDARD.encode(material))
}

/// Reads a vkey of signature type `kind`: its name, its stated id and its Ed25519 key.
fn parse_vkey(text: &str, kind: u8) -> Result<(&str, u32, VerifyingKey), NoteError> {
    // The name has no '+' and the id is hex; the key's base64 may hold '+'.
    let mut parts = text.trim().splitn(3, '+');
    let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(NoteError::Malformed("a verifier key is name+id+key"));
    };
    if id.len() != 8 {
        return Err(NoteError::Malformed("a key id is 8 hex digits"));
    }
    let id = u32::from_str_radix(id, 16)
        .map_err(|_| NoteError::Malformed("a key id is 8 hex digits"))?;
    let key = STANDARD
        .decode(key)
        .map_err(|_| NoteError::Malformed("a verifier key's key is not base64"))?;
    let Some((&found, public)) = key.split_first() else {
        return Err(NoteError::Malformed("a verifier key's key is empty"));
    };
    if found != kind {
        return Err(NoteError::Malformed(if kind == ED25519 {
            "only Ed25519 verifier keys (type 0x01) sign checkpoints"
        } else {
            "only Ed25519 cosigner keys (type 0x04) cosign checkpoints"
        }));
    }
    let public: [u8; 32] = public
        .try_into()
        .map_err(|_| NoteError::Malformed("an Ed25519 key is 32 bytes"))?;
    let key = VerifyingKey::from_bytes(&public)
        .map_err(|_| NoteError::Malformed("not an Ed25519 public key"))?;
    Ok((name, id, key))
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name.
    pub name: String,
    /// The key id.
    pub id: u32,
    /// The signature (without the key id).
    pub signature: Vec<u8>,
}

/// A signed note, split into its text and signatures (nothing verified yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The text, with its final newline.
    pub text: String,
    /// The signatures, in order.
    pub signatures: Vec<NoteSignature>,
}

impl Note {
    /// Splits `input` into text and signature lines, refusing what the specification forbids.
    pub fn parse(input: &[u8]) -> Result<Self, NoteError> {
        if input.len() > MAX_NOTE_LEN {
            return Err(NoteError::TooLarge);
        }
        let input = std::str::from_utf8(input).map_err(|_| NoteError::Malformed("not UTF-8"))?;
        if input.chars().any(|c| c.is_ascii_control() && c != '\n') {
            return Err(NoteError::Malformed(
                "a control character other than newline",
            ));
        }
        // The text ends at the last blank line.
        let split = input
            .rfind("\n\n")
            .ok_or(NoteError::Malformed("no blank line before the signatures"))?;
        let (text, signatures) = (&input[..=split], &input[split + 2..]);
        if !signatures.ends_with('\n') {
            return Err(NoteError::Malformed(
                "the last signature line has no newline",
            ));
        }
        let lines: Vec<&str> = signatures[..signatures.len() - 1].split('\n').collect();
        if lines.len() > MAX_SIGNATURES {
            return Err(NoteError::TooLarge);
        }
        let signatures = lines
            .iter()
            .map(|line| {
                let rest = line.strip_prefix("\u{2014} ").ok_or(NoteError::Malformed(
                    "a signature line starts with an em dash",
                ))?;
                let (name, encoded) = rest.split_once(' ').ok_or(NoteError::Malformed(
                    "a signature line is name and signature",
                ))?;
                let name = checked_name(name)?;
                let bytes = STANDARD
                    .decode(encoded)
                    .map_err(|_| NoteError::Malformed("a signature is not base64"))?;
                if bytes.len() < 5 {
                    return Err(NoteError::Malformed("a signature is too short"));
                }
                Ok(NoteSignature {
                    name,
                    id: u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
                    signature: bytes[4..].to_vec(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if signatures.is_empty() {
            return Err(NoteError::Malformed("no signature line"));
        }
        Ok(Self {
            text: text.to_string(),
            signatures,
        })
    }

    /// Checks the note's signatures with `keys`: signatures by other keys are ignored, one by a
    /// given key that does not verify refuses the note, and at least one must verify. Returns
    /// the names of the keys that signed.
    pub fn verify(&self, keys: &[VerifierKey]) -> Result<Vec<String>, NoteError> {
        let mut signed_by = Vec::new();
        for line in &self.signatures {
            let Some(key) = keys.iter().find(|k| k.name == line.name && k.id == line.id) else {
                continue;
            };
            let signature = <[u8; 64]>::try_from(line.signature.as_slice())
                .map_err(|_| NoteError::BadSignature(line.name.clone()))?;
            key.key
                .verify_strict(self.text.as_bytes(), &Signature::from_bytes(&signature))
                .map_err(|_| NoteError::BadSignature(line.name.clone()))?;
            if !signed_by.contains(&line.name) {
                signed_by.push(line.name.clone());
            }
        }
        if signed_by.is_empty() {
            return Err(NoteError::NoKnownSignature);
        }
        Ok(signed_by)
    }
}

/// The signature line of `name` (with id `id`) for a signature over a note's text.
pub fn signature_line(name: &str, id: u32, signature: &[u8]) -> String {
    let mut bytes = id.to_be_bytes().to_vec();
    bytes.extend_from_slice(signature);
    format!("\u{2014} {name} {}\n", STANDARD.encode(bytes))
}

/// A transparency log's checkpoint: the note text of its tree head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity.
    pub origin: String,
    /// How many leaves the tree has.
    pub size: u64,
    /// The tree's root hash.
    pub root: [u8; 32],
    /// Extension lines, if any.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// Reads a checkpoint from a note's text.
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let body = text.strip_suffix('\n').ok_or(NoteError::Malformed(
            "a checkpoint's text ends in a newline",
        ))?;
        let mut lines = body.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(NoteError::Malformed(
                "a checkpoint has origin, size and root lines",
            ));
        };
        if origin.is_empty() {
            return Err(NoteError::Malformed("a checkpoint's origin is empty"));
        }
        let canonical = size == "0" || (!size.starts_with('0') && !size.is_empty());
        let size: u64 = size
            .parse()
            .ok()
            .filter(|_| canonical && size.bytes().all(|b| b.is_ascii_digit()))
            .ok_or(NoteError::Malformed(
                "a checkpoint's size is a decimal number",
            ))?;
        let root: [u8; 32] = STANDARD
            .decode(root)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or(NoteError::Malformed(
                "a checkpoint's root is 32 bytes of base64",
            ))?;
        let extensions: Vec<String> = lines.map(str::to_string).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(NoteError::Malformed(
                "a checkpoint's extension line is empty",
            ));
        }
        Ok(Self {
            origin: origin.to_string(),
            size,
            root,
            extensions,
        })
    }

    /// The checkpoint's note text.
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root)
        );
        for line in &self.extensions {
            text.push_str(line);
            text.push('\n');
        }
        text
    }
}

/// A witness (cosigner) known to a verifier: its name and Ed25519 key, for timestamped
/// cosignatures (`c2sp.org/tlog-cosignature`, type 0x04).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosignerKey {
    /// The cosigner's name.
    pub name: String,
    /// Its key id (type 0x04).
    pub id: u32,
    /// Its public key.
    pub key: VerifyingKey,
}

impl CosignerKey {
    /// The cosigner named `name` with this key.
    pub fn new(name: &str, key: VerifyingKey) -> Result<Self, NoteError> {
        Ok(Self {
            name: checked_name(name)?,
            id: typed_key_id(name, COSIGNATURE_ED25519, key.as_bytes()),
            key,
        })
    }

    /// Parses `name+hex(id)+base64(0x04 || key)`, checking the id.
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let (name, id, key) = parse_vkey(text, COSIGNATURE_ED25519)?;
        let parsed = Self::new(name, key)?;
        if parsed.id != id {
            return Err(NoteError::KeyIdMismatch);
        }
        Ok(parsed)
    }

    /// The key as a vkey string (type 0x04).
    pub fn to_vkey(&self) -> String {
        vkey_text(&self.name, self.id, COSIGNATURE_ED25519, &self.key)
    }
}

/// What an Ed25519 cosigner signs for the checkpoint `text` at `timestamp` (POSIX seconds).
pub fn cosigned_message(text: &str, timestamp: u64) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{text}")
}

/// A cosignature's bytes: the timestamp (big-endian) and the Ed25519 signature.
pub fn cosignature_bytes(timestamp: u64, signature: &[u8; 64]) -> Vec<u8> {
    let mut bytes = timestamp.to_be_bytes().to_vec();
    bytes.extend_from_slice(signature);
    bytes
}

/// The time of a cosignature (its first 8 bytes), if it has the Ed25519 form's length.
pub fn cosignature_time(signature: &NoteSignature) -> Option<u64> {
    let bytes: &[u8; 72] = signature.signature.as_slice().try_into().ok()?;
    let time = u64::from_be_bytes(bytes[..8].try_into().ok()?);
    (time < 1 << 63).then_some(time)
}

impl Note {
    /// The cosigners among `cosigners` whose cosignature of this note (a checkpoint) verifies,
    /// with the time each signed; a cosignature by one of them that does not verify refuses
    /// the note, others are ignored.
    pub fn cosigned_by(&self, cosigners: &[CosignerKey]) -> Result<Vec<(String, u64)>, NoteError> {
        let mut found = Vec::new();
        for line in &self.signatures {
            let Some(cosigner) = cosigners
                .iter()
                .find(|c| c.name == line.name && c.id == line.id)
            else {
                continue;
            };
            let bad = || NoteError::BadSignature(line.name.clone());
            let time = cosignature_time(line).ok_or_else(bad)?;
            let signature: [u8; 64] = line.signature[8..].try_into().map_err(|_| bad())?;
            cosigner
                .key
                .verify_strict(
                    cosigned_message(&self.text, time).as_bytes(),
                    &Signature::from_bytes(&signature),
                )
                .map_err(|_| bad())?;
            if !found.iter().any(|(name, _)| name == &line.name) {
                found.push((line.name.clone(), time));
            }
        }
        Ok(found)
    }
}
