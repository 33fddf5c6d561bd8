//! The retry policy and health checks through a `Client`: what is retried, what is never sent
//! twice, deadlines, blocking commands, and idle-time PINGs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients;
mod support;

use clients::bare;

use std::time::{Duration, Instant};

use redisync::prelude::*;
use redisync::{Client, ConstantBackoff, ErrorKind, Retry, Script, Value, cmd};
use support::{BlackholeListener, FakeServer, RedisServer, Step, wait_until};

fn quick_retry(retries: u32) -> Retry {
    Retry::new(ConstantBackoff::new(Duration::from_millis(5)), retries)
}

#[test]
fn a_script_that_outlives_the_timeout_runs_once() {
    let server = RedisServer::start();
    // INCR, then keep the server busy for 300 ms: longer than the 100 ms read timeout. Valkey's
    // TIME stays at the script's start until busy-reply-threshold (5 s) refreshes it, so there
    // the loop also ends after 300 ms of CPU time (os.clock: Valkey has it, Redis 6.2 and 7.0
    // do not; CPU time never runs ahead of wall time).
    let script = Script::new(
        "redis.call('INCR', KEYS[1]) \
         local os = rawget(_G, 'os') \
         local clock = os and os.clock \
         local c0 = clock and clock() \
         local t0 = redis.call('TIME') \
         local start = tonumber(t0[1]) * 1000000 + tonumber(t0[2]) \
         while true do \
           local t = redis.call('TIME') \
           if tonumber(t[1]) * 1000000 + tonumber(t[2]) - start > 300000 then break end \
           if clock and clock() - c0 > 0.3 then break end \
         end \
         return 1",
    );
    let loader = Client::open(&server.url()).unwrap();
    script.load(&loader).unwrap();
    // Under the default policy (and with a pause long enough for the script to finish, so a
    // blind retry would run it again), the timed-out EVALSHA is not re-sent.
    let client = Client::builder()
        .url(&server.url())
        .read_timeout(Duration::from_millis(100))
        .retry(Retry::new(
            ConstantBackoff::new(Duration::from_millis(400)),
            3,
        ))
        .build()
        .unwrap();
    let e = script.invoke::<i64>(&client, "counter", ()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    // The script may still be running (on a slow machine, or one whose scripts answer BUSY early):
    // read only once it has finished.
    let counter = || {
        wait_until(Duration::from_secs(10), "the script to finish", || {
            !server.raw_command(&["PING"]).starts_with("-BUSY")
        });
        loader.get::<i64>("counter").unwrap()
    };
    assert_eq!(counter(), Some(1));
    // Opting in to replaying writes shows what the default protects against.
    let replaying = Client::builder()
        .url(&server.url())
        .read_timeout(Duration::from_millis(100))
        .retry(Retry::new(ConstantBackoff::new(Duration::from_millis(400)), 1).replay_writes(true))
        .build()
        .unwrap();
    let _ = script.invoke::<i64>(&replaying, "counter", ());
    assert_eq!(counter(), Some(3), "replayed once: two more runs");
}

#[test]
fn a_read_is_retried_on_a_new_connection_after_a_timeout() {
    let fake = FakeServer::start(vec![
        vec![Step::expect("GET"), Step::AcceptThenSilent],
        vec![Step::expect("GET"), Step::reply("$1\r\nv\r\n")],
    ]);
    let client = Client::builder()
        .connection_config(bare(fake.port()).read_timeout(Duration::from_millis(100)))
        .retry(quick_retry(2))
        .build()
        .unwrap();
    assert_eq!(client.get::<String>("k").unwrap().as_deref(), Some("v"));
    assert_eq!(fake.command_names(), ["GET", "GET"]);
    assert_eq!(client.retry_stats().retries, 1);
    assert_eq!(client.retry_stats().gave_up, 0);
    assert_eq!(redisync::retry::last_attempts(), 2);
}

#[test]
fn a_write_whose_reply_was_lost_is_not_sent_again() {
    let fake = FakeServer::start(vec![
        vec![Step::expect("INCR"), Step::AcceptThenSilent],
        vec![Step::expect("INCR"), Step::reply(":2\r\n")],
    ]);
    let client = Client::builder()
        .connection_config(bare(fake.port()).read_timeout(Duration::from_millis(100)))
        .retry(quick_retry(3))
        .build()
        .unwrap();
    let e = client.incr("n").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    // The call has returned, so every attempt it made has been made: exactly one INCR.
    assert_eq!(fake.command_names(), ["INCR"]);
}

#[test]
fn loading_is_retried_only_when_asked_for() {
    let script = vec![
        Step::expect("GET"),
        Step::reply("-LOADING Redis is loading the dataset in memory\r\n"),
        Step::expect("GET"),
        Step::reply("$2\r\nok\r\n"),
    ];
    let fake = FakeServer::with_script(script[..2].to_vec());
    let plain = Client::builder()
        .connection_config(bare(fake.port()))
        .retry(quick_retry(3))
        .build()
        .unwrap();
    let e = plain.get::<String>("k").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BusyLoading);
    assert!(e.is_retryable());

    let fake = FakeServer::with_script(script);
    let patient = Client::builder()
        .connection_config(bare(fake.port()))
        .retry(quick_retry(3))
        .retry_on_error([ErrorKind::BusyLoading])
        .build()
        .unwrap();
    assert_eq!(patient.get::<String>("k").unwrap().as_deref(), Some("ok"));
    assert_eq!(
        fake.command_names(),
        ["GET", "GET"],
        "same connection, sent again"
    );
}

#[test]
fn a_wrong_password_is_not_retried_by_default() {
    let fake = FakeServer::repeating(vec![
        Step::expect("AUTH"),
        Step::reply("-WRONGPASS invalid username-password pair\r\n"),
    ]);
    let client = Client::builder()
        .connection_config(bare(fake.port()).password("nope"))
        .retry(quick_retry(5))
        .build()
        .unwrap();
    let e = client.get::<String>("k").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication);
    assert_eq!(fake.connections(), 1);
}

#[test]
fn a_blackholed_server_fails_within_the_computed_bound() {
    let hole = BlackholeListener::start();
    let client = Client::builder()
        .host("127.0.0.1", hole.port())
        .connect_timeout(Duration::from_millis(200))
        .retry(Retry::new(
            ConstantBackoff::new(Duration::from_millis(50)),
            2,
        ))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = client.get::<String>("k").unwrap_err();
    let took = started.elapsed();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert_eq!(
        (client.retry_stats().retries, client.retry_stats().gave_up),
        (2, 1)
    );
    // (retries + 1) x timeout + the backoff sum = 3 x 200 + 2 x 50 = 700 ms.
    assert!(took >= Duration::from_millis(600), "{took:?}");
    assert!(took < Duration::from_millis(700 + 500), "{took:?}");
}

#[test]
fn the_overall_deadline_cuts_retries_short() {
    let hole = BlackholeListener::start();
    let client = Client::builder()
        .host("127.0.0.1", hole.port())
        .connect_timeout(Duration::from_millis(100))
        .retry(
            Retry::new(ConstantBackoff::new(Duration::from_millis(100)), 50)
                .deadline(Duration::from_millis(450)),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    let e = client.get::<String>("k").unwrap_err();
    let took = started.elapsed();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(took < Duration::from_millis(450 + 300), "{took:?}");
}

#[test]
fn blocking_commands_wait_their_own_timeout_and_are_never_reissued() {
    let server = RedisServer::start();
    let client = Client::builder()
        .url(&server.url())
        .socket_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = Instant::now();
    let v: Value = cmd("BLPOP").arg("empty").arg(1).query(&client).unwrap();
    let took = started.elapsed();
    assert_eq!(v, Value::Nil);
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "{took:?}"
    );
    assert_eq!(server.command_calls("blpop"), 1);
    // A value pushed while it waits is returned.
    let pusher = Client::open(&server.url()).unwrap();
    let t = std::thread::spawn(move || {
        wait_until(Duration::from_secs(5), "BLPOP to block", || {
            pusher
                .get_connection()
                .and_then(|mut c| cmd("CLIENT").arg("LIST").query::<String>(&mut c))
                .unwrap()
                .contains("cmd=blpop")
        });
        pusher.set("marker", 1).unwrap();
        cmd("RPUSH")
            .arg("q")
            .arg("item")
            .query::<i64>(&pusher)
            .unwrap();
    });
    let (list, item): (String, String) = cmd("BLPOP").arg("q").arg(5).query(&client).unwrap();
    assert_eq!((list.as_str(), item.as_str()), ("q", "item"));
    t.join().unwrap();
}

#[test]
fn health_checks_ping_idle_connections_only() {
    let server = RedisServer::start();
    let client = Client::builder()
        .url(&server.url())
        .health_check_interval(Duration::from_millis(150))
        .build()
        .unwrap();
    // The fixture's own readiness check PINGed once.
    let baseline = server.command_calls("ping");
    // Continuous load, each command well within the interval of the last: no PING at all.
    let until = Instant::now() + Duration::from_millis(600);
    let mut n = 0;
    while Instant::now() < until {
        client.set("busy", n).unwrap();
        n += 1;
    }
    assert!(n > 10);
    assert_eq!(
        server.command_calls("ping"),
        baseline,
        "no health check under load"
    );
    // Idle longer than the interval: exactly one PING before the next command.
    std::thread::sleep(Duration::from_millis(250));
    client.get::<i64>("busy").unwrap();
    assert_eq!(server.command_calls("ping"), baseline + 1);
    assert_eq!(client.retry_stats().health_checks, 1);
}

#[test]
fn a_failed_health_check_replaces_the_connection() {
    // First connection: answers the command, then never answers the health-check PING.
    let fake = FakeServer::start(vec![
        vec![
            Step::expect("SET"),
            Step::reply("+OK\r\n"),
            Step::expect("PING"),
            Step::AcceptThenSilent,
        ],
        vec![Step::expect("GET"), Step::reply("$1\r\n1\r\n")],
    ]);
    let client = Client::builder()
        .connection_config(bare(fake.port()).read_timeout(Duration::from_millis(100)))
        .health_check_interval(Duration::from_millis(50))
        .retry(quick_retry(2))
        .build()
        .unwrap();
    client.set("k", 1).unwrap();
    std::thread::sleep(Duration::from_millis(80));
    assert_eq!(client.get::<i64>("k").unwrap(), Some(1));
    assert_eq!(fake.command_names(), ["SET", "PING", "GET"]);
}

#[test]
fn bad_retry_settings_are_refused() {
    let e = Client::builder()
        .retry_on_error([ErrorKind::InvalidInput])
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("retry_on_error"), "{e}");
    let e = Client::builder()
        .health_check_interval(Duration::ZERO)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("health_check_interval"), "{e}");
    let e = redisync::ExponentialBackoff::new(Duration::from_secs(2), Duration::from_secs(1))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

#[test]
fn a_per_call_timeout_overrides_the_configured_one() {
    let server = RedisServer::start();
    let client = Client::builder()
        .url(&server.url())
        .retry(Retry::none())
        .build()
        .unwrap();
    let started = Instant::now();
    let e = cmd("DEBUG")
        .arg("SLEEP")
        .arg("0.5")
        .query::<Value>(client.with_timeout(Duration::from_millis(100)))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(started.elapsed() < Duration::from_millis(450));
    // The configured 10 s still applies to everything else.
    let ok: Value = cmd("DEBUG").arg("SLEEP").arg("0.2").query(&client).unwrap();
    assert_eq!(ok, Value::Okay);
    let mut p = redisync::Pipeline::new();
    p.add(&cmd("DEBUG").arg("SLEEP").arg("0.5"));
    let e = p
        .query::<Value>(client.with_timeout(Duration::from_millis(100)))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert_eq!(
        client
            .with_timeout(Duration::from_secs(1))
            .incr("n")
            .unwrap(),
        1
    );
}

#[test]
fn a_pipeline_of_writes_is_resent_only_when_declared_idempotent() {
    let scripts = || {
        vec![
            vec![Step::expect("SET"), Step::AcceptThenSilent],
            vec![Step::expect("SET"), Step::reply("+OK\r\n")],
        ]
    };
    let client_of = |fake: &FakeServer| {
        Client::builder()
            .connection_config(bare(fake.port()).read_timeout(Duration::from_millis(100)))
            .retry(quick_retry(2))
            .build()
            .unwrap()
    };
    // Not declared: a write whose reply was lost is not sent again.
    let fake = FakeServer::start(scripts());
    let e = redisync::pipe()
        .cmd::<()>(&cmd("SET").arg("k").arg(1))
        .query(&client_of(&fake))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(fake.command_names(), ["SET"]);
    // Declared idempotent: re-sent on a new connection, and it succeeds.
    let fake = FakeServer::start(scripts());
    let ((),) = redisync::pipe()
        .cmd::<()>(&cmd("SET").arg("k").arg(1))
        .idempotent()
        .query(&client_of(&fake))
        .unwrap();
    assert_eq!(fake.command_names(), ["SET", "SET"]);
}

#[test]
fn a_transaction_whose_first_watch_meets_a_dead_connection_is_retried_on_a_new_one() {
    // The first connection dies at the WATCH: nothing was watched, nothing ran. The second
    // carries the whole transaction.
    let fake = FakeServer::start(vec![
        vec![Step::expect("WATCH"), Step::Close],
        vec![
            Step::expect_args(&["WATCH", "k"]),
            Step::reply("+OK\r\n"),
            Step::expect_args(&["GET", "k"]),
            Step::reply("$-1\r\n"),
            Step::expect("MULTI"),
            Step::expect_args(&["SET", "k", "1"]),
            Step::expect("EXEC"),
            Step::reply("+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n"),
        ],
    ]);
    let client = Client::builder()
        .connection_config(bare(fake.port()))
        .retry(quick_retry(2))
        .build()
        .unwrap();
    let ((),): ((),) = client
        .transaction("k", |conn, pipe| {
            let now: Option<i64> = conn.get("k")?;
            pipe.set("k", now.unwrap_or(0) + 1);
            Ok(())
        })
        .unwrap();
    assert_eq!(redisync::retry::last_attempts(), 2);
    assert_eq!(fake.connections(), 2);
    fake.check();
}
