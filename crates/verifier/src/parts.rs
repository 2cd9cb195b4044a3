//! QR text in parts: a certificate whose QR text is too long for one QR code of at most
//! [`MAX_SYMBOL_VERSION`] is printed as up to [`MAX_PARTS`] QR codes, each holding one part.
//!
//! A part is `GSC1-` k `/` n `-` TAG `:` CHUNK, where k is the part's number (1 to n), n the
//! number of parts (2 to [`MAX_PARTS`]; both decimal, without leading zeros), TAG the CRC-32 of the whole QR text as 8 uppercase
//! hexadecimal digits, and CHUNK the k-th of n consecutive pieces of the whole text after its
//! `GSC1:` prefix, as nearly equal in length as they can be (the first ones one character
//! longer). Every character is in the QR alphanumeric alphabet. Joined in order after `GSC1:`,
//! the chunks give the whole QR text back, which is read as any other (its own CRC-32 and the
//! signature still decide); the TAG only keeps parts of different certificates apart, so that a
//! camera collecting parts frame by frame never mixes two certificates.
//!
//! Text that fits one code is never split, so every certificate issued before parts existed
//! reads as before.

use std::fmt;

use crate::checksum::crc32;

/// The prefix of a whole QR text ([`crate::carrier::QR_PREFIX`]; this module reads no other of
/// the carrier's, which reads parts).
const QR_PREFIX: &str = "GSC1:";

/// The prefix of a part.
pub const PART_PREFIX: &str = "GSC1-";

/// Most QR codes one certificate is printed as.
pub const MAX_PARTS: usize = 16;

/// Highest QR version of each symbol, at error correction M: the densest that phones and a
/// 150 dpi scan read reliably at the printed size.
pub const MAX_SYMBOL_VERSION: i16 = 25;

/// QR text characters that one symbol of [`MAX_SYMBOL_VERSION`] holds at error correction M
/// (alphanumeric mode).
pub const MAX_SYMBOL_CHARACTERS: usize = 1451;

/// Longest header of a part, `GSC1-k/n-TAG:` with two-digit numbers.
const HEADER_LEN: usize = PART_PREFIX.len() + 5 + 1 + 8 + 1;

/// Longest whole QR text that [`MAX_PARTS`] symbols hold.
pub const MAX_WHOLE_CHARACTERS: usize =
    QR_PREFIX.len() + MAX_PARTS * (MAX_SYMBOL_CHARACTERS - HEADER_LEN);

/// Why parts could not be joined into one QR text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartsError {
    /// A line that should be a part does not have the form `GSC1-k/n-TAG:...`.
    Malformed {
        /// The line, counted from 1.
        line: usize,
    },
    /// The parts belong to different certificates (their counts or tags differ).
    Mixed,
    /// Some parts are missing.
    Missing {
        /// The part numbers present.
        present: Vec<usize>,
        /// How many parts the certificate has.
        of: usize,
    },
    /// One part number appears twice with different contents.
    Conflicting {
        /// The part number.
        part: usize,
    },
    /// The joined text is not the text the parts' tag names: a part is damaged.
    Tag,
}

impl fmt::Display for PartsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed { line } => write!(
                f,
                "QR code parts: line {line} is not a part (GSC1-k/n-TAG:...) nor the \
                 continuation of one"
            ),
            Self::Mixed => f.write_str(
                "QR code parts: these parts come from different certificates; scan the codes \
                 of one certificate only",
            ),
            Self::Missing { present, of } => {
                let present: Vec<String> = present.iter().map(ToString::to_string).collect();
                let (parts, were) = if present.len() == 1 {
                    ("part", "was")
                } else {
                    ("parts", "were")
                };
                write!(
                    f,
                    "only {parts} {} of the {of} QR codes of this certificate {were} read: scan \
                     all {of} codes (printed together at the end of its PDF), in one photo or \
                     one after another",
                    present.join(", "),
                )
            }
            Self::Conflicting { part } => write!(
                f,
                "QR code parts: part {part} was read twice with different contents; one copy \
                 is damaged"
            ),
            Self::Tag => f.write_str(
                "QR code parts: the joined text does not match the parts' checksum; a part was \
                 damaged or altered",
            ),
        }
    }
}

impl std::error::Error for PartsError {}

/// One part, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Its number, from 1.
    pub number: usize,
    /// How many parts there are.
    pub of: usize,
    /// The CRC-32 of the whole QR text.
    pub tag: u32,
    /// Its piece of the whole text.
    pub chunk: String,
}

impl Part {
    /// Reads one part's text; `None` if it is not a part.
    pub fn parse(text: &str) -> Option<Self> {
        let rest = text.strip_prefix(PART_PREFIX)?;
        let (head, chunk) = rest.split_once(':')?;
        let (numbers, tag) = head.split_once('-')?;
        let (number, of) = numbers.split_once('/')?;
        // Decimal, without a leading zero.
        let decimal = |s: &str| {
            (matches!(s.len(), 1 | 2)
                && !s.starts_with('0')
                && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<usize>().ok())
            .flatten()
        };
        let (number, of) = (decimal(number)?, decimal(of)?);
        let tag_valid =
            tag.len() == 8 && tag.bytes().all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F'));
        if !(2..=MAX_PARTS).contains(&of) || !(1..=of).contains(&number) || !tag_valid {
            return None;
        }
        Some(Self {
            number,
            of,
            tag: u32::from_str_radix(tag, 16).ok()?,
            chunk: chunk.to_string(),
        })
    }
}

/// Whether `text` (after leading white space) starts like a part.
pub fn is_parts(text: &str) -> bool {
    text.trim_start().starts_with(PART_PREFIX)
}

/// The texts of the QR codes that carry `whole` (a `GSC1:` QR text): `whole` itself when it
/// fits one code of [`MAX_SYMBOL_VERSION`], else as few parts as hold it. `None` if even
/// [`MAX_PARTS`] codes cannot.
pub fn split(whole: &str) -> Option<Vec<String>> {
    if whole.len() <= MAX_SYMBOL_CHARACTERS {
        return Some(vec![whole.to_string()]);
    }
    let body = whole.strip_prefix(QR_PREFIX)?;
    let per_part = MAX_SYMBOL_CHARACTERS - HEADER_LEN;
    let count = body.len().div_ceil(per_part).max(2);
    if count > MAX_PARTS || !body.is_ascii() {
        return None;
    }
    let tag = crc32(whole.as_bytes());
    let (short, longer) = (body.len() / count, body.len() % count);
    let mut start = 0;
    let parts = (1..=count)
        .map(|number| {
            let len = short + usize::from(number <= longer);
            let chunk = &body[start..start + len];
            start += len;
            format!("{PART_PREFIX}{number}/{count}-{tag:08X}:{chunk}")
        })
        .collect();
    Some(parts)
}

/// Joins the parts in `texts` (in any order, each part once or repeated identically) into the
/// whole QR text.
pub fn join<S: AsRef<str>>(texts: &[S]) -> Result<String, PartsError> {
    let mut parts: Vec<Part> = Vec::new();
    for (index, text) in texts.iter().enumerate() {
        let part = Part::parse(text.as_ref()).ok_or(PartsError::Malformed { line: index + 1 })?;
        if let Some(first) = parts.first()
            && (first.of != part.of || first.tag != part.tag)
        {
            return Err(PartsError::Mixed);
        }
        match parts.iter().find(|p| p.number == part.number) {
            Some(same) if same.chunk == part.chunk => {}
            Some(_) => return Err(PartsError::Conflicting { part: part.number }),
            None => parts.push(part),
        }
    }
    let Some(first) = parts.first() else {
        return Err(PartsError::Malformed { line: 1 });
    };
    let (of, tag) = (first.of, first.tag);
    parts.sort_by_key(|p| p.number);
    if parts.len() != of {
        return Err(PartsError::Missing {
            present: parts.iter().map(|p| p.number).collect(),
            of,
        });
    }
    let mut whole = String::from(QR_PREFIX);
    for part in &parts {
        whole.push_str(&part.chunk);
    }
    if crc32(whole.as_bytes()) != tag {
        return Err(PartsError::Tag);
    }
    Ok(whole)
}

/// Joins parts given as text, one part a line; a line that does not start a part continues the
/// one before (as when an e-mail program wraps a long line). Blank lines are ignored.
pub fn join_lines(text: &str) -> Result<String, PartsError> {
    let mut parts: Vec<String> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        // White space before a part's prefix is not data (a space after a line break is).
        let from_prefix = line.trim_start();
        if from_prefix.starts_with(PART_PREFIX) {
            parts.push(from_prefix.to_string());
        } else if let Some(last) = parts.last_mut() {
            last.push_str(line);
        } else {
            return Err(PartsError::Malformed { line: index + 1 });
        }
    }
    join(&parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(len: usize) -> String {
        let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
        let body: String = (0..len)
            .map(|i| char::from(alphabet[(i * 7 + i / 3) % alphabet.len()]))
            .collect();
        format!("{QR_PREFIX}{body}")
    }

    #[test]
    fn the_whole_text_prefix_is_the_carriers() {
        assert_eq!(QR_PREFIX, crate::carrier::QR_PREFIX);
    }

    #[test]
    fn text_that_fits_one_code_is_not_split() {
        let text = whole(MAX_SYMBOL_CHARACTERS - QR_PREFIX.len());
        assert_eq!(split(&text), Some(vec![text]));
    }

    #[test]
    fn longer_text_splits_into_balanced_parts_that_join_back_in_any_order() {
        for len in [MAX_SYMBOL_CHARACTERS, 3000, 5000, MAX_WHOLE_CHARACTERS - 5] {
            let text = whole(len);
            let mut parts = split(&text).unwrap();
            assert!(parts.len() >= 2);
            assert!(
                parts.iter().all(|p| p.len() <= MAX_SYMBOL_CHARACTERS),
                "{len}"
            );
            let lengths: Vec<usize> = parts.iter().map(String::len).collect();
            assert!(lengths.iter().max().unwrap() - lengths.iter().min().unwrap() <= 1);
            parts.reverse();
            assert_eq!(join(&parts).unwrap(), text);
            // Repeated identical parts (a camera reads each code many times) are fine.
            parts.push(parts[0].clone());
            assert_eq!(join(&parts).unwrap(), text);
        }
        assert_eq!(split(&whole(MAX_WHOLE_CHARACTERS - 4)), None);
    }

    #[test]
    fn missing_mixed_conflicting_and_damaged_parts_are_named() {
        let text = whole(4000);
        let parts = split(&text).unwrap();
        assert_eq!(parts.len(), 3);
        assert_eq!(
            join(&parts[..2]),
            Err(PartsError::Missing {
                present: vec![1, 2],
                of: 3
            })
        );
        assert_eq!(
            join(&parts[..1]).unwrap_err().to_string(),
            "only part 1 of the 3 QR codes of this certificate was read: scan all 3 codes \
             (printed together at the end of its PDF), in one photo or one after another"
        );
        let other = split(&whole(4001)).unwrap();
        assert_eq!(
            join(&[&parts[0], &parts[1], &other[2]]),
            Err(PartsError::Mixed)
        );
        let mut damaged = parts.clone();
        damaged[1].pop();
        damaged[1].push('Z');
        assert_eq!(join(&damaged), Err(PartsError::Tag));
        assert_eq!(
            join(&[&parts[0], &damaged[1], &parts[1]]),
            Err(PartsError::Conflicting { part: 2 })
        );
        assert_eq!(
            join(&[&parts[0], "GSC1:ABC"]),
            Err(PartsError::Malformed { line: 2 })
        );
    }

    #[test]
    fn pasted_parts_may_be_wrapped_and_spaced_out() {
        let text = whole(4000);
        let parts = split(&text).unwrap();
        let mut pasted = String::new();
        for part in &parts {
            for line in part.as_bytes().chunks(76) {
                pasted.push_str(std::str::from_utf8(line).unwrap());
                pasted.push_str("\r\n");
            }
            pasted.push('\n');
        }
        assert_eq!(join_lines(&pasted).unwrap(), text);
        assert_eq!(
            join_lines("ABC\nGSC1-1/2-00000000:A"),
            Err(PartsError::Malformed { line: 1 })
        );
    }

    #[test]
    fn headers_out_of_range_are_not_parts() {
        for text in [
            "GSC1-0/3-0000ABCD:X",
            "GSC1-4/3-0000ABCD:X",
            "GSC1-1/1-0000ABCD:X",
            "GSC1-1/17-0000ABCD:X",
            "GSC1-01/3-0000ABCD:X",
            "GSC1-1/+3-0000ABCD:X",
            "GSC1-1/3-0000abcd:X",
            "GSC1-1/3-ABCD:X",
            "GSC1-1/3:X",
        ] {
            assert_eq!(Part::parse(text), None, "{text}");
        }
        assert_eq!(
            Part::parse("GSC1-16/16-0000ABCD:X").map(|p| p.number),
            Some(16)
        );
        assert_eq!(
            Part::parse("GSC1-2/3-0000ABCD:XY"),
            Some(Part {
                number: 2,
                of: 3,
                tag: 0xABCD,
                chunk: "XY".into()
            })
        );
    }
}
