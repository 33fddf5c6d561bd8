//! A second hostile review's cases: replies that must reach the right caller, pools that
//! must not multiply, secrets that must not show, against a real cluster or scripted nodes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use redisync::cluster::{ClusterClient, slot};
use redisync::prelude::*;
use redisync::{Client, Protocol, cmd, pipe};
use support::Cluster;
use support::fake::{FakeServer, Step};
use support::unique;

/// Tests of this file one at a time: one of them counts the process's threads.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The handshake of a RESP2 connection with default settings.
fn handshake() -> Vec<Step> {
    vec![
        Step::expect_prefix(&["CLIENT", "SETINFO"]),
        Step::reply("+OK\r\n"),
        Step::expect_prefix(&["CLIENT", "SETINFO"]),
        Step::reply("+OK\r\n"),
    ]
}

/// A scripted seed's refresh connection: a Redis 7.0 whose `CLUSTER SLOTS` gives every slot
/// to `127.0.0.1:port`.
fn slots_all_on(port: u16) -> Vec<Step> {
    let info = "redis_version:7.0.15\r\n";
    let mut s = handshake();
    s.extend([
        Step::expect("INFO"),
        Step::reply(format!("${}\r\n{info}\r\n", info.len())),
        Step::expect("CLUSTER"),
        Step::reply(format!(
            "*1\r\n*3\r\n:0\r\n:16383\r\n*2\r\n$9\r\n127.0.0.1\r\n:{port}\r\n"
        )),
    ]);
    s
}

#[test]
fn a_pipelined_command_for_every_shard_reaches_every_shard() {
    let _serial = serial();
    let cluster = Cluster::builder().replicas(0).start();
    let c = ClusterClient::open(&cluster.seeds()).unwrap();
    let run = unique("fanpipe");
    // Keys on every primary.
    let mut on = std::collections::BTreeSet::new();
    let mut i = 0;
    while on.len() < cluster.primaries().len() || i < 30 {
        let key = format!("{run}:{i}");
        on.insert(cluster.primary_of_slot(slot(key.as_bytes())));
        c.set(&key, i).unwrap();
        i += 1;
    }
    let alone: u64 = c.dbsize().unwrap();
    assert!(alone >= i, "{alone} < {i}");
    // The same command in a pipeline: the sum over every primary, not one primary's count.
    let key = format!("{run}:0");
    let (n, v): (u64, i64) = pipe()
        .cmd(&cmd("DBSIZE"))
        .cmd(&cmd("GET").arg(&key))
        .query(&c)
        .unwrap();
    assert_eq!(n, alone, "DBSIZE in a pipeline");
    assert_eq!(v, 0);
    // And a write for every shard: FLUSHALL in a pipeline empties every primary.
    let ((), ()): ((), ()) = pipe()
        .cmd(&cmd("FLUSHALL"))
        .cmd(&cmd("SET").arg(&key).arg(7))
        .query(&c)
        .unwrap();
    let left: u64 = c.dbsize().unwrap();
    assert_eq!(left, 1, "only the key set after FLUSHALL is left");
}

#[test]
fn ask_redirects_to_a_node_the_map_lacks_share_one_pool() {
    let _serial = serial();
    // The node a slot is migrating to is not in the map until it serves a slot (a node
    // just added to the cluster): every ASK goes there.
    let target = FakeServer::start({
        let mut first = handshake();
        for i in 0..3 {
            first.extend([
                Step::expect("ASKING"),
                Step::reply("+OK\r\n"),
                Step::expect("GET"),
                Step::reply(format!("$1\r\n{i}\r\n")),
            ]);
        }
        let mut again = handshake();
        again.extend([
            Step::expect("ASKING"),
            Step::reply("+OK\r\n"),
            Step::expect("GET"),
            Step::reply("$1\r\nx\r\n"),
        ]);
        vec![first, again.clone(), again]
    });
    let key = unique("ask");
    let s = slot(key.as_bytes());
    // The slot's owner (in the map): its pool's connection answers ASK to each GET.
    let ask = format!("-ASK {s} 127.0.0.1:{}\r\n", target.port());
    let mut pool = handshake();
    for _ in 0..3 {
        pool.extend([Step::expect("GET"), Step::reply(ask.clone())]);
    }
    let source = FakeServer::start(vec![pool]);
    // The seed: only gives the map.
    let seed = FakeServer::start(vec![slots_all_on(source.port())]);
    let c = ClusterClient::builder()
        .seed(&seed.url())
        .node_settings(Client::builder().protocol(Protocol::Resp2))
        .refresh_interval(None)
        .build()
        .unwrap();
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(c.get::<String>(&key).unwrap().unwrap());
    }
    assert_eq!(
        got,
        ["0", "1", "2"],
        "each ASK on one connection to the target"
    );
    assert_eq!(target.connections(), 1, "one pool for the target");
    assert_eq!(c.stats().ask, 3);
}

/// `total_connections_received` of the node on `port` (the connection asking counts too).
fn connections_received(cluster: &Cluster, port: u16) -> u64 {
    let info = cluster.raw(port, &["INFO", "stats"]);
    info.lines()
        .find_map(|l| l.strip_prefix("total_connections_received:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap()
}

#[test]
fn commands_sent_after_asking_keep_their_connection() {
    let _serial = serial();
    let cluster = Cluster::builder().replicas(0).start();
    let c = ClusterClient::open(&cluster.seeds()).unwrap();
    let tag = unique("asking");
    let key = format!("{{{tag}}}:a");
    c.set(&key, 1).unwrap();
    c.set(format!("{{{tag}}}:b"), 0).unwrap();
    let s = slot(key.as_bytes());
    let from = cluster.primary_of_slot(s);
    let to = *cluster.primaries().iter().find(|&&p| p != from).unwrap();
    let mut migration = cluster.begin_migration(s, to);
    while migration.move_keys(10) > 0 {}
    // Every command for the key is now an ASK to `to`, with ASKING on the same connection.
    let before = connections_received(&cluster, to);
    for i in 0..20 {
        let n: i64 = c.incr(&key).unwrap();
        assert_eq!(n, 2 + i);
    }
    // A transaction follows the ASK too: ASKING, then MULTI ... EXEC.
    for i in 0..5 {
        let (n, m): (i64, i64) = pipe()
            .atomic()
            .incr(&key)
            .incr(format!("{{{tag}}}:b"))
            .query(&c)
            .unwrap();
        assert_eq!((n, m), (22 + i, 1 + i));
    }
    let opened = connections_received(&cluster, to) - before - 1;
    assert!(c.stats().ask >= 25, "{:?}", c.stats());
    assert!(
        opened <= 2,
        "{opened} connections opened for 25 ASKed calls"
    );
    migration.finish();
}

#[test]
fn seed_passwords_stay_out_of_errors_and_debug_output() {
    let _serial = serial();
    let secret = "hunter2sekrit";
    let bad = [
        format!("redis://:{secret}@127.0.0.1:notaport"),
        format!("redis://:{secret}@127.0.0.1:99999"),
        format!("redis://user:{secret}@127.0.0.1:7000/2"),
        format!("redis://user:{secret}@127.0.0.1:7000/x"),
        format!("redis://user:{secret}@/tmp/x"),
        format!("unix://user:{secret}@/tmp/x.sock"),
        format!("rediss://user:{secret}@[::1"),
        format!("redis://user:{secret}@127.0.0.1:7000?protocol=9"),
        format!("redis://user:{secret}@127.0.0.1:7000?bogus=1"),
        format!("redis://user:{secret}@127.0.0.1:7000?timeout=-1"),
        format!("http://user:{secret}@127.0.0.1:7000"),
        format!("redis://user%:{secret}@127.0.0.1:7000"),
        format!("redis://user:{secret}%@127.0.0.1:7000"),
    ];
    for url in &bad {
        let builder = ClusterClient::builder().seed(url);
        assert!(!format!("{builder:?}").contains(secret), "{builder:?}");
        match builder.build() {
            Ok(c) => assert!(!format!("{c:?}").contains(secret)),
            Err(e) => {
                let shown = format!("{e} {e:?}");
                assert!(!shown.contains(secret), "{url}: {shown}");
            }
        }
    }
    // A good URL to a node that is not there: the refresh's error names the node only.
    let port = support::ports::unused_port();
    let c = ClusterClient::builder()
        .seed(&format!("redis://user:{secret}@127.0.0.1:{port}"))
        .node_settings(Client::builder().password(secret))
        .refresh_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let e = c.get::<String>("k").unwrap_err();
    let shown = format!("{e} {e:?} {c:?}");
    assert!(!shown.contains(secret), "{shown}");
    let b = ClusterClient::builder().node_settings(
        Client::builder()
            .password(secret)
            .url(&format!("redis://:{secret}@h:1")),
    );
    assert!(!format!("{b:?}").contains(secret), "{b:?}");
}

/// The threads of this process the crate started (their names begin `redisync-`).
fn crate_threads() -> Vec<String> {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("comm")).ok())
        .map(|n| n.trim().to_string())
        .filter(|n| n.starts_with("redisync-"))
        .collect()
}

#[test]
fn a_dropped_cluster_client_leaves_no_thread_behind() {
    let _serial = serial();
    let cluster = Cluster::builder().replicas(0).start();
    let baseline = crate_threads().len();
    {
        let c = ClusterClient::builder()
            .seeds(&cluster.seeds())
            .node_settings(
                Client::builder()
                    .cache(redisync::CacheConfig::new())
                    .min_idle(1),
            )
            .build()
            .unwrap();
        let run = unique("threads");
        for i in 0..30 {
            let key = format!("{run}:{i}");
            c.set(&key, i).unwrap();
            assert_eq!(c.get::<i64>(&key).unwrap(), Some(i));
        }
        // A slot moves: a MOVED, a refresh, a node's cache flushed.
        let key = format!("{run}:0");
        let s = slot(key.as_bytes());
        let from = cluster.primary_of_slot(s);
        let to = *cluster.primaries().iter().find(|&&p| p != from).unwrap();
        cluster.migrate_slot(s, to);
        assert_eq!(c.get::<i64>(&key).unwrap(), Some(0));
        let mut sub = c.sharded_subscriber();
        if cluster.node(from).version() >= (7, 0, 0) {
            sub.ssubscribe(format!("{run}:ch")).unwrap();
            let _ = sub.next_message(Duration::from_millis(20)).unwrap();
        }
        assert!(crate_threads().len() > baseline, "{:?}", crate_threads());
        drop(sub);
        drop(c);
    }
    support::wait::wait_until(Duration::from_secs(10), "the crate's threads end", || {
        crate_threads().len() <= baseline
    });
}

#[test]
fn a_write_whose_connection_dropped_is_not_sent_again() {
    let _serial = serial();
    // A node that reads one command of each connection and hangs up without a reply.
    let node = {
        let mut s = handshake();
        s.extend([Step::expect_any(), Step::Close]);
        FakeServer::repeating(s)
    };
    let seed = FakeServer::repeating(slots_all_on(node.port()));
    let c = ClusterClient::builder()
        .seed(&seed.url())
        .node_settings(Client::builder().protocol(Protocol::Resp2))
        .refresh_interval(None)
        .build()
        .unwrap();
    let incrs = || {
        node.commands()
            .iter()
            .filter(|c| c.first().is_some_and(|n| n.eq_ignore_ascii_case(b"INCR")))
            .count()
    };
    let key = unique("once");
    let e = c.incr(&key).unwrap_err();
    println!("INCR alone: {e}");
    assert_eq!(incrs(), 1, "{:?}", node.command_names());
    let e = pipe()
        .incr(&key)
        .get::<i64>(format!("{key}:b"))
        .query(&c)
        .unwrap_err();
    println!("INCR in a pipeline: {e}");
    assert_eq!(incrs(), 2, "{:?}", node.command_names());
    // An atomic pipeline, too.
    let e = pipe().atomic().incr(&key).query(&c).unwrap_err();
    println!("INCR in a transaction: {e}");
    let multis = node
        .command_names()
        .iter()
        .filter(|n| n.eq_ignore_ascii_case("MULTI"))
        .count();
    assert_eq!(multis, 1, "{:?}", node.command_names());
    assert_eq!(c.stats().retries, 0, "{:?}", c.stats());
}

#[test]
fn read_only_scripts_run_on_replicas() {
    let _serial = serial();
    let cluster = Cluster::start();
    if cluster.node(cluster.primaries()[0]).version() < (7, 0, 0) {
        return; // no EVALSHA_RO before 7.0
    }
    // Redis lists a replica in CLUSTER SLOTS once its offset is known: wait for every one.
    support::wait::wait_until(
        Duration::from_secs(20),
        "replicas in every CLUSTER SLOTS",
        || {
            cluster.nodes().iter().all(|&port| {
                cluster
                    .raw(port, &["CLUSTER", "SLOTS"])
                    .matches("127.0.0.1")
                    .count()
                    == 6
            })
        },
    );
    let c = ClusterClient::builder()
        .seeds(&cluster.seeds())
        .read_from(redisync::cluster::ReadFrom::ReplicaPreferred)
        .build()
        .unwrap();
    let run = unique("roscript");
    // A script no node has seen yet: the first EVALSHA_RO meets NOSCRIPT on a replica.
    let script = redisync::Script::new(&format!("return redis.call('GET', KEYS[1]) -- {run}"));
    for i in 0..10 {
        let key = format!("{run}:{i}");
        c.set(&key, i).unwrap();
        // The replica may lag behind the write: wait for it, through the script itself.
        let got: Option<i64> = support::wait::wait_ok(Duration::from_secs(5), "the read", || {
            match script.key(&key).invoke_ro::<Option<i64>>(&c) {
                Ok(Some(v)) => Ok(Some(v)),
                Ok(None) => Err("not replicated yet".into()),
                Err(e) => panic!("EVALSHA_RO on a replica: {e}"),
            }
        });
        assert_eq!(got, Some(i));
    }
    let on_replicas: u64 = cluster
        .replicas()
        .iter()
        .map(|&p| {
            let stats = cluster.raw(p, &["INFO", "commandstats"]);
            stats
                .lines()
                .find_map(|l| l.strip_prefix("cmdstat_evalsha_ro:calls="))
                .and_then(|v| v.split(',').next())
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        })
        .sum();
    assert!(
        on_replicas >= 10,
        "{on_replicas} EVALSHA_RO ran on replicas"
    );
}

#[test]
fn odd_key_counts_and_empty_keys_are_errors_or_replies_never_panics() {
    let _serial = serial();
    let cluster = Cluster::builder().replicas(0).start();
    let c = ClusterClient::open(&cluster.seeds()).unwrap();
    let cases: &[&[&str]] = &[
        &["EVAL", "return 1", "-1"],
        &["EVAL", "return 1", "99999999999999999999"],
        &["EVAL", "return 1", "3", "a"],
        &["EVAL", "return 1", "x", "a"],
        &["EVALSHA_RO", "0000", "18446744073709551615", "a"],
        &["FCALL", "f", "-5"],
        &["ZUNIONSTORE", "d", "5", "a"],
        &["ZUNIONSTORE", "d", "-1", "a", "b"],
        &["XREAD", "STREAMS", "a", "b", "c"],
        &["XREAD", "STREAMS"],
        &["XREADGROUP", "GROUP", "g", "c", "STREAMS", "a"],
        &["MIGRATE", "127.0.0.1", "1", "", "0", "10", "KEYS"],
        &["SORT", "a", "BY", "x", "GET", "#", "STORE"],
        &["LMPOP", "9", "a", "LEFT"],
        &["BLMPOP", "0.01", "-3", "a", "LEFT"],
        &["SINTERCARD", "0"],
        &["MSET", "a"],
        &["MSET", "a", "1", "b"],
        &["MGET"],
        &["DEL"],
        &["GET", ""],
        &["MGET", "", "a", ""],
        &["SPUBLISH"],
        &["SPUBLISH", ""],
        &["OBJECT", "ENCODING"],
        &["MEMORY", "USAGE"],
        &["GEORADIUS", "g", "0", "0", "1", "km", "STORE"],
        &["CLUSTER", "KEYSLOT"],
        &[""],
        &["{"],
    ];
    for args in cases {
        let mut command = cmd(args[0]);
        for a in &args[1..] {
            command = command.arg(*a);
        }
        let got: redisync::Result<redisync::Value> = command.query(&c);
        println!("{args:?}: {got:?}");
        let mut p = redisync::Pipeline::new();
        p.add(&command).add(&cmd("ECHO").arg("after"));
        let piped: redisync::Result<Vec<redisync::Value>> = p.query(&c);
        println!("  in a pipeline: {piped:?}");
    }
    // Still answering.
    let key = unique("odd");
    c.set(&key, 1).unwrap();
    assert_eq!(c.get::<i64>(&key).unwrap(), Some(1));
}

#[test]
fn a_pipelined_wait_still_counts_its_write_after_the_write_was_redirected() {
    let _serial = serial();
    let cluster = Cluster::start();
    let c = ClusterClient::open(&cluster.seeds()).unwrap();
    let key = unique("waitmoved");
    c.set(&key, 0).unwrap();
    let s = slot(key.as_bytes());
    let from = cluster.primary_of_slot(s);
    let to = *cluster.primaries().iter().find(|&&p| p != from).unwrap();
    // The client's map still names `from`; the slot is on `to` now, whose replica hangs:
    // no replica can acknowledge a write to the key.
    cluster.migrate_slot(s, to);
    let _hung = cluster.pause(cluster.replicas_of(to)[0]);
    let ((), acked): ((), i64) = pipe()
        .set(&key, 1)
        .cmd::<i64>(&cmd("WAIT").arg(1).arg(300))
        .query(&c)
        .unwrap();
    assert!(c.stats().moved >= 1, "{:?}", c.stats());
    assert_eq!(
        acked, 0,
        "WAIT counted a replica that cannot have the write"
    );
    assert_eq!(c.get::<i64>(&key).unwrap(), Some(1));
}

#[test]
fn a_classic_subscriber_moves_to_another_node_when_its_node_dies() {
    let _serial = serial();
    let mut cluster = Cluster::builder()
        .node_timeout(Duration::from_millis(1000))
        .start();
    let c = ClusterClient::open(&cluster.seeds()).unwrap();
    let channel = unique("classic");
    let mut sub = c.subscriber().unwrap();
    sub.subscribe(&channel).unwrap();
    let on = match sub.address() {
        redisync::Address::Tcp { port, .. } => *port,
        other => panic!("{other:?}"),
    };
    let _: i64 = cmd("PUBLISH")
        .arg(&channel)
        .arg("before")
        .query(&c)
        .unwrap();
    let m = sub.next_message(Duration::from_secs(5)).unwrap().unwrap();
    assert_eq!(m.payload_str(), Some("before"));
    // Its node dies for good (its replica takes over): the cluster still delivers PUBLISH
    // on every other node.
    cluster.kill9(on);
    cluster.wait_for_failover(on);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut last = String::new();
    loop {
        assert!(
            std::time::Instant::now() < deadline,
            "no message after the subscriber's node died: {last} ({sub:?})"
        );
        // PUBLISH may meet the dead node too until the map has moved on.
        let _ = cmd("PUBLISH").arg(&channel).arg("after").query::<i64>(&c);
        match sub.next_message(Duration::from_millis(300)) {
            Ok(Some(m)) if m.payload_str() == Some("after") => break,
            Ok(other) => last = format!("{other:?}"),
            Err(e) => last = e.to_string(),
        }
    }
    assert_ne!(
        sub.address(),
        &redisync::Address::Tcp {
            host: "127.0.0.1".into(),
            port: on
        }
    );
}

#[test]
fn duration_extremes_in_every_setting_neither_panic_nor_hang() {
    let _serial = serial();
    let cluster = Cluster::builder().replicas(0).start();
    let big = Duration::MAX;
    let tiny = Duration::from_nanos(1);
    let c = ClusterClient::builder()
        .seeds(&cluster.seeds())
        .refresh_timeout(big)
        .refresh_interval(Some(big))
        .node_settings(
            Client::builder()
                .connect_timeout(big)
                .read_timeout(big)
                .write_timeout(big)
                .pool_timeout(big)
                .health_check_interval(big)
                .idle_timeout(Some(big))
                .max_lifetime(Some(big))
                .retry(redisync::Retry::default().deadline(big)),
        )
        .build()
        .unwrap();
    let key = unique("extremes");
    c.set(&key, 1).unwrap();
    assert_eq!(c.with_timeout(big).get::<i64>(&key).unwrap(), Some(1));
    let _ = c.with_timeout(tiny).get::<i64>(&key);
    let started = std::time::Instant::now();
    let e = c
        .with_timeout(Duration::from_millis(50))
        .blpop::<String, String>(&[format!("{key}:list")], None)
        .unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    c.refresh_slots(big).unwrap();
    let _ = c.refresh_slots(tiny);
    let mut sub = c.sharded_subscriber();
    let _ = sub.next_message(tiny);
    let mut classic = c.subscriber().unwrap();
    classic.subscribe(&key).unwrap();
    let _ = classic.next_message(tiny);
    let v: Vec<Option<i64>> = c
        .with_timeout(big)
        .mget([key.as_str(), "other", "{x}y"])
        .unwrap();
    assert_eq!(v, [Some(1), None, None]);
}

/// A key (with a hash tag of its own) whose slot `port` serves.
fn key_on(cluster: &Cluster, port: u16, prefix: &str) -> String {
    (0u64..)
        .map(|i| format!("{{{}:{i}}}:k", unique(prefix)))
        .find(|k| cluster.primary_of_slot(slot(k.as_bytes())) == port)
        .unwrap()
}

#[test]
fn a_pipelined_wait_counts_its_write_when_the_write_moves_to_a_promoted_replica() {
    let _serial = serial();
    let mut cluster = Cluster::builder()
        .node_timeout(Duration::from_millis(1000))
        .start();
    let primaries = cluster.primaries();
    let (dying, other) = (primaries[0], primaries[1]);
    // Clients that know the map but hold no connection to the primary that will die.
    let warm = key_on(&cluster, other, "warm");
    let clients: Vec<ClusterClient> = (0..8)
        .map(|_| {
            let c = ClusterClient::builder()
                .seeds(&cluster.seeds())
                .refresh_interval(None)
                .build()
                .unwrap();
            let _: Option<String> = c.get(&warm).unwrap();
            c
        })
        .collect();
    let keys: Vec<String> = (0..clients.len())
        .map(|_| key_on(&cluster, dying, "waitfail"))
        .collect();
    cluster.kill9(dying);
    let promoted = cluster.wait_for_failover(dying);
    println!("{dying} died, {promoted} took over");
    // The promoted replica has no replica of its own (it was the dead node's): no write to
    // its slots can be acknowledged by one.
    for (c, key) in clients.iter().zip(&keys) {
        let ((), acked): ((), i64) = pipe()
            .set(key, 1)
            .cmd::<i64>(&cmd("WAIT").arg(1).arg(300))
            .query(c)
            .unwrap();
        assert_eq!(
            acked, 0,
            "WAIT counted a replica that cannot have the write to {key}"
        );
        assert_eq!(c.get::<i64>(key).unwrap(), Some(1));
    }
}

#[test]
fn sharded_next_message_is_bounded_while_no_slot_map_can_be_fetched() {
    let _serial = serial();
    let hole = support::blackhole::BlackholeListener::start();
    let c = ClusterClient::builder()
        .seed(&hole.url())
        .refresh_timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    let mut sub = c.sharded_subscriber();
    let e = sub.ssubscribe("some-channel").unwrap_err();
    println!("ssubscribe: {e}");
    assert_eq!(sub.shard_channels().len(), 1, "the channel stays on record");
    for _ in 0..3 {
        let started = std::time::Instant::now();
        let got = sub.next_message(Duration::from_millis(50));
        let took = started.elapsed();
        println!("next_message(50 ms): {got:?} in {took:?}");
        assert!(matches!(got, Ok(None)), "{got:?}");
        assert!(
            took < Duration::from_millis(300),
            "next_message(50 ms) took {took:?}"
        );
    }
}

#[test]
fn multi_and_exec_queued_by_hand_in_a_plain_pipeline_are_not_split_from_their_commands() {
    let _serial = serial();
    let cluster = Cluster::builder().replicas(0).start();
    let c = ClusterClient::open(&cluster.seeds()).unwrap();
    for _ in 0..6 {
        let tag = unique("handmulti");
        let (a, b) = (format!("{{{tag}}}:a"), format!("{{{tag}}}:b"));
        let mut p = redisync::Pipeline::new();
        p.add(&cmd("MULTI"))
            .add(&cmd("SET").arg(&a).arg(1))
            .add(&cmd("SET").arg(&b).arg(2))
            .add(&cmd("EXEC"));
        match p.query::<Vec<redisync::Value>>(&c) {
            // Either it ran as a transaction on the keys' node...
            Ok(replies) => assert_eq!(
                replies.last(),
                Some(&redisync::Value::Array(vec![
                    redisync::Value::Okay,
                    redisync::Value::Okay
                ])),
                "{replies:?}"
            ),
            // ...or it is refused before anything is sent.
            Err(e) => {
                assert_eq!(e.kind(), redisync::ErrorKind::InvalidInput, "{e:?}");
                assert_eq!(c.get::<i64>(&a).unwrap(), None);
            }
        }
    }
}

#[test]
fn scan_through_a_cluster_client_finds_every_key_once_or_is_refused() {
    let _serial = serial();
    let cluster = Cluster::builder().replicas(0).start();
    let c = ClusterClient::open(&cluster.seeds()).unwrap();
    let run = unique("scan");
    let mut want = std::collections::BTreeSet::new();
    for i in 0..200 {
        let key = format!("{run}:{i}");
        c.set(&key, i).unwrap();
        want.insert(key);
    }
    let opts = redisync::ScanOptions::new()
        .pattern(format!("{run}:*"))
        .count(20);
    let got: redisync::Result<Vec<String>> = redisync::scan::<String, _>(&c, opts).collect();
    match got {
        Ok(keys) => {
            let n = keys.len();
            let found: std::collections::BTreeSet<String> = keys.into_iter().collect();
            assert_eq!(n, found.len(), "a key came twice");
            assert_eq!(found, want, "SCAN missed keys or made some up");
        }
        Err(e) => assert_eq!(e.kind(), redisync::ErrorKind::InvalidInput, "{e:?}"),
    }
    // Per node, as the docs say, every key once.
    let mut per_node = std::collections::BTreeSet::new();
    for (_, node) in c.primaries().unwrap() {
        let opts = redisync::ScanOptions::new()
            .pattern(format!("{run}:*"))
            .count(20);
        for key in redisync::scan::<String, _>(&node, opts) {
            assert!(per_node.insert(key.unwrap()));
        }
    }
    assert_eq!(per_node, want);
}

#[test]
fn pubsub_shardnumsub_asks_the_node_of_the_channels_slot() {
    let _serial = serial();
    let cluster = Cluster::builder().replicas(0).start();
    if cluster.node(cluster.primaries()[0]).version() < (7, 0, 0) {
        return; // no shard channels before 7.0
    }
    let c = ClusterClient::open(&cluster.seeds()).unwrap();
    let mut sub = c.sharded_subscriber();
    let channels: Vec<String> = (0..6).map(|_| unique("numsub")).collect();
    for ch in &channels {
        sub.ssubscribe(ch.as_str()).unwrap();
    }
    for ch in &channels {
        let (name, n): (String, i64) = cmd("PUBSUB").arg("SHARDNUMSUB").arg(ch).query(&c).unwrap();
        assert_eq!(
            (name.as_str(), n),
            (ch.as_str(), 1),
            "PUBSUB SHARDNUMSUB {ch}"
        );
    }
}

#[test]
fn pipelined_commands_a_loading_node_refused_are_sent_again_as_single_ones_are() {
    let _serial = serial();
    let loading = "-LOADING Redis is loading the dataset in memory\r\n";
    let node = FakeServer::start(vec![{
        let mut s = handshake();
        s.extend([
            Step::expect("SET"),
            Step::expect("GET"),
            Step::reply(format!("{loading}{loading}")),
            Step::expect("SET"),
            Step::reply("+OK\r\n"),
            Step::expect("GET"),
            Step::reply("$1\r\nv\r\n"),
        ]);
        s
    }]);
    let seed = FakeServer::repeating(slots_all_on(node.port()));
    let c = ClusterClient::builder()
        .seed(&seed.url())
        .node_settings(Client::builder().protocol(Protocol::Resp2))
        .refresh_interval(None)
        .build()
        .unwrap();
    let ((), v): ((), Option<String>) = pipe().set("k", "v").get("k").query(&c).unwrap();
    assert_eq!(v.as_deref(), Some("v"));
    node.check();
}

#[test]
fn a_transaction_refused_with_tryagain_mid_migration_is_retried() {
    let _serial = serial();
    let cluster = Cluster::builder().replicas(0).start();
    let c = patient(&cluster);
    let tag = unique("txtryagain");
    let (a, b) = (format!("{{{tag}}}:a"), format!("{{{tag}}}:b"));
    c.set(&a, 1).unwrap();
    c.set(&b, 2).unwrap();
    let s = slot(a.as_bytes());
    let from = cluster.primary_of_slot(s);
    let to = *cluster.primaries().iter().find(|&&p| p != from).unwrap();
    // One key moved, the other not yet: a command naming both is TRYAGAIN until the
    // migration ends.
    let mut migration = cluster.begin_migration(s, to);
    migration.move_key(&b);
    std::thread::scope(|scope| {
        let finisher = scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(100));
            while migration.move_keys(10) > 0 {}
            migration.finish();
        });
        let (x, y): (i64, i64) = pipe().atomic().incr(&a).incr(&b).query(&c).unwrap();
        assert_eq!((x, y), (2, 3));
        finisher.join().unwrap();
    });
}

#[test]
fn a_watch_transaction_on_a_key_moved_mid_migration_waits_for_the_move() {
    let _serial = serial();
    let cluster = Cluster::builder().replicas(0).start();
    let patient = patient(&cluster);
    let impatient = ClusterClient::builder()
        .seeds(&cluster.seeds())
        .node_settings(Client::builder().retry(redisync::Retry::none()))
        .build()
        .unwrap();
    let key = format!("{{{}}}:n", unique("txask"));
    patient.set(&key, 7).unwrap();
    let s = slot(key.as_bytes());
    let from = cluster.primary_of_slot(s);
    let to = *cluster.primaries().iter().find(|&&p| p != from).unwrap();
    // The key is on the importing node already: the source answers ASK for it until the
    // slot has moved, and a WATCH cannot follow an ASK.
    let mut migration = cluster.begin_migration(s, to);
    migration.move_key(&key);
    let times_ten = |conn: &mut redisync::Connection, pipe: &mut redisync::Pipeline| {
        let v: i64 = conn.get::<i64>(key.as_str())?.unwrap_or(0);
        pipe.set(key.as_str(), v * 10).get::<i64>(key.as_str());
        Ok(())
    };
    // Without retries: refused at once as a migration to wait out, not an ASK spent 16 times.
    let started = std::time::Instant::now();
    let e = impatient
        .transaction::<((), i64), _>((key.as_str(),), times_ten)
        .unwrap_err();
    assert_eq!(e.kind(), redisync::ErrorKind::TryAgain, "{e}");
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    std::thread::scope(|scope| {
        let finisher = scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(200));
            while migration.move_keys(10) > 0 {}
            migration.finish();
        });
        // With retries: it waits for the move, then runs once on the new owner.
        let ((), n): ((), i64) = patient.transaction((key.as_str(),), times_ten).unwrap();
        assert_eq!(n, 70);
        finisher.join().unwrap();
    });
    assert_eq!(patient.get::<i64>(key.as_str()).unwrap(), Some(70));
}

/// `total_reads_processed` of a node's `INFO stats`: how many reads of client sockets it made.
fn reads_processed(cluster: &Cluster, port: u16) -> u64 {
    let info = cluster.raw(port, &["INFO", "stats"]);
    info.lines()
        .find_map(|l| l.strip_prefix("total_reads_processed:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no total_reads_processed in {info}"))
}

#[test]
fn a_pipeline_whose_slot_moved_is_sent_again_per_node_not_one_command_at_a_time() {
    let _serial = serial();
    let cluster = Cluster::builder().replicas(0).start();
    let c = ClusterClient::builder()
        .seeds(&cluster.seeds())
        .refresh_interval(Some(Duration::from_secs(3600)))
        .build()
        .unwrap();
    let tag = unique("regroup");
    let keys: Vec<String> = (0..100).map(|i| format!("{{{tag}}}:{i}")).collect();
    let s = slot(keys[0].as_bytes());
    c.set(keys[0].as_str(), "warm").unwrap();
    let from = cluster.primary_of_slot(s);
    let to = *cluster.primaries().iter().find(|&&p| p != from).unwrap();
    // The client's map still names `from`: every command of the pipeline meets MOVED.
    cluster.migrate_slot(s, to);
    let before = reads_processed(&cluster, to);
    let mut p = redisync::Pipeline::new();
    for (i, k) in keys.iter().enumerate() {
        let _ = (&mut p).set(k.as_str(), format!("v{i}-{tag}"));
    }
    let replies: Vec<String> = p.query(&c).unwrap();
    assert!(replies.iter().all(|r| r == "OK"), "{replies:?}");
    let reads = reads_processed(&cluster, to) - before;
    assert!(c.stats().moved >= 100, "{:?}", c.stats());
    // Sent again one by one, the new owner would read its socket at least 100 times.
    assert!(
        reads < 30,
        "the new owner made {reads} reads for 100 redirected commands"
    );
    let got: Vec<Option<String>> = c.mget(&keys).unwrap();
    for (i, v) in got.iter().enumerate() {
        assert_eq!(v.as_deref(), Some(format!("v{i}-{tag}").as_str()));
    }
}

/// A client that waits a migration out: 100 retries 20 ms apart.
fn patient(cluster: &Cluster) -> ClusterClient {
    ClusterClient::builder()
        .seeds(&cluster.seeds())
        .node_settings(Client::builder().retry(redisync::Retry::new(
            redisync::ConstantBackoff::new(Duration::from_millis(20)),
            100,
        )))
        .build()
        .unwrap()
}
