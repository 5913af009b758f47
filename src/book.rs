//! Booking an operation at the desk (SPEC §4, "prenota"), regenerating the activation code,
//! reprinting letters. Each hands the citizen fresh secrets: on paper (PIN, and the code when
//! there is no email or the operator asks) and by email (the code).

use std::path::PathBuf;

use chrono::Utc;
use serde::Serialize;
use serde_json::json;

use crate::domain::*;
use crate::error::{Error, Result};
use crate::handover::{Delivery, Desk, Staged, record_prints, send_code_email};
use crate::letters::{self, Letter};
use crate::mail;
use crate::register::parse_fiscal_code;
use crate::secrets::{self, Purpose, Secret};
use crate::session::Session;
use crate::store::operations;
use crate::store::registrations::{self, Key};

#[derive(Debug, Clone)]
pub struct Request {
    pub key: Key,
    pub operation: OperationKind,
    pub delegate: Option<Delegate>,
    /// Print the activation (or revocation) code too, even when it is emailed.
    pub print_code: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Booked {
    pub registration_number: i64,
    pub fiscal_code: String,
    pub operation: OperationKind,
    pub letters: Vec<PathBuf>,
    pub code: Delivery,
}

/// Checks a delegate's data.
pub fn check_delegate(d: &Delegate) -> Result<()> {
    parse_fiscal_code(&d.fiscal_code)?;
    for (field, value) in [
        ("delegate-first-name", &d.first_name),
        ("delegate-last-name", &d.last_name),
        ("delegate-doc-number", &d.doc_number),
        ("delegate-doc-issuer", &d.doc_issuer),
    ] {
        if value.trim().is_empty() {
            return Err(Error::Invalid(format!("--{field} must not be empty")));
        }
    }
    if d.doc_issued > Utc::now().date_naive() {
        return Err(Error::Invalid(format!("the delegate's document issue date {} is in the future", d.doc_issued)));
    }
    if let Some(email) = &d.email {
        check_email(email).map_err(Error::Invalid)?;
    }
    Ok(())
}

/// A registration, or a clear "not found".
pub async fn find(c: &impl deadpool_postgres::GenericClient, key: &Key) -> Result<Registration> {
    registrations::get(c, key).await?.ok_or_else(|| Error::NotFound(format!("no registration with {key}")))
}

/// Refuses an action the state table does not allow, naming what is allowed.
pub fn require(r: &Registration, action: Action) -> Result<()> {
    if permits(r.state, r.strong, action) {
        return Ok(());
    }
    let allowed: Vec<String> = allowed(r.state, r.strong).iter().map(|a| a.label()).collect();
    Err(Error::Refused(format!(
        "{} is not allowed for registration {} ({}, strong {}): allowed: {}",
        action.label(),
        r.registration_number,
        r.state,
        if r.strong { "Y" } else { "N" },
        if allowed.is_empty() { "nothing (view only)".into() } else { allowed.join(", ") }
    )))
}

fn code_letter(kind: OperationKind, r: &Registration, code: &Secret, until: chrono::DateTime<Utc>) -> Letter {
    let today = Utc::now().date_naive();
    if kind == OperationKind::Revocation {
        letters::revocation_letter(r, code, until, today)
    } else {
        letters::activation_letter(r, code, until, today)
    }
}

/// Emails the code when possible; otherwise (or on request, or on failure) writes its letter.
/// Returns the delivery and any letter written.
async fn deliver_code(
    session: &Session,
    desk: &Desk,
    r: &Registration,
    kind: OperationKind,
    code: &Secret,
    until: chrono::DateTime<Utc>,
    print: bool,
) -> Result<(Delivery, Vec<PathBuf>)> {
    let email = r.data.contacts.email.clone();
    let mut delivery = match (&email, print) {
        (None, _) => Delivery::NoEmail,
        (Some(_), true) => Delivery::Printed,
        (Some(to), false) => {
            let message = if kind == OperationKind::Revocation {
                mail::revocation_code(&desk.mail_from, to, r, code, until)
            } else {
                mail::activation_code(&desk.mail_from, to, r, code, until)
            };
            match message {
                Ok(m) => {
                    send_code_email(
                        session,
                        desk,
                        r,
                        if kind == OperationKind::Revocation { "revocation-code" } else { "activation-code" },
                        m,
                    )
                    .await
                }
                Err(e) => Delivery::Failed { reason: e.to_string() },
            }
        }
    };
    if matches!(delivery, Delivery::Emailed { .. }) {
        return Ok((delivery, vec![]));
    }
    let paths =
        Staged::write(&desk.letters_dir, r.registration_number, &[code_letter(kind, r, code, until)])?.publish()?;
    record_prints(session, r, &paths).await?;
    if let Delivery::Failed { reason } = &mut delivery {
        reason.push_str(" (the code is in the printed letter)");
    }
    Ok((delivery, paths))
}

/// Books an operation: replaces the active one, stores the new secrets' hashes, writes the
/// PIN letter and the summary, and delivers the code. All database writes in one transaction;
/// the letters become final only once it has committed.
pub async fn book(session: &Session, desk: &Desk, req: Request) -> Result<Booked> {
    let mut client = session.db.client().await?;
    let tx = client.transaction().await?;
    let pending = book_in(&tx, session, desk, &req).await?;
    pending.commit(tx, session, desk).await
}

/// A booking written in a transaction not committed yet: its letters are staged, its code is
/// still to be delivered.
pub(crate) struct PendingBooking {
    r: Registration,
    op: OperationKind,
    code: Secret,
    until: chrono::DateTime<Utc>,
    staged: Staged,
    print_code: bool,
}

/// The database writes and the letters of a booking, in the caller's transaction.
pub(crate) async fn book_in(
    tx: &deadpool_postgres::Transaction<'_>,
    session: &Session,
    desk: &Desk,
    req: &Request,
) -> Result<PendingBooking> {
    if let Some(d) = &req.delegate {
        check_delegate(d)?;
    }
    let number = find(tx, &req.key).await?.registration_number;
    operations::lock(tx, number).await?;
    let r = find(tx, &Key::Number(number)).await?;
    require(&r, Action::Book(req.operation))?;
    let missing = r.data.missing_for_booking();
    if !missing.is_empty() {
        return Err(Error::Invalid(format!(
            "registration {number} lacks mandatory fields for booking: {} (complete them with `sportello edit`)",
            missing.join(", ")
        )));
    }

    let op = req.operation;
    let until = desk.expiry();
    let pin = if op == OperationKind::Revocation { None } else { Some(secrets::new_pin()?) };
    let code = secrets::new_code()?;
    let pin_hash = pin.as_ref().map(|p| desk.key.hash(Purpose::Pin, &r.fiscal_code, p));
    let revocation_hash =
        (op == OperationKind::Revocation).then(|| desk.key.hash(Purpose::Revocation, &r.fiscal_code, &code));
    let ente = &session.operator.ente;

    let discarded = operations::discard_active(tx, number).await?;
    let op_id = operations::insert(
        tx,
        number,
        op,
        ente,
        &session.operator.id,
        pin_hash.as_deref(),
        revocation_hash.as_deref(),
        until,
    )
    .await?;
    if let Some(d) = &req.delegate {
        operations::put_delegate(tx, op_id, d).await?;
    }
    if op == OperationKind::Revocation {
        operations::set_activation_code(tx, number, None, None).await?;
    } else {
        let hash = desk.key.hash(Purpose::Activation, &r.fiscal_code, &code);
        operations::set_activation_code(tx, number, Some(&hash), Some(until)).await?;
        operations::mark_verified(tx, number, ente, &session.operator.id).await?;
    }
    session
        .record(
            tx,
            "book",
            Some(r.fiscal_code.clone()),
            json!({ "registration_number": number, "operation": op, "replaced_active": discarded > 0,
                    "delegate": req.delegate.as_ref().map(|d| d.kind) }),
            None,
            "ok",
        )
        .await?;
    let r = find(tx, &Key::Number(number)).await?;
    let today = Utc::now().date_naive();
    let mut to_print = Vec::new();
    if let Some(pin) = &pin {
        to_print.push(letters::pin_letter(&r, pin, today, false));
    }
    to_print.push(letters::summary(&r, today));
    let staged = Staged::write(&desk.letters_dir, number, &to_print)?;
    Ok(PendingBooking { r, op, code, until, staged, print_code: req.print_code })
}

impl PendingBooking {
    /// Commits the transaction, then makes the letters final and delivers the code.
    pub(crate) async fn commit(
        self,
        tx: deadpool_postgres::Transaction<'_>,
        session: &Session,
        desk: &Desk,
    ) -> Result<Booked> {
        let PendingBooking { r, op, code, until, staged, print_code } = self;
        if let Err(e) = tx.commit().await {
            staged.discard();
            return Err(e.into());
        }
        let mut paths = staged.publish()?;
        record_prints(session, &r, &paths).await?;
        let (delivery, more) = deliver_code(session, desk, &r, op, &code, until, print_code).await?;
        paths.extend(more);
        Ok(Booked {
            registration_number: r.registration_number,
            fiscal_code: r.fiscal_code,
            operation: op,
            letters: paths,
            code: delivery,
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Regenerated {
    pub registration_number: i64,
    pub fiscal_code: String,
    pub letters: Vec<PathBuf>,
    pub code: Delivery,
}

/// A new activation code at the desk: the PIN is unchanged, the old code stops working.
pub async fn regenerate_code(session: &Session, desk: &Desk, key: &Key, print: bool) -> Result<Regenerated> {
    let mut client = session.db.client().await?;
    let tx = client.transaction().await?;
    let number = find(&tx, key).await?.registration_number;
    operations::lock(&tx, number).await?;
    let r = find(&tx, &Key::Number(number)).await?;
    require(&r, Action::RegenerateCode)?;
    let (code, until) = store_new_activation_code(&tx, desk, &r).await?;
    session
        .record(
            &tx,
            "regenerate-code",
            Some(r.fiscal_code.clone()),
            json!({ "registration_number": number, "channel": "desk" }),
            None,
            "ok",
        )
        .await?;
    tx.commit().await?;
    let (delivery, letters) = deliver_code(session, desk, &r, OperationKind::Verification, &code, until, print).await?;
    Ok(Regenerated { registration_number: number, fiscal_code: r.fiscal_code, letters, code: delivery })
}

/// Draws a new activation code and stores its hash (the caller's transaction).
pub(crate) async fn store_new_activation_code(
    tx: &impl deadpool_postgres::GenericClient,
    desk: &Desk,
    r: &Registration,
) -> Result<(Secret, chrono::DateTime<Utc>)> {
    let code = secrets::new_code()?;
    let until = desk.expiry();
    let hash = desk.key.hash(Purpose::Activation, &r.fiscal_code, &code);
    operations::set_activation_code(tx, r.registration_number, Some(&hash), Some(until)).await?;
    Ok((code, until))
}

/// Documents that can be printed again. A PIN is never reprinted (a new PIN is a booking);
/// the activation code is stored only as a hash, so "reprinting" it draws a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
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
        return Err(Error::Invalid(
            "say what to print: --summary, --rules, --proxy-form, --guardianship, --activation-code".into(),
        ));
    }
    let client = session.db.client().await?;
    let r = find(&client, key).await?;
    if r.state == State::Respinto {
        return Err(Error::Refused(format!(
            "registration {} is rejected (respinto): view only",
            r.registration_number
        )));
    }
    drop(client);
    let today = Utc::now().date_naive();
    let op = r.last_operation.as_ref().filter(|o| o.status == OperationStatus::Active);
    let op_kind = op.map(|o| o.kind).unwrap_or(OperationKind::Verification);
    let delegate = op.and_then(|o| o.delegate.as_ref());
    let mut docs: Vec<Letter> = Vec::new();
    for w in which {
        match w {
            Reprint::Summary => docs.push(letters::summary(&r, today)),
            Reprint::Rules => docs.push(letters::rules(&r, today)),
            Reprint::ProxyForm => docs.push(letters::proxy_form(&r, delegate, op_kind, today)),
            Reprint::Guardianship => docs.push(letters::guardianship_declaration(&r, delegate, op_kind, today)),
            Reprint::ActivationCode => {}
        }
    }
    let mut paths = if docs.is_empty() {
        vec![]
    } else {
        Staged::write(&desk.letters_dir, r.registration_number, &docs)?.publish()?
    };
    if !paths.is_empty() {
        record_prints(session, &r, &paths).await?;
    }
    if which.contains(&Reprint::ActivationCode) {
        paths.extend(regenerate_code(session, desk, key, true).await?.letters);
    }
    Ok(paths)
}
