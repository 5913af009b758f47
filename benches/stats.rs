#![allow(clippy::unwrap_used)]
//! Benchmark of `sportello stats` at regional scale: reports over 5M registrations and 10M
//! operations, counted by the triggers of V8 as they were written, beside a baseline measured in
//! the same run (the same monthly counts by province computed from the live tables). Figures are
//! printed, never asserted.
//!
//!   cargo bench --bench stats
//!
//! Sizes: BENCH_REGISTRATIONS (5,000,000; two operations each), BENCH_RUNS (5 runs of each
//! report); BENCH_REUSE=1 measures the reports again on the data of the last run. The cluster
//! lives in target/bench-home (kept; stop it with `sportello --home target/bench-home db stop`);
//! the database is `bench_stats`.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use sportello::session::Session;
use sportello::stats::{self, Dimension, Options, Period};
use sportello::store::{self, Database, embedded::Cluster};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

const CHUNK: i64 = 500_000;

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let registrations = env_usize("BENCH_REGISTRATIONS", 5_000_000) as i64;
    let runs = env_usize("BENCH_RUNS", 5);
    let home = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-home");
    let cluster = Cluster::new(&home).unwrap();
    cluster.ensure_running().unwrap();
    let admin = store::connect(&cluster.config("postgres")).await.unwrap();
    // BENCH_REUSE=1: measure the reports again on the database of an earlier run.
    let reuse = std::env::var_os("BENCH_REUSE").is_some()
        && admin.query_opt("SELECT 1 FROM pg_database WHERE datname = 'bench_stats'", &[]).await.unwrap().is_some();
    if !reuse {
        admin.batch_execute("DROP DATABASE IF EXISTS bench_stats WITH (FORCE)").await.unwrap();
        admin.batch_execute("CREATE DATABASE bench_stats").await.unwrap();
    }
    let config = cluster.config("bench_stats");
    store::migrate(&config).await.unwrap();
    let owner = store::connect(&config).await.unwrap();
    // The OS user running the benchmark is its operator (peer authentication), the first
    // administrator with every role (statistics are the auditor's), as on the embedded default.
    let me = if reuse { sportello::store::embedded::os_user().unwrap() } else { common::bootstrap_me(&config).await };
    let db = Database::with_configs(cluster.login_config("bench_stats", &me), config.clone()).await.unwrap();
    println!(
        "sportello stats benchmark — {} cores, PostgreSQL embedded cluster at {}",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        cluster.data_dir().display()
    );

    let (load_registrations, load_operations) = if reuse {
        (Duration::ZERO, Duration::ZERO)
    } else {
        // 400 desk operators of 40 enti, and the batch operator of the pre-loads.
        owner
            .batch_execute(
                &format!(
                "INSERT INTO operators (id, full_name, ente, created_by) VALUES ('bench', 'Benchmark', 'CSI Piemonte', '{me}');
                 INSERT INTO operators (id, full_name, ente, created_by)
                 SELECT 'op' || lpad(k::text, 3, '0'), 'Operatore ' || k, 'Ente ' || lpad((k / 10)::text, 2, '0'), '{me}'
                 FROM generate_series(0, 399) k;
                 CREATE TABLE bench_municipalities AS
                 SELECT (row_number() OVER (ORDER BY istat_code) - 1)::int AS k, istat_code, province
                 FROM municipalities WHERE province <> 'EE';"
                ),
            )
            .await
            .unwrap();
        // The search indexes of registrations (trigram, name order) serve no report: dropped, so
        // that the load is faster and the disk holds the counters.
        let indexes: Vec<String> = owner
            .query("SELECT indexname::text FROM pg_indexes WHERE tablename = 'registrations' AND indexname LIKE 'registrations\\_%' AND indexdef NOT LIKE '%UNIQUE%'", &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        for name in &indexes {
            owner.batch_execute(&format!("DROP INDEX {name}")).await.unwrap();
        }

        // Registrations over three years (2023-2025): 60% pre-loaded by the batch operator on 36
        // days, 40% at the desks; each written by a statement that fires the counting triggers.
        let t = Instant::now();
        let mut start = 1i64;
        while start <= registrations {
            let end = (start + CHUNK - 1).min(registrations);
            owner
                .execute(
                    "INSERT INTO registrations (fiscal_code, community, state, strong, birth_date, sex, res_province,
                         res_municipality, registered_at, verified_at, activated_at, created_by)
                     SELECT 'S' || upper(substr(md5(i::text), 1, 15)),
                            (ARRAY['sistemapiemonte', 'torinofacile', 'torinofacile light'])[1 + i % 3],
                            s.state, i % 4 = 0,
                            date '1930-01-01' + (i * 7919 % 27000)::int,
                            CASE WHEN i % 2 = 0 THEN 'M' ELSE 'F' END,
                            m.province, m.istat_code, s.at,
                            CASE WHEN s.state <> 'registrato' THEN s.at + interval '1 day' END,
                            CASE WHEN s.state = 'attivato' THEN s.at + (i % 40) * interval '1 day' END,
                            CASE WHEN i % 5 < 3 THEN 'bench' ELSE 'op' || lpad((m.k % 400)::text, 3, '0') END
                     FROM generate_series($1::bigint, $2::bigint) i
                     JOIN bench_municipalities m ON m.k = (i * 2654435761 % 1180)
                     CROSS JOIN LATERAL (SELECT
                         (ARRAY['registrato', 'riscontrato', 'attivato', 'attivato', 'respinto'])[1 + i % 5] AS state,
                         timestamptz '2023-01-01 09:00 Europe/Rome'
                           + CASE WHEN i % 5 < 3 THEN ((i / 5) % 36) * 30 ELSE (i * 48271 % 1096) END * interval '1 day'
                           + (i % 480) * interval '1 minute' AS at) s
                     ON CONFLICT DO NOTHING",
                    &[&start, &end],
                )
                .await
                .unwrap();
            start = end + 1;
        }
        let load_registrations = t.elapsed();

        // Two operations per registration, each booked ('A') and then closed by an UPDATE, as the
        // desk and the citizen do: succeeded after 0-29 days, or discarded; 5% of the second left open.
        let t = Instant::now();
        let (lo, hi): (i64, i64) = {
            let r = owner
                .query_one("SELECT min(registration_number), max(registration_number) FROM registrations", &[])
                .await
                .unwrap();
            (r.get(0), r.get(1))
        };
        for (j, after_days, open_share) in [(1i64, 1i32, 0i64), (2, 40, 5)] {
            let mut start = lo;
            while start <= hi {
                let end = start + CHUNK - 1;
                owner
                    .execute(
                        "INSERT INTO operations (registration_number, kind, requested_at, ente, operator_id)
                         SELECT r.registration_number,
                                (ARRAY['verification', 'promotion', 'reset', 'pin', 'revocation'])[1 + (r.registration_number + $3) % 5],
                                r.registered_at + $4::int * interval '1 day', o.ente, o.id
                         FROM registrations r
                         JOIN bench_municipalities m ON m.istat_code = r.res_municipality
                         JOIN operators o ON o.id = 'op' || lpad((m.k % 400)::text, 3, '0')
                         WHERE r.registration_number BETWEEN $1 AND $2",
                        &[&start, &end, &j, &after_days],
                    )
                    .await
                    .unwrap();
                owner
                    .execute(
                        "UPDATE operations SET status = CASE WHEN id % 7 = 0 THEN 'D' ELSE 'S' END,
                             closed_at = requested_at + (id * 13 % 30) * interval '1 day'
                         WHERE registration_number BETWEEN $1 AND $2 AND status = 'A' AND id % 100 >= $3",
                        &[&start, &end, &open_share],
                    )
                    .await
                    .unwrap();
                start = end + 1;
            }
        }
        let load_operations = t.elapsed();
        (load_registrations, load_operations)
    };
    let session = Session::open(db.clone(), None, "bench").await.unwrap();
    owner.batch_execute("ANALYZE").await.unwrap();
    let count = |sql: &'static str| {
        let owner = &owner;
        async move { owner.query_one(sql, &[]).await.unwrap().get::<_, i64>(0) }
    };
    let (regs, ops) =
        (count("SELECT count(*) FROM registrations").await, count("SELECT count(*) FROM operations").await);
    let fine = count("SELECT count(*) FROM stats_counts").await;
    let pending = count("SELECT count(*) FROM stats_rollup_pending").await;
    let size: String =
        owner.query_one("SELECT pg_size_pretty(pg_total_relation_size('stats_counts'))", &[]).await.unwrap().get(0);
    println!(
        "\ndata: {regs} registrations ({:.0} s), {ops} operations booked and closed ({:.0} s), counted by the triggers{}",
        secs(load_registrations),
        secs(load_operations),
        if reuse { " (loaded by an earlier run)" } else { "" }
    );

    let t = Instant::now();
    let folded =
        stats::report(&session, Options { by: Period::Month, group: vec![Dimension::Province], ..Default::default() })
            .await
            .unwrap();
    let first = t.elapsed();
    let rollup = count("SELECT count(*) FROM stats_rollup").await;
    println!(
        "counters: {fine} rows in stats_counts ({size}); {pending} roll-up deltas folded into {rollup} rows by the first report ({:.2} s, {} report rows)",
        secs(first),
        folded.rows.len()
    );

    // Baseline: the same monthly counts by province from the live tables (registrations and
    // operations booked), as one would without counters.
    let baseline_sql = "SELECT date_trunc('month', registered_at AT TIME ZONE 'Europe/Rome'), res_province, count(*)
                        FROM registrations GROUP BY 1, 2
                        UNION ALL
                        SELECT date_trunc('month', o.requested_at AT TIME ZONE 'Europe/Rome'), r.res_province, count(*)
                        FROM operations o JOIN registrations r USING (registration_number) GROUP BY 1, 2";
    let mut baseline = Vec::new();
    for _ in 0..runs.min(3) {
        let t = Instant::now();
        owner.query(baseline_sql, &[]).await.unwrap();
        baseline.push(t.elapsed());
    }
    baseline.sort();
    let base = baseline[baseline.len() / 2];
    println!("\nreports, {runs} runs each (median, min, max), audit row included; monthly by province or by");
    println!("community/state/strength read the monthly roll-ups, the others the daily counters");
    println!(
        "  {:<54} {:>7.3} s  (registrations and bookings only, by month and province)",
        "baseline: GROUP BY on the live tables",
        secs(base)
    );

    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let cases: Vec<(&str, Options)> = vec![
        (
            "--by month --group province (3 years)",
            Options { by: Period::Month, group: vec![Dimension::Province], ..Default::default() },
        ),
        (
            "--by month --group province --from/--to one month",
            Options {
                by: Period::Month,
                group: vec![Dimension::Province],
                from: Some(day("2025-03-01")),
                to: Some(day("2025-03-31")),
                ..Default::default()
            },
        ),
        (
            "--by month --group community,state,strength (3 years)",
            Options {
                by: Period::Month,
                group: vec![Dimension::Community, Dimension::State, Dimension::Strength],
                ..Default::default()
            },
        ),
        (
            "--by week --group province (one year)",
            Options {
                by: Period::Week,
                group: vec![Dimension::Province],
                from: Some(day("2025-01-01")),
                to: Some(day("2025-12-31")),
                ..Default::default()
            },
        ),
        (
            "--by month --group ente (one year)",
            Options {
                by: Period::Month,
                group: vec![Dimension::Ente],
                from: Some(day("2025-01-01")),
                to: Some(day("2025-12-31")),
                ..Default::default()
            },
        ),
        (
            "--by day --group municipality (one month)",
            Options {
                by: Period::Day,
                group: vec![Dimension::Municipality],
                from: Some(day("2025-03-01")),
                to: Some(day("2025-03-31")),
                ..Default::default()
            },
        ),
    ];
    for (name, opts) in cases {
        let mut times = Vec::with_capacity(runs);
        let mut rows = 0;
        for _ in 0..runs {
            let t = Instant::now();
            rows = stats::report(&session, opts.clone()).await.unwrap().rows.len();
            times.push(t.elapsed());
        }
        times.sort();
        let median = times[times.len() / 2];
        println!(
            "  {name:<54} {:>7.3} s  (min {:.3}, max {:.3}; {rows} rows)  ratio to baseline {:.1}x faster",
            secs(median),
            secs(times[0]),
            secs(*times.last().unwrap()),
            secs(base) / secs(median)
        );
    }

    // The record-level export, streamed (pseudonyms on every core).
    let key = sportello::secrets::SecretKey::load(&home.join("bench-stats.key"), true).unwrap();
    let t = Instant::now();
    let mut n = 0u64;
    stats::records(&session, &key, stats::RecordOptions::default(), |_| {
        n += 1;
        Ok(())
    })
    .await
    .unwrap();
    let export = t.elapsed();
    println!("  {:<54} {:>7.3} s  ({n} rows, {:.0} rows/s)", "--records (all)", secs(export), n as f64 / secs(export));
}
