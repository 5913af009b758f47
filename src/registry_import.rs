//! Loading a registry export (CIA municipal registry or AURA health registry) into its mirror.
//!
//! Format (README "Registry files"): CSV with a header, `;` or `,` separated, UTF-8 (or
//! Latin-1 for legacy files). Columns: `fiscal_code, first_name, last_name, birth_date, sex,
//! address, street_number, postcode, municipality, doc_type, doc_number, doc_issued,
//! doc_issuer` (the document columns may be empty). Bad rows are reported with line, field
//! and reason; good rows are upserted; a row equal to the stored one is not touched.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::domain::{DocType, FiscalCode, check_postcode, parse_date};
use crate::error::{Error, Result};
use crate::session::Session;
use crate::store::registry::Source;

/// Text encoding of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Encoding {
    #[value(name = "utf-8")]
    Utf8,
    #[value(name = "latin-1")]
    Latin1,
}

/// A bad input row: where, which field, what it held and why it was refused.
#[derive(Debug, Clone, PartialEq, Serialize, tabled::Tabled)]
pub struct Reject {
    pub line: u64,
    pub field: String,
    pub value: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub rows: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: Vec<Reject>,
}

#[derive(Debug, Deserialize)]
struct RawRow {
    fiscal_code: String,
    first_name: String,
    last_name: String,
    birth_date: String,
    sex: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    street_number: String,
    #[serde(default)]
    postcode: String,
    municipality: String,
    #[serde(default)]
    doc_type: String,
    #[serde(default)]
    doc_number: String,
    #[serde(default)]
    doc_issued: String,
    #[serde(default)]
    doc_issuer: String,
}

/// A validated row, in the shape of the mirror table.
#[derive(Debug, Clone)]
struct Resident {
    fiscal_code: String,
    first_name: String,
    last_name: String,
    birth_date: chrono::NaiveDate,
    sex: String,
    address: Option<String>,
    street_number: Option<String>,
    postcode: Option<String>,
    municipality: String,
    doc_type: Option<String>,
    doc_number: Option<String>,
    doc_issued: Option<chrono::NaiveDate>,
    doc_issuer: Option<String>,
}

fn opt(s: &str) -> Option<String> {
    crate::domain::clean_text(s)
}

/// Municipality codes accepted in the file: ISTAT code or cadastral code → ISTAT code.
type Municipalities = HashMap<String, String>;

fn validate(raw: RawRow, line: u64, municipalities: &Municipalities) -> std::result::Result<Resident, Reject> {
    let reject = |field: &str, value: &str, reason: String| Reject {
        line,
        field: field.into(),
        value: value.into(),
        reason,
    };
    let fc = FiscalCode::parse(&raw.fiscal_code).map_err(|e| reject("fiscal_code", &raw.fiscal_code, e.to_string()))?;
    let first_name = opt(&raw.first_name).ok_or_else(|| reject("first_name", "", "empty".into()))?;
    let last_name = opt(&raw.last_name).ok_or_else(|| reject("last_name", "", "empty".into()))?;
    let birth_date = parse_date(&raw.birth_date).map_err(|e| reject("birth_date", &raw.birth_date, e))?;
    if !fc.base_code().matches_birth_date(birth_date) {
        return Err(reject("birth_date", &raw.birth_date, format!("does not agree with fiscal code {fc}")));
    }
    let sex = raw.sex.trim().to_uppercase();
    if sex != "M" && sex != "F" {
        return Err(reject("sex", &raw.sex, "must be M or F".into()));
    }
    if !sex.starts_with(fc.sex()) {
        return Err(reject("sex", &raw.sex, format!("does not agree with fiscal code {fc}")));
    }
    let postcode = opt(&raw.postcode);
    if let Some(pc) = &postcode {
        check_postcode(pc).map_err(|e| reject("postcode", pc, e))?;
    }
    let municipality = municipalities
        .get(&raw.municipality.trim().to_uppercase())
        .cloned()
        .ok_or_else(|| reject("municipality", &raw.municipality, "unknown municipality code (ISTAT or cadastral code of Piedmont)".into()))?;
    let doc_type = match opt(&raw.doc_type) {
        Some(t) => Some(
            DocType::parse(&t)
                .ok_or_else(|| reject("doc_type", &t, "unknown document type".into()))?
                .as_str()
                .to_string(),
        ),
        None => None,
    };
    let doc_issued = match opt(&raw.doc_issued) {
        Some(d) => Some(parse_date(&d).map_err(|e| reject("doc_issued", &d, e))?),
        None => None,
    };
    Ok(Resident {
        fiscal_code: fc.to_string(),
        first_name,
        last_name,
        birth_date,
        sex,
        address: opt(&raw.address),
        street_number: opt(&raw.street_number),
        postcode,
        municipality,
        doc_type,
        doc_number: opt(&raw.doc_number),
        doc_issued,
        doc_issuer: opt(&raw.doc_issuer),
    })
}

/// Reads the whole file as text in the given encoding.
fn read_text(path: &Path, encoding: Encoding) -> Result<String> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(Error::io(format!("cannot read {}", path.display())))?;
    match encoding {
        Encoding::Utf8 => String::from_utf8(bytes).map_err(|e| {
            Error::Invalid(format!(
                "{} is not UTF-8 (byte {}): if it is a legacy file, use --encoding latin-1",
                path.display(),
                e.utf8_error().valid_up_to()
            ))
        }),
        Encoding::Latin1 => Ok(bytes.iter().map(|&b| b as char).collect()),
    }
}

/// Imports a registry file into the mirror of `source`.
pub async fn import(session: &Session, source: Source, path: &Path, encoding: Encoding) -> Result<Summary> {
    let text = read_text(path, encoding)?;
    let header = text.lines().next().unwrap_or_default();
    let delimiter = if header.matches(';').count() > header.matches(',').count() { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| Error::Invalid(format!("{}: bad header: {e}", path.display())))?.clone();
    for needed in ["fiscal_code", "first_name", "last_name", "birth_date", "sex", "municipality"] {
        if !headers.iter().any(|h| h == needed) {
            return Err(Error::Invalid(format!(
                "{}: the header has no column '{needed}' (found: {})",
                path.display(),
                headers.iter().collect::<Vec<_>>().join(", ")
            )));
        }
    }

    let mut client = session.db.client().await?;
    let municipalities: Municipalities = client
        .query("SELECT istat_code, belfiore FROM municipalities", &[])
        .await?
        .iter()
        .flat_map(|r| {
            let istat: String = r.get(0);
            [(istat.clone(), istat.clone()), (r.get::<_, String>(1), istat)]
        })
        .collect();

    let mut summary = Summary::default();
    let mut good: Vec<Resident> = Vec::new();
    let mut seen = HashMap::new();
    for record in reader.records() {
        summary.rows += 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                summary.rejected.push(Reject { line, field: String::new(), value: String::new(), reason: e.to_string() });
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let raw: RawRow = match record.deserialize(Some(&headers)) {
            Ok(r) => r,
            Err(e) => {
                summary.rejected.push(Reject { line, field: String::new(), value: String::new(), reason: e.to_string() });
                continue;
            }
        };
        match validate(raw, line, &municipalities) {
            Ok(r) => {
                if let Some(first) = seen.insert(r.fiscal_code.clone(), line) {
                    summary.rejected.push(Reject {
                        line,
                        field: "fiscal_code".into(),
                        value: r.fiscal_code.clone(),
                        reason: format!("duplicate of line {first}"),
                    });
                } else {
                    good.push(r);
                }
            }
            Err(reject) => summary.rejected.push(reject),
        }
    }

    let tx = client.transaction().await?;
    let table = source.table();
    let sql = format!(
        "WITH input AS (
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::text[], $6::text[],
                                 $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::date[], $13::text[])
              AS t(fiscal_code, first_name, last_name, birth_date, sex, res_address, res_street_number,
                   res_postcode, res_municipality, doc_type, doc_number, doc_issued, doc_issuer)
         )
         INSERT INTO {table} AS m (fiscal_code, first_name, last_name, birth_date, sex, res_address,
             res_street_number, res_postcode, res_municipality, doc_type, doc_number, doc_issued, doc_issuer)
         SELECT * FROM input
         ON CONFLICT (fiscal_code) DO UPDATE SET
             first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, birth_date = EXCLUDED.birth_date,
             sex = EXCLUDED.sex, res_address = EXCLUDED.res_address, res_street_number = EXCLUDED.res_street_number,
             res_postcode = EXCLUDED.res_postcode, res_municipality = EXCLUDED.res_municipality,
             doc_type = EXCLUDED.doc_type, doc_number = EXCLUDED.doc_number, doc_issued = EXCLUDED.doc_issued,
             doc_issuer = EXCLUDED.doc_issuer, updated_at = now()
         WHERE (m.first_name, m.last_name, m.birth_date, m.sex, m.res_address, m.res_street_number, m.res_postcode,
                m.res_municipality, m.doc_type, m.doc_number, m.doc_issued, m.doc_issuer)
               IS DISTINCT FROM
               (EXCLUDED.first_name, EXCLUDED.last_name, EXCLUDED.birth_date, EXCLUDED.sex, EXCLUDED.res_address,
                EXCLUDED.res_street_number, EXCLUDED.res_postcode, EXCLUDED.res_municipality, EXCLUDED.doc_type,
                EXCLUDED.doc_number, EXCLUDED.doc_issued, EXCLUDED.doc_issuer)
         RETURNING (xmax = 0) AS inserted"
    );
    for chunk in good.chunks(5000) {
        macro_rules! col {
            ($f:ident) => {
                chunk.iter().map(|r| r.$f.clone()).collect::<Vec<_>>()
            };
        }
        let rows = tx
            .query(
                &sql,
                &[
                    &col!(fiscal_code), &col!(first_name), &col!(last_name), &col!(birth_date), &col!(sex),
                    &col!(address), &col!(street_number), &col!(postcode), &col!(municipality),
                    &col!(doc_type), &col!(doc_number), &col!(doc_issued), &col!(doc_issuer),
                ],
            )
            .await?;
        let inserted = rows.iter().filter(|r| r.get::<_, bool>(0)).count() as u64;
        summary.inserted += inserted;
        summary.updated += rows.len() as u64 - inserted;
        summary.unchanged += chunk.len() as u64 - rows.len() as u64;
    }
    session
        .record(
            &tx,
            &format!("import-{}", match source { Source::Cia => "cia", Source::Aura => "aura" }),
            Some(path.display().to_string()),
            json!({ "rows": summary.rows, "inserted": summary.inserted, "updated": summary.updated,
                    "unchanged": summary.unchanged, "rejected": summary.rejected.len() }),
            Some(summary.rows as i64),
            "ok",
        )
        .await?;
    tx.commit().await?;
    Ok(summary)
}

/// Writes a rejects report: CSV with line, field, value, reason.
pub fn write_rejects(path: &Path, rejects: &[Reject]) -> Result<()> {
    let fail = |e: csv::Error| Error::Io { context: format!("cannot write {}", path.display()), source: std::io::Error::other(e) };
    let mut w = csv::Writer::from_path(path).map_err(fail)?;
    if rejects.is_empty() {
        w.write_record(["line", "field", "value", "reason"]).map_err(fail)?;
    }
    for r in rejects {
        w.serialize(r).map_err(fail)?;
    }
    w.flush().map_err(Error::io(format!("cannot write {}", path.display())))
}
