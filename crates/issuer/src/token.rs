//! Keys in a PKCS#11 token (a hardware security module, a smart card, SoftHSM2): finding the
//! token and the key a [`TokenUri`] names, logging in, generating an Ed25519 key pair on the
//! token, and signing with it (`CKM_EDDSA`). The private key never leaves the token.
//!
//! ```text
//! module (.so) -> slot whose token matches the URI -> C_Login (PIN) -> private key (object/id)
//!      -> public key beside it (CKA_EC_POINT: the 32 bytes of the Ed25519 key)
//!      -> sign: C_Sign(CKM_EDDSA) on a session from a pool, checked with verify_strict
//! ```
//!
//! A module is loaded and initialised once per process and shared by every key from it; the
//! login holds for every session the process opens on that token.

mod error;

pub use error::TokenError;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::{Slot, TokenInfo};
use cryptoki::types::AuthPin;
use ed25519_dalek::VerifyingKey;

use crate::token_uri::TokenUri;

/// A token's PIN, zeroized when dropped.
pub type Pin = AuthPin;

/// Environment variable naming the PKCS#11 module when neither the command line nor the URI
/// does.
pub const PKCS11_MODULE_ENV: &str = "GOODSTANDING_PKCS11_MODULE";
/// Environment variable holding a token's user PIN.
pub const PKCS11_PIN_ENV: &str = "GOODSTANDING_PKCS11_PIN";
/// Longest PIN file read.
const MAX_PIN_FILE_LEN: u64 = 1024;

/// Reads a PIN file: refused if group or others may read it; one line, its line end dropped.
/// The error says what is wrong with the file, without its path.
pub fn read_pin_file(path: &Path) -> Result<Pin, String> {
    use std::io::Read as _;
    use std::os::unix::fs::PermissionsExt as _;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mode = file
        .metadata()
        .map_err(|e| e.to_string())?
        .permissions()
        .mode()
        & 0o777;
    if mode & 0o077 != 0 {
        return Err(format!(
            "the PIN file is readable by others (mode {mode:04o}); run `chmod 600 {}` and \
             consider the PIN exposed if others had access",
            path.display()
        ));
    }
    let mut text = zeroize::Zeroizing::new(String::new());
    file.take(MAX_PIN_FILE_LEN)
        .read_to_string(&mut text)
        .map_err(|e| format!("not a PIN file: {e}"))?;
    let pin = text.trim_end_matches(['\r', '\n']);
    if pin.is_empty() || pin.contains('\n') {
        return Err("a PIN file holds the PIN alone, on one line".into());
    }
    Ok(Pin::from(pin.to_string()))
}

/// DER of the Ed25519 curve's OID (1.3.101.112), the `CKA_EC_PARAMS` of an Ed25519 key.
const ED25519_OID: [u8; 5] = [0x06, 0x03, 0x2B, 0x65, 0x70];
/// DER PrintableString "edwards25519", the other `CKA_EC_PARAMS` PKCS#11 3.0 allows.
const ED25519_NAME: &[u8] = b"\x13\x0cedwards25519";

/// The PKCS#11 return code of an error, where it has one.
fn return_code(error: &CkError) -> Option<RvError> {
    match error {
        CkError::Pkcs11(rv, _) => Some(*rv),
        _ => None,
    }
}

fn call<'a>(token: &'a str, function: &'static str) -> impl Fn(CkError) -> TokenError + 'a {
    move |error| TokenError::Call {
        token: token.to_string(),
        function,
        reason: match &error {
            CkError::Pkcs11(rv, _) => format!("{rv:?} ({})", ck_name(*rv)),
            other => other.to_string(),
        },
        gone: matches!(
            return_code(&error),
            Some(
                RvError::UserNotLoggedIn
                    | RvError::SessionClosed
                    | RvError::SessionHandleInvalid
                    | RvError::DeviceRemoved
                    | RvError::DeviceError
                    | RvError::TokenNotPresent
                    | RvError::PinLocked
                    | RvError::PinExpired
                    | RvError::ObjectHandleInvalid
                    | RvError::KeyHandleInvalid
            )
        ),
    }
}

/// Loads the module, finds the one token the URI names and checks it offers `mechanisms`.
fn reach(
    module: &Path,
    uri: &TokenUri,
    mechanisms: &[(MechanismType, &'static str)],
) -> Result<(Pkcs11, Slot, String), TokenError> {
    let pkcs11 = load_module(module)?;
    let (slot, token) = find_token(&pkcs11, uri)?;
    require_mechanisms(&pkcs11, slot, &token, mechanisms)?;
    Ok((pkcs11, slot, token))
}

/// The `CKR_` name of a return code, as vendors' manuals give it.
fn ck_name(rv: RvError) -> String {
    let camel = format!("{rv:?}");
    let mut out = String::from("CKR");
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// Loaded modules: each is loaded and `C_Initialize`d once per process.
static MODULES: OnceLock<Mutex<Vec<(PathBuf, Pkcs11)>>> = OnceLock::new();

fn load_module(path: &Path) -> Result<Pkcs11, TokenError> {
    let modules = MODULES.get_or_init(|| Mutex::new(Vec::new()));
    let mut modules = modules.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, pkcs11)) = modules.iter().find(|(p, _)| p == path) {
        return Ok(pkcs11.clone());
    }
    let failed = |reason: String| TokenError::Module {
        path: path.to_path_buf(),
        reason,
    };
    if !path.is_file() {
        return Err(failed("no such file".into()));
    }
    let pkcs11 = Pkcs11::new(path).map_err(|e| failed(e.to_string()))?;
    match pkcs11.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) => {}
        Err(e) if return_code(&e) == Some(RvError::CryptokiAlreadyInitialized) => {}
        Err(e) => return Err(failed(format!("C_Initialize: {e}"))),
    }
    modules.push((path.to_path_buf(), pkcs11.clone()));
    Ok(pkcs11)
}

/// A token as the messages name it: label, model and serial.
fn describe_token(info: &TokenInfo) -> String {
    format!(
        "{:?} ({} {}, serial {})",
        info.label().trim(),
        info.manufacturer_id().trim(),
        info.model().trim(),
        info.serial_number().trim()
    )
}

fn token_matches(uri: &TokenUri, pkcs11: &Pkcs11, slot: Slot, info: &TokenInfo) -> bool {
    let same = |want: &Option<String>, have: &str| want.as_ref().is_none_or(|w| w == have.trim());
    let slot_info = pkcs11.get_slot_info(slot).ok();
    same(&uri.token, info.label())
        && same(&uri.manufacturer, info.manufacturer_id())
        && same(&uri.serial, info.serial_number())
        && same(&uri.model, info.model())
        && uri.slot_id.is_none_or(|id| id == slot.id())
        && slot_info.as_ref().is_none_or(|s| {
            same(&uri.slot_description, s.slot_description())
                && same(&uri.slot_manufacturer, s.manufacturer_id())
        })
}

/// Finds the one slot whose token the URI names (by label, serial…, not by slot number, which
/// some tokens change when initialised).
fn find_token(pkcs11: &Pkcs11, uri: &TokenUri) -> Result<(Slot, String), TokenError> {
    let slots = pkcs11
        .get_slots_with_token()
        .map_err(call("", "C_GetSlotList"))?;
    let mut seen = Vec::new();
    let mut matching = Vec::new();
    for slot in slots {
        let Ok(info) = pkcs11.get_token_info(slot) else {
            continue;
        };
        if !info.token_initialized() {
            continue;
        }
        seen.push(describe_token(&info));
        if token_matches(uri, pkcs11, slot, &info) {
            matching.push((slot, info.label().trim().to_string(), describe_token(&info)));
        }
    }
    match matching.len() {
        0 => Err(TokenError::TokenNotFound {
            uri: uri.to_string(),
            seen,
        }),
        1 => {
            let (slot, label, _) = matching.remove(0);
            Ok((slot, label))
        }
        _ => Err(TokenError::TokenAmbiguous {
            uri: uri.to_string(),
            matching: matching.into_iter().map(|m| m.2).collect(),
        }),
    }
}

/// Logs the process in as the token's user. Already logged in (every session after the first)
/// is success.
fn login(
    pkcs11: &Pkcs11,
    slot: Slot,
    token: &str,
    session: &Session,
    pin: Option<&Pin>,
) -> Result<(), TokenError> {
    let info = pkcs11
        .get_token_info(slot)
        .map_err(call(token, "C_GetTokenInfo"))?;
    if info.user_pin_locked() {
        return Err(TokenError::PinLocked {
            token: token.to_string(),
        });
    }
    if pin.is_none() && !info.protected_authentication_path() {
        return Err(TokenError::PinRequired {
            token: token.to_string(),
        });
    }
    match session.login(UserType::User, pin) {
        Ok(()) => Ok(()),
        Err(e) if return_code(&e) == Some(RvError::UserAlreadyLoggedIn) => Ok(()),
        Err(e) if return_code(&e) == Some(RvError::PinIncorrect) => {
            let after = pkcs11.get_token_info(slot).ok();
            let tries = match after {
                Some(i) if i.user_pin_locked() => {
                    return Err(TokenError::PinLocked {
                        token: token.to_string(),
                    });
                }
                Some(i) if i.user_pin_final_try() => "the token says one try is left",
                Some(i) if i.user_pin_count_low() => "the token says few tries are left",
                _ => "the token does not say how many tries are left",
            };
            Err(TokenError::PinIncorrect {
                token: token.to_string(),
                tries,
            })
        }
        Err(e) if return_code(&e) == Some(RvError::PinLocked) => Err(TokenError::PinLocked {
            token: token.to_string(),
        }),
        Err(e) => Err(call(token, "C_Login")(e)),
    }
}

fn require_mechanisms(
    pkcs11: &Pkcs11,
    slot: Slot,
    token: &str,
    needed: &[(MechanismType, &'static str)],
) -> Result<(), TokenError> {
    let offered = pkcs11
        .get_mechanism_list(slot)
        .map_err(call(token, "C_GetMechanismList"))?;
    for (mechanism, name) in needed {
        if !offered.contains(mechanism) {
            return Err(TokenError::MechanismUnsupported {
                token: token.to_string(),
                mechanism: name,
            });
        }
    }
    Ok(())
}

/// The search template for the key the URI names.
fn key_template(uri: &TokenUri, class: ObjectClass) -> Vec<Attribute> {
    let mut template = vec![Attribute::Class(class)];
    if let Some(label) = &uri.object {
        template.push(Attribute::Label(label.as_bytes().to_vec()));
    }
    if let Some(id) = &uri.id {
        template.push(Attribute::Id(id.clone()));
    }
    template
}

fn labels_of(session: &Session, class: ObjectClass) -> Vec<String> {
    let Ok(handles) = session.find_objects(&[Attribute::Class(class)]) else {
        return Vec::new();
    };
    let mut labels: Vec<String> = handles
        .into_iter()
        .filter_map(
            |h| match session.get_attributes(h, &[AttributeType::Label]) {
                Ok(attributes) => attributes.into_iter().find_map(|a| match a {
                    Attribute::Label(l) => Some(format!("{:?}", String::from_utf8_lossy(&l))),
                    _ => None,
                }),
                Err(_) => None,
            },
        )
        .collect();
    labels.sort();
    labels
}

/// Why an `(key type, EC params)` pair is not Ed25519, if it is not.
fn not_ed25519(key_type: Option<KeyType>, params: Option<&[u8]>) -> Option<String> {
    match key_type {
        Some(t) if t == KeyType::EC_EDWARDS => match params {
            Some(p) if p == ED25519_OID || p == ED25519_NAME => None,
            _ => Some("an Edwards-curve key on another curve (Ed448?)".into()),
        },
        Some(t) if t == KeyType::EC => Some("an ECDSA (EC) key".into()),
        Some(t) if t == KeyType::RSA => Some("an RSA key".into()),
        Some(t) => Some(format!("a key of type {t}")),
        None => Some("a key of unknown type".into()),
    }
}

/// What is read of a key object to check and name it.
#[derive(Default)]
struct KeyAttributes {
    key_type: Option<KeyType>,
    params: Option<Vec<u8>>,
    label: Vec<u8>,
    id: Vec<u8>,
}

/// The key type, EC params, label and id of an object.
fn key_attributes(
    session: &Session,
    token: &str,
    handle: ObjectHandle,
) -> Result<KeyAttributes, TokenError> {
    let attributes = session
        .get_attributes(
            handle,
            &[
                AttributeType::KeyType,
                AttributeType::EcParams,
                AttributeType::Label,
                AttributeType::Id,
            ],
        )
        .map_err(call(token, "C_GetAttributeValue"))?;
    let mut found = KeyAttributes::default();
    for attribute in attributes {
        match attribute {
            Attribute::KeyType(t) => found.key_type = Some(t),
            Attribute::EcParams(p) => found.params = Some(p),
            Attribute::Label(l) => found.label = l,
            Attribute::Id(i) => found.id = i,
            _ => {}
        }
    }
    Ok(found)
}

/// The one key of `class` the URI names, checked to be Ed25519, with its attributes.
fn find_ed25519_key(
    session: &Session,
    token: &str,
    uri: &TokenUri,
    class: ObjectClass,
) -> Result<(ObjectHandle, KeyAttributes), TokenError> {
    let handles = session
        .find_objects(&key_template(uri, class))
        .map_err(call(token, "C_FindObjects"))?;
    let handle = match handles.as_slice() {
        [one] => *one,
        [] => {
            return Err(TokenError::ObjectNotFound {
                uri: uri.to_string(),
                token: token.to_string(),
                kind: if class == ObjectClass::PUBLIC_KEY {
                    "public key"
                } else {
                    "private key"
                },
                seen: labels_of(session, class),
            });
        }
        more => {
            return Err(TokenError::ObjectAmbiguous {
                uri: uri.to_string(),
                count: more.len(),
            });
        }
    };
    let attributes = key_attributes(session, token, handle)?;
    if let Some(found) = not_ed25519(attributes.key_type, attributes.params.as_deref()) {
        return Err(TokenError::NotEd25519 {
            uri: uri.to_string(),
            found,
        });
    }
    Ok((handle, attributes))
}

/// The 32-byte Ed25519 public key from `CKA_EC_POINT`: a DER OCTET STRING (`04 20` + 32 bytes),
/// or the 32 bytes bare, as some tokens give it.
fn ed25519_point(point: &[u8]) -> Option<VerifyingKey> {
    let raw: &[u8; 32] = match point {
        [0x04, 0x20, rest @ ..] if rest.len() == 32 => rest.try_into().ok()?,
        bare if bare.len() == 32 => bare.try_into().ok()?,
        _ => return None,
    };
    VerifyingKey::from_bytes(raw).ok()
}

/// Reads the public key of the pair: the public key object with the same id (else label).
fn public_key(
    session: &Session,
    token: &str,
    uri: &TokenUri,
    label: &[u8],
    id: &[u8],
) -> Result<VerifyingKey, TokenError> {
    let mut template = vec![Attribute::Class(ObjectClass::PUBLIC_KEY)];
    if !id.is_empty() {
        template.push(Attribute::Id(id.to_vec()));
    } else {
        template.push(Attribute::Label(label.to_vec()));
    }
    let handles = session
        .find_objects(&template)
        .map_err(call(token, "C_FindObjects"))?;
    let no_key = || TokenError::NoPublicKey {
        uri: uri.to_string(),
    };
    let handle = *handles.first().ok_or_else(no_key)?;
    let attributes = session
        .get_attributes(handle, &[AttributeType::EcPoint])
        .map_err(call(token, "C_GetAttributeValue"))?;
    attributes
        .into_iter()
        .find_map(|a| match a {
            Attribute::EcPoint(p) => ed25519_point(&p),
            _ => None,
        })
        .ok_or_else(no_key)
}

/// An Ed25519 private key in a token, opened and logged in, ready to sign.
pub struct TokenKey {
    pkcs11: Pkcs11,
    slot: Slot,
    token: String,
    handle: ObjectHandle,
    public: VerifyingKey,
    label: String,
    id: Vec<u8>,
    /// Sessions not in use; a signer takes one (or opens one) and puts it back.
    idle: Mutex<Vec<Session>>,
}

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenKey")
            .field("token", &self.token)
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

impl TokenKey {
    /// Opens the Ed25519 private key the URI names, logging in with `pin`.
    pub fn open(module: &Path, uri: &TokenUri, pin: Option<&Pin>) -> Result<Self, TokenError> {
        let (pkcs11, slot, token) = reach(module, uri, &[(MechanismType::EDDSA, "CKM_EDDSA")])?;
        let session = pkcs11
            .open_ro_session(slot)
            .map_err(call(&token, "C_OpenSession"))?;
        login(&pkcs11, slot, &token, &session, pin)?;
        let (handle, KeyAttributes { label, id, .. }) =
            find_ed25519_key(&session, &token, uri, ObjectClass::PRIVATE_KEY)?;
        let public = public_key(&session, &token, uri, &label, &id)?;
        Ok(Self {
            pkcs11,
            slot,
            token,
            handle,
            public,
            label: String::from_utf8_lossy(&label).into_owned(),
            id,
            idle: Mutex::new(vec![session]),
        })
    }

    /// Generates an Ed25519 key pair on the token (`CKM_EC_EDWARDS_KEY_PAIR_GEN`), labelled with
    /// the URI's `object` and with `CKA_ID` the URI's `id`, else `id`. The private key is
    /// sensitive and not extractable: it never leaves the token.
    pub fn generate(
        module: &Path,
        uri: &TokenUri,
        pin: Option<&Pin>,
        id: &[u8],
    ) -> Result<Self, TokenError> {
        let (pkcs11, slot, token) = reach(
            module,
            uri,
            &[
                (
                    MechanismType::ECC_EDWARDS_KEY_PAIR_GEN,
                    "CKM_EC_EDWARDS_KEY_PAIR_GEN",
                ),
                (MechanismType::EDDSA, "CKM_EDDSA"),
            ],
        )?;
        let session = pkcs11
            .open_rw_session(slot)
            .map_err(call(&token, "C_OpenSession"))?;
        login(&pkcs11, slot, &token, &session, pin)?;
        for class in [ObjectClass::PRIVATE_KEY, ObjectClass::PUBLIC_KEY] {
            let existing = session
                .find_objects(&key_template(uri, class))
                .map_err(call(&token, "C_FindObjects"))?;
            if !existing.is_empty() {
                return Err(TokenError::ObjectExists {
                    uri: uri.to_string(),
                });
            }
        }
        let label = uri.object.clone().unwrap_or_default().into_bytes();
        let id = uri.id.clone().unwrap_or_else(|| id.to_vec());
        let public_template = [
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Verify(true),
            Attribute::EcParams(ED25519_OID.to_vec()),
            Attribute::Label(label.clone()),
            Attribute::Id(id.clone()),
        ];
        let private_template = [
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
            // Signing only: no decrypting, unwrapping or deriving with it.
            Attribute::Decrypt(false),
            Attribute::Unwrap(false),
            Attribute::Derive(false),
            Attribute::Label(label),
            Attribute::Id(id.clone()),
        ];
        session
            .generate_key_pair(
                &Mechanism::EccEdwardsKeyPairGen,
                &public_template,
                &private_template,
            )
            .map_err(call(&token, "C_GenerateKeyPair"))?;
        drop(session);
        let mut made = uri.clone();
        made.id = Some(id);
        Self::open(module, &made, pin)
    }

    /// The public key.
    pub fn public_key(&self) -> VerifyingKey {
        self.public
    }

    /// The key's label on the token (`CKA_LABEL`).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The key's `CKA_ID`.
    pub fn id(&self) -> &[u8] {
        &self.id
    }

    /// The token's label.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Signs `message` on the token (`CKM_EDDSA`, one `C_Sign`), and checks the signature with
    /// the public key before returning it.
    pub fn sign(&self, message: &[u8]) -> Result<[u8; 64], TokenError> {
        let taken = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let session = match taken {
            Some(session) => session,
            None => self
                .pkcs11
                .open_ro_session(self.slot)
                .map_err(call(&self.token, "C_OpenSession"))?,
        };
        let mechanism = Mechanism::Eddsa(EddsaParams::new(EddsaSignatureScheme::Pure));
        // A session that failed is dropped (closed), not put back.
        let signature = session
            .sign(&mechanism, self.handle, message)
            .map_err(call(&self.token, "C_Sign"))?;
        let bad = || TokenError::BadSignature {
            token: self.token.clone(),
        };
        let signature: [u8; 64] = signature.as_slice().try_into().map_err(|_| bad())?;
        self.public
            .verify_strict(message, &ed25519_dalek::Signature::from_bytes(&signature))
            .map_err(|_| bad())?;
        self.idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(session);
        Ok(signature)
    }
}

/// Reads the public key of the pair the URI names without logging in (public key objects are
/// readable without a PIN): for `key show`.
pub fn read_public_key(module: &Path, uri: &TokenUri) -> Result<TokenPublicKey, TokenError> {
    // Reading a public key needs no mechanism.
    let (pkcs11, slot, token) = reach(module, uri, &[])?;
    let session = pkcs11
        .open_ro_session(slot)
        .map_err(call(&token, "C_OpenSession"))?;
    let (_, KeyAttributes { label, id, .. }) =
        find_ed25519_key(&session, &token, uri, ObjectClass::PUBLIC_KEY)?;
    let key = public_key(&session, &token, uri, &label, &id)?;
    Ok(TokenPublicKey {
        key,
        label: String::from_utf8_lossy(&label).into_owned(),
        id,
        token,
    })
}

/// The public half of a token key pair, as `read_public_key` found it.
#[derive(Debug, Clone)]
pub struct TokenPublicKey {
    /// The Ed25519 public key.
    pub key: VerifyingKey,
    /// Its label.
    pub label: String,
    /// Its `CKA_ID`.
    pub id: Vec<u8>,
    /// The token's label.
    pub token: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ec_point_is_read_as_a_der_octet_string_or_bare() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
        let mut der = vec![0x04, 0x20];
        der.extend_from_slice(key.as_bytes());
        assert_eq!(ed25519_point(&der), Some(key));
        assert_eq!(ed25519_point(key.as_bytes()), Some(key));
        assert_eq!(ed25519_point(&der[..33]), None);
        assert_eq!(
            ck_name(RvError::UserAlreadyLoggedIn),
            "CKR_USER_ALREADY_LOGGED_IN"
        );
    }
}
