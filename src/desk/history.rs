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
        // A revocation (by the citizen, by registered letter, or for a death) erases the
        // record: what remains of it is in the audit log, which names the citizen by fiscal
        // code, never by number.
        Error::Database { code: Some(c), .. } if c == "P0002" => Error::NotFound(match key {
            Key::FiscalCode(fc) => crate::msg!("history-not-found-cf", key = key.message(), fiscal_code = fc.as_str()),
            Key::Number(_) => crate::msg!("history-not-found-number", key = key.message()),
        }),
        other => other,
    })
}
