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

use std::collections::HashMap;
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use goodstanding_issuer::keys::IssuingKey;
use goodstanding_verifier::KeyId;
use serde_json::{Value as Json, json};
use sha2::{Digest as _, Sha256};

use super::db::Db;
use super::{Register, RegisterError};
use crate::canonical_json::{canonical, hex};

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

fn unhex32(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
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
            &[super::NewLogEntry {
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
