//! Citizens' data as they write it, through the helpdesk mailbox (real SMTP server) and the
//! registered letters, on the real database: accents missing, curly apostrophes, fiscal codes in
//! lower-case groups, HTML-only messages with tables, every Italian way of writing a date; and
//! the requests that must stay refused (another sender, another document, another date).

use sportello::desk::book;
use sportello::desk::register::{self, Prepared};
use sportello::domain::{OperationKind, Sex};
use sportello::portal;
use sportello::store::registrations::Key;

use crate::desk::{code_in, pin_in};
use crate::fixtures::{Citizen, date};
use crate::harness::{SmtpServer, TestDb, text};

/// A citizen on record with this document (issued 2 May 2019) and address; returns the number.
async fn on_record(db: &TestDb, c: &Citizen, doc: &str, email: &str) -> i64 {
    let s = db.admin().await;
    let mut request = c.request();
    request.data.document.number = Some(doc.into());
    request.data.document.issued = Some(date("2019-05-02"));
    request.data.contacts.email = Some(email.into());
    match register::prepare(&s, request).await.unwrap() {
        Prepared::New(draft) => register::register(&s, *draft).await.unwrap().registration_number,
        Prepared::AlreadyRegistered(r) => panic!("{} already registered as {}", c.cf, r.registration_number),
    }
}

/// `dll ncl 84b29 l219x`: a fiscal code as people type it on a phone.
fn grouped_lower(cf: &str) -> String {
    format!("{} {} {} {}", &cf[..3], &cf[3..6], &cf[6..11], &cf[11..]).to_lowercase()
}

fn nicolo() -> Citizen {
    Citizen::new("DLSNCL", "Nicolò", "D'Alessandro", "1984-02-29", Sex::M)
}

fn lubomir() -> Citizen {
    Citizen::new("NVKLMR", "Ľubomír", "Novák", "1979-07-03", Sex::M)
}

/// Another man, whose names fold to the same letters as Nicolò D'Alessandro's.
fn other_nicolo() -> Citizen {
    Citizen::new("DLSNCL", "Nicolo", "Dalessandro", "1990-10-10", Sex::M)
}

/// A plain-text message, 8 bits.
fn plain(from: &str, id: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nTo: assistenza@sistemapiemonte.it\r\nSubject: Nuovo codice\r\nMessage-ID: <{id}@example.it>\r\n\
         Date: Tue, 01 Dec 2026 09:00:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
    )
}

#[tokio::test]
async fn the_mailbox_reads_the_data_as_citizens_write_them_and_refuses_spoofing() {
    let smtp = SmtpServer::start();
    let mut db = TestDb::new().await;
    db.smtp_url = Some(smtp.url.clone());
    let s = db.admin().await;
    let desk = db.desk();
    let (n, l, o) = (nicolo(), lubomir(), other_nicolo());
    assert_ne!(n.cf, o.cf);
    let n_number = on_record(&db, &n, "CA11111AA", "nicolo.dalessandro@example.it").await;
    let l_number = on_record(&db, &l, "YA2222222", "lubomir.novak@example.it").await;
    let o_number = on_record(&db, &o, "CA33333CC", "n.dalessandro@example.it").await;
    let mut pins = vec![];
    for number in [n_number, l_number, o_number] {
        let request = book::Request {
            key: Key::Number(number),
            operation: OperationKind::Verification,
            delegate: None,
            print_code: false,
        };
        pins.push(pin_in(&book::book(&s, &desk, request).await.unwrap().letters));
    }
    assert_eq!(smtp.received().len(), 6, "the desk's codes and the notices of the bookings");

    let (n_from, l_from, o_from) =
        ("Nicolò D'Alessandro <nicolo.dalessandro@example.it>", "lubomir.novak@example.it", "n.dalessandro@example.it");
    let n_cf = grouped_lower(&n.cf);
    let l_cf_dotted = format!("{}.{}.{}.{}", &l.cf[..3], &l.cf[3..6], &l.cf[6..11], &l.cf[11..]);
    let mailbox = tempfile::tempdir().unwrap();
    let put = |name: &str, message: String| std::fs::write(mailbox.path().join(name), message).unwrap();

    // multipart/alternative, quoted-printable: curly apostrophe, accent missing, lower-case
    // grouped fiscal code, 2.5.2019; the HTML twin is not read when there is plain text.
    put(
        "01-multipart-qp.eml",
        format!(
            "From: {n_from}\r\nTo: assistenza@sistemapiemonte.it\r\nSubject: =?UTF-8?Q?Codice_smarrito?=\r\n\
             Message-ID: <w-01@example.it>\r\nDate: Tue, 01 Dec 2026 09:00:00 +0100\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n--b1\r\n\
             Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
             Buongiorno, sono Nicolo D=E2=80=99Alessandro, C.F. {n_cf}.=\r\n\
             \r\nDocumento n. ca 11111 aa rilasciato il 2.5.2019.\r\n\
             \r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Sono Nicol&ograve;</p>\r\n--b1--\r\n"
        ),
    );
    // HTML only, quoted-printable, the data in a table: NICOLO' for Nicolò, 02-05-2019.
    let html = format!(
        "<html><body><p>Richiesta nuovo codice</p><table>\
         <tr><td>Nome</td><td>NICOLO'</td></tr><tr><td>Cognome</td><td>D&rsquo;ALESSANDRO</td></tr>\
         <tr><td>Codice fiscale</td><td>{}</td></tr><tr><td>Documento</td><td>CA11111AA</td></tr>\
         <tr><td>Rilasciato il</td><td>02-05-2019</td></tr></table></body></html>",
        n.cf
    );
    put(
        "02-html-table.eml",
        format!(
            "From: {n_from}\r\nTo: assistenza@sistemapiemonte.it\r\nSubject: Richiesta\r\nMessage-ID: <w-02@example.it>\r\n\
             Date: Tue, 01 Dec 2026 09:01:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\
             Content-Transfer-Encoding: quoted-printable\r\n\r\n{}\r\n",
            html.replace('=', "=3D").replace("><tr>", ">=\r\n<tr>")
        ),
    );
    // Accents missing, a dotted fiscal code, dates in words.
    put(
        "03-words.eml",
        plain(
            l_from,
            "w-03",
            &format!("Sono Lubomir Novak, codice fiscale {l_cf_dotted}, passaporto YA 2222222 del 2 maggio 2019."),
        ),
    );
    put(
        "04-capital-month.eml",
        plain(l_from, "w-04", &format!("LUBOMIR NOVAK {} passaporto YA2222222 rilasciato il 2 Maggio 2019", l.cf)),
    );
    for (file, id, written) in [
        ("05-slashes.eml", "w-05", "02/05/2019"),
        ("06-two-digit-year.eml", "w-06", "02.05.19"),
        ("07-iso.eml", "w-07", "2019-05-02"),
        ("07b-glued.eml", "w-07b", "il02/05/2019"),
    ] {
        let body = format!("nicolo' d'alessandro\n{}\ncarta d'identità CA-11111-AA del {written}", n.cf.to_lowercase());
        put(file, plain(n_from, id, &body));
    }
    // Every datum right, but not from the address on record: refused, the reply to the sender.
    put(
        "08-spoofed.eml",
        plain(
            "Nicolò D'Alessandro <nicolo.dalessandro@mail-sicura.example>",
            "w-08",
            &format!("Nicolò D'Alessandro {} CA11111AA 02/05/2019", n.cf),
        ),
    );
    // Another man whose names fold to the same letters: his own address and fiscal code, but
    // Nicolò's document: the names match loosely, the document does not.
    put(
        "09-same-folding-other-document.eml",
        plain(o_from, "w-09", &format!("Nicolò D'Alessandro {} CA11111AA 02/05/2019", o.cf)),
    );
    // The right sender and names, another issue date; another first name.
    put("10-other-date.eml", plain(n_from, "w-10", &format!("Nicolo D'Alessandro {} CA11111AA 2 giugno 2019", n.cf)));
    put("11-other-name.eml", plain(n_from, "w-11", &format!("Nicola D'Alessandro {} CA11111AA 2/5/2019", n.cf)));
    // A fiscal code in groups whose check character is wrong is no fiscal code.
    let mut wrong = n.cf.clone();
    let last = if wrong.ends_with('A') { "B" } else { "A" };
    wrong.replace_range(15.., last);
    put(
        "12-bad-check.eml",
        plain(n_from, "w-12", &format!("Nicolo D'Alessandro {} CA11111AA 2/5/2019", grouped_lower(&wrong))),
    );

    let out =
        db.cli(Some("admin"), &["regenerate-code", "--mailbox", mailbox.path().to_str().unwrap(), "--format", "json"]);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let outcome = |i: usize| -> String {
        let o = &report["messages"][i]["outcome"];
        o.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("refused: {}", o["refused"]["reason"].as_str().unwrap()))
    };
    for (i, file) in ["01", "02", "03", "04", "05", "06", "07", "07b"].iter().enumerate() {
        assert_eq!(outcome(i), "honoured", "{file}");
    }
    assert!(outcome(8).contains("sender"), "{}", outcome(8));
    assert!(outcome(9).ends_with("matching document number"), "the names fold alike: {}", outcome(9));
    assert!(outcome(10).ends_with("matching document issue date"), "{}", outcome(10));
    assert!(outcome(11).ends_with("matching first name"), "{}", outcome(11));
    assert!(outcome(12).contains("no valid fiscal code"), "{}", outcome(12));

    // Through the SMTP server: a new code to the address on record for each request honoured,
    // the desk's reply (and no code) to every other sender.
    let received = smtp.received();
    let to = |m: &String, who: &str| m.lines().any(|l| l.starts_with("To: ") && l.contains(who));
    let codes =
        |who: &str| received.iter().filter(|m| to(m, who) && m.contains("il Suo codice di attivazione")).count();
    assert_eq!(codes("nicolo.dalessandro@example.it"), 1 + 6);
    assert_eq!(codes("lubomir.novak@example.it"), 1 + 2);
    assert_eq!(codes("n.dalessandro@example.it"), 1, "only the desk's");
    let replies: Vec<&String> = received.iter().filter(|m| m.contains("Subject: Re: richiesta nuovo codice")).collect();
    assert_eq!(replies.len(), 5);
    assert!(replies.iter().any(|m| to(m, "nicolo.dalessandro@mail-sicura.example")), "the spoofer gets the desk reply");
    assert!(!received.iter().any(|m| to(m, "mail-sicura.example") && m.contains("il Suo codice di attivazione")));

    // The last code the helpdesk sent Ľubomír completes his activation with the desk's PIN, the
    // fiscal code typed on the portal in groups too.
    let honoured: String = db
        .owner()
        .await
        .query_one("SELECT count(*)::text FROM audit_log WHERE action = 'regenerate-code' AND outcome = 'ok'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(honoured, "8", "each request honoured audited");
    let mut l_codes: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(smtp.maildir.path().join("Maildir/new"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (std::fs::metadata(&p).unwrap().modified().unwrap(), std::fs::read_to_string(&p).unwrap()))
        // His codes (each new code is followed by its notice, which carries none).
        .filter(|(_, m)| to(m, "lubomir.novak@example.it") && m.contains("il Suo codice di attivazione"))
        .collect();
    l_codes.sort();
    let activation = portal::Activation {
        fiscal_code: l_cf_dotted.to_lowercase(),
        activation_code: code_in(&l_codes.last().unwrap().1),
        pin: pins[1].clone(),
        accept_rules: true,
        username: Some("lubomir.novak".into()),
        password: Some("Piemonte2026!x".into()),
        secret_question: Some("Città natale?".into()),
        secret_answer: Some("Bratislava".into()),
    };
    portal::activate(&db.db, &desk, activation).await.unwrap();
}

/// More citizens for the letters, each with the way their letter writes them.
fn letter_citizens() -> Vec<(Citizen, &'static str)> {
    vec![
        (nicolo(), "CA11111AA"),
        (lubomir(), "YA2222222"),
        (Citizen::new("DLCMGR", "Maria Grazia", "De Luca", "1970-01-15", Sex::F), "CA44444DD"),
        (Citizen::new("LFVLCO", "Loïc", "Lefèvre", "1988-04-04", Sex::M), "CA55555EE"),
        (Citizen::new("DMTSFN", "Ştefan", "Dumitrescu", "1991-11-21", Sex::M), "CA66666FF"),
        (Citizen::new("GRSJGN", "Jürgen", "Groß", "1965-06-30", Sex::M), "CA77777GG"),
        (Citizen::new("DLLNNA", "Anna", "Dell'Orto", "1999-12-31", Sex::F), "CA88888HH"),
        (other_nicolo(), "CA33333CC"),
    ]
}

/// Revocations by letter recorded in the audit log for this fiscal code.
async fn audited(db: &TestDb, code: &str) -> i64 {
    let target = sportello::audit::fiscal_code_target(&db.key(), code);
    db.owner()
        .await
        .query_one(
            "SELECT count(*) FROM audit_log WHERE action = 'revoke-letter' AND outcome = 'ok' AND target = $1",
            &[&target],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn registered_letters_read_the_data_as_citizens_write_them() {
    let db = TestDb::new().await;
    let citizens = letter_citizens();
    for (i, (c, doc)) in citizens.iter().enumerate() {
        on_record(&db, c, doc, &format!("citizen{i}@example.it")).await;
    }
    let cf = |i: usize| citizens[i].0.cf.clone();
    let dotted = |s: &str| format!("{}.{}.{}.{}", &s[..3], &s[3..6], &s[6..11], &s[11..]);
    let rows = [
        // Lower-case groups, accent missing, curly apostrophe, a document number in groups.
        format!("{};Nicolo;D’Alessandro;ca 11111 aa;2.5.2019;CSI-1;20.11.2026", grouped_lower(&cf(0))),
        format!("{};Lubomir;Novak;YA2222222;02-05-2019;CSI-2;20 novembre 2026", dotted(&cf(1))),
        format!("{};maria-grazia;DE  LUCA;CA44444DD;02/05/2019;CSI-3;2026-11-20", cf(2).to_lowercase()),
        format!("{};Loic;Lefevre;CA55555EE;2 maggio 2019;CSI-4;20/11/2026", cf(3)),
        format!("{};STEFAN;DUMITRESCU;CA-55555-EE;2 Maggio 2019;CSI-5;20/11/2026", cf(4)),
        format!("{};JURGEN;GROSS;CA77777GG;02.05.19;CSI-6;20/11/2026", cf(5)),
        format!("{};Anna;DELL`ORTO;CA88888HH;2019-05-02;CSI-7;20/11/2026", cf(6)),
        // The other Nicolò's own fiscal code and names (the same letters), Nicolò's document.
        format!("{};Nicolò;D'Alessandro;CA11111AA;02/05/2019;CSI-8;20/11/2026", grouped_lower(&cf(7))),
        // Dates that are not dates, a date in the future.
        format!("{};STEFAN;DUMITRESCU;CA66666FF;2 mai 2019;CSI-9;20/11/2026", cf(4)),
        format!("{};STEFAN;DUMITRESCU;CA66666FF;02/05/2019;CSI-10;20/11/2099", cf(4)),
        format!("{};STEFAN;DUMITRESCU;CA66666FF;02/05/2019;CSI-11;31.02.2026", cf(4)),
        // Now right.
        format!("{};Stefan;Dumitrescu;ca 66666 ff;2/5/2019;CSI-12;20/11/2026", dotted(&cf(4))),
    ];
    let file = db.files.path().join("letters.csv");
    std::fs::write(
        &file,
        format!("fiscal_code;first_name;last_name;doc_number;doc_issued;protocol;protocol_date\n{}\n", rows.join("\n")),
    )
    .unwrap();
    let report = db.files.path().join("report.csv");
    let out =
        db.cli(Some("admin"), &["revoke", "--letters", file.to_str().unwrap(), "--report", report.to_str().unwrap()]);
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 8, "{stderr}");
    assert!(stderr.contains("7 revoked") && stderr.contains("2 mismatches"), "{stderr}");
    let report = std::fs::read_to_string(report).unwrap();
    let lines: Vec<&str> = report.lines().skip(1).collect();
    assert_eq!(lines.len(), 5, "{report}");
    assert!(lines[0].starts_with("6,doc_number,CA-55555-EE,mismatch"), "{report}");
    assert!(lines[1].starts_with("9,doc_number,CA11111AA,mismatch"), "{report}");
    assert!(lines[2].starts_with("10,doc_issued,2 mai 2019,") && lines[2].contains("2 maggio 2019"), "{report}");
    assert!(lines[3].starts_with("11,protocol_date,20/11/2099,protocol_date is in the future"), "{report}");
    assert!(lines[4].starts_with("12,protocol_date,31.02.2026,"), "{report}");

    let owner = db.owner().await;
    let left: Vec<String> = owner
        .query("SELECT fiscal_code FROM registrations ORDER BY 1", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(left, [cf(7)], "every one revoked but the other Nicolò");
    let protocols: i64 = owner.query_one("SELECT count(*) FROM revocations", &[]).await.unwrap().get(0);
    assert_eq!(protocols, 7);
    // The audit log names each citizen by their fiscal code however the letter wrote it.
    assert_eq!(audited(&db, &cf(0)).await, 1);
    assert_eq!(audited(&db, &cf(4)).await, 1);

    // One letter typed by the helpdesk, as written on it.
    let single = Citizen::new("BNCLCU", "Lucia", "Bianchi-Ferrè", "1982-03-08", Sex::F);
    on_record(&db, &single, "CA99999JJ", "lucia@example.it").await;
    let out = db.cli(
        Some("admin"),
        &[
            "revoke",
            "--cf",
            &grouped_lower(&single.cf),
            "--first-name",
            "LUCIA",
            "--last-name",
            "Bianchi Ferre'",
            "--doc-number",
            "ca99999jj",
            "--doc-issued",
            "2 maggio 2019",
            "--letter-protocol",
            "CSI-13",
            "--letter-date",
            "20 nov 2026",
        ],
    );
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("revoked"), "{stdout}");
}
