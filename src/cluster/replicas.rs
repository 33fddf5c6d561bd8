//! Reads from replicas (opt-in): which node of a shard serves a read-only command, and which
//! replicas are skipped for a while because they failed or were loading.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::NodeAddr;
use super::topology::{Node, ShardNodes};

/// Where read-only commands go, from [`ClusterBuilder::read_from`](super::ClusterBuilder::read_from).
/// Writes, blocking commands and transactions always go to the primary; read-only scripts
/// and functions (`EVAL_RO`, `EVALSHA_RO`, `FCALL_RO`) are reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ReadFrom {
    /// Every command to the primary (the default): reads see every acknowledged write.
    #[default]
    Primary,
    /// Reads to the primary, or to a replica while the primary is failing.
    PrimaryPreferred,
    /// Reads to a replica picked at random among the shard's healthy ones, the primary when
    /// none is. A replica may lag: a read may miss a write just acknowledged.
    ReplicaPreferred,
}

/// How long a node that failed a read (a connection error, `LOADING`) is skipped.
const SKIP_FOR: Duration = Duration::from_secs(2);

/// Nodes to skip for reads, until when.
#[derive(Default)]
pub(crate) struct Skips {
    until: Mutex<HashMap<NodeAddr, Instant>>,
}

impl Skips {
    pub(crate) fn failed(&self, addr: &NodeAddr) {
        self.until
            .lock()
            .insert(addr.clone(), Instant::now() + SKIP_FOR);
    }

    fn skipped(&self, addr: &NodeAddr, now: Instant) -> bool {
        let mut until = self.until.lock();
        match until.get(addr) {
            Some(t) if *t > now => true,
            Some(_) => {
                until.remove(addr);
                false
            }
            None => false,
        }
    }

    /// The node of `shard` a read goes to under `read_from`.
    pub(crate) fn pick(&self, shard: &ShardNodes, read_from: ReadFrom) -> Node {
        let now = Instant::now();
        let healthy: Vec<&Node> = shard
            .replicas
            .iter()
            .filter(|r| !self.skipped(&r.addr, now))
            .collect();
        match read_from {
            ReadFrom::Primary => shard.primary.clone(),
            ReadFrom::PrimaryPreferred => {
                if self.skipped(&shard.primary.addr, now) && !healthy.is_empty() {
                    healthy[rand::random_range(0..healthy.len())].clone()
                } else {
                    shard.primary.clone()
                }
            }
            ReadFrom::ReplicaPreferred => match healthy.len() {
                0 => shard.primary.clone(),
                n => healthy[rand::random_range(0..n)].clone(),
            },
        }
    }
}
