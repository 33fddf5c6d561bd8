//! The slot map: which node serves each of the 16384 slots, built from `CLUSTER SLOTS` or
//! `CLUSTER SHARDS`, and the pool (a [`Client`]) of every node in it.
//!
//! A map is immutable once built: a refresh or a `MOVED` makes a new one, and a call holds
//! the one it started with, so a node that leaves keeps its pool until its last call ends.

use std::collections::HashMap;
use std::fmt;

use super::slot::SLOTS;
use crate::client::Client;
use crate::commands::{Shard, SlotRange};
use crate::error::{Error, Result};

/// A node's client address, as the cluster announces it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeAddr {
    /// Its host or IP.
    pub host: String,
    /// Its client port (the TLS port on a TLS cluster).
    pub port: u16,
}

impl fmt::Display for NodeAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// What a slot map says before any node has a pool: per range, a primary and its replicas.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Layout {
    /// `(first, last, primary, replicas)`, each range inclusive.
    pub(crate) ranges: Vec<(u16, u16, NodeAddr, Vec<NodeAddr>)>,
}

/// Unusable parts of a slot map: the reply was well-formed RESP but says something no
/// cluster can mean.
fn malformed(what: impl Into<String>) -> Error {
    super::error::cluster_error(
        crate::ErrorKind::Protocol,
        format!("malformed slot map: {}", what.into()),
    )
}

/// A node's host in a slot map or redirect: an empty one means the host of the node that
/// answered; `?` means it does not know its endpoint (no use to a client).
fn host_of(announced: &str, asked: &str) -> Option<String> {
    match announced {
        "" => Some(asked.to_string()),
        "?" => None,
        h => Some(h.to_string()),
    }
}

impl Layout {
    /// From `CLUSTER SLOTS`, as `asked` (the node that answered) sent it.
    pub(crate) fn from_slots(ranges: Vec<SlotRange>, asked: &str) -> Result<Layout> {
        let mut out = Vec::with_capacity(ranges.len());
        for r in ranges {
            check_range(r.start, r.end)?;
            let Some(host) = host_of(&r.master.host, asked) else {
                continue; // the primary's endpoint is unknown: those slots stay unassigned
            };
            if r.master.port == 0 {
                return Err(malformed("a primary with port 0"));
            }
            let primary = NodeAddr {
                host,
                port: r.master.port,
            };
            let replicas = r
                .replicas
                .iter()
                .filter(|n| n.port != 0)
                .filter_map(|n| host_of(&n.host, asked).map(|host| NodeAddr { host, port: n.port }))
                .collect();
            out.push((r.start, r.end, primary, replicas));
        }
        Ok(Layout { ranges: out })
    }

    /// From `CLUSTER SHARDS`: only nodes whose health is `online` count; a shard without an
    /// online primary leaves its slots unassigned. `tls` picks each node's TLS port.
    pub(crate) fn from_shards(shards: Vec<Shard>, asked: &str, tls: bool) -> Result<Layout> {
        let mut out = Vec::new();
        for shard in shards {
            for &(a, b) in &shard.slots {
                check_range(a, b)?;
            }
            let addr = |n: &crate::commands::ShardNode| -> Option<NodeAddr> {
                let port = if tls { n.tls_port } else { n.port }?;
                if port == 0 {
                    return None;
                }
                let announced = if n.endpoint.is_empty() {
                    n.ip.as_str()
                } else {
                    n.endpoint.as_str()
                };
                host_of(announced, asked).map(|host| NodeAddr { host, port })
            };
            let online =
                |n: &&crate::commands::ShardNode| n.health == crate::commands::NodeHealth::Online;
            let Some(primary) = shard
                .nodes
                .iter()
                .filter(online)
                .find(|n| n.is_master())
                .and_then(addr)
            else {
                continue;
            };
            let replicas: Vec<NodeAddr> = shard
                .nodes
                .iter()
                .filter(online)
                .filter(|n| !n.is_master())
                .filter_map(addr)
                .collect();
            for &(a, b) in &shard.slots {
                out.push((a, b, primary.clone(), replicas.clone()));
            }
        }
        Ok(Layout { ranges: out })
    }

    /// How many slots the map assigns (overlapping ranges counted once).
    pub(crate) fn coverage(&self) -> usize {
        let mut seen = vec![false; usize::from(SLOTS)];
        for (a, b, _, _) in &self.ranges {
            for s in *a..=*b {
                seen[usize::from(s)] = true;
            }
        }
        seen.iter().filter(|s| **s).count()
    }
}

fn check_range(a: u16, b: u16) -> Result<()> {
    if a > b || b >= SLOTS {
        return Err(malformed(format!("slot range {a}-{b}")));
    }
    Ok(())
}

/// One node of a map, with its pool.
#[derive(Clone)]
pub(crate) struct Node {
    pub(crate) addr: NodeAddr,
    pub(crate) client: Client,
}

/// A shard: the primary and replicas serving some slots.
#[derive(Clone)]
pub(crate) struct ShardNodes {
    pub(crate) primary: Node,
    pub(crate) replicas: Vec<Node>,
}

/// No shard serves the slot.
const UNASSIGNED: u16 = u16::MAX;

/// A slot map with a pool per node.
#[derive(Clone)]
pub(crate) struct Topology {
    /// For each slot, the index of its shard in `shards`, or [`UNASSIGNED`].
    slots: Box<[u16]>,
    pub(crate) shards: Vec<ShardNodes>,
    /// How many refreshes made it (0: none yet, the map is empty).
    pub(crate) epoch: u64,
}

impl Topology {
    /// The map before the first refresh: every slot unassigned.
    pub(crate) fn empty() -> Topology {
        Topology {
            slots: vec![UNASSIGNED; usize::from(SLOTS)].into_boxed_slice(),
            shards: Vec::new(),
            epoch: 0,
        }
    }

    /// A map from `layout`, reusing the pools of `previous` for nodes it already had and
    /// opening (lazily: no connection yet) a pool with `new_client` for the others.
    pub(crate) fn build(
        layout: &Layout,
        previous: &Topology,
        epoch: u64,
        new_client: &dyn Fn(&NodeAddr) -> Result<Client>,
    ) -> Result<Topology> {
        let mut known: HashMap<NodeAddr, Client> = previous
            .nodes()
            .map(|n| (n.addr.clone(), n.client.clone()))
            .collect();
        let mut node = |addr: &NodeAddr| -> Result<Node> {
            let client = match known.get(addr) {
                Some(c) => c.clone(),
                None => {
                    let c = new_client(addr)?;
                    known.insert(addr.clone(), c.clone());
                    c
                }
            };
            Ok(Node {
                addr: addr.clone(),
                client,
            })
        };
        let mut slots = vec![UNASSIGNED; usize::from(SLOTS)].into_boxed_slice();
        let mut shards: Vec<ShardNodes> = Vec::new();
        let mut index: HashMap<NodeAddr, u16> = HashMap::new();
        for (a, b, primary, replicas) in &layout.ranges {
            let i = match index.get(primary) {
                Some(i) => *i,
                None => {
                    let i = u16::try_from(shards.len())
                        .map_err(|_| malformed("more shards than slots"))?;
                    shards.push(ShardNodes {
                        primary: node(primary)?,
                        replicas: replicas.iter().map(&mut node).collect::<Result<_>>()?,
                    });
                    index.insert(primary.clone(), i);
                    i
                }
            };
            for s in *a..=*b {
                slots[usize::from(s)] = i;
            }
        }
        Ok(Topology {
            slots,
            shards,
            epoch,
        })
    }

    /// Takes the nodes `latest` has for this map's addresses (a `MOVED` may have put one in
    /// while this map was being built): one pool, one cache per node, never a second.
    pub(crate) fn adopt(&mut self, latest: &Topology) {
        let known: HashMap<&NodeAddr, &Node> = latest.nodes().map(|n| (&n.addr, n)).collect();
        for shard in &mut self.shards {
            let nodes = std::iter::once(&mut shard.primary).chain(shard.replicas.iter_mut());
            for n in nodes {
                if let Some(l) = known.get(&n.addr) {
                    n.client = l.client.clone();
                }
            }
        }
    }

    /// The shard serving `slot`, if any.
    pub(crate) fn shard(&self, slot: u16) -> Option<&ShardNodes> {
        match self.slots.get(usize::from(slot)) {
            Some(&i) if i != UNASSIGNED => self.shards.get(usize::from(i)),
            _ => None,
        }
    }

    /// The first slot the shard at `index` of `shards` serves, if any.
    pub(crate) fn first_slot_of(&self, index: usize) -> Option<u16> {
        let index = u16::try_from(index).ok()?;
        let at = self.slots.iter().position(|&i| i == index)?;
        u16::try_from(at).ok()
    }

    /// Every node, primaries first.
    pub(crate) fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.shards
            .iter()
            .map(|s| &s.primary)
            .chain(self.shards.iter().flat_map(|s| s.replicas.iter()))
    }

    /// The node at `addr`, if the map has it.
    pub(crate) fn node(&self, addr: &NodeAddr) -> Option<&Node> {
        self.nodes().find(|n| &n.addr == addr)
    }

    /// This map with `slot` served by `node` (a `MOVED`): the node becomes the primary of a
    /// shard of its own unless it already leads one.
    pub(crate) fn moved(&self, slot: u16, node: Node) -> Topology {
        let mut next = self.clone();
        let i = match next.shards.iter().position(|s| s.primary.addr == node.addr) {
            Some(i) => i,
            None => {
                next.shards.push(ShardNodes {
                    primary: node,
                    replicas: Vec::new(),
                });
                next.shards.len() - 1
            }
        };
        if let (Ok(i), Some(entry)) = (u16::try_from(i), next.slots.get_mut(usize::from(slot))) {
            *entry = i;
        }
        next
    }

    /// How many slots have a shard.
    pub(crate) fn assigned(&self) -> usize {
        self.slots.iter().filter(|&&i| i != UNASSIGNED).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::FromValue;
    use crate::resp::Value;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    fn node(host: &str, port: i64) -> Value {
        Value::Array(vec![bulk(host), Value::Int(port), bulk("id")])
    }

    fn addr(port: u16) -> NodeAddr {
        NodeAddr {
            host: "127.0.0.1".into(),
            port,
        }
    }

    fn lazy_client(a: &NodeAddr) -> Result<Client> {
        Client::builder().host(&a.host, a.port).build()
    }

    #[test]
    fn a_refreshed_map_keeps_the_node_a_moved_put_in_meanwhile() {
        let layout = |ports: &[u16]| Layout {
            ranges: ports
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let first = u16::try_from(i).unwrap_or(0) * 100;
                    (first, first + 99, addr(*p), vec![])
                })
                .collect(),
        };
        let before = Topology::build(&layout(&[7001]), &Topology::empty(), 1, &lazy_client)
            .unwrap_or_else(|e| panic!("{e}"));
        // A MOVED to 7002 (not in the map) while a refresh that learns of 7002 is under way.
        let moved_node = Node {
            addr: addr(7002),
            client: lazy_client(&addr(7002)).unwrap_or_else(|e| panic!("{e}")),
        };
        let latest = before.moved(150, moved_node.clone());
        let mut refreshed = Topology::build(&layout(&[7001, 7002]), &before, 2, &lazy_client)
            .unwrap_or_else(|e| panic!("{e}"));
        let own = |t: &Topology, p| t.node(&addr(p)).map(|n| n.client.clone());
        assert!(
            own(&refreshed, 7002).is_some_and(|c| !c.same_as(&moved_node.client)),
            "the refresh built its own"
        );
        refreshed.adopt(&latest);
        assert!(own(&refreshed, 7002).is_some_and(|c| c.same_as(&moved_node.client)));
        let first = own(&before, 7001).unwrap_or_else(|| panic!("7001"));
        assert!(own(&refreshed, 7001).is_some_and(|c| c.same_as(&first)));
    }

    #[test]
    fn slots_replies_become_layouts_and_bad_ones_are_errors() {
        let good = Value::Array(vec![
            Value::Array(vec![
                Value::Int(0),
                Value::Int(8191),
                node("", 7000),
                node("10.0.0.2", 7003),
            ]),
            Value::Array(vec![Value::Int(8192), Value::Int(16383), node("?", 7001)]),
        ]);
        let ranges = Vec::<SlotRange>::from_value(good).unwrap();
        let layout = Layout::from_slots(ranges, "10.0.0.1").unwrap();
        assert_eq!(layout.ranges.len(), 1, "an unknown endpoint is left out");
        assert_eq!(
            layout.ranges[0].2.host, "10.0.0.1",
            "empty host: the asked node"
        );
        assert_eq!(layout.coverage(), 8192);

        for bad in [
            Value::Array(vec![Value::Array(vec![
                Value::Int(5),
                Value::Int(2),
                node("a", 1),
            ])]),
            Value::Array(vec![Value::Array(vec![
                Value::Int(0),
                Value::Int(16384),
                node("a", 1),
            ])]),
            Value::Array(vec![Value::Array(vec![
                Value::Int(0),
                Value::Int(1),
                node("a", 0),
            ])]),
        ] {
            let parsed = Vec::<SlotRange>::from_value(bad)
                .map_err(|e| e.kind())
                .and_then(|r| Layout::from_slots(r, "h").map_err(|e| e.kind()));
            assert!(parsed.is_err());
        }
        // Truncated entries are conversion errors, not panics.
        for bad in [
            Value::Array(vec![Value::Array(vec![Value::Int(0)])]),
            Value::Array(vec![Value::Array(vec![Value::Int(0), Value::Int(1)])]),
            Value::Array(vec![Value::Array(vec![
                Value::Int(0),
                Value::Int(1),
                Value::Array(vec![bulk("h")]),
            ])]),
            Value::Int(3),
            Value::Array(vec![Value::Nil]),
        ] {
            assert!(Vec::<SlotRange>::from_value(bad).is_err());
        }
    }
}
