//! The transparency log's state in the register (issue 25, item 2): every entry with its leaf
//! hash in order, every checkpoint the log key signed, and the certificates held back until a
//! witnessed checkpoint covers them. Kept behind the register so that one storage holds both the
//! certificates and the log that must agree with them.
//!
//! An entry is appended in the transaction that records its certificate as `pending`, so a
//! certificate is never signed-and-recorded but unlogged, and (unique per certificate and kind)
//! never logged twice.

use goodstanding_verifier::merkle::Hash;
use std::path::{Path, PathBuf};

use super::db::{Db, Row, ToValue};
use super::{Register, RegisterError};

/// The log's tables; created in every register (empty until a log is set up).
pub(super) const LOG_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS log_entries (
    idx INTEGER PRIMARY KEY CHECK (idx >= 0),
    kind INTEGER NOT NULL,
    certificate_id TEXT NOT NULL,
    entry BLOB NOT NULL,
    leaf_hash BLOB NOT NULL CHECK (length(leaf_hash) = 32),
    UNIQUE (kind, certificate_id)
);
CREATE TABLE IF NOT EXISTS log_checkpoints (
    size INTEGER PRIMARY KEY CHECK (size >= 0),
    root BLOB NOT NULL CHECK (length(root) = 32),
    signed_note TEXT NOT NULL,
    witnessed_note TEXT
);
CREATE TABLE IF NOT EXISTS proof_files (
    id TEXT PRIMARY KEY REFERENCES certificates(id) ON DELETE CASCADE,
    proof_sha256 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS held_certificates (
    id TEXT PRIMARY KEY REFERENCES certificates(id) ON DELETE CASCADE,
    jws TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS frozen_logs (
    origin TEXT PRIMARY KEY,
    vkey TEXT NOT NULL,
    folder TEXT NOT NULL,
    frozen_at TEXT NOT NULL,
    size INTEGER NOT NULL CHECK (size >= 0),
    witnessed_note TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS frozen_log_entries (
    origin TEXT NOT NULL REFERENCES frozen_logs(origin),
    idx INTEGER NOT NULL CHECK (idx >= 0),
    kind INTEGER NOT NULL,
    certificate_id TEXT NOT NULL,
    entry BLOB NOT NULL,
    leaf_hash BLOB NOT NULL CHECK (length(leaf_hash) = 32),
    PRIMARY KEY (origin, idx),
    UNIQUE (origin, kind, certificate_id)
);
";

/// A log this register wrote before it moved to a new log key: its entries are kept, with the
/// witnessed checkpoint that covers them all, and it takes no more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrozenLog {
    /// Its origin.
    pub origin: String,
    /// Its key, as a note verifier key (`origin+id+base64`).
    pub vkey: String,
    /// The log folder it had (its key, policy).
    pub folder: PathBuf,
    /// When it was frozen.
    pub frozen_at: String,
    /// Its final size.
    pub size: u64,
    /// Its final checkpoint, with the witnesses' cosignatures.
    pub witnessed_note: String,
}

/// A checkpoint the log signed, and its witnessed form once the quorum cosigned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    /// The tree size.
    pub size: u64,
    /// The root hash.
    pub root: Hash,
    /// The note as the log signed it.
    pub signed_note: String,
    /// The note with the witnesses' cosignatures, once the quorum answered.
    pub witnessed_note: Option<String>,
}

/// An entry to append: its type byte, the certificate it is about, and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLogEntry {
    /// The entry's type byte.
    pub kind: u8,
    /// The certificate id.
    pub certificate_id: String,
    /// The entry's bytes.
    pub entry: Vec<u8>,
}

fn index(i: i64) -> u64 {
    i.unsigned_abs()
}

fn hash_from(bytes: Vec<u8>) -> Result<Hash, RegisterError> {
    bytes
        .try_into()
        .map_err(|_| RegisterError::Storage("a log hash in the register is not 32 bytes".into()))
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Leaf hashes read in order from `rows` of (index, hash) starting at `start`; a gap is an
/// error naming `what`.
fn leaves_from(rows: &[Row], start: u64, what: &str) -> Result<Vec<Hash>, RegisterError> {
    let mut leaves = Vec::with_capacity(rows.len());
    for row in rows {
        let at: i64 = row.get(0)?;
        if index(at) != start + leaves.len() as u64 {
            return Err(RegisterError::Storage(format!(
                "{what} in the register has a gap before entry {at}"
            )));
        }
        leaves.push(hash_from(row.get(1)?)?);
    }
    Ok(leaves)
}

fn checkpoint_from_row(row: &Row) -> Result<StoredCheckpoint, RegisterError> {
    Ok(StoredCheckpoint {
        size: index(row.get(0)?),
        root: hash_from(row.get(1)?)?,
        signed_note: row.get(2)?,
        witnessed_note: row.get(3)?,
    })
}

impl Register {
    /// Appends entries at the end of the log inside `tx`; returns their indexes. An entry of a
    /// kind already logged for its certificate is refused (the transaction fails).
    pub(super) fn append_in(tx: &Db, entries: &[NewLogEntry]) -> Result<Vec<u64>, RegisterError> {
        let first: i64 = tx.value("SELECT COALESCE(MAX(idx) + 1, 0) FROM log_entries", &[])?;
        let numbered: Vec<(i64, &NewLogEntry, Hash)> = (first..)
            .zip(entries)
            .map(|(at, e)| (at, e, goodstanding_verifier::merkle::leaf_hash(&e.entry)))
            .collect();
        // One statement per 64 entries.
        for part in numbered.chunks(64) {
            let mut values = Vec::with_capacity(part.len());
            let mut params: Vec<&dyn ToValue> = Vec::with_capacity(part.len() * 5);
            for (i, (at, e, leaf)) in part.iter().enumerate() {
                let n = 5 * i;
                values.push(format!(
                    "(?{}, ?{}, ?{}, ?{}, ?{})",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4,
                    n + 5
                ));
                params.extend([
                    at as &dyn ToValue,
                    &e.kind,
                    &e.certificate_id,
                    &e.entry,
                    leaf,
                ]);
            }
            tx.exec(
                &format!(
                    "INSERT INTO log_entries (idx, kind, certificate_id, entry, leaf_hash) VALUES \
                     {}",
                    values.join(", ")
                ),
                &params,
            )?;
        }
        Ok(numbered.iter().map(|(at, _, _)| index(*at)).collect())
    }

    /// With a log set up: appends, inside `tx`, the revocation entry of certificate `id`
    /// unless it is logged already (a supersession is logged with its replacement).
    pub(super) fn log_revocation_in(
        tx: &Db,
        id: &str,
        at: goodstanding_verifier::Timestamp,
        reason: &str,
    ) -> Result<(), RegisterError> {
        if let Some(entry) = Self::revocation_entry_in(tx, id, at, reason)? {
            Self::append_in(tx, std::slice::from_ref(&entry))?;
        }
        Ok(())
    }

    /// With a log set up: the revocation entry of certificate `id` to append inside `tx`,
    /// unless it is logged already.
    pub(super) fn revocation_entry_in(
        tx: &Db,
        id: &str,
        at: goodstanding_verifier::Timestamp,
        reason: &str,
    ) -> Result<Option<NewLogEntry>, RegisterError> {
        let logging: bool = tx.value(
            "SELECT EXISTS (SELECT 1 FROM settings WHERE name = 'log_folder')",
            &[],
        )?;
        let logged: bool = tx.value(
            "SELECT EXISTS (SELECT 1 FROM log_entries WHERE kind = ?1 AND certificate_id = ?2) \
             OR EXISTS (SELECT 1 FROM frozen_log_entries WHERE kind = ?1 AND certificate_id = \
             ?2)",
            &[&goodstanding_verifier::log_entry::REVOCATION_ENTRY, &id],
        )?;
        Ok((logging && !logged).then(|| NewLogEntry {
            kind: goodstanding_verifier::log_entry::REVOCATION_ENTRY,
            certificate_id: id.to_string(),
            entry: goodstanding_verifier::log_entry::LogEntry::Revocation {
                id: id.to_string(),
                revoked_at: at.unix().unsigned_abs(),
                reason: reason.to_string(),
            }
            .to_bytes()
            .unwrap_or_default(),
        }))
    }

    /// Appends entries in a transaction of their own (revocations); returns their indexes.
    pub fn append_log(&mut self, entries: &[NewLogEntry]) -> Result<Vec<u64>, RegisterError> {
        let tx = self.db.transaction()?;
        let indexes = Self::append_in(&tx, entries)?;
        tx.commit()?;
        Ok(indexes)
    }

    /// Every leaf hash, in order.
    pub fn log_leaves(&self) -> Result<Vec<Hash>, RegisterError> {
        self.log_leaves_from(0)
    }

    /// How many entries the log holds.
    pub fn log_size(&self) -> Result<u64, RegisterError> {
        let size: i64 = self
            .db
            .value("SELECT COALESCE(MAX(idx) + 1, 0) FROM log_entries", &[])?;
        Ok(index(size))
    }

    /// The leaf hashes from entry `start` on, in order (a writer that holds the first `start`
    /// reads only what was appended since).
    pub fn log_leaves_from(&self, start: u64) -> Result<Vec<Hash>, RegisterError> {
        let rows = self.db.rows(
            "SELECT idx, leaf_hash FROM log_entries WHERE idx >= ?1 ORDER BY idx",
            &[&to_i64(start)],
        )?;
        leaves_from(&rows, start, "the log")
    }

    /// The entries from `start` (inclusive) to `end` (exclusive).
    pub fn log_entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, RegisterError> {
        self.db
            .rows(
                "SELECT entry FROM log_entries WHERE idx >= ?1 AND idx < ?2 ORDER BY idx",
                &[&to_i64(start), &to_i64(end)],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect()
    }

    /// Where the entries of `kind` for the certificates `ids` are (those logged), in one query.
    pub fn log_indexes(
        &self,
        kind: u8,
        ids: &[&str],
    ) -> Result<std::collections::HashMap<String, u64>, RegisterError> {
        let mut found = std::collections::HashMap::with_capacity(ids.len());
        // At most 64 at a time: one statement text per length, prepared once.
        for part in ids.chunks(64) {
            let placeholders: Vec<String> = (2..part.len() + 2).map(|i| format!("?{i}")).collect();
            let mut params: Vec<&dyn ToValue> = vec![&kind];
            params.extend(part.iter().map(|id| id as &dyn ToValue));
            for row in self.db.rows(
                &format!(
                    "SELECT certificate_id, idx FROM log_entries WHERE kind = ?1 AND \
                     certificate_id IN ({})",
                    placeholders.join(", ")
                ),
                &params,
            )? {
                found.insert(row.get::<String>(0)?, index(row.get(1)?));
            }
        }
        Ok(found)
    }

    /// Where the entry of `kind` for certificate `id` is, if logged.
    pub fn log_index(&self, kind: u8, id: &str) -> Result<Option<u64>, RegisterError> {
        self.db
            .row(
                "SELECT idx FROM log_entries WHERE kind = ?1 AND certificate_id = ?2",
                &[&kind, &id],
            )?
            .map(|r| r.get::<i64>(0).map(index))
            .transpose()
    }

    /// The largest checkpoint the log signed, if any.
    pub fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, RegisterError> {
        self.checkpoint_where("ORDER BY size DESC LIMIT 1", &[])
    }

    /// The largest checkpoint the quorum cosigned, if any.
    pub fn latest_witnessed(&self) -> Result<Option<StoredCheckpoint>, RegisterError> {
        self.checkpoint_where(
            "WHERE witnessed_note IS NOT NULL ORDER BY size DESC LIMIT 1",
            &[],
        )
    }

    fn checkpoint_where(
        &self,
        clause: &str,
        params: &[&dyn ToValue],
    ) -> Result<Option<StoredCheckpoint>, RegisterError> {
        self.db
            .row(
                &format!(
                    "SELECT size, root, signed_note, witnessed_note FROM log_checkpoints {clause}"
                ),
                params,
            )?
            .as_ref()
            .map(checkpoint_from_row)
            .transpose()
    }

    /// Records a checkpoint the log signed. Refused if a larger checkpoint is recorded, or one of
    /// the same size with another root: the log never signs two inconsistent tree heads.
    pub fn record_checkpoint(
        &mut self,
        size: u64,
        root: &Hash,
        signed_note: &str,
    ) -> Result<(), RegisterError> {
        let tx = self.db.transaction()?;
        let latest: Option<(i64, Vec<u8>)> = tx
            .row(
                "SELECT size, root FROM log_checkpoints ORDER BY size DESC LIMIT 1",
                &[],
            )?
            .map(|r| Ok::<_, RegisterError>((r.get(0)?, r.get(1)?)))
            .transpose()?;
        if let Some((latest, latest_root)) = latest {
            if index(latest) > size || (index(latest) == size && latest_root != root.to_vec()) {
                return Err(RegisterError::Storage(format!(
                    "the log already signed a checkpoint of size {latest}; refusing to sign one \
                     of size {size} that does not extend it"
                )));
            }
            if index(latest) == size {
                return Ok(());
            }
        }
        tx.exec(
            "INSERT INTO log_checkpoints (size, root, signed_note) VALUES (?1, ?2, ?3)",
            &[&to_i64(size), &root.as_slice(), &signed_note],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records the cosigned form of the checkpoint of `size`.
    pub fn record_witnessed(&mut self, size: u64, note: &str) -> Result<(), RegisterError> {
        self.db.exec(
            "UPDATE log_checkpoints SET witnessed_note = ?2 WHERE size = ?1",
            &[&to_i64(size), &note],
        )?;
        Ok(())
    }

    /// The checkpoint of exactly `size`, if the log signed one.
    pub fn checkpoint_of_size(&self, size: u64) -> Result<Option<StoredCheckpoint>, RegisterError> {
        self.checkpoint_where("WHERE size = ?1", &[&to_i64(size)])
    }

    /// Freezes the log written now, named `origin` (the register's log folder's), and moves
    /// the register to the new log folder `new_folder`, whose log starts empty. In one
    /// transaction: refused while a certificate is held, or while the log has entries that no
    /// witnessed checkpoint covers (the frozen log must end at a checkpoint verifiers can
    /// sync); the entries and that checkpoint are kept under `origin` for publishing.
    pub fn freeze_log(
        &mut self,
        log: &goodstanding_verifier::note::VerifierKey,
        new_folder: &Path,
        now: goodstanding_verifier::Timestamp,
    ) -> Result<FrozenLog, RegisterError> {
        let origin = log.name.as_str();
        self.actor_for(super::audit::Duty::Issue)?;
        let tx = self.db.transaction()?;
        let folder: String = tx
            .row("SELECT value FROM settings WHERE name = 'log_folder'", &[])?
            .map(|r| r.get(0))
            .transpose()?
            .ok_or_else(|| {
                RegisterError::Setting(
                    "this register has no transparency log to freeze; set one up with \
                     `goodstanding log init`"
                        .into(),
                )
            })?;
        if Path::new(&folder) == new_folder {
            return Err(RegisterError::Setting(format!(
                "{folder} is the log folder in use already; give a new folder for the new log"
            )));
        }
        let held: i64 = tx.value("SELECT COUNT(*) FROM held_certificates", &[])?;
        if held > 0 {
            return Err(RegisterError::Setting(format!(
                "{held} certificate(s) are held until the witnesses cosign them; release them \
                 first (run `goodstanding issue` or `batch` again with the witnesses reachable), \
                 then freeze the log"
            )));
        }
        let size: i64 = tx.value("SELECT COALESCE(MAX(idx) + 1, 0) FROM log_entries", &[])?;
        let witnessed: Option<(i64, String)> = tx
            .row(
                "SELECT size, witnessed_note FROM log_checkpoints WHERE witnessed_note IS NOT \
                 NULL ORDER BY size DESC LIMIT 1",
                &[],
            )?
            .map(|r| Ok::<_, RegisterError>((r.get(0)?, r.get(1)?)))
            .transpose()?;
        let witnessed_at = witnessed.as_ref().map_or(0, |(at, _)| *at);
        let Some((witnessed_size, note)) = witnessed.filter(|(at, _)| *at == size) else {
            return Err(RegisterError::Setting(format!(
                "the log holds {size} entries but its last witnessed checkpoint covers {}; have \
                 the witnesses cosign every entry first (an `issue` or `revoke` run with the \
                 witnesses reachable does), then freeze the log",
                witnessed_at
            )));
        };
        let exists: bool = tx.value(
            "SELECT EXISTS (SELECT 1 FROM frozen_logs WHERE origin = ?1)",
            &[&origin],
        )?;
        if exists {
            return Err(RegisterError::Setting(format!(
                "a log named {origin} was frozen before; a new log needs a new origin"
            )));
        }
        let frozen = FrozenLog {
            origin: origin.to_string(),
            vkey: log.to_vkey(),
            folder: PathBuf::from(&folder),
            frozen_at: now.to_string(),
            size: index(witnessed_size),
            witnessed_note: note,
        };
        tx.exec(
            "INSERT INTO frozen_logs (origin, vkey, folder, frozen_at, size, witnessed_note) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            &[
                &frozen.origin,
                &frozen.vkey,
                &folder,
                &frozen.frozen_at,
                &witnessed_size,
                &frozen.witnessed_note,
            ],
        )?;
        tx.exec(
            "INSERT INTO frozen_log_entries (origin, idx, kind, certificate_id, entry, \
             leaf_hash) SELECT ?1, idx, kind, certificate_id, entry, leaf_hash FROM log_entries",
            &[&origin],
        )?;
        tx.exec("DELETE FROM log_entries", &[])?;
        tx.exec("DELETE FROM log_checkpoints", &[])?;
        tx.exec(
            "UPDATE settings SET value = ?1 WHERE name = 'log_folder'",
            &[&new_folder.to_string_lossy().as_ref()],
        )?;
        self.audit_in(
            &tx,
            vec![
                serde_json::json!({"action": "log_rotate", "frozen_origin": frozen.origin,
                                    "frozen_size": frozen.size}),
            ],
        )?;
        tx.commit()?;
        Ok(frozen)
    }

    /// The logs this register froze, oldest first.
    pub fn frozen_logs(&self) -> Result<Vec<FrozenLog>, RegisterError> {
        self.db
            .rows(
                "SELECT origin, vkey, folder, frozen_at, size, witnessed_note FROM frozen_logs \
                 ORDER BY frozen_at, origin",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok(FrozenLog {
                    origin: r.get(0)?,
                    vkey: r.get(1)?,
                    folder: PathBuf::from(r.get::<String>(2)?),
                    frozen_at: r.get(3)?,
                    size: index(r.get(4)?),
                    witnessed_note: r.get(5)?,
                })
            })
            .collect()
    }

    /// The leaf hashes of the frozen log `origin`, in order.
    pub fn frozen_log_leaves(&self, origin: &str) -> Result<Vec<Hash>, RegisterError> {
        let rows = self.db.rows(
            "SELECT idx, leaf_hash FROM frozen_log_entries WHERE origin = ?1 ORDER BY idx",
            &[&origin],
        )?;
        leaves_from(&rows, 0, &format!("the frozen log {origin}"))
    }

    /// The entries of the frozen log `origin` from `start` (inclusive) to `end` (exclusive).
    pub fn frozen_log_entries(
        &self,
        origin: &str,
        start: u64,
        end: u64,
    ) -> Result<Vec<Vec<u8>>, RegisterError> {
        self.db
            .rows(
                "SELECT entry FROM frozen_log_entries WHERE origin = ?1 AND idx >= ?2 AND idx < \
                 ?3 ORDER BY idx",
                &[&origin, &to_i64(start), &to_i64(end)],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect()
    }

    /// The SHA-256 of certificate `id`'s `.tlog-proof`, if it was logged.
    pub fn proof_sha256(&self, id: &str) -> Result<Option<String>, RegisterError> {
        self.db
            .row("SELECT proof_sha256 FROM proof_files WHERE id = ?1", &[&id])?
            .map(|r| r.get(0))
            .transpose()
    }

    /// The JWS of pending certificates held until a witnessed checkpoint covers them, with
    /// their ids, oldest first.
    pub fn held_certificates(&self) -> Result<Vec<(String, String)>, RegisterError> {
        self.db
            .rows(
                "SELECT h.id, h.jws FROM held_certificates h JOIN certificates c ON c.id = h.id \
                 WHERE c.state = 'pending' ORDER BY c.issued_at, h.id",
                &[],
            )?
            .iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .collect()
    }
}
