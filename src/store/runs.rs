//! Batch runs: their records, progress (position and counts), and rejected input rows.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use serde::Serialize;

use crate::domain::Vocabulary;
use crate::error::{Error, Result};

/// The kinds of batch run; the name is stored in `batch_runs.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunKind {
    ImportCia,
    ImportAura,
    PostalRun,
    HelpdeskMailbox,
    RevokeLetters,
}

impl RunKind {
    pub const ALL: &'static [RunKind] = &[
        RunKind::ImportCia,
        RunKind::ImportAura,
        RunKind::PostalRun,
        RunKind::HelpdeskMailbox,
        RunKind::RevokeLetters,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::ImportCia => "import-cia",
            RunKind::ImportAura => "import-aura",
            RunKind::PostalRun => "postal-run",
            RunKind::HelpdeskMailbox => "helpdesk-mailbox",
            RunKind::RevokeLetters => "revoke-letters",
        }
    }

    pub fn parse(s: &str) -> Option<RunKind> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

impl Vocabulary for RunKind {
    fn all() -> &'static [RunKind] {
        RunKind::ALL
    }
    fn as_str(self) -> &'static str {
        RunKind::as_str(self)
    }
}

/// A bad input row: where, which field, what it held and why it was refused.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reject {
    pub line: u64,
    pub field: String,
    pub value: String,
    pub reason: String,
}

impl Reject {
    /// The value and the reason are shown with control characters escaped and cut to a
    /// readable length: they come from the input and go to reports, terminals and the database.
    pub fn new(line: u64, field: &str, value: &str, reason: impl Into<String>) -> Reject {
        use crate::domain::text::shown;
        Reject { line, field: shown(field, 60), value: shown(value, 80), reason: shown(&reason.into(), 300) }
    }
}

/// A run as listed by `sportello runs`.
#[derive(Debug, Clone, Serialize)]
pub struct RunRecord {
    pub id: i64,
    pub kind: String,
    pub input: String,
    pub operator_id: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub state: String,
    pub rows_read: i64,
    pub rows_ok: i64,
    pub rows_rejected: i64,
    pub counts: serde_json::Value,
    /// The process that holds (or last held) the run, and its host.
    pub pid: Option<i32>,
    pub host: Option<String>,
}

const SELECT_RUN: &str = "SELECT id, kind, input, operator_id, started_at, finished_at, state, rows_read, rows_ok, rows_rejected, counts, pid, host FROM batch_runs";

fn record_from(r: &tokio_postgres::Row) -> RunRecord {
    RunRecord {
        id: r.get(0),
        kind: r.get(1),
        input: r.get(2),
        operator_id: r.get(3),
        started_at: r.get(4),
        finished_at: r.get(5),
        state: r.get(6),
        rows_read: r.get(7),
        rows_ok: r.get(8),
        rows_rejected: r.get(9),
        counts: r.get(10),
        pid: r.get(11),
        host: r.get(12),
    }
}

/// The newest finished run of this kind on this input.
pub async fn find_done(c: &impl GenericClient, kind: RunKind, checksum: &str) -> Result<Option<RunRecord>> {
    let row = c
        .query_opt(
            &format!("{SELECT_RUN} WHERE kind = $1 AND checksum = $2 AND state = 'done' ORDER BY id DESC LIMIT 1"),
            &[&kind.as_str(), &checksum],
        )
        .await?;
    Ok(row.as_ref().map(record_from))
}

/// The unfinished run of this kind on this input: its id and the position it reached.
pub async fn find_running(c: &impl GenericClient, kind: RunKind, checksum: &str) -> Result<Option<(i64, i64)>> {
    let row = c
        .query_opt(
            "SELECT id, position FROM batch_runs WHERE kind = $1 AND checksum = $2 AND state = 'running'",
            &[&kind.as_str(), &checksum],
        )
        .await?;
    Ok(row.map(|r| (r.get(0), r.get(1))))
}

/// The unfinished run of this kind on this input, as listed.
pub async fn running_record(c: &impl GenericClient, kind: RunKind, checksum: &str) -> Result<Option<RunRecord>> {
    let row = c
        .query_opt(
            &format!("{SELECT_RUN} WHERE kind = $1 AND checksum = $2 AND state = 'running'"),
            &[&kind.as_str(), &checksum],
        )
        .await?;
    Ok(row.as_ref().map(record_from))
}

/// A run is now held by this process (a new run, or one taken over from a process that went).
pub async fn hold(c: &impl GenericClient, run: i64, pid: i32, host: &str) -> Result<()> {
    c.execute("UPDATE batch_runs SET pid = $2, host = $3 WHERE id = $1", &[&run, &pid, &host]).await?;
    Ok(())
}

/// Records a new run; refused when one of the same input is running (a unique index).
pub async fn insert(
    c: &impl GenericClient,
    kind: RunKind,
    input: &str,
    checksum: &str,
    options: &serde_json::Value,
    operator: &str,
) -> Result<i64> {
    let row = c
        .query_one(
            "INSERT INTO batch_runs (kind, input, checksum, options, operator_id) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            &[&kind.as_str(), &input, &checksum, options, &operator],
        )
        .await
        .map_err(Error::from)
        .map_err(|e| {
            if e.is_unique_violation() {
                Error::Refused(crate::msg!("run-running", kind = kind.as_str()))
            } else {
                e
            }
        })?;
    Ok(row.get(0))
}

/// Records progress in the chunk's own transaction: the position reached and what was done.
pub async fn checkpoint(
    tx: &impl GenericClient,
    run: i64,
    position: i64,
    read: i64,
    ok: i64,
    rejects: &[Reject],
    counts: &serde_json::Value,
) -> Result<()> {
    if !rejects.is_empty() {
        let lines: Vec<i64> = rejects.iter().map(|r| r.line as i64).collect();
        let fields: Vec<&str> = rejects.iter().map(|r| r.field.as_str()).collect();
        let values: Vec<&str> = rejects.iter().map(|r| r.value.as_str()).collect();
        let reasons: Vec<&str> = rejects.iter().map(|r| r.reason.as_str()).collect();
        tx.execute(
            "INSERT INTO batch_rejects (run_id, line, field, value, reason)
             SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[])
             ON CONFLICT DO NOTHING",
            &[&run, &lines, &fields, &values, &reasons],
        )
        .await?;
    }
    tx.execute(
        "UPDATE batch_runs SET position = $2, rows_read = rows_read + $3, rows_ok = rows_ok + $4,
             rows_rejected = rows_rejected + $5,
             counts = (SELECT coalesce(jsonb_object_agg(k, coalesce((counts->>k)::bigint, 0) + coalesce(($6::jsonb->>k)::bigint, 0)), '{}')
                       FROM (SELECT jsonb_object_keys(counts) UNION SELECT jsonb_object_keys($6::jsonb)) keys(k))
         WHERE id = $1",
        &[&run, &position, &read, &ok, &(rejects.len() as i64), counts],
    )
    .await?;
    Ok(())
}

/// The position a run has reached (input records committed).
pub async fn position(c: &impl GenericClient, run: i64) -> Result<i64> {
    Ok(c.query_one("SELECT position FROM batch_runs WHERE id = $1", &[&run]).await?.get(0))
}

/// An option of a run, as a boolean (false when absent).
pub async fn flag(c: &impl GenericClient, run: i64, option: &str) -> Result<bool> {
    Ok(c.query_one("SELECT coalesce((options->>$2)::boolean, false) FROM batch_runs WHERE id = $1", &[&run, &option])
        .await?
        .get(0))
}

/// Sets a boolean option of a run.
pub async fn set_flag(c: &impl GenericClient, run: i64, option: &str, value: bool) -> Result<()> {
    c.execute(
        "UPDATE batch_runs SET options = options || jsonb_build_object($2::text, $3::boolean) WHERE id = $1",
        &[&run, &option, &value],
    )
    .await?;
    Ok(())
}

/// Marks a run done (in the caller's transaction).
pub async fn finish(tx: &impl GenericClient, run: i64) -> Result<()> {
    tx.execute("UPDATE batch_runs SET state = 'done', finished_at = now() WHERE id = $1", &[&run]).await?;
    Ok(())
}

/// Every reject of a run, in input order.
pub async fn rejects(c: &impl GenericClient, run: i64) -> Result<Vec<Reject>> {
    Ok(c.query("SELECT line, field, value, reason FROM batch_rejects WHERE run_id = $1 ORDER BY line, field", &[&run])
        .await?
        .iter()
        .map(|r| Reject { line: r.get::<_, i64>(0) as u64, field: r.get(1), value: r.get(2), reason: r.get(3) })
        .collect())
}

pub async fn get(c: &impl GenericClient, id: i64) -> Result<RunRecord> {
    let row = c.query_one(&format!("{SELECT_RUN} WHERE id = $1"), &[&id]).await?;
    Ok(record_from(&row))
}

/// The runs, newest first.
pub async fn list(c: &impl GenericClient, kind: Option<RunKind>, limit: i64) -> Result<Vec<RunRecord>> {
    let kind = kind.map(RunKind::as_str);
    let rows = c
        .query(
            &format!("{SELECT_RUN} WHERE ($1::text IS NULL OR kind = $1) ORDER BY id DESC LIMIT $2"),
            &[&kind, &limit],
        )
        .await?;
    Ok(rows.iter().map(record_from).collect())
}

/// Takes a lock named by `name` for as long as the connection `c` lives; false if another
/// connection holds it.
pub async fn try_lock(c: &tokio_postgres::Client, name: &str) -> Result<bool> {
    Ok(c.query_one("SELECT pg_try_advisory_lock(hashtextextended($1, 0))", &[&name]).await?.get(0))
}
