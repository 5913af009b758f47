//! `sportello register`: a new citizen at the desk.

use std::io::{BufRead, IsTerminal, Write};

use clap::Args;
use sportello::desk::register::{self, Prepared, Request};
use sportello::domain::{Community, PersonalData};
use sportello::error::exit;

use crate::people::{DataFlags, DelegateFlags};
use crate::{Env, in_checked_session};

#[derive(Debug, Args)]
#[command(after_help = "\
The fiscal code is looked up in the municipal registry (CIA), then in the
health registry (AURA); what they hold pre-fills the record and the flags
given here win. On a terminal, missing mandatory fields are asked for;
otherwise the command fails listing them. Residents abroad: --province EE
--municipality ESTERO --city CITY --country COUNTRY.

Examples:
  sportello register --cf RSSMRA85T10L219G --province TO \\
      --municipality Torino --doc-type identity-card \\
      --doc-number CA12345AA --doc-issued 2022-03-01 \\
      --doc-issuer 'Comune di Torino' --email mario.rossi@example.it
  sportello register --cf BNCLRA80A41L219V --province EE \\
      --municipality ESTERO --city Lyon --country Francia \\
      --first-name Laura --last-name Bianchi --birth-date 1980-01-01 ...")]
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
    #[arg(long, value_parser = crate::choice::choice::<Community>(), default_value_t = Community::SistemaPiemonte)]
    community: Community,
    #[command(flatten)]
    data: DataFlags,
    #[command(flatten)]
    delegate: DelegateFlags,
    /// Print the activation code too, even when it is emailed.
    #[arg(long, alias = "print")]
    print_code: bool,
    /// Never prompt, even on a terminal.
    #[arg(long)]
    no_prompt: bool,
}

/// Asks for each missing field on the terminal until it is valid (empty line gives up).
fn prompt_missing(data: &mut PersonalData, missing: &[&str]) -> sportello::Result<()> {
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    for field in missing {
        // The Italian label beside the flag in Italian ("Nome (first-name)"), the flag in English.
        let label = match sportello::domain::fields::field(field) {
            Some(f) if sportello::i18n::current() == sportello::i18n::Lang::It => format!("{} ({field})", f.label),
            _ => field.to_string(),
        };
        loop {
            eprint!("{label}: ");
            std::io::stderr().flush().ok();
            let Some(Ok(line)) = lines.next() else {
                return Err(sportello::Error::Invalid(msg!("prompt-no-value", field = label.as_str())));
            };
            if line.trim().is_empty() {
                return Err(sportello::Error::Invalid(msg!("prompt-no-value", field = label.as_str())));
            }
            match data.set_field(field, &line) {
                Ok(()) => break,
                Err(e) => eprintln!("  {e}"),
            }
        }
    }
    Ok(())
}

impl RegisterArgs {
    pub fn audit(&self) -> sportello::audit::Target {
        crate::people::requested(Some(&self.cf), None)
    }
}

pub async fn run(env: &Env, a: RegisterArgs) -> sportello::Result<i32> {
    let request = Request {
        fiscal_code: a.cf.clone(),
        province: a.province.clone(),
        municipality: a.municipality.clone(),
        community: a.community,
        data: a.data.data()?,
    };
    let delegate = a.delegate.delegate()?;
    let interactive = !a.no_prompt && std::io::stdin().is_terminal();
    let desk = env.desk()?;
    // The input (places, country, postcode) before the role, the competence and the prompts.
    let check = async |s: &sportello::session::Session| {
        register::check(&s.db.client().await?, &request).await?;
        Ok(request)
    };
    let outcome = in_checked_session(env, check, async |s, request| {
        let mut draft = match register::prepare(s, request).await? {
            Prepared::New(draft) => *draft,
            Prepared::AlreadyRegistered(existing) => return Ok(Err(existing)),
        };
        if let Some(source) = draft.source {
            eprintln!("{}", tr!("register-prefilled", source = source.label()));
        }
        let missing = draft.missing();
        if interactive && !missing.is_empty() {
            eprintln!("{}", tr!("register-prompt-missing"));
            prompt_missing(&mut draft.data, &missing)?;
        }
        let booked = register::register_at_desk(s, &desk, draft, delegate, a.print_code).await?;
        eprintln!(
            "{}",
            tr!("register-done", fiscal_code = &booked.fiscal_code, number = booked.registration_number.to_string())
        );
        Ok(Ok(booked))
    })
    .await?;
    match outcome {
        Ok(booked) => {
            crate::book::report(env, &booked)?;
            Ok(exit::OK)
        }
        Err(existing) => {
            eprintln!(
                "{}",
                tr!(
                    "register-already-weak",
                    fiscal_code = &existing.fiscal_code,
                    number = existing.registration_number.to_string(),
                    state = existing.state.to_string()
                )
            );
            println!("{}", existing.registration_number);
            Ok(exit::ALREADY_REGISTERED)
        }
    }
}
