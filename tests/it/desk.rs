//! Desk operations: booking by the state table, letters, codes, online completion.

use std::path::PathBuf;

use sportello::desk::book::{self, Booked};
use sportello::desk::handover::{Delivery, Desk};
use sportello::desk::reprint::{self, Reprint};
use sportello::domain::{OperationKind, Sex, State};
use sportello::error::exit;
use sportello::letters::extract_text;
use sportello::portal::{self, Activation};
use sportello::session::Session;
use sportello::store::registrations::Key;

use crate::fixtures::Citizen;
use crate::harness::{SmtpServer, TestDb, text};

pub fn pdf_text(path: &PathBuf) -> String {
    extract_text(&std::fs::read(path).unwrap()).unwrap()
}

fn letter(paths: &[PathBuf], slug: &str) -> PathBuf {
    paths
        .iter()
        .find(|p| p.to_string_lossy().ends_with(&format!("-{slug}.pdf")))
        .cloned()
        .unwrap_or_else(|| panic!("no {slug} letter in {paths:?}"))
}

/// The 8-digit PIN printed in a PIN letter.
pub fn pin_in(paths: &[PathBuf]) -> String {
    let text = pdf_text(&letter(paths, "pin"));
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .find(|t| t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or_else(|| panic!("no PIN in {text}"))
        .to_string()
}

/// An `XXXX-XXXX-XXXX` code in a text.
pub fn code_in(text: &str) -> String {
    text.split(|c: char| c.is_whitespace())
        .find(|t| {
            t.len() == 14
                && t.chars().enumerate().all(|(i, c)| {
                    if i == 4 || i == 9 {
                        c == '-'
                    } else {
                        c.is_ascii_alphanumeric() && c.is_ascii_uppercase() || c.is_ascii_digit()
                    }
                })
        })
        .unwrap_or_else(|| panic!("no code in {text}"))
        .to_string()
}

/// The code handed over by a booking: from the email or from the letter.
pub fn code_of(db: &TestDb, b: &Booked) -> String {
    match &b.code {
        Delivery::Emailed { .. } => code_in(db.spooled().last().unwrap()),
        _ => {
            let slug = if b.operation == OperationKind::Revocation { "codice-revoca" } else { "codice-attivazione" };
            code_in(&pdf_text(&letter(&b.letters, slug)))
        }
    }
}

pub async fn book(s: &Session, desk: &Desk, number: i64, op: OperationKind) -> sportello::Result<Booked> {
    book::book(s, desk, book::Request { key: Key::Number(number), operation: op, delegate: None, print_code: false })
        .await
}

pub fn activation(cf: &str, code: &str, pin: &str) -> Activation {
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

pub fn mario() -> Citizen {
    Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M)
}

async fn set_state(db: &TestDb, number: i64, state: State, strong: bool) {
    let username = if state == State::Attivato { Some(format!("user{number}")) } else { None };
    db.owner()
        .await
        .execute(
            "UPDATE registrations SET state = $2, strong = $3, username = $4 WHERE registration_number = $1",
            &[&number, &state.as_str(), &strong, &username],
        )
        .await
        .unwrap();
}

async fn row_of(db: &TestDb, number: i64) -> (String, bool, Option<String>) {
    let r = db
        .owner()
        .await
        .query_one("SELECT state, strong, username FROM registrations WHERE registration_number = $1", &[&number])
        .await
        .unwrap();
    (r.get(0), r.get(1), r.get(2))
}

#[tokio::test]
async fn bookings_follow_the_state_table() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let number = mario().register(&s).await;
    for state in State::ALL {
        for strong in [false, true] {
            let allowed = sportello::domain::bookable(*state, strong);
            for op in OperationKind::ALL {
                set_state(&db, number, *state, strong).await;
                let result = book(&s, &desk, number, *op).await;
                if allowed.contains(op) {
                    let b = result.unwrap_or_else(|e| panic!("{state} strong={strong} {op}: {e}"));
                    assert_eq!(b.operation, *op);
                } else {
                    let e = result.expect_err(&format!("{state} strong={strong} {op} must be refused"));
                    assert_eq!(e.exit_code(), exit::REFUSED, "{e}");
                }
            }
        }
    }
    // At most one active operation, the others discarded.
    let owner = db.owner().await;
    let active: i64 = owner.query_one("SELECT count(*) FROM operations WHERE status = 'A'", &[]).await.unwrap().get(0);
    let discarded: i64 =
        owner.query_one("SELECT count(*) FROM operations WHERE status = 'D'", &[]).await.unwrap().get(0);
    assert_eq!(active, 1);
    assert!(discarded >= 10, "{discarded}");
}

#[tokio::test]
async fn booking_refuses_missing_fields_and_unknown_registrations() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let number = mario().register(&s).await;
    db.owner().await.execute("UPDATE registrations SET doc_issuer = NULL, email = NULL", &[]).await.unwrap();
    let e = book(&s, &desk, number, OperationKind::Verification).await.unwrap_err();
    assert!(e.to_string().contains("lacks mandatory fields for booking: doc-issuer, email"), "{e}");
    let e = book(&s, &desk, 42, OperationKind::Verification).await.unwrap_err();
    assert_eq!(e.exit_code(), exit::NOT_FOUND);
    let n: i64 = db.owner().await.query_one("SELECT count(*) FROM operations", &[]).await.unwrap().get(0);
    assert_eq!(n, 0, "nothing written");
}

#[tokio::test]
async fn verification_completed_online() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let number = mario().register(&s).await;
    let b = book(&s, &desk, number, OperationKind::Verification).await.unwrap();
    assert_eq!(row_of(&db, number).await.0, "riscontrato", "verified in person at the desk");
    let pin = pin_in(&b.letters);
    let code = code_of(&db, &b);
    let m = mario();
    // Wrong PIN, then right.
    let e = portal::activate(&db.db, &desk, activation(&m.cf, &code, "00000000")).await.unwrap_err();
    assert!(e.to_string().contains("codes are wrong"), "{e}");
    // Nothing tells a registered citizen from anyone else: an unknown fiscal code gets the same.
    let unknown = crate::fixtures::cf("BNCLCU", crate::fixtures::date("1970-01-01"), 'M', "L219");
    let other = portal::activate(&db.db, &desk, activation(&unknown, &code, "00000000")).await.unwrap_err();
    assert_eq!(e.to_string(), other.to_string());
    let other = portal::revoke(&db.db, &desk, &m.cf, &code).await.unwrap_err();
    assert_eq!(e.to_string(), other.to_string(), "no revocation waiting says the same");
    let mut weak = activation(&m.cf, &code, &pin);
    weak.password = Some("short1".into());
    assert!(portal::activate(&db.db, &desk, weak).await.unwrap_err().to_string().contains("10 characters"));
    let done = portal::activate(&db.db, &desk, activation(&m.cf, &code.to_lowercase(), &pin)).await.unwrap();
    assert_eq!((done.state, done.strong, done.username.as_deref()), (State::Attivato, true, Some("mario.rossi")));
    let owner = db.owner().await;
    let r = owner
        .query_one("SELECT o.status, r.password_hash, r.activated_at IS NOT NULL FROM registrations r JOIN operations o USING (registration_number)", &[])
        .await
        .unwrap();
    assert_eq!(r.get::<_, String>(0), "S");
    assert!(r.get::<_, String>(1).starts_with("$argon2id$"));
    assert!(r.get::<_, bool>(2));
    // The code works once.
    let e = portal::activate(&db.db, &desk, activation(&m.cf, &code, &pin)).await.unwrap_err();
    assert!(e.to_string().contains("nothing to complete"), "{e}");
}

async fn activated_weak(db: &TestDb, s: &Session, username: &str) -> i64 {
    let number = mario().register(s).await;
    db.owner()
        .await
        .execute(
            "UPDATE registrations SET state = 'attivato', strong = false, username = $2 WHERE registration_number = $1",
            &[&number, &username],
        )
        .await
        .unwrap();
    number
}

#[tokio::test]
async fn promotion_keeps_the_username() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let number = activated_weak(&db, &s, "vecchio.utente").await;
    let b = book(&s, &desk, number, OperationKind::Promotion).await.unwrap();
    let mut a = activation(&mario().cf, &code_of(&db, &b), &pin_in(&b.letters));
    a.username = None;
    a.password = None;
    let done = portal::activate(&db.db, &desk, a).await.unwrap();
    assert_eq!((done.state, done.strong, done.username.as_deref()), (State::Attivato, true, Some("vecchio.utente")));
    let promoted: bool =
        db.owner().await.query_one("SELECT promoted_at IS NOT NULL FROM registrations", &[]).await.unwrap().get(0);
    assert!(promoted);
}

#[tokio::test]
async fn reset_needs_a_new_username() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let number = activated_weak(&db, &s, "mario.rossi").await;
    let b = book(&s, &desk, number, OperationKind::Reset).await.unwrap();
    let (code, pin) = (code_of(&db, &b), pin_in(&b.letters));
    let e = portal::activate(&db.db, &desk, activation(&mario().cf, &code, &pin)).await.unwrap_err();
    assert!(e.to_string().contains("must differ from the old one"), "{e}");
    let mut a = activation(&mario().cf, &code, &pin);
    a.username = Some("mario.rossi85".into());
    let done = portal::activate(&db.db, &desk, a).await.unwrap();
    assert_eq!((done.state, done.strong, done.username.as_deref()), (State::Attivato, true, Some("mario.rossi85")));
}

#[tokio::test]
async fn pin_regeneration_replaces_the_pin_only_when_accepted() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let number = mario().register(&s).await;
    let b = book(&s, &desk, number, OperationKind::Verification).await.unwrap();
    portal::activate(&db.db, &desk, activation(&mario().cf, &code_of(&db, &b), &pin_in(&b.letters))).await.unwrap();
    let pin_before: Vec<u8> =
        db.owner().await.query_one("SELECT pin_hash FROM registration_credentials", &[]).await.unwrap().get(0);
    let b = book(&s, &desk, number, OperationKind::Pin).await.unwrap();
    let still: Vec<u8> =
        db.owner().await.query_one("SELECT pin_hash FROM registration_credentials", &[]).await.unwrap().get(0);
    assert_eq!(pin_before, still, "the new PIN is active only once accepted");
    let mut a = activation(&mario().cf, &code_of(&db, &b), &pin_in(&b.letters));
    a.username = None;
    let done = portal::activate(&db.db, &desk, a).await.unwrap();
    assert_eq!((done.state, done.strong, done.username.as_deref()), (State::Attivato, true, Some("mario.rossi")));
    let after: Vec<u8> =
        db.owner().await.query_one("SELECT pin_hash FROM registration_credentials", &[]).await.unwrap().get(0);
    assert_ne!(pin_before, after);
}

#[tokio::test]
async fn revocation_erases_personal_data_and_keeps_a_tombstone() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let number = mario().register(&s).await;
    let b = book(&s, &desk, number, OperationKind::Revocation).await.unwrap();
    assert!(!b.letters.iter().any(|p| p.to_string_lossy().ends_with("-pin.pdf")), "no PIN for a revocation");
    let code = code_of(&db, &b);
    assert!(db.spooled().last().unwrap().contains("codice di revoca"));
    assert!(portal::revoke(&db.db, &desk, &mario().cf, "AAAA-AAAA-AAAA").await.is_err());
    assert_eq!(portal::revoke(&db.db, &desk, &mario().cf, &code).await.unwrap(), number);
    let owner = db.owner().await;
    let left: i64 = owner.query_one("SELECT count(*) FROM registrations", &[]).await.unwrap().get(0);
    assert_eq!(left, 0);
    let ops: i64 = owner.query_one("SELECT count(*) FROM operations", &[]).await.unwrap().get(0);
    assert_eq!(ops, 0);
    let tomb = owner.query_one("SELECT registration_number, channel FROM revocations", &[]).await.unwrap();
    assert_eq!((tomb.get::<_, i64>(0), tomb.get::<_, String>(1)), (number, "online".into()));
    let dump: String = owner.query_one("SELECT row_to_json(v)::text FROM revocations v", &[]).await.unwrap().get(0);
    assert!(!dump.contains(&mario().cf) && !dump.contains("Rossi"), "tombstone is pseudonymous: {dump}");
    assert!(portal::was_revoked(&db.db, &desk, &mario().cf).await.unwrap());
    // CIA and AURA are never erased by this system.
    let confirmation = db.spooled().last().unwrap().clone();
    assert!(confirmation.contains("revoca completata"), "{confirmation}");
}

#[tokio::test]
async fn old_codes_stop_working_after_regeneration_or_a_new_booking() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let number = mario().register(&s).await;
    let b = book(&s, &desk, number, OperationKind::Verification).await.unwrap();
    let (first, pin) = (code_of(&db, &b), pin_in(&b.letters));
    let r = reprint::regenerate_code(&s, &desk, &Key::Number(number), false).await.unwrap();
    assert!(r.letters.is_empty(), "emailed, not printed");
    let second = code_in(db.spooled().last().unwrap());
    assert_ne!(first, second);
    let e = portal::activate(&db.db, &desk, activation(&mario().cf, &first, &pin)).await.unwrap_err();
    assert!(e.to_string().contains("wrong"), "{e}");
    // A new booking: new PIN and code; the previous ones are dead.
    let b2 = book(&s, &desk, number, OperationKind::Verification).await.unwrap();
    assert!(portal::activate(&db.db, &desk, activation(&mario().cf, &second, &pin)).await.is_err());
    let done = portal::activate(&db.db, &desk, activation(&mario().cf, &code_of(&db, &b2), &pin_in(&b2.letters)))
        .await
        .unwrap();
    assert_eq!(done.state, State::Attivato);
    // Reprinting the activation code draws a new one as well.
    let b3 = book(&s, &desk, number, OperationKind::Pin).await.unwrap();
    let emailed = code_of(&db, &b3);
    let paths = reprint::print_letters(&s, &desk, &Key::Number(number), &[Reprint::ActivationCode, Reprint::Summary])
        .await
        .unwrap();
    let printed = code_in(&pdf_text(&letter(&paths, "codice-attivazione")));
    assert_ne!(emailed, printed);
    assert!(!paths.iter().any(|p| p.to_string_lossy().ends_with("-pin.pdf")), "a PIN is never reprinted");
    let mut a = activation(&mario().cf, &emailed, &pin_in(&b3.letters));
    a.username = None;
    assert!(portal::activate(&db.db, &desk, a.clone()).await.is_err());
    a.activation_code = printed;
    portal::activate(&db.db, &desk, a).await.unwrap();
}

#[tokio::test]
async fn wrong_codes_lock_out_and_are_recorded() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let number = mario().register(&s).await;
    let b = book(&s, &desk, number, OperationKind::Verification).await.unwrap();
    let (code, pin) = (code_of(&db, &b), pin_in(&b.letters));
    for _ in 0..5 {
        portal::activate(&db.db, &desk, activation(&mario().cf, &code, "11111111")).await.unwrap_err();
    }
    let e = portal::activate(&db.db, &desk, activation(&mario().cf, &code, &pin)).await.unwrap_err();
    assert!(e.to_string().contains("locked"), "{e}");
    let owner = db.owner().await;
    let wrong = owner
        .query_one(
            "SELECT count(*) FILTER (WHERE details->'attempt' <> 'null'), count(*) FROM audit_log
              WHERE action = 'citizen-wrong-code'",
            &[],
        )
        .await
        .map(|r| (r.get::<_, i64>(0), r.get::<_, i64>(1)))
        .unwrap();
    assert_eq!(wrong, (5, 6), "5 wrong codes counted, and the right one refused once locked, recorded too");
    // A new booking at the desk unlocks.
    let b = book(&s, &desk, number, OperationKind::Verification).await.unwrap();
    portal::activate(&db.db, &desk, activation(&mario().cf, &code_of(&db, &b), &pin_in(&b.letters))).await.unwrap();
}

#[tokio::test]
async fn expired_codes_are_refused() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let number = mario().register(&s).await;
    let b = book(&s, &desk, number, OperationKind::Verification).await.unwrap();
    db.owner()
        .await
        .execute("UPDATE registration_credentials SET activation_code_expires_at = now() - interval '1 day'", &[])
        .await
        .unwrap();
    let e = portal::activate(&db.db, &desk, activation(&mario().cf, &code_of(&db, &b), &pin_in(&b.letters)))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("expired"), "{e}");
}

#[tokio::test]
async fn letters_carry_the_data_with_accents_and_the_pin_only_in_its_letter() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let mut c = Citizen::new("DMCNCL", "Nicolò", "D'Amico Làconi", "1978-09-02", Sex::M);
    c.municipality = "Torino";
    let number = c.register(&s).await;
    db.owner()
        .await
        .execute(
            "UPDATE registrations SET email = NULL, doc_issuer = 'Comune di Cirié', res_address = 'Via Sant’Agostino'",
            &[],
        )
        .await
        .unwrap();
    // No email: booking is refused (email is mandatory)... so give one and ask for the printed code.
    db.owner().await.execute("UPDATE registrations SET email = 'nicolo@example.it'", &[]).await.unwrap();
    let b = book::book(
        &s,
        &desk,
        book::Request {
            key: Key::Number(number),
            operation: OperationKind::Verification,
            delegate: None,
            print_code: true,
        },
    )
    .await
    .unwrap();
    assert_eq!(b.code, Delivery::Printed);
    assert!(!db.spooled().iter().any(|m| m.contains("il Suo codice di attivazione")), "printed instead of emailed");
    let pin = pin_in(&b.letters);
    let code = code_in(&pdf_text(&letter(&b.letters, "codice-attivazione")));
    for (slug, must) in [
        ("pin", vec!["Consegna del codice PIN", "Gentile Sig. Nicolò D'Amico Làconi", &pin]),
        (
            "riepilogo",
            vec![
                "Riepilogo dei dati di registrazione",
                "Nicolò",
                "D'Amico Làconi",
                "Comune di Cirié",
                "Via Sant’Agostino",
                "carta d'identità",
                "riscontro forte",
            ],
        ),
        ("codice-attivazione", vec!["Consegna del codice di attivazione", "Nicolò D'Amico Làconi", &code]),
    ] {
        let text = pdf_text(&letter(&b.letters, slug));
        for m in must {
            assert!(text.contains(m), "{slug} lacks {m:?}:\n{text}");
        }
        if slug != "pin" {
            assert!(!text.contains(&pin), "the PIN must appear only in the PIN letter ({slug})");
        }
    }
    let paths = reprint::print_letters(
        &s,
        &desk,
        &Key::Number(number),
        &[Reprint::Rules, Reprint::ProxyForm, Reprint::Guardianship],
    )
    .await
    .unwrap();
    for (slug, needle) in [
        ("regolamento", "Il sottoscritto Nicolò D'Amico Làconi"),
        ("modulo-delega", "delega la persona"),
        ("dichiarazione-sostitutiva", "D.P.R. 445/2000"),
    ] {
        let text = pdf_text(&letter(&paths, slug));
        assert!(text.contains(needle), "{slug} lacks {needle:?}:\n{text}");
        assert!(!text.contains(&pin));
    }

    // No secret is stored in clear anywhere in the database, nor in the audit log.
    let owner = db.owner().await;
    let tables: Vec<String> = owner
        .query("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let canonical_code = code.replace('-', "");
    for t in tables {
        let rows = owner.query(&format!("SELECT row_to_json(t)::text FROM \"{t}\" t"), &[]).await.unwrap();
        for r in rows {
            let json: String = r.get(0);
            assert!(
                !json.contains(&pin) && !json.contains(&code) && !json.contains(&canonical_code),
                "secret in clear in {t}: {json}"
            );
        }
    }
}

#[tokio::test]
async fn activation_code_arrives_through_a_real_smtp_server() {
    let smtp = SmtpServer::start();
    let mut db = TestDb::new().await;
    db.smtp_url = Some(smtp.url.clone());
    let s = db.admin().await;
    let desk = db.desk();
    let number = mario().register(&s).await;
    let b = book(&s, &desk, number, OperationKind::Verification).await.unwrap();
    assert!(matches!(&b.code, Delivery::Emailed { to, .. } if to == "mario.rossi@example.it"), "{:?}", b.code);
    let received = smtp.received();
    assert_eq!(received.len(), 2, "the notice of the booking and the code");
    let msg = received.iter().find(|m| m.contains("codice di attivazione")).unwrap();
    assert!(msg.contains("To: mario.rossi@example.it"), "{msg}");
    assert!(msg.contains("Subject: Sistema Piemonte: il Suo codice di attivazione"), "{msg}");
    let code = code_in(msg);
    portal::activate(&db.db, &desk, activation(&mario().cf, &code, &pin_in(&b.letters))).await.unwrap();
    assert_eq!(smtp.received().len(), 3, "confirmation sent");

    // Through the binary too (a new code for the operation in progress); and with the server
    // gone, the code falls back to a letter.
    book(&s, &desk, number, OperationKind::Pin).await.unwrap();
    assert_eq!(smtp.received().len(), 5, "each booking: its notice and its code");
    let out = db.cli(Some("admin"), &["regenerate-code", "--number", &number.to_string()]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("code emailed to mario.rossi@example.it"), "{stdout}");
    assert_eq!(smtp.received().len(), 7, "the notice of the new code, and the code");
    drop(smtp);
    let out = db.cli(Some("admin"), &["regenerate-code", "--number", &number.to_string()]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("email NOT sent") && stdout.contains("codice-attivazione.pdf"), "{stdout}");
}

#[tokio::test]
async fn without_email_nothing_is_sent_and_the_letter_says_so() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let number = mario().register(&s).await;
    let b = book(&s, &desk, number, OperationKind::Verification).await.unwrap();
    assert!(matches!(b.code, Delivery::Emailed { .. }));
    db.owner().await.execute("UPDATE registrations SET email = NULL", &[]).await.unwrap();
    let before = db.spooled().len();
    let out = db.cli(Some("admin"), &["regenerate-code", "--number", &number.to_string()]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("no email on record: nothing sent"), "{stdout}");
    assert_eq!(db.spooled().len(), before, "nothing sent");
    let path = stdout.lines().find_map(|l| l.strip_prefix("letter: ")).unwrap();
    let letter_text = pdf_text(&PathBuf::from(path));
    assert!(letter_text.contains("Consegna del codice di attivazione"));
    code_in(&letter_text);
}

#[tokio::test]
async fn change_residence_outside_competence_is_refused_and_writes_nothing() {
    let db = TestDb::new().await;
    let asti = db.operator("asti", &[], &["Asti"]).await;
    let s = db.admin().await;
    let number = mario().register(&s).await;
    let before: String =
        db.owner().await.query_one("SELECT row_to_json(r)::text FROM registrations r", &[]).await.unwrap().get(0);
    let out = db.cli(
        Some("asti"),
        &[
            "change-residence",
            "--number",
            &number.to_string(),
            "--province",
            "TO",
            "--municipality",
            "Moncalieri",
            "--address",
            "Via Roma",
            "--street-number",
            "1",
            "--postcode",
            "10024",
        ],
    );
    let (_, stderr, code) = text(&out);
    assert_eq!(code, exit::REFUSED, "{stderr}");
    assert!(stderr.contains("Moncalieri (TO) is outside the competence of operator asti (Asti (AT))"), "{stderr}");
    let after: String =
        db.owner().await.query_one("SELECT row_to_json(r)::text FROM registrations r", &[]).await.unwrap().get(0);
    assert_eq!(before, after);
    // Into its own municipality, for a citizen of another province: allowed.
    let r = sportello::desk::edit::change_residence(
        &asti,
        &Key::Number(number),
        sportello::desk::edit::NewResidence {
            province: "AT".into(),
            municipality: "Asti".into(),
            address: "Piazza San Secondo".into(),
            street_number: Some("1".into()),
            postcode: Some("14100".into()),
            city: None,
            country: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(r.data.residence.municipality_name.as_deref(), Some("Asti"));
    let fields: serde_json::Value = db
        .owner()
        .await
        .query_one("SELECT details->'fields' FROM audit_log WHERE action = 'change-residence' AND outcome = 'ok'", &[])
        .await
        .unwrap()
        .get(0);
    assert!(fields.to_string().contains("residence.municipality"), "{fields}");
}

#[tokio::test]
async fn edit_delegate_and_username_recovery() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let number = mario().register(&s).await;
    let n = number.to_string();
    let out = db.cli(Some("admin"), &["edit", "--number", &n, "--email", "m@postacertificata.gov.it"]);
    assert_eq!(out.status.code(), Some(exit::INVALID));
    let out = db.cli(
        Some("admin"),
        &["edit", "--number", &n, "--mobile", "3339876543", "--doc-issuer", "Comune di Collegno", "--format", "json"],
    );
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["mobile"], "3339876543");
    assert_eq!(v["community"], "sistemapiemonte");
    let out = db.cli(
        Some("admin"),
        &["edit-delegate", "--number", &n, "--delegate-kind", "proxy", "--delegate-first-name", "Anna"],
    );
    assert_ne!(out.status.code(), Some(0), "no active operation / incomplete delegate");
    let b = book(&s, &desk, number, OperationKind::Verification).await.unwrap();
    let delegate_cf = crate::fixtures::cf("NRENNA", crate::fixtures::date("1980-01-01"), 'F', "L219");
    let out = db.cli(
        Some("admin"),
        &[
            "edit-delegate",
            "--number",
            &n,
            "--delegate-kind",
            "proxy",
            "--delegate-first-name",
            "Anna",
            "--delegate-last-name",
            "Neri",
            "--delegate-cf",
            &delegate_cf,
            "--delegate-doc-type",
            "identity-card",
            "--delegate-doc-number",
            "CA11111AA",
            "--delegate-doc-issued",
            "2023-01-01",
            "--delegate-doc-issuer",
            "Comune di Torino",
        ],
    );
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Anna Neri"), "{stdout}");
    // Username recovery: only after activation, with the document on record.
    portal::activate(&db.db, &desk, activation(&mario().cf, &code_of(&db, &b), &pin_in(&b.letters))).await.unwrap();
    let out = db.cli(Some("admin"), &["username", "--number", &n, "--document", "XX999"]);
    assert_eq!(out.status.code(), Some(exit::REFUSED));
    let out = db.cli(Some("admin"), &["username", "--number", &n, "--document", "ca00000aa"]);
    assert_eq!(text(&out).0.trim(), "mario.rossi");
    let n_rec: i64 = db
        .owner()
        .await
        .query_one("SELECT count(*) FROM audit_log WHERE action = 'username-recovery'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n_rec, 2);
}

#[tokio::test]
async fn register_at_the_desk_books_the_verification_through_the_binary() {
    let db = TestDb::new().await;
    let cf = mario().cf;
    let out = db.cli(Some("admin"), &crate::cli::register_args(&cf, &["--format", "json"]));
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["operation"], "verification");
    assert_eq!(v["code"]["delivery"], "emailed");
    let letters: Vec<PathBuf> =
        v["letters"].as_array().unwrap().iter().map(|p| PathBuf::from(p.as_str().unwrap())).collect();
    assert_eq!(letters.len(), 2, "PIN letter and summary");
    assert!(!stdout.contains(&pin_in(&letters)), "the PIN is not printed on the terminal");
    assert!(!stderr.contains(&pin_in(&letters)));
    let audit: String =
        db.owner().await.query_one("SELECT string_agg(details::text, ' ') FROM audit_log", &[]).await.unwrap().get(0);
    assert!(!audit.contains(&pin_in(&letters)) && !audit.contains(&code_in(db.spooled().last().unwrap())));
}
