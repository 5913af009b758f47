//! `sportello edit`, `edit-delegate`, `change-residence`, `username`.

use clap::Args;
use sportello::desk::edit::{self, NewResidence};
use sportello::desk::search::Detail;

use crate::people::{DataFlags, DelegateFlags, Target};
use crate::{Env, in_checked_session, in_session, output};

#[derive(Debug, Args)]
#[command(after_help = "\
Only the fields given change; the community and the fiscal code never do,
the municipality of residence changes with `sportello change-residence`.

Examples:
  sportello edit --cf RSSMRA85T10L219G --doc-issuer 'Comune di Torino' \\
      --email mario@example.it
  sportello edit --number 1000001 --doc-type passport \\
      --doc-number YA1234567 --doc-issued 2024-01-10")]
pub struct EditArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    data: DataFlags,
}

fn print_detail(env: &Env, reg: sportello::domain::Registration) -> sportello::Result<()> {
    let detail = Detail::new(reg);
    output::detail(env.format, crate::show::fields(&detail), &detail)
}

pub async fn edit(env: &Env, a: EditArgs) -> sportello::Result<i32> {
    let key = a.target.key()?;
    let changes = a.data.data()?;
    let desk = env.desk()?;
    // The values given (email, text fields) before the role.
    let check = async |_: &sportello::session::Session| edit::check_changes(&changes).map(|()| changes);
    let edited = in_checked_session(env, check, async |s, changes| {
        let edited = edit::edit(s, &key, changes).await?;
        sportello::notices::after_change(s, &desk, &edited.before, &edited.after).await;
        Ok(edited)
    })
    .await?;
    if env.format != output::Format::Table {
        return print_detail(env, edited.after).map(|_| 0);
    }
    // A person reads what changed, before → after; scripts get the whole record.
    let changes = edited.changes();
    let number = edited.after.registration_number.to_string();
    if changes.is_empty() {
        println!("{}", tr!("edit-nothing-changed", number = number));
    } else {
        println!("{}", tr!("edit-changed", number = number, count = changes.len()));
        let empty = || tr!("edit-empty-value");
        for (field, before, after) in changes {
            let shown = |v: String| if v.is_empty() { empty() } else { crate::show::operator_value(v) };
            let (before, after) = (shown(before), shown(after));
            println!("  {}: {before} → {after}", crate::show::field_label(field));
        }
    }
    Ok(0)
}

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  sportello edit-delegate --cf RSSMRA85T10L219G --delegate-kind proxy \\
      --delegate-first-name Anna --delegate-last-name Neri \\
      --delegate-cf NRENNA80A41L219L --delegate-doc-type identity-card \\
      --delegate-doc-number CA11111AA --delegate-doc-issued 2023-01-01 \\
      --delegate-doc-issuer 'Comune di Torino'")]
pub struct EditDelegateArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    delegate: DelegateFlags,
}

pub async fn edit_delegate(env: &Env, a: EditDelegateArgs) -> sportello::Result<i32> {
    let key = a.target.key()?;
    let Some(delegate) = a.delegate.delegate()? else {
        return Err(sportello::Error::Invalid(msg!("edit-delegate-missing")));
    };
    // The delegate's data (fiscal code, document) before the role.
    let check = async |_: &sportello::session::Session| sportello::desk::check_delegate(&delegate).map(|()| delegate);
    let reg = in_checked_session(env, check, async |s, delegate| edit::edit_delegate(s, &key, delegate).await).await?;
    print_detail(env, reg)?;
    Ok(0)
}

#[derive(Debug, Args)]
#[command(after_help = "\
Any registered citizen, but only into a municipality of the operator's
competence.

Examples:
  sportello change-residence --cf RSSMRA85T10L219G --province TO \\
      --municipality Moncalieri --address 'Strada Revigliasco' \\
      --street-number 12 --postcode 10024
  sportello change-residence --number 1000001 --province EE \\
      --municipality ESTERO --address 'Rue de la Paix 3' \\
      --city Lyon --country Francia")]
pub struct ChangeResidenceArgs {
    #[command(flatten)]
    target: Target,
    /// Province (code or name; EE abroad).
    #[arg(long)]
    province: String,
    /// Municipality (name, ISTAT or cadastral code; ESTERO abroad).
    #[arg(long)]
    municipality: String,
    /// Street of the new residence.
    #[arg(long)]
    address: String,
    /// Street number, with suffix and internal number if any.
    #[arg(long)]
    street_number: Option<String>,
    /// Postcode (CAP, 5 digits, one of the municipality's).
    #[arg(long)]
    postcode: Option<String>,
    /// City abroad.
    #[arg(long)]
    city: Option<String>,
    /// Country abroad (name or Z code).
    #[arg(long)]
    country: Option<String>,
}

pub async fn change_residence(env: &Env, a: ChangeResidenceArgs) -> sportello::Result<i32> {
    let key = a.target.key()?;
    let new = NewResidence {
        province: a.province,
        municipality: a.municipality,
        address: a.address,
        street_number: a.street_number,
        postcode: a.postcode,
        city: a.city,
        country: a.country,
    };
    let desk = env.desk()?;
    // The new residence (country, postcode) before the role and the competence.
    let check = async |s: &sportello::session::Session| {
        edit::check_residence(&s.db.client().await?, &new).await?;
        Ok(new)
    };
    let reg = in_checked_session(env, check, async |s, new| {
        let after = edit::change_residence(s, &key, new).await?;
        sportello::notices::send(s, &desk, &after, sportello::notices::Notice::ResidenceChanged, None).await;
        Ok(after)
    })
    .await?;
    print_detail(env, reg)?;
    Ok(0)
}

#[derive(Debug, Args)]
#[command(after_help = "\
After checking the citizen's identity document in person, give its
number: it must be the one on record.

Examples:
  sportello username --cf RSSMRA85T10L219G --document CA12345AA")]
pub struct UsernameArgs {
    #[command(flatten)]
    target: Target,
    /// Number of the identity document checked at the desk.
    #[arg(long)]
    document: String,
}

pub async fn username(env: &Env, a: UsernameArgs) -> sportello::Result<i32> {
    let key = a.target.key()?;
    let username = in_session(env, async |s| edit::recover_username(s, &key, &a.document).await).await?;
    println!("{username}");
    Ok(0)
}

impl EditArgs {
    pub fn audit(&self) -> sportello::audit::Target {
        self.target.audit()
    }
}

impl EditDelegateArgs {
    pub fn audit(&self) -> sportello::audit::Target {
        self.target.audit()
    }
}

impl ChangeResidenceArgs {
    pub fn audit(&self) -> sportello::audit::Target {
        self.target.audit()
    }
}

impl UsernameArgs {
    pub fn audit(&self) -> sportello::audit::Target {
        self.target.audit()
    }
}
