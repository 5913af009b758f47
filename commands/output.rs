//! Printing listings and details as a table, CSV or JSON.

use serde::Serialize;
use tabled::settings::Style;
use tabled::{Table, Tabled};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

fn fail(e: impl std::fmt::Display) -> sportello::Error {
    sportello::Error::Io { context: "cannot write the output".into(), source: std::io::Error::other(e.to_string()) }
}

/// Prints rows: `flat` (one string per cell) for table and CSV, `json` for JSON.
pub fn rows<R: Tabled + Serialize, J: Serialize>(format: Format, flat: &[R], json: &J) -> sportello::Result<()> {
    match format {
        Format::Table => {
            if flat.is_empty() {
                println!("(no results)");
            } else {
                let mut table = Table::new(flat);
                table.with(Style::psql());
                println!("{table}");
            }
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(std::io::stdout());
            if flat.is_empty() {
                w.write_record(R::headers().iter().map(|h| h.as_ref())).map_err(fail)?;
            }
            for r in flat {
                w.serialize(r).map_err(fail)?;
            }
            w.flush().map_err(fail)?;
        }
        Format::Json => println!("{}", serde_json::to_string_pretty(json).map_err(fail)?),
    }
    Ok(())
}

/// A rejected input row, as listed.
#[derive(Debug, Tabled, Serialize)]
pub struct RejectRow {
    pub line: u64,
    pub field: String,
    pub value: String,
    pub reason: String,
}

pub fn reject_rows(rejects: &[sportello::batch::Reject]) -> Vec<RejectRow> {
    rejects
        .iter()
        .map(|r| RejectRow { line: r.line, field: r.field.clone(), value: r.value.clone(), reason: r.reason.clone() })
        .collect()
}

/// A field/value pair of a detail view.
#[derive(Debug, Tabled, Serialize)]
pub struct Field {
    pub field: String,
    pub value: String,
}

/// Prints a detail: field/value pairs for table and CSV, the whole record for JSON.
pub fn detail<J: Serialize>(format: Format, fields: Vec<(&str, String)>, json: &J) -> sportello::Result<()> {
    let flat: Vec<Field> = fields.into_iter().map(|(f, v)| Field { field: f.to_string(), value: v }).collect();
    rows(format, &flat, json)
}

/// Text of an optional value ("" when absent).
pub fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map(|v| v.to_string()).unwrap_or_default()
}

pub fn yes_no(b: bool) -> String {
    if b { "Y".into() } else { "N".into() }
}

/// A moment as desks read it: Italian local time.
pub fn local(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&chrono_tz::Europe::Rome).format("%Y-%m-%d %H:%M").to_string()
}

/// The Italian calendar day of a moment.
pub fn day(t: &Option<chrono::DateTime<chrono::Utc>>) -> String {
    opt(&t.map(|t| t.with_timezone(&chrono_tz::Europe::Rome).date_naive()))
}

/// Prints a value as pretty JSON.
pub fn json<T: Serialize>(value: &T) -> sportello::Result<()> {
    println!("{}", serde_json::to_string_pretty(value).map_err(fail)?);
    Ok(())
}

/// Prints a grid whose columns are known only at run time: a table or CSV from `headers` and
/// `cells`, or `json` as it is.
pub fn grid<J: Serialize>(
    format: Format,
    headers: &[String],
    cells: &[Vec<String>],
    json: &J,
) -> sportello::Result<()> {
    match format {
        Format::Table if cells.is_empty() => println!("(no results)"),
        Format::Table => {
            let mut b = tabled::builder::Builder::default();
            b.push_record(headers.iter().cloned());
            for row in cells {
                b.push_record(row.iter().cloned());
            }
            let mut table = b.build();
            table.with(Style::psql());
            println!("{table}");
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(std::io::stdout());
            w.write_record(headers).map_err(fail)?;
            for row in cells {
                w.write_record(row).map_err(fail)?;
            }
            w.flush().map_err(fail)?;
        }
        Format::Json => println!("{}", serde_json::to_string_pretty(json).map_err(fail)?),
    }
    Ok(())
}
