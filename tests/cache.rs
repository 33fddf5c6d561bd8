//! Client-side caching against real servers (Redis 6.2, 7.0, Valkey 9 in CI): invalidation
//! while the process is idle, flushes, the listener's loss, restarts, both bounds, TTLs, the
//! three tracking modes, refusals, and a checker under concurrent reads and writes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use redisync::prelude::*;
use redisync::{CacheConfig, CacheMode, CacheStats, Client, ErrorKind, Protocol, cmd};
use support::{RedisServer, wait_until};

/// How long a test waits for a condition that should hold within milliseconds.
const SOON: Duration = Duration::from_secs(5);

fn caching(server: &RedisServer, config: CacheConfig, protocol: Protocol) -> Client {
    Client::builder()
        .url(&server.url())
        .protocol(protocol)
        .cache(config)
        .build()
        .unwrap()
}

/// Another client, without a cache: "someone else" writing.
fn other(server: &RedisServer) -> Client {
    Client::open(&server.url()).unwrap()
}

fn stats(c: &Client) -> CacheStats {
    c.cache_stats().expect("a caching client")
}

/// Reads `key` until it is a hit, so the entry is known to be in the cache.
/// A client just built fills nothing until its invalidation listener is up, so the first
/// reads may all be misses; within `SOON` one must be a hit.
fn cached(c: &Client, key: &str) -> Option<String> {
    let first: Option<String> = c.get(key).unwrap();
    let mut value = None;
    wait_until(SOON, &format!("a read of {key} that is a hit"), || {
        let hits = stats(c).hits;
        let again: Option<String> = c.get(key).unwrap();
        assert_eq!(first, again);
        value = again;
        stats(c).hits == hits + 1
    });
    value
}

#[test]
fn another_clients_write_invalidates_our_entry_while_we_are_idle() {
    let server = RedisServer::start();
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let c = caching(&server, CacheConfig::new(), protocol);
        let key = format!("idle-{protocol:?}");
        other(&server).set(&key, "v1").unwrap();
        assert_eq!(cached(&c, &key).as_deref(), Some("v1"));
        let before = stats(&c);
        other(&server).set(&key, "v2").unwrap();
        // No call on `c` meanwhile: the listener applies the invalidation by itself.
        let acked = Instant::now();
        wait_until(SOON, "the invalidation applied", || {
            stats(&c).evicted_invalidation > before.evicted_invalidation
        });
        let took = acked.elapsed();
        assert!(stats(&c).invalidations > before.invalidations);
        assert_eq!(stats(&c).entries, 0);
        let v: Option<String> = c.get(&key).unwrap();
        assert_eq!(
            v.as_deref(),
            Some("v2"),
            "{protocol:?}, applied after {took:?}"
        );
    }
}

#[test]
fn nil_replies_are_cached_and_errors_are_not() {
    let server = RedisServer::start();
    let c = caching(&server, CacheConfig::new(), Protocol::Resp3);
    assert_eq!(cached(&c, "never-set"), None);
    other(&server).hset("a-hash", ("f", "v")).unwrap();
    for _ in 0..2 {
        let e = c.get::<String>("a-hash").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::WrongType);
    }
    assert_eq!(stats(&c).entries, 1, "only the nil");
    // Written by someone else: the nil goes too.
    other(&server).set("never-set", "now").unwrap();
    wait_until(SOON, "the nil invalidated", || stats(&c).entries == 0);
    assert_eq!(
        c.get::<String>("never-set").unwrap().as_deref(),
        Some("now")
    );
}

#[test]
fn our_own_writes_are_read_back_at_once() {
    let server = RedisServer::start();
    let c = caching(&server, CacheConfig::new(), Protocol::Resp2);
    c.set("mine", "1").unwrap();
    assert_eq!(cached(&c, "mine").as_deref(), Some("1"));
    for i in 2..200 {
        c.set("mine", i).unwrap();
        // No wait for the server's invalidation: the write itself dropped the entry.
        assert_eq!(c.get::<i64>("mine").unwrap(), Some(i));
    }
    // Through a pipeline, too.
    let ((), v): ((), Option<i64>) = redisync::pipe()
        .set("mine", 500)
        .get("mine")
        .query(&c)
        .unwrap();
    assert_eq!(v, Some(500));
    assert_eq!(c.get::<i64>("mine").unwrap(), Some(500));
}

#[test]
fn a_multi_key_entry_goes_when_any_of_its_keys_changes() {
    let server = RedisServer::start();
    let c = caching(&server, CacheConfig::new(), Protocol::Resp3);
    other(&server).mset([("mk-a", "1"), ("mk-b", "2")]).unwrap();
    let keys = ["mk-a", "mk-b"];
    let first: Vec<Option<String>> = c.mget(keys).unwrap();
    let again: Vec<Option<String>> = c.mget(keys).unwrap();
    assert_eq!(first, again);
    assert_eq!(stats(&c).hits, 1);
    other(&server).set("mk-b", "3").unwrap();
    wait_until(SOON, "the MGET entry invalidated", || {
        stats(&c).entries == 0
    });
    let now: Vec<Option<String>> = c.mget(keys).unwrap();
    assert_eq!(now, vec![Some("1".into()), Some("3".into())]);
}

#[test]
fn flushall_flushes_everything() {
    let server = RedisServer::start();
    let c = caching(&server, CacheConfig::new(), Protocol::Resp2);
    for k in ["f1", "f2", "f3"] {
        other(&server).set(k, k).unwrap();
        cached(&c, k);
    }
    let flushes = stats(&c).flushes;
    cmd("FLUSHALL").exec(&other(&server)).unwrap();
    wait_until(SOON, "FLUSHALL applied", || stats(&c).entries == 0);
    assert!(stats(&c).flushes > flushes);
    assert_eq!(c.get::<String>("f1").unwrap(), None);
}

#[test]
fn losing_the_listener_flushes_and_the_cache_comes_back() {
    let server = RedisServer::start();
    let c = caching(&server, CacheConfig::new(), Protocol::Resp3);
    other(&server).set("lk", "v1").unwrap();
    cached(&c, "lk");
    let flushes = stats(&c).flushes;
    // The listener is the connection subscribed to the invalidation channel.
    let killed = server.raw_command(&["CLIENT", "KILL", "TYPE", "pubsub"]);
    assert_eq!(killed.trim(), ":1", "one listener killed");
    wait_until(SOON, "the listener's loss flushes", || {
        stats(&c).flushes > flushes
    });
    assert_eq!(stats(&c).entries, 0);
    // A write while the listener was away is never missed: nothing old is served.
    other(&server).set("lk", "v2").unwrap();
    wait_until(SOON, "caching again", || {
        let v: Option<String> = c.get("lk").unwrap();
        assert_eq!(v.as_deref(), Some("v2"));
        let hits = stats(&c).hits;
        let _: Option<String> = c.get("lk").unwrap();
        stats(&c).hits > hits
    });
    // And invalidations flow again, through the new listener.
    other(&server).set("lk", "v3").unwrap();
    wait_until(SOON, "invalidated again", || stats(&c).entries == 0);
    assert_eq!(c.get::<String>("lk").unwrap().as_deref(), Some("v3"));
}

#[test]
fn after_a_restart_with_other_data_no_old_value_is_served() {
    let mut server = RedisServer::start();
    let c = caching(&server, CacheConfig::new(), Protocol::Resp2);
    other(&server).set("rk", "before").unwrap();
    cached(&c, "rk");
    server.restart();
    other(&server).set("rk", "after").unwrap();
    wait_until(
        SOON,
        "the new value",
        || matches!(c.get::<String>("rk"), Ok(Some(v)) if v == "after"),
    );
    // Never the old one again.
    for _ in 0..50 {
        assert_eq!(c.get::<String>("rk").unwrap().as_deref(), Some("after"));
    }
}

#[test]
fn closing_a_connection_evicts_what_it_fetched() {
    let server = RedisServer::start();
    let c = caching(&server, CacheConfig::new(), Protocol::Resp3);
    other(&server).set("ck", "v").unwrap();
    cached(&c, "ck");
    // The server closes the idle data connection (the listener is a pub/sub client): it
    // forgets what it tracked for it, so the pool's idle pass must evict its entries.
    let killed = server.raw_command(&["CLIENT", "KILL", "TYPE", "normal"]);
    assert_eq!(killed.trim(), ":1");
    wait_until(SOON, "the entry evicted", || {
        stats(&c).evicted_connection_closed == 1
    });
    assert_eq!(stats(&c).entries, 0);
    // Retiring every connection flushes everything (the address may mean another server).
    cached(&c, "ck");
    let flushes = stats(&c).flushes;
    c.retire_connections();
    assert!(stats(&c).flushes > flushes);
    assert_eq!(stats(&c).entries, 0);
    wait_until(SOON, "caching again", || {
        let _: Option<String> = c.get("ck").unwrap();
        let hits = stats(&c).hits;
        let _: Option<String> = c.get("ck").unwrap();
        stats(&c).hits > hits
    });
}

#[test]
fn both_bounds_hold() {
    let server = RedisServer::start();
    let c = caching(
        &server,
        CacheConfig::new().max_entries(100),
        Protocol::Resp3,
    );
    for i in 0..1000 {
        let _: Option<String> = c.get(format!("bound-{i}")).unwrap();
    }
    let s = stats(&c);
    assert!(s.entries <= 100, "{s:?}");
    assert!(s.evicted_full >= 900, "{s:?}");
    let budget = 64 * 1024;
    let c = caching(
        &server,
        CacheConfig::new().max_bytes(budget),
        Protocol::Resp2,
    );
    let value = "x".repeat(1000);
    for i in 0..500 {
        other(&server).set(format!("big-{i}"), &value).unwrap();
        let _: Option<String> = c.get(format!("big-{i}")).unwrap();
    }
    let s = stats(&c);
    assert!(s.bytes <= budget as u64, "{s:?}");
    assert!(
        s.bytes >= budget as u64 * 8 / 10,
        "the budget is used: {s:?}"
    );
    assert!(s.evicted_full > 0);
}

#[test]
fn entries_outlive_neither_the_ttl_nor_their_keys() {
    let server = RedisServer::start();
    let ttl = Duration::from_millis(300);
    let c = caching(&server, CacheConfig::new().ttl(ttl), Protocol::Resp3);
    other(&server).set("ttl-k", "v").unwrap();
    cached(&c, "ttl-k");
    let start = Instant::now();
    wait_until(SOON, "the TTL ends the entry", || {
        let misses = stats(&c).misses;
        let _: Option<String> = c.get("ttl-k").unwrap();
        stats(&c).misses > misses
    });
    assert!(start.elapsed() >= ttl - Duration::from_millis(50));
    assert!(stats(&c).evicted_ttl >= 1);
    // A key that expires sooner than the TTL: the entry goes with it.
    let c = caching(
        &server,
        CacheConfig::new().ttl(Duration::from_secs(60)),
        Protocol::Resp2,
    );
    other(&server)
        .set_options(
            "short",
            "v",
            redisync::SetOptions::new().px(Duration::from_millis(200)),
        )
        .unwrap();
    assert_eq!(cached(&c, "short").as_deref(), Some("v"));
    wait_until(SOON, "the key's expiry ends the entry", || {
        c.get::<String>("short").unwrap().is_none()
    });
}

#[test]
fn optin_tracks_only_what_the_cache_reads() {
    let server = RedisServer::start();
    let c = caching(
        &server,
        CacheConfig::new().mode(CacheMode::OptIn),
        Protocol::Resp2,
    );
    other(&server).set("oi", "1").unwrap();
    assert_eq!(cached(&c, "oi").as_deref(), Some("1"));
    other(&server).set("oi", "2").unwrap();
    wait_until(SOON, "invalidated in OPTIN mode", || stats(&c).entries == 0);
    assert_eq!(c.get::<String>("oi").unwrap().as_deref(), Some("2"));
    // A read that bypasses the cache is not tracked: its key's change reports nothing.
    other(&server).set("untracked", "1").unwrap();
    let _: Option<String> = c.without_cache().get("untracked").unwrap();
    let before = stats(&c).invalidations;
    other(&server).set("untracked", "2").unwrap();
    // A tracked key written after it: once its invalidation is in, the other would be too.
    other(&server).set("oi", "3").unwrap();
    wait_until(SOON, "oi invalidated", || stats(&c).invalidations > before);
    assert_eq!(stats(&c).invalidations, before + 1, "only the tracked key");
}

#[test]
fn broadcast_caches_keys_under_its_prefixes_only() {
    let server = RedisServer::start();
    let mode = CacheMode::Broadcast(vec!["user:".into()]);
    let c = caching(&server, CacheConfig::new().mode(mode), Protocol::Resp3);
    other(&server).set("user:1", "ann").unwrap();
    other(&server).set("order:1", "x").unwrap();
    assert_eq!(cached(&c, "user:1").as_deref(), Some("ann"));
    let _: Option<String> = c.get("order:1").unwrap();
    let _: Option<String> = c.get("order:1").unwrap();
    assert_eq!(stats(&c).entries, 1, "order:1 is under no prefix");
    // A key under the prefix that nobody read is reported too (that is broadcast).
    let before = stats(&c).invalidations;
    other(&server).set("user:2", "bob").unwrap();
    wait_until(SOON, "user:2 reported", || stats(&c).invalidations > before);
    other(&server).set("user:1", "ann2").unwrap();
    wait_until(SOON, "user:1 invalidated", || stats(&c).entries == 0);
    assert_eq!(c.get::<String>("user:1").unwrap().as_deref(), Some("ann2"));
}

#[test]
fn commands_that_change_what_the_cache_means_are_refused() {
    let server = RedisServer::start();
    let c = caching(&server, CacheConfig::new(), Protocol::Resp3);
    for (command, args) in [
        ("SELECT", vec!["1"]),
        ("AUTH", vec!["pw"]),
        ("HELLO", vec!["3"]),
        ("RESET", vec![]),
        ("CLIENT", vec!["TRACKING", "OFF"]),
    ] {
        let mut one = cmd(command);
        for a in &args {
            one = one.arg(*a);
        }
        let e = one.exec(&c).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{command}");
        assert!(e.to_string().contains("caching"), "{e}");
        // On a connection taken from the pool, too.
        let mut conn = c.get_connection().unwrap();
        let e = one.exec(&mut *conn).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{command}");
    }
    assert_eq!(server.command_calls("select"), 0);
    // The connections still work, and still cache.
    c.set("still", "ok").unwrap();
    assert_eq!(cached(&c, "still").as_deref(), Some("ok"));
}

#[test]
fn without_cache_goes_to_the_server_and_keeps_nothing() {
    let server = RedisServer::start();
    let c = caching(&server, CacheConfig::new(), Protocol::Resp3);
    c.set("wc", "1").unwrap();
    let before = server.command_calls("get");
    for _ in 0..3 {
        assert_eq!(
            c.without_cache().get::<String>("wc").unwrap().as_deref(),
            Some("1")
        );
    }
    assert_eq!(server.command_calls("get"), before + 3);
    assert_eq!(stats(&c).entries, 0);
    cached(&c, "wc");
    c.flush_cache();
    assert_eq!(stats(&c).entries, 0);
}

/// Readers and writers on random keys through one caching client, plus a writer without a
/// cache: no read returns a value older than the last write acknowledged before the read
/// began (by this client) or more than `BOUND` before it (by the other); once writes stop,
/// every entry agrees with the server.
#[test]
fn concurrent_reads_and_writes_never_see_old_values() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

    const KEYS: usize = 16;
    const BOUND: Duration = Duration::from_millis(200);
    let server = RedisServer::start();
    let c = caching(&server, CacheConfig::new(), Protocol::Resp3);
    let writer = other(&server);
    // Per key: the newest version acknowledged, and when (ms since start).
    let acked: Arc<Vec<(AtomicU64, AtomicU64)>> = Arc::new(
        (0..KEYS)
            .map(|_| (AtomicU64::new(0), AtomicU64::new(0)))
            .collect(),
    );
    let start = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let version = Arc::new(AtomicU64::new(0));
    for k in 0..KEYS {
        c.set(format!("cc-{k}"), 0).unwrap();
    }
    let failures = std::thread::scope(|s| {
        let mut handles = Vec::new();
        for t in 0..8 {
            let (c, writer, acked, stop, version) = (&c, &writer, &acked, &stop, &version);
            handles.push(s.spawn(move || {
                let mut failures = Vec::new();
                let mut n = t as usize;
                while !stop.load(Ordering::Relaxed) {
                    n = n.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    let k = (n >> 33) % KEYS;
                    let key = format!("cc-{k}");
                    if t < 2 {
                        // Writers: versions only grow; t 0 writes through the cache, t 1 not.
                        let v = version.fetch_add(1, Ordering::SeqCst) + 1;
                        let through: &Client = if t == 0 { c } else { writer };
                        through.set(&key, v).unwrap();
                        let (newest, at) = &acked[k];
                        // The time first, then the version: a reader that sees the version
                        // sees a time no earlier than its acknowledgement.
                        at.store(start.elapsed().as_millis() as u64, Ordering::SeqCst);
                        newest.fetch_max(v, Ordering::SeqCst);
                    } else {
                        let began = start.elapsed().as_millis() as u64;
                        let (newest, at) = (&acked[k].0, &acked[k].1);
                        let floor = newest.load(Ordering::SeqCst);
                        let floor_at = at.load(Ordering::SeqCst);
                        let got: u64 = c.get(&key).unwrap().unwrap_or(0);
                        // Stale is allowed only for a write acknowledged less than BOUND ago.
                        if got < floor && began.saturating_sub(floor_at) > BOUND.as_millis() as u64 {
                            failures.push(format!("{key}: read {got}, {floor} acked at {floor_at} ms, read at {began} ms"));
                        }
                    }
                }
                failures
            }));
        }
        std::thread::sleep(Duration::from_secs(3));
        stop.store(true, Ordering::Relaxed);
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    });
    assert!(
        failures.is_empty(),
        "{} stale reads: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    let s = stats(&c);
    assert!(s.hits > 0 && s.invalidations > 0, "{s:?}");
    // Writes stopped: within the bound every cached value is the server's.
    std::thread::sleep(BOUND);
    for k in 0..KEYS {
        let key = format!("cc-{k}");
        let cached: Option<u64> = c.get(&key).unwrap();
        let real: Option<u64> = c.without_cache().get(&key).unwrap();
        assert_eq!(cached, real, "{key}");
    }
}

#[test]
fn a_user_not_allowed_the_invalidation_channel_gets_a_clear_error() {
    let server = RedisServer::builder()
        .acl_user("reader on >pw ~* resetchannels +@all")
        .start();
    let url = format!("redis://reader:pw@127.0.0.1:{}", server.port());
    let c = Client::builder()
        .url(&url)
        .cache(CacheConfig::new())
        .build()
        .unwrap();
    let mut last = None;
    wait_until(SOON, "the refusal", || match c.get::<String>("k") {
        Err(e) => {
            last = Some(e);
            true
        }
        Ok(_) => false,
    });
    let e = last.unwrap();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(e.to_string().contains("__redis__:invalidate"), "{e}");
}

#[test]
fn dropping_the_client_ends_its_listener() {
    let server = RedisServer::start();
    let pubsub_clients = || {
        server
            .raw_command(&["CLIENT", "LIST", "TYPE", "pubsub"])
            .lines()
            .filter(|l| l.contains("id="))
            .count()
    };
    let c = caching(
        &server,
        CacheConfig::new().heartbeat(Duration::from_millis(100)),
        Protocol::Resp3,
    );
    cached(&c, "drop-k");
    assert_eq!(pubsub_clients(), 1, "the listener");
    drop(c);
    // Within a heartbeat or so the thread notices and closes its connection.
    wait_until(SOON, "the listener gone", || pubsub_clients() == 0);
}
