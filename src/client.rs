//! [`Client`]: the cheap-to-clone, thread-safe handle that composes the pool and the commands.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

mod borrowed;
mod cached;
mod maint;
mod mux;
mod sentinel;

pub use self::cached::Uncached;
pub use self::mux::MultiplexStats;
use self::sentinel::Sentinel;
use crate::cache::{Cache, CacheConfig, Fetch};
use crate::commands::table::Wait;
use crate::commands::{Batch, ConnectionCommands, Execute, FromValue, Pipeline, Request, ToArgs};
use crate::connection::config::{ConnectionConfig, Protocol, Secret, TlsConfig};
use crate::connection::{ConnectHook, Connection, Meta, PushOrigin, PushSink, WriteReport};
use crate::deadline::Budget;
use crate::error::{Error, ErrorKind, Result, TimeoutPhase};
use crate::pool::{Pool, PoolConfig, PoolState, PooledConnection};
use crate::resp::{Value, split_command};
use crate::retry::{Counters, Failure, Retry, run};

/// A Redis client for threaded programs: clone it freely (clones share one connection pool)
/// and call commands on a shared `&Client` from any thread.
///
/// ```no_run
/// use redisync::{Client};
/// use redisync::prelude::*;
/// let client = Client::open("redis://127.0.0.1:6379/0")?;
/// client.set("greeting", "hello")?;
/// let v: Option<String> = client.get("greeting")?;
/// let worker = client.clone();
/// std::thread::spawn(move || worker.incr("hits"));
/// # Ok::<(), redisync::Error>(())
/// ```
///
/// Each command checks a connection out of the pool, sends, reads the reply and returns the
/// connection, all under the retry policy. For several commands in a row on one connection
/// (or a transaction), take one with [`Client::get_connection`].
///
/// # How long a call can take
///
/// Without a deadline, at most `pool_timeout` to get a connection, then for each of the
/// `retries + 1` attempts `connect_timeout` (when a new connection is needed) +
/// `write_timeout` + `read_timeout` (+ a blocking command's own wait), plus the backoff pauses
/// between attempts. [`Retry::deadline`] and [`Client::with_timeout`] bound all of it together:
/// the call returns by then, cutting short the attempt in flight (its connection is closed).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    cache: Option<Arc<Cache>>,
    maint: Option<Arc<crate::maint::Maint>>,
    /// The sentinel state, for a client built with [`ClientBuilder::sentinel`].
    sentinel: Option<Sentinel>,
    retry: Retry,
    health_check_interval: Option<Duration>,
    counters: Counters,
    health_checks: Arc<AtomicU64>,
    /// The multiplexed mode's lanes, when it is on.
    mux: Option<crate::mux::Mux>,
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
    /// check (those wrap the commands called on the client itself). Whatever is changed on it
    /// client-side (timeouts, a push handler) is undone when it goes back.
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
    /// [`transaction`](crate::transaction). It is a call of the client like any other: the
    /// retry policy's deadline bounds it as a whole, and a connection that fails before any key
    /// is watched (the first `WATCH` itself) is replaced under the retry policy, since nothing
    /// can have run. A connection that fails while keys are watched is
    /// [`Error::WatchLost`], never retried: whether the transaction ran cannot be known.
    pub fn transaction<T, F>(&self, keys: impl ToArgs, f: F) -> Result<T>
    where
        T: FromValue,
        F: FnMut(&mut Connection, &mut Pipeline) -> Result<()>,
    {
        self.transaction_executed(keys, f)?
    }

    /// [`Client::transaction`], `Err` when no `EXEC` ran, `Ok` with the conversion of its
    /// replies once one did: an error reply among them (of any kind, `ASK` or `TRYAGAIN`
    /// included) is the transaction's answer, never a reason to run it again.
    pub(crate) fn transaction_executed<T, F>(
        &self,
        keys: impl ToArgs,
        mut f: F,
    ) -> Result<Result<T>>
    where
        T: FromValue,
        F: FnMut(&mut Connection, &mut Pipeline) -> Result<()>,
    {
        let call = match self.inner.retry.deadline_value() {
            Some(d) => Budget::after(d, TimeoutPhase::Call),
            None => Budget::NONE,
        };
        run(&self.inner.retry, call, &self.inner.counters, false, |_| {
            let mut conn = self.inner.pool.get_within(call)?;
            conn.set_cap(call);
            crate::commands::transaction_executed(
                &mut conn,
                &keys,
                crate::commands::DEFAULT_TRANSACTION_ATTEMPTS,
                &mut f,
            )
            .map_err(|error| Failure {
                // Every failure that is not a WatchLost came before a watch was in force, so
                // no EXEC can have run; WatchLost itself is of a kind no policy retries.
                may_have_run: matches!(error, Error::WatchLost(_)),
                safe_to_repeat: true,
                error,
            })
        })
    }

    /// How many retries and health checks this client (all its clones) has made. A call that
    /// gives up returns its last error unchanged; [`retry::last_attempts`](crate::retry::last_attempts)
    /// says how many attempts it made.
    pub fn retry_stats(&self) -> RetryStats {
        let c = &self.inner.counters;
        RetryStats {
            retries: c.retries.load(Ordering::Relaxed),
            gave_up: c.gave_up.load(Ordering::Relaxed),
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

    /// Closes every pooled connection: idle ones now, busy ones when they come back (after the
    /// command they carry). Later commands open new connections. For a server whose address now
    /// means another machine, or after changing something every connection must pick up.
    pub fn retire_connections(&self) {
        if let Some(cache) = &self.inner.cache {
            // Its listener may be on the server the address no longer means.
            cache.restart_listener();
        }
        self.inner.pool.retire_all();
    }

    /// How many times [`Client::retire_connections`] has run (the pool's generation).
    pub fn generation(&self) -> u64 {
        self.inner.pool.generation()
    }

    /// A pub/sub [`Subscriber`](crate::pubsub::Subscriber) on a connection of its own, opened
    /// now with this client's connection settings. It never comes from the pool: a subscribed
    /// connection can carry no other command, and the subscriber reconnects by itself.
    ///
    /// # Errors
    /// The error of opening the connection.
    pub fn subscriber(&self) -> Result<crate::pubsub::Subscriber> {
        crate::pubsub::Subscriber::with_config(&self.subscriber_config()?)
    }
}

/// What one call sends, for deciding whether a failed attempt may be repeated.
#[derive(Clone, Copy)]
enum Work<'a> {
    One(&'a Request<'a>),
    Batch(&'a Batch<'a>),
}

impl Work<'_> {
    fn safe_to_repeat(&self) -> bool {
        match self {
            Work::One(r) => r.is_repeatable(),
            Work::Batch(b) => b.repeatable,
        }
    }

    /// Whether the server may have run (part of) it, given how the attempt failed.
    fn may_have_run(&self, error: &Error, report: WriteReport) -> bool {
        match error {
            // The server answered: an ordinary command's error reply means it did not run,
            // but a script's or function's error may come after some of its work.
            Error::Server(_) => match self {
                Work::One(r) => r.spec().runs_user_code(),
                Work::Batch(b) => b.metas.iter().any(|m| m.spec.runs_user_code()),
            },
            e if e.breaks_connection() => match self {
                Work::One(_) => report.complete > 0,
                Work::Batch(b) => b.may_have_run(report.complete),
            },
            _ => false,
        }
    }

    /// A blocking command's own wait, which the retry policy's deadline leaves to it.
    fn wait(&self) -> Wait {
        let r = match self {
            Work::One(r) => r,
            Work::Batch(b) => return b.wait(),
        };
        if r.spec().blocking().is_none() {
            return Wait::None;
        }
        let mut out = Vec::new();
        match r.encode(&mut out) {
            Ok(()) => split_command(&out).map_or(Wait::Forever, |a| r.spec().wait_in(&a)),
            Err(_) => Wait::None,
        }
    }
}

impl Client {
    /// A connection for one attempt: from the pool within the call's budget, PINGed first when
    /// it sat idle longer than `health_check_interval` (a connection used more recently costs
    /// nothing extra).
    fn checkout(&self, call: Budget) -> Result<PooledConnection> {
        let mut conn = self.inner.pool.get_within(call)?;
        conn.set_cap(call);
        if let Some(interval) = self.inner.health_check_interval {
            if conn.idle_for(Instant::now()) > interval {
                self.inner.health_checks.fetch_add(1, Ordering::Relaxed);
                match (&mut *conn).ping() {
                    Ok(()) => {}
                    // Any reply (LOADING, NOAUTH, ...) shows the connection itself works; the
                    // command will meet the same answer and be handled as usual.
                    Err(e) if !e.breaks_connection() => {
                        log::debug!("health check answered {e}; the connection is alive");
                    }
                    Err(e) => {
                        log::debug!("health check failed, discarding the connection: {e}");
                        conn.discard();
                        return Err(e);
                    }
                }
            }
        }
        Ok(conn)
    }

    /// The budget of a call: the retry policy's deadline (extended by a blocking command's
    /// own wait), and `limit` (a per-call timeout), whichever ends first.
    fn call_budget(&self, work: Work<'_>, limit: Option<Duration>) -> Budget {
        self.inner.retry.call_budget(work.wait(), limit)
    }

    /// Runs `op` on pooled connections under the retry policy, within `call`.
    fn run<T>(
        &self,
        work: Work<'_>,
        call: Budget,
        mut op: impl FnMut(&mut PooledConnection) -> Result<T>,
    ) -> Result<T> {
        let safe = work.safe_to_repeat();
        run(&self.inner.retry, call, &self.inner.counters, false, |_| {
            let mut conn = self.checkout(call)?;
            op(&mut conn).map_err(|error| {
                self.on_error(&conn, &error);
                Failure {
                    may_have_run: work.may_have_run(&error, conn.last_write()),
                    safe_to_repeat: safe,
                    error,
                }
            })
        })
    }

    fn execute_within(&self, request: &Request<'_>, limit: Option<Duration>) -> Result<Value> {
        if let Some(cache) = &self.inner.cache {
            if cache.allows(request.spec()) {
                return cache.call(request, |fetch| {
                    self.execute_uncached(request, limit, Some(fetch))
                });
            }
        }
        self.execute_uncached(request, limit, None)
    }

    /// Sends `request` under the retry policy; a cached call's miss sends it as `fetch` says.
    fn execute_uncached(
        &self,
        request: &Request<'_>,
        limit: Option<Duration>,
        fetch: Option<&Fetch<'_>>,
    ) -> Result<Value> {
        if fetch.is_none() {
            if let Some(mux) = &self.inner.mux {
                if crate::mux::shares(request.spec()) {
                    let mut frame = Vec::with_capacity(64);
                    request.encode(&mut frame)?;
                    if frame.len() <= crate::mux::MAX_SHARED_FRAME {
                        return self.execute_mux(mux, request, frame, limit);
                    }
                }
            }
        }
        let work = Work::One(request);
        let call = self.call_budget(work, limit);
        self.run(work, call, |conn| {
            if let Some(d) = limit {
                conn.set_read_timeout(d)?;
            }
            match fetch {
                Some(fetch) => fetch.run(conn, request),
                None => conn.execute(request),
            }
        })
    }

    fn execute_batch_within(
        &self,
        batch: &Batch<'_>,
        limit: Option<Duration>,
    ) -> Result<Vec<Value>> {
        if let Some(mux) = &self.inner.mux {
            if !batch.atomic
                && !batch.is_empty()
                && batch.encoded.len() <= crate::mux::MAX_SHARED_FRAME
                && batch.metas.iter().all(|m| crate::mux::shares(m.spec))
            {
                return self.execute_batch_mux(mux, batch, limit);
            }
        }
        let work = Work::Batch(batch);
        let call = self.call_budget(work, limit);
        let retry = &self.inner.retry;
        self.run(work, call, |conn| {
            if let Some(d) = limit {
                conn.set_read_timeout(d)?;
            }
            conn.execute_batch(batch)
                .and_then(|r| refused(r, batch, retry))
        })
    }
}

/// One attempt on this client's pool, without its retry loop: what a cluster's own retry loop
/// (which decides where each attempt goes) runs on the pool of the node it chose.
impl Client {
    /// Sends `request` once on a connection of this pool; `asking` sends `ASKING` first on the
    /// same connection (an `ASK` redirect). The failure says whether it may have run.
    /// Whether `other` is a clone of this client (the same pool).
    #[cfg(test)]
    pub(crate) fn same_as(&self, other: &Client) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    pub(crate) fn attempt_one(
        &self,
        request: &Request<'_>,
        call: Budget,
        limit: Option<Duration>,
        asking: bool,
    ) -> Result<Value, Failure> {
        let work = Work::One(request);
        let mut conn = self.checkout(call)?;
        if let Some(d) = limit {
            conn.set_read_timeout(d)?;
        }
        if asking {
            return asking_then(&mut conn, request);
        }
        conn.execute(request).map_err(|error| Failure {
            may_have_run: work.may_have_run(&error, conn.last_write()),
            safe_to_repeat: work.safe_to_repeat(),
            error,
        })
    }

    /// Writes `batch` once on a connection of this pool without reading its replies, so a
    /// cluster writes to every node before it reads from any; [`Client::finish_batch`] reads
    /// them.
    pub(crate) fn start_batch(
        &self,
        batch: &Batch<'_>,
        call: Budget,
        limit: Option<Duration>,
        asking: bool,
    ) -> Result<Started, Failure> {
        let work = Work::Batch(batch);
        let mut conn = self.checkout(call)?;
        if let Some(d) = limit {
            conn.set_read_timeout(d)?;
        }
        let sent = if asking {
            // In the batch's frame, right before it (before its `MULTI`): the flag lasts until
            // `EXEC` and is spent then, so the connection goes back to the pool clean.
            let (encoded, metas) = with_asking(batch.metas, batch.encoded)?;
            conn.send_batch(&metas, &encoded)
        } else {
            conn.send_batch(batch.metas, batch.encoded)
        };
        match sent {
            Ok(()) => Ok(Started { conn, asking }),
            Err(error) => Err(Failure {
                may_have_run: work.may_have_run(&error, without_asking(conn.last_write(), asking)),
                safe_to_repeat: work.safe_to_repeat(),
                error,
            }),
        }
    }

    /// Reads the replies of a batch [`Client::start_batch`] wrote.
    pub(crate) fn finish_batch(
        &self,
        started: Started,
        batch: &Batch<'_>,
    ) -> Result<Vec<Value>, Failure> {
        let Started { mut conn, asking } = started;
        let work = Work::Batch(batch);
        let mut replies = Vec::with_capacity(batch.len());
        // `ASKING`'s own reply first, when it went ahead of the batch.
        for n in 0..batch.len() + usize::from(asking) {
            match conn.read_queued() {
                Ok(_) if asking && n == 0 => {}
                Ok(v) => replies.push(v),
                Err(error) => {
                    return Err(Failure {
                        may_have_run: work
                            .may_have_run(&error, without_asking(conn.last_write(), asking)),
                        safe_to_repeat: work.safe_to_repeat(),
                        error,
                    });
                }
            }
        }
        refused(replies, batch, &self.inner.retry).map_err(|error| Failure {
            may_have_run: false,
            safe_to_repeat: true,
            error,
        })
    }
}

/// A batch [`Client::start_batch`] wrote, on its connection, its replies not read yet.
pub(crate) struct Started {
    conn: PooledConnection,
    /// `ASKING` went ahead of the batch: its reply comes first.
    asking: bool,
}

/// `ASKING`, then the commands of `metas` and `encoded`, as one frame.
fn with_asking(metas: &[Meta], encoded: &[u8]) -> Result<(Vec<u8>, Vec<Meta>)> {
    let asking = Request::new(&crate::commands::table::spec::ASKING, &());
    let mut frame = Vec::with_capacity(encoded.len() + 32);
    asking.encode(&mut frame)?;
    let first = frame.len();
    frame.extend_from_slice(encoded);
    let mut all = Vec::with_capacity(metas.len() + 1);
    all.push(Meta {
        spec: asking.spec(),
        end: first,
    });
    all.extend(metas.iter().map(|m| Meta {
        spec: m.spec,
        end: m.end + first,
    }));
    Ok((frame, all))
}

/// How far a write got, not counting the `ASKING` ahead of it.
fn without_asking(report: WriteReport, asking: bool) -> WriteReport {
    let n = usize::from(asking);
    WriteReport {
        commands: report.commands.saturating_sub(n),
        complete: report.complete.saturating_sub(n),
    }
}

/// `ASKING` and `request` in one frame, for the one command an `ASK` redirect names. The flag
/// `ASKING` sets is spent by the command right after it, so the connection goes back to the
/// pool as it was; sent on its own, `ASKING` would leave the connection flagged and the pool
/// would close it (a new connection for every command a migrating slot redirects).
fn asking_then(conn: &mut PooledConnection, request: &Request<'_>) -> Result<Value, Failure> {
    let mut encoded = Vec::with_capacity(64);
    request.encode(&mut encoded)?;
    let one = [Meta {
        spec: request.spec(),
        end: encoded.len(),
    }];
    let (frame, metas) = with_asking(&one, &encoded)?;
    let batch = Batch {
        encoded: &frame,
        metas: &metas,
        atomic: false,
        repeatable: request.is_repeatable(),
    };
    let fail = |conn: &PooledConnection, error: Error| Failure {
        may_have_run: Work::One(request)
            .may_have_run(&error, without_asking(conn.last_write(), true)),
        safe_to_repeat: request.is_repeatable(),
        error,
    };
    match conn.execute_batch(&batch) {
        Ok(replies) => match replies.into_iter().nth(1) {
            Some(Value::Error(e) | Value::BulkError(e)) => Err(fail(conn, Error::Server(e))),
            Some(v) => Ok(v),
            None => Err(Failure {
                may_have_run: true,
                safe_to_repeat: request.is_repeatable(),
                error: Error::invalid("ASKING", "the command's reply is missing"),
            }),
        },
        Err(error) => Err(fail(conn, error)),
    }
}

impl Execute for &Client {
    fn execute(&mut self, request: &Request<'_>) -> Result<Value> {
        self.execute_within(request, None)
    }

    fn execute_batch(&mut self, batch: &Batch<'_>) -> Result<Vec<Value>> {
        self.execute_batch_within(batch, None)
    }
}

/// A batch whose every reply is a retryable refusal (`LOADING` for each command, say) ran
/// nothing, so it is safe to send again: it becomes that error for the retry loop. Any other
/// mix of replies is returned as it is, since some commands ran; so is a batch with a script or
/// function in it, whose error reply is no proof that it did nothing.
fn refused(replies: Vec<Value>, batch: &Batch<'_>, retry: &Retry) -> Result<Vec<Value>> {
    let first_refusal = match replies.first() {
        Some(Value::Error(e) | Value::BulkError(e)) if retry.retries_kind(e.kind()) => e.kind(),
        _ => return Ok(replies),
    };
    let all_refused = replies
        .iter()
        .all(|v| matches!(v, Value::Error(e) | Value::BulkError(e) if e.kind() == first_refusal));
    if !all_refused || batch.metas.iter().any(|m| m.spec.runs_user_code()) {
        return Ok(replies);
    }
    match replies.into_iter().next() {
        Some(Value::Error(e) | Value::BulkError(e)) => Err(Error::Server(e)),
        _ => Err(Error::invalid("pipeline", "no replies")),
    }
}

/// A view of a [`Client`] whose calls each finish within a timeout: `client.with_timeout(d)`.
#[derive(Debug, Clone, Copy)]
pub struct WithTimeout<'a> {
    client: &'a Client,
    timeout: Duration,
    /// When the first request through this value started: everything sent through one value
    /// (a script's `EVALSHA`, `SCRIPT LOAD` and `EVALSHA` again) is one call, with one deadline.
    started: Option<Instant>,
}

impl Client {
    /// Calls on the returned view each finish within `timeout`, whatever happens: waiting for
    /// a pooled connection, connecting, every attempt, every reply and every backoff pause
    /// together (an attempt still in flight when it runs out is cut short, and its connection
    /// closed). Within it, a reply may take as long as is left, longer than the configured read
    /// timeout if `timeout` is longer; a blocking command's own wait does not extend it:
    /// `client.with_timeout(Duration::from_millis(50)).get::<String>("k")`.
    ///
    /// Everything sent through one value of the view is one call: a [`Script`](crate::Script)
    /// that meets `NOSCRIPT` (`EVALSHA`, `SCRIPT LOAD`, `EVALSHA`) finishes within `timeout` as a
    /// whole; each method called on the view (it is `Copy`) is a call of its own.
    ///
    /// A zero `timeout` is refused with [`ErrorKind::InvalidInput`] when the call is made;
    /// [`Duration::MAX`] means no limit.
    pub fn with_timeout(&self, timeout: Duration) -> WithTimeout<'_> {
        WithTimeout {
            client: self,
            timeout,
            started: None,
        }
    }
}

impl WithTimeout<'_> {
    /// What is left of this call's timeout (its clock starts at the first request).
    fn left(&mut self) -> Result<Duration> {
        timeout_left(self.timeout, &mut self.started)
    }
}

/// What is left of a `with_timeout` view's `timeout`, its clock started at the first request
/// (`started`, set here); a client's and a cluster's views share it.
pub(crate) fn timeout_left(timeout: Duration, started: &mut Option<Instant>) -> Result<Duration> {
    if timeout.is_zero() {
        return Err(Error::invalid("with_timeout", "must be greater than zero"));
    }
    let started = *started.get_or_insert_with(Instant::now);
    let left = timeout.saturating_sub(started.elapsed());
    if left.is_zero() {
        return Err(Error::timeout(TimeoutPhase::Call, timeout));
    }
    // Duration::MAX stays "no limit" however long the call has run.
    Ok(if timeout == Duration::MAX {
        Duration::MAX
    } else {
        left
    })
}

impl Execute for WithTimeout<'_> {
    fn execute(&mut self, request: &Request<'_>) -> Result<Value> {
        let left = self.left()?;
        self.client.execute_within(request, Some(left))
    }

    fn execute_batch(&mut self, batch: &Batch<'_>) -> Result<Vec<Value>> {
        let left = self.left()?;
        self.client.execute_batch_within(batch, Some(left))
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
#[derive(Clone, Default)]
#[must_use = "call .build() to make the client"]
pub struct ClientBuilder {
    /// A secret as a whole: the password may be in it.
    url: Option<Secret>,
    edits: Vec<Edit>,
    pool: PoolConfig,
    retry: Option<Retry>,
    retry_on: Vec<ErrorKind>,
    health_check_interval: Option<Duration>,
    hooks: Vec<ConnectHook>,
    push_sink: Option<PushSink>,
    cache: Option<CacheConfig>,
    maintenance: Option<crate::maint::MaintenanceConfig>,
    multiplex: Option<usize>,
    sentinel: Option<crate::sentinel::SentinelConfig>,
    /// A replica client's: the state of the client it came from.
    sentinel_shared: Option<Arc<crate::sentinel::Sentinel>>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field(
                "url",
                &self
                    .url
                    .as_ref()
                    .map(|u| crate::connection::redacted_url(u.expose())),
            )
            .field("edits", &self.edits)
            .field("pool", &self.pool)
            .field("retry", &self.retry)
            .field("retry_on", &self.retry_on)
            .field("health_check_interval", &self.health_check_interval)
            .field("on_connect_hooks", &self.hooks.len())
            .field("on_push", &self.push_sink.is_some())
            .field("cache", &self.cache)
            .field("maintenance", &self.maintenance)
            .field("multiplex", &self.multiplex)
            .field("sentinel", &self.sentinel)
            .finish()
    }
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
        self.url = Some(Secret::new(url));
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
    /// command (default: off). A PING that gets no answer (a timeout, a closed connection)
    /// discards the connection, and the command goes on under the retry policy with a new one;
    /// any reply, even an error such as `LOADING`, shows the connection works.
    pub fn health_check_interval(mut self, interval: Duration) -> ClientBuilder {
        self.health_check_interval = Some(interval);
        self
    }

    /// Runs `hook` on every connection the pool opens, after the handshake and inside the
    /// connect timeout (`CLIENT TRACKING ON`, `CLIENT NO-EVICT ON`, `READONLY`, ...). What the
    /// hook's commands do to the session is the connection's normal state: a connection is
    /// reset to it, not to a bare handshake, when it goes back to the pool. A hook that fails
    /// fails the connect (and the call that needed it, under the retry policy); it must leave no
    /// reply unread and no transaction open. Hooks run in the order they were added.
    ///
    /// ```no_run
    /// use redisync::{cmd, Client};
    /// let client = Client::builder()
    ///     .url("redis://127.0.0.1")
    ///     .on_connect(|conn| cmd("CLIENT").arg("NO-EVICT").arg("ON").exec(conn))
    ///     .build()?;
    /// # Ok::<(), redisync::Error>(())
    /// ```
    pub fn on_connect(
        mut self,
        hook: impl Fn(&mut Connection) -> Result<()> + Send + Sync + 'static,
    ) -> ClientBuilder {
        self.hooks.push(Arc::new(hook));
        self
    }

    /// Where push frames from pooled connections go (RESP3 only): those that arrive before a
    /// reply on a busy connection (unless the connection has a handler of its own), and those
    /// found waiting on an idle one, at checkout or, with
    /// [`push_interval`](ClientBuilder::push_interval), by a periodic pass. It is called on
    /// the thread that read the frame, with no lock held. Without one, such frames are logged
    /// at debug level (their kind and size) and dropped.
    pub fn on_push(
        mut self,
        sink: impl Fn(PushOrigin, Value) + Send + Sync + 'static,
    ) -> ClientBuilder {
        self.push_sink = Some(Arc::new(sink));
        self
    }

    /// How often the pool's reaper reads push frames waiting on idle connections (default
    /// none: they are read at the connection's next checkout).
    pub fn push_interval(mut self, interval: Duration) -> ClientBuilder {
        self.pool.push_interval = Some(interval);
        self
    }

    /// Refuses what a cluster's node settings cannot have: an address (the seeds and the slot
    /// map give those), Sentinel, the multiplexed mode and (for now) the client-side cache.
    pub(crate) fn check_cluster_settings(&self) -> Result<()> {
        let refuse = |what: &str| {
            Err(Error::invalid(
                "node_settings",
                format!("a cluster client's node settings cannot have {what}"),
            ))
        };
        if self.url.is_some()
            || self
                .edits
                .iter()
                .any(|e| matches!(e, Edit::Host(..) | Edit::Unix(_) | Edit::Config(_)))
        {
            return refuse("an address (give the seeds to ClusterBuilder::seeds)");
        }
        if self
            .edits
            .iter()
            .any(|e| matches!(e, Edit::Db(d) if *d != 0))
        {
            return refuse("a database other than 0");
        }
        if self.sentinel.is_some() {
            return refuse("Sentinel");
        }
        if self.multiplex.is_some() {
            return refuse("the multiplexed mode");
        }
        Ok(())
    }

    /// The retry policy a cluster's calls run under: the one set here, plus the errors that
    /// mean "not here, not now" in a cluster (`TRYAGAIN`, `CLUSTERDOWN`, `MASTERDOWN`,
    /// `LOADING`, and `READONLY` from a primary that was demoted: none of them ran the command).
    pub(crate) fn retry_policy_for_cluster(&self) -> Result<Retry> {
        self.retry
            .clone()
            .unwrap_or_default()
            .retry_on_error(self.retry_on.iter().copied())?
            .retry_on_error([
                ErrorKind::TryAgain,
                ErrorKind::ClusterDown,
                ErrorKind::MasterDown,
                ErrorKind::BusyLoading,
                ErrorKind::ReadOnly,
            ])
    }

    /// Checks every setting and makes the client. No connection is opened here (unless
    /// `min_idle` asks for some, which the pool's reaper opens in the background).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) naming the bad URL part or
    /// setting.
    pub fn build(self) -> Result<Client> {
        let rebuild = self.sentinel.as_ref().map(|_| Box::new(self.clone()));
        let mut cfg = match &self.url {
            Some(url) => ConnectionConfig::from_url(url.expose())?,
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
        let mut retry = self
            .retry
            .unwrap_or_default()
            .retry_on_error(self.retry_on)?;
        if self.health_check_interval == Some(Duration::ZERO) {
            return Err(Error::invalid(
                "health_check_interval",
                "must be greater than zero (leave it unset to turn health checks off)",
            ));
        }
        if self.pool.push_interval == Some(Duration::ZERO) {
            return Err(Error::invalid(
                "push_interval",
                "must be greater than zero (leave it unset to read pushes at checkout only)",
            ));
        }
        let mut hooks = self.hooks;
        let sentinel = self::sentinel::setup(
            self.sentinel.as_ref(),
            self.sentinel_shared,
            &self.cache,
            &self.maintenance,
        )?;
        let replica = sentinel.as_ref().is_some_and(|s| s.replica);
        if sentinel.is_some() && !replica {
            // A write a demoted primary refused did not run: it goes to the new primary.
            retry = retry.retry_on_error([ErrorKind::ReadOnly])?;
        }
        let maintenance = match &sentinel {
            // Sentinel deployments send no maintenance notifications; the sentinels move
            // the connections.
            Some(_) => {
                crate::maint::MaintenanceConfig::new().mode(crate::maint::MaintenanceMode::Off)
            }
            None => self.maintenance.unwrap_or_default(),
        };
        let cache = match &self.cache {
            Some(config) => {
                // A Sentinel client's listener is opened as its pool's connections are: on
                // the primary of the moment, verified with ROLE.
                let open = sentinel.as_ref().map(|s| {
                    let route = s.route();
                    Arc::new(move |cfg: &ConnectionConfig| {
                        route
                            .open(cfg, &[], crate::deadline::Budget::NONE, None)
                            .unwrap_or_else(|| Connection::with_config(cfg))
                    }) as crate::cache::Opener
                });
                let cache = Cache::start(config, &cfg, open)?;
                let for_hook = Arc::clone(&cache);
                // First, so the user's hooks already run on a tracked connection.
                hooks.insert(
                    0,
                    Arc::new(move |conn: &mut Connection| for_hook.on_connect(conn)),
                );
                Some(cache)
            }
            None => None,
        };
        let maint = crate::maint::Maint::new(maintenance, cfg.protocol, &cfg.address)?;
        let target = match &maint {
            Some(m) => {
                let for_hook = Arc::clone(m);
                // After the cache's (which must come first), before the user's.
                let at = usize::from(cache.is_some());
                hooks.insert(
                    at,
                    Arc::new(move |conn: &mut Connection| for_hook.on_connect(conn)),
                );
                Some(Arc::clone(m) as crate::pool::Target)
            }
            None => sentinel.as_ref().map(|s| s.route()),
        };
        let multiplex = self.multiplex;
        if let Some(n) = multiplex {
            mux::check(n, self.pool.max_connections)?;
        }
        let pool = Pool::new(self.pool, cfg, hooks, self.push_sink, target)?;
        if let Some(m) = &maint {
            // Once a server agrees to send notices, idle connections are read for them.
            m.set_push_pass(pool.push_pass());
        }
        if let Some(cache) = &cache {
            // A connection the server closes while idle takes its tracking with it: the pass
            // sees the close, and the connection's entries go with it.
            pool.push_pass()(cache.idle_check);
        }
        let health_checks = Arc::new(AtomicU64::new(0));
        let mux = match multiplex {
            Some(n) => Some(crate::mux::Mux::start(
                n,
                crate::mux::Settings {
                    pool: pool.clone(),
                    health_check_interval: self.health_check_interval,
                    health_checks: Arc::clone(&health_checks),
                },
            )?),
            None => None,
        };
        let client = Client {
            inner: Arc::new(Inner {
                pool,
                cache,
                maint,
                sentinel: sentinel.map(|s| s.with_builder(rebuild)),
                retry,
                health_check_interval: self.health_check_interval,
                counters: Counters::default(),
                health_checks,
                mux,
            }),
        };
        client.watch_sentinel();
        Ok(client)
    }
}

crate::commands::commands_by_execute!(WithTimeout<'_>, &Client);
