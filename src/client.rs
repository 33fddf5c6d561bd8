//! [`Client`]: the cheap-to-clone, thread-safe handle that composes the pool and the commands.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::commands::{Batch, Commands, Execute, FromValue, Pipeline, Request, ToArgs};
use crate::connection::Connection;
use crate::connection::config::{ConnectionConfig, Protocol, Secret, TlsConfig};
use crate::error::{Error, ErrorKind, Result};
use crate::pool::{Pool, PoolConfig, PoolState, PooledConnection};
use crate::resp::Value;
use crate::retry::{Attempt, Retry, record_attempts};
use std::time::Instant;

/// A Redis client for threaded programs: clone it freely (clones share one connection pool)
/// and call commands on a shared `&Client` from any thread.
///
/// ```no_run
/// use redisync::{Client, Commands};
/// let client = Client::open("redis://127.0.0.1:6379/0")?;
/// client.set("greeting", "hello")?;
/// let v: Option<String> = client.get("greeting")?;
/// let worker = client.clone();
/// std::thread::spawn(move || worker.incr("hits"));
/// # Ok::<(), redisync::Error>(())
/// ```
///
/// Each command checks a connection out of the pool, sends, reads the reply and returns the
/// connection. For several commands in a row on one connection (or a transaction), take one
/// with [`Client::get_connection`].
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    retry: Retry,
    health_check_interval: Option<Duration>,
    retries: AtomicU64,
    gave_up: AtomicU64,
    health_checks: AtomicU64,
}

/// Counters of a client's retry and health-check activity, from [`Client::retry_stats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RetryStats {
    /// Attempts made after a first attempt failed.
    pub retries: u64,
    /// Calls that failed after at least one retry (their last error was returned).
    pub gave_up: u64,
    /// Health-check PINGs sent to idle connections.
    pub health_checks: u64,
}

impl Client {
    /// A client for the server a URL names (see [`ConnectionConfig::from_url`]), with every
    /// other setting at its default. No connection is opened until the first command.
    pub fn open(url: &str) -> Result<Client> {
        Client::builder().url(url).build()
    }

    /// A builder for every setting: connection, deadlines, TLS and pool.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A connection of the pool for the caller's own use, returned to the pool when dropped.
    /// Waits up to `pool_timeout` when every connection is in use. It has passed the checkout
    /// probe; commands sent on it directly go without the client's retry policy and health
    /// check (those wrap the commands called on the client itself).
    ///
    /// # Errors
    /// [`ErrorKind::PoolTimeout`](crate::ErrorKind::PoolTimeout) when none became free in time
    /// (carrying the last connect error, if any), or the error of opening a new connection.
    pub fn get_connection(&self) -> Result<PooledConnection> {
        self.inner.pool.get()
    }

    /// Like [`Client::get_connection`], waiting at most `wait`.
    pub fn get_connection_timeout(&self, wait: Duration) -> Result<PooledConnection> {
        self.inner.pool.get_timeout(wait)
    }

    /// Runs an optimistic transaction on one pooled connection; see
    /// [`transaction`](crate::transaction).
    pub fn transaction<T, F>(&self, keys: impl ToArgs, f: F) -> Result<T>
    where
        T: FromValue,
        F: FnMut(&mut Connection, &mut Pipeline) -> Result<()>,
    {
        let mut conn = self.get_connection()?;
        crate::commands::transaction(&mut conn, keys, f)
    }

    /// How many retries and health checks this client (all its clones) has made. A call that
    /// gives up returns its last error unchanged; the number of attempts it made is in the
    /// `warn` log line and counted here.
    pub fn retry_stats(&self) -> RetryStats {
        RetryStats {
            retries: self.inner.retries.load(Ordering::Relaxed),
            gave_up: self.inner.gave_up.load(Ordering::Relaxed),
            health_checks: self.inner.health_checks.load(Ordering::Relaxed),
        }
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &Retry {
        &self.inner.retry
    }

    /// The pool's size and counters.
    pub fn pool_state(&self) -> PoolState {
        self.inner.pool.state()
    }

    /// The settings each connection is opened with.
    pub fn connection_config(&self) -> &ConnectionConfig {
        self.inner.pool.connection_config()
    }

    /// The pool's settings.
    pub fn pool_config(&self) -> &PoolConfig {
        self.inner.pool.config()
    }

    /// A pub/sub [`Subscriber`](crate::pubsub::Subscriber) on a connection of its own, opened
    /// now with this client's connection settings. It never comes from the pool: a subscribed
    /// connection can carry no other command, and the subscriber reconnects by itself.
    ///
    /// # Errors
    /// The error of opening the connection.
    pub fn subscriber(&self) -> Result<crate::pubsub::Subscriber> {
        crate::pubsub::Subscriber::with_config(self.connection_config())
    }
}

impl Client {
    /// A connection for one attempt: from the pool, PINGed first when it sat idle longer than
    /// `health_check_interval` (a connection used more recently costs nothing extra).
    fn checkout(&self) -> Result<PooledConnection> {
        let mut conn = self.inner.pool.get()?;
        if let Some(interval) = self.inner.health_check_interval {
            if conn.idle_for(Instant::now()) > interval {
                self.inner.health_checks.fetch_add(1, Ordering::Relaxed);
                if let Err(e) = (&mut *conn).ping() {
                    log::debug!("health check failed, discarding the connection: {e}");
                    conn.discard();
                    return Err(e);
                }
            }
        }
        Ok(conn)
    }

    /// Runs `attempt` under the retry policy. `repeatable` says whether the request is safe to
    /// send again after its reply was lost.
    fn with_retry<T>(
        &self,
        repeatable: bool,
        mut attempt: impl FnMut(&mut PooledConnection) -> Result<T>,
    ) -> Result<T> {
        let retry = &self.inner.retry;
        // The clock is read only when a deadline needs it.
        let started = retry.deadline_value().map(|_| Instant::now());
        let mut failures = 0u32;
        let mut previous = Duration::ZERO;
        loop {
            let (result, sent_whole) = match self.checkout() {
                Ok(mut conn) => {
                    let r = attempt(&mut conn);
                    (r, conn.sent_whole_request())
                }
                Err(e) => (Err(e), false),
            };
            let error = match result {
                Ok(v) => {
                    record_attempts(failures + 1);
                    return Ok(v);
                }
                Err(e) => e,
            };
            failures += 1;
            // The reply was lost after the whole request left: the server may have run it.
            let may_have_run = sent_whole
                && matches!(
                    error.kind(),
                    ErrorKind::Connection | ErrorKind::Timeout | ErrorKind::Protocol
                );
            let facts = Attempt {
                failures,
                elapsed: started.map_or(Duration::ZERO, |s| s.elapsed()),
                may_have_run,
                safe_to_repeat: repeatable,
            };
            match retry.next_delay(&error, facts, previous) {
                Some(delay) => {
                    log::debug!(
                        "attempt {failures} failed ({}): {error}; retrying in {delay:?}",
                        error.kind()
                    );
                    previous = delay;
                    self.inner.retries.fetch_add(1, Ordering::Relaxed);
                    if !delay.is_zero() {
                        std::thread::sleep(delay);
                    }
                }
                None => {
                    record_attempts(failures);
                    if failures > 1 {
                        self.inner.gave_up.fetch_add(1, Ordering::Relaxed);
                        log::warn!("giving up after {failures} attempts: {error}");
                    }
                    return Err(error);
                }
            }
        }
    }
}

impl Execute for &Client {
    fn execute(&mut self, request: &Request<'_>) -> Result<Value> {
        self.with_retry(request.is_repeatable(), |conn| conn.execute(request))
    }

    fn execute_batch(&mut self, batch: &Batch<'_>) -> Result<Vec<Value>> {
        let retry = &self.inner.retry;
        self.with_retry(batch.repeatable, |conn| {
            conn.execute_batch(batch).and_then(|r| refused(r, retry))
        })
    }
}

/// A batch whose every reply is a retryable refusal (`LOADING` for each command, say) ran
/// nothing, so it is safe to send again: it becomes that error for the retry loop. Any other
/// mix of replies is returned as it is, since some commands ran.
fn refused(replies: Vec<Value>, retry: &Retry) -> Result<Vec<Value>> {
    let first_refusal = match replies.first() {
        Some(Value::Error(e) | Value::BulkError(e)) if retry.retries_kind(e.kind()) => e.kind(),
        _ => return Ok(replies),
    };
    let all_refused = replies
        .iter()
        .all(|v| matches!(v, Value::Error(e) | Value::BulkError(e) if e.kind() == first_refusal));
    if !all_refused {
        return Ok(replies);
    }
    match replies.into_iter().next() {
        Some(Value::Error(e) | Value::BulkError(e)) => Err(Error::Server(e)),
        _ => Err(Error::invalid("pipeline", "no replies")),
    }
}

/// A view of a [`Client`] whose commands use their own read timeout: `client.with_timeout(d)`.
#[derive(Debug, Clone, Copy)]
pub struct WithTimeout<'a> {
    client: &'a Client,
    read_timeout: Duration,
}

impl Client {
    /// Runs the commands called on the returned view with `read_timeout` instead of the
    /// configured one (blocking commands add their own wait to it, as always):
    /// `client.with_timeout(Duration::from_millis(50)).get::<String>("k")`.
    pub fn with_timeout(&self, read_timeout: Duration) -> WithTimeout<'_> {
        WithTimeout {
            client: self,
            read_timeout,
        }
    }
}

impl Execute for WithTimeout<'_> {
    fn execute(&mut self, request: &Request<'_>) -> Result<Value> {
        let request = request.read_timeout(self.read_timeout);
        let mut client = self.client;
        client.execute(&request)
    }

    fn execute_batch(&mut self, batch: &Batch<'_>) -> Result<Vec<Value>> {
        let batch = Batch {
            read_timeout: Some(self.read_timeout),
            ..*batch
        };
        let mut client = self.client;
        client.execute_batch(&batch)
    }
}

impl Commands for WithTimeout<'_> {
    type Output<T: FromValue> = Result<T>;

    #[inline]
    fn run<T: FromValue>(mut self, request: &Request<'_>) -> Result<T> {
        T::from_value(self.execute(request)?)
    }
}

impl Commands for &Client {
    type Output<T: FromValue> = Result<T>;

    #[inline]
    fn run<T: FromValue>(mut self, request: &Request<'_>) -> Result<T> {
        T::from_value(self.execute(request)?)
    }
}

impl Execute for PooledConnection {
    #[inline]
    fn execute(&mut self, request: &Request<'_>) -> Result<Value> {
        (**self).execute(request)
    }

    fn execute_batch(&mut self, batch: &Batch<'_>) -> Result<Vec<Value>> {
        (**self).execute_batch(batch)
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field(
                "address",
                &format_args!("{}", self.connection_config().address),
            )
            .field("pool", &self.inner.pool)
            .finish()
    }
}

/// Every setting of a [`Client`], in one flat builder over the connection and pool settings.
/// Defaults are those of [`ConnectionConfig`] and [`PoolConfig`]; each method names its own.
///
/// ```no_run
/// use std::time::Duration;
/// let client = redisync::Client::builder()
///     .url("redis://cache.internal:6379/0")
///     .connect_timeout(Duration::from_secs(15))
///     .socket_timeout(Duration::from_secs(5))
///     .max_connections(16)
///     .build()?;
/// # Ok::<(), redisync::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
#[must_use = "call .build() to make the client"]
pub struct ClientBuilder {
    url: Option<String>,
    edits: Vec<Edit>,
    pool: PoolConfig,
    retry: Option<Retry>,
    retry_on: Vec<ErrorKind>,
    health_check_interval: Option<Duration>,
}

/// A connection setting applied after the URL is parsed, so that builder calls win over the
/// URL whatever their order.
#[derive(Debug, Clone)]
enum Edit {
    Host(String, u16),
    Unix(PathBuf),
    Username(String),
    Password(Secret),
    Db(u32),
    ClientName(String),
    Protocol(Protocol),
    ConnectTimeout(Duration),
    ReadTimeout(Duration),
    WriteTimeout(Duration),
    Keepalive(Option<Duration>),
    Tls(TlsConfig),
    Config(Box<ConnectionConfig>),
}

impl ClientBuilder {
    fn edit(mut self, e: Edit) -> ClientBuilder {
        self.edits.push(e);
        self
    }

    /// The server URL (default `redis://127.0.0.1:6379`); see [`ConnectionConfig::from_url`].
    pub fn url(mut self, url: &str) -> ClientBuilder {
        self.url = Some(url.to_string());
        self
    }
    /// A TCP address instead of a URL.
    pub fn host(self, host: &str, port: u16) -> ClientBuilder {
        self.edit(Edit::Host(host.to_string(), port))
    }
    /// A Unix socket instead of a URL.
    pub fn unix(self, path: impl Into<PathBuf>) -> ClientBuilder {
        self.edit(Edit::Unix(path.into()))
    }
    /// Every connection setting at once, replacing the URL and earlier settings.
    pub fn connection_config(self, config: ConnectionConfig) -> ClientBuilder {
        self.edit(Edit::Config(Box::new(config)))
    }
    /// The ACL user name.
    pub fn username(self, user: &str) -> ClientBuilder {
        self.edit(Edit::Username(user.to_string()))
    }
    /// The password or token.
    pub fn password(self, password: impl Into<Secret>) -> ClientBuilder {
        self.edit(Edit::Password(password.into()))
    }
    /// The database (default 0).
    pub fn db(self, db: u32) -> ClientBuilder {
        self.edit(Edit::Db(db))
    }
    /// The name `CLIENT LIST` shows for each connection.
    pub fn client_name(self, name: &str) -> ClientBuilder {
        self.edit(Edit::ClientName(name.to_string()))
    }
    /// The protocol (default RESP3, falling back to RESP2).
    pub fn protocol(self, protocol: Protocol) -> ClientBuilder {
        self.edit(Edit::Protocol(protocol))
    }
    /// One deadline for resolution, connect, TLS and handshake (default 10 s).
    pub fn connect_timeout(self, timeout: Duration) -> ClientBuilder {
        self.edit(Edit::ConnectTimeout(timeout))
    }
    /// Both the read and the write timeout (default 10 s each).
    pub fn socket_timeout(self, timeout: Duration) -> ClientBuilder {
        self.edit(Edit::ReadTimeout(timeout))
            .edit(Edit::WriteTimeout(timeout))
    }
    /// The deadline for each whole reply (default 10 s).
    pub fn read_timeout(self, timeout: Duration) -> ClientBuilder {
        self.edit(Edit::ReadTimeout(timeout))
    }
    /// The deadline for sending each command or pipeline (default 10 s).
    pub fn write_timeout(self, timeout: Duration) -> ClientBuilder {
        self.edit(Edit::WriteTimeout(timeout))
    }
    /// TCP keepalive idle time (default 30 s), `None` for off.
    pub fn keepalive(self, idle: Option<Duration>) -> ClientBuilder {
        self.edit(Edit::Keepalive(idle))
    }
    /// TLS settings (turns TLS on, as `rediss://` does).
    pub fn tls(self, tls: TlsConfig) -> ClientBuilder {
        self.edit(Edit::Tls(tls))
    }
    /// Most connections open at once (default 32; see
    /// [`DEFAULT_MAX_CONNECTIONS`](crate::pool::config::DEFAULT_MAX_CONNECTIONS) for why).
    pub fn max_connections(mut self, n: usize) -> ClientBuilder {
        self.pool.max_connections = n;
        self
    }
    /// Longest wait for a free connection (default 10 s).
    pub fn pool_timeout(mut self, wait: Duration) -> ClientBuilder {
        self.pool.pool_timeout = wait;
        self
    }
    /// Connections kept open even when idle (default 0).
    pub fn min_idle(mut self, n: usize) -> ClientBuilder {
        self.pool.min_idle = n;
        self
    }
    /// Idle time after which a spare connection is closed (default 5 minutes; `None` keeps it).
    pub fn idle_timeout(mut self, idle: Option<Duration>) -> ClientBuilder {
        self.pool.idle_timeout = idle;
        self
    }
    /// Age after which a connection is closed instead of reused (default `None`).
    pub fn max_lifetime(mut self, age: Option<Duration>) -> ClientBuilder {
        self.pool.max_lifetime = age;
        self
    }

    /// The retry policy for every command and pipeline (default [`Retry::default`]: three
    /// retries of connection errors and timeouts, exponential backoff with jitter from 10 ms to
    /// 1 s, never re-sending a command that may already have run unless it is safe to repeat).
    pub fn retry(mut self, retry: Retry) -> ClientBuilder {
        self.retry = Some(retry);
        self
    }
    /// More error kinds to retry, such as [`ErrorKind::BusyLoading`]; checked at
    /// [`build`](ClientBuilder::build) (see [`Retry::retry_on_error`]).
    pub fn retry_on_error(mut self, kinds: impl IntoIterator<Item = ErrorKind>) -> ClientBuilder {
        self.retry_on.extend(kinds);
        self
    }
    /// PING a pooled connection that sat idle longer than this before it carries the next
    /// command (default: off). A failed PING discards the connection, and the command goes on
    /// under the retry policy with a new one.
    pub fn health_check_interval(mut self, interval: Duration) -> ClientBuilder {
        self.health_check_interval = Some(interval);
        self
    }

    /// Checks every setting and makes the client. No connection is opened here (unless
    /// `min_idle` asks for some, which the pool's reaper opens in the background).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) naming the bad URL part or
    /// setting.
    pub fn build(self) -> Result<Client> {
        let mut cfg = match &self.url {
            Some(url) => ConnectionConfig::from_url(url)?,
            None => ConnectionConfig::new("127.0.0.1", crate::connection::config::DEFAULT_PORT),
        };
        for e in self.edits {
            cfg = match e {
                Edit::Host(host, port) => ConnectionConfig {
                    address: crate::Address::Tcp { host, port },
                    ..cfg
                },
                Edit::Unix(path) => ConnectionConfig {
                    address: crate::Address::Unix(path),
                    ..cfg
                },
                Edit::Username(u) => cfg.username(u),
                Edit::Password(p) => cfg.password(p),
                Edit::Db(db) => cfg.db(db),
                Edit::ClientName(n) => cfg.client_name(n),
                Edit::Protocol(p) => cfg.protocol(p),
                Edit::ConnectTimeout(t) => cfg.connect_timeout(t),
                Edit::ReadTimeout(t) => cfg.read_timeout(t),
                Edit::WriteTimeout(t) => cfg.write_timeout(t),
                Edit::Keepalive(k) => cfg.keepalive(k),
                Edit::Tls(t) => cfg.tls(t),
                Edit::Config(c) => *c,
            };
        }
        for (name, d) in [
            ("connect_timeout", cfg.connect_timeout),
            ("read_timeout", cfg.read_timeout),
            ("write_timeout", cfg.write_timeout),
            ("pool_timeout", self.pool.pool_timeout),
        ] {
            if d.is_zero() {
                return Err(Error::invalid(name, "must be greater than zero"));
            }
        }
        let retry = self
            .retry
            .unwrap_or_default()
            .retry_on_error(self.retry_on)?;
        if self.health_check_interval == Some(Duration::ZERO) {
            return Err(Error::invalid(
                "health_check_interval",
                "must be greater than zero (leave it unset to turn health checks off)",
            ));
        }
        let pool = Pool::new(self.pool, cfg)?;
        Ok(Client {
            inner: Arc::new(Inner {
                pool,
                retry,
                health_check_interval: self.health_check_interval,
                retries: AtomicU64::new(0),
                gave_up: AtomicU64::new(0),
                health_checks: AtomicU64::new(0),
            }),
        })
    }
}
