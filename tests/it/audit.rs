use sportello::desk::search::{self, Query};
use sportello::domain::Sex;

use crate::fixtures::Citizen;
use crate::harness::{TestDb, text};

#[tokio::test]
async fn a_search_is_recorded_with_its_filters_and_count() {
    let db = TestDb::new().await;
    let s = db.operator("desk", &["TO"], &[]).await;
    Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M).register(&s).await;
    Citizen::new("RSSMRA", "Maria", "Rossini", "1990-05-03", Sex::F).register(&s).await;
    let rows =
        search::search(&s, Query { last_name: Some("ross".into()), limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(rows.len(), 2);
    let owner = db.owner().await;
    let row = owner
        .query_one(
            "SELECT operator_id, command, result_count, details, origin FROM audit_log WHERE action = 'search' ORDER BY id DESC LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, Option<String>>(0).as_deref(), Some("desk"));
    assert_eq!(row.get::<_, Option<i64>>(2), Some(2));
    let details: serde_json::Value = row.get(3);
    // The name searched for is recorded as a keyed hash: an auditor who knows it finds it.
    assert_eq!(details["filters"]["last_name"], sportello::audit::search_term(Some(&db.key()), "ROSS"));
    assert!(!details.to_string().to_lowercase().contains("ross"), "{details}");
    assert!(!row.get::<_, String>(4).is_empty(), "origin recorded");

    // The detail view and the registrations are recorded too.
    let out = db.cli(Some("desk"), &["show", "--number", &rows[0].registration_number.to_string()]);
    assert!(out.status.success());
    // The command line's context (sent with the connection's first query) names it.
    let row = owner
        .query_one("SELECT command, origin FROM audit_log WHERE action = 'view' ORDER BY id DESC LIMIT 1", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "show");
    assert_eq!(row.get::<_, String>(1), sportello::session::origin());
    let out = db.cli(Some("desk"), &["audit", "--operator-id", "desk", "--format", "json"]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    let records: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let actions: Vec<&str> = records.as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap()).collect();
    // Each registration first looked for the citizen (not found: a new one), then in the
    // registries for what they know of them: reads, recorded too.
    assert_eq!(
        actions,
        [
            "view",
            "search",
            "register",
            "registry-read",
            "registration-read",
            "register",
            "registry-read",
            "registration-read"
        ],
        "newest first"
    );
}

#[tokio::test]
async fn refusals_are_recorded_too() {
    let db = TestDb::new().await;
    let out = db.cli(Some("admin"), &["show", "--cf", "RSSMRA85T10A562S"]);
    assert_eq!(out.status.code(), Some(4));
    let owner = db.owner().await;
    let row = owner
        .query_one(
            "SELECT outcome, details->>'error' FROM audit_log WHERE command = 'show' ORDER BY id DESC LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "not-found");
    // The fiscal code in the error is recorded as the keyed hash that names citizens.
    let hashed = sportello::audit::fiscal_code_target(&db.key(), "RSSMRA85T10A562S");
    let error = row.get::<_, String>(1);
    assert_eq!(error, format!("no registration with fiscal code {hashed}"));
}

#[tokio::test]
async fn the_application_role_cannot_rewrite_the_audit_log() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    search::search(&s, Query { limit: 5, ..Default::default() }).await.unwrap();
    // Through an operator's own pool: the login the database authenticated.
    let app = s.db.client().await.unwrap();
    let role: String = app.query_one("SELECT session_user::text", &[]).await.unwrap().get(0);
    assert_eq!(role, "admin");
    for sql in [
        "UPDATE public.audit_log SET outcome = 'forged'",
        "DELETE FROM public.audit_log",
        "TRUNCATE public.audit_log",
        "INSERT INTO public.audit_log (origin, command, action) VALUES ('test', 'test', 'test')",
    ] {
        let err = app.execute(sql, &[]).await.expect_err(sql);
        assert!(
            err.to_string().contains("permission denied") || format!("{err:?}").contains("permission denied"),
            "{sql}: {err:?}"
        );
    }
    // Appending goes through the api, stamped by the database (how a client records a refusal).
    app.execute("SELECT api.record('command', NULL, '{}', NULL, 'ok')", &[]).await.unwrap();
    // Even the owner is stopped by the trigger.
    let owner = db.owner().await;
    let err = owner.execute("DELETE FROM audit_log", &[]).await.unwrap_err();
    assert!(format!("{err:?}").contains("append-only"), "{err:?}");
    let n: i64 = owner.query_one("SELECT count(*) FROM audit_log WHERE outcome = 'forged'", &[]).await.unwrap().get(0);
    assert_eq!(n, 0);
}

/// The audit log at 80, 120 and 160 columns: what an auditor needs first (when, action, target,
/// then outcome) kept longest, who, from where and through which command dropped first, as the
/// note says; a pseudonym (`cf:…`, what `--target` finds) and a moment never cut.
#[tokio::test]
async fn the_audit_table_keeps_when_action_target_and_outcome_first() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let number = Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M).register(&s).await;
    db.cli(Some("admin"), &["show", "--number", &number.to_string()]);
    let target: String =
        db.owner().await.query_one("SELECT target FROM audit_log WHERE action = 'register'", &[]).await.unwrap().get(0);
    let least_needed = ["origin", "login", "command", "id", "details", "results", "operator", "outcome"];
    for width in [80, 120, 160] {
        let out =
            db.command(Some("admin"), &["audit", "--limit", "3"]).env("COLUMNS", width.to_string()).output().unwrap();
        let (t, note, status) = text(&out);
        assert_eq!(status, 0, "{note}");
        for line in t.lines() {
            assert!(line.chars().count() <= width, "{width}: {line}\n{t}");
        }
        assert!(crate::history::moments_whole(&t), "{width}: a moment cut\n{t}");
        assert!(t.contains(&format!(" {target} ")), "{width}: the pseudonym whole\n{t}");
        let dropped: Vec<&str> = note
            .lines()
            .find_map(|l| l.split_once(": ").map(|(_, rest)| rest.split(" (--wide").next().unwrap()))
            .map(|list| list.split(", ").collect())
            .unwrap_or_default();
        if width == 80 {
            assert!(!dropped.is_empty(), "{width}: not every column fits\n{t}");
        }
        assert_eq!(dropped, least_needed[..dropped.len()], "{width}: {note}\n{t}");
        let header = t.lines().next().unwrap();
        for needed in ["at", "action", "target"] {
            assert!(header.contains(&format!(" {needed} ")), "{width}: {needed} dropped\n{t}");
        }
        if width > 80 {
            assert!(header.contains(" outcome "), "{width}: outcome dropped\n{t}");
        }
    }
}

/// While another login keeps the audit chain, a read rolled back is still named by the server's
/// log, and listed (sql/V49: the line is written with the row, not when it is linked); the
/// holder's own row, its transaction still open, is said to be in progress (sql/V49).
#[tokio::test]
async fn a_read_rolled_back_while_the_chain_is_held_is_still_listed() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let mario = Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M);
    let number = mario.register(&s).await;
    let (squatter, clerk) = (db.unique("squatter"), db.unique("clerk"));
    db.add_operator(&squatter, &[sportello::domain::Role::Desk], &["TO"], &[]).await;
    db.add_operator(&clerk, &[sportello::domain::Role::Desk], &["TO"], &[]).await;
    let holder = crate::harness::raw(&db, &squatter).await;
    holder
        .batch_execute("SET idle_in_transaction_session_timeout = 0; BEGIN; SELECT api.record('command', 'held', '{}', NULL, 'ok')")
        .await
        .unwrap();
    let c = crate::harness::raw(&db, &clerk).await;
    c.batch_execute(&format!("BEGIN; SELECT * FROM api.show(NULL, {number}, NULL); ROLLBACK")).await.unwrap();
    let log = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sportello-test-home/postgres/server.log");
    let out = db.cli(Some("admin"), &["audit", "verify", "--server-log", log.to_str().unwrap(), "--format", "json"]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let gone = v["rolled_back"].as_array().unwrap();
    let mine: Vec<&serde_json::Value> = gone.iter().filter(|r| r["login"] == clerk.as_str()).collect();
    assert_eq!(mine.len(), 1, "{gone:?}");
    assert_eq!(mine[0]["action"].as_str(), Some("view"));
    // The holder's row, its transaction still open, is not judged: it is said to be in progress.
    assert!(!gone.iter().any(|r| r["login"] == squatter.as_str()), "{gone:?}");
    let open = v["in_progress"].as_array().unwrap();
    let held: Vec<&serde_json::Value> = open.iter().filter(|r| r["login"] == squatter.as_str()).collect();
    assert_eq!(held.len(), 1, "{open:?}");
    assert_eq!((held[0]["action"].as_str(), held[0]["target"].as_str()), (Some("command"), Some("held")));
    let table = db.cli(Some("admin"), &["audit", "verify", "--server-log", log.to_str().unwrap()]);
    let (stdout, stderr, code) = text(&table);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("still in progress"), "{stdout}");
    // Once it ends, the row is found: nothing is in progress or rolled back of the holder's.
    holder.batch_execute("COMMIT").await.unwrap();
    let out = db.cli(Some("admin"), &["audit", "verify", "--server-log", log.to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&text(&out).0).unwrap();
    for list in ["in_progress", "rolled_back"] {
        let rows = v[list].as_array().unwrap();
        assert!(!rows.iter().any(|r| r["login"] == squatter.as_str()), "{list}: {rows:?}");
    }
}

/// A read inside a transaction rolled back takes its audit row with it, not its line in the
/// server's log (sql/V42, V49: written with the row, named by its id and transaction): `audit
/// verify --server-log` lists it, by login, action and target.
#[tokio::test]
async fn a_read_rolled_back_is_still_in_the_server_log_and_verify_lists_it() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let mario = Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M);
    let number = mario.register(&s).await;
    let clerk = db.unique("clerk");
    db.add_operator(&clerk, &[sportello::domain::Role::Desk], &["TO"], &[]).await;
    let c = crate::harness::raw(&db, &clerk).await;
    c.batch_execute(&format!("BEGIN; SELECT * FROM api.show(NULL, {number}, NULL); ROLLBACK")).await.unwrap();
    // Lines that look like an audit row's, written by the login: in a failed statement's text
    // (the server indents its lines), or by code of its own, which it may not run (sql/V46).
    let database: String = c.query_one("SELECT current_database()::text", &[]).await.unwrap().get(0);
    let hash = "ab".repeat(32);
    let fake = format!(
        r#"sportello-audit {{"database":"{database}","id":999999999,"xact":"3","seq":1,"hash":"{hash}","at":"x","login":"victim","action":"view","outcome":"ok"}}"#
    );
    let logged = c.batch_execute(&format!("SELECT 1/0, E'\\n{fake}\\n2026-01-01 00:00:00 UTC [1] LOG:  {fake}'")).await;
    assert!(logged.is_err());
    let e = c.batch_execute(&format!("DO $$ BEGIN RAISE LOG '{fake}'; END $$")).await.unwrap_err();
    assert_eq!(e.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{e:?}");
    // Where it may run code (another database of the server), its line is a real LOG line, and
    // the action in a refused api.record comes back in the error's first line: neither carries
    // the database's signature (sql/V49), so neither counts.
    let mut elsewhere = db.login_config(&clerk);
    elsewhere.dbname("postgres");
    let (other, conn) = elsewhere.connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let signed = fake.replace(r#""outcome":"ok"}"#, r#""outcome":"ok","mac":"00"}"#);
    other.batch_execute(&format!("DO $$ BEGIN RAISE LOG '{signed}'; END $$")).await.unwrap();
    let refused =
        c.batch_execute(&format!("SELECT api.record(E'x LOG:  {signed}\\n', NULL, '{{}}', NULL, 'ok')")).await;
    assert!(refused.is_err());
    // A row committed after it, which is not listed.
    c.query("SELECT * FROM api.show(NULL, $1, NULL)", &[&number]).await.unwrap();
    let log = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sportello-test-home/postgres/server.log");
    let out = db.cli(Some("admin"), &["audit", "verify", "--server-log", log.to_str().unwrap(), "--format", "json"]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let gone = v["rolled_back"].as_array().unwrap();
    let named = sportello::audit::fiscal_code_target(&db.key(), &mario.cf);
    assert!(!gone.iter().any(|r| r["login"] == "victim"), "a forged line counts for nothing: {gone:?}");
    let mine: Vec<&serde_json::Value> = gone.iter().filter(|r| r["login"] == clerk.as_str()).collect();
    assert_eq!(mine.len(), 1, "{gone:?}");
    assert_eq!((mine[0]["action"].as_str(), mine[0]["target"].as_str()), (Some("view"), Some(named.as_str())));
    // The committed one is not listed, and the chain holds.
    assert_eq!(v["problem"], serde_json::Value::Null, "{v}");
    // Without the log, nothing of the kind is said.
    let out = db.cli(Some("admin"), &["audit", "verify", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&text(&out).0).unwrap();
    assert_eq!(v["rolled_back"], serde_json::Value::Null);
}
