//! Letters print every name the registry can hold (embedded DejaVu Sans), and a name with a
//! character the fonts lack is refused at input, never dropped from a letter.

use std::path::{Path, PathBuf};
use std::process::Command;

use sportello::batch::registry_import::{self, Options as ImportOptions};
use sportello::batch::{Quiet, postal};
use sportello::desk::book;
use sportello::desk::register::{self, Prepared};
use sportello::desk::reprint;
use sportello::domain::{OperationKind, Sex};
use sportello::letters::extract_text;
use sportello::store::registrations::Key;
use sportello::store::registry::Source;

use crate::fixtures::Citizen;
use crate::harness::{TestDb, text};

/// A poppler-utils tool's output on a PDF (`.ci/run` installs poppler-utils).
fn poppler(tool: &str, args: &[&str], pdf: &Path) -> String {
    let out = Command::new(tool)
        .args(args)
        .arg(pdf)
        .args(if tool == "pdftotext" { &["-"][..] } else { &[][..] })
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool} ({e}): apt-get install poppler-utils"));
    assert!(out.status.success(), "{tool} {}: {}", pdf.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn pdftotext(pdf: &Path) -> String {
    poppler("pdftotext", &["-enc", "UTF-8"], pdf)
}

/// Every font of a PDF is embedded, subset and has a ToUnicode map (pdffonts' emb, sub, uni).
fn assert_fonts_embedded(pdf: &Path) {
    let listing = poppler("pdffonts", &[], pdf);
    let fonts: Vec<&str> = listing.lines().skip(2).collect();
    assert_eq!(fonts.len(), 3, "{listing}");
    for line in fonts {
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert!(cols[0].contains("+DejaVuSans"), "a subset of DejaVu Sans: {line}");
        assert_eq!(&cols[1..6], ["CID", "TrueType", "Identity-H", "yes", "yes"], "embedded and subset: {line}");
        assert_eq!(cols[6], "yes", "with a ToUnicode map: {line}");
    }
}

fn letter(paths: &[PathBuf], slug: &str) -> PathBuf {
    paths.iter().find(|p| p.to_string_lossy().ends_with(&format!("-{slug}.pdf"))).cloned().unwrap()
}

#[tokio::test]
async fn names_beyond_latin_1_print_and_read_back_from_the_letters() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let romanian = Citizen::new("STFLKS", "Łukasz", "Ștefănescu", "1990-05-17", Sex::M);
    let italian = Citizen::new("DLSNCL", "Nicolò", "D’Alessandro Parè", "1978-09-02", Sex::M);
    let ro = romanian.register(&s).await;
    // The fixture's email would carry the apostrophe, which an address cannot.
    let mut request = italian.request();
    request.data.contacts.email = Some("nicolo.dalessandro@example.it".into());
    let it = match register::prepare(&s, request).await.unwrap() {
        Prepared::New(draft) => register::register(&s, *draft).await.unwrap().registration_number,
        Prepared::AlreadyRegistered(r) => panic!("already registered as {}", r.registration_number),
    };
    db.owner()
        .await
        .execute("UPDATE registrations SET res_address = 'Via Sant’Agostino', doc_issuer = 'Comune di Cirié'", &[])
        .await
        .unwrap();

    // At the desk: the PIN letter and the data summary.
    let b = book::book(
        &s,
        &desk,
        book::Request {
            key: Key::Number(ro),
            operation: OperationKind::Verification,
            delegate: None,
            print_code: true,
        },
    )
    .await
    .unwrap();
    for (slug, needles) in [
        ("pin", &["Gentile Sig. Łukasz Ștefănescu,", "Łukasz Ștefănescu"][..]),
        ("riepilogo", &["Łukasz", "Ștefănescu", "Via Sant’Agostino", "Comune di Cirié", "identità"][..]),
    ] {
        let path = letter(&b.letters, slug);
        assert_fonts_embedded(&path);
        let poppler = pdftotext(&path);
        let lopdf = extract_text(&std::fs::read(&path).unwrap()).unwrap();
        for needle in needles {
            assert!(poppler.contains(needle), "pdftotext: {slug} lacks {needle:?}:\n{poppler}");
            assert!(lopdf.contains(needle), "lopdf: {slug} lacks {needle:?}:\n{lopdf}");
        }
    }

    // By post: both letters in one file, its fonts subset for the glyphs of both. Both are
    // active accounts by now (a PIN by post never follows a desk booking in progress).
    db.owner()
        .await
        .batch_execute(
            "UPDATE operations SET status = 'S', closed_at = now() WHERE status = 'A';
             UPDATE registrations SET state = 'attivato'",
        )
        .await
        .unwrap();
    for n in [ro, it] {
        reprint::request_pin_by_post(&s, &Key::Number(n)).await.unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let opts = postal::Options {
        province: None,
        limit: None,
        batch_size: 10,
        out: out.path().into(),
        dry_run: false,
        group: None,
    };
    let report = postal::run(&s, &desk, &opts, &Quiet).await.unwrap();
    assert_eq!((report.letters, report.files.len()), (2, 1));
    let pdf = &report.files[0];
    assert_fonts_embedded(pdf);
    let poppler = pdftotext(pdf);
    let lopdf = extract_text(&std::fs::read(pdf).unwrap()).unwrap();
    for needle in [
        "ŁUKASZ ȘTEFĂNESCU",
        "Gentile Sig. Łukasz Ștefănescu,",
        "NICOLÒ D’ALESSANDRO PARÈ",
        "Gentile Sig. Nicolò D’Alessandro Parè,",
        "Via Sant’Agostino 10/B",
        "Il PIN è strettamente personale",
    ] {
        assert!(poppler.contains(needle), "pdftotext lacks {needle:?}:\n{poppler}");
        assert!(lopdf.contains(needle), "lopdf lacks {needle:?}:\n{lopdf}");
    }
    assert_eq!(poppler.matches("Consegna del codice PIN").count(), 2);
    assert_eq!(poppler.matches('\u{FFFD}').count(), 0, "no glyph without its character");
    let manifest = std::fs::read_to_string(pdf.with_extension("csv")).unwrap();
    assert!(manifest.contains("ŁUKASZ ȘTEFĂNESCU") && manifest.contains("NICOLÒ D’ALESSANDRO PARÈ"), "{manifest}");
}

#[tokio::test]
async fn a_character_the_letters_cannot_print_is_refused_at_the_desk_and_in_imports() {
    let db = TestDb::new().await;
    let cf = Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M).cf;
    let mut args = crate::cli::register_args(&cf, &[]);
    let last = args.iter().position(|a| *a == "--last-name").unwrap() + 1;
    // A CJK ideograph: DejaVu Sans has none.
    args[last] = "Rossi 李";
    let out = db.cli(Some("admin"), &args);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 3, "stdout: {stdout}\nstderr: {stderr}");
    assert!(stderr.contains("the letters cannot print '李' (U+674E) in last-name"), "{stderr}");
    let n: i64 = db.owner().await.query_one("SELECT count(*) FROM registrations", &[]).await.unwrap().get(0);
    assert_eq!(n, 0, "nothing registered");
    // The same registration with a name the fonts hold goes in.
    args[last] = "Ștefănescu";
    let (_, stderr, code) = text(&db.cli(Some("admin"), &args));
    assert_eq!(code, 0, "{stderr}");

    // In a registry file, such rows are rejected with their line, field and reason.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unprintable.csv");
    std::fs::write(
        &path,
        "fiscal_code;first_name;last_name;birth_date;sex;address;street_number;postcode;municipality;doc_type;doc_number;doc_issued;doc_issuer\n\
         BNCGLI92D58L219Y;Giulia;Bianchi;1992-04-18;F;Corso Francia;23/B;10138;001272;passport;YA7654321;2021-06-01;Questura di Torino\n\
         DMCNCL78P02F335K;Nicolò 🦀;D'Amico;1978-09-02;M;Strada Revigliasco;115;10024;001156;identity-card;CA98765BB;2020-11-15;Comune di Moncalieri\n\
         FRRLCU55A70A479I;Lucia;Ferrero;1955-01-30;F;Piazza 李 Secondo;5;14100;005005;;;;\n\
         CSTFNC88C65L219X;Francesca;Costa Łukaszewicz;1988-03-25;F;Via Garibaldi;8;10122;001272;;;;\n",
    )
    .unwrap();
    let s = db.admin().await;
    let summary = registry_import::import(&s, Source::Cia, &path, &ImportOptions::default(), &Quiet).await.unwrap();
    assert_eq!((summary.rows, summary.inserted), (4, 2));
    let got: Vec<(u64, &str, &str, &str)> =
        summary.rejected.iter().map(|r| (r.line, r.field.as_str(), r.value.as_str(), r.reason.as_str())).collect();
    assert_eq!(
        got,
        [
            (3, "first_name", "Nicolò 🦀", "the letters cannot print '🦀' (U+1F980)"),
            (4, "address", "Piazza 李 Secondo", "the letters cannot print '李' (U+674E)"),
        ]
    );
}
