//! Free and unused loopback ports.
//!
//! A port is picked by binding `127.0.0.1:0` and reading what the kernel
//! chose, then releasing it for the real user (redis-server). That leaves a
//! small window in which something else may take it, so callers that bind
//! (see `server.rs`) retry on "address in use". Within one test process the
//! ports handed out are remembered and never handed out twice, so parallel
//! tests do not race each other for the same number.

use std::collections::HashSet;
use std::hash::BuildHasher;
use std::io::ErrorKind;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// How many candidate ports to try before giving up.
const ATTEMPTS: usize = 100;
/// A cluster node's bus listens this far above its client port: fixed in
/// Redis 6.2 (`cluster-port` came with 7.0), the default on 7.x and Valkey.
pub const CLUSTER_BUS_OFFSET: u16 = 10000;
/// Client ports of cluster nodes, chosen so the bus port (+10000) stays
/// below Linux's ephemeral range (32768 and up) too: there a port nothing
/// listens on may still be the local end of some connection and refuse a bind.
const CLUSTER_PORTS: std::ops::RangeInclusive<u16> = 20000..=22767;

fn handed_out() -> &'static Mutex<HashSet<u16>> {
    static PORTS: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    PORTS.get_or_init(|| Mutex::new(HashSet::new()))
}

/// Binds `127.0.0.1:0` and returns the port the kernel chose, released again.
fn kernel_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap_or_else(|e| panic!("cannot bind 127.0.0.1:0 to find a free port: {e}"));
    listener
        .local_addr()
        .unwrap_or_else(|e| panic!("cannot read the port of a bound listener: {e}"))
        .port()
}

/// A 127.0.0.1 port that was free a moment ago and that this process has not
/// handed out before. Meant for a server that is about to bind it.
///
/// # Panics
///
/// When no such port is found in a hundred tries.
pub fn free_port() -> u16 {
    for _ in 0..ATTEMPTS {
        let port = kernel_port();
        let mut ports = handed_out().lock().unwrap_or_else(|e| e.into_inner());
        if ports.insert(port) {
            return port;
        }
    }
    panic!("no free 127.0.0.1 port found in {ATTEMPTS} tries");
}

/// A 127.0.0.1 port for a Redis Cluster node: it and the bus port
/// `port + CLUSTER_BUS_OFFSET` could both be bound a moment ago, and neither
/// was handed out by this process before (both are recorded as handed out).
///
/// # Panics
///
/// When no such pair is found in a hundred tries.
pub fn free_cluster_port() -> u16 {
    let (low, high) = (*CLUSTER_PORTS.start(), *CLUSTER_PORTS.end());
    let span = u64::from(high - low) + 1;
    for attempt in 0..ATTEMPTS {
        // A fresh RandomState hashes differently each time: random enough to
        // keep parallel test processes apart, without a dependency.
        let random = std::collections::hash_map::RandomState::new().hash_one(attempt);
        let port = low + u16::try_from(random % span).unwrap_or(0);
        let bus = port + CLUSTER_BUS_OFFSET;
        let mut ports = handed_out().lock().unwrap_or_else(|e| e.into_inner());
        if ports.contains(&port) || ports.contains(&bus) {
            continue;
        }
        let bindable = |p: u16| TcpListener::bind((Ipv4Addr::LOCALHOST, p)).is_ok();
        if bindable(port) && bindable(bus) {
            ports.insert(port);
            ports.insert(bus);
            return port;
        }
    }
    panic!(
        "no free 127.0.0.1 port pair (port, port+{CLUSTER_BUS_OFFSET}) found in {ATTEMPTS} tries \
         in {CLUSTER_PORTS:?}"
    );
}

/// A 127.0.0.1 port on which nothing listens: connecting to it is refused.
/// For "connection refused" tests.
///
/// The port is checked to refuse a connection before it is returned; it is
/// also recorded as handed out so no fixture of this process will listen on
/// it later.
///
/// # Panics
///
/// When no such port is found in a hundred tries.
pub fn unused_port() -> u16 {
    for _ in 0..ATTEMPTS {
        let port = free_port();
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => return port,
            // Something took it meanwhile, or loopback behaves oddly: next.
            _ => continue,
        }
    }
    panic!("no refusing 127.0.0.1 port found in {ATTEMPTS} tries");
}
