//! `sportello citizen`: what the citizen does online (the web portal's part), so the whole
//! lifecycle can be run and tested here.

use clap::{Args, Subcommand};
use sportello::portal::{self, Activation};

use crate::{Env, output, secret_input};

#[derive(Debug, Subcommand)]
pub enum CitizenCommand {
    /// Complete a verification, promotion, reset or PIN regeneration with the codes received.
    #[command(after_help = "\
A verification or a reset chooses username, password and secret question;
a promotion or a PIN regeneration only accepts.

The code, the PIN, the password and the answer are never arguments (any
local user reads a command line): on a terminal they are asked without
echo; otherwise standard input gives them, one per line as name=value
(code=, pin=, and with --username also password= and answer=), e.g. a
file codes.txt holding the lines code=ABCD-EFGH-JKMN and pin=12345678.

Examples:
  sportello citizen activate --cf RSSMRA85T10L219G --accept-rules \\
      --username mario.rossi --question 'Primo animale?'
  sportello citizen activate --cf RSSMRA85T10L219G --accept-rules \\
      < codes.txt")]
    Activate(ActivateArgs),
    /// Complete a revocation with the revocation code: credentials disabled, personal data erased.
    #[command(after_help = "\
The revocation code is asked without echo on a terminal; otherwise
standard input gives it as one line code=VALUE.

Examples:
  sportello citizen revoke --cf RSSMRA85T10L219G
  sportello citizen revoke --cf RSSMRA85T10L219G < revocation-code.txt")]
    Revoke(RevokeArgs),
}

#[derive(Debug, Args)]
pub struct ActivateArgs {
    /// Fiscal code of the citizen.
    #[arg(long)]
    cf: String,
    /// Accept the service rules (Regolamento).
    #[arg(long)]
    accept_rules: bool,
    /// Username to choose (verification, reset).
    #[arg(long)]
    username: Option<String>,
    /// Secret question.
    #[arg(long)]
    question: Option<String>,
}

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// Fiscal code of the citizen.
    #[arg(long)]
    cf: String,
}

impl CitizenCommand {
    pub fn name(&self) -> &'static str {
        match self {
            CitizenCommand::Activate(_) => "citizen activate",
            CitizenCommand::Revoke(_) => "citizen revoke",
        }
    }

    pub fn audit(&self) -> sportello::audit::Target {
        let cf = match self {
            CitizenCommand::Activate(a) => &a.cf,
            CitizenCommand::Revoke(a) => &a.cf,
        };
        crate::people::requested(Some(cf), None)
    }
}

pub async fn run(env: &Env, cmd: CitizenCommand) -> sportello::Result<i32> {
    // The portal's own login, with the portal role (refused and recorded otherwise).
    let db = env.session().await?.db;
    let desk = env.desk()?;
    match cmd {
        CitizenCommand::Activate(a) => {
            // A username means a verification or a reset: a password and an answer are chosen too.
            let wanted: &[&str] =
                if a.username.is_some() { &["code", "pin", "password", "answer"] } else { &["code", "pin"] };
            let mut typed = secret_input::read(wanted)?;
            let activation = Activation {
                fiscal_code: a.cf,
                activation_code: typed.remove("code").unwrap_or_default(),
                pin: typed.remove("pin").unwrap_or_default(),
                accept_rules: a.accept_rules,
                username: a.username,
                password: typed.remove("password"),
                secret_question: a.question,
                secret_answer: typed.remove("answer"),
            };
            let done = portal::activate(&db, &desk, activation).await?;
            if env.format == output::Format::Json {
                output::json(&done)?;
            } else {
                let username = done.username.map(|u| tr!("citizen-username", username = u)).unwrap_or_default();
                println!(
                    "{}",
                    tr!(
                        "citizen-completed",
                        operation = sportello::i18n::term(done.operation.as_str()),
                        number = done.registration_number.to_string(),
                        state = done.state.to_string(),
                        strong = if done.strong { "Y" } else { "N" },
                        username = username
                    )
                );
            }
        }
        CitizenCommand::Revoke(a) => {
            let code = secret_input::read(&["code"])?.remove("code").unwrap_or_default();
            let number = portal::revoke(&db, &desk, &a.cf, &code).await?;
            println!("{}", tr!("revoke-done", number = number.to_string()));
        }
    }
    Ok(0)
}
