//! Loading a registry export (CIA municipal registry or AURA health registry) into its mirror,
//! and pre-loading residents as registrations.
//!
//! Format (README "Registry files"): CSV with a header, `;` or `,` separated, UTF-8 or the
//! encoding given (Windows-1252 for files from Windows programs; see [`crate::batch::input`]).
//! Columns, each there once, named in any case: `fiscal_code, first_name, last_name, birth_date, sex, address,
//! street_number, postcode, municipality, doc_type, doc_number, doc_issued, doc_issuer` (the
//! document columns may be empty, or absent all four), and optionally `death_date`. Places are checked as at the desk
//! ([`crate::store::reference::check_place`]).
//!
//! A row with a death date (implicit revocation, sql/V32) is not a mirror row: in its chunk's
//! transaction, just before the rows, `api.import_deaths` takes the resident out of the mirror,
//! erases their registration as a revocation does and records the death, which no later
//! pre-load passes. A departure (below) is never a death. The citizen whose record a death erased
//! is told at the address it had (crate::notices), once the chunk has committed: a death
//! reported by mistake, or by the author of a forged file, reaches them.
//!
//! A full snapshot removes the residents it does not list, but a rejected row is never a
//! departure: its fiscal code keeps its resident, and a rejected row whose fiscal code cannot
//! be read keeps everyone (nobody can tell whom it lists). A snapshot that would remove more
//! than [`DEFAULT_MAX_REMOVALS_PERCENT`] of the mirror is refused, as rsync's `--max-delete`
//! refuses, unless the operator says how many removals to expect ([`Options::max_removals`]).
//!
//! The file is streamed in chunks, read, validated and encoded on every core ([`rows`]). Each
//! chunk's new or changed rows go to `api.import_chunk` (sql/V35) as array parameters in binary,
//! one per column; the database checks them, merges them into the mirror (plain inserts when the
//! mirror was empty), checkpoints the run with the chunk's rejects and records the chunk, all in
//! one transaction. Several sessions write chunks side by side but commit them in file order, so a
//! run killed at any moment resumes after its last committed chunk. A row equal to the stored
//! one is neither sent nor touched.

mod rows;

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use serde_json::json;
use tokio::sync::oneshot;

pub use self::rows::Municipalities;
use self::rows::{Chunk, DEATH_COLUMN, Reference, StoredDigests, code_text, key16};
use super::{Begin, Progress, Reject, RunKind};
use crate::desk::handover::Desk;
use crate::error::{Error, Result};
use crate::portal::{ErasureKeys, tombstone_hash};
use crate::secrets::SecretKey;
use crate::session::Session;
use crate::store::reference;
use crate::store::reference::check_place;
use crate::store::registry::{self, ChunkReport, Source};

pub use crate::batch::input::Encoding;

/// Residents to pre-load as registrations (SPEC §5 "Pre-loaded residents").
#[derive(Debug, Clone)]
pub struct Preload {
    /// Provinces or municipalities (codes or names) whose residents not yet registered are pre-loaded.
    pub areas: Vec<String>,
    /// The key of the revocation tombstones: citizens who revoked are never pre-loaded again.
    pub key: SecretKey,
}

/// The share of a mirror (per cent, rounded up) a full snapshot may remove without the
/// operator's `--max-removals`. Residents leave a registry by death or emigration at well
/// under 1% a month (Piedmont: about 4.2 million residents, some 60,000 deaths and
/// emigrations a year), so a monthly snapshot stays far below it, while a truncated file, a
/// file of another area or one whose rows are all rejected is well above it.
pub const DEFAULT_MAX_REMOVALS_PERCENT: u64 = 5;

/// How many residents a full snapshot may remove from a mirror of `mirror` residents when
/// the operator does not say.
pub fn default_max_removals(mirror: u64) -> u64 {
    (mirror * DEFAULT_MAX_REMOVALS_PERCENT).div_ceil(100)
}

/// Rows a chunk holds by default (its transaction; the first and the last chunks fewer). A
/// chunk's rows reach the primary key's index sorted, so a larger chunk presumably lands more of
/// them on each index page it visits: on the benchmark's 2 cores, in runs alternated on 300,000
/// rows, 40,000 imported at 1.15–1.29× `\copy` and 20,000 at 1.15–1.17×; 80,000 was slower
/// (too few chunks to overlap). The client's peak memory on that file: 146 MB, 104 MB with 20,000.
pub const DEFAULT_CHUNK_ROWS: u32 = 40_000;

#[derive(Debug, Clone)]
pub struct Options {
    pub encoding: Encoding,
    /// The file is the whole registry: residents missing from it have ceased and are removed.
    pub full_snapshot: bool,
    /// With a full snapshot: the removals the operator expects at most; more are refused.
    /// `None`: [`default_max_removals`] of the mirror. Not part of what identifies the run:
    /// a run refused for its removals is resumed with the number given.
    pub max_removals: Option<u64>,
    /// Residents to pre-load as registrations (import-cia only).
    pub preload: Option<Preload>,
    /// Validate and report, write nothing.
    pub dry_run: bool,
    /// Import even if this very file was imported before.
    pub force: bool,
    pub chunk_size: usize,
    /// Database sessions writing chunks at the same time (in file order of commit).
    pub writers: usize,
    /// The registrations the deaths of the file may revoke at most in this run (`None`: the
    /// database's default share); more stop the run. Like `max_removals`, not part of what
    /// identifies the run: a run stopped by it resumes with the number given.
    pub max_deaths: Option<u64>,
    /// The desk's mailer, sender and office: the citizens whose records a death in the file
    /// erases are told at their registered address ([`crate::notices::Notice::RevokedDeath`]).
    /// Needed for a file with the death column.
    pub notify: Option<Desk>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            encoding: Encoding::UTF8,
            full_snapshot: false,
            max_removals: None,
            preload: None,
            dry_run: false,
            force: false,
            chunk_size: DEFAULT_CHUNK_ROWS as usize,
            writers: 2,
            max_deaths: None,
            notify: None,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// None for a dry run.
    pub run_id: Option<i64>,
    /// The same file was imported completely by this earlier run: nothing was done.
    pub already_done_by: Option<i64>,
    pub resumed: bool,
    pub rows: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub ceased: u64,
    pub preloaded: u64,
    /// Residents of the pre-loaded areas left out because their mirror row fails the check of
    /// places (a postcode not of their municipality, imported before it was checked).
    pub preload_withheld: u64,
    /// The file has the `death_date` column.
    pub death_column: bool,
    /// Deaths the run recorded (in a dry run: rows reporting one), and the registrations they
    /// revoked.
    pub deaths: u64,
    pub deaths_revoked: u64,
    /// A full snapshot removed nobody: some rejected rows have no readable fiscal code (their
    /// lines are in `rejected`).
    pub departures_withheld: bool,
    /// The fiscal codes a full snapshot removed (or, in a dry run, would remove).
    pub departures: Vec<String>,
    pub rejected: Vec<Reject>,
}

impl Report {
    fn from_counts(run_id: i64, counts: &serde_json::Value, rows: i64, rejected: Vec<Reject>) -> Report {
        let n = |k: &str| counts.get(k).and_then(|v| v.as_u64()).unwrap_or(0);
        Report {
            run_id: Some(run_id),
            rows: rows as u64,
            inserted: n("inserted"),
            updated: n("updated"),
            unchanged: n("unchanged"),
            ceased: n("ceased"),
            preloaded: n("preloaded"),
            preload_withheld: n("preload_withheld"),
            deaths: n("deaths"),
            deaths_revoked: n("deaths_revoked"),
            departures_withheld: n("departures_withheld") > 0,
            rejected,
            ..Default::default()
        }
    }
}

/// Fiscal code → content digest of every row of a mirror, read in one pass (the database
/// records the read).
async fn stored_digests(c: &deadpool_postgres::Object, source: Source) -> Result<StoredDigests> {
    let mut out = StoredDigests::default();
    registry::for_each_digest(c, source, None, |code, hash| {
        out.insert(key16(code.as_bytes()), key16(hash));
    })
    .await?;
    Ok(out)
}

/// Imports a registry file into the mirror of `source` (see the module documentation).
pub async fn import(
    session: &Session,
    source: Source,
    path: &Path,
    opts: &Options,
    progress: &dyn Progress,
) -> Result<Report> {
    let kind = match source {
        Source::Cia => RunKind::ImportCia,
        Source::Aura => RunKind::ImportAura,
    };
    let mut client = session.db.client().await?;

    // What to pre-load, checked before anything is written.
    let mut preload_provinces = Vec::new();
    let mut preload_municipalities = Vec::new();
    let areas = opts.preload.as_ref().map(|p| p.areas.as_slice()).unwrap_or_default();
    for area in areas {
        match reference::resolve_province(&client, area).await {
            Ok(p) => preload_provinces.push(p),
            Err(_) => {
                preload_municipalities.push(reference::resolve_municipality(&client, area, None).await?.istat_code)
            }
        }
    }
    if opts.preload.is_some() && source != Source::Cia {
        return Err(Error::Invalid(crate::msg!("preload-cia-only")));
    }

    // The digests of the stored rows are read by the server while the file is read, indexed and
    // checksummed here: the two take about as long, and a re-import of an unchanged file is
    // little else.
    let digests = {
        let c = session.db.client().await?;
        tokio::spawn(async move { stored_digests(&c, source).await })
    };
    let (mut csv, lines) = rows::open(path, opts.encoding)?;
    let death_column = csv.byte_headers().is_ok_and(|h| h.iter().any(|c| c == DEATH_COLUMN.as_bytes()));
    // The dead are erased and recorded by keyed hashes of their fiscal codes: the key is needed
    // before anything is written.
    let death_key = match (death_column && !opts.dry_run, &session.key) {
        (true, None) => return Err(Error::Invalid(crate::msg!("import-death-key-needed", path = path))),
        // Each citizen whose record a death erases is told (a death reported by mistake, or by a
        // forged file, reaches them): the mail settings are needed too.
        (true, Some(_)) if opts.notify.is_none() => {
            return Err(Error::Invalid(crate::msg!("import-death-mail-needed", path = path)));
        }
        (true, Some(key)) => Some(key.clone()),
        (false, _) => None,
    };
    let input = path.display().to_string();
    let options = json!({ "full_snapshot": opts.full_snapshot, "preload": areas, "encoding": opts.encoding.name() });
    // The same file read with other options is another run. The reference data the rows are
    // checked against is read meanwhile: the checksum reads the whole file on one core.
    let (file_checksum, lookups) = tokio::join!(super::checksum_text_file(path, opts.encoding), async {
        let municipalities = Municipalities::new(reference::municipalities(&client, None).await?);
        Ok::<_, Error>(Reference { municipalities, birthplaces: reference::birthplaces(&client).await? })
    });
    let checksum = super::checksum_text(&format!("{}:{options}", file_checksum?));
    let lookups = lookups?;
    let run = if opts.dry_run {
        None
    } else {
        match super::begin(session, kind, &input, &checksum, options, !opts.force).await? {
            Begin::AlreadyDone(done) => {
                // The read, recorded, ends before the run's answer.
                let _ = digests.await;
                return Ok(Report {
                    run_id: Some(done.id),
                    already_done_by: Some(done.id),
                    death_column,
                    ..Default::default()
                });
            }
            Begin::Fresh(run) => Some(run),
        }
    };
    let run_id = run.as_ref().map(|r| r.id);
    let skip = run.as_ref().map(|r| r.position).unwrap_or(0) as u64;
    // A first load into an empty mirror cannot conflict with stored rows (duplicates within the
    // file are refused below), so the database inserts its chunks without the merge. Decided by
    // the database when the run starts, remembered for a resume.
    let initial_load = match &run {
        None => false,
        Some(r) => registry::begin_import(&client, r.id).await?,
    };

    let total_bytes = std::fs::metadata(path).map(|m| m.len()).ok();
    progress.start(&format!("{} {}", source.label(), path.display()), total_bytes, 0);

    // The digests of the stored rows, read once in one pass: unchanged rows are then recognised
    // without touching the database (a re-import of an unchanged file writes nothing). A dry
    // run compares with them too, to report what an import would do.
    // Read (and recorded) whatever the run: a first load compares with nothing.
    let stored =
        digests.await.map_err(|e| Error::Internal(crate::msg!("digests-read-failed", detail = e.to_string())))??;
    let stored = if initial_load { StoredDigests::default() } else { stored };
    let (sender, mut chunks) = tokio::sync::mpsc::channel::<Chunk>(opts.writers + 1);
    let chunk_size = opts.chunk_size;
    let file = path.to_path_buf();
    let reader =
        std::thread::spawn(move || rows::read_chunks(&file, csv, skip, chunk_size, lookups, stored, lines, sender));

    let mut dry = Report { death_column, ..Default::default() };
    // A dry run of a full snapshot tells the departures an import would make.
    let mut dry_seen = rustc_hash::FxHashSet::default();
    if let Some(run) = run_id {
        let job = Arc::new(Writer {
            run,
            // After an initial load nothing can have ceased: the mirror was empty.
            record_seen: opts.full_snapshot && !initial_load,
            death_key,
            max_deaths: opts.max_deaths,
            notify: opts.notify.clone(),
        });
        write_chunks(session, &job, skip as i64, &mut chunks, opts.writers.max(1), progress).await?;
    } else {
        while let Some(chunk) = chunks.recv().await {
            dry.rows += chunk.read;
            dry.inserted += chunk.rows.len() as u64 - chunk.changed;
            dry.updated += chunk.changed;
            dry.unchanged += chunk.unchanged;
            dry.deaths += chunk.dead.len() as u64;
            dry.departures_withheld |= opts.full_snapshot && !chunk.unreadable.is_empty();
            if opts.full_snapshot {
                // The dead leave the mirror as deaths, not as departures.
                dry_seen.extend(chunk.codes.iter().chain(&chunk.kept).chain(&chunk.dead).copied());
            }
            dry.rejected.extend(chunk.bad);
            progress.advance(chunk.bytes);
        }
    }
    let read = reader.join().map_err(|_| Error::Internal(crate::msg!("reader-stopped", path = path)))?;
    // The reader's failure (a file not of its encoding) comes first: it is why the writers stopped.
    read?;
    let Some(run) = run_id else {
        progress.finish(&crate::tr!("progress-dry-run"));
        if opts.full_snapshot && !dry.departures_withheld {
            let mut mirror = 0u64;
            registry::for_each_digest(&client, source, None, |code, _| {
                mirror += 1;
                if !dry_seen.contains(&key16(code.as_bytes())) {
                    dry.departures.push(code.to_string());
                }
            })
            .await?;
            dry.departures.sort_unstable();
            check_removals(source, mirror, dry.departures.len() as u64, opts.max_removals)?;
            dry.ceased = dry.departures.len() as u64;
        }
        return Ok(dry);
    };
    progress.finish(&crate::tr!("progress-file-read"));
    // Ceased residents, pre-loading and the end of the run: one transaction, each step written
    // and recorded by the database (sql/V26).
    let tx = client.transaction().await?;
    let mut departures = Vec::new();
    if opts.full_snapshot && !initial_load {
        let (mirror, leaving, withheld) = registry::count_unseen(&tx, run).await?;
        if !withheld {
            // The operator's clear refusal first; the database refuses it too.
            progress.start(&crate::tr!("progress-removing-missing"), None, 0);
            check_removals(source, mirror, leaving, opts.max_removals)?;
        }
        departures = registry::remove_unseen(&tx, run, opts.max_removals).await?;
        if !withheld {
            progress.finish(&crate::tr!("progress-ceased", count = departures.len()));
        }
    }
    if let Some(p) = &opts.preload {
        progress.start(&crate::tr!("progress-preload", areas = areas.join(", ")), None, 0);
        let places = Municipalities::new(reference::municipalities(&tx, None).await?);
        let (preloaded, _) = preload(&tx, run, &p.key, &places, &preload_provinces, &preload_municipalities).await?;
        progress.finish(&crate::tr!("progress-preloaded", count = preloaded));
    }
    if death_column {
        registry::import_deaths_total(&tx, run).await?;
    }
    registry::finish_import(&tx, run, opts.max_removals).await?;
    let record = super::run_record(&tx, run).await?;
    tx.commit().await?;
    let rejected = super::rejects(&client, run).await?;
    let mut report = Report::from_counts(run, &record.counts, record.rows_read, rejected);
    report.resumed = skip > 0;
    report.departures = departures;
    report.death_column = death_column;
    Ok(report)
}

/// Refuses a full snapshot that would remove more residents than the operator expects (or,
/// without a number, than [`default_max_removals`] of the mirror).
fn check_removals(source: Source, mirror: u64, leaving: u64, max: Option<u64>) -> Result<()> {
    let limit = max.unwrap_or_else(|| default_max_removals(mirror));
    if leaving <= limit {
        return Ok(());
    }
    Err(Error::Refused(match max {
        Some(max) => crate::msg!(
            "snapshot-removals-over-max",
            source = source.label(),
            leaving = leaving,
            mirror = mirror,
            max = max
        ),
        None => crate::msg!(
            "snapshot-removals-over-share",
            source = source.label(),
            leaving = leaving,
            mirror = mirror,
            percent = DEFAULT_MAX_REMOVALS_PERCENT,
            limit = limit
        ),
    }))
}

/// How the chunks of a run are written.
struct Writer {
    run: i64,
    /// Send the fiscal codes seen, for a full snapshot's ceased residents.
    record_seen: bool,
    /// The service key, to name the dead by keyed hashes (a file with the death column).
    death_key: Option<SecretKey>,
    /// The registrations the run's deaths may revoke at most.
    max_deaths: Option<u64>,
    /// Where the notices of the implicit revocations go from.
    notify: Option<Desk>,
}

/// A chunk written: its session back, the bytes of the file it consumed, and whom its deaths
/// erased (to tell once it has committed).
type Written = (deadpool_postgres::Object, u64, Vec<registry::Erased>);

/// Writes the chunks on `writers` database sessions at once. Each chunk is one transaction
/// (rows, rejects, checkpoint, its audit row); the transactions do their work side by side, so
/// that the server's heap and index work runs on several cores, but commit strictly in file
/// order: each takes, first, the lock named by where it ends, one after the other in file
/// order, and the database makes a chunk's checkpoint wait for the lock of the one before (and
/// refuses it if that one did not commit), so the committed part of the file is always a
/// prefix and a resume never skips nor repeats a row.
async fn write_chunks(
    session: &Session,
    job: &Arc<Writer>,
    mut from: i64,
    chunks: &mut tokio::sync::mpsc::Receiver<Chunk>,
    writers: usize,
    progress: &dyn Progress,
) -> Result<()> {
    let mut idle = Vec::with_capacity(writers);
    for _ in 0..writers {
        idle.push(session.db.client().await?);
    }
    /// Chunks being written, oldest first.
    type InFlight = std::collections::VecDeque<tokio::task::JoinHandle<Result<Written>>>;
    let mut in_flight = InFlight::new();
    // Waits for the oldest chunk in flight to commit, tells the citizens its deaths erased, and
    // takes its session back.
    let settle = async |in_flight: &mut InFlight| -> Result<Option<deadpool_postgres::Object>> {
        let Some(task) = in_flight.pop_front() else { return Ok(None) };
        let (client, bytes, told) =
            task.await.map_err(|e| Error::Internal(crate::msg!("chunk-writer-failed", detail = e.to_string())))??;
        if let Some(desk) = &job.notify {
            for erased in &told {
                crate::notices::tell_erased(session, desk, erased, crate::notices::Notice::RevokedDeath).await;
            }
        }
        progress.advance(bytes);
        Ok(Some(client))
    };
    let finish = async {
        while let Some(chunk) = chunks.recv().await {
            if chunk.read == 0 {
                continue;
            }
            let client = match idle.pop() {
                Some(c) => c,
                None => settle(&mut in_flight).await?.expect("every session is in flight"),
            };
            let (locked, is_locked) = oneshot::channel();
            let to = chunk.position as i64;
            in_flight.push_back(tokio::spawn(write_chunk(client, chunk, from, locked, job.clone())));
            // The next chunk starts once this one holds its lock (or has failed: settled below).
            let _ = is_locked.await;
            from = to;
        }
        while settle(&mut in_flight).await?.is_some() {}
        Ok(())
    };
    let result = finish.await;
    // Chunks still in flight after a failure fail too (the one before did not commit): they
    // are waited for, so that no transaction outlives the run.
    for task in in_flight {
        let _ = task.await;
    }
    result
}

/// One chunk in one transaction (see [`write_chunks`]).
async fn write_chunk(
    mut client: deadpool_postgres::Object,
    chunk: Chunk,
    from: i64,
    locked: oneshot::Sender<()>,
    job: Arc<Writer>,
) -> Result<Written> {
    let tx = client.transaction().await?;
    let to = chunk.position as i64;
    registry::lock_chunk(&tx, job.run, to).await?;
    let _ = locked.send(());
    // The deaths first, in the same transaction: a death already recorded, with nothing left to
    // do, is a valid row unchanged.
    let done = match (&job.death_key, chunk.dead.is_empty()) {
        (Some(key), false) => {
            registry::import_deaths(&tx, job.run, from, job.max_deaths, &deaths(key, &chunk.dead)).await?
        }
        _ => registry::DeathsDone::default(),
    };
    // The rejected rows keep their residents too (the rows the server refuses among them: they
    // were sent, so they are in `codes`).
    let seen: Vec<&str> =
        if job.record_seen { chunk.codes.iter().chain(&chunk.kept).map(code_text).collect() } else { Vec::new() };
    let report = ChunkReport {
        from,
        to,
        read: chunk.read as i64,
        ok: chunk.ok() as i64 + done.known,
        rejects: &chunk.bad,
        seen,
        unreadable: !chunk.unreadable.is_empty(),
    };
    registry::write_chunk(&tx, job.run, &chunk.rows, &report).await?;
    tx.commit().await?;
    Ok((client, chunk.bytes, done.told))
}

/// The dead of a chunk with the keyed hashes the database keeps and forgets by.
fn deaths(key: &SecretKey, dead: &[rows::Key16]) -> registry::Deaths {
    let mut out = registry::Deaths::default();
    for code in dead.iter().map(code_text) {
        let keys = ErasureKeys::of(key, code);
        out.codes.push(code.to_string());
        out.tombstones.push(keys.tombstone);
        out.stats_persons.push(keys.stats_person);
        out.helpdesk_hashes.push(keys.helpdesk);
        out.audit_names.push(crate::audit::fiscal_code_target(key, code));
    }
    out
}

/// Pre-loads the residents of some provinces or municipalities who are not registered yet,
/// in the state the domain gives a pre-load, with their PIN letter due by post. Returns how
/// many were pre-loaded, and how many were left out for their place.
///
/// Left out: citizens who revoked their credentials (the tombstones keep only keyed hashes of
/// their fiscal codes, so the candidates' codes are hashed here and compared), and residents
/// whose mirror row has no street or no postcode, or fails the check of places every input path
/// makes ([`check_place`]: a postcode not of their municipality, in a row imported before it
/// was checked), for a PIN letter must never go to an address that does not exist.
pub async fn preload(
    tx: &impl deadpool_postgres::GenericClient,
    run: i64,
    key: &SecretKey,
    places: &Municipalities,
    provinces: &[String],
    municipalities: &[String],
) -> Result<(u64, u64)> {
    use rayon::prelude::*;
    let candidates = registry::preload_candidates(tx, run, provinces, municipalities).await?;
    let misplaced = |c: &registry::Candidate| {
        !c.addressed || places.get(&c.municipality).is_none_or(|m| check_place(m, None, c.postcode.as_deref()).is_err())
    };
    let withheld = candidates.par_iter().filter(|c| misplaced(c)).count() as u64;
    // Each with the keyed hash of its fiscal code: the database leaves out those a revocation's
    // tombstone names (it keeps only those hashes).
    let (codes, hashes): (Vec<String>, Vec<Vec<u8>>) = candidates
        .into_par_iter()
        .filter(|c| !misplaced(c))
        .map(|c| {
            let hash = tombstone_hash(key, &c.fiscal_code);
            (c.fiscal_code, hash)
        })
        .unzip();
    let preloaded = registry::preload(tx, run, provinces, municipalities, &codes, &hashes, withheld).await?;
    Ok((preloaded, withheld))
}
