//! Every call is bounded (issue 7, path 5): one deadline per exchange and per call, measured
//! against servers that trickle and stall, not ones that answer at once. A bound is asserted
//! from above (the call returned in time) and from below (it did not give up early).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients;
mod support;

use std::time::{Duration, Instant};

use redisync::prelude::*;
use redisync::testing::{Direction, Fault, FaultProxy};
use redisync::{
    Client, ConnectionConfig, ConstantBackoff, ErrorKind, Protocol, Retry, TimeoutPhase, TlsConfig,
    cmd, pipe,
};
use support::{FakeServer, RedisServer, Step, tls_certs};

const MS: fn(u64) -> Duration = Duration::from_millis;

/// Asserts `elapsed` is within `[low, high)`.
fn within(what: &str, elapsed: Duration, low: Duration, high: Duration) {
    assert!(
        elapsed >= low && elapsed < high,
        "{what}: took {elapsed:?}, expected at least {low:?} and under {high:?}"
    );
}

fn no_retry_client(cfg: ConnectionConfig) -> Client {
    Client::builder()
        .connection_config(cfg)
        .retry(Retry::none())
        .build()
        .unwrap()
}

#[test]
fn a_pipelines_replies_share_one_read_deadline() {
    // Six GETs; the server answers one every 150 ms (900 ms in all).
    let mut script = Vec::new();
    for _ in 0..6 {
        script.push(Step::expect("GET"));
    }
    for i in 0..6 {
        script.push(Step::Sleep(MS(150)));
        script.push(Step::reply(format!("$2\r\nv{i}\r\n")));
    }
    let fake = FakeServer::with_script(script);
    let client = no_retry_client(clients::bare(fake.port()).read_timeout(MS(200)));
    let mut p = redisync::Pipeline::new();
    for i in 0..6 {
        p.get::<String>(format!("k{i}"));
    }
    let start = Instant::now();
    let e = p.query::<Vec<String>>(&client).unwrap_err();
    within("6-reply pipeline", start.elapsed(), MS(190), MS(450));
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
}

#[test]
fn the_connect_timeout_covers_every_handshake_reply_together() {
    // Each handshake reply comes 150 ms after the last; 200 ms is enough for one, not all.
    let fake = FakeServer::with_script(vec![
        Step::expect("HELLO"),
        Step::Sleep(MS(150)),
        Step::reply("%1\r\n$6\r\nserver\r\n$5\r\nredis\r\n"),
        Step::expect("CLIENT"),
        Step::expect("CLIENT"),
        Step::Sleep(MS(150)),
        Step::reply("+OK\r\n"),
        Step::Sleep(MS(150)),
        Step::reply("+OK\r\n"),
    ]);
    let cfg = ConnectionConfig::new("127.0.0.1", fake.port()).connect_timeout(MS(200));
    let start = Instant::now();
    let e = redisync::Connection::with_config(&cfg).unwrap_err();
    within("handshake", start.elapsed(), MS(190), MS(400));
    assert!(
        matches!(
            e,
            redisync::Error::Timeout {
                phase: TimeoutPhase::Connect,
                ..
            }
        ),
        "{e}"
    );
}

/// A real server behind a proxy, and a client whose one connection is already open.
fn stalled_setup(retry: Retry) -> (RedisServer, FaultProxy, Client) {
    let server = RedisServer::start();
    let upstream = format!("127.0.0.1:{}", server.port()).parse().unwrap();
    let proxy = FaultProxy::start(upstream).unwrap();
    let client = Client::builder()
        .url(&proxy.url())
        .retry(retry)
        .build()
        .unwrap();
    client.set("k", "v").unwrap();
    (server, proxy, client)
}

#[test]
fn the_retry_deadline_cuts_the_attempt_in_flight() {
    let (_server, proxy, client) =
        stalled_setup(Retry::new(ConstantBackoff::new(MS(10)), 10).deadline(MS(200)));
    // The server stalls: nothing comes back, for longer than the whole deadline.
    proxy.set_fault(Fault::Blackhole);
    let start = Instant::now();
    let e = client.get::<String>("k").unwrap_err();
    within("Retry::deadline(200ms)", start.elapsed(), MS(190), MS(350));
    assert!(
        matches!(
            e,
            redisync::Error::Timeout {
                phase: TimeoutPhase::Call,
                ..
            }
        ),
        "{e}"
    );
    proxy.clear();
    // The cut connection was closed, not handed to the next caller.
    assert_eq!(client.get::<String>("k").unwrap().as_deref(), Some("v"));
    assert!(client.pool_state().discarded >= 1);
}

#[test]
fn with_timeout_bounds_the_whole_call_every_attempt_included() {
    let (_server, proxy, client) = stalled_setup(Retry::default());
    proxy.set_fault(Fault::Blackhole);
    let start = Instant::now();
    let e = client.with_timeout(MS(200)).get::<String>("k").unwrap_err();
    within("with_timeout(200ms)", start.elapsed(), MS(190), MS(350));
    assert!(e.is_timeout(), "{e}");
    // New connections hang in their handshake: the deadline covers connecting too.
    let start = Instant::now();
    let e = client.with_timeout(MS(200)).get::<String>("k").unwrap_err();
    within(
        "with_timeout(200ms), connecting",
        start.elapsed(),
        MS(190),
        MS(350),
    );
    assert!(e.is_timeout(), "{e}");
    proxy.clear();
    // A longer per-call timeout than the read timeout is honoured too.
    let server = RedisServer::start();
    let slow = Client::builder()
        .url(&server.url())
        .read_timeout(MS(100))
        .build()
        .unwrap();
    cmd("DEBUG")
        .arg("SLEEP")
        .arg("0.3")
        .exec(slow.with_timeout(Duration::from_secs(5)))
        .unwrap();
}

#[test]
fn the_pool_wait_counts_against_the_call() {
    let server = RedisServer::start();
    let client = Client::builder()
        .url(&server.url())
        .max_connections(1)
        .build()
        .unwrap();
    let _held = client.get_connection().unwrap();
    let start = Instant::now();
    let e = client.with_timeout(MS(150)).get::<String>("k").unwrap_err();
    within(
        "pool wait under with_timeout",
        start.elapsed(),
        MS(140),
        MS(400),
    );
    assert!(e.is_timeout(), "{e}");
}

#[test]
fn tls_to_a_plaintext_port_fails_once_and_says_why() {
    let server = RedisServer::start();
    let certs = tls_certs();
    let client = Client::builder()
        .connection_config(
            ConnectionConfig::new("127.0.0.1", server.port())
                .tls(TlsConfig::new().ca_file(&certs.ca_cert))
                .connect_timeout(MS(500)),
        )
        .build()
        .unwrap();
    let start = Instant::now();
    let e = client.ping().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e}");
    assert!(e.to_string().contains("redis://"), "{e}");
    assert_eq!(
        redisync::retry::last_attempts(),
        1,
        "a mismatch is not retried"
    );
    // The handshake gets the connect timeout but its last quarter (at most 300 ms), which
    // the check that tells a plain port from a silent TLS one uses: under 500 ms in all.
    within(
        "rediss:// to a plain port",
        start.elapsed(),
        MS(340),
        MS(600),
    );
}

#[test]
fn plaintext_to_a_tls_port_fails_once_and_says_why() {
    let server = RedisServer::builder().tls_only().start();
    let client = Client::builder()
        .connection_config(ConnectionConfig::new("127.0.0.1", server.tls_port()))
        .build()
        .unwrap();
    let start = Instant::now();
    let e = client.ping().unwrap_err();
    assert!(start.elapsed() < MS(2000), "{:?}", start.elapsed());
    // The TLS server drops the connection, possibly with an alert first.
    assert!(
        e.kind() == ErrorKind::Tls || e.kind() == ErrorKind::Connection,
        "{e}"
    );
}

#[test]
fn a_trickling_tls_peer_cannot_stretch_the_handshake_or_a_read() {
    let server = RedisServer::builder().tls().start();
    let certs = tls_certs();
    let upstream = format!("127.0.0.1:{}", server.tls_port()).parse().unwrap();
    let proxy = FaultProxy::start(upstream).unwrap();
    let cfg = |connect: Duration, read: Duration| {
        ConnectionConfig::new("127.0.0.1", proxy.port())
            .tls(TlsConfig::new().ca_file(&certs.ca_cert))
            .connect_timeout(connect)
            .read_timeout(read)
    };
    // The handshake: every byte from the server 20 ms apart (its certificates alone are over a
    // kilobyte: more than 20 s).
    proxy.set_fault(Fault::Trickle {
        every: MS(20),
        direction: Direction::ToClient,
    });
    let start = Instant::now();
    let e = redisync::Connection::with_config(&cfg(MS(400), MS(400))).unwrap_err();
    // All of the connect timeout, less the quarter kept for the plain-port check.
    within("trickled TLS handshake", start.elapsed(), MS(280), MS(600));
    assert!(e.is_timeout() || e.kind() == ErrorKind::Tls, "{e}");
    // A reply of 10 kB, its TLS records trickling.
    proxy.clear();
    let mut conn = redisync::Connection::with_config(&cfg(MS(2000), MS(300))).unwrap();
    conn.set("big", vec![b'x'; 10_000]).unwrap();
    proxy.set_fault(Fault::Trickle {
        every: MS(5),
        direction: Direction::ToClient,
    });
    let start = Instant::now();
    let e = conn.get::<Vec<u8>>("big").unwrap_err();
    within("trickled TLS reply", start.elapsed(), MS(280), MS(800));
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(conn.is_broken());
}

#[test]
fn a_trickling_plain_peer_cannot_stretch_a_pipeline() {
    let server = RedisServer::start();
    let upstream = format!("127.0.0.1:{}", server.port()).parse().unwrap();
    let proxy = FaultProxy::start(upstream).unwrap();
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let client = no_retry_client(
            ConnectionConfig::new("127.0.0.1", proxy.port())
                .protocol(protocol)
                .read_timeout(MS(250)),
        );
        client
            .set("k", "a fairly long value, longer than a few bytes")
            .unwrap();
        proxy.set_fault(Fault::Trickle {
            every: MS(10),
            direction: Direction::ToClient,
        });
        let start = Instant::now();
        let e = pipe()
            .get::<String>("k")
            .get::<String>("k")
            .get::<String>("k")
            .query(&client)
            .unwrap_err();
        within("trickled pipeline", start.elapsed(), MS(230), MS(700));
        assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
        proxy.clear();
    }
}
