//! What a connection needs to know: where to connect, how to authenticate, and its deadlines.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::resp::Limits;

/// The default connect timeout: 10 s (the redis-py production guide's value).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default read and write timeout: 10 s (the redis-py production guide's value).
pub const DEFAULT_SOCKET_TIMEOUT: Duration = Duration::from_secs(10);
/// The default TCP keepalive idle time before the first probe: 30 s, then every 5 s, 3 probes.
pub const DEFAULT_KEEPALIVE: Duration = Duration::from_secs(30);
/// The default port.
pub const DEFAULT_PORT: u16 = 6379;

/// The RESP protocol version to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Protocol {
    /// RESP2: every server speaks it.
    Resp2,
    /// RESP3 through `HELLO 3` (the default). On a server without `HELLO` (before Redis 6) the
    /// connection falls back to RESP2; [`Connection::protocol`](crate::Connection::protocol) says
    /// what was agreed.
    #[default]
    Resp3,
}

/// Where the server listens.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Address {
    /// A host name or IP address and a port.
    Tcp {
        /// Host name, IPv4 or IPv6 address (without brackets).
        host: String,
        /// TCP port.
        port: u16,
    },
    /// A Unix domain socket path.
    Unix(PathBuf),
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Tcp { host, port } if host.contains(':') => write!(f, "[{host}]:{port}"),
            Address::Tcp { host, port } => write!(f, "{host}:{port}"),
            Address::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

/// A password or token: kept out of `Debug`, `Display`, errors and logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    /// The secret itself; call it only to send it to the server.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Secret {
        Secret(s.to_string())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Secret {
        Secret(s)
    }
}

/// TLS settings for `rediss://` connections.
///
/// Certificate and hostname verification are on by default. Turning either off takes an option
/// whose name starts with `danger_`, so it stands out in review.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsConfig {
    /// A PEM file with extra root certificates to trust (for a private CA).
    pub ca_file: Option<PathBuf>,
    /// A PEM certificate chain and a PEM PKCS#8 private key for mutual TLS.
    pub identity: Option<(PathBuf, PathBuf)>,
    /// The name to send in SNI and verify the certificate against; defaults to the host.
    pub server_name: Option<String>,
    /// Accept any certificate, even an expired or self-signed one. Only for tests.
    pub danger_accept_invalid_certs: bool,
    /// Accept a valid certificate issued for another host name.
    pub danger_accept_invalid_hostnames: bool,
}

impl TlsConfig {
    /// Verification on, the system's roots, no client certificate.
    pub fn new() -> TlsConfig {
        TlsConfig::default()
    }
    /// Trust the certificates in this PEM file as well as the system's roots.
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> TlsConfig {
        self.ca_file = Some(path.into());
        self
    }
    /// Present this client certificate chain and key (both PEM; the key PKCS#8) for mutual TLS.
    pub fn identity(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> TlsConfig {
        self.identity = Some((cert.into(), key.into()));
        self
    }
    /// Send this name in SNI and verify the certificate against it instead of the host.
    pub fn server_name(mut self, name: impl Into<String>) -> TlsConfig {
        self.server_name = Some(name.into());
        self
    }
    /// Accept any certificate at all. This removes the protection TLS gives against an attacker in
    /// the middle; use it only in tests.
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> TlsConfig {
        self.danger_accept_invalid_certs = accept;
        self
    }
    /// Accept a certificate that names another host.
    pub fn danger_accept_invalid_hostnames(mut self, accept: bool) -> TlsConfig {
        self.danger_accept_invalid_hostnames = accept;
        self
    }
}

/// Everything one connection needs: address, credentials, database, protocol, deadlines, limits.
///
/// Build one from a URL with [`ConnectionConfig::from_url`] or from parts with
/// [`ConnectionConfig::new`], then adjust it with the methods named after each field. The fields
/// are public to read; the methods are the way to set them.
///
/// ```
/// use std::time::Duration;
/// let cfg = redisync::ConnectionConfig::from_url("redis://:secret@127.0.0.1:6380/2?socket_timeout=5")?
///     .client_name("worker-1")
///     .connect_timeout(Duration::from_secs(3));
/// assert_eq!(cfg.db, 2);
/// assert_eq!(cfg.read_timeout, Duration::from_secs(5));
/// assert!(!format!("{cfg:?}").contains("secret"));
/// # Ok::<(), redisync::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ConnectionConfig {
    /// Where the server listens.
    pub address: Address,
    /// TLS settings; `Some` turns TLS on.
    pub tls: Option<TlsConfig>,
    /// The ACL user name (Redis 6+); without one a password authenticates `default`.
    pub username: Option<String>,
    /// The password or token.
    pub password: Option<Secret>,
    /// The database to `SELECT` after connecting (default 0).
    pub db: u32,
    /// The name `CLIENT LIST` shows for this connection.
    pub client_name: Option<String>,
    /// The protocol to ask for (default [`Protocol::Resp3`], falling back to RESP2).
    pub protocol: Protocol,
    /// One deadline for resolution, connect, TLS and handshake together (default 10 s).
    pub connect_timeout: Duration,
    /// Deadline for each whole reply (default 10 s).
    pub read_timeout: Duration,
    /// Deadline for sending each command or pipeline (default 10 s).
    pub write_timeout: Duration,
    /// TCP keepalive idle time before the first probe (default 30 s), `None` for off.
    pub keepalive: Option<Duration>,
    /// Whether to send `CLIENT SETINFO LIB-NAME/LIB-VER` (default true).
    pub lib_info: bool,
    /// Limits on what the decoder accepts from the server.
    pub limits: Limits,
}

impl ConnectionConfig {
    /// A TCP connection to `host:port` with every default: db 0, no credentials, RESP3 (falling
    /// back to RESP2), 10 s connect and socket timeouts, keepalive after 30 s idle.
    pub fn new(host: impl Into<String>, port: u16) -> ConnectionConfig {
        ConnectionConfig::with_addr(Address::Tcp {
            host: host.into(),
            port,
        })
    }

    /// A Unix socket connection with every default.
    pub fn unix(path: impl Into<PathBuf>) -> ConnectionConfig {
        ConnectionConfig::with_addr(Address::Unix(path.into()))
    }

    fn with_addr(address: Address) -> ConnectionConfig {
        ConnectionConfig {
            address,
            tls: None,
            username: None,
            password: None,
            db: 0,
            client_name: None,
            protocol: Protocol::default(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_SOCKET_TIMEOUT,
            write_timeout: DEFAULT_SOCKET_TIMEOUT,
            keepalive: Some(DEFAULT_KEEPALIVE),
            lib_info: true,
            limits: Limits::default(),
        }
    }

    /// Turns TLS on (as `rediss://` does) with these settings.
    pub fn tls(mut self, tls: TlsConfig) -> ConnectionConfig {
        self.tls = Some(tls);
        self
    }
    /// The ACL user name (Redis 6+). Without one, a password authenticates the `default` user.
    pub fn username(mut self, user: impl Into<String>) -> ConnectionConfig {
        self.username = Some(user.into());
        self
    }
    /// The password or token.
    pub fn password(mut self, password: impl Into<Secret>) -> ConnectionConfig {
        self.password = Some(password.into());
        self
    }
    /// The database to `SELECT` after connecting (default 0).
    pub fn db(mut self, db: u32) -> ConnectionConfig {
        self.db = db;
        self
    }
    /// The name `CLIENT LIST` shows for this connection.
    pub fn client_name(mut self, name: impl Into<String>) -> ConnectionConfig {
        self.client_name = Some(name.into());
        self
    }
    /// The protocol to ask for (default [`Protocol::Resp3`]).
    pub fn protocol(mut self, protocol: Protocol) -> ConnectionConfig {
        self.protocol = protocol;
        self
    }
    /// One deadline for name resolution, TCP connect over every address, the TLS handshake and the
    /// handshake commands together (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> ConnectionConfig {
        self.connect_timeout = timeout;
        self
    }
    /// Sets both the read and the write timeout (default 10 s each).
    pub fn socket_timeout(mut self, timeout: Duration) -> ConnectionConfig {
        self.read_timeout = timeout;
        self.write_timeout = timeout;
        self
    }
    /// How long to wait for a whole reply once the command is sent (default 10 s).
    pub fn read_timeout(mut self, timeout: Duration) -> ConnectionConfig {
        self.read_timeout = timeout;
        self
    }
    /// How long sending one command (or pipeline) may take (default 10 s).
    pub fn write_timeout(mut self, timeout: Duration) -> ConnectionConfig {
        self.write_timeout = timeout;
        self
    }
    /// TCP keepalive: idle time before the first probe (default 30 s), or `None` to turn it off.
    /// Probes then go every 5 s, and 3 unanswered probes close the connection. The idle time
    /// is held between 1 s and 32,767 s (about 9 hours, the most Linux takes).
    pub fn keepalive(mut self, idle: Option<Duration>) -> ConnectionConfig {
        self.keepalive = idle;
        self
    }
    /// Whether to send `CLIENT SETINFO LIB-NAME redisync` and `LIB-VER` (default true; errors from
    /// servers older than 7.2 are ignored).
    pub fn lib_info(mut self, send: bool) -> ConnectionConfig {
        self.lib_info = send;
        self
    }
    /// Limits on what the decoder accepts from the server.
    pub fn limits(mut self, limits: Limits) -> ConnectionConfig {
        self.limits = limits;
        self
    }
}
