//! Reference data: provinces, municipalities, foreign states.

use deadpool_postgres::GenericClient;
use serde::Serialize;

use crate::domain::{ABROAD_MUNICIPALITY, ABROAD_PROVINCE};
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
pub async fn resolve_municipality(c: &impl GenericClient, input: &str, province: Option<&str>) -> Result<Municipality> {
    let input = input.trim();
    let sql = format!(
        "SELECT {COLUMNS} FROM municipalities
         WHERE (istat_code = $1 OR belfiore = upper($1) OR upper(name) = upper($1))
           AND ($2::text IS NULL OR province = $2)
         ORDER BY name"
    );
    let rows = c.query(&sql, &[&input, &province]).await?;
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
