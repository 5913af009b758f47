//! Suspension and reinstatement (issue 20, sql/V31): through every state and operation in
//! progress, what suspended credentials may not do is refused by the library, by the command
//! line and by the database itself (a raw login calling the api functions); reinstatement gives
//! back exactly the rows there were.

use sportello::desk::search;
use sportello::desk::suspension;
use sportello::domain::{Action, OperationKind, State, SuspensionReason, permits};
use sportello::error::exit;
use sportello::portal;
use sportello::secrets::Purpose;
use sportello::store::registrations::Key;
use tokio_postgres::error::SqlState;

use crate::desk::{activation, book, code_of, mario, pin_in};
use crate::harness::{TestDb, raw, text};
use crate::lifecycle::run_action;

/// A keyed hash as a client makes one (33 bytes), as SQL.
const HASH: &str = "decode(repeat('ab', 33), 'hex')";

/// Everything a suspension could change of a registration, as the owner reads it: the
/// registration's row, its credentials, its operations and delegates, its queued PIN letter.
async fn rows(owner: &tokio_postgres::Client, number: i64) -> String {
    owner
        .query_one(
            "SELECT jsonb_build_object(
                 'registration', (SELECT to_jsonb(r) FROM registrations r WHERE r.registration_number = $1),
                 'credentials', (SELECT to_jsonb(k) FROM registration_credentials k WHERE k.registration_number = $1),
                 'operations', (SELECT jsonb_agg(to_jsonb(o) ORDER BY o.id) FROM operations o
                                 WHERE o.registration_number = $1),
                 'delegates', (SELECT jsonb_agg(to_jsonb(d) ORDER BY d.operation_id) FROM delegates d
                                 JOIN operations o ON o.id = d.operation_id WHERE o.registration_number = $1),
                 'queued', (SELECT to_jsonb(q) FROM pin_letter_queue q WHERE q.registration_number = $1))::text",
            &[&number],
        )
        .await
        .unwrap()
        .get(0)
}

/// The statement is refused by the database because the credentials are suspended.
async fn refused_suspended(c: &tokio_postgres::Client, sql: &str) {
    let e = c.batch_execute(sql).await.expect_err(sql);
    assert_eq!(e.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{sql}: {e:?}");
    let message = e.as_db_error().map(|d| d.message().to_string()).unwrap_or_default();
    assert!(message.contains("suspended"), "{sql}: {message}");
}

/// Registrato weak and strong, riscontrato, attivato weak and strong; with nothing and with each
/// operation in progress (and a PIN letter queued where ordinary post is the rule): suspended,
/// everything suspension forbids is refused by the library and by the database; reinstated,
/// every row is as it was.
#[tokio::test]
async fn suspension_and_reinstatement_through_every_state() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let key = db.key();
    let citizen = mario();
    let number = citizen.register(&s).await;
    let cf = citizen.cf.clone();
    let owner = db.owner().await;
    let clerk = raw(&db, "admin").await;
    let name: String = owner
        .query_one("SELECT audit_name FROM registrations WHERE registration_number = $1", &[&number])
        .await
        .unwrap()
        .get(0);
    let states = [
        (State::Registrato, false),
        (State::Registrato, true),
        (State::Riscontrato, false),
        (State::Attivato, false),
        (State::Attivato, true),
    ];
    let reasons = SuspensionReason::ALL;
    let mut checked = 0;
    for (state, strong) in states {
        for op in std::iter::once(None).chain(OperationKind::ALL.iter().copied().map(Some)) {
            let context = format!("{state} strong={strong} in progress {op:?}");
            // Arrange, as the owner: the state, the operation in progress with its PIN and code,
            // a PIN letter queued where the postal rule lets one go.
            let username = (state == State::Attivato).then(|| format!("user{number}"));
            owner
                .execute(
                    "UPDATE registrations SET state = $2, strong = $3, username = $4 WHERE registration_number = $1",
                    &[&number, &state.as_str(), &strong, &username],
                )
                .await
                .unwrap();
            owner.execute("DELETE FROM pin_letter_queue", &[]).await.unwrap();
            owner.execute("DELETE FROM operations", &[]).await.unwrap();
            let code_hash = op
                .filter(|o| *o != OperationKind::Revocation)
                .map(|_| key.hash_text(Purpose::Activation, &cf, "ABCD-EFGH-JKLM"));
            owner
                .execute(
                    "UPDATE registration_credentials SET activation_code_hash = $2,
                            activation_code_expires_at = CASE WHEN $2::bytea IS NULL THEN NULL ELSE now() + interval '1 day' END
                      WHERE registration_number = $1",
                    &[&number, &code_hash],
                )
                .await
                .unwrap();
            if let Some(op) = op {
                let pin_hash = (op != OperationKind::Revocation).then(|| key.hash_text(Purpose::Pin, &cf, "24681357"));
                owner
                    .execute(
                        "INSERT INTO operations (registration_number, kind, ente, operator_id, pin_hash, code_expires_at)
                         VALUES ($1, $2, 'ASL TO4', 'admin', $3, now() + interval '1 day')",
                        &[&number, &op.as_str(), &pin_hash],
                    )
                    .await
                    .unwrap();
            }
            let postal = permits(state, strong, op, false, Action::PinByPost);
            if postal {
                owner
                    .execute(
                        "INSERT INTO pin_letter_queue (registration_number, res_province) VALUES ($1, 'TO')",
                        &[&number],
                    )
                    .await
                    .unwrap();
            }
            let before = rows(&owner, number).await;

            // Suspended, with a reason; the queued letter is held back.
            let reason = reasons[checked % reasons.len()];
            let done = suspension::suspend(&s, &Key::Number(number), reason).await.unwrap();
            assert_eq!((done.suspension.reason, done.suspension.by.as_str()), (reason, "admin"), "{context}");
            let shown = search::show(&s, &Key::Number(number)).await.unwrap();
            assert_eq!(shown.registration.suspension.as_ref().map(|x| x.reason), Some(reason));
            assert!(
                shown.actions.contains(&"reinstate".to_string()) && !shown.actions.contains(&"suspend".to_string())
            );
            let queued: i64 = owner
                .query_one("SELECT count(*) FROM pin_letter_queue WHERE registration_number = $1", &[&number])
                .await
                .unwrap()
                .get(0);
            assert_eq!(queued, 0, "{context}: the postal run finds no letter to print");

            // The library refuses what the table refuses, before anything is written.
            // (The SPID token's run edits the record first, as a clerk would: the database's
            // refusal of it is checked below.)
            for action in
                Action::ALL.iter().copied().filter(|a| !shown.actions.contains(&a.label()) && *a != Action::SpidToken)
            {
                let e = run_action(&db, &s, &desk, number, action).await.expect_err(&context);
                assert_eq!(e.exit_code(), exit::REFUSED, "{context}: {action:?} {e}");
                if matches!(action, Action::RegenerateCode | Action::PinByPost | Action::SpidToken)
                    || matches!(action, Action::Book(k) if k != OperationKind::Revocation && k != OperationKind::Activation)
                {
                    assert!(e.to_string().contains("suspended"), "{context}: {action:?} {e}");
                }
            }
            // The database refuses the same, to a clerk's own login calling the api.
            for op in sportello::domain::bookable(state, strong).into_iter().filter(|k| *k != OperationKind::Revocation)
            {
                refused_suspended(
                    &clerk,
                    &format!(
                        "SELECT api.book({number}, '{}', {HASH}, {HASH}, now() + interval '1 day', NULL, '{name}')",
                        op.as_str()
                    ),
                )
                .await;
            }
            if op.is_some_and(|k| k != OperationKind::Revocation) {
                refused_suspended(
                    &clerk,
                    &format!("SELECT api.regenerate_code({number}, {HASH}, now() + interval '1 day', '{name}')"),
                )
                .await;
            }
            if postal {
                refused_suspended(&clerk, &format!("SELECT api.pin_by_post({number}, '{name}')")).await;
            }
            if matches!(
                op,
                Some(
                    OperationKind::Verification | OperationKind::Promotion | OperationKind::Reset | OperationKind::Pin
                )
            ) {
                refused_suspended(&clerk, &format!("SELECT api.spid_token({number}, '{{}}'::jsonb, true, '{name}')"))
                    .await;
            }
            let e = clerk
                .batch_execute(&format!("SELECT api.suspend({number}, 'citizen-request', '{name}')"))
                .await
                .unwrap_err();
            assert_eq!(e.code(), Some(&SqlState::UNIQUE_VIOLATION), "{context}: suspended twice");

            // Reinstated: exactly what was there, the held-back letter queued again.
            suspension::reinstate(&s, &Key::Number(number)).await.unwrap();
            assert_eq!(rows(&owner, number).await, before, "{context}");
            let shown = search::show(&s, &Key::Number(number)).await.unwrap();
            assert!(shown.registration.suspension.is_none() && shown.actions.contains(&"suspend".to_string()));
            let e = clerk.batch_execute(&format!("SELECT api.reinstate({number}, '{name}')")).await.unwrap_err();
            assert_eq!(e.code(), Some(&SqlState::NO_DATA_FOUND), "{context}: reinstated twice");
            checked += 1;
        }
    }
    assert_eq!(checked, 5 * 7);
    // One `suspend` and one `reinstate` row each, naming the citizen and the reason.
    let audited: Vec<(String, i64)> = owner
        .query(
            "SELECT action, count(*) FROM audit_log WHERE action IN ('suspend', 'reinstate') AND target = $1
              GROUP BY action ORDER BY action",
            &[&name],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(audited, [("reinstate".to_string(), 35), ("suspend".to_string(), 35)]);
}

/// A suspended citizen's right codes get the same answer as wrong ones, counted and recorded;
/// a revocation may still be booked; reinstated, the same codes complete.
#[tokio::test]
async fn suspended_credentials_complete_nothing_but_a_revocation() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let m = mario();
    let number = m.register(&s).await;
    let b = book(&s, &desk, number, OperationKind::Verification).await.unwrap();
    let (code, pin) = (code_of(&db, &b), pin_in(&b.letters));
    let wrong = portal::activate(&db.db, &desk, activation(&m.cf, &code, "00000000")).await.unwrap_err();

    suspension::suspend(&s, &Key::Number(number), SuspensionReason::LostPinLetter).await.unwrap();
    let refused = portal::activate(&db.db, &desk, activation(&m.cf, &code, &pin)).await.unwrap_err();
    assert_eq!(refused.to_string(), wrong.to_string(), "the citizen learns nothing more than from a wrong code");
    let owner = db.owner().await;
    let recorded: i64 = owner
        .query_one(
            "SELECT count(*) FROM audit_log WHERE action = 'citizen-wrong-code'
                AND (details ->> 'registration_number')::bigint = $1",
            &[&number],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(recorded, 2, "the wrong code and the suspended attempt");

    suspension::reinstate(&s, &Key::Number(number)).await.unwrap();
    let done = portal::activate(&db.db, &desk, activation(&m.cf, &code, &pin)).await.unwrap();
    assert_eq!(done.registration_number, number);

    // Suspended again: a revocation is booked all the same, and nothing else.
    suspension::suspend(&s, &Key::Number(number), SuspensionReason::SuspectedFraud).await.unwrap();
    let e = book(&s, &desk, number, OperationKind::Reset).await.unwrap_err();
    assert_eq!(e.exit_code(), exit::REFUSED, "{e}");
    book(&s, &desk, number, OperationKind::Revocation).await.unwrap();
}

/// The commands: suspend with an Italian reason, show and search say so, a booking is refused
/// with the reason, reinstate; the roles and the input are checked.
#[tokio::test]
async fn the_commands_suspend_show_and_reinstate() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let number = mario().register(&s).await;
    let n = number.to_string();
    db.add_operator("helpdesk1", &[sportello::domain::Role::Helpdesk], &["TO"], &[]).await;
    db.add_operator("auditor1", &[sportello::domain::Role::Auditor], &["TO"], &[]).await;

    let (out, err, code) = text(&db.cli(Some("auditor1"), &["suspend", "--number", &n, "--reason", "suspected-fraud"]));
    assert_eq!(code, exit::REFUSED, "{out}{err}");
    let (out, err, code) = text(&db.cli(Some("admin"), &["suspend", "--number", &n, "--reason", "lost"]));
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("lost-pin-letter"), "{err}");

    let (out, err, code) = text(&db.cli(Some("helpdesk1"), &["suspend", "--number", &n, "--reason", "sospetta-frode"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&format!("Registration {n}")) && out.contains("suspected fraud"), "{out}");
    let (out, err, code) = text(&db.cli(Some("admin"), &["show", "--number", &n]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("suspended since") && out.contains("by helpdesk1 (suspected fraud)"), "{out}");
    let (out, _, code) = text(&db.cli(Some("admin"), &["search", "--number", &n, "--wide"]));
    assert_eq!(code, 0);
    assert!(out.contains("registrato, suspended"), "{out}");
    let (out, err, code) = text(&db.cli(Some("admin"), &["book", "--number", &n, "--operation", "verification"]));
    assert_eq!(code, exit::REFUSED, "{out}{err}");
    assert!(err.contains("credentials are suspended"), "{err}");
    let (out, err, code) = text(&db.cli(Some("admin"), &["suspend", "--number", &n, "--reason", "citizen-request"]));
    assert_eq!(code, exit::REFUSED, "{out}{err}");
    assert!(err.contains("already suspended"), "{err}");

    // In Italian.
    let mut cmd = db.command(Some("admin"), &["reinstate", "--number", &n]);
    cmd.env("LANG", "it_IT.UTF-8");
    let (out, err, code) = text(&cmd.output().unwrap());
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("credenziali riattivate") && out.contains("sospetta frode"), "{out}");
    let (out, err, code) = text(&db.cli(Some("admin"), &["reinstate", "--number", &n]));
    assert_eq!(code, exit::REFUSED, "{out}{err}");
    assert!(err.contains("not suspended"), "{err}");
    let (out, _, _) = text(&db.cli(Some("admin"), &["history", "--number", &n]));
    assert!(out.contains("credentials suspended") && out.contains("credentials reinstated"), "{out}");
}

/// The helpdesk mailbox sends no code for suspended credentials: the request is refused with
/// the reason and the code in force stays.
#[tokio::test]
async fn the_mailbox_sends_no_code_while_suspended() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let c = crate::batch::sara();
    let number = crate::batch::register(&db, &c, "CA77777EE", "2024-05-02", "sara.esposito@example.it").await;
    book(&s, &desk, number, OperationKind::Verification).await.unwrap();
    suspension::suspend(&s, &Key::Number(number), SuspensionReason::SuspectedFraud).await.unwrap();
    let owner = db.owner().await;
    let code_hash = async || -> Option<Vec<u8>> {
        owner
            .query_one(
                "SELECT activation_code_hash FROM registration_credentials WHERE registration_number = $1",
                &[&number],
            )
            .await
            .unwrap()
            .get(0)
    };
    let before = code_hash().await;
    let mailbox = tempfile::tempdir().unwrap();
    let request = |name: &str| {
        std::fs::copy(crate::lifecycle::sample("mailbox/01-honoured-quoted-printable.eml"), mailbox.path().join(name))
            .unwrap();
    };
    request("01.eml");
    let out =
        db.cli(Some("admin"), &["regenerate-code", "--mailbox", mailbox.path().to_str().unwrap(), "--format", "json"]);
    let (stdout, stderr, _) = text(&out);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stdout}{stderr}"));
    let reason = report["messages"][0]["outcome"]["refused"]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("suspended"), "{report}");
    assert_eq!(code_hash().await, before, "no new code while suspended");
}

/// `search --suspended` lists the suspended registrations only, filtered by the database
/// (sql/V32 `api.search`), and the search is recorded with the filter.
#[tokio::test]
async fn search_suspended_lists_only_the_suspended() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let mario_n = mario().register(&s).await.to_string();
    crate::batch::sara().register(&s).await;
    let (out, err, code) =
        text(&db.cli(Some("admin"), &["suspend", "--number", &mario_n, "--reason", "lost-pin-letter"]));
    assert_eq!(code, 0, "{out}{err}");
    let numbers = |args: &[&str]| {
        let mut all = vec!["search", "--format", "json"];
        all.extend(args);
        let (out, err, code) = text(&db.cli(Some("admin"), &all));
        assert_eq!(code, 0, "{err}");
        let page: serde_json::Value = serde_json::from_str(&out).unwrap();
        page["rows"].as_array().unwrap().iter().map(|r| r["registration_number"].to_string()).collect::<Vec<_>>()
    };
    assert_eq!(numbers(&[]).len(), 2);
    assert_eq!(numbers(&["--suspended"]), std::slice::from_ref(&mario_n));
    assert!(numbers(&["--suspended", "--last-name", "esposito"]).is_empty());
    let filters: serde_json::Value = db
        .owner()
        .await
        .query_one("SELECT details->'filters' FROM audit_log WHERE action = 'search' ORDER BY id DESC LIMIT 1", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(filters["suspended"], true, "{filters}");
    // Reinstated, it is suspended no more.
    let (out, err, code) = text(&db.cli(Some("admin"), &["reinstate", "--number", &mario_n]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(numbers(&["--suspended"]).is_empty());
}
