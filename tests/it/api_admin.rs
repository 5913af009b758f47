//! The database's API for administrators, auditors and statistics (issue 16, sql/V28), attacked
//! as its attackers would: each login in a psql-like session of its own, with its own
//! credentials, calling the functions with arguments of its choosing.

use std::collections::HashMap;

use sportello::domain::Role;
use sportello::operators::{self, Change};
use sportello::stats::{self, Cell, Dimension, Options, Period};

use crate::fixtures::{cf, date};
use crate::harness::{RoleLock, TestDb, create_login, denied, new_operator, raw, text};

async fn count(db: &TestDb, sql: &str) -> i64 {
    db.owner().await.query_one(sql, &[]).await.unwrap().get(0)
}

/// Audit rows written by `login` with `action`.
async fn rows_of(db: &TestDb, login: &str, action: &str) -> i64 {
    db.owner()
        .await
        .query_one("SELECT count(*) FROM audit_log WHERE login = $1 AND action = $2", &[&login, &action])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn an_administrator_cannot_go_beyond_their_competence_fse_or_roles() {
    let db = TestDb::new().await;
    let boss = db.unique("bossat");
    db.add_operator(&boss, &[Role::Admin, Role::Desk], &["AT"], &[]).await;
    let clerk = db.unique("clerkto");
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    let operators = count(&db, "SELECT count(*) FROM operators").await;
    let own = raw(&db, &boss).await;
    let newcomer = db.unique("newat");
    let _lock = RoleLock::take().await;
    for sql in [
        // Beyond the competence, the FSE authorisation, the roles of the administrator.
        format!("SELECT * FROM api.operator_add('{newcomer}', 'N', 'E', false, ARRAY['TO'], '{{}}', ARRAY['desk'])"),
        format!(
            "SELECT * FROM api.operator_add('{newcomer}', 'N', 'E', false, '{{}}', ARRAY['001272'], ARRAY['desk'])"
        ),
        format!("SELECT * FROM api.operator_add('{newcomer}', 'N', 'E', true, ARRAY['AT'], '{{}}', ARRAY['desk'])"),
        format!("SELECT * FROM api.operator_add('{newcomer}', 'N', 'E', false, ARRAY['AT'], '{{}}', ARRAY['auditor'])"),
        // An operator whose competence is not within the administrator's.
        format!("SELECT * FROM api.operator_change('{clerk}', 'disable', NULL, NULL, NULL)"),
        format!("SELECT * FROM api.operator_change('{clerk}', 'competence', NULL, ARRAY['AT'], '{{}}')"),
        format!("SELECT * FROM api.operator_change('{clerk}', 'revoke-role', ARRAY['desk'], NULL, NULL)"),
        // Extending their own competence, or the old entrances the API replaced.
        format!("SELECT * FROM api.operator_change('{boss}', 'competence', NULL, ARRAY['AT', 'TO'], '{{}}')"),
        format!("SELECT sportello_operator_add('{newcomer}', 'N', 'E', false, ARRAY['AT'], '{{}}', ARRAY['desk'])"),
        format!("SELECT sportello_operator_disable('{clerk}')"),
        format!("SELECT sportello_operator_repair('{boss}', 'N', 'E', true, ARRAY['TO'], '{{}}', ARRAY['desk'])"),
    ] {
        denied(&own, &sql).await;
    }
    // A desk login may not manage operators at all.
    let desk = raw(&db, &clerk).await;
    denied(&desk, &format!("SELECT * FROM api.operator_add('{newcomer}', 'N', 'E', false, ARRAY['TO'], '{{}}', NULL)"))
        .await;
    denied(&desk, "SELECT * FROM api.operators(NULL)").await;
    // Nothing was written: no operator, no login, no record of a change.
    assert_eq!(count(&db, "SELECT count(*) FROM operators").await, operators);
    let login: i64 = db
        .owner()
        .await
        .query_one("SELECT count(*) FROM pg_roles WHERE rolname = $1", &[&newcomer])
        .await
        .unwrap()
        .get(0);
    assert_eq!(login, 0);
    let changes: i64 = db
        .owner()
        .await
        .query_one("SELECT count(*) FROM audit_log WHERE login = $1 AND action LIKE 'operator-%'", &[&boss])
        .await
        .unwrap()
        .get(0);
    assert_eq!(changes, 0);
    assert_eq!(count(&db, &format!("SELECT count(*) FROM operator_competence WHERE operator_id = '{clerk}'")).await, 1);

    // Within all three: done, and recorded once, by the database, naming the new operator.
    let added = own
        .query(
            "SELECT id, roles, competence::text FROM api.operator_add($1, 'N', 'E', false, ARRAY['AT'], '{}', ARRAY['desk'])",
            &[&newcomer],
        )
        .await
        .unwrap();
    assert_eq!(added.len(), 1);
    assert_eq!(added[0].get::<_, Vec<String>>(1), ["sportello_desk"]);
    let recorded = db
        .owner()
        .await
        .query(
            "SELECT target, details->'provinces' FROM audit_log WHERE login = $1 AND action = 'operator-add'",
            &[&boss],
        )
        .await
        .unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].get::<_, String>(0), newcomer);
    assert_eq!(recorded[0].get::<_, serde_json::Value>(1), serde_json::json!(["AT"]));
    // Reading the directory is recorded too, by the database.
    own.query("SELECT * FROM api.operators(NULL)", &[]).await.unwrap();
    assert_eq!(rows_of(&db, &boss, "operator-list").await, 1);
}

#[tokio::test]
async fn disabling_an_operator_ends_their_open_sessions_at_once() {
    let db = TestDb::new().await;
    let victim = db.unique("leaver");
    db.add_operator(&victim, &[Role::Desk], &["TO"], &[]).await;
    let session = raw(&db, &victim).await;
    // A session that took the group role for itself before the disable.
    session.batch_execute("SET ROLE sportello_desk").await.unwrap();
    let admin = db.admin().await;
    {
        let _lock = RoleLock::take().await;
        operators::change(&admin, &victim, Change::Disable).await.unwrap();
    }
    let e = session.simple_query("SELECT * FROM api.operators(NULL)").await.unwrap_err();
    assert!(e.is_closed() || e.code().is_some_and(|c| c.code().starts_with("57P")), "{e:?}");
    // And it cannot come back.
    let again = sportello::store::connect(&db.login_config(&victim)).await;
    assert!(again.is_err());
    assert_eq!(rows_of(&db, "admin", "operator-disable").await, 1);
}

#[tokio::test]
async fn no_login_reads_the_raw_counters_nor_goes_below_the_floor() {
    let db = TestDb::new().await;
    let auditor = db.unique("aud");
    db.add_operator(&auditor, &[Role::Auditor], &["TO"], &[]).await;
    let owner = db.owner().await;
    // One lonely registration in Moncalieri.
    owner
        .execute(
            "INSERT INTO registrations (fiscal_code, community, state, first_name, last_name, birth_date, sex,
                 res_province, res_municipality, created_by, doc_number, doc_issued)
             VALUES ($1, 'sistemapiemonte', 'registrato', 'Sola', 'Unica', '1950-03-03', 'F', 'TO', '001156', 'admin',
                     'CA44444DD', '2020-04-04')",
            &[&cf("SLNCAA", date("1950-03-03"), 'F', "L219")],
        )
        .await
        .unwrap();
    for login in [auditor.as_str(), "admin"] {
        let c = raw(&db, login).await;
        for sql in [
            "SELECT count(*) FROM stats_counts",
            "SELECT count(*) FROM stats_rollup",
            "SELECT count(*) FROM stats_rollup_pending",
            "SELECT * FROM stats_policy",
            "UPDATE stats_policy SET min_cell_floor = 1",
            "SELECT stats_compact()",
            "SELECT stats_records_count(NULL, NULL)",
        ] {
            denied(&c, sql).await;
        }
        // Asking for a threshold of 1 does not go below the database's floor.
        let rows = c
            .query("SELECT n, hidden, min_cell FROM api.stats_report('month', ARRAY['municipality'], NULL, NULL, 1, 'fine')", &[])
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].get::<_, Option<i64>>(0), None);
        assert_eq!(rows[0].get::<_, Option<String>>(1).as_deref(), Some("small"));
        assert_eq!(rows[0].get::<_, i32>(2), 3);
    }
    // Nor through the library or the command line.
    let s = db.admin().await;
    let r = stats::report(&s, Options { group: vec![Dimension::Municipality], min_cell: 1, ..Default::default() })
        .await
        .unwrap();
    assert!(r.rows.iter().all(|row| row.count == Cell::Below(3)), "{:?}", r.rows);
    let out = db.cli(Some(&auditor), &["stats", "--group", "municipality", "--min-cell", "1", "--format", "csv"]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Moncalieri,registered,,<3"), "{stdout}");
    // A desk login gets no report at all; each report ran is recorded once.
    let clerk = db.unique("clerk");
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    denied(&raw(&db, &clerk).await, "SELECT * FROM api.stats_report('month', '{}', NULL, NULL, 3, 'fine')").await;
    denied(&raw(&db, &clerk).await, "SELECT api.stats_records_request(NULL, NULL)").await;
    assert_eq!(rows_of(&db, &auditor, "stats").await, 2);
}

/// Registrations inserted as the owner, `n` per municipality (ISTAT code, province).
async fn population(db: &TestDb, places: &[(&str, &str, usize)]) {
    let owner = db.owner().await;
    let mut i = 0;
    for (municipality, province, n) in places {
        for _ in 0..*n {
            let letters = format!("PP{}{}A", (b'A' + (i / 26) as u8) as char, (b'A' + (i % 26) as u8) as char);
            let letters = format!("{letters:X<6}");
            owner
                .execute(
                    "INSERT INTO registrations (fiscal_code, community, state, first_name, last_name, birth_date, sex,
                         res_province, res_municipality, created_by, doc_number, doc_issued)
                     VALUES ($1, 'sistemapiemonte', 'registrato', 'Popola', $2, '1960-01-01', 'F', $3, $4, 'admin',
                             'CA44444DD', '2020-04-04')",
                    &[&cf(&letters, date("1960-01-01"), 'F', "L219"), &format!("Zione{i}"), province, municipality],
                )
                .await
                .unwrap();
            i += 1;
        }
    }
}

/// What an attacker knows of each hidden cell of a line whose total is published elsewhere:
/// `<k` is 1..k-1, `x` at least k; the hidden cells add up to `total` minus the cells shown. A
/// small cell is recovered when at most one value fits.
fn recovered(total: i64, cells: &[Cell], k: i64) -> bool {
    let shown: i64 = cells.iter().filter_map(|c| if let Cell::Count(n) = c { Some(*n) } else { None }).sum();
    let hidden_total = total - shown;
    let hidden: Vec<&Cell> = cells.iter().filter(|c| !matches!(c, Cell::Count(_))).collect();
    (0..hidden.len()).filter(|&i| matches!(hidden[i], Cell::Below(_))).any(|i| {
        let others = || hidden.iter().enumerate().filter(move |(j, _)| *j != i).map(|(_, c)| *c);
        let others_min: i64 = others().map(|c| if matches!(c, Cell::Below(_)) { 1 } else { k }).sum();
        let others_max: Option<i64> =
            others().map(|c| if matches!(c, Cell::Below(_)) { Some(k - 1) } else { None }).sum();
        let lo = others_max.map_or(1, |m| 1.max(hidden_total - m));
        let hi = (k - 1).min(hidden_total - others_min);
        hi <= lo
    })
}

#[tokio::test]
async fn the_province_report_minus_the_municipality_report_recovers_no_hidden_cell() {
    let db = TestDb::new().await;
    // Turin 4 and Moncalieri 1 (TO), Cuneo 5 and Acceglio 1 (CN), Asti 3 (AT).
    population(
        &db,
        &[("001272", "TO", 4), ("001156", "TO", 1), ("004078", "CN", 5), ("004001", "CN", 1), ("005005", "AT", 3)],
    )
    .await;
    let s = db.admin().await;
    let report = async |group: Vec<Dimension>| {
        let r = stats::report(&s, Options { group, ..Default::default() }).await.unwrap();
        r.rows
            .iter()
            .filter(|row| row.event == "registered")
            .map(|row| (row.values.iter().map(|v| v.clone().unwrap_or_default()).collect::<Vec<_>>(), row.count))
            .collect::<HashMap<_, _>>()
    };
    let provinces = report(vec![Dimension::Province]).await;
    let municipalities = report(vec![Dimension::Municipality]).await;
    let total = report(vec![]).await;
    assert_eq!(provinces[&vec!["TO".to_string()]], Cell::Count(5));
    assert_eq!(provinces[&vec!["CN".to_string()]], Cell::Count(6));
    assert_eq!(total[&Vec::<String>::new()], Cell::Count(14));
    let cell = |code: &str, name: &str| municipalities[&vec![code.to_string(), name.to_string()]];
    assert_eq!(cell("001156", "Moncalieri"), Cell::Below(3));
    assert_eq!(cell("004001", "Acceglio"), Cell::Below(3));
    // The small cells' neighbours are withheld with them; Asti, alone and not small, is shown.
    assert_eq!(cell("001272", "Torino"), Cell::Withheld);
    assert_eq!(cell("004078", "Cuneo"), Cell::Withheld);
    assert_eq!(cell("005005", "Asti"), Cell::Count(3));
    // The attack: each province's total minus its municipalities shown; the grand total minus
    // every municipality shown.
    for (province, codes) in [("TO", &["001272", "001156"][..]), ("CN", &["004078", "004001"][..])] {
        let Cell::Count(t) = provinces[&vec![province.to_string()]] else { panic!("{province} is shown") };
        let cells: Vec<Cell> =
            municipalities.iter().filter(|(k, _)| codes.contains(&k[0].as_str())).map(|(_, c)| *c).collect();
        assert!(!recovered(t, &cells, 3), "{province}: {cells:?} of {t}");
    }
    let cells: Vec<Cell> = municipalities.values().copied().collect();
    assert!(!recovered(14, &cells, 3), "{cells:?} of 14");
    // The check itself catches the attack it is about: one small cell beside shown ones.
    assert!(recovered(5, &[Cell::Count(4), Cell::Below(3)], 3));
    assert!(recovered(4, &[Cell::Withheld, Cell::Below(3)], 3));
}

#[tokio::test]
async fn the_owner_repairs_a_wrong_first_administrator_without_dropping_the_database() {
    let db = TestDb::without_operators().await;
    let first = db.unique("first");
    let second = db.unique("second");
    let clerk = db.unique("clerkcn");
    let _lock = RoleLock::take().await;
    create_login(&first).await;
    create_login(&clerk).await;
    // The mistake: the first administrator made for Asti only, without the FSE.
    operators::bootstrap(&db.config, new_operator(&first, &["AT"], &[])).await.unwrap();
    let admin = sportello::session::Session::open(db.login(&first).await, None, "test").await.unwrap();
    let mut wanted = new_operator(&clerk, &["CN"], &[]);
    wanted.roles = vec![Role::Desk];
    let e = operators::add(&admin, wanted.clone()).await.unwrap_err();
    assert_eq!(e.exit_code(), sportello::error::exit::REFUSED, "{e}");
    // A second bootstrap stays refused, and the administrator cannot repair themselves.
    let again = operators::bootstrap(&db.config, new_operator(&second, &["TO"], &[])).await.unwrap_err();
    assert!(again.to_string().contains("has operators already"), "{again}");
    denied(
        &raw(&db, &first).await,
        &format!("SELECT sportello_operator_repair('{first}', 'N', 'E', true, ARRAY['CN'], '{{}}', ARRAY['desk'])"),
    )
    .await;
    assert!(operators::repair(&db.login_config(&first), new_operator(&first, &["CN"], &[])).await.is_err());

    // The owner repairs it, from the command line: competence, FSE, a role more.
    let out = db.cli(
        None,
        &[
            "operator",
            "bootstrap",
            &first,
            "--repair",
            "--name",
            "Prima Amministratrice",
            "--ente",
            "Regione Piemonte",
            "--province",
            "AT",
            "--province",
            "CN",
            "--fse",
            "--role",
            "desk",
        ],
    );
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let admin = sportello::session::Session::open(db.login(&first).await, None, "test").await.unwrap();
    assert!(admin.operator.fse);
    assert!(admin.roles.contains(&Role::Admin) && admin.roles.contains(&Role::Desk), "{:?}", admin.roles);
    let added = operators::add(&admin, wanted).await.unwrap();
    assert_eq!(added.id, clerk);
    // And adds a second administrator beside the first.
    let repaired = operators::repair(&db.config, new_operator(&second, &["TO"], &[])).await.unwrap();
    assert!(repaired.roles.contains(&Role::Admin));
    assert!(repaired.created_by.is_some());
    let rows = db
        .owner()
        .await
        .query("SELECT target, details->>'added' FROM audit_log WHERE action = 'operator-repair' ORDER BY id", &[])
        .await
        .unwrap();
    let got: Vec<(String, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(got, [(first.clone(), "false".to_string()), (second.clone(), "true".to_string())]);
    assert_eq!(count(&db, "SELECT count(*) FROM operators").await, 3);
}

#[tokio::test]
async fn the_audit_log_is_read_by_auditors_only_and_each_read_is_recorded() {
    let db = TestDb::new().await;
    let auditor = db.unique("aud");
    db.add_operator(&auditor, &[Role::Auditor], &["TO"], &[]).await;
    let clerk = db.unique("clerk");
    db.add_operator(&clerk, &[Role::Desk, Role::Admin], &["TO"], &[]).await;
    let desk = raw(&db, &clerk).await;
    for sql in [
        "SELECT count(*) FROM audit_log",
        "SELECT * FROM api.audit_list(NULL, NULL, NULL, NULL, NULL, 10)",
        "SELECT * FROM api.audit_chain(NULL, NULL, 10)",
        "SELECT * FROM api.audit_seqs_with_hash('\\x00')",
    ] {
        denied(&desk, sql).await;
    }
    let own = raw(&db, &auditor).await;
    let listed =
        own.query("SELECT * FROM api.audit_list(NULL, 'operator-add', NULL, NULL, NULL, 100)", &[]).await.unwrap();
    assert_eq!(listed.len() as i64, count(&db, "SELECT count(*) FROM audit_log WHERE action = 'operator-add'").await);
    let recorded = db
        .owner()
        .await
        .query("SELECT details, result_count FROM audit_log WHERE login = $1 AND action = 'audit-list'", &[&auditor])
        .await
        .unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].get::<_, serde_json::Value>(0)["filters"]["action"], "operator-add");
    assert_eq!(recorded[0].get::<_, Option<i64>>(1), Some(listed.len() as i64));
    // A walk of the chain is recorded when it starts, and sees its own record.
    let chain = own.query("SELECT fields->>'action' FROM api.audit_chain(NULL, NULL, 10000)", &[]).await.unwrap();
    assert_eq!(chain.last().unwrap().get::<_, String>(0), "audit-list");
    assert_eq!(rows_of(&db, &auditor, "audit-list").await, 2);
}

#[tokio::test]
async fn administrators_and_auditors_need_no_table_privilege() {
    let db = TestDb::new().await;
    population(&db, &[("001272", "TO", 4), ("001156", "TO", 1)]).await;
    // The lockdown the API leads to, on this database: no application role holds a privilege
    // on any table or sequence (the reference data excepted: its reads are another area's).
    db.owner()
        .await
        .batch_execute(
            "DO $$
             DECLARE
                 r text;
             BEGIN
                 FOREACH r IN ARRAY ARRAY['sportello_app', 'sportello_desk', 'sportello_helpdesk', 'sportello_batch',
                                          'sportello_admin', 'sportello_auditor', 'sportello_portal', 'public'] LOOP
                     EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %s', r);
                     EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM %s', r);
                 END LOOP;
                 GRANT SELECT ON provinces, municipalities TO sportello_app;
             END $$",
        )
        .await
        .unwrap();
    let newcomer = db.unique("locked");
    let admin = db.admin().await;
    {
        let _lock = RoleLock::take().await;
        create_login(&newcomer).await;
        let mut new = new_operator(&newcomer, &["TO"], &[]);
        new.roles = vec![Role::Auditor];
        operators::add(&admin, new).await.unwrap();
        operators::change(
            &admin,
            &newcomer,
            Change::Competence { provinces: vec!["AT".into()], municipalities: vec![] },
        )
        .await
        .unwrap();
    }
    assert!(operators::list(&admin).await.unwrap().iter().any(|o| o.id == newcomer));
    assert_eq!(operators::show(&admin, &newcomer).await.unwrap().competence.len(), 1);
    let auditor = sportello::session::Session::open(db.login(&newcomer).await, None, "test").await.unwrap();
    assert_eq!(auditor.roles, [Role::Auditor]);
    let listed = sportello::audit::list(
        &auditor.db,
        auditor.key.as_ref(),
        sportello::store::audit::Filter { limit: 10, ..Default::default() },
    )
    .await
    .unwrap();
    assert!(!listed.is_empty());
    let v = sportello::audit_chain::verify(&auditor, None, None).await.unwrap();
    assert!(v.intact(), "{:?}", v.problem);
    let r =
        stats::report(&auditor, Options { group: vec![Dimension::Municipality], ..Default::default() }).await.unwrap();
    assert_eq!(r.rows.len(), 2);
    let mut n = 0;
    stats::records(&auditor, &db.key(), stats::RecordOptions::default(), |_| {
        n += 1;
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(n, 5);
    // The CLI, as the auditor.
    let out = db.cli(Some(&newcomer), &["operator", "list", "--format", "json"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
}

#[tokio::test]
async fn reports_hold_whole_periods_so_bounds_a_day_apart_give_nothing_away() {
    let db = TestDb::new().await;
    // Twelve registrations in Asti in January 2026, two of them on the 31st (a Saturday).
    let owner = db.owner().await;
    for i in 0..12 {
        let at = if i < 10 { "2026-01-10 12:00+01" } else { "2026-01-31 12:00+01" };
        owner
            .execute(
                "INSERT INTO registrations (fiscal_code, community, state, first_name, last_name, birth_date, sex,
                     res_province, res_municipality, created_by, doc_number, doc_issued, registered_at)
                 VALUES ($1, 'sistemapiemonte', 'registrato', 'Gennara', $2, '1960-01-01', 'F', 'AT', '005005', 'admin',
                         'CA44444DD', '2020-04-04', $3::text::timestamptz)",
                &[
                    &cf(&format!("GNN{}XA", (b'A' + i as u8) as char), date("1960-01-01"), 'F', "L219"),
                    &format!("Gen{i}"),
                    &at,
                ],
            )
            .await
            .unwrap();
    }
    let s = db.admin().await;
    let d = |s: &str| Some(date(s));
    let report = async |by: Period, from: Option<chrono::NaiveDate>, to: Option<chrono::NaiveDate>| {
        let r = stats::report(&s, Options { by, group: vec![Dimension::Municipality], from, to, ..Default::default() })
            .await
            .unwrap();
        r.rows.iter().filter(|r| r.event == "registered").map(|r| (r.period.clone(), r.count)).collect::<Vec<_>>()
    };
    assert_eq!(report(Period::Month, None, d("2026-01-31")).await, [("2026-01".to_string(), Cell::Count(12))]);
    // January up to the 30th is not a whole month: no January at all, so no difference of 2.
    assert_eq!(report(Period::Month, None, d("2026-01-30")).await, []);
    assert_eq!(report(Period::Month, d("2026-01-02"), d("2026-01-31")).await, []);
    // Weeks likewise: the week of the 26th ends on Sunday 1 February.
    assert_eq!(
        report(Period::Week, d("2026-01-05"), d("2026-01-31")).await,
        [("2026-W02".to_string(), Cell::Count(10))]
    );
    assert_eq!(report(Period::Week, d("2026-01-05"), d("2026-02-01")).await.len(), 2);
    // Days are whole already: the 31st alone is small, and shown as such.
    assert_eq!(
        report(Period::Day, d("2026-01-31"), d("2026-01-31")).await,
        [("2026-01-31".to_string(), Cell::Below(3))]
    );
}
