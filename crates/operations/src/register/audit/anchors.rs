//! The audit trail's heads in the transparency log (entry type 0x03): appended at `publish`,
//! read back by `audit verify`.

use serde_json::json;

use super::super::{Register, RegisterError};
use super::Duty;
use crate::canonical_json::unhex32;

impl Register {
    /// Whether `publish` anchors the audit trail's head in the transparency log.
    pub fn anchors_audit(&self) -> Result<bool, RegisterError> {
        Ok(self.setting("audit_anchors")?.as_deref() == Some("on"))
    }

    /// Turns anchoring on or off (an admin only, audited). Verifiers of the release before
    /// this one cannot sync a log holding an anchor: turn it on once they are updated.
    pub fn set_audit_anchoring(&mut self, on: bool) -> Result<(), RegisterError> {
        self.actor_for(Duty::Administer)?;
        let tx = self.db.transaction()?;
        tx.exec(
            "INSERT INTO settings (name, value) VALUES ('audit_anchors', ?1) ON CONFLICT(name) \
             DO UPDATE SET value = excluded.value",
            &[&if on { "on" } else { "off" }],
        )?;
        self.audit_in(&tx, vec![json!({"action": "policy", "anchor_audit": on})])?;
        tx.commit()
    }

    /// Appends the audit trail's head to the transparency log (an entry of type 0x03), when
    /// the register has a log, anchoring is on, and this head is not anchored yet; returns the
    /// number of rows anchored. The entry is witnessed with the log's next checkpoint.
    pub fn anchor_audit(
        &mut self,
        now: goodstanding_verifier::Timestamp,
    ) -> Result<Option<u64>, RegisterError> {
        if self.log_folder()?.is_none() || !self.anchors_audit()? {
            return Ok(None);
        }
        let tx = self.db.transaction()?;
        let Some(row) = tx.row(
            "SELECT seq, row_hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            &[],
        )?
        else {
            return Ok(None);
        };
        let rows = row.get::<i64>(0)?.unsigned_abs();
        let hash: String = row.get(1)?;
        let head = unhex32(&hash).ok_or_else(|| {
            RegisterError::Storage("the audit trail's last row has no hash".into())
        })?;
        let name = format!("audit-{rows}");
        let kind = goodstanding_verifier::log_entry::AUDIT_ANCHOR_ENTRY;
        if tx
            .row(
                "SELECT 1 FROM log_entries WHERE kind = ?1 AND certificate_id = ?2",
                &[&kind, &name],
            )?
            .is_some()
        {
            return Ok(None);
        }
        let entry = goodstanding_verifier::log_entry::LogEntry::AuditAnchor {
            rows,
            head,
            anchored_at: now.unix().unsigned_abs(),
        }
        .to_bytes()
        .unwrap_or_default();
        Self::append_in(
            &tx,
            &[crate::register::NewLogEntry {
                kind,
                certificate_id: name,
                entry,
            }],
        )?;
        tx.commit()?;
        Ok(Some(rows))
    }

    /// Every head of the audit trail the transparency log holds (current and frozen logs):
    /// (rows, hash of the last row).
    pub fn audit_anchors(&self) -> Result<Vec<(u64, [u8; 32])>, RegisterError> {
        let mut anchors = Vec::new();
        for row in self.db.rows(
            "SELECT entry FROM frozen_log_entries WHERE kind = ?1 UNION ALL SELECT entry FROM \
             log_entries WHERE kind = ?1",
            &[&goodstanding_verifier::log_entry::AUDIT_ANCHOR_ENTRY],
        )? {
            let bytes: Vec<u8> = row.get(0)?;
            if let Ok(goodstanding_verifier::log_entry::LogEntry::AuditAnchor {
                rows, head, ..
            }) = goodstanding_verifier::log_entry::LogEntry::from_bytes(&bytes)
            {
                anchors.push((rows, head));
            }
        }
        anchors.sort_unstable();
        Ok(anchors)
    }
}
