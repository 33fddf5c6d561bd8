//! The maintenance-notification simulator (`redisync::testing::MaintenanceSimulator`, feature
//! `testing`) in front of a real `redis-server`: pass-through on RESP2 and RESP3, the
//! `CLIENT MAINT_NOTIFICATIONS` handshake answered in its place among pipelined replies (or
//! refused as Redis 7.0 does), pushes injected between whole frames of idle and busy
//! connections, delayed replies, and the endpoint closing. What reaches the client is checked
//! byte for byte on raw sockets, with the fixtures' own RESP parser, not the crate's.

#![cfg(feature = "testing")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use redisync::prelude::*;
use redisync::resp::Value;
use redisync::testing::{MaintenanceSimulator, Notification, Target};
use redisync::{Connection, ConnectionConfig, ErrorKind, Pipeline, Protocol, cmd};
use support::resp::{Parse, encode_command, value_len};
use support::{RedisServer, unused_port, wait_until};

/// How long a test waits for a condition before failing.
const DEADLINE: Duration = Duration::from_secs(10);
/// The refusal of a server without maintenance notifications (Redis 7.0).
const REFUSAL: &[u8] = b"-ERR unknown subcommand 'MAINT_NOTIFICATIONS'. Try CLIENT HELP.\r\n";

fn start() -> (RedisServer, MaintenanceSimulator) {
    let server = RedisServer::start();
    let sim = MaintenanceSimulator::start(server.addr()).unwrap();
    (server, sim)
}

fn config(sim: &MaintenanceSimulator, protocol: Protocol) -> ConnectionConfig {
    ConnectionConfig::new("127.0.0.1", sim.port())
        .protocol(protocol)
        .socket_timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(2))
}

fn connect(sim: &MaintenanceSimulator, protocol: Protocol) -> Connection {
    Connection::with_config(&config(sim, protocol)).unwrap()
}

/// The handshake a maintenance-aware client sends.
fn maint_on(endpoint_type: &str) -> redisync::Cmd {
    cmd("CLIENT")
        .arg("MAINT_NOTIFICATIONS")
        .arg("ON")
        .arg("moving-endpoint-type")
        .arg(endpoint_type)
}

/// A raw TCP connection through the simulator, for checking the exact bytes.
fn raw(sim: &MaintenanceSimulator) -> TcpStream {
    let s = TcpStream::connect(sim.addr()).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    s
}

/// Reads exactly `n` bytes.
fn read_n(s: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut buf = vec![0; n];
    s.read_exact(&mut buf).unwrap();
    buf
}

/// Sends `commands` in one write and reads exactly `expected.len()` bytes, which must be
/// `expected`.
#[track_caller]
fn exchange(s: &mut TcpStream, commands: &[&[&str]], expected: &[u8]) {
    let wire: Vec<u8> = commands.iter().flat_map(|c| encode_command(c)).collect();
    s.write_all(&wire).unwrap();
    let got = read_n(s, expected.len());
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(expected)
    );
}

/// Whether the peer has closed `s` (end of stream or a reset) within the read timeout.
fn closed(s: &mut TcpStream) -> bool {
    let mut buf = [0; 64];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

#[test]
fn simulator_is_send_and_sync_and_listens_on_loopback() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<MaintenanceSimulator>();
    let upstream: SocketAddr = "127.0.0.1:1".parse().unwrap();
    let sim = MaintenanceSimulator::start(upstream).unwrap();
    assert!(sim.addr().ip().is_loopback());
    assert_ne!(sim.port(), 0);
    assert_eq!(sim.addr().port(), sim.port());
    assert_eq!(sim.url(), format!("redis://127.0.0.1:{}", sim.port()));
    assert_eq!(sim.upstream(), upstream);
    assert_eq!(sim.connections(), 0);
    assert_eq!(sim.total_accepted(), 0);
    assert_eq!(sim.commands(), 0);
    assert!(sim.handshakes().is_empty());
    assert_eq!(
        sim.notify(&Notification::Migrated { seq: 1 }, Target::All),
        0
    );
    assert!(format!("{sim:?}").contains("MaintenanceSimulator"));
}

#[test]
fn every_notification_encodes_byte_for_byte() {
    let secs = Duration::from_secs;
    let cases: Vec<(Notification, &[u8])> = vec![
        (
            Notification::Moving {
                seq: 1,
                time: secs(15),
                endpoint: Some("10.0.0.2:6379".into()),
            },
            b">4\r\n+MOVING\r\n:1\r\n:15\r\n+10.0.0.2:6379\r\n",
        ),
        (
            Notification::Moving {
                seq: 2,
                time: secs(30),
                endpoint: None,
            },
            b">4\r\n+MOVING\r\n:2\r\n:30\r\n_\r\n",
        ),
        (
            // Rounded up to whole seconds.
            Notification::Moving {
                seq: 3,
                time: Duration::from_millis(1001),
                endpoint: Some("redis.internal:12000".into()),
            },
            b">4\r\n+MOVING\r\n:3\r\n:2\r\n+redis.internal:12000\r\n",
        ),
        (
            Notification::Migrating {
                seq: 4,
                time: Duration::from_millis(500),
            },
            b">3\r\n+MIGRATING\r\n:4\r\n:1\r\n",
        ),
        (
            Notification::Migrating {
                seq: 5,
                time: Duration::ZERO,
            },
            b">3\r\n+MIGRATING\r\n:5\r\n:0\r\n",
        ),
        (
            Notification::Migrated { seq: 6 },
            b">2\r\n+MIGRATED\r\n:6\r\n",
        ),
        (
            Notification::FailingOver {
                seq: 7,
                time: secs(20),
            },
            b">3\r\n+FAILING_OVER\r\n:7\r\n:20\r\n",
        ),
        (
            Notification::FailedOver { seq: 8 },
            b">2\r\n+FAILED_OVER\r\n:8\r\n",
        ),
        (
            Notification::SMigrating {
                seq: 9,
                slots: "1,5-10".into(),
            },
            b">3\r\n+SMIGRATING\r\n:9\r\n+1,5-10\r\n",
        ),
        (
            Notification::SMigrated {
                seq: 10,
                moves: vec![
                    (
                        "10.0.0.1:6379".into(),
                        "10.0.0.2:6379".into(),
                        "1,5-10".into(),
                    ),
                    ("10.0.0.3:6379".into(), "10.0.0.4:6379".into(), "100".into()),
                ],
            },
            b">3\r\n+SMIGRATED\r\n:10\r\n*2\r\n\
              *3\r\n+10.0.0.1:6379\r\n+10.0.0.2:6379\r\n+1,5-10\r\n\
              *3\r\n+10.0.0.3:6379\r\n+10.0.0.4:6379\r\n+100\r\n",
        ),
        (
            Notification::SMigrated {
                seq: 11,
                moves: Vec::new(),
            },
            b">3\r\n+SMIGRATED\r\n:11\r\n*0\r\n",
        ),
        (
            // A string that cannot be a simple string goes as a bulk string.
            Notification::Moving {
                seq: 12,
                time: secs(1),
                endpoint: Some("a\r\nb".into()),
            },
            b">4\r\n+MOVING\r\n:12\r\n:1\r\n$4\r\na\r\nb\r\n",
        ),
        (
            Notification::Migrating {
                seq: u64::MAX,
                time: Duration::MAX,
            },
            b">3\r\n+MIGRATING\r\n:18446744073709551615\r\n:18446744073709551615\r\n",
        ),
        (
            Notification::Raw(b">1\r\n+garbage".to_vec()),
            b">1\r\n+garbage",
        ),
    ];
    for (notification, expected) in cases {
        assert_eq!(
            String::from_utf8_lossy(&notification.encode()),
            String::from_utf8_lossy(expected),
            "{notification:?}"
        );
        // Every well-formed one is one whole RESP3 frame.
        if !matches!(notification, Notification::Raw(_)) {
            assert_eq!(value_len(expected), Parse::Done((), expected.len()));
        }
    }
}

#[test]
fn commands_pass_through_on_resp2_and_resp3() {
    let (server, sim) = start();
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let mut conn = connect(&sim, protocol);
        assert_eq!(conn.protocol(), protocol);
        let before = sim.commands();
        conn.set("k", "v").unwrap();
        assert_eq!(conn.get::<String>("k").unwrap().as_deref(), Some("v"));
        let big: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
        conn.set("big", &big).unwrap();
        assert_eq!(conn.get::<Vec<u8>>("big").unwrap(), Some(big.clone()));
        let h: std::collections::HashMap<String, String> = conn.hgetall("missing").unwrap();
        assert!(h.is_empty());
        assert_eq!(sim.commands(), before + 5, "{protocol:?}");
        // Through the server, not around it.
        let mut direct = Connection::open(&server.url()).unwrap();
        assert_eq!(direct.get::<Vec<u8>>("big").unwrap(), Some(big));
    }
    assert_eq!(sim.total_accepted(), 2);
    wait_until(DEADLINE, "the simulator to close both connections", || {
        sim.connections() == 0
    });

    // A client works through the URL too.
    let client = redisync::Client::open(&sim.url()).unwrap();
    client.set("c", 1).unwrap();
    assert_eq!(client.incr("c").unwrap(), 2);
}

#[test]
fn inline_commands_pass_and_are_intercepted() {
    let (_server, sim) = start();
    let mut s = raw(&sim);
    s.write_all(b"PING\r\n").unwrap();
    assert_eq!(read_n(&mut s, 7), b"+PONG\r\n");
    s.write_all(b"client maint_notifications on\r\nECHO hi\r\n")
        .unwrap();
    assert_eq!(read_n(&mut s, 13), b"+OK\r\n$2\r\nhi\r\n");
    assert_eq!(sim.handshakes(), ["none"]);
    assert_eq!(sim.commands(), 2);
}

#[test]
fn handshake_is_answered_ok_and_recorded() {
    let (_server, sim) = start();
    let mut conn = connect(&sim, Protocol::Resp3);
    let before = sim.commands();
    maint_on("internal-ip").exec(&mut conn).unwrap();
    assert_eq!(sim.handshakes(), ["internal-ip"]);
    // Answered by the simulator: the server never saw it.
    assert_eq!(sim.commands(), before);

    // Any case; no type is "none"; OFF is answered and not listed.
    let mut other = connect(&sim, Protocol::Resp3);
    let reply: Value = cmd("client")
        .arg("maint_notifications")
        .arg("on")
        .query(&mut other)
        .unwrap();
    assert_eq!(reply, Value::Okay);
    let reply: Value = cmd("CLIENT")
        .arg("MAINT_NOTIFICATIONS")
        .arg("OFF")
        .query(&mut other)
        .unwrap();
    assert_eq!(reply, Value::Okay);
    let e = cmd("CLIENT")
        .arg("MAINT_NOTIFICATIONS")
        .arg("MAYBE")
        .exec(&mut other)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Response, "{e:?}");
    assert_eq!(sim.handshakes(), ["internal-ip", "none"]);
    // Only the first connection still has notifications on.
    let n = sim.notify(&Notification::Migrated { seq: 1 }, Target::Handshaken);
    assert_eq!(n, 1);
    conn.ping().unwrap();
    other.ping().unwrap();
}

#[test]
fn handshake_reply_keeps_its_place_in_a_pipeline() {
    let (_server, sim) = start();
    let mut conn = connect(&sim, Protocol::Resp3);
    let mut p = Pipeline::new();
    p.add(&cmd("SET").arg("k").arg("v"))
        .add(&maint_on("external-fqdn"))
        .add(&cmd("GET").arg("k"));
    let replies: Vec<Value> = p.query(&mut conn).unwrap();
    assert_eq!(
        replies,
        [Value::Okay, Value::Okay, Value::BulkString(b"v".to_vec())]
    );
    assert_eq!(sim.handshakes(), ["external-fqdn"]);

    // Behind a reply that takes its time (a BLPOP that times out after 300 ms), the answer
    // waits its turn: the server's nil comes first.
    let mut s = raw(&sim);
    let start = Instant::now();
    exchange(
        &mut s,
        &[
            &["BLPOP", "nothing", "0.3"],
            &[
                "CLIENT",
                "MAINT_NOTIFICATIONS",
                "ON",
                "moving-endpoint-type",
                "internal-fqdn",
            ],
            &["ECHO", "after"],
        ],
        b"*-1\r\n+OK\r\n$5\r\nafter\r\n",
    );
    assert!(start.elapsed() >= Duration::from_millis(300));

    // And behind replies still held back by a delay.
    sim.delay_replies(Duration::from_millis(200));
    exchange(
        &mut s,
        &[
            &["INCR", "n"],
            &["CLIENT", "MAINT_NOTIFICATIONS", "ON"],
            &["INCR", "n"],
        ],
        b":1\r\n+OK\r\n:2\r\n",
    );
    sim.delay_replies(Duration::ZERO);
    assert_eq!(sim.handshakes(), ["external-fqdn", "internal-fqdn", "none"]);
}

#[test]
fn server_pushes_pass_as_frames_and_take_no_reply_slot() {
    let (server, sim) = start();
    let mut s = raw(&sim);
    s.write_all(&encode_command(&["HELLO", "3"])).unwrap();
    // The HELLO map: read up to its end with the fixtures' parser.
    let mut buf = Vec::new();
    let mut chunk = [0; 4096];
    while !matches!(value_len(&buf), Parse::Done(..)) {
        let n = s.read(&mut chunk).unwrap();
        assert_ne!(n, 0);
        buf.extend_from_slice(&chunk[..n]);
    }
    exchange(
        &mut s,
        &[&["CLIENT", "TRACKING", "ON"], &["GET", "k"]],
        b"+OK\r\n_\r\n",
    );
    let wire: Vec<u8> = [
        encode_command(&["BLPOP", "nothing", "0.5"]),
        encode_command(&["CLIENT", "MAINT_NOTIFICATIONS", "ON"]),
        encode_command(&["ECHO", "x"]),
    ]
    .concat();
    let commands = sim.commands();
    s.write_all(&wire).unwrap();
    wait_until(DEADLINE, "BLPOP to be forwarded", || {
        sim.commands() > commands
    });
    thread::sleep(Duration::from_millis(50));
    // The invalidation arrives while BLPOP blocks: a push, not BLPOP's reply.
    let mut direct = Connection::open(&server.url()).unwrap();
    direct.set("k", "changed").unwrap();
    let expected: &[u8] = b">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n_\r\n+OK\r\n$1\r\nx\r\n";
    assert_eq!(
        String::from_utf8_lossy(&read_n(&mut s, expected.len())),
        String::from_utf8_lossy(expected)
    );
}

#[test]
fn refused_handshake_gets_the_redis_7_error() {
    let (server, sim) = start();
    // The real server's own answer, for comparison (Redis 6.2 words it differently).
    let real = server.raw_command(&["CLIENT", "MAINT_NOTIFICATIONS", "ON"]);
    if server.version() >= (7, 0, 0) || server.is_valkey() {
        assert_eq!(real.as_bytes(), REFUSAL);
    } else {
        assert!(real.starts_with("-ERR Unknown subcommand"), "{real}");
    }
    sim.refuse_handshake(true);
    let mut conn = connect(&sim, Protocol::Resp3);
    let e = maint_on("internal-ip").exec(&mut conn).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Response, "{e:?}");
    assert!(
        e.to_string()
            .contains("unknown subcommand 'MAINT_NOTIFICATIONS'. Try CLIENT HELP."),
        "{e}"
    );
    // The connection carries on.
    conn.set("k", "v").unwrap();

    let mut s = raw(&sim);
    let mut expected = REFUSAL.to_vec();
    expected.extend_from_slice(b"+PONG\r\n");
    exchange(
        &mut s,
        &[
            &[
                "CLIENT",
                "MAINT_NOTIFICATIONS",
                "ON",
                "moving-endpoint-type",
                "none",
            ],
            &["PING"],
        ],
        &expected,
    );
    // Sent, so listed; refused, so no connection has notifications on.
    assert_eq!(sim.handshakes(), ["internal-ip", "none"]);
    assert_eq!(
        sim.notify(&Notification::Migrated { seq: 1 }, Target::Handshaken),
        0
    );

    sim.refuse_handshake(false);
    maint_on("internal-ip").exec(&mut conn).unwrap();
    assert_eq!(
        sim.notify(&Notification::Migrated { seq: 2 }, Target::Handshaken),
        1
    );
}

#[test]
fn notify_reaches_idle_connections_by_target() {
    let (_server, sim) = start();
    let mut plain = raw(&sim); // connection 0
    let mut aware = raw(&sim); // connection 1
    exchange(
        &mut aware,
        &[&[
            "CLIENT",
            "MAINT_NOTIFICATIONS",
            "ON",
            "moving-endpoint-type",
            "internal-ip",
        ]],
        b"+OK\r\n",
    );
    exchange(&mut plain, &[&["PING"]], b"+PONG\r\n");
    assert_eq!(sim.connections(), 2);

    let moving = Notification::Moving {
        seq: 1,
        time: Duration::from_secs(15),
        endpoint: Some("127.0.0.1:6380".into()),
    };
    assert_eq!(sim.notify(&moving, Target::All), 2);
    let bytes = moving.encode();
    assert_eq!(read_n(&mut plain, bytes.len()), bytes);
    assert_eq!(read_n(&mut aware, bytes.len()), bytes);

    let failing = Notification::FailingOver {
        seq: 2,
        time: Duration::from_secs(5),
    };
    assert_eq!(sim.notify(&failing, Target::Handshaken), 1);
    assert_eq!(read_n(&mut aware, failing.encode().len()), failing.encode());

    let failed = Notification::FailedOver { seq: 3 };
    assert_eq!(sim.notify(&failed, Target::Connection(0)), 1);
    assert_eq!(read_n(&mut plain, failed.encode().len()), failed.encode());
    assert_eq!(sim.notify(&failed, Target::Connection(7)), 0);

    // Nothing else arrived: the next bytes on each are its next reply.
    exchange(&mut plain, &[&["PING"]], b"+PONG\r\n");
    exchange(&mut aware, &[&["PING"]], b"+PONG\r\n");

    // A closed connection gets nothing.
    drop(plain);
    wait_until(DEADLINE, "the first connection to close", || {
        sim.connections() == 1
    });
    assert_eq!(sim.notify(&failed, Target::Connection(0)), 0);
    assert_eq!(sim.notify(&failed, Target::All), 1);
    assert_eq!(read_n(&mut aware, failed.encode().len()), failed.encode());
}

#[test]
fn notify_reaches_a_redisync_connection_before_its_next_reply() {
    let (_server, sim) = start();
    let mut conn = connect(&sim, Protocol::Resp3);
    let pushes = Arc::new(Mutex::new(Vec::new()));
    conn.set_push_handler({
        let pushes = Arc::clone(&pushes);
        move |push| pushes.lock().unwrap().push(push)
    });
    maint_on("internal-ip").exec(&mut conn).unwrap();
    let migrating = Notification::Migrating {
        seq: 41,
        time: Duration::from_secs(10),
    };
    assert_eq!(sim.notify(&migrating, Target::Handshaken), 1);
    conn.set("k", "v").unwrap();
    assert_eq!(
        *pushes.lock().unwrap(),
        [Value::Push(vec![
            Value::SimpleString(b"MIGRATING".to_vec()),
            Value::Int(41),
            Value::Int(10),
        ])]
    );
}

#[test]
fn notify_goes_between_whole_replies_of_a_busy_connection() {
    const GETS: usize = 1000;
    const VALUE_LEN: usize = 10 * 1024;
    let (server, sim) = start();
    let value: Vec<u8> = (0..VALUE_LEN).map(|i| b'a' + (i % 26) as u8).collect();
    Connection::open(&server.url())
        .unwrap()
        .set("big", &value)
        .unwrap();
    let mut reply = format!("${VALUE_LEN}\r\n").into_bytes();
    reply.extend_from_slice(&value);
    reply.extend_from_slice(b"\r\n");

    // A small receive buffer, so the simulator cannot write far ahead of the reader.
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(16 * 1024).unwrap();
    socket.connect(&sim.addr().into()).unwrap();
    let mut s: TcpStream = socket.into();
    s.set_read_timeout(Some(DEADLINE)).unwrap();

    let notifications = [
        Notification::Migrating {
            seq: 1,
            time: Duration::from_secs(5),
        },
        Notification::Moving {
            seq: 2,
            time: Duration::from_secs(30),
            endpoint: Some("10.1.2.3:12000".into()),
        },
        Notification::Migrated { seq: 3 },
    ];
    let encoded: Vec<Vec<u8>> = notifications.iter().map(Notification::encode).collect();
    let done = Arc::new(AtomicBool::new(false));
    let injected = Arc::new(AtomicUsize::new(0));
    let get = encode_command(&["GET", "big"]);
    let wire: Vec<u8> = get.repeat(GETS);

    thread::scope(|scope| {
        let mut injector = Some(scope.spawn(|| {
            let mut i = 0;
            while !done.load(Ordering::SeqCst) {
                let n = sim.notify(&notifications[i % notifications.len()], Target::All);
                injected.fetch_add(n, Ordering::SeqCst);
                i += 1;
                thread::sleep(Duration::from_millis(2));
            }
        }));

        s.write_all(&wire).unwrap();
        let mut buf: Vec<u8> = Vec::new();
        let mut chunk = vec![0; 16 * 1024];
        let mut replies = 0;
        let mut pushes = 0;
        // Pushes seen after the first reply and before the last one.
        let mut between = 0;
        let mut pending_between = 0;
        loop {
            // Take every whole frame off the front.
            loop {
                let Parse::Done((), len) = value_len(&buf) else {
                    assert!(
                        !matches!(value_len(&buf), Parse::Invalid(_)),
                        "not RESP at reply {replies}: {:?}",
                        String::from_utf8_lossy(&buf[..buf.len().min(64)])
                    );
                    break;
                };
                let frame: Vec<u8> = buf.drain(..len).collect();
                if frame.first() == Some(&b'>') {
                    assert!(
                        encoded.contains(&frame),
                        "a split or foreign push: {frame:?}"
                    );
                    pushes += 1;
                    if replies > 0 {
                        pending_between += 1;
                    }
                } else {
                    assert!(frame == reply, "reply {replies} is not the value");
                    replies += 1;
                    between += pending_between;
                    pending_between = 0;
                }
            }
            if replies == GETS {
                // Every push injected from now on is counted before the remaining ones are
                // read.
                done.store(true, Ordering::SeqCst);
                if let Some(injector) = injector.take() {
                    injector.join().unwrap();
                }
                if pushes == injected.load(Ordering::SeqCst) {
                    break;
                }
            }
            let n = s.read(&mut chunk).unwrap();
            assert_ne!(n, 0, "closed after {replies} replies");
            buf.extend_from_slice(&chunk[..n]);
        }
        assert!(buf.is_empty());
        assert!(pushes > 0);
        assert!(
            between > 0,
            "no push landed between two replies ({pushes} pushes)"
        );
        eprintln!("{GETS} replies, {pushes} pushes, {between} of them between two replies");
    });
    assert_eq!(sim.commands(), GETS as u64);
}

#[test]
fn injected_pushes_overtake_delayed_replies() {
    let (_server, sim) = start();
    let mut s = raw(&sim);
    exchange(&mut s, &[&["PING"]], b"+PONG\r\n");
    sim.delay_replies(Duration::from_millis(300));
    s.write_all(&encode_command(&["ECHO", "late"])).unwrap();
    wait_until(DEADLINE, "ECHO to be forwarded", || sim.commands() == 2);
    let migrated = Notification::Migrated { seq: 5 };
    assert_eq!(sim.notify(&migrated, Target::All), 1);
    let mut expected = migrated.encode();
    expected.extend_from_slice(b"$4\r\nlate\r\n");
    assert_eq!(read_n(&mut s, expected.len()), expected);
}

#[test]
fn delay_replies_delays_every_reply() {
    let (_server, sim) = start();
    let mut conn = connect(&sim, Protocol::Resp3);
    conn.set("k", "v").unwrap();
    let delay = Duration::from_millis(250);
    sim.delay_replies(delay);

    let start = Instant::now();
    assert_eq!(conn.get::<String>("k").unwrap().as_deref(), Some("v"));
    let took = start.elapsed();
    assert!(took >= delay, "GET took {took:?}");
    assert!(took < delay + Duration::from_secs(2), "GET took {took:?}");

    // Pipelined replies are each held from their own arrival: the delays overlap.
    let start = Instant::now();
    let mut p = Pipeline::new();
    for i in 0..20 {
        p.add(&cmd("INCR").arg(format!("n{i}")));
    }
    let counts: Vec<i64> = p.query(&mut conn).unwrap();
    assert_eq!(counts, vec![1; 20]);
    let took = start.elapsed();
    assert!(took >= delay, "pipeline took {took:?}");
    assert!(took < delay * 3, "pipeline took {took:?}: delays added up");

    // The handshake answer waits too.
    let start = Instant::now();
    maint_on("internal-ip").exec(&mut conn).unwrap();
    assert!(start.elapsed() >= delay);

    sim.delay_replies(Duration::ZERO);
    let start = Instant::now();
    conn.ping().unwrap();
    assert!(start.elapsed() < delay, "still delayed after ZERO");
}

#[test]
fn close_after_closes_every_connection_then_refuses() {
    let (_server, sim) = start();
    let mut conn = connect(&sim, Protocol::Resp3);
    let mut s = raw(&sim);
    exchange(&mut s, &[&["PING"]], b"+PONG\r\n");
    assert_eq!(sim.connections(), 2);

    let delay = Duration::from_millis(300);
    let start = Instant::now();
    sim.close_after(delay);
    // Still open until then.
    conn.ping().unwrap();
    assert!(closed(&mut s), "the raw connection was not closed");
    let took = start.elapsed();
    assert!(took >= delay, "closed after {took:?}");
    assert!(
        took < delay + Duration::from_secs(3),
        "closed after {took:?}"
    );

    let e = conn.ping().unwrap_err();
    assert!(e.is_connection_error(), "{e:?}");
    wait_until(DEADLINE, "every connection to be gone", || {
        sim.connections() == 0
    });
    let e = TcpStream::connect(sim.addr()).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused);
    assert_eq!(sim.total_accepted(), 2);
    // Calling it again is harmless.
    sim.close_after(Duration::ZERO);
}

#[test]
fn malformed_bytes_close_only_that_connection() {
    let (_server, sim) = start();
    let mut good = raw(&sim);
    exchange(&mut good, &[&["PING"]], b"+PONG\r\n");
    let junk: [&[u8]; 6] = [
        b"*abc\r\n",
        b"*1\r\n$-7\r\n",
        b"*2\r\n?what\r\n",
        b"*1\r\n$3\r\nGETX\r\n",
        b"*1\r\n:1\r\n",
        &[0xff; 70 * 1024],
    ];
    for bytes in junk {
        let mut s = raw(&sim);
        s.write_all(bytes).unwrap_or(());
        // The simulator (or, for frames it can parse, the server) closes it.
        let mut buf = Vec::new();
        let got = s.read_to_end(&mut buf);
        assert!(
            got.is_ok() || got.is_err_and(|e| e.kind() == io::ErrorKind::ConnectionReset),
            "{bytes:?}"
        );
    }
    // Garbage pushed at a client is the client's problem, not the simulator's.
    assert_eq!(
        sim.notify(&Notification::Raw(b"?\r\n".to_vec()), Target::Connection(0)),
        1
    );
    assert_eq!(read_n(&mut good, 3), b"?\r\n");
    exchange(&mut good, &[&["PING"]], b"+PONG\r\n");
    wait_until(DEADLINE, "the junk connections to close", || {
        sim.connections() == 1
    });
}

#[test]
fn an_upstream_that_refuses_resets_the_client() {
    let upstream: SocketAddr = format!("127.0.0.1:{}", unused_port()).parse().unwrap();
    let sim = MaintenanceSimulator::start(upstream).unwrap();
    let e = Connection::with_config(&config(&sim, Protocol::Resp3)).unwrap_err();
    assert!(e.is_connection_error(), "{e:?}");
    assert_eq!(sim.total_accepted(), 1);
    assert_eq!(sim.connections(), 0);
}

#[test]
fn drop_closes_the_listener_and_every_connection() {
    let (_server, sim) = start();
    let mut s = raw(&sim);
    exchange(&mut s, &[&["PING"]], b"+PONG\r\n");
    let addr = sim.addr();
    sim.delay_replies(Duration::from_secs(3600));
    s.write_all(&encode_command(&["PING"])).unwrap();
    let start = Instant::now();
    drop(sim);
    assert!(start.elapsed() < Duration::from_secs(3));
    assert!(closed(&mut s));
    let e = TcpStream::connect(addr).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused);
}

#[test]
fn the_module_docs_example_runs() {
    // `redisync::testing`'s example, against a real server instead of 127.0.0.1:6379.
    let server = RedisServer::start();
    let sim = MaintenanceSimulator::start(server.addr()).unwrap();
    let config = ConnectionConfig::new("127.0.0.1", sim.port()).protocol(Protocol::Resp3);
    let mut conn = Connection::with_config(&config).unwrap();
    let pushes = Arc::new(Mutex::new(Vec::new()));
    conn.set_push_handler({
        let pushes = Arc::clone(&pushes);
        move |push: Value| pushes.lock().unwrap().push(push)
    });

    cmd("CLIENT")
        .arg("MAINT_NOTIFICATIONS")
        .arg("ON")
        .arg("moving-endpoint-type")
        .arg("internal-ip")
        .exec(&mut conn)
        .unwrap();
    assert_eq!(sim.handshakes(), ["internal-ip"]);

    let migrating = Notification::Migrating {
        seq: 1,
        time: Duration::from_secs(15),
    };
    assert_eq!(sim.notify(&migrating, Target::Handshaken), 1);
    conn.set("k", "v").unwrap();
    assert_eq!(pushes.lock().unwrap().len(), 1);

    sim.delay_replies(Duration::from_millis(200));
    let start = Instant::now();
    let v: Option<String> = conn.get("k").unwrap();
    assert!(start.elapsed() >= Duration::from_millis(200));
    assert_eq!(v.as_deref(), Some("v"));
    sim.delay_replies(Duration::ZERO);

    let moving = Notification::Moving {
        seq: 2,
        time: Duration::from_secs(30),
        endpoint: Some("127.0.0.1:6380".into()),
    };
    sim.notify(&moving, Target::All);
    sim.close_after(Duration::from_millis(500));
    while sim.connections() > 0 {
        thread::sleep(Duration::from_millis(10));
    }
    assert!(conn.ping().is_err());
    assert!(Connection::with_config(&config).is_err());
}
