//! The two carriers of one signature: the JWS compact serialization (`.jws`) and the QR text.
//! Either converts into the other without loss; the signature is always checked over the JWS
//! signing input `BASE64URL(header) || '.' || BASE64URL(payload)`.
//!
//! QR text is `GSC1:` + base45(D || CRC-32(D)), where D is the raw DEFLATE of the envelope
//! `u16 len, header, u16 len, payload, 64-byte signature` (lengths big-endian), compressed with
//! the GSC1 preset dictionary (`gsc1-dictionary.txt`: the header, every key and every coded value
//! of schema versions 1 and 2) as its history, so that key names and codes cost a back-reference each
//! instead of their letters. The dictionary is part of the format. It may only grow at its
//! start (as it did for `"supersedes":`, and for the fields and codes of schema version 2): a back-reference counts back from the end of the
//! dictionary, so text compressed against the shorter one inflates the same. Any other change
//! needs a new prefix. DEFLATE is not canonical: a changed back-reference can point at an identical earlier run and inflate to the
//! same bytes, so a damaged QR text could still verify. The CRC-32 (IEEE, big-endian) of the
//! compressed bytes detects every change of up to 32 consecutive bits, so every single-character
//! change of the QR text is refused. It is not a security control: the signature is.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};

use crate::base45::{self, Base45Error};
use crate::limits::{
    MAX_COMPACT_LEN, MAX_HEADER_LEN, MAX_INFLATED_LEN, MAX_PAYLOAD_LEN, MAX_QR_TEXT_LEN,
};

/// The prefix of QR text, naming the format and its version.
pub const QR_PREFIX: &str = "GSC1:";

/// The preset dictionary of the GSC1 format. Every QR text depends on it: only ever prepend
/// to it (see the module notes).
pub const QR_DICTIONARY: &[u8] = include_bytes!("gsc1-dictionary.txt");

/// Length of an Ed25519 signature.
const SIGNATURE_LEN: usize = 64;

/// Which carrier a certificate arrived in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carrier {
    /// JWS compact serialization.
    Jws,
    /// `GSC1:` QR text.
    QrText,
    /// The `.jws` attached to a certificate PDF.
    PdfAttachment,
    /// The QR code in a photo or scan.
    QrImage,
}

impl fmt::Display for Carrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Jws => "JWS",
            Self::QrText => "QR text",
            Self::PdfAttachment => "the signed certificate attached to the PDF",
            Self::QrImage => "the QR code in the image",
        })
    }
}

/// What the QR code printed on a certificate PDF says, compared with its attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrintedQr {
    /// It holds the same signed certificate as the attachment.
    Matches,
    /// It holds a different certificate: the PDF was altered.
    Differs,
    /// It could not be found or read: only the attachment was checked.
    Unread,
}

/// Why input could not be read as a signed certificate. All of these mean the input is damaged
/// or is not a certificate at all; none says anything about a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The input is larger than any certificate can be.
    TooLarge {
        /// The limit, in bytes or characters.
        limit: usize,
    },
    /// The input is empty.
    Empty,
    /// The input is neither QR text (starting `GSC1:`) nor a JWS (three base64url parts).
    UnknownFormat,
    /// QR text has a character outside the QR alphanumeric alphabet or is mis-sized.
    Base45(Base45Error),
    /// The compressed data is corrupt or truncated.
    Deflate,
    /// The compressed data would inflate beyond the limit.
    InflatedTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The compressed data has bytes after its end.
    TrailingData,
    /// The checksum of the compressed data does not match: the QR text was damaged or altered.
    Checksum,
    /// The inflated envelope does not have the expected structure.
    Envelope,
    /// A JWS does not have exactly three parts separated by '.'.
    JwsParts,
    /// A JWS part is not canonical unpadded base64url.
    Base64 {
        /// Which part: "header", "payload" or "signature".
        part: &'static str,
    },
    /// A part is longer than the limit.
    PartTooLarge {
        /// Which part.
        part: &'static str,
        /// The limit, in bytes.
        limit: usize,
    },
    /// The signature is not 64 bytes.
    SignatureLength,
    /// QR text given in parts (one per QR code) that do not join into one text.
    Parts(crate::parts::PartsError),
    /// QR text damaged at a place in what was given (line and column, from 1): a character that
    /// cannot be in QR text (`found`), or a base45 group out of range there (`None`).
    Damaged {
        /// The line.
        line: usize,
        /// The column, in characters.
        column: usize,
        /// The character that cannot be there.
        found: Option<char>,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { limit } => {
                write!(
                    f,
                    "input is larger than {limit} bytes; no certificate is that large"
                )
            }
            Self::Empty => f.write_str("input is empty"),
            Self::UnknownFormat => f.write_str(
                "input is neither QR text (starting GSC1:) nor a JWS (three base64url parts \
                 separated by '.')",
            ),
            Self::Base45(e) => write!(f, "QR text: {e}"),
            Self::Deflate => f.write_str("QR text: compressed data is corrupt or truncated"),
            Self::InflatedTooLarge { limit } => {
                write!(
                    f,
                    "QR text: compressed data inflates to more than {limit} bytes"
                )
            }
            Self::TrailingData => f.write_str("QR text: compressed data has bytes after its end"),
            Self::Checksum => {
                f.write_str("QR text: checksum mismatch; the text was damaged or altered")
            }
            Self::Envelope => f.write_str("QR text: the envelope inside is malformed"),
            Self::JwsParts => f.write_str("JWS: expected three parts separated by '.'"),
            Self::Base64 { part } => write!(f, "JWS: the {part} is not unpadded base64url"),
            Self::PartTooLarge { part, limit } => {
                write!(f, "the {part} is larger than {limit} bytes")
            }
            Self::SignatureLength => f.write_str("the signature is not 64 bytes long"),
            Self::Parts(e) => e.fmt(f),
            Self::Damaged {
                line,
                column,
                found: Some(c),
            } => write!(
                f,
                "QR text, line {line}, column {column}: {c:?} cannot be in QR text (only 0-9, \
                 A-Z, space and $%*+-./:); it was changed in copying (such as to lower case): \
                 copy it again from the .qr.txt file, or scan the code"
            ),
            Self::Damaged {
                line,
                column,
                found: None,
            } => write!(
                f,
                "QR text, line {line}, column {column}: the characters there are not valid \
                 base45; the text was damaged in copying: copy it again, or scan the code"
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

impl From<Base45Error> for DecodeError {
    fn from(e: Base45Error) -> Self {
        Self::Base45(e)
    }
}

/// A signed certificate as it travels: the exact protected header bytes, the exact payload bytes
/// and the signature. Nothing here has been verified.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedCertificate {
    header: Vec<u8>,
    payload: Vec<u8>,
    signature: [u8; SIGNATURE_LEN],
}

impl fmt::Debug for SignedCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The payload holds personal data: show only sizes.
        f.debug_struct("SignedCertificate")
            .field("header_len", &self.header.len())
            .field("payload_len", &self.payload.len())
            .finish_non_exhaustive()
    }
}

fn check_len(part: &'static str, len: usize, limit: usize) -> Result<(), DecodeError> {
    if len > limit {
        Err(DecodeError::PartTooLarge { part, limit })
    } else {
        Ok(())
    }
}

impl SignedCertificate {
    /// Assembles a signed certificate from its parts (used by the issuer after signing).
    pub fn from_parts(
        header: Vec<u8>,
        payload: Vec<u8>,
        signature: [u8; SIGNATURE_LEN],
    ) -> Result<Self, DecodeError> {
        check_len("header", header.len(), MAX_HEADER_LEN)?;
        check_len("payload", payload.len(), MAX_PAYLOAD_LEN)?;
        Ok(Self {
            header,
            payload,
            signature,
        })
    }

    /// The exact protected header bytes (JSON).
    pub fn header(&self) -> &[u8] {
        &self.header
    }

    /// The exact payload bytes (JSON). Unverified until a verifier has checked the signature.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The Ed25519 signature.
    pub fn signature(&self) -> &[u8; SIGNATURE_LEN] {
        &self.signature
    }

    /// The JWS signing input: `BASE64URL(header) '.' BASE64URL(payload)`.
    pub fn signing_input(&self) -> String {
        signing_input(&self.header, &self.payload)
    }

    /// Reads a certificate from the text of a `.jws` file or QR text, whichever it is. One
    /// trailing line break (`\n` or `\r\n`) is allowed; nothing else around the text is. QR
    /// text in parts ([`crate::parts`]) is given a part a line, in any order.
    pub fn decode(input: &[u8]) -> Result<(Self, Carrier), DecodeError> {
        if input.len() > crate::limits::MAX_INPUT_LEN {
            return Err(DecodeError::TooLarge {
                limit: crate::limits::MAX_INPUT_LEN,
            });
        }
        // What a person pastes (see [`crate::pasted`]): white space before the text goes.
        let pasted = input;
        let input = crate::pasted::after_leading_space(input);
        if input.iter().all(u8::is_ascii_whitespace) {
            return Err(DecodeError::Empty);
        }
        if input.starts_with(crate::parts::PART_PREFIX.as_bytes()) {
            // The texts of several QR codes, a part a line: joined, then read as one.
            let text = std::str::from_utf8(input)
                .map_err(|_| DecodeError::Parts(crate::parts::PartsError::Malformed { line: 1 }))?;
            let whole = crate::parts::join_lines(text).map_err(DecodeError::Parts)?;
            match Self::from_qr_text(&whole) {
                Ok(signed) => Ok((signed, Carrier::QrText)),
                Err(error) => {
                    // Spaces a mail program added at the ends of the lines, if the CRC agrees.
                    let trimmed: String = text
                        .lines()
                        .map(|line| line.trim_end_matches([' ', '\t', '\r']))
                        .collect::<Vec<_>>()
                        .join("\n");
                    crate::parts::join_lines(&trimmed)
                        .ok()
                        .and_then(|whole| Self::from_qr_text(&whole).ok())
                        .map(|signed| (signed, Carrier::QrText))
                        .ok_or(error)
                }
            }
        } else if input.starts_with(QR_PREFIX.as_bytes()) {
            Ok((Self::from_pasted_qr_text(pasted, input)?, Carrier::QrText))
        } else if input.contains(&b'.') {
            let text =
                std::str::from_utf8(input).map_err(|_| DecodeError::Base64 { part: "header" })?;
            let text = crate::pasted::without_space(text);
            Ok((Self::from_compact(&text)?, Carrier::Jws))
        } else {
            Err(DecodeError::UnknownFormat)
        }
    }

    /// Reads QR text as pasted (`input`: `pasted` from the `GSC1:` prefix on): line breaks
    /// dropped; spaces and tabs at the end dropped only if it does not decode with them; damage
    /// named by its line and column in `pasted`.
    fn from_pasted_qr_text(pasted: &[u8], input: &[u8]) -> Result<Self, DecodeError> {
        let locate = |index: usize, found: Option<char>| {
            let (line, column) = crate::pasted::locate(&String::from_utf8_lossy(pasted), index);
            DecodeError::Damaged {
                line,
                column,
                found,
            }
        };
        let text = std::str::from_utf8(input).map_err(|e| {
            let joined_before = crate::pasted::joined(
                std::str::from_utf8(&input[..e.valid_up_to()]).unwrap_or_default(),
            );
            locate(joined_before.len(), Some(char::REPLACEMENT_CHARACTER))
        })?;
        let joined = crate::pasted::joined(text);
        let error = match Self::from_qr_text(&joined) {
            Ok(signed) => return Ok(signed),
            Err(error) => error,
        };
        // Spaces or tabs a paste added at the end, one at a time, so that a space that ends the
        // text itself stays (base45 has the space); the CRC-32 decides.
        let mut shorter = joined.as_str();
        for _ in 0..crate::pasted::MAX_TRAILING_SPACE {
            match shorter.strip_suffix([' ', '\t']) {
                Some(rest) => shorter = rest,
                None => break,
            }
            if let Ok(signed) = Self::from_qr_text(shorter) {
                return Ok(signed);
            }
        }
        Err(match error {
            DecodeError::Base45(Base45Error::Alphabet { position }) => {
                let index = QR_PREFIX.len() + position;
                let found = joined.get(index..).and_then(|rest| rest.chars().next());
                locate(index, found)
            }
            DecodeError::Base45(Base45Error::Overflow { position }) => {
                locate(QR_PREFIX.len() + position, None)
            }
            other => other,
        })
    }

    /// Parses the JWS compact serialization. Every part must be canonical unpadded base64url.
    pub fn from_compact(text: &str) -> Result<Self, DecodeError> {
        if text.len() > MAX_COMPACT_LEN {
            return Err(DecodeError::TooLarge {
                limit: MAX_COMPACT_LEN,
            });
        }
        let mut parts = text.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(DecodeError::JwsParts);
        };
        let decode = |part: &'static str, b64: &str, limit: usize| {
            // Base64url carries 3 bytes per 4 characters: refuse oversize before decoding.
            check_len(part, b64.len() / 4 * 3, limit)?;
            URL_SAFE_NO_PAD
                .decode(b64)
                .map_err(|_| DecodeError::Base64 { part })
        };
        let header = decode("header", h, MAX_HEADER_LEN)?;
        let payload = decode("payload", p, MAX_PAYLOAD_LEN)?;
        let signature = decode("signature", s, MAX_HEADER_LEN)?;
        let signature = signature
            .try_into()
            .map_err(|_| DecodeError::SignatureLength)?;
        Self::from_parts(header, payload, signature)
    }

    /// The JWS compact serialization.
    pub fn to_compact(&self) -> String {
        let mut out = self.signing_input();
        out.push('.');
        out.push_str(&URL_SAFE_NO_PAD.encode(self.signature));
        out
    }

    /// The SHA-256 of the JWS compact serialization's ASCII bytes: what the transparency log's
    /// entry records of the certificate.
    pub fn jws_sha256(&self) -> [u8; 32] {
        use sha2::Digest as _;
        sha2::Sha256::digest(self.to_compact().as_bytes()).into()
    }

    /// Parses QR text: `GSC1:` + base45(raw DEFLATE(envelope)). Lowercase is refused (QR
    /// alphanumeric mode has none), as is anything after the end of the compressed data.
    pub fn from_qr_text(text: &str) -> Result<Self, DecodeError> {
        if text.len() > MAX_QR_TEXT_LEN {
            return Err(DecodeError::TooLarge {
                limit: MAX_QR_TEXT_LEN,
            });
        }
        let body = text
            .strip_prefix(QR_PREFIX)
            .ok_or(DecodeError::UnknownFormat)?;
        let data = base45::decode(body)?;
        let (compressed, crc) = data.split_last_chunk::<4>().ok_or(DecodeError::Deflate)?;
        if crc32(compressed) != u32::from_be_bytes(*crc) {
            return Err(DecodeError::Checksum);
        }
        let envelope = inflate_all(compressed, QR_DICTIONARY, MAX_INFLATED_LEN)?;
        Self::from_envelope(&envelope)
    }

    /// The QR text for this certificate.
    pub fn to_qr_text(&self) -> String {
        qr_text_of_deflated(deflate_with_dictionary(&self.envelope(), QR_DICTIONARY))
    }

    /// Envelope: u16 header length, header, u16 payload length, payload, 64-byte signature; all
    /// lengths big-endian, nothing after.
    fn envelope(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(4 + self.header.len() + self.payload.len() + SIGNATURE_LEN);
        for part in [&self.header, &self.payload] {
            // from_parts caps both parts far below u16::MAX.
            out.extend_from_slice(&(part.len() as u16).to_be_bytes());
            out.extend_from_slice(part);
        }
        out.extend_from_slice(&self.signature);
        out
    }

    fn from_envelope(mut rest: &[u8]) -> Result<Self, DecodeError> {
        let take_part = |rest: &mut &[u8]| -> Result<Vec<u8>, DecodeError> {
            let (len, tail) = rest.split_first_chunk::<2>().ok_or(DecodeError::Envelope)?;
            let len = usize::from(u16::from_be_bytes(*len));
            if tail.len() < len {
                return Err(DecodeError::Envelope);
            }
            let (part, tail) = tail.split_at(len);
            *rest = tail;
            Ok(part.to_vec())
        };
        let header = take_part(&mut rest)?;
        let payload = take_part(&mut rest)?;
        let signature: [u8; SIGNATURE_LEN] = rest.try_into().map_err(|_| DecodeError::Envelope)?;
        Self::from_parts(header, payload, signature)
    }
}

/// The JWS signing input for a header and payload.
pub fn signing_input(header: &[u8], payload: &[u8]) -> String {
    let mut out = URL_SAFE_NO_PAD.encode(header);
    out.push('.');
    out.push_str(&URL_SAFE_NO_PAD.encode(payload));
    out
}

/// The QR text framing around raw DEFLATE data: `GSC1:` + base45(data || CRC-32(data)). Tests and
/// fuzzing use it to wrap compressed bytes of their choosing.
pub fn qr_text_of_deflated(mut data: Vec<u8>) -> String {
    let crc = crc32(&data);
    data.extend_from_slice(&crc.to_be_bytes());
    let mut out = String::from(QR_PREFIX);
    out.push_str(&base45::encode(&data));
    out
}

pub use crate::checksum::crc32;

/// Raw DEFLATE of `data` with `dictionary` as its history: the compressor reads the dictionary,
/// flushes to a byte boundary, and only what it writes after that is kept.
fn deflate_with_dictionary(data: &[u8], dictionary: &[u8]) -> Vec<u8> {
    use miniz_oxide::deflate::core::{
        CompressorOxide, TDEFLFlush, compress, create_comp_flags_from_zip_params,
    };
    let mut compressor = CompressorOxide::new(create_comp_flags_from_zip_params(10, -15, 0));
    // DEFLATE never grows data by more than a few bytes per 16 KiB block.
    let mut out = vec![0u8; dictionary.len() + data.len() + 1024];
    let (_, _, primed) = compress(&mut compressor, dictionary, &mut out, TDEFLFlush::Sync);
    let (_, _, written) = compress(
        &mut compressor,
        data,
        &mut out[primed..],
        TDEFLFlush::Finish,
    );
    out.copy_within(primed..primed + written, 0);
    out.truncate(written);
    out
}

/// Inflates all of `data`, with `dictionary` as its history, into at most `limit` bytes; data
/// after the final block is an error.
fn inflate_all(data: &[u8], dictionary: &[u8], limit: usize) -> Result<Vec<u8>, DecodeError> {
    let start = dictionary.len();
    let mut out = vec![0u8; start + limit.saturating_add(1)];
    out[..start].copy_from_slice(dictionary);
    let mut state = DecompressorOxide::new();
    let flags = inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    let (status, consumed, produced) = decompress(&mut state, data, &mut out, start, flags);
    match status {
        TINFLStatus::Done if consumed != data.len() => Err(DecodeError::TrailingData),
        TINFLStatus::Done if produced <= limit => {
            out.truncate(start + produced);
            out.drain(..start);
            Ok(out)
        }
        TINFLStatus::Done | TINFLStatus::HasMoreOutput => {
            Err(DecodeError::InflatedTooLarge { limit })
        }
        _ => Err(DecodeError::Deflate),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SignedCertificate {
        sample_with_signature(7)
    }

    fn sample_with_signature(byte: u8) -> SignedCertificate {
        SignedCertificate::from_parts(
            br#"{"alg":"EdDSA"}"#.to_vec(),
            br#"{"hello":"world","hello2":"world"}"#.to_vec(),
            [byte; 64],
        )
        .unwrap()
    }

    #[test]
    fn compact_and_qr_text_convert_without_loss() {
        let s = sample();
        assert_eq!(SignedCertificate::from_compact(&s.to_compact()).unwrap(), s);
        let qr = s.to_qr_text();
        assert!(
            qr.bytes()
                .all(|b| b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".contains(&b))
        );
        assert_eq!(SignedCertificate::from_qr_text(&qr).unwrap(), s);
    }

    /// Issue 24, item 2: what a person pastes (a CRLF at the end, white space before, the text
    /// wrapped at 76 columns as e-mail does, spaces a mail program adds) reads as the text; a
    /// space inside the text is data and never dropped.
    #[test]
    fn pasted_qr_text_reads_as_it_was_signed_and_its_own_spaces_are_kept() {
        for s in [sample(), sample_with_signature(1), sample_with_signature(2)] {
            let qr = s.to_qr_text();
            let wrapped = |line_end: &str| {
                qr.as_bytes()
                    .chunks(76)
                    .map(|line| std::str::from_utf8(line).unwrap())
                    .collect::<Vec<_>>()
                    .join(line_end)
            };
            for pasted in [
                qr.clone(),
                format!("{qr}\r\n"),
                format!("  \r\n\t {qr}\n"),
                format!("\u{feff}{qr}"),
                format!("{qr}   "),
                format!("{qr} \t\r\n"),
                wrapped("\r\n"),
                format!("{}\n", wrapped("\n")),
            ] {
                let (decoded, carrier) = SignedCertificate::decode(pasted.as_bytes())
                    .unwrap_or_else(|e| panic!("{pasted:?}: {e}"));
                assert_eq!(
                    (decoded, carrier),
                    (s.clone(), Carrier::QrText),
                    "{pasted:?}"
                );
            }
        }
        // A space inside is data: one more, or one fewer, is damage.
        let qr = (0..=255)
            .map(|byte| sample_with_signature(byte).to_qr_text())
            .find(|text| text.contains(' '))
            .expect("a text with a space");
        let space = qr.find(' ').unwrap();
        let doubled = format!("{} {}", &qr[..space], &qr[space..]);
        let dropped = format!("{}{}", &qr[..space], &qr[space + 1..]);
        assert!(SignedCertificate::decode(qr.as_bytes()).is_ok());
        assert!(SignedCertificate::decode(doubled.as_bytes()).is_err());
        assert!(SignedCertificate::decode(dropped.as_bytes()).is_err());
        // A wrapped JWS reads too: base64url holds no white space.
        let jws = sample().to_compact();
        let wrapped: String = jws
            .as_bytes()
            .chunks(40)
            .map(|line| format!(" {}\r\n", std::str::from_utf8(line).unwrap()))
            .collect();
        assert_eq!(
            SignedCertificate::decode(wrapped.as_bytes()).unwrap(),
            (sample(), Carrier::Jws)
        );
    }

    /// Real damage is refused, named by its line and column in what was pasted.
    #[test]
    fn damage_in_pasted_qr_text_is_named_by_line_and_column() {
        let qr = sample().to_qr_text();
        assert!(qr.len() > 30, "{qr}");
        let mut lines: Vec<String> = vec![qr[..10].to_string(), qr[10..].to_string()];
        let at = lines[1]
            .char_indices()
            .find(|(_, c)| c.is_ascii_uppercase())
            .map(|(i, _)| i)
            .unwrap();
        let lower = lines[1][at..=at].to_ascii_lowercase();
        lines[1].replace_range(at..=at, &lower);
        let pasted = format!("\n{}\r\n{}\r\n", lines[0], lines[1]);
        let error = SignedCertificate::decode(pasted.as_bytes()).unwrap_err();
        assert_eq!(
            error,
            DecodeError::Damaged {
                line: 3,
                column: at + 1,
                found: lower.chars().next(),
            }
        );
        assert!(
            error
                .to_string()
                .starts_with(&format!("QR text, line 3, column {}:", at + 1)),
            "{error}"
        );
    }

    #[test]
    fn data_after_the_deflate_stream_is_refused() {
        let s = sample();
        let mut compressed = deflate_with_dictionary(&s.envelope(), QR_DICTIONARY);
        assert_eq!(
            inflate_all(&compressed, QR_DICTIONARY, 1000).unwrap(),
            s.envelope()
        );
        compressed.push(0);
        assert_eq!(
            inflate_all(&compressed, QR_DICTIONARY, 1000),
            Err(DecodeError::TrailingData)
        );
    }

    #[test]
    fn the_dictionary_is_history_not_output() {
        let text = br#"{"appeal":"pending","findings":[],"convictions":[]}"#;
        let with = deflate_with_dictionary(text, QR_DICTIONARY);
        let without = deflate_with_dictionary(text, b"");
        assert!(
            with.len() < without.len(),
            "{} vs {}",
            with.len(),
            without.len()
        );
        assert_eq!(inflate_all(&with, QR_DICTIONARY, 1000).unwrap(), text);
        assert_eq!(inflate_all(&without, b"", 1000).unwrap(), text);
        // Without the dictionary the back-references point before the start of the data.
        assert_eq!(inflate_all(&with, b"", 1000), Err(DecodeError::Deflate));
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn inflation_beyond_the_cap_is_refused() {
        let big = vec![b'A'; 100_000];
        let data = miniz_oxide::deflate::compress_to_vec(&big, 10);
        assert!(data.len() < 1000, "the bomb is small: {}", data.len());
        let text = qr_text_of_deflated(data);
        assert_eq!(
            SignedCertificate::from_qr_text(&text),
            Err(DecodeError::InflatedTooLarge {
                limit: MAX_INFLATED_LEN
            })
        );
    }

    #[test]
    fn padded_or_non_canonical_base64_is_refused() {
        let s = sample().to_compact();
        let mut parts: Vec<String> = s.split('.').map(String::from).collect();
        parts[0].push('=');
        assert_eq!(
            SignedCertificate::from_compact(&parts.join(".")),
            Err(DecodeError::Base64 { part: "header" })
        );
    }
}
