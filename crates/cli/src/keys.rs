//! The key commands: `keygen` (an issuing key pair), `root keygen` (the root key pair that signs
//! the trust list), each as files or inside a PKCS#11 token, and `key show` (the public JWK and
//! thumbprint of a key).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use goodstanding_issuer::keys::thumbprint;
use goodstanding_issuer::{
    IssuingKey, KeyLocation, TokenUri, load_issuing_key, token_public_jwk, write_key_pair,
    write_public_key,
};
use goodstanding_verifier::KeyId;

use crate::error::CliError;
use crate::io::outln;
use crate::shared::{TokenArgs, key_error, parse_kid};

/// Where a new key pair goes and what it is called.
#[derive(clap::Args)]
pub struct KeygenArgs {
    /// Folder to write the key pair into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Key id; defaults to gs- (root keys: gs-root-) and 16 characters of the key's RFC 7638
    /// thumbprint (with --pkcs11: the label).
    #[arg(long, value_name = "KID")]
    pub kid: Option<String>,
    /// Replace an existing key pair of the same kid (with --pkcs11: the .pub.jwk file only; a
    /// key in a token is never replaced). For `root keygen`: also make a root key in a folder
    /// that already holds one (a spare root, on purpose; refused otherwise).
    #[arg(long)]
    pub force: bool,
    /// Generate the pair inside this PKCS#11 token (RFC 7512 URI naming the token and the new
    /// key's label, e.g. 'pkcs11:token=goodstanding;object=nhs-gs-2027-1'): Ed25519
    /// (CKM_EC_EDWARDS_KEY_PAIR_GEN), private key sensitive and never extractable. The kid is
    /// --kid, else the label.
    #[arg(long, value_name = "pkcs11:URI")]
    pub pkcs11: Option<String>,
    #[command(flatten)]
    pub token: crate::shared::TokenArgs,
}

impl KeygenArgs {
    pub fn request(&self) -> KeygenRequest<'_> {
        KeygenRequest {
            out: &self.out,
            kid: self.kid.clone(),
            force: self.force,
            pkcs11: self.pkcs11.as_deref(),
            token: &self.token,
        }
    }
}

/// The subcommands of `goodstanding key`.
#[derive(clap::Subcommand)]
pub enum KeyCommand {
    /// Print the public JWK, key id and RFC 7638 thumbprint of a key in a PKCS#11 token
    /// (pkcs11: URI; no PIN needed) or of a private key file.
    Show {
        /// A pkcs11: URI (RFC 7512), e.g. 'pkcs11:token=goodstanding;object=nhs-gs-2027-1', or a
        /// .key.pem file.
        #[arg(value_name = "pkcs11:URI|KEY.pem")]
        key: std::ffi::OsString,
        #[command(flatten)]
        token: crate::shared::TokenArgs,
    },
}

/// The subcommands of `goodstanding root`.
#[derive(clap::Subcommand)]
pub enum RootCommand {
    /// Generate the root key pair: DIR/<kid>.key.pem (mode 0600; keep it offline) and
    /// DIR/<kid>.pub.jwk (verifiers pin it). With --pkcs11 the pair is made inside a PKCS#11
    /// token and only DIR/<kid>.pub.jwk is written.
    Keygen {
        #[command(flatten)]
        key: KeygenArgs,
    },
    /// Hand trust over from the current root key to a new one (made with `root keygen`), as
    /// TUF does: a statement signed by both is added to root-handovers.json beside the trust
    /// list, and the trust list is signed again by the new root. `publish` puts both on the
    /// site; `trust update` follows the chain from the root a verifier pinned and pins the new
    /// one. Do it while the old root is safe: a chain signed by a stolen root proves nothing.
    Rotate {
        #[command(flatten)]
        list: crate::trust::TrustListArgs,
        /// The new root key: a PKCS#8 PEM file (mode 0600) that `root keygen` made, or a key in
        /// a PKCS#11 token as a pkcs11: URI.
        #[arg(long = "new-root-key", value_name = "NEW.key.pem|pkcs11:URI")]
        new_root_key: std::ffi::OsString,
    },
}

/// `goodstanding key ...`.
pub fn key(command: &KeyCommand) -> Result<(), CliError> {
    match command {
        KeyCommand::Show { key, token } => show(key, token),
    }
}

/// `goodstanding root ...`.
pub fn root(command: &RootCommand) -> Result<(), CliError> {
    match command {
        RootCommand::Keygen { key } => keygen(&key.request(), &ROOT),
        RootCommand::Rotate { list, new_root_key } => crate::trust::rotate_root(list, new_root_key),
    }
}

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

/// The key files (`*.key.pem`, `*.pub.jwk`) already in `dir`, sorted; none if it is missing.
fn key_files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(".key.pem") || name.ends_with(".pub.jwk"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// `goodstanding keygen` and `goodstanding root keygen`. A second root key is made only on
/// purpose (`--force`): every verifier pins the root, and a folder of two roots makes "the root
/// key" ambiguous.
pub fn keygen(request: &KeygenRequest<'_>, kind: &KeyKind) -> Result<(), CliError> {
    if kind.root && !request.force {
        let existing = key_files_in(request.out);
        if !existing.is_empty() {
            return Err(CliError::Input(format!(
                "{} already holds a root key ({}): every verifier pins it and it signs your \
                 trust list, so use it (give its file to --root-key). A second root is made \
                 only on purpose, as a spare that employers pin beside the first (see the \
                 README, \"The key ceremony\"): then give --force, or another --out folder",
                request.out.display(),
                existing.join(", ")
            )));
        }
    }
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
