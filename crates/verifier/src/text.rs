//! Text fields with limits: every string and list in a certificate is bounded, so a signed
//! payload stays small enough for a QR code and no input can make the verifier allocate
//! without limit.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a text value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextError {
    /// The text is empty.
    Empty,
    /// The text has more characters than the field allows.
    TooLong {
        /// The field's limit, in characters.
        max: usize,
        /// How many characters the text has.
        len: usize,
    },
    /// The text has a control character (such as a newline, tab or terminal escape).
    ControlCharacter,
    /// The text has an invisible or direction-changing character (a bidirectional override or
    /// isolate, a zero-width character, a line or paragraph separator): what it shows would
    /// differ from what it says.
    Invisible(char),
    /// The text starts or ends with white space.
    OuterWhitespace,
    /// The text does not have the required form.
    Form(&'static str),
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("must not be empty"),
            Self::TooLong { max, len } => {
                write!(f, "is {len} characters long; at most {max} are allowed")
            }
            Self::ControlCharacter => {
                f.write_str("contains a control character (newline, tab or escape)")
            }
            Self::Invisible(c) => write!(
                f,
                "contains U+{:04X}, an invisible or direction-changing character, so it would \
                 show differently from what it says; remove it",
                u32::from(*c)
            ),
            Self::OuterWhitespace => f.write_str("starts or ends with white space"),
            Self::Form(form) => write!(f, "must be {form}"),
        }
    }
}

impl std::error::Error for TextError {}

/// Whether `c` is invisible or changes the direction of what follows (rule 10): bidirectional
/// embeddings, overrides, isolates and marks, zero-width characters, the word joiner and
/// invisible operators, the byte order mark, the soft hyphen, and the line and paragraph
/// separators (which are not control characters, but break a line).
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// Free text of 1 to `MAX` characters with no control characters and no white space at either
/// end. Control characters are refused so that signed text can never rewrite a terminal or a
/// printed line.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text<const MAX: usize>(String);

impl<const MAX: usize> Text<MAX> {
    /// Checks `value` against the limits.
    pub fn new(value: impl Into<String>) -> Result<Self, TextError> {
        let value = value.into();
        let len = value.chars().count();
        if len == 0 {
            return Err(TextError::Empty);
        }
        if len > MAX {
            return Err(TextError::TooLong { max: MAX, len });
        }
        if value.chars().any(char::is_control) {
            return Err(TextError::ControlCharacter);
        }
        if let Some(c) = value.chars().find(|&c| is_invisible(c)) {
            return Err(TextError::Invisible(c));
        }
        if value.starts_with(char::is_whitespace) || value.ends_with(char::is_whitespace) {
            return Err(TextError::OuterWhitespace);
        }
        Ok(Self(value))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize> Deref for Text<MAX> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize> fmt::Display for Text<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<const MAX: usize> fmt::Debug for Text<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl<const MAX: usize> Serialize for Text<MAX> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Deserializes a string, refusing one over `max_bytes` before copying it.
fn bounded_string<'de, D: Deserializer<'de>>(
    deserializer: D,
    max_chars: usize,
) -> Result<String, D::Error> {
    struct Visit(usize);
    impl serde::de::Visitor<'_> for Visit {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a string of at most {} characters", self.0)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            // A character is at most 4 bytes: refuse clearly oversized input before counting.
            if v.len() > self.0.saturating_mul(4) {
                return Err(E::custom(TextError::TooLong {
                    max: self.0,
                    len: v.chars().count(),
                }));
            }
            Ok(v.to_owned())
        }
    }
    deserializer.deserialize_str(Visit(max_chars))
}

impl<'de, const MAX: usize> Deserialize<'de> for Text<MAX> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = bounded_string(deserializer, MAX)?;
        Self::new(value).map_err(serde::de::Error::custom)
    }
}

/// Defines a short identifier type whose characters and length are fixed.
macro_rules! identifier {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr, $allowed:expr, $form:literal, $pattern:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Checks that `value` has the required form.
            pub fn new(value: impl Into<String>) -> Result<Self, TextError> {
                let value = value.into();
                // Whether byte `b` may stand at position `i`.
                let allowed: fn(usize, u8) -> bool = $allowed;
                if value.len() < $min
                    || value.len() > $max
                    || !value.bytes().enumerate().all(|(i, b)| allowed(i, b))
                {
                    return Err(TextError::Form($form));
                }
                Ok(Self(value))
            }

            /// The identifier's text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = bounded_string(deserializer, $max)?;
                Self::new(value).map_err(serde::de::Error::custom)
            }
        }

        #[cfg(feature = "schema")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "description": concat!("Must be ", $form, "."),
                    "type": "string",
                    "pattern": $pattern
                })
            }
        }
    };
}

identifier!(
    /// A certificate id: 128 random bits as 26 characters of lowercase base32 (RFC 4648).
    CertificateId,
    26,
    26,
    |_, b| matches!(b, b'a'..=b'z' | b'2'..=b'7'),
    "26 characters of lowercase base32 (a-z, 2-7)",
    "^[a-z2-7]{26}$"
);

identifier!(
    /// The stable id of a record on a certificate (schema version 2): `f-`, `c-` or `d-` (a
    /// finding, a conviction or caution, a departure) and 8 characters of lowercase base32.
    RecordId,
    10,
    10,
    |i, b| match i {
        0 => matches!(b, b'f' | b'c' | b'd'),
        1 => b == b'-',
        _ => matches!(b, b'a'..=b'z' | b'2'..=b'7'),
    },
    "f-, c- or d- and 8 characters of lowercase base32 (a-z, 2-7)",
    "^[fcd]-[a-z2-7]{8}$"
);

identifier!(
    /// The id of an issuing key (`kid`): 1 to 64 letters, digits, '.', '_' or '-'.
    KeyId,
    1,
    64,
    |_, b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'),
    "1 to 64 letters, digits, '.', '_' or '-'",
    "^[A-Za-z0-9._-]{1,64}$"
);

identifier!(
    /// A short upper-case code, such as a regulator (`GMC`, `NMC`) or an offence code.
    Code,
    2,
    12,
    |_, b| b.is_ascii_uppercase() || b.is_ascii_digit(),
    "2 to 12 upper-case letters or digits",
    "^[A-Z0-9]{2,12}$"
);

/// A list of at most `MAX` items; deserialization stops at the limit instead of allocating.
#[derive(Clone, PartialEq, Eq)]
pub struct BoundedVec<T, const MAX: usize>(Vec<T>);

impl<T, const MAX: usize> BoundedVec<T, MAX> {
    /// An empty list.
    pub fn empty() -> Self {
        Self(Vec::new())
    }

    /// Checks the length of `items`; gives them back if there are more than `MAX`.
    pub fn new(items: Vec<T>) -> Result<Self, Vec<T>> {
        if items.len() > MAX {
            Err(items)
        } else {
            Ok(Self(items))
        }
    }

    /// The items.
    pub fn as_slice(&self) -> &[T] {
        &self.0
    }
}

impl<T, const MAX: usize> Default for BoundedVec<T, MAX> {
    fn default() -> Self {
        Self::empty()
    }
}

impl<T, const MAX: usize> Deref for BoundedVec<T, MAX> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T: fmt::Debug, const MAX: usize> fmt::Debug for BoundedVec<T, MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl<'a, T, const MAX: usize> IntoIterator for &'a BoundedVec<T, MAX> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T: Serialize, const MAX: usize> Serialize for BoundedVec<T, MAX> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>, const MAX: usize> Deserialize<'de> for BoundedVec<T, MAX> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<T, const MAX: usize>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>, const MAX: usize> serde::de::Visitor<'de> for Visit<T, MAX> {
            type Value = BoundedVec<T, MAX>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a list of at most {MAX} items")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    if items.len() == MAX {
                        return Err(serde::de::Error::custom(format_args!(
                            "has more than {MAX} items"
                        )));
                    }
                    items.push(item);
                }
                Ok(BoundedVec(items))
            }
        }
        deserializer.deserialize_seq(Visit(PhantomData))
    }
}

#[cfg(feature = "schema")]
mod schema {
    use std::borrow::Cow;

    use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

    /// A character that is neither a control character, white space (ECMA-262 `\s`) nor
    /// invisible ([`super::is_invisible`]).
    const EDGE: &str = r"[^\s\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]";
    /// A character that is neither a control character nor invisible.
    const INNER: &str = r"[^\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]";

    impl<const MAX: usize> JsonSchema for super::Text<MAX> {
        fn inline_schema() -> bool {
            true
        }
        fn schema_name() -> Cow<'static, str> {
            format!("Text{MAX}").into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "type": "string",
                "minLength": 1,
                "maxLength": MAX,
                "pattern": format!("^{EDGE}(?:{INNER}*{EDGE})?$")
            })
        }
    }

    impl<T: JsonSchema, const MAX: usize> JsonSchema for super::BoundedVec<T, MAX> {
        fn inline_schema() -> bool {
            true
        }
        fn schema_name() -> Cow<'static, str> {
            format!("BoundedVec{MAX}_{}", T::schema_name()).into()
        }
        fn json_schema(generator: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "type": "array",
                "maxItems": MAX,
                "items": generator.subschema_for::<T>()
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_limits_are_enforced_in_characters_not_bytes() {
        assert!(Text::<5>::new("Łukas").is_ok());
        assert_eq!(
            Text::<5>::new("Łukasz"),
            Err(TextError::TooLong { max: 5, len: 6 })
        );
        assert_eq!(Text::<5>::new(""), Err(TextError::Empty));
        assert_eq!(
            Text::<9>::new("a\u{1b}[2Jb"),
            Err(TextError::ControlCharacter)
        );
        assert_eq!(
            Text::<12>::new("line\nbreak"),
            Err(TextError::ControlCharacter)
        );
        assert_eq!(Text::<9>::new(" lead"), Err(TextError::OuterWhitespace));
        assert_eq!(
            Text::<9>::new("trail\u{a0}"),
            Err(TextError::OuterWhitespace)
        );
    }

    #[test]
    fn bounded_lists_stop_at_their_limit() {
        let ok: BoundedVec<u8, 2> = serde_json::from_str("[1,2]").unwrap();
        assert_eq!(ok.len(), 2);
        let err = serde_json::from_str::<BoundedVec<u8, 2>>("[1,2,3]").unwrap_err();
        assert!(err.to_string().contains("more than 2 items"), "{err}");
    }

    #[test]
    fn identifiers_check_their_alphabet() {
        assert!(CertificateId::new("abcdefghijklmnopqrstuvwxyz").is_ok());
        assert!(RecordId::new("f-abcdef27").is_ok());
        for bad in [
            "x-abcdef27",
            "f_abcdef27",
            "f-abcdef2",
            "f-abcdef21",
            "fc-bcdef27",
        ] {
            assert!(RecordId::new(bad).is_err(), "{bad}");
        }
        assert!(CertificateId::new("abcdefghijklmnopqrstuvwxy1").is_err());
        assert!(KeyId::new("demo-2026.1_a").is_ok());
        assert!(KeyId::new("demo key").is_err());
        assert!(Code::new("GMC").is_ok());
        assert!(Code::new("gmc").is_err());
    }
}
