//! One test per path a hostile review found around an invariant (issue 7): each reached a
//! state the crate promised could not happen, through a public side path. Each test takes the
//! path again and checks what a user would: the value the next caller reads, the counter on the
//! server, the error kind.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use redisync::prelude::*;
use redisync::testing::{Direction, Fault, FaultProxy};
use redisync::{
    ArgWriter, Client, ConstantBackoff, ErrorKind, Execute, Pipeline, Request, Retry, Script,
    ToArg, Value, cmd, pipe,
};
use support::{FakeServer, RedisServer, Step, wait_until};

/// A client of one connection, so the next call gets the connection the last one returned.
fn one_connection(server: &RedisServer) -> Client {
    Client::builder()
        .url(&server.url())
        .max_connections(1)
        .build()
        .unwrap()
}

// 1. A raw command that opens a transaction or switches database must not leak into the next
//    caller's session.
#[test]
fn a_multi_sent_through_any_public_path_does_not_reach_the_next_caller() {
    let server = RedisServer::start();
    server.raw_command(&["SET", "balance", "100"]);
    let client = one_connection(&server);
    // Through the client's Execute.
    let multi = cmd("MULTI");
    let reply = (&client).execute(&Request::from(&multi)).unwrap();
    assert_eq!(reply, Value::Okay);
    assert_eq!(
        client.get::<String>("balance").unwrap().as_deref(),
        Some("100")
    );
    // Through a pooled connection, returned inside MULTI.
    {
        let mut conn = client.get_connection().unwrap();
        cmd("multi").exec(&mut conn).unwrap();
        let queued: String = cmd("GET").arg("balance").query(&mut conn).unwrap();
        assert_eq!(queued, "QUEUED");
    }
    assert_eq!(
        client.get::<String>("balance").unwrap().as_deref(),
        Some("100")
    );
    // Through a pipeline.
    let mut p = Pipeline::new();
    p.add(&cmd("MULTI"));
    let _: Vec<Value> = p.query(&client).unwrap();
    assert_eq!(
        client.get::<String>("balance").unwrap().as_deref(),
        Some("100")
    );
    assert_eq!(server.raw_command(&["GET", "balance"]), "$3\r\n100\r\n");
}

#[test]
fn a_select_sent_through_a_raw_command_does_not_move_the_next_callers_writes() {
    let server = RedisServer::start();
    let client = one_connection(&server);
    cmd("SELECT").arg(5).exec(&client).unwrap();
    client.set("where", "db0").unwrap();
    assert_eq!(server.raw_command(&["GET", "where"]), "$3\r\ndb0\r\n");
    // The connection that switched database was closed, not reused.
    assert!(client.pool_state().discarded >= 1);
    // A SELECT the server refused changed nothing, so that connection is kept.
    let before = client.pool_state().discarded;
    let e = cmd("SELECT").arg(99_999).exec(&client).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Response);
    client.set("where", "still db0").unwrap();
    assert_eq!(client.pool_state().discarded, before);
}

#[test]
fn commands_that_change_the_reply_stream_are_refused_before_anything_is_sent() {
    let server = RedisServer::start();
    let client = one_connection(&server);
    for c in [
        cmd("CLIENT").arg("REPLY").arg("OFF").clone(),
        cmd("client").arg(("reply", "skip")).clone(),
        cmd("SUBSCRIBE").arg("news").clone(),
        cmd("MONITOR"),
    ] {
        let e = c.exec(&client).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{c:?}: {e}");
    }
    // Nothing reached the server, and the connection still answers in step.
    assert_eq!(server.command_calls("client|reply"), 0);
    client.set("k", "v").unwrap();
    assert_eq!(client.get::<String>("k").unwrap().as_deref(), Some("v"));
}

// 2. A pipeline whose write failed part-way may have run its written prefix: not re-sent.
#[test]
fn a_pipeline_cut_by_a_write_timeout_is_not_sent_again() {
    let server = RedisServer::start();
    let upstream = format!("127.0.0.1:{}", server.port()).parse().unwrap();
    let proxy = FaultProxy::start(upstream).unwrap();
    let client = Client::builder()
        .url(&proxy.url())
        .write_timeout(Duration::from_millis(300))
        .read_timeout(Duration::from_secs(5))
        .retry(Retry::new(
            ConstantBackoff::new(Duration::from_millis(10)),
            3,
        ))
        .build()
        .unwrap();
    client.ping().unwrap();
    // Far more than the socket buffers and the proxy hold, so the write stalls part-way.
    let n = 1_000_000;
    let mut p = Pipeline::new();
    for i in 0..n {
        p.incr(format!("r:{i}"));
    }
    // The stalled server: what is written is held back for a while, then delivered.
    proxy.set_fault(Fault::Delay {
        delay: Duration::from_millis(1500),
        direction: Direction::ToServer,
    });
    let e = p.query::<Vec<i64>>(&client).unwrap_err();
    assert!(e.is_timeout(), "{e}");
    assert_eq!(redisync::retry::last_attempts(), 1, "not sent again");
    proxy.clear();
    // The written prefix reaches the server and runs, once; nothing runs twice.
    wait_until(Duration::from_secs(10), "the written prefix ran", || {
        server.raw_command(&["GET", "r:0"]) == "$1\r\n1\r\n"
    });
    let calls = server.command_calls("incr");
    assert!(calls > 0 && calls < n as u64, "{calls} INCRs ran");
    for i in [0, 1, 2, 1000, 5000, 100_000] {
        let v = server.raw_command(&["GET", &format!("r:{i}")]);
        assert!(v == "$1\r\n1\r\n" || v == "$-1\r\n", "r:{i} = {v:?}");
    }
}

// 3. An argument type whose count disagreed with what it wrote desynced the connection.
#[test]
fn a_to_arg_that_writes_two_arguments_is_refused_and_the_connection_stays_in_step() {
    struct Liar;
    impl ToArg for Liar {
        fn write_arg(&self, out: &mut ArgWriter<'_>) {
            out.arg(b"a");
            out.arg(b"PING");
        }
    }
    let server = RedisServer::start();
    let client = one_connection(&server);
    client.set("k", "right").unwrap();
    let e = client.get::<String>(Liar).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    // A ToArgs writes what it likes, but the header always counts it: the server sees the
    // extra argument and refuses the command, in step.
    struct Two;
    impl redisync::ToArgs for Two {
        fn write_args(&self, out: &mut ArgWriter<'_>) {
            out.arg(b"k");
            out.arg(b"PING");
        }
    }
    let e = cmd("GET").arg(Two).exec(&client).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Response, "{e}");
    for i in 0..20 {
        let v = format!("v{i}");
        client.set("k", &v).unwrap();
        assert_eq!(client.get::<String>("k").unwrap(), Some(v));
    }
}

// 4. A pipeline sent while replies to send() are owed would read those replies as its own.
#[test]
fn a_pipeline_is_refused_while_replies_to_send_are_owed() {
    let server = RedisServer::start();
    server.raw_command(&["SET", "k", "mine"]);
    let client = one_connection(&server);
    let mut conn = client.get_connection().unwrap();
    conn.send(&cmd("ECHO").arg("x")).unwrap();
    let e = pipe().get::<String>("k").query(&mut conn).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let e = conn.get::<String>("k").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(conn.recv::<String>().unwrap(), "x");
    let (v,) = pipe().get::<String>("k").query(&mut conn).unwrap();
    assert_eq!(v.as_deref(), Some("mine"));
}

// 6. What a caller changed client-side on a pooled connection must not reach the next one.
#[test]
fn client_side_settings_of_a_pooled_connection_are_restored_on_return() {
    let server = RedisServer::start();
    let client = one_connection(&server);
    let pushes = Arc::new(AtomicUsize::new(0));
    {
        let mut conn = client.get_connection().unwrap();
        conn.set_read_timeout(Duration::from_millis(5)).unwrap();
        conn.set_write_timeout(Duration::from_millis(5)).unwrap();
        let seen = Arc::clone(&pushes);
        conn.set_push_handler(move |_| {
            seen.fetch_add(1, Ordering::SeqCst);
        });
    }
    let conn = client.get_connection().unwrap();
    assert_eq!(conn.read_timeout(), client.connection_config().read_timeout);
    assert_eq!(
        conn.write_timeout(),
        client.connection_config().write_timeout
    );
    drop(conn);
    // A slow command passes: the 5 ms timeout is gone.
    cmd("DEBUG").arg("SLEEP").arg("0.05").exec(&client).unwrap();
}

#[test]
fn exec_without_multi_leaves_the_watch_in_force_and_it_is_undone_on_return() {
    let server = RedisServer::start();
    let client = one_connection(&server);
    {
        let mut conn = client.get_connection().unwrap();
        conn.watch("watched").unwrap();
        let e = cmd("EXEC").exec(&mut conn).unwrap_err();
        assert!(e.to_string().contains("without MULTI"), "{e}");
        // The server still watches, and so does the connection's own record.
        assert!(conn.is_watching());
    }
    // Another client changes the key the first caller watched; the next caller's unrelated
    // transaction must not fail because of it.
    server.raw_command(&["SET", "watched", "changed"]);
    let ((),): ((),) = client
        .transaction("other", |_, pipe| {
            pipe.set("other", 1);
            Ok(())
        })
        .unwrap();
    assert_eq!(server.raw_command(&["GET", "other"]), "$1\r\n1\r\n");
}

// 8. Ordinary values must not panic.
#[test]
fn extreme_timeouts_and_blocking_arguments_do_not_panic() {
    let server = RedisServer::start();
    let client = Client::builder()
        .url(&server.url())
        .connect_timeout(Duration::MAX)
        .socket_timeout(Duration::MAX)
        .pool_timeout(Duration::MAX)
        .max_connections(1)
        .build()
        .unwrap();
    client.set("k", "v").unwrap();
    // A contended checkout with no limit waits for the connection to come back.
    let held = client.get_connection().unwrap();
    let waiter = {
        let c = client.clone();
        std::thread::spawn(move || c.get::<String>("k"))
    };
    std::thread::sleep(Duration::from_millis(50));
    drop(held);
    assert_eq!(waiter.join().unwrap().unwrap().as_deref(), Some("v"));
    // A wait too long to represent is "forever" on this side; the server refuses it at once.
    let e = cmd("BLPOP").arg("k").arg("1e20").exec(&client).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Response, "{e}");
    for odd in ["NaN", "-1", "inf", "soon"] {
        let e = cmd("BLPOP").arg("list").arg(odd).exec(&client).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Response, "{odd}: {e}");
    }
    let e = client
        .with_timeout(Duration::ZERO)
        .get::<String>("k")
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(
        client
            .with_timeout(Duration::MAX)
            .get::<String>("k")
            .unwrap()
            .as_deref(),
        Some("v")
    );
}

// 9. What the crate knows about a command lives in one table.
#[test]
fn typed_and_raw_forms_of_a_command_follow_the_same_replay_rule() {
    // A server that drops the connection after each command it reads: a write's reply is lost.
    let drop_after_write = || FakeServer::repeating(vec![Step::expect_any(), Step::Close]);
    let policy = || Retry::new(ConstantBackoff::new(Duration::from_millis(1)), 3);
    let bare = |fake: &FakeServer| {
        redisync::Client::builder()
            .connection_config(
                redisync::ConnectionConfig::new("127.0.0.1", fake.port())
                    .protocol(redisync::Protocol::Resp2)
                    .lib_info(false),
            )
            .retry(policy())
            .build()
            .unwrap()
    };
    // SET, typed or raw: sent once (a re-sent SET could overwrite a newer value).
    for raw in [false, true] {
        let fake = drop_after_write();
        let client = bare(&fake);
        let r = if raw {
            cmd("SET").arg("k").arg("v").exec(&client)
        } else {
            client.set("k", "v")
        };
        assert!(r.is_err());
        assert_eq!(fake.command_names(), ["SET"], "raw = {raw}");
    }
    // GET and the read-only script and scan forms: safe to send again, so they are.
    for what in ["GET", "EVALSHA_RO", "SCAN"] {
        let fake = drop_after_write();
        let client = bare(&fake);
        let _ = match what {
            "GET" => cmd("get").arg("k").exec(&client),
            "EVALSHA_RO" => Script::new("return 1")
                .invoke_ro::<Value>(&client, "k", ())
                .map(drop),
            _ => redisync::scan::<String, _>(&client, redisync::ScanOptions::new())
                .next()
                .unwrap_or(Ok(String::new()))
                .map(drop),
        };
        assert_eq!(
            fake.command_names().len(),
            4,
            "{what}: {:?}",
            fake.command_names()
        );
    }
}

#[test]
fn a_blocking_command_in_a_pipeline_keeps_its_own_wait() {
    let server = RedisServer::start();
    let client = Client::builder()
        .url(&server.url())
        .read_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let pusher = {
        let url = server.url();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(700));
            let c = Client::open(&url).unwrap();
            cmd("RPUSH").arg("jobs").arg("job-1").exec(&c).unwrap();
        })
    };
    let started = Instant::now();
    let (popped,): (Option<(String, String)>,) = pipe()
        .cmd::<Option<(String, String)>>(&cmd("BLPOP").arg("jobs").arg(5))
        .query(&client)
        .unwrap();
    pusher.join().unwrap();
    assert_eq!(popped, Some(("jobs".into(), "job-1".into())));
    assert!(started.elapsed() >= Duration::from_millis(600));
    // The element was handed out, not lost.
    assert_eq!(server.raw_command(&["LLEN", "jobs"]), ":0\r\n");
}

// 10. Pipelines count as use; a health check answered by the server keeps the connection.
#[test]
fn a_connection_carrying_only_pipelines_gets_no_health_check_pings() {
    let server = RedisServer::start();
    let pings_before = server.command_calls("ping");
    let client = Client::builder()
        .url(&server.url())
        .max_connections(1)
        .health_check_interval(Duration::from_millis(300))
        .build()
        .unwrap();
    // Back-to-back pipelines for over three intervals: each one is use, so none of them
    // finds the connection idle (before, every 300 ms the next one was preceded by a PING).
    let end = Instant::now() + Duration::from_millis(1000);
    while Instant::now() < end {
        let ((),) = pipe().set("k", 1).query(&client).unwrap();
    }
    assert_eq!(server.command_calls("ping"), pings_before);
    assert_eq!(client.pool_state().created, 1);
}

#[test]
fn a_health_check_answered_with_loading_keeps_the_connection() {
    // The PING gets LOADING, the command after it an answer: one connection, no reconnect.
    let fake = FakeServer::with_script(vec![
        Step::expect("GET"),
        Step::reply("$1\r\na\r\n"),
        Step::expect("PING"),
        Step::reply("-LOADING Redis is loading the dataset in memory\r\n"),
        Step::expect("GET"),
        Step::reply("$1\r\nb\r\n"),
    ]);
    let client = Client::builder()
        .connection_config(
            redisync::ConnectionConfig::new("127.0.0.1", fake.port())
                .protocol(redisync::Protocol::Resp2)
                .lib_info(false),
        )
        .health_check_interval(Duration::from_millis(50))
        .build()
        .unwrap();
    assert_eq!(client.get::<String>("k").unwrap().as_deref(), Some("a"));
    std::thread::sleep(Duration::from_millis(120));
    assert_eq!(client.get::<String>("k").unwrap().as_deref(), Some("b"));
    assert_eq!(fake.connections(), 1);
    fake.check();
}

// A caller's own HELLO 3 switches a RESP2 connection to RESP3; a push must still never be read
// as a reply.
#[test]
fn a_push_after_a_callers_own_hello_3_is_not_read_as_a_reply() {
    let server = RedisServer::start();
    let client = Client::builder()
        .url(&server.url())
        .protocol(redisync::Protocol::Resp2)
        .max_connections(1)
        .build()
        .unwrap();
    let mut conn = client.get_connection().unwrap();
    let _: Value = cmd("HELLO").arg(3).query(&mut conn).unwrap();
    cmd("CLIENT")
        .arg("TRACKING")
        .arg("ON")
        .exec(&mut conn)
        .unwrap();
    conn.set("tracked", "1").unwrap();
    let _: Option<String> = conn.get("tracked").unwrap();
    server.raw_command(&["SET", "tracked", "2"]);
    for i in 0..5 {
        let token = format!("token-{i}");
        let echoed: String = conn.echo(&token).unwrap();
        assert_eq!(echoed, token);
    }
    drop(conn);
    // The connection that switched protocol was closed, not reused.
    assert_eq!(client.pool_state().discarded, 1);
}
