//! Notices to the citizen (issue 20): whenever something is done to a record — a booking, a code
//! regenerated, the email or residence changed, a suspension or a reinstatement, a revocation
//! (also the implicit one, on a registry's report of a death) —
//! the registered address is told, in Italian, with what to do if it was not them. A notice
//! carries no secret and no personal data beyond the name (it may reach an old or a wrong
//! address); a change of email tells the old address too. The postal run sends none: the letter
//! is the notice.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::audit::{AuditEvent, Entry, Outcome, Target};
use crate::desk::handover::Desk;
use crate::domain::{OperationKind, Registration};
use crate::error::Result;
use crate::session::Session;

/// What happened to the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    Booked(OperationKind),
    CodeRegenerated,
    /// The email address changed; `old_told`: the old address is told too (there was one).
    EmailChanged {
        old_told: bool,
    },
    ResidenceChanged,
    Suspended,
    Reinstated,
    Revoked,
    /// Revoked because a registry reported the citizen's death (implicit revocation).
    RevokedDeath,
}

impl Notice {
    /// The name the audit row gives the message (`email` rows, `message` detail).
    pub fn name(self) -> &'static str {
        match self {
            Notice::Booked(_) => "notice-booking",
            Notice::CodeRegenerated => "notice-code-regenerated",
            Notice::EmailChanged { .. } => "notice-email-changed",
            Notice::ResidenceChanged => "notice-residence-changed",
            Notice::Suspended => "notice-suspended",
            Notice::Reinstated => "notice-reinstated",
            Notice::Revoked => "notice-revoked",
            Notice::RevokedDeath => "notice-revoked-death",
        }
    }

    /// Subject and the sentence saying what was done (Italian: the citizen reads it).
    fn words(self) -> (&'static str, String) {
        match self {
            Notice::Booked(op) => (
                "Sistema Piemonte: un'operazione sulla Sua registrazione",
                format!(
                    "Le comunichiamo che uno sportello ha avviato sulla Sua registrazione l'operazione «{}».",
                    op.label()
                ),
            ),
            Notice::CodeRegenerated => (
                "Sistema Piemonte: nuovo codice di attivazione",
                "Le comunichiamo che è stato emesso un nuovo codice di attivazione per la Sua registrazione; \
                 quello precedente non è più valido."
                    .into(),
            ),
            Notice::EmailChanged { old_told } => (
                "Sistema Piemonte: indirizzo email modificato",
                if old_told {
                    "Le comunichiamo che l'indirizzo email della Sua registrazione è stato modificato. \
                     Ricevono questo avviso sia il vecchio sia il nuovo indirizzo."
                } else {
                    "Le comunichiamo che alla Sua registrazione è stato aggiunto questo indirizzo email."
                }
                .into(),
            ),
            Notice::ResidenceChanged => (
                "Sistema Piemonte: residenza modificata",
                "Le comunichiamo che la residenza registrata per la Sua registrazione è stata modificata.".into(),
            ),
            Notice::Suspended => (
                "Sistema Piemonte: credenziali sospese",
                "Le comunichiamo che le credenziali della Sua registrazione sono state sospese: fino alla \
                 riattivazione non possono essere usate né completate."
                    .into(),
            ),
            Notice::Reinstated => (
                "Sistema Piemonte: credenziali riattivate",
                "Le comunichiamo che la sospensione delle credenziali della Sua registrazione è terminata: \
                 tutto è tornato come prima della sospensione."
                    .into(),
            ),
            Notice::Revoked => (
                "Sistema Piemonte: credenziali revocate",
                "Le comunichiamo che le credenziali della Sua registrazione sono state revocate e i dati \
                 personali cancellati."
                    .into(),
            ),
            Notice::RevokedDeath => (
                "Sistema Piemonte: credenziali revocate per decesso comunicato dall'anagrafe",
                "Le comunichiamo che l'anagrafe ha segnalato il decesso dell'intestatario di questa \
                 registrazione: le credenziali sono state revocate e i dati personali cancellati. Se la \
                 segnalazione è un errore, l'anagrafe e l'assistenza possono correggerla."
                    .into(),
            ),
        }
    }
}

/// The notice's message to `to`. The name of the citizen is the only personal datum.
pub fn message(
    notice: Notice,
    from: &str,
    to: &str,
    name: &str,
    office: &crate::letters::Office,
    at: DateTime<Utc>,
) -> Result<lettre::Message> {
    let (subject, what) = notice.words();
    let when = at.with_timezone(&chrono_tz::Europe::Rome).format("%d/%m/%Y alle %H:%M");
    // The helpdesk setting is a line of its own ("Assistenza: numero verde …", as at the foot of
    // the letters): it follows the sentence rather than completing it.
    let text = format!(
        "{what}\n\nData: {when}.\n\nSe non è stato Lei a chiederlo, o non riconosce questa operazione, \
         ci contatti subito.\n{}.\n\nQuesto avviso non contiene codici né dati personali: \
         nessuno Le chiederà mai per email il PIN o i codici.",
        office.helpdesk.trim_end_matches('.')
    );
    crate::mail::notice(from, to, name, subject, &text)
}

/// Sends `notice` about `r` to its registered address (and to `also`, e.g. the address an email
/// change replaced), each recorded as an `email` row. Best effort: a notice that cannot be sent is
/// recorded as failed, never undoes what was done.
pub async fn send(session: &Session, desk: &Desk, r: &Registration, notice: Notice, also: Option<&str>) {
    let name = crate::mail::names(r.data.person.first_name.as_deref(), r.data.person.last_name.as_deref());
    let citizen =
        Citizen { target: Target::registration(r), name: &name, registered: r.data.contacts.email.as_deref() };
    send_to(session, desk, &citizen, notice, also).await;
}

/// Whom a notice is about and goes to, for a path that holds no record (an erasure: the record
/// is gone by the time the notice goes).
pub struct Citizen<'a> {
    /// The registration, as the audit row of the notice names it.
    pub target: Target,
    /// First and last name, the one personal datum of a notice.
    pub name: &'a str,
    /// The registered address, if any.
    pub registered: Option<&'a str>,
}

/// Sends `notice` to the registered address of `citizen` (and to `also`), as [`send`] does.
pub async fn send_to(session: &Session, desk: &Desk, citizen: &Citizen<'_>, notice: Notice, also: Option<&str>) {
    let mut to: Vec<&str> = citizen.registered.into_iter().collect();
    if let Some(old) = also
        && !to.iter().any(|t| t.eq_ignore_ascii_case(old))
    {
        to.push(old);
    }
    for address in to {
        let sent = match message(notice, &desk.mail_from, address, citizen.name.trim(), &desk.office, Utc::now()) {
            Ok(m) => desk.mailer.send(m).await.map(drop),
            Err(e) => Err(e),
        };
        let outcome = if sent.is_ok() { Outcome::Ok } else { Outcome::Error };
        if let Ok(client) = session.db.client().await {
            // The address is not repeated in the log: the registered one, or the one replaced.
            let entry = Entry::new(AuditEvent::Email, citizen.target.clone())
                .details(json!({ "message": notice.name(), "old_address": Some(address) == also }))
                .outcome(outcome);
            let _ = session.record(&client, entry).await;
        }
        if let Err(e) = sent {
            not_sent(desk, notice, &e);
        }
    }
}

/// Sends `notice` about a record the database erased (it gave the address it had).
pub async fn tell_erased(session: &Session, desk: &Desk, erased: &crate::store::revocations::Erased, notice: Notice) {
    let name = crate::mail::names(erased.first_name.as_deref(), erased.last_name.as_deref());
    let citizen = Citizen {
        target: Target::Registration { number: erased.registration_number, fiscal_code: erased.fiscal_code.clone() },
        name: &name,
        registered: Some(&erased.email),
    };
    send_to(session, desk, &citizen, notice, None).await;
}

/// Sends `notice` about the registration `number` (read as it is now): for what a command did
/// without a record in hand (a suspension, a reinstatement).
pub async fn send_about(session: &Session, desk: &Desk, number: i64, notice: Notice) {
    let found = match session.db.client().await {
        Ok(c) => crate::store::registrations::find(&c, &crate::store::registrations::Key::Number(number), None).await,
        Err(e) => Err(e),
    };
    match found {
        Ok(r) => send(session, desk, &r, notice, None).await,
        Err(e) => not_sent(desk, notice, &e),
    }
}

/// The operator is told once, in their words; the log (English, by design) keeps the details at
/// a level shown with `-v`.
fn not_sent(desk: &Desk, notice: Notice, e: &crate::Error) {
    tracing::info!(notice = notice.name(), error = %e.english(), "notice not sent");
    (desk.notice_not_sent)(&crate::msg!("notice-not-sent", notice = crate::i18n::term(notice.name()), reason = e));
}

/// The notices a change of personal data calls for, from the record before and after: a new
/// email address (told at both addresses), a moved residence.
pub fn of_change(before: &Registration, after: &Registration) -> Vec<(Notice, Option<String>)> {
    let mut notices = Vec::new();
    let (old, new) = (&before.data.contacts.email, &after.data.contacts.email);
    if old.as_deref().map(str::to_lowercase) != new.as_deref().map(str::to_lowercase) {
        notices.push((Notice::EmailChanged { old_told: old.is_some() }, old.clone()));
    }
    let moved = |r: &Registration| {
        let d = &r.data.residence;
        (
            d.address.clone(),
            d.street_number.clone(),
            d.postcode.clone(),
            d.municipality.clone(),
            d.city.clone(),
            d.country.clone(),
        )
    };
    if moved(before) != moved(after) {
        notices.push((Notice::ResidenceChanged, None));
    }
    notices
}

/// Sends what [`of_change`] calls for.
pub async fn after_change(session: &Session, desk: &Desk, before: &Registration, after: &Registration) {
    for (notice, also) in of_change(before, after) {
        send(session, desk, after, notice, also.as_deref()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_names_the_citizen_and_the_helpdesk_and_nothing_else() {
        let office = crate::letters::Office::default();
        let at = "2026-12-02T09:30:00Z".parse().unwrap();
        for notice in [
            Notice::Booked(OperationKind::Reset),
            Notice::CodeRegenerated,
            Notice::EmailChanged { old_told: true },
            Notice::EmailChanged { old_told: false },
            Notice::ResidenceChanged,
            Notice::Suspended,
            Notice::Reinstated,
            Notice::Revoked,
            Notice::RevokedDeath,
        ] {
            let m = message(notice, "sportello@example.it", "mario@example.it", "Mario Rossi", &office, at).unwrap();
            let raw = String::from_utf8(m.formatted()).unwrap();
            let text = crate::mail::inbound_text(&mail_parser::MessageParser::default().parse(raw.as_bytes()).unwrap());
            assert!(text.contains("Gentile Mario Rossi"), "{text}");
            assert!(text.contains("800 450 900"), "the helpdesk to call: {text}");
            assert!(text.contains("02/12/2026 alle 10:30"), "Rome time: {text}");
            assert!(text.contains("Se non è stato Lei"), "{text}");
            assert!(!text.to_lowercase().contains("assistenza: assistenza"), "no doubled word: {text}");
            let after = text.split("ci contatti subito.").nth(1).unwrap_or_default().trim_start();
            assert!(after.starts_with("Assistenza: numero verde 800 450 900"), "{text}");
            let both = text.contains("sia il vecchio sia il nuovo indirizzo");
            assert_eq!(both, notice == Notice::EmailChanged { old_told: true }, "{text}");
        }
    }
}
