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
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Utc;
use serde::Serialize;
use serde_json::json;

use super::{Begin, Progress, RunKind};
use crate::audit::{AuditEvent, Entry, Outcome, Target};
use crate::desk::handover::Desk;
use crate::domain::Registration;
use crate::domain::transitions::PostalLetter;
use crate::error::{Error, Result};
use crate::files::Access;
use crate::letters;
use crate::mail;
use crate::secrets::{self, CodeKind, Purpose, Secret};
use crate::session::Session;
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
    /// Letters taken out of the queue and not printed: the postal rule
    /// ([`crate::domain::transitions::postal_letter`]) no longer allowed them (a desk booking, a revocation).
    pub withheld: u64,
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

/// Finishes or discards what an interrupted attempt of this run left behind: the `unpublished`
/// batches (committed, their files not renamed yet) and temporary files of the others.
async fn recover(
    client: &deadpool_postgres::Object,
    run: i64,
    out: &Path,
    unpublished: Vec<(i32, Vec<String>)>,
    report: &mut Report,
) -> Result<()> {
    for (batch, files) in unpublished {
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
        postal::mark_published(client, run, batch).await?;
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

/// The columns of a batch manifest (PIN letters, and apart the activation-code letters).
const MANIFEST_HEADER: [&str; 6] = ["page", "registration_number", "fiscal_code", "recipient", "address", "file"];

/// One line of a batch manifest, its cells neutralised (crate::safe_csv).
fn manifest_line(
    w: &mut crate::safe_csv::Writer<Vec<u8>>,
    page: usize,
    r: &Registration,
    address: &[String],
    file: &str,
) -> Result<()> {
    let cells = [
        page.to_string(),
        r.registration_number.to_string(),
        r.fiscal_code.to_string(),
        address[0].clone(),
        address[1..].join(", "),
        file.to_string(),
    ];
    w.write_record(&cells).map_err(|e| Error::Internal(crate::msg!("manifest-failed", detail = e.to_string())))
}

fn manifest() -> Result<crate::safe_csv::Writer<Vec<u8>>> {
    let mut w = crate::safe_csv::Writer::from_writer(Vec::new());
    w.write_headers(MANIFEST_HEADER)
        .map_err(|e| Error::Internal(crate::msg!("manifest-failed", detail = e.to_string())))?;
    Ok(w)
}

/// What the database stores for a batch, drawn before its letters are rendered: the PINs'
/// hashes, and the weak activations it opens (their registrations, PINs' and codes' hashes, the
/// codes to email once committed).
#[derive(Default)]
struct Drawn {
    pin_hashes: Vec<Vec<u8>>,
    opened_numbers: Vec<i64>,
    opened_pin_hashes: Vec<Vec<u8>>,
    code_hashes: Vec<Vec<u8>>,
    emails: Vec<(Registration, Secret)>,
    code_letters: usize,
}

/// The files of one batch: final names (and `.tmp` while uncommitted).
struct BatchFiles {
    pdf: PathBuf,
    manifest: PathBuf,
    codes_pdf: PathBuf,
    codes_manifest: PathBuf,
}

impl BatchFiles {
    fn new(out: &Path, run: i64, batch: i32) -> BatchFiles {
        let (pdf, manifest) = names(out, run, batch);
        let (codes_pdf, codes_manifest) = code_names(out, run, batch);
        BatchFiles { pdf, manifest, codes_pdf, codes_manifest }
    }

    fn all(&self) -> [&PathBuf; 4] {
        [&self.pdf, &self.manifest, &self.codes_pdf, &self.codes_manifest]
    }
}

/// Draws the PINs (and codes) of a batch and lays out its letters and manifests, then hands
/// the secrets' hashes to the database side (`drawn`) and renders and writes the files under
/// their temporary names, fsynced. Runs on a blocking thread (the layout on every core).
#[allow(clippy::too_many_arguments)]
fn draw_and_write(
    key: &crate::secrets::SecretKey,
    office: &letters::Office,
    due: Vec<(Registration, PostalLetter)>,
    today: chrono::NaiveDate,
    until: chrono::DateTime<Utc>,
    files: &BatchFiles,
    access: Access,
    drawn: tokio::sync::oneshot::Sender<Drawn>,
) -> Result<()> {
    let name = |p: &Path| p.file_name().unwrap_or_default().to_string_lossy().into_owned();
    let (file_name, codes_file_name) = (name(&files.pdf), name(&files.codes_pdf));
    let mut pages = Vec::with_capacity(due.len());
    let mut d = Drawn { pin_hashes: Vec::with_capacity(due.len()), ..Default::default() };
    let mut pin_manifest = manifest()?;
    let mut code_manifest = manifest()?;
    let mut code_letters = Vec::new();
    for (i, (r, what)) in due.iter().enumerate() {
        let pin = secrets::new_pin()?;
        let pin_hash = key.hash(Purpose::Pin, &r.fiscal_code, &pin);
        let address = letters::postal_address(r);
        manifest_line(&mut pin_manifest, i + 1, r, &address, &file_name)?;
        let used = match what {
            PostalLetter::OpensActivation => letters::PinUse::NewCredentials,
            PostalLetter::ReplacesPin => letters::PinUse::ReplacesPin,
        };
        pages.push(letters::pin_letter(office, r, &pin, used, today, true));
        if *what == PostalLetter::OpensActivation {
            let code = secrets::new_code()?;
            d.opened_numbers.push(r.registration_number);
            d.opened_pin_hashes.push(pin_hash.clone());
            d.code_hashes.push(key.hash(Purpose::Activation, &r.fiscal_code, &code));
            if r.data.contacts.email.is_some() {
                d.emails.push((r.clone(), code));
            } else {
                manifest_line(&mut code_manifest, code_letters.len() + 1, r, &address, &codes_file_name)?;
                let mut letter = letters::code_letter(office, CodeKind::Activation, r, &code, until, today);
                letter.address = Some(address);
                code_letters.push(letter);
            }
        }
        d.pin_hashes.push(pin_hash);
    }
    d.code_letters = code_letters.len();
    // The database stores the hashes while the letters render; they become durable only when
    // the batch commits, after these files are on disk.
    if drawn.send(d).is_err() {
        return Ok(()); // the run stopped: nothing to write
    }
    let done = |w: crate::safe_csv::Writer<Vec<u8>>| {
        w.into_inner().map_err(|e| Error::Internal(crate::msg!("manifest-failed", detail = e.to_string())))
    };
    write_synced(&tmp(&files.pdf), &letters::render(&pages)?, access)?;
    write_synced(&tmp(&files.manifest), &done(pin_manifest)?, access)?;
    if !code_letters.is_empty() {
        write_synced(&tmp(&files.codes_pdf), &letters::render(&code_letters)?, access)?;
        write_synced(&tmp(&files.codes_manifest), &done(code_manifest)?, access)?;
    }
    let dir = files.pdf.parent().unwrap_or(Path::new("."));
    sync_dir(dir)
}

/// A transaction on a connection of its own, so that two batches can be open at once. A
/// connection dropped with its transaction still open leaves the pool and is closed (the
/// server rolls the transaction back), never handed to another user mid-transaction.
struct OpenTx(Option<deadpool_postgres::Object>);

impl OpenTx {
    async fn begin(session: &Session) -> Result<OpenTx> {
        let client = session.db.client().await?;
        client.batch_execute("BEGIN").await?;
        Ok(OpenTx(Some(client)))
    }

    fn client(&self) -> &deadpool_postgres::Object {
        self.0.as_ref().expect("open until committed or dropped")
    }

    async fn end(mut self, statement: &str) -> Result<deadpool_postgres::Object> {
        let client = self.0.take().expect("open until committed or dropped");
        match client.batch_execute(statement).await {
            Ok(()) => Ok(client),
            Err(e) => {
                drop(deadpool_postgres::Object::take(client));
                Err(e.into())
            }
        }
    }
}

impl Drop for OpenTx {
    fn drop(&mut self) {
        if let Some(client) = self.0.take() {
            drop(deadpool_postgres::Object::take(client));
        }
    }
}

/// A batch taken from the queue in its open transaction, its secrets drawn (to be stored), its
/// files being written.
struct InFlight {
    tx: OpenTx,
    batch_no: i32,
    numbers: Vec<i64>,
    /// Letters taken out of the queue but withheld by the postal rule.
    withheld: u64,
    drawn: Drawn,
    files: BatchFiles,
    write: tokio::task::JoinHandle<Result<()>>,
}

impl InFlight {
    /// Stops an uncommitted batch: its transaction rolls back (its PINs were never stored) and
    /// its temporary files go once written.
    async fn abort(self) {
        let InFlight { tx, files, write, .. } = self;
        drop(tx);
        let _ = write.await;
        for path in files.all() {
            let _ = std::fs::remove_file(tmp(path));
        }
    }
}

/// What every batch of a run shares.
struct Ctx<'a> {
    session: &'a Session,
    desk: &'a Desk,
    province: Option<&'a str>,
    run: i64,
    out: &'a Path,
    access: Access,
    today: chrono::NaiveDate,
    until: chrono::DateTime<Utc>,
    /// Letters withheld by the postal rule in transactions that printed nothing.
    withheld: AtomicU64,
}

/// Takes up to `room` letters due as batch `batch_no` (none: `None`), draws their secrets and
/// starts writing their files.
async fn prepare(ctx: &Ctx<'_>, batch_no: i32, room: i64) -> Result<Option<InFlight>> {
    let tx = OpenTx::begin(ctx.session).await?;
    let mut withheld = 0;
    // The database asks the postal rule of each letter taken, under its registration's lock: a
    // desk booking, a revocation or an erasure since the letter was queued withholds it.
    loop {
        let taken = postal::take(tx.client(), ctx.run, ctx.province, room).await?;
        if taken.is_empty() {
            // The queue is empty; letters withheld on the way leave it all the same.
            drop(tx.end(if withheld > 0 { "COMMIT" } else { "ROLLBACK" }).await?);
            ctx.withheld.fetch_add(withheld, Ordering::Relaxed);
            return Ok(None);
        }
        let going = taken.iter().filter(|(_, letter)| letter.is_some()).count();
        withheld += (taken.len() - going) as u64;
        if going > 0 {
            break;
        }
    }
    let due = postal::letters(tx.client(), ctx.run).await?;
    let numbers: Vec<i64> = due.iter().map(|(r, _)| r.registration_number).collect();
    let (drawn_tx, drawn_rx) = tokio::sync::oneshot::channel();
    let write = {
        let (key, files, access) = (ctx.desk.key.clone(), BatchFiles::new(ctx.out, ctx.run, batch_no), ctx.access);
        let office = ctx.desk.office.clone();
        let (today, until) = (ctx.today, ctx.until);
        tokio::task::spawn_blocking(move || draw_and_write(&key, &office, due, today, until, &files, access, drawn_tx))
    };
    let mut batch = InFlight {
        tx,
        batch_no,
        numbers,
        withheld,
        drawn: Drawn::default(),
        files: BatchFiles::new(ctx.out, ctx.run, batch_no),
        write,
    };
    let Ok(drawn) = drawn_rx.await else {
        // Drawing failed: the writer's own error says why.
        let e = match (&mut batch.write).await {
            Ok(Err(e)) => e,
            Ok(Ok(())) => {
                Error::Internal(crate::msg!("letters-render-failed", detail = "the letters of a batch were not drawn"))
            }
            Err(e) => Error::Internal(crate::msg!("letters-render-failed", detail = e.to_string())),
        };
        batch.abort().await;
        return Err(e);
    };
    batch.drawn = drawn;
    Ok(Some(batch))
}

/// Finishes a batch: stores its secrets' hashes while its files are written; once they are on
/// disk, records it and its checkpoint and commits, then gives the files their names and emails
/// the codes it stored. Batches are finished one after the other: the statistics rows that
/// every batch adds to are never waited for.
async fn finish(ctx: &Ctx<'_>, batch: InFlight, report: &mut Report) -> Result<()> {
    let InFlight { tx, batch_no, numbers, withheld, drawn, files, write } = batch;
    let n = numbers.len() as i64;
    let opened = drawn.opened_numbers;
    let (emails, code_letters) = (drawn.emails, drawn.code_letters);
    let (pdf_name, manifest_name) = (files.pdf.display().to_string(), files.manifest.display().to_string());
    let (codes_pdf_name, codes_manifest_name) =
        (files.codes_pdf.display().to_string(), files.codes_manifest.display().to_string());
    // Stored while the files are written; committed once they are on disk. The database checks
    // the batch is the letters this transaction took, stores the hashes, opens the activations,
    // checkpoints the run and records the batch (`postal-batch`, naming every registration).
    let batch = postal::Batch {
        run: ctx.run,
        batch: batch_no,
        numbers: &numbers,
        pin_hashes: &drawn.pin_hashes,
        opened: &opened,
        code_hashes: &drawn.code_hashes,
        expires: (!opened.is_empty()).then_some(ctx.until),
        pdf: &pdf_name,
        manifest: &manifest_name,
        codes: (code_letters > 0).then_some((codes_pdf_name.as_str(), codes_manifest_name.as_str())),
        code_letters: code_letters as i32,
        codes_to_email: emails.len() as i32,
        withheld: withheld as i64,
    };
    let store = postal::store_batch(tx.client(), &batch);
    let write = async {
        write
            .await
            .map_err(|e| Error::Internal(crate::msg!("letters-render-failed", detail = e.to_string())))
            .and_then(|r| r)
    };
    let (stored, written) = tokio::join!(store, write);
    if let Err(e) = written.and(stored) {
        drop(tx);
        for path in files.all() {
            let _ = std::fs::remove_file(tmp(path));
        }
        return Err(e);
    }
    let client = tx.end("COMMIT").await?;
    let mut paths = vec![&files.pdf, &files.manifest];
    if code_letters > 0 {
        paths.extend([&files.codes_pdf, &files.codes_manifest]);
    }
    for path in paths {
        std::fs::rename(tmp(path), path).map_err(Error::io(crate::msg!("io-rename", path = path)))?;
    }
    postal::mark_published(&client, ctx.run, batch_no).await?;
    report.batches += 1;
    report.letters += n as u64;
    report.withheld += withheld;
    report.files.push(files.pdf.clone());
    if code_letters > 0 {
        report.codes_printed += code_letters as u64;
        report.files.push(files.codes_pdf.clone());
    }
    // The codes of the citizens with an email, now that they are stored.
    for (r, code) in emails {
        if email_code(ctx.session, ctx.desk, &client, &r, &code, ctx.until).await? {
            report.codes_emailed += 1;
        } else {
            report.codes_email_failed += 1;
        }
    }
    Ok(())
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
    let client = session.db.client().await?;
    let (mut printed, mut batch_no, unpublished) = postal::progress(&client, run.id).await?;
    recover(&client, run.id, &out, unpublished, &mut report).await?;
    let due = postal::due(&client, province.as_deref()).await?;
    let total = opts.limit.map(|l| (l - printed).max(0).min(due)).unwrap_or(due) + printed;
    progress.start(&crate::tr!("progress-pin-letters"), Some(total as u64), printed as u64);
    let ctx = Ctx {
        session,
        desk,
        province: province.as_deref(),
        run: run.id,
        out: &out,
        access,
        today: Utc::now().date_naive(),
        until: desk.expiry(),
        withheld: AtomicU64::new(0),
    };

    // Two batches in flight: while one renders, is written, stores its secrets' hashes and
    // commits, the next is taken and its secrets drawn, in a transaction of its own. They commit
    // in order (a batch is finished only after the one before it), so what is committed is
    // always a run's first batches; the queue rows of the batch in flight are locked, and the
    // next one skips them.
    let mut pending: Option<InFlight> = None;
    let mut taken = printed;
    let mut exhausted = false;
    loop {
        let room = opts.limit.map(|l| l - taken).unwrap_or(i64::MAX).min(opts.batch_size as i64);
        let start = !exhausted && room > 0;
        let current = pending.take();
        if current.is_none() && !start {
            break;
        }
        let (finished, next) = tokio::join!(
            async {
                match current {
                    Some(batch) => {
                        let n = batch.numbers.len() as i64;
                        finish(&ctx, batch, &mut report).await.map(|()| n)
                    }
                    None => Ok(0),
                }
            },
            async { if start { prepare(&ctx, batch_no + 1, room).await } else { Ok(None) } }
        );
        match (finished, next) {
            (Ok(n), Ok(next)) => {
                if n > 0 {
                    printed += n;
                    progress.advance(printed as u64);
                }
                match &next {
                    Some(batch) => {
                        batch_no = batch.batch_no;
                        taken += batch.numbers.len() as i64;
                    }
                    None => exhausted = true,
                }
                pending = next;
            }
            (Err(e), Ok(Some(next))) => {
                next.abort().await;
                return Err(e);
            }
            (Err(e), _) | (Ok(_), Err(e)) => return Err(e),
        }
    }

    // The database ends the run and records it (`postal-run`).
    postal::finish(&client, run.id).await?;
    report.withheld += ctx.withheld.load(Ordering::Relaxed);
    progress.finish(&crate::tr!("progress-letters", count = printed));
    Ok(report)
}
