//! The fault matrix: each fault the proxy can inject, against each way of using the client
//! (single command, pipeline, transaction, pub/sub, checkout).
//!
//! Two parts:
//!
//! - **Cells**: one operation under one fault, single-threaded, on a fresh server. The
//!   outcome is success with the right value, or an error of the kinds that fault allows,
//!   within the computed bound; a non-idempotent command runs at most once.
//! - **Focused cases**: `LOADING`, pub/sub, and a server killed and restarted under load.
//!
//! The tests that measure calls against tight deadlines run one at a time (see [`LOCK`]).

#![cfg(feature = "testing")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients;
mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::thread;
use std::time::{Duration, Instant};

use redisync::testing::{Direction, Fault, FaultProxy};
use redisync::{Client, Commands, ConstantBackoff, ErrorKind, Retry, pipe};
use support::{FakeServer, RedisServer, Step, wait_until};

/// The tests that measure calls against tight deadlines (the restart) run alone: one test's
/// threads must not be another's scheduling delay. The single-threaded cells, whose bounds are
/// loose, share the machine with each other. A test that panicked while holding the lock has
/// already failed; the next goes on.
static LOCK: RwLock<()> = RwLock::new(());

fn serial() -> RwLockWriteGuard<'static, ()> {
    LOCK.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn shared() -> RwLockReadGuard<'static, ()> {
    LOCK.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

// ------------------------------------------------------------------------------------------
// Cells: one operation under one fault.
// ------------------------------------------------------------------------------------------

const READ: Duration = Duration::from_millis(150);
const CONNECT: Duration = Duration::from_millis(300);
const BACKOFF: Duration = Duration::from_millis(10);
const RETRIES: u32 = 2;

/// The longest a cell's call may take under these settings: every attempt may spend a connect
/// and a read (or write) timeout, plus the pauses between attempts, plus scheduling slack.
fn bound() -> Duration {
    (CONNECT + READ) * (RETRIES + 1) + BACKOFF * RETRIES + Duration::from_millis(700)
}

struct Rig {
    /// Kept alive for the test's length.
    _server: RedisServer,
    proxy: FaultProxy,
    client: Client,
    direct: Client,
}

fn rig() -> Rig {
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.addr()).unwrap();
    let client = Client::builder()
        .url(&proxy.url())
        .connect_timeout(CONNECT)
        .socket_timeout(READ)
        .retry(Retry::new(ConstantBackoff::new(BACKOFF), RETRIES))
        .max_connections(4)
        .build()
        .unwrap();
    let direct = Client::open(&server.url()).unwrap();
    direct.set("k", "v").unwrap();
    direct.set("big", vec![b'b'; 100_000]).unwrap();
    // Warm one pooled connection so faults meet an existing connection too.
    assert_eq!(client.get::<String>("k").unwrap().as_deref(), Some("v"));
    Rig {
        _server: server,
        proxy,
        client,
        direct,
    }
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Read,
    Incr,
    Pipeline,
    Transaction,
    Checkout,
}

const OPS: [Op; 5] = [
    Op::Read,
    Op::Incr,
    Op::Pipeline,
    Op::Transaction,
    Op::Checkout,
];

/// Runs one operation; on success checks the values are the right ones. Returns the error
/// kind on failure.
fn run(op: Op, client: &Client) -> Result<(), ErrorKind> {
    let r = match op {
        Op::Read => client.get::<Vec<u8>>("big").map(|v| {
            assert_eq!(v.map(|v| v.len()), Some(100_000), "wrong reply for GET big");
        }),
        Op::Incr => client.incr("counter:incr").map(|n| {
            assert_eq!(n, 1, "INCR ran more than once");
        }),
        Op::Pipeline => pipe()
            .get::<String>("k")
            .incr("counter:pipe")
            .query(client)
            .map(|(v, n)| {
                assert_eq!(v.as_deref(), Some("v"), "wrong reply in pipeline");
                assert_eq!(n, 1, "pipeline INCR ran more than once");
            }),
        Op::Transaction => client.transaction("counter:tx", |conn, p| {
            let now: i64 = conn.get("counter:tx")?.unwrap_or(0);
            p.set("counter:tx", now + 1);
            Ok(())
        }),
        Op::Checkout => client
            .get_connection()
            .and_then(|mut c| (&mut *c).echo::<String>("probe"))
            .map(|s| assert_eq!(s, "probe", "wrong reply on a checked-out connection")),
    };
    r.map_err(|e| e.kind())
}

/// After the fault: the non-idempotent counters moved at most once, and the client is sane.
fn check_after(rig: &Rig, label: &str) {
    for key in ["counter:incr", "counter:pipe", "counter:tx"] {
        let n = rig.direct.get::<i64>(key).unwrap().unwrap_or(0);
        assert!(n <= 1, "{label}: {key} = {n}, a write ran twice");
    }
    rig.proxy.clear();
    // No stale reply: the next answers are the right ones.
    wait_until(Duration::from_secs(5), "the client to recover", || {
        rig.client
            .get::<String>("k")
            .is_ok_and(|v| v.as_deref() == Some("v"))
    });
    assert_eq!(
        rig.client.echo::<String>("after").unwrap(),
        "after",
        "{label}: a stale reply"
    );
}

/// Runs every operation under `fault`, each on a fresh rig, and checks the outcome.
fn matrix(label: &str, fault: Fault, allowed: &[ErrorKind], may_succeed: bool) {
    let _shared = shared();
    for op in OPS {
        let rig = rig();
        rig.proxy.set_fault(fault);
        let started = Instant::now();
        let outcome = run(op, &rig.client);
        let took = started.elapsed();
        let cell = format!("{label} x {op:?}");
        assert!(took < bound(), "{cell}: took {took:?}, bound {:?}", bound());
        match outcome {
            Ok(()) => assert!(
                may_succeed,
                "{cell}: succeeded under a fault that forbids it"
            ),
            Err(kind) => assert!(allowed.contains(&kind), "{cell}: unexpected {kind:?}"),
        }
        check_after(&rig, &cell);
    }
}

#[test]
fn delay_beyond_the_read_timeout() {
    let fault = Fault::Delay {
        delay: Duration::from_millis(400),
        direction: Direction::ToClient,
    };
    matrix("delay", fault, &[ErrorKind::Timeout], false);
}

#[test]
fn reset_before_the_write() {
    let _shared = shared();
    // Existing connections are reset while idle; new ones work. The probe (or a failed write,
    // which is always safe to retry) sends the command over a new connection: success.
    for op in OPS {
        let rig = rig();
        rig.proxy.reset_all();
        let started = Instant::now();
        let outcome = run(op, &rig.client);
        assert!(started.elapsed() < bound());
        assert_eq!(outcome, Ok(()), "reset before write x {op:?}");
        check_after(&rig, &format!("reset before write x {op:?}"));
    }
}

#[test]
fn reset_after_the_write() {
    // The command reaches the server, the reply never comes back. Reads are retried (and
    // keep meeting the fault), writes are not re-sent: at most once, checked in check_after.
    matrix(
        "reset after write",
        Fault::ResetAfterRequest,
        &[ErrorKind::Connection, ErrorKind::Timeout],
        false,
    );
}

#[test]
fn blackholed_server() {
    matrix("blackhole", Fault::Blackhole, &[ErrorKind::Timeout], false);
}

#[test]
fn reply_cut_in_half() {
    matrix(
        "half reply",
        Fault::HalfReply,
        &[ErrorKind::Timeout, ErrorKind::Connection],
        false,
    );
}

#[test]
fn new_connections_refused() {
    // The warm pooled connection still works; anything needing a new one fails fast.
    matrix(
        "refuse new",
        Fault::RefuseNew,
        &[ErrorKind::Connection, ErrorKind::Timeout],
        true,
    );
}

#[test]
fn replies_dropped_on_the_way_back() {
    matrix(
        "drop to client",
        Fault::Drop(Direction::ToClient),
        &[ErrorKind::Timeout],
        false,
    );
}

#[test]
fn connection_closed_a_few_bytes_into_the_reply() {
    // Ten bytes: an `INCR` reply (4 bytes) fits, so that cell may succeed; every other reply,
    // and every new connection's handshake, is cut part-way.
    matrix(
        "close after 10 bytes",
        Fault::CloseAfter {
            bytes: 10,
            direction: Direction::ToClient,
        },
        // A transaction whose connection closes while its key is watched is a lost watch.
        &[ErrorKind::Connection, ErrorKind::Timeout, ErrorKind::Watch],
        true,
    );
}

// ------------------------------------------------------------------------------------------
// Pub/sub, LOADING, and a server killed under load.
// ------------------------------------------------------------------------------------------

#[test]
fn pubsub_survives_faults() {
    let _shared = shared();
    let rig = rig();
    let mut sub = rig.client.subscriber().unwrap();
    sub.subscribe("news").unwrap();
    let publish = |msg: &str| {
        redisync::cmd("PUBLISH")
            .arg("news")
            .arg(msg)
            .query::<i64>(&rig.direct)
            .unwrap()
    };
    wait_until(Duration::from_secs(5), "the subscription", || {
        publish("first") == 1
    });
    let first = sub.next_message(Duration::from_secs(2)).unwrap().unwrap();
    assert_eq!(first.payload_str(), Some("first"));
    // A reset: the subscriber reconnects and resubscribes by itself.
    rig.proxy.reset_all();
    let got = Arc::new(Mutex::new(None));
    wait_until(Duration::from_secs(10), "delivery after the reset", || {
        let _ = publish("again");
        if let Ok(Some(m)) = sub.next_message(Duration::from_millis(200)) {
            *got.lock().unwrap() = m.payload_str().map(str::to_owned);
            true
        } else {
            false
        }
    });
    assert_eq!(got.lock().unwrap().as_deref(), Some("again"));
    assert!(sub.reconnects() >= 1);
    // A blackhole: waiting for a message times out (None), it does not hang or lie.
    rig.proxy.set_fault(Fault::Blackhole);
    let started = Instant::now();
    let r = sub.next_message(Duration::from_millis(300));
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(matches!(r, Ok(None) | Err(_)), "{r:?}");
    rig.proxy.clear();
}

/// A client of a scripted server that answers each command first with `LOADING`, then with
/// `reply`; `LOADING` is in its retry set.
fn loading_then(command: &str, reply: &str) -> (FakeServer, Client) {
    let fake = FakeServer::repeating(vec![
        Step::expect(command),
        Step::reply("-LOADING Redis is loading the dataset in memory\r\n"),
        Step::expect(command),
        Step::reply(reply),
    ]);
    let client = Client::builder()
        .connection_config(clients::bare(fake.port()))
        .retry(Retry::new(ConstantBackoff::new(BACKOFF), RETRIES))
        .retry_on_error([ErrorKind::BusyLoading])
        .build()
        .unwrap();
    (fake, client)
}

#[test]
fn loading_replies_from_a_scripted_server() {
    let _shared = shared();
    // A server still loading its data refuses the command, so even a write may be sent again.
    let (_fake, client) = loading_then("GET", "$1\r\nv\r\n");
    assert_eq!(client.get::<String>("k").unwrap().as_deref(), Some("v"));
    let (_fake, client) = loading_then("INCR", ":1\r\n");
    assert_eq!(client.incr("n").unwrap(), 1);
    let (_fake, client) = loading_then("INCR", ":1\r\n");
    let (n,) = pipe().incr("n").query(&client).unwrap();
    assert_eq!(n, 1);
    let (fake, client) = loading_then("ECHO", "$2\r\nhi\r\n");
    let mut conn = client.get_connection().unwrap();
    assert_eq!(
        (&mut *conn).echo::<String>("hi").unwrap_err().kind(),
        ErrorKind::BusyLoading
    );
    drop(conn);
    assert_eq!(
        client.echo::<String>("hi").unwrap(),
        "hi",
        "through the client it is retried"
    );
    drop(fake);
}

#[test]
fn server_killed_and_restarted_under_load_loses_no_acknowledged_write() {
    let _serial = serial();
    let mut server = RedisServer::builder()
        .config("appendonly yes")
        .config("appendfsync always")
        .start();
    let client = Client::builder()
        .url(&server.url())
        .connect_timeout(CONNECT)
        .socket_timeout(READ)
        .retry(Retry::new(
            ConstantBackoff::new(Duration::from_millis(50)),
            3,
        ))
        .max_connections(8)
        .build()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let last_ok = Arc::new(AtomicU64::new(0));
    let epoch = Instant::now();
    let acked: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
    let workers: Vec<_> = (0..8)
        .map(|t| {
            let (client, stop, acked, last_ok) = (
                client.clone(),
                Arc::clone(&stop),
                Arc::clone(&acked),
                Arc::clone(&last_ok),
            );
            thread::spawn(move || {
                let key = format!("w{t}");
                let mut i: u64 = 0;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    if client.set(&key, i).is_ok() {
                        acked.lock().unwrap().insert(key.clone(), i);
                        last_ok.store(epoch.elapsed().as_millis() as u64, Ordering::Relaxed);
                    }
                    if let Ok(Some(v)) = client.get::<u64>(&key) {
                        // Never a value this worker did not write, never one from the future.
                        assert!(v <= i, "{key}: read {v} after writing {i}");
                        let floor = acked.lock().unwrap().get(&key).copied().unwrap_or(0);
                        assert!(v >= floor, "{key}: read {v}, but {floor} was acknowledged");
                    }
                }
            })
        })
        .collect();
    wait_until(Duration::from_secs(5), "traffic", || {
        last_ok.load(Ordering::Relaxed) > 0
    });
    server.kill();
    let killed_at = epoch.elapsed();
    thread::sleep(Duration::from_secs(1));
    server.restart();
    let back_at = epoch.elapsed();
    wait_until(Duration::from_secs(10), "traffic to resume", || {
        Duration::from_millis(last_ok.load(Ordering::Relaxed)) > back_at
    });
    let resumed_after =
        Duration::from_millis(last_ok.load(Ordering::Relaxed)).saturating_sub(back_at);
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    assert!(killed_at < back_at);
    // Every acknowledged write survived the restart (AOF with fsync always).
    let direct = Client::open(&server.url()).unwrap();
    for (key, value) in acked.lock().unwrap().iter() {
        let now = direct.get::<u64>(key).unwrap().unwrap_or(0);
        assert!(now >= *value, "{key}: acknowledged {value}, found {now}");
    }
    eprintln!(
        "kill/restart: {} acknowledged keys checked, traffic resumed {resumed_after:?} after the \
         server was back ({:?} after the kill)",
        acked.lock().unwrap().len(),
        back_at - killed_at
    );
    // Traffic resumed within 1 s plus one backoff of the server being back.
    assert!(
        resumed_after < Duration::from_millis(1050),
        "resumed {resumed_after:?} after the restart"
    );
}
