//! What the citizen completes online (in production a web portal; here library functions and
//! `sportello citizen` so the whole lifecycle can be run and tested): activation with the
//! codes received, and revocation (with the erasure it brings, shared with the helpdesk's
//! registered letters).

use argon2::{Argon2, PasswordHasher};
use serde::Serialize;
use serde_json::json;

use crate::audit::{self, Actor, AuditEvent, Entry, Outcome, Target};
use crate::desk::handover::Desk;
use crate::domain::{FiscalCode, OperationKind, State};
use crate::error::{Error, Result};
use crate::mail;
use crate::secrets::{Purpose, SecretKey};
use crate::store::credentials::{self, Typed};
use crate::store::{Database, revocations};

/// What the citizen types to activate.
#[derive(Clone)]
pub struct Activation {
    pub fiscal_code: String,
    pub activation_code: String,
    pub pin: String,
    pub accept_rules: bool,
    pub username: Option<String>,
    pub password: Option<String>,
    pub secret_question: Option<String>,
    pub secret_answer: Option<String>,
}

impl std::fmt::Debug for Activation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Activation").field("fiscal_code", &self.fiscal_code).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Activated {
    pub registration_number: i64,
    pub operation: OperationKind,
    pub state: State,
    pub strong: bool,
    pub username: Option<String>,
}

/// Usernames: 3–30 characters, lower-case letters, digits, `.`, `_`, `-`, starting with a letter.
pub fn check_username(u: &str) -> Result<()> {
    let ok = (3..=30).contains(&u.len())
        && u.starts_with(|c: char| c.is_ascii_lowercase())
        && u.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c));
    if ok { Ok(()) } else { Err(Error::Invalid(crate::msg!("username-invalid", username = u))) }
}

/// Passwords: at least 10 characters, letters and digits, not containing the username or the
/// fiscal code.
pub fn check_password(p: &str, username: &str, fiscal_code: &str) -> Result<()> {
    let lower = p.to_lowercase();
    let problem = if p.chars().count() < 10 {
        Some(crate::msg!("password-short"))
    } else if !p.chars().any(|c| c.is_alphabetic()) || !p.chars().any(|c| c.is_ascii_digit()) {
        Some(crate::msg!("password-letters-digits"))
    } else if lower.contains(&username.to_lowercase()) || lower.contains(&fiscal_code.to_lowercase()) {
        Some(crate::msg!("password-contains-identity"))
    } else {
        None
    };
    match problem {
        Some(why) => Err(Error::Invalid(why)),
        None => Ok(()),
    }
}

fn hash_password(p: &str) -> Result<String> {
    Argon2::default()
        .hash_password(p.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::Unavailable(crate::msg!("password-hash-failed", detail = e.to_string())))
}

/// The same message for every wrong input, whatever was wrong: an unknown fiscal code, wrong
/// codes, nothing waiting to be completed, locked credentials. A different answer (attempts
/// counting down, "no revocation waiting") would tell anyone who is registered.
fn wrong(max_attempts: i32) -> Error {
    Error::Refused(crate::msg!("portal-wrong", max_attempts = max_attempts))
}

/// What the citizen typed, as the database checks it: the fiscal code as typed (the database
/// answers an unknown one as any wrong input), how the audit log names them, and every hash the
/// code typed may be stored as.
fn typed<'a>(desk: &Desk, fc: &'a FiscalCode, audit_name: &'a str, purpose: Purpose, code: &str) -> Typed<'a> {
    Typed {
        fiscal_code: fc.as_str(),
        audit_name,
        max_attempts: desk.max_attempts,
        code_hashes: desk.key.hashes(purpose, fc.as_str(), code),
    }
}

/// What the database answered about right codes with something else wrong, in the citizen's
/// words.
fn refusal(why: &str, username: Option<&str>, max_attempts: i32) -> Error {
    let username = username.unwrap_or_default().trim();
    match why {
        "expired" => Error::Refused(crate::msg!("code-expired")),
        "accept-rules" => Error::Invalid(crate::msg!("portal-accept-rules")),
        "choose-username" => Error::Invalid(crate::msg!("portal-choose-username")),
        "username-invalid" => Error::Invalid(crate::msg!("username-invalid", username = username)),
        "username-must-change" => Error::Invalid(crate::msg!("portal-username-must-change")),
        "choose-password" => Error::Invalid(crate::msg!("portal-choose-password")),
        "choose-secret" => Error::Invalid(crate::msg!("portal-choose-secret")),
        "username-taken" => Error::Invalid(crate::msg!("username-taken", username = username)),
        _ => wrong(max_attempts),
    }
}

/// Completes a verification, promotion, reset, PIN regeneration or the weak activation of a
/// pre-loaded resident (SPEC §4, §5). The database counts the attempt, verifies the codes and
/// completes, in one call whatever the input (sql/V27, api.citizen_activate); here the choices
/// are checked for form and the secrets hashed before it, the same work for every citizen.
pub async fn activate(db: &Database, desk: &Desk, a: Activation) -> Result<Activated> {
    let fc = FiscalCode::parse_input(&a.fiscal_code)?;
    let audit_name = audit::fiscal_code_target(&desk.key, fc.as_str());
    let username = a.username.as_deref().map(str::trim).filter(|u| !u.is_empty());
    // The password's rules need it in clear: checked here, answered by the database only once
    // the codes were found right (and only for an operation that makes a new account).
    let password_problem = match (username, a.password.as_deref()) {
        (Some(u), Some(p)) => check_password(p, u, fc.as_str()).err(),
        _ => None,
    };
    let password_hash = match (username, a.password.as_deref()) {
        (Some(_), Some(p)) => Some(hash_password(p)?),
        _ => None,
    };
    let answer = a.secret_answer.as_deref().map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty());
    let answer_hash = match (username, &answer) {
        (Some(_), Some(s)) => Some(hash_password(s)?),
        _ => None,
    };
    let question = a.secret_question.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let account = credentials::Account {
        username,
        password_hash: password_hash.as_deref(),
        password_ok: password_problem.is_none(),
        secret_question: question,
        secret_answer_hash: answer_hash.as_deref(),
    };
    let typed_code = typed(desk, &fc, &audit_name, Purpose::Activation, &a.activation_code);
    let pin_hashes = desk.key.hashes(Purpose::Pin, fc.as_str(), &a.pin);
    let done = {
        let client = db.client().await?;
        credentials::citizen_context(&client, "citizen activate").await?;
        credentials::activate(&client, &typed_code, &pin_hashes, a.accept_rules, &account).await?
    };
    let done = match done {
        credentials::Attempt::Done(done) => done,
        credentials::Attempt::Wrong => return Err(wrong(desk.max_attempts)),
        credentials::Attempt::Failed { why, .. } if why == "password-invalid" => {
            return Err(password_problem.unwrap_or_else(|| wrong(desk.max_attempts)));
        }
        credentials::Attempt::Failed { why, .. } => return Err(refusal(&why, username, desk.max_attempts)),
    };
    // Its letters have done their work: those here go now, those of other clerks at their next
    // command (crate::desk::letter_files).
    crate::desk::letter_files::sweep_after(db, &desk.letters_dir).await;
    let kind = OperationKind::parse(&done.operation).expect("checked by the database");
    if let Some(to) = &done.email {
        let text = format!(
            "l'operazione di {} della registrazione n. {} è stata completata. Le Sue credenziali sono attive{}.",
            kind.label(),
            done.number,
            done.username.as_deref().map(|u| format!(" con lo username {u}")).unwrap_or_default()
        );
        let greeting = mail::names(done.first_name.as_deref(), done.last_name.as_deref());
        if let Ok(m) =
            mail::confirmation_to(&desk.mail_from, to, &greeting, "Sistema Piemonte: operazione completata", &text)
        {
            let outcome = if desk.mailer.send(m).await.is_ok() { Outcome::Ok } else { Outcome::Error };
            let target = Target::Registration { number: done.number, fiscal_code: fc.to_string() };
            let entry = Entry::new(AuditEvent::Email, target)
                .details(json!({ "message": "activation-confirmation" }))
                .outcome(outcome);
            let client = db.client().await?;
            credentials::citizen_context(&client, "citizen activate").await?;
            record(&client, desk, "citizen activate", entry).await?;
        }
    }
    Ok(Activated {
        registration_number: done.number,
        operation: kind,
        state: State::parse(&done.state).expect("checked by the database"),
        strong: done.strong,
        username: done.username,
    })
}

/// Appends an audit row as the citizen: an event the client itself observed (an email sent).
async fn record(c: &impl deadpool_postgres::GenericClient, desk: &Desk, command: &str, entry: Entry) -> Result<()> {
    audit::write(c, Actor::Citizen { command }, Some(&desk.key), entry).await
}

/// The keyed hashes an erasure leaves and forgets by: the tombstone's, the statistics' person,
/// and the one the helpdesk mailbox stored its decisions under.
pub struct ErasureKeys {
    pub tombstone: Vec<u8>,
    pub stats_person: Vec<u8>,
    pub helpdesk: Vec<u8>,
}

impl ErasureKeys {
    pub fn of(key: &SecretKey, fiscal_code: &str) -> ErasureKeys {
        ErasureKeys {
            tombstone: tombstone_hash(key, fiscal_code),
            stats_person: crate::stats::person(key, fiscal_code),
            helpdesk: key.hash_text(Purpose::Revocation, "helpdesk", fiscal_code),
        }
    }
}

/// Removes the citizen's letters once the erasure has committed: their directory here
/// (`SPORTELLO_LETTERS_DIR/<registration number>/`), and the letters recorded under this
/// letters directory; those other clerks wrote go at their next command
/// (crate::desk::letter_files).
pub async fn remove_letters(db: &Database, desk: &Desk, registration_number: i64) -> Result<()> {
    let dir = desk.letters_dir.join(registration_number.to_string());
    match std::fs::remove_dir_all(&dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(Error::Io { context: crate::msg!("io-remove-letters", path = dir), source: e });
        }
        _ => {}
    }
    crate::desk::letter_files::sweep_after(db, &desk.letters_dir).await;
    Ok(())
}

/// The pseudonym of a revoked citizen in the tombstones: a keyed hash of the fiscal code.
pub fn tombstone_hash(key: &SecretKey, fiscal_code: &str) -> Vec<u8> {
    key.hash_text(Purpose::Revocation, "tombstone", fiscal_code)
}

/// Was this fiscal code revoked? (Answered from the tombstone, without keeping the code.)
pub async fn was_revoked(db: &Database, desk: &Desk, fiscal_code: &str) -> Result<bool> {
    let fc = FiscalCode::parse_input(fiscal_code)?;
    let hash = tombstone_hash(&desk.key, fc.as_str());
    revocations::exists(&db.client().await?, &hash).await
}

/// Completes a revocation booked at a desk with the revocation code: the database counts the
/// attempt, verifies the code and erases, in one call (sql/V27, api.citizen_revoke).
pub async fn revoke(db: &Database, desk: &Desk, fiscal_code: &str, revocation_code: &str) -> Result<i64> {
    let fc = FiscalCode::parse_input(fiscal_code)?;
    let audit_name = audit::fiscal_code_target(&desk.key, fc.as_str());
    let keys = ErasureKeys::of(&desk.key, fc.as_str());
    let typed_code = typed(desk, &fc, &audit_name, Purpose::Revocation, revocation_code);
    let done = {
        let client = db.client().await?;
        credentials::citizen_context(&client, "citizen revoke").await?;
        credentials::revoke(&client, &typed_code, &keys.tombstone, &keys.stats_person, &keys.helpdesk).await?
    };
    let done = match done {
        credentials::Attempt::Done(done) => done,
        credentials::Attempt::Wrong => return Err(wrong(desk.max_attempts)),
        credentials::Attempt::Failed { why, .. } => return Err(refusal(&why, None, desk.max_attempts)),
    };
    remove_letters(db, desk, done.number).await?;
    if let Some(to) = &done.email {
        let greeting = mail::names(done.first_name.as_deref(), done.last_name.as_deref());
        let text = "la revoca delle Sue credenziali è stata completata: le credenziali sono disattivate e i dati personali forniti in registrazione sono stati cancellati.";
        if let Ok(m) =
            mail::confirmation_to(&desk.mail_from, to, &greeting, "Sistema Piemonte: revoca completata", text)
        {
            let _ = desk.mailer.send(m).await;
        }
    }
    Ok(done.number)
}
