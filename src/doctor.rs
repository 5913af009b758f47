//! `sportello doctor`: what this machine's sportello would do and whether it can: every
//! setting with where it came from, the connection (TLS, authentication), the migrations, the
//! service key, the letters and outbox directories, the clock against the server's.

use std::path::Path;

use serde::Serialize;

use crate::config::DeskSettings;
use crate::desk::handover::SecretDir;
use crate::domain::Role;
use crate::store::{self, ConnectConfig, Database, Location};

/// A setting and where its value came from.
#[derive(Debug, Clone, Serialize)]
pub struct Origin {
    pub name: String,
    pub value: String,
    /// "flag --x", "environment X", "file F", "service file F", "password file F:n", "default".
    pub origin: String,
    /// The origin in the operator's language (JSON keeps the English `origin`).
    #[serde(skip)]
    pub origin_said: crate::i18n::Message,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// A stable name (`connection`, `tls`, ...), for scripts and the exit message.
    pub name: &'static str,
    pub status: Status,
    pub detail: String,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub settings: Vec<Origin>,
    pub checks: Vec<Check>,
}

impl Report {
    /// The first check that failed.
    pub fn first_failure(&self) -> Option<&Check> {
        self.checks.iter().find(|c| c.status == Status::Fail)
    }
}

/// Clock skew beyond which the check fails: codes, letters and audit rows are dated by the
/// server, the files and logs of this machine by its own clock.
const MAX_SKEW_SECONDS: f64 = 30.0;

/// sportello's settings (config_file::SETTINGS) with their origins; `flags`: the environment
/// variables whose flag was given on the command line, with the flag's name and value; `defaults`: the
/// value in force when nothing gives one, by variable.
pub fn settings(flags: &[(&str, &str, String)], defaults: &[(&str, String)]) -> Vec<Origin> {
    crate::config_file::SETTINGS
        .iter()
        .map(|(key, env)| {
            let flag = flags.iter().find(|(e, _, _)| e == env);
            let env_value = std::env::var(env).ok().filter(|v| !v.is_empty());
            let (value, origin) = if let Some((_, flag, value)) = flag {
                (value.clone(), crate::msg!("origin-flag", flag = *flag))
            } else if let Some(v) = env_value {
                (v, crate::msg!("origin-environment", var = *env))
            } else if let (Some(v), Some(file)) =
                (crate::config_file::from_files(env), crate::config_file::file_of(env))
            {
                (v, crate::msg!("origin-file", path = &file))
            } else {
                let value =
                    defaults.iter().find(|(e, _)| e == env).map(|(_, v)| v.clone()).unwrap_or_else(|| "-".into());
                (value, crate::msg!("origin-default"))
            };
            Origin {
                name: key.to_string(),
                value: crate::config_file::shown(key, &value),
                origin: origin.english().to_string(),
                origin_said: origin,
            }
        })
        .collect()
}

/// The values in force when no flag, variable or file gives one.
fn defaults(home: &Path, location: &Location) -> Vec<(&'static str, String)> {
    let mut d =
        vec![("SPORTELLO_HOME", home.display().to_string()), ("SPORTELLO_DATABASE_URL", crate::tr!("doctor-embedded"))];
    if let Ok(desk) = DeskSettings::from_env(home, location) {
        d.extend([
            ("SPORTELLO_KEY_FILE", desk.key_file.display().to_string()),
            ("SPORTELLO_OUTBOX", desk.mail.spool_dir.display().to_string()),
            ("SPORTELLO_LETTERS_DIR", desk.letters_dir.display().to_string()),
            ("SPORTELLO_MAIL_FROM", desk.mail.from.clone()),
            ("SPORTELLO_CODE_VALIDITY_DAYS", desk.code_validity_days.to_string()),
            ("SPORTELLO_MAX_ATTEMPTS", desk.max_attempts.to_string()),
        ]);
    }
    d
}

fn check(name: &'static str, status: Status, detail: impl Into<String>) -> Check {
    Check { name, status, detail: detail.into() }
}

/// A directory that will hold letters or mail (PINs and codes on paper, in messages): it must
/// not be open to every OS user.
fn private_dir(name: &'static str, dir: &Path, own: Option<SecretDir>) -> Check {
    use std::os::unix::fs::PermissionsExt;
    // Usable by this OS user: theirs, or theirs to create (else which setting to set).
    if let Some(Err(e)) = own.map(|which| which.check(dir)) {
        return check(name, Status::Fail, e.to_string());
    }
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            check(name, Status::Warn, crate::tr!("doctor-dir-absent", path = dir))
        }
        Err(e) => check(name, Status::Fail, format!("{}: {e}", dir.display())),
        Ok(m) if !m.is_dir() => check(name, Status::Fail, crate::tr!("doctor-not-a-dir", path = dir)),
        Ok(m) => {
            let mode = m.permissions().mode() & 0o7777;
            if mode & 0o007 != 0 {
                check(name, Status::Fail, crate::tr!("doctor-dir-open", path = dir, mode = format!("{mode:04o}")))
            } else {
                check(name, Status::Ok, format!("{} ({mode:04o})", dir.display()))
            }
        }
    }
}

/// The service key: present, readable, not readable by every OS user; its fingerprint.
fn key_check(settings: &DeskSettings) -> Check {
    use std::os::unix::fs::PermissionsExt;
    let path = &settings.key_file;
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && settings.create_key => {
            check("key", Status::Warn, crate::tr!("doctor-key-made-on-first-use", path = &**path))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            check("key", Status::Fail, crate::tr!("doctor-key-absent", path = &**path))
        }
        Err(e) => check("key", Status::Fail, format!("{}: {e}", path.display())),
        Ok(m) if m.permissions().mode() & 0o004 != 0 => check(
            "key",
            Status::Fail,
            crate::tr!("doctor-key-open", path = &**path, mode = format!("{:04o}", m.permissions().mode() & 0o7777)),
        ),
        Ok(_) => match crate::secrets::SecretKey::load(path, false).map(|k| crate::secrets::key_fingerprint(&k)) {
            Ok(fp) => check("key", Status::Ok, crate::tr!("doctor-key-ok", path = &**path, fingerprint = fp)),
            Err(e) => check("key", Status::Fail, e.to_string()),
        },
    }
}

/// How the connection is protected and how the login is proven, as this side knows it.
fn transport(config: Option<&ConnectConfig>) -> (Check, Check) {
    let Some(config) = config else {
        let user = store::embedded::os_user().unwrap_or_default();
        return (
            check("tls", Status::Ok, crate::tr!("doctor-tls-socket")),
            check("authentication", Status::Ok, crate::tr!("doctor-auth-peer", user = user)),
        );
    };
    let tls = match config.plan() {
        Err(e) => check("tls", Status::Fail, e.to_string()),
        Ok(plan) => {
            let detail = format!("sslmode={} ({:?}, {:?})", config.mode(), plan.transport, plan.verify);
            let status = match (plan.transport, plan.verify) {
                (tokio_postgres::config::SslMode::Disable, _) if !config.remote_hosts().is_empty() => Status::Warn,
                (tokio_postgres::config::SslMode::Require, crate::store::tls::Verify::None) => Status::Warn,
                _ => Status::Ok,
            };
            check("tls", status, detail)
        }
    };
    let password = config.sources.iter().find(|(k, _, _)| k == "password").map(|(_, _, s)| s.to_string());
    let auth = match (password, &config.tls.cert) {
        (Some(from), _) => crate::tr!("doctor-auth-password", source = from),
        (None, Some(cert)) => crate::tr!("doctor-auth-cert", path = &**cert),
        (None, None) => crate::tr!("doctor-auth-server-decides"),
    };
    (tls, check("authentication", Status::Ok, auth))
}

/// Runs every check, in order; the connection's checks only once it is open.
pub async fn run(location: &Location, home: &Path, flags: &[(&str, &str, String)], warnings: &[String]) -> Report {
    let mut settings = settings(flags, &defaults(home, location));
    let mut checks = Vec::new();
    checks.push(if warnings.is_empty() {
        let files: Vec<String> =
            crate::config_file::files().iter().filter(|f| f.exists()).map(|f| f.display().to_string()).collect();
        let detail = if files.is_empty() { crate::tr!("doctor-no-config-file") } else { files.join(", ") };
        check("configuration", Status::Ok, detail)
    } else {
        check("configuration", Status::Warn, warnings.join("; "))
    });
    let parsed = match location {
        Location::Url(url) => match ConnectConfig::parse(url) {
            Ok(c) => Some(c),
            Err(e) => {
                checks.push(check("connection", Status::Fail, e.to_string()));
                return Report { settings, checks };
            }
        },
        Location::Embedded(_) => None,
    };
    if let Some(c) = &parsed {
        for (k, v, s) in &c.sources {
            settings.push(Origin { name: k.clone(), value: v.clone(), origin: s.to_string(), origin_said: s.said() });
        }
    }
    let (tls, auth) = transport(parsed.as_ref());
    let before = chrono::Utc::now();
    let db = match Database::open(location).await {
        Ok(db) => db,
        Err(e) => {
            checks.push(check("connection", Status::Fail, e.to_string()));
            checks.push(tls);
            return Report { settings, checks };
        }
    };
    let after = chrono::Utc::now();
    let startup = match db.startup().await {
        Ok(s) => s,
        Err(e) => {
            checks.push(check("connection", Status::Fail, e.to_string()));
            return Report { settings, checks };
        }
    };
    let target = parsed.as_ref().map(|c| c.describe()).unwrap_or_else(|| crate::tr!("doctor-embedded"));
    checks.push(check(
        "connection",
        Status::Ok,
        crate::tr!("doctor-connected", target = target, login = &startup.login),
    ));
    checks.push(tls);
    checks.push(auth);
    checks.push(match &startup.operator {
        Some(op) if op.disabled_at.is_none() => check(
            "operator",
            Status::Ok,
            format!("{} ({})", op.id, startup.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")),
        ),
        Some(op) => check("operator", Status::Fail, crate::tr!("operator-disabled", login = &op.id)),
        None => check("operator", Status::Warn, crate::tr!("login-not-operator", login = &startup.login)),
    });
    let latest = store::latest_migration();
    checks.push(match startup.migration {
        Some(v) if v == latest => check("migrations", Status::Ok, crate::tr!("doctor-migrations-current", version = v)),
        Some(v) if v < latest => {
            check("migrations", Status::Fail, crate::tr!("doctor-migrations-behind", version = v, latest = latest))
        }
        Some(v) => {
            check("migrations", Status::Fail, crate::tr!("doctor-migrations-ahead", version = v, latest = latest))
        }
        None => check("migrations", Status::Warn, crate::tr!("doctor-migrations-unknown")),
    });
    checks.push(match db.public_privileges().await {
        Ok((false, false)) => check("public", Status::Ok, crate::tr!("doctor-public-closed")),
        Ok((locks, code)) => {
            let open: Vec<String> =
                [(locks, crate::tr!("doctor-public-locks")), (code, crate::tr!("doctor-public-code"))]
                    .into_iter()
                    .filter_map(|(open, what)| open.then_some(what))
                    .collect();
            check("public", Status::Warn, crate::tr!("doctor-public-open", what = open.join("; ")))
        }
        Err(e) => check("public", Status::Warn, e.to_string()),
    });
    let sees_chain = startup.roles.iter().any(|r| matches!(r, Role::Admin | Role::Auditor));
    let chain = match sees_chain {
        true => Some(db.chain_state().await),
        false => None,
    };
    checks.push(match chain {
        None => check("chain", Status::Ok, crate::tr!("doctor-chain-not-yours")),
        Some(Ok((waiting, oldest, prepared))) => {
            let stalled = oldest.filter(|at| chrono::Utc::now() - *at > chrono::Duration::minutes(1));
            let mut open = Vec::new();
            if let Some(at) = stalled {
                open.push(crate::tr!("doctor-chain-stalled", n = waiting, since = at.to_rfc3339()));
            }
            if prepared > 0 {
                open.push(crate::tr!("doctor-chain-prepared", n = prepared));
            }
            match open.is_empty() {
                true => check("chain", Status::Ok, crate::tr!("doctor-chain-linked", n = waiting)),
                false => check("chain", Status::Warn, open.join("; ")),
            }
        }
        Some(Err(e)) => check("chain", Status::Warn, e.to_string()),
    });
    match DeskSettings::from_env(home, location) {
        Ok(desk) => {
            checks.push(key_check(&desk));
            checks.push(private_dir("letters", &desk.letters_dir, Some(SecretDir::Letters)));
            // The outbox is this user's to write only when emails are spooled (no SMTP server).
            let spooled = desk.mail.smtp_url.is_none().then_some(SecretDir::Outbox);
            checks.push(private_dir("outbox", &desk.mail.spool_dir, spooled));
        }
        Err(e) => checks.push(check("key", Status::Fail, e.to_string())),
    }
    // The server's time was read between `before` and `after`: the skew is measured from the
    // middle, give or take half the round trip.
    let local = before + (after - before) / 2;
    let skew = (startup.server_time - local).num_milliseconds() as f64 / 1000.0;
    let uncertainty = (after - before).num_milliseconds() as f64 / 2000.0;
    let detail = crate::tr!("doctor-clock", skew = format!("{skew:+.3}"), uncertainty = format!("{uncertainty:.3}"));
    checks.push(check("clock", if skew.abs() > MAX_SKEW_SECONDS { Status::Fail } else { Status::Ok }, detail));
    Report { settings, checks }
}
