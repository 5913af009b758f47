#![allow(clippy::unwrap_used)]
//! Benchmarks of the batch jobs and the search, each beside a baseline measured in the same run
//! on the same machine. Figures are printed, never asserted.
//!
//!   cargo bench --bench batch
//!
//! Sizes: BENCH_IMPORT_ROWS (1,000,000), BENCH_LETTERS (100,000), BENCH_REGISTRATIONS
//! (5,000,000), BENCH_QUERIES (200), BENCH_CHUNK (import chunk size, the import's default:
//! 40,000), BENCH_ROUNDS (import rounds, alternating the import with its baseline, 3).
//! BENCH_ONLY=import,postal,search picks the parts to run; the search ends with the desk's
//! `sportello search` run end to end (a new process each time, as at the desk) beside
//! `psql -c 'SELECT 1'` (a process and a connection, nothing else) on the same cluster. The cluster lives in target/bench-home (kept; stop it with
//! `sportello --home target/bench-home db stop`).

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use sportello::batch::{Quiet, postal, registry_import};
use sportello::config::DeskSettings;
use sportello::desk::handover::Desk;
use sportello::desk::search::{self, Query};
use sportello::domain::fiscal_code::check_character;
use sportello::session::Session;
use sportello::store::{self, Database, embedded::Cluster, registry::Source};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

const SURNAMES: [&str; 24] = [
    "ROSSI", "RUSSO", "FERRARI", "ESPOSITO", "BIANCHI", "ROMANO", "COLOMBO", "RICCI", "MARINO", "GRECO", "BRUNO",
    "GALLO", "CONTI", "DE LUCA", "MANCINI", "COSTA", "GIORDANO", "RIZZO", "LOMBARDI", "MORETTI", "BARBIERI", "FONTANA",
    "SANTORO", "MARIANI",
];
const NAMES: [&str; 12] =
    ["MARIO", "GIULIA", "LUCA", "FRANCESCA", "ANDREA", "SARA", "PAOLO", "ANNA", "MARCO", "LAURA", "NICOLÒ", "ELENA"];

/// A valid fiscal code for person `i`.
fn fiscal_code(i: usize, birth: NaiveDate) -> String {
    let mut letters = String::new();
    let mut k = i;
    for _ in 0..6 {
        letters.push((b'A' + (k % 26) as u8) as char);
        k /= 26;
    }
    let month = b"ABCDEHLMPRST"[birth.month0() as usize] as char;
    let first15 = format!("{letters}{:02}{month}{:02}L219", birth.year() % 100, birth.day());
    format!("{first15}{}", check_character(first15.as_bytes()))
}

/// `municipalities`: ISTAT code and a postcode of each (the import checks that they agree).
fn registry_file(path: &Path, rows: usize, municipalities: &[(String, String)]) {
    use std::io::Write;
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(w, "fiscal_code;first_name;last_name;birth_date;sex;address;street_number;postcode;municipality;doc_type;doc_number;doc_issued;doc_issuer").unwrap();
    let base = NaiveDate::from_ymd_opt(1940, 1, 1).unwrap();
    for i in 0..rows {
        let birth = base + chrono::Duration::days((i * 7 % 25_000) as i64);
        writeln!(
            w,
            "{};{};{};{birth};M;Via Roma;{};{};{};identity-card;CA{:07};2021-05-04;Comune di Torino",
            fiscal_code(i, birth),
            NAMES[i % NAMES.len()],
            SURNAMES[i % SURNAMES.len()],
            i % 300 + 1,
            municipalities[i % municipalities.len()].1,
            municipalities[i % municipalities.len()].0,
            i
        )
        .unwrap();
    }
}

fn psql_path() -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    dirs.sort();
    dirs.into_iter().rev().map(|d| d.join("psql")).find(|p| p.exists()).unwrap_or_else(|| PathBuf::from("psql"))
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

/// The median of some timings.
fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

/// "min–max s" of some timings.
fn range(times: &[Duration]) -> String {
    let min = times.iter().min().unwrap().as_secs_f64();
    let max = times.iter().max().unwrap().as_secs_f64();
    format!("{min:.2}–{max:.2} s")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rows = env_usize("BENCH_IMPORT_ROWS", 1_000_000);
    let letters = env_usize("BENCH_LETTERS", 100_000);
    let registrations = env_usize("BENCH_REGISTRATIONS", 5_000_000);
    let queries = env_usize("BENCH_QUERIES", 200);
    let only = std::env::var("BENCH_ONLY").unwrap_or_else(|_| "import,postal,search".into());
    let part = |name: &str| only.split(',').any(|p| p.trim() == name);
    let home = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-home");
    let work = tempfile::tempdir_in(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target")).unwrap();

    let cluster = Cluster::new(&home).unwrap();
    cluster.start().unwrap();
    let admin = store::connect(&cluster.config("postgres")).await.unwrap();
    // The embedded default's own database, so that the binary run on this home (the desk search
    // end to end, below) finds the data as an operator would.
    let dbname = store::embedded::DATABASE;
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")).await.unwrap();
    admin.batch_execute(&format!("CREATE DATABASE {dbname}")).await.unwrap();
    let config = cluster.config(dbname);
    store::migrate(&config).await.unwrap();
    // The OS user running the benchmark is its operator (peer authentication), the first
    // administrator with every role, as on the embedded default.
    let me = common::bootstrap_me(&config).await;
    let db = Database::with_configs(cluster.login_config(dbname, &me), config.clone()).await.unwrap();
    let session = Session::open(db.clone(), None, "bench").await.unwrap();
    let owner = store::connect(&config).await.unwrap();
    let municipalities: Vec<(String, String)> = owner
        .query("SELECT istat_code, postcodes[1] FROM municipalities WHERE province <> 'EE' ORDER BY 1", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    println!(
        "sportello benchmarks — {} cores, PostgreSQL embedded cluster at {}",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        cluster.data_dir().display()
    );

    // 1. Registry import vs plain psql \copy of the same file into a same-shaped table, in
    // rounds that alternate the two (BENCH_ROUNDS, 3), so that both see the same machine: each
    // round empties both tables and starts from a clean checkpoint, so none pays for another's
    // dirty pages. The ratio is of the medians; the ranges are printed beside them.
    if part("import") {
        let file = work.path().join("cia.csv");
        registry_file(&file, rows, &municipalities);
        let size = std::fs::metadata(&file).unwrap().len();
        let rounds = env_usize("BENCH_ROUNDS", 3).max(1);
        owner.batch_execute("CREATE TABLE copy_baseline (LIKE cia_residents INCLUDING ALL)").await.unwrap();
        // No autovacuum of one round's rows during the next round's measurements.
        owner
            .batch_execute(
                "ALTER TABLE copy_baseline SET (autovacuum_enabled = off);
                 ALTER TABLE cia_residents SET (autovacuum_enabled = off)",
            )
            .await
            .unwrap();
        let defaults = registry_import::Options::default();
        let opts = registry_import::Options {
            chunk_size: env_usize("BENCH_CHUNK", defaults.chunk_size),
            writers: env_usize("BENCH_WRITERS", defaults.writers),
            // The same file imported again each round is a new run.
            force: true,
            ..defaults
        };
        let (mut copies, mut imports, mut reimports) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            owner.batch_execute("TRUNCATE copy_baseline; TRUNCATE cia_residents; CHECKPOINT").await.unwrap();
            let t = Instant::now();
            let status = std::process::Command::new(psql_path())
                .args(["-q", "-h", &cluster.socket_dir().display().to_string(), "-U", &cluster.superuser(), "-d", dbname, "-c"])
                .arg(format!("\\copy copy_baseline (fiscal_code, first_name, last_name, birth_date, sex, res_address, res_street_number, res_postcode, res_municipality, doc_type, doc_number, doc_issued, doc_issuer) FROM '{}' WITH (FORMAT csv, HEADER, DELIMITER ';')", file.display()))
                .status()
                .unwrap();
            assert!(status.success());
            copies.push(t.elapsed());
            owner.batch_execute("CHECKPOINT").await.unwrap();
            let t = Instant::now();
            let report = registry_import::import(&session, Source::Cia, &file, &opts, &Quiet).await.unwrap();
            imports.push(t.elapsed());
            assert_eq!(report.inserted as usize, rows);
            owner.batch_execute("CHECKPOINT").await.unwrap();
            let t = Instant::now();
            let again = registry_import::import(&session, Source::Cia, &file, &opts, &Quiet).await.unwrap();
            reimports.push(t.elapsed());
            assert_eq!(again.unchanged as usize, rows);
        }
        let (copy_time, import_time, reimport_time) = (median(&copies), median(&imports), median(&reimports));
        println!(
            "\nimport-cia, {rows} rows ({:.0} MB), full validation, chunks of {}, {} writers, {rounds} rounds (median, range)",
            size as f64 / 1e6,
            opts.chunk_size,
            opts.writers
        );
        println!(
            "  psql \\copy (baseline)   {:>8.2} s  {:>10.0} rows/s  ({})",
            copy_time.as_secs_f64(),
            rate(rows, copy_time),
            range(&copies)
        );
        println!(
            "  sportello import-cia    {:>8.2} s  {:>10.0} rows/s  ({})  ratio to \\copy throughput {:.2}x",
            import_time.as_secs_f64(),
            rate(rows, import_time),
            range(&imports),
            copy_time.as_secs_f64() / import_time.as_secs_f64()
        );
        println!(
            "  re-import, unchanged    {:>8.2} s  {:>10.0} rows/s  ({})  ratio to first import time {:.2}x",
            reimport_time.as_secs_f64(),
            rate(rows, reimport_time),
            range(&reimports),
            reimport_time.as_secs_f64() / import_time.as_secs_f64()
        );
    }

    // 2. Postal run vs a bare render of the same letters with no database.
    if part("postal") {
        owner
        .execute(
            "INSERT INTO registrations (fiscal_code, community, state, first_name, last_name, res_address, res_street_number,
                 res_postcode, res_province, res_municipality)
             SELECT 'PST' || lpad(i::text, 13, '0'), 'sistemapiemonte', 'attivato', 'Nicolò', 'D''Amico ' || i,
                    'Via Sant''Agostino', i::text, '10122', 'TO', '001272'
             FROM generate_series(1, $1::bigint) i",
            &[&(letters as i64)],
        )
        .await
        .unwrap();
        owner
            .batch_execute(
                "INSERT INTO pin_letter_queue (registration_number, res_province)
                 SELECT registration_number, res_province FROM registrations;
                 ANALYZE registrations; ANALYZE pin_letter_queue",
            )
            .await
            .unwrap();
        let desk_settings =
            DeskSettings::from_env(&work.path().join("home"), &store::Location::Embedded(home.clone())).unwrap();
        let desk = Desk::open(&desk_settings).unwrap();
        let first: i64 =
            owner.query_one("SELECT min(registration_number) FROM registrations", &[]).await.unwrap().get(0);
        let sample = sportello::store::registrations::find(
            &db.client().await.unwrap(),
            &sportello::store::registrations::Key::Number(first),
            None,
        )
        .await
        .unwrap();
        let today = chrono::Utc::now().date_naive();
        let t = Instant::now();
        let mut bytes = 0;
        for chunk in (0..letters).collect::<Vec<_>>().chunks(1000) {
            let pages: Vec<_> = chunk
                .iter()
                .map(|_| {
                    sportello::letters::pin_letter(
                        &desk.office,
                        &sample,
                        &sportello::secrets::new_pin().unwrap(),
                        sportello::letters::PinUse::NewCredentials,
                        today,
                        true,
                    )
                })
                .collect();
            bytes += sportello::letters::render(&pages).unwrap().len();
        }
        let bare = t.elapsed();
        let out = work.path().join("postal");
        let t = Instant::now();
        let report = postal::run(
            &session,
            &desk,
            &postal::Options {
                province: None,
                limit: None,
                batch_size: 1000,
                out: out.clone(),
                dry_run: false,
                group: None,
            },
            &Quiet,
        )
        .await
        .unwrap();
        let run_time = t.elapsed();
        assert_eq!(report.letters as usize, letters);
        println!("\npostal PIN run, {letters} letters in files of 1000 ({:.0} MB of PDF)", bytes as f64 / 1e6);
        println!("  bare lopdf render       {:>8.2} s  {:>10.0} letters/s", bare.as_secs_f64(), rate(letters, bare));
        println!(
            "  sportello postal run    {:>8.2} s  {:>10.0} letters/s  ratio to bare render {:.2}x",
            run_time.as_secs_f64(),
            rate(letters, run_time),
            bare.as_secs_f64() / run_time.as_secs_f64()
        );
    }

    // 3. Search at scale.
    if !part("search") {
        return;
    }
    let t = Instant::now();
    // Bulk load without the search indexes, then build them (as a restore would): the same
    // indexes as the migrations made, much faster than maintaining them row by row.
    let indexes: Vec<(String, String)> = owner
        .query("SELECT indexname::text, indexdef FROM pg_indexes WHERE tablename = 'registrations' AND indexname LIKE 'registrations\\_%' AND indexdef NOT LIKE '%UNIQUE%'", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    for (name, _) in &indexes {
        owner.batch_execute(&format!("DROP INDEX {name}")).await.unwrap();
    }
    owner
        .execute(
            "INSERT INTO registrations (fiscal_code, community, state, strong, first_name, last_name, res_province, res_municipality, registered_at)
             SELECT 'S' || upper(substr(md5(i::text), 1, 15)),
                    (ARRAY['sistemapiemonte', 'torinofacile', 'torinofacile light'])[1 + i % 3],
                    (ARRAY['registrato', 'riscontrato', 'attivato', 'attivato', 'respinto'])[1 + i % 5],
                    i % 4 = 0,
                    (ARRAY['MARIO','GIULIA','LUCA','FRANCESCA','ANDREA','SARA','PAOLO','ANNA','MARCO','LAURA','NICOLÒ','ELENA'])[1 + i % 12],
                    (ARRAY['ROSSI','RUSSO','FERRARI','ESPOSITO','BIANCHI','ROMANO','COLOMBO','RICCI','MARINO','GRECO','BRUNO','GALLO',
                           'CONTI','DE LUCA','MANCINI','COSTA','GIORDANO','RIZZO','LOMBARDI','MORETTI','BARBIERI','FONTANA','SANTORO','MARIANI'])[1 + (i / 7) % 24]
                        || ' ' || chr((65 + (i / 168) % 26)::int) || chr((65 + (i / 4368) % 26)::int),
                    m.province, m.istat_code, now() - (i % 3000) * interval '1 day'
             FROM generate_series(1, $1::bigint) i
             JOIN (SELECT row_number() OVER (ORDER BY istat_code) - 1 AS k, istat_code, province FROM municipalities WHERE province <> 'EE') m
               ON m.k = i % 1180
             ON CONFLICT DO NOTHING",
            &[&(registrations as i64)],
        )
        .await
        .unwrap();
    for (_, def) in &indexes {
        owner.batch_execute(def).await.unwrap();
    }
    // As after a restore: statistics, and the visibility map that lets a count of matches
    // read the index alone (autovacuum sets it within a minute of a bulk load anyway).
    owner.batch_execute("VACUUM ANALYZE registrations").await.unwrap();
    owner.batch_execute("ANALYZE operations").await.unwrap();
    let total: i64 = owner.query_one("SELECT count(*) FROM registrations", &[]).await.unwrap().get(0);
    println!(
        "\nsearch over {total} registrations (loaded in {:.0} s), {queries} queries each, limit 50, total counted (up to 10,000), audit row included",
        t.elapsed().as_secs_f64()
    );
    type Case = (&'static str, Box<dyn Fn(usize) -> Query>);
    let cases: Vec<Case> = vec![
        (
            "partial surname",
            Box::new(|i| Query {
                last_name: Some(format!("{} {}", SURNAMES[i % 24], (b'A' + (i % 26) as u8) as char)),
                limit: 50,
                ..Default::default()
            }),
        ),
        (
            "fiscal-code prefix",
            Box::new(|i| Query {
                fiscal_code: Some(format!("S{:X}", 0x100 + i * 37 % 0xEFF)),
                limit: 50,
                ..Default::default()
            }),
        ),
        (
            "municipality + state",
            Box::new(|i| Query {
                municipality: Some(["001272", "001156", "005005", "004078", "006003", "002158"][i % 6].into()),
                state: Some([sportello::domain::State::Attivato, sportello::domain::State::Riscontrato][i % 2]),
                limit: 50,
                ..Default::default()
            }),
        ),
    ];
    for (name, make) in cases {
        let mut times = Vec::with_capacity(queries);
        let mut found = 0;
        for i in 0..queries {
            let q = make(i);
            let t = Instant::now();
            found += search::search(&session, q).await.unwrap().len();
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "  {name:<22} p50 {:>6.2} ms  p95 {:>6.2} ms  (avg {:.1} rows)",
            percentile(&times, 0.5).as_secs_f64() * 1e3,
            percentile(&times, 0.95).as_secs_f64() * 1e3,
            found as f64 / queries as f64
        );
    }

    // The desk's search end to end on the embedded default: the binary started as the clerk
    // starts it (configuration, key, peer-authenticated login, role check, the query, its audit
    // row, the output), beside the floor of any client: a process and a connection.
    let runs = (queries / 4).max(10);
    let home_arg = home.display().to_string();
    let socket = cluster.socket_dir().display().to_string();
    let wall = |cmd: &mut std::process::Command| {
        let mut times: Vec<Duration> = (0..runs)
            .map(|_| {
                let t = Instant::now();
                let out = cmd.output().unwrap();
                assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
                t.elapsed()
            })
            .collect();
        times.sort();
        times
    };
    let search_times = wall(
        std::process::Command::new(env!("CARGO_BIN_EXE_sportello"))
            .args(["--home", &home_arg, "search", "--last-name", "ROSSI A", "--format", "csv"])
            .env_remove("SPORTELLO_DATABASE_URL")
            .env("SPORTELLO_KEY_FILE", work.path().join("desk.key")),
    );
    let floor = wall(std::process::Command::new(psql_path()).args([
        "-q",
        "-X",
        "-h",
        &socket,
        "-U",
        &cluster.superuser(),
        "-d",
        dbname,
        "-c",
        "SELECT 1",
    ]));
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "  desk search end to end  p50 {:>6.2} ms  p95 {:>6.2} ms  ({runs} runs of `sportello search --last-name 'ROSSI A'`)\n  \
         psql -c 'SELECT 1'      p50 {:>6.2} ms  p95 {:>6.2} ms  (the floor: a process and a connection)",
        ms(percentile(&search_times, 0.5)),
        ms(percentile(&search_times, 0.95)),
        ms(percentile(&floor, 0.5)),
        ms(percentile(&floor, 0.95)),
    );
}
