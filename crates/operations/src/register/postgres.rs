//! A register in PostgreSQL (issue 26): connecting, the versioned migrations, and the locks
//! that processes on several machines share.

use std::fmt;
use std::path::PathBuf;

use super::db::Db;
use super::{Register, RegisterError, connect, db};

/// The PostgreSQL migrations, in order: (name, SQL).
const POSTGRES_MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_register",
        include_str!("../../migrations/postgres/0001_register.sql"),
    ),
    (
        "0002_team",
        include_str!("../../migrations/postgres/0002_team.sql"),
    ),
];

/// Whether `text` names a PostgreSQL register (a `postgres://` or `postgresql://` URL) rather
/// than an SQLite file.
pub fn is_postgres_url(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://")
}

/// Creates the database `name` on the PostgreSQL server at `server` (a URL without a
/// database) with the register's tables in it; returns its URL. For benchmarks and tests: a
/// team's register is made by its database administrator, then `goodstanding register migrate`.
pub fn create_postgres_database(server: &str, name: &str) -> Result<String, RegisterError> {
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(RegisterError::Setting(format!(
            "{name:?}: a database name here is letters, digits and _"
        )));
    }
    let server = server.trim_end_matches('/');
    let (base, query) = server.split_once('?').map_or((server, ""), |(b, q)| (b, q));
    let suffix = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    let mut admin = connect::connect(&format!("{base}/postgres{suffix}"), &redacted_url(server))?;
    admin.batch_execute(&format!("CREATE DATABASE {name}"))?;
    let url = format!("{base}/{name}{suffix}");
    Register::migrate_postgres(&url)?;
    Ok(url)
}

/// `url` with its password (if any) replaced by `***`, for messages.
pub fn redacted_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, _)) => format!("{scheme}://{name}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

fn connect_postgres(url: &str, shown: &str) -> Result<Db, RegisterError> {
    let client = connect::connect(url, shown)?;
    Ok(Db::Postgres(Box::new(std::cell::RefCell::new(
        db::Postgres::new(client),
    ))))
}

/// The last migration applied to a PostgreSQL register (0: none).
fn postgres_migration(db: &Db, shown: &str) -> Result<i64, RegisterError> {
    let exists: bool = db.value(
        "SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = \
         'goodstanding_migrations' AND table_schema = current_schema())",
        &[],
    )?;
    if !exists {
        let tables: i64 = db.value(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = \
             current_schema()",
            &[],
        )?;
        if tables > 0 {
            return Err(RegisterError::Format {
                path: PathBuf::from(shown),
                message: "the database has tables of something else: give goodstanding a \
                          database of its own"
                    .into(),
            });
        }
        return Ok(0);
    }
    db.value(
        "SELECT COALESCE(MAX(version), 0) FROM goodstanding_migrations",
        &[],
    )
}

/// A lock held in a PostgreSQL register, seen by every process of every machine that uses it:
/// a session advisory lock on a connection of its own, released when dropped (or when the
/// process dies and the connection with it).
pub struct SharedLock {
    client: postgres::Client,
    key: i64,
}

impl fmt::Debug for SharedLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedLock")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl Drop for SharedLock {
    fn drop(&mut self) {
        let _ = self
            .client
            .execute("SELECT pg_advisory_unlock($1)", &[&self.key]);
    }
}

impl Register {
    /// Opens the register in the PostgreSQL database at `url` (`postgres://` or
    /// `postgresql://`), whose tables `goodstanding register migrate` made
    /// ([`Register::migrate_postgres`]); refused, saying so, if a migration is missing or the
    /// database is of a newer goodstanding.
    pub fn open_postgres(url: &str) -> Result<Self, RegisterError> {
        let shown = redacted_url(url);
        let db = connect_postgres(url, &shown)?;
        let applied = postgres_migration(&db, &shown)?;
        let latest = POSTGRES_MIGRATIONS.len() as i64;
        if applied != latest {
            return Err(RegisterError::Open {
                path: PathBuf::from(&shown),
                message: if applied < latest {
                    format!(
                        "the register's tables are at migration {applied} of {latest}: run \
                         `goodstanding register migrate --register URL` first"
                    )
                } else {
                    format!(
                        "the register's tables are at migration {applied}, newer than this \
                         goodstanding's {latest}: use a newer goodstanding"
                    )
                },
            });
        }
        Ok(Self {
            db,
            path: PathBuf::from(shown),
            url: Some(url.to_string()),
            actor: None,
        })
    }

    /// Applies to the PostgreSQL database at `url` the migrations it lacks (the SQL files in
    /// `migrations/postgres/`, in order, each in a transaction of its own with the number it
    /// reaches recorded); returns the migration numbers before and after.
    pub fn migrate_postgres(url: &str) -> Result<(i64, i64), RegisterError> {
        let shown = redacted_url(url);
        let db = connect_postgres(url, &shown)?;
        db.batch(
            "CREATE TABLE IF NOT EXISTS goodstanding_migrations (version BIGINT PRIMARY KEY, \
             name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        )?;
        let before = postgres_migration(&db, &shown)?;
        let mut at = before;
        for (number, (name, sql)) in (1i64..).zip(POSTGRES_MIGRATIONS) {
            if number <= at {
                continue;
            }
            let tx = db.transaction()?;
            // Another process may have applied it while this one waited for the lock.
            let done: bool = tx.value(
                "SELECT EXISTS (SELECT 1 FROM goodstanding_migrations WHERE version = ?1)",
                &[&number],
            )?;
            if !done {
                tx.batch(sql)?;
                tx.exec(
                    "INSERT INTO goodstanding_migrations (version, name) VALUES (?1, ?2)",
                    &[&number, name],
                )?;
            }
            tx.commit()?;
            at = number;
        }
        Ok((before, at))
    }

    /// Whether the register is a shared PostgreSQL database (file locks beside it mean
    /// nothing then: use [`Register::lock_shared`]).
    pub fn is_shared(&self) -> bool {
        self.url.is_some()
    }

    /// In a PostgreSQL register, the lock named `name` (such as a batch's id), held until the
    /// returned value is dropped: `Ok(None)` if another process holds it and `wait` is false;
    /// with `wait`, waits for it. An SQLite register has no shared locks: `Ok(None)` would be
    /// wrong, so it is an error to ask.
    pub fn lock_shared(&self, name: &str, wait: bool) -> Result<Option<SharedLock>, RegisterError> {
        let url = self.url.as_deref().ok_or_else(|| {
            RegisterError::Storage("an SQLite register has no shared locks".into())
        })?;
        let mut client = connect::connect(url, &self.path.to_string_lossy())?;
        let digest = <sha2::Sha256 as sha2::Digest>::digest(format!("goodstanding:{name}"));
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        let key = i64::from_be_bytes(first);
        if wait {
            client.execute("SELECT pg_advisory_lock($1)", &[&key])?;
        } else {
            let row = client.query_one("SELECT pg_try_advisory_lock($1)", &[&key])?;
            if !row.try_get::<_, bool>(0)? {
                return Ok(None);
            }
        }
        Ok(Some(SharedLock { client, key }))
    }
}
