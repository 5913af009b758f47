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
        Location::Url(_) => Err(sportello::Error::Invalid(format!(
            "`db {what}` manages the embedded cluster, but a database URL is configured (SPORTELLO_DATABASE_URL / --database-url)"
        ))),
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
    };
    if let Location::Embedded(home) = &env.location {
        let cluster = Cluster::new(home)?;
        let (state, cluster) = tokio::task::spawn_blocking(move || cluster.status().map(|s| (s, cluster)))
            .await
            .map_err(|e| sportello::Error::Unavailable(e.to_string()))??;
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
        let applied = store::applied_migrations(&env.location.admin_config().await?).await?;
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
        match s.database {
            "embedded" => {
                let why = match (s.status, s.stopped_on_purpose) {
                    ("stopped", Some(true)) => ", by `db stop`: `sportello db start` starts it",
                    ("absent", _) => ": `sportello db start` creates it",
                    _ => "",
                };
                let state = if s.status == "absent" { "not created" } else { s.status };
                println!("database:   embedded cluster ({state}{why})");
                println!("data:       {}", s.data_dir.as_deref().unwrap_or_default());
                println!("socket:     {}", s.socket_dir.as_deref().unwrap_or_default());
                println!("log:        {}", s.log_file.as_deref().unwrap_or_default());
            }
            _ => println!("database:   server given by URL (running)"),
        }
        if let Some(m) = &s.migrations {
            println!("migrations: {} of {} applied", m.applied, m.known);
            for p in &m.pending {
                println!("  pending:  {p}");
            }
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
                return Err(sportello::Error::Refused(format!(
                    "only the OS user who created the embedded database ({}) starts it",
                    cluster.owner().unwrap_or_default()
                )));
            }
            tokio::task::spawn_blocking(move || cluster.start())
                .await
                .map_err(|e| sportello::Error::Unavailable(e.to_string()))??;
            env.location.prepare().await?;
            println!("embedded database running and migrated");
            Ok(0)
        }
        DbCommand::Stop => {
            let cluster = embedded_only(env, "stop")?;
            let stopped = tokio::task::spawn_blocking(move || cluster.stop())
                .await
                .map_err(|e| sportello::Error::Unavailable(e.to_string()))??;
            println!(
                "{}",
                if stopped {
                    "embedded database stopped; it stays stopped until `sportello db start`"
                } else {
                    "embedded database was not running; it stays stopped until `sportello db start`"
                }
            );
            Ok(0)
        }
        DbCommand::Migrate => {
            let config = env.location.admin_config().await?;
            let applied = store::migrate(&config).await?;
            if applied.is_empty() {
                println!("database is up to date");
            } else {
                for m in applied {
                    println!("applied {m}");
                }
            }
            Ok(0)
        }
    }
}
