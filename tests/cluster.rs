//! ClusterClient against a real cluster (3 primaries, 3 replicas, started by the test).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use redisync::cluster::{ClusterClient, slot};
use redisync::prelude::*;
use redisync::{ErrorKind, Pipeline, Script, cmd, pipe};
use support::Cluster;

fn client(cluster: &Cluster) -> ClusterClient {
    ClusterClient::open(&cluster.seeds()).expect("cluster client")
}

/// The server's `CLUSTER KEYSLOT` of `key`.
fn keyslot(cluster: &Cluster, port: u16, key: &str) -> u16 {
    let reply = cluster.raw(port, &["CLUSTER", "KEYSLOT", key]);
    reply.trim_start_matches(':').trim_end().parse().unwrap()
}

#[test]
fn slots_match_cluster_keyslot_for_many_keys() {
    let cluster = Cluster::start();
    let port = cluster.primaries()[0];
    for key in [
        "",
        "foo",
        "{user1000}.following",
        "foo{}{bar}",
        "foo{{bar}}zap",
        "foo{bar}{zap}",
        "{",
        "}{",
        "a{b",
        "\u{e9}t\u{e9}",
        "key:123456",
    ] {
        assert_eq!(
            slot(key.as_bytes()),
            keyslot(&cluster, port, key),
            "key {key:?}"
        );
    }
    for i in 0..300 {
        let key = format!("k{i}:{}", i * 7919);
        let server = keyslot(&cluster, port, &key);
        assert_eq!(slot(key.as_bytes()), server, "key {key:?}");
    }
}

#[test]
fn commands_go_to_the_node_of_their_slot() {
    let cluster = Cluster::start();
    let c = client(&cluster);
    for i in 0..200 {
        let key = format!("route:{i}");
        c.set(&key, format!("v{i}")).unwrap();
    }
    for i in 0..200 {
        let key = format!("route:{i}");
        let v: Option<String> = c.get(&key).unwrap();
        assert_eq!(v.as_deref(), Some(format!("v{i}").as_str()));
        // The key lives on the node that owns its slot.
        let owner = cluster.primary_of_slot(slot(key.as_bytes()));
        let v = format!("v{i}");
        assert_eq!(
            cluster.raw(owner, &["GET", &key]),
            format!("${}\r\n{v}\r\n", v.len())
        );
    }
    // Every primary got some, and no redirect was needed once the map was known.
    assert_eq!(c.stats().moved, 0, "{:?}", c.stats());
    assert!(c.stats().refreshes >= 1);
    assert_eq!(
        c.dbsize().unwrap(),
        200,
        "DBSIZE adds every primary's count"
    );
    let mut keys: Vec<String> = c.keys("route:*").unwrap();
    keys.sort();
    assert_eq!(keys.len(), 200);
    assert!(c.slot_map().len() >= 3);
}

#[test]
fn multi_key_commands_split_per_slot_and_keep_order() {
    let cluster = Cluster::start();
    let c = client(&cluster);
    let keys: Vec<String> = (0..50).map(|i| format!("multi:{i}")).collect();
    let pairs: Vec<(String, String)> = keys
        .iter()
        .map(|k| (k.clone(), format!("val-{k}")))
        .collect();
    c.mset(&pairs).unwrap();
    let mut asked = keys.clone();
    asked.insert(7, "multi:missing".into());
    let got: Vec<Option<String>> = c.mget(&asked).unwrap();
    assert_eq!(got.len(), 51);
    for (k, v) in asked.iter().zip(&got) {
        if k == "multi:missing" {
            assert_eq!(v, &None);
        } else {
            assert_eq!(v.as_deref(), Some(format!("val-{k}").as_str()));
        }
    }
    assert_eq!(c.exists(&asked).unwrap(), 50);
    assert_eq!(c.touch(&keys[..10]).unwrap(), 10);
    assert_eq!(c.unlink(&keys[..10]).unwrap(), 10);
    assert_eq!(c.del(&asked).unwrap(), 40);
    // A command that cannot be split is refused before anything is sent.
    let e = c.rename("multi:a", "multi:b").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::CrossSlot);
    // Same hash tag: one slot, one command.
    c.set("{u1}:a", "1").unwrap();
    c.rename("{u1}:a", "{u1}:b").unwrap();
    assert_eq!(c.get::<String>("{u1}:b").unwrap().as_deref(), Some("1"));
}

#[test]
fn pipelines_transactions_and_scripts_route_per_slot() {
    let cluster = Cluster::start();
    let c = client(&cluster);
    let mut p = Pipeline::new();
    for i in 0..100 {
        p.incr_by(format!("pipe:{i}"), i);
    }
    for i in 0..100 {
        p.get::<i64>(format!("pipe:{i}"));
    }
    let got: Vec<i64> = p.query(&c).unwrap();
    assert_eq!(&got[100..], &(0..100).collect::<Vec<_>>()[..]);

    let ((), a, b) = pipe()
        .atomic()
        .set("{acct}:n", 1)
        .incr("{acct}:n")
        .incr("{acct}:n")
        .query(&c)
        .unwrap();
    assert_eq!((a, b), (2, 3));
    let e = pipe().atomic().incr("x1").incr("x2").query(&c).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::CrossSlot);

    let ((), n): ((), i64) = c
        .transaction(("{acct}:n",), |conn, pipe| {
            let v: i64 = conn.get::<i64>("{acct}:n")?.unwrap_or(0);
            pipe.set("{acct}:n", v * 10).get::<i64>("{acct}:n");
            Ok(())
        })
        .unwrap();
    assert_eq!(n, 30);

    // SCRIPT LOAD goes to every primary, so EVALSHA works wherever its key lives.
    let script = Script::new("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    for i in 0..20 {
        let v: i64 = script.key(format!("script:{i}")).arg(5).invoke(&c).unwrap();
        assert_eq!(v, 5);
    }
    let raw: String = cmd("ECHO").arg("hi").query(&c).unwrap();
    assert_eq!(raw, "hi");
}

#[test]
fn a_dead_first_seed_is_skipped() {
    let cluster = Cluster::start();
    let mut seeds = vec![format!("redis://127.0.0.1:{}", support::unused_port())];
    seeds.extend(cluster.seeds());
    let c = ClusterClient::open(&seeds).unwrap();
    c.set("seed:k", "v").unwrap();
    assert_eq!(c.get::<String>("seed:k").unwrap().as_deref(), Some("v"));

    let none = ClusterClient::builder()
        .seeds(&[format!("redis://127.0.0.1:{}", support::unused_port())])
        .refresh_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let e = none.get::<Option<String>>("k").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn with_timeout_bounds_a_call_and_zero_is_refused() {
    let cluster = Cluster::start();
    let c = client(&cluster);
    c.set("wt:warm", "1").unwrap();
    let started = std::time::Instant::now();
    let r: redisync::Result<Option<Vec<String>>> = cmd("BLPOP")
        .arg("wt:empty")
        .arg(5)
        .query(c.with_timeout(Duration::from_millis(300)));
    let e = r.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let e = c
        .with_timeout(Duration::ZERO)
        .get::<String>("wt:warm")
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(
        c.with_timeout(Duration::from_secs(2))
            .get::<String>("wt:warm")
            .unwrap()
            .as_deref(),
        Some("1")
    );
}

#[test]
fn a_blocking_commands_wait_extends_the_retry_deadline() {
    let cluster = Cluster::start();
    let c = ClusterClient::builder()
        .seeds(&cluster.seeds())
        .node_settings(
            redisync::Client::builder()
                .retry(redisync::Retry::default().deadline(Duration::from_millis(300))),
        )
        .build()
        .unwrap();
    let pusher = client(&cluster);
    c.set("blk:warm", 1).unwrap();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(700));
        pusher.rpush("blk:list", "item").unwrap();
    });
    // BLPOP waits up to 3 s: the 300 ms deadline is extended by that wait.
    let got: Option<(String, String)> = cmd("BLPOP").arg("blk:list").arg(3).query(&c).unwrap();
    assert_eq!(got, Some(("blk:list".into(), "item".into())));
    t.join().unwrap();
}
