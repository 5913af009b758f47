//! `sportello search`: the desk's search page.

use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use serde::Serialize;
use sportello::desk::search::{self, Page, Query};
use sportello::domain::{Community, State, parse_date};
use sportello::store::registrations::SearchRow;
use tabled::Tabled;

use crate::output::{self, opt, term, yes_no};
use crate::{Env, in_session};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Strong {
    Y,
    N,
    All,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Name and fiscal-code filters match the beginning of the value; `*` stands
for any text (e.g. --last-name '*rossi*'). Dates are YYYY-MM-DD.

Case, accents, apostrophes, spaces and hyphens do not matter in names:
--last-name dangelo finds D'ANGELO, --first-name nicolo finds NICOLÒ.

How many results there are in all is said on standard error (\"50 of
1,234 shown\"); --page and --offset walk through them. JSON gives
{\"total\", \"total_exact\", \"offset\", \"limit\", \"rows\"}; CSV gives the
rows with the same keys and values (a list is one cell, joined with \", \").

Examples:
  sportello search --last-name ross --first-name mar
  sportello search --cf RSSMRA85 --state riscontrato --strong n
  sportello search --province TO --municipality Torino \\
      --from 2026-01-01 --to 2026-06-30 --format csv
  sportello search --number 1000042 --format json
  sportello search --suspended --province TO")]
pub struct SearchArgs {
    /// Community of registration.
    #[arg(long, value_parser = crate::choice::choice::<Community>())]
    community: Option<Community>,
    /// Fiscal code, whole or its beginning.
    #[arg(long)]
    cf: Option<String>,
    /// Surname, or its beginning.
    #[arg(long)]
    last_name: Option<String>,
    /// First name, or its beginning.
    #[arg(long)]
    first_name: Option<String>,
    /// Province of residence (code or name).
    #[arg(long)]
    province: Option<String>,
    /// Municipality of residence (name, ISTAT or cadastral code).
    #[arg(long)]
    municipality: Option<String>,
    /// Registered on or after this day.
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    from: Option<NaiveDate>,
    /// Registered on or before this day.
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    to: Option<NaiveDate>,
    /// State of the registration.
    #[arg(long, value_parser = crate::choice::choice::<State>())]
    state: Option<State>,
    /// Strong credentials.
    #[arg(long, value_enum, default_value_t = Strong::All)]
    strong: Strong,
    /// Registration number (exact).
    #[arg(long)]
    number: Option<i64>,
    /// Only registrations whose credentials are suspended.
    #[arg(long)]
    suspended: bool,
    /// At most this many results (a page): 1 to 10000.
    #[arg(long, default_value_t = 50)]
    limit: i64,
    /// Skip this many results first.
    #[arg(long, default_value_t = 0, conflicts_with = "page")]
    offset: i64,
    /// Show this page of results (1 is the first; pages are --limit long).
    #[arg(long, value_parser = page_number)]
    page: Option<i64>,
}

/// A page number: 1 or more, said in words otherwise (not "0 is not in 1..9223372036854775807").
fn page_number(s: &str) -> Result<i64, sportello::i18n::Message> {
    s.trim().parse::<i64>().ok().filter(|n| *n >= 1).ok_or_else(|| msg!("page-from-one", value = s))
}

#[derive(Tabled)]
struct Row {
    number: i64,
    last_name: String,
    first_name: String,
    fiscal_code: String,
    municipality: String,
    registration_date: NaiveDate,
    community: String,
    state: String,
    strong: String,
    operation_in_progress: String,
    actions: String,
}

fn row(r: &SearchRow) -> Row {
    Row {
        number: r.registration_number,
        last_name: opt(&r.last_name),
        first_name: opt(&r.first_name),
        fiscal_code: r.fiscal_code.clone(),
        municipality: match (&r.municipality, &r.province) {
            (Some(m), Some(p)) => format!("{m} ({p})"),
            (m, _) => opt(m),
        },
        registration_date: r.registration_date,
        community: r.community.to_string(),
        // A suspension is not a state of its own (sql/V31): the column says it beside the state.
        state: if r.suspended {
            tr!("search-state-suspended", state = r.state.to_string())
        } else {
            r.state.to_string()
        },
        strong: yes_no(r.strong),
        operation_in_progress: r.operation_in_progress.as_ref().map(|k| term(k.as_str())).unwrap_or_default(),
        actions: r.actions.iter().map(|a| output::action(a)).collect::<Vec<_>>().join(", "),
    }
}

/// The JSON of a search: the page and the total.
#[derive(Serialize)]
struct Json<'a> {
    total: i64,
    total_exact: bool,
    offset: i64,
    limit: i64,
    rows: &'a [SearchRow],
}

/// 1234567 as "1,234,567" (in Italian "1.234.567").
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let separator = match sportello::i18n::current() {
        sportello::i18n::Lang::En => ',',
        sportello::i18n::Lang::It => '.',
    };
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(d);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// "50 of 1,234 shown", with where the page starts and how to get the next one.
fn summary(page: &Page, limit: i64) -> String {
    let shown = page.rows.len() as i64;
    let total =
        if page.total_exact { thousands(page.total) } else { tr!("search-more-than", total = thousands(page.total)) };
    let mut text = tr!("search-shown", shown = thousands(shown), total = total);
    if page.offset > 0 && shown > 0 {
        text.push_str(&tr!(
            "search-results-range",
            first = thousands(page.offset + 1),
            last = thousands(page.offset + shown)
        ));
    }
    let end = page.offset + shown;
    if shown > 0 && (end < page.total || !page.total_exact) {
        if page.offset % limit == 0 {
            text.push_str(&tr!("search-next-page", page = page.offset / limit + 2));
        } else {
            text.push_str(&tr!("search-next-offset", offset = end));
        }
    }
    text
}

/// The CSV columns of a search with no result: the JSON keys of a row.
fn keys() -> Vec<String> {
    let sample = SearchRow {
        registration_number: 0,
        last_name: None,
        first_name: None,
        fiscal_code: String::new(),
        municipality: None,
        municipality_code: None,
        province: None,
        registration_date: NaiveDate::MIN,
        community: Community::SistemaPiemonte,
        state: State::Registrato,
        strong: false,
        operation_in_progress: None,
        suspended: false,
        actions: Vec::new(),
    };
    match output::Json::of(&sample) {
        Ok(output::Json::Object(fields)) => fields.into_iter().map(|(k, _)| k).collect(),
        _ => Vec::new(),
    }
}

pub async fn run(env: &Env, a: SearchArgs) -> sportello::Result<i32> {
    let query = Query {
        community: a.community,
        fiscal_code: a.cf,
        last_name: a.last_name,
        first_name: a.first_name,
        province: a.province,
        municipality: a.municipality,
        registered_from: a.from,
        registered_to: a.to,
        state: a.state,
        strong: match a.strong {
            Strong::Y => Some(true),
            Strong::N => Some(false),
            Strong::All => None,
        },
        registration_number: a.number,
        suspended: a.suspended.then_some(true),
        limit: a.limit,
        offset: match a.page {
            Some(p) => (p - 1).saturating_mul(a.limit.max(1)),
            None => a.offset,
        },
    };
    let page = in_session(env, async |s| search::page(s, query).await).await?;
    match env.format {
        output::Format::Table => {
            let flat: Vec<Row> = page.rows.iter().map(row).collect();
            output::rows(env.format, &flat, &page.rows)?;
        }
        output::Format::Csv => output::csv_rows(&page.rows, &keys())?,
        output::Format::Json => output::json(&Json {
            total: page.total,
            total_exact: page.total_exact,
            offset: page.offset,
            limit: a.limit,
            rows: &page.rows,
        })?,
    }
    eprintln!("{}", summary(&page, a.limit.max(1)));
    Ok(0)
}
