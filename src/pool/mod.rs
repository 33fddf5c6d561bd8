//! A pool of connections behind a `parking_lot` mutex and condition variable.
//!
//! Checkout takes the most recently returned idle connection (LIFO keeps a few connections
//! warm and lets the rest age out) and probes it with one non-blocking peek: push frames
//! waiting on it are handed to the pool's push sink, and a connection the server closed, or
//! with any other unread bytes, is discarded, never handed out. Otherwise it opens a new
//! connection if the pool is below its limit (the handshake and the connect hooks inside the
//! connect deadline), or waits up to `pool_timeout`. Return puts a connection back only if it is
//! healthy, owes no reply, belongs to the current generation and its session is as the
//! handshake left it (an open transaction or watch is undone first); its client-side settings
//! (timeouts, push handler) are restored. No lock is held during network I/O or while a
//! connection is closed.

pub mod config;
mod reaper;

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

pub use self::config::PoolConfig;
use crate::connection::config::ConnectionConfig;
use crate::connection::{ConnectHook, Connection, PushSink};
use crate::deadline::Budget;
use crate::error::{Error, ErrorKind, Result, TimeoutPhase};

/// A snapshot of a pool's size and history, from [`Client::pool_state`](crate::Client::pool_state).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct PoolState {
    /// Connections open or being opened.
    pub total: usize,
    /// Open connections waiting in the pool.
    pub idle: usize,
    /// Connections checked out now.
    pub in_use: usize,
    /// Checkouts that had to wait for a connection.
    pub waits: u64,
    /// Checkouts that gave up after `pool_timeout`.
    pub timeouts: u64,
    /// Connections opened so far.
    pub created: u64,
    /// Connections closed so far (broken, stale, expired, or left in an unknown state).
    pub discarded: u64,
}

/// The pool shared by a client's clones and its checked-out connections (and, in the
/// multiplexed mode, by the threads that hold its shared connections).
#[derive(Clone)]
pub(crate) struct Pool {
    shared: Arc<Shared>,
}

/// Where new connections go for now, when not to the configured address (a `MOVING`
/// maintenance notice), and who hears when that address cannot be reached.
pub(crate) trait Redirect: Send + Sync {
    /// The address for a new connection now, if not the configured one.
    fn target(&self) -> Option<crate::connection::config::Address>;
    /// Connecting to `address` (from [`Redirect::target`]) failed.
    fn unreachable(&self, address: &crate::connection::config::Address);
    /// Opens the connection itself, when this redirect decides every connection's address
    /// (a Sentinel lookup, then a connect to the address found, verified): `None` (the
    /// default) leaves it to the pool. `cfg` is the configured settings, `call` the budget
    /// of the call that needs the connection.
    fn open(
        &self,
        cfg: &ConnectionConfig,
        hooks: &[ConnectHook],
        call: Budget,
        push_sink: Option<PushSink>,
    ) -> Option<Result<Connection>> {
        let _ = (cfg, hooks, call, push_sink);
        None
    }
    /// What the pool's log lines call the server, when this redirect decides every address
    /// (the configured one then means nothing).
    fn describe(&self) -> Option<String> {
        None
    }
}

/// A pool's [`Redirect`].
pub(crate) type Target = Arc<dyn Redirect>;

pub(crate) struct Shared {
    config: PoolConfig,
    connect: ConnectionConfig,
    hooks: Vec<ConnectHook>,
    push_sink: Option<PushSink>,
    /// Where new connections go instead of the configured address, while it says so (a
    /// `MOVING` maintenance notice).
    target: Option<Target>,
    /// Connections of older generations are closed at their next checkout or return.
    generation: AtomicU64,
    /// Since when the server has been unreachable, for logging the edges of an outage once.
    down_since: Mutex<Option<Instant>>,
    state: Mutex<State>,
    available: Condvar,
    waits: AtomicU64,
    timeouts: AtomicU64,
    created: AtomicU64,
    discarded: AtomicU64,
    reaper: Mutex<Option<std::thread::Thread>>,
    /// How often idle connections are read for pushes (`push_interval`, or sooner when a
    /// feature asks: maintenance notifications once a server agreed to send them).
    push_every: Mutex<Option<Duration>>,
}

struct State {
    idle: Vec<Idle>,
    /// Open connections plus those being opened.
    total: usize,
    /// The last failure to open a connection, for the pool-timeout error.
    last_error: Option<(ErrorKind, String)>,
}

/// An idle connection. Connections live in a `Box` inside the pool so that checkout and
/// return move a pointer, not the whole connection.
struct Idle {
    conn: Box<Connection>,
    created: Instant,
    generation: u64,
}

impl Pool {
    /// A pool that opens connections with `connect`; it opens none until asked (or the reaper
    /// tops up `min_idle`).
    pub(crate) fn new(
        config: PoolConfig,
        connect: ConnectionConfig,
        hooks: Vec<ConnectHook>,
        push_sink: Option<PushSink>,
        target: Option<Target>,
    ) -> Result<Pool> {
        if config.max_connections == 0 {
            return Err(Error::invalid("max_connections", "must be at least 1"));
        }
        if config.min_idle > config.max_connections {
            return Err(Error::invalid(
                "min_idle",
                format!(
                    "{} is more than max_connections ({})",
                    config.min_idle, config.max_connections
                ),
            ));
        }
        let push_every = config.push_interval;
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                idle: Vec::with_capacity(config.max_connections),
                total: 0,
                last_error: None,
            }),
            config,
            connect,
            hooks,
            push_sink,
            target,
            generation: AtomicU64::new(0),
            down_since: Mutex::new(None),
            available: Condvar::new(),
            waits: AtomicU64::new(0),
            timeouts: AtomicU64::new(0),
            created: AtomicU64::new(0),
            discarded: AtomicU64::new(0),
            reaper: Mutex::new(None),
            push_every: Mutex::new(push_every),
        });
        let pool = Pool { shared };
        reaper::start(&pool.shared);
        Ok(pool)
    }

    /// A connection, waiting up to the configured `pool_timeout`.
    pub(crate) fn get(&self) -> Result<PooledConnection> {
        self.get_within(Budget::NONE)
    }

    /// A connection, waiting up to `wait` for one to be free.
    pub(crate) fn get_timeout(&self, wait: Duration) -> Result<PooledConnection> {
        Shared::checkout(&self.shared, wait, Budget::NONE)
    }

    /// A connection for a call whose whole budget is `call`: the wait for a free one ends at
    /// `pool_timeout` or with the call's budget, and so does opening a new one.
    pub(crate) fn get_within(&self, call: Budget) -> Result<PooledConnection> {
        Shared::checkout(&self.shared, self.shared.config.pool_timeout, call)
    }

    /// Retires every connection at once: idle ones are closed now, busy ones when they come
    /// back; connections opened from now on belong to the new generation.
    pub(crate) fn retire_all(&self) {
        let shared = &self.shared;
        let now = shared.generation.fetch_add(1, Ordering::AcqRel) + 1;
        let mut state = shared.state.lock();
        let (old, kept): (Vec<Idle>, Vec<Idle>) = std::mem::take(&mut state.idle)
            .into_iter()
            .partition(|idle| idle.generation != now);
        state.idle = kept;
        state.total -= old.len();
        drop(state);
        for idle in old {
            shared.discard(idle.conn);
        }
        shared.available.notify_all();
    }

    /// A handle that asks this pool to read its idle connections for pushes at least this
    /// often from now on (starting the reaper if need be), without keeping the pool alive.
    pub(crate) fn push_pass(&self) -> impl Fn(Duration) + Send + Sync + 'static {
        let weak = Arc::downgrade(&self.shared);
        move |every| {
            if let Some(shared) = weak.upgrade() {
                {
                    let mut p = shared.push_every.lock();
                    *p = Some(p.map_or(every, |p| p.min(every)));
                }
                reaper::start(&shared);
            }
        }
    }

    /// The current generation (it grows by one with each [`Pool::retire_all`]).
    pub(crate) fn generation(&self) -> u64 {
        self.shared.generation.load(Ordering::Acquire)
    }

    pub(crate) fn state(&self) -> PoolState {
        self.shared.state()
    }

    pub(crate) fn config(&self) -> &PoolConfig {
        &self.shared.config
    }

    pub(crate) fn connection_config(&self) -> &ConnectionConfig {
        &self.shared.connect
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // The last client clone and the last checked-out connection are gone (whichever went
        // last): wake the reaper so it finds the pool gone and exits now, not after its
        // interval.
        reaper::wake(self);
    }
}

impl Shared {
    fn checkout(this: &Arc<Shared>, wait: Duration, call: Budget) -> Result<PooledConnection> {
        // The clock is read only if this checkout has to wait, or a lifetime limit is set: an
        // uncontended checkout is a lock, a pop and the probe.
        let mut budget: Option<Budget> = None;
        let mut state = this.state.lock();
        loop {
            // Newest idle connection first. Idle-time expiry is the reaper's job; the lifetime
            // limit and the generation are checked here too, so neither an old connection nor a
            // retired one is ever handed out.
            while let Some(mut idle) = state.idle.pop() {
                if this.is_too_old(idle.created)
                    || !this.is_current(idle.generation)
                    || !idle.conn.is_reusable_here()
                {
                    state.total -= 1;
                    drop(state);
                    this.discard(idle.conn);
                    state = this.state.lock();
                    continue;
                }
                drop(state);
                // The probe hands waiting pushes to the caller's sink, which may panic.
                let slot = Slot::held(this);
                // The probe may read a push that retires it from a cache's point of view.
                let ready = idle.conn.ready() && idle.conn.is_reusable_here();
                slot.defuse();
                if ready {
                    return Ok(PooledConnection {
                        conn: Some(idle.conn),
                        created: idle.created,
                        generation: idle.generation,
                        pool: Arc::clone(this),
                    });
                }
                log::debug!("discarding an idle connection that failed its probe");
                this.discard(idle.conn);
                state = this.state.lock();
                state.total -= 1;
            }
            if state.total < this.config.max_connections {
                state.total += 1;
                drop(state);
                return Shared::open(this, call);
            }
            let limit = match budget {
                Some(b) => b,
                None => {
                    this.waits.fetch_add(1, Ordering::Relaxed);
                    *budget.insert(Budget::after(wait, TimeoutPhase::Pool).min(call))
                }
            };
            let timed_out = match limit.deadline.instant() {
                Some(until) => this.available.wait_until(&mut state, until).timed_out(),
                None => {
                    this.available.wait(&mut state);
                    false
                }
            };
            // One last look: a connection may have come back at the deadline itself.
            if timed_out && state.idle.is_empty() && state.total >= this.config.max_connections {
                this.timeouts.fetch_add(1, Ordering::Relaxed);
                if limit.phase != TimeoutPhase::Pool {
                    return Err(limit.timeout());
                }
                return Err(Error::PoolTimeout(Box::new(crate::error::PoolTimeout {
                    waited: wait,
                    max_connections: this.config.max_connections,
                    last_error: state.last_error.clone(),
                })));
            }
        }
    }

    /// How often idle connections are read for pushes, if they are.
    fn push_every(&self) -> Option<Duration> {
        *self.push_every.lock()
    }

    fn is_current(&self, generation: u64) -> bool {
        generation == self.generation.load(Ordering::Acquire)
    }

    /// Opens a connection for a slot already counted in `total`.
    fn open(this: &Arc<Shared>, call: Budget) -> Result<PooledConnection> {
        let generation = this.generation.load(Ordering::Acquire);
        // The connect runs the caller's hooks, which may panic.
        let slot = Slot::held(this);
        if let Some(opened) = this
            .target
            .as_ref()
            .and_then(|t| t.open(&this.connect, &this.hooks, call, this.push_sink.clone()))
        {
            slot.defuse();
            return Shared::opened(this, opened, generation);
        }
        // An announced endpoint gets half the connect timeout, so that falling back to the
        // configured address still fits in it.
        let moved = this
            .target
            .as_ref()
            .and_then(|t| t.target())
            .map(|address| ConnectionConfig {
                address,
                connect_timeout: this.connect.connect_timeout / 2,
                ..this.connect.clone()
            });
        let cfg = moved.as_ref().unwrap_or(&this.connect);
        let mut opened = Connection::connect(cfg, &this.hooks, call, this.push_sink.clone());
        if let (Some(moved), Err(e)) = (&moved, &opened) {
            // The announced endpoint cannot be reached: the configured one may still serve.
            if e.is_connection_error() || e.is_timeout() {
                log::warn!(
                    "could not connect to {} (announced by a MOVING notice): {e}; using {} instead",
                    moved.address,
                    this.connect.address
                );
                if let Some(t) = &this.target {
                    t.unreachable(&moved.address);
                }
                opened =
                    Connection::connect(&this.connect, &this.hooks, call, this.push_sink.clone());
            }
        }
        slot.defuse();
        Shared::opened(this, opened, generation)
    }

    /// Accounts for a connect that was tried in a slot already counted in `total`.
    fn opened(
        this: &Arc<Shared>,
        opened: Result<Connection>,
        generation: u64,
    ) -> Result<PooledConnection> {
        match opened {
            Ok(conn) => {
                this.created.fetch_add(1, Ordering::Relaxed);
                this.reachable();
                Ok(PooledConnection {
                    conn: Some(Box::new(conn)),
                    created: Instant::now(),
                    generation,
                    pool: Arc::clone(this),
                })
            }
            Err(e) => {
                this.unreachable(&e);
                let mut state = this.state.lock();
                state.total -= 1;
                state.last_error = Some((e.kind(), e.to_string()));
                drop(state);
                // The slot is free again: someone waiting may try to open it.
                this.available.notify_one();
                Err(e)
            }
        }
    }

    /// The server as log lines name it.
    fn server(&self) -> String {
        self.target
            .as_ref()
            .and_then(|t| t.describe())
            .unwrap_or_else(|| self.connect.address.to_string())
    }

    /// Logs the start of an outage once (at `warn`), not once per failed call.
    fn unreachable(&self, e: &Error) {
        if !matches!(
            e.kind(),
            ErrorKind::Connection
                | ErrorKind::Timeout
                | ErrorKind::Tls
                | ErrorKind::SentinelUnreachable
        ) {
            return;
        }
        let mut down = self.down_since.lock();
        if down.is_none() {
            *down = Some(Instant::now());
            drop(down);
            log::warn!(
                "redis at {} is unreachable: {e} (further connect failures are logged at debug level until it is back)",
                self.server()
            );
        } else {
            drop(down);
            log::debug!("connect to {} failed again: {e}", self.server());
        }
    }

    /// Logs the end of an outage once (at `info`), with how long it lasted.
    fn reachable(&self) {
        let since = self.down_since.lock().take();
        if let Some(since) = since {
            log::info!(
                "redis at {} is reachable again after {:?}",
                self.server(),
                since.elapsed()
            );
        }
    }

    /// Past `max_lifetime` (never, without one; then the clock is not read).
    fn is_too_old(&self, created: Instant) -> bool {
        self.config
            .max_lifetime
            .is_some_and(|max| created.elapsed() >= max)
    }

    /// For the reaper: past `max_lifetime`, or idle (since its last command) past
    /// `idle_timeout`.
    fn is_expired(&self, idle: &Idle, now: Instant) -> bool {
        let too_old = self
            .config
            .max_lifetime
            .is_some_and(|max| now.saturating_duration_since(idle.created) >= max);
        let idle_too_long = self
            .config
            .idle_timeout
            .is_some_and(|max| idle.conn.idle_for(now) >= max);
        too_old || idle_too_long
    }

    /// Closes a connection; the caller holds no lock.
    fn discard(&self, conn: Box<Connection>) {
        self.discarded.fetch_add(1, Ordering::Relaxed);
        drop(conn);
    }

    /// Takes a connection back (from a `PooledConnection` being dropped).
    fn check_in(&self, mut conn: Box<Connection>, created: Instant, generation: u64) {
        // Client-side settings first, so the reset below runs under the configured timeouts,
        // and within the deadline of the call that left the session open (it is part of it):
        // out of time, the connection is closed instead.
        conn.restore();
        // reset_session may do one round trip (DISCARD / UNWATCH): no lock is held here. Pushes
        // read meanwhile go to the caller's sink, which may panic.
        let slot = Slot::held(self);
        let reusable = !self.is_too_old(created)
            && self.is_current(generation)
            && conn.is_reusable_here()
            && !conn.is_broken()
            && conn.pending_replies() == 0
            && conn.reset_session();
        slot.defuse();
        conn.set_cap(Budget::NONE);
        let mut state = self.state.lock();
        if reusable {
            state.idle.push(Idle {
                conn,
                created,
                generation,
            });
            drop(state);
        } else {
            state.total -= 1;
            drop(state);
            self.discard(conn);
        }
        self.available.notify_one();
    }

    fn state(&self) -> PoolState {
        let state = self.state.lock();
        let (total, idle) = (state.total, state.idle.len());
        drop(state);
        PoolState {
            total,
            idle,
            in_use: total - idle,
            waits: self.waits.load(Ordering::Relaxed),
            timeouts: self.timeouts.load(Ordering::Relaxed),
            created: self.created.load(Ordering::Relaxed),
            discarded: self.discarded.load(Ordering::Relaxed),
        }
    }

    /// Closes expired idle connections and opens new ones up to `min_idle`; run by the reaper.
    fn maintain(this: &Arc<Shared>) {
        let now = Instant::now();
        let mut state = this.state.lock();
        let (expired, kept): (Vec<Idle>, Vec<Idle>) = std::mem::take(&mut state.idle)
            .into_iter()
            .partition(|idle| this.is_expired(idle, now));
        state.idle = kept;
        state.total -= expired.len();
        let missing = this
            .config
            .min_idle
            .saturating_sub(state.idle.len())
            .min(this.config.max_connections - state.total);
        drop(state);
        for idle in expired {
            this.discard(idle.conn);
        }
        for _ in 0..missing {
            // One slot at a time, so a connect hook that panics can take only its own.
            {
                let mut state = this.state.lock();
                if state.total >= this.config.max_connections {
                    break;
                }
                state.total += 1;
            }
            match Shared::open(this, Budget::NONE) {
                // Dropping the new connection checks it in as idle.
                Ok(conn) => drop(conn),
                Err(e) => log::debug!("could not open a connection for min_idle: {e}"),
            }
        }
    }

    /// Reads push frames waiting on idle connections (the periodic pass a feature asks for
    /// with `push_interval`): each is taken out of the idle list, read without blocking,
    /// and put back, or closed when something other than pushes was waiting on it.
    fn drain_idle(this: &Arc<Shared>) {
        // One connection at a time, so the rest stay available to checkouts while the push
        // sink (the caller's code) runs for this one.
        let ids: Vec<u64> = this.state.lock().idle.iter().map(|i| i.conn.id()).collect();
        for id in ids {
            let taken = {
                let mut state = this.state.lock();
                state
                    .idle
                    .iter()
                    .position(|i| i.conn.id() == id)
                    .map(|at| (at, state.idle.remove(at)))
            };
            // Gone meanwhile: checked out, or expired.
            let Some((at, mut idle)) = taken else {
                continue;
            };
            let slot = Slot::held(this);
            let ready = idle.conn.ready() && idle.conn.is_reusable_here();
            slot.defuse();
            let mut state = this.state.lock();
            if ready {
                let at = at.min(state.idle.len());
                state.idle.insert(at, idle);
                drop(state);
                this.available.notify_one();
            } else {
                state.total -= 1;
                drop(state);
                this.discard(idle.conn);
                this.available.notify_one();
            }
        }
    }
}

/// A slot counted in `total` while a caller's code runs on a connection the pool holds (a
/// connect hook, the push sink): if that code panics, the connection is gone with the unwinding
/// and the slot is given back, so a panicking hook or sink cannot shrink the pool for good.
struct Slot<'a> {
    shared: &'a Shared,
    armed: bool,
}

impl<'a> Slot<'a> {
    fn held(shared: &'a Shared) -> Slot<'a> {
        Slot {
            shared,
            armed: true,
        }
    }

    /// The code returned: the caller accounts for the slot as usual.
    fn defuse(mut self) {
        self.armed = false;
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.shared.state.lock().total -= 1;
            self.shared.available.notify_one();
        }
    }
}

/// A connection checked out of a client's pool. It dereferences to [`Connection`], takes every
/// typed command, and goes back to the pool when dropped (or is closed, if it broke or was left
/// in a state the next caller must not inherit). Whatever was changed on it client-side (its
/// timeouts, its push handler) is restored when it goes back.
pub struct PooledConnection {
    conn: Option<Box<Connection>>,
    created: Instant,
    generation: u64,
    pool: Arc<Shared>,
}

impl PooledConnection {
    /// Whether the pool would hand this connection out again now: of the current generation,
    /// not past `max_lifetime`, not broken, and not retired by a cache or a `MOVING` notice. A
    /// connection held for a long time (a multiplexed lane's) is checked with it before each use.
    pub(crate) fn is_current(&self) -> bool {
        self.pool.is_current(self.generation)
            && !self.pool.is_too_old(self.created)
            && !self.is_broken()
            && self.is_reusable_here()
    }

    /// The pool's `idle_timeout`.
    pub(crate) fn idle_timeout(&self) -> Option<Duration> {
        self.pool.config.idle_timeout
    }

    /// Closes this connection instead of returning it to the pool.
    pub fn discard(mut self) {
        if let Some(conn) = self.conn.take() {
            let mut state = self.pool.state.lock();
            state.total -= 1;
            drop(state);
            self.pool.discard(conn);
            self.pool.available.notify_one();
        }
    }
}

impl Deref for PooledConnection {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        // Always Some until drop or discard, which consume the wrapper.
        self.conn
            .as_ref()
            .unwrap_or_else(|| unreachable!("connection taken"))
    }
}

impl DerefMut for PooledConnection {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn
            .as_mut()
            .unwrap_or_else(|| unreachable!("connection taken"))
    }
}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.check_in(conn, self.created, self.generation);
        }
    }
}

impl fmt::Debug for PooledConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PooledConnection").field(&self.conn).finish()
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("config", &self.shared.config)
            .field("state", &self.shared.state())
            .finish()
    }
}
