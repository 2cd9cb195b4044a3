//! The issuing body as a team (issue 26, item 2): operators and their roles, the approval
//! policy, and erasure at the end of the retention period. Requests and approvals are in
//! [`super::approvals`].

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use goodstanding_issuer::keys::IssuingKey;
use serde_json::json;

use super::audit::{Duty, Role, public_key_text};
use super::{Register, RegisterError};

/// An operator as the register holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorRecord {
    /// Their name.
    pub name: String,
    /// Their Ed25519 public key (JWK `x`).
    pub public_key: String,
    /// Their role.
    pub role: String,
    /// When they were added.
    pub added_at: String,
    /// When they were removed, if they were.
    pub removed_at: Option<String>,
}

/// How many approvals, from distinct approvers other than the preparer, signing needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApprovalPolicy {
    /// For a certificate.
    pub approvals: u32,
    /// For a revocation, and for a certificate that supersedes a live one.
    pub revocation_approvals: u32,
}

impl Register {
    /// Makes `name` the first admin of the register, with the public key of `key` (their own
    /// personal key, which signs the audit row that records it), and sets the approval
    /// policy. Refused once the register has operators.
    pub fn init_team(
        &mut self,
        name: &str,
        key: IssuingKey,
        policy: ApprovalPolicy,
    ) -> Result<(), RegisterError> {
        check_name(name)?;
        if self.is_team()? {
            return Err(RegisterError::Operator(
                "this register already has operators: an admin adds more with `goodstanding \
                 operator add`"
                    .into(),
            ));
        }
        let public = public_key_text(&key);
        let now = goodstanding_clock::now()
            .map_err(|e| RegisterError::Storage(e.to_string()))?
            .to_string();
        let tx = self.db.transaction()?;
        tx.exec(
            "INSERT INTO operators (name, public_key, role, added_at) VALUES (?1, ?2, 'admin', \
             ?3)",
            &[&name, &public, &now],
        )?;
        Self::write_policy(&tx, policy)?;
        // A team's audit trail is anchored in the transparency log at each publish.
        tx.exec(
            "INSERT INTO settings (name, value) VALUES ('audit_anchors', 'on') ON CONFLICT(name) \
             DO UPDATE SET value = excluded.value",
            &[],
        )?;
        self.actor = None;
        let actor = super::audit::Actor::admin(name, key);
        self.actor = Some(actor);
        self.audit_in(
            &tx,
            vec![json!({"action": "register_init", "public_key": public,
                        "approvals": policy.approvals,
                        "revocation_approvals": policy.revocation_approvals})],
        )?;
        tx.commit()
    }

    fn write_policy(tx: &super::db::Db, policy: ApprovalPolicy) -> Result<(), RegisterError> {
        for (name, value) in [
            ("approvals", policy.approvals),
            ("revocation_approvals", policy.revocation_approvals),
        ] {
            tx.exec(
                "INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE \
                 SET value = excluded.value",
                &[&name, &value.to_string()],
            )?;
        }
        Ok(())
    }

    /// The approval policy (none unless set).
    pub fn approval_policy(&self) -> Result<ApprovalPolicy, RegisterError> {
        let read = |name: &str| -> Result<u32, RegisterError> {
            match self.setting(name)? {
                Some(v) => v
                    .parse()
                    .map_err(|_| RegisterError::Storage(format!("the setting {name} is {v:?}"))),
                None => Ok(0),
            }
        };
        Ok(ApprovalPolicy {
            approvals: read("approvals")?,
            revocation_approvals: read("revocation_approvals")?,
        })
    }

    /// Changes the approval policy (an admin only, audited). Approvals need a team register.
    pub fn set_approval_policy(&mut self, policy: ApprovalPolicy) -> Result<(), RegisterError> {
        if (policy.approvals > 0 || policy.revocation_approvals > 0) && !self.is_team()? {
            return Err(RegisterError::Operator(
                "approvals need a team: make the first admin with `goodstanding register init \
                 --as NAME --key KEY --approvals N`"
                    .into(),
            ));
        }
        self.actor_for(Duty::Administer)?;
        let tx = self.db.transaction()?;
        Self::write_policy(&tx, policy)?;
        self.audit_in(
            &tx,
            vec![json!({"action": "policy", "approvals": policy.approvals,
                        "revocation_approvals": policy.revocation_approvals})],
        )?;
        tx.commit()
    }

    /// Adds an operator (an admin only, audited).
    pub fn add_operator(
        &mut self,
        name: &str,
        public_key: &ed25519_dalek::VerifyingKey,
        role: Role,
    ) -> Result<(), RegisterError> {
        check_name(name)?;
        if !self.is_team()? {
            return Err(RegisterError::Operator(
                "this register has no operators yet: make the first admin with `goodstanding \
                 register init --as NAME --key KEY`"
                    .into(),
            ));
        }
        self.actor_for(Duty::Administer)?;
        let public = URL_SAFE_NO_PAD.encode(public_key.as_bytes());
        let now = goodstanding_clock::now()
            .map_err(|e| RegisterError::Storage(e.to_string()))?
            .to_string();
        let tx = self.db.transaction()?;
        if tx
            .row("SELECT 1 FROM operators WHERE name = ?1", &[&name])?
            .is_some()
        {
            return Err(RegisterError::Operator(format!(
                "there is already an operator {name} (a removed name is not reused: choose \
                 another)"
            )));
        }
        tx.exec(
            "INSERT INTO operators (name, public_key, role, added_at) VALUES (?1, ?2, ?3, ?4)",
            &[&name, &public, &role.as_str(), &now],
        )?;
        self.audit_in(
            &tx,
            vec![
                json!({"action": "operator_add", "operator": name, "role": role.as_str(),
                        "public_key": public}),
            ],
        )?;
        tx.commit()
    }

    /// Removes an operator (an admin only, audited); the last admin stays.
    pub fn remove_operator(&mut self, name: &str) -> Result<(), RegisterError> {
        self.actor_for(Duty::Administer)?;
        let now = goodstanding_clock::now()
            .map_err(|e| RegisterError::Storage(e.to_string()))?
            .to_string();
        let tx = self.db.transaction()?;
        let role: Option<String> = tx
            .row(
                "SELECT role FROM operators WHERE name = ?1 AND removed_at IS NULL",
                &[&name],
            )?
            .map(|r| r.get(0))
            .transpose()?;
        let Some(role) = role else {
            return Err(RegisterError::Operator(format!(
                "there is no operator {name} to remove (`goodstanding operator list`)"
            )));
        };
        let admins: i64 = tx.value(
            "SELECT count(*) FROM operators WHERE role = 'admin' AND removed_at IS NULL",
            &[],
        )?;
        if role == "admin" && admins <= 1 {
            return Err(RegisterError::Operator(format!(
                "{name} is the last admin: add another admin first"
            )));
        }
        tx.exec(
            "UPDATE operators SET removed_at = ?2 WHERE name = ?1",
            &[&name, &now],
        )?;
        self.audit_in(
            &tx,
            vec![json!({"action": "operator_remove", "operator": name})],
        )?;
        tx.commit()
    }

    /// Every operator, removed ones included, by name.
    pub fn operators(&self) -> Result<Vec<OperatorRecord>, RegisterError> {
        self.db
            .rows(
                "SELECT name, public_key, role, added_at, removed_at FROM operators ORDER BY name",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok(OperatorRecord {
                    name: r.get(0)?,
                    public_key: r.get(1)?,
                    role: r.get(2)?,
                    added_at: r.get(3)?,
                    removed_at: r.get(4)?,
                })
            })
            .collect()
    }
}

/// What an erasure removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Erased {
    /// Certificates whose subject reference was erased.
    pub certificates: u64,
    /// Requests whose content and subject reference were erased.
    pub requests: u64,
}

impl Register {
    /// Erases, at the end of the retention period, the links from the register to people: the
    /// subject reference of every certificate that expired before `before`, and the content
    /// and subject of every request submitted before it that is no longer pending (an admin
    /// only; audited). The audit trail's rows hold no subject references, so it still
    /// verifies; what they name (certificate ids, request hashes) then leads to no one.
    pub fn erase_before(
        &mut self,
        before: goodstanding_verifier::Timestamp,
    ) -> Result<Erased, RegisterError> {
        self.actor_for(Duty::Administer)?;
        let cutoff = before.to_string();
        let tx = self.db.transaction()?;
        let certificates = tx.exec(
            "UPDATE certificates SET subject_reference = 'erased:' || id, live = NULL WHERE \
             valid_until < ?1 AND state = 'issued' AND subject_reference NOT LIKE 'erased:%'",
            &[&cutoff],
        )?;
        let requests = tx.exec(
            "UPDATE requests SET subject_reference = 'erased:' || hash, canonical = '' WHERE \
             submitted_at < ?1 AND state <> 'pending' AND canonical <> ''",
            &[&cutoff],
        )?;
        self.audit_in(
            &tx,
            vec![
                json!({"action": "erase", "before": cutoff, "certificates": certificates,
                        "requests": requests}),
            ],
        )?;
        tx.commit()?;
        Ok(Erased {
            certificates,
            requests,
        })
    }
}

/// An operator's name: 1 to 64 letters, digits, `.`, `_`, `-` or `@`.
fn check_name(name: &str) -> Result<(), RegisterError> {
    let fine = (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if fine && name != super::audit::SINGLE_OPERATOR {
        Ok(())
    } else {
        Err(RegisterError::Operator(format!(
            "{name:?} is not an operator name: 1 to 64 letters, digits, '.', '_', '-' or '@' \
             (and not {})",
            super::audit::SINGLE_OPERATOR
        )))
    }
}
