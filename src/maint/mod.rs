//! Maintenance notifications (smart client handoffs): Redis Cloud and Redis Software push, over
//! RESP3, a notice before a shard migrates (`MIGRATING` ... `MIGRATED`), fails over
//! (`FAILING_OVER` ... `FAILED_OVER`) or its endpoint moves (`MOVING`). A client that asked
//! (`CLIENT MAINT_NOTIFICATIONS ON`, sent by the connection-init hook on every RESP3
//! connection) relaxes the timeouts of the connections that got the notice until the end
//! notice (or a backstop), and on `MOVING` moves the pool's connections to the new endpoint
//! before the old one goes away.
//!
//! Notifications are read wherever a connection reads: before a reply on a busy connection
//! (a read in flight gets the relaxed timeout at once), and on idle pooled connections by the
//! pool's periodic pass (every [`MaintenanceConfig::idle_check`]).

mod config;
pub(crate) mod notification;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

pub use self::config::{
    DEFAULT_BACKSTOP, DEFAULT_IDLE_CHECK, DEFAULT_RELAXED_TIMEOUT, EndpointType, MaintenanceConfig,
    MaintenanceMode,
};
use self::notification::{Kind, Notification, Parsed};
use crate::connection::Connection;
use crate::connection::config::{Address, Protocol};
use crate::error::{Error, Result};
use crate::resp::Value;

/// Counters of a client's maintenance notifications, from
/// [`Client::maintenance_stats`](crate::Client::maintenance_stats).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct MaintenanceStats {
    /// Connections that turned notifications on.
    pub enabled_connections: u64,
    /// `MOVING` notifications acted on (each once, however many connections got it).
    pub moving: u64,
    /// `MIGRATING` received (per connection).
    pub migrating: u64,
    /// `MIGRATED` received.
    pub migrated: u64,
    /// `FAILING_OVER` received.
    pub failing_over: u64,
    /// `FAILED_OVER` received.
    pub failed_over: u64,
    /// `SMIGRATING` and `SMIGRATED` received (for cluster clients).
    pub slot_migrations: u64,
    /// Pushes named like a notification whose fields were wrong (logged, ignored).
    pub malformed: u64,
    /// Connections whose timeouts are relaxed now.
    pub relaxed_now: u64,
    /// Times a connection's timeouts were relaxed.
    pub relaxations: u64,
    /// Connections retired because their endpoint moved.
    pub moved_connections: u64,
}

/// A client's maintenance state, shared by its pooled connections.
pub(crate) struct Maint {
    pub(crate) config: MaintenanceConfig,
    /// `MOVING` notifications seen, by sequence number, until their time runs out.
    seen: Mutex<HashMap<u64, Instant>>,
    /// The moves under way (several may overlap: A to B, then B to C).
    moving: Mutex<Vec<Move>>,
    counters: Counters,
    /// Asks the pool to read idle connections for notices (set once the pool exists; called
    /// the first time a server agrees to send them).
    push_pass: std::sync::OnceLock<Box<dyn Fn(Duration) + Send + Sync>>,
    push_pass_started: std::sync::atomic::AtomicBool,
}

/// A `MOVING` being carried out.
#[derive(Debug, Clone)]
struct Move {
    seq: u64,
    /// The endpoint going away.
    from: Address,
    /// Where new connections go until `until`: the announced endpoint, or `from` again for
    /// a notice without one (or naming `from` itself).
    to: Address,
    /// The notice named another endpoint.
    announced: bool,
    /// Connections to `from` opened before this are retired from it on (a notice without an
    /// endpoint: after half its time).
    retire_at: Instant,
    /// When the notice ends.
    until: Instant,
    /// `to` could not be reached: new connections use the configured address, and those to
    /// `from` are kept.
    unreachable: bool,
}

#[derive(Default)]
struct Counters {
    enabled: AtomicU64,
    moving: AtomicU64,
    migrating: AtomicU64,
    migrated: AtomicU64,
    failing_over: AtomicU64,
    failed_over: AtomicU64,
    slots: AtomicU64,
    malformed: AtomicU64,
    relaxed_now: AtomicU64,
    relaxations: AtomicU64,
    moved: AtomicU64,
}

impl Maint {
    /// The state for a client connecting as `protocol` to `address`.
    pub(crate) fn new(
        config: MaintenanceConfig,
        protocol: Protocol,
        address: &Address,
    ) -> Result<Option<Arc<Maint>>> {
        config.check()?;
        if config.mode == MaintenanceMode::Off {
            return Ok(None);
        }
        let unix = matches!(address, Address::Unix(_));
        if protocol != Protocol::Resp3 || unix {
            if config.mode == MaintenanceMode::On {
                return Err(Error::invalid(
                    "maintenance mode",
                    if unix {
                        "On needs a TCP connection (notifications name TCP endpoints)"
                    } else {
                        "On needs RESP3 (notifications are RESP3 pushes)"
                    },
                ));
            }
            return Ok(None);
        }
        Ok(Some(Arc::new(Maint {
            config,
            seen: Mutex::new(HashMap::new()),
            moving: Mutex::new(Vec::new()),
            counters: Counters::default(),
            push_pass: std::sync::OnceLock::new(),
            push_pass_started: std::sync::atomic::AtomicBool::new(false),
        })))
    }

    /// Gives the state the way to have the pool read idle connections for notices.
    pub(crate) fn set_push_pass(&self, f: impl Fn(Duration) + Send + Sync + 'static) {
        let _ = self.push_pass.set(Box::new(f));
    }

    /// The connection-init hook: asks for notifications, inside the connect deadline.
    pub(crate) fn on_connect(self: &Arc<Maint>, conn: &mut Connection) -> Result<()> {
        if conn.protocol() != Protocol::Resp3 {
            // The server had no HELLO 3 (before Redis 6): nothing to ask.
            return match self.config.mode {
                MaintenanceMode::On => Err(Error::invalid(
                    "maintenance mode",
                    "On needs RESP3, and this server answered HELLO 3 with an error",
                )),
                _ => Ok(()),
            };
        }
        let (host, peer) = match conn.address() {
            Address::Tcp { host, .. } => (host.clone(), conn.peer_ip()),
            Address::Unix(_) => return Ok(()),
        };
        let t = self.config.endpoint_type.resolve(&host, peer);
        let asked = crate::cmd("CLIENT")
            .arg("MAINT_NOTIFICATIONS")
            .arg("ON")
            .arg("moving-endpoint-type")
            .arg(t.as_str())
            .exec(&mut *conn);
        match asked {
            Ok(()) => {
                self.counters.enabled.fetch_add(1, Ordering::Relaxed);
                if !self.push_pass_started.swap(true, Ordering::AcqRel) {
                    if let Some(start) = self.push_pass.get() {
                        start(self.config.idle_check);
                    }
                }
                conn.set_maint_link(Link::new(Arc::clone(self), conn.address().clone()));
                Ok(())
            }
            Err(Error::Server(e)) if self.config.mode == MaintenanceMode::Auto => {
                log::debug!("the server does not send maintenance notifications: {e}");
                Ok(())
            }
            Err(Error::Server(e)) => Err(Error::invalid(
                "maintenance mode",
                format!("On, but the server refused CLIENT MAINT_NOTIFICATIONS: {e}"),
            )),
            Err(e) => Err(e),
        }
    }

    /// Where new connections go now: the newest move's endpoint while one is under way.
    pub(crate) fn target(&self) -> Option<Address> {
        if !self.config.proactive_moves {
            return None;
        }
        let now = Instant::now();
        let mut moves = self.moving.lock();
        moves.retain(|m| {
            let on = now < m.until;
            if !on {
                log::info!("the MOVING notice (seq {}) ended", m.seq);
            }
            on
        });
        moves
            .iter()
            .filter(|m| !m.unreachable)
            .max_by_key(|m| m.seq)
            .map(|m| m.to.clone())
    }

    /// New connections to `address` (a move's endpoint) failed: the moves to it stop
    /// sending connections there, and stop retiring those to where they came from.
    pub(crate) fn unreachable(&self, address: &Address) {
        for m in self.moving.lock().iter_mut().filter(|m| m.to == *address) {
            m.unreachable = true;
        }
    }

    /// Whether a connection to `endpoint` opened at `opened` may still be used.
    fn keeps(&self, endpoint: &Address, opened: Instant) -> bool {
        if !self.config.proactive_moves {
            return true;
        }
        let now = Instant::now();
        let moves = self.moving.lock();
        !moves.iter().any(|m| {
            *endpoint == m.from
                && now < m.until
                && !m.unreachable
                // A notice with an endpoint: every connection here goes (one whose connect
                // was under way when the notice came included). Without one: those opened
                // before half the notice, once it is reached.
                && (m.announced || (now >= m.retire_at && opened < m.retire_at))
        })
    }

    /// A `MOVING` arrived on a connection to `from`: once per sequence number, the pool's
    /// connections to `from` are retired (now, or after half the notice for a null endpoint)
    /// and new connections go to the new endpoint until the notice ends.
    fn on_moving(
        &self,
        from: &Address,
        seq: u64,
        time: Duration,
        to: Option<(String, u16)>,
    ) -> bool {
        let now = Instant::now();
        {
            let mut seen = self.seen.lock();
            seen.retain(|_, until| *until > now);
            if seen
                .insert(seq, later(now, time.max(notification::END_TTL)))
                .is_some()
            {
                return false;
            }
        }
        self.counters.moving.fetch_add(1, Ordering::Relaxed);
        let to = to.map(|(host, port)| Address::Tcp { host, port });
        // A notice naming the endpoint it came from is one without an endpoint.
        let announced = to.as_ref().is_some_and(|t| t != from);
        let retire_at = if announced { now } else { later(now, time / 2) };
        let to = match to {
            Some(t) if announced => t,
            _ => from.clone(),
        };
        log::info!(
            "MOVING (seq {seq}): {from} goes away within {time:?}; new connections go to {to}"
        );
        self.moving.lock().push(Move {
            seq,
            from: from.clone(),
            to,
            announced,
            retire_at,
            until: later(now, time),
            unreachable: false,
        });
        true
    }

    pub(crate) fn stats(&self) -> MaintenanceStats {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        MaintenanceStats {
            enabled_connections: get(&c.enabled),
            moving: get(&c.moving),
            migrating: get(&c.migrating),
            migrated: get(&c.migrated),
            failing_over: get(&c.failing_over),
            failed_over: get(&c.failed_over),
            slot_migrations: get(&c.slots),
            malformed: get(&c.malformed),
            relaxed_now: get(&c.relaxed_now),
            relaxations: get(&c.relaxations),
            moved_connections: get(&c.moved),
        }
    }
}

/// The longest any notice or window is taken to last (a server's number of seconds, a
/// configured backstop): times beyond it would overflow `Instant`.
const LONGEST: Duration = Duration::from_secs(365 * 24 * 3600);

/// `d` after `now`, `d` held to [`LONGEST`].
fn later(now: Instant, d: Duration) -> Instant {
    now.checked_add(d.min(LONGEST)).unwrap_or(now)
}

impl crate::pool::Redirect for Maint {
    fn target(&self) -> Option<Address> {
        Maint::target(self)
    }
    fn unreachable(&self, address: &Address) {
        Maint::unreachable(self, address);
    }
}

/// What a pooled connection of a client with notifications on carries.
pub(crate) struct Link {
    maint: Arc<Maint>,
    /// The endpoint this connection is connected to.
    endpoint: Address,
    opened: Instant,
    /// The maintenances announced on this connection, by kind: the start notice's sequence
    /// number and when its relaxation ends at the latest (the backstop).
    active: [Option<(u64, Instant)>; 3],
    /// The newest end notice seen, by kind: an older start notice arriving late is ignored.
    ended: [u64; 3],
    /// The timeouts to go back to when the last maintenance ends.
    saved: Option<(Duration, Duration)>,
}

/// The kinds of maintenance that relax timeouts: `active` and `ended` are indexed by them.
const MIGRATION: usize = 0;
const FAILOVER: usize = 1;
const MOVE: usize = 2;

/// What a notification asks of the connection that got it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Nothing,
    /// Relax this connection's timeouts.
    Relax,
    /// Put them back.
    Restore,
}

impl Link {
    fn new(maint: Arc<Maint>, endpoint: Address) -> Link {
        Link {
            maint,
            endpoint,
            opened: Instant::now(),
            active: [None; 3],
            ended: [0; 3],
            saved: None,
        }
    }

    /// A push arrived on this connection: what it asks of it. Not a notification: nothing.
    pub(crate) fn on_push(&mut self, push: &Value) -> Action {
        let n = match notification::parse(push) {
            Parsed::Notification(n) => n,
            Parsed::Other => return Action::Nothing,
            Parsed::Malformed(why) => {
                self.maint
                    .counters
                    .malformed
                    .fetch_add(1, Ordering::Relaxed);
                log::warn!("ignoring a malformed maintenance notification: {why}");
                return Action::Nothing;
            }
        };
        let c = &self.maint.counters;
        let seq = n.seq();
        match n {
            Notification::Migrating { time, .. } | Notification::FailingOver { time, .. } => {
                let (counter, kind) = if n.kind() == Kind::Migrating {
                    (&c.migrating, MIGRATION)
                } else {
                    (&c.failing_over, FAILOVER)
                };
                counter.fetch_add(1, Ordering::Relaxed);
                log::info!(
                    "{:?} on {} (seq {seq}, up to {time:?}): relaxing this connection's timeouts",
                    n.kind(),
                    self.endpoint,
                );
                self.start(kind, seq)
            }
            Notification::Migrated { .. } | Notification::FailedOver { .. } => {
                let (counter, kind) = if n.kind() == Kind::Migrated {
                    (&c.migrated, MIGRATION)
                } else {
                    (&c.failed_over, FAILOVER)
                };
                counter.fetch_add(1, Ordering::Relaxed);
                log::info!("{:?} on {} (seq {seq})", n.kind(), self.endpoint);
                self.end(kind, seq)
            }
            Notification::Moving { seq, time, to } => {
                self.maint.on_moving(&self.endpoint, seq, time, to);
                // The connection may carry on until it is retired: with relaxed timeouts.
                self.start(MOVE, seq)
            }
            Notification::SMigrating { .. } | Notification::SMigrated { .. } => {
                c.slots.fetch_add(1, Ordering::Relaxed);
                Action::Nothing
            }
        }
    }

    fn start(&mut self, kind: usize, seq: u64) -> Action {
        if seq <= self.ended[kind] {
            // Its end notice came first.
            return Action::Nothing;
        }
        let was = self.is_relaxed();
        self.active[kind] = Some((seq, later(Instant::now(), self.maint.config.backstop)));
        if !was {
            self.maint
                .counters
                .relaxed_now
                .fetch_add(1, Ordering::Relaxed);
            self.maint
                .counters
                .relaxations
                .fetch_add(1, Ordering::Relaxed);
        }
        Action::Relax
    }

    fn end(&mut self, kind: usize, seq: u64) -> Action {
        self.ended[kind] = self.ended[kind].max(seq);
        let was = self.is_relaxed();
        if self.active[kind].is_some_and(|(started, _)| started < seq) {
            self.active[kind] = None;
        }
        self.settle(was)
    }

    /// After a change: `Restore` when the last maintenance just ended.
    fn settle(&mut self, was: bool) -> Action {
        if was && !self.is_relaxed() {
            self.maint
                .counters
                .relaxed_now
                .fetch_sub(1, Ordering::Relaxed);
            return Action::Restore;
        }
        Action::Nothing
    }

    /// The relaxed timeout, if one applies now (backstops end them).
    pub(crate) fn relaxed(&mut self) -> Option<Duration> {
        let was = self.is_relaxed();
        let now = Instant::now();
        for a in &mut self.active {
            if a.is_some_and(|(_, until)| now >= until) {
                *a = None;
                log::info!(
                    "relaxed timeouts on {} ended by the backstop",
                    self.endpoint
                );
            }
        }
        self.settle(was);
        self.is_relaxed()
            .then_some(self.maint.config.relaxed_timeout)
    }

    pub(crate) fn is_relaxed(&self) -> bool {
        self.active.iter().any(Option::is_some)
    }

    pub(crate) fn relaxed_blocking_timeout(&self) -> Duration {
        self.maint.config.relaxed_blocking_timeout
    }

    /// The timeouts to go back to when relaxing ends (taken when it starts).
    pub(crate) fn saved(&mut self) -> &mut Option<(Duration, Duration)> {
        &mut self.saved
    }

    /// Whether the pool may go on using this connection (its endpoint is not being moved
    /// away from).
    pub(crate) fn is_current(&self) -> bool {
        let keep = self.maint.keeps(&self.endpoint, self.opened);
        if !keep {
            self.maint.counters.moved.fetch_add(1, Ordering::Relaxed);
        }
        keep
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        if self.is_relaxed() {
            self.maint
                .counters
                .relaxed_now
                .fetch_sub(1, Ordering::Relaxed);
        }
    }
}
