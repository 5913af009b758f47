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

use super::{Begin, Progress};
use crate::error::{Error, Result};
use crate::handover::Desk;
use crate::letters;
use crate::secrets::{self, Purpose};
use crate::session::Session;
use crate::store::reference;
use crate::store::registrations::{self, Key};

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
    let committed = client
        .query("SELECT batch_no, pdf, manifest FROM postal_batches WHERE run_id = $1 AND state = 'committed'", &[&run])
        .await?;
    for row in committed {
        let (batch, pdf, manifest): (i32, String, String) = (row.get(0), row.get(1), row.get(2));
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
        client
            .execute(
                "UPDATE postal_batches SET state = 'published' WHERE run_id = $1 AND batch_no = $2",
                &[&run, &batch],
            )
            .await?;
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
        let due: i64 = session
            .db
            .client()
            .await?
            .query_one(
                "SELECT count(*) FROM pin_letter_queue WHERE ($1::text IS NULL OR res_province = $1)",
                &[&province],
            )
            .await?
            .get(0);
        let letters = opts.limit.map(|l| l.min(due)).unwrap_or(due).max(0) as u64;
        return Ok(Report { letters, batches: letters.div_ceil(opts.batch_size as u64), ..Default::default() });
    }
    std::fs::create_dir_all(&opts.out).map_err(Error::io(format!("cannot create {}", opts.out.display())))?;
    let out = opts.out.canonicalize().map_err(Error::io(format!("cannot resolve {}", opts.out.display())))?;
    let options = json!({ "province": province, "limit": opts.limit, "batch_size": opts.batch_size, "out": out });
    let Begin::Fresh(run) = super::begin(
        session,
        "postal-run",
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
    let (mut printed, mut batch_no): (i64, i32) = {
        let r = client
            .query_one("SELECT coalesce(sum(letters), 0)::bigint, coalesce(max(batch_no), 0) FROM postal_batches WHERE run_id = $1", &[&run.id])
            .await?;
        (r.get(0), r.get(1))
    };
    let due: i64 = client
        .query_one("SELECT count(*) FROM pin_letter_queue WHERE ($1::text IS NULL OR res_province = $1)", &[&province])
        .await?
        .get(0);
    let total = opts.limit.map(|l| (l - printed).max(0).min(due)).unwrap_or(due) + printed;
    progress.start("PIN letters", Some(total as u64), printed as u64);
    let today = Utc::now().date_naive();

    loop {
        let room = opts.limit.map(|l| l - printed).unwrap_or(i64::MAX).min(opts.batch_size as i64);
        if room <= 0 {
            break;
        }
        let tx = client.transaction().await?;
        let numbers: Vec<i64> = tx
            .query(
                "SELECT registration_number FROM pin_letter_queue
                 WHERE ($1::text IS NULL OR res_province = $1)
                 ORDER BY res_province, registration_number LIMIT $2 FOR UPDATE SKIP LOCKED",
                &[&province, &room],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
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
                .map_err(|e| Error::Invalid(e.to_string()))?;
            pages.push(letters::pin_letter(r, &pin, today, true));
        }
        // The letters render (on every core) while the database stores the PINs' hashes; the
        // hashes become durable only at the commit below, after the files are on disk.
        let render = tokio::task::spawn_blocking(move || letters::render(&pages));
        let store = async {
            tx.execute(
                "UPDATE registrations r SET pin_hash = u.h, pin_printed_at = now(), pin_print_count = pin_print_count + 1,
                     pin_possessed = true, updated_at = now()
                 FROM unnest($1::bigint[], $2::bytea[]) AS u(n, h) WHERE r.registration_number = u.n",
                &[&numbers, &hashes],
            )
            .await?;
            tx.execute("DELETE FROM pin_letter_queue WHERE registration_number = ANY($1)", &[&numbers]).await
        };
        let (rendered, stored) = tokio::join!(render, store);
        stored?;
        let pdf = rendered.map_err(|e| Error::Invalid(format!("rendering the letters failed: {e}")))??;
        let manifest = manifest.into_inner().map_err(|e| Error::Invalid(e.to_string()))?;
        write_synced(&tmp(&pdf_path), &pdf)?;
        write_synced(&tmp(&manifest_path), &manifest)?;
        sync_dir(&out)?;
        tx.execute(
            "INSERT INTO postal_batches (run_id, batch_no, pdf, manifest, letters, state) VALUES ($1, $2, $3, $4, $5, 'committed')",
            &[&run.id, &batch_no, &pdf_path.display().to_string(), &manifest_path.display().to_string(), &(numbers.len() as i32)],
        )
        .await?;
        let n = numbers.len() as i64;
        super::checkpoint(&tx, run.id, batch_no as i64, n, n, &[], &json!({ "letters": n, "batches": 1 })).await?;
        tx.commit().await?;
        for path in [&pdf_path, &manifest_path] {
            std::fs::rename(tmp(path), path).map_err(Error::io(format!("cannot rename {}", path.display())))?;
        }
        client
            .execute(
                "UPDATE postal_batches SET state = 'published' WHERE run_id = $1 AND batch_no = $2",
                &[&run.id, &batch_no],
            )
            .await?;
        printed += n;
        report.batches += 1;
        report.letters += n as u64;
        report.files.push(pdf_path);
        progress.advance(printed as u64);
    }

    let tx = client.transaction().await?;
    super::finish(&tx, run.id).await?;
    let record = super::run_record(&tx, run.id).await?;
    session
        .record(
            &tx,
            "postal-run",
            Some(out.display().to_string()),
            json!({ "run": run.id, "counts": record.counts }),
            Some(record.rows_ok),
            "ok",
        )
        .await?;
    tx.commit().await?;
    progress.finish(&format!("{printed} letters"));
    Ok(report)
}

/// Asks for a PIN letter by post for a registration (a reprint request): the next postal run
/// prints it with a new PIN.
pub async fn request_reprint(session: &Session, key: &Key) -> Result<i64> {
    let client = session.db.client().await?;
    let r = crate::book::find(&client, key).await?;
    if r.state == crate::domain::State::Respinto {
        return Err(Error::Refused(format!(
            "registration {} is rejected (respinto): view only",
            r.registration_number
        )));
    }
    client
        .execute(
            "INSERT INTO pin_letter_queue (registration_number, res_province) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&r.registration_number, &r.data.residence.province],
        )
        .await?;
    session
        .record(
            &client,
            "pin-by-post",
            Some(r.fiscal_code.clone()),
            json!({ "registration_number": r.registration_number }),
            None,
            "ok",
        )
        .await?;
    Ok(r.registration_number)
}
