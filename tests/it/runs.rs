//! One run per input at a time (issue 11): a second run is refused naming the running one and
//! its process; a run whose process has gone is taken over by the next.

use std::process::Stdio;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::batch::{due_registrations, registry_file};
use crate::harness::{TestDb, text};

/// The binary in the background on the test database, its output kept.
fn spawn(db: &TestDb, args: &[&str]) -> std::process::Child {
    let mut cmd = crate::harness::sportello();
    db.cli_env(&mut cmd, Some("admin"));
    cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

#[tokio::test]
async fn two_forced_imports_of_one_file_started_together_run_once() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let (file, good, bad) = registry_file(dir.path(), 60_000);
    let args = ["import-cia", file.to_str().unwrap(), "--force", "--chunk-size", "1000"];
    let (a, b) = (spawn(&db, &args), spawn(&db, &args));
    let (a_pid, b_pid) = (a.id(), b.id());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let (a, b) = (text(&a), text(&b));
    let (winner, loser, winner_pid) = if a.2 == 5 { (b, a, b_pid) } else { (a, b, a_pid) };
    assert_eq!(loser.2, 5, "one is refused: {}", loser.1);
    assert_eq!(winner.2, 8, "the other imports (with the file's bad rows): {}", winner.1);
    assert!(
        loser.1.contains("another import-cia of the same input is running: run")
            && loser.1.contains(&format!("process {winner_pid} on")),
        "names the running run and its process: {}",
        loser.1
    );
    let owner = db.owner().await;
    let runs = owner.query("SELECT state, rows_read, rows_ok, pid FROM batch_runs", &[]).await.unwrap();
    assert_eq!(runs.len(), 1, "one run record");
    assert_eq!(runs[0].get::<_, String>(0), "done");
    assert_eq!(runs[0].get::<_, i64>(1) as usize, good + bad, "the rows counted once");
    assert_eq!(runs[0].get::<_, i64>(2) as usize, good);
    assert_eq!(runs[0].get::<_, Option<i32>>(3), Some(winner_pid as i32));
}

#[tokio::test]
async fn a_second_identical_postal_run_is_refused_while_one_runs() {
    let db = TestDb::new().await;
    let n = 20_000;
    due_registrations(&db, n).await;
    let out_dir = tempfile::tempdir().unwrap();
    let args = ["print-letters", "--postal-run", "--batch-size", "50", "--out", out_dir.path().to_str().unwrap()];
    let mut first = spawn(&db, &args);
    let owner = db.owner().await;
    let start = Instant::now();
    loop {
        let batches: i64 = owner.query_one("SELECT count(*) FROM postal_batches", &[]).await.unwrap().get(0);
        if batches >= 2 {
            break;
        }
        assert!(first.try_wait().unwrap().is_none(), "the first run ended too soon");
        assert!(start.elapsed() < Duration::from_secs(120));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(first.try_wait().unwrap().is_none(), "the first run is still running");
    let second = db.cli(Some("admin"), &args);
    let (_, stderr, code) = text(&second);
    assert_eq!(code, 5, "{stderr}");
    assert!(
        stderr.contains("another postal-run of the same input is running")
            && stderr.contains(&format!("process {} on", first.id())),
        "{stderr}"
    );
    let first_pid = first.id();
    let out = first.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    // The second run touched nothing: no half-written batch, every letter printed once by the first.
    let files: Vec<String> = std::fs::read_dir(out_dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!files.iter().any(|f| f.ends_with(".tmp")), "no .tmp files left");
    let mut listed = 0;
    for f in files.iter().filter(|f| f.ends_with(".csv")) {
        listed += csv::Reader::from_path(out_dir.path().join(f)).unwrap().records().count();
    }
    assert_eq!(listed as i64, n);
    let r = owner
        .query_one(
            "SELECT count(*) FILTER (WHERE k.pin_print_count = 1 AND k.pin_hash IS NOT NULL), count(*)
             FROM registrations r LEFT JOIN registration_credentials k USING (registration_number)",
            &[],
        )
        .await
        .unwrap();
    assert_eq!((r.get::<_, i64>(0), r.get::<_, i64>(1)), (n, n));
    let run = owner.query_one("SELECT count(*), max(pid), min(state) FROM batch_runs", &[]).await.unwrap();
    assert_eq!(
        (run.get::<_, i64>(0), run.get::<_, Option<i32>>(1), run.get::<_, Option<String>>(2)),
        (1, Some(first_pid as i32), Some("done".into()))
    );
}

#[tokio::test]
async fn a_stale_running_record_is_taken_over() {
    let db = TestDb::new().await;
    let mailbox = tempfile::tempdir().unwrap();
    let canonical = mailbox.path().canonicalize().unwrap();
    let checksum = hex::encode(Sha256::digest(format!("helpdesk-mailbox:{}", canonical.display()).as_bytes()));
    let owner = db.owner().await;
    // A run whose process has gone (no lock held): left `running`.
    let stale: i64 = owner
        .query_one(
            "INSERT INTO batch_runs (kind, input, checksum, operator_id, pid, host, position)
             VALUES ('helpdesk-mailbox', $1, $2, 'admin', 999999, 'gone.example', 3) RETURNING id",
            &[&mailbox.path().display().to_string(), &checksum],
        )
        .await
        .unwrap()
        .get(0);
    let out = db.cli(Some("admin"), &["regenerate-code", "--mailbox", mailbox.path().to_str().unwrap()]);
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    let runs = owner.query("SELECT id, state, pid, host FROM batch_runs", &[]).await.unwrap();
    assert_eq!(runs.len(), 1, "taken over, not a new run");
    assert_eq!(runs[0].get::<_, i64>(0), stale);
    assert_eq!(runs[0].get::<_, String>(1), "done", "never left running");
    assert_ne!(runs[0].get::<_, Option<i32>>(2), Some(999999), "held by the new process");
    assert_ne!(runs[0].get::<_, Option<String>>(3).as_deref(), Some("gone.example"));
    let taken: serde_json::Value = owner
        .query_one("SELECT details FROM audit_log WHERE action = 'helpdesk-mailbox' AND outcome = 'resumed'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(taken["taken_over_from"]["pid"], 999999, "{taken}");
    // `runs` shows the process.
    let out = db.cli(Some("admin"), &["runs", "--format", "json"]);
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(listed[0]["pid"].as_i64().is_some() && listed[0]["host"].as_str().is_some(), "{listed}");
}
