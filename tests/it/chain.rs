//! The audit log's hash chain (issue 9, item 3): stamped by the database, linked under a lock,
//! and `audit verify` finds the first changed, missing or inserted row.

use sportello::audit::{Actor, AuditEvent, Entry, Target};
use sportello::audit_chain;
use sportello::desk::search::{self, Query};

use crate::harness::{TestDb, text};

/// A log of a few rows: searches by the admin.
async fn some_rows(db: &TestDb, n: usize) {
    let s = db.admin().await;
    for _ in 0..n {
        search::search(&s, Query { limit: 5, ..Default::default() }).await.unwrap();
    }
}

/// `audit verify` as the admin: (exit code, stdout, stderr).
fn verify(db: &TestDb, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["audit", "verify"];
    args.extend_from_slice(extra);
    let (stdout, stderr, code) = text(&db.cli(Some("admin"), &args));
    (code, stdout, stderr)
}

fn head_of(stdout: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(stdout).unwrap();
    v["head_hash"].as_str().unwrap().to_string()
}

/// Runs `sql` as the cluster's superuser with every trigger of audit_log off, as an attacker
/// holding the superuser would (and turns them back on after, to leave no trace).
async fn tamper(db: &TestDb, sql: &str) {
    let su = db.owner().await;
    let is_super: bool =
        su.query_one("SELECT rolsuper FROM pg_roles WHERE rolname = current_user", &[]).await.unwrap().get(0);
    assert!(is_super, "the test cluster's owner is a superuser");
    su.batch_execute(&format!(
        "BEGIN; ALTER TABLE audit_log DISABLE TRIGGER ALL; {sql}; ALTER TABLE audit_log ENABLE TRIGGER ALL; COMMIT;"
    ))
    .await
    .unwrap();
}

#[tokio::test]
async fn verify_passes_on_an_untouched_log_and_prints_the_head() {
    let db = TestDb::new().await;
    some_rows(&db, 5).await;
    let (code, stdout, stderr) = verify(&db, &["--format", "json"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(v["problem"].is_null(), "{v}");
    let head = head_of(&stdout);
    assert_eq!(head.len(), 64);
    // The head is the last row walked (the record of the verification follows it), as stored.
    let owner = db.owner().await;
    let (seq, hash, action): (i64, Vec<u8>, String) = owner
        .query_one("SELECT seq, hash, (SELECT action FROM audit_log WHERE seq = a.seq + 1) FROM audit_log a ORDER BY seq DESC OFFSET 1 LIMIT 1", &[])
        .await
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .unwrap();
    assert_eq!(v["head_seq"], seq);
    assert_eq!(v["rows"], seq);
    assert_eq!(hex::encode(hash), head);
    assert_eq!(action, "audit-verify");
    // Positions are 1..n with no gap, each row linked to the one before.
    let broken: i64 = owner
        .query_one(
            "SELECT count(*) FROM (SELECT seq, prev_hash, lag(hash) OVER (ORDER BY seq) AS before,
                                          lag(seq) OVER (ORDER BY seq) AS seq_before FROM audit_log) c
             WHERE (seq_before IS NOT NULL AND (seq <> seq_before + 1 OR prev_hash <> before))
                OR (seq_before IS NULL AND (seq <> 1 OR prev_hash <> '\\x0000000000000000000000000000000000000000000000000000000000000000'))",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(broken, 0);
    // The head kept: still in the chain after more rows (the verification itself is one).
    some_rows(&db, 2).await;
    let (code, stdout, stderr) = verify(&db, &["--head", &head]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("still in the chain"), "{stdout}");
    // The verification was recorded.
    let n: i64 = owner
        .query_one("SELECT count(*) FROM audit_log WHERE action = 'audit-verify' AND outcome = 'ok'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 2);
}

#[tokio::test]
async fn the_database_stamps_the_time_whatever_the_client_writes() {
    let db = TestDb::new().await;
    let app = db.db.client().await.unwrap();
    // The time, the position and the hashes are the database's: a client naming them is refused.
    let e = app
        .execute(
            "INSERT INTO public.audit_log (at, origin, command, action, seq, prev_hash, hash)
             VALUES ('2020-01-01', 'x', 'x', 'forged-time', 999, '\\x01', '\\x02')",
            &[],
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{e}");
    // Nor through the api: time, position and hashes are what sportello_record and the linker
    // (sql/V49) give, whatever the caller says.
    app.batch_execute("SELECT api.record('command', 'probe', '{\"at\": \"2020-01-01\", \"seq\": 999}', NULL, 'ok')")
        .await
        .unwrap();
    let row = db
        .owner()
        .await
        .query_one("SELECT at > now() - interval '1 hour', seq <> 999 FROM audit_log WHERE target = 'probe'", &[])
        .await
        .unwrap();
    assert!(row.get::<_, bool>(0), "the time is the database's");
    assert!(row.get::<_, bool>(1), "the position is the chain's");
    let (code, stdout, stderr) = verify(&db, &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    // Only the owner writes past sportello_record, and such a row keeps what it says: it breaks
    // the chain, and verify finds it.
    db.owner()
        .await
        .execute(
            "INSERT INTO public.audit_log (at, origin, command, action, seq, prev_hash, hash)
             VALUES ('2020-01-01', 'x', 'x', 'forged-time', 999, '\\x01', '\\x02')",
            &[],
        )
        .await
        .unwrap();
    let (code, stdout, stderr) = verify(&db, &[]);
    assert_eq!(code, 9, "{stdout}{stderr}");
}

#[tokio::test]
async fn a_superuser_rewrite_is_found() {
    let db = TestDb::new().await;
    some_rows(&db, 6).await;
    let (seq, id): (i64, i64) = db
        .owner()
        .await
        .query_one("SELECT seq, id FROM audit_log ORDER BY seq OFFSET 3 LIMIT 1", &[])
        .await
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    tamper(&db, &format!("UPDATE audit_log SET operator_id = 'someone-else', at = '2020-01-01' WHERE seq = {seq}"))
        .await;
    let (code, stdout, stderr) = verify(&db, &[]);
    assert_eq!(code, 9, "{stdout}{stderr}");
    assert!(stderr.contains(&format!("row {seq} (id {id}) was changed")), "{stderr}");

    // Rewritten with its hash recomputed (the attacker knows the algorithm): the next row still
    // links to the old hash.
    let db = TestDb::new().await;
    some_rows(&db, 6).await;
    tamper(
        &db,
        "UPDATE audit_log SET details = '{\"forged\": true}' WHERE seq = 3;
         UPDATE audit_log a SET hash = audit_log_hash(a) WHERE seq = 3",
    )
    .await;
    let (code, stdout, stderr) = verify(&db, &["--format", "json"]);
    assert_eq!(code, 9, "{stdout}{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["problem"]["kind"], "rewritten", "{v}");
    assert_eq!(v["problem"]["seq"], 3, "{v}");
    assert_eq!(v["head_seq"], 3, "the last good row is the one rewritten");
}

#[tokio::test]
async fn a_deletion_is_found_and_a_cut_tail_by_the_kept_head() {
    let db = TestDb::new().await;
    some_rows(&db, 6).await;
    tamper(&db, "DELETE FROM audit_log WHERE seq = 4").await;
    let (code, stdout, stderr) = verify(&db, &[]);
    assert_eq!(code, 9, "{stdout}{stderr}");
    assert!(stderr.contains("row 4 is missing"), "{stderr}");

    // Cutting the tail leaves a chain that holds together: only the head kept elsewhere shows it.
    let db = TestDb::new().await;
    some_rows(&db, 6).await;
    let (code, stdout, _) = verify(&db, &["--format", "json"]);
    assert_eq!(code, 0);
    let head = head_of(&stdout);
    tamper(&db, "DELETE FROM audit_log WHERE seq > 4").await;
    let (code, stdout, stderr) = verify(&db, &[]);
    assert_eq!(code, 0, "without the head the cut does not show: {stdout}{stderr}");
    let (code, stdout, stderr) = verify(&db, &["--head", &head]);
    assert_eq!(code, 9, "{stdout}{stderr}");
    assert!(stderr.contains(&format!("the head {head} kept earlier is not in the chain")), "{stderr}");
}

#[tokio::test]
async fn an_inserted_forged_row_is_found() {
    // Inserted in the middle, with a hash the attacker computed right and the rows after it
    // moved up one place: the row after it still links to the row before it.
    let db = TestDb::new().await;
    some_rows(&db, 6).await;
    tamper(
        &db,
        "UPDATE audit_log SET seq = -seq WHERE seq > 3;
         UPDATE audit_log SET seq = -seq + 1 WHERE seq < 0;
         INSERT INTO audit_log (id, at, operator_id, origin, command, action, outcome, seq, prev_hash, hash)
         SELECT 100000, '2020-03-01', 'admin', 'x@y', 'search', 'search', 'ok', 4, hash, '\\x00'
         FROM audit_log WHERE seq = 3;
         UPDATE audit_log a SET hash = audit_log_hash(a) WHERE id = 100000",
    )
    .await;
    let (code, stdout, stderr) = verify(&db, &[]);
    assert_eq!(code, 9, "{stdout}{stderr}");
    assert!(stderr.contains("row 4 was inserted"), "{stderr}");

    // Appended at the end without the chain's hash (the trigger bypassed).
    let db = TestDb::new().await;
    some_rows(&db, 3).await;
    let head: i64 = db.owner().await.query_one("SELECT max(seq) FROM audit_log", &[]).await.unwrap().get(0);
    tamper(
        &db,
        "INSERT INTO audit_log (at, operator_id, origin, command, action, seq, prev_hash, hash)
         SELECT '2020-03-01', 'admin', 'x@y', 'search', 'search', seq + 1, hash, sha256(hash)
         FROM audit_log ORDER BY seq DESC LIMIT 1",
    )
    .await;
    let (code, stdout, stderr) = verify(&db, &[]);
    assert_eq!(code, 9, "{stdout}{stderr}");
    assert!(stderr.contains(&format!("row {} (id", head + 1)) && stderr.contains("was changed"), "{stderr}");
}

#[tokio::test]
async fn twenty_parallel_writers_keep_a_linear_chain() {
    let db = TestDb::new().await;
    let before: i64 = db.owner().await.query_one("SELECT count(*) FROM audit_log", &[]).await.unwrap().get(0);
    let mut tasks = Vec::new();
    for w in 0..20 {
        let pool = db.login("admin").await; // a pool of its own: one connection each, as 20 desks
        tasks.push(tokio::spawn(async move {
            let mut c = pool.client().await.unwrap();
            for i in 0..10 {
                // Two rows per transaction, with work between them: the lock is held to commit.
                let tx = c.transaction().await.unwrap();
                let actor = Actor::Operator { id: "admin", origin: "test", command: "test" };
                let entry = || Entry::new(AuditEvent::Command, Target::Input(format!("writer {w} #{i}")));
                sportello::audit::write(&tx, actor, None, entry()).await.unwrap();
                tx.execute("SELECT pg_sleep(0.001)", &[]).await.unwrap();
                sportello::audit::write(&tx, actor, None, entry()).await.unwrap();
                if i == 5 {
                    tx.rollback().await.unwrap(); // a rolled-back append leaves no gap
                } else {
                    tx.commit().await.unwrap();
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let v = audit_chain::walk(&db.login("admin").await.client().await.unwrap(), None).await.unwrap();
    assert!(v.intact(), "{:?}", v.problem);
    // The rows written, and the record of the walk itself (the database writes it as the walk
    // starts: api.audit_chain).
    assert_eq!(v.rows, before + 20 * 9 * 2 + 1);
    let client = db.owner().await;
    let (n, max): (i64, i64) =
        client.query_one("SELECT count(*), max(seq) FROM audit_log", &[]).await.map(|r| (r.get(0), r.get(1))).unwrap();
    assert_eq!((n, max), (v.rows, v.rows), "positions 1..n, no fork, no gap");
    let forks: i64 =
        client.query_one("SELECT count(*) - count(DISTINCT prev_hash) FROM audit_log", &[]).await.unwrap().get(0);
    assert_eq!(forks, 0, "no two rows link to the same row");
}

#[tokio::test]
async fn a_writer_that_cannot_see_the_head_is_refused_instead_of_forking() {
    let db = TestDb::new().await;
    some_rows(&db, 1).await;
    let admin = db.login("admin").await;
    let mut a = admin.client().await.unwrap();
    let tx = a.transaction().await.unwrap();
    tx.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").await.unwrap();
    tx.query_one("SELECT 1", &[]).await.unwrap(); // the snapshot is taken
    some_rows(&db, 1).await; // another writer appends and commits
    // An audited call on an old snapshot is refused (sql/V49): it could not link, and would
    // leave its rows for others to hash.
    let actor = Actor::Operator { id: "admin", origin: "test", command: "test" };
    let err =
        sportello::audit::write(&tx, actor, None, Entry::new(AuditEvent::Command, Target::None)).await.unwrap_err();
    assert!(err.to_string().contains("READ COMMITTED"), "{err:?}");
    drop(tx);
    let v = audit_chain::walk(&db.login("admin").await.client().await.unwrap(), None).await.unwrap();
    assert!(v.intact(), "{:?}", v.problem);
}

#[tokio::test]
async fn not_found_and_refusals_are_recorded_with_their_target() {
    let db = TestDb::new().await;
    // Not found, inside a session: the row names what was asked for (hashed, as citizens are).
    let out = db.cli(Some("admin"), &["show", "--cf", "RSSMRA85T10A562S"]);
    assert_eq!(out.status.code(), Some(4), "{:?}", text(&out));
    // Refused by the state table, inside a session.
    let out = db.cli(Some("admin"), &["book", "--number", "999", "--operation", "pin"]);
    assert_ne!(out.status.code(), Some(0), "{:?}", text(&out));
    let owner = db.owner().await;
    let rows = owner
        .query("SELECT command, target, outcome FROM audit_log WHERE action = 'command' ORDER BY seq", &[])
        .await
        .unwrap();
    let hashed = sportello::audit::fiscal_code_target(&db.key(), "RSSMRA85T10A562S");
    let got: Vec<(String, Option<String>, String)> = rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
    assert_eq!(got[0], ("show".to_string(), Some(hashed), "not-found".to_string()), "{got:?}");
    assert_eq!(got[1].0, "book", "{got:?}");
    assert!(got[1].1.as_deref().is_some_and(|t| t.contains("999")), "{got:?}");
    let (code, stdout, stderr) = verify(&db, &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
}

#[tokio::test]
async fn no_login_can_take_the_chain_lock_and_a_held_log_is_let_go() {
    let db = TestDb::new().await;
    let mallory = db.unique("mallory");
    db.add_operator(&mallory, &[sportello::domain::Role::Desk], &["TO"], &[]).await;
    let raw = crate::harness::raw(&db, &mallory).await;
    // No login takes an advisory lock by itself (sql/V43): not the one V13 used for the chain,
    // not the migrations' one.
    for key in [72010013, 72010001] {
        let e = raw.execute("SELECT pg_advisory_lock($1)", &[&(key as i64)]).await.unwrap_err();
        assert_eq!(e.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{e}");
    }
    let admin = db.admin().await;
    let write = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        search::search(&admin, Query { last_name: Some("ROSSI".into()), limit: 5, ..Default::default() }),
    );
    write.await.expect("an audit row is written").unwrap();
    // The lock itself is out of reach.
    let e = raw.simple_query("SELECT 1 FROM public.audit_chain_lock FOR UPDATE").await.unwrap_err();
    assert_eq!(e.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{e}");
    // A transaction holding the chain (its own audit row linked, uncommitted), idle, neither
    // hangs the others nor makes them fail: a writer waits 0.2 s for the chain at most, and its
    // row waits for the next writer that has it (sql/V49).
    let mut holder = db.login(&mallory).await.client().await.unwrap();
    let tx = holder.transaction().await.unwrap();
    let actor = Actor::Operator { id: &mallory, origin: "test", command: "test" };
    sportello::audit::write(&tx, actor, None, Entry::new(AuditEvent::Command, Target::Input("held".into())))
        .await
        .unwrap();
    let started = std::time::Instant::now();
    search::search(&admin, Query { last_name: Some("ROSSI".into()), limit: 5, ..Default::default() }).await.unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
    tx.commit().await.expect("the holder is not ended");
    search::search(&admin, Query { last_name: Some("ROSSI".into()), limit: 5, ..Default::default() }).await.unwrap();
    let v = audit_chain::walk(&admin.db.client().await.unwrap(), None).await.unwrap();
    assert!(v.intact(), "{:?}", v.problem);
    assert_eq!(v.unlinked, 0, "the search after the holder linked the row that waited");
}

#[tokio::test]
async fn an_administrator_cannot_change_operators_unseen_from_sql() {
    let db = TestDb::new().await;
    let boss = db.unique("boss");
    db.add_operator(&boss, &[sportello::domain::Role::Admin], &["TO"], &[]).await;
    let clerk = db.unique("clerk");
    db.add_operator(&clerk, &[sportello::domain::Role::Desk], &["TO"], &[]).await;
    let raw = crate::harness::raw(&db, &boss).await;
    let before: i64 = db.owner().await.query_one("SELECT count(*) FROM audit_log", &[]).await.unwrap().get(0);
    for sql in [
        format!("SELECT public.sportello_operator_grant('{clerk}', ARRAY['auditor'])"),
        format!("SELECT public.sportello_operator_competence('{clerk}', ARRAY['TO'], '{{}}')"),
        format!("SELECT public.sportello_operator_disable('{clerk}')"),
        "SELECT public.sportello_operator_add('ghost', 'Ghost', 'CSI', false, ARRAY['TO'], '{}', ARRAY['desk'])"
            .to_string(),
    ] {
        // Not executable by any login since the API (sql/V28): api.operator_* make the change
        // and write its record together.
        let e = raw.simple_query(&sql).await.unwrap_err();
        assert_eq!(e.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{sql}: {e}");
        assert!(e.as_db_error().unwrap().message().contains("permission denied"), "{sql}: {e}");
    }
    // Nor can a login write the record itself (a decoy row once opened the door, V19).
    let e = raw
        .simple_query(&format!(
            "INSERT INTO public.audit_log (operator_id, origin, command, action, target, outcome)
                  VALUES ('{boss}', 'x', 'x', 'operator-disable', '{clerk}', 'ok')"
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{e}");
    let after: i64 = db.owner().await.query_one("SELECT count(*) FROM audit_log", &[]).await.unwrap().get(0);
    assert_eq!(before, after);
    // Through sportello, the same change is made and recorded.
    let admin = sportello::session::Session::open(db.login(&boss).await, None, "test").await.unwrap();
    sportello::operators::change(&admin, &clerk, sportello::operators::Change::Disable).await.unwrap();
    let n: i64 = db
        .owner()
        .await
        .query_one("SELECT count(*) FROM audit_log WHERE action = 'operator-disable' AND target = $1", &[&clerk])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
}

/// The seal hashes each row as it is written (sql/V36: one expression, column by column); the
/// definition of the hash is audit_log_hash (sql/V6) and link_hash (src/audit_chain.rs). The
/// three agree on awkward values: no target or count, non-ASCII text, a details that is a JSON
/// string, a number, a JSON null, an array, nested objects.
#[tokio::test]
async fn the_seal_hashes_every_row_as_audit_log_hash_and_verify_do() {
    let db = TestDb::new().await;
    some_rows(&db, 2).await;
    let clerk = db.unique("clerk");
    db.add_operator(&clerk, &[sportello::domain::Role::Desk], &["TO"], &[]).await;
    let c = crate::harness::raw(&db, &clerk).await;
    c.batch_execute("SELECT set_config('sportello.origin', 'perché@sportello-è', false)").await.unwrap();
    for (target, details, count) in [
        ("NULL", "'{}'", "NULL"),
        ("'cf:0123456789abcdef0123456789abcdef'", r#"'{"città": "Aosta", "n": [1, 2.5, null, "ß"]}'"#, "7"),
        ("NULL", r#"'"just a string"'"#, "-1"),
        ("'a target: with colons 12:34'", "'42'", "0"),
        ("NULL", "'null'", "NULL"),
        ("NULL", r#"'[{"a": {"b": "\u00e8"}}]'"#, "NULL"),
        ("'日本'", r#"'{"emoji": "🙂", "quote": "\""}'"#, "9223372036854775807"),
    ] {
        c.batch_execute(&format!("SELECT api.record('command', {target}, {details}, {count}, 'ok')"))
            .await
            .unwrap_or_else(|e| panic!("{target} {details}: {e:?}"));
    }
    let owner = db.owner().await;
    let differing: i64 = owner
        .query_one("SELECT count(*) FROM audit_log a WHERE a.hash <> audit_log_hash(a)", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(differing, 0, "rows whose stored hash is not audit_log_hash");
    let (code, stdout, stderr) = verify(&db, &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
}
