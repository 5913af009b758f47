//! Outbound email in Italian with lettre: SMTP in production, a spool directory of `.eml`
//! files by default; the text of the messages received (the helpdesk mailbox).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Mailbox, Message, MultiPart, SinglePart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::domain::Registration;
use crate::error::{Error, Result};
use crate::secrets::{CodeKind, Secret};

/// Where messages go.
#[derive(Clone)]
pub enum Mailer {
    /// `.eml` files in a directory (the default: someone or something else sends them).
    Spool(PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

/// Outbound settings.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `smtp://host:port` (add `?tls=required` for STARTTLS), `smtps://user:pass@host` for TLS;
    /// none: the spool directory.
    pub smtp_url: Option<String>,
    pub spool_dir: PathBuf,
    pub from: String,
}

impl Mailer {
    pub fn new(s: &MailSettings) -> Result<Mailer> {
        match &s.smtp_url {
            Some(url) => AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map(|b| Mailer::Smtp(b.build()))
                .map_err(|e| Error::Invalid(crate::msg!("smtp-url-invalid", detail = e.to_string()))),
            None => Ok(Mailer::Spool(s.spool_dir.clone())),
        }
    }

    /// Sends a message; returns where it went (for the operator, never its content).
    pub async fn send(&self, message: Message) -> Result<String> {
        match self {
            Mailer::Spool(dir) => {
                // Emails carry codes: the outbox is 0700 (lettre creates the file with the
                // umask's mode, unreadable through the directory by others), the file then 0600.
                crate::desk::handover::SecretDir::Outbox.check(dir)?;
                crate::files::dir(dir, crate::files::Access::Private)?;
                let id = AsyncFileTransport::<Tokio1Executor>::new(dir).send(message).await.map_err(|e| {
                    Error::Unavailable(crate::msg!("email-spool-failed", path = &**dir, detail = e.to_string()))
                })?;
                // Named by when it was written, then its id: the spool's files sort in the order
                // they were sent (a code email after the notice before it), which their times
                // alone cannot tell apart (a file's mtime moves in steps of a few milliseconds).
                let written = dir.join(format!("{id}.eml"));
                let at = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
                let file = dir.join(format!("{:020}-{id}.eml", at.as_nanos()));
                std::fs::rename(&written, &file).map_err(|e| {
                    Error::Unavailable(crate::msg!("email-spool-failed", path = &**dir, detail = e.to_string()))
                })?;
                crate::files::restrict(&file, crate::files::Access::Private)?;
                Ok(file.display().to_string())
            }
            Mailer::Smtp(transport) => {
                let response = transport
                    .send(message)
                    .await
                    .map_err(|e| Error::Unavailable(crate::msg!("smtp-refused", detail = e.to_string())))?;
                Ok(format!("SMTP: {}", response.code()))
            }
        }
    }
}

/// The sender (a setting, which may carry a display name: `Sistema Piemonte <noreply@…>`).
fn sender(address: &str) -> Result<Mailbox> {
    address
        .parse()
        .map_err(|e| unusable(crate::msg!("address-sender"), address, crate::domain::record::address_error(e)))
}

/// The recipient: the same check as the desk's ([`crate::domain::record::email_mailbox`]).
fn recipient(address: &str) -> Result<Mailbox> {
    crate::domain::record::email_mailbox(address.trim())
        .map_err(|detail| unusable(crate::msg!("address-email"), address, detail))
}

fn unusable(what: crate::i18n::Message, address: &str, detail: crate::i18n::Message) -> Error {
    Error::Invalid(crate::msg!("address-unusable", what = what, address = address, detail = detail))
}

/// A message as every one sportello sends: a `Message-ID` in the sender's domain, `MIME-Version`,
/// and the text twice as multipart/alternative, plain and HTML (quoted-printable, so that the
/// raw message stays readable).
fn build(from: &str, to: &str, subject: &str, body: String) -> Result<Message> {
    build_with(from, to, subject, body, None)
}

/// [`build`], with a text file attached (name, media type, content) after the two texts.
fn build_with(from: &str, to: &str, subject: &str, body: String, file: Option<(&str, &str, &str)>) -> Result<Message> {
    let sender = sender(from)?;
    let html = html(&body);
    let part = |content_type: ContentType, text: String| {
        SinglePart::builder().header(content_type).header(ContentTransferEncoding::QuotedPrintable).body(text)
    };
    let alternative = MultiPart::alternative()
        .singlepart(part(ContentType::TEXT_PLAIN, body))
        .singlepart(part(ContentType::TEXT_HTML, html));
    let content = match file {
        None => alternative,
        Some((name, media_type, content)) => {
            let media_type = ContentType::parse(media_type)
                .map_err(|e| Error::Invalid(crate::msg!("email-build-failed", detail = e.to_string())))?;
            MultiPart::mixed()
                .multipart(alternative)
                .singlepart(lettre::message::Attachment::new(name.to_string()).body(content.to_string(), media_type))
        }
    };
    Message::builder()
        .message_id(Some(message_id(sender.email.domain())?))
        .from(sender)
        .to(recipient(to)?)
        .subject(subject)
        .multipart(content)
        .map_err(|e| Error::Invalid(crate::msg!("email-build-failed", detail = e.to_string())))
}

/// `<128 random bits in hex@domain>` (RFC 5322 §3.6.4).
fn message_id(domain: &str) -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Unavailable(crate::msg!("random-failed", detail = e.to_string())))?;
    Ok(format!("<{}@{domain}>", hex::encode(bytes)))
}

/// Text with the characters that mean something in HTML escaped.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The HTML twin of a plain-text body: a paragraph per block, an indented block (a code) in
/// bold monospace, the signature after a rule. Everything is escaped.
pub fn html(body: &str) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"it\">\n<head><meta charset=\"utf-8\"></head>\n<body style=\"font-family: sans-serif\">\n",
    );
    let (text, signature) = match body.split_once("\n--\n") {
        Some((t, s)) => (t, Some(s)),
        None => (body, None),
    };
    for block in text.split("\n\n").map(|b| b.trim_end()).filter(|b| !b.trim().is_empty()) {
        if block.starts_with("    ") {
            out.push_str(&format!(
                "<p style=\"font-family: monospace; font-size: 1.4em; font-weight: bold\">{}</p>\n",
                escape_html(block.trim())
            ));
        } else {
            let lines: Vec<String> = block.lines().map(escape_html).collect();
            out.push_str(&format!("<p>{}</p>\n", lines.join("<br>\n")));
        }
    }
    if let Some(signature) = signature {
        let lines: Vec<String> = signature.trim().lines().map(escape_html).collect();
        out.push_str(&format!("<hr>\n<p style=\"font-size: 0.9em\">{}</p>\n", lines.join("<br>\n")));
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn name(r: &Registration) -> String {
    names(r.data.person.first_name.as_deref(), r.data.person.last_name.as_deref())
}

/// How a message greets the citizen: first and last name.
pub fn names(first: Option<&str>, last: Option<&str>) -> String {
    format!("{} {}", first.unwrap_or_default(), last.unwrap_or_default()).trim().to_string()
}

fn rome_day(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Europe::Rome).format("%d/%m/%Y").to_string()
}

const SIGNATURE: &str = "\n--\nServizio di registrazione a Sistema Piemonte e TorinoFacile\nQuesto messaggio è generato automaticamente: non rispondere a questo indirizzo.\n";

/// The activation or revocation code, to the citizen's registered address.
pub fn code_message(
    kind: CodeKind,
    from: &str,
    to: &str,
    r: &Registration,
    code: &Secret,
    valid_until: DateTime<Utc>,
) -> Result<Message> {
    code_message_to(kind, from, to, r.registration_number, &name(r), code, valid_until)
}

/// [`code_message`] to a citizen named by the registration's number and their names (what an
/// api function returned, with no read of the whole record).
pub fn code_message_to(
    kind: CodeKind,
    from: &str,
    to: &str,
    number: i64,
    greeting: &str,
    code: &Secret,
    valid_until: DateTime<Utc>,
) -> Result<Message> {
    let (what, how, subject) = match kind {
        CodeKind::Activation => (
            "il codice di attivazione della Sua registrazione",
            "È valido fino al {until} e una sola volta. Per completare la procedura si colleghi a \
             https://www.sistemapiemonte.it e inserisca il codice fiscale, questo codice e il PIN \
             ricevuto in busta chiusa, allo sportello o per posta.\n\n\
             Se non ha richiesto Lei questo codice, si rivolga a uno sportello abilitato.",
            "Sistema Piemonte: il Suo codice di attivazione",
        ),
        CodeKind::Revocation => (
            "il codice di revoca delle credenziali della registrazione",
            "È valido fino al {until}. Per rendere effettiva la revoca si colleghi a \
             https://www.sistemapiemonte.it, inserisca il codice fiscale e questo codice e confermi: \
             le credenziali saranno disattivate e i dati personali cancellati.",
            "Sistema Piemonte: il Suo codice di revoca",
        ),
    };
    let body = format!(
        "Gentile {},\n\necco {what} n. {}:\n\n    {}\n\n{}\n{SIGNATURE}",
        greeting,
        number,
        code.expose(),
        how.replace("{until}", &rome_day(valid_until))
    );
    build(from, to, subject, body)
}

/// The SPID email (guidelines §3.5): the second half of the passphrase, the sealed token
/// attached when it travels by email (model b), and where to read about the identity providers.
pub fn spid_message(
    from: &str,
    to: &str,
    r: &Registration,
    half: &Secret,
    delivery: &crate::letters::SpidDelivery,
    token: &str,
    valid_until: DateTime<Utc>,
) -> Result<Message> {
    use crate::letters::SpidDelivery;
    let what_next = match delivery {
        SpidDelivery::ToIdp(idp) => format!(
            "Il token sigillato con i Suoi dati è stato inviato dallo sportello a {idp}, come ha scelto. Si colleghi al sito di {idp}, scelga il rilascio con «identificazione tramite P.A.», inserisca il Suo codice fiscale e poi la passphrase completa: prima i 6 caratteri della lettera che Le è stata consegnata allo sportello, subito dopo questi 6."
        ),
        SpidDelivery::ByEmail => "In allegato trova il token sigillato con i Suoi dati (file token-spid.jwt). Scelga un gestore di identità digitale SPID che aderisce al modello R.A.O. pubblico, si colleghi al suo sito, scelga il rilascio con «identificazione tramite P.A.», carichi il file e inserisca la passphrase completa: prima i 6 caratteri della lettera che Le è stata consegnata allo sportello, subito dopo questi 6.".into(),
    };
    let body = format!(
        "Gentile {},\n\nla Sua identità è stata verificata di persona presso uno sportello R.A.O. pubblico del Sistema Pubblico di Identità Digitale (SPID). Ecco la seconda metà della passphrase:\n\n    {}\n\n{what_next}\n\nIl token può essere usato entro e non oltre il {}, 30 giorni dall'identificazione; dopo 5 tentativi errati di inserimento della passphrase non è più accettato.\n\nLe brochure dei gestori di identità digitale e le istruzioni per ottenere SPID sono sul sito ufficiale: https://www.spid.gov.it e https://www.spid.gov.it/cos-e-spid/come-attivare-spid/\n\nSe non si è recato Lei a uno sportello, ignori questo messaggio e lo segnali all'assistenza.\n{SIGNATURE}",
        name(r),
        half.expose(),
        rome_day(valid_until)
    );
    let subject = "SPID: la seconda metà della Sua passphrase";
    match delivery {
        SpidDelivery::ByEmail => {
            build_with(from, to, subject, body, Some(("token-spid.jwt", "application/jwt", token)))
        }
        SpidDelivery::ToIdp(_) => build(from, to, subject, body),
    }
}

/// A confirmation (activation done, revocation done, ...), with no secret.
pub fn confirmation(from: &str, to: &str, r: &Registration, subject: &str, text: &str) -> Result<Message> {
    confirmation_to(from, to, &name(r), subject, text)
}

/// [`confirmation`] to a citizen greeted by `greeting` (see [`names`]).
pub fn confirmation_to(from: &str, to: &str, greeting: &str, subject: &str, text: &str) -> Result<Message> {
    let body = format!("Gentile {greeting},\n\n{text}\n{SIGNATURE}");
    build(from, to, subject, body)
}

/// A notice about the record ([`crate::notices`]): no secret, no personal data but the name.
pub fn notice(from: &str, to: &str, name: &str, subject: &str, text: &str) -> Result<Message> {
    let greeting = if name.is_empty() { "Gentile utente".to_string() } else { format!("Gentile {name}") };
    build(from, to, subject, format!("{greeting},\n\n{text}\n{SIGNATURE}"))
}

/// Makes `message` an answer to a message received: `In-Reply-To` its Message-ID
/// (`request`, without angle brackets), `References` the thread it belonged to and it, and a
/// `Message-ID` of its own in the sender's domain if it has none. Identifiers that are not plain
/// `id@domain` text are left out. Returns the answer and its Message-ID.
pub fn answering(mut message: Message, request: Option<&str>, references: &[String]) -> Result<(Message, String)> {
    use lettre::message::header::{InReplyTo, MessageId, References};
    let plain = |id: &&str| {
        !id.is_empty()
            && id.len() <= 250
            && id.contains('@')
            && id.bytes().all(|b| b.is_ascii_graphic() && !b"<>\"\\(),;:[]".contains(&b))
    };
    let headers = message.headers_mut();
    if headers.get::<MessageId>().is_none() {
        let domain = headers
            .get_raw("From")
            .and_then(|f| f.rsplit_once('@'))
            .map_or("localhost", |(_, d)| d.trim_end_matches('>').trim());
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes)
            .map_err(|e| Error::Unavailable(crate::msg!("random-failed", detail = e.to_string())))?;
        headers.set(MessageId::from(format!("<{}@{domain}>", hex::encode(bytes))));
    }
    if let Some(request) = request.filter(plain) {
        let mut thread: Vec<String> =
            references.iter().map(String::as_str).filter(plain).map(|r| format!("<{r}>")).collect();
        thread.push(format!("<{request}>"));
        headers.set(InReplyTo::from(format!("<{request}>")));
        headers.set(References::from(thread.join(" ")));
    }
    // An automatic answer says so (RFC 3834 §5), so that another robot does not answer it back.
    headers.insert_raw(lettre::message::header::HeaderValue::new(
        lettre::message::header::HeaderName::new_from_ascii_str("Auto-Submitted"),
        "auto-replied".into(),
    ));
    let id = headers.get::<MessageId>().map(|m| m.as_ref().to_string()).unwrap_or_default();
    Ok((message, id))
}

/// The text of a message received, as its reader sees it: the subject, then every text part of
/// the body, then the plain text sent as an attachment (`dati.txt`, a message forwarded as one:
/// its subject and text). A message that is only HTML is turned into text with block elements
/// on lines of their own and each table cell apart (mail-parser's own conversion runs the cells
/// of a row together, so a label and the fiscal code beside it became one word).
pub fn inbound_text(message: &mail_parser::Message<'_>) -> String {
    let mut parts = Vec::new();
    let mut left = INBOUND_TEXT;
    message_text(message, &mut parts, &mut left, true);
    parts.join("\n")
}

/// Appends `message`'s text to `parts` (see [`inbound_text`]), `left` bytes at most; a message
/// forwarded inside it is read too, not one forwarded inside that.
fn message_text(message: &mail_parser::Message<'_>, parts: &mut Vec<String>, left: &mut usize, outer: bool) {
    let push = |text: String, parts: &mut Vec<String>, left: &mut usize| {
        *left = left.saturating_sub(text.len());
        parts.push(text);
    };
    push(message.subject().unwrap_or_default().to_string(), parts, left);
    for part in message.text_bodies() {
        let Some(text) = part.text_contents() else { continue };
        if *left == 0 {
            return;
        }
        let text =
            if part.is_text_html() { html_to_text(head(text, INBOUND_HTML)) } else { head(text, *left).to_string() };
        push(text, parts, left);
    }
    // A text part inline among attachments is one of the text bodies too: read once.
    let attached =
        message.attachments.iter().filter(|&id| !message.text_body.contains(id) && !message.html_body.contains(id));
    for part in attached.filter_map(|&id| message.parts.get(id as usize)) {
        if *left == 0 {
            return;
        }
        match part.message() {
            Some(inner) if outer => message_text(inner, parts, left, false),
            Some(_) => {}
            None if part.is_text() && !part.is_text_html() => {
                if let Some(text) = part.text_contents() {
                    push(head(text, *left).to_string(), parts, left);
                }
            }
            None => {}
        }
    }
}

/// How much of a message's text is read (bytes): a request's data is at its head, and anyone
/// may send a message; a 20 MB body, read whole, took a gigabyte.
const INBOUND_TEXT: usize = 64 * 1024;
/// How much of an HTML part is converted: the conversion's cost grows with the square of the
/// nesting (100,000 nested `<div>` took minutes), so it is bounded tighter.
const INBOUND_HTML: usize = 32 * 1024;

/// The first `max` bytes of `text`, cut at a character's boundary.
fn head(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// HTML as text: each table cell and block element apart, no decoration, long lines kept whole.
pub fn html_to_text(html: &str) -> String {
    html2text::config::plain_no_decorate()
        .raw_mode(true)
        .allow_width_overflow()
        .string_from_read(html.as_bytes(), 1_000)
        // html2text fails only on a width too small for a character: never at this width.
        .unwrap_or_else(|_| html.to_string())
}

/// A plain reply (e.g. to a helpdesk request that cannot be honoured).
pub fn reply(from: &str, to: &str, subject: &str, text: &str) -> Result<Message> {
    build(from, to, subject, format!("{text}\n{SIGNATURE}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_received_keeps_cells_and_blocks_apart() {
        let html = "<html><body><p>Buongiorno,</p><div>chiedo un nuovo codice.</div><table>\
            <tr><td>Nome</td><td>Nicol&ograve;</td></tr><tr><td>Codice fiscale</td><td>DLLMGR84B69F335O</td></tr>\
            <tr><th>Rilasciata il</th><td>2 maggio 2019</td></tr></table><p>Saluti<br>Nicol&ograve;</p></body></html>";
        let text = html_to_text(html);
        for line in ["Buongiorno,", "chiedo un nuovo codice.", "Nicolò", "Codice fiscale", "DLLMGR84B69F335O"] {
            assert!(text.lines().any(|l| l.trim() == line), "{line:?} on a line of its own: {text}");
        }
        let t = crate::domain::as_written::Text::new(&text);
        assert_eq!(t.fiscal_codes().len(), 1, "{text}");
        assert_eq!(t.dates(), [chrono::NaiveDate::from_ymd_opt(2019, 5, 2).unwrap()], "{text}");
        assert!(!text.contains('<'), "{text}");
    }

    #[test]
    fn html_escapes_and_keeps_the_shape() {
        let html = html("Gentile <b>Anna</b> & \"Co\",\n\necco:\n\n    ABCD-EFGH-JKLM\n\nSaluti.\n--\nFirma\nRiga 2\n");
        assert!(html.contains("<p>Gentile &lt;b&gt;Anna&lt;/b&gt; &amp; &quot;Co&quot;,</p>"), "{html}");
        assert!(html.contains("font-weight: bold\">ABCD-EFGH-JKLM</p>"), "{html}");
        assert!(html.contains("<hr>\n<p style=\"font-size: 0.9em\">Firma<br>\nRiga 2</p>"), "{html}");
        assert!(!html.contains("<b>"));
    }

    #[test]
    fn every_message_has_an_id_in_the_sender_domain_a_mime_version_and_two_parts() {
        let m = reply("Sistema Piemonte <noreply@sistemapiemonte.it>", "a@example.it", "Oggetto", "Testo <x>").unwrap();
        let raw = String::from_utf8(m.formatted()).unwrap();
        assert!(raw.contains("MIME-Version: 1.0"), "{raw}");
        let id = raw.lines().find(|l| l.starts_with("Message-ID: ")).expect(&raw);
        assert!(id.ends_with("@sistemapiemonte.it>") && id.len() > 50, "{id}");
        assert!(raw.contains("Content-Type: multipart/alternative"), "{raw}");
        assert!(raw.contains("Content-Type: text/plain; charset=utf-8"), "{raw}");
        assert!(raw.contains("Content-Type: text/html; charset=utf-8"), "{raw}");
        assert!(raw.contains("Testo &lt;x&gt;"), "{raw}");
        let again = reply("noreply@sistemapiemonte.it", "a@example.it", "Oggetto", "Testo").unwrap();
        assert_ne!(m.headers().get_raw("Message-ID"), again.headers().get_raw("Message-ID"));
    }
}
