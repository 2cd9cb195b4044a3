//! Rule 1: every record on a certificate has a stable id. The issuer derives it from what makes
//! a record the same record (its body, date and reference, the same key as the duplicate check)
//! and from the subject's reference, so a record keeps its id on every certificate of the
//! subject (reissued, superseded, under a new key) and an employer's system can follow it.
//!
//! ```text
//! id = kind "-" base32(SHA-256("goodstanding record id 1" 0 kind 0 subject 0 body 0 date 0 reference))[..8]
//! ```
//!
//! `kind` is `f` (finding), `c` (conviction or caution) or `d` (departure; its date is the day the
//! person left); text is NFC (the issuer refuses anything else), and the fields are separated by
//! NUL, which no field may hold. Eight base32 characters are 40 bits: two different records of one
//! subject share an id with odds of about one in 10^12 per pair (a certificate of 24 records: one
//! in 4 billion); the issuer refuses to sign a
//! certificate where two records would share one, as every verifier would refuse it.

use goodstanding_verifier::{Date, RecordId};
use sha2::{Digest, Sha256};

use crate::base32::base32_lower;

/// What list a record is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// A disciplinary finding.
    Finding,
    /// A conviction or caution.
    Conviction,
    /// A departure during an investigation.
    Departure,
}

impl RecordKind {
    fn letter(self) -> char {
        match self {
            Self::Finding => 'f',
            Self::Conviction => 'c',
            Self::Departure => 'd',
        }
    }
}

/// The stable id of the record of `kind` decided by `body` on `date` under `reference`, on a
/// certificate for the subject whose reference is `subject_reference`.
pub fn record_id(
    kind: RecordKind,
    subject_reference: &str,
    body: &str,
    date: Date,
    reference: &str,
) -> RecordId {
    let mut hash = Sha256::new();
    hash.update(b"goodstanding record id 1");
    for field in [
        kind.letter().to_string().as_str(),
        subject_reference,
        body,
        &date.to_string(),
        reference,
    ] {
        hash.update([0]);
        hash.update(field.as_bytes());
    }
    let digest = hash.finalize();
    // 5 bytes are exactly 8 base32 characters.
    let id = format!("{}-{}", kind.letter(), base32_lower(&digest[..5]));
    // Always of the form: a letter of three, '-', ten base32 characters.
    RecordId::new(id).unwrap_or_else(|_| unreachable!("a record id is always well formed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    #[test]
    fn the_same_record_has_the_same_id_and_any_difference_changes_it() {
        let id = |kind, subject: &str, body: &str, day: &str, reference: &str| {
            record_id(kind, subject, body, date(day), reference)
        };
        let base = id(
            RecordKind::Finding,
            "SUBJ-1",
            "Leeds Trust",
            "2024-03-01",
            "HR-1",
        );
        assert_eq!(
            base,
            id(
                RecordKind::Finding,
                "SUBJ-1",
                "Leeds Trust",
                "2024-03-01",
                "HR-1"
            )
        );
        assert!(base.as_str().starts_with("f-"), "{base}");
        for other in [
            id(
                RecordKind::Conviction,
                "SUBJ-1",
                "Leeds Trust",
                "2024-03-01",
                "HR-1",
            ),
            id(
                RecordKind::Finding,
                "SUBJ-2",
                "Leeds Trust",
                "2024-03-01",
                "HR-1",
            ),
            id(
                RecordKind::Finding,
                "SUBJ-1",
                "Leeds Trusts",
                "2024-03-01",
                "HR-1",
            ),
            id(
                RecordKind::Finding,
                "SUBJ-1",
                "Leeds Trust",
                "2024-03-02",
                "HR-1",
            ),
            id(
                RecordKind::Finding,
                "SUBJ-1",
                "Leeds Trust",
                "2024-03-01",
                "HR-2",
            ),
            // The separator keeps fields apart: "ab" + "c" is not "a" + "bc".
            id(
                RecordKind::Finding,
                "SUBJ-1L",
                "eeds Trust",
                "2024-03-01",
                "HR-1",
            ),
        ] {
            assert_ne!(base.as_str()[2..], other.as_str()[2..], "{other}");
        }
    }
}
