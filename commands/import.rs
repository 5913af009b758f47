//! `sportello import-cia` / `import-aura`: registry exports into their mirrors.

use std::path::PathBuf;

use clap::Args;
use sportello::error::exit;
use sportello::registry_import::{self, Encoding};
use sportello::store::registry::Source;

use crate::output;
use crate::{Env, in_session};

#[derive(Debug, Args)]
#[command(after_help = "The file is CSV with a header, ';' or ',' separated. Columns:
  fiscal_code, first_name, last_name, birth_date, sex, address, street_number, postcode,
  municipality (ISTAT or cadastral code), doc_type, doc_number, doc_issued, doc_issuer
Bad rows are listed (line, field, value, reason) and the good ones imported; the exit code
is 0 when every row was good, 3 when some were rejected.

Examples:
  sportello import-cia samples/cia.csv
  sportello import-aura samples/aura.csv --rejects /tmp/aura-rejects.csv
  sportello import-cia legacy.csv --encoding latin-1")]
pub struct ImportArgs {
    /// The registry export.
    file: PathBuf,
    /// Text encoding of the file.
    #[arg(long, value_enum, default_value_t = Encoding::Utf8)]
    encoding: Encoding,
    /// Write the rejected rows to this CSV file (line, field, value, reason).
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
}

pub async fn run(env: &Env, source: Source, a: ImportArgs) -> sportello::Result<i32> {
    let summary = in_session(env, async |s| registry_import::import(s, source, &a.file, a.encoding).await).await?;
    eprintln!(
        "{}: {} rows: {} new, {} changed, {} unchanged, {} rejected",
        source.label(),
        summary.rows,
        summary.inserted,
        summary.updated,
        summary.unchanged,
        summary.rejected.len()
    );
    if let Some(path) = &a.rejects {
        registry_import::write_rejects(path, &summary.rejected)?;
        eprintln!("rejected rows written to {}", path.display());
    } else if !summary.rejected.is_empty() {
        output::rows(env.format, &summary.rejected, &summary.rejected)?;
    }
    Ok(if summary.rejected.is_empty() { exit::OK } else { exit::INVALID })
}
