//! The embedded default: a newcomer's first commands, with no database configured.

use std::process::Command;

use crate::harness::text;

/// The binary on the embedded default of `home`, with nothing from the machine's settings.
pub(crate) fn on_home(home: &std::path::Path) -> Command {
    let mut cmd = crate::harness::sportello();
    cmd.env("SPORTELLO_HOME", home)
        .env_remove("SPORTELLO_DATABASE_URL")
        .env("SPORTELLO_CONFIG", "")
        .env_remove("SPORTELLO_OPERATOR");
    cmd
}

fn sportello(home: &std::path::Path, args: &[&str]) -> (String, String, i32) {
    text(&on_home(home).args(args).output().unwrap())
}

/// Runs the binary as another OS user (peer authentication makes them that login).
fn sportello_as(user: &str, home: &std::path::Path, args: &[&str]) -> (String, String, i32) {
    sportello_as_with(user, home, &[], args)
}

/// [`sportello_as`], with these settings in the environment.
fn sportello_as_with(
    user: &str,
    home: &std::path::Path,
    settings: &[(&str, &std::path::Path)],
    args: &[&str],
) -> (String, String, i32) {
    let out = Command::new("runuser")
        .args(["-u", user, "--", env!("CARGO_BIN_EXE_sportello")])
        .args(args)
        .current_dir("/")
        .env("SPORTELLO_HOME", home)
        .env("SPORTELLO_CONFIG", "")
        .env_remove("SPORTELLO_DATABASE_URL")
        .env_remove("SPORTELLO_OPERATOR")
        .envs(settings.iter().copied())
        .output()
        .unwrap();
    text(&out)
}

/// An OS user of the tests (created once; system account, no home, no shell).
pub(crate) fn os_user(name: &str) {
    let exists = Command::new("id").arg(name).output().unwrap().status.success();
    if !exists {
        let out = Command::new("useradd")
            .args(["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name])
            .output()
            .unwrap();
        // Another test run may have made it meanwhile.
        assert!(
            out.status.success() || Command::new("id").arg(name).output().unwrap().status.success(),
            "useradd {name}: {out:?}"
        );
    }
}

fn me() -> String {
    sportello::store::embedded::os_user().unwrap()
}

#[test]
fn first_commands_start_a_private_cluster() {
    // Under target/tmp, which the server user can reach when the tests run as root.
    let home = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let h = home.path();
    // Before the first administrator, the OS user is not an operator yet.
    let (_, stderr, code) = sportello(h, &["search", "--last-name", "rossi"]);
    assert_eq!(code, 5, "{stderr}");
    // The cluster's owner, the OS user who made it, is the first administrator.
    let (stdout, stderr, code) = sportello(
        h,
        &[
            "operator",
            "bootstrap",
            "--name",
            "Maria Rossi",
            "--ente",
            "ASL TO4",
            "--province",
            "TO",
            "--role",
            "desk,batch",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(&me()) && stdout.contains("desk, batch, admin"), "{stdout}");
    let (_, stderr, code) =
        sportello(h, &["operator", "bootstrap", "--name", "Maria Rossi", "--ente", "ASL TO4", "--province", "TO"]);
    assert_eq!(code, 5, "once only: {stderr}");
    let (stdout, _, _) = sportello(h, &["db", "status"]);
    assert!(
        stdout.contains("embedded cluster (running)") && stdout.contains(" applied") && !stdout.contains("pending"),
        "{stdout}"
    );
    // The server loads PL/pgSQL once, not each command's new backend at its first api call.
    let psql = sportello::store::embedded::find_psql().expect("psql of the server binaries");
    let cluster = sportello::store::embedded::Cluster::new(h).unwrap();
    let out = Command::new(psql)
        .args(["-X", "-At", "-p", "5432", "-d", "sportello", "-c", "SHOW shared_preload_libraries", "-h"])
        .arg(cluster.socket_dir())
        .args(["-U", &cluster.superuser()])
        .env_remove("PGPASSWORD")
        .output()
        .unwrap();
    let (stdout, stderr, code) = text(&out);
    assert_eq!((code, stdout.trim()), (0, "plpgsql"), "{stderr}");
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

/// Several desk staff share one embedded cluster, each as their own OS user: the database
/// authenticates them by peer authentication, and a name on the command line changes nothing.
#[test]
fn each_os_user_is_their_own_operator() {
    if uzers::get_effective_uid() != 0 {
        eprintln!("skipped: creating OS users needs root");
        return;
    }
    let (desk, stranger) = ("sptdesk", "sptstranger");
    os_user(desk);
    os_user(stranger);
    let home = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let h = home.path();
    // A home the staff share (like /srv/sportello).
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(h, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (_, stderr, code) = sportello(
        h,
        &[
            "operator",
            "bootstrap",
            "--name",
            "Maria Rossi",
            "--ente",
            "ASL TO4",
            "--province",
            "TO",
            "--role",
            "desk,auditor",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let (_, stderr, code) = sportello(
        h,
        &["operator", "add", desk, "--name", "Desk Staff", "--ente", "ASL TO4", "--province", "TO", "--role", "desk"],
    );
    assert_eq!(code, 0, "{stderr}");

    let (stdout, stderr, code) = sportello_as(desk, h, &["operator", "whoami", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(&format!("\"id\": \"{desk}\"")), "{stdout}");
    let (_, stderr, code) = sportello_as(desk, h, &["search", "--last-name", "rossi"]);
    assert_eq!(code, 0, "{stderr}");
    // Claiming to be the administrator: refused, and recorded.
    let (_, stderr, code) = sportello_as(desk, h, &["--operator", &me(), "search", "--last-name", "rossi"]);
    assert_eq!(code, 5, "{stderr}");
    assert!(stderr.contains(&format!("you are authenticated as {desk}, not as {}", me())), "{stderr}");
    // A desk operator is no administrator, and may not migrate or administer the cluster.
    let (_, stderr, code) =
        sportello_as(desk, h, &["operator", "add", "x", "--name", "X", "--ente", "E", "--province", "TO"]);
    assert_eq!(code, 5, "{stderr}");
    assert!(stderr.contains("needs the role admin"), "{stderr}");
    let (_, stderr, code) = sportello_as(desk, h, &["db", "migrate"]);
    assert_eq!(code, 5, "{stderr}");
    // The service key is the owner's until shared: a command that needs it says so (exit 5).
    let register =
        ["register", "--cf", "RSSMRA85T10L219G", "--province", "TO", "--municipality", "Torino", "--no-prompt"];
    let (_, stderr, code) = sportello_as(desk, h, &register);
    assert_eq!(code, 5, "{stderr}");
    assert!(stderr.contains("you may not read the key file"), "{stderr}");
    // Shared with the clerk's group (here the clerk's own), it works for them.
    let key = h.join("secret.key");
    let gid = uzers::get_user_by_name(desk).unwrap().primary_group_id();
    std::os::unix::fs::chown(&key, None, Some(gid)).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).unwrap();
    let (_, stderr, code) = sportello_as(desk, h, &register);
    assert!(code != 5 && !stderr.contains("key file"), "{code} {stderr}");
    // The letters directory of the shared home is the owner's: a clerk is told which setting
    // gives them one of their own.
    let (_, stderr, code) = sportello_as(desk, h, &crate::cli::register_args("RSSMRA85T10L219G", &["--no-prompt"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("is not yours") && stderr.contains("set SPORTELLO_LETTERS_DIR"), "{stderr}");
    // With letters of their own, the shared home's outbox is next (every notice and code email
    // would fail): the clerk is told before anything is done, and so by doctor.
    let letters = h.join(format!("letters-{desk}"));
    std::fs::create_dir(&letters).unwrap();
    let uid = uzers::get_user_by_name(desk).unwrap().uid();
    std::os::unix::fs::chown(&letters, Some(uid), Some(gid)).unwrap();
    std::fs::set_permissions(&letters, std::fs::Permissions::from_mode(0o700)).unwrap();
    let own_letters = [("SPORTELLO_LETTERS_DIR", letters.as_path())];
    let (_, stderr, code) =
        sportello_as_with(desk, h, &own_letters, &crate::cli::register_args("RSSMRA85T10L219G", &["--no-prompt"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("the outbox") && stderr.contains("set SPORTELLO_OUTBOX"), "{stderr}");
    let (stdout, stderr, code) = sportello_as_with(desk, h, &own_letters, &["doctor"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("ok    letters") && stdout.contains("FAIL  outbox"), "{stdout}");
    assert!(stderr.contains("set SPORTELLO_OUTBOX"), "{stderr}");
    // Only the cluster's owner stops it (it stops every clerk's work).
    let (_, stderr, code) = sportello_as(desk, h, &["db", "stop"]);
    assert_eq!(code, 5, "{stderr}");
    assert!(stderr.contains("only the cluster's owner") && stderr.contains(&me()), "{stderr}");
    // An OS user who is not an operator gets nothing.
    let (_, stderr, code) = sportello_as(stranger, h, &["search", "--last-name", "rossi"]);
    assert_eq!(code, 5, "{stderr}");
    assert!(stderr.contains("did not accept you as an operator"), "{stderr}");

    let (stdout, stderr, code) = sportello(h, &["audit", "--operator-id", desk, "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let rows: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let seen: Vec<(String, String, String)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
            (s("action"), s("outcome"), s("target"))
        })
        .collect();
    assert!(seen.contains(&("search".into(), "ok".into(), String::new())), "{seen:?}");
    assert!(seen.contains(&("command".into(), "refused".into(), me())), "the claim, with its target: {seen:?}");
    assert!(seen.contains(&("command".into(), "refused".into(), "x".into())), "the role refusal: {seen:?}");
    sportello(h, &["db", "stop"]);
}

#[test]
fn missing_server_binaries_say_how_to_install_them() {
    let home = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let out = crate::harness::sportello()
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

/// psql as `os_user` on the embedded cluster's socket, logging in as `role`.
fn psql_as(os_user: &str, socket: &str, role: &str, sql: &str) -> (String, String, i32) {
    psql_in(os_user, socket, role, "sportello", sql)
}

fn psql_in(os_user: &str, socket: &str, role: &str, database: &str, sql: &str) -> (String, String, i32) {
    let psql = sportello::store::embedded::find_psql().expect("psql of the server binaries");
    let out = Command::new("runuser")
        .args(["-u", os_user, "--"])
        .arg(psql)
        .args(["-X", "-At", "-h", socket, "-p", "5432", "-U", role, "-d", database, "-c", sql])
        .current_dir("/")
        .env_remove("PGPASSWORD")
        .output()
        .unwrap();
    text(&out)
}

/// Only the cluster's owner reaches the superuser. An OS user named `sportello` (the Debian
/// package's system user) is mapped to the login of its own name only: it reads nothing before
/// it is an operator, and is then an ordinary batch operator that runs the batch jobs.
#[test]
fn only_the_owner_is_the_superuser_and_sportello_is_an_ordinary_operator() {
    if uzers::get_effective_uid() != 0 {
        eprintln!("skipped: creating OS users needs root");
        return;
    }
    os_user("sportello");
    let home = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let h = home.path();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(h, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (_, stderr, code) = sportello(
        h,
        &[
            "operator",
            "bootstrap",
            "--name",
            "Maria Rossi",
            "--ente",
            "ASL TO4",
            "--province",
            "TO",
            "--role",
            "desk,batch",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let (stdout, _, _) = sportello(h, &["db", "status", "--format", "json"]);
    let status: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let socket = status["socket_dir"].as_str().unwrap().to_string();

    // Neither by the superuser's name, nor the legacy one, nor the owner's login.
    for role in [sportello::store::embedded::SUPERUSER, "sportello", &me(), "postgres"] {
        let (_, stderr, code) = psql_as("sportello", &socket, role, "SELECT 1");
        assert_ne!(code, 0, "the OS user sportello logged in as {role}");
        assert!(stderr.contains("authentication failed") || stderr.contains("does not exist"), "{role}: {stderr}");
    }
    // The owner does reach the superuser (the migrations, the first administrator).
    let (stdout, stderr, code) = psql_as(
        &me(),
        &socket,
        sportello::store::embedded::SUPERUSER,
        "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
    );
    assert_eq!((stdout.trim(), code), ("t", 0), "{stderr}");

    // The owner makes `sportello` a batch operator; the key is shared with its group.
    let (_, stderr, code) = sportello(
        h,
        &["operator", "add", "sportello", "--name", "Cron", "--ente", "ASL TO4", "--province", "TO", "--role", "batch"],
    );
    assert_eq!(code, 0, "{stderr}");
    let (stdout, stderr, code) = psql_as(
        "sportello",
        &socket,
        "sportello",
        "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user",
    );
    assert_eq!((stdout.trim(), code), ("sportello|f", 0), "an ordinary login: {stderr}");
    let (_, _, code) = psql_as("sportello", &socket, "sportello", "SELECT pin_hash FROM registration_credentials");
    assert_ne!(code, 0, "no secret is read by the batch login");
    // Nor does it run code of its own in the cluster's other databases (a DO block there writes
    // to the server's log), which the owner still reaches.
    for database in ["postgres", "template1"] {
        let (_, stderr, code) =
            psql_in("sportello", &socket, "sportello", database, "DO $$ BEGIN RAISE LOG 'x'; END $$");
        assert_ne!(code, 0, "{database}");
        assert!(stderr.contains("permission denied for database"), "{database}: {stderr}");
        let (_, stderr, code) = psql_in(&me(), &socket, sportello::store::embedded::SUPERUSER, database, "SELECT 1");
        assert_eq!(code, 0, "{database}: {stderr}");
    }
    let key = h.join("secret.key");
    let gid = uzers::get_group_by_name("sportello").unwrap().gid();
    std::os::unix::fs::chown(&key, None, Some(gid)).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).unwrap();
    let (stdout, stderr, code) = sportello_as("sportello", h, &["operator", "whoami", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("\"id\": \"sportello\"") && stdout.contains("batch"), "{stdout}");
    let samples = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/cia.csv");
    let (_, stderr, code) = sportello_as("sportello", h, &["import-cia", samples]);
    assert_eq!(code, 0, "the batch job runs as sportello: {stderr}");
    sportello(h, &["db", "stop"]);
}
