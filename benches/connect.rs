#![allow(clippy::unwrap_used)]
//! The cost of TLS when connecting to a PostgreSQL server: the time to open connections with
//! `sslmode=verify-full` and a client certificate (pg_hba `cert`) beside clear text
//! (`sslmode=disable`, pg_hba `trust`) to the same server in the same run. Figures are printed,
//! never asserted.
//!
//!   cargo bench --bench connect
//!
//! BENCH_CONNECTIONS (300): connections opened one after the other for each way, each running
//! `SELECT 1` and closed. The server is started for the run (tests/it/tls_server.rs: 127.0.0.1,
//! ssl=on, its own CA) and stopped at the end.
//!
//! Then a whole desk command beside `psql -c 'SELECT 1'`, both as processes, alternated, in the
//! same run (BENCH_COMMANDS, 40 of each): p50 of `sportello search` on the embedded default's
//! unix socket (target: 1.5x psql or less), as installed (the keeper of warm connections lends
//! each command its connection) and, for comparison, without the keeper; and over TLS with a
//! client certificate through a link that holds every segment 10 ms each way (target: 2x psql
//! or less over the same link). The link is a small TCP relay on loopback made here (no netem in
//! this kernel): each chunk read from one side is written to the other 10 ms after it arrived,
//! in order, without holding back the chunks behind it.

#[path = "../tests/it/tls_server.rs"]
mod tls_server;

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use sportello::store::ConnectConfig;
use tls_server::{SUPERUSER, TlsServer};

const CLEAR_USER: &str = "bench_clear";

async fn one(config: &ConnectConfig) {
    let client = config.connect().await.unwrap();
    client.simple_query("SELECT 1").await.unwrap();
}

async fn timed<F: std::future::Future<Output = ()>>(n: usize, mut f: impl FnMut() -> F) -> Duration {
    for _ in 0..5 {
        f().await;
    }
    let start = Instant::now();
    for _ in 0..n {
        f().await;
    }
    start.elapsed()
}

fn main() {
    let n: usize = std::env::var("BENCH_CONNECTIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
    let started = Instant::now();
    // Clear text only for one role, so that the TLS role's line is the same as in the tests.
    let server = TlsServer::start(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")),
        &[&format!("hostnossl all {CLEAR_USER} 127.0.0.1/32 trust")],
    );
    server.stop_when_this_process_ends();
    println!("TLS test server on 127.0.0.1:{} started in {:.1} s", server.port, started.elapsed().as_secs_f64());
    // Multi-threaded: the slow link relays while the main thread waits for the processes.
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        server.admin_sql("postgres", &format!("CREATE ROLE {CLEAR_USER} LOGIN")).await;
        let none = |_: &str| None;
        let clear = ConnectConfig::parse_with_env(
            &format!("{} sslmode=disable", server.tcp_url("127.0.0.1", CLEAR_USER, "postgres")),
            none,
        )
        .unwrap();
        let tls = ConnectConfig::parse_with_env(&server.tls_url(SUPERUSER, "postgres"), none).unwrap();

        let clear_time = timed(n, || one(&clear)).await;
        // As store::connect does: the certificates read and the rustls configuration built each time.
        let tls_time = timed(n, || one(&tls)).await;
        // As the pool does: the connector built once.
        let plan = tls.plan().unwrap();
        let connector = tls.connector(&plan).unwrap();
        let pg = tls.pg_config(&plan);
        let pooled_time = timed(n, || {
            let (pg, connector) = (pg.clone(), connector.clone());
            async move {
                let (client, connection) = pg.connect(connector).await.unwrap();
                tokio::spawn(connection);
                client.simple_query("SELECT 1").await.unwrap();
            }
        })
        .await;

        let per = |d: Duration| d.as_secs_f64() * 1000.0 / n as f64;
        println!("\nopening a connection and running SELECT 1, {n} times each, one after the other");
        println!("  clear text (sslmode=disable, trust)            {:>7.2} ms/connection", per(clear_time));
        println!(
            "  verify-full + client certificate (cert)        {:>7.2} ms/connection  (+{:.2} ms, {:.2}x)",
            per(tls_time),
            per(tls_time) - per(clear_time),
            per(tls_time) / per(clear_time)
        );
        println!(
            "  the same, connector built once (the pool)      {:>7.2} ms/connection  (+{:.2} ms, {:.2}x)",
            per(pooled_time),
            per(pooled_time) - per(clear_time),
            per(pooled_time) / per(clear_time)
        );
    });
    let commands: usize = std::env::var("BENCH_COMMANDS").ok().and_then(|v| v.parse().ok()).unwrap_or(40);
    let socket = rt.block_on(embedded_socket(commands));
    let tls = rt.block_on(over_a_slow_link(&server, commands));
    println!(
        "\nsummary: socket {:.2}x psql (target <= 1.5x), TLS + 10 ms link {:.2}x psql (target <= 2x)",
        socket, tls
    );
    drop(rt);
    server.stop();
}

fn sportello() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sportello"));
    // Nothing from the machine's files or environment but what is set here.
    c.env("SPORTELLO_CONFIG", "").env_remove("SPORTELLO_DATABASE_URL").env("LANG", "C");
    for (_, var) in sportello::store::libpq::ENVIRONMENT {
        c.env_remove(var);
    }
    c.env_remove("PGSERVICE");
    c
}

fn psql() -> Command {
    let bin = std::env::var_os("SPORTELLO_PG_BIN")
        .map(PathBuf::from)
        .or_else(|| sportello::store::embedded::Cluster::new(Path::new(env!("CARGO_TARGET_TMPDIR"))).ok()?.bin_dir())
        .map(|d| d.join("psql"))
        .unwrap_or_else(|| PathBuf::from("psql"));
    let mut c = Command::new(bin);
    c.args(["-X", "-q", "-A", "-t"]);
    c
}

fn run_ok(c: &mut Command) {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{c:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Milliseconds of each run of `a` and `b`, alternated so that both see the same machine.
fn alternate(n: usize, a: &mut Command, b: &mut Command) -> (Vec<f64>, Vec<f64>) {
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for i in 0..n + 3 {
        for (c, t) in [(&mut *a, &mut ta), (&mut *b, &mut tb)] {
            let start = Instant::now();
            run_ok(c);
            // The first runs warm the page cache and the server's catalogue caches.
            if i >= 3 {
                t.push(start.elapsed().as_secs_f64() * 1000.0);
            }
        }
    }
    (ta, tb)
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn report(what: &str, n: usize, mut search: Vec<f64>, mut select: Vec<f64>, target: f64) -> f64 {
    let (s50, p50) = (percentile(&mut search, 0.5), percentile(&mut select, 0.5));
    let (s90, p90) = (percentile(&mut search, 0.9), percentile(&mut select, 0.9));
    println!("\n{what}, {n} runs each, alternated");
    println!("  psql -c 'SELECT 1'          p50 {p50:>7.2} ms   p90 {p90:>7.2} ms");
    println!("  sportello search            p50 {s50:>7.2} ms   p90 {s90:>7.2} ms");
    let ratio = s50 / p50;
    println!("  ratio of p50s               {ratio:.2}x (target <= {target}x)");
    ratio
}

/// `sportello search` on the embedded default (peer authentication on its unix socket) beside
/// psql on the same socket as the same login.
async fn embedded_socket(n: usize) -> f64 {
    let home = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-connect-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    run_ok(sportello().args(["db", "start"]).env("SPORTELLO_HOME", &home));
    let cluster = sportello::store::embedded::Cluster::new(&home).unwrap();
    common::bootstrap_me(&cluster.config(sportello::store::embedded::DATABASE)).await;
    let mut search = sportello();
    search.args(["-q", "search", "--last-name", "ross", "--province", "TO"]).env("SPORTELLO_HOME", &home);
    let mut select = psql();
    select.arg("-h").arg(cluster.socket_dir()).args(["-p", "5432", "-d", "sportello", "-c", "SELECT 1"]);
    // As installed: the first command starts the keeper of warm connections (store/warm.rs),
    // the next ones borrow its connection (the warm-up runs, not counted, include the first).
    let (a, b) = alternate(n, &mut search, &mut select);
    let ratio = report("embedded default, unix socket (a warm connection from the keeper)", n, a, b, 1.5);
    // Without the keeper: a new backend for each command.
    search.env("SPORTELLO_KEEP_WARM", "0");
    let (a, b) = alternate(n, &mut search, &mut select);
    report("the same without the keeper (SPORTELLO_KEEP_WARM=0: a new backend each command)", n, a, b, 1.5);
    run_ok(sportello().args(["db", "stop"]).env("SPORTELLO_HOME", &home));
    let _ = std::fs::remove_dir_all(&home);
    ratio
}

/// A TCP relay on loopback to `target` that delivers every chunk `delay` after it arrived, in
/// each direction. Returns its port.
async fn slow_link(target: u16, delay: Duration) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(("127.0.0.1", target)).await else { return };
                let _ = (client.set_nodelay(true), server.set_nodelay(true));
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                tokio::spawn(one_way(cr, sw, delay));
                tokio::spawn(one_way(sr, cw, delay));
            });
        }
    });
    port
}

async fn one_way(mut from: tokio::net::tcp::OwnedReadHalf, mut to: tokio::net::tcp::OwnedWriteHalf, delay: Duration) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(tokio::time::Instant, Vec<u8>)>();
    tokio::spawn(async move {
        while let Some((due, chunk)) = rx.recv().await {
            tokio::time::sleep_until(due).await;
            if to.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    });
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if tx.send((tokio::time::Instant::now() + delay, buf[..n].to_vec())).is_err() {
                    return;
                }
            }
        }
    }
}

/// `sportello search` over TLS with a client certificate (verify-full, pg_hba `cert`) through
/// the slow link, beside psql with the same settings through the same link.
async fn over_a_slow_link(server: &TlsServer, n: usize) -> f64 {
    const DB: &str = "bench_connect";
    const DESK: &str = "bench_desk";
    server.admin_sql("postgres", &format!("DROP DATABASE IF EXISTS {DB} WITH (FORCE)")).await;
    server.admin_sql("postgres", &format!("CREATE DATABASE {DB}")).await;
    server.admin_sql("postgres", &format!("DROP ROLE IF EXISTS {DESK}; CREATE ROLE {DESK} LOGIN")).await;
    let owner = ConnectConfig::parse_with_env(&server.tls_url(SUPERUSER, DB), |_| None).unwrap();
    sportello::store::migrate(&owner).await.unwrap();
    let mut op = common::new_operator(DESK);
    op.roles = vec![sportello::domain::Role::Desk];
    sportello::operators::bootstrap(&owner, op).await.unwrap();
    let port = slow_link(server.port, Duration::from_millis(10)).await;
    let url = server.tls_url(DESK, DB).replace(&format!("port={}", server.port), &format!("port={port}"));
    let home = tempfile::tempdir().unwrap();
    let key = home.path().join("service.key");
    sportello::secrets::SecretKey::load(&key, true).unwrap();
    let mut search = sportello();
    search
        .args(["-q", "search", "--last-name", "ross", "--province", "TO"])
        .env("SPORTELLO_HOME", home.path())
        .env("SPORTELLO_DATABASE_URL", &url)
        .env("SPORTELLO_KEY_FILE", &key);
    let mut select = psql();
    select.arg(&url).args(["-c", "SELECT 1"]);
    // Blocking here blocks only this thread: the relay runs on the runtime's workers.
    let (a, b) = alternate(n, &mut search, &mut select);
    report("TLS + client certificate through a link with 10 ms each way", n, a, b, 2.0)
}
