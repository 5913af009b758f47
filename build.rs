//! `sportello --version`: the package version, the git commit and the build date.
//!
//! The commit comes from `SPORTELLO_GIT_COMMIT` when set (packagers building from a tarball),
//! else from `git rev-parse` when the sources are a git checkout, else it is "unknown". The
//! date is `SOURCE_DATE_EPOCH`'s (reproducible builds) when set, else today's (UTC).

use std::path::PathBuf;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

/// Days since 1970-01-01 as a civil date (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn main() {
    println!("cargo:rerun-if-env-changed=SPORTELLO_GIT_COMMIT");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    println!("cargo:rerun-if-changed=build.rs");

    let commit = match std::env::var("SPORTELLO_GIT_COMMIT") {
        Ok(c) if !c.trim().is_empty() => c.trim().to_string(),
        // Only the commit of these sources: not that of a repository they were unpacked in.
        _ => match git(&["rev-parse", "--show-toplevel"])
            .filter(|top| {
                let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
                std::fs::canonicalize(top).ok() == std::fs::canonicalize(manifest).ok()
            })
            .and_then(|_| git(&["rev-parse", "--short=12", "HEAD"]))
        {
            Some(c) => {
                // Rebuild when HEAD moves: HEAD itself (another branch) and the branch it names.
                for path in
                    [git(&["rev-parse", "--git-path", "HEAD"]), git(&["rev-parse", "--git-path", "packed-refs"])]
                        .into_iter()
                        .flatten()
                        // A missing file would make every build stale (packed-refs before a gc).
                        .filter(|path| PathBuf::from(path).exists())
                {
                    println!("cargo:rerun-if-changed={path}");
                }
                if let Some(path) = git(&["symbolic-ref", "-q", "HEAD"])
                    .and_then(|branch| git(&["rev-parse", "--git-path", &branch]))
                    .filter(|path| PathBuf::from(path).exists())
                {
                    println!("cargo:rerun-if-changed={path}");
                }
                c
            }
            None => "unknown".to_string(),
        },
    };
    // The newest migration of sql/ (`V<n>__name.sql`), known without parsing every migration
    // at run time (refinery's runner does, a few milliseconds of each command on the embedded
    // default); store::tests checks it against the runner.
    println!("cargo:rerun-if-changed=sql");
    let latest = std::fs::read_dir("sql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let (version, _) = name.strip_prefix('V')?.split_once("__")?;
            name.ends_with(".sql").then_some(())?;
            version.parse::<i64>().ok()
        })
        .max()
        .unwrap_or(0);
    println!("cargo:rustc-env=SPORTELLO_LATEST_MIGRATION={latest}");
    let seconds =
        std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.trim().parse::<i64>().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
        });
    let (y, m, d) = civil(seconds.div_euclid(86_400));
    println!(
        "cargo:rustc-env=SPORTELLO_VERSION={} (commit {commit}, built {y:04}-{m:02}-{d:02})",
        std::env::var("CARGO_PKG_VERSION").unwrap_or_default()
    );
}
