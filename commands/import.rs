//! `sportello import-cia` / `import-aura`: registry exports into their mirrors.

use std::path::PathBuf;

use clap::Args;
use sportello::batch::registry_import::{self, Encoding, Options, Preload};
use sportello::batch::{refuse_report_over_input, write_rejects};
use sportello::error::exit;
use sportello::store::registry::Source;

use crate::progress::Reporter;
use crate::{Env, in_session, output};

#[derive(Debug, Args)]
#[command(after_help = "\
The file is CSV with a header, ';' or ',' separated, with the columns
  fiscal_code, first_name, last_name, birth_date, sex, address,
  street_number, postcode, municipality (ISTAT or cadastral code),
  doc_type, doc_number, doc_issued, doc_issuer
Bad rows are reported (line, field, value, reason) and the good ones
imported. The run is recorded and committed in chunks: after a crash, the
same command resumes where it stopped; re-running a finished import of the
same file does nothing and says so. Progress goes to standard error: a bar
on a terminal, else a timestamped line every few seconds (-q: none).

Exit codes: 0 every row imported, 8 done with rejected rows, other codes
failure.

Examples:
  sportello import-cia samples/cia.csv
  sportello import-cia anagrafe-to.csv --full-snapshot --preload TO
  sportello import-cia samples/cia.csv --preload Moncalieri --preload Asti
  sportello import-aura samples/aura.csv --rejects /tmp/aura-rejects.csv
  sportello import-cia legacy.csv --encoding latin-1 --dry-run")]
pub struct ImportArgs {
    /// The registry export.
    file: PathBuf,
    /// Text encoding of the file.
    #[arg(long, value_parser = crate::choice::choice::<Encoding>(), default_value_t = Encoding::Utf8)]
    encoding: Encoding,
    /// Write the rejected rows to this CSV file (line, field, value, reason); - for standard output.
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
    /// The file is the whole registry: residents missing from it have ceased and are removed.
    #[arg(long)]
    full_snapshot: bool,
    /// Pre-load the residents of this province or municipality not yet registered (repeatable).
    #[arg(long, value_name = "AREA")]
    preload: Vec<String>,
    /// Validate and report; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Import even if this very file was imported before.
    #[arg(long)]
    force: bool,
    /// Rows per transaction.
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u32).range(1..))]
    chunk_size: u32,
    /// Database sessions writing chunks side by side (they still commit in file order).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=4))]
    writers: u8,
}

pub async fn run(env: &Env, source: Source, a: ImportArgs) -> sportello::Result<i32> {
    if let Some(rejects) = &a.rejects {
        refuse_report_over_input(rejects, &a.file, "--rejects")?;
    }
    // The key recognises the revoked citizens, whom a pre-load leaves out.
    let preload = match a.preload.is_empty() {
        true => None,
        false => Some(Preload { areas: a.preload.clone(), key: env.desk()?.key }),
    };
    let opts = Options {
        encoding: a.encoding,
        full_snapshot: a.full_snapshot,
        preload,
        dry_run: a.dry_run,
        force: a.force,
        chunk_size: a.chunk_size as usize,
        writers: a.writers as usize,
    };
    let progress = Reporter::bytes();
    let report = in_session(env, async |s| registry_import::import(s, source, &a.file, &opts, &progress).await).await?;
    if let Some(run) = report.already_done_by {
        eprintln!("{}", tr!("import-already-done", path = &a.file, run = run));
        return Ok(exit::OK);
    }
    sportello::metrics::counts(report.rows as u64, report.rejected.len() as u64);
    let mut extra = String::new();
    if a.full_snapshot {
        extra.push_str(&tr!("import-ceased", count = report.ceased));
    }
    if !a.preload.is_empty() {
        extra.push_str(&tr!("import-preloaded", count = report.preloaded));
    }
    let run = match report.run_id {
        Some(r) if report.resumed => tr!("import-run-resumed", run = r),
        Some(r) => tr!("import-run", run = r),
        None => String::new(),
    };
    eprintln!(
        "{}",
        tr!(
            "import-summary",
            source = source.label(),
            dry = if a.dry_run { tr!("import-dry-run") } else { String::new() },
            rows = report.rows,
            new = report.inserted,
            changed = report.updated,
            unchanged = report.unchanged,
            rejected = report.rejected.len(),
            extra = extra,
            run = run
        )
    );
    if let Some(path) = &a.rejects {
        write_rejects(path, &report.rejected)?;
        if path != std::path::Path::new("-") {
            eprintln!("{}", tr!("import-rejects-written", path = &**path));
        }
    } else if !report.rejected.is_empty() {
        output::rows(env.format, &output::reject_rows(&report.rejected), &report.rejected)?;
    }
    Ok(if report.rejected.is_empty() { exit::OK } else { exit::WITH_REJECTS })
}

impl ImportArgs {
    pub fn audit(&self) -> sportello::audit::Target {
        sportello::audit::Target::Input(self.file.display().to_string())
    }
}
