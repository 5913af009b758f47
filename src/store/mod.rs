//! PostgreSQL: where it is (a server URL or the embedded default), the connection pool, the
//! migrations from `sql/`, and one repository module per table family.

pub mod audit;
pub mod binary_copy;
pub mod credentials;
pub mod embedded;
mod fiscal_code_sql;
pub mod helpdesk;
pub mod operations;
pub mod operators;
pub mod postal;
pub mod reference;
pub mod registrations;
pub mod registry;
pub mod revocations;
pub mod runs;
mod vocabulary;

use std::path::PathBuf;
use std::str::FromStr;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

use crate::error::{Error, Result};

mod migrations {
    refinery::embed_migrations!("sql");
}

/// The role every command runs as: it may only append to the audit log (sql/V3__roles.sql).
pub const APP_ROLE: &str = "sportello_app";

/// Where the database is.
#[derive(Debug, Clone)]
pub enum Location {
    /// A server named by a connection string (`postgres://...` or `host=... dbname=...`).
    Url(String),
    /// The private cluster under a sportello home directory.
    Embedded(PathBuf),
}

/// An open database: a pool of connections running as the application role.
#[derive(Clone)]
pub struct Database {
    pool: Pool,
    admin: tokio_postgres::Config,
}

fn parse_url(url: &str) -> Result<tokio_postgres::Config> {
    tokio_postgres::Config::from_str(url).map_err(|e| Error::Invalid(format!("invalid database URL: {e}")))
}

/// Opens a plain connection (for administration: migrations, creating databases).
pub async fn connect(config: &tokio_postgres::Config) -> Result<tokio_postgres::Client> {
    let (client, connection) = config
        .connect(NoTls)
        .await
        .map_err(|e| Error::Unavailable(format!("database unreachable ({}): {e}", describe(config))))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// Host and database of a configuration, for messages (never the password).
fn describe(config: &tokio_postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(h) => h.clone(),
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        })
        .unwrap_or_else(|| "default host".into());
    format!("{host}, database {}", config.get_dbname().unwrap_or("default"))
}

/// Applies the migrations of `sql/` that are not applied yet. Returns the names applied.
pub async fn migrate(config: &tokio_postgres::Config) -> Result<Vec<String>> {
    let mut client = connect(config).await?;
    // Two processes starting at once must not both migrate.
    client.execute("SELECT pg_advisory_lock(72010001)", &[]).await?;
    let report = migrations::migrations::runner()
        .set_abort_divergent(true)
        .run_async(&mut client)
        .await
        .map_err(|e| Error::database(format!("migration failed: {}", error_chain(&e))));
    client.execute("SELECT pg_advisory_unlock(72010001)", &[]).await?;
    let applied: Vec<String> = report?.applied_migrations().iter().map(|m| m.to_string()).collect();
    for m in &applied {
        tracing::info!(migration = %m, "migration applied");
    }
    Ok(applied)
}

/// An error with its causes; a server error shows its own message rather than "db error".
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        match c.downcast_ref::<tokio_postgres::Error>().and_then(|pg| pg.as_db_error()) {
            Some(db) => text.push_str(&format!(": {}", db.message())),
            None => text.push_str(&format!(": {c}")),
        }
        cause = c.source();
    }
    text
}

/// Migrations applied to a database, as `V<n>__<name>` (none when it was never migrated).
pub async fn applied_migrations(config: &tokio_postgres::Config) -> Result<Vec<String>> {
    let client = connect(config).await?;
    let rows = match client.query("SELECT version, name FROM refinery_schema_history ORDER BY version", &[]).await {
        Ok(rows) => rows,
        Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::UNDEFINED_TABLE) => return Ok(vec![]),
        Err(e) => return Err(e.into()),
    };
    Ok(rows.iter().map(|r| format!("V{}__{}", r.get::<_, i32>(0), r.get::<_, String>(1))).collect())
}

/// Migrations embedded in this binary, as `V<n>__<name>`.
pub fn known_migrations() -> Vec<String> {
    migrations::migrations::runner().get_migrations().iter().map(|m| m.to_string()).collect()
}

impl Location {
    /// Connection settings as the owner (for `db migrate`), starting the embedded cluster and
    /// creating its database if needed.
    pub async fn admin_config(&self) -> Result<tokio_postgres::Config> {
        match self {
            Location::Url(url) => parse_url(url),
            Location::Embedded(home) => {
                let home = home.clone();
                let cluster = tokio::task::spawn_blocking(move || -> Result<embedded::Cluster> {
                    let cluster = embedded::Cluster::new(&home)?;
                    cluster.ensure_running()?;
                    Ok(cluster)
                })
                .await
                .map_err(|e| Error::Unavailable(format!("cannot start the embedded database: {e}")))??;
                let client = connect(&cluster.config("postgres")).await?;
                let exists = client
                    .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&embedded::DATABASE])
                    .await?
                    .is_some();
                if !exists {
                    let sql = format!("CREATE DATABASE {}", embedded::DATABASE);
                    if let Err(e) = client.batch_execute(&sql).await {
                        // Another process may have created it meanwhile.
                        if e.code() != Some(&tokio_postgres::error::SqlState::DUPLICATE_DATABASE) {
                            return Err(e.into());
                        }
                    }
                }
                Ok(cluster.config(embedded::DATABASE))
            }
        }
    }
}

impl Database {
    /// Opens the database. The embedded default is started and migrated on the way; a server
    /// named by URL must have been migrated with `sportello db migrate`.
    pub async fn open(location: &Location) -> Result<Database> {
        let admin = location.admin_config().await?;
        if matches!(location, Location::Embedded(_)) {
            migrate(&admin).await?;
        }
        Database::with_config(admin).await
    }

    /// A pool on an already-migrated database.
    pub async fn with_config(admin: tokio_postgres::Config) -> Result<Database> {
        let mut app = admin.clone();
        app.options(format!("-c role={APP_ROLE}"));
        let manager = Manager::from_config(app, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(8)
            .build()
            .map_err(|e| Error::Unavailable(format!("cannot create the connection pool: {e}")))?;
        let db = Database { pool, admin };
        // Fail now, with a clear message, rather than in the middle of a command.
        if let Err(e) = db.pool.get().await {
            let text = e.to_string();
            let err: Error = e.into();
            if text.contains(APP_ROLE) || err.to_string().contains(APP_ROLE) {
                return Err(Error::Unavailable(format!(
                    "the database ({}) has no sportello schema yet: run `sportello db migrate`",
                    describe(&db.admin)
                )));
            }
            return Err(match err {
                Error::Unavailable(m) => Error::Unavailable(format!("{m} ({})", describe(&db.admin))),
                other => other,
            });
        }
        Ok(db)
    }

    pub async fn client(&self) -> Result<deadpool_postgres::Object> {
        Ok(self.pool.get().await?)
    }

    pub fn admin_config(&self) -> &tokio_postgres::Config {
        &self.admin
    }
}
