//! PDFs: finding the attached certificate and reading the QR code drawn on page 1, then
//! verifying. Never a panic, and no allocation beyond the caps.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let key = common::key();
    let trust = common::trust(&key);
    let _ = goodstanding_verifier::pdf::verify_pdf(data, &trust, common::now());
});
