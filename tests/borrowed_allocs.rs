//! Allocations per call of the borrowed-reply path, counted by dhat's allocator. One test in
//! this binary, so no other test's allocations are counted with it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use redisync::prelude::*;
use redisync::{Connection, ConnectionConfig, Protocol};
use support::RedisServer;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn connect(server: &RedisServer, protocol: Protocol) -> Connection {
    let cfg = ConnectionConfig::from_url(&server.url())
        .expect("url")
        .protocol(protocol);
    Connection::with_config(&cfg).expect("connect")
}

fn allocs() -> u64 {
    dhat::HeapStats::get().total_blocks
}

#[test]
fn get_into_allocates_nothing_once_the_buffer_has_grown() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let server = RedisServer::start();
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let mut conn = connect(&server, protocol);
        conn.set("borrowed:alloc", "sixteen bytes!!!").expect("set");
        let mut buf = Vec::with_capacity(64);
        assert!(conn.get_into("borrowed:alloc", &mut buf).expect("warm up"));
        let before = allocs();
        for _ in 0..1000 {
            assert!(conn.get_into("borrowed:alloc", &mut buf).expect("get_into"));
        }
        let per_call = (allocs() - before) as f64 / 1000.0;
        assert_eq!(buf, b"sixteen bytes!!!");
        assert_eq!(per_call, 0.0, "{protocol:?}: allocations per get_into");
        // The owned path allocates the value it returns: one per call.
        let before = allocs();
        for _ in 0..1000 {
            let v: Option<Vec<u8>> = conn.get("borrowed:alloc").expect("get");
            assert_eq!(v.as_deref(), Some(&b"sixteen bytes!!!"[..]));
        }
        assert_eq!(
            (allocs() - before) as f64 / 1000.0,
            1.0,
            "{protocol:?}: get"
        );
    }
}
