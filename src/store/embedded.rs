//! The embedded default: a private PostgreSQL cluster that sportello creates and starts itself
//! from the server binaries installed on the machine, listening only on a unix socket.
//!
//! PostgreSQL refuses to run as root; when we are root the server runs as the unprivileged
//! `postgres` OS user, which then owns the data and socket directories.
//!
//! Authentication is peer on the unix socket: each OS user connects as the login role of the
//! same name (several desk staff share one cluster, each as themselves). The cluster's owner,
//! the OS user who created it, and only the owner, also connects as the superuser (through the
//! `sportello` map of pg_ident.conf) to migrate and to add the first administrator. The
//! superuser's name holds a colon, which no OS user's name can (it separates the fields of
//! /etc/passwd): no OS user is ever mapped to it by name, and an OS user named `sportello`
//! (the Debian package's) is an ordinary login, e.g. a batch operator.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Superuser of a private cluster created now. A cluster created before it was renamed keeps
/// `sportello` ([`LEGACY_SUPERUSER`]), which the OS user of that name is then kept out of.
pub const SUPERUSER: &str = "sportello:owner";
pub const LEGACY_SUPERUSER: &str = "sportello";
/// The database sportello uses in the cluster.
pub const DATABASE: &str = "sportello";
/// The port in the name of the cluster's socket (and of a keeper's, store/warm.rs).
pub const PORT: u16 = 5432;
const SERVER_USER: &str = "postgres";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// No cluster has been created yet.
    Absent,
    Stopped,
    Running,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Status::Absent => "not created",
            Status::Stopped => "stopped",
            Status::Running => "running",
        })
    }
}

/// A private cluster under a sportello home directory.
#[derive(Debug, Clone)]
pub struct Cluster {
    root: PathBuf,
    bin: Option<PathBuf>,
    /// Server settings added at start (`-c name=value`), e.g. to trade durability for speed in tests.
    pub settings: Vec<String>,
    /// Let roles other than the superuser log in with a password (SCRAM) instead of as their
    /// OS user: for a test harness that acts as several operators from one OS user.
    pub password_logins: bool,
}

/// The server's cache (`shared_buffers`) for a machine of `memory_mb` of memory: an eighth of
/// it, between PostgreSQL's default of 128 MB and 4 GB. A registry's mirror of a million residents
/// is some 200 MB of table and index: in the default cache an import writes out pages it is still
/// filling (`COPY` keeps to a small ring of its own). Alternated on the benchmark's million rows,
/// the server restarted before each run, the import took 5.64–6.04 s with 128 MB and 5.27–5.59 s
/// with an eighth of 24 GB (1.24–1.29× `\copy`, against 1.33–1.38×). An eighth leaves the rest
/// to the desk and batch programs beside it, and to the kernel's cache of the files.
fn shared_buffers_mb(memory_mb: Option<u64>) -> u64 {
    memory_mb.map_or(128, |m| (m / 8).clamp(128, 4096))
}

/// The memory in MB the server may use, if known: the machine's (`MemTotal` of /proc/meminfo),
/// or less when a control group limits it (a container sees the host's `MemTotal`).
fn usable_memory_mb() -> Option<u64> {
    let info = fs::read_to_string("/proc/meminfo").ok()?;
    let kb: u64 =
        info.lines().find_map(|l| l.strip_prefix("MemTotal:"))?.trim().strip_suffix("kB")?.trim().parse().ok()?;
    let limit = ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]
        .iter()
        .find_map(|f| fs::read_to_string(f).ok().and_then(|v| cgroup_limit_mb(&v)));
    Some(limit.map_or(kb / 1024, |l| l.min(kb / 1024)))
}

/// A control group's memory limit in MB, from its file (`max`, or a number of bytes; cgroup v1
/// writes a huge number for none).
fn cgroup_limit_mb(value: &str) -> Option<u64> {
    value.trim().parse::<u64>().ok().map(|bytes| bytes / (1024 * 1024))
}

fn is_root() -> bool {
    uzers::get_effective_uid() == 0
}

/// The name of the OS user we run as: the login role peer authentication maps us to.
pub fn os_user() -> Result<String> {
    let uid = uzers::get_effective_uid();
    uzers::get_user_by_uid(uid)
        .map(|u| u.name().to_string_lossy().into_owned())
        .ok_or_else(|| Error::Unavailable(crate::msg!("os-user-unnamed", uid = uid)))
}

/// uid and gid of the OS user that runs the server when we are root.
fn server_user_ids() -> Result<(u32, u32)> {
    match uzers::get_user_by_name(SERVER_USER) {
        Some(u) => Ok((u.uid(), u.primary_group_id())),
        None => Err(Error::Unavailable(crate::msg!("server-user-missing", user = SERVER_USER))),
    }
}

/// The socket a server (or a keeper) listening in `dir` on [`PORT`] has, as libpq names it.
pub fn socket_in(dir: &Path) -> PathBuf {
    dir.join(format!(".s.PGSQL.{PORT}"))
}

/// The directory holding `initdb` and `pg_ctl`: `SPORTELLO_PG_BIN`, else the newest
/// `/usr/lib/postgresql/N/bin` (Debian), else the directory of `initdb` on the PATH.
pub(crate) fn find_bin_dir() -> Option<PathBuf> {
    if let Some(dir) = crate::config_file::var("SPORTELLO_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut debian: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    debian.sort();
    if let Some((_, bin)) = debian.pop() {
        return Some(bin);
    }
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path).find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists())
    })
}

/// The `psql` of the server binaries the embedded cluster uses.
pub fn find_psql() -> Option<PathBuf> {
    find_bin_dir().map(|d| d.join("psql")).filter(|p| p.exists())
}

/// Can the server user reach (search) this directory?
fn server_user_can_reach(dir: &Path) -> bool {
    Command::new("runuser")
        .args(["-u", SERVER_USER, "--", "test", "-x"])
        .arg(dir)
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// A name as a token of pg_hba.conf or pg_ident.conf (double-quoted: it may hold a colon).
fn quote_conf(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// pg_ident.conf: the owner (by name) to the superuser, and every other OS user to the login
/// of its own name, but never to the superuser's name (for a legacy superuser, `sportello`,
/// which an OS user can be named).
fn authentication_map(owner: &str, superuser: &str) -> String {
    let escaped: String = superuser
        .chars()
        .flat_map(|c| if c.is_ascii_alphanumeric() || c == '_' { vec![c] } else { vec!['\\', c] })
        .collect();
    format!(
        "# Written by sportello: the cluster's owner ({owner}), and only the owner, connects as the\n\
         # superuser; every OS user connects as the login role of the same name, never as the superuser.\n\
         sportello {} {}\n\
         sportello \"/^(?!{escaped}$)(.*)$\" \\1\n",
        quote_conf(owner),
        quote_conf(superuser)
    )
}

impl Cluster {
    /// The cluster of a sportello home. Its files live in `HOME/postgres`, except when we are
    /// root and the server user cannot reach HOME (e.g. under /root): then in
    /// `/var/lib/sportello/clusters/<hash of HOME>`.
    pub fn new(home: &Path) -> Result<Cluster> {
        fs::create_dir_all(home).map_err(Error::io(crate::msg!("io-create", path = home)))?;
        let home = home.canonicalize().map_err(Error::io(crate::msg!("io-resolve", path = home)))?;
        let mut root = home.join("postgres");
        if is_root() {
            let digest = Sha256::digest(home.as_os_str().as_encoded_bytes());
            let elsewhere = PathBuf::from("/var/lib/sportello/clusters").join(&hex::encode(digest)[..16]);
            // Where an existing cluster is, it stays; asking the server user (a `runuser`, tens
            // of milliseconds) is only for the first time.
            let exists = |root: &Path| root.join("data").join("PG_VERSION").exists();
            if exists(&elsewhere) || (!exists(&root) && !server_user_can_reach(&home)) {
                root = elsewhere;
            }
        }
        Ok(Cluster { root, bin: find_bin_dir(), settings: Vec::new(), password_logins: false })
    }

    /// The directory of the server's programs (initdb, pg_ctl, psql), when found.
    pub fn bin_dir(&self) -> Option<PathBuf> {
        self.bin.clone()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    pub fn socket_dir(&self) -> PathBuf {
        self.root.join("run")
    }

    pub fn log_file(&self) -> PathBuf {
        self.root.join("server.log")
    }

    /// Where `init` records the superuser's name.
    fn superuser_file(&self) -> PathBuf {
        self.root.join("superuser")
    }

    /// The superuser of this cluster: as recorded at its creation; a cluster created before the
    /// name was recorded has the legacy one.
    pub fn superuser(&self) -> String {
        match fs::read_to_string(self.superuser_file()) {
            Ok(name) if !name.trim().is_empty() => name.trim().to_string(),
            _ if self.data_dir().join("PG_VERSION").exists() => LEGACY_SUPERUSER.to_string(),
            _ => SUPERUSER.to_string(),
        }
    }

    /// The OS user who created the cluster (owner of its directory), if it exists.
    pub fn owner(&self) -> Option<String> {
        use std::os::unix::fs::MetadataExt;
        let uid = fs::metadata(&self.root).ok()?.uid();
        Some(uzers::get_user_by_uid(uid).map(|u| u.name().to_string_lossy().into_owned()).unwrap_or(uid.to_string()))
    }

    /// Is the cluster ours to create, start, stop and migrate (not created yet, or created by
    /// the OS user we run as)?
    pub fn is_mine(&self) -> bool {
        use std::os::unix::fs::MetadataExt;
        match fs::metadata(&self.root) {
            Ok(m) => m.uid() == uzers::get_effective_uid(),
            Err(_) => true,
        }
    }

    /// Might the server be running? Its socket file is there (no connection made: a stale
    /// file after a crash only means one failed attempt before the long way).
    pub fn maybe_running(&self) -> bool {
        socket_in(&self.socket_dir()).exists()
    }

    /// Can we connect to the server's socket (it is running, whoever started it)?
    pub fn accepts_connections(&self) -> bool {
        std::os::unix::net::UnixStream::connect(socket_in(&self.socket_dir())).is_ok()
    }

    fn bin(&self, tool: &str) -> Result<PathBuf> {
        match &self.bin {
            Some(dir) if dir.join(tool).exists() => Ok(dir.join(tool)),
            _ => Err(Error::Unavailable(crate::msg!("pg-binaries-missing", tool = tool))),
        }
    }

    /// Runs a server tool, as the server user when we are root.
    fn run<I, S>(&self, tool: &str, args: I) -> Result<Output>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let program = self.bin(tool)?;
        let mut cmd = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", SERVER_USER, "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        cmd.args(args).current_dir("/");
        cmd.output().map_err(Error::io(crate::msg!("io-run", path = &*program)))
    }

    fn run_ok<I, S>(&self, tool: &str, args: I) -> Result<Output>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let out = self.run(tool, args)?;
        if out.status.success() {
            Ok(out)
        } else {
            Err(Error::Unavailable(crate::msg!(
                "pg-tool-failed",
                tool = tool,
                detail = String::from_utf8_lossy(&out.stderr).trim(),
                log = self.log_file()
            )))
        }
    }

    pub fn status(&self) -> Result<Status> {
        if !self.data_dir().join("PG_VERSION").exists() {
            return Ok(Status::Absent);
        }
        let out = self.run("pg_ctl", [OsStr::new("status"), OsStr::new("-D"), self.data_dir().as_os_str()])?;
        Ok(if out.status.success() { Status::Running } else { Status::Stopped })
    }

    /// Serialises concurrent sportello processes while they create or start the cluster.
    fn lock(&self) -> Result<File> {
        fs::create_dir_all(&self.root).map_err(Error::io(crate::msg!("io-create", path = &*self.root)))?;
        let path = self.root.join("cluster.lock");
        let file = File::create(&path).map_err(Error::io(crate::msg!("io-open", path = &*path)))?;
        file.lock().map_err(Error::io(crate::msg!("io-lock", path = &*path)))?;
        Ok(file)
    }

    /// Hands a directory to the server user (when root) with these permissions.
    fn own_dir(&self, dir: &Path, mode: u32) -> Result<()> {
        use std::os::unix::fs::PermissionsExt;
        fs::create_dir_all(dir).map_err(Error::io(crate::msg!("io-create", path = dir)))?;
        fs::set_permissions(dir, fs::Permissions::from_mode(mode))
            .map_err(Error::io(crate::msg!("io-set-permissions-on", path = dir)))?;
        if is_root() {
            let (uid, gid) = server_user_ids()?;
            std::os::unix::fs::chown(dir, Some(uid), Some(gid)).map_err(Error::io(crate::msg!(
                "io-give-to",
                path = dir,
                owner = SERVER_USER
            )))?;
        }
        Ok(())
    }

    /// The file `stop` leaves behind: a cluster stopped on purpose stays stopped until `start`.
    fn stopped_marker(&self) -> PathBuf {
        self.root.join("stopped-on-purpose")
    }

    /// Was the cluster stopped with `stop` (and not started again with `start`)?
    pub fn stopped_on_purpose(&self) -> bool {
        self.stopped_marker().exists()
    }

    /// Creates the cluster if needed and starts it if stopped, unless it was stopped on purpose.
    /// Returns true if it was started now.
    pub fn ensure_running(&self) -> Result<bool> {
        let _lock = self.lock()?;
        // A server answering on the socket is running: no `pg_ctl status` (a process, and a
        // `runuser` more when we are root) on the way of every command.
        let status = if self.accepts_connections() { Status::Running } else { self.status()? };
        if status == Status::Running {
            self.refresh_authentication()?;
            return Ok(false);
        }
        if self.stopped_on_purpose() {
            return Err(Error::Unavailable(crate::msg!("embedded-stopped-on-purpose")));
        }
        self.start_unlocked(status)
    }

    /// Starts the cluster (creating it the first time), also after `stop`. Returns true if it was
    /// started now.
    pub fn start(&self) -> Result<bool> {
        let _lock = self.lock()?;
        let marker = self.stopped_marker();
        if marker.exists() {
            fs::remove_file(&marker).map_err(Error::io(crate::msg!("io-remove", path = &*marker)))?;
        }
        let status = self.status()?;
        if status == Status::Running {
            self.refresh_authentication()?;
            return Ok(false);
        }
        self.start_unlocked(status)
    }

    fn start_unlocked(&self, status: Status) -> Result<bool> {
        if status == Status::Absent {
            tracing::info!(data = %self.data_dir().display(), "creating the embedded cluster");
            self.init()?;
        }
        self.write_authentication()?;
        tracing::info!(data = %self.data_dir().display(), "starting the embedded cluster");
        self.start_locked()?;
        Ok(true)
    }

    /// Do pg_hba.conf and pg_ident.conf read as they must? Nearly always: a running cluster
    /// found without `ensure_running` is checked with this first, without the lock, which every
    /// sportello process of the machine would otherwise queue on at every command (a file
    /// written, flock); only when it says no is [`Self::refresh_authentication_locked`] needed.
    pub fn authentication_current(&self) -> Result<bool> {
        Ok(self
            .authentication_files()?
            .iter()
            .all(|(path, text)| fs::read_to_string(path).ok().as_deref() == Some(text.as_str())))
    }

    /// As `refresh_authentication`, serialised with other sportello processes (for a running
    /// cluster found without `ensure_running`, whose authentication is not current). Checked
    /// again under the lock: another process may have rewritten it meanwhile.
    pub fn refresh_authentication_locked(&self) -> Result<()> {
        let _lock = self.lock()?;
        self.refresh_authentication()
    }

    /// A running cluster's authentication rewritten if it differs (and reloaded).
    fn refresh_authentication(&self) -> Result<()> {
        if self.write_authentication()? {
            self.run_ok("pg_ctl", [OsStr::new("reload"), OsStr::new("-D"), self.data_dir().as_os_str()])?;
        }
        Ok(())
    }

    /// Writes pg_hba.conf and pg_ident.conf: peer authentication on the unix socket, each OS
    /// user as the login of the same name, the owner also as the superuser. Returns true if
    /// they changed (a cluster of an older sportello trusted every local connection, or mapped
    /// any OS user named like the superuser to it).
    fn write_authentication(&self) -> Result<bool> {
        let mut changed = false;
        for (path, text) in self.authentication_files()? {
            if fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
                continue;
            }
            fs::write(&path, text).map_err(Error::io(crate::msg!("io-write", path = &*path)))?;
            if is_root() {
                let (uid, gid) = server_user_ids()?;
                std::os::unix::fs::chown(&path, Some(uid), Some(gid)).map_err(Error::io(crate::msg!(
                    "io-give-to",
                    path = &*path,
                    owner = SERVER_USER
                )))?;
            }
            changed = true;
        }
        Ok(changed)
    }

    /// pg_hba.conf and pg_ident.conf as they must read (see [`Self::write_authentication`]).
    fn authentication_files(&self) -> Result<[(PathBuf, String); 2]> {
        let owner = match self.owner() {
            Some(owner) => owner,
            None => os_user()?,
        };
        let superuser = self.superuser();
        let mut hba = String::from(
            "# Written by sportello: only the unix socket, peer authentication (the OS user is the login).\n",
        );
        if self.password_logins {
            hba.push_str(&format!(
                "local all {} peer map=sportello\nlocal all all scram-sha-256\n",
                quote_conf(&superuser)
            ));
        } else {
            hba.push_str("local all all peer map=sportello\n");
        }
        let ident = authentication_map(&owner, &superuser);
        Ok([(self.data_dir().join("pg_hba.conf"), hba), (self.data_dir().join("pg_ident.conf"), ident)])
    }

    fn init(&self) -> Result<()> {
        // Recorded first: a cluster half made by this version is never taken for a legacy one.
        let file = self.superuser_file();
        fs::write(&file, format!("{SUPERUSER}\n")).map_err(Error::io(crate::msg!("io-write", path = &*file)))?;
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&self.root, fs::Permissions::from_mode(0o755))
            .map_err(Error::io(crate::msg!("io-set-permissions-on", path = &*self.root)))?;
        let data = self.data_dir();
        // A half-done initdb (crash) leaves files behind that a new initdb refuses.
        if data.exists() {
            fs::remove_dir_all(&data).map_err(Error::io(crate::msg!("io-clear", path = &*data)))?;
        }
        self.own_dir(&data, 0o700)?;
        self.run_ok(
            "initdb",
            [
                OsStr::new("-D"),
                data.as_os_str(),
                OsStr::new("-U"),
                OsStr::new(SUPERUSER),
                OsStr::new("--auth-local=peer"),
                OsStr::new("--auth-host=reject"),
                OsStr::new("--encoding=UTF8"),
                OsStr::new("--locale=C.UTF-8"),
            ],
        )?;
        Ok(())
    }

    fn start_locked(&self) -> Result<()> {
        let socket = self.socket_dir();
        // Open to every OS user: peer authentication decides who connects, as whom.
        self.own_dir(&socket, 0o755)?;
        // The log file must be writable by the server user.
        let log = self.log_file();
        // Private: failed statements land there with the rows they carried.
        {
            use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
            fs::OpenOptions::new()
                .append(true)
                .create(true)
                .mode(0o600)
                .open(&log)
                .map_err(Error::io(crate::msg!("io-create", path = &*log)))?;
            fs::set_permissions(&log, fs::Permissions::from_mode(0o600))
                .map_err(Error::io(crate::msg!("io-set-permissions-on", path = &*log)))?;
        }
        if is_root() {
            let (uid, gid) = server_user_ids()?;
            std::os::unix::fs::chown(&log, Some(uid), Some(gid)).map_err(Error::io(crate::msg!(
                "io-give-to",
                path = &*log,
                owner = SERVER_USER
            )))?;
        }
        // Only a unix socket in a private directory: no TCP port is opened. PL/pgSQL, which every
        // api function that writes an audit row runs in, is loaded once by the server rather than
        // by each command's new backend (about a millisecond each).
        let mut options = format!(
            "-c listen_addresses='' -c unix_socket_directories='{}' -p {PORT} -c shared_preload_libraries=plpgsql \
             -c shared_buffers={}MB",
            socket.display(),
            shared_buffers_mb(usable_memory_mb())
        );
        for s in &self.settings {
            options.push_str(" -c ");
            options.push_str(s);
        }
        self.run_ok(
            "pg_ctl",
            [
                OsStr::new("start"),
                OsStr::new("-w"),
                OsStr::new("-t"),
                OsStr::new("60"),
                OsStr::new("-D"),
                self.data_dir().as_os_str(),
                OsStr::new("-l"),
                log.as_os_str(),
                OsStr::new("-o"),
                OsStr::new(&options),
            ],
        )?;
        Ok(())
    }

    /// Stops the server, and keeps it stopped (no command starts it again) until `start`.
    /// Returns false if it was not running.
    pub fn stop(&self) -> Result<bool> {
        let _lock = self.lock()?;
        let marker = self.stopped_marker();
        File::create(&marker).map_err(Error::io(crate::msg!("io-create", path = &*marker)))?;
        if self.status()? != Status::Running {
            return Ok(false);
        }
        tracing::info!(data = %self.data_dir().display(), "stopping the embedded cluster");
        self.run_ok(
            "pg_ctl",
            [
                OsStr::new("stop"),
                OsStr::new("-w"),
                OsStr::new("-m"),
                OsStr::new("fast"),
                OsStr::new("-D"),
                self.data_dir().as_os_str(),
            ],
        )?;
        Ok(true)
    }

    /// Connection settings for a database of this cluster, as its superuser (the owner's).
    pub fn config(&self, dbname: &str) -> tokio_postgres::Config {
        self.login_config(dbname, &self.superuser())
    }

    /// Connection settings for a database of this cluster as the OS user we run as: the
    /// superuser for the cluster's owner, else the login of the same name.
    pub fn own_config(&self, dbname: &str) -> Result<tokio_postgres::Config> {
        Ok(if self.is_mine() { self.config(dbname) } else { self.login_config(dbname, &os_user()?) })
    }

    /// Connection settings for a database of this cluster, as `login`.
    pub fn login_config(&self, dbname: &str, login: &str) -> tokio_postgres::Config {
        let mut config = tokio_postgres::Config::new();
        config.host_path(self.socket_dir()).port(PORT).user(login).dbname(dbname);
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_owner_is_mapped_to_the_superuser() {
        let map = authentication_map("alice", SUPERUSER);
        assert!(map.contains("sportello \"alice\" \"sportello:owner\"\n"), "{map}");
        assert!(map.contains("sportello \"/^(?!sportello\\:owner$)(.*)$\" \\1\n"), "{map}");
        let legacy = authentication_map("alice", LEGACY_SUPERUSER);
        assert!(legacy.contains("\"/^(?!sportello$)(.*)$\""), "{legacy}");
    }

    #[test]
    fn the_cache_is_an_eighth_of_the_memory_within_bounds() {
        assert_eq!(shared_buffers_mb(Some(24 * 1024)), 3072);
        assert_eq!(shared_buffers_mb(Some(512)), 128, "never below PostgreSQL's default");
        assert_eq!(shared_buffers_mb(Some(256 * 1024)), 4096);
        assert_eq!(shared_buffers_mb(None), 128);
        assert!(usable_memory_mb().is_some_and(|m| m > 0), "this machine's memory is known");
        assert_eq!(cgroup_limit_mb("max\n"), None);
        assert_eq!(cgroup_limit_mb("2147483648\n"), Some(2048));
        assert_eq!(
            cgroup_limit_mb("9223372036854771712"),
            Some(8796093022207),
            "cgroup v1's none: above any machine's"
        );
    }
}
