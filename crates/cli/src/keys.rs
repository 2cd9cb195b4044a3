//! The key commands: `keygen` (an issuing key pair), `root keygen` (the root key pair that signs
//! the trust list), each as files or inside a PKCS#11 token, and `key show` (the public JWK and
//! thumbprint of a key).

use std::ffi::OsStr;
use std::path::Path;

use goodstanding_issuer::keys::thumbprint;
use goodstanding_issuer::{
    IssuingKey, KeyLocation, TokenUri, load_issuing_key, token_public_jwk, write_key_pair,
    write_public_key,
};
use goodstanding_verifier::KeyId;

use crate::error::CliError;
use crate::io::outln;
use crate::shared::{TokenArgs, key_error, parse_kid};

/// What a new key pair is, and what to tell the user about each half.
pub struct KeyKind {
    label: &'static str,
    private: &'static str,
    public: &'static str,
    root: bool,
}

/// An issuing key.
pub const ISSUING: KeyKind = KeyKind {
    label: "kid",
    private: "mode 0600: keep it secret; never share it",
    public: "give this to verifiers",
    root: false,
};

/// The root key.
pub const ROOT: KeyKind = KeyKind {
    label: "root kid",
    private: "mode 0600: keep it offline; it signs only trust lists",
    public: "verifiers pin this: their trust folder's roots/",
    root: true,
};

/// Where a new key pair goes and what it is called.
pub struct KeygenRequest<'a> {
    /// The folder for the files.
    pub out: &'a Path,
    /// `--kid`.
    pub kid: Option<String>,
    /// `--force`: replace existing files (never a key in a token).
    pub force: bool,
    /// `--pkcs11 URI`: make the pair in this token.
    pub pkcs11: Option<&'a str>,
    /// The module and PIN of the token.
    pub token: &'a TokenArgs,
}

/// `goodstanding keygen` and `goodstanding root keygen`.
pub fn keygen(request: &KeygenRequest<'_>, kind: &KeyKind) -> Result<(), CliError> {
    let kid = parse_kid(request.kid.clone())?;
    if let Some(uri) = request.pkcs11 {
        return keygen_in_token(request, uri, kid, kind);
    }
    let key = if kind.root {
        IssuingKey::generate_root(kid)
    } else {
        IssuingKey::generate(kid)
    }
    .map_err(key_error)?;
    let (private, public) = write_key_pair(&key, request.out, request.force).map_err(key_error)?;
    outln!("{:<12} {}", kind.label, key.kid());
    outln!("private key  {}  ({})", private.display(), kind.private);
    outln!("public key   {}  ({})", public.display(), kind.public);
    Ok(())
}

fn keygen_in_token(
    request: &KeygenRequest<'_>,
    uri: &str,
    kid: Option<KeyId>,
    kind: &KeyKind,
) -> Result<(), CliError> {
    // The text is not repeated: a URI may hold a PIN, which is never printed.
    let uri = TokenUri::parse(uri).map_err(|e| CliError::Input(format!("--pkcs11: {e}")))?;
    let Some(label) = uri.object.clone() else {
        return Err(CliError::Input(format!(
            "--pkcs11 {uri}: name the new key with object=LABEL"
        )));
    };
    let kid = match kid {
        Some(kid) => kid,
        None => KeyId::new(label.clone()).map_err(|e| {
            CliError::Input(format!(
                "--pkcs11 {uri}: the label {label:?} cannot be the key id ({e}); give --kid"
            ))
        })?,
    };
    // The public key file is checked first, so that a refusal leaves the token untouched.
    let public = request.out.join(format!("{kid}.pub.jwk"));
    if public.exists() && !request.force {
        return Err(key_error(goodstanding_issuer::KeyError::Exists(public)));
    }
    let module = request.token.module(&uri)?;
    let pin = request.token.pin(&uri)?;
    let key = IssuingKey::generate_in_token(&module, &uri, pin.as_ref(), kid).map_err(key_error)?;
    let public = write_public_key(&key, request.out, request.force).map_err(key_error)?;
    outln!("{:<12} {}", kind.label, key.kid());
    outln!(
        "private key  {uri}  (made in the token: sensitive, never extractable; it never leaves it)"
    );
    outln!("public key   {}  ({})", public.display(), kind.public);
    Ok(())
}

/// `goodstanding key show KEY`: the public JWK and RFC 7638 thumbprint of a key file or of a
/// key in a token (read without a PIN).
pub fn show(key: &OsStr, token: &TokenArgs) -> Result<(), CliError> {
    let location = KeyLocation::parse(key).map_err(|e| CliError::Input(e.to_string()))?;
    let (jwk, whence) = match &location {
        KeyLocation::File(path) => (
            load_issuing_key(path, None)
                .map_err(key_error)?
                .public_jwk(),
            format!("file {}", path.display()),
        ),
        KeyLocation::Token(uri) => {
            let module = token.module(uri)?;
            let (jwk, label) = token_public_jwk(&module, uri).map_err(key_error)?;
            (jwk, format!("token {label:?}, {uri}"))
        }
    };
    outln!("kid          {}", jwk.kid);
    outln!("thumbprint   {}  (RFC 7638, SHA-256)", thumbprint(&jwk.key));
    outln!("where        {whence}");
    outln!("{}", jwk.to_json());
    Ok(())
}
