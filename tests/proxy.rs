//! The fault-injection proxy (`redisync::testing::FaultProxy`, feature `testing`) in front of a
//! real `redis-server`: pass-through, then each fault as a `Connection` or a `Client` sees it,
//! checked against the server itself through a direct connection where the question is "did
//! the command run?".

#![cfg(feature = "testing")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use redisync::prelude::*;
use redisync::testing::{Direction, Fault, FaultProxy};
use redisync::{Client, Connection, ConnectionConfig, Error, ErrorKind, TimeoutPhase};
use support::{RedisServer, unused_port, wait_until};

/// The socket timeout of connections through the proxy.
const TIMEOUT: Duration = Duration::from_millis(300);
/// How long a test waits for a condition before failing.
const DEADLINE: Duration = Duration::from_secs(10);

fn start() -> (RedisServer, FaultProxy) {
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.addr()).unwrap();
    (server, proxy)
}

fn config(proxy: &FaultProxy) -> ConnectionConfig {
    ConnectionConfig::new("127.0.0.1", proxy.port())
        .socket_timeout(TIMEOUT)
        .connect_timeout(Duration::from_secs(2))
}

fn connect(proxy: &FaultProxy) -> Connection {
    Connection::with_config(&config(proxy)).unwrap()
}

/// A connection that bypasses the proxy, to see what the server really holds.
fn direct(server: &RedisServer) -> Connection {
    Connection::open(&server.url()).unwrap()
}

/// A value of `len` bytes that is not all one byte, so a shifted or truncated copy differs.
fn value(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// A raw TCP connection through the proxy, for checking what the wire shows (RST or FIN).
fn raw(proxy: &FaultProxy) -> TcpStream {
    let s = TcpStream::connect(proxy.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

#[track_caller]
fn assert_timeout(e: &Error, phase: TimeoutPhase) {
    assert!(
        matches!(e, Error::Timeout { phase: p, .. } if *p == phase),
        "expected a {phase} timeout, got {e:?}"
    );
    assert_eq!(e.kind(), ErrorKind::Timeout);
}

#[track_caller]
fn assert_connection_error(e: &Error) {
    assert!(
        e.is_connection_error(),
        "expected a connection error, got {e:?}"
    );
}

#[track_caller]
fn assert_reset(e: &Error) {
    assert!(
        matches!(e, Error::Io(io) if io.kind() == io::ErrorKind::ConnectionReset),
        "expected a connection reset, got {e:?}"
    );
}

#[test]
fn proxy_is_send_and_sync_and_listens_on_loopback() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<FaultProxy>();
    let upstream: SocketAddr = "127.0.0.1:1".parse().unwrap();
    let proxy = FaultProxy::start(upstream).unwrap();
    assert!(proxy.addr().ip().is_loopback());
    assert_ne!(proxy.port(), 0);
    assert_eq!(proxy.url(), format!("redis://127.0.0.1:{}", proxy.port()));
    assert_eq!(proxy.upstream(), upstream);
    assert_eq!(proxy.fault(), None);
    proxy.set_fault(Fault::HalfReply);
    assert_eq!(proxy.fault(), Some(Fault::HalfReply));
    proxy.clear();
    assert_eq!(proxy.fault(), None);
}

#[test]
fn passes_commands_and_a_large_value_through() {
    let (server, proxy) = start();
    let mut conn = connect(&proxy);
    conn.set("k", "v").unwrap();
    assert_eq!(conn.get::<String>("k").unwrap().as_deref(), Some("v"));

    let big = value(1 << 20);
    conn.set("big", &big).unwrap();
    assert_eq!(conn.get::<Vec<u8>>("big").unwrap(), Some(big.clone()));
    // It went through the server, not around it.
    assert_eq!(direct(&server).get::<Vec<u8>>("big").unwrap(), Some(big));

    assert!(proxy.bytes_to_server() > 1 << 20, "{proxy:?}");
    assert!(proxy.bytes_to_client() > 1 << 20, "{proxy:?}");
    assert_eq!(proxy.connections(), 1);
    assert_eq!(proxy.total_accepted(), 1);
    drop(conn);
    wait_until(DEADLINE, "the proxy to close the connection", || {
        proxy.connections() == 0
    });
    assert_eq!(proxy.total_accepted(), 1);
}

#[test]
fn a_client_works_through_the_proxy_url() {
    let (_server, proxy) = start();
    let client = Client::builder()
        .url(&proxy.url())
        .socket_timeout(TIMEOUT)
        .build()
        .unwrap();
    client.set("greeting", "hello").unwrap();
    assert_eq!(
        client.get::<String>("greeting").unwrap().as_deref(),
        Some("hello")
    );
    assert!(proxy.total_accepted() >= 1);
}

#[test]
fn delay_below_the_timeout_slows_the_chosen_direction() {
    let (_server, proxy) = start();
    let delay = Duration::from_millis(150);
    let mut conn =
        Connection::with_config(&config(&proxy).socket_timeout(Duration::from_secs(2))).unwrap();
    for (direction, factor) in [
        (Direction::ToServer, 1),
        (Direction::ToClient, 1),
        (Direction::Both, 2),
    ] {
        proxy.set_fault(Fault::Delay { delay, direction });
        let start = Instant::now();
        conn.ping().unwrap();
        let took = start.elapsed();
        assert!(
            took >= delay * factor,
            "{direction:?}: PING took {took:?}, expected at least {:?}",
            delay * factor
        );
        assert!(
            took < delay * (factor + 1),
            "{direction:?}: PING took {took:?}: delayed in more directions than asked"
        );
    }
    proxy.clear();
    let start = Instant::now();
    conn.ping().unwrap();
    assert!(start.elapsed() < delay, "still delayed after clear()");
}

#[test]
fn delay_beyond_the_read_timeout_is_a_read_timeout() {
    let (_server, proxy) = start();
    let mut conn = connect(&proxy);
    conn.set("k", "v").unwrap();
    proxy.set_fault(Fault::delay(Duration::from_secs(2)));
    let start = Instant::now();
    let e = conn.get::<String>("k").unwrap_err();
    assert_timeout(&e, TimeoutPhase::Read);
    assert!(start.elapsed() >= TIMEOUT);
    assert!(conn.is_broken());

    proxy.clear();
    let mut fresh = connect(&proxy);
    assert_eq!(fresh.get::<String>("k").unwrap().as_deref(), Some("v"));
}

#[test]
fn blackhole_times_out_the_handshake_and_open_connections() {
    let (_server, proxy) = start();
    let mut open = connect(&proxy);
    proxy.set_fault(Fault::Blackhole);
    let to_server = proxy.bytes_to_server();
    let to_client = proxy.bytes_to_client();

    let e = open.ping().unwrap_err();
    assert_timeout(&e, TimeoutPhase::Read);

    let accepted = proxy.total_accepted();
    let e = Connection::with_config(&config(&proxy).connect_timeout(TIMEOUT)).unwrap_err();
    assert_timeout(&e, TimeoutPhase::Connect);
    // The TCP connect succeeded (the proxy accepted it); the handshake went nowhere.
    assert_eq!(proxy.total_accepted(), accepted + 1);
    assert_eq!(proxy.bytes_to_server(), to_server);
    assert_eq!(proxy.bytes_to_client(), to_client);

    proxy.clear();
    connect(&proxy).ping().unwrap();
}

#[test]
fn reset_aborts_open_and_new_connections_with_rst() {
    let (_server, proxy) = start();
    let mut conn = connect(&proxy);
    let mut wire = raw(&proxy);
    wait_until(DEADLINE, "both connections to be carried", || {
        proxy.connections() == 2
    });

    proxy.set_fault(Fault::Reset);
    // set_fault(Reset) returns once the connections are gone.
    assert_eq!(proxy.connections(), 0);
    // A RST, not a FIN: a clean close would read as Ok(0).
    let mut buf = [0; 16];
    let got = wire.read(&mut buf);
    assert!(
        matches!(&got, Err(e) if e.kind() == io::ErrorKind::ConnectionReset),
        "expected a reset, got {got:?}"
    );
    let e = conn.ping().unwrap_err();
    assert_reset(&e);

    let start = Instant::now();
    let e = Connection::with_config(&config(&proxy)).unwrap_err();
    assert_connection_error(&e);
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "not reset at once"
    );
    assert_eq!(proxy.connections(), 0);

    proxy.clear();
    connect(&proxy).ping().unwrap();
}

#[test]
fn reset_all_aborts_open_connections_only() {
    let (_server, proxy) = start();
    let mut conn = connect(&proxy);
    proxy.reset_all();
    assert_eq!(proxy.connections(), 0);
    assert_eq!(proxy.fault(), None);
    assert_reset(&conn.ping().unwrap_err());
    connect(&proxy).ping().unwrap();
}

#[test]
fn reset_after_request_runs_the_command_but_loses_the_reply() {
    let (server, proxy) = start();
    let mut conn = connect(&proxy);
    let mut check = direct(&server);
    assert_eq!(check.get::<i64>("counter").unwrap(), None);

    proxy.set_fault(Fault::ResetAfterRequest);
    let to_client = proxy.bytes_to_client();
    let e = conn.incr("counter").unwrap_err();
    assert_reset(&e);
    assert_eq!(proxy.bytes_to_client(), to_client, "a reply got through");
    wait_until(DEADLINE, "the INCR to have run on the server", || {
        check.get::<i64>("counter").unwrap() == Some(1)
    });
    wait_until(DEADLINE, "the connection to be gone", || {
        proxy.connections() == 0
    });

    // New connections lose their handshake the same way.
    assert_connection_error(&Connection::with_config(&config(&proxy)).unwrap_err());
    proxy.clear();
    assert_eq!(connect(&proxy).incr("counter").unwrap(), 2);
}

#[test]
fn close_after_cuts_a_reply_mid_stream_with_fin() {
    let (server, proxy) = start();
    direct(&server).set("big", value(100_000)).unwrap();
    let mut conn = connect(&proxy);
    let mut wire = raw(&proxy);
    wait_until(DEADLINE, "both connections to be carried", || {
        proxy.connections() == 2
    });

    let before = proxy.bytes_to_client();
    proxy.set_fault(Fault::CloseAfter {
        bytes: 1000,
        direction: Direction::ToClient,
    });
    let e = conn.get::<Vec<u8>>("big").unwrap_err();
    assert!(
        matches!(e, Error::Closed),
        "expected a clean close, got {e:?}"
    );
    assert!(conn.is_broken());
    assert_eq!(proxy.bytes_to_client() - before, 1000);

    // The idle raw connection had its own 1000 bytes to go; a budget of zero closes at once.
    proxy.set_fault(Fault::CloseAfter {
        bytes: 0,
        direction: Direction::ToClient,
    });
    let mut buf = [0; 16];
    assert_eq!(wire.read(&mut buf).unwrap(), 0, "expected FIN");
    wait_until(DEADLINE, "both connections to be closed", || {
        proxy.connections() == 0
    });
}

#[test]
fn close_after_to_server_cuts_a_request() {
    let (server, proxy) = start();
    let mut conn = connect(&proxy);
    let before = proxy.bytes_to_server();
    proxy.set_fault(Fault::CloseAfter {
        bytes: 10,
        direction: Direction::ToServer,
    });
    let e = conn.set("cut", value(100_000)).unwrap_err();
    assert_connection_error(&e);
    assert_eq!(proxy.bytes_to_server() - before, 10);
    wait_until(DEADLINE, "the connection to be closed", || {
        proxy.connections() == 0
    });
    assert_eq!(direct(&server).exists("cut").unwrap(), 0);
}

#[test]
fn half_reply_cuts_a_reply_and_the_connection_stays_broken() {
    let (server, proxy) = start();
    let big = value(100_000);
    direct(&server).set("big", &big).unwrap();
    let mut conn = connect(&proxy);

    let before = proxy.bytes_to_client();
    proxy.set_fault(Fault::HalfReply);
    let e = conn.get::<Vec<u8>>("big").unwrap_err();
    // Our documented choice: the proxy keeps the connection open, so the client times out.
    assert_timeout(&e, TimeoutPhase::Read);
    let sent = proxy.bytes_to_client() - before;
    assert!(
        sent > 0 && sent < big.len() as u64 / 2 + 100,
        "forwarded {sent} bytes of a {}-byte reply",
        big.len()
    );
    assert!(conn.is_broken());
    assert!(matches!(conn.ping().unwrap_err(), Error::Broken { .. }));

    // On the wire: half a reply, then silence on a connection that stays open.
    let mut wire = raw(&proxy);
    wire.set_read_timeout(Some(TIMEOUT)).unwrap();
    wire.write_all(b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n").unwrap();
    let mut got = 0;
    let mut buf = vec![0; 1 << 16];
    let end = loop {
        match wire.read(&mut buf) {
            Ok(0) => break None,
            Ok(n) => got += n,
            Err(e) => break Some(e.kind()),
        }
    };
    assert!(
        matches!(
            end,
            Some(io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
        ),
        "expected the connection held open, got {end:?} after {got} bytes"
    );
    assert!(got > 0 && got < big.len(), "got {got} bytes of the reply");
    assert!(proxy.connections() >= 1);

    proxy.clear();
    assert_eq!(connect(&proxy).get::<Vec<u8>>("big").unwrap(), Some(big));
}

#[test]
fn drop_to_client_loses_replies_but_not_requests() {
    let (server, proxy) = start();
    let mut conn = connect(&proxy);
    proxy.set_fault(Fault::Drop(Direction::ToClient));
    let e = conn.incr("seen").unwrap_err();
    assert_timeout(&e, TimeoutPhase::Read);
    let mut check = direct(&server);
    wait_until(DEADLINE, "the INCR to have run on the server", || {
        check.get::<i64>("seen").unwrap() == Some(1)
    });
}

#[test]
fn drop_to_server_loses_requests() {
    let (server, proxy) = start();
    let mut conn = connect(&proxy);
    let to_server = proxy.bytes_to_server();
    proxy.set_fault(Fault::Drop(Direction::ToServer));
    let e = conn.incr("unseen").unwrap_err();
    assert_timeout(&e, TimeoutPhase::Read);
    assert_eq!(proxy.bytes_to_server(), to_server);
    assert_eq!(direct(&server).get::<i64>("unseen").unwrap(), None);
}

#[test]
fn refuse_new_fails_new_connections_and_keeps_open_ones() {
    let (_server, proxy) = start();
    let mut open = connect(&proxy);
    proxy.set_fault(Fault::RefuseNew);
    let accepted = proxy.total_accepted();

    let start = Instant::now();
    let e = Connection::with_config(&config(&proxy)).unwrap_err();
    assert_connection_error(&e);
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "not refused at once"
    );
    assert_eq!(proxy.total_accepted(), accepted + 1);

    open.set("still", "here").unwrap();
    assert_eq!(
        open.get::<String>("still").unwrap().as_deref(),
        Some("here")
    );
    assert_eq!(proxy.connections(), 1);

    proxy.clear();
    connect(&proxy).ping().unwrap();
}

#[test]
fn an_unreachable_upstream_resets_clients() {
    let upstream: SocketAddr = format!("127.0.0.1:{}", unused_port()).parse().unwrap();
    let proxy = FaultProxy::start(upstream).unwrap();
    let e = Connection::with_config(&config(&proxy)).unwrap_err();
    assert_connection_error(&e);
    assert_eq!(proxy.total_accepted(), 1);
    assert_eq!(proxy.connections(), 0);
}

#[test]
fn faults_switch_while_traffic_flows() {
    let (_server, proxy) = start();
    let client = Client::builder()
        .url(&proxy.url())
        .socket_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    client.set("k", "v").unwrap();
    let delay = Duration::from_millis(150);
    let fast = Duration::from_millis(100);

    let stop = AtomicBool::new(false);
    let done = AtomicU64::new(0);
    let errors = AtomicU64::new(0);
    let last_micros = AtomicU64::new(0);
    thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Ordering::SeqCst) {
                let start = Instant::now();
                match client.get::<String>("k") {
                    Ok(Some(v)) if v == "v" => {
                        let took = u64::try_from(start.elapsed().as_micros()).unwrap();
                        last_micros.store(took, Ordering::SeqCst);
                        done.fetch_add(1, Ordering::SeqCst);
                    }
                    other => {
                        eprintln!("GET failed: {other:?}");
                        errors.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
        });
        let last = || Duration::from_micros(last_micros.load(Ordering::SeqCst));
        let count = || done.load(Ordering::SeqCst);

        wait_until(DEADLINE, "GETs to flow", || count() >= 20);
        let to_server = proxy.bytes_to_server();
        let to_client = proxy.bytes_to_client();
        for direction in [Direction::Both, Direction::ToServer, Direction::ToClient] {
            proxy.set_fault(Fault::Delay { delay, direction });
            let n = count();
            wait_until(DEADLINE, "a GET slowed by the delay", || {
                count() > n + 1 && last() >= delay
            });
            proxy.clear();
            let n = count();
            wait_until(DEADLINE, "GETs fast again", || {
                count() > n + 1 && last() < fast
            });
        }
        stop.store(true, Ordering::SeqCst);
        assert!(proxy.bytes_to_server() > to_server);
        assert!(proxy.bytes_to_client() > to_client);
    });
    assert_eq!(errors.load(Ordering::SeqCst), 0);
    assert!(proxy.connections() >= 1);
}

#[test]
fn dropping_the_proxy_closes_everything_without_hanging() {
    let (_server, proxy) = start();
    let mut idle = raw(&proxy);
    let mut waiting = raw(&proxy);
    wait_until(DEADLINE, "both connections to be carried", || {
        proxy.connections() == 2
    });
    // One request held by a long delay, so a thread is mid-fault when the proxy goes.
    proxy.set_fault(Fault::delay(Duration::from_secs(30)));
    waiting.write_all(b"*1\r\n$4\r\nPING\r\n").unwrap();

    let start = Instant::now();
    drop(proxy);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "drop took {:?}",
        start.elapsed()
    );
    let mut buf = [0; 16];
    for (name, s) in [("idle", &mut idle), ("waiting", &mut waiting)] {
        // Closed (FIN, or a RST after it): anything but a timeout or data.
        match s.read(&mut buf) {
            Ok(0) => {}
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {}
            other => panic!("{name}: expected the connection closed, got {other:?}"),
        }
    }
}
