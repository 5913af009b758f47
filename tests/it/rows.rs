//! Issue 11 items 4-7: no bad row stops a batch; import line numbers, widths, dry run and
//! rejects report; the helpdesk mailbox's replies, audit, files and dates; registered letters.
//! Every input here is small and hostile, written for the test.

use std::path::{Path, PathBuf};

use sportello::batch::Quiet;
use sportello::batch::registry_import::{self, Options};
use sportello::desk::book;
use sportello::domain::{OperationKind, Sex};
use sportello::store::registrations::Key;
use sportello::store::registry::Source;

use crate::fixtures::{Citizen, cf, date};
use crate::harness::{TestDb, text};

const HEADER: &str = "fiscal_code;first_name;last_name;birth_date;sex;address;street_number;postcode;municipality;doc_type;doc_number;doc_issued;doc_issuer";

/// A valid registry row of a man born in Turin on `birth`, living in Turin.
fn row(letters: &str, birth: &str, first: &str, last: &str, address: &str) -> String {
    let code = cf(letters, date(birth), 'M', "L219");
    format!(
        "{code};{first};{last};{birth};M;{address};1;10121;001272;identity-card;CA1234567;2020-01-01;Comune di Torino"
    )
}

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

async fn runs(db: &TestDb) -> Vec<(String, String)> {
    db.owner()
        .await
        .query("SELECT kind, state FROM batch_runs ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

/// The rejects report (`--rejects -`) of a CLI run: (line, field, value, reason).
fn report(stdout: &str) -> Vec<(u64, String, String, String)> {
    let mut rdr = csv::Reader::from_reader(stdout.as_bytes());
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].parse().unwrap(), r[1].to_string(), r[2].to_string(), r[3].to_string())
        })
        .collect()
}

// ---- Item 4: no bad row stops a batch ----

#[tokio::test]
async fn an_import_rejects_nul_bytes_huge_and_control_values_and_loads_the_rest() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let huge = "Z".repeat(100_000);
    let lines = [
        HEADER.to_string(),
        row("AAAAAA", "1980-01-01", "Anna", "Rossi", "Via Po"),
        row("BBBBBB", "1981-02-02", "Ma\0rio", "Bianchi", "Via Po"),
        row("CCCCCC", "1982-03-03", "Carlo", &huge, "Via Po"),
        row("DDDDDD", "1983-04-04", "Dario", "Verdi", "Via \x1b[2JPo"),
        row("EEEEEE", "1984-05-05", "Elio", "Neri", "Via Po"),
    ];
    let file = write(dir.path(), "hostile.csv", lines.join("\n") + "\n");
    // With a pre-load, the rows go on into the registrations, whose indexes hold names.
    let out = db.cli(Some("admin"), &["import-cia", file.to_str().unwrap(), "--preload", "001272", "--rejects", "-"]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 8, "done, with rejects: {stderr}");
    assert!(stderr.contains("5 rows: 2 new, 0 changed, 0 unchanged, 3 rejected, 2 pre-loaded"), "{stderr}");
    let rejects = report(&stdout);
    let got: Vec<(u64, &str)> = rejects.iter().map(|r| (r.0, r.1.as_str())).collect();
    assert_eq!(got, [(3, "first_name"), (4, "last_name"), (5, "address")], "{stdout}");
    assert!(rejects[0].3.contains("control") && rejects[0].2 == "Ma\\u{0}rio", "{:?}", rejects[0]);
    assert!(rejects[1].3.contains("too long: 100000 characters"), "{:?}", rejects[1]);
    assert!(rejects[1].2.chars().count() < 100, "the report does not repeat 100 kB");
    assert!(rejects[2].3.contains("U+001B"), "{:?}", rejects[2]);
    assert_eq!(runs(&db).await, [("import-cia".to_string(), "done".to_string())]);
    let n: i64 = db.owner().await.query_one("SELECT count(*) FROM registrations", &[]).await.unwrap().get(0);
    assert_eq!(n, 2);
}

#[tokio::test]
async fn a_row_the_server_refuses_is_rejected_alone_and_the_chunk_goes_in() {
    let db = TestDb::new().await;
    let owner = db.owner().await;
    // A rule only the server knows: its refusal is a server error on one row of a chunk.
    owner
        .batch_execute("ALTER TABLE cia_residents ADD CONSTRAINT no_refused CHECK (last_name <> 'Refused')")
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let rows = |third: &str, first: &str| {
        [
            HEADER.to_string(),
            row("AAAAAA", "1980-01-01", "Anna", first, "Via Po"),
            row("BBBBBB", "1981-02-02", "Bruno", "Bianchi", "Via Po"),
            row("CCCCCC", "1982-03-03", "Carlo", third, "Via Po"),
            row("DDDDDD", "1983-04-04", "Dario", "Verdi", "Via Po"),
            row("EEEEEE", "1984-05-05", "Elio", "Neri", "Via Po"),
        ]
        .join("\n")
    };
    let s = db.admin().await;
    let opts = Options { chunk_size: 2, ..Options::default() };
    // Into the empty mirror (binary COPY straight into it).
    let first = write(dir.path(), "first.csv", rows("Refused", "Rossi"));
    let r = registry_import::import(&s, Source::Cia, &first, &opts, &Quiet).await.unwrap();
    assert_eq!((r.rows, r.inserted, r.rejected.len()), (5, 4, 1), "{r:?}");
    assert_eq!(r.rejected[0].line, 4);
    assert!(r.rejected[0].reason.contains("refused by the database") && r.rejected[0].reason.contains("no_refused"));
    // Through the staging table and the merge: a changed row refused, a fixed one new.
    let second = write(dir.path(), "second.csv", rows("Fixed", "Refused"));
    let r = registry_import::import(&s, Source::Cia, &second, &opts, &Quiet).await.unwrap();
    assert_eq!((r.rows, r.inserted, r.updated, r.unchanged, r.rejected.len()), (5, 1, 0, 3, 1), "{r:?}");
    assert_eq!(r.rejected[0].line, 2);
    let names: Vec<String> = owner
        .query("SELECT last_name FROM cia_residents ORDER BY fiscal_code", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(names, ["Rossi", "Bianchi", "Fixed", "Verdi", "Neri"], "the refused change left the stored row");
    assert!(runs(&db).await.iter().all(|(_, state)| state == "done"));
}

fn eml(from: &str, message_id: &str, extra_headers: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nTo: assistenza@sistemapiemonte.it\r\nSubject: Richiesta nuovo codice di attivazione\r\n\
         Message-ID: {message_id}\r\n{extra_headers}Date: Mon, 23 Nov 2026 09:12:00 +0100\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
}

/// Registers a citizen with a document and an email address, and books a verification (a
/// new activation code can then be asked for).
async fn registered(db: &TestDb, c: &Citizen, doc: &str, issued: &str, email: &str) -> i64 {
    registered_as(db, c, None, doc, issued, email).await
}

/// [`registered`], with the names stored as `names` (as a registry writes them).
async fn registered_as(
    db: &TestDb,
    c: &Citizen,
    names: Option<(&str, &str)>,
    doc: &str,
    issued: &str,
    email: &str,
) -> i64 {
    let s = db.admin().await;
    let number = c.register(&s).await;
    db.owner()
        .await
        .execute(
            "UPDATE registrations SET doc_number = $2, doc_issued = $3::text::date, email = $4 WHERE registration_number = $1",
            &[&number, &doc, &issued, &email],
        )
        .await
        .unwrap();
    if let Some((first, last)) = names {
        db.owner()
            .await
            .execute(
                "UPDATE registrations SET first_name = $2, last_name = $3 WHERE registration_number = $1",
                &[&number, &first, &last],
            )
            .await
            .unwrap();
    }
    let request = book::Request {
        key: Key::Number(number),
        operation: OperationKind::Verification,
        delegate: None,
        print_code: false,
    };
    book::book(&s, &db.desk(), request).await.unwrap();
    number
}

fn sara() -> Citizen {
    Citizen::new("SPSSRA", "Sara", "Esposito", "1995-08-14", Sex::F)
}

fn mario() -> Citizen {
    Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M)
}

fn outcomes(stdout: &str) -> Vec<String> {
    let report: serde_json::Value = serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    report["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| match m["outcome"].as_str() {
            Some(s) => s.to_string(),
            None => m["outcome"].as_object().unwrap().keys().next().unwrap().clone(),
        })
        .collect()
}

#[tokio::test]
async fn an_email_with_an_unusable_sender_is_set_aside_and_the_mailbox_goes_on() {
    let db = TestDb::new().await;
    let sara = sara();
    registered(&db, &sara, "CA77777EE", "2024-05-02", "sara.esposito@example.it").await;
    let mailbox = tempfile::tempdir().unwrap();
    let body = format!("Sono Sara Esposito, {}, carta d'identità CA77777EE del 02/05/2024.", sara.cf);
    for (i, from) in
        ["Mario <mario rossi@example.it>", "x@", "\"Eve\" <eve@exa mple.it>", "<@example.it>"].iter().enumerate()
    {
        write(mailbox.path(), &format!("0{i}-bad.eml"), eml(from, &format!("<bad-{i}@example.org>"), "", &body));
    }
    // A Message-ID with a NUL byte in it.
    write(mailbox.path(), "05-nul-id.eml", eml("Eve <eve@example.org>", "<nul\0id@example.org>", "", "ciao"));
    write(mailbox.path(), "09-good.eml", eml("Sara <sara.esposito@example.it>", "<good-1@example.it>", "", &body));
    let dir = mailbox.path().to_str().unwrap();
    let out = db.cli(Some("admin"), &["regenerate-code", "--mailbox", dir, "--format", "json"]);
    let (stdout, stderr, code) = text(&out);
    assert_ne!(code, 1, "{stderr}");
    let got = outcomes(&stdout);
    assert_eq!(got.last().map(String::as_str), Some("honoured"), "the good message after the bad ones: {got:?}");
    assert_eq!(got.len(), 6, "{got:?}");
    assert!(got[..4].iter().all(|o| o == "unreadable"), "{got:?}");
    assert_eq!(runs(&db).await, [("helpdesk-mailbox".to_string(), "done".to_string())]);
    let failed = std::fs::read_dir(mailbox.path().join("failed")).unwrap().count();
    assert_eq!(failed, got.iter().filter(|o| *o == "unreadable").count(), "set aside");
    let left = std::fs::read_dir(mailbox.path()).unwrap().filter(|e| e.as_ref().unwrap().path().is_file()).count();
    assert_eq!(left, 0, "nothing left to stop the next run");
    // The next run has nothing left that fails.
    let out = db.cli(Some("admin"), &["regenerate-code", "--mailbox", dir]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
}

#[tokio::test]
async fn a_letter_batch_that_is_empty_or_binary_is_refused_and_leaves_no_run() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.csv", "");
    let binary = write(dir.path(), "binary.csv", [0x89, b'P', b'N', b'G', 0, 0, 0xff, 0xfe, b'\n', 0, 1, 2, 0xc3]);
    let blank = write(dir.path(), "blank.csv", "\r\n\r\n");
    for file in [&empty, &binary, &blank] {
        let out = db.cli(Some("admin"), &["revoke", "--letters", file.to_str().unwrap()]);
        let (_, stderr, code) = text(&out);
        assert_eq!(code, 3, "{}: {stderr}", file.display());
        // Not text of its encoding (issue 17): refused whole before any header is looked for.
        let refused = if file == &binary {
            "line 1: not utf-8 text (byte 0x89)"
        } else {
            "a letter batch is CSV with a header line"
        };
        assert!(stderr.contains(refused), "{stderr}");
    }
    assert_eq!(runs(&db).await, Vec::<(String, String)>::new(), "no run recorded, none left running");

    // Bad rows among good ones: each reported, the good one honoured, the run done.
    let mario = mario();
    registered(&db, &mario, "CA12345AA", "2022-03-01", "mario.rossi@example.it").await;
    let letters = [
        "fiscal_code;first_name;last_name;doc_number;doc_issued;protocol;protocol_date".to_string(),
        format!("{}\0;Mario;Rossi;CA12345AA;2022-03-01;P-1;2026-11-20", mario.cf),
        "\u{1}\u{2}\u{3};x;y;z;w;P-2\u{0};".to_string(),
        format!("{};Mario;Rossi;CA12345AA;2022-03-01;P-3", mario.cf),
        format!("{};Mario;Rossi;CA12345AA;2022-03-01;P-4;2026-11-20;extra", mario.cf),
        format!("{};Mario;{};CA12345AA;2022-03-01;P-5;2026-11-20", mario.cf, "R".repeat(100_000)),
        format!("{};Mario;Rossi;CA12345AA;01/03/2022;P-6;2026-11-20", mario.cf),
    ];
    let mut bytes = letters.join("\r\n").into_bytes();
    // Bytes that are not UTF-8 refuse the whole file (issue 17), with the flag that reads it.
    let mut not_utf8 = bytes.clone();
    not_utf8.extend_from_slice(b"\r\n\xff\xfe;\xc3;x;y;z;P-7;\r\n");
    let file = write(dir.path(), "not-utf8.csv", not_utf8);
    let out = db.cli(Some("admin"), &["revoke", "--letters", file.to_str().unwrap(), "--report", "-"]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("line 8: not utf-8 text (byte 0xFF)") && stderr.contains("--encoding"), "{stderr}");
    assert!(stdout.is_empty() && runs(&db).await.is_empty(), "{stdout}");
    bytes.extend_from_slice("\r\nÿþ;Ã;x;y;z;P-7;\r\n".as_bytes());
    let file = write(dir.path(), "letters.csv", bytes);
    let out = db.cli(Some("admin"), &["revoke", "--letters", file.to_str().unwrap(), "--report", "-"]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 8, "{stderr}");
    let got: Vec<(u64, String)> = report(&stdout).into_iter().map(|r| (r.0, r.1)).collect();
    assert_eq!(
        got,
        [
            (2, "fiscal_code".to_string()),
            (3, "fiscal_code".to_string()),
            (4, String::new()),
            (5, String::new()),
            (6, "last_name".to_string()),
            (8, "fiscal_code".to_string()),
        ],
        "{stdout}"
    );
    assert!(stdout.contains("6 fields where the header has 7") && stdout.contains("8 fields where the header has 7"));
    assert!(stderr.contains("1 revoked"), "{stderr}");
    assert!(runs(&db).await.iter().all(|(_, state)| state == "done"), "{:?}", runs(&db).await);
}

// ---- Item 5: import details ----

#[tokio::test]
async fn import_rejects_name_physical_lines_and_rows_of_the_wrong_width() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let good = |l: &str, b: &str| row(l, b, "Anna", "Rossi", "Via Po");
    let lines = [
        HEADER.to_string(),                                                      // 1
        good("AAAAAA", "1980-01-01"),                                            // 2
        good("BBBBBB", "1981-02-02").replace(";M;", ";X;"),                      // 3
        good("CCCCCC", "1982-03-03").replace("Via Po", "\"Via Po\r\nscala B\""), // 4-5
        format!("{};surplus", good("DDDDDD", "1983-04-04")),                     // 6
        good("EEEEEE", "1984-05-05").replace(";Comune di Torino", ""),           // 7
        good("FFFFFF", "1985-06-06").replace(";1985-06-06;", ";1985-13-06;"),    // 8
        String::new(),                                                           // 9
        good("GGGGGG", "1986-07-07").replace(";M;", ";?;"),                      // 10
        good("HHHHHH", "1987-08-08"),                                            // 11
    ];
    let file = write(dir.path(), "crlf.csv", lines.join("\r\n") + "\r\n");
    let out = db.cli(Some("admin"), &["import-cia", file.to_str().unwrap(), "--rejects", "-"]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 8, "{stderr}");
    let rejects = report(&stdout);
    let got: Vec<u64> = rejects.iter().map(|r| r.0).collect();
    assert_eq!(got, [3, 4, 6, 7, 8, 10], "{stdout}");
    assert_eq!(rejects[2].3, "14 fields where the header has 13", "the extra field is not dropped");
    assert_eq!(rejects[3].3, "12 fields where the header has 13");
    assert!(stderr.contains("8 rows: 2 new"), "{stderr}");
    let n: i64 = db.owner().await.query_one("SELECT count(*) FROM cia_residents", &[]).await.unwrap().get(0);
    assert_eq!(n, 2);
}

#[tokio::test]
async fn a_dry_run_after_an_import_compares_with_the_mirror() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        HEADER.to_string(),
        row("AAAAAA", "1980-01-01", "Anna", "Rossi", "Via Po"),
        row("BBBBBB", "1981-02-02", "Bruno", "Bianchi", "Via Po"),
        row("CCCCCC", "1982-03-03", "Carlo", "Verdi", "Via Po"),
    ];
    let file = write(dir.path(), "a.csv", lines.join("\n"));
    assert_eq!(db.cli(Some("admin"), &["import-cia", file.to_str().unwrap()]).status.code(), Some(0));
    let out = db.cli(Some("admin"), &["import-cia", file.to_str().unwrap(), "--dry-run"]);
    assert!(text(&out).1.contains("(dry run): 3 rows: 0 new, 0 changed, 3 unchanged, 0 rejected"), "{}", text(&out).1);
    let mut changed = lines.to_vec();
    changed[2] = changed[2].replace("Via Po", "Via Roma");
    changed.push(row("DDDDDD", "1983-04-04", "Dario", "Neri", "Via Po"));
    let file = write(dir.path(), "b.csv", changed.join("\n"));
    let out = db.cli(Some("admin"), &["import-cia", file.to_str().unwrap(), "--dry-run"]);
    assert!(text(&out).1.contains("(dry run): 4 rows: 1 new, 1 changed, 2 unchanged, 0 rejected"), "{}", text(&out).1);
    let n: i64 = db.owner().await.query_one("SELECT count(*) FROM cia_residents", &[]).await.unwrap().get(0);
    assert_eq!(n, 3, "a dry run writes nothing");
}

#[tokio::test]
async fn rejects_go_to_standard_output_with_a_dash_and_never_over_the_input() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let content =
        [HEADER.to_string(), row("AAAAAA", "1980-01-01", "Anna", "Rossi", "Via Po").replace(";M;", ";X;")].join("\n");
    let file = write(dir.path(), "in.csv", &content);
    // The same file by another path.
    let same = dir.path().join("sub").join("..").join("in.csv");
    for flag in [file.to_str().unwrap(), same.to_str().unwrap()] {
        let out = db.cli(Some("admin"), &["import-cia", file.to_str().unwrap(), "--rejects", flag]);
        let (_, stderr, code) = text(&out);
        assert_eq!(code, 3, "{stderr}");
        assert!(stderr.contains("is the input file itself"), "{stderr}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), content, "the input is untouched");
    }
    let letters = write(
        dir.path(),
        "letters.csv",
        "fiscal_code;first_name;last_name;doc_number;doc_issued;protocol;protocol_date\nX;;;;;P-1;\n",
    );
    let out = db.cli(
        Some("admin"),
        &[
            "revoke",
            "--letters",
            letters.to_str().unwrap(),
            "--report",
            same.to_str().unwrap().replace("in.csv", "letters.csv").as_str(),
        ],
    );
    assert_eq!(text(&out).2, 3, "{}", text(&out).1);
    assert!(runs(&db).await.is_empty(), "nothing ran");

    let out = db.cli(Some("admin"), &["import-cia", file.to_str().unwrap(), "--rejects", "-"]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 8, "{stderr}");
    assert!(stdout.starts_with("line,field,value,reason\n2,sex,X,"), "{stdout}");
    assert!(!Path::new("-").exists(), "no file named '-'");
}

// ---- Item 6: the helpdesk mailbox ----

/// The body of a spooled email (after the headers), quoted-printable soft breaks joined.
fn body(raw: &str) -> String {
    let message = mail_parser::MessageParser::default().parse(raw.as_bytes()).unwrap();
    message.body_text(0).unwrap().into_owned()
}

fn header(raw: &str, name: &str) -> Option<String> {
    let message = mail_parser::MessageParser::default().parse(raw.as_bytes()).unwrap();
    message.header_raw(name).map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[tokio::test]
async fn helpdesk_replies_reveal_nothing_are_threaded_audited_and_files_are_kept() {
    let db = TestDb::new().await;
    let (sara, mario) = (sara(), mario());
    registered(&db, &sara, "CA77777EE", "2019-05-02", "sara.esposito@example.it").await;
    registered(&db, &mario, "CA12345AA", "2020-03-01", "mario.rossi@example.it").await;
    let mailbox = tempfile::tempdir().unwrap();
    let m = mailbox.path();
    // Honoured: the issue date in Italian words.
    write(
        m,
        "a.eml",
        eml(
            "Sara Esposito <sara.esposito@example.it>",
            "<q1@example.it>",
            "References: <earlier@example.it>\r\n",
            &format!("Sono Sara Esposito ({}), carta d'identità CA77777EE rilasciata il 2 Maggio 2019.", sara.cf),
        ),
    );
    write(
        m,
        "b.eml",
        eml(
            "mario.rossi@example.it",
            "<q2@example.it>",
            "",
            &format!("Mario Rossi {} documento CA12345AA rilasciato il 1° marzo 2020", mario.cf),
        ),
    );
    // Refused: a fiscal code nobody registered, and a registered one from another address.
    let nobody = crate::fixtures::cf("BNCLCU", date("1970-01-01"), 'M', "L219");
    write(m, "c.eml", eml("chi@example.org", "<q3@example.org>", "", &format!("Mario Rossi {nobody} CA12345AA")));
    write(
        m,
        "d.eml",
        eml("chi@example.org", "<q4@example.org>", "", &format!("Mario Rossi {} CA12345AA 01/03/2020", mario.cf)),
    );
    let before = db.spooled().len();
    let out = db.cli(Some("admin"), &["regenerate-code", "--mailbox", m.to_str().unwrap(), "--format", "json"]);
    let (stdout, stderr, _) = text(&out);
    assert_eq!(outcomes(&stdout), ["honoured", "honoured", "refused", "refused"], "{stdout}{stderr}");
    let sent: Vec<String> = db.spooled()[before..].to_vec();
    // Two codes, each followed by its notice (no code in it, no In-Reply-To), and two refusals.
    assert_eq!(sent.len(), 6);
    let notices = sent.iter().filter(|s| s.contains("Sistema Piemonte: nuovo codice di attivazione")).count();
    assert_eq!(notices, 2);
    let reply_to = |id: &str| {
        sent.iter()
            .find(|s| header(s, "In-Reply-To").as_deref() == Some(id))
            .unwrap_or_else(|| panic!("no reply to {id}"))
    };
    // One text for every refusal: nothing tells a registered code or address from another.
    let (c, d) = (body(reply_to("<q3@example.org>")), body(reply_to("<q4@example.org>")));
    assert_eq!(c, d, "one text for every refusal");
    assert!(c.contains("sportello"), "{c}");
    for telltale in ["registrazione con", "indirizzo email registrato", "non corrispond", "non troviamo"] {
        assert!(!c.contains(telltale), "{telltale}: {c}");
    }
    // Threaded: Message-ID, In-Reply-To and References.
    let a = reply_to("<q1@example.it>");
    assert!(header(a, "Message-ID").is_some_and(|id| id.starts_with('<') && id.contains('@')), "{a}");
    assert_eq!(header(a, "References").as_deref(), Some("<earlier@example.it> <q1@example.it>"));
    assert!(a.contains("il Suo codice di attivazione"), "{a}");
    assert_eq!(header(reply_to("<q2@example.it>"), "References").as_deref(), Some("<q2@example.it>"));
    // Audited against the registration, with the email sent.
    let out = db.cli(Some("admin"), &["audit", "--target", &sara.cf, "--format", "json"]);
    let audit: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|r| match &r["details"] {
            serde_json::Value::String(text) => serde_json::from_str(text).unwrap(),
            details => details.clone(),
        })
        .find(|d: &serde_json::Value| d["channel"] == "helpdesk-email")
        .unwrap_or_else(|| panic!("{audit}"));
    // The reply's Message-ID is there (as written, or as a keyed hash where the log hashes
    // whatever looks like an address).
    assert!(row["reply"]["message_id"].as_str().is_some_and(|id| id.len() > 10), "{row}");
    assert_eq!(row["reply"]["subject"], "Sistema Piemonte: il Suo codice di attivazione", "{row}");

    // A new message with a name already in processed/: both files kept.
    write(m, "c.eml", eml("chi@example.org", "<q5@example.org>", "", "un'altra richiesta"));
    let out = db.cli(Some("admin"), &["regenerate-code", "--mailbox", m.to_str().unwrap()]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    let first = std::fs::read_to_string(m.join("processed/c.eml")).unwrap();
    let second = std::fs::read_to_string(m.join("processed/c.1.eml")).unwrap();
    assert!(first.contains("<q3@example.org>") && second.contains("<q5@example.org>"));
}

// ---- Item 7: registered letters ----

#[tokio::test]
async fn letters_match_names_as_written_and_report_the_offending_value() {
    let db = TestDb::new().await;
    let nicolo = Citizen::new("DNGNCL", "Nicola", "Dangelo", "1978-09-02", Sex::M);
    let mario = mario();
    registered_as(&db, &nicolo, Some(("NICOLÒ", "D'ANGELO")), "CA55555CC", "2021-01-01", "nicolo@example.it").await;
    registered(&db, &mario, "CA12345AA", "2022-03-01", "mario.rossi@example.it").await;
    let nobody = cf("BNCLCU", date("1970-01-01"), 'M', "L219");
    let letters = [
        "fiscal_code;first_name;last_name;doc_number;doc_issued;protocol;protocol_date".to_string(),
        format!("{};Nicolo;DAngelo;CA55555CC;2021-01-01;P-1;2026-11-20", nicolo.cf),
        format!("{};Mariano;Rossi;XX999;2022-03-01;P-2;2026-11-20", mario.cf),
        format!("{nobody};Luca;Bianchi;CA1;2022-03-01;P-3;2026-11-20"),
        format!("{};Mario;Rossi;CA12345AA;2022-13-01;P-4;2026-11-20", mario.cf),
    ];
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "letters.csv", letters.join("\n"));
    let out = db.cli(Some("admin"), &["revoke", "--letters", file.to_str().unwrap(), "--report", "-"]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 8, "{stderr}");
    assert!(stderr.contains("1 revoked"), "Nicolo DAngelo is NICOLÒ D'ANGELO: {stderr}{stdout}");
    let got: Vec<(u64, String, String)> = report(&stdout).into_iter().map(|r| (r.0, r.1, r.2)).collect();
    assert_eq!(
        got,
        [
            (3, "first_name doc_number".to_string(), "Mariano / XX999".to_string()),
            (4, "fiscal_code".to_string(), nobody.clone()),
            (5, "doc_issued".to_string(), "2022-13-01".to_string()),
        ],
        "{stdout}"
    );
    // Apostrophes, accents and case, as the letters write them.
    let d_angelo = Citizen::new("DNGLCU", "Lucia", "Dangelo", "1990-01-01", Sex::M);
    registered_as(&db, &d_angelo, Some(("Lucìa", "D’Àngelo")), "CA66666DD", "2021-01-01", "lucia@example.it").await;
    let file = write(
        dir.path(),
        "more.csv",
        format!(
            "fiscal_code;first_name;last_name;doc_number;doc_issued;protocol;protocol_date\n{};LUCIA;D'ANGELO;CA66666DD;2021-01-01;P-9;2026-11-20\n",
            d_angelo.cf
        ),
    );
    let out = db.cli(Some("admin"), &["revoke", "--letters", file.to_str().unwrap()]);
    assert_eq!(text(&out).2, 0, "{}{}", text(&out).0, text(&out).1);
}

#[tokio::test]
async fn a_letter_dated_in_the_future_is_invalid_and_erases_nothing() {
    let db = TestDb::new().await;
    let mario = mario();
    registered(&db, &mario, "CA12345AA", "2022-03-01", "mario.rossi@example.it").await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "letters.csv",
        [
            "fiscal_code;first_name;last_name;doc_number;doc_issued;protocol;protocol_date".to_string(),
            format!("{};Mario;Rossi;CA12345AA;2022-03-01;P-1;2099-01-01", mario.cf),
            format!("{};Mario;Rossi;CA12345AA;2099-03-01;P-2;2026-11-20", mario.cf),
        ]
        .join("\n"),
    );
    let out = db.cli(Some("admin"), &["revoke", "--letters", file.to_str().unwrap(), "--report", "-"]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 8, "{stderr}");
    let got: Vec<(u64, String)> = report(&stdout).into_iter().map(|r| (r.0, r.1)).collect();
    assert_eq!(got, [(2, "protocol_date".to_string()), (3, "doc_issued".to_string())], "{stdout}");
    assert!(stdout.contains("in the future"), "{stdout}");
    // --cf with a letter dated later is refused the same way.
    let out = db.cli(
        Some("admin"),
        &[
            "revoke",
            "--cf",
            &mario.cf,
            "--first-name",
            "Mario",
            "--last-name",
            "Rossi",
            "--doc-number",
            "CA12345AA",
            "--doc-issued",
            "2022-03-01",
            "--letter-protocol",
            "P-3",
            "--letter-date",
            "2099-01-01",
        ],
    );
    assert_eq!(text(&out).2, 3, "{}", text(&out).1);
    let n: i64 = db.owner().await.query_one("SELECT count(*) FROM registrations", &[]).await.unwrap().get(0);
    assert_eq!(n, 1);
}

/// RFC 3834: an out-of-office, a list's message and a bounce get no reply (two robots answering
/// each other would loop); a message of deeply nested HTML is read up to a bound and answered
/// like any other; the person's own request still is honoured.
#[tokio::test]
async fn automatic_messages_get_no_reply_and_a_huge_one_is_read_up_to_a_bound() {
    let db = TestDb::new().await;
    let sara = sara();
    registered(&db, &sara, "CA77777EE", "2024-05-02", "sara.esposito@example.it").await;
    let mailbox = tempfile::tempdir().unwrap();
    let body = format!("Sono Sara Esposito, {}, carta d'identità CA77777EE del 02/05/2024.", sara.cf);
    let from = "Sara <sara.esposito@example.it>";
    write(mailbox.path(), "01-ooo.eml", eml(from, "<ooo@example.it>", "Auto-Submitted: auto-replied\r\n", &body));
    write(mailbox.path(), "02-list.eml", eml(from, "<list@example.it>", "Precedence: bulk\r\n", &body));
    write(mailbox.path(), "02b-autoreply.eml", eml(from, "<xa@example.it>", "X-Autoreply: yes\r\n", &body));
    // A comment (RFC 5322) is no part of a header's keyword.
    let list = "Precedence: list (Google Groups)\r\n";
    write(mailbox.path(), "02c-list-comment.eml", eml(from, "<list2@example.it>", list, &body));
    write(
        mailbox.path(),
        "03-bounce.eml",
        eml("MAILER-DAEMON <mailer-daemon@example.it>", "<bounce@example.it>", "Return-Path: <>\r\n", &body),
    );
    write(
        mailbox.path(),
        "03b-bounce-spaced.eml",
        eml("MAILER-DAEMON <mailer-daemon@example.it>", "<bounce2@example.it>", "Return-Path: < >\r\n", &body),
    );
    let nested = format!(
        "From: Eve <eve@example.org>\r\nTo: assistenza@sistemapiemonte.it\r\nSubject: codice\r\n\
         Message-ID: <nested@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <html><body>{}ciao{}</body></html>\r\n",
        "<div>".repeat(100_000),
        "</div>".repeat(100_000)
    );
    write(mailbox.path(), "04-nested.eml", nested);
    // A person's client may say so, with a comment: `no` all the same.
    let human = "Auto-Submitted: no (scritto a mano)\r\n";
    write(mailbox.path(), "09-good.eml", eml(from, "<good-2@example.it>", human, &body));
    let before = db.spooled().len();
    let dir = mailbox.path().to_str().unwrap();
    let out = db.cli(Some("admin"), &["regenerate-code", "--mailbox", dir, "--format", "json"]);
    let (stdout, stderr, code) = text(&out);
    assert_ne!(code, 1, "{stderr}");
    assert_eq!(
        outcomes(&stdout),
        ["unreadable", "unreadable", "unreadable", "unreadable", "unreadable", "unreadable", "refused", "honoured"],
        "{stdout}"
    );
    let sent = db.spooled();
    // Our answers say they are automatic (RFC 3834 §5): no robot answers them back.
    let answers: Vec<&String> = sent[before..].iter().filter(|m| m.contains("In-Reply-To:")).collect();
    assert!(!answers.is_empty() && answers.iter().all(|m| m.contains("Auto-Submitted: auto-replied")), "{answers:?}");
    let to = |m: &str| m.lines().find(|l| l.starts_with("To: ")).unwrap_or_default().to_string();
    let recipients: Vec<String> = sent[before..].iter().map(|m| to(m)).collect();
    assert!(!recipients.iter().any(|t| t.contains("mailer-daemon")), "no reply to a bounce: {recipients:?}");
    assert_eq!(recipients.iter().filter(|t| t.contains("eve@example.org")).count(), 1, "{recipients:?}");
    // Sara: her new code and its notice, for the one request a person wrote.
    assert_eq!(recipients.iter().filter(|t| t.contains("sara.esposito@example.it")).count(), 2, "{recipients:?}");
}

/// The data sent as a text attachment (`dati.txt`), or in a message forwarded as one, is read
/// as the body is ("every text part"); an image attachment is not text.
#[tokio::test]
async fn a_request_in_a_text_attachment_or_a_forwarded_message_is_read() {
    let db = TestDb::new().await;
    let sara = sara();
    registered(&db, &sara, "CA77777EE", "2024-05-02", "sara.esposito@example.it").await;
    let mailbox = tempfile::tempdir().unwrap();
    let data = format!("Sara Esposito\r\n{}\r\ncarta d'identita' CA77777EE del 02/05/2024\r\n", sara.cf);
    let head = |id: &str| {
        format!(
            "From: Sara <sara.esposito@example.it>\r\nTo: assistenza@sistemapiemonte.it\r\nSubject: codice\r\n\
             Message-ID: <{id}@example.it>\r\nDate: Mon, 23 Nov 2026 09:12:00 +0100\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\nBuongiorno, i miei dati sono in allegato.\r\n--b\r\n"
        )
    };
    let attached = format!(
        "{}Content-Type: text/plain; charset=utf-8; name=\"dati.txt\"\r\n\
         Content-Disposition: attachment; filename=\"dati.txt\"\r\n\r\n{data}--b--\r\n",
        head("attached")
    );
    let forwarded = format!(
        "{}Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n\
         From: Sara <sara.esposito@example.it>\r\nSubject: richiesta\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         {data}--b--\r\n",
        head("forwarded")
    );
    write(mailbox.path(), "01-attached.eml", attached);
    write(mailbox.path(), "02-forwarded.eml", forwarded);
    let dir = mailbox.path().to_str().unwrap();
    let out = db.cli(Some("admin"), &["regenerate-code", "--mailbox", dir, "--dry-run", "--format", "json"]);
    let (stdout, stderr, code) = text(&out);
    assert_ne!(code, 1, "{stderr}");
    assert_eq!(outcomes(&stdout), ["honoured", "honoured"], "{stdout}");
}

/// The mail server down when a request is honoured: the message stays in the mailbox, and the
/// next run (the server back) answers it with a new code, the one the citizen receives.
#[tokio::test]
async fn a_reply_that_could_not_be_sent_is_sent_by_the_next_run() {
    let db = TestDb::new().await;
    let sara = sara();
    registered(&db, &sara, "CA77777EE", "2024-05-02", "sara.esposito@example.it").await;
    let mailbox = tempfile::tempdir().unwrap();
    let body = format!("Sono Sara Esposito, {}, carta d'identità CA77777EE del 02/05/2024.", sara.cf);
    write(mailbox.path(), "01.eml", eml("Sara <sara.esposito@example.it>", "<retry@example.it>", "", &body));
    let dir = mailbox.path().to_str().unwrap();
    // Nothing listens on this port: every send fails.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut down = db.command(Some("admin"), &["regenerate-code", "--mailbox", dir, "--format", "json"]);
    down.env("SPORTELLO_SMTP_URL", format!("smtp://127.0.0.1:{closed}"));
    let out = down.output().unwrap();
    let (stdout, stderr, _) = text(&out);
    assert_eq!(outcomes(&stdout), ["unreadable"], "{stdout} {stderr}");
    assert!(stdout.contains("left for the next run"), "{stdout}");
    assert!(mailbox.path().join("01.eml").exists(), "left in the mailbox");
    let before = db.spooled().len();
    let out = db.cli(Some("admin"), &["regenerate-code", "--mailbox", dir, "--format", "json"]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(outcomes(&stdout), ["honoured"], "{stdout}");
    let sent = db.spooled();
    let codes: Vec<&String> = sent[before..].iter().filter(|m| m.contains("il Suo codice di attivazione")).collect();
    assert_eq!(codes.len(), 1, "the code the citizen receives");
    assert!(mailbox.path().join("processed/01.eml").exists());
}

/// A message with two authors is set aside unanswered; a message without a Message-ID is the
/// same request when a second relay delivers it again with one more `Received:` line.
#[tokio::test]
async fn two_authors_are_refused_and_a_redelivery_without_message_id_is_not_answered_twice() {
    let db = TestDb::new().await;
    let sara = sara();
    registered(&db, &sara, "CA77777EE", "2024-05-02", "sara.esposito@example.it").await;
    let mailbox = tempfile::tempdir().unwrap();
    let body = format!("Sono Sara Esposito, {}, carta d'identità CA77777EE del 02/05/2024.", sara.cf);
    let two = eml("Eve <eve@example.org>", "<two@example.org>", "From: Sara <sara.esposito@example.it>\r\n", &body);
    write(mailbox.path(), "01-two-from.eml", two);
    let list = eml("Eve <eve@example.org>, Sara <sara.esposito@example.it>", "<list@example.org>", "", &body);
    write(mailbox.path(), "02-two-addresses.eml", list);
    // No Message-ID: the line is dropped from the message as written.
    let plain = eml("Sara <sara.esposito@example.it>", "<gone@example.it>", "", &body)
        .replace("Message-ID: <gone@example.it>\r\n", "");
    write(mailbox.path(), "03-no-id.eml", &plain);
    write(mailbox.path(), "04-no-id-again.eml", format!("Received: from relay2.example.it\r\n{plain}"));
    // A relay that rewrote the line ends: the same message still.
    write(mailbox.path(), "05-no-id-lf.eml", plain.replace("\r\n", "\n"));
    let dir = mailbox.path().to_str().unwrap();
    let out = db.cli(Some("admin"), &["regenerate-code", "--mailbox", dir, "--format", "json"]);
    let (stdout, stderr, code) = text(&out);
    assert_ne!(code, 1, "{stderr}");
    assert_eq!(outcomes(&stdout), ["unreadable", "unreadable", "honoured", "duplicate", "duplicate"], "{stdout}");
}

/// A letter batch without a column a letter is checked with, or with a column twice, is refused
/// whole before any run; one saved by Excel as tab-separated text is read, the empty rows Excel
/// leaves at its end skipped as blank lines (no "invalid letter" for them).
#[tokio::test]
async fn a_letter_batch_missing_a_column_is_refused_whole_and_a_tab_separated_one_is_read() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let mario = mario();
    for (name, header, refused) in [
        ("short.csv", "fiscal_code;protocol", "has no column 'first_name'"),
        (
            "twice.csv",
            "fiscal_code;first_name;last_name;doc_number;doc_issued;protocol;protocol_date;protocol",
            "names the column 'protocol' twice",
        ),
    ] {
        let file = write(
            dir.path(),
            name,
            format!("{header}\n{};Mario;Rossi;CA12345AA;2022-03-01;P-1;2026-11-20\n", mario.cf),
        );
        let (_, stderr, code) = text(&db.cli(Some("admin"), &["revoke", "--letters", file.to_str().unwrap()]));
        assert_eq!(code, 3, "{name}: {stderr}");
        assert!(stderr.contains(refused), "{name}: {stderr}");
    }
    assert_eq!(runs(&db).await, Vec::<(String, String)>::new(), "no run recorded");
    registered(&db, &mario, "CA12345AA", "2022-03-01", "mario.rossi@example.it").await;
    let tabs = format!(
        "fiscal_code\tfirst_name\tlast_name\tdoc_number\tdoc_issued\tprotocol\tprotocol_date\r\n\
         {}\tMario\tRossi\tCA12345AA\t2022-03-01\tP-7\t2026-11-20\r\n\
         \t\t\t\t\t\t\r\n \t\t\t\t\t\t\r\n\r\n",
        mario.cf
    );
    let file = write(dir.path(), "excel.txt", tabs);
    let (stdout, stderr, code) = text(&db.cli(Some("admin"), &["revoke", "--letters", file.to_str().unwrap()]));
    assert_eq!(code, 0, "{stdout} {stderr}");
    assert_eq!(runs(&db).await, [("revoke-letters".to_string(), "done".to_string())]);
}
