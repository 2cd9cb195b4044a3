//! Revocations in the register: revoking, replacing a certificate by its reissue (both in one
//! transaction), and what a revocation list must carry.

use goodstanding_verifier::model::RevocationReason;
use goodstanding_verifier::{CertificateId, Timestamp};
use rusqlite::{OptionalExtension as _, params};

use super::{
    CERTIFICATE_COLUMNS, CertificateRecord, Register, RegisterError, RevokeError,
    certificate_from_row,
};

impl Register {
    /// The issued, unrevoked certificate `id`, or why it cannot be revoked.
    fn revocable(
        tx: &rusqlite::Transaction<'_>,
        id: &str,
    ) -> Result<CertificateRecord, RevokeError> {
        let found = tx
            .query_row(
                &format!(
                    "SELECT {CERTIFICATE_COLUMNS} FROM certificates c LEFT JOIN revocations r ON \
                     r.certificate_id = c.id WHERE c.id = ?1 AND c.state = 'issued'"
                ),
                [id],
                certificate_from_row,
            )
            .optional()?
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
        let tx = self.connection.transaction()?;
        Self::revocable(&tx, id)?;
        tx.execute(
            "INSERT INTO revocations (certificate_id, revoked_at, reason) VALUES (?1, ?2, ?3)",
            params![id, at.to_string(), reason.as_code()],
        )?;
        tx.execute("UPDATE certificates SET live = NULL WHERE id = ?1", [id])?;
        Self::log_revocation_in(&tx, id, at, reason.as_code())?;
        tx.commit()?;
        Ok(())
    }

    /// Checks that certificate `old` can be replaced by a certificate for `subject_reference`.
    pub fn check_replaceable(
        &mut self,
        old: &str,
        subject_reference: &str,
    ) -> Result<(), RevokeError> {
        let tx = self.connection.transaction()?;
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
        let tx = self.connection.transaction()?;
        Self::revocable(&tx, old)?;
        tx.execute(
            "UPDATE certificates SET state = 'issued' WHERE id = ?1",
            [new.as_str()],
        )?;
        Self::supersede(&tx, old, new, at)?;
        tx.commit()?;
        Ok(())
    }

    /// The revocations of certificates not yet expired at `now`, as (id, revoked at, reason
    /// code), sorted by id: what a revocation list must carry.
    pub fn revocations_in_force(
        &self,
        now: Timestamp,
    ) -> Result<Vec<(String, String, String)>, RegisterError> {
        let mut statement = self.connection.prepare(
            "SELECT r.certificate_id, r.revoked_at, r.reason, c.valid_until FROM revocations r \
             JOIN certificates c ON c.id = r.certificate_id ORDER BY r.certificate_id",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, revoked_at, reason, valid_until) = row?;
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
        let tx = self
            .connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let last: i64 = tx.query_row(
            "SELECT COALESCE(MAX(sequence), 0) FROM revocation_lists",
            [],
            |r| r.get(0),
        )?;
        let sequence = last + 1;
        tx.execute(
            "INSERT INTO revocation_lists (sequence, issued_at, next_update, kid, entries) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                sequence,
                issued_at.to_string(),
                next_update.to_string(),
                kid,
                i64::try_from(entries).unwrap_or(i64::MAX)
            ],
        )?;
        tx.commit()?;
        Ok(sequence.unsigned_abs())
    }
}
