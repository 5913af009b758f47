//! The log: `tracing` events on standard error, never on standard output (which carries the
//! results). Its level: `-q` (errors only), `-v` (info), `-vv` (debug), `-vvv` (trace); without
//! them `RUST_LOG` (e.g. `RUST_LOG=sportello=debug,tokio_postgres=info`), else warnings only.
//!
//! What is logged never holds a secret (PIN, codes, passwords, keys, the database URL's password)
//! nor personal data in clear: runs, phases, files, counts, registration numbers.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// The filter for `-q`/`-v` (count), else `RUST_LOG`, else warnings.
pub fn filter(quiet: bool, verbose: u8) -> EnvFilter {
    let level = match (quiet, verbose) {
        (true, _) => Some("error"),
        (false, 0) => None,
        (false, 1) => Some("info"),
        (false, 2) => Some("debug"),
        (false, _) => Some("trace"),
    };
    match level {
        // Our own crates at the level asked; the libraries underneath one step quieter below trace.
        Some("debug") => EnvFilter::new("info,sportello=debug"),
        Some(l) => EnvFilter::new(l),
        None => match sportello::config_file::var("RUST_LOG") {
            Some(v) if !v.trim().is_empty() => EnvFilter::try_new(&v).unwrap_or_else(|e| {
                eprintln!(
                    "sportello: {}",
                    tr!("log-filter-invalid", filter = format!("{v:?}"), detail = e.to_string())
                );
                EnvFilter::new("warn")
            }),
            _ => EnvFilter::new("warn"),
        },
    }
}

/// Installs the log on standard error.
pub fn init(quiet: bool, verbose: u8) {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter(quiet, verbose))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(verbose >= 2)
        .try_init();
}
