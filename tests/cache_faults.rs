//! Client-side caching against scripted servers, for the replies a real one does not send: a
//! server without `CLIENT TRACKING`, a listener refused its subscription, a malformed
//! invalidation, and a broken tracking redirect.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients;
mod support;

use std::time::Duration;

use redisync::prelude::*;
use redisync::{CacheConfig, Client, ErrorKind, Retry};
use support::{FakeServer, Step, wait_until};

const SOON: Duration = Duration::from_secs(5);
const SUBSCRIBED: &str = "*3\r\n$9\r\nsubscribe\r\n$20\r\n__redis__:invalidate\r\n:1\r\n";

/// The listener's connection: its ID, its subscription, then `rest`.
fn listener(rest: Vec<Step>) -> Vec<Step> {
    let mut steps = vec![
        Step::expect_args(&["CLIENT", "ID"]),
        Step::reply(":7\r\n"),
        Step::expect_args(&["SUBSCRIBE", "__redis__:invalidate"]),
        Step::reply(SUBSCRIBED),
    ];
    steps.extend(rest);
    steps
}

fn tracking_ok() -> Vec<Step> {
    vec![
        Step::expect_args(&["CLIENT", "TRACKING", "ON", "REDIRECT", "7"]),
        Step::reply("+OK\r\n"),
    ]
}

/// A caching client; its listener connects first (at build), so it takes the first script.
fn client(server: &FakeServer) -> Client {
    let c = Client::builder()
        .connection_config(clients::bare(server.port()))
        .retry(Retry::none())
        .cache(CacheConfig::new())
        .build()
        .unwrap();
    server.wait_for_connections(1, SOON);
    c
}

#[test]
fn a_server_that_refuses_tracking_fails_the_connect_with_a_clear_error() {
    let server = FakeServer::start(vec![
        listener(vec![Step::AcceptThenSilent]),
        vec![
            Step::expect_prefix(&["CLIENT", "TRACKING"]),
            Step::reply("-ERR Unknown subcommand or wrong number of arguments for 'TRACKING'\r\n"),
        ],
    ]);
    let c = client(&server);
    let e = c.get::<String>("k").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(e.to_string().contains("CLIENT TRACKING"), "{e}");
    assert!(e.to_string().contains("Redis 6.0"), "{e}");
    server.check();
}

#[test]
fn a_malformed_invalidation_is_logged_and_flushes_the_cache() {
    let server = FakeServer::start(vec![
        listener(vec![
            Step::Sleep(Duration::from_millis(400)),
            // A payload that is neither an array of keys nor nil.
            Step::reply("*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n:5\r\n"),
            Step::AcceptThenSilent,
        ]),
        [
            tracking_ok(),
            vec![
                Step::expect_args(&["GET", "k"]),
                Step::reply("$1\r\nv\r\n"),
                Step::expect_args(&["GET", "k"]),
                Step::reply("$1\r\nw\r\n"),
                Step::AcceptThenSilent,
            ],
        ]
        .concat(),
    ]);
    let c = client(&server);
    assert_eq!(c.get::<String>("k").unwrap().as_deref(), Some("v"));
    assert_eq!(c.get::<String>("k").unwrap().as_deref(), Some("v"));
    let s = c.cache_stats().unwrap();
    assert_eq!((s.hits, s.entries), (1, 1), "{s:?}");
    wait_until(SOON, "the flush", || c.cache_stats().unwrap().entries == 0);
    assert_eq!(c.get::<String>("k").unwrap().as_deref(), Some("w"));
    server.check();
}

#[test]
fn a_broken_tracking_redirect_flushes_and_replaces_the_connection() {
    let server = FakeServer::start(vec![
        listener(vec![Step::AcceptThenSilent]),
        [
            tracking_ok(),
            vec![
                Step::expect_args(&["GET", "k"]),
                Step::reply("$1\r\nv\r\n"),
                // What a RESP3 connection gets when its redirect target is gone.
                Step::reply(">2\r\n$21\r\ntracking-redir-broken\r\n:7\r\n"),
                Step::AcceptThenSilent,
            ],
        ]
        .concat(),
        [
            tracking_ok(),
            vec![
                Step::expect_args(&["GET", "k"]),
                Step::reply("$1\r\nw\r\n"),
                Step::expect_args(&["GET", "k"]),
                Step::reply("$1\r\nw\r\n"),
                Step::AcceptThenSilent,
            ],
        ]
        .concat(),
    ]);
    let c = client(&server);
    assert_eq!(c.get::<String>("k").unwrap().as_deref(), Some("v"));
    assert_eq!(c.cache_stats().unwrap().entries, 1);
    // The push waits on the idle connection; the next checkout's probe reads it, the cache
    // is flushed, and the connection is replaced by one tracked anew.
    std::thread::sleep(Duration::from_millis(100));
    let fresh: Option<String> = c.without_cache().get("k").unwrap();
    assert_eq!(fresh.as_deref(), Some("w"));
    assert_eq!(c.cache_stats().unwrap().entries, 0);
    assert_eq!(c.pool_state().created, 2);
    assert_eq!(c.get::<String>("k").unwrap().as_deref(), Some("w"));
    assert_eq!(c.get::<String>("k").unwrap().as_deref(), Some("w"));
    assert_eq!(c.cache_stats().unwrap().hits, 1);
    server.check();
}
