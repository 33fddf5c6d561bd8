//! A hostile review of issue 7's change: each test here is a path that breaks one of the
//! invariants the change promises (a reply never reaches the wrong caller, nothing that may
//! have run is sent twice, every call is bounded, no secret in `Debug`, no panic leaves the
//! pool or a connection unusable, a pooled connection comes back clean).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients;
mod support;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use redisync::prelude::*;
use redisync::testing::{Fault, FaultProxy};
use redisync::{
    ArgWriter, Client, Connection, ConnectionConfig, ConstantBackoff, Protocol, Retry, Script,
    TlsConfig, ToArg, ToArgs, cmd,
};
use support::{FakeServer, RedisServer, Step, tls_certs, wait_until};

const MS: fn(u64) -> Duration = Duration::from_millis;

// -- a call exceeding its deadline ----------------------------------------------------------

/// A push frame whose TLS record arrived only in part, found on an idle connection at checkout:
/// the non-blocking drain reads it through TLS, and `Timed` takes the socket's `WouldBlock`
/// for a timeout and spins (100% CPU) until the deadline of the connection's *previous* read
/// (its last reply's read timeout), whatever the new call's deadline. With a read timeout of
/// `Duration::MAX` it spins until the rest of the record arrives, possibly forever.
#[test]
fn a_half_arrived_tls_push_on_an_idle_connection_does_not_hold_the_checkout() {
    let server = RedisServer::builder().tls().start();
    let certs = tls_certs();
    let upstream = format!("127.0.0.1:{}", server.tls_port()).parse().unwrap();
    let proxy = FaultProxy::start(upstream).unwrap();
    let cfg = ConnectionConfig::new("127.0.0.1", proxy.port())
        .tls(TlsConfig::new().ca_file(&certs.ca_cert))
        .protocol(Protocol::Resp3)
        .read_timeout(Duration::from_secs(4));
    let client = Client::builder()
        .connection_config(cfg)
        .max_connections(1)
        .retry(Retry::none())
        .on_connect(|conn| cmd("CLIENT").arg("TRACKING").arg("ON").exec(conn))
        .build()
        .unwrap();
    client.set("tracked", "v").unwrap();
    let _: Option<String> = client.get("tracked").unwrap();
    // The next server-to-client chunk (the invalidation push's TLS record) arrives in half.
    let before = proxy.bytes_to_client();
    proxy.set_fault(Fault::HalfReply);
    assert_eq!(server.raw_command(&["SET", "tracked", "w"]), "+OK\r\n");
    wait_until(
        Duration::from_secs(5),
        "half a push reached the client",
        || proxy.bytes_to_client() > before,
    );
    proxy.clear();
    let start = Instant::now();
    let _ = client.with_timeout(MS(300)).get::<String>("other");
    let took = start.elapsed();
    assert!(
        took < MS(1000),
        "a 300 ms call took {took:?}: the checkout probe spun on a partial TLS record"
    );
}

/// Check-in runs `UNWATCH`/`DISCARD` for a session a call left open, inside the call (the
/// connection goes back before the call returns), but after `restore()` removed the call's
/// cap: the round trip runs under the configured read timeout, not the call's deadline.
#[test]
fn the_check_in_reset_stays_inside_the_call_deadline() {
    let fake = FakeServer::with_script(vec![
        Step::expect_args(&["WATCH", "k"]),
        Step::reply("+OK\r\n"),
        Step::expect("UNWATCH"),
        Step::Sleep(MS(2500)),
        Step::reply("+OK\r\n"),
    ]);
    let client = Client::builder()
        .connection_config(clients::bare(fake.port()).read_timeout(Duration::from_secs(5)))
        .retry(Retry::none())
        .build()
        .unwrap();
    let start = Instant::now();
    let r = cmd("WATCH").arg("k").exec(client.with_timeout(MS(300)));
    let took = start.elapsed();
    assert!(
        took < MS(1000),
        "a 300 ms call took {took:?} ({r:?}): the check-in UNWATCH was not bounded by it"
    );
}

/// `Script::invoke` is one call to its caller, but three requests when the server does not
/// have the script (`EVALSHA` → `NOSCRIPT`, `SCRIPT LOAD`, `EVALSHA`), each given the whole
/// `with_timeout` (and `Retry::deadline`) afresh.
#[test]
fn a_script_invocation_through_with_timeout_is_bounded_as_one_call() {
    let script = Script::new("return 1");
    let fake = FakeServer::with_script(vec![
        Step::expect("EVALSHA"),
        Step::Sleep(MS(250)),
        Step::reply("-NOSCRIPT No matching script. Please use EVAL.\r\n"),
        Step::expect("SCRIPT"),
        Step::Sleep(MS(250)),
        Step::reply(format!("$40\r\n{}\r\n", script.sha())),
        Step::expect("EVALSHA"),
        Step::Sleep(MS(250)),
        Step::reply(":1\r\n"),
    ]);
    let client = Client::builder()
        .connection_config(clients::bare(fake.port()))
        .retry(Retry::none())
        .build()
        .unwrap();
    let start = Instant::now();
    let r = script.invoke::<i64>(client.with_timeout(MS(400)), (), ());
    let took = start.elapsed();
    assert!(
        took < MS(600),
        "a 400 ms call took {took:?} and returned {r:?}"
    );
}

/// Building the TLS connector (reading the CA file and, with OpenSSL 3, the whole system
/// bundle: 70-280 ms by the crate's own note) happens after the TCP connect and before the
/// handshake, outside every deadline: the first connection with new TLS settings takes that
/// long whatever its connect timeout or the call's deadline.
#[test]
fn building_the_tls_connector_counts_against_the_connect_timeout() {
    let server = RedisServer::builder().tls().start();
    let certs = tls_certs();
    // A CA file of its own, so no earlier test in this process has the connector cached.
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::copy(&certs.ca_cert, &ca).unwrap();
    let cfg = ConnectionConfig::new("127.0.0.1", server.tls_port())
        .tls(TlsConfig::new().ca_file(&ca))
        .connect_timeout(MS(20));
    let start = Instant::now();
    let r = Connection::with_config(&cfg);
    let took = start.elapsed();
    assert!(
        took < MS(60),
        "a 20 ms connect timeout took {took:?} ({:?})",
        r.map(drop)
    );
}

// -- something that may have run, sent twice ------------------------------------------------

/// An atomic pipeline is taken to run nothing until its final `EXEC` was written. A `DISCARD`
/// (or `EXEC`) queued inside it ends the transaction early on the server, and the commands
/// after it run one by one as they arrive; the write stalls part-way, the retry loop sees
/// "nothing can have run" and sends it all again.
#[test]
fn an_atomic_pipeline_with_a_discard_inside_is_not_re_sent_after_a_partial_write() {
    let server = RedisServer::start();
    let client = Client::builder()
        .url(&server.url())
        .write_timeout(MS(300))
        .connect_timeout(Duration::from_secs(10))
        .retry(Retry::new(ConstantBackoff::new(MS(10)), 3))
        .build()
        .unwrap();
    client.ping().unwrap();
    let mut p = redisync::Pipeline::new();
    p.atomic();
    p.add(&cmd("DISCARD"));
    p.incr("review:ran");
    // More than the socket buffers hold, so the write stalls while the server sleeps.
    p.set("review:big", vec![b'x'; 48 << 20]);
    let port = server.port();
    let sleeper = std::thread::spawn(move || {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        use std::io::{Read, Write};
        s.write_all(b"*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$3\r\n1.5\r\n")
            .unwrap();
        let mut buf = [0u8; 16];
        let _ = s.read(&mut buf);
    });
    std::thread::sleep(MS(200));
    let r = p.query::<redisync::Value>(&client);
    assert!(r.is_err(), "{r:?}");
    sleeper.join().unwrap();
    // Every connection's prefix has been read by now (the server is awake again).
    wait_until(
        Duration::from_secs(5),
        "the server processed the prefixes",
        || server.raw_command(&["PING"]) == "+PONG\r\n",
    );
    std::thread::sleep(MS(300));
    let ran = server.raw_command(&["GET", "review:ran"]);
    assert!(
        ran == "$-1\r\n" || ran == "$1\r\n1\r\n",
        "INCR ran more than once: {ran:?} ({} attempts)",
        redisync::retry::last_attempts()
    );
}

// -- a panic leaves the pool or the connection unusable -------------------------------------

/// A connect hook that panics: the pool counted the slot when it started opening and never
/// gives it back, so with `max_connections(1)` every later call waits out `pool_timeout`.
#[test]
fn a_panicking_connect_hook_does_not_leak_a_pool_slot() {
    let server = RedisServer::start();
    let panicked = Arc::new(AtomicBool::new(false));
    let once = Arc::clone(&panicked);
    let client = Client::builder()
        .url(&server.url())
        .max_connections(1)
        .pool_timeout(MS(500))
        .on_connect(move |_| {
            if !once.swap(true, Ordering::SeqCst) {
                panic!("hook bug");
            }
            Ok(())
        })
        .build()
        .unwrap();
    assert!(catch_unwind(AssertUnwindSafe(|| client.ping())).is_err());
    assert!(panicked.load(Ordering::SeqCst));
    let r = client.ping();
    assert!(r.is_ok(), "{r:?}; pool: {:?}", client.pool_state());
}

/// The same with the pool's push sink, called from the checkout probe on an idle connection.
#[test]
fn a_panicking_push_sink_does_not_leak_a_pool_slot() {
    let server = RedisServer::start();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let client = Client::builder()
        .url(&server.url())
        .protocol(Protocol::Resp3)
        .max_connections(1)
        .pool_timeout(MS(500))
        .on_connect(|conn| cmd("CLIENT").arg("TRACKING").arg("ON").exec(conn))
        .on_push(move |_, _| {
            if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                panic!("sink bug");
            }
        })
        .build()
        .unwrap();
    let _: Option<String> = client.get("tracked").unwrap();
    assert_eq!(server.raw_command(&["SET", "tracked", "x"]), "+OK\r\n");
    // Give the invalidation time to land on the idle connection.
    std::thread::sleep(MS(200));
    assert!(catch_unwind(AssertUnwindSafe(|| client.ping())).is_err());
    let r = client.ping();
    assert!(r.is_ok(), "{r:?}; pool: {:?}", client.pool_state());
}

/// And from the reaper's periodic push pass (`push_interval`), which takes every idle
/// connection out at once: before, one panic in the sink lost all their slots and the reaper.
#[test]
fn a_push_sink_panicking_in_the_reapers_pass_does_not_leak_the_idle_connections() {
    let server = RedisServer::start();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let client = Client::builder()
        .url(&server.url())
        .protocol(Protocol::Resp3)
        .max_connections(1)
        .pool_timeout(MS(500))
        .push_interval(MS(10))
        .on_connect(|conn| cmd("CLIENT").arg("TRACKING").arg("ON").exec(conn))
        .on_push(move |_, _| {
            if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                panic!("sink bug");
            }
        })
        .build()
        .unwrap();
    let _: Option<String> = client.get("tracked").unwrap();
    assert_eq!(server.raw_command(&["SET", "tracked", "x"]), "+OK\r\n");
    wait_until(Duration::from_secs(5), "the sink was called", || {
        calls.load(Ordering::SeqCst) > 0
    });
    let r = client.ping();
    assert!(r.is_ok(), "{r:?}; pool: {:?}", client.pool_state());
    // The reaper is still there: the next invalidation is delivered by it, not at a checkout.
    let _: Option<String> = client.get("tracked").unwrap();
    assert_eq!(server.raw_command(&["SET", "tracked", "y"]), "+OK\r\n");
    wait_until(
        Duration::from_secs(5),
        "the reaper delivered the next push",
        || calls.load(Ordering::SeqCst) > 1,
    );
}

/// A `ToArgs` that writes an argument and then panics, inside `Cmd::arg`: the bytes stay in
/// the command, its count does not, and the header then disagrees with the body. Sent, the
/// server reads the extra bytes as inline commands and answers each: the next command on the
/// connection gets one of those answers.
#[test]
fn a_panic_inside_cmd_arg_cannot_desync_the_connection() {
    struct Bad;
    impl ToArgs for Bad {
        fn write_args(&self, out: &mut ArgWriter<'_>) {
            out.arg(b"extra");
            panic!("user bug");
        }
    }
    let server = RedisServer::start();
    let mut conn = Connection::open(&server.url()).unwrap();
    conn.set("a", "A").unwrap();
    conn.set("b", "B").unwrap();
    let mut c = cmd("GET");
    c.push("a");
    assert!(
        catch_unwind(AssertUnwindSafe(|| {
            c.push(Bad);
        }))
        .is_err()
    );
    // The command is either refused, or sent as it reads (`GET a`).
    let first = c.query::<Option<String>>(&mut conn);
    let next = conn.get::<String>("b");
    assert!(
        matches!(&first, Ok(Some(s)) if s == "A") || first.is_err(),
        "{first:?}"
    );
    assert_eq!(next.unwrap().as_deref(), Some("B"), "after {first:?}");
}

/// The same through a pipeline: `Pipeline::push` leaves the partial command in its buffer.
#[test]
fn a_panic_inside_a_pipeline_argument_cannot_desync_the_connection() {
    struct Bad;
    impl ToArg for Bad {
        fn write_arg(&self, out: &mut ArgWriter<'_>) {
            out.arg(b"half");
            panic!("user bug");
        }
    }
    let server = RedisServer::start();
    let mut conn = Connection::open(&server.url()).unwrap();
    conn.set("a", "A").unwrap();
    conn.set("b", "B").unwrap();
    let mut p = redisync::Pipeline::new();
    assert!(
        catch_unwind(AssertUnwindSafe(|| {
            p.set("k", Bad);
        }))
        .is_err()
    );
    p.get::<String>("a");
    let first = p.query::<(Option<String>,)>(&mut conn);
    let next = conn.get::<String>("b");
    assert!(
        matches!(&first, Ok((Some(s),)) if s == "A") || first.is_err(),
        "{first:?}"
    );
    assert_eq!(next.unwrap().as_deref(), Some("B"), "after {first:?}");
}

// -- secrets in Debug -----------------------------------------------------------------------

/// Query keys are percent-decoded, so `pass%77ord=` is the password; the builder's redaction
/// matches the raw key text only.
#[test]
fn a_percent_encoded_password_key_is_redacted_in_debug() {
    let url = "redis://127.0.0.1:6379/0?pass%77ord=hunter2";
    let cfg = ConnectionConfig::from_url(url).unwrap();
    assert_eq!(cfg.password.as_ref().map(|p| p.expose()), Some("hunter2"));
    let b = Client::builder().url(url);
    let dbg = format!("{b:?}");
    assert!(!dbg.contains("hunter2"), "{dbg}");
    // A password holding an unescaped `&`: the parser refuses it without quoting it, and
    // `Debug` must not show its second half as another pair either.
    let b = Client::builder().url("redis://127.0.0.1/?password=hun&ter2=x");
    let dbg = format!("{b:?}");
    assert!(!dbg.contains("ter2"), "{dbg}");
}

/// `ScanOptions` derives `Debug`, printing its `MATCH` pattern's bytes (an argument).
#[test]
fn scan_options_do_not_print_their_pattern() {
    let o = redisync::ScanOptions::new().pattern("tenant:s3cr3t:*");
    let dbg = format!("{o:?}");
    // `Vec<u8>` prints as numbers: look for those too.
    let bytes = format!("{:?}", b"s3cr3t")
        .trim_matches(['[', ']'])
        .to_string();
    assert!(!dbg.contains("s3cr3t") && !dbg.contains(&bytes), "{dbg}");
}

// -- docs that disagree with the code -------------------------------------------------------

/// `Pipeline::idempotent` and `Retry` say the same: an atomic pipeline whose `EXEC` was written
/// is sent again only when the caller opted in (or every command in it is harmless to repeat).
#[test]
fn doc_check_an_atomic_pipeline_is_re_sent_after_exec_only_when_opted_in() {
    let exec = || {
        vec![
            Step::expect("MULTI"),
            Step::expect("INCR"),
            Step::expect("EXEC"),
        ]
    };
    for opted_in in [false, true] {
        let mut first = exec();
        first.push(Step::Close);
        let mut second = exec();
        second.push(Step::reply("+OK\r\n+QUEUED\r\n*1\r\n:1\r\n"));
        let fake = FakeServer::start(vec![first, second]);
        let client = Client::builder()
            .connection_config(clients::bare(fake.port()))
            .retry(Retry::new(ConstantBackoff::new(MS(10)), 3))
            .build()
            .unwrap();
        let mut p = redisync::pipe().atomic();
        if opted_in {
            p = p.idempotent();
        }
        let r = p.incr("x").query(&client);
        let execs = fake
            .command_names()
            .iter()
            .filter(|n| n.eq_ignore_ascii_case("EXEC"))
            .count();
        if opted_in {
            assert_eq!((execs, r.unwrap()), (2, (1,)), "opted in");
        } else {
            assert_eq!(execs, 1, "EXEC was sent {execs} times: {r:?}");
            assert!(r.is_err());
        }
    }
}

/// `Subscriber::subscribe` gives a reconnect's first attempt the whole connect timeout (as its
/// docs and `next_message`'s say) and stops further attempts at the read timeout.
#[test]
fn doc_check_subscribe_gives_up_reconnecting_as_documented() {
    let server = RedisServer::start();
    let upstream = format!("127.0.0.1:{}", server.port()).parse().unwrap();
    let proxy = FaultProxy::start(upstream).unwrap();
    let cfg = ConnectionConfig::new("127.0.0.1", proxy.port())
        .read_timeout(MS(300))
        .connect_timeout(Duration::from_secs(3));
    let mut sub = redisync::pubsub::Subscriber::with_config(&cfg).unwrap();
    sub.subscribe("a").unwrap();
    // The connection is reset, and new ones hang in their handshake.
    proxy.set_fault(Fault::Reset);
    proxy.set_fault(Fault::Blackhole);
    let start = Instant::now();
    let r = sub.subscribe("b");
    let took = start.elapsed();
    assert!(r.is_err());
    // One connect timeout (3 s) for the first attempt, then nothing past the read timeout.
    assert!(
        took >= MS(2900) && took < MS(3900),
        "subscribe with a 3 s connect and 300 ms read timeout took {took:?} ({r:?})"
    );
}

/// A TLS subscriber whose wait for a message ends with nothing received must stay usable:
/// `next_message` documents that running out of time "leaves the connection as it was".
#[test]
fn a_tls_subscriber_survives_an_empty_wait() {
    let server = RedisServer::builder().tls().start();
    let certs = tls_certs();
    let cfg = ConnectionConfig::new("127.0.0.1", server.tls_port())
        .tls(TlsConfig::new().ca_file(&certs.ca_cert));
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let mut sub =
            redisync::pubsub::Subscriber::with_config(&cfg.clone().protocol(protocol)).unwrap();
        sub.subscribe("news").unwrap();
        for round in 0..3 {
            assert!(sub.next_message(MS(100)).unwrap().is_none());
            let n = server.raw_command(&["PUBLISH", "news", &format!("m{round}")]);
            assert_eq!(n, ":1\r\n", "{protocol:?} round {round}");
            let m = sub.next_message(Duration::from_secs(2)).unwrap();
            assert!(m.is_some(), "{protocol:?} round {round}");
        }
        assert_eq!(sub.reconnects(), 0, "{protocol:?}");
    }
}

/// The same when the wait ends in the middle of a TLS record (its bytes trickling in): the
/// next call must complete the record, not find the TLS stream failed.
#[test]
fn a_tls_subscriber_survives_a_wait_that_ends_inside_a_record() {
    let server = RedisServer::builder().tls().start();
    let certs = tls_certs();
    let upstream = format!("127.0.0.1:{}", server.tls_port()).parse().unwrap();
    let proxy = FaultProxy::start(upstream).unwrap();
    let cfg = ConnectionConfig::new("127.0.0.1", proxy.port())
        .tls(TlsConfig::new().ca_file(&certs.ca_cert))
        .protocol(Protocol::Resp3);
    let mut sub = redisync::pubsub::Subscriber::with_config(&cfg).unwrap();
    sub.subscribe("news").unwrap();
    proxy.set_fault(Fault::Trickle {
        every: MS(20),
        direction: redisync::testing::Direction::ToClient,
    });
    assert_eq!(server.raw_command(&["PUBLISH", "news", "hello"]), ":1\r\n");
    let start = Instant::now();
    let mut got = None;
    while got.is_none() && start.elapsed() < Duration::from_secs(10) {
        got = sub.next_message(MS(50)).unwrap();
    }
    proxy.clear();
    let m = got.expect("the message arrived");
    assert_eq!(m.payload_str(), Some("hello"));
    assert_eq!(sub.reconnects(), 0);
}

/// Every RESP3 shape the server can be asked for (`DEBUG PROTOCOL`), an attribute and a push
/// before a reply included, is read as exactly one reply: the next command gets its own.
#[test]
fn every_debug_protocol_shape_is_one_reply() {
    // The fixture enables DEBUG for local connections.
    let server = RedisServer::start();
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let cfg = ConnectionConfig::new("127.0.0.1", server.port()).protocol(protocol);
        let mut conn = Connection::with_config(&cfg).unwrap();
        for (i, shape) in [
            "string", "integer", "double", "bignum", "null", "array", "set", "map", "attrib",
            "push", "verbatim", "true", "false",
        ]
        .into_iter()
        .enumerate()
        {
            let r = cmd("DEBUG")
                .arg("PROTOCOL")
                .arg(shape)
                .query::<redisync::Value>(&mut conn);
            let token = format!("t{i}");
            let echo: String = conn.echo(&token).unwrap();
            assert_eq!(
                echo, token,
                "{protocol:?} after DEBUG PROTOCOL {shape}: {r:?}"
            );
        }
    }
}

/// A query key that decodes to `password=...` (an escaped `=`) is not quoted in the error.
#[test]
fn a_query_key_holding_an_escaped_equals_is_not_quoted() {
    let e =
        redisync::ConnectionConfig::from_url("redis://127.0.0.1/?password%3Dhunter2").unwrap_err();
    assert!(!e.to_string().contains("hunter2"), "{e}");
    assert!(!format!("{e:?}").contains("hunter2"), "{e:?}");
}

/// An atomic pipeline run inside the caller's own MULTI is refused: its EXEC would run the
/// caller's queued commands too.
#[test]
fn an_atomic_pipeline_inside_an_open_multi_is_refused() {
    let server = RedisServer::start();
    let client = Client::open(&server.url()).unwrap();
    let mut conn = client.get_connection().unwrap();
    redisync::cmd("MULTI").exec(&mut conn).unwrap();
    redisync::cmd("SET")
        .arg("mine")
        .arg(1)
        .exec(&mut conn)
        .unwrap();
    let e = redisync::pipe()
        .atomic()
        .incr("x")
        .query(&mut conn)
        .unwrap_err();
    assert_eq!(e.kind(), redisync::ErrorKind::InvalidInput, "{e}");
    drop(conn);
    // Nothing of it ran, and the pool discarded the caller's open transaction.
    assert_eq!(server.raw_command(&["EXISTS", "mine", "x"]), ":0\r\n");
}
