//! The entries of goodstanding's transparency log (issue 25, item 1): their exact bytes, so that
//! an independent verifier can rebuild each leaf (`leaf hash = SHA-256(0x00 || entry)`,
//! [`crate::merkle::leaf_hash`]). Every entry starts with its type byte; numbers are big-endian;
//! a text is a length byte then UTF-8.
//!
//! ```text
//! certificate (type 0x01):
//!   0x01
//!   u8 n, kid (n bytes)                     the issuing key that signed
//!   certificate id (26 bytes, base32 text)
//!   u64 issued_at                           POSIX seconds
//!   SHA-256 of the certificate's JWS (32)   the compact serialization's ASCII bytes
//!   u8 n, period (n bytes)                  such as "2026": what the subject tag is for
//!   subject tag (64 bytes)                  the vrf-r255 output (crate::subject_tag)
//!   tag proof (80 bytes)                    the vrf-r255 proof
//! revocation (type 0x02):
//!   0x02
//!   certificate id (26 bytes)
//!   u64 revoked_at                          POSIX seconds
//!   u8 n, reason code (n bytes)             new_information, issued_in_error, superseded, ...
//! audit anchor (type 0x03, since this release; issue 26):
//!   0x03
//!   u64 rows                                the issuing body's audit trail's length then
//!   head (32 bytes)                         the hash of its last row
//!   u64 anchored_at                         POSIX seconds
//! ```
//!
//! A verifier of the release before this one refuses a log holding an anchor entry (an unknown
//! type): an issuing body turns anchoring on (`register init`, or `register policy
//! --anchor-audit on`) once its verifiers run this release.

use crate::subject_tag::{PROOF_LEN, TAG_LEN};

/// The type byte of a certificate entry.
pub const CERTIFICATE_ENTRY: u8 = 0x01;
/// The type byte of a revocation entry.
pub const REVOCATION_ENTRY: u8 = 0x02;
/// The type byte of an audit anchor entry.
pub const AUDIT_ANCHOR_ENTRY: u8 = 0x03;
/// The length of a certificate id.
const ID_LEN: usize = 26;

/// An entry of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogEntry {
    /// A certificate was issued.
    Certificate {
        /// The issuing key id.
        kid: String,
        /// The certificate id.
        id: String,
        /// When it was signed (POSIX seconds).
        issued_at: u64,
        /// SHA-256 of its JWS.
        jws_sha256: [u8; 32],
        /// The period of the subject tag.
        period: String,
        /// The subject tag.
        tag: [u8; TAG_LEN],
        /// The tag's VRF proof.
        tag_proof: [u8; PROOF_LEN],
    },
    /// A certificate was revoked.
    Revocation {
        /// The certificate id.
        id: String,
        /// When (POSIX seconds).
        revoked_at: u64,
        /// The reason code.
        reason: String,
    },
    /// The head of the issuing body's audit trail, so that deleting its newest rows is caught.
    AuditAnchor {
        /// The trail's length (its last row's number).
        rows: u64,
        /// That row's hash.
        head: [u8; 32],
        /// When (POSIX seconds).
        anchored_at: u64,
    },
}

/// Why bytes are not a log entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryError {
    /// An unknown type byte.
    UnknownType(u8),
    /// The bytes end early, run on after the entry, or hold a text that is not UTF-8 or too long.
    Malformed,
}

impl std::fmt::Display for EntryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownType(t) => write!(f, "a log entry of unknown type {t:#04x}"),
            Self::Malformed => f.write_str("a log entry that does not have its type's form"),
        }
    }
}

impl std::error::Error for EntryError {}

fn push_text(out: &mut Vec<u8>, text: &str) -> Option<()> {
    out.push(u8::try_from(text.len()).ok()?);
    out.extend_from_slice(text.as_bytes());
    Some(())
}

/// Reads from the front of a byte slice.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], EntryError> {
        if self.0.len() < n {
            return Err(EntryError::Malformed);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], EntryError> {
        self.take(N)?.try_into().map_err(|_| EntryError::Malformed)
    }
    fn u64(&mut self) -> Result<u64, EntryError> {
        Ok(u64::from_be_bytes(self.array()?))
    }
    fn text(&mut self) -> Result<String, EntryError> {
        let n = usize::from(self.array::<1>()?[0]);
        self.fixed_text(n)
    }
    fn fixed_text(&mut self, n: usize) -> Result<String, EntryError> {
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| EntryError::Malformed)
    }
}

impl LogEntry {
    /// The entry's bytes; `None` if a text is longer than 255 bytes or an id not 26.
    pub fn to_bytes(&self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        match self {
            Self::Certificate {
                kid,
                id,
                issued_at,
                jws_sha256,
                period,
                tag,
                tag_proof,
            } => {
                out.push(CERTIFICATE_ENTRY);
                push_text(&mut out, kid)?;
                (id.len() == ID_LEN).then_some(())?;
                out.extend_from_slice(id.as_bytes());
                out.extend_from_slice(&issued_at.to_be_bytes());
                out.extend_from_slice(jws_sha256);
                push_text(&mut out, period)?;
                out.extend_from_slice(tag);
                out.extend_from_slice(tag_proof);
            }
            Self::Revocation {
                id,
                revoked_at,
                reason,
            } => {
                out.push(REVOCATION_ENTRY);
                (id.len() == ID_LEN).then_some(())?;
                out.extend_from_slice(id.as_bytes());
                out.extend_from_slice(&revoked_at.to_be_bytes());
                push_text(&mut out, reason)?;
            }
            Self::AuditAnchor {
                rows,
                head,
                anchored_at,
            } => {
                out.push(AUDIT_ANCHOR_ENTRY);
                out.extend_from_slice(&rows.to_be_bytes());
                out.extend_from_slice(head);
                out.extend_from_slice(&anchored_at.to_be_bytes());
            }
        }
        Some(out)
    }

    /// Reads an entry from its bytes (all of them).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, EntryError> {
        let (&kind, rest) = bytes.split_first().ok_or(EntryError::Malformed)?;
        let mut r = Reader(rest);
        let entry = match kind {
            CERTIFICATE_ENTRY => Self::Certificate {
                kid: r.text()?,
                id: r.fixed_text(ID_LEN)?,
                issued_at: r.u64()?,
                jws_sha256: r.array()?,
                period: r.text()?,
                tag: r.array()?,
                tag_proof: r.array()?,
            },
            REVOCATION_ENTRY => Self::Revocation {
                id: r.fixed_text(ID_LEN)?,
                revoked_at: r.u64()?,
                reason: r.text()?,
            },
            AUDIT_ANCHOR_ENTRY => Self::AuditAnchor {
                rows: r.u64()?,
                head: r.array()?,
                anchored_at: r.u64()?,
            },
            other => return Err(EntryError::UnknownType(other)),
        };
        if r.0.is_empty() {
            Ok(entry)
        } else {
            Err(EntryError::Malformed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate() -> LogEntry {
        LogEntry::Certificate {
            kid: "nhs-gs-2026-1".into(),
            id: "abcdefghijklmnopqrstuvwxyz".into(),
            issued_at: 1_795_398_678,
            jws_sha256: [7; 32],
            period: "2026".into(),
            tag: [8; TAG_LEN],
            tag_proof: [9; PROOF_LEN],
        }
    }

    #[test]
    fn entries_have_the_documented_bytes_and_read_back() {
        let bytes = certificate().to_bytes().unwrap();
        // type, kid (1 + 13), id 26, time 8, hash 32, period (1 + 4), tag 64, proof 80.
        assert_eq!(bytes.len(), 1 + 14 + 26 + 8 + 32 + 5 + 64 + 80);
        assert_eq!(bytes[0], CERTIFICATE_ENTRY);
        assert_eq!(&bytes[1..15], b"\x0dnhs-gs-2026-1");
        assert_eq!(&bytes[41..49], &1_795_398_678u64.to_be_bytes());
        assert_eq!(LogEntry::from_bytes(&bytes).unwrap(), certificate());
        let revocation = LogEntry::Revocation {
            id: "abcdefghijklmnopqrstuvwxyz".into(),
            revoked_at: 1_795_400_000,
            reason: "issued_in_error".into(),
        };
        let bytes = revocation.to_bytes().unwrap();
        assert_eq!(bytes.len(), 1 + 26 + 8 + 1 + 15);
        assert_eq!(LogEntry::from_bytes(&bytes).unwrap(), revocation);
        let anchor = LogEntry::AuditAnchor {
            rows: 258,
            head: [5; 32],
            anchored_at: 1_795_400_000,
        };
        let bytes = anchor.to_bytes().unwrap();
        assert_eq!(bytes.len(), 1 + 8 + 32 + 8);
        assert_eq!(&bytes[..9], b"\x03\0\0\0\0\0\0\x01\x02");
        assert_eq!(LogEntry::from_bytes(&bytes).unwrap(), anchor);
    }

    #[test]
    fn bytes_that_are_not_an_entry_are_refused() {
        let bytes = certificate().to_bytes().unwrap();
        assert_eq!(
            LogEntry::from_bytes(&bytes[..bytes.len() - 1]),
            Err(EntryError::Malformed)
        );
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(LogEntry::from_bytes(&longer), Err(EntryError::Malformed));
        let mut unknown = bytes;
        unknown[0] = 0x07;
        assert_eq!(
            LogEntry::from_bytes(&unknown),
            Err(EntryError::UnknownType(7))
        );
        assert_eq!(LogEntry::from_bytes(&[]), Err(EntryError::Malformed));
        let bad_id = LogEntry::Revocation {
            id: "short".into(),
            revoked_at: 0,
            reason: "x".into(),
        };
        assert_eq!(bad_id.to_bytes(), None);
    }
}
