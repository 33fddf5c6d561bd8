//! One connection: handshake on RESP2 and RESP3, authentication, database selection, Unix
//! sockets, deadlines on every step, and the broken-connection rule. Real `redis-server`s where
//! a real server can show the behaviour; the scripted fake server only for replies a real server
//! will not send.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients;
mod support;

use clients::bare;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redisync::prelude::*;
use redisync::{
    Connection, ConnectionConfig, Error, ErrorKind, Protocol, TimeoutPhase, Value, cmd,
};
use support::{BlackholeListener, FakeServer, RedisServer, Step, unused_port};

fn config(server: &RedisServer) -> ConnectionConfig {
    ConnectionConfig::new("127.0.0.1", server.port())
}

#[track_caller]
fn assert_timeout(e: &Error, phase: TimeoutPhase) {
    assert!(
        matches!(e, Error::Timeout { phase: p, .. } if *p == phase),
        "expected a {phase} timeout, got {e:?}"
    );
    assert_eq!(e.kind(), ErrorKind::Timeout);
}

/// `CLIENT INFO` as seen by the server, for checking what the handshake did.
fn client_info(conn: &mut Connection) -> String {
    cmd("CLIENT").arg("INFO").query(conn).unwrap()
}

fn field<'a>(info: &'a str, name: &str) -> &'a str {
    info.split_whitespace()
        .find_map(|kv| kv.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
        .unwrap_or_else(|| panic!("no {name} in {info}"))
}

/// The protocol the server speaks on `conn`, `"2"` or `"3"`: `CLIENT INFO`'s `resp` field, or on
/// 6.2, which has no such field (it came with 7.0), the shape of an empty `HGETALL` (a map only on
/// RESP3).
fn server_resp(server: &RedisServer, conn: &mut Connection) -> String {
    let info = client_info(conn);
    if server.version() >= (7, 0, 0) {
        return field(&info, "resp").to_owned();
    }
    assert!(!info.contains(" resp="), "{info}");
    let raw: Value = cmd("HGETALL").arg("no-such-hash").query(conn).unwrap();
    match raw {
        Value::Map(_) => "3".to_owned(),
        Value::Array(_) => "2".to_owned(),
        other => panic!("HGETALL of no key: {other:?}"),
    }
}

#[test]
fn resp3_is_negotiated_by_default() {
    let server = RedisServer::start();
    let mut conn = Connection::open(&server.url()).unwrap();
    assert_eq!(conn.protocol(), Protocol::Resp3);
    assert_eq!(server_resp(&server, &mut conn), "3");
}

#[test]
fn resp3_handshake_sends_hello_with_auth_and_name_then_library_info() {
    // Redis 7.0 (this machine's) has no CLIENT SETINFO, so the exact commands are checked
    // against the scripted server.
    let fake = FakeServer::with_script(vec![
        Step::expect_args(&["HELLO", "3", "AUTH", "bob", "pw", "SETNAME", "svc"]),
        Step::reply("%2\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n"),
        Step::expect_args(&["CLIENT", "SETINFO", "LIB-NAME", "redisync"]),
        Step::expect_args(&["CLIENT", "SETINFO", "LIB-VER", env!("CARGO_PKG_VERSION")]),
        Step::reply("+OK\r\n+OK\r\n"),
        Step::expect_args(&["PING"]),
        Step::reply("+PONG\r\n"),
    ]);
    let cfg = ConnectionConfig::new("127.0.0.1", fake.port())
        .username("bob")
        .password("pw")
        .client_name("svc");
    let mut conn = Connection::with_config(&cfg).unwrap();
    assert_eq!(conn.protocol(), Protocol::Resp3);
    conn.ping().unwrap();
    fake.check();
}

#[test]
fn resp2_when_asked_and_replies_convert_the_same() {
    let server = RedisServer::start();
    let mut c2 = Connection::with_config(&config(&server).protocol(Protocol::Resp2)).unwrap();
    let mut c3 = Connection::with_config(&config(&server)).unwrap();
    assert_eq!(c2.protocol(), Protocol::Resp2);
    assert_eq!(server_resp(&server, &mut c2), "2");
    cmd("HSET")
        .arg("h")
        .arg([("a", "1"), ("b", "2")])
        .exec(&mut c2)
        .unwrap();
    // The raw shapes differ: a flat array on RESP2, a map on RESP3 ...
    let raw2: Value = cmd("HGETALL").arg("h").query(&mut c2).unwrap();
    let raw3: Value = cmd("HGETALL").arg("h").query(&mut c3).unwrap();
    assert!(matches!(raw2, Value::Array(_)), "{raw2:?}");
    assert!(matches!(raw3, Value::Map(_)), "{raw3:?}");
    // ... and both convert to the same map.
    type M = std::collections::BTreeMap<String, i64>;
    let m2: M = cmd("HGETALL").arg("h").query(&mut c2).unwrap();
    let m3: M = cmd("HGETALL").arg("h").query(&mut c3).unwrap();
    assert_eq!(m2, m3);
    assert_eq!(m2["b"], 2);
}

#[test]
fn falls_back_to_resp2_when_the_server_has_no_hello() {
    let fake = FakeServer::with_script(vec![
        Step::expect_args(&["HELLO", "3"]),
        Step::reply("-ERR unknown command 'HELLO', with args beginning with: '3'\r\n"),
        Step::expect_prefix(&["CLIENT", "SETINFO", "LIB-NAME"]),
        Step::expect_prefix(&["CLIENT", "SETINFO", "LIB-VER"]),
        Step::reply("-ERR unknown subcommand 'SETINFO'\r\n-ERR unknown subcommand 'SETINFO'\r\n"),
        Step::expect_args(&["PING"]),
        Step::reply("+PONG\r\n"),
    ]);
    let mut conn = Connection::open(&fake.url()).unwrap();
    assert_eq!(conn.protocol(), Protocol::Resp2);
    conn.ping().unwrap();
    fake.check();
}

#[test]
fn falls_back_with_auth_and_name_on_an_old_server() {
    let fake = FakeServer::with_script(vec![
        Step::expect_args(&["HELLO", "3", "AUTH", "default", "pw", "SETNAME", "app"]),
        Step::reply("-ERR unknown command 'HELLO'\r\n"),
        Step::expect_args(&["AUTH", "pw"]),
        Step::reply("+OK\r\n"),
        Step::expect_args(&["CLIENT", "SETNAME", "app"]),
        Step::expect_args(&["SELECT", "2"]),
        Step::reply("+OK\r\n+OK\r\n"),
        Step::expect_args(&["PING"]),
        Step::reply("+PONG\r\n"),
    ]);
    let cfg = ConnectionConfig::new("127.0.0.1", fake.port())
        .password("pw")
        .client_name("app")
        .db(2)
        .lib_info(false);
    let mut conn = Connection::with_config(&cfg).unwrap();
    assert_eq!(conn.protocol(), Protocol::Resp2);
    conn.ping().unwrap();
    fake.check();
}

#[test]
fn password_authentication_succeeds_and_fails_on_both_protocols() {
    let server = RedisServer::builder().requirepass("s3cret-pw").start();
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let good = config(&server).password("s3cret-pw").protocol(protocol);
        let mut conn = Connection::with_config(&good).unwrap();
        conn.ping().unwrap();

        let bad = config(&server).password("wrong-pw").protocol(protocol);
        let e = Connection::with_config(&bad).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Authentication, "{protocol:?}: {e}");
        assert!(!e.to_string().contains("wrong-pw"), "{e}");
        assert!(!format!("{e:?}").contains("wrong-pw"), "{e:?}");

        // No password at all: the handshake (RESP3) or the first command (RESP2) says NOAUTH.
        let none = config(&server).protocol(protocol);
        let e = match Connection::with_config(&none) {
            Err(e) => e,
            Ok(mut conn) => conn.ping().unwrap_err(),
        };
        assert_eq!(e.kind(), ErrorKind::Authentication, "{protocol:?}: {e}");
    }
}

#[test]
fn acl_users_authenticate_by_name() {
    let server = RedisServer::builder()
        .requirepass("admin-pw")
        .acl_user("alice on >alice-pw ~app:* +@all")
        .start();
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let alice = config(&server)
            .username("alice")
            .password("alice-pw")
            .protocol(protocol);
        let mut conn = Connection::with_config(&alice).unwrap();
        let me: String = cmd("ACL").arg("WHOAMI").query(&mut conn).unwrap();
        assert_eq!(me, "alice");
        // Outside her key pattern: a permission error, and the connection stays usable.
        let e = conn.set("other:key", 1).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NoPermission, "{e}");
        conn.set("app:key", 1).unwrap();

        let wrong = alice.clone().password("nope");
        let e = Connection::with_config(&wrong).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Authentication, "{e}");
    }
}

#[test]
fn url_credentials_db_and_name_reach_the_server() {
    let server = RedisServer::builder().requirepass("p@ss/word").start();
    let url = format!(
        "redis://:p%40ss%2Fword@127.0.0.1:{}/3?client_name=from-url&protocol=2",
        server.port()
    );
    let mut conn = Connection::open(&url).unwrap();
    let info = client_info(&mut conn);
    assert_eq!(field(&info, "db"), "3");
    assert_eq!(field(&info, "name"), "from-url");
    assert_eq!(server_resp(&server, &mut conn), "2");
    assert_eq!(conn.db(), 3);
}

#[test]
fn select_keeps_databases_apart_and_a_bad_db_is_refused() {
    let server = RedisServer::start();
    let mut db5 = Connection::with_config(&config(&server).db(5).client_name("five")).unwrap();
    let mut db0 = Connection::with_config(&config(&server)).unwrap();
    db5.set("where", "five").unwrap();
    assert_eq!(db0.get::<String>("where").unwrap(), None);
    assert_eq!(db5.get::<String>("where").unwrap().as_deref(), Some("five"));
    assert_eq!(field(&client_info(&mut db5), "name"), "five");

    let e = Connection::with_config(&config(&server).db(999)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(e.to_string().contains("SELECT 999"), "{e}");
}

#[test]
fn unix_socket_connects_by_path_and_by_url() {
    let server = RedisServer::builder().unix_socket().start();
    let path = server.unix_path().to_path_buf();
    let mut conn = Connection::with_config(&ConnectionConfig::unix(&path).db(1)).unwrap();
    conn.set("k", "unix").unwrap();
    assert_eq!(conn.db(), 1);
    let url = format!("unix://{}?db=1", path.display());
    let mut by_url = Connection::open(&url).unwrap();
    assert_eq!(by_url.get::<String>("k").unwrap().as_deref(), Some("unix"));
    assert!(format!("{by_url:?}").contains("unix"));
}

#[test]
fn refused_connection_is_a_connection_error() {
    let port = unused_port();
    let started = Instant::now();
    let e = Connection::open(&format!("redis://127.0.0.1:{port}")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
    assert!(e.is_connection_error() && !e.is_timeout());
    assert!(e.to_string().contains(&port.to_string()), "{e}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn connect_timeout_bounds_a_connect_that_hangs() {
    let hole = BlackholeListener::start();
    let cfg =
        ConnectionConfig::new("127.0.0.1", hole.port()).connect_timeout(Duration::from_millis(300));
    let started = Instant::now();
    let e = Connection::with_config(&cfg).unwrap_err();
    let took = started.elapsed();
    assert_timeout(&e, TimeoutPhase::Connect);
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

#[test]
fn connect_timeout_covers_the_handshake_against_a_silent_server() {
    let silent = FakeServer::silent();
    let cfg = ConnectionConfig::new("127.0.0.1", silent.port())
        .connect_timeout(Duration::from_millis(300))
        .socket_timeout(Duration::from_secs(30));
    let started = Instant::now();
    let e = Connection::with_config(&cfg).unwrap_err();
    let took = started.elapsed();
    assert_timeout(&e, TimeoutPhase::Connect);
    assert!(
        took < Duration::from_secs(3),
        "the 30 s socket timeout was used: {took:?}"
    );
}

#[test]
fn connect_timeout_is_one_budget_for_all_handshake_steps() {
    // Each step alone fits in the budget; together they do not.
    let fake = FakeServer::with_script(vec![
        Step::expect("HELLO"),
        Step::Sleep(Duration::from_millis(250)),
        Step::reply("%1\r\n$5\r\nproto\r\n:3\r\n"),
        Step::expect("CLIENT"),
        Step::expect("CLIENT"),
        Step::Sleep(Duration::from_millis(250)),
        Step::reply("+OK\r\n+OK\r\n"),
        Step::AcceptThenSilent,
    ]);
    let cfg = ConnectionConfig::new("127.0.0.1", fake.port())
        .connect_timeout(Duration::from_millis(400))
        .socket_timeout(Duration::from_secs(30));
    let started = Instant::now();
    let e = Connection::with_config(&cfg).unwrap_err();
    assert_timeout(&e, TimeoutPhase::Connect);
    let took = started.elapsed();
    assert!(took < Duration::from_millis(480), "{took:?}");
}

#[test]
fn connect_timeout_covers_name_resolution_and_localhost_resolves() {
    let server = RedisServer::start();
    let mut conn = Connection::open(&format!("redis://localhost:{}", server.port())).unwrap();
    conn.ping().unwrap();
}

#[test]
fn read_timeout_breaks_the_connection_and_the_late_reply_is_never_read() {
    let server = RedisServer::start();
    let cfg = config(&server).read_timeout(Duration::from_millis(200));
    let mut conn = Connection::with_config(&cfg).unwrap();
    let started = Instant::now();
    let e = cmd("DEBUG")
        .arg("SLEEP")
        .arg("0.6")
        .exec(&mut conn)
        .unwrap_err();
    assert_timeout(&e, TimeoutPhase::Read);
    assert!(started.elapsed() < Duration::from_millis(550));
    assert!(conn.is_broken());
    // Wait until the server has surely sent the late +OK: still nothing is read.
    support::wait_until(Duration::from_secs(5), "DEBUG SLEEP to finish", || {
        started.elapsed() > Duration::from_millis(800)
    });
    let e = conn.get::<String>("k").unwrap_err();
    assert!(
        matches!(
            e,
            Error::Broken {
                cause: ErrorKind::Timeout
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.kind(), ErrorKind::Connection);
    // A new connection works.
    Connection::with_config(&cfg).unwrap().ping().unwrap();
}

#[test]
fn read_timeout_is_for_the_whole_reply_not_each_read() {
    // A server that trickles a reply slower than the timeout allows, each piece well within it.
    let mut reply = b"$2000\r\n".to_vec();
    reply.extend(std::iter::repeat_n(b'x', 2000));
    reply.extend_from_slice(b"\r\n");
    let fake = FakeServer::with_script(vec![
        Step::expect("GET"),
        Step::reply_chunked(&reply, 100, Duration::from_millis(30)),
    ]);
    let cfg = bare(fake.port()).read_timeout(Duration::from_millis(250));
    let mut conn = Connection::with_config(&cfg).unwrap();
    let started = Instant::now();
    let e = conn.get::<Vec<u8>>("k").unwrap_err();
    assert_timeout(&e, TimeoutPhase::Read);
    assert!(
        started.elapsed() < Duration::from_millis(450),
        "{:?}",
        started.elapsed()
    );
    assert!(conn.is_broken());
}

#[test]
fn a_reply_in_many_small_pieces_arrives_whole() {
    let mut reply = b"*3\r\n$50000\r\n".to_vec();
    reply.extend(std::iter::repeat_n(b'y', 50_000));
    reply.extend_from_slice(b"\r\n:7\r\n$-1\r\n");
    let fake = FakeServer::with_script(vec![
        Step::expect("MGET"),
        Step::reply_chunked(&reply, 997, Duration::from_millis(1)),
        Step::expect("PING"),
        Step::reply("+PONG\r\n"),
    ]);
    let cfg = bare(fake.port());
    let mut conn = Connection::with_config(&cfg).unwrap();
    let v: (Vec<u8>, i64, Option<String>) = cmd("MGET").arg("a").query(&mut conn).unwrap();
    assert_eq!((v.0.len(), v.1, v.2), (50_000, 7, None));
    conn.ping().unwrap();
    fake.check();
}

#[test]
fn write_timeout_bounds_a_send_to_a_server_that_stops_reading() {
    let fake = FakeServer::with_script(vec![Step::AcceptThenSilent]);
    let cfg = bare(fake.port()).write_timeout(Duration::from_millis(300));
    let mut conn = Connection::with_config(&cfg).unwrap();
    let big = vec![b'z'; 64 * 1024 * 1024];
    let started = Instant::now();
    let e = conn.set("k", &big).unwrap_err();
    assert_timeout(&e, TimeoutPhase::Write);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(conn.is_broken());
    assert!(matches!(conn.ping().unwrap_err(), Error::Broken { .. }));
}

#[test]
fn server_closing_mid_reply_is_a_connection_error() {
    let fake = FakeServer::with_script(vec![
        Step::expect("GET"),
        Step::reply("$10\r\nabc"),
        Step::Close,
    ]);
    let cfg = bare(fake.port());
    let mut conn = Connection::with_config(&cfg).unwrap();
    let e = conn.get::<String>("k").unwrap_err();
    assert!(matches!(e, Error::Closed), "{e:?}");
    assert!(e.is_connection_error());
    assert!(conn.is_broken());
}

#[test]
fn malformed_reply_is_a_protocol_error_and_breaks_the_connection() {
    let fake = FakeServer::with_script(vec![
        Step::expect("GET"),
        Step::reply("?what\r\n+OK\r\n"),
        Step::AcceptThenSilent,
    ]);
    let cfg = bare(fake.port());
    let mut conn = Connection::with_config(&cfg).unwrap();
    let e = conn.get::<String>("k").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
    assert!(e.to_string().contains("0x3f"), "{e}");
    // The +OK that followed is never handed to the next command.
    let e = conn.set("k", "v").unwrap_err();
    assert!(
        matches!(
            e,
            Error::Broken {
                cause: ErrorKind::Protocol
            }
        ),
        "{e:?}"
    );
}

#[test]
fn oversized_reply_is_refused_by_the_limits() {
    let server = RedisServer::start();
    let mut setter = Connection::open(&server.url()).unwrap();
    setter.set("big", vec![b'b'; 4096]).unwrap();
    let limits = redisync::resp::Limits::default().max_bulk_len(1024);
    let mut conn = Connection::with_config(&config(&server).limits(limits)).unwrap();
    let e = conn.get::<Vec<u8>>("big").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
    assert!(e.to_string().contains("4096"), "{e}");
    assert!(conn.is_broken());
}

/// Resident memory of this process, from /proc (Linux).
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb * 1024
}

#[test]
fn an_announced_length_alone_does_not_allocate() {
    // 400 MB announced (under the 512 MiB limit), more than the first read buffer sent, then
    // silence: the buffer grows with what arrives, not with what was promised.
    let mut reply = b"$400000000\r\n".to_vec();
    reply.extend(std::iter::repeat_n(b'a', 40_000));
    let fake = FakeServer::with_script(vec![
        Step::expect("GET"),
        Step::reply(&reply),
        Step::AcceptThenSilent,
    ]);
    let cfg = bare(fake.port()).read_timeout(Duration::from_millis(300));
    let mut conn = Connection::with_config(&cfg).unwrap();
    let before = rss_bytes();
    let e = conn.get::<Vec<u8>>("k").unwrap_err();
    assert_timeout(&e, TimeoutPhase::Read);
    let grown = rss_bytes().saturating_sub(before);
    // Generous: other tests in this binary allocate in parallel (one writes 64 MiB).
    assert!(
        grown < 200 * 1024 * 1024,
        "resident memory grew by {grown} bytes"
    );
}

#[test]
fn push_frames_before_a_reply_go_to_the_handler() {
    let fake = FakeServer::with_script(vec![
        Step::expect_args(&["HELLO", "3"]),
        Step::reply("%1\r\n$5\r\nproto\r\n:3\r\n"),
        Step::expect("GET"),
        Step::reply(
            ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n$3\r\nval\r\n",
        ),
        Step::expect("GET"),
        Step::reply(">2\r\n$10\r\ninvalidate\r\n_\r\n$4\r\nval2\r\n"),
    ]);
    let cfg = ConnectionConfig::new("127.0.0.1", fake.port()).lib_info(false);
    let mut conn = Connection::with_config(&cfg).unwrap();
    assert_eq!(conn.protocol(), Protocol::Resp3);
    // Without a handler, pushes are dropped, never returned as the reply.
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    assert_eq!(conn.get::<String>("k").unwrap().as_deref(), Some("val"));
    let sink = Arc::clone(&seen);
    conn.set_push_handler(move |v| sink.lock().unwrap().push(v));
    assert_eq!(conn.get::<String>("k").unwrap().as_deref(), Some("val2"));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert!(
        matches!(&seen[0], Value::Push(items) if items.len() == 2),
        "{seen:?}"
    );
    fake.check();
}

#[test]
fn error_replies_leave_the_connection_healthy() {
    let server = RedisServer::start();
    let mut conn = Connection::open(&server.url()).unwrap();
    conn.set("s", "text").unwrap();
    let e = cmd("LPUSH")
        .arg("s")
        .arg("x")
        .query::<i64>(&mut conn)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongType);
    assert_eq!(e.server_error().unwrap().code(), "WRONGTYPE");
    let e = cmd("NOSUCHCOMMAND").exec(&mut conn).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Response);
    assert!(!conn.is_broken());
    assert_eq!(conn.get::<String>("s").unwrap().as_deref(), Some("text"));
}

#[test]
fn send_and_recv_pipeline_by_hand_and_typed_calls_wait_their_turn() {
    let server = RedisServer::start();
    let mut conn = Connection::open(&server.url()).unwrap();
    conn.send(&cmd("SET").arg("a").arg(1)).unwrap();
    conn.send(&cmd("INCR").arg("a")).unwrap();
    assert_eq!(conn.pending_replies(), 2);
    // A typed call now would read the SET's reply as its own: refused.
    let e = conn.get::<i64>("a").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    conn.recv::<()>().unwrap();
    assert_eq!(conn.recv::<i64>().unwrap(), 2);
    assert_eq!(conn.pending_replies(), 0);
    assert_eq!(conn.get::<i64>("a").unwrap(), Some(2));
}

#[test]
fn pipeline_reads_every_reply_even_after_an_error() {
    let server = RedisServer::start();
    let mut conn = Connection::open(&server.url()).unwrap();
    let replies: Vec<Value> = redisync::Pipeline::new()
        .add(&cmd("SET").arg("p").arg("x"))
        .add(&cmd("INCR").arg("p"))
        .add(&cmd("GET").arg("p"))
        .query(&mut conn)
        .unwrap();
    assert_eq!(replies.len(), 3);
    assert!(
        matches!(&replies[1], Value::Error(e) if e.code() == "ERR"),
        "{replies:?}"
    );
    assert_eq!(replies[2], Value::BulkString(b"x".to_vec()));
    // Converting to a typed tuple raises the error reply.
    let e = redisync::Pipeline::new()
        .add(&cmd("INCR").arg("p"))
        .add(&cmd("GET").arg("p"))
        .query::<(i64, String)>(&mut conn)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Response);
    assert!(!conn.is_broken());
    conn.ping().unwrap();
}

#[test]
fn bad_url_names_the_part_and_never_the_password() {
    let e = Connection::open("redis://:hunter2@127.0.0.1:99999").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("port"), "{e}");
    assert!(!e.to_string().contains("hunter2"), "{e}");
    let e = Connection::open("http://127.0.0.1").unwrap_err();
    assert!(e.to_string().contains("scheme"), "{e}");
}

/// Peak resident memory of this process (VmHWM), from /proc (Linux).
fn peak_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb * 1024
}

const BIG_VALUE_CHILD: &str = "REDISYNC_BIG_VALUE_URL";

#[test]
fn a_large_value_is_received_into_place_without_a_second_copy() {
    // In a child process of its own (this same test), so its peak is its own.
    if let Ok(url) = std::env::var(BIG_VALUE_CHILD) {
        let mut conn = Connection::open(&url).unwrap();
        let before = peak_bytes();
        let v: Vec<u8> = conn.get("big").unwrap().unwrap();
        let grew = peak_bytes().saturating_sub(before);
        assert_eq!(v.len(), 64 << 20);
        assert_eq!(
            v.capacity(),
            v.len(),
            "the value was allocated once, to its length"
        );
        assert!(v.iter().step_by(4099).all(|&b| b == b'z'));
        println!("peak-growth {grew}");
        return;
    }
    let server = RedisServer::start();
    // Set with redis-cli's protocol from the fixture, so the child never holds the value twice.
    let mut setter = Connection::open(&server.url()).unwrap();
    setter.set("big", vec![b'z'; 64 << 20]).unwrap();
    drop(setter);
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_large_value_is_received_into_place_without_a_second_copy",
            "--nocapture",
        ])
        .env(BIG_VALUE_CHILD, server.url())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let grew: u64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("peak-growth "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no figure in {stdout}"));
    eprintln!(
        "receiving a 64 MiB value raised the peak by {} MiB",
        grew >> 20
    );
    // The value itself is 64 MiB; a read buffer doubling to hold it, then a copy, would be 2x.
    assert!(
        grew < (64 << 20) * 5 / 4,
        "peak grew by {grew} bytes for a 64 MiB value"
    );
}
