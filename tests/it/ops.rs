//! Operations: `db status` for monitoring, the configuration file, the log and the progress
//! lines of cron jobs.

use std::path::Path;
use std::process::Output;

use crate::desk::code_in;
use crate::harness::{TestDb, text};

fn samples(name: &str) -> String {
    format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The binary with a clean environment for sportello: no database URL, no operator, no
/// configuration file unless the test gives one.
fn sportello(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = crate::harness::sportello();
    cmd.args(args);
    for var in ["SPORTELLO_DATABASE_URL", "SPORTELLO_HOME", "SPORTELLO_OPERATOR", "RUST_LOG", "XDG_CONFIG_HOME"] {
        cmd.env_remove(var);
    }
    cmd.env("SPORTELLO_CONFIG", "");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// Under target/tmp, which the server user can reach when the tests run as root.
fn home() -> tempfile::TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap()
}

#[test]
fn db_status_tells_monitoring_by_exit_code_and_json() {
    let home = home();
    let h = home.path().to_str().unwrap();

    // Never created: exit 4 ("not found").
    let out = sportello(&["--home", h, "db", "status", "--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(4), "{}", String::from_utf8_lossy(&out.stderr));
    let s = json(&out);
    assert_eq!((s["database"].as_str(), s["status"].as_str()), (Some("embedded"), Some("absent")), "{s}");
    assert!(s.get("migrations").is_none(), "{s}");
    let (stdout, _, code) = text(&sportello(&["--home", h, "db", "status"], &[]));
    assert_eq!(code, 4);
    assert!(stdout.contains("not created: `sportello db start` creates it"), "{stdout}");

    // Running: exit 0, every migration applied.
    let (_, stderr, code) = text(&sportello(&["--home", h, "db", "start"], &[]));
    assert_eq!(code, 0, "{stderr}");
    let out = sportello(&["--home", h, "db", "status", "--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(0));
    let s = json(&out);
    assert_eq!(s["status"], "running", "{s}");
    assert_eq!(s["stopped_on_purpose"], false, "{s}");
    assert!(s["migrations"]["applied"].as_u64().unwrap() >= 1, "{s}");
    assert_eq!(s["migrations"]["applied"], s["migrations"]["known"], "{s}");
    assert_eq!(s["migrations"]["pending"], serde_json::json!([]), "{s}");
    assert!(s["data_dir"].as_str().unwrap().ends_with("/postgres/data"), "{s}");

    // Stopped with `db stop`: exit 1, and it stays stopped whatever runs next.
    let (stdout, _, code) = text(&sportello(&["--home", h, "db", "stop"], &[]));
    assert_eq!(code, 0);
    assert!(stdout.contains("until `sportello db start`"), "{stdout}");
    let out = sportello(&["--home", h, "db", "status", "--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let s = json(&out);
    assert_eq!((s["status"].as_str(), s["stopped_on_purpose"].as_bool()), (Some("stopped"), Some(true)), "{s}");
    for args in [vec!["operator", "list"], vec!["db", "migrate"], vec!["search", "--cf", "RSSMRA"]] {
        let mut full = vec!["--home", h];
        full.extend(&args);
        let (_, stderr, code) = text(&sportello(&full, &[("SPORTELLO_OPERATOR", "admin")]));
        assert_eq!(code, 6, "{args:?}: {stderr}");
        assert!(
            stderr.contains("stopped with `sportello db stop`") && stderr.contains("`sportello db start`"),
            "{stderr}"
        );
    }
    assert_eq!(sportello(&["--home", h, "db", "status"], &[]).status.code(), Some(1), "still stopped");

    // `db start` lifts it.
    assert_eq!(sportello(&["--home", h, "db", "start"], &[]).status.code(), Some(0));
    assert_eq!(sportello(&["--home", h, "db", "status", "-q"], &[]).status.code(), Some(0));
    assert_eq!(sportello(&["--home", h, "db", "migrate"], &[]).status.code(), Some(0), "commands run again");
    sportello(&["--home", h, "db", "stop"], &[]);
}

#[tokio::test]
async fn db_status_of_a_server_given_by_url() {
    let db = TestDb::new().await;
    let out = db.cli(None, &["db", "status", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let s = json(&out);
    assert_eq!((s["database"].as_str(), s["status"].as_str()), (Some("server"), Some("running")), "{s}");
    assert_eq!(s["migrations"]["pending"], serde_json::json!([]), "{s}");
    assert!(!out.stdout.windows(4).any(|w| w == b"host"), "the URL is not printed: {s}");
    let home = home();
    let unreachable = format!("host={} dbname=nothing user=nobody", home.path().display());
    let (_, stderr, code) = text(&sportello(&["db", "status"], &[("SPORTELLO_DATABASE_URL", &unreachable)]));
    assert_eq!(code, 6, "{stderr}");
}

/// The data directory `db status` names: it shows which home won.
fn data_dir(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut full = args.to_vec();
    full.extend(["db", "status", "--format", "json"]);
    let out = sportello(&full, env);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    json(&out)["data_dir"].as_str().unwrap().to_string()
}

#[test]
fn configuration_file_environment_and_flags_in_that_order() {
    let dir = home();
    let d = dir.path();
    let (from_file, from_env, from_flag) = (d.join("file-home"), d.join("env-home"), d.join("flag-home"));
    let config = d.join("config.toml");
    std::fs::write(&config, format!("# sportello\nhome = \"{}\"\ncode_validity_days = 10\n", from_file.display()))
        .unwrap();
    let c = config.to_str().unwrap();
    let under = |dir: &Path| format!("{}/postgres/data", dir.canonicalize().unwrap().display());

    let got = data_dir(&[], &[("SPORTELLO_CONFIG", c)]);
    assert_eq!(got, under(&from_file), "the file alone");
    let got = data_dir(&[], &[("SPORTELLO_CONFIG", c), ("SPORTELLO_HOME", from_env.to_str().unwrap())]);
    assert_eq!(got, under(&from_env), "the environment wins over the file");
    let got = data_dir(
        &["--home", from_flag.to_str().unwrap()],
        &[("SPORTELLO_CONFIG", c), ("SPORTELLO_HOME", from_env.to_str().unwrap())],
    );
    assert_eq!(got, under(&from_flag), "the flag wins over both");

    // The user's file in its standard place.
    let xdg = d.join("xdg");
    std::fs::create_dir_all(xdg.join("sportello")).unwrap();
    std::fs::copy(&config, xdg.join("sportello/config.toml")).unwrap();
    let mut cmd = crate::harness::sportello();
    cmd.args(["db", "status", "--format", "json"])
        .env_remove("SPORTELLO_CONFIG")
        .env_remove("SPORTELLO_HOME")
        .env_remove("SPORTELLO_DATABASE_URL")
        .env("XDG_CONFIG_HOME", &xdg);
    let out = cmd.output().unwrap();
    assert_eq!(json(&out)["data_dir"].as_str().unwrap(), under(&from_file), "$XDG_CONFIG_HOME/sportello/config.toml");

    // A setting the library reads from the environment: the file's value reaches it.
    std::fs::write(&config, format!("home = \"{}\"\nmax_attempts = \"many\"\n", from_file.display())).unwrap();
    let register =
        ["register", "--cf", "RSSMRA85T10L219G", "--province", "TO", "--municipality", "Torino", "--no-prompt"];
    let (_, stderr, code) = text(&sportello(&register, &[("SPORTELLO_CONFIG", c)]));
    assert!(
        code != 0 && stderr.contains("SPORTELLO_MAX_ATTEMPTS must be a whole number from 1 to 100"),
        "{code} {stderr}"
    );
    let (_, stderr, _) = text(&sportello(
        &register,
        &[("SPORTELLO_CONFIG", c), ("SPORTELLO_MAX_ATTEMPTS", "3"), ("SPORTELLO_PG_BIN", "/none")],
    ));
    assert!(!stderr.contains("SPORTELLO_MAX_ATTEMPTS"), "the environment wins over the file: {stderr}");

    // Mistakes name the file; a file named by SPORTELLO_CONFIG must exist.
    std::fs::write(&config, "hoem = \"/tmp\"\n").unwrap();
    let (_, stderr, code) = text(&sportello(&["db", "status"], &[("SPORTELLO_CONFIG", c)]));
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains(c) && stderr.contains("unknown setting 'hoem'"), "{stderr}");
    std::fs::write(&config, "home = [1, 2]\n").unwrap();
    let (_, stderr, code) = text(&sportello(&["db", "status"], &[("SPORTELLO_CONFIG", c)]));
    assert_eq!(code, 3, "{stderr}");
    let missing = d.join("missing.toml");
    let (_, stderr, code) = text(&sportello(&["db", "status"], &[("SPORTELLO_CONFIG", missing.to_str().unwrap())]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("missing.toml"), "{stderr}");
}

#[test]
fn the_sample_configuration_is_valid_and_complete() {
    let text = std::fs::read_to_string(samples("config.toml")).unwrap();
    // Every setting is shown, commented out, so the sample changes nothing once installed.
    let uncommented: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).collect();
    assert!(uncommented.is_empty(), "{uncommented:?}");
    let enabled: String =
        text.lines().filter_map(|l| l.strip_prefix("# ").filter(|l| l.contains(" = "))).collect::<Vec<_>>().join("\n");
    let settings = sportello::config_file::parse(&enabled, Path::new("samples/config.toml")).unwrap();
    for (key, _) in sportello::config_file::SETTINGS {
        assert!(settings.iter().any(|s| s.key == *key), "samples/config.toml lacks {key}");
    }
}

/// Lines of a plain progress report: `2026-11-23T02:00:05+01:00 what: ...`.
fn progress_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.len() > 26 && chrono::DateTime::parse_from_rfc3339(&l[..25]).is_ok() && l.as_bytes()[25] == b' ')
        .collect()
}

#[tokio::test]
async fn cron_jobs_log_timestamped_phases_and_quiet_keeps_stderr_for_errors() {
    let db = TestDb::new().await;
    let out = db.cli(Some("admin"), &["import-cia", &samples("cia.csv"), "--preload", "Moncalieri"]);
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    let lines = progress_lines(&stderr);
    let started = lines.iter().position(|l| l.contains("cia.csv: started (")).unwrap_or_else(|| panic!("{stderr}"));
    assert!(lines[started].ends_with(" B)") || lines[started].contains("KiB)"), "the size has a unit: {stderr}");
    let read = lines.iter().position(|l| l.contains("cia.csv: file read (")).unwrap_or_else(|| panic!("{stderr}"));
    let preload = lines.iter().position(|l| l.contains("pre-load of Moncalieri: started")).expect(&stderr);
    let preloaded =
        lines.iter().position(|l| l.contains("pre-load of Moncalieri: 1 resident pre-loaded (")).expect(&stderr);
    assert!(started < read && read < preload && preload < preloaded, "{stderr}");
    assert!(!stderr.contains(" INFO "), "no log by default: {stderr}");

    let out = db.cli(Some("admin"), &["-q", "import-cia", &samples("cia.csv"), "--dry-run"]);
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(progress_lines(&stderr).is_empty(), "-q: no progress: {stderr}");
    let out = db.cli(Some("admin"), &["-q", "show", "--cf", "NOTAFISCALCODE00"]);
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 3);
    assert!(stderr.contains("invalid fiscal code"), "-q keeps the errors: {stderr}");
}

#[tokio::test]
async fn the_log_has_levels_and_never_a_secret() {
    let db = TestDb::new().await;
    let out = db.cli(Some("admin"), &["-v", "operator", "list"]);
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains(" INFO ") && stderr.contains("command=\"operator list\""), "{stderr}");
    assert!(stderr.contains("finished") && stderr.contains("exit=0"), "{stderr}");
    assert!(!stderr.contains("DEBUG"), "{stderr}");

    // RUST_LOG when no flag is given; -q wins over it.
    let mut cmd = crate::harness::sportello();
    cmd.args(["operator", "list"])
        .env("SPORTELLO_DATABASE_URL", db.url_as("admin"))
        .env("SPORTELLO_CONFIG", "")
        .env("RUST_LOG", "sportello=info");
    let (_, stderr, _) = text(&cmd.output().unwrap());
    assert!(stderr.contains(" INFO "), "{stderr}");
    let (_, stderr, _) = text(&cmd.arg("-q").output().unwrap());
    assert!(!stderr.contains(" INFO "), "{stderr}");

    // The most detailed log of a registration holds neither its activation code nor the key.
    let args = crate::cli::register_args("RSSMRA85T10L219G", &["-vvv"]);
    let out = db.cli(Some("admin"), &args);
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("TRACE") || stderr.contains("DEBUG") || stderr.contains(" INFO "), "{stderr}");
    let code = code_in(db.spooled().last().unwrap());
    assert!(!stderr.contains(&code), "the activation code is in the log: {stderr}");
    let key = std::fs::read(db.files.path().join("secret.key")).unwrap();
    assert!(!stderr.contains(&hex::encode(&key)), "{stderr}");
}
