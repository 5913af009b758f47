//! The counters behind `sportello stats` (kept by the triggers of sql/V8__stats.sql) and the
//! record-level export. Nothing read here carries a name, an address, a document, an email or a
//! fiscal code: the export's pseudonyms are computed by the database.

use chrono::NaiveDate;
use deadpool_postgres::GenericClient;
use futures_util::{Stream, StreamExt};
use tokio_postgres::types::ToSql;

use crate::error::Result;

/// Folds the roll-up deltas appended by the writers into the roll-up; returns how many.
pub async fn compact(c: &impl GenericClient) -> Result<i64> {
    Ok(c.query_one("SELECT stats_compact()", &[]).await?.get(0))
}

/// What a counts query asks for: the period expression, the dimension columns, the bounds.
#[derive(Debug, Clone)]
pub struct CountQuery<'a> {
    /// `day`, `week` or `month`.
    pub period: &'a str,
    /// Columns of stats_counts to group by (ente, operator_id, province, municipality,
    /// community, state, strong).
    pub columns: Vec<&'a str>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub source: Source,
}

/// Which counters answer a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// stats_counts: any period and dimension.
    Fine,
    /// The monthly roll-up by province (bounds on whole months only).
    MonthlyByProvince,
    /// The monthly roll-up by community, state and strength (bounds on whole months only).
    MonthlyByState,
}

/// One aggregated counter: the period's first day, the dimension values (in the order asked,
/// '' when unknown), the event, its kind, the days from booking (completions) and the count.
#[derive(Debug, Clone, PartialEq)]
pub struct Count {
    pub period: NaiveDate,
    pub values: Vec<String>,
    pub event: String,
    pub kind: String,
    pub days: i32,
    pub n: i64,
}

const DIMENSIONS: [&str; 7] = ["ente", "operator_id", "province", "municipality", "community", "state", "strong"];

pub async fn counts(c: &impl GenericClient, q: &CountQuery<'_>) -> Result<Vec<Count>> {
    let (period, day) = match (q.source, q.period) {
        (Source::Fine, "day") => ("day", "day"),
        (Source::Fine, "week") => ("date_trunc('week', day)::date", "day"),
        (Source::Fine, _) => ("date_trunc('month', day)::date", "day"),
        _ => ("month", "month"),
    };
    // Column names come from a fixed list, never from the caller's text.
    let columns: Vec<&str> =
        q.columns.iter().map(|c| *DIMENSIONS.iter().find(|d| *d == c).expect("a known dimension")).collect();
    let mut conds = Vec::new();
    let mut params: Vec<&(dyn ToSql + Sync)> = Vec::new();
    if let Some(from) = &q.from {
        params.push(from);
        conds.push(format!("{day} >= ${}", params.len()));
    }
    if let Some(to) = &q.to {
        params.push(to);
        conds.push(format!("{day} <= ${}", params.len()));
    }
    match q.source {
        Source::Fine => {}
        Source::MonthlyByProvince => conds.push("community = '*'".into()),
        Source::MonthlyByState => conds.push("province = '*'".into()),
    }
    let cond = if conds.is_empty() { String::new() } else { format!("WHERE {}", conds.join(" AND ")) };
    let source = if q.source == Source::Fine {
        format!("SELECT * FROM stats_counts {cond}")
    } else {
        format!(
            "SELECT * FROM stats_rollup {cond}
             UNION ALL
             SELECT * FROM stats_rollup_pending {cond}"
        )
    };
    let dims: String = columns.iter().map(|c| format!(", {c}")).collect();
    let keys = 4 + columns.len();
    let sql = format!(
        "SELECT {period} AS period{dims}, event, kind, days, sum(n)::bigint
         FROM ({source}) c
         GROUP BY {}
         HAVING sum(n) <> 0",
        (1..=keys).map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
    );
    let rows = c.query(&sql, &params).await?;
    let k = columns.len();
    Ok(rows
        .iter()
        .map(|r| Count {
            period: r.get(0),
            values: (0..k).map(|i| r.get(1 + i)).collect(),
            event: r.get(1 + k),
            kind: r.get(2 + k),
            days: r.get(3 + k),
            n: r.get(4 + k),
        })
        .collect())
}

/// ISTAT code → name of every municipality.
pub async fn municipality_names(c: &impl GenericClient) -> Result<std::collections::HashMap<String, String>> {
    Ok(c.query("SELECT istat_code::text, name FROM municipalities", &[])
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect())
}

/// One registration, live or revoked, without its identity: the database gives its pseudonym
/// (sql/V16__stats_for_auditors.sql), never its fiscal code.
#[derive(Debug, Clone)]
pub struct RawRecord {
    pub pseudonym: Vec<u8>,
    pub birth_year: Option<i32>,
    pub sex: Option<String>,
    pub province: Option<String>,
    pub municipality: Option<String>,
    pub community: String,
    pub state: Option<String>,
    pub strong: Option<bool>,
    pub registered: NaiveDate,
    pub verified: Option<NaiveDate>,
    pub activated: Option<NaiveDate>,
    pub revoked: Option<NaiveDate>,
}

/// How many registrations (live and revoked) were registered between the days given.
pub async fn count_records(c: &impl GenericClient, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<i64> {
    Ok(c.query_one("SELECT stats_records_count($1, $2)", &[&from, &to]).await?.get::<_, i64>(0))
}

/// The registrations (live, then revoked) registered between the days given, as a stream, each
/// with its pseudonym under a key the database draws for this export alone (V16). The database
/// refuses unless this login's request for the export is already committed in the audit log.
pub async fn records(
    c: &impl GenericClient,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    person_key: &[u8],
) -> Result<impl Stream<Item = Result<RawRecord>>> {
    let params: [&(dyn ToSql + Sync); 3] = [&from, &to, &person_key];
    let rows = c.query_raw("SELECT * FROM stats_records($1, $2, $3)", params).await?;
    Ok(rows.map(|row| {
        let r = row?;
        Ok(RawRecord {
            pseudonym: r.get(0),
            birth_year: r.get(1),
            sex: r.get(2),
            province: r.get(3),
            municipality: r.get(4),
            community: r.get(5),
            state: r.get(6),
            strong: r.get(7),
            registered: r.get(8),
            verified: r.get(9),
            activated: r.get(10),
            revoked: r.get(11),
        })
    }))
}
