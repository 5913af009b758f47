//! The history of a record (the manual's "visualizzazione delle operazioni effettuate"):
//! every operation booked on it and every audited event about its citizen, oldest first.
//! The database assembles it, checks the caller's role and records the read (sql/V29).

use crate::error::{Error, Result};
use crate::session::Session;
use crate::store::history::{self, Event};
use crate::store::registrations::Key;

pub async fn history(session: &Session, key: &Key) -> Result<Vec<Event>> {
    let client = session.db.client().await?;
    let (number, fiscal_code) = match key {
        Key::Number(n) => (Some(*n), None),
        Key::FiscalCode(fc) => (None, Some(fc.as_str())),
    };
    let audit_name = match (fiscal_code, session.key.as_ref()) {
        (Some(fc), Some(k)) => Some(crate::audit::fiscal_code_target(k, fc)),
        _ => None,
    };
    history::list(&client, number, fiscal_code, audit_name.as_deref()).await.map_err(|e| match e {
        Error::Database { code: Some(c), .. } if c == "P0002" => {
            Error::NotFound(crate::msg!("registration-not-found", key = key.message()))
        }
        other => other,
    })
}
