//! The key commands: `keygen` (an issuing key pair) and `root keygen` (the root key pair that
//! signs the trust list).

use std::path::Path;

use goodstanding_issuer::{IssuingKey, write_key_pair};

use crate::error::CliError;
use crate::io::outln;
use crate::shared::{key_error, parse_kid};

/// `goodstanding keygen`.
pub fn keygen(out: &Path, kid: Option<String>, force: bool) -> Result<(), CliError> {
    let key = IssuingKey::generate(parse_kid(kid)?).map_err(key_error)?;
    let (private, public) = write_key_pair(&key, out, force).map_err(key_error)?;
    outln!("kid          {}", key.kid());
    outln!(
        "private key  {}  (mode 0600: keep it secret; never share it)",
        private.display()
    );
    outln!(
        "public key   {}  (give this to verifiers)",
        public.display()
    );
    Ok(())
}

/// `goodstanding root keygen`.
pub fn root_keygen(out: &Path, kid: Option<String>, force: bool) -> Result<(), CliError> {
    let key = IssuingKey::generate_root(parse_kid(kid)?).map_err(key_error)?;
    let (private, public) = write_key_pair(&key, out, force).map_err(key_error)?;
    outln!("root kid     {}", key.kid());
    outln!(
        "private key  {}  (mode 0600: keep it offline; it signs only trust lists)",
        private.display()
    );
    outln!(
        "public key   {}  (verifiers pin this: their trust folder's roots/)",
        public.display()
    );
    Ok(())
}
