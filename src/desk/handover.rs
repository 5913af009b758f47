//! Handing secrets over: letters written to disk and emails sent, each recorded in the audit
//! log without the secret.

use std::path::{Path, PathBuf};

use chrono::{Duration, Utc};
use serde_json::json;

use crate::audit::{AuditEvent, Entry, Outcome, Target};
use crate::config::DeskSettings;
use crate::domain::Registration;
use crate::error::{Error, Result};
use crate::letters::{self, Letter};
use crate::mail::Mailer;
use crate::secrets::SecretKey;
use crate::session::Session;
use crate::store::operation_letters;

/// The desk's tools besides the database.
#[derive(Clone)]
pub struct Desk {
    pub key: SecretKey,
    pub mailer: Mailer,
    pub mail_from: String,
    pub letters_dir: PathBuf,
    pub code_validity: Duration,
    pub max_attempts: i32,
    /// Who sends the letters, whom the citizen calls.
    pub office: letters::Office,
    /// Tells the operator that a notice to the citizen could not be sent (the action itself is
    /// done): the binary prints it on standard error in the operator's language; by default it
    /// is a warning of the log.
    pub notice_not_sent: fn(&crate::i18n::Message),
}

// Not derived: the key stays out of every debug print.
impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desk")
            .field("mail_from", &self.mail_from)
            .field("letters_dir", &self.letters_dir)
            .field("office", &self.office)
            .finish_non_exhaustive()
    }
}

impl Desk {
    pub fn open(s: &DeskSettings) -> Result<Desk> {
        let key = SecretKey::load(&s.key_file, s.create_key).map_err(|e| match e {
            Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                Error::Invalid(crate::msg!("key-file-missing", path = &s.key_file))
            }
            other => other,
        })?;
        Ok(Desk {
            key,
            mailer: Mailer::new(&s.mail)?,
            mail_from: s.mail.from.clone(),
            letters_dir: s.letters_dir.clone(),
            code_validity: Duration::days(s.code_validity_days),
            max_attempts: s.max_attempts,
            office: s.office.clone(),
            notice_not_sent: |said| tracing::warn!("{}", said.english()),
        })
    }

    pub fn expiry(&self) -> chrono::DateTime<Utc> {
        Utc::now() + self.code_validity
    }
}

/// The directories a desk keeps secrets in on this machine: letters (PINs, codes) and the
/// outbox (emails with codes, when no SMTP server is set). Each OS user needs their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretDir {
    Letters,
    Outbox,
}

impl SecretDir {
    /// What is wrong with `dir`, and which setting gives this OS user a directory of their own.
    pub fn not_yours(self, dir: &Path) -> crate::i18n::Message {
        match self {
            SecretDir::Letters => crate::msg!("letters-dir-not-yours", path = dir),
            SecretDir::Outbox => crate::msg!("outbox-not-yours", path = dir),
        }
    }

    /// Refuses (exit 1, as when writing in it fails) a directory this OS user cannot keep
    /// secrets in as their own ([`crate::files::own_dir`]), naming the setting to set: the one
    /// check of the letters directory and the outbox, before a command does anything and by
    /// `doctor`.
    pub fn check(self, dir: &Path) -> Result<()> {
        crate::files::own_dir(dir).map_err(|source| Error::Io { context: self.not_yours(dir), source })
    }
}

impl Desk {
    /// The letters directory, and the outbox when emails are spooled (no SMTP server set):
    /// checked by every desk command before it does anything, so that a clerk whose directories
    /// are another's (the shared home's) is told which setting to set, rather than have every
    /// letter fail, or every notice and code email fail with only a line in the log.
    pub fn check_dirs(&self) -> Result<()> {
        SecretDir::Letters.check(&self.letters_dir)?;
        match &self.mailer {
            Mailer::Spool(dir) => SecretDir::Outbox.check(dir),
            Mailer::Smtp(_) => Ok(()),
        }
    }
}

/// Letters rendered to temporary files, made final by [`Staged::publish`] once the database
/// transaction that stored their secrets has committed (and thrown away otherwise).
pub struct Staged {
    files: Vec<(PathBuf, PathBuf)>,
}

impl Staged {
    /// Renders each letter into its own PDF under `dir/<registration number>/`, on a blocking
    /// thread (rendering and writing must not hold up the runtime's workers).
    pub async fn write(dir: &Path, registration_number: i64, letters: Vec<Letter>) -> Result<Staged> {
        let dir = dir.to_path_buf();
        tokio::task::spawn_blocking(move || Staged::write_blocking(&dir, registration_number, &letters))
            .await
            .map_err(|e| Error::Internal(crate::msg!("letters-render-failed", detail = e.to_string())))?
    }

    fn write_blocking(dir: &Path, registration_number: i64, letters: &[Letter]) -> Result<Staged> {
        // Letters hold PINs, codes and personal data: 0600 in 0700 directories (crate::files).
        // Another clerk's directory (the shared home's, by default) cannot be created, made
        // private or written: say which setting gives this clerk one of their own.
        let not_yours = |e: Error| match e {
            Error::Io { source, .. } if source.kind() == std::io::ErrorKind::PermissionDenied => {
                Error::Io { context: SecretDir::Letters.not_yours(dir), source }
            }
            other => other,
        };
        SecretDir::Letters.check(dir)?;
        crate::files::dir(dir, crate::files::Access::Private).map_err(not_yours)?;
        let sub = dir.join(registration_number.to_string());
        crate::files::dir(&sub, crate::files::Access::Private).map_err(not_yours)?;
        let dir = sub;
        // UTC, and saying so (the Z): the name sorts in time order and reads the same anywhere.
        let stamp = Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
        let mut staged = Staged { files: Vec::new() };
        for letter in letters {
            let final_path = dir.join(format!("{stamp}-{}.pdf", letter.kind.slug()));
            let tmp = final_path.with_extension("pdf.tmp");
            let written = letters::render(std::slice::from_ref(letter))
                .and_then(|pdf| crate::files::write(&tmp, &pdf, crate::files::Access::Private, false));
            if let Err(e) = written {
                let _ = std::fs::remove_file(&tmp);
                staged.discard();
                return Err(e);
            }
            staged.files.push((tmp, final_path));
        }
        Ok(staged)
    }

    /// Renames the letters to their final names; returns them.
    pub fn publish(self) -> Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        for (tmp, path) in self.files {
            std::fs::rename(&tmp, &path).map_err(Error::io(crate::msg!("io-rename", path = &*tmp)))?;
            out.push(path);
        }
        Ok(out)
    }

    pub fn discard(self) {
        for (tmp, _) in self.files {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// How the activation or revocation code reached (or did not reach) the citizen.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "delivery", rename_all = "kebab-case")]
pub enum Delivery {
    /// Sent to this address.
    Emailed { to: String, via: String },
    /// No email on record: the code is in a letter.
    NoEmail,
    /// The operator asked for a letter instead.
    Printed,
    /// Sending failed: the code is in a letter instead.
    Failed { reason: String },
}

/// Sends a message carrying a code and records it (never the code).
pub async fn send_code_email(
    session: &Session,
    desk: &Desk,
    r: &Registration,
    what: &str,
    message: lettre::Message,
) -> Delivery {
    let to = r.data.contacts.email.clone().unwrap_or_default();
    let result = desk.mailer.send(message).await;
    let (outcome, delivery) = match result {
        Ok(via) => (Outcome::Ok, Delivery::Emailed { to: to.clone(), via }),
        Err(e) => (Outcome::Error, Delivery::Failed { reason: e.to_string() }),
    };
    if let Ok(client) = session.db.client().await {
        // The address is the one on record for the registration: not repeated in the log.
        let entry = Entry::new(AuditEvent::Email, Target::registration(r)).details(json!({ "message": what }));
        let _ = session.record(&client, entry.outcome(outcome)).await;
    }
    delivery
}

/// Records the letters written for a registration: the `print` audit row and, by canonical
/// path, the letters kept with their registration and operation, so that they are removed when
/// it is over or the registration erased, by whoever sweeps this directory
/// (crate::desk::letter_files). Both are the database's (sql/V24 `api.record_prints`).
pub async fn record_prints(session: &Session, r: &Registration, paths: &[PathBuf]) -> Result<()> {
    let client = session.db.client().await?;
    let files: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    // The database refuses a relative path (sql/V1, operation_letters_path_check).
    let kept: Vec<(String, bool)> = paths
        .iter()
        .map(|p| {
            let path = p.canonicalize().or_else(|_| std::path::absolute(p)).unwrap_or_else(|_| p.clone());
            (path.display().to_string(), holds_secret(p))
        })
        .collect();
    let audit_name = super::audit_name(session, r.fiscal_code.as_str())?;
    operation_letters::record(&client, r.registration_number, &files, &kept, &audit_name).await
}

/// Does this letter hold a PIN or a code (by its name, `<time>-<document>.pdf`)?
pub fn holds_secret(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    [letters::Kind::Pin, letters::Kind::ActivationCode, letters::Kind::RevocationCode, letters::Kind::SpidPassphrase]
        .iter()
        .any(|k| name.ends_with(&format!("-{}.pdf", k.slug())))
}
