//! The Italian interface: the same commands under LANG=it_IT.UTF-8 and LANG=C say the same
//! things in Italian and in English; exit codes, JSON, CSV and the audit log do not change.

use std::process::Output;

use sportello::domain::{Role, Sex};

use crate::cli::register_args;
use crate::fixtures::Citizen;
use crate::harness::{TestDb, text};

pub(crate) const ITALIAN: &str = "it_IT.UTF-8";

/// Runs the binary as `operator` with `LANG` (LC_ALL and LC_MESSAGES unset).
pub(crate) fn cli_lang(db: &TestDb, lang: &str, operator: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = db.command(operator, args);
    cmd.env("LANG", lang);
    cmd.output().unwrap()
}

/// The same command in Italian and in English: (Italian, English) outputs, same exit code.
pub(crate) fn both(db: &TestDb, operator: Option<&str>, args: &[&str]) -> (Output, Output) {
    let it = cli_lang(db, ITALIAN, operator, args);
    let en = cli_lang(db, "C", operator, args);
    assert_eq!(it.status.code(), en.status.code(), "{args:?}: the exit code does not depend on the language");
    (it, en)
}

pub(crate) fn assert_says(out: &Output, code: i32, stream: &str, needles: &[&str]) {
    let (stdout, stderr, got) = text(out);
    assert_eq!(got, code, "stdout: {stdout}\nstderr: {stderr}");
    let said = if stream == "stdout" { &stdout } else { &stderr };
    for needle in needles {
        assert!(said.contains(needle), "{stream} should contain {needle:?}:\n{said}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[tokio::test]
async fn refusals_and_invalid_input_in_each_language() {
    let db = TestDb::new().await;
    let clerk = db.unique("sportellista");
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;

    // A role refusal (exit 5): translated for the operator, recorded in English.
    let (it, en) = both(&db, Some(&clerk), &["audit"]);
    assert_says(
        &it,
        5,
        "stderr",
        &["operazione non consentita", &format!("l'operatore {clerk} non può eseguire `audit`")],
    );
    assert_says(&en, 5, "stderr", &[&format!("operator {clerk} may not run `audit`: it needs the role")]);
    let errors: Vec<String> = db
        .owner()
        .await
        .query(
            "SELECT details->>'error' FROM audit_log WHERE login = $1 AND outcome = 'refused' ORDER BY id",
            &[&clerk],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0], errors[1], "the audit log does not depend on the language");
    assert!(errors[0].contains("may not run `audit`"), "{errors:?}");

    // An invalid fiscal code (exit 3).
    let (it, en) = both(&db, Some("admin"), &["show", "--cf", "RSSMRA85T10L219X"]);
    assert_says(&it, 3, "stderr", &["codice fiscale non valido 'RSSMRA85T10L219X'", "il carattere di controllo"]);
    assert_says(&en, 3, "stderr", &["invalid fiscal code 'RSSMRA85T10L219X'", "the check character should be"]);

    // Not found (exit 4), and a suggestion.
    let (it, en) = both(&db, Some("admin"), &["show", "--number", "999999"]);
    assert_says(&it, 4, "stderr", &["nessuna registrazione con numero di registrazione 999999"]);
    assert_says(&en, 4, "stderr", &["no registration with registration number 999999"]);
    let (it, en) = both(&db, Some("admin"), &["search", "--municipality", "Torno"]);
    assert_says(&it, 3, "stderr", &["comune sconosciuto 'Torno': forse intendevi Torino (TO)"]);
    assert_says(&en, 3, "stderr", &["unknown municipality 'Torno': did you mean Torino (TO)"]);

    // LC_ALL wins over LANG, LC_MESSAGES over LANG (POSIX); C is English.
    let mut cmd = db.command(Some("admin"), &["show", "--number", "999999"]);
    let out = cmd.env("LANG", ITALIAN).env("LC_ALL", "C").output().unwrap();
    assert_says(&out, 4, "stderr", &["no registration with"]);
    let mut cmd = db.command(Some("admin"), &["show", "--number", "999999"]);
    let out = cmd.env("LANG", "C").env("LC_MESSAGES", "it_CH.UTF-8").output().unwrap();
    assert_says(&out, 4, "stderr", &["nessuna registrazione con"]);
}

#[tokio::test]
async fn tables_summaries_and_json_in_each_language() {
    let db = TestDb::new().await;
    let mario = Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M).cf;

    // Nothing yet: the notice, and the same JSON and CSV.
    let (it, en) = both(&db, Some("admin"), &["search", "--last-name", "rossi"]);
    assert_says(&it, 0, "stdout", &["(nessun risultato)"]);
    assert_says(&en, 0, "stdout", &["(no results)"]);

    // A registration: the summary lines and the booking in Italian.
    let out = cli_lang(&db, ITALIAN, Some("admin"), &register_args(&mario, &[]));
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains(&format!("registrato {mario} con il numero")), "{stderr}");
    assert!(stdout.contains("prenotata l'operazione riscontro forte per la registrazione"), "{stdout}");
    assert!(!stdout.contains("verification"), "one language at a time: {stdout}");
    assert!(stdout.contains("codice inviato per email a mario.rossi@example.it"), "{stdout}");
    assert!(stdout.contains("lettera: "), "{stdout}");
    // A booking the state table refuses: said once, not "operazione non consentita: … :
    // operazione non consentita: …".
    let (it, en) = both(&db, Some("admin"), &["book", "--cf", &mario, "--operation", "promozione"]);
    assert_says(&it, 5, "stderr", &["promozione delle credenziali non si può prenotare nello stato riscontrato"]);
    assert_says(&en, 5, "stderr", &["promotion cannot be booked in state riscontrato"]);
    assert_eq!(text(&it).1.matches("operazione non consentita").count(), 1, "{}", text(&it).1);
    // The actions named as each operator types them.
    assert_says(&it, 5, "stderr", &["operazione non consentita: book --operation promozione per la registrazione"]);
    assert_says(&it, 5, "stderr", &["book --operation riscontro", "book --operation revoca"]);
    assert_says(&en, 5, "stderr", &["book --operation promotion is not allowed", "book --operation revocation"]);
    assert_one_language(&it, ITALIAN);
    assert!(!text(&it).1.contains("--operation promotion"), "{}", text(&it).1);
    // The same citizen again: already registered (exit 7) in both languages.
    let (it, en) = both(&db, Some("admin"), &register_args(&mario, &[]));
    assert_says(&it, 7, "stderr", &["è già registrato"]);
    assert_says(&en, 7, "stderr", &["is already registered"]);

    // Table headers and the "shown" note.
    let (it, en) = both(&db, Some("admin"), &["search", "--last-name", "rossi"]);
    assert_says(&it, 0, "stdout", &["cognome", "codice fiscale", "operazione in corso", "Rossi"]);
    assert_says(&it, 0, "stderr", &["risultati mostrati: 1 di 1"]);
    assert_says(&en, 0, "stdout", &["last_name", "fiscal_code", "operation_in_progress", "Rossi"]);
    assert_says(&en, 0, "stderr", &["1 of 1 shown"]);
    assert!(!text(&it).0.contains("last_name"), "{}", text(&it).0);
    // The operation in progress in the operator's words: one language at a time.
    assert_says(&it, 0, "stdout", &["riscontro forte"]);
    assert_says(&en, 0, "stdout", &["verification"]);
    assert_one_language(&it, ITALIAN);
    assert_one_language(&en, "C");
    // The audit log's outcomes too (the CSV and JSON keep the values).
    let (it, en) = both(&db, Some("admin"), &["audit", "--limit", "3"]);
    assert_says(&it, 0, "stdout", &["eseguito"]);
    assert_says(&en, 0, "stdout", &["done"]);

    // The detail view's labels: Italian labels for the fields, yes/no as sì/no.
    let (it, en) = both(&db, Some("admin"), &["show", "--cf", &mario]);
    assert_says(&it, 0, "stdout", &["numero di registrazione", "Cognome", "Data di nascita", "campo", "valore"]);
    assert_says(&en, 0, "stdout", &["registration number", "last-name", "birth-date", "field", "value"]);

    // JSON and CSV: the same keys and the same values whatever the language.
    for args in [
        &["search", "--last-name", "rossi", "--format", "json"][..],
        &["show", "--cf", &mario, "--format", "json"],
        &["operator", "list", "--format", "json"],
    ] {
        let (it, en) = both(&db, Some("admin"), args);
        assert_eq!(text(&it).2, 0, "{args:?}: {}", text(&it).1);
        assert_eq!(json(&it), json(&en), "{args:?}");
    }
    for args in
        [&["search", "--last-name", "rossi", "--format", "csv"][..], &["show", "--cf", &mario, "--format", "csv"]]
    {
        let (it, en) = both(&db, Some("admin"), args);
        assert_eq!(text(&it).0, text(&en).0, "{args:?}");
    }

    // db status, in words and as JSON (as the schema owner).
    let (it, en) = both(&db, None, &["db", "status", "--format", "json"]);
    assert_eq!(text(&it).2, 0, "{}", text(&it).1);
    assert_eq!(json(&it), json(&en));
    let (it, en) = both(&db, None, &["db", "status"]);
    assert_says(&it, 0, "stdout", &["server indicato dall'URL (in esecuzione)", "migrazioni:", "applicate"]);
    assert_says(&en, 0, "stdout", &["server given by URL (running)", "migrations:", "applied"]);
}

/// A confirmation on a terminal: `[s/N]` in Italian (s, si, sì, y, yes), `[y/N]` in English;
/// anything else cancels. Without a terminal nothing is asked (scripts are not affected).
#[tokio::test]
async fn a_revocation_at_a_terminal_is_confirmed_in_the_operators_language() {
    use std::io::Write;
    let db = TestDb::new().await;
    let mario = Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M).cf;
    assert_eq!(text(&db.cli(Some("admin"), &register_args(&mario, &[]))).2, 0);
    let revoke = [
        "revoke",
        "--cf",
        mario.as_str(),
        "--first-name",
        "Mario",
        "--last-name",
        "Rossi",
        "--doc-number",
        "CA12345AA",
        "--doc-issued",
        "2022-03-01",
        "--letter-protocol",
        "CSI-2026-000001",
        "--letter-date",
        "2026-11-20",
    ];
    let on_terminal = |lang: &str, typed: &str| {
        let quote = |a: &str| format!("'{}'", a.replace('\'', r"'\''"));
        let line = std::iter::once(env!("CARGO_BIN_EXE_sportello")).chain(revoke.iter().copied()).map(quote);
        let mut cmd = std::process::Command::new("script");
        cmd.args(["-qec", &line.collect::<Vec<_>>().join(" "), "/dev/null"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        db.cli_env(&mut cmd, Some("admin"));
        cmd.env("LANG", lang);
        let mut child = cmd.spawn().expect("util-linux `script`");
        child.stdin.take().unwrap().write_all(typed.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        // `script` puts the program's standard error on its standard output.
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let registrations =
        async || -> i64 { db.owner().await.query_one("SELECT count(*) FROM registrations", &[]).await.unwrap().get(0) };
    // English: "s" is no yes.
    let said = on_terminal("C", "s\n");
    assert!(
        said.contains("and erase their personal data? [y/N]") && said.contains("cancelled: nothing revoked"),
        "{said}"
    );
    // Italian: "n" cancels...
    let said = on_terminal(ITALIAN, "n\n");
    assert!(said.contains("Confermi? [s/N]") && said.contains("annullato: nulla è stato revocato"), "{said}");
    assert_eq!(registrations().await, 1, "nothing revoked");
    // ... and "sì" confirms.
    let said = on_terminal(ITALIAN, "sì\n");
    assert!(said.contains("revocata: credenziali disattivate, dati personali cancellati"), "{said}");
    assert_eq!(registrations().await, 0, "revoked and erased");
}

/// Runs the binary on a pseudo-terminal (util-linux `script`) in `lang`, fed `typed`; what it
/// said (standard output and error together, as `script` gives them) and its exit code.
pub(crate) fn on_terminal(db: &TestDb, lang: &str, operator: &str, args: &[&str], typed: &str) -> (String, i32) {
    use std::io::Write;
    let quote = |a: &str| format!("'{}'", a.replace('\'', r"'\''"));
    let line = std::iter::once(env!("CARGO_BIN_EXE_sportello")).chain(args.iter().copied()).map(quote);
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-qec", &line.collect::<Vec<_>>().join(" "), "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    db.cli_env(&mut cmd, Some(operator));
    cmd.env("LANG", lang);
    let mut child = cmd.spawn().expect("util-linux `script`");
    child.stdin.take().unwrap().write_all(typed.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (String::from_utf8_lossy(&out.stdout).into_owned(), out.status.code().unwrap_or(-1))
}

/// The words of the other language, which must never appear in this one's output.
fn assert_one_language(out: &Output, lang: &str) {
    let (stdout, stderr, _) = text(out);
    let said = format!("{stdout}{stderr}");
    let foreign: &[&str] = if lang == ITALIAN {
        &["verification", " done", "Invalid email", "error:", "invalid value", "os error", "No such file"]
    } else {
        &["riscontro forte", "passaporto", "errore:", "valore non valido", "carta d'identità"]
    };
    for word in foreign {
        assert!(!said.contains(word), "{lang}: {word:?} in\n{said}");
    }
}

/// A clerk's mistakes (issue 20), each said in the operator's language only, with what to do,
/// and checked before role, competence and confirmation.
#[tokio::test]
async fn a_clerks_mistakes_are_said_in_one_language_with_what_to_do() {
    let db = TestDb::new().await;
    let clerk = db.unique("sportellista");
    db.add_operator(&clerk, &[Role::Desk], &["TO"], &[]).await;
    let mario = Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M).cf;
    let check = |(it, en): (Output, Output), code: i32, it_says: &[&str], en_says: &[&str]| {
        assert_says(&it, code, "stderr", it_says);
        assert_says(&en, code, "stderr", en_says);
        assert_one_language(&it, ITALIAN);
        assert_one_language(&en, "C");
    };

    // Page 0, and a day that is not in the calendar: a usage error (exit 2) that says what to type.
    check(
        both(&db, Some(&clerk), &["search", "--page", "0"]),
        2,
        &["errore: valore non valido '0' per '--page", "le pagine si contano da 1"],
        &["pages are numbered from 1 (--page 1 is the first page)"],
    );
    check(
        both(&db, Some(&clerk), &["search", "--from", "31/02/2024"]),
        2,
        &["'31/02/2024' non è un giorno del calendario", "AAAA-MM-GG", "GG/MM/AAAA"],
        &["'31/02/2024' is not a day of the calendar", "YYYY-MM-DD", "DD/MM/YYYY"],
    );
    check(
        both(&db, Some(&clerk), &["serch"]),
        2,
        &["comando sconosciuto 'serch': forse intendevi 'search'?"],
        &["unrecognized subcommand 'serch'"],
    );
    // print-letters with nothing to print: a usage error.
    // The usage line, as in English, says what the command takes.
    check(
        both(&db, Some(&clerk), &["print-letters", "--cf", &mario]),
        2,
        &["errore: mancano", "\nUso: sportello print-letters <--cf <CF>|--number <NUMBER>|--postal-run>"],
        &["error:", "Usage:"],
    );

    // The right municipality in the wrong province says where it is.
    let mut args = register_args(&mario, &[]);
    args[2] = "CN";
    check(
        both(&db, Some(&clerk), &args),
        3,
        &["Torino è in provincia TO, non CN: indica quella provincia"],
        &["Torino is in province TO, not CN: give that province"],
    );
    // A misspelt country is unknown (exit 3), not hidden by the clerk's competence (TO only).
    let mut args = register_args(&mario, &["--city", "Lione", "--country", "Frnacia"]);
    args[2] = "EE";
    args[4] = "ESTERO";
    check(both(&db, Some(&clerk), &args), 3, &["stato estero sconosciuto 'Frnacia'"], &["unknown country 'Frnacia'"]);
    assert_eq!(
        db.owner().await.query_one("SELECT count(*) FROM registrations", &[]).await.unwrap().get::<_, i64>(0),
        0
    );

    // An email lettre refuses: the reason in the operator's words.
    let mut args = register_args(&mario, &[]);
    let i = args.iter().position(|a| *a == "--email").unwrap();
    args[i + 1] = "mario@";
    check(both(&db, Some(&clerk), &args), 3, &["non è un indirizzo valido"], &["is not a valid address"]);
    // An address the mailer could not write to is refused at the desk, in our words.
    args[i + 1] = "a@[1.2.3.4]";
    check(
        both(&db, Some(&clerk), &args),
        3,
        &["non è un indirizzo valido: non si può scrivere a un indirizzo IP nudo"],
        &["is not a valid address: an address at a bare IP address"],
    );

    // A system error is wrapped in Italian, not the OS's English.
    check(
        both(&db, Some("admin"), &["revoke", "--letters", "/nonexistent/letters.csv"]),
        1,
        &["file o cartella inesistente"],
        &["No such file or directory"],
    );
    // A letters file with a header and no letter is refused whole, and leaves no run.
    let dir = tempfile::tempdir().unwrap();
    let header_only = dir.path().join("letters.csv");
    std::fs::write(&header_only, "fiscal_code;first_name;last_name;doc_number;doc_issued;protocol;protocol_date\n")
        .unwrap();
    check(
        both(&db, Some("admin"), &["revoke", "--letters", header_only.to_str().unwrap()]),
        3,
        &["ha la riga di intestazione ma nessuna lettera"],
        &["has a header line but no letter"],
    );

    // Italian words where a value is typed, in either language; the answer in the operator's.
    let mut args = register_args(&mario, &[]);
    let i = args.iter().position(|a| *a == "--doc-type").unwrap();
    args[i + 1] = "passaporto";
    let out = cli_lang(&db, "C", Some(&clerk), &args);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    assert!(text(&out).0.contains("booked verification for registration"), "{}", text(&out).0);
    assert_one_language(&out, "C");
    let (it, en) = both(&db, Some(&clerk), &["show", "--cf", &mario]);
    assert_says(&en, 0, "stdout", &["passport"]);
    assert_says(&it, 0, "stdout", &["passaporto", "riscontro forte"]);
    assert_one_language(&en, "C");
    let out = cli_lang(&db, ITALIAN, Some(&clerk), &["book", "--cf", &mario, "--operation", "riscontro"]);
    assert_says(&out, 0, "stdout", &["prenotata l'operazione riscontro forte per la registrazione"]);
    assert_one_language(&out, ITALIAN);
    let out = cli_lang(&db, "C", Some(&clerk), &["edit", "--cf", &mario, "--doc-type", "carta-identita"]);
    assert_says(&out, 0, "stdout", &["1 field changed", "doc-type: passport → identity card"]);
    let out = cli_lang(&db, ITALIAN, Some(&clerk), &["edit", "--cf", &mario, "--mobile", "3331234567"]);
    assert_says(&out, 0, "stdout", &["1 campo modificato", "(vuoto) → 3331234567"]);
    let out = cli_lang(&db, ITALIAN, Some(&clerk), &["edit", "--cf", &mario, "--mobile", "3331234567"]);
    assert_says(&out, 0, "stdout", &["nulla è cambiato"]);
    let (it, en) = both(&db, Some(&clerk), &["edit", "--cf", &mario, "--email", "a@[1.2.3.4]"]);
    assert_says(&it, 3, "stderr", &["non si può scrivere a un indirizzo IP nudo"]);
    assert_says(&en, 3, "stderr", &["an address at a bare IP address ([…]) cannot be written to"]);
    for out in [&it, &en] {
        assert!(!text(out).1.contains("Invalid input"), "{}", text(out).1);
    }

    // A revocation at a terminal: the letter, then the role, are checked before "Confermi?".
    let letter = |cf: &'static str, issued: &'static str| {
        vec![
            "revoke",
            "--cf",
            cf,
            "--first-name",
            "Mario",
            "--last-name",
            "Rossi",
            "--doc-number",
            "CA12345AA",
            "--doc-issued",
            issued,
            "--letter-protocol",
            "CSI-2026-000001",
            "--letter-date",
            "2026-11-20",
        ]
    };
    let mario: &'static str = Box::leak(mario.into_boxed_str());
    let (said, code) = on_terminal(&db, ITALIAN, "admin", &letter(mario, "31/02/2022"), "sì\n");
    assert_eq!(code, 3, "{said}");
    assert!(said.contains("non è un giorno del calendario") && !said.contains("Confermi"), "{said}");
    let auditor = db.unique("revisore");
    db.add_operator(&auditor, &[Role::Auditor], &["TO"], &[]).await;
    let (said, code) = on_terminal(&db, ITALIAN, &auditor, &letter(mario, "2022-03-01"), "sì\n");
    assert_eq!(code, 5, "{said}");
    assert!(!said.contains("Confermi"), "{said}");
    let (said, code) = on_terminal(&db, "C", "admin", &letter(mario, "2022-03-01"), "n\n");
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("[y/N]") && said.contains("cancelled: nothing revoked"), "{said}");

    // The citizen's secrets: from standard input, a missing one named (exit 3); never a flag.
    let (it, en) = (
        {
            let mut cmd = db.command(Some("portal"), &["citizen", "activate", "--cf", mario, "--accept-rules"]);
            cmd.env("LANG", ITALIAN).stdin(std::process::Stdio::null());
            cmd.output().unwrap()
        },
        db.cli_fed(Some("portal"), &["citizen", "activate", "--cf", mario, "--accept-rules"], "code=AAAA\n"),
    );
    assert_says(&it, 3, "stderr", &["manca code: va dato sullo standard input come riga code=VALORE"]);
    assert_says(&en, 3, "stderr", &["pin missing: give it on standard input as a line pin=VALUE"]);
    for flag in ["--pin", "--code", "--password", "--answer"] {
        let out = db.cli(Some("portal"), &["citizen", "activate", "--cf", mario, flag, "12345678"]);
        assert_eq!(text(&out).2, 2, "{flag} is no longer an argument");
    }
}

/// `doctor` says where each setting came from in the operator's language; its JSON keeps the
/// English origins (issue 20, "one language at a time").
#[tokio::test]
async fn doctor_says_the_settings_origins_in_each_language() {
    let db = TestDb::new().await;
    let (it, en) = both(&db, Some("admin"), &["doctor"]);
    let (it_out, en_out) = (text(&it).0, text(&en).0);
    assert!(it_out.contains("[ambiente SPORTELLO_DATABASE_URL]") && it_out.contains("[predefinito]"), "{it_out}");
    assert!(!it_out.contains("[default]") && !it_out.contains("[environment "), "{it_out}");
    assert!(en_out.contains("[environment SPORTELLO_DATABASE_URL]") && en_out.contains("[default]"), "{en_out}");
    let (it, en) = both(&db, Some("admin"), &["doctor", "--format", "json"]);
    assert_eq!(json(&it)["settings"], json(&en)["settings"]);
    assert!(text(&en).0.contains("\"origin\": \"environment SPORTELLO_DATABASE_URL\""), "{}", text(&en).0);
}
