//! Certificate requests as JSON, through the parser and every rule: never a panic.
#![no_main]

mod common;

use goodstanding_issuer::CertificateRequest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(request) = CertificateRequest::from_json(text) {
        let _ = goodstanding_issuer::validate(&request, common::now());
    }
});
