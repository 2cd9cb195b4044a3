//! Revocations in the register: revoking, replacing a certificate by its reissue (both in one
//! transaction), and what a revocation list must carry.

use super::db::Db;
use super::{
    CERTIFICATE_COLUMNS, CertificateRecord, Register, RegisterError, RevokeError,
    certificate_from_row,
};
use goodstanding_verifier::model::RevocationReason;
use goodstanding_verifier::{CertificateId, Timestamp};

impl Register {
    /// The issued, unrevoked certificate `id`, or why it cannot be revoked.
    fn revocable(tx: &Db, id: &str) -> Result<CertificateRecord, RevokeError> {
        let found = tx
            .row(
                &format!(
                    "SELECT {CERTIFICATE_COLUMNS} FROM certificates c LEFT JOIN revocations r ON \
                     r.certificate_id = c.id WHERE c.id = ?1 AND c.state = 'issued'"
                ),
                &[&id],
            )?
            .as_ref()
            .map(certificate_from_row)
            .transpose()?
            .ok_or_else(|| RevokeError::Unknown(id.to_string()))?;
        if let Some(r) = &found.revocation {
            return Err(RevokeError::AlreadyRevoked {
                id: id.to_string(),
                at: r.revoked_at.clone(),
                reason: r.reason.clone(),
            });
        }
        Ok(found)
    }

    /// Records the revocation of certificate `id`.
    pub fn revoke(
        &mut self,
        id: &str,
        reason: RevocationReason,
        at: Timestamp,
    ) -> Result<(), RevokeError> {
        if reason == RevocationReason::Superseded {
            return Err(RevokeError::SupersededNeedsReissue);
        }
        self.actor_for(super::audit::Duty::Issue)?;
        self.check_revocation_approved(id, reason.as_code())?;
        let tx = self.db.transaction()?;
        Self::revocable(&tx, id)?;
        tx.exec(
            "INSERT INTO revocations (certificate_id, revoked_at, reason) VALUES (?1, ?2, ?3)",
            &[&id, &at.to_string(), &reason.as_code()],
        )?;
        tx.exec("UPDATE certificates SET live = NULL WHERE id = ?1", &[&id])?;
        Self::log_revocation_in(&tx, id, at, reason.as_code())?;
        self.audit_in(
            &tx,
            vec![serde_json::json!({"action": "revoke", "certificate": id,
                                    "reason": reason.as_code()})],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Checks that certificate `old` can be replaced by a certificate for `subject_reference`.
    pub fn check_replaceable(
        &mut self,
        old: &str,
        subject_reference: &str,
    ) -> Result<(), RevokeError> {
        let tx = self.db.transaction()?;
        let found = Self::revocable(&tx, old)?;
        if found.subject_reference != subject_reference {
            return Err(RevokeError::DifferentSubject {
                old: found.subject_reference,
                new: subject_reference.to_string(),
            });
        }
        Ok(())
    }

    /// Marks the replacement `new` issued and revokes `old` as superseded by it, in one
    /// transaction.
    pub fn complete_replacement(
        &mut self,
        old: &str,
        new: &CertificateId,
        at: Timestamp,
    ) -> Result<(), RevokeError> {
        self.actor_for(super::audit::Duty::Issue)?;
        let tx = self.db.transaction()?;
        Self::revocable(&tx, old)?;
        tx.exec(
            "UPDATE certificates SET state = 'issued' WHERE id = ?1",
            &[&new.as_str()],
        )?;
        Self::supersede(&tx, old, new, at)?;
        self.audit_in(
            &tx,
            vec![super::issue_event(
                std::iter::once(new),
                &[old.to_string()],
                false,
            )],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The revocations of certificates not yet expired at `now`, as (id, revoked at, reason
    /// code), sorted by id: what a revocation list must carry.
    pub fn revocations_in_force(
        &self,
        now: Timestamp,
    ) -> Result<Vec<(String, String, String)>, RegisterError> {
        let rows = self.db.rows(
            "SELECT r.certificate_id, r.revoked_at, r.reason, c.valid_until FROM revocations r \
             JOIN certificates c ON c.id = r.certificate_id ORDER BY r.certificate_id",
            &[],
        )?;
        let mut out = Vec::new();
        for row in rows {
            let (id, revoked_at, reason, valid_until): (String, String, String, String) =
                (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?);
            // An expired certificate is not valid anyway: leave it out to keep the list short.
            // One whose expiry cannot be read stays in.
            if Timestamp::parse(&valid_until).is_ok_and(|until| until <= now) {
                continue;
            }
            out.push((id, revoked_at, reason));
        }
        Ok(out)
    }

    /// Records that a revocation list is being published, and returns its sequence number (one
    /// more than the last).
    pub fn record_revocation_list(
        &mut self,
        issued_at: Timestamp,
        next_update: Timestamp,
        kid: &str,
        entries: usize,
    ) -> Result<u64, RegisterError> {
        self.actor_for(super::audit::Duty::Issue)?;
        let tx = self.db.transaction()?;
        let last: i64 = tx.value(
            "SELECT COALESCE(MAX(sequence), 0) FROM revocation_lists",
            &[],
        )?;
        let sequence = last + 1;
        tx.exec(
            "INSERT INTO revocation_lists (sequence, issued_at, next_update, kid, entries) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            &[
                &sequence,
                &issued_at.to_string(),
                &next_update.to_string(),
                &kid,
                &i64::try_from(entries).unwrap_or(i64::MAX),
            ],
        )?;
        self.audit_in(
            &tx,
            vec![
                serde_json::json!({"action": "publish", "revocation_list": sequence,
                                    "revocations": entries, "kid": kid}),
            ],
        )?;
        tx.commit()?;
        Ok(sequence.unsigned_abs())
    }
}
