//! The pool's reaper thread exits when the last clone of its client is dropped. Alone in its
//! own test binary, so that no other test's clients add reaper threads to the count.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use redisync::Client;
use redisync::prelude::*;
use support::{RedisServer, wait_until};

/// Threads of this process whose name starts like the reaper's (Linux keeps 15 characters).
fn reapers() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| name.starts_with("redisync-pool"))
        .count()
}

#[test]
fn the_reaper_stops_with_the_last_client_clone() {
    let server = RedisServer::start();
    assert_eq!(reapers(), 0);
    let client = Client::open(&server.url()).unwrap();
    let clone = client.clone();
    client.set("k", 1).unwrap();
    wait_until(Duration::from_secs(5), "the reaper to start", || {
        reapers() == 1
    });
    drop(client);
    // A clone still holds the pool: the reaper keeps running.
    assert_eq!(clone.get::<i64>("k").unwrap(), Some(1));
    assert_eq!(reapers(), 1);
    // A checked-out connection outliving every clone keeps the pool until it is returned,
    // even if the reaper looks in between (the pause makes sure it does).
    let conn = clone.get_connection().unwrap();
    drop(clone);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(reapers(), 1);
    drop(conn);
    wait_until(Duration::from_secs(5), "the reaper to exit", || {
        reapers() == 0
    });
    // No reaper at all when there is nothing to reap.
    let idle_forever = Client::builder()
        .url(&server.url())
        .idle_timeout(None)
        .build()
        .unwrap();
    idle_forever.set("k", 2).unwrap();
    assert_eq!(reapers(), 0);
}
