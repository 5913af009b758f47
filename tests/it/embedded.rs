//! The embedded default: a newcomer's first commands, with no database configured.

use std::process::Command;

use crate::harness::text;

fn sportello(home: &std::path::Path, args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_sportello"))
        .args(args)
        .env("SPORTELLO_HOME", home)
        .env_remove("SPORTELLO_DATABASE_URL")
        .env("SPORTELLO_CONFIG", "")
        .env("SPORTELLO_OPERATOR", "mrossi")
        .output()
        .unwrap();
    text(&out)
}

#[test]
fn first_commands_start_a_private_cluster() {
    // Under target/tmp, which the server user can reach when the tests run as root.
    let home = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let h = home.path();
    let (_, stderr, code) =
        sportello(h, &["operator", "add", "mrossi", "--name", "Maria Rossi", "--ente", "ASL TO4", "--province", "TO"]);
    assert_eq!(code, 0, "{stderr}");
    let (stdout, _, _) = sportello(h, &["db", "status"]);
    assert!(
        stdout.contains("embedded cluster (running)") && stdout.contains(" applied") && !stdout.contains("pending"),
        "{stdout}"
    );
    let samples = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/cia.csv");
    let (_, stderr, code) = sportello(h, &["import-cia", samples]);
    assert_eq!(code, 0, "{stderr}");
    let (stdout, stderr, code) = sportello(
        h,
        &[
            "register",
            "--cf",
            "RSSMRA85T10L219G",
            "--province",
            "TO",
            "--municipality",
            "Torino",
            "--email",
            "mario.rossi@example.it",
            "--no-prompt",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("pre-filled from CIA"), "{stderr}");
    assert!(stdout.contains("booked verification") && stdout.contains("-pin.pdf"), "{stdout}");
    let (stdout, _, code) = sportello(h, &["search", "--last-name", "rossi", "--format", "csv"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("RSSMRA85T10L219G"), "{stdout}");
    let (stdout, stderr, code) = sportello(h, &["db", "stop"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("stopped"));
    // Stopped on purpose: it stays stopped until `db start`.
    let (_, stderr, code) = sportello(h, &["search", "--cf", "RSSMRA", "--format", "json"]);
    assert_eq!(code, 6, "{stderr}");
    assert!(stderr.contains("sportello db start"), "{stderr}");
    let (_, stderr, code) = sportello(h, &["db", "start"]);
    assert_eq!(code, 0, "{stderr}");
    let (stdout, _, code) = sportello(h, &["search", "--cf", "RSSMRA", "--format", "json"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("\"state\": \"riscontrato\""), "{stdout}");
    sportello(h, &["db", "stop"]);
}

#[test]
fn missing_server_binaries_say_how_to_install_them() {
    let home = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sportello"))
        .args(["db", "start"])
        .env("SPORTELLO_HOME", home.path())
        .env("SPORTELLO_PG_BIN", "/nonexistent")
        .env_remove("SPORTELLO_DATABASE_URL")
        .output()
        .unwrap();
    let (_, stderr, code) = text(&out);
    assert_eq!(code, 6, "{stderr}");
    assert!(stderr.contains("apt-get install postgresql"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}
