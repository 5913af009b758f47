//! The batch's API (sql/V26, issue 16), attacked as a batch or desk operator would with their
//! own login in psql: a run is written only by the process holding it, every step records
//! itself, a chunk's rows come whole or not at all, a postal batch stores secrets only for
//! the letters its transaction took; and the batch's jobs still work with their tables' grants
//! gone.

use sportello::domain::transitions::{self, PostalLetter};
use sportello::domain::{OperationKind, Role, State};
use sportello::error::exit;
use tokio_postgres::error::SqlState;

use crate::harness::{TestDb, denied, raw, text};
use crate::lifecycle::sample;

/// A resident nobody's registry lists, in Torino.
const INVENTED: &str = "ZZZZZZ80A01L219X";

/// The arguments of `api.import_chunk` after its report: the invented resident's row, one array
/// per column, living in `municipality`, at line `line` of its file; or a forged chunk whose
/// columns are not all of one length.
fn invented_columns(line: i64, municipality: &str) -> String {
    format!(
        "ARRAY['{INVENTED}'], ARRAY['Inventato'], ARRAY['Nessuno'], ARRAY['1980-01-01'::date], ARRAY['M'],
         ARRAY['Via Finta 1'], ARRAY[NULL::text], ARRAY['10121'], ARRAY['{municipality}'], ARRAY[NULL::text],
         ARRAY[NULL::text], ARRAY[NULL::date], ARRAY[NULL::text],
         ARRAY['\\x00112233445566778899aabbccddeeff'::bytea], ARRAY[{line}::bigint]"
    )
}

/// The statement fails with `state`, nothing else.
async fn fails(c: &tokio_postgres::Client, sql: &str, state: &SqlState) -> String {
    let e = c.batch_execute(sql).await.expect_err(sql);
    assert_eq!(e.code(), Some(state), "{sql}: {e:?}");
    let _ = c.batch_execute("ROLLBACK").await;
    e.as_db_error().map(|d| d.message().to_string()).unwrap_or_default()
}

async fn count(db: &TestDb, sql: &str) -> i64 {
    db.owner().await.query_one(sql, &[]).await.unwrap().get(0)
}

/// The audit rows written by `login`, as "action outcome".
async fn rows_of(db: &TestDb, login: &str) -> Vec<String> {
    db.owner()
        .await
        .query("SELECT action || ' ' || outcome FROM audit_log WHERE operator_id = $1 ORDER BY seq", &[&login])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[tokio::test]
async fn a_batch_login_cannot_invent_a_resident_and_a_weak_account_without_audit_rows() {
    let db = TestDb::new().await;
    let cron = db.unique("cron");
    let other = db.unique("cron2");
    db.add_operator(&cron, &[Role::Batch], &["TO"], &[]).await;
    db.add_operator(&other, &[Role::Batch], &["TO"], &[]).await;
    let c = raw(&db, &cron).await;
    let o = raw(&db, &other).await;

    // No run without its lock.
    denied(&c, "SELECT * FROM api.run_start('import-cia', 'invented.csv', 'forged', '{}', false, 1, 'h')").await;
    c.batch_execute("SELECT api.try_lock('batch-run:import-cia:forged')").await.unwrap();
    let run: i64 = c
        .query_one("SELECT run_id FROM api.run_start('import-cia', 'invented.csv', 'forged', '{}', false, 1, 'h')", &[])
        .await
        .unwrap()
        .get(0);
    // Another login cannot work on it.
    denied(&o, &format!("SELECT api.import_begin({run})")).await;
    denied(&o, &format!("SELECT api.import_finish({run}, NULL)")).await;
    denied(&o, &format!("SELECT * FROM api.preload_candidates({run}, '{{TO}}', '{{}}')")).await;
    // A chunk out of order (the records before it never committed) is refused: nothing merged.
    c.batch_execute(&format!("SELECT api.import_begin({run})")).await.unwrap();
    let forged = |from: i64, to: i64, ok: i64, columns: &str| {
        format!(
            "BEGIN; SELECT api.lock_chunk({run}, {to});
             SELECT * FROM api.import_chunk({run}, {from}, {to}, 1, {ok}, '{{}}', '{{}}', '{{}}', '{{}}', '{{}}', false,
                                            {columns});
             COMMIT"
        )
    };
    let chunk = |from: i64, to: i64, municipality: &str| forged(from, to, 1, &invented_columns(to, municipality));
    fails(&c, &chunk(5, 6, "001272"), &SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE).await;
    let sql = format!("SELECT count(*) FROM cia_residents WHERE fiscal_code = '{INVENTED}'");
    assert_eq!(count(&db, &sql).await, 0);
    // Columns of unequal lengths (rows shifted against each other), or more rows than the chunk
    // says are valid, are refused whole.
    let short = invented_columns(1, "001272").replacen("ARRAY['Nessuno']", "ARRAY['Nessuno', 'Altro']", 1);
    fails(&c, &forged(0, 1, 1, &short), &SqlState::INVALID_PARAMETER_VALUE).await;
    fails(&c, &forged(0, 1, 0, &invented_columns(1, "001272")), &SqlState::INVALID_PARAMETER_VALUE).await;
    assert_eq!(count(&db, &sql).await, 0);
    // A place the reference data does not know is refused, the row rejected by its line.
    c.batch_execute(&chunk(0, 1, "000000")).await.unwrap();
    assert_eq!(count(&db, &sql).await, 0);
    let reason: String = db
        .owner()
        .await
        .query_one("SELECT reason FROM batch_rejects WHERE run_id = $1 AND line = 1", &[&run])
        .await
        .unwrap()
        .get(0);
    assert!(reason.contains("unknown municipality code 000000"), "{reason}");
    // In order, the invented resident goes in: recorded as a chunk of the run.
    c.batch_execute(&chunk(1, 2, "001272")).await.unwrap();
    assert_eq!(count(&db, &sql).await, 1);
    // Pre-loaded: recorded, with the registration it made; never without a street to send its
    // PIN letter to, whatever the client sends (sql/V51).
    let hash = "decode(repeat('ab', 32), 'hex')";
    let preload = format!("SELECT api.preload({run}, '{{TO}}', '{{}}', ARRAY['{INVENTED}'], ARRAY[{hash}], 0)");
    let set_street = |street: Option<&'static str>| {
        let db = &db;
        async move {
            let sql = "UPDATE cia_residents SET res_address = $2 WHERE fiscal_code = $1";
            db.owner().await.execute(sql, &[&INVENTED, &street]).await.unwrap();
        }
    };
    set_street(None).await;
    assert_eq!(c.query_one(&preload, &[]).await.unwrap().get::<_, i64>(0), 0, "no address, no pre-load");
    set_street(Some("Via Finta")).await;
    let preloaded: i64 = c.query_one(&preload, &[]).await.unwrap().get(0);
    assert_eq!(preloaded, 1);
    let number: i64 = db
        .owner()
        .await
        .query_one("SELECT registration_number FROM registrations WHERE fiscal_code = $1", &[&INVENTED])
        .await
        .unwrap()
        .get(0);
    c.batch_execute(&format!("SELECT api.import_finish({run}, NULL)")).await.unwrap();

    // A postal run: secrets of its choosing for a registration it did not take from the queue
    // are refused...
    c.batch_execute("SELECT api.try_lock('batch-run:postal-run:forged')").await.unwrap();
    let postal: i64 = c
        .query_one("SELECT run_id FROM api.run_start('postal-run', '/tmp/x', 'forged', '{}', false, 1, 'h')", &[])
        .await
        .unwrap()
        .get(0);
    let batch = |opened: &str, expires: &str| {
        format!(
            "SELECT api.postal_batch({postal}, 1, ARRAY[{number}::bigint], ARRAY[{hash}], {opened}, 
                 {}, now() + interval '{expires}', 'p.pdf', 'p.csv', NULL, NULL, 0, 0, 0)",
            if opened == "'{}'" { "'{}'".to_string() } else { format!("ARRAY[{hash}]") }
        )
    };
    let opened = format!("ARRAY[{number}::bigint]");
    let msg = denied(&c, &format!("BEGIN; {}; COMMIT", batch(&opened, "30 days"))).await;
    assert!(msg.contains("took out of the queue"), "{msg}");
    c.batch_execute("ROLLBACK").await.unwrap();
    let take = format!("SELECT * FROM api.postal_take({postal}, NULL, 10)");
    // ...so are letters stored without the activation the postal rule says they open...
    let msg = denied(&c, &format!("BEGIN; {take}; {}; COMMIT", batch("'{}'", "30 days"))).await;
    assert!(msg.contains("postal rule"), "{msg}");
    c.batch_execute("ROLLBACK").await.unwrap();
    // ...or a code valid for eleven years.
    fails(&c, &format!("BEGIN; {take}; {}; COMMIT", batch(&opened, "4000 days")), &SqlState::INVALID_PARAMETER_VALUE)
        .await;
    let sql = format!("SELECT count(*) FROM operations WHERE registration_number = {number}");
    assert_eq!(count(&db, &sql).await, 0, "nothing stored by the refused batches");
    // The batch as the rule says: the weak account opens, recorded with its registration.
    c.batch_execute(&format!("BEGIN; {take}; {}; COMMIT", batch(&opened, "30 days"))).await.unwrap();
    assert_eq!(count(&db, &sql).await, 1);
    c.batch_execute(&format!("SELECT api.postal_finish({postal})")).await.unwrap();

    // Every write of the attack has its row, written by the database as the login (the pre-load
    // that registered nobody too).
    assert_eq!(
        rows_of(&db, &cron).await,
        [
            "import-cia started",
            "import-chunk ok",
            "import-chunk ok",
            "preload ok",
            "preload ok",
            "import-cia ok",
            "postal-run started",
            "postal-batch ok",
            "postal-run ok"
        ]
    );
    let details: serde_json::Value = db
        .owner()
        .await
        .query_one("SELECT details FROM audit_log WHERE action = 'postal-batch'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(details["registrations"], serde_json::json!([number]));
    assert_eq!(details["activations_opened"], serde_json::json!([number]));
    let details: Vec<serde_json::Value> = db
        .owner()
        .await
        .query("SELECT details FROM audit_log WHERE action = 'preload' ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(details[0]["preloaded"].as_i64(), Some(0), "the pre-load without an address, recorded");
    assert_eq!((details[1]["preloaded"].as_i64(), details[1]["first"].as_i64()), (Some(1), Some(number)));
    assert!(rows_of(&db, &other).await.is_empty(), "the refused calls wrote nothing");
}

#[tokio::test]
async fn a_desk_or_helpdesk_login_cannot_call_the_batch_functions() {
    let db = TestDb::new().await;
    let clerk = db.unique("clerk");
    let help = db.unique("help");
    let cron = db.unique("cron");
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    db.add_operator(&help, &[Role::Helpdesk], &["TO"], &[]).await;
    db.add_operator(&cron, &[Role::Batch], &["TO"], &[]).await;
    let batch_only = [
        "SELECT api.import_begin(1)",
        "SELECT * FROM api.import_chunk(1, 0, 1, 1, 1, '{}', '{}', '{}', '{}', '{}', false,
             '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}')",
        "SELECT * FROM api.registry_digests('cia', NULL)",
        "SELECT * FROM api.import_departures(1)",
        "SELECT * FROM api.import_remove_departed(1, NULL)",
        "SELECT api.import_finish(1, NULL)",
        "SELECT * FROM api.preload_candidates(1, '{TO}', '{}')",
        "SELECT api.preload(1, '{TO}', '{}', '{}', '{}', 0)",
        "SELECT api.postal_due(NULL)",
        "SELECT * FROM api.postal_take(1, NULL, 1)",
        "SELECT * FROM api.postal_letters(1)",
        "SELECT api.postal_batch(1, 1, '{1}', '{}', '{}', '{}', now(), 'a', 'b', NULL, NULL, 0, 0, 0)",
        "SELECT * FROM api.postal_resume(1)",
        "SELECT api.postal_published(1, 1)",
        "SELECT api.postal_finish(1)",
    ];
    for login in [&clerk, &help] {
        let c = raw(&db, login).await;
        for sql in batch_only {
            denied(&c, sql).await;
        }
    }
    let c = raw(&db, &clerk).await;
    denied(&c, "SELECT * FROM api.run_start('import-cia', 'x', 'y', '{}', false, 1, 'h')").await;
    // Nor does a desk take a run's lock, which stopped the cron's postal run (sql/V43).
    denied(&c, "SELECT api.try_lock('batch-run:postal-run:y')").await;
    denied(&c, "SELECT pg_try_advisory_lock(hashtextextended('batch-run:postal-run:y', 0))").await;
    denied(&c, "SELECT * FROM api.runs(NULL, 10)").await;
    // A helpdesk login can neither take the lock of an import (sql/V43), nor start one...
    let h = raw(&db, &help).await;
    denied(&h, "SELECT api.try_lock('batch-run:import-cia:y')").await;
    denied(&h, "SELECT pg_advisory_lock(hashtextextended('batch-run:import-cia:y', 0))").await;
    denied(&h, "SELECT * FROM api.run_start('import-cia', 'x', 'y', '{}', false, 1, 'h')").await;
    // ...nor the batch a helpdesk run, nor checkpoint or finish one.
    let b = raw(&db, &cron).await;
    denied(&b, "SELECT api.try_lock('batch-run:revoke-letters:y')").await;
    denied(&b, "SELECT * FROM api.run_start('revoke-letters', 'x', 'y', '{}', false, 1, 'h')").await;
    denied(&b, "SELECT api.run_checkpoint(1, 1, 1, 1, '{}', '{}', '{}', '{}', '{}')").await;
    denied(&b, "SELECT api.run_finish(1)").await;
    assert_eq!(count(&db, "SELECT count(*) FROM batch_runs").await, 0);
}

#[tokio::test]
async fn the_database_s_postal_rule_is_the_domain_s() {
    let db = TestDb::new().await;
    let owner = db.owner().await;
    let kinds: Vec<Option<OperationKind>> =
        std::iter::once(None).chain(OperationKind::ALL.iter().copied().map(Some)).collect();
    for &state in State::ALL {
        for strong in [false, true] {
            for &kind in &kinds {
                let said: Option<String> = owner
                    .query_one(
                        "SELECT public.sportello_postal_letter($1, $2, $3)",
                        &[&state.as_str(), &strong, &kind.map(OperationKind::as_str)],
                    )
                    .await
                    .unwrap()
                    .get(0);
                let expected = transitions::postal_letter(state, strong, kind).map(|l| match l {
                    PostalLetter::OpensActivation => "opens-activation",
                    PostalLetter::ReplacesPin => "replaces-pin",
                });
                assert_eq!(said.as_deref(), expected, "{state:?} strong={strong} {kind:?}");
            }
        }
    }
    // And a pre-load registers as the domain says (api.preload writes it).
    assert_eq!(transitions::preloaded(), (State::Registrato, false));
}

#[tokio::test]
async fn the_batch_jobs_work_with_their_tables_grants_gone_and_record_each_step() {
    let db = TestDb::new().await;
    let cron = db.unique("cron");
    db.add_operator(&cron, &[Role::Batch], &["TO"], &[]).await;
    // What the lead revokes once every area is in, for the batch's own tables.
    db.owner()
        .await
        .batch_execute(
            "REVOKE ALL ON cia_residents, aura_residents, batch_runs, batch_rejects, import_seen, pin_letter_queue,
                 postal_batches, registration_credentials, operations, revocations, legacy_accounts, registrations,
                 postal_taken
                 FROM PUBLIC, sportello_app, sportello_batch, sportello_desk, sportello_helpdesk, sportello_auditor;
             REVOKE ALL ON SEQUENCE batch_runs_id_seq, registration_number_seq, operations_id_seq
                 FROM PUBLIC, sportello_app, sportello_batch",
        )
        .await
        .unwrap();
    // Then the login can only go through the functions: no resident, registration or PIN of its own.
    let c = raw(&db, &cron).await;
    denied(
        &c,
        &format!(
            "INSERT INTO cia_residents (fiscal_code, first_name, last_name, birth_date, sex)
                         VALUES ('{INVENTED}', 'A', 'B', '1980-01-01', 'M')"
        ),
    )
    .await;
    denied(&c, "UPDATE registration_credentials SET pin_hash = '\\x00'").await;
    denied(&c, "DELETE FROM pin_letter_queue").await;
    let cia = sample("cia.csv");
    let cia = cia.to_str().unwrap();
    let ok = |args: &[&str]| {
        let (stdout, stderr, code) = text(&db.cli(Some(&cron), args));
        assert!(code == 0 || code == exit::WITH_REJECTS, "{args:?}: {stdout}\n{stderr}");
        stdout
    };
    ok(&["import-cia", cia, "--preload", "001272", "--chunk-size", "3"]);
    ok(&["import-cia", cia, "--force", "--full-snapshot", "--chunk-size", "4"]);
    ok(&["import-cia", cia, "--dry-run"]);
    let out = tempfile::tempdir().unwrap();
    ok(&["print-letters", "--postal-run", "--batch-size", "2", "--out", out.path().to_str().unwrap()]);
    ok(&["runs"]);

    let rows = rows_of(&db, &cron).await;
    let n = |row: &str| rows.iter().filter(|r| r.as_str() == row).count();
    let chunks = count(&db, "SELECT count(*) FROM audit_log WHERE action = 'import-chunk'").await as usize;
    assert!(chunks >= 2, "{rows:?}");
    assert_eq!(n("import-chunk ok"), chunks);
    assert_eq!((n("import-cia started"), n("import-cia ok"), n("preload ok")), (2, 2, 1), "{rows:?}");
    assert_eq!(n("import-departures ok"), 1, "the full snapshot's departures, recorded: {rows:?}");
    assert_eq!(n("registry-read ok"), 3, "two runs and a dry run read the mirror: {rows:?}");
    let batches = count(&db, "SELECT count(*) FROM postal_batches").await as usize;
    assert!(batches >= 1);
    assert_eq!((n("postal-run started"), n("postal-batch ok"), n("postal-run ok")), (1, batches, 1), "{rows:?}");
    assert_eq!(n("runs ok"), 1);
    let preloaded = count(&db, "SELECT count(*) FROM registrations").await;
    let printed = count(&db, "SELECT count(*) FROM registration_credentials WHERE pin_hash IS NOT NULL").await;
    assert!(preloaded > 0 && printed == preloaded, "{preloaded} registered, {printed} PINs printed");
    let (stdout, stderr, code) = text(&db.cli(Some("admin"), &["audit", "verify"]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
}
