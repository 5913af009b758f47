//! `sportello db`: the embedded cluster and the migrations.

use clap::Subcommand;
use serde::Serialize;
use sportello::error::exit;
use sportello::store::{self, Location, embedded::Cluster};

use crate::{Env, output};

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Where the database is, whether it runs, which migrations are applied.
    #[command(after_help = "\
Exit codes (for scripts and monitoring):
  0  running (the embedded cluster, or the server given by URL answers)
  1  the embedded cluster exists but is stopped
  4  the embedded cluster was never created (`sportello db start`)
  6  the server given by URL cannot be reached

Examples:
  sportello db status
  sportello db status --format json
  sportello db status -q || sportello db start")]
    Status,
    /// Create (first time) and start the embedded cluster, and apply the migrations.
    #[command(after_help = "\
Also after `db stop`: a cluster stopped on purpose stays stopped, and
every other command refuses to run (exit 6), until `db start`.

Examples:
  sportello db start")]
    Start,
    /// Keep warm connections for this OS user's next commands (started by the commands).
    #[command(hide = true)]
    KeepWarm,
    /// Stop the embedded cluster; it stays stopped until `db start`.
    #[command(after_help = "Examples:\n  sportello db stop")]
    Stop,
    /// Apply the migrations of sql/ that are not applied yet.
    #[command(after_help = "\
Examples:
  sportello db migrate
  SPORTELLO_DATABASE_URL=postgres://owner@db.example/sportello \\
      sportello db migrate")]
    Migrate,
    /// Back the database up with pg_dump (custom format) into a new file, readable by you only.
    #[command(after_help = "\
As the schema owner (the owner of the embedded cluster, or the URL's
login): the file holds personal data and the hashes of every secret.
Take one before every `db migrate`, and keep the head hash that
`audit verify` prints with it; restore it to roll back.

Examples:
  sportello db backup /var/backups/sportello/$(date +%F).dump
  sportello db backup before-upgrade.dump
  sportello audit verify")]
    Backup {
        /// The backup file to create (refused if it exists).
        #[arg(value_name = "FILE")]
        file: std::path::PathBuf,
    },
    /// Replace the database with a backup made by `db backup` (pg_restore).
    #[command(after_help = "\
The backup is restored into a new database, which then replaces the
current one (a bad file leaves the current one untouched). Open
sessions are ended: stop the desks, cron jobs and portal first. Then
check the audit chain against the head hash kept at backup time.

Examples:
  export HEAD=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
  sportello db restore before-upgrade.dump
  sportello audit verify --head \"$HEAD\"")]
    Restore {
        /// A file made by `sportello db backup` (pg_dump --format=custom).
        #[arg(value_name = "FILE")]
        file: std::path::PathBuf,
    },
}

/// Exit code of `db status` for a stopped embedded cluster.
const STOPPED: i32 = 1;

#[derive(Serialize)]
struct Status {
    /// "embedded" or "server".
    database: &'static str,
    /// "running", "stopped" or "absent".
    status: &'static str,
    /// Stopped with `db stop`: no command starts it but `db start`.
    #[serde(skip_serializing_if = "Option::is_none")]
    stopped_on_purpose: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data_dir: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    socket_dir: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    log_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    migrations: Option<Migrations>,
    /// Fingerprint of the service key this machine holds (to compare machines).
    #[serde(skip_serializing_if = "Option::is_none")]
    key_fingerprint: Option<String>,
}

#[derive(Serialize)]
struct Migrations {
    applied: usize,
    known: usize,
    pending: Vec<String>,
}

fn embedded_only(env: &Env, what: &str) -> sportello::Result<Cluster> {
    match &env.location {
        Location::Embedded(home) => Cluster::new(home),
        Location::Url(_) => Err(sportello::Error::Invalid(msg!("db-embedded-only", what = what))),
    }
}

async fn status(env: &Env) -> sportello::Result<i32> {
    let mut s = Status {
        database: "server",
        status: "running",
        stopped_on_purpose: None,
        data_dir: None,
        socket_dir: None,
        log_file: None,
        migrations: None,
        key_fingerprint: None,
    };
    let key_file = sportello::config::DeskSettings::from_env(&env.home, &env.location)?.key_file;
    // Only an existing key: `db status` creates nothing.
    s.key_fingerprint =
        sportello::secrets::SecretKey::load(&key_file, false).ok().map(|k| sportello::secrets::key_fingerprint(&k));
    // One connection: a running server answers the migrations' question by itself, so
    // `pg_ctl status` (a process) is asked only when it does not.
    let mut applied = None;
    if let Location::Embedded(home) = &env.location {
        let cluster = Cluster::new(home)?;
        if cluster.maybe_running() {
            applied = store::applied_migrations(&cluster.own_config(store::embedded::DATABASE)?).await.ok();
        }
        let (state, cluster) = match applied {
            Some(_) => (store::embedded::Status::Running, cluster),
            None => tokio::task::spawn_blocking(move || cluster.status().map(|s| (s, cluster)))
                .await
                .map_err(|e| sportello::Error::Unavailable(e.to_string().into()))??,
        };
        s.database = "embedded";
        s.status = match state {
            store::embedded::Status::Running => "running",
            store::embedded::Status::Stopped => "stopped",
            store::embedded::Status::Absent => "absent",
        };
        s.stopped_on_purpose = Some(cluster.stopped_on_purpose());
        s.data_dir = Some(cluster.data_dir().display().to_string());
        s.socket_dir = Some(cluster.socket_dir().display().to_string());
        s.log_file = Some(cluster.log_file().display().to_string());
    }
    if s.status == "running" {
        let applied = match applied {
            Some(a) => a,
            None => store::applied_migrations(&env.location.admin_config().await?).await?,
        };
        let known = store::known_migrations();
        s.migrations = Some(Migrations {
            applied: applied.len(),
            pending: known.iter().filter(|m| !applied.contains(m)).cloned().collect(),
            known: known.len(),
        });
    }
    if env.format == output::Format::Json {
        output::json(&s)?;
    } else {
        // Labels padded to the longest, in the operator's language.
        let labels = [
            tr!("db-label-database"),
            tr!("db-label-data"),
            tr!("db-label-socket"),
            tr!("db-label-log"),
            tr!("db-label-migrations"),
            tr!("db-label-key"),
        ];
        let width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0) + 2;
        let line = |i: usize, value: &str| println!("{:<width$}{value}", format!("{}:", labels[i]));
        match s.database {
            "embedded" => {
                let state = match (s.status, s.stopped_on_purpose) {
                    ("stopped", Some(true)) => tr!("db-state-stopped-on-purpose"),
                    ("stopped", _) => tr!("db-state-stopped"),
                    ("absent", _) => tr!("db-state-absent"),
                    _ => tr!("db-state-running"),
                };
                line(0, &tr!("db-embedded", state = state));
                line(1, s.data_dir.as_deref().unwrap_or_default());
                line(2, s.socket_dir.as_deref().unwrap_or_default());
                line(3, s.log_file.as_deref().unwrap_or_default());
            }
            _ => line(0, &tr!("db-server")),
        }
        if let Some(m) = &s.migrations {
            line(4, &tr!("db-migrations-applied", applied = m.applied, known = m.known));
            for p in &m.pending {
                println!("  {}  {p}", tr!("db-pending"));
            }
        }
        match &s.key_fingerprint {
            Some(f) => line(5, f),
            None => line(5, &tr!("db-key-unreadable", path = &*key_file)),
        }
    }
    Ok(match s.status {
        "running" => exit::OK,
        "stopped" => STOPPED,
        _ => exit::NOT_FOUND,
    })
}

pub async fn run(env: &Env, cmd: DbCommand) -> sportello::Result<i32> {
    match cmd {
        DbCommand::Status => status(env).await,
        DbCommand::Start => {
            let cluster = embedded_only(env, "start")?;
            if !cluster.is_mine() {
                return Err(sportello::Error::Refused(msg!(
                    "db-start-owner-only",
                    owner = cluster.owner().unwrap_or_default()
                )));
            }
            tokio::task::spawn_blocking(move || cluster.start())
                .await
                .map_err(|e| sportello::Error::Unavailable(e.to_string().into()))??;
            env.location.prepare().await?;
            println!("{}", tr!("db-started"));
            Ok(0)
        }
        DbCommand::Stop => {
            let cluster = embedded_only(env, "stop")?;
            // Stopping is the owner's (it stops every clerk's work): said before pg_ctl fails.
            if !cluster.is_mine() {
                return Err(sportello::Error::Refused(msg!(
                    "db-stop-owner-only",
                    owner = cluster.owner().unwrap_or_default()
                )));
            }
            let stopped = tokio::task::spawn_blocking(move || cluster.stop())
                .await
                .map_err(|e| sportello::Error::Unavailable(e.to_string().into()))??;
            println!("{}", if stopped { tr!("db-stopped") } else { tr!("db-was-not-running") });
            Ok(0)
        }
        DbCommand::KeepWarm => {
            let (Location::Embedded(home), Some(idle)) = (&env.location, store::warm::idle_time()) else {
                return Ok(0);
            };
            let cluster = Cluster::new(home)?;
            let login = store::embedded::os_user()?;
            store::warm::Keeper::new(&cluster.socket_dir(), &login, store::embedded::DATABASE)
                .serve(idle)
                .await
                .map_err(|e| sportello::Error::Unavailable(e.to_string().into()))?;
            Ok(0)
        }
        DbCommand::Migrate => {
            let config = env.location.admin_config().await?;
            let applied = store::migrate(&config).await?;
            if applied.is_empty() {
                println!("{}", tr!("db-up-to-date"));
            } else {
                for m in applied {
                    println!("{}", tr!("db-applied", migration = m));
                }
            }
            Ok(0)
        }
        DbCommand::Backup { file } => {
            store::backup::backup(&env.location, &file).await?;
            println!("{}", tr!("db-backup-done", path = &*file));
            Ok(0)
        }
        DbCommand::Restore { file } => {
            let name = store::backup::restore(&env.location, &file).await?;
            println!("{}", tr!("db-restored", path = &*file, database = name));
            Ok(0)
        }
    }
}
