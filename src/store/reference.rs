//! Reference data: provinces, municipalities, foreign states.

use chrono::NaiveDate;
use deadpool_postgres::GenericClient;
use serde::Serialize;

use crate::domain::birthplace::{self, Birthplaces, Period};
use crate::domain::{ABROAD_MUNICIPALITY, ABROAD_PROVINCE, FiscalCode, text};
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Municipality {
    pub istat_code: String,
    pub belfiore: String,
    pub name: String,
    pub province: String,
    pub postcodes: Vec<String>,
}

impl Municipality {
    pub fn is_abroad(&self) -> bool {
        self.istat_code == ABROAD_MUNICIPALITY
    }
}

const COLUMNS: &str = "istat_code, belfiore, name, province, postcodes";

fn from_row(r: &tokio_postgres::Row) -> Municipality {
    Municipality { istat_code: r.get(0), belfiore: r.get(1), name: r.get(2), province: r.get(3), postcodes: r.get(4) }
}

/// A province by its code (`TO`) or name (`Torino`, `STATO ESTERO`); returns the code.
pub async fn resolve_province(c: &impl GenericClient, input: &str) -> Result<String> {
    let input = input.trim();
    text::check("province", input).map_err(Error::Invalid)?;
    let row =
        c.query_opt("SELECT code FROM provinces WHERE code = upper($1) OR upper(name) = upper($1)", &[&input]).await?;
    match row {
        Some(r) => Ok(r.get(0)),
        None => {
            let codes: Vec<String> =
                c.query("SELECT code FROM provinces ORDER BY code", &[]).await?.iter().map(|r| r.get(0)).collect();
            Err(Error::Invalid(format!("unknown province '{input}': expected one of {}", codes.join(", "))))
        }
    }
}

/// A municipality by ISTAT code, cadastral code or name (case-insensitive), optionally
/// within a province. A name shared by several municipalities must be narrowed by province.
/// A former name (a municipality renamed) is understood when no current name matches.
pub async fn resolve_municipality(c: &impl GenericClient, input: &str, province: Option<&str>) -> Result<Municipality> {
    let input = input.trim();
    text::check("municipality", input).map_err(Error::Invalid)?;
    let sql = format!(
        "SELECT {COLUMNS} FROM municipalities
         WHERE (istat_code = $1 OR belfiore = upper($1) OR upper(name) = upper($1))
           AND ($2::text IS NULL OR province = $2)
         ORDER BY name"
    );
    let mut rows = c.query(&sql, &[&input, &province]).await?;
    if rows.is_empty() {
        let sql = format!(
            "SELECT DISTINCT {COLUMNS} FROM municipalities
             WHERE istat_code IN (SELECT istat_code FROM municipality_former_names WHERE upper(name) = upper($1))
               AND ($2::text IS NULL OR province = $2)
             ORDER BY name"
        );
        rows = c.query(&sql, &[&input, &province]).await?;
    }
    match rows.len() {
        1 => Ok(from_row(&rows[0])),
        0 => Err(Error::Invalid(match province {
            Some(p) => format!("unknown municipality '{input}' in province {p}"),
            None => format!("unknown municipality '{input}'"),
        })),
        _ => Err(Error::Invalid(format!(
            "municipality '{input}' is ambiguous: {}; give --province",
            rows.iter()
                .map(|r| format!("{} ({})", r.get::<_, String>(2), r.get::<_, String>(3)))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// A municipality by ISTAT code, if it exists.
pub async fn municipality(c: &impl GenericClient, istat_code: &str) -> Result<Option<Municipality>> {
    let sql = format!("SELECT {COLUMNS} FROM municipalities WHERE istat_code = $1");
    Ok(c.query_opt(&sql, &[&istat_code]).await?.as_ref().map(from_row))
}

/// A foreign state by Z code or name; returns the Z code.
pub async fn resolve_country(c: &impl GenericClient, input: &str) -> Result<String> {
    let input = input.trim();
    text::check("country", input).map_err(Error::Invalid)?;
    let rows = c
        .query(
            "SELECT belfiore FROM countries WHERE belfiore = upper($1) OR upper(name) = upper($1) ORDER BY active DESC",
            &[&input],
        )
        .await?;
    rows.first().map(|r| r.get(0)).ok_or_else(|| {
        Error::Invalid(format!("unknown country '{input}': give its name or its Z code (e.g. Z110 for France)"))
    })
}

fn period(r: &tokio_postgres::Row) -> Period {
    Period { from: r.get("valid_from"), to: r.get("valid_to"), name: r.get("name"), province: r.get("province") }
}

/// Checks that the birthplace of a fiscal code (its cadastral code, omocodia undone) was a
/// municipality or a foreign state on the birth date.
pub async fn check_birthplace(c: &impl GenericClient, fiscal_code: &FiscalCode, birth_date: NaiveDate) -> Result<()> {
    let code = fiscal_code.birth_place();
    let periods: Vec<Period> = c
        .query("SELECT valid_from, valid_to, name, province FROM birthplaces WHERE belfiore = $1", &[&code])
        .await?
        .iter()
        .map(period)
        .collect();
    birthplace::check(&code, birth_date, &periods)
        .map_err(|e| Error::Invalid(format!("fiscal code {fiscal_code}: {e}")))
}

/// Every birthplace code with its periods, read once for a batch.
pub async fn birthplaces(c: &impl GenericClient) -> Result<Birthplaces> {
    let mut all = Birthplaces::default();
    for r in c.query("SELECT belfiore, valid_from, valid_to, name, province FROM birthplaces", &[]).await? {
        all.insert(r.get("belfiore"), period(&r));
    }
    Ok(all)
}

/// Checks that a postcode belongs to a municipality (when the reference data lists any).
pub fn check_postcode_of(m: &Municipality, postcode: &str) -> Result<()> {
    if m.postcodes.is_empty() || m.postcodes.iter().any(|p| p == postcode) {
        return Ok(());
    }
    let shown: Vec<&str> = m.postcodes.iter().take(6).map(String::as_str).collect();
    let more = if m.postcodes.len() > 6 { ", ..." } else { "" };
    Err(Error::Invalid(format!(
        "postcode {postcode} is not a postcode of {} ({}): expected {}{more}",
        m.name,
        m.province,
        shown.join(", ")
    )))
}

/// Is this the pseudo-province of residents abroad?
pub fn is_abroad_province(code: &str) -> bool {
    code == ABROAD_PROVINCE
}

/// ISTAT and cadastral code of every municipality (for batch validation in memory).
pub async fn municipality_codes(c: &impl GenericClient) -> Result<Vec<(String, String)>> {
    Ok(c.query("SELECT istat_code, belfiore FROM municipalities", &[])
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect())
}
