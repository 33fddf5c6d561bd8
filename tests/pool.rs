//! The client's connection pool against a real server: sharing across threads, exhaustion,
//! the checkout probe, the reset on return, panics, and the reaper.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use redisync::prelude::*;
use redisync::{Client, ErrorKind, Value, cmd};
use support::{RedisServer, wait_until};

fn client(server: &RedisServer) -> redisync::ClientBuilder {
    Client::builder().url(&server.url())
}

#[test]
fn many_threads_share_one_client() {
    let server = RedisServer::start();
    let client = client(&server).max_connections(4).build().unwrap();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let c = client.clone();
            thread::spawn(move || {
                for _ in 0..250 {
                    c.incr("counter").unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(client.get::<i64>("counter").unwrap(), Some(2000));
    let state = client.pool_state();
    assert!(state.total <= 4, "{state:?}");
    assert_eq!(state.in_use, 0, "{state:?}");
    assert!(state.created <= 4, "{state:?}");
}

#[test]
fn lazy_creation_and_lifo_reuse() {
    let server = RedisServer::start();
    let client = client(&server).build().unwrap();
    assert_eq!(
        client.pool_state().total,
        0,
        "nothing opened before the first command"
    );
    client.set("k", 1).unwrap();
    let first: i64 = cmd("CLIENT").arg("ID").query(&client).unwrap();
    let again: i64 = cmd("CLIENT").arg("ID").query(&client).unwrap();
    assert_eq!(first, again, "the warm connection is reused");
    // Two held at once: the second is new; when both return, the newest comes back first.
    let a = client.get_connection().unwrap();
    let mut b = client.get_connection().unwrap();
    let b_id: i64 = cmd("CLIENT").arg("ID").query(&mut b).unwrap();
    drop(a);
    drop(b);
    let next: i64 = cmd("CLIENT").arg("ID").query(&client).unwrap();
    assert_eq!(next, b_id, "last in, first out");
    assert_eq!(client.pool_state().created, 2);
}

#[test]
fn exhausted_pool_times_out_naming_the_limit_and_the_last_connect_error() {
    let server = RedisServer::start();
    let client = client(&server)
        .max_connections(1)
        .pool_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    // A failed connect is remembered ...
    server.raw_command(&["CONFIG", "SET", "requirepass", "now-locked"]);
    let e = client.get_connection().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication, "{e}");
    server.raw_command_as(
        "default",
        "now-locked",
        &["CONFIG", "SET", "requirepass", ""],
    );
    // ... and reported when the pool is then exhausted.
    let held = client.get_connection().unwrap();
    let started = Instant::now();
    let e = client.get_connection().unwrap_err();
    let waited = started.elapsed();
    assert_eq!(e.kind(), ErrorKind::PoolTimeout, "{e}");
    assert!(e.is_timeout());
    assert!(
        waited >= Duration::from_millis(180) && waited < Duration::from_secs(2),
        "{waited:?}"
    );
    let text = e.to_string();
    assert!(text.contains("max_connections = 1"), "{text}");
    assert!(text.contains("last connect error"), "{text}");
    match &e {
        redisync::Error::PoolTimeout(t) => {
            assert_eq!(
                t.last_connect_error().map(|(k, _)| k),
                Some(ErrorKind::Authentication)
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(client.pool_state().timeouts, 1);
    drop(held);
    client.get_connection().unwrap();
}

#[test]
fn waiting_checkout_gets_the_connection_returned_meanwhile() {
    let server = RedisServer::start();
    let client = client(&server).max_connections(1).build().unwrap();
    let held = client.get_connection().unwrap();
    let c = client.clone();
    let waiter = thread::spawn(move || c.incr("w").unwrap());
    wait_until(Duration::from_secs(5), "the second caller to wait", || {
        client.pool_state().waits >= 1
    });
    drop(held);
    assert_eq!(waiter.join().unwrap(), 1);
}

#[test]
fn a_reply_left_unread_never_reaches_the_next_caller() {
    let server = RedisServer::start();
    let client = client(&server).max_connections(1).build().unwrap();
    for round in 0..20 {
        let mut conn = client.get_connection().unwrap();
        conn.send(&cmd("ECHO").arg(format!("stale-{round}")))
            .unwrap();
        drop(conn); // returned with a reply owed
        let fresh: String = client.echo(format!("fresh-{round}")).unwrap();
        assert_eq!(fresh, format!("fresh-{round}"));
    }
    assert!(client.pool_state().discarded >= 20);
}

#[test]
fn connections_closed_by_the_server_while_idle_are_replaced() {
    let server = RedisServer::start();
    let client = client(&server).max_connections(2).build().unwrap();
    client.set("k", "v").unwrap();
    let before = client.pool_state().created;
    server.raw_command(&["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"]);
    // The probe sees the closed socket; the command runs on a new connection.
    wait_until(
        Duration::from_secs(5),
        "the killed connection to be noticed",
        || client.get::<String>("k").unwrap().as_deref() == Some("v"),
    );
    let state = client.pool_state();
    assert!(state.created > before, "{state:?}");
    assert!(state.discarded >= 1, "{state:?}");
}

#[test]
fn server_gone_gives_a_connection_error_never_a_stale_reply() {
    let mut server = RedisServer::start();
    let client = client(&server)
        .connect_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    client.set("k", "v").unwrap();
    server.kill();
    let e = client.get::<String>("k").unwrap_err();
    assert!(e.is_connection_error(), "{e:?}");
    server.restart();
    // The restarted server has no data (no persistence): the reply is the new truth, nil.
    wait_until(Duration::from_secs(5), "the server to be back", || {
        client.get::<String>("k").is_ok()
    });
    assert_eq!(client.get::<String>("k").unwrap(), None);
}

#[test]
fn transaction_and_watch_left_open_are_undone_on_return() {
    let server = RedisServer::start();
    let client = client(&server).max_connections(1).build().unwrap();
    {
        let mut conn = client.get_connection().unwrap();
        cmd("MULTI").exec(&mut conn).unwrap();
        cmd("SET")
            .arg("queued")
            .arg(1)
            .query::<Value>(&mut conn)
            .unwrap();
        // dropped inside MULTI: the pool sends DISCARD
    }
    assert_eq!(
        client.get::<i64>("queued").unwrap(),
        None,
        "the queued SET never ran"
    );
    {
        let mut conn = client.get_connection().unwrap();
        cmd("WATCH").arg("w").exec(&mut conn).unwrap();
    }
    // If the watch were still on, changing the key would abort this transaction.
    server.raw_command(&["SET", "w", "changed"]);
    let mut conn = client.get_connection().unwrap();
    cmd("MULTI").exec(&mut conn).unwrap();
    cmd("SET")
        .arg("t")
        .arg(1)
        .query::<Value>(&mut conn)
        .unwrap();
    let exec: Value = cmd("EXEC").query(&mut conn).unwrap();
    assert_eq!(
        exec,
        Value::Array(vec![Value::Okay]),
        "EXEC ran: the watch was cleared"
    );
    drop(conn);
    assert_eq!(client.pool_state().created, 1, "reset, not replaced");
}

#[test]
fn a_connection_switched_to_another_db_or_user_is_not_reused() {
    let server = RedisServer::start();
    let client = client(&server).max_connections(1).build().unwrap();
    {
        let mut conn = client.get_connection().unwrap();
        cmd("SELECT").arg(7).exec(&mut conn).unwrap();
        conn.set("in-seven", 1).unwrap();
    }
    assert_eq!(client.get::<i64>("in-seven").unwrap(), None, "back on db 0");
    {
        let mut conn = client.get_connection().unwrap();
        cmd("CLIENT")
            .arg("SETNAME")
            .arg("renamed")
            .exec(&mut conn)
            .unwrap();
    }
    let name: Option<String> = cmd("CLIENT").arg("GETNAME").query(&client).unwrap();
    assert_eq!(name, None);
    assert_eq!(client.pool_state().discarded, 2);
}

#[test]
fn a_panic_while_checked_out_neither_leaks_the_slot_nor_poisons_the_pool() {
    let server = RedisServer::start();
    let client = client(&server)
        .max_connections(1)
        .pool_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let c = client.clone();
    let result = thread::spawn(move || {
        let mut conn = c.get_connection().unwrap();
        conn.send(&cmd("ECHO").arg("never read")).unwrap();
        panic!("user code fails while holding a connection");
    })
    .join();
    assert!(result.is_err());
    assert_eq!(client.pool_state().in_use, 0);
    assert_eq!(client.echo::<String>("after").unwrap(), "after");
}

#[test]
fn pipelines_run_through_the_client() {
    let server = RedisServer::start();
    let client = client(&server).build().unwrap();
    let mut p = redisync::Pipeline::new();
    for i in 0..100 {
        p.add(&cmd("SET").arg(format!("p{i}")).arg(i));
    }
    let replies: Vec<Value> = p.query(&client).unwrap();
    assert_eq!(replies.len(), 100);
    assert_eq!(client.get::<i64>("p99").unwrap(), Some(99));
}

#[test]
fn min_idle_is_filled_and_idle_connections_are_reaped() {
    let server = RedisServer::start();
    let warm = client(&server).min_idle(3).build().unwrap();
    wait_until(Duration::from_secs(5), "three idle connections", || {
        warm.pool_state().idle == 3
    });
    let reaped = client(&server)
        .idle_timeout(Some(Duration::from_millis(100)))
        .build()
        .unwrap();
    let held: Vec<_> = (0..3).map(|_| reaped.get_connection().unwrap()).collect();
    drop(held);
    assert_eq!(reaped.pool_state().idle, 3);
    // The reaper takes expired connections out under the lock and closes them after it, one
    // by one: `total` can reach 0 before the last one is counted as discarded.
    wait_until(
        Duration::from_secs(5),
        "idle connections to be closed",
        || {
            let s = reaped.pool_state();
            s.total == 0 && s.discarded == 3
        },
    );
    assert_eq!(reaped.pool_state().discarded, 3);
}

#[test]
fn connections_past_their_lifetime_are_closed_on_return() {
    let server = RedisServer::start();
    let client = client(&server)
        .max_lifetime(Some(Duration::from_millis(50)))
        .idle_timeout(None)
        .build()
        .unwrap();
    let conn = client.get_connection().unwrap();
    wait_until(Duration::from_secs(5), "the connection to age", || {
        client.pool_state().total == 1 && conn.db() == 0 && {
            thread::sleep(Duration::from_millis(10));
            true
        }
    });
    thread::sleep(Duration::from_millis(60));
    drop(conn);
    assert_eq!(client.pool_state().total, 0);
    assert_eq!(client.pool_state().discarded, 1);
}

#[test]
fn bad_pool_settings_are_refused_at_build() {
    let e = Client::builder().max_connections(0).build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("max_connections"), "{e}");
    let e = Client::builder()
        .max_connections(2)
        .min_idle(3)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("min_idle"), "{e}");
    let e = Client::builder()
        .pool_timeout(Duration::ZERO)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("pool_timeout"), "{e}");
    let e = Client::open("redis://h:0").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

#[test]
fn contended_pool_stays_consistent() {
    let server = RedisServer::start();
    let client = client(&server)
        .max_connections(3)
        .pool_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let start = Arc::new(Barrier::new(16));
    let threads: Vec<_> = (0..16)
        .map(|t| {
            let c = client.clone();
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                for i in 0..100 {
                    let key = format!("t{t}:{i}");
                    c.set(&key, i).unwrap();
                    assert_eq!(c.get::<i64>(&key).unwrap(), Some(i), "{key}");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let state = client.pool_state();
    assert!(state.total <= 3 && state.in_use == 0, "{state:?}");
    assert!(
        state.waits > 0,
        "16 threads on 3 connections must have waited: {state:?}"
    );
}
