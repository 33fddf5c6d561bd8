//! Shared fixtures for the integration tests (`mod support;` in each file
//! under `tests/`).
//!
//! Nothing here uses the `redisync` API: the fixtures must keep working while
//! the client is being written, and a bug in the client must never be able to
//! hide itself by breaking the fixture that checks it. Everything speaks raw
//! RESP over `std` sockets.
//!
//! * [`RedisServer`] — a real `redis-server` in a temp dir on free ports
//!   (password, ACL users, Unix socket, TLS, extra config lines).
//! * [`tls_certs`] — CA, server, client and unrelated-CA certificates made
//!   with the `openssl` command line, once per test process.
//! * [`FakeServer`] — a scripted server for replies a real one never sends.
//! * [`Cluster`] — a real Redis Cluster (three primaries and three replicas
//!   by default, formed with `redis-cli --cluster create`): slot map,
//!   `kill -9` and failover, restart, slot migration held half-way.
//! * [`sentinel::Deployment`] — one primary, two replicas and three real
//!   sentinels (`redis-server --sentinel`) on free ports.
//! * [`BlackholeListener`] — a port where `connect` hangs (connect timeouts).
//! * [`unused_port`] — a port where `connect` is refused.
//! * [`wait_until`] / [`wait_for`] — polling with a deadline, never a blind
//!   sleep.

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code, unused_imports)]
// A fixture that cannot do its job must stop the test with a clear message;
// `expect` with that message is the intended behaviour here.
#![allow(clippy::expect_used)]

pub mod blackhole;
pub mod cluster;
pub mod fake;
pub mod ports;
pub mod resp;
pub mod sentinel;
pub mod server;
pub mod tls;
pub mod wait;

pub use blackhole::BlackholeListener;
pub use cluster::{Cluster, ClusterOptions, Migration, SlotRange};
pub use fake::{Expect, FakeServer, Step};
pub use ports::{free_port, unused_port};
pub use server::{RedisServer, RedisServerBuilder, ServerKind, TlsAuthClients, Version};
pub use tls::{TlsCerts, tls_certs};
pub use wait::{wait_for, wait_ok, wait_until};

/// A name no other call (or run) uses: `prefix`, the process, the time, a counter.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{prefix}:{}:{nanos}:{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}
