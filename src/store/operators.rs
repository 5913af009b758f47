//! Desk operators and their territorial competence.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use serde::Serialize;

use crate::error::Result;

/// One unit of competence: a whole province or one municipality.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Competence {
    Province { code: String },
    Municipality { istat_code: String, name: String, province: String },
}

impl std::fmt::Display for Competence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Competence::Province { code } => write!(f, "province {code}"),
            Competence::Municipality { name, province, .. } => write!(f, "{name} ({province})"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Operator {
    pub id: String,
    pub full_name: String,
    pub ente: String,
    pub fse: bool,
    pub competence: Vec<Competence>,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<String>,
}

pub async fn count(c: &impl GenericClient) -> Result<i64> {
    Ok(c.query_one("SELECT count(*) FROM operators", &[]).await?.get(0))
}

pub async fn exists(c: &impl GenericClient, id: &str) -> Result<bool> {
    Ok(c.query_opt("SELECT 1 FROM operators WHERE id = $1", &[&id]).await?.is_some())
}

/// A new operator, with the competence given as province codes and ISTAT codes.
pub struct NewRow<'a> {
    pub id: &'a str,
    pub full_name: &'a str,
    pub ente: &'a str,
    pub fse: bool,
    pub provinces: &'a [String],
    pub municipalities: &'a [String],
    pub created_by: Option<&'a str>,
}

pub async fn insert(c: &impl GenericClient, row: &NewRow<'_>) -> Result<()> {
    let NewRow { id, full_name, ente, fse, provinces, municipalities, created_by } = *row;
    c.execute(
        "INSERT INTO operators (id, full_name, ente, fse, created_by) VALUES ($1, $2, $3, $4, $5)",
        &[&id, &full_name, &ente, &fse, &created_by],
    )
    .await?;
    c.execute(
        "INSERT INTO operator_competence (operator_id, province, municipality)
         SELECT $1, p, NULL FROM unnest($2::text[]) p
         UNION ALL
         SELECT $1, NULL, m FROM unnest($3::text[]) m",
        &[&id, &provinces, &municipalities],
    )
    .await?;
    Ok(())
}

async fn competence_of(c: &impl GenericClient, id: &str) -> Result<Vec<Competence>> {
    let rows = c
        .query(
            "SELECT oc.province, m.istat_code, m.name, m.province
             FROM operator_competence oc LEFT JOIN municipalities m ON m.istat_code = oc.municipality
             WHERE oc.operator_id = $1
             ORDER BY oc.province NULLS LAST, m.province, m.name",
            &[&id],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| match r.get::<_, Option<String>>(0) {
            Some(code) => Competence::Province { code },
            None => Competence::Municipality { istat_code: r.get(1), name: r.get(2), province: r.get(3) },
        })
        .collect())
}

pub async fn get(c: &impl GenericClient, id: &str) -> Result<Option<Operator>> {
    let Some(r) = c
        .query_opt("SELECT id, full_name, ente, fse, created_at, created_by FROM operators WHERE id = $1", &[&id])
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(Operator {
        id: r.get(0),
        full_name: r.get(1),
        ente: r.get(2),
        fse: r.get(3),
        created_at: r.get(4),
        created_by: r.get(5),
        competence: competence_of(c, id).await?,
    }))
}

pub async fn list(c: &impl GenericClient) -> Result<Vec<Operator>> {
    let ids: Vec<String> =
        c.query("SELECT id FROM operators ORDER BY id", &[]).await?.iter().map(|r| r.get(0)).collect();
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.extend(get(c, &id).await?);
    }
    Ok(out)
}

/// Does the operator's competence include this municipality (directly or by its province)?
pub async fn covers(c: &impl GenericClient, operator_id: &str, istat_code: &str) -> Result<bool> {
    Ok(c.query_opt(
        "SELECT 1 FROM operator_competence oc, municipalities m
             WHERE oc.operator_id = $1 AND m.istat_code = $2
               AND (oc.municipality = m.istat_code OR oc.province = m.province)",
        &[&operator_id, &istat_code],
    )
    .await?
    .is_some())
}
