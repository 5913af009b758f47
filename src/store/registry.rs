//! The registry mirrors consulted at registration: municipal (CIA) first, then health (AURA).

use deadpool_postgres::GenericClient;
use serde::Serialize;

use super::registrations::personal_from_row;
use crate::domain::fields::{FIELDS, Value};
use crate::domain::{PersonalData, State};
use crate::error::Result;

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

/// What a registry knows of a fiscal code, as pre-filled personal data (sql/V25
/// `api.registry_lookup`: a desk, for a fiscal code not registered yet).
pub async fn lookup(c: &impl GenericClient, source: Source, fiscal_code: &str) -> Result<Option<PersonalData>> {
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
    let sql = format!("SELECT {}, municipality_name FROM api.registry_lookup($1, $2)", columns.join(", "));
    let Some(r) = c.query_opt(&sql, &[&source.key(), &fiscal_code]).await? else {
        return Ok(None);
    };
    let mut d = personal_from_row(&r, 0);
    d.residence.municipality_name = r.get(FIELDS.len());
    Ok(Some(d))
}

/// First registry that knows the fiscal code: CIA, then AURA.
pub async fn find(c: &impl GenericClient, fiscal_code: &str) -> Result<Option<(Source, PersonalData)>> {
    for source in [Source::Cia, Source::Aura] {
        if let Some(d) = lookup(c, source, fiscal_code).await? {
            return Ok(Some((source, d)));
        }
    }
    Ok(None)
}

/// Username of a legacy account not migrated into this database, if any (sql/V25
/// `api.legacy_account`).
pub async fn legacy_account(c: &impl GenericClient, fiscal_code: &str) -> Result<Option<Option<String>>> {
    Ok(c.query_opt("SELECT username FROM api.legacy_account($1)", &[&fiscal_code]).await?.map(|r| r.get(0)))
}

// ---- Loading the mirrors (the registry import) ----

/// The columns of a mirror that an import writes, in the order of its COPY tuples.
pub const COPY_COLUMNS: &str = "fiscal_code, first_name, last_name, birth_date, sex, res_address, res_street_number, res_postcode, res_municipality, doc_type, doc_number, doc_issued, doc_issuer, row_hash";

/// How an import writes a chunk into a mirror: binary COPY straight into an empty mirror, or
/// into the inbox (sql/V21) followed by the database's merge.
#[derive(Debug, Clone)]
pub struct ChunkWriter {
    copy: String,
    merge: Option<String>,
}

impl ChunkWriter {
    pub fn new(source: Source, initial_load: bool) -> ChunkWriter {
        let table = source.table();
        let target = if initial_load { table } else { "registry_inbox" };
        ChunkWriter {
            copy: format!("COPY {target} ({COPY_COLUMNS}) FROM STDIN (FORMAT binary)"),
            // Staged in the inbox, merged (and the inbox emptied) by the database (sql/V21).
            merge: (!initial_load).then(|| format!("SELECT * FROM sportello_registry_merge('{table}')")),
        }
    }

    /// Writes `tuples` binary COPY tuples (`body`, header and trailer included) in the caller's
    /// transaction; returns (inserted, updated).
    pub async fn write(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        body: bytes::Bytes,
        tuples: i64,
    ) -> Result<(i64, i64)> {
        use futures_util::{SinkExt, pin_mut};
        let sink = tx.copy_in(&self.copy).await?;
        pin_mut!(sink);
        sink.send(body).await?;
        sink.finish().await?;
        Ok(match &self.merge {
            None => (tuples, 0),
            Some(merge) => {
                let row = tx.query_one(merge, &[]).await?;
                (row.get(0), row.get(1))
            }
        })
    }

    /// Writes a chunk as [`ChunkWriter::write`] does, in a savepoint. When the server refuses it
    /// for what a row holds (a data exception, a constraint, a value too large for an index), the
    /// rows are written again one by one, each in its own savepoint, so that only the rows the
    /// server refuses are left out. Returns (inserted, updated) and, for each row refused, its
    /// index in the chunk and the server's reason.
    pub async fn write_or_isolate(
        &self,
        tx: &mut deadpool_postgres::Transaction<'_>,
        body: bytes::Bytes,
        tuples: i64,
    ) -> Result<((i64, i64), Vec<(usize, String)>)> {
        let whole = tx.savepoint("chunk").await?;
        match self.write(&whole, body.clone(), tuples).await {
            Ok(counts) => {
                whole.commit().await?;
                return Ok((counts, Vec::new()));
            }
            Err(e) if refuses_a_row(&e) => whole.rollback().await?,
            Err(e) => return Err(e),
        }
        let (mut inserted, mut updated, mut refused) = (0, 0, Vec::new());
        for (i, one) in super::binary_copy::split(&body).into_iter().enumerate() {
            let row = tx.savepoint("row").await?;
            match self.write(&row, one, 1).await {
                Ok((ins, upd)) => {
                    row.commit().await?;
                    (inserted, updated) = (inserted + ins, updated + upd);
                }
                Err(e) if refuses_a_row(&e) => {
                    row.rollback().await?;
                    refused.push((i, e.to_string()));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(((inserted, updated), refused))
    }
}

/// Does the server refuse this for what a row holds, rather than for the session or the
/// server itself? Data exceptions (22), integrity constraints (23), program limits such as an
/// index row too large (54), and errors raised by a trigger (P0).
fn refuses_a_row(e: &crate::error::Error) -> bool {
    match e {
        crate::error::Error::Database { code: Some(code), .. } => {
            ["22", "23", "54", "P0"].iter().any(|class| code.starts_with(class))
        }
        _ => false,
    }
}

/// Is the mirror empty?
pub async fn is_empty(c: &impl GenericClient, source: Source) -> Result<bool> {
    Ok(c.query_one(&format!("SELECT NOT EXISTS (SELECT 1 FROM {})", source.table()), &[]).await?.get(0))
}

/// Calls `f` with the fiscal code and content digest of every row of a mirror, in one pass.
pub async fn for_each_digest(c: &impl GenericClient, source: Source, mut f: impl FnMut(&str, &[u8])) -> Result<()> {
    use futures_util::{TryStreamExt, pin_mut};
    let sql = format!("SELECT fiscal_code, row_hash FROM {}", source.table());
    let rows = c.query_raw(&sql, std::iter::empty::<&str>()).await?;
    pin_mut!(rows);
    while let Some(row) = rows.try_next().await? {
        if let Some(hash) = row.get::<_, Option<&[u8]>>(1) {
            f(row.get(0), hash);
        }
    }
    Ok(())
}

/// Remembers the fiscal codes a full-snapshot run has seen.
pub async fn record_seen(c: &impl GenericClient, run: i64, codes: &[&str]) -> Result<()> {
    c.execute(
        "INSERT INTO import_seen (run_id, fiscal_code) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
        &[&run, &codes],
    )
    .await?;
    Ok(())
}

/// The residents of a mirror, and how many of them a full snapshot did not list.
pub async fn count_unseen(c: &impl GenericClient, source: Source, run: i64) -> Result<(u64, u64)> {
    let row = c
        .query_one(
            &format!(
                "SELECT count(*), count(*) FILTER (WHERE NOT EXISTS
                     (SELECT 1 FROM import_seen s WHERE s.run_id = $1 AND s.fiscal_code = t.fiscal_code))
                 FROM {} t",
                source.table()
            ),
            &[&run],
        )
        .await?;
    Ok((row.get::<_, i64>(0) as u64, row.get::<_, i64>(1) as u64))
}

/// Removes the residents a full snapshot did not list (they have ceased); returns their
/// fiscal codes, in order.
pub async fn remove_unseen(c: &impl GenericClient, source: Source, run: i64) -> Result<Vec<String>> {
    let mut ceased: Vec<String> = c
        .query(
            &format!(
                "DELETE FROM {} t WHERE NOT EXISTS (SELECT 1 FROM import_seen s WHERE s.run_id = $1 AND s.fiscal_code = t.fiscal_code)
                 RETURNING t.fiscal_code",
                source.table()
            ),
            &[&run],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    ceased.sort_unstable();
    forget_seen(c, run).await?;
    Ok(ceased)
}

/// Forgets the fiscal codes a full-snapshot run has seen.
pub async fn forget_seen(c: &impl GenericClient, run: i64) -> Result<()> {
    c.execute("DELETE FROM import_seen WHERE run_id = $1", &[&run]).await?;
    Ok(())
}

/// Residents of the areas, not registered and without a legacy account: who a pre-load
/// registers (`$1` provinces, `$2` municipalities).
const PRELOAD_CANDIDATES: &str = "FROM cia_residents c JOIN municipalities m ON m.istat_code = c.res_municipality
     WHERE (m.province = ANY($1) OR c.res_municipality = ANY($2))
       AND NOT EXISTS (SELECT 1 FROM registrations r WHERE r.fiscal_code = c.fiscal_code)
       AND NOT EXISTS (SELECT 1 FROM legacy_accounts l WHERE l.fiscal_code = c.fiscal_code)";

/// A resident a pre-load would register, with the place to check.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub fiscal_code: String,
    /// ISTAT code.
    pub municipality: String,
    pub postcode: Option<String>,
}

/// The residents a pre-load of these areas would register.
pub async fn preload_candidates(
    c: &impl GenericClient,
    provinces: &[String],
    municipalities: &[String],
) -> Result<Vec<Candidate>> {
    let sql = format!("SELECT c.fiscal_code, c.res_municipality, c.res_postcode {PRELOAD_CANDIDATES}");
    Ok(c.query(&sql, &[&provinces, &municipalities])
        .await?
        .iter()
        .map(|r| Candidate { fiscal_code: r.get(0), municipality: r.get(1), postcode: r.get(2) })
        .collect())
}

/// Registers the residents of the areas from the municipal registry, leaving out `excluded`,
/// with `state` and `strong` as the domain decides for a pre-load, and queues their PIN
/// letters for the next postal run. Returns how many were registered.
#[allow(clippy::too_many_arguments)]
pub async fn preload(
    c: &impl GenericClient,
    provinces: &[String],
    municipalities: &[String],
    excluded: &[String],
    state: State,
    strong: bool,
    operator: &str,
) -> Result<u64> {
    Ok(c.execute(
        &format!(
            "WITH loaded AS (
             INSERT INTO registrations (fiscal_code, community, state, strong, verified_at, verified_ente,
                 first_name, last_name, birth_date, sex, doc_type, doc_number, doc_issued, doc_issuer,
                 res_address, res_street_number, res_postcode, res_province, res_municipality,
                 created_by, updated_by)
             SELECT c.fiscal_code, 'sistemapiemonte', $5, $6, now(), 'CIA (anagrafe comunale)',
                 c.first_name, c.last_name, c.birth_date, c.sex, c.doc_type, c.doc_number, c.doc_issued, c.doc_issuer,
                 c.res_address, c.res_street_number, c.res_postcode, m.province, c.res_municipality,
                 $3, $3
             {PRELOAD_CANDIDATES}
               AND NOT (c.fiscal_code = ANY($4))
             ON CONFLICT (fiscal_code) DO NOTHING
             RETURNING registration_number, res_province)
             INSERT INTO pin_letter_queue (registration_number, res_province) SELECT * FROM loaded"
        ),
        &[&provinces, &municipalities, &operator, &excluded, &state.as_str(), &strong],
    )
    .await?)
}
