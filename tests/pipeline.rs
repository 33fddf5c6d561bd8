//! Pipelines (typed and step by step, plain and atomic) and optimistic transactions, against a
//! real server, on a connection and through the client's pool.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use redisync::prelude::*;
use redisync::{
    Client, Connection, ErrorKind, Pipeline, Value, cmd, pipe, transaction, transaction_with,
};
use support::RedisServer;

#[test]
fn typed_pipeline_infers_its_reply_tuple() {
    let server = RedisServer::start();
    let mut conn = Connection::open(&server.url()).unwrap();
    let ((), n, v, gone) = pipe()
        .set("a", 1)
        .incr("a")
        .get("a")
        .get("missing")
        .query(&mut conn)
        .unwrap();
    let (v, gone): (Option<String>, Option<i64>) = (v, gone);
    assert_eq!((n, v.as_deref(), gone), (2, Some("2"), None));
    // Untyped commands fit in too, with their reply type named.
    let (len,) = pipe()
        .cmd::<i64>(&cmd("RPUSH").arg("l").arg(["x", "y"]))
        .query(&mut conn)
        .unwrap();
    assert_eq!(len, 2);
}

#[test]
fn step_by_step_pipeline_in_a_loop_through_the_client() {
    let server = RedisServer::start();
    let client = Client::open(&server.url()).unwrap();
    let mut p = Pipeline::new();
    for i in 0..50 {
        p.incr_by(format!("c{}", i % 5), i);
    }
    assert_eq!(p.len(), 50);
    let counts: Vec<i64> = p.query(&client).unwrap();
    assert_eq!(counts.len(), 50);
    let total: i64 = (0..5)
        .map(|k| client.get::<i64>(format!("c{k}")).unwrap().unwrap())
        .sum();
    assert_eq!(total, (0..50).sum::<i64>());
}

#[test]
fn every_reply_is_read_even_after_an_error_and_errors_surface_on_conversion() {
    let server = RedisServer::start();
    let client = Client::builder()
        .url(&server.url())
        .max_connections(1)
        .build()
        .unwrap();
    let mut p = Pipeline::new();
    p.set("s", "text").incr("s").get::<String>("s");
    let raw: Vec<Value> = p.query(&client).unwrap();
    assert!(
        matches!(&raw[1], Value::Error(e) if e.code() == "ERR"),
        "{raw:?}"
    );
    let e = p.query::<((), i64, String)>(&client).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Response);
    // The one pooled connection is still in step.
    assert_eq!(client.get::<String>("s").unwrap().as_deref(), Some("text"));
    assert_eq!(client.pool_state().discarded, 0);
}

#[test]
fn atomic_pipeline_runs_as_one_transaction() {
    let server = RedisServer::start();
    let mut conn = Connection::open(&server.url()).unwrap();
    let ((), a, b) = pipe()
        .atomic()
        .set("x", 10)
        .incr("x")
        .incr_by("x", 5)
        .query(&mut conn)
        .unwrap();
    assert_eq!((a, b), (11, 16));
    assert!(!conn.is_watching());
    // A command the server refuses while queueing aborts the whole transaction and is named.
    let e = pipe()
        .atomic()
        .set("x", 0)
        .cmd::<Value>(&cmd("SET").arg("only-one-arg"))
        .query(&mut conn)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ExecAbort, "{e}");
    assert!(e.to_string().contains("wrong number of arguments"), "{e}");
    assert_eq!(conn.get::<i64>("x").unwrap(), Some(16), "nothing of it ran");
    // A runtime error inside EXEC is that command's reply; the others ran.
    let r: Vec<Value> = {
        let mut p = Pipeline::new();
        p.atomic().set("y", "word").incr("y").set("z", 1);
        p.query(&mut conn).unwrap()
    };
    assert!(matches!(&r[1], Value::Error(_)), "{r:?}");
    assert_eq!(conn.get::<i64>("z").unwrap(), Some(1));
}

#[test]
fn transaction_applies_read_modify_write_atomically_under_contention() {
    let server = RedisServer::start();
    let client = Client::builder()
        .url(&server.url())
        .max_connections(8)
        .build()
        .unwrap();
    client.set("balance", 0).unwrap();
    let conflicts = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let c = client.clone();
            let conflicts = Arc::clone(&conflicts);
            thread::spawn(move || {
                for _ in 0..30 {
                    let mut runs = 0;
                    let ((),): ((),) = c
                        .transaction("balance", |conn, pipe| {
                            runs += 1;
                            let now: i64 = conn.get("balance")?.unwrap_or(0);
                            pipe.set("balance", now + 1);
                            Ok(())
                        })
                        .unwrap();
                    conflicts.fetch_add(runs - 1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(
        client.get::<i64>("balance").unwrap(),
        Some(180),
        "no increment lost"
    );
    // Every pooled connection came back unwatched.
    let state = client.pool_state();
    assert_eq!(state.in_use, 0);
}

#[test]
fn a_conflict_every_time_ends_in_a_watch_error_after_the_bound() {
    let server = RedisServer::start();
    let mut conn = Connection::open(&server.url()).unwrap();
    let mut other = Connection::open(&server.url()).unwrap();
    let mut runs = 0;
    let e = transaction_with::<Value, _>(&mut conn, "hot", 3, |_, pipe| {
        runs += 1;
        other.incr("hot")?; // someone else always changes the key in between
        pipe.incr("hot");
        Ok(())
    })
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Watch);
    assert_eq!(runs, 3);
    assert!(!conn.is_watching());
    assert_eq!(
        conn.get::<i64>("hot").unwrap(),
        Some(3),
        "only the other writer's increments"
    );
}

#[test]
fn every_exit_path_unwatches() {
    let server = RedisServer::start();
    let mut conn = Connection::open(&server.url()).unwrap();
    // The closure fails: its error comes back unchanged, and the key is unwatched.
    let e = transaction::<Value, _>(&mut conn, "k", |_, _| {
        Err(<i64 as redisync::FromValue>::from_value(Value::Nil).unwrap_err())
    })
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conversion, "{e:?}");
    assert!(!conn.is_watching());
    // A connection failure while watching is a watch error that keeps its cause.
    let e =
        transaction::<Value, _>(&mut conn, "k", |_, _| Err(redisync::Error::Closed)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Watch, "{e:?}");
    assert!(
        matches!(&e, redisync::Error::WatchLost(cause) if matches!(**cause, redisync::Error::Closed))
    );
    assert!(!conn.is_watching());
    // Nothing queued: no EXEC, still unwatched.
    let v: Vec<Value> = transaction(&mut conn, "k", |_, _| Ok(())).unwrap();
    assert!(v.is_empty());
    assert!(!conn.is_watching());
    // If the watch had survived, this change would abort the next MULTI/EXEC on the connection.
    server.raw_command(&["SET", "k", "changed"]);
    let ((),) = pipe().atomic().set("after", 1).query(&mut conn).unwrap();
    // A panic inside the closure: unwinding unwatches too.
    let client = Client::builder()
        .url(&server.url())
        .max_connections(1)
        .build()
        .unwrap();
    let c = client.clone();
    let joined = thread::spawn(move || {
        let _: Vec<Value> = c
            .transaction("k", |_, _| panic!("user code panics mid-transaction"))
            .unwrap();
    })
    .join();
    assert!(joined.is_err());
    server.raw_command(&["SET", "k", "changed again"]);
    let mut pooled = client.get_connection().unwrap();
    assert!(!pooled.is_watching());
    let ((),) = pipe().atomic().set("after", 2).query(&mut pooled).unwrap();
}
