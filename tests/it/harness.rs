//! Test harness: a real PostgreSQL for the whole test run and a fresh database per test.
//!
//! The cluster is sportello's own embedded one, under target/tmp (kept running between runs
//! to save its start-up; `.ci/run` stops it), with a migrated template database cloned for
//! each test. With `SPORTELLO_TEST_DATABASE_URL` set (a superuser), that server is used instead;
//! it must let the test logins in with a password.
//!
//! Tests act as real, distinct logins of the database, as operators do: each operator of a
//! test is a LOGIN role with a password (SCRAM on the unix socket), its roles granted by the
//! test's administrator through sportello itself. Login roles are cluster-wide: tests that
//! share a name (`admin`, `desk`) share its roles, so a test about roles uses names of its
//! own ([`TestDb::unique`]).

use std::path::PathBuf;
use std::process::{Command, Output};
use std::str::FromStr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use sportello::domain::Role;
use sportello::session::Session;
use sportello::store::{self, Database, embedded::Cluster};

/// The password of every test login.
pub const PASSWORD: &str = "sportello-test-login";

/// The competence of the first administrator, `admin`: every province of Piedmont.
pub const PIEDMONT: &[&str] = &["TO", "VC", "NO", "CN", "AT", "AL", "BI", "VB"];

/// Roles of [`TestDb::operator`]: everything but administration and the portal.
pub const WORKER: &[Role] = &[Role::Desk, Role::Helpdesk, Role::Batch, Role::Auditor];

struct Server {
    /// Connection to the maintenance database, to create test databases.
    admin: tokio_postgres::Config,
    template: String,
}

fn test_home() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sportello-test-home")
}

/// Name of the template: changes whenever a migration changes.
fn template_name() -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let mut files: Vec<_> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/sql")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for f in files {
        h.update(std::fs::read(f).unwrap());
    }
    format!("sportello_template_{}", &hex::encode(h.finalize())[..12])
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        // Set up on a thread of its own: the tests' runtimes cannot block.
        std::thread::spawn(|| {
            let admin = match std::env::var("SPORTELLO_TEST_DATABASE_URL") {
                Ok(url) => tokio_postgres::Config::from_str(&url).expect("SPORTELLO_TEST_DATABASE_URL"),
                Err(_) => {
                    let mut cluster = Cluster::new(&test_home()).expect("test cluster");
                    // Throwaway data: trade durability for speed.
                    cluster.settings =
                        ["fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=300"]
                            .map(String::from)
                            .to_vec();
                    // The superuser by peer authentication, the test logins by password.
                    cluster.password_logins = true;
                    cluster.start().expect("start the test cluster");
                    cluster.config("postgres")
                }
            };
            let template = template_name();
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async {
                let client = store::connect(&admin).await.expect("connect to the test server");
                client.execute("SELECT pg_advisory_lock(72010002)", &[]).await.unwrap();
                // Databases of earlier runs.
                for row in client
                    .query("SELECT datname FROM pg_database WHERE datname LIKE 'sportello\\_t\\_%'", &[])
                    .await
                    .unwrap()
                {
                    let name: String = row.get(0);
                    let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
                }
                let exists = client
                    .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&template])
                    .await
                    .unwrap()
                    .is_some();
                if !exists {
                    let building = format!("{template}_building");
                    client.batch_execute(&format!("DROP DATABASE IF EXISTS \"{building}\"")).await.unwrap();
                    client.batch_execute(&format!("CREATE DATABASE \"{building}\"")).await.unwrap();
                    let mut cfg = admin.clone();
                    cfg.dbname(&building);
                    store::migrate(&cfg).await.expect("migrate the template");
                    client
                        .batch_execute(&format!("ALTER DATABASE \"{building}\" RENAME TO \"{template}\""))
                        .await
                        .unwrap();
                }
                client.execute("SELECT pg_advisory_unlock(72010002)", &[]).await.unwrap();
            });
            Server { admin, template }
        })
        .join()
        .expect("test server set-up")
    })
}

/// A fresh, migrated database for one test.
pub struct TestDb {
    pub name: String,
    pub config: tokio_postgres::Config,
    pub db: Database,
    /// Key file, outbox and letters of this test.
    pub files: tempfile::TempDir,
    /// SMTP server URL for the binary, when the test sends through one.
    pub smtp_url: Option<String>,
}

impl TestDb {
    pub async fn new() -> TestDb {
        let mut test = TestDb::without_operators().await;
        // The first administrator, as the schema owner adds it, with every role.
        {
            let _lock = RoleLock::take().await;
            create_login("admin").await;
            let mut first = new_operator("admin", PIEDMONT, &[]);
            first.roles = Role::ALL.to_vec();
            first.fse = true;
            sportello::operators::bootstrap(&test.config, first).await.unwrap();
        }
        // The citizen portal's own login: what `db` runs as.
        test.add_operator("portal", &[Role::Portal], &["TO"], &[]).await;
        test.db = test.login("portal").await;
        test
    }

    /// A fresh database with no operator yet (`db` is the owner's until one is added).
    pub async fn without_operators() -> TestDb {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let server = server();
        let name = format!("sportello_t_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
        let client = store::connect(&server.admin).await.unwrap();
        client.batch_execute(&format!("CREATE DATABASE \"{name}\" TEMPLATE \"{}\"", server.template)).await.unwrap();
        let mut config = server.admin.clone();
        config.dbname(&name);
        // As a deployment does on a database made from a copy: what the copy does not bring.
        store::migrate(&config).await.unwrap();
        let files = tempfile::tempdir().unwrap();
        sportello::secrets::SecretKey::load(&files.path().join("secret.key"), true).unwrap();
        let db = Database::with_config(config.clone()).await.unwrap();
        TestDb { name, db, config, files, smtp_url: None }
    }

    /// A name of this test's own for a login (login roles are cluster-wide).
    pub fn unique(&self, base: &str) -> String {
        format!("{base}_{}", self.name.trim_start_matches("sportello_t_"))
    }

    /// Connection settings as `login` (with the test password) on this test's database.
    pub fn login_config(&self, login: &str) -> tokio_postgres::Config {
        let mut config = self.config.clone();
        config.user(login).password(PASSWORD);
        config
    }

    /// The database as `login`, as the binary opens it for an operator.
    pub async fn login(&self, login: &str) -> Database {
        Database::with_configs(self.login_config(login), self.config.clone()).await.unwrap()
    }

    /// Makes `id` an operator of this test's database with `roles`, added by `admin` (as an
    /// administrator does), its login created with the test password (as the DBA does).
    pub async fn add_operator(&self, id: &str, roles: &[Role], provinces: &[&str], municipalities: &[&str]) {
        let mut new = new_operator(id, provinces, municipalities);
        new.roles = roles.to_vec();
        self.add(new).await;
    }

    /// Makes `new` an operator of this test's database, as [`TestDb::add_operator`] does.
    pub async fn add(&self, new: sportello::operators::NewOperator) {
        let _lock = RoleLock::take().await;
        create_login(&new.id).await;
        let admin = Session::open(self.login("admin").await, None, "test").await.unwrap().with_key(self.key());
        sportello::operators::add(&admin, new).await.unwrap();
    }

    /// Gives `login` the test password, as the DBA does for a login `operator add` created.
    pub async fn set_password(&self, login: &str) {
        let _lock = RoleLock::take().await;
        let client = store::connect(&server().admin).await.unwrap();
        client.batch_execute(&format!("ALTER ROLE \"{login}\" PASSWORD '{PASSWORD}'")).await.unwrap();
    }

    /// Adds an operator with `roles` and returns a session as its login.
    pub async fn operator_with(
        &self,
        id: &str,
        roles: &[Role],
        provinces: &[&str],
        municipalities: &[&str],
    ) -> Session {
        self.add_operator(id, roles, provinces, municipalities).await;
        Session::open(self.login(id).await, None, "test").await.unwrap().with_key(self.key())
    }

    /// The key of this test (the keyed hashes of codes and of the audit log's pseudonyms).
    pub fn key(&self) -> sportello::secrets::SecretKey {
        sportello::secrets::SecretKey::load(&self.files.path().join("secret.key"), false).unwrap()
    }

    /// A connection string for the binary, as the owner (superuser).
    pub fn url(&self) -> String {
        let host = match &self.config.get_hosts()[0] {
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
            tokio_postgres::config::Host::Tcp(h) => h.clone(),
        };
        let mut url = format!(
            "host={host} port={} user={} dbname={}",
            self.config.get_ports().first().copied().unwrap_or(5432),
            self.config.get_user().unwrap_or("postgres"),
            self.name
        );
        if let Some(pw) = self.config.get_password() {
            url.push_str(&format!(" password={}", String::from_utf8_lossy(pw)));
        }
        url
    }

    /// A connection string for the binary, as the operator `login`.
    pub fn url_as(&self, login: &str) -> String {
        let host = match &self.config.get_hosts()[0] {
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
            tokio_postgres::config::Host::Tcp(h) => h.clone(),
        };
        format!(
            "host={host} port={} user={login} password={PASSWORD} dbname={}",
            self.config.get_ports().first().copied().unwrap_or(5432),
            self.name
        )
    }

    /// A connection as the owner (to arrange states no command can reach yet, and to inspect).
    pub async fn owner(&self) -> tokio_postgres::Client {
        store::connect(&self.config).await.unwrap()
    }

    /// Adds an operator with the desk, helpdesk, batch and auditor roles (added by `admin`,
    /// competence TO) and returns a session as its login.
    pub async fn operator(&self, id: &str, provinces: &[&str], municipalities: &[&str]) -> Session {
        self.operator_with(id, WORKER, provinces, municipalities).await
    }

    /// The desk tools of this test: its key, its outbox (or SMTP server), its letters.
    pub fn desk(&self) -> sportello::desk::handover::Desk {
        sportello::desk::handover::Desk::open(&self.desk_settings()).unwrap()
    }

    /// The settings of [`Self::desk`].
    pub fn desk_settings(&self) -> sportello::config::DeskSettings {
        sportello::config::DeskSettings {
            key_file: self.files.path().join("secret.key"),
            create_key: false,
            mail: sportello::mail::MailSettings {
                smtp_url: self.smtp_url.clone(),
                spool_dir: self.outbox(),
                from: "Sistema Piemonte <noreply@sistemapiemonte.it>".into(),
            },
            letters_dir: self.files.path().join("letters"),
            code_validity_days: 30,
            max_attempts: 5,
            office: Default::default(),
        }
    }

    pub fn outbox(&self) -> PathBuf {
        self.files.path().join("outbox")
    }

    /// The messages in the outbox, oldest first (the spool names them by when they were written).
    pub fn spooled(&self) -> Vec<String> {
        let mut files: Vec<_> =
            std::fs::read_dir(self.outbox()).map(|d| d.map(|e| e.unwrap().path()).collect()).unwrap_or_default();
        files.sort();
        files.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect()
    }

    /// The bootstrap operator, competent for Piedmont, with every role.
    pub async fn admin(&self) -> Session {
        Session::open(self.login("admin").await, None, "test").await.unwrap().with_key(self.key())
    }

    /// Runs the binary on this database as the login `operator` (None: the owner's login).
    pub fn cli(&self, operator: Option<&str>, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sportello"));
        cmd.args(args);
        self.cli_env(&mut cmd, operator);
        cmd.output().unwrap()
    }

    /// The binary on this database as `operator`, ready to be given its own stdio or directory.
    pub fn command(&self, operator: Option<&str>, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sportello"));
        cmd.args(args);
        self.cli_env(&mut cmd, operator);
        cmd
    }

    /// Runs the binary as `cli` does, with `input` on its standard input (a pipe, not a
    /// terminal): how the citizen commands get their secrets in a script.
    pub fn cli_fed(&self, operator: Option<&str>, args: &[&str], input: &str) -> Output {
        use std::io::Write;
        let mut cmd = self.command(operator, args);
        cmd.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }

    /// Runs the binary as `cli` does, but on a pseudo-terminal (util-linux `script`) that is
    /// fed `typed`, as an operator typing at the prompts.
    pub fn cli_on_terminal(&self, operator: Option<&str>, args: &[&str], typed: &str) -> Output {
        use std::io::Write;
        let quote = |a: &str| format!("'{}'", a.replace('\'', r"'\''"));
        let line = std::iter::once(env!("CARGO_BIN_EXE_sportello")).chain(args.iter().copied()).map(quote);
        let mut cmd = Command::new("script");
        cmd.args(["-qec", &line.collect::<Vec<_>>().join(" "), "/dev/null"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        self.cli_env(&mut cmd, operator);
        let mut child = cmd.spawn().expect("util-linux `script`");
        child.stdin.take().unwrap().write_all(typed.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }

    pub fn cli_env(&self, cmd: &mut Command, operator: Option<&str>) {
        let url = match operator {
            Some(login) => self.url_as(login),
            None => self.url(),
        };
        english(cmd);
        cmd.env("SPORTELLO_DATABASE_URL", url)
            .env("SPORTELLO_CONFIG", "")
            .env_remove("SPORTELLO_OPERATOR")
            .env("SPORTELLO_HOME", self.files.path())
            .env("SPORTELLO_KEY_FILE", self.files.path().join("secret.key"));
        match &self.smtp_url {
            Some(url) => cmd.env("SPORTELLO_SMTP_URL", url),
            None => cmd.env_remove("SPORTELLO_SMTP_URL"),
        };
    }
}

/// The binary in English whatever the machine's locale (LC_ALL and LC_MESSAGES unset, LANG=C):
/// a test that wants Italian sets LANG (or LC_ALL) after this.
pub fn english(cmd: &mut Command) -> &mut Command {
    cmd.env_remove("LC_ALL").env_remove("LC_MESSAGES").env("LANG", "C")
}

/// The binary, in English whatever the machine's locale.
pub fn sportello() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sportello"));
    english(&mut cmd);
    cmd
}

/// Serialises changes to the cluster-wide roles among the tests of this run (two tests
/// granting the same role to the same shared login at once would collide in the catalog): an
/// advisory lock of the maintenance database, held by a connection of the superuser (closing
/// it, when dropped, releases the lock).
pub struct RoleLock(#[allow(dead_code)] tokio_postgres::Client);

impl RoleLock {
    pub async fn take() -> RoleLock {
        let client = store::connect(&server().admin).await.unwrap();
        client.execute("SELECT pg_advisory_lock(72010003)", &[]).await.unwrap();
        RoleLock(client)
    }
}

/// Creates the LOGIN role `id` with the test password, unless it exists (under [`RoleLock`]).
pub async fn create_login(id: &str) {
    let client = store::connect(&server().admin).await.unwrap();
    let exists = client.query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&id]).await.unwrap().is_some();
    if !exists {
        client.batch_execute(&format!("CREATE ROLE \"{id}\" LOGIN PASSWORD '{PASSWORD}'")).await.unwrap();
    }
}

/// stdout, stderr and exit code of a run, for assertions with context.
pub fn text(out: &Output) -> (String, String, i32) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

pub fn new_operator(id: &str, provinces: &[&str], municipalities: &[&str]) -> sportello::operators::NewOperator {
    sportello::operators::NewOperator {
        id: id.into(),
        full_name: format!("Operatore {id}"),
        ente: "ASL TO4".into(),
        fse: false,
        provinces: provinces.iter().map(|p| p.to_string()).collect(),
        municipalities: municipalities.iter().map(|m| m.to_string()).collect(),
        roles: vec![],
    }
}

/// A real SMTP server on loopback (aiosmtpd), storing what it receives in a Maildir.
pub struct SmtpServer {
    child: std::process::Child,
    pub url: String,
    pub maildir: tempfile::TempDir,
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let maildir = tempfile::tempdir().unwrap();
        let mut child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path().join("Maildir"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3 with aiosmtpd (pip install aiosmtpd) for the SMTP tests");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return SmtpServer { child, url: format!("smtp://127.0.0.1:{port}"), maildir };
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the SMTP server did not start (is aiosmtpd installed? pip install aiosmtpd)");
    }

    /// Raw messages received.
    pub fn received(&self) -> Vec<String> {
        let new = self.maildir.path().join("Maildir/new");
        std::fs::read_dir(new)
            .map(|d| d.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap()).collect())
            .unwrap_or_default()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw connection as `login`: what a modified client (or psql) with that login can do.
pub async fn raw(db: &TestDb, login: &str) -> tokio_postgres::Client {
    store::connect(&db.login_config(login)).await.unwrap()
}

/// The statement is refused by the database for lack of privilege; returns its message. Since
/// logins may use no schema but `api` (sql/V30), a table or function named without its schema is
/// not even found (42P01, 42883: PostgreSQL skips the schemas a login may not use); named with
/// it, it is refused (42501). Either way nothing ran.
pub async fn denied(c: &tokio_postgres::Client, sql: &str) -> String {
    use tokio_postgres::error::SqlState;
    let e = c.batch_execute(sql).await.expect_err(sql);
    let refused = [SqlState::INSUFFICIENT_PRIVILEGE, SqlState::UNDEFINED_TABLE, SqlState::UNDEFINED_FUNCTION];
    assert!(e.code().is_some_and(|c| refused.contains(c)), "{sql}: {e:?}");
    e.as_db_error().map(|d| d.message().to_string()).unwrap_or_default()
}
