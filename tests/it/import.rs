use std::path::Path;

use sportello::batch::Quiet;
use sportello::batch::registry_import::{self, Options};
use sportello::store::registry::Source;

use crate::harness::{TestDb, text};

fn sample(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(name)
}

#[tokio::test]
async fn every_kind_of_bad_row_is_reported_and_the_good_rows_imported() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let summary = registry_import::import(&s, Source::Cia, &sample("cia-with-errors.csv"), &Options::default(), &Quiet)
        .await
        .unwrap();
    assert_eq!(summary.rows, 11);
    assert_eq!(summary.inserted, 2);
    let got: Vec<(u64, &str)> = summary.rejected.iter().map(|r| (r.line, r.field.as_str())).collect();
    assert_eq!(
        got,
        [
            (4, "fiscal_code"),
            (5, "fiscal_code"),
            (6, "birth_date"),
            (7, "sex"),
            (8, "municipality"),
            (9, "fiscal_code"),
            (10, "postcode"),
            (11, "doc_type"),
            (12, "fiscal_code"),
        ]
    );
    assert!(summary.rejected[0].reason.contains("check character"));
    assert!(summary.rejected[5].reason.contains("duplicate of line 2"));
    let n: i64 = db.owner().await.query_one("SELECT count(*) FROM cia_residents", &[]).await.unwrap().get(0);
    assert_eq!(n, 2);
}

#[tokio::test]
async fn re_import_touches_nothing_and_changes_are_applied() {
    let db = TestDb::new().await;
    let out = db.cli(Some("admin"), &["import-cia", sample("cia.csv").to_str().unwrap()]);
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("6 rows: 6 new, 0 changed, 0 unchanged, 0 rejected"), "{stderr}");
    let out = db.cli(Some("admin"), &["import-cia", sample("cia.csv").to_str().unwrap()]);
    assert!(text(&out).1.contains("was imported completely by run 1: nothing to do"), "{}", text(&out).1);
    let out = db.cli(Some("admin"), &["import-cia", sample("cia.csv").to_str().unwrap(), "--force"]);
    assert!(text(&out).1.contains("6 rows: 0 new, 0 changed, 6 unchanged"), "{}", text(&out).1);
    let accented: String = db
        .owner()
        .await
        .query_one("SELECT first_name || ' ' || last_name FROM cia_residents WHERE res_municipality = '001156'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(accented, "Nicolò D'Amico");

    // A file saved on Windows (Windows-1252) with one change.
    let utf8 = std::fs::read_to_string(sample("cia.csv")).unwrap().replace("Via Roma", "Via Dante");
    let (cp1252, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&utf8);
    assert!(!unmappable);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("legacy.csv");
    std::fs::write(&path, &*cp1252).unwrap();
    let out = db.cli(Some("admin"), &["import-cia", path.to_str().unwrap()]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 3, "not UTF-8 without --encoding: refused whole: {stderr}");
    assert!(stderr.contains("line 4: not utf-8 text (byte 0xF2)"), "{stderr}");
    assert!(stderr.contains("--encoding windows-1252"), "the flag that reads it: {stderr}");
    assert!(stdout.is_empty(), "no reject per line: {stdout}");
    let out = db.cli(Some("admin"), &["import-cia", path.to_str().unwrap(), "--encoding", "latin-1"]);
    assert!(text(&out).1.contains("6 rows: 0 new, 1 changed, 5 unchanged"), "{}", text(&out).1);
    let name: String = db
        .owner()
        .await
        .query_one("SELECT first_name FROM cia_residents WHERE res_municipality = '001156'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(name, "Nicolò", "Windows-1252 decoded");

    // Rejects report to a file; exit code 3 when some rows were bad.
    let report = dir.path().join("rejects.csv");
    let out = db.cli(
        Some("admin"),
        &["import-aura", sample("cia-with-errors.csv").to_str().unwrap(), "--rejects", report.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(8));
    let report = std::fs::read_to_string(report).unwrap();
    assert!(report.starts_with("line,field,value,reason\n4,fiscal_code,"), "{report}");
    assert_eq!(report.lines().count(), 10);
}

#[tokio::test]
async fn a_file_without_the_needed_columns_is_refused_whole() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    std::fs::write(&path, "cf;name\nRSSMRA85T10L219G;Mario\n").unwrap();
    let out = db.cli(Some("admin"), &["import-cia", path.to_str().unwrap()]);
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 3);
    assert!(stderr.contains("the header has no column 'fiscal_code'"), "{stderr}");
    let out = db.cli(Some("admin"), &["import-cia", "/nonexistent.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).1.contains("cannot read /nonexistent.csv"));

    // Another vendor's export: the residence's columns named otherwise, or left out, would read
    // as empty and blank the mirror's addresses, which a pre-load's letters go to; a column named
    // twice leaves unknown which holds the value. Each is refused whole, nothing written.
    let sample = std::fs::read_to_string(sample("cia.csv")).unwrap();
    let owner = db.owner().await;
    let residents =
        || async { owner.query_one("SELECT count(*) FROM cia_residents", &[]).await.unwrap().get::<_, i64>(0) };
    let before = residents().await;
    for (header, column) in [
        (sample.lines().next().unwrap().replace(";address;", ";indirizzo;"), "address"),
        (sample.lines().next().unwrap().replace(";postcode;", ";cap;"), "postcode"),
        (sample.lines().next().unwrap().replace(";doc_number;", ";doc_no;"), "doc_number"),
    ] {
        let body: Vec<&str> = sample.lines().skip(1).collect();
        std::fs::write(&path, format!("{header}\n{}\n", body.join("\n"))).unwrap();
        let out = db.cli(Some("admin"), &["import-cia", path.to_str().unwrap()]);
        let (_, stderr, code) = text(&out);
        assert_eq!(code, 3, "{column}: {stderr}");
        assert!(stderr.contains(&format!("the header has no column '{column}'")), "{stderr}");
    }
    let twice = sample
        .replacen("doc_issuer", "doc_issuer;LAST_NAME", 1)
        .replace("Comune di Torino\n", "Comune di Torino;Bianchi\n");
    std::fs::write(&path, &twice).unwrap();
    let out = db.cli(Some("admin"), &["import-cia", path.to_str().unwrap()]);
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("names the column 'last_name' twice"), "{stderr}");
    assert_eq!(residents().await, before, "nothing written");
}

/// An export whose lines end in a carriage return alone (old Mac programs): read, and its
/// rejects named by their physical line.
#[tokio::test]
async fn lines_ended_by_a_carriage_return_alone_are_counted() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mac.csv");
    let sample = std::fs::read_to_string(sample("cia.csv")).unwrap();
    let mut lines: Vec<String> = sample.lines().map(String::from).collect();
    lines[2] = lines[2].replacen(";M;", ";X;", 1).replacen(";F;", ";X;", 1);
    std::fs::write(&path, lines.join("\r") + "\r").unwrap();
    let report = dir.path().join("rejects.csv");
    let out = db.cli(Some("admin"), &["import-cia", path.to_str().unwrap(), "--rejects", report.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out).1);
    let report = std::fs::read_to_string(report).unwrap();
    assert!(report.starts_with("line,field,value,reason\n3,sex,X,"), "{report}");
    assert_eq!(report.lines().count(), 2, "{report}");
}
