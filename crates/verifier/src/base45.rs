//! Base45 (RFC 9285): two bytes in three characters of the QR alphanumeric alphabet.

const ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Why base45 text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base45Error {
    /// A character outside the 45-character alphabet (lowercase letters included), at this
    /// character position.
    Alphabet {
        /// Position of the character (0-based).
        position: usize,
    },
    /// The length leaves one character over (valid lengths are 0 or 2 modulo 3).
    Length,
    /// A group decodes to a value too large for its bytes, at this character position.
    Overflow {
        /// Position of the group's first character (0-based).
        position: usize,
    },
}

impl std::fmt::Display for Base45Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Alphabet { position } => write!(
                f,
                "character {} is not in the QR alphanumeric alphabet (0-9, A-Z, space, $%*+-./:)",
                position + 1
            ),
            Self::Length => f.write_str("the base45 text has a character too many or too few"),
            Self::Overflow { position } => {
                write!(
                    f,
                    "the base45 group at character {} is out of range",
                    position + 1
                )
            }
        }
    }
}

impl std::error::Error for Base45Error {}

/// Encodes bytes as base45.
pub fn encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() / 2 * 3 + 2);
    let mut push = |v: usize| out.push(char::from(ALPHABET[v]));
    let mut chunks = data.chunks_exact(2);
    for pair in &mut chunks {
        let n = usize::from(pair[0]) * 256 + usize::from(pair[1]);
        push(n % 45);
        push(n / 45 % 45);
        push(n / 2025);
    }
    if let [last] = chunks.remainder() {
        let n = usize::from(*last);
        push(n % 45);
        push(n / 45);
    }
    out
}

fn value(c: u8, position: usize) -> Result<u32, Base45Error> {
    ALPHABET
        .iter()
        .position(|&a| a == c)
        .map(|v| v as u32)
        .ok_or(Base45Error::Alphabet { position })
}

/// Decodes base45 text. Every character must be in the alphabet; the text's length must be 0 or
/// 2 modulo 3 and every group in range, so each byte string has exactly one encoding.
pub fn decode(text: &str) -> Result<Vec<u8>, Base45Error> {
    let bytes = text.as_bytes();
    if let Some(position) = bytes.iter().position(|&c| !ALPHABET.contains(&c)) {
        return Err(Base45Error::Alphabet { position });
    }
    if bytes.len() % 3 == 1 {
        return Err(Base45Error::Length);
    }
    let mut out = Vec::with_capacity(bytes.len() / 3 * 2 + 1);
    for (i, group) in bytes.chunks(3).enumerate() {
        let position = i * 3;
        let mut n = 0u32;
        for (k, &c) in group.iter().enumerate() {
            n += value(c, position + k)? * 45u32.pow(k as u32);
        }
        if group.len() == 3 {
            let n = u16::try_from(n).map_err(|_| Base45Error::Overflow { position })?;
            out.extend_from_slice(&n.to_be_bytes());
        } else {
            out.push(u8::try_from(n).map_err(|_| Base45Error::Overflow { position })?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_short_byte_string_round_trips() {
        let mut data = Vec::new();
        for len in 0..40u8 {
            data.push(len.wrapping_mul(97).wrapping_add(13));
            let text = encode(&data);
            assert_eq!(decode(&text).unwrap(), data);
        }
        for a in 0..=255u8 {
            assert_eq!(decode(&encode(&[a])).unwrap(), [a]);
            assert_eq!(decode(&encode(&[a, 255 - a])).unwrap(), [a, 255 - a]);
        }
    }

    #[test]
    fn out_of_range_and_bad_lengths_are_refused() {
        assert_eq!(decode("GGW"), Err(Base45Error::Overflow { position: 0 }));
        assert_eq!(decode("::"), Err(Base45Error::Overflow { position: 0 }));
        assert_eq!(decode("A"), Err(Base45Error::Length));
        assert_eq!(decode("BB8a"), Err(Base45Error::Alphabet { position: 3 }));
    }
}
