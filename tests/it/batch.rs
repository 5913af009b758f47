//! Batch jobs: crash (SIGKILL) and resume, rejects, registered letters, helpdesk mailbox.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use sportello::desk::book;
use sportello::domain::{OperationKind, Sex};
use sportello::portal;
use sportello::store::registrations::Key;

use crate::desk::{code_in, pin_in};
use crate::fixtures::{Citizen, cf, date};
use crate::harness::{TestDb, text};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(name)
}

/// Runs the binary in the background on the test database.
pub(crate) fn spawn(db: &TestDb, args: &[&str]) -> std::process::Child {
    crate::harness::sportello()
        .args(args)
        .env("SPORTELLO_DATABASE_URL", db.url_as("admin"))
        .env("SPORTELLO_HOME", db.files.path())
        .env("SPORTELLO_KEY_FILE", db.files.path().join("secret.key"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits until `sql` (a boolean query) holds, then kills the process with SIGKILL.
pub(crate) async fn kill_when(db: &TestDb, child: &mut std::process::Child, sql: &str) {
    let owner = db.owner().await;
    let start = Instant::now();
    loop {
        let ready: bool = owner.query_one(sql, &[]).await.unwrap().get(0);
        if ready {
            break;
        }
        assert!(child.try_wait().unwrap().is_none(), "the job ended before it could be killed: make the input larger");
        assert!(start.elapsed() < Duration::from_secs(120), "timed out waiting for: {sql}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
}

/// A registry file of `n` rows, every 500th one bad, and the first bad one's resident again,
/// valid, at the end; returns (path, good, bad).
/// A surname of its own for row `i`, in letters as a name is (`Cognome BAAA`).
fn surname(i: usize) -> String {
    let tag: String = (0..4).map(|j| (b'A' + (i / 26usize.pow(j) % 26) as u8) as char).collect();
    format!("Cognome {tag}")
}

pub(crate) fn registry_file(dir: &Path, n: usize) -> (PathBuf, usize, usize) {
    let mut out = String::from(
        "fiscal_code;first_name;last_name;birth_date;sex;address;street_number;postcode;municipality;doc_type;doc_number;doc_issued;doc_issuer\n",
    );
    let (mut good, mut bad) = (0, 0);
    let birth = date("1970-01-01");
    for i in 0..n {
        let mut letters = String::new();
        let mut k = i;
        for _ in 0..6 {
            letters.push((b'A' + (k % 26) as u8) as char);
            k /= 26;
        }
        let b = birth + chrono::Duration::days((i % 9000) as i64);
        let code = cf(&letters, b, 'M', "L219");
        if i % 500 == 499 {
            out.push_str(&format!("{code};Nome;{};{};X;Via Po;1;10121;001272;;;;\n", surname(i), b));
            bad += 1;
        } else {
            out.push_str(&format!(
                "{code};Nicolò;{};{b};M;Via Po;{i};10121;L219;identity-card;CA{i:07};2020-01-01;Comune di Torino\n",
                surname(i)
            ));
            good += 1;
        }
    }
    // The first bad row's resident once more, valid, at the end: a rejected row is no first
    // of a duplicate, in a resumed run as in one that ran through.
    if n >= 500 {
        let b = birth + chrono::Duration::days(499);
        let letters: String = (0..6).map(|j| (b'A' + (499 / 26usize.pow(j) % 26) as u8) as char).collect();
        let code = cf(&letters, b, 'M', "L219");
        out.push_str(&format!("{code};Nome;{};{b};M;Via Po;1;10121;001272;;;;\n", surname(499)));
        good += 1;
    }
    let path = dir.join("registry.csv");
    std::fs::write(&path, out).unwrap();
    (path, good, bad)
}

#[tokio::test]
async fn an_import_killed_midway_resumes_with_no_duplicate_and_no_loss() {
    killed_import_resumes(0).await;
}

/// The same when the mirror already holds the first rows of the file: these go through the
/// staging table and the merge, and are found unchanged.
#[tokio::test]
async fn a_merging_import_killed_midway_resumes_with_no_duplicate_and_no_loss() {
    killed_import_resumes(3_000).await;
}

async fn killed_import_resumes(prefill: usize) {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("first")).unwrap();
    let (first, first_good, _) = registry_file(&dir.path().join("first"), prefill);
    if prefill > 0 {
        assert!(db.cli(Some("admin"), &["import-cia", first.to_str().unwrap()]).status.code() == Some(8));
    }
    let (file, good, bad) = registry_file(dir.path(), 60_000);
    let args = ["import-cia", file.to_str().unwrap(), "--chunk-size", "1000"];
    let mut child = spawn(&db, &args);
    kill_when(&db, &mut child, "SELECT coalesce(max(position), 0) >= 5000 FROM batch_runs").await;
    let owner = db.owner().await;
    let (state, position, run): (String, i64, i64) = {
        let r =
            owner.query_one("SELECT state, position, id FROM batch_runs ORDER BY id DESC LIMIT 1", &[]).await.unwrap();
        (r.get(0), r.get(1), r.get(2))
    };
    assert_eq!(state, "running", "killed in the middle");
    let imported: i64 = owner.query_one("SELECT count(*) FROM cia_residents", &[]).await.unwrap().get(0);
    assert!(imported as usize > first_good && (imported as usize) < good, "{imported}");
    // Only whole chunks are committed: the run stands where its last recorded chunk ended.
    let last_chunk_end: i64 = owner
        .query_one(
            "SELECT max((details->>'to')::bigint) FROM audit_log WHERE action = 'import-chunk' AND (details->>'run')::bigint = $1",
            &[&run],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(position, last_chunk_end, "only whole chunks are committed");

    let out = db.cli(Some("admin"), &args);
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 8, "done, with rejects: {stderr}");
    assert!(stderr.contains("resumed"), "{stderr}");
    let runs = owner
        .query("SELECT state, rows_read, rows_ok, rows_rejected, counts FROM batch_runs ORDER BY id", &[])
        .await
        .unwrap();
    let runs: Vec<_> = runs.iter().skip(usize::from(prefill > 0)).collect();
    assert_eq!(runs.len(), 1, "the same run, resumed");
    let run = &runs[0];
    assert_eq!(run.get::<_, String>(0), "done");
    assert_eq!(run.get::<_, i64>(1) as usize, good + bad);
    assert_eq!(run.get::<_, i64>(2) as usize, good);
    assert_eq!(run.get::<_, i64>(3) as usize, bad);
    let counts: serde_json::Value = run.get(4);
    assert_eq!(counts["inserted"].as_u64().unwrap() as usize, good - first_good, "{counts}");
    assert_eq!(counts["unchanged"].as_u64().unwrap() as usize, first_good, "{counts}");
    let imported: i64 = owner.query_one("SELECT count(*) FROM cia_residents", &[]).await.unwrap().get(0);
    assert_eq!(imported as usize, good, "every good row once");
    let rejects: i64 = owner
        .query_one(
            "SELECT count(DISTINCT line) FROM batch_rejects WHERE run_id = (SELECT max(id) FROM batch_runs)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(rejects as usize, bad, "every bad row reported once");
    // Running it again is a no-op that says so.
    let out = db.cli(Some("admin"), &args);
    assert!(text(&out).1.contains("nothing to do"), "{}", text(&out).1);
    let out = db.cli(Some("admin"), &["runs", "--format", "json"]);
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed[0]["rows_ok"].as_u64().unwrap() as usize, good, "the newest run first");
}

#[tokio::test]
async fn full_snapshot_removes_ceased_residents_and_preload_registers_the_rest() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let out = db.cli(Some("admin"), &["import-cia", sample("cia.csv").to_str().unwrap()]);
    assert!(out.status.success());
    // The next snapshot lacks the last resident (ceased) and pre-loads Turin.
    let all = std::fs::read_to_string(sample("cia.csv")).unwrap();
    let lines: Vec<&str> = all.lines().collect();
    let snapshot = dir.path().join("snapshot.csv");
    std::fs::write(&snapshot, lines[..lines.len() - 1].join("\n")).unwrap();
    let out =
        db.cli(Some("admin"), &["import-cia", snapshot.to_str().unwrap(), "--full-snapshot", "--preload", "001272"]);
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("1 ceased") && stderr.contains("3 pre-loaded"), "{stderr}");
    let owner = db.owner().await;
    let r = owner
        .query(
            "SELECT state, strong, EXISTS (SELECT 1 FROM pin_letter_queue q WHERE q.registration_number = r.registration_number), res_municipality
             FROM registrations r ORDER BY fiscal_code",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(r.len(), 3, "the residents of Turin still in the registry");
    for row in r {
        assert_eq!(
            (row.get::<_, String>(0), row.get::<_, bool>(1), row.get::<_, bool>(2)),
            ("registrato".into(), false, true),
            "a weak registration: no identity was checked in person"
        );
    }
    // Dry run: reports, writes nothing.
    let before: i64 = owner.query_one("SELECT count(*) FROM batch_runs", &[]).await.unwrap().get(0);
    let out = db.cli(Some("admin"), &["import-cia", sample("cia-with-errors.csv").to_str().unwrap(), "--dry-run"]);
    assert_eq!(out.status.code(), Some(8));
    assert!(text(&out).1.contains("(dry run): 11 rows"), "{}", text(&out).1);
    let after: i64 = owner.query_one("SELECT count(*) FROM batch_runs", &[]).await.unwrap().get(0);
    assert_eq!(before, after);
}

pub(crate) async fn due_registrations(db: &TestDb, n: i64) {
    db.owner()
        .await
        .execute(
            "INSERT INTO registrations (fiscal_code, community, state, first_name, last_name, res_address, res_street_number,
                 res_postcode, res_province, res_municipality)
             SELECT 'PST' || lpad(i::text, 13, '0'), 'sistemapiemonte', 'attivato', 'Nicolò', 'D''Amico ' || i,
                    'Via Sant''Agostino', i::text, '10122', 'TO', '001272'
             FROM generate_series(1, $1::bigint) i",
            &[&n],
        )
        .await
        .unwrap();
    db.owner()
        .await
        .batch_execute("INSERT INTO pin_letter_queue (registration_number, res_province) SELECT registration_number, res_province FROM registrations")
        .await
        .unwrap();
}

#[tokio::test]
async fn a_postal_run_killed_midway_prints_every_letter_once() {
    let db = TestDb::new().await;
    let n = 1500;
    due_registrations(&db, n).await;
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().to_str().unwrap();
    let args = ["print-letters", "--postal-run", "--batch-size", "50", "--out", out];
    let dry = db.cli(Some("admin"), &[&args[..], &["--dry-run"]].concat());
    assert!(text_of(&dry).contains("dry run: 1500 letters due, 30 files of up to 50"), "{}", text_of(&dry));
    let mut child = spawn(&db, &args);
    kill_when(&db, &mut child, "SELECT count(*) >= 4 FROM postal_batches").await;
    let owner = db.owner().await;
    let state: String = owner.query_one("SELECT state FROM batch_runs", &[]).await.unwrap().get(0);
    assert_eq!(state, "running");

    let out = db.cli(Some("admin"), &args);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("resumed run"), "{stdout}");
    // Every due registration printed once, with its PIN stored.
    let r = owner
        .query_one(
            "SELECT (SELECT count(*) FROM pin_letter_queue), count(*) FILTER (WHERE k.pin_print_count = 1 AND k.pin_hash IS NOT NULL AND k.pin_printed_at IS NOT NULL), count(*)
             FROM registrations r LEFT JOIN registration_credentials k USING (registration_number)",
            &[],
        )
        .await
        .unwrap();
    assert_eq!((r.get::<_, i64>(0), r.get::<_, i64>(1), r.get::<_, i64>(2)), (0, n, n));
    // Every stored PIN has exactly one letter: manifests list each registration once, and each
    // PDF has as many pages as its manifest has rows.
    let mut seen = std::collections::HashSet::new();
    let mut letters = 0;
    let mut files: Vec<PathBuf> = std::fs::read_dir(out_dir.path()).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(!files.iter().any(|f| f.to_string_lossy().ends_with(".tmp")), "no half-done batch left: {files:?}");
    for manifest in files.iter().filter(|f| f.extension().is_some_and(|e| e == "csv")) {
        let mut rdr = csv::Reader::from_path(manifest).unwrap();
        let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
        for row in &rows {
            assert!(seen.insert(row[1].to_string()), "registration {} printed twice", &row[1]);
        }
        let pdf = lopdf::Document::load(manifest.with_extension("pdf")).unwrap();
        assert_eq!(pdf.get_pages().len(), rows.len(), "{}", manifest.display());
        letters += rows.len();
    }
    assert_eq!(letters as i64, n);
    assert_eq!(seen.len() as i64, n);
    let (run_letters, batches): (i64, i64) = {
        let r = owner
            .query_one("SELECT (counts->>'letters')::bigint, (SELECT count(*) FROM postal_batches WHERE state = 'published') FROM batch_runs", &[])
            .await
            .unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!(run_letters, n, "the run record counts match");
    assert_eq!(batches, (n + 49) / 50);
    // The letters are addressed for the window envelope, accents intact.
    let first = files.iter().find(|f| f.extension().is_some_and(|e| e == "pdf")).unwrap();
    let text = sportello::letters::extract_text(&std::fs::read(first).unwrap()).unwrap();
    assert!(
        text.contains("NICOLÒ D'AMICO 1")
            && text.contains("10122 TORINO (TO)")
            && text.contains("Consegna del codice PIN"),
        "{text}"
    );
    // Nothing more is due: a new run prints nothing.
    let out = db.cli(Some("admin"), &args);
    assert!(text_of(&out).contains("0 letters in 0 files"), "{}", text_of(&out));
}

fn text_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) async fn register(db: &TestDb, c: &Citizen, doc: &str, issued: &str, email: &str) -> i64 {
    let s = db.admin().await;
    let number = c.register(&s).await;
    db.owner()
        .await
        .execute(
            "UPDATE registrations SET doc_number = $2, doc_issued = $3::text::date, email = $4 WHERE registration_number = $1",
            &[&number, &doc, &issued, &email],
        )
        .await
        .unwrap();
    number
}

fn mario() -> Citizen {
    Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M)
}

pub(crate) fn sara() -> Citizen {
    let mut c = Citizen::new("SPSSRA", "Sara", "Esposito", "1995-08-14", Sex::F);
    c.cf = "SPSSRA95M54F839P".into();
    c
}

#[tokio::test]
async fn registered_letters_revoke_the_matching_and_report_the_rest() {
    let db = TestDb::new().await;
    assert_eq!(mario().cf, "RSSMRA85T10L219G");
    register(&db, &mario(), "CA12345AA", "2022-03-01", "mario.rossi@example.it").await;
    register(&db, &sara(), "CA77777EE", "2024-05-02", "sara.esposito@example.it").await;
    // A dry run decides every letter and changes nothing.
    let out = db
        .cli(Some("admin"), &["revoke", "--letters", sample("revocation-letters.csv").to_str().unwrap(), "--dry-run"]);
    assert_eq!(out.status.code(), Some(8));
    assert!(
        text(&out).1.contains(
            "dry run: 5 letters, 1 already revoked, 1 invalid, 1 mismatch, 1 not found, 1 revoked (nothing revoked)"
        ),
        "{}",
        text(&out).1
    );
    let n: i64 = db.owner().await.query_one("SELECT count(*) FROM registrations", &[]).await.unwrap().get(0);
    assert_eq!(n, 2, "nothing revoked by the dry run");
    let report = db.files.path().join("revocations.csv");
    let out = db.cli(
        Some("admin"),
        &[
            "revoke",
            "--letters",
            sample("revocation-letters.csv").to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ],
    );
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 8, "{stderr}");
    let report = std::fs::read_to_string(report).unwrap();
    assert!(report.contains("3,doc_number,CA00000XX,mismatch"), "{report}");
    assert!(report.contains("4,fiscal_code,CNTPLA47A06A479Q,not found"), "{report}");
    assert!(report.contains("5,fiscal_code,RSSMRA85T10L219G,already revoked"), "{report}");
    assert!(report.contains("6,fiscal_code,RSSMRA85T10L219X,\"fiscal code"), "{report}");
    let owner = db.owner().await;
    let left: Vec<String> =
        owner.query("SELECT fiscal_code FROM registrations", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(left, ["SPSSRA95M54F839P"]);
    let tomb: String = owner.query_one("SELECT letter_protocol FROM revocations", &[]).await.unwrap().get(0);
    assert_eq!(tomb, "CSI-2026-004511");
    let counts: serde_json::Value = owner.query_one("SELECT counts FROM batch_runs", &[]).await.unwrap().get(0);
    assert_eq!(
        counts,
        serde_json::json!({ "revoked": 1, "mismatch": 1, "not_found": 1, "already_revoked": 1, "invalid": 1 })
    );
    // A processed file is not processed twice.
    let out = db.cli(Some("admin"), &["revoke", "--letters", sample("revocation-letters.csv").to_str().unwrap()]);
    assert!(text(&out).1.contains("nothing to do"));
    // One letter typed by the helpdesk.
    let letter = |protocol: &'static str| {
        [
            "revoke",
            "--cf",
            "SPSSRA95M54F839P",
            "--first-name",
            "Sara",
            "--last-name",
            "Esposito",
            "--doc-number",
            "CA77777EE",
            "--doc-issued",
            "2024-05-02",
            "--letter-protocol",
            protocol,
            "--letter-date",
            "2026-11-22",
        ]
    };
    let out = db.cli(Some("admin"), &letter("CSI-2026-004600"));
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("revoked"));
    let out = db.cli(Some("admin"), &letter("CSI-2026-004601"));
    assert_eq!(out.status.code(), Some(5));
    assert!(text(&out).1.contains("already revoked"));
    // Whoever revoked is never pre-loaded again from the registry, which still lists them.
    let out = db.cli(Some("admin"), &["import-cia", sample("cia.csv").to_str().unwrap(), "--preload", "001272"]);
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    let preloaded: Vec<String> = owner
        .query("SELECT fiscal_code FROM registrations ORDER BY 1", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(preloaded, ["BNCGLI92D58L219Y", "CSTFNC88C65L219X", "GLLNDR00L07L219X"], "Turin but Mario Rossi");
}

#[tokio::test]
async fn one_letter_without_its_data_is_refused_and_erases_nothing() {
    let db = TestDb::new().await;
    register(&db, &sara(), "CA77777EE", "2024-05-02", "sara.esposito@example.it").await;
    let full = [
        ("--first-name", "Sara"),
        ("--last-name", "Esposito"),
        ("--doc-number", "CA77777EE"),
        ("--doc-issued", "2024-05-02"),
        ("--letter-date", "2026-11-22"),
    ];
    // Nothing but the protocol, then each field missing in turn, then a protocol date that is
    // not a date: refused as invalid input (exit 3), as a batch row would be.
    let mut attempts: Vec<Vec<(&str, &str)>> = vec![vec![]];
    for skip in 0..full.len() {
        attempts.push(full.iter().enumerate().filter(|(i, _)| *i != skip).map(|(_, f)| *f).collect());
    }
    let mut bad_date = full.to_vec();
    bad_date[4].1 = "yesterday";
    attempts.push(bad_date);
    for given in attempts {
        let mut args = vec!["revoke", "--cf", "SPSSRA95M54F839P", "--letter-protocol", "ANY"];
        for (flag, value) in &given {
            args.extend([*flag, *value]);
        }
        let out = db.cli(Some("admin"), &args);
        let (_, stderr, code) = text(&out);
        assert_eq!(code, 3, "{args:?}: {stderr}");
        assert!(stderr.contains("is empty") || stderr.contains("protocol_date"), "{stderr}");
    }
    let owner = db.owner().await;
    let n: i64 = owner.query_one("SELECT count(*) FROM registrations", &[]).await.unwrap().get(0);
    assert_eq!(n, 1, "nothing erased");
    let n: i64 = owner.query_one("SELECT count(*) FROM revocations", &[]).await.unwrap().get(0);
    assert_eq!(n, 0);
    // Each refusal is recorded, with its target.
    let n: i64 = owner
        .query_one(
            "SELECT count(*) FROM audit_log WHERE action = 'revoke-letter' AND outcome = 'refused' AND target = $1",
            &[&sportello::audit::fiscal_code_target(&db.key(), "SPSSRA95M54F839P")],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 7);
}

#[tokio::test]
async fn helpdesk_mailbox_honours_only_matching_requests() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let sara_n = register(&db, &sara(), "CA77777EE", "2024-05-02", "sara.esposito@example.it").await;
    let mario_n = register(&db, &mario(), "CA12345AA", "2022-03-01", "mario.rossi@example.it").await;
    let mut pins = Vec::new();
    for n in [sara_n, mario_n] {
        let b = book::book(
            &s,
            &desk,
            book::Request {
                key: Key::Number(n),
                operation: OperationKind::Verification,
                delegate: None,
                print_code: false,
            },
        )
        .await
        .unwrap();
        pins.push(pin_in(&b.letters));
    }
    let old_code = code_in(db.spooled().iter().find(|m| m.contains("il Suo codice di attivazione")).unwrap());
    let before = db.spooled().len();
    let mailbox = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(sample("mailbox")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, mailbox.path().join(p.file_name().unwrap())).unwrap();
    }
    let out =
        db.cli(Some("admin"), &["regenerate-code", "--mailbox", mailbox.path().to_str().unwrap(), "--format", "json"]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 8, "a duplicate was set aside: {stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let outcomes: Vec<String> = report["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| match m["outcome"].as_str() {
            Some(s) => s.to_string(),
            None => m["outcome"].as_object().unwrap().keys().next().unwrap().clone(),
        })
        .collect();
    assert_eq!(outcomes, ["honoured", "refused", "honoured", "refused", "duplicate", "refused"]);
    let reason = |i: usize| report["messages"][i]["outcome"]["refused"]["reason"].as_str().unwrap().to_string();
    assert!(reason(1).contains("sender"), "{}", reason(1));
    assert!(reason(3).contains("document number"), "{}", reason(3));
    assert!(reason(5).contains("no registration"), "{}", reason(5));
    let processed = std::fs::read_dir(mailbox.path().join("processed")).unwrap().count();
    let failed = std::fs::read_dir(mailbox.path().join("failed")).unwrap().count();
    assert_eq!((processed, failed), (5, 1));

    // Two new codes, each with its notice to the registered address, and three replies sent.
    let sent = db.spooled();
    let new: Vec<&String> = sent[before..].iter().collect();
    assert_eq!(new.len(), 7);
    assert_eq!(new.iter().filter(|m| m.contains("Sistema Piemonte: nuovo codice di attivazione")).count(), 2);
    let to = |m: &str| m.lines().find(|l| l.starts_with("To: ")).unwrap_or_default().to_string();
    let codes: Vec<&&String> = new.iter().filter(|m| m.contains("il Suo codice di attivazione")).collect();
    assert_eq!(codes.len(), 2);
    assert!(
        new.iter().any(|m| to(m).contains("sara.esposito@mail-sicura.example")
            && m.contains("Subject: Re: richiesta nuovo codice")),
        "reply to the spoofed sender"
    );
    // Sara's old code is dead; the one from the helpdesk works with her PIN.
    let sara_mail = codes.iter().find(|m| to(m).contains("sara.esposito@example.it")).unwrap();
    let new_code = code_in(sara_mail);
    let activation = |code: &str| portal::Activation {
        fiscal_code: sara().cf,
        activation_code: code.into(),
        pin: pins[0].clone(),
        accept_rules: true,
        username: Some("sara.esposito".into()),
        password: Some("Piemonte2026!x".into()),
        secret_question: Some("Città natale?".into()),
        secret_answer: Some("Napoli".into()),
    };
    assert!(portal::activate(&db.db, &desk, activation(&old_code)).await.is_err());
    portal::activate(&db.db, &desk, activation(&new_code)).await.unwrap();

    // The same message again: recorded Message-ID, set aside.
    std::fs::copy(sample("mailbox/01-honoured-quoted-printable.eml"), mailbox.path().join("again.eml")).unwrap();
    let out = db.cli(Some("admin"), &["regenerate-code", "--mailbox", mailbox.path().to_str().unwrap()]);
    assert!(text(&out).0.contains("duplicate Message-ID"), "{}", text(&out).0);
    let recorded: i64 = db.owner().await.query_one("SELECT count(*) FROM helpdesk_messages", &[]).await.unwrap().get(0);
    assert_eq!(recorded, 5);

    // A run that died after deciding Mario's request but before the reply went out: the next
    // run answers it again, with a new code, and only then counts it as replied.
    db.owner()
        .await
        .execute("UPDATE helpdesk_messages SET replied_at = NULL WHERE message_id = 'req-0003@example.it'", &[])
        .await
        .unwrap();
    // The run record of that run was left running: the next run resumes and completes it.
    let runs =
        "SELECT count(*), count(*) FILTER (WHERE state = 'running') FROM batch_runs WHERE kind = 'helpdesk-mailbox'";
    let owner = db.owner().await;
    owner
        .execute("UPDATE batch_runs SET state = 'running' WHERE id = (SELECT max(id) FROM batch_runs)", &[])
        .await
        .unwrap();
    let (before_runs, _): (i64, i64) = owner.query_one(runs, &[]).await.map(|r| (r.get(0), r.get(1))).unwrap();
    std::fs::copy(sample("mailbox/03-honoured-html-base64.eml"), mailbox.path().join("03-again.eml")).unwrap();
    let before = db.spooled().len();
    let out = db.cli(Some("admin"), &["regenerate-code", "--mailbox", mailbox.path().to_str().unwrap()]);
    assert_eq!(text(&out).2, 0, "{}{}", text(&out).0, text(&out).1);
    let sent = db.spooled();
    assert_eq!(sent.len(), before + 2, "the new code and its notice");
    assert!(
        to(&sent[before]).contains("mario.rossi@example.it") && sent[before].contains("il Suo codice di attivazione")
    );
    assert!(to(&sent[before + 1]).contains("mario.rossi@example.it") && sent[before + 1].contains("nuovo codice"));
    let unreplied: Vec<String> = db
        .owner()
        .await
        .query("SELECT message_id || ' ' || outcome FROM helpdesk_messages WHERE replied_at IS NULL", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(unreplied.is_empty(), "{unreplied:?}");

    let after_runs: (i64, i64) = owner.query_one(runs, &[]).await.map(|r| (r.get(0), r.get(1))).unwrap();
    assert_eq!(after_runs, (before_runs, 0), "resumed, not a new run");

    // Two runs on one mailbox at once: the second is refused.
    let name = format!("helpdesk-mailbox:{}", mailbox.path().canonicalize().unwrap().display());
    owner.execute("SELECT pg_advisory_lock(hashtextextended($1, 0))", &[&name]).await.unwrap();
    let out = db.cli(Some("admin"), &["regenerate-code", "--mailbox", mailbox.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out).1);
    assert!(text(&out).1.contains("another helpdesk run"), "{}", text(&out).1);
}

/// A batch job leaves its Prometheus textfile metrics in `metrics_dir`: rows, rejects, success
/// (exit 8 counts as done), duration and time; a failed run says so; other commands write none.
#[tokio::test]
async fn batch_jobs_leave_prometheus_metrics() {
    let db = TestDb::new().await;
    let metrics = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let mut cmd = db.command(Some("admin"), args);
        cmd.env("SPORTELLO_METRICS_DIR", metrics.path());
        text(&cmd.output().unwrap())
    };
    let (_, stderr, code) = run(&["import-cia", sample("cia-with-errors.csv").to_str().unwrap()]);
    assert_eq!(code, 8, "{stderr}");
    let text = std::fs::read_to_string(metrics.path().join("sportello_import_cia.prom")).unwrap();
    let value = |name: &str| -> f64 {
        let prefix = format!("sportello_job_{name}{{job=\"import-cia\"}} ");
        let line = text.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("{name}: {text}"));
        line[prefix.len()..].parse().unwrap()
    };
    assert_eq!(value("success"), 1.0, "{text}");
    assert!(value("rows") >= 10.0 && value("rejects") >= 1.0, "{text}");
    assert!(value("duration_seconds") > 0.0);
    let now = chrono::Utc::now().timestamp() as f64;
    assert!((now - value("last_run_timestamp_seconds")).abs() < 120.0, "{text}");

    let (_, _, code) = run(&["import-aura", "/nonexistent/aura.csv"]);
    assert_ne!(code, 0);
    let failed = std::fs::read_to_string(metrics.path().join("sportello_import_aura.prom")).unwrap();
    assert!(failed.contains("sportello_job_success{job=\"import-aura\"} 0\n"), "{failed}");

    run(&["search", "--last-name", "rossi"]);
    let files: Vec<_> = std::fs::read_dir(metrics.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(files.len(), 2, "only the batch jobs, no temporary file: {files:?}");
}
