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

/// The columns of `api.run_get`, `api.runs` and `api.run_running` (sql/V26), as listed.
const RUN_COLUMNS: &str = "id, kind, input, operator_id, started_at, finished_at, state, rows_read, rows_ok, rows_rejected, counts, pid, host";

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

/// How [`start`] began a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Started {
    /// A new run (its start recorded).
    New(i64),
    /// The unfinished run of the same input, taken over from a process that has gone, at the
    /// position it reached (its take-over recorded).
    Resumed { id: i64, position: i64 },
    /// The same input was done completely by this run (asked with `once`): nothing to do.
    Done(i64),
}

/// Starts a run of `kind` on an input, held by this process (pid, host), under the run's lock
/// (see [`try_lock`]): the database records the start or the take-over itself (sql/V26,
/// `api.run_start`). A new run is refused when one of the same input is running elsewhere.
#[allow(clippy::too_many_arguments)]
pub async fn start(
    c: &impl GenericClient,
    kind: RunKind,
    input: &str,
    checksum: &str,
    options: &serde_json::Value,
    once: bool,
    pid: i32,
    host: &str,
) -> Result<Started> {
    let row = c
        .query_one(
            "SELECT run_id, run_position, resumed, done FROM api.run_start($1, $2, $3, $4, $5, $6, $7)",
            &[&kind.as_str(), &input, &checksum, options, &once, &pid, &host],
        )
        .await
        .map_err(Error::from)
        .map_err(|e| {
            if e.is_unique_violation() { Error::Refused(crate::msg!("run-running", kind = kind.as_str())) } else { e }
        })?;
    let (id, position, resumed, done): (i64, i64, bool, bool) = (row.get(0), row.get(1), row.get(2), row.get(3));
    Ok(match (done, resumed) {
        (true, _) => Started::Done(id),
        (false, true) => Started::Resumed { id, position },
        (false, false) => Started::New(id),
    })
}

/// The unfinished run of this kind on this input, as listed.
pub async fn running_record(c: &impl GenericClient, kind: RunKind, checksum: &str) -> Result<Option<RunRecord>> {
    let row = c
        .query_opt(&format!("SELECT {RUN_COLUMNS} FROM api.run_running($1, $2)"), &[&kind.as_str(), &checksum])
        .await?;
    Ok(row.as_ref().map(record_from))
}

/// Records progress in the chunk's own transaction: the position reached and what was done
/// (runs of the helpdesk and of the letters; the import and the postal run checkpoint in their
/// own steps).
pub async fn checkpoint(
    tx: &impl GenericClient,
    run: i64,
    position: i64,
    read: i64,
    ok: i64,
    rejects: &[Reject],
    counts: &serde_json::Value,
) -> Result<()> {
    let (lines, fields, values, reasons) = reject_columns(rejects);
    tx.execute(
        "SELECT api.run_checkpoint($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[&run, &position, &read, &ok, &lines, &fields, &values, &reasons, counts],
    )
    .await?;
    Ok(())
}

/// Rejects as the columns the database takes them in: lines, fields, values, reasons.
pub fn reject_columns(rejects: &[Reject]) -> (Vec<i64>, Vec<&str>, Vec<&str>, Vec<&str>) {
    (
        rejects.iter().map(|r| r.line as i64).collect(),
        rejects.iter().map(|r| r.field.as_str()).collect(),
        rejects.iter().map(|r| r.value.as_str()).collect(),
        rejects.iter().map(|r| r.reason.as_str()).collect(),
    )
}

/// The position a run has reached (input records committed).
pub async fn position(c: &impl GenericClient, run: i64) -> Result<i64> {
    Ok(c.query_one("SELECT position FROM api.run_get($1)", &[&run]).await?.get(0))
}

/// Marks a helpdesk or letters run done (in the caller's transaction).
pub async fn finish(tx: &impl GenericClient, run: i64) -> Result<()> {
    tx.execute("SELECT api.run_finish($1)", &[&run]).await?;
    Ok(())
}

/// Every reject of a run, in input order.
pub async fn rejects(c: &impl GenericClient, run: i64) -> Result<Vec<Reject>> {
    Ok(c.query("SELECT line, field, value, reason FROM api.run_rejects($1)", &[&run])
        .await?
        .iter()
        .map(|r| Reject { line: r.get::<_, i64>(0) as u64, field: r.get(1), value: r.get(2), reason: r.get(3) })
        .collect())
}

pub async fn get(c: &impl GenericClient, id: i64) -> Result<RunRecord> {
    let row = c.query_one(&format!("SELECT {RUN_COLUMNS} FROM api.run_get($1)"), &[&id]).await?;
    Ok(record_from(&row))
}

/// The runs, newest first; the database records the listing (`runs`).
pub async fn list(c: &impl GenericClient, kind: Option<RunKind>, limit: i64) -> Result<Vec<RunRecord>> {
    let kind = kind.map(RunKind::as_str);
    let rows = c.query(&format!("SELECT {RUN_COLUMNS} FROM api.runs($1, $2)"), &[&kind, &limit]).await?;
    Ok(rows.iter().map(record_from).collect())
}

/// Takes a lock named by `name` for as long as the connection `c` lives; false if another
/// connection holds it (sql/V43 `api.try_lock`: each name for the roles whose work it is).
pub async fn try_lock(c: &tokio_postgres::Client, name: &str) -> Result<bool> {
    Ok(c.query_one("SELECT api.try_lock($1)", &[&name]).await?.get(0))
}

/// Lets go of a lock [`try_lock`] took on this connection.
pub async fn unlock(c: &tokio_postgres::Client, name: &str) -> Result<()> {
    c.execute("SELECT api.unlock($1)", &[&name]).await?;
    Ok(())
}
