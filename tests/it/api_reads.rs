//! The reads as the database's API serves them (sql/V25), attacked as the attacker
//! works: a psql-like session as each login, calling the functions with arguments of its own.
//! Only a desk shows and searches; each showing and each search writes exactly one audit row,
//! written by the database; no read hands a hash back; a forged call is refused or capped.

use sportello::audit::{fiscal_code_target, search_term};
use sportello::desk::search::{self, Query};
use sportello::domain::{Role, Sex};
use sportello::store::registrations::Key;
use tokio_postgres::error::SqlState;

use crate::fixtures::Citizen;
use crate::harness::{TestDb, denied, raw};

fn mario() -> Citizen {
    Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M)
}

/// The audit rows, oldest first: (login, action, target, details, count, outcome).
type AuditRow = (Option<String>, String, Option<String>, serde_json::Value, Option<i64>, String);

async fn audit_rows(db: &TestDb) -> Vec<AuditRow> {
    db.owner()
        .await
        .query("SELECT login, action, target, details, result_count, outcome FROM audit_log ORDER BY seq", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
        .collect()
}

/// The rows written since `before` rows.
async fn new_rows(db: &TestDb, before: usize) -> Vec<AuditRow> {
    audit_rows(db).await.split_off(before)
}

const SHOW: &str = "SELECT * FROM api.show($1, $2, $3)";
const SEARCH: &str = "SELECT * FROM api.search(NULL, NULL, NULL, $1, $2, NULL, NULL, NULL, NULL, NULL, NULL,
                                               NULL, NULL, NULL, $3, 0, NULL, $4, NULL, NULL)";

#[tokio::test]
async fn a_desk_show_writes_exactly_one_view_row_naming_the_citizen() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let number = mario().register(&admin).await;
    let clerk = db.unique("clerk");
    let s = db.operator_with(&clerk, &[Role::Desk], &["TO"], &[]).await;
    let named = fiscal_code_target(&db.key(), &mario().cf);

    // Through the library, by number: the citizen is named although the number says nothing.
    let before = audit_rows(&db).await.len();
    let detail = search::show(&s, &Key::Number(number)).await.unwrap();
    assert_eq!(detail.registration.fiscal_code.as_str(), mario().cf);
    let rows = new_rows(&db, before).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let (login, action, target, details, count, outcome) = &rows[0];
    assert_eq!((login.as_deref(), action.as_str(), outcome.as_str()), (Some(clerk.as_str()), "view", "ok"));
    assert_eq!(target.as_deref(), Some(named.as_str()));
    assert_eq!(details["registration_number"], number);
    assert_eq!(*count, Some(1));

    // As psql would: one row per call, the name the log already knows winning over a forged one.
    let c = raw(&db, &clerk).await;
    let forged = format!("cf:{}", "0".repeat(32));
    let before = audit_rows(&db).await.len();
    let got = c.query(SHOW, &[&None::<String>, &Some(number), &Some(forged)]).await.unwrap();
    assert_eq!(got.len(), 1);
    let rows = new_rows(&db, before).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].2.as_deref(), Some(named.as_str()), "the stored name, not the caller's");
    // Once named, the desk is not given the fiscal code by number any more.
    let fc: Option<String> = c.query_one("SELECT api.unnamed_fiscal_code($1)", &[&number]).await.unwrap().get(0);
    assert_eq!(fc, None);

    // No column of what a show returns is a hash.
    for column in got[0].columns() {
        assert!(!column.name().contains("hash") && !column.name().contains("secret"), "{}", column.name());
    }
}

#[tokio::test]
async fn a_registration_not_found_is_recorded_too() {
    let db = TestDb::new().await;
    let clerk = db.unique("clerk");
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    let c = raw(&db, &clerk).await;
    let before = audit_rows(&db).await.len();
    let got = c.query(SHOW, &[&None::<String>, &Some(999_999_i64), &None::<String>]).await.unwrap();
    assert!(got.is_empty());
    let rows = new_rows(&db, before).await;
    assert_eq!(rows.len(), 1, "probing leaves a trace: {rows:?}");
    assert_eq!((rows[0].1.as_str(), rows[0].5.as_str()), ("view", "not-found"));
    assert_eq!(rows[0].3["registration_number"], 999_999);
}

#[tokio::test]
async fn a_desk_search_writes_exactly_one_row_with_terms_not_names() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    mario().register(&admin).await;
    let clerk = db.unique("clerk");
    let s = db.operator_with(&clerk, &[Role::Desk], &["TO"], &[]).await;
    let before = audit_rows(&db).await.len();
    let page =
        search::page(&s, Query { last_name: Some("rossi".into()), limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!((page.rows.len(), page.total, page.total_exact), (1, 1, true));
    let rows = new_rows(&db, before).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let (login, action, target, details, count, _) = &rows[0];
    assert_eq!((login.as_deref(), action.as_str(), target), (Some(clerk.as_str()), "search", &None));
    assert_eq!(*count, Some(1));
    assert_eq!(details["filters"]["last_name"], search_term(Some(&db.key()), "rossi"));
    assert_eq!(details["filters"]["limit"], 10);
    let text = details.to_string().to_uppercase();
    assert!(!text.contains("ROSSI"), "no name in clear: {text}");
}

#[tokio::test]
async fn no_role_but_the_desk_shows_or_searches_and_nothing_is_written() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let number = mario().register(&admin).await;
    let term = search_term(Some(&db.key()), "ROSSI");
    let mut logins = vec!["portal".to_string()];
    for (name, role) in
        [("help", Role::Helpdesk), ("audit", Role::Auditor), ("cron", Role::Batch), ("boss", Role::Admin)]
    {
        let login = db.unique(name);
        db.add_operator(&login, &[role], &["TO"], &[]).await;
        logins.push(login);
    }
    let before = audit_rows(&db).await.len();
    for login in &logins {
        let c = raw(&db, login).await;
        let e = c.query(SHOW, &[&None::<String>, &Some(number), &None::<String>]).await.unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{login}: {e:?}");
        let e = c.query(SEARCH, &[&Some("ROSSI"), &Some("ROSSJ"), &50_i64, &Some(term.as_str())]).await.unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{login}: {e:?}");
        denied(&c, "SELECT api.unnamed_fiscal_code(1)").await;
    }
    assert_eq!(new_rows(&db, before).await, vec![], "nothing written");
}

#[tokio::test]
async fn a_disabled_desk_reads_nothing() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let number = mario().register(&admin).await;
    let clerk = db.unique("clerk");
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    let c = raw(&db, &clerk).await;
    db.owner().await.execute("UPDATE operators SET disabled_at = now() WHERE id = $1", &[&clerk]).await.unwrap();
    let e = c.query(SHOW, &[&None::<String>, &Some(number), &None::<String>]).await.unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{e:?}");
    denied(&c, &format!("SELECT * FROM api.registration(NULL, {number})")).await;
}

#[tokio::test]
async fn a_forged_search_is_capped_or_refused_with_nothing_written() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    mario().register(&admin).await;
    let clerk = db.unique("clerk");
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    let c = raw(&db, &clerk).await;
    let term = search_term(Some(&db.key()), "ROSSI");

    // The largest page there is, recorded as asked; the last row carries the total.
    let before = audit_rows(&db).await.len();
    let got = c.query(SEARCH, &[&Some("ROSSI"), &Some("ROSSJ"), &10_000_i64, &Some(term.as_str())]).await.unwrap();
    assert_eq!(got.len(), 2, "one match and the total");
    let total: Option<i64> = got[1].get("total");
    assert_eq!((got[0].get::<_, Option<i64>>("total"), total), (None, Some(1)));
    let rows = new_rows(&db, before).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].3["filters"]["limit"], 10_000);

    // A name without its term, or in clear where the term goes, no page at all or a page of a
    // billion rows: refused.
    let before = audit_rows(&db).await.len();
    let forged = [
        (None, 50_i64),
        (Some("ROSSI"), 50),
        (Some("term:xyz"), 50),
        (Some(term.as_str()), 0),
        (Some(term.as_str()), 10_001),
        (Some(term.as_str()), 1_000_000_000),
    ];
    for (term, limit) in forged {
        let e = c.query(SEARCH, &[&Some("ROSSI"), &Some("ROSSJ"), &limit, &term]).await.unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::INVALID_PARAMETER_VALUE), "{term:?} {limit}: {e:?}");
    }
    assert_eq!(new_rows(&db, before).await, vec![], "nothing written");
}

#[tokio::test]
async fn the_write_paths_reads_serve_their_roles_only_and_never_a_hash() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let number = mario().register(&admin).await;
    let (clerk, audit, cron, help) = (db.unique("clerk"), db.unique("audit"), db.unique("cron"), db.unique("help"));
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    db.add_operator(&audit, &[Role::Auditor], &["TO"], &[]).await;
    db.add_operator(&cron, &[Role::Batch], &["TO"], &[]).await;
    db.add_operator(&help, &[Role::Helpdesk], &["TO"], &[]).await;
    let read = format!("SELECT * FROM api.registration(NULL, {number}, true)");
    let lock = format!("SELECT api.lock_registration({number})");

    let c = raw(&db, &clerk).await;
    let rows = c.query(&format!("SELECT * FROM api.registration(NULL, {number})"), &[]).await.unwrap();
    assert_eq!(rows.len(), 1);
    for column in rows[0].columns() {
        assert!(!column.name().contains("hash") && !column.name().contains("secret"), "{}", column.name());
    }
    // Locking is for a transaction's write, by the roles whose commands write.
    denied(&c, &lock).await;
    let a = raw(&db, &audit).await;
    for sql in [&read, &lock] {
        denied(&a, sql).await;
    }
    let b = raw(&db, &cron).await;
    denied(&b, &read).await;
    // Records by number, whole, for the batch: gone (sql/V40), the postal run reads its own.
    let e = b.query("SELECT * FROM api.registrations(ARRAY[1]::bigint[])", &[]).await.unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::UNDEFINED_FUNCTION), "{e:?}");
    let h = raw(&db, &help).await;
    assert!(h.query_one(&lock, &[]).await.unwrap().get::<_, bool>(0));
}

#[tokio::test]
async fn the_registry_is_consulted_by_a_desk_for_new_citizens_only() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    mario().register(&admin).await;
    let (clerk, help) = (db.unique("clerk"), db.unique("help"));
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    db.add_operator(&help, &[Role::Helpdesk], &["TO"], &[]).await;
    let c = raw(&db, &clerk).await;
    let other = Citizen::new("VRDLGU", "Luigi", "Verdi", "1970-01-01", Sex::M).cf;
    let named = fiscal_code_target(&db.key(), &other);
    // A fiscal code not registered: consulted (the mirrors are empty here), and recorded.
    let before = audit_rows(&db).await.len();
    let found = c.query("SELECT * FROM api.registry_lookup($1, $2)", &[&other, &named]).await.unwrap();
    assert!(found.is_empty());
    let rows = new_rows(&db, before).await;
    let got: Vec<(&str, &str, Option<&str>)> =
        rows.iter().map(|r| (r.1.as_str(), r.5.as_str(), r.2.as_deref())).collect();
    assert_eq!(got, [("registry-read", "not-found", Some(named.as_str()))], "{rows:?}");
    // Never unnamed.
    let e = c.query("SELECT * FROM api.registry_lookup($1, NULL)", &[&other]).await.unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::INVALID_PARAMETER_VALUE), "{e:?}");
    assert!(c.query("SELECT * FROM api.legacy_account($1)", &[&other]).await.unwrap().is_empty());
    // A registered citizen's registry data is not a way around show.
    // ...nothing, recorded as refused (an exception would take its row back).
    let before = audit_rows(&db).await.len();
    let mario_named = fiscal_code_target(&db.key(), &mario().cf);
    let got = c.query("SELECT * FROM api.registry_lookup($1, $2)", &[&mario().cf, &mario_named]).await.unwrap();
    assert!(got.is_empty());
    let rows = new_rows(&db, before).await;
    let got: Vec<(&str, &str)> = rows.iter().map(|r| (r.1.as_str(), r.5.as_str())).collect();
    assert_eq!(got, [("registry-read", "refused")], "{rows:?}");
    let h = raw(&db, &help).await;
    denied(&h, &format!("SELECT * FROM api.registry_lookup('{other}', '{named}')")).await;
    denied(&h, &format!("SELECT * FROM api.legacy_account('{other}')")).await;
}

#[tokio::test]
async fn reference_data_is_public_to_every_login() {
    let db = TestDb::new().await;
    let audit = db.unique("audit");
    db.add_operator(&audit, &[Role::Auditor], &["TO"], &[]).await;
    for login in [audit.as_str(), "portal"] {
        let c = raw(&db, login).await;
        let to: String = c.query_one("SELECT name FROM api.provinces() WHERE code = 'TO'", &[]).await.unwrap().get(0);
        assert_eq!(to, "Torino");
        let n: i64 = c.query_one("SELECT count(*) FROM api.municipality_lookup('Torino')", &[]).await.unwrap().get(0);
        assert_eq!(n, 1);
        let n: i64 = c.query_one("SELECT count(*) FROM api.birthplaces('L219')", &[]).await.unwrap().get(0);
        assert!(n >= 1);
    }
}

#[tokio::test]
async fn a_page_too_large_is_said_clearly_before_the_database_refuses_it() {
    let db = TestDb::new().await;
    let out = db.cli(Some("admin"), &["search", "--limit", "10001"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("--limit must be at most 10000, got 10001"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test]
async fn every_read_function_is_a_pinned_definer_owned_by_the_api_role_and_not_public() {
    let db = TestDb::new().await;
    let names = [
        "show",
        "unnamed_fiscal_code",
        "search",
        "registration",
        "lock_registration",
        "provinces",
        "municipalities",
        "municipality_lookup",
        "countries",
        "birthplaces",
        "registry_lookup",
        "legacy_account",
    ];
    let rows = db
        .owner()
        .await
        .query(
            "SELECT p.proname::text, p.prosecdef, pg_get_userbyid(p.proowner)::text,
                    coalesce(array_to_string(p.proconfig, ','), ''),
                    has_function_privilege('public', p.oid, 'EXECUTE')
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'api' AND p.proname = ANY($1)",
            &[&&names[..]],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), names.len(), "one function each");
    for r in rows {
        let (name, definer, owner, config, public): (String, bool, String, String, bool) =
            (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4));
        assert!(definer, "{name}");
        assert_eq!(owner, "sportello_api", "{name}");
        assert_eq!(config, "search_path=pg_catalog, public, pg_temp", "{name}");
        assert!(!public, "{name} is executable by anyone");
    }
}

#[tokio::test]
async fn the_reads_work_with_no_table_in_reach() {
    // As after the last migration of issue 16: no login may even name an object of `public`.
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let number = mario().register(&admin).await;
    let clerk = db.unique("clerk");
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    db.owner().await.batch_execute("REVOKE USAGE ON SCHEMA public FROM PUBLIC, sportello_app").await.unwrap();
    let c = raw(&db, &clerk).await;
    denied(&c, "SELECT count(*) FROM public.registrations").await;
    let named = fiscal_code_target(&db.key(), &mario().cf);
    let shown = c.query(SHOW, &[&Some(mario().cf), &None::<i64>, &Some(named)]).await.unwrap();
    assert_eq!(shown[0].get::<_, i64>("registration_number"), number);
    let term = search_term(Some(&db.key()), "ROSSI");
    let found = c.query(SEARCH, &[&Some("ROSSI"), &Some("ROSSJ"), &50_i64, &Some(term.as_str())]).await.unwrap();
    assert_eq!(found.len(), 2);
    let read = c.query("SELECT * FROM api.registration(NULL, $1)", &[&number]).await.unwrap();
    assert_eq!(read.len(), 1);
    for sql in [
        "SELECT * FROM api.provinces()",
        "SELECT * FROM api.municipalities('TO')",
        "SELECT * FROM api.municipality_lookup('Torino')",
        "SELECT * FROM api.countries()",
        "SELECT * FROM api.birthplaces('L219')",
    ] {
        assert!(!c.query(sql, &[]).await.unwrap().is_empty(), "{sql}");
    }
}

#[tokio::test]
async fn a_lock_and_read_holds_the_registration_until_the_transaction_ends() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let number = mario().register(&admin).await;
    let (clerk, other) = (db.unique("clerk"), db.unique("other"));
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    db.add_operator(&other, &[Role::Desk], &["TO"], &[]).await;
    let a = raw(&db, &clerk).await;
    let b = raw(&db, &other).await;
    let lock = format!("SELECT * FROM api.registration(NULL, {number}, true)");
    a.batch_execute(&format!("BEGIN; {lock}")).await.unwrap();
    b.batch_execute("SET lock_timeout = '200ms'").await.unwrap();
    let e = b.batch_execute(&lock).await.unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::LOCK_NOT_AVAILABLE), "{e:?}");
    a.batch_execute("COMMIT").await.unwrap();
    b.batch_execute(&lock).await.unwrap();
    // Each read left its row (sql/V39), the lock said, the citizen named as every row names them.
    let rows = db
        .owner()
        .await
        .query(
            "SELECT login, details->>'lock', target FROM audit_log
              WHERE action = 'registration-read' AND login = ANY($1) ORDER BY seq",
            &[&vec![clerk.clone(), other.clone()]],
        )
        .await
        .unwrap();
    let read: Vec<(String, Option<String>)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(read, [(clerk.clone(), Some("true".into())), (other.clone(), Some("true".into()))]);
    let named = fiscal_code_target(&db.key(), &mario().cf);
    assert!(rows.iter().all(|r| r.get::<_, Option<String>>(2).as_deref() == Some(named.as_str())));
}

#[tokio::test]
async fn a_read_alone_is_recorded_found_or_not_and_the_portal_may_not_make_it() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let number = mario().register(&admin).await;
    let clerk = db.unique("clerk");
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    let c = raw(&db, &clerk).await;
    let before = audit_rows(&db).await.len();
    // What a modified client reads without writing anything after it.
    let read = c.query("SELECT * FROM api.registration(NULL, $1)", &[&number]).await.unwrap();
    assert_eq!(read.len(), 1);
    let absent = Citizen::new("VRDLGU", "Luigi", "Verdi", "1970-01-01", Sex::M).cf;
    let name = fiscal_code_target(&db.key(), &absent);
    let none = c.query("SELECT * FROM api.registration($1, NULL, false, $2)", &[&absent, &name]).await.unwrap();
    assert!(none.is_empty());
    let rows = new_rows(&db, before).await;
    let got: Vec<(&str, &str, Option<&str>)> =
        rows.iter().map(|r| (r.1.as_str(), r.5.as_str(), r.2.as_deref())).collect();
    let mario_named = fiscal_code_target(&db.key(), &mario().cf);
    assert_eq!(
        got,
        [
            ("registration-read", "ok", Some(mario_named.as_str())),
            ("registration-read", "not-found", Some(name.as_str()))
        ],
        "{rows:?}"
    );
    // A forged name is refused, with nothing written.
    let before = audit_rows(&db).await.len();
    let e = c.query("SELECT * FROM api.registration($1, NULL, false, 'Mario Rossi')", &[&absent]).await.unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::INVALID_PARAMETER_VALUE), "{e:?}");
    assert_eq!(new_rows(&db, before).await, vec![], "nothing written");
    // The portal reads through its own use cases only.
    denied(&raw(&db, "portal").await, &format!("SELECT * FROM api.registration(NULL, {number})")).await;
}

#[tokio::test]
async fn a_desk_shows_a_citizen_outside_its_competence_and_names_them_for_the_log() {
    // Showing is not bounded by competence (a citizen may go to any desk); naming the citizen
    // for the audit log the first time is a write the guards must let through.
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let number = mario().register(&admin).await;
    let clerk = db.unique("asti");
    let s = db.operator_with(&clerk, &[Role::Desk], &["AT"], &[]).await;
    let detail = search::show(&s, &Key::FiscalCode(sportello::domain::FiscalCode::parse_input(&mario().cf).unwrap()))
        .await
        .unwrap();
    assert_eq!(detail.registration.registration_number, number);
    let named: Option<String> = db
        .owner()
        .await
        .query_one("SELECT audit_name FROM registrations WHERE registration_number = $1", &[&number])
        .await
        .unwrap()
        .get(0);
    assert_eq!(named, Some(fiscal_code_target(&db.key(), &mario().cf)));
}
