//! `sportello show`: every field of one registration (manual, Allegato 7).

use clap::Args;
use sportello::desk::search::{self, Detail};
use sportello::domain::Registration;
use sportello::domain::fields::{Group, shown};

use crate::output::{self, day, local, opt, term, yes_no};
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
pub fn fields(d: &Detail) -> Vec<(String, String)> {
    let r: &Registration = &d.registration;
    let mut f = vec![
        (tr!("show-registration-number"), r.registration_number.to_string()),
        (tr!("show-community"), r.community.to_string()),
        (tr!("show-registration-date"), local(&r.registered_at)),
        (tr!("show-state"), r.state.to_string()),
        (tr!("show-pin-possessed"), yes_no(r.pin_possessed)),
        (tr!("show-verification-date"), day(&r.verified_at)),
        (tr!("show-strong"), yes_no(r.strong)),
        (tr!("show-verifying-ente"), opt(&r.verified_ente)),
        (tr!("show-username"), opt(&r.username)),
        (tr!("show-pin-letter-printed"), day(&r.pin_printed_at)),
        (tr!("show-activation-date"), day(&r.activated_at)),
        (tr!("show-pin-letter-prints"), r.pin_print_count.to_string()),
        (tr!("show-promotion-date"), day(&r.promoted_at)),
        (
            tr!("show-locked-out"),
            match &r.locked_at {
                Some(at) => tr!("show-locked-since", since = local(at), count = r.failed_attempts),
                None if r.failed_attempts > 0 => tr!("show-not-locked-wrong", count = r.failed_attempts),
                None => tr!("no"),
            },
        ),
        (
            tr!("show-suspension"),
            match &r.suspension {
                Some(s) => {
                    tr!("show-suspended", since = local(&s.since), by = s.by.as_str(), reason = term(s.reason.as_str()))
                }
                None => tr!("no"),
            },
        ),
        (tr!("show-fiscal-code"), r.fiscal_code.to_string()),
    ];
    // Personal data as the domain's field table lists it; the notes come last.
    let (notes, data): (Vec<_>, Vec<_>) = shown(&r.data).into_iter().partition(|(f, _)| f.group == Group::Notes);
    f.extend(data.into_iter().map(|(field, value)| (field_label(field), operator_value(value))));
    if let Some(op) = &r.last_operation {
        f.extend([
            (tr!("show-last-operation"), term(op.kind.as_str())),
            (tr!("show-requested-on"), local(&op.requested_at)),
            (tr!("show-requested-at-ente"), op.ente.clone()),
            (tr!("show-operation-status"), format!("{} ({})", op.status, term(op.status.as_str()))),
        ]);
        if let Some(del) = &op.delegate {
            f.extend([
                (tr!("show-delegation"), term(del.kind.as_str())),
                (tr!("show-delegate"), format!("{} {}", del.first_name, del.last_name)),
                (tr!("show-delegate-fiscal-code"), del.fiscal_code.clone()),
                (
                    tr!("show-delegate-document"),
                    tr!(
                        "show-delegate-document-value",
                        doc_type = term(del.doc_type.as_str()),
                        number = &del.doc_number,
                        issued = del.doc_issued.to_string(),
                        issuer = &del.doc_issuer
                    ),
                ),
                (tr!("show-delegate-email"), opt(&del.email)),
                (tr!("show-delegate-phone"), opt(&del.phone)),
            ]);
        }
    }
    f.extend(notes.into_iter().map(|(field, value)| (field_label(field), value)));
    f.push((tr!("show-actions"), d.actions.iter().map(|a| output::action(a)).collect::<Vec<_>>().join(", ")));
    f
}

/// A personal-data field as operators read it: its flag in English, its Italian label in Italian.
/// A field's value as the library writes it for the citizen (Italian: "passaporto", "Sì"), in
/// the operator's language.
pub fn operator_value(value: String) -> String {
    if let Some(doc) = sportello::domain::DocType::ALL.iter().find(|d| d.label() == value) {
        return term(doc.as_str());
    }
    match value.as_str() {
        "Sì" => tr!("yes"),
        "No" => tr!("no"),
        _ => value,
    }
}

pub fn field_label(field: &sportello::domain::fields::Field) -> String {
    match sportello::i18n::current() {
        sportello::i18n::Lang::En => field.flag.to_string(),
        sportello::i18n::Lang::It => field.label.to_string(),
    }
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
