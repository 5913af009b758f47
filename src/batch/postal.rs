//! Postal PIN runs: letters for the registrations whose PIN letter is due (pre-loaded residents,
//! reprint requests), in PDF files of `batch_size` letters for the print shop, each with a CSV
//! manifest (recipient, postal address, file, page).
//!
//! A PIN is never stored without its letter on disk, nor does a letter exist for a PIN that was
//! not stored: a batch is rendered to temporary files and fsynced, then its PINs' hashes and the
//! batch record are committed, then the files are renamed. A resumed run renames the files of
//! committed batches and deletes those of uncommitted ones (whose PINs were never stored).
//!
//! A weak registration without credentials (a pre-loaded resident) gets with its PIN an
//! activation code, which travels apart (SPEC §5): by email when an address is known (sent once
//! the batch has committed), otherwise as a letter of its own in a separate file of the batch
//! (`codes-RUN-BATCH.pdf` and its manifest), never in the PIN's envelope. Together they open a
//! weak activation, which the citizen completes online ([`crate::portal::activate`]). A code
//! whose email could not be sent is counted in the report: a desk or the helpdesk regenerates it.

use std::path::{Path, PathBuf};

use chrono::Utc;
use serde::Serialize;
use serde_json::json;

use super::{Begin, Progress, RunKind};
use crate::audit::{AuditEvent, Entry, Outcome, Target};
use crate::desk::handover::Desk;
use crate::domain::transitions::{self, PostalLetter};
use crate::domain::{OperationKind, Registration};
use crate::error::{Error, Result};
use crate::files::Access;
use crate::letters;
use crate::mail;
use crate::secrets::{self, CodeKind, Purpose, Secret};
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
    /// A group that may read the output (the print shop: `SPORTELLO_POSTAL_GROUP`); without
    /// it, only the service's own user.
    pub group: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub run_id: i64,
    pub resumed: bool,
    pub batches: u64,
    pub letters: u64,
    /// Activation codes of weak activations opened: emailed, printed apart, email failed.
    pub codes_emailed: u64,
    pub codes_printed: u64,
    pub codes_email_failed: u64,
    /// Batches of an interrupted attempt finished (renamed) or discarded at resume.
    pub recovered: u64,
    pub discarded: u64,
    pub files: Vec<PathBuf>,
}

fn names(out: &Path, run: i64, batch: i32) -> (PathBuf, PathBuf) {
    let base = out.join(format!("postal-{run:06}-{batch:05}"));
    (base.with_extension("pdf"), base.with_extension("csv"))
}

/// The separate file of a batch's activation-code letters, and its manifest.
fn code_names(out: &Path, run: i64, batch: i32) -> (PathBuf, PathBuf) {
    let base = out.join(format!("codes-{run:06}-{batch:05}"));
    (base.with_extension("pdf"), base.with_extension("csv"))
}

fn tmp(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".tmp");
    PathBuf::from(s)
}

fn write_synced(path: &Path, bytes: &[u8], access: Access) -> Result<()> {
    crate::files::write(path, bytes, access, true)
}

fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(Error::io(crate::msg!("io-sync", path = dir)))
}

/// Finishes or discards what an interrupted attempt of this run left behind.
async fn recover(session: &Session, run: i64, out: &Path, report: &mut Report) -> Result<()> {
    let client = session.db.client().await?;
    for (batch, files) in postal::unpublished(&client, run).await? {
        for path in files.iter().map(PathBuf::from) {
            let t = tmp(&path);
            if t.exists() {
                std::fs::rename(&t, &path).map_err(Error::io(crate::msg!("io-rename", path = &*t)))?;
            } else if !path.exists() {
                return Err(Error::Io {
                    context: crate::msg!("postal-batch-missing", batch = batch, run = run, path = &*path),
                    source: std::io::Error::from(std::io::ErrorKind::NotFound),
                });
            }
        }
        postal::mark_published(&client, run, batch).await?;
        report.recovered += 1;
    }
    // Temporary files of batches that never committed: their PINs were never stored.
    let prefixes = [format!("postal-{run:06}-"), format!("codes-{run:06}-")];
    if let Ok(entries) = std::fs::read_dir(out) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if prefixes.iter().any(|p| name.starts_with(p)) && name.ends_with(".tmp") {
                std::fs::remove_file(e.path()).map_err(Error::io(crate::msg!("io-remove", path = &*e.path())))?;
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

/// The weak activations a batch opens: their registrations, PINs' and codes' hashes, the codes
/// to email and the code letters to print.
#[derive(Default)]
struct Opened {
    numbers: Vec<i64>,
    pin_hashes: Vec<Vec<u8>>,
    code_hashes: Vec<Vec<u8>>,
    emails: Vec<(Registration, Secret)>,
    letters: Vec<letters::Letter>,
}

/// Emails an activation code stored by a committed batch; records it (never the code). False
/// when it could not be sent.
async fn email_code(
    session: &Session,
    desk: &Desk,
    client: &deadpool_postgres::Object,
    r: &Registration,
    code: &Secret,
    until: chrono::DateTime<Utc>,
) -> Result<bool> {
    let to = r.data.contacts.email.as_deref().unwrap_or_default();
    let sent = match mail::code_message(CodeKind::Activation, &desk.mail_from, to, r, code, until) {
        Ok(m) => desk.mailer.send(m).await.is_ok(),
        Err(_) => false,
    };
    let entry = Entry::new(AuditEvent::Email, Target::registration(r))
        .details(json!({ "message": CodeKind::Activation.message_name(), "channel": "postal-run" }))
        .outcome(if sent { Outcome::Ok } else { Outcome::Error });
    session.record(client, entry).await?;
    Ok(sent)
}

/// Runs (or resumes) a postal run.
pub async fn run(session: &Session, desk: &Desk, opts: &Options, progress: &dyn Progress) -> Result<Report> {
    if opts.batch_size == 0 {
        return Err(Error::Invalid(crate::msg!("batch-size-invalid")));
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
    // PINs and addresses: 0600 in 0700, or 0640 in 0750 for the print shop's group.
    let access = Access::group(opts.group.as_deref())?;
    crate::files::dir(&opts.out, access)?;
    let out = opts.out.canonicalize().map_err(Error::io(crate::msg!("io-resolve", path = &*opts.out)))?;
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
    progress.start(&crate::tr!("progress-pin-letters"), Some(total as u64), printed as u64);
    let today = Utc::now().date_naive();
    let until = desk.expiry();

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
        let (codes_pdf_path, codes_manifest_path) = code_names(&out, run.id, batch_no);
        let mut pages = Vec::with_capacity(numbers.len());
        let mut hashes: Vec<Vec<u8>> = Vec::with_capacity(numbers.len());
        let mut manifest = crate::safe_csv::Writer::from_writer(Vec::new());
        let file_name = pdf_path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let codes_file_name = codes_pdf_path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let mut opened = Opened::default();
        let mut code_manifest = csv::Writer::from_writer(Vec::new());
        let in_progress: std::collections::HashMap<i64, OperationKind> = postal::in_progress(&tx, &numbers)
            .await?
            .into_iter()
            .filter_map(|(n, k)| OperationKind::parse(&k).map(|k| (n, k)))
            .collect();
        for (i, r) in registrations::get_many(&tx, &numbers).await?.iter().enumerate() {
            let pin = secrets::new_pin()?;
            let pin_hash = desk.key.hash(Purpose::Pin, &r.fiscal_code, &pin);
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
                .map_err(|e| Error::Internal(crate::msg!("manifest-failed", detail = e.to_string())))?;
            pages.push(letters::pin_letter(r, &pin, today, true));
            let in_progress = in_progress.get(&r.registration_number).copied();
            if transitions::postal_letter(r.state, r.strong, in_progress) == PostalLetter::OpensActivation {
                let code = secrets::new_code()?;
                opened.numbers.push(r.registration_number);
                opened.pin_hashes.push(pin_hash.clone());
                opened.code_hashes.push(desk.key.hash(Purpose::Activation, &r.fiscal_code, &code));
                if r.data.contacts.email.is_some() {
                    opened.emails.push((r.clone(), code));
                } else {
                    code_manifest
                        .serialize(ManifestRow {
                            page: opened.letters.len() + 1,
                            registration_number: r.registration_number,
                            fiscal_code: &r.fiscal_code,
                            recipient: &address[0],
                            address: address[1..].join(", "),
                            file: &codes_file_name,
                        })
                        .map_err(|e| Error::Internal(crate::msg!("manifest-failed", detail = e.to_string())))?;
                    let mut letter = letters::code_letter(CodeKind::Activation, r, &code, until, today);
                    letter.address = Some(address);
                    opened.letters.push(letter);
                }
            }
            hashes.push(pin_hash);
        }
        // The letters render (on every core) and are written while the database stores the
        // PINs' hashes; the hashes become durable only at the commit below, after the files are
        // on disk. The activation codes without an email go in a file of their own.
        let manifest = manifest
            .into_inner()
            .map_err(|e| Error::Internal(crate::msg!("manifest-failed", detail = e.to_string())))?;
        let code_manifest = code_manifest
            .into_inner()
            .map_err(|e| Error::Internal(crate::msg!("manifest-failed", detail = e.to_string())))?;
        let code_letters = std::mem::take(&mut opened.letters);
        let codes_printed = code_letters.len();
        let (pdf_tmp, manifest_tmp, dir) = (tmp(&pdf_path), tmp(&manifest_path), out.clone());
        let (codes_pdf_tmp, codes_manifest_tmp) = (tmp(&codes_pdf_path), tmp(&codes_manifest_path));
        let write = tokio::task::spawn_blocking(move || -> Result<()> {
            write_synced(&pdf_tmp, &letters::render(&pages)?, access)?;
            write_synced(&manifest_tmp, &manifest, access)?;
            if !code_letters.is_empty() {
                write_synced(&codes_pdf_tmp, &letters::render(&code_letters)?, access)?;
                write_synced(&codes_manifest_tmp, &code_manifest, access)?;
            }
            sync_dir(&dir)
        });
        let store = async {
            postal::store_printed(&tx, &numbers, &hashes).await?;
            if !opened.numbers.is_empty() {
                let (ente, operator) = (&session.operator.ente, &session.operator.id);
                postal::open_activations(
                    &tx,
                    &opened.numbers,
                    &opened.pin_hashes,
                    &opened.code_hashes,
                    until,
                    ente,
                    operator,
                )
                .await?;
            }
            Ok::<(), Error>(())
        };
        let (written, stored) = tokio::join!(write, store);
        stored?;
        written.map_err(|e| Error::Internal(crate::msg!("letters-render-failed", detail = e.to_string())))??;
        let (pdf_name, manifest_name) = (pdf_path.display().to_string(), manifest_path.display().to_string());
        let (codes_pdf_name, codes_manifest_name) =
            (codes_pdf_path.display().to_string(), codes_manifest_path.display().to_string());
        let codes = (codes_printed > 0).then_some((codes_pdf_name.as_str(), codes_manifest_name.as_str()));
        postal::insert_batch(
            &tx,
            run.id,
            batch_no,
            &pdf_name,
            &manifest_name,
            numbers.len() as i32,
            codes,
            codes_printed as i32,
        )
        .await?;
        let n = numbers.len() as i64;
        let counts = json!({ "letters": n, "batches": 1, "code_letters": codes_printed,
                             "codes_to_email": opened.emails.len() });
        super::checkpoint(&tx, run.id, batch_no as i64, n, n, &[], &counts).await?;
        tx.commit().await?;
        let mut paths = vec![&pdf_path, &manifest_path];
        if codes_printed > 0 {
            paths.extend([&codes_pdf_path, &codes_manifest_path]);
        }
        for path in paths {
            std::fs::rename(tmp(path), path).map_err(Error::io(crate::msg!("io-rename", path = path)))?;
        }
        postal::mark_published(&client, run.id, batch_no).await?;
        printed += n;
        report.batches += 1;
        report.letters += n as u64;
        report.files.push(pdf_path);
        if codes_printed > 0 {
            report.codes_printed += codes_printed as u64;
            report.files.push(codes_pdf_path);
        }
        // The codes of the citizens with an email, now that they are stored.
        for (r, code) in std::mem::take(&mut opened.emails) {
            if email_code(session, desk, &client, &r, &code, until).await? {
                report.codes_emailed += 1;
            } else {
                report.codes_email_failed += 1;
            }
        }
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
    progress.finish(&crate::tr!("progress-letters", count = printed));
    Ok(report)
}
