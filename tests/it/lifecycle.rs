//! The lifecycle end to end (issue 11): pre-loaded residents activate with what the postal run
//! sent them; every action listed succeeds and every other is refused; a booking ends a lockout.

use std::path::{Path, PathBuf};

use sportello::desk::book;
use sportello::desk::edit::{self, NewResidence};
use sportello::desk::reprint::{self, Reprint};
use sportello::desk::search;
use sportello::domain::{Action, DelegateKind, DocType, OperationKind, PersonalData, Sex, State};
use sportello::error::exit;
use sportello::portal;
use sportello::secrets::Purpose;
use sportello::store::registrations::Key;

use crate::desk::{code_in, pdf_text};
use crate::fixtures::{Citizen, date};
use crate::harness::{TestDb, text};

pub(crate) fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(name)
}

/// The 8-digit PIN in a text.
pub(crate) fn pin_of(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .find(|t| t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or_else(|| panic!("no PIN in {text}"))
        .to_string()
}

fn has_code(text: &str) -> bool {
    std::panic::catch_unwind(|| code_in(text)).is_ok()
}

/// The files of a postal run for one registration: the PDF whose manifest lists it.
pub(crate) fn postal_file_of(dir: &Path, prefix: &str, fiscal_code: &str) -> Option<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
        .into_iter()
        .filter(|f| f.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .filter(|f| f.extension().is_some_and(|e| e == "csv"))
        .find(|m| std::fs::read_to_string(m).unwrap().contains(fiscal_code))
        .map(|m| m.with_extension("pdf"))
}

/// `citizen activate` as the portal runs it: the secrets on standard input, never arguments.
fn activate(db: &TestDb, cf: &str, code: &str, pin: &str, username: Option<&str>) -> std::process::Output {
    let mut args = vec!["citizen", "activate", "--cf", cf, "--accept-rules"];
    let mut input = format!("code={code}\npin={pin}\n");
    if let Some(u) = username {
        args.extend(["--username", u, "--question", "Primo cane?"]);
        input.push_str("password=Piemonte2026sicura\nanswer=Fido\n");
    }
    db.cli_fed(Some("portal"), &args, &input)
}

#[tokio::test]
async fn a_preloaded_resident_activates_with_the_postal_pin_and_is_promoted_at_a_desk() {
    let db = TestDb::new().await;
    let out = db.cli(Some("admin"), &["import-cia", sample("cia.csv").to_str().unwrap(), "--preload", "001272"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    let (mario, giulia) = ("RSSMRA85T10L219G", "BNCGLI92D58L219Y");
    let owner = db.owner().await;
    let state = |cf: &'static str| {
        let owner = &owner;
        async move {
            let r = owner
                .query_one("SELECT state, strong FROM registrations WHERE fiscal_code = $1", &[&cf])
                .await
                .unwrap();
            (r.get::<_, String>(0), r.get::<_, bool>(1))
        }
    };
    assert_eq!(state(mario).await, ("registrato".into(), false), "a weak registration, not riscontrato");
    // Nothing to complete before the postal run.
    let out = activate(&db, mario, "AAAA-AAAA-AAAA", "12345678", Some("mario.rossi"));
    assert_eq!(text(&out).2, exit::REFUSED, "{}", text(&out).1);
    // Giulia gave an email address at a desk: her code goes by email.
    let out = db.cli(Some("admin"), &["edit", "--cf", giulia, "--email", "giulia.bianchi@example.it"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);

    let postal = tempfile::tempdir().unwrap();
    let args = ["print-letters", "--postal-run", "--batch-size", "2", "--out", postal.path().to_str().unwrap()];
    let out = db.cli(Some("admin"), &args);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("4 letters") && stdout.contains("1 emailed, 3 printed apart"), "{stdout}");

    // Mario: the PIN in the PIN letter, the code in a letter of a separate file.
    let pin_file = postal_file_of(postal.path(), "postal-", mario).unwrap();
    let code_file = postal_file_of(postal.path(), "codes-", mario).expect("the code letter, in its own file");
    assert_ne!(pin_file, code_file);
    let (pins, codes) = (pdf_text(&pin_file), pdf_text(&code_file));
    assert!(!has_code(&pins), "no activation code in the PIN letters: {pins}");
    assert!(codes.contains("Consegna del codice di attivazione") && codes.contains("MARIO ROSSI"), "{codes}");
    assert!(!codes.contains("Codice PIN"), "{codes}");
    // Each letter of a 2-letter file: find Mario's by his registration's page in the manifest.
    let pin = pin_in_file(&pin_file, mario);
    let code = code_in_file(&code_file, mario);
    // Giulia: her code by email, never in a code letter.
    assert!(postal_file_of(postal.path(), "codes-", giulia).is_none(), "emailed, not printed");
    let mail = db
        .spooled()
        .into_iter()
        .find(|m| m.contains("giulia.bianchi@example.it") && m.contains("il Suo codice di attivazione"))
        .expect("the code email");
    let giulia_code = code_in(&mail);
    let giulia_pin = pin_in_file(&postal_file_of(postal.path(), "postal-", giulia).unwrap(), giulia);

    // Both activate online: weak credentials. While Mario's activation waits for its secrets,
    // any local user may read its command line: none of them is there.
    let out = activate_watched(&db, mario, &code, &pin, "mario.rossi");
    let (stdout, stderr, code_) = text(&out);
    assert_eq!(code_, 0, "{stderr}");
    assert!(stdout.contains("attivato, strong N, username mario.rossi"), "{stdout}");
    let out = activate(&db, giulia, &giulia_code, &giulia_pin, Some("giulia.bianchi"));
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    assert_eq!(state(giulia).await, ("attivato".into(), false));

    // The desk books a promotion for Mario (with an email now, mandatory to book).
    let out = db.cli(Some("admin"), &["edit", "--cf", mario, "--email", "mario.rossi@example.it"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    let out = db.cli(Some("admin"), &["book", "--cf", mario, "--operation", "promotion", "--format", "json"]);
    let (stdout, stderr, code_) = text(&out);
    assert_eq!(code_, 0, "{stderr}");
    let booked: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let pin_letter = booked["letters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| PathBuf::from(p.as_str().unwrap()))
        .find(|p| p.to_string_lossy().ends_with("-pin.pdf"))
        .unwrap();
    let pin = pin_of(&pdf_text(&pin_letter));
    let code = code_in(db.spooled().last().unwrap());
    let out = activate(&db, mario, &code, &pin, None);
    let (stdout, stderr, code_) = text(&out);
    assert_eq!(code_, 0, "{stderr}");
    assert!(stdout.contains("attivato, strong Y, username mario.rossi"), "{stdout}");
    assert_eq!(state(mario).await, ("attivato".into(), true), "strong credentials");
}

/// `citizen activate` with a username, its command line read from `/proc/PID/cmdline` (as any
/// local user can) while it waits for the secrets on standard input; then the secrets are given.
fn activate_watched(db: &TestDb, cf: &str, code: &str, pin: &str, username: &str) -> std::process::Output {
    use std::io::Write;
    let args =
        ["citizen", "activate", "--cf", cf, "--accept-rules", "--username", username, "--question", "Primo cane?"];
    let mut cmd = db.command(Some("portal"), &args);
    cmd.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let proc = PathBuf::from(format!("/proc/{}", child.id()));
    // Until the exec, /proc shows the test binary's command line: wait for sportello's.
    let binary = std::fs::canonicalize(env!("CARGO_BIN_EXE_sportello")).unwrap();
    let started = std::time::Instant::now();
    while std::fs::read_link(proc.join("exe")).ok() != Some(binary.clone()) {
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "sportello never started");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // Let it open the session and block on standard input.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let cmdline = String::from_utf8_lossy(&std::fs::read(proc.join("cmdline")).unwrap()).replace('\0', " ");
    assert!(cmdline.contains("activate") && cmdline.contains(cf), "{cmdline}");
    for secret in [code, pin, "Piemonte2026sicura", "Fido"] {
        assert!(!cmdline.contains(secret), "{secret} in /proc/PID/cmdline: {cmdline}");
    }
    let input = format!("code={code}\npin={pin}\npassword=Piemonte2026sicura\nanswer=Fido\n");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// The letter of `fiscal_code` in a postal file: its page, from the manifest.
fn page_text(pdf: &Path, fiscal_code: &str) -> String {
    let manifest = std::fs::read_to_string(pdf.with_extension("csv")).unwrap();
    let page: usize = manifest
        .lines()
        .find(|l| l.contains(fiscal_code))
        .and_then(|l| l.split(',').next())
        .and_then(|p| p.parse().ok())
        .unwrap();
    // Each letter starts with the sender's block: split the text at its first line.
    let text = pdf_text(&pdf.to_path_buf());
    let letters: Vec<&str> = text.split("Regione Piemonte").filter(|t| !t.trim().is_empty()).collect();
    let letter = letters[page - 1];
    assert!(letter.contains(fiscal_code), "page {page} of {} is not {fiscal_code}'s: {letter}", pdf.display());
    letter.to_string()
}

pub(crate) fn pin_in_file(pdf: &Path, fiscal_code: &str) -> String {
    pin_of(&page_text(pdf, fiscal_code))
}

pub(crate) fn code_in_file(pdf: &Path, fiscal_code: &str) -> String {
    code_in(&page_text(pdf, fiscal_code))
}

/// For every state × strength × operation in progress: each action that `show` and `search`
/// list succeeds, and each other one is refused (exit 5) with the reason.
#[tokio::test]
async fn every_listed_action_succeeds_and_every_other_is_refused() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let key = db.key();
    let citizen = Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M);
    let number = citizen.register(&s).await;
    let cf = citizen.cf.clone();
    let pin = "24681357";
    let owner = db.owner().await;
    let in_progress_options = std::iter::once(None).chain(OperationKind::ALL.iter().copied().map(Some));
    let mut checked = 0;
    for state in State::ALL.iter().copied() {
        for strong in [false, true] {
            for op in in_progress_options.clone() {
                for action in Action::ALL.iter().copied() {
                    // Arrange: the state, the strength, the operation in progress (its PIN known).
                    let username = (state == State::Attivato).then(|| format!("user{number}"));
                    owner
                        .execute(
                            "UPDATE registrations SET state = $2, strong = $3, username = $4 WHERE registration_number = $1",
                            &[&number, &state.as_str(), &strong, &username],
                        )
                        .await
                        .unwrap();
                    owner
                        .execute(
                            "UPDATE registration_credentials SET activation_code_hash = NULL WHERE registration_number = $1",
                            &[&number],
                        )
                        .await
                        .unwrap();
                    owner.execute("DELETE FROM pin_letter_queue", &[]).await.unwrap();
                    owner.execute("DELETE FROM suspensions", &[]).await.unwrap();
                    owner.execute("DELETE FROM operations", &[]).await.unwrap();
                    if let Some(op) = op {
                        let pin_hash = key.hash_text(Purpose::Pin, &cf, pin);
                        owner
                            .execute(
                                "INSERT INTO operations (registration_number, kind, ente, operator_id, pin_hash, code_expires_at)
                                 VALUES ($1, $2, 'ASL TO4', 'admin', $3, now() + interval '1 day')",
                                &[&number, &op.as_str(), &pin_hash],
                            )
                            .await
                            .unwrap();
                    }
                    let listed = search::show(&s, &Key::Number(number)).await.unwrap().actions;
                    let rows = search::search(
                        &s,
                        search::Query { registration_number: Some(number), limit: 1, ..Default::default() },
                    )
                    .await
                    .unwrap();
                    assert_eq!(rows[0].actions, listed, "search and show list the same actions");
                    let is_listed = listed.contains(&action.label());
                    let context = format!("{state} strong={strong} in progress {op:?}: {}", action.label());
                    let result = run_action(&db, &s, &desk, number, action).await;
                    match (is_listed, result) {
                        (true, Ok(())) => {}
                        (true, Err(e)) => panic!("{context} is listed but failed: {e}"),
                        (false, Ok(())) => panic!("{context} is not listed but succeeded"),
                        (false, Err(e)) => {
                            assert_eq!(e.exit_code(), exit::REFUSED, "{context}: {e}");
                            assert!(e.to_string().contains("is not allowed") && e.to_string().contains(": "), "{e}");
                        }
                    }
                    // A regenerated code completes the operation in progress with its PIN.
                    if is_listed && action == Action::RegenerateCode {
                        let code = code_in(db.spooled().last().unwrap());
                        let mut a = activation(&cf, &code, pin);
                        a.username = Some(format!("nuovo{checked}"));
                        portal::activate(&db.db, &desk, a)
                            .await
                            .unwrap_or_else(|e| panic!("{context}: the new code does not complete: {e}"));
                    }
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 4 * 2 * 7 * Action::ALL.len());
}

pub(crate) fn activation(cf: &str, code: &str, pin: &str) -> portal::Activation {
    portal::Activation {
        fiscal_code: cf.into(),
        activation_code: code.into(),
        pin: pin.into(),
        accept_rules: true,
        username: None,
        password: Some("Torino2026sicura".into()),
        secret_question: Some("Primo cane?".into()),
        secret_answer: Some("Fido".into()),
    }
}

/// Runs one action through the library as the desk does.
pub(crate) async fn run_action(
    db: &TestDb,
    s: &sportello::session::Session,
    desk: &sportello::desk::handover::Desk,
    number: i64,
    action: Action,
) -> sportello::Result<()> {
    let key = Key::Number(number);
    match action {
        Action::Book(op) => {
            book::book(s, desk, book::Request { key, operation: op, delegate: None, print_code: false }).await?;
        }
        Action::Edit => {
            let mut changes = PersonalData::default();
            changes.contacts.mobile = Some("3331234567".into());
            edit::edit(s, &key, changes).await?;
        }
        Action::EditDelegate => {
            let delegate = sportello::domain::Delegate {
                kind: DelegateKind::Proxy,
                first_name: "Anna".into(),
                last_name: "Verdi".into(),
                fiscal_code: crate::fixtures::cf("VRDNNA", date("1970-01-01"), 'F', "L219"),
                doc_type: DocType::Passport,
                doc_number: "YA0000001".into(),
                doc_issued: date("2020-01-01"),
                doc_issuer: "Questura di Torino".into(),
                email: None,
                phone: None,
            };
            edit::edit_delegate(s, &key, delegate).await?;
        }
        Action::RegenerateCode => {
            reprint::regenerate_code(s, desk, &key, false).await?;
        }
        Action::Print => {
            reprint::print_letters(s, desk, &key, &[Reprint::Summary]).await?;
        }
        Action::ChangeResidence => {
            let new = NewResidence {
                province: "TO".into(),
                municipality: "Moncalieri".into(),
                address: "Strada Revigliasco".into(),
                street_number: Some("1".into()),
                postcode: Some("10024".into()),
                city: None,
                country: None,
            };
            edit::change_residence(s, &key, new).await?;
        }
        Action::PinByPost => {
            reprint::request_pin_by_post(s, &key).await?;
            let queued: i64 = db
                .owner()
                .await
                .query_one("SELECT count(*) FROM pin_letter_queue WHERE registration_number = $1", &[&number])
                .await
                .unwrap()
                .get(0);
            assert_eq!(queued, 1);
        }
        Action::SpidToken => {
            // The token needs a mobile, the document's expiry and the card read at the desk.
            let mut changes = PersonalData::default();
            changes.contacts.mobile = Some("3471234567".into());
            edit::edit(s, &key, changes).await?;
            let rao = crate::spid::Pki::new().rao();
            let request = sportello::spid::desk::Request { key, at_desk: crate::spid::at_desk(), idp: None };
            let issued = sportello::spid::desk::issue(s, desk, &rao, request).await?;
            assert!(issued.handed_over && !issued.letters.is_empty());
        }
        Action::Suspend => {
            sportello::desk::suspension::suspend(s, &key, sportello::domain::SuspensionReason::CitizenRequest).await?;
        }
        Action::Reinstate => {
            sportello::desk::suspension::reinstate(s, &key).await?;
        }
    }
    Ok(())
}

#[tokio::test]
async fn a_revocation_booking_ends_a_lockout_and_show_shows_it() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let desk = db.desk();
    let citizen = Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M);
    let number = citizen.register(&s).await;
    let verification = book::Request {
        key: Key::Number(number),
        operation: OperationKind::Verification,
        delegate: None,
        print_code: false,
    };
    book::book(&s, &desk, verification).await.unwrap();
    let code = code_in(db.spooled().last().unwrap());
    for _ in 0..5 {
        let mut a = activation(&citizen.cf, &code, "11111111");
        a.username = Some("mario.rossi".into());
        portal::activate(&db.db, &desk, a).await.unwrap_err();
    }
    let show = |db: &TestDb| {
        let out = db.cli(Some("admin"), &["show", "--number", &number.to_string()]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let shown = show(&db);
    let line = shown.lines().find(|l| l.contains("locked out")).unwrap_or_else(|| panic!("{shown}"));
    assert!(line.contains("yes") && line.contains("5 wrong codes"), "{line}");
    // A revocation booked at the desk: the citizen can complete it.
    let b = book::book(
        &s,
        &desk,
        book::Request {
            key: Key::Number(number),
            operation: OperationKind::Revocation,
            delegate: None,
            print_code: false,
        },
    )
    .await
    .unwrap();
    let line = show(&db).lines().find(|l| l.contains("locked out")).unwrap().to_string();
    assert!(line.contains("no") && !line.contains("yes"), "{line}");
    let code = match b.code {
        sportello::desk::handover::Delivery::Emailed { .. } => code_in(db.spooled().last().unwrap()),
        other => panic!("{other:?}"),
    };
    assert_eq!(portal::revoke(&db.db, &desk, &citizen.cf, &code).await.unwrap(), number);
}
