//! A client that finds its primary through Redis Sentinel and follows a failover: it writes,
//! reads back from a replica, asks a sentinel for a `SENTINEL FAILOVER`, keeps writing through
//! it, and reports when it moved to the new primary and how many of its writes made it. It
//! checks its own results and exits non-zero on a wrong one.
//!
//! `cargo run --example sentinel -- mymaster redis://127.0.0.1:26379 [more sentinel URLs]`
//!
//! The deployment needs at least one replica the sentinels know of (`make demo` starts a
//! primary, a replica and a sentinel). The failover turns the current primary into a
//! replica: run it on a throwaway deployment.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use redisync::prelude::*;
use redisync::sentinel::SentinelConfig;
use redisync::{Client, Connection, ConnectionConfig, Protocol, Role, cmd};

type Failure = Box<dyn std::error::Error>;

/// The replicas a sentinel lists as up and linked to their primary.
fn healthy_replicas(sentinel: &mut Connection, service: &str) -> Result<usize, Failure> {
    let replicas: Vec<Vec<String>> = cmd("SENTINEL")
        .arg("REPLICAS")
        .arg(service)
        .query(&mut *sentinel)?;
    let field = |r: &[String], name: &str| {
        r.chunks(2)
            .find(|kv| kv[0] == name)
            .and_then(|kv| kv.get(1).cloned())
            .unwrap_or_default()
    };
    Ok(replicas
        .iter()
        .filter(|r| !field(r, "flags").contains("down") && field(r, "master-link-status") == "ok")
        .count())
}

fn run(service: &str, sentinels: &[String]) -> Result<(), Failure> {
    let client = Client::builder()
        .client_name("sentinel-example")
        .sentinel(SentinelConfig::new(service, sentinels))
        .build()?;
    client.set("sentinel:greeting", "hello")?;
    let stats = client.sentinel_stats().ok_or("not a Sentinel client")?;
    let first = stats.primary.ok_or("no primary named")?;
    println!("primary of {service:?}: {first}");

    // RESP2: the replica list then comes as flat field-value arrays on every version.
    let mut sentinel = Connection::with_config(
        &ConnectionConfig::from_url(&sentinels[0])?.protocol(Protocol::Resp2),
    )?;
    let until = Instant::now() + Duration::from_secs(20);
    while healthy_replicas(&mut sentinel, service)? == 0 {
        if Instant::now() > until {
            return Err("the sentinel lists no healthy replica".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }

    // Reads from a replica (it may lag the primary by a moment).
    let reads = client.replica_client()?;
    let mut seen = None;
    while seen.is_none() && Instant::now() < until {
        seen = reads.get::<String>("sentinel:greeting")?;
    }
    if !matches!(reads.role()?, Role::Replica { .. }) {
        return Err("the replica client is not on a replica".into());
    }
    if seen.as_deref() != Some("hello") {
        return Err(format!("the replica returned {seen:?}").into());
    }
    match reads.role()? {
        Role::Replica {
            master_host,
            master_port,
            ..
        } => println!("read it back from a replica of {master_host}:{master_port}"),
        other => return Err(format!("read it back from {other:?}").into()),
    }

    // A planned failover, with the writes going on.
    cmd("SENTINEL")
        .arg("FAILOVER")
        .arg(service)
        .exec(&mut sentinel)?;
    let asked = Instant::now();
    let mut acked: Vec<(String, Duration)> = Vec::new();
    let mut failed = 0u64;
    let mut moved = None;
    while Instant::now() < asked + Duration::from_secs(30) {
        let key = format!("sentinel:write:{}", acked.len());
        match client.set(key.as_str(), "v") {
            Ok(()) => acked.push((key, asked.elapsed())),
            Err(e) => {
                failed += 1;
                if failed == 1 {
                    println!("a write failed during the failover: {e}");
                }
            }
        }
        let primary = client.sentinel_stats().and_then(|s| s.primary);
        if moved.is_none() && primary.as_ref() != Some(&first) {
            moved = Some(asked.elapsed());
        }
        // Keep writing for a moment on the new primary.
        if moved.is_some_and(|m| asked.elapsed() > m + Duration::from_millis(500)) {
            break;
        }
    }
    let Some(after) = moved else {
        return Err("the client did not follow the failover within 30 s".into());
    };
    let stats = client.sentinel_stats().ok_or("not a Sentinel client")?;
    let now = stats.primary.clone().ok_or("no primary named")?;
    println!("moved to {now} {after:?} after SENTINEL FAILOVER");
    if !matches!(client.role()?, Role::Master { .. }) {
        return Err("the client's connections are not on a primary".into());
    }

    // Which acknowledged writes the new primary has: those the old primary took after the
    // promotion and before the client moved are lost (asynchronous replication), but none
    // acknowledged once the client had moved (50 ms after it noticed, for the write then in
    // flight).
    let (mut missing, mut missing_after) = (0, 0);
    for chunk in acked.chunks(500) {
        let keys: Vec<&str> = chunk.iter().map(|(k, _)| k.as_str()).collect();
        let values: Vec<Option<String>> = client.mget(keys.as_slice())?;
        for ((_, at), v) in chunk.iter().zip(values) {
            if v.is_none() {
                missing += 1;
                if *at > after + Duration::from_millis(50) {
                    missing_after += 1;
                }
            }
        }
    }
    println!(
        "{} writes acknowledged, {missing} not on the new primary ({missing_after} of them after the move), {failed} failed and were reported",
        acked.len()
    );
    if missing_after > 0 {
        return Err("writes acknowledged after the move are missing".into());
    }
    println!(
        "stats: {} switch(es), {} switch announcement(s), {} lookups, {} sentinels known",
        stats.switches, stats.switch_events, stats.lookups, stats.sentinels
    );
    if stats.switches == 0 {
        return Err("no switch counted".into());
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (service, sentinels) = match args.split_first() {
        Some((service, sentinels)) if !sentinels.is_empty() => (service.clone(), sentinels),
        _ => {
            eprintln!("usage: sentinel <service> <sentinel URL>...");
            return ExitCode::from(2);
        }
    };
    match run(&service, sentinels) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sentinel example failed: {e}");
            ExitCode::FAILURE
        }
    }
}
