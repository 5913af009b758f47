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

/// Every registration made an active account (its operations done), then a PIN by post asked
/// for each of `numbers` and the postal run that prints them (its files in the directory
/// returned).
async fn posted_to_active_accounts(
    db: &TestDb,
    s: &sportello::session::Session,
    desk: &sportello::desk::handover::Desk,
    numbers: &[i64],
) -> (tempfile::TempDir, postal::Report) {
    db.owner()
        .await
        .batch_execute(
            "UPDATE operations SET status = 'S', closed_at = now() WHERE status = 'A';
             UPDATE registrations SET state = 'attivato'",
        )
        .await
        .unwrap();
    for &n in numbers {
        reprint::request_pin_by_post(s, &Key::Number(n)).await.unwrap();
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
    let report = postal::run(s, desk, &opts, &Quiet).await.unwrap();
    (out, report)
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
    let (_out, report) = posted_to_active_accounts(&db, &s, &desk, &[ro, it]).await;
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
    // Active accounts: the PIN replaces theirs, and nobody is told to choose a username or to
    // use an activation code that was never sent.
    let said = poppler.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(said.matches("Questo PIN prende da subito il posto del precedente").count(), 2, "{said}");
    assert!(!said.contains("scegliere username") && !said.contains("codice di attivazione che ha ricevuto"), "{said}");
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

fn pdfinfo(pdf: &Path) -> String {
    poppler("pdfinfo", &[], pdf)
}

/// The catalog's /Lang of a PDF.
fn language(pdf: &Path) -> String {
    let doc = lopdf::Document::load(pdf).unwrap();
    let catalog = doc.catalog().unwrap();
    String::from_utf8(catalog.get(b"Lang").unwrap().as_str().unwrap().to_vec()).unwrap()
}

/// Every letter a citizen may hold, read back with pdftotext: in Italian, from the sending
/// office with its helpdesk, with the registration's reference; the data summary prints
/// everything on record; what the citizen signs leaves place and date blank; each PDF is
/// tagged, in Italian, with its title.
#[tokio::test]
async fn every_letter_reads_back_in_italian_tagged_with_everything_on_record() {
    use sportello::desk::reprint::Reprint;
    use sportello::domain::{DelegateKind, DocType};

    let db = TestDb::new().await;
    let s = db.admin().await;
    let mut desk = db.desk();
    desk.office = sportello::letters::Office {
        sender: vec!["Regione Piemonte".into(), "Sportello ASL Città di Torino".into(), "Via San Secondo 29".into()],
        helpdesk: "Assistenza: 011 0000000, assistenza@example.it".into(),
    };
    let rosa = Citizen::new("BNCRSO", "Rosa", "Bianchi", "1961-07-14", Sex::F);
    let mut request = rosa.request();
    request.data.notes.operator_note = Some("Documento rinnovato a giugno".into());
    request.data.notes.other_notes = Some("Preferisce essere contattata di mattina".into());
    let n = match register::prepare(&s, request).await.unwrap() {
        Prepared::New(draft) => register::register(&s, *draft).await.unwrap().registration_number,
        Prepared::AlreadyRegistered(r) => panic!("already registered as {}", r.registration_number),
    };
    let delegate = sportello::domain::Delegate {
        kind: DelegateKind::Proxy,
        first_name: "Anna".into(),
        last_name: "Verdi".into(),
        fiscal_code: crate::fixtures::cf("VRDNNA", crate::fixtures::date("1970-01-01"), 'F', "L219"),
        doc_type: DocType::Passport,
        doc_number: "YA0000001".into(),
        doc_issued: crate::fixtures::date("2020-01-01"),
        doc_issuer: "Questura di Torino".into(),
        email: Some("anna.verdi@example.it".into()),
        phone: Some("3339876543".into()),
    };
    let request = book::Request {
        key: Key::Number(n),
        operation: OperationKind::Verification,
        delegate: Some(delegate),
        print_code: true,
    };
    let b = book::book(&s, &desk, request).await.unwrap();
    let mut paths = b.letters.clone();
    let which = [Reprint::Rules, Reprint::ProxyForm, Reprint::Guardianship];
    paths.extend(reprint::print_letters(&s, &desk, &Key::Number(n), &which).await.unwrap());
    // A revocation code letter too, for another citizen.
    let mario = Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M);
    let m = mario.register(&s).await;
    let request =
        book::Request { key: Key::Number(m), operation: OperationKind::Revocation, delegate: None, print_code: true };
    let revocation = book::book(&s, &desk, request).await.unwrap();
    paths.push(letter(&revocation.letters, "codice-revoca"));

    // Registrations and checks are dated in Italy, documents on the day they are written.
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Rome).format("%d/%m/%Y").to_string();
    let written = chrono::Utc::now().format("%d/%m/%Y").to_string();
    let r = sportello::store::registrations::find(&s.db.client().await.unwrap(), &Key::Number(n), None).await.unwrap();
    let ente = r.verified_ente.clone().unwrap();
    for (slug, title) in [
        ("pin", "Consegna del codice PIN"),
        ("codice-attivazione", "Consegna del codice di attivazione"),
        ("codice-revoca", "Consegna del codice di revoca"),
        ("riepilogo", "Riepilogo dei dati di registrazione"),
        ("regolamento", "Regolamento per il rilascio delle credenziali di Sistema Piemonte"),
        ("modulo-delega", "Modulo delega richiesta credenziali"),
        (
            "dichiarazione-sostitutiva",
            "Dichiarazione sostitutiva per conto di soggetti tutelati o impossibilitati alla firma",
        ),
    ] {
        let path = letter(&paths, slug);
        let info = pdfinfo(&path);
        assert!(info.lines().any(|l| l.starts_with("Tagged:") && l.ends_with("yes")), "{slug} tagged:\n{info}");
        assert!(info.lines().any(|l| l.starts_with("Title:") && l.ends_with(title)), "{slug} title:\n{info}");
        assert_eq!(language(&path), "it-IT", "{slug}");
        let text = pdftotext(&path);
        let number = if slug == "codice-revoca" { m } else { n };
        for needle in [
            "Sportello ASL Città di Torino",
            "Via San Secondo 29",
            "Assistenza: 011 0000000, assistenza@example.it",
            &format!("Rif.: Registrazione n. {number} del {today}"),
        ] {
            assert!(text.contains(needle), "{slug} lacks {needle:?}:\n{text}");
        }
        assert!(!text.contains("Community"), "{slug} in English:\n{text}");
        let signed = ["regolamento", "modulo-delega", "dichiarazione-sostitutiva"].contains(&slug);
        if signed {
            // Place and date are the signer's: a blank line under "Luogo e data", no date printed
            // but the birth date and the registration's.
            let after = text.split("Luogo e data").nth(1).unwrap_or_else(|| panic!("{slug}: no Luogo e data:\n{text}"));
            assert!(after.trim_start().lines().take(3).any(|l| l.trim().starts_with("_____")), "{slug}:\n{text}");
            assert!(
                !text.contains(&format!("Torino, {today}")) && !text.contains("Data del documento"),
                "{slug}:\n{text}"
            );
        } else {
            assert!(text.contains(&format!("Data del documento: {written}")), "{slug}:\n{text}");
        }
    }
    let summary = pdftotext(&letter(&paths, "riepilogo"));
    for needle in [
        "Portale di registrazione",
        "Data del riscontro",
        &today,
        "Ente del riscontro",
        &ente,
        "Registrazione forte",
        "Comunicazione allo sportello",
        "Documento rinnovato a giugno",
        "Altre note",
        "Preferisce essere contattata di mattina",
        "Delegato dell'ultima operazione",
        "modulo delega",
        "Anna",
        "Verdi",
        "passaporto",
        "YA0000001",
        "01/01/2020",
        "Questura di Torino",
        "anna.verdi@example.it",
        "3339876543",
        "Stato dell'operazione",
        "attiva",
    ] {
        assert!(summary.contains(needle), "the summary lacks {needle:?}:\n{summary}");
    }
}

/// One letters directory per clerk (README, "Who acts"): the portal and the helpdesk cannot
/// remove a clerk's files, so the clerk's next command sweeps the letters whose operation ended
/// or whose registration was erased; a letter printed with no operation in progress stays until
/// the registration goes.
#[tokio::test]
async fn a_clerks_letters_go_after_completion_and_erasure_at_the_clerks_next_command() {
    use sportello::batch::letter_revocations;
    use sportello::desk::reprint::Reprint;

    let db = TestDb::new().await;
    let s = db.admin().await;
    let clerk_dir = tempfile::tempdir().unwrap();
    let mut clerk = db.desk();
    clerk.letters_dir = clerk_dir.path().join("letters");
    let portal = db.desk(); // the portal's and the helpdesk's own letters directory
    let files_of = |n: i64| -> Vec<PathBuf> {
        std::fs::read_dir(clerk.letters_dir.join(n.to_string()))
            .map(|d| d.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default()
    };

    let activated = Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M);
    let revoked = Citizen::new("BNCGLI", "Giulia", "Bianchi", "1992-04-18", Sex::F);
    let by_letter = Citizen::new("FRRLCU", "Lucia", "Ferrero", "1955-01-30", Sex::F);
    let (a, r, l) = (activated.register(&s).await, revoked.register(&s).await, by_letter.register(&s).await);
    let req = |n: i64, operation| book::Request { key: Key::Number(n), operation, delegate: None, print_code: true };

    // The clerk books all three (each booking sweeps the clerk's directory: nothing due yet).
    let booked = book::book(&s, &clerk, req(a, OperationKind::Verification)).await.unwrap();
    assert_eq!(booked.letters.len(), 3, "PIN, summary, activation code: {:?}", booked.letters);
    let to_revoke = book::book(&s, &clerk, req(r, OperationKind::Revocation)).await.unwrap();
    // A verification in progress, its PIN in force, when the registered letter arrives.
    book::book(&s, &clerk, req(l, OperationKind::Verification)).await.unwrap();

    // Online activation and revocation, with the portal's own letters directory.
    let pin = crate::desk::pin_in(&booked.letters);
    let code = crate::desk::code_in(&pdftotext(&letter(&booked.letters, "codice-attivazione")));
    sportello::portal::activate(&db.db, &portal, crate::desk::activation(&activated.cf, &code, &pin)).await.unwrap();
    let code = crate::desk::code_in(&pdftotext(&letter(&to_revoke.letters, "codice-revoca")));
    sportello::portal::revoke(&db.db, &portal, &revoked.cf, &code).await.unwrap();
    // Revocation by registered letter, at the helpdesk.
    let outcome = letter_revocations::revoke_one(&s, &portal, by_letter.letter("RACC-17")).await.unwrap();
    assert!(matches!(outcome, letter_revocations::Outcome::Revoked { .. }), "{outcome:?}");
    // Printed after the completion, with no operation in progress: stays while the registration does.
    let kept = reprint::print_letters(&s, &clerk, &Key::Number(a), &[Reprint::Summary]).await.unwrap();

    // Still there: the other processes write elsewhere.
    assert_eq!((files_of(a).len(), files_of(r).len(), files_of(l).len()), (4, 2, 3));

    // The clerk's next command, whatever it is, sweeps their directory.
    let out = db
        .command(Some("admin"), &["show", "--number", &a.to_string()])
        .env("SPORTELLO_LETTERS_DIR", &clerk.letters_dir)
        .output()
        .unwrap();
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(files_of(a), kept, "only the summary printed after the completion is left");
    for n in [r, l] {
        assert!(!clerk.letters_dir.join(n.to_string()).exists(), "the erased registration's letters and directory");
    }
    let rows: Vec<String> = db
        .owner()
        .await
        .query("SELECT path FROM operation_letters ORDER BY path", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(rows, [kept[0].canonicalize().unwrap().display().to_string()]);

    // The erasure of the last one takes it too, at the clerk's next sweep.
    let b = book::book(&s, &clerk, req(a, OperationKind::Revocation)).await.unwrap();
    let code = crate::desk::code_in(&pdftotext(&letter(&b.letters, "codice-revoca")));
    sportello::portal::revoke(&db.db, &portal, &activated.cf, &code).await.unwrap();
    assert!(!files_of(a).is_empty());
    let swept = sportello::desk::letter_files::sweep(&s.db.client().await.unwrap(), &clerk.letters_dir).await.unwrap();
    assert_eq!(swept, 3, "the reprinted summary, the booking's summary and its revocation code letter");
    assert!(!clerk.letters_dir.join(a.to_string()).exists());
}

/// Another clerk cannot make a clerk's letters escape their sweep: the due rows of letters are
/// listed and forgotten only for the login that recorded them (sql/V37).
#[tokio::test]
async fn another_login_can_neither_list_nor_forget_a_clerks_due_letters() {
    let db = TestDb::new().await;
    let alice = db.operator(&db.unique("alice"), &["TO"], &[]).await;
    let mallory = db.unique("mallory");
    db.add_operator(&mallory, &[sportello::domain::Role::Desk], &["TO"], &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let mut clerk = db.desk();
    clerk.letters_dir = dir.path().join("letters");
    let portal = db.desk();

    let citizen = Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M);
    let number = citizen.register(&alice).await;
    let request = book::Request {
        key: Key::Number(number),
        operation: OperationKind::Verification,
        delegate: None,
        print_code: true,
    };
    let booked = book::book(&alice, &clerk, request).await.unwrap();
    // Completed online: the letters of the verification are due.
    let pin = crate::desk::pin_in(&booked.letters);
    let code = crate::desk::code_in(&pdftotext(&letter(&booked.letters, "codice-attivazione")));
    sportello::portal::activate(&db.db, &portal, crate::desk::activation(&citizen.cf, &code, &pin)).await.unwrap();

    let prefix = format!("{}/", std::fs::canonicalize(&clerk.letters_dir).unwrap().display());
    let due = "SELECT path FROM api.letters_due($1) ORDER BY path";
    let other = crate::harness::raw(&db, &mallory).await;
    assert!(other.query(due, &[&prefix]).await.unwrap().is_empty(), "another login lists none of them");
    let paths: Vec<String> =
        booked.letters.iter().map(|p| std::fs::canonicalize(p).unwrap().display().to_string()).collect();
    let forgotten: i64 = other.query_one("SELECT api.letters_forget($1)", &[&paths]).await.unwrap().get(0);
    assert_eq!(forgotten, 0, "another login forgets none of them");

    // The clerk's own login still lists and forgets them.
    let own = crate::harness::raw(&db, &alice.operator.id).await;
    let listed: Vec<String> = own.query(due, &[&prefix]).await.unwrap().iter().map(|r| r.get(0)).collect();
    let mut expected = paths.clone();
    expected.sort();
    assert_eq!(listed, expected);
    let forgotten: i64 = own.query_one("SELECT api.letters_forget($1)", &[&paths]).await.unwrap().get(0);
    assert_eq!(forgotten, paths.len() as i64);
}

/// Every word of a PDF with its right edge (`pdftotext -bbox`), in points.
fn word_edges(pdf: &Path) -> Vec<(String, f32)> {
    let html = poppler("pdftotext", &["-bbox", "-enc", "UTF-8"], pdf);
    html.split("<word ")
        .skip(1)
        .map(|w| {
            let x_max = w.split("xMax=\"").nth(1).and_then(|r| r.split('"').next()).unwrap().parse().unwrap();
            let text = w.split('>').nth(1).and_then(|r| r.split("</word").next()).unwrap_or_default();
            (text.to_string(), x_max)
        })
        .collect()
}

/// A long street with its kilometre, a long c/o, long names: the envelope's window shows the
/// whole address, and the forms the whole name by the signature, nothing past the right margin.
#[tokio::test]
async fn long_names_and_addresses_are_printed_whole_inside_the_page() {
    use sportello::desk::reprint::Reprint;

    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let n = Citizen::new("LPRMNT", "Maria", "Lopresti", "1952-07-22", Sex::F).register(&s).await;
    db.owner()
        .await
        .execute(
            "UPDATE registrations SET first_name = 'Maria Antonietta Giuseppina',
                    last_name = 'Lo Presti Seminerio della Valle di Casanova',
                    res_address = 'Strada Provinciale 589 dei Laghi di Avigliana', res_street_number = 'km 12,300',
                    dom_care_of = 'RSA Casa di Riposo Piccola Casa della Divina Provvidenza',
                    dom_address = 'Via San Giuseppe Benedetto Cottolengo', dom_street_number = '14',
                    dom_municipality = '001272', dom_province = 'TO', dom_postcode = '10152', dom_send_mail = true",
            &[],
        )
        .await
        .unwrap();
    let right = 595.0 - 56.0 + 0.5;
    let forms =
        reprint::print_letters(&s, &desk, &Key::Number(n), &[Reprint::ProxyForm, Reprint::Rules]).await.unwrap();
    for pdf in &forms {
        let outside: Vec<(String, f32)> = word_edges(pdf).into_iter().filter(|(_, x)| *x > right).collect();
        assert!(outside.is_empty(), "{}: past the margin: {outside:?}", pdf.display());
        assert!(pdftotext(pdf).contains("Casanova"), "{}", pdf.display());
    }
    let (_out, report) = posted_to_active_accounts(&db, &s, &desk, &[n]).await;
    let pdf = &report.files[0];
    let outside: Vec<(String, f32)> = word_edges(pdf).into_iter().filter(|(_, x)| *x > right).collect();
    assert!(outside.is_empty(), "past the margin: {outside:?}");
    let window = pdftotext(pdf).split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        "MARIA ANTONIETTA GIUSEPPINA LO PRESTI SEMINERIO DELLA VALLE DI CASANOVA",
        "C/O RSA CASA DI RIPOSO PICCOLA CASA DELLA DIVINA PROVVIDENZA",
        "VIA SAN GIUSEPPE BENEDETTO COTTOLENGO 14",
    ] {
        assert!(window.to_uppercase().contains(needle), "{needle:?} not whole in:\n{window}");
    }
}
