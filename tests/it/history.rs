//! `sportello history` (issue 20): everything done on a record after a full lifecycle, from the
//! operations table and the audit log, read through the database's api (sql/V29).

use sportello::desk::history;
use sportello::domain::{FiscalCode, OperationKind, Role};
use sportello::error::exit;
use sportello::portal;
use sportello::store::registrations::Key;

use crate::desk::{activation, book, code_of, mario, pin_in};
use crate::harness::{TestDb, english, text};

#[tokio::test]
async fn history_after_a_full_lifecycle_lists_operations_letters_and_completions_never_a_code() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let m = mario();
    let number = m.register(&s).await;
    let b = book(&s, &desk, number, OperationKind::Verification).await.unwrap();
    let (pin, code) = (pin_in(&b.letters), code_of(&db, &b));
    portal::activate(&db.db, &desk, activation(&m.cf, &code, "00000000")).await.unwrap_err();
    portal::activate(&db.db, &desk, activation(&m.cf, &code, &pin)).await.unwrap();
    let again = book(&s, &desk, number, OperationKind::Pin).await.unwrap();
    let second_pin = pin_in(&again.letters);

    let events = history::history(&s, &Key::FiscalCode(FiscalCode::parse_input(&m.cf).unwrap())).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"register"), "{kinds:?}");
    let operations: Vec<(String, String)> = events
        .iter()
        .filter(|e| e.event == "operation")
        .map(|e| (e.operation.clone().unwrap(), e.outcome.clone()))
        .collect();
    assert_eq!(
        operations,
        [("verification".into(), "S".into()), ("pin".into(), "A".into())],
        "both bookings, the first completed by the citizen: {kinds:?}"
    );
    for expected in ["citizen-wrong-code", "citizen-activate"] {
        assert!(kinds.contains(&expected), "{expected} missing from {kinds:?}");
    }
    assert!(events.windows(2).all(|w| w[0].at <= w[1].at), "oldest first");
    let booked = events.iter().find(|e| e.event == "operation").unwrap();
    assert_eq!(booked.operator_id.as_deref(), Some(s.operator.id.as_str()));
    assert_eq!(booked.ente.as_deref(), Some(s.operator.ente.as_str()));

    // Through the binary, by number, as JSON and as an Italian table: never a secret.
    let out = db.cli(Some("admin"), &["history", "--number", &number.to_string(), "--format", "json"]);
    let (stdout, stderr, status) = text(&out);
    assert_eq!(status, 0, "{stderr}");
    let listed: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), events.len(), "{stdout}");
    for secret in [&pin, &code, &second_pin] {
        assert!(!stdout.contains(secret.as_str()), "a secret in the history");
    }
    let mut cmd = db.command(Some("admin"), &["history", "--cf", &m.cf]);
    let (table, stderr, status) = text(&english(&mut cmd).env("LANG", "it_IT.UTF-8").output().unwrap());
    assert_eq!(status, 0, "{stderr}");
    for words in ["operazione prenotata", "registrazione", "completata dal cittadino", "quando"] {
        assert!(table.contains(words), "{words} not in {table}");
    }

    // Each reading is recorded once, by the database, naming the citizen.
    let owner = db.owner().await;
    let n: i64 = owner
        .query_one("SELECT count(*) FROM audit_log WHERE action = 'history' AND target LIKE 'cf:%'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 3, "library, JSON and table readings");
}

#[tokio::test]
async fn only_the_desk_and_the_helpdesk_read_a_history() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let m = mario();
    let number = m.register(&s).await;
    let auditor = db.unique("auditor");
    db.add_operator(&auditor, &[Role::Auditor], &["TO"], &[]).await;
    let out = english(&mut db.command(Some(&auditor), &["history", "--number", &number.to_string()])).output().unwrap();
    let (_, stderr, status) = text(&out);
    assert_eq!(status, exit::REFUSED, "{stderr}");
    // Straight to the database, the same.
    let c = crate::harness::raw(&db, &auditor).await;
    let e = c.query("SELECT * FROM api.history($1, NULL, NULL)", &[&number]).await.unwrap_err();
    assert_eq!(e.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{e:?}");
    let helpdesk = db.unique("helpdesk");
    db.add_operator(&helpdesk, &[Role::Helpdesk], &["TO"], &[]).await;
    let out = db.cli(Some(&helpdesk), &["history", "--cf", &m.cf, "--format", "csv"]);
    let (stdout, stderr, status) = text(&out);
    assert_eq!(status, 0, "{stderr}");
    assert!(stdout.contains("register"), "{stdout}");
    let out = english(&mut db.command(Some(&helpdesk), &["history", "--number", "999999999"])).output().unwrap();
    let (_, stderr, status) = text(&out);
    assert_eq!(status, exit::NOT_FOUND, "{stderr}");
}
