//! Loading a registry export (CIA municipal registry or AURA health registry) into its mirror,
//! and pre-loading residents as registrations.
//!
//! Format (README "Registry files"): CSV with a header, `;` or `,` separated, UTF-8 (or
//! Latin-1 for legacy files). Columns: `fiscal_code, first_name, last_name, birth_date, sex,
//! address, street_number, postcode, municipality, doc_type, doc_number, doc_issued,
//! doc_issuer` (the document columns may be empty).
//!
//! The file is streamed in chunks; each chunk is validated, copied (binary COPY) into a staging
//! table and merged into the mirror in one transaction together with the run's checkpoint and
//! the chunk's rejects, so a run killed at any moment resumes after its last committed chunk.
//! A row equal to the stored one is not touched.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use futures_util::pin_mut;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;

use super::{Begin, Progress, Reject};
use crate::domain::{DocType, FiscalCode, check_postcode, parse_date};
use crate::error::{Error, Result};
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

#[derive(Debug, Deserialize)]
struct RawRow {
    fiscal_code: String,
    first_name: String,
    last_name: String,
    birth_date: String,
    sex: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    street_number: String,
    #[serde(default)]
    postcode: String,
    municipality: String,
    #[serde(default)]
    doc_type: String,
    #[serde(default)]
    doc_number: String,
    #[serde(default)]
    doc_issued: String,
    #[serde(default)]
    doc_issuer: String,
}

/// A validated row, in the shape of the mirror table.
#[derive(Debug, Clone)]
struct Resident {
    fiscal_code: String,
    first_name: String,
    last_name: String,
    birth_date: chrono::NaiveDate,
    sex: String,
    address: Option<String>,
    street_number: Option<String>,
    postcode: Option<String>,
    municipality: String,
    doc_type: Option<String>,
    doc_number: Option<String>,
    doc_issued: Option<chrono::NaiveDate>,
    doc_issuer: Option<String>,
    /// Digest of the record as read, to recognise an unchanged row cheaply.
    hash: Key16,
    /// Line of the file.
    line: u64,
}

/// Digest of a record as read (its fields, in file order): equal digests mean an unchanged
/// row, recognised before any parsing or validation.
fn raw_digest(record: &csv::ByteRecord) -> Key16 {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for field in record.iter() {
        h.update(field);
        h.update([0x1f]);
    }
    digest_of(&h.finalize())
}

fn opt(s: &str) -> Option<String> {
    crate::domain::clean_text(s)
}

/// Municipality codes accepted in the file: ISTAT code or cadastral code → ISTAT code.
type Municipalities = HashMap<String, String>;

fn validate(raw: RawRow, line: u64, municipalities: &Municipalities) -> std::result::Result<Resident, Reject> {
    let reject = |field: &str, value: &str, reason: String| Reject::new(line, field, value, reason);
    let fc = FiscalCode::parse(&raw.fiscal_code).map_err(|e| reject("fiscal_code", &raw.fiscal_code, e.to_string()))?;
    let first_name = opt(&raw.first_name).ok_or_else(|| reject("first_name", "", "empty".into()))?;
    let last_name = opt(&raw.last_name).ok_or_else(|| reject("last_name", "", "empty".into()))?;
    let birth_date = parse_date(&raw.birth_date).map_err(|e| reject("birth_date", &raw.birth_date, e))?;
    if !fc.base_code().matches_birth_date(birth_date) {
        return Err(reject("birth_date", &raw.birth_date, format!("does not agree with fiscal code {fc}")));
    }
    let sex = raw.sex.trim().to_uppercase();
    if sex != "M" && sex != "F" {
        return Err(reject("sex", &raw.sex, "must be M or F".into()));
    }
    if !sex.starts_with(fc.sex()) {
        return Err(reject("sex", &raw.sex, format!("does not agree with fiscal code {fc}")));
    }
    let postcode = opt(&raw.postcode);
    if let Some(pc) = &postcode {
        check_postcode(pc).map_err(|e| reject("postcode", pc, e))?;
    }
    let municipality = municipalities.get(&raw.municipality.trim().to_uppercase()).cloned().ok_or_else(|| {
        reject(
            "municipality",
            &raw.municipality,
            "unknown municipality code (ISTAT or cadastral code of Piedmont)".into(),
        )
    })?;
    let doc_type = match opt(&raw.doc_type) {
        Some(t) => Some(
            DocType::parse(&t)
                .ok_or_else(|| reject("doc_type", &t, "unknown document type".into()))?
                .as_str()
                .to_string(),
        ),
        None => None,
    };
    let doc_issued = match opt(&raw.doc_issued) {
        Some(d) => Some(parse_date(&d).map_err(|e| reject("doc_issued", &d, e))?),
        None => None,
    };
    let r = Resident {
        fiscal_code: fc.to_string(),
        first_name,
        last_name,
        birth_date,
        sex,
        address: opt(&raw.address),
        street_number: opt(&raw.street_number),
        postcode,
        municipality,
        doc_type,
        doc_number: opt(&raw.doc_number),
        doc_issued,
        doc_issuer: opt(&raw.doc_issuer),
        hash: [0; 16],
        line,
    };
    Ok(r)
}

/// Reads Latin-1 bytes as UTF-8 (every byte is the code point of the same value).
struct Latin1<R>(R, Vec<u8>);

impl<R: Read> Read for Latin1<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.1.is_empty() {
            let mut raw = vec![0u8; out.len().max(2) / 2];
            let n = self.0.read(&mut raw)?;
            self.1 = raw[..n].iter().map(|&b| b as char).collect::<String>().into_bytes();
            self.1.reverse();
        }
        let n = out.len().min(self.1.len());
        for slot in out.iter_mut().take(n) {
            *slot = self.1.pop().expect("n <= len");
        }
        Ok(n)
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub encoding: Encoding,
    /// The file is the whole registry: residents missing from it have ceased and are removed.
    pub full_snapshot: bool,
    /// Provinces or municipalities whose residents not yet registered are pre-loaded.
    pub preload: Vec<String>,
    /// Validate and report, write nothing.
    pub dry_run: bool,
    /// Import even if this very file was imported before.
    pub force: bool,
    pub chunk_size: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            encoding: Encoding::Utf8,
            full_snapshot: false,
            preload: vec![],
            dry_run: false,
            force: false,
            chunk_size: 20_000,
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

fn open(path: &Path, encoding: Encoding) -> Result<(Box<dyn Read + Send>, u8)> {
    let file = std::fs::File::open(path).map_err(Error::io(format!("cannot read {}", path.display())))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let head = reader.fill_buf().map_err(Error::io(format!("cannot read {}", path.display())))?;
    let first = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let semicolons = first.iter().filter(|&&b| b == b';').count();
    let commas = first.iter().filter(|&&b| b == b',').count();
    let delimiter = if semicolons > commas { b';' } else { b',' };
    let reader: Box<dyn Read + Send> = match encoding {
        Encoding::Utf8 => Box::new(reader),
        Encoding::Latin1 => Box::new(Latin1(reader, Vec::new())),
    };
    Ok((reader, delimiter))
}

const STAGING: &str = "CREATE TEMP TABLE IF NOT EXISTS registry_staging (
    fiscal_code text, first_name text, last_name text, birth_date date, sex text, res_address text,
    res_street_number text, res_postcode text, res_municipality text, doc_type text, doc_number text,
    doc_issued date, doc_issuer text, row_hash bytea) ON COMMIT DELETE ROWS";
const STAGING_TYPES: [Type; 14] = [
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::DATE,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::DATE,
    Type::TEXT,
    Type::BYTEA,
];

/// The mirror's own column types (char(n) columns are `bpchar`), for copying straight into it.
const MIRROR_TYPES: [Type; 14] = [
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::DATE,
    Type::BPCHAR,
    Type::TEXT,
    Type::TEXT,
    Type::BPCHAR,
    Type::BPCHAR,
    Type::TEXT,
    Type::TEXT,
    Type::DATE,
    Type::TEXT,
    Type::BYTEA,
];
const COPY_COLUMNS: &str = "fiscal_code, first_name, last_name, birth_date, sex, res_address, res_street_number, res_postcode, res_municipality, doc_type, doc_number, doc_issued, doc_issuer, row_hash";

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

type Key16 = [u8; 16];

/// The first 16 bytes of a digest, or a fiscal code (16 ASCII characters), as a compact key.
fn digest_of(bytes: &[u8]) -> Key16 {
    let mut k = [0u8; 16];
    let n = bytes.len().min(16);
    k[..n].copy_from_slice(&bytes[..n]);
    k
}

fn key_of(fiscal_code: &str) -> Key16 {
    digest_of(fiscal_code.as_bytes())
}

/// Fiscal code → content digest of every row of a mirror, streamed in one pass.
async fn stored_digests(c: &deadpool_postgres::Object, table: &str) -> Result<HashMap<Key16, Key16>> {
    use futures_util::TryStreamExt;
    let rows = c.query_raw(&format!("SELECT fiscal_code, row_hash FROM {table}"), std::iter::empty::<&str>()).await?;
    pin_mut!(rows);
    let mut out = HashMap::new();
    while let Some(row) = rows.try_next().await? {
        let code: &str = row.get(0);
        let hash: Option<&[u8]> = row.get(1);
        if let Some(h) = hash {
            out.insert(key_of(code), digest_of(h));
        }
    }
    Ok(out)
}

/// What the reading thread hands over: a validated chunk of the file.
struct Chunk {
    /// Valid rows that are new or changed.
    good: Vec<Resident>,
    /// Fiscal codes of the rows equal to the stored ones.
    unchanged: Vec<String>,
    bad: Vec<Reject>,
    /// Records read in this chunk, and the position (records from the start) after it.
    read: u64,
    position: u64,
    /// Bytes of the file consumed, for the progress bar.
    bytes: u64,
}

/// One record of the file, decoded and validated.
fn parse_row(
    line: u64,
    record: csv::ByteRecord,
    headers: &csv::StringRecord,
    encoding: Encoding,
    municipalities: &Municipalities,
) -> std::result::Result<Resident, Reject> {
    let hash = raw_digest(&record);
    let text = csv::StringRecord::from_byte_record(record).map_err(|e| {
        let hint = if encoding == Encoding::Utf8 { " (a legacy file? use --encoding latin-1)" } else { "" };
        Reject::new(line, "", "", format!("not valid UTF-8: {e}{hint}"))
    })?;
    let raw: RawRow = text.deserialize(Some(headers)).map_err(|e| Reject::new(line, "", "", e.to_string()))?;
    validate(raw, line, municipalities).map(|r| Resident { hash, ..r })
}

/// A record of a chunk, in file order, on its way to the duplicate check.
enum Checked {
    /// Equal to the stored row (by digest): not parsed, not sent.
    Unchanged {
        line: u64,
        fiscal_code: String,
    },
    Parsed(std::result::Result<Resident, Reject>),
}

/// Reads and validates the file in chunks on a thread of its own, so that the validation of the
/// next chunk overlaps the database's work on the current one. The first `skip` records (a
/// resumed run's committed part) are only scanned for their fiscal codes, to keep refusing
/// duplicates across the resume.
fn read_chunks(
    mut csv: csv::Reader<Box<dyn Read + Send>>,
    headers: csv::StringRecord,
    skip: u64,
    chunk_size: usize,
    encoding: Encoding,
    municipalities: Municipalities,
    stored: HashMap<Key16, Key16>,
    out: tokio::sync::mpsc::Sender<Chunk>,
) {
    let cf_column = headers.iter().position(|h| h == "fiscal_code").expect("checked by the caller");
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut position = 0u64;
    let mut record = csv::ByteRecord::new();
    let mut records: Vec<(u64, csv::ByteRecord)> = Vec::with_capacity(chunk_size);
    loop {
        let mut chunk = Chunk {
            good: Vec::with_capacity(chunk_size),
            unchanged: Vec::new(),
            bad: Vec::new(),
            read: 0,
            position: 0,
            bytes: 0,
        };
        let mut end = false;
        while chunk.read < chunk_size as u64 {
            match csv.read_byte_record(&mut record) {
                Ok(false) => {
                    end = true;
                    break;
                }
                Ok(true) => {}
                Err(e) => {
                    position += 1;
                    if position > skip {
                        chunk.read += 1;
                        let line = e.position().map(|p| p.line()).unwrap_or(0);
                        chunk.bad.push(Reject::new(line, "", "", e.to_string()));
                    }
                    continue;
                }
            }
            position += 1;
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            if position <= skip {
                if let Some(cf) = record.get(cf_column) {
                    seen.insert(String::from_utf8_lossy(cf).trim().to_uppercase(), line);
                }
                continue;
            }
            chunk.read += 1;
            records.push((line, record.clone()));
        }
        // Digests and validation run on every core; the duplicate check after them keeps file order.
        let checked: Vec<Checked> = {
            use rayon::prelude::*;
            records
                .par_drain(..)
                .map(|(line, record)| {
                    let code = record.get(cf_column).map(|c| String::from_utf8_lossy(c).trim().to_uppercase());
                    match code {
                        Some(fiscal_code) if stored.get(&key_of(&fiscal_code)) == Some(&raw_digest(&record)) => {
                            Checked::Unchanged { line, fiscal_code }
                        }
                        _ => Checked::Parsed(parse_row(line, record, &headers, encoding, &municipalities)),
                    }
                })
                .collect()
        };
        for item in checked {
            let result = match item {
                Checked::Unchanged { line, fiscal_code } => match seen.get(&fiscal_code) {
                    Some(first) => {
                        Err(Reject::new(line, "fiscal_code", &fiscal_code, format!("duplicate of line {first}")))
                    }
                    None => {
                        seen.insert(fiscal_code.clone(), line);
                        chunk.unchanged.push(fiscal_code);
                        continue;
                    }
                },
                Checked::Parsed(result) => result,
            };
            match result {
                Ok(r) => match seen.get(&r.fiscal_code) {
                    Some(first) => chunk.bad.push(Reject::new(
                        r.line,
                        "fiscal_code",
                        &r.fiscal_code,
                        format!("duplicate of line {first}"),
                    )),
                    None => {
                        seen.insert(r.fiscal_code.clone(), r.line);
                        chunk.good.push(r);
                    }
                },
                Err(reject) => chunk.bad.push(reject),
            }
        }
        chunk.bad.sort_by_key(|r| r.line);
        chunk.position = position;
        chunk.bytes = csv.position().byte();
        if (chunk.read > 0 || end) && out.blocking_send(chunk).is_err() {
            return; // the importer stopped (an error): nothing more to do
        }
        if end {
            return;
        }
    }
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
    for area in &opts.preload {
        match reference::resolve_province(&client, area).await {
            Ok(p) => preload_provinces.push(p),
            Err(_) => {
                preload_municipalities.push(reference::resolve_municipality(&client, area, None).await?.istat_code)
            }
        }
    }
    if !opts.preload.is_empty() && source != Source::Cia {
        return Err(Error::Invalid("--preload works from the municipal registry (import-cia)".into()));
    }

    let input = path.display().to_string();
    let options = json!({ "full_snapshot": opts.full_snapshot, "preload": opts.preload, "encoding": format!("{:?}", opts.encoding) });
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
    client.batch_execute(STAGING).await?;
    let merge = merge_sql(source.table());

    let (reader, delimiter) = open(path, opts.encoding)?;
    let mut csv: csv::Reader<Box<dyn Read + Send>> =
        csv::ReaderBuilder::new().delimiter(delimiter).trim(csv::Trim::All).flexible(true).from_reader(reader);
    let headers = csv.headers().map_err(|e| Error::Invalid(format!("{}: bad header: {e}", path.display())))?.clone();
    for needed in ["fiscal_code", "first_name", "last_name", "birth_date", "sex", "municipality"] {
        if !headers.iter().any(|h| h == needed) {
            return Err(Error::Invalid(format!(
                "{}: the header has no column '{needed}' (found: {})",
                path.display(),
                headers.iter().collect::<Vec<_>>().join(", ")
            )));
        }
    }
    let total_bytes = std::fs::metadata(path).map(|m| m.len()).ok();
    progress.start(&format!("{} {}", source.label(), path.display()), total_bytes, 0);

    // The digests of the stored rows, read once in one pass: unchanged rows are then recognised
    // without touching the database (a re-import of an unchanged file writes nothing).
    let stored =
        if initial_load || run_id.is_none() { HashMap::new() } else { stored_digests(&client, source.table()).await? };
    let (sender, mut chunks) = tokio::sync::mpsc::channel::<Chunk>(2);
    let (chunk_size, encoding) = (opts.chunk_size, opts.encoding);
    let reader = std::thread::spawn(move || {
        read_chunks(csv, headers, skip, chunk_size, encoding, municipalities, stored, sender)
    });
    let mut dry = Report::default();
    let table = source.table();
    while let Some(chunk) = chunks.recv().await {
        if chunk.read == 0 {
            continue;
        }
        let Some(run) = run_id else {
            dry.rows += chunk.read;
            dry.inserted += chunk.good.len() as u64;
            dry.unchanged += chunk.unchanged.len() as u64;
            dry.rejected.extend(chunk.bad);
            progress.advance(chunk.bytes);
            continue;
        };
        let tx = client.transaction().await?;
        // Rows equal to the stored ones were set aside by the reader: only the others are sent.
        let changed = &chunk.good;
        let (mut inserted, mut updated) = (0i64, 0i64);
        if !changed.is_empty() {
            let (target, types) =
                if initial_load { (table, &MIRROR_TYPES) } else { ("registry_staging", &STAGING_TYPES) };
            let sink = tx.copy_in(&format!("COPY {target} ({COPY_COLUMNS}) FROM STDIN BINARY")).await?;
            let writer = BinaryCopyInWriter::new(sink, types);
            pin_mut!(writer);
            for r in changed {
                writer
                    .as_mut()
                    .write(&[
                        &r.fiscal_code,
                        &r.first_name,
                        &r.last_name,
                        &r.birth_date,
                        &r.sex,
                        &r.address,
                        &r.street_number,
                        &r.postcode,
                        &r.municipality,
                        &r.doc_type,
                        &r.doc_number,
                        &r.doc_issued,
                        &r.doc_issuer,
                        &r.hash.as_slice(),
                    ])
                    .await?;
            }
            writer.finish().await?;
            (inserted, updated) = if initial_load {
                (changed.len() as i64, 0)
            } else {
                let row = tx.query_one(&merge, &[]).await?;
                (row.get(0), row.get(1))
            };
        }
        // After an initial load nothing can have ceased: the mirror was empty.
        if opts.full_snapshot && !initial_load {
            let codes: Vec<&str> = chunk
                .good
                .iter()
                .map(|r| r.fiscal_code.as_str())
                .chain(chunk.unchanged.iter().map(String::as_str))
                .collect();
            tx.execute(
                "INSERT INTO import_seen (run_id, fiscal_code) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
                &[&run, &codes],
            )
            .await?;
        }
        let ok = (chunk.good.len() + chunk.unchanged.len()) as i64;
        let counts = json!({ "inserted": inserted, "updated": updated, "unchanged": ok - inserted - updated });
        super::checkpoint(&tx, run, chunk.position as i64, chunk.read as i64, ok, &chunk.bad, &counts).await?;
        tx.commit().await?;
        progress.advance(chunk.bytes);
    }
    reader.join().map_err(|_| Error::Invalid(format!("reading {} failed", path.display())))?;

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
    if !opts.preload.is_empty() {
        counts["preloaded"] = json!(preload(&tx, session, &preload_provinces, &preload_municipalities).await?);
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

/// Pre-loads the residents of some provinces or municipalities who are not registered yet:
/// state `riscontrato` (checked against the registry), strong N, PIN letter due by post.
pub async fn preload(
    tx: &impl deadpool_postgres::GenericClient,
    session: &Session,
    provinces: &[String],
    municipalities: &[String],
) -> Result<u64> {
    let n = tx
        .execute(
            "WITH loaded AS (
             INSERT INTO registrations (fiscal_code, community, state, strong, verified_at, verified_ente,
                 first_name, last_name, birth_date, sex, doc_type, doc_number, doc_issued, doc_issuer,
                 res_address, res_street_number, res_postcode, res_province, res_municipality,
                 created_by, updated_by)
             SELECT c.fiscal_code, 'sistemapiemonte', 'riscontrato', false, now(), 'CIA (anagrafe comunale)',
                 c.first_name, c.last_name, c.birth_date, c.sex, c.doc_type, c.doc_number, c.doc_issued, c.doc_issuer,
                 c.res_address, c.res_street_number, c.res_postcode, m.province, c.res_municipality,
                 $3, $3
             FROM cia_residents c JOIN municipalities m ON m.istat_code = c.res_municipality
             WHERE (m.province = ANY($1) OR c.res_municipality = ANY($2))
               AND NOT EXISTS (SELECT 1 FROM registrations r WHERE r.fiscal_code = c.fiscal_code)
               AND NOT EXISTS (SELECT 1 FROM legacy_accounts l WHERE l.fiscal_code = c.fiscal_code)
             ON CONFLICT (fiscal_code) DO NOTHING
             RETURNING registration_number, res_province)
             INSERT INTO pin_letter_queue (registration_number, res_province) SELECT * FROM loaded",
            &[&provinces, &municipalities, &session.operator.id],
        )
        .await?;
    Ok(n)
}
