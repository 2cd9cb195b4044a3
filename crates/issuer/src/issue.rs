//! Issuing: validate, assemble, sign; and the QR size of the result.

use std::fmt;

use goodstanding_verifier::model::{Certificate, Issuer, SCHEMA_VERSION};
use goodstanding_verifier::verify::ProtectedHeader;
use goodstanding_verifier::{CertificateId, SignedCertificate, Timestamp};

use crate::keys::IssuingKey;
use crate::request::CertificateRequest;
use crate::validate::{Violations, validate};

/// Why a certificate could not be issued.
#[derive(Debug)]
pub enum IssueError {
    /// The request breaks one or more rules.
    Invalid(Violations),
    /// The system random number generator failed (no certificate id).
    Randomness,
    /// The signed certificate is larger than any carrier allows.
    TooLarge(String),
}

impl fmt::Display for IssueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid(v) => write!(f, "the request breaks {} rule(s):\n{v}", v.0.len()),
            Self::Randomness => f.write_str("the system random number generator failed"),
            Self::TooLarge(e) => write!(f, "the certificate is too large: {e}"),
        }
    }
}

impl std::error::Error for IssueError {}

/// A signed certificate and what it says.
#[derive(Debug, Clone)]
pub struct IssuedCertificate {
    /// The content, as signed.
    pub certificate: Certificate,
    /// The signed form.
    pub signed: SignedCertificate,
}

impl IssuedCertificate {
    /// The certificate id.
    pub fn id(&self) -> &CertificateId {
        &self.certificate.id
    }

    /// The `.jws` text (JWS compact serialization).
    pub fn jws(&self) -> String {
        self.signed.to_compact()
    }

    /// The `GSC1:` QR text.
    pub fn qr_text(&self) -> String {
        self.signed.to_qr_text()
    }
}

/// A new random certificate id: 128 bits as lowercase base32.
pub fn random_certificate_id() -> Result<CertificateId, IssueError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| IssueError::Randomness)?;
    CertificateId::new(base32_lower(&bytes)).map_err(|_| IssueError::Randomness)
}

/// RFC 4648 base32, lowercase, no padding.
fn base32_lower(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Validates `request` and signs a certificate with a new random id, issued at `now`.
pub fn issue(
    request: &CertificateRequest,
    key: &IssuingKey,
    now: Timestamp,
) -> Result<IssuedCertificate, IssueError> {
    let id = random_certificate_id()?;
    issue_with_id(request, key, now, id)
}

/// As [`issue`], with a given id (for reproducible tests and benchmarks).
pub fn issue_with_id(
    request: &CertificateRequest,
    key: &IssuingKey,
    now: Timestamp,
    id: CertificateId,
) -> Result<IssuedCertificate, IssueError> {
    let valid = validate(request, now).map_err(IssueError::Invalid)?;
    let certificate = Certificate {
        schema_version: SCHEMA_VERSION,
        id,
        issuer: Issuer {
            name: valid.issuer,
            kid: key.kid().clone(),
        },
        issued_at: now,
        information_as_at: valid.information_as_at,
        valid_from: valid.valid_from,
        valid_until: valid.valid_until,
        subject: valid.subject,
        findings: valid.findings,
        convictions: valid.convictions,
        departures: valid.departures,
    };
    sign_certificate(certificate, key)
}

/// Signs an assembled certificate.
pub fn sign_certificate(
    certificate: Certificate,
    key: &IssuingKey,
) -> Result<IssuedCertificate, IssueError> {
    let header = ProtectedHeader::for_certificate(key.kid()).to_bytes();
    let payload =
        serde_json::to_vec(&certificate).map_err(|e| IssueError::TooLarge(e.to_string()))?;
    let signature =
        key.sign(goodstanding_verifier::carrier::signing_input(&header, &payload).as_bytes());
    let signed = SignedCertificate::from_parts(header, payload, signature)
        .map_err(|e| IssueError::TooLarge(e.to_string()))?;
    Ok(IssuedCertificate {
        certificate,
        signed,
    })
}

/// The smallest QR version (1-40) that holds `text` at error correction M, or `None` if none
/// does.
pub fn qr_version(text: &str) -> Option<i16> {
    match qrcode::bits::encode_auto(text.as_bytes(), qrcode::EcLevel::M)
        .ok()?
        .version()
    {
        qrcode::Version::Normal(v) => Some(v),
        qrcode::Version::Micro(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_matches_rfc_4648_vectors() {
        // RFC 4648 section 10, lowercased and unpadded.
        for (input, expected) in [
            ("", ""),
            ("f", "my"),
            ("fo", "mzxq"),
            ("foo", "mzxw6"),
            ("foob", "mzxw6yq"),
            ("fooba", "mzxw6ytb"),
            ("foobar", "mzxw6ytboi"),
        ] {
            assert_eq!(base32_lower(input.as_bytes()), expected);
        }
        assert_eq!(random_certificate_id().unwrap().as_str().len(), 26);
    }
}
