//! The Italian interface: the same commands under LANG=it_IT.UTF-8 and LANG=C say the same
//! things in Italian and in English; exit codes, JSON, CSV and the audit log do not change.

use std::process::Output;

use sportello::domain::{Role, Sex};

use crate::cli::register_args;
use crate::fixtures::Citizen;
use crate::harness::{TestDb, text};

const ITALIAN: &str = "it_IT.UTF-8";

/// Runs the binary as `operator` with `LANG` (LC_ALL and LC_MESSAGES unset).
fn cli_lang(db: &TestDb, lang: &str, operator: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = db.command(operator, args);
    cmd.env("LANG", lang);
    cmd.output().unwrap()
}

/// The same command in Italian and in English: (Italian, English) outputs, same exit code.
fn both(db: &TestDb, operator: Option<&str>, args: &[&str]) -> (Output, Output) {
    let it = cli_lang(db, ITALIAN, operator, args);
    let en = cli_lang(db, "C", operator, args);
    assert_eq!(it.status.code(), en.status.code(), "{args:?}: the exit code does not depend on the language");
    (it, en)
}

fn assert_says(out: &Output, code: i32, stream: &str, needles: &[&str]) {
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
    assert!(stdout.contains("prenotata l'operazione verification (riscontro forte) per la registrazione"), "{stdout}");
    assert!(stdout.contains("codice inviato per email a mario.rossi@example.it"), "{stdout}");
    assert!(stdout.contains("lettera: "), "{stdout}");
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
