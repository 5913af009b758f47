//! Managing operators: who may work at a desk, for which ente and territory.

use serde_json::json;

use crate::audit::{self, Actor, AuditEvent, Entry, Target};
use crate::error::{Error, Result};
use crate::session::{Session, origin};
use crate::store::operators::{self as repo, Operator};
use crate::store::{Database, reference};

/// A new operator as typed: competence as province codes/names and municipality names/codes.
#[derive(Debug, Clone)]
pub struct NewOperator {
    pub id: String,
    pub full_name: String,
    pub ente: String,
    pub fse: bool,
    pub provinces: Vec<String>,
    pub municipalities: Vec<String>,
}

/// Adds an operator. The very first operator of a database is added with no acting operator
/// (bootstrap); after that an existing operator must act.
pub async fn add(db: &Database, acting: Option<&str>, new: NewOperator) -> Result<Operator> {
    let id = new.id.trim();
    if id.is_empty() || id.chars().any(char::is_whitespace) {
        return Err(Error::Invalid(format!("operator id '{}' must be one word", new.id)));
    }
    if new.full_name.trim().is_empty() || new.ente.trim().is_empty() {
        return Err(Error::Invalid("--name and --ente must not be empty".into()));
    }
    if new.provinces.is_empty() && new.municipalities.is_empty() {
        return Err(Error::Invalid("give the operator's competence: --province and/or --municipality".into()));
    }
    let session = match acting {
        Some(id) if repo::count(&db.client().await?).await? > 0 => {
            Some(Session::open(db.clone(), Some(id), "operator add").await?)
        }
        _ => None,
    };
    let acting = session.as_ref();
    let mut client = db.client().await?;
    let tx = client.transaction().await?;
    if acting.is_none() && repo::count(&tx).await? > 0 {
        return Err(Error::Invalid(
            "operators exist already: the new one must be added by an existing operator (--operator or SPORTELLO_OPERATOR)".into(),
        ));
    }
    if repo::exists(&tx, id).await? {
        return Err(Error::Refused(format!("operator '{id}' exists already")));
    }
    let mut provinces = Vec::new();
    for p in &new.provinces {
        provinces.push(reference::resolve_province(&tx, p).await?);
    }
    let mut municipalities = Vec::new();
    for m in &new.municipalities {
        municipalities.push(reference::resolve_municipality(&tx, m, None).await?.istat_code);
    }
    let acting_id = acting.map(|s| s.operator.id.as_str());
    let row = repo::NewRow {
        id,
        full_name: new.full_name.trim(),
        ente: new.ente.trim(),
        fse: new.fse,
        provinces: &provinces,
        municipalities: &municipalities,
        created_by: acting_id,
    };
    repo::insert(&tx, &row).await?;
    let details =
        json!({ "ente": new.ente.trim(), "fse": new.fse, "provinces": provinces, "municipalities": municipalities });
    let target = Target::Operator(id.to_string());
    match acting {
        Some(s) => s.record(&tx, Entry::new(AuditEvent::OperatorAdd, target).details(details)).await?,
        None => {
            // The first operator acts as themself.
            let origin = origin();
            let actor = Actor::Operator { id, origin: &origin, command: "operator add" };
            let entry =
                Entry::new(AuditEvent::OperatorAdd, target).details(json!({ "bootstrap": true, "operator": details }));
            audit::write(&tx, actor, entry).await?
        }
    }
    tx.commit().await?;
    repo::get(&client, id).await?.ok_or_else(|| Error::database(format!("operator {id} vanished after insert")))
}

pub async fn list(session: &Session) -> Result<Vec<Operator>> {
    let client = session.db.client().await?;
    let all = repo::list(&client).await?;
    session.record(&client, Entry::new(AuditEvent::OperatorList, Target::None).count(all.len())).await?;
    Ok(all)
}

pub async fn show(session: &Session, id: &str) -> Result<Operator> {
    let client = session.db.client().await?;
    let op = repo::get(&client, id).await?.ok_or_else(|| Error::NotFound(format!("unknown operator '{id}'")))?;
    session.record(&client, Entry::new(AuditEvent::OperatorView, Target::Operator(id.to_string())).count(1)).await?;
    Ok(op)
}
