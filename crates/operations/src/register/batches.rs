//! Batches in the register: starting or resuming one, what a run left pending, what it issued,
//! and its end.

use super::{
    BATCH_COLUMNS, BatchRecord, CERTIFICATE_COLUMNS, CertificateRecord, PendingCertificate,
    Register, RegisterError, batch_from_row, certificate_from_row,
};
use goodstanding_verifier::Timestamp;

impl Register {
    /// Starts a batch, or finds the batch of the same input, key and folder to resume.
    ///
    /// The batch id is derived from the input's SHA-256, so running the same input again resumes
    /// (or reports as done) the batch instead of issuing every certificate twice.
    pub fn begin_batch(&mut self, batch: &BatchRecord) -> Result<BatchRecord, RegisterError> {
        let tx = self.db.transaction()?;
        let existing = tx.row(
            &format!("SELECT {BATCH_COLUMNS} FROM batches WHERE id = ?1"),
            &[&batch.id],
        )?;
        let record = match existing {
            Some(found) => batch_from_row(&found)?,
            None => {
                tx.exec(
                    "INSERT INTO batches (id, input_sha256, input_name, kid, out_dir, started_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    &[
                        &batch.id,
                        &batch.input_sha256,
                        &batch.input_name,
                        &batch.kid,
                        &batch.out_dir,
                        &batch.started_at,
                    ],
                )?;
                batch.clone()
            }
        };
        tx.commit()?;
        Ok(record)
    }

    /// The batches made from an input with this SHA-256 (hex), oldest first.
    pub fn batches_of_input(&self, input_sha256: &str) -> Result<Vec<BatchRecord>, RegisterError> {
        self.db
            .rows(
                &format!(
                    "SELECT {BATCH_COLUMNS} FROM batches WHERE input_sha256 = ?1 ORDER BY \
                     started_at, id"
                ),
                &[&input_sha256],
            )?
            .iter()
            .map(batch_from_row)
            .collect()
    }

    /// Certificates a run of this batch left `pending`.
    pub fn pending_in_batch(
        &self,
        batch_id: &str,
    ) -> Result<Vec<PendingCertificate>, RegisterError> {
        self.pending_where("batch_id = ?1", batch_id)
    }

    /// Certificates left `pending` by an interrupted reissue of `old`.
    pub fn pending_replacements(
        &self,
        old: &str,
    ) -> Result<Vec<PendingCertificate>, RegisterError> {
        self.pending_where("supersedes = ?1", old)
    }

    fn pending_where(
        &self,
        condition: &str,
        value: &str,
    ) -> Result<Vec<PendingCertificate>, RegisterError> {
        self.db
            .rows(
                &format!(
                    "SELECT id, out_dir FROM certificates WHERE state = 'pending' AND {condition}"
                ),
                &[&value],
            )?
            .iter()
            .map(|row| {
                Ok(PendingCertificate {
                    id: row.get(0)?,
                    out_dir: row.get(1)?,
                })
            })
            .collect()
    }

    /// Forgets certificates left `pending` whose files have been removed. A certificate that
    /// was to supersede another gives the subject's place back to it, if it is not revoked.
    pub fn discard_pending(&mut self, ids: &[PendingCertificate]) -> Result<(), RegisterError> {
        if ids.is_empty() {
            return Ok(());
        }
        self.actor_for(super::audit::Duty::Issue)?;
        let tx = self.db.transaction()?;
        for pending in ids {
            // Free the place first (the unique index), then give it back.
            let supersedes: Option<String> = tx
                .row(
                    "SELECT supersedes FROM certificates WHERE id = ?1 AND state = 'pending'",
                    &[&pending.id],
                )?
                .map(|r| r.get(0))
                .transpose()?
                .flatten();
            tx.exec(
                "UPDATE certificates SET live = NULL WHERE id = ?1 AND state = 'pending'",
                &[&pending.id],
            )?;
            if let Some(old) = &supersedes {
                tx.exec(
                    "UPDATE certificates SET live = 1 WHERE id = ?1 AND NOT EXISTS (SELECT 1 \
                     FROM revocations WHERE certificate_id = ?1)",
                    &[old],
                )?;
            }
            tx.exec(
                "DELETE FROM certificates WHERE id = ?1 AND state = 'pending'",
                &[&pending.id],
            )?;
        }
        let discarded: Vec<&str> = ids.iter().map(|p| p.id.as_str()).collect();
        self.audit_in(
            &tx,
            vec![serde_json::json!({"action": "discard_pending", "certificates": discarded})],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The input lines of this batch already issued, in order.
    pub fn issued_items(&self, batch_id: &str) -> Result<Vec<u64>, RegisterError> {
        self.db
            .rows(
                "SELECT batch_item FROM certificates WHERE batch_id = ?1 AND state = 'issued' \
                 ORDER BY batch_item",
                &[&batch_id],
            )?
            .iter()
            .map(|row| row.get::<i64>(0).map(i64::unsigned_abs))
            .collect()
    }

    /// Records the end of a run of a batch.
    pub fn finish_batch(
        &mut self,
        batch_id: &str,
        finished_at: Timestamp,
        rejected: u64,
    ) -> Result<BatchRecord, RegisterError> {
        let rejected = i64::try_from(rejected).unwrap_or(i64::MAX);
        self.db.exec(
            "UPDATE batches SET finished_at = ?2, rejected = ?3, issued = (SELECT count(*) FROM \
             certificates WHERE batch_id = ?1 AND state = 'issued') WHERE id = ?1",
            &[&batch_id, &finished_at.to_string(), &rejected],
        )?;
        self.batch(batch_id)?
            .ok_or_else(|| RegisterError::Storage(format!("batch {batch_id} is not recorded")))
    }

    /// Calls `each` for every issued certificate of a batch, in input order.
    pub fn for_each_in_batch(
        &self,
        batch_id: &str,
        mut each: impl FnMut(CertificateRecord) -> Result<(), RegisterError>,
    ) -> Result<(), RegisterError> {
        // A page at a time, after the last item seen: the whole batch at once held about 1.3 KB
        // a certificate in memory (130 MB for 100,000) while its manifest was written.
        let mut after: i64 = -1;
        loop {
            let page = self.db.rows(
                &format!(
                    "SELECT {CERTIFICATE_COLUMNS} FROM certificates c LEFT JOIN revocations r ON \
                     r.certificate_id = c.id WHERE c.batch_id = ?1 AND c.state = 'issued' AND \
                     c.batch_item > ?2 ORDER BY c.batch_item LIMIT {BATCH_PAGE}"
                ),
                &[&batch_id, &after],
            )?;
            let full = page.len() == BATCH_PAGE;
            for row in page {
                let certificate = certificate_from_row(&row)?;
                let item = certificate.batch_item.unwrap_or(0);
                after = i64::try_from(item).map_err(|_| {
                    RegisterError::Storage(format!("certificate {}: item {item}", certificate.id))
                })?;
                each(certificate)?;
            }
            if !full {
                return Ok(());
            }
        }
    }
}

/// Certificates read at a time when going through a whole batch.
pub(super) const BATCH_PAGE: usize = 1000;
