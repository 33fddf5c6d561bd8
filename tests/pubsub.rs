//! Pub/sub: the `Subscriber` against real `redis-server`s on RESP2 and RESP3 (channels,
//! patterns, shard channels, unsubscribing, queueing during confirmations, timeouts, health
//! pings, reconnecting after a killed connection or a restarted server), and against the
//! scripted fake server for frames a real server will not send.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use redisync::error::ProtocolError;
use redisync::pubsub::{Message, MessageKind, Subscriber};
use redisync::{Client, ConnectionConfig, Error, ErrorKind, Protocol, cmd};
use support::{FakeServer, RedisServer, Step, wait_for, wait_until};

/// Long enough for anything on a loaded machine; tests normally take milliseconds.
const WAIT: Duration = Duration::from_secs(10);
/// How long "no message" is watched for.
const QUIET: Duration = Duration::from_millis(150);

const PROTOCOLS: [Protocol; 2] = [Protocol::Resp2, Protocol::Resp3];

fn subscriber(server: &RedisServer, protocol: Protocol) -> Subscriber {
    let cfg = ConnectionConfig::new("127.0.0.1", server.port()).protocol(protocol);
    let sub = Subscriber::with_config(&cfg).unwrap();
    assert_eq!(sub.protocol(), protocol);
    sub
}

/// `PUBLISH` from a separate plain connection; returns how many subscribers got it.
fn publish(server: &RedisServer, channel: &str, payload: &str) -> i64 {
    receivers(&server.raw_command(&["PUBLISH", channel, payload]))
}

fn spublish(server: &RedisServer, channel: &str, payload: &str) -> i64 {
    receivers(&server.raw_command(&["SPUBLISH", channel, payload]))
}

/// Shard channels (`SSUBSCRIBE`, `SPUBLISH`) came with Redis 7.0; Valkey has them.
fn has_shard_channels(server: &RedisServer) -> bool {
    server.version() >= (7, 0, 0)
}

/// The error a server before 7.0 gives for a shard channel command.
#[track_caller]
fn assert_unknown_command(e: &Error, command: &str) {
    assert_eq!(e.kind(), ErrorKind::Response, "{e}");
    let text = e.to_string();
    assert!(
        text.contains("unknown command") && text.contains(command),
        "{e}"
    );
}

/// `sub.ssubscribe(channels)`: subscribed (returns true) where shard channels exist; before 7.0
/// refused by the server with nothing put on record (returns false).
#[track_caller]
fn ssubscribe(server: &RedisServer, sub: &mut Subscriber, channels: &[&str]) -> bool {
    let result = sub.ssubscribe(channels);
    if has_shard_channels(server) {
        result.unwrap();
        return true;
    }
    assert_unknown_command(&result.unwrap_err(), "SSUBSCRIBE");
    assert_eq!(sub.shard_channels().len(), 0);
    false
}

fn receivers(reply: &str) -> i64 {
    reply
        .strip_prefix(':')
        .and_then(|r| r.trim_end().parse().ok())
        .unwrap_or_else(|| panic!("not an integer reply: {reply:?}"))
}

#[track_caller]
fn next(sub: &mut Subscriber) -> Message {
    sub.next_message(WAIT)
        .unwrap()
        .unwrap_or_else(|| panic!("no message within {WAIT:?}"))
}

#[track_caller]
fn assert_quiet(sub: &mut Subscriber) {
    let got = sub.next_message(QUIET).unwrap();
    assert!(got.is_none(), "expected no message, got {got:?}");
}

#[track_caller]
fn assert_message(m: &Message, kind: MessageKind, channel: &str, payload: &str) {
    assert_eq!(m.kind, kind, "{m:?}");
    assert_eq!(m.channel_str(), Some(channel), "{m:?}");
    assert_eq!(m.payload_str(), Some(payload), "{m:?}");
}

fn names<'a>(it: impl Iterator<Item = &'a [u8]>) -> Vec<String> {
    it.map(|n| String::from_utf8_lossy(n).into_owned())
        .collect()
}

/// Calls `next_message` with short waits until the subscriber has reconnected `n` times,
/// failing on any message or error meanwhile.
fn wait_for_reconnects(sub: &mut Subscriber, n: u64) {
    wait_until(WAIT, "the subscriber to reconnect", || {
        let got = sub.next_message(Duration::from_millis(20)).unwrap();
        assert!(got.is_none(), "unexpected message {got:?}");
        sub.reconnects() >= n
    });
    assert_eq!(sub.reconnects(), n);
}

#[test]
fn subscribe_and_receive_on_resp2_and_resp3() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let mut sub = subscriber(&server, protocol);
        sub.subscribe("news").unwrap();
        assert_eq!(names(sub.channels()), ["news"]);
        assert_eq!(publish(&server, "news", "hello"), 1);
        let m = next(&mut sub);
        assert_message(&m, MessageKind::Message, "news", "hello");
        assert_eq!(m.pattern, None);
        assert_eq!(m.payload::<String>().unwrap(), "hello");

        assert_eq!(publish(&server, "news", "42"), 1);
        assert_eq!(next(&mut sub).payload::<i64>().unwrap(), 42, "{protocol:?}");
        assert_eq!(publish(&server, "news", "forty-two"), 1);
        let e = next(&mut sub).payload::<i64>().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion);
        assert_eq!(sub.reconnects(), 0);
    }
}

#[test]
fn client_subscriber_has_its_own_connection_not_a_pooled_one() {
    let server = RedisServer::start();
    let client = Client::open(&server.url()).unwrap();
    let mut sub = client.subscriber().unwrap();
    assert_eq!(sub.protocol(), Protocol::Resp3);
    assert_eq!(client.pool_state().created, 0);
    sub.subscribe(["a", "b"]).unwrap();
    let n: i64 = cmd("PUBLISH")
        .arg("b")
        .arg("via client")
        .query(&client)
        .unwrap();
    assert_eq!(n, 1);
    assert_message(&next(&mut sub), MessageKind::Message, "b", "via client");
    // The publishing connection went back to the pool: the subscriber is not one of its own.
    let state = client.pool_state();
    assert_eq!((state.created, state.in_use), (1, 0));
}

#[test]
fn psubscribe_reports_the_pattern() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let mut sub = subscriber(&server, protocol);
        sub.psubscribe(["news.*", "other.?"]).unwrap();
        assert_eq!(names(sub.patterns()), ["news.*", "other.?"]);
        assert!(sub.channels().next().is_none());
        assert_eq!(publish(&server, "news.sport", "goal"), 1);
        let m = next(&mut sub);
        assert_message(&m, MessageKind::PMessage, "news.sport", "goal");
        assert_eq!(m.pattern_str(), Some("news.*"), "{protocol:?}");
        assert_eq!(m.pattern.as_deref(), Some(&b"news.*"[..]));
    }
}

#[test]
fn ssubscribe_receives_spublish() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let mut sub = subscriber(&server, protocol);
        if !ssubscribe(&server, &mut sub, &["s1", "s2"]) {
            let reply = server.raw_command(&["SPUBLISH", "s2", "sharded"]);
            assert!(reply.starts_with("-ERR unknown command"), "{reply:?}");
            continue;
        }
        assert_eq!(names(sub.shard_channels()), ["s1", "s2"]);
        // A plain PUBLISH does not reach a shard channel.
        assert_eq!(publish(&server, "s2", "plain"), 0);
        assert_eq!(spublish(&server, "s2", "sharded"), 1);
        let m = next(&mut sub);
        assert_message(&m, MessageKind::SMessage, "s2", "sharded");
        assert_eq!(m.pattern, None, "{protocol:?}");
    }
}

#[test]
fn unsubscribe_stops_delivery() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let mut sub = subscriber(&server, protocol);
        sub.subscribe(["a", "b"]).unwrap();
        sub.psubscribe("p.*").unwrap();
        let shards = ssubscribe(&server, &mut sub, &["s"]);

        sub.unsubscribe("a").unwrap();
        assert_eq!(names(sub.channels()), ["b"]);
        assert_eq!(publish(&server, "a", "gone"), 0);
        assert_eq!(publish(&server, "b", "kept"), 1);
        assert_message(&next(&mut sub), MessageKind::Message, "b", "kept");

        // No names means all of them, as in Redis; the other families stay.
        sub.unsubscribe(Vec::<String>::new()).unwrap();
        assert_eq!(sub.channels().len(), 0);
        assert_eq!(publish(&server, "b", "gone"), 0);
        assert_eq!(publish(&server, "p.1", "kept"), 1);
        let m = next(&mut sub);
        assert_eq!(
            (m.kind, m.pattern_str()),
            (MessageKind::PMessage, Some("p.*"))
        );

        sub.punsubscribe(None::<&str>).unwrap();
        assert_eq!(sub.patterns().len(), 0);
        assert_eq!(publish(&server, "p.1", "gone"), 0);
        if shards {
            assert_eq!(spublish(&server, "s", "kept"), 1);
            assert_message(&next(&mut sub), MessageKind::SMessage, "s", "kept");

            sub.sunsubscribe_all().unwrap();
            assert_eq!(sub.shard_channels().len(), 0);
            assert_eq!(spublish(&server, "s", "gone"), 0);
        } else {
            assert_unknown_command(&sub.sunsubscribe_all().unwrap_err(), "SUNSUBSCRIBE");
        }

        // With nothing left, "all" is one confirmation with no name; it must not hang.
        sub.unsubscribe_all().unwrap();
        sub.punsubscribe_all().unwrap();
        assert_quiet(&mut sub);
        // Not subscribed any more, yet still usable.
        sub.subscribe("again").unwrap();
        assert_eq!(publish(&server, "again", "x"), 1);
        assert_message(&next(&mut sub), MessageKind::Message, "again", "x");
        assert_eq!(sub.reconnects(), 0, "{protocol:?}");
    }
}

#[test]
fn messages_arriving_during_confirmations_are_kept_in_order() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let mut sub = subscriber(&server, protocol);
        sub.subscribe("a").unwrap();
        // These reach the socket before the next confirmations, so the subscribe calls below
        // read them while waiting.
        assert_eq!(publish(&server, "a", "1"), 1);
        assert_eq!(publish(&server, "a", "2"), 1);
        sub.subscribe("b").unwrap();
        assert_eq!(publish(&server, "b", "3"), 1);
        sub.psubscribe("c*").unwrap();
        assert_eq!(publish(&server, "a", "4"), 1);
        sub.ping().unwrap();
        sub.unsubscribe("a").unwrap();
        assert_eq!(publish(&server, "c1", "5"), 1);
        let got: Vec<String> = (0..5)
            .map(|_| next(&mut sub).payload_str().unwrap().to_owned())
            .collect();
        assert_eq!(got, ["1", "2", "3", "4", "5"], "{protocol:?}");
        assert_quiet(&mut sub);
    }
}

#[test]
fn next_message_timeout_returns_none_and_the_subscriber_still_works() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let mut sub = subscriber(&server, protocol);
        sub.subscribe("a").unwrap();
        let start = Instant::now();
        assert!(sub.next_message(QUIET).unwrap().is_none());
        let waited = start.elapsed();
        assert!(
            waited >= QUIET && waited < Duration::from_secs(3),
            "{waited:?}"
        );
        // A zero timeout is a poll.
        let start = Instant::now();
        assert!(sub.next_message(Duration::ZERO).unwrap().is_none());
        assert!(start.elapsed() < Duration::from_secs(1));
        assert!(sub.is_connected());

        assert_eq!(publish(&server, "a", "after the timeout"), 1);
        let m = wait_for(WAIT, "a polled message", || {
            sub.next_message(Duration::ZERO).unwrap()
        });
        assert_message(&m, MessageKind::Message, "a", "after the timeout");
        assert_eq!(publish(&server, "a", "again"), 1);
        assert_message(&next(&mut sub), MessageKind::Message, "a", "again");
        // Timeouts did not cost the connection.
        assert_eq!(sub.reconnects(), 0, "{protocol:?}");
    }
}

#[test]
fn ping_pongs_never_reach_the_message_stream() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let mut sub = subscriber(&server, protocol);
        // Not subscribed yet: on RESP2 the reply is then a plain +PONG.
        sub.ping().unwrap();
        sub.subscribe("a").unwrap();
        assert_eq!(publish(&server, "a", "before the ping"), 1);
        sub.ping().unwrap();
        sub.ping().unwrap();
        assert_message(
            &next(&mut sub),
            MessageKind::Message,
            "a",
            "before the ping",
        );
        assert_quiet(&mut sub);
        assert_eq!(sub.reconnects(), 0, "{protocol:?}");
    }
}

#[test]
fn iterator_yields_messages_in_order() {
    let server = RedisServer::start();
    let mut sub = subscriber(&server, Protocol::Resp3);
    sub.subscribe("it").unwrap();
    for i in 0..3 {
        assert_eq!(publish(&server, "it", &i.to_string()), 1);
    }
    let got: Vec<i64> = sub
        .messages()
        .take(3)
        .map(|m| m.unwrap().payload().unwrap())
        .collect();
    assert_eq!(got, [0, 1, 2]);
    // A wait too long to add to the clock is no panic.
    assert_eq!(publish(&server, "it", "3"), 1);
    let m = sub.next_message(Duration::MAX).unwrap().unwrap();
    assert_eq!(m.payload_str(), Some("3"));
}

#[test]
fn subscriber_can_move_to_another_thread() {
    fn assert_send<T: Send + 'static>() {}
    assert_send::<Subscriber>();
    assert_send::<Message>();
    let server = RedisServer::start();
    let mut sub = subscriber(&server, Protocol::Resp3);
    sub.subscribe("t").unwrap();
    let listener = std::thread::spawn(move || next(&mut sub));
    assert_eq!(publish(&server, "t", "from afar"), 1);
    assert_message(
        &listener.join().unwrap(),
        MessageKind::Message,
        "t",
        "from afar",
    );
}

#[test]
fn subscribing_to_nothing_is_invalid_input() {
    let server = RedisServer::start();
    let mut sub = subscriber(&server, Protocol::Resp3);
    let e = sub.subscribe(Vec::<&str>::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    let e = sub.psubscribe(None::<&str>).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    sub.ping().unwrap();
}

#[test]
fn a_refused_subscription_is_taken_off_the_record() {
    let server = RedisServer::builder()
        // resetchannels: 6.2 starts a user with allchannels, which a pattern cannot follow.
        .acl_user("alice on >pw ~* resetchannels &allowed* +@all")
        .start();
    for protocol in PROTOCOLS {
        let cfg = ConnectionConfig::new("127.0.0.1", server.port())
            .protocol(protocol)
            .username("alice")
            .password("pw");
        let mut sub = Subscriber::with_config(&cfg).unwrap();
        sub.subscribe("allowed1").unwrap();
        let e = sub.subscribe(["allowed2", "forbidden"]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NoPermission, "{e}");
        assert_eq!(names(sub.channels()), ["allowed1"], "{protocol:?}");
        assert_eq!(publish(&server, "allowed1", "still here"), 1);
        assert_message(
            &next(&mut sub),
            MessageKind::Message,
            "allowed1",
            "still here",
        );
        assert_eq!(sub.reconnects(), 0);
    }
}

/// Two subscribers (one per protocol) on one channel, pattern and shard channel each (no shard
/// channel before 7.0).
fn subscribed_pair(server: &RedisServer) -> Vec<Subscriber> {
    PROTOCOLS
        .iter()
        .map(|&p| {
            let mut sub = subscriber(server, p);
            sub.subscribe(["c1", "c2"]).unwrap();
            sub.psubscribe("p.*").unwrap();
            ssubscribe(server, &mut sub, &["s"]);
            sub
        })
        .collect()
}

/// Every subscription on record delivers again, on every subscriber.
fn assert_all_deliver(server: &RedisServer, subs: &mut [Subscriber], tag: &str) {
    let n = subs.len() as i64;
    let shards = has_shard_channels(server);
    assert_eq!(publish(server, "c1", tag), n);
    assert_eq!(publish(server, "c2", tag), n);
    assert_eq!(publish(server, "p.x", tag), n);
    let mut expected = vec![
        (MessageKind::Message, "c1".into(), None),
        (MessageKind::Message, "c2".into(), None),
        (MessageKind::PMessage, "p.x".into(), Some("p.*".into())),
    ];
    if shards {
        assert_eq!(spublish(server, "s", tag), n);
        expected.push((MessageKind::SMessage, "s".into(), None));
    }
    for sub in subs {
        let got: Vec<(MessageKind, String, Option<String>)> = (0..expected.len())
            .map(|_| {
                let m = next(sub);
                assert_eq!(m.payload_str(), Some(tag), "{m:?}");
                (
                    m.kind,
                    m.channel_str().unwrap().to_owned(),
                    m.pattern_str().map(str::to_owned),
                )
            })
            .collect();
        assert_eq!(got, expected, "{:?}", sub.protocol());
        assert_eq!(names(sub.channels()), ["c1", "c2"]);
        assert_eq!(names(sub.patterns()), ["p.*"]);
        let shard_channels: &[&str] = if shards { &["s"] } else { &[] };
        assert_eq!(names(sub.shard_channels()), shard_channels);
    }
}

#[test]
fn reconnects_and_resubscribes_after_client_kill() {
    let server = RedisServer::start();
    let mut subs = subscribed_pair(&server);
    assert_all_deliver(&server, &mut subs, "before");

    let killed = server.raw_command(&["CLIENT", "KILL", "TYPE", "pubsub"]);
    assert_eq!(receivers(&killed), 2);
    // At most once: nobody is subscribed until the subscribers notice and reconnect.
    assert_eq!(publish(&server, "c1", "lost"), 0);

    for (sub, protocol) in subs.iter_mut().zip(PROTOCOLS) {
        wait_for_reconnects(sub, 1);
        assert_eq!(sub.protocol(), protocol);
    }
    assert_all_deliver(&server, &mut subs, "after");
    for sub in &mut subs {
        assert_quiet(sub);
    }
}

#[test]
fn reconnects_and_resubscribes_after_a_server_restart() {
    let mut server = RedisServer::start();
    let mut subs = subscribed_pair(&server);
    assert_all_deliver(&server, &mut subs, "before");

    server.restart();
    for sub in &mut subs {
        wait_for_reconnects(sub, 1);
    }
    assert_all_deliver(&server, &mut subs, "after");
}

#[test]
fn subscribe_on_a_dead_connection_reconnects_and_keeps_everything() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let mut sub = subscriber(&server, protocol);
        sub.subscribe("old").unwrap();
        sub.psubscribe("pat.*").unwrap();
        let killed = server.raw_command(&["CLIENT", "KILL", "TYPE", "pubsub"]);
        assert_eq!(receivers(&killed), 1);
        // The subscriber has not read since, so it learns of the kill inside this call.
        sub.subscribe("new").unwrap();
        assert_eq!(sub.reconnects(), 1);
        assert_eq!(names(sub.channels()), ["new", "old"]);
        assert_eq!(publish(&server, "old", "o"), 1);
        assert_eq!(publish(&server, "new", "n"), 1);
        assert_eq!(publish(&server, "pat.1", "p"), 1);
        let got: Vec<String> = (0..3)
            .map(|_| next(&mut sub).payload_str().unwrap().to_owned())
            .collect();
        assert_eq!(got, ["o", "n", "p"], "{protocol:?}");
    }
}

#[test]
fn reconnecting_gives_up_at_the_timeout_with_the_connection_error() {
    let mut server = RedisServer::start();
    let mut sub = subscriber(&server, Protocol::Resp3);
    sub.subscribe("a").unwrap();
    server.kill();

    let start = Instant::now();
    let e = sub.next_message(Duration::from_millis(300)).unwrap_err();
    let took = start.elapsed();
    assert!(e.is_connection_error(), "{e:?}");
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(5),
        "{took:?}"
    );
    assert!(!sub.is_connected());
    assert_eq!(sub.reconnects(), 0);
    // Still down: the next call fails the same way.
    assert!(
        sub.next_message(Duration::from_millis(50))
            .unwrap_err()
            .is_connection_error()
    );

    server.restart();
    wait_for_reconnects(&mut sub, 1);
    assert_eq!(names(sub.channels()), ["a"]);
    assert_eq!(publish(&server, "a", "back"), 1);
    assert_message(&next(&mut sub), MessageKind::Message, "a", "back");
}

// ---- Scripted server: frames a real server does not send ----

/// A configuration whose handshake sends nothing on RESP2 (no HELLO, no library info), so a
/// script starts at the first pub/sub command.
fn bare(fake: &FakeServer) -> ConnectionConfig {
    ConnectionConfig::new("127.0.0.1", fake.port())
        .protocol(Protocol::Resp2)
        .lib_info(false)
}

/// A RESP frame of bulk strings (`:` for an element that starts with it, `_` for null).
fn frame(kind: char, parts: &[&str]) -> String {
    let mut out = format!("{kind}{}\r\n", parts.len());
    for p in parts {
        if p.starts_with(':') || *p == "_" {
            out.push_str(&format!("{p}\r\n"));
        } else {
            out.push_str(&format!("${}\r\n{p}\r\n", p.len()));
        }
    }
    out
}

#[track_caller]
fn assert_unexpected(e: &Error, mentions: &str) {
    match e {
        Error::Protocol(ProtocolError::Unexpected(what)) => {
            assert!(
                what.contains(mentions),
                "{what:?} should mention {mentions:?}"
            )
        }
        other => panic!("expected an unexpected-frame protocol error, got {other:?}"),
    }
    assert_eq!(e.kind(), ErrorKind::Protocol);
}

#[test]
fn unexpected_frames_are_typed_errors_and_the_stream_goes_on() {
    let fake = FakeServer::with_script(vec![
        Step::expect_args(&["SUBSCRIBE", "a"]),
        Step::reply(frame('*', &["subscribe", "a", ":1"])),
        Step::reply(":42\r\n"),
        Step::reply(frame('*', &["message", ":1", "hi"])),
        Step::reply(frame('*', &["foo", "bar"])),
        Step::reply(frame('*', &["message", "a"])),
        Step::reply("*0\r\n"),
        Step::reply("-ERR boom\r\n"),
        Step::reply(frame('*', &["message", "a", "fine"])),
        Step::AcceptThenSilent,
    ]);
    let mut sub = Subscriber::with_config(&bare(&fake)).unwrap();
    sub.subscribe("a").unwrap();
    let mut err = || sub.next_message(WAIT).unwrap_err();
    assert_unexpected(&err(), "integer 42");
    assert_unexpected(&err(), "channel is not a string: integer 1");
    assert_unexpected(&err(), "`foo`");
    assert_unexpected(&err(), "`message` array of 2 elements");
    assert_unexpected(&err(), "array of 0 elements");
    let e = err();
    assert!(
        matches!(&e, Error::Server(s) if s.code() == "ERR" && s.message() == "boom"),
        "{e:?}"
    );
    // None of that cost the connection.
    assert_message(&next(&mut sub), MessageKind::Message, "a", "fine");
    assert_eq!((sub.reconnects(), fake.connections()), (0, 1));
    fake.check();
}

#[test]
fn resp3_skips_unknown_push_kinds_and_rejects_malformed_known_ones() {
    let fake = FakeServer::with_script(vec![
        Step::expect_args(&["HELLO", "3"]),
        Step::reply("%1\r\n$5\r\nproto\r\n:3\r\n"),
        Step::expect_args(&["SUBSCRIBE", "a"]),
        Step::reply(frame('>', &["subscribe", "a", ":1"])),
        Step::reply(frame('>', &["something-new", "x"])),
        Step::reply(frame('>', &["pmessage", "a", "x"])),
        Step::reply(frame('>', &["message", "a", "fine"])),
        Step::AcceptThenSilent,
    ]);
    let cfg = bare(&fake).protocol(Protocol::Resp3);
    let mut sub = Subscriber::with_config(&cfg).unwrap();
    assert_eq!(sub.protocol(), Protocol::Resp3);
    sub.subscribe("a").unwrap();
    let e = sub.next_message(WAIT).unwrap_err();
    assert_unexpected(&e, "`pmessage` push of 3 elements");
    assert_message(&next(&mut sub), MessageKind::Message, "a", "fine");
    fake.check();
}

#[test]
fn bytes_that_are_not_resp_drop_the_connection_and_the_next_call_reconnects() {
    let fake = FakeServer::start(vec![
        vec![
            Step::expect_args(&["SUBSCRIBE", "a"]),
            Step::reply(frame('*', &["subscribe", "a", ":1"])),
            Step::reply("$abc\r\n"),
            Step::AcceptThenSilent,
        ],
        vec![
            Step::expect_args(&["SUBSCRIBE", "a"]),
            Step::reply(frame('*', &["subscribe", "a", ":1"])),
            Step::reply(frame('*', &["message", "a", "second connection"])),
            Step::AcceptThenSilent,
        ],
    ]);
    let mut sub = Subscriber::with_config(&bare(&fake)).unwrap();
    sub.subscribe("a").unwrap();
    let e = sub.next_message(WAIT).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e:?}");
    assert!(!sub.is_connected());
    assert_message(
        &next(&mut sub),
        MessageKind::Message,
        "a",
        "second connection",
    );
    assert_eq!(sub.reconnects(), 1);
    fake.check();
}

#[test]
fn ping_without_a_pong_times_out_and_the_next_call_reconnects() {
    let fake = FakeServer::start(vec![
        vec![
            Step::expect_args(&["SUBSCRIBE", "a"]),
            Step::reply(frame('*', &["subscribe", "a", ":1"])),
            Step::expect_args(&["PING"]),
            Step::reply(frame('*', &["message", "a", "before the missing pong"])),
            Step::AcceptThenSilent,
        ],
        vec![
            Step::expect_args(&["SUBSCRIBE", "a"]),
            Step::reply(frame('*', &["subscribe", "a", ":1"])),
            Step::expect_args(&["PING"]),
            Step::reply(frame('*', &["pong", ""])),
            Step::reply(frame('*', &["message", "a", "after"])),
            Step::AcceptThenSilent,
        ],
    ]);
    let timeout = Duration::from_millis(300);
    let mut sub = Subscriber::with_config(&bare(&fake).read_timeout(timeout)).unwrap();
    sub.subscribe("a").unwrap();
    let start = Instant::now();
    let e = sub.ping().unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert!(start.elapsed() >= timeout, "{:?}", start.elapsed());
    assert!(!sub.is_connected());
    // The message read while waiting for the pong is not lost with the connection.
    assert_message(
        &sub.next_message(Duration::ZERO).unwrap().unwrap(),
        MessageKind::Message,
        "a",
        "before the missing pong",
    );
    // Pinging a dropped connection reconnects first, then pings the new one.
    sub.ping().unwrap();
    assert_eq!(sub.reconnects(), 1);
    assert_message(&next(&mut sub), MessageKind::Message, "a", "after");
    fake.check();
}

#[test]
fn confirmations_that_never_come_time_out() {
    let fake = FakeServer::with_script(vec![
        Step::expect_args(&["SUBSCRIBE", "a", "b"]),
        // Only one of the two confirmations.
        Step::reply(frame('*', &["subscribe", "a", ":1"])),
        Step::AcceptThenSilent,
    ]);
    let timeout = Duration::from_millis(300);
    let mut sub = Subscriber::with_config(&bare(&fake).read_timeout(timeout)).unwrap();
    let e = sub.subscribe(["a", "b"]).unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert!(!sub.is_connected());
    // The record keeps the request, for the reconnect to apply.
    assert_eq!(names(sub.channels()), ["a", "b"]);
    fake.check();
}
