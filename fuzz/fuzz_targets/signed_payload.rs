//! Certificate payloads behind a good signature: the fuzzer's bytes are signed with the trusted
//! key, so parsing and the policy checks that come after the signature are reached. Never a
//! panic; whatever verifies is a certificate that round-trips through both carriers.
#![no_main]

mod common;

use goodstanding_verifier::{ProtectedHeader, SignedCertificate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|payload: &[u8]| {
    let key = common::key();
    let trust = common::trust(&key);
    let header = ProtectedHeader::for_certificate(key.kid()).to_bytes();
    // A key in memory always signs.
    let Ok(signature) =
        key.sign(goodstanding_verifier::carrier::signing_input(&header, payload).as_bytes())
    else {
        return;
    };
    let Ok(signed) = SignedCertificate::from_parts(header, payload.to_vec(), signature) else {
        return;
    };
    let compact = signed.to_compact();
    let from_jws = goodstanding_verifier::verify(compact.as_bytes(), &trust, common::now());
    if let Ok(verified) = &from_jws {
        let qr = signed.to_qr_text();
        let from_qr = goodstanding_verifier::verify(qr.as_bytes(), &trust, common::now())
            .expect("the same certificate from QR text");
        assert_eq!(from_qr.certificate, verified.certificate);
    }
});
