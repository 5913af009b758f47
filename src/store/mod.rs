//! PostgreSQL: where it is (a server URL or the embedded default), the connection pool, the
//! migrations from `sql/`, and one repository module per table family.

pub mod audit;
pub mod backup;
pub mod binary_arrays;
pub mod credentials;
pub mod embedded;
mod fiscal_code_sql;
pub mod helpdesk;
pub mod history;
pub mod libpq;
pub mod operation_letters;
pub mod operations;
pub mod operators;
pub mod postal;
pub mod reference;
pub mod registrations;
pub mod registry;
pub mod revocations;
pub mod runs;
pub mod stats;
pub mod tls;
mod vocabulary;
pub mod warm;

use std::path::PathBuf;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::types::{ToSql, Type};

use crate::error::{Error, Result};
pub use tls::{ConnectConfig, SslMode};

mod migrations {
    refinery::embed_migrations!("sql");
}

/// Where the database is.
#[derive(Debug, Clone)]
pub enum Location {
    /// A server named by a connection string (`postgres://...` or `host=... dbname=...`).
    Url(String),
    /// The private cluster under a sportello home directory.
    Embedded(PathBuf),
}

/// An open database: a pool of connections as the operator's own login (the server
/// authenticated it; sportello takes the operator from `session_user`), and the settings of
/// the owner's connection (migrations, the first administrator).
#[derive(Clone)]
pub struct Database {
    pool: Pool,
    admin: ConnectConfig,
    /// What the first connection told (login, roles, operator, migration), for the first
    /// session opened on this database; later ones read it again (operators may have changed).
    first: std::sync::Arc<std::sync::Mutex<Option<operators::Startup>>>,
    /// The newest migration applied, as the first connection read it.
    migration: Option<i64>,
    /// What the audit rows the api functions write say of the client (origin, command): set by
    /// the session on its connection, and on every connection the pool opens later.
    context: Context,
}

type Context = std::sync::Arc<std::sync::Mutex<Option<(String, String)>>>;

/// Tells the database's api functions where the calls come from (OS user and host) and which
/// command makes them: descriptive columns of the audit rows they write (sql/V23).
const SET_CONTEXT: &str =
    "SELECT set_config('sportello.origin', $1, false), set_config('sportello.command', $2, false)";

/// Opens a single connection (for administration: migrations, creating databases), with TLS as
/// its settings ask (store/tls.rs).
pub async fn connect(config: impl Into<ConnectConfig>) -> Result<tokio_postgres::Client> {
    config.into().connect().await
}

/// Applies the migrations of `sql/` that are not applied yet. Returns the names applied.
pub async fn migrate(config: impl Into<ConnectConfig>) -> Result<Vec<String>> {
    let mut client = connect(config).await?;
    // Two processes starting at once must not both migrate.
    client.execute("SELECT pg_advisory_lock(72010001)", &[]).await?;
    let report = migrations::migrations::runner()
        .set_abort_divergent(true)
        .run_async(&mut client)
        .await
        .map_err(|e| Error::database(crate::msg!("migration-failed", detail = error_chain(&e))));
    // What a database holds of its own (sql/V8, V30), which a copy or a restore does not bring.
    let secured = match &report {
        Ok(_) => client.execute("SELECT sportello_secure_database()", &[]).await.map(drop),
        Err(_) => Ok(()),
    };
    client.execute("SELECT pg_advisory_unlock(72010001)", &[]).await?;
    secured?;
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
pub async fn applied_migrations(config: impl Into<ConnectConfig>) -> Result<Vec<String>> {
    let client = connect(config).await?;
    let rows = match client.query("SELECT version, name FROM refinery_schema_history ORDER BY version", &[]).await {
        Ok(rows) => rows,
        Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::UNDEFINED_TABLE) => return Ok(vec![]),
        Err(e) => return Err(e.into()),
    };
    Ok(rows.iter().map(|r| format!("V{}__{}", r.get::<_, i32>(0), r.get::<_, String>(1))).collect())
}

/// The newest migration embedded in this binary.
pub fn latest_migration() -> i64 {
    // Read from sql/ by build.rs (checked against the runner by a test).
    match env!("SPORTELLO_LATEST_MIGRATION").parse() {
        Ok(n) => n,
        Err(_) => embedded_latest_migration(),
    }
}

fn embedded_latest_migration() -> i64 {
    migrations::migrations::runner().get_migrations().iter().map(|m| i64::from(m.version())).max().unwrap_or(0)
}

/// Migrations embedded in this binary, as `V<n>__<name>`.
pub fn known_migrations() -> Vec<String> {
    migrations::migrations::runner().get_migrations().iter().map(|m| m.to_string()).collect()
}

/// Whether a login may still connect to, or make TEMP tables in, `postgres` or `template1`.
const OTHER_DATABASES_OPEN: &str = "SELECT coalesce(bool_or(has_database_privilege('public', datname, 'CONNECT')
         OR has_database_privilege('public', datname, 'TEMPORARY')), false)
       FROM pg_database WHERE datname IN ('postgres', 'template1')";

/// The embedded cluster's databases other than its own, closed to the logins (the superuser,
/// its owner's, still connects).
const CLOSE_OTHER_DATABASES: &str = "REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC; REVOKE CONNECT, TEMPORARY ON DATABASE template1 FROM PUBLIC";

impl Location {
    /// Connection settings as the owner (for `db migrate` and the first administrator),
    /// starting the embedded cluster and creating its database if needed. With a server, the
    /// URL as given: it must name the schema owner for these.
    pub async fn admin_config(&self) -> Result<ConnectConfig> {
        match self {
            Location::Url(url) => ConnectConfig::parse(url),
            Location::Embedded(home) => {
                let cluster = start_embedded(home, true).await?;
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
                // The cluster's other databases are no login's: there a login could run code of
                // its own (a DO block writing to the server's log, TEMP tables on the disk),
                // which the database's own schema allows nowhere. Closed here, at every start of
                // the owner's, for a cluster made before too.
                let open = client.query_one(OTHER_DATABASES_OPEN, &[]).await?.get::<_, bool>(0);
                if open {
                    client.batch_execute(CLOSE_OTHER_DATABASES).await?;
                }
                Ok(cluster.config(embedded::DATABASE).into())
            }
        }
    }

    /// The embedded cluster made ready for use by its owner: started, its database created
    /// and migrated. Others' embedded clusters and servers are left as they are.
    pub async fn prepare(&self) -> Result<()> {
        if let Location::Embedded(home) = self {
            let cluster = start_embedded(home, false).await?;
            if cluster.is_mine() {
                migrate(&self.admin_config().await?).await?;
            }
        }
        Ok(())
    }
}

/// The embedded cluster of `home`, running. Its owner starts it when stopped; another OS user
/// can only use it while it runs (`owner_only`: refuse them even then).
async fn start_embedded(home: &std::path::Path, owner_only: bool) -> Result<embedded::Cluster> {
    let home = home.to_path_buf();
    tokio::task::spawn_blocking(move || -> Result<embedded::Cluster> {
        let cluster = embedded::Cluster::new(&home)?;
        if cluster.is_mine() {
            cluster.ensure_running()?;
            return Ok(cluster);
        }
        let owner = cluster.owner().unwrap_or_else(|| "its owner".into());
        if owner_only {
            return Err(Error::Refused(crate::msg!("embedded-owner-only", home = &home, owner = &owner)));
        }
        if !cluster.accepts_connections() {
            return Err(Error::Unavailable(crate::msg!("embedded-not-running", home = &home, owner = &owner)));
        }
        Ok(cluster)
    })
    .await
    .map_err(|e| Error::Unavailable(crate::msg!("embedded-start-failed", detail = e.to_string())))?
}

/// The server did not accept the login itself (no such role, not permitted to log in, a wrong
/// password, peer authentication failed): not an operator, a refusal. TLS and certificate
/// failures are not this: they say what failed and count as unavailable.
fn login_refused(e: &tokio_postgres::Error) -> Option<String> {
    use tokio_postgres::error::SqlState;
    let db = e.as_db_error()?;
    let m = db.message();
    let refused = db.code() == &SqlState::INVALID_PASSWORD
        || (db.code() == &SqlState::INVALID_AUTHORIZATION_SPECIFICATION
            && (m.contains("does not exist")
                || m.contains("not permitted to log in")
                || (m.contains("authentication failed") && !m.contains("certificate"))));
    refused.then(|| m.to_string())
}

impl Database {
    /// Opens the database as the operator's own login. The embedded default is started and
    /// migrated on the way (by its owner; the OS user is the login, by peer authentication);
    /// a server named by URL must have been migrated with `sportello db migrate`, and the URL
    /// (or the client certificate) names the operator's login.
    pub async fn open(location: &Location) -> Result<Database> {
        Database::open_in_context(location, None, None).await
    }

    /// As [`Database::open`], naming the client and the command (see [`Database::set_context`])
    /// in the same round trip as the connection's first query: a command then pays no round trip
    /// of its own for it. On the embedded default, `keeper`: this program's arguments that run a
    /// keeper of warm connections ([`warm`]); the connections go through the keeper listening
    /// for this OS user, else straight to the server, and a keeper is started for the next
    /// command.
    pub async fn open_in_context(
        location: &Location,
        context: Option<(String, String)>,
        keeper: Option<&[&std::ffi::OsStr]>,
    ) -> Result<Database> {
        match location {
            Location::Url(url) => {
                let config = ConnectConfig::parse(url)?;
                Database::with_configs_in(config.clone(), config, context).await
            }
            Location::Embedded(home) => {
                let cluster = embedded::Cluster::new(home)?;
                let login_name = embedded::os_user()?;
                let login = cluster.login_config(embedded::DATABASE, &login_name);
                let admin = cluster.config(embedded::DATABASE);
                let keeper = keeper
                    .map(|args| (warm::Keeper::new(&cluster.socket_dir(), &login_name, embedded::DATABASE), args));
                // The usual case, in one connection: the server runs and the schema is current
                // (the owner would migrate it otherwise). Anything else takes the long way:
                // start, create, migrate as the owner, then connect.
                if cluster.maybe_running() {
                    let mine = cluster.is_mine();
                    // A few bytes read on the way, no thread started for them; the rewrite
                    // (rare) waits for the cluster lock, off the runtime.
                    if mine && !cluster.authentication_current()? {
                        let c = cluster.clone();
                        tokio::task::spawn_blocking(move || c.refresh_authentication_locked()).await.map_err(
                            |e| Error::Unavailable(crate::msg!("embedded-start-failed", detail = e.to_string())),
                        )??;
                    }
                    let current = |db: &Database| !mine || db.migration >= Some(latest_migration());
                    // A keeper that does not lend within a moment (stopped, overloaded) is passed by.
                    if let Some(through_keeper) = keeper.as_ref().and_then(|(k, _)| k.client_config())
                        && let Ok(Ok(db)) = tokio::time::timeout(
                            warm::LEND_WAIT,
                            Database::with_configs_in(through_keeper, admin.clone(), context.clone()),
                        )
                        .await
                        && current(&db)
                    {
                        return Ok(db);
                    }
                    if let Ok(db) = Database::with_configs_in(login.clone(), admin.clone(), context.clone()).await
                        && current(&db)
                    {
                        if let Some((k, args)) = &keeper {
                            k.start(args);
                        }
                        return Ok(db);
                    }
                }
                location.prepare().await?;
                Database::with_configs_in(login, admin, context).await
            }
        }
    }

    /// A pool on an already-migrated database, as the login `config` names (also used as the
    /// owner's settings), with TLS as the settings ask (store/tls.rs).
    pub async fn with_config(config: impl Into<ConnectConfig>) -> Result<Database> {
        let config = config.into();
        Database::with_configs(config.clone(), config).await
    }

    /// A pool as the login `config` names; `admin`: the owner's settings.
    pub async fn with_configs(config: impl Into<ConnectConfig>, admin: impl Into<ConnectConfig>) -> Result<Database> {
        Database::with_configs_in(config, admin, None).await
    }

    /// As [`Database::with_configs`], with the context of [`Database::open_in_context`].
    async fn with_configs_in(
        config: impl Into<ConnectConfig>,
        admin: impl Into<ConnectConfig>,
        first_context: Option<(String, String)>,
    ) -> Result<Database> {
        let (config, admin) = (config.into(), admin.into());
        let plan = config.plan()?;
        let tls = config.connector(&plan)?;
        let manager = Manager::from_config(
            config.pg_config(&plan),
            tls,
            ManagerConfig { recycling_method: RecyclingMethod::Fast },
        );
        let context: Context = Default::default();
        let for_hook = context.clone();
        let pool = Pool::builder(manager)
            .max_size(8)
            .post_create(deadpool_postgres::Hook::async_fn(move |client, _| {
                let context = for_hook.lock().ok().and_then(|c| c.clone());
                Box::pin(async move {
                    if let Some((origin, command)) = context {
                        client
                            .execute(SET_CONTEXT, &[&origin, &command])
                            .await
                            .map_err(deadpool_postgres::HookError::Backend)?;
                    }
                    Ok(())
                })
            }))
            .build()
            .map_err(|e| Error::Unavailable(crate::msg!("pool-failed", detail = e.to_string())))?;
        // Fail now, with a clear message, rather than in the middle of a command.
        let client = match pool.get().await {
            Ok(c) => c,
            Err(deadpool_postgres::PoolError::Backend(pg)) => {
                return Err(match login_refused(&pg) {
                    Some(message) => {
                        Error::Refused(crate::msg!("login-refused", target = config.describe(), detail = message))
                    }
                    None => Error::Unavailable(config.explain(&pg).append(&format!(" ({})", config.describe()).into())),
                });
            }
            Err(other) => {
                return Err(Error::Unavailable(crate::msg!(
                    "error-unreachable",
                    detail = format!("{other} ({})", config.describe())
                )));
            }
        };
        let schema_missing = || Error::Unavailable(crate::msg!("schema-missing", target = config.describe()));
        // The statements most commands run are prepared in the same round trip as the startup
        // query (tokio-postgres pipelines requests made together), so that each later costs one
        // round trip instead of two: over a slow link, that is most of a command's time.
        let prepared = async {
            tokio::try_join!(client.prepare_cached(audit::INSERT), client.prepare_cached(reference::PROVINCE))
        };
        // The context goes first in the pipeline, before anything that could write an audit row;
        // connections the pool opens later get it from the hook. It and the startup query are
        // parsed and run in one go (query_typed: no statement prepared first), so that both
        // answer in the pipeline's first round trip.
        let named = async {
            match &first_context {
                Some((origin, command)) => client
                    .query_typed(SET_CONTEXT, &[(origin as &(dyn ToSql + Sync), Type::TEXT), (command, Type::TEXT)])
                    .await
                    .map(|_| ()),
                None => Ok(()),
            }
        };
        let (named, startup, prepared) = tokio::join!(named, operators::startup(&client), prepared);
        named?;
        if let Ok(mut c) = context.lock() {
            *c = first_context;
        }
        let startup = match prepared.map_err(Error::from).and(startup) {
            Ok(Some(s)) => s,
            Ok(None) => return Err(schema_missing()),
            // 42P01, undefined table: `operators` is not there; 3F000, no schema `api` yet;
            // 42883, undefined function: an api function of a later migration is not there.
            Err(Error::Database { code: Some(c), .. }) if c == "42P01" || c == "3F000" || c == "42883" => {
                return Err(schema_missing());
            }
            Err(e) => return Err(e),
        };
        drop(client);
        let migration = startup.migration;
        Ok(Database {
            pool,
            admin,
            first: std::sync::Arc::new(std::sync::Mutex::new(Some(startup))),
            migration,
            context,
        })
    }

    /// The login, its roles and operator, the migration: as the connection read them when it
    /// opened (the first call: no round trip), else read again.
    pub async fn startup(&self) -> Result<operators::Startup> {
        let first = self.first.lock().map(|mut f| f.take()).unwrap_or(None);
        match first {
            Some(s) => Ok(s),
            None => {
                let client = self.client().await?;
                operators::startup(&client)
                    .await?
                    .ok_or_else(|| Error::Unavailable(crate::msg!("schema-missing", target = self.admin.describe())))
            }
        }
    }

    /// The newest migration applied, when the login may read it.
    pub fn migration(&self) -> Option<i64> {
        self.migration
    }

    /// Names the client (origin: OS user and host) and the command in the audit rows the
    /// database writes from now on, on this database's connections.
    pub async fn set_context(&self, origin: &str, command: &str) -> Result<()> {
        if let Ok(mut c) = self.context.lock() {
            // Already named so when the database was opened: every connection of the pool has it.
            if c.as_ref().is_some_and(|(o, k)| o == origin && k == command) {
                return Ok(());
            }
            *c = Some((origin.to_string(), command.to_string()));
        }
        let client = self.client().await?;
        client.execute(SET_CONTEXT, &[&origin, &command]).await?;
        Ok(())
    }

    /// What every login may still do that the migrations take away where a superuser runs them
    /// (sql/V43, sql/V46): take advisory locks (and hold a run's), run PL/pgSQL of its own
    /// (and write lines like an audit row's into the server's log).
    pub async fn public_privileges(&self) -> Result<(bool, bool)> {
        let c = self.client().await?;
        let sql = "SELECT has_function_privilege('public', 'pg_catalog.pg_try_advisory_lock(bigint)', 'EXECUTE'),
                          has_language_privilege('public', 'plpgsql', 'USAGE')";
        let row = c.query_one(sql, &[]).await?;
        Ok((row.get(0), row.get(1)))
    }

    /// Whether the audit log is being linked (sql/V49): how many rows wait for a link and since
    /// when, and the server's `max_prepared_transactions` (a prepared transaction that linked
    /// rows holds the chain until someone commits or rolls it back).
    pub async fn chain_state(&self) -> Result<(i64, Option<chrono::DateTime<chrono::Utc>>, i32)> {
        let c = self.client().await?;
        let (waiting, oldest) = audit::unlinked(&c).await?;
        let prepared: i32 = c.query_one("SELECT current_setting('max_prepared_transactions')::int", &[]).await?.get(0);
        Ok((waiting, oldest, prepared))
    }

    pub async fn client(&self) -> Result<deadpool_postgres::Object> {
        Ok(self.pool.get().await?)
    }

    pub fn admin_config(&self) -> &ConnectConfig {
        &self.admin
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_latest_migration_read_by_the_build_is_the_runners() {
        assert_eq!(super::latest_migration(), super::embedded_latest_migration());
        assert!(super::latest_migration() >= 30);
    }
}
