//! The register's storage, SQLite or PostgreSQL, behind one small interface (issue 26): the
//! register's logic and SQL are written once against it.
//!
//! ```text
//! SQL     written with ?1, ?2 ... placeholders (SQLite's); PostgreSQL gets $1, $2 ...
//! values  Value: NULL, integer, text or bytes; a PostgreSQL boolean (EXISTS) reads as 0 or 1
//! writes  inside a Tx (BEGIN IMMEDIATE on SQLite, BEGIN on PostgreSQL), committed explicitly;
//!         dropped without commit, it rolls back
//! ```
//!
//! Integers are 64-bit on both (PostgreSQL columns are BIGINT), so the same SQL binds the same
//! values on both.

use std::cell::RefCell;

use super::RegisterError;

/// The PostgreSQL advisory lock key that write transactions take ("gsreg" in ASCII).
const WRITER_LOCK: i64 = 0x67_73_72_65_67;

/// A value bound to a placeholder or read from a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    /// NULL.
    Null,
    /// An integer (a boolean reads as 0 or 1).
    Int(i64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

/// What can be bound to a placeholder.
pub(crate) trait ToValue {
    /// The value bound.
    fn to_value(&self) -> Value;
}

impl ToValue for i64 {
    fn to_value(&self) -> Value {
        Value::Int(*self)
    }
}

impl ToValue for u8 {
    fn to_value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_string())
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}

impl ToValue for [u8; 32] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}

impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Blob(self.clone())
    }
}

impl ToValue for goodstanding_verifier::CertificateId {
    fn to_value(&self) -> Value {
        Value::Text(self.as_str().to_string())
    }
}

impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

/// A row read: its columns in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row(Vec<Value>);

/// What a column can be read as.
pub(crate) trait FromValue: Sized {
    /// The column's value as this type, if it is one.
    fn from_value(value: &Value) -> Option<Self>;
}

impl FromValue for i64 {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}

impl FromValue for bool {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Int(i) => Some(*i != 0),
            _ => None,
        }
    }
}

impl FromValue for String {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Text(t) => Some(t.clone()),
            _ => None,
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Blob(b) => Some(b.clone()),
            _ => None,
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Null => Some(None),
            other => T::from_value(other).map(Some),
        }
    }
}

impl Row {
    /// Column `index` as it was read.
    pub(crate) fn value(&self, index: usize) -> Result<&Value, RegisterError> {
        self.0.get(index).ok_or_else(|| {
            RegisterError::Storage(format!("a register query has no column {index}"))
        })
    }

    /// Column `index` as `T`; an error names the column if it is missing or of another type.
    pub(crate) fn get<T: FromValue>(&self, index: usize) -> Result<T, RegisterError> {
        let value = self.0.get(index).ok_or_else(|| {
            RegisterError::Storage(format!("a register query has no column {index}"))
        })?;
        T::from_value(value).ok_or_else(|| {
            RegisterError::Storage(format!(
                "column {index} of a register row is {value:?}, not of the type expected"
            ))
        })
    }
}

/// An open register database.
pub(crate) enum Db {
    /// An SQLite file.
    Sqlite(rusqlite::Connection),
    /// A PostgreSQL database.
    Postgres(Box<RefCell<Postgres>>),
}

/// A PostgreSQL connection and the statements it prepared: each statement is parsed once
/// per connection, then only bound and run (one round trip instead of two).
pub(crate) struct Postgres {
    client: postgres::Client,
    statements: std::collections::HashMap<String, postgres::Statement>,
}

impl Postgres {
    /// A connection with no statements prepared yet.
    pub(crate) fn new(client: postgres::Client) -> Self {
        Self {
            client,
            statements: std::collections::HashMap::new(),
        }
    }

    /// The prepared form of `sql` (written with `?N`).
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement, RegisterError> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(&postgres_sql(sql))?;
        self.statements.insert(sql.to_string(), statement.clone());
        Ok(statement)
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Sqlite(_) => "Db::Sqlite",
            Self::Postgres(_) => "Db::Postgres",
        })
    }
}

fn sqlite_value(value: &Value) -> rusqlite::types::Value {
    match value {
        Value::Null => rusqlite::types::Value::Null,
        Value::Int(i) => rusqlite::types::Value::Integer(*i),
        Value::Text(t) => rusqlite::types::Value::Text(t.clone()),
        Value::Blob(b) => rusqlite::types::Value::Blob(b.clone()),
    }
}

fn from_sqlite(value: rusqlite::types::ValueRef<'_>) -> Result<Value, RegisterError> {
    use rusqlite::types::ValueRef;
    Ok(match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Text(t) => Value::Text(
            std::str::from_utf8(t)
                .map_err(|_| RegisterError::Storage("a register text is not UTF-8".into()))?
                .to_string(),
        ),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        ValueRef::Real(_) => {
            return Err(RegisterError::Storage(
                "a register column holds a real number".into(),
            ));
        }
    })
}

/// `?N` placeholders as PostgreSQL's `$N` (outside quoted text).
pub(crate) fn postgres_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    for c in sql.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => out.push('$'),
            _ => out.push(c),
        }
    }
    out
}

/// A value bound for PostgreSQL, encoded as the column's type asks.
#[derive(Debug)]
struct PgValue(Value);

impl postgres::types::ToSql for PgValue {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::Type;
        match &self.0 {
            Value::Null => Ok(postgres::types::IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                _ => i.to_sql(ty, out),
            },
            Value::Text(t) => t.as_str().to_sql(ty, out),
            Value::Blob(b) => b.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

fn from_postgres(row: &postgres::Row) -> Result<Row, RegisterError> {
    use postgres::types::Type;
    let mut values = Vec::with_capacity(row.len());
    for (i, column) in row.columns().iter().enumerate() {
        let value = match *column.type_() {
            Type::INT8 => row.try_get::<_, Option<i64>>(i)?.map(Value::Int),
            Type::INT4 => row
                .try_get::<_, Option<i32>>(i)?
                .map(|v| Value::Int(i64::from(v))),
            Type::INT2 => row
                .try_get::<_, Option<i16>>(i)?
                .map(|v| Value::Int(i64::from(v))),
            Type::BOOL => row
                .try_get::<_, Option<bool>>(i)?
                .map(|v| Value::Int(i64::from(v))),
            Type::BYTEA => row.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob),
            _ => row.try_get::<_, Option<String>>(i)?.map(Value::Text),
        };
        values.push(value.unwrap_or(Value::Null));
    }
    Ok(Row(values))
}

/// `params` bound for SQLite.
fn sqlite_params(params: &[&dyn ToValue]) -> rusqlite::ParamsFromIter<Vec<rusqlite::types::Value>> {
    rusqlite::params_from_iter(
        params
            .iter()
            .map(|p| sqlite_value(&p.to_value()))
            .collect::<Vec<_>>(),
    )
}

/// Runs `call` with the prepared form of `sql` and `params` bound for PostgreSQL.
fn on_postgres<T>(
    connection: &RefCell<Postgres>,
    sql: &str,
    params: &[&dyn ToValue],
    call: impl FnOnce(
        &mut postgres::Client,
        &postgres::Statement,
        &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<T, postgres::Error>,
) -> Result<T, RegisterError> {
    let bound: Vec<PgValue> = params.iter().map(|p| PgValue(p.to_value())).collect();
    let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = bound
        .iter()
        .map(|v| v as &(dyn postgres::types::ToSql + Sync))
        .collect();
    let mut connection = connection.borrow_mut();
    let statement = connection.statement(sql)?;
    Ok(call(&mut connection.client, &statement, &refs)?)
}

impl Db {
    /// Runs statements that take no parameters (schema changes), separated by `;`.
    pub(crate) fn batch(&self, sql: &str) -> Result<(), RegisterError> {
        match self {
            Self::Sqlite(c) => c.execute_batch(sql)?,
            Self::Postgres(c) => c.borrow_mut().client.batch_execute(sql)?,
        }
        Ok(())
    }

    /// Runs one statement; returns how many rows it changed.
    pub(crate) fn exec(&self, sql: &str, params: &[&dyn ToValue]) -> Result<u64, RegisterError> {
        match self {
            Self::Sqlite(c) => {
                let mut statement = c.prepare_cached(sql)?;
                Ok(statement.execute(sqlite_params(params))? as u64)
            }
            Self::Postgres(c) => on_postgres(c, sql, params, |client, statement, bound| {
                client.execute(statement, bound)
            }),
        }
    }

    /// Every row of a query.
    pub(crate) fn rows(
        &self,
        sql: &str,
        params: &[&dyn ToValue],
    ) -> Result<Vec<Row>, RegisterError> {
        match self {
            Self::Sqlite(c) => {
                let mut statement = c.prepare_cached(sql)?;
                let columns = statement.column_count();
                let mut rows = statement.query(sqlite_params(params))?;
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    let mut values = Vec::with_capacity(columns);
                    for i in 0..columns {
                        values.push(from_sqlite(row.get_ref(i)?)?);
                    }
                    out.push(Row(values));
                }
                Ok(out)
            }
            Self::Postgres(c) => on_postgres(c, sql, params, |client, statement, bound| {
                client.query(statement, bound)
            })?
            .iter()
            .map(from_postgres)
            .collect(),
        }
    }

    /// The first row of a query, if any.
    pub(crate) fn row(
        &self,
        sql: &str,
        params: &[&dyn ToValue],
    ) -> Result<Option<Row>, RegisterError> {
        Ok(self.rows(sql, params)?.into_iter().next())
    }

    /// The first column of the first row of a query, which must return one.
    pub(crate) fn value<T: FromValue>(
        &self,
        sql: &str,
        params: &[&dyn ToValue],
    ) -> Result<T, RegisterError> {
        self.row(sql, params)?
            .ok_or_else(|| RegisterError::Storage("a register query returned no row".into()))?
            .get(0)
    }

    /// Starts a transaction that holds the write lock from its start (SQLite: BEGIN
    /// IMMEDIATE, so that one that reads first waits for another writer rather than fail when
    /// it writes).
    pub(crate) fn transaction(&self) -> Result<Tx<'_>, RegisterError> {
        match self {
            Self::Sqlite(_) => self.batch("BEGIN IMMEDIATE")?,
            // One writer at a time, as SQLite's write lock gives: every write transaction of
            // every process takes the register's advisory lock first, so that a check
            // followed by a write (one live certificate per subject, the log's next index)
            // sees what the writer before it committed.
            Self::Postgres(_) => self.batch(&format!(
                "BEGIN; SELECT pg_advisory_xact_lock({WRITER_LOCK})"
            ))?,
        }
        Ok(Tx {
            db: self,
            done: false,
        })
    }
}

/// A transaction: the register's writes go through it; [`Tx::commit`] ends it, and dropping it
/// uncommitted rolls it back.
pub(crate) struct Tx<'a> {
    db: &'a Db,
    done: bool,
}

impl std::ops::Deref for Tx<'_> {
    type Target = Db;

    fn deref(&self) -> &Db {
        self.db
    }
}

impl Tx<'_> {
    /// Commits.
    pub(crate) fn commit(mut self) -> Result<(), RegisterError> {
        self.done = true;
        self.db.batch("COMMIT")
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.db.batch("ROLLBACK");
        }
    }
}
