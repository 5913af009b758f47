//! The registry mirrors consulted at registration: municipal (CIA) first, then health (AURA).

use deadpool_postgres::GenericClient;
use serde::Serialize;
use tokio_postgres::types::{ToSql, Type};

use super::registrations::personal_from_row;
use crate::domain::PersonalData;
use crate::domain::fields::{FIELDS, Value};
use crate::error::{Error, Result};
use crate::store::binary_arrays::{Column, Fields, next_field};
pub use crate::store::revocations::Erased;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Cia,
    Aura,
}

impl Source {
    pub fn table(self) -> &'static str {
        match self {
            Source::Cia => "cia_residents",
            Source::Aura => "aura_residents",
        }
    }

    /// The registry as the api functions name it (sql/V25).
    pub fn key(self) -> &'static str {
        match self {
            Source::Cia => "cia",
            Source::Aura => "aura",
        }
    }

    /// The registry as operators read it, in their language.
    pub fn label(self) -> String {
        match self {
            Source::Cia => crate::tr!("source-cia"),
            Source::Aura => crate::tr!("source-aura"),
        }
    }
}

/// The personal-data columns a registry mirror has, as registrations name them.
const MIRROR_COLUMNS: &[&str] = &[
    "first_name",
    "last_name",
    "birth_date",
    "sex",
    "res_address",
    "res_street_number",
    "res_postcode",
    "res_municipality",
    "doc_type",
    "doc_number",
    "doc_issued",
    "doc_issuer",
];

/// What the registries know of a fiscal code, as pre-filled personal data, and which one told
/// it: CIA, then AURA (sql/V40 `api.registry_lookup`: a desk, for a fiscal code not registered
/// yet; recorded as `registry-read`, found or not, the citizen named by `audit_name`).
pub async fn find(
    c: &impl GenericClient,
    fiscal_code: &str,
    audit_name: &str,
) -> Result<Option<(Source, PersonalData)>> {
    // Every field in the order of FIELDS: the mirror's own, the province of its municipality,
    // and empty for the rest.
    let columns: Vec<String> = FIELDS
        .iter()
        .map(|f| match (f.column, (f.get)(&PersonalData::default())) {
            (c, _) if c == "res_province" || MIRROR_COLUMNS.contains(&c) => c.to_string(),
            (_, Value::Date(_)) => "NULL::date".to_string(),
            (_, Value::Flag(_)) => "false".to_string(),
            _ => "NULL::text".to_string(),
        })
        .collect();
    let sql = format!("SELECT {}, municipality_name, source FROM api.registry_lookup($1, $2)", columns.join(", "));
    let Some(r) = c.query_opt(&sql, &[&fiscal_code, &audit_name]).await? else {
        return Ok(None);
    };
    let mut d = personal_from_row(&r, 0);
    d.residence.municipality_name = r.get(FIELDS.len());
    let source = if r.get::<_, &str>(FIELDS.len() + 1) == "aura" { Source::Aura } else { Source::Cia };
    Ok(Some((source, d)))
}

/// Username of a legacy account not migrated into this database, if any (sql/V25
/// `api.legacy_account`).
pub async fn legacy_account(c: &impl GenericClient, fiscal_code: &str) -> Result<Option<Option<String>>> {
    Ok(c.query_opt("SELECT username FROM api.legacy_account($1)", &[&fiscal_code]).await?.map(|r| r.get(0)))
}

// ---- Loading the mirrors (the registry import, sql/V26, V32 and V35) ----

impl Source {
    /// The name the database's import functions take.
    pub fn name(self) -> &'static str {
        match self {
            Source::Cia => "cia",
            Source::Aura => "aura",
        }
    }
}

/// The element types of a mirror row's columns, in the order `api.import_chunk` takes them
/// (fiscal_code, first_name, last_name, birth_date, sex, res_address, res_street_number,
/// res_postcode, res_municipality, doc_type, doc_number, doc_issued, doc_issuer, row_hash), then
/// the row's line in its file.
const ROW_COLUMNS: [Type; 15] = [
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
    Type::INT8,
];

/// The rows of a chunk to merge into a mirror, one binary array per column (see
/// [`crate::store::binary_arrays`]), each row followed by its line.
#[derive(Debug, Clone)]
pub struct MirrorRows {
    columns: Vec<Column>,
}

impl Default for MirrorRows {
    fn default() -> MirrorRows {
        MirrorRows { columns: ROW_COLUMNS.into_iter().map(Column::new).collect() }
    }
}

impl MirrorRows {
    /// Appends a row: its fields encoded by [`crate::store::binary_arrays::Fields`], one per column
    /// of [`ROW_COLUMNS`] but the last, and its line.
    pub fn push(&mut self, fields: &[u8], line: u64) {
        let mut rest = fields;
        for column in &mut self.columns[..ROW_COLUMNS.len() - 1] {
            let (field, after) = next_field(rest).expect("a row is encoded with a field per column");
            column.push_encoded(field);
            rest = after;
        }
        let mut encoded = Vec::with_capacity(12);
        Fields::new(&mut encoded).int8(line as i64);
        self.columns[ROW_COLUMNS.len() - 1].push_encoded(&encoded);
    }

    /// The rows `rows` will be pushed (each as [`MirrorRows::push`] takes it): each column's
    /// buffer is sized once for all of them, not grown (and copied) as they come.
    pub fn reserve<'r>(&mut self, rows: impl Iterator<Item = &'r [u8]>) {
        let mut bytes = [0usize; ROW_COLUMNS.len()];
        let mut count = 0;
        for row in rows {
            let mut rest = row;
            for size in &mut bytes[..ROW_COLUMNS.len() - 1] {
                let Some((field, after)) = next_field(rest) else { break };
                *size += field.len();
                rest = after;
            }
            count += 1;
        }
        bytes[ROW_COLUMNS.len() - 1] = count * 12; // the line: length word and int8
        for (column, size) in self.columns.iter_mut().zip(bytes) {
            column.reserve(size);
        }
    }

    pub fn len(&self) -> usize {
        self.columns[0].len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a chunk's transaction tells the database besides its rows.
#[derive(Debug, Clone, Default)]
pub struct ChunkReport<'a> {
    /// Input records before the chunk (where the run stood) and after it.
    pub from: i64,
    pub to: i64,
    pub read: i64,
    /// Valid rows (sent or unchanged), before any the database refuses.
    pub ok: i64,
    pub rejects: &'a [crate::store::runs::Reject],
    /// Fiscal codes the chunk lists (for a full snapshot's departures).
    pub seen: Vec<&'a str>,
    /// A rejected row's fiscal code could not be read: nobody may be removed.
    pub unreadable: bool,
}

/// What the database did with a chunk: rows inserted, updated, and refused (rejected by line).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChunkDone {
    pub inserted: i64,
    pub updated: i64,
    pub refused: i64,
}

/// Takes the lock of a chunk ending at `to` for the rest of the transaction, so that the chunk
/// after it (which starts at `to`) commits after it (sql/V43 `api.lock_chunk`).
pub async fn lock_chunk(tx: &impl GenericClient, run: i64, to: i64) -> Result<()> {
    tx.execute("SELECT api.lock_chunk($1, $2)", &[&run, &to]).await?;
    Ok(())
}

/// Writes a chunk in the caller's transaction: `api.import_chunk` checks its new or changed
/// rows and merges them, keeps the fiscal codes seen, and — after the chunk before has committed —
/// checkpoints the run and records the chunk.
pub async fn write_chunk(
    tx: &deadpool_postgres::Transaction<'_>,
    run: i64,
    rows: &MirrorRows,
    report: &ChunkReport<'_>,
) -> Result<ChunkDone> {
    // The chunk's arrays bound as parameters of a generic plan: planned for their values (as a
    // statement run once is), each would be copied into the plan as a constant, and copied again
    // with it, megabytes a chunk.
    tx.batch_execute("SET LOCAL plan_cache_mode = force_generic_plan").await?;
    let (lines, fields, values, reasons) = crate::store::runs::reject_columns(report.rejects);
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![
        &run,
        &report.from,
        &report.to,
        &report.read,
        &report.ok,
        &lines,
        &fields,
        &values,
        &reasons,
        &report.seen,
        &report.unreadable,
    ];
    params.extend(rows.columns.iter().map(|c| c as &(dyn ToSql + Sync)));
    let placeholders = (1..=params.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    let row = tx
        .query_one(&format!("SELECT inserted, updated, refused FROM api.import_chunk({placeholders})"), &params)
        .await?;
    Ok(ChunkDone { inserted: row.get(0), updated: row.get(1), refused: row.get(2) })
}

/// Decides (once per run) whether its chunks are a first load into an empty mirror.
pub async fn begin_import(c: &impl GenericClient, run: i64) -> Result<bool> {
    Ok(c.query_one("SELECT api.import_begin($1)", &[&run]).await?.get(0))
}

/// Calls `f` with the fiscal code and content digest of every row of a mirror, in one pass (the
/// database records the read): for the run `run`, held by this process, or for none yet.
pub async fn for_each_digest(
    c: &impl GenericClient,
    source: Source,
    run: Option<i64>,
    mut f: impl FnMut(&str, &[u8]),
) -> Result<()> {
    use futures_util::{TryStreamExt, pin_mut};
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&source.name(), &run];
    let rows =
        c.query_raw("SELECT fiscal_code, row_hash FROM api.registry_digests($1, $2)", params.iter().copied()).await?;
    pin_mut!(rows);
    while let Some(row) = rows.try_next().await? {
        if let Some(hash) = row.get::<_, Option<&[u8]>>(1) {
            f(row.get(0), hash);
        }
    }
    Ok(())
}

/// The residents of the run's mirror, how many of them a full snapshot did not list, and
/// whether removals are withheld (a rejected row's fiscal code could not be read).
pub async fn count_unseen(c: &impl GenericClient, run: i64) -> Result<(u64, u64, bool)> {
    let row = c.query_one("SELECT mirror, leaving, withheld FROM api.import_departures($1)", &[&run]).await?;
    Ok((row.get::<_, i64>(0) as u64, row.get::<_, i64>(1) as u64, row.get(2)))
}

/// Removes the residents a full snapshot did not list (they have ceased), at most `max` (the
/// database's default share without it); returns their fiscal codes, in order. With removals
/// withheld, removes nobody.
pub async fn remove_unseen(c: &impl GenericClient, run: i64, max: Option<u64>) -> Result<Vec<String>> {
    let max = max.map(|m| m.min(i64::MAX as u64) as i64);
    Ok(c.query("SELECT * FROM api.import_remove_departed($1, $2)", &[&run, &max])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

/// Ends an import run; the database records it by its kind.
pub async fn finish_import(c: &impl GenericClient, run: i64, max_removals: Option<u64>) -> Result<()> {
    let max = max_removals.map(|m| m.min(i64::MAX as u64) as i64);
    c.execute("SELECT api.import_finish($1, $2)", &[&run, &max]).await?;
    Ok(())
}

/// A resident a pre-load would register, with the place to check.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub fiscal_code: String,
    /// ISTAT code.
    pub municipality: String,
    pub postcode: Option<String>,
    /// The residence has a street and a postcode to write on the envelope.
    pub addressed: bool,
}

/// The residents a pre-load of these areas would register (within the import run `run`).
pub async fn preload_candidates(
    c: &impl GenericClient,
    run: i64,
    provinces: &[String],
    municipalities: &[String],
) -> Result<Vec<Candidate>> {
    Ok(c.query(
        "SELECT fiscal_code, municipality, postcode, addressed FROM api.preload_candidates($1, $2, $3)",
        &[&run, &provinces, &municipalities],
    )
    .await?
    .iter()
    .map(|r| Candidate { fiscal_code: r.get(0), municipality: r.get(1), postcode: r.get(2), addressed: r.get(3) })
    .collect())
}

/// Registers the residents `codes` of the areas from the municipal registry, each with the
/// keyed hash of its fiscal code (the database leaves out those a revocation's tombstone names),
/// and queues their PIN letters; `withheld` left out by the client for their place. The
/// database records the pre-load. Returns how many were registered.
pub async fn preload(
    c: &impl GenericClient,
    run: i64,
    provinces: &[String],
    municipalities: &[String],
    codes: &[String],
    hashes: &[Vec<u8>],
    withheld: u64,
) -> Result<u64> {
    let row = c
        .query_one(
            "SELECT api.preload($1, $2, $3, $4, $5, $6)",
            &[&run, &provinces, &municipalities, &codes, &hashes, &(withheld as i64)],
        )
        .await?;
    Ok(row.get::<_, i64>(0) as u64)
}

/// The dead residents of a chunk, each with the keyed hashes an erasure leaves and forgets by
/// (crate::portal::ErasureKeys) and the name the audit log gives the citizen.
#[derive(Debug, Clone, Default)]
pub struct Deaths {
    pub codes: Vec<String>,
    pub tombstones: Vec<Vec<u8>>,
    pub stats_persons: Vec<Vec<u8>>,
    pub helpdesk_hashes: Vec<Vec<u8>>,
    pub audit_names: Vec<String>,
}

/// The SQLSTATE of `api.import_deaths` refusing a chunk whose deaths would revoke more
/// registrations than the run may (its DETAIL is the limit).
const DEATHS_OVER_LIMIT: &str = "SPD01";

/// What the database did with a chunk's deaths (sql/V32 `api.import_deaths`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeathsDone {
    /// Deaths recorded, or acted on, by this call.
    pub recorded: i64,
    /// Registrations erased (implicit revocations).
    pub revoked: i64,
    /// Deaths recorded before, with nothing left to do.
    pub known: i64,
    /// The erased records that had an address: whom to tell once the chunk has committed.
    pub told: Vec<Erased>,
}

/// Records the deaths of the chunk starting at `from` in the chunk's transaction, before its
/// rows: the database waits for the chunk before to end, takes the dead out of the run's mirror,
/// erases their registrations as a revocation does, keeps a death record that no pre-load
/// passes, and records what it did.
///
/// The run revokes at most `max` registrations by deaths (`None`: the database's default share);
/// a chunk that would pass it is refused whole ([`Error::Refused`], naming the limit).
pub async fn import_deaths(
    tx: &impl GenericClient,
    run: i64,
    from: i64,
    max: Option<u64>,
    deaths: &Deaths,
) -> Result<DeathsDone> {
    let max = max.map(|m| m.min(i64::MAX as u64) as i64);
    let row = tx
        .query_one(
            "SELECT recorded, revoked, known, told FROM api.import_deaths($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &run,
                &from,
                &max,
                &deaths.codes,
                &deaths.tombstones,
                &deaths.stats_persons,
                &deaths.helpdesk_hashes,
                &deaths.audit_names,
            ],
        )
        .await
        .map_err(|e| match e.as_db_error() {
            Some(db) if db.code().code() == DEATHS_OVER_LIMIT => {
                Error::Refused(crate::msg!("import-deaths-over-max", limit = db.detail().unwrap_or_default()))
            }
            _ => e.into(),
        })?;
    let told: tokio_postgres::types::Json<Vec<Erased>> = row.get(3);
    Ok(DeathsDone { recorded: row.get(0), revoked: row.get(1), known: row.get(2), told: told.0 })
}

/// Counts the run's deaths into its counts (`deaths`, `deaths_revoked`), once, as it ends.
pub async fn import_deaths_total(tx: &impl GenericClient, run: i64) -> Result<()> {
    tx.execute("SELECT api.import_deaths_total($1)", &[&run]).await?;
    Ok(())
}
