//! Whether a certificate is in the issuing body's transparency log (issue 25, item 5), as every
//! verifier checks it: a certificate's `c2sp.org/tlog-proof` (attached to its PDF) against the
//! log the root-signed trust list names.
//!
//! ```text
//! proof's extra data = the log entry; the entry's id, kid, issue time and JWS hash must be the
//! certificate's; its subject tag must be the subject's (vrf-r255 proof under the list's key);
//! the checkpoint must be signed by the list's log and cosigned by its quorum of witnesses; the
//! entry's leaf must reach the checkpoint's root.
//! ```

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::carrier::SignedCertificate;
use crate::log_entry::LogEntry;
use crate::merkle::{leaf_hash, verify_inclusion};
use crate::model::Certificate;
use crate::subject_tag::check_tag;
use crate::tlog_proof::TlogProof;
use crate::trust::TrustStore;

/// What the log check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum LogCheck {
    /// The trust list names no transparency log: there was nothing to check.
    NoLog,
    /// Issued before logging was required, and carries no proof.
    NotRequired,
    /// In the log: entry `index` of the checkpoint of `size` entries of log `origin`, which the
    /// witnesses named cosigned.
    Proven {
        /// The log's origin.
        origin: String,
        /// The checkpoint's size.
        size: u64,
        /// The entry's index.
        index: u64,
        /// The witnesses (policy names) that cosigned the checkpoint.
        witnesses: Vec<String>,
    },
    /// Logging is required, but this carrier carries no proof (a `.jws` or QR text, or a PDF
    /// made without one): inclusion could not be checked here.
    NotYetCheckable,
    /// The proof does not show the certificate in the log: the certificate is not valid.
    Refused {
        /// Why.
        reason: String,
    },
}

/// Checks the inclusion of `certificate` (signed as `signed`) by `proof` (a proof's text, if
/// the carrier had one) against the log `trust` names.
pub fn check_inclusion(
    certificate: &Certificate,
    signed: &SignedCertificate,
    proof: Option<&[u8]>,
    trust: &TrustStore,
) -> LogCheck {
    let Some(log) = trust.transparency_log() else {
        return LogCheck::NoLog;
    };
    let Some(proof) = proof else {
        return if certificate.issued_at < log.required_from {
            LogCheck::NotRequired
        } else {
            LogCheck::NotYetCheckable
        };
    };
    match proven(certificate, signed, proof, log) {
        Ok(found) => found,
        Err(reason) => LogCheck::Refused { reason },
    }
}

fn proven(
    certificate: &Certificate,
    signed: &SignedCertificate,
    proof: &[u8],
    log: &crate::lists::TransparencyLogTrust,
) -> Result<LogCheck, String> {
    let text = std::str::from_utf8(proof).map_err(|_| "the proof is not text".to_string())?;
    let proof = TlogProof::parse(text).map_err(|e| format!("the proof: {e}"))?;
    let policy = log
        .parsed_policy()
        .map_err(|e| format!("the trust list's log policy: {e}"))?;
    let entry_bytes = proof
        .extra
        .as_deref()
        .ok_or("the proof does not carry the log entry")?;
    let LogEntry::Certificate {
        kid,
        id,
        issued_at,
        jws_sha256,
        period,
        tag,
        tag_proof,
    } = LogEntry::from_bytes(entry_bytes).map_err(|e| format!("the proof's entry: {e}"))?
    else {
        return Err("the proof's entry is not a certificate's".into());
    };
    let jws_hash: [u8; 32] = Sha256::digest(signed.to_compact().as_bytes()).into();
    if id != certificate.id.as_str()
        || kid != certificate.issuer.kid.as_str()
        || issued_at != certificate.issued_at.unix().unsigned_abs()
        || jws_sha256 != jws_hash
    {
        return Err("the proof is for another certificate".into());
    }
    let tag_key = log
        .subject_tag_key_bytes()
        .ok_or("the trust list's subject-tag key is not usable")?;
    let year = certificate.issued_at.date().ymd().0.to_string();
    if period != year
        || !check_tag(
            &tag_key,
            certificate.subject.reference.as_str(),
            &period,
            &tag,
            &tag_proof,
        )
    {
        return Err("the log entry's subject tag is not this certificate's subject's".into());
    }
    let (checkpoint, witnesses) = policy
        .check_checkpoint(&proof.checkpoint)
        .map_err(|e| e.to_string())?;
    verify_inclusion(
        &leaf_hash(entry_bytes),
        proof.index,
        checkpoint.size,
        &proof.path,
        &checkpoint.root,
    )
    .map_err(|e| format!("the inclusion proof does not reach the checkpoint's root: {e}"))?;
    Ok(LogCheck::Proven {
        origin: checkpoint.origin,
        size: checkpoint.size,
        index: proof.index,
        witnesses,
    })
}
