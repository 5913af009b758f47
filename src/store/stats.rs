//! The counters behind `sportello stats` (kept by the triggers of sql/V7__statistics.sql) and the
//! record-level export. Nothing read here carries a name, an address, a document, an email or a
//! fiscal code: the export's pseudonyms are computed by the database.

use chrono::NaiveDate;
use deadpool_postgres::GenericClient;
use futures_util::{Stream, StreamExt};
use tokio_postgres::types::ToSql;

use crate::error::Result;

/// What a report asks for: the period, the dimensions (by their names on the command line),
/// the bounds, the smallest count to show, the counters to read.
#[derive(Debug, Clone)]
pub struct CountQuery<'a> {
    /// `day`, `week` or `month`.
    pub period: &'a str,
    /// ente, operator, province, municipality, community, state, strength.
    pub dimensions: Vec<&'a str>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// The smallest count asked for; the database shows none below its own floor either.
    pub min_cell: i32,
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

impl Source {
    fn name(self) -> &'static str {
        match self {
            Source::Fine => "fine",
            Source::MonthlyByProvince => "province",
            Source::MonthlyByState => "state",
        }
    }
}

/// Why a count is not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hidden {
    /// Below the smallest count shown.
    Small,
    /// Hidden with a small one, so that no total published elsewhere gives the small one away.
    Complementary,
}

/// One cell of a report as the database publishes it: the period's first day, the dimension
/// values (in the order asked, '' when unknown; a municipality's name after the others), the
/// event, its kind, the count unless hidden, and for completions shown the median and 90th
/// percentile of their days from booking (sql/V44: never the histogram).
#[derive(Debug, Clone, PartialEq)]
pub struct Count {
    pub period: NaiveDate,
    pub values: Vec<String>,
    pub municipality_name: Option<String>,
    pub event: String,
    pub kind: String,
    pub n: Option<i64>,
    pub hidden: Option<Hidden>,
    /// The smallest count shown, as the database applied it.
    pub min_cell: i32,
    pub median_days: Option<i32>,
    pub p90_days: Option<i32>,
}

/// A report (`api.stats_report`): small cells and their complements hidden by the database,
/// which records the run.
pub async fn counts(c: &impl GenericClient, q: &CountQuery<'_>) -> Result<Vec<Count>> {
    let rows = c
        .query(
            "SELECT * FROM api.stats_report($1, $2, $3, $4, $5, $6)",
            &[&q.period, &q.dimensions, &q.from, &q.to, &q.min_cell, &q.source.name()],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| Count {
            period: r.get(0),
            values: r.get::<_, Vec<Option<String>>>(1).into_iter().map(Option::unwrap_or_default).collect(),
            municipality_name: r.get::<_, Option<Vec<Option<String>>>>(2).and_then(|n| n.into_iter().next().flatten()),
            event: r.get(3),
            kind: r.get(4),
            n: r.get(5),
            hidden: match r.get::<_, Option<&str>>(6) {
                None => None,
                Some("small") => Some(Hidden::Small),
                Some(_) => Some(Hidden::Complementary),
            },
            min_cell: r.get(7),
            median_days: r.get(8),
            p90_days: r.get(9),
        })
        .collect())
}

/// One registration, live or revoked, without its identity: the database gives its pseudonym
/// (sql/V7__statistics.sql), never its fiscal code.
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

/// Asks for a record-level export (`api.stats_records_request`): the database records it with
/// its bounds and returns how many registrations it will hold. Commit before [`records`].
pub async fn request_records(c: &impl GenericClient, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<i64> {
    Ok(c.query_one("SELECT api.stats_records_request($1, $2)", &[&from, &to]).await?.get::<_, i64>(0))
}

/// The registrations (live, then revoked) registered between the days given, as a stream, each
/// with its pseudonym under a key the database draws for this export alone (V16). The database
/// refuses unless this login's request for the export ([`request_records`]) is committed.
pub async fn records(
    c: &impl GenericClient,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    person_key: &[u8],
) -> Result<impl Stream<Item = Result<RawRecord>>> {
    let params: [&(dyn ToSql + Sync); 3] = [&from, &to, &person_key];
    let rows = c.query_raw("SELECT * FROM api.stats_records($1, $2, $3)", params).await?;
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
