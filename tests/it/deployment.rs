//! The README's "Deploying on a PostgreSQL server", done as written: its code blocks are read
//! from README.md and run in order against a PostgreSQL server of this test's own on loopback
//! (initdb, as the `postgres` OS user when we are root), so the README and this test cannot
//! drift apart. What the test supplies is only what a real site has and the README cannot show:
//! the server's address and port (`PGHOSTADDR`/`PGPORT`: the URLs keep `db.example`, the name the
//! server's certificate carries and `verify-full` checks), the passwords written `…`, the
//! addresses of pg_hba (all 127.0.0.1), one directory per machine for the key file, and the
//! citizen and registry file of the first day's work: a desk registration with booking over TLS
//! with a client certificate, a nightly import by the cron login over SCRAM, and `audit verify`
//! by the auditor.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::fixtures::{cf, date};

const SUPERUSER: &str = "deploy_dba";
const SERVER_USER: &str = "postgres";
const SECTION: &str = "## Deploying on a PostgreSQL server";

fn is_root() -> bool {
    uzers::get_effective_uid() == 0
}

fn bin_dir() -> PathBuf {
    sportello::store::embedded::Cluster::new(Path::new(env!("CARGO_TARGET_TMPDIR")))
        .unwrap()
        .bin_dir()
        .expect("the PostgreSQL server binaries")
}

/// A server tool, as the server user when we are root; panics with its output on failure.
fn tool(name: &str, args: &[&OsStr]) {
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", SERVER_USER, "--"]).arg(bin_dir().join(name));
        c
    } else {
        Command::new(bin_dir().join(name))
    };
    let out = cmd.args(args).current_dir("/").output().unwrap();
    assert!(out.status.success(), "{name} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn give(path: &Path) {
    if is_root() {
        let out = Command::new("chown").args(["-R", "postgres:postgres"]).arg(path).output().unwrap();
        assert!(out.status.success());
    }
}

/// One fenced block of the section: the step it belongs to, its language and its text
/// (de-indented from the list item).
#[derive(Debug, Clone)]
struct Block {
    step: u32,
    lang: String,
    text: String,
}

/// The code blocks of the README's deployment section, in order.
fn readme_blocks() -> Vec<Block> {
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme.find(SECTION).expect("README.md has the deployment section");
    let rest = &readme[start + SECTION.len()..];
    let section = &rest[..rest.find("\n## ").unwrap_or(rest.len())];
    let mut blocks = Vec::new();
    let mut step = 0;
    let mut open: Option<(String, Vec<String>)> = None;
    for line in section.lines() {
        let trimmed = line.trim_start();
        if let Some((lang, body)) = open.as_mut() {
            if trimmed == "```" {
                blocks.push(Block { step, lang: lang.clone(), text: body.join("\n") + "\n" });
                open = None;
            } else {
                // List-item blocks are indented by three spaces.
                body.push(line.strip_prefix("   ").unwrap_or(line).to_string());
            }
            continue;
        }
        if let Some(lang) = trimmed.strip_prefix("```") {
            open = Some((lang.to_string(), Vec::new()));
        } else if let Some((n, _)) = line.split_once(". **")
            && let Ok(n) = n.parse::<u32>()
        {
            step = n;
        }
    }
    assert!(open.is_none(), "an unclosed code block in the deployment section");
    blocks
}

/// The blocks of one step, checked against the languages the test expects (a block added,
/// removed or moved in the README fails here, naming the step, rather than later).
fn step(blocks: &[Block], n: u32, langs: &[&str]) -> Vec<String> {
    let got: Vec<&Block> = blocks.iter().filter(|b| b.step == n).collect();
    let got_langs: Vec<&str> = got.iter().map(|b| b.lang.as_str()).collect();
    assert_eq!(got_langs, langs, "the code blocks of step {n} of the README's deployment section");
    got.iter().map(|b| b.text.clone()).collect()
}

struct Site {
    dir: PathBuf,
    data: PathBuf,
    /// The working directory of every command: the DBA's files (CA, certificates) and the
    /// relative paths of the README's URLs.
    work: PathBuf,
    port: u16,
    passwords: BTreeMap<&'static str, String>,
}

impl Drop for Site {
    fn drop(&mut self) {
        if self.data.join("postmaster.pid").exists() {
            let mut cmd = if is_root() {
                let mut c = Command::new("runuser");
                c.args(["-u", SERVER_USER, "--"]).arg(bin_dir().join("pg_ctl"));
                c
            } else {
                Command::new(bin_dir().join("pg_ctl"))
            };
            let _ = cmd.args(["stop", "-m", "immediate", "-D"]).arg(&self.data).output();
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

impl Site {
    /// The README's `…` on a line naming `user` is that user's password.
    fn with_password(&self, line: &str) -> String {
        match self.passwords.iter().find(|(user, _)| line.contains(*user)) {
            Some((_, pw)) => line.replace('…', pw),
            None => line.to_string(),
        }
    }

    /// SQL as the superuser over the server's unix socket (the DBA's own way in), statement by
    /// statement (CREATE DATABASE cannot run inside the one transaction of `psql -c`).
    fn superuser_sql(&self, sql: &str) {
        self.psql(&["-h", self.dir.join("run").to_str().unwrap(), "-U", SUPERUSER, "-d", "postgres"], sql);
    }

    fn psql(&self, conn: &[&str], sql: &str) -> String {
        let sql: Vec<String> = sql.lines().map(|l| self.with_password(l)).collect();
        let mut psql = Command::new(bin_dir().join("psql"));
        self.env(&mut psql);
        if conn.contains(&"-h") {
            // The socket of `-h`, not the TCP address standing for db.example.
            psql.env_remove("PGHOSTADDR");
        }
        let mut child = psql
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-p", &self.port.to_string()])
            .args(conn)
            .args(["-f", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all((sql.join("\n") + "\n").as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "psql {conn:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// What every command of the site runs with: the server's address and port behind the
    /// README's `db.example` (the name is kept: verify-full checks it against the
    /// certificate), the password file, nothing of this machine's own settings.
    fn env<'a>(&self, cmd: &'a mut Command) -> &'a mut Command {
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            if key.starts_with("PG") || key.starts_with("SPORTELLO_") || key.starts_with("LC_") {
                cmd.env_remove(&*key);
            }
        }
        let bin = Path::new(env!("CARGO_BIN_EXE_sportello")).parent().unwrap();
        let path = std::env::var("PATH").unwrap_or_default();
        cmd.current_dir(&self.work)
            .env("PATH", format!("{}:{path}", bin.display()))
            .env("HOME", self.dir.join("home"))
            .env("LANG", "C")
            .env("PGHOSTADDR", "127.0.0.1")
            .env("PGPORT", self.port.to_string())
            .env("PGPASSFILE", self.work.join("pgpass"))
            .env("SPORTELLO_CONFIG", "")
            .env("SPORTELLO_HOME", self.dir.join("home/sportello"))
    }

    /// Runs a shell block of the README with the exported settings of `state` (the machine it
    /// runs on), returning its standard output and the state after it.
    fn sh(&self, state: &str, block: &str) -> (String, String) {
        let script = format!("{state}\n{block}\nexport -p | grep -E '^declare -x SPORTELLO_' > \"$DEPLOY_STATE\"\n");
        let state_file = self.dir.join("state");
        let out = self
            .env(&mut Command::new("bash"))
            .args(["-euo", "pipefail", "-c", &script])
            .env("DEPLOY_STATE", &state_file)
            .output()
            .unwrap();
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "the README's block\n{block}\nfailed: {stderr}{stdout}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        (stdout.into_owned(), fs::read_to_string(&state_file).unwrap())
    }

    /// A password-file block of the README, with this server's port and the passwords.
    fn pgpass(&self, block: &str) {
        let path = self.work.join("pgpass");
        let mut text = fs::read_to_string(&path).unwrap_or_default();
        for line in block.lines() {
            text.push_str(&self.with_password(&line.replace(":5432:", &format!(":{}:", self.port))));
            text.push('\n');
        }
        fs::write(&path, text).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// The key file of the README's machine `machine` (its `/etc/sportello/secret.key`).
fn on_machine(site: &Site, machine: &str, block: &str) -> String {
    let etc = site.dir.join(machine);
    fs::create_dir_all(&etc).unwrap();
    block.replace("/etc/sportello/", &format!("{}/", etc.display()))
}

/// The value of `export NAME='…'` in a block.
fn exported(block: &str, name: &str) -> String {
    let prefix = format!("export {name}='");
    let line = block.lines().find_map(|l| l.trim().strip_prefix(prefix.as_str())).expect(name);
    line.trim_end_matches('\'').to_string()
}

/// The fingerprint `sportello key fingerprint` printed last in `out`.
fn fingerprint(out: &str) -> &str {
    let line = out.lines().rfind(|l| l.trim_start().starts_with("fingerprint"));
    line.and_then(|l| l.split('|').nth(1)).map(str::trim).unwrap_or_else(|| panic!("no fingerprint in {out}"))
}

#[test]
fn the_readme_server_steps_taken_literally_make_a_working_deployment() {
    let blocks = readme_blocks();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("deploy-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    for sub in ["run", "work", "home"] {
        fs::create_dir_all(dir.join(sub)).unwrap();
    }
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let site = Site {
        data: dir.join("data"),
        work: dir.join("work"),
        dir: dir.clone(),
        port,
        passwords: BTreeMap::from([
            ("sportello_owner", format!("owner-{}", std::process::id())),
            ("cron-to", format!("cron-{}", std::process::id())),
        ]),
    };
    fs::create_dir_all(&site.data).unwrap();
    give(&site.data);
    give(&dir.join("run"));
    let data = site.data.to_str().unwrap().to_string();
    tool(
        "initdb",
        &[
            OsStr::new("-D"),
            OsStr::new(&data),
            OsStr::new("-U"),
            OsStr::new(SUPERUSER),
            OsStr::new("--auth=trust"),
            OsStr::new("--encoding=UTF8"),
            OsStr::new("--locale=C.UTF-8"),
        ],
    );
    // The superuser's own way in (the socket); TCP only as step 3 says.
    fs::write(site.data.join("pg_hba.conf"), "local all all trust\n").unwrap();
    let conf_path = site.data.join("postgresql.conf");
    let mut conf = fs::read_to_string(&conf_path).unwrap();
    conf.push_str(&format!(
        "\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{}'\nfsync = off\n",
        dir.join("run").display()
    ));
    fs::write(&conf_path, &conf).unwrap();
    give(&site.data);
    let log = dir.join("server.log");
    fs::write(&log, "").unwrap();
    give(&log);
    tool(
        "pg_ctl",
        &[
            OsStr::new("start"),
            OsStr::new("-w"),
            OsStr::new("-t"),
            OsStr::new("60"),
            OsStr::new("-D"),
            OsStr::new(&data),
            OsStr::new("-l"),
            log.as_os_str(),
        ],
    );
    let dba = "";

    // 1. The owner and the database, as the superuser.
    let s1 = step(&blocks, 1, &["sql"]);
    site.superuser_sql(&s1[0]);

    // 2. The CA and the server's certificate, then TLS on the server.
    let s2 = step(&blocks, 2, &["sh", "text"]);
    site.sh(dba, &s2[0]);
    for file in ["server.crt", "server.key", "ca.crt"] {
        fs::copy(site.work.join(file), site.data.join(file)).unwrap();
    }
    fs::set_permissions(site.data.join("server.key"), fs::Permissions::from_mode(0o600)).unwrap();
    conf.push_str(&s2[1]);
    fs::write(&conf_path, &conf).unwrap();
    give(&site.data);

    // 3. pg_hba as written, every address this host's; then the reload (which also turns TLS on).
    let s3 = step(&blocks, 3, &["text", "sql"]);
    let mut hba = String::from("local all all trust\n");
    for line in s3[0].lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let line = match fields.get(3) {
            Some(addr) if !line.starts_with('#') && addr.contains('/') => line.replace(addr, "127.0.0.1/32"),
            _ => line.to_string(),
        };
        hba.push_str(&line);
        hba.push('\n');
    }
    fs::write(site.data.join("pg_hba.conf"), hba).unwrap();
    give(&site.data);
    site.superuser_sql(&s3[1]);

    // 4. Migrate as the owner: SCRAM over verify-full, the password from the password file.
    let s4 = step(&blocks, 4, &["text", "sh"]);
    site.pgpass(&s4[0]);
    let owner_url = exported(&s4[1], "SPORTELLO_DATABASE_URL");
    let (_, owner) = site.sh(dba, &s4[1]);

    // 5. The first administrator, as the owner.
    let s5 = step(&blocks, 5, &["sh"]);
    site.sh(&owner, &s5[0]);

    // 6. Certificates: the README's for mrossi, and the same for each operator of step 7.
    let s6 = step(&blocks, 6, &["sh"]);
    site.sh(dba, &s6[0]);
    let s7 = step(&blocks, 7, &["sh", "sql"]);
    let others = ["gbianchi", "lverdi", "fneri"];
    for login in others {
        assert!(s7[0].contains(&format!("operator add {login} ")), "step 7 adds {login}");
        site.sh(dba, &s6[0].replace("mrossi", login));
    }

    // 7. The administrator works as herself and adds the others; the owner sets the cron
    // login's password (in psql, as the owner, over TLS with SCRAM).
    let (whoami, _) = site.sh(dba, &s7[0]);
    assert!(whoami.contains("mrossi"), "operator whoami as mrossi: {whoami}");
    site.psql(&[&owner_url], &s7[1]);

    // 8. The key: made on one machine, copied (as scp -p would) to the others, same fingerprint.
    let s8 = step(&blocks, 8, &["sh", "sh", "text", "sh"]);
    let (made, _) = site.sh(dba, &on_machine(&site, "desk1", &s8[0]));
    let key = fingerprint(&made).to_string();
    assert_eq!(key.len(), 16, "key fingerprint: {made}");
    let copy_key = |to: &str| {
        fs::create_dir_all(dir.join(to)).unwrap();
        let out = Command::new("cp")
            .args(["-p"])
            .arg(dir.join("desk1/secret.key"))
            .arg(dir.join(to).join("secret.key"))
            .output()
            .unwrap();
        assert!(out.status.success());
    };
    let mut machines = BTreeMap::new();
    for login in ["gbianchi", "lverdi", "fneri"] {
        copy_key(login);
        let block = on_machine(&site, login, &s8[1].replace("gbianchi", login));
        let (out, state) = site.sh(dba, &block);
        assert!(out.contains(login), "operator whoami as {login}: {out}");
        assert_eq!(fingerprint(&out), key, "{login}'s key");
        machines.insert(login, state);
    }
    site.pgpass(&s8[2]);
    copy_key("cron");
    let (out, cron) = site.sh(dba, &on_machine(&site, "cron", &s8[3]));
    assert!(out.contains("cron-to"), "operator whoami as cron-to: {out}");
    assert_eq!(fingerprint(&out), key, "the cron machine's key");

    // The first day: a desk registration with its booking (TLS, client certificate)...
    let code = cf("BNCGLI", date("1992-04-18"), 'F', "A479");
    let register = [
        "sportello register --no-prompt --format json --province AT --municipality Asti",
        "--first-name Giulia --last-name Bianchi --birth-date 1992-04-18 --sex F",
        "--doc-type identity-card --doc-number CA54321BB --doc-issued 2022-03-01",
        "--doc-issuer 'Comune di Asti' --address 'Corso Alfieri' --street-number 12 --postcode 14100",
        "--email giulia.bianchi@example.it --cf",
        &code,
    ]
    .join(" ");
    let (out, _) = site.sh(&machines["gbianchi"], &register);
    let booked: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert!(booked.to_string().contains(&code), "{booked}");
    // ... the nightly import by the cron login (SCRAM)...
    let cia = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/cia.csv");
    site.sh(&cron, &format!("sportello import-cia '{}'", cia.display()));
    // ... a helpdesk clerk at work, and the auditor's check of the audit chain.
    let (out, _) = site.sh(&machines["lverdi"], "sportello operator whoami --format json");
    assert!(out.contains("helpdesk"), "{out}");
    let (out, _) = site.sh(&machines["fneri"], "sportello audit verify");
    assert!(!out.is_empty(), "audit verify prints the head");
    // Step 1's grants let the audit log's writer end a session keeping it (sql/V49).
    let (out, _) = site.sh(&machines["fneri"], "sportello doctor || true");
    assert!(out.contains("ok    chain"), "{out}");
    let socket = dir.join("run");
    let superuser = ["-h", socket.to_str().unwrap(), "-U", SUPERUSER, "-d", "sportello", "-At"];
    let found = site.psql(
        &superuser,
        &format!(
            "SELECT o.operator_id, o.kind FROM public.operations o \
             JOIN public.registrations r USING (registration_number) WHERE r.fiscal_code = '{code}';"
        ),
    );
    assert_eq!(found.trim(), "gbianchi|verification", "registered and booked by gbianchi");
    let import =
        site.psql(&superuser, "SELECT operator_id, state, rows_ok FROM public.batch_runs WHERE kind = 'import-cia';");
    assert_eq!(import.trim(), "cron-to|done|6", "the cron login's import");
}
