//! The counters behind `sportello stats` (kept by the triggers of sql/V8__stats.sql) and the
//! record-level export. Nothing read here carries a name, an address, a document or an email;
//! the export reads the fiscal code only for the library to turn it into a pseudonym.

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

/// Who a record belongs to, for the pseudonym: the fiscal code of a live registration, or the
/// tombstone's keyed hash of it for a revoked one.
#[derive(Debug, Clone)]
pub enum Person {
    FiscalCode(String),
    Tombstone(Vec<u8>),
}

/// One registration, live or revoked, without its identity.
#[derive(Debug, Clone)]
pub struct RawRecord {
    pub person: Person,
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

fn bounds(from: Option<NaiveDate>, to: Option<NaiveDate>) -> (String, Vec<Option<NaiveDate>>) {
    (
        "($1::date IS NULL OR registered_at >= $1::timestamp AT TIME ZONE 'Europe/Rome')
         AND ($2::date IS NULL OR registered_at < ($2::date + 1)::timestamp AT TIME ZONE 'Europe/Rome')"
            .into(),
        vec![from, to],
    )
}

/// How many registrations (live and revoked) were registered between the days given.
pub async fn count_records(c: &impl GenericClient, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<i64> {
    let (cond, params) = bounds(from, to);
    let sql = format!(
        "SELECT (SELECT count(*) FROM registrations WHERE {cond}) + (SELECT count(*) FROM revocations WHERE {cond})"
    );
    Ok(c.query_one(&sql, &[&params[0], &params[1]]).await?.get::<_, i64>(0))
}

/// The registrations (live, then revoked) registered between the days given, as a stream.
pub async fn records(
    c: &impl GenericClient,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<impl Stream<Item = Result<RawRecord>>> {
    let (cond, params) = bounds(from, to);
    let day = |col: &str| format!("({col} AT TIME ZONE 'Europe/Rome')::date");
    let sql = format!(
        "SELECT fiscal_code, NULL::bytea, extract(year FROM birth_date)::int, sex::text, res_province::text,
                res_municipality::text, community, state, strong, {}, {}, {}, NULL::date
         FROM registrations WHERE {cond}
         UNION ALL
         SELECT NULL, fiscal_code_hash, NULL, NULL, NULL, NULL, community, NULL, NULL, {}, NULL, NULL, {}
         FROM revocations WHERE {cond}",
        day("registered_at"),
        day("verified_at"),
        day("activated_at"),
        day("registered_at"),
        day("revoked_at"),
    );
    let rows = c.query_raw(&sql, params.iter().map(|p| p as &(dyn ToSql + Sync))).await?;
    Ok(rows.map(|row| {
        let r = row?;
        let person = match r.get::<_, Option<String>>(0) {
            Some(fc) => Person::FiscalCode(fc),
            None => Person::Tombstone(r.get(1)),
        };
        Ok(RawRecord {
            person,
            birth_year: r.get(2),
            sex: r.get(3),
            province: r.get(4),
            municipality: r.get(5),
            community: r.get(6),
            state: r.get(7),
            strong: r.get(8),
            registered: r.get(9),
            verified: r.get(10),
            activated: r.get(11),
            revoked: r.get(12),
        })
    }))
}
