//! Loading a registry export (CIA municipal registry or AURA health registry) into its mirror,
//! and pre-loading residents as registrations.
//!
//! Format (README "Registry files"): CSV with a header, `;` or `,` separated, UTF-8 (or
//! Latin-1 for legacy files). Columns: `fiscal_code, first_name, last_name, birth_date, sex,
//! address, street_number, postcode, municipality, doc_type, doc_number, doc_issued,
//! doc_issuer` (the document columns may be empty).
//!
//! The file is streamed in chunks, read and validated on every core ([`rows`]). Each chunk is
//! copied (binary COPY) into a staging table and merged into the mirror — or, when the mirror
//! was empty, copied straight into it — in one transaction together with the run's checkpoint
//! and the chunk's rejects. Several sessions write chunks side by side but commit them in file
//! order, so a run killed at any moment resumes after its last committed chunk. A row equal to
//! the stored one is neither sent nor touched.

mod rows;

use std::path::Path;
use std::sync::Arc;

use rustc_hash::FxHashSet;
use serde::Serialize;
use serde_json::json;
use tokio::sync::oneshot;

use self::rows::{Chunk, Municipalities, Reference, StoredDigests, code_text, key16};
use super::{Begin, Progress, Reject, RunKind};
use crate::audit::{Entry, Target};
use crate::domain::{Vocabulary, transitions};
use crate::error::{Error, Result};
use crate::portal::tombstone_hash;
use crate::secrets::SecretKey;
use crate::session::Session;
use crate::store::registry::{self, ChunkWriter, Source};
use crate::store::{reference, revocations, runs};

/// Text encoding of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Latin1,
}

impl Vocabulary for Encoding {
    fn all() -> &'static [Encoding] {
        &[Encoding::Utf8, Encoding::Latin1]
    }

    fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Latin1 => "latin-1",
        }
    }
}

impl std::fmt::Display for Encoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Residents to pre-load as registrations (SPEC §5 "Pre-loaded residents").
#[derive(Debug, Clone)]
pub struct Preload {
    /// Provinces or municipalities (codes or names) whose residents not yet registered are pre-loaded.
    pub areas: Vec<String>,
    /// The key of the revocation tombstones: citizens who revoked are never pre-loaded again.
    pub key: SecretKey,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub encoding: Encoding,
    /// The file is the whole registry: residents missing from it have ceased and are removed.
    pub full_snapshot: bool,
    /// Residents to pre-load as registrations (import-cia only).
    pub preload: Option<Preload>,
    /// Validate and report, write nothing.
    pub dry_run: bool,
    /// Import even if this very file was imported before.
    pub force: bool,
    pub chunk_size: usize,
    /// Database sessions writing chunks at the same time (in file order of commit).
    pub writers: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            encoding: Encoding::Utf8,
            full_snapshot: false,
            preload: None,
            dry_run: false,
            force: false,
            chunk_size: 20_000,
            writers: 2,
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
            rejected,
            ..Default::default()
        }
    }
}

/// Fiscal code → content digest of every row of a mirror, read in one pass.
async fn stored_digests(c: &deadpool_postgres::Object, source: Source) -> Result<StoredDigests> {
    let mut out = StoredDigests::default();
    registry::for_each_digest(c, source, |code, hash| {
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
    let (csv, lines) = rows::open(path, opts.encoding)?;
    let input = path.display().to_string();
    let options =
        json!({ "full_snapshot": opts.full_snapshot, "preload": areas, "encoding": format!("{:?}", opts.encoding) });
    // The same file read with other options is another run.
    let checksum = super::checksum_text(&format!("{}:{options}", super::checksum_file(path).await?));
    let run = if opts.dry_run {
        None
    } else {
        match super::begin(session, kind, &input, &checksum, options, !opts.force).await? {
            Begin::AlreadyDone(done) => {
                digests.abort();
                return Ok(Report { run_id: Some(done.id), already_done_by: Some(done.id), ..Default::default() });
            }
            Begin::Fresh(run) => Some(run),
        }
    };
    let run_id = run.as_ref().map(|r| r.id);
    let skip = run.as_ref().map(|r| r.position).unwrap_or(0) as u64;
    // A first load into an empty mirror cannot conflict with stored rows (duplicates within the
    // file are refused below), so its chunks are copied straight into the mirror, without the
    // staging table and the merge. Decided when the run starts, remembered for a resume.
    let initial_load = match &run {
        None => false,
        Some(r) if r.resumed => runs::flag(&client, r.id, "initial_load").await?,
        Some(r) => {
            let empty = registry::is_empty(&client, source).await?;
            runs::set_flag(&client, r.id, "initial_load", empty).await?;
            empty
        }
    };

    let municipalities: Municipalities = reference::municipality_codes(&client)
        .await?
        .into_iter()
        .flat_map(|(istat, belfiore)| [(istat.clone(), istat.clone()), (belfiore, istat)])
        .collect();
    let lookups = Reference { municipalities, birthplaces: reference::birthplaces(&client).await? };
    let total_bytes = std::fs::metadata(path).map(|m| m.len()).ok();
    progress.start(&format!("{} {}", source.label(), path.display()), total_bytes, 0);

    // The digests of the stored rows, read once in one pass: unchanged rows are then recognised
    // without touching the database (a re-import of an unchanged file writes nothing). A dry
    // run compares with them too, to report what an import would do.
    let stored = if initial_load {
        digests.abort();
        StoredDigests::default()
    } else {
        digests.await.map_err(|e| Error::Internal(crate::msg!("digests-read-failed", detail = e.to_string())))??
    };
    let (sender, mut chunks) = tokio::sync::mpsc::channel::<Chunk>(opts.writers + 1);
    let (chunk_size, encoding) = (opts.chunk_size, opts.encoding);
    let reader =
        std::thread::spawn(move || rows::read_chunks(csv, skip, chunk_size, encoding, lookups, stored, lines, sender));

    let mut dry = Report::default();
    if let Some(run) = run_id {
        let job = Arc::new(Writer {
            run,
            chunks: ChunkWriter::new(source, initial_load),
            // After an initial load nothing can have ceased: the mirror was empty.
            record_seen: opts.full_snapshot && !initial_load,
        });
        write_chunks(session, &job, &mut chunks, opts.writers.max(1), progress).await?;
    } else {
        while let Some(chunk) = chunks.recv().await {
            dry.rows += chunk.read;
            dry.inserted += chunk.copy.tuples() - chunk.changed;
            dry.updated += chunk.changed;
            dry.unchanged += chunk.unchanged;
            dry.rejected.extend(chunk.bad);
            progress.advance(chunk.bytes);
        }
    }
    reader.join().map_err(|_| Error::Internal(crate::msg!("reader-stopped", path = path)))??;

    let Some(run) = run_id else {
        progress.finish(&crate::tr!("progress-dry-run"));
        return Ok(dry);
    };
    progress.finish(&crate::tr!("progress-file-read"));
    // Ceased residents, pre-loading and the end of the run: one transaction.
    let tx = client.transaction().await?;
    let mut counts = json!({});
    if opts.full_snapshot && !initial_load {
        progress.start(&crate::tr!("progress-removing-missing"), None, 0);
        let ceased = registry::remove_unseen(&tx, source, run).await?;
        progress.finish(&crate::tr!("progress-ceased", count = ceased));
        counts["ceased"] = json!(ceased);
    }
    if let Some(p) = &opts.preload {
        progress.start(&crate::tr!("progress-preload", areas = areas.join(", ")), None, 0);
        let preloaded = preload(&tx, session, &p.key, &preload_provinces, &preload_municipalities).await?;
        progress.finish(&crate::tr!("progress-preloaded", count = preloaded));
        counts["preloaded"] = json!(preloaded);
    }
    let position = runs::position(&tx, run).await?;
    super::checkpoint(&tx, run, position, 0, 0, &[], &counts).await?;
    super::finish(&tx, run).await?;
    let record = super::run_record(&tx, run).await?;
    let details =
        json!({ "run": run, "counts": record.counts, "rows": record.rows_read, "rejected": record.rows_rejected });
    let entry = Entry::new(kind.into(), Target::Input(input)).details(details).count(record.rows_read as usize);
    session.record(&tx, entry).await?;
    tx.commit().await?;
    let rejected = super::rejects(&client, run).await?;
    let mut report = Report::from_counts(run, &record.counts, record.rows_read, rejected);
    report.resumed = skip > 0;
    Ok(report)
}

/// How the chunks of a run are written.
struct Writer {
    run: i64,
    /// COPY into the staging table and merge, or straight into the mirror on an initial load.
    chunks: ChunkWriter,
    /// Record the fiscal codes seen, for a full snapshot's ceased residents.
    record_seen: bool,
}

/// Writes the chunks on `writers` database sessions at once. Each chunk is one transaction
/// (rows, rejects, checkpoint); the transactions do their work side by side, so that the
/// server's heap and index work runs on several cores, but commit strictly in file order: a
/// chunk's checkpoint waits for the commit of the one before, so the committed part of the
/// file is always a prefix and a resume never skips nor repeats a row.
async fn write_chunks(
    session: &Session,
    job: &Arc<Writer>,
    chunks: &mut tokio::sync::mpsc::Receiver<Chunk>,
    writers: usize,
    progress: &dyn Progress,
) -> Result<()> {
    let mut idle = Vec::with_capacity(writers);
    for _ in 0..writers {
        idle.push(session.db.client().await?);
    }
    /// Chunks being written, oldest first; each gives back its session and file position.
    type InFlight = std::collections::VecDeque<tokio::task::JoinHandle<Result<(deadpool_postgres::Object, u64)>>>;
    let mut in_flight = InFlight::new();
    let mut previous: Option<oneshot::Receiver<()>> = None;
    // Waits for the oldest chunk in flight to commit, and takes its session back.
    async fn settle(in_flight: &mut InFlight, progress: &dyn Progress) -> Result<Option<deadpool_postgres::Object>> {
        let Some(task) = in_flight.pop_front() else { return Ok(None) };
        let (client, bytes) =
            task.await.map_err(|e| Error::Internal(crate::msg!("chunk-writer-failed", detail = e.to_string())))??;
        progress.advance(bytes);
        Ok(Some(client))
    }
    while let Some(chunk) = chunks.recv().await {
        if chunk.read == 0 {
            continue;
        }
        let client = match idle.pop() {
            Some(c) => c,
            None => settle(&mut in_flight, progress).await?.expect("every session is in flight"),
        };
        let (committed, next) = oneshot::channel();
        let after = previous.replace(next);
        in_flight.push_back(tokio::spawn(write_chunk(client, chunk, after, committed, job.clone())));
    }
    while settle(&mut in_flight, progress).await?.is_some() {}
    Ok(())
}

/// One chunk in one transaction; commits after `after` has (see [`write_chunks`]).
async fn write_chunk(
    mut client: deadpool_postgres::Object,
    mut chunk: Chunk,
    after: Option<oneshot::Receiver<()>>,
    committed: oneshot::Sender<()>,
    job: Arc<Writer>,
) -> Result<(deadpool_postgres::Object, u64)> {
    let mut tx = client.transaction().await?;
    let new_or_changed = chunk.copy.tuples() as i64;
    let (mut inserted, mut updated) = (0i64, 0i64);
    if new_or_changed > 0 {
        let copy = std::mem::take(&mut chunk.copy);
        let refused;
        ((inserted, updated), refused) = job.chunks.write_or_isolate(&mut tx, copy.finish(), new_or_changed).await?;
        // A row the server refused is rejected like any other bad row; the rest of the chunk stays.
        let mut gone = FxHashSet::default();
        for (i, reason) in refused {
            let (code, line) = chunk.sent[i];
            gone.insert(code);
            chunk.bad.push(Reject::new(line, "", code_text(&code), format!("refused by the database: {reason}")));
        }
        if !gone.is_empty() {
            chunk.codes.retain(|c| !gone.contains(c));
            chunk.bad.sort_by_key(|r| r.line);
        }
    }
    let ok = chunk.ok() as i64;
    if job.record_seen {
        let codes: Vec<&str> = chunk.codes.iter().map(code_text).collect();
        registry::record_seen(&tx, job.run, &codes).await?;
    }
    if let Some(after) = after {
        after.await.map_err(|_| Error::Internal(crate::msg!("chunk-earlier-failed")))?;
    }
    let counts = json!({ "inserted": inserted, "updated": updated, "unchanged": ok - inserted - updated });
    super::checkpoint(&tx, job.run, chunk.position as i64, chunk.read as i64, ok, &chunk.bad, &counts).await?;
    tx.commit().await?;
    let _ = committed.send(());
    Ok((client, chunk.bytes))
}

/// Pre-loads the residents of some provinces or municipalities who are not registered yet,
/// in the state the domain gives a pre-load, with their PIN letter due by post.
/// Citizens who revoked their credentials are left out: the tombstones keep only keyed hashes
/// of their fiscal codes, so the candidates' codes are hashed here and compared.
pub async fn preload(
    tx: &impl deadpool_postgres::GenericClient,
    session: &Session,
    key: &SecretKey,
    provinces: &[String],
    municipalities: &[String],
) -> Result<u64> {
    let tombstones: FxHashSet<Vec<u8>> = revocations::tombstones(tx).await?.into_iter().collect();
    let revoked: Vec<String> = if tombstones.is_empty() {
        Vec::new()
    } else {
        use rayon::prelude::*;
        let candidates = registry::preload_candidates(tx, provinces, municipalities).await?;
        candidates.into_par_iter().filter(|code| tombstones.contains(&tombstone_hash(key, code))).collect()
    };
    let (state, strong) = transitions::preloaded();
    registry::preload(tx, provinces, municipalities, &revoked, state, strong, &session.operator.id).await
}
