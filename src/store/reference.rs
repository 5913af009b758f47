//! Reference data: provinces, municipalities, foreign states.

use chrono::NaiveDate;
use deadpool_postgres::GenericClient;
use serde::Serialize;

use crate::domain::birthplace::{self, Birthplaces, Period};
use crate::domain::{ABROAD_MUNICIPALITY, ABROAD_PROVINCE, FiscalCode, text};
use crate::error::{Error, Result};
use crate::suggest::{closest, did_you_mean};

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

/// Prepared with the connection (store::Database): most desk commands name a province. The
/// reference data is read through the api functions of sql/V25, like everything else.
pub const PROVINCE: &str = "SELECT code FROM api.provinces() WHERE code = upper($1) OR upper(name) = upper($1)";

/// A province by its code (`TO`) or name (`Torino`, `STATO ESTERO`); returns the code.
pub async fn resolve_province(c: &impl GenericClient, input: &str) -> Result<String> {
    let input = input.trim();
    text::check("province", input).map_err(Error::Invalid)?;
    let statement = c.prepare_cached(PROVINCE).await?;
    let row = c.query_opt(&statement, &[&input]).await?;
    match row {
        Some(r) => Ok(r.get(0)),
        None => {
            let all = provinces(c).await?;
            let labels: Vec<String> = all.iter().map(|p| format!("{} ({})", p.name, p.code)).collect();
            let close = closest(input, all.iter().map(|p| p.name.as_str()), 3);
            let suggested: Vec<String> = all
                .iter()
                .zip(&labels)
                .filter(|(p, _)| close.contains(&p.name.as_str()))
                .map(|(_, l)| l.clone())
                .collect();
            let codes: Vec<&str> = all.iter().map(|p| p.code.as_str()).collect();
            let hint = did_you_mean(&suggested);
            Err(Error::Invalid(crate::msg!("province-unknown", input = input, hint = hint, codes = codes.join(", "))))
        }
    }
}

/// A municipality by ISTAT code, cadastral code or name (case-insensitive), optionally
/// within a province. A name shared by several municipalities must be narrowed by province.
/// A former name (a municipality renamed) is understood when no current name matches.
pub async fn resolve_municipality(c: &impl GenericClient, input: &str, province: Option<&str>) -> Result<Municipality> {
    // The names are written with the typewriter's apostrophe (`Castell'Alfero`); a keyboard or
    // a word processor may give another.
    let input = &input.trim().replace(crate::domain::as_written::APOSTROPHES, "'");
    text::check("municipality", input).map_err(Error::Invalid)?;
    // Current names and codes first, former names when none match (the function's rule).
    let sql = format!("SELECT {COLUMNS} FROM api.municipality_lookup($1, $2)");
    let rows = c.query(&sql, &[&input, &province]).await?;
    match rows.len() {
        1 => Ok(from_row(&rows[0])),
        0 => {
            // The right name in the wrong province (`--province CN --municipality Torino`):
            // say where it is rather than suggest look-alikes of the wrong province.
            if let Some(given) = province {
                let sql = format!(
                    "SELECT {COLUMNS} FROM api.municipalities(NULL) WHERE upper(name) = upper($1) ORDER BY province"
                );
                let elsewhere: Vec<Municipality> = c.query(&sql, &[&input]).await?.iter().map(from_row).collect();
                if let Some(first) = elsewhere.first() {
                    let provinces: Vec<&str> = elsewhere.iter().map(|m| m.province.as_str()).collect();
                    return Err(Error::Invalid(crate::msg!(
                        "municipality-in-other-province",
                        name = &first.name,
                        province = provinces.join(", "),
                        given = given
                    )));
                }
            }
            let all = municipalities(c, province).await?;
            let close = closest(input, all.iter().map(|m| m.name.as_str()), 3);
            let mut suggested: Vec<String> = Vec::new();
            for name in close {
                for m in all.iter().filter(|m| m.name == name) {
                    suggested.push(format!("{} ({})", m.name, m.province));
                }
            }
            suggested.truncate(3);
            let hint = did_you_mean(&suggested);
            Err(Error::Invalid(match province {
                Some(p) => crate::msg!("municipality-unknown-in", input = input, province = p, hint = hint),
                None => crate::msg!("municipality-unknown", input = input, hint = hint),
            }))
        }
        _ => Err(Error::Invalid(crate::msg!(
            "municipality-ambiguous",
            input = input,
            candidates = rows
                .iter()
                .map(|r| format!("{} ({})", r.get::<_, String>(2), r.get::<_, String>(3)))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// A municipality by ISTAT code, if it exists.
pub async fn municipality(c: &impl GenericClient, istat_code: &str) -> Result<Option<Municipality>> {
    // A lookup by an ISTAT code (six digits) matches no cadastral code or name.
    let sql = format!("SELECT {COLUMNS} FROM api.municipality_lookup($1, NULL) WHERE istat_code = $1");
    Ok(c.query_opt(&sql, &[&istat_code]).await?.as_ref().map(from_row))
}

/// A foreign state by Z code or name; returns the Z code.
pub async fn resolve_country(c: &impl GenericClient, input: &str) -> Result<String> {
    let input = input.trim();
    text::check("country", input).map_err(Error::Invalid)?;
    let rows = c
        .query(
            "SELECT code FROM api.countries() WHERE code = upper($1) OR upper(name) = upper($1) ORDER BY active DESC",
            &[&input],
        )
        .await?;
    if let Some(r) = rows.first() {
        return Ok(r.get(0));
    }
    let all = countries(c).await?;
    // As written without its accents or apostrophes (`Peru'` or `Peru` for `Perù`).
    let key = crate::domain::as_written::name_key(input);
    if let Some(found) = all.iter().find(|c| !key.is_empty() && crate::domain::as_written::name_key(&c.name) == key) {
        return Ok(found.code.clone());
    }
    let close = closest(input, all.iter().map(|c| c.name.as_str()), 3);
    let suggested: Vec<String> =
        all.iter().filter(|c| close.contains(&c.name.as_str())).map(|c| format!("{} ({})", c.name, c.code)).collect();
    let hint = did_you_mean(&suggested);
    Err(Error::Invalid(if hint.is_empty() {
        crate::msg!("country-unknown", input = input)
    } else {
        crate::msg!("country-unknown-hint", input = input, hint = hint)
    }))
}

/// A province of the reference data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Province {
    pub code: String,
    pub name: String,
}

/// A foreign state of the reference data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Country {
    /// Belfiore (Z) code, as in fiscal codes.
    pub code: String,
    pub name: String,
    /// Still a state today (ceased states keep their codes for older fiscal codes).
    pub active: bool,
}

/// Every province, by code.
pub async fn provinces(c: &impl GenericClient) -> Result<Vec<Province>> {
    Ok(c.query("SELECT code, name FROM api.provinces()", &[])
        .await?
        .iter()
        .map(|r| Province { code: r.get(0), name: r.get(1) })
        .collect())
}

/// Every municipality (of one province, when given), by name.
pub async fn municipalities(c: &impl GenericClient, province: Option<&str>) -> Result<Vec<Municipality>> {
    let sql = format!("SELECT {COLUMNS} FROM api.municipalities($1)");
    Ok(c.query(&sql, &[&province]).await?.iter().map(from_row).collect())
}

/// Every foreign state, by name.
pub async fn countries(c: &impl GenericClient) -> Result<Vec<Country>> {
    Ok(c.query("SELECT code, name, active FROM api.countries()", &[])
        .await?
        .iter()
        .map(|r| Country { code: r.get(0), name: r.get(1), active: r.get(2) })
        .collect())
}

fn period(r: &tokio_postgres::Row) -> Period {
    Period { from: r.get("valid_from"), to: r.get("valid_to"), name: r.get("name"), province: r.get("province") }
}

/// Checks that the birthplace of a fiscal code (its cadastral code, omocodia undone) was a
/// municipality or a foreign state on the birth date.
pub async fn check_birthplace(c: &impl GenericClient, fiscal_code: &FiscalCode, birth_date: NaiveDate) -> Result<()> {
    let code = fiscal_code.birth_place();
    let periods: Vec<Period> = c
        .query("SELECT valid_from, valid_to, name, province FROM api.birthplaces($1)", &[&code])
        .await?
        .iter()
        .map(period)
        .collect();
    birthplace::check(&code, birth_date, &periods)
        .map_err(|e| Error::Invalid(crate::msg!("fiscal-code-problem", fiscal_code = fiscal_code, problem = e)))
}

/// Every birthplace code with its periods, read once for a batch.
pub async fn birthplaces(c: &impl GenericClient) -> Result<Birthplaces> {
    let mut all = Birthplaces::default();
    for r in c.query("SELECT belfiore, valid_from, valid_to, name, province FROM api.birthplaces(NULL)", &[]).await? {
        all.insert(r.get("belfiore"), period(&r));
    }
    Ok(all)
}

/// Checks a place against the reference data: the municipality lies in the province, when one
/// is given, and the postcode, when one is given, is five digits and one of the municipality's
/// (any five digits only where the reference lists none; none at all abroad).
///
/// The one check of a place for every input path: the desk (register, edit, change of
/// residence, domicile), the registry imports and the pre-load call it with municipalities
/// read from the reference data (the batches read them once, see [`municipalities`]).
pub fn check_place(
    m: &Municipality,
    province: Option<&str>,
    postcode: Option<&str>,
) -> std::result::Result<(), crate::i18n::Message> {
    if let Some(p) = province
        && !p.eq_ignore_ascii_case(&m.province)
    {
        return Err(crate::msg!(
            "municipality-not-in-province",
            municipality = &m.name,
            province = &m.province,
            given = p
        ));
    }
    let Some(postcode) = postcode else { return Ok(()) };
    if m.is_abroad() {
        return Err(crate::msg!("abroad-no-postcode"));
    }
    crate::domain::check_postcode(postcode)?;
    if m.postcodes.is_empty() || m.postcodes.iter().any(|p| p == postcode) {
        return Ok(());
    }
    let shown: Vec<&str> = m.postcodes.iter().take(6).map(String::as_str).collect();
    let more = if m.postcodes.len() > 6 { ", ..." } else { "" };
    Err(crate::msg!(
        "postcode-not-of",
        postcode = postcode,
        municipality = &m.name,
        province = &m.province,
        expected = format!("{}{more}", shown.join(", "))
    ))
}

/// Is this the pseudo-province of residents abroad?
pub fn is_abroad_province(code: &str) -> bool {
    code == ABROAD_PROVINCE
}

/// The province (sigla; `EE` for a foreign state) of the place a cadastral code designated on
/// `date`, if the reference data knows it.
pub async fn birthplace_province(c: &impl GenericClient, code: &str, date: NaiveDate) -> Result<Option<String>> {
    Ok(c.query_opt(
        "SELECT province FROM api.birthplaces($1) WHERE valid_from <= $2
             AND (valid_to IS NULL OR $2 <= valid_to) ORDER BY valid_from DESC LIMIT 1",
        &[&code, &date],
    )
    .await?
    .map(|r| r.get(0)))
}
