//! A real `redis-server` process per test.
//!
//! Each [`RedisServer`] runs in its own temp dir with its own config file,
//! log file and free ports, with persistence off, so tests can run in
//! parallel and leave nothing behind. Tests never skip: when `redis-server`
//! is missing they fail and say how to install it.
//!
//! ```ignore
//! let server = RedisServer::start();
//! assert_eq!(server.raw_command(&["PING"]), "+PONG\r\n");
//!
//! let secure = RedisServer::builder()
//!     .requirepass("s3cret")
//!     .acl_user("alice on >pw ~* +@all")
//!     .unix_socket()
//!     .tls()
//!     .config("maxclients 50")
//!     .start();
//! ```

use std::env;
use std::fs::{self, File};
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::ports::{free_cluster_port, free_port};
use super::resp::RawConnection;
use super::tls::tls_certs;

/// The only address the servers listen on.
const HOST: &str = "127.0.0.1";
/// How long a server may take to become ready (generous: CI machines are
/// small and tests start many servers in parallel).
const START_DEADLINE: Duration = Duration::from_secs(20);
/// How often a server is started on new ports after losing a port race.
const START_ATTEMPTS: usize = 5;
/// Bounds every step of [`RedisServer::raw_command`].
const RAW_TIMEOUT: Duration = Duration::from_secs(10);
/// The line redis-server logs once every listener is bound; seeing it in
/// *our* log file proves the ports belong to *our* process.
const READY_LINE: &str = "Ready to accept connections";
/// Log lines that mean a port was taken between picking and binding it.
const BIND_CONFLICT: &str = "Address already in use";

/// Which server a binary is: tests that depend on a server's behaviour ask
/// [`RedisServer::kind`] and [`RedisServer::version`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    /// Redis (`redis_version` in `INFO server`).
    Redis,
    /// Valkey (`server_name:valkey`; its own version is `valkey_version`).
    Valkey,
}

/// A server version, `(major, minor, patch)`, e.g. `(6, 2, 14)`: compares
/// in version order.
pub type Version = (u32, u32, u32);

/// Who may (or must) present a client certificate to a TLS server
/// (`tls-auth-clients`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsAuthClients {
    /// Client certificates are not asked for.
    No,
    /// A client certificate is verified if sent, but not required (default).
    Optional,
    /// Mutual TLS: a client without a certificate signed by the CA is refused.
    Yes,
}

impl TlsAuthClients {
    fn as_config(self) -> &'static str {
        match self {
            TlsAuthClients::No => "no",
            TlsAuthClients::Optional => "optional",
            TlsAuthClients::Yes => "yes",
        }
    }
}

/// Options for a [`RedisServer`]; see [`RedisServer::builder`].
#[derive(Debug, Clone)]
#[must_use = "call .start() to run the server"]
pub struct RedisServerBuilder {
    requirepass: Option<String>,
    acl_users: Vec<String>,
    unix_socket: bool,
    tls: Option<TlsAuthClients>,
    tls_only: bool,
    cluster_port: bool,
    extra: Vec<String>,
}

impl RedisServerBuilder {
    /// Sets `requirepass` (the `default` user's password).
    /// [`RedisServer::raw_command`] then authenticates with it.
    pub fn requirepass(mut self, password: &str) -> Self {
        self.requirepass = Some(password.to_owned());
        self
    }

    /// Adds an ACL user, as the rest of a `user` config line:
    /// `"alice on >pw ~* +@all"` (a leading `"user "` is accepted too).
    pub fn acl_user(mut self, rule: &str) -> Self {
        let rule = rule.trim();
        let rule = rule.strip_prefix("user ").unwrap_or(rule);
        self.acl_users.push(format!("user {rule}"));
        self
    }

    /// Also listens on a Unix socket `<dir>/redis.sock`, mode 700; see
    /// [`RedisServer::unix_path`].
    pub fn unix_socket(mut self) -> Self {
        self.unix_socket = true;
        self
    }

    /// Adds a TLS port next to the plain one, with the certificates of
    /// [`tls_certs`] and `tls-auth-clients optional`.
    pub fn tls(mut self) -> Self {
        self.tls.get_or_insert(TlsAuthClients::Optional);
        self
    }

    /// TLS only: no plain TCP port (`port 0`). [`RedisServer::raw_command`]
    /// then needs [`unix_socket`](Self::unix_socket).
    pub fn tls_only(mut self) -> Self {
        self.tls_only = true;
        self.tls()
    }

    /// Sets `tls-auth-clients` (and turns TLS on); `Yes` for mutual TLS.
    pub fn tls_auth_clients(mut self, mode: TlsAuthClients) -> Self {
        self.tls = Some(mode);
        self
    }

    /// Picks the port for a Redis Cluster node: the cluster bus port
    /// (+10000, see [`free_cluster_port`]) is free too. The cluster config
    /// lines themselves come with [`config`](Self::config); see
    /// `support::cluster`.
    pub fn cluster_port(mut self) -> Self {
        self.cluster_port = true;
        self
    }

    /// Appends a raw `redis.conf` line, e.g. `"maxclients 50"` or
    /// `"timeout 1"`. Values with spaces need redis.conf quoting.
    pub fn config(mut self, line: &str) -> Self {
        self.extra.push(line.to_owned());
        self
    }

    /// Starts the server and waits until it is ready.
    ///
    /// # Panics
    ///
    /// When `redis-server` is not installed, or does not become ready (the
    /// message carries its log).
    pub fn start(self) -> RedisServer {
        let bin = redis_server_bin();
        let dir = tempfile::Builder::new()
            .prefix("redisync-redis-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temp dir for redis-server: {e}"));
        let unix_path = self.unix_socket.then(|| dir.path().join("redis.sock"));
        if let Some(path) = &unix_path {
            // sockaddr_un.sun_path holds 108 bytes including the NUL.
            let len = path.as_os_str().len();
            assert!(
                len < 108,
                "unix socket path {} is {len} bytes, too long for a socket: set TMPDIR to a shorter directory",
                path.display()
            );
        }
        let bin_version = binary_version(&bin);
        let mut server = RedisServer {
            bin,
            bin_version,
            info: OnceLock::new(),
            options: self,
            port: 0,
            tls_port: None,
            unix_path,
            child: None,
            dir,
        };
        for attempt in 1..=START_ATTEMPTS {
            server.port = if server.options.tls_only {
                0
            } else if server.options.cluster_port {
                free_cluster_port()
            } else {
                free_port()
            };
            server.tls_port = server.options.tls.map(|_| free_port());
            match server.launch() {
                Ok(()) => return server,
                Err(Exited {
                    lost_port_race: true,
                    ..
                }) if attempt < START_ATTEMPTS => continue,
                Err(Exited { report, .. }) => panic!("redis-server did not start: {report}"),
            }
        }
        unreachable!("the last attempt either returns or panics")
    }
}

/// A running `redis-server`, killed and reaped on drop.
#[derive(Debug)]
pub struct RedisServer {
    bin: PathBuf,
    /// What `bin --version` says: decides the config lines it accepts.
    bin_version: (ServerKind, Version),
    /// What the running server says in `INFO server`, asked once.
    info: OnceLock<(ServerKind, Version)>,
    options: RedisServerBuilder,
    /// Plain TCP port; 0 when TLS-only.
    port: u16,
    tls_port: Option<u16>,
    unix_path: Option<PathBuf>,
    child: Option<Child>,
    /// Dropped after `Drop::drop` has killed the process.
    dir: TempDir,
}

/// redis-server exited during startup.
struct Exited {
    /// It could not bind a port that was free when picked.
    lost_port_race: bool,
    /// What to tell the test author.
    report: String,
}

impl RedisServer {
    /// Options for a server; finish with [`RedisServerBuilder::start`].
    pub fn builder() -> RedisServerBuilder {
        RedisServerBuilder {
            requirepass: None,
            acl_users: Vec::new(),
            unix_socket: false,
            tls: None,
            tls_only: false,
            cluster_port: false,
            extra: Vec::new(),
        }
    }

    /// A plain server with default options.
    pub fn start() -> RedisServer {
        Self::builder().start()
    }

    /// `"127.0.0.1"`: the servers listen on IPv4 loopback only.
    pub fn host(&self) -> &'static str {
        HOST
    }

    /// The plain TCP port.
    ///
    /// # Panics
    ///
    /// For a [`tls_only`](RedisServerBuilder::tls_only) server.
    pub fn port(&self) -> u16 {
        assert!(
            self.port != 0,
            "this server is TLS-only: it has no plain port"
        );
        self.port
    }

    /// `127.0.0.1:PORT` as a socket address.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port()))
    }

    /// `redis://127.0.0.1:PORT` (no credentials in it).
    pub fn url(&self) -> String {
        format!("redis://{HOST}:{}", self.port())
    }

    /// The TLS port.
    ///
    /// # Panics
    ///
    /// When TLS was not asked for.
    pub fn tls_port(&self) -> u16 {
        self.tls_port
            .expect("this server has no TLS port: build it with .tls()")
    }

    /// `rediss://127.0.0.1:TLSPORT`. The server certificate names both
    /// `localhost` and `IP:127.0.0.1`, so either host verifies.
    pub fn tls_url(&self) -> String {
        format!("rediss://{HOST}:{}", self.tls_port())
    }

    /// The Unix socket's path.
    ///
    /// # Panics
    ///
    /// When the Unix socket was not asked for.
    pub fn unix_path(&self) -> &Path {
        self.unix_path
            .as_deref()
            .expect("this server has no Unix socket: build it with .unix_socket()")
    }

    /// The `requirepass` password, if one was set.
    pub fn password(&self) -> Option<&str> {
        self.options.requirepass.as_deref()
    }

    /// The server binary this runs (`$REDIS_SERVER_BIN` or `redis-server`
    /// on `PATH`).
    pub fn bin(&self) -> &Path {
        &self.bin
    }

    /// The server's temp dir (working dir, config, log, socket).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The generated `redis.conf`.
    pub fn config_path(&self) -> PathBuf {
        self.dir().join("redis.conf")
    }

    /// The server's log file.
    pub fn log_path(&self) -> PathBuf {
        self.dir().join("redis.log")
    }

    /// The server's log so far (empty if unreadable).
    pub fn log(&self) -> String {
        fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// The server's own version from `INFO server`: `valkey_version` on
    /// Valkey (whose `redis_version` is a fixed 7.2.4 for compatibility),
    /// else `redis_version`. Asked once per server.
    ///
    /// Valkey forked from Redis 7.2, so a Redis 7.x feature is there when
    /// `version() >= (7, 0, 0)` on either.
    pub fn version(&self) -> Version {
        self.server_info().1
    }

    /// Redis or Valkey, from `INFO server` (`server_name`).
    pub fn kind(&self) -> ServerKind {
        self.server_info().0
    }

    /// Whether this is a Valkey server.
    pub fn is_valkey(&self) -> bool {
        self.kind() == ServerKind::Valkey
    }

    /// `"Redis 6.2.14"` or `"Valkey 9.1.2"`, for messages.
    pub fn describe_version(&self) -> String {
        let (major, minor, patch) = self.version();
        format!("{:?} {major}.{minor}.{patch}", self.kind())
    }

    fn server_info(&self) -> (ServerKind, Version) {
        *self.info.get_or_init(|| {
            let info = self.raw_command(&["INFO", "server"]);
            parse_info_server(&info)
                .unwrap_or_else(|| panic!("INFO server has no server version: {info:?}"))
        })
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Whether the process is still running (reaps it if it has exited).
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut().map(Child::try_wait) {
            Some(Ok(None)) => true,
            Some(Ok(Some(_))) => {
                self.child = None;
                false
            }
            Some(Err(e)) => panic!("cannot query the redis-server process: {e}"),
            None => false,
        }
    }

    /// Sends one command on a new connection and returns the raw RESP reply
    /// text, e.g. `"+PONG\r\n"` or `"$5\r\nhello\r\n"`. Authenticates first
    /// when `requirepass` is set. Uses the plain port, or the Unix socket on
    /// a TLS-only server.
    ///
    /// # Panics
    ///
    /// When the server cannot be reached or answers garbage.
    pub fn raw_command(&self, args: &[&str]) -> String {
        let auth = self.password().map(|pw| (None, pw));
        self.raw(auth, args)
    }

    /// Like [`raw_command`](Self::raw_command) but never authenticates: for
    /// checking that the server demands it (`-NOAUTH ...`).
    pub fn raw_command_noauth(&self, args: &[&str]) -> String {
        self.raw(None, args)
    }

    /// Like [`raw_command`](Self::raw_command) but authenticates as ACL user
    /// `user` first.
    pub fn raw_command_as(&self, user: &str, password: &str, args: &[&str]) -> String {
        self.raw(Some((Some(user), password)), args)
    }

    /// Like [`raw_command`](Self::raw_command) but returns connection errors
    /// instead of panicking: for checking that a killed server is gone.
    pub fn try_raw_command(&self, args: &[&str]) -> io::Result<String> {
        let auth = self.password().map(|pw| (None, pw));
        self.try_raw(auth, args)
    }

    /// How many times `command` (lower case, e.g. `"ping"`) has run on this server, from
    /// `INFO commandstats` read over the fixture's own socket (0 when it never ran), so a
    /// client under test cannot skew the count.
    pub fn command_calls(&self, command: &str) -> u64 {
        let info = self.raw_command(&["INFO", "commandstats"]);
        let prefix = format!("cmdstat_{command}:calls=");
        info.lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .and_then(|rest| rest.split(',').next())
            .map_or(0, |n| {
                n.parse()
                    .unwrap_or_else(|e| panic!("INFO commandstats: bad count {n:?}: {e}"))
            })
    }

    /// How often `command` reached the server, run or refused: calls + rejected + failed calls.
    pub fn command_seen(&self, command: &str) -> u64 {
        let info = self.raw_command(&["INFO", "commandstats"]);
        let prefix = format!("cmdstat_{command}:");
        let Some(line) = info.lines().find_map(|l| l.strip_prefix(&prefix)) else {
            return 0;
        };
        line.trim()
            .split(',')
            .filter_map(|kv| kv.split_once('='))
            .filter(|(k, _)| matches!(*k, "calls" | "rejected_calls" | "failed_calls"))
            .map(|(_, v)| {
                v.parse::<u64>()
                    .unwrap_or_else(|e| panic!("INFO commandstats: bad count {v:?}: {e}"))
            })
            .sum()
    }

    /// How many clients are blocked on the server now (`blocked_clients` in `INFO clients`).
    pub fn blocked_clients(&self) -> u64 {
        let info = self.raw_command(&["INFO", "clients"]);
        info.lines()
            .find_map(|l| l.strip_prefix("blocked_clients:"))
            .map_or(0, |n| {
                n.trim()
                    .parse()
                    .unwrap_or_else(|e| panic!("INFO clients: bad blocked_clients {n:?}: {e}"))
            })
    }

    /// Kills the server now (SIGKILL: clients see the connection drop, no
    /// goodbye) and reaps it. Ports and paths keep their values, so a client
    /// can be pointed at a dead server. Idempotent.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Fails only when the process has already exited; wait reaps it.
            let _ = child.kill();
            if let Err(e) = child.wait() {
                panic!("cannot reap redis-server (pid {}): {e}", child.id());
            }
        }
    }

    /// Kills the server and starts it again with the same config on the same
    /// ports (data is lost: persistence is off). For reconnect tests.
    ///
    /// # Panics
    ///
    /// When it does not come back, e.g. because something else took its
    /// port meanwhile.
    pub fn restart(&mut self) {
        self.kill();
        let deadline = Instant::now() + START_DEADLINE;
        loop {
            match self.launch() {
                Ok(()) => return,
                // A port may linger briefly after a kill; another process may
                // also have taken it, which waiting will not fix: bounded.
                Err(Exited {
                    lost_port_race: true,
                    ..
                }) if Instant::now() < deadline => {
                    thread::sleep(Duration::from_millis(100));
                }
                Err(Exited { report, .. }) => panic!("redis-server did not restart: {report}"),
            }
        }
    }

    /// Writes the config, spawns redis-server and waits until it is ready.
    fn launch(&mut self) -> Result<(), Exited> {
        fs::write(self.config_path(), self.config_text())
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", self.config_path().display()));
        // The log file is per launch, so readiness is judged on this run's lines.
        let _ = fs::remove_file(self.log_path());
        let output_path = self.dir().join("stdout.log");
        let output = File::create(&output_path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", output_path.display()));
        let output2 = output
            .try_clone()
            .unwrap_or_else(|e| panic!("cannot clone a file handle: {e}"));
        let child = Command::new(&self.bin)
            .arg(self.config_path())
            .current_dir(self.dir())
            .stdin(Stdio::null())
            .stdout(output)
            .stderr(output2)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.bin.display()));
        self.child = Some(child);

        let started = Instant::now();
        loop {
            if !self.is_running() {
                let log = format!(
                    "{}{}",
                    fs::read_to_string(&output_path).unwrap_or_default(),
                    self.log()
                );
                return Err(Exited {
                    lost_port_race: log.contains(BIND_CONFLICT),
                    report: format!("it exited during startup.\n{}", self.describe(&log)),
                });
            }
            if self.is_ready() {
                return Ok(());
            }
            if started.elapsed() > START_DEADLINE {
                let log = self.log();
                self.kill();
                panic!(
                    "redis-server was not ready after {START_DEADLINE:?}.\n{}",
                    self.describe(&log)
                );
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Ready = our log says all listeners are bound, the plain port answers
    /// PING (a TLS port only has to accept TCP: plain RESP cannot be spoken
    /// to it), and the Unix socket accepts.
    fn is_ready(&self) -> bool {
        if !self.log().contains(READY_LINE) {
            return false;
        }
        if self.port != 0 {
            let auth = self.password().map(|pw| (None, pw));
            match self.try_raw_tcp(auth, &["PING"]) {
                // NOAUTH: up, but guarded by credentials only the test knows
                // (e.g. a `user default ...` config line).
                Ok(reply) if reply == "+PONG\r\n" || reply.starts_with("-NOAUTH") => {}
                _ => return false,
            }
        }
        if let Some(tls_port) = self.tls_port {
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, tls_port));
            if TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err() {
                return false;
            }
        }
        if let Some(path) = &self.unix_path {
            if UnixStream::connect(path).is_err() {
                return false;
            }
        }
        true
    }

    fn raw(&self, auth: Option<(Option<&str>, &str)>, args: &[&str]) -> String {
        self.try_raw(auth, args).unwrap_or_else(|e| {
            panic!(
                "raw command {args:?} to redis-server failed: {e}\n{}",
                self.describe(&self.log())
            )
        })
    }

    fn try_raw(&self, auth: Option<(Option<&str>, &str)>, args: &[&str]) -> io::Result<String> {
        if self.port != 0 {
            return self.try_raw_tcp(auth, args);
        }
        let Some(path) = &self.unix_path else {
            panic!("raw_command on a TLS-only server needs .unix_socket() too");
        };
        let stream = UnixStream::connect(path)?;
        stream.set_read_timeout(Some(RAW_TIMEOUT))?;
        stream.set_write_timeout(Some(RAW_TIMEOUT))?;
        authenticated_round_trip(stream, auth, args)
    }

    fn try_raw_tcp(&self, auth: Option<(Option<&str>, &str)>, args: &[&str]) -> io::Result<String> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let stream = TcpStream::connect_timeout(&addr, RAW_TIMEOUT)?;
        stream.set_read_timeout(Some(RAW_TIMEOUT))?;
        stream.set_write_timeout(Some(RAW_TIMEOUT))?;
        stream.set_nodelay(true)?;
        authenticated_round_trip(stream, auth, args)
    }

    /// The redis.conf for the current ports and options.
    fn config_text(&self) -> String {
        let dir = self.dir();
        let mut lines = vec![
            "# Written by tests/support/server.rs for one test.".to_owned(),
            format!("bind {HOST}"),
            "protected-mode no".to_owned(),
            "daemonize no".to_owned(),
            "save \"\"".to_owned(),
            "appendonly no".to_owned(),
            format!("dir {}", quote_path(dir)),
            format!("logfile {}", quote_path(&dir.join("redis.log"))),
            "loglevel notice".to_owned(),
            format!("port {}", self.port),
        ];
        // DEBUG SLEEP etc. for read-timeout tests against a real server. The
        // setting came with 7.0 (6.2 refuses to start with it, and always
        // allows DEBUG); Valkey has it too.
        if self.bin_version.1 >= (7, 0, 0) {
            lines.push("enable-debug-command local".to_owned());
        }
        if let Some(path) = &self.unix_path {
            lines.push(format!("unixsocket {}", quote_path(path)));
            lines.push("unixsocketperm 700".to_owned());
        }
        if let (Some(tls_port), Some(auth_clients)) = (self.tls_port, self.options.tls) {
            let certs = tls_certs();
            lines.push(format!("tls-port {tls_port}"));
            lines.push(format!("tls-cert-file {}", quote_path(&certs.server_cert)));
            lines.push(format!("tls-key-file {}", quote_path(&certs.server_key)));
            lines.push(format!("tls-ca-cert-file {}", quote_path(&certs.ca_cert)));
            lines.push(format!("tls-auth-clients {}", auth_clients.as_config()));
        }
        if let Some(password) = &self.options.requirepass {
            lines.push(format!("requirepass {}", quote(password)));
        }
        lines.extend(self.options.acl_users.iter().cloned());
        lines.extend(self.options.extra.iter().cloned());
        lines.push(String::new());
        lines.join("\n")
    }

    /// Ports, paths and the tail of `log`, for panic messages.
    fn describe(&self, log: &str) -> String {
        let tail: Vec<&str> = log.lines().rev().take(30).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        format!(
            "binary: {}\nport: {}, tls port: {:?}, dir: {}\nconfig:\n{}\nlog (last lines):\n{}",
            self.bin.display(),
            self.port,
            self.tls_port,
            self.dir().display(),
            self.config_text(),
            tail.join("\n"),
        )
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if thread::panicking() {
            // The test failed: the server's view often explains why.
            eprintln!(
                "--- redis-server log ({}) ---\n{}",
                self.log_path().display(),
                self.log()
            );
        }
        if let Some(mut child) = self.child.take() {
            // Never panic in drop: this may run during a panic already.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// AUTH (if asked for), then `args` on the same connection; returns the
/// reply to `args`.
fn authenticated_round_trip<S: Read + Write>(
    stream: S,
    auth: Option<(Option<&str>, &str)>,
    args: &[&str],
) -> io::Result<String> {
    let mut conn = RawConnection::new(stream);
    if let Some((user, password)) = auth {
        let mut auth_args = vec!["AUTH"];
        auth_args.extend(user);
        auth_args.push(password);
        let reply = conn.round_trip(&auth_args)?;
        if reply != "+OK\r\n" {
            return Err(io::Error::new(
                ErrorKind::PermissionDenied,
                format!("AUTH was refused: {reply:?}"),
            ));
        }
    }
    conn.round_trip(args)
}

/// The `redis-server` to run: `$REDIS_SERVER_BIN`, else the first on `PATH`.
///
/// # Panics
///
/// When there is none: tests never skip for a missing server.
fn redis_server_bin() -> PathBuf {
    if let Some(bin) = env::var_os("REDIS_SERVER_BIN") {
        let bin = PathBuf::from(bin);
        assert!(
            is_executable(&bin),
            "REDIS_SERVER_BIN={} is not an executable file",
            bin.display()
        );
        return bin;
    }
    let path = env::var_os("PATH").unwrap_or_default();
    env::split_paths(&path)
        .map(|dir| dir.join("redis-server"))
        .find(|candidate| is_executable(candidate))
        .unwrap_or_else(|| {
            panic!(
                "redis-server not found: run `make test`, which installs it \
                 (or set REDIS_SERVER_BIN to a redis-server binary)"
            )
        })
}

/// What `bin --version` says, e.g. `Redis server v=6.2.14 sha=...` or
/// `Valkey server v=9.1.2 sha=...`.
///
/// # Panics
///
/// When it cannot be run or says something else.
fn binary_version(bin: &Path) -> (ServerKind, Version) {
    let out = Command::new(bin)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} --version: {e}", bin.display()));
    let text = String::from_utf8_lossy(&out.stdout);
    let kind = if text.starts_with("Valkey") {
        ServerKind::Valkey
    } else {
        ServerKind::Redis
    };
    text.split_whitespace()
        .find_map(|word| word.strip_prefix("v="))
        .and_then(parse_version)
        .map(|version| (kind, version))
        .unwrap_or_else(|| {
            panic!(
                "{} --version printed no version: {text:?} {}",
                bin.display(),
                String::from_utf8_lossy(&out.stderr)
            )
        })
}

/// Kind and version from an `INFO server` reply (raw RESP text is fine:
/// only its `field:value` lines are read).
fn parse_info_server(info: &str) -> Option<(ServerKind, Version)> {
    let field = |name: &str| {
        info.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
            .map(str::trim)
    };
    match field("valkey_version") {
        Some(version) => Some((ServerKind::Valkey, parse_version(version)?)),
        None if field("server_name") == Some("valkey") => None,
        None => Some((ServerKind::Redis, parse_version(field("redis_version")?)?)),
    }
}

/// `"6.2.14"` → `(6, 2, 14)`; a missing patch is 0.
fn parse_version(text: &str) -> Option<Version> {
    let mut parts = text.split('.').map(|part| part.parse::<u32>().ok());
    let major = parts.next()??;
    let minor = parts.next()??;
    let patch = parts.next().unwrap_or(Some(0))?;
    Some((major, minor, patch))
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// `value` as a double-quoted redis.conf string.
pub(crate) fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn quote_path(path: &Path) -> String {
    let text = path.to_str().unwrap_or_else(|| {
        panic!(
            "path {} is not UTF-8; redis.conf needs text",
            path.display()
        )
    });
    quote(text)
}
