//! The trust boundary against operators' own logins (issue 16, sql/V8), attacked as the review
//! did: a psql session with the login's own credentials, parallel processes, a second session.

use sportello::domain::{OperationKind, Role};
use tokio_postgres::error::SqlState;

use crate::desk::{book, mario};
use crate::fixtures::Citizen;
use crate::harness::{TestDb, denied, raw, text};

/// No login creates temporary objects: a TEMP table named like one a trigger reads can no
/// longer shadow it (the desk of AT registered a Torino resident that way).
#[tokio::test]
async fn no_login_creates_a_temporary_table_to_shadow_ours() {
    let db = TestDb::new().await;
    let clerk = db.unique("clerk");
    db.add_operator(&clerk, &[Role::Desk], &["AT"], &[]).await;
    let c = raw(&db, &clerk).await;
    for sql in [
        "CREATE TEMP TABLE operator_competence (operator_id text, province char(2), municipality char(6))",
        "CREATE TEMP TABLE pg_roles (rolname name, rolsuper boolean)",
        "CREATE TEMP VIEW operators AS SELECT 'x'::text AS id",
    ] {
        denied(&c, sql).await;
    }
    // And the registration outside the clerk's competence is refused as before, the table
    // named by its schema: out of reach altogether.
    denied(
        &c,
        "INSERT INTO public.registrations (fiscal_code, community, state, res_province, res_municipality, created_by)
         VALUES ('RSSMRA85T10L219G', 'sistemapiemonte', 'registrato', 'TO', '001272', NULL)",
    )
    .await;
}

/// The catalog, read as a DBA reviews it: no application role may create temporary objects,
/// and every function of the schema has its search_path pinned with pg_temp last.
#[tokio::test]
async fn every_function_a_login_can_run_has_its_search_path_pinned() {
    let db = TestDb::new().await;
    let owner = db.owner().await;
    let roles = ["sportello_app", "sportello_desk", "sportello_helpdesk", "sportello_batch", "sportello_admin"];
    let roles: Vec<String> =
        roles.iter().copied().chain(["sportello_auditor", "sportello_portal"]).map(String::from).collect();
    let temp: Vec<String> = owner
        .query(
            "SELECT r FROM unnest($1::text[]) r WHERE has_database_privilege(r, current_database(), 'TEMPORARY')",
            &[&roles],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(temp.is_empty(), "may create temporary objects: {temp:?}");
    // Every function of the schema, whoever may call it: triggers run as whoever fires them,
    // and a definer's callee inherits nothing.
    let unpinned: Vec<String> = owner
        .query(
            "SELECT p.oid::regprocedure::text FROM pg_proc p
              WHERE p.pronamespace = 'public'::regnamespace
                AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                                   AND d.objid = p.oid AND d.deptype = 'e')
                AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c
                                 WHERE c LIKE 'search\\_path=%' AND c LIKE '%pg\\_temp'
                                   AND c NOT LIKE 'search\\_path=pg\\_temp%')",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(unpinned.is_empty(), "functions without a pinned search_path: {unpinned:?}");
    // The triggers' functions too (they run as whoever fires them).
    let triggers: Vec<String> = owner
        .query(
            "SELECT DISTINCT t.tgfoid::regprocedure::text FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
              WHERE NOT t.tgisinternal
                AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search\\_path=%pg\\_temp')",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(triggers.is_empty(), "trigger functions without a pinned search_path: {triggers:?}");
}

/// Erasure only through the function that writes the tombstone: a helpdesk or portal login
/// cannot delete a registration, nor write a tombstone; a desk login cannot erase at all.
#[tokio::test]
async fn no_login_deletes_a_registration_without_its_tombstone() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let number = mario().register(&s).await;
    for (base, role) in [("help", Role::Helpdesk), ("portal", Role::Portal), ("clerk", Role::Desk)] {
        let login = db.unique(base);
        db.add_operator(&login, &[role], &["TO"], &[]).await;
        let c = raw(&db, &login).await;
        denied(&c, "DELETE FROM registrations").await;
        denied(
            &c,
            "INSERT INTO revocations (registration_number, fiscal_code_hash, community, registered_at, channel)
             VALUES (1, '\\x00', 'sistemapiemonte', now(), 'online')",
        )
        .await;
        if role == Role::Desk {
            denied(
                &c,
                &format!(
                    "SELECT sportello_erase({number}, '\\x0102030405060708090a0b0c0d0e0f10', NULL, 'online', NULL)"
                ),
            )
            .await;
        }
    }
    let left: i64 = db.owner().await.query_one("SELECT count(*) FROM registrations", &[]).await.unwrap().get(0);
    assert_eq!(left, 1);
}

#[tokio::test]
async fn a_letter_is_recorded_only_in_its_registrations_folder() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let victim = mario().register(&s).await;
    let other = Citizen::new("VRDGPP", "Giuseppe", "Verdi", "1970-01-01", sportello::domain::Sex::M).register(&s).await;
    book(&s, &desk, other, OperationKind::Verification).await.unwrap();
    let clerk = db.unique("clerk");
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    let c = raw(&db, &clerk).await;
    // Straight to the table, no row at all, whatever folder it names (api.record_prints decides
    // where a letter lies: api_desk.rs).
    let plant = |number: i64, path: String| {
        format!(
            "INSERT INTO public.operation_letters (operation_id, registration_number, path, secret)
             SELECT id, {number}, '{path}', true FROM public.operations WHERE registration_number = {other} AND status = 'A'"
        )
    };
    for (number, path) in [
        (other, format!("/home/clerk2/letters/{victim}/20261201-pin.pdf")),
        (victim, format!("/home/clerk2/letters/{victim}/20261201-pin.pdf")),
        (other, format!("/home/clerk2/letters/{other}/x/y.pdf")),
        (other, format!("/home/clerk2/letters/{other}/20261201-riepilogo.pdf")),
    ] {
        let e = c.batch_execute(&plant(number, path.clone())).await.unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{number} {path}: {e:?}");
    }
}

/// Disabling an operator ends their open sessions: one that had run `SET ROLE sportello_desk`
/// kept writing after the membership was revoked.
#[tokio::test]
async fn disabling_an_operator_ends_their_open_sessions() {
    let db = TestDb::new().await;
    let clerk = db.unique("clerk");
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    let c = raw(&db, &clerk).await;
    c.batch_execute("SET ROLE sportello_desk").await.unwrap();
    let out = db.cli(Some("admin"), &["operator", "disable", &clerk]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    let e = c.batch_execute("SELECT count(*) FROM registrations").await.unwrap_err();
    assert!(c.is_closed() || e.code() == Some(&SqlState::ADMIN_SHUTDOWN), "{e:?}");
}

/// A record-level export needs its audit row committed first: one written in the export's own
/// transaction (then rolled back) proves nothing.
#[tokio::test]
async fn an_export_is_refused_unless_its_record_committed_first() {
    let db = TestDb::new().await;
    let auditor = db.unique("auditor");
    db.add_operator(&auditor, &[Role::Auditor], &["TO"], &[]).await;
    let c = raw(&db, &auditor).await;
    // The request writes the export's audit row; in the same transaction the export is refused,
    // and nothing is exported once it is rolled back.
    let e = c
        .batch_execute(
            "BEGIN;
             SELECT api.stats_records_request(NULL, NULL);
             SELECT * FROM api.stats_records(NULL, NULL, '\\x000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f');",
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{e:?}");
    // Nor does a row the client writes itself stand for the request (sql/V45): refused, and the
    // export with it.
    c.batch_execute("ROLLBACK").await.unwrap();
    let forged = "SELECT api.record('stats', NULL, '{\"records\": true}', 0, 'ok')";
    let e = c.batch_execute(forged).await.unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{e:?}");
    let export = "SELECT * FROM api.stats_records(NULL, NULL, '\\x000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f')";
    let e = c.batch_execute(export).await.unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{e:?}");
    // The portal cannot write a citizen's own action either.
    let portal = raw(&db, "portal").await;
    let e =
        portal.batch_execute("SELECT api.record('citizen-activate', NULL, '{}', NULL, 'ok', true)").await.unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{e:?}");
    // Nor anything but what a client observes (sql/V50): no row of an administrator's or
    // another command's action, under any name.
    for action in ["operator-add", "operator-grant", "audit-list", "import-chunk", "postal-batch", "anything"] {
        let e = c
            .batch_execute(&format!("SELECT api.record('{action}', 'mallory', '{{}}', NULL, 'ok')"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{action}: {e:?}");
    }
    // A verification of the chain is an auditor's to record.
    c.batch_execute("SELECT api.record('audit-verify', NULL, '{}', NULL, 'ok')").await.unwrap();
    let clerk = db.unique("clerk");
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    let e = raw(&db, &clerk)
        .await
        .batch_execute("SELECT api.record('audit-verify', NULL, '{}', NULL, 'ok')")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{e:?}");
}

/// One login cannot take the server's connections nor leave a transaction open for long.
#[tokio::test]
async fn a_login_has_a_connection_limit_and_an_idle_transaction_timeout() {
    let db = TestDb::new().await;
    let clerk = db.unique("clerk");
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    let owner = db.owner().await;
    let limit: i32 =
        owner.query_one("SELECT rolconnlimit FROM pg_roles WHERE rolname = $1", &[&clerk]).await.unwrap().get(0);
    assert_eq!(limit, 48);
    let c = raw(&db, &clerk).await;
    let timeout: String = c.query_one("SHOW idle_in_transaction_session_timeout", &[]).await.unwrap().get(0);
    assert_eq!(timeout, "1min");
    let mut held = Vec::new();
    let refused = loop {
        match tokio_postgres::Config::connect(&db.login_config(&clerk), tokio_postgres::NoTls).await {
            Ok((client, conn)) => {
                tokio::spawn(conn);
                held.push(client);
            }
            Err(e) => break e,
        }
        assert!(held.len() <= 48, "more connections than the limit");
    };
    assert_eq!(refused.code(), Some(&SqlState::TOO_MANY_CONNECTIONS), "{refused:?}");
}

/// A login that stops inside its transactions after audited calls, its idle timeout lifted, on
/// many connections at once, keeps nobody from the audit log (sql/V49): another writer waits
/// 0.2 s at most for the chain, each time, and its rows wait unlinked until the stopped sessions
/// let go; the next write then links them, after the holder's, in the order they were written.
#[tokio::test]
async fn a_login_stopped_inside_its_transactions_does_not_keep_others_from_the_audit_log() {
    let db = TestDb::new().await;
    let (squatter, clerk) = (db.unique("squatter"), db.unique("clerk"));
    db.add_operator(&squatter, &[Role::Desk], &["TO"], &[]).await;
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    let mut holders = Vec::new();
    for i in 0..8 {
        let holder = raw(&db, &squatter).await;
        holder
            .batch_execute(&format!(
                "SET idle_in_transaction_session_timeout = 0; BEGIN;
                 SELECT api.record('command', 'held {i}', '{{}}', NULL, 'ok');"
            ))
            .await
            .unwrap();
        holders.push(holder);
    }
    let writer = raw(&db, &clerk).await;
    for i in 0..3 {
        let started = std::time::Instant::now();
        writer
            .batch_execute(&format!("SELECT api.record('command', 'written {i}', '{{}}', NULL, 'ok')"))
            .await
            .unwrap();
        let waited = started.elapsed();
        assert!(waited < std::time::Duration::from_secs(3), "write {i} waited {waited:?}");
    }
    let owner = db.owner().await;
    let waiting = "SELECT count(*) FROM audit_log WHERE seq IS NULL";
    assert_eq!(owner.query_one(waiting, &[]).await.unwrap().get::<_, i64>(0), 3, "written, waiting for a link");
    // The holder lets go (here its client goes away; a desk's idle timeout does it by itself).
    let first = holders.remove(0);
    first.batch_execute("COMMIT").await.unwrap();
    drop(holders);
    // Their transactions end once the server sees the clients gone (a loaded machine takes longer).
    let started = std::time::Instant::now();
    while owner
        .query_one("SELECT count(*) FROM pg_stat_activity WHERE usename = $1 AND xact_start IS NOT NULL", &[&squatter])
        .await
        .unwrap()
        .get::<_, i64>(0)
        > 0
    {
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "the holders' backends did not end");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    writer.batch_execute("SELECT api.record('command', 'after', '{}', NULL, 'ok')").await.unwrap();
    assert_eq!(owner.query_one(waiting, &[]).await.unwrap().get::<_, i64>(0), 0);
    assert_eq!(targets(&db).await, ["held 0", "written 0", "written 1", "written 2", "after"]);
    let v = sportello::audit_chain::walk(&db.login("admin").await.client().await.unwrap(), None).await.unwrap();
    assert!(v.intact(), "{:?}", v.problem);
}

/// A login cannot poison the chain with a row too large to hash or compare, nor pile rows on an
/// old snapshot for others to link, nor read the chain's state (sql/V49).
#[tokio::test]
async fn no_login_can_poison_the_chain_or_leave_its_rows_to_others() {
    let db = TestDb::new().await;
    let (mallory, clerk) = (db.unique("mallory"), db.unique("clerk"));
    db.add_operator(&mallory, &[Role::Desk], &["TO"], &[]).await;
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    let m = raw(&db, &mallory).await;
    for sql in [
        "SELECT api.record('command', 'big', jsonb_build_object('x', repeat('a', 70000)), NULL, 'ok')",
        "SELECT api.record('command', repeat('t', 2000), '{}', NULL, 'ok')",
    ] {
        let e = m.batch_execute(sql).await.unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::PROGRAM_LIMIT_EXCEEDED), "{e:?}");
    }
    for level in ["REPEATABLE READ", "SERIALIZABLE"] {
        let e = m
            .batch_execute(&format!(
                "BEGIN ISOLATION LEVEL {level}; SELECT api.record('command', 'old snapshot', '{{}}', NULL, 'ok')"
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::INVALID_TRANSACTION_STATE), "{level}: {e:?}");
        m.batch_execute("ROLLBACK").await.unwrap();
    }
    // What the client says of itself is cut, whatever it sets (sql/V49).
    m.batch_execute(
        "SELECT set_config('sportello.command', repeat('C', 100000), false),
                set_config('sportello.origin', repeat('O', 100000), false);
         SELECT api.record('command', 'long context', '{}', NULL, 'ok')",
    )
    .await
    .unwrap();
    let lengths: (i32, i32) = db
        .owner()
        .await
        .query_one("SELECT length(command), length(origin) FROM audit_log WHERE target = 'long context'", &[])
        .await
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!(lengths, (200, 200));
    let e = m.batch_execute("SELECT * FROM api.audit_unlinked()").await.unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{e:?}");
    let writer = raw(&db, &clerk).await;
    writer.batch_execute("SELECT api.record('command', 'after', '{}', NULL, 'ok')").await.unwrap();
    assert_eq!(targets(&db).await, ["long context", "after"]);
}

/// A session at work keeps the chain as long as its work takes, and nobody waits for it more
/// than 0.2 s: their rows are linked after its own, by the next writer.
#[tokio::test]
async fn a_session_at_work_keeps_nobody_waiting_and_is_not_ended() {
    let db = TestDb::new().await;
    let (worker, clerk) = (db.unique("worker"), db.unique("clerk"));
    db.add_operator(&worker, &[Role::Desk], &["TO"], &[]).await;
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    let busy = raw(&db, &worker).await;
    let work = tokio::spawn(async move {
        busy.batch_execute(
            "BEGIN; SELECT api.record('command', 'long work', '{}', NULL, 'ok'); SELECT pg_sleep(5); COMMIT;",
        )
        .await
    });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let writer = raw(&db, &clerk).await;
    let started = std::time::Instant::now();
    writer.batch_execute("SELECT api.record('command', 'meanwhile', '{}', NULL, 'ok')").await.unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(3), "{:?}", started.elapsed());
    work.await.unwrap().expect("the session at work was not ended");
    writer.batch_execute("SELECT api.record('command', 'after it', '{}', NULL, 'ok')").await.unwrap();
    assert_eq!(targets(&db).await, ["long work", "meanwhile", "after it"]);
}

/// `doctor` says whether the audit log is linked: no row waiting long, prepared transactions
/// off.
#[tokio::test]
async fn doctor_says_the_audit_log_is_linked() {
    let db = TestDb::new().await;
    let (stdout, stderr, _) = text(&db.cli(Some("admin"), &["doctor"]));
    assert!(stdout.contains("ok    chain"), "{stdout}{stderr}");
}

/// The targets of the `command` rows, in the chain's order.
async fn targets(db: &TestDb) -> Vec<String> {
    db.owner()
        .await
        .query("SELECT target FROM audit_log WHERE action = 'command' ORDER BY seq", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// Two helpdesk runs over two folders holding the same messages, at once, answer each message
/// once.
#[tokio::test]
async fn two_mailbox_runs_at_once_answer_each_message_once() {
    let db = TestDb::new().await;
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let n = 30;
    for i in 0..n {
        let eml = format!(
            "From: Cittadino {i} <cittadino{i}@example.it>\r\nTo: assistenza@sistemapiemonte.it\r\n\
             Subject: Richiesta nuovo codice di attivazione\r\nMessage-ID: <richiesta-{i}@example.it>\r\n\
             Date: Tue, 1 Dec 2026 10:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
             Buongiorno, chiedo un nuovo codice. Codice fiscale RSSMRA85T10L219G.\r\n"
        );
        for dir in [&one, &two] {
            std::fs::write(dir.path().join(format!("{i:03}.eml")), &eml).unwrap();
        }
    }
    let spawn = |dir: &tempfile::TempDir| {
        db.command(Some("admin"), &["regenerate-code", "--mailbox", dir.path().to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let (mut a, mut b) = (spawn(&one), spawn(&two));
    a.wait().unwrap();
    b.wait().unwrap();
    let replies = db.spooled().len();
    assert_eq!(replies, n, "each of {n} messages answered once");
}

/// The portal counts an attempt before it verifies it: a burst of parallel guesses gets at most
/// `SPORTELLO_MAX_ATTEMPTS` (5) verified, and the right code sent after them is refused. An
/// unknown fiscal code is refused the same way, with the same record.
#[tokio::test]
async fn a_burst_of_guesses_gets_no_more_than_the_attempts_allowed() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let number = mario().register(&s).await;
    let booked = book(&s, &desk, number, OperationKind::Verification).await.unwrap();
    let pin = crate::desk::pin_in(&booked.letters);
    let code = crate::desk::code_in(db.spooled().last().unwrap());
    let cf = mario().cf;
    let portal = std::sync::Arc::new(db.login("portal").await);
    let guesses: Vec<_> = (0..20)
        .map(|i| {
            let (portal, desk, cf, pin) = (portal.clone(), db.desk(), cf.clone(), pin.clone());
            tokio::spawn(async move {
                let a = sportello::portal::Activation {
                    username: Some("mario.rossi".into()),
                    ..crate::lifecycle::activation(&cf, &format!("AAAA-BBBB-{i:04}"), &pin)
                };
                sportello::portal::activate(&portal, &desk, a).await
            })
        })
        .collect();
    for g in guesses {
        let e = g.await.unwrap().unwrap_err();
        assert_eq!(e.exit_code(), sportello::error::exit::REFUSED, "{e}");
    }
    let owner = db.owner().await;
    let verified: i64 = owner
        .query_one(
            "SELECT count(*) FROM audit_log WHERE action = 'citizen-wrong-code' AND details->'attempt' <> 'null'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(verified, 5, "attempts verified of a burst of 20");
    let a = sportello::portal::Activation {
        username: Some("mario.rossi".into()),
        ..crate::lifecycle::activation(&cf, &code, &pin)
    };
    let e = sportello::portal::activate(&portal, &desk, a).await.unwrap_err();
    assert_eq!(e.exit_code(), sportello::error::exit::REFUSED, "locked out: {e}");

    // An unknown fiscal code: the same refusal, and one record of it, as a wrong code.
    let before: i64 = owner.query_one("SELECT count(*) FROM audit_log", &[]).await.unwrap().get(0);
    let unknown = crate::lifecycle::activation("VRDGPP70A01L219K", &code, &pin);
    let e2 = sportello::portal::activate(&portal, &desk, unknown).await.unwrap_err();
    assert_eq!(e2.to_string(), e.to_string());
    let after: i64 = owner.query_one("SELECT count(*) FROM audit_log", &[]).await.unwrap().get(0);
    assert_eq!(after - before, 1);
}
