//! `sportello runs` (batch runs and their counts) and `sportello revoke` (registered letters).

use std::path::PathBuf;

use clap::Args;
use sportello::batch::letter_revocations::{self, Letter, Outcome};
use sportello::batch::{self, RunKind, write_rejects};
use sportello::error::exit;
use tabled::Tabled;

use crate::output::{self, local, opt};
use crate::progress::Reporter;
use crate::{Env, in_checked_session, in_session};

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  sportello runs\n  sportello runs --kind import-cia --format json")]
pub struct RunsArgs {
    /// Only runs of this kind.
    #[arg(long, value_parser = crate::choice::choice::<RunKind>())]
    kind: Option<RunKind>,
    /// At most this many runs (newest first).
    #[arg(long, default_value_t = 20)]
    limit: i64,
}

#[derive(Tabled)]
struct Row {
    run: i64,
    kind: String,
    input: String,
    operator: String,
    started: String,
    finished: String,
    state: String,
    read: i64,
    ok: i64,
    rejected: i64,
    counts: String,
}

pub async fn runs(env: &Env, a: RunsArgs) -> sportello::Result<i32> {
    let runs = in_session(env, async |s| batch::list(s, a.kind, a.limit.max(1)).await).await?;
    let flat: Vec<Row> = runs
        .iter()
        .map(|r| Row {
            run: r.id,
            kind: r.kind.clone(),
            input: r.input.clone(),
            operator: opt(&r.operator_id),
            started: local(&r.started_at),
            finished: r.finished_at.as_ref().map(local).unwrap_or_default(),
            state: sportello::i18n::term(&r.state).as_str().to_string(),
            read: r.rows_read,
            ok: r.rows_ok,
            rejected: r.rows_rejected,
            counts: output::counts_in_words(&r.counts),
        })
        .collect();
    output::rows(env.format, &flat, &runs)?;
    Ok(0)
}

#[derive(Debug, Args)]
#[command(after_help = "\
Revocations received by registered letter: a matching request revokes the
credentials and erases the personal data at once (a pseudonymous tombstone
is kept); the others are reported as mismatch, not found or already
revoked.

Batch file: CSV with a header, ';' or ',' separated, with the columns
(named in any case)
  fiscal_code, first_name, last_name, doc_number, doc_issued,
  protocol, protocol_date
in UTF-8, or in the --encoding given (a file saved by Excel on Windows is
windows-1252); a file that is not text of its encoding is refused whole.

Examples:
  sportello revoke --letters samples/revocation-letters.csv \\
      --report /tmp/revocations.csv
  sportello revoke --letters lettere-excel.csv --encoding windows-1252
  sportello revoke --cf RSSMRA85T10L219G --first-name Mario \\
      --last-name Rossi --doc-number CA12345AA --doc-issued 2022-03-01 \\
      --letter-protocol CSI-2026-004512 --letter-date 2026-11-20

One letter (--cf) needs all of the letter's data: first and last name,
document number and issue date, protocol and its date; they are checked
against the record exactly as a batch row is.")]
#[command(group = clap::ArgGroup::new("what").required(true).multiple(false).args(["letters", "cf"]))]
pub struct RevokeArgs {
    /// A batch of registered letters.
    #[arg(long, value_name = "FILE", conflicts_with = "letter_protocol")]
    letters: Option<PathBuf>,
    /// Text encoding of the batch: utf-8 (the default), windows-1252 (also latin-1, cp1252), or another WHATWG label.
    #[arg(long, value_name = "LABEL", value_parser = crate::choice::encoding, requires = "letters", conflicts_with = "cf")]
    encoding: Option<sportello::batch::input::Encoding>,
    /// Write the letters not honoured (line, field, value, reason) to this CSV file; - for standard output.
    #[arg(long, value_name = "FILE", requires = "letters", conflicts_with = "cf")]
    report: Option<PathBuf>,
    /// Check every letter against the records and report; revoke nothing.
    // Conflicting with --cf as well: clap counts `requires = "letters"` as met when another
    // member of the exclusive group is given, and `--cf ... --dry-run` once revoked for real.
    #[arg(long, requires = "letters", conflicts_with = "cf")]
    dry_run: bool,
    /// One letter: the citizen's fiscal code.
    #[arg(long, requires = "letter_protocol")]
    cf: Option<String>,
    /// One letter: its protocol number.
    #[arg(long)]
    letter_protocol: Option<String>,
    /// One letter: do not ask for confirmation on a terminal (never asked otherwise).
    #[arg(long, short = 'y', requires = "cf")]
    yes: bool,
    /// One letter: first name as written.
    #[arg(long)]
    first_name: Option<String>,
    /// One letter: last name as written.
    #[arg(long)]
    last_name: Option<String>,
    /// One letter: identity document number.
    #[arg(long)]
    doc_number: Option<String>,
    /// One letter: document issue date.
    #[arg(long)]
    doc_issued: Option<String>,
    /// One letter: the date of its protocol.
    #[arg(long, value_name = "DATE")]
    letter_date: Option<String>,
}

pub async fn revoke(env: &Env, a: RevokeArgs) -> sportello::Result<i32> {
    let desk = env.desk()?;
    if let Some(file) = &a.letters {
        if let Some(report) = &a.report {
            batch::refuse_report_over_input(report, file, "--report")?;
        }
        let progress = Reporter::new();
        let report = in_session(env, async |s| {
            letter_revocations::revoke_batch(s, &desk, file, a.encoding.unwrap_or_default(), a.dry_run, &progress).await
        })
        .await?;
        if report.already_done {
            eprintln!("{}", tr!("run-already-done", path = file, run = report.run_id));
            return Ok(exit::OK);
        }
        if a.dry_run {
            eprintln!(
                "{}",
                tr!("revoke-dry-run", count = report.rows, counts = output::counts_in_words(&report.counts))
            );
        } else {
            let run = if report.resumed {
                tr!("run-resumed", run = report.run_id)
            } else {
                tr!("run-number", run = report.run_id)
            };
            eprintln!(
                "{}",
                tr!("revoke-summary", run = run, count = report.rows, counts = output::counts_in_words(&report.counts))
            );
        }
        if let Some(path) = &a.report {
            write_rejects(path, &report.reported)?;
            if path != std::path::Path::new("-") {
                eprintln!("{}", tr!("revoke-report-written", path = &**path));
            }
        } else if !report.reported.is_empty() {
            output::rows(env.format, &output::reject_rows(&report.reported), &report.reported)?;
        }
        return Ok(if report.reported.is_empty() { exit::OK } else { exit::WITH_REJECTS });
    }
    let letter = Letter {
        fiscal_code: a.cf.clone().unwrap_or_default(),
        first_name: a.first_name.clone().unwrap_or_default(),
        last_name: a.last_name.clone().unwrap_or_default(),
        doc_number: a.doc_number.clone().unwrap_or_default(),
        doc_issued: a.doc_issued.clone().unwrap_or_default(),
        protocol: a.letter_protocol.clone().unwrap_or_default(),
        protocol_date: a.letter_date.clone().unwrap_or_default(),
    };
    // The letter, then the role, then a person at a terminal confirms: only a letter that can
    // be honoured, by an operator who may revoke, is confirmed, since revoking erases the
    // personal data. A letter that cannot is refused before the role is looked at; for an
    // operator who may revoke, by the library as a batch row is (and recorded so, as a letter
    // refused). The operator reads why in their language.
    let check = async |s: &sportello::session::Session| {
        let checked = letter_revocations::check_letter(&letter);
        match checked {
            Err(e) if !s.may_run() => Err(e),
            checked => Ok((letter, checked)),
        }
    };
    let (outcome, checked) = in_checked_session(env, check, async |s, (letter, checked)| {
        if checked.is_ok() && !a.yes && crate::confirm::interactive() {
            let question = tr!("revoke-confirm", fiscal_code = letter.fiscal_code.trim().to_uppercase());
            if !crate::confirm::ask(&question) {
                return Ok((None, checked));
            }
        }
        letter_revocations::revoke_one(s, &desk, letter).await.map(|o| (Some(o), checked))
    })
    .await?;
    let Some(outcome) = outcome else {
        eprintln!("{}", tr!("revoke-cancelled"));
        return Ok(exit::OK);
    };
    if let (Outcome::Invalid { .. }, Err(e)) = (&outcome, checked) {
        return Err(e);
    }
    match outcome {
        Outcome::Revoked { registration_number } => {
            println!("{}", tr!("revoke-done", number = registration_number.to_string()));
            Ok(exit::OK)
        }
        Outcome::NotFound => Err(sportello::Error::NotFound(msg!("revoke-not-found"))),
        Outcome::AlreadyRevoked => Err(sportello::Error::Refused(msg!("revoke-already"))),
        Outcome::Mismatch { fields } => {
            Err(sportello::Error::Refused(msg!("revoke-mismatch", fields = fields.join(", "))))
        }
        Outcome::Invalid { reason, .. } => Err(sportello::Error::Invalid(reason.into())),
    }
}

impl RevokeArgs {
    pub fn audit(&self) -> sportello::audit::Target {
        match &self.letters {
            Some(file) => sportello::audit::Target::Input(file.display().to_string()),
            None => crate::people::requested(self.cf.as_deref(), None),
        }
    }
}
