//! A witness's decision on `c2sp.org/tlog-witness` `add-checkpoint` (issue 25, item 3): the
//! request body, and what a witness answers given what it cosigned last for the log. Pure: the
//! HTTP server, the key and the state file come later; the statuses are the protocol's.
//!
//! ```text
//! request body = "old " <size> "\n" *(base64(hash) "\n") "\n" <checkpoint note>
//! ```

use crate::merkle::{Hash, verify_consistency};
use crate::note::{Checkpoint, Note, NoteError, VerifierKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// Most consistency proof lines a client may send.
pub const MAX_PROOF_LINES: usize = 63;

/// An `add-checkpoint` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size of the checkpoint the client believes the witness cosigned last.
    pub old_size: u64,
    /// The consistency proof from that size to the new checkpoint's.
    pub proof: Vec<Hash>,
    /// The new checkpoint, a signed note.
    pub checkpoint: String,
}

/// A refusal, with the protocol's HTTP status and what to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The HTTP status: 400, 403, 404, 409 or 422.
    pub status: u16,
    /// The body (for 409, the size last cosigned and a newline).
    pub body: String,
}

fn refuse(status: u16, body: impl Into<String>) -> Refusal {
    Refusal {
        status,
        body: body.into(),
    }
}

impl AddCheckpoint {
    /// Reads a request body.
    pub fn parse(body: &str) -> Result<Self, Refusal> {
        let bad = |what: &str| refuse(400, format!("{what}\n"));
        let (head, checkpoint) = body
            .split_once("\n\n")
            .ok_or_else(|| bad("no blank line before the checkpoint"))?;
        let mut lines = head.split('\n');
        let old = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .filter(|n| *n == "0" || (!n.starts_with('0') && !n.is_empty()))
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| bad("the first line is not old and a size"))?;
        let proof = lines
            .map(|l| {
                STANDARD
                    .decode(l)
                    .ok()
                    .and_then(|h| Hash::try_from(h).ok())
                    .ok_or_else(|| bad("a proof line is not a SHA-256 hash in base64"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if proof.len() > MAX_PROOF_LINES {
            return Err(bad("more than 63 proof lines"));
        }
        Ok(Self {
            old_size: old,
            proof,
            checkpoint: checkpoint.to_string(),
        })
    }

    /// The request body.
    pub fn to_body(&self) -> String {
        let mut body = format!("old {}\n", self.old_size);
        for hash in &self.proof {
            body.push_str(&STANDARD.encode(hash));
            body.push('\n');
        }
        body.push('\n');
        body.push_str(&self.checkpoint);
        body
    }
}

/// What a witness holds for a log: the last checkpoint it cosigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosigned {
    /// Its size.
    pub size: u64,
    /// Its root.
    pub root: Hash,
}

/// Decides an `add-checkpoint` request for the log whose keys are `log_keys` (all of one origin;
/// empty: the origin is unknown), given what the witness `last` cosigned for it. On success
/// returns the checkpoint to cosign (and to hold as the new last one).
pub fn decide(
    request: &AddCheckpoint,
    log_keys: &[VerifierKey],
    last: Option<&Cosigned>,
) -> Result<Checkpoint, Refusal> {
    let note =
        Note::parse(request.checkpoint.as_bytes()).map_err(|e| refuse(400, format!("{e}\n")))?;
    let checkpoint = Checkpoint::parse(&note.text).map_err(|e| refuse(400, format!("{e}\n")))?;
    if !log_keys.iter().any(|k| k.name == checkpoint.origin) {
        return Err(refuse(404, "unknown log origin\n"));
    }
    match note.verify(log_keys) {
        Ok(_) => {}
        Err(NoteError::NoKnownSignature | NoteError::BadSignature(_)) => {
            return Err(refuse(403, "not signed by the log's key\n"));
        }
        Err(e) => return Err(refuse(400, format!("{e}\n"))),
    }
    if checkpoint.size == 0 && checkpoint.root != crate::merkle::root(&[]) {
        return Err(refuse(
            422,
            "a checkpoint of size 0 has the empty tree's root\n",
        ));
    }
    if request.old_size > checkpoint.size {
        return Err(refuse(400, "old size is larger than the checkpoint's\n"));
    }
    let (held_size, held_root) = last.map_or((0, None), |c| (c.size, Some(c.root)));
    if request.old_size != held_size {
        return Err(refuse(409, format!("{held_size}\n")));
    }
    if let Some(held_root) = held_root {
        verify_consistency(
            held_size,
            checkpoint.size,
            &held_root,
            &checkpoint.root,
            &request.proof,
        )
        .map_err(|e| refuse(422, format!("the consistency proof fails: {e}\n")))?;
    } else if !request.proof.is_empty() {
        return Err(refuse(422, "a proof from size 0 is empty\n"));
    }
    Ok(checkpoint)
}

#[cfg(test)]
mod tests {
    use crate::merkle::{consistency_proof, leaf_hash, root};
    use crate::note::signature_line;
    use ed25519_dalek::{Signer as _, SigningKey};

    use super::*;

    /// The specification's example request body (c2sp.org/tlog-witness, add-checkpoint;
    /// C2SP/C2SP tlog-witness.md at 5ba5ee8).
    const EXAMPLE: &str = "old 20852014\n\
        PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n\
        jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n\
        5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n\
        /6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n\
        \n\
        example.com/behind-the-sofa\n\
        20852163\n\
        CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\
        \n\
        \u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n\
        \u{2014} example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=\n";

    #[test]
    fn the_specification_example_request_reads_and_writes_back() {
        let request = AddCheckpoint::parse(EXAMPLE).unwrap();
        assert_eq!(request.old_size, 20_852_014);
        assert_eq!(request.proof.len(), 4);
        assert!(
            request
                .checkpoint
                .starts_with("example.com/behind-the-sofa\n20852163\n")
        );
        assert_eq!(request.to_body(), EXAMPLE);
        for bad in [
            "old 01\n\nx",
            "new 1\n\nx",
            "old 1\nnot a hash\n\nx",
            "old 1\n",
        ] {
            assert_eq!(
                AddCheckpoint::parse(bad).unwrap_err().status,
                400,
                "{bad:?}"
            );
        }
    }

    /// A log of `size` leaves: its checkpoint note signed by `key` as `origin`.
    fn checkpoint(leaves: &[Hash], key: &SigningKey, origin: &str) -> String {
        let text = Checkpoint {
            origin: origin.into(),
            size: leaves.len() as u64,
            root: root(leaves),
            extensions: Vec::new(),
        }
        .to_text();
        let id = VerifierKey::new(origin, key.verifying_key()).unwrap().id;
        format!(
            "{text}\n{}",
            signature_line(origin, id, &key.sign(text.as_bytes()).to_bytes())
        )
    }

    #[test]
    fn a_witness_cosigns_only_consistent_growth_of_a_log_it_knows() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let origin = "log.example.org/test";
        let log = [VerifierKey::new(origin, key.verifying_key()).unwrap()];
        let leaves: Vec<Hash> = (0..20u8).map(|i| leaf_hash(&[i])).collect();
        let request = |old: usize, new: usize, proof: Vec<Hash>| AddCheckpoint {
            old_size: old as u64,
            proof,
            checkpoint: checkpoint(&leaves[..new], &key, origin),
        };
        // First contact: from 0, no proof.
        let first = decide(&request(0, 8, Vec::new()), &log, None).unwrap();
        let held = Cosigned {
            size: first.size,
            root: first.root,
        };
        // Growth 8 -> 20 with its proof.
        let proof = consistency_proof(&leaves[..20], 8).unwrap();
        let grown = decide(&request(8, 20, proof.clone()), &log, Some(&held)).unwrap();
        assert_eq!(grown.size, 20);
        // The client's old size is not what the witness holds: 409 with the size held.
        let stale = decide(&request(5, 20, proof.clone()), &log, Some(&held)).unwrap_err();
        assert_eq!((stale.status, stale.body.as_str()), (409, "8\n"));
        // A proof that does not hold (another history): 422, nothing cosigned.
        let mut forged = leaves.clone();
        forged[3] = leaf_hash(b"rewritten");
        let other = AddCheckpoint {
            old_size: 8,
            proof: consistency_proof(&forged[..20], 8).unwrap(),
            checkpoint: checkpoint(&forged[..20], &key, origin),
        };
        assert_eq!(decide(&other, &log, Some(&held)).unwrap_err().status, 422);
        // Unknown origin 404; signed by another key 403; old above new 400.
        assert_eq!(
            decide(&request(0, 8, Vec::new()), &[], None)
                .unwrap_err()
                .status,
            404
        );
        let stranger = AddCheckpoint {
            old_size: 0,
            proof: Vec::new(),
            checkpoint: checkpoint(&leaves[..8], &SigningKey::from_bytes(&[4; 32]), origin),
        };
        assert_eq!(decide(&stranger, &log, None).unwrap_err().status, 403);
        assert_eq!(
            decide(&request(9, 8, Vec::new()), &log, Some(&held))
                .unwrap_err()
                .status,
            400
        );
    }
}
