//! Smart client handoffs, rehearsed: the crate's maintenance simulator (feature `testing`)
//! stands in front of a real redis-server and plays what Redis Cloud sends before a
//! maintenance. A client with a 300 ms read timeout keeps working through a shard migration
//! whose replies take 500 ms (its timeouts are relaxed from MIGRATING to MIGRATED), then
//! through a MOVING to another endpoint whose old one closes when the notice runs out. The
//! example checks its own results and exits non-zero on a wrong one.
//!
//! `cargo run --features testing --example maintenance -- redis://127.0.0.1:6379`

use std::net::ToSocketAddrs;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use redisync::MaintenanceConfig;
use redisync::prelude::*;
use redisync::testing::{MaintenanceSimulator, Notification, Target};

type Failure = Box<dyn std::error::Error>;

fn run(url: &str) -> Result<(), Failure> {
    let hostport = url
        .trim_start_matches("redis://")
        .split('/')
        .next()
        .unwrap_or("127.0.0.1:6379");
    let upstream = hostport
        .to_socket_addrs()?
        .next()
        .ok_or("the URL names no address")?;
    let old = MaintenanceSimulator::start(upstream)?;
    let new = MaintenanceSimulator::start(upstream)?;
    let client = Client::builder()
        .url(&old.url())
        .read_timeout(Duration::from_millis(300))
        .maintenance(MaintenanceConfig::new().relaxed_timeout(Duration::from_secs(5)))
        .build()?;
    client.set("handoff:k", "before")?;
    println!("connections asked for notices: {:?}", old.handshakes());

    // A migration: replies slower than the read timeout, announced first.
    old.notify(
        &Notification::Migrating {
            seq: 1,
            time: Duration::from_secs(30),
        },
        Target::Handshaken,
    );
    old.delay_replies(Duration::from_millis(500));
    let start = Instant::now();
    client.set("handoff:k", "during")?;
    let v: Option<String> = client.get("handoff:k")?;
    println!(
        "ok   during the migration: {v:?} in {:?} (read timeout 300 ms)",
        start.elapsed()
    );
    if v.as_deref() != Some("during") {
        return Err("wrong value during the migration".into());
    }
    old.delay_replies(Duration::ZERO);
    old.notify(&Notification::Migrated { seq: 2 }, Target::Handshaken);

    // A move: the old endpoint closes when the two-second notice runs out.
    let to = format!("127.0.0.1:{}", new.port());
    old.notify(
        &Notification::Moving {
            seq: 3,
            time: Duration::from_secs(2),
            endpoint: Some(to),
        },
        Target::Handshaken,
    );
    old.close_after(Duration::from_secs(2));
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut calls = 0;
    while Instant::now() < deadline {
        client.set("handoff:k", calls)?;
        let v: Option<u64> = client.get("handoff:k")?;
        if v != Some(calls) {
            return Err(format!("read {v:?} after writing {calls}").into());
        }
        calls += 1;
    }
    println!(
        "ok   {calls} SET+GET pairs through the move, none failed; connections now: old {}, new {}",
        old.connections(),
        new.connections()
    );
    if old.connections() != 0 {
        return Err("connections left on the old endpoint".into());
    }
    let stats = client.maintenance_stats().ok_or("maintenance off")?;
    println!(
        "     stats: {} MIGRATING, {} MIGRATED, {} MOVING, {} connections moved",
        stats.migrating, stats.migrated, stats.moving, stats.moved_connections
    );
    client.del("handoff:k")?;
    Ok(())
}

fn main() -> ExitCode {
    let url = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("REDIS_URL").ok())
        .unwrap_or_else(|| "redis://127.0.0.1:6379".to_string());
    match run(&url) {
        Ok(()) => {
            println!("maintenance: all checks passed");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("maintenance: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}
