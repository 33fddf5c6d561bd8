//! Sharded pub/sub across a real cluster: each shard channel on the primary of its slot,
//! following it through a slot migration and a failover; classic pub/sub through any node.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use redisync::cluster::{ClusterClient, ShardedSubscriber, slot};
use redisync::prelude::*;
use support::Cluster;

/// Publishes `payload` on `channel` until the subscriber gets it (a channel being moved may
/// miss a message published meanwhile, as pub/sub does), within 10 s.
fn delivered(c: &ClusterClient, sub: &mut ShardedSubscriber, channel: &str, payload: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let _ = c.spublish(channel, payload);
        let until = Instant::now() + Duration::from_millis(300);
        while Instant::now() < until {
            if let Some(m) = sub.next_message(Duration::from_millis(50)).unwrap() {
                if m.channel_str() == Some(channel) && m.payload_str() == Some(payload) {
                    return;
                }
            }
        }
    }
    panic!(
        "{payload} on {channel} never arrived ({sub:?}); spublish: {:?}; map: {:?}",
        c.spublish(channel, payload),
        c.slot_map()
    );
}

fn version_7(cluster: &Cluster) -> bool {
    cluster.node(cluster.primaries()[0]).version() >= (7, 0, 0)
}

#[test]
fn shard_channels_follow_their_slot_through_a_migration_and_a_failover() {
    let mut cluster = Cluster::start();
    let c = ClusterClient::open(&cluster.seeds()).unwrap();
    if !version_7(&cluster) {
        // Redis 6.2 has no shard channels: the server's refusal comes back as it is.
        let mut sub = c.sharded_subscriber();
        assert!(sub.ssubscribe("orders").is_err());
        return;
    }
    let channels = ["orders", "payments", "audit", "mail", "{orders}:eu"];
    let mut sub = c.sharded_subscriber();
    sub.ssubscribe(&channels[..]).unwrap();
    assert_eq!(sub.shard_channels().len(), 5);
    for (i, ch) in channels.iter().enumerate() {
        delivered(&c, &mut sub, ch, &format!("first-{i}"));
    }

    // Move the slot of "orders" to another primary: the old owner drops the channel, and the
    // subscriber follows it.
    let s = slot(b"orders");
    let from = cluster.primary_of_slot(s);
    let to = *cluster.primaries().iter().find(|p| **p != from).unwrap();
    cluster.migrate_slot(s, to);
    delivered(&c, &mut sub, "orders", "after-migration");
    delivered(&c, &mut sub, "{orders}:eu", "after-migration-eu");
    assert!(sub.moves() >= 1, "{sub:?}");

    // Kill the primary of "payments": after the failover the channel is on the new primary.
    let victim = cluster.primary_of_slot(slot(b"payments"));
    cluster.kill9(victim);
    cluster.wait_for_failover(victim);
    delivered(&c, &mut sub, "payments", "after-failover");
    delivered(&c, &mut sub, "audit", "after-failover-audit");

    sub.sunsubscribe("audit").unwrap();
    assert_eq!(sub.shard_channels().len(), 4);
    // No names is a mistake, not "all of them"; that is `sunsubscribe_all`.
    let none: &[&str] = &[];
    assert_eq!(
        sub.sunsubscribe(none).unwrap_err().kind(),
        redisync::ErrorKind::InvalidInput
    );
    assert_eq!(sub.shard_channels().len(), 4);
    // Every shard's primary lists its own shard channels; the cluster's list is all of them.
    let mut listed: Vec<String> = redisync::cmd("PUBSUB")
        .arg("SHARDCHANNELS")
        .query(&c)
        .unwrap();
    listed.sort();
    let mut want: Vec<String> = sub
        .shard_channels()
        .map(|ch| String::from_utf8_lossy(ch).into_owned())
        .collect();
    want.sort();
    assert_eq!(listed, want);
    sub.sunsubscribe_all().unwrap();
    assert_eq!(sub.shard_channels().len(), 0);
    for ch in channels {
        assert_eq!(
            c.spublish(ch, "after-all").unwrap(),
            0,
            "{ch} still subscribed"
        );
    }
}

#[test]
fn after_a_manual_failover_each_message_arrives_once() {
    let cluster = Cluster::start();
    if !version_7(&cluster) {
        return; // no shard channels on Redis 6.2 (the test above checks the refusal)
    }
    let c = ClusterClient::open(&cluster.seeds()).unwrap();
    // Two channels on one primary, one on another.
    let first = "orders";
    let from = cluster.primary_of_slot(slot(first.as_bytes()));
    let same = (0..1000)
        .map(|i| format!("ch-{i}"))
        .find(|ch| {
            slot(ch.as_bytes()) != slot(first.as_bytes())
                && cluster.primary_of_slot(slot(ch.as_bytes())) == from
        })
        .unwrap();
    let other = (0..1000)
        .map(|i| format!("ch-{i}"))
        .find(|ch| cluster.primary_of_slot(slot(ch.as_bytes())) != from)
        .unwrap();
    let names = [first, same.as_str(), other.as_str()];
    let mut sub = c.sharded_subscriber();
    sub.ssubscribe(&names[..]).unwrap();
    for ch in names {
        delivered(&c, &mut sub, ch, &format!("before-{ch}"));
    }
    // The old primary stays up, as a replica of the new one.
    let replica = cluster.replicas_of(from)[0];
    assert_eq!(cluster.raw(replica, &["CLUSTER", "FAILOVER"]), "+OK\r\n");
    support::wait::wait_until(Duration::from_secs(30), "the replica promoted", || {
        cluster
            .slot_map()
            .iter()
            .any(|r| r.contains(slot(first.as_bytes())) && r.primary == replica)
    });
    for ch in names {
        delivered(&c, &mut sub, ch, &format!("after-{ch}"));
    }
    // Drain what is still in flight, then count: every message exactly once.
    while sub
        .next_message(Duration::from_millis(300))
        .unwrap()
        .is_some()
    {}
    let mut sent = Vec::new();
    for i in 0..20 {
        for ch in names {
            let payload = format!("once-{ch}-{i}-{}", std::process::id());
            c.spublish(ch, payload.as_str()).unwrap();
            sent.push(payload);
        }
    }
    let mut got: Vec<String> = Vec::new();
    while let Some(m) = sub.next_message(Duration::from_millis(500)).unwrap() {
        got.extend(m.payload_str().map(str::to_owned));
    }
    got.sort();
    sent.sort();
    assert_eq!(got, sent, "{sub:?}");
}

#[test]
fn classic_pubsub_goes_through_any_node() {
    let cluster = Cluster::start();
    let c = ClusterClient::open(&cluster.seeds()).unwrap();
    let mut sub = c.subscriber().unwrap();
    sub.subscribe("news").unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        // PUBLISH reaches every node's subscribers, whichever node it was sent to.
        let _: i64 = redisync::cmd("PUBLISH")
            .arg("news")
            .arg("hello")
            .query(&c)
            .unwrap();
        if let Some(m) = sub.next_message(Duration::from_millis(200)).unwrap() {
            assert_eq!(m.payload_str(), Some("hello"));
            break;
        }
        assert!(Instant::now() < deadline, "no message");
    }
}
