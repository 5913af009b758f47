//! The append-only audit log: written by every command, read by `sportello audit`.

use chrono::{DateTime, NaiveDate, Utc};
use deadpool_postgres::GenericClient;
use serde::Serialize;
use tokio_postgres::types::ToSql;

use crate::error::Result;

/// One row to append, as [`crate::audit::write`] makes it. Never carries a secret.
#[derive(Debug, Clone, Default)]
pub struct Row<'a> {
    pub operator_id: Option<&'a str>,
    pub origin: &'a str,
    pub command: &'a str,
    pub action: &'a str,
    pub target: Option<String>,
    pub details: serde_json::Value,
    pub result_count: Option<i64>,
    pub outcome: &'a str,
}

/// Prepared with the connection (store::Database): every command writes an audit row. The
/// database stamps who (session_user) and when, and links it into the chain; origin and command come from the
/// connection's context (store::Database::set_context).
pub const INSERT: &str = "SELECT api.record($1, $2, $3, $4, $5, $6)";

/// Appends an event the client observed itself (sql/V23, `api.record`). The use cases the
/// database carries out write their own rows.
pub async fn insert(c: &impl GenericClient, e: &Row<'_>) -> Result<()> {
    // Cached per connection: one round trip per row instead of two.
    let statement = c.prepare_cached(INSERT).await?;
    let citizen = e.operator_id.is_none();
    c.execute(&statement, &[&e.action, &e.target, &e.details, &e.result_count, &e.outcome, &citizen]).await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub operator_id: Option<String>,
    /// The login that wrote the row, stamped by the database (V10): the truth about who.
    pub login: Option<String>,
    pub origin: String,
    pub command: String,
    pub action: String,
    pub target: Option<String>,
    pub details: serde_json::Value,
    pub result_count: Option<i64>,
    pub outcome: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Filter {
    pub operator_id: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub limit: i64,
}

/// Newest first; the database records the listing (`api.audit_list`, auditors).
pub async fn list(c: &impl GenericClient, f: &Filter) -> Result<Vec<Record>> {
    let sql = "SELECT * FROM api.audit_list($1, $2, $3, $4, $5, $6)";
    let params: [&(dyn ToSql + Sync); 6] = [&f.operator_id, &f.action, &f.target, &f.from, &f.to, &f.limit];
    Ok(c.query(sql, &params)
        .await?
        .iter()
        .map(|r| Record {
            id: r.get(0),
            at: r.get(1),
            operator_id: r.get(2),
            login: r.get(3),
            origin: r.get(4),
            command: r.get(5),
            action: r.get(6),
            target: r.get(7),
            details: r.get(8),
            result_count: r.get(9),
            outcome: r.get(10),
        })
        .collect())
}

/// One link of the hash chain as stored: its position, the columns it hashes, and the hashes.
#[derive(Debug, Clone)]
pub struct ChainRow {
    pub seq: i64,
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Every other hashed column by name, as the database writes it as text (None: NULL).
    pub fields: serde_json::Map<String, serde_json::Value>,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// The database this client is connected to (its audit log is this database's).
pub async fn database_name(c: &impl GenericClient) -> Result<String> {
    Ok(c.query_one("SELECT current_database()::text", &[]).await?.get(0))
}

/// Up to `limit` links after `after` (position, id; none: from the first), in chain order
/// (ties, which a forged row could make, by id). `api.audit_chain`: an operator's walk is
/// recorded when it starts.
pub async fn chain_page(c: &impl GenericClient, after: Option<(i64, i64)>, limit: i32) -> Result<Vec<ChainRow>> {
    let rows = c
        .query("SELECT * FROM api.audit_chain($1, $2, $3)", &[&after.map(|a| a.0), &after.map(|a| a.1), &limit])
        .await?;
    Ok(rows
        .iter()
        .map(|r| ChainRow {
            seq: r.get(0),
            id: r.get(1),
            at: r.get(2),
            prev_hash: r.get(3),
            hash: r.get(4),
            fields: match r.get::<_, serde_json::Value>(5) {
                serde_json::Value::Object(m) => m,
                _ => serde_json::Map::new(),
            },
        })
        .collect())
}

/// How many rows wait to be linked into the chain, and when the oldest was written
/// (`api.audit_unlinked`, any login).
pub async fn unlinked(c: &impl GenericClient) -> Result<(i64, Option<DateTime<Utc>>)> {
    let row = c.query_one("SELECT * FROM api.audit_unlinked()", &[]).await?;
    Ok((row.get(0), row.get(1)))
}

/// Of these lines of a server log (the JSON each holds), the places (from 1) of those the
/// database signed whose row is not in the audit log, each with whether the transaction that
/// wrote it has ended (`api.audit_rows_missing`, auditors; 10,000 at most).
pub async fn rows_missing(c: &impl GenericClient, lines: &[&serde_json::Value]) -> Result<Vec<(i32, bool)>> {
    let rows = c.query("SELECT line, ended FROM api.audit_rows_missing($1)", &[&lines]).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Positions of the rows stored with this hash, lowest first.
pub async fn seqs_with_hash(c: &impl GenericClient, hash: &[u8]) -> Result<Vec<i64>> {
    Ok(c.query("SELECT * FROM api.audit_seqs_with_hash($1)", &[&hash]).await?.iter().map(|r| r.get(0)).collect())
}
