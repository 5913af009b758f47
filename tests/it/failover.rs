//! The high-availability drill: a primary and a streaming standby on loopback (initdb, then
//! pg_basebackup -R; as the `postgres` OS user when we are root, as the embedded cluster does),
//! commits synchronous with the standby. The desks use one multi-host URL with
//! `target_session_attrs=read-write`. Mid-day the primary is stopped (immediate: a crash), the
//! standby promoted; the next commands go through the same URL, every registration committed
//! before is there, and the audit chain verifies across the failover.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::fixtures::{cf, date};
use crate::harness::text;

const ADMIN: &str = "ha_admin";
const DESK: &str = "ha_desk";
const SERVER_USER: &str = "postgres";

fn is_root() -> bool {
    uzers::get_effective_uid() == 0
}

fn bin_dir() -> PathBuf {
    sportello::store::embedded::Cluster::new(Path::new(env!("CARGO_TARGET_TMPDIR")))
        .unwrap()
        .bin_dir()
        .expect("the PostgreSQL server binaries")
}

/// A server tool, as the server user when we are root; panics with its output on failure.
fn tool(name: &str, args: &[&OsStr]) {
    let bin = bin_dir().join(name);
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", SERVER_USER, "--"]).arg(&bin);
        c
    } else {
        Command::new(&bin)
    };
    let out = cmd.args(args).current_dir("/").output().unwrap();
    assert!(out.status.success(), "{name} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn give(path: &Path) {
    if is_root() {
        let out = Command::new("chown").args(["-R", "postgres:postgres"]).arg(path).output().unwrap();
        assert!(out.status.success());
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Node {
    data: PathBuf,
    port: u16,
}

impl Node {
    fn pg_ctl(&self, args: &[&str]) {
        let mut all: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        all.extend([OsStr::new("-D"), self.data.as_os_str()]);
        tool("pg_ctl", &all);
    }

    fn start(&self) {
        let log = self.data.with_extension("log");
        let log = log.to_str().unwrap();
        self.pg_ctl(&["start", "-w", "-t", "60", "-l", log]);
    }

    fn append_conf(&self, text: &str) {
        let path = self.data.join("postgresql.conf");
        let mut conf = fs::read_to_string(&path).unwrap();
        conf.push_str(text);
        fs::write(&path, conf).unwrap();
    }

    async fn sql(&self, db: &str, sql: &str) -> Vec<tokio_postgres::Row> {
        let mut c = tokio_postgres::Config::new();
        c.host("127.0.0.1").port(self.port).user(ADMIN).dbname(db);
        let (client, conn) = c.connect(tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        client.query(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e:?}"))
    }
}

/// Stops both servers however the test ends.
struct Cleanup(Vec<PathBuf>, PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for data in &self.0 {
            if data.join("postmaster.pid").exists() {
                let bin = bin_dir().join("pg_ctl");
                let mut cmd = if is_root() {
                    let mut c = Command::new("runuser");
                    c.args(["-u", SERVER_USER, "--"]).arg(&bin);
                    c
                } else {
                    Command::new(&bin)
                };
                let _ = cmd.args(["stop", "-m", "immediate", "-D"]).arg(data).output();
            }
        }
        let _ = fs::remove_dir_all(&self.1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_desks_carry_on_through_a_failover() {
    let started = Instant::now();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("ha-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let primary = Node { data: dir.join("primary"), port: free_port() };
    let standby = Node { data: dir.join("standby"), port: free_port() };
    let _cleanup = Cleanup(vec![primary.data.clone(), standby.data.clone()], dir.clone());
    give(&dir);
    fs::create_dir_all(&primary.data).unwrap();
    give(&primary.data);
    let primary_data = primary.data.to_str().unwrap().to_string();
    tool(
        "initdb",
        &[
            OsStr::new("-D"),
            OsStr::new(&primary_data),
            OsStr::new("-U"),
            OsStr::new(ADMIN),
            OsStr::new("--auth=trust"),
            OsStr::new("--encoding=UTF8"),
            OsStr::new("--locale=C.UTF-8"),
        ],
    );
    fs::write(
        primary.data.join("pg_hba.conf"),
        "local all all trust\nhost all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n",
    )
    .unwrap();
    primary.append_conf(&format!(
        "\nlisten_addresses = '127.0.0.1'\nport = {}\nunix_socket_directories = '{}'\n\
         fsync = off\nsynchronous_commit = on\n",
        primary.port,
        dir.display()
    ));
    give(&primary.data);
    primary.start();
    primary.sql("postgres", "CREATE DATABASE sportello").await;
    primary.sql("postgres", &format!("CREATE ROLE {DESK} LOGIN")).await;
    let owner = format!("host=127.0.0.1 port={} user={ADMIN} dbname=sportello sslmode=disable", primary.port);
    let owner = sportello::store::ConnectConfig::parse_with_env(&owner, |_| None).unwrap();
    sportello::store::migrate(&owner).await.unwrap();
    let mut desk = crate::harness::new_operator(DESK, &["TO"], &[]);
    desk.roles = vec![sportello::domain::Role::Desk, sportello::domain::Role::Auditor];
    sportello::operators::bootstrap(&owner, desk).await.unwrap();

    let standby_data = standby.data.to_str().unwrap().to_string();
    let primary_port = primary.port.to_string();
    tool(
        "pg_basebackup",
        &[
            OsStr::new("-h"),
            OsStr::new("127.0.0.1"),
            OsStr::new("-p"),
            OsStr::new(&primary_port),
            OsStr::new("-U"),
            OsStr::new(ADMIN),
            OsStr::new("-D"),
            OsStr::new(&standby_data),
            OsStr::new("-R"),
            OsStr::new("-X"),
            OsStr::new("stream"),
            // An immediate checkpoint: the default spreads it over minutes.
            OsStr::new("-c"),
            OsStr::new("fast"),
        ],
    );
    // The walreceiver names itself by cluster_name: the name synchronous_standby_names waits for.
    // Once promoted it has no standby of its own: it must not wait for one.
    standby.append_conf(&format!(
        "\nport = {}\ncluster_name = 'standby1'\nsynchronous_standby_names = ''\n",
        standby.port
    ));
    give(&standby.data);
    standby.start();
    // Commits wait for the standby's flush from now on: none acknowledged is lost with the
    // primary (set only now: without its standby, the primary's commits would wait for ever).
    primary.sql("postgres", "ALTER SYSTEM SET synchronous_standby_names = 'standby1'").await;
    primary.sql("postgres", "SELECT pg_reload_conf()").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let rows = primary.sql("postgres", "SELECT sync_state FROM pg_stat_replication").await;
        if rows.iter().any(|r| r.get::<_, String>(0) == "sync") {
            break;
        }
        assert!(Instant::now() < deadline, "the standby never became synchronous");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The desks' one URL: both servers, the writable one chosen.
    let url = format!(
        "postgres://{DESK}@127.0.0.1:{},127.0.0.1:{}/sportello?target_session_attrs=read-write&sslmode=disable",
        primary.port, standby.port
    );
    let files = tempfile::tempdir().unwrap();
    let sportello = |args: &[&str]| {
        let mut cmd = crate::harness::sportello();
        cmd.args(args)
            .env("SPORTELLO_DATABASE_URL", &url)
            .env("SPORTELLO_CONFIG", "")
            .env("SPORTELLO_HOME", files.path())
            .env("SPORTELLO_KEY_FILE", files.path().join("secret.key"))
            .env_remove("SPORTELLO_SMTP_URL");
        text(&cmd.output().unwrap())
    };
    sportello::secrets::SecretKey::load(&files.path().join("secret.key"), true).unwrap();
    let register = |day: u32| {
        let birth = format!("1985-12-{day:02}");
        let code = cf("RSSMRA", date(&birth), 'M', "L219");
        let mut args = crate::cli::register_args(&code, &["--no-prompt"]);
        let at = args.iter().position(|a| *a == "--birth-date").unwrap();
        let birth: &'static str = Box::leak(birth.into_boxed_str());
        args[at + 1] = birth;
        let (stdout, stderr, code_) = sportello(&args);
        assert_eq!(code_, 0, "register {code}: {stderr}{stdout}");
        code
    };
    let mut registered = Vec::new();
    for day in 1..=3 {
        registered.push(register(day));
    }
    // Mid-day, the primary crashes; the standby is promoted.
    primary.pg_ctl(&["stop", "-m", "immediate"]);
    standby.pg_ctl(&["promote", "-w"]);
    for day in 4..=5 {
        registered.push(register(day));
    }
    for code in &registered {
        let (stdout, stderr, status) = sportello(&["search", "--cf", code, "--format", "csv"]);
        assert_eq!(status, 0, "{stderr}");
        assert!(stdout.contains(code.as_str()), "{code} lost in the failover: {stdout}");
    }
    let (stdout, stderr, status) = sportello(&["audit", "verify"]);
    assert_eq!(status, 0, "audit verify after the failover: {stdout}{stderr}");
    let rows = standby.sql("sportello", "SELECT count(*) FROM registrations").await;
    assert_eq!(rows[0].get::<_, i64>(0), registered.len() as i64);
    // About 10 s on an idle machine; not asserted (a loaded machine would make it flaky).
    eprintln!("failover drill: {:.1} s", started.elapsed().as_secs_f64());
}
