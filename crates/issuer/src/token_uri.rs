//! RFC 7512 PKCS#11 URIs: `pkcs11:token=goodstanding;object=nhs-gs-2027-1`, the way a key in a
//! token is named wherever a key file may be given.
//!
//! The path names the token (`token`, `manufacturer`, `serial`, `model`, `slot-id`,
//! `slot-description`, `slot-manufacturer`) and the key (`object` for its label, `id`, `type`);
//! the query may give `module-path` and `pin-source`. A `pin-value` is refused: a URI is typed on
//! a command line, where a PIN must never be.

use std::fmt;
use std::path::PathBuf;

/// The scheme that marks a PKCS#11 URI.
pub const PKCS11_SCHEME: &str = "pkcs11:";

/// A parsed PKCS#11 URI (RFC 7512).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenUri {
    /// `token`: the token's label.
    pub token: Option<String>,
    /// `manufacturer`: the token's manufacturer.
    pub manufacturer: Option<String>,
    /// `serial`: the token's serial number.
    pub serial: Option<String>,
    /// `model`: the token's model.
    pub model: Option<String>,
    /// `slot-id`: the slot number.
    pub slot_id: Option<u64>,
    /// `slot-description`.
    pub slot_description: Option<String>,
    /// `slot-manufacturer`.
    pub slot_manufacturer: Option<String>,
    /// `object`: the key's label (`CKA_LABEL`).
    pub object: Option<String>,
    /// `id`: the key's `CKA_ID` bytes.
    pub id: Option<Vec<u8>>,
    /// `type`: `private` or `public` (the key pair is used either way).
    pub object_type: Option<String>,
    /// `module-path`: the PKCS#11 module to load.
    pub module_path: Option<PathBuf>,
    /// `pin-source`: a file holding the PIN.
    pub pin_source: Option<PathBuf>,
}

/// Why a PKCS#11 URI could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UriError {
    /// It does not start with `pkcs11:`.
    NotPkcs11,
    /// An attribute has no `=`.
    NoValue(String),
    /// An attribute this tool does not know or does not support.
    Unsupported(String),
    /// An attribute given twice.
    Repeated(String),
    /// A value is not well-formed (bad percent-encoding, a slot id that is not a number).
    BadValue {
        /// The attribute.
        attribute: String,
        /// What is wrong.
        reason: String,
    },
    /// The URI carries a PIN (`pin-value`).
    PinInUri,
    /// The URI names no key (`object` or `id`).
    NoObject,
}

impl fmt::Display for UriError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotPkcs11 => f.write_str("not a PKCS#11 URI (it must start with pkcs11:)"),
            Self::NoValue(a) => write!(f, "the attribute {a:?} has no value (write name=value)"),
            Self::Unsupported(a) => write!(
                f,
                "the attribute {a:?} is not supported; use token, serial, manufacturer, model, \
                 slot-id, object, id or type, and module-path or pin-source after ?"
            ),
            Self::Repeated(a) => write!(f, "the attribute {a:?} is given twice"),
            Self::BadValue { attribute, reason } => write!(f, "{attribute}: {reason}"),
            Self::PinInUri => f.write_str(
                "the URI holds a PIN (pin-value), which would show on the command line and in \
                 the process list; remove it and give the PIN in GOODSTANDING_PKCS11_PIN, with \
                 --pin-file, or at the prompt",
            ),
            Self::NoObject => {
                f.write_str("the URI names no key: add object=LABEL (the key's label on the token)")
            }
        }
    }
}

impl std::error::Error for UriError {}

/// Whether `text` is a PKCS#11 URI rather than a file name.
pub fn is_pkcs11_uri(text: &str) -> bool {
    text.get(..PKCS11_SCHEME.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(PKCS11_SCHEME))
}

impl TokenUri {
    /// Parses a URI; it must name a key (`object` or `id`).
    pub fn parse(text: &str) -> Result<Self, UriError> {
        if !is_pkcs11_uri(text) {
            return Err(UriError::NotPkcs11);
        }
        let rest = &text[PKCS11_SCHEME.len()..];
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut uri = Self::default();
        for attribute in path.split(';').filter(|a| !a.is_empty()) {
            uri.set(attribute, false)?;
        }
        for attribute in query.split('&').filter(|a| !a.is_empty()) {
            uri.set(attribute, true)?;
        }
        if uri.object.is_none() && uri.id.is_none() {
            return Err(UriError::NoObject);
        }
        Ok(uri)
    }

    fn set(&mut self, attribute: &str, in_query: bool) -> Result<(), UriError> {
        let (name, raw) = attribute
            .split_once('=')
            .ok_or_else(|| UriError::NoValue(attribute.to_string()))?;
        let bad = |reason: String| UriError::BadValue {
            attribute: name.to_string(),
            reason,
        };
        let bytes = percent_decode(raw).map_err(bad)?;
        let text =
            || String::from_utf8(bytes.clone()).map_err(|_| bad("is not UTF-8 text".to_string()));
        fn put<T>(slot: &mut Option<T>, name: &str, value: T) -> Result<(), UriError> {
            if slot.is_some() {
                return Err(UriError::Repeated(name.to_string()));
            }
            *slot = Some(value);
            Ok(())
        }
        match (in_query, name) {
            (false, "token") => put(&mut self.token, name, text()?),
            (false, "manufacturer") => put(&mut self.manufacturer, name, text()?),
            (false, "serial") => put(&mut self.serial, name, text()?),
            (false, "model") => put(&mut self.model, name, text()?),
            (false, "slot-description") => put(&mut self.slot_description, name, text()?),
            (false, "slot-manufacturer") => put(&mut self.slot_manufacturer, name, text()?),
            (false, "slot-id") => {
                let id = text()?
                    .parse::<u64>()
                    .map_err(|_| bad("must be a decimal number".to_string()))?;
                put(&mut self.slot_id, name, id)
            }
            (false, "object") => put(&mut self.object, name, text()?),
            (false, "id") => put(&mut self.id, name, bytes.clone()),
            (false, "type") => {
                let kind = text()?;
                if !matches!(kind.as_str(), "private" | "public") {
                    return Err(bad(format!(
                        "{kind:?}: only private or public keys are used here"
                    )));
                }
                put(&mut self.object_type, name, kind)
            }
            (true, "module-path") => put(&mut self.module_path, name, PathBuf::from(text()?)),
            (true, "pin-source") => {
                let source = text()?;
                let path = source.strip_prefix("file:").unwrap_or(&source);
                put(&mut self.pin_source, name, PathBuf::from(path))
            }
            // Where RFC 7512 puts it (the query) or where people write it (the path): either
            // way, say how to give the PIN instead.
            (_, "pin-value") => Err(UriError::PinInUri),
            _ => Err(UriError::Unsupported(name.to_string())),
        }
    }
}

impl fmt::Display for TokenUri {
    /// The URI in its canonical form, without any PIN source.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        let mut text = |name: &str, value: &Option<String>| {
            if let Some(v) = value {
                parts.push(format!("{name}={}", percent_encode(v.as_bytes())));
            }
        };
        text("token", &self.token);
        text("manufacturer", &self.manufacturer);
        text("serial", &self.serial);
        text("model", &self.model);
        text("slot-description", &self.slot_description);
        text("slot-manufacturer", &self.slot_manufacturer);
        text("object", &self.object);
        text("type", &self.object_type);
        if let Some(slot) = self.slot_id {
            parts.push(format!("slot-id={slot}"));
        }
        if let Some(id) = &self.id {
            let hex: String = id.iter().map(|b| format!("%{b:02X}")).collect();
            parts.push(format!("id={hex}"));
        }
        write!(f, "{PKCS11_SCHEME}{}", parts.join(";"))
    }
}

impl TokenUri {
    /// The URI with its query (`module-path`, `pin-source`: file paths, never a PIN), to be
    /// kept in a file and parsed again.
    pub fn with_query(&self) -> String {
        let mut query = Vec::new();
        if let Some(path) = &self.module_path {
            query.push(format!(
                "module-path={}",
                percent_encode(path.as_os_str().as_encoded_bytes())
            ));
        }
        if let Some(path) = &self.pin_source {
            query.push(format!(
                "pin-source={}",
                percent_encode(path.as_os_str().as_encoded_bytes())
            ));
        }
        if query.is_empty() {
            self.to_string()
        } else {
            format!("{self}?{}", query.join("&"))
        }
    }
}

/// Decodes RFC 3986 percent-encoding.
fn percent_decode(text: &str) -> Result<Vec<u8>, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("bad percent-encoding at {:?}", &text[i..]))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// Encodes what RFC 7512 does not allow unescaped in a path attribute value.
fn percent_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~:[]@!$'()*+,&".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_7512_examples_parse() {
        // RFC 7512 section 3.3 (those naming a key).
        let uri = TokenUri::parse(
            "pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;\
             model=1.0;object=my-certificate;type=public?pin-source=file:/etc/token",
        )
        .unwrap();
        assert_eq!(uri.token.as_deref(), Some("The Software PKCS#11 Softtoken"));
        assert_eq!(uri.manufacturer.as_deref(), Some("Snake Oil, Inc."));
        assert_eq!(uri.object.as_deref(), Some("my-certificate"));
        assert_eq!(uri.pin_source, Some(PathBuf::from("/etc/token")));
        let uri = TokenUri::parse("pkcs11:object=my-sign-key;type=private?module-name=mypkcs11");
        assert_eq!(uri, Err(UriError::Unsupported("module-name".into())));
        let uri = TokenUri::parse("pkcs11:id=%01%02%03%04;object=a%20b").unwrap();
        assert_eq!(uri.id, Some(vec![1, 2, 3, 4]));
        assert_eq!(uri.to_string(), "pkcs11:object=a%20b;id=%01%02%03%04");
        assert_eq!(TokenUri::parse(&uri.to_string()).unwrap(), uri);
    }

    #[test]
    fn a_pin_in_the_uri_or_a_uri_without_a_key_is_refused() {
        for uri in [
            "pkcs11:token=t;object=k?pin-value=1234",
            "pkcs11:token=t;object=k;pin-value=1234",
        ] {
            assert_eq!(TokenUri::parse(uri), Err(UriError::PinInUri), "{uri}");
        }
        assert!(
            UriError::PinInUri
                .to_string()
                .contains("GOODSTANDING_PKCS11_PIN, with --pin-file, or at the prompt")
        );
        assert_eq!(TokenUri::parse("pkcs11:token=t"), Err(UriError::NoObject));
        assert_eq!(
            TokenUri::parse("pkcs11:object=a;object=b"),
            Err(UriError::Repeated("object".into()))
        );
        assert!(matches!(
            TokenUri::parse("pkcs11:object=%zz"),
            Err(UriError::BadValue { .. })
        ));
        assert!(is_pkcs11_uri("PKCS11:object=a"));
        assert!(!is_pkcs11_uri("keys/k.key.pem"));
    }
}
