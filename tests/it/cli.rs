//! The binary as an operator or a script uses it: output formats, exit codes, messages.

use sportello::domain::Sex;

use crate::fixtures::Citizen;
use crate::harness::{TestDb, text};

const REGISTER: &[&str] = &[
    "register",
    "--province",
    "TO",
    "--municipality",
    "Torino",
    "--first-name",
    "Mario",
    "--last-name",
    "Rossi",
    "--birth-date",
    "1985-12-10",
    "--sex",
    "M",
    "--doc-type",
    "identity-card",
    "--doc-number",
    "CA12345AA",
    "--doc-issued",
    "2022-03-01",
    "--doc-issuer",
    "Comune di Torino",
    "--address",
    "Via Roma",
    "--street-number",
    "1",
    "--postcode",
    "10121",
    "--email",
    "mario.rossi@example.it",
];

pub fn register_args<'a>(cf: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = REGISTER.to_vec();
    v.extend(["--cf", cf]);
    v.extend(extra);
    v
}

fn mario_cf() -> String {
    Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M).cf
}

async fn count(db: &TestDb) -> i64 {
    db.owner().await.query_one("SELECT count(*) FROM registrations", &[]).await.unwrap().get(0)
}

/// A failure: the expected exit code, one line on stderr containing `needle`, no panic.
fn assert_fails(out: &std::process::Output, code: i32, needle: &str) {
    let (stdout, stderr, got) = text(out);
    assert_eq!(got, code, "exit code; stdout: {stdout}\nstderr: {stderr}");
    assert!(stderr.contains(needle), "stderr should contain {needle:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test]
async fn register_search_show_in_every_format() {
    let db = TestDb::new().await;
    let cf = mario_cf();
    let out = db.cli(Some("admin"), &register_args(&cf.to_lowercase(), &["--format", "json"]));
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    let booked: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(booked["fiscal_code"], cf.as_str(), "lower case normalised");
    assert_eq!(booked["operation"], "verification", "a desk registration books the strong verification");
    let number = booked["registration_number"].as_i64().unwrap();

    let out = db.cli(Some("admin"), &["search", "--last-name", "ros", "--format", "json"]);
    let page: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(page["total"], 1, "{page}");
    let row = &page["rows"][0];
    for key in [
        "registration_number",
        "fiscal_code",
        "first_name",
        "last_name",
        "municipality",
        "municipality_code",
        "registration_date",
        "community",
        "state",
        "strong",
        "operation_in_progress",
        "actions",
    ] {
        assert!(row.get(key).is_some(), "search JSON lacks {key}: {row}");
    }
    assert_eq!(row["registration_number"], number);
    assert_eq!(row["municipality"], "Torino");
    assert_eq!(row["strong"], false);

    let out = db.cli(Some("admin"), &["search", "--cf", &cf[..6], "--format", "csv"]);
    let (stdout, _, code) = text(&out);
    assert_eq!(code, 0);
    let mut lines = stdout.lines();
    assert!(lines.next().unwrap().starts_with(
        "registration_number,last_name,first_name,fiscal_code,municipality,municipality_code,province,registration_date"
    ));
    assert!(lines.next().unwrap().starts_with(&format!("{number},Rossi,Mario,{cf},Torino,001272,TO,")));

    let out = db.cli(Some("admin"), &["search", "--municipality", "Torino"]);
    let (stdout, _, _) = text(&out);
    assert!(
        stdout.contains("Rossi") && stdout.contains("riscontrato") && stdout.contains("regenerate-code"),
        "{stdout}"
    );

    let out = db.cli(Some("admin"), &["show", "--number", &number.to_string()]);
    let (stdout, _, code) = text(&out);
    assert_eq!(code, 0);
    for needle in ["identity card", "Comune di Torino", "mario.rossi@example.it", "10121"] {
        assert!(stdout.contains(needle), "show lacks {needle}: {stdout}");
    }
    let out = db.cli(Some("admin"), &["show", "--cf", &cf, "--format", "csv"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("field,value\nregistration_number,"));

    // Registering again: the existing number, and an exit code of its own.
    let out = db.cli(Some("admin"), &register_args(&cf, &[]));
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 7, "{stderr}");
    assert_eq!(stdout.trim(), number.to_string());
    assert!(stderr.contains("already registered with weak credentials"), "{stderr}");
}

#[tokio::test]
async fn a_desk_registration_whose_booking_fails_leaves_nothing_behind() {
    let db = TestDb::new().await;
    let cf = mario_cf();
    // The letters cannot be written: a file stands where their directory should be.
    let letters = db.files.path().join("letters");
    std::fs::write(&letters, "").unwrap();
    let out = db.cli(Some("admin"), &register_args(&cf, &[]));
    let (_, stderr, code) = text(&out);
    assert!(code != 0 && !stderr.contains("panicked"), "{code}: {stderr}");
    assert_eq!(count(&db).await, 0, "registration and booking are one transaction");
    let audit: i64 = db
        .owner()
        .await
        .query_one("SELECT count(*) FILTER (WHERE outcome = 'ok') FROM audit_log WHERE action = 'register'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(audit, 0, "only the failure is in the audit log");
    // Once the letters can be written, the same command registers and books.
    std::fs::remove_file(&letters).unwrap();
    let out = db.cli(Some("admin"), &register_args(&cf, &[]));
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    assert_eq!(count(&db).await, 1);
}

#[tokio::test]
async fn on_a_terminal_register_asks_for_the_missing_fields() {
    let db = TestDb::new().await;
    let cf = mario_cf();
    let mut args = register_args(&cf, &[]);
    let email = args.iter().position(|a| *a == "--email").unwrap();
    args.drain(email..email + 2);
    // Without a terminal nothing is asked: the missing field is an error.
    assert_fails(&db.cli(Some("admin"), &args), 3, "missing mandatory fields: email");
    assert_eq!(count(&db).await, 0);
    // On a terminal: a PEC address is refused and asked again; the valid one is taken.
    let out = db.cli_on_terminal(Some("admin"), &args, "mario@postacertificata.gov.it\nmario.rossi@example.it\n");
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("missing mandatory fields, please type them"), "{stdout}");
    assert_eq!(stdout.matches("email: ").count(), 2, "asked twice: {stdout}");
    assert!(stdout.contains("PEC"), "{stdout}");
    let stored: Option<String> =
        db.owner().await.query_one("SELECT email FROM registrations", &[]).await.unwrap().get(0);
    assert_eq!(stored.as_deref(), Some("mario.rossi@example.it"));
}

#[tokio::test]
async fn invalid_fiscal_codes() {
    let db = TestDb::new().await;
    let cf = mario_cf();
    let bad_check = format!("{}{}", &cf[..15], if cf.ends_with('A') { 'B' } else { 'A' });
    assert_fails(&db.cli(Some("admin"), &register_args(&bad_check, &[])), 3, "the check character should be");
    assert_fails(&db.cli(Some("admin"), &register_args("RSSMRA85T10L21", &[])), 3, "16 characters");
    assert_fails(
        &db.cli(Some("admin"), &register_args("RSSMRA85Z10L219X", &[])),
        3,
        "character 9 ('Z') should be a month letter",
    );
    assert_fails(&db.cli(Some("admin"), &["show", "--cf", "12345"]), 3, "invalid fiscal code '12345'");
    assert_eq!(count(&db).await, 0);
}

#[tokio::test]
async fn bad_input_exits_non_zero_with_one_clear_line() {
    let db = TestDb::new().await;
    let cf = mario_cf();
    assert_fails(&db.cli(Some("admin"), &["search", "--state", "sospeso"]), 2, "invalid value 'sospeso' for '--state");
    let mut args = register_args(&cf, &[]);
    let i = args.iter().position(|a| *a == "--doc-type").unwrap();
    args[i + 1] = "tessera";
    assert_fails(&db.cli(Some("admin"), &args), 2, "invalid value 'tessera'");
    assert_fails(&db.cli(Some("admin"), &["search", "--from", "2026-13-01"]), 2, "is not a day of the calendar");
    assert_fails(
        &db.cli(Some("admin"), &["search", "--from", "yesterday"]),
        2,
        "YYYY-MM-DD (1980-01-31) or DD/MM/YYYY",
    );
    let mut args = register_args(&cf, &[]);
    let i = args.iter().position(|a| *a == "--birth-date").unwrap();
    args[i + 1] = "10/31/1985";
    assert_fails(&db.cli(Some("admin"), &args), 2, "'10/31/1985' is not a day of the calendar");
    let mut args = register_args(&cf, &[]);
    args[4] = "Atlantide";
    assert_fails(&db.cli(Some("admin"), &args), 3, "unknown municipality 'Atlantide'");
    // Not a login of the database; a login that is not an operator (the owner's).
    assert_fails(&db.cli(Some("nobody"), &register_args(&cf, &[])), 5, "did not accept you as an operator");
    assert_fails(&db.cli(None, &register_args(&cf, &[])), 5, "is not an operator of this database");
    let with = |flag: &str, value: &'static str| {
        let mut args = register_args(&cf, &[]);
        let i = args.iter().position(|a| *a == flag).unwrap();
        args[i + 1] = value;
        db.cli(Some("admin"), &args)
    };
    assert_fails(&with("--email", "m@postacertificata.gov.it"), 3, "PEC");
    assert_fails(&with("--postcode", "1012"), 3, "postcode '1012' must be 5 digits");
    assert_eq!(count(&db).await, 0, "no partial write");

    // The database cannot be reached.
    let out = crate::harness::sportello()
        .args(["search", "--last-name", "x"])
        .env("SPORTELLO_DATABASE_URL", "host=/nonexistent/socket/dir user=nobody dbname=sportello")
        .env("SPORTELLO_OPERATOR", "admin")
        .output()
        .unwrap();
    assert_fails(&out, 6, "database unreachable");
    let (_, stderr, _) = text(&out);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    let out = crate::harness::sportello()
        .args(["search"])
        .env("SPORTELLO_DATABASE_URL", "postgres://nobody@localhost:1/x?sslmode=bogus")
        .output()
        .unwrap();
    assert_fails(&out, 3, "invalid database URL");
}

#[tokio::test]
async fn operators_bootstrap_competence_and_listing() {
    let db = TestDb::new().await;
    // The database already has `admin`: bootstrap is over, even for the owner.
    let out = db.cli(None, &["operator", "bootstrap", "x", "--name", "X", "--ente", "Y", "--province", "TO"]);
    assert_fails(&out, 5, "has operators already");
    let out = db.cli(
        Some("admin"),
        &[
            "operator",
            "add",
            "gbianchi",
            "--name",
            "Giulia Bianchi",
            "--ente",
            "Comune di Asti",
            "--municipality",
            "Asti",
            "--province",
            "CN",
            "--fse",
        ],
    );
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("province CN, Asti (AT)"), "{stdout}");
    let out = db.cli(Some("admin"), &["operator", "list", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = list.as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["admin", "gbianchi", "portal"]);
    assert_eq!(list[1]["fse"], true);
    assert_eq!(list[1]["created_by"], "admin");
    assert_eq!(list[1]["roles"], serde_json::json!(["desk"]), "desk by default");
    assert_fails(&db.cli(Some("admin"), &["operator", "show", "ghost"]), 4, "unknown operator 'ghost'");
    assert_fails(
        &db.cli(Some("admin"), &["operator", "add", "gbianchi", "--name", "G", "--ente", "E", "--province", "TO"]),
        5,
        "exists already",
    );
    assert_fails(&db.cli(Some("admin"), &["operator", "add", "z", "--name", "Z", "--ente", "E"]), 3, "competence");
}

#[test]
fn completions_are_in_sync() {
    for (shell, file) in [("bash", "sportello.bash"), ("zsh", "_sportello"), ("fish", "sportello.fish")] {
        let out = crate::harness::sportello().args(["completions", shell]).output().unwrap();
        assert!(out.status.success());
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions").join(file);
        if std::env::var_os("UPDATE_COMPLETIONS").is_some() {
            std::fs::write(&path, &out.stdout).unwrap();
        }
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            committed == out.stdout,
            "{} is stale: run `UPDATE_COMPLETIONS=1 cargo test completions`",
            path.display()
        );
    }
}

#[test]
fn help_has_examples_everywhere() {
    for args in [
        vec!["--help"],
        vec!["register", "--help"],
        vec!["search", "--help"],
        vec!["show", "--help"],
        vec!["audit", "--help"],
        vec!["import-cia", "--help"],
        vec!["operator", "add", "--help"],
        vec!["operator", "bootstrap", "--help"],
        vec!["operator", "grant", "--help"],
        vec!["operator", "revoke-role", "--help"],
        vec!["operator", "competence", "--help"],
        vec!["operator", "disable", "--help"],
        vec!["operator", "whoami", "--help"],
        vec!["completions", "--help"],
    ] {
        let out = crate::harness::sportello().args(&args).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && stdout.contains("Examples:"), "{args:?}: {stdout}");
    }
}

/// The flags of a batch (`--dry-run`, `--report`, the postal run's) given with one citizen's
/// key are a usage error: clap counts their `requires` as met by the other member of the
/// exclusive group, and `revoke --cf ... --dry-run` once revoked for real.
#[tokio::test]
async fn a_batch_flag_with_one_citizen_is_refused_before_anything_is_done() {
    let db = TestDb::new().await;
    let cf = mario_cf();
    let out = db.cli(Some("admin"), &register_args(&cf, &[]));
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    let letter = [
        "revoke",
        "--cf",
        &cf,
        "--first-name",
        "Mario",
        "--last-name",
        "Rossi",
        "--doc-number",
        "CA1234567",
        "--doc-issued",
        "2020-01-01",
        "--letter-protocol",
        "P1",
        "--letter-date",
        "2026-11-25",
        "--yes",
    ];
    for extra in [&["--dry-run"][..], &["--report", "-"], &["--encoding", "latin-1"]] {
        let args: Vec<&str> = letter.iter().copied().chain(extra.iter().copied()).collect();
        let (_, stderr, code) = text(&db.cli(Some("admin"), &args));
        assert_eq!(code, 2, "{extra:?}: {stderr}");
    }
    for args in [
        &["regenerate-code", "--cf", &cf, "--dry-run"][..],
        &["print-letters", "--cf", &cf, "--activation-code", "--dry-run"],
        &["print-letters", "--cf", &cf, "--summary", "--limit", "3"],
    ] {
        let (_, stderr, code) = text(&db.cli(Some("admin"), args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
    }
    // Nothing was done: the registration is there, with no code regenerated.
    let (stdout, stderr, code) = text(&db.cli(Some("admin"), &["show", "--cf", &cf]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(&cf), "{stdout}");
    let regenerated: i64 = db
        .owner()
        .await
        .query_one("SELECT count(*) FROM audit_log WHERE action IN ('regenerate-code', 'revoke-letter')", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(regenerated, 0);
}
