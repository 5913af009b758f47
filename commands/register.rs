//! `sportello register`: a new citizen at the desk.

use std::io::{BufRead, IsTerminal, Write};

use chrono::NaiveDate;
use clap::Args;
use sportello::domain::{Community, DocType, PersonalData, Sex, clean_text, parse_date};
use sportello::error::exit;
use sportello::register::{self, Prepared, Request};
use sportello::search::Detail;

use crate::output;
use crate::{Env, in_session};

#[derive(Debug, Args)]
#[command(after_help = "The fiscal code is looked up in the municipal registry (CIA), then in the health
registry (AURA); what they hold pre-fills the record and the flags given here win. On a
terminal, missing mandatory fields are asked for; otherwise the command fails listing them.
Residents abroad: --province EE --municipality ESTERO --city CITY --country COUNTRY.

Examples:
  sportello register --cf RSSMRA85T10A562S --province TO --municipality Torino \\
      --doc-type identity-card --doc-number CA12345AA --doc-issued 2022-03-01 \\
      --doc-issuer 'Comune di Torino' --email mario.rossi@example.it
  sportello register --cf BNCLRA80A41L219V --province EE --municipality ESTERO --city Lyon \\
      --country Francia --first-name Laura --last-name Bianchi --birth-date 1980-01-01 ...")]
pub struct RegisterArgs {
    /// Fiscal code of the citizen.
    #[arg(long)]
    cf: String,
    /// Province of residence (code or name; EE for residents abroad).
    #[arg(long)]
    province: String,
    /// Municipality of residence (name, ISTAT or cadastral code; ESTERO abroad).
    #[arg(long)]
    municipality: String,
    /// Community of registration (cannot be changed later).
    #[arg(long, value_enum, default_value_t = Community::SistemaPiemonte)]
    community: Community,
    #[arg(long)]
    first_name: Option<String>,
    #[arg(long)]
    last_name: Option<String>,
    /// Date of birth, YYYY-MM-DD.
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    birth_date: Option<NaiveDate>,
    #[arg(long, value_enum)]
    sex: Option<Sex>,
    /// Identity document type.
    #[arg(long, value_enum)]
    doc_type: Option<DocType>,
    #[arg(long)]
    doc_number: Option<String>,
    /// Issue date of the document, YYYY-MM-DD.
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    doc_issued: Option<NaiveDate>,
    /// Who issued the document ("Rilasciato da").
    #[arg(long)]
    doc_issuer: Option<String>,
    /// Street of residence.
    #[arg(long)]
    address: Option<String>,
    /// Street number, with suffix and internal number if any.
    #[arg(long)]
    street_number: Option<String>,
    #[arg(long)]
    postcode: Option<String>,
    /// City of residence abroad.
    #[arg(long)]
    city: Option<String>,
    /// Country of residence abroad (name or Z code).
    #[arg(long)]
    country: Option<String>,
    #[arg(long)]
    email: Option<String>,
    #[arg(long)]
    mobile: Option<String>,
    #[arg(long)]
    phone: Option<String>,
    /// Domicile: "care of".
    #[arg(long)]
    dom_care_of: Option<String>,
    #[arg(long)]
    dom_address: Option<String>,
    #[arg(long)]
    dom_street_number: Option<String>,
    #[arg(long)]
    dom_province: Option<String>,
    #[arg(long)]
    dom_municipality: Option<String>,
    #[arg(long)]
    dom_postcode: Option<String>,
    /// Send mail to the domicile rather than the residence.
    #[arg(long)]
    dom_send_mail: bool,
    /// Note for the desk ("comunicazione allo sportello").
    #[arg(long)]
    note: Option<String>,
    /// Other notes.
    #[arg(long)]
    other_notes: Option<String>,
    /// Never prompt, even on a terminal.
    #[arg(long)]
    no_prompt: bool,
}

impl RegisterArgs {
    fn data(&self) -> sportello::Result<PersonalData> {
        let mut d = PersonalData::default();
        let text = [
            ("first-name", &self.first_name),
            ("last-name", &self.last_name),
            ("doc-number", &self.doc_number),
            ("doc-issuer", &self.doc_issuer),
            ("address", &self.address),
            ("street-number", &self.street_number),
            ("postcode", &self.postcode),
            ("city", &self.city),
            ("country", &self.country),
            ("email", &self.email),
            ("mobile", &self.mobile),
            ("phone", &self.phone),
        ];
        for (field, value) in text {
            if let Some(v) = value {
                d.set_field(field, v).map_err(|e| sportello::Error::Invalid(format!("--{field}: {e}")))?;
            }
        }
        d.person.birth_date = self.birth_date;
        d.person.sex = self.sex;
        d.document.doc_type = self.doc_type;
        d.document.issued = self.doc_issued;
        let dom = &mut d.domicile;
        dom.care_of = self.dom_care_of.as_deref().and_then(clean_text);
        dom.address = self.dom_address.as_deref().and_then(clean_text);
        dom.street_number = self.dom_street_number.as_deref().and_then(clean_text);
        dom.province = self.dom_province.as_deref().and_then(clean_text);
        dom.municipality = self.dom_municipality.as_deref().and_then(clean_text);
        dom.postcode = self.dom_postcode.as_deref().and_then(clean_text);
        dom.send_mail_here = self.dom_send_mail;
        d.notes.operator_note = self.note.as_deref().and_then(clean_text);
        d.notes.other_notes = self.other_notes.as_deref().and_then(clean_text);
        Ok(d)
    }
}

/// Asks for each missing field on the terminal until it is valid (empty line gives up).
fn prompt_missing(data: &mut PersonalData, missing: &[&str]) -> sportello::Result<()> {
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    for field in missing {
        loop {
            eprint!("{field}: ");
            std::io::stderr().flush().ok();
            let Some(Ok(line)) = lines.next() else {
                return Err(sportello::Error::Invalid(format!("no value given for {field}")));
            };
            if line.trim().is_empty() {
                return Err(sportello::Error::Invalid(format!("no value given for {field}")));
            }
            match data.set_field(field, &line) {
                Ok(()) => break,
                Err(e) => eprintln!("  {e}"),
            }
        }
    }
    Ok(())
}

pub async fn run(env: &Env, a: RegisterArgs) -> sportello::Result<i32> {
    let request = Request {
        fiscal_code: a.cf.clone(),
        province: a.province.clone(),
        municipality: a.municipality.clone(),
        community: a.community,
        data: a.data()?,
    };
    let interactive = !a.no_prompt && std::io::stdin().is_terminal();
    let outcome = in_session(env, async |s| {
        let mut draft = match register::prepare(s, request).await? {
            Prepared::New(draft) => draft,
            Prepared::AlreadyRegistered(existing) => return Ok(Err(existing)),
        };
        if let Some(source) = draft.source {
            eprintln!("pre-filled from {}", source.label());
        }
        let missing = draft.missing();
        if interactive && !missing.is_empty() {
            eprintln!("missing mandatory fields, please type them:");
            prompt_missing(&mut draft.data, &missing)?;
        }
        register::register(s, draft).await.map(Ok)
    })
    .await?;
    match outcome {
        Ok(reg) => {
            eprintln!("registered {} as number {}", reg.fiscal_code, reg.registration_number);
            let detail = Detail::new(reg);
            output::detail(env.format, crate::show::fields(&detail), &detail)?;
            Ok(exit::OK)
        }
        Err(existing) => {
            eprintln!(
                "{} is already registered with weak credentials as number {} ({}): manage that record instead",
                existing.fiscal_code, existing.registration_number, existing.state
            );
            println!("{}", existing.registration_number);
            Ok(exit::ALREADY_REGISTERED)
        }
    }
}
