//! No login reaches a table (sql/V30; before it, least privilege by column, V18), tried as an
//! operator with a modified client would: a session of their own, with their own login, straight
//! to the tables. What each role may do it does through the api (tests/it/api_*.rs).

use std::collections::BTreeSet;

use sportello::domain::fields::FIELDS;
use sportello::domain::transitions::{self, PostalLetter};
use sportello::domain::{OperationKind, Role, State, bookable};
use sportello::error::exit;

use crate::desk::{book, mario};
use crate::harness::{TestDb, denied, raw, text};

async fn istat(db: &TestDb, name: &str) -> String {
    db.owner()
        .await
        .query_one("SELECT istat_code::text FROM municipalities WHERE name = $1", &[&name])
        .await
        .unwrap()
        .get(0)
}

/// (state, strong, username, password_hash, failed_attempts, updated_by, email) as stored.
type Stored = (String, bool, Option<String>, Option<String>, i32, Option<String>, Option<String>);

async fn stored(db: &TestDb, number: i64) -> Stored {
    let r = db
        .owner()
        .await
        .query_one(
            "SELECT state, strong, username, password_hash, failed_attempts, updated_by, email
             FROM registrations WHERE registration_number = $1",
            &[&number],
        )
        .await
        .unwrap();
    (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6))
}

#[tokio::test]
async fn a_desk_login_cannot_take_over_an_account_lift_a_lockout_or_blame_another_operator() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let number = mario().register(&s).await;
    // A citizen locked out by wrong codes.
    db.owner()
        .await
        .execute(
            "UPDATE registrations SET failed_attempts = 5, locked_at = now() WHERE registration_number = $1",
            &[&number],
        )
        .await
        .unwrap();
    let before = stored(&db, number).await;
    let clerk = db.unique("clerk");
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    let c = raw(&db, &clerk).await;
    let set = |assignment: &str| format!("UPDATE registrations SET {assignment} WHERE registration_number = {number}");
    for assignment in [
        "password_hash = 'x'",
        "username = 'hijack'",
        "strong = true",
        "state = 'attivato'",
        "state = 'riscontrato'",
        "failed_attempts = 0",
        "locked_at = NULL",
        "failed_attempts = 0, locked_at = NULL",
        "verified_at = now(), verified_ente = 'ASL TO4', pin_possessed = true",
        "pin_hash = '\\x00'",
        "activation_code_hash = '\\x00', activation_code_expires_at = now() + interval '1 year'",
        "secret_answer_hash = 'x'",
        "updated_by = 'admin'",
        "email = 'takeover@example.org', updated_by = 'admin'",
        "created_by = NULL",
        "fiscal_code = 'BNCLCU70L21L219X'",
        "registered_at = '2001-01-01'",
    ] {
        denied(&c, &set(assignment)).await;
    }
    // Not even what the desk's own work writes: that goes through api.edit, api.book (V24).
    denied(&c, &set("email = 'mario@example.org'")).await;
    denied(&c, &set("email = 'thief@example.org'")).await;
    assert_eq!(stored(&db, number).await, before, "nothing changed");

    // Operations: a booking is api.book's, as the caller, at the caller's ente (api_desk.rs).
    let b = book(&s, &db.desk(), number, OperationKind::Verification).await.unwrap();
    assert_eq!(b.registration_number, number);
    let op: i64 = db
        .owner()
        .await
        .query_one("SELECT id FROM operations WHERE registration_number = $1 AND status = 'A'", &[&number])
        .await
        .unwrap()
        .get(0);
    for sql in [
        format!("UPDATE operations SET status = 'S' WHERE id = {op}"),
        format!("UPDATE operations SET status = 'D' WHERE id = {op}"),
        format!("UPDATE public.operations SET operator_id = '{clerk}' WHERE id = {op}"),
        format!("UPDATE operations SET pin_hash = '\\x00' WHERE id = {op}"),
        format!(
            "INSERT INTO public.operations (registration_number, kind, ente) VALUES ({number}, 'verification', 'E')"
        ),
        "INSERT INTO audit_log (origin, command, action) VALUES ('decoy', 'search', 'search')".to_string(),
    ] {
        denied(&c, &sql).await;
    }
    let status: String =
        db.owner().await.query_one("SELECT status::text FROM operations WHERE id = $1", &[&op]).await.unwrap().get(0);
    assert_eq!(status, "A", "the booking stands");
}

#[tokio::test]
async fn no_login_but_the_portal_reads_a_code_hash_and_none_reads_a_pin_or_password_hash() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let number = mario().register(&s).await;
    book(&s, &db.desk(), number, OperationKind::Verification).await.unwrap();
    let (clerk, help, cron) = (db.unique("clerk"), db.unique("help"), db.unique("cron"));
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    db.add_operator(&help, &[Role::Helpdesk], &["TO"], &[]).await;
    db.add_operator(&cron, &[Role::Batch], &["TO"], &[]).await;
    let secrets = [
        "SELECT pin_hash FROM registrations",
        "SELECT activation_code_hash FROM registrations",
        "SELECT password_hash FROM registrations",
        "SELECT secret_answer_hash FROM registrations",
        "SELECT secret_question FROM registrations",
        "SELECT * FROM registrations",
        "SELECT r FROM registrations r",
        "SELECT pin_hash FROM operations",
        "SELECT revocation_code_hash FROM operations",
        "SELECT * FROM operations",
        "SELECT count(*) FROM registrations WHERE pin_hash IS NOT NULL",
        "SELECT count(*) FROM operations WHERE substring(pin_hash FROM 1 FOR 1) = '\\x00'",
    ];
    for login in [&clerk, &help, &cron] {
        let c = raw(&db, login).await;
        for sql in secrets {
            denied(&c, sql).await;
        }
        // Nor by what a write hands back.
        denied(
            &c,
            &format!(
                "UPDATE registrations SET updated_at = now() WHERE registration_number = {number} RETURNING pin_hash"
            ),
        )
        .await;
    }
    // The portal verifies the codes inside api.citizen_activate (V27): it reads no hash either.
    let p = raw(&db, "portal").await;
    for sql in secrets {
        denied(&p, sql).await;
    }
    // The desk still shows and searches, through the binary.
    for args in [&["show", "--cf", &mario().cf][..], &["search", "--last-name", "rossi"]] {
        let out = db.cli(Some(&clerk), args);
        assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    }
}

#[tokio::test]
async fn registering_outside_competence_is_refused_by_the_command_and_by_the_database() {
    let db = TestDb::new().await;
    let clerk = db.unique("moncalieri");
    db.add_operator(&clerk, &[Role::Desk], &[], &["Moncalieri"]).await;
    // The command refuses first, clearly.
    let out = db.cli(
        Some(&clerk),
        &["register", "--cf", &mario().cf, "--province", "AT", "--municipality", "Asti", "--no-prompt"],
    );
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, exit::REFUSED, "{stdout}\n{stderr}");
    assert!(stderr.contains("outside the competence"), "{stderr}");
    // A modified client is refused by the database.
    let c = raw(&db, &clerk).await;
    let insert = |fc: &str, province: &str, municipality: &str| {
        format!(
            "INSERT INTO registrations (fiscal_code, community, state, strong, res_province, res_municipality)
             VALUES ('{fc}', 'sistemapiemonte', 'registrato', false, '{province}', '{municipality}')"
        )
    };
    let asti = istat(&db, "Asti").await;
    denied(&c, &insert(&mario().cf, "AT", &asti)).await;
    let moncalieri = istat(&db, "Moncalieri").await;
    denied(&c, &insert(&mario().cf, "TO", &moncalieri)).await;
    let n: i64 = db.owner().await.query_one("SELECT count(*) FROM registrations", &[]).await.unwrap().get(0);
    assert_eq!(n, 0, "nothing registered");

    // A batch pre-load is not bound by a desk's competence: the cron job of Cuneo pre-loads
    // Moncalieri's residents.
    let cron = db.unique("cron");
    db.add_operator(&cron, &[Role::Batch], &["CN"], &[]).await;
    let cia = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/cia.csv");
    let out = db.cli(Some(&cron), &["import-cia", cia.to_str().unwrap(), "--preload", "Moncalieri"]);
    let (stdout, stderr, code) = text(&out);
    assert!(code == 0 || code == exit::WITH_REJECTS, "{stdout}\n{stderr}");
    let preloaded: i64 = db
        .owner()
        .await
        .query_one("SELECT count(*) FROM registrations WHERE created_by = $1", &[&cron])
        .await
        .unwrap()
        .get(0);
    assert!(preloaded > 0, "{stdout}");
    // ...and a batch login writes no registration of its own outside a pre-load.
    let c = raw(&db, &cron).await;
    denied(&c, &insert("BNCLCU70L21L219X", "AT", &asti)).await;
}

#[tokio::test]
async fn a_desk_login_cannot_make_a_registration_already_verified_active_or_with_credentials() {
    let db = TestDb::new().await;
    let clerk = db.unique("clerk");
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    let c = raw(&db, &clerk).await;
    let torino = istat(&db, "Torino").await;
    let insert = |columns: &str, values: &str| {
        format!(
            "INSERT INTO registrations (fiscal_code, community, res_province, res_municipality, {columns})
             VALUES ('{}', 'sistemapiemonte', 'TO', '{torino}', {values})",
            mario().cf
        )
    };
    for (columns, values) in [
        ("state", "'riscontrato'"),
        ("state", "'attivato'"),
        ("state, strong", "'registrato', true"),
        ("state, strong", "'attivato', true"),
        ("state, verified_at, verified_ente", "'registrato', now(), 'ASL'"),
        ("state, username, password_hash", "'registrato', 'hijack', 'x'"),
        ("state, pin_hash", "'registrato', '\\x00'"),
        ("state, activation_code_hash", "'registrato', '\\x00'"),
        ("state, pin_possessed", "'registrato', true"),
        ("state, registered_at", "'registrato', '2001-01-01'"),
        ("state, registration_number", "'registrato', 42"),
    ] {
        denied(&c, &insert(columns, values)).await;
    }
    let n: i64 = db.owner().await.query_one("SELECT count(*) FROM registrations", &[]).await.unwrap().get(0);
    assert_eq!(n, 0);
    // Not even as `register` makes it: that is api.register's (V24).
    denied(&c, &insert("state, strong", "'registrato', false")).await;
}

#[tokio::test]
async fn operation_letters_are_written_by_the_desk_alone_with_absolute_paths() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let number = mario().register(&s).await;
    let b = book(&s, &db.desk(), number, OperationKind::Verification).await.unwrap();
    assert!(b.letters.iter().all(|p| p.is_absolute()));
    let owner = db.owner().await;
    let op: i64 = owner
        .query_one("SELECT id FROM operations WHERE registration_number = $1 AND status = 'A'", &[&number])
        .await
        .unwrap()
        .get(0);
    let recorded: i64 =
        owner.query_one("SELECT count(*) FROM operation_letters WHERE path LIKE '/%'", &[]).await.unwrap().get(0);
    assert!(recorded >= 2, "the booking's letters, by absolute path");
    let (clerk, help, cron, auditor) = (db.unique("clerk"), db.unique("help"), db.unique("cron"), db.unique("audit"));
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    db.add_operator(&help, &[Role::Helpdesk], &["TO"], &[]).await;
    db.add_operator(&cron, &[Role::Batch], &["TO"], &[]).await;
    db.add_operator(&auditor, &[Role::Auditor], &["TO"], &[]).await;
    let insert = |path: &str| {
        format!(
            "INSERT INTO operation_letters (operation_id, registration_number, path, secret)
             VALUES ({op}, {number}, '{path}', true)"
        )
    };
    // Recorded by api.record_prints only, in the registration's folder (api_desk.rs); no login
    // writes or removes a row itself.
    for login in [&clerk, &help, &cron, &auditor, &"portal".to_string()] {
        let c = raw(&db, login).await;
        denied(&c, &insert("/home/victim/thesis.pdf")).await;
        denied(&c, &insert("/srv/letters/1000001/x..y.pdf")).await;
        denied(&c, "DELETE FROM operation_letters").await;
    }
}

/// registration_transitions (sql/V5) is the graph of the domain's functions: what the desk
/// registers and books, what a pre-load and the postal run open, what a handover and a completion
/// change. A change to src/domain/transitions.rs or rules.rs fails here until the SQL follows.
#[tokio::test]
async fn the_database_applies_the_transitions_of_the_domain() {
    type Row = (String, Option<String>, Option<String>, Option<bool>, String, bool, String);
    let row = |event: &str, op: Option<OperationKind>, from: Option<(State, bool)>, to: (State, bool), role: &str| {
        (
            event.to_string(),
            op.map(|o| o.as_str().to_string()),
            from.map(|f| f.0.as_str().to_string()),
            from.map(|f| f.1),
            to.0.as_str().to_string(),
            to.1,
            role.to_string(),
        )
    };
    let mut expected: BTreeSet<Row> = BTreeSet::new();
    expected.insert(row("register", None, None, transitions::registered_at_desk(), "sportello_desk"));
    expected.insert(row("preload", None, None, transitions::preloaded(), "sportello_batch"));
    for state in State::ALL.iter().copied() {
        for strong in [false, true] {
            for op in bookable(state, strong) {
                expected.insert(row("book", Some(op), Some((state, strong)), (state, strong), "sportello_desk"));
                let after = transitions::after_handover(state);
                if op != OperationKind::Revocation && after != state {
                    expected.insert(row(
                        "handover",
                        Some(op),
                        Some((state, strong)),
                        (after, strong),
                        "sportello_desk",
                    ));
                }
            }
            if transitions::postal_letter(state, strong, None) == Some(PostalLetter::OpensActivation) {
                let op = Some(OperationKind::Activation);
                expected.insert(row("postal", op, Some((state, strong)), (state, strong), "sportello_batch"));
            }
            for op in OperationKind::ALL.iter().copied() {
                if let Some(c) = transitions::after_completion(op, strong)
                    && (c.state, c.strong) != (state, strong)
                {
                    let to = (c.state, c.strong);
                    expected.insert(row("completion", Some(op), Some((state, strong)), to, "sportello_portal"));
                }
            }
        }
    }
    let db = TestDb::new().await;
    assert_eq!(db_rows(&db).await, expected);

    // The personal data the desk's api functions write are exactly the fields of the record.
    let written: BTreeSet<String> = db
        .owner()
        .await
        .query("SELECT col FROM sportello_personal_fields()", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let fields: BTreeSet<String> = FIELDS.iter().map(|f| f.column.to_string()).collect();
    assert_eq!(written, fields);
}

async fn db_rows(
    db: &TestDb,
) -> BTreeSet<(String, Option<String>, Option<String>, Option<bool>, String, bool, String)> {
    db.owner()
        .await
        .query(
            "SELECT event, operation, from_state, from_strong, to_state, to_strong, role FROM registration_transitions",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6)))
        .collect()
}
