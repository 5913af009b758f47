//! The configuration file: the settings of the environment (README, "Configuration"), written
//! once for a machine or a user instead of in every cron line and shell.
//!
//! Read, in order, `/etc/sportello/config.toml` and `$XDG_CONFIG_HOME/sportello/config.toml`
//! (else `~/.config/sportello/config.toml`); a later file wins over an earlier one.
//! `SPORTELLO_CONFIG=FILE` reads that file only (empty: no file at all).
//!
//! One mechanism gives the order of precedence file < environment < command line: every
//! setting is read through [`var`], the environment variable when set, else the files' value
//! ([`install`]ed once at start-up); the binary gives the files' values to its flags as their
//! defaults, which clap puts below the environment and the command line.
//!
//! ```toml
//! database_url = "host=db.example dbname=sportello user=mrossi sslmode=verify-full"
//! smtp_url = "smtp://relay.example:25"
//! code_validity_days = 30
//! ```

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::error::{Error, Result};

/// Each setting of the file and the environment variable it stands for.
pub const SETTINGS: &[(&str, &str)] = &[
    ("database_url", "SPORTELLO_DATABASE_URL"),
    ("home", "SPORTELLO_HOME"),
    ("operator", "SPORTELLO_OPERATOR"),
    ("pg_bin", "SPORTELLO_PG_BIN"),
    ("key_file", "SPORTELLO_KEY_FILE"),
    ("smtp_url", "SPORTELLO_SMTP_URL"),
    ("outbox", "SPORTELLO_OUTBOX"),
    ("mail_from", "SPORTELLO_MAIL_FROM"),
    ("letters_dir", "SPORTELLO_LETTERS_DIR"),
    ("letters_office", "SPORTELLO_LETTERS_OFFICE"),
    ("letters_helpdesk", "SPORTELLO_LETTERS_HELPDESK"),
    ("postal_group", "SPORTELLO_POSTAL_GROUP"),
    ("code_validity_days", "SPORTELLO_CODE_VALIDITY_DAYS"),
    ("max_attempts", "SPORTELLO_MAX_ATTEMPTS"),
    ("keep_warm", "SPORTELLO_KEEP_WARM"),
    ("metrics_dir", "SPORTELLO_METRICS_DIR"),
    ("spid_seal_cert", "SPORTELLO_SPID_SEAL_CERT"),
    ("spid_seal_key", "SPORTELLO_SPID_SEAL_KEY"),
    ("spid_ipa_code", "SPORTELLO_SPID_IPA_CODE"),
    ("spid_idps", "SPORTELLO_SPID_IDPS"),
    ("spid_ca", "SPORTELLO_SPID_CA"),
    ("log", "RUST_LOG"),
];

/// The files' settings, once installed.
static INSTALLED: OnceLock<Vec<Setting>> = OnceLock::new();

/// Makes the files' settings visible to [`var`] for the rest of the process (the first call wins).
pub fn install(loaded: &Loaded) {
    let _ = INSTALLED.set(loaded.settings.clone());
}

/// A setting by its environment variable: the variable when set and not empty, else the value
/// of the configuration files, else none.
pub fn var(name: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => from_files(name),
    }
}

/// The configuration files' value of a setting, by its environment variable.
pub fn from_files(name: &str) -> Option<String> {
    INSTALLED.get()?.iter().find(|s| s.env == name).map(|s| s.value.clone())
}

/// The file a setting's value comes from, when the environment does not give it.
pub fn file_of(name: &str) -> Option<PathBuf> {
    if std::env::var(name).is_ok_and(|v| !v.is_empty()) {
        return None;
    }
    INSTALLED.get()?.iter().find(|s| s.env == name).map(|s| s.file.clone())
}

/// A setting's value as it may be shown: one that holds a password is masked whole.
pub fn shown(key: &str, value: &str) -> String {
    if SECRET_BEARING.contains(&key) && has_password(value) { "********".into() } else { value.to_string() }
}

/// Settings that may carry a password, kept out of world-readable files.
const SECRET_BEARING: &[&str] = &["database_url", "smtp_url"];

pub const SYSTEM_FILE: &str = "/etc/sportello/config.toml";

/// A setting read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub key: String,
    pub env: &'static str,
    pub value: String,
    pub file: PathBuf,
}

/// What the files held, and what to tell the operator about them.
#[derive(Debug, Default)]
pub struct Loaded {
    pub files: Vec<PathBuf>,
    /// The winning value of each setting found (a later file wins).
    pub settings: Vec<Setting>,
    pub warnings: Vec<String>,
}

/// The files to read, in order.
pub fn files() -> Vec<PathBuf> {
    if let Some(named) = std::env::var_os("SPORTELLO_CONFIG") {
        return if named.is_empty() { vec![] } else { vec![PathBuf::from(named)] };
    }
    let user = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".config")))
        .map(|dir| dir.join("sportello/config.toml"));
    std::iter::once(PathBuf::from(SYSTEM_FILE)).chain(user).collect()
}

/// Parses one file's text.
pub fn parse(text: &str, file: &Path) -> Result<Vec<Setting>> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        Error::Invalid(crate::msg!("config-malformed", path = file, detail = e.message()))
    })?;
    let mut out = Vec::new();
    for (key, value) in table {
        let Some((_, env)) = SETTINGS.iter().find(|(k, _)| *k == key) else {
            let known: Vec<&str> = SETTINGS.iter().map(|(k, _)| *k).collect();
            return Err(Error::Invalid(crate::msg!(
                "config-unknown-setting",
                path = file,
                key = &key,
                known = known.join(", ")
            )));
        };
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            other => {
                return Err(Error::Invalid(crate::msg!(
                    "config-bad-value",
                    path = file,
                    key = &key,
                    kind = other.type_str()
                )));
            }
        };
        out.push(Setting { key, env, value, file: file.to_path_buf() });
    }
    Ok(out)
}

/// Reads the files that exist (a file named by `SPORTELLO_CONFIG` must exist).
pub fn load() -> Result<Loaded> {
    let named = std::env::var_os("SPORTELLO_CONFIG").is_some();
    let mut loaded = Loaded::default();
    for file in files() {
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !named => continue,
            // A machine's file kept from other users (0640 root:sportello): they run with the
            // other settings, told which file they could not read; never a failure of every
            // command. A file named by SPORTELLO_CONFIG must be read.
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied && !named => {
                loaded.warnings.push(crate::tr!("config-unreadable", path = &*file));
                continue;
            }
            Err(e) => return Err(Error::Io { context: crate::msg!("io-read", path = &*file), source: e }),
        };
        let settings = parse(&text, &file)?;
        if world_readable(&file) {
            for s in settings.iter().filter(|s| SECRET_BEARING.contains(&s.key.as_str()) && has_password(&s.value)) {
                loaded.warnings.push(crate::tr!("config-world-readable", path = &*file, key = &s.key));
            }
        }
        for s in settings {
            loaded.settings.retain(|old| old.key != s.key);
            loaded.settings.push(s);
        }
        loaded.files.push(file);
    }
    Ok(loaded)
}

fn world_readable(file: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(file).map(|m| m.permissions().mode() & 0o004 != 0).unwrap_or(false)
}

/// `scheme://user:password@host` or `password=...` in a libpq key/value string.
fn has_password(value: &str) -> bool {
    let userinfo = value.split_once("://").and_then(|(_, rest)| rest.split(['/', '?']).next()?.rsplit_once('@'));
    matches!(userinfo, Some((u, _)) if u.contains(':')) || value.split_whitespace().any(|w| w.starts_with("password="))
}

impl Loaded {
    /// The settings that the environment does not hold already: they are what the files add.
    pub fn missing_from_environment(&self) -> Vec<&Setting> {
        self.settings.iter().filter(|s| std::env::var_os(s.env).is_none_or(|v| v.is_empty())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_map_to_their_variables() {
        let s = parse("home = \"/srv/sportello\"\ncode_validity_days = 10\n", Path::new("c.toml")).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].env, s[0].value.as_str()), ("SPORTELLO_CODE_VALIDITY_DAYS", "10"));
        assert_eq!((s[1].env, s[1].value.as_str()), ("SPORTELLO_HOME", "/srv/sportello"));
    }

    #[test]
    fn mistakes_name_the_file_and_the_setting() {
        let e = parse("hoem = \"/x\"", Path::new("/etc/s.toml")).unwrap_err().to_string();
        assert!(e.contains("/etc/s.toml") && e.contains("unknown setting 'hoem'") && e.contains("home"), "{e}");
        let e = parse("max_attempts = true", Path::new("s.toml")).unwrap_err().to_string();
        assert!(e.contains("'max_attempts' must be text or a whole number"), "{e}");
        let e = parse("home = ", Path::new("s.toml")).unwrap_err().to_string();
        assert!(e.starts_with("s.toml: "), "{e}");
    }

    #[test]
    fn passwords_are_recognised() {
        assert!(has_password("smtps://user:secret@mail.example"));
        assert!(has_password("postgres://u:p@db/x"));
        assert!(has_password("host=db password=x dbname=y"));
        assert!(!has_password("postgres://u@db/x"));
        assert!(!has_password("smtp://relay.example:25"));
    }
}
