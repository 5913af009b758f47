//! `sportello stats`: counts checked against a population with known numbers, the small-cell
//! rule, no personal data in any output, pseudonyms that link only within one export, audit.

use std::collections::{HashMap, HashSet};

use sportello::batch::letter_revocations::{self, Letter};
use sportello::batch::{Quiet, postal};
use sportello::desk::book::{self, Booked};
use sportello::desk::handover::Desk;
use sportello::desk::register::{self, Prepared};
use sportello::desk::reprint;
use sportello::domain::{OperationKind, Sex};
use sportello::portal::{self as citizen, Activation};
use sportello::session::Session;
use sportello::stats::{self, Cell, Dimension, Options, Period, RecordOptions, Report};
use sportello::store::registrations::Key;

use crate::desk::{code_in, pdf_text, pin_in};
use crate::fixtures::{Citizen, cf, date};
use crate::harness::{TestDb, new_operator, text};

/// Registers at the desk (the strong verification is booked with it).
async fn at_desk(s: &Session, desk: &Desk, c: &Citizen) -> Booked {
    match register::prepare(s, c.request()).await.unwrap() {
        Prepared::New(draft) => register::register_at_desk(s, desk, *draft, None, true).await.unwrap(),
        Prepared::AlreadyRegistered(r) => panic!("{} already registered as {}", c.cf, r.registration_number),
    }
}

async fn book(s: &Session, desk: &Desk, number: i64, op: OperationKind) -> Booked {
    book::book(s, desk, book::Request { key: Key::Number(number), operation: op, delegate: None, print_code: true })
        .await
        .unwrap()
}

/// The code of a booking made with `print_code`: from its letter.
fn code_of(b: &Booked) -> String {
    let slug = if b.operation == OperationKind::Revocation { "codice-revoca" } else { "codice-attivazione" };
    let path = b.letters.iter().find(|p| p.to_string_lossy().ends_with(&format!("-{slug}.pdf"))).unwrap();
    code_in(&pdf_text(path))
}

fn activation(cf: &str, b: &Booked, username: &str) -> Activation {
    Activation {
        fiscal_code: cf.into(),
        activation_code: code_of(b),
        pin: pin_in(&b.letters),
        accept_rules: true,
        username: Some(username.into()),
        password: Some("Torino2026!sicura".into()),
        secret_question: Some("Nome del primo cane?".into()),
        secret_answer: Some("Fido".into()),
    }
}

/// Moves the booking day of the active operation `days` back (as if booked earlier).
async fn booked_days_ago(db: &TestDb, number: i64, days: i32) {
    db.owner()
        .await
        .execute(
            "UPDATE operations SET requested_at = requested_at - make_interval(days => $2) WHERE registration_number = $1 AND status = 'A'",
            &[&number, &days],
        )
        .await
        .unwrap();
}

/// (values, event, kind) → count, of a report.
fn counts(r: &Report) -> HashMap<(Vec<String>, String, String), Cell> {
    r.rows
        .iter()
        .map(|row| {
            (
                (
                    row.values.iter().map(|v| v.clone().unwrap_or_default()).collect(),
                    row.event.clone(),
                    row.kind.clone().unwrap_or_default(),
                ),
                row.count,
            )
        })
        .collect()
}

fn key(values: &[&str], event: &str, kind: &str) -> (Vec<String>, String, String) {
    (values.iter().map(|v| v.to_string()).collect(), event.into(), kind.into())
}

fn citizen(letters: &str, first: &'static str, last: &'static str, birth: &'static str) -> Citizen {
    Citizen::new(letters, first, last, birth, Sex::F)
}

#[tokio::test]
async fn counts_match_a_population_built_at_the_desk() {
    let db = TestDb::new().await;
    // Exact counts of a small population: the owner lowers the database's floor (a caller's
    // `min_cell` never goes below it).
    db.owner().await.batch_execute("UPDATE stats_policy SET min_cell_floor = 1").await.unwrap();
    let s = db.admin().await;
    let desk = db.desk();
    let mut asti_op = new_operator("asti", &["AT"], &[]);
    asti_op.ente = "Comune di Asti".into();
    asti_op.roles = vec![sportello::domain::Role::Desk];
    db.add(asti_op).await;
    let asti = Session::open(db.login("asti").await, None, "test").await.unwrap().with_key(db.key());

    let people = [
        citizen("PNCRZR", "Ermenegilda", "Pancrazi", "1961-04-01"),
        citizen("BRGLDA", "Gaudenzia", "Berengari", "1972-08-15"),
        citizen("SGSMNA", "Sigismonda", "Adalgisi", "1980-01-20"),
        citizen("LDBRNA", "Ildebranda", "Ottoboni", "1990-11-03"),
        citizen("FLBRTA", "Filiberta", "Zanardelli", "1955-06-30"),
    ];
    let mut booked = Vec::new();
    for p in &people {
        booked.push(at_desk(&s, &desk, p).await);
    }
    let in_asti = [
        citizen("CSMRNA", "Cosima", "Ruffinatti", "1970-02-02").living_in("AT", "Asti", "14100"),
        citizen("TRSLNA", "Tarsilla", "Bobbiese", "1985-09-09").living_in("AT", "Asti", "14100"),
    ];
    for p in &in_asti {
        at_desk(&asti, &desk, p).await;
    }

    // Three verifications completed, booked 0, 4 and 10 days before: median 4, p90 10.
    booked_days_ago(&db, booked[1].registration_number, 4).await;
    booked_days_ago(&db, booked[2].registration_number, 10).await;
    for (i, user) in [(0, "ermenegilda"), (1, "gaudenzia"), (2, "sigismonda")] {
        citizen::activate(&db.db, &desk, activation(&people[i].cf, &booked[i], user)).await.unwrap();
    }
    // A PIN regeneration for the first (booked and completed, no new activation).
    let pin = book(&s, &desk, booked[0].registration_number, OperationKind::Pin).await;
    let mut a = activation(&people[0].cf, &pin, "ignored");
    a.username = None;
    citizen::activate(&db.db, &desk, a).await.unwrap();
    // The fifth is locked out by wrong codes (and later revokes by letter).
    for _ in 0..desk.max_attempts {
        let mut wrong = activation(&people[4].cf, &booked[4], "x");
        wrong.pin = "00000000".into();
        assert!(citizen::activate(&db.db, &desk, wrong).await.is_err());
    }
    // The fourth revokes at the desk (the verification is discarded by the new booking).
    let revocation = book(&s, &desk, booked[3].registration_number, OperationKind::Revocation).await;
    citizen::revoke(&db.db, &desk, &people[3].cf, &code_of(&revocation)).await.unwrap();
    // The fifth revokes by registered letter.
    let outcome = letter_revocations::revoke_one(&s, &desk, people[4].letter("RACC-1")).await.unwrap();
    assert!(matches!(outcome, letter_revocations::Outcome::Revoked { .. }));
    // Two PIN letters by post.
    for b in &booked[1..3] {
        reprint::request_pin_by_post(&s, &Key::Number(b.registration_number)).await.unwrap();
    }
    let out = db.files.path().join("postal");
    let run = postal::run(
        &s,
        &desk,
        &postal::Options { province: None, limit: None, batch_size: 10, out, dry_run: false, group: None },
        &Quiet,
    )
    .await
    .unwrap();
    assert_eq!(run.letters, 2);
    // Helpdesk requests (as the mailbox writes them): two honoured, one refused; then one
    // honoured reply fails to be sent and stops counting.
    let owner = db.owner().await;
    owner
        .batch_execute(
            "INSERT INTO helpdesk_messages (message_id, file, outcome) VALUES ('<a@x>', 'a.eml', 'processing'),
                 ('<b@x>', 'b.eml', 'processing'), ('<c@x>', 'c.eml', 'processing'), ('<d@x>', 'd.eml', 'processing');
             UPDATE helpdesk_messages SET outcome = 'honoured' WHERE message_id IN ('<a@x>', '<b@x>', '<d@x>');
             UPDATE helpdesk_messages SET outcome = 'refused' WHERE message_id = '<c@x>';
             UPDATE helpdesk_messages SET outcome = 'send-failed' WHERE message_id = '<d@x>';",
        )
        .await
        .unwrap();

    let report = stats::report(
        &s,
        Options { by: Period::Month, group: vec![Dimension::Province], min_cell: 1, ..Default::default() },
    )
    .await
    .unwrap();
    let got = counts(&report);
    let expect = [
        (key(&["TO"], "registered", ""), 5),
        (key(&["AT"], "registered", ""), 2),
        (key(&["TO"], "booked", "verification"), 5),
        (key(&["AT"], "booked", "verification"), 2),
        (key(&["TO"], "booked", "pin"), 1),
        (key(&["TO"], "booked", "revocation"), 1),
        (key(&["TO"], "completed", "verification"), 3),
        (key(&["TO"], "completed", "pin"), 1),
        (key(&["TO"], "completed", "revocation"), 1),
        (key(&["TO"], "discarded", "verification"), 1),
        (key(&["TO"], "activated", ""), 3),
        (key(&["TO"], "revoked", "desk"), 1),
        (key(&["TO"], "revoked", "letter"), 1),
        (key(&["TO"], "letter-printed", ""), 2),
        (key(&["TO"], "locked", ""), 1),
        (key(&[""], "helpdesk", "honoured"), 2),
        (key(&[""], "helpdesk", "refused"), 1),
    ];
    let expected: HashMap<_, _> = expect.iter().map(|(k, n)| (k.clone(), Cell::Count(*n))).collect();
    assert_eq!(got, expected, "{:#?}", report.rows);
    assert!(report.rows.iter().all(|r| r.period.len() == 7), "months");
    let verification =
        report.rows.iter().find(|r| r.event == "completed" && r.kind.as_deref() == Some("verification")).unwrap();
    assert_eq!((verification.median_days, verification.p90_days), (Some(4), Some(10)));

    // The fine dimensions: the same totals, split by ente and operator.
    let by_desk = stats::report(
        &s,
        Options {
            by: Period::Day,
            group: vec![Dimension::Ente, Dimension::Operator, Dimension::Municipality],
            min_cell: 1,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(by_desk.columns, ["ente", "operator", "municipality_code", "municipality"]);
    let got = counts(&by_desk);
    assert_eq!(got[&key(&["ASL TO4", "admin", "001272", "Torino"], "registered", "")], Cell::Count(5));
    assert_eq!(got[&key(&["Comune di Asti", "asti", "005005", "Asti"], "booked", "verification")], Cell::Count(2));
    // Activations are the desk's that booked them; letters and letter revocations have no desk.
    assert_eq!(got[&key(&["ASL TO4", "admin", "001272", "Torino"], "activated", "")], Cell::Count(3));
    assert_eq!(got[&key(&["", "", "001272", "Torino"], "letter-printed", "")], Cell::Count(2));
    assert_eq!(got[&key(&["", "", "001272", "Torino"], "revoked", "letter")], Cell::Count(1));
    assert_eq!(got[&key(&["ASL TO4", "admin", "001272", "Torino"], "revoked", "desk")], Cell::Count(1));
    let total = |r: &Report, event: &str| -> i64 {
        r.rows
            .iter()
            .filter(|x| x.event == event)
            .map(|x| match x.count {
                Cell::Count(n) => n,
                Cell::Below(_) | Cell::Withheld => panic!("min_cell 1"),
            })
            .sum()
    };
    for event in ["registered", "booked", "completed", "revoked", "helpdesk", "locked"] {
        assert_eq!(total(&by_desk, event), total(&report, event), "{event}");
    }
    // State and strength when it happened: the activations made strong credentials.
    let by_state = stats::report(
        &s,
        Options { group: vec![Dimension::State, Dimension::Strength], min_cell: 1, ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(counts(&by_state)[&key(&["attivato", "Y"], "activated", "")], Cell::Count(3));

    // Only a period: --from/--to bound the days.
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Duration::days(2);
    let none = stats::report(&s, Options { from: Some(tomorrow), ..Default::default() }).await.unwrap();
    assert!(none.rows.is_empty());
}

#[tokio::test]
async fn small_cells_are_hidden_in_every_format() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    // A crafted small population: four in Turin, one in Acceglio (CN), who then revokes.
    let owner = db.owner().await;
    let lonely = cf("CRFTDA", date("1950-03-03"), 'F', "A016");
    for (i, (fc, province, municipality)) in [
        (cf("CRFTAA", date("1950-03-03"), 'F', "L219"), "TO", "001272"),
        (cf("CRFTBA", date("1950-03-03"), 'F', "L219"), "TO", "001272"),
        (cf("CRFTCA", date("1950-03-03"), 'F', "L219"), "TO", "001272"),
        (cf("CRFTEA", date("1950-03-03"), 'F', "L219"), "TO", "001272"),
        (lonely.clone(), "CN", "004001"),
    ]
    .iter()
    .enumerate()
    {
        owner
            .execute(
                "INSERT INTO registrations (fiscal_code, community, state, first_name, last_name, birth_date, sex,
                     res_province, res_municipality, created_by, doc_number, doc_issued)
                 VALUES ($1, 'sistemapiemonte', 'registrato', 'Crafta', $2, '1950-03-03', 'F', $3, $4, 'admin',
                         'CA44444DD', '2020-04-04')",
                &[fc, &format!("Piccolini{i}"), province, municipality],
            )
            .await
            .unwrap();
    }
    letter_revocations::revoke_one(
        &s,
        &desk,
        Letter {
            fiscal_code: lonely.clone(),
            first_name: "Crafta".into(),
            last_name: "Piccolini4".into(),
            doc_number: "CA44444DD".into(),
            doc_issued: "2020-04-04".into(),
            protocol: "RACC-7".into(),
            protocol_date: "2026-11-20".into(),
        },
    )
    .await
    .unwrap();

    let report =
        stats::report(&s, Options { group: vec![Dimension::Municipality], ..Default::default() }).await.unwrap();
    let got = counts(&report);
    // Turin's 4 is withheld with Acceglio's 1: the total of the report without municipalities
    // (5) minus Turin's would give Acceglio's away (complementary suppression, issue 16 §13).
    assert_eq!(got[&key(&["001272", "Torino"], "registered", "")], Cell::Withheld);
    assert_eq!(got[&key(&["004001", "Acceglio"], "registered", "")], Cell::Below(3));
    assert_eq!(got[&key(&["004001", "Acceglio"], "revoked", "letter")], Cell::Below(3));
    // A higher threshold hides Turin too.
    let strict = stats::report(&s, Options { group: vec![Dimension::Municipality], min_cell: 5, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(counts(&strict)[&key(&["001272", "Torino"], "registered", "")], Cell::Below(5));

    // The command line, in each format.
    let run = |format: &str| {
        let out = db.cli(Some("admin"), &["stats", "--group", "municipality", "--format", format]);
        let (stdout, stderr, code) = text(&out);
        assert_eq!(code, 0, "{stderr}");
        stdout
    };
    let table = run("table");
    let line = table.lines().find(|l| l.contains("Acceglio") && l.contains("revoked")).expect(&table);
    assert!(line.contains("<3"), "{line}");
    assert!(table.lines().any(|l| l.contains("Torino") && l.contains("registered") && l.contains("| x ")), "{table}");
    assert!(!table.lines().any(|l| l.contains("| 4 ")), "{table}");
    let csv = run("csv");
    assert!(csv.lines().any(|l| l.contains("Acceglio,revoked,letter,<3,")), "{csv}");
    let json: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    let rows = json["rows"].as_array().unwrap();
    let acceglio: Vec<_> = rows.iter().filter(|r| r["municipality"] == "Acceglio").collect();
    assert_eq!(acceglio.len(), 2);
    assert!(acceglio.iter().all(|r| r["count"] == "<3"), "{acceglio:?}");
    assert_eq!(json["options"]["min_cell"], 3);
    let out = db.cli(Some("admin"), &["stats", "--min-cell", "0"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out).1);
    let out = db.cli(Some("admin"), &["stats", "--group", "surname"]);
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn no_personal_data_in_any_output_and_every_run_is_audited() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let people = [
        citizen("PNCRZR", "Ermenegilda", "Pancrazi", "1961-04-01"),
        citizen("BRGLDA", "Gaudenzia", "Berengari", "1972-08-15"),
        citizen("SGSMNA", "Sigismonda", "Adalgisi", "1980-01-20"),
        citizen("LDBRNA", "Ildebranda", "Ottoboni", "1990-11-03"),
    ];
    let mut booked = Vec::new();
    for p in &people {
        booked.push(at_desk(&s, &desk, p).await);
    }
    citizen::activate(&db.db, &desk, activation(&people[0].cf, &booked[0], "ermenegilda")).await.unwrap();
    letter_revocations::revoke_one(&s, &desk, people[3].letter("RACC-2")).await.unwrap();

    let forbidden: Vec<String> = people
        .iter()
        .flat_map(|p| {
            let d = p.data();
            [
                p.cf.clone(),
                p.cf[..11].to_string(),
                p.first_name.to_string(),
                p.last_name.to_string(),
                d.contacts.email.clone().unwrap(),
                "ermenegilda".into(),
            ]
        })
        .chain(["CA00000AA", "Via Po", "10/B", "@", "1961-04-01", "Comune di Torino"].map(String::from))
        .collect();
    let mut runs = 0;
    for format in ["table", "csv", "json"] {
        for args in [
            vec!["stats"],
            vec!["stats", "--by", "day", "--group", "ente,operator,province,municipality,community,state,strength"],
            vec!["stats", "--by", "week", "--group", "municipality", "--min-cell", "1"],
            vec!["stats", "--records"],
        ] {
            let mut args = args.clone();
            args.extend(["--format", format]);
            let out = db.cli(Some("admin"), &args);
            let (stdout, stderr, code) = text(&out);
            assert_eq!(code, 0, "{args:?}: {stderr}");
            assert!(stdout.contains("registered") || stdout.contains("sistemapiemonte"), "{args:?}: {stdout}");
            for f in &forbidden {
                assert!(
                    !stdout.to_lowercase().contains(&f.to_lowercase()) && !stderr.contains(f.as_str()),
                    "{args:?} shows '{f}':\n{stdout}"
                );
            }
            runs += 1;
        }
    }
    // --records holds what it promises, in CSV.
    let out = db.cli(Some("admin"), &["stats", "--records", "--format", "csv"]);
    let (stdout, _, _) = text(&out);
    let mut lines = stdout.lines();
    assert_eq!(
        lines.next().unwrap(),
        "pseudonym,birth_year,sex,province,municipality,community,state,strong,registered,verified,activated,revoked"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 4);
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Rome).date_naive().to_string();
    let active = rows.iter().find(|r| r[1] == "1961").unwrap();
    assert_eq!(active[0].len(), 32);
    assert_eq!(
        &active[1..],
        ["1961", "F", "TO", "001272", "sistemapiemonte", "attivato", "true", &today, &today, &today, ""]
    );
    let revoked: Vec<_> = rows.iter().filter(|r| r[6] == "revocato").collect();
    assert_eq!(revoked.len(), 1);
    assert_eq!(&revoked[0][1..8], ["", "", "", "", "sistemapiemonte", "revocato", ""]);
    assert_eq!(revoked[0][11], today);

    // Every run is in the audit log, with its options.
    let audited = db
        .owner()
        .await
        .query("SELECT details, result_count, operator_id FROM audit_log WHERE action = 'stats' ORDER BY id", &[])
        .await
        .unwrap();
    assert_eq!(audited.len(), runs + 1);
    let details: Vec<serde_json::Value> = audited.iter().map(|r| r.get(0)).collect();
    assert_eq!(
        details[1]["group"],
        serde_json::json!(["ente", "operator", "province", "municipality", "community", "state", "strength"])
    );
    assert_eq!(details[1]["by"], "day");
    assert_eq!(details[2]["min_cell"], 1);
    assert_eq!(details[3]["records"], true);
    assert_eq!(audited[3].get::<_, Option<i64>>(1), Some(4));
    assert!(audited.iter().all(|r| r.get::<_, Option<String>>(2).as_deref() == Some("admin")));
    // A refused run (bad options) is recorded too.
    let out = db.cli(Some("admin"), &["stats", "--from", "2026-02-01", "--to", "2026-01-01"]);
    assert_eq!(out.status.code(), Some(3));
    let outcome: String = db
        .owner()
        .await
        .query_one("SELECT outcome FROM audit_log WHERE command = 'stats' ORDER BY id DESC LIMIT 1", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(outcome, "invalid");
}

#[tokio::test]
async fn pseudonyms_link_within_one_export_only() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let back = citizen("RTRNNA", "Ritornella", "Daccapo", "1977-07-07");
    let other = citizen("SLTRNA", "Solitaria", "Unica", "1988-08-08");
    back.register(&s).await;
    other.register(&s).await;
    // Revoked by letter, then registered again: two registrations of one person.
    letter_revocations::revoke_one(&s, &desk, back.letter("RACC-3")).await.unwrap();
    back.register(&s).await;

    let export = async || {
        let mut rows = Vec::new();
        let n = stats::records(&s, &desk.key, RecordOptions::default(), |r| {
            rows.push(r);
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(n as usize, rows.len());
        rows
    };
    let first = export().await;
    assert_eq!(first.len(), 3);
    let revoked = first.iter().find(|r| r.revoked.is_some()).unwrap();
    let again = first.iter().find(|r| r.revoked.is_none() && r.birth_year == Some(1977)).unwrap();
    let solitary = first.iter().find(|r| r.birth_year == Some(1988)).unwrap();
    assert_eq!(revoked.pseudonym, again.pseudonym, "one person, one pseudonym within an export");
    assert_ne!(again.pseudonym, solitary.pseudonym);

    let second = export().await;
    let a: HashSet<_> = first.iter().map(|r| r.pseudonym.clone()).collect();
    let b: HashSet<_> = second.iter().map(|r| r.pseudonym.clone()).collect();
    assert_eq!(b.len(), 2);
    assert!(a.is_disjoint(&b), "two exports share no pseudonym");
    // Nor is a pseudonym the service's own keyed hash of the fiscal code.
    let tomb = hex::encode(citizen::tombstone_hash(&desk.key, &back.cf));
    assert!(a.iter().chain(&b).all(|p| !tomb.contains(p.as_str())));
}

#[tokio::test]
async fn statistics_are_for_auditors_and_admins_and_never_show_a_fiscal_code_by_the_database() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    citizen("PNCRZR", "Ermenegilda", "Pancrazi", "1961-04-01").register(&s).await;
    let auditor = db.unique("aud");
    db.add_operator(&auditor, &[sportello::domain::Role::Auditor], &["TO"], &[]).await;
    let clerk = db.unique("clerk");
    db.add_operator(&clerk, &[sportello::domain::Role::Desk], &["TO"], &[]).await;

    // The auditor alone (no desk role) runs both the counts and the record-level export.
    let out = db.cli(Some(&auditor), &["stats", "--format", "csv"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    let out = db.cli(Some(&auditor), &["stats", "--records", "--format", "csv"]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().count(), 2, "{stdout}");

    // A modified client with the desk login gets neither the counters nor the export.
    let desk = crate::harness::raw(&db, &clerk).await;
    for sql in [
        "SELECT count(*) FROM public.stats_counts",
        "SELECT count(*) FROM public.stats_rollup",
        "SELECT public.stats_compact()",
        "SELECT public.stats_records_count(NULL, NULL)",
        "SELECT count(*) FROM public.stats_records(NULL, NULL, '\\x00')",
    ] {
        let e = desk.simple_query(sql).await.unwrap_err();
        assert_eq!(e.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{sql}: {e}");
    }
    // The auditor's own login reads no fiscal code, and exports nothing unrecorded.
    let own = crate::harness::raw(&db, &auditor).await;
    let e = own.simple_query("SELECT fiscal_code FROM public.registrations").await.unwrap_err();
    assert_eq!(e.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{e}");
    let key = vec![7u8; 32];
    let e = own
        .query(
            "SELECT * FROM api.stats_records($1, $2, $3)",
            &[&Some(date("2020-01-01")), &None::<chrono::NaiveDate>, &key],
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{e}");
    assert!(e.as_db_error().unwrap().message().contains("audit log"), "{e}");
    // What it does get, after the recorded request: pseudonyms, never a fiscal code.
    let rows = own.query("SELECT * FROM api.stats_records(NULL, NULL, $1)", &[&key]).await.unwrap();
    assert_eq!(rows.len(), 1);
    let columns: Vec<&str> = rows[0].columns().iter().map(|c| c.name()).collect();
    assert!(!columns.iter().any(|c| c.contains("fiscal") || c.contains("name")), "{columns:?}");
    assert_eq!(rows[0].get::<_, Vec<u8>>(0).len(), 16);
    // The export key is the database's, drawn for each call: the caller cannot make the
    // pseudonym of a fiscal code of its choosing, and two calls share none.
    let again = own.query("SELECT * FROM api.stats_records(NULL, NULL, $1)", &[&key]).await.unwrap();
    assert_ne!(rows[0].get::<_, Vec<u8>>(0), again[0].get::<_, Vec<u8>>(0));
    let e = own.query("SELECT * FROM api.stats_records(NULL, NULL, NULL)", &[]).await.unwrap_err();
    assert_eq!(e.code(), Some(&tokio_postgres::error::SqlState::INVALID_PARAMETER_VALUE), "{e}");
}

/// The days from booking to completion leave the database as their median and 90th percentile
/// (sql/V44), computed there as the report always computed them: never as the histogram,
/// whose counts of 1 the small-cell rule would hide.
#[tokio::test]
async fn completion_days_leave_the_database_as_percentiles_only() {
    let db = TestDb::new().await;
    let owner = db.owner().await;
    let at = |days: &str, ns: &str, p: f64| {
        let sql = format!("SELECT public.sportello_days_percentile({days}::int[], {ns}::bigint[], {p})");
        let owner = &owner;
        async move { owner.query_one(&sql, &[]).await.unwrap().get::<_, Option<i32>>(0) }
    };
    // Days 0, 1, 1, 2, 10: median 1, p90 10, in any order; one day alone is every percentile.
    assert_eq!(at("'{0,1,2,10}'", "'{1,2,1,1}'", 0.5).await, Some(1));
    assert_eq!(at("'{10,2,1,0}'", "'{1,1,2,1}'", 0.9).await, Some(10));
    assert_eq!(at("'{4}'", "'{10}'", 0.9).await, Some(4));
    assert_eq!(at("'{}'", "'{}'", 0.5).await, None);
    // What an auditor's login reads: no histogram column.
    let auditor = db.unique("auditor");
    db.add_operator(&auditor, &[sportello::domain::Role::Auditor], &["TO"], &[]).await;
    let c = crate::harness::raw(&db, &auditor).await;
    let statement =
        c.prepare("SELECT * FROM api.stats_report('month', '{province}', NULL, NULL, 3, 'fine')").await.unwrap();
    let columns: Vec<&str> = statement.columns().iter().map(|c| c.name()).collect();
    assert!(columns.contains(&"median_days") && columns.contains(&"p90_days"), "{columns:?}");
    assert!(!columns.contains(&"days") && !columns.contains(&"ns"), "{columns:?}");
}
