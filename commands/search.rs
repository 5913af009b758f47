//! `sportello search`: the desk's search page.

use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use serde::Serialize;
use sportello::desk::search::{self, Query};
use sportello::domain::{Community, State, parse_date};
use sportello::store::registrations::SearchRow;
use tabled::Tabled;

use crate::output::{self, opt, yes_no};
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

Examples:
  sportello search --last-name ross --first-name mar
  sportello search --cf RSSMRA85 --state riscontrato --strong n
  sportello search --province TO --municipality Torino \\
      --from 2026-01-01 --to 2026-06-30 --format csv
  sportello search --number 1000042 --format json")]
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
    /// At most this many results.
    #[arg(long, default_value_t = 50)]
    limit: i64,
}

#[derive(Tabled, Serialize)]
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
        state: r.state.to_string(),
        strong: yes_no(r.strong),
        operation_in_progress: opt(&r.operation_in_progress),
        actions: r.actions.join(", "),
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
        limit: a.limit,
    };
    let rows = in_session(env, async |s| search::search(s, query).await).await?;
    let flat: Vec<Row> = rows.iter().map(row).collect();
    output::rows(env.format, &flat, &rows)?;
    Ok(0)
}
