//! A hostile review of the Sentinel support (issue 13): each test is a way a production user
//! could break a promise the Sentinel client makes, against fake or blackholed sentinels.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use redisync::prelude::*;
use redisync::sentinel::SentinelConfig;
use redisync::{Client, ErrorKind};
use support::{BlackholeListener, FakeServer, Step};

const SERVICE: &str = "mymaster";

/// A replica client whose sentinels are all blackholed must give up within its connect
/// timeout, like the primary client: the fallback to the primary shares the budget the
/// replica lookup started, it does not get a fresh one.
#[test]
fn replica_client_with_all_sentinels_blackholed_is_bounded_by_the_connect_timeout() {
    let holes: Vec<BlackholeListener> = (0..3).map(|_| BlackholeListener::start()).collect();
    let urls: Vec<String> = holes.iter().map(BlackholeListener::url).collect();
    let connect_timeout = Duration::from_millis(1500);
    let client = Client::builder()
        .connect_timeout(connect_timeout)
        .retry(redisync::Retry::none())
        .sentinel(
            SentinelConfig::new(SERVICE, urls)
                .listen(false)
                .timeout(Duration::from_millis(600)),
        )
        .build()
        .unwrap();
    let replicas = client.replica_client().unwrap();
    let start = Instant::now();
    let e = replicas.get::<String>("k").unwrap_err();
    let took = start.elapsed();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::SentinelUnreachable | ErrorKind::Timeout
        ),
        "{e}"
    );
    // Before the fix: ~3 s (1.5 s listing replicas, then a fresh 1.5 s looking up the
    // primary). The bound has slack for a shared machine.
    assert!(
        took < connect_timeout + Duration::from_millis(900),
        "took {took:?} with a connect timeout of {connect_timeout:?}: {e}"
    );
}

/// Replies a sentinel never sends to `SENTINEL MASTER` / `SENTINEL REPLICAS`: each one is a
/// typed error, never a panic, on the primary client and on the replica client.
#[test]
fn malformed_sentinel_replies_are_typed_errors() {
    let garbage: &[&str] = &[
        ":1\r\n",
        "*-1\r\n",
        "*0\r\n",
        "*3\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$4\r\nport\r\n",
        "*4\r\n$2\r\nip\r\n$0\r\n\r\n$4\r\nport\r\n$4\r\n6379\r\n",
        "*4\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$4\r\nport\r\n$5\r\n99999\r\n",
        "*4\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$4\r\nport\r\n$1\r\n0\r\n",
        "*4\r\n:1\r\n:2\r\n*1\r\n:3\r\n%1\r\n:1\r\n:1\r\n",
        "*2\r\n*2\r\n$2\r\nip\r\n:7\r\n*0\r\n",
        "$5\r\nhello\r\n",
        "-ERR something else\r\n",
        "+OK\r\n",
        "_\r\n",
    ];
    for reply in garbage {
        let fake = FakeServer::repeating(vec![Step::expect_any(), Step::reply(reply)]);
        let client = Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .retry(redisync::Retry::none())
            .sentinel(
                SentinelConfig::new(SERVICE, [fake.url()])
                    .listen(false)
                    .timeout(Duration::from_millis(500)),
            )
            .build()
            .unwrap();
        let e = client.set("k", "v").unwrap_err();
        assert_ne!(e.kind(), ErrorKind::Connection, "{reply:?}: {e}");
        let replicas = client.replica_client().unwrap();
        let e = replicas.get::<String>("k").unwrap_err();
        assert_ne!(e.kind(), ErrorKind::Connection, "{reply:?}: {e}");
    }
}

/// A data node named by a sentinel whose `ROLE` reply is malformed: a typed error, and
/// nothing else is sent to it.
#[test]
fn malformed_role_replies_from_a_data_node_are_typed_errors() {
    let roles: &[&str] = &[
        "*0\r\n",
        ":1\r\n",
        "*1\r\n$6\r\nmaster\r\n",
        "*2\r\n$6\r\nmaster\r\n$3\r\nabc\r\n",
        "*3\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:99999\r\n",
        "*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:-1\r\n$9\r\nconnected\r\n:0\r\n",
        "*2\r\n$7\r\nunknown\r\n:0\r\n",
        "*3\r\n$6\r\nmaster\r\n:0\r\n*1\r\n*1\r\n:1\r\n",
    ];
    for role in roles {
        let data = FakeServer::repeating(vec![
            Step::expect("HELLO"),
            Step::reply("%1\r\n$6\r\nserver\r\n$5\r\nredis\r\n"),
            Step::expect("CLIENT"),
            Step::reply("+OK\r\n"),
            Step::expect("CLIENT"),
            Step::reply("+OK\r\n"),
            Step::expect("ROLE"),
            Step::reply(role),
        ]);
        let master = format!(
            "*6\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$4\r\nport\r\n${}\r\n{}\r\n$12\r\nconfig-epoch\r\n$1\r\n1\r\n",
            data.port().to_string().len(),
            data.port()
        );
        let sentinel = FakeServer::repeating(vec![
            Step::expect_prefix(&["SENTINEL", "MASTER", SERVICE]),
            Step::reply(&master),
        ]);
        let client = Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .retry(redisync::Retry::none())
            .sentinel(
                SentinelConfig::new(SERVICE, [sentinel.url()])
                    .listen(false)
                    .timeout(Duration::from_millis(500))
                    .verify_pause(Duration::from_millis(50)),
            )
            .build()
            .unwrap();
        let e = client.set("k", "v").unwrap_err();
        assert_ne!(e.kind(), ErrorKind::Connection, "{role:?}: {e}");
        // Nothing but the handshake and ROLE ever reached the node.
        for cmd in data.command_names() {
            assert!(
                ["HELLO", "CLIENT", "ROLE"]
                    .iter()
                    .any(|ok| cmd.eq_ignore_ascii_case(ok)),
                "{role:?}: {cmd} sent to a node whose ROLE was unreadable"
            );
        }
    }
}

/// The sentinel password (given in the config, and in a sentinel URL) appears in no error
/// text and in no Debug output.
#[test]
fn the_sentinel_password_is_in_no_error_or_debug_output() {
    let fake = FakeServer::repeating(vec![
        Step::expect_any(),
        Step::reply("-WRONGPASS invalid username-password pair or user is disabled.\r\n"),
    ]);
    let url = format!("redis://:url-s3cret@{}:{}", fake.host(), fake.port());
    let config = SentinelConfig::new(SERVICE, [url.clone(), fake.url()])
        .password("cfg-s3cret")
        .listen(false)
        .timeout(Duration::from_millis(500));
    let builder = Client::builder()
        .password("data-s3cret")
        .retry(redisync::Retry::none())
        .sentinel(config.clone());
    let client = builder.clone().build().unwrap();
    let e = client.set("k", "v").unwrap_err();
    let texts = [
        format!("{config:?}"),
        format!("{builder:?}"),
        format!("{client:?}"),
        format!("{e}"),
        format!("{e:?}"),
        format!("{:?}", client.sentinel_stats()),
    ];
    for t in &texts {
        for secret in ["url-s3cret", "cfg-s3cret", "data-s3cret"] {
            assert!(!t.contains(secret), "{secret} in {t}");
        }
    }
    // The fake saw the password (so the test is about the right path).
    let sent: Vec<Vec<Vec<u8>>> = fake.commands();
    assert!(
        sent.iter()
            .flatten()
            .any(|a| a.as_slice() == b"cfg-s3cret" || a.as_slice() == b"url-s3cret"),
        "no AUTH seen: {:?}",
        fake.command_names()
    );
}

/// Threads of this process whose name starts with `prefix` (Linux truncates names to 15
/// bytes).
fn threads_named(prefix: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim_end().starts_with(prefix))
        .count()
}

/// Listener threads end after the last clone of the client (and its replica client) is
/// dropped, whatever their sentinel does: refuses, blackholes the connect, or accepts and
/// never answers. (The only test in this file with listeners, so the count is ours.)
#[test]
fn sentinel_listener_threads_end_after_the_client_is_dropped() {
    const NAME: &str = "redisync-senti";
    let hole = BlackholeListener::start();
    let silent = FakeServer::silent();
    let refused = format!("redis://127.0.0.1:{}", support::unused_port());
    let client = Client::builder()
        .retry(redisync::Retry::none())
        .sentinel(
            SentinelConfig::new(SERVICE, [hole.url(), silent.url(), refused])
                .timeout(Duration::from_millis(300)),
        )
        .build()
        .unwrap();
    let replicas = client.replica_client().unwrap();
    let clone = client.clone();
    support::wait_until(Duration::from_secs(10), "three listeners running", || {
        threads_named(NAME) == 3
    });
    assert!(client.set("k", "v").is_err());
    drop(client);
    drop(replicas);
    assert!(clone.ping().is_err());
    drop(clone);
    support::wait_until(Duration::from_secs(10), "the listeners to end", || {
        threads_named(NAME) == 0
    });
}

/// A sentinel that trickles its answer (one byte every 40 ms) costs its own timeout, not the
/// data nodes' 30 s connect timeout: the sentinel timeout bounds the whole answer, not each
/// read.
#[test]
fn a_trickling_sentinel_is_bounded_by_the_sentinel_timeout() {
    let master = "*6\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$4\r\nport\r\n$4\r\n6399\r\n\
                  $12\r\nconfig-epoch\r\n$1\r\n1\r\n";
    let fake = FakeServer::repeating(vec![
        Step::expect_any(),
        Step::reply_chunked(master, 1, Duration::from_millis(40)),
    ]);
    let client = Client::builder()
        .connect_timeout(Duration::from_secs(30))
        .retry(redisync::Retry::none())
        .sentinel(
            SentinelConfig::new(SERVICE, [fake.url()])
                .listen(false)
                .timeout(Duration::from_millis(300)),
        )
        .build()
        .unwrap();
    let start = Instant::now();
    let e = client.set("k", "v").unwrap_err();
    let took = start.elapsed();
    assert_eq!(e.kind(), ErrorKind::SentinelUnreachable, "{e}");
    // The whole reply takes ~3.4 s to trickle out.
    assert!(took < Duration::from_secs(2), "took {took:?}: {e}");
}

/// A stale sentinel names a replica as the primary. A data connection made through the
/// pool checks `ROLE` and refuses it; so must a subscriber from `Client::subscriber` (before
/// the fix it took the sentinel's word and sent SUBSCRIBE to the replica).
#[test]
fn a_subscriber_from_a_sentinel_client_is_verified_with_role() {
    let replica = FakeServer::repeating(vec![
        Step::expect("HELLO"),
        Step::reply("%1\r\n$6\r\nserver\r\n$5\r\nredis\r\n"),
        Step::expect("CLIENT"),
        Step::reply("+OK\r\n"),
        Step::expect("CLIENT"),
        Step::reply("+OK\r\n"),
        Step::expect_any(),
        Step::reply("*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:6379\r\n$9\r\nconnected\r\n:0\r\n"),
    ]);
    let master = format!(
        "*6\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$4\r\nport\r\n${}\r\n{}\r\n$12\r\nconfig-epoch\r\n$1\r\n1\r\n",
        replica.port().to_string().len(),
        replica.port()
    );
    let sentinel = FakeServer::repeating(vec![
        Step::expect_prefix(&["SENTINEL", "MASTER", SERVICE]),
        Step::reply(&master),
    ]);
    let client = Client::builder()
        .connect_timeout(Duration::from_secs(1))
        .retry(redisync::Retry::none())
        .sentinel(
            SentinelConfig::new(SERVICE, [sentinel.url()])
                .listen(false)
                .timeout(Duration::from_millis(300))
                // Long enough that the connect deadline falls in a pause, not in the middle
                // of a handshake the fake would record as cut short.
                .verify_pause(Duration::from_millis(400)),
        )
        .build()
        .unwrap();
    // The pool refuses the replica.
    assert!(client.set("k", "v").is_err());
    // So does the subscriber: every connection to the node sent ROLE first, then nothing.
    let made = client
        .subscriber()
        .and_then(|mut s| s.subscribe(["news"]).map(|_| s));
    let first_after_handshake: Vec<String> = replica
        .commands_by_connection()
        .into_iter()
        .filter_map(|c| {
            c.get(3)
                .map(|a| String::from_utf8_lossy(&a[0]).to_uppercase())
        })
        .collect();
    assert!(
        made.is_err() && first_after_handshake.iter().all(|c| c == "ROLE"),
        "subscriber made: {}; first commands after the handshake: {first_after_handshake:?}",
        made.is_ok()
    );
}
