//! Erasure is complete (issue 11): after a revocation the citizen's fiscal code, names and
//! email are in no table, file or log; the audit log names them by keyed hashes, and a search by
//! fiscal code still finds their rows.

use std::path::{Path, PathBuf};

use sportello::domain::Sex;

use crate::desk::code_in;
use crate::fixtures::{Citizen, cf, date};
use crate::harness::{SmtpServer, TestDb, text};

/// Every table of the database whose text holds `needle` (case-insensitive), with the count.
async fn tables_holding(db: &TestDb, needle: &str) -> Vec<(String, i64)> {
    let owner = db.owner().await;
    let tables = owner
        .query(
            "SELECT format('%I.%I', table_schema, table_name) FROM information_schema.tables
             WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')",
            &[],
        )
        .await
        .unwrap();
    let mut found = Vec::new();
    for t in tables {
        let table: String = t.get(0);
        let n: i64 = owner
            .query_one(&format!("SELECT count(*) FROM {table} t WHERE t::text ILIKE '%' || $1 || '%'"), &[&needle])
            .await
            .unwrap()
            .get(0);
        if n > 0 {
            found.push((table, n));
        }
    }
    found
}

/// Every file under `dir` whose bytes (or, for a PDF, whose text) hold `needle`.
fn files_holding(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let bytes = std::fs::read(&p).unwrap_or_default();
            let mut text = String::from_utf8_lossy(&bytes).to_lowercase();
            if p.extension().is_some_and(|x| x == "pdf")
                && let Ok(t) = sportello::letters::extract_text(&bytes)
            {
                text.push_str(&t.to_lowercase());
            }
            if text.contains(&needle.to_lowercase()) {
                found.push(p);
            }
        }
    }
    found
}

/// The citizen nowhere: tables, the test's files (letters, outbox, key, reports), the server log.
async fn assert_nowhere(db: &TestDb, c: &Citizen, email: &str) {
    for needle in [c.cf.as_str(), c.first_name, c.last_name, email] {
        assert_eq!(tables_holding(db, needle).await, vec![], "{needle} in the database");
        assert_eq!(files_holding(db.files.path(), needle), Vec::<PathBuf>::new(), "{needle} in a file");
        let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sportello-test-home/postgres/server.log");
        if let Ok(log) = std::fs::read_to_string(log) {
            assert!(!log.to_lowercase().contains(&needle.to_lowercase()), "{needle} in the server log");
        }
    }
}

/// Registers at the desk (with the strong verification booked and its letters).
async fn at_desk(db: &TestDb, s: &sportello::session::Session, c: &Citizen) -> i64 {
    use sportello::desk::register::{self, Prepared};
    let Prepared::New(draft) = register::prepare(s, c.request()).await.unwrap() else { panic!("registered") };
    register::register_at_desk(s, &db.desk(), *draft, None, false).await.unwrap().registration_number
}

fn ermenegilda() -> Citizen {
    let mut c = Citizen::new("SBRRNG", "Ermenegilda", "Sbrodolini", "1979-03-15", Sex::F);
    c.cf = cf("SBRRNG", date("1979-03-15"), 'F', "L219");
    c
}

fn gervasia() -> Citizen {
    Citizen::new("PGNGVS", "Gervasia", "Pignoletti", "1981-07-22", Sex::F)
}

#[tokio::test]
async fn a_revoked_citizen_is_nowhere_and_the_audit_still_finds_her_rows() {
    let smtp = SmtpServer::start();
    let mut db = TestDb::new().await;
    db.smtp_url = Some(smtp.url.clone());
    let s = db.admin().await;
    let c = ermenegilda();
    let email = "ermenegilda.sbrodolini@example.it";
    let number = at_desk(&db, &s, &c).await;
    let n = number.to_string();
    // A day at the desk: searches by name and code, the detail, an edit, reprints, a booking.
    for args in [
        vec!["search", "--last-name", "Sbrodolini"],
        vec!["search", "--cf", &c.cf],
        vec!["show", "--cf", &c.cf],
        vec!["edit", "--number", &n, "--mobile", "3337654321"],
        vec!["print-letters", "--number", &n, "--summary", "--rules"],
        vec!["regenerate-code", "--number", &n],
    ] {
        let out = db.cli(Some("admin"), &args);
        assert_eq!(text(&out).2, 0, "{args:?}: {}", text(&out).1);
    }
    assert!(db.files.path().join("letters").join(&n).is_dir(), "her letters");
    let out = db.cli(Some("admin"), &["book", "--number", &n, "--operation", "revocation"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    let mail = smtp.received().into_iter().rev().find(|m| m.contains("codice di revoca")).unwrap();
    let out = db.cli_fed(Some("portal"), &["citizen", "revoke", "--cf", &c.cf], &format!("code={}\n", code_in(&mail)));
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);

    assert!(!db.files.path().join("letters").join(&n).exists(), "her letters are gone");
    assert_nowhere(&db, &c, email).await;

    // The audit log still answers a search by her fiscal code (as a keyed hash).
    let out = db.cli(Some("admin"), &["audit", "--target", &c.cf.to_lowercase(), "--format", "json"]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    let rows: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let actions: Vec<&str> = rows.as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap()).collect();
    for a in
        ["citizen-revoke", "book", "view", "registration-read", "edit", "print", "regenerate-code", "email", "register"]
    {
        assert!(actions.contains(&a), "{a} not found by fiscal code: {actions:?}");
    }
    // Every row names her number, but the desk's looks for her before she was registered (in
    // the records, then in the registries).
    let before_registration = |r: &serde_json::Value| {
        r["action"] == "registry-read" || r["action"] == "registration-read" && r["outcome"] == "not-found"
    };
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .filter(|r| !before_registration(r))
            .all(|r| r["details"]["registration_number"] == number),
        "{rows}"
    );
    assert!(!stdout.contains(&c.cf), "{stdout}");

    // Revocation by registered letter: her letters go too, and nothing of her is left.
    let g = gervasia();
    let g_number = at_desk(&db, &s, &g).await;
    assert!(db.files.path().join("letters").join(g_number.to_string()).is_dir());
    let out = db.cli(
        Some("admin"),
        &[
            "revoke",
            "--cf",
            &g.cf,
            "--first-name",
            g.first_name,
            "--last-name",
            g.last_name,
            "--doc-number",
            "CA00000AA",
            "--doc-issued",
            "2022-03-01",
            "--letter-protocol",
            "CSI-2026-000042",
            "--letter-date",
            "2026-11-22",
        ],
    );
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    assert!(!db.files.path().join("letters").join(g_number.to_string()).exists(), "her letters are gone");
    assert_nowhere(&db, &g, "gervasia.pignoletti@example.it").await;
    let out = db.cli(Some("admin"), &["audit", "--target", &g.cf, "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rows.as_array().unwrap().iter().any(|r| r["action"] == "revoke-letter"), "{rows}");
}
