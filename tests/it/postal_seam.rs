//! Where the desk and the postal run meet (issue 17 §1): ordinary post never completes what a
//! desk checks in person. A desk booking withdraws a letter still queued, makes one already
//! printed useless, and a registration with a revocation booked gets nothing by post.

use std::path::{Path, PathBuf};

use sportello::error::exit;
use sportello::portal;

use crate::desk::{code_in, pdf_text};
use crate::harness::{TestDb, text};
use crate::lifecycle::{activation, code_in_file, pin_in_file, pin_of, postal_file_of, sample};

const MARIO: &str = "RSSMRA85T10L219G";

/// Pre-loads the sample residents of Torino (weak registrations, their PIN letters queued).
async fn preloaded() -> TestDb {
    let db = TestDb::new().await;
    let out = db.cli(Some("admin"), &["import-cia", sample("cia.csv").to_str().unwrap(), "--preload", "001272"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    db
}

/// Runs the postal run into `dir`; its JSON report.
fn postal_run(db: &TestDb, dir: &Path) -> serde_json::Value {
    let args =
        ["print-letters", "--postal-run", "--batch-size", "2", "--out", dir.to_str().unwrap(), "--format", "json"];
    let out = db.cli(Some("admin"), &args);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// Books `operation` for Mario at the desk: the PIN of the letter printed and the code emailed.
fn book(db: &TestDb, operation: &str) -> (Option<String>, String) {
    let out = db.cli(Some("admin"), &["book", "--cf", MARIO, "--operation", operation, "--format", "json"]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    let booked: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let pin = booked["letters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| PathBuf::from(p.as_str().unwrap()))
        .find(|p| p.to_string_lossy().ends_with("-pin.pdf"))
        .map(|p| pin_of(&pdf_text(&p)));
    (pin, code_in(db.spooled().last().unwrap()))
}

async fn state_of(db: &TestDb) -> (String, bool) {
    let r = db
        .owner()
        .await
        .query_one("SELECT state, strong FROM registrations WHERE fiscal_code = $1", &[&MARIO])
        .await
        .unwrap();
    (r.get(0), r.get(1))
}

async fn activate(db: &TestDb, code: &str, pin: &str) -> sportello::error::Result<portal::Activated> {
    let portal = db.login("portal").await;
    let a = portal::Activation { username: Some("mario.rossi".into()), ..activation(MARIO, code, pin) };
    portal::activate(&portal, &db.desk(), a).await
}

#[tokio::test]
async fn a_desk_verification_before_the_postal_run_withdraws_the_letter() {
    let db = preloaded().await;
    let out = db.cli(Some("admin"), &["edit", "--cf", MARIO, "--email", "mario.rossi@example.it"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    let (pin, code) = book(&db, "verification");
    let pin = pin.expect("the desk's PIN letter");

    let dir = tempfile::tempdir().unwrap();
    let report = postal_run(&db, dir.path());
    assert_eq!(report["letters"], 3, "the other residents' letters: {report}");
    assert!(postal_file_of(dir.path(), "postal-", MARIO).is_none(), "no PIN by post after a desk verification");
    assert!(postal_file_of(dir.path(), "codes-", MARIO).is_none());

    // The desk's PIN completes the strong verification.
    let done = activate(&db, &code, &pin).await.unwrap();
    assert_eq!((done.state.as_str(), done.strong), ("attivato", true));
}

#[tokio::test]
async fn a_postal_letter_already_printed_is_useless_after_a_desk_booking() {
    let db = preloaded().await;
    let dir = tempfile::tempdir().unwrap();
    let report = postal_run(&db, dir.path());
    assert_eq!(report["letters"], 4, "{report}");
    let postal_pin = pin_in_file(&postal_file_of(dir.path(), "postal-", MARIO).unwrap(), MARIO);
    let postal_code = code_in_file(&postal_file_of(dir.path(), "codes-", MARIO).unwrap(), MARIO);

    // Before the citizen uses the letter, a desk verifies him in person.
    let out = db.cli(Some("admin"), &["edit", "--cf", MARIO, "--email", "mario.rossi@example.it"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    let (desk_pin, desk_code) = book(&db, "verification");
    let desk_pin = desk_pin.unwrap();
    assert_ne!(desk_pin, postal_pin);

    // Neither the letter's codes, nor the letter's PIN with the desk's code, complete anything.
    for (code, pin) in [(&postal_code, &postal_pin), (&desk_code, &postal_pin), (&postal_code, &desk_pin)] {
        let e = activate(&db, code, pin).await.unwrap_err();
        assert_eq!(e.exit_code(), exit::REFUSED, "{e}");
    }
    assert_eq!(state_of(&db).await, ("riscontrato".into(), false));
    let done = activate(&db, &desk_code, &desk_pin).await.unwrap();
    assert_eq!((done.state.as_str(), done.strong), ("attivato", true));

    // An active strong account may ask for a new PIN by post: it replaces the account's PIN
    // only, and opens nothing.
    let out = db.cli(Some("admin"), &["print-letters", "--cf", MARIO, "--pin-by-post"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    let dir = tempfile::tempdir().unwrap();
    let report = postal_run(&db, dir.path());
    assert_eq!((report["letters"].as_u64(), report["codes_printed"].as_u64()), (Some(1), Some(0)), "{report}");
    assert_eq!(state_of(&db).await, ("attivato".into(), true));
}

#[tokio::test]
async fn nothing_by_post_with_a_revocation_booked_or_after_a_desk_check() {
    let db = preloaded().await;
    let out = db.cli(Some("admin"), &["edit", "--cf", MARIO, "--email", "mario.rossi@example.it"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    let (pin, _code) = book(&db, "revocation");
    assert!(pin.is_none(), "a revocation has no PIN");
    let dir = tempfile::tempdir().unwrap();
    let report = postal_run(&db, dir.path());
    assert_eq!(report["letters"], 3, "{report}");
    assert!(postal_file_of(dir.path(), "postal-", MARIO).is_none(), "no PIN by post during a revocation");

    // The desk cannot queue one either, and says why.
    let out = db.cli(Some("admin"), &["print-letters", "--cf", MARIO, "--pin-by-post"]);
    let (_, stderr, code) = text(&out);
    assert_eq!(code, exit::REFUSED, "{stderr}");
    assert!(stderr.contains("revocation"), "{stderr}");
    // After a verification booked at the desk (riscontrato): refused, saying to book at the desk.
    book(&db, "verification");
    let out = db.cli(Some("admin"), &["print-letters", "--cf", MARIO, "--pin-by-post"]);
    let (_, stderr, code) = text(&out);
    assert_eq!(code, exit::REFUSED, "{stderr}");
    assert!(stderr.contains("desk"), "{stderr}");
}
