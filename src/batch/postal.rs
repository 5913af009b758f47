//! Postal PIN runs: letters for the registrations whose PIN letter is due (pre-loaded residents,
//! reprint requests), in PDF files of `batch_size` letters for the print shop, each with a CSV
//! manifest (recipient, postal address, file, page).
//!
//! A PIN is never stored without its letter on disk, nor does a letter exist for a PIN that was
//! not stored: a batch is rendered to temporary files and fsynced, then its PINs' hashes and the
//! batch record are committed, then the files are renamed. A resumed run renames the files of
//! committed batches and deletes those of uncommitted ones (whose PINs were never stored).

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::Utc;
use serde::Serialize;
use serde_json::json;

use super::{Begin, Progress, RunKind};
use crate::audit::{AuditEvent, Entry, Target};
use crate::desk::handover::Desk;
use crate::error::{Error, Result};
use crate::letters;
use crate::secrets::{self, Purpose};
use crate::session::Session;
use crate::store::registrations;
use crate::store::{postal, reference};

#[derive(Debug, Clone)]
pub struct Options {
    /// Only this province (code or name).
    pub province: Option<String>,
    /// At most this many letters in the run.
    pub limit: Option<i64>,
    pub batch_size: usize,
    pub out: PathBuf,
    /// Count the letters due and the files they would fill; print and store nothing.
    pub dry_run: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub run_id: i64,
    pub resumed: bool,
    pub batches: u64,
    pub letters: u64,
    /// Batches of an interrupted attempt finished (renamed) or discarded at resume.
    pub recovered: u64,
    pub discarded: u64,
    pub files: Vec<PathBuf>,
}

fn names(out: &Path, run: i64, batch: i32) -> (PathBuf, PathBuf) {
    let base = out.join(format!("postal-{run:06}-{batch:05}"));
    (base.with_extension("pdf"), base.with_extension("csv"))
}

fn tmp(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".tmp");
    PathBuf::from(s)
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = std::fs::File::create(path).map_err(Error::io(format!("cannot create {}", path.display())))?;
    f.write_all(bytes).map_err(Error::io(format!("cannot write {}", path.display())))?;
    f.sync_all().map_err(Error::io(format!("cannot sync {}", path.display())))
}

fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(Error::io(format!("cannot sync {}", dir.display())))
}

/// Finishes or discards what an interrupted attempt of this run left behind.
async fn recover(session: &Session, run: i64, out: &Path, report: &mut Report) -> Result<()> {
    let client = session.db.client().await?;
    for (batch, pdf, manifest) in postal::unpublished(&client, run).await? {
        for path in [PathBuf::from(&pdf), PathBuf::from(&manifest)] {
            let t = tmp(&path);
            if t.exists() {
                std::fs::rename(&t, &path).map_err(Error::io(format!("cannot rename {}", t.display())))?;
            } else if !path.exists() {
                return Err(Error::Io {
                    context: format!("batch {batch} of run {run} was committed but {} is missing", path.display()),
                    source: std::io::Error::from(std::io::ErrorKind::NotFound),
                });
            }
        }
        postal::mark_published(&client, run, batch).await?;
        report.recovered += 1;
    }
    // Temporary files of batches that never committed: their PINs were never stored.
    let prefix = format!("postal-{run:06}-");
    if let Ok(entries) = std::fs::read_dir(out) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with(&prefix) && name.ends_with(".tmp") {
                std::fs::remove_file(e.path()).map_err(Error::io(format!("cannot remove {}", e.path().display())))?;
                report.discarded += 1;
            }
        }
    }
    Ok(())
}

/// One line of a batch manifest.
#[derive(Serialize)]
struct ManifestRow<'a> {
    page: usize,
    registration_number: i64,
    fiscal_code: &'a str,
    recipient: &'a str,
    address: String,
    file: &'a str,
}

/// Runs (or resumes) a postal run.
pub async fn run(session: &Session, desk: &Desk, opts: &Options, progress: &dyn Progress) -> Result<Report> {
    if opts.batch_size == 0 {
        return Err(Error::Invalid("--batch-size must be at least 1".into()));
    }
    let province = match &opts.province {
        Some(p) => Some(reference::resolve_province(&session.db.client().await?, p).await?),
        None => None,
    };
    if opts.dry_run {
        let due = postal::due(&session.db.client().await?, province.as_deref()).await?;
        let letters = opts.limit.map(|l| l.min(due)).unwrap_or(due).max(0) as u64;
        return Ok(Report { letters, batches: letters.div_ceil(opts.batch_size as u64), ..Default::default() });
    }
    std::fs::create_dir_all(&opts.out).map_err(Error::io(format!("cannot create {}", opts.out.display())))?;
    let out = opts.out.canonicalize().map_err(Error::io(format!("cannot resolve {}", opts.out.display())))?;
    let options = json!({ "province": province, "limit": opts.limit, "batch_size": opts.batch_size, "out": out });
    let Begin::Fresh(run) = super::begin(
        session,
        RunKind::PostalRun,
        &out.display().to_string(),
        &super::checksum_text(&options.to_string()),
        options,
        false,
    )
    .await?
    else {
        unreachable!("postal runs are never skipped as already done")
    };
    let mut report = Report { run_id: run.id, resumed: run.resumed, ..Default::default() };
    recover(session, run.id, &out, &mut report).await?;

    let mut client = session.db.client().await?;
    let (mut printed, mut batch_no) = postal::progress(&client, run.id).await?;
    let due = postal::due(&client, province.as_deref()).await?;
    let total = opts.limit.map(|l| (l - printed).max(0).min(due)).unwrap_or(due) + printed;
    progress.start("PIN letters", Some(total as u64), printed as u64);
    let today = Utc::now().date_naive();

    loop {
        let room = opts.limit.map(|l| l - printed).unwrap_or(i64::MAX).min(opts.batch_size as i64);
        if room <= 0 {
            break;
        }
        let tx = client.transaction().await?;
        let numbers = postal::take(&tx, province.as_deref(), room).await?;
        if numbers.is_empty() {
            break;
        }
        batch_no += 1;
        let (pdf_path, manifest_path) = names(&out, run.id, batch_no);
        let mut pages = Vec::with_capacity(numbers.len());
        let mut hashes: Vec<Vec<u8>> = Vec::with_capacity(numbers.len());
        let mut manifest = crate::safe_csv::Writer::from_writer(Vec::new());
        let file_name = pdf_path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        for (i, r) in registrations::get_many(&tx, &numbers).await?.iter().enumerate() {
            let pin = secrets::new_pin()?;
            hashes.push(desk.key.hash(Purpose::Pin, &r.fiscal_code, &pin));
            let address = letters::postal_address(r);
            manifest
                .serialize(ManifestRow {
                    page: i + 1,
                    registration_number: r.registration_number,
                    fiscal_code: &r.fiscal_code,
                    recipient: &address[0],
                    address: address[1..].join(", "),
                    file: &file_name,
                })
                .map_err(|e| Error::Internal(format!("manifest: {e}")))?;
            pages.push(letters::pin_letter(r, &pin, today, true));
        }
        // The letters render (on every core) and are written while the database stores the
        // PINs' hashes; the hashes become durable only at the commit below, after the files are
        // on disk.
        let manifest = manifest.into_inner().map_err(|e| Error::Internal(format!("manifest: {e}")))?;
        let (pdf_tmp, manifest_tmp, dir) = (tmp(&pdf_path), tmp(&manifest_path), out.clone());
        let write = tokio::task::spawn_blocking(move || -> Result<()> {
            write_synced(&pdf_tmp, &letters::render(&pages)?)?;
            write_synced(&manifest_tmp, &manifest)?;
            sync_dir(&dir)
        });
        let store = postal::store_printed(&tx, &numbers, &hashes);
        let (written, stored) = tokio::join!(write, store);
        stored?;
        written.map_err(|e| Error::Internal(format!("rendering the letters failed: {e}")))??;
        let (pdf_name, manifest_name) = (pdf_path.display().to_string(), manifest_path.display().to_string());
        postal::insert_batch(&tx, run.id, batch_no, &pdf_name, &manifest_name, numbers.len() as i32).await?;
        let n = numbers.len() as i64;
        super::checkpoint(&tx, run.id, batch_no as i64, n, n, &[], &json!({ "letters": n, "batches": 1 })).await?;
        tx.commit().await?;
        for path in [&pdf_path, &manifest_path] {
            std::fs::rename(tmp(path), path).map_err(Error::io(format!("cannot rename {}", path.display())))?;
        }
        postal::mark_published(&client, run.id, batch_no).await?;
        printed += n;
        report.batches += 1;
        report.letters += n as u64;
        report.files.push(pdf_path);
        progress.advance(printed as u64);
    }

    let tx = client.transaction().await?;
    super::finish(&tx, run.id).await?;
    let record = super::run_record(&tx, run.id).await?;
    let entry = Entry::new(AuditEvent::PostalRun, Target::Input(out.display().to_string()))
        .details(json!({ "run": run.id, "counts": record.counts }))
        .count(record.rows_ok as usize);
    session.record(&tx, entry).await?;
    tx.commit().await?;
    progress.finish(&format!("{printed} letters"));
    Ok(report)
}
