//! Reads from replicas on a real cluster: opt-in, with READONLY on the connections, a
//! replica that is gone skipped.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use redisync::cluster::{ClusterClient, ReadFrom};
use redisync::prelude::*;
use redisync::{Client, cmd};
use std::time::Duration;

use support::{Cluster, wait_until};

/// `cmdstat_get` calls on one node.
fn gets(cluster: &Cluster, port: u16) -> u64 {
    cluster.node(port).command_calls("get")
}

fn replica_client(cluster: &Cluster, read_from: ReadFrom) -> ClusterClient {
    ClusterClient::builder()
        .seeds(&cluster.seeds())
        .node_settings(Client::builder())
        .read_from(read_from)
        .build()
        .unwrap()
}

#[test]
fn reads_go_to_replicas_only_when_asked_and_skip_a_dead_one() {
    let mut cluster = Cluster::start();
    let writer = ClusterClient::open(&cluster.seeds()).unwrap();
    for i in 0..60 {
        writer.set(format!("rr:{i}"), format!("v{i}")).unwrap();
    }
    // Every replica has what its primary acknowledged.
    let _: i64 = cmd("WAIT").arg(1).arg(2000).query(&writer).unwrap();

    // The default reads from primaries only.
    let before: Vec<u64> = cluster
        .replicas()
        .iter()
        .map(|&p| gets(&cluster, p))
        .collect();
    for i in 0..60 {
        let v: Option<String> = writer.get(format!("rr:{i}")).unwrap();
        assert_eq!(v.as_deref(), Some(format!("v{i}").as_str()));
    }
    let after: Vec<u64> = cluster
        .replicas()
        .iter()
        .map(|&p| gets(&cluster, p))
        .collect();
    assert_eq!(before, after, "a default client read from a replica");

    // Every node's map (the client may ask any of them) lists the replicas, and every replica
    // holds its primary's keys.
    cluster.wait_for_replicas_in_slot_maps();
    wait_until(Duration::from_secs(20), "replicas caught up", || {
        cluster.primaries().iter().all(|&p| {
            let want = cluster.raw(p, &["DBSIZE"]);
            cluster
                .replicas_of(p)
                .iter()
                .all(|&r| cluster.raw(r, &["DBSIZE"]) == want)
        })
    });
    let reader = replica_client(&cluster, ReadFrom::ReplicaPreferred);
    let primaries_before: u64 = cluster.primaries().iter().map(|&p| gets(&cluster, p)).sum();
    for i in 0..60 {
        let v: Option<String> = reader.get(format!("rr:{i}")).unwrap();
        assert_eq!(v.as_deref(), Some(format!("v{i}").as_str()));
    }
    let primaries_after: u64 = cluster.primaries().iter().map(|&p| gets(&cluster, p)).sum();
    let replica_gets: u64 = cluster
        .replicas()
        .iter()
        .map(|&p| gets(&cluster, p))
        .sum::<u64>()
        - after.iter().sum::<u64>();
    assert_eq!(replica_gets, 60, "every read on a replica");
    assert_eq!(primaries_after, primaries_before, "no read on a primary");
    // Writes still go to primaries.
    reader.set("rr:write", "w").unwrap();
    assert_eq!(
        writer.get::<String>("rr:write").unwrap().as_deref(),
        Some("w")
    );

    // A replica killed: reads of its shard go on (to the primary), none fails.
    let victim = cluster.replicas()[0];
    cluster.kill9(victim);
    for i in 0..60 {
        let v: Option<String> = reader.get(format!("rr:{i}")).unwrap();
        assert_eq!(v.as_deref(), Some(format!("v{i}").as_str()));
    }

    // Primary-preferred reads from primaries while they are up.
    let pp = replica_client(&cluster, ReadFrom::PrimaryPreferred);
    let live_replicas: Vec<u16> = cluster.replicas();
    let before: u64 = live_replicas.iter().map(|&p| gets(&cluster, p)).sum();
    for i in 0..30 {
        let v: Option<String> = pp.get(format!("rr:{i}")).unwrap();
        assert_eq!(v.as_deref(), Some(format!("v{i}").as_str()));
    }
    let after: u64 = live_replicas.iter().map(|&p| gets(&cluster, p)).sum();
    assert_eq!(before, after);
}
