//! A separately started PostgreSQL server on TCP loopback with `ssl=on`, for the tests of TLS
//! and of per-operator logins (and for benches/connect.rs, which includes this file).
//!
//! Started once per process under `target/tmp/tls-pg-<pid>` (initdb + pg_ctl, as the `postgres`
//! OS user when we are root, as the embedded cluster does), stopped by a watchdog once the process
//! has ended; directories left behind anyway are cleaned up by the next start. The test makes its
//! own CA with rcgen, a server certificate for `127.0.0.1` and `localhost`, and client
//! certificates whose CN is the role's name.
//!
//! pg_hba: the unix socket trusts (set-up as the superuser); on 127.0.0.1 only TLS:
//! `hostssl ... scram-sha-256` for the password users, then `hostssl all all 127.0.0.1/32 cert`.
//! Extra lines given to `start` come first.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};

/// Superuser of the server (made by initdb; reachable over the unix socket without password,
/// and over TCP with a client certificate of this CN).
pub const SUPERUSER: &str = "tls_admin";
/// Roles that log in with a password (SCRAM over TLS) rather than a certificate.
pub const PASSWORD_USERS: &str = "pw_user";
const SERVER_USER: &str = "postgres";

pub struct TlsServer {
    pub dir: PathBuf,
    pub port: u16,
    /// The CA that signed the server's and the clients' certificates.
    pub ca_cert: PathBuf,
    /// Another CA, that signed nothing of this server.
    pub wrong_ca_cert: PathBuf,
    ca: Issuer<'static, KeyPair>,
    wrong_ca: Issuer<'static, KeyPair>,
    bin: PathBuf,
    made: Mutex<()>,
}

fn is_root() -> bool {
    uzers::get_effective_uid() == 0
}

fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SPORTELLO_PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin): &(u32, PathBuf)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return bin;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .find(|d| d.join("initdb").exists())
        .expect("the PostgreSQL server binaries (apt-get install postgresql)")
}

/// Gives a file or directory to the server user when we are root.
fn give(path: &Path) {
    if is_root() {
        let out =
            Command::new("chown").args(["-R", &format!("{SERVER_USER}:{SERVER_USER}")]).arg(path).output().unwrap();
        assert!(out.status.success(), "chown {}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    }
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// Runs a server tool (as the server user when root); panics with its output on failure.
fn run(bin: &Path, tool: &str, args: &[&OsStr]) -> std::process::Output {
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", SERVER_USER, "--"]).arg(bin.join(tool));
        c
    } else {
        Command::new(bin.join(tool))
    };
    cmd.args(args).current_dir("/");
    cmd.output().unwrap_or_else(|e| panic!("cannot run {tool}: {e}"))
}

fn ca_params(name: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    params
}

fn write_private(path: &Path, text: &str) {
    fs::write(path, text).unwrap();
    chmod(path, 0o600);
}

/// Stops the servers of processes that are gone, and removes their directories.
fn clean_stale(parent: &Path, bin: &Path) {
    for entry in fs::read_dir(parent).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix("tls-pg-").and_then(|p| p.parse::<u32>().ok()) else { continue };
        if Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let data = entry.path().join("data");
        if data.join("postmaster.pid").exists() {
            run(
                bin,
                "pg_ctl",
                &[OsStr::new("stop"), OsStr::new("-m"), OsStr::new("immediate"), OsStr::new("-D"), data.as_os_str()],
            );
        }
        let _ = fs::remove_dir_all(entry.path());
    }
}

static SHARED: OnceLock<TlsServer> = OnceLock::new();

impl TlsServer {
    /// The server of this process (started at the first call, stopped at exit).
    pub fn shared() -> &'static TlsServer {
        SHARED.get_or_init(|| {
            let server = TlsServer::start(&PathBuf::from(env!("CARGO_TARGET_TMPDIR")), &[]);
            server.stop_when_this_process_ends();
            server
        })
    }

    /// Creates and starts a server under `parent/tls-pg-<pid>`; `extra_hba` lines come first in
    /// pg_hba.conf. Blocking; call it outside an async runtime (or in spawn_blocking).
    pub fn start(parent: &Path, extra_hba: &[&str]) -> TlsServer {
        let bin = bin_dir();
        fs::create_dir_all(parent).unwrap();
        clean_stale(parent, &bin);
        let dir = parent.join(format!("tls-pg-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("data")).unwrap();
        fs::create_dir_all(dir.join("run")).unwrap();
        fs::create_dir_all(dir.join("clients")).unwrap();
        chmod(&dir, 0o755);
        chmod(&dir.join("data"), 0o700);
        give(&dir.join("data"));
        give(&dir.join("run"));
        let data = dir.join("data");
        let out = run(
            &bin,
            "initdb",
            &[
                OsStr::new("-D"),
                data.as_os_str(),
                OsStr::new("-U"),
                OsStr::new(SUPERUSER),
                OsStr::new("--auth=trust"),
                OsStr::new("--encoding=UTF8"),
                OsStr::new("--locale=C.UTF-8"),
            ],
        );
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));

        // The CAs and the server's certificate (both names it is reached by, as SANs).
        let ca_key = KeyPair::generate().unwrap();
        let ca_cert = ca_params("sportello test CA").self_signed(&ca_key).unwrap();
        let wrong_key = KeyPair::generate().unwrap();
        let wrong_cert = ca_params("some other CA").self_signed(&wrong_key).unwrap();
        let ca = Issuer::new(ca_params("sportello test CA"), ca_key);
        let wrong_ca = Issuer::new(ca_params("some other CA"), wrong_key);
        let mut server_params = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
        server_params.distinguished_name.push(DnType::CommonName, "localhost");
        server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_key = KeyPair::generate().unwrap();
        let server_cert = server_params.signed_by(&server_key, &ca).unwrap();
        fs::write(data.join("server.crt"), server_cert.pem()).unwrap();
        write_private(&data.join("server.key"), &server_key.serialize_pem());
        fs::write(data.join("root.crt"), ca_cert.pem()).unwrap();
        fs::write(dir.join("ca.crt"), ca_cert.pem()).unwrap();
        fs::write(dir.join("wrong-ca.crt"), wrong_cert.pem()).unwrap();

        let mut hba: Vec<String> = extra_hba.iter().map(|l| l.to_string()).collect();
        hba.push("local all all trust".into());
        hba.push(format!("hostssl all {PASSWORD_USERS} 127.0.0.1/32 scram-sha-256"));
        hba.push("hostssl all all 127.0.0.1/32 cert".into());
        fs::write(data.join("pg_hba.conf"), hba.join("\n") + "\n").unwrap();

        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut conf = fs::read_to_string(data.join("postgresql.conf")).unwrap();
        conf.push_str(&format!(
            "\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{}'\n\
             ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\nssl_ca_file = 'root.crt'\n\
             password_encryption = 'scram-sha-256'\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n\
             max_connections = 200\n",
            dir.join("run").display()
        ));
        fs::write(data.join("postgresql.conf"), conf).unwrap();
        give(&data);
        let log = dir.join("server.log");
        fs::write(&log, "").unwrap();
        give(&log);
        let out = run(
            &bin,
            "pg_ctl",
            &[
                OsStr::new("start"),
                OsStr::new("-w"),
                OsStr::new("-t"),
                OsStr::new("60"),
                OsStr::new("-D"),
                data.as_os_str(),
                OsStr::new("-l"),
                log.as_os_str(),
            ],
        );
        assert!(
            out.status.success(),
            "pg_ctl start: {} (log: {})",
            String::from_utf8_lossy(&out.stderr),
            fs::read_to_string(&log).unwrap_or_default()
        );
        TlsServer {
            ca_cert: dir.join("ca.crt"),
            wrong_ca_cert: dir.join("wrong-ca.crt"),
            dir,
            port,
            ca,
            wrong_ca,
            bin,
            made: Mutex::new(()),
        }
    }

    /// Leaves behind a watchdog (sh) that stops the server and removes its directory once this
    /// process has ended, however it ends (statics are never dropped; a test may be killed).
    #[allow(clippy::zombie_processes)] // it outlives us by design: never waited for
    pub fn stop_when_this_process_ends(&self) {
        let data = self.dir.join("data");
        let pg_ctl = self.bin.join("pg_ctl");
        let as_server = if is_root() { format!("runuser -u {SERVER_USER} -- ") } else { String::new() };
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {as_server}'{pg_ctl}' stop -m immediate -D '{data}'; rm -rf '{dir}'",
            pid = std::process::id(),
            pg_ctl = pg_ctl.display(),
            data = data.display(),
            dir = self.dir.display()
        );
        Command::new("sh")
            .args(["-c", &script])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("sh for the TLS server's watchdog");
    }

    pub fn stop(&self) {
        let data = self.dir.join("data");
        run(
            &self.bin,
            "pg_ctl",
            &[OsStr::new("stop"), OsStr::new("-m"), OsStr::new("immediate"), OsStr::new("-D"), data.as_os_str()],
        );
        let _ = fs::remove_dir_all(&self.dir);
    }

    pub fn socket_dir(&self) -> PathBuf {
        self.dir.join("run")
    }

    /// The superuser over the unix socket (no TLS), for set-up and inspection.
    pub fn admin(&self, dbname: &str) -> tokio_postgres::Config {
        let mut c = tokio_postgres::Config::new();
        c.host_path(self.socket_dir()).port(self.port).user(SUPERUSER).dbname(dbname);
        c
    }

    /// A client certificate and key (PEM files, key 0600) whose CN is `cn`, signed by the
    /// server's CA — or by the wrong CA with `trusted` false. Made once per name.
    pub fn client_cert(&self, cn: &str, trusted: bool) -> (PathBuf, PathBuf) {
        let _guard = self.made.lock().unwrap();
        let stem = if trusted { cn.to_string() } else { format!("{cn}.untrusted") };
        let cert = self.dir.join("clients").join(format!("{stem}.crt"));
        let key = self.dir.join("clients").join(format!("{stem}.key"));
        if !cert.exists() {
            let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
            params.distinguished_name.push(DnType::CommonName, cn);
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
            let pair = KeyPair::generate().unwrap();
            let signed = params.signed_by(&pair, if trusted { &self.ca } else { &self.wrong_ca }).unwrap();
            write_private(&key, &pair.serialize_pem());
            fs::write(&cert, signed.pem()).unwrap();
        }
        (cert, key)
    }

    /// `key=value` connection settings for `user` on `dbname` over TCP to `host`, no TLS
    /// settings (add them, or use `tls_url`).
    pub fn tcp_url(&self, host: &str, user: &str, dbname: &str) -> String {
        format!("host={host} port={} user={user} dbname={dbname}", self.port)
    }

    /// Settings for `user` over TLS, verify-full against the server's CA, with the client
    /// certificate whose CN is `user`.
    pub fn tls_url(&self, user: &str, dbname: &str) -> String {
        let (cert, key) = self.client_cert(user, true);
        format!(
            "{} sslmode=verify-full sslrootcert={} sslcert={} sslkey={}",
            self.tcp_url("127.0.0.1", user, dbname),
            self.ca_cert.display(),
            cert.display(),
            key.display()
        )
    }

    /// Runs SQL as the superuser over the unix socket, in database `dbname`.
    pub async fn admin_sql(&self, dbname: &str, sql: &str) {
        let (client, connection) = self.admin(dbname).connect(tokio_postgres::NoTls).await.expect("TLS test server");
        tokio::spawn(connection);
        client.batch_execute(sql).await.unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    }
}
