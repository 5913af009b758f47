//! The keeper of warm connections (src/store/warm.rs): on the embedded default, a command's
//! connection after the first is lent by a keeper of the OS user's own, reset between commands
//! and closed when a command leaves it inside a transaction; no other OS user gets one, whatever
//! the mode of its directory, and it serves only its login and database.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use sportello::store::embedded::{Cluster, DATABASE, os_user};

use crate::harness::text;

/// The binary on `home`, its keeper waiting `keep_warm` seconds, its socket under `home/run`
/// (XDG_RUNTIME_DIR), which no other test shares.
fn command(home: &Path, keep_warm: &str) -> Command {
    let run = home.join("run");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::set_permissions(&run, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let mut cmd = crate::embedded::on_home(home);
    cmd.env("SPORTELLO_KEEP_WARM", keep_warm).env("XDG_RUNTIME_DIR", &run);
    cmd
}

fn sportello(home: &Path, args: &[&str]) -> (String, String, i32) {
    text(&command(home, "120").args(args).output().unwrap())
}

/// `cmd` run by `flock`, holding the lock `lock` (a cron job's way), with the same environment.
fn holding(lock: &Path, cmd: &mut Command) -> (String, String, i32) {
    let mut flock = Command::new("flock");
    flock.arg(lock).arg(cmd.get_program()).args(cmd.get_args());
    for (name, value) in cmd.get_envs() {
        match value {
            Some(v) => flock.env(name, v),
            None => flock.env_remove(name),
        };
    }
    text(&flock.output().unwrap())
}

/// The directory of the keeper of `home`'s commands: the one under its runtime directory.
fn keeper_dir(home: &Path) -> Option<PathBuf> {
    std::fs::read_dir(home.join("run/sportello")).ok()?.flatten().map(|e| e.path()).next()
}

/// A cluster under a new home, its owner (this OS user) the first administrator, and the
/// directory of the keeper its first search started, listening.
fn warm_home() -> (tempfile::TempDir, Cluster, PathBuf) {
    let home = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let h = home.path();
    let (_, stderr, code) = sportello(
        h,
        &["operator", "bootstrap", "--name", "Maria Rossi", "--ente", "CSI", "--province", "TO", "--role", "desk"],
    );
    assert_eq!(code, 0, "{stderr}");
    let (_, stderr, code) = sportello(h, &["search", "--last-name", "rossi"]);
    assert_eq!(code, 0, "{stderr}");
    let cluster = Cluster::new(h).unwrap();
    let started = Instant::now();
    let dir = loop {
        if let Some(dir) = keeper_dir(h).filter(|d| d.join(SOCKET).exists()) {
            break dir;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no keeper listens under {}", h.display());
        std::thread::sleep(Duration::from_millis(50));
    };
    (home, cluster, dir)
}

const SOCKET: &str = ".s.PGSQL.5432";

/// The backends of this OS user's login on the cluster's database, as the owner sees them.
async fn my_backends(cluster: &Cluster) -> Vec<i32> {
    let owner = sportello::store::connect(&cluster.config(DATABASE)).await.unwrap();
    owner
        .query(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND usename = $2 ORDER BY pid",
            &[&DATABASE, &os_user().unwrap()],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

async fn through(keeper: &Path) -> tokio_postgres::Client {
    let mut config = tokio_postgres::Config::new();
    config.host_path(keeper).port(5432).user(os_user().unwrap()).dbname(DATABASE);
    let (client, connection) = config.connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// Speaks the protocol by hand through the keeper: startup, then Parse, Bind and Execute of
/// `sql` without a Sync, then Terminate.
async fn unsynced_then_gone(keeper: &Path, sql: &str) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let message = |kind: u8, body: &[u8]| {
        let mut m = vec![kind];
        m.extend(((body.len() + 4) as i32).to_be_bytes());
        m.extend(body);
        m
    };
    let mut s = tokio::net::UnixStream::connect(keeper.join(SOCKET)).await.unwrap();
    let mut startup = 196608i32.to_be_bytes().to_vec();
    startup.extend(format!("user\0{}\0database\0{DATABASE}\0\0", os_user().unwrap()).as_bytes());
    let mut packet = ((startup.len() + 4) as i32).to_be_bytes().to_vec();
    packet.extend(startup);
    s.write_all(&packet).await.unwrap();
    // Up to ReadyForQuery: kind, length, body.
    loop {
        let kind = s.read_u8().await.unwrap();
        let len = s.read_i32().await.unwrap();
        let mut body = vec![0u8; len as usize - 4];
        s.read_exact(&mut body).await.unwrap();
        if kind == b'Z' {
            break;
        }
    }
    let mut parse = vec![0u8];
    parse.extend(sql.as_bytes());
    parse.extend([0, 0, 0]);
    let mut out = message(b'P', &parse);
    out.extend(message(b'B', &[0, 0, 0, 0, 0, 0, 0, 0]));
    out.extend(message(b'E', &[0, 0, 0, 0, 0]));
    out.extend(message(b'X', &[]));
    s.write_all(&out).await.unwrap();
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut rest)).await;
}

/// Waits until the keeper has taken back what a client left (the reset runs after the client
/// went): one backend of ours, idle.
async fn settled(cluster: &Cluster) -> i32 {
    let owner = sportello::store::connect(&cluster.config(DATABASE)).await.unwrap();
    let started = Instant::now();
    loop {
        let rows = owner
            .query(
                "SELECT pid, state, query FROM pg_stat_activity WHERE datname = $1 AND usename = $2",
                &[&DATABASE, &os_user().unwrap()],
            )
            .await
            .unwrap();
        if let [r] = &rows[..]
            && r.get::<_, Option<&str>>(1) == Some("idle")
            && r.get::<_, Option<&str>>(2) == Some("DISCARD ALL")
        {
            return r.get(0);
        }
        assert!(started.elapsed() < Duration::from_secs(10), "not settled: {rows:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_after_the_first_share_one_warm_connection_reset_between_them() {
    let (home, cluster, keeper) = warm_home();
    let h = home.path();
    // The first command connected by itself and started the keeper: the second is its first.
    let (stdout, stderr, code) = sportello(h, &["search", "--last-name", "rossi"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let pid = settled(&cluster).await;
    // Each command after the reset of the one before: one arriving while that reset still runs
    // (a loaded machine starts the next process sooner than the reset ends) is lent a second
    // connection, which the keeper then keeps too.
    for _ in 0..3 {
        let (stdout, stderr, code) = sportello(h, &["search", "--last-name", "rossi"]);
        assert_eq!(code, 0, "{stdout}{stderr}");
        assert_eq!(settled(&cluster).await, pid, "the same backend lent to each command");
    }
    let (stdout, stderr, code) = sportello(h, &["operator", "whoami"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(settled(&cluster).await, pid, "the same backend lent to each command");
    assert_eq!(my_backends(&cluster).await, vec![pid]);

    // What a command leaves in its session (a setting, a prepared statement, an advisory lock)
    // is gone for the next one, on the same backend.
    let c = through(&keeper).await;
    let row =
        c.query_one("SELECT pg_backend_pid(), set_config('sportello.origin', 'planted', false)", &[]).await.unwrap();
    assert_eq!(row.get::<_, i32>(0), pid);
    c.batch_execute("PREPARE left_behind AS SELECT 1").await.unwrap();
    drop(c);
    assert_eq!(settled(&cluster).await, pid);
    let c = through(&keeper).await;
    let row = c
        .query_one(
            "SELECT pg_backend_pid(), coalesce(current_setting('sportello.origin', true), ''),
                    (SELECT count(*) FROM pg_prepared_statements WHERE name = 'left_behind')",
            &[],
        )
        .await
        .unwrap();
    assert_eq!((row.get::<_, i32>(0), row.get::<_, &str>(1), row.get::<_, i64>(2)), (pid, "", 0));
    drop(c);
    settled(&cluster).await;

    // Large messages both ways at once (a result the server writes while the next request is
    // still coming in, pipelined) pass as they would straight to the server: each way on its own.
    let c = through(&keeper).await;
    let big = "x".repeat(20_000_000);
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&big];
    let both = async {
        tokio::join!(
            c.query_one("SELECT length(repeat('y', 20000000))::int, repeat('y', 20000000)", &[]),
            c.query_one("SELECT length($1::text)::int", &params),
        )
    };
    let (result, sent) = tokio::time::timeout(Duration::from_secs(120), both).await.expect("no deadlock");
    assert_eq!(result.unwrap().get::<_, i32>(0), 20_000_000);
    assert_eq!(sent.unwrap().get::<_, i32>(0), 20_000_000);
    drop(c);
    assert_eq!(settled(&cluster).await, pid);

    // A command that ends inside a transaction takes its backend with it: what it wrote is
    // rolled back, and the next command gets another backend.
    let c = through(&keeper).await;
    c.batch_execute("BEGIN; SELECT api.record('command', 'input:left-open', '{}', NULL, 'ok')").await.unwrap();
    drop(c);
    let started = Instant::now();
    while !my_backends(&cluster).await.is_empty() {
        assert!(started.elapsed() < Duration::from_secs(10), "the backend left in a transaction goes");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let c = through(&keeper).await;
    let next: i32 = c.query_one("SELECT pg_backend_pid()", &[]).await.unwrap().get(0);
    assert_ne!(next, pid, "a backend left in a transaction is not lent again");
    drop(c);
    let owner = sportello::store::connect(&cluster.config(DATABASE)).await.unwrap();
    let kept: i64 =
        owner.query_one("SELECT count(*) FROM audit_log WHERE target = 'input:left-open'", &[]).await.unwrap().get(0);
    assert_eq!(kept, 0, "the open transaction was rolled back");

    // A command that leaves with a request the server has not finished (extended protocol,
    // no Sync) takes its backend with it too: what it ran is not committed.
    // (Its startup is not tokio-postgres's: it gets a backend of its own, not the one kept.)
    let before = my_backends(&cluster).await;
    unsynced_then_gone(&keeper, "SELECT api.record('command', 'input:unsynced', '{}', NULL, 'ok')").await;
    let started = Instant::now();
    while my_backends(&cluster).await != before {
        assert!(started.elapsed() < Duration::from_secs(10), "the backend left unsynced goes");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let kept: i64 =
        owner.query_one("SELECT count(*) FROM audit_log WHERE target = 'input:unsynced'", &[]).await.unwrap().get(0);
    assert_eq!(kept, 0, "an unsynced request is not committed");

    // The cluster stopped and started again: the keeper's backend is gone, and the next command
    // works all the same.
    let (_, stderr, code) = sportello(h, &["db", "stop"]);
    assert_eq!(code, 0, "{stderr}");
    let (_, stderr, code) = sportello(h, &["search", "--last-name", "rossi"]);
    assert_ne!(code, 0, "stopped on purpose: {stderr}");
    let (_, stderr, code) = sportello(h, &["db", "start"]);
    assert_eq!(code, 0, "{stderr}");
    for _ in 0..2 {
        let (stdout, stderr, code) = sportello(h, &["search", "--last-name", "rossi"]);
        assert_eq!(code, 0, "{stdout}{stderr}");
    }
    let (_, stderr, code) = sportello(h, &["db", "stop"]);
    assert_eq!(code, 0, "{stderr}");
}

/// Another OS user reaches no keeper but its own: the directory is its owner's alone, and when
/// it is opened by mistake the keeper still answers nobody but processes of its own user. Its
/// own user gets only the login and database it keeps.
#[test]
fn no_other_os_user_and_no_other_login_is_lent_a_connection() {
    use std::os::unix::fs::PermissionsExt;
    let (home, cluster, keeper) = warm_home();
    let other = "sportello-warm-x";
    crate::embedded::os_user(other);
    let psql = sportello::store::embedded::find_psql().expect("psql of the server binaries");
    let me = os_user().unwrap();
    let as_other = || {
        let out = Command::new("runuser")
            .args(["-u", other, "--"])
            .arg(&psql)
            .args(["-X", "-At", "-p", "5432", "-d", DATABASE, "-U", &me, "-c", "SELECT 'lent'", "-h"])
            .arg(&keeper)
            .current_dir("/")
            .output()
            .unwrap();
        text(&out)
    };
    let (stdout, stderr, code) = as_other();
    assert!(code != 0 && !stdout.contains("lent"), "{stdout}{stderr}");
    assert!(stderr.contains("Permission denied") || stderr.contains("No such file"), "{stderr}");

    // The directories and the socket opened to everyone: still nothing.
    let mut dir = keeper.clone();
    while dir != home.path() {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        dir.pop();
    }
    std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(keeper.join(SOCKET), std::fs::Permissions::from_mode(0o777)).unwrap();
    let (stdout, stderr, code) = as_other();
    assert!(code != 0 && !stdout.contains("lent"), "{stdout}{stderr}");
    // ... and this user's commands no longer trust that directory: they connect by themselves
    // (and the keeper they start listens elsewhere).
    let (_, stderr, code) = sportello(home.path(), &["search", "--last-name", "rossi"]);
    assert_eq!(code, 0, "{stderr}");

    // This user, as another login (the superuser) or to another database: refused by the keeper.
    for (login, db) in [(cluster.superuser(), DATABASE.to_string()), (me.clone(), "postgres".to_string())] {
        let out = Command::new(&psql)
            .args(["-X", "-At", "-p", "5432", "-d", &db, "-U", &login, "-c", "SELECT 'lent'", "-h"])
            .arg(&keeper)
            .output()
            .unwrap();
        let (stdout, stderr, code) = text(&out);
        assert!(code != 0 && stderr.contains("this keeper serves the login"), "{login} {db}: {stdout}{stderr}");
    }
    let (_, stderr, code) = sportello(home.path(), &["db", "stop"]);
    assert_eq!(code, 0, "{stderr}");
}

/// A keeper leaves when no command came for its idle time, and removes its socket. It is not
/// held by the files of the command that started it (a lock a cron job took with `flock`).
#[test]
fn an_idle_keeper_leaves() {
    let home = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let h = home.path();
    let (_, stderr, code) = sportello(h, &["db", "start"]);
    assert_eq!(code, 0, "{stderr}");
    let lock = h.join("job.lock");
    let (_, stderr, code) = holding(&lock, command(h, "2").args(["db", "keep-warm"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(keeper_dir(h).is_none(), "the socket and its directory are removed");

    // Started by a command holding a lock, the keeper lets the lock go with the command.
    let (_, stderr, code) = sportello(
        h,
        &["operator", "bootstrap", "--name", "Maria Rossi", "--ente", "CSI", "--province", "TO", "--role", "desk"],
    );
    assert_eq!(code, 0, "{stderr}");
    let (_, stderr, code) = holding(&lock, command(h, "120").args(["search", "--last-name", "rossi"]));
    assert_eq!(code, 0, "{stderr}");
    let started = Instant::now();
    while keeper_dir(h).is_none_or(|d| !d.join(SOCKET).exists()) {
        assert!(started.elapsed() < Duration::from_secs(20), "no keeper");
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = Command::new("flock").args(["-n"]).arg(&lock).arg("true").output().unwrap();
    assert!(out.status.success(), "the lock is free while the keeper runs: {out:?}");
    let (_, stderr, code) = sportello(h, &["db", "stop"]);
    assert_eq!(code, 0, "{stderr}");
}
