//! `sportello db`: the embedded cluster and the migrations.

use clap::Subcommand;
use sportello::store::{self, Location, embedded::Cluster};

use crate::Env;

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Where the database is, whether it runs, which migrations are applied.
    Status,
    /// Create (first time) and start the embedded cluster, and apply the migrations.
    Start,
    /// Stop the embedded cluster.
    Stop,
    /// Apply the migrations of sql/ that are not applied yet.
    Migrate,
}

fn embedded_only(env: &Env, what: &str) -> sportello::Result<Cluster> {
    match &env.location {
        Location::Embedded(home) => Cluster::new(home),
        Location::Url(_) => Err(sportello::Error::Invalid(format!(
            "`db {what}` manages the embedded cluster, but a database URL is configured (SPORTELLO_DATABASE_URL / --database-url)"
        ))),
    }
}

pub async fn run(env: &Env, cmd: DbCommand) -> sportello::Result<i32> {
    match cmd {
        DbCommand::Status => {
            if let Location::Embedded(home) = &env.location {
                let cluster = Cluster::new(home)?;
                let status = tokio::task::spawn_blocking(move || cluster.status().map(|s| (s, cluster)))
                    .await
                    .map_err(|e| sportello::Error::Unavailable(e.to_string()))??;
                println!("database:   embedded cluster ({})", status.0);
                println!("data:       {}", status.1.data_dir().display());
                println!("socket:     {}", status.1.socket_dir().display());
                println!("log:        {}", status.1.log_file().display());
                if status.0 != store::embedded::Status::Running {
                    return Ok(0);
                }
            } else {
                println!("database:   server given by URL");
            }
            let applied = store::applied_migrations(&env.location.admin_config().await?).await?;
            let known = store::known_migrations();
            println!("migrations: {} of {} applied", applied.len(), known.len());
            for m in known.iter().filter(|m| !applied.contains(m)) {
                println!("  pending:  {m}");
            }
            Ok(0)
        }
        DbCommand::Start => {
            embedded_only(env, "start")?;
            env.location.prepare().await?;
            println!("embedded database running and migrated");
            Ok(0)
        }
        DbCommand::Stop => {
            let cluster = embedded_only(env, "stop")?;
            let stopped = tokio::task::spawn_blocking(move || cluster.stop())
                .await
                .map_err(|e| sportello::Error::Unavailable(e.to_string()))??;
            println!("{}", if stopped { "embedded database stopped" } else { "embedded database was not running" });
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
