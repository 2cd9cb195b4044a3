//! Signing `c2sp.org/signed-note` notes and `c2sp.org/tlog-cosignature` cosignatures with an
//! issuing-style key (a key file or a key in a PKCS#11 token), for the transparency log of
//! issue 25: the log signs its checkpoints, a witness cosigns them. The verifier side is
//! [`goodstanding_verifier::note`].

use goodstanding_verifier::note::{
    CosignerKey, NoteError, VerifierKey, cosignature_bytes, cosigned_message, signature_line,
};

use crate::keys::{IssuingKey, SignError};

/// Why a note could not be signed.
#[derive(Debug)]
pub enum NoteSignError {
    /// The key name is not one a note may carry.
    Name(NoteError),
    /// The text does not end in a newline, or holds a blank line or a control character.
    Text,
    /// The key failed to sign.
    Signing(SignError),
}

impl std::fmt::Display for NoteSignError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Name(e) => e.fmt(f),
            Self::Text => f.write_str(
                "a note's text ends in a newline and holds no blank line or control character",
            ),
            Self::Signing(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for NoteSignError {}

/// Checks what a note's text must be.
fn check_text(text: &str) -> Result<(), NoteSignError> {
    let ok = text.ends_with('\n')
        && !text.contains("\n\n")
        && !text.chars().any(|c| c.is_ascii_control() && c != '\n');
    if ok { Ok(()) } else { Err(NoteSignError::Text) }
}

/// `text` signed by `key` under the key name `name`: the whole signed note.
pub fn sign_note(text: &str, name: &str, key: &IssuingKey) -> Result<String, NoteSignError> {
    check_text(text)?;
    let verifier = VerifierKey::new(name, key.public_jwk().key).map_err(NoteSignError::Name)?;
    let signature = key.sign(text.as_bytes()).map_err(NoteSignError::Signing)?;
    Ok(format!(
        "{text}\n{}",
        signature_line(name, verifier.id, &signature)
    ))
}

/// The cosignature line of witness `name` (key `key`) for the checkpoint `text` at `time`
/// (POSIX seconds), to append to the checkpoint's note.
pub fn cosign(
    text: &str,
    name: &str,
    key: &IssuingKey,
    time: u64,
) -> Result<String, NoteSignError> {
    check_text(text)?;
    let cosigner = CosignerKey::new(name, key.public_jwk().key).map_err(NoteSignError::Name)?;
    let signature = key
        .sign(cosigned_message(text, time).as_bytes())
        .map_err(NoteSignError::Signing)?;
    Ok(signature_line(
        name,
        cosigner.id,
        &cosignature_bytes(time, &signature),
    ))
}

#[cfg(test)]
mod tests {
    use goodstanding_verifier::note::Note;

    use super::*;

    #[test]
    fn a_signed_note_and_a_cosignature_verify_with_the_verifier() {
        let log = IssuingKey::generate(None).unwrap();
        let witness = IssuingKey::generate(None).unwrap();
        let text = "log.example.org/test\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
        let mut note = sign_note(text, "log.example.org/test", &log).unwrap();
        note.push_str(&cosign(text, "w.example.org", &witness, 1_790_000_000).unwrap());
        let parsed = Note::parse(note.as_bytes()).unwrap();
        let log_key = VerifierKey::new("log.example.org/test", log.public_jwk().key).unwrap();
        assert_eq!(parsed.verify(&[log_key]).unwrap(), ["log.example.org/test"]);
        let witness_key = CosignerKey::new("w.example.org", witness.public_jwk().key).unwrap();
        assert_eq!(
            parsed.cosigned_by(&[witness_key]).unwrap(),
            [("w.example.org".to_string(), 1_790_000_000)]
        );
        assert!(matches!(
            sign_note("no newline", "log.example.org/test", &log),
            Err(NoteSignError::Text)
        ));
        assert!(matches!(
            sign_note(text, "a name", &log),
            Err(NoteSignError::Name(_))
        ));
    }
}
