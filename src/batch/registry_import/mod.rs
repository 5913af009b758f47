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

use futures_util::{SinkExt, pin_mut};
use rustc_hash::FxHashSet;
use serde::Serialize;
use serde_json::json;
use tokio::sync::oneshot;

use self::rows::{COPY_COLUMNS, Chunk, Municipalities, StoredDigests, code_text, key16};
use super::{Begin, Progress, Reject};
use crate::citizen::tombstone_hash;
use crate::error::{Error, Result};
use crate::secrets::SecretKey;
use crate::session::Session;
use crate::store::{reference, registry::Source};

/// Text encoding of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Encoding {
    #[value(name = "utf-8")]
    Utf8,
    #[value(name = "latin-1")]
    Latin1,
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

const STAGING: &str = "CREATE TEMP TABLE IF NOT EXISTS registry_staging (
    fiscal_code text, first_name text, last_name text, birth_date date, sex text, res_address text,
    res_street_number text, res_postcode text, res_municipality text, doc_type text, doc_number text,
    doc_issued date, doc_issuer text, row_hash bytea) ON COMMIT DELETE ROWS";
/// Merges the staging table (rows known to be new or changed) into the mirror; returns
/// (inserted, updated).
fn merge_sql(table: &str) -> String {
    format!(
        "WITH m AS (
            INSERT INTO {table} AS t ({COPY_COLUMNS})
            SELECT * FROM registry_staging
            ON CONFLICT (fiscal_code) DO UPDATE SET
                first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, birth_date = EXCLUDED.birth_date,
                sex = EXCLUDED.sex, res_address = EXCLUDED.res_address, res_street_number = EXCLUDED.res_street_number,
                res_postcode = EXCLUDED.res_postcode, res_municipality = EXCLUDED.res_municipality,
                doc_type = EXCLUDED.doc_type, doc_number = EXCLUDED.doc_number, doc_issued = EXCLUDED.doc_issued,
                doc_issuer = EXCLUDED.doc_issuer, row_hash = EXCLUDED.row_hash, updated_at = now()
            WHERE t.row_hash IS DISTINCT FROM EXCLUDED.row_hash
            RETURNING (xmax = 0) AS inserted)
         SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM m"
    )
}

/// Fiscal code → content digest of every row of a mirror, streamed in one pass.
async fn stored_digests(c: &deadpool_postgres::Object, table: &str) -> Result<StoredDigests> {
    use futures_util::TryStreamExt;
    let rows = c.query_raw(&format!("SELECT fiscal_code, row_hash FROM {table}"), std::iter::empty::<&str>()).await?;
    pin_mut!(rows);
    let mut out = StoredDigests::default();
    while let Some(row) = rows.try_next().await? {
        let code: &str = row.get(0);
        let hash: Option<&[u8]> = row.get(1);
        if let Some(h) = hash {
            out.insert(key16(code.as_bytes()), key16(h));
        }
    }
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
    let kind = format!(
        "import-{}",
        match source {
            Source::Cia => "cia",
            Source::Aura => "aura",
        }
    );
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
        return Err(Error::Invalid("--preload works from the municipal registry (import-cia)".into()));
    }

    let csv = rows::open(path, opts.encoding)?;
    let input = path.display().to_string();
    let options =
        json!({ "full_snapshot": opts.full_snapshot, "preload": areas, "encoding": format!("{:?}", opts.encoding) });
    // The same file read with other options is another run.
    let checksum = super::checksum_text(&format!("{}:{options}", super::checksum_file(path)?));
    let run = if opts.dry_run {
        None
    } else {
        match super::begin(session, &kind, &input, &checksum, options, !opts.force).await? {
            Begin::AlreadyDone(done) => {
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
        Some(r) if r.resumed => client
            .query_one(
                "SELECT coalesce((options->>'initial_load')::boolean, false) FROM batch_runs WHERE id = $1",
                &[&r.id],
            )
            .await?
            .get(0),
        Some(r) => {
            let empty: bool =
                client.query_one(&format!("SELECT NOT EXISTS (SELECT 1 FROM {})", source.table()), &[]).await?.get(0);
            client
                .execute("UPDATE batch_runs SET options = options || jsonb_build_object('initial_load', $2::boolean) WHERE id = $1", &[&r.id, &empty])
                .await?;
            empty
        }
    };

    let municipalities: Municipalities = client
        .query("SELECT istat_code, belfiore FROM municipalities", &[])
        .await?
        .iter()
        .flat_map(|r| {
            let istat: String = r.get(0);
            [(istat.clone(), istat.clone()), (r.get::<_, String>(1), istat)]
        })
        .collect();
    let total_bytes = std::fs::metadata(path).map(|m| m.len()).ok();
    progress.start(&format!("{} {}", source.label(), path.display()), total_bytes, 0);

    // The digests of the stored rows, read once in one pass: unchanged rows are then recognised
    // without touching the database (a re-import of an unchanged file writes nothing).
    let stored = if initial_load || run_id.is_none() {
        StoredDigests::default()
    } else {
        stored_digests(&client, source.table()).await?
    };
    let (sender, mut chunks) = tokio::sync::mpsc::channel::<Chunk>(opts.writers + 1);
    let (chunk_size, encoding) = (opts.chunk_size, opts.encoding);
    let reader =
        std::thread::spawn(move || rows::read_chunks(csv, skip, chunk_size, encoding, municipalities, stored, sender));

    let mut dry = Report::default();
    if let Some(run) = run_id {
        let job = Arc::new(Writer {
            run,
            copy: format!(
                "COPY {} ({COPY_COLUMNS}) FROM STDIN (FORMAT binary)",
                if initial_load { source.table() } else { "registry_staging" }
            ),
            merge: (!initial_load).then(|| merge_sql(source.table())),
            // After an initial load nothing can have ceased: the mirror was empty.
            record_seen: opts.full_snapshot && !initial_load,
        });
        write_chunks(session, &job, &mut chunks, opts.writers.max(1), progress).await?;
    } else {
        while let Some(chunk) = chunks.recv().await {
            dry.rows += chunk.read;
            dry.inserted += chunk.copy.tuples();
            dry.unchanged += chunk.unchanged;
            dry.rejected.extend(chunk.bad);
            progress.advance(chunk.bytes);
        }
    }
    reader.join().map_err(|_| Error::Invalid(format!("reading {} failed", path.display())))??;

    let Some(run) = run_id else {
        progress.finish("dry run: nothing written");
        return Ok(dry);
    };
    // Ceased residents, pre-loading and the end of the run: one transaction.
    let tx = client.transaction().await?;
    let mut counts = json!({});
    if opts.full_snapshot && !initial_load {
        let ceased = tx
            .execute(
                &format!(
                    "DELETE FROM {} t WHERE NOT EXISTS (SELECT 1 FROM import_seen s WHERE s.run_id = $1 AND s.fiscal_code = t.fiscal_code)",
                    source.table()
                ),
                &[&run],
            )
            .await?;
        tx.execute("DELETE FROM import_seen WHERE run_id = $1", &[&run]).await?;
        counts["ceased"] = json!(ceased);
    }
    if let Some(p) = &opts.preload {
        counts["preloaded"] = json!(preload(&tx, session, &p.key, &preload_provinces, &preload_municipalities).await?);
    }
    let position: i64 = tx.query_one("SELECT position FROM batch_runs WHERE id = $1", &[&run]).await?.get(0);
    super::checkpoint(&tx, run, position, 0, 0, &[], &counts).await?;
    super::finish(&tx, run).await?;
    let record = super::run_record(&tx, run).await?;
    session
        .record(
            &tx,
            &kind,
            Some(input),
            json!({ "run": run, "counts": record.counts, "rows": record.rows_read, "rejected": record.rows_rejected }),
            Some(record.rows_read),
            "ok",
        )
        .await?;
    tx.commit().await?;
    let rejected = super::rejects(&client, run).await?;
    let mut report = Report::from_counts(run, &record.counts, record.rows_read, rejected);
    report.resumed = skip > 0;
    progress.finish(&format!("{} rows", report.rows));
    Ok(report)
}

/// How the chunks of a run are written.
struct Writer {
    run: i64,
    /// COPY into the staging table, or straight into the mirror on an initial load.
    copy: String,
    /// Merge of the staging table into the mirror (none on an initial load).
    merge: Option<String>,
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
        let client = session.db.client().await?;
        client.batch_execute(STAGING).await?;
        idle.push(client);
    }
    /// Chunks being written, oldest first; each gives back its session and file position.
    type InFlight = std::collections::VecDeque<tokio::task::JoinHandle<Result<(deadpool_postgres::Object, u64)>>>;
    let mut in_flight = InFlight::new();
    let mut previous: Option<oneshot::Receiver<()>> = None;
    // Waits for the oldest chunk in flight to commit, and takes its session back.
    async fn settle(in_flight: &mut InFlight, progress: &dyn Progress) -> Result<Option<deadpool_postgres::Object>> {
        let Some(task) = in_flight.pop_front() else { return Ok(None) };
        let (client, bytes) = task.await.map_err(|e| Error::Database(format!("a chunk writer failed: {e}")))??;
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
    chunk: Chunk,
    after: Option<oneshot::Receiver<()>>,
    committed: oneshot::Sender<()>,
    job: Arc<Writer>,
) -> Result<(deadpool_postgres::Object, u64)> {
    let tx = client.transaction().await?;
    let (ok, new_or_changed) = (chunk.ok() as i64, chunk.copy.tuples() as i64);
    let (mut inserted, mut updated) = (0i64, 0i64);
    if new_or_changed > 0 {
        let sink = tx.copy_in(&job.copy).await?;
        pin_mut!(sink);
        sink.send(chunk.copy.finish()).await?;
        sink.finish().await?;
        (inserted, updated) = match &job.merge {
            None => (new_or_changed, 0),
            Some(merge) => {
                let row = tx.query_one(merge, &[]).await?;
                (row.get(0), row.get(1))
            }
        };
    }
    if job.record_seen {
        let codes: Vec<&str> = chunk.codes.iter().map(code_text).collect();
        tx.execute(
            "INSERT INTO import_seen (run_id, fiscal_code) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
            &[&job.run, &codes],
        )
        .await?;
    }
    if let Some(after) = after {
        after.await.map_err(|_| Error::Database("an earlier chunk was not written".into()))?;
    }
    let counts = json!({ "inserted": inserted, "updated": updated, "unchanged": ok - inserted - updated });
    super::checkpoint(&tx, job.run, chunk.position as i64, chunk.read as i64, ok, &chunk.bad, &counts).await?;
    tx.commit().await?;
    let _ = committed.send(());
    Ok((client, chunk.bytes))
}

/// Residents of the areas, not registered and without a legacy account: who a pre-load
/// registers (`$1` provinces, `$2` municipalities).
const PRELOAD_CANDIDATES: &str = "FROM cia_residents c JOIN municipalities m ON m.istat_code = c.res_municipality
     WHERE (m.province = ANY($1) OR c.res_municipality = ANY($2))
       AND NOT EXISTS (SELECT 1 FROM registrations r WHERE r.fiscal_code = c.fiscal_code)
       AND NOT EXISTS (SELECT 1 FROM legacy_accounts l WHERE l.fiscal_code = c.fiscal_code)";

/// Pre-loads the residents of some provinces or municipalities who are not registered yet:
/// state `riscontrato` (checked against the registry), strong N, PIN letter due by post.
/// Citizens who revoked their credentials are left out: the tombstones keep only keyed hashes
/// of their fiscal codes, so the candidates' codes are hashed here and compared.
pub async fn preload(
    tx: &impl deadpool_postgres::GenericClient,
    session: &Session,
    key: &SecretKey,
    provinces: &[String],
    municipalities: &[String],
) -> Result<u64> {
    let tombstones: FxHashSet<Vec<u8>> =
        tx.query("SELECT fiscal_code_hash FROM revocations", &[]).await?.iter().map(|r| r.get(0)).collect();
    let revoked: Vec<String> = if tombstones.is_empty() {
        Vec::new()
    } else {
        use rayon::prelude::*;
        let candidates: Vec<String> = tx
            .query(&format!("SELECT c.fiscal_code {PRELOAD_CANDIDATES}"), &[&provinces, &municipalities])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        candidates.into_par_iter().filter(|code| tombstones.contains(&tombstone_hash(key, code))).collect()
    };
    let n = tx
        .execute(
            &format!(
                "WITH loaded AS (
                 INSERT INTO registrations (fiscal_code, community, state, strong, verified_at, verified_ente,
                     first_name, last_name, birth_date, sex, doc_type, doc_number, doc_issued, doc_issuer,
                     res_address, res_street_number, res_postcode, res_province, res_municipality,
                     created_by, updated_by)
                 SELECT c.fiscal_code, 'sistemapiemonte', 'riscontrato', false, now(), 'CIA (anagrafe comunale)',
                     c.first_name, c.last_name, c.birth_date, c.sex, c.doc_type, c.doc_number, c.doc_issued, c.doc_issuer,
                     c.res_address, c.res_street_number, c.res_postcode, m.province, c.res_municipality,
                     $3, $3
                 {PRELOAD_CANDIDATES}
                   AND NOT (c.fiscal_code = ANY($4))
                 ON CONFLICT (fiscal_code) DO NOTHING
                 RETURNING registration_number, res_province)
                 INSERT INTO pin_letter_queue (registration_number, res_province) SELECT * FROM loaded"
            ),
            &[&provinces, &municipalities, &session.operator.id, &revoked],
        )
        .await?;
    Ok(n)
}
