//! The key commands: `keygen` (an issuing key pair) and `root keygen` (the root key pair that
//! signs the trust list).

use std::path::Path;

use goodstanding_issuer::{IssuingKey, write_key_pair};

use crate::error::CliError;
use crate::io::outln;
use crate::shared::{key_error, parse_kid};

/// What to tell the user about a new key pair.
struct KeyNotes {
    label: &'static str,
    private: &'static str,
    public: &'static str,
}

/// Writes the pair into `out` and says where each half went and what it is for.
fn write_and_report(
    key: &IssuingKey,
    out: &Path,
    force: bool,
    notes: &KeyNotes,
) -> Result<(), CliError> {
    let (private, public) = write_key_pair(key, out, force).map_err(key_error)?;
    outln!("{:<12} {}", notes.label, key.kid());
    outln!("private key  {}  ({})", private.display(), notes.private);
    outln!("public key   {}  ({})", public.display(), notes.public);
    Ok(())
}

/// `goodstanding keygen`.
pub fn keygen(out: &Path, kid: Option<String>, force: bool) -> Result<(), CliError> {
    let key = IssuingKey::generate(parse_kid(kid)?).map_err(key_error)?;
    write_and_report(
        &key,
        out,
        force,
        &KeyNotes {
            label: "kid",
            private: "mode 0600: keep it secret; never share it",
            public: "give this to verifiers",
        },
    )
}

/// `goodstanding root keygen`.
pub fn root_keygen(out: &Path, kid: Option<String>, force: bool) -> Result<(), CliError> {
    let key = IssuingKey::generate_root(parse_kid(kid)?).map_err(key_error)?;
    write_and_report(
        &key,
        out,
        force,
        &KeyNotes {
            label: "root kid",
            private: "mode 0600: keep it offline; it signs only trust lists",
            public: "verifiers pin this: their trust folder's roots/",
        },
    )
}
