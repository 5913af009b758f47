//! Desk operators and their territorial competence.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use serde::Serialize;

use crate::domain::Role;
use crate::error::Result;

/// One unit of competence: a whole province or one municipality.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Competence {
    Province { code: String },
    Municipality { istat_code: String, name: String, province: String },
}

impl Competence {
    /// "province TO" / "Asti (AT)", in the operator's language.
    pub fn message(&self) -> crate::i18n::Message {
        match self {
            Competence::Province { code } => crate::msg!("competence-province", code = code),
            Competence::Municipality { name, province, .. } => format!("{name} ({province})").into(),
        }
    }
}

impl std::fmt::Display for Competence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.message().fmt(f)
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
    /// The group roles granted to the operator's login.
    pub roles: Vec<Role>,
    /// Disabled operators keep their history; their login can no longer connect.
    pub disabled_at: Option<DateTime<Utc>>,
    pub disabled_by: Option<String>,
}

pub async fn exists(c: &impl GenericClient, id: &str) -> Result<bool> {
    Ok(c.query_opt("SELECT 1 FROM operators WHERE lower(id) = lower($1)", &[&id]).await?.is_some())
}

/// A new operator, with the competence given as province codes and ISTAT codes.
pub struct NewRow<'a> {
    pub id: &'a str,
    pub full_name: &'a str,
    pub ente: &'a str,
    pub fse: bool,
    pub provinces: &'a [String],
    pub municipalities: &'a [String],
    pub roles: &'a [Role],
}

fn role_names(roles: &[Role]) -> Vec<&'static str> {
    roles.iter().map(|r| r.as_str()).collect()
}

/// The login this connection was authenticated as.
pub async fn session_user(c: &impl GenericClient) -> Result<String> {
    Ok(c.query_one("SELECT session_user::text", &[]).await?.get(0))
}

/// The first administrator (the owner only: sql/V10 `sportello_operator_bootstrap`), given
/// the admin role besides `roles`; refused once the database has operators.
pub async fn bootstrap(c: &impl GenericClient, row: &NewRow<'_>) -> Result<()> {
    let NewRow { id, full_name, ente, fse, provinces, municipalities, roles } = *row;
    c.execute(
        "SELECT sportello_operator_bootstrap($1, $2, $3, $4, $5, $6, $7)",
        &[&id, &full_name, &ente, &fse, &provinces, &municipalities, &role_names(roles)],
    )
    .await?;
    Ok(())
}

/// A new operator, added by the session's operator (an administrator, within their own
/// competence, FSE authorisation and roles: the database checks).
pub async fn add(c: &impl GenericClient, row: &NewRow<'_>) -> Result<()> {
    let NewRow { id, full_name, ente, fse, provinces, municipalities, roles } = *row;
    c.execute(
        "SELECT sportello_operator_add($1, $2, $3, $4, $5, $6, $7)",
        &[&id, &full_name, &ente, &fse, &provinces, &municipalities, &role_names(roles)],
    )
    .await?;
    Ok(())
}

pub async fn grant(c: &impl GenericClient, id: &str, roles: &[Role]) -> Result<()> {
    c.execute("SELECT sportello_operator_grant($1, $2)", &[&id, &role_names(roles)]).await?;
    Ok(())
}

pub async fn revoke_roles(c: &impl GenericClient, id: &str, roles: &[Role]) -> Result<()> {
    c.execute("SELECT sportello_operator_revoke($1, $2)", &[&id, &role_names(roles)]).await?;
    Ok(())
}

/// Replaces the operator's competence.
pub async fn set_competence(
    c: &impl GenericClient,
    id: &str,
    provinces: &[String],
    municipalities: &[String],
) -> Result<()> {
    c.execute("SELECT sportello_operator_competence($1, $2, $3)", &[&id, &provinces, &municipalities]).await?;
    Ok(())
}

pub async fn disable(c: &impl GenericClient, id: &str) -> Result<()> {
    c.execute("SELECT sportello_operator_disable($1)", &[&id]).await?;
    Ok(())
}

pub async fn enable(c: &impl GenericClient, id: &str, roles: &[Role]) -> Result<()> {
    c.execute("SELECT sportello_operator_enable($1, $2)", &[&id, &role_names(roles)]).await?;
    Ok(())
}

/// The group roles granted to an operator's login (directly; the login is the id in lower case).
pub async fn roles_of(c: &impl GenericClient, id: &str) -> Result<Vec<Role>> {
    let rows = c
        .query(
            "SELECT g.rolname::text FROM pg_auth_members am
             JOIN pg_roles g ON g.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
             WHERE m.rolname = lower($1) AND g.rolname LIKE 'sportello\\_%'",
            &[&id],
        )
        .await?;
    let mut roles: Vec<Role> = rows.iter().filter_map(|r| Role::from_group(r.get(0))).collect();
    roles.sort();
    Ok(roles)
}

/// The roles the session's login holds (through any membership), for the commands' own check.
pub async fn session_roles(c: &impl GenericClient) -> Result<Vec<Role>> {
    let groups: Vec<&str> = Role::ALL.iter().map(|r| r.group()).collect();
    let rows = c
        .query(
            "SELECT rolname::text FROM pg_roles
             WHERE rolname = ANY($1) AND pg_has_role(session_user, oid, 'MEMBER')",
            &[&groups],
        )
        .await?;
    let mut roles: Vec<Role> = rows.iter().filter_map(|r| Role::from_group(r.get(0))).collect();
    roles.sort();
    Ok(roles)
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

/// An operator by id, compared case-insensitively (ids are stored in lower case; older rows
/// may not be).
pub async fn get(c: &impl GenericClient, id: &str) -> Result<Option<Operator>> {
    let Some(r) = c
        .query_opt(
            "SELECT id, full_name, ente, fse, created_at, created_by, disabled_at, disabled_by FROM operators
             WHERE lower(id) = lower($1)",
            &[&id],
        )
        .await?
    else {
        return Ok(None);
    };
    let id: String = r.get(0);
    Ok(Some(Operator {
        competence: competence_of(c, &id).await?,
        roles: roles_of(c, &id).await?,
        id,
        full_name: r.get(1),
        ente: r.get(2),
        fse: r.get(3),
        created_at: r.get(4),
        created_by: r.get(5),
        disabled_at: r.get(6),
        disabled_by: r.get(7),
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
