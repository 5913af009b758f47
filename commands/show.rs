//! `sportello show`: every field of one registration (manual, Allegato 7).

use clap::Args;
use sportello::desk::search::{self, Detail};
use sportello::domain::Registration;
use sportello::domain::fields::{Group, shown};

use crate::output::{self, day, local, opt, yes_no};
use crate::{Env, in_session};

#[derive(Debug, Args)]
#[command(after_help = "\
The registration is given by fiscal code (--cf) or by number (--number).

Examples:
  sportello show --cf RSSMRA85T10L219G
  sportello show --number 1000042 --format json")]
#[group(id = "registration", required = true, multiple = false)]
pub struct ShowArgs {
    /// Fiscal code of the citizen.
    #[arg(long)]
    pub cf: Option<String>,
    /// Registration number.
    #[arg(long)]
    pub number: Option<i64>,
}

/// The fields of a registration in the order of the manual's detail page.
pub fn fields(d: &Detail) -> Vec<(&'static str, String)> {
    let r: &Registration = &d.registration;
    let mut f = vec![
        ("registration number", r.registration_number.to_string()),
        ("community", r.community.to_string()),
        ("registration date", local(&r.registered_at)),
        ("state", r.state.to_string()),
        ("pin possessed", yes_no(r.pin_possessed)),
        ("verification date", day(&r.verified_at)),
        ("strong", yes_no(r.strong)),
        ("verifying ente", opt(&r.verified_ente)),
        ("username", opt(&r.username)),
        ("pin letter printed", day(&r.pin_printed_at)),
        ("activation date", day(&r.activated_at)),
        ("pin letter prints", r.pin_print_count.to_string()),
        ("promotion date", day(&r.promoted_at)),
        (
            "locked out",
            match &r.locked_at {
                Some(at) => {
                    format!("yes, since {} ({} wrong codes): a new booking unlocks", local(at), r.failed_attempts)
                }
                None if r.failed_attempts > 0 => format!("no ({} wrong codes in a row)", r.failed_attempts),
                None => "no".into(),
            },
        ),
        ("fiscal code", r.fiscal_code.to_string()),
    ];
    // Personal data as the domain's field table lists it; the notes come last.
    let (notes, data): (Vec<_>, Vec<_>) = shown(&r.data).into_iter().partition(|(f, _)| f.group == Group::Notes);
    f.extend(data.into_iter().map(|(field, value)| (field.flag, value)));
    if let Some(op) = &r.last_operation {
        f.extend([
            ("last operation", op.kind.label().to_string()),
            ("requested on", local(&op.requested_at)),
            ("requested at ente", op.ente.clone()),
            ("operation status", format!("{} ({})", op.status, op.status.label())),
        ]);
        if let Some(del) = &op.delegate {
            f.extend([
                ("delegation", del.kind.label().to_string()),
                ("delegate", format!("{} {}", del.first_name, del.last_name)),
                ("delegate fiscal code", del.fiscal_code.clone()),
                (
                    "delegate document",
                    format!("{} {} of {} by {}", del.doc_type.label(), del.doc_number, del.doc_issued, del.doc_issuer),
                ),
                ("delegate email", opt(&del.email)),
                ("delegate phone", opt(&del.phone)),
            ]);
        }
    }
    f.extend(notes.into_iter().map(|(field, value)| (field.flag, value)));
    f.push(("actions", d.actions.join(", ")));
    f
}

impl ShowArgs {
    pub fn audit(&self) -> sportello::audit::Target {
        crate::people::requested(self.cf.as_deref(), self.number)
    }
}

pub async fn run(env: &Env, a: ShowArgs) -> sportello::Result<i32> {
    let key = search::key(a.cf.as_deref(), a.number)?;
    let detail = in_session(env, async |s| search::show(s, &key).await).await?;
    output::detail(env.format, fields(&detail), &detail)?;
    Ok(0)
}
