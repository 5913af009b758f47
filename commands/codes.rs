//! `sportello regenerate-code` and `sportello print-letters`.

use clap::Args;
use sportello::book::{self, Reprint};

use crate::people::Target;
use crate::{Env, in_session, output};

#[derive(Debug, Args)]
#[command(after_help = "The PIN is unchanged; the old activation code stops working. The new code is emailed,
or printed when there is no email or with --print.

Examples:
  sportello regenerate-code --cf RSSMRA85T10L219G
  sportello regenerate-code --number 1000001 --print")]
pub struct RegenerateArgs {
    #[command(flatten)]
    target: Target,
    /// Print the new code as a letter instead of emailing it.
    #[arg(long)]
    print: bool,
}

pub async fn regenerate(env: &Env, a: RegenerateArgs) -> sportello::Result<i32> {
    let key = a.target.key()?;
    let desk = env.desk()?;
    let done = in_session(env, async |s| book::regenerate_code(s, &desk, &key, a.print).await).await?;
    if env.format == output::Format::Json {
        output::json(&done)?;
    } else {
        println!("new activation code for registration {} ({})", done.registration_number, done.fiscal_code);
        crate::book::delivery(&done.code);
        for p in &done.letters {
            println!("letter: {}", p.display());
        }
    }
    Ok(0)
}

#[derive(Debug, Args)]
#[command(after_help = "A PIN is never reprinted: a new PIN is a new booking (`sportello book --operation pin`).
The activation code is kept only as a hash, so --activation-code draws a new one (the old one
stops working) and prints it.

Examples:
  sportello print-letters --cf RSSMRA85T10L219G --summary --rules
  sportello print-letters --number 1000001 --proxy-form
  sportello print-letters --number 1000001 --activation-code")]
pub struct PrintArgs {
    #[command(flatten)]
    target: Target,
    /// The data summary.
    #[arg(long)]
    summary: bool,
    /// The service rules (Regolamento), pre-filled for signature.
    #[arg(long)]
    rules: bool,
    /// The proxy form (Modulo delega), pre-filled.
    #[arg(long)]
    proxy_form: bool,
    /// The substitute declaration for persons under guardianship or unable to sign.
    #[arg(long)]
    guardianship: bool,
    /// A new activation code, printed.
    #[arg(long)]
    activation_code: bool,
}

pub async fn print(env: &Env, a: PrintArgs) -> sportello::Result<i32> {
    let key = a.target.key()?;
    let which: Vec<Reprint> = [
        (a.summary, Reprint::Summary),
        (a.rules, Reprint::Rules),
        (a.proxy_form, Reprint::ProxyForm),
        (a.guardianship, Reprint::Guardianship),
        (a.activation_code, Reprint::ActivationCode),
    ]
    .into_iter()
    .filter_map(|(on, r)| on.then_some(r))
    .collect();
    let desk = env.desk()?;
    let paths = in_session(env, async |s| book::print_letters(s, &desk, &key, &which).await).await?;
    if env.format == output::Format::Json {
        output::json(&paths)?;
    } else {
        for p in paths {
            println!("letter: {}", p.display());
        }
    }
    Ok(0)
}
