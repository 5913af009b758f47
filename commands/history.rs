//! `sportello history`: everything done on one registration (the manual's
//! "visualizzazione delle operazioni effettuate").

use clap::Args;
use sportello::desk::{history, search};
use sportello::i18n::term;
use sportello::store::history::Event;
use tabled::Tabled;

use crate::output::{self, local, opt};
use crate::{Env, in_session};

#[derive(Debug, Args)]
#[command(after_help = "\
Operations booked on the registration (with the ente, the operator, the
delegate, the outcome: A active, S succeeded, D discarded, and when it
closed), its pre-load from the registry (with its run), letters printed at
the desk and by the postal run (with its run and batch), codes sent (never
the codes themselves), edits, completions by the citizen and revocations,
oldest first. Reading the history is recorded in the audit log. A revoked
registration is erased: what remains of it is in the audit log
(`sportello audit --target FISCAL_CODE`).

Examples:
  sportello history --cf RSSMRA85T10L219G
  sportello history --number 1000042 --format csv")]
#[group(id = "registration", required = true, multiple = false)]
pub struct HistoryArgs {
    /// Fiscal code of the citizen.
    #[arg(long)]
    pub cf: Option<String>,
    /// Registration number.
    #[arg(long)]
    pub number: Option<i64>,
}

impl HistoryArgs {
    pub fn audit(&self) -> sportello::audit::Target {
        crate::people::requested(self.cf.as_deref(), self.number)
    }
}

#[derive(Tabled)]
struct Row {
    #[tabled(rename = "when")]
    at: String,
    event: String,
    operation: String,
    ente: String,
    operator: String,
    delegate: String,
    outcome: String,
    /// When an operation was closed: a moment of its own, never cut out of the outcome.
    closed: String,
}

/// The columns a clerk needs first, kept longest on a narrow terminal: what happened, when and
/// how it ended before who did it.
const PRIORITY: &[&str] = &["when", "event", "outcome", "operation", "closed", "ente", "operator", "delegate"];

/// An event or value in the operator's language (`term-history-…`, `term-…` of locales/).
fn said(kind: &str, value: &str) -> String {
    let key = format!("{kind}{value}");
    let text = term(&key).as_str().to_string();
    if text == key { value.to_string() } else { text }
}

/// The event in words, with the run (and batch) of a pre-load or a postal letter.
fn event(e: &Event) -> String {
    let said = said("history-", &e.event);
    let number = |k: &str| e.details.get(k).and_then(|v| v.as_i64());
    match (number("run"), number("batch")) {
        (Some(run), Some(batch)) => {
            tr!("history-event-in-batch", event = said, run = run.to_string(), batch = batch.to_string())
        }
        (Some(run), None) => tr!("history-event-in-run", event = said, run = run.to_string()),
        _ => said,
    }
}

fn row(e: &Event) -> Row {
    let outcome = match e.event.as_str() {
        "operation" => said("", &e.outcome),
        _ => said("outcome-", &e.outcome),
    };
    Row {
        at: local(&e.at),
        event: event(e),
        operation: e.operation.as_deref().map(|o| said("", o)).unwrap_or_default(),
        ente: opt(&e.ente),
        operator: opt(&e.operator_id),
        delegate: e.delegate.as_deref().map(|d| said("", d)).unwrap_or_default(),
        outcome,
        closed: e.closed_at.as_ref().map(local).unwrap_or_default(),
    }
}

pub async fn run(env: &Env, a: HistoryArgs) -> sportello::Result<i32> {
    let key = search::key(a.cf.as_deref(), a.number)?;
    let events = in_session(env, async |s| history::history(s, &key).await).await?;
    let flat: Vec<Row> = events.iter().map(row).collect();
    output::rows_by_priority(env.format, &flat, &events, PRIORITY)?;
    Ok(0)
}
