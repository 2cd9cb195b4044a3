//! The register as a team's (issue 26): operators and roles, approvals, the audit trail and its
//! tampering, erasure; each on both backends.

use super::*;

pub(super) fn only_an_admin_changes_operators_and_each_acts_with_their_own_key(backend: Backend) {
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

pub(super) fn signing_needs_approvals_from_others_over_the_record_set_computed_at_signing(
    backend: Backend,
) {
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

pub(super) fn every_change_is_an_audit_row_and_the_chain_catches_each_kind_of_tampering(
    backend: Backend,
) {
    let (kept, register, admin) = filled(backend);
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
    register.act_as("ada", admin).unwrap();
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
