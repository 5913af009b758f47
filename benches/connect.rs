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

#[path = "../tests/it/tls_server.rs"]
mod tls_server;

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
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
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
    drop(rt);
    server.stop();
}
