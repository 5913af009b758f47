//! Statistics for the Region (`sportello stats`): counts of what the desks, the citizens and the
//! batch jobs did, by period and by the dimensions asked, with every count below a threshold
//! hidden (the small-cell rule); and a record-level export, one row per registration, where a
//! pseudonym made under a key of that export alone stands for the person.
//!
//! Neither ever carries a fiscal code, a name, an address, an email or a document. Every run is
//! recorded in the audit log with its options.

use chrono::{Datelike, NaiveDate};
use futures_util::StreamExt;
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use serde_json::json;
use sha2::Sha256;

use crate::domain::Vocabulary;
use crate::error::{Error, Result};
use crate::secrets::{Purpose, SecretKey};
use crate::session::Session;
use crate::store::stats::{self as store, CountQuery, Hidden, RawRecord, Source};

/// Statistics are for auditors and administrators (the role table, `domain::roles`, refuses
/// the others when the session opens; this checks a session opened otherwise, e.g. by a test).
fn require_role(session: &Session) -> Result<()> {
    if crate::domain::roles::may_run("stats", &session.roles) {
        Ok(())
    } else {
        Err(crate::error::Error::Refused(crate::msg!("stats-role-refused", operator = &session.operator.id)))
    }
}

/// The length of the periods counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Day,
    Week,
    Month,
}

impl Vocabulary for Period {
    fn all() -> &'static [Period] {
        &[Period::Day, Period::Week, Period::Month]
    }

    fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }
}

impl Period {
    /// How a period is named: `2026-05-04`, `2026-W19`, `2026-05`.
    pub fn label(self, start: NaiveDate) -> String {
        match self {
            Period::Day => start.format("%Y-%m-%d").to_string(),
            Period::Week => {
                let w = start.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
            Period::Month => start.format("%Y-%m").to_string(),
        }
    }
}

/// What counts can be grouped by besides the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dimension {
    /// The organisation of the desk that acted.
    Ente,
    /// The operator who acted.
    Operator,
    /// Province of residence.
    Province,
    /// Municipality of residence.
    Municipality,
    Community,
    /// State of the registration when the event happened.
    State,
    /// Strong credentials (Y/N) when the event happened.
    Strength,
}

impl Vocabulary for Dimension {
    fn all() -> &'static [Dimension] {
        use Dimension::*;
        &[Ente, Operator, Province, Municipality, Community, State, Strength]
    }

    /// The name on the command line.
    fn as_str(self) -> &'static str {
        match self {
            Dimension::Ente => "ente",
            Dimension::Operator => "operator",
            Dimension::Province => "province",
            Dimension::Municipality => "municipality",
            Dimension::Community => "community",
            Dimension::State => "state",
            Dimension::Strength => "strength",
        }
    }
}

impl Dimension {
    fn column(self) -> &'static str {
        match self {
            Dimension::Ente => "ente",
            Dimension::Operator => "operator_id",
            Dimension::Province => "province",
            Dimension::Municipality => "municipality",
            Dimension::Community => "community",
            Dimension::State => "state",
            Dimension::Strength => "strong",
        }
    }
}

/// The smallest counters that answer: a monthly roll-up when the periods are whole months and
/// the dimensions are the province, or some of community, state and strength; otherwise the
/// daily counters.
fn source(opts: &Options) -> Source {
    let whole_months = opts.by == Period::Month
        && opts.from.is_none_or(|d| d.day() == 1)
        && opts.to.is_none_or(|d| d.succ_opt().is_none_or(|next| next.day() == 1));
    let within = |dims: &[Dimension]| opts.group.iter().all(|d| dims.contains(d));
    if !whole_months {
        Source::Fine
    } else if within(&[Dimension::Province]) {
        Source::MonthlyByProvince
    } else if within(&[Dimension::Community, Dimension::State, Dimension::Strength]) {
        Source::MonthlyByState
    } else {
        Source::Fine
    }
}

/// The options of a report.
#[derive(Debug, Clone, Serialize)]
pub struct Options {
    pub by: Period,
    pub group: Vec<Dimension>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Counts below this are shown as `<min_cell>`.
    pub min_cell: i64,
}

impl Default for Options {
    fn default() -> Self {
        Options { by: Period::Month, group: vec![], from: None, to: None, min_cell: DEFAULT_MIN_CELL }
    }
}

pub const DEFAULT_MIN_CELL: i64 = 3;

/// A count as it may be shown: the number, only that it is below the threshold, or withheld
/// (hidden with a small one so that no total shown elsewhere gives it away; it is not small).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Count(i64),
    Below(i64),
    Withheld,
}

impl Cell {
    #[cfg(test)]
    fn new(n: i64, min_cell: i64) -> Cell {
        if n < min_cell { Cell::Below(min_cell) } else { Cell::Count(n) }
    }
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Count(n) => write!(f, "{n}"),
            Cell::Below(k) => write!(f, "<{k}"),
            Cell::Withheld => write!(f, "x"),
        }
    }
}

/// A number in JSON, or the text `"<3"` (or `"x"`) when hidden.
impl Serialize for Cell {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Cell::Count(n) => s.serialize_i64(*n),
            Cell::Below(_) | Cell::Withheld => s.serialize_str(&self.to_string()),
        }
    }
}

/// One line of a report: a period, the values of the dimensions, an event and its count;
/// for completed operations, the median and 90th percentile of the days from booking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub period: String,
    /// Aligned with [`Report::columns`]; `None` when not known (e.g. no ente for a postal letter).
    pub values: Vec<Option<String>>,
    pub event: String,
    pub kind: Option<String>,
    pub count: Cell,
    /// Whole days; only for completions whose count is shown.
    pub median_days: Option<i32>,
    pub p90_days: Option<i32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub options: Options,
    /// Names of the dimension columns (a municipality gives its code and its name).
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
}

impl Report {
    /// The report as JSON: its options and one object per row.
    pub fn to_json(&self) -> serde_json::Value {
        let rows: Vec<serde_json::Value> = self
            .rows
            .iter()
            .map(|r| {
                let mut o = serde_json::Map::new();
                o.insert("period".into(), json!(r.period));
                for (c, v) in self.columns.iter().zip(&r.values) {
                    o.insert(c.clone(), json!(v));
                }
                o.insert("event".into(), json!(r.event));
                o.insert("kind".into(), json!(r.kind));
                o.insert("count".into(), json!(r.count));
                o.insert("median_days".into(), json!(r.median_days));
                o.insert("p90_days".into(), json!(r.p90_days));
                serde_json::Value::Object(o)
            })
            .collect();
        json!({ "options": self.options, "rows": rows })
    }
}

/// The order events are listed in, and the order of their kinds.
const EVENTS: [&str; 11] = [
    "registered",
    "booked",
    "completed",
    "discarded",
    "activated",
    "promoted",
    "revoked",
    "letter-printed",
    "helpdesk",
    "locked",
    "",
];
const KINDS: [&str; 11] =
    ["", "verification", "promotion", "reset", "pin", "revocation", "desk", "letter", "death", "honoured", "refused"];

fn rank(list: &[&str], v: &str) -> usize {
    list.iter().position(|x| *x == v).unwrap_or(list.len())
}

fn check(opts: &Options) -> Result<()> {
    if opts.min_cell < 1 {
        return Err(Error::Invalid(crate::msg!("stats-min-cell", min_cell = opts.min_cell)));
    }
    if let (Some(from), Some(to)) = (opts.from, opts.to)
        && from > to
    {
        return Err(Error::Invalid(crate::msg!("search-from-after-to", from = from.to_string(), to = to.to_string())));
    }
    Ok(())
}

/// Counts by period and dimensions, with the small-cell rule applied by the database (at no
/// less than its own floor, with complementary suppression: sql/V28 `api.stats_report`), which
/// records the run with its options and the number of rows.
pub async fn report(session: &Session, mut opts: Options) -> Result<Report> {
    require_role(session)?;
    check(&opts)?;
    let mut seen = Vec::new();
    opts.group.retain(|d| {
        let fresh = !seen.contains(d);
        seen.push(*d);
        fresh
    });
    let client = session.db.client().await?;
    let query = CountQuery {
        period: opts.by.as_str(),
        dimensions: opts.group.iter().map(|d| d.as_str()).collect(),
        from: opts.from,
        to: opts.to,
        min_cell: i32::try_from(opts.min_cell).unwrap_or(i32::MAX),
        source: source(&opts),
    };
    let mut counts = store::counts(&client, &query).await?;
    if let Some(c) = counts.first() {
        opts.min_cell = i64::from(c.min_cell);
    }
    counts.sort_by(|a, b| {
        (a.period, &a.values, rank(&EVENTS, &a.event), rank(&KINDS, &a.kind), &a.kind).cmp(&(
            b.period,
            &b.values,
            rank(&EVENTS, &b.event),
            rank(&KINDS, &b.kind),
            &b.kind,
        ))
    });

    let mut columns = Vec::new();
    for d in &opts.group {
        match d {
            Dimension::Municipality => {
                columns.push("municipality_code".to_string());
                columns.push("municipality".to_string());
            }
            Dimension::Strength => columns.push("strong".to_string()),
            other => columns.push(other.column().trim_end_matches("_id").to_string()),
        }
    }
    let rows = counts
        .into_iter()
        .map(|c| {
            let count = match (c.n, c.hidden) {
                (Some(n), None) => Cell::Count(n),
                (_, Some(Hidden::Complementary)) => Cell::Withheld,
                _ => Cell::Below(i64::from(c.min_cell)),
            };
            let shown = matches!(count, Cell::Count(_));
            let mut out = Vec::with_capacity(columns.len());
            for (d, v) in opts.group.iter().zip(c.values) {
                let v = Some(v).filter(|v| !v.is_empty());
                if *d == Dimension::Municipality {
                    let named = v.is_some();
                    out.push(v);
                    out.push(c.municipality_name.clone().filter(|_| named));
                } else {
                    out.push(v);
                }
            }
            Row {
                period: opts.by.label(c.period),
                values: out,
                event: c.event,
                kind: Some(c.kind).filter(|k| !k.is_empty()),
                count,
                median_days: c.median_days.filter(|_| shown),
                p90_days: c.p90_days.filter(|_| shown),
            }
        })
        .collect::<Vec<_>>();
    Ok(Report { options: opts, columns, rows })
}

/// One registration in the record-level export: no name, fiscal code, address or document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    /// Stands for the person in this export only.
    pub pseudonym: String,
    pub birth_year: Option<i32>,
    pub sex: Option<String>,
    pub province: Option<String>,
    /// ISTAT code.
    pub municipality: Option<String>,
    pub community: String,
    /// The registration's state; `revocato` once revoked.
    pub state: String,
    pub strong: Option<bool>,
    pub registered: NaiveDate,
    pub verified: Option<NaiveDate>,
    pub activated: Option<NaiveDate>,
    pub revoked: Option<NaiveDate>,
}

/// The key under which a person is the same live or revoked (derived from the service key: it
/// computes nothing but keyed hashes of fiscal codes, which the database holds anyway).
fn person_key(key: &SecretKey) -> Vec<u8> {
    key.hash_text(Purpose::Pseudonym, "stats-person-key", "v1")
}

/// A person for the record-level export, kept in a tombstone so that a citizen revoked and
/// registered again is one pseudonym within an export: HMAC-SHA-256 under the person key of
/// the fiscal code, as sql/V7__statistics.sql computes it for live registrations.
pub fn person(key: &SecretKey, fiscal_code: &str) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&person_key(key)).expect("any key length");
    mac.update(fiscal_code.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// The bounds of a record-level export: the days of registration.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RecordOptions {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// The record-level export: one row per registration (live or revoked) registered between the
/// days given, each handed to `sink` as it is read. The run is recorded in the audit log, with
/// its options and the number of rows, before any row is read. `key` is the service's key (see
/// [`person`]), so that a person revoked and registered again has one pseudonym within the
/// export. Returns the number of rows.
pub async fn records(
    session: &Session,
    key: &SecretKey,
    opts: RecordOptions,
    mut sink: impl FnMut(Record) -> Result<()>,
) -> Result<u64> {
    require_role(session)?;
    check(&Options { from: opts.from, to: opts.to, ..Default::default() })?;
    // The request is recorded by the database (and committed: a statement of its own) before
    // any row is read: the database refuses the export otherwise.
    let audit = session.db.client().await?;
    store::request_records(&audit, opts.from, opts.to).await?;
    drop(audit);

    let mut client = session.db.client().await?;
    let tx = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let mut written = 0u64;
    {
        let person_key = person_key(key);
        let stream = store::records(&tx, opts.from, opts.to, &person_key).await?;
        let mut stream = std::pin::pin!(stream);
        while let Some(r) = stream.next().await {
            sink(to_record(r?))?;
            written += 1;
        }
    }
    tx.commit().await?;
    Ok(written)
}

fn to_record(r: RawRecord) -> Record {
    Record {
        pseudonym: hex::encode(&r.pseudonym),
        birth_year: r.birth_year,
        sex: r.sex,
        province: r.province,
        municipality: r.municipality,
        community: r.community,
        state: r.state.unwrap_or_else(|| "revocato".into()),
        strong: r.strong,
        registered: r.registered,
        verified: r.verified,
        activated: r.activated,
        revoked: r.revoked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_below_the_threshold_are_hidden() {
        assert_eq!(Cell::new(2, 3).to_string(), "<3");
        assert_eq!(Cell::new(3, 3).to_string(), "3");
        assert_eq!(serde_json::to_string(&Cell::new(1, 5)).unwrap(), "\"<5\"");
        assert_eq!(serde_json::to_string(&Cell::new(7, 5)).unwrap(), "7");
    }

    #[test]
    fn periods_are_named() {
        let d = NaiveDate::from_ymd_opt(2026, 5, 4).unwrap();
        assert_eq!(Period::Day.label(d), "2026-05-04");
        assert_eq!(Period::Week.label(d), "2026-W19");
        assert_eq!(Period::Month.label(d), "2026-05");
    }

    #[test]
    fn monthly_roll_ups_answer_whole_months_only() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let by = |group: Vec<Dimension>, from: Option<&str>, to: Option<&str>, by: Period| {
            source(&Options { by, group, from: from.map(d), to: to.map(d), min_cell: 3 })
        };
        use Dimension::*;
        assert_eq!(by(vec![Province], None, None, Period::Month), Source::MonthlyByProvince);
        assert_eq!(by(vec![], Some("2026-02-01"), Some("2026-02-28"), Period::Month), Source::MonthlyByProvince);
        assert_eq!(by(vec![State, Strength], None, Some("2024-02-29"), Period::Month), Source::MonthlyByState);
        assert_eq!(by(vec![Province], Some("2026-02-02"), None, Period::Month), Source::Fine);
        assert_eq!(by(vec![Province], None, Some("2026-02-27"), Period::Month), Source::Fine);
        assert_eq!(by(vec![Province], None, None, Period::Week), Source::Fine);
        assert_eq!(by(vec![Province, State], None, None, Period::Month), Source::Fine);
        assert_eq!(by(vec![Ente], None, None, Period::Month), Source::Fine);
    }

    #[test]
    fn a_person_depends_on_the_service_key_only() {
        let (a, b) = (SecretKey::from_bytes([1; 32]), SecretKey::from_bytes([2; 32]));
        assert_eq!(person(&a, "RSSMRA85T10L219G"), person(&a, "RSSMRA85T10L219G"));
        assert_ne!(person(&a, "RSSMRA85T10L219G"), person(&b, "RSSMRA85T10L219G"));
        assert_ne!(person_key(&a), person_key(&b));
    }
}
