//! Reprints at the desk and new codes: the summary, the rules and the forms printed again, a
//! new activation code (the PIN unchanged), a PIN letter by post.

use std::path::PathBuf;

use chrono::Utc;
use serde::Serialize;

use super::book::deliver_code;
use super::handover::{Delivery, Desk, Staged, record_prints};
use super::require;
use crate::domain::*;
use crate::error::{Error, Result};
use crate::letters::{self, Letter};
use crate::secrets::{self, CodeKind, Purpose};
use crate::session::Session;
use crate::store::credentials;
use crate::store::registrations::{self, Key};

#[derive(Debug, Clone, Serialize)]
pub struct Regenerated {
    pub registration_number: i64,
    pub fiscal_code: FiscalCode,
    pub letters: Vec<PathBuf>,
    pub code: Delivery,
}

/// A new activation code at the desk: the PIN is unchanged, the old code stops working.
pub async fn regenerate_code(session: &Session, desk: &Desk, key: &Key, print: bool) -> Result<Regenerated> {
    let mut client = session.db.client().await?;
    let tx = client.transaction().await?;
    let r = registrations::lock(&tx, key, super::key_audit_name(session, key).as_deref()).await?;
    require(&r, Action::RegenerateCode)?;
    let code = secrets::new_code()?;
    let until = desk.expiry();
    let hash = desk.key.hash(Purpose::Activation, &r.fiscal_code, &code);
    // The code in force and the `regenerate-code` audit row are the database's (sql/V24).
    let audit_name = super::audit_name(session, r.fiscal_code.as_str())?;
    let r = credentials::regenerate_code(&tx, r.registration_number, &hash, until, &audit_name).await?;
    tx.commit().await?;
    crate::notices::send(session, desk, &r, crate::notices::Notice::CodeRegenerated, None).await;
    let (delivery, letters) = deliver_code(session, desk, &r, CodeKind::Activation, &code, until, print).await?;
    Ok(Regenerated { registration_number: r.registration_number, fiscal_code: r.fiscal_code, letters, code: delivery })
}

/// Documents that can be printed again. A PIN is never reprinted (a new PIN is a booking);
/// the activation code is stored only as a hash, so "reprinting" it draws a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reprint {
    Summary,
    Rules,
    ProxyForm,
    Guardianship,
    ActivationCode,
}

/// Reprints documents of a registration; returns the files written.
pub async fn print_letters(session: &Session, desk: &Desk, key: &Key, which: &[Reprint]) -> Result<Vec<PathBuf>> {
    if which.is_empty() {
        return Err(Error::Invalid(crate::msg!("print-what")));
    }
    let client = session.db.client().await?;
    let r = registrations::find(&client, key, super::key_audit_name(session, key).as_deref()).await?;
    require(&r, Action::Print)?;
    drop(client);
    let today = Utc::now().date_naive();
    let op = r.last_operation.as_ref().filter(|o| o.status == OperationStatus::Active);
    let op_kind = op.map(|o| o.kind).unwrap_or(OperationKind::Verification);
    let delegate = op.and_then(|o| o.delegate.as_ref());
    let office = &desk.office;
    let mut docs: Vec<Letter> = Vec::new();
    for w in which {
        match w {
            Reprint::Summary => docs.push(letters::summary(office, &r, today)),
            Reprint::Rules => docs.push(letters::rules(office, &r)),
            Reprint::ProxyForm => docs.push(letters::proxy_form(office, &r, delegate, op_kind)),
            Reprint::Guardianship => docs.push(letters::guardianship_declaration(office, &r, delegate, op_kind)),
            Reprint::ActivationCode => {}
        }
    }
    let mut paths = if docs.is_empty() {
        vec![]
    } else {
        Staged::write(&desk.letters_dir, r.registration_number, docs).await?.publish()?
    };
    if !paths.is_empty() {
        record_prints(session, &r, &paths).await?;
    }
    if which.contains(&Reprint::ActivationCode) {
        paths.extend(regenerate_code(session, desk, key, true).await?.letters);
    }
    Ok(paths)
}

/// Asks for a PIN letter by post for a registration (a reprint request): the next postal run
/// prints it with a new PIN.
pub async fn request_pin_by_post(session: &Session, key: &Key) -> Result<i64> {
    let client = session.db.client().await?;
    let r = registrations::find(&client, key, super::key_audit_name(session, key).as_deref()).await?;
    require(&r, Action::PinByPost)?;
    let audit_name = super::audit_name(session, r.fiscal_code.as_str())?;
    credentials::pin_by_post(&client, r.registration_number, &audit_name).await?;
    Ok(r.registration_number)
}
