//! A hostile review of maintenance notifications (0dfcdd2, re-run on f560d24, which fixed the
//! `Instant` overflows and added a fallback for unreachable endpoints while this was written):
//! each test is a way a user (or a server) can reach the maintenance state, and the promise the
//! crate docs make for it ("Maintenance notifications"): no command fails and no reply reaches
//! the wrong caller because of a move; relaxed timeouts are applied and always restored;
//! nothing panics.
//!
//! Tests whose name starts with `break_` FAIL on f560d24: each documents one break. The others
//! held there and stay as coverage.
//!
//! The breaks, by cause:
//!
//! - `Maint` keeps one move: a newer notice replaces the older one, so `keeps` and `target`
//!   forget the first move's `from`: `break_a_second_move_*`, `break_a_null_endpoint_move_*`;
//! - `keeps` retires every connection to `from` while the move has an endpoint, including the
//!   ones opened there after the notice (a move to the same address, the fallback's own
//!   connections): `break_a_move_to_the_same_address_*`, `break_a_move_to_a_blackhole_*`;
//! - relaxation is one flag per connection, not per announced maintenance, and ignores
//!   sequence numbers: `break_the_end_of_one_maintenance_*`, `break_a_late_migrating_*`;
//! - `Restore` goes to the configured baseline, not to what the user set:
//!   `break_migrated_undoes_the_users_set_read_timeout`;
//! - a notice read during a blocking read extends the span by `relaxed_timeout`, not by
//!   `relaxed_blocking_timeout`: `break_a_notice_during_a_blocking_read_*`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use redisync::prelude::*;
use redisync::testing::{MaintenanceSimulator, Notification, Target};
use redisync::{CacheConfig, Client, ConnectionConfig, MaintenanceConfig, Protocol, Retry};
use support::{FakeServer, RedisServer, Step, wait_until};

const SOON: Duration = Duration::from_secs(5);
const HELLO3: &str = "%1\r\n$6\r\nserver\r\n$5\r\nredis\r\n";

fn resp3(port: u16) -> ConnectionConfig {
    ConnectionConfig::new("127.0.0.1", port)
        .protocol(Protocol::Resp3)
        .lib_info(false)
        .read_timeout(Duration::from_millis(300))
}

fn handshake() -> Vec<Step> {
    vec![
        Step::expect("HELLO"),
        Step::reply(HELLO3),
        Step::expect_prefix(&["CLIENT", "MAINT_NOTIFICATIONS", "ON"]),
        Step::reply("+OK\r\n"),
    ]
}

fn fake_client(server: &FakeServer, config: MaintenanceConfig) -> Client {
    Client::builder()
        .connection_config(resp3(server.port()))
        .retry(Retry::none())
        .maintenance(config)
        .build()
        .unwrap()
}

fn sim_client(sim: &MaintenanceSimulator, config: MaintenanceConfig) -> Client {
    Client::builder()
        .url(&sim.url())
        .read_timeout(Duration::from_millis(300))
        .max_connections(16)
        .maintenance(config)
        .build()
        .unwrap()
}

fn push(words: &[&str]) -> String {
    let mut out = format!(">{}\r\n", words.len());
    for w in words {
        match w.parse::<u64>() {
            Ok(n) => out.push_str(&format!(":{n}\r\n")),
            Err(_) => out.push_str(&format!("+{w}\r\n")),
        }
    }
    out
}

/// Runs `f`, turning a panic into a test failure with a message (rather than the panic itself,
/// so the break is named).
fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_string()))
                .unwrap_or_default();
            panic!("{what} panicked: {msg}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Malformed and huge notices
// ---------------------------------------------------------------------------------------------

/// A server (or a man in the middle) sends `MOVING` with a time of i64::MAX seconds. On
/// 0dfcdd2 the command in flight panicked (`Instant + Duration` in `Maint::on_moving`); held
/// on f560d24 (times held to a year).
#[test]
fn a_moving_with_a_huge_time_does_not_panic_the_command_in_flight() {
    let server = FakeServer::start(vec![
        [
            handshake(),
            vec![
                Step::expect_args(&["GET", "a"]),
                Step::reply(push(&["MOVING", "1", "9223372036854775807", "127.0.0.1:1"])),
                Step::reply("$1\r\na\r\n"),
                Step::AcceptThenSilent,
            ],
        ]
        .concat(),
    ]);
    let c = fake_client(&server, MaintenanceConfig::new());
    let got = no_panic("GET after a MOVING of i64::MAX seconds", || {
        c.get::<String>("a")
    });
    assert_eq!(got.unwrap().as_deref(), Some("a"));
}

/// The same time as text (u64::MAX, a simple string: `number` parses text too).
#[test]
fn a_moving_with_a_u64_max_time_as_text_does_not_panic() {
    let server = FakeServer::start(vec![
        [
            handshake(),
            vec![
                Step::expect_args(&["GET", "a"]),
                Step::reply(">4\r\n+MOVING\r\n:1\r\n+18446744073709551615\r\n_\r\n"),
                Step::reply("$1\r\na\r\n"),
                Step::AcceptThenSilent,
            ],
        ]
        .concat(),
    ]);
    let c = fake_client(&server, MaintenanceConfig::new());
    let got = no_panic("GET after a MOVING of u64::MAX seconds", || {
        c.get::<String>("a")
    });
    assert_eq!(got.unwrap().as_deref(), Some("a"));
}

/// `backstop(Duration::MAX)` passes `check()`; on 0dfcdd2 the first MIGRATING panicked the
/// command reading it (`Instant::now() + backstop` in `Link::relax`). Held on f560d24.
#[test]
fn a_backstop_of_duration_max_does_not_panic_at_the_first_notice() {
    let server = FakeServer::start(vec![
        [
            handshake(),
            vec![
                Step::expect_args(&["GET", "a"]),
                Step::reply(push(&["MIGRATING", "1", "5", "shard-1"])),
                Step::reply("$1\r\na\r\n"),
                Step::AcceptThenSilent,
            ],
        ]
        .concat(),
    ]);
    let c = fake_client(&server, MaintenanceConfig::new().backstop(Duration::MAX));
    let got = no_panic("GET after MIGRATING with backstop MAX", || {
        c.get::<String>("a")
    });
    assert_eq!(got.unwrap().as_deref(), Some("a"));
}

/// Port 99999, no colon, a 1 MB host name, an empty host: counted as malformed or ignored,
/// the reply still arrives. (Held.)
#[test]
fn malformed_endpoints_are_ignored_and_the_reply_arrives() {
    let huge = "h".repeat(1 << 20);
    let bad = [
        ">4\r\n+MOVING\r\n:1\r\n:5\r\n+127.0.0.1:99999\r\n".to_string(),
        ">4\r\n+MOVING\r\n:2\r\n:5\r\n+nocolon\r\n".to_string(),
        ">4\r\n+MOVING\r\n:3\r\n:5\r\n+[]:80\r\n".to_string(),
        ">4\r\n+MOVING\r\n:4\r\n:5\r\n:7\r\n".to_string(),
        format!(
            ">4\r\n+MOVING\r\n:5\r\n:5\r\n${}\r\n{huge}:\r\n",
            huge.len() + 1
        ),
    ];
    let mut script = handshake();
    script.push(Step::expect_args(&["GET", "a"]));
    for b in &bad {
        script.push(Step::reply(b));
    }
    script.push(Step::reply("$1\r\na\r\n"));
    script.push(Step::AcceptThenSilent);
    let server = FakeServer::start(vec![script]);
    let c = fake_client(&server, MaintenanceConfig::new());
    assert_eq!(c.get::<String>("a").unwrap().as_deref(), Some("a"));
    let s = c.maintenance_stats().unwrap();
    assert_eq!((s.malformed, s.moving), (5, 0), "{s:?}");
}

// ---------------------------------------------------------------------------------------------
// Moves
// ---------------------------------------------------------------------------------------------

/// A port that was just free: nothing listens there, connecting is refused.
fn dead_endpoint() -> String {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string()
}

/// The server names an endpoint that refuses connections (a port nobody listens on, port 0,
/// a host name that does not resolve, here 1 MB long): new connections fall back to the
/// configured address. (Held on f560d24; failed on 0dfcdd2.)
#[test]
fn a_move_to_an_endpoint_that_refuses_fails_no_command() {
    let server = RedisServer::start();
    let huge = format!("{}.invalid:6379", "h".repeat(1 << 20));
    for endpoint in [dead_endpoint(), "127.0.0.1:0".to_string(), huge] {
        let sim = MaintenanceSimulator::start(server.addr()).unwrap();
        let c = sim_client(&sim, MaintenanceConfig::new());
        c.ping().unwrap();
        let n = Notification::Moving {
            seq: 1,
            time: Duration::from_secs(10),
            endpoint: Some(endpoint.clone()),
        };
        assert_eq!(sim.notify(&n, Target::Handshaken), 1);
        // (The 1 MB one may never be acted on: the decoder may refuse it.)
        std::thread::sleep(Duration::from_millis(300));
        let mut failed = Vec::new();
        for i in 0..10 {
            if let Err(e) = c.set(format!("k{i}"), i) {
                failed.push(e.to_string());
            }
        }
        let shown = &endpoint[..endpoint.len().min(40)];
        assert!(
            failed.is_empty(),
            "MOVING to {shown}: {} of 10 SETs failed with the configured address up: {:?}",
            failed.len(),
            &failed[..failed.len().min(2)]
        );
    }
}

/// The server names an endpoint where connecting hangs (a blackhole): the fallback of
/// f560d24 runs only after the connect to it timed out, and the connection it opens to the
/// configured address is retired again at its return (its endpoint is the move's `from`), so
/// every command for the whole notice first waits out the connect timeout; a command with a
/// deadline shorter than that fails.
#[test]
fn fixed_a_move_to_a_blackhole_endpoint_stalls_every_command_and_fails_deadlines() {
    let server = RedisServer::start();
    let sim = MaintenanceSimulator::start(server.addr()).unwrap();
    let hole = support::BlackholeListener::start();
    let c = Client::builder()
        .url(&sim.url())
        .connect_timeout(Duration::from_secs(1))
        .read_timeout(Duration::from_millis(300))
        .maintenance(MaintenanceConfig::new())
        .build()
        .unwrap();
    c.ping().unwrap();
    sim.notify(
        &Notification::Moving {
            seq: 1,
            time: Duration::from_secs(30),
            endpoint: Some(format!("127.0.0.1:{}", hole.port())),
        },
        Target::Handshaken,
    );
    wait_until(SOON, "the move acted on", || {
        c.maintenance_stats().unwrap().moving == 1
    });
    let mut problems = Vec::new();
    for i in 0..3 {
        let start = Instant::now();
        let r = c.set(format!("k{i}"), i);
        let took = start.elapsed();
        // Since the fix, the first connect to the hole gets half the connect timeout, then
        // the configured address serves and the hole is no longer tried.
        let bound = if i == 0 {
            Duration::from_millis(700)
        } else {
            Duration::from_millis(250)
        };
        if r.is_err() || took > bound {
            problems.push(format!("SET took {took:?}: {r:?}"));
        }
    }
    for i in 0..3 {
        let r = c
            .with_timeout(Duration::from_millis(700))
            .set(format!("d{i}"), i);
        if let Err(e) = r {
            problems.push(format!("SET within 700 ms: {e}"));
        }
    }
    assert!(
        problems.is_empty(),
        "with the configured address up and answering in a millisecond: {problems:#?}"
    );
}

/// A MOVING naming the very endpoint it came from: every connection there, the new ones
/// included, is retired at its next checkout or return for the whole notice, so every
/// command opens a fresh connection (connect, HELLO, CLIENT MAINT_NOTIFICATIONS).
#[test]
fn fixed_a_move_to_the_same_address_reconnects_for_every_command() {
    let server = RedisServer::start();
    let sim = MaintenanceSimulator::start(server.addr()).unwrap();
    let c = sim_client(&sim, MaintenanceConfig::new());
    c.ping().unwrap();
    sim.notify(
        &Notification::Moving {
            seq: 1,
            time: Duration::from_secs(10),
            endpoint: Some(format!("127.0.0.1:{}", sim.port())),
        },
        Target::Handshaken,
    );
    wait_until(SOON, "the move acted on", || {
        c.maintenance_stats().unwrap().moving == 1
    });
    let before = sim.total_accepted();
    for _ in 0..50 {
        c.ping().unwrap();
    }
    let opened = sim.total_accepted() - before;
    assert!(
        opened <= 2,
        "50 PINGs opened {opened} connections to the address they were already on"
    );
}

/// A → B (seq 1), then B → C (seq 2) while a connection to A is checked out: the second move
/// replaces the first, `keeps` only looks at the newest move's `from`, and the connection to
/// A (the endpoint going away) is taken back into the pool and reused.
#[test]
fn fixed_a_second_move_lets_connections_to_the_first_endpoint_back_into_the_pool() {
    let server = RedisServer::start();
    let a = MaintenanceSimulator::start(server.addr()).unwrap();
    let b = MaintenanceSimulator::start(server.addr()).unwrap();
    let cc = MaintenanceSimulator::start(server.addr()).unwrap();
    let c = sim_client(&a, MaintenanceConfig::new());
    // One idle connection on A (it reads the first notice), one held.
    let held = c.get_connection().unwrap();
    c.ping().unwrap();
    let to = |s: &MaintenanceSimulator| Some(format!("127.0.0.1:{}", s.port()));
    a.notify(
        &Notification::Moving {
            seq: 1,
            time: Duration::from_secs(10),
            endpoint: to(&b),
        },
        Target::Handshaken,
    );
    wait_until(SOON, "first move acted on", || {
        c.maintenance_stats().unwrap().moving == 1
    });
    wait_until(SOON, "a connection on B", || {
        c.ping().unwrap();
        b.connections() == 1
    });
    b.notify(
        &Notification::Moving {
            seq: 2,
            time: Duration::from_secs(10),
            endpoint: to(&cc),
        },
        Target::Handshaken,
    );
    wait_until(SOON, "second move acted on", || {
        c.maintenance_stats().unwrap().moving == 2
    });
    drop(held);
    std::thread::sleep(Duration::from_millis(200));
    let on_a = a.commands();
    for _ in 0..10 {
        c.ping().unwrap();
    }
    assert_eq!(
        a.commands(),
        on_a,
        "commands went to A after two moves away from it ({} connections still open there)",
        a.connections()
    );
}

/// A → B (seq 1, with an endpoint; A then goes away), then B announces a MOVING with a null
/// endpoint (seq 2: "reconnect to the same address later"). The second move replaces the
/// first with `to: None`, so `target()` sends new connections to the configured address: A,
/// which is gone. Every command that needs a new connection fails.
#[test]
fn fixed_a_null_endpoint_move_after_a_move_sends_connections_back_to_the_old_endpoint() {
    let server = RedisServer::start();
    let a = MaintenanceSimulator::start(server.addr()).unwrap();
    let b = MaintenanceSimulator::start(server.addr()).unwrap();
    let c = sim_client(&a, MaintenanceConfig::new());
    c.ping().unwrap();
    a.notify(
        &Notification::Moving {
            seq: 1,
            time: Duration::from_secs(20),
            endpoint: Some(format!("127.0.0.1:{}", b.port())),
        },
        Target::Handshaken,
    );
    a.close_after(Duration::from_millis(200));
    wait_until(SOON, "everything on B", || {
        c.ping().unwrap();
        a.connections() == 0 && b.connections() >= 1
    });
    b.notify(
        &Notification::Moving {
            seq: 2,
            time: Duration::from_secs(2),
            endpoint: None,
        },
        Target::Handshaken,
    );
    wait_until(SOON, "second move acted on", || {
        c.maintenance_stats().unwrap().moving == 2
    });
    // Past half of the second notice: B's connections are retired, new ones are opened.
    std::thread::sleep(Duration::from_millis(1200));
    let mut failed = Vec::new();
    for i in 0..10 {
        if let Err(e) = c.set(format!("k{i}"), i) {
            failed.push(e.to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "{} of 10 SETs failed (B still up, A gone): {:?}",
        failed.len(),
        &failed[..failed.len().min(2)]
    );
}

/// A caching client through a move whose old endpoint closes: no command fails, every
/// thread reads its own writes, and another client's write is seen. (Held.)
#[test]
fn a_caching_client_through_a_move_keeps_its_promises() {
    let server = RedisServer::start();
    let a = MaintenanceSimulator::start(server.addr()).unwrap();
    let b = MaintenanceSimulator::start(server.addr()).unwrap();
    let c = Client::builder()
        .url(&a.url())
        .read_timeout(Duration::from_millis(300))
        .cache(CacheConfig::new())
        .build()
        .unwrap();
    let other = Client::open(server.url().as_str()).unwrap();
    c.set("ck", "v0").unwrap();
    assert_eq!(c.get::<String>("ck").unwrap().as_deref(), Some("v0"));
    a.notify(
        &Notification::Moving {
            seq: 1,
            time: Duration::from_secs(20),
            endpoint: Some(format!("127.0.0.1:{}", b.port())),
        },
        Target::Handshaken,
    );
    a.close_after(Duration::from_millis(300));
    let start = Instant::now();
    let mut i = 0u64;
    let mut errors = Vec::new();
    while start.elapsed() < Duration::from_millis(1500) {
        i += 1;
        let v = format!("v{i}");
        match c.set("ck", &v).and_then(|()| c.get::<String>("ck")) {
            Ok(Some(got)) if got == v => {}
            other => errors.push(format!("{other:?} for {v}")),
        }
    }
    assert!(
        errors.is_empty(),
        "{} bad of {i}: {:?}",
        errors.len(),
        &errors[..errors.len().min(3)]
    );
    other.set("ck", "theirs").unwrap();
    wait_until(SOON, "another client's write seen", || {
        c.get::<String>("ck").unwrap().as_deref() == Some("theirs")
    });
}

// ---------------------------------------------------------------------------------------------
// Relaxed timeouts
// ---------------------------------------------------------------------------------------------

/// FAILING_OVER (seq 1) and MIGRATING (seq 2) overlap; MIGRATED (seq 3) ends the migration
/// only, but the connection's timeouts go back to normal while the failover is still
/// announced, and the next slow reply times out.
#[test]
fn fixed_the_end_of_one_maintenance_ends_the_relaxation_of_another_still_announced() {
    let server = FakeServer::start(vec![
        [
            handshake(),
            vec![
                Step::expect_args(&["GET", "a"]),
                Step::reply(push(&["FAILING_OVER", "1", "30"])),
                Step::reply(push(&["MIGRATING", "2", "30", "shard-1"])),
                Step::reply(push(&["MIGRATED", "3"])),
                Step::reply("$1\r\na\r\n"),
                Step::expect_args(&["GET", "b"]),
                Step::Sleep(Duration::from_millis(700)),
                Step::reply("$1\r\nb\r\n"),
                Step::AcceptThenSilent,
            ],
        ]
        .concat(),
    ]);
    let c = fake_client(
        &server,
        MaintenanceConfig::new().relaxed_timeout(Duration::from_secs(3)),
    );
    assert_eq!(c.get::<String>("a").unwrap().as_deref(), Some("a"));
    // The failover has not ended: the 700 ms reply is within the relaxed 3 s.
    let got = c.get::<String>("b");
    assert_eq!(
        got.map_err(|e| e.to_string()).unwrap().as_deref(),
        Some("b"),
        "FAILING_OVER still announced (no FAILED_OVER), yet timeouts were restored"
    );
}

/// MIGRATED (seq 2) arrives before the MIGRATING it ends (seq 1, late): the connection is
/// left relaxed until the backstop (60 s), with no maintenance announced.
#[test]
fn fixed_a_late_migrating_after_its_migrated_leaves_the_connection_relaxed() {
    let server = FakeServer::start(vec![
        [
            handshake(),
            vec![
                Step::expect_args(&["GET", "a"]),
                Step::reply(push(&["MIGRATED", "2"])),
                Step::reply(push(&["MIGRATING", "1", "30", "shard-1"])),
                Step::reply("$1\r\na\r\n"),
                Step::AcceptThenSilent,
            ],
        ]
        .concat(),
    ]);
    let c = fake_client(&server, MaintenanceConfig::new());
    let mut conn = c.get_connection().unwrap();
    assert_eq!(conn.get::<String>("a").unwrap().as_deref(), Some("a"));
    assert!(
        !conn.is_relaxed(),
        "relaxed by a MIGRATING older than the MIGRATED already seen (read timeout now {:?})",
        conn.read_timeout()
    );
}

/// A user raises a checked-out connection's read timeout to 3 s (documented to last until it
/// goes back to the pool); a MIGRATING then MIGRATED arrive; MIGRATED puts the timeout back
/// to the configured 300 ms, not to the user's 3 s, and the next slow reply times out.
#[test]
fn fixed_migrated_undoes_the_users_set_read_timeout() {
    let server = FakeServer::start(vec![
        [
            handshake(),
            vec![
                Step::expect_args(&["GET", "a"]),
                Step::reply(push(&["MIGRATING", "1", "30", "shard-1"])),
                Step::reply(push(&["MIGRATED", "2"])),
                Step::reply("$1\r\na\r\n"),
                Step::expect_args(&["GET", "b"]),
                Step::Sleep(Duration::from_millis(700)),
                Step::reply("$1\r\nb\r\n"),
                Step::AcceptThenSilent,
            ],
        ]
        .concat(),
    ]);
    let c = fake_client(&server, MaintenanceConfig::new());
    let mut conn = c.get_connection().unwrap();
    conn.set_read_timeout(Duration::from_secs(3)).unwrap();
    assert_eq!(conn.get::<String>("a").unwrap().as_deref(), Some("a"));
    assert_eq!(
        conn.read_timeout(),
        Duration::from_secs(3),
        "the user's read timeout after MIGRATED"
    );
    assert_eq!(conn.get::<String>("b").unwrap().as_deref(), Some("b"));
}

/// A MIGRATING arriving while a blocking command waits: the read in flight gets the plain
/// relaxed timeout's extra, not `relaxed_blocking_timeout` (the docs: "a blocking command's
/// reply gets relaxed_blocking_timeout beyond its wait, a read already in flight included").
#[test]
fn fixed_a_notice_during_a_blocking_read_gets_only_the_plain_relaxed_timeout() {
    let server = FakeServer::start(vec![
        [
            handshake(),
            vec![
                Step::expect_prefix(&["BLPOP", "q"]),
                Step::reply(push(&["MIGRATING", "1", "30"])),
                // BLPOP's own wait is 0.2 s; its reply comes 1.5 s after it was sent.
                Step::Sleep(Duration::from_millis(1500)),
                Step::reply("*-1\r\n"),
                Step::AcceptThenSilent,
            ],
        ]
        .concat(),
    ]);
    let config = MaintenanceConfig::new()
        .relaxed_timeout(Duration::from_millis(400))
        .relaxed_blocking_timeout(Duration::from_secs(3));
    let c = fake_client(&server, config);
    let popped: Option<(String, String)> = c
        .blpop("q", Some(Duration::from_millis(200)))
        .map_err(|e| e.to_string())
        .unwrap();
    assert_eq!(popped, None);
}

/// A connection relaxed by MIGRATING, returned to the pool and checked out again, is still
/// relaxed; MIGRATED read by the idle pass restores it. (Held.)
#[test]
fn a_relaxed_connection_stays_relaxed_over_a_return_and_is_restored_while_idle() {
    let server = RedisServer::start();
    let sim = MaintenanceSimulator::start(server.addr()).unwrap();
    let c = sim_client(&sim, MaintenanceConfig::new());
    c.ping().unwrap();
    sim.notify(
        &Notification::Migrating {
            seq: 1,
            time: Duration::from_secs(30),
        },
        Target::Handshaken,
    );
    wait_until(SOON, "relaxed", || {
        c.maintenance_stats().unwrap().relaxed_now == 1
    });
    {
        let conn = c.get_connection().unwrap();
        assert!(conn.is_relaxed());
        assert_eq!(conn.read_timeout(), redisync::DEFAULT_RELAXED_TIMEOUT);
    }
    sim.notify(&Notification::Migrated { seq: 2 }, Target::Handshaken);
    wait_until(SOON, "restored", || {
        c.maintenance_stats().unwrap().relaxed_now == 0
    });
    let conn = c.get_connection().unwrap();
    assert_eq!(conn.read_timeout(), Duration::from_millis(300));
}
