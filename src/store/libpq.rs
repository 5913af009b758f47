//! libpq's conventions for finding a server and a password, so that a machine set up for `psql`
//! is set up for sportello: the connection string (URL or `key=value`), a service of
//! `pg_service.conf`, the `PG*` environment variables, `~/.pgpass`.
//!
//! Precedence, as libpq's: what the connection string says, else the service's (`service=` or
//! `PGSERVICE`), else the environment, else the defaults (a unix socket in `/var/run/postgresql`,
//! the OS user, a database named as the user). A password missing after that is looked up in the
//! password file (`passfile`, `PGPASSFILE`, else `~/.pgpass`) for each host in turn.
//!
//! Service files: `PGSERVICEFILE` (else `~/.pg_service.conf`) first; the service is then looked
//! up in `PGSYSCONFDIR/pg_service.conf` (else `/etc/postgresql-common/pg_service.conf`, Debian's)
//! only when the first file does not define it. A service named but found nowhere is an error.
//!
//! Multi-host: `postgres://h1:5432,h2:5433/db?target_session_attrs=read-write` or
//! `host=h1,h2 port=5432,5433`; tokio-postgres tries the hosts in order and, when asked, keeps
//! only one that accepts writes.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The keywords libpq reads from the environment, and their variables.
pub const ENVIRONMENT: &[(&str, &str)] = &[
    ("host", "PGHOST"),
    ("hostaddr", "PGHOSTADDR"),
    ("port", "PGPORT"),
    ("dbname", "PGDATABASE"),
    ("user", "PGUSER"),
    ("password", "PGPASSWORD"),
    ("passfile", "PGPASSFILE"),
    ("options", "PGOPTIONS"),
    ("application_name", "PGAPPNAME"),
    ("connect_timeout", "PGCONNECT_TIMEOUT"),
    ("target_session_attrs", "PGTARGETSESSIONATTRS"),
    ("load_balance_hosts", "PGLOADBALANCEHOSTS"),
    ("sslmode", "PGSSLMODE"),
    ("sslrootcert", "PGSSLROOTCERT"),
    ("sslcert", "PGSSLCERT"),
    ("sslkey", "PGSSLKEY"),
];

/// Where a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    ConnectionString,
    /// A service's section, in this file.
    Service(PathBuf),
    Environment(&'static str),
    /// The password file, at this line.
    PasswordFile(PathBuf, usize),
    Default,
}

impl Source {
    /// Where a setting came from, in each language (`doctor` prints the operator's, its JSON the
    /// English).
    pub fn said(&self) -> crate::i18n::Message {
        match self {
            Source::ConnectionString => crate::msg!("origin-connection-string"),
            Source::Service(file) => crate::msg!("origin-service-file", path = file),
            Source::Environment(var) => crate::msg!("origin-environment", var = *var),
            Source::PasswordFile(file, line) => {
                crate::msg!("origin-password-file", path = file, line = line.to_string())
            }
            Source::Default => crate::msg!("origin-default"),
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.said().english())
    }
}

/// A connection's settings with libpq's precedence applied.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    /// keyword, value, where it came from (one entry per keyword).
    pub settings: Vec<(String, String, Source)>,
    /// Said once, on standard error (a password file ignored for its permissions).
    pub warnings: Vec<String>,
}

impl Resolved {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.settings.iter().find(|(k, _, _)| k == key).map(|(_, v, _)| v.as_str())
    }

    pub fn source(&self, key: &str) -> Option<&Source> {
        self.settings.iter().find(|(k, _, _)| k == key).map(|(_, _, s)| s)
    }

    fn set_if_absent(&mut self, key: &str, value: String, source: Source) {
        if self.get(key).is_none() {
            self.settings.push((key.to_string(), value, source));
        }
    }
}

fn invalid(e: impl std::fmt::Display) -> Error {
    Error::Invalid(crate::msg!("database-url-invalid", detail = e.to_string()))
}

/// `%XX` decoding of a URL component (`+` stays a plus, as libpq reads it).
pub fn percent_decode(s: &str) -> Result<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3).ok_or_else(|| invalid("truncated %-escape"))?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| invalid(format!("bad %-escape '%{hex}'")))?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| invalid("a %-escaped value is not UTF-8"))
}

/// The `key=value` pairs of a libpq keyword/value string (values unquoted and unescaped).
pub fn split_key_values(s: &str) -> Result<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    let mut it = s.chars().peekable();
    loop {
        while it.next_if(|c| c.is_whitespace()).is_some() {}
        if it.peek().is_none() {
            return Ok(pairs);
        }
        let mut key = String::new();
        while let Some(c) = it.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while it.next_if(|c| c.is_whitespace()).is_some() {}
        if it.next() != Some('=') {
            return Err(invalid(format!("missing '=' after '{key}'")));
        }
        while it.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if it.next_if_eq(&'\'').is_some() {
            loop {
                match it.next() {
                    None => return Err(invalid(format!("unterminated quoted value for '{key}'"))),
                    Some('\'') => break,
                    Some('\\') => value.push(it.next().ok_or_else(|| invalid("trailing backslash"))?),
                    Some(c) => value.push(c),
                }
            }
        } else {
            while let Some(c) = it.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.push(it.next().ok_or_else(|| invalid("trailing backslash"))?);
                } else {
                    value.push(c);
                }
            }
        }
        pairs.push((key, value));
    }
}

/// The keyword/value pairs of a `postgres://` / `postgresql://` URL, as libpq reads it:
/// `postgres://[user[:password]@][host[:port][,host[:port]...]][/dbname][?key=value&...]`.
fn url_pairs(url: &str) -> Result<Vec<(String, String)>> {
    let rest = url
        .strip_prefix("postgresql://")
        .or_else(|| url.strip_prefix("postgres://"))
        .ok_or_else(|| invalid("not a postgres:// URL"))?;
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = match rest.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (rest, None),
    };
    let mut pairs = Vec::new();
    let hostlist = match authority.rsplit_once('@') {
        Some((userinfo, hosts)) => {
            let (user, password) = match userinfo.split_once(':') {
                Some((u, p)) => (u, Some(p)),
                None => (userinfo, None),
            };
            if !user.is_empty() {
                pairs.push(("user".into(), percent_decode(user)?));
            }
            if let Some(p) = password {
                pairs.push(("password".into(), percent_decode(p)?));
            }
            hosts
        }
        None => authority,
    };
    if !hostlist.is_empty() {
        let (mut hosts, mut ports) = (Vec::new(), Vec::new());
        for entry in hostlist.split(',') {
            // `[::1]:5432`: the brackets keep an address's colons from the port's.
            let (host, port) = if let Some(v6) = entry.strip_prefix('[') {
                let (addr, after) = v6.split_once(']').ok_or_else(|| invalid(format!("unclosed '[' in '{entry}'")))?;
                (addr, after.strip_prefix(':'))
            } else {
                match entry.split_once(':') {
                    Some((h, p)) => (h, Some(p)),
                    None => (entry, None),
                }
            };
            hosts.push(percent_decode(host)?);
            ports.push(port.unwrap_or("").to_string());
        }
        if hosts.iter().any(|h| !h.is_empty()) {
            pairs.push(("host".into(), hosts.join(",")));
        }
        if ports.iter().any(|p| !p.is_empty()) {
            pairs.push(("port".into(), ports.join(",")));
        }
    }
    if let Some(db) = path.filter(|p| !p.is_empty()) {
        pairs.push(("dbname".into(), percent_decode(db)?));
    }
    for param in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = param.split_once('=').ok_or_else(|| invalid(format!("missing '=' in '{param}'")))?;
        let (key, value) = (percent_decode(k)?, percent_decode(v)?);
        // libpq's JDBC-compatible spelling.
        if key == "ssl" && value == "true" {
            pairs.push(("sslmode".into(), "require".into()));
        } else {
            pairs.push((key, value));
        }
    }
    Ok(pairs)
}

/// The pairs of a connection string, URL or keyword/value.
pub fn conninfo_pairs(s: &str) -> Result<Vec<(String, String)>> {
    if s.starts_with("postgres://") || s.starts_with("postgresql://") { url_pairs(s) } else { split_key_values(s) }
}

/// A file under the home directory (`HOME` as the environment gives it).
fn in_home(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<PathBuf> {
    env("HOME").filter(|h| !h.is_empty()).map(|h| PathBuf::from(h).join(name))
}

/// The settings of `service` in a service file's text: `None` when the file does not define it.
/// Lines `[name]` open a section, `key=value` set, `#` comments.
pub fn service_section(text: &str, file: &Path, service: &str) -> Result<Option<Vec<(String, String)>>> {
    let mut current: Option<&str> = None;
    let mut found: Option<Vec<(String, String)>> = None;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[') {
            if found.is_some() {
                break;
            }
            current = Some(name.strip_suffix(']').ok_or_else(|| {
                Error::Invalid(crate::msg!("service-file-syntax", path = file, line = n + 1, detail = raw))
            })?);
            if current == Some(service) {
                found = Some(Vec::new());
            }
            continue;
        }
        if current != Some(service) {
            continue;
        }
        let (k, v) = line.split_once('=').ok_or_else(|| {
            Error::Invalid(crate::msg!("service-file-syntax", path = file, line = n + 1, detail = raw))
        })?;
        let key = k.trim();
        // libpq refuses nested services.
        if key == "service" {
            return Err(Error::Invalid(crate::msg!("service-file-syntax", path = file, line = n + 1, detail = raw)));
        }
        if let Some(f) = found.as_mut() {
            f.push((key.to_string(), v.trim().to_string()));
        }
    }
    Ok(found)
}

/// Looks a service up in the user's file, then the system's.
fn lookup_service(env: &dyn Fn(&str) -> Option<String>, service: &str) -> Result<(PathBuf, Vec<(String, String)>)> {
    let user =
        env("PGSERVICEFILE").filter(|f| !f.is_empty()).map(PathBuf::from).or_else(|| in_home(env, ".pg_service.conf"));
    let system =
        PathBuf::from(env("PGSYSCONFDIR").filter(|d| !d.is_empty()).unwrap_or_else(|| "/etc/postgresql-common".into()))
            .join("pg_service.conf");
    for file in user.into_iter().chain([system]) {
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::Io { context: crate::msg!("io-read", path = &*file), source: e }),
        };
        if let Some(section) = service_section(&text, &file, service)? {
            return Ok((file, section));
        }
    }
    Err(Error::Invalid(crate::msg!("service-not-found", service = service)))
}

/// One field of a password file line, unescaped (`\:` and `\\`), and the rest of the line.
fn pgpass_field(s: &str) -> (String, Option<&str>) {
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, e)) => out.push(e),
                None => out.push('\\'),
            },
            ':' => return (out, Some(&s[i + 1..])),
            c => out.push(c),
        }
    }
    (out, None)
}

/// The password of the first line of a password file's text matching host, port, database and
/// user (`*` matches anything), with its line number.
pub fn pgpass_lookup(text: &str, host: &str, port: &str, dbname: &str, user: &str) -> Option<(String, usize)> {
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut fields = Vec::with_capacity(4);
        let mut rest = line;
        let mut complete = true;
        for _ in 0..4 {
            match pgpass_field(rest) {
                (f, Some(r)) => {
                    fields.push(f);
                    rest = r;
                }
                (_, None) => {
                    complete = false;
                    break;
                }
            }
        }
        if !complete {
            continue;
        }
        let wanted = [host, port, dbname, user];
        if fields.iter().zip(wanted).all(|(f, w)| f == "*" || f == w) {
            return Some((pgpass_field(rest).0, n + 1));
        }
    }
    None
}

/// Why a password file is not read: it is not a regular file, or others may read it (libpq's
/// rule: u=rw (0600) or less).
fn pgpass_unusable(file: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(file).ok()?;
    if !meta.is_file() {
        return Some(crate::tr!("pgpass-not-a-file", path = file));
    }
    (meta.permissions().mode() & 0o077 != 0).then(|| crate::tr!("pgpass-permissions", path = file))
}

/// The OS user's name (libpq's default user).
fn os_user() -> Option<String> {
    uzers::get_user_by_uid(uzers::get_effective_uid()).map(|u| u.name().to_string_lossy().into_owned())
}

/// libpq's default socket directory: Debian's, else the upstream one.
fn default_socket_dir() -> &'static str {
    if Path::new("/var/run/postgresql").is_dir() { "/var/run/postgresql" } else { "/tmp" }
}

/// Applies libpq's precedence to a connection string: the string, the service, the
/// environment, the defaults, then the password file.
pub fn resolve(conninfo: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Resolved> {
    let mut r = Resolved::default();
    // The last of a repeated keyword wins, as in libpq.
    for (k, v) in conninfo_pairs(conninfo)?.into_iter().rev() {
        r.set_if_absent(&k, v, Source::ConnectionString);
    }
    let service = match r.get("service") {
        Some(s) => Some(s.to_string()),
        None => env("PGSERVICE").filter(|s| !s.is_empty()),
    };
    if let Some(service) = service {
        let (file, section) = lookup_service(env, &service)?;
        for (k, v) in section {
            r.set_if_absent(&k, v, Source::Service(file.clone()));
        }
    }
    for (key, var) in ENVIRONMENT {
        if let Some(v) = env(var).filter(|v| !v.is_empty()) {
            r.set_if_absent(key, v, Source::Environment(var));
        }
    }
    if r.get("host").is_none() && r.get("hostaddr").is_none() {
        r.set_if_absent("host", default_socket_dir().into(), Source::Default);
    }
    if let Some(user) = os_user() {
        r.set_if_absent("user", user, Source::Default);
    }
    if let Some(user) = r.get("user").map(str::to_string) {
        r.set_if_absent("dbname", user, Source::Default);
    }
    r.settings.retain(|(k, _, _)| k != "service");
    if r.get("password").is_none() {
        let file = r.get("passfile").map(PathBuf::from).or_else(|| in_home(env, ".pgpass"));
        if let Some(file) = file {
            if let Some(why) = pgpass_unusable(&file) {
                r.warnings.push(why);
            } else if let Ok(text) = std::fs::read_to_string(&file) {
                let found = password_for_hosts(&r, &text);
                if let Some((password, line)) = found {
                    r.settings.push(("password".into(), password, Source::PasswordFile(file, line)));
                }
            }
        }
    }
    r.settings.retain(|(k, _, _)| k != "passfile");
    Ok(r)
}

/// The first host (in the order they are tried) with a line in the password file. One password
/// serves every host: tokio-postgres takes one for all of them.
fn password_for_hosts(r: &Resolved, text: &str) -> Option<(String, usize)> {
    let hosts: Vec<&str> = r.get("host").or_else(|| r.get("hostaddr")).unwrap_or("").split(',').collect();
    let ports: Vec<&str> = r.get("port").unwrap_or("").split(',').collect();
    let (dbname, user) = (r.get("dbname").unwrap_or(""), r.get("user").unwrap_or(""));
    hosts.iter().enumerate().find_map(|(i, host)| {
        // A unix socket is "localhost" to the password file, as in libpq.
        let host = if host.is_empty() || host.starts_with('/') { "localhost" } else { host };
        let port = ports.get(i).or_else(|| ports.first()).copied().filter(|p| !p.is_empty()).unwrap_or("5432");
        pgpass_lookup(text, host, port, dbname, user)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::os::unix::fs::PermissionsExt;

    fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name: &str| map.get(name).cloned()
    }

    #[test]
    fn urls_become_keywords_with_several_hosts() {
        let p =
            url_pairs("postgres://u%40x:p%3Aw@h1:5432,[::1]:5433,h3/db%2F1?target_session_attrs=read-write").unwrap();
        let get = |k: &str| p.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        assert_eq!(get("user"), Some("u@x"));
        assert_eq!(get("password"), Some("p:w"));
        assert_eq!(get("host"), Some("h1,::1,h3"));
        assert_eq!(get("port"), Some("5432,5433,"));
        assert_eq!(get("dbname"), Some("db/1"));
        assert_eq!(get("target_session_attrs"), Some("read-write"));
        assert!(url_pairs("postgres://h/db?sslmode").is_err());
    }

    #[test]
    fn the_connection_string_wins_over_the_service_over_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let services = dir.path().join("services.conf");
        std::fs::write(&services, "# desks\n[other]\nhost=wrong\n[desk]\nhost=svc.example\nport=6432\ndbname=svcdb\n")
            .unwrap();
        let env = env_of(&[
            ("PGSERVICEFILE", services.to_str().unwrap()),
            ("PGSERVICE", "desk"),
            ("PGHOST", "env.example"),
            ("PGPORT", "7432"),
            ("PGUSER", "envuser"),
            ("PGDATABASE", "envdb"),
            ("HOME", dir.path().to_str().unwrap()),
        ]);
        let r = resolve("dbname=given", &env).unwrap();
        assert_eq!(r.get("dbname"), Some("given"));
        assert_eq!(r.source("dbname"), Some(&Source::ConnectionString));
        assert_eq!(r.get("host"), Some("svc.example"));
        assert_eq!(r.source("host"), Some(&Source::Service(services.clone())));
        assert_eq!(r.get("port"), Some("6432"));
        assert_eq!(r.get("user"), Some("envuser"));
        assert_eq!(r.source("user"), Some(&Source::Environment("PGUSER")));
        // Without the service, the environment; the URL still wins where it speaks.
        let env2 = env_of(&[("PGHOST", "env.example"), ("PGPORT", "7432"), ("PGUSER", "envuser")]);
        let r = resolve("postgres:///db", &env2).unwrap();
        assert_eq!((r.get("host"), r.get("port"), r.get("dbname")), (Some("env.example"), Some("7432"), Some("db")));
        // A service named but defined nowhere is an error, not a silent default.
        let e = resolve("service=nowhere", &env).unwrap_err().to_string();
        assert!(e.contains("nowhere"), "{e}");
    }

    #[test]
    fn the_system_service_file_is_read_only_when_the_users_lacks_the_service() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pg_service.conf"), "[desk]\nhost=system.example\n[both]\nhost=sys\n").unwrap();
        let user = dir.path().join("user.conf");
        std::fs::write(&user, "[both]\nhost=user\n").unwrap();
        let env = env_of(&[("PGSERVICEFILE", user.to_str().unwrap()), ("PGSYSCONFDIR", dir.path().to_str().unwrap())]);
        assert_eq!(resolve("service=desk", &env).unwrap().get("host"), Some("system.example"));
        assert_eq!(resolve("service=both", &env).unwrap().get("host"), Some("user"));
    }

    #[test]
    fn password_file_lines_match_with_wildcards_and_escapes() {
        let text = "# comment\n\
                    db.example:5432:other:u:no\n\
                    db.example:*:sportello:u:first\\:pass\n\
                    *:*:*:u:fallback\n\
                    host\\:with\\:colons:5432:*:*:esc\\\\aped\n\
                    short:line\n";
        assert_eq!(pgpass_lookup(text, "db.example", "5433", "sportello", "u"), Some(("first:pass".into(), 3)));
        assert_eq!(pgpass_lookup(text, "db.example", "5432", "other", "u"), Some(("no".into(), 2)));
        assert_eq!(pgpass_lookup(text, "elsewhere", "1", "x", "u"), Some(("fallback".into(), 4)));
        assert_eq!(pgpass_lookup(text, "host:with:colons", "5432", "d", "v"), Some(("esc\\aped".into(), 5)));
        assert_eq!(pgpass_lookup(text, "short", "5432", "d", "v"), None);
    }

    #[test]
    fn a_password_file_others_can_read_is_ignored_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let pass = dir.path().join(".pgpass");
        std::fs::write(&pass, "db.example:5432:sportello:mrossi:s3cret\n").unwrap();
        let env = env_of(&[("HOME", dir.path().to_str().unwrap())]);
        let url = "host=db.example dbname=sportello user=mrossi";
        std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o640)).unwrap();
        let r = resolve(url, &env).unwrap();
        assert_eq!(r.get("password"), None);
        assert!(r.warnings.iter().any(|w| w.contains(".pgpass")), "{:?}", r.warnings);
        std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o600)).unwrap();
        let r = resolve(url, &env).unwrap();
        assert_eq!(r.get("password"), Some("s3cret"));
        assert_eq!(r.source("password"), Some(&Source::PasswordFile(pass.clone(), 1)));
        // PGPASSWORD comes before the file; PGPASSFILE names another file.
        let env2 = env_of(&[("HOME", dir.path().to_str().unwrap()), ("PGPASSWORD", "fromenv")]);
        assert_eq!(resolve(url, &env2).unwrap().get("password"), Some("fromenv"));
        let other = dir.path().join("other");
        std::fs::write(&other, "*:*:*:mrossi:other\n").unwrap();
        std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o600)).unwrap();
        let env3 = env_of(&[("PGPASSFILE", other.to_str().unwrap())]);
        assert_eq!(resolve(url, &env3).unwrap().get("password"), Some("other"));
    }

    #[test]
    fn each_host_is_looked_up_in_the_password_file_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let pass = dir.path().join("p");
        std::fs::write(&pass, "h2:5433:db:u:second\n").unwrap();
        std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o600)).unwrap();
        let env = env_of(&[("PGPASSFILE", pass.to_str().unwrap())]);
        let r = resolve("postgres://u@h1:5432,h2:5433/db", &env).unwrap();
        assert_eq!(r.get("password"), Some("second"));
        // A unix socket is "localhost" to the file.
        std::fs::write(&pass, "localhost:5432:db:u:sock\n").unwrap();
        let r = resolve("host=/run/postgresql dbname=db user=u", &env).unwrap();
        assert_eq!(r.get("password"), Some("sock"));
    }
}
