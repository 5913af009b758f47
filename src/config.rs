//! Where sportello keeps its files and finds its database.

use std::path::PathBuf;

use crate::store::Location;

/// `SPORTELLO_HOME`, else `$XDG_DATA_HOME/sportello`, else `~/.local/share/sportello`.
pub fn default_home() -> PathBuf {
    if let Some(h) = crate::config_file::var("SPORTELLO_HOME") {
        return PathBuf::from(h);
    }
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(x).join("sportello");
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    home.join(".local/share/sportello")
}

/// The database: the URL when one is given; else a server named by libpq's environment
/// (`PGHOST`, `PGHOSTADDR` or `PGSERVICE`: store/libpq.rs fills in the rest), else the embedded
/// cluster under `home`.
pub fn location(database_url: Option<&str>, home: PathBuf) -> Location {
    let libpq =
        ["PGHOST", "PGHOSTADDR", "PGSERVICE"].iter().any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
    match database_url.filter(|u| !u.trim().is_empty()) {
        Some(url) => Location::Url(url.to_string()),
        None if libpq => Location::Url(String::new()),
        None => Location::Embedded(home),
    }
}

/// What the desk operations need besides the database: the key of the keyed hashes, the
/// mail settings, where letters go, how long codes last.
#[derive(Debug, Clone)]
pub struct DeskSettings {
    pub key_file: std::path::PathBuf,
    /// Create the key file when absent (the embedded default); with a server the key must
    /// exist already: a new key would make every stored code unverifiable.
    pub create_key: bool,
    pub mail: crate::mail::MailSettings,
    pub letters_dir: std::path::PathBuf,
    pub code_validity_days: i64,
    /// Wrong codes in a row before the citizen is locked out (a new booking unlocks).
    pub max_attempts: i32,
    /// The sending office and the helpdesk printed on every letter.
    pub office: crate::letters::Office,
}

/// A setting of the environment, else of the configuration files (`crate::config_file::var`).
fn env_path(name: &str) -> Option<PathBuf> {
    crate::config_file::var(name).map(PathBuf::from)
}

impl DeskSettings {
    /// From the environment: `SPORTELLO_KEY_FILE`, `SPORTELLO_SMTP_URL`, `SPORTELLO_MAIL_FROM`,
    /// `SPORTELLO_OUTBOX`, `SPORTELLO_LETTERS_DIR`, `SPORTELLO_CODE_VALIDITY_DAYS`,
    /// `SPORTELLO_MAX_ATTEMPTS`, `SPORTELLO_LETTERS_OFFICE`, `SPORTELLO_LETTERS_HELPDESK` (else the
    /// configuration files); defaults under `home`.
    pub fn from_env(home: &std::path::Path, location: &Location) -> crate::Result<DeskSettings> {
        // Bounded: a validity of 10^9 days overflows every date it is added to.
        let number = |name: &str, default: i64, max: i64| -> crate::Result<i64> {
            match crate::config_file::var(name) {
                Some(v) if !v.trim().is_empty() => {
                    v.trim().parse::<i64>().ok().filter(|n| (1..=max).contains(n)).ok_or_else(|| {
                        crate::Error::Invalid(crate::msg!(
                            "setting-number-range",
                            name = name,
                            max = max,
                            value = v.as_str()
                        ))
                    })
                }
                _ => Ok(default),
            }
        };
        let key_file = env_path("SPORTELLO_KEY_FILE");
        Ok(DeskSettings {
            create_key: key_file.is_none() && matches!(location, Location::Embedded(_)),
            key_file: key_file.unwrap_or_else(|| crate::secrets::SecretKey::default_path(home)),
            mail: crate::mail::MailSettings {
                smtp_url: crate::config_file::var("SPORTELLO_SMTP_URL"),
                spool_dir: env_path("SPORTELLO_OUTBOX").unwrap_or_else(|| home.join("outbox")),
                from: crate::config_file::var("SPORTELLO_MAIL_FROM")
                    .unwrap_or_else(|| "Sistema Piemonte <noreply@sistemapiemonte.it>".into()),
            },
            letters_dir: env_path("SPORTELLO_LETTERS_DIR").unwrap_or_else(|| home.join("letters")),
            code_validity_days: number("SPORTELLO_CODE_VALIDITY_DAYS", 30, 3650)?,
            max_attempts: number("SPORTELLO_MAX_ATTEMPTS", 5, 100)? as i32,
            office: crate::letters::Office::from_env()?,
        })
    }
}
