//! The register's states and edge cases: pending then issued, recovery, revocation and
//! replacement refusals, the revocations a list must carry, list numbers, and permissions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

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

/// The personal key of operator `name` made from a fixed seed, so that a test can act as them
/// again from another connection.
fn seeded_operator_key(name: &str, seed: u8) -> goodstanding_issuer::keys::IssuingKey {
    use base64::Engine as _;
    // PKCS#8 for Ed25519 (RFC 8410): a fixed prefix, then the 32-byte seed.
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(&[seed; 32]);
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        base64::engine::general_purpose::STANDARD.encode(der)
    );
    goodstanding_issuer::keys::IssuingKey::from_pkcs8_pem(
        &pem,
        Some(goodstanding_verifier::KeyId::new(name).unwrap()),
    )
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

/// A register with something in every table: a batch, issued, pending and superseded
/// certificates, a revocation, a revocation list, log entries and checkpoints (one witnessed),
/// a proof's hash, a held certificate, a frozen log and settings.
fn filled(backend: Backend) -> (Kept, Register) {
    use goodstanding_verifier::merkle::{leaf_hash, node_hash};
    let (kept, mut register) = open(backend);
    let now = at("2026-11-01T10:00:00Z");
    register.set_freshness_days(45).unwrap();
    register
        .begin_batch(&BatchRecord {
            id: "batch-1".into(),
            input_sha256: "ab".repeat(32),
            input_name: "round.csv".into(),
            kid: "test-key".into(),
            out_dir: "out".into(),
            started_at: now.to_string(),
            finished_at: None,
            issued: 0,
            rejected: 0,
        })
        .unwrap();
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
    let policy = ApprovalPolicy {
        approvals: 1,
        revocation_approvals: 1,
    };
    register
        .init_team("ada", seeded_operator_key("ada", 7), policy)
        .unwrap();
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
    (kept, register)
}

fn exported(register: &Register) -> Vec<u8> {
    let mut out = Vec::new();
    register.export(&mut out).unwrap();
    out
}

/// `register export` then `import` moves a register from SQLite to PostgreSQL and back, and
/// each export of the moved register is the same bytes as the first: nothing is lost or
/// re-formatted on the way.
#[test]
fn a_register_moves_from_sqlite_to_postgresql_and_back_losing_nothing() {
    let (_source, source) = filled(Backend::Sqlite);
    let first = exported(&source);
    let text = String::from_utf8(first.clone()).unwrap();
    for table in super::transfer::TABLES.iter().map(|(t, _, _)| *t) {
        assert!(
            text.contains(&format!("\"table\":\"{table}\"")),
            "the filled register has no row in {table}"
        );
    }
    let (_pg, mut on_postgres) = open(Backend::Postgres);
    on_postgres.import(&mut first.as_slice()).unwrap();
    assert_eq!(
        String::from_utf8(exported(&on_postgres)).unwrap(),
        text,
        "SQLite -> PostgreSQL"
    );
    let (_back, mut back) = open(Backend::Sqlite);
    back.import(&mut exported(&on_postgres).as_slice()).unwrap();
    assert_eq!(
        String::from_utf8(exported(&back)).unwrap(),
        text,
        "-> SQLite again"
    );
    // Its audit trail still verifies, row for row, signatures and all.
    let rows = source.audit_rows(1).unwrap();
    let report = verify_chain(&rows, &[]).unwrap();
    assert_eq!(report.rows, rows.len() as u64);
    assert_eq!(back.audit_rows(1).unwrap(), rows);
    assert_eq!(
        verify_chain(&on_postgres.audit_rows(1).unwrap(), &[]).unwrap(),
        report
    );
    // The moved register works: its one-live rule and its log carry on.
    assert_eq!(
        on_postgres
            .live_certificate("SUBJ-1", at("2026-11-02T00:00:00Z"))
            .unwrap()
            .unwrap()
            .id,
        id(2).as_str()
    );
    assert_eq!(on_postgres.log_size().unwrap(), 1);
    assert_eq!(
        on_postgres
            .frozen_log_leaves("example.org/log")
            .unwrap()
            .len(),
        2
    );
    // A register already in use is not imported into; a damaged line is named.
    let refused = back.import(&mut first.as_slice()).unwrap_err();
    assert!(refused.to_string().contains("already holds"), "{refused}");
    let (_empty, mut empty) = open(Backend::Postgres);
    let mut damaged = text.clone().into_bytes();
    let at_line_3 = text.match_indices('\n').nth(1).unwrap().0 + 1;
    damaged.insert(at_line_3, b'#');
    let refused = empty.import(&mut damaged.as_slice()).unwrap_err();
    assert!(
        refused.to_string().contains("line 3: not JSON"),
        "{refused}"
    );
    assert!(exported(&empty).starts_with(b"{\"goodstanding_register_export\":1}\n"));
    assert_eq!(
        exported(&empty).iter().filter(|b| **b == b'\n').count(),
        1,
        "{}",
        String::from_utf8(exported(&empty)).unwrap()
    );
}

/// Every column of every table of both databases is exported: a migration that adds one
/// without adding it to the export fails here.
#[test]
fn the_export_names_every_column_of_every_table_of_both_databases() {
    let expected: std::collections::BTreeSet<(String, String)> = super::transfer::TABLES
        .iter()
        .flat_map(|(t, columns, _)| columns.iter().map(|c| (t.to_string(), c.to_string())))
        .collect();
    let (_sqlite, sqlite) = open(Backend::Sqlite);
    let mut found = std::collections::BTreeSet::new();
    for table in sqlite
        .db
        .rows("SELECT name FROM sqlite_master WHERE type = 'table'", &[])
        .unwrap()
    {
        let table: String = table.get(0).unwrap();
        for column in sqlite
            .db
            .rows(
                &format!("SELECT name FROM pragma_table_info('{table}')"),
                &[],
            )
            .unwrap()
        {
            found.insert((table.clone(), column.get::<String>(0).unwrap()));
        }
    }
    assert_eq!(found, expected, "SQLite");
    let (_pg, postgres) = open(Backend::Postgres);
    let found: std::collections::BTreeSet<(String, String)> = postgres
        .db
        .rows(
            "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE \
             table_schema = current_schema() AND table_name <> 'goodstanding_migrations'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0).unwrap(), r.get(1).unwrap()))
        .collect();
    assert_eq!(found, expected, "PostgreSQL");
}

/// A register on a server reached over TLS: with the server's CA (`sslmode=verify-full`,
/// `sslrootcert`) the connection is made and checked; with the Web PKI's roots instead, the
/// server's certificate is refused, and nothing is sent in the clear.
#[test]
fn a_register_over_tls_checks_the_servers_certificate() {
    let server = crate::test_postgres::TlsServer::start();
    let ca = server.ca();
    let verified = format!("sslmode=verify-full&sslrootcert={}", ca.display());
    let url = create_postgres_database(&format!("{}?{verified}", server.url()), "gs_tls").unwrap();
    assert!(url.ends_with(&format!("/gs_tls?{verified}")), "{url}");
    let mut register = Register::open_postgres(&url).unwrap();
    register
        .record_pending(&[certificate(0, "SUBJ-1")], at("2026-11-01T10:00:00Z"))
        .unwrap();
    assert!(
        register
            .lock_shared("a lock over TLS", false)
            .unwrap()
            .is_some()
    );
    // The server's own certificate is from no public CA: refused without its CA.
    let refused = Register::open_postgres(&format!("{}/gs_tls?sslmode=verify-full", server.url()))
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("cannot connect") && refused.to_lowercase().contains("certificate"),
        "{refused}"
    );
}

/// A server that offers no TLS is not used in the clear when TLS was asked for.
#[test]
fn a_register_asked_for_over_tls_is_not_reached_in_the_clear() {
    let database = crate::test_postgres::TestDatabase::new();
    let refused = Register::open_postgres(&format!("{}?sslmode=verify-full", database.url))
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("cannot connect") && refused.contains("TLS"),
        "{refused}"
    );
}

fn only_an_admin_changes_operators_and_each_acts_with_their_own_key(backend: Backend) {
    let (kept, mut register) = open(backend);
    assert!(!register.is_team().unwrap());
    let ada = operator_key("ada");
    let ada_public = ada.public_jwk().key;
    register
        .init_team("ada", ada, ApprovalPolicy::default())
        .unwrap();
    assert!(register.is_team().unwrap());
    let again = register.init_team("eve", operator_key("eve"), ApprovalPolicy::default());
    assert!(
        matches!(again, Err(RegisterError::Operator(m)) if m.contains("already has operators"))
    );
    let cy = operator_key("cy");
    register
        .add_operator("cy", &cy.public_jwk().key, Role::Prepare)
        .unwrap();
    let duplicate = register.add_operator("cy", &ada_public, Role::Admin);
    assert!(matches!(duplicate, Err(RegisterError::Operator(m)) if m.contains("already")));
    let last_admin = register.remove_operator("ada");
    assert!(matches!(last_admin, Err(RegisterError::Operator(m)) if m.contains("last admin")));

    // Another process: it must say who it is, with the key the register holds for them.
    let mut other = reopen(&kept);
    let anonymous = other.set_freshness_days(20);
    assert!(matches!(anonymous, Err(RegisterError::Operator(m)) if m.contains("--as NAME")));
    let wrong_key = other.act_as("cy", operator_key("cy"));
    assert!(matches!(wrong_key, Err(RegisterError::Operator(m)) if m.contains("not cy's")));
    let unknown = other.act_as("dan", operator_key("dan"));
    assert!(
        matches!(unknown, Err(RegisterError::Operator(m)) if m.contains("no operator \"dan\""))
    );
    other.act_as("cy", cy).unwrap();
    let not_admin = other.add_operator("dan", &ada_public, Role::Admin);
    assert!(
        matches!(not_admin, Err(RegisterError::Operator(m)) if m.contains("role prepare and may not administer"))
    );
    let not_issuer = other.set_freshness_days(20);
    assert!(matches!(not_issuer, Err(RegisterError::Operator(_))));

    register.remove_operator("cy").unwrap();
    let removed = reopen(&kept).act_as("cy", operator_key("cy"));
    assert!(matches!(removed, Err(RegisterError::Operator(m)) if m.contains("removed")));
    let names: Vec<_> = register
        .operators()
        .unwrap()
        .into_iter()
        .map(|o| (o.name, o.role, o.removed_at.is_some()))
        .collect();
    assert_eq!(
        names,
        [
            ("ada".to_string(), "admin".to_string(), false),
            ("cy".to_string(), "prepare".to_string(), true)
        ]
    );
    let report = verify_chain(&register.audit_rows(1).unwrap(), &[]).unwrap();
    assert_eq!(
        report.operators,
        [
            ("ada".to_string(), "admin".to_string()),
            ("cy".to_string(), "prepare".to_string())
        ]
    );
}

fn request(subject: &str, n: u8) -> NewRequest {
    NewRequest {
        hash: format!("{n:02x}").repeat(32),
        kind: "certificate",
        subject_reference: subject.into(),
        canonical: format!("{{\"n\":{n}}}"),
    }
}

fn signing_needs_approvals_from_others_over_the_record_set_computed_at_signing(backend: Backend) {
    let (kept, mut admin) = open(backend);
    let policy = ApprovalPolicy {
        approvals: 2,
        revocation_approvals: 3,
    };
    admin.init_team("ada", operator_key("ada"), policy).unwrap();
    let keys: Vec<_> = ["pat", "bo", "cy"]
        .iter()
        .map(|n| operator_key(n))
        .collect();
    admin
        .add_operator("pat", &keys[0].public_jwk().key, Role::Prepare)
        .unwrap();
    for (name, key) in ["bo", "cy"].iter().zip(&keys[1..]) {
        admin
            .add_operator(name, &key.public_jwk().key, Role::Approve)
            .unwrap();
    }
    let as_operator = |name: &str, key: &goodstanding_issuer::keys::IssuingKey| {
        let mut register = reopen(&kept);
        let pem = key.to_pkcs8_pem().unwrap();
        let copy = goodstanding_issuer::keys::IssuingKey::from_pkcs8_pem(&pem, None).unwrap();
        register.act_as(name, copy).unwrap();
        register
    };
    let mut pat = as_operator("pat", &keys[0]);
    let mut bo = as_operator("bo", &keys[1]);
    let mut cy = as_operator("cy", &keys[2]);
    let (one, two) = (request("SUBJ-1", 1), request("SUBJ-2", 2));
    assert_eq!(
        pat.submit(&[one.clone(), two.clone()]).unwrap(),
        [true, true]
    );
    assert_eq!(pat.submit(std::slice::from_ref(&one)).unwrap(), [false]);
    // An approver may not submit; a preparer may not approve.
    assert!(bo.submit(&[request("SUBJ-3", 3)]).is_err());
    assert!(pat.approve(&[(one.hash.clone(), "aa".repeat(32))]).is_err());
    let found = bo.find_requests(&[one.hash[..8].to_string()]).unwrap();
    assert_eq!(found[0].submitted_by, "pat");

    let shown = "aa".repeat(32);
    // One signature for the set of both.
    bo.approve(&[
        (one.hash.clone(), shown.clone()),
        (two.hash.clone(), shown.clone()),
    ])
    .unwrap();
    let in_force = admin.approvals_in_force().unwrap();
    let refusal = in_force.judge(&one.hash, &shown, false).unwrap_err();
    assert!(refusal.contains("1 of the 2"), "{refusal}");
    assert!(
        refusal.contains("yet to approve: any of ada, cy"),
        "{refusal}"
    );
    // The same set approved by another: the same root, a signature of their own.
    cy.approve(&[
        (one.hash.clone(), shown.clone()),
        (two.hash.clone(), shown.clone()),
    ])
    .unwrap();
    let in_force = admin.approvals_in_force().unwrap();
    in_force.judge(&one.hash, &shown, false).unwrap();
    in_force.judge(&two.hash, &shown, false).unwrap();
    // Superseding a live certificate needs the revocation policy's 3.
    assert!(in_force.judge(&one.hash, &shown, true).is_err());
    // What the certificate would say changed since: the approvals are void.
    let void = in_force
        .judge(&one.hash, &"bb".repeat(32), false)
        .unwrap_err();
    assert!(void.contains("of bo, cy are void"), "{void}");
    // A request never submitted, or changed since (a new hash), has no approvals.
    let unknown = in_force.judge(&"ee".repeat(32), &shown, false).unwrap_err();
    assert!(unknown.contains("never submitted"), "{unknown}");
    // A new request for the same subject replaces the old, whose approvals are void.
    pat.submit(&[request("SUBJ-1", 4)]).unwrap();
    let replaced = admin
        .approvals_in_force()
        .unwrap()
        .judge(&one.hash, &shown, false)
        .unwrap_err();
    assert!(replaced.contains("replaced"), "{replaced}");
    // An approval whose signature does not verify counts for nothing.
    admin
        .db
        .exec(
            "UPDATE approval_sets SET signature = 'AAAA' WHERE approver = 'bo'",
            &[],
        )
        .unwrap();
    let forged = admin.approvals_in_force().unwrap();
    assert_eq!(
        forged.requests[&two.hash].approvals,
        [("cy".to_string(), shown.clone())]
    );
}

/// Sets column `column` of audit row `seq` to `value` behind the register's back.
fn tamper(register: &Register, sql: &str) {
    register.db.batch(sql).unwrap();
}

fn every_change_is_an_audit_row_and_the_chain_catches_each_kind_of_tampering(backend: Backend) {
    let (kept, register) = filled(backend);
    let rows = register.audit_rows(1).unwrap();
    let report = verify_chain(&rows, &[]).unwrap();
    let actions: Vec<&str> = report.actions.iter().map(|(a, _)| a.as_str()).collect();
    for action in [
        "policy",
        "issue",
        "revoke",
        "publish",
        "log_folder",
        "log_rotate",
        "register_init",
        "operator_add",
        "submit",
        "approve",
    ] {
        assert!(actions.contains(&action), "no {action} row: {actions:?}");
    }
    assert!(report.signatures >= 10);
    let last = rows.len() as u64;
    let head = |n: u64| {
        let row = &rows[n as usize - 1];
        let mut hash = [0u8; 32];
        for (i, b) in hash.iter_mut().enumerate() {
            *b = u8::from_str_radix(&row.row_hash[2 * i..2 * i + 2], 16).unwrap();
        }
        (n, hash)
    };
    verify_chain(&rows, &[head(3), head(last)]).unwrap();

    let caught = |sql: &str, anchors: &[(u64, [u8; 32])]| -> ChainFault {
        let register = reopen(&kept);
        register.db.batch("BEGIN").unwrap();
        tamper(&register, sql);
        let fault = verify_chain(&register.audit_rows(1).unwrap(), anchors).unwrap_err();
        register.db.batch("ROLLBACK").unwrap();
        fault
    };
    // Edited.
    let fault = caught(
        "UPDATE audit_log SET body = replace(body, 'issued_in_error', 'superseded') WHERE body \
         LIKE '%\"revoke\"%'",
        &[],
    );
    assert!(fault.problem.contains("edited"), "{fault}");
    // Deleted from the middle.
    let fault = caught("DELETE FROM audit_log WHERE seq = 4", &[]);
    assert_eq!(fault.seq, 4, "{fault}");
    // Reordered: two rows swap places.
    let fault = caught(
        "UPDATE audit_log SET seq = seq + 100000 WHERE seq IN (5, 6); UPDATE audit_log SET \
         seq = 6 WHERE seq = 100005; UPDATE audit_log SET seq = 5 WHERE seq = 100006",
        &[],
    );
    assert_eq!(fault.seq, 5, "{fault}");
    // A signature taken off, or another's put on.
    let fault = caught(
        &format!("UPDATE audit_log SET signature = NULL WHERE seq = {last}"),
        &[],
    );
    assert!(fault.problem.contains("not signed"), "{fault}");
    // Truncated: only the log's anchor shows it.
    let truncate = format!("DELETE FROM audit_log WHERE seq >= {}", last - 1);
    let fault = caught(&truncate, &[head(last)]);
    assert_eq!(fault.seq, last, "{fault}");
    assert!(
        fault.problem.contains("newest rows were deleted"),
        "{fault}"
    );
    // Rewritten from a row on, hashes recomputed: the signature and the anchor catch it.
    let fault = caught(
        &format!(
            "UPDATE audit_log SET row_hash = '{}' WHERE seq = {last}",
            "00".repeat(32)
        ),
        &[],
    );
    assert_eq!(fault.seq, last, "{fault}");

    // At the end of the retention period the links to people go, and the chain still verifies.
    let mut register = register;
    register
        .act_as("ada", seeded_operator_key("ada", 7))
        .unwrap();
    let erased = register.erase_before(at("2100-01-01T00:00:00Z")).unwrap();
    assert!(erased.certificates >= 3, "{erased:?}");
    let listed = register
        .db
        .rows(
            "SELECT count(*) FROM certificates WHERE subject_reference LIKE 'SUBJ-%' AND state = \
             'issued'",
            &[],
        )
        .unwrap();
    assert_eq!(listed[0].get::<i64>(0).unwrap(), 0);
    let after = verify_chain(&register.audit_rows(1).unwrap(), &[head(last)]).unwrap();
    assert_eq!(after.rows, last + 1);
}
