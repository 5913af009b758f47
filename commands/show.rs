//! `sportello show`: every field of one registration (manual, Allegato 7).

use clap::Args;
use sportello::desk::search::{self, Detail};
use sportello::domain::{ABROAD_PROVINCE, Registration};

use crate::output::{self, day, local, opt, yes_no};
use crate::{Env, in_session};

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  sportello show --cf RSSMRA85T10A562S\n  sportello show --number 1000042 --format json"
)]
pub struct ShowArgs {
    /// Fiscal code of the citizen.
    #[arg(long, conflicts_with = "number", required_unless_present = "number")]
    pub cf: Option<String>,
    /// Registration number.
    #[arg(long)]
    pub number: Option<i64>,
}

/// The fields of a registration in the order of the manual's detail page.
pub fn fields(d: &Detail) -> Vec<(&'static str, String)> {
    let r: &Registration = &d.registration;
    let p = &r.data.person;
    let doc = &r.data.document;
    let res = &r.data.residence;
    let dom = &r.data.domicile;
    let c = &r.data.contacts;
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
        ("fiscal code", r.fiscal_code.to_string()),
        ("first name", opt(&p.first_name)),
        ("last name", opt(&p.last_name)),
        ("birth date", opt(&p.birth_date)),
        ("sex", opt(&p.sex)),
        ("document type", opt(&doc.doc_type.map(|t| t.label()))),
        ("document number", opt(&doc.number)),
        ("document issued", opt(&doc.issued)),
        ("document issued by", opt(&doc.issuer)),
        ("address", opt(&res.address)),
        ("street number", opt(&res.street_number)),
    ];
    if res.province.as_deref() == Some(ABROAD_PROVINCE) {
        f.push(("city", opt(&res.city)));
        f.push(("country", opt(&res.country_name)));
    } else {
        f.push(("postcode", opt(&res.postcode)));
        f.push(("province", opt(&res.province)));
        f.push(("municipality", opt(&res.municipality_name)));
    }
    if !dom.is_empty() {
        f.extend([
            ("domicile c/o", opt(&dom.care_of)),
            ("domicile address", opt(&dom.address)),
            ("domicile street number", opt(&dom.street_number)),
            ("domicile province", opt(&dom.province)),
            ("domicile municipality", opt(&dom.municipality_name)),
            ("domicile postcode", opt(&dom.postcode)),
            ("send mail to domicile", yes_no(dom.send_mail_here)),
        ]);
    }
    f.extend([("email", opt(&c.email)), ("mobile", opt(&c.mobile)), ("phone", opt(&c.phone))]);
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
    f.extend([
        ("desk note", opt(&r.data.notes.operator_note)),
        ("other notes", opt(&r.data.notes.other_notes)),
        ("actions", d.actions.join(", ")),
    ]);
    f
}

pub async fn run(env: &Env, a: ShowArgs) -> sportello::Result<i32> {
    let key = search::key(a.cf.as_deref(), a.number)?;
    let detail = in_session(env, async |s| search::show(s, &key).await).await?;
    output::detail(env.format, fields(&detail), &detail)?;
    Ok(0)
}
