//! `sportello operator`: desk operators and their competence.

use clap::{Args, Subcommand};
use serde::Serialize;
use sportello::operators::{self, NewOperator};
use sportello::store::operators::Operator;
use tabled::Tabled;

use crate::output::{self, yes_no};
use crate::{Env, in_session};

#[derive(Debug, Subcommand)]
pub enum OperatorCommand {
    /// Add an operator. The first operator of a new database needs no --operator.
    #[command(after_help = "\
Examples:
  sportello operator add mrossi --name 'Maria Rossi' --ente 'ASL TO4' \\
      --province TO
  sportello operator add gbianchi --name 'Giulia Bianchi' \\
      --ente 'Comune di Asti' --municipality Asti --fse")]
    Add(AddArgs),
    /// List the operators.
    #[command(after_help = "Examples:\n  sportello operator list\n  sportello operator list --format json")]
    List,
    /// Show one operator.
    #[command(after_help = "Examples:\n  sportello operator show mrossi")]
    Show {
        /// Operator id.
        id: String,
    },
}

impl OperatorCommand {
    pub fn name(&self) -> &'static str {
        match self {
            OperatorCommand::Add(_) => "operator add",
            OperatorCommand::List => "operator list",
            OperatorCommand::Show { .. } => "operator show",
        }
    }
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Operator id (one word, e.g. the certificate's user name).
    id: String,
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
}

#[derive(Tabled, Serialize)]
struct Row {
    id: String,
    name: String,
    ente: String,
    fse: String,
    competence: String,
}

fn row(o: &Operator) -> Row {
    Row {
        id: o.id.clone(),
        name: o.full_name.clone(),
        ente: o.ente.clone(),
        fse: yes_no(o.fse),
        competence: o.competence.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", "),
    }
}

pub async fn run(env: &Env, cmd: OperatorCommand) -> sportello::Result<i32> {
    match cmd {
        OperatorCommand::Add(a) => {
            let new = NewOperator {
                id: a.id,
                full_name: a.name,
                ente: a.ente,
                fse: a.fse,
                provinces: a.provinces,
                municipalities: a.municipalities,
            };
            let op = operators::add(&env.database().await?, env.operator.as_deref(), new).await?;
            output::rows(env.format, &[row(&op)], &op)?;
        }
        OperatorCommand::List => {
            let all = in_session(env, async |s| operators::list(s).await).await?;
            let flat: Vec<Row> = all.iter().map(row).collect();
            output::rows(env.format, &flat, &all)?;
        }
        OperatorCommand::Show { id } => {
            let op = in_session(env, async |s| operators::show(s, &id).await).await?;
            output::rows(env.format, &[row(&op)], &op)?;
        }
    }
    Ok(0)
}
