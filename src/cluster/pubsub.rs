//! Sharded pub/sub across a cluster: [`ShardedSubscriber`] keeps one [`Subscriber`] per node
//! that serves a slot of its shard channels, and moves a channel to its slot's new primary
//! when the slot moves (the node then drops the channel by itself) or the node fails.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::{ClusterClient, NodeAddr, slot};
use crate::commands::{ToArgs, cmd};
use crate::deadline::Budget;
use crate::error::TimeoutPhase;
use crate::error::{Error, Result};
use crate::pubsub::{Message, Subscriber};

/// How long each node's connection is read before the next one's turn, when several have
/// channels.
const SLICE: Duration = Duration::from_millis(5);
/// How often the channels' owners are checked against the slot map.
const CHECK_EVERY: Duration = Duration::from_millis(100);

/// Shard-channel subscriptions (`SSUBSCRIBE`) across a cluster, from
/// [`ClusterClient::sharded_subscriber`]. Each channel is subscribed on the primary serving
/// its slot; when the slot moves or that primary fails, the channel is subscribed again on
/// the new owner (messages published in between are lost, as with any pub/sub reconnect).
pub struct ShardedSubscriber {
    cluster: ClusterClient,
    /// One subscriber per node that has channels.
    nodes: Vec<(NodeAddr, Subscriber)>,
    /// Every channel asked for, with the node it is subscribed on (`None`: waiting for one).
    channels: BTreeMap<Vec<u8>, Option<NodeAddr>>,
    next: usize,
    checked: Option<Instant>,
    moves: u64,
}

impl ShardedSubscriber {
    pub(super) fn new(cluster: ClusterClient) -> ShardedSubscriber {
        ShardedSubscriber {
            cluster,
            nodes: Vec::new(),
            channels: BTreeMap::new(),
            next: 0,
            checked: None,
            moves: 0,
        }
    }

    /// Subscribes to shard channels: one name, or a slice, array, vector or tuple of names.
    /// Each goes to the primary of its slot.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for no names; no slot map;
    /// the error of connecting to a node or of its confirmation. A channel that failed stays
    /// on record and is tried again by [`ShardedSubscriber::next_message`].
    pub fn ssubscribe(&mut self, shard_channels: impl ToArgs) -> Result<()> {
        let names = names(&shard_channels)?;
        for name in &names {
            self.channels.entry(name.clone()).or_insert(None);
        }
        self.place(Budget::NONE)
    }

    /// Unsubscribes from shard channels: one name, or a slice, array, vector or tuple of
    /// names ([`ShardedSubscriber::sunsubscribe_all`] for every one).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for no names; the error of
    /// a node's confirmation (the channel is off the record all the same, and no message of
    /// it is returned after this).
    pub fn sunsubscribe(&mut self, shard_channels: impl ToArgs) -> Result<()> {
        let names = names(&shard_channels)?;
        // One SUNSUBSCRIBE per node: a hung node costs one read timeout, not one per channel.
        let mut per_node: Vec<(NodeAddr, Vec<Vec<u8>>)> = Vec::new();
        for name in names {
            if let Some(Some(addr)) = self.channels.remove(&name) {
                match per_node.iter_mut().find(|(a, _)| *a == addr) {
                    Some((_, list)) => list.push(name),
                    None => per_node.push((addr, vec![name])),
                }
            }
        }
        let mut result = Ok(());
        for (addr, list) in per_node {
            if let Some((_, sub)) = self.nodes.iter_mut().find(|(a, _)| *a == addr) {
                let list: Vec<&[u8]> = list.iter().map(Vec::as_slice).collect();
                if let Err(e) = sub.sunsubscribe(&list[..]) {
                    result = Err(e);
                }
            }
        }
        self.drop_idle_nodes();
        result
    }

    /// Unsubscribes from every shard channel, on every node (one `SUNSUBSCRIBE` each).
    ///
    /// # Errors
    /// The error of a node's confirmation (the channels are off the record all the same, and
    /// that node's connection is closed).
    pub fn sunsubscribe_all(&mut self) -> Result<()> {
        self.channels.clear();
        let mut result = Ok(());
        for (_, mut sub) in self.nodes.drain(..) {
            if let Err(e) = sub.sunsubscribe_all() {
                result = Err(e);
            }
        }
        result
    }

    /// The shard channels on record.
    pub fn shard_channels(&self) -> impl ExactSizeIterator<Item = &[u8]> + '_ {
        self.channels.keys().map(Vec::as_slice)
    }

    /// How many times a channel was subscribed again on another node (its slot moved, or its
    /// node failed).
    pub fn moves(&self) -> u64 {
        self.moves
    }

    /// Waits up to `timeout` for the next message from any node. Before reading, channels
    /// whose slot moved, whose node dropped them or whose node failed are subscribed again on
    /// their slot's primary.
    ///
    /// # Errors
    /// The server's error reply or a malformed frame from a node (the next call goes on).
    /// Connection failures are not errors here: the channel moves to the slot's owner of the
    /// moment, tried again at the next call when none answers yet.
    pub fn next_message(&mut self, timeout: Duration) -> Result<Option<Message>> {
        let deadline = super::after(timeout);
        loop {
            if self.checked.is_none_or(|c| c.elapsed() >= CHECK_EVERY) {
                self.checked = Some(Instant::now());
                self.check_owners();
                // A node that cannot be reached yet is tried again at the next check; no
                // slot map yet is waited for only within this call's time.
                let left = deadline.saturating_duration_since(Instant::now());
                let _ = self.place(Budget::after(left.max(SLICE), TimeoutPhase::Call));
            }
            if self.nodes.is_empty() {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Ok(None);
                }
                std::thread::sleep(left.min(CHECK_EVERY));
                continue;
            }
            let several = self.nodes.len() > 1;
            self.next = (self.next + 1) % self.nodes.len();
            let left = deadline.saturating_duration_since(Instant::now());
            let wait = if several {
                left.min(SLICE)
            } else {
                left.min(CHECK_EVERY)
            };
            let (addr, sub) = &mut self.nodes[self.next];
            if !sub.is_connected() {
                let addr = addr.clone();
                self.lost(&addr);
                // Placing its channels again waits for the next call once this one's time is
                // up (the node may be hung).
                if Instant::now() >= deadline {
                    return Ok(None);
                }
                continue;
            }
            match sub.next_message(wait) {
                Ok(Some(m)) => {
                    let addr = addr.clone();
                    if self.delivers(&addr, &m.channel) {
                        return Ok(Some(m));
                    }
                }
                Ok(None) => {}
                Err(e) if e.is_connection_error() || e.is_timeout() => {
                    let addr = addr.clone();
                    self.lost(&addr);
                }
                Err(e) => return Err(e),
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
        }
    }

    /// Whether a message on `channel` from `addr` goes to the caller: not when the channel
    /// is now subscribed on another node (`addr` lost the slot but not the subscription, as
    /// a primary demoted by a failover may: it would deliver each message a second time, as
    /// a replica) or was unsubscribed. The channel is then unsubscribed on `addr`, which just
    /// answered, so the wait for its confirmation is short.
    fn delivers(&mut self, addr: &NodeAddr, channel: &[u8]) -> bool {
        match self.channels.get(channel) {
            // Waiting for a node: nothing else delivers it yet.
            Some(None) => true,
            Some(Some(on)) if on == addr => true,
            _ => {
                if let Some((_, sub)) = self.nodes.iter_mut().find(|(a, _)| a == addr) {
                    if sub.is_active_shard_channel(channel) {
                        let _ = sub.sunsubscribe(channel);
                    }
                }
                false
            }
        }
    }

    /// A node's connection failed: its channels wait for the slot map's next owner.
    fn lost(&mut self, addr: &NodeAddr) {
        self.nodes.retain(|(a, _)| a != addr);
        for node in self.channels.values_mut() {
            if node.as_ref() == Some(addr) {
                *node = None;
            }
        }
        let _ = self.cluster.inner.refresh.request();
        self.checked = None;
    }

    /// Channels whose node no longer serves their slot, or dropped them, wait for a new one.
    fn check_owners(&mut self) {
        let topology = std::sync::Arc::clone(&self.cluster.inner.topology.read());
        let mut stale = false;
        for (name, node) in self.channels.iter_mut() {
            let Some(addr) = node.clone() else {
                continue;
            };
            let owner = topology.shard(slot(name)).map(|s| &s.primary.addr);
            let dropped = self
                .nodes
                .iter()
                .find(|(a, _)| *a == addr)
                .is_none_or(|(_, sub)| !sub.is_active_shard_channel(name));
            if owner != Some(&addr) || dropped {
                if dropped {
                    stale = true; // the node let it go: its slot moved
                }
                // Not unsubscribed there now: the node may be gone (an unsubscribe would wait
                // for it to answer). A node left without channels is closed below; one that
                // keeps others and delivers this one anyway has it unsubscribed then
                // (`delivers`).
                *node = None;
                self.moves += 1;
            }
        }
        if stale {
            let _ = self.cluster.inner.refresh.request();
        }
        self.drop_idle_nodes();
    }

    /// Subscribes every channel waiting for a node on its slot's primary, waiting for a slot
    /// map within `budget`.
    fn place(&mut self, budget: Budget) -> Result<()> {
        let waiting: Vec<Vec<u8>> = self
            .channels
            .iter()
            .filter(|(_, n)| n.is_none())
            .map(|(k, _)| k.clone())
            .collect();
        let mut result = Ok(());
        // A node that failed once in this pass is not tried again for its other channels: a
        // hung node costs one timeout per pass, not one per channel.
        let mut failed: Vec<NodeAddr> = Vec::new();
        for name in waiting {
            let found = self
                .cluster
                .inner
                .primary_for(Some(slot(&name)), budget, &mut None);
            let client = match found {
                Ok(node) => node.client,
                Err(e) => {
                    result = Err(e);
                    continue;
                }
            };
            let addr = match client.connection_config().address.clone() {
                crate::Address::Tcp { host, port } => NodeAddr { host, port },
                _ => continue,
            };
            if failed.contains(&addr) {
                continue;
            }
            let index = match self.nodes.iter().position(|(a, _)| *a == addr) {
                Some(i) => i,
                None => match subscriber(&client, self.cluster.inner.refresh_timeout) {
                    Ok(sub) => {
                        self.nodes.push((addr.clone(), sub));
                        self.nodes.len() - 1
                    }
                    Err(e) => {
                        failed.push(addr);
                        result = Err(e);
                        continue;
                    }
                },
            };
            match self.nodes[index].1.ssubscribe(&name[..]) {
                Ok(()) => {
                    self.channels.insert(name, Some(addr));
                }
                Err(e) => {
                    // A refusal (MOVED: the map is behind) is the channel's own; a timeout or
                    // a broken connection is the node's.
                    if !matches!(e, Error::Server(_)) {
                        failed.push(addr);
                    }
                    result = Err(e);
                }
            }
        }
        result
    }

    fn drop_idle_nodes(&mut self) {
        let channels = &self.channels;
        self.nodes
            .retain(|(a, _)| channels.values().any(|n| n.as_ref() == Some(a)));
    }
}

/// A subscriber on `client`'s node whose (re)connects wait no longer than `cap`: a node that
/// died must not hold up the channels of the others.
fn subscriber(client: &crate::Client, cap: Duration) -> Result<Subscriber> {
    let base = client.connection_config();
    let cfg = crate::ConnectionConfig {
        connect_timeout: base.connect_timeout.min(cap),
        ..base.clone()
    };
    Subscriber::with_config(&cfg)
}

/// The names `args` encodes, each a shard channel.
fn names(args: &impl ToArgs) -> Result<Vec<Vec<u8>>> {
    let c = cmd("SSUBSCRIBE").arg(args);
    let request = crate::commands::Request::from(&c);
    let mut frame = Vec::new();
    request.encode(&mut frame)?;
    let parts = crate::resp::split_command(&frame).unwrap_or_default();
    let names: Vec<Vec<u8>> = parts.iter().skip(1).map(|p| p.to_vec()).collect();
    if names.is_empty() {
        return Err(Error::invalid("ssubscribe", "at least one shard channel"));
    }
    Ok(names)
}

impl std::fmt::Debug for ShardedSubscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShardedSubscriber")
            .field("channels", &self.channels.len())
            .field("nodes", &self.nodes.len())
            .field("moves", &self.moves)
            .finish()
    }
}
