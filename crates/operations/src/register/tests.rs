//! The register's states and edge cases: pending then issued, recovery, revocation and
//! replacement refusals, the revocations a list must carry, list numbers, and permissions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

mod team;
mod transfer;
use team::{
    every_change_is_an_audit_row_and_the_chain_catches_each_kind_of_tampering,
    only_an_admin_changes_operators_and_each_acts_with_their_own_key,
    signing_needs_approvals_from_others_over_the_record_set_computed_at_signing,
};

fn id(n: u8) -> CertificateId {
    let letter = char::from(b'a' + n);
    CertificateId::new(std::iter::repeat_n(letter, 26).collect::<String>()).unwrap()
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

fn certificate(n: u8, subject: &str) -> NewCertificate {
    NewCertificate {
        id: id(n),
        subject_reference: subject.into(),
        kid: "test-key".into(),
        issued_at: at("2026-11-01T09:00:00Z"),
        valid_from: at("2026-11-01T09:00:00Z"),
        valid_until: at("2027-01-30T09:00:00Z"),
        information_as_at: "2026-10-28".into(),
        out_dir: "out".into(),
        batch: None,
        supersedes: None,
        sha256: ["a".into(), "b".into(), "c".into()],
        logged: None,
    }
}

fn register() -> (tempfile::TempDir, Register) {
    let dir = tempfile::tempdir().unwrap();
    let register = Register::open(&dir.path().join("register.sqlite")).unwrap();
    (dir, register)
}

/// The register's two storages: every test of the register's behaviour runs on both.
#[derive(Debug, Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

/// What keeps a test's register alive: its SQLite file's folder, or its PostgreSQL database.
enum Kept {
    Sqlite(tempfile::TempDir),
    Postgres(crate::test_postgres::TestDatabase),
}

/// A personal key for an operator.
fn operator_key(name: &str) -> goodstanding_issuer::keys::IssuingKey {
    goodstanding_issuer::keys::IssuingKey::generate(Some(
        goodstanding_verifier::KeyId::new(name).unwrap(),
    ))
    .unwrap()
}

/// A new, empty register on `backend`.
fn open(backend: Backend) -> (Kept, Register) {
    match backend {
        Backend::Sqlite => {
            let (dir, register) = register();
            (Kept::Sqlite(dir), register)
        }
        Backend::Postgres => {
            let database = crate::test_postgres::TestDatabase::new();
            assert_eq!(Register::migrate_postgres(&database.url).unwrap(), (0, 2));
            let mut register = Register::open_postgres(&database.url).unwrap();
            // Not the key in the data folder: a test leaves nothing outside its database.
            register
                .act_as_single_operator(operator_key("single"))
                .unwrap();
            (Kept::Postgres(database), register)
        }
    }
}

/// Another connection to the register `kept` holds, as a second process would open it.
fn reopen(kept: &Kept) -> Register {
    match kept {
        Kept::Sqlite(dir) => Register::open(&dir.path().join("register.sqlite")).unwrap(),
        Kept::Postgres(database) => Register::open_postgres(&database.url).unwrap(),
    }
}

/// `#[test]`s `NAME::sqlite` and `NAME::postgres` for each `fn NAME(backend: Backend)`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn sqlite() {
                    super::$name(super::Backend::Sqlite);
                }

                #[test]
                fn postgres() {
                    super::$name(super::Backend::Postgres);
                }
            }
        )*
    };
}

on_both_backends!(
    a_certificate_is_pending_until_its_files_are_in_place_then_issued,
    only_an_issued_unrevoked_certificate_can_be_revoked_and_superseded_needs_a_reissue,
    a_replacement_must_name_the_same_subject_and_revokes_the_old_one_with_it,
    a_revocation_list_carries_revocations_of_unexpired_certificates_and_numbers_go_up,
    a_subject_has_one_live_certificate_and_a_replacement_takes_over_when_issued,
    the_register_itself_refuses_a_second_live_certificate_from_another_connection,
    the_log_never_records_two_inconsistent_checkpoints_and_an_entry_is_logged_once,
    a_log_is_frozen_only_when_every_entry_is_witnessed_and_keeps_its_entries,
    only_an_admin_changes_operators_and_each_acts_with_their_own_key,
    signing_needs_approvals_from_others_over_the_record_set_computed_at_signing,
    every_change_is_an_audit_row_and_the_chain_catches_each_kind_of_tampering,
    a_batch_longer_than_a_page_is_gone_through_whole_in_input_order,
);

fn state(register: &Register, n: u8) -> Option<String> {
    register
        .certificate(id(n).as_str())
        .unwrap()
        .map(|c| c.state)
}

fn a_certificate_is_pending_until_its_files_are_in_place_then_issued(backend: Backend) {
    let (_kept, mut register) = open(backend);
    register
        .record_pending(
            &[certificate(0, "SUBJ-1"), certificate(1, "SUBJ-2")],
            at("2026-11-01T10:00:00Z"),
        )
        .unwrap();
    assert_eq!(state(&register, 0).as_deref(), Some("pending"));
    register
        .mark_issued(&[id(0)], at("2026-11-01T10:00:00Z"))
        .unwrap();
    assert_eq!(state(&register, 0).as_deref(), Some("issued"));
    assert_eq!(state(&register, 1).as_deref(), Some("pending"));

    // Recovery discards a pending row, never an issued one.
    let stale = [
        PendingCertificate {
            id: id(0).to_string(),
            out_dir: "out".into(),
        },
        PendingCertificate {
            id: id(1).to_string(),
            out_dir: "out".into(),
        },
    ];
    register.discard_pending(&stale).unwrap();
    assert_eq!(state(&register, 0).as_deref(), Some("issued"));
    assert_eq!(state(&register, 1), None);
}

fn only_an_issued_unrevoked_certificate_can_be_revoked_and_superseded_needs_a_reissue(
    backend: Backend,
) {
    let (_kept, mut register) = open(backend);
    register
        .record_pending(&[certificate(0, "SUBJ-1")], at("2026-11-01T10:00:00Z"))
        .unwrap();
    let now = at("2026-11-02T09:00:00Z");
    // Pending: its files may not exist, so it is not in the register's sense issued.
    assert!(matches!(
        register.revoke(id(0).as_str(), RevocationReason::IssuedInError, now),
        Err(RevokeError::Unknown(_))
    ));
    register
        .mark_issued(&[id(0)], at("2026-11-01T10:00:00Z"))
        .unwrap();
    assert!(matches!(
        register.revoke(id(0).as_str(), RevocationReason::Superseded, now),
        Err(RevokeError::SupersededNeedsReissue)
    ));
    register
        .revoke(id(0).as_str(), RevocationReason::IssuedInError, now)
        .unwrap();
    let error = register
        .revoke(id(0).as_str(), RevocationReason::NewInformation, now)
        .unwrap_err();
    assert!(matches!(error, RevokeError::AlreadyRevoked { .. }));
    assert!(error.to_string().contains("issued_in_error"), "{error}");
    assert!(matches!(
        register.revoke(id(9).as_str(), RevocationReason::IssuedInError, now),
        Err(RevokeError::Unknown(_))
    ));
}

fn a_replacement_must_name_the_same_subject_and_revokes_the_old_one_with_it(backend: Backend) {
    let (_kept, mut register) = open(backend);
    register
        .record_pending(&[certificate(0, "SUBJ-1")], at("2026-11-01T10:00:00Z"))
        .unwrap();
    register
        .mark_issued(&[id(0)], at("2026-11-01T10:00:00Z"))
        .unwrap();
    assert!(matches!(
        register.check_replaceable(id(0).as_str(), "SUBJ-2"),
        Err(RevokeError::DifferentSubject { .. })
    ));
    register
        .check_replaceable(id(0).as_str(), "SUBJ-1")
        .unwrap();
    let mut replacement = certificate(1, "SUBJ-1");
    replacement.supersedes = Some(id(0));
    assert!(
        register
            .record_pending(&[replacement], at("2026-11-01T10:00:00Z"))
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        register.pending_replacements(id(0).as_str()).unwrap().len(),
        1
    );
    register
        .complete_replacement(id(0).as_str(), &id(1), at("2026-11-03T09:00:00Z"))
        .unwrap();
    let old = register.certificate(id(0).as_str()).unwrap().unwrap();
    let revocation = old.revocation.unwrap();
    assert_eq!(revocation.reason, "superseded");
    assert_eq!(revocation.superseded_by.as_deref(), Some(id(1).as_str()));
    assert_eq!(state(&register, 1).as_deref(), Some("issued"));
    // Replacing it again is refused: it is revoked already.
    assert!(matches!(
        register.check_replaceable(id(0).as_str(), "SUBJ-1"),
        Err(RevokeError::AlreadyRevoked { .. })
    ));
}

fn a_revocation_list_carries_revocations_of_unexpired_certificates_and_numbers_go_up(
    backend: Backend,
) {
    let (_kept, mut register) = open(backend);
    let mut expired = certificate(1, "SUBJ-2");
    expired.valid_until = at("2026-11-05T00:00:00Z");
    register
        .record_pending(
            &[certificate(0, "SUBJ-1"), expired],
            at("2026-11-01T10:00:00Z"),
        )
        .unwrap();
    register
        .mark_issued(&[id(0), id(1)], at("2026-11-01T10:00:00Z"))
        .unwrap();
    let now = at("2026-11-02T09:00:00Z");
    for n in [1, 0] {
        register
            .revoke(id(n).as_str(), RevocationReason::IssuedInError, now)
            .unwrap();
    }
    let ids = |at_time| {
        register
            .revocations_in_force(at_time)
            .unwrap()
            .into_iter()
            .map(|(id, _, _)| id)
            .collect::<Vec<_>>()
    };
    // Sorted by id, as a list must be.
    assert_eq!(ids(now), [id(0).to_string(), id(1).to_string()]);
    // Once the second has expired, it no longer needs listing.
    assert_eq!(ids(at("2026-11-05T00:00:00Z")), [id(0).to_string()]);

    let first = register
        .record_revocation_list(now, at("2026-11-09T09:00:00Z"), "test-key", 2)
        .unwrap();
    let second = register
        .record_revocation_list(now, at("2026-11-09T09:00:00Z"), "test-key", 1)
        .unwrap();
    assert_eq!((first, second), (1, 2));
}

#[test]
fn a_register_others_may_read_is_refused_and_a_new_one_is_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let (dir, register) = register();
    let path = register.path().to_path_buf();
    drop(register);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let error = Register::open(&path).err().unwrap();
    assert!(matches!(error, RegisterError::Permissions { .. }));
    assert!(error.to_string().contains("0644"), "{error}");
    // A file that is not a register is refused, naming it.
    let other = dir.path().join("other.sqlite");
    std::fs::write(&other, b"not a database at all, just text").unwrap();
    std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o600)).unwrap();
    let error = Register::open(&other).err().unwrap();
    assert!(error.to_string().contains("other.sqlite"), "{error}");
}

fn a_subject_has_one_live_certificate_and_a_replacement_takes_over_when_issued(backend: Backend) {
    let (_kept, mut register) = open(backend);
    let now = at("2026-11-01T10:00:00Z");
    assert!(
        register
            .record_pending(&[certificate(0, "SUBJ-1")], now)
            .unwrap()
            .is_empty()
    );
    register.mark_issued(&[id(0)], now).unwrap();
    // A second certificate that supersedes nothing is refused, naming the live one.
    let conflicts = register
        .record_pending(&[certificate(1, "SUBJ-1"), certificate(2, "SUBJ-2")], now)
        .unwrap();
    assert_eq!(conflicts, [(0, Some(id(0).to_string()))]);
    assert_eq!(state(&register, 1), None);
    assert_eq!(state(&register, 2).as_deref(), Some("pending"));
    // A replacement is recorded, and on issue revokes the old one and becomes live.
    let mut replacement = certificate(3, "SUBJ-1");
    replacement.supersedes = Some(id(0));
    assert!(
        register
            .record_pending(&[replacement.clone()], now)
            .unwrap()
            .is_empty()
    );
    // The replacement holds the subject's place from now: no other can replace the same one.
    let mut rival = certificate(5, "SUBJ-1");
    rival.supersedes = Some(id(0));
    assert_eq!(
        register.record_pending(&[rival], now).unwrap(),
        [(0, Some(id(3).to_string()))]
    );
    // A crash before it is issued gives the place back.
    register
        .discard_pending(&[PendingCertificate {
            id: id(3).to_string(),
            out_dir: "out".into(),
        }])
        .unwrap();
    assert_eq!(
        register
            .live_certificate("SUBJ-1", now)
            .unwrap()
            .unwrap()
            .id,
        id(0).to_string()
    );
    assert!(
        register
            .record_pending(&[replacement], now)
            .unwrap()
            .is_empty()
    );
    register.mark_issued(&[id(3)], now).unwrap();
    let live = register.live_certificate("SUBJ-1", now).unwrap().unwrap();
    assert_eq!(live.id, id(3).to_string());
    let old = register.certificate(id(0).as_str()).unwrap().unwrap();
    assert_eq!(old.revocation.unwrap().reason, "superseded");
    // Once the live one has expired, a new one needs no replacement.
    let later = at("2027-02-01T00:00:00Z");
    assert!(
        register
            .live_certificate("SUBJ-1", later)
            .unwrap()
            .is_none()
    );
    assert!(
        register
            .record_pending(&[certificate(4, "SUBJ-1")], later)
            .unwrap()
            .is_empty()
    );
}

fn the_register_itself_refuses_a_second_live_certificate_from_another_connection(backend: Backend) {
    let (kept, mut first) = open(backend);
    let mut second = reopen(&kept);
    let now = at("2026-11-01T10:00:00Z");
    // Two writers that both saw no live certificate: the unique index lets one through.
    assert!(
        first
            .record_pending(&[certificate(0, "SUBJ-1")], now)
            .unwrap()
            .is_empty()
    );
    let conflicts = second
        .record_pending(&[certificate(1, "SUBJ-1")], now)
        .unwrap();
    assert_eq!(conflicts, [(0, Some(id(0).to_string()))]);
    // And below the check, the index: a direct insert of a second live row fails.
    let direct = second.db.exec(
        "INSERT INTO certificates (id, state, subject_reference, kid, issued_at, valid_from, \
         valid_until, information_as_at, out_dir, jws_sha256, qr_sha256, pdf_sha256, live) \
         VALUES ('x', 'issued', 'SUBJ-1', 'k', 't', 't', 'u', 'd', 'o', 'a', 'b', 'c', 1)",
        &[],
    );
    assert!(direct.is_err(), "{direct:?}");
}

#[test]
fn a_version_2_register_is_upgraded_with_its_newest_unrevoked_certificate_live() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("register.sqlite");
    {
        let connection = Connection::open(&path).unwrap();
        let version_2_schema = SCHEMA.replace("    live INTEGER CHECK (live = 1),\n", "");
        connection
            .execute_batch(&format!("{version_2_schema} PRAGMA user_version = 2;"))
            .unwrap();
        for (id, issued_at) in [
            ("old", "2026-10-01T00:00:00Z"),
            ("new", "2026-11-01T00:00:00Z"),
        ] {
            connection
                .execute(
                    "INSERT INTO certificates (id, state, subject_reference, kid, issued_at, \
                     valid_from, valid_until, information_as_at, out_dir, jws_sha256, \
                     qr_sha256, pdf_sha256) VALUES (?1, 'issued', 'SUBJ-1', 'k', ?2, ?2, \
                     '2027-01-01T00:00:00Z', '2026-10-01', 'o', 'a', 'b', 'c')",
                    rusqlite::params![id, issued_at],
                )
                .unwrap();
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let register = Register::open(&path).unwrap();
    let now = at("2026-11-02T00:00:00Z");
    assert_eq!(
        register
            .live_certificate("SUBJ-1", now)
            .unwrap()
            .unwrap()
            .id,
        "new"
    );
}

fn the_log_never_records_two_inconsistent_checkpoints_and_an_entry_is_logged_once(
    backend: Backend,
) {
    use goodstanding_verifier::merkle::{leaf_hash, node_hash};
    let (_kept, mut register) = open(backend);
    let entry = |n: u8| NewLogEntry {
        kind: 1,
        certificate_id: id(n).to_string(),
        entry: vec![1, n],
    };
    assert_eq!(register.append_log(&[entry(0), entry(1)]).unwrap(), [0, 1]);
    // The same certificate's entry of the same kind again: refused, nothing appended.
    assert!(register.append_log(&[entry(2), entry(1)]).is_err());
    assert_eq!(register.log_leaves().unwrap().len(), 2);
    let root = node_hash(&leaf_hash(&[1, 0]), &leaf_hash(&[1, 1]));
    register.record_checkpoint(2, &root, "note 2").unwrap();
    // The same checkpoint again is fine; another root at that size, or a smaller tree, is not.
    register.record_checkpoint(2, &root, "note 2").unwrap();
    let other = leaf_hash(b"another tree");
    let refused = register.record_checkpoint(2, &other, "fork").unwrap_err();
    assert!(
        refused.to_string().contains("does not extend it"),
        "{refused}"
    );
    assert!(
        register
            .record_checkpoint(1, &leaf_hash(&[1, 0]), "older")
            .is_err()
    );
    assert_eq!(
        register.latest_checkpoint().unwrap().unwrap().signed_note,
        "note 2"
    );
    assert_eq!(register.latest_witnessed().unwrap(), None);
    register.record_witnessed(2, "note 2 cosigned").unwrap();
    assert_eq!(
        register
            .latest_witnessed()
            .unwrap()
            .unwrap()
            .witnessed_note
            .as_deref(),
        Some("note 2 cosigned")
    );
}

fn a_log_is_frozen_only_when_every_entry_is_witnessed_and_keeps_its_entries(backend: Backend) {
    use goodstanding_verifier::merkle::{leaf_hash, node_hash};
    let (_kept, mut register) = open(backend);
    let dir = tempfile::tempdir().unwrap();
    let key = goodstanding_verifier::note::VerifierKey::new(
        "example.org/log",
        ed25519_dalek::SigningKey::from_bytes(&[3; 32]).verifying_key(),
    )
    .unwrap();
    let (old, new) = (dir.path().join("log"), dir.path().join("log-2"));
    let now = at("2026-12-05T12:00:00Z");
    let refused = register.freeze_log(&key, &new, now).unwrap_err();
    assert!(
        refused.to_string().contains("no transparency log"),
        "{refused}"
    );
    register.set_log_folder(&old).unwrap();
    let entry = |n: u8| NewLogEntry {
        kind: 1,
        certificate_id: id(n).to_string(),
        entry: vec![1, n],
    };
    register.append_log(&[entry(0), entry(1)]).unwrap();
    let root = node_hash(&leaf_hash(&[1, 0]), &leaf_hash(&[1, 1]));
    register.record_checkpoint(2, &root, "note 2").unwrap();
    // Signed but not yet cosigned: verifiers could not sync the frozen log's last entries.
    let refused = register.freeze_log(&key, &new, now).unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("holds 2 entries but its last witnessed checkpoint covers 0"),
        "{refused}"
    );
    register.record_witnessed(2, "note 2 cosigned").unwrap();
    let refused = register.freeze_log(&key, &old, now).unwrap_err();
    assert!(refused.to_string().contains("in use already"), "{refused}");
    let frozen = register.freeze_log(&key, &new, now).unwrap();
    assert_eq!(
        (
            frozen.size,
            frozen.witnessed_note.as_str(),
            frozen.folder.clone()
        ),
        (2, "note 2 cosigned", old)
    );
    // The register now writes an empty log in the new folder; the frozen one keeps its entries.
    assert_eq!(register.log_folder().unwrap(), Some(new.clone()));
    assert_eq!(register.log_size().unwrap(), 0);
    assert_eq!(register.latest_checkpoint().unwrap(), None);
    assert_eq!(
        register.frozen_log_leaves("example.org/log").unwrap(),
        [leaf_hash(&[1, 0]), leaf_hash(&[1, 1])]
    );
    assert_eq!(
        register
            .frozen_log_entries("example.org/log", 1, 2)
            .unwrap(),
        [vec![1, 1]]
    );
    assert_eq!(register.frozen_logs().unwrap(), [frozen]);
    // The new log starts at entry 0; a name frozen once is never frozen again.
    assert_eq!(register.append_log(&[entry(2)]).unwrap(), [0]);
    register
        .record_checkpoint(1, &leaf_hash(&[1, 2]), "new 1")
        .unwrap();
    register.record_witnessed(1, "new 1 cosigned").unwrap();
    let refused = register
        .freeze_log(&key, &dir.path().join("log-3"), now)
        .unwrap_err();
    assert!(
        refused.to_string().contains("was frozen before"),
        "{refused}"
    );
}

/// Batch "batch-1", begun at `now`.
fn batch_one(now: Timestamp) -> BatchRecord {
    BatchRecord {
        id: "batch-1".into(),
        input_sha256: "ab".repeat(32),
        input_name: "round.csv".into(),
        kid: "test-key".into(),
        out_dir: "out".into(),
        started_at: now.to_string(),
        finished_at: None,
        issued: 0,
        rejected: 0,
    }
}

/// The certificate id numbered `n` (base32, 26 characters).
fn numbered_id(n: usize) -> CertificateId {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut text = [b'a'; 26];
    let mut rest = n;
    for slot in text.iter_mut().rev() {
        *slot = ALPHABET[rest % 32];
        rest /= 32;
    }
    CertificateId::new(String::from_utf8(text.to_vec()).unwrap()).unwrap()
}

fn a_batch_longer_than_a_page_is_gone_through_whole_in_input_order(backend: Backend) {
    let (_kept, mut register) = open(backend);
    let now = at("2026-11-01T10:00:00Z");
    register.begin_batch(&batch_one(now)).unwrap();
    // Two pages and a bit, recorded out of input order, every third line refused (no
    // certificate), and one left pending (not issued: not gone through).
    let count = 2 * super::batches::BATCH_PAGE + 7;
    let lines: Vec<u64> = (1..=count as u64 * 3 / 2).filter(|l| l % 3 != 0).collect();
    let mut certificates: Vec<NewCertificate> = lines
        .iter()
        .enumerate()
        .map(|(n, &line)| {
            let mut c = certificate(0, &format!("SUBJ-{line}"));
            c.id = numbered_id(n);
            c.batch = Some(("batch-1".into(), line));
            c
        })
        .collect();
    certificates.reverse();
    register.record_pending(&certificates, now).unwrap();
    let issued: Vec<CertificateId> = (1..lines.len()).map(numbered_id).collect();
    register.mark_issued(&issued, now).unwrap();

    let mut seen = Vec::new();
    register
        .for_each_in_batch("batch-1", |c| {
            seen.push(c.batch_item.unwrap());
            Ok(())
        })
        .unwrap();
    assert_eq!(
        seen,
        lines[1..],
        "every issued certificate once, in input order"
    );
}

/// A register with something in every table: a batch, issued, pending and superseded
/// certificates, a revocation, a revocation list, log entries and checkpoints (one witnessed),
/// a proof's hash, a held certificate, a frozen log and settings; and its admin's key.
fn filled(backend: Backend) -> (Kept, Register, goodstanding_issuer::keys::IssuingKey) {
    use goodstanding_verifier::merkle::{leaf_hash, node_hash};
    let (kept, mut register) = open(backend);
    let now = at("2026-11-01T10:00:00Z");
    register.set_freshness_days(45).unwrap();
    register.begin_batch(&batch_one(now)).unwrap();
    let mut in_batch = certificate(0, "SUBJ-1");
    in_batch.batch = Some(("batch-1".into(), 1));
    register
        .record_pending(&[in_batch, certificate(1, "SUBJ-2")], now)
        .unwrap();
    register.mark_issued(&[id(0), id(1)], now).unwrap();
    register.finish_batch("batch-1", now, 2).unwrap();
    let mut replacement = certificate(2, "SUBJ-1");
    replacement.supersedes = Some(id(0));
    register.record_pending(&[replacement], now).unwrap();
    register.mark_issued(&[id(2)], now).unwrap();
    register
        .revoke(id(1).as_str(), RevocationReason::IssuedInError, now)
        .unwrap();
    register
        .record_revocation_list(now, at("2026-11-08T10:00:00Z"), "test-key", 2)
        .unwrap();
    register
        .record_pending(&[certificate(3, "SUBJ-3")], now)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    register.set_log_folder(&dir.path().join("log")).unwrap();
    let entry = |n: u8| NewLogEntry {
        kind: 1,
        certificate_id: id(n).to_string(),
        entry: vec![1, n, 255, 0],
    };
    register.append_log(&[entry(0), entry(2)]).unwrap();
    let root = node_hash(&leaf_hash(&[1, 0, 255, 0]), &leaf_hash(&[1, 2, 255, 0]));
    register.record_checkpoint(2, &root, "note 2").unwrap();
    register.record_witnessed(2, "note 2 cosigned").unwrap();
    let key = goodstanding_verifier::note::VerifierKey::new(
        "example.org/log",
        ed25519_dalek::SigningKey::from_bytes(&[3; 32]).verifying_key(),
    )
    .unwrap();
    register
        .freeze_log(&key, &dir.path().join("log-2"), now)
        .unwrap();
    register.append_log(&[entry(4)]).unwrap();
    register
        .record_checkpoint(1, &leaf_hash(&[1, 4, 255, 0]), "new 1")
        .unwrap();
    register
        .release_logged(
            &[(id(3), ["j".into(), "q".into(), "p".into(), "t".into()])],
            now,
        )
        .unwrap();
    register
        .record_pending(&[certificate(5, "SUBJ-5")], now)
        .unwrap();
    register
        .db
        .exec(
            "INSERT INTO held_certificates (id, jws) VALUES (?1, 'eyJ.held.jws')",
            &[&id(5).as_str()],
        )
        .unwrap();
    // The register becomes a team's: an admin, an approver, a request submitted and approved.
    let admin = operator_key("ada");
    let policy = ApprovalPolicy {
        approvals: 1,
        revocation_approvals: 1,
    };
    register.init_team("ada", copy_of(&admin), policy).unwrap();
    let approver = operator_key("bo");
    register
        .add_operator("bo", &approver.public_jwk().key, Role::Approve)
        .unwrap();
    register
        .submit(&[NewRequest {
            hash: "12".repeat(32),
            kind: "certificate",
            subject_reference: "SUBJ-9".into(),
            canonical: "{}".into(),
        }])
        .unwrap();
    register.act_as("bo", approver).unwrap();
    register
        .approve(&[("12".repeat(32), "34".repeat(32))])
        .unwrap();
    (kept, register, admin)
}

/// Another handle on the same key (made at run time, as a second process would load it).
fn copy_of(key: &goodstanding_issuer::keys::IssuingKey) -> goodstanding_issuer::keys::IssuingKey {
    goodstanding_issuer::keys::IssuingKey::from_pkcs8_pem(&key.to_pkcs8_pem().unwrap(), None)
        .unwrap()
}
