//! Ed25519 public keys as JWK (RFC 7517, RFC 8037 `OKP`).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};

use crate::text::KeyId;

/// Why a JWK was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwkError {
    /// The text is not a JSON object of the expected form.
    Json(String),
    /// The JWK holds a private key (`d`): trust material must be public.
    PrivateKey,
    /// `kty` is not `OKP` or `crv` is not `Ed25519`.
    NotEd25519,
    /// `x` is not 32 bytes of base64url, or not a point on the curve.
    BadKey,
    /// The key is of small order: it could verify forged signatures.
    WeakKey,
    /// The JWK has no `kid`, or an unusable one.
    Kid(String),
    /// `alg` or `use` is present and not `EdDSA` / `sig`.
    WrongUse,
}

impl fmt::Display for JwkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Json(e) => write!(f, "not a JWK: {e}"),
            Self::PrivateKey => {
                f.write_str("this JWK holds a private key (member \"d\"); give only the public key")
            }
            Self::NotEd25519 => f.write_str("not an Ed25519 key (expected kty OKP, crv Ed25519)"),
            Self::BadKey => f.write_str("member \"x\" is not a 32-byte Ed25519 public key"),
            Self::WeakKey => f.write_str("the key is a weak (small-order) point; refused"),
            Self::Kid(e) => write!(f, "member \"kid\": {e}"),
            Self::WrongUse => f.write_str("the key is not for EdDSA signatures (alg/use)"),
        }
    }
}

impl std::error::Error for JwkError {}

/// The JSON form of an Ed25519 public JWK.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct JwkJson {
    kty: String,
    crv: String,
    x: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    alg: Option<String>,
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    use_: Option<String>,
    #[serde(default, skip_serializing)]
    d: Option<serde::de::IgnoredAny>,
}

/// An issuer's public key with its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicJwk {
    /// The key id.
    pub kid: KeyId,
    /// The Ed25519 public key.
    pub key: VerifyingKey,
}

/// Decodes an Ed25519 public key from JWK `x` (and checks it is not weak).
pub fn verifying_key_from_x(x: &str) -> Result<VerifyingKey, JwkError> {
    let bytes: [u8; 32] = URL_SAFE_NO_PAD
        .decode(x)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(JwkError::BadKey)?;
    let key = VerifyingKey::from_bytes(&bytes).map_err(|_| JwkError::BadKey)?;
    if key.is_weak() {
        return Err(JwkError::WeakKey);
    }
    Ok(key)
}

impl PublicJwk {
    /// Parses a public JWK that has a `kid`.
    pub fn from_json(text: &str) -> Result<Self, JwkError> {
        let json: JwkJson =
            serde_json::from_str(text).map_err(|e| JwkError::Json(e.to_string()))?;
        Self::from_jwk_json(json)
    }

    fn from_jwk_json(json: JwkJson) -> Result<Self, JwkError> {
        if json.d.is_some() {
            return Err(JwkError::PrivateKey);
        }
        if json.kty != "OKP" || json.crv != "Ed25519" {
            return Err(JwkError::NotEd25519);
        }
        if json.alg.as_deref().is_some_and(|a| a != "EdDSA")
            || json.use_.as_deref().is_some_and(|u| u != "sig")
        {
            return Err(JwkError::WrongUse);
        }
        let key = verifying_key_from_x(&json.x)?;
        let kid = json.kid.ok_or_else(|| JwkError::Kid("missing".into()))?;
        let kid = KeyId::new(kid).map_err(|e| JwkError::Kid(e.to_string()))?;
        Ok(Self { kid, key })
    }

    fn to_jwk_json(&self) -> JwkJson {
        JwkJson {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: URL_SAFE_NO_PAD.encode(self.key.as_bytes()),
            kid: Some(self.kid.to_string()),
            alg: Some("EdDSA".into()),
            use_: Some("sig".into()),
            d: None,
        }
    }

    /// The JWK as JSON: `kty`, `crv`, `x`, `kid`, `alg`, `use`.
    pub fn to_json(&self) -> String {
        // Serializing plain strings cannot fail.
        serde_json::to_string_pretty(&self.to_jwk_json()).unwrap_or_default()
    }
}

/// As the JWK JSON object (in trust lists and JWKS files).
impl Serialize for PublicJwk {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_jwk_json().serialize(serializer)
    }
}

/// From a JWK JSON object, with every check of [`PublicJwk::from_json`].
impl<'de> Deserialize<'de> for PublicJwk {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = JwkJson::deserialize(deserializer)?;
        Self::from_jwk_json(json).map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for PublicJwk {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PublicJwk".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An Ed25519 public key as a JWK (RFC 8037) with its key id.",
            "type": "object",
            "properties": {
                "kty": { "const": "OKP" },
                "crv": { "const": "Ed25519" },
                "x": { "type": "string", "pattern": "^[A-Za-z0-9_-]{43}$" },
                "kid": { "type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$" },
                "alg": { "const": "EdDSA" },
                "use": { "const": "sig" }
            },
            "required": ["kty", "crv", "x", "kid"],
            "additionalProperties": false
        })
    }
}
