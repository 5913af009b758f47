//! What an operator does at the desk: register a citizen, search, book an operation and hand
//! over its letters, reprint and regenerate codes, edit a record.
//!
//! Every write path opens with [`crate::store::registrations::lock`] and checks the state
//! table ([`require`]) before it changes anything.

pub mod book;
pub mod edit;
pub mod handover;
pub mod register;
pub mod reprint;
pub mod search;

use chrono::Utc;

use crate::domain::*;
use crate::error::{Error, Result};

/// Refuses an action the state table does not allow, with the reason and what is allowed.
pub fn require(r: &Registration, action: Action) -> Result<()> {
    let in_progress = r.in_progress();
    let Err(why) = rules::decide(r.state, r.strong, in_progress, action) else {
        return Ok(());
    };
    let allowed: Vec<String> = allowed(r.state, r.strong, in_progress).iter().map(|a| a.label()).collect();
    Err(Error::Refused(format!(
        "{} is not allowed for registration {} ({}, strong {}, {}): {why}; allowed: {}",
        action.label(),
        r.registration_number,
        r.state,
        if r.strong { "Y" } else { "N" },
        match in_progress {
            Some(op) => format!("{} in progress", op.as_str()),
            None => "no operation in progress".into(),
        },
        if allowed.is_empty() { "nothing (view only)".into() } else { allowed.join(", ") }
    )))
}

/// Checks a delegate's data.
pub fn check_delegate(d: &Delegate) -> Result<()> {
    FiscalCode::parse_input(&d.fiscal_code)?;
    for (field, value) in [
        ("delegate-first-name", &d.first_name),
        ("delegate-last-name", &d.last_name),
        ("delegate-doc-number", &d.doc_number),
        ("delegate-doc-issuer", &d.doc_issuer),
    ] {
        if value.trim().is_empty() {
            return Err(Error::Invalid(format!("--{field} must not be empty")));
        }
        crate::domain::text::check(field, value).map_err(Error::Invalid)?;
        if let Some(c) = crate::letters::unprintable(value) {
            return Err(Error::Invalid(format!("{} in --{field}", crate::letters::cannot_print(c))));
        }
    }
    if d.doc_issued > Utc::now().date_naive() {
        return Err(Error::Invalid(format!("the delegate's document issue date {} is in the future", d.doc_issued)));
    }
    if let Some(email) = &d.email {
        check_email(email).map_err(Error::Invalid)?;
    }
    if let Some(phone) = &d.phone {
        crate::domain::text::check("delegate-phone", phone).map_err(Error::Invalid)?;
    }
    Ok(())
}
