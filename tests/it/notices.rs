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
    assert!(body.contains("riscontro forte dell'identità"), "{body}");
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
