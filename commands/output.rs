//! Printing listings and details as a table, CSV or JSON.
//!
//! CSV and JSON share one schema: the CSV is written from the JSON of the same rows, so its
//! columns are the JSON keys in the same order and its cells the same values (`true`/`false`,
//! numbers, text; `null` is an empty cell; a list of values is one cell, joined with ", "; a
//! nested object is its compact JSON in a listing, and dotted field names in a detail).
//! Every CSV cell goes through the library's formula neutralisation (`sportello::safe_csv`).
//! Tables fit the terminal: `COLUMNS` when set, else the terminal's width (no limit when the
//! output is not a terminal), without splitting a code, a date or a number (`table_fit`).

use std::io::IsTerminal;

use serde::Serialize;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use tabled::Tabled;
use tabled::settings::Style;

use crate::stdout::Stdout;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

fn fail(e: impl std::fmt::Display) -> sportello::Error {
    sportello::Error::Io { context: msg!("io-write-output"), source: std::io::Error::other(e.to_string()) }
}

/// A column's header as people read it in a table: `col-<name>` of the catalogue, else the
/// name itself (CSV and JSON keep the names).
pub fn header(name: &str) -> String {
    let key = format!("col-{name}");
    let lang = sportello::i18n::current();
    if sportello::i18n::has(lang, &key) { sportello::i18n::render(lang, &key, &[]) } else { name.to_string() }
}

/// The width tables must fit: `COLUMNS`, else the terminal's; none when not on a terminal.
pub fn terminal_width() -> Option<usize> {
    if let Some(n) = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<usize>().ok()).filter(|n| *n > 0) {
        return Some(n);
    }
    if !std::io::stdout().is_terminal() {
        return None;
    }
    terminal_size::terminal_size().map(|(w, _)| w.0 as usize)
}

/// How tables are printed, from the global flags `--wide` and `--no-headers`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Layout {
    /// Every column whole, whatever the terminal's width.
    pub wide: bool,
    /// No header row (table) or line (CSV), for scripts.
    pub no_headers: bool,
}

static LAYOUT: std::sync::OnceLock<Layout> = std::sync::OnceLock::new();

/// Set once, from the command line, before anything is printed.
pub fn set_layout(layout: Layout) {
    let _ = LAYOUT.set(layout);
}

fn layout() -> Layout {
    LAYOUT.get().copied().unwrap_or_default()
}

/// A table in the house style, fitted to the terminal.
pub fn table<R: Tabled>(flat: &[R]) -> String {
    table_by_priority(flat, &[])
}

/// A table fitted to the terminal dropping first the columns a clerk needs least: `priority`
/// names the columns (as `R`'s headers) the most needed first; the others come after it.
pub fn table_by_priority<R: Tabled>(flat: &[R], priority: &[&str]) -> String {
    let names = R::headers();
    let priority: Vec<usize> = priority.iter().filter_map(|p| names.iter().position(|h| h.as_ref() == *p)).collect();
    let headers = names.iter().map(|h| header(h)).collect();
    let cells = flat.iter().map(|row| row.fields().iter().map(|c| c.to_string()).collect()).collect();
    render(headers, cells, &priority)
}

/// Headers and cells as a psql-style table, fitted to the terminal's width (unless `--wide`
/// or not on a terminal): what was dropped is said on standard error.
fn render(mut headers: Vec<String>, mut cells: Vec<Vec<String>>, priority: &[usize]) -> String {
    let layout = layout();
    if !layout.wide
        && let Some(width) = terminal_width()
    {
        let dropped = crate::table_fit::fit(&mut headers, &mut cells, width, priority);
        if !dropped.is_empty() {
            eprintln!("{}", tr!("columns-hidden", columns = dropped.join(", "), count = dropped.len()));
        }
    }
    let mut b = tabled::builder::Builder::default();
    if !layout.no_headers {
        b.push_record(headers);
    }
    for row in cells {
        b.push_record(row);
    }
    let mut table = b.build();
    if layout.no_headers {
        table.with(Style::psql().remove_horizontals());
    } else {
        table.with(Style::psql());
    }
    printable(table.to_string())
}

/// Text for a terminal: control characters (an escape sequence planted in a name or an audit
/// row would recolour, hide or rewrite the screen) shown as U+FFFD; line breaks kept.
pub fn printable(text: String) -> String {
    if !text.chars().any(|c| c.is_control() && c != '\n') {
        return text;
    }
    text.chars().map(|c| if c.is_control() && c != '\n' { '\u{fffd}' } else { c }).collect()
}

/// Prints rows: `flat` (one string per cell) as a table, `json` (a list of records, or one)
/// as JSON, and as CSV with the JSON's keys and values.
pub fn rows<R: Tabled, J: Serialize + ?Sized>(format: Format, flat: &[R], json: &J) -> sportello::Result<()> {
    rows_by_priority(format, flat, json, &[])
}

/// [`rows`], the table dropping the columns a clerk needs least first ([`table_by_priority`]).
pub fn rows_by_priority<R: Tabled, J: Serialize + ?Sized>(
    format: Format,
    flat: &[R],
    json: &J,
    priority: &[&str],
) -> sportello::Result<()> {
    match format {
        Format::Table => {
            if flat.is_empty() {
                println!("{}", tr!("no-results"));
            } else {
                println!("{}", table_by_priority(flat, priority));
            }
        }
        Format::Csv => csv_rows(json, &R::headers().iter().map(|h| h.to_string()).collect::<Vec<_>>())?,
        Format::Json => self::json(json)?,
    }
    Ok(())
}

/// Writes records (a JSON list, or one object) as CSV: one column per key. With no record,
/// the header line is `empty_headers`.
pub fn csv_rows<J: Serialize + ?Sized>(json: &J, empty_headers: &[String]) -> sportello::Result<()> {
    let records = match Json::of(json)? {
        Json::Array(items) => items,
        one => vec![one],
    };
    let mut w = sportello::safe_csv::Writer::from_writer(Stdout);
    match records.first() {
        Some(Json::Object(first)) => {
            if !layout().no_headers {
                w.write_headers(first.iter().map(|(k, _)| k.as_str())).map_err(fail)?;
            }
            for r in &records {
                let cells: Vec<String> = match r {
                    Json::Object(fields) => fields.iter().map(|(_, v)| v.cell()).collect(),
                    other => vec![other.cell()],
                };
                w.write_record(cells).map_err(fail)?;
            }
        }
        Some(_) => {
            if !layout().no_headers {
                w.write_headers(["value"]).map_err(fail)?;
            }
            for r in &records {
                w.write_record([r.cell()]).map_err(fail)?;
            }
        }
        None if layout().no_headers => {}
        None => w.write_headers(empty_headers).map_err(fail)?,
    }
    w.flush().map_err(fail)
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

/// Prints a detail: labelled field/value pairs as a table; the record as JSON; and as CSV,
/// `field,value` lines whose fields are the JSON's keys (dotted for nested objects).
pub fn detail<J: Serialize>(format: Format, fields: Vec<(String, String)>, json: &J) -> sportello::Result<()> {
    match format {
        Format::Table => {
            let flat: Vec<Field> = fields.into_iter().map(|(field, value)| Field { field, value }).collect();
            println!("{}", table(&flat));
        }
        Format::Csv => {
            let mut pairs = Vec::new();
            Json::of(json)?.flatten("", &mut pairs);
            let mut w = sportello::safe_csv::Writer::from_writer(Stdout);
            if !layout().no_headers {
                w.write_headers(["field", "value"]).map_err(fail)?;
            }
            for (k, v) in pairs {
                w.write_record([k, v]).map_err(fail)?;
            }
            w.flush().map_err(fail)?;
        }
        Format::Json => self::json(json)?,
    }
    Ok(())
}

/// Text of an optional value ("" when absent).
pub fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map(|v| v.to_string()).unwrap_or_default()
}

/// A value of the library's vocabularies (an operation's kind, its status, a document) in the
/// operator's language: the one place listings and detail views name them.
pub fn term(value: &str) -> String {
    sportello::i18n::term(value).as_str().to_string()
}

/// An audit outcome (`ok`, `refused`, …) in the operator's language (`term-outcome-…`), the
/// value itself when the catalogue has no words for it.
pub fn outcome(value: &str) -> String {
    let key = format!("outcome-{value}");
    let said = term(&key);
    if said == key { value.to_string() } else { said }
}

/// An action as the operator types it (the actions column of `search` and `show`): in Italian
/// the operation of a booking by its Italian name (`book --operation riscontro`), which the
/// command accepts as well; CSV and JSON keep the stored value.
pub fn action(label: &str) -> String {
    match sportello::domain::rules::Action::of_label(label) {
        Some(action) => action.said().as_str().to_string(),
        None => label.to_string(),
    }
}

/// A yes/no for people (tables); CSV and JSON say `true`/`false`.
pub fn yes_no(b: bool) -> String {
    if b { tr!("yes") } else { tr!("no") }
}

/// A moment as desks read it: Italian local time, with its zone (CET or CEST).
pub fn local(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&chrono_tz::Europe::Rome).format("%Y-%m-%d %H:%M %Z").to_string()
}

/// A moment to the second, Italian local time with its zone.
pub fn local_seconds(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&chrono_tz::Europe::Rome).format("%Y-%m-%d %H:%M:%S %Z").to_string()
}

/// The Italian calendar day of a moment.
pub fn day(t: &Option<chrono::DateTime<chrono::Utc>>) -> String {
    opt(&t.map(|t| t.with_timezone(&chrono_tz::Europe::Rome).date_naive()))
}

/// A run's counts (`{"already_revoked":1,"revoked":2}`) in words: "2 revoked, 1 already
/// revoked" (`count-<key>` of the catalogue, plural by the number); a key without words is
/// shown as `key: value`. JSON output keeps the object itself. The deaths of an import and
/// those revoked are one phrase: "1 death (1 revoked)".
pub fn counts_in_words(counts: &serde_json::Value) -> String {
    use sportello::i18n::Arg;
    let Some(map) = counts.as_object() else { return Json::readable(counts) };
    let lang = sportello::i18n::current();
    let mut parts: Vec<String> = Vec::new();
    for (key, value) in map {
        if key == "deaths_revoked" && map.contains_key("deaths") {
            continue;
        }
        let key_words = format!("count-{key}");
        match value.as_f64() {
            Some(n) if sportello::i18n::has(lang, &key_words) => {
                let revoked = map.get("deaths_revoked").and_then(|v| v.as_f64()).unwrap_or(0.0);
                let args = [("count", Arg::Num(n)), ("revoked", Arg::Num(revoked))];
                parts.push(sportello::i18n::render(lang, &key_words, &args))
            }
            _ => parts.push(format!("{key}: {}", Json::readable(value))),
        }
    }
    if parts.is_empty() { tr!("counts-none") } else { parts.join(", ") }
}

/// Prints a value as pretty JSON.
pub fn json<T: Serialize + ?Sized>(value: &T) -> sportello::Result<()> {
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
        Format::Table if cells.is_empty() => println!("{}", tr!("no-results")),
        Format::Table => println!("{}", render(headers.iter().map(|h| header(h)).collect(), cells.to_vec(), &[])),
        Format::Csv => {
            let mut w = sportello::safe_csv::Writer::from_writer(std::io::stdout());
            if !layout().no_headers {
                w.write_record(headers).map_err(fail)?;
            }
            for row in cells {
                w.write_record(row).map_err(fail)?;
            }
            w.flush().map_err(fail)?;
        }
        Format::Json => println!("{}", serde_json::to_string_pretty(json).map_err(fail)?),
    }
    Ok(())
}

/// JSON whose objects keep their keys in order (`serde_json::Value` sorts them), to write the
/// CSV columns in the order of the JSON.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    pub fn of<T: Serialize + ?Sized>(value: &T) -> sportello::Result<Json> {
        let text = serde_json::to_string(value).map_err(fail)?;
        serde_json::from_str(&text).map_err(fail)
    }

    fn compact(&self) -> String {
        match self {
            Json::Null => "null".into(),
            Json::Bool(b) => b.to_string(),
            Json::Number(n) => n.clone(),
            Json::String(s) => serde_json::Value::String(s.clone()).to_string(),
            Json::Array(items) => format!("[{}]", items.iter().map(Json::compact).collect::<Vec<_>>().join(",")),
            Json::Object(fields) => format!(
                "{{{}}}",
                fields
                    .iter()
                    .map(|(k, v)| format!("{}:{}", serde_json::Value::String(k.clone()), v.compact()))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        }
    }

    /// The text of one CSV cell.
    pub fn cell(&self) -> String {
        match self {
            Json::Null => String::new(),
            Json::Bool(b) => b.to_string(),
            Json::Number(n) => n.clone(),
            Json::String(s) => s.clone(),
            Json::Array(items) if items.iter().all(|i| !matches!(i, Json::Array(_) | Json::Object(_))) => {
                items.iter().map(Json::cell).collect::<Vec<_>>().join(", ")
            }
            other => other.compact(),
        }
    }

    /// Dotted key and cell of every scalar (a list of scalars counts as one).
    pub fn flatten(&self, prefix: &str, out: &mut Vec<(String, String)>) {
        match self {
            Json::Object(fields) => {
                for (k, v) in fields {
                    let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                    v.flatten(&key, out);
                }
            }
            other => out.push((prefix.to_string(), other.cell())),
        }
    }

    /// A readable one-line-per-field text of a JSON value (`key: value`), for tables.
    pub fn readable(value: &serde_json::Value) -> String {
        let Ok(json) = Json::of(value) else { return value.to_string() };
        match json {
            Json::Object(_) => {
                let mut pairs = Vec::new();
                json.flatten("", &mut pairs);
                pairs.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join("\n")
            }
            other => other.cell(),
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Json;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_none<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
                Json::deserialize(d)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
                Ok(Json::Bool(b))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Json, E> {
                Ok(Json::Number(n.to_string()))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Json, E> {
                Ok(Json::Number(n.to_string()))
            }
            fn visit_f64<E>(self, n: f64) -> Result<Json, E> {
                Ok(Json::Number(serde_json::Value::from(n).to_string()))
            }
            fn visit_str<E>(self, s: &str) -> Result<Json, E> {
                Ok(Json::String(s.to_string()))
            }
            fn visit_string<E>(self, s: String) -> Result<Json, E> {
                Ok(Json::String(s))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Json::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
                let mut fields = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Json>()? {
                    fields.push((k, v));
                }
                Ok(Json::Object(fields))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Inner {
        zeta: Option<i64>,
        alpha: bool,
    }

    #[derive(Serialize)]
    struct Outer {
        name: &'static str,
        list: Vec<&'static str>,
        inner: Inner,
    }

    #[test]
    fn terminal_escapes_never_reach_the_terminal() {
        assert_eq!(printable("a\u{1b}[2Jb\rc\n\u{7}".into()), "a\u{fffd}[2Jb\u{fffd}c\n\u{fffd}");
        assert_eq!(printable("Nicolò D'Angelo\n".into()), "Nicolò D'Angelo\n");
    }

    #[test]
    fn keys_keep_their_order_and_values_their_json_text() {
        let v = Json::of(&Outer { name: "x", list: vec!["a", "b"], inner: Inner { zeta: None, alpha: true } }).unwrap();
        let mut pairs = Vec::new();
        v.flatten("", &mut pairs);
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(pairs, [("name", "x"), ("list", "a, b"), ("inner.zeta", ""), ("inner.alpha", "true")]);
        let Json::Object(fields) = v else { panic!() };
        assert_eq!(fields[2].1.cell(), r#"{"zeta":null,"alpha":true}"#);
    }
}
