//! `sportello suspend` and `sportello reinstate`: a registration's credentials suspended with a
//! reason, and given back as they were (issue 20, sql/V31).

use clap::Args;
use sportello::desk::{search, suspension};
use sportello::domain::SuspensionReason;
use sportello::i18n::term;
use sportello::notices;

use crate::output::{self, local};
use crate::{Env, in_session};

#[derive(Debug, Args)]
#[command(after_help = "\
While suspended, the citizen completes nothing online, no activation code is
issued or sent (desk, helpdesk mailbox, postal run), and nothing can be booked
but a revocation. A PIN letter waiting for the postal run is held back until
reinstatement. The record itself is kept as it is: `sportello reinstate` gives
back exactly what was there.

Reasons (Italian names accepted): citizen-request (richiesta-cittadino),
lost-pin-letter (lettera-pin-smarrita), suspected-fraud (sospetta-frode).

Examples:
  sportello suspend --cf RSSMRA85T10L219G --reason lost-pin-letter
  sportello suspend --number 1000042 --reason sospetta-frode")]
#[command(group = clap::ArgGroup::new("registration").required(true).multiple(false).args(["cf", "number"]))]
pub struct SuspendArgs {
    /// Fiscal code of the citizen.
    #[arg(long)]
    pub cf: Option<String>,
    /// Registration number.
    #[arg(long)]
    pub number: Option<i64>,
    /// Why the credentials are suspended.
    #[arg(long, value_parser = crate::choice::choice::<SuspensionReason>())]
    pub reason: SuspensionReason,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Ends a suspension: the credentials, the operation in progress and a PIN
letter held back are exactly as they were before it.

Examples:
  sportello reinstate --cf RSSMRA85T10L219G
  sportello reinstate --number 1000042")]
#[group(id = "registration", required = true, multiple = false)]
pub struct ReinstateArgs {
    /// Fiscal code of the citizen.
    #[arg(long)]
    pub cf: Option<String>,
    /// Registration number.
    #[arg(long)]
    pub number: Option<i64>,
}

impl SuspendArgs {
    pub fn audit(&self) -> sportello::audit::Target {
        crate::people::requested(self.cf.as_deref(), self.number)
    }
}

impl ReinstateArgs {
    pub fn audit(&self) -> sportello::audit::Target {
        crate::people::requested(self.cf.as_deref(), self.number)
    }
}

pub async fn suspend(env: &Env, a: SuspendArgs) -> sportello::Result<i32> {
    let key = search::key(a.cf.as_deref(), a.number)?;
    let desk = env.desk()?;
    let done = in_session(env, async |s| {
        let done = suspension::suspend(s, &key, a.reason).await?;
        notices::send_about(s, &desk, done.registration_number, notices::Notice::Suspended).await;
        Ok(done)
    })
    .await?;
    if env.format == output::Format::Json {
        output::json(&done)?;
    } else {
        println!(
            "{}",
            tr!(
                "suspend-done",
                number = done.registration_number,
                fiscal_code = done.fiscal_code.as_str(),
                reason = term(done.suspension.reason.as_str()),
                since = local(&done.suspension.since)
            )
        );
    }
    Ok(sportello::error::exit::OK)
}

pub async fn reinstate(env: &Env, a: ReinstateArgs) -> sportello::Result<i32> {
    let key = search::key(a.cf.as_deref(), a.number)?;
    let desk = env.desk()?;
    let done = in_session(env, async |s| {
        let done = suspension::reinstate(s, &key).await?;
        notices::send_about(s, &desk, done.registration_number, notices::Notice::Reinstated).await;
        Ok(done)
    })
    .await?;
    if env.format == output::Format::Json {
        output::json(&done)?;
    } else {
        println!(
            "{}",
            tr!(
                "reinstate-done",
                number = done.registration_number,
                fiscal_code = done.fiscal_code.as_str(),
                reason = term(done.suspension.reason.as_str()),
                since = local(&done.suspension.since),
                by = done.suspension.by.as_str()
            )
        );
    }
    Ok(sportello::error::exit::OK)
}
