//! Notices to the citizen (issue 20), read back from a real SMTP server: every booking, code
//! regeneration, change of email (both addresses) or residence tells the registered address, in
//! Italian, with whom to call; never a code, a PIN or personal data beyond the name.

use sportello::domain::OperationKind;

use crate::desk::{book, mario, pin_in};
use crate::harness::{SmtpServer, TestDb, text};

/// The notices received (not the code emails), as (To, Subject, body).
fn notices(smtp: &SmtpServer) -> Vec<String> {
    smtp.received()
        .into_iter()
        .filter(|m| m.contains("Se non =C3=A8 stato Lei") || m.contains("Se non è stato Lei"))
        .collect()
}

#[tokio::test]
async fn the_citizen_is_told_of_every_booking_code_and_change_and_never_given_a_secret() {
    let smtp = SmtpServer::start();
    let mut db = TestDb::new().await;
    db.smtp_url = Some(smtp.url.clone());
    let s = db.admin().await;
    let desk = db.desk();
    let m = mario();
    let number = m.register(&s).await;
    let number_text = number.to_string();
    let b = book(&s, &desk, number, OperationKind::Verification).await.unwrap();
    let pin = pin_in(&b.letters);
    let told = notices(&smtp);
    assert_eq!(told.len(), 1, "one notice for the booking");
    let notice = mail_parser::MessageParser::default().parse(told[0].as_bytes()).unwrap();
    let body = sportello::mail::inbound_text(&notice);
    assert_eq!(notice.to().and_then(|a| a.first()).and_then(|a| a.address()), Some("mario.rossi@example.it"));
    assert!(body.contains("Gentile Mario Rossi"), "{body}");
    assert!(body.contains("l'operazione «riscontro forte»"), "the operation as the letters name it: {body}");
    assert!(body.contains("numero verde"), "whom to call: {body}");
    let address: String = db
        .owner()
        .await
        .query_one("SELECT res_address || ' ' || res_postcode FROM registrations", &[])
        .await
        .unwrap()
        .get(0);
    let code_email = smtp
        .received()
        .into_iter()
        .find(|m| m.contains("Subject: Sistema Piemonte: il Suo codice di attivazione"))
        .unwrap();
    let code = crate::desk::code_in(&code_email);
    for secret_or_datum in [pin.as_str(), code.as_str(), m.cf.as_str(), address.as_str()] {
        assert!(!body.contains(secret_or_datum), "{secret_or_datum} in a notice: {body}");
    }

    // A new code at the desk.
    let out = db.cli(Some("admin"), &["regenerate-code", "--number", &number.to_string()]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    assert_eq!(notices(&smtp).len(), 2);
    assert!(notices(&smtp).iter().any(|n| n.contains("nuovo codice di attivazione")));

    // A new email: the old address and the new one are both told.
    let out = db.cli(Some("admin"), &["edit", "--number", &number.to_string(), "--email", "mario@example.org"]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    let changed: Vec<String> =
        notices(&smtp).into_iter().filter(|n| n.contains("indirizzo email modificato")).collect();
    assert_eq!(changed.len(), 2, "old and new address");
    for address in ["To: mario.rossi@example.it", "To: mario@example.org"] {
        assert!(changed.iter().any(|n| n.contains(address)), "{address} not told");
    }

    // A new residence.
    let out = db.cli(
        Some("admin"),
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
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    assert!(notices(&smtp).iter().any(|n| n.contains("residenza") && n.contains("To: mario@example.org")));

    // A suspension and its end.
    for (args, subject) in [
        (vec!["suspend", "--number", &number_text, "--reason", "sospetta-frode"], "credenziali sospese"),
        (vec!["reinstate", "--number", &number_text], "credenziali riattivate"),
    ] {
        let out = db.cli(Some("admin"), &args);
        assert_eq!(text(&out).2, 0, "{}", text(&out).1);
        assert!(notices(&smtp).iter().any(|n| n.contains(subject)), "{subject}");
    }

    // Each notice is recorded as an email row of its own, naming the citizen, never the address.
    let rows: Vec<String> = db
        .owner()
        .await
        .query(
            "SELECT details->>'message' FROM audit_log WHERE action = 'email' AND details->>'message' LIKE 'notice-%'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(rows.len(), 7, "{rows:?}");
    let audit: String =
        db.owner().await.query_one("SELECT string_agg(details::text, ' ') FROM audit_log", &[]).await.unwrap().get(0);
    assert!(!audit.contains("mario@example.org"), "no address in the log");
}

/// The two paths outside the desk: a new code the helpdesk sends for an emailed request, and a
/// revocation by registered letter (the record is erased: the database gives the address it had).
#[tokio::test]
async fn a_code_from_the_helpdesk_and_a_revocation_by_letter_are_told_too() {
    let smtp = SmtpServer::start();
    let mut db = TestDb::new().await;
    db.smtp_url = Some(smtp.url.clone());
    let s = db.admin().await;
    let desk = db.desk();
    let sara = crate::batch::sara();
    let number = crate::batch::register(&db, &sara, "CA77777EE", "2024-05-02", "sara.esposito@example.it").await;
    book(&s, &desk, number, OperationKind::Verification).await.unwrap();
    let subject = |s: &str| notices(&smtp).into_iter().filter(|n| n.contains(s)).collect::<Vec<_>>();

    // The helpdesk honours Sara's emailed request: the code goes to her address, and so does the
    // notice, apart, without the code.
    let mailbox = tempfile::tempdir().unwrap();
    let request =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/mailbox/01-honoured-quoted-printable.eml");
    std::fs::copy(request, mailbox.path().join("01.eml")).unwrap();
    let out = db.cli(Some("admin"), &["regenerate-code", "--mailbox", mailbox.path().to_str().unwrap()]);
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    let told = subject("nuovo codice di attivazione");
    assert_eq!(told.len(), 1, "one notice for the new code");
    assert!(told[0].contains("To: sara.esposito@example.it"), "{}", told[0]);
    let code_email = smtp
        .received()
        .into_iter()
        .find(|m| m.contains("Subject: Sistema Piemonte: il Suo codice di attivazione"))
        .unwrap();
    let code = crate::desk::code_in(&code_email);
    let body = sportello::mail::inbound_text(&mail_parser::MessageParser::default().parse(told[0].as_bytes()).unwrap());
    assert!(!body.contains(&code) && !body.contains(&sara.cf), "{body}");

    // A letter that does not match erases nothing and tells nobody; the matching one erases and
    // tells the address the record had.
    let letter = |doc: &'static str, protocol: &'static str| {
        [
            "revoke",
            "--cf",
            "SPSSRA95M54F839P",
            "--first-name",
            "Sara",
            "--last-name",
            "Esposito",
            "--doc-number",
            doc,
            "--doc-issued",
            "2024-05-02",
            "--letter-protocol",
            protocol,
            "--letter-date",
            "2026-11-22",
        ]
    };
    let out = db.cli(Some("admin"), &letter("CA00000XX", "CSI-2026-004700"));
    assert_ne!(text(&out).2, 0, "a mismatch: {}", text(&out).1);
    assert!(subject("credenziali revocate").is_empty(), "a refused letter tells nobody");
    let out = db.cli(Some("admin"), &letter("CA77777EE", "CSI-2026-004701"));
    assert_eq!(text(&out).2, 0, "{}", text(&out).1);
    let told = subject("credenziali revocate");
    assert_eq!(told.len(), 1, "one notice for the revocation");
    assert!(told[0].contains("To: sara.esposito@example.it"), "{}", told[0]);
    let body = sportello::mail::inbound_text(&mail_parser::MessageParser::default().parse(told[0].as_bytes()).unwrap());
    assert!(body.contains("Gentile Sara Esposito") && body.contains("dati personali cancellati"), "{body}");
    for datum in [sara.cf.as_str(), "CSI-2026-004701", "CA77777EE"] {
        assert!(!body.contains(datum), "{datum} in a notice: {body}");
    }
    // Recorded as the citizen's email rows, by message.
    let rows: Vec<String> = db
        .owner()
        .await
        .query(
            "SELECT details->>'message' FROM audit_log WHERE action = 'email' AND details->>'message' IN
                 ('notice-code-regenerated', 'notice-revoked') ORDER BY id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(rows, ["notice-code-regenerated", "notice-revoked"]);
}

/// A notice that cannot be sent (the SMTP server is down) does not undo the action: the operator
/// is told once, in their language, on standard error; the log's English line waits for `-v`.
#[tokio::test]
async fn a_notice_not_sent_is_said_once_in_the_operators_language() {
    let db = TestDb::new().await;
    let s = db.admin().await;
    let number = mario().register(&s).await.to_string();
    let run = |lang: &str, args: &[&str]| {
        let mut cmd = db.command(Some("admin"), args);
        cmd.env("SPORTELLO_SMTP_URL", "smtp://127.0.0.1:1").env("LANG", lang);
        text(&cmd.output().unwrap())
    };
    let (_, stderr, code) = run("it_IT.UTF-8", &["suspend", "--number", &number, "--reason", "sospetta-frode"]);
    assert_eq!(code, 0, "{stderr}");
    let said: Vec<&str> = stderr.lines().filter(|l| l.contains("avviso")).collect();
    assert_eq!(said.len(), 1, "{stderr}");
    assert!(
        said[0].starts_with("sportello: l'avviso al cittadino (credenziali sospese) NON è stato inviato: "),
        "{stderr}"
    );
    assert!(!stderr.contains("WARN") && !stderr.contains("notice not sent"), "{stderr}");
    let (_, stderr, code) = run("C", &["reinstate", "--number", &number]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("sportello: the notice to the citizen (credentials reinstated) was NOT sent: "),
        "{stderr}"
    );
    assert!(!stderr.contains("WARN"), "{stderr}");
    let (_, stderr, code) = run("C", &["-v", "suspend", "--number", &number, "--reason", "citizen-request"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("notice not sent") && stderr.contains("notice-suspended"), "{stderr}");
}
