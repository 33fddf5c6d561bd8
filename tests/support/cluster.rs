//! A real Redis Cluster on loopback: by default three primaries with one
//! replica each, `cluster-node-timeout` 1000 ms (a failover takes a few
//! seconds), every node a [`RedisServer`] in its own temp dir on free ports,
//! all killed on drop.
//!
//! The cluster is formed by `redis-cli --cluster create` (Debian's
//! redis-tools; it works against Redis 6.2 and Valkey 9 too). Everything
//! else speaks raw RESP to the nodes: like the rest of `support/`, never the
//! client under test. Roles and slot owners are asked from the servers each
//! time, never remembered, so they stay true across failovers.
//!
//! ```ignore
//! let mut cluster = Cluster::start();
//! let slot = cluster.slot_of("{user:1}");
//! let primary = cluster.primary_of_slot(slot);
//! cluster.kill9(primary);
//! let promoted = cluster.wait_for_failover(primary);
//! cluster.restart(primary); // rejoins as a replica of `promoted`
//!
//! let other = cluster.primaries().into_iter().find(|&p| p != promoted).unwrap();
//! let mut migration = cluster.begin_migration(slot, other);
//! migration.move_keys(10); // the source now answers -ASK for those keys
//! migration.finish(); // the rest, then CLUSTER SETSLOT .. NODE everywhere
//! ```

use std::collections::HashMap;
use std::env;
use std::fs::{self, File};
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::resp::RawConnection;
use super::server::{RedisServer, RedisServerBuilder, ServerKind, quote};
use super::wait::wait_ok;

/// Hash slots of a Redis Cluster.
pub const SLOTS: u16 = 16384;
/// From the first node started to a formed cluster with replicas in sync.
const FORM_DEADLINE: Duration = Duration::from_secs(30);
/// From [`Cluster::wait_for_failover`]'s call to a promoted replica.
const FAILOVER_DEADLINE: Duration = Duration::from_secs(20);
/// For [`Cluster::wait_until_stable`] (a restarted node may need a full sync).
const STABLE_DEADLINE: Duration = Duration::from_secs(30);
/// Until every live node names the new owner of a migrated slot.
const SLOT_AGREE_DEADLINE: Duration = Duration::from_secs(10);
/// MIGRATE's own timeout, in milliseconds.
const MIGRATE_TIMEOUT_MS: &str = "5000";
/// Keys per MIGRATE in [`Migration::finish`].
const FINISH_BATCH: usize = 100;
/// Bounds every step of a raw command on [`Cluster::raw_session`]'s connection.
const RAW_TIMEOUT: Duration = Duration::from_secs(10);

/// Options for a [`Cluster`]; see [`Cluster::builder`].
#[derive(Debug, Clone)]
#[must_use = "call .start() to run the cluster"]
pub struct ClusterOptions {
    primaries: usize,
    replicas: usize,
    node_timeout: Duration,
    password: Option<String>,
    extra: Vec<String>,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions {
            primaries: 3,
            replicas: 1,
            node_timeout: Duration::from_millis(1000),
            password: None,
            extra: Vec::new(),
        }
    }
}

impl ClusterOptions {
    /// How many primaries (at least 3, as `redis-cli --cluster create`
    /// demands). Default 3.
    pub fn primaries(mut self, count: usize) -> Self {
        assert!(
            count >= 3,
            "redis-cli --cluster create needs at least 3 primaries, not {count}"
        );
        self.primaries = count;
        self
    }

    /// Replicas per primary. Default 1.
    pub fn replicas(mut self, per_primary: usize) -> Self {
        self.replicas = per_primary;
        self
    }

    /// `cluster-node-timeout` (whole milliseconds). Default 1000 ms.
    pub fn node_timeout(mut self, timeout: Duration) -> Self {
        assert!(
            timeout.as_millis() > 0,
            "cluster-node-timeout must be at least 1 ms"
        );
        self.node_timeout = timeout;
        self
    }

    /// `requirepass` and `masterauth` on every node; the fixture's own
    /// commands, `redis-cli` and MIGRATE authenticate with it.
    pub fn requirepass(mut self, password: &str) -> Self {
        self.password = Some(password.to_owned());
        self
    }

    /// Appends a raw `redis.conf` line to every node's config.
    pub fn config(mut self, line: &str) -> Self {
        self.extra.push(line.to_owned());
        self
    }

    /// Starts the nodes, forms the cluster and waits until it is stable
    /// (see [`Cluster::wait_until_stable`]).
    ///
    /// # Panics
    ///
    /// When a node does not start, `redis-cli` fails, or the cluster is not
    /// stable within 30 s.
    pub fn start(self) -> Cluster {
        Cluster::start_with(self)
    }

    fn node_builder(&self) -> RedisServerBuilder {
        let mut builder = RedisServer::builder()
            .cluster_port()
            .config("cluster-enabled yes")
            // Relative to the node's own dir (its working dir): kept across
            // kill9/restart, so a restarted node rejoins with its identity.
            .config("cluster-config-file nodes.conf")
            .config(&format!(
                "cluster-node-timeout {}",
                self.node_timeout.as_millis()
            ))
            // A replica may always stand for election, however long ago it
            // last heard from its primary: failovers in tests must happen.
            .config("cluster-replica-validity-factor 0")
            // Full syncs start at once (the default waits 5 s for more
            // replicas) and write no RDB file.
            .config("repl-diskless-sync yes")
            .config("repl-diskless-sync-delay 0");
        if let Some(password) = &self.password {
            builder = builder
                .requirepass(password)
                .config(&format!("masterauth {}", quote(password)));
        }
        for line in &self.extra {
            builder = builder.config(line);
        }
        builder
    }
}

/// One hash slot range of `CLUSTER SLOTS`, by port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotRange {
    /// First slot.
    pub start: u16,
    /// Last slot (inclusive).
    pub end: u16,
    /// The primary's port.
    pub primary: u16,
    /// The replicas' ports, as the answering node lists them.
    pub replicas: Vec<u16>,
}

impl SlotRange {
    /// Whether `slot` is in this range.
    pub fn contains(&self, slot: u16) -> bool {
        (self.start..=self.end).contains(&slot)
    }
}

/// A range's first slot, last slot and primary port.
type Owner = (u16, u16, u16);

/// What `INFO replication` says about one node.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Role {
    Primary,
    Replica {
        primary_port: Option<u16>,
        /// `master_link_status:up` and no sync in progress.
        synced: bool,
    },
}

/// A running Redis Cluster; see the module docs.
#[derive(Debug)]
pub struct Cluster {
    /// Every node started, alive or killed, in start order.
    nodes: Vec<RedisServer>,
    options: ClusterOptions,
    /// Slot ranges a primary owned when [`kill9`](Self::kill9) killed it:
    /// what [`wait_for_failover`](Self::wait_for_failover) waits to see
    /// taken over.
    killed_ranges: HashMap<u16, Vec<(u16, u16)>>,
    /// How long [`ClusterOptions::start`] took.
    start_time: Duration,
}

impl Cluster {
    /// Three primaries with one replica each, node timeout 1000 ms.
    pub fn start() -> Cluster {
        Cluster::builder().start()
    }

    /// Options for a cluster; finish with [`ClusterOptions::start`].
    pub fn builder() -> ClusterOptions {
        ClusterOptions::default()
    }

    fn start_with(options: ClusterOptions) -> Cluster {
        let started = Instant::now();
        let count = options.primaries * (1 + options.replicas);
        let builder = options.node_builder();
        // In parallel: each start waits for its server to be ready. A node
        // that fails panics here; the others are dropped (killed) with it.
        let nodes: Vec<RedisServer> = thread::scope(|scope| {
            let starting: Vec<_> = (0..count)
                .map(|_| {
                    let builder = builder.clone();
                    scope.spawn(move || builder.start())
                })
                .collect();
            starting
                .into_iter()
                .map(|handle| {
                    handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        });
        let mut cluster = Cluster {
            nodes,
            options,
            killed_ranges: HashMap::new(),
            start_time: Duration::ZERO,
        };
        cluster.create();
        let left = FORM_DEADLINE.saturating_sub(started.elapsed());
        wait_ok(left, "the new cluster to be stable", || {
            cluster.check_stable()
        });
        let primaries = cluster.primaries();
        assert_eq!(
            primaries.len(),
            cluster.options.primaries,
            "the cluster formed with other primaries than asked: {primaries:?}"
        );
        cluster.start_time = started.elapsed();
        cluster
    }

    /// `redis-cli --cluster create` over all nodes (Valkey: `valkey-cli`
    /// if redis-cli fails and one is found).
    fn create(&self) {
        let mut args: Vec<String> = Vec::new();
        if let Some(password) = self.password() {
            args.extend(["-a".to_owned(), password.to_owned()]);
            args.push("--no-auth-warning".to_owned());
        }
        args.extend(["--cluster".to_owned(), "create".to_owned()]);
        args.extend(self.nodes.iter().map(|n| format!("127.0.0.1:{}", n.port())));
        args.extend([
            "--cluster-replicas".to_owned(),
            self.options.replicas.to_string(),
            "--cluster-yes".to_owned(),
        ]);
        let log_dir = self.nodes[0].dir();
        let redis_cli = find_on_path("redis-cli").unwrap_or_else(|| {
            panic!(
                "redis-cli not found on PATH: run scripts/deps.sh (Debian's redis-tools), \
                 which `make test` does"
            )
        });
        let first = run_cli(&redis_cli, &args, log_dir);
        let Err(first_report) = first else {
            return;
        };
        let valkey_cli = (self.nodes[0].kind() == ServerKind::Valkey)
            .then(|| {
                let beside = self.nodes[0].bin().with_file_name("valkey-cli");
                beside
                    .is_file()
                    .then_some(beside)
                    .or_else(|| find_on_path("valkey-cli"))
            })
            .flatten();
        let Some(valkey_cli) = valkey_cli else {
            panic!("forming the cluster failed:\n{first_report}");
        };
        if let Err(second_report) = run_cli(&valkey_cli, &args, log_dir) {
            panic!(
                "forming the cluster failed with both redis-cli and valkey-cli:\n\
                 {first_report}\n---\n{second_report}"
            );
        }
    }

    /// How long [`start`](Self::start) took, from the first node started to
    /// a stable cluster.
    pub fn start_time(&self) -> Duration {
        self.start_time
    }

    /// `cluster-node-timeout`.
    pub fn node_timeout(&self) -> Duration {
        self.options.node_timeout
    }

    /// The `requirepass` password, if one was set.
    pub fn password(&self) -> Option<&str> {
        self.options.password.as_deref()
    }

    /// `redis://127.0.0.1:PORT` of every node (`redis://:PASSWORD@...` with
    /// a password), alive or not, in start order.
    pub fn seeds(&self) -> Vec<String> {
        self.nodes
            .iter()
            .map(|n| match self.password() {
                Some(password) => format!("redis://:{password}@127.0.0.1:{}", n.port()),
                None => format!("redis://127.0.0.1:{}", n.port()),
            })
            .collect()
    }

    /// The ports of every node started, alive or killed, in start order.
    pub fn nodes(&self) -> Vec<u16> {
        self.nodes.iter().map(RedisServer::port).collect()
    }

    /// The ports of the nodes running now (not killed by [`kill9`](Self::kill9)).
    pub fn live_nodes(&self) -> Vec<u16> {
        self.nodes
            .iter()
            .filter(|n| n.pid().is_some())
            .map(RedisServer::port)
            .collect()
    }

    /// The live nodes that say they are primaries (`INFO replication`), by port.
    ///
    /// # Panics
    ///
    /// When a live node does not answer.
    pub fn primaries(&self) -> Vec<u16> {
        let mut ports: Vec<u16> = self
            .live_nodes()
            .into_iter()
            .filter(|&port| self.role(port) == Role::Primary)
            .collect();
        ports.sort_unstable();
        ports
    }

    /// The live nodes that say they are replicas, by port.
    pub fn replicas(&self) -> Vec<u16> {
        let mut ports: Vec<u16> = self
            .live_nodes()
            .into_iter()
            .filter(|&port| self.role(port) != Role::Primary)
            .collect();
        ports.sort_unstable();
        ports
    }

    /// The live replicas that name `primary` as their primary, by port.
    pub fn replicas_of(&self, primary: u16) -> Vec<u16> {
        let mut ports: Vec<u16> = self
            .live_nodes()
            .into_iter()
            .filter(|&port| {
                matches!(self.role(port), Role::Replica { primary_port: Some(p), .. } if p == primary)
            })
            .collect();
        ports.sort_unstable();
        ports
    }

    /// The primary port a live replica replicates from (`None` for a primary).
    pub fn primary_of(&self, port: u16) -> Option<u16> {
        match self.role(port) {
            Role::Primary => None,
            Role::Replica { primary_port, .. } => primary_port,
        }
    }

    /// The node on `port`.
    ///
    /// # Panics
    ///
    /// When no node of this cluster has that port.
    pub fn node(&self, port: u16) -> &RedisServer {
        self.nodes
            .iter()
            .find(|n| n.port() == port)
            .unwrap_or_else(|| panic!("no cluster node on port {port}: {:?}", self.nodes()))
    }

    fn node_mut(&mut self, port: u16) -> &mut RedisServer {
        let ports = self.nodes();
        self.nodes
            .iter_mut()
            .find(|n| n.port() == port)
            .unwrap_or_else(|| panic!("no cluster node on port {port}: {ports:?}"))
    }

    /// The node's cluster id (`CLUSTER MYID`; kept across restarts).
    pub fn node_id(&self, port: u16) -> String {
        let reply = self.raw(port, &["CLUSTER", "MYID"]);
        match parse_reply(&reply) {
            Ok(Reply::Bulk(Some(id))) => id,
            _ => panic!("CLUSTER MYID on {port} answered {reply:?}"),
        }
    }

    /// The slot map as the first live node's `CLUSTER SLOTS` says, sorted by
    /// first slot.
    pub fn slot_map(&self) -> Vec<SlotRange> {
        let port = self.any_live();
        self.try_slot_map(port)
            .unwrap_or_else(|e| panic!("CLUSTER SLOTS on {port}: {e}"))
    }

    /// The port of the primary that owns `slot`, from a live node's
    /// `CLUSTER SLOTS`.
    ///
    /// # Panics
    ///
    /// When no range covers the slot.
    pub fn primary_of_slot(&self, slot: u16) -> u16 {
        let map = self.slot_map();
        map.iter()
            .find(|range| range.contains(slot))
            .map(|range| range.primary)
            .unwrap_or_else(|| panic!("no primary serves slot {slot}: {map:?}"))
    }

    /// The hash slot of `key` as a live node computes it (`CLUSTER KEYSLOT`).
    pub fn slot_of(&self, key: &str) -> u16 {
        let port = self.any_live();
        let reply = self.raw(port, &["CLUSTER", "KEYSLOT", key]);
        match parse_reply(&reply) {
            Ok(Reply::Int(slot)) => u16::try_from(slot)
                .unwrap_or_else(|_| panic!("CLUSTER KEYSLOT answered slot {slot}")),
            _ => panic!("CLUSTER KEYSLOT {key:?} on {port} answered {reply:?}"),
        }
    }

    /// Sends one command to the node on `port` (authenticated when the
    /// cluster has a password) and returns the raw RESP reply, e.g.
    /// `"-MOVED 3999 127.0.0.1:20123\r\n"`.
    ///
    /// # Panics
    ///
    /// When the node cannot be reached.
    pub fn raw(&self, port: u16, args: &[&str]) -> String {
        self.node(port).raw_command(args)
    }

    /// Like [`raw`](Self::raw), returning connection errors (e.g. of a
    /// killed node).
    pub fn try_raw(&self, port: u16, args: &[&str]) -> io::Result<String> {
        self.node(port).try_raw_command(args)
    }

    /// Several commands in turn on one connection to `port`, their raw
    /// replies in order: e.g. `&[&["ASKING"], &["GET", key]]`.
    ///
    /// # Panics
    ///
    /// When the node cannot be reached or AUTH is refused.
    pub fn raw_session(&self, port: u16, commands: &[&[&str]]) -> Vec<String> {
        self.try_raw_session(port, commands).unwrap_or_else(|e| {
            panic!("raw commands {commands:?} to cluster node {port} failed: {e}")
        })
    }

    fn try_raw_session(&self, port: u16, commands: &[&[&str]]) -> io::Result<Vec<String>> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let stream = TcpStream::connect_timeout(&addr, RAW_TIMEOUT)?;
        stream.set_read_timeout(Some(RAW_TIMEOUT))?;
        stream.set_write_timeout(Some(RAW_TIMEOUT))?;
        stream.set_nodelay(true)?;
        let mut conn = RawConnection::new(stream);
        if let Some(password) = self.password() {
            let reply = conn.round_trip(&["AUTH", password])?;
            if reply != "+OK\r\n" {
                return Err(io::Error::other(format!("AUTH was refused: {reply:?}")));
            }
        }
        commands.iter().map(|args| conn.round_trip(args)).collect()
    }

    /// Kills the node on `port` with SIGKILL. Its dir (and `nodes.conf`)
    /// stays, so [`restart`](Self::restart) brings it back as the same node.
    /// When it was a primary, the slots it owned are remembered for
    /// [`wait_for_failover`](Self::wait_for_failover).
    ///
    /// # Panics
    ///
    /// When it is not running.
    pub fn kill9(&mut self, port: u16) {
        assert!(
            self.node(port).pid().is_some(),
            "cluster node {port} is not running: kill9 twice?"
        );
        let ranges: Vec<(u16, u16)> = if self.role(port) == Role::Primary {
            self.try_slot_map(port)
                .unwrap_or_else(|e| panic!("CLUSTER SLOTS on {port} before kill9: {e}"))
                .into_iter()
                .filter(|range| range.primary == port)
                .map(|range| (range.start, range.end))
                .collect()
        } else {
            Vec::new()
        };
        self.killed_ranges.insert(port, ranges);
        self.node_mut(port).kill();
    }

    /// Starts a node killed by [`kill9`](Self::kill9) again, on its port and
    /// with its `nodes.conf`, so it rejoins (its data is gone: persistence is
    /// off; a primary that was failed over comes back as a replica). Waits
    /// until it answers and the whole cluster is stable again.
    pub fn restart(&mut self, port: u16) {
        assert!(
            self.node(port).pid().is_none(),
            "cluster node {port} is running: kill9 it first"
        );
        self.node_mut(port).restart();
        self.killed_ranges.remove(&port);
        wait_ok(
            STABLE_DEADLINE,
            &format!("the cluster to be stable after restarting {port}"),
            || self.check_stable(),
        );
    }

    /// After [`kill9`](Self::kill9) of the primary on `of_port`: waits
    /// (up to 20 s) until another node owns its slots in the `CLUSTER SLOTS`
    /// of every live node, that node says it is a primary, and every live
    /// node reports `cluster_state:ok`. Returns the new primary's port.
    ///
    /// # Panics
    ///
    /// When `of_port` was not a primary killed by `kill9`, or on the deadline.
    pub fn wait_for_failover(&self, of_port: u16) -> u16 {
        let ranges = self.killed_ranges.get(&of_port).unwrap_or_else(|| {
            panic!("wait_for_failover({of_port}): that node was not killed with kill9")
        });
        let Some(&(first_slot, _)) = ranges.first() else {
            panic!("wait_for_failover({of_port}): it owned no slots when it was killed");
        };
        wait_ok(
            FAILOVER_DEADLINE,
            &format!("a replica of {of_port} to take over its slots"),
            || {
                let map = self.check_slots(false)?;
                let owner = map
                    .iter()
                    .find(|range| range.contains(first_slot))
                    .map(|range| range.primary)
                    .ok_or_else(|| format!("no range covers slot {first_slot}"))?;
                if owner == of_port {
                    return Err(format!("slot {first_slot} is still on {of_port}"));
                }
                if self.try_role(owner)? != Role::Primary {
                    return Err(format!("{owner} owns slot {first_slot} but is no primary"));
                }
                Ok(owner)
            },
        )
    }

    /// Waits (up to 30 s) until the cluster is stable: every live node says
    /// `cluster_state:ok`, `cluster_slots_assigned:16384` and knows every
    /// node; their `CLUSTER SLOTS` name the same primaries for the same
    /// ranges, all live; and every live replica has finished syncing
    /// (`master_link_status:up`).
    pub fn wait_until_stable(&self) {
        wait_ok(STABLE_DEADLINE, "the cluster to be stable", || {
            self.check_stable()
        });
    }

    /// Stops (`SIGSTOP`) the node's process until the returned guard is dropped
    /// (`SIGCONT`): it accepts connections (the kernel's backlog) and answers
    /// nothing, as a hung host does.
    ///
    /// # Panics
    ///
    /// When the node is not running or `kill -STOP` fails.
    pub fn pause(&self, port: u16) -> Paused {
        let pid = self
            .node(port)
            .pid()
            .unwrap_or_else(|| panic!("node {port} is not running"));
        let ok = Command::new("kill")
            .args(["-STOP", &pid.to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill -STOP {pid}");
        Paused(pid)
    }

    /// Waits until every node's `CLUSTER SLOTS` lists every replica. Redis lists a replica
    /// there only once its replication offset, gossiped over the cluster bus, is non-zero,
    /// and a client may ask any node for its map.
    pub fn wait_for_replicas_in_slot_maps(&self) {
        let nodes = self.nodes();
        wait_ok(
            STABLE_DEADLINE,
            "replicas in every node's CLUSTER SLOTS",
            || {
                for &port in &nodes {
                    let listed = self
                        .raw(port, &["CLUSTER", "SLOTS"])
                        .matches("127.0.0.1")
                        .count();
                    if listed != nodes.len() {
                        return Err(format!("{port} lists {listed} of {} nodes", nodes.len()));
                    }
                }
                Ok(())
            },
        );
    }

    /// Moves `slot` to the primary on `to_port` as `redis-cli --cluster
    /// reshard` does: IMPORTING on the target, MIGRATING on the source, keys
    /// in batches with MIGRATE until none is left, then `SETSLOT .. NODE` on
    /// the target, the source and every other live primary. Returns once
    /// every live node names the new owner.
    pub fn migrate_slot(&self, slot: u16, to_port: u16) {
        self.begin_migration(slot, to_port).finish();
    }

    /// Starts moving `slot` to the primary on `to_port` and stops there: the
    /// source answers `-ASK` for keys it no longer has, the target serves
    /// them after ASKING. Move keys with [`Migration::move_keys`], end with
    /// [`Migration::finish`]. A migration dropped unfinished leaves the slot
    /// half-moved (the cluster is usually dropped next anyway).
    ///
    /// # Panics
    ///
    /// When the slot is already on `to_port`, `to_port` is no live primary,
    /// or a node refuses `CLUSTER SETSLOT`.
    pub fn begin_migration(&self, slot: u16, to_port: u16) -> Migration<'_> {
        assert!(slot < SLOTS, "slot {slot} is out of range");
        let source = self.primary_of_slot(slot);
        assert_ne!(source, to_port, "slot {slot} is already on {to_port}");
        assert!(
            self.role(to_port) == Role::Primary,
            "cannot migrate slot {slot} to {to_port}: it is not a primary"
        );
        let source_id = self.node_id(source);
        let target_id = self.node_id(to_port);
        let slot_arg = slot.to_string();
        self.expect_ok(
            to_port,
            &["CLUSTER", "SETSLOT", &slot_arg, "IMPORTING", &source_id],
        );
        self.expect_ok(
            source,
            &["CLUSTER", "SETSLOT", &slot_arg, "MIGRATING", &target_id],
        );
        Migration {
            cluster: self,
            slot,
            source,
            target: to_port,
            target_id,
            moved: 0,
        }
    }

    /// Sends `args` to `port` and panics unless it answers `+OK`.
    fn expect_ok(&self, port: u16, args: &[&str]) {
        let reply = self.raw(port, args);
        assert!(
            reply == "+OK\r\n",
            "{args:?} on cluster node {port} answered {reply:?}"
        );
    }

    fn any_live(&self) -> u16 {
        *self
            .live_nodes()
            .first()
            .unwrap_or_else(|| panic!("every cluster node is killed"))
    }

    fn role(&self, port: u16) -> Role {
        self.try_role(port)
            .unwrap_or_else(|e| panic!("cluster node {port}: {e}"))
    }

    fn try_role(&self, port: u16) -> Result<Role, String> {
        let info = self
            .try_raw(port, &["INFO", "replication"])
            .map_err(|e| format!("{port} does not answer INFO: {e}"))?;
        match info_field(&info, "role") {
            Some("master" | "primary") => Ok(Role::Primary),
            Some("slave" | "replica") => Ok(Role::Replica {
                primary_port: info_field(&info, "master_port").and_then(|p| p.parse().ok()),
                synced: info_field(&info, "master_link_status") == Some("up")
                    && info_field(&info, "master_sync_in_progress") == Some("0"),
            }),
            _ => Err(format!("{port}: INFO replication has no role: {info:?}")),
        }
    }

    fn try_slot_map(&self, port: u16) -> Result<Vec<SlotRange>, String> {
        let reply = self
            .try_raw(port, &["CLUSTER", "SLOTS"])
            .map_err(|e| format!("{port} does not answer CLUSTER SLOTS: {e}"))?;
        parse_slot_map(&reply).map_err(|e| format!("CLUSTER SLOTS on {port}: {e}: {reply:?}"))
    }

    /// Every live node reports `cluster_state:ok`, all slots assigned, every
    /// node known, and the same primaries (all live) in `CLUSTER SLOTS`;
    /// with `replicas_synced`, every live replica is in sync too. Returns the
    /// agreed slot map; `Err` says what is not there yet.
    fn check_slots(&self, replicas_synced: bool) -> Result<Vec<SlotRange>, String> {
        let live = self.live_nodes();
        // The first node's answer: (port, primaries by range, whole map).
        let mut agreed: Option<(u16, Vec<Owner>, Vec<SlotRange>)> = None;
        for &port in &live {
            let info = self
                .try_raw(port, &["CLUSTER", "INFO"])
                .map_err(|e| format!("{port} does not answer CLUSTER INFO: {e}"))?;
            let state = info_field(&info, "cluster_state");
            if state != Some("ok") {
                return Err(format!("{port} says cluster_state:{state:?}"));
            }
            let assigned = info_field(&info, "cluster_slots_assigned");
            if assigned != Some("16384") {
                return Err(format!("{port} says cluster_slots_assigned:{assigned:?}"));
            }
            let known = info_field(&info, "cluster_known_nodes");
            if known != Some(self.nodes.len().to_string().as_str()) {
                return Err(format!(
                    "{port} says cluster_known_nodes:{known:?}, not {}",
                    self.nodes.len()
                ));
            }
            let map = self.try_slot_map(port)?;
            let primaries: Vec<Owner> = map.iter().map(|r| (r.start, r.end, r.primary)).collect();
            let covered: u32 = map
                .iter()
                .map(|r| u32::from(r.end) - u32::from(r.start) + 1)
                .sum();
            if covered != u32::from(SLOTS) {
                return Err(format!("{port}'s CLUSTER SLOTS covers {covered} slots"));
            }
            match &agreed {
                None => agreed = Some((port, primaries, map)),
                Some((first, theirs, _)) if *theirs != primaries => {
                    return Err(format!(
                        "{port} and {first} disagree on the primaries: {primaries:?} vs {theirs:?}"
                    ));
                }
                Some(_) => {}
            }
        }
        let Some((_, primaries, map)) = agreed else {
            return Err("every node is killed".to_owned());
        };
        for &(start, end, primary) in &primaries {
            if !live.contains(&primary) {
                return Err(format!("slots {start}-{end} are on killed node {primary}"));
            }
        }
        if replicas_synced {
            for &port in &live {
                match self.try_role(port)? {
                    Role::Primary => {}
                    Role::Replica {
                        primary_port,
                        synced,
                    } => {
                        if !synced {
                            return Err(format!(
                                "replica {port} of {primary_port:?} is not in sync yet"
                            ));
                        }
                        if !primary_port.is_some_and(|p| live.contains(&p)) {
                            return Err(format!(
                                "replica {port} follows {primary_port:?}, not a live node"
                            ));
                        }
                    }
                }
            }
        }
        Ok(map)
    }

    fn check_stable(&self) -> Result<(), String> {
        self.check_slots(true).map(|_| ())
    }
}

/// A slot held mid-migration; see [`Cluster::begin_migration`].
#[derive(Debug)]
#[must_use = "a migration left unfinished keeps the slot half-moved: call .finish()"]
pub struct Migration<'a> {
    cluster: &'a Cluster,
    slot: u16,
    source: u16,
    target: u16,
    target_id: String,
    moved: usize,
}

impl Migration<'_> {
    /// The slot being moved.
    pub fn slot(&self) -> u16 {
        self.slot
    }

    /// The port of the primary the slot comes from (MIGRATING).
    pub fn source(&self) -> u16 {
        self.source
    }

    /// The port of the primary the slot goes to (IMPORTING).
    pub fn target(&self) -> u16 {
        self.target
    }

    /// How many keys this migration has moved so far.
    pub fn moved(&self) -> usize {
        self.moved
    }

    /// How many keys of the slot the source still holds
    /// (`CLUSTER COUNTKEYSINSLOT`).
    pub fn keys_left(&self) -> usize {
        let slot = self.slot.to_string();
        let reply = self
            .cluster
            .raw(self.source, &["CLUSTER", "COUNTKEYSINSLOT", &slot]);
        match parse_reply(&reply) {
            Ok(Reply::Int(n)) => usize::try_from(n).unwrap_or(0),
            _ => panic!(
                "CLUSTER COUNTKEYSINSLOT on {} answered {reply:?}",
                self.source
            ),
        }
    }

    /// Moves up to `batch` keys from the source to the target with one
    /// MIGRATE; returns how many (0 once the source has none left).
    ///
    /// # Panics
    ///
    /// When MIGRATE fails (e.g. `-BUSYKEY`: the target has the key already,
    /// or `-IOERR`), with the reply and the keys.
    pub fn move_keys(&mut self, batch: usize) -> usize {
        assert!(batch > 0, "move_keys(0) would move nothing");
        let slot = self.slot.to_string();
        let count = batch.to_string();
        let reply = self
            .cluster
            .raw(self.source, &["CLUSTER", "GETKEYSINSLOT", &slot, &count]);
        let keys: Vec<String> = match parse_reply(&reply) {
            Ok(Reply::Array(Some(items))) => items
                .into_iter()
                .map(|item| match item {
                    Reply::Bulk(Some(key)) if !key.contains('\u{fffd}') => key,
                    other => panic!(
                        "CLUSTER GETKEYSINSLOT {slot} on {} gave {other:?}: the fixture moves \
                         UTF-8 keys only",
                        self.source
                    ),
                })
                .collect(),
            _ => panic!(
                "CLUSTER GETKEYSINSLOT {slot} on {} answered {reply:?}",
                self.source
            ),
        };
        if keys.is_empty() {
            return 0;
        }
        let target = self.target.to_string();
        let mut args: Vec<&str> =
            vec!["MIGRATE", "127.0.0.1", &target, "", "0", MIGRATE_TIMEOUT_MS];
        if let Some(password) = self.cluster.password() {
            args.extend(["AUTH", password]);
        }
        args.push("KEYS");
        args.extend(keys.iter().map(String::as_str));
        let reply = self.cluster.raw(self.source, &args);
        // NOKEY: every key expired or was deleted since GETKEYSINSLOT.
        assert!(
            reply == "+OK\r\n" || reply == "+NOKEY\r\n",
            "MIGRATE of {} keys of slot {slot} from {} to {target} answered {reply:?} \
             (keys: {keys:?})",
            keys.len(),
            self.source
        );
        self.moved += keys.len();
        keys.len()
    }

    /// Moves the one key `key` (of this slot) to the target now, leaving the
    /// rest where they are: the source then answers `ASK` for it, and a
    /// command naming it with a key not yet moved gets `TRYAGAIN`.
    ///
    /// # Panics
    ///
    /// When MIGRATE does not answer `OK`.
    pub fn move_key(&mut self, key: &str) {
        let target = self.target.to_string();
        let mut args: Vec<&str> = vec![
            "MIGRATE",
            "127.0.0.1",
            &target,
            key,
            "0",
            MIGRATE_TIMEOUT_MS,
        ];
        if let Some(password) = self.cluster.password() {
            args.extend(["AUTH", password]);
        }
        let reply = self.cluster.raw(self.source, &args);
        assert_eq!(
            reply, "+OK\r\n",
            "MIGRATE {key} from {} to {target}",
            self.source
        );
        self.moved += 1;
    }

    /// Moves every key left (again until `GETKEYSINSLOT` is empty, so keys
    /// written meanwhile go too), then `CLUSTER SETSLOT slot NODE target` on
    /// the target, the source and every other live primary, and waits until
    /// every live node's `CLUSTER SLOTS` names the target.
    pub fn finish(mut self) {
        let slot = self.slot.to_string();
        while self.move_keys(FINISH_BATCH) > 0 {}
        let target_id = self.target_id.clone();
        let node = ["CLUSTER", "SETSLOT", slot.as_str(), "NODE", &target_id];
        self.cluster.expect_ok(self.target, &node);
        // The source refuses while it holds keys of the slot; with the ASK
        // protocol none should arrive, but a writer that raced the last
        // GETKEYSINSLOT gets its key moved too.
        let mut attempts = 0;
        loop {
            let reply = self.cluster.raw(self.source, &node);
            if reply == "+OK\r\n" {
                break;
            }
            attempts += 1;
            assert!(
                attempts < 10 && reply.contains("keys"),
                "{node:?} on the source {} answered {reply:?}",
                self.source
            );
            while self.move_keys(FINISH_BATCH) > 0 {}
        }
        for port in self.cluster.primaries() {
            if port != self.source && port != self.target {
                self.cluster.expect_ok(port, &node);
            }
        }
        let (cluster, target, migrated) = (self.cluster, self.target, self.slot);
        wait_ok(
            SLOT_AGREE_DEADLINE,
            &format!("every node to see slot {migrated} on {target}"),
            || {
                for port in cluster.live_nodes() {
                    let map = cluster.try_slot_map(port)?;
                    let owner = map.iter().find(|r| r.contains(migrated)).map(|r| r.primary);
                    if owner != Some(target) {
                        return Err(format!("{port} says slot {migrated} is on {owner:?}"));
                    }
                }
                Ok(())
            },
        );
    }
}

/// Runs a cluster-creating `redis-cli` with a deadline; its output goes to
/// a log file in `log_dir`. `Err` carries what to tell the test author.
fn run_cli(bin: &Path, args: &[String], log_dir: &Path) -> Result<(), String> {
    let log_path = log_dir.join("cluster-create.log");
    let log = File::create(&log_path)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", log_path.display()));
    let log2 = log
        .try_clone()
        .unwrap_or_else(|e| panic!("cannot clone a file handle: {e}"));
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log2)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() < FORM_DEADLINE => {
                thread::sleep(Duration::from_millis(20));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Err(e) => panic!("cannot wait for {}: {e}", bin.display()),
        }
    };
    let output = fs::read_to_string(&log_path).unwrap_or_default();
    let shown: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .scan(false, |after_a, arg| {
            let masked = if *after_a { "***" } else { arg };
            *after_a = arg == "-a";
            Some(masked)
        })
        .collect();
    match status {
        Some(status) if status.success() && output.contains("All 16384 slots covered") => Ok(()),
        Some(status) => Err(format!(
            "{} {} exited with {status}:\n{output}",
            bin.display(),
            shown.join(" ")
        )),
        None => Err(format!(
            "{} {} did not finish within {FORM_DEADLINE:?}:\n{output}",
            bin.display(),
            shown.join(" ")
        )),
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH").unwrap_or_default();
    env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// The value of `name:value` in an INFO-style reply (raw RESP is fine).
fn info_field<'a>(info: &'a str, name: &str) -> Option<&'a str> {
    info.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
        .map(str::trim)
}

/// A RESP2 reply, decoded just enough for the fixture.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reply {
    Status(String),
    Error(String),
    Int(i64),
    Bulk(Option<String>),
    Array(Option<Vec<Reply>>),
}

/// Decodes one whole reply as [`RawConnection`] returns it.
fn parse_reply(text: &str) -> Result<Reply, String> {
    let (reply, end) = parse_at(text.as_bytes(), 0)?;
    if end != text.len() {
        return Err(format!("{} bytes after the reply", text.len() - end));
    }
    Ok(reply)
}

fn parse_at(buf: &[u8], pos: usize) -> Result<(Reply, usize), String> {
    let rest = buf.get(pos..).ok_or("reply ends early")?;
    let line_len = rest
        .windows(2)
        .position(|w| w == b"\r\n")
        .ok_or("a line without CRLF")?;
    let line = String::from_utf8_lossy(&rest[..line_len]);
    let after = pos + line_len + 2;
    let (kind, body) = line.split_at(line.chars().next().map_or(0, char::len_utf8));
    let number = || {
        body.parse::<i64>()
            .map_err(|e| format!("bad number in {line:?}: {e}"))
    };
    match kind {
        "+" => Ok((Reply::Status(body.to_owned()), after)),
        "-" => Ok((Reply::Error(body.to_owned()), after)),
        ":" => Ok((Reply::Int(number()?), after)),
        "$" => {
            let Ok(len) = usize::try_from(number()?) else {
                return Ok((Reply::Bulk(None), after));
            };
            let data = buf
                .get(after..after + len)
                .ok_or("bulk string ends early (non-UTF-8 bytes?)")?;
            Ok((
                Reply::Bulk(Some(String::from_utf8_lossy(data).into_owned())),
                after + len + 2,
            ))
        }
        "*" => {
            let Ok(count) = usize::try_from(number()?) else {
                return Ok((Reply::Array(None), after));
            };
            let mut items = Vec::with_capacity(count.min(1024));
            let mut end = after;
            for _ in 0..count {
                let (item, next) = parse_at(buf, end)?;
                items.push(item);
                end = next;
            }
            Ok((Reply::Array(Some(items)), end))
        }
        _ => Err(format!("unexpected reply line {line:?}")),
    }
}

/// `CLUSTER SLOTS` → ranges sorted by first slot.
fn parse_slot_map(reply: &str) -> Result<Vec<SlotRange>, String> {
    let Reply::Array(Some(ranges)) = parse_reply(reply)? else {
        return Err("not an array".to_owned());
    };
    let int = |reply: &Reply| match reply {
        Reply::Int(n) => u16::try_from(*n).map_err(|_| format!("{n} is no slot or port")),
        other => Err(format!("expected an integer, got {other:?}")),
    };
    // [ip, port, id, ...]
    let port_of = |node: &Reply| match node {
        Reply::Array(Some(fields)) if fields.len() >= 2 => int(&fields[1]),
        other => Err(format!("expected a node entry, got {other:?}")),
    };
    let mut map = Vec::with_capacity(ranges.len());
    for range in &ranges {
        let Reply::Array(Some(fields)) = range else {
            return Err(format!("expected a slot range, got {range:?}"));
        };
        if fields.len() < 3 {
            return Err(format!("slot range without a primary: {fields:?}"));
        }
        map.push(SlotRange {
            start: int(&fields[0])?,
            end: int(&fields[1])?,
            primary: port_of(&fields[2])?,
            replicas: fields[3..].iter().map(port_of).collect::<Result<_, _>>()?,
        });
    }
    map.sort_by_key(|range| range.start);
    Ok(map)
}

/// A node stopped by [`Cluster::pause`]; dropping it resumes the node.
pub struct Paused(u32);

impl Drop for Paused {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-CONT", &self.0.to_string()])
            .status();
    }
}
