//! Issuing: validate, assemble, sign; and the QR size of the result.

use std::fmt;

use goodstanding_verifier::model::{Certificate, Issuer, SCHEMA_VERSION};
use goodstanding_verifier::verify::ProtectedHeader;

pub use crate::base32::base32_lower;
use goodstanding_verifier::{CertificateId, SignedCertificate, Timestamp};

use crate::keys::{IssuingKey, SignError};
use crate::pdf::RenderError;
use crate::request::CertificateRequest;
use crate::validate::{Notice, Policy, Violations, validate_with};

/// Why a certificate could not be issued.
#[derive(Debug)]
pub enum IssueError {
    /// The request breaks one or more rules.
    Invalid(Violations),
    /// The system random number generator failed (no certificate id).
    Randomness,
    /// The signed certificate is larger than any carrier allows.
    TooLarge(String),
    /// The certificate could not be written as JSON (a bug: every certificate type serializes).
    Serialize(String),
    /// The QR text does not fit [`MAX_QR_CODES`] QR codes of at most [`MAX_QR_VERSION`].
    QrTooLarge {
        /// Length of the QR text.
        characters: usize,
        /// The longest free-text fields: path and length in characters.
        longest: Vec<(String, usize)>,
    },
    /// The key could not sign (a token failed).
    Signing(SignError),
}

/// The largest QR version of each QR code a certificate is printed as, at error correction M:
/// beyond it, modules get too small for phone cameras at the printed size. A longer QR text is
/// printed as several codes ([`goodstanding_verifier::parts`]).
pub const MAX_QR_VERSION: i16 = goodstanding_verifier::parts::MAX_SYMBOL_VERSION;

/// QR text characters that version [`MAX_QR_VERSION`] holds at error correction M.
pub const MAX_QR_CHARACTERS: usize = goodstanding_verifier::parts::MAX_SYMBOL_CHARACTERS;

/// Most QR codes a certificate is printed as.
pub const MAX_QR_CODES: usize = goodstanding_verifier::parts::MAX_PARTS;

impl fmt::Display for IssueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid(v) => write!(f, "the request breaks {} rule(s):\n{v}", v.0.len()),
            Self::Randomness => f.write_str("the system random number generator failed"),
            Self::TooLarge(e) => write!(f, "the certificate is too large: {e}"),
            Self::Serialize(e) => write!(
                f,
                "the certificate could not be written as JSON ({e}); nothing was signed: report \
                 this as a bug in goodstanding"
            ),
            Self::QrTooLarge {
                characters,
                longest,
            } => {
                write!(
                    f,
                    "the certificate is too large for its QR codes: its QR text has \
                     {characters} characters, and at most {} fit the {MAX_QR_CODES} QR codes \
                     (version {MAX_QR_VERSION} at most, so that phones can scan them) a \
                     certificate may be printed as. Shorten the longest free text, such as: {}",
                    goodstanding_verifier::parts::MAX_WHOLE_CHARACTERS,
                    longest
                        .iter()
                        .map(|(path, len)| format!("{path} ({len} characters)"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
            Self::Signing(e) => e.fmt(f),
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
    /// The `GSC1:` QR text, computed once when signing (its size is checked then).
    qr_text: String,
    /// How many QR codes the PDF prints it as (1 to [`MAX_QR_CODES`]).
    qr_codes: usize,
    /// The QR version of the largest of them at error correction M (at most
    /// [`MAX_QR_VERSION`]).
    qr_version: i16,
    /// What the operator is told: records the law kept off the certificate (by field, never by
    /// content). Not part of the certificate.
    pub notices: Vec<Notice>,
    /// The issuing body the trust list names for the signing key, printed on the PDF with its
    /// address and check address (set by the caller, who holds the trust list).
    pub issuing_body: Option<goodstanding_verifier::lists::IssuingBody>,
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
    pub fn qr_text(&self) -> &str {
        &self.qr_text
    }

    /// The QR version at error correction M of the largest QR code [`Self::qr_text`] is
    /// printed as.
    pub fn qr_version(&self) -> i16 {
        self.qr_version
    }

    /// How many QR codes [`Self::qr_text`] is printed as: 1, or more for a long certificate.
    pub fn qr_codes(&self) -> usize {
        self.qr_codes
    }

    /// The certificate's three files, named as [`CERTIFICATE_FILES`] says: the `.jws`, the QR
    /// text and the PDF. Renders the PDF, so a name the fonts cannot print is refused here.
    pub fn files(&self) -> Result<[(String, Vec<u8>); 3], RenderError> {
        let pdf = crate::pdf::render_for(
            &self.certificate,
            &self.signed,
            &self.qr_text,
            self.issuing_body.as_ref(),
        )?;
        let id = self.id();
        Ok([
            (
                format!("{id}.jws"),
                format!("{}\n", self.jws()).into_bytes(),
            ),
            (
                format!("{id}.qr.txt"),
                format!("{}\n", self.qr_text).into_bytes(),
            ),
            (format!("{id}.pdf"), pdf),
        ])
    }
}

/// A logged certificate's files: the `.jws`, the QR text, the PDF with `proof` (its
/// `c2sp.org/tlog-proof`) attached, and the proof as `<id>.tlog-proof`. Made from the signed
/// form alone, so a certificate held back after signing is released with the same bytes.
pub fn logged_files(
    certificate: &Certificate,
    signed: &SignedCertificate,
    body: Option<&goodstanding_verifier::lists::IssuingBody>,
    proof: &str,
) -> Result<[(String, Vec<u8>); 4], RenderError> {
    logged_files_with_qr(certificate, signed, body, proof, &signed.to_qr_text())
}

/// [`logged_files`] with the QR text already made from `signed` (compressing it again is a
/// good part of the cost of a certificate).
pub fn logged_files_with_qr(
    certificate: &Certificate,
    signed: &SignedCertificate,
    body: Option<&goodstanding_verifier::lists::IssuingBody>,
    proof: &str,
    qr_text: &str,
) -> Result<[(String, Vec<u8>); 4], RenderError> {
    let pdf = crate::pdf::render_logged(certificate, signed, qr_text, body, Some(proof))?;
    let id = &certificate.id;
    Ok([
        (
            format!("{id}.jws"),
            format!("{}\n", signed.to_compact()).into_bytes(),
        ),
        (format!("{id}.qr.txt"), format!("{qr_text}\n").into_bytes()),
        (format!("{id}.pdf"), pdf),
        (format!("{id}.{PROOF_FILE}"), proof.as_bytes().to_vec()),
    ])
}

/// The extension of a logged certificate's proof file, after `<id>.`.
pub const PROOF_FILE: &str = "tlog-proof";

/// The extensions of a certificate's files, each after `<id>.`: the `.jws`, the QR text, the
/// PDF.
pub const CERTIFICATE_FILES: [&str; 3] = ["jws", "qr.txt", "pdf"];

/// A new random certificate id: 128 bits as lowercase base32.
pub fn random_certificate_id() -> Result<CertificateId, IssueError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| IssueError::Randomness)?;
    CertificateId::new(base32_lower(&bytes)).map_err(|_| IssueError::Randomness)
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

/// As [`issue`], for a certificate that replaces certificate `replaces` (which the caller
/// revokes): the new certificate names it.
pub fn issue_replacement(
    request: &CertificateRequest,
    key: &IssuingKey,
    now: Timestamp,
    replaces: CertificateId,
) -> Result<IssuedCertificate, IssueError> {
    let id = random_certificate_id()?;
    assemble_and_sign(request, key, now, id, Some(replaces))
}

/// As [`issue`] (or, with `replaces`, [`issue_replacement`]) under an issuing body's `policy`
/// (a register setting) instead of the default one.
pub fn issue_under(
    request: &CertificateRequest,
    key: &IssuingKey,
    now: Timestamp,
    policy: Policy,
    replaces: Option<CertificateId>,
) -> Result<IssuedCertificate, IssueError> {
    let id = random_certificate_id()?;
    let (certificate, notices) = assemble(request, key.kid().clone(), now, id, replaces, policy)?;
    let mut issued = sign_certificate(certificate, key)?;
    issued.notices = notices;
    Ok(issued)
}

/// As [`issue`], with a given id (for reproducible tests and benchmarks).
pub fn issue_with_id(
    request: &CertificateRequest,
    key: &IssuingKey,
    now: Timestamp,
    id: CertificateId,
) -> Result<IssuedCertificate, IssueError> {
    assemble_and_sign(request, key, now, id, None)
}

fn assemble_and_sign(
    request: &CertificateRequest,
    key: &IssuingKey,
    now: Timestamp,
    id: CertificateId,
    supersedes: Option<CertificateId>,
) -> Result<IssuedCertificate, IssueError> {
    let policy = Policy::default();
    let (certificate, notices) = assemble(request, key.kid().clone(), now, id, supersedes, policy)?;
    let mut issued = sign_certificate(certificate, key)?;
    issued.notices = notices;
    Ok(issued)
}

/// Validates `request` like [`issue`] and assembles what the certificate would say, unsigned,
/// for the draft the person it names checks first ([`crate::pdf::render_draft`]). Its id and
/// key id are placeholders that the draft does not show.
pub fn draft(request: &CertificateRequest, now: Timestamp) -> Result<Certificate, IssueError> {
    draft_with_notices(request, now).map(|(certificate, _)| certificate)
}

/// As [`draft`], with the notices for the operator (records the law keeps off the certificate).
pub fn draft_with_notices(
    request: &CertificateRequest,
    now: Timestamp,
) -> Result<(Certificate, Vec<Notice>), IssueError> {
    draft_under(request, now, Policy::default())
}

/// As [`draft_with_notices`], under an issuing body's `policy`.
pub fn draft_under(
    request: &CertificateRequest,
    now: Timestamp,
    policy: Policy,
) -> Result<(Certificate, Vec<Notice>), IssueError> {
    #[allow(clippy::expect_used)]
    // Invariant, not input: constant placeholders in the id and kid alphabets.
    let (id, kid) = (
        CertificateId::new("draftdraftdraftdraftdrafta").expect("26 base32 characters"),
        goodstanding_verifier::KeyId::new("draft").expect("a valid key id"),
    );
    let (draft, notices) = assemble(request, kid, now, id, None, policy)?;
    check_draft_fits(&draft)?;
    Ok((draft, notices))
}

/// Refuses a draft whose certificate would not fit its QR code, as [`issue`] would: its size is
/// measured as signed with a random-looking id, signature and 19-character key id (the length
/// of a default kid, `gs-` and 16 characters), since a draft has none of them.
fn check_draft_fits(draft: &Certificate) -> Result<(), IssueError> {
    #[allow(clippy::expect_used)]
    // Invariant, not input: constants in the id and kid alphabets.
    let (id, kid) = (
        CertificateId::new("q7xk2m5vt4hb3wz3nc6rj5ype2").expect("26 base32 characters"),
        goodstanding_verifier::KeyId::new("gs-Xb7kQ2mZt9Vw4Hc8").expect("a valid key id"),
    );
    let mut sized = draft.clone();
    sized.id = id;
    sized.issuer.kid = kid.clone();
    // Incompressible like a real signature: splitmix64 output.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut signature = [0u8; 64];
    for chunk in signature.chunks_mut(8) {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    let header = ProtectedHeader::for_certificate(&kid).to_bytes();
    let payload = serde_json::to_vec(&sized).map_err(|e| IssueError::Serialize(e.to_string()))?;
    let signed = SignedCertificate::from_parts(header, payload, signature)
        .map_err(|e| IssueError::TooLarge(e.to_string()))?;
    qr_text_that_fits(&sized, &signed).map(|_| ())
}

/// The QR text of `signed`, how many QR codes it is printed as and the largest one's version,
/// or [`IssueError::QrTooLarge`] naming the longest texts of `certificate` to shorten.
fn qr_text_that_fits(
    certificate: &Certificate,
    signed: &SignedCertificate,
) -> Result<(String, usize, i16), IssueError> {
    let qr_text = signed.to_qr_text();
    let too_large = || IssueError::QrTooLarge {
        characters: qr_text.len(),
        longest: longest_free_text(certificate, 3),
    };
    let codes = goodstanding_verifier::parts::split(&qr_text).ok_or_else(too_large)?;
    let versions: Option<Vec<i16>> = codes.iter().map(|code| qr_version(code)).collect();
    let version = versions
        .and_then(|v| v.into_iter().max())
        .filter(|v| *v <= MAX_QR_VERSION)
        .ok_or_else(too_large)?;
    let count = codes.len();
    Ok((qr_text, count, version))
}

fn assemble(
    request: &CertificateRequest,
    kid: goodstanding_verifier::KeyId,
    now: Timestamp,
    id: CertificateId,
    supersedes: Option<CertificateId>,
    policy: Policy,
) -> Result<(Certificate, Vec<Notice>), IssueError> {
    let valid = validate_with(request, now, policy).map_err(IssueError::Invalid)?;
    let certificate = Certificate {
        schema_version: SCHEMA_VERSION,
        id,
        issuer: Issuer {
            name: valid.issuer,
            kid,
        },
        issued_at: now,
        disclosure_level: Some(valid.disclosure_level),
        information_as_at: valid.information_as_at,
        valid_from: valid.valid_from,
        valid_until: valid.valid_until,
        subject: valid.subject,
        findings: valid.findings,
        convictions: valid.convictions,
        departures: valid.departures,
        supersedes,
    };
    Ok((certificate, valid.notices))
}

/// Signs an assembled certificate.
pub fn sign_certificate(
    certificate: Certificate,
    key: &IssuingKey,
) -> Result<IssuedCertificate, IssueError> {
    let header = ProtectedHeader::for_certificate(key.kid()).to_bytes();
    let payload =
        serde_json::to_vec(&certificate).map_err(|e| IssueError::Serialize(e.to_string()))?;
    let signature = key
        .sign(goodstanding_verifier::carrier::signing_input(&header, &payload).as_bytes())
        .map_err(IssueError::Signing)?;
    let signed = SignedCertificate::from_parts(header, payload, signature)
        .map_err(|e| IssueError::TooLarge(e.to_string()))?;
    let (qr_text, qr_codes, qr_version) = qr_text_that_fits(&certificate, &signed)?;
    Ok(IssuedCertificate {
        certificate,
        signed,
        qr_text,
        qr_codes,
        qr_version,
        notices: Vec::new(),
        issuing_body: None,
    })
}

/// The `count` longest free-text values of a certificate, with their field paths.
fn longest_free_text(certificate: &Certificate, count: usize) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = goodstanding_verifier::summary::text_fields(certificate)
        .into_iter()
        // Coded values are snake_case and dates are digits: neither can be shortened.
        .filter(|(path, text)| {
            !text.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                && !text.starts_with(|c: char| c.is_ascii_digit())
                && !matches!(path.rsplit('.').next(), Some("id" | "kid"))
        })
        .map(|(path, text)| (path, text.chars().count()))
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out.truncate(count);
    out
}

/// The smallest QR version (1-40) that holds `text` at error correction M, or `None` if none
/// does.
pub fn qr_version(text: &str) -> Option<i16> {
    match crate::qr::data_bits(text).ok()?.version() {
        qrcode::Version::Normal(v) => Some(v),
        qrcode::Version::Micro(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_character_budget_is_what_version_25_holds() {
        assert_eq!(
            qr_version(&"A".repeat(MAX_QR_CHARACTERS)),
            Some(MAX_QR_VERSION)
        );
        assert_eq!(
            qr_version(&"A".repeat(MAX_QR_CHARACTERS + 1)),
            Some(MAX_QR_VERSION + 1)
        );
    }

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
