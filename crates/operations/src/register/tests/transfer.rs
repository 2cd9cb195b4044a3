//! Moving a register between SQLite and PostgreSQL, and reaching PostgreSQL over TLS.

use super::*;

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
    let (_source, source, _) = filled(Backend::Sqlite);
    let first = exported(&source);
    let text = String::from_utf8(first.clone()).unwrap();
    for table in crate::register::transfer::TABLES.iter().map(|(t, _, _)| *t) {
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
    let expected: std::collections::BTreeSet<(String, String)> = crate::register::transfer::TABLES
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
