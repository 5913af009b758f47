//! What the citizen completes online (in production a web portal; here library functions and
//! `sportello citizen` so the whole lifecycle can be run and tested): activation with the
//! codes received, and revocation (with the erasure it brings, shared with the helpdesk's
//! registered letters).

use argon2::{Argon2, PasswordHasher};
use chrono::Utc;
use serde::Serialize;
use serde_json::json;

use crate::audit::{self, Actor, AuditEvent, Entry, Outcome, Target};
use crate::desk::handover::Desk;
use crate::domain::{FiscalCode, OperationKind, Registration, State, transitions};
use crate::error::{Error, Result};
use crate::mail;
use crate::secrets::{Purpose, SecretKey};
use crate::store::operations::{self, ActiveSecrets};
use crate::store::registrations::{self, Key};
use crate::store::revocations::{self, Channel};
use crate::store::{Database, credentials, helpdesk};

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

/// Appends an audit row as the citizen.
async fn record(c: &impl deadpool_postgres::GenericClient, desk: &Desk, command: &str, entry: Entry) -> Result<()> {
    audit::write(c, Actor::Citizen { command }, Some(&desk.key), entry).await
}

/// What an attempt is checked against: the registration, its operation in progress and its
/// credentials.
struct Located {
    r: Registration,
    active: ActiveSecrets,
    creds: credentials::Credentials,
}

/// An attempt at a citizen's codes, taken (counted) before anything is verified, with what it
/// is checked against (`None`: an unknown fiscal code, attempts spent, nothing in progress).
/// The same statements run whatever the input, so that neither the answer nor its time tells
/// who is registered.
struct Attempt {
    fiscal_code: FiscalCode,
    /// The registration whose attempts this one was counted against.
    taken: Option<i64>,
    located: Option<Located>,
}

impl Attempt {
    async fn take(db: &Database, desk: &Desk, fiscal_code: &str) -> Result<Attempt> {
        let fc = FiscalCode::parse_input(fiscal_code)?;
        let client = db.client().await?;
        let taken = credentials::take_attempt(&client, fc.as_str(), desk.max_attempts).await?;
        let r = registrations::get(&client, &Key::FiscalCode(fc.clone())).await?;
        let number = r.as_ref().map_or(0, |r| r.registration_number);
        let (creds, active) =
            tokio::try_join!(credentials::credentials(&client, number), operations::active_secrets(&client, number))?;
        let located = match (taken, r, creds, active) {
            (Some(_), Some(r), Some(creds), Some(active)) => Some(Located { r, active, creds }),
            _ => None,
        };
        Ok(Attempt { fiscal_code: fc, taken, located })
    }

    /// The attempt, if it may complete `kind` (a revocation, or anything else), with the codes
    /// typed checked against the stored hashes; otherwise it is refused as wrong (and counted,
    /// recorded) the same way whatever was wrong.
    async fn check(
        self,
        db: &Database,
        desk: &Desk,
        revocation: bool,
        typed: &[(Purpose, &str)],
        command: &str,
    ) -> Result<Located> {
        let Attempt { fiscal_code, taken, located } = self;
        let stored = |l: &Located, p: Purpose| match p {
            Purpose::Activation => l.creds.activation_code_hash.clone(),
            Purpose::Pin => l.active.pin_hash.clone(),
            Purpose::Revocation => l.active.revocation_code_hash.clone(),
            Purpose::Pseudonym => None,
        };
        // Hashes to verify against even when there is nothing: the same work either way.
        let none = vec![0u8; 32];
        let ok = typed.iter().fold(located.is_some(), |ok, (purpose, code)| {
            let hash = located.as_ref().and_then(|l| stored(l, *purpose)).unwrap_or_else(|| none.clone());
            desk.key.verify(*purpose, &fiscal_code, code, &hash) && ok
        });
        match located {
            Some(l) if ok && (l.active.kind == OperationKind::Revocation) == revocation => {
                let expires = if revocation { l.active.code_expires_at } else { l.creds.activation_code_expires_at };
                if expires.is_some_and(|e| e < Utc::now()) {
                    return Err(Error::Refused(crate::msg!("code-expired")));
                }
                Ok(l)
            }
            located => {
                let target = match &located {
                    Some(l) => Target::registration(&l.r),
                    None => Target::Citizen(fiscal_code.to_string()),
                };
                let mut client = db.client().await?;
                let tx = client.transaction().await?;
                let count = credentials::attempt_failed(&tx, taken.unwrap_or(0), desk.max_attempts).await?;
                let details = json!({ "attempt": taken.is_some().then_some(count) });
                record(
                    &tx,
                    desk,
                    command,
                    Entry::new(AuditEvent::CitizenWrongCode, target).details(details).outcome(Outcome::Refused),
                )
                .await?;
                tx.commit().await?;
                Err(wrong(desk.max_attempts))
            }
        }
    }
}

/// Completes a verification, promotion, reset, PIN regeneration or the weak activation of a
/// pre-loaded resident (SPEC §4, §5).
pub async fn activate(db: &Database, desk: &Desk, a: Activation) -> Result<Activated> {
    let typed = [(Purpose::Activation, a.activation_code.as_str()), (Purpose::Pin, a.pin.as_str())];
    let Located { r, active, creds } =
        Attempt::take(db, desk, &a.fiscal_code).await?.check(db, desk, false, &typed, "citizen activate").await?;
    if !a.accept_rules {
        return Err(Error::Invalid(crate::msg!("portal-accept-rules")));
    }

    // What each operation asks of the citizen.
    let kind = active.kind;
    let Some(change) = transitions::after_completion(kind, r.strong) else {
        return Err(Error::Refused(crate::msg!("portal-revocation-code")));
    };
    let new_username = match kind {
        OperationKind::Verification | OperationKind::Reset | OperationKind::Activation => {
            let u = a
                .username
                .as_deref()
                .map(str::trim)
                .ok_or_else(|| Error::Invalid(crate::msg!("portal-choose-username")))?;
            check_username(u)?;
            if kind == OperationKind::Reset && creds.username.as_deref().is_some_and(|old| old.eq_ignore_ascii_case(u))
            {
                return Err(Error::Invalid(crate::msg!("portal-username-must-change")));
            }
            let p = a.password.as_deref().ok_or_else(|| Error::Invalid(crate::msg!("portal-choose-password")))?;
            check_password(p, u, &r.fiscal_code)?;
            if a.secret_question.as_deref().is_none_or(|q| q.trim().is_empty())
                || a.secret_answer.as_deref().is_none_or(|q| q.trim().is_empty())
            {
                return Err(Error::Invalid(crate::msg!("portal-choose-secret")));
            }
            Some(u.to_string())
        }
        OperationKind::Promotion | OperationKind::Pin => None,
        OperationKind::Revocation => None,
    };
    let password_hash = match &new_username {
        Some(_) => Some(hash_password(a.password.as_deref().unwrap_or_default())?),
        None => None,
    };
    let answer_hash = match &new_username {
        Some(_) => Some(hash_password(&a.secret_answer.as_deref().unwrap_or_default().trim().to_lowercase())?),
        None => None,
    };

    let mut client = db.client().await?;
    let tx = client.transaction().await?;
    // Erased, or locked out by wrong codes typed meanwhile: refused as any wrong input.
    if !registrations::lock_number(&tx, r.registration_number).await?
        || credentials::is_locked(&tx, r.registration_number).await?
    {
        return Err(wrong(0));
    }
    // The operation may have been replaced while the citizen typed.
    if operations::active_secrets(&tx, r.registration_number).await?.map(|s| s.operation_id)
        != Some(active.operation_id)
    {
        return Err(Error::Refused(crate::msg!("portal-replaced")));
    }
    if let Some(u) = &new_username
        && credentials::username_taken(&tx, u, r.registration_number).await?
    {
        return Err(Error::Invalid(crate::msg!("username-taken", username = u)));
    }
    let question = a.secret_question.as_deref().filter(|_| new_username.is_some()).map(str::trim);
    let completed = credentials::Completed {
        change,
        username: new_username.as_deref(),
        password_hash: password_hash.as_deref(),
        secret_question: question,
        secret_answer_hash: answer_hash.as_deref(),
        pin_hash: active.pin_hash.as_deref(),
    };
    credentials::complete(&tx, r.registration_number, &completed).await?;
    operations::succeed(&tx, active.operation_id).await?;
    let entry = Entry::new(AuditEvent::CitizenActivate, Target::registration(&r)).details(json!({ "operation": kind }));
    record(&tx, desk, "citizen activate", entry).await?;
    tx.commit().await?;
    // Its letters have done their work: those here go now, those of other clerks at their next
    // command (crate::desk::letter_files).
    crate::desk::letter_files::sweep_after(db, &desk.letters_dir).await;

    let after = registrations::find(&client, &Key::Number(r.registration_number)).await?;
    if let Some(to) = &after.data.contacts.email {
        let text = format!(
            "l'operazione di {} della registrazione n. {} è stata completata. Le Sue credenziali sono attive{}.",
            kind.label(),
            r.registration_number,
            after.username.as_deref().map(|u| format!(" con lo username {u}")).unwrap_or_default()
        );
        if let Ok(m) = mail::confirmation(&desk.mail_from, to, &after, "Sistema Piemonte: operazione completata", &text)
        {
            let outcome = if desk.mailer.send(m).await.is_ok() { Outcome::Ok } else { Outcome::Error };
            let entry = Entry::new(AuditEvent::Email, Target::registration(&r))
                .details(json!({ "message": "activation-confirmation" }))
                .outcome(outcome);
            record(&client, desk, "citizen activate", entry).await?;
        }
    }
    Ok(Activated {
        registration_number: r.registration_number,
        operation: kind,
        state: after.state,
        strong: after.strong,
        username: after.username,
    })
}

/// Disables the credentials and erases the personal data of a registration at once, keeping a
/// pseudonymous tombstone (keyed hash of the fiscal code). Data in CIA and AURA is not touched.
pub async fn erase(
    tx: &impl deadpool_postgres::GenericClient,
    desk: &Desk,
    r: &Registration,
    channel: &Channel,
) -> Result<()> {
    let fc_hash = tombstone_hash(&desk.key, &r.fiscal_code);
    let person = crate::stats::person(&desk.key, &r.fiscal_code);
    revocations::erase(tx, r.registration_number, &fc_hash, &person, channel).await?;
    // The sender of the citizen's helpdesk requests (the mailbox keys them by this hash).
    let helpdesk_hash = desk.key.hash_text(Purpose::Revocation, "helpdesk", &r.fiscal_code);
    helpdesk::forget(tx, &helpdesk_hash, r.data.contacts.email.as_deref()).await
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

/// Completes a revocation booked at a desk with the revocation code.
pub async fn revoke(db: &Database, desk: &Desk, fiscal_code: &str, revocation_code: &str) -> Result<i64> {
    let typed = [(Purpose::Revocation, revocation_code)];
    let Located { r, .. } =
        Attempt::take(db, desk, fiscal_code).await?.check(db, desk, true, &typed, "citizen revoke").await?;
    let mut client = db.client().await?;
    let tx = client.transaction().await?;
    if !registrations::lock_number(&tx, r.registration_number).await?
        || credentials::is_locked(&tx, r.registration_number).await?
    {
        return Err(wrong(0));
    }
    erase(&tx, desk, &r, &Channel::Online).await?;
    // The audit log names the registration by its number and a keyed hash of the fiscal code.
    record(&tx, desk, "citizen revoke", Entry::new(AuditEvent::CitizenRevoke, Target::registration(&r))).await?;
    tx.commit().await?;
    remove_letters(db, desk, r.registration_number).await?;
    if let Some(to) = &r.data.contacts.email {
        let text = "la revoca delle Sue credenziali è stata completata: le credenziali sono disattivate e i dati personali forniti in registrazione sono stati cancellati.";
        if let Ok(m) = mail::confirmation(&desk.mail_from, to, &r, "Sistema Piemonte: revoca completata", text) {
            let _ = desk.mailer.send(m).await;
        }
    }
    Ok(r.registration_number)
}
