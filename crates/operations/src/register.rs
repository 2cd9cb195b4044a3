//! The issuance register: an SQLite file, or a PostgreSQL database a team shares (issue 26),
//! recording every certificate issued, every batch, and every revocation and supersession, and
//! the transparency log's state. Its SQL is written once, against [`db`]'s interface.
//!
//! A certificate enters the register in two steps around the writing of its files: first as
//! `pending` (before its files get their final names), then `issued` (after they have them), each
//! step one transaction. After a crash, a `pending` row names files that may or may not exist:
//! [`Register::discard_pending`] removes both, and the request is issued again under a new id.
//! So `issued` in the register always means the three files are in place, and no file of a
//! certificate that is not `issued` survives a recovery.
//!
//! An SQLite file is created with mode 0600 and refused if others may read it: it holds subject
//! references, which lead to criminal-offence data. A PostgreSQL register's tables come from
//! the migrations in `migrations/postgres/` ([`Register::migrate_postgres`]).

use std::fmt;
use std::path::{Path, PathBuf};

use db::{Db, Row, ToValue};
use goodstanding_issuer::Policy;
use goodstanding_issuer::validate::{DEFAULT_FRESHNESS_DAYS, MAX_FRESHNESS_DAYS};
use goodstanding_verifier::model::RevocationReason;
use goodstanding_verifier::{CertificateId, Timestamp};
use rusqlite::Connection;

/// Name of the register file inside the data directory.
pub const REGISTER_FILE: &str = "register.sqlite";

mod approvals;
mod audit;
mod batches;
mod connect;
mod db;
mod log_state;
mod postgres;
mod records;
mod revocations;
mod team;
#[cfg(test)]
mod tests;
mod transfer;

pub use approvals::{
    ApprovalsInForce, NewRequest, RequestApprovals, SubmittedRequest, approval_root,
    record_set_of_valid, record_set_sha256, request_sha256, revocation_record_set,
    revocation_request,
};
pub use audit::{
    Actor, AuditRow, ChainFault, ChainReport, Duty, Role, SINGLE_OPERATOR, public_key_text,
    row_hash, verify_chain,
};
pub use log_state::{FrozenLog, NewLogEntry, StoredCheckpoint};
pub use postgres::{SharedLock, create_postgres_database, is_postgres_url, redacted_url};
pub use records::{
    BatchRecord, CertificateRecord, ListFilter, Logged, NewCertificate, PendingCertificate,
    RegisterError, Revocation, RevokeError,
};
pub use team::{ApprovalPolicy, Erased, OperatorRecord};
pub use transfer::Imported;

/// The default register path: `$XDG_DATA_HOME/goodstanding/register.sqlite`, or
/// `$HOME/.local/share/goodstanding/register.sqlite`.
pub fn default_path() -> Option<PathBuf> {
    goodstanding_files::data_dir().map(|dir| dir.join(REGISTER_FILE))
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY,
    input_sha256 TEXT NOT NULL,
    input_name TEXT NOT NULL,
    kid TEXT NOT NULL,
    out_dir TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    issued INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS certificates (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL CHECK (state IN ('pending', 'issued')),
    subject_reference TEXT NOT NULL,
    kid TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    information_as_at TEXT NOT NULL,
    out_dir TEXT NOT NULL,
    batch_id TEXT REFERENCES batches(id),
    batch_item INTEGER,
    supersedes TEXT REFERENCES certificates(id),
    jws_sha256 TEXT NOT NULL,
    qr_sha256 TEXT NOT NULL,
    pdf_sha256 TEXT NOT NULL,
    live INTEGER CHECK (live = 1),
    UNIQUE (batch_id, batch_item)
);
CREATE INDEX IF NOT EXISTS certificates_by_subject ON certificates(subject_reference);
CREATE TABLE IF NOT EXISTS revocations (
    certificate_id TEXT PRIMARY KEY REFERENCES certificates(id),
    revoked_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    superseded_by TEXT REFERENCES certificates(id)
);
CREATE TABLE IF NOT EXISTS settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS revocation_lists (
    sequence INTEGER PRIMARY KEY,
    issued_at TEXT NOT NULL,
    next_update TEXT NOT NULL,
    kid TEXT NOT NULL,
    entries INTEGER NOT NULL
);
";

/// One live certificate per subject (rule 8), enforced by the register itself: a certificate is
/// `live` (1) from the moment it is recorded pending until it is revoked, superseded or found
/// expired; a replacement becomes live in the transaction that revokes the one it supersedes.
const LIVE_SCHEMA: &str = "
CREATE UNIQUE INDEX IF NOT EXISTS one_live_certificate_per_subject
    ON certificates(subject_reference) WHERE live = 1;
";

/// Version 3: the `live` column. Of a subject's unrevoked certificates, the newest is live; an
/// older one that an earlier goodstanding left unrevoked is listed by `register list`.
const ADD_LIVE: &str = "
ALTER TABLE certificates ADD COLUMN live INTEGER CHECK (live = 1);
UPDATE certificates SET live = 1 WHERE id IN (
    SELECT c.id FROM certificates c
    WHERE c.state = 'issued'
      AND NOT EXISTS (SELECT 1 FROM revocations r WHERE r.certificate_id = c.id)
      AND c.issued_at = (
          SELECT MAX(c2.issued_at) FROM certificates c2
          WHERE c2.subject_reference = c.subject_reference AND c2.state = 'issued'
            AND NOT EXISTS (SELECT 1 FROM revocations r2 WHERE r2.certificate_id = c2.id))
      AND c.id = (
          SELECT MAX(c3.id) FROM certificates c3
          WHERE c3.subject_reference = c.subject_reference AND c3.issued_at = c.issued_at
            AND c3.state = 'issued'
            AND NOT EXISTS (SELECT 1 FROM revocations r3 WHERE r3.certificate_id = c3.id))
);
";

/// The version of the register's tables (SQLite `user_version`). Version 2 added
/// `revocation_lists`, version 3 the `live` column; an older register is upgraded when opened.
const REGISTER_VERSION: i64 = 3;

const CERTIFICATE_COLUMNS: &str = "c.id, c.state, c.subject_reference, c.kid, c.issued_at, \
    c.valid_from, c.valid_until, c.information_as_at, c.out_dir, c.batch_id, c.batch_item, \
    c.supersedes, c.jws_sha256, c.qr_sha256, c.pdf_sha256, r.revoked_at, r.reason, \
    r.superseded_by";

fn certificate_from_row(row: &Row) -> Result<CertificateRecord, RegisterError> {
    let revoked_at: Option<String> = row.get(15)?;
    Ok(CertificateRecord {
        id: row.get(0)?,
        state: row.get(1)?,
        subject_reference: row.get(2)?,
        kid: row.get(3)?,
        issued_at: row.get(4)?,
        valid_from: row.get(5)?,
        valid_until: row.get(6)?,
        information_as_at: row.get(7)?,
        out_dir: row.get(8)?,
        batch_id: row.get(9)?,
        batch_item: row.get::<Option<i64>>(10)?.map(i64::unsigned_abs),
        supersedes: row.get(11)?,
        jws_sha256: row.get(12)?,
        qr_sha256: row.get(13)?,
        pdf_sha256: row.get(14)?,
        revocation: match revoked_at {
            Some(revoked_at) => Some(Revocation {
                revoked_at,
                reason: row.get(16)?,
                superseded_by: row.get(17)?,
            }),
            None => None,
        },
    })
}

fn batch_from_row(row: &Row) -> Result<BatchRecord, RegisterError> {
    Ok(BatchRecord {
        id: row.get(0)?,
        input_sha256: row.get(1)?,
        input_name: row.get(2)?,
        kid: row.get(3)?,
        out_dir: row.get(4)?,
        started_at: row.get(5)?,
        finished_at: row.get(6)?,
        issued: row.get::<i64>(7)?.unsigned_abs(),
        rejected: row.get::<i64>(8)?.unsigned_abs(),
    })
}

/// The columns of a batch, in [`batch_from_row`]'s order.
const BATCH_COLUMNS: &str =
    "id, input_sha256, input_name, kid, out_dir, started_at, finished_at, issued, rejected";

/// The audit row of certificates marked issued (and logged, if `logged`), naming what they
/// superseded.
fn issue_event<'a>(
    ids: impl Iterator<Item = &'a CertificateId>,
    superseded: &[String],
    logged: bool,
) -> serde_json::Value {
    let ids: Vec<&str> = ids.map(CertificateId::as_str).collect();
    serde_json::json!({"action": "issue", "certificates": ids, "superseded": superseded,
                       "logged": logged})
}

/// An open register.
pub struct Register {
    db: Db,
    path: PathBuf,
    /// The PostgreSQL URL (with its password): locks other processes must see take a
    /// connection of their own ([`Register::lock_shared`]).
    url: Option<String>,
    /// The operator acting ([`Register::act_as`]), or the single operator once one acts.
    actor: Option<audit::Actor>,
}

impl fmt::Debug for Register {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Register")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Register {
    /// Opens the register at `path`, creating it (mode 0600, in a folder of mode 0700 if that is
    /// new) if it does not exist.
    pub fn open(path: &Path) -> Result<Self, RegisterError> {
        let open_error = |message: String| RegisterError::Open {
            path: path.to_path_buf(),
            message,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.exists()
        {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt as _;
                builder.mode(0o700);
            }
            builder
                .create(dir)
                .map_err(|e| open_error(format!("cannot create its folder: {e}")))?;
        }
        // Create the file ourselves so that it is private from its first byte.
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let file = options.open(path).map_err(|e| open_error(e.to_string()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = file
                .metadata()
                .map_err(|e| open_error(e.to_string()))?
                .permissions()
                .mode()
                & 0o777;
            if mode & 0o077 != 0 {
                return Err(RegisterError::Permissions {
                    path: path.to_path_buf(),
                    mode,
                });
            }
        }
        drop(file);

        let connection = Connection::open(path).map_err(|e| open_error(e.to_string()))?;
        let format_error = |e: rusqlite::Error| RegisterError::Format {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        // WAL: readers do not block the writer; FULL: a committed transaction survives a power
        // cut, not only a killed process.
        // Wait (up to 30 s) for other processes using the register rather than fail at once.
        connection
            .execute_batch(
                "PRAGMA busy_timeout = 30000; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
            )
            .map_err(format_error)?;
        let mut connection = connection;
        // Every write transaction takes the write lock when it begins, so that one that reads
        // first waits for another writer (busy_timeout) instead of failing when it upgrades.
        connection.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        // Check and create the tables under a write lock, so that two processes opening a new
        // register at once do not both create it.
        let tx = connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(format_error)?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(format_error)?;
        match version {
            0 => {
                let tables: i64 = tx
                    .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
                    .map_err(format_error)?;
                if tables > 0 {
                    return Err(RegisterError::Format {
                        path: path.to_path_buf(),
                        message: "it is an SQLite database with other tables".into(),
                    });
                }
                tx.execute_batch(&format!(
                    "{SCHEMA} {LIVE_SCHEMA} PRAGMA user_version = {REGISTER_VERSION};"
                ))
                .map_err(format_error)?;
            }
            REGISTER_VERSION => {}
            1 | 2 => tx
                .execute_batch(&format!(
                    "{SCHEMA} {ADD_LIVE} {LIVE_SCHEMA} PRAGMA user_version = {REGISTER_VERSION};"
                ))
                .map_err(format_error)?,
            other => {
                return Err(RegisterError::Format {
                    path: path.to_path_buf(),
                    message: format!(
                        "register version {other}; this goodstanding reads version \
                         {REGISTER_VERSION}"
                    ),
                });
            }
        }
        // The issuing body's settings (since version 3).
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);",
        )
        .map_err(format_error)?;
        // The transparency log's state (issue 25): empty until a log is set up.
        tx.execute_batch(log_state::LOG_SCHEMA)
            .map_err(format_error)?;
        // Operators, approvals and the audit trail (issue 26).
        tx.execute_batch(audit::TEAM_SCHEMA).map_err(format_error)?;
        tx.commit().map_err(format_error)?;
        Ok(Self {
            db: Db::Sqlite(connection),
            path: path.to_path_buf(),
            url: None,
            actor: None,
        })
    }

    /// The register: the SQLite file, or the PostgreSQL URL without its password.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A setting, if set.
    fn setting(&self, name: &str) -> Result<Option<String>, RegisterError> {
        self.db
            .row("SELECT value FROM settings WHERE name = ?1", &[&name])?
            .map(|r| r.get(0))
            .transpose()
    }

    /// The issuing body's rules settings: how old the information may be at issue
    /// (`freshness_days`, 30 unless set).
    pub fn policy(&self) -> Result<Policy, RegisterError> {
        let mut policy = Policy::default();
        if let Some(days) = self.setting("freshness_days")? {
            policy.freshness_days = days.parse().map_err(|_| {
                RegisterError::Storage(format!("the setting freshness_days is {days:?}"))
            })?;
        }
        Ok(policy)
    }

    /// Sets how many days old the information may be at issue: 1 to [`MAX_FRESHNESS_DAYS`].
    pub fn set_freshness_days(&mut self, days: i64) -> Result<(), RegisterError> {
        if !(1..=MAX_FRESHNESS_DAYS).contains(&days) {
            return Err(RegisterError::Setting(format!(
                "freshness of {days} days: give 1 to {MAX_FRESHNESS_DAYS} (good standing goes \
                 stale; the default is {DEFAULT_FRESHNESS_DAYS})"
            )));
        }
        self.actor_for(audit::Duty::Administer)?;
        let tx = self.db.transaction()?;
        tx.exec(
            "INSERT INTO settings (name, value) VALUES ('freshness_days', ?1) ON CONFLICT(name) \
             DO UPDATE SET value = excluded.value",
            &[&days.to_string()],
        )?;
        self.audit_in(
            &tx,
            vec![serde_json::json!({"action": "policy", "freshness_days": days})],
        )?;
        tx.commit()
    }

    /// The transparency log's folder set up for this register (`goodstanding log init`), if
    /// any: every certificate issued with this register is then logged.
    pub fn log_folder(&self) -> Result<Option<PathBuf>, RegisterError> {
        Ok(self.setting("log_folder")?.map(PathBuf::from))
    }

    /// Records the transparency log's folder; refused if another is recorded and entries were
    /// logged (the log cannot move to new keys without a trust-list change).
    pub fn set_log_folder(&mut self, dir: &Path) -> Result<(), RegisterError> {
        if let Some(current) = self.log_folder()?
            && current != dir
            && self.log_size()? > 0
        {
            return Err(RegisterError::Setting(format!(
                "this register already logs to {}; its entries cannot move to another log",
                current.display()
            )));
        }
        self.actor_for(audit::Duty::Issue)?;
        let tx = self.db.transaction()?;
        let folder = dir.to_string_lossy();
        tx.exec(
            "INSERT INTO settings (name, value) VALUES ('log_folder', ?1) ON CONFLICT(name) DO \
             UPDATE SET value = excluded.value",
            &[&folder.as_ref()],
        )?;
        self.audit_in(
            &tx,
            vec![serde_json::json!({"action": "log_folder", "folder": folder})],
        )?;
        tx.commit()
    }

    /// The subject's live certificate, if any (one not revoked, superseded or expired at `now`).
    pub fn live_certificate(
        &self,
        subject_reference: &str,
        now: Timestamp,
    ) -> Result<Option<CertificateRecord>, RegisterError> {
        self.db
            .row(
                &format!(
                    "SELECT {CERTIFICATE_COLUMNS} FROM certificates c LEFT JOIN revocations r ON \
                     r.certificate_id = c.id WHERE c.subject_reference = ?1 AND c.live = 1 AND \
                     c.valid_until > ?2"
                ),
                &[&subject_reference, &now.to_string()],
            )?
            .as_ref()
            .map(certificate_from_row)
            .transpose()
    }

    /// Every subject's live certificate at `now`, as (subject reference, certificate id): what a
    /// batch consults before signing.
    pub fn live_certificates(
        &self,
        now: Timestamp,
    ) -> Result<std::collections::HashMap<String, String>, RegisterError> {
        self.db
            .rows(
                "SELECT subject_reference, id FROM certificates WHERE live = 1 AND valid_until > \
                 ?1",
                &[&now.to_string()],
            )?
            .iter()
            .map(|row| Ok((row.get(0)?, row.get(1)?)))
            .collect()
    }

    /// Records certificates as `pending`, in one transaction, before their files are renamed
    /// into place, keeping one live certificate per subject: a certificate that supersedes
    /// another is recorded only while that one is still its subject's live certificate, and
    /// takes its place as live at once (the old one is revoked when the new one is marked
    /// issued); one that supersedes nothing, only while its subject has no live certificate. Those that would break the rule are not recorded:
    /// returned as (index in `certificates`, the live certificate's id or none).
    pub fn record_pending(
        &mut self,
        certificates: &[NewCertificate],
        now: Timestamp,
    ) -> Result<Vec<(usize, Option<String>)>, RegisterError> {
        let tx = self.db.transaction()?;
        let mut conflicts = Vec::new();
        let now_text = now.to_string();
        // The log entries, in order, appended together at the end (one look-up of the log's
        // end instead of one per certificate).
        let mut entries: Vec<NewLogEntry> = Vec::new();
        for (index, c) in certificates.iter().enumerate() {
            let found: Option<(String, String)> = tx
                .row(
                    "SELECT id, valid_until FROM certificates WHERE subject_reference = ?1 AND \
                     live = 1",
                    &[&c.subject_reference],
                )?
                .map(|r| Ok::<_, RegisterError>((r.get(0)?, r.get(1)?)))
                .transpose()?;
            // A live certificate that has expired is live no more.
            let current = match found {
                Some((id, until)) if until <= now_text => {
                    tx.exec("UPDATE certificates SET live = NULL WHERE id = ?1", &[&id])?;
                    None
                }
                other => other.map(|(id, _)| id),
            };
            let superseded = c.supersedes.as_ref().map(|s| s.as_str().to_string());
            // A replacement of a certificate that is no longer live (it expired) is fine: it
            // supersedes nothing live, and becomes live itself when issued.
            let allowed = current == superseded || (current.is_none() && superseded.is_some());
            if !allowed {
                conflicts.push((index, current));
                continue;
            }
            // The new certificate takes the subject's place at once, so that no other run
            // can replace the same certificate; recovery gives it back (discard_pending).
            if let Some(old) = &current {
                tx.exec("UPDATE certificates SET live = NULL WHERE id = ?1", &[old])?;
            }
            let (batch_id, item) = match &c.batch {
                Some((id, item)) => (Some(id.as_str()), i64::try_from(*item).ok()),
                None => (None, None),
            };
            tx.exec(
                "INSERT INTO certificates (id, state, subject_reference, kid, issued_at, \
                 valid_from, valid_until, information_as_at, out_dir, batch_id, batch_item, \
                 supersedes, jws_sha256, qr_sha256, pdf_sha256, live) VALUES (?1, 'pending', ?2, \
                 ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                &[
                    &c.id.as_str(),
                    &c.subject_reference,
                    &c.kid,
                    &c.issued_at.to_string(),
                    &c.valid_from.to_string(),
                    &c.valid_until.to_string(),
                    &c.information_as_at,
                    &c.out_dir,
                    &batch_id,
                    &item,
                    &c.supersedes.as_ref().map(CertificateId::as_str),
                    &c.sha256[0],
                    &c.sha256[1],
                    &c.sha256[2],
                    &1i64,
                ],
            )?;
            if let Some(logged) = &c.logged {
                entries.push(logged.entry.clone());
                // The old certificate's revocation goes into the same checkpoint.
                if let Some(old) = &c.supersedes
                    && let Some(revocation) = Self::revocation_entry_in(
                        &tx,
                        old.as_str(),
                        c.issued_at,
                        RevocationReason::Superseded.as_code(),
                    )?
                {
                    entries.push(revocation);
                }
                tx.exec(
                    "INSERT INTO held_certificates (id, jws) VALUES (?1, ?2)",
                    &[&c.id.as_str(), &logged.jws],
                )?;
            }
        }
        if !entries.is_empty() {
            Self::append_in(&tx, &entries)?;
        }
        tx.commit()?;
        Ok(conflicts)
    }

    /// Marks certificates `issued` once their files are in place, in one transaction; each that
    /// supersedes another revokes it (reason `superseded`) and becomes its subject's live
    /// certificate in the same transaction.
    pub fn mark_issued(
        &mut self,
        ids: &[CertificateId],
        now: Timestamp,
    ) -> Result<(), RegisterError> {
        self.actor_for(audit::Duty::Issue)?;
        let tx = self.db.transaction()?;
        let mut superseded = Vec::new();
        for id in ids {
            // One round trip: the state, and what it supersedes.
            let old: Option<String> = tx
                .row(
                    "UPDATE certificates SET state = 'issued' WHERE id = ?1 RETURNING supersedes",
                    &[&id.as_str()],
                )?
                .map(|r| r.get(0))
                .transpose()?
                .flatten();
            if let Some(old) = old {
                Self::supersede(&tx, &old, id, now)?;
                superseded.push(old);
            }
        }
        self.audit_in(&tx, vec![issue_event(ids.iter(), &superseded, false)])?;
        tx.commit()?;
        Ok(())
    }

    /// Logged certificates released: records the SHA-256 of each one's `.jws`, QR text, PDF and
    /// `.tlog-proof` (made only once its proof existed), marks it `issued` (revoking what it
    /// supersedes, as [`Register::mark_issued`]) and no longer held, all in one transaction.
    pub fn release_logged(
        &mut self,
        items: &[(CertificateId, [String; 4])],
        now: Timestamp,
    ) -> Result<(), RegisterError> {
        self.actor_for(audit::Duty::Issue)?;
        let tx = self.db.transaction()?;
        let mut superseded = Vec::new();
        for (id, [jws, qr, pdf, _]) in items {
            let old: Option<String> = tx
                .row(
                    "UPDATE certificates SET state = 'issued', jws_sha256 = ?2, qr_sha256 = ?3, \
                     pdf_sha256 = ?4 WHERE id = ?1 RETURNING supersedes",
                    &[&id.as_str(), jws, qr, pdf],
                )?
                .map(|r| r.get(0))
                .transpose()?
                .flatten();
            if let Some(old) = old {
                Self::supersede(&tx, &old, id, now)?;
                superseded.push(old);
            }
        }
        self.audit_in(
            &tx,
            vec![issue_event(
                items.iter().map(|(id, _)| id),
                &superseded,
                true,
            )],
        )?;
        // The proofs' hashes and the end of holding: one statement per 64 certificates.
        for part in items.chunks(64) {
            let mut values = Vec::with_capacity(part.len());
            let mut params: Vec<&dyn ToValue> = Vec::with_capacity(part.len() * 2);
            for (i, (id, hashes)) in part.iter().enumerate() {
                values.push(format!("(?{}, ?{})", 2 * i + 1, 2 * i + 2));
                params.push(id);
                params.push(&hashes[3]);
            }
            tx.exec(
                &format!(
                    "INSERT INTO proof_files (id, proof_sha256) VALUES {} ON CONFLICT(id) DO \
                     UPDATE SET proof_sha256 = excluded.proof_sha256",
                    values.join(", ")
                ),
                &params,
            )?;
            let ids: Vec<&dyn ToValue> = part.iter().map(|(id, _)| id as &dyn ToValue).collect();
            let placeholders: Vec<String> = (1..=part.len()).map(|i| format!("?{i}")).collect();
            tx.exec(
                &format!(
                    "DELETE FROM held_certificates WHERE id IN ({})",
                    placeholders.join(", ")
                ),
                &ids,
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Revokes `old` as superseded by `new`, and makes `new` its subject's live certificate;
    /// with a log, the revocation is logged (unless its replacement's run logged it already).
    fn supersede(
        tx: &Db,
        old: &str,
        new: &CertificateId,
        at: Timestamp,
    ) -> Result<(), RegisterError> {
        Self::log_revocation_in(tx, old, at, RevocationReason::Superseded.as_code())?;
        tx.exec(
            "INSERT INTO revocations (certificate_id, revoked_at, reason, superseded_by) VALUES \
             (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
            &[
                &old,
                &at.to_string(),
                &RevocationReason::Superseded.as_code(),
                &new.as_str(),
            ],
        )?;
        tx.exec("UPDATE certificates SET live = NULL WHERE id = ?1", &[&old])?;
        tx.exec(
            "UPDATE certificates SET live = 1 WHERE id = ?1",
            &[&new.as_str()],
        )?;
        Ok(())
    }

    /// Calls `each` for every certificate matching `filter`, oldest first.
    pub fn list(
        &self,
        filter: &ListFilter,
        mut each: impl FnMut(CertificateRecord),
    ) -> Result<(), RegisterError> {
        let mut conditions = Vec::new();
        let mut values: Vec<&dyn ToValue> = Vec::new();
        if let Some(subject) = &filter.subject {
            values.push(subject);
            conditions.push(format!("c.subject_reference = ?{}", values.len()));
        }
        if let Some(batch) = &filter.batch {
            values.push(batch);
            conditions.push(format!("c.batch_id = ?{}", values.len()));
        }
        let condition = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        for row in self.db.rows(
            &format!(
                "SELECT {CERTIFICATE_COLUMNS} FROM certificates c LEFT JOIN revocations r ON \
                 r.certificate_id = c.id {condition} ORDER BY c.issued_at, c.batch_id, \
                 c.batch_item, c.id"
            ),
            &values,
        )? {
            each(certificate_from_row(&row)?);
        }
        Ok(())
    }

    /// One certificate, if the register has it.
    pub fn certificate(&self, id: &str) -> Result<Option<CertificateRecord>, RegisterError> {
        self.db
            .row(
                &format!(
                    "SELECT {CERTIFICATE_COLUMNS} FROM certificates c LEFT JOIN revocations r ON \
                     r.certificate_id = c.id WHERE c.id = ?1"
                ),
                &[&id],
            )?
            .as_ref()
            .map(certificate_from_row)
            .transpose()
    }

    /// A batch, if the register has it.
    pub fn batch(&self, id: &str) -> Result<Option<BatchRecord>, RegisterError> {
        self.db
            .row(
                &format!("SELECT {BATCH_COLUMNS} FROM batches WHERE id = ?1"),
                &[&id],
            )?
            .as_ref()
            .map(batch_from_row)
            .transpose()
    }
}
