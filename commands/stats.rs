//! `sportello stats`: counts for the Region, and the record-level export.

use std::io::Write;

use chrono::NaiveDate;
use clap::Args;
use sportello::domain::parse_date;
use sportello::stats::{self, Dimension, Options, Period, Record, RecordOptions};

use crate::output::{self, Format, Json};
use crate::{Env, in_session};

#[derive(Debug, Args)]
#[command(after_help = "Counts what happened in each period: registrations; operations booked,
completed (with the median and 90th percentile of the days from booking) and
discarded, by kind; activations; promotions; revocations at the desk and by
letter; postal PIN letters printed; helpdesk requests honoured and refused;
lockouts. Residence, community, state and strength are the registration's
when the event happened. A count below --min-cell is shown as <N. No output
carries a fiscal code, a name, an address, an email or a document.

--records exports one row per registration (registered between --from and
--to): year of birth, sex, residence, community, state, strength, the days of
registration, verification, activation and revocation, and a pseudonym that
links the rows of one person within this export only (a new random key is
made for each export, and never kept).

Examples:
  sportello stats --by month --group province
  sportello stats --by week --group ente,operator --from 2026-01-01
  sportello stats --by day --group municipality --min-cell 5 --format csv
  sportello stats --records --from 2026-01-01 --format csv > records.csv")]
pub struct StatsArgs {
    /// Length of the periods.
    #[arg(long, value_parser = crate::choice::choice::<Period>(), default_value = "month")]
    by: Period,
    /// Also count by these, comma-separated.
    #[arg(long, value_parser = crate::choice::choice::<Dimension>(), value_delimiter = ',', value_name = "DIMENSIONS")]
    group: Vec<Dimension>,
    /// From this day (of the event; of registration with --records).
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    from: Option<NaiveDate>,
    /// Up to this day, included.
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    to: Option<NaiveDate>,
    /// Smallest count shown; smaller ones are shown as <N.
    #[arg(long, default_value_t = stats::DEFAULT_MIN_CELL, value_name = "N")]
    min_cell: i64,
    /// One row per registration, with a pseudonym instead of the identity.
    #[arg(long, conflicts_with_all = ["by", "group", "min_cell"])]
    records: bool,
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(|v| v.to_string()).unwrap_or_default()
}

pub async fn run(env: &Env, a: StatsArgs) -> sportello::Result<i32> {
    if a.records {
        return records(env, RecordOptions { from: a.from, to: a.to }).await;
    }
    let opts = Options { by: a.by, group: a.group, from: a.from, to: a.to, min_cell: a.min_cell };
    let report = in_session(env, async |s| stats::report(s, opts).await).await?;
    let mut headers = vec!["period".to_string()];
    headers.extend(report.columns.iter().cloned());
    headers.extend(["event", "kind", "count", "median_days", "p90_days"].map(String::from));
    let blank = if env.format == Format::Table { "-" } else { "" };
    let cells: Vec<Vec<String>> = report
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![r.period.clone()];
            row.extend(r.values.iter().map(|v| v.clone().unwrap_or_else(|| blank.to_string())));
            row.push(r.event.clone());
            row.push(opt(&r.kind));
            row.push(r.count.to_string());
            row.push(opt(&r.median_days));
            row.push(opt(&r.p90_days));
            row
        })
        .collect();
    output::grid(env.format, &headers, &cells, &report.to_json())?;
    Ok(0)
}

const RECORD_HEADERS: [&str; 12] = [
    "pseudonym",
    "birth_year",
    "sex",
    "province",
    "municipality",
    "community",
    "state",
    "strong",
    "registered",
    "verified",
    "activated",
    "revoked",
];

fn record_cells(r: &Record) -> Vec<String> {
    vec![
        r.pseudonym.clone(),
        opt(&r.birth_year),
        opt(&r.sex),
        opt(&r.province),
        opt(&r.municipality),
        r.community.clone(),
        r.state.clone(),
        r.strong.map(output::yes_no).unwrap_or_default(),
        r.registered.to_string(),
        opt(&r.verified),
        opt(&r.activated),
        opt(&r.revoked),
    ]
}

fn write_error(e: impl std::fmt::Display) -> sportello::Error {
    sportello::Error::Io { context: msg!("io-write-output"), source: std::io::Error::other(e.to_string()) }
}

/// Streams the export: CSV and JSON row by row, a table once all rows are read.
async fn records(env: &Env, opts: RecordOptions) -> sportello::Result<i32> {
    let key = env.key()?;
    let format = env.format;
    let mut csv = sportello::safe_csv::Writer::from_writer(std::io::BufWriter::new(std::io::stdout()));
    let mut json = std::io::BufWriter::new(std::io::stdout());
    let mut table: Vec<Vec<String>> = Vec::new();
    let mut first = true;
    let headers: Vec<String> = RECORD_HEADERS.iter().map(|h| h.to_string()).collect();
    if format == Format::Csv {
        csv.write_record(&headers).map_err(write_error)?;
    }
    let sink = |r: Record| -> sportello::Result<()> {
        match format {
            // The cells of the JSON, so that both formats hold one schema.
            Format::Csv => {
                let mut cells = Vec::with_capacity(RECORD_HEADERS.len());
                Json::of(&r)?.flatten("", &mut cells);
                csv.write_record(cells.into_iter().map(|(_, v)| v)).map_err(write_error)
            }
            Format::Json => {
                let sep = if first { "[\n  " } else { ",\n  " };
                first = false;
                json.write_all(sep.as_bytes()).map_err(write_error)?;
                serde_json::to_writer(&mut json, &r).map_err(write_error)
            }
            Format::Table => {
                table.push(record_cells(&r));
                Ok(())
            }
        }
    };
    in_session(env, async |s| stats::records(s, &key, opts, sink).await).await?;
    match format {
        Format::Csv => csv.flush().map_err(write_error)?,
        Format::Json => {
            json.write_all(if first { b"[]\n" } else { b"\n]\n" }).map_err(write_error)?;
            json.flush().map_err(write_error)?;
        }
        Format::Table => output::grid(format, &headers, &table, &())?,
    }
    Ok(0)
}
