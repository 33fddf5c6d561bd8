//! Maintenance notifications against scripted servers (the replies a plain redis-server never
//! sends): the handshake in each mode, relaxed timeouts from a start notice to its end notice
//! (a read in flight included), the backstop, and malformed notices.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use redisync::prelude::*;
use redisync::{
    Client, ConnectionConfig, ErrorKind, MaintenanceConfig, MaintenanceMode, Protocol, Retry,
};
use support::{FakeServer, RedisServer, Step};

const HELLO3: &str = "%1\r\n$6\r\nserver\r\n$5\r\nredis\r\n";

fn resp3(port: u16) -> ConnectionConfig {
    ConnectionConfig::new("127.0.0.1", port)
        .protocol(Protocol::Resp3)
        .lib_info(false)
        .read_timeout(Duration::from_millis(300))
}

fn handshake() -> Vec<Step> {
    vec![
        Step::expect("HELLO"),
        Step::reply(HELLO3),
        Step::expect_args(&[
            "CLIENT",
            "MAINT_NOTIFICATIONS",
            "ON",
            "moving-endpoint-type",
            "internal-ip",
        ]),
        Step::reply("+OK\r\n"),
    ]
}

fn client(server: &FakeServer, config: MaintenanceConfig) -> Client {
    Client::builder()
        .connection_config(resp3(server.port()))
        .retry(Retry::none())
        .maintenance(config)
        .build()
        .unwrap()
}

fn push(words: &[&str]) -> String {
    let mut out = format!(">{}\r\n", words.len());
    for w in words {
        match w.parse::<u64>() {
            Ok(n) => out.push_str(&format!(":{n}\r\n")),
            Err(_) => out.push_str(&format!("+{w}\r\n")),
        }
    }
    out
}

#[test]
fn migrating_relaxes_a_read_in_flight_and_migrated_ends_it() {
    let slow = Duration::from_millis(700);
    let server = FakeServer::start(vec![
        [
            handshake(),
            vec![
                Step::expect_args(&["GET", "a"]),
                // The notice comes first, then a reply slower than the 300 ms read timeout.
                Step::reply(push(&["MIGRATING", "1", "15", "shard-1"])),
                Step::Sleep(slow),
                Step::reply("$1\r\na\r\n"),
                Step::expect_args(&["GET", "b"]),
                Step::Sleep(slow),
                Step::reply("$1\r\nb\r\n"),
                Step::expect_args(&["GET", "c"]),
                Step::reply(push(&["MIGRATED", "2"])),
                Step::reply("$1\r\nc\r\n"),
                Step::expect_args(&["GET", "d"]),
                Step::Sleep(slow),
                Step::reply("$1\r\nd\r\n"),
                Step::AcceptThenSilent,
            ],
        ]
        .concat(),
    ]);
    let c = client(
        &server,
        MaintenanceConfig::new().relaxed_timeout(Duration::from_secs(3)),
    );
    let start = Instant::now();
    assert_eq!(c.get::<String>("a").unwrap().as_deref(), Some("a"));
    assert!(start.elapsed() >= slow);
    let s = c.maintenance_stats().unwrap();
    assert_eq!(
        (s.enabled_connections, s.migrating, s.relaxed_now),
        (1, 1, 1),
        "{s:?}"
    );
    // Still relaxed on the next call (the pool kept the relaxed timeouts over the return).
    assert_eq!(c.get::<String>("b").unwrap().as_deref(), Some("b"));
    // After MIGRATED the same delay times out again.
    assert_eq!(c.get::<String>("c").unwrap().as_deref(), Some("c"));
    let e = c.get::<String>("d").unwrap_err();
    assert!(e.is_timeout(), "{e}");
    let s = c.maintenance_stats().unwrap();
    assert_eq!((s.migrated, s.relaxed_now), (1, 0), "{s:?}");
}

#[test]
fn failing_over_relaxes_until_the_backstop_without_an_end_notice() {
    let slow = Duration::from_millis(600);
    let server = FakeServer::start(vec![
        [
            handshake(),
            vec![
                Step::expect_args(&["GET", "a"]),
                Step::reply(push(&["FAILING_OVER", "7", "2"])),
                Step::Sleep(slow),
                Step::reply("$1\r\na\r\n"),
                Step::expect_args(&["GET", "b"]),
                Step::Sleep(slow),
                Step::reply("$1\r\nb\r\n"),
                Step::AcceptThenSilent,
            ],
        ]
        .concat(),
    ]);
    let backstop = Duration::from_millis(900);
    let c = client(&server, MaintenanceConfig::new().backstop(backstop));
    let start = Instant::now();
    assert_eq!(c.get::<String>("a").unwrap().as_deref(), Some("a"));
    std::thread::sleep(backstop.saturating_sub(start.elapsed()) + Duration::from_millis(50));
    // The backstop has passed: back to the 300 ms read timeout.
    let e = c.get::<String>("b").unwrap_err();
    assert!(e.is_timeout(), "{e}");
    assert_eq!(c.maintenance_stats().unwrap().failing_over, 1);
}

#[test]
fn a_malformed_notice_is_counted_and_ignored() {
    let server = FakeServer::start(vec![
        [
            handshake(),
            vec![
                Step::expect_args(&["GET", "a"]),
                Step::reply(push(&["MIGRATING"])),
                Step::reply(">3\r\n+MOVING\r\n:1\r\n+nonsense\r\n"),
                Step::reply("$1\r\na\r\n"),
                Step::AcceptThenSilent,
            ],
        ]
        .concat(),
    ]);
    let c = client(&server, MaintenanceConfig::new());
    assert_eq!(c.get::<String>("a").unwrap().as_deref(), Some("a"));
    let s = c.maintenance_stats().unwrap();
    assert_eq!((s.malformed, s.relaxed_now, s.moving), (2, 0, 0), "{s:?}");
}

#[test]
fn auto_carries_on_against_a_plain_server_and_on_refuses_it() {
    let server = RedisServer::start();
    let auto = Client::builder().url(&server.url()).build().unwrap();
    auto.set("m", 1).unwrap();
    assert_eq!(auto.get::<i64>("m").unwrap(), Some(1));
    let s = auto.maintenance_stats().expect("asked on RESP3");
    assert_eq!(s.enabled_connections, 0);
    let on = Client::builder()
        .url(&server.url())
        .maintenance(MaintenanceConfig::new().mode(MaintenanceMode::On))
        .retry(Retry::none())
        .build()
        .unwrap();
    let e = on.get::<i64>("m").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(e.to_string().contains("MAINT_NOTIFICATIONS"), "{e}");
    // On over RESP2 cannot work: refused at build.
    let e = Client::builder()
        .url(&server.url())
        .protocol(Protocol::Resp2)
        .maintenance(MaintenanceConfig::new().mode(MaintenanceMode::On))
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("RESP3"), "{e}");
    // Off asks nothing.
    let off = Client::builder()
        .url(&server.url())
        .maintenance(MaintenanceConfig::new().mode(MaintenanceMode::Off))
        .build()
        .unwrap();
    off.ping().unwrap();
    assert!(off.maintenance_stats().is_none());
}

#[test]
fn a_blocking_command_gets_the_relaxed_blocking_timeout_beyond_its_wait() {
    let server = FakeServer::start(vec![
        [
            handshake(),
            vec![
                Step::expect_args(&["GET", "a"]),
                Step::reply(push(&["MIGRATING", "1", "30"])),
                Step::reply("$1\r\na\r\n"),
                // BLPOP's own wait is 0.2 s; its reply comes 0.9 s after.
                Step::expect_prefix(&["BLPOP", "q"]),
                Step::Sleep(Duration::from_millis(900)),
                Step::reply("*-1\r\n"),
                Step::AcceptThenSilent,
            ],
        ]
        .concat(),
    ]);
    // The plain relaxed timeout (0.4 s) would end the BLPOP at 0.6 s; the blocking one does
    // not.
    let config = MaintenanceConfig::new()
        .relaxed_timeout(Duration::from_millis(400))
        .relaxed_blocking_timeout(Duration::from_secs(2));
    let c = client(&server, config);
    assert_eq!(c.get::<String>("a").unwrap().as_deref(), Some("a"));
    let popped: Option<(String, String)> = c.blpop("q", Some(Duration::from_millis(200))).unwrap();
    assert_eq!(popped, None);
}
