//! A connection kept warm between the commands of one operator (the embedded default).
//!
//! Each command is a new process, and each connection a new PostgreSQL backend, which pays for
//! its first statements: it reads the catalogue into its caches and plans the api functions it
//! calls, several times what they cost once warm (a desk search: ~15 ms cold, ~5 ms warm). The
//! keeper is a process of the operator's own OS user that holds a few connections the server
//! authenticated as that user, and lends one to each connection a command opens, for the life
//! of that connection: the command speaks the protocol to the keeper as to the server, and the
//! keeper passes every byte on. Between two commands it resets the connection with `DISCARD
//! ALL` (pgbouncer's reset: settings, prepared statements, advisory locks, plans); it closes the
//! connection instead when the command left it inside a transaction or in the middle of an
//! exchange, and the server rolls that back. A command gets what it would have had by itself:
//! the same login, checked by the server; every rule and audit row stays the database's.
//!
//! The keeper listens in a directory only its OS user may enter, serves only processes of that
//! user (SO_PEERCRED: a directory made readable by mistake gives nothing away) and only the login
//! and database it was started for, and exits after `SPORTELLO_KEEP_WARM` seconds without a
//! command (600 by default; 0: no keeper). Disabling an operator ends their backends (sql/V28),
//! the keeper's too: the next command then meets the refusal.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::Digest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

use super::embedded::{PORT, socket_in};

/// Connections kept idle at most: more at once (a batch's writers) are closed after their command.
const KEPT: usize = 4;
/// Commands' connections served at once at most; more are refused (the server's limit per login
/// applies besides).
const SERVED: usize = 64;
/// The longest a connection may take to say who it is, and the reset to answer.
const HANDSHAKE: Duration = Duration::from_secs(10);
/// The longest a command waits for the keeper to lend it a connection before it connects by
/// itself (a keeper stopped, or too busy, must not stop the command).
pub const LEND_WAIT: Duration = Duration::from_secs(2);

const SSL_REQUEST: i32 = 80877103;
const GSSENC_REQUEST: i32 = 80877104;
const CANCEL_REQUEST: i32 = 80877102;
const PROTOCOL_3: i32 = 196608;

/// Seconds a keeper waits for the next command (`SPORTELLO_KEEP_WARM`, else the configuration
/// files; 600 by default); none (no keeper) for 0, `off`, `no` or `false`.
pub fn idle_time() -> Option<Duration> {
    let seconds = match crate::config_file::var("SPORTELLO_KEEP_WARM") {
        Some(v) if ["off", "no", "false"].contains(&v.trim().to_ascii_lowercase().as_str()) => 0,
        Some(v) => v.trim().parse::<u64>().unwrap_or(600),
        None => 600,
    };
    (seconds > 0).then(|| Duration::from_secs(seconds))
}

/// A keeper of connections as `login` to the database `dbname` of the server whose socket is in
/// `server_dir`, and where it may listen.
#[derive(Debug, Clone)]
pub struct Keeper {
    server_dir: PathBuf,
    login: String,
    dbname: String,
    /// Where it may listen, in order: the first that is this OS user's alone.
    dirs: Vec<PathBuf>,
}

impl Keeper {
    /// The keeper of this OS user for the login and database. It listens in a directory named
    /// by a digest of the server's socket, the login and the database, under the first of
    /// `$XDG_RUNTIME_DIR/sportello`, the temporary directory's `sportello-<uid>` and
    /// `~/.cache/sportello/warm` that is this user's alone (another user who made one of them
    /// first only sends the keeper to the next).
    pub fn new(server_dir: &Path, login: &str, dbname: &str) -> Keeper {
        let uid = uzers::get_effective_uid();
        let mut bases = Vec::new();
        if let Some(run) = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from).filter(|p| p.is_absolute()) {
            bases.push(run.join("sportello"));
        }
        bases.push(std::env::temp_dir().join(format!("sportello-{uid}")));
        if let Some(home) = std::env::var_os("HOME").map(PathBuf::from).filter(|p| p.is_absolute()) {
            bases.push(home.join(".cache/sportello/warm"));
        }
        let digest = sha2::Sha256::digest(format!("{}\0{login}\0{dbname}", server_dir.display()).as_bytes());
        let name = hex::encode(&digest[..8]);
        Keeper {
            server_dir: server_dir.to_path_buf(),
            login: login.to_string(),
            dbname: dbname.to_string(),
            dirs: bases.into_iter().map(|b| b.join(&name)).collect(),
        }
    }

    /// Connection settings through the keeper (the login and database it serves), when one may
    /// be listening: its socket is there, in a directory of ours that no one else may enter (a
    /// connection that fails then only costs the attempt).
    pub fn client_config(&self) -> Option<tokio_postgres::Config> {
        let dir = self.dirs.iter().find(|d| private(d)).filter(|d| socket_in(d).exists())?;
        let mut config = tokio_postgres::Config::new();
        config.host_path(dir).port(PORT).user(&self.login).dbname(&self.dbname);
        Some(config)
    }

    /// Starts a keeper in the background: this program with `args` (its command that runs
    /// [`Keeper::serve`]), with nothing to read or write. A keeper already listening makes the
    /// new one leave at once.
    pub fn start(&self, args: &[&std::ffi::OsStr]) {
        use std::process::Stdio;
        let Ok(exe) = std::env::current_exe() else { return };
        let spawned = std::process::Command::new(exe)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .current_dir("/")
            .spawn();
        if let Err(e) = spawned {
            tracing::debug!(error = %e, "no keeper started");
        }
    }

    /// Listens and lends connections until `idle` passes without a command; returns at once
    /// when another keeper listens already. First it leaves the session and the files of the
    /// command that started it ([`detach`]).
    pub async fn serve(self, idle: Duration) -> std::io::Result<()> {
        use std::os::unix::fs::MetadataExt;
        detach();
        let mut made = Err(std::io::Error::other("no directory"));
        for dir in &self.dirs {
            made = make_private(dir).map(|()| dir.clone());
            if made.is_ok() {
                break;
            }
        }
        let dir = made?;
        let path = socket_in(&dir);
        let listener = match tokio::net::UnixListener::bind(&path) {
            Ok(l) => l,
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                if UnixStream::connect(&path).await.is_ok() {
                    return Ok(());
                }
                // Left by a keeper that ended without cleaning up.
                std::fs::remove_file(&path)?;
                tokio::net::UnixListener::bind(&path)?
            }
            Err(e) => return Err(e),
        };
        // The socket as bound: at the end it is removed only if still this one (a directory
        // removed meanwhile may hold another keeper's by then).
        let bound = std::fs::symlink_metadata(&path).map(|m| (m.dev(), m.ino()))?;
        let keeper = Arc::new(self);
        let pool =
            Arc::new(Mutex::new(Pool { idle: Vec::new(), serving: 0, last: Instant::now(), lent: HashMap::new() }));
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((client, _)) = accepted else { continue };
                    let (keeper, pool) = (keeper.clone(), pool.clone());
                    tokio::spawn(async move {
                        let _ = keeper.lend(client, &pool).await;
                    });
                }
                _ = tokio::time::sleep(Duration::from_secs(1)) => {
                    let p = pool.lock().unwrap_or_else(|e| e.into_inner());
                    if p.serving == 0 && p.last.elapsed() >= idle {
                        break;
                    }
                }
            }
        }
        if std::fs::symlink_metadata(&path).is_ok_and(|m| (m.dev(), m.ino()) == bound) {
            let _ = std::fs::remove_file(&path);
            let _ = std::fs::remove_dir(&dir);
        }
        Ok(())
    }

    /// One command's connection, from its first byte to its end.
    async fn lend(&self, mut client: UnixStream, pool: &Mutex<Pool>) -> std::io::Result<()> {
        if client.peer_cred()?.uid() != uzers::get_effective_uid() {
            return Ok(());
        }
        let startup = match tokio::time::timeout(HANDSHAKE, read_startup(&mut client)).await {
            Ok(Ok(Some(startup))) => startup,
            _ => return Ok(()),
        };
        if startup.code == CANCEL_REQUEST {
            // A key the keeper gave, to a command it still serves: the real one goes to the server.
            let key: [u8; 8] = startup.bytes[8..16].try_into().unwrap_or_default();
            let real = pool.lock().unwrap_or_else(|e| e.into_inner()).lent.get(&key).cloned();
            if let Some(real) = real {
                let mut server = UnixStream::connect(socket_in(&self.server_dir)).await?;
                server.write_all(&real).await?;
            }
            return Ok(());
        }
        if startup.param("user") != Some(self.login.as_str())
            || startup.param("database").or(startup.param("user")) != Some(self.dbname.as_str())
        {
            let text = format!("this keeper serves the login {} on the database {} only", self.login, self.dbname);
            return client.write_all(&error_response("28000", &text)).await;
        }
        let admitted = {
            let mut p = pool.lock().unwrap_or_else(|e| e.into_inner());
            p.last = Instant::now();
            let room = p.serving < SERVED;
            p.serving += usize::from(room);
            room
        };
        if !admitted {
            return client.write_all(&error_response("53300", "too many connections to the keeper")).await;
        }
        let result = self.lend_one(&mut client, &startup, pool).await;
        let mut p = pool.lock().unwrap_or_else(|e| e.into_inner());
        p.serving -= 1;
        p.last = Instant::now();
        result
    }

    async fn lend_one(&self, client: &mut UnixStream, startup: &Startup, pool: &Mutex<Pool>) -> std::io::Result<()> {
        let kept = {
            let mut p = pool.lock().unwrap_or_else(|e| e.into_inner());
            p.idle.retain(|u| u.alive());
            p.idle.iter().position(|u| u.startup == startup.bytes).map(|i| p.idle.swap_remove(i))
        };
        let mut upstream = match kept {
            Some(u) => u,
            None => match Upstream::open(&socket_in(&self.server_dir), &startup.bytes).await? {
                Opened::Ready(u) => u,
                // Refused, or asked for a password: what the server said goes to the client as
                // it is, and the connection (if any) is the client's alone.
                Opened::Other(said, server) => {
                    client.write_all(&said).await?;
                    if let Some(mut server) = server {
                        let _ = tokio::io::copy_bidirectional(client, &mut server).await;
                    }
                    return Ok(());
                }
            },
        };
        // The client's own cancel key, valid while it holds the backend.
        let key: [u8; 8] = rand_key();
        pool.lock().unwrap_or_else(|e| e.into_inner()).lent.insert(key, upstream.cancel_request());
        let greeted = client.write_all(&upstream.greeting(&key)).await;
        let at_rest = greeted.is_ok() && relay(client, &mut upstream).await;
        pool.lock().unwrap_or_else(|e| e.into_inner()).lent.remove(&key);
        if at_rest && upstream.reset().await {
            let mut p = pool.lock().unwrap_or_else(|e| e.into_inner());
            if p.idle.len() < KEPT {
                p.idle.push(upstream);
            }
        }
        greeted
    }
}

/// The connections kept, how many are lent, and the cancel keys of those lent (the key given to
/// the command, and the server's cancel request it stands for).
struct Pool {
    idle: Vec<Upstream>,
    serving: usize,
    last: Instant,
    lent: HashMap<[u8; 8], Vec<u8>>,
}

/// A backend process id and secret of the keeper's own, for one lend.
fn rand_key() -> [u8; 8] {
    let mut key = [0u8; 8];
    getrandom::fill(&mut key).unwrap_or_default();
    key
}

/// Leaves the session (and the terminal) of the command that started the keeper, and closes the
/// files it was given besides standard input and output (a lock held by a cron job's `flock`,
/// a pipe a test harness reads to its end), which the keeper would otherwise hold for as long as
/// it lives. Files opened by this program are opened close-on-exec; the others are not.
fn detach() {
    let _ = nix::unistd::setsid();
    let Ok(fds) = std::fs::read_dir("/proc/self/fd") else { return };
    let inherited: Vec<i32> = fds
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|fd| *fd > 2)
        .filter(|fd| {
            // O_CLOEXEC in the octal flags of /proc/self/fdinfo.
            std::fs::read_to_string(format!("/proc/self/fdinfo/{fd}")).is_ok_and(|info| {
                info.lines()
                    .find_map(|l| l.strip_prefix("flags:"))
                    .and_then(|f| i64::from_str_radix(f.trim(), 8).ok())
                    .is_some_and(|flags| flags & 0o2000000 == 0)
            })
        })
        .collect();
    for fd in inherited {
        let _ = nix::unistd::close(fd);
    }
}

/// Whether `dir` is a directory of this OS user that no one else may enter.
fn private(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(dir)
        .is_ok_and(|m| m.is_dir() && m.uid() == uzers::get_effective_uid() && m.mode() & 0o077 == 0)
}

/// Creates `dir` and what is missing above it for this OS user alone (0700), and refuses `dir`
/// and its parent when they are someone else's, a link, or open to others (never changed: a
/// directory made by another is passed by, not taken).
fn make_private(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    match [dir.parent().unwrap_or(dir), dir].into_iter().find(|d| !private(d)) {
        Some(d) => Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!("{} is not a directory of this user alone", d.display()),
        )),
        None => Ok(()),
    }
}

/// The first message of a connection (after refusing TLS and GSS encryption, which a unix socket
/// does not need).
struct Startup {
    code: i32,
    bytes: Vec<u8>,
}

impl Startup {
    /// A parameter of a startup message; none when it is named twice (the server would take the
    /// last, a check the first).
    fn param(&self, name: &str) -> Option<&str> {
        let mut fields = self.bytes.get(8..)?.split(|b| *b == 0);
        let mut found = None;
        while let (Some(k), Some(v)) = (fields.next(), fields.next()) {
            if k.is_empty() {
                break;
            }
            if k == name.as_bytes() {
                if found.is_some() {
                    return None;
                }
                found = Some(std::str::from_utf8(v).ok()?);
            }
        }
        found
    }
}

async fn read_startup(client: &mut UnixStream) -> std::io::Result<Option<Startup>> {
    loop {
        let mut head = [0u8; 8];
        client.read_exact(&mut head).await?;
        let len = i32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        let code = i32::from_be_bytes([head[4], head[5], head[6], head[7]]);
        if !(8..=10_000).contains(&len) || (code == CANCEL_REQUEST && len != 16) {
            return Ok(None);
        }
        let mut bytes = head.to_vec();
        bytes.resize(len as usize, 0);
        client.read_exact(&mut bytes[8..]).await?;
        match code {
            SSL_REQUEST | GSSENC_REQUEST => client.write_all(b"N").await?,
            CANCEL_REQUEST | PROTOCOL_3 => return Ok(Some(Startup { code, bytes })),
            _ => return Ok(None),
        }
    }
}

/// A server's ErrorResponse (FATAL) with `code` and `text`.
fn error_response(code: &str, text: &str) -> Vec<u8> {
    let mut body = Vec::new();
    for (field, value) in [(b'S', "FATAL"), (b'V', "FATAL"), (b'C', code), (b'M', text)] {
        body.push(field);
        body.extend_from_slice(value.as_bytes());
        body.push(0);
    }
    body.push(0);
    message(b'E', &body)
}

fn message(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![kind];
    m.extend_from_slice(&(body.len() as i32 + 4).to_be_bytes());
    m.extend_from_slice(body);
    m
}

/// A connection to the server, authenticated, between two commands.
struct Upstream {
    stream: UnixStream,
    /// The startup message it was opened with: lent only to connections that send the same.
    startup: Vec<u8>,
    /// The server's parameters as it last reported them, by name (ParameterStatus messages).
    parameters: Vec<(Vec<u8>, Vec<u8>)>,
    /// The backend's process id and secret (BackendKeyData's body).
    key: Vec<u8>,
}

enum Opened {
    Ready(Upstream),
    /// What the server said instead of a ready connection, and the connection when it goes on
    /// (an authentication request the keeper does not answer).
    Other(Vec<u8>, Option<UnixStream>),
}

impl Upstream {
    async fn open(server: &Path, startup: &[u8]) -> std::io::Result<Opened> {
        let mut stream = UnixStream::connect(server).await?;
        stream.write_all(startup).await?;
        let mut said = Vec::new();
        let (mut parameters, mut key) = (Vec::new(), Vec::new());
        loop {
            let m = tokio::time::timeout(HANDSHAKE, read_message(&mut stream))
                .await
                .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
            said.extend_from_slice(&m);
            match m[0] {
                b'R' if m.get(5..9) == Some(&[0, 0, 0, 0]) => {}
                b'R' => return Ok(Opened::Other(said, Some(stream))),
                b'E' => return Ok(Opened::Other(said, None)),
                b'S' => remember(&mut parameters, m),
                b'K' => key = m[5..].to_vec(),
                b'Z' => return Ok(Opened::Ready(Upstream { stream, startup: startup.to_vec(), parameters, key })),
                _ => {}
            }
        }
    }

    /// What a client is told when it is lent this connection: authenticated, the parameters,
    /// its own cancel key, ready.
    fn greeting(&self, key: &[u8; 8]) -> Vec<u8> {
        let mut g = message(b'R', &0i32.to_be_bytes());
        for (_, m) in &self.parameters {
            g.extend_from_slice(m);
        }
        g.extend_from_slice(&message(b'K', key));
        g.extend_from_slice(&message(b'Z', b"I"));
        g
    }

    /// The CancelRequest that names this backend.
    fn cancel_request(&self) -> Vec<u8> {
        let mut c = 16i32.to_be_bytes().to_vec();
        c.extend_from_slice(&CANCEL_REQUEST.to_be_bytes());
        c.extend_from_slice(&self.key);
        c
    }

    /// Still open, and silent: a backend ended while idle (an operator disabled, the server
    /// stopped) has closed it or said why.
    fn alive(&self) -> bool {
        matches!(self.stream.try_read(&mut [0u8; 1]), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
    }

    /// Resets the session for the next command; false when the server did not take it so.
    async fn reset(&mut self) -> bool {
        let reset = async {
            let mut query = b"DISCARD ALL".to_vec();
            query.push(0);
            self.stream.write_all(&message(b'Q', &query)).await?;
            let mut clean = true;
            loop {
                let m = read_message(&mut self.stream).await?;
                match m[0] {
                    b'E' => clean = false,
                    b'S' => remember(&mut self.parameters, m),
                    b'Z' => return Ok::<bool, std::io::Error>(clean && m.get(5) == Some(&b'I')),
                    _ => {}
                }
            }
        };
        matches!(tokio::time::timeout(HANDSHAKE, reset).await, Ok(Ok(true)))
    }
}

/// Keeps a ParameterStatus message, replacing the one of the same name.
fn remember(parameters: &mut Vec<(Vec<u8>, Vec<u8>)>, m: Vec<u8>) {
    let name = m.get(5..).and_then(|b| b.split(|c| *c == 0).next()).unwrap_or_default().to_vec();
    match parameters.iter_mut().find(|(n, _)| *n == name) {
        Some(p) => p.1 = m,
        None => parameters.push((name, m)),
    }
}

/// One whole message (the keeper's own exchanges: startup and reset, all small).
async fn read_message(stream: &mut UnixStream) -> std::io::Result<Vec<u8>> {
    let mut head = [0u8; 5];
    stream.read_exact(&mut head).await?;
    let len = i32::from_be_bytes([head[1], head[2], head[3], head[4]]);
    if !(4..=1 << 20).contains(&len) {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "bad message length"));
    }
    let mut m = head.to_vec();
    m.resize(len as usize + 1, 0);
    stream.read_exact(&mut m[5..]).await?;
    Ok(m)
}

/// Passes the messages of a lent connection both ways, each way on its own (a write that waits
/// for one side never stops the other way), until the client ends it or either side goes. True
/// when it ended with the session at rest: every request answered, no transaction open, no
/// message cut.
async fn relay(client: &mut UnixStream, upstream: &mut Upstream) -> bool {
    let (mut from_client, mut to_client) = client.split();
    let (mut from_server, mut to_server) = upstream.stream.split();
    // Each Query, Sync and FunctionCall is answered by one ReadyForQuery, which tells the
    // transaction's status: idle, in a transaction, in a failed one.
    let (requests, answers, status) = (AtomicU64::new(0), AtomicU64::new(0), AtomicU8::new(b'I'));
    let server_cut = AtomicBool::new(false);
    let asking = async {
        let mut frames = Frames::default();
        // Extended-protocol messages since the last Sync: the server has not finished them (nor
        // would it run a reset before their Sync).
        let mut unsynced = false;
        let (mut buf, mut out) = (vec![0u8; 64 * 1024], Vec::with_capacity(64 * 1024));
        loop {
            let n = match from_client.read(&mut buf).await {
                Ok(0) | Err(_) => return frames.at_rest() && !unsynced,
                Ok(n) => n,
            };
            out.clear();
            let ended = frames.feed(&buf[..n], &mut out, |kind| match kind {
                b'Q' | b'S' | b'F' => {
                    requests.fetch_add(1, Ordering::SeqCst);
                    unsynced = false;
                }
                // Parse, Bind, Execute, Describe, Close, Flush: waiting for their Sync.
                b'P' | b'B' | b'E' | b'D' | b'C' | b'H' => unsynced = true,
                _ => {}
            });
            if to_server.write_all(&out).await.is_err() {
                return false;
            }
            // Terminate ends the command's use of the connection, not the connection.
            if ended {
                return frames.at_rest() && !unsynced;
            }
        }
    };
    let telling = async {
        let mut frames = Frames { server: true, ..Frames::default() };
        let (mut buf, mut out) = (vec![0u8; 64 * 1024], Vec::with_capacity(64 * 1024));
        loop {
            let n = match from_server.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            out.clear();
            frames.feed(&buf[..n], &mut out, |_| {});
            for s in frames.statuses.drain(..) {
                answers.fetch_add(1, Ordering::SeqCst);
                status.store(s, Ordering::SeqCst);
            }
            server_cut.store(!frames.at_rest(), Ordering::SeqCst);
            if to_client.write_all(&out).await.is_err() {
                return;
            }
        }
    };
    tokio::select! {
        client_at_rest = asking => {
            client_at_rest
                && !server_cut.load(Ordering::SeqCst)
                && requests.load(Ordering::SeqCst) == answers.load(Ordering::SeqCst)
                && status.load(Ordering::SeqCst) == b'I'
        }
        // The server went, or the client stopped reading its answers.
        () = telling => false,
    }
}

/// Where a stream of protocol messages (a kind byte, a length that counts itself, the body)
/// stands, its bytes passed on as they come: at most a header is held back.
#[derive(Default)]
struct Frames {
    header: [u8; 5],
    have: usize,
    /// Bytes of the current message's body still to come.
    left: usize,
    /// The server's side: each ReadyForQuery's status byte is gathered in `statuses`.
    server: bool,
    status_next: bool,
    statuses: Vec<u8>,
    /// A length no message has: from there on the bytes are passed as they come, and the
    /// connection is not lent again.
    broken: bool,
}

impl Frames {
    fn at_rest(&self) -> bool {
        self.have == 0 && self.left == 0 && !self.broken
    }

    /// Passes `data` to `out`, telling `kind` of each message begun. On the client's side, true
    /// at a Terminate, which is not passed (nor anything after it).
    fn feed(&mut self, data: &[u8], out: &mut Vec<u8>, mut kind: impl FnMut(u8)) -> bool {
        if self.broken {
            out.extend_from_slice(data);
            return false;
        }
        let mut i = 0;
        while i < data.len() {
            if self.left > 0 {
                if self.status_next {
                    self.statuses.push(data[i]);
                    self.status_next = false;
                }
                let take = self.left.min(data.len() - i);
                out.extend_from_slice(&data[i..i + take]);
                self.left -= take;
                i += take;
                continue;
            }
            self.header[self.have] = data[i];
            self.have += 1;
            i += 1;
            if self.have < 5 {
                continue;
            }
            self.have = 0;
            let len = i32::from_be_bytes([self.header[1], self.header[2], self.header[3], self.header[4]]);
            if len < 4 {
                self.broken = true;
                out.extend_from_slice(&self.header);
                out.extend_from_slice(&data[i..]);
                return false;
            }
            if !self.server && self.header[0] == b'X' {
                return true;
            }
            out.extend_from_slice(&self.header);
            kind(self.header[0]);
            self.left = (len - 4) as usize;
            self.status_next = self.server && self.header[0] == b'Z' && self.left > 0;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Passes `stream` cut at `cut`: the bytes out and the kinds told, and whether a Terminate
    /// ended it.
    fn pass(frames: &mut Frames, stream: &[u8], cut: usize) -> (Vec<u8>, Vec<u8>, bool) {
        let (mut out, mut kinds) = (Vec::new(), Vec::new());
        let mut ended = frames.feed(&stream[..cut], &mut out, |k| kinds.push(k));
        if !ended {
            ended = frames.feed(&stream[cut..], &mut out, |k| kinds.push(k));
        }
        (out, kinds, ended)
    }

    #[test]
    fn messages_cut_anywhere_are_told_and_a_terminate_is_kept_back() {
        let mut stream = message(b'Q', b"SELECT 1\0");
        stream.extend(message(b'S', b""));
        let before = stream.len();
        stream.extend(message(b'X', b""));
        for cut in 0..=stream.len() {
            let mut f = Frames::default();
            let (out, kinds, ended) = pass(&mut f, &stream, cut);
            assert_eq!(out, stream[..before], "cut at {cut}");
            assert_eq!(kinds, b"QS", "cut at {cut}");
            assert!(ended && f.at_rest(), "cut at {cut}");
        }
        let mut f = Frames::default();
        f.feed(&stream[..3], &mut Vec::new(), |_| {});
        assert!(!f.at_rest(), "a message begun is not at rest");
        let mut bad = Frames::default();
        let mut out = Vec::new();
        bad.feed(&[b'Q', 0, 0, 0, 1, 7], &mut out, |_| {});
        assert!(!bad.at_rest() && out == [b'Q', 0, 0, 0, 1, 7], "a length below 4 breaks the stream, passed as is");
    }

    #[test]
    fn the_servers_ready_statuses_are_read_wherever_the_reads_cut() {
        let mut stream = message(b'C', b"SELECT 1\0");
        stream.extend(message(b'Z', b"T"));
        stream.extend(message(b'Z', b"I"));
        for cut in 0..=stream.len() {
            let mut f = Frames { server: true, ..Frames::default() };
            let (out, kinds, ended) = pass(&mut f, &stream, cut);
            assert_eq!((out, kinds, ended), (stream.clone(), b"CZZ".to_vec(), false), "cut at {cut}");
            assert_eq!(f.statuses, b"TI", "cut at {cut}");
        }
    }

    #[test]
    fn startup_parameters_are_read_and_a_parameter_named_twice_is_none() {
        let startup = |params: &[u8]| {
            let mut bytes = vec![0, 0, 0, 0];
            bytes.extend(PROTOCOL_3.to_be_bytes());
            bytes.extend(params);
            Startup { code: PROTOCOL_3, bytes }
        };
        let s = startup(b"user\0clerk\0database\0sportello\0\0");
        assert_eq!(s.param("user"), Some("clerk"));
        assert_eq!(s.param("database"), Some("sportello"));
        assert_eq!(s.param("options"), None);
        let twice = startup(b"user\0clerk\0database\0sportello\0user\0sportello:owner\0\0");
        assert_eq!(twice.param("user"), None);
    }

    #[test]
    fn parameters_are_remembered_by_name() {
        let mut kept = Vec::new();
        remember(&mut kept, message(b'S', b"TimeZone\0UTC\0"));
        remember(&mut kept, message(b'S', b"DateStyle\0ISO\0"));
        remember(&mut kept, message(b'S', b"TimeZone\0Europe/Rome\0"));
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].1, message(b'S', b"TimeZone\0Europe/Rome\0"));
    }
}
