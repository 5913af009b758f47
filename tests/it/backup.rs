//! `db backup` and `db restore` (issue 18): PostgreSQL's own tools, a restore that replaces the
//! database only once it succeeded, and an audit chain that holds the head kept at backup time.

use sportello::domain::Sex;

use crate::fixtures::Citizen;
use crate::harness::{TestDb, text};

fn head(db: &TestDb, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let mut args = vec!["audit", "verify", "--format", "json"];
    args.extend_from_slice(extra);
    let (stdout, stderr, code) = text(&db.cli(Some("admin"), &args));
    (code, serde_json::from_str(&stdout).unwrap_or_default(), stderr)
}

fn shown(db: &TestDb, cf: &str) -> i32 {
    text(&db.cli(Some("admin"), &["show", "--cf", cf])).2
}

#[tokio::test]
async fn a_restored_backup_is_the_database_as_it_was_and_its_chain_holds() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let mario = Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M);
    mario.register(&s).await;
    let (code, before, stderr) = head(&db, &[]);
    assert_eq!(code, 0, "{stderr}");
    let kept = before["head_hash"].as_str().unwrap().to_string();

    let file = db.files.path().join("before-upgrade.dump");
    let (stdout, stderr, code) = text(&db.cli(None, &["db", "backup", file.to_str().unwrap()]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("backup written"), "{stdout}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600, "owner only");
    assert_eq!(&std::fs::read(&file).unwrap()[..5], b"PGDMP", "pg_dump's custom format");
    let (_, stderr, code) = text(&db.cli(None, &["db", "backup", file.to_str().unwrap()]));
    assert_eq!(code, 5, "an existing file is never replaced: {stderr}");

    // The day goes on after the backup.
    let anna = Citizen::new("DNGNNA", "Anna", "D'Angelo", "1980-04-12", Sex::F);
    anna.register(&s).await;
    assert_eq!(shown(&db, &anna.cf), 0);
    drop(s);

    // A damaged file is refused before anything changes.
    let bad = db.files.path().join("damaged.dump");
    std::fs::write(&bad, &std::fs::read(&file).unwrap()[..200]).unwrap();
    let (_, stderr, code) = text(&db.cli(None, &["db", "restore", bad.to_str().unwrap()]));
    assert_ne!(code, 0, "{stderr}");
    assert!(stderr.contains("pg_restore failed"), "{stderr}");
    assert_eq!(shown(&db, &anna.cf), 0, "the database is untouched");

    let (stdout, stderr, code) = text(&db.cli(None, &["db", "restore", file.to_str().unwrap()]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("restored"), "{stdout}");
    assert_eq!(shown(&db, &mario.cf), 0, "what the backup held is back");
    assert_eq!(shown(&db, &anna.cf), 4, "what came after the backup is gone");
    // The chain holds the head kept at backup time, and goes on from it.
    let (code, after, stderr) = head(&db, &["--head", &kept]);
    assert_eq!(code, 0, "{stderr} {after}");
    assert_eq!(after["problem"], serde_json::Value::Null, "{after}");
    assert!(after["rows"].as_u64().unwrap() >= before["rows"].as_u64().unwrap(), "{after}");
}
