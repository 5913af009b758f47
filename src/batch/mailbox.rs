//! The helpdesk mailbox: emailed requests for a new activation code. A request is honoured only
//! when it comes from the address registered for the citizen and its text carries first name,
//! last name, fiscal code, identity document number and issue date matching the record; then a
//! new code is emailed. Otherwise the reply tells the citizen to go to a desk.
//!
//! Messages are `.eml` files in a directory (or a Maildir's `new/` and `cur/`), parsed with a
//! real MIME parser. Each Message-ID is processed once; the file is then moved to `processed/`
//! (honoured or answered) or `failed/` (unreadable, duplicate, or the reply could not be sent).

use std::path::{Path, PathBuf};

use mail_parser::MessageParser;
use serde::Serialize;
use serde_json::json;

use super::{Begin, Progress, RunKind};
use crate::audit;
use crate::desk::handover::Desk;
use crate::domain::{Action, FiscalCode, OperationKind, State, as_written, permits, text};
use crate::error::{Error, Result};
use crate::mail;
use crate::secrets::{CodeKind, Purpose};
use crate::session::Session;
use crate::store::helpdesk::{self, Requested};
use crate::store::runs;

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// A new activation code was emailed.
    Honoured,
    /// The request could not be honoured: the reply sends the citizen to a desk.
    Refused {
        reason: String,
    },
    Duplicate,
    Unreadable {
        reason: String,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct Processed {
    pub file: PathBuf,
    pub message_id: String,
    pub sender: Option<String>,
    pub outcome: Outcome,
    pub moved_to: PathBuf,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub run_id: i64,
    pub messages: Vec<Processed>,
}

/// Why a request does not match the record, if it does not. The sender must be the address
/// registered (the database says whether it is, and reads nothing more when it is not); the
/// text must carry, as the citizen writes them (see [`as_written`]), the first and last name,
/// the document number and its issue date. Every field is compared, whatever the others.
fn mismatch(r: &Requested, text: &as_written::Text) -> Option<String> {
    if !r.from_registered {
        return Some("the sender is not the email address registered for the citizen".into());
    }
    let mut missing = Vec::new();
    if !r.first_name.as_deref().is_some_and(|n| text.mentions_name(n)) {
        missing.push("first name");
    }
    if !r.last_name.as_deref().is_some_and(|n| text.mentions_name(n)) {
        missing.push("last name");
    }
    if !r.doc_number.as_deref().is_some_and(|n| text.mentions_code(n)) {
        missing.push("document number");
    }
    if !r.doc_issued.is_some_and(|d| text.mentions_date(d)) {
        missing.push("document issue date");
    }
    (!missing.is_empty()).then(|| format!("the request does not carry matching {}", missing.join(", ")))
}

/// The message files of a directory or Maildir, oldest name first.
fn message_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for sub in [dir.to_path_buf(), dir.join("new"), dir.join("cur")] {
        let Ok(entries) = std::fs::read_dir(&sub) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            let maildir = sub != dir;
            if p.is_file() && (maildir || p.extension().is_some_and(|x| x == "eml")) {
                files.push(p);
            }
        }
    }
    if files.is_empty() && !dir.is_dir() {
        return Err(Error::Invalid(crate::msg!("not-a-directory", path = dir)));
    }
    files.sort();
    Ok(files)
}

/// Moves a message file into `dir/sub`, under its own name or, when a file of that name is
/// there already, under a new one (`name.1.eml`, `name.2.eml`, ...): never over another file.
fn move_to(file: &Path, dir: &Path, sub: &str) -> Result<PathBuf> {
    let target_dir = dir.join(sub);
    // The messages name citizens and carry what authorises a revocation: private, like the rest.
    if !target_dir.exists() {
        crate::files::dir(&target_dir, crate::files::Access::Private)?;
    }
    let name = Path::new(file.file_name().unwrap_or_default());
    let (stem, extension) = match name.extension() {
        Some(x) => (name.file_stem().unwrap_or_default().to_string_lossy(), format!(".{}", x.to_string_lossy())),
        None => (name.to_string_lossy(), String::new()),
    };
    for n in 0u32.. {
        let target = match n {
            0 => target_dir.join(name),
            n => target_dir.join(format!("{stem}.{n}{extension}")),
        };
        // A hard link is made only where no file is: the check and the move are one step.
        match std::fs::hard_link(file, &target) {
            Ok(()) => {
                std::fs::remove_file(file).map_err(Error::io(crate::msg!("io-move", path = file)))?;
                return Ok(target);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io(crate::msg!("io-move", path = file))(e)),
        }
    }
    unreachable!("a free name is found")
}

/// The one reply to every request that is not honoured, whatever the reason: it says nothing
/// about whether the citizen or the address is registered (the reason stays in the run's record
/// and the audit log).
const DESK_REPLY: &str = "Gentile utente,\n\nla Sua richiesta di un nuovo codice di attivazione non può essere accolta per posta \
elettronica.\n\nLa invitiamo a recarsi presso uno sportello abilitato con un documento d'identità valido e la tessera \
sanitaria: l'operatore verificherà i Suoi dati e potrà rigenerare il codice.";

/// Processes every message of the mailbox directory. A dry run classifies the messages and
/// reports, without recording, answering or moving anything.
pub async fn process(
    session: &Session,
    desk: &Desk,
    dir: &Path,
    dry_run: bool,
    progress: &dyn Progress,
) -> Result<Report> {
    let files = message_files(dir)?;
    if dry_run {
        let mut report = Report::default();
        let mut ids = std::collections::HashSet::new();
        for file in &files {
            let mut m = match one(session, desk, dir, file, None).await {
                Ok(m) => m,
                Err(e) => set_aside(dir, file, None, e)?,
            };
            // Nothing is recorded in a dry run: a Message-ID met twice is caught here.
            if !m.message_id.is_empty() && !ids.insert(m.message_id.clone()) {
                m.outcome = Outcome::Duplicate;
            }
            report.messages.push(m);
        }
        return Ok(report);
    }
    // One run per mailbox at a time, since a run answers again the messages whose reply is not
    // known to be sent: one beside it could be sending them. The lock lives as long as this
    // connection, taken out of the pool so that it closes (and unlocks) however the run ends.
    let mailbox = format!("helpdesk-mailbox:{}", dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()).display());
    let lock = deadpool_postgres::Object::take(session.db.client().await?);
    if !runs::try_lock(&lock, &mailbox).await? {
        return Err(Error::Refused(crate::msg!("mailbox-running", path = dir)));
    }
    // A run that died is resumed by the next one on the same mailbox: the messages it left are
    // still in the directory, and its run record is completed rather than left running.
    let Begin::Fresh(run) = super::begin(
        session,
        RunKind::HelpdeskMailbox,
        &dir.display().to_string(),
        &super::checksum_text(&mailbox),
        json!({}),
        false,
    )
    .await?
    else {
        unreachable!("a mailbox run is never skipped")
    };
    progress.start(&crate::tr!("progress-mailbox", path = dir), Some(files.len() as u64), 0);
    let mut report = Report { run_id: run.id, messages: vec![] };
    for (i, file) in files.iter().enumerate() {
        let processed = match one(session, desk, dir, file, Some(run.id)).await {
            Ok(p) => p,
            Err(e) => set_aside(dir, file, Some(run.id), e)?,
        };
        let counts = json!({ match &processed.outcome {
            Outcome::Honoured => "honoured", Outcome::Refused { .. } => "refused",
            Outcome::Duplicate => "duplicate", Outcome::Unreadable { .. } => "unreadable" }: 1 });
        let client = session.db.client().await?;
        super::checkpoint(
            &client,
            run.id,
            run.position + i as i64 + 1,
            1,
            i64::from(processed.outcome == Outcome::Honoured),
            &[],
            &counts,
        )
        .await?;
        report.messages.push(processed);
        progress.advance(i as u64 + 1);
    }
    let client = session.db.client().await?;
    super::finish(&client, run.id).await?;
    progress.finish(&crate::tr!("progress-messages", count = files.len()));
    Ok(report)
}

/// A message whose processing failed for a reason of its own (what it holds, a value the
/// server refuses): set aside in `failed/` with the reason, so that the next messages, and the
/// next runs, go on. Losing the server or an inner failure stops the run instead (the next run
/// resumes it).
fn set_aside(dir: &Path, file: &Path, run: Option<i64>, e: Error) -> Result<Processed> {
    if matches!(e, Error::Unavailable(_) | Error::Internal(_)) {
        return Err(e);
    }
    let moved_to = if run.is_some() { move_to(file, dir, "failed")? } else { file.to_path_buf() };
    Ok(Processed {
        file: file.to_path_buf(),
        message_id: String::new(),
        sender: None,
        outcome: Outcome::Unreadable { reason: text::shown(&e.english(), 300) },
        moved_to,
    })
}

/// Whether a request can be honoured: the registration it names (as the claim read it), or why
/// not.
fn decide(
    fc: Option<&FiscalCode>,
    requested: Option<Requested>,
    suspended: bool,
    text: &as_written::Text,
) -> std::result::Result<Requested, String> {
    match (fc, requested) {
        (None, _) => Err("no valid fiscal code in the request".into()),
        (Some(_), None) => Err("no registration with that fiscal code".into()),
        (Some(_), Some(r)) => match mismatch(&r, text) {
            Some(why) => Err(why),
            None => {
                let state = r.state.as_deref().and_then(State::parse).unwrap_or(State::Respinto);
                let strong = r.strong.unwrap_or(false);
                let in_progress = r.in_progress.as_deref().and_then(OperationKind::parse);
                if suspended {
                    // No code while suspended (sql/V31): the reply sends the citizen to a desk.
                    Err("the credentials are suspended".into())
                } else if permits(state, strong, in_progress, false, Action::RegenerateCode) {
                    Ok(r)
                } else {
                    Err(format!(
                        "regenerate-code is not allowed in state {state} (strong {})",
                        if strong { "Y" } else { "N" }
                    ))
                }
            }
        },
    }
}

/// Are the credentials of the registration a request names suspended?
async fn suspended(c: &impl deadpool_postgres::GenericClient, requested: Option<&Requested>) -> Result<bool> {
    match requested {
        Some(r) => Ok(!crate::store::registrations::suspensions(c, &[r.number]).await?.is_empty()),
        None => Ok(false),
    }
}

/// Why a message was sent by a program rather than a person, if it was (RFC 3834): a bounce,
/// an out-of-office, a list. It gets no reply: an automatic answer to an automatic message can
/// loop between two robots for ever, and a bounce's answer goes to a stranger.
fn automatic(message: &mail_parser::Message<'_>) -> Option<String> {
    let header = |name: &str| message.header_raw(name).map(|v| v.trim().to_ascii_lowercase());
    // A header's keyword, as RFC 5322 lets it be written: comments `(...)` and folding aside
    // (`Auto-Submitted: no (scritto a mano)` is `no`), parameters after `;` aside.
    let keyword =
        |name: &str| header(name).map(|v| uncommented(&v).split(';').next().unwrap_or_default().trim().to_string());
    if let Some(v) = keyword("Auto-Submitted")
        && v != "no"
    {
        return Some(format!("an automatic message (Auto-Submitted: {}): not answered", text::shown(&v, 40)));
    }
    if let Some(v) = keyword("X-Autoreply").or_else(|| keyword("X-Autorespond"))
        && v != "no"
    {
        return Some(format!("an automatic message (X-Autoreply: {}): not answered", text::shown(&v, 40)));
    }
    if let Some(v) = keyword("Precedence")
        && ["bulk", "junk", "list", "auto_reply"].contains(&v.as_str())
    {
        return Some(format!("an automatic message (Precedence: {v}): not answered"));
    }
    if header("Return-Path").is_some_and(|v| uncommented(&v).split_whitespace().collect::<String>() == "<>")
        || header("Content-Type").is_some_and(|v| v.starts_with("multipart/report"))
    {
        return Some("a delivery report: not answered".into());
    }
    None
}

/// A header's value without its comments (RFC 5322 `(...)`, nested, a `\\` quoting the next
/// character), each taken for a space.
fn uncommented(value: &str) -> String {
    let (mut out, mut depth, mut quoted) = (String::with_capacity(value.len()), 0usize, false);
    for c in value.chars() {
        match c {
            _ if quoted => quoted = false,
            '\\' if depth > 0 => quoted = true,
            '(' => depth += 1,
            ')' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    out.push(' ');
                }
            }
            _ if depth > 0 => {}
            c => out.push(c),
        }
    }
    out
}

/// One message; `run` None is a dry run.
async fn one(session: &Session, desk: &Desk, dir: &Path, file: &Path, run: Option<i64>) -> Result<Processed> {
    let bytes = std::fs::read(file).map_err(Error::io(crate::msg!("io-read", path = file)))?;
    let done = |message_id: String, sender: Option<String>, outcome: Outcome, sub: &str| -> Result<Processed> {
        // A dry run moves nothing; a real one moves the message to `sub`, or leaves it for the
        // next run (`sub` empty).
        let moved_to = if run.is_some() && !sub.is_empty() { move_to(file, dir, sub)? } else { file.to_path_buf() };
        Ok(Processed { file: file.to_path_buf(), message_id, sender, outcome, moved_to })
    };
    let Some(message) = MessageParser::default().parse(&bytes[..]) else {
        return done(String::new(), None, Outcome::Unreadable { reason: "not an email message".into() }, "failed");
    };
    // The Message-ID as sent, when it is one (printable, of a sane length); else a digest of
    // the message names it.
    let real_id = message
        .message_id()
        .filter(|m| !m.is_empty() && m.len() <= 500 && !m.chars().any(char::is_control))
        .map(str::to_string);
    // Without one, the message is named by what its writer wrote (sender, date, subject, text),
    // not by its bytes: a redelivery through another relay adds a `Received:` line, and must not
    // be a new request answered again.
    let message_id = real_id.clone().unwrap_or_else(|| {
        let header = |name: &str| message.header_raw(name).unwrap_or_default().trim().to_string();
        let written = [header("From"), header("Date"), header("Subject"), mail::inbound_text(&message)]
            .join("\n")
            // A relay may rewrite the line ends, never what was written.
            .replace("\r\n", "\n");
        format!("sha256:{}", super::checksum_text(&written))
    });
    let references: Vec<String> =
        message.references().as_text_list().unwrap_or_default().iter().map(|r| r.to_string()).collect();
    // One author, once: with two `From:` headers, or two addresses in one, which one a mail
    // client shows is anyone's guess, and the reply could go to the other.
    let authors = message.header_values("From").count();
    let addresses = message.from().map(|a| a.iter().count()).unwrap_or(0);
    if authors > 1 || addresses > 1 {
        let reason = format!("{authors} From headers, {addresses} sender addresses: one author, once");
        return done(message_id, None, Outcome::Unreadable { reason }, "failed");
    }
    let sender = message.from().and_then(|a| a.first()).and_then(|a| a.address()).map(|a| a.to_string());
    let Some(sender) = sender else {
        return done(message_id, None, Outcome::Unreadable { reason: "no sender address".into() }, "failed");
    };
    // An address a reply can be sent to (lettre's parser, RFC 5322 addr-spec), or none.
    if let Err(e) = sender.trim().parse::<lettre::Address>() {
        let reason = format!("the sender address '{}' cannot be used: {e}", text::shown(&sender, 80));
        return done(message_id, None, Outcome::Unreadable { reason }, "failed");
    }
    if let Some(reason) = automatic(&message) {
        return done(message_id, Some(sender), Outcome::Unreadable { reason }, "failed");
    }
    let text = mail::inbound_text(&message);

    let text = as_written::Text::new(&text);
    // The first valid fiscal code of the text names the citizen; the other data must match theirs.
    let fc = text.fiscal_codes().into_iter().next();
    // How the audit log names that citizen (the database records its read of their record).
    let named = fc.as_ref().map(|f| audit::fiscal_code_target(&desk.key, f.as_str()));
    let mut client = session.db.client().await?;
    let Some(run) = run else {
        // A dry run: the database claims nothing and writes nothing.
        let claim = {
            let tx = client.transaction().await?;
            helpdesk::claim(
                &tx,
                &message_id,
                None,
                &file.display().to_string(),
                &sender,
                fc.as_ref().map(|f| f.as_str()),
                named.as_deref(),
            )
            .await?
        };
        let outcome = match claim {
            None => Outcome::Duplicate,
            Some(requested) => {
                let is_suspended = suspended(&client, requested.as_ref()).await?;
                match decide(fc.as_ref(), requested, is_suspended, &text) {
                    Ok(_) => Outcome::Honoured,
                    Err(reason) => Outcome::Refused { reason },
                }
            }
        };
        return done(message_id, Some(sender), outcome, "");
    };
    // A message another live run is answering is left to it: that run's session holds this
    // lock from its claim until its reply is known sent, so two runs over the same messages
    // answer each once (a run that dies lets go with its connection, and a later run answers).
    if !helpdesk::try_lock(&client, &message_id).await? {
        return done(message_id, Some(sender), Outcome::Duplicate, "failed");
    }
    let key = message_id.clone();
    let answered = async {
        let tx = client.transaction().await?;
        // Once per Message-ID: the row is the lock. A message decided but whose reply was never
        // known to be sent (the process died in between) is answered again, with a new code.
        let claim = helpdesk::claim(
            &tx,
            &message_id,
            Some(run),
            &file.display().to_string(),
            &sender,
            fc.as_ref().map(|f| f.as_str()),
            named.as_deref(),
        )
        .await?;
        let Some(requested) = claim else {
            drop(tx);
            return done(message_id, Some(sender), Outcome::Duplicate, "failed");
        };
        let is_suspended = suspended(&tx, requested.as_ref()).await?;
        let decision = decide(fc.as_ref(), requested, is_suspended, &text);
        let (outcome, mail, code) = match &decision {
            Ok(r) => {
                let fiscal_code = r.fiscal_code.as_deref().unwrap_or_default();
                let code = crate::secrets::new_code()?;
                let until = desk.expiry();
                let hash = desk.key.hash(Purpose::Activation, fiscal_code, &code);
                let to = r.email.clone().unwrap_or_default();
                let greeting = mail::names(r.first_name.as_deref(), r.last_name.as_deref());
                let mail = mail::code_message_to(
                    CodeKind::Activation,
                    &desk.mail_from,
                    &to,
                    r.number,
                    &greeting,
                    &code,
                    until,
                )?;
                (Outcome::Honoured, mail, Some((hash, until)))
            }
            Err(reason) => (
                Outcome::Refused { reason: reason.clone() },
                mail::reply(&desk.mail_from, &sender, "Re: richiesta nuovo codice di attivazione", DESK_REPLY)?,
                None,
            ),
        };
        // The answer names the request it answers, so that mail clients thread them.
        let (mail, reply_id) = mail::answering(mail, real_id.as_deref(), &references)?;
        let reply = json!({
            "message_id": reply_id,
            "subject": mail.headers().get_raw("Subject").unwrap_or_default(),
            "in_reply_to": real_id,
        });
        let fiscal_code = decision.as_ref().ok().and_then(|r| r.fiscal_code.clone()).unwrap_or_default();
        let fc_hash = decision.is_ok().then(|| desk.key.hash_text(Purpose::Revocation, "helpdesk", &fiscal_code));
        // Audited against the registration (`audit --target` finds it), by the database.
        let audit_name = decision.is_ok().then(|| audit::fiscal_code_target(&desk.key, &fiscal_code));
        let reason = match &outcome {
            Outcome::Refused { reason } => Some(reason.as_str()),
            _ => None,
        };
        // What the audit log shows of the message: addresses (the sender, Message-IDs) as keyed
        // hashes, as every detail of a row (audit::write).
        let mut described = json!({ "message": message_id, "sender": sender, "reply": reply });
        audit::scrub_value(Some(&desk.key), &mut described);
        helpdesk::decide(
            &tx,
            &helpdesk::Decision {
                message_id: &message_id,
                refused: reason,
                fiscal_code_hash: fc_hash.as_deref(),
                audit_name: audit_name.as_deref(),
                code_hash: code.as_ref().map(|(h, _)| h.as_slice()),
                expires: code.as_ref().map(|(_, until)| *until),
                described: &described,
            },
        )
        .await?;
        tx.commit().await?;
        match desk.mailer.send(mail).await {
            Ok(_) => {
                helpdesk::replied(&client, &message_id).await?;
                // The code went to the registered address; the notice goes there too, apart and
                // without the code, as for every new code (the desk's too): the one message that
                // says "if it was not you, call the helpdesk" reads the same whatever made the
                // code. Sent once the reply is known sent: a reply sent again, with a new code
                // after a crash, is a new code and told again.
                if let Ok(r) = &decision {
                    let name = mail::names(r.first_name.as_deref(), r.last_name.as_deref());
                    let citizen = crate::notices::Citizen {
                        target: audit::Target::Registration { number: r.number, fiscal_code: fiscal_code.clone() },
                        name: &name,
                        registered: r.email.as_deref(),
                    };
                    crate::notices::send_to(session, desk, &citizen, crate::notices::Notice::CodeRegenerated, None)
                        .await;
                }
                done(message_id, Some(sender), outcome, "processed")
            }
            Err(e) => {
                // Left in the mailbox: the next run claims it again (sql/V41), decides again and
                // sends, so the code in force is one the citizen receives.
                helpdesk::send_failed(&client, &message_id, &e.to_string()).await?;
                let reason = format!("the reply could not be sent: {}; left for the next run", e.english());
                done(message_id, Some(sender), Outcome::Unreadable { reason }, "")
            }
        }
    }
    .await;
    helpdesk::unlock(&client, &key).await?;
    answered
}
