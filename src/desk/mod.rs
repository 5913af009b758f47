//! What an operator does at the desk: register a citizen, search, book an operation and hand
//! over its letters, reprint and regenerate codes, edit a record.
//!
//! Every write path opens with [`crate::store::registrations::lock`] and checks the state
//! table ([`require`]) before it changes anything.

pub mod book;
pub mod edit;
pub mod handover;
pub mod history;
pub mod letter_files;
pub mod register;
pub mod reprint;
pub mod search;
pub mod suspension;

use chrono::Utc;

use crate::domain::*;
use crate::error::{Error, Result};

/// Refuses an action the state table does not allow, with the reason and what is allowed.
pub fn require(r: &Registration, action: Action) -> Result<()> {
    let in_progress = r.in_progress();
    let suspended = r.suspension.is_some();
    let Err(why) = rules::decide(r.state, r.strong, in_progress, suspended, action) else {
        return Ok(());
    };
    let allowed: Vec<_> = allowed(r.state, r.strong, in_progress, suspended).iter().map(|a| a.said()).collect();
    Err(Error::Refused(crate::msg!(
        "desk-not-allowed",
        action = action.said(),
        number = r.registration_number.to_string(),
        state = r.state.to_string(),
        strong = if r.strong { "Y" } else { "N" },
        in_progress = match in_progress {
            Some(op) => crate::msg!("desk-in-progress", operation = crate::i18n::term(op.as_str())),
            None => crate::msg!("desk-nothing-in-progress"),
        },
        why = why,
        allowed = if allowed.is_empty() {
            crate::msg!("desk-allowed-nothing")
        } else {
            crate::i18n::Message::join(&allowed, ", ")
        }
    )))
}

/// How the audit log names the citizen of `fiscal_code` (`cf:` and a keyed hash): the api
/// functions keep it with the registration the first time and name the citizen by it.
pub(crate) fn audit_name(session: &crate::session::Session, fiscal_code: &str) -> Result<String> {
    let key = session.key.as_ref().ok_or_else(|| Error::Invalid(crate::msg!("audit-key-needed")))?;
    Ok(crate::audit::fiscal_code_target(key, fiscal_code))
}

/// How the audit log names the citizen a key names, when the key is a fiscal code (and the
/// session holds the audit key): what a read names a citizen by the first time (sql/V39). By
/// number, the log already knows the name (or the row names the number).
pub(crate) fn key_audit_name(
    session: &crate::session::Session,
    key: &crate::store::registrations::Key,
) -> Option<String> {
    match (key, &session.key) {
        (crate::store::registrations::Key::FiscalCode(fc), Some(k)) => {
            Some(crate::audit::fiscal_code_target(k, fc.as_str()))
        }
        _ => None,
    }
}

/// A delegate as the api functions take it (sql/V24): the columns of `delegates`.
pub(crate) fn delegate_json(d: &Delegate) -> serde_json::Value {
    serde_json::json!({
        "kind": d.kind.as_str(), "first_name": d.first_name, "last_name": d.last_name,
        "fiscal_code": d.fiscal_code, "doc_type": d.doc_type.as_str(), "doc_number": d.doc_number,
        "doc_issued": d.doc_issued.to_string(), "doc_issuer": d.doc_issuer, "email": d.email, "phone": d.phone,
    })
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
            return Err(Error::Invalid(crate::msg!("flag-empty", flag = format!("--{field}"))));
        }
        crate::domain::text::check(field, value).map_err(Error::Invalid)?;
        if let Some(c) = crate::letters::unprintable(value) {
            return Err(Error::Invalid(crate::msg!(
                "cannot-print-in",
                problem = crate::letters::cannot_print(c),
                flag = format!("--{field}")
            )));
        }
    }
    if d.doc_issued > Utc::now().date_naive() {
        return Err(Error::Invalid(crate::msg!("delegate-doc-issued-future", date = d.doc_issued.to_string())));
    }
    if let Some(email) = &d.email {
        check_email(email).map_err(Error::Invalid)?;
    }
    if let Some(phone) = &d.phone {
        crate::domain::text::check("delegate-phone", phone).map_err(Error::Invalid)?;
    }
    Ok(())
}
