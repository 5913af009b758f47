//! `sportello regenerate-code` (at the desk or from the helpdesk mailbox) and
//! `sportello print-letters` (reprints, and the postal PIN runs).

use std::path::PathBuf;

use clap::Args;
use sportello::batch::{mailbox, postal};
use sportello::desk::reprint::{self, Reprint};
use sportello::error::exit;

use crate::progress::Reporter;
use crate::{Env, in_session, output};

#[derive(Debug, Args)]
#[command(after_help = "\
At the desk: the PIN is unchanged; the old activation code stops working.
The new code is emailed, or printed when there is no email or with
--print-code.

Helpdesk: --mailbox DIR processes the emailed requests (.eml files or a
Maildir); each is honoured only when it comes from the registered address
and carries matching first name, last name, fiscal code, document number
and issue date; otherwise the reply sends the citizen to a desk. Messages
are moved to DIR/processed or DIR/failed.

Examples:
  sportello regenerate-code --cf RSSMRA85T10L219G
  sportello regenerate-code --number 1000001 --print-code
  sportello regenerate-code --mailbox /var/mail/helpdesk")]
#[command(group = clap::ArgGroup::new("what").required(true).multiple(false).args(["cf", "number", "mailbox"]))]
pub struct RegenerateArgs {
    /// Fiscal code of the citizen.
    #[arg(long)]
    cf: Option<String>,
    /// Registration number.
    #[arg(long)]
    number: Option<i64>,
    /// Print the new code as a letter instead of emailing it.
    #[arg(long = "print-code", alias = "print", conflicts_with = "mailbox")]
    print: bool,
    /// Process the helpdesk's emailed requests in this directory.
    #[arg(long, value_name = "DIR")]
    mailbox: Option<PathBuf>,
    /// With --mailbox: classify the requests and report; answer, record and move nothing.
    // Conflicting with the others too: clap counts `requires` as met when another member of the
    // exclusive group is given (runs.rs, revoke --dry-run).
    #[arg(long, requires = "mailbox", conflicts_with_all = ["cf", "number"])]
    dry_run: bool,
}

pub async fn regenerate(env: &Env, a: RegenerateArgs) -> sportello::Result<i32> {
    let desk = env.desk()?;
    if let Some(dir) = &a.mailbox {
        let progress = Reporter::new();
        let report = in_session(env, async |s| mailbox::process(s, &desk, dir, a.dry_run, &progress).await).await?;
        let unanswered = report
            .messages
            .iter()
            .filter(|m| matches!(m.outcome, mailbox::Outcome::Unreadable { .. } | mailbox::Outcome::Duplicate))
            .count();
        sportello::metrics::counts(report.messages.len() as u64, unanswered as u64);
        if env.format == output::Format::Json {
            output::json(&report)?;
        } else {
            for m in &report.messages {
                let what = match &m.outcome {
                    mailbox::Outcome::Honoured => tr!("mailbox-honoured"),
                    mailbox::Outcome::Refused { reason } => tr!("mailbox-refused", reason = reason),
                    mailbox::Outcome::Duplicate => tr!("mailbox-duplicate"),
                    mailbox::Outcome::Unreadable { reason } => tr!("mailbox-failed", reason = reason),
                };
                let moved = if a.dry_run { tr!("import-dry-run") } else { format!(" -> {}", m.moved_to.display()) };
                println!("{} <{}>: {what}{moved}", m.file.display(), m.sender.as_deref().unwrap_or("?"));
            }
        }
        return Ok(if unanswered > 0 { exit::WITH_REJECTS } else { exit::OK });
    }
    let key = sportello::desk::search::key(a.cf.as_deref(), a.number)?;
    let done = in_session(env, async |s| reprint::regenerate_code(s, &desk, &key, a.print).await).await?;
    if env.format == output::Format::Json {
        output::json(&done)?;
    } else {
        println!("{}", tr!("new-code", number = done.registration_number.to_string(), fiscal_code = &done.fiscal_code));
        crate::book::delivery(&done.code);
        for p in &done.letters {
            println!("{}", tr!("letter-written", path = &**p));
        }
    }
    Ok(0)
}

#[derive(Debug, Args)]
#[command(after_help = "\
One registration: the summary, the rules, the forms, or a new activation
code (kept only as a hash, so a new one is drawn). A PIN is never reprinted
at the desk: a new PIN is a booking (`book --operation pin`), or a letter
by post (--pin-by-post, printed by the next postal run).

Postal run (--postal-run): PIN letters for every registration whose letter
is due (pre-loaded residents, requests by post), with a new PIN each, in
PDF files of --batch-size letters for the print shop plus a CSV manifest
per file; the address is placed for a window envelope. A weak registration
without credentials (a pre-loaded resident) also gets an activation code,
apart from the PIN: by email when an address is known, otherwise in a
letter of a separate file (codes-RUN-BATCH.pdf and .csv). A crashed run
resumes with the same command; a second run of the same options while one
runs is refused (exit 5).

Examples:
  sportello print-letters --cf RSSMRA85T10L219G --summary --rules
  sportello print-letters --number 1000001 --proxy-form --guardianship
  sportello print-letters --number 1000001 --activation-code
  sportello print-letters --cf RSSMRA85T10L219G --pin-by-post
  sportello print-letters --postal-run --province TO --batch-size 1000 \\
      --out /srv/print-shop")]
#[command(group = clap::ArgGroup::new("what").required(true).multiple(false).args(["cf", "number", "postal_run"]))]
// Something to print must be chosen: nothing chosen is a malformed command line (exit 2).
#[command(group = clap::ArgGroup::new("letters").required(true).multiple(true).args(
    ["summary", "rules", "proxy_form", "guardianship", "activation_code", "pin_by_post", "postal_run"]
))]
pub struct PrintArgs {
    /// Fiscal code of the citizen.
    #[arg(long)]
    cf: Option<String>,
    /// Registration number.
    #[arg(long)]
    number: Option<i64>,
    /// The data summary.
    #[arg(long)]
    summary: bool,
    /// The service rules (Regolamento), pre-filled for signature.
    #[arg(long)]
    rules: bool,
    /// The proxy form (Modulo delega), pre-filled.
    #[arg(long)]
    proxy_form: bool,
    /// The substitute declaration for persons under guardianship or unable to sign.
    #[arg(long)]
    guardianship: bool,
    /// A new activation code, printed.
    #[arg(long)]
    activation_code: bool,
    /// Send a new PIN by post with the next postal run.
    #[arg(long)]
    pin_by_post: bool,
    /// Print the PIN letters that are due, for the print shop.
    #[arg(long)]
    postal_run: bool,
    /// Postal run: only this province.
    #[arg(long, requires = "postal_run", conflicts_with_all = ["cf", "number"])]
    province: Option<String>,
    /// Postal run: at most this many letters.
    #[arg(long, requires = "postal_run", conflicts_with_all = ["cf", "number"])]
    limit: Option<i64>,
    /// Postal run: letters per PDF file.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..), requires = "postal_run", conflicts_with_all = ["cf", "number"])]
    batch_size: u32,
    /// Postal run: where the PDF files and manifests go (default: SPORTELLO_HOME/postal).
    #[arg(long, requires = "postal_run", conflicts_with_all = ["cf", "number"])]
    out: Option<PathBuf>,
    /// Postal run: count the letters due and the files they would fill; print nothing.
    #[arg(long, requires = "postal_run", conflicts_with_all = ["cf", "number"])]
    dry_run: bool,
}

pub async fn print(env: &Env, a: PrintArgs) -> sportello::Result<i32> {
    if a.postal_run {
        let desk = env.desk()?;
        let opts = postal::Options {
            province: a.province.clone(),
            limit: a.limit,
            batch_size: a.batch_size as usize,
            out: a.out.clone().unwrap_or_else(|| env.home.join("postal")),
            dry_run: a.dry_run,
            group: sportello::config_file::var("SPORTELLO_POSTAL_GROUP"),
        };
        let progress = Reporter::new();
        let report = in_session(env, async |s| postal::run(s, &desk, &opts, &progress).await).await?;
        sportello::metrics::counts(report.letters as u64, 0);
        if env.format == output::Format::Json {
            output::json(&report)?;
        } else if a.dry_run {
            println!(
                "{}",
                tr!("postal-dry-run", letters = report.letters, files = report.batches, size = a.batch_size)
            );
        } else {
            if report.resumed {
                println!(
                    "{}",
                    tr!(
                        "postal-resumed",
                        run = report.run_id,
                        finished = report.recovered,
                        discarded = report.discarded
                    )
                );
            }
            println!("{}", tr!("postal-done", run = report.run_id, letters = report.letters, files = report.batches));
            if report.codes_emailed + report.codes_printed + report.codes_email_failed > 0 {
                println!(
                    "{}",
                    tr!(
                        "postal-codes",
                        emailed = report.codes_emailed,
                        printed = report.codes_printed,
                        failed = report.codes_email_failed
                    )
                );
            }
            for f in &report.files {
                println!("{}", tr!("postal-file", path = &**f));
            }
        }
        return Ok(0);
    }
    let key = sportello::desk::search::key(a.cf.as_deref(), a.number)?;
    if a.pin_by_post {
        let number = in_session(env, async |s| sportello::desk::reprint::request_pin_by_post(s, &key).await).await?;
        println!("{}", tr!("pin-by-post-requested", number = number.to_string()));
    }
    let which: Vec<Reprint> = [
        (a.summary, Reprint::Summary),
        (a.rules, Reprint::Rules),
        (a.proxy_form, Reprint::ProxyForm),
        (a.guardianship, Reprint::Guardianship),
        (a.activation_code, Reprint::ActivationCode),
    ]
    .into_iter()
    .filter_map(|(on, r)| on.then_some(r))
    .collect();
    if which.is_empty() && a.pin_by_post {
        return Ok(0);
    }
    let desk = env.desk()?;
    let paths = in_session(env, async |s| reprint::print_letters(s, &desk, &key, &which).await).await?;
    if env.format == output::Format::Json {
        output::json(&paths)?;
    } else {
        for p in paths {
            println!("{}", tr!("letter-written", path = &p));
        }
    }
    Ok(0)
}

impl RegenerateArgs {
    /// The helpdesk's mailbox run is a command of its own (another role).
    pub fn command(&self) -> &'static str {
        if self.mailbox.is_some() { "regenerate-code --mailbox" } else { "regenerate-code" }
    }

    pub fn audit(&self) -> sportello::audit::Target {
        match &self.mailbox {
            Some(dir) => sportello::audit::Target::Input(dir.display().to_string()),
            None => crate::people::requested(self.cf.as_deref(), self.number),
        }
    }
}

impl PrintArgs {
    /// The postal run is a command of its own (another role).
    pub fn command(&self) -> &'static str {
        if self.postal_run { "print-letters --postal-run" } else { "print-letters" }
    }

    pub fn audit(&self) -> sportello::audit::Target {
        crate::people::requested(self.cf.as_deref(), self.number)
    }
}
