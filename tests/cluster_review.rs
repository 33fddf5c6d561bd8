//! A hostile review's cases: calls that must stay bounded, reads that must find a node,
//! each against a real cluster.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use redisync::cluster::{ClusterClient, ReadFrom, slot};
use redisync::prelude::*;
use redisync::{Client, cmd};
use support::Cluster;
use support::wait::wait_until;

/// `n` distinct shard-channel names (unique to this run) whose slots `port` serves.
fn names_on(cluster: &Cluster, port: u16, n: usize, tag: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0u64;
    while out.len() < n {
        let name = format!("{tag}:{}:{i}", std::process::id());
        if cluster.primary_of_slot(slot(name.as_bytes())) == port {
            out.push(name);
        }
        i += 1;
    }
    out
}

#[test]
fn sharded_next_message_is_bounded_when_a_hung_node_holds_several_channels() {
    let cluster = Cluster::builder().replicas(0).start();
    if cluster.node(cluster.primaries()[0]).version() < (7, 0, 0) {
        return; // no shard channels before 7.0 (the pub/sub suite checks the refusal)
    }
    let timeout = Duration::from_millis(500);
    let c = ClusterClient::builder()
        .seeds(&cluster.seeds())
        .node_settings(
            Client::builder()
                .connect_timeout(timeout)
                .read_timeout(timeout),
        )
        .refresh_timeout(timeout)
        .build()
        .unwrap();
    let primaries = cluster.primaries();
    let (hung, live) = (primaries[0], primaries[1]);
    let mut sub = c.sharded_subscriber();
    let live_name = names_on(&cluster, live, 1, "rv-live").remove(0);
    sub.ssubscribe(live_name.as_str()).unwrap();

    let names = names_on(&cluster, hung, 6, "rv-hung");
    let leaving = names_on(&cluster, hung, 4, "rv-leave");
    sub.ssubscribe(&leaving[..]).unwrap();
    let paused = cluster.pause(hung);
    // Leaving channels of the hung node costs one timeout for the node, not one per channel.
    let started = Instant::now();
    let _ = sub.sunsubscribe(&leaving[..]);
    let took = started.elapsed();
    assert!(
        took < timeout * 3,
        "sunsubscribe of 4 channels of a hung node took {took:?}"
    );
    assert_eq!(sub.shard_channels().len(), 1);
    // The hung node cannot confirm: the call fails, the channels stay on record.
    let _ = sub.ssubscribe(&names[..]);
    assert_eq!(sub.shard_channels().len(), 7);

    // Every later call waits up to its timeout, and at most one node's timeout more for the
    // hung node: not one per channel waiting for it.
    for _ in 0..3 {
        let started = Instant::now();
        let _ = sub.next_message(Duration::from_millis(200));
        let took = started.elapsed();
        assert!(
            took < Duration::from_millis(200) + timeout * 3,
            "next_message(200 ms) took {took:?} with a hung node ({sub:?})"
        );
    }
    drop(paused);
    // Once the node answers again, its channels are placed and delivered.
    let payload = format!("back-{}", std::process::id());
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut got = false;
    while !got && Instant::now() < deadline {
        let _ = c.spublish(names[0].as_str(), payload.as_str());
        if let Ok(Some(m)) = sub.next_message(Duration::from_millis(100)) {
            got = m.payload_str() == Some(payload.as_str());
        }
    }
    assert!(got, "{} never delivered after the node resumed", names[0]);
}

#[test]
fn primary_preferred_reads_a_replica_while_the_primary_is_down() {
    // A long node timeout: no failover during the test, the primary simply dead.
    let mut cluster = Cluster::builder()
        .node_timeout(Duration::from_secs(30))
        .start();
    let key = format!("rv:pp:{}", std::process::id());
    let value = format!("v-{}", std::process::id());
    let writer = ClusterClient::open(&cluster.seeds()).unwrap();
    writer.set(key.as_str(), value.as_str()).unwrap();
    let _: i64 = cmd("WAIT").arg(1).arg(2000).query(&writer).unwrap();
    cluster.wait_for_replicas_in_slot_maps();
    let pp = ClusterClient::builder()
        .seeds(&cluster.seeds())
        .read_from(ReadFrom::PrimaryPreferred)
        .build()
        .unwrap();
    assert_eq!(
        pp.get::<String>(key.as_str()).unwrap().as_deref(),
        Some(value.as_str())
    );

    let primary = cluster.primary_of_slot(slot(key.as_bytes()));
    cluster.kill9(primary);
    let started = Instant::now();
    let got = pp.get::<String>(key.as_str());
    assert_eq!(
        got.as_ref().ok().and_then(|v| v.as_deref()),
        Some(value.as_str()),
        "a read with the primary down: {got:?} after {:?}",
        started.elapsed()
    );
    // And the next ones too, at once (the dead primary is skipped).
    for _ in 0..5 {
        assert_eq!(
            pp.get::<String>(key.as_str()).unwrap().as_deref(),
            Some(value.as_str())
        );
    }
}

/// Reads `key` on `c` until a read is a cache hit.
fn cached_read(c: &ClusterClient, key: &str) -> Option<String> {
    let hits = |c: &ClusterClient| c.cache_stats().map_or(0, |s| s.hits);
    let mut value = None;
    wait_until(Duration::from_secs(5), &format!("a hit for {key}"), || {
        let before = hits(c);
        value = c.get::<String>(key).unwrap();
        hits(c) == before + 1
    });
    value
}

#[test]
fn a_cached_miss_is_not_served_after_its_slot_moved_and_the_key_was_written() {
    let cluster = Cluster::start();
    // Without a periodic refresh nothing would ever send such reads to the new owner.
    let refused = ClusterClient::builder()
        .seeds(&cluster.seeds())
        .node_settings(Client::builder().cache(redisync::CacheConfig::new()))
        .refresh_interval(None)
        .build();
    assert_eq!(
        refused.unwrap_err().kind(),
        redisync::ErrorKind::InvalidInput
    );
    let c = ClusterClient::builder()
        .seeds(&cluster.seeds())
        .node_settings(Client::builder().cache(redisync::CacheConfig::new()))
        .refresh_interval(Some(Duration::from_secs(1)))
        .build()
        .unwrap();
    let other = ClusterClient::open(&cluster.seeds()).unwrap();
    let key = format!("rv:miss:{}", std::process::id());
    // The key does not exist: its nil reply is cached on the slot's owner.
    assert_eq!(cached_read(&c, &key), None);
    let s = slot(key.as_bytes());
    let from = cluster.primary_of_slot(s);
    let to = *cluster.primaries().iter().find(|p| **p != from).unwrap();
    // Nothing to migrate (no key): the old owner changes no key, so it sends no invalidation.
    cluster.migrate_slot(s, to);
    let value = format!("v-{}", std::process::id());
    other.set(key.as_str(), value.as_str()).unwrap();
    let mut last = None;
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        last = c.get::<String>(key.as_str()).unwrap();
        if last.as_deref() == Some(value.as_str()) {
            return;
        }
        std::thread::yield_now();
    }
    // Within the refresh interval (1 s here), and some room.
    panic!("still reading {last:?} for {key} 5 s after it was written on its slot's new owner");
}

#[test]
fn a_cached_reply_is_invalidated_through_a_manual_failover() {
    let cluster = Cluster::start();
    // The default refresh interval (30 s): only invalidations can make this pass in time.
    let c = ClusterClient::builder()
        .seeds(&cluster.seeds())
        .node_settings(Client::builder().cache(redisync::CacheConfig::new()))
        .build()
        .unwrap();
    let other = ClusterClient::open(&cluster.seeds()).unwrap();
    let key = format!("rv:fo:{}", std::process::id());
    let old = format!("old-{}", std::process::id());
    other.set(key.as_str(), old.as_str()).unwrap();
    let _: i64 = cmd("WAIT").arg(1).arg(2000).query(&other).unwrap();
    assert_eq!(cached_read(&c, &key).as_deref(), Some(old.as_str()));
    let primary = cluster.primary_of_slot(slot(key.as_bytes()));
    let replica = cluster.replicas_of(primary)[0];
    assert!(
        cluster
            .raw(replica, &["CLUSTER", "FAILOVER"])
            .contains("OK")
    );
    // Mid-failover a node's CLUSTER SLOTS may leave the range out for a moment: that is
    // "not yet", not a failure.
    let s = slot(key.as_bytes());
    wait_until(Duration::from_secs(20), "the replica promoted", || {
        cluster
            .slot_map()
            .iter()
            .any(|r| r.start <= s && s <= r.end && r.primary == replica)
    });
    let new = format!("new-{}", std::process::id());
    wait_until(
        Duration::from_secs(10),
        "the write on the new primary",
        || other.set(key.as_str(), new.as_str()).is_ok(),
    );
    let mut last = None;
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        last = c.get::<String>(key.as_str()).unwrap();
        if last.as_deref() == Some(new.as_str()) {
            return;
        }
        std::thread::yield_now();
    }
    panic!("still reading {last:?} for {key} 5 s after a failover and a write");
}

#[test]
fn with_timeout_pipelines_wait_for_their_blocking_commands_as_plain_ones_do() {
    let cluster = Cluster::start();
    // A retry deadline shorter than the block: a blocking command's own wait extends it.
    let c = ClusterClient::builder()
        .seeds(&cluster.seeds())
        .node_settings(
            Client::builder()
                .retry(redisync::Retry::default().deadline(Duration::from_millis(300))),
        )
        .build()
        .unwrap();
    let key = format!("rv:block:{}", std::process::id());
    let p = || {
        let mut p = redisync::Pipeline::new();
        p.add(&cmd("BLPOP").arg(key.as_str()).arg(1));
        p
    };
    let plain: redisync::Result<Vec<redisync::Value>> = p().query(&c);
    assert!(plain.is_ok(), "plain: {plain:?}");
    let timed: redisync::Result<Vec<redisync::Value>> =
        p().query(c.with_timeout(Duration::from_secs(5)));
    assert!(timed.is_ok(), "with_timeout(5 s): {timed:?}");
}

#[test]
fn waits_too_long_for_the_clock_neither_panic_nor_stop_the_refresh() {
    let cluster = Cluster::builder().replicas(0).start();
    let c = ClusterClient::builder()
        .seeds(&cluster.seeds())
        .refresh_interval(Some(Duration::MAX))
        .refresh_timeout(Duration::MAX)
        .build()
        .unwrap();
    let key = format!("rv:max:{}", std::process::id());
    c.set(key.as_str(), "v").unwrap();
    // The refresh thread is still there after its first refresh.
    c.refresh_slots(Duration::from_secs(5)).unwrap();
    c.refresh_slots(Duration::MAX).unwrap();
    assert_eq!(c.get::<String>(key.as_str()).unwrap().as_deref(), Some("v"));
    let mut sub = c.sharded_subscriber();
    if cluster.node(cluster.primaries()[0]).version() >= (7, 0, 0) {
        sub.ssubscribe(key.as_str()).unwrap();
        let _: u64 = c.spublish(key.as_str(), "m").unwrap();
        let m = sub.next_message(Duration::MAX).unwrap().unwrap();
        assert_eq!(m.payload_str(), Some("m"));
    }
}

#[test]
fn primary_preferred_with_a_hung_primary_costs_one_caller_a_timeout_per_skip() {
    // No failover during the test: the primary simply stops answering.
    let cluster = Cluster::builder()
        .node_timeout(Duration::from_secs(30))
        .start();
    let key = format!("rv:hung:{}", std::process::id());
    let value = format!("v-{}", std::process::id());
    let writer = ClusterClient::open(&cluster.seeds()).unwrap();
    writer.set(key.as_str(), value.as_str()).unwrap();
    let _: i64 = cmd("WAIT").arg(1).arg(2000).query(&writer).unwrap();
    let primary = cluster.primary_of_slot(slot(key.as_bytes()));
    cluster.wait_for_replicas_in_slot_maps();
    let timeout = Duration::from_millis(300);
    let pp = ClusterClient::builder()
        .seeds(&cluster.seeds())
        .node_settings(
            Client::builder()
                .connect_timeout(timeout)
                .read_timeout(timeout)
                .write_timeout(timeout),
        )
        .read_from(ReadFrom::PrimaryPreferred)
        .build()
        .unwrap();
    const THREADS: usize = 4;
    // Every thread has a connection to the primary in the pool.
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for _ in 0..20 {
                    assert_eq!(
                        pp.get::<String>(key.as_str()).unwrap().as_deref(),
                        Some(value.as_str())
                    );
                }
            });
        }
    });

    let paused = cluster.pause(primary);
    let run_for = Duration::from_secs(6);
    let slow = std::sync::atomic::AtomicUsize::new(0);
    let reads = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                let started = Instant::now();
                while started.elapsed() < run_for {
                    let t = Instant::now();
                    let got = pp.get::<String>(key.as_str());
                    assert_eq!(
                        got.as_ref().ok().and_then(|v| v.as_deref()),
                        Some(value.as_str()),
                        "a read with the primary hung: {got:?} after {:?}",
                        t.elapsed()
                    );
                    reads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if t.elapsed() >= timeout - Duration::from_millis(50) {
                        slow.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            });
        }
    });
    drop(paused);
    let slow = slow.into_inner();
    // The first read of each thread waits for its connection to the hung primary; after that
    // one read tries the primary when its skip runs out (after 2 s, then 4 s more). Trying it
    // from every thread every 2 s would be THREADS more slow reads at 2 s and again at 4 s.
    assert!(
        slow <= THREADS + 2,
        "{slow} of {} reads waited for the hung primary",
        reads.into_inner()
    );
}
