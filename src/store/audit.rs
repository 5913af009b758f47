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

pub async fn insert(c: &impl GenericClient, e: &Row<'_>) -> Result<()> {
    c.execute(
        "INSERT INTO audit_log (operator_id, origin, command, action, target, details, result_count, outcome)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[&e.operator_id, &e.origin, &e.command, &e.action, &e.target, &e.details, &e.result_count, &e.outcome],
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub operator_id: Option<String>,
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

/// Newest first.
pub async fn list(c: &impl GenericClient, f: &Filter) -> Result<Vec<Record>> {
    let sql = "SELECT id, at, operator_id, origin, command, action, target, details, result_count, outcome
         FROM audit_log
         WHERE ($1::text IS NULL OR operator_id = $1)
           AND ($2::text IS NULL OR action = $2)
           AND ($3::text IS NULL OR target = $3)
           AND ($4::date IS NULL OR at >= $4::timestamp AT TIME ZONE 'Europe/Rome')
           AND ($5::date IS NULL OR at < ($5::date + 1)::timestamp AT TIME ZONE 'Europe/Rome')
         ORDER BY id DESC
         LIMIT $6";
    let params: [&(dyn ToSql + Sync); 6] = [&f.operator_id, &f.action, &f.target, &f.from, &f.to, &f.limit];
    Ok(c.query(sql, &params)
        .await?
        .iter()
        .map(|r| Record {
            id: r.get(0),
            at: r.get(1),
            operator_id: r.get(2),
            origin: r.get(3),
            command: r.get(4),
            action: r.get(5),
            target: r.get(6),
            details: r.get(7),
            result_count: r.get(8),
            outcome: r.get(9),
        })
        .collect())
}
