//! Booking an operation at the desk (SPEC §4, "prenota"): it hands the citizen fresh secrets,
//! on paper (PIN, and the code when there is no email or the operator asks) and by email (the
//! code).

use std::path::PathBuf;

use chrono::Utc;
use serde::Serialize;

use super::handover::{Delivery, Desk, Staged, record_prints, send_code_email};
use super::{check_delegate, require};
use crate::domain::*;
use crate::error::{Error, Result};
use crate::letters;
use crate::mail;
use crate::secrets::{self, CodeKind, Purpose, Secret};
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
    pub fiscal_code: FiscalCode,
    pub operation: OperationKind,
    pub letters: Vec<PathBuf>,
    pub code: Delivery,
}

/// Emails the code when possible; otherwise (or on request, or on failure) writes its letter.
/// Returns the delivery and any letter written.
pub(crate) async fn deliver_code(
    session: &Session,
    desk: &Desk,
    r: &Registration,
    kind: CodeKind,
    code: &Secret,
    until: chrono::DateTime<Utc>,
    print: bool,
) -> Result<(Delivery, Vec<PathBuf>)> {
    let email = r.data.contacts.email.clone();
    let mut delivery = match (&email, print) {
        (None, _) => Delivery::NoEmail,
        (Some(_), true) => Delivery::Printed,
        (Some(to), false) => match mail::code_message(kind, &desk.mail_from, to, r, code, until) {
            Ok(m) => send_code_email(session, desk, r, kind.message_name(), m).await,
            Err(e) => Delivery::Failed { reason: e.to_string() },
        },
    };
    if matches!(delivery, Delivery::Emailed { .. }) {
        return Ok((delivery, vec![]));
    }
    let letter = letters::code_letter(&desk.office, kind, r, code, until, Utc::now().date_naive());
    let paths = Staged::write(&desk.letters_dir, r.registration_number, vec![letter]).await?.publish()?;
    record_prints(session, r, &paths).await?;
    if let Delivery::Failed { reason } = &mut delivery {
        reason.push_str(&crate::tr!("delivery-code-in-letter"));
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
    let r = registrations::lock(tx, &req.key, super::key_audit_name(session, &req.key).as_deref()).await?;
    let number = r.registration_number;
    require(&r, Action::Book(req.operation))?;
    let missing = r.data.missing_for_booking();
    if !missing.is_empty() {
        return Err(Error::Invalid(crate::msg!(
            "book-missing-fields",
            number = number.to_string(),
            fields = missing.join(", ")
        )));
    }

    let op = req.operation;
    let until = desk.expiry();
    let pin = if op == OperationKind::Revocation { None } else { Some(secrets::new_pin()?) };
    let code = secrets::new_code()?;
    let pin_hash = pin.as_ref().map(|p| desk.key.hash(Purpose::Pin, &r.fiscal_code, p));
    let revocation_hash =
        (op == OperationKind::Revocation).then(|| desk.key.hash(Purpose::Revocation, &r.fiscal_code, &code));
    let activation_hash =
        (op != OperationKind::Revocation).then(|| desk.key.hash(Purpose::Activation, &r.fiscal_code, &code));
    let code_hash = revocation_hash.as_deref().or(activation_hash.as_deref()).expect("one of the two");
    // Every write of the booking is the database's (sql/V24 `api.book`): the active operation
    // discarded (its letters swept once this commits), a letter by post withdrawn, the new
    // operation at this operator's ente, the delegate, the lockout ended, the hashes, the
    // verification in person and the `book` audit row.
    let booking = operations::Booking {
        number,
        kind: op,
        pin_hash: pin_hash.as_deref(),
        code_hash,
        code_expires_at: until,
        delegate: req.delegate.as_ref(),
        audit_name: &super::audit_name(session, r.fiscal_code.as_str())?,
    };
    let r = operations::book(tx, &booking).await?;
    let today = Utc::now().date_naive();
    let mut to_print = Vec::new();
    if let Some(pin) = &pin {
        to_print.push(letters::pin_letter(&desk.office, &r, pin, letters::PinUse::of_booking(op), today, false));
    }
    to_print.push(letters::summary(&desk.office, &r, today));
    let staged = Staged::write(&desk.letters_dir, number, to_print).await?;
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
        crate::desk::letter_files::sweep_after(&session.db, &desk.letters_dir).await;
        let mut paths = staged.publish()?;
        record_prints(session, &r, &paths).await?;
        // The citizen is told of the booking (no code in it), before the code's own email.
        crate::notices::send(session, desk, &r, crate::notices::Notice::Booked(op), None).await;
        let (delivery, more) = deliver_code(session, desk, &r, CodeKind::of(op), &code, until, print_code).await?;
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
