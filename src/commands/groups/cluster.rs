//! The `cluster` group of the Redis documentation: what a cluster node says about the cluster: slots, shards, nodes, a key's slot.

mod types;

use super::Method;
use super::server::parse::lines;
use crate::commands::args::{One, ToArg};
use crate::commands::cmd::Request;
use crate::commands::core::Commands;
use crate::commands::reply::FromValue;
use crate::commands::table::spec;

pub use types::{
    ClusterInfo, ClusterLink, ClusterNode, LinkDirection, NodeHealth, Shard, ShardNode, SlotMetric,
    SlotNode, SlotRange, SlotStats, SlotStatsQuery,
};

/// The `cluster` commands: what a cluster node says about the cluster: its state, its nodes,
/// shards and slots, a key's slot and the keys in a slot. Sent to one node (the one the
/// connection or client talks to); the administration subcommands (`ADDSLOTS`, `MEET`,
/// `FAILOVER`, `SETSLOT`, ...) have no typed method (see
/// [`excluded`](crate::commands::excluded)).
///
/// On a server not in cluster mode every one answers `ERR This instance has cluster support
/// disabled`.
///
/// Implemented for every [`Commands`] receiver (a connection, a client, a pipeline), so each
/// method sends the command and returns `Result<T>`, or queues it. Bring every group into scope
/// with `use redisync::prelude::*`.
///
/// ```no_run
/// use redisync::prelude::*;
///
/// let client = Client::open("redis://127.0.0.1:7000")?;
/// assert!(client.cluster_info()?.is_ok());
/// for range in client.cluster_slots()? {
///     println!("{}-{} on {}:{}", range.start, range.end, range.master.host, range.master.port);
/// }
/// let slot = client.cluster_keyslot("user:42")?;
/// println!("user:42 lives in slot {slot}");
/// # Ok::<(), redisync::Error>(())
/// ```
pub trait ClusterCommands: Commands {
    /// `CLUSTER INFO`: the cluster's state as this node sees it ([`ClusterInfo`]).
    /// <https://redis.io/docs/latest/commands/cluster-info/>
    fn cluster_info(self) -> Self::Output<ClusterInfo> {
        self.run(&Request::new(&spec::CLUSTER_INFO, &()))
    }

    /// `CLUSTER MYID`: this node's id.
    /// <https://redis.io/docs/latest/commands/cluster-myid/>
    fn cluster_myid(self) -> Self::Output<String> {
        self.run(&Request::new(&spec::CLUSTER_MYID, &()))
    }

    /// `CLUSTER MYSHARDID`: the id of this node's shard. Redis 7.2+ and Valkey; Redis 7.0 has
    /// no `MYSHARDID` (`ERR unknown subcommand`).
    /// <https://redis.io/docs/latest/commands/cluster-myshardid/>
    fn cluster_myshardid(self) -> Self::Output<String> {
        self.run(&Request::new(&spec::CLUSTER_MYSHARDID, &()))
    }

    /// `CLUSTER KEYSLOT key`: the hash slot of a key (0 to 16383), from its hash tag if it has
    /// one.
    /// <https://redis.io/docs/latest/commands/cluster-keyslot/>
    fn cluster_keyslot(self, key: impl ToArg) -> Self::Output<u16> {
        self.run(&Request::new(&spec::CLUSTER_KEYSLOT, &(One(&key))))
    }

    /// `CLUSTER COUNTKEYSINSLOT slot`: how many keys this node holds in the slot.
    /// <https://redis.io/docs/latest/commands/cluster-countkeysinslot/>
    ///
    /// # Errors
    /// `ERR` for a slot over 16383.
    fn cluster_countkeysinslot(self, slot: u16) -> Self::Output<u64> {
        self.run(&Request::new(&spec::CLUSTER_COUNTKEYSINSLOT, &slot))
    }

    /// `CLUSTER GETKEYSINSLOT slot count`: up to `count` of the keys this node holds in the
    /// slot.
    /// <https://redis.io/docs/latest/commands/cluster-getkeysinslot/>
    ///
    /// # Errors
    /// `ERR` for a slot over 16383.
    fn cluster_getkeysinslot<T: FromValue>(self, slot: u16, count: u64) -> Self::Output<Vec<T>> {
        self.run(&Request::new(&spec::CLUSTER_GETKEYSINSLOT, &(slot, count)))
    }

    /// `CLUSTER NODES`: every node this one knows ([`ClusterNode`]), itself included.
    /// <https://redis.io/docs/latest/commands/cluster-nodes/>
    fn cluster_nodes(self) -> Self::Output<Vec<ClusterNode>> {
        self.run(&Request::new(&spec::CLUSTER_NODES, &()).shaped(lines))
    }

    /// `CLUSTER REPLICAS node-id`: the replicas of a primary, as `CLUSTER NODES` describes
    /// them.
    /// <https://redis.io/docs/latest/commands/cluster-replicas/>
    ///
    /// # Errors
    /// `ERR Unknown node` for an id this node does not know; `ERR The specified node is not a
    /// master` for a replica's.
    fn cluster_replicas(self, node_id: impl ToArg) -> Self::Output<Vec<ClusterNode>> {
        self.run(&Request::new(&spec::CLUSTER_REPLICAS, &(One(&node_id))).shaped(lines))
    }

    /// `CLUSTER SLAVES node-id`: the old name of [`cluster_replicas`](Self::cluster_replicas),
    /// deprecated since Redis 5.0 (kept for servers that only know it).
    /// <https://redis.io/docs/latest/commands/cluster-slaves/>
    fn cluster_slaves(self, node_id: impl ToArg) -> Self::Output<Vec<ClusterNode>> {
        self.run(&Request::new(&spec::CLUSTER_SLAVES, &(One(&node_id))).shaped(lines))
    }

    /// `CLUSTER SLOTS`: each range of slots with its primary and replicas ([`SlotRange`]).
    /// Deprecated since Redis 7.0 in favour of [`cluster_shards`](Self::cluster_shards), and
    /// still the one every server has.
    /// <https://redis.io/docs/latest/commands/cluster-slots/>
    fn cluster_slots(self) -> Self::Output<Vec<SlotRange>> {
        self.run(&Request::new(&spec::CLUSTER_SLOTS, &()))
    }

    /// `CLUSTER SHARDS`: each shard with its slots and nodes ([`Shard`]). Redis 7.0+; Redis
    /// 6.2 answers `ERR unknown subcommand`.
    /// <https://redis.io/docs/latest/commands/cluster-shards/>
    fn cluster_shards(self) -> Self::Output<Vec<Shard>> {
        self.run(&Request::new(&spec::CLUSTER_SHARDS, &()))
    }

    /// `CLUSTER LINKS`: this node's cluster bus links, one each way per peer
    /// ([`ClusterLink`]). Redis 7.0+; Redis 6.2 answers `ERR unknown subcommand`.
    /// <https://redis.io/docs/latest/commands/cluster-links/>
    fn cluster_links(self) -> Self::Output<Vec<ClusterLink>> {
        self.run(&Request::new(&spec::CLUSTER_LINKS, &()))
    }

    /// `CLUSTER SLOT-STATS SLOTSRANGE start end | ORDERBY metric [LIMIT n] [ASC|DESC]`:
    /// per-slot statistics of the slots this node serves ([`SlotStats`]). Valkey 8.0+ (and
    /// Redis 8.2+); Redis 7.0 and 6.2 answer `ERR unknown subcommand`.
    /// <https://valkey.io/commands/cluster-slot-stats/>
    ///
    /// # Errors
    /// `ERR` for a range out of order or past 16383, or ordering by a statistic that
    /// `cluster-slot-stats-enabled` leaves off.
    fn cluster_slot_stats(self, query: SlotStatsQuery) -> Self::Output<Vec<SlotStats>> {
        self.run(&Request::new(&spec::CLUSTER_SLOT_STATS, &query))
    }
}

impl<C: Commands> ClusterCommands for C {}

/// This group's methods and the command each sends.
pub(crate) const METHODS: &[Method] = &[
    ("cluster_info", &spec::CLUSTER_INFO),
    ("cluster_myid", &spec::CLUSTER_MYID),
    ("cluster_myshardid", &spec::CLUSTER_MYSHARDID),
    ("cluster_keyslot", &spec::CLUSTER_KEYSLOT),
    ("cluster_countkeysinslot", &spec::CLUSTER_COUNTKEYSINSLOT),
    ("cluster_getkeysinslot", &spec::CLUSTER_GETKEYSINSLOT),
    ("cluster_nodes", &spec::CLUSTER_NODES),
    ("cluster_replicas", &spec::CLUSTER_REPLICAS),
    ("cluster_slaves", &spec::CLUSTER_SLAVES),
    ("cluster_slots", &spec::CLUSTER_SLOTS),
    ("cluster_shards", &spec::CLUSTER_SHARDS),
    ("cluster_links", &spec::CLUSTER_LINKS),
    ("cluster_slot_stats", &spec::CLUSTER_SLOT_STATS),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::groups::check::{self, Call};

    #[test]
    fn every_method_sends_its_command() {
        let calls: &[Call] = &[
            ("cluster_info", |r| {
                let _ = r.cluster_info();
            }),
            ("cluster_myid", |r| {
                let _ = r.cluster_myid();
            }),
            ("cluster_myshardid", |r| {
                let _ = r.cluster_myshardid();
            }),
            ("cluster_keyslot", |r| {
                let _ = r.cluster_keyslot("k");
            }),
            ("cluster_countkeysinslot", |r| {
                let _ = r.cluster_countkeysinslot(1);
            }),
            ("cluster_getkeysinslot", |r| {
                let _ = r.cluster_getkeysinslot::<String>(1, 10);
            }),
            ("cluster_nodes", |r| {
                let _ = r.cluster_nodes();
            }),
            ("cluster_replicas", |r| {
                let _ = r.cluster_replicas("id");
            }),
            ("cluster_slaves", |r| {
                let _ = r.cluster_slaves("id");
            }),
            ("cluster_slots", |r| {
                let _ = r.cluster_slots();
            }),
            ("cluster_shards", |r| {
                let _ = r.cluster_shards();
            }),
            ("cluster_links", |r| {
                let _ = r.cluster_links();
            }),
            ("cluster_slot_stats", |r| {
                let _ = r.cluster_slot_stats(SlotStatsQuery::range(0, 1));
            }),
        ];
        check::methods(METHODS, calls);
    }

    #[test]
    fn arguments_are_written_in_order() {
        assert_eq!(
            check::sent(|r| drop(r.cluster_getkeysinslot::<String>(7, 3))),
            ["CLUSTER", "GETKEYSINSLOT", "7", "3"]
        );
        assert_eq!(
            check::sent(|r| drop(r.cluster_keyslot(b"{u}\r\n".as_slice()))),
            ["CLUSTER", "KEYSLOT", "{u}\r\n"]
        );
        assert_eq!(
            check::sent(|r| drop(
                r.cluster_slot_stats(SlotStatsQuery::order_by(SlotMetric::KeyCount))
            )),
            ["CLUSTER", "SLOT-STATS", "ORDERBY", "key-count", "DESC"]
        );
    }
}
