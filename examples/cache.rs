//! Client-side caching: a product catalogue read far more often than it changes. Reads are
//! answered from the client's cache without a round trip; a price change made by another
//! client (a back office) reaches the cache by itself, through the server's invalidation,
//! while this process sits idle. It prints the cache's statistics and checks its own results.
//!
//! `cargo run --example cache -- redis://127.0.0.1:6379` (or set `REDIS_URL`).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use redisync::CacheConfig;
use redisync::prelude::*;

type Failure = Box<dyn std::error::Error>;

fn check<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<(), Failure> {
    if got != want {
        return Err(format!("{what}: got {got:?}, expected {want:?}").into());
    }
    println!("ok   {what}: {got:?}");
    Ok(())
}

fn run(url: &str) -> Result<(), Failure> {
    let shop = Client::builder()
        .url(url)
        .cache(CacheConfig::new().max_entries(1_000))
        .build()?;
    // Another client, without a cache: the back office.
    let office = Client::open(url)?;
    office.hset("product:1", [("name", "kettle"), ("price", "25")])?;

    // The first read goes to the server; the next thousand come from the cache.
    let price: Option<String> = shop.hget("product:1", "price")?;
    check("first read", price.as_deref(), Some("25"))?;
    let start = Instant::now();
    for _ in 0..1_000 {
        let _: Option<String> = shop.hget("product:1", "price")?;
    }
    let per_read = start.elapsed() / 1_000;
    let stats = shop.cache_stats().ok_or("no cache")?;
    check("hits", stats.hits, 1_000)?;
    println!("     a cached read took {per_read:?}");

    // The back office changes the price. The shop makes no call: the cache's listener
    // applies the server's invalidation on its own.
    office.hset("product:1", [("price", "19")])?;
    let changed = Instant::now();
    while shop.cache_stats().ok_or("no cache")?.entries > 0 {
        if changed.elapsed() > Duration::from_secs(5) {
            return Err("the invalidation did not arrive".into());
        }
        std::thread::sleep(Duration::from_micros(100));
    }
    println!("     invalidated {:?} after the write", changed.elapsed());
    let price: Option<String> = shop.hget("product:1", "price")?;
    check("read after the change", price.as_deref(), Some("19"))?;

    let stats = shop.cache_stats().ok_or("no cache")?;
    println!(
        "     stats: {} hits, {} misses, {} invalidations, {} entries, {} bytes",
        stats.hits, stats.misses, stats.invalidations, stats.entries, stats.bytes
    );
    check("invalidations received", stats.invalidations >= 1, true)?;
    office.del("product:1")?;
    Ok(())
}

fn main() -> ExitCode {
    let url = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("REDIS_URL").ok())
        .unwrap_or_else(|| "redis://127.0.0.1:6379".to_string());
    match run(&url) {
        Ok(()) => {
            println!("cache: all checks passed");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cache: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}
