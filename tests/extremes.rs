//! No panic from any value (issue 7, part 7): every public timeout and every blocking
//! command's wait, at the extremes and at random, either works or is refused with
//! `InvalidInput`; none panics and none hangs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use redisync::prelude::*;
use redisync::{
    Backoff, Client, ConnectionConfig, ConstantBackoff, DecorrelatedJitterBackoff,
    EqualJitterBackoff, ErrorKind, ExponentialBackoff, ExponentialWithJitterBackoff,
    FullJitterBackoff, Retry, cmd,
};
use support::RedisServer;

/// The durations a user may pass: the edges, the places where clocks and C types overflow,
/// and a few random ones.
fn durations() -> Vec<Duration> {
    let mut v = vec![
        Duration::ZERO,
        Duration::from_nanos(1),
        Duration::from_nanos(999),
        Duration::from_micros(1),
        Duration::from_millis(1),
        Duration::from_secs(1),
        Duration::from_secs(u64::from(u32::MAX)),
        Duration::from_secs(i64::MAX as u64),
        Duration::from_secs(u64::MAX),
        Duration::MAX,
    ];
    for _ in 0..6 {
        v.push(Duration::from_nanos(rand::random::<u64>()));
        v.push(Duration::new(
            rand::random::<u64>(),
            rand::random_range(0..1_000_000_000),
        ));
    }
    v
}

/// Zero is refused where a timeout of zero means nothing; a timeout too short for a round trip
/// is honoured (the call times out); everything else works.
fn check(what: &str, d: Duration, r: redisync::Result<()>) {
    match r {
        Ok(()) => assert!(!d.is_zero(), "{what}({d:?}): zero accepted"),
        Err(e) if d.is_zero() => {
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{what}({d:?}): {e}");
        }
        Err(e) => assert!(
            d < Duration::from_millis(100) && e.is_timeout(),
            "{what}({d:?}) failed: {e}"
        ),
    }
}

#[test]
fn every_client_timeout_takes_every_duration() {
    let server = RedisServer::start();
    let call = |b: redisync::ClientBuilder| -> redisync::Result<()> {
        let client = b.url(&server.url()).build()?;
        client.set("k", "v")?;
        assert_eq!(client.get::<String>("k")?.as_deref(), Some("v"));
        let ((), n) = redisync::pipe().set("n", 1).incr("n").query(&client)?;
        assert_eq!(n, 2);
        Ok(())
    };
    for d in durations() {
        check(
            "connect_timeout",
            d,
            call(Client::builder().connect_timeout(d)),
        );
        check(
            "socket_timeout",
            d,
            call(Client::builder().socket_timeout(d)),
        );
        check("read_timeout", d, call(Client::builder().read_timeout(d)));
        check("write_timeout", d, call(Client::builder().write_timeout(d)));
        check("pool_timeout", d, call(Client::builder().pool_timeout(d)));
        check(
            "health_check_interval",
            d,
            call(Client::builder().health_check_interval(d)),
        );
        check("push_interval", d, call(Client::builder().push_interval(d)));
        // These take zero as a real value (close at once / keepalive off is None).
        call(Client::builder().idle_timeout(Some(d))).unwrap();
        call(Client::builder().max_lifetime(Some(d))).unwrap();
        call(Client::builder().keepalive(Some(d))).unwrap();
        call(Client::builder().retry(Retry::default().deadline(d))).unwrap_or_else(|e| {
            // A zero deadline leaves no time for anything: a timeout, never a panic.
            assert!(
                d < Duration::from_millis(1) && e.is_timeout(),
                "deadline {d:?}: {e}"
            );
        });
        let client = Client::open(&server.url()).unwrap();
        check("with_timeout", d, client.with_timeout(d).set("k", "v"));
        let pooled = client.get_connection_timeout(d);
        assert!(
            pooled.is_ok() || d.is_zero(),
            "get_connection_timeout({d:?})"
        );
        let mut conn = client.get_connection().unwrap();
        check("set_read_timeout", d, conn.set_read_timeout(d));
        check("set_write_timeout", d, conn.set_write_timeout(d));
        let _ = conn.ping();
    }
}

#[test]
fn every_connection_timeout_takes_every_duration() {
    let server = RedisServer::start();
    for d in durations() {
        let open = |cfg: ConnectionConfig| -> redisync::Result<()> {
            let mut conn = redisync::Connection::with_config(&cfg)?;
            conn.set("k", "v")?;
            Ok(())
        };
        let base = || ConnectionConfig::new("127.0.0.1", server.port());
        check("connect_timeout", d, open(base().connect_timeout(d)));
        check("read_timeout", d, open(base().read_timeout(d)));
        check("write_timeout", d, open(base().write_timeout(d)));
        open(base().keepalive(Some(d))).unwrap();
    }
}

#[test]
fn every_backoff_takes_every_duration_and_failure_count() {
    for base in durations() {
        for cap in durations() {
            let _ = ConstantBackoff::new(base).delay(u32::MAX, cap);
            for b in [
                ExponentialBackoff::new(base, cap).map(|b| Box::new(b) as Box<dyn Backoff>),
                FullJitterBackoff::new(base, cap).map(|b| Box::new(b) as Box<dyn Backoff>),
                EqualJitterBackoff::new(base, cap).map(|b| Box::new(b) as Box<dyn Backoff>),
                DecorrelatedJitterBackoff::new(base, cap).map(|b| Box::new(b) as Box<dyn Backoff>),
                ExponentialWithJitterBackoff::new(base, cap)
                    .map(|b| Box::new(b) as Box<dyn Backoff>),
            ]
            .into_iter()
            .flatten()
            {
                for failures in [0, 1, 2, 63, 64, 65, 1000, u32::MAX] {
                    let d = b.delay(failures, Duration::MAX);
                    assert!(d <= cap, "{b:?} gave {d:?} over its cap {cap:?}");
                }
            }
        }
    }
}

#[test]
fn a_huge_backoff_is_cut_by_the_deadline() {
    let client = Client::builder()
        .url(&format!("redis://127.0.0.1:{}", support::unused_port()))
        .retry(
            Retry::new(ConstantBackoff::new(Duration::MAX), 3).deadline(Duration::from_millis(200)),
        )
        .build()
        .unwrap();
    let start = Instant::now();
    assert!(client.ping().is_err());
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn blocking_commands_take_any_wait_argument() {
    let server = RedisServer::start();
    let client = Client::builder()
        .url(&server.url())
        .read_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    cmd("RPUSH")
        .arg("list")
        .arg(["a"; 64])
        .exec(&client)
        .unwrap();
    cmd("XADD")
        .arg("s")
        .arg("*")
        .arg("f")
        .arg("v")
        .exec(&client)
        .unwrap();
    let waits = [
        "0.001",
        "1e20",
        "1e308",
        "inf",
        "-inf",
        "NaN",
        "-1",
        "-0",
        "abc",
        "",
        "18446744073709551615",
        "18446744073709551616",
        "99999999999999999999999",
        "9223372036854775807",
        "0x10",
        "1.5e-300",
    ];
    for w in waits {
        // Each either returns an element (the list is long) or the server's refusal; none
        // panics, and none waits (there is always something to pop).
        let start = Instant::now();
        for c in [
            cmd("BLPOP").arg("list").arg(w).clone(),
            cmd("BRPOP").arg("list").arg(w).clone(),
            cmd("BLMPOP").arg(w).arg(1).arg("list").arg("LEFT").clone(),
            cmd("XREAD")
                .arg("BLOCK")
                .arg(w)
                .arg("STREAMS")
                .arg("s")
                .arg("0")
                .clone(),
            cmd("WAIT").arg(0).arg(w).clone(),
        ] {
            match c.query::<redisync::Value>(&client) {
                Ok(_) => {}
                Err(e) => assert!(
                    matches!(e.kind(), ErrorKind::Response),
                    "{c:?} with wait {w:?}: {e}"
                ),
            }
        }
        assert!(start.elapsed() < Duration::from_secs(3), "{w:?} waited");
    }
}
