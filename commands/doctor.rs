//! `sportello doctor`: the settings and where they came from, and the checks of src/doctor.rs.

use clap::Args;
use sportello::doctor::{self, Status};
use sportello::error::exit;

use crate::{Env, output};

#[derive(Debug, Args)]
#[command(after_help = "\
Checks, in order: configuration, connection, tls, authentication,
operator, migrations, key (with its fingerprint: compare machines),
letters, outbox, clock (against the server's). Exits 1 naming the
first check that failed; warnings do not fail.

Examples:
  sportello doctor
  sportello doctor --format json
  sportello doctor --database-url 'service=sportello'")]
pub struct DoctorArgs {}

pub async fn run(env: &Env, _args: DoctorArgs, warnings: &[String]) -> sportello::Result<i32> {
    let report = doctor::run(&env.location, &env.home, &crate::flags_given(), warnings).await;
    if env.format == output::Format::Json {
        output::json(&report)?;
    } else {
        println!("{}", tr!("doctor-heading-settings"));
        let width = report.settings.iter().map(|s| s.name.chars().count()).max().unwrap_or(0) + 2;
        for s in &report.settings {
            println!("  {:<width$}{}  [{}]", s.name, s.value, s.origin_said);
        }
        println!("{}", tr!("doctor-heading-checks"));
        let width = report.checks.iter().map(|c| c.name.len()).max().unwrap_or(0) + 2;
        for c in &report.checks {
            let mark = match c.status {
                Status::Ok => "ok  ",
                Status::Warn => "warn",
                Status::Fail => "FAIL",
            };
            println!("  {mark}  {:<width$}{}", c.name, c.detail);
        }
    }
    Ok(match report.first_failure() {
        Some(c) => {
            eprintln!("sportello: {}", tr!("doctor-first-failure", check = c.name, detail = &c.detail));
            exit::FAILURE
        }
        None => exit::OK,
    })
}
