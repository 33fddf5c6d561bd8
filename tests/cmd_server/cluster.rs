//! The cluster group (and `ROLE` on a replica) against servers in cluster mode: one node
//! serving every slot, then a primary with a replica.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::process::Command;

use redisync::{LinkDirection, NodeHealth, SlotMetric, SlotStatsQuery};

use super::*;

/// Whether the server binary under test is Redis 6.2, which has no `cluster-port` setting.
fn binary_is_6_2() -> bool {
    let bin = std::env::var_os("REDIS_SERVER_BIN").unwrap_or_else(|| "redis-server".into());
    let out = Command::new(bin).arg("--version").output().unwrap();
    String::from_utf8_lossy(&out.stdout).contains("v=6.")
}

/// A server in cluster mode and its cluster bus port.
///
/// Redis 7.0+ and Valkey get a bus port of their own (`cluster-port`); Redis 6.2 always uses
/// the client port + 10000, and refuses to start when that is past 65535, so there the start
/// is tried again (on another port) until the port fits.
fn cluster_node(extra: &[String]) -> (RedisServer, u16) {
    let old = binary_is_6_2();
    for attempt in 1.. {
        let bus = support::free_port();
        let mut b = RedisServer::builder()
            .config("cluster-enabled yes")
            .config("cluster-node-timeout 5000");
        if !old {
            b = b.config(&format!("cluster-port {bus}"));
        }
        for line in extra {
            b = b.config(line);
        }
        match catch_unwind(AssertUnwindSafe(|| b.start())) {
            Ok(server) => {
                let bus = if old { server.port() + 10000 } else { bus };
                return (server, bus);
            }
            Err(_) if old && attempt < 20 => {
                eprintln!("Redis 6.2 in cluster mode did not start (a port past 55535?): again");
            }
            Err(panic) => resume_unwind(panic),
        }
    }
    unreachable!()
}

/// Assigns every slot to `server` and waits until the cluster is `ok`.
fn serve_every_slot(server: &RedisServer) {
    let reply = if server.version() >= (7, 0, 0) {
        server.raw_command(&["CLUSTER", "ADDSLOTSRANGE", "0", "16383"])
    } else {
        let slots: Vec<String> = (0..16384).map(|s| s.to_string()).collect();
        let mut args = vec!["CLUSTER", "ADDSLOTS"];
        args.extend(slots.iter().map(String::as_str));
        server.raw_command(&args)
    };
    assert_eq!(reply, "+OK\r\n");
    wait_until(Duration::from_secs(30), "cluster_state:ok", || {
        server
            .raw_command(&["CLUSTER", "INFO"])
            .contains("cluster_state:ok")
    });
}

#[test]
fn cluster_commands_need_cluster_mode() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        assert_server_error(&c.cluster_info().unwrap_err(), "cluster support disabled");
        assert_server_error(&c.cluster_nodes().unwrap_err(), "cluster support disabled");
        assert_server_error(&c.cluster_slots().unwrap_err(), "cluster support disabled");
        c.ping().unwrap();
    }
}

#[test]
fn cluster_introspection_on_one_node() {
    let (server, _) = cluster_node(&[]);
    serve_every_slot(&server);
    let mut seen = Vec::new();
    for mut c in per_protocol(server.port()) {
        let info = c.cluster_info().unwrap();
        assert!(info.is_ok(), "{info:?}");
        assert_eq!(info.slots_assigned(), Some(16384));
        assert_eq!(info.slots_ok(), Some(16384));
        assert_eq!((info.known_nodes(), info.size()), (Some(1), Some(1)));
        assert!(info.current_epoch().is_some());
        let id = c.cluster_myid().unwrap();
        assert_eq!(id.len(), 40);
        let shard_id = c.cluster_myshardid();
        if seven_two(&server) {
            assert_eq!(shard_id.unwrap().len(), 40);
        } else {
            assert_server_error(&shard_id.unwrap_err(), "unknown subcommand");
        }
        // Slots of keys, hash tags and binary keys.
        assert_eq!(c.cluster_keyslot("foo").unwrap(), 12182);
        assert_eq!(
            c.cluster_keyslot("{user}:1").unwrap(),
            c.cluster_keyslot("user").unwrap()
        );
        let binary = b"k\r\n\xff".as_slice();
        let slot = c.cluster_keyslot(binary).unwrap();
        assert!(slot < 16384);
        c.flushall(None).unwrap();
        c.set("foo", "bar").unwrap();
        c.set(binary, "x").unwrap();
        assert_eq!(c.cluster_countkeysinslot(12182).unwrap(), 1);
        assert_eq!(c.cluster_countkeysinslot(0).unwrap(), 0);
        assert_eq!(
            c.cluster_getkeysinslot::<String>(12182, 10).unwrap(),
            ["foo"]
        );
        assert_eq!(
            c.cluster_getkeysinslot::<Vec<u8>>(slot, 10).unwrap(),
            [binary.to_vec()]
        );
        assert!(c.cluster_getkeysinslot::<String>(1, 10).unwrap().is_empty());
        assert_server_error(&c.cluster_countkeysinslot(16384).unwrap_err(), "slot");
        // One database in cluster mode (Valkey 9's `cluster-databases` is 1 by default).
        let why = if server.is_valkey() {
            "out of range"
        } else {
            "cluster mode"
        };
        assert_server_error(&c.select(1).unwrap_err(), why);
        assert_server_error(&c.swapdb(0, 1).unwrap_err(), "cluster mode");
        // NODES, SLOTS.
        let nodes = c.cluster_nodes().unwrap();
        assert_eq!(nodes.len(), 1);
        let me = &nodes[0];
        assert!(me.is_myself() && me.is_master() && !me.is_replica());
        assert_eq!((me.id.as_str(), me.port), (id.as_str(), server.port()));
        assert_eq!(
            (me.slots.as_slice(), me.master.as_deref()),
            (&[(0, 16383)][..], None)
        );
        assert!(me.connected && me.migrating.is_empty() && me.importing.is_empty());
        let slots = c.cluster_slots().unwrap();
        assert_eq!(slots.len(), 1);
        assert_eq!((slots[0].start, slots[0].end), (0, 16383));
        assert_eq!(
            (slots[0].master.id.as_str(), slots[0].master.port),
            (id.as_str(), server.port())
        );
        assert!(slots[0].replicas.is_empty());
        // SHARDS, LINKS: Redis 7.0+.
        let shards = c.cluster_shards();
        let links = c.cluster_links();
        let shards = if seven(&server) {
            let shards = shards.unwrap();
            assert_eq!(shards.len(), 1);
            assert_eq!(shards[0].slots, [(0, 16383)]);
            let n = &shards[0].nodes;
            assert_eq!(n.len(), 1);
            assert_eq!(
                (n[0].id.as_str(), n[0].port),
                (id.as_str(), Some(server.port()))
            );
            assert_eq!(n[0].health, NodeHealth::Online);
            assert!(n[0].is_master());
            assert_eq!(shards[0].id.is_some(), server.is_valkey());
            assert!(links.unwrap().is_empty());
            shards
        } else {
            assert_server_error(&shards.unwrap_err(), "unknown subcommand");
            assert_server_error(&links.unwrap_err(), "unknown subcommand");
            Vec::new()
        };
        // SLOT-STATS: Valkey 8.0+.
        let stats = c.cluster_slot_stats(SlotStatsQuery::range(12181, 12182));
        if server.is_valkey() {
            let stats = stats.unwrap();
            assert_eq!(stats.len(), 2);
            assert_eq!((stats[1].slot, stats[1].key_count), (12182, 1));
            assert_eq!(stats[1].cpu_usec, None, "cluster-slot-stats-enabled is off");
            let top = c
                .cluster_slot_stats(SlotStatsQuery::order_by(SlotMetric::KeyCount).limit(2))
                .unwrap();
            assert_eq!(top.len(), 2);
            assert_eq!(top[0].key_count, 1);
            assert_server_error(
                &c.cluster_slot_stats(SlotStatsQuery::order_by(SlotMetric::CpuUsec))
                    .unwrap_err(),
                "",
            );
        } else {
            assert_server_error(&stats.unwrap_err(), "unknown subcommand");
        }
        // Through a pipeline too.
        let (info, myid) = redisync::pipe()
            .cluster_info()
            .cluster_myid()
            .query(&mut c)
            .unwrap();
        assert!(info.is_ok() && myid == id);
        seen.push((nodes, slots, shards));
    }
    assert_eq!(seen[0], seen[1], "the same structs on RESP2 and RESP3");
}

#[test]
fn cluster_with_a_replica_and_role() {
    let (a, a_bus) = cluster_node(&[]);
    serve_every_slot(&a);
    let hostname = a.version() >= (7, 0, 0);
    let extra = if hostname {
        vec!["cluster-announce-hostname node-b".to_string()]
    } else {
        Vec::new()
    };
    let (b, _) = cluster_node(&extra);
    let a_bus = a_bus.to_string();
    let a_port = a.port().to_string();
    let mut meet = vec!["CLUSTER", "MEET", "127.0.0.1", a_port.as_str()];
    if a.version() >= (7, 0, 0) {
        meet.push(&a_bus);
    }
    assert_eq!(b.raw_command(&meet), "+OK\r\n");
    let mut on_a = connect(&a, Protocol::Resp3);
    let id_a = on_a.cluster_myid().unwrap();
    let mut on_b = connect(&b, Protocol::Resp3);
    let id_b = on_b.cluster_myid().unwrap();
    wait_until(Duration::from_secs(30), "B to know A", || {
        on_b.cluster_nodes()
            .unwrap()
            .iter()
            .any(|n| n.id == id_a && !n.has_flag("handshake") && n.connected)
    });
    assert_eq!(b.raw_command(&["CLUSTER", "REPLICATE", &id_a]), "+OK\r\n");
    wait_until(Duration::from_secs(30), "the replica to sync", || {
        matches!(on_b.role().unwrap(), Role::Replica { ref state, .. } if state == "connected")
            && on_a
                .cluster_nodes()
                .unwrap()
                .iter()
                .any(|n| n.id == id_b && n.is_replica() && n.master.as_deref() == Some(&id_a))
    });
    if seven(&a) {
        wait_until(
            Duration::from_secs(30),
            "both nodes online in SHARDS",
            || {
                on_a.cluster_shards().unwrap()[0]
                    .nodes
                    .iter()
                    .all(|n| n.health == NodeHealth::Online)
                    && on_a.cluster_shards().unwrap()[0].nodes.len() == 2
            },
        );
    }
    let mut seen = Vec::new();
    for mut c in per_protocol(a.port()) {
        // NODES: the replica names its primary.
        let mut nodes = c.cluster_nodes().unwrap();
        assert_eq!(nodes.len(), 2);
        let replica = nodes.iter().find(|n| n.id == id_b).unwrap();
        assert!(replica.is_replica() && !replica.is_myself());
        assert_eq!((replica.ip.as_str(), replica.port), ("127.0.0.1", b.port()));
        assert_eq!(replica.address, format!("127.0.0.1:{}", b.port()));
        assert!(replica.slots.is_empty());
        assert_eq!(replica.hostname.as_deref(), hostname.then_some("node-b"));
        let replicas = c.cluster_replicas(&id_a).unwrap();
        assert_eq!(replicas.len(), 1);
        assert_eq!(replicas[0].id, id_b);
        assert_eq!(c.cluster_slaves(&id_a).unwrap()[0].id, id_b);
        assert_server_error(&c.cluster_replicas(&id_b).unwrap_err(), "not a master");
        assert_server_error(
            &c.cluster_replicas("0".repeat(40)).unwrap_err(),
            "unknown node",
        );
        // SLOTS: the replica serves the range too.
        let slots = c.cluster_slots().unwrap();
        assert_eq!(slots[0].replicas.len(), 1);
        let r = &slots[0].replicas[0];
        assert_eq!((r.id.as_str(), r.port), (id_b.as_str(), b.port()));
        assert_eq!(r.hostname(), hostname.then_some("node-b"));
        // SHARDS and LINKS: Redis 7.0+.
        let (mut shards, mut links) = (Vec::new(), Vec::new());
        if seven(&a) {
            shards = c.cluster_shards().unwrap();
            let n = &shards[0].nodes;
            assert_eq!(n.len(), 2);
            let r = n.iter().find(|n| n.id == id_b).unwrap();
            assert_eq!((r.role.as_str(), r.port), ("replica", Some(b.port())));
            assert_eq!(r.hostname.as_deref(), Some("node-b"));
            assert!(!r.is_master());
            links = c.cluster_links().unwrap();
            assert_eq!(links.len(), 2, "{links:?}");
            assert!(links.iter().all(|l| l.node == id_b));
            assert!(links.iter().any(|l| l.direction == LinkDirection::To));
            assert!(links.iter().any(|l| l.direction == LinkDirection::From));
            assert!(links.iter().all(|l| l.create_time <= SystemTime::now()));
        } else {
            assert_server_error(&c.cluster_links().unwrap_err(), "unknown subcommand");
        }
        // ROLE on the primary lists the replica.
        match c.role().unwrap() {
            Role::Master { replicas, .. } => {
                assert_eq!(replicas.len(), 1);
                assert_eq!(
                    (replicas[0].host.as_str(), replicas[0].port),
                    ("127.0.0.1", b.port())
                );
            }
            other => panic!("{other:?}"),
        }
        // What changes on its own (ping times, offsets, buffers) aside, the same structs.
        for n in &mut nodes {
            (n.ping_sent, n.pong_received) = (0, 0);
        }
        nodes.sort_by(|x, y| x.id.cmp(&y.id));
        for s in &mut shards {
            for n in &mut s.nodes {
                n.replication_offset = 0;
            }
        }
        let links: Vec<_> = links
            .into_iter()
            .map(|l| (l.direction, l.node, l.create_time))
            .collect();
        seen.push((nodes, slots, shards, links));
    }
    assert_eq!(seen[0], seen[1], "the same structs on RESP2 and RESP3");
    // ROLE on the replica, on both protocols.
    let mut roles = Vec::new();
    for mut c in per_protocol(b.port()) {
        match c.role().unwrap() {
            Role::Replica {
                master_host,
                master_port,
                state,
                offset,
            } => {
                assert_eq!((master_host.as_str(), master_port), ("127.0.0.1", a.port()));
                assert_eq!(state, "connected");
                assert!(offset >= 0);
                roles.push((master_host, master_port, state));
            }
            other => panic!("{other:?}"),
        }
        // The replica's own view: its node is myself and a replica.
        let nodes = c.cluster_nodes().unwrap();
        let me = nodes.iter().find(|n| n.is_myself()).unwrap();
        assert!(me.is_replica() && me.master.as_deref() == Some(id_a.as_str()));
    }
    assert_eq!(roles[0], roles[1]);
}
