//! `sportello import-cia` / `import-aura`: registry exports into their mirrors.

use std::path::PathBuf;

use clap::Args;
use sportello::batch::registry_import::{self, Encoding, Options, Preload};
use sportello::batch::{refuse_report_over_input, write_departures, write_rejects};
use sportello::error::exit;
use sportello::store::registry::Source;

use crate::progress::Reporter;
use crate::{Env, in_session, output};

#[derive(Debug, Args)]
#[command(after_help = "\
The file is CSV with a header, ';' or ',' separated, with the columns
(named in any case)
  fiscal_code, first_name, last_name, birth_date, sex, address,
  street_number, postcode, municipality (ISTAT or cadastral code),
  doc_type, doc_number, doc_issued, doc_issuer
  and optionally death_date (empty for the living)
in UTF-8, or in the --encoding given: files saved by Windows programs
(Excel, the registry software) are windows-1252 (also named latin-1,
cp1252). A file that is not text of its encoding is refused whole, with
the line of the first byte that is not. A postcode must be one of its
municipality's, as at the desk.
Bad rows are reported (line, field, value, reason) and the good ones
imported. The run is recorded and committed in chunks: after a crash, the
same command resumes where it stopped; re-running a finished import of the
same file does nothing and says so. Progress goes to standard error: a bar
on a terminal, else a timestamped line every few seconds (-q: none).

With --full-snapshot the residents missing from the file are removed; a
rejected row keeps its resident (one whose fiscal code cannot be read
keeps everyone). A snapshot that would remove more than 5% of the mirror
is refused (exit 5, nothing removed) unless --max-removals allows it: run
the same command again with it, and the run resumes.

A row with a death_date (not in the future, not before birth) is a death:
the resident leaves the mirror, their registration, if any, is revoked and
erased as a revocation does (tombstone kept), the death is recorded once
and no later import or --preload registers them again; the citizen is
told at the registered address. The key file (SPORTELLO_KEY_FILE) and the
mail settings are needed. A run revokes at most 5% of the registrations
(at least 10) by deaths unless --max-deaths allows more: past it the run
stops (exit 5, the chunk that would pass it not written); run the same
command again with it, and the run resumes. A resident missing from a full
snapshot is a departure, never a death.

Exit codes: 0 every row imported, 8 done with rejected rows, 5 a snapshot
refused for its removals or a run stopped for its deaths, other codes
failure.

Examples:
  sportello import-cia samples/cia.csv
  sportello import-cia anagrafe-to.csv --full-snapshot --preload TO
  sportello import-cia samples/cia.csv --preload Moncalieri --preload Asti
  sportello import-aura samples/aura.csv --rejects /tmp/aura-rejects.csv
  sportello import-cia export-excel.csv --encoding windows-1252 --dry-run
  sportello import-cia anagrafe-to.csv --full-snapshot --dry-run \\
      --departures -
  sportello import-cia anagrafe-to.csv --full-snapshot --max-removals 400 \\
      --departures /var/lib/sportello/reports/departures.csv")]
pub struct ImportArgs {
    /// The registry export.
    file: PathBuf,
    /// Text encoding of the file: utf-8, windows-1252 (also latin-1, cp1252), or another WHATWG label.
    #[arg(long, value_name = "LABEL", value_parser = crate::choice::encoding, default_value_t = Encoding::UTF8)]
    encoding: Encoding,
    /// Write the rejected rows to this CSV file (line, field, value, reason); - for standard output.
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
    /// The file is the whole registry: residents missing from it have ceased and are removed.
    #[arg(long)]
    full_snapshot: bool,
    /// With --full-snapshot: remove at most N residents (default: 5% of the mirror); more are refused.
    #[arg(long, value_name = "N", requires = "full_snapshot")]
    max_removals: Option<u64>,
    /// With a death_date column: revoke at most N registrations by deaths in this run (default: 5% of the registrations, at least 10); more stop the run.
    #[arg(long, value_name = "N")]
    max_deaths: Option<u64>,
    /// With --full-snapshot: write the fiscal codes removed (or, with --dry-run, to be removed) to this CSV file; - for standard output.
    #[arg(long, value_name = "FILE", requires = "full_snapshot")]
    departures: Option<PathBuf>,
    /// Pre-load the residents of this province or municipality not yet registered (repeatable).
    #[arg(long, value_name = "AREA")]
    preload: Vec<String>,
    /// Validate and report; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Import even if this very file was imported before.
    #[arg(long)]
    force: bool,
    /// Rows per transaction (the first and the last chunks fewer).
    #[arg(long, default_value_t = registry_import::DEFAULT_CHUNK_ROWS, value_parser = clap::value_parser!(u32).range(1..))]
    chunk_size: u32,
    /// Database sessions writing chunks side by side (they still commit in file order).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=4))]
    writers: u8,
}

pub async fn run(env: &Env, source: Source, a: ImportArgs) -> sportello::Result<i32> {
    if let Some(rejects) = &a.rejects {
        refuse_report_over_input(rejects, &a.file, "--rejects")?;
    }
    if let Some(departures) = &a.departures {
        refuse_report_over_input(departures, &a.file, "--departures")?;
    }
    // The key recognises the revoked citizens, whom a pre-load leaves out. The desk's mailer
    // tells the citizens a death in the file erases (the import refuses such a file without it).
    let (preload, desk) = match a.preload.is_empty() {
        true => (None, env.desk().ok()),
        false => {
            let desk = env.desk()?;
            (Some(Preload { areas: a.preload.clone(), key: desk.key.clone() }), Some(desk))
        }
    };
    let opts = Options {
        encoding: a.encoding,
        full_snapshot: a.full_snapshot,
        max_removals: a.max_removals,
        max_deaths: a.max_deaths,
        preload,
        dry_run: a.dry_run,
        force: a.force,
        chunk_size: a.chunk_size as usize,
        writers: a.writers as usize,
        notify: desk,
    };
    let progress = Reporter::bytes();
    let report = in_session(env, async |s| registry_import::import(s, source, &a.file, &opts, &progress).await).await?;
    if let Some(run) = report.already_done_by {
        eprintln!("{}", tr!("import-already-done", path = &a.file, run = run));
        return Ok(exit::OK);
    }
    sportello::metrics::counts(report.rows as u64, report.rejected.len() as u64);
    let mut extra = String::new();
    if report.departures_withheld {
        extra.push_str(&tr!("import-departures-withheld"));
    } else if a.full_snapshot {
        extra.push_str(&tr!("import-ceased", count = report.ceased));
    }
    if report.death_column && a.dry_run {
        // A dry run reads the deaths but does not look for the registrations they would revoke.
        extra.push_str(&tr!("import-deaths-dry", count = report.deaths));
    } else if report.death_column {
        extra.push_str(&tr!("import-deaths", count = report.deaths, revoked = report.deaths_revoked));
    }
    if !a.preload.is_empty() {
        extra.push_str(&tr!("import-preloaded", count = report.preloaded));
        if report.preload_withheld > 0 {
            extra.push_str(&tr!("import-preload-withheld", count = report.preload_withheld));
        }
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
    if let Some(path) = &a.departures {
        write_departures(path, &report.departures)?;
        if path != std::path::Path::new("-") {
            eprintln!("{}", tr!("import-departures-written", path = &**path));
        }
    }
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
