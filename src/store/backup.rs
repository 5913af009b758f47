//! Backups with PostgreSQL's own tools: `pg_dump` in its custom format, and `pg_restore` into a
//! new database that then takes the old one's place. The same for a server and for the embedded
//! cluster (through its socket, as its owner): the settings of the owner's connection are
//! handed to the tools as libpq's environment variables, so no password is ever on a command
//! line, where every local user could read it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use tokio_postgres::config::Host;

use super::tls::{ConnectConfig, Verify};
use super::{Location, connect};
use crate::error::{Error, Result};

/// The environment variables a libpq program needs to connect as `config` does. The TLS mode
/// is the one sportello itself would use (never clear text to a remote host unless asked).
pub fn libpq_env(config: &ConnectConfig) -> Result<Vec<(&'static str, OsString)>> {
    let pg = &config.pg;
    let mut env: Vec<(&'static str, OsString)> = Vec::new();
    let hosts: Vec<OsString> = pg
        .get_hosts()
        .iter()
        .map(|h| match h {
            Host::Tcp(name) => OsString::from(name),
            Host::Unix(path) => path.as_os_str().to_owned(),
        })
        .collect();
    if !hosts.is_empty() {
        env.push(("PGHOST", hosts.join(std::ffi::OsStr::new(","))));
    }
    let addrs = pg.get_hostaddrs();
    if !addrs.is_empty() {
        env.push(("PGHOSTADDR", addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(",").into()));
    }
    if !pg.get_ports().is_empty() {
        env.push(("PGPORT", pg.get_ports().iter().map(|p| p.to_string()).collect::<Vec<_>>().join(",").into()));
    }
    if let Some(user) = pg.get_user() {
        env.push(("PGUSER", user.into()));
    }
    if let Some(db) = pg.get_dbname() {
        env.push(("PGDATABASE", db.into()));
    }
    if let Some(pw) = pg.get_password() {
        env.push(("PGPASSWORD", String::from_utf8_lossy(pw).into_owned().into()));
    }
    let plan = config.plan()?;
    let mode = match (plan.transport, plan.verify) {
        (tokio_postgres::config::SslMode::Disable, _) => "disable",
        (_, Verify::Full) => "verify-full",
        (_, Verify::Ca) => "verify-ca",
        (tokio_postgres::config::SslMode::Require, Verify::None) => "require",
        _ => "prefer",
    };
    env.push(("PGSSLMODE", mode.into()));
    for (var, path) in
        [("PGSSLROOTCERT", &config.tls.root_cert), ("PGSSLCERT", &config.tls.cert), ("PGSSLKEY", &config.tls.key)]
    {
        if let Some(p) = path {
            env.push((var, p.as_os_str().to_owned()));
        }
    }
    if let Some(t) = pg.get_connect_timeout() {
        env.push(("PGCONNECT_TIMEOUT", t.as_secs().max(1).to_string().into()));
    }
    if let Some(name) = pg.get_application_name() {
        env.push(("PGAPPNAME", name.into()));
    }
    Ok(env)
}

/// Variables of the caller's environment that would change what the settings above say.
const AMBIENT: &[&str] = &[
    "PGSERVICE",
    "PGSERVICEFILE",
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGUSER",
    "PGDATABASE",
    "PGPASSWORD",
    "PGPASSFILE",
    "PGSSLMODE",
    "PGSSLROOTCERT",
    "PGSSLCERT",
    "PGSSLKEY",
    "PGOPTIONS",
    "PGTARGETSESSIONATTRS",
];

/// A PostgreSQL client tool (`pg_dump`, `pg_restore`) as one command: the server binaries the
/// embedded cluster uses (the newest installed: it reads dumps of every older server).
fn tool(name: &str, config: &ConnectConfig) -> Result<Command> {
    let program = super::embedded::find_bin_dir()
        .map(|d| d.join(name))
        .filter(|p| p.exists())
        .ok_or_else(|| Error::Unavailable(crate::msg!("pg-binaries-missing", tool = name)))?;
    let mut cmd = Command::new(program);
    for var in AMBIENT {
        cmd.env_remove(var);
    }
    cmd.envs(libpq_env(config)?).arg("--no-password").current_dir("/");
    Ok(cmd)
}

fn run(mut cmd: Command, name: &str) -> Result<()> {
    let out = cmd.output().map_err(Error::io(crate::msg!("io-run", path = name)))?;
    if out.status.success() {
        return Ok(());
    }
    Err(Error::Unavailable(crate::msg!(
        "backup-tool-failed",
        tool = name,
        detail = String::from_utf8_lossy(&out.stderr).trim()
    )))
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| Error::Internal(e.to_string().into()))?
}

/// `pg_dump --format=custom` of the database into `file`, which must not exist: it is created
/// readable by its owner only (it holds personal data and the hashes of every secret).
pub async fn backup(location: &Location, file: &Path) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let config = location.admin_config().await?;
    std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(file).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => Error::Refused(crate::msg!("backup-exists", path = file)),
        _ => Error::Io { context: crate::msg!("io-create", path = file), source: e },
    })?;
    let mut cmd = tool("pg_dump", &config)?;
    cmd.arg("--format=custom").arg("--file").arg(file);
    let path = file.to_path_buf();
    let result = blocking(move || run(cmd, "pg_dump")).await;
    if result.is_err() {
        // No half-written backup left to be mistaken for a good one.
        let _ = std::fs::remove_file(&path);
    }
    result
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Replaces the database with the content of a backup made by [`backup`]: restored into a new
/// database first (a damaged file or a failure leaves the current one untouched), which then
/// takes the current one's name. The current database's sessions are ended: desks, cron jobs
/// and the portal should be stopped first. Needs the owner's right to create databases (the
/// embedded cluster's superuser has it).
pub async fn restore(location: &Location, file: &Path) -> Result<String> {
    let config = location.admin_config().await?;
    let name = config.pg.get_dbname().map(str::to_string).or_else(|| config.pg.get_user().map(str::to_string));
    let name = name.ok_or_else(|| Error::Invalid(crate::msg!("restore-no-database")))?;
    let file: PathBuf = file.to_path_buf();
    // A readable custom-format archive, before anything is changed.
    {
        let mut list = tool("pg_restore", &config)?;
        list.arg("--list").arg(&file);
        let f = file.clone();
        blocking(move || {
            std::fs::metadata(&f).map_err(Error::io(crate::msg!("io-read", path = &*f)))?;
            run(list, "pg_restore")
        })
        .await?;
    }
    let staging = format!("{name}_restoring");
    let mut maintenance = config.clone();
    maintenance.pg.dbname("postgres");
    let client = connect(maintenance).await?;
    let owner: Option<String> = client
        .query_opt("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", &[&name])
        .await?
        .map(|r| r.get(0));
    client.batch_execute(&format!("DROP DATABASE IF EXISTS {}", quote_ident(&staging))).await?;
    let owner_clause = owner.as_deref().map(|o| format!(" OWNER {}", quote_ident(o))).unwrap_or_default();
    client
        .batch_execute(&format!("CREATE DATABASE {}{owner_clause} TEMPLATE template0", quote_ident(&staging)))
        .await?;
    let mut cmd = tool("pg_restore", &config)?;
    cmd.args(["--exit-on-error", "--single-transaction", "--dbname"]).arg(&staging).arg(&file);
    if let Err(e) = blocking(move || run(cmd, "pg_restore")).await {
        let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {}", quote_ident(&staging))).await;
        return Err(e);
    }
    client.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(&name))).await?;
    client.batch_execute(&format!("ALTER DATABASE {} RENAME TO {}", quote_ident(&staging), quote_ident(&name))).await?;
    Ok(name)
}
