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
//! command (600 by default; 0: no keeper). Disabling an operator ends their backends (sql/V30),
//! the keeper's too: the next command then meets the refusal.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::Digest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

/// The port in the names of sockets (`.s.PGSQL.<port>`), as libpq and tokio-postgres name them.
const PORT: u16 = 5432;
/// Connections kept idle at most: more at once (a batch's writers) are closed after their command.
const KEPT: usize = 4;
/// Commands' connections served at once at most; more are refused (the server's limit per login
/// applies besides).
const SERVED: usize = 64;
/// The longest a connection may take to say who it is.
const HANDSHAKE: Duration = Duration::from_secs(10);

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
/// `server_dir`, and where it listens.
#[derive(Debug, Clone)]
pub struct Keeper {
    server_dir: PathBuf,
    login: String,
    dbname: String,
    dir: PathBuf,
}

impl Keeper {
    /// The keeper of this OS user for the login and database: it listens in
    /// `$XDG_RUNTIME_DIR/sportello` (else the temporary directory's `sportello-<uid>`), in a
    /// directory named by a digest of the server's socket, the login and the database.
    pub fn new(server_dir: &Path, login: &str, dbname: &str) -> Keeper {
        let uid = uzers::get_effective_uid();
        let base = match std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from) {
            Some(run) if run.is_absolute() => run.join("sportello"),
            _ => std::env::temp_dir().join(format!("sportello-{uid}")),
        };
        let digest = sha2::Sha256::digest(format!("{}\0{login}\0{dbname}", server_dir.display()).as_bytes());
        Keeper {
            server_dir: server_dir.to_path_buf(),
            login: login.to_string(),
            dbname: dbname.to_string(),
            dir: base.join(hex::encode(&digest[..8])),
        }
    }

    /// The directory of its socket.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn socket(&self) -> PathBuf {
        self.dir.join(format!(".s.PGSQL.{PORT}"))
    }

    fn server_socket(&self) -> PathBuf {
        self.server_dir.join(format!(".s.PGSQL.{PORT}"))
    }

    /// Whether a keeper may be listening: its socket is there, in a directory of ours that no
    /// one else may enter (a connection that fails then only costs the attempt).
    pub fn listening(&self) -> bool {
        private(&self.dir) && self.socket().exists()
    }

    /// Connection settings through the keeper: the login and database it serves.
    pub fn client_config(&self) -> tokio_postgres::Config {
        let mut config = tokio_postgres::Config::new();
        config.host_path(&self.dir).port(PORT).user(&self.login).dbname(&self.dbname);
        config
    }

    /// Starts a keeper in the background: this program with `args` (its command that runs
    /// [`Keeper::serve`]), in a process group of its own, with nothing to read or write. A
    /// keeper already listening makes the new one leave at once.
    pub fn start(&self, args: &[&std::ffi::OsStr]) {
        use std::os::unix::process::CommandExt;
        use std::process::Stdio;
        let Ok(exe) = std::env::current_exe() else { return };
        let spawned = std::process::Command::new(exe)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .current_dir("/")
            .process_group(0)
            .spawn();
        if let Err(e) = spawned {
            tracing::debug!(error = %e, "no keeper started");
        }
    }

    /// Listens and lends connections until `idle` passes without a command; returns at once
    /// when another keeper listens already.
    pub async fn serve(self, idle: Duration) -> std::io::Result<()> {
        make_private(&self.dir)?;
        let path = self.socket();
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
        let keeper = Arc::new(self);
        let pool = Arc::new(Mutex::new(Pool { idle: Vec::new(), serving: 0, last: Instant::now() }));
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
        let _ = std::fs::remove_file(&path);
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
            // Passed on as it came: it names the server's backend, whose key the client holds.
            let mut server = UnixStream::connect(self.server_socket()).await?;
            return server.write_all(&startup.bytes).await;
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
            let mut found = None;
            while let Some(u) = p.idle.pop() {
                if u.startup == startup.bytes && u.alive() {
                    found = Some(u);
                    break;
                }
            }
            found
        };
        let mut upstream = match kept {
            Some(u) => u,
            None => match Upstream::open(&self.server_socket(), &startup.bytes).await? {
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
        client.write_all(&upstream.greeting()).await?;
        if relay(client, &mut upstream).await && upstream.reset().await {
            let mut p = pool.lock().unwrap_or_else(|e| e.into_inner());
            if p.idle.len() < KEPT {
                p.idle.push(upstream);
            }
        }
        Ok(())
    }
}

/// The connections kept, and how many are lent.
struct Pool {
    idle: Vec<Upstream>,
    serving: usize,
    last: Instant,
}

/// Whether `dir` is a directory of this OS user that no one else may enter.
fn private(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(dir)
        .is_ok_and(|m| m.is_dir() && m.uid() == uzers::get_effective_uid() && m.mode() & 0o077 == 0)
}

/// Creates `dir` and its parent for this OS user alone (0700), and refuses them when they are
/// someone else's, a link, or open to others.
fn make_private(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    for d in [dir.parent().unwrap_or(dir), dir] {
        match std::fs::DirBuilder::new().mode(0o700).create(d) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        if !private(d) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!("{} is not a directory of this user alone", d.display()),
            ));
        }
    }
    Ok(())
}

/// The first message of a connection (after refusing TLS and GSS encryption, which a unix socket
/// does not need).
struct Startup {
    code: i32,
    bytes: Vec<u8>,
}

impl Startup {
    /// A parameter of a startup message.
    fn param(&self, name: &str) -> Option<&str> {
        let mut fields = self.bytes.get(8..)?.split(|b| *b == 0);
        while let (Some(k), Some(v)) = (fields.next(), fields.next()) {
            if k.is_empty() {
                return None;
            }
            if k == name.as_bytes() {
                return std::str::from_utf8(v).ok();
            }
        }
        None
    }
}

async fn read_startup(client: &mut UnixStream) -> std::io::Result<Option<Startup>> {
    loop {
        let mut head = [0u8; 8];
        client.read_exact(&mut head).await?;
        let len = i32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        let code = i32::from_be_bytes([head[4], head[5], head[6], head[7]]);
        if !(8..=10_000).contains(&len) {
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
    /// BackendKeyData: what a client's cancel request names.
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
            let m = read_message(&mut stream).await?;
            said.extend_from_slice(&m);
            match m[0] {
                b'R' if m.get(5..9) == Some(&[0, 0, 0, 0]) => {}
                b'R' => return Ok(Opened::Other(said, Some(stream))),
                b'E' => return Ok(Opened::Other(said, None)),
                b'S' => remember(&mut parameters, m),
                b'K' => key = m,
                b'Z' => return Ok(Opened::Ready(Upstream { stream, startup: startup.to_vec(), parameters, key })),
                _ => {}
            }
        }
    }

    /// What a client is told when it is lent this connection: authenticated, the parameters,
    /// the key, ready.
    fn greeting(&self) -> Vec<u8> {
        let mut g = message(b'R', &0i32.to_be_bytes());
        for (_, m) in &self.parameters {
            g.extend_from_slice(m);
        }
        g.extend_from_slice(&self.key);
        g.extend_from_slice(&message(b'Z', b"I"));
        g
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

async fn read_message(stream: &mut UnixStream) -> std::io::Result<Vec<u8>> {
    let mut head = [0u8; 5];
    stream.read_exact(&mut head).await?;
    let len = i32::from_be_bytes([head[1], head[2], head[3], head[4]]);
    if len < 4 {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "bad message length"));
    }
    let mut m = head.to_vec();
    m.resize(len as usize + 1, 0);
    stream.read_exact(&mut m[5..]).await?;
    Ok(m)
}

/// Passes the messages of a lent connection both ways until the client ends it. True when it
/// ended with the session at rest: every request answered, no transaction open, no message cut.
async fn relay(client: &mut UnixStream, upstream: &mut Upstream) -> bool {
    let (mut from_client, mut to_client) = client.split();
    let (mut from_server, mut to_server) = upstream.stream.split();
    let (mut asked, mut told) = (Frames::default(), Frames::default());
    // Each Query, Sync and FunctionCall is answered by one ReadyForQuery, which tells the
    // transaction's status: idle, in a transaction, in a failed one.
    let (mut requests, mut answers, mut status) = (0u64, 0u64, b'I');
    let (mut cbuf, mut sbuf) = (vec![0u8; 16 * 1024], vec![0u8; 64 * 1024]);
    loop {
        tokio::select! {
            read = from_client.read(&mut cbuf) => {
                let n = match read {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let (mut whole, kinds) = asked.feed(&cbuf[..n]);
                let mut ended = false;
                for (kind, at) in kinds {
                    match kind {
                        // Terminate ends the command's use of the connection, not the connection.
                        b'X' => {
                            whole.truncate(at);
                            ended = true;
                            break;
                        }
                        b'Q' | b'S' | b'F' => requests += 1,
                        _ => {}
                    }
                }
                if to_server.write_all(&whole).await.is_err() {
                    return false;
                }
                if ended {
                    break;
                }
            }
            read = from_server.read(&mut sbuf) => {
                let n = match read {
                    Ok(0) | Err(_) => return false,
                    Ok(n) => n,
                };
                let (whole, kinds) = told.feed(&sbuf[..n]);
                for (kind, at) in kinds {
                    if kind == b'Z' {
                        answers += 1;
                        status = whole.get(at + 5).copied().unwrap_or(b'?');
                    }
                }
                if to_client.write_all(&whole).await.is_err() {
                    break;
                }
            }
        }
    }
    asked.at_rest() && told.at_rest() && requests == answers && status == b'I'
}

/// A byte stream of protocol messages (a kind byte, a length that counts itself, the body),
/// passed on whole messages at a time.
#[derive(Default)]
struct Frames {
    pending: Vec<u8>,
    /// A length no message has: from there on the bytes are passed as they come, and the
    /// connection is not lent again.
    broken: bool,
}

impl Frames {
    fn at_rest(&self) -> bool {
        self.pending.is_empty() && !self.broken
    }

    /// Adds `data`; returns the bytes of the messages now whole, with the kind and offset of
    /// each (the rest waits for the next read).
    fn feed(&mut self, data: &[u8]) -> (Vec<u8>, Vec<(u8, usize)>) {
        if self.broken {
            return (data.to_vec(), Vec::new());
        }
        self.pending.extend_from_slice(data);
        let (mut at, mut kinds) = (0, Vec::new());
        while self.pending.len() - at >= 5 {
            let p = &self.pending[at..];
            let len = i32::from_be_bytes([p[1], p[2], p[3], p[4]]);
            if len < 4 {
                self.broken = true;
                return (std::mem::take(&mut self.pending), kinds);
            }
            let end = at + 1 + len as usize;
            if end > self.pending.len() {
                break;
            }
            kinds.push((p[0], at));
            at = end;
        }
        let rest = self.pending.split_off(at);
        (std::mem::replace(&mut self.pending, rest), kinds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_cut_anywhere_are_passed_whole() {
        let mut stream = message(b'Q', b"SELECT 1\0");
        stream.extend(message(b'S', b""));
        stream.extend(message(b'X', b""));
        for cut in 0..stream.len() {
            let mut f = Frames::default();
            let (mut bytes, mut kinds) = f.feed(&stream[..cut]);
            let (more, more_kinds) = f.feed(&stream[cut..]);
            kinds.extend(more_kinds.into_iter().map(|(k, at)| (k, at + bytes.len())));
            bytes.extend(more);
            assert_eq!(bytes, stream, "cut at {cut}");
            assert_eq!(kinds.iter().map(|k| k.0).collect::<Vec<_>>(), b"QSX", "cut at {cut}");
            assert_eq!(kinds[2].1, stream.len() - 5);
            assert!(f.at_rest());
        }
        let mut f = Frames::default();
        f.feed(&stream[..3]);
        assert!(!f.at_rest(), "a message begun is not at rest");
        let mut bad = Frames::default();
        bad.feed(&[b'Q', 0, 0, 0, 1]);
        assert!(!bad.at_rest(), "a length below 4 breaks the stream");
    }

    #[test]
    fn startup_parameters_are_read() {
        let mut bytes = vec![0, 0, 0, 0];
        bytes.extend(PROTOCOL_3.to_be_bytes());
        bytes.extend(b"user\0clerk\0database\0sportello\0\0");
        let s = Startup { code: PROTOCOL_3, bytes };
        assert_eq!(s.param("user"), Some("clerk"));
        assert_eq!(s.param("database"), Some("sportello"));
        assert_eq!(s.param("options"), None);
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
