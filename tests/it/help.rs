//! Help, examples, manual pages and version, as an operator reads them.

use std::path::Path;
use std::process::{Command, Output};

use sportello::domain::FiscalCode;

use crate::harness::text;

fn sportello(args: &[&str], columns: u32) -> Output {
    crate::harness::sportello()
        .args(args)
        .env("COLUMNS", columns.to_string())
        .env("SPORTELLO_CONFIG", "")
        .output()
        .unwrap()
}

fn help(path: &[String], columns: u32) -> String {
    let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
    args.push("--help");
    let out = sportello(&args, columns);
    let (stdout, stderr, code) = text(&out);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    stdout
}

/// The subcommands listed under "Commands:" in a help text.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(String::from)
        .collect()
}

/// Every command path (`["db", "start"]`, `["book"]`, ...), the program itself first.
fn every_command() -> Vec<Vec<String>> {
    let mut all = vec![vec![]];
    let mut i = 0;
    while i < all.len() {
        let path = all[i].clone();
        for sub in subcommands(&help(&path, 200)) {
            let mut p = path.clone();
            p.push(sub);
            all.push(p);
        }
        i += 1;
    }
    all
}

/// The "Examples:" block of a help text, as printed.
fn examples_block(help: &str) -> String {
    help.lines()
        .skip_while(|l| *l != "Examples:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The example command lines, continuation lines (`\`) joined.
fn example_commands(block: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut continued = false;
    for line in block.lines() {
        let part = line.trim().trim_end_matches('\\').trim_end();
        if continued {
            out.last_mut().unwrap().push(' ');
            out.last_mut().unwrap().push_str(part);
        } else {
            out.push(part.to_string());
        }
        continued = line.trim_end().ends_with('\\');
    }
    out
}

/// Looks like a fiscal code: 6 letters, 2 digits, a letter, 2 digits, a letter, 3 digits, a
/// letter (digits possibly replaced by the omocodia letters).
fn looks_like_fiscal_code(t: &str) -> bool {
    let b = t.as_bytes();
    let digit = |c: u8| c.is_ascii_digit() || b"LMNPQRSTUV".contains(&c);
    b.len() == 16
        && b.iter().enumerate().all(|(i, &c)| match i {
            0..=5 | 8 | 11 | 15 => c.is_ascii_uppercase(),
            _ => digit(c),
        })
}

#[test]
fn examples_are_never_wrapped_and_their_fiscal_codes_are_valid() {
    let mut commands = 0;
    let mut codes = Vec::new();
    for path in every_command() {
        let narrow = help(&path, 80);
        let wide = help(&path, 400);
        let block = examples_block(&narrow);
        let leaf = subcommands(&wide).is_empty();
        assert!(!leaf || !block.is_empty(), "sportello {path:?} --help has no examples:\n{narrow}");
        assert_eq!(block, examples_block(&wide), "sportello {path:?}: examples wrapped at 80 columns");
        for example in example_commands(&block) {
            commands += 1;
            assert!(
                example.starts_with("sportello ")
                    || example.starts_with("export ")
                    || example.starts_with("SPORTELLO_"),
                "{path:?}: not a command line: {example:?}"
            );
            let words: Vec<&str> = example.split_whitespace().map(|w| w.trim_matches('\'')).collect();
            for (i, w) in words.iter().enumerate() {
                let flagged = i > 0 && matches!(words[i - 1], "--cf" | "--delegate-cf") && w.len() == 16;
                if flagged || looks_like_fiscal_code(w) {
                    let fc = FiscalCode::parse(w);
                    assert!(fc.is_ok(), "sportello {path:?}: invalid fiscal code {w} in {example:?}: {fc:?}");
                    codes.push(w.to_string());
                }
            }
        }
    }
    assert!(commands >= 40, "only {commands} examples found");
    assert!(codes.len() >= 20, "only {} fiscal codes found: {codes:?}", codes.len());
}

#[test]
fn global_options_have_their_own_heading() {
    let book = help(&["book".into()], 200);
    let global = book.find("Global options:").unwrap_or_else(|| panic!("{book}"));
    for flag in ["--database-url", "--home", "--operator <ID>", "--format", "--verbose", "--quiet"] {
        assert!(book[global..].contains(flag), "{flag} not under Global options:\n{book}");
    }
    for flag in ["--cf", "--operation", "--delegate-cf", "--print-code"] {
        assert!(book[..global].contains(flag), "{flag} not among book's own options:\n{book}");
    }
    assert!(!book.contains("--print "), "the old name is hidden: {book}");
    for flag in ["--wide", "--no-headers"] {
        assert!(book[global..].contains(flag), "{flag} not under Global options:\n{book}");
    }
}

/// `--help` names the environment variables but never their values (`[env: SPORTELLO_HOME=]`
/// was noise, and a value may be private).
#[test]
fn help_never_shows_the_values_of_the_environment() {
    let out = crate::harness::sportello()
        .args(["search", "--help"])
        .env("SPORTELLO_CONFIG", "")
        .env("SPORTELLO_HOME", "/srv/sportello-private")
        .env("SPORTELLO_OPERATOR", "maria.rossi")
        .env("SPORTELLO_DATABASE_URL", "postgresql://maria:secret@db/sportello")
        .output()
        .unwrap();
    let (help, stderr, code) = text(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(help.contains("[env: SPORTELLO_HOME]"), "{help}");
    for value in ["/srv/sportello-private", "maria", "secret", "SPORTELLO_HOME="] {
        assert!(!help.contains(value), "{value} in --help:\n{help}");
    }
}

#[test]
fn a_missing_key_names_every_way_to_give_it() {
    for (args, keys) in [
        (vec!["show"], vec!["--cf", "--number"]),
        (vec!["book", "--operation", "pin"], vec!["--cf", "--number"]),
        (vec!["regenerate-code"], vec!["--cf", "--number", "--mailbox"]),
        (vec!["print-letters"], vec!["--cf", "--number", "--postal-run"]),
        (vec!["revoke"], vec!["--letters", "--cf"]),
    ] {
        let (_, stderr, code) = text(&sportello(&args, 80));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        for key in keys {
            assert!(stderr.contains(key), "{args:?} should mention {key}: {stderr}");
        }
    }
}

#[test]
fn man_pages_are_in_sync() {
    let generated = tempfile::tempdir().unwrap();
    let out = sportello(&["man", "--write", generated.path().to_str().unwrap()], 80);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let names = |dir: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .map(|d| d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        v.sort();
        v
    };
    if std::env::var_os("UPDATE_MAN").is_some() {
        let _ = std::fs::remove_dir_all(&committed);
        std::fs::create_dir_all(&committed).unwrap();
        for name in names(generated.path()) {
            std::fs::copy(generated.path().join(&name), committed.join(&name)).unwrap();
        }
    }
    let fresh = names(generated.path());
    assert!(fresh.len() > 20 && fresh.contains(&"sportello-book.1".to_string()), "{fresh:?}");
    assert_eq!(names(&committed), fresh, "man/ is stale: run `UPDATE_MAN=1 cargo test man_pages`");
    for name in fresh {
        let same =
            std::fs::read(generated.path().join(&name)).unwrap() == std::fs::read(committed.join(&name)).unwrap();
        assert!(same, "man/{name} is stale: run `UPDATE_MAN=1 cargo test man_pages`");
    }
}

#[test]
fn man_prints_the_page_of_a_command() {
    let (page, stderr, code) = text(&sportello(&["man", "db", "status"], 80));
    assert_eq!(code, 0, "{stderr}");
    assert!(page.contains(".TH sportello-db-status 1"), "{page}");
    assert!(page.contains(".SH \"GLOBAL OPTIONS\"") || page.contains(".SH GLOBAL OPTIONS"), "{page}");
    // Examples are kept as lines, never filled into one paragraph.
    assert!(page.contains(".SH EXAMPLES\n.RS 4\n.nf\nsportello db status\n"), "{page}");
    let (same, _, _) = text(&sportello(&["man", "db-status"], 80));
    assert_eq!(same, page);
    let (page, _, code) = text(&sportello(&["man"], 80));
    assert_eq!(code, 0);
    assert!(page.contains(".TH sportello 1") && page.contains("sportello\\-book"), "{page}");
    let (_, stderr, code) = text(&sportello(&["man", "bok"], 80));
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("no manual page for 'bok'") && stderr.contains("book"), "{stderr}");
    // What man(1) makes of it, when it is installed.
    if Command::new("man").arg("--version").output().is_ok_and(|o| o.status.success()) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sportello-book.1");
        std::fs::write(&file, sportello(&["man", "book"], 80).stdout).unwrap();
        let out =
            Command::new("man").arg("-l").arg(&file).env("MANPAGER", "cat").env("COLUMNS", "80").output().unwrap();
        let shown = String::from_utf8_lossy(&out.stdout);
        assert!(shown.contains("sportello book --cf RSSMRA85T10L219G --operation verification"), "{shown}");
    }
}

#[test]
fn version_names_the_commit_and_the_build_date() {
    let (stdout, stderr, code) = text(&sportello(&["--version"], 80));
    assert_eq!(code, 0, "{stderr}");
    let line = stdout.trim();
    let rest = line.strip_prefix(&format!("sportello {} (commit ", env!("CARGO_PKG_VERSION"))).unwrap_or_else(|| {
        panic!("{line}");
    });
    let (commit, date) =
        rest.strip_suffix(')').and_then(|r| r.split_once(", built ")).unwrap_or_else(|| panic!("{line}"));
    assert!(commit == "unknown" || (commit.len() >= 7 && commit.chars().all(|c| c.is_ascii_hexdigit())), "{line}");
    assert!(chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok(), "{line}");
    // Built from this checkout: the commit is the one git names (the binary may predate a
    // commit made since, so only its shape is checked unless HEAD is where it was built).
    let git = Command::new("git").args(["-C", env!("CARGO_MANIFEST_DIR"), "rev-parse", "HEAD"]).output();
    if git.is_ok_and(|out| out.status.success()) {
        assert_ne!(commit, "unknown", "{line}");
    }
}

#[tokio::test]
async fn old_flag_names_still_work_as_hidden_aliases() {
    let db = crate::harness::TestDb::new().await;
    db.cli(Some("admin"), &["search", "--cf", "RSSMRA"]);
    let new = db.cli(Some("admin"), &["audit", "--by-operator", "admin", "--action", "search", "--format", "json"]);
    let old = db.cli(Some("admin"), &["audit", "--operator-id", "admin", "--action", "search", "--format", "json"]);
    let (stdout, stderr, code) = text(&new);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("\"search\""), "{stdout}");
    let records = |o: &Output| -> Vec<serde_json::Value> {
        let v: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
        v.into_iter().filter(|r| r["action"] == "search").map(|r| r["id"].clone()).collect()
    };
    assert_eq!(records(&new), records(&old));
    // --print (now --print-code) is still understood: the command runs and finds nothing.
    for flag in ["--print", "--print-code"] {
        let (_, stderr, code) = text(&db.cli(Some("admin"), &["regenerate-code", "--number", "999", flag]));
        assert_eq!(code, 4, "{flag}: {stderr}");
    }
}

/// A setting given by the environment is not something to type: usage lines show only what the
/// operator must give (not `--home <DIR>` because SPORTELLO_HOME is set), in both languages.
#[test]
fn usage_lines_show_only_what_must_be_typed() {
    for lang in ["C", "it_IT.UTF-8"] {
        let out = crate::harness::sportello()
            .args(["suspend", "--reason", "citizen-request"])
            .env("SPORTELLO_CONFIG", "")
            .env("SPORTELLO_HOME", "/srv/sportello-private")
            .env("SPORTELLO_OPERATOR", "maria.rossi")
            .env("SPORTELLO_DATABASE_URL", "postgresql://maria@db/sportello")
            .env("LANG", lang)
            .output()
            .unwrap();
        let (_, stderr, code) = text(&out);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("--cf"), "{lang}: {stderr}");
        if lang == "C" {
            assert!(
                stderr.contains("Usage: sportello suspend --reason <REASON> <--cf <CF>|--number <NUMBER>>"),
                "{stderr}"
            );
        }
        for flag in ["--home", "--database-url", "--operator"] {
            assert!(!stderr.contains(flag), "{lang}: {flag} in\n{stderr}");
        }
    }
}
