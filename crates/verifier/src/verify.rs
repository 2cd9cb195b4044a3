//! Verification: signature first, over the exact signed bytes; parsing second; then trust and
//! validity at the time the caller gives.

use std::fmt;

use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::carrier::{Carrier, DecodeError, SignedCertificate};
use crate::model::{Certificate, PREVIOUS_SCHEMA_VERSION, RevocationReason, SCHEMA_VERSION};
use crate::text::KeyId;
use crate::time::{Date, Timestamp};
use crate::trust::{KeyProblem, TrustStore};

/// The JWS `typ` of a goodstanding certificate.
pub const CERTIFICATE_TYP: &str = "gs-cert+jws";

/// The signature algorithm: EdDSA with Ed25519 (RFC 8037).
pub const ALGORITHM: &str = "EdDSA";

/// Longest validity a certificate may have, in days.
pub const MAX_VALIDITY_DAYS: i64 = 90;

/// The protected header of a certificate JWS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtectedHeader {
    /// Always `EdDSA`.
    pub alg: String,
    /// The issuing key's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Always [`CERTIFICATE_TYP`] for certificates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
}

impl ProtectedHeader {
    /// The header of a certificate signed with the key `kid`.
    pub fn for_certificate(kid: &KeyId) -> Self {
        Self {
            alg: ALGORITHM.into(),
            kid: Some(kid.to_string()),
            typ: Some(CERTIFICATE_TYP.into()),
        }
    }

    /// The header's JSON bytes, as signed.
    pub fn to_bytes(&self) -> Vec<u8> {
        // A struct of strings always serializes.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// Which group an error belongs to; the command line maps input errors to exit status 2 and all
/// others to 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input is unreadable or is not a certificate.
    Input,
    /// The signature does not verify.
    Signature,
    /// The signing key is not trusted.
    Trust,
    /// Genuine, but not acceptable now (expired, not yet valid, unsupported version, policy).
    Policy,
}

/// Why a certificate is not valid, or could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// The input could not be decoded.
    Decode(DecodeError),
    /// The protected header is not the JSON header of a certificate.
    Header(String),
    /// The header names another signature algorithm.
    UnsupportedAlgorithm(String),
    /// The header's `typ` says this is not a goodstanding certificate.
    NotACertificate(Option<String>),
    /// No trusted key has this `kid`.
    UnknownKey(String),
    /// The signature does not verify with the trusted key of that `kid`.
    BadSignature,
    /// The payload is signed but its schema version is not supported.
    UnsupportedVersion(u64),
    /// The payload is signed but is not a well-formed certificate.
    InvalidPayload(String),
    /// The signed payload breaks a rule every certificate keeps (kid or validity period).
    Policy(String),
    /// A certificate PDF whose drawn QR code holds a different certificate from its attachment.
    Substituted,
    /// Genuine, but its validity has not started.
    NotYetValid(Box<Verified>),
    /// Genuine, but expired.
    Expired(Box<Verified>),
    /// Signed by a key of the trust list at a time it was not allowed to issue (before its
    /// period, after its retirement, or after its compromise).
    KeyNotAuthorised(KeyProblem),
    /// Genuine, but revoked by its issuer.
    Revoked {
        /// The certificate.
        verified: Box<Verified>,
        /// The day it was revoked.
        on: Date,
        /// Why.
        reason: RevocationReason,
    },
    /// Genuine, but the revocation list is past its next update and a fresh one is required.
    RevocationStale {
        /// The certificate.
        verified: Box<Verified>,
        /// When the list became stale.
        since: Timestamp,
    },
    /// Genuine, but no revocation list is loaded and one is required.
    NoRevocationList(Box<Verified>),
    /// A draft PDF, shown to the person it names before anything was signed: a document that
    /// is not a certificate, with nothing to verify.
    Draft,
    /// Genuine, but its proof does not show it in the issuing body's transparency log.
    NotInLog {
        /// The certificate.
        verified: Box<Verified>,
        /// Why the proof fails.
        reason: String,
    },
}

impl VerifyError {
    /// The group this error belongs to.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Decode(_) | Self::Header(_) | Self::NotACertificate(_) => ErrorKind::Input,
            Self::UnsupportedAlgorithm(_) | Self::BadSignature | Self::Substituted => {
                ErrorKind::Signature
            }
            Self::UnknownKey(_) | Self::KeyNotAuthorised(_) => ErrorKind::Trust,
            Self::UnsupportedVersion(_)
            | Self::InvalidPayload(_)
            | Self::Policy(_)
            | Self::NotYetValid(_)
            | Self::Expired(_)
            | Self::Revoked { .. }
            | Self::RevocationStale { .. }
            | Self::NoRevocationList(_)
            | Self::Draft => ErrorKind::Policy,
            Self::NotInLog { .. } => ErrorKind::Trust,
        }
    }

    /// A short stable code for machine-readable output.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Decode(_) => "unreadable",
            Self::Header(_) => "bad_header",
            Self::UnsupportedAlgorithm(_) => "unsupported_algorithm",
            Self::NotACertificate(_) => "not_a_certificate",
            Self::UnknownKey(_) => "unknown_key",
            Self::BadSignature => "bad_signature",
            Self::Substituted => "substituted",
            Self::UnsupportedVersion(_) => "unsupported_version",
            Self::InvalidPayload(_) => "invalid_payload",
            Self::Policy(_) => "policy",
            Self::NotYetValid(_) => "not_yet_valid",
            Self::Expired(_) => "expired",
            Self::KeyNotAuthorised(_) => "key_not_authorised",
            Self::Revoked { .. } => "revoked",
            Self::RevocationStale { .. } => "revocation_status_stale",
            Self::NoRevocationList(_) => "no_revocation_list",
            Self::Draft => "draft",
            Self::NotInLog { .. } => "not_in_log",
        }
    }

    /// The genuine certificate, for errors that come after the signature verified.
    pub fn verified(&self) -> Option<&Verified> {
        match self {
            Self::NotYetValid(v) | Self::Expired(v) | Self::NoRevocationList(v) => Some(v),
            Self::Revoked { verified, .. }
            | Self::RevocationStale { verified, .. }
            | Self::NotInLog { verified, .. } => Some(verified),
            _ => None,
        }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Decode(e) => write!(f, "unreadable: {e}"),
            Self::Header(e) => write!(f, "the JWS header is not a certificate header: {e}"),
            Self::UnsupportedAlgorithm(alg) => {
                write!(
                    f,
                    "signature algorithm {alg:?} is not accepted; only EdDSA is"
                )
            }
            Self::NotACertificate(typ) => {
                let what = match typ.as_deref() {
                    Some(crate::lists::TRUST_LIST_TYP) => "a trust list".to_string(),
                    Some(crate::lists::REVOCATION_LIST_TYP) => "a revocation list".to_string(),
                    Some(typ) => format!("a JWS of type {typ}"),
                    None => "a JWS without a type".to_string(),
                };
                write!(
                    f,
                    "not a goodstanding certificate: it is {what} (a certificate's JWS type is \
                     {CERTIFICATE_TYP})"
                )
            }
            Self::UnknownKey(kid) => write!(
                f,
                "signed with key {kid:?}, which is not in the trust list: it may be forged, or \
                 the trust list may be out of date (goodstanding trust update)"
            ),
            Self::BadSignature => f.write_str(
                "the signature does not match the content: the certificate was altered or forged",
            ),
            Self::UnsupportedVersion(v) => write!(
                f,
                "certificate schema version {v} is not supported by this verifier (supports \
                 {PREVIOUS_SCHEMA_VERSION} and {SCHEMA_VERSION}); update goodstanding"
            ),
            Self::InvalidPayload(e) => write!(f, "signed content is not a valid certificate: {e}"),
            Self::Substituted => f.write_str(
                "the QR code printed on this PDF holds a different certificate from the one \
                 attached to it: the PDF was altered. Ask the issuer for the original",
            ),
            Self::Policy(e) => write!(f, "signed content breaks certificate policy: {e}"),
            Self::NotYetValid(v) => {
                write!(f, "not yet valid: valid from {}", v.certificate.valid_from)
            }
            Self::Expired(v) => write!(f, "expired at {}", v.certificate.valid_until),
            Self::KeyNotAuthorised(problem) => problem.fmt(f),
            Self::Revoked { on, reason, .. } => {
                write!(f, "revoked by its issuer on {on} ({})", reason.label())
            }
            Self::RevocationStale { since, .. } => write!(
                f,
                "revocation status stale since {since}, and a fresh revocation list is required: \
                 update the trust data (goodstanding trust update)"
            ),
            Self::NoRevocationList(_) => f.write_str(
                "no revocation list is loaded, and one is required: update the trust data \
                 (goodstanding trust update)",
            ),
            Self::Draft => f.write_str(DRAFT_EXPLAINED),
            Self::NotInLog { reason, .. } => write!(
                f,
                "not in the issuing body's transparency log as its proof claims ({reason}): it \
                 may have been signed without the issuing body's knowledge. Ask the issuing body"
            ),
        }
    }
}

impl std::error::Error for VerifyError {}

/// What a reader is told of a draft PDF.
pub(crate) const DRAFT_EXPLAINED: &str = "this PDF is a DRAFT, shown to the person it names \
    before anything was signed: it is not a certificate and has nothing to verify; ask the \
    issuing body for the signed certificate";

impl From<DecodeError> for VerifyError {
    fn from(e: DecodeError) -> Self {
        Self::Decode(e)
    }
}

/// What the revocation list in use says about a certificate's list itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationCheck {
    /// No revocation list was loaded: revocation was not checked.
    NotChecked,
    /// Checked against revocation list `sequence`, signed at `issued_at`; the next is due at
    /// `next_update`. `stale` when the time of checking is past that.
    Checked {
        /// The list's sequence number.
        sequence: u64,
        /// When it was signed.
        issued_at: Timestamp,
        /// When the next one is due.
        next_update: Timestamp,
        /// Whether the time of checking is at or past `next_update`.
        stale: bool,
    },
}

/// A certificate whose signature verified with a trusted key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// What the certificate says.
    pub certificate: Certificate,
    /// The carrier it arrived in.
    pub carrier: Carrier,
    /// The signed form, to convert to the other carrier.
    pub signed: SignedCertificate,
    /// Set when the signing key was later marked compromised (at this time): the certificate is
    /// accepted under the policy in [`crate::lists`], with a warning.
    pub key_compromised_at: Option<Timestamp>,
    /// What the revocation check rested on.
    pub revocation: RevocationCheck,
}

/// Checks a JWS signature with one key, strictly (no malleable or small-order signatures).
pub fn verify_signature(signed: &SignedCertificate, key: &VerifyingKey) -> Result<(), VerifyError> {
    let signature = Signature::from_bytes(signed.signature());
    key.verify_strict(signed.signing_input().as_bytes(), &signature)
        .map_err(|_| VerifyError::BadSignature)
}

/// Verifies a `.jws` or QR text input at time `now`.
pub fn verify(input: &[u8], trust: &TrustStore, now: Timestamp) -> Result<Verified, VerifyError> {
    let (signed, carrier) = SignedCertificate::decode(input)?;
    verify_signed(signed, carrier, trust, now)
}

/// Verifies an already decoded certificate at time `now`.
pub fn verify_signed(
    signed: SignedCertificate,
    carrier: Carrier,
    trust: &TrustStore,
    now: Timestamp,
) -> Result<Verified, VerifyError> {
    let header: ProtectedHeader =
        serde_json::from_slice(signed.header()).map_err(|e| VerifyError::Header(e.to_string()))?;
    if header.alg != ALGORITHM {
        return Err(VerifyError::UnsupportedAlgorithm(header.alg));
    }
    if header.typ.as_deref() != Some(CERTIFICATE_TYP) {
        return Err(VerifyError::NotACertificate(header.typ));
    }
    let kid = header
        .kid
        .ok_or_else(|| VerifyError::Header("no \"kid\"".into()))?;
    let key = trust
        .get(&kid)
        .ok_or_else(|| VerifyError::UnknownKey(kid.clone()))?;
    verify_signature(&signed, key)?;

    // Only signed bytes from a trusted key are parsed.
    #[derive(Deserialize)]
    struct VersionProbe {
        schema_version: u64,
    }
    let probe: VersionProbe = serde_json::from_slice(signed.payload())
        .map_err(|e| VerifyError::InvalidPayload(e.to_string()))?;
    if probe.schema_version != u64::from(SCHEMA_VERSION)
        && probe.schema_version != u64::from(PREVIOUS_SCHEMA_VERSION)
    {
        return Err(VerifyError::UnsupportedVersion(probe.schema_version));
    }
    let certificate: Certificate = serde_json::from_slice(signed.payload())
        .map_err(|e| VerifyError::InvalidPayload(e.to_string()))?;
    check_policy(&certificate, &kid)?;
    if let Some(body) = trust.issuing_body(&kid)
        && body.name.as_str() != certificate.issuer.name.as_str()
    {
        return Err(VerifyError::Policy(format!(
            "it names its issuer {:?}, but the trust list says key {kid} is {:?}'s: a \
             certificate cannot claim another issuer",
            certificate.issuer.name.as_str(),
            body.name.as_str()
        )));
    }
    let key_compromised_at = trust
        .authorised(&kid, certificate.issued_at, Some(certificate.valid_from))
        .map_err(VerifyError::KeyNotAuthorised)?;

    let revocations = trust.revocations();
    let revocation = match revocations {
        None => RevocationCheck::NotChecked,
        Some(list) => RevocationCheck::Checked {
            sequence: list.content.sequence,
            issued_at: list.content.issued_at,
            next_update: list.content.next_update,
            stale: now >= list.content.next_update,
        },
    };
    let revoked = revocations
        .and_then(|list| list.find(&certificate.id))
        .map(|entry| (entry.1, entry.2));
    let verified = Box::new(Verified {
        certificate,
        carrier,
        signed,
        key_compromised_at,
        revocation,
    });
    if let Some((on, reason)) = revoked {
        return Err(VerifyError::Revoked {
            verified,
            on,
            reason,
        });
    }
    if now < verified.certificate.valid_from {
        return Err(VerifyError::NotYetValid(verified));
    }
    if now >= verified.certificate.valid_until {
        return Err(VerifyError::Expired(verified));
    }
    if trust.require_fresh() {
        match revocation {
            RevocationCheck::NotChecked => return Err(VerifyError::NoRevocationList(verified)),
            RevocationCheck::Checked {
                stale: true,
                next_update,
                ..
            } => {
                return Err(VerifyError::RevocationStale {
                    verified,
                    since: next_update,
                });
            }
            RevocationCheck::Checked { .. } => {}
        }
    }
    Ok(*verified)
}

/// Rules every genuine certificate keeps, checked again by the verifier.
fn check_policy(certificate: &Certificate, kid: &str) -> Result<(), VerifyError> {
    if certificate.issuer.kid.as_str() != kid {
        return Err(VerifyError::Policy(format!(
            "issuer.kid {:?} differs from the signing key {kid:?}",
            certificate.issuer.kid.as_str()
        )));
    }
    check_version_fields(certificate)?;
    let seconds = certificate
        .valid_from
        .seconds_until(certificate.valid_until);
    if seconds <= 0 || seconds > MAX_VALIDITY_DAYS * 86_400 {
        return Err(VerifyError::Policy(format!(
            "validity from {} to {}; it must end after it starts and last at most \
             {MAX_VALIDITY_DAYS} days",
            certificate.valid_from, certificate.valid_until
        )));
    }
    Ok(())
}

/// Version 2 requires the disclosure level; version 1 predates it, the disposals added with it
/// and record ids. No two records share an id.
fn check_version_fields(certificate: &Certificate) -> Result<(), VerifyError> {
    if let Some(id) = crate::model::first_shared_id(certificate.record_ids()) {
        return Err(VerifyError::Policy(format!(
            "two records have the id {id}; every record has its own"
        )));
    }
    let version_2_content = certificate
        .convictions
        .iter()
        .any(|c| c.disposal.since_version_2())
        || certificate.record_ids().next().is_some();
    match certificate.schema_version {
        SCHEMA_VERSION if certificate.disclosure_level.is_none() => Err(VerifyError::Policy(
            "a version 2 certificate must state its disclosure_level".into(),
        )),
        PREVIOUS_SCHEMA_VERSION if certificate.disclosure_level.is_some() || version_2_content => {
            Err(VerifyError::Policy(
                "a version 1 certificate holds a field or disposal of version 2".into(),
            ))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
