//! Managing operators: who may work at a desk, for which ente and territory, in which roles.
//!
//! Each operator is a login of the database (the id is the login's name). The first
//! administrator is added by the schema owner ([`bootstrap`]); administrators add the others,
//! grant and revoke roles, set competence and disable, never beyond their own competence, FSE
//! authorisation and roles. The database checks all of it and records each change itself
//! (sql/V28, `api.operator_*`); the library resolves names and says clearly what went wrong.
//! The schema owner stays the root of trust: [`repair`] fixes or adds an administrator at any
//! time.

use crate::domain::{Role, text};
use crate::error::{Error, Result};
use crate::session::{Session, origin};
use crate::store::operators::{self as repo, Operator};
use crate::store::{self, Location, embedded, reference};

/// A new operator as typed: competence as province codes/names and municipality names/codes.
#[derive(Debug, Clone)]
pub struct NewOperator {
    pub id: String,
    pub full_name: String,
    pub ente: String,
    pub fse: bool,
    pub provinces: Vec<String>,
    pub municipalities: Vec<String>,
    /// Roles to grant (an administrator only grants roles they hold). The first administrator
    /// gets `admin` besides these.
    pub roles: Vec<Role>,
}

/// Checks an operator id, the login's name (a certificate's CN): `[a-z0-9._-]`, compared
/// case-insensitively (so returned in lower case), not a reserved role name.
pub fn check_id(id: &str) -> Result<String> {
    let id = text::operator_id(id).map_err(Error::Invalid)?;
    if id.starts_with(['.', '-']) || id.starts_with("pg_") || id.starts_with("sportello_") {
        return Err(Error::Invalid(crate::msg!("operator-id-reserved", id = &id)));
    }
    Ok(id)
}

fn check_new(new: &NewOperator) -> Result<String> {
    let id = check_id(&new.id)?;
    if new.full_name.trim().is_empty() || new.ente.trim().is_empty() {
        return Err(Error::Invalid(crate::msg!("operator-name-ente-empty")));
    }
    text::check("name", new.full_name.trim()).map_err(Error::Invalid)?;
    text::check("ente", new.ente.trim()).map_err(Error::Invalid)?;
    if new.provinces.is_empty() && new.municipalities.is_empty() {
        return Err(Error::Invalid(crate::msg!("operator-competence-missing")));
    }
    Ok(id)
}

/// Province codes and ISTAT codes of a competence as typed.
async fn resolve(
    c: &impl deadpool_postgres::GenericClient,
    provinces: &[String],
    municipalities: &[String],
) -> Result<(Vec<String>, Vec<String>)> {
    let mut ps = Vec::new();
    for p in provinces {
        ps.push(reference::resolve_province(c, p).await?);
    }
    let mut ms = Vec::new();
    for m in municipalities {
        ms.push(reference::resolve_municipality(c, m, None).await?.istat_code);
    }
    Ok((ps, ms))
}

/// The first administrator of a database, added through the owner's connection `admin` (the
/// database refuses anyone else, and any operator after the first, however many try at once),
/// or, with `repair`, an administrator the owner repairs, extends or adds at any time (the
/// owner is the root of trust: a mistaken first step is fixed without dropping the database).
/// The database records either.
pub async fn bootstrap(admin: impl Into<store::ConnectConfig>, new: NewOperator) -> Result<Operator> {
    owner_step(admin, new, false).await
}

/// An administrator repaired, extended or added by the schema owner through the owner's
/// connection `admin`, at any time: name, ente, FSE and competence replaced, enabled again,
/// `admin` and the roles given granted (none taken away). Refused to anyone but the owner.
pub async fn repair(admin: impl Into<store::ConnectConfig>, new: NewOperator) -> Result<Operator> {
    owner_step(admin, new, true).await
}

async fn owner_step(admin: impl Into<store::ConnectConfig>, new: NewOperator, repair: bool) -> Result<Operator> {
    let id = &check_new(&new)?;
    let db = store::Database::with_config(admin).await?;
    let command = if repair { "operator bootstrap --repair" } else { "operator bootstrap" };
    db.set_context(&origin(), command).await?;
    let mut client = db.client().await?;
    let tx = client.transaction().await?;
    let (provinces, municipalities) = resolve(&tx, &new.provinces, &new.municipalities).await?;
    let mut roles = new.roles.clone();
    roles.retain(|r| *r != Role::Admin);
    roles.insert(0, Role::Admin);
    let row = repo::NewRow {
        id,
        full_name: new.full_name.trim(),
        ente: new.ente.trim(),
        fse: new.fse,
        provinces: &provinces,
        municipalities: &municipalities,
        roles: &roles,
    };
    let done = if repair { repo::repair(&tx, &row).await } else { repo::bootstrap(&tx, &row).await };
    done.map_err(|e| match e {
        // Not executable by the login: not the schema owner.
        Error::Database { code: Some(c), message } if c == "42883" => {
            Error::Refused(crate::msg!("bootstrap-owner-only", detail = &message))
        }
        other => other,
    })?;
    tx.commit().await?;
    // The owner reads what it made as the owner (no operator's read to record).
    repo::owner_get(&client, id).await?.ok_or_else(|| Error::database(crate::msg!("operator-vanished", id = id)))
}

/// The first administrator, where `location` is. On the embedded default the cluster's owner
/// is the first administrator: `new.id` is their OS user (taken as such when empty).
pub async fn bootstrap_at(location: &Location, new: NewOperator, repair: bool) -> Result<Operator> {
    owner_step_at(location, new, repair).await
}

async fn owner_step_at(location: &Location, mut new: NewOperator, repair: bool) -> Result<Operator> {
    if let Location::Embedded(_) = location {
        let me = embedded::os_user()?;
        if new.id.trim().is_empty() {
            new.id = me.clone();
        } else if new.id.trim() != me && !repair {
            return Err(Error::Invalid(crate::msg!("bootstrap-embedded-owner", me = &me, id = new.id.trim())));
        }
    } else if new.id.trim().is_empty() {
        return Err(Error::Invalid(crate::msg!("bootstrap-id-missing")));
    }
    let admin = location.admin_config().await?;
    if let Location::Embedded(_) = location {
        store::migrate(&admin).await?;
    }
    owner_step(&admin, new, repair).await
}

/// Adds an operator: the session's operator must be an administrator, and may give only
/// competence, FSE authorisation and roles they have themselves.
pub async fn add(session: &Session, new: NewOperator) -> Result<Operator> {
    let id = &check_new(&new)?;
    let mut client = session.db.client().await?;
    let tx = client.transaction().await?;
    let (provinces, municipalities) = resolve(&tx, &new.provinces, &new.municipalities).await?;
    let roles = if new.roles.is_empty() { vec![Role::Desk] } else { new.roles.clone() };
    let row = repo::NewRow {
        id,
        full_name: new.full_name.trim(),
        ente: new.ente.trim(),
        fse: new.fse,
        provinces: &provinces,
        municipalities: &municipalities,
        roles: &roles,
    };
    // The database records the addition with the change itself.
    let added = repo::add(&tx, &row).await.map_err(|e| {
        if e.is_unique_violation() { Error::Refused(crate::msg!("operator-exists", id = id)) } else { e }
    })?;
    tx.commit().await?;
    added.ok_or_else(|| Error::database(crate::msg!("operator-vanished", id = id)))
}

/// A change an administrator makes to an operator.
#[derive(Debug, Clone)]
pub enum Change {
    Grant(Vec<Role>),
    Revoke(Vec<Role>),
    /// The whole competence, replaced: province codes/names, municipality names/codes.
    Competence {
        provinces: Vec<String>,
        municipalities: Vec<String>,
    },
    Disable,
    /// Enabled again, with these roles.
    Enable(Vec<Role>),
}

/// Applies `change` to operator `id` (the session's operator must be an administrator whose
/// competence covers the operator's); the database records it with the change.
pub async fn change(session: &Session, id: &str, change: Change) -> Result<Operator> {
    let id = &check_id(id)?;
    let mut client = session.db.client().await?;
    let tx = client.transaction().await?;
    if let Change::Grant(roles) | Change::Revoke(roles) = &change
        && roles.is_empty()
    {
        return Err(Error::Invalid(crate::msg!("operator-role-missing")));
    }
    let competence = match &change {
        Change::Competence { provinces, municipalities } => {
            if provinces.is_empty() && municipalities.is_empty() {
                return Err(Error::Invalid(crate::msg!("operator-new-competence-missing")));
            }
            resolve(&tx, provinces, municipalities).await?
        }
        _ => (Vec::new(), Vec::new()),
    };
    let (name, roles): (&str, &[Role]) = match &change {
        Change::Grant(roles) => ("grant", roles),
        Change::Revoke(roles) => ("revoke-role", roles),
        Change::Competence { .. } => ("competence", &[]),
        Change::Disable => ("disable", &[]),
        Change::Enable(roles) => ("enable", roles),
    };
    let changed = repo::change(&tx, id, name, roles, &competence.0, &competence.1).await.map_err(|e| unknown(e, id))?;
    tx.commit().await?;
    changed.ok_or_else(|| Error::NotFound(crate::msg!("operator-unknown", id = id)))
}

/// The database's "unknown operator", in the operator's language.
fn unknown(e: Error, id: &str) -> Error {
    match e {
        Error::Database { code: Some(c), .. } if c == "P0002" => {
            Error::NotFound(crate::msg!("operator-unknown", id = id))
        }
        other => other,
    }
}

/// Every operator; the database records the read.
pub async fn list(session: &Session) -> Result<Vec<Operator>> {
    let client = session.db.client().await?;
    repo::list(&client).await
}

/// One operator; the database records the read.
pub async fn show(session: &Session, id: &str) -> Result<Operator> {
    let id = &text::operator_id(id).map_err(Error::Invalid)?;
    let client = session.db.client().await?;
    repo::get(&client, id).await?.ok_or_else(|| Error::NotFound(crate::msg!("operator-unknown", id = id)))
}

/// The session's own operator, whole (the session read it without its competence).
pub async fn whoami(session: &Session) -> Result<Operator> {
    let client = session.db.client().await?;
    Ok(repo::me(&client).await?.unwrap_or_else(|| session.operator.clone()))
}
