//! Identity and privilege, tried as an attacker would: every operator is a real login of the
//! database, and what a login may do is enforced by the database itself, whatever the client.

use std::path::Path;
use std::sync::Arc;

use sportello::domain::{OperationKind, Role};
use sportello::error::exit;
use sportello::portal;
use sportello::store;

use crate::desk::{activation, book, code_of, mario, pin_in};
use crate::harness::{PASSWORD, RoleLock, TestDb, create_login, denied, new_operator, raw, text};

fn sample(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(name).display().to_string()
}

fn assert_refused(out: &std::process::Output, needle: &str) {
    let (stdout, stderr, code) = text(out);
    assert_eq!(code, exit::REFUSED, "stdout: {stdout}\nstderr: {stderr}");
    assert!(stderr.contains(needle), "stderr should contain {needle:?}: {stderr}");
}

/// The latest audit row of a login: (operator, action, target, outcome, details' error).
async fn last_audit(db: &TestDb, login: &str) -> (Option<String>, String, Option<String>, String, String) {
    let r = db
        .owner()
        .await
        .query_one(
            "SELECT operator_id, action, target, outcome, coalesce(details->>'error', '') FROM audit_log
             WHERE login = $1 ORDER BY id DESC LIMIT 1",
            &[&login],
        )
        .await
        .unwrap();
    (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4))
}

#[tokio::test]
async fn a_claimed_identity_is_refused_and_recorded() {
    let db = TestDb::new().await;
    let clerk = db.unique("clerk");
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    // The flag...
    let out = db.cli(Some(&clerk), &["--operator", "admin", "search", "--last-name", "rossi"]);
    assert_refused(&out, &format!("you are authenticated as {clerk}, not as admin"));
    let (operator, action, target, outcome, error) = last_audit(&db, &clerk).await;
    assert_eq!(operator.as_deref(), Some(clerk.as_str()), "recorded as who they are");
    assert_eq!((action.as_str(), target.as_deref(), outcome.as_str()), ("command", Some("admin"), "refused"));
    assert!(error.contains("not as admin"), "{error}");
    // ...and the environment variable: the same.
    let out = crate::harness::sportello()
        .args(["show", "--cf", "RSSMRA85T10L219G"])
        .env("SPORTELLO_DATABASE_URL", db.url_as(&clerk))
        .env("SPORTELLO_OPERATOR", "portal")
        .output()
        .unwrap();
    assert_refused(&out, "not as portal");
    // Naming oneself is harmless.
    let out = db.cli(Some(&clerk), &["--operator", &clerk, "search", "--last-name", "rossi"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    // Another operator's login without its password gets nothing at all.
    let out = crate::harness::sportello()
        .args(["search", "--last-name", "rossi"])
        .env("SPORTELLO_DATABASE_URL", db.url_as("admin").replace(PASSWORD, "guessed"))
        .output()
        .unwrap();
    assert_refused(&out, "password authentication failed");
}

#[tokio::test]
async fn a_desk_operator_cannot_add_operators_or_widen_competence() {
    let db = TestDb::new().await;
    let clerk = db.unique("clerk");
    db.add_operator(&clerk, &[Role::Desk], &[], &["Asti"]).await;
    // The command refuses first, clearly, and records it with its target.
    let out = db.cli(
        Some(&clerk),
        &["operator", "add", &db.unique("friend"), "--name", "F", "--ente", "E", "--province", "TO", "--role", "admin"],
    );
    assert_refused(&out, "needs the role admin");
    let (_, action, target, outcome, _) = last_audit(&db, &clerk).await;
    assert_eq!((action.as_str(), target, outcome.as_str()), ("command", Some(db.unique("friend")), "refused"));
    let out = db.cli(Some(&clerk), &["operator", "competence", &clerk, "--province", "TO"]);
    assert_refused(&out, "needs the role admin");

    // A modified client with the same login gets no more from the database.
    let c = raw(&db, &clerk).await;
    let friend = db.unique("friend");
    denied(&c, &format!("SELECT sportello_operator_add('{friend}', 'F', 'E', true, '{{TO}}', '{{}}', '{{admin}}')"))
        .await;
    denied(&c, &format!("SELECT sportello_operator_competence('{clerk}', '{{TO}}', '{{}}')")).await;
    denied(&c, &format!("SELECT sportello_operator_bootstrap('{friend}', 'F', 'E', true, '{{TO}}', '{{}}', '{{}}')"))
        .await;
    denied(&c, &format!("INSERT INTO operator_competence (operator_id, province) VALUES ('{clerk}', 'TO')")).await;
    denied(&c, &format!("UPDATE operators SET fse = true WHERE id = '{clerk}'")).await;
    denied(&c, &format!("INSERT INTO operators (id, full_name, ente) VALUES ('{friend}', 'F', 'E')")).await;
    denied(&c, &format!("GRANT sportello_admin TO \"{clerk}\"")).await;
    denied(&c, &format!("CREATE ROLE \"{friend}\" LOGIN")).await;
    let competence: i64 = db
        .owner()
        .await
        .query_one("SELECT count(*) FROM operator_competence WHERE operator_id = $1", &[&clerk])
        .await
        .unwrap()
        .get(0);
    assert_eq!(competence, 1, "still Asti only");

    // An administrator of Asti's province only: never beyond their own competence, FSE, roles.
    let boss = db.unique("boss");
    db.add_operator(&boss, &[Role::Admin, Role::Desk], &["AT"], &[]).await;
    let add = |id: &str, extra: &[&str]| {
        let mut args = vec!["operator", "add", id, "--name", "N", "--ente", "E"];
        args.extend_from_slice(extra);
        db.cli(Some(&boss), &args)
    };
    let newbie = db.unique("newbie");
    assert_refused(&add(&newbie, &["--province", "TO"]), "beyond the competence");
    assert_refused(&add(&newbie, &["--municipality", "Torino"]), "beyond the competence");
    assert_refused(&add(&newbie, &["--province", "AT", "--fse"]), "not authorised for the FSE");
    assert_refused(&add(&newbie, &["--province", "AT", "--role", "batch"]), "does not hold the batch role");
    let out = add(&newbie, &["--municipality", "Asti", "--role", "desk"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    // The DBA gives the new login its password (or certificate).
    db.owner().await.batch_execute(&format!("ALTER ROLE \"{newbie}\" PASSWORD '{PASSWORD}'")).await.unwrap();
    assert_refused(
        &db.cli(Some(&boss), &["operator", "competence", &newbie, "--province", "CN"]),
        "beyond the competence",
    );
    assert_refused(&db.cli(Some(&boss), &["operator", "grant", &newbie, "--role", "auditor"]), "does not hold");
    // The Turin clerk is outside the boss's competence: not theirs to manage.
    let turin = db.unique("turin");
    db.add_operator(&turin, &[Role::Desk], &["TO"], &[]).await;
    assert_refused(&db.cli(Some(&boss), &["operator", "disable", &turin]), "beyond the competence");
    assert_refused(&db.cli(Some(&boss), &["operator", "revoke-role", &turin, "--role", "desk"]), "beyond");
    // Within it, all of it works; a disabled operator keeps their history but cannot log in.
    let out = db.cli(Some(&boss), &["operator", "competence", &newbie, "--municipality", "Asti", "--province", "AT"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    let out = db.cli(Some(&newbie), &["search", "--last-name", "x"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    let out = db.cli(Some(&boss), &["operator", "disable", &newbie, "--format", "json"]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("\"disabled_by\": \"") && stdout.contains("\"roles\": []"), "{stdout}");
    assert_refused(&db.cli(Some(&newbie), &["search", "--last-name", "x"]), "not permitted to log in");
    let history: i64 = db
        .owner()
        .await
        .query_one("SELECT count(*) FROM audit_log WHERE operator_id = $1", &[&newbie])
        .await
        .unwrap()
        .get(0);
    assert!(history >= 1, "the disabled operator's history stays");
    assert_refused(&db.cli(Some(&boss), &["operator", "disable", &boss]), "cannot disable themselves");
    let out = db.cli(Some(&boss), &["operator", "enable", &newbie, "--role", "desk"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    let out = db.cli(Some(&newbie), &["search", "--last-name", "x"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
}

#[tokio::test]
async fn an_application_login_cannot_become_the_owner_nor_rewrite_what_it_wrote() {
    let db = TestDb::new().await;
    // Every role at once: still not the owner.
    let all = db.unique("all");
    db.add_operator(&all, &Role::ALL, &["TO"], &[]).await;
    let owner: String = db
        .owner()
        .await
        .query_one("SELECT tableowner::text FROM pg_tables WHERE tablename = 'audit_log'", &[])
        .await
        .unwrap()
        .get(0);
    let c = raw(&db, &all).await;
    denied(&c, &format!("SET ROLE \"{owner}\"")).await;
    denied(&c, &format!("SET SESSION AUTHORIZATION \"{owner}\"")).await;
    denied(&c, &format!("GRANT \"{owner}\" TO \"{all}\"")).await;
    denied(&c, &format!("ALTER ROLE \"{all}\" CREATEROLE")).await;
    for sql in [
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "DROP TRIGGER audit_log_no_update ON audit_log",
        "ALTER TABLE registrations DISABLE TRIGGER registrations_residence_competence",
        "ALTER TABLE registrations ADD COLUMN backdoor text",
        "CREATE TABLE public.backdoor (x int)",
        "CREATE OR REPLACE FUNCTION public.sportello_record(text, text, jsonb, bigint, text, boolean) RETURNS void LANGUAGE sql AS $$ SELECT $$",
        "CREATE FUNCTION api.backdoor() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$",
        "UPDATE audit_log SET outcome = 'forged'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ] {
        denied(&c, sql).await;
    }
    // Nor append: an audit row is written by the api (stamped by the database with the login
    // and its own time, whatever the client says), never by a login's INSERT.
    for forged in [
        "INSERT INTO public.audit_log (operator_id, origin, command, action) VALUES ('admin', 'x', 'x', 'forged')"
            .to_string(),
        format!(
            "INSERT INTO public.audit_log (operator_id, at, origin, command, action) VALUES ('{all}', '2020-01-01', 'x', 'x', 'backdated')"
        ),
    ] {
        denied(&c, &forged).await;
    }
    c.batch_execute("SELECT api.record('command', 'backdated', '{}', NULL, 'ok')").await.unwrap();
    let r = db
        .owner()
        .await
        .query_one("SELECT at > now() - interval '1 hour', login FROM audit_log WHERE target = 'backdated'", &[])
        .await
        .unwrap();
    assert!(r.get::<_, bool>(0), "the database's time, not the client's");
    assert_eq!(r.get::<_, String>(1), all);
    // Even the owner is stopped by the append-only trigger.
    let err = db.owner().await.execute("DELETE FROM audit_log", &[]).await.unwrap_err();
    assert!(format!("{err:?}").contains("append-only"), "{err:?}");
}

#[tokio::test]
async fn the_database_checks_residence_competence() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let number = mario().register(&s).await;
    let clerk = db.unique("asti");
    db.add_operator(&clerk, &[Role::Desk], &[], &["Asti"]).await;
    let c = raw(&db, &clerk).await;
    let into = |name: &str| {
        format!(
            "UPDATE registrations SET res_municipality = (SELECT istat_code FROM municipalities WHERE name = '{name}'),
                 res_province = (SELECT province FROM municipalities WHERE name = '{name}')
             WHERE registration_number = {number}"
        )
    };
    denied(&c, &into("Moncalieri")).await;
    denied(&c, &into("Asti").replace("UPDATE registrations", "UPDATE public.registrations")).await;
    let municipality: String = db
        .owner()
        .await
        .query_one("SELECT m.name FROM registrations r JOIN municipalities m ON m.istat_code = r.res_municipality", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(municipality, "Torino", "not moved");
    // Through the api, within the competence only (api_desk.rs attacks it with forged calls).
    let moncalieri: String = db
        .owner()
        .await
        .query_one("SELECT istat_code::text FROM municipalities WHERE name = 'Moncalieri'", &[])
        .await
        .unwrap()
        .get(0);
    let data = serde_json::json!({ "res_province": "TO", "res_municipality": moncalieri });
    let e = c
        .query("SELECT registration_number FROM api.change_residence($1, $2, NULL)", &[&number, &data])
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_one_first_administrator_out_of_ten_at_once() {
    let db = TestDb::without_operators().await;
    let ids: Vec<String> = (0..10).map(|i| db.unique(&format!("first{i}"))).collect();
    let tasks: Vec<_> = ids
        .iter()
        .map(|id| {
            let (config, new) = (db.config.clone(), new_operator(id, &["TO"], &[]));
            tokio::spawn(async move { sportello::operators::bootstrap(&config, new).await })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => {
                assert_eq!(e.exit_code(), exit::REFUSED, "{e}");
                assert!(e.to_string().contains("has operators already"), "{e}");
            }
        }
    }
    assert_eq!(ok, 1);
    let owner = db.owner().await;
    let n: i64 = owner.query_one("SELECT count(*) FROM operators", &[]).await.unwrap().get(0);
    assert_eq!(n, 1);
    // The losers' logins were rolled back with their attempt.
    let logins: i64 =
        owner.query_one("SELECT count(*) FROM pg_roles WHERE rolname = ANY($1)", &[&ids]).await.unwrap().get(0);
    assert_eq!(logins, 1);
    // Nobody but the owner may bootstrap, even on an empty database.
    let db2 = TestDb::without_operators().await;
    let lurker = db2.unique("lurker");
    {
        let _lock = RoleLock::take().await;
        create_login(&lurker).await;
    }
    let e = sportello::operators::bootstrap(&db2.login_config(&lurker), new_operator(&lurker, &["TO"], &[]))
        .await
        .unwrap_err();
    assert_eq!(e.exit_code(), exit::REFUSED, "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_wrong_codes_at_once_count_at_most_the_limit_and_then_the_right_code_is_refused() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = Arc::new(db.desk());
    let number = mario().register(&s).await;
    let b = book(&s, &desk, number, OperationKind::Verification).await.unwrap();
    let (code, pin) = (code_of(&db, &b), pin_in(&b.letters));
    // Forty browsers at once, each through a connection of its own.
    let mut portals = Vec::new();
    for _ in 0..40 {
        portals.push(db.login("portal").await);
    }
    let tasks: Vec<_> = portals
        .into_iter()
        .map(|p| {
            let (desk, code) = (desk.clone(), code.clone());
            tokio::spawn(async move { portal::activate(&p, &desk, activation(&mario().cf, &code, "11111111")).await })
        })
        .collect();
    for t in tasks {
        assert!(t.await.unwrap().is_err());
    }
    let r = db
        .owner()
        .await
        .query_one(
            "SELECT failed_attempts, locked_at IS NOT NULL FROM registrations WHERE registration_number = $1",
            &[&number],
        )
        .await
        .unwrap();
    assert_eq!(r.get::<_, i32>(0), desk.max_attempts, "counted exactly up to the limit");
    assert!(r.get::<_, bool>(1), "locked");
    let e = portal::activate(&db.db, &desk, activation(&mario().cf, &code, &pin)).await.unwrap_err();
    assert!(e.to_string().contains("locked"), "{e}");
}

#[tokio::test]
async fn each_role_does_its_own_work_and_nothing_else() {
    let db = TestDb::new().await;
    let (clerk, cron, help, auditor) = (db.unique("clerk"), db.unique("cron"), db.unique("help"), db.unique("audit"));
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    db.add_operator(&cron, &[Role::Batch], &["TO"], &[]).await;
    db.add_operator(&help, &[Role::Helpdesk], &["TO"], &[]).await;
    db.add_operator(&auditor, &[Role::Auditor], &["TO"], &[]).await;
    let ok = |login: &str, args: &[&str]| {
        let out = db.cli(Some(login), args);
        let (stdout, stderr, code) = text(&out);
        assert!(code == 0 || code == exit::WITH_REJECTS, "{login} {args:?}: {code}\n{stdout}\n{stderr}");
    };
    // Batch: the night's import with a pre-load, the postal run.
    ok(&cron, &["import-cia", &sample("cia.csv"), "--preload", "Moncalieri"]);
    ok(&cron, &["import-aura", &sample("aura.csv")]);
    let postal = db.files.path().join("postal");
    ok(&cron, &["print-letters", "--postal-run", "--out", postal.to_str().unwrap()]);
    // Desk: a registration pre-filled from the registries, with its booking; the rest of the desk.
    ok(
        &clerk,
        &[
            "register",
            "--cf",
            "RSSMRA85T10L219G",
            "--province",
            "TO",
            "--municipality",
            "Torino",
            "--email",
            "mario.rossi@example.it",
            "--no-prompt",
        ],
    );
    ok(&clerk, &["search", "--last-name", "rossi"]);
    ok(&clerk, &["show", "--cf", "RSSMRA85T10L219G"]);
    ok(&clerk, &["edit", "--cf", "RSSMRA85T10L219G", "--mobile", "3331234567"]);
    ok(&clerk, &["regenerate-code", "--cf", "RSSMRA85T10L219G"]);
    ok(&clerk, &["print-letters", "--cf", "RSSMRA85T10L219G", "--rules"]);
    ok(
        &clerk,
        &[
            "change-residence",
            "--cf",
            "RSSMRA85T10L219G",
            "--province",
            "TO",
            "--municipality",
            "Moncalieri",
            "--address",
            "Via Roma",
            "--street-number",
            "1",
            "--postcode",
            "10024",
        ],
    );
    // Helpdesk: the mailbox and the registered letters.
    let inbox = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(sample("mailbox")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), inbox.path().join(e.file_name())).unwrap();
    }
    ok(&help, &["regenerate-code", "--mailbox", inbox.path().to_str().unwrap()]);
    let report = db.files.path().join("revocations.csv");
    ok(&help, &["revoke", "--letters", &sample("revocation-letters.csv"), "--report", report.to_str().unwrap()]);
    // Auditor: the log and the runs.
    ok(&auditor, &["audit", "--limit", "5"]);
    ok(&auditor, &["runs"]);

    // Each refused the others' commands, by the command (clearly) and by the database.
    assert_refused(&db.cli(Some(&clerk), &["import-cia", &sample("cia.csv")]), "needs the role batch");
    assert_refused(&db.cli(Some(&clerk), &["audit"]), "needs the role auditor");
    assert_refused(&db.cli(Some(&cron), &["search", "--last-name", "rossi"]), "needs the role desk");
    assert_refused(
        &db.cli(
            Some(&help),
            &["register", "--cf", "RSSMRA85T10L219G", "--province", "TO", "--municipality", "Torino", "--no-prompt"],
        ),
        "needs the role desk",
    );
    assert_refused(&db.cli(Some(&auditor), &["show", "--cf", "RSSMRA85T10L219G"]), "needs the role desk");
    assert_refused(
        &db.cli_fed(Some(&clerk), &["citizen", "revoke", "--cf", "RSSMRA85T10L219G"], "code=AAAA-AAAA-AAAA\n"),
        "needs the role portal",
    );
    let c = raw(&db, &clerk).await;
    denied(&c, "SELECT count(*) FROM audit_log").await;
    denied(&c, "DELETE FROM registrations").await;
    denied(&c, "INSERT INTO cia_residents (fiscal_code, first_name, last_name, birth_date, sex) VALUES ('RSSMRA85T10L219G', 'a', 'b', '1985-12-10', 'M')").await;
    let c = raw(&db, &cron).await;
    denied(&c, "DELETE FROM registrations").await;
    denied(&c, "SELECT count(*) FROM audit_log").await;
    let c = raw(&db, &auditor).await;
    denied(&c, "UPDATE registrations SET mobile = NULL").await;
    denied(&c, "SELECT count(*) FROM registrations").await;
    let c = raw(&db, "portal").await;
    denied(&c, "INSERT INTO registrations (fiscal_code, community, state) VALUES ('RSSMRA85T10L219G', 'sistemapiemonte', 'registrato')").await;
}

#[tokio::test]
async fn migrations_need_no_superuser_and_the_owner_adds_the_first_administrator() {
    let db = TestDb::without_operators().await;
    let (owner, name, boss) = (db.unique("owner"), format!("{}_own", db.name), db.unique("boss"));
    let su = db.owner().await;
    // As the DBA would: an owner with CREATEROLE, no superuser, and its database.
    su.batch_execute(&format!("CREATE ROLE \"{owner}\" LOGIN CREATEROLE PASSWORD '{PASSWORD}'")).await.unwrap();
    su.batch_execute(&format!("CREATE DATABASE \"{name}\" OWNER \"{owner}\"")).await.unwrap();
    let url = |login: &str| db.url_as(login).replace(&format!("dbname={}", db.name), &format!("dbname={name}"));
    let run = |login: &str, args: &[&str]| {
        let out = crate::harness::sportello()
            .args(args)
            .env("SPORTELLO_DATABASE_URL", url(login))
            .env_remove("SPORTELLO_OPERATOR")
            .output()
            .unwrap();
        text(&out)
    };
    // Before the migrations, a clear message.
    let (_, stderr, code) = run(&owner, &["search"]);
    assert_eq!(code, exit::UNAVAILABLE, "{stderr}");
    assert!(stderr.contains("sportello db migrate"), "{stderr}");
    let (stdout, stderr, code) = run(&owner, &["db", "migrate"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("V4__roles_and_privileges"), "{stdout}");
    // The owner is no operator; it adds the first administrator, once.
    let (_, stderr, code) = run(&owner, &["search"]);
    assert_eq!(code, exit::REFUSED, "{stderr}");
    let (stdout, stderr, code) = run(
        &owner,
        &["operator", "bootstrap", &boss, "--name", "Boss", "--ente", "CSI", "--province", "TO", "--role", "desk"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(&boss), "{stdout}");
    // The DBA gives the new login its password (or its certificate).
    su.batch_execute(&format!("ALTER ROLE \"{boss}\" PASSWORD '{PASSWORD}'")).await.unwrap();
    let (stdout, stderr, code) = run(&boss, &["operator", "whoami"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("desk, admin"), "{stdout}");
    let (_, stderr, code) = run(&boss, &["search", "--last-name", "x"]);
    assert_eq!(code, 0, "{stderr}");
    let mut config = db.login_config(&boss);
    config.dbname(&name);
    let c = store::connect(&config).await.unwrap();
    denied(&c, &format!("SET ROLE \"{owner}\"")).await;
    denied(&c, "ALTER TABLE audit_log DISABLE TRIGGER ALL").await;
    drop(c);
    su.batch_execute(&format!("DROP DATABASE \"{name}\" WITH (FORCE)")).await.unwrap();
}
