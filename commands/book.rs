//! `sportello book`: book an operation, hand over PIN, code and summary.

use clap::Args;
use sportello::desk::book::{self, Booked};
use sportello::desk::handover::Delivery;
use sportello::domain::OperationKind;

use crate::people::{DelegateFlags, Target};
use crate::{Env, in_checked_session, output};

#[derive(Debug, Args)]
#[command(after_help = "\
Only the operations the state table allows can be booked (see `sportello
show`); a new booking replaces the active one. The PIN letter and the data
summary are written to the letters directory; the activation code
(revocation code) is emailed, or printed when there is no email or with
--print-code.

Examples:
  sportello book --cf RSSMRA85T10L219G --operation verification
  sportello book --number 1000001 --operation pin --print-code
  sportello book --cf RSSMRA85T10L219G --operation revocation \\
      --delegate-kind proxy --delegate-first-name Anna \\
      --delegate-last-name Neri --delegate-cf NRENNA80A41L219L \\
      --delegate-doc-type identity-card --delegate-doc-number CA11111AA \\
      --delegate-doc-issued 2023-01-01 \\
      --delegate-doc-issuer 'Comune di Torino'")]
pub struct BookArgs {
    #[command(flatten)]
    target: Target,
    /// The operation.
    #[arg(long, value_parser = crate::choice::bookable())]
    operation: OperationKind,
    #[command(flatten)]
    delegate: DelegateFlags,
    /// Print the activation or revocation code too, even when it is emailed.
    #[arg(long, alias = "print")]
    print_code: bool,
}

/// Tells the operator what was handed over and where the letters are.
pub fn report(env: &Env, b: &Booked) -> sportello::Result<()> {
    if env.format == output::Format::Json {
        output::json(b)?;
        return Ok(());
    }
    println!(
        "{}",
        tr!(
            "book-done",
            operation = sportello::i18n::term(b.operation.as_str()),
            number = b.registration_number.to_string(),
            fiscal_code = &b.fiscal_code
        )
    );
    delivery(&b.code);
    for p in &b.letters {
        println!("{}", tr!("letter-written", path = p));
    }
    Ok(())
}

pub fn delivery(d: &Delivery) {
    match d {
        Delivery::Emailed { to, via } => println!("{}", tr!("delivery-emailed", to = to, via = via)),
        Delivery::NoEmail => println!("{}", tr!("delivery-no-email")),
        Delivery::Printed => println!("{}", tr!("delivery-printed")),
        Delivery::Failed { reason } => println!("{}", tr!("delivery-failed", reason = reason)),
    }
}

impl BookArgs {
    pub fn audit(&self) -> sportello::audit::Target {
        self.target.audit()
    }
}

pub async fn run(env: &Env, a: BookArgs) -> sportello::Result<i32> {
    let request = book::Request {
        key: a.target.key()?,
        operation: a.operation,
        delegate: a.delegate.delegate()?,
        print_code: a.print_code,
    };
    let desk = env.desk()?;
    // The delegate's data (fiscal code, document) before the role.
    let check = async |_: &sportello::session::Session| {
        request.delegate.as_ref().map(sportello::desk::check_delegate).transpose()?;
        Ok(request)
    };
    let booked = in_checked_session(env, check, async |s, request| book::book(s, &desk, request).await).await?;
    report(env, &booked)?;
    Ok(0)
}
