//! The seams later features stand on (issue 7, part 10): a connection-init hook whose session
//! is the baseline, pool-wide push dispatch from busy and idle connections, and a pool
//! generation that retires every connection at once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redisync::prelude::*;
use redisync::{
    Client, ConnectionConfig, ErrorKind, MaintenanceConfig, MaintenanceMode, Protocol, PushOrigin,
    TimeoutPhase, Value, cmd,
};
use support::{FakeServer, RedisServer, Step, wait_until};

type Seen = Arc<Mutex<Vec<(PushOrigin, Value)>>>;

/// A client whose every connection tracks the keys it reads, with its pushes collected.
fn tracking_client(server: &RedisServer, interval: Option<Duration>) -> (Client, Seen) {
    let seen: Seen = Arc::default();
    let sink = Arc::clone(&seen);
    let mut b = Client::builder()
        .url(&server.url())
        .max_connections(1)
        .on_connect(|conn| cmd("CLIENT").arg("TRACKING").arg("ON").exec(conn))
        .on_push(move |from, push| sink.lock().unwrap().push((from, push)));
    if let Some(i) = interval {
        b = b.push_interval(i);
    }
    (b.build().unwrap(), seen)
}

fn invalidated(seen: &Seen, key: &str) -> bool {
    let want = Value::BulkString(key.as_bytes().to_vec());
    seen.lock().unwrap().iter().any(|(_, v)| match v {
        Value::Push(items) => {
            items.first() == Some(&Value::BulkString(b"invalidate".to_vec()))
                && matches!(items.get(1), Some(Value::Array(keys)) if keys.contains(&want))
        }
        _ => false,
    })
}

#[test]
fn a_connect_hooks_session_is_the_baseline_a_connection_is_reset_to() {
    let server = RedisServer::start();
    let (client, _) = tracking_client(&server, None);
    for i in 0..5 {
        client.set("k", i).unwrap();
        assert_eq!(client.get::<i64>("k").unwrap(), Some(i));
    }
    // CLIENT TRACKING ON made the session "dirty" by the table's rule, yet as the hook's
    // doing it is the normal state: the one connection was reused, never discarded.
    let state = client.pool_state();
    assert_eq!((state.created, state.discarded), (1, 0), "{state:?}");
    let info: String = cmd("CLIENT").arg("INFO").query(&client).unwrap();
    assert!(info.contains("flags=t"), "{info}");
    // The same command sent by a caller is not the baseline: that connection is closed.
    cmd("CLIENT")
        .arg("SETNAME")
        .arg("mine")
        .exec(&client)
        .unwrap();
    assert_eq!(client.pool_state().discarded, 1);
}

#[test]
fn a_failing_or_slow_connect_hook_fails_the_connect_within_its_deadline() {
    let server = RedisServer::start();
    let failing = Client::builder()
        .url(&server.url())
        .retry(redisync::Retry::none())
        .on_connect(|conn| cmd("NOSUCHCOMMAND").exec(conn))
        .build()
        .unwrap();
    let e = failing.ping().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Response, "{e}");
    let slow = Client::builder()
        .url(&server.url())
        .connect_timeout(Duration::from_millis(200))
        .retry(redisync::Retry::none())
        .on_connect(|conn| cmd("DEBUG").arg("SLEEP").arg("1").exec(conn))
        .build()
        .unwrap();
    let start = Instant::now();
    let e = slow.ping().unwrap_err();
    assert!(
        start.elapsed() < Duration::from_millis(600),
        "{:?}",
        start.elapsed()
    );
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
    let leaving_a_transaction_open = Client::builder()
        .url(&server.url())
        .retry(redisync::Retry::none())
        .on_connect(|conn| cmd("MULTI").exec(conn))
        .build()
        .unwrap();
    let e = leaving_a_transaction_open.ping().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
}

#[test]
fn invalidations_on_an_idle_connection_reach_the_sink_by_the_periodic_pass() {
    let server = RedisServer::start();
    let (client, seen) = tracking_client(&server, Some(Duration::from_millis(5)));
    client.set("tracked", "v1").unwrap();
    assert_eq!(
        client.get::<String>("tracked").unwrap().as_deref(),
        Some("v1")
    );
    // Another client writes while ours is idle: nobody calls our client, yet the
    // invalidation arrives.
    server.raw_command(&["SET", "tracked", "v2"]);
    wait_until(Duration::from_secs(2), "the invalidation", || {
        invalidated(&seen, "tracked")
    });
    let state = client.pool_state();
    assert_eq!((state.created, state.discarded), (1, 0), "{state:?}");
}

#[test]
fn pushes_waiting_at_checkout_go_to_the_sink_and_keep_the_connection() {
    let server = RedisServer::start();
    let (client, seen) = tracking_client(&server, None);
    client.set("tracked", "v1").unwrap();
    let _: Option<String> = client.get("tracked").unwrap();
    let id: i64 = cmd("CLIENT").arg("ID").query(&client).unwrap();
    assert!(id > 0);
    // The server writes the invalidation in the same pass as the reply to this SET, so it is
    // on its way once the SET is answered. What is checked next is an absence (nobody has read
    // it), which only time can show: a short pause, not a condition.
    server.raw_command(&["SET", "tracked", "v2"]);
    std::thread::sleep(Duration::from_millis(50));
    assert!(!invalidated(&seen, "tracked"), "nobody read it yet");
    // The next checkout finds it, hands it over, and keeps the connection.
    assert_eq!(
        client.get::<String>("tracked").unwrap().as_deref(),
        Some("v2")
    );
    assert!(invalidated(&seen, "tracked"));
    let origin = seen.lock().unwrap()[0].0;
    let state = client.pool_state();
    assert_eq!((state.created, state.discarded), (1, 0), "{state:?}");
    assert!(origin.connection_id() > 0);
}

#[test]
fn unread_bytes_that_are_not_pushes_make_an_idle_connection_discarded() {
    // After its reply, the server sends something unasked for while the connection is idle.
    let hello = |protocol: Protocol| {
        if protocol == Protocol::Resp3 {
            vec![
                Step::expect("HELLO"),
                Step::reply("%1\r\n$6\r\nserver\r\n$5\r\nredis\r\n"),
            ]
        } else {
            Vec::new()
        }
    };
    // The first connection: a reply, then the extra bytes; a second GET only if it is kept.
    let first = |protocol: Protocol, extra: &'static str, kept: bool| {
        let mut steps = hello(protocol);
        steps.extend([
            Step::expect("GET"),
            Step::reply("$1\r\na\r\n"),
            Step::Sleep(Duration::from_millis(20)),
            Step::reply(extra),
        ]);
        if kept {
            steps.extend([Step::expect("GET"), Step::reply("$1\r\nb\r\n")]);
        }
        steps
    };
    let second = |protocol: Protocol| {
        let mut steps = hello(protocol);
        steps.extend([Step::expect("GET"), Step::reply("$1\r\nc\r\n")]);
        steps
    };
    let push = ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n";
    let rows = [
        // A push on RESP3: handed to the sink, the connection kept.
        (Protocol::Resp3, push, 0),
        // A reply nobody asked for: the connection is closed, whatever the protocol.
        (Protocol::Resp3, "+STALE\r\n", 1),
        (Protocol::Resp2, "+STALE\r\n", 1),
        // A push is a push on any protocol (a caller's `HELLO 3` can switch a connection).
        (Protocol::Resp2, push, 0),
    ];
    for (protocol, extra, discarded) in rows {
        let kept = discarded == 0;
        let mut scripts = vec![first(protocol, extra, kept)];
        if !kept {
            scripts.push(second(protocol));
        }
        let fake = FakeServer::start(scripts);
        let seen: Seen = Arc::default();
        let sink = Arc::clone(&seen);
        let client = Client::builder()
            .connection_config(
                ConnectionConfig::new("127.0.0.1", fake.port())
                    .protocol(protocol)
                    .lib_info(false),
            )
            .on_push(move |from, v| sink.lock().unwrap().push((from, v)))
            // The script has no CLIENT MAINT_NOTIFICATIONS step.
            .maintenance(MaintenanceConfig::new().mode(MaintenanceMode::Off))
            .build()
            .unwrap();
        assert_eq!(client.get::<String>("k").unwrap().as_deref(), Some("a"));
        fake.wait_for_connections(1, Duration::from_secs(2));
        // Long enough for the extra frame to arrive (20 ms after the reply).
        std::thread::sleep(Duration::from_millis(100));
        let second = client.get::<String>("k");
        let label = format!("{protocol:?} {extra:?}");
        assert_eq!(client.pool_state().discarded, discarded, "{label}");
        if kept {
            assert_eq!(second.unwrap().as_deref(), Some("b"), "{label}");
            assert_eq!(seen.lock().unwrap().len(), 1, "{label}");
        } else {
            // The answer came from a new connection, never the stale bytes.
            assert_eq!(second.unwrap().as_deref(), Some("c"), "{label}");
            assert!(seen.lock().unwrap().is_empty(), "{label}");
        }
        fake.check();
    }
}

#[test]
fn retiring_the_pool_closes_idle_connections_now_and_busy_ones_on_return() {
    let server = RedisServer::start();
    let client = Client::open(&server.url()).unwrap();
    let mut busy = client.get_connection().unwrap();
    let busy_id: i64 = cmd("CLIENT").arg("ID").query(&mut busy).unwrap();
    // A second connection, idle in the pool.
    let first: i64 = cmd("CLIENT").arg("ID").query(&client).unwrap();
    assert_ne!(first, busy_id);
    let generation = client.generation();
    client.retire_connections();
    assert_eq!(client.generation(), generation + 1);
    // The idle one is gone at once; the busy one still works for its holder ...
    assert_eq!(client.pool_state().idle, 0);
    busy.set("k", "v").unwrap();
    drop(busy);
    // ... and is closed when it comes back.
    let state = client.pool_state();
    assert_eq!((state.total, state.discarded), (0, 2), "{state:?}");
    let next: i64 = cmd("CLIENT").arg("ID").query(&client).unwrap();
    assert!(next != first && next != busy_id);
}
