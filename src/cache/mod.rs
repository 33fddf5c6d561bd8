//! Client-side caching: replies of read-only commands kept in the client, answered without a
//! round trip, and invalidated by the server when their keys change.
//!
//! # How it works
//!
//! - **One listener connection per client**, read by a background thread
//!   (`redisync-cache-listener`), subscribed to `__redis__:invalidate` (RESP2, so every
//!   server from Redis 6.0 on and Valkey speak it). Every pooled data connection turns
//!   tracking on with `CLIENT TRACKING ON REDIRECT <listener id>` when it connects (inside the
//!   connect deadline), so the server sends every invalidation for keys that connection read
//!   to the listener. The data connections may speak RESP2 or RESP3.
//! - **Bounded staleness while idle.** The listener blocks on its socket, so an invalidation
//!   is applied as soon as it arrives, whether or not the process makes calls. When no message
//!   comes for a heartbeat it sends `PING`; no answer within another heartbeat, or the
//!   connection closing, flushes the whole cache and switches it off until a new listener is
//!   up. Then the cache is flushed again, and every pooled connection opened before is
//!   closed instead of reused (its tracking redirected to the old listener).
//! - **Races.** A read in flight registers its keys in the store before it is sent, and its
//!   reply is kept only if no invalidation of those keys, no flush and no close of its
//!   connection came in between (see `store`). Writes this client sends invalidate their keys
//!   locally before they are sent and again once their replies are read, so a thread reads its
//!   own writes even before the server's invalidation arrives.
//! - **Connections.** An entry remembers the connection that fetched it; when that connection
//!   closes, its entries go (the server forgets what it tracked for a closed connection).
//!   Connections opened while the listener is down carry commands as usual but fill nothing.

mod config;
mod link;
mod listener;
mod store;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

pub use self::config::{
    CacheConfig, CacheMode, DEFAULT_CACHE_IDLE_CHECK, DEFAULT_HEARTBEAT, DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ENTRIES,
};
pub(crate) use self::link::Link;
pub use self::store::CacheStats;

use self::store::{Limits, Store};
use crate::commands::Request;
use crate::commands::table::{BeginSearch, CommandSpec, FindKeys};
use crate::connection::Connection;
use crate::connection::config::ConnectionConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::resp::{Value, split_command};

thread_local! {
    /// The encoded request of this thread's current cached call.
    static ENCODED: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// A request buffer bigger than this is not kept for the thread's next call.
const MAX_KEPT_BUFFER: usize = 64 * 1024;

/// A client's cache: the store, what may be cached, and the listener's state.
pub(crate) struct Cache {
    pub(crate) store: Store,
    allowed: Vec<&'static CommandSpec>,
    /// `allowed` is every cacheable command (the default): no lookup needed.
    all_cacheable: bool,
    mode: CacheMode,
    prefixes: Vec<Vec<u8>>,
    ttl: Option<Duration>,
    pub(crate) heartbeat: Duration,
    pub(crate) idle_check: Duration,
    /// The listener's generation while it is up and subscribed (0: down). Connections whose
    /// tracking redirects to another generation fill nothing.
    current: AtomicU64,
    /// Restarts of the listener asked for ([`Cache::restart_listener`]).
    restarts: AtomicU64,
    listener: Mutex<ListenerState>,
    listener_changed: Condvar,
}

#[derive(Default)]
struct ListenerState {
    /// The listener's connection ID and generation, while it is up.
    up: Option<(u64, u64)>,
    /// Generations handed out so far.
    generations: u64,
    /// The last attempt failed with this (kind, text); cleared when the listener is up.
    failed: Option<(ErrorKind, String)>,
    /// ... and the server refused it outright (no such command, not allowed): a setting to
    /// fix, not a fault to wait out.
    refused: bool,
}

/// Opens the invalidation listener's connection, where the client's pool opens its own
/// connections itself.
pub(crate) type Opener = Arc<dyn Fn(&ConnectionConfig) -> Result<Connection> + Send + Sync>;

impl Cache {
    /// A cache for a client connecting with `connect`; starts its listener thread, which
    /// opens its connection with `open` when the client's connections are opened for it (a
    /// Sentinel client's, on the primary of the moment), else straight to the address.
    pub(crate) fn start(
        config: &CacheConfig,
        connect: &ConnectionConfig,
        open: Option<Opener>,
    ) -> Result<Arc<Cache>> {
        let allowed = config.check()?;
        let prefixes = match &config.mode {
            CacheMode::Broadcast(p) => p.iter().map(|p| p.as_bytes().to_vec()).collect(),
            _ => Vec::new(),
        };
        let all_cacheable = config.only.is_none() && config.except.is_empty();
        let cache = Arc::new(Cache {
            all_cacheable,
            store: Store::new(Limits {
                max_entries: config.max_entries,
                max_bytes: config.max_bytes,
            }),
            allowed,
            mode: config.mode.clone(),
            prefixes,
            ttl: config.ttl,
            heartbeat: config.heartbeat,
            idle_check: config.idle_check,
            current: AtomicU64::new(0),
            restarts: AtomicU64::new(0),
            listener: Mutex::new(ListenerState::default()),
            listener_changed: Condvar::new(),
        });
        listener::start(Arc::downgrade(&cache), connect.clone(), open)?;
        Ok(cache)
    }

    /// The pool retired its connections (the address may now mean another server): nothing
    /// cached or being filled can be trusted, and the listener reconnects too, so that the
    /// new connections' tracking redirects to a listener on the same server.
    pub(crate) fn restart_listener(&self) {
        self.current.store(0, Ordering::Release);
        self.restarts.fetch_add(1, Ordering::AcqRel);
        self.store.flush();
        let mut state = self.listener.lock();
        state.up = None;
        drop(state);
        self.listener_changed.notify_all();
    }

    /// Restarts asked for so far.
    pub(crate) fn restarts(&self) -> u64 {
        self.restarts.load(Ordering::Acquire)
    }

    /// The listener's generation while it is up, else 0.
    pub(crate) fn current(&self) -> u64 {
        self.current.load(Ordering::Acquire)
    }

    pub(crate) fn is_broadcast(&self) -> bool {
        matches!(self.mode, CacheMode::Broadcast(_))
    }

    /// Whether replies of `spec` may be kept.
    #[inline]
    pub(crate) fn allows(&self, spec: &'static CommandSpec) -> bool {
        // Sorted by address when the settings were checked.
        spec.is_cacheable()
            && (self.all_cacheable
                || self
                    .allowed
                    .binary_search_by_key(&(spec as *const CommandSpec as usize), |s| {
                        *s as *const CommandSpec as usize
                    })
                    .is_ok())
    }

    /// The listener is up with connection `id`: a new generation. Everything cached so far
    /// came through connections whose tracking pointed elsewhere, so it goes; so do those
    /// connections, as the pool meets them (a connection of another generation is never
    /// reused: [`Link::is_current`]).
    fn listener_up(&self, id: u64) {
        let generation = {
            let mut state = self.listener.lock();
            state.generations += 1;
            let g = state.generations;
            state.up = Some((id, g));
            state.failed = None;
            g
        };
        self.current.store(generation, Ordering::Release);
        self.store.flush();
        self.listener_changed.notify_all();
        log::debug!("cache listener up (client id {id})");
    }

    /// The listener is gone: invalidations may be lost from now on, so nothing cached can be
    /// trusted and nothing is filled until a new one is up.
    fn listener_down(&self, why: &Error) {
        self.current.store(0, Ordering::Release);
        self.store.flush();
        let mut state = self.listener.lock();
        let was_up = state.up.take().is_some();
        state.failed = Some((why.kind(), why.to_string()));
        state.refused = match why {
            Error::Server(e) => refuses_outright(e.kind(), e.message()),
            _ => false,
        };
        drop(state);
        self.listener_changed.notify_all();
        if was_up {
            log::warn!("cache listener lost ({why}); the cache is off until it reconnects");
        } else {
            log::debug!("cache listener could not connect: {why}");
        }
    }

    /// Waits (until `until`) for the listener to be up, or to have failed at least once.
    fn wait_listener(&self, until: Option<Instant>) -> Listener {
        let mut state = self.listener.lock();
        loop {
            if let Some((id, generation)) = state.up {
                return Listener::Up { id, generation };
            }
            if let Some((_, text)) = &state.failed {
                return match state.refused {
                    // The server refused tracking or the subscription (an old server, an
                    // ACL): a cache cannot work with this server or user.
                    true => Listener::Refused(Error::invalid(
                        "cache",
                        format!(
                            "the invalidation listener was refused: {text}; client-side caching needs Redis 6.0 or later, or Valkey, and a user allowed CLIENT TRACKING and SUBSCRIBE __redis__:invalidate"
                        ),
                    )),
                    false => Listener::Unavailable,
                };
            }
            let timed_out = match until {
                Some(t) => self.listener_changed.wait_until(&mut state, t).timed_out(),
                None => {
                    self.listener_changed.wait(&mut state);
                    false
                }
            };
            if timed_out {
                return Listener::Unavailable;
            }
        }
    }

    /// The connection-init hook: turns tracking on, redirected to the listener. A server that
    /// refuses tracking (or the listener's subscription) fails the connect with that error: a
    /// cache cannot work there. While the listener cannot connect, the connection opens
    /// untracked: it carries commands but fills nothing (and is retired when the listener is
    /// back).
    pub(crate) fn on_connect(self: &Arc<Cache>, conn: &mut Connection) -> Result<()> {
        let (id, generation) = match self.wait_listener(conn.connect_deadline()) {
            Listener::Up { id, generation } => (id, generation),
            Listener::Unavailable => {
                log::debug!("a connection opened untracked: the cache listener is down");
                conn.set_cache_link(Link::new(Arc::clone(self), 0));
                return Ok(());
            }
            Listener::Refused(e) => return Err(e),
        };
        let mut tracking = crate::cmd("CLIENT")
            .arg("TRACKING")
            .arg("ON")
            .arg("REDIRECT")
            .arg(id);
        match &self.mode {
            CacheMode::OptIn => tracking = tracking.arg("OPTIN"),
            // The listener itself tracks the prefixes; data connections track nothing.
            CacheMode::Broadcast(_) => {
                conn.set_cache_link(Link::new(Arc::clone(self), generation));
                return Ok(());
            }
            CacheMode::Default => {}
        }
        match tracking.exec(&mut *conn) {
            Ok(()) => {
                conn.set_cache_link(Link::new(Arc::clone(self), generation));
                Ok(())
            }
            // A server without tracking (or a user not allowed it): caching cannot work.
            Err(Error::Server(e)) if refuses_outright(e.kind(), e.message()) => {
                Err(Error::invalid(
                    "cache",
                    format!(
                        "the server refused CLIENT TRACKING ({e}): client-side caching needs Redis 6.0 or later, or Valkey, and a user allowed the command"
                    ),
                ))
            }
            // Anything else (the listener this redirects to has just gone, say): the
            // connection carries commands untracked and fills nothing.
            Err(Error::Server(e)) => {
                log::debug!("a connection opened untracked: CLIENT TRACKING answered {e}");
                conn.set_cache_link(Link::new(Arc::clone(self), 0));
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// A cached call: the reply from the cache, or `fetch` it and keep it. `fetch` sends
    /// what it is given on a connection and returns the reply of the request.
    pub(crate) fn call(
        &self,
        request: &Request<'_>,
        fetch: impl FnOnce(&Fetch<'_>) -> Result<Value>,
    ) -> Result<Value> {
        // The encoded request is the entry's key; a buffer of this thread's, so a hit
        // allocates nothing but the value it hands out.
        let mut encoded = ENCODED.take();
        encoded.clear();
        let result = self.call_encoded(request, &mut encoded, fetch);
        if encoded.capacity() <= MAX_KEPT_BUFFER {
            ENCODED.set(encoded);
        }
        result
    }

    fn call_encoded(
        &self,
        request: &Request<'_>,
        encoded: &mut Vec<u8>,
        fetch: impl FnOnce(&Fetch<'_>) -> Result<Value>,
    ) -> Result<Value> {
        request.encode(encoded)?;
        let encoded: &[u8] = encoded;
        let spec = request.spec();
        let Some(home) = home_key(spec, encoded) else {
            return fetch(&Fetch::plain());
        };
        let now = self.ttl.map(|_| Instant::now());
        if let Some(v) = self.store.get(home, encoded, now) {
            return Ok(v);
        }
        // A miss: the keys, for the store and (with a TTL) for PTTL.
        let args = split_command(encoded).unwrap_or_default();
        let keys: Vec<&[u8]> = {
            let found = spec.keys_in(&args);
            if !found.is_complete() {
                return fetch(&Fetch::plain());
            }
            found
                .positions()
                .iter()
                .filter_map(|&i| args.get(i).copied())
                .collect()
        };
        if keys.is_empty() || (self.is_broadcast() && !keys.iter().all(|k| self.covers(k))) {
            return fetch(&Fetch::plain());
        }
        let plan = Fetch {
            cache: Some(self),
            keys: &keys,
            encoded,
            optin: self.mode == CacheMode::OptIn,
            with_ttl: self.ttl.is_some(),
        };
        fetch(&plan)
    }

    /// Whether a broadcast prefix covers `key`.
    fn covers(&self, key: &[u8]) -> bool {
        self.prefixes.iter().any(|p| key.starts_with(p))
    }

    /// When an entry read now must be gone, given the keys' remaining times (`PTTL`).
    fn expiry(&self, pttls: &[Value]) -> Option<Instant> {
        let now = Instant::now();
        // A time too far to represent is no limit.
        let mut until = self.ttl.and_then(|t| now.checked_add(t));
        for p in pttls {
            if let Value::Int(ms) = p {
                if let Ok(ms) = u64::try_from(*ms) {
                    if let Some(at) = now.checked_add(Duration::from_millis(ms)) {
                        until = Some(until.map_or(at, |u| u.min(at)));
                    }
                }
            }
        }
        until
    }
}

/// What a cached call's miss sends, and how its reply is kept.
pub(crate) struct Fetch<'a> {
    cache: Option<&'a Cache>,
    keys: &'a [&'a [u8]],
    encoded: &'a [u8],
    optin: bool,
    with_ttl: bool,
}

impl Fetch<'_> {
    fn plain() -> Fetch<'static> {
        Fetch {
            cache: None,
            keys: &[],
            encoded: &[],
            optin: false,
            with_ttl: false,
        }
    }

    /// Sends the request on `conn` (with `CLIENT CACHING YES` and `PTTL`s as the mode asks)
    /// and keeps its reply if nothing invalidated it meanwhile.
    pub(crate) fn run(&self, conn: &mut Connection, request: &Request<'_>) -> Result<Value> {
        let Some(cache) = self.cache else {
            return crate::commands::Execute::execute(conn, request);
        };
        let generation = conn.cache_generation().unwrap_or(0);
        if generation == 0 || generation != cache.current() {
            return crate::commands::Execute::execute(conn, request);
        }
        let pending = cache.store.begin(self.keys, conn.id());
        // Checked again after the read is registered: a listener that went down (or came
        // back as another) after this check flushes the store, which refuses the fill.
        if generation != cache.current() {
            drop(pending);
            return crate::commands::Execute::execute(conn, request);
        }
        let (value, expires) = if !self.optin && !self.with_ttl {
            (crate::commands::Execute::execute(conn, request)?, None)
        } else {
            link::fetch_tracked(conn, request, self.keys, self.optin, self.with_ttl).map(
                |(v, pttls)| {
                    let exp = cache.expiry(&pttls);
                    (v, exp)
                },
            )?
        };
        if !matches!(value, Value::Error(_) | Value::BulkError(_)) {
            cache.store.finish(pending, self.encoded, &value, expires);
        }
        Ok(value)
    }
}

/// The first key of an encoded command, found without allocating when its first key
/// specification is a plain index (most cacheable commands: `GET key`, `HGET key field`,
/// `MGET key ...`); `None` when it has no key or the specification needs a search.
fn home_key<'a>(spec: &CommandSpec, encoded: &'a [u8]) -> Option<&'a [u8]> {
    let first = spec.key_specs().first()?;
    let BeginSearch::Index(i) = first.begin_search() else {
        return None;
    };
    let FindKeys::Range { .. } = first.find_keys() else {
        return None;
    };
    let i = usize::try_from(i).ok()?;
    nth_arg(encoded, i)
}

/// The `n`-th argument (0: the command name) of an encoded command.
fn nth_arg(encoded: &[u8], n: usize) -> Option<&[u8]> {
    let (count, mut rest) = header(encoded, b'*')?;
    if n >= count {
        return None;
    }
    for i in 0..=n {
        let (len, body) = header(rest, b'$')?;
        let end = len.checked_add(2)?;
        if body.len() < end {
            return None;
        }
        if i == n {
            return Some(&body[..len]);
        }
        rest = &body[end..];
    }
    None
}

/// A RESP header (`*3\r\n`, `$5\r\n`) of type `kind`: its number and what follows.
#[inline]
fn header(bytes: &[u8], kind: u8) -> Option<(usize, &[u8])> {
    let rest = bytes.strip_prefix(&[kind])?;
    let mut n: usize = 0;
    for (i, &b) in rest.iter().enumerate() {
        match b {
            b'0'..=b'9' if i < 19 => n = n * 10 + usize::from(b - b'0'),
            b'\r' if i > 0 => return Some((n, rest.get(i + 2..)?)),
            _ => return None,
        }
    }
    None
}

/// Whether a server error says the command can never work here (a server without it, a user
/// not allowed it), rather than a passing condition (`max number of clients reached`, a
/// redirect target that just went away).
fn refuses_outright(kind: ErrorKind, message: &str) -> bool {
    kind == ErrorKind::NoPermission
        || message.contains("nknown subcommand")
        || message.contains("nknown command")
        || message.contains("wrong number of arguments")
}

/// What the listener is doing, for a connection being opened.
enum Listener {
    Up {
        id: u64,
        generation: u64,
    },
    /// Down, or not connected yet within the connect deadline.
    Unavailable,
    /// The server refused it: caching cannot work.
    Refused(Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_missing_or_forbidden_commands_refuse_caching_outright() {
        assert!(refuses_outright(
            ErrorKind::Response,
            "ERR Unknown subcommand or wrong number of arguments for 'TRACKING'"
        ));
        assert!(refuses_outright(
            ErrorKind::NoPermission,
            "NOPERM this user has no permissions"
        ));
        assert!(!refuses_outright(
            ErrorKind::Response,
            "ERR max number of clients reached"
        ));
        assert!(!refuses_outright(
            ErrorKind::Response,
            "ERR The client ID you want redirect to does not exist"
        ));
        assert!(!refuses_outright(
            ErrorKind::Authentication,
            "WRONGPASS invalid username-password pair"
        ));
    }

    #[test]
    fn home_key_reads_the_first_key_without_parsing_the_rest() {
        let get = crate::commands::table::lookup(b"GET");
        assert_eq!(
            home_key(get, b"*2\r\n$3\r\nGET\r\n$3\r\nk\r\n\r\n"),
            Some(&b"k\r\n"[..])
        );
        let mget = crate::commands::table::lookup(b"MGET");
        assert_eq!(
            home_key(mget, b"*3\r\n$4\r\nMGET\r\n$1\r\na\r\n$1\r\nb\r\n"),
            Some(&b"a"[..])
        );
        // Truncated or malformed: no key, no panic.
        assert_eq!(home_key(get, b"*2\r\n$3\r\nGET\r\n$9\r\nk"), None);
        assert_eq!(home_key(get, b"*1\r\n$3\r\nGET\r\n"), None);
        assert_eq!(home_key(get, b"garbage"), None);
    }
}
