//! What the binary prints (issue 12): a closed pipe, paging, one CSV/JSON schema, tables that
//! fit, times with their zone, formula-safe CSV everywhere, suggestions and fixed choices,
//! accent-insensitive search, and the shape of outgoing email.

use std::process::Stdio;

use sportello::desk::search::{self, Query};
use sportello::domain::{OperationKind, Sex};
use sportello::store::registrations::Key;

use crate::fixtures::Citizen;
use crate::harness::{SmtpServer, TestDb, text};

fn anna() -> Citizen {
    Citizen::new("DNGNNA", "Anna", "D'Angelo", "1980-04-12", Sex::F)
}

/// Five citizens in Turin (Rossi, Rossini, Russo, D'Angelo, Nicolò Ferrè).
async fn five(db: &TestDb) -> Vec<i64> {
    let s = db.admin().await;
    let mut numbers = Vec::new();
    for c in [
        Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M),
        Citizen::new("RSSMRA", "Maria", "Rossini", "1990-05-03", Sex::F),
        Citizen::new("RSSLCU", "Luca", "Russo", "1970-07-21", Sex::M),
        anna(),
        Citizen::new("FRRNCL", "Nicolò", "Ferrè", "2001-11-30", Sex::M),
    ] {
        numbers.push(c.register(&s).await);
    }
    numbers
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {:?}", text(out)))
}

fn csv_records(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

#[tokio::test]
async fn a_closed_pipe_ends_quietly() {
    let db = TestDb::new().await;
    five(&db).await;
    for args in [&["search", "--limit", "5000"][..], &["db", "status"], &["search", "--format", "csv"]] {
        // The reading end is closed before the program starts: its first write meets EPIPE.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let operator = if args[0] == "db" { None } else { Some("admin") };
        let out = db.command(operator, args).stdout(writer).stderr(Stdio::piped()).output().unwrap();
        let (_, stderr, code) = text(&out);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}

#[tokio::test]
async fn search_pages_and_tells_the_total() {
    let db = TestDb::new().await;
    five(&db).await;
    let out = db.cli(Some("admin"), &["search", "--limit", "2"]);
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("2 of 5 shown; next page: --page 2"), "{stderr}");

    let names = |out: &std::process::Output| -> Vec<String> {
        json(out)["rows"].as_array().unwrap().iter().map(|r| r["last_name"].as_str().unwrap().to_string()).collect()
    };
    let out = db.cli(Some("admin"), &["search", "--limit", "2", "--format", "json"]);
    let page = json(&out);
    assert_eq!(
        (page["total"].as_i64(), page["total_exact"].as_bool(), page["offset"].as_i64()),
        (Some(5), Some(true), Some(0))
    );
    assert_eq!(names(&out), ["D'Angelo", "Ferrè"], "by surname key");
    let out = db.cli(Some("admin"), &["search", "--limit", "2", "--page", "2", "--format", "json"]);
    assert_eq!(names(&out), ["Rossi", "Rossini"]);
    assert!(text(&out).1.contains("2 of 5 shown (results 3-4); next page: --page 3"), "{}", text(&out).1);
    let out = db.cli(Some("admin"), &["search", "--limit", "2", "--offset", "4", "--format", "json"]);
    assert_eq!(names(&out), ["Russo"]);
    assert_eq!(json(&out)["total"], 5);
    assert!(text(&out).1.contains("1 of 5 shown (results 5-5)") && !text(&out).1.contains("next"), "{}", text(&out).1);
    let out = db.cli(Some("admin"), &["search", "--offset", "10", "--format", "json"]);
    assert_eq!((json(&out)["total"].as_i64(), json(&out)["rows"].as_array().unwrap().len()), (Some(5), 0));

    // Bad pages are command-line errors.
    for args in [&["search", "--page", "0"][..], &["search", "--page", "2", "--offset", "3"]] {
        let (_, stderr, code) = text(&db.cli(Some("admin"), args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
    }
    let (_, stderr, code) = text(&db.cli(Some("admin"), &["search", "--offset", "-1"]));
    assert!(code == 2 || code == 3, "{code}: {stderr}");

    // A count stops at 10,000 and says so.
    db.owner()
        .await
        .execute(
            "INSERT INTO registrations (fiscal_code, community, state, first_name, last_name, res_province, res_municipality)
             SELECT 'ZZZ' || lpad(i::text, 13, '0'), 'sistemapiemonte', 'registrato', 'Zeno', 'Zanetti', 'TO', '001272'
             FROM generate_series(1, 10050) i",
            &[],
        )
        .await
        .unwrap();
    let out = db.cli(Some("admin"), &["search", "--last-name", "zan", "--limit", "3", "--format", "json"]);
    let page = json(&out);
    assert_eq!((page["total"].as_i64(), page["total_exact"].as_bool()), (Some(10_000), Some(false)), "{page}");
    assert!(text(&out).1.contains("3 of more than 10,000 shown"), "{}", text(&out).1);
}

#[tokio::test]
async fn csv_and_json_share_one_schema() {
    let db = TestDb::new().await;
    let numbers = five(&db).await;
    db.owner()
        .await
        .execute("UPDATE registrations SET strong = true WHERE registration_number = $1", &[&numbers[0]])
        .await
        .unwrap();
    let rows = json(&db.cli(Some("admin"), &["search", "--format", "json"]))["rows"].clone();
    let (csv_text, _, code) = text(&db.cli(Some("admin"), &["search", "--format", "csv"]));
    assert_eq!(code, 0);
    let records = csv_records(&csv_text);
    let first = rows[0].as_object().unwrap();
    // Same keys (serde_json sorts its keys: compare as sets, then value by value).
    let mut keys: Vec<String> = first.keys().cloned().collect();
    let mut header = records[0].clone();
    keys.sort();
    header.sort();
    assert_eq!(header, keys);
    for key in ["registration_number", "municipality", "municipality_code", "province", "strong", "actions"] {
        assert!(records[0].contains(&key.to_string()), "{key} in {:?}", records[0]);
    }
    assert!(!records[0].contains(&"number".to_string()));
    assert_eq!(records.len(), rows.as_array().unwrap().len() + 1);
    for (row, record) in rows.as_array().unwrap().iter().zip(&records[1..]) {
        for (key, cell) in records[0].iter().zip(record) {
            let expected = match &row[key] {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Array(items) => {
                    items.iter().map(|i| i.as_str().unwrap().to_string()).collect::<Vec<_>>().join(", ")
                }
                other => other.to_string(),
            };
            assert_eq!(cell, &expected, "{key} of {row}");
        }
    }
    let rossi = rows.as_array().unwrap().iter().find(|r| r["last_name"] == "Rossi").unwrap();
    assert_eq!((rossi["municipality"].as_str(), rossi["municipality_code"].as_str()), (Some("Torino"), Some("001272")));
    assert_eq!(rossi["strong"], true);
    assert!(csv_text.contains(",Torino,001272,TO,") && csv_text.contains(",true,") && csv_text.contains(",false,"));

    // show: the CSV lists the JSON's fields, dotted, with the same values.
    let n = numbers[0].to_string();
    let detail = json(&db.cli(Some("admin"), &["show", "--number", &n, "--format", "json"]));
    assert_eq!(detail["residence"]["municipality"], "Torino");
    assert_eq!(detail["residence"]["municipality_code"], "001272");
    let (csv_text, _, _) = text(&db.cli(Some("admin"), &["show", "--number", &n, "--format", "csv"]));
    let pairs = csv_records(&csv_text);
    assert_eq!(pairs[0], ["field", "value"]);
    let get = |k: &str| pairs.iter().find(|p| p[0] == k).map(|p| p[1].clone());
    assert_eq!(get("registration_number"), Some(n.clone()));
    assert_eq!(get("residence.municipality").as_deref(), Some("Torino"));
    assert_eq!(get("residence.municipality_code").as_deref(), Some("001272"));
    assert_eq!(get("strong").as_deref(), Some("true"));
    assert_eq!(get("pin_possessed").as_deref(), Some("false"));
    assert_eq!(get("registered_at").as_deref(), detail["registered_at"].as_str());
}

#[tokio::test]
async fn tables_fit_the_terminal_and_times_carry_their_zone() {
    let db = TestDb::new().await;
    let numbers = five(&db).await;
    for args in [&["search"][..], &["audit"], &["show", "--number", &numbers[0].to_string()]] {
        let out = db.command(Some("admin"), args).env("COLUMNS", "80").output().unwrap();
        let (stdout, stderr, code) = text(&out);
        assert_eq!(code, 0, "{stderr}");
        for line in stdout.lines() {
            assert!(line.chars().count() <= 80, "{args:?}: {} wide: {line}\n{stdout}", line.chars().count());
        }
    }
    // Audit details read as "key: value", not as raw JSON.
    db.cli(Some("admin"), &["search", "--last-name", "rossi"]);
    let out = db.command(Some("admin"), &["audit", "--action", "search"]).env("COLUMNS", "200").output().unwrap();
    let (stdout, _, _) = text(&out);
    assert!(stdout.contains("filters.last_name: ") && !stdout.contains("{\"filters\""), "{stdout}");

    // Local time with its zone in tables; RFC 3339 with an offset in JSON.
    let (stdout, _, _) = text(&db.cli(Some("admin"), &["show", "--number", &numbers[0].to_string()]));
    assert!(stdout.contains(" CET") || stdout.contains(" CEST"), "{stdout}");
    let detail = json(&db.cli(Some("admin"), &["show", "--number", &numbers[0].to_string(), "--format", "json"]));
    let at = detail["registered_at"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok(), "{at}");
    let records = json(&db.cli(Some("admin"), &["audit", "--format", "json"]));
    assert!(chrono::DateTime::parse_from_rfc3339(records[0]["at"].as_str().unwrap()).is_ok());

    // Letter file names say their zone (UTC, Z).
    let out = db.cli(Some("admin"), &["book", "--number", &numbers[0].to_string(), "--operation", "verification"]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    let pdf = stdout.split_whitespace().find(|w| w.ends_with(".pdf")).expect(&stdout);
    let name = std::path::Path::new(pdf).file_name().unwrap().to_string_lossy().into_owned();
    let stamp = name.split('-').next().unwrap();
    assert!(
        stamp.ends_with('Z')
            && chrono::NaiveDateTime::parse_from_str(&stamp[..stamp.len() - 1], "%Y%m%dT%H%M%S%.3f").is_ok(),
        "{name}"
    );
}

/// Every cell starting with a formula character, in the given CSV text, carries the quote.
fn assert_neutralised(csv_text: &str, dangerous: &[&str]) {
    let cells: Vec<String> = csv_records(csv_text).into_iter().flatten().collect();
    for d in dangerous {
        assert!(cells.iter().any(|c| c == &format!("'{d}")), "{d} not neutralised in:\n{csv_text}");
    }
    for c in &cells {
        assert!(!c.starts_with(['=', '+', '-', '@', '\t', '\r']), "formula cell {c:?} in:\n{csv_text}");
    }
}

const FORMULA: &str = "=HYPERLINK(\"http://evil.example/\",\"x\")";

#[tokio::test]
async fn search_show_audit_and_runs_csv_neutralise_formulas() {
    let db = TestDb::new().await;
    let numbers = five(&db).await;
    let owner = db.owner().await;
    owner
        .execute(
            "UPDATE registrations SET last_name = $2, first_name = '+39 333', res_address = '@SUM(A1)', other_notes = '-2+3'
             WHERE registration_number = $1",
            &[&numbers[0], &FORMULA],
        )
        .await
        .unwrap();
    let (stdout, _, code) = text(&db.cli(Some("admin"), &["search", "--format", "csv"]));
    assert_eq!(code, 0);
    assert_neutralised(&stdout, &[FORMULA, "+39 333"]);
    let (stdout, _, _) =
        text(&db.cli(Some("admin"), &["show", "--number", &numbers[0].to_string(), "--format", "csv"]));
    assert_neutralised(&stdout, &[FORMULA, "+39 333", "@SUM(A1)", "-2+3"]);
    // JSON keeps the value as it is.
    let detail = json(&db.cli(Some("admin"), &["show", "--number", &numbers[0].to_string(), "--format", "json"]));
    assert_eq!(detail["last_name"], FORMULA);

    // A registry file whose name a spreadsheet would run: the audit log and the runs name it.
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/cia.csv"), db.files.path().join("@evil.csv")).unwrap();
    let out = db.command(Some("admin"), &["import-cia", "@evil.csv"]).current_dir(db.files.path()).output().unwrap();
    assert_eq!(text(&out).2, 0, "{:?}", text(&out));
    let (stdout, _, _) = text(&db.cli(Some("admin"), &["audit", "--action", "import-cia", "--format", "csv"]));
    assert_neutralised(&stdout, &["@evil.csv"]);
    let (stdout, _, _) = text(&db.cli(Some("admin"), &["runs", "--format", "csv"]));
    assert_neutralised(&stdout, &["@evil.csv"]);
}

#[tokio::test]
async fn rejects_manifests_and_revocation_reports_neutralise_formulas() {
    let db = TestDb::new().await;
    // Import rejects: the refused values are written back.
    let cia = db.files.path().join("cia-bad.csv");
    std::fs::write(
        &cia,
        "fiscal_code;first_name;last_name;birth_date;sex;address;street_number;postcode;municipality;doc_type;doc_number;doc_issued;doc_issuer\n\
         =1+1;Mario;Rossi;1985-12-10;M;Via Roma;1;10121;001272;identity-card;CA12345AA;2022-03-01;Comune di Torino\n\
         RSSMRA85T10L219G;Mario;Rossi;1985-12-10;M;Via Roma;1;10121;001272;@bad;CA12345AA;2022-03-01;Comune di Torino\n",
    )
    .unwrap();
    let rejects = db.files.path().join("rejects.csv");
    let out = db.cli(Some("admin"), &["import-cia", cia.to_str().unwrap(), "--rejects", rejects.to_str().unwrap()]);
    assert_eq!(text(&out).2, 8, "{:?}", text(&out));
    assert_neutralised(&std::fs::read_to_string(&rejects).unwrap(), &["=1+1", "@bad"]);

    // Revocation report.
    let letters = db.files.path().join("letters.csv");
    std::fs::write(
        &letters,
        "fiscal_code;first_name;last_name;doc_number;doc_issued;protocol;protocol_date\n\
         -2+3;Mario;Rossi;CA12345AA;01/03/2022;CSI-2026-004511;2026-11-20\n",
    )
    .unwrap();
    let report = db.files.path().join("report.csv");
    let out = db
        .cli(Some("admin"), &["revoke", "--letters", letters.to_str().unwrap(), "--report", report.to_str().unwrap()]);
    assert_eq!(text(&out).2, 8, "{:?}", text(&out));
    assert_neutralised(&std::fs::read_to_string(&report).unwrap(), &["-2+3"]);

    // Postal manifest: the recipient's name.
    let owner = db.owner().await;
    owner
        .execute(
            "INSERT INTO registrations (fiscal_code, community, state, first_name, last_name, res_address, res_street_number,
                 res_postcode, res_province, res_municipality)
             VALUES ('PST0000000000001', 'sistemapiemonte', 'attivato', '@Anna', $1, 'Via Po', '1', '10122', 'TO', '001272')",
            &[&FORMULA],
        )
        .await
        .unwrap();
    owner
        .batch_execute("INSERT INTO pin_letter_queue (registration_number, res_province) SELECT registration_number, res_province FROM registrations")
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = db.cli(Some("admin"), &["print-letters", "--postal-run", "--out", dir.path().to_str().unwrap()]);
    assert_eq!(text(&out).2, 0, "{:?}", text(&out));
    let manifest = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "csv"))
        .expect("a manifest");
    let manifest = std::fs::read_to_string(manifest).unwrap();
    assert!(manifest.contains("'@ANNA"), "{manifest}");
    assert_neutralised(&manifest, &[]);
}

#[tokio::test]
async fn typos_get_suggestions_and_fixed_choices_their_list() {
    let db = TestDb::new().await;
    let out = db.cli(Some("admin"), &["search", "--municipality", "Torno"]);
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("unknown municipality 'Torno': did you mean Torino (TO)"), "{stderr}");
    let (_, stderr, _) = text(&db.cli(Some("admin"), &["search", "--province", "Cuneoo"]));
    assert!(stderr.contains("did you mean Cuneo (CN)?"), "{stderr}");
    let (_, stderr, _) = text(&db.cli(Some("admin"), &["search", "--province", "TO", "--municipality", "Moncaleri"]));
    assert!(stderr.contains("in province TO: did you mean Moncalieri (TO)?"), "{stderr}");
    let (_, stderr, _) = text(&db.cli(Some("admin"), &["search", "--municipality", "Qwxyzzk"]));
    assert!(stderr.contains("unknown municipality 'Qwxyzzk'") && !stderr.contains("did you mean"), "{stderr}");
    let client = db.db.client().await.unwrap();
    let err = sportello::store::reference::resolve_country(&client, "Frnacia").await.unwrap_err().to_string();
    assert!(err.contains("did you mean") && err.contains("FRANCIA") || err.contains("Francia"), "{err}");

    // The reference lists.
    let (stdout, _, code) =
        text(&db.cli(None, &["reference", "municipalities", "--province", "Torino", "--format", "csv"]));
    assert_eq!(code, 0);
    let records = csv_records(&stdout);
    assert_eq!(records[0], ["name", "province", "istat_code", "cadastral_code", "postcodes"]);
    assert!(records.iter().any(|r| r[..4] == ["Torino", "TO", "001272", "L219"]), "{stdout}");
    assert!(records[1..].iter().all(|r| r[1] == "TO"));
    let (stdout, _, _) = text(&db.cli(None, &["reference", "provinces"]));
    assert!(stdout.contains("Verbano-Cusio-Ossola"), "{stdout}");
    let countries = json(&db.cli(None, &["reference", "countries", "--format", "json"]));
    assert!(countries.as_array().unwrap().iter().any(|c| c["code"] == "Z110"), "{countries}");
    // As Italian writes them (sql/V52), not as the source package capitalised them.
    let name = |code: &str| countries.as_array().unwrap().iter().find(|c| c["code"] == code).map(|c| c["name"].clone());
    assert_eq!(name("Z404"), Some("Stati Uniti d'America".into()));
    assert_eq!(name("Z106"), Some("Stato della Città del Vaticano".into()));
    assert_eq!(name("Z611"), Some("Perù".into()));

    // Fixed choices: a typo is a command-line error that lists the valid values.
    for (args, valid) in
        [(&["audit", "--action", "serch"][..], "search"), (&["runs", "--kind", "postal"], "postal-run")]
    {
        let (stdout, stderr, code) = text(&db.cli(Some("admin"), args));
        assert_eq!(code, 2, "{args:?}: {stdout}{stderr}");
        assert!(stderr.contains("possible values") && stderr.contains(valid), "{stderr}");
    }
    // A failure is found under `command`, with the command's name.
    assert_eq!(text(&db.cli(Some("admin"), &["operator", "show", "nobody"])).2, 4);
    let records = json(&db.cli(Some("admin"), &["audit", "--action", "command", "--format", "json"]));
    assert!(
        records.as_array().unwrap().iter().any(|r| r["command"] == "operator show" && r["outcome"] == "not-found"),
        "{records}"
    );
}

#[tokio::test]
async fn names_match_without_accents_apostrophes_or_spaces() {
    let db = TestDb::new().await;
    five(&db).await;
    let s = db.admin().await;
    async fn names(s: &sportello::session::Session, q: Query) -> Vec<String> {
        search::search(s, Query { limit: 50, ..q }).await.unwrap().into_iter().map(|r| r.last_name.unwrap()).collect()
    }
    let last = |v: &str| Query { last_name: Some(v.into()), ..Query::default() };
    let first = |v: &str| Query { first_name: Some(v.into()), ..Query::default() };
    assert_eq!(names(&s, last("dangelo")).await, ["D'Angelo"]);
    assert_eq!(names(&s, last("d'ang")).await, ["D'Angelo"]);
    assert_eq!(names(&s, last("D ANGELO")).await, ["D'Angelo"]);
    assert_eq!(names(&s, last("ferre")).await, ["Ferrè"]);
    assert_eq!(names(&s, last("FERRÉ")).await, ["Ferrè"]);
    assert_eq!(names(&s, first("nicolo")).await, ["Ferrè"]);
    assert_eq!(names(&s, last("*angel*")).await, ["D'Angelo"]);
    assert_eq!(names(&s, last("*ERR*")).await, ["Ferrè"]);
    assert_eq!(names(&s, last("ross")).await, ["Rossi", "Rossini"]);
    assert!(names(&s, last("dangeli")).await.is_empty());
    // Through the binary, and the index keeps up with an edit.
    let (stdout, _, code) = text(&db.cli(Some("admin"), &["search", "--first-name", "NICOLO", "--format", "csv"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("Nicolò"), "{stdout}");
    db.owner()
        .await
        .execute("UPDATE registrations SET last_name = 'Dell''Ùva' WHERE last_name = 'Russo'", &[])
        .await
        .unwrap();
    assert_eq!(names(&s, last("delluva")).await, ["Dell'Ùva"]);
}

#[tokio::test]
async fn the_sql_search_key_is_the_rust_one() {
    let db = TestDb::new().await;
    let owner = db.owner().await;
    let mut samples: Vec<String> = sportello::search_key::FROM.chars().map(String::from).collect();
    samples.extend(
        [
            "Nicolò",
            "D'Angelo",
            "d’angelo",
            "De Luca-Ferrè",
            "Ștefănescu Łukasz",
            "Straße",
            "Ærø",
            "Ñuñez",
            "İzmir",
            "ıi",
            "Ǆ",
            "ΣΊΣΥΦΟΣ",
            "жена",
            "a_b%c*d\\e",
            "  spaced  out  ",
            "",
            "123",
            "Ⅻ",
            "ﬁ",
            "Ｆｕｌｌ",
        ]
        .map(String::from),
    );
    // Every Latin letter of the first Unicode blocks, lower and upper.
    samples.extend(('\u{20}'..='\u{24F}').map(|c| format!("x{c}y")));
    for sample in &samples {
        let sql: String = owner.query_one("SELECT search_key($1)", &[sample]).await.unwrap().get(0);
        assert_eq!(sql, sportello::search_key::search_key(sample), "{sample:?}");
    }
    // The stored columns are the same function.
    let s = db.admin().await;
    let n = anna().register(&s).await;
    let keys: (String, String) = {
        let r = owner
            .query_one("SELECT last_name_key, first_name_key FROM registrations WHERE registration_number = $1", &[&n])
            .await
            .unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!(keys, ("DANGELO".to_string(), "ANNA".to_string()));
}

#[tokio::test]
async fn emails_have_an_id_a_mime_version_and_an_html_twin() {
    let smtp = SmtpServer::start();
    let mut db = TestDb::new().await;
    db.smtp_url = Some(smtp.url.clone());
    let s = db.admin().await;
    let number = anna().register(&s).await;
    let booked = sportello::desk::book::book(
        &s,
        &db.desk(),
        sportello::desk::book::Request {
            key: Key::Number(number),
            operation: OperationKind::Verification,
            delegate: None,
            print_code: false,
        },
    )
    .await
    .unwrap();
    assert!(matches!(booked.code, sportello::desk::handover::Delivery::Emailed { .. }), "{:?}", booked.code);
    let received = smtp.received();
    assert_eq!(received.len(), 2, "the booking's notice and its code");
    let raw = received.iter().find(|m| m.contains("il Suo codice di attivazione")).unwrap();
    let parsed = mail_parser::MessageParser::default().parse(raw.as_bytes()).unwrap();
    let id = parsed.message_id().expect("a Message-ID");
    assert!(id.ends_with("@sistemapiemonte.it") && id.len() > 40, "{id}");
    assert!(raw.contains("MIME-Version: 1.0"), "{raw}");
    assert!(raw.contains("Content-Type: multipart/alternative"), "{raw}");
    let plain = parsed.body_text(0).unwrap();
    let html = parsed.body_html(0).unwrap();
    assert!(plain.contains("Gentile Anna D'Angelo"), "{plain}");
    assert!(html.contains("Gentile Anna D&#39;Angelo") && !html.contains("D'Angelo"), "{html}");
    let code = crate::desk::code_in(&plain);
    assert!(html.contains(&code), "the code in both parts: {html}");
}

/// Tables at 80, 120 and 160 columns (COLUMNS): no line wider; every fiscal code, registration
/// number and date whole, never split or ellipsised; what was dropped said on standard error.
/// `--wide` and a pipe (no COLUMNS, not a terminal) print every column whole, the same table;
/// `--no-headers` prints the rows alone (tables and CSV).
#[tokio::test]
async fn tables_keep_codes_dates_and_numbers_whole_at_80_120_160_columns() {
    let db = TestDb::new().await;
    five(&db).await;
    let rows = json(&db.cli(Some("admin"), &["search", "--format", "json"]));
    let rows = rows["rows"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 5);
    let search = |columns: Option<usize>, extra: &[&str]| {
        let mut args = vec!["search"];
        args.extend(extra);
        let mut cmd = db.command(Some("admin"), &args);
        match columns {
            Some(c) => cmd.env("COLUMNS", c.to_string()),
            None => cmd.env_remove("COLUMNS"),
        };
        let out = cmd.output().unwrap();
        let (stdout, stderr, code) = text(&out);
        assert_eq!(code, 0, "{stderr}");
        (stdout, stderr)
    };
    let (piped, _) = search(None, &[]);
    let widest = piped.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(widest > 160, "the full table is wider than every width tried: {widest}\n{piped}");
    for width in [80, 120, 160] {
        let (table, stderr) = search(Some(width), &[]);
        for line in table.lines() {
            assert!(line.chars().count() <= width, "{width}: {} wide: {line}\n{table}", line.chars().count());
        }
        for r in &rows {
            for key in ["fiscal_code", "registration_date"] {
                let value = r[key].as_str().unwrap();
                assert!(table.contains(&format!(" {value} ")), "{width}: {key} {value} split or cut:\n{table}");
            }
            let number = r["registration_number"].to_string();
            assert!(table.contains(&format!(" {number} ")), "{width}: {number}:\n{table}");
        }
        assert!(!stderr.contains("panicked"), "{stderr}");
        if width == 80 {
            assert!(stderr.contains("not shown to fit the terminal") && stderr.contains("--wide"), "{stderr}");
            assert!(table.contains('…'), "text ellipsised: {table}");
        }
        let (wide, _) = search(Some(width), &["--wide"]);
        assert_eq!(wide, piped, "--wide prints what a pipe gets");
    }
    let (bare, _) = search(Some(120), &["--no-headers"]);
    assert_eq!(bare.lines().count(), 5, "{bare}");
    assert!(!bare.contains("fiscal_code") && !bare.contains("---"), "{bare}");
    let (csv, _) = search(None, &["--no-headers", "--format", "csv"]);
    assert_eq!(csv.lines().count(), 5, "{csv}");
    assert!(!csv.contains("fiscal_code"), "{csv}");
}
