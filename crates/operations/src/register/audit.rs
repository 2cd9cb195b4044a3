//! The tamper-evident audit trail (issue 26, item 4): every action on the register is a row of
//! an append-only chain, each row holding the hash of the one before, and each register
//! transaction's last row signed by the operator who acted (one signature per transaction: a
//! batch's chunk of certificates, an approval set, a submission; never one per certificate).
//!
//! ```text
//! row n:  seq n, body (RFC 8785 JSON text, hashed as stored), prev = hash of row n-1 (zeros
//!         for row 1), hash = SHA-256("goodstanding-audit-row/v1\n" || prev || body),
//!         signature (on a transaction's last row) = Ed25519 over
//!         "goodstanding-audit-signature/v1\n" || hash, by the body's actor
//! ```
//!
//! The body is text the register wrote and hashed; a database never re-formats text, so the
//! chain verifies the same on SQLite and PostgreSQL and after `register export`/`import`. The
//! keys that check the signatures come from the chain itself: the row that makes the first
//! admin (or introduces the single operator's key), then each `operator_add`. Subject
//! references never enter a body: rows name certificate ids and request hashes, and the links
//! to a person live in the `certificates` and `requests` tables, which can be erased after the
//! retention period while the chain still verifies.
//!
//! Deleting the newest rows leaves a valid shorter chain; `publish` therefore appends the
//! chain's head to the transparency log (an entry of type 0x03), and [`verify_chain`] checks
//! every head the log holds.

use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use goodstanding_issuer::keys::IssuingKey;
use goodstanding_verifier::KeyId;
use serde_json::{Value as Json, json};
use sha2::{Digest as _, Sha256};

mod anchors;
mod verify;

pub use verify::{ChainFault, ChainReport, verify_chain};

use super::db::Db;
use super::{Register, RegisterError};
use crate::canonical_json::{canonical, hex, unhex32};

/// The tables of operators, requests, approvals and the audit trail (SQLite form; the
/// PostgreSQL form is migration 2).
pub(super) const TEAM_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS operators (
    name TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('prepare', 'approve', 'issue', 'admin')),
    added_at TEXT NOT NULL,
    removed_at TEXT
);
CREATE TABLE IF NOT EXISTS requests (
    hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('certificate', 'revocation')),
    subject_reference TEXT NOT NULL,
    canonical TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'replaced', 'done'))
);
CREATE INDEX IF NOT EXISTS requests_by_subject ON requests(subject_reference);
CREATE TABLE IF NOT EXISTS approval_sets (
    root TEXT NOT NULL,
    approver TEXT NOT NULL,
    approved_at TEXT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (root, approver)
);
CREATE TABLE IF NOT EXISTS approvals (
    set_root TEXT NOT NULL,
    approver TEXT NOT NULL,
    position INTEGER NOT NULL CHECK (position >= 0),
    request_hash TEXT NOT NULL REFERENCES requests(hash),
    record_set_sha256 TEXT NOT NULL,
    PRIMARY KEY (set_root, approver, position),
    FOREIGN KEY (set_root, approver) REFERENCES approval_sets(root, approver)
);
CREATE INDEX IF NOT EXISTS approvals_by_request ON approvals(request_hash);
CREATE TABLE IF NOT EXISTS audit_log (
    seq INTEGER PRIMARY KEY CHECK (seq >= 1),
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    row_hash TEXT NOT NULL,
    signature TEXT
);
";

/// The name of the one operator of a register without operators (single-operator mode).
pub const SINGLE_OPERATOR: &str = "single-operator";

/// What an operator may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Enter and submit requests.
    Prepare,
    /// Approve requests another prepared.
    Approve,
    /// Sign: issue, batch, reissue, revoke, publish, the transparency log.
    Issue,
    /// Everything, and alone may change operators and the approval policy.
    Admin,
}

impl Role {
    /// The role named `text` (`prepare`, `approve`, `issue` or `admin`).
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "prepare" => Self::Prepare,
            "approve" => Self::Approve,
            "issue" => Self::Issue,
            "admin" => Self::Admin,
            _ => return None,
        })
    }

    /// The role's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Prepare => "prepare",
            Self::Approve => "approve",
            Self::Issue => "issue",
            Self::Admin => "admin",
        }
    }

    /// Whether this role may do `duty`.
    pub fn may(self, duty: Duty) -> bool {
        match self {
            Self::Admin => true,
            _ if duty == Duty::View => true,
            Self::Prepare => duty == Duty::Prepare,
            Self::Approve => duty == Duty::Approve,
            Self::Issue => duty == Duty::Issue,
        }
    }
}

/// What an action needs the actor's role to allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duty {
    /// Submitting requests, seeing drafts.
    Prepare,
    /// Approving requests.
    Approve,
    /// Signing and publishing.
    Issue,
    /// Changing operators and policy.
    Administer,
    /// Seeing records (every role may; each display is audited).
    View,
}

impl Duty {
    fn describe(self) -> &'static str {
        match self {
            Self::Prepare => "prepare (submit requests)",
            Self::Approve => "approve requests",
            Self::Issue => "issue (sign, revoke, publish)",
            Self::Administer => "administer (operators and policy)",
            Self::View => "see records",
        }
    }
}

/// The operator acting on the register: their name and personal key (a file or a key in a
/// PKCS#11 token), which signs their audit rows.
pub struct Actor {
    /// The operator's name.
    pub name: String,
    /// Their personal key.
    pub key: IssuingKey,
    /// Their role (set when the register accepts them).
    role: Role,
}

impl Actor {
    /// An admin acting with `key` (the first admin, as `register init` makes them).
    pub(crate) fn admin(name: &str, key: IssuingKey) -> Self {
        Self {
            name: name.to_string(),
            key,
            role: Role::Admin,
        }
    }
}

impl std::fmt::Debug for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Actor")
            .field("name", &self.name)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// A public key as the chain and the operators table write it: JWK `x`.
pub fn public_key_text(key: &IssuingKey) -> String {
    URL_SAFE_NO_PAD.encode(key.public_jwk().key.as_bytes())
}

/// One row of the audit trail, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    /// Its place in the chain, from 1.
    pub seq: u64,
    /// Its content: RFC 8785 JSON text with `seq`, `at`, `actor` and `action`.
    pub body: String,
    /// The hash of the row before (hex; zeros for row 1).
    pub prev_hash: String,
    /// This row's hash (hex).
    pub row_hash: String,
    /// The actor's signature (base64url), on a transaction's last row.
    pub signature: Option<String>,
}

const ROW_DOMAIN: &[u8] = b"goodstanding-audit-row/v1\n";
const SIGNATURE_DOMAIN: &[u8] = b"goodstanding-audit-signature/v1\n";

/// A row's hash: SHA-256 of the domain, the previous row's hash and the body's bytes.
pub fn row_hash(prev: &[u8; 32], body: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(ROW_DOMAIN);
    hasher.update(prev);
    hasher.update(body.as_bytes());
    hasher.finalize().into()
}

/// What an actor signs for a row: the domain and the row's hash.
pub fn signed_message(row_hash: &[u8; 32]) -> Vec<u8> {
    let mut message = SIGNATURE_DOMAIN.to_vec();
    message.extend_from_slice(row_hash);
    message
}

/// Where a register's single operator keeps their key: beside an SQLite file, or in the data
/// folder for a PostgreSQL register (named by its URL's hash).
fn single_operator_key_path(register: &Register) -> Option<PathBuf> {
    if register.url.is_none() {
        let mut name = register.path.clone().into_os_string();
        name.push(".operator-key.pem");
        return Some(PathBuf::from(name));
    }
    let id = hex(&Sha256::digest(register.path.to_string_lossy().as_bytes()));
    goodstanding_files::data_dir().map(|dir| dir.join(format!("operator-{}.key.pem", &id[..16])))
}

/// The single operator's key id.
fn operator_kid() -> Result<KeyId, RegisterError> {
    KeyId::new(SINGLE_OPERATOR)
        .map_err(|e| RegisterError::Storage(format!("the single operator's key id: {e}")))
}

/// Opens the single operator's key, making it (mode 0600) the first time.
fn single_operator_key(path: &std::path::Path) -> Result<IssuingKey, RegisterError> {
    let kid = operator_kid()?;
    if path.exists() {
        return goodstanding_issuer::keys::load_issuing_key(path, Some(kid)).map_err(|e| {
            RegisterError::Operator(format!("the single operator's key {}: {e}", path.display()))
        });
    }
    let key = IssuingKey::generate(Some(kid))
        .map_err(|e| RegisterError::Storage(format!("cannot make the operator key: {e}")))?;
    let pem = key
        .to_pkcs8_pem()
        .map_err(|e| RegisterError::Storage(format!("cannot write the operator key: {e}")))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            RegisterError::Storage(format!("{}: cannot create: {e}", dir.display()))
        })?;
    }
    match goodstanding_files::write_atomic(
        path,
        pem.as_bytes(),
        goodstanding_files::WriteMode::CreateNew,
        true,
    ) {
        Ok(()) => Ok(key),
        // Another process made it first (it is written whole, then renamed): use that one.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            goodstanding_issuer::keys::load_issuing_key(path, Some(operator_kid()?)).map_err(|e| {
                RegisterError::Operator(format!(
                    "the single operator's key {}: {e}",
                    path.display()
                ))
            })
        }
        Err(e) => Err(RegisterError::Storage(format!(
            "{}: cannot write: {e}",
            path.display()
        ))),
    }
}

impl Register {
    /// Whether operators have been set up (`register init`): a team register. Without them,
    /// one implicit operator does everything and no approval is asked for.
    pub fn is_team(&self) -> Result<bool, RegisterError> {
        Ok(self
            .db
            .value::<i64>("SELECT count(*) FROM operators", &[])?
            > 0)
    }

    /// Acts as the operator `name` with their personal `key` from now on: refused unless the
    /// register names them, with this public key, and has not removed them.
    pub fn act_as(&mut self, name: &str, key: IssuingKey) -> Result<(), RegisterError> {
        let found = self.db.row(
            "SELECT public_key, role, removed_at FROM operators WHERE name = ?1",
            &[&name],
        )?;
        let Some(row) = found else {
            return Err(RegisterError::Operator(if self.is_team()? {
                format!(
                    "this register has no operator {name:?}; `goodstanding operator list` names \
                     them, and an admin adds one with `goodstanding operator add`"
                )
            } else {
                format!(
                    "this register has no operators yet; run `goodstanding register init --as \
                     {name} --key KEY` to make {name} its first admin"
                )
            }));
        };
        let (public, role, removed): (String, String, Option<String>) =
            (row.get(0)?, row.get(1)?, row.get(2)?);
        if let Some(when) = removed {
            return Err(RegisterError::Operator(format!(
                "operator {name} was removed at {when}"
            )));
        }
        if public != public_key_text(&key) {
            return Err(RegisterError::Operator(format!(
                "this key is not {name}'s: the register holds another public key for them"
            )));
        }
        let role = Role::parse(&role)
            .ok_or_else(|| RegisterError::Storage(format!("operator {name} has role {role:?}")))?;
        self.actor = Some(Actor {
            name: name.to_string(),
            key,
            role,
        });
        Ok(())
    }

    /// On a register without operators, acts as the single operator with `key` instead of the
    /// key kept beside the register (or in the data folder, for PostgreSQL).
    pub fn act_as_single_operator(&mut self, key: IssuingKey) -> Result<(), RegisterError> {
        if self.is_team()? {
            return Err(RegisterError::Operator(
                "this is a team register: say who you are with --as NAME".into(),
            ));
        }
        self.actor = Some(Actor {
            name: SINGLE_OPERATOR.into(),
            key,
            role: Role::Admin,
        });
        Ok(())
    }

    /// The operator acting, once they may do `duty`: the one given to [`Register::act_as`], or
    /// on a register without operators the single operator (whose key is made the first time).
    pub(crate) fn actor_for(&mut self, duty: Duty) -> Result<&Actor, RegisterError> {
        if self.actor.is_none() {
            if self.is_team()? {
                return Err(RegisterError::Operator(format!(
                    "this is a team register: say who you are with --as NAME and your key (to {})",
                    duty.describe()
                )));
            }
            let path = single_operator_key_path(self).ok_or_else(|| {
                RegisterError::Operator(
                    "no folder for the single operator's key: set XDG_DATA_HOME or HOME".into(),
                )
            })?;
            let key = single_operator_key(&path)?;
            self.actor = Some(Actor {
                name: SINGLE_OPERATOR.into(),
                key,
                role: Role::Admin,
            });
        }
        let actor = self
            .actor
            .as_ref()
            .ok_or_else(|| RegisterError::Storage("no operator".into()))?;
        if !actor.role.may(duty) {
            return Err(RegisterError::Operator(format!(
                "operator {} has the role {} and may not {}",
                actor.name,
                actor.role.as_str(),
                duty.describe()
            )));
        }
        Ok(actor)
    }

    /// Refuses, before anything is done, an operator who may not do `duty` (or, on a team
    /// register, the lack of one).
    pub fn check_may(&mut self, duty: Duty) -> Result<(), RegisterError> {
        self.actor_for(duty).map(|_| ())
    }

    /// The acting operator's name, if one is acting.
    pub fn actor_name(&self) -> Option<&str> {
        self.actor.as_ref().map(|a| a.name.as_str())
    }

    /// Appends `events` (each a JSON object with its `action`) to the audit trail inside the
    /// transaction `tx`, as the acting operator ([`Register::actor_for`] first), signing the
    /// last row.
    pub(crate) fn audit_in(&self, tx: &Db, events: Vec<Json>) -> Result<(), RegisterError> {
        let actor = self
            .actor
            .as_ref()
            .ok_or_else(|| RegisterError::Storage("an audited change with no operator".into()))?;
        let head = tx.row(
            "SELECT seq, row_hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            &[],
        )?;
        let (mut seq, mut prev) = match head {
            Some(row) => {
                let hash: String = row.get(1)?;
                let prev = unhex32(&hash).ok_or_else(|| {
                    RegisterError::Storage("the audit trail's last row has no hash".into())
                })?;
                (row.get::<i64>(0)?.unsigned_abs(), prev)
            }
            None => (0, [0u8; 32]),
        };
        let at = goodstanding_clock::now()
            .map_err(|e| RegisterError::Storage(e.to_string()))?
            .to_string();
        let mut events = events;
        // The single operator's key enters the chain before its first signature.
        if actor.name == SINGLE_OPERATOR {
            let public = public_key_text(&actor.key);
            let known: Option<String> = tx
                .row(
                    "SELECT value FROM settings WHERE name = 'single_operator_key'",
                    &[],
                )?
                .map(|r| r.get(0))
                .transpose()?;
            if known.as_deref() != Some(public.as_str()) {
                events.insert(
                    0,
                    json!({"action": "operator_key", "operator": SINGLE_OPERATOR,
                           "public_key": public}),
                );
                tx.exec(
                    "INSERT INTO settings (name, value) VALUES ('single_operator_key', ?1) ON \
                     CONFLICT(name) DO UPDATE SET value = excluded.value",
                    &[&public],
                )?;
            }
        }
        let last = events.len().saturating_sub(1);
        for (i, mut event) in events.into_iter().enumerate() {
            seq += 1;
            if let Some(fields) = event.as_object_mut() {
                fields.insert("seq".into(), json!(seq));
                fields.insert("at".into(), json!(at));
                fields.insert("actor".into(), json!(actor.name));
            }
            let body = canonical(&event).map_err(|e| RegisterError::Storage(e.to_string()))?;
            let hash = row_hash(&prev, &body);
            let signature = if i == last {
                let signature = actor.key.sign(&signed_message(&hash)).map_err(|e| {
                    RegisterError::Operator(format!(
                        "{}'s key could not sign the audit row: {e}",
                        actor.name
                    ))
                })?;
                Some(URL_SAFE_NO_PAD.encode(signature))
            } else {
                None
            };
            tx.exec(
                "INSERT INTO audit_log (seq, body, prev_hash, row_hash, signature) VALUES (?1, \
                 ?2, ?3, ?4, ?5)",
                &[
                    &i64::try_from(seq).unwrap_or(i64::MAX),
                    &body,
                    &hex(&prev),
                    &hex(&hash),
                    &signature,
                ],
            )?;
            prev = hash;
        }
        Ok(())
    }

    /// Records `events` as the operator acting for `duty`, in a transaction of their own.
    pub fn audit(&mut self, duty: Duty, events: Vec<Json>) -> Result<(), RegisterError> {
        self.actor_for(duty)?;
        let tx = self.db.transaction()?;
        self.audit_in(&tx, events)?;
        tx.commit()
    }

    /// The audit trail's rows from `from` (1 for all), in order.
    pub fn audit_rows(&self, from: u64) -> Result<Vec<AuditRow>, RegisterError> {
        self.db
            .rows(
                "SELECT seq, body, prev_hash, row_hash, signature FROM audit_log WHERE seq >= ?1 \
                 ORDER BY seq",
                &[&i64::try_from(from).unwrap_or(i64::MAX)],
            )?
            .iter()
            .map(|r| {
                Ok(AuditRow {
                    seq: r.get::<i64>(0)?.unsigned_abs(),
                    body: r.get(1)?,
                    prev_hash: r.get(2)?,
                    row_hash: r.get(3)?,
                    signature: r.get(4)?,
                })
            })
            .collect()
    }

    /// The audit trail's last row number and hash, if it has rows.
    pub fn audit_head(&self) -> Result<Option<(u64, [u8; 32])>, RegisterError> {
        let Some(row) = self.db.row(
            "SELECT seq, row_hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            &[],
        )?
        else {
            return Ok(None);
        };
        let hash: String = row.get(1)?;
        let hash = unhex32(&hash).ok_or_else(|| {
            RegisterError::Storage("the audit trail's last row has no hash".into())
        })?;
        Ok(Some((row.get::<i64>(0)?.unsigned_abs(), hash)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code
    use super::*;

    /// Processes that act at once on a new register make its single operator's key once: each
    /// that lost the race reads the winner's.
    #[test]
    fn the_single_operator_key_is_made_once_when_several_act_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("register.sqlite.operator-key.pem");
        let keys: Vec<String> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|_| scope.spawn(|| public_key_text(&single_operator_key(&path).unwrap())))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
        assert_eq!(
            public_key_text(&single_operator_key(&path).unwrap()),
            keys[0]
        );
    }
}
