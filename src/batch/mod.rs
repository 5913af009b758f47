//! Batch jobs: the shared bookkeeping (run records, checkpoints, rejects, progress) and the jobs
//! themselves, each in a module of its own.

pub mod letter_revocations;
pub mod mailbox;
pub mod postal;
pub mod registry_import;

use std::io::Read;
use std::path::Path;

use deadpool_postgres::GenericClient;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::audit::{AuditEvent, Entry, Outcome, Target};
use crate::error::{Error, Result};
use crate::session::Session;
use crate::store::runs;

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

pub use crate::store::runs::{Reject, RunKind, RunRecord};

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

/// SHA-256 of a file, streamed on a blocking thread (registry files run to gigabytes).
pub async fn checksum_file(path: &Path) -> Result<String> {
    let owned = path.to_path_buf();
    tokio::task::spawn_blocking(move || checksum_file_blocking(&owned))
        .await
        .map_err(|e| Error::Internal(format!("checksum of {}: {e}", path.display())))?
}

fn checksum_file_blocking(path: &Path) -> Result<String> {
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
    kind: RunKind,
    input: &str,
    checksum: &str,
    options: serde_json::Value,
    once: bool,
) -> Result<Begin> {
    let client = session.db.client().await?;
    if once && let Some(done) = runs::find_done(&client, kind, checksum).await? {
        return Ok(Begin::AlreadyDone(done));
    }
    let event = AuditEvent::from(kind);
    let target = || Target::Input(input.to_string());
    if let Some((id, position)) = runs::find_running(&client, kind, checksum).await? {
        let run = Run { id, position, resumed: true };
        let entry = Entry::new(event, target()).details(json!({ "run": id, "resumed_at": position }));
        session.record(&client, entry.outcome(Outcome::Resumed)).await?;
        return Ok(Begin::Fresh(run));
    }
    let id = runs::insert(&client, kind, input, checksum, &options, &session.operator.id).await?;
    let entry = Entry::new(event, target()).details(json!({ "run": id, "options": options }));
    session.record(&client, entry.outcome(Outcome::Started)).await?;
    Ok(Begin::Fresh(Run { id, position: 0, resumed: false }))
}

pub use crate::store::runs::{checkpoint, finish, rejects};

pub async fn run_record(c: &impl GenericClient, id: i64) -> Result<RunRecord> {
    runs::get(c, id).await
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

/// The runs, newest first.
pub async fn list(session: &Session, kind: Option<RunKind>, limit: i64) -> Result<Vec<RunRecord>> {
    let client = session.db.client().await?;
    let list = runs::list(&client, kind, limit).await?;
    let entry = Entry::new(AuditEvent::Runs, Target::None).details(json!({ "kind": kind })).count(list.len());
    session.record(&client, entry).await?;
    Ok(list)
}

impl From<RunKind> for AuditEvent {
    fn from(kind: RunKind) -> AuditEvent {
        match kind {
            RunKind::ImportCia => AuditEvent::ImportCia,
            RunKind::ImportAura => AuditEvent::ImportAura,
            RunKind::PostalRun => AuditEvent::PostalRun,
            RunKind::HelpdeskMailbox => AuditEvent::HelpdeskMailbox,
            RunKind::RevokeLetters => AuditEvent::RevokeLetters,
        }
    }
}
