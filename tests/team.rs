//! The issuing body as a team (issue 26): a PostgreSQL register with a first admin and
//! operators, requests submitted and approved by two others before a batch signs them, and an
//! audit trail whose head the transparency log anchors, checked by `audit verify` after rows are
//! edited, deleted, reordered and truncated with `psql` and `sqlite3`.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use crate::common::{self, Run, goodstanding, ok};
use crate::transparency::{issuing, logged_issuer_on};

/// A personal key for operator `name`: `ops/<name>.key.pem` (and `.pub.jwk`).
fn operator_key(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    ok(&goodstanding(&[
        &"keygen",
        &"--out",
        &dir.join("ops"),
        &"--kid",
        &name,
    ]));
    (
        dir.join(format!("ops/{name}.key.pem")),
        dir.join(format!("ops/{name}.pub.jwk")),
    )
}

/// The ids `submit` printed (first column), in order.
fn submitted_ids(run: &Run) -> Vec<String> {
    run.stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// Runs `goodstanding ARGS... --as NAME --key KEY --register REGISTER`: a command an operator of
/// the team runs with their own key.
fn acting(args: &[&dyn AsRef<OsStr>], name: &str, key: &Path, register: &OsStr) -> Run {
    let mut all = args.to_vec();
    all.extend([
        &"--as" as &dyn AsRef<OsStr>,
        &name,
        &"--key",
        &key,
        &"--register",
        &register,
    ]);
    goodstanding(&all)
}

/// Runs `audit verify` on `register`.
fn audit_verify(register: &OsStr) -> Run {
    goodstanding(&[&"audit", &"verify", &"--register", &register])
}

/// A copy of the register exported in `export` as a new PostgreSQL database, for one tamper.
fn postgres_copy(export: &Path) -> goodstanding_operations::test_postgres::TestDatabase {
    let database = goodstanding_operations::test_postgres::TestDatabase::new();
    ok(&goodstanding(&[
        &"register",
        &"migrate",
        &"--register",
        &database.url,
    ]));
    ok(&goodstanding(&[
        &"register",
        &"import",
        &export,
        &"--register",
        &database.url,
    ]));
    database
}

/// Runs SQL on a PostgreSQL database with `psql`, as a database administrator would.
fn psql(url: &str, sql: &str) {
    let status = std::process::Command::new("psql")
        .args(["-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "psql: {sql}");
}

/// Runs SQL on an SQLite file with `sqlite3`.
fn sqlite3(file: &Path, sql: &str) {
    let status = std::process::Command::new("sqlite3")
        .arg(file)
        .arg(sql)
        .status()
        .unwrap();
    assert!(status.success(), "sqlite3: {sql}");
}

/// `audit verify` fails, naming row `seq` and saying `what`.
fn caught(run: &Run, seq: u64, what: &str) {
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains(&format!("NOT INTACT: audit row {seq}: "))
            && run.stderr.contains(what),
        "expected row {seq} ({what}): {}",
        run.stderr
    );
}

#[test]
fn a_team_on_postgresql_signs_only_what_two_others_approved_and_its_audit_trail_shows_tampering() {
    let logged = logged_issuer_on("Demo Issuing Body (not a real issuer)", true);
    let (issuer, register) = (&logged.issuer, logged.register.as_os_str());
    let dir = issuer.dir.path();
    let (ada, _) = operator_key(dir, "ada");
    let (pat, pat_public) = operator_key(dir, "pat");
    let (bo, bo_public) = operator_key(dir, "bo");
    let (cy, cy_public) = operator_key(dir, "cy");

    // The first admin, with two approvals needed per certificate.
    let init = goodstanding(&[
        &"register",
        &"init",
        &"--as",
        &"ada",
        &"--key",
        &ada,
        &"--approvals",
        &"2",
        &"--register",
        &register,
    ]);
    ok(&init);
    assert!(
        init.stdout.contains("ada is the first admin"),
        "{}",
        init.stdout
    );
    let again = acting(&[&"register", &"init"], "pat", &pat, register);
    assert_eq!(again.code, 1, "{}", again.stderr);
    for (name, public, role) in [
        ("pat", &pat_public, "prepare"),
        ("bo", &bo_public, "approve"),
        ("cy", &cy_public, "approve"),
    ] {
        ok(&acting(
            &[&"operator", &"add", &name, public, &"--role", &role],
            "ada",
            &ada,
            register,
        ));
    }
    // Only an admin adds operators.
    let not_admin = acting(
        &[
            &"operator",
            &"add",
            &"mallory",
            &pat_public,
            &"--role",
            &"admin",
        ],
        "pat",
        &pat,
        register,
    );
    assert_eq!(not_admin.code, 1);
    assert!(
        not_admin.stderr.contains("may not administer"),
        "{}",
        not_admin.stderr
    );
    let listed = goodstanding(&[&"operator", &"list", &"--register", &register]);
    ok(&listed);
    assert_eq!(listed.stdout.lines().count(), 4, "{}", listed.stdout);

    // Anyone on a team register says who they are, before anything is signed.
    let batch_file = common::repo().join("examples/batch/requests.jsonl");
    let anonymous = issuing(issuer, &[&"batch", &batch_file], register);
    assert_ne!(anonymous.code, 0);
    assert!(
        anonymous.stderr.contains("--as NAME"),
        "{}",
        anonymous.stderr
    );

    let submitted = acting(&[&"submit", &batch_file], "pat", &pat, register);
    ok(&submitted);
    let ids = submitted_ids(&submitted);
    let requests = std::fs::read_to_string(&batch_file)
        .unwrap()
        .lines()
        .count();
    assert_eq!(ids.len(), requests, "{}", submitted.stdout);

    // Drafts are records shown to an operator: on a team register, previewing says who.
    let previews = issuer.path("previews");
    let anonymous = goodstanding(&[
        &"preview",
        &batch_file,
        &"--out",
        &previews,
        &"--register",
        &register,
    ]);
    assert_ne!(anonymous.code, 0);
    assert!(
        anonymous.stderr.contains("--as NAME"),
        "{}",
        anonymous.stderr
    );
    assert!(
        !previews.exists(),
        "nothing is shown to whom the register does not know"
    );
    ok(&goodstanding(&[
        &"preview",
        &batch_file,
        &"--out",
        &previews,
        &"--register",
        &register,
        &"--as",
        &"pat",
        &"--operator-key",
        &pat,
    ]));

    let as_ada: [&dyn AsRef<OsStr>; 4] = [&"--as", &"ada", &"--operator-key", &ada];
    let mut batch: Vec<&dyn AsRef<OsStr>> = vec![&"batch", &batch_file];
    batch.extend(as_ada);
    let unapproved = issuing(issuer, &batch, register);
    assert_eq!(unapproved.code, 1, "{}", unapproved.stderr);
    assert!(
        unapproved.stderr.contains("0 of the 2 approval(s)")
            && unapproved
                .stderr
                .contains("yet to approve: any of ada, bo, cy"),
        "{}",
        unapproved.stderr
    );

    // The preparer never approves; an approver approves the whole set with one signature,
    // the other only the first two.
    let own = acting(&[&"approve", &ids[0], &"--yes"], "pat", &pat, register);
    assert_eq!(own.code, 1, "{}", own.stderr);
    let drafts = issuer.path("drafts");
    let by_bo = acting(
        &[&"approve", &"--all-pending", &"--yes", &"--drafts", &drafts],
        "bo",
        &bo,
        register,
    );
    ok(&by_bo);
    assert!(
        by_bo.stdout.contains(&format!(
            "bo approved {requests} request(s) with one signature"
        )),
        "{}",
        by_bo.stdout
    );
    assert_eq!(std::fs::read_dir(&drafts).unwrap().count(), requests);
    let without_yes = acting(
        &[&"approve", &ids[0], &"--drafts", &drafts],
        "cy",
        &cy,
        register,
    );
    assert_eq!(without_yes.code, 2, "{}", without_yes.stderr);
    ok(&acting(
        &[&"approve", &ids[0], &ids[1], &"--yes", &"--drafts", &drafts],
        "cy",
        &cy,
        register,
    ));

    let mut again: Vec<&dyn AsRef<OsStr>> = vec![&"batch", &batch_file, &"--again"];
    again.extend(as_ada);
    let signed = issuing(issuer, &again, register);
    assert_eq!(signed.code, 1, "{}", signed.stderr);
    let issued = std::fs::read_dir(issuer.path("out"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension() == Some(OsStr::new("pdf")))
        .count();
    assert_eq!(
        issued, 2,
        "only the two requests with two approvals are signed"
    );
    assert!(
        signed.stderr.contains("1 of the 2 approval(s)")
            && signed.stderr.contains("yet to approve: any of ada, cy"),
        "{}",
        signed.stderr
    );

    // A revocation needs its own approvals (the policy's 2, as --approvals).
    let revoked = std::fs::read_dir(issuer.path("out"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension() == Some(OsStr::new("pdf")))
        .unwrap();
    let revoked = revoked.file_stem().unwrap().to_string_lossy().into_owned();
    let revoke: [&dyn AsRef<OsStr>; 8] = [
        &"revoke",
        &revoked,
        &"--reason",
        &"new_information",
        &"--register",
        &register,
        &"--as",
        &"ada",
    ];
    let mut revoke = revoke.to_vec();
    revoke.extend([&"--operator-key" as &dyn AsRef<OsStr>, &ada]);
    let unapproved = goodstanding(&revoke);
    assert_eq!(unapproved.code, 1, "{}", unapproved.stderr);
    assert!(
        unapproved.stderr.contains("submit --revoke"),
        "{}",
        unapproved.stderr
    );
    let submitted_revocation = acting(
        &[
            &"submit",
            &"--revoke",
            &revoked,
            &"--reason",
            &"new_information",
        ],
        "pat",
        &pat,
        register,
    );
    ok(&submitted_revocation);
    let revocation_id = submitted_ids(&submitted_revocation).remove(0);
    for (name, key) in [("bo", &bo), ("cy", &cy)] {
        ok(&acting(
            &[&"approve", &revocation_id, &"--yes", &"--drafts", &drafts],
            name,
            key,
            register,
        ));
    }
    ok(&goodstanding(&revoke));

    // Published: the audit trail's head goes into the witnessed log.
    let (site, root, list) = (
        issuer.path("site"),
        issuer.root_public(),
        issuer.path("trust-list.jws"),
    );
    let key = issuer.key();
    let mut publish: Vec<&dyn AsRef<OsStr>> = vec![
        &"publish",
        &"--out",
        &site,
        &"--key",
        &key,
        &"--root",
        &root,
        &"--trust-list",
        &list,
        &"--register",
        &register,
    ];
    publish.extend(as_ada);
    let published = goodstanding(&publish);
    ok(&published);
    assert!(
        published.stderr.contains("anchored the audit trail's head"),
        "{}",
        published.stderr
    );
    let verified = audit_verify(register);
    ok(&verified);
    assert!(
        verified.stdout.contains("1 head(s) anchored"),
        "{}",
        verified.stdout
    );
    for action in [
        "register_init 1",
        "operator_add 3",
        "submit 2",
        "approve 4",
        "revoke 1",
        "display",
    ] {
        assert!(
            verified.stdout.contains(action),
            "{action}: {}",
            verified.stdout
        );
    }
    let rows: u64 = verified
        .stdout
        .split("OK, ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    // The anchor covers every row but the last (the publish row, written after it).
    let anchored = rows - 1;

    // The auditor's copy checks too.
    let exported = issuer.path("audit.jsonl");
    ok(&goodstanding(&[
        &"audit",
        &"export",
        &"--jsonl",
        &"--out",
        &exported,
        &"--register",
        &register,
    ]));
    ok(&goodstanding(&[&"audit", &"verify", &"--jsonl", &exported]));

    // Tampering, each on a fresh copy of the register, in PostgreSQL with psql...
    let export = issuer.path("register.jsonl");
    ok(&goodstanding(&[
        &"register",
        &"export",
        &"--out",
        &export,
        &"--register",
        &register,
    ]));
    let tampers: [(&str, String, u64, &str); 4] = [
        (
            "edited",
            "UPDATE audit_log SET body = replace(body, 'single-operator', 'ada') WHERE seq = 2"
                .into(),
            2,
            "edited",
        ),
        (
            "deleted",
            "DELETE FROM audit_log WHERE seq = 4".into(),
            4,
            "missing",
        ),
        (
            "reordered",
            "UPDATE audit_log SET seq = seq + 1000 WHERE seq IN (5, 6); UPDATE audit_log SET \
             seq = 6 WHERE seq = 1005; UPDATE audit_log SET seq = 5 WHERE seq = 1006"
                .into(),
            5,
            "moved",
        ),
        (
            "truncated",
            format!("DELETE FROM audit_log WHERE seq >= {anchored}"),
            anchored,
            "newest rows were deleted",
        ),
    ];
    for (name, sql, seq, what) in &tampers {
        let copy = postgres_copy(&export);
        ok(&audit_verify(OsStr::new(&copy.url)));
        psql(&copy.url, sql);
        let run = audit_verify(OsStr::new(&copy.url));
        caught(&run, *seq, what);
        eprintln!("postgresql, {name}: {}", run.stderr.trim());
    }
    // ... and in SQLite with sqlite3.
    for (name, sql, seq, what) in &tampers {
        let file = issuer.path(&format!("copy-{name}.sqlite"));
        let file_arg: OsString = file.clone().into();
        ok(&goodstanding(&[
            &"register",
            &"import",
            &export,
            &"--register",
            &file_arg,
        ]));
        ok(&audit_verify(&file_arg));
        sqlite3(&file, sql);
        caught(&audit_verify(&file_arg), *seq, what);
    }
}
