//! Input checked before role, competence and confirmation (issue 20): what an operator typed
//! wrong is said first (exit 3), in their language, whoever they are and whatever they may do.

use sportello::domain::{Role, Sex};

use crate::cli::register_args;
use crate::fixtures::Citizen;
use crate::harness::{TestDb, text};
use crate::i18n::{ITALIAN, assert_says, both, on_terminal};

const CHANGE_RESIDENCE: &[&str] = &[
    "change-residence",
    "--province",
    "EE",
    "--municipality",
    "ESTERO",
    "--city",
    "Lione",
    "--address",
    "Rue X",
    "--street-number",
    "1",
];

/// A desk clerk of province TO: a foreign residence, Asti and revocations are not theirs.
async fn clerk(db: &TestDb) -> String {
    let clerk = db.unique("sportellista");
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    clerk
}

#[tokio::test]
async fn a_misspelt_country_is_said_before_the_competence() {
    let db = TestDb::new().await;
    let clerk = clerk(&db).await;
    let mario = Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M).cf;
    let out = db.cli(Some("admin"), &register_args(&mario, &[]));
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    let number = db.owner().await.query_one("SELECT registration_number FROM registrations", &[]).await.unwrap();
    let number = number.get::<_, i64>(0).to_string();

    let mut args = CHANGE_RESIDENCE.to_vec();
    args.extend(["--number", &number, "--country", "Frnacia"]);
    let (it, en) = both(&db, Some(&clerk), &args);
    assert_says(&it, 3, "stderr", &["stato estero sconosciuto 'Frnacia': forse intendevi Francia (Z110)?"]);
    assert_says(&en, 3, "stderr", &["unknown country 'Frnacia': did you mean Francia (Z110)?"]);

    // Spelt right, the same change is outside the clerk's competence: the refusal comes after.
    let mut args = CHANGE_RESIDENCE.to_vec();
    args.extend(["--number", &number, "--country", "Francia"]);
    let (it, en) = both(&db, Some(&clerk), &args);
    assert_says(&it, 5, "stderr", &[&format!("è fuori dalla competenza dell'operatore {clerk}")]);
    assert_says(&en, 5, "stderr", &[&format!("is outside the competence of operator {clerk}")]);
    let row = db.owner().await.query_one("SELECT res_province::text FROM registrations", &[]).await.unwrap();
    assert_eq!(row.get::<_, String>(0), "TO", "nothing changed");

    // A registration abroad by the same clerk: the country too.
    let mut args = register_args(&mario, &["--city", "Lione", "--country", "Frnacia"]);
    args[2] = "EE";
    args[4] = "ESTERO";
    let (it, en) = both(&db, Some(&clerk), &args);
    assert_says(&it, 3, "stderr", &["stato estero sconosciuto 'Frnacia'"]);
    assert_says(&en, 3, "stderr", &["unknown country 'Frnacia'"]);
}

#[tokio::test]
async fn a_wrong_postcode_is_said_before_the_competence() {
    let db = TestDb::new().await;
    let clerk = clerk(&db).await;
    let mario = Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M).cf;
    let mut args = register_args(&mario, &[]);
    args[2] = "AT";
    args[4] = "Asti";
    let i = args.iter().position(|a| *a == "--postcode").unwrap();
    args[i + 1] = "99999";
    let (it, en) = both(&db, Some(&clerk), &args);
    assert_says(&it, 3, "stderr", &["il CAP 99999 non è un CAP di Asti (AT): atteso 14100"]);
    assert_says(&en, 3, "stderr", &["postcode 99999 is not a postcode of Asti (AT): expected 14100"]);

    // The right postcode: Asti is not the clerk's (exit 5), and nothing is registered.
    args[i + 1] = "14100";
    let (it, en) = both(&db, Some(&clerk), &args);
    assert_says(&it, 5, "stderr", &["Asti (AT) è fuori dalla competenza dell'operatore"]);
    assert_says(&en, 5, "stderr", &["Asti (AT) is outside the competence of operator"]);
    let count = db.owner().await.query_one("SELECT count(*) FROM registrations", &[]).await.unwrap();
    assert_eq!(count.get::<_, i64>(0), 0);
}

fn letter<'a>(cf: &'a str, date: &'a str) -> Vec<&'a str> {
    vec![
        "revoke",
        "--cf",
        cf,
        "--first-name",
        "Luigi",
        "--last-name",
        "Verdi",
        "--doc-number",
        "CA12345AA",
        "--doc-issued",
        "2022-03-01",
        "--letter-protocol",
        "CSI-2026-000001",
        "--letter-date",
        date,
    ]
}

#[tokio::test]
async fn a_letter_is_checked_before_the_role_and_the_confirmation() {
    let db = TestDb::new().await;
    let clerk = clerk(&db).await;
    let luigi = Citizen::new("VRDLGU", "Luigi", "Verdi", "1980-01-01", Sex::M).cf;
    let mut wrong = luigi.clone();
    let last = if wrong.ends_with('X') { 'Y' } else { 'X' };
    wrong.pop();
    wrong.push(last);

    // A check character that is wrong, by a desk clerk who may not revoke: the input first.
    let (it, en) = both(&db, Some(&clerk), &letter(&wrong, "2026-11-20"));
    assert_says(&it, 3, "stderr", &["il carattere di controllo dovrebbe essere"]);
    assert_says(&en, 3, "stderr", &["the check character should be"]);
    // A day that is not in the calendar.
    let (it, en) = both(&db, Some(&clerk), &letter(&luigi, "31/02/2026"));
    assert_says(&it, 3, "stderr", &["'31/02/2026' non è un giorno del calendario"]);
    assert_says(&en, 3, "stderr", &["'31/02/2026' is not a day of the calendar"]);
    // At a terminal, the bad letter is refused before "Confermi?" is asked.
    let (said, code) = on_terminal(&db, ITALIAN, &clerk, &letter(&luigi, "31/02/2026"), "sì\n");
    assert_eq!(code, 3, "{said}");
    assert!(!said.contains("Confermi"), "{said}");

    // The letter well formed: then the role (exit 5), and still no question.
    let (it, en) = both(&db, Some(&clerk), &letter(&luigi, "2026-11-20"));
    assert_says(&it, 5, "stderr", &[&format!("l'operatore {clerk} non può eseguire `revoke`: serve il ruolo")]);
    assert_says(&en, 5, "stderr", &[&format!("operator {clerk} may not run `revoke`: it needs the role")]);
    let (said, code) = on_terminal(&db, ITALIAN, &clerk, &letter(&luigi, "2026-11-20"), "sì\n");
    assert_eq!(code, 5, "{said}");
    assert!(!said.contains("Confermi"), "{said}");
}

/// A directory of the test's files owned by another OS user (`nobody`): what a clerk finds when
/// the shared home's outbox or letters directory is the administrator's (the tests run as root,
/// and a directory another uid owns is refused to root as well).
fn not_mine(db: &TestDb, name: &str) -> std::path::PathBuf {
    let dir = db.files.path().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let nobody = uzers::get_user_by_name("nobody").expect("the OS user nobody");
    std::os::unix::fs::chown(&dir, Some(nobody.uid()), Some(nobody.primary_group_id())).unwrap();
    dir
}

#[tokio::test]
async fn an_outbox_not_ones_own_is_refused_before_anything_and_doctor_says_so() {
    let mut db = TestDb::new().await;
    let clerk = clerk(&db).await;
    let outbox = not_mine(&db, "admins-outbox");
    let mario = Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M).cf;
    let register = register_args(&mario, &["--no-prompt"]);
    let with_outbox = |db: &TestDb, lang: &str, args: &[&str]| {
        let mut cmd = db.command(Some(&clerk), args);
        cmd.env("LANG", lang).env("SPORTELLO_OUTBOX", &outbox);
        cmd.output().unwrap()
    };

    // A command that would send mail refuses before it does anything, naming the setting.
    let path = outbox.display().to_string();
    assert_says(
        &with_outbox(&db, ITALIAN, &register),
        1,
        "stderr",
        &[
            &format!("la cartella della posta in uscita {path} non è tua"),
            "imposta SPORTELLO_OUTBOX",
            "SPORTELLO_SMTP_URL",
        ],
    );
    assert_says(
        &with_outbox(&db, "C", &register),
        1,
        "stderr",
        &[&format!("the outbox {path} is not yours"), "set SPORTELLO_OUTBOX", "SPORTELLO_SMTP_URL"],
    );
    let count = db.owner().await.query_one("SELECT count(*) FROM registrations", &[]).await.unwrap();
    assert_eq!(count.get::<_, i64>(0), 0, "nothing registered");
    assert!(std::fs::read_dir(&outbox).unwrap().next().is_none(), "nothing spooled");

    // doctor fails on it, naming the setting (it used to say `ok outbox`).
    let out = with_outbox(&db, "C", &["doctor"]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 1, "{stdout}{stderr}");
    let line = stdout.lines().find(|l| l.trim_start().starts_with("FAIL  outbox")).unwrap_or_default();
    assert!(line.contains(&path) && line.contains("set SPORTELLO_OUTBOX"), "{line:?} {path:?}");
    let out = with_outbox(&db, ITALIAN, &["doctor"]);
    assert_says(&out, 1, "stdout", &["imposta SPORTELLO_OUTBOX"]);

    // A letters directory that is another's: doctor names SPORTELLO_LETTERS_DIR.
    let letters = not_mine(&db, "admins-letters");
    let mut cmd = db.command(Some(&clerk), &["doctor"]);
    cmd.env("SPORTELLO_LETTERS_DIR", &letters);
    let (stdout, stderr, code) = text(&cmd.output().unwrap());
    assert_eq!(code, 1, "{stdout}{stderr}");
    let line = stdout.lines().find(|l| l.trim_start().starts_with("FAIL  letters")).unwrap_or_default();
    assert!(line.contains(&letters.display().to_string()) && line.contains("set SPORTELLO_LETTERS_DIR"), "{stdout}");
    // Its own directories: doctor is content with both.
    let (stdout, stderr, _) = text(&db.cli(Some(&clerk), &["doctor"]));
    assert!(!stdout.contains("FAIL  letters") && !stdout.contains("FAIL  outbox"), "{stdout}{stderr}");

    // With an SMTP server the outbox is not used: the clerk registers.
    let smtp = crate::harness::SmtpServer::start();
    db.smtp_url = Some(smtp.url.clone());
    let out = with_outbox(&db, "C", &register);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    assert!(std::fs::read_dir(&outbox).unwrap().next().is_none(), "sent by SMTP, not spooled");
}

#[tokio::test]
async fn edits_and_delegates_are_checked_before_the_role() {
    let db = TestDb::new().await;
    let auditor = db.unique("revisore");
    db.add_operator(&auditor, &[Role::Auditor], &["TO"], &[]).await;
    let mario = Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M).cf;
    // An address that is none, by an operator who may not edit: the address first.
    let (it, en) = both(&db, Some(&auditor), &["edit", "--cf", &mario, "--email", "mario@"]);
    assert_says(&it, 3, "stderr", &["non è un indirizzo valido"]);
    assert_says(&en, 3, "stderr", &["is not a valid address"]);
    // A delegate whose fiscal code is wrong: the code first.
    let mut wrong = "NRENNA80A41L219L".to_string();
    wrong.pop();
    wrong.push('X');
    let delegate = [
        "--delegate-kind",
        "proxy",
        "--delegate-first-name",
        "Anna",
        "--delegate-last-name",
        "Neri",
        "--delegate-cf",
        &wrong,
        "--delegate-doc-type",
        "identity-card",
        "--delegate-doc-number",
        "CA11111AA",
        "--delegate-doc-issued",
        "2023-01-01",
        "--delegate-doc-issuer",
        "Comune di Torino",
    ];
    for command in [&["book", "--operation", "pin"][..], &["edit-delegate"][..]] {
        let mut args = command[..1].to_vec();
        args.extend(["--cf", &mario]);
        args.extend(&command[1..]);
        args.extend(delegate);
        let (it, en) = both(&db, Some(&auditor), &args);
        assert_says(&it, 3, "stderr", &["il carattere di controllo dovrebbe essere"]);
        assert_says(&en, 3, "stderr", &["the check character should be"]);
    }
    // Well formed: the role refuses (exit 5).
    let (_, en) = both(&db, Some(&auditor), &["edit", "--cf", &mario, "--email", "mario@example.it"]);
    assert_says(&en, 5, "stderr", &["may not run `edit`"]);
}
