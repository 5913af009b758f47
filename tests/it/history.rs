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

fn sample(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(name)
}

fn json_of(out: &std::process::Output) -> serde_json::Value {
    let (stdout, stderr, status) = text(out);
    assert_eq!(status, 0, "{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

/// A pre-loaded registration's history starts with its pre-load (the run that made it), and
/// lists the PIN letter the postal run printed for it with its run and batch (sql/V34): found in
/// the audit rows of the pre-load and of each batch, which name no citizen as their target.
/// Each record shows its own batch, and nothing of the other citizens printed with it.
#[tokio::test]
async fn a_preloaded_record_shows_its_preload_and_the_postal_letter_printed_for_it() {
    let db = TestDb::new().await;
    let owner = db.owner().await;
    // Mario registered at the desk first: not pre-loaded, never queued for a postal letter.
    let s = db.admin().await;
    let mario_number = mario().register(&s).await;
    let out = db.cli(Some("admin"), &["import-cia", sample("cia.csv").to_str().unwrap(), "--preload", "001272"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    let dir = tempfile::tempdir().unwrap();
    let out = db.cli(
        Some("admin"),
        &["print-letters", "--postal-run", "--batch-size", "2", "--out", dir.path().to_str().unwrap()],
    );
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    let run = "SELECT id FROM batch_runs WHERE kind = $1";
    let import_run: i64 = owner.query_one(run, &[&"import-cia"]).await.unwrap().get(0);
    let postal_run: i64 = owner.query_one(run, &[&"postal-run"]).await.unwrap().get(0);

    // The batches as the postal run wrote them: each manifest lists its registrations.
    let mut manifests: Vec<std::path::PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv") && !p.to_string_lossy().contains("codes"))
        .collect();
    manifests.sort();
    assert_eq!(manifests.len(), 2, "three pre-loaded, two to a batch: {manifests:?}");
    let mut seen_batches = std::collections::BTreeSet::new();
    let mut printed = 0;
    for manifest in &manifests {
        let numbers: Vec<String> =
            csv::Reader::from_path(manifest).unwrap().records().map(|r| r.unwrap()[1].to_string()).collect();
        let mut batches = std::collections::BTreeSet::new();
        for number in &numbers {
            let events = json_of(&db.cli(Some("admin"), &["history", "--number", number, "--format", "json"]));
            let events = events.as_array().unwrap();
            assert_eq!(events[0]["event"], "preload", "the pre-load first: {events:?}");
            assert_eq!(events[0]["details"]["run"], import_run, "{events:?}");
            assert_eq!(events[0]["operator_id"], "admin", "{events:?}");
            let letters: Vec<&serde_json::Value> = events.iter().filter(|e| e["event"] == "postal-batch").collect();
            assert_eq!(letters.len(), 1, "one letter printed for it: {events:?}");
            assert_eq!(letters[0]["details"]["run"], postal_run);
            assert!(letters[0]["details"].get("registrations").is_none(), "no other citizen named: {events:?}");
            assert!(letters[0]["details"]["activation_opened"].is_boolean(), "{events:?}");
            batches.insert(letters[0]["details"]["batch"].as_i64().unwrap());
            printed += 1;
        }
        assert_eq!(batches.len(), 1, "the registrations of one file, one batch: {batches:?}");
        seen_batches.extend(batches);
    }
    assert_eq!(printed, 3);
    assert_eq!(seen_batches.into_iter().collect::<Vec<_>>(), [1, 2], "each record its own batch");

    // Mario's history has neither: registered at the desk, no letter printed by the run.
    let events =
        json_of(&db.cli(Some("admin"), &["history", "--number", &mario_number.to_string(), "--format", "json"]));
    let kinds: Vec<&str> = events.as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(kinds.first(), Some(&"register"), "{kinds:?}");
    assert!(!kinds.contains(&"preload") && !kinds.contains(&"postal-batch"), "{kinds:?}");

    // As tables, in both languages, with the run and the batch.
    let giulia = "BNCGLI92D58L219Y";
    let mut cmd = db.command(Some("admin"), &["history", "--cf", giulia]);
    let (table, stderr, status) = text(&english(&mut cmd).env("LANG", "it_IT.UTF-8").output().unwrap());
    assert_eq!(status, 0, "{stderr}");
    for words in [
        format!("registrazione: pre-caricata dall'anagrafe (elaborazione {import_run})"),
        format!("lettera PIN stampata dall'invio postale (elaborazione {postal_run}, lotto"),
    ] {
        assert!(table.contains(&words), "{words} not in {table}");
    }
    let (table, stderr, status) =
        text(&english(&mut db.command(Some("admin"), &["history", "--cf", giulia])).output().unwrap());
    assert_eq!(status, 0, "{stderr}");
    for words in [
        format!("registered: pre-loaded from the registry (run {import_run})"),
        format!("PIN letter printed by the postal run (run {postal_run}, batch"),
    ] {
        assert!(table.contains(&words), "{words} not in {table}");
    }
}

/// After a revocation the record is gone: `history` says so (exit 4) and says where what
/// remains is, the audit log by fiscal code, in both languages; that pointer works.
#[tokio::test]
async fn the_history_of_an_erased_record_points_to_the_audit_log() {
    let db = TestDb::new().await;
    let out = db.cli(Some("admin"), &["import-cia", sample("cia.csv").to_str().unwrap(), "--preload", "001272"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    let mario_cf = "RSSMRA85T10L219G";
    let owner = db.owner().await;
    let number: i64 = owner
        .query_one("SELECT registration_number FROM registrations WHERE fiscal_code = $1", &[&mario_cf])
        .await
        .unwrap()
        .get(0);
    // The registry reports Mario's death: his record is revoked and erased.
    let out = db.cli(Some("admin"), &["import-cia", sample("cia-deaths.csv").to_str().unwrap()]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);

    let history = |args: &[&str], lang: &str| {
        let mut cmd = db.command(Some("admin"), args);
        let (_, stderr, status) = text(&english(&mut cmd).env("LANG", lang).output().unwrap());
        assert_eq!(status, exit::NOT_FOUND, "{stderr}");
        stderr
    };
    let by_cf = ["history", "--cf", mario_cf];
    let by_number = ["history", "--number", &number.to_string()];
    let pointer = format!("`sportello audit --target {mario_cf}`");
    let en = history(&by_cf, "C");
    assert!(en.contains(&format!("no registration with fiscal code {mario_cf}")) && en.contains(&pointer), "{en}");
    let it = history(&by_cf, "it_IT.UTF-8");
    assert!(it.contains("nessuna registrazione") && it.contains("registro di audit") && it.contains(&pointer), "{it}");
    let en = history(&by_number, "C");
    assert!(en.contains(&number.to_string()) && en.contains("`sportello audit --target FISCAL_CODE`"), "{en}");
    let it = history(&by_number, "it_IT.UTF-8");
    assert!(it.contains("`sportello audit --target CODICE_FISCALE`"), "{it}");

    // What the message points to is there: the revocation for the death, by fiscal code.
    let out = db.cli(Some("admin"), &["audit", "--target", mario_cf, "--format", "json"]);
    let rows = json_of(&out);
    let actions: Vec<&str> = rows.as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"revoke-death"), "{actions:?}");
}

/// Every moment in a table whole: a date (`2026-12-02`) is followed by its time (`10:40`, or
/// `10:40:05`) and zone (CET or CEST), never cut.
pub(crate) fn moments_whole(table: &str) -> bool {
    let b = table.as_bytes();
    let digits = |at: usize, n: usize| (at..at + n).all(|i| b.get(i).is_some_and(|c| c.is_ascii_digit()));
    let sep = |at: usize, c: u8| b.get(at) == Some(&c);
    (0..b.len()).filter(|&i| digits(i, 4) && sep(i + 4, b'-') && (i == 0 || b[i - 1] == b' ')).all(|i| {
        let date = digits(i + 5, 2) && sep(i + 7, b'-') && digits(i + 8, 2) && sep(i + 10, b' ');
        let time = digits(i + 11, 2) && sep(i + 13, b':') && digits(i + 14, 2);
        let end = if sep(i + 16, b':') && digits(i + 17, 2) { i + 19 } else { i + 16 };
        date && time && (table[end..].starts_with(" CET") || table[end..].starts_with(" CEST"))
    })
}

/// The history at 80, 120 and 160 columns, in both languages: no line wider; the columns a
/// clerk needs first (when, event, outcome, operation) kept longest, the delegate, operator and
/// ente dropped first, as the note on standard error says; a moment never cut (the closing of
/// an operation has its own column). `--wide` shows every column.
#[tokio::test]
async fn the_history_table_keeps_when_event_and_outcome_and_never_cuts_a_moment() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let m = mario();
    let number = m.register(&s).await;
    let guardian = sportello::domain::Delegate {
        kind: sportello::domain::DelegateKind::Guardianship,
        first_name: "Anna".into(),
        last_name: "Neri".into(),
        fiscal_code: crate::fixtures::cf("NRENNA", crate::fixtures::date("1980-01-01"), 'F', "L219"),
        doc_type: sportello::domain::DocType::IdentityCard,
        doc_number: "CA11111AA".into(),
        doc_issued: crate::fixtures::date("2024-01-10"),
        doc_issuer: "Comune di Torino".into(),
        email: None,
        phone: None,
    };
    let b = sportello::desk::book::book(
        &s,
        &desk,
        sportello::desk::book::Request {
            key: Key::Number(number),
            operation: OperationKind::Verification,
            delegate: Some(guardian),
            print_code: false,
        },
    )
    .await
    .unwrap();
    let (pin, code) = (pin_in(&b.letters), code_of(&db, &b));
    portal::activate(&db.db, &desk, activation(&m.cf, &code, &pin)).await.unwrap();
    book(&s, &desk, number, OperationKind::Pin).await.unwrap();

    let table = |width: Option<usize>, lang: &str, extra: &[&str]| {
        let mut args = vec!["history", "--number"];
        let n = number.to_string();
        args.push(&n);
        args.extend(extra);
        let mut cmd = db.command(Some("admin"), &args);
        english(&mut cmd).env("LANG", lang);
        match width {
            Some(w) => cmd.env("COLUMNS", w.to_string()),
            None => cmd.env_remove("COLUMNS"),
        };
        let (stdout, stderr, status) = text(&cmd.output().unwrap());
        assert_eq!(status, 0, "{stderr}");
        (stdout, stderr)
    };
    let events = history::history(&s, &Key::Number(number)).await.unwrap();
    for (lang, least_needed) in [
        ("C", ["delegate", "operator", "ente", "closed", "operation"]),
        ("it_IT.UTF-8", ["delegato", "operatore", "ente", "chiusa", "operazione"]),
    ] {
        let (widest, _) = table(None, lang, &[]);
        for width in [80, 120, 160] {
            let (t, note) = table(Some(width), lang, &[]);
            for line in t.lines() {
                assert!(line.chars().count() <= width, "{width}: {line}\n{t}");
            }
            assert!(moments_whole(&t), "{width} {lang}: a moment cut\n{t}");
            let moments = t.matches(" CET").count() + t.matches(" CEST").count();
            assert_eq!(moments, events.len() + 1, "{width} {lang}: every when and the closing, whole\n{t}");
            // What was left out, from the note: the least needed first, never more.
            let dropped: Vec<&str> = note
                .lines()
                .find_map(|l| l.split_once(": ").map(|(_, rest)| rest.split(" (--wide").next().unwrap()))
                .map(|list| list.split(", ").collect())
                .unwrap_or_default();
            assert_eq!(dropped, least_needed[..dropped.len()], "{width} {lang}: {note}\n{t}");
            let header = t.lines().next().unwrap();
            for needed in if lang == "C" { ["when", "event", "outcome"] } else { ["quando", "evento", "esito"] } {
                assert!(header.contains(needed), "{width} {lang}: {needed} dropped\n{t}");
            }
            match width {
                80 => assert!(dropped.len() >= 3, "80 columns cannot hold them all: {note}\n{t}"),
                160 if lang == "C" => assert!(dropped.is_empty(), "{note}\n{t}"),
                _ => {}
            }
            let (wide, _) = table(Some(width), lang, &["--wide"]);
            assert_eq!(wide, widest, "--wide prints every column whole");
        }
    }
}
