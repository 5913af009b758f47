//! `sportello citizen`: what the citizen does online (the web portal's part), so the whole
//! lifecycle can be run and tested here.

use clap::{Args, Subcommand};
use sportello::portal::{self, Activation};

use crate::{Env, output};

#[derive(Debug, Subcommand)]
pub enum CitizenCommand {
    /// Complete a verification, promotion, reset or PIN regeneration with the codes received.
    #[command(after_help = "\
A verification or a reset chooses username, password and secret question;
a promotion or a PIN regeneration only accepts.

Examples:
  sportello citizen activate --cf RSSMRA85T10L219G --code ABCD-EFGH-JKMN \\
      --pin 12345678 --accept-rules --username mario.rossi \\
      --password 'una password 2026' --question 'Primo animale?' \\
      --answer Fido
  sportello citizen activate --cf RSSMRA85T10L219G --code ABCD-EFGH-JKMN \\
      --pin 12345678 --accept-rules")]
    Activate(ActivateArgs),
    /// Complete a revocation with the revocation code: credentials disabled, personal data erased.
    #[command(after_help = "Examples:\n  sportello citizen revoke --cf RSSMRA85T10L219G --code ABCD-EFGH-JKMN")]
    Revoke(RevokeArgs),
}

#[derive(Debug, Args)]
pub struct ActivateArgs {
    /// Fiscal code of the citizen.
    #[arg(long)]
    cf: String,
    /// The activation code (email or letter).
    #[arg(long)]
    code: String,
    /// The PIN (sealed letter).
    #[arg(long)]
    pin: String,
    /// Accept the service rules (Regolamento).
    #[arg(long)]
    accept_rules: bool,
    /// Username to choose (verification, reset).
    #[arg(long)]
    username: Option<String>,
    /// Password to choose (verification, reset); SPORTELLO_PASSWORD keeps it out of the shell history.
    #[arg(long, env = "SPORTELLO_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Secret question.
    #[arg(long)]
    question: Option<String>,
    /// Answer to the secret question.
    #[arg(long)]
    answer: Option<String>,
}

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// Fiscal code of the citizen.
    #[arg(long)]
    cf: String,
    /// The revocation code.
    #[arg(long)]
    code: String,
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
            let activation = Activation {
                fiscal_code: a.cf,
                activation_code: a.code,
                pin: a.pin,
                accept_rules: a.accept_rules,
                username: a.username,
                password: a.password,
                secret_question: a.question,
                secret_answer: a.answer,
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
                        operation = done.operation.label(),
                        number = done.registration_number.to_string(),
                        state = done.state.to_string(),
                        strong = if done.strong { "Y" } else { "N" },
                        username = username
                    )
                );
            }
        }
        CitizenCommand::Revoke(a) => {
            let number = portal::revoke(&db, &desk, &a.cf, &a.code).await?;
            println!("{}", tr!("revoke-done", number = number.to_string()));
        }
    }
    Ok(0)
}
