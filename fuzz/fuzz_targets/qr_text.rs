//! QR text (`GSC1:` base45, DEFLATE with the preset dictionary, the envelope): decoding never
//! panics or allocates beyond the caps, and whatever decodes re-encodes to QR text that decodes
//! to the same signed certificate.
#![no_main]

use goodstanding_verifier::SignedCertificate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for candidate in [text.to_string(), format!("GSC1:{text}")] {
        if let Ok(signed) = SignedCertificate::from_qr_text(&candidate) {
            let again = SignedCertificate::from_qr_text(&signed.to_qr_text())
                .expect("QR text we wrote must decode");
            assert_eq!(again, signed);
            let compact = SignedCertificate::from_compact(&signed.to_compact())
                .expect("a decoded certificate converts to a JWS");
            assert_eq!(compact, signed);
        }
    }
});
