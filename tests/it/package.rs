//! The Debian package (issue 18): built with cargo-deb from the binary under test, checked with
//! lintian (no error, no warning that is not overridden with its reason), its layout read back,
//! and, as root, installed for real with dpkg and purged again.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::text;

fn have(program: &str, arg: &str) -> bool {
    Command::new(program).arg(arg).output().is_ok_and(|o| o.status.success())
}

/// `cargo deb` of the binary the tests built (target/debug/sportello: `--profile dev
/// --no-build`, so no release build in the test run) into `out`.
fn build(out: &Path) -> PathBuf {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["deb", "--profile", "dev", "--no-build", "--fast", "--output"])
        .arg(out)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let (stdout, stderr, code) = text(&output);
    assert_eq!(code, 0, "cargo deb: {stderr}");
    PathBuf::from(stdout.lines().last().unwrap().trim())
}

#[test]
fn the_package_passes_lintian_and_installs_as_documented() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    if !Command::new(&cargo).args(["deb", "--version"]).output().is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: cargo-deb is missing (cargo install cargo-deb; .ci/run installs it)");
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let deb = build(out.path());
    assert!(deb.exists(), "{deb:?}");

    // lintian: exit 0 with --fail-on error,warning; the overrides carry their reasons.
    let lint = Command::new("lintian").args(["--fail-on", "error,warning"]).arg(&deb).output();
    let lint = lint.expect("lintian (apt-get install lintian; .ci/run installs it)");
    let (stdout, stderr, code) = text(&lint);
    assert_eq!(code, 0, "lintian:\n{stdout}{stderr}");
    assert!(!stdout.lines().any(|l| l.starts_with("E:") || l.starts_with("W:")), "{stdout}");

    // The layout, read back from the archive.
    let root = tempfile::tempdir().unwrap();
    let x = Command::new("dpkg-deb").arg("-x").arg(&deb).arg(root.path()).output().unwrap();
    assert!(x.status.success(), "{x:?}");
    let r = root.path();
    for file in [
        "usr/bin/sportello",
        "etc/sportello/config.toml",
        "etc/cron.d/sportello",
        "etc/logrotate.d/sportello",
        "lib/systemd/system/sportello-import.service",
        "lib/systemd/system/sportello-import.timer",
        "lib/systemd/system/sportello-postal.service",
        "lib/systemd/system/sportello-postal.timer",
        "lib/systemd/system/sportello-mailbox.service",
        "lib/systemd/system/sportello-mailbox.timer",
        "usr/share/doc/sportello/changelog.Debian.gz",
        "usr/share/doc/sportello/copyright",
        "usr/share/man/man1/sportello.1.gz",
    ] {
        assert!(r.join(file).exists(), "{file} is not in the package");
    }
    let mode = |f: &str| std::fs::metadata(r.join(f)).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode("etc/sportello/config.toml"), 0o640, "never world-readable");
    // The copyright file is the project's licence, as a machine-readable file.
    let copyright = std::fs::read_to_string(r.join("usr/share/doc/sportello/copyright")).unwrap();
    let licence = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/LICENSE")).unwrap();
    let body: String =
        licence.lines().map(|l| if l.trim().is_empty() { " .\n".to_string() } else { format!(" {l}\n") }).collect();
    assert!(copyright.contains(&body), "packaging/debian/copyright differs from LICENSE: regenerate it");
    let control = Command::new("dpkg-deb").args(["--info"]).arg(&deb).arg("conffiles").output().unwrap();
    let conffiles = String::from_utf8_lossy(&control.stdout).to_string();
    for c in ["/etc/sportello/config.toml", "/etc/cron.d/sportello", "/etc/logrotate.d/sportello"] {
        assert!(conffiles.lines().any(|l| l.trim() == c), "{c} is not a conffile: {conffiles}");
    }
    // The cron file's jobs log where the package makes a directory; units are not enabled.
    let cron = std::fs::read_to_string(r.join("etc/cron.d/sportello")).unwrap();
    assert!(cron.contains("2>>/var/log/sportello/jobs.log") && cron.contains(" sportello  sportello "), "{cron}");
    if have("logrotate", "--version") {
        let state = out.path().join("logrotate.state");
        let check = Command::new("logrotate")
            .args(["--debug", "--state"])
            .arg(&state)
            .arg(r.join("etc/logrotate.d/sportello"))
            .output()
            .unwrap();
        let (_, stderr, code) = text(&check);
        assert!(code == 0 && !stderr.contains("error"), "logrotate: {stderr}");
    }
    let (v, _, code) = text(&Command::new(r.join("usr/bin/sportello")).arg("--version").output().unwrap());
    assert_eq!(code, 0);
    assert!(v.starts_with("sportello 0.1.0"), "{v}");

    install_for_real(&deb);
}

/// As root, where no sportello package is installed: dpkg installs it (postinst: the user, the
/// group, the directories, the configuration file's group), then purges it. Elsewhere skipped.
fn install_for_real(deb: &Path) {
    if uzers::get_effective_uid() != 0 {
        eprintln!("skipped the installation: dpkg needs root");
        return;
    }
    let installed = Command::new("dpkg-query").args(["-W", "-f", "${Status}", "sportello"]).output().unwrap();
    if String::from_utf8_lossy(&installed.stdout).contains("installed") {
        eprintln!("skipped the installation: a sportello package is installed on this machine");
        return;
    }
    let install = Command::new("dpkg").arg("--install").arg(deb).env("DEBIAN_FRONTEND", "noninteractive").output();
    let (stdout, stderr, code) = text(&install.unwrap());
    let purge = || {
        let out = Command::new("dpkg").args(["--purge", "sportello"]).output().unwrap();
        assert!(out.status.success(), "dpkg --purge: {out:?}");
    };
    if code != 0 {
        purge();
        panic!("dpkg --install: {stdout}{stderr}");
    }
    let checks = std::panic::catch_unwind(|| {
        let user = uzers::get_user_by_name("sportello").expect("postinst made the user sportello");
        let group = uzers::get_group_by_name("sportello").expect("postinst made the group sportello");
        assert!(user.uid() < 1000, "a system user");
        use std::os::unix::fs::MetadataExt;
        let meta = |p: &str| std::fs::metadata(p).unwrap_or_else(|e| panic!("{p}: {e}"));
        let config = meta("/etc/sportello/config.toml");
        assert_eq!((config.uid(), config.gid(), config.mode() & 0o7777), (0, group.gid(), 0o640));
        for dir in ["/var/lib/sportello", "/var/log/sportello"] {
            assert_eq!(meta(dir).uid(), user.uid(), "{dir} belongs to sportello");
        }
        // The batch user reads the configuration; the cron file's log is writable by it.
        let run_as = |who: &str, args: &[&str]| {
            text(
                &Command::new("runuser")
                    .args(["-u", who, "--", "/usr/bin/sportello"])
                    .args(args)
                    .current_dir("/")
                    .env_remove("SPORTELLO_CONFIG")
                    .env_remove("SPORTELLO_HOME")
                    .env("LANG", "C")
                    .env_remove("LC_ALL")
                    .output()
                    .unwrap(),
            )
        };
        let (_, stderr, code) = run_as("sportello", &["completions", "bash"]);
        assert!(code == 0 && !stderr.contains("config.toml"), "{stderr}");
        let touch = Command::new("runuser")
            .args(["-u", "sportello", "--", "sh", "-c", "echo test >> /var/log/sportello/jobs.log"])
            .output()
            .unwrap();
        assert!(touch.status.success(), "{touch:?}");
        // Another OS user cannot read the file: told so, and not failed for it.
        let (_, stderr, code) = run_as("nobody", &["completions", "bash"]);
        assert_eq!(code, 0, "{stderr}");
        assert!(stderr.contains("/etc/sportello/config.toml is not readable by you"), "{stderr}");
    });
    purge();
    assert!(!Path::new("/etc/sportello/config.toml").exists(), "purged");
    assert!(!Path::new("/var/log/sportello").exists(), "the logs go with the purge");
    if let Err(e) = checks {
        std::panic::resume_unwind(e);
    }
}
