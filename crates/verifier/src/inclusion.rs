//! Whether a certificate is in the issuing body's transparency log (issue 25, item 5), as every
//! verifier checks it: a certificate's `c2sp.org/tlog-proof` (attached to its PDF) against the
//! log the root-signed trust list names.
//!
//! ```text
//! proof's extra data = the log entry; the entry's id, kid, issue time and JWS hash must be the
//! certificate's; its subject tag must be the subject's (vrf-r255 proof under the list's key);
//! the checkpoint must be signed by the list's log and cosigned by its quorum of witnesses; the
//! entry's leaf must reach the checkpoint's root.
//! no proof (a .jws, a QR text): the JWS's hash must be in the verifier's synced copy of the log
//! (crate::log_sync), with the subject's tag; absent from a checkpoint cosigned well after the
//! certificate was issued: not in the log.
//! ```

use serde::Serialize;

use crate::carrier::SignedCertificate;
use crate::log_entry::LogEntry;
use crate::log_sync::SYNC_MARGIN;
use crate::merkle::{leaf_hash, verify_inclusion};
use crate::model::Certificate;
use crate::subject_tag::{PROOF_LEN, TAG_LEN, check_tag};
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
        /// How: by the proof the carrier carries, or by the verifier's synced copy of the log.
        by: ProvenBy,
        /// The log's origin.
        origin: String,
        /// The checkpoint's size.
        size: u64,
        /// The entry's index.
        index: u64,
        /// The witnesses (policy names) that cosigned the checkpoint.
        witnesses: Vec<String>,
    },
    /// Logging is required, but inclusion could not be checked here: the carrier carries no
    /// proof (a `.jws` or QR text, or a PDF made without one) and the log synced here is older
    /// than the certificate, or none was synced.
    NotYetCheckable {
        /// Why, and what to do.
        reason: String,
    },
    /// The proof does not show the certificate in the log: the certificate is not valid.
    Refused {
        /// Why.
        reason: String,
    },
}

/// How inclusion was proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProvenBy {
    /// The `c2sp.org/tlog-proof` the PDF carries.
    AttachedProof,
    /// The verifier's synced copy of the log (`trust update`).
    SyncedLog,
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
        return in_synced_logs(certificate, signed, trust, log);
    };
    match proven(certificate, signed, proof, log) {
        Ok(found) => found,
        Err(reason) => LogCheck::Refused { reason },
    }
}

/// Whether a synced copy of a log of the policy holds the certificate. Its absence is judged
/// only with a copy of every log of the policy held (a certificate issued before the issuer
/// moved to a new log key is in the frozen log), by the checkpoint of the log written now.
fn in_synced_logs(
    certificate: &Certificate,
    signed: &SignedCertificate,
    trust: &TrustStore,
    log: &crate::lists::TransparencyLogTrust,
) -> LogCheck {
    let jws_hash = signed.jws_sha256();
    if let Some((synced, found)) = trust
        .synced_logs()
        .iter()
        .find_map(|synced| Some((synced, synced.find(&jws_hash)?)))
    {
        let witnessed = synced.witnessed();
        return match subject_tag_checked(certificate, log, &found.tag, &found.tag_proof) {
            Ok(()) => LogCheck::Proven {
                by: ProvenBy::SyncedLog,
                origin: witnessed.checkpoint.origin.clone(),
                size: witnessed.checkpoint.size,
                index: found.index,
                witnesses: witnessed.witnesses.clone(),
            },
            Err(reason) => LogCheck::Refused { reason },
        };
    }
    if certificate.issued_at < log.required_from {
        return LogCheck::NotRequired;
    }
    let Some(synced) = trust.synced_log() else {
        return LogCheck::NotYetCheckable {
            reason: "no copy of the log is held here: update the trust data (`goodstanding \
                     trust update`)"
                .into(),
        };
    };
    let missing: Vec<String> = log
        .parsed_policy()
        .map(|policy| {
            policy
                .logs
                .iter()
                .filter(|l| trust.synced_log_of(&l.key.name).is_none())
                .map(|l| l.key.name.clone())
                .collect()
        })
        .unwrap_or_default();
    if !missing.is_empty() {
        return LogCheck::NotYetCheckable {
            reason: format!(
                "no copy of the frozen log {} is held here: update the trust data \
                 (`goodstanding trust update`)",
                missing.join(", ")
            ),
        };
    }
    let witnessed = synced.witnessed();
    let issued = certificate.issued_at.unix().max(0).unsigned_abs();
    let cosigned = witnessed.earliest_cosignature.unwrap_or(0);
    if issued.saturating_add(SYNC_MARGIN) > cosigned {
        return LogCheck::NotYetCheckable {
            reason: format!(
                "issued after the log's checkpoint held here ({} entries): update the trust \
                 data (`goodstanding trust update`)",
                witnessed.checkpoint.size
            ),
        };
    }
    LogCheck::Refused {
        reason: format!(
            "the log does not hold it: its checkpoint of {} entries, cosigned after the \
             certificate was issued, has no entry for this certificate",
            witnessed.checkpoint.size
        ),
    }
}

/// Checks that the entry's tag (for the certificate's issue year) is its subject's.
fn subject_tag_checked(
    certificate: &Certificate,
    log: &crate::lists::TransparencyLogTrust,
    tag: &[u8; TAG_LEN],
    tag_proof: &[u8; PROOF_LEN],
) -> Result<(), String> {
    let tag_key = log
        .subject_tag_key_bytes()
        .ok_or("the trust list's subject-tag key is not usable")?;
    let year = certificate.issued_at.date().ymd().0.to_string();
    if check_tag(
        &tag_key,
        certificate.subject.reference.as_str(),
        &year,
        tag,
        tag_proof,
    ) {
        Ok(())
    } else {
        Err("the log entry's subject tag is not this certificate's subject's".into())
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
    let jws_hash = signed.jws_sha256();
    if id != certificate.id.as_str()
        || kid != certificate.issuer.kid.as_str()
        || issued_at != certificate.issued_at.unix().unsigned_abs()
        || jws_sha256 != jws_hash
    {
        return Err("the proof is for another certificate".into());
    }
    if period != certificate.issued_at.date().ymd().0.to_string() {
        return Err("the log entry's subject tag is not this certificate's subject's".into());
    }
    subject_tag_checked(certificate, log, &tag, &tag_proof)?;
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
        by: ProvenBy::AttachedProof,
        origin: checkpoint.origin,
        size: checkpoint.size,
        index: proof.index,
        witnesses,
    })
}
