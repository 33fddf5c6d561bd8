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
