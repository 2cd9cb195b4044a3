//! Checking an audit trail: the chain, every signature, who changed operators, and the heads
//! the transparency log anchored.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value as Json;

use super::{AuditRow, Role, SINGLE_OPERATOR, row_hash, signed_message};
use crate::canonical_json::{canonical, unhex32};

/// What a verified audit trail holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChainReport {
    /// Rows checked.
    pub rows: u64,
    /// Signatures checked.
    pub signatures: u64,
    /// Heads anchored in the transparency log that were checked.
    pub anchors: u64,
    /// The operators the chain made, with their role, in order.
    pub operators: Vec<(String, String)>,
    /// Actions counted by name.
    pub actions: Vec<(String, u64)>,
}

/// The first bad row of an audit trail, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainFault {
    /// The row (its place in the chain).
    pub seq: u64,
    /// What is wrong.
    pub problem: String,
}

impl std::fmt::Display for ChainFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "audit row {}: {}", self.seq, self.problem)
    }
}

struct KnownOperator {
    key: ed25519_dalek::VerifyingKey,
    role: Role,
    removed: bool,
}

/// Checks an audit trail: each row follows the one before and hashes to its stored hash, its
/// body is canonical and names its place, every row is covered by its actor's signature
/// (checked with `verify_strict`, against the key the chain gave that operator), only admins
/// change operators, and each head in `anchors` (row number, row hash, from the transparency
/// log) is a row of this chain. Returns the first fault.
pub fn verify_chain(
    rows: &[AuditRow],
    anchors: &[(u64, [u8; 32])],
) -> Result<ChainReport, ChainFault> {
    let mut report = ChainReport::default();
    let mut operators: HashMap<String, KnownOperator> = HashMap::new();
    let mut single_key: Option<ed25519_dalek::VerifyingKey> = None;
    let mut team = false;
    let mut prev = [0u8; 32];
    let mut unsigned: Vec<(u64, String)> = Vec::new();
    let mut actions: std::collections::BTreeMap<String, u64> = Default::default();
    for (i, row) in rows.iter().enumerate() {
        let expected = i as u64 + 1;
        let fault = |problem: String| ChainFault {
            seq: expected,
            problem,
        };
        if row.seq != expected {
            return Err(fault(format!(
                "missing: the next row stored is row {} (rows were deleted or renumbered)",
                row.seq
            )));
        }
        let stored_prev = unhex32(&row.prev_hash);
        if stored_prev != Some(prev) {
            return Err(fault(
                "does not follow the row before it (its previous-row hash differs): a row \
                 before it was changed, removed or moved"
                    .into(),
            ));
        }
        let hash = row_hash(&prev, &row.body);
        if unhex32(&row.row_hash) != Some(hash) {
            return Err(fault(
                "its content does not hash to its stored hash: the row was edited".into(),
            ));
        }
        let body: Json = serde_json::from_str(&row.body)
            .map_err(|e| fault(format!("its body is not JSON: {e}")))?;
        if canonical(&body).ok().as_deref() != Some(row.body.as_str()) {
            return Err(fault("its body is not in canonical form (RFC 8785)".into()));
        }
        if body.get("seq").and_then(Json::as_u64) != Some(expected) {
            return Err(fault(format!(
                "its body says it is row {}: rows were reordered",
                body.get("seq").unwrap_or(&Json::Null)
            )));
        }
        let text = |name: &str| body.get(name).and_then(Json::as_str).unwrap_or_default();
        let (actor, action) = (text("actor").to_string(), text("action").to_string());
        *actions.entry(action.clone()).or_default() += 1;
        // Bookkeeping of keys, before the signature: a row may introduce its own signer.
        match action.as_str() {
            "register_init" | "operator_add" => {
                let is_init = action == "register_init";
                if is_init && team {
                    return Err(fault("a second register_init".into()));
                }
                if !is_init {
                    let admin = operators
                        .get(&actor)
                        .is_some_and(|o| o.role == Role::Admin && !o.removed);
                    if !admin {
                        return Err(fault(format!("{actor} added an operator but is no admin")));
                    }
                }
                let name = if is_init {
                    actor.clone()
                } else {
                    text("operator").to_string()
                };
                let role = if is_init {
                    Some(Role::Admin)
                } else {
                    Role::parse(text("role"))
                };
                let key = goodstanding_verifier::jwk::verifying_key_from_x(text("public_key"));
                let (Some(role), Ok(key)) = (role, key) else {
                    return Err(fault(
                        "an operator without a valid role or public key".into(),
                    ));
                };
                team = true;
                report
                    .operators
                    .push((name.clone(), role.as_str().to_string()));
                operators.insert(
                    name,
                    KnownOperator {
                        key,
                        role,
                        removed: false,
                    },
                );
            }
            "operator_remove" => {
                let admin = operators
                    .get(&actor)
                    .is_some_and(|o| o.role == Role::Admin && !o.removed);
                if !admin {
                    return Err(fault(format!(
                        "{actor} removed an operator but is no admin"
                    )));
                }
                if let Some(o) = operators.get_mut(text("operator")) {
                    o.removed = true;
                }
            }
            "policy" if team => {
                let admin = operators
                    .get(&actor)
                    .is_some_and(|o| o.role == Role::Admin && !o.removed);
                if !admin {
                    return Err(fault(format!("{actor} changed the policy but is no admin")));
                }
            }
            "operator_key" => {
                if team {
                    return Err(fault(
                        "the single operator acted on a register that has operators".into(),
                    ));
                }
                single_key = Some(
                    goodstanding_verifier::jwk::verifying_key_from_x(text("public_key"))
                        .map_err(|_| fault("an operator key that is not Ed25519".into()))?,
                );
            }
            _ => {}
        }
        if let Some((first, other)) = unsigned.first()
            && *other != actor
        {
            return Err(ChainFault {
                seq: *first,
                problem: format!(
                    "not signed: the next row is {actor}'s, not {other}'s (a signature was \
                     removed or rows were moved)"
                ),
            });
        }
        unsigned.push((expected, actor.clone()));
        if let Some(signature) = &row.signature {
            let key = if actor == SINGLE_OPERATOR && !team {
                single_key
            } else {
                operators.get(&actor).filter(|o| !o.removed).map(|o| o.key)
            };
            let Some(key) = key else {
                return Err(fault(format!(
                    "signed by {actor}, whom the chain never made an operator (or removed)"
                )));
            };
            let signature = URL_SAFE_NO_PAD
                .decode(signature)
                .ok()
                .and_then(|b| <[u8; 64]>::try_from(b).ok())
                .map(|b| ed25519_dalek::Signature::from_bytes(&b));
            let good =
                signature.is_some_and(|s| key.verify_strict(&signed_message(&hash), &s).is_ok());
            if !good {
                return Err(fault(format!("{actor}'s signature does not verify")));
            }
            report.signatures += 1;
            unsigned.clear();
        }
        prev = hash;
        report.rows += 1;
    }
    if let Some((first, actor)) = unsigned.first() {
        return Err(ChainFault {
            seq: *first,
            problem: format!(
                "not signed: the trail ends before {actor}'s signature (its last rows were \
                 deleted, or a signature removed)"
            ),
        });
    }
    for (seq, head) in anchors {
        match rows.get((*seq as usize).wrapping_sub(1)) {
            Some(row) if unhex32(&row.row_hash) == Some(*head) => report.anchors += 1,
            Some(_) => {
                return Err(ChainFault {
                    seq: *seq,
                    problem: "differs from the head the transparency log anchored: the trail \
                              was rewritten"
                        .into(),
                });
            }
            None => {
                return Err(ChainFault {
                    seq: *seq,
                    problem: format!(
                        "missing: the transparency log anchored the trail at row {seq}, and \
                         it ends at row {} (its newest rows were deleted)",
                        rows.len()
                    ),
                });
            }
        }
    }
    report.actions = actions.into_iter().collect();
    Ok(report)
}
