//! Batch jobs: the shared bookkeeping (run records, checkpoints, rejects, progress) and the jobs
//! themselves, each in a module of its own.

pub mod letter_revocations;
pub mod mailbox;
pub mod postal;
pub mod registry_import;

use std::io::Read;
use std::path::Path;

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::session::Session;

/// Reports progress to whoever watches (a progress bar on a terminal, plain lines under cron).
pub trait Progress: Sync {
    /// A job starts; `total` in the unit of `advance` when known; `done` already done (resume).
    fn start(&self, what: &str, total: Option<u64>, done: u64);
    fn advance(&self, done: u64);
    fn finish(&self, message: &str);
}

/// Progress that nobody watches.
pub struct Quiet;

impl Progress for Quiet {
    fn start(&self, _: &str, _: Option<u64>, _: u64) {}
    fn advance(&self, _: u64) {}
    fn finish(&self, _: &str) {}
}

/// A bad input row: where, which field, what it held and why it was refused.
#[derive(Debug, Clone, PartialEq, Serialize, tabled::Tabled)]
pub struct Reject {
    pub line: u64,
    pub field: String,
    pub value: String,
    pub reason: String,
}

impl Reject {
    pub fn new(line: u64, field: &str, value: &str, reason: impl Into<String>) -> Reject {
        Reject { line, field: field.into(), value: value.into(), reason: reason.into() }
    }
}

/// A run being worked on.
#[derive(Debug, Clone)]
pub struct Run {
    pub id: i64,
    /// Input records committed by earlier attempts (0 for a new run).
    pub position: i64,
    pub resumed: bool,
}

/// How a run starts.
pub enum Begin {
    Fresh(Run),
    /// The same input was processed completely by this earlier run: nothing to do.
    AlreadyDone(RunRecord),
}

/// SHA-256 of a file, streamed.
pub fn checksum_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).map_err(Error::io(format!("cannot read {}", path.display())))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(Error::io(format!("cannot read {}", path.display())))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

pub fn checksum_text(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Starts a run, or resumes the unfinished one with the same kind and checksum. With
/// `once`, a finished run with the same checksum makes this one a no-op.
pub async fn begin(
    session: &Session,
    kind: &str,
    input: &str,
    checksum: &str,
    options: serde_json::Value,
    once: bool,
) -> Result<Begin> {
    let client = session.db.client().await?;
    if once
        && let Some(done) = client
            .query_opt(
                &format!("{SELECT_RUN} WHERE kind = $1 AND checksum = $2 AND state = 'done' ORDER BY id DESC LIMIT 1"),
                &[&kind, &checksum],
            )
            .await?
    {
        return Ok(Begin::AlreadyDone(record_from(&done)));
    }
    if let Some(r) = client
        .query_opt(
            "SELECT id, position FROM batch_runs WHERE kind = $1 AND checksum = $2 AND state = 'running'",
            &[&kind, &checksum],
        )
        .await?
    {
        let run = Run { id: r.get(0), position: r.get(1), resumed: true };
        session
            .record(
                &client,
                kind,
                Some(input.to_string()),
                json!({ "run": run.id, "resumed_at": run.position }),
                None,
                "resumed",
            )
            .await?;
        return Ok(Begin::Fresh(run));
    }
    let id: i64 = client
        .query_one(
            "INSERT INTO batch_runs (kind, input, checksum, options, operator_id) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            &[&kind, &input, &checksum, &options, &session.operator.id],
        )
        .await
        .map_err(|e| match e.code() {
            Some(c) if *c == tokio_postgres::error::SqlState::UNIQUE_VIOLATION => {
                Error::Refused(format!("another {kind} of the same input is running right now"))
            }
            _ => e.into(),
        })?
        .get(0);
    session
        .record(&client, kind, Some(input.to_string()), json!({ "run": id, "options": options }), None, "started")
        .await?;
    Ok(Begin::Fresh(Run { id, position: 0, resumed: false }))
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

/// Writes a rejects report: CSV with line, field, value, reason.
pub fn write_rejects(path: &Path, rejects: &[Reject]) -> Result<()> {
    let fail = |e: csv::Error| Error::Io {
        context: format!("cannot write {}", path.display()),
        source: std::io::Error::other(e),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(Error::io(format!("cannot create {}", dir.display())))?;
    }
    let mut w = crate::safe_csv::Writer::from_path(path).map_err(fail)?;
    if rejects.is_empty() {
        w.write_headers(["line", "field", "value", "reason"]).map_err(fail)?;
    }
    for r in rejects {
        w.serialize(r).map_err(fail)?;
    }
    w.flush().map_err(Error::io(format!("cannot write {}", path.display())))
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
}

const SELECT_RUN: &str = "SELECT id, kind, input, operator_id, started_at, finished_at, state, rows_read, rows_ok, rows_rejected, counts FROM batch_runs";

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
    }
}

pub async fn run_record(c: &impl GenericClient, id: i64) -> Result<RunRecord> {
    let row = c.query_one(&format!("{SELECT_RUN} WHERE id = $1"), &[&id]).await?;
    Ok(record_from(&row))
}

/// The runs, newest first.
pub async fn list(session: &Session, kind: Option<&str>, limit: i64) -> Result<Vec<RunRecord>> {
    let client = session.db.client().await?;
    let rows = client
        .query(
            &format!("{SELECT_RUN} WHERE ($1::text IS NULL OR kind = $1) ORDER BY id DESC LIMIT $2"),
            &[&kind, &limit],
        )
        .await?;
    let runs: Vec<RunRecord> = rows.iter().map(record_from).collect();
    session.record(&client, "runs", None, json!({ "kind": kind }), Some(runs.len() as i64), "ok").await?;
    Ok(runs)
}
