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

/// The first administrator (the owner only: sql/V4, V28 `sportello_operator_bootstrap`, which
/// records it), given the admin role besides `roles`; refused once the database has operators.
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
/// competence, FSE authorisation and roles), recorded, as it is now (`api.operator_add`).
pub async fn add(c: &impl GenericClient, row: &NewRow<'_>) -> Result<Option<Operator>> {
    let NewRow { id, full_name, ente, fse, provinces, municipalities, roles } = *row;
    let rows = c
        .query(
            "SELECT * FROM api.operator_add($1, $2, $3, $4, $5, $6, $7)",
            &[&id, &full_name, &ente, &fse, &provinces, &municipalities, &role_names(roles)],
        )
        .await?;
    Ok(rows.first().and_then(|r| operator_at(r, 0)))
}

/// One change to an operator (`api.operator_change`: grant, revoke-role, competence, disable,
/// enable), recorded; the operator as it is now.
pub async fn change(
    c: &impl GenericClient,
    id: &str,
    change: &str,
    roles: &[Role],
    provinces: &[String],
    municipalities: &[String],
) -> Result<Option<Operator>> {
    let rows = c
        .query(
            "SELECT * FROM api.operator_change($1, $2, $3, $4, $5)",
            &[&id, &change, &role_names(roles), &provinces, &municipalities],
        )
        .await?;
    Ok(rows.first().and_then(|r| operator_at(r, 0)))
}

/// The schema owner repairs, extends or adds an administrator (sql/V28
/// `sportello_operator_repair`; the owner's connection only).
pub async fn repair(c: &impl GenericClient, row: &NewRow<'_>) -> Result<()> {
    let NewRow { id, full_name, ente, fse, provinces, municipalities, roles } = *row;
    c.execute(
        "SELECT sportello_operator_repair($1, $2, $3, $4, $5, $6, $7)",
        &[&id, &full_name, &ente, &fse, &provinces, &municipalities, &role_names(roles)],
    )
    .await?;
    Ok(())
}

/// An operator as the schema owner reads it, after adding or repairing it: unrecorded, the owner
/// being no operator (sql/V28 `sportello_operator_rows`, the owner's connection only).
pub async fn owner_get(c: &impl GenericClient, id: &str) -> Result<Option<Operator>> {
    let rows = c.query("SELECT * FROM public.sportello_operator_rows($1)", &[&id]).await?;
    Ok(rows.first().and_then(|r| operator_at(r, 0)))
}

/// An operator from the columns of `api.operator` (sql/V28) starting at column `at`: id,
/// full name, ente, FSE, created at/by, disabled at/by, group roles, competence as a JSON array
/// of `[province, municipality, its name, its province]`; none when the id is NULL (a login
/// that is no operator).
pub fn operator_at(r: &tokio_postgres::Row, at: usize) -> Option<Operator> {
    let id: String = r.get::<_, Option<String>>(at)?;
    let mut roles: Vec<Role> = r.get::<_, Vec<String>>(at + 8).iter().filter_map(|g| Role::from_group(g)).collect();
    roles.sort();
    let units: Vec<[Option<String>; 4]> = serde_json::from_value(r.get(at + 9)).unwrap_or_default();
    let competence = units
        .into_iter()
        .map(|[province, istat_code, name, in_province]| match province {
            Some(code) => Competence::Province { code },
            None => Competence::Municipality {
                istat_code: istat_code.unwrap_or_default(),
                name: name.unwrap_or_default(),
                province: in_province.unwrap_or_default(),
            },
        })
        .collect();
    Some(Operator {
        id,
        full_name: r.get(at + 1),
        ente: r.get(at + 2),
        fse: r.get(at + 3),
        created_at: r.get(at + 4),
        created_by: r.get(at + 5),
        disabled_at: r.get(at + 6),
        disabled_by: r.get(at + 7),
        competence,
        roles,
    })
}

/// An operator by id, compared case-insensitively; the read recorded (`api.operators`,
/// operator-view). Administrators and auditors.
pub async fn get(c: &impl GenericClient, id: &str) -> Result<Option<Operator>> {
    match c.query("SELECT * FROM api.operators($1)", &[&id]).await {
        Ok(rows) => Ok(rows.first().and_then(|r| operator_at(r, 0))),
        Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::NO_DATA_FOUND) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// What a command needs to know before it starts, read in one round trip on the connection
/// just opened: who the server authenticated, whether the schema is there and how far it is
/// migrated, the roles the login holds and the operator it is.
#[derive(Debug, Clone)]
pub struct Startup {
    /// `session_user`: the operator's login (the trust model: never a name the client gives).
    pub login: String,
    /// The newest migration applied (the database reads its history for the login).
    pub migration: Option<i64>,
    /// The roles the login holds (through any membership).
    pub roles: Vec<Role>,
    /// The operator the login is, from its own row: its roles are [`Startup::roles`] and its
    /// competence is not read here (most commands never need it, and reading it cost a new
    /// backend more than the rest of the startup): [`me`] reads the whole operator.
    pub operator: Option<Operator>,
    /// The server's clock when it answered.
    pub server_time: DateTime<Utc>,
}

/// Reads the [`Startup`] in one statement (`api.startup`). Fails with `invalid_schema_name`
/// or `undefined_function` when the schema was never migrated (or not this far).
pub async fn startup(c: &tokio_postgres::Client) -> Result<Option<Startup>> {
    // Parsed, bound and run in one message train (no statement prepared first): one round
    // trip, in the same as the connection's other first requests.
    let rows = c.query_typed("SELECT * FROM api.startup()", &[]).await?;
    let Some(r) = rows.into_iter().next() else { return Ok(None) };
    let mut roles: Vec<Role> = r.get::<_, Vec<String>>(2).iter().filter_map(|g| Role::from_group(g)).collect();
    roles.sort();
    let operator = r.get::<_, Option<String>>(4).map(|id| Operator {
        id,
        full_name: r.get(5),
        ente: r.get(6),
        fse: r.get(7),
        competence: Vec::new(),
        created_at: r.get(8),
        created_by: r.get(9),
        roles: roles.clone(),
        disabled_at: r.get(10),
        disabled_by: r.get(11),
    });
    Ok(Some(Startup { login: r.get(0), migration: r.get(1), roles, server_time: r.get(3), operator }))
}

/// The operator the login is, whole: roles granted and competence (sql/V47 `api.whoami`; about
/// the caller only, any login).
pub async fn me(c: &impl GenericClient) -> Result<Option<Operator>> {
    let rows = c.query("SELECT * FROM api.whoami()", &[]).await?;
    Ok(rows.first().and_then(|r| operator_at(r, 0)))
}

/// Every operator, the read recorded (`api.operators`, operator-list). Administrators and
/// auditors.
pub async fn list(c: &impl GenericClient) -> Result<Vec<Operator>> {
    let rows = c.query("SELECT * FROM api.operators(NULL)", &[]).await?;
    Ok(rows.iter().filter_map(|r| operator_at(r, 0)).collect())
}

/// Does the operator's competence include this municipality (directly or by its province)?
/// The database answers about the session's own operator only (`api.operator_covers`).
pub async fn covers(c: &impl GenericClient, operator_id: &str, istat_code: &str) -> Result<bool> {
    Ok(c.query_one("SELECT api.operator_covers($1, $2)", &[&operator_id, &istat_code]).await?.get(0))
}
