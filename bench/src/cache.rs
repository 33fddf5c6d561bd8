//! The client-side cache scenarios (issue 9's targets): a hit against a loopback GET, hits on
//! 8 threads against one, the staleness of an entry after another client's write (idle and
//! under load), and memory while reading many distinct keys through a small cache.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use redisync::prelude::*;
use redisync::{CacheConfig, Client};

use crate::alloc::allocations;
use crate::measure::{Plan, Unit, compare, compare_threads, report_target};
use crate::scenarios::KEY_16;

const THREADS: usize = 8;

fn caching_client(url: &str, config: CacheConfig) -> Result<Client, String> {
    let client = Client::builder()
        .url(url)
        .max_connections(THREADS)
        .cache(config)
        .build()
        .map_err(|e| format!("caching client: {e}"))?;
    // Until the listener is up, reads fill nothing: wait for the first hit.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let _: Option<Vec<u8>> = client.get(KEY_16).map_err(|e| e.to_string())?;
        let _: Option<Vec<u8>> = client.get(KEY_16).map_err(|e| e.to_string())?;
        if client.cache_stats().is_some_and(|s| s.hits > 0) {
            return Ok(client);
        }
        if Instant::now() > deadline {
            return Err("the cache never served a hit".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn get(client: &Client) {
    let v: Option<Vec<u8>> = client.get(KEY_16).expect("GET");
    black_box(v);
}

/// A hit on one thread against the same GET through a client without a cache (a loopback
/// round trip), and the allocations of one hit.
pub fn hit(plan: Plan, url: &str) -> Result<(), String> {
    let cached = caching_client(url, CacheConfig::new())?;
    let plain = Client::open(url).map_err(|e| e.to_string())?;
    let rates = compare(plan, &mut || get(&cached), &mut || get(&plain));
    report_target(
        "cache_hit",
        ("hit", "GET"),
        rates,
        Unit::NanosPer("GET"),
        " (target: a hit <= 200 ns and >= 100x a loopback GET)",
    );
    let n = 10_000;
    let before = allocations();
    for _ in 0..n {
        get(&cached);
    }
    let per = (allocations() - before) as f64 / n as f64;
    println!(
        "cache_hit_allocs   | {per:.2} allocations per hit of a 16-byte value (target: the value only, 1)"
    );
    Ok(())
}

/// Hits on 8 threads through one client against hits on one thread: over 64 hot keys (each
/// thread walking them from its own start), and on one hot key.
pub fn hit_threads(plan: Plan, url: &str) -> Result<(), String> {
    let client = caching_client(url, CacheConfig::new())?;
    let keys: Vec<String> = (0..64).map(|i| format!("redisync-bench:hot:{i}")).collect();
    for k in &keys {
        client
            .set(k, "0123456789abcdef")
            .map_err(|e| e.to_string())?;
        // A miss, then cached.
        let _: Option<Vec<u8>> = client.get(k).map_err(|e| e.to_string())?;
    }
    let walk = |state: &mut (&Client, &[String], usize)| {
        let (c, keys, i) = state;
        *i = (*i + 1) % keys.len();
        let v: Option<Vec<u8>> = c.get(&keys[*i]).expect("GET");
        black_box(v);
    };
    let mut eight: Vec<(&Client, &[String], usize)> =
        (0..THREADS).map(|t| (&client, &keys[..], t * 8)).collect();
    let mut one = vec![(&client, &keys[..], 0)];
    let rates = compare_threads(plan, (&mut eight, &walk), (&mut one, &walk));
    report_target(
        "cache_hit_threads",
        ("8 thr", "1 thr"),
        rates,
        Unit::Ops,
        " (64 hot keys; target: >= 1.6 on 2 cores)",
    );
    // The machine's own ceiling: the same comparison for a loop that shares nothing.
    // Each thread's state on cache lines of its own (adjacent words would share a line and
    // measure false sharing instead).
    let spin = |x: &mut [u64; 16]| {
        for _ in 0..64 {
            x[0] = black_box(x[0].wrapping_mul(6364136223846793005).wrapping_add(1));
        }
    };
    let mut eight_spins = vec![[1u64; 16]; THREADS];
    let mut one_spin = vec![[1u64; 16]; 1];
    let ceiling = compare_threads(plan, (&mut eight_spins, &spin), (&mut one_spin, &spin));
    report_target(
        "cpu_ceiling",
        ("8 thr", "1 thr"),
        ceiling,
        Unit::Ops,
        " (a loop sharing nothing: what this machine's cores allow)",
    );
    let mut eight: Vec<&Client> = vec![&client; THREADS];
    let mut one: Vec<&Client> = vec![&client; 1];
    let op = |c: &mut &Client| get(c);
    let rates = compare_threads(plan, (&mut eight, &op), (&mut one, &op));
    report_target(
        "cache_hit_1key",
        ("8 thr", "1 thr"),
        rates,
        Unit::Ops,
        " (one hot key: every thread on one shard's lock)",
    );
    Ok(())
}

/// Time from another client's acknowledged write to the entry being gone, with this process
/// idle and with 8 threads reading and writing other keys through the same client.
pub fn staleness(quick: bool, url: &str) -> Result<(), String> {
    let samples = if quick { 50 } else { 400 };
    let client = caching_client(url, CacheConfig::new())?;
    let writer = Client::open(url).map_err(|e| e.to_string())?;
    let idle = measure_staleness(&client, &writer, samples)?;
    print_staleness("cache_stale_idle", &idle, "p99 <= 1 ms");
    let stop = AtomicBool::new(false);
    let loaded = std::thread::scope(|s| {
        for t in 0..THREADS {
            let (client, stop) = (&client, &stop);
            s.spawn(move || {
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let key = format!("redisync-bench:load:{}", (i * 7 + t as u64) % 64);
                    if i.is_multiple_of(10) {
                        let _ = client.set(&key, i);
                    } else {
                        let _: redisync::Result<Option<u64>> = client.get(&key);
                    }
                }
            });
        }
        let r = measure_staleness(&client, &writer, samples);
        stop.store(true, Ordering::Relaxed);
        r
    })?;
    print_staleness("cache_stale_load", &loaded, "p99 <= 10 ms");
    Ok(())
}

fn measure_staleness(
    client: &Client,
    writer: &Client,
    samples: usize,
) -> Result<Vec<Duration>, String> {
    let key = "redisync-bench:stale";
    let mut times = Vec::with_capacity(samples);
    for i in 0..samples {
        writer.set(key, i).map_err(|e| e.to_string())?;
        // Cache it (a miss, then a hit).
        loop {
            let v: Option<u64> = client.get(key).map_err(|e| e.to_string())?;
            if v == Some(i as u64) {
                break;
            }
        }
        let hits = client.cache_stats().map_or(0, |s| s.hits);
        let _: Option<u64> = client.get(key).map_err(|e| e.to_string())?;
        if client.cache_stats().map_or(0, |s| s.hits) == hits {
            continue; // not cached this time (an invalidation raced the fill)
        }
        let gone = client.cache_stats().map_or(0, |s| s.evicted_invalidation);
        writer.set(key, i + 1).map_err(|e| e.to_string())?;
        let acked = Instant::now();
        let deadline = acked + Duration::from_secs(5);
        while client.cache_stats().map_or(0, |s| s.evicted_invalidation) == gone {
            if Instant::now() > deadline {
                return Err("an invalidation never arrived".into());
            }
            std::hint::spin_loop();
        }
        times.push(acked.elapsed());
    }
    times.sort();
    Ok(times)
}

fn print_staleness(name: &str, times: &[Duration], target: &str) {
    let at = |q: f64| {
        times
            .get(((times.len() as f64 - 1.0) * q) as usize)
            .copied()
            .unwrap_or_default()
    };
    println!(
        "{name:<18} | write acked -> entry gone: p50 {:?}, p99 {:?}, max {:?} over {} samples (target: {target})",
        at(0.5),
        at(0.99),
        times.last().copied().unwrap_or_default(),
        times.len()
    );
}

/// Reads many distinct keys through a 10,000-entry cache with a byte budget: resident memory
/// before and after, and the budget's use.
pub fn memory(quick: bool, url: &str) -> Result<(), String> {
    let keys: usize = if quick { 50_000 } else { 1_000_000 };
    let budget = 2 << 20;
    let writer = Client::open(url).map_err(|e| e.to_string())?;
    let value = vec![b'v'; 200];
    let mut p = redisync::Pipeline::new();
    for i in 0..keys {
        p.set(format!("redisync-bench:mem:{i}"), &value);
        if p.len() == 10_000 || i + 1 == keys {
            let _: Vec<redisync::Value> = p.query(&writer).map_err(|e| e.to_string())?;
            p.clear();
        }
    }
    let client = caching_client(
        url,
        CacheConfig::new().max_entries(10_000).max_bytes(budget),
    )?;
    let before = rss_kib();
    let mut peak = before;
    for i in 0..keys {
        let v: Option<Vec<u8>> = client
            .get(format!("redisync-bench:mem:{i}"))
            .map_err(|e| e.to_string())?;
        black_box(v);
        if i.is_multiple_of(10_000) {
            peak = peak.max(rss_kib());
        }
    }
    let after = rss_kib();
    let s = client.cache_stats().unwrap_or_default();
    println!(
        "cache_memory       | {keys} distinct keys of 200 B through 10,000 entries / {} KiB: RSS {before} -> {after} KiB (peak {peak}); entries {}, bytes {} ({:.1}% of the budget), evicted {}",
        budget / 1024,
        s.entries,
        s.bytes,
        s.bytes as f64 * 100.0 / budget as f64,
        s.evicted_full
    );
    let mut del = redisync::Pipeline::new();
    for i in 0..keys {
        del.del(format!("redisync-bench:mem:{i}"));
        if del.len() == 10_000 || i + 1 == keys {
            let _: Vec<redisync::Value> = del.query(&writer).map_err(|e| e.to_string())?;
            del.clear();
        }
    }
    Ok(())
}

/// This process's resident memory, KiB (0 where /proc is missing).
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}
