//! `sportello operator`: desk operators, their roles and competence.

use clap::{Args, Subcommand};
use serde::Serialize;
use sportello::audit::Target;
use sportello::domain::Role;
use sportello::operators::{self, Change, NewOperator};
use sportello::store::operators::Operator;
use tabled::Tabled;

use crate::output::{self, yes_no};
use crate::{Env, in_session};

const ROLES_HELP: &str = "Roles: desk (register, search, show, book, edit, codes, residence, letters), helpdesk
(mailbox, registered-letter revocations), batch (imports, pre-loads, postal runs), admin
(operators), auditor (audit log, runs), portal (the citizen portal's own login).";

#[derive(Debug, Subcommand)]
pub enum OperatorCommand {
    /// Add the first administrator of a new database (the schema owner only, once), or with
    /// --repair repair, extend or add an administrator (the schema owner only, at any time).
    #[command(after_help = "\
The embedded database: run by the OS user who created it, who becomes
the first administrator (the id defaults to that OS user). A server:
with the schema owner's URL, as for `db migrate`; the id is the
administrator's login (the certificate's CN). The first administrator
holds `admin` and the roles given with --role.

The owner is the root of trust: with --repair, an administrator made
wrong (competence, roles, FSE, disabled) gets the name, ente, FSE and
competence given, is enabled again and holds `admin` and the roles
given (none is taken away); an id that is no operator yet is added as
an administrator. No need to drop the database.

Examples:
  sportello operator bootstrap --name 'Maria Rossi' --ente 'ASL TO4' \\
      --province TO --role desk,auditor
  SPORTELLO_DATABASE_URL=postgres://owner@db.example/sportello \\
      sportello operator bootstrap mrossi --name 'Maria Rossi' \\
      --ente 'ASL TO4' --province TO
  SPORTELLO_DATABASE_URL=postgres://owner@db.example/sportello \\
      sportello operator bootstrap mrossi --repair --name 'Maria Rossi' \\
      --ente 'ASL TO4' --province TO --province CN --role desk --fse")]
    Bootstrap(BootstrapArgs),
    /// Add an operator (administrators; never beyond their own competence, FSE and roles).
    #[command(after_help = "\
The id is the operator's login: their OS user on the embedded database,
the certificate's CN or the SCRAM user on a server (the login is
created if the DBA has not made it yet). Roles default to desk.

Examples:
  sportello operator add gbianchi --name 'Giulia Bianchi' \\
      --ente 'Comune di Asti' --municipality Asti
  sportello operator add cron-to --name 'Postal runs' \\
      --ente 'CSI Piemonte' --province TO --role batch
  sportello operator add lverdi --name 'Luca Verdi' --ente 'ASL TO4' \\
      --province TO --role desk,helpdesk --fse")]
    Add(AddArgs),
    /// Grant roles to an operator (administrators; only roles they hold).
    #[command(
        after_help = "Examples:\n  sportello operator grant gbianchi --role helpdesk\n  sportello operator grant lverdi --role desk,auditor"
    )]
    Grant(RolesArgs),
    /// Take roles away from an operator.
    #[command(after_help = "Examples:\n  sportello operator revoke-role gbianchi --role helpdesk")]
    RevokeRole(RolesArgs),
    /// Replace an operator's competence (within the administrator's own).
    #[command(
        after_help = "Examples:\n  sportello operator competence gbianchi --municipality Asti \\\n      --municipality Alba\n  sportello operator competence lverdi --province TO --province CN"
    )]
    Competence(CompetenceArgs),
    /// Disable an operator: the login can no longer connect and loses its roles; the history stays.
    #[command(after_help = "Examples:\n  sportello operator disable gbianchi")]
    Disable(IdArg),
    /// Enable a disabled operator again, with the roles given.
    #[command(after_help = "Examples:\n  sportello operator enable gbianchi --role desk")]
    Enable(EnableArgs),
    /// List the operators.
    #[command(after_help = "Examples:\n  sportello operator list\n  sportello operator list --format json")]
    List,
    /// Show one operator.
    #[command(after_help = "Examples:\n  sportello operator show gbianchi")]
    Show(IdArg),
    /// Who the database authenticated you as, your roles and competence.
    #[command(after_help = "Examples:\n  sportello operator whoami")]
    Whoami,
}

impl OperatorCommand {
    pub fn name(&self) -> &'static str {
        match self {
            OperatorCommand::Bootstrap(_) => "operator bootstrap",
            OperatorCommand::Add(_) => "operator add",
            OperatorCommand::Grant(_) => "operator grant",
            OperatorCommand::RevokeRole(_) => "operator revoke-role",
            OperatorCommand::Competence(_) => "operator competence",
            OperatorCommand::Disable(_) => "operator disable",
            OperatorCommand::Enable(_) => "operator enable",
            OperatorCommand::List => "operator list",
            OperatorCommand::Show(_) => "operator show",
            OperatorCommand::Whoami => "operator whoami",
        }
    }

    /// The operator the command is about, for the audit row of a refusal.
    pub fn target(&self) -> Target {
        let id = match self {
            OperatorCommand::Bootstrap(a) => a.id.clone(),
            OperatorCommand::Add(a) => Some(a.id.clone()),
            OperatorCommand::Grant(a) | OperatorCommand::RevokeRole(a) => Some(a.id.clone()),
            OperatorCommand::Competence(a) => Some(a.id.clone()),
            OperatorCommand::Disable(a) | OperatorCommand::Show(a) => Some(a.id.clone()),
            OperatorCommand::Enable(a) => Some(a.id.clone()),
            OperatorCommand::List | OperatorCommand::Whoami => None,
        };
        id.map(Target::Operator).unwrap_or(Target::None)
    }
}

fn role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| tr!("role-unknown", role = s))
}

#[derive(Debug, Args)]
pub struct Details {
    /// Full name.
    #[arg(long)]
    name: String,
    /// Organisation the operator belongs to.
    #[arg(long)]
    ente: String,
    /// Authorised for the electronic health record (FSE).
    #[arg(long)]
    fse: bool,
    /// A province of competence (code or name); repeatable.
    #[arg(long = "province", value_name = "PROVINCE")]
    provinces: Vec<String>,
    /// A municipality of competence (name, ISTAT or cadastral code); repeatable.
    #[arg(long = "municipality", value_name = "MUNICIPALITY")]
    municipalities: Vec<String>,
    /// A role to grant; repeatable or comma-separated.
    #[arg(long = "role", value_name = "ROLE", value_delimiter = ',', value_parser = role, long_help = ROLES_HELP)]
    roles: Vec<Role>,
}

#[derive(Debug, Args)]
pub struct BootstrapArgs {
    /// The administrator's login (embedded: the OS user running this, the default).
    id: Option<String>,
    /// Repair, extend or add an administrator of a database that has operators already.
    #[arg(long)]
    repair: bool,
    #[command(flatten)]
    details: Details,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Operator id: their login (OS user, certificate CN or SCRAM user); letters a-z, digits,
    /// . _ - (case does not matter).
    id: String,
    #[command(flatten)]
    details: Details,
}

#[derive(Debug, Args)]
pub struct RolesArgs {
    /// Operator id.
    id: String,
    /// A role; repeatable or comma-separated.
    #[arg(long = "role", value_name = "ROLE", value_delimiter = ',', value_parser = role, required = true, long_help = ROLES_HELP)]
    roles: Vec<Role>,
}

#[derive(Debug, Args)]
pub struct EnableArgs {
    /// Operator id.
    id: String,
    /// A role to give back; repeatable or comma-separated.
    #[arg(long = "role", value_name = "ROLE", value_delimiter = ',', value_parser = role, long_help = ROLES_HELP)]
    roles: Vec<Role>,
}

#[derive(Debug, Args)]
pub struct CompetenceArgs {
    /// Operator id.
    id: String,
    /// A province of the new competence (code or name); repeatable.
    #[arg(long = "province", value_name = "PROVINCE")]
    provinces: Vec<String>,
    /// A municipality of the new competence (name, ISTAT or cadastral code); repeatable.
    #[arg(long = "municipality", value_name = "MUNICIPALITY")]
    municipalities: Vec<String>,
}

#[derive(Debug, Args)]
pub struct IdArg {
    /// Operator id.
    id: String,
}

#[derive(Tabled, Serialize)]
struct Row {
    id: String,
    name: String,
    ente: String,
    fse: String,
    roles: String,
    competence: String,
    enabled: String,
}

fn row(o: &Operator) -> Row {
    Row {
        id: o.id.clone(),
        name: o.full_name.clone(),
        ente: o.ente.clone(),
        fse: yes_no(o.fse),
        roles: o.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
        competence: o.competence.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", "),
        enabled: yes_no(o.disabled_at.is_none()),
    }
}

fn new_operator(id: String, d: Details) -> NewOperator {
    NewOperator {
        id,
        full_name: d.name,
        ente: d.ente,
        fse: d.fse,
        provinces: d.provinces,
        municipalities: d.municipalities,
        roles: d.roles,
    }
}

pub async fn run(env: &Env, cmd: OperatorCommand) -> sportello::Result<i32> {
    let op = match cmd {
        OperatorCommand::Bootstrap(a) => {
            operators::bootstrap_at(&env.location, new_operator(a.id.unwrap_or_default(), a.details), a.repair).await?
        }
        OperatorCommand::Add(a) => {
            let new = new_operator(a.id, a.details);
            in_session(env, async |s| operators::add(s, new).await).await?
        }
        OperatorCommand::Grant(a) => {
            in_session(env, async |s| operators::change(s, &a.id, Change::Grant(a.roles)).await).await?
        }
        OperatorCommand::RevokeRole(a) => {
            in_session(env, async |s| operators::change(s, &a.id, Change::Revoke(a.roles)).await).await?
        }
        OperatorCommand::Competence(a) => {
            let change = Change::Competence { provinces: a.provinces, municipalities: a.municipalities };
            in_session(env, async |s| operators::change(s, &a.id, change).await).await?
        }
        OperatorCommand::Disable(a) => {
            in_session(env, async |s| operators::change(s, &a.id, Change::Disable).await).await?
        }
        OperatorCommand::Enable(a) => {
            in_session(env, async |s| operators::change(s, &a.id, Change::Enable(a.roles)).await).await?
        }
        OperatorCommand::List => {
            let all = in_session(env, async |s| operators::list(s).await).await?;
            let flat: Vec<Row> = all.iter().map(row).collect();
            output::rows(env.format, &flat, &all)?;
            return Ok(0);
        }
        OperatorCommand::Show(a) => in_session(env, async |s| operators::show(s, &a.id).await).await?,
        OperatorCommand::Whoami => in_session(env, async |s| operators::whoami(s).await).await?,
    };
    output::rows(env.format, &[row(&op)], &op)?;
    Ok(0)
}
