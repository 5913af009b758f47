//! Files holding secrets (issue 9, item 4): 0600 in 0700 directories, unreadable by another OS
//! user; the PIN and code letters of an operation removed once it is completed or discarded.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use sportello::batch::{Quiet, postal};
use sportello::desk::book::{self, Booked};
use sportello::desk::handover::{Desk, holds_secret};
use sportello::desk::reprint;
use sportello::domain::{OperationKind, Sex};
use sportello::portal::{self, Activation};
use sportello::session::Session;
use sportello::store::registrations::Key;

use crate::desk::{code_in, pin_in};
use crate::fixtures::Citizen;
use crate::harness::TestDb;

/// Can the OS user `nobody` read this file? (The tests run as root: `runuser` is there.)
fn nobody_reads(path: &Path) -> bool {
    Command::new("runuser")
        .args(["-u", "nobody", "--", "cat"])
        .arg(path)
        .output()
        .expect("runuser (util-linux)")
        .status
        .success()
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// The test's own directory opened to everyone, as a service's home under /srv or /var would
/// be: only the modes sportello gives its files protect them.
fn open_to_everyone(db: &TestDb) {
    std::fs::set_permissions(db.files.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
}

async fn book(s: &Session, desk: &Desk, number: i64, op: OperationKind, print_code: bool) -> Booked {
    book::book(s, desk, book::Request { key: Key::Number(number), operation: op, delegate: None, print_code })
        .await
        .unwrap()
}

fn activation(cf: &str, code: &str, pin: &str) -> Activation {
    Activation {
        fiscal_code: cf.into(),
        activation_code: code.into(),
        pin: pin.into(),
        accept_rules: true,
        username: Some("mario.rossi".into()),
        password: Some("Torino2026!sicura".into()),
        secret_question: Some("Nome del primo cane?".into()),
        secret_answer: Some("Fido".into()),
    }
}

fn mario() -> Citizen {
    Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M)
}

fn luca() -> Citizen {
    Citizen::new("VRDLCU", "Luca", "Verdi", "1970-01-01", Sex::M)
}

fn sara() -> Citizen {
    Citizen::new("SPSSRA", "Sara", "Esposito", "1995-08-14", Sex::F)
}

#[tokio::test]
async fn no_other_user_reads_letters_emails_postal_files_or_reports() {
    let db = TestDb::new().await;
    open_to_everyone(&db);
    // The test can fail: a file as the defaults would make it is read by `nobody`.
    let control = db.files.path().join("control.txt");
    std::fs::write(&control, "readable").unwrap();
    std::fs::set_permissions(&control, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(nobody_reads(&control), "runuser works and the test directory is open");

    let s = db.admin().await;
    let desk = db.desk();
    // Letters (PIN, summary, code letter) and an email with the code in the outbox.
    let m = mario().register(&s).await;
    book(&s, &desk, m, OperationKind::Verification, false).await;
    let n = sara().register(&s).await;
    book(&s, &desk, n, OperationKind::Verification, true).await;
    reprint::print_letters(&s, &desk, &Key::Number(n), &[reprint::Reprint::Summary]).await.unwrap();
    // Postal output: a PDF and its manifest.
    let l = luca().register(&s).await;
    reprint::request_pin_by_post(&s, &Key::Number(l)).await.unwrap();
    let postal_dir = db.files.path().join("postal");
    let opts = postal::Options {
        province: None,
        limit: None,
        batch_size: 10,
        out: postal_dir.clone(),
        dry_run: false,
        group: None,
    };
    postal::run(&s, &desk, &opts, &Quiet).await.unwrap();
    // A report of rejected rows (it carries fiscal codes), through the binary.
    let letters = db.files.path().join("letters.csv");
    std::fs::write(
        &letters,
        "fiscal_code;first_name;last_name;doc_number;doc_issued;protocol;protocol_date\nRSSMRA85T10L219G;;;;;P-1;\n",
    )
    .unwrap();
    let report = db.files.path().join("reports/revocations.csv");
    let out = db
        .cli(Some("admin"), &["revoke", "--letters", letters.to_str().unwrap(), "--report", report.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(8), "{:?}", crate::harness::text(&out));

    let mut checked = 0;
    for dir in [db.files.path().join("letters"), db.outbox(), postal_dir, db.files.path().join("reports")] {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
        let files = files_under(&dir);
        assert!(!files.is_empty(), "{} has files", dir.display());
        for f in files {
            assert_eq!(mode(&f), 0o600, "{}", f.display());
            assert_eq!(mode(f.parent().unwrap()), 0o700, "{}", f.display());
            assert!(!nobody_reads(&f), "nobody read {}", f.display());
            checked += 1;
        }
    }
    // PIN and summary (Mario), PIN, summary, code and a reprint (Sara), Mario's code email, the
    // postal PDF and manifest (and Luca's activation code), the report.
    assert!(checked >= 10, "{checked} files");
}

#[tokio::test]
async fn postal_output_may_be_shared_with_the_print_shops_group() {
    let db = TestDb::new().await;
    open_to_everyone(&db);
    let s = db.admin().await;
    let desk = db.desk();
    let m = mario().register(&s).await;
    reprint::request_pin_by_post(&s, &Key::Number(m)).await.unwrap();
    let out = db.files.path().join("postal");
    let opts = postal::Options {
        province: None,
        limit: None,
        batch_size: 10,
        out: out.clone(),
        dry_run: false,
        group: Some("nogroup".into()), // nobody's own group
    };
    let report = postal::run(&s, &desk, &opts, &Quiet).await.unwrap();
    let pdf = &report.files[0];
    let gid = std::fs::metadata(&out).unwrap().gid();
    assert_eq!((mode(&out), mode(pdf), std::fs::metadata(pdf).unwrap().gid()), (0o750, 0o640, gid));
    assert_eq!(Some(gid), uzers::get_group_by_name("nogroup").map(|g| g.gid()));
    assert!(nobody_reads(pdf), "the group reads it");
    assert!(nobody_reads(&pdf.with_extension("csv")));
    let opts = postal::Options { group: Some("no-such-group".into()), ..opts };
    assert!(postal::run(&s, &desk, &opts, &Quiet).await.unwrap_err().to_string().contains("no-such-group"));
}

#[tokio::test]
async fn the_pin_and_code_letters_are_gone_after_activation() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let m = mario().register(&s).await;
    let b = book(&s, &desk, m, OperationKind::Verification, true).await;
    let secret: Vec<&PathBuf> = b.letters.iter().filter(|p| holds_secret(p)).collect();
    assert_eq!(secret.len(), 2, "PIN and code letters: {:?}", b.letters);
    let pin = pin_in(&b.letters);
    let code_letter = b.letters.iter().find(|p| p.to_string_lossy().ends_with("-codice-attivazione.pdf")).unwrap();
    let code = code_in(&crate::desk::pdf_text(code_letter));
    assert!(secret.iter().all(|p| p.exists()));
    portal::activate(&db.db, &desk, activation(&mario().cf, &code, &pin)).await.unwrap();
    // The clerk's next command sweeps the clerk's letters (only the login that recorded a letter
    // sweeps it, sql/V37). The summary too: the letters are with the citizen, the files were
    // only copies.
    let swept = sportello::desk::letter_files::sweep(&s.db.client().await.unwrap(), &desk.letters_dir).await.unwrap();
    assert_eq!(swept, b.letters.len());
    for p in &b.letters {
        assert!(!p.exists(), "{}", p.display());
    }
    let left: i64 = db.owner().await.query_one("SELECT count(*) FROM operation_letters", &[]).await.unwrap().get(0);
    assert_eq!(left, 0);
}

#[tokio::test]
async fn a_new_booking_removes_the_letters_of_the_one_it_replaces() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let m = mario().register(&s).await;
    let first = book(&s, &desk, m, OperationKind::Verification, true).await;
    let second = book(&s, &desk, m, OperationKind::Verification, true).await;
    assert!(first.letters.iter().all(|p| !p.exists()), "the PIN, the code and the summary of the operation replaced");
    assert!(second.letters.iter().all(|p| p.exists()), "the new booking's letters stay until it is over");
}
