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

/// The columns of an operator (`o`): their row, the group roles granted to their login directly,
/// and their competence as a JSON array of `[province, municipality, its name, its province]`:
/// one round trip for what used to take three.
const OPERATOR_COLUMNS: &str = "o.id, o.full_name, o.ente, o.fse, o.created_at, o.created_by, o.disabled_at,
    o.disabled_by,
    ARRAY(SELECT g.rolname::text FROM pg_auth_members am
          JOIN pg_roles g ON g.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
          WHERE m.rolname = lower(o.id) AND g.rolname LIKE 'sportello\\_%'),
    (SELECT coalesce(json_agg(json_build_array(oc.province, m.istat_code, m.name, m.province)
                          ORDER BY oc.province NULLS LAST, m.province, m.name), '[]')
     FROM operator_competence oc LEFT JOIN municipalities m ON m.istat_code = oc.municipality
     WHERE oc.operator_id = o.id)";

/// An operator from the row of [`OPERATOR_COLUMNS`] starting at column `at`; none when the
/// row's operator is absent (a left join that found nobody).
fn operator_at(r: &tokio_postgres::Row, at: usize) -> Option<Operator> {
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

/// An operator by id, compared case-insensitively (ids are stored in lower case; older rows
/// may not be).
pub async fn get(c: &impl GenericClient, id: &str) -> Result<Option<Operator>> {
    let sql = format!("SELECT {OPERATOR_COLUMNS} FROM operators o WHERE lower(o.id) = lower($1)");
    Ok(c.query_opt(&sql, &[&id]).await?.and_then(|r| operator_at(&r, 0)))
}

/// What a command needs to know before it starts, read in one round trip on the connection
/// just opened: who the server authenticated, whether the schema is there and how far it is
/// migrated, the roles the login holds and the operator it is.
#[derive(Debug, Clone)]
pub struct Startup {
    /// `session_user`: the operator's login (the trust model: never a name the client gives).
    pub login: String,
    /// The newest migration applied, when the login may read refinery's history.
    pub migration: Option<i64>,
    /// The roles the login holds (through any membership).
    pub roles: Vec<Role>,
    pub operator: Option<Operator>,
    /// The server's clock when it answered.
    pub server_time: DateTime<Utc>,
}

/// Reads the [`Startup`]. Fails with `undefined_table` when the schema was never migrated.
pub async fn startup(c: &tokio_postgres::Client) -> Result<Option<Startup>> {
    use tokio_postgres::types::Type;
    let groups: Vec<&str> = Role::ALL.iter().map(|r| r.group()).collect();
    // refinery's history is read through query_to_xml so that a login without the privilege
    // (a database migrated by an older sportello) gets a null instead of an error.
    let sql = format!(
        "SELECT to_regrole('sportello_admin') IS NOT NULL, session_user::text,
            CASE WHEN has_table_privilege(to_regclass('public.refinery_schema_history'), 'SELECT')
                 THEN (xpath('//v/text()', query_to_xml(
                     'SELECT max(version) AS v FROM public.refinery_schema_history', false, false, '')))[1]::text::int8
            END,
            ARRAY(SELECT rolname::text FROM pg_roles
                  WHERE rolname = ANY($1) AND pg_has_role(session_user, oid, 'MEMBER')),
            now(),
            {OPERATOR_COLUMNS}
         FROM (SELECT 1) one LEFT JOIN operators o ON lower(o.id) = lower(session_user)"
    );
    let rows = c.query_typed(&sql, &[(&groups, Type::TEXT_ARRAY)]).await?;
    let Some(r) = rows.into_iter().next() else { return Ok(None) };
    if !r.get::<_, bool>(0) {
        return Ok(None);
    }
    let mut roles: Vec<Role> = r.get::<_, Vec<String>>(3).iter().filter_map(|g| Role::from_group(g)).collect();
    roles.sort();
    Ok(Some(Startup {
        login: r.get(1),
        migration: r.get(2),
        roles,
        server_time: r.get(4),
        operator: operator_at(&r, 5),
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
