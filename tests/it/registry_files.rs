//! Issue 17, item 2: registry exports as municipalities write them (Windows-1252 bytes, capital
//! headers, a byte order mark, a changed date format), full snapshots that never take a rejected
//! row for a departure and refuse mass removals, and one check of places for every input path.
//! Every file here is written for the test.

use std::path::{Path, PathBuf};

use sportello::batch::Quiet;
use sportello::batch::registry_import::{self, Options};
use sportello::domain::Sex;
use sportello::store::registrations::Key;
use sportello::store::registry::Source;

use crate::fixtures::{Citizen, cf, date};
use crate::harness::{TestDb, text};

const HEADER: &str = "fiscal_code;first_name;last_name;birth_date;sex;address;street_number;postcode;municipality;doc_type;doc_number;doc_issued;doc_issuer";

/// A resident of Turin, numbered: six letters of their own, a birth date of their own.
struct Resident {
    cf: String,
    birth: chrono::NaiveDate,
    last: String,
}

fn resident(i: usize) -> Resident {
    let letters: String =
        [i / 676 % 26, i / 26 % 26, i % 26].iter().map(|&k| (b'A' + k as u8) as char).collect::<String>() + "MRA";
    // Born between 1950 and 2004 (20,000 days), each on a day of their own for i < 20,000.
    let birth = date("1950-01-01") + chrono::Duration::days(i as i64 * 97 % 20_000);
    Resident { cf: cf(&letters, birth, 'M', "L219"), birth, last: format!("Rossi{}", (b'a' + (i % 26) as u8) as char) }
}

/// Their registry row, the birth date written as `birth` formats it.
fn line(r: &Resident, birth: impl Fn(chrono::NaiveDate) -> String) -> String {
    format!(
        "{};Mario;{};{};M;Via Roma;1;10121;001272;identity-card;CA1234567;2020-01-01;Comune di Torino",
        r.cf,
        r.last,
        birth(r.birth)
    )
}

fn iso(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn file_of(lines: &[String]) -> String {
    let mut all = vec![HEADER.to_string()];
    all.extend(lines.iter().cloned());
    all.join("\r\n") + "\r\n"
}

async fn mirror(db: &TestDb) -> Vec<String> {
    db.owner()
        .await
        .query("SELECT fiscal_code FROM cia_residents ORDER BY 1", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// A mirror of `n` residents, loaded by an import.
async fn loaded(db: &TestDb, dir: &Path, n: usize) -> Vec<Resident> {
    let all: Vec<Resident> = (0..n).map(resident).collect();
    let file = write(dir, "first.csv", file_of(&all.iter().map(|r| line(r, iso)).collect::<Vec<_>>()));
    let out = db.cli(Some("admin"), &["import-cia", file.to_str().unwrap()]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    assert_eq!(mirror(db).await.len(), n);
    all
}

fn departures(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("fiscal_code"), "{text}");
    lines.map(str::to_string).collect()
}

// ---- Encodings and headers ----

#[tokio::test]
async fn a_windows_export_with_capital_headers_is_read_with_its_encoding_and_refused_whole_without() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let nicolo = cf("DLSNCL", date("1978-09-02"), 'M', "L219");
    let anna = cf("BNCNNA", date("1990-05-05"), 'F', "L219");
    // As a municipality's software saves it on Windows: Windows-1252, CRLF, the header in
    // capitals with spaces around the names, a typographic apostrophe (0x92) and accents.
    let text_of = format!(
        " FISCAL_CODE ; First_Name ;LAST_NAME;BIRTH_DATE;SEX;ADDRESS;STREET_NUMBER;POSTCODE;MUNICIPALITY;DOC_TYPE;DOC_NUMBER;DOC_ISSUED;DOC_ISSUER\r\n\
         {anna};Anna;Bianchi;05/05/1990;F;Via Po;3;10124;001272;;;;\r\n\
         {nicolo};NICOLÒ;D’ALESSANDRO;02/09/1978;M;Via Sant’Anna;7;10122;L219;identity-card;CA1111111;01/02/2020;Comune di Torino\r\n"
    );
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text_of);
    assert!(!unmappable && bytes.contains(&0x92) && bytes.contains(&0xD2));
    let file = write(dir.path(), "ANAGRAFE.CSV", &bytes);

    // Without --encoding: refused at once, with the flag to use, and nothing read.
    let out = db.cli(Some("admin"), &["import-cia", file.to_str().unwrap(), "--rejects", "-"]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("line 3: not utf-8 text (byte 0xD2)"), "{stderr}");
    assert!(stderr.contains("--encoding windows-1252"), "{stderr}");
    assert!(stdout.lines().count() <= 1, "no reject per line: {stdout}");
    let runs: i64 = db.owner().await.query_one("SELECT count(*) FROM batch_runs", &[]).await.unwrap().get(0);
    assert_eq!(runs, 0, "no run begun");
    assert!(mirror(&db).await.is_empty());

    // Every name of Windows-1252 reads 0x92 as the apostrophe, never as a C1 control character.
    for label in ["cp1252", "Windows-1252", "iso-8859-1"] {
        let out = db.cli(Some("admin"), &["import-cia", file.to_str().unwrap(), "--encoding", label, "--dry-run"]);
        let (_, stderr, code) = text(&out);
        assert_eq!(code, 0, "{label}: {stderr}");
        assert!(stderr.contains("2 rows: 2 new, 0 changed, 0 unchanged, 0 rejected"), "{label}: {stderr}");
    }
    let out = db.cli(Some("admin"), &["import-cia", file.to_str().unwrap(), "--encoding", "latin-1"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    let row = db
        .owner()
        .await
        .query_one("SELECT first_name, last_name, res_address FROM cia_residents WHERE fiscal_code = $1", &[&nicolo])
        .await
        .unwrap();
    let got: (String, String, String) = (row.get(0), row.get(1), row.get(2));
    assert_eq!(got, ("NICOLÒ".into(), "D’ALESSANDRO".into(), "Via Sant’Anna".into()));

    // A label no standard knows is a usage error.
    let out = db.cli(Some("admin"), &["import-cia", file.to_str().unwrap(), "--encoding", "ansi-italian"]);
    assert_eq!(text(&out).2, 2);
    assert!(text(&out).1.contains("unknown encoding 'ansi-italian'"), "{}", text(&out).1);
}

#[tokio::test]
async fn a_utf8_export_with_a_bom_and_headers_in_any_case_needs_no_flag() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let r = resident(1);
    let header = HEADER.to_uppercase().replace("FIRST_NAME", "First_Name");
    let content = format!("\u{feff}{header}\r\n{}\r\n", line(&r, iso).replace("Via Roma", "Via Niccolò Tommaseo"));
    let file = write(dir.path(), "export.csv", content);
    let out = db.cli(Some("admin"), &["import-cia", file.to_str().unwrap()]);
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("1 row: 1 new"), "{stderr}");
    let address: String = db
        .owner()
        .await
        .query_one("SELECT res_address FROM cia_residents WHERE fiscal_code = $1", &[&r.cf])
        .await
        .unwrap()
        .get(0);
    assert_eq!(address, "Via Niccolò Tommaseo");
}

#[tokio::test]
async fn a_file_that_stops_being_utf8_deep_inside_is_refused_at_that_line() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    // Far past the first read of the file (1 MiB): the failure is met while importing.
    let lines: Vec<String> = (0..12_000).map(|i| line(&resident(i), iso)).collect();
    let mut bytes = file_of(&lines).into_bytes();
    bytes.extend_from_slice(b"RSSMRA85T10L219G;Mario;D\x92Angelo;1985-12-10;M;Via Po;1;10121;001272;;;;\r\n");
    let file = write(dir.path(), "late.csv", &bytes);
    let s = db.admin().await;
    let opts = Options { chunk_size: 5_000, ..Options::default() };
    let e = registry_import::import(&s, Source::Cia, &file, &opts, &Quiet).await.unwrap_err();
    assert_eq!(e.exit_code(), sportello::error::exit::INVALID, "{e}");
    let e = e.to_string();
    assert!(e.contains("line 12002: not utf-8 text (byte 0x92)") && e.contains("--encoding windows-1252"), "{e}");
    // Read with its encoding, the same file goes in whole.
    let opts = Options { encoding: registry_import::Encoding::WINDOWS_1252, ..opts };
    let r = registry_import::import(&s, Source::Cia, &file, &opts, &Quiet).await.unwrap();
    assert_eq!((r.rows, r.rejected.len()), (12_001, 0), "{:?}", r.rejected.first());
}

#[tokio::test]
async fn a_letter_batch_saved_by_excel_is_read_with_encoding_and_refused_whole_without() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let c = Citizen::new("DLSNCL", "Nicola", "Dalessandro", "1978-09-02", Sex::M);
    let number = c.register(&s).await;
    let owner = db.owner().await;
    owner
        .execute(
            "UPDATE registrations SET first_name = 'NICOLÒ', last_name = 'D''ALESSANDRO', doc_number = 'CA1111111',
                 doc_issued = '2020-02-01' WHERE registration_number = $1",
            &[&number],
        )
        .await
        .unwrap();
    let letter = format!(
        "Fiscal_Code;First_Name;Last_Name;Doc_Number;Doc_Issued;Protocol;Protocol_Date\r\n{};Nicolò;D’Alessandro;CA1111111;2020-02-01;P-17;2026-11-20\r\n",
        c.cf
    );
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&letter);
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "lettere.csv", &bytes);
    let out = db.cli(Some("admin"), &["revoke", "--letters", file.to_str().unwrap(), "--report", "-"]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("line 2: not utf-8 text (byte 0xF2)") && stderr.contains("--encoding windows-1252"),
        "{stderr}"
    );
    assert!(stdout.is_empty(), "{stdout}");
    let out = db.cli(Some("admin"), &["revoke", "--letters", file.to_str().unwrap(), "--encoding", "cp1252"]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stderr.contains("1 revoked"), "{stderr}");
}

// ---- Full snapshots ----

#[tokio::test]
async fn a_rejected_row_is_never_a_departure() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let all = loaded(&db, dir.path(), 40).await;
    // The next night: resident 3's birth date is impossible, resident 5's row has a field
    // short, resident 7's sex is wrong, and resident 9 has left.
    let mut lines: Vec<String> = Vec::new();
    for (i, r) in all.iter().enumerate() {
        match i {
            3 => lines.push(line(r, |_| "31/02/1980".into())),
            5 => lines.push(line(r, iso).rsplit_once(';').unwrap().0.to_string()),
            7 => lines.push(line(r, iso).replace(";M;", ";X;")),
            9 => {}
            _ => lines.push(line(r, iso)),
        }
    }
    let file = write(dir.path(), "snapshot.csv", file_of(&lines));
    let report = dir.path().join("departures.csv");
    let out = db.cli(
        Some("admin"),
        &[
            "import-cia",
            file.to_str().unwrap(),
            "--full-snapshot",
            "--rejects",
            "-",
            "--departures",
            report.to_str().unwrap(),
        ],
    );
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 8, "{stderr}");
    assert!(stderr.contains("39 rows: 0 new, 0 changed, 36 unchanged, 3 rejected, 1 ceased"), "{stderr}");
    assert_eq!(stdout.lines().count(), 4, "three rejects: {stdout}");
    assert_eq!(departures(&report), [all[9].cf.clone()]);
    let left = mirror(&db).await;
    assert_eq!(left.len(), 39);
    for i in [3, 5, 7] {
        assert!(left.contains(&all[i].cf), "resident {i}, rejected, is kept");
    }
}

#[tokio::test]
async fn a_changed_date_format_rejects_every_row_and_removes_nobody() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let all = loaded(&db, dir.path(), 30).await;
    let lines: Vec<String> = all.iter().map(|r| line(r, |d| d.format("%d.%m.%Y").to_string())).collect();
    let file = write(dir.path(), "nightly.csv", file_of(&lines));
    let s = db.admin().await;
    let opts = Options { full_snapshot: true, ..Options::default() };
    let r = registry_import::import(&s, Source::Cia, &file, &opts, &Quiet).await.unwrap();
    assert_eq!((r.rows, r.rejected.len(), r.ceased), (30, 30, 0), "{r:?}");
    assert!(r.rejected.iter().all(|j| j.field == "birth_date"));
    assert!(r.departures.is_empty());
    assert_eq!(mirror(&db).await.len(), 30);
}

#[tokio::test]
async fn a_rejected_row_without_a_readable_fiscal_code_withholds_every_departure() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let all = loaded(&db, dir.path(), 20).await;
    let mut lines: Vec<String> = all[1..].iter().map(|r| line(r, iso)).collect();
    // Whose row this was nobody can tell: resident 0 may be alive and listed here.
    lines[4] = line(&all[5], iso).replacen(&all[5].cf, "RSS MRA ??", 1);
    let file = write(dir.path(), "snapshot.csv", file_of(&lines));
    let out = db.cli(Some("admin"), &["import-cia", file.to_str().unwrap(), "--full-snapshot", "--departures", "-"]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 8, "{stderr}");
    assert!(stderr.contains("nobody removed (some rejected rows have no readable fiscal code"), "{stderr}");
    assert_eq!(mirror(&db).await.len(), 20);
    assert!(stdout.starts_with("fiscal_code\n") && !stdout.contains(&all[0].cf), "{stdout}");
    // The file fixed, resident 0's departure goes through.
    lines[4] = line(&all[5], iso);
    let file = write(dir.path(), "fixed.csv", file_of(&lines));
    let s = db.admin().await;
    let opts = Options { full_snapshot: true, ..Options::default() };
    let r = registry_import::import(&s, Source::Cia, &file, &opts, &Quiet).await.unwrap();
    assert_eq!(r.departures, [all[0].cf.clone()]);
    assert!(!mirror(&db).await.contains(&all[0].cf));
}

#[tokio::test]
async fn a_mass_removal_is_refused_unless_the_operator_expects_it() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let all = loaded(&db, dir.path(), 60).await;
    // 5% of 60 is 3: three departures go through without a word.
    let lines: Vec<String> = all[3..].iter().map(|r| line(r, iso)).collect();
    let file = write(dir.path(), "three.csv", file_of(&lines));
    let out = db.cli(Some("admin"), &["import-cia", file.to_str().unwrap(), "--full-snapshot"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    assert!(text(&out).1.contains("3 ceased"), "{}", text(&out).1);
    assert_eq!(mirror(&db).await.len(), 57);

    // A file cut short (as a transfer that stopped): 57 → 20 would remove 37.
    let lines: Vec<String> = all[3..23].iter().map(|r| line(r, iso)).collect();
    let file = write(dir.path(), "truncated.csv", file_of(&lines));
    let f = file.to_str().unwrap();
    let out = db.cli(Some("admin"), &["import-cia", f, "--full-snapshot"]);
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 5, "{stderr}");
    assert!(stderr.contains("would remove 37 of the 57 residents"), "{stderr}");
    assert!(stderr.contains("more than 5% (3)") && stderr.contains("--max-removals 37"), "{stderr}");
    assert_eq!(mirror(&db).await.len(), 57, "nothing removed");
    // A dry run lists them first, and is refused the same way.
    let out = db.cli(Some("admin"), &["import-cia", f, "--full-snapshot", "--dry-run", "--departures", "-"]);
    assert_eq!(text(&out).2, 5, "{}", text(&out).1);
    let out = db.cli(
        Some("admin"),
        &["import-cia", f, "--full-snapshot", "--dry-run", "--max-removals", "37", "--departures", "-"],
    );
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    let mut expected: Vec<String> = all[23..].iter().map(|r| r.cf.clone()).collect();
    expected.sort();
    assert_eq!(stdout.lines().skip(1).collect::<Vec<_>>(), expected);
    // Fewer than expected allowed: refused again.
    let out = db.cli(Some("admin"), &["import-cia", f, "--full-snapshot", "--max-removals", "36"]);
    assert_eq!(text(&out).2, 5);
    assert!(text(&out).1.contains("more than --max-removals 36"), "{}", text(&out).1);
    // As many as expected: the refused run is resumed and finished.
    let report = dir.path().join("departures.csv");
    let out = db.cli(
        Some("admin"),
        &["import-cia", f, "--full-snapshot", "--max-removals", "37", "--departures", report.to_str().unwrap()],
    );
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("37 ceased") && stderr.contains("resumed"), "{stderr}");
    assert_eq!(departures(&report), expected);
    assert_eq!(mirror(&db).await.len(), 20);
    let done: Vec<String> = db
        .owner()
        .await
        .query("SELECT state FROM batch_runs ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(done, ["done", "done", "done"], "one run per file, none left behind");
    // --max-removals belongs to a full snapshot.
    let out = db.cli(Some("admin"), &["import-cia", f, "--max-removals", "3"]);
    assert_eq!(text(&out).2, 2);
}

// ---- One check of places ----

/// A registry that leaves a resident's street or postcode empty: the row is the mirror's, but no
/// pre-load registers the resident, for the PIN letter would have no address to go to.
#[tokio::test]
async fn a_resident_without_street_or_postcode_is_not_pre_loaded() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let person = |letters: &str, birth: &str, street: &str, postcode: &str| {
        let code = cf(letters, date(birth), 'F', "L219");
        format!("{code};Anna;Neri;{birth};F;{street};1;{postcode};001272;;;;")
    };
    let lines = [
        person("AAAANN", "1980-01-01", "Via Po", "10123"),
        person("BBBANN", "1981-01-01", "", "10123"),
        person("CCCANN", "1982-01-01", "Via Po", ""),
        person("DDDANN", "1983-01-01", "  ", "10123"),
    ];
    let file = write(dir.path(), "cia.csv", file_of(&lines.map(String::from)));
    let out = db.cli(Some("admin"), &["import-cia", file.to_str().unwrap(), "--preload", "TO"]);
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("4 rows: 4 new"), "{stderr}");
    assert!(stderr.contains("1 pre-loaded, 3 not pre-loaded (no street or postcode"), "{stderr}");
    let owner = db.owner().await;
    let registered: Vec<String> =
        owner.query("SELECT res_address FROM registrations", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(registered, ["Via Po"]);
    let queued: i64 = owner.query_one("SELECT count(*) FROM pin_letter_queue", &[]).await.unwrap().get(0);
    assert_eq!(queued, 1, "one PIN letter due, to an address");
}

#[tokio::test]
async fn a_postcode_not_of_its_municipality_is_refused_by_the_import_the_preload_and_the_desk() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    // Where each lives, by ISTAT or cadastral code: Torino 001272/L219, Cambiano 001048/B462, Asti 005005.
    let person = |letters: &str, birth: &str, postcode: &str, municipality: &str| {
        let code = cf(letters, date(birth), 'F', "L219");
        format!("{code};Anna;Neri;{birth};F;Via Po;1;{postcode};{municipality};;;;")
    };
    let lines = [
        person("AAAANN", "1980-01-01", "14100", "001272"),
        person("BBBANN", "1981-01-01", "99999", "B462"),
        person("CCCANN", "1982-01-01", "10020", "001048"),
        person("DDDANN", "1983-01-01", "10138", "L219"),
        person("EEEANN", "1984-01-01", "10121", "005005"),
    ];
    let file = write(dir.path(), "cia.csv", file_of(&lines.map(String::from)));
    let out = db.cli(
        Some("admin"),
        &["import-cia", file.to_str().unwrap(), "--preload", "TO", "--preload", "AT", "--rejects", "-"],
    );
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 8, "{stderr}");
    assert!(stderr.contains("5 rows: 2 new, 0 changed, 0 unchanged, 3 rejected, 2 pre-loaded"), "{stderr}");
    let rejects: Vec<(String, String, String, String)> = csv::Reader::from_reader(stdout.as_bytes())
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[1].to_string(), r[2].to_string(), r[3].to_string())
        })
        .collect();
    let got: Vec<(&str, &str, &str)> = rejects.iter().map(|r| (r.0.as_str(), r.1.as_str(), r.2.as_str())).collect();
    assert_eq!(got, [("2", "postcode", "14100"), ("3", "postcode", "99999"), ("6", "postcode", "10121")]);
    // The very words of the desk.
    assert!(
        rejects[0].3.starts_with("postcode 14100 is not a postcode of Torino (TO): expected 10121, 10122"),
        "{:?}",
        rejects[0]
    );
    assert!(
        rejects[1].3.contains("postcode 99999 is not a postcode of Cambiano (TO): expected 10020"),
        "{:?}",
        rejects[1]
    );
    let postcodes: Vec<String> = db
        .owner()
        .await
        .query("SELECT res_postcode FROM registrations ORDER BY 1", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(postcodes, ["10020", "10138"], "no PIN letter to 99999 CAMBIANO");

    // A mirror row written before the check (here by hand) is not pre-loaded either.
    let owner = db.owner().await;
    let code = cf("FFFANN", date("1985-01-01"), 'F', "L219");
    owner
        .execute(
            "INSERT INTO cia_residents (fiscal_code, first_name, last_name, birth_date, sex, res_address, res_street_number,
                 res_postcode, res_municipality) VALUES ($1, 'Anna', 'Neri', '1985-01-01', 'F', 'Via Po', '1', '99999', '001048')",
            &[&code],
        )
        .await
        .unwrap();
    let s = db.admin().await;
    let preload = registry_import::Preload { areas: vec!["Cambiano".into()], key: db.key() };
    let opts = Options { preload: Some(preload), force: true, ..Options::default() };
    let r = registry_import::import(&s, Source::Cia, &file, &opts, &Quiet).await.unwrap();
    assert_eq!((r.preloaded, r.preload_withheld), (0, 1), "{r:?}");
    let n: i64 =
        owner.query_one("SELECT count(*) FROM registrations WHERE fiscal_code = $1", &[&code]).await.unwrap().get(0);
    assert_eq!(n, 0);

    // The desk: a change of residence with a postcode of another municipality.
    let c = Citizen::new("GGGMRA", "Mario", "Verdi", "1970-03-03", Sex::M);
    let number = c.register(&s).await;
    let new = |postcode: &str| sportello::desk::edit::NewResidence {
        province: "TO".into(),
        municipality: "Cambiano".into(),
        address: "Via Torino".into(),
        street_number: Some("4".into()),
        postcode: Some(postcode.into()),
        city: None,
        country: None,
    };
    let e = sportello::desk::edit::change_residence(&s, &Key::Number(number), new("10121")).await.unwrap_err();
    assert!(e.to_string().contains("postcode 10121 is not a postcode of Cambiano (TO): expected 10020"), "{e}");
    sportello::desk::edit::change_residence(&s, &Key::Number(number), new("10020")).await.unwrap();
}

// ---- Files from other programs ----

#[tokio::test]
async fn an_unclosed_quote_is_one_reject_over_its_lines_and_removes_nobody() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let all = loaded(&db, dir.path(), 30).await;
    // A hand edit leaves a quote open on line 12 (resident 10): the rest of the file is one
    // field of that record, and the residents after it are nowhere to be read.
    let mut lines: Vec<String> = all.iter().map(|r| line(r, iso)).collect();
    lines[10] = lines[10].replace(";Via Roma;", ";\"Via Roma;");
    let file = write(dir.path(), "snapshot.csv", file_of(&lines));
    let s = db.admin().await;
    let opts = Options { full_snapshot: true, ..Options::default() };
    let r = registry_import::import(&s, Source::Cia, &file, &opts, &Quiet).await.unwrap();
    assert_eq!(r.rejected.len(), 1, "{:?}", r.rejected);
    assert_eq!(r.rejected[0].line, 12);
    assert!(r.rejected[0].reason.contains("one record over lines 12-31"), "{:?}", r.rejected[0]);
    assert!(r.departures_withheld && r.departures.is_empty() && r.ceased == 0, "{r:?}");
    assert_eq!(mirror(&db).await.len(), 30, "nobody removed");
}

#[tokio::test]
async fn what_a_spreadsheet_does_to_a_file_is_read_and_bad_dates_are_refused() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let r: Vec<Resident> = (0..6).map(resident).collect();
    let lines = [
        // The ISTAT code's zeros dropped, the document type in Italian capitals.
        line(&r[0], iso).replace(";001272;identity-card;", ";1272;PASSAPORTO;"),
        // An empty row saved as separators.
        ";;;;;;;;;;;;".to_string(),
        line(&r[1], iso).replace(";identity-card;", ";Carta d'identità;"),
        // A two-digit year is not the first century's; a document is not issued after today
        // nor before its holder's birth.
        line(&r[2], iso).replace(";2020-01-01;", ";01/03/22;"),
        line(&r[3], iso).replace(";2020-01-01;", ";2099-01-01;"),
        line(&r[4], iso).replace(";2020-01-01;", ";1900-01-01;"),
        line(&r[5], iso),
    ];
    // Blank lines before the header.
    let file = write(dir.path(), "sheet.csv", format!("\r\n\r\n{}", file_of(&lines)));
    let s = db.admin().await;
    let report = registry_import::import(&s, Source::Cia, &file, &Options::default(), &Quiet).await.unwrap();
    let rejected: Vec<(u64, &str)> = report.rejected.iter().map(|j| (j.line, j.field.as_str())).collect();
    assert_eq!(rejected, [(7, "doc_issued"), (8, "doc_issued"), (9, "doc_issued")], "{:?}", report.rejected);
    assert!(report.rejected[1].reason.contains("future") && report.rejected[2].reason.contains("birth date"));
    assert_eq!((report.rows, report.inserted), (6, 3), "{report:?}");
    let stored: Vec<(String, Option<String>, String)> = db
        .owner()
        .await
        .query("SELECT fiscal_code, doc_type, res_municipality::text FROM cia_residents ORDER BY fiscal_code", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2)))
        .collect();
    assert!(stored.contains(&(r[0].cf.clone(), Some("passport".into()), "001272".into())), "{stored:?}");
    assert!(stored.contains(&(r[1].cf.clone(), Some("identity-card".into()), "001272".into())), "{stored:?}");
}

#[tokio::test]
async fn a_corrected_header_changes_the_rows_it_reads_differently() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let r: Vec<Resident> = (0..3).map(resident).collect();
    let rows = file_of(&r.iter().map(|x| line(x, iso)).collect::<Vec<_>>());
    // The first export had the names' columns the wrong way round; the next one has them right,
    // the rows byte for byte the same.
    let swapped = rows.replacen("first_name;last_name", "last_name;first_name", 1);
    let s = db.admin().await;
    for (name, content, inserted, updated) in [("one.csv", &swapped, 3, 0), ("two.csv", &rows, 0, 3)] {
        let file = write(dir.path(), name, content);
        let report = registry_import::import(&s, Source::Cia, &file, &Options::default(), &Quiet).await.unwrap();
        assert_eq!((report.inserted, report.updated, report.unchanged), (inserted, updated, 0), "{name}: {report:?}");
    }
    let first: String = db
        .owner()
        .await
        .query_one("SELECT first_name FROM cia_residents WHERE fiscal_code = $1", &[&r[0].cf])
        .await
        .unwrap()
        .get(0);
    assert_eq!(first, "Mario");
}

#[tokio::test]
async fn an_earlier_file_imported_again_after_another_is_read_again() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let r: Vec<Resident> = (0..2).map(resident).collect();
    let monday = write(dir.path(), "monday.csv", file_of(&r.iter().map(|x| line(x, iso)).collect::<Vec<_>>()));
    // Tuesday's export has a mistake in it; Wednesday's, corrected, is Monday's byte for byte.
    let tuesday_rows = [line(&r[0], iso).replace(";Via Roma;1;", ";Via Roma;3;"), line(&r[1], iso)];
    let tuesday = write(dir.path(), "tuesday.csv", file_of(&tuesday_rows));
    let s = db.admin().await;
    let import = |file: PathBuf| {
        let s = &s;
        async move { registry_import::import(s, Source::Cia, &file, &Options::default(), &Quiet).await.unwrap() }
    };
    assert_eq!(import(monday.clone()).await.inserted, 2);
    assert_eq!(import(tuesday).await.updated, 1);
    let wednesday = import(monday.clone()).await;
    assert_eq!((wednesday.already_done_by, wednesday.updated), (None, 1), "{wednesday:?}");
    let number: String = db
        .owner()
        .await
        .query_one("SELECT res_street_number FROM cia_residents WHERE fiscal_code = $1", &[&r[0].cf])
        .await
        .unwrap()
        .get(0);
    assert_eq!(number, "1");
    // The same file again, with nothing in between: nothing to do.
    assert!(import(monday).await.already_done_by.is_some());
}

/// A quote opened as a line's last character and closed at the end of the next one: one record
/// over the two lines (its line breaks at the edges of a field count, before fields are
/// trimmed), rejected, and the snapshot removes nobody.
#[tokio::test]
async fn a_quote_at_a_lines_end_is_no_way_to_hide_the_next_resident() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let all = loaded(&db, dir.path(), 20).await;
    let mut lines: Vec<String> = all.iter().map(|r| line(r, iso)).collect();
    // Resident 10 ends their line with an opening quote, resident 11 with its close.
    lines[10].push_str(";\"");
    lines[11].push('"');
    // And a field that starts with a line break, quoted.
    lines[4] = lines[4].replace(";Via Roma;", ";\"\r\nVia Roma\";");
    let file = write(dir.path(), "snapshot.csv", file_of(&lines));
    let s = db.admin().await;
    let opts = Options { full_snapshot: true, ..Options::default() };
    let r = registry_import::import(&s, Source::Cia, &file, &opts, &Quiet).await.unwrap();
    let reasons: Vec<(u64, &str)> = r.rejected.iter().map(|j| (j.line, j.reason.as_str())).collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons[0].1.starts_with("one record over lines 6-7"), "{reasons:?}");
    assert!(reasons[1].1.starts_with("one record over lines 13-14"), "{reasons:?}");
    assert!(r.departures_withheld && r.ceased == 0, "{r:?}");
    assert_eq!(mirror(&db).await.len(), 20, "nobody removed");
}
