//! Redis Sentinel: a [`Client`](crate::Client) whose connections go to the primary (or a
//! replica) that a set of sentinels names for a service, following failovers.
//!
//! What it does, step by step (the Sentinel client spec, every step):
//! - **Discovery.** Every new data connection asks the sentinels, in order, each under its
//!   own short timeout ([`SentinelConfig::timeout`]), `SENTINEL MASTER <service>`; the first
//!   that answers is moved to the front. One that does not know the service is skipped; an
//!   answer older (by `config-epoch`) than one already seen is skipped as stale. The list
//!   grows from `SENTINEL SENTINELS` and `+sentinel` events.
//! - **Verification.** The connection runs `ROLE` first, inside the connect deadline: an
//!   address that is not the primary (a stale sentinel, a primary already demoted) is
//!   refused, the sentinel that named it goes to the back of the list, and the lookup starts
//!   again after [`SentinelConfig::verify_pause`].
//! - **Following a switch.** When a lookup names a primary other than the last one, or a
//!   sentinel announces `+switch-master`, or a write is answered `READONLY`, every pooled
//!   connection is retired at once (idle ones closed now, busy ones after the command they
//!   carry) and new ones go to the new primary.
//! - **Errors.** [`ErrorKind::SentinelUnreachable`] when no sentinel answered,
//!   [`ErrorKind::UnknownService`] when sentinels answered and none knows the service; both
//!   come back after one pass over the list, and neither is retried by the default policy.
//!
//! The listener threads (`redisync-sentinel-listener`, one per sentinel, when
//! [`SentinelConfig::listen`] is on) hold only a weak reference to the client's sentinel state
//! and exit within a second of the last clone of the client being dropped (two, if one is
//! watching a promotion then).

mod config;
mod error;
mod listener;
mod promotion;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use parking_lot::Mutex;

pub use self::config::{DEFAULT_SENTINEL_TIMEOUT, DEFAULT_VERIFY_PAUSE, ReadFrom, SentinelConfig};
pub use self::error::{SentinelError, SentinelFailure};
use crate::commands::groups::Role;
use crate::connection::config::{Address, ConnectionConfig};
use crate::connection::{ConnectHook, Connection, PushSink};
use crate::deadline::Budget;
use crate::error::{Error, ErrorKind, Result, TimeoutPhase};
use crate::resp::Value;

/// Counters of a Sentinel client, from [`Client::sentinel_stats`](crate::Client::sentinel_stats).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SentinelStats {
    /// The primary the sentinels named last, once a lookup or an event has named one.
    pub primary: Option<Address>,
    /// Lookups of the primary (one per new data connection, and per event followed up).
    pub lookups: u64,
    /// Times the primary changed (each switch once, however it was noticed).
    pub switches: u64,
    /// `+switch-master` events received for this service (from every sentinel).
    pub switch_events: u64,
    /// New connections refused because `ROLE` did not say what the sentinels claimed.
    pub role_mismatches: u64,
    /// Sentinel answers skipped because another had a newer `config-epoch`.
    pub stale_answers: u64,
    /// `READONLY` replies that made the client look the primary up again.
    pub readonly_replies: u64,
    /// Replica connections that went to the primary because no replica was healthy.
    pub replica_fallbacks: u64,
    /// Sentinels known now (given, plus discovered).
    pub sentinels: usize,
    /// Listener threads subscribed to their sentinel now.
    pub listeners_connected: u64,
    /// Times a listener (re)subscribed after its first subscription.
    pub listener_resubscribes: u64,
}

#[derive(Default)]
struct Counters {
    lookups: AtomicU64,
    switches: AtomicU64,
    switch_events: AtomicU64,
    role_mismatches: AtomicU64,
    stale: AtomicU64,
    readonly: AtomicU64,
    fallbacks: AtomicU64,
    listeners: AtomicU64,
    resubscribes: AtomicU64,
}

/// Called when the primary changes: retires a client's pool; `false` once the client is gone.
pub(crate) type Watcher = Arc<dyn Fn() -> bool + Send + Sync>;

/// The state shared by a Sentinel client, its clones and its replica clients.
pub(crate) struct Sentinel {
    config: SentinelConfig,
    /// The sentinels, the one to ask first at the front.
    nodes: Mutex<Vec<ConnectionConfig>>,
    /// The primary named last.
    primary: Mutex<Option<Address>>,
    /// The highest `config-epoch` a sentinel has answered with.
    epoch: AtomicU64,
    /// A replica a sentinel announced promoted (`+promoted-slave`) before the switch itself
    /// (`+switch-master`, about a second later): until then, lookups still name the old
    /// primary, which keeps taking writes that the new one will never have.
    promotion: Mutex<Option<promotion::Promotion>>,
    /// The data nodes' settings (from the first connect), for watching a replica being
    /// promoted.
    data: Mutex<Option<ConnectionConfig>>,
    watchers: Mutex<Vec<Watcher>>,
    /// Sentinels with a listener thread.
    listening: Mutex<Vec<Address>>,
    next_replica: AtomicUsize,
    counters: Counters,
    me: Weak<Sentinel>,
}

/// What a sentinel said of the service.
struct Named {
    address: Address,
    epoch: u64,
}

impl Sentinel {
    /// Checks the config and starts a listener per sentinel (when asked to).
    pub(crate) fn start(config: SentinelConfig) -> Result<Arc<Sentinel>> {
        let nodes = config.nodes()?;
        let sentinel = Arc::new_cyclic(|me| Sentinel {
            config,
            nodes: Mutex::new(nodes),
            primary: Mutex::new(None),
            epoch: AtomicU64::new(0),
            promotion: Mutex::new(None),
            data: Mutex::new(None),
            watchers: Mutex::new(Vec::new()),
            listening: Mutex::new(Vec::new()),
            next_replica: AtomicUsize::new(0),
            counters: Counters::default(),
            me: me.clone(),
        });
        if sentinel.config.listen {
            let nodes = sentinel.nodes.lock().clone();
            for node in nodes {
                sentinel.listen_to(node)?;
            }
        }
        Ok(sentinel)
    }

    /// Starts a listener for `node` unless one runs already.
    fn listen_to(&self, node: ConnectionConfig) -> Result<()> {
        {
            let mut listening = self.listening.lock();
            if listening.contains(&node.address) {
                return Ok(());
            }
            listening.push(node.address.clone());
        }
        listener::start(self.me.clone(), node)
    }

    /// Has `watcher` called whenever the primary changes.
    pub(crate) fn watch(&self, watcher: Watcher) {
        self.watchers.lock().push(watcher);
    }

    pub(crate) fn stats(&self) -> SentinelStats {
        let c = &self.counters;
        SentinelStats {
            primary: self.primary.lock().clone(),
            lookups: c.lookups.load(Ordering::Relaxed),
            switches: c.switches.load(Ordering::Relaxed),
            switch_events: c.switch_events.load(Ordering::Relaxed),
            role_mismatches: c.role_mismatches.load(Ordering::Relaxed),
            stale_answers: c.stale.load(Ordering::Relaxed),
            readonly_replies: c.readonly.load(Ordering::Relaxed),
            replica_fallbacks: c.fallbacks.load(Ordering::Relaxed),
            sentinels: self.nodes.lock().len(),
            listeners_connected: c.listeners.load(Ordering::Relaxed),
            listener_resubscribes: c.resubscribes.load(Ordering::Relaxed),
        }
    }

    /// Asks the sentinels in order for the primary; the first that answers goes to the front.
    /// Returns the answer and the sentinel that gave it.
    fn lookup(&self, call: Budget) -> Result<(Named, Address)> {
        self.counters.lookups.fetch_add(1, Ordering::Relaxed);
        let nodes = self.nodes.lock().clone();
        let known = self.epoch.load(Ordering::Acquire);
        let mut tried = Vec::with_capacity(nodes.len());
        let mut unknown = false;
        let mut stale: Option<(Named, Address)> = None;
        let mut refused: Option<Error> = None;
        for node in &nodes {
            if call.deadline.has_passed() {
                return Err(call.timeout());
            }
            match self.ask_master(node, call) {
                Ok(Some(named)) if named.epoch >= known => {
                    self.to_front(&node.address);
                    self.epoch.fetch_max(named.epoch, Ordering::AcqRel);
                    return Ok((named, node.address.clone()));
                }
                Ok(Some(named)) => {
                    self.counters.stale.fetch_add(1, Ordering::Relaxed);
                    tried.push((
                        node.address.clone(),
                        format!(
                            "named {} with config-epoch {} (another said {known})",
                            named.address, named.epoch
                        ),
                    ));
                    if stale.as_ref().is_none_or(|(s, _)| s.epoch < named.epoch) {
                        stale = Some((named, node.address.clone()));
                    }
                }
                Ok(None) => {
                    unknown = true;
                    tried.push((node.address.clone(), "does not know the service".into()));
                }
                Err(e) => {
                    tried.push((node.address.clone(), e.to_string()));
                    if e.kind() == ErrorKind::Authentication {
                        refused = Some(e);
                    }
                }
            }
        }
        // Every answer was older than one seen before (the sentinels were reset, say): the
        // newest of them is still better than none.
        if let Some(found) = stale {
            self.epoch.store(found.0.epoch, Ordering::Release);
            return Ok(found);
        }
        if unknown {
            return Err(SentinelError::error(
                SentinelFailure::UnknownService,
                &self.config.service,
                tried,
            ));
        }
        // Refused credentials are a configuration error, not an outage: say so.
        if let Some(e) = refused {
            return Err(e);
        }
        Err(SentinelError::error(
            SentinelFailure::Unreachable,
            &self.config.service,
            tried,
        ))
    }

    /// One sentinel's answer: `None` when it does not know the service.
    fn ask_master(&self, node: &ConnectionConfig, call: Budget) -> Result<Option<Named>> {
        let budget = Budget::after(self.config.timeout, TimeoutPhase::Connect).min(call);
        let mut conn = Connection::connect(node, &[], budget, None)?;
        conn.set_cap(budget);
        let reply: Result<Value> = crate::cmd("SENTINEL")
            .arg("MASTER")
            .arg(self.config.service.as_str())
            .query(&mut conn);
        match reply {
            Ok(v) => {
                let f = fields(v).ok_or_else(|| {
                    Error::conversion("a SENTINEL MASTER reply", "no field list".into())
                })?;
                let address = address_of(&f)?;
                let epoch = f
                    .get("config-epoch")
                    .and_then(|e| e.parse().ok())
                    .unwrap_or(0);
                Ok(Some(Named { address, epoch }))
            }
            Err(Error::Server(e)) if e.message().contains("No such master") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The healthy replicas, as the first sentinel that answers lists them.
    fn replicas(&self, call: Budget) -> Result<Vec<Address>> {
        let nodes = self.nodes.lock().clone();
        let mut tried = Vec::new();
        for node in &nodes {
            let budget = Budget::after(self.config.timeout, TimeoutPhase::Connect).min(call);
            let reply = Connection::connect(node, &[], budget, None).and_then(|mut conn| {
                conn.set_cap(budget);
                crate::cmd("SENTINEL")
                    .arg("REPLICAS")
                    .arg(self.config.service.as_str())
                    .query::<Vec<Value>>(&mut conn)
            });
            match reply {
                Ok(list) => {
                    return Ok(list
                        .into_iter()
                        .filter_map(fields)
                        .filter(is_healthy)
                        .filter_map(|f| address_of(&f).ok())
                        .collect());
                }
                Err(e) => tried.push((node.address.clone(), e.to_string())),
            }
        }
        Err(SentinelError::error(
            SentinelFailure::Unreachable,
            &self.config.service,
            tried,
        ))
    }

    /// A connection to the primary, verified with `ROLE`, within the connect timeout and
    /// `call`.
    pub(crate) fn connect_primary(
        &self,
        cfg: &ConnectionConfig,
        hooks: &[ConnectHook],
        call: Budget,
        push_sink: Option<PushSink>,
    ) -> Result<Connection> {
        let budget = Budget::after(cfg.connect_timeout, TimeoutPhase::Connect).min(call);
        self.remember(cfg);
        let hooks = with_role_check(Expect::Primary, hooks);
        let mut refused = Vec::new();
        loop {
            let (mut named, by) = self.lookup(budget)?;
            if let Some(to) = self.promoted_instead_of(&named.address) {
                named.address = to;
            }
            let data = ConnectionConfig {
                address: named.address.clone(),
                ..cfg.clone()
            };
            match Connection::connect(&data, &hooks, budget, push_sink.clone()) {
                Ok(conn) => {
                    self.named(&named.address);
                    return Ok(conn);
                }
                Err(Error::Sentinel(e)) if e.failure == SentinelFailure::NotPrimary => {
                    self.counters
                        .role_mismatches
                        .fetch_add(1, Ordering::Relaxed);
                    log::warn!(
                        "sentinel {by} named {} as the primary of {:?}, which is not: asking again",
                        named.address,
                        self.config.service
                    );
                    self.to_back(&by);
                    refused.extend(e.tried);
                    if !budget.deadline.sleep(self.config.verify_pause) {
                        return Err(SentinelError::error(
                            SentinelFailure::NotPrimary,
                            &self.config.service,
                            refused,
                        ));
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// A connection to a healthy replica (verified with `ROLE`), or to the primary when none
    /// can be had.
    pub(crate) fn connect_replica(
        &self,
        cfg: &ConnectionConfig,
        hooks: &[ConnectHook],
        call: Budget,
        push_sink: Option<PushSink>,
    ) -> Result<Connection> {
        let budget = Budget::after(cfg.connect_timeout, TimeoutPhase::Connect).min(call);
        match self.replicas(budget) {
            Ok(mut replicas) if !replicas.is_empty() => {
                let n = replicas.len();
                let first = match self.config.read_from {
                    ReadFrom::RoundRobin => self.next_replica.fetch_add(1, Ordering::Relaxed) % n,
                    _ => rand::random_range(0..n),
                };
                replicas.rotate_left(first);
                let checked = with_role_check(Expect::Replica, hooks);
                for address in replicas {
                    if budget.deadline.has_passed() {
                        break;
                    }
                    let data = ConnectionConfig {
                        address: address.clone(),
                        // Half of what is left for each replica, so the primary still fits.
                        connect_timeout: half_left(budget, cfg.connect_timeout),
                        ..cfg.clone()
                    };
                    match Connection::connect(&data, &checked, budget, push_sink.clone()) {
                        Ok(conn) => return Ok(conn),
                        Err(e) => log::debug!("replica {address} refused: {e}"),
                    }
                }
            }
            Ok(_) => log::debug!("the sentinels list no healthy replica"),
            Err(e) => log::debug!("no replica list: {e}"),
        }
        self.counters.fallbacks.fetch_add(1, Ordering::Relaxed);
        log::info!(
            "no healthy replica of {:?}: reading from the primary",
            self.config.service
        );
        // The same budget: listing and trying the replicas used part of the connect timeout,
        // and the fallback gets what is left of it, not a fresh one.
        self.connect_primary(cfg, hooks, budget, push_sink)
    }

    /// A lookup or an event named `address` as the primary: if it is a new one, every
    /// client of this state retires its connections.
    fn named(&self, address: &Address) {
        let changed = {
            let mut p = self.primary.lock();
            if p.as_ref() == Some(address) {
                false
            } else {
                let before = p.replace(address.clone());
                if let Some(before) = &before {
                    log::warn!(
                        "the primary of {:?} is now {address} (was {before})",
                        self.config.service
                    );
                }
                before.is_some()
            }
        };
        if changed {
            self.counters.switches.fetch_add(1, Ordering::Relaxed);
            self.retire_all();
        }
    }

    /// A write to `address` was answered `READONLY`: it is no longer the primary.
    pub(crate) fn demoted(&self, address: &Address) {
        self.counters.readonly.fetch_add(1, Ordering::Relaxed);
        let was = {
            let mut p = self.primary.lock();
            if p.as_ref() == Some(address) {
                p.take()
            } else {
                None
            }
        };
        log::warn!(
            "{address} answered READONLY: looking up the primary of {:?} again",
            self.config.service
        );
        if was.is_some() {
            self.counters.switches.fetch_add(1, Ordering::Relaxed);
        }
        self.retire_all();
    }

    fn retire_all(&self) {
        // Called without the lock: retiring closes connections.
        let watchers: Vec<Watcher> = self.watchers.lock().clone();
        let gone: Vec<&Watcher> = watchers.iter().filter(|w| !w()).collect();
        if !gone.is_empty() {
            self.watchers
                .lock()
                .retain(|w| !gone.iter().any(|g| Arc::ptr_eq(g, w)));
        }
    }

    fn to_front(&self, address: &Address) {
        let mut nodes = self.nodes.lock();
        if let Some(at) = nodes.iter().position(|n| &n.address == address) {
            if at > 0 {
                let node = nodes.remove(at);
                nodes.insert(0, node);
            }
        }
    }

    fn to_back(&self, address: &Address) {
        let mut nodes = self.nodes.lock();
        if let Some(at) = nodes.iter().position(|n| &n.address == address) {
            let node = nodes.remove(at);
            nodes.push(node);
        }
    }

    /// A sentinel learnt of (from `SENTINEL SENTINELS` or a `+sentinel` event).
    fn discovered(&self, address: Address) {
        let node = {
            let mut nodes = self.nodes.lock();
            if nodes.iter().any(|n| n.address == address) {
                return;
            }
            let Some(template) = nodes.first() else {
                return;
            };
            let node = ConnectionConfig {
                address,
                ..template.clone()
            };
            nodes.push(node.clone());
            node
        };
        log::info!(
            "sentinel {} of {:?} discovered",
            node.address,
            self.config.service
        );
        if self.config.listen {
            if let Err(e) = self.listen_to(node) {
                log::warn!("could not start a sentinel listener: {e}");
            }
        }
    }
}

/// What `ROLE` must say.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    Primary,
    Replica,
}

/// `hooks` with the `ROLE` check first, so nothing else runs on a wrong node.
fn with_role_check(expect: Expect, hooks: &[ConnectHook]) -> Vec<ConnectHook> {
    let check: ConnectHook = Arc::new(move |conn: &mut Connection| role_check(expect, conn));
    let mut all = Vec::with_capacity(hooks.len() + 1);
    all.push(check);
    all.extend(hooks.iter().cloned());
    all
}

fn role_check(expect: Expect, conn: &mut Connection) -> Result<()> {
    let role: Role = crate::cmd("ROLE").query(&mut *conn)?;
    let said = match (&role, expect) {
        (Role::Master { .. }, Expect::Primary) => return Ok(()),
        (Role::Replica { state, .. }, Expect::Replica) if state == "connected" => return Ok(()),
        (Role::Master { .. }, _) => "ROLE says master".to_string(),
        (
            Role::Replica {
                master_host,
                master_port,
                state,
                ..
            },
            _,
        ) => format!("ROLE says replica of {master_host}:{master_port} ({state})"),
        (Role::Sentinel { .. }, _) => "ROLE says sentinel".to_string(),
    };
    Err(SentinelError::error(
        SentinelFailure::NotPrimary,
        "",
        vec![(conn.address().clone(), said)],
    ))
}

/// A reply of field names and values (a flat RESP2 array, or a RESP3 map) as text.
fn fields(v: Value) -> Option<HashMap<String, String>> {
    let pairs: Vec<(Value, Value)> = match v {
        Value::Map(m) => m,
        Value::Array(a) if a.len() % 2 == 0 => {
            let mut it = a.into_iter();
            let mut out = Vec::new();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                out.push((k, v));
            }
            out
        }
        _ => return None,
    };
    Some(
        pairs
            .into_iter()
            .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
            .collect(),
    )
}

fn address_of(f: &HashMap<String, String>) -> Result<Address> {
    let host = f
        .get("ip")
        .filter(|h| !h.is_empty())
        .ok_or_else(|| Error::conversion("a sentinel's address fields", "no ip".into()))?;
    let port = f
        .get("port")
        .and_then(|p| p.parse::<u16>().ok())
        .filter(|p| *p != 0)
        .ok_or_else(|| Error::conversion("a sentinel's address fields", "no valid port".into()))?;
    Ok(Address::Tcp {
        host: host.clone(),
        port,
    })
}

/// Up, linked to its primary, and not marked down by the sentinel.
fn is_healthy(f: &HashMap<String, String>) -> bool {
    let flags = f.get("flags").map_or("", String::as_str);
    let down = flags
        .split(',')
        .any(|fl| matches!(fl, "s_down" | "o_down" | "disconnected"));
    !down && f.get("master-link-status").is_none_or(|s| s == "ok")
}

fn half_left(budget: Budget, connect_timeout: std::time::Duration) -> std::time::Duration {
    let left = budget.deadline.remaining().unwrap_or(connect_timeout);
    (left.min(connect_timeout) / 2).max(std::time::Duration::from_millis(1))
}

/// Where a pool's connections go: to the primary, or to a replica.
pub(crate) struct Route {
    pub(crate) sentinel: Arc<Sentinel>,
    pub(crate) replica: bool,
}

impl crate::pool::Redirect for Route {
    fn target(&self) -> Option<Address> {
        None
    }

    fn unreachable(&self, _address: &Address) {}

    fn describe(&self) -> Option<String> {
        let what = if self.replica {
            "a replica"
        } else {
            "the primary"
        };
        Some(format!(
            "{what} of {:?} (through Sentinel)",
            self.sentinel.config.service
        ))
    }

    fn open(
        &self,
        cfg: &ConnectionConfig,
        hooks: &[ConnectHook],
        call: Budget,
        push_sink: Option<PushSink>,
    ) -> Option<Result<Connection>> {
        Some(if self.replica {
            self.sentinel.connect_replica(cfg, hooks, call, push_sink)
        } else {
            self.sentinel.connect_primary(cfg, hooks, call, push_sink)
        })
    }
}

/// Whether an error is a demoted primary's refusal of a write.
pub(crate) fn is_readonly(e: &Error) -> bool {
    e.kind() == ErrorKind::ReadOnly
}

#[cfg(test)]
mod tests;
