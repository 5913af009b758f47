//! Batch jobs: the shared bookkeeping (run records, checkpoints, rejects, progress) and the jobs
//! themselves, each in a module of its own.

pub mod input;
pub mod letter_revocations;
pub mod mailbox;
pub mod postal;
pub mod registry_import;

use std::io::Read;
use std::path::Path;

use deadpool_postgres::GenericClient;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::audit::AuditEvent;
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

/// A run being worked on. While it lives, its process holds the run's lock (see [`begin`]).
#[derive(Debug, Clone)]
pub struct Run {
    pub id: i64,
    /// Input records committed by earlier attempts (0 for a new run).
    pub position: i64,
    pub resumed: bool,
    lock: Option<std::sync::Arc<RunLock>>,
}

impl Run {
    /// A run that records nothing (a dry run): no record, no lock.
    pub fn dry() -> Run {
        Run { id: 0, position: 0, resumed: false, lock: None }
    }

    /// Does this process hold the run's lock? (False only for a dry run.)
    pub fn is_held(&self) -> bool {
        self.lock.is_some()
    }
}

/// The database session whose advisory lock marks a run as held, taken out of the pool so that
/// the lock goes with it however the process ends (exit, crash, SIGKILL: the server sees the
/// connection close).
struct RunLock(#[allow(dead_code)] deadpool_postgres::ClientWrapper);

impl std::fmt::Debug for RunLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RunLock")
    }
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
        .map_err(|e| Error::Internal(crate::msg!("checksum-failed", path = &*path, detail = e.to_string())))?
}

fn checksum_file_blocking(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).map_err(Error::io(crate::msg!("io-read", path = path)))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(Error::io(crate::msg!("io-read", path = path)))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// SHA-256 of a text file (the same as [`checksum_file`]'s), the file read whole as text of
/// `encoding` on the way: a file that stops being text of it is refused before anything is
/// written, not once the chunks before the bad byte are in. One pass does both.
pub async fn checksum_text_file(path: &Path, encoding: input::Encoding) -> Result<String> {
    let owned = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        /// The bytes read, hashed as they pass.
        struct Hashing<'a> {
            file: std::fs::File,
            hash: &'a mut Sha256,
        }
        impl Read for Hashing<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.file.read(buf)?;
                self.hash.update(&buf[..n]);
                Ok(n)
            }
        }
        let file = std::fs::File::open(&owned).map_err(Error::io(crate::msg!("io-read", path = &*owned)))?;
        let mut hash = Sha256::new();
        let mut text = input::Decoded::new(Hashing { file, hash: &mut hash }, encoding);
        let mut out = vec![0u8; 1 << 20];
        while text.read(&mut out).map_err(|e| input::read_failure(&owned, e))? > 0 {}
        Ok(hex::encode(hash.finalize()))
    })
    .await
    .map_err(|e| Error::Internal(crate::msg!("checksum-failed", path = path, detail = e.to_string())))?
}

pub fn checksum_text(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Starts a run, or takes over the unfinished one with the same kind and checksum whose process
/// has gone. With `once`, a finished run with the same checksum makes this one a no-op.
///
/// One run per input at a time: a run holds a session advisory lock named by its kind and
/// checksum for as long as it lives. A second run of the same input is refused (exit 5) naming
/// the running one and its process. A record found `running` whose lock is free belongs to a
/// process that has gone (killed, crashed, failed): this run takes it over and resumes it.
pub async fn begin(
    session: &Session,
    kind: RunKind,
    input: &str,
    checksum: &str,
    options: serde_json::Value,
    once: bool,
) -> Result<Begin> {
    let client = session.db.client().await?;
    let lock = deadpool_postgres::Object::take(session.db.client().await?);
    if !runs::try_lock(&lock, &format!("batch-run:{}:{checksum}", kind.as_str())).await? {
        return Err(Error::Refused(running_elsewhere(&client, kind, checksum).await?));
    }
    let lock = Some(std::sync::Arc::new(RunLock(lock)));
    // The database checks this process holds the lock, starts or takes over the run and records
    // it (sql/V26, api.run_start).
    let (pid, host) = (std::process::id() as i32, crate::session::host());
    Ok(match runs::start(&client, kind, input, checksum, &options, once, pid, &host).await? {
        runs::Started::Done(id) => Begin::AlreadyDone(runs::get(&client, id).await?),
        runs::Started::Resumed { id, position } => Begin::Fresh(Run { id, position, resumed: true, lock }),
        runs::Started::New(id) => Begin::Fresh(Run { id, position: 0, resumed: false, lock }),
    })
}

/// Why a run cannot start: the run of the same input that holds the lock, and its process.
async fn running_elsewhere(c: &impl GenericClient, kind: RunKind, checksum: &str) -> Result<crate::i18n::Message> {
    // The holder may have taken its lock a moment ago and not have recorded itself yet.
    for _ in 0..40 {
        if let Some(r) = runs::running_record(c, kind, checksum).await?
            && r.pid.is_some()
        {
            return Ok(crate::msg!(
                "run-running-elsewhere",
                kind = kind.as_str(),
                run = r.id,
                pid = r.pid.unwrap_or_default().to_string(),
                host = r.host.as_deref().map(Into::into).unwrap_or_else(|| crate::msg!("unknown-host")),
                started = r.started_at.with_timezone(&chrono_tz::Europe::Rome).format("%Y-%m-%d %H:%M:%S").to_string(),
                operator = r.operator_id.as_deref().map(Into::into).unwrap_or_else(|| crate::msg!("unknown-operator")),
            ));
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Ok(crate::msg!("run-starting-elsewhere", kind = kind.as_str()))
}

pub use crate::store::runs::{checkpoint, finish, rejects};

pub async fn run_record(c: &impl GenericClient, id: i64) -> Result<RunRecord> {
    runs::get(c, id).await
}

/// Writes a rejects report: CSV with line, field, value, reason; `-` is standard output.
pub fn write_rejects(path: &Path, rejects: &[Reject]) -> Result<()> {
    write_report(path, &["line", "field", "value", "reason"], rejects)
}

/// Writes the fiscal codes a full snapshot removed as a CSV report (`fiscal_code`), to a file
/// or, for `-`, to standard output.
pub fn write_departures(path: &Path, codes: &[String]) -> Result<()> {
    #[derive(Serialize)]
    struct Departure<'a> {
        fiscal_code: &'a str,
    }
    let rows: Vec<Departure> = codes.iter().map(|c| Departure { fiscal_code: c }).collect();
    write_report(path, &["fiscal_code"], &rows)
}

/// Writes a CSV report with its header (also when it has no rows), private: reports carry
/// fiscal codes and names.
fn write_report<T: Serialize>(path: &Path, headers: &[&str], rows: &[T]) -> Result<()> {
    let fail =
        |e: csv::Error| Error::Io { context: crate::msg!("io-write", path = path), source: std::io::Error::other(e) };
    let out: Box<dyn std::io::Write> = if path == Path::new("-") {
        Box::new(std::io::stdout().lock())
    } else {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.exists()
        {
            crate::files::dir(dir, crate::files::Access::Private)?;
        }
        Box::new(crate::files::create(path, crate::files::Access::Private)?)
    };
    let mut w = crate::safe_csv::Writer::from_writer(out);
    if rows.is_empty() {
        w.write_headers(headers.iter().copied()).map_err(fail)?;
    }
    for r in rows {
        w.serialize(r).map_err(fail)?;
    }
    w.flush().map_err(Error::io(crate::msg!("io-write", path = path)))
}

/// Refuses a report path that is the input itself (after resolving links and `..`): writing
/// the report would destroy the input.
pub fn refuse_report_over_input(report: &Path, input: &Path, flag: &str) -> Result<()> {
    if report == Path::new("-") {
        return Ok(());
    }
    // The report may not exist yet: its directory is resolved and its name put back.
    let resolve = |p: &Path| -> Option<std::path::PathBuf> {
        p.canonicalize().ok().or_else(|| {
            let dir = match p.parent().filter(|d| !d.as_os_str().is_empty()) {
                Some(d) => d.canonicalize().ok()?,
                None => std::env::current_dir().ok()?,
            };
            Some(dir.join(p.file_name()?))
        })
    };
    match (resolve(report), resolve(input)) {
        (Some(r), Some(i)) if r == i => Err(Error::Invalid(crate::msg!("report-is-input", flag = flag, path = report))),
        _ => Ok(()),
    }
}

/// The runs, newest first.
pub async fn list(session: &Session, kind: Option<RunKind>, limit: i64) -> Result<Vec<RunRecord>> {
    // The database records the listing (sql/V26, api.runs).
    runs::list(&session.db.client().await?, kind, limit).await
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
