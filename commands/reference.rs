//! `sportello reference`: the provinces, municipalities and foreign states sportello knows.

use clap::{Args, Subcommand};
use serde::Serialize;
use sportello::store::reference;
use tabled::Tabled;

use crate::Env;
use crate::output;

#[derive(Debug, Subcommand)]
#[command(after_help = "Examples:
  sportello reference provinces
  sportello reference municipalities --province TO
  sportello reference municipalities --format csv > municipalities.csv
  sportello reference countries --format json")]
pub enum ReferenceCommand {
    /// The provinces (and EE, residents abroad).
    #[command(after_help = "Examples:\n  sportello reference provinces\n  sportello reference provinces --format json")]
    Provinces,
    /// The municipalities, with ISTAT and cadastral codes and postcodes.
    #[command(after_help = "\
Examples:
  sportello reference municipalities --province TO
  sportello reference municipalities --province Asti --format csv")]
    Municipalities(MunicipalitiesArgs),
    /// The foreign states and their Z codes (as in fiscal codes of people born abroad).
    #[command(after_help = "Examples:\n  sportello reference countries\n  sportello reference countries --format csv")]
    Countries,
}

#[derive(Debug, Args)]
pub struct MunicipalitiesArgs {
    /// Only the municipalities of this province (code or name).
    #[arg(long)]
    province: Option<String>,
}

#[derive(Tabled)]
struct MunicipalityRow {
    name: String,
    province: String,
    istat_code: String,
    cadastral_code: String,
    postcodes: String,
}

#[derive(Serialize)]
struct MunicipalityRecord<'a> {
    name: &'a str,
    province: &'a str,
    istat_code: &'a str,
    cadastral_code: &'a str,
    postcodes: &'a [String],
}

#[derive(Tabled)]
struct ProvinceRow {
    code: String,
    name: String,
}

#[derive(Tabled)]
struct CountryRow {
    name: String,
    code: String,
    active: String,
}

pub async fn run(env: &Env, cmd: ReferenceCommand) -> sportello::Result<i32> {
    let db = env.database().await?;
    let client = db.client().await?;
    match cmd {
        ReferenceCommand::Provinces => {
            let all = reference::provinces(&client).await?;
            let flat: Vec<ProvinceRow> =
                all.iter().map(|p| ProvinceRow { code: p.code.clone(), name: p.name.clone() }).collect();
            output::rows(env.format, &flat, &all)?;
        }
        ReferenceCommand::Municipalities(a) => {
            let province = match &a.province {
                Some(p) => Some(reference::resolve_province(&client, p).await?),
                None => None,
            };
            let all = reference::municipalities(&client, province.as_deref()).await?;
            let flat: Vec<MunicipalityRow> = all
                .iter()
                .map(|m| MunicipalityRow {
                    name: m.name.clone(),
                    province: m.province.clone(),
                    istat_code: m.istat_code.clone(),
                    cadastral_code: m.belfiore.clone(),
                    postcodes: m.postcodes.join(", "),
                })
                .collect();
            let records: Vec<MunicipalityRecord> = all
                .iter()
                .map(|m| MunicipalityRecord {
                    name: &m.name,
                    province: &m.province,
                    istat_code: &m.istat_code,
                    cadastral_code: &m.belfiore,
                    postcodes: &m.postcodes,
                })
                .collect();
            output::rows(env.format, &flat, &records)?;
        }
        ReferenceCommand::Countries => {
            let all = reference::countries(&client).await?;
            let flat: Vec<CountryRow> = all
                .iter()
                .map(|c| CountryRow { name: c.name.clone(), code: c.code.clone(), active: output::yes_no(c.active) })
                .collect();
            output::rows(env.format, &flat, &all)?;
        }
    }
    Ok(0)
}
