//! `c2sp.org/tlog-proof@v1`: an offline proof that an entry is in a transparency log, as seen by
//! witnesses (issue 25, item 2: each certificate's `<id>.tlog-proof`).
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! [extra base64(extra data)]
//! index <n>
//! base64(hash)            the inclusion proof, leaf's sibling first
//! ...
//! (blank line)
//! <the checkpoint, a signed note, verbatim>
//! ```

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::merkle::{Hash, ProofError, verify_inclusion};
use crate::note::{Checkpoint, CosignerKey, Note, NoteError, VerifierKey};

/// The first line of a proof.
pub const HEADER: &str = "c2sp.org/tlog-proof@v1";
/// Most inclusion-proof hashes read (a tree of 2^63 leaves needs 63).
pub const MAX_PATH: usize = 64;

/// A proof, read but not verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogProof {
    /// Opaque extra data (not authenticated).
    pub extra: Option<Vec<u8>>,
    /// The entry's index.
    pub index: u64,
    /// The inclusion proof.
    pub path: Vec<Hash>,
    /// The checkpoint note, verbatim.
    pub checkpoint: String,
}

/// Why a proof was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlogProofError {
    /// Not the form the specification gives; says what.
    Malformed(&'static str),
    /// The checkpoint is not a signed note of the log, or a witness's cosignature fails.
    Checkpoint(NoteError),
    /// The checkpoint is of another log.
    Origin(String),
    /// Fewer witnesses cosigned than the policy needs.
    Quorum {
        /// How many cosigned.
        found: usize,
        /// How many are needed.
        needed: usize,
    },
    /// The entry is not at the index in the checkpointed tree.
    Inclusion(ProofError),
}

impl fmt::Display for TlogProofError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(what) => write!(f, "not a tlog proof: {what}"),
            Self::Checkpoint(e) => write!(f, "the proof's checkpoint: {e}"),
            Self::Origin(origin) => write!(f, "the proof's checkpoint is of another log, {origin}"),
            Self::Quorum { found, needed } => write!(
                f,
                "the proof's checkpoint is cosigned by {found} of the witnesses trusted, {needed} \
                 needed"
            ),
            Self::Inclusion(e) => write!(f, "the entry is not in the log as proven: {e}"),
        }
    }
}

impl std::error::Error for TlogProofError {}

impl TlogProof {
    /// Reads a proof.
    pub fn parse(text: &str) -> Result<Self, TlogProofError> {
        let bad = TlogProofError::Malformed;
        let (head, checkpoint) = text
            .split_once("\n\n")
            .ok_or(bad("no blank line before the checkpoint"))?;
        let mut lines = head.split('\n');
        if lines.next() != Some(HEADER) {
            return Err(bad("the first line is not c2sp.org/tlog-proof@v1"));
        }
        let mut line = lines.next().ok_or(bad("no index line"))?;
        let extra = match line.strip_prefix("extra ") {
            Some(encoded) => {
                let extra = STANDARD
                    .decode(encoded)
                    .map_err(|_| bad("the extra data is not base64"))?;
                line = lines.next().ok_or(bad("no index line"))?;
                Some(extra)
            }
            None => None,
        };
        let index = line
            .strip_prefix("index ")
            .filter(|n| *n == "0" || (!n.starts_with('0') && !n.is_empty()))
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| n.parse().ok())
            .ok_or(bad("the index line is not index and a decimal number"))?;
        let path = lines
            .map(|l| {
                STANDARD
                    .decode(l)
                    .ok()
                    .and_then(|h| Hash::try_from(h).ok())
                    .ok_or(bad(
                        "an inclusion proof line is not a SHA-256 hash in base64",
                    ))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if path.len() > MAX_PATH {
            return Err(bad("more inclusion proof hashes than any tree needs"));
        }
        Ok(Self {
            extra,
            index,
            path,
            checkpoint: checkpoint.to_string(),
        })
    }

    /// The proof as text.
    pub fn to_text(&self) -> String {
        let mut text = format!("{HEADER}\n");
        if let Some(extra) = &self.extra {
            text.push_str(&format!("extra {}\n", STANDARD.encode(extra)));
        }
        text.push_str(&format!("index {}\n", self.index));
        for hash in &self.path {
            text.push_str(&STANDARD.encode(hash));
            text.push('\n');
        }
        text.push('\n');
        text.push_str(&self.checkpoint);
        text
    }

    /// Checks that the entry with leaf hash `leaf` is in the log `log` (its key names its
    /// origin), under a checkpoint cosigned by at least `quorum` of `witnesses`. Returns the
    /// checkpoint and the witnesses that cosigned it.
    pub fn verify(
        &self,
        leaf: &Hash,
        log: &VerifierKey,
        witnesses: &[CosignerKey],
        quorum: usize,
    ) -> Result<(Checkpoint, Vec<String>), TlogProofError> {
        let note = Note::parse(self.checkpoint.as_bytes()).map_err(TlogProofError::Checkpoint)?;
        note.verify(std::slice::from_ref(log))
            .map_err(TlogProofError::Checkpoint)?;
        let checkpoint = Checkpoint::parse(&note.text).map_err(TlogProofError::Checkpoint)?;
        if checkpoint.origin != log.name {
            return Err(TlogProofError::Origin(checkpoint.origin));
        }
        let cosigned: Vec<String> = note
            .cosigned_by(witnesses)
            .map_err(TlogProofError::Checkpoint)?
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        if cosigned.len() < quorum {
            return Err(TlogProofError::Quorum {
                found: cosigned.len(),
                needed: quorum,
            });
        }
        verify_inclusion(
            leaf,
            self.index,
            checkpoint.size,
            &self.path,
            &checkpoint.root,
        )
        .map_err(TlogProofError::Inclusion)?;
        Ok((checkpoint, cosigned))
    }
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::{Signer as _, SigningKey};

    use super::*;
    use crate::merkle::{inclusion_proof, leaf_hash, root};
    use crate::note::{cosignature_bytes, cosigned_message, signature_line};

    /// A log of eight entries, its checkpoint signed by the log and cosigned by two witnesses,
    /// and the proof of entry 5.
    fn logged() -> (Vec<Hash>, TlogProof, VerifierKey, Vec<CosignerKey>) {
        let leaves: Vec<Hash> = (0..8u8).map(|i| leaf_hash(&[i; 3])).collect();
        let log_signing = SigningKey::from_bytes(&[1; 32]);
        let log = VerifierKey::new("log.example.org/test", log_signing.verifying_key()).unwrap();
        let checkpoint = Checkpoint {
            origin: log.name.clone(),
            size: 8,
            root: root(&leaves),
            extensions: Vec::new(),
        }
        .to_text();
        let mut note = format!(
            "{checkpoint}\n{}",
            signature_line(
                &log.name,
                log.id,
                &log_signing.sign(checkpoint.as_bytes()).to_bytes()
            )
        );
        let mut witnesses = Vec::new();
        for (i, name) in ["w1.example.org", "w2.example.org"].iter().enumerate() {
            let signing = SigningKey::from_bytes(&[10 + i as u8; 32]);
            let witness = CosignerKey::new(name, signing.verifying_key()).unwrap();
            let time = 1_790_000_000;
            let signature = signing.sign(cosigned_message(&checkpoint, time).as_bytes());
            note.push_str(&signature_line(
                &witness.name,
                witness.id,
                &cosignature_bytes(time, &signature.to_bytes()),
            ));
            witnesses.push(witness);
        }
        let proof = TlogProof {
            extra: Some(b"vrf proof here".to_vec()),
            index: 5,
            path: inclusion_proof(&leaves, 5).unwrap(),
            checkpoint: note,
        };
        (leaves, proof, log, witnesses)
    }

    #[test]
    fn a_proof_reads_back_and_verifies_under_a_quorum_of_witnesses() {
        let (leaves, proof, log, witnesses) = logged();
        let text = proof.to_text();
        assert!(text.starts_with("c2sp.org/tlog-proof@v1\nextra "));
        let read = TlogProof::parse(&text).unwrap();
        assert_eq!(read, proof);
        let (checkpoint, cosigned) = read.verify(&leaves[5], &log, &witnesses, 2).unwrap();
        assert_eq!(checkpoint.size, 8);
        assert_eq!(cosigned, ["w1.example.org", "w2.example.org"]);
    }

    #[test]
    fn another_entry_log_root_or_too_few_witnesses_are_refused() {
        let (leaves, proof, log, witnesses) = logged();
        assert!(matches!(
            proof.verify(&leaves[4], &log, &witnesses, 2),
            Err(TlogProofError::Inclusion(_))
        ));
        assert_eq!(
            proof.verify(&leaves[5], &log, &witnesses[..1], 2),
            Err(TlogProofError::Quorum {
                found: 1,
                needed: 2
            })
        );
        let stranger = VerifierKey::new(
            "log.example.org/test",
            SigningKey::from_bytes(&[2; 32]).verifying_key(),
        )
        .unwrap();
        assert_eq!(
            proof.verify(&leaves[5], &stranger, &witnesses, 2),
            Err(TlogProofError::Checkpoint(NoteError::NoKnownSignature))
        );
        // A checkpoint whose size was changed after signing.
        let mut altered = proof.clone();
        altered.checkpoint = altered.checkpoint.replacen("\n8\n", "\n9\n", 1);
        assert!(matches!(
            altered.verify(&leaves[5], &log, &witnesses, 2),
            Err(TlogProofError::Checkpoint(NoteError::BadSignature(_)))
        ));
        for bad in [
            "c2sp.org/tlog-proof@v2\nindex 1\n\nx\n",
            "c2sp.org/tlog-proof@v1\nindex 01\n\nx\n",
            "c2sp.org/tlog-proof@v1\nindex 1\nnot base64\n\nx\n",
            "c2sp.org/tlog-proof@v1\nindex 1\n",
        ] {
            assert!(TlogProof::parse(bad).is_err(), "{bad:?}");
        }
    }
}
