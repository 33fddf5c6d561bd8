//! The client-side cache on a cluster: one cache per node, filled from that node's
//! connections, invalidated by that node; across slot moves and writes from other clients.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use redisync::cluster::{ClusterClient, ReadFrom, slot};
use redisync::prelude::*;
use redisync::{CacheConfig, Client, ErrorKind};
use support::{Cluster, wait_until};

const SOON: Duration = Duration::from_secs(5);

fn caching(cluster: &Cluster) -> ClusterClient {
    ClusterClient::builder()
        .seeds(&cluster.seeds())
        .node_settings(Client::builder().cache(CacheConfig::new()))
        .build()
        .unwrap()
}

fn hits(c: &ClusterClient) -> u64 {
    c.cache_stats().map_or(0, |s| s.hits)
}

/// Reads `key` until a read is a hit (a node's cache fills once its listener is up).
fn cached(c: &ClusterClient, key: &str) -> Option<String> {
    let first: Option<String> = c.get(key).unwrap();
    let mut value = None;
    wait_until(SOON, &format!("a hit for {key}"), || {
        let before = hits(c);
        let again: Option<String> = c.get(key).unwrap();
        assert_eq!(first, again);
        value = again;
        hits(c) == before + 1
    });
    value
}

#[test]
fn each_nodes_cache_is_invalidated_by_that_node_across_slot_moves() {
    let cluster = Cluster::start();
    let c = caching(&cluster);
    let other = ClusterClient::open(&cluster.seeds()).unwrap();
    // Keys on every primary.
    let keys: Vec<String> = (0..12).map(|i| format!("cc:{i}")).collect();
    for k in &keys {
        other.set(k, format!("{k}-1")).unwrap();
    }
    for k in &keys {
        assert_eq!(cached(&c, k), Some(format!("{k}-1")));
    }
    // Another client's writes reach every node's cache without a call on ours.
    for k in &keys {
        other.set(k, format!("{k}-2")).unwrap();
    }
    for k in &keys {
        wait_until(SOON, "the new value", || {
            c.get::<String>(k).unwrap() == Some(format!("{k}-2"))
        });
    }

    // The slot of a cached key moves: the old owner's cache drops the key (its MIGRATE deletes
    // it there), and the value written on the new owner is what we read.
    let key = &keys[0];
    assert_eq!(cached(&c, key), Some(format!("{key}-2")));
    let s = slot(key.as_bytes());
    let from = cluster.primary_of_slot(s);
    let to = *cluster.primaries().iter().find(|p| **p != from).unwrap();
    cluster.migrate_slot(s, to);
    other.set(key, format!("{key}-3")).unwrap();
    wait_until(SOON, "the value written after the move", || {
        c.get::<String>(key).unwrap() == Some(format!("{key}-3"))
    });
    assert_eq!(cached(&c, key), Some(format!("{key}-3")));
    other.set(key, format!("{key}-4")).unwrap();
    wait_until(SOON, "the new owner's invalidation", || {
        c.get::<String>(key).unwrap() == Some(format!("{key}-4"))
    });

    c.flush_cache();
    assert_eq!(c.cache_stats().unwrap().entries, 0);
}

#[test]
fn a_cache_with_replica_reads_is_refused() {
    let e = ClusterClient::builder()
        .seed("redis://127.0.0.1:7000")
        .node_settings(Client::builder().cache(CacheConfig::new()))
        .read_from(ReadFrom::ReplicaPreferred)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}
