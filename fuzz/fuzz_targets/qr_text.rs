//! QR text (`GSC1:` base45, DEFLATE with the preset dictionary, CRC-32, the envelope): decoding
//! never panics or allocates beyond the caps, and whatever decodes re-encodes to QR text that
//! decodes to the same signed certificate.
//!
//! Random bytes rarely survive base45, the CRC and DEFLATE, so the first byte chooses which layer
//! the rest of the input reaches:
//! - 0: the rest is the QR text itself (all layers);
//! - 1: the rest is the compressed data; the target appends its CRC and base45-encodes it, so
//!   inflating with the dictionary is reached;
//! - 2: the rest is the envelope; the target wraps it in a stored DEFLATE block, so the envelope
//!   and JWS header/payload parsing are reached;
//! - 3: the rest is QR text in parts (`GSC1-k/n-TAG:...`, a part a line), as pasted or read from
//!   several QR codes: joining never panics, and what joins reads as any QR text.
#![no_main]

use goodstanding_verifier::{QR_PREFIX, SignedCertificate, carrier::qr_text_of_deflated, parts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                check(text);
                check(&format!("{QR_PREFIX}{text}"));
            }
        }
        1 => check(&qr_text_of_deflated(rest.to_vec())),
        3 => {
            if let Ok(text) = std::str::from_utf8(rest)
                && let Ok(whole) = parts::join_lines(text)
            {
                check(&whole);
                // A whole text that splits again joins back to itself.
                if let Some(again) = parts::split(&whole).filter(|again| again.len() > 1) {
                    assert_eq!(parts::join(&again).ok().as_deref(), Some(whole.as_str()));
                }
            }
            let _ = SignedCertificate::decode(rest);
        }
        _ => {
            // One stored block (BFINAL=1, BTYPE=00): LEN and its complement, little-endian.
            let Ok(len) = u16::try_from(rest.len()) else {
                return;
            };
            let mut compressed = vec![0x01];
            compressed.extend_from_slice(&len.to_le_bytes());
            compressed.extend_from_slice(&(!len).to_le_bytes());
            compressed.extend_from_slice(rest);
            check(&qr_text_of_deflated(compressed));
        }
    }
});

fn check(text: &str) {
    if let Ok(signed) = SignedCertificate::from_qr_text(text) {
        let again = SignedCertificate::from_qr_text(&signed.to_qr_text())
            .expect("QR text we wrote must decode");
        assert_eq!(again, signed);
        let compact = SignedCertificate::from_compact(&signed.to_compact())
            .expect("a decoded certificate converts to a JWS");
        assert_eq!(compact, signed);
    }
}
