//! Tests of the Redis Cluster fixture (`tests/support/cluster.rs`) against
//! real servers: the cluster forms with every slot served, `kill -9` of a
//! primary is failed over within the node timeout plus a few seconds, a
//! restarted node rejoins, and slots move (whole, held half-way, and with a
//! writer adding keys meanwhile) with the redirects a client must follow.
//!
//! Like the fixture, these speak raw RESP only, never the client under test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use std::net::{Ipv4Addr, TcpListener};

use support::ports::{CLUSTER_BUS_OFFSET, free_cluster_port};
use support::{Cluster, SlotRange, wait_until};

/// A value no other call (in this run or another) makes.
fn unique(what: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{what}-{}-{nanos}-{n}", std::process::id())
}

/// `$len\r\nvalue\r\n`.
fn bulk(value: &str) -> String {
    format!("${}\r\n{value}\r\n", value.len())
}

fn integer(reply: &str) -> i64 {
    reply
        .strip_prefix(':')
        .and_then(|n| n.trim_end().parse().ok())
        .unwrap_or_else(|| panic!("not an integer reply: {reply:?}"))
}

fn count_keys_in_slot(cluster: &Cluster, port: u16, slot: u16) -> i64 {
    integer(&cluster.raw(port, &["CLUSTER", "COUNTKEYSINSLOT", &slot.to_string()]))
}

/// A primary other than `than`.
fn other_primary(cluster: &Cluster, than: u16) -> u16 {
    cluster
        .primaries()
        .into_iter()
        .find(|&p| p != than)
        .expect("a second primary")
}

#[test]
fn forms_three_primaries_with_a_replica_each_and_serves_every_slot() {
    let cluster = Cluster::start();
    eprintln!(
        "cluster of 6 formed in {:?} (node timeout {:?})",
        cluster.start_time(),
        cluster.node_timeout()
    );
    assert_eq!(cluster.node_timeout(), Duration::from_millis(1000));
    assert_eq!(cluster.nodes().len(), 6);
    assert_eq!(cluster.live_nodes(), cluster.nodes());

    let primaries = cluster.primaries();
    let replicas = cluster.replicas();
    assert_eq!(primaries.len(), 3, "primaries: {primaries:?}");
    assert_eq!(replicas.len(), 3, "replicas: {replicas:?}");
    for &primary in &primaries {
        let of = cluster.replicas_of(primary);
        assert_eq!(of.len(), 1, "replicas of {primary}: {of:?}");
        assert_eq!(cluster.primary_of(of[0]), Some(primary));
        assert_eq!(cluster.primary_of(primary), None);
    }

    // Every slot has exactly one live primary, and each primary serves some.
    let map: Vec<SlotRange> = cluster.slot_map();
    let mut next = 0u32;
    for range in &map {
        assert_eq!(u32::from(range.start), next, "a gap or overlap in {map:?}");
        assert!(primaries.contains(&range.primary), "{range:?}");
        next = u32::from(range.end) + 1;
    }
    assert_eq!(next, 16384, "slots not all covered: {map:?}");
    for &primary in &primaries {
        assert!(
            map.iter().any(|r| r.primary == primary),
            "{primary} serves nothing"
        );
    }
    for slot in [0, 5460, 5461, 10922, 10923, 16383] {
        let owner = cluster.primary_of_slot(slot);
        assert!(map.iter().any(|r| r.contains(slot) && r.primary == owner));
    }

    // The slot of a key is the same on every node, and is the one the owner
    // accepts: elsewhere the answer is MOVED to it.
    let key = unique("slot-key");
    let slot = cluster.slot_of(&key);
    assert_eq!(
        cluster.slot_of("foo"),
        12182,
        "the well-known slot of \"foo\""
    );
    assert_eq!(cluster.slot_of("{foo}bar"), 12182, "hash tags");
    for port in cluster.nodes() {
        let reply = cluster.raw(port, &["CLUSTER", "KEYSLOT", &key]);
        assert_eq!(reply, format!(":{slot}\r\n"), "node {port}");
    }
    let owner = cluster.primary_of_slot(slot);
    assert_eq!(cluster.raw(owner, &["SET", &key, "v"]), "+OK\r\n");
    for &primary in primaries.iter().filter(|&&p| p != owner) {
        assert_eq!(
            cluster.raw(primary, &["GET", &key]),
            format!("-MOVED {slot} 127.0.0.1:{owner}\r\n")
        );
    }

    let seeds = cluster.seeds();
    assert_eq!(seeds.len(), 6);
    for (seed, port) in seeds.iter().zip(cluster.nodes()) {
        assert_eq!(*seed, format!("redis://127.0.0.1:{port}"));
        assert_eq!(cluster.node(port).port(), port);
    }
}

#[test]
fn kill9_of_a_primary_is_failed_over_and_the_restarted_node_rejoins_as_replica() {
    let mut cluster = Cluster::start();
    let key = unique("failover-key");
    let value = unique("value");
    let slot = cluster.slot_of(&key);
    let old = cluster.primary_of_slot(slot);
    let replicas = cluster.replicas_of(old);
    assert_eq!(replicas.len(), 1);
    assert_eq!(cluster.raw(old, &["SET", &key, &value]), "+OK\r\n");
    // The write has reached the replica before the primary dies.
    assert_eq!(cluster.raw(old, &["WAIT", "1", "5000"]), ":1\r\n");

    let killed_at = Instant::now();
    cluster.kill9(old);
    assert!(
        cluster.try_raw(old, &["PING"]).is_err(),
        "{old} still answers"
    );
    assert!(!cluster.live_nodes().contains(&old));
    let new = cluster.wait_for_failover(old);
    let took = killed_at.elapsed();
    eprintln!(
        "failover of {old} to {new} took {took:?} (node timeout {:?}, {})",
        cluster.node_timeout(),
        cluster.node(new).describe_version()
    );
    assert_eq!(
        new, replicas[0],
        "the promoted node is the killed primary's replica"
    );
    assert!(
        took < cluster.node_timeout() + Duration::from_secs(6),
        "failover took {took:?}"
    );
    assert_eq!(cluster.primary_of_slot(slot), new);
    assert!(cluster.primaries().contains(&new));
    assert_eq!(cluster.raw(new, &["GET", &key]), bulk(&value));
    for port in cluster.live_nodes() {
        let info = cluster.raw(port, &["CLUSTER", "INFO"]);
        assert!(info.contains("cluster_state:ok"), "{port}: {info}");
    }

    let restarted_at = Instant::now();
    cluster.restart(old);
    eprintln!(
        "restart of {old} until stable took {:?}",
        restarted_at.elapsed()
    );
    assert_eq!(cluster.live_nodes().len(), 6);
    assert_eq!(
        cluster.primary_of(old),
        Some(new),
        "{old} rejoins as a replica"
    );
    assert_eq!(cluster.primaries().len(), 3);
    assert_eq!(cluster.replicas().len(), 3);
    // It synced the data from its old replica.
    assert_eq!(
        cluster.raw(old, &["GET", &key]),
        format!("-MOVED {slot} 127.0.0.1:{new}\r\n"),
        "a replica redirects without READONLY on the connection"
    );
    let replies = cluster.raw_session(old, &[&["READONLY"], &["GET", &key]]);
    assert_eq!(replies, ["+OK\r\n".to_owned(), bulk(&value)]);
}

#[test]
fn migrate_slot_moves_200_keys_and_the_old_owner_answers_moved() {
    let cluster = Cluster::start();
    let tag = unique("tag");
    let slot = cluster.slot_of(&format!("{{{tag}}}"));
    let source = cluster.primary_of_slot(slot);
    let target = other_primary(&cluster, source);
    let keys: Vec<String> = (0..200).map(|i| format!("{{{tag}}}:{i}")).collect();
    for key in &keys {
        assert_eq!(cluster.raw(source, &["SET", key, key]), "+OK\r\n");
    }
    assert_eq!(count_keys_in_slot(&cluster, source, slot), 200);

    let started = Instant::now();
    cluster.migrate_slot(slot, target);
    eprintln!("migrate_slot of 200 keys took {:?}", started.elapsed());

    assert_eq!(count_keys_in_slot(&cluster, target, slot), 200);
    assert_eq!(count_keys_in_slot(&cluster, source, slot), 0);
    assert_eq!(cluster.primary_of_slot(slot), target);
    for port in cluster.live_nodes() {
        let owner = cluster
            .node(port)
            .raw_command(&["CLUSTER", "SLOTS"])
            .contains(&format!(":{target}\r\n"));
        assert!(owner, "{port} does not list {target}");
    }
    assert_eq!(
        cluster.raw(source, &["GET", &keys[7]]),
        format!("-MOVED {slot} 127.0.0.1:{target}\r\n")
    );
    assert_eq!(cluster.raw(target, &["GET", &keys[7]]), bulk(&keys[7]));
    cluster.wait_until_stable();
}

#[test]
fn a_migration_held_open_makes_the_source_answer_ask_for_moved_keys() {
    let cluster = Cluster::start();
    let tag = unique("ask");
    let slot = cluster.slot_of(&format!("{{{tag}}}"));
    let source = cluster.primary_of_slot(slot);
    let target = other_primary(&cluster, source);
    let keys: Vec<String> = (0..3).map(|i| format!("{{{tag}}}:{i}")).collect();
    for key in &keys {
        assert_eq!(cluster.raw(source, &["SET", key, key]), "+OK\r\n");
    }

    let mut migration = cluster.begin_migration(slot, target);
    assert_eq!((migration.source(), migration.target()), (source, target));
    assert_eq!(migration.slot(), slot);
    assert_eq!(migration.move_keys(1), 1);
    assert_eq!(migration.keys_left(), 2);
    // The source serves the two keys it still has and sends the moved one
    // to the target with ASK.
    let ask = format!("-ASK {slot} 127.0.0.1:{target}\r\n");
    let replies: Vec<String> = keys
        .iter()
        .map(|k| cluster.raw(source, &["GET", k]))
        .collect();
    let asked: Vec<&String> = keys
        .iter()
        .zip(&replies)
        .filter(|(_, r)| **r == ask)
        .map(|(k, _)| k)
        .collect();
    assert_eq!(asked.len(), 1, "one key answers ASK: {replies:?}");
    let moved = asked[0];
    for (key, reply) in keys.iter().zip(&replies) {
        if key != moved {
            assert_eq!(*reply, bulk(key), "the source still serves {key}");
        }
    }
    let kept = keys.iter().find(|k| *k != moved).unwrap();
    // A new key in the slot is not on the source either: ASK.
    let fresh = format!("{{{tag}}}:fresh");
    assert_eq!(cluster.raw(source, &["SET", &fresh, "x"]), ask);
    assert_eq!(
        cluster.raw(target, &["GET", moved]),
        format!("-MOVED {slot} 127.0.0.1:{source}\r\n")
    );
    assert_eq!(
        cluster.raw_session(target, &[&["ASKING"], &["GET", moved]]),
        ["+OK\r\n".to_owned(), bulk(moved)]
    );
    assert_eq!(
        cluster.raw_session(target, &[&["ASKING"], &["SET", &fresh, "x"]]),
        ["+OK\r\n".to_owned(), "+OK\r\n".to_owned()]
    );
    // Still the source's slot for everyone.
    assert_eq!(cluster.primary_of_slot(slot), source);

    migration.finish();
    assert_eq!(count_keys_in_slot(&cluster, target, slot), 4);
    assert_eq!(
        cluster.raw(source, &["GET", kept]),
        format!("-MOVED {slot} 127.0.0.1:{target}\r\n")
    );
    assert_eq!(cluster.raw(target, &["GET", &fresh]), bulk("x"));
}

/// Writes keys of `slot` into the cluster as a client does (following MOVED
/// and ASK) until `stop`; returns the keys written and how many were ASKed.
fn write_until(
    cluster: &Cluster,
    tag: &str,
    start_port: u16,
    stop: &AtomicBool,
    asked: &AtomicUsize,
    done: &AtomicUsize,
) -> Vec<String> {
    let mut owner = start_port;
    let mut written = Vec::new();
    for i in 0.. {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let key = format!("{{{tag}}}:w{i}");
        let mut redirects = 0;
        loop {
            let reply = cluster.raw(owner, &["SET", &key, &key]);
            if reply == "+OK\r\n" {
                break;
            }
            redirects += 1;
            assert!(redirects < 5, "SET {key} keeps being redirected: {reply:?}");
            let port = |rest: &str| -> u16 {
                rest.trim_end()
                    .rsplit(':')
                    .next()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or_else(|| panic!("bad redirect {reply:?}"))
            };
            if let Some(rest) = reply.strip_prefix("-ASK ") {
                let replies = cluster.raw_session(port(rest), &[&["ASKING"], &["SET", &key, &key]]);
                assert_eq!(replies, ["+OK\r\n", "+OK\r\n"], "ASKING SET {key}");
                asked.fetch_add(1, Ordering::Relaxed);
                break;
            } else if let Some(rest) = reply.strip_prefix("-MOVED ") {
                owner = port(rest);
            } else {
                panic!("SET {key} on {owner}: {reply:?}");
            }
        }
        written.push(key);
        done.fetch_add(1, Ordering::Relaxed);
    }
    written
}

#[test]
fn a_migration_finishes_while_a_writer_adds_keys_to_the_slot() {
    let cluster = Cluster::start();
    let tag = unique("busy");
    let slot = cluster.slot_of(&format!("{{{tag}}}"));
    let source = cluster.primary_of_slot(slot);
    let target = other_primary(&cluster, source);
    for i in 0..200 {
        let key = format!("{{{tag}}}:{i}");
        assert_eq!(cluster.raw(source, &["SET", &key, &key]), "+OK\r\n");
    }
    let stop = AtomicBool::new(false);
    let asked = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let written = std::thread::scope(|scope| {
        let writer = scope.spawn(|| write_until(&cluster, &tag, source, &stop, &asked, &done));
        let mut migration = cluster.begin_migration(slot, target);
        while migration.move_keys(5) > 0 {
            // Interleave: the writer gets ASKed while keys are still moving.
        }
        wait_until(
            Duration::from_secs(10),
            "20 writes redirected with ASK",
            || asked.load(Ordering::Relaxed) >= 20,
        );
        migration.finish();
        // A few writes after the slot moved: those follow MOVED.
        let after = done.load(Ordering::Relaxed);
        wait_until(
            Duration::from_secs(10),
            "5 more writes after finish",
            || done.load(Ordering::Relaxed) >= after + 5 || writer.is_finished(),
        );
        stop.store(true, Ordering::Relaxed);
        writer.join().unwrap()
    });
    eprintln!(
        "writer wrote {} keys, {} of them after an ASK",
        written.len(),
        asked.load(Ordering::Relaxed)
    );
    let total = i64::try_from(200 + written.len()).unwrap();
    assert_eq!(count_keys_in_slot(&cluster, target, slot), total);
    assert_eq!(count_keys_in_slot(&cluster, source, slot), 0);
    for key in &written {
        assert_eq!(cluster.raw(target, &["GET", key]), bulk(key));
    }
}

#[test]
fn a_password_cluster_authenticates_replication_redis_cli_and_migrate() {
    let password = unique("pw");
    let cluster = Cluster::builder()
        .requirepass(&password)
        .node_timeout(Duration::from_millis(1500))
        .config("maxmemory-policy noeviction")
        .start();
    assert_eq!(cluster.node_timeout(), Duration::from_millis(1500));
    assert_eq!(cluster.password(), Some(password.as_str()));
    for (seed, port) in cluster.seeds().iter().zip(cluster.nodes()) {
        assert_eq!(*seed, format!("redis://:{password}@127.0.0.1:{port}"));
        let refused = cluster.node(port).raw_command_noauth(&["GET", "x"]);
        assert!(refused.starts_with("-NOAUTH"), "{port}: {refused:?}");
        let timeout = cluster.raw(port, &["CONFIG", "GET", "cluster-node-timeout"]);
        assert!(timeout.contains("1500"), "{port}: {timeout:?}");
        let policy = cluster.raw(port, &["CONFIG", "GET", "maxmemory-policy"]);
        assert!(policy.contains("noeviction"), "{port}: {policy:?}");
    }
    // Replicas synced with masterauth (the cluster is stable), and MIGRATE
    // authenticates to the target.
    assert_eq!(cluster.replicas().len(), 3);
    let tag = unique("auth");
    let slot = cluster.slot_of(&format!("{{{tag}}}"));
    let source = cluster.primary_of_slot(slot);
    let target = other_primary(&cluster, source);
    for i in 0..10 {
        let key = format!("{{{tag}}}:{i}");
        assert_eq!(cluster.raw(source, &["SET", &key, "v"]), "+OK\r\n");
    }
    cluster.migrate_slot(slot, target);
    assert_eq!(count_keys_in_slot(&cluster, target, slot), 10);
}

#[test]
fn cluster_ports_leave_the_bus_port_free_below_the_ephemeral_range() {
    let ports: Vec<u16> = (0..20).map(|_| free_cluster_port()).collect();
    for (i, &port) in ports.iter().enumerate() {
        assert!(!ports[..i].contains(&port), "{port} handed out twice");
        let bus = port + CLUSTER_BUS_OFFSET;
        assert!(bus < 32768, "bus port {bus} is in the ephemeral range");
        assert!(
            !ports.contains(&bus),
            "{bus} is both a client and a bus port"
        );
        // Both can be bound (nothing else of ours took them).
        let _client = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).unwrap();
        let _bus = TcpListener::bind((Ipv4Addr::LOCALHOST, bus)).unwrap();
    }
}

#[test]
fn four_primaries_without_replicas() {
    let cluster = Cluster::builder().primaries(4).replicas(0).start();
    assert_eq!(cluster.nodes().len(), 4);
    assert_eq!(cluster.primaries().len(), 4);
    assert!(cluster.replicas().is_empty());
    let map = cluster.slot_map();
    let mut owners: Vec<u16> = map.iter().map(|r| r.primary).collect();
    owners.sort_unstable();
    owners.dedup();
    assert_eq!(owners, cluster.primaries());
    assert!(map.iter().all(|r| r.replicas.is_empty()), "{map:?}");
}
