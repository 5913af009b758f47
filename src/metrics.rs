//! Prometheus textfile metrics of the batch jobs (imports, postal run, helpdesk mailbox), for node_exporter's textfile collector: one `sportello_<job>.prom` file per job in
//! the directory of the `metrics_dir` setting (`SPORTELLO_METRICS_DIR`; unset: no metrics),
//! rewritten at the end of every run, written to a temporary file and renamed so that the
//! collector never reads half a file.
//!
//! A job reports its counts with [`counts`] when it has them; the binary calls [`finish`] at
//! the end of every command, which writes the file for the batch jobs only, also when they
//! failed before counting anything (then `success` is 0).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{Error, Result};

/// The commands that are batch jobs, by the name the binary gives them.
pub const JOBS: &[&str] = &["import-cia", "import-aura", "print-letters --postal-run", "regenerate-code --mailbox"];

/// The default of node_exporter's textfile collector directory on Debian.
pub const DEFAULT_DIR: &str = "/var/lib/prometheus/node-exporter";

/// What one run did.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// Seconds since the epoch at the end of the run.
    pub finished_at: f64,
    pub duration_seconds: f64,
    pub rows: u64,
    pub rejects: u64,
    pub success: bool,
}

static COUNTS: Mutex<Option<(u64, u64)>> = Mutex::new(None);

/// The rows a job processed and the ones it rejected, for the metrics of this run.
pub fn counts(rows: u64, rejects: u64) {
    if let Ok(mut c) = COUNTS.lock() {
        *c = Some((rows, rejects));
    }
}

/// The file of a job: `sportello_import_cia.prom`.
pub fn file_name(job: &str) -> String {
    let slug: String = job
        .trim_start_matches('-')
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect::<String>()
        .split('_')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    format!("sportello_{slug}.prom")
}

/// The text of the file (Prometheus text exposition format).
pub fn render(job: &str, run: &Run) -> String {
    let label = job.replace('\\', "\\\\").replace('"', "\\\"");
    let mut out = String::new();
    let metrics: [(&str, &str, String); 5] = [
        (
            "last_run_timestamp_seconds",
            "End of the last run (seconds since the epoch).",
            format!("{}", run.finished_at),
        ),
        ("duration_seconds", "Duration of the last run.", format!("{}", run.duration_seconds)),
        ("rows", "Rows (or messages, letters) the last run processed.", run.rows.to_string()),
        ("rejects", "Rows the last run rejected (in its rejects report).", run.rejects.to_string()),
        ("success", "1 if the last run succeeded (rejected rows included), else 0.", u8::from(run.success).to_string()),
    ];
    for (name, help, value) in metrics {
        out.push_str(&format!(
            "# HELP sportello_job_{name} {help}\n# TYPE sportello_job_{name} gauge\nsportello_job_{name}{{job=\"{label}\"}} {value}\n"
        ));
    }
    out
}

/// Writes the metrics of `job` into `dir`, atomically (temporary file, then rename); readable by
/// everyone (the collector runs as its own user; nothing in it is personal).
pub fn write(dir: &Path, job: &str, run: &Run) -> Result<PathBuf> {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(file_name(job));
    // Not `.prom`: the collector skips it until the rename.
    let tmp = dir.join(format!(".{}.{}.tmp", file_name(job), std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(render(job, run).as_bytes())?;
        f.set_permissions(std::fs::Permissions::from_mode(0o644))?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::Io { context: crate::msg!("metrics-write", path = &*path), source: e });
    }
    Ok(path)
}

/// At the end of a command: for a batch job, when `metrics_dir` is set, its metrics. Exit 0
/// and 8 (done, with rejected rows) are successes. Returns the file written, if any.
pub fn finish(job: &str, exit_code: i32, duration: std::time::Duration) -> Result<Option<PathBuf>> {
    if !JOBS.contains(&job) {
        return Ok(None);
    }
    let Some(dir) = crate::config_file::var("SPORTELLO_METRICS_DIR") else {
        return Ok(None);
    };
    let (rows, rejects) = COUNTS.lock().ok().and_then(|c| *c).unwrap_or((0, 0));
    let run = Run {
        finished_at: chrono::Utc::now().timestamp_millis() as f64 / 1000.0,
        duration_seconds: duration.as_secs_f64(),
        rows,
        rejects,
        success: exit_code == crate::error::exit::OK || exit_code == crate::error::exit::WITH_REJECTS,
    };
    write(Path::new(&dir), job, &run).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_written_whole_under_the_jobs_name() {
        let dir = tempfile::tempdir().unwrap();
        let run = Run { finished_at: 1700000000.5, duration_seconds: 2.25, rows: 120, rejects: 3, success: true };
        let path = write(dir.path(), "print-letters --postal-run", &run).unwrap();
        assert_eq!(path.file_name().unwrap(), "sportello_print_letters_postal_run.prom");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("sportello_job_rows{job=\"print-letters --postal-run\"} 120\n"), "{text}");
        assert!(text.contains("sportello_job_rejects{job=\"print-letters --postal-run\"} 3\n"), "{text}");
        assert!(text.contains("sportello_job_success{job=\"print-letters --postal-run\"} 1\n"), "{text}");
        assert!(
            text.contains(
                "sportello_job_last_run_timestamp_seconds{job=\"print-letters --postal-run\"} 1700000000.5\n"
            )
        );
        assert!(text.contains("# TYPE sportello_job_duration_seconds gauge\n"));
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
        assert_eq!(file_name("import-cia"), "sportello_import_cia.prom");
    }

    #[test]
    fn a_missing_directory_is_an_error_naming_the_file() {
        let run = Run { finished_at: 0.0, duration_seconds: 0.0, rows: 0, rejects: 0, success: false };
        let e = write(Path::new("/nonexistent/metrics"), "import-cia", &run).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/metrics/sportello_import_cia.prom"), "{e}");
    }
}
