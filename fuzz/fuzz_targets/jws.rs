//! Whole inputs as `goodstanding verify` reads them (JWS compact form, QR text, anything):
//! verification never panics.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let key = common::key();
    let trust = common::trust(&key);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = goodstanding_verifier::SignedCertificate::from_compact(text);
    }
    let _ = goodstanding_verifier::verify(data, &trust, common::now());
});
