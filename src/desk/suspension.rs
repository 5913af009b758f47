//! Suspension and reinstatement of a registration's credentials (issue 20, sql/V31): a desk
//! (the citizen asks, the PIN letter was lost) or the helpdesk (suspected fraud) suspends with a
//! reason; while suspended nothing completes, no code is issued or sent, nothing is booked but a
//! revocation (rules::decide). Reinstatement gives back exactly what was there: the suspension
//! never touches the record's state, operations or credentials.

use serde::Serialize;

use super::require;
use crate::domain::*;
use crate::error::Result;
use crate::session::Session;
use crate::store::registrations::{self, Key};

/// A suspension made or ended.
#[derive(Debug, Clone, Serialize)]
pub struct Suspended {
    pub registration_number: i64,
    pub fiscal_code: FiscalCode,
    /// The suspension (made, or the one reinstatement ended).
    pub suspension: Suspension,
}

/// Suspends the credentials of the registration `key` names, for `reason`. The database checks
/// the caller (desk or helpdesk) and the record again, and records `suspend`.
pub async fn suspend(session: &Session, key: &Key, reason: SuspensionReason) -> Result<Suspended> {
    let mut client = session.db.client().await?;
    let tx = client.transaction().await?;
    let r = registrations::lock(&tx, key, super::key_audit_name(session, key).as_deref()).await?;
    require(&r, Action::Suspend)?;
    let audit_name = super::audit_name(session, r.fiscal_code.as_str())?;
    registrations::suspend(&tx, r.registration_number, reason, &audit_name).await?;
    let mut made = registrations::suspensions(&tx, &[r.registration_number]).await?;
    tx.commit().await?;
    let suspension = made.remove(&r.registration_number).ok_or_else(|| {
        crate::error::Error::database(crate::i18n::Message::verbatim("api.suspend left no suspension"))
    })?;
    Ok(Suspended { registration_number: r.registration_number, fiscal_code: r.fiscal_code, suspension })
}

/// Ends the suspension of the registration `key` names (the database records `reinstate`).
pub async fn reinstate(session: &Session, key: &Key) -> Result<Suspended> {
    let mut client = session.db.client().await?;
    let tx = client.transaction().await?;
    let r = registrations::lock(&tx, key, super::key_audit_name(session, key).as_deref()).await?;
    require(&r, Action::Reinstate)?;
    let audit_name = super::audit_name(session, r.fiscal_code.as_str())?;
    registrations::reinstate(&tx, r.registration_number, &audit_name).await?;
    tx.commit().await?;
    // require() let it through: the registration was suspended.
    let suspension = r.suspension.ok_or_else(|| {
        crate::error::Error::database(crate::i18n::Message::verbatim("a reinstated registration had no suspension"))
    })?;
    Ok(Suspended { registration_number: r.registration_number, fiscal_code: r.fiscal_code, suspension })
}
