//! Requests submitted for approval and the approvals given (issue 26, item 3).
//!
//! A request is known by the SHA-256 of its canonical form (RFC 8785), so that any change to it
//! makes a new request with no approvals. An approval is over the request's hash and the hash
//! of the record set the approver was shown (what the certificate would say: subject, level,
//! findings, convictions, departures, and what it supersedes); an approver approves a whole set
//! with one signature over the RFC 6962 Merkle root of its (request hash, record-set hash)
//! pairs. At signing, the record set is computed again: if it differs from the approved one
//! (a conviction became spent in between, say), that approval is void.

use std::collections::{BTreeSet, HashMap};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use goodstanding_verifier::Certificate;
use goodstanding_verifier::merkle;
use serde_json::json;

use super::audit::{Duty, Role};
use super::team::ApprovalPolicy;
use super::{Register, RegisterError};
use crate::canonical_json::{CanonicalError, canonical_sha256, hex, unhex32};

/// An approval set as stored: signature, (request, record set) pairs.
type ApprovalSet = (String, Vec<(String, String)>);

/// The SHA-256 (hex) of a request's canonical form: its identity for approval.
pub fn request_sha256<T: serde::Serialize>(request: &T) -> Result<String, CanonicalError> {
    canonical_sha256(request)
}

/// The SHA-256 (hex) of what a certificate says about its subject: the record set an approver
/// approves, and that is computed again at signing.
pub fn record_set_sha256(certificate: &Certificate) -> Result<String, CanonicalError> {
    record_set_of(&RecordSet {
        subject: &certificate.subject,
        disclosure_level: certificate.disclosure_level,
        findings: &certificate.findings,
        convictions: &certificate.convictions,
        departures: &certificate.departures,
        supersedes: certificate.supersedes.as_ref(),
    })
}

/// As [`record_set_sha256`], from a validated request and what it will supersede: the same
/// hash as its certificate's, computed before anything is signed.
pub fn record_set_of_valid(
    valid: &goodstanding_issuer::validate::ValidRequest,
    supersedes: Option<&goodstanding_verifier::CertificateId>,
) -> Result<String, CanonicalError> {
    record_set_of(&RecordSet {
        subject: &valid.subject,
        disclosure_level: Some(valid.disclosure_level),
        findings: &valid.findings,
        convictions: &valid.convictions,
        departures: &valid.departures,
        supersedes,
    })
}

/// What an approver approves.
#[derive(serde::Serialize)]
struct RecordSet<'a, S, F, C, D, L, I> {
    subject: &'a S,
    disclosure_level: Option<L>,
    findings: &'a F,
    convictions: &'a C,
    departures: &'a D,
    supersedes: Option<&'a I>,
}

fn record_set_of<S, F, C, D, L, I>(
    set: &RecordSet<'_, S, F, C, D, L, I>,
) -> Result<String, CanonicalError>
where
    S: serde::Serialize,
    F: serde::Serialize,
    C: serde::Serialize,
    D: serde::Serialize,
    L: serde::Serialize,
    I: serde::Serialize,
{
    canonical_sha256(set)
}

/// A revocation as a request to approve: its hash and canonical form.
pub fn revocation_request(id: &str, reason: &str) -> Result<(String, String), CanonicalError> {
    let value = json!({"revoke": id, "reason": reason});
    Ok((
        request_sha256(&value)?,
        crate::canonical_json::canonical(&value)?,
    ))
}

/// The record set of a revocation: which certificate, for which reason.
pub fn revocation_record_set(certificate_id: &str, reason: &str) -> String {
    canonical_sha256(&json!({"revoke": certificate_id, "reason": reason})).unwrap_or_default()
}

/// The Merkle root of an approval set: RFC 6962 over leaves of request hash || record-set
/// hash (64 bytes each).
pub fn approval_root(items: &[(String, String)]) -> Option<[u8; 32]> {
    let leaves: Option<Vec<_>> = items
        .iter()
        .map(|(request, record_set)| {
            let mut leaf = unhex32(request)?.to_vec();
            leaf.extend_from_slice(&unhex32(record_set)?);
            Some(merkle::leaf_hash(&leaf))
        })
        .collect();
    Some(merkle::root(&leaves?))
}

const APPROVAL_DOMAIN: &[u8] = b"goodstanding-approval/v1\n";

fn approval_message(root: &[u8; 32]) -> Vec<u8> {
    let mut message = APPROVAL_DOMAIN.to_vec();
    message.extend_from_slice(root);
    message
}

/// A request to submit: its hash, kind, whom it is about and its canonical text.
#[derive(Debug, Clone)]
pub struct NewRequest {
    /// [`request_sha256`].
    pub hash: String,
    /// `certificate` or `revocation`.
    pub kind: &'static str,
    /// The subject reference (for a revocation: the certificate id).
    pub subject_reference: String,
    /// The canonical form.
    pub canonical: String,
}

/// A submitted request, as the register holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmittedRequest {
    /// Its hash.
    pub hash: String,
    /// `certificate` or `revocation`.
    pub kind: String,
    /// Whom it is about (a revocation: the certificate id).
    pub subject_reference: String,
    /// Its canonical form.
    pub canonical: String,
    /// Who submitted it.
    pub submitted_by: String,
    /// `pending`, `replaced` (a newer request for the same subject came) or `done`.
    pub state: String,
}

/// A request's approvals, each checked against its approver's signature over its set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestApprovals {
    /// Who submitted it.
    pub submitted_by: String,
    /// `pending`, `replaced` or `done`.
    pub state: String,
    /// (approver, the record-set hash they approved).
    pub approvals: Vec<(String, String)>,
}

/// Every approval in force, and the policy, as a signing run starts.
#[derive(Debug, Clone, Default)]
pub struct ApprovalsInForce {
    /// The policy.
    pub policy: ApprovalPolicy,
    /// Submitted requests by hash.
    pub requests: HashMap<String, RequestApprovals>,
    /// Operators who may approve (role approve or admin, not removed).
    pub approvers: Vec<String>,
}

impl ApprovalsInForce {
    /// Whether a request (by hash) whose certificate would say `record_set` (and supersede a
    /// live certificate, if `supersedes`) may be signed; else why not, naming who has yet to
    /// approve.
    pub fn judge(&self, request: &str, record_set: &str, supersedes: bool) -> Result<(), String> {
        let needed = if supersedes {
            self.policy.approvals.max(self.policy.revocation_approvals)
        } else {
            self.policy.approvals
        };
        if needed == 0 {
            return Ok(());
        }
        let Some(found) = self.requests.get(request) else {
            return Err(format!(
                "needs {needed} approval(s) and was never submitted as it is now (request \
                 {}); a changed request is a new one: submit it with `goodstanding submit`, \
                 then have it approved",
                &request[..16.min(request.len())]
            ));
        };
        if found.state == "replaced" {
            return Err(format!(
                "request {} was replaced by a newer request for the same subject: its \
                 approvals are void; issue the newer one",
                &request[..16.min(request.len())]
            ));
        }
        let mut good = BTreeSet::new();
        let mut void = BTreeSet::new();
        for (approver, approved) in &found.approvals {
            if *approver == found.submitted_by {
                continue;
            }
            if approved == record_set {
                good.insert(approver.as_str());
            } else {
                void.insert(approver.as_str());
            }
        }
        if good.len() >= needed as usize {
            return Ok(());
        }
        let mut why = format!(
            "request {} has {} of the {needed} approval(s) it needs{}",
            &request[..16.min(request.len())],
            good.len(),
            if supersedes {
                " (it supersedes a live certificate)"
            } else {
                ""
            }
        );
        if !void.is_empty() {
            why.push_str(&format!(
                "; the approval(s) of {} are void: what the certificate would say now differs \
                 from what they approved (its information changed, e.g. a conviction became \
                 spent); they must approve it again",
                void.iter().copied().collect::<Vec<_>>().join(", ")
            ));
        }
        let yet: Vec<&str> = self
            .approvers
            .iter()
            .map(String::as_str)
            .filter(|a| *a != found.submitted_by && !good.contains(a))
            .collect();
        why.push_str(&if yet.is_empty() {
            "; no other approver is registered: an admin must add one".to_string()
        } else {
            format!("; yet to approve: any of {}", yet.join(", "))
        });
        Err(why)
    }
}

impl Register {
    /// Records requests as pending, submitted by the acting operator (one signed audit row
    /// naming every hash). A request already submitted is left as it is; a pending request of
    /// the same kind for the same subject is marked replaced, and its approvals are void.
    /// Returns, for each request, whether it is new.
    pub fn submit(&mut self, requests: &[NewRequest]) -> Result<Vec<bool>, RegisterError> {
        self.actor_for(Duty::Prepare)?;
        let by = self.actor_name().unwrap_or_default().to_string();
        let now = goodstanding_clock::now()
            .map_err(|e| RegisterError::Storage(e.to_string()))?
            .to_string();
        let tx = self.db.transaction()?;
        let mut new = Vec::with_capacity(requests.len());
        let (mut submitted, mut replaced) = (Vec::new(), Vec::new());
        for request in requests {
            if tx
                .row("SELECT 1 FROM requests WHERE hash = ?1", &[&request.hash])?
                .is_some()
            {
                new.push(false);
                continue;
            }
            for row in tx.rows(
                "SELECT hash FROM requests WHERE subject_reference = ?1 AND kind = ?2 AND state \
                 = 'pending'",
                &[&request.subject_reference, &request.kind],
            )? {
                let old: String = row.get(0)?;
                tx.exec(
                    "UPDATE requests SET state = 'replaced' WHERE hash = ?1",
                    &[&old],
                )?;
                replaced.push(old);
            }
            tx.exec(
                "INSERT INTO requests (hash, kind, subject_reference, canonical, submitted_by, \
                 submitted_at, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending')",
                &[
                    &request.hash,
                    &request.kind,
                    &request.subject_reference,
                    &request.canonical,
                    &by,
                    &now,
                ],
            )?;
            submitted.push(request.hash.clone());
            new.push(true);
        }
        if !submitted.is_empty() {
            self.audit_in(
                &tx,
                vec![json!({"action": "submit", "requests": submitted, "replaced": replaced})],
            )?;
        }
        tx.commit()?;
        Ok(new)
    }

    /// The submitted requests whose hash starts with each of `ids` (at least 8 hex characters):
    /// refused if one matches none or several.
    pub fn find_requests(&self, ids: &[String]) -> Result<Vec<SubmittedRequest>, RegisterError> {
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            let id = id.to_ascii_lowercase();
            if id.len() < 8 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(RegisterError::Operator(format!(
                    "{id:?} is not a request id: give at least 8 hex characters of it, as \
                     `goodstanding submit` printed"
                )));
            }
            let rows = self.db.rows(
                "SELECT hash, kind, subject_reference, canonical, submitted_by, state FROM \
                 requests WHERE hash >= ?1 AND hash < ?2 ORDER BY hash LIMIT 2",
                &[&id, &format!("{id}g")],
            )?;
            match rows.as_slice() {
                [row] => found.push(submitted_from_row(row)?),
                [] => {
                    return Err(RegisterError::Operator(format!(
                        "no submitted request {id}"
                    )));
                }
                _ => {
                    return Err(RegisterError::Operator(format!(
                        "{id} matches several requests: give more of its id"
                    )));
                }
            }
        }
        Ok(found)
    }

    /// The pending requests, oldest first.
    pub fn pending_requests(&self) -> Result<Vec<SubmittedRequest>, RegisterError> {
        self.db
            .rows(
                "SELECT hash, kind, subject_reference, canonical, submitted_by, state FROM \
                 requests WHERE state = 'pending' ORDER BY submitted_at, hash",
                &[],
            )?
            .iter()
            .map(submitted_from_row)
            .collect()
    }

    /// Records the acting operator's approval of a set of pending requests, each with the
    /// record set they were shown, under one signature over the set's Merkle root; refused
    /// for a request they submitted themselves, or one no longer pending. Returns the root.
    pub fn approve(&mut self, items: &[(String, String)]) -> Result<String, RegisterError> {
        self.actor_for(Duty::Approve)?;
        let actor = self
            .actor
            .as_ref()
            .ok_or_else(|| RegisterError::Storage("no operator".into()))?;
        let by = actor.name.clone();
        if items.is_empty() {
            return Err(RegisterError::Operator("nothing to approve".into()));
        }
        let root = approval_root(items).ok_or_else(|| {
            RegisterError::Operator("a request or record-set hash is not 64 hex characters".into())
        })?;
        let signature = actor
            .key
            .sign(&approval_message(&root))
            .map_err(|e| RegisterError::Operator(format!("{by}'s key could not sign: {e}")))?;
        let now = goodstanding_clock::now()
            .map_err(|e| RegisterError::Storage(e.to_string()))?
            .to_string();
        let root_hex = hex(&root);
        let tx = self.db.transaction()?;
        for (request, _) in items {
            let row = tx.row(
                "SELECT submitted_by, state FROM requests WHERE hash = ?1",
                &[request],
            )?;
            let Some(row) = row else {
                return Err(RegisterError::Operator(format!(
                    "no submitted request {request}"
                )));
            };
            let (submitted_by, state): (String, String) = (row.get(0)?, row.get(1)?);
            if submitted_by == by {
                return Err(RegisterError::Operator(format!(
                    "request {} was submitted by {by}: the preparer never approves their own \
                     request; another approver must",
                    &request[..16]
                )));
            }
            if state != "pending" {
                return Err(RegisterError::Operator(format!(
                    "request {} is {state}, not pending: nothing to approve",
                    &request[..16]
                )));
            }
        }
        tx.exec(
            "INSERT INTO approval_sets (root, approver, approved_at, signature) VALUES (?1, ?2, \
             ?3, ?4) ON CONFLICT DO NOTHING",
            &[&root_hex, &by, &now, &URL_SAFE_NO_PAD.encode(signature)],
        )?;
        for (position, (request, record_set)) in items.iter().enumerate() {
            tx.exec(
                "INSERT INTO approvals (set_root, approver, position, request_hash, \
                 record_set_sha256) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                &[&root_hex, &by, &(position as i64), request, record_set],
            )?;
        }
        let listed: Vec<_> = items
            .iter()
            .map(|(request, record_set)| json!({"request": request, "record_set": record_set}))
            .collect();
        self.audit_in(
            &tx,
            vec![json!({"action": "approve", "set_root": root_hex, "requests": listed})],
        )?;
        tx.commit()?;
        Ok(root_hex)
    }

    /// Every submitted request's approvals, each set's signature checked against its
    /// approver's key (a set whose signature or root does not verify counts for nothing), and
    /// the policy.
    pub fn approvals_in_force(&self) -> Result<ApprovalsInForce, RegisterError> {
        let policy = self.approval_policy()?;
        let mut in_force = ApprovalsInForce {
            policy,
            ..ApprovalsInForce::default()
        };
        if policy.approvals == 0 && policy.revocation_approvals == 0 {
            return Ok(in_force);
        }
        let mut keys = HashMap::new();
        for operator in self.operators()? {
            let key = goodstanding_verifier::jwk::verifying_key_from_x(&operator.public_key).ok();
            let may_approve = operator.removed_at.is_none()
                && Role::parse(&operator.role).is_some_and(|r| r.may(Duty::Approve));
            if may_approve {
                in_force.approvers.push(operator.name.clone());
                if let Some(key) = key {
                    keys.insert(operator.name, key);
                }
            }
        }
        for row in self.db.rows(
            "SELECT hash, submitted_by, state FROM requests WHERE state <> 'done'",
            &[],
        )? {
            in_force.requests.insert(
                row.get(0)?,
                RequestApprovals {
                    submitted_by: row.get(1)?,
                    state: row.get(2)?,
                    approvals: Vec::new(),
                },
            );
        }
        let mut sets: HashMap<(String, String), ApprovalSet> = HashMap::new();
        for row in self.db.rows(
            "SELECT s.root, s.approver, s.signature, a.request_hash, a.record_set_sha256 FROM \
             approval_sets s JOIN approvals a ON a.set_root = s.root AND a.approver = s.approver \
             ORDER BY s.root, s.approver, a.position",
            &[],
        )? {
            let entry = sets
                .entry((row.get(0)?, row.get(1)?))
                .or_insert_with(|| (String::new(), Vec::new()));
            entry.0 = row.get(2)?;
            entry.1.push((row.get(3)?, row.get(4)?));
        }
        for ((root, approver), (signature, items)) in sets {
            let Some(key) = keys.get(&approver) else {
                continue;
            };
            let verified = approval_root(&items)
                .filter(|r| hex(r) == root)
                .is_some_and(|r| {
                    URL_SAFE_NO_PAD
                        .decode(&signature)
                        .ok()
                        .and_then(|b| <[u8; 64]>::try_from(b).ok())
                        .is_some_and(|s| {
                            key.verify_strict(
                                &approval_message(&r),
                                &ed25519_dalek::Signature::from_bytes(&s),
                            )
                            .is_ok()
                        })
                });
            if !verified {
                continue;
            }
            for (request, record_set) in items {
                if let Some(found) = in_force.requests.get_mut(&request) {
                    found.approvals.push((approver.clone(), record_set));
                }
            }
        }
        Ok(in_force)
    }

    /// Refuses the revocation of `id` for `reason` when the policy asks revocations to be
    /// approved and this one has not the approvals (submitted with `submit --revoke`).
    pub(crate) fn check_revocation_approved(
        &self,
        id: &str,
        reason: &str,
    ) -> Result<(), RegisterError> {
        if self.approval_policy()?.revocation_approvals == 0 {
            return Ok(());
        }
        let (hash, _) =
            revocation_request(id, reason).map_err(|e| RegisterError::Storage(e.to_string()))?;
        let record_set = revocation_record_set(id, reason);
        self.approvals_in_force()?
            .judge(&hash, &record_set, true)
            .map_err(|why| {
                let hint = if why.contains("never submitted") {
                    format!(
                        " (`goodstanding submit --revoke {id} --reason {reason}`, then `approve` \
                         by others)"
                    )
                } else {
                    String::new()
                };
                RegisterError::Operator(format!("{id} is not revoked: {why}{hint}"))
            })
    }

    /// Marks requests a certificate was recorded from: no longer pending, so `approve
    /// --all-pending` does not list them (their approvals still count, should the same
    /// request be signed again under the rules).
    pub fn mark_requests_done(&mut self, hashes: &[String]) -> Result<(), RegisterError> {
        if hashes.is_empty() {
            return Ok(());
        }
        let tx = self.db.transaction()?;
        for hash in hashes {
            tx.exec(
                "UPDATE requests SET state = 'done' WHERE hash = ?1 AND state = 'pending'",
                &[hash],
            )?;
        }
        tx.commit()
    }
}

/// A submitted request from a row of `hash, kind, subject_reference, canonical, submitted_by,
/// state`.
fn submitted_from_row(row: &super::db::Row) -> Result<SubmittedRequest, RegisterError> {
    Ok(SubmittedRequest {
        hash: row.get(0)?,
        kind: row.get(1)?,
        subject_reference: row.get(2)?,
        canonical: row.get(3)?,
        submitted_by: row.get(4)?,
        state: row.get(5)?,
    })
}
