//! Redis Cluster: [`ClusterClient`] routes each command to the node serving its keys' hash
//! slot, over a pool per node, and follows the cluster as slots move and primaries fail.
//!
//! ```no_run
//! use redisync::cluster::ClusterClient;
//! use redisync::prelude::*;
//! let cluster = ClusterClient::open(&["redis://10.0.0.1:7000", "redis://10.0.0.2:7000"])?;
//! cluster.set("user:1", "ada")?;
//! let name: Option<String> = cluster.get("user:1")?;
//! // Keys in different slots: split per slot, reassembled in order (not atomic).
//! let both: Vec<Option<String>> = cluster.mget(&["user:1", "user:2"])?;
//! # Ok::<(), redisync::Error>(())
//! ```
//!
//! See the crate documentation's "Redis Cluster" section for how commands are routed, what is
//! not atomic across slots, and what a failover costs.

mod error;
mod pubsub;
mod refresh;
mod replicas;
mod route;
pub(crate) mod slot;
mod topology;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use parking_lot::RwLock;

pub use self::error::ClusterError;
use self::error::cluster_error;
pub use self::pubsub::ShardedSubscriber;
use self::refresh::Refresh;
pub use self::replicas::ReadFrom;
use self::route::Route;
pub use self::slot::{SLOTS, hash_tag, slot};
pub use self::topology::NodeAddr;
use self::topology::{Layout, Node, Topology};
use crate::client::{Client, ClientBuilder};
use crate::commands::table::SessionEffect;
use crate::commands::{Batch, Execute, FromValue, Request};
use crate::connection::Connection;
use crate::connection::config::{Address, ConnectionConfig, Secret};
use crate::deadline::Budget;
use crate::error::{Error, ErrorKind, Result, TimeoutPhase};
use crate::resp::Value;
use crate::retry::{Counters, Failure, Retry, Try, run};

/// How long one node may take to give its slot map, by default.
pub const DEFAULT_REFRESH_TIMEOUT: Duration = Duration::from_secs(2);
/// How often the slot map is refreshed when nothing asks for it, by default.
pub const DEFAULT_REFRESH_INTERVAL: Duration = Duration::from_secs(30);

/// A client for a Redis Cluster (or Valkey cluster): `Send + Sync`, cheap to clone (clones
/// share the pools and the slot map), with the same typed commands, pipelines and scripts as
/// [`Client`].
///
/// Each command goes to the primary serving its keys' slot; keyless commands go to a random
/// primary, and those the command table marks for every shard (`FLUSHALL`, `DBSIZE`, `KEYS`,
/// `SCRIPT LOAD`, ...) to all primaries, their replies combined as the table says.
#[derive(Clone)]
pub struct ClusterClient {
    inner: Arc<Inner>,
}

struct Inner {
    /// The seeds, with their pools: tried for the slot map after the nodes it names.
    seeds: Vec<Node>,
    /// Every node's settings: the builder with the first seed's URL, each node's address
    /// replacing its host.
    settings: ClientBuilder,
    seed_url: Secret,
    tls: bool,
    topology: RwLock<Arc<Topology>>,
    refresh: Arc<Refresh>,
    refresh_timeout: Duration,
    retry: Retry,
    counters: Counters,
    stats: Stats,
    read_from: ReadFrom,
    /// Nodes skipped for reads for a while after they failed one.
    skips: replicas::Skips,
    /// Pools of nodes a redirect named that the slot map lacks (above all the target of an
    /// `ASK`, which never enters the map: a node just added serves no slot until its first
    /// one has moved). One pool per node, not one per redirect; a refresh that finds a node
    /// moves its pool into the map. At most [`MAX_STRAYS`].
    strays: parking_lot::Mutex<Vec<Node>>,
}

/// How many pools of nodes outside the slot map are kept (the oldest goes first).
const MAX_STRAYS: usize = 8;

#[derive(Default)]
struct Stats {
    moved: AtomicU64,
    ask: AtomicU64,
    refreshes: AtomicU64,
}

/// Counters of a cluster client (all its clones), from [`ClusterClient::stats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ClusterStats {
    /// `MOVED` redirects followed.
    pub moved: u64,
    /// `ASK` redirects followed.
    pub ask: u64,
    /// Slot map refreshes that succeeded.
    pub refreshes: u64,
    /// Attempts made after a failed one (redirects not counted).
    pub retries: u64,
    /// Calls that failed after at least one retry.
    pub gave_up: u64,
}

impl ClusterClient {
    /// A client for the cluster one of `seeds` belongs to (`redis://` or `rediss://` URLs;
    /// credentials and TLS from the first), every other setting at its default. Nothing is
    /// opened until the first command.
    pub fn open<S: AsRef<str>>(seeds: &[S]) -> Result<ClusterClient> {
        ClusterClient::builder().seeds(seeds).build()
    }

    /// A builder: seeds, every [`ClientBuilder`] setting (applied to each node's pool), and
    /// the cluster's own settings.
    pub fn builder() -> ClusterBuilder {
        ClusterBuilder::default()
    }

    /// The client (pool) of the primary serving `key`'s slot now, for commands that must go
    /// to one node (a `SCAN` of that node, say).
    ///
    /// # Errors
    /// As any call: no slot map could be fetched, or no node serves the slot.
    pub fn client_for_key(&self, key: impl AsRef<[u8]>) -> Result<Client> {
        let call = self.budget(None);
        let node = self
            .inner
            .primary_for(Some(slot(key.as_ref())), call, &mut None)?;
        Ok(node.client)
    }

    /// The primaries of the current slot map, each with its pool: to run a command on each
    /// node (a `SCAN` of the whole cluster is one `SCAN` per primary).
    ///
    /// # Errors
    /// No slot map could be fetched.
    pub fn primaries(&self) -> Result<Vec<(NodeAddr, Client)>> {
        let topology = self.inner.current(self.budget(None))?;
        Ok(topology
            .shards
            .iter()
            .map(|s| (s.primary.addr.clone(), s.primary.client.clone()))
            .collect())
    }

    /// The slot map as this client knows it: `(first, last, primary)` per range.
    pub fn slot_map(&self) -> Vec<(u16, u16, NodeAddr)> {
        let topology = Arc::clone(&self.inner.topology.read());
        let mut out: Vec<(u16, u16, NodeAddr)> = Vec::new();
        for s in 0..SLOTS {
            let Some(shard) = topology.shard(s) else {
                continue;
            };
            match out.last_mut() {
                Some(last) if last.1 + 1 == s && last.2 == shard.primary.addr => last.1 = s,
                _ => out.push((s, s, shard.primary.addr.clone())),
            }
        }
        out
    }

    /// Fetches the slot map now, waiting up to `wait` for it.
    ///
    /// # Errors
    /// The error of the refresh, when every node failed to answer.
    pub fn refresh_slots(&self, wait: Duration) -> Result<()> {
        let ticket = self.inner.refresh.request();
        match self.inner.refresh.wait(ticket, after(wait)) {
            Some(e) => Err(e),
            None if self.inner.refresh.done() > ticket => Ok(()),
            None => Err(Error::timeout(TimeoutPhase::Call, wait)),
        }
    }

    /// The client-side caches' counters and sizes added over the nodes of the current slot
    /// map (each node has its own cache, filled only from its own connections, within the
    /// configured bounds), if the node settings turn caching on.
    pub fn cache_stats(&self) -> Option<crate::CacheStats> {
        let topology = Arc::clone(&self.inner.topology.read());
        let mut total: Option<crate::CacheStats> = None;
        for node in topology.nodes() {
            if let Some(s) = node.client.cache_stats() {
                total = Some(match total {
                    None => s,
                    Some(t) => t.add(&s),
                });
            }
        }
        total
    }

    /// Drops every cached reply on every node.
    pub fn flush_cache(&self) {
        let topology = Arc::clone(&self.inner.topology.read());
        for node in topology.nodes() {
            node.client.flush_cache();
        }
    }

    /// Redirects, refreshes and retries so far.
    pub fn stats(&self) -> ClusterStats {
        let s = &self.inner.stats;
        ClusterStats {
            moved: s.moved.load(Ordering::Relaxed),
            ask: s.ask.load(Ordering::Relaxed),
            refreshes: s.refreshes.load(Ordering::Relaxed),
            retries: self.inner.counters.retries.load(Ordering::Relaxed),
            gave_up: self.inner.counters.gave_up.load(Ordering::Relaxed),
        }
    }

    /// The retry policy every call runs under (the one given, plus the cluster's own kinds:
    /// `TRYAGAIN`, `CLUSTERDOWN`, `MASTERDOWN`, `LOADING` and `READONLY`).
    pub fn retry_policy(&self) -> &Retry {
        &self.inner.retry
    }

    /// A pub/sub subscriber for classic `SUBSCRIBE`/`PSUBSCRIBE` (which a cluster delivers on
    /// every node), on a connection of its own to a random primary. When that node cannot be
    /// reached again, its reconnects go to another primary of the slot map of the moment.
    ///
    /// # Errors
    /// No slot map could be fetched, or the error of opening the connection.
    pub fn subscriber(&self) -> Result<crate::pubsub::Subscriber> {
        let node = self.inner.primary_for(None, self.budget(None), &mut None)?;
        let mut sub = node.client.subscriber()?;
        // Weak: a subscriber outliving the client goes on with the node it has.
        let inner = Arc::downgrade(&self.inner);
        sub.relocate_with(Arc::new(move |failed: &Address| {
            let inner = inner.upgrade()?;
            inner.refresh.request();
            let topology = Arc::clone(&inner.topology.read());
            let others: Vec<&Node> = topology
                .shards
                .iter()
                .map(|s| &s.primary)
                .filter(|n| {
                    !matches!(failed, Address::Tcp { host, port }
                        if *host == n.addr.host && *port == n.addr.port)
                })
                .collect();
            if others.is_empty() {
                return None;
            }
            let node = others.get(rand::random_range(0..others.len()))?;
            Some(node.client.connection_config().clone())
        }));
        Ok(sub)
    }

    /// A subscriber for shard channels (`SSUBSCRIBE`, Redis 7.0+), each on the primary of its
    /// slot, following the slot when it moves or its primary fails over. Nothing is opened
    /// until the first [`ShardedSubscriber::ssubscribe`].
    pub fn sharded_subscriber(&self) -> ShardedSubscriber {
        ShardedSubscriber::new(self.clone())
    }

    /// Runs an optimistic transaction (see [`transaction`](crate::transaction)) on the primary
    /// serving `keys`, which must all hash to one slot (use a hash tag: `{user:1}:a`,
    /// `{user:1}:b`); the commands the closure queues must stay in that slot too, or the
    /// server refuses them with `CROSSSLOT`.
    ///
    /// # Errors
    /// [`ErrorKind::CrossSlot`] before anything is sent when `keys` span slots; otherwise as
    /// [`Client::transaction`].
    pub fn transaction<T, F>(&self, keys: impl crate::commands::ToArgs, mut f: F) -> Result<T>
    where
        T: FromValue,
        F: FnMut(&mut Connection, &mut crate::commands::Pipeline) -> Result<()>,
    {
        let watch = crate::commands::cmd("WATCH").arg(&keys);
        let slot = route::one_slot(watch.keys().into_iter(), "transaction")?;
        let call = self.budget(None);
        let inner = &self.inner;
        let mut refresh_ticket = None;
        let mut last: Option<NodeAddr> = None;
        // `Ok(Err(..))`: EXEC ran and its replies did not convert (an error reply among them
        // can read ASK, MOVED or TRYAGAIN): the answer, neither followed nor retried.
        run(&inner.retry, call, &inner.counters, true, |t| {
            let node = match &t.target {
                // A redirect with no host means the host of the node that sent it.
                Some(r) => inner.moved_to(r, last.as_ref())?,
                None => inner.primary_for(slot, call, &mut refresh_ticket)?,
            };
            last = Some(node.addr.clone());
            node.client
                .transaction_executed(&keys, &mut f)
                .map_err(|error| {
                    inner.after_failure(&error, &mut refresh_ticket);
                    // The slot is being migrated: its keys may be on either node until it has
                    // moved, and a WATCH (a flag on one connection) cannot follow them across an
                    // ASK. Nothing ran; the transaction waits for the move to end as a TRYAGAIN
                    // does, under the retry policy's backoff and the call's deadline, instead of
                    // spending its redirects on the same ASK.
                    let error = if error.kind() == ErrorKind::Ask {
                        cluster_error(
                            ErrorKind::TryAgain,
                            format!(
                                "the slot of the watched keys is being migrated ({error}); a \
                             WATCH transaction waits for the move to finish"
                            ),
                        )
                    } else {
                        error
                    };
                    Failure {
                        may_have_run: matches!(error, Error::WatchLost(_)),
                        safe_to_repeat: true,
                        error,
                    }
                })
        })?
    }

    fn budget(&self, limit: Option<Duration>) -> Budget {
        self.budget_waiting(limit, crate::commands::table::Wait::None)
    }

    /// The budget of a call: the retry policy's deadline, extended by a blocking command's
    /// own `wait` (as on [`Client`]), and `limit`, whichever ends first.
    fn budget_waiting(
        &self,
        limit: Option<Duration>,
        wait: crate::commands::table::Wait,
    ) -> Budget {
        self.inner.retry.call_budget(wait, limit)
    }

    fn execute_within(&self, request: &Request<'_>, limit: Option<Duration>) -> Result<Value> {
        // Room for a typical command, so the encoder does not grow it.
        let mut frame = Vec::with_capacity(256);
        request.encode(&mut frame)?;
        let wait = match request.spec().blocking() {
            None => crate::commands::table::Wait::None,
            Some(_) => crate::resp::split_command(&frame)
                .map_or(crate::commands::table::Wait::Forever, |a| {
                    request.spec().wait_in(&a)
                }),
        };
        let call = self.budget_waiting(limit, wait);
        match Route::of(request.spec(), &frame)? {
            Route::Slot(s) => self.inner.call(request, Some(s), call, limit),
            Route::Any => self.inner.call(request, None, call, limit),
            Route::All(combine) => self.inner.fan_out(request, combine, call, limit),
            Route::Split(split) => {
                let (encoded, metas) = split.batch(&frame)?;
                let batch = Batch {
                    encoded: &encoded,
                    metas: &metas,
                    atomic: false,
                    repeatable: request.is_repeatable(),
                };
                let replies = self.inner.batch(&batch, call, limit)?;
                split.combine(replies)
            }
        }
    }
}

impl Inner {
    /// The slot map, fetched first if there is none yet (within `call`).
    fn current(&self, call: Budget) -> Result<Arc<Topology>> {
        let topology = Arc::clone(&self.topology.read());
        if topology.epoch > 0 {
            return Ok(topology);
        }
        let ticket = self.refresh.request();
        let error = self.refresh.wait(ticket, self.wait_until(call));
        let topology = Arc::clone(&self.topology.read());
        if topology.epoch > 0 {
            return Ok(topology);
        }
        Err(error.unwrap_or_else(|| call.timeout()))
    }

    /// How long a call waits for a refresh: the refresh timeout per seed (so every seed can be
    /// tried), within the call's budget.
    fn wait_until(&self, call: Budget) -> Instant {
        let tries = u32::try_from(self.seeds.len().max(1) + 1).unwrap_or(u32::MAX);
        let own = after(self.refresh_timeout.saturating_mul(tries));
        match call.deadline.instant() {
            Some(d) if d < own => d,
            _ => own,
        }
    }

    /// The primary for `slot` (a random primary for `None`), waiting first for a refresh an
    /// earlier attempt asked for; an unassigned slot waits for one refresh before it fails.
    fn primary_for(
        &self,
        slot: Option<u16>,
        call: Budget,
        refresh_ticket: &mut Option<u64>,
    ) -> Result<Node> {
        if let Some(ticket) = refresh_ticket.take() {
            self.wait_for_refresh(ticket, call);
        }
        let topology = self.current(call)?;
        let Some(slot) = slot else {
            let n = topology.shards.len();
            if n == 0 {
                return Err(cluster_error(
                    ErrorKind::ClusterDown,
                    "the slot map has no primaries",
                ));
            }
            return Ok(topology.shards[rand::random_range(0..n)].primary.clone());
        };
        if let Some(shard) = topology.shard(slot) {
            return Ok(shard.primary.clone());
        }
        // Refresh once before failing: the slot may have been assigned since.
        let ticket = self.refresh.request();
        let _ = self.refresh.wait(ticket, self.wait_until(call));
        let topology = Arc::clone(&self.topology.read());
        match topology.shard(slot) {
            Some(shard) => Ok(shard.primary.clone()),
            None => Err(cluster_error(
                ErrorKind::ClusterDown,
                format!("no node serves slot {slot}"),
            )),
        }
    }

    /// Waits for the refresh `ticket` asked for, up to the refresh timeout, within `call`.
    fn wait_for_refresh(&self, ticket: u64, call: Budget) {
        let until = after(self.refresh_timeout);
        let until = call.deadline.instant().map_or(until, |d| d.min(until));
        let _ = self.refresh.wait(ticket, until);
    }

    /// The node of `slot`'s shard a read goes to (`primary` when the map has no shard for it).
    fn read_node(&self, slot: Option<u16>, primary: Node) -> Node {
        let topology = Arc::clone(&self.topology.read());
        match slot.and_then(|s| topology.shard(s)) {
            Some(shard) if shard.primary.addr == primary.addr => {
                self.skips.pick(shard, self.read_from)
            }
            _ => primary,
        }
    }

    /// The node a redirect names (an empty host: the host of `asked`), with a pool; a `MOVED`
    /// also updates the slot map and asks for a full refresh.
    fn moved_to(&self, r: &crate::error::Redirect, asked: Option<&NodeAddr>) -> Result<Node> {
        let host = match (r.host(), asked) {
            ("", Some(a)) => a.host.clone(),
            ("", None) => {
                return Err(cluster_error(
                    ErrorKind::Protocol,
                    "a redirect with no host, and no node it came from",
                ));
            }
            (h, _) => h.to_string(),
        };
        let addr = NodeAddr {
            host,
            port: r.port(),
        };
        let topology = Arc::clone(&self.topology.read());
        let mut node = match topology.node(&addr) {
            Some(n) => n.clone(),
            None => self.stray(&addr)?,
        };
        if r.kind() == crate::error::RedirectKind::Moved {
            self.stats.moved.fetch_add(1, Ordering::Relaxed);
            {
                let mut current = self.topology.write();
                // Another caller redirected there may have put its node in the map first: that
                // one is used (one pool, one cache per node), the one built here dropped.
                if let Some(n) = current.node(&addr) {
                    node = n.clone();
                }
                if current
                    .shard(r.slot())
                    .is_none_or(|s| s.primary.addr != addr)
                {
                    let next = current.moved(r.slot(), node.clone());
                    *current = Arc::new(next);
                }
            }
            if let Some(from) = asked.filter(|a| **a != addr) {
                // The node that answered lost the slot: what it cached about keys it never
                // held there gets no invalidation from it any more.
                if let Some(old) = topology.node(from) {
                    old.client.flush_cache();
                }
            }
            if asked == Some(&addr) {
                // Told to go where it already went: the name may mean another machine now.
                node.client.retire_connections();
            }
            self.refresh.request();
        } else {
            self.stats.ask.fetch_add(1, Ordering::Relaxed);
        }
        Ok(node)
    }

    /// After a failed attempt: errors that say the map may be stale ask for a refresh, which
    /// the next attempt waits for.
    fn after_failure(&self, error: &Error, refresh_ticket: &mut Option<u64>) {
        let stale = error.breaks_connection()
            || matches!(
                error.kind(),
                ErrorKind::Connection
                    | ErrorKind::ClusterDown
                    | ErrorKind::MasterDown
                    | ErrorKind::ReadOnly
                    | ErrorKind::BusyLoading
            );
        if stale {
            *refresh_ticket = Some(self.refresh.request());
        }
    }

    /// Where an attempt goes: a redirect's target, or the primary of the slot.
    fn pick(
        &self,
        slot: Option<u16>,
        t: &Try,
        last: Option<&NodeAddr>,
        call: Budget,
        refresh_ticket: &mut Option<u64>,
    ) -> Result<(Node, bool)> {
        match &t.target {
            Some(r) => Ok((
                self.moved_to(r, last)?,
                r.kind() == crate::error::RedirectKind::Ask,
            )),
            None => Ok((self.primary_for(slot, call, refresh_ticket)?, false)),
        }
    }

    /// One request to the node serving `slot`, under the retry policy, following redirects.
    fn call(
        &self,
        request: &Request<'_>,
        slot: Option<u16>,
        call: Budget,
        limit: Option<Duration>,
    ) -> Result<Value> {
        let mut last: Option<NodeAddr> = None;
        let mut refresh_ticket = None;
        let read = self.read_from != ReadFrom::Primary && request.spec().reads_only();
        run(&self.retry, call, &self.counters, true, |t| {
            let (mut node, asking) =
                self.pick(slot, t, last.as_ref(), call, &mut refresh_ticket)?;
            if read && t.target.is_none() {
                node = self.read_node(slot, node);
            }
            let skips = &self.skips;
            let cached = if asking {
                None // a migrating slot's key is read once from where ASK says, not cached
            } else {
                node.client.cached_attempt(request, call, limit)
            };
            cached
                .unwrap_or_else(|| node.client.attempt_one(request, call, limit, asking))
                .inspect(|_| {
                    if read {
                        skips.succeeded(&node.addr);
                    }
                })
                .inspect_err(|f| {
                    if read
                        && (f.error.breaks_connection()
                            || f.error.is_timeout()
                            || matches!(
                                f.error.kind(),
                                ErrorKind::Connection | ErrorKind::BusyLoading
                            ))
                    {
                        skips.failed(&node.addr);
                    }
                })
                .inspect_err(|f| {
                    // Only a failed attempt is followed by a redirect that may need it.
                    last = Some(node.addr.clone());
                    self.after_failure(&f.error, &mut refresh_ticket);
                })
        })
    }

    /// A request for every primary, the replies combined as its table entry says.
    fn fan_out(
        &self,
        request: &Request<'_>,
        combine: route::Combine,
        call: Budget,
        limit: Option<Duration>,
    ) -> Result<Value> {
        let topology = self.current(call)?;
        let mut replies = Vec::with_capacity(topology.shards.len());
        for (i, shard) in topology.shards.iter().enumerate() {
            // A slot of the shard: after a failure that says the map is stale, the retry
            // goes to whichever primary serves it after the refresh (a failover's new one),
            // not to the dead node again.
            let slot = topology.first_slot_of(i);
            let mut refresh_ticket = None;
            let reply = run(&self.retry, call, &self.counters, false, |t| {
                let node = match (t.number, slot) {
                    (1, _) | (_, None) => shard.primary.clone(),
                    (_, Some(s)) => self.primary_for(Some(s), call, &mut refresh_ticket)?,
                };
                node.client
                    .attempt_one(request, call, limit, false)
                    .inspect_err(|f| self.after_failure(&f.error, &mut refresh_ticket))
            });
            replies.push(reply);
        }
        if self.read_from != ReadFrom::Primary && request.spec().has_tip("request_policy:all_nodes")
        {
            self.replicas_too(request, &topology, call, limit);
        }
        combine.apply(replies)
    }

    /// A command for every node (`SCRIPT LOAD`, `CONFIG SET`, ...) on the replicas too, when
    /// reads go to them: a replica never learns a script its primary loaded (Redis 7 does not
    /// replicate `SCRIPT LOAD`), so a read-only script read there would meet `NOSCRIPT` on
    /// every call. Best effort, its replies unused: a replica that fails it is skipped for
    /// reads as after a failed read, and one skipped already is not asked.
    fn replicas_too(
        &self,
        request: &Request<'_>,
        topology: &Topology,
        call: Budget,
        limit: Option<Duration>,
    ) {
        for node in topology.shards.iter().flat_map(|s| s.replicas.iter()) {
            if self.skips.skipped(&node.addr) || call.deadline.has_passed() {
                continue;
            }
            if let Err(f) = node.client.attempt_one(request, call, limit, false) {
                log::debug!(
                    "{} on replica {}: {}",
                    request.spec().name(),
                    node.addr,
                    f.error
                );
                if f.error.breaks_connection()
                    || matches!(
                        f.error.kind(),
                        ErrorKind::Connection | ErrorKind::BusyLoading
                    )
                {
                    self.skips.failed(&node.addr);
                }
            }
        }
    }

    /// A batch: an atomic one to the node of its one slot; a pipeline grouped per node,
    /// written to every node before any is read, replies put back in order.
    fn batch(
        &self,
        batch: &Batch<'_>,
        call: Budget,
        limit: Option<Duration>,
    ) -> Result<Vec<Value>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let slots = route::batch_slots(batch)?;
        if batch.atomic {
            let slot = route::one_slot_of(&slots, "transaction")?;
            return self.atomic(batch, slot, call, limit);
        }
        // Keyless, they would go to some primary while the commands between them went to
        // their keys' nodes: an EXEC of nothing, the commands run outside any transaction.
        if batch.metas.iter().any(|m| {
            matches!(
                m.spec.session_effect(),
                SessionEffect::Multi | SessionEffect::Exec | SessionEffect::Discard
            )
        }) {
            return Err(Error::invalid(
                "pipeline",
                "MULTI, EXEC and DISCARD cannot be queued by hand in a cluster pipeline: use an \
                 atomic pipeline (pipe().atomic()) or ClusterClient::transaction",
            ));
        }
        pipeline::run(self, batch, &slots, call, limit)
    }

    /// A `MULTI` ... `EXEC` batch on the node of `slot`. A redirect of a queued command
    /// aborts the transaction (`EXECABORT`: nothing ran), and the whole batch follows it; an
    /// `ASK` sends `ASKING` before `MULTI`, which keeps it for the whole transaction.
    fn atomic(
        &self,
        batch: &Batch<'_>,
        slot: Option<u16>,
        call: Budget,
        limit: Option<Duration>,
    ) -> Result<Vec<Value>> {
        self.on_one_node(batch, slot, call, limit, pipeline::redirect_in_transaction)
    }

    /// A batch on one connection of the node of `slot`, under the retry policy, following
    /// redirects; `refused` says from its replies whether it ran nothing and must go again
    /// (elsewhere, or later).
    pub(super) fn on_one_node(
        &self,
        batch: &Batch<'_>,
        slot: Option<u16>,
        call: Budget,
        limit: Option<Duration>,
        refused: fn(&[Value]) -> Option<Error>,
    ) -> Result<Vec<Value>> {
        let mut last: Option<NodeAddr> = None;
        let mut refresh_ticket = None;
        run(&self.retry, call, &self.counters, true, |t| {
            let (node, asking) = self.pick(slot, t, last.as_ref(), call, &mut refresh_ticket)?;
            last = Some(node.addr.clone());
            let conn = node
                .client
                .start_batch(batch, call, limit, asking)
                .inspect_err(|f| {
                    self.after_failure(&f.error, &mut refresh_ticket);
                })?;
            let replies = node.client.finish_batch(conn, batch).inspect_err(|f| {
                self.after_failure(&f.error, &mut refresh_ticket);
            })?;
            match refused(&replies) {
                Some(error) => Err(Failure {
                    error,
                    may_have_run: false,
                    safe_to_repeat: true,
                }),
                None => Ok(replies),
            }
        })
    }

    /// The pool of a node outside the slot map, made the first time a redirect names it.
    fn stray(&self, addr: &NodeAddr) -> Result<Node> {
        let mut strays = self.strays.lock();
        if let Some(n) = strays.iter().find(|n| n.addr == *addr) {
            return Ok(n.clone());
        }
        // Building a pool opens nothing: holding the lock meanwhile is short.
        let node = Node {
            client: self.node_client(addr)?,
            addr: addr.clone(),
        };
        if strays.len() >= MAX_STRAYS {
            strays.remove(0);
        }
        strays.push(node.clone());
        Ok(node)
    }

    /// A pool for a node at `addr`, with every setting of the builder.
    fn node_client(&self, addr: &NodeAddr) -> Result<Client> {
        let mut settings = self.settings.clone();
        if self.read_from != ReadFrom::Primary {
            // A replica serves reads only to connections that asked; a primary ignores it, so
            // every node's connections ask (a node's role can change under them).
            settings = settings.on_connect(|conn| crate::commands::cmd("READONLY").exec(conn));
        }
        settings
            .url(self.seed_url.expose())
            .host(&addr.host, addr.port)
            // The cluster's loop retries; the node's own would retry at a node that may no
            // longer serve the slot.
            .retry(Retry::none())
            .build()
    }

    /// Fetches the slot map from the nodes the current map names (primaries first, in random
    /// order), then from the seeds; the first map that covers every slot wins, else the one
    /// that covers most.
    fn refresh_now(&self) -> Result<()> {
        let current = Arc::clone(&self.topology.read());
        let mut candidates: Vec<Node> = Vec::new();
        let mut primaries: Vec<Node> = current.shards.iter().map(|s| s.primary.clone()).collect();
        shuffle(&mut primaries);
        candidates.extend(primaries);
        let mut replicas: Vec<Node> = current
            .shards
            .iter()
            .flat_map(|s| s.replicas.iter().cloned())
            .collect();
        shuffle(&mut replicas);
        candidates.extend(replicas);
        for seed in &self.seeds {
            if !candidates.iter().any(|c| c.addr == seed.addr) {
                candidates.push(seed.clone());
            }
        }
        let mut best: Option<Layout> = None;
        let mut errors: Vec<String> = Vec::new();
        for node in &candidates {
            match self.fetch_layout(node) {
                // A node that knows no slot (reset, or not yet joined) has no map to give:
                // taking its word would forget every node the client knew.
                Ok(layout) if layout.coverage() == 0 => {
                    errors.push(format!("{}: it serves no slots", node.addr));
                }
                Ok(layout) => {
                    let covered = layout.coverage();
                    if covered == usize::from(SLOTS) {
                        best = Some(layout);
                        break;
                    }
                    if best.as_ref().is_none_or(|b| b.coverage() < covered) {
                        best = Some(layout);
                    }
                }
                Err(e) => errors.push(format!("{}: {e}", node.addr)),
            }
        }
        let Some(layout) = best else {
            return Err(cluster_error(
                ErrorKind::Connection,
                format!("no node gave a slot map ({})", errors.join("; ")),
            ));
        };
        let epoch = current.epoch + 1;
        // A node a redirect made a pool for keeps it when it enters the map.
        let new_client = |a: &NodeAddr| {
            let stray = self.strays.lock().iter().find(|n| n.addr == *a).cloned();
            stray.map_or_else(|| self.node_client(a), |n| Ok(n.client))
        };
        let mut next = Topology::build(&layout, &current, epoch, &new_client)?;
        if next.assigned() < usize::from(SLOTS) {
            log::debug!(
                "cluster slot map covers {} of {SLOTS} slots",
                next.assigned()
            );
        }
        let mut latest = self.topology.write();
        next.adopt(&latest);
        flush_nodes_that_lost_slots(&latest, &next);
        *latest = Arc::new(next);
        self.strays
            .lock()
            .retain(|n| latest.node(&n.addr).is_none());
        drop(latest);
        self.stats.refreshes.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// One node's slot map, on a connection of its own, all within the refresh timeout:
    /// `CLUSTER SHARDS` where it is reliable (Valkey 8+, Redis 8+), `CLUSTER SLOTS` elsewhere.
    fn fetch_layout(&self, node: &Node) -> Result<Layout> {
        let t = self.refresh_timeout;
        let base = node.client.connection_config();
        let cfg = ConnectionConfig {
            connect_timeout: base.connect_timeout.min(t),
            read_timeout: base.read_timeout.min(t),
            write_timeout: base.write_timeout.min(t),
            ..base.clone()
        };
        // One deadline for the whole exchange, not one per step or per read: a node that
        // drips its replies a byte at a time must not hold the refresh (and every call
        // waiting on it) longer than the refresh timeout.
        let whole = Budget::after(t, TimeoutPhase::Call);
        let mut conn = Connection::connect(&cfg, &[], whole, None)?;
        conn.set_cap(whole);
        let info: String = crate::commands::cmd("INFO")
            .arg("server")
            .query(&mut conn)?;
        let host = node.addr.host.as_str();
        if shards_are_reliable(&info) {
            let raw: Value = crate::commands::cmd("CLUSTER")
                .arg("SHARDS")
                .query(&mut conn)?;
            let shards = Vec::<crate::commands::Shard>::from_value(raw)?;
            Layout::from_shards(shards, host, self.tls)
        } else {
            let raw: Value = crate::commands::cmd("CLUSTER")
                .arg("SLOTS")
                .query(&mut conn)?;
            let ranges = Vec::<crate::commands::SlotRange>::from_value(raw)?;
            Layout::from_slots(ranges, host)
        }
    }
}

/// A node's cache holds replies about keys of its slots, some of them about keys it does not
/// have (a nil `GET`): no invalidation for those comes once the slot is served elsewhere. So
/// a node that no longer serves a slot it served in `old` has its cache emptied.
fn flush_nodes_that_lost_slots(old: &Topology, new: &Topology) {
    let mut flushed: Vec<&NodeAddr> = Vec::new();
    for s in 0..SLOTS {
        let Some(was) = old.shard(s).map(|sh| &sh.primary) else {
            continue;
        };
        if !was.client.is_caching() || flushed.contains(&&was.addr) {
            continue;
        }
        if new.shard(s).is_none_or(|sh| sh.primary.addr != was.addr) {
            was.client.flush_cache();
            flushed.push(&was.addr);
        }
    }
}

/// Whether `CLUSTER SHARDS` lists a failed primary's slots (Redis 7.x does not), from the
/// server's `INFO server` text.
fn shards_are_reliable(info: &str) -> bool {
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(':')))
            .map(str::trim)
    };
    let major = |v: &str| v.split('.').next().and_then(|m| m.parse::<u32>().ok());
    match field("valkey_version") {
        Some(v) => major(v).is_some_and(|m| m >= 8),
        None => field("redis_version")
            .and_then(major)
            .is_some_and(|m| m >= 8),
    }
}

/// `wait` from now; a wait too long for the clock (`Duration::MAX`, given by the user) is a
/// century instead of a panic.
pub(crate) fn after(wait: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(wait)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(now)
}

fn shuffle<T>(v: &mut [T]) {
    for i in (1..v.len()).rev() {
        v.swap(i, rand::random_range(0..=i));
    }
}

mod pipeline;

impl Execute for &ClusterClient {
    fn execute(&mut self, request: &Request<'_>) -> Result<Value> {
        self.execute_within(request, None)
    }

    fn execute_batch(&mut self, batch: &Batch<'_>) -> Result<Vec<Value>> {
        let call = self.budget_waiting(None, batch.wait());
        self.inner.batch(batch, call, None)
    }
}

/// A view of a [`ClusterClient`] whose calls each finish within a timeout:
/// `cluster.with_timeout(d)`, as [`Client::with_timeout`] (redirects, refreshes waited for,
/// retries and pauses all inside it).
#[derive(Debug, Clone, Copy)]
pub struct ClusterWithTimeout<'a> {
    cluster: &'a ClusterClient,
    timeout: Duration,
    started: Option<Instant>,
}

impl ClusterClient {
    /// Calls on the returned view each finish within `timeout`, whatever happens (see
    /// [`Client::with_timeout`]); a zero `timeout` is refused when the call is made.
    pub fn with_timeout(&self, timeout: Duration) -> ClusterWithTimeout<'_> {
        ClusterWithTimeout {
            cluster: self,
            timeout,
            started: None,
        }
    }
}

impl ClusterWithTimeout<'_> {
    fn left(&mut self) -> Result<Duration> {
        crate::client::timeout_left(self.timeout, &mut self.started)
    }
}

impl Execute for ClusterWithTimeout<'_> {
    fn execute(&mut self, request: &Request<'_>) -> Result<Value> {
        let left = self.left()?;
        self.cluster.execute_within(request, Some(left))
    }

    fn execute_batch(&mut self, batch: &Batch<'_>) -> Result<Vec<Value>> {
        let left = self.left()?;
        // As without a timeout: a blocking command's own wait extends the retry deadline.
        let call = self.cluster.budget_waiting(Some(left), batch.wait());
        self.cluster.inner.batch(batch, call, Some(left))
    }
}

impl fmt::Debug for ClusterClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let topology = Arc::clone(&self.inner.topology.read());
        f.debug_struct("ClusterClient")
            .field(
                "seeds",
                &self
                    .inner
                    .seeds
                    .iter()
                    .map(|s| s.addr.to_string())
                    .collect::<Vec<_>>(),
            )
            .field("primaries", &topology.shards.len())
            .field("slots_assigned", &topology.assigned())
            .field("epoch", &topology.epoch)
            .finish()
    }
}

/// Settings of a [`ClusterClient`]: seeds, the settings of every node's pool (a
/// [`ClientBuilder`]: timeouts, retry, health checks, pool limits, credentials, TLS), and the
/// slot map's refresh.
///
/// ```no_run
/// use std::time::Duration;
/// use redisync::{Client, cluster::ClusterClient};
/// let cluster = ClusterClient::builder()
///     .seeds(&["rediss://:secret@10.0.0.1:7000", "rediss://:secret@10.0.0.2:7000"])
///     .node_settings(
///         Client::builder()
///             .connect_timeout(Duration::from_secs(2))
///             .max_connections(8),
///     )
///     .build()?;
/// # Ok::<(), redisync::Error>(())
/// ```
#[derive(Clone, Default)]
#[must_use = "call .build() to make the client"]
pub struct ClusterBuilder {
    seeds: Vec<Secret>,
    settings: Option<ClientBuilder>,
    refresh_timeout: Option<Duration>,
    refresh_interval: Option<Option<Duration>>,
    read_from: ReadFrom,
}

impl fmt::Debug for ClusterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClusterBuilder")
            .field(
                "seeds",
                &self
                    .seeds
                    .iter()
                    .map(|s| crate::connection::redacted_url(s.expose()))
                    .collect::<Vec<_>>(),
            )
            .field("node_settings", &self.settings)
            .field("refresh_timeout", &self.refresh_timeout)
            .field("refresh_interval", &self.refresh_interval)
            .field("read_from", &self.read_from)
            .finish()
    }
}

impl ClusterBuilder {
    /// Adds seed URLs: any nodes of the cluster (one is enough; more survive one being down).
    /// Credentials, TLS and the protocol come from the first.
    pub fn seeds<S: AsRef<str>>(mut self, seeds: &[S]) -> ClusterBuilder {
        self.seeds
            .extend(seeds.iter().map(|s| Secret::new(s.as_ref())));
        self
    }

    /// Adds one seed URL.
    pub fn seed(mut self, url: &str) -> ClusterBuilder {
        self.seeds.push(Secret::new(url));
        self
    }

    /// The settings of every node's pool and every call: a [`ClientBuilder`] without an
    /// address (the seeds and the slot map give those). Its retry policy is the cluster's.
    pub fn node_settings(mut self, settings: ClientBuilder) -> ClusterBuilder {
        self.settings = Some(settings);
        self
    }

    /// How long one node may take to give its slot map, connecting included (default
    /// [`DEFAULT_REFRESH_TIMEOUT`]); a dead or silent node costs a refresh no more.
    pub fn refresh_timeout(mut self, timeout: Duration) -> ClusterBuilder {
        self.refresh_timeout = Some(timeout);
        self
    }

    /// How often the slot map is refreshed when nothing asks for it (default
    /// [`DEFAULT_REFRESH_INTERVAL`]; `None`: only when something asks). With a client-side
    /// cache this also bounds how long, after a slot moves, a reply cached on its old owner
    /// for a key that did not exist there can be served (that node never changes the key, so
    /// sends no invalidation); `None` is then refused.
    pub fn refresh_interval(mut self, every: Option<Duration>) -> ClusterBuilder {
        self.refresh_interval = Some(every);
        self
    }

    /// Where read-only commands go (default [`ReadFrom::Primary`]). With replicas, every
    /// node's connections send `READONLY` when they open; a node that fails a read (a
    /// connection error, a timeout, `LOADING`) is skipped for two seconds, and the read is
    /// retried on another node under the retry policy. When the skip runs out one read tries
    /// the node again while the others still skip it; each time that read fails too the skip
    /// doubles, up to 30 s, so a node that hangs costs one caller one timeout per skip.
    pub fn read_from(mut self, read_from: ReadFrom) -> ClusterBuilder {
        self.read_from = read_from;
        self
    }

    /// Checks every setting and makes the client; no connection is opened until the first
    /// command (which fetches the slot map).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] for no seeds, a bad seed URL, a Unix socket or non-zero
    /// database (a cluster has only database 0), or a setting a cluster cannot have.
    pub fn build(self) -> Result<ClusterClient> {
        let Some(first) = self.seeds.first().cloned() else {
            return Err(Error::invalid(
                "seeds",
                "a cluster client needs at least one seed",
            ));
        };
        let settings = self.settings.unwrap_or_default();
        settings.check_cluster_settings()?;
        let refresh_timeout = self.refresh_timeout.unwrap_or(DEFAULT_REFRESH_TIMEOUT);
        if refresh_timeout.is_zero() {
            return Err(Error::invalid(
                "refresh_timeout",
                "must be greater than zero",
            ));
        }
        let refresh_interval = self
            .refresh_interval
            .unwrap_or(Some(DEFAULT_REFRESH_INTERVAL));
        if refresh_interval == Some(Duration::ZERO) {
            return Err(Error::invalid(
                "refresh_interval",
                "must be greater than zero (None turns the periodic refresh off)",
            ));
        }
        let mut seeds = Vec::with_capacity(self.seeds.len());
        let mut tls = false;
        for (i, url) in self.seeds.iter().enumerate() {
            let cfg = ConnectionConfig::from_url(url.expose())?;
            let Address::Tcp { host, port } = &cfg.address else {
                return Err(Error::invalid(
                    "seeds",
                    "a cluster's nodes are TCP addresses",
                ));
            };
            if cfg.db != 0 {
                return Err(Error::invalid("seeds", "a cluster has only database 0"));
            }
            if i == 0 {
                tls = cfg.tls.is_some();
            }
            let addr = NodeAddr {
                host: host.clone(),
                port: *port,
            };
            // Every node speaks with the first seed's credentials and TLS. A seed's pool only
            // fetches slot maps: no cache (and no listener) of its own.
            let client = settings
                .clone()
                .without_cache()
                .url(first.expose())
                .host(host, *port)
                .retry(Retry::none())
                .build()?;
            seeds.push(Node { addr, client });
        }
        if settings.caches() && refresh_interval.is_none() {
            // A key absent on a slot's old owner is never changed there, so no invalidation
            // comes for its cached reply after the slot moves: only the slot map learning the
            // move sends reads to the new owner. Without a periodic refresh, cache hits (which
            // never meet a MOVED) would keep serving it.
            return Err(Error::invalid(
                "refresh_interval",
                "the client-side cache needs the periodic refresh (it bounds how long a reply cached on a slot's old owner can be served after the slot moves)",
            ));
        }
        if settings.caches() && self.read_from != ReadFrom::Primary {
            return Err(Error::invalid(
                "read_from",
                "the client-side cache reads from primaries only (their tracking sees every write)",
            ));
        }
        let retry = settings.retry_policy_for_cluster()?;
        let inner = Arc::new(Inner {
            seeds,
            settings,
            seed_url: first,
            tls,
            topology: RwLock::new(Arc::new(Topology::empty())),
            refresh: Arc::new(Refresh::default()),
            refresh_timeout,
            retry,
            counters: Counters::default(),
            stats: Stats::default(),
            read_from: self.read_from,
            skips: replicas::Skips::default(),
            strays: parking_lot::Mutex::new(Vec::new()),
        });
        let weak: Weak<Inner> = Arc::downgrade(&inner);
        refresh::start(
            Arc::clone(&inner.refresh),
            weak,
            refresh_interval,
            Inner::refresh_now,
        )
        .map_err(|e| Error::invalid("cluster", format!("cannot start its refresh thread: {e}")))?;
        Ok(ClusterClient { inner })
    }
}

crate::commands::commands_by_execute!(ClusterWithTimeout<'_>, &ClusterClient);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_used_where_they_list_failed_primaries() {
        assert!(!shards_are_reliable("redis_version:7.0.15\r\n"));
        assert!(!shards_are_reliable("redis_version:7.2.4\r\n"));
        assert!(shards_are_reliable("redis_version:8.0.1\r\n"));
        assert!(shards_are_reliable(
            "redis_version:7.2.4\r\nserver_name:valkey\r\nvalkey_version:9.1.2\r\n"
        ));
        assert!(!shards_are_reliable(
            "redis_version:7.2.4\r\nvalkey_version:7.2.5\r\n"
        ));
        assert!(!shards_are_reliable(""));
    }

    #[test]
    fn unknown_endpoints_mean_the_node_that_answered() {
        let b = |s: &str| Value::BulkString(s.as_bytes().to_vec());
        let slots = Value::Array(vec![Value::Array(vec![
            Value::Int(0),
            Value::Int(16383),
            Value::Array(vec![Value::Nil, Value::Int(7000), b("id1")]),
            Value::Array(vec![Value::Nil, Value::Int(7001), b("id2")]),
        ])]);
        let ranges = Vec::<crate::commands::SlotRange>::from_value(slots).unwrap();
        let layout = Layout::from_slots(ranges, "10.0.0.9").unwrap();
        assert_eq!(layout.coverage(), usize::from(SLOTS));
        assert_eq!(layout.ranges[0].2.host, "10.0.0.9");
        assert_eq!(layout.ranges[0].3[0].host, "10.0.0.9");

        let node = |flat: bool| {
            let fields = vec![
                (b("id"), b("id1")),
                (b("port"), Value::Int(7000)),
                (b("ip"), b("")),
                (b("endpoint"), Value::Nil),
                (b("role"), b("master")),
                (b("replication-offset"), Value::Int(0)),
                (b("health"), b("online")),
            ];
            if flat {
                Value::Array(fields.into_iter().flat_map(|(k, v)| [k, v]).collect())
            } else {
                Value::Map(fields)
            }
        };
        for flat in [true, false] {
            let slots = Value::Array(vec![Value::Int(0), Value::Int(16383)]);
            let nodes = Value::Array(vec![node(flat)]);
            let shard = if flat {
                Value::Array(vec![b("slots"), slots, b("nodes"), nodes])
            } else {
                Value::Map(vec![(b("slots"), slots), (b("nodes"), nodes)])
            };
            let shards =
                Vec::<crate::commands::Shard>::from_value(Value::Array(vec![shard])).unwrap();
            let layout = Layout::from_shards(shards, "10.0.0.9", false).unwrap();
            assert_eq!(layout.coverage(), usize::from(SLOTS), "flat {flat}");
            assert_eq!(layout.ranges[0].2.host, "10.0.0.9", "flat {flat}");
        }
    }

    #[test]
    fn user_waits_too_long_for_the_clock_do_not_panic() {
        assert!(after(Duration::MAX) > Instant::now() + Duration::from_secs(3600));
        let c = ClusterClient::builder()
            .seed("redis://127.0.0.1:1")
            .refresh_timeout(Duration::MAX)
            .refresh_interval(None)
            .build()
            .unwrap();
        // Nothing listens there: the wait ends when every node has failed, without a panic.
        let until = c
            .inner
            .wait_until(Budget::after(Duration::from_millis(1), TimeoutPhase::Call));
        assert!(until <= Instant::now() + Duration::from_secs(1));
        let _ = c.inner.wait_until(Budget::NONE);
    }

    #[test]
    fn builds_refuse_what_a_cluster_cannot_have() {
        let none: &[&str] = &[];
        assert_eq!(
            ClusterClient::open(none).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(
            ClusterClient::open(&["redis://127.0.0.1:7000/2"])
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(
            ClusterClient::open(&["unix:///tmp/x.sock"])
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidInput
        );
        let c = ClusterClient::open(&["redis://:hunter2@127.0.0.1:7000"]).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
        let b = ClusterClient::builder().seed("redis://:hunter2@127.0.0.1:7000");
        assert!(!format!("{b:?}").contains("hunter2"));
    }
}
