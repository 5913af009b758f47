//! Input hygiene: bounded, printable text in every field, one email address, operator ids of
//! a fixed alphabet, and the server lost mid-command told as "unavailable".

use std::time::{Duration, Instant};

use sportello::batch::Quiet;
use sportello::batch::registry_import::{self, Options};
use sportello::domain::Sex;
use sportello::store::registry::Source;

use crate::cli::register_args;
use crate::fixtures::Citizen;
use crate::harness::{TestDb, text};

fn mario_cf() -> String {
    Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M).cf
}

/// The expected exit code, `needle` on stderr, no panic; returns stderr.
fn fails(out: &std::process::Output, code: i32, needle: &str) -> String {
    let (stdout, stderr, got) = text(out);
    assert_eq!(got, code, "exit code; stdout: {stdout}\nstderr: {stderr}");
    assert!(stderr.contains(needle), "stderr should contain {needle:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

async fn count(db: &TestDb) -> i64 {
    db.owner().await.query_one("SELECT count(*) FROM registrations", &[]).await.unwrap().get(0)
}

/// The register command with one flag's value replaced (or added).
fn register_with(cf: &str, flag: &str, value: &str) -> Vec<String> {
    let mut args: Vec<String> = register_args(cf, &[]).into_iter().map(String::from).collect();
    match args.iter().position(|a| a == flag) {
        Some(i) => args[i + 1] = value.to_string(),
        None => args.extend([flag.to_string(), value.to_string()]),
    }
    args
}

fn run(db: &TestDb, args: &[String]) -> std::process::Output {
    db.cli(Some("admin"), &args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[tokio::test]
async fn desk_text_is_bounded_and_free_of_control_characters() {
    let db = TestDb::new().await;
    let cf = mario_cf();
    let huge = "R".repeat(100 * 1024);
    let err =
        fails(&run(&db, &register_with(&cf, "--last-name", &huge)), 3, "last-name is too long: 102400 characters");
    assert!(err.len() < 500, "the value is not echoed: {} bytes", err.len());
    for (flag, value, field) in [
        ("--first-name", "Ma\x1b[31mrio", "first-name"),
        ("--last-name", "Rossi\x07", "last-name"),
        ("--address", "Via\u{200b} Roma", "address"),
        ("--doc-issuer", "Comune\u{202e} di Torino", "doc-issuer"),
        ("--phone", "011\x1b]0;x\x07", "phone"),
    ] {
        let err = fails(&run(&db, &register_with(&cf, flag, value)), 3, &format!("{field} contains a control"));
        assert!(!err.contains('\x1b') && !err.contains('\x07'), "{err:?}");
    }
    fails(&run(&db, &register_with(&cf, "--doc-number", &"9".repeat(41))), 3, "doc-number is too long");
    fails(&run(&db, &register_with(&cf, "--municipality", "Tor\x1bino")), 3, "municipality contains a control");
    assert_eq!(count(&db).await, 0, "nothing written");
    let out = run(&db, &register_with(&cf, "--last-name", "D'Àlessandro-Nicolò"));
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
}

#[tokio::test]
async fn an_email_is_exactly_one_address() {
    let db = TestDb::new().await;
    let cf = mario_cf();
    for bad in ["a@b.it,x@y.it", "a@b.it x@y.it", "Mario Rossi <a@b.it>", "a@b.it;x@y.it"] {
        fails(&run(&db, &register_with(&cf, "--email", bad)), 3, "is not a valid address");
    }
    fails(&run(&db, &register_with(&cf, "--email", "m@postacertificata.gov.it")), 3, "PEC");
    assert_eq!(count(&db).await, 0);
    let out = run(&db, &register_with(&cf, "--email", "mario.rossi+asl@example.it"));
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
}

#[tokio::test]
async fn operator_ids_are_lower_case_words_compared_without_case() {
    let db = TestDb::new().await;
    let add = |id: &str| {
        db.cli(Some("admin"), &["operator", "add", id, "--name", "Giulia Bianchi", "--ente", "ASL", "--province", "TO"])
    };
    for bad in ["op\u{200b}1", "op 1", "opé", "op\x1b1", "ор1"] {
        fails(&add(bad), 3, "may hold only letters a-z, digits and . _ -");
    }
    let out = add("GBianchi");
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let stored: Vec<String> = db
        .owner()
        .await
        .query("SELECT id FROM operators ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(stored, ["admin", "gbianchi", "portal"], "stored in lower case; the refused ids are not stored");
    fails(&add("gbianchi"), 5, "operator 'gbianchi' exists already");
    fails(&add("GBIANCHI"), 5, "operator 'gbianchi' exists already");
    // The login is lower case; naming oneself in any case is accepted.
    db.set_password("gbianchi").await;
    for claimed in ["gbianchi", "GBianchi", "GBIANCHI"] {
        let out = db.cli(Some("gbianchi"), &["--operator", claimed, "search", "--last-name", "x"]);
        assert!(matches!(out.status.code(), Some(0) | Some(4)), "{claimed}: {:?}", text(&out));
    }
    fails(&db.cli(Some("gbianchi"), &["--operator", "gbianchi\u{200b}", "search"]), 5, "not as (not an operator id)");
    // Operators already stored with upper case (before this rule) are still found.
    db.owner()
        .await
        .execute("INSERT INTO operators (id, full_name, ente, created_by) VALUES ('OLD1', 'Old', 'ASL', 'admin')", &[])
        .await
        .unwrap();
    fails(&add("old1"), 5, "exists already");
    // Its login (lower case, as the DBA makes it) is that operator.
    db.owner()
        .await
        .batch_execute(
            "DO $$ BEGIN CREATE ROLE old1 LOGIN PASSWORD 'sportello-test-login' IN ROLE sportello_auditor;
             EXCEPTION WHEN duplicate_object THEN NULL; END $$",
        )
        .await
        .unwrap();
    let out = db.cli(Some("old1"), &["operator", "show", "OLD1"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
}

#[tokio::test]
async fn registry_rows_with_control_characters_or_huge_values_are_rejected_alone() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let cf = |letters: &str| crate::fixtures::cf(letters, crate::fixtures::date("1985-12-10"), 'M', "L219");
    let huge = "R".repeat(100 * 1024);
    let rows = [
        format!("{};Mario;Rossi;1985-12-10;M;Via Roma;1;10121;001272;;;;", cf("RSSMRA")),
        format!("{};Ma\0rio;Rossi;1985-12-10;M;Via Roma;1;10121;001272;;;;", cf("RSSMRB")),
        format!("{};Mario;{huge};1985-12-10;M;Via Roma;1;10121;001272;;;;", cf("RSSMRC")),
        format!("{};Mario;Rossi;1985-12-10;M;Via\x1b[2J Roma;1;10121;001272;;;;", cf("RSSMRD")),
        format!("{};Mario;Rossi;1985-12-10;M;Via Roma;1;10121;001272;;CA1\u{feff};;Comune", cf("RSSMRE")),
        format!("{};Mario;Rossi;1985-12-10;M;Via Roma;1;10121;001272;;;;{}", cf("RSSMRF"), "C".repeat(151)),
        format!("{};Luigi;Verdi;1985-12-10;M;Via Po;2;10121;001272;;;;", cf("VRDLGU")),
    ];
    let csv = format!(
        "fiscal_code;first_name;last_name;birth_date;sex;address;street_number;postcode;municipality;doc_type;doc_number;doc_issued;doc_issuer\n{}\n",
        rows.join("\n")
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cia.csv");
    std::fs::write(&path, csv).unwrap();
    let summary = registry_import::import(&s, Source::Cia, &path, &Options::default(), &Quiet).await.unwrap();
    let got: Vec<(u64, &str)> = summary.rejected.iter().map(|r| (r.line, r.field.as_str())).collect();
    assert_eq!(
        got,
        [(3, "first_name"), (4, "last_name"), (5, "address"), (6, "doc_number"), (7, "doc_issuer")],
        "{:?}",
        summary.rejected
    );
    assert!(summary.rejected[0].reason.contains("first_name contains a control or invisible character (U+0000)"));
    assert!(summary.rejected[1].reason.contains("last_name is too long: 102400 characters, at most 100"));
    for r in &summary.rejected {
        assert!(r.value.chars().count() <= 81, "a reject shows a cut value: {} chars", r.value.chars().count());
        assert!(!r.value.contains(['\0', '\x1b', '\u{feff}']), "a reject shows escaped values: {:?}", r.value);
    }
    assert_eq!(summary.inserted, 2, "the good rows go in");
    let n: i64 = db.owner().await.query_one("SELECT count(*) FROM cia_residents", &[]).await.unwrap().get(0);
    assert_eq!(n, 2);
    let stored: i64 = db.owner().await.query_one("SELECT count(*) FROM batch_rejects", &[]).await.unwrap().get(0);
    assert_eq!(stored, 5, "the rejects are recorded");
}

/// The server ends the command's session while it waits (an administrator's
/// pg_terminate_backend, as in a shutdown): exit 6, not 1.
#[tokio::test]
async fn losing_the_server_mid_command_exits_6() {
    let db = TestDb::new().await;
    let holder = db.owner().await;
    holder.batch_execute("BEGIN; LOCK TABLE registrations IN ACCESS EXCLUSIVE MODE").await.unwrap();
    let child = crate::harness::sportello()
        .args(["search", "--last-name", "Rossi"])
        .env("SPORTELLO_DATABASE_URL", db.url_as("admin"))
        .env("SPORTELLO_HOME", db.files.path())
        .env("SPORTELLO_KEY_FILE", db.files.path().join("secret.key"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the command's session waits on the lock, then terminate it.
    let watcher = db.owner().await;
    let started = Instant::now();
    loop {
        let n: i64 = watcher
            .query_one(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        if n > 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the command never waited on the lock");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    holder.batch_execute("ROLLBACK").await.unwrap();
    fails(&out, 6, "lost the database connection");
}
