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

/// How long a node that failed a read (a connection error, a timeout, `LOADING`) is skipped
/// at first; each failed retry of it doubles that, up to [`SKIP_MAX`].
const SKIP_FOR: Duration = Duration::from_secs(2);
const SKIP_MAX: Duration = Duration::from_secs(30);
/// How long the one read sent to a skipped node after its skip ran out (the probe) has before
/// the others may try it too.
const PROBE_FOR: Duration = Duration::from_secs(2);

/// A node skipped for reads.
struct Skip {
    until: Instant,
    /// Failures in a row, each after the skip before it ran out.
    strikes: u32,
    /// Whether one read was let through to try the node again (the others still skip it).
    probing: bool,
}

/// What a read may do with a node now.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Free,
    Skipped,
    /// Its skip ran out: one read may try it.
    ProbeDue,
}

/// Nodes to skip for reads. A node keeps failing (a blackholed primary whose connects each
/// take the whole connect timeout): after each skip only one read tries it, and the skip
/// grows, so that node costs one caller one timeout per skip, not every caller every 2 s.
#[derive(Default)]
pub(crate) struct Skips {
    nodes: Mutex<HashMap<NodeAddr, Skip>>,
}

impl Skips {
    /// A read on `addr` failed in a way that says the node is not serving.
    pub(crate) fn failed(&self, addr: &NodeAddr) {
        let now = Instant::now();
        let mut nodes = self.nodes.lock();
        // Nodes that have been fine (or gone) for a long time are forgotten.
        nodes.retain(|_, s| s.probing || now < s.until + SKIP_MAX * 2);
        let s = nodes.entry(addr.clone()).or_insert(Skip {
            until: now,
            strikes: 0,
            probing: false,
        });
        // Reads that failed together (before this skip) count once; a failed probe, or a
        // failure after the skip ran out, counts again.
        if s.probing || now >= s.until {
            s.strikes = (s.strikes + 1).min(8);
            s.probing = false;
            let grown = SKIP_FOR.saturating_mul(1 << (s.strikes - 1));
            s.until = now + grown.min(SKIP_MAX);
        }
    }

    /// A read on `addr` succeeded: it is not skipped any more.
    pub(crate) fn succeeded(&self, addr: &NodeAddr) {
        let mut nodes = self.nodes.lock();
        if !nodes.is_empty() {
            nodes.remove(addr);
        }
    }

    /// Whether reads skip `addr` now (it failed one, and its skip has not run out).
    pub(crate) fn skipped(&self, addr: &NodeAddr) -> bool {
        let nodes = self.nodes.lock();
        !nodes.is_empty() && Self::state(&nodes, addr, Instant::now()) == State::Skipped
    }

    fn state(nodes: &HashMap<NodeAddr, Skip>, addr: &NodeAddr, now: Instant) -> State {
        match nodes.get(addr) {
            None => State::Free,
            Some(s) if s.probing || now < s.until => State::Skipped,
            Some(_) => State::ProbeDue,
        }
    }

    /// Lets one read try `addr` again: the others skip it for [`PROBE_FOR`] meanwhile.
    fn claim_probe(nodes: &mut HashMap<NodeAddr, Skip>, addr: &NodeAddr, now: Instant) {
        if let Some(s) = nodes.get_mut(addr) {
            s.probing = true;
            s.until = now + PROBE_FOR;
        }
    }

    /// The node of `shard` a read goes to under `read_from`.
    pub(crate) fn pick(&self, shard: &ShardNodes, read_from: ReadFrom) -> Node {
        if read_from == ReadFrom::Primary {
            return shard.primary.clone();
        }
        let now = Instant::now();
        let mut nodes = self.nodes.lock();
        if nodes.is_empty() {
            return match read_from {
                ReadFrom::ReplicaPreferred if !shard.replicas.is_empty() => {
                    shard.replicas[rand::random_range(0..shard.replicas.len())].clone()
                }
                _ => shard.primary.clone(),
            };
        }
        // A probe lapsed without an answer (its caller gave up, or the read never got
        // there): the next read may probe again.
        for s in nodes.values_mut() {
            if s.probing && now >= s.until {
                s.probing = false;
            }
        }
        let mut healthy: Vec<&Node> = Vec::with_capacity(shard.replicas.len());
        let mut due: Option<&Node> = None;
        for r in &shard.replicas {
            match Self::state(&nodes, &r.addr, now) {
                State::Free => healthy.push(r),
                State::ProbeDue => due = due.or(Some(r)),
                State::Skipped => {}
            }
        }
        let primary = Self::state(&nodes, &shard.primary.addr, now);
        let chosen = match read_from {
            ReadFrom::PrimaryPreferred if primary == State::Free => &shard.primary,
            ReadFrom::PrimaryPreferred if primary == State::ProbeDue => {
                Self::claim_probe(&mut nodes, &shard.primary.addr, now);
                &shard.primary
            }
            // The primary skipped and no replica free: a replica whose skip ran out is tried
            // (by one read) before the failing primary, which every other read meets anyway.
            ReadFrom::PrimaryPreferred if healthy.is_empty() => match due {
                Some(r) => {
                    Self::claim_probe(&mut nodes, &r.addr, now);
                    r
                }
                None => &shard.primary,
            },
            ReadFrom::PrimaryPreferred => healthy[rand::random_range(0..healthy.len())],
            _ => match (due, healthy.len()) {
                (Some(r), _) => {
                    Self::claim_probe(&mut nodes, &r.addr, now);
                    r
                }
                (None, 0) => &shard.primary,
                (None, n) => healthy[rand::random_range(0..n)],
            },
        };
        chosen.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(port: u16) -> NodeAddr {
        NodeAddr {
            host: "127.0.0.1".into(),
            port,
        }
    }

    fn with<T>(skips: &Skips, a: &NodeAddr, f: impl FnOnce(&mut Skip) -> T) -> T {
        let mut nodes = skips.nodes.lock();
        let s = nodes
            .get_mut(a)
            .unwrap_or_else(|| panic!("{a:?} not skipped"));
        f(s)
    }

    #[test]
    fn failures_together_count_once_and_a_failed_probe_doubles_the_skip() {
        let skips = Skips::default();
        let a = addr(1);
        for _ in 0..8 {
            skips.failed(&a);
        }
        let first = with(&skips, &a, |s| {
            assert_eq!(s.strikes, 1);
            s.until
        });
        // The skip ran out; one read probes (the others still skip it) and fails.
        let now = Instant::now();
        with(&skips, &a, |s| s.until = now);
        assert!(Skips::state(&skips.nodes.lock(), &a, now) == State::ProbeDue);
        Skips::claim_probe(&mut skips.nodes.lock(), &a, now);
        assert!(Skips::state(&skips.nodes.lock(), &a, now) == State::Skipped);
        skips.failed(&a);
        with(&skips, &a, |s| {
            assert_eq!(s.strikes, 2);
            assert!(!s.probing);
            assert!(s.until >= first + Duration::from_secs(1), "the skip grew");
        });
        skips.succeeded(&a);
        assert!(skips.nodes.lock().is_empty());
    }

    fn node(port: u16) -> Node {
        Node {
            addr: addr(port),
            client: crate::Client::builder()
                .host("127.0.0.1", port)
                .build()
                .unwrap_or_else(|e| panic!("{e}")),
        }
    }

    /// Under `PrimaryPreferred`, a failing primary and a replica whose skip ran out: the
    /// replica gets its probe. Reads went to the skipped primary (every caller paying its
    /// timeout) until the replica's entry was forgotten a minute later.
    #[test]
    fn primary_preferred_probes_a_replica_due_while_the_primary_is_skipped() {
        let skips = Skips::default();
        let shard = ShardNodes {
            primary: node(1),
            replicas: vec![node(2)],
        };
        skips.failed(&addr(1));
        skips.failed(&addr(2));
        let now = Instant::now();
        with(&skips, &addr(2), |s| s.until = now);
        let first = skips.pick(&shard, ReadFrom::PrimaryPreferred);
        assert_eq!(first.addr, addr(2), "the replica due is probed");
        // Its probe claimed, the others go where they can (no replica free: the primary).
        let second = skips.pick(&shard, ReadFrom::PrimaryPreferred);
        assert_eq!(second.addr, addr(1));
        // And under ReplicaPreferred likewise.
        let skips = Skips::default();
        skips.failed(&addr(1));
        skips.failed(&addr(2));
        with(&skips, &addr(2), |s| s.until = now);
        assert_eq!(skips.pick(&shard, ReadFrom::ReplicaPreferred).addr, addr(2));
    }

    #[test]
    fn the_skip_stops_growing_at_its_cap() {
        let skips = Skips::default();
        let a = addr(1);
        for _ in 0..20 {
            skips.failed(&a);
            with(&skips, &a, |s| s.probing = true);
        }
        let left = with(&skips, &a, |s| s.until) - Instant::now();
        assert!(left <= SKIP_MAX && left > SKIP_MAX - Duration::from_secs(1));
    }
}
