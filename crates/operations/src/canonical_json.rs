//! RFC 8785 JSON Canonicalization Scheme (JCS): the one byte form of a JSON value that the
//! register hashes and operators sign (issue 26: a request's hash is the SHA-256 of its
//! canonical form, so a CSV grouped into requests and the same request as JSON hash the same).
//!
//! Object members are sorted by their names' UTF-16 code units; strings are escaped as
//! ECMAScript's `JSON.stringify` does (only `"`, `\` and the controls below U+0020); numbers are
//! written as ECMAScript's `Number.prototype.toString` writes an IEEE 754 double. Tested against
//! the RFC's examples and Appendix B (`tests/vectors/rfc8785-jcs.json`).

use std::fmt;

use serde_json::Value;
use sha2::{Digest as _, Sha256};

/// Why a value has no canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CanonicalError {
    /// A number JSON cannot carry as an IEEE 754 double (NaN, an infinity, or an integer beyond
    /// 2^53 that a double would round).
    Number(String),
    /// The value could not be turned into JSON.
    Serialize(String),
}

impl fmt::Display for CanonicalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => write!(
                f,
                "the number {n} has no canonical JSON form (RFC 8785 takes IEEE 754 doubles)"
            ),
            Self::Serialize(e) => write!(f, "cannot be written as JSON: {e}"),
        }
    }
}

impl std::error::Error for CanonicalError {}

/// The canonical form of `value`.
pub fn canonical(value: &Value) -> Result<String, CanonicalError> {
    let mut out = String::new();
    write_value(&mut out, value)?;
    Ok(out)
}

/// The canonical form of anything serde writes as JSON.
pub fn canonical_of<T: serde::Serialize>(value: &T) -> Result<String, CanonicalError> {
    let value =
        serde_json::to_value(value).map_err(|e| CanonicalError::Serialize(e.to_string()))?;
    canonical(&value)
}

/// The SHA-256 of the canonical form of `value`, in lowercase hex.
pub fn canonical_sha256<T: serde::Serialize>(value: &T) -> Result<String, CanonicalError> {
    Ok(hex(&Sha256::digest(canonical_of(value)?.as_bytes())))
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// 32 bytes from 64 hex characters, if that is what `text` is.
pub(crate) fn unhex32(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

fn write_value(out: &mut String, value: &Value) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let double = if let Some(i) = n.as_i64() {
                exact_double(i.unsigned_abs(), n)?.copysign(i as f64)
            } else if let Some(u) = n.as_u64() {
                exact_double(u, n)?
            } else {
                n.as_f64()
                    .ok_or_else(|| CanonicalError::Number(n.to_string()))?
            };
            out.push_str(&number(double).ok_or_else(|| CanonicalError::Number(n.to_string()))?);
        }
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item)?;
            }
            out.push(']');
        }
        Value::Object(members) => {
            let mut sorted: Vec<(&String, &Value)> = members.iter().collect();
            sorted.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, (name, member)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, name);
                out.push(':');
                write_value(out, member)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// An integer as a double, refused if the double would not be exactly it.
fn exact_double(magnitude: u64, n: &serde_json::Number) -> Result<f64, CanonicalError> {
    const EXACT: u64 = 1 << 53;
    if magnitude > EXACT {
        return Err(CanonicalError::Number(n.to_string()));
    }
    Ok(magnitude as f64)
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A double as ECMAScript's `Number.prototype.toString` writes it (ECMA-262, 7.1.12.1); `None`
/// for NaN and the infinities, which JSON cannot carry.
pub fn number(x: f64) -> Option<String> {
    if !x.is_finite() {
        return None;
    }
    if x == 0.0 {
        return Some("0".into());
    }
    if x < 0.0 {
        return number(-x).map(|n| format!("-{n}"));
    }
    // The shortest digits that read back as x, and where the point goes: x = 0.digits × 10^n.
    let scientific = format!("{x:e}");
    let (mantissa, exponent) = scientific.split_once('e')?;
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = even_on_a_tie(x, digits);
    let k = digits.len() as i32;
    let n = exponent.parse::<i32>().ok()? + 1;
    Some(if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        let (whole, fraction) = digits.split_at(n as usize);
        format!("{whole}.{fraction}")
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let sign = if n - 1 < 0 { '-' } else { '+' };
        let (first, rest) = digits.split_at(1);
        let point = if rest.is_empty() { "" } else { "." };
        format!("{first}{point}{rest}e{sign}{}", (n - 1).abs())
    })
}

/// Of two shortest digit strings equally near `x`, ECMAScript takes the one ending in an even
/// digit; Rust's shortest form may take the other. A tie means that `x`'s exact decimal
/// expansion is one digit longer than `digits` and ends in 5.
fn even_on_a_tie(x: f64, digits: String) -> String {
    let ends_odd = digits.bytes().last().is_some_and(|d| (d - b'0') % 2 == 1);
    if !ends_odd {
        return digits;
    }
    // A double's exact decimal expansion has at most 767 significant digits.
    let exact = format!("{x:.800e}");
    let Some((mantissa, exponent)) = exact.split_once('e') else {
        return digits;
    };
    let exact_digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exact_digits = exact_digits.trim_end_matches('0');
    if exact_digits.len() != digits.len() + 1 || !exact_digits.ends_with('5') {
        return digits;
    }
    let low = &exact_digits[..digits.len()];
    let Some(high) = increment(low) else {
        return digits;
    };
    let other = if low == digits { high } else { low.to_string() };
    // The other one counts only if it reads back as x too.
    let reads_back = format!("{}.{}e{exponent}", &other[..1], &other[1..])
        .parse::<f64>()
        .is_ok_and(|y| y == x);
    if reads_back { other } else { digits }
}

/// `digits` plus one in its last place, if that does not make it longer.
fn increment(digits: &str) -> Option<String> {
    let mut bytes = digits.as_bytes().to_vec();
    for b in bytes.iter_mut().rev() {
        if *b == b'9' {
            *b = b'0';
        } else {
            *b += 1;
            return String::from_utf8(bytes).ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // test code
    use super::*;

    fn vectors() -> Value {
        let path = format!(
            "{}/../../tests/vectors/rfc8785-jcs.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn the_rfc_examples_canonicalize_to_the_rfc_bytes() {
        let v = vectors();
        for example in v["examples"].as_array().unwrap() {
            let input: Value = serde_json::from_str(example["input"].as_str().unwrap()).unwrap();
            assert_eq!(
                canonical(&input).unwrap(),
                example["canonical"].as_str().unwrap(),
                "{}",
                example["name"]
            );
        }
    }

    #[test]
    fn numbers_are_written_as_appendix_b_writes_them() {
        let v = vectors();
        for pair in v["numbers"].as_array().unwrap() {
            let bits = u64::from_str_radix(pair[0].as_str().unwrap(), 16).unwrap();
            let expected = pair[1].as_str().unwrap();
            assert_eq!(
                number(f64::from_bits(bits)).unwrap(),
                expected,
                "{bits:016x}"
            );
        }
        for bits in v["invalid"].as_array().unwrap() {
            let bits = u64::from_str_radix(bits.as_str().unwrap(), 16).unwrap();
            assert_eq!(number(f64::from_bits(bits)), None);
        }
    }

    #[test]
    fn integers_a_double_would_round_are_refused() {
        let big: Value = serde_json::from_str("9007199254740993").unwrap();
        assert!(matches!(canonical(&big), Err(CanonicalError::Number(_))));
        let fine: Value = serde_json::from_str("[9007199254740992,-3]").unwrap();
        assert_eq!(canonical(&fine).unwrap(), "[9007199254740992,-3]");
    }
}
