//! The multiplexed mode against a real server: many threads sharing a few connections, each
//! getting its own replies (unique values per call); a caller timing out while others wait on
//! the same connection; connections killed under load (no `INCR` runs twice); what goes to the
//! pool instead; panics in a caller, a push handler and a connect hook; health checks,
//! retirement; RESP2 and RESP3. The fault matrix has its own multiplexed rows
//! (tests/fault_matrix.rs).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use redisync::prelude::*;
use redisync::testing::{Direction, Fault, FaultProxy};
use redisync::{Client, Connection, Error, ErrorKind, FromValue, Protocol, Retry, Value, pipe};
use support::{RedisServer, wait_until};

fn mux_client(url: &str, protocol: Protocol, lanes: usize) -> redisync::ClientBuilder {
    Client::builder()
        .url(url)
        .protocol(protocol)
        .multiplex(lanes)
}

/// Kills every ordinary client connection of the server but the killer's own.
fn kill_all(server: &RedisServer) {
    server.raw_command(&["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"]);
}

fn many_threads(protocol: Protocol) {
    let server = RedisServer::start();
    let client = mux_client(&server.url(), protocol, 2).build().unwrap();
    const THREADS: usize = 24;
    const CALLS: usize = 300;
    let wrong = AtomicU64::new(0);
    let start = Barrier::new(THREADS);
    thread::scope(|s| {
        for t in 0..THREADS {
            let (client, wrong, start) = (&client, &wrong, &start);
            s.spawn(move || {
                start.wait();
                for i in 0..CALLS {
                    let k = format!("mt:{t}:{i}");
                    let v = format!("value {t} {i} {}", "x".repeat(i % 50));
                    client.set(&k, &v).unwrap();
                    let got: Option<String> = client.get(&k).unwrap();
                    let echoed: String = client.echo(&k).unwrap();
                    let n: i64 = client.incr(format!("{k}:n")).unwrap();
                    // A pipeline keeps its commands together, in order, in one frame.
                    let (e1, g, e2): (String, Option<String>, String) = pipe()
                        .echo(format!("{k}:a"))
                        .get(&k)
                        .echo(format!("{k}:b"))
                        .query(client)
                        .unwrap();
                    let fine = got.as_deref() == Some(v.as_str())
                        && echoed == k
                        && n == 1
                        && e1 == format!("{k}:a")
                        && g.as_deref() == Some(v.as_str())
                        && e2 == format!("{k}:b");
                    if !fine {
                        wrong.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    assert_eq!(wrong.load(Ordering::Relaxed), 0, "wrong replies");
    let stats = client.multiplex_stats().unwrap();
    assert_eq!(stats.connections, 2);
    // 4 commands + a 3-command pipeline per iteration, all through the shared connections.
    assert_eq!(stats.commands, (THREADS * CALLS * 7) as u64);
    assert!(
        stats.frames < stats.commands,
        "no frame carried more than one caller's commands: {stats:?}"
    );
    assert_eq!(
        stats.connects, 2,
        "a shared connection was replaced: {stats:?}"
    );
    assert_eq!(client.get_connection().unwrap().protocol(), protocol);
}

#[test]
fn many_threads_get_their_own_replies_resp2() {
    many_threads(Protocol::Resp2);
}

#[test]
fn many_threads_get_their_own_replies_resp3() {
    many_threads(Protocol::Resp3);
}

/// One shared connection behind a proxy that holds replies back: a caller with a short
/// timeout gives up at its deadline; its reply is read later and dropped, and the connection
/// carries on in step (the next caller gets its own reply, nothing was reconnected).
#[test]
fn a_caller_timing_out_leaves_the_connection_in_step() {
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.addr()).unwrap();
    let client = mux_client(&proxy.url(), Protocol::Resp3, 1)
        .read_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    assert_eq!(client.echo::<String>("warm").unwrap(), "warm");
    proxy.set_fault(Fault::Delay {
        delay: Duration::from_millis(400),
        direction: Direction::ToClient,
    });
    let started = Instant::now();
    let r = client
        .with_timeout(Duration::from_millis(60))
        .incr("timed-out-incr");
    let took = started.elapsed();
    assert!(
        matches!(r, Err(ref e) if e.kind() == ErrorKind::Timeout),
        "{r:?}"
    );
    assert!(took < Duration::from_millis(300), "returned after {took:?}");
    proxy.clear();
    // Queued behind the abandoned reply, on the same connection.
    assert_eq!(client.echo::<String>("after").unwrap(), "after");
    for i in 0..50 {
        let tok = format!("tok{i}");
        assert_eq!(client.echo::<String>(&tok).unwrap(), tok);
    }
    let stats = client.multiplex_stats().unwrap();
    assert_eq!(stats.dropped_replies, 1, "{stats:?}");
    assert_eq!(stats.connects, 1, "the connection was replaced: {stats:?}");
    // It ran once, and was not sent again after the caller gave up.
    assert_eq!(client.get::<i64>("timed-out-incr").unwrap(), Some(1));
}

/// Under load, with replies held back, callers with a short timeout give up mid-frame while
/// callers without one get exactly their own replies.
#[test]
fn short_deadlines_mid_frame_under_load() {
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.addr()).unwrap();
    let client = mux_client(&proxy.url(), Protocol::Resp2, 1)
        .read_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    proxy.set_fault(Fault::Delay {
        delay: Duration::from_millis(120),
        direction: Direction::ToClient,
    });
    let wrong = AtomicU64::new(0);
    let timeouts = AtomicU64::new(0);
    let patient_ok = AtomicU64::new(0);
    thread::scope(|s| {
        for t in 0..12 {
            let (client, wrong, timeouts, patient_ok) = (&client, &wrong, &timeouts, &patient_ok);
            s.spawn(move || {
                for i in 0..15 {
                    let tok = format!("{t}:{i}");
                    if t % 3 == 0 {
                        match client
                            .with_timeout(Duration::from_millis(30))
                            .echo::<String>(&tok)
                        {
                            Ok(got) if got == tok => {}
                            Ok(_) => {
                                wrong.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(e) if e.kind() == ErrorKind::Timeout => {
                                timeouts.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(e) => panic!("unexpected {e}"),
                        }
                    } else {
                        let got: String = client.echo(&tok).unwrap();
                        if got == tok {
                            patient_ok.fetch_add(1, Ordering::Relaxed);
                        } else {
                            wrong.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            });
        }
    });
    proxy.clear();
    assert_eq!(wrong.load(Ordering::Relaxed), 0);
    assert_eq!(patient_ok.load(Ordering::Relaxed), 8 * 15);
    assert!(timeouts.load(Ordering::Relaxed) > 0);
    let stats = client.multiplex_stats().unwrap();
    assert_eq!(stats.connects, 1, "{stats:?}");
    wait_until(
        Duration::from_secs(5),
        "the late replies to be dropped",
        || client.multiplex_stats().unwrap().dropped_replies > 0,
    );
}

/// Connections killed under load: a repeatable command is retried and gets its own value; an
/// `INCR` whose reply was lost is never sent again (the server counts each at most once).
#[test]
fn killed_connections_under_load_never_run_an_incr_twice() {
    let server = RedisServer::start();
    let client = mux_client(&server.url(), Protocol::Resp3, 2)
        .retry(Retry::default().deadline(Duration::from_secs(5)))
        .build()
        .unwrap();
    let stop = AtomicBool::new(false);
    let wrong = AtomicU64::new(0);
    let incr_errors = AtomicU64::new(0);
    let keys: Vec<Vec<String>> = thread::scope(|s| {
        let workers: Vec<_> = (0..8)
            .map(|t| {
                let (client, stop, wrong, incr_errors) = (&client, &stop, &wrong, &incr_errors);
                s.spawn(move || {
                    let mut keys = Vec::new();
                    let mut i = 0;
                    while !stop.load(Ordering::Relaxed) || i < 50 {
                        i += 1;
                        let k = format!("kill:{t}:{i}");
                        keys.push(k.clone());
                        match client.incr(&k) {
                            Ok(1) => {}
                            Ok(_) => {
                                wrong.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(e) => {
                                assert!(
                                    e.is_connection_error() || e.is_timeout(),
                                    "unexpected {e}"
                                );
                                incr_errors.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        // Repeatable: retried through the kills, always its own value.
                        let tok = format!("echo:{t}:{i}");
                        if client.echo::<String>(&tok).unwrap() != tok {
                            wrong.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    keys
                })
            })
            .collect();
        let killer = Connection::open(&server.url()).unwrap();
        drop(killer);
        for _ in 0..20 {
            kill_all(&server);
            wait_until(Duration::from_secs(5), "the load to resume", || {
                client.echo::<String>("probe").is_ok()
            });
        }
        stop.store(true, Ordering::Relaxed);
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    assert_eq!(wrong.load(Ordering::Relaxed), 0, "wrong replies");
    let keys: Vec<String> = keys.into_iter().flatten().collect();
    let direct = Client::open(&server.url()).unwrap();
    let mut ones = 0u64;
    for chunk in keys.chunks(1000) {
        let values: Vec<Option<i64>> = direct.mget(chunk).unwrap();
        for v in values {
            match v {
                None => {}
                Some(1) => ones += 1,
                Some(n) => panic!("an INCR ran {n} times"),
            }
        }
    }
    assert_eq!(server.command_calls("incr"), ones);
    let stats = client.multiplex_stats().unwrap();
    assert!(stats.connects > 2, "the kills did not bite: {stats:?}");
    assert!(client.retry_stats().retries > 0);
    eprintln!(
        "killed under load: {} INCRs, {ones} ran, {} failed; {stats:?}, {:?}",
        keys.len(),
        incr_errors.load(Ordering::Relaxed),
        client.retry_stats()
    );
}

/// Blocking commands, transactions, atomic pipelines and checked-out connections take pooled
/// connections of their own: none goes through the shared connection, which keeps serving
/// while a `BLPOP` waits.
#[test]
fn blocking_commands_and_transactions_go_to_the_pool() {
    let server = RedisServer::start();
    let client = mux_client(&server.url(), Protocol::Resp3, 1)
        .build()
        .unwrap();
    assert_eq!(client.echo::<String>("warm").unwrap(), "warm");
    let before = client.multiplex_stats().unwrap().commands;
    let popped = AtomicBool::new(false);
    thread::scope(|s| {
        let waiter = s.spawn(|| {
            let r: Option<(String, String)> =
                client.blpop("bq", Some(Duration::from_secs(5))).unwrap();
            popped.store(true, Ordering::SeqCst);
            r
        });
        wait_until(Duration::from_secs(5), "the BLPOP to block", || {
            server.blocked_clients() == 1
        });
        // The shared connection is not the one blocked.
        for i in 0..20 {
            let tok = format!("while blocked {i}");
            assert_eq!(client.echo::<String>(&tok).unwrap(), tok);
        }
        assert!(!popped.load(Ordering::SeqCst));
        client.lpush("bq", "item").unwrap();
        assert_eq!(
            waiter.join().unwrap(),
            Some(("bq".to_string(), "item".to_string()))
        );
    });
    let shared = client.multiplex_stats().unwrap().commands - before;
    // The ECHOs and the LPUSH only.
    assert_eq!(shared, 21);

    let before = client.multiplex_stats().unwrap().commands;
    let ((), n): ((), i64) = client
        .transaction("tx-key", |conn, p| {
            let cur: Option<i64> = conn.get("tx-key")?;
            p.set("tx-key", cur.unwrap_or(0) + 5).incr("tx-key");
            Ok(())
        })
        .unwrap();
    assert_eq!(n, 6);
    let ((), m): ((), i64) = pipe()
        .atomic()
        .set("atomic", 1)
        .incr("atomic")
        .query(&client)
        .unwrap();
    assert_eq!(m, 2);
    let mut conn = client.get_connection().unwrap();
    assert_eq!(conn.echo::<String>("mine").unwrap(), "mine");
    drop(conn);
    assert_eq!(client.multiplex_stats().unwrap().commands, before);
}

/// A reply type whose conversion panics.
struct Boom;

impl FromValue for Boom {
    fn from_value(_: Value) -> redisync::Result<Boom> {
        panic!("a caller's conversion panicked");
    }
}

/// Callers that panic (in their reply's conversion) while others share the connection: the
/// others go on getting their own replies.
#[test]
fn a_panicking_caller_does_not_desync_the_others() {
    let server = RedisServer::start();
    let client = mux_client(&server.url(), Protocol::Resp2, 1)
        .build()
        .unwrap();
    let wrong = AtomicU64::new(0);
    let panics = AtomicU64::new(0);
    thread::scope(|s| {
        for t in 0..8 {
            let (client, wrong, panics) = (&client, &wrong, &panics);
            s.spawn(move || {
                for i in 0..200 {
                    let tok = format!("{t}:{i}");
                    if t % 4 == 0 && i % 5 == 0 {
                        let r = catch_unwind(AssertUnwindSafe(|| client.echo::<Boom>(&tok)));
                        assert!(r.is_err());
                        panics.fetch_add(1, Ordering::Relaxed);
                    } else if client.echo::<String>(&tok).unwrap() != tok {
                        wrong.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    assert_eq!(wrong.load(Ordering::Relaxed), 0);
    assert_eq!(panics.load(Ordering::Relaxed), 2 * 40);
    assert_eq!(client.multiplex_stats().unwrap().connects, 1);
}

/// A push sink that panics runs on the shared connection's thread: the thread survives, the
/// connection is replaced, and every later call gets its own reply.
#[test]
fn a_panicking_push_sink_does_not_stop_the_shared_connection() {
    let server = RedisServer::start();
    let panicked = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&panicked);
    let client = mux_client(&server.url(), Protocol::Resp3, 1)
        .on_connect(|conn| redisync::cmd("CLIENT").arg("TRACKING").arg("ON").exec(conn))
        .on_push(move |_, _| {
            if !flag.swap(true, Ordering::SeqCst) {
                panic!("the push sink panicked");
            }
        })
        .build()
        .unwrap();
    client.set("tracked", "v1").unwrap();
    assert_eq!(
        client.get::<String>("tracked").unwrap().as_deref(),
        Some("v1")
    );
    // Another client's write sends an invalidation to the shared connection.
    let direct = Client::open(&server.url()).unwrap();
    direct.set("tracked", "v2").unwrap();
    wait_until(Duration::from_secs(5), "the sink to run", || {
        panicked.load(Ordering::SeqCst)
    });
    for i in 0..50 {
        let tok = format!("after the panic {i}");
        assert_eq!(client.echo::<String>(&tok).unwrap(), tok);
    }
    assert_eq!(
        client.get::<String>("tracked").unwrap().as_deref(),
        Some("v2")
    );
    assert!(client.multiplex_stats().unwrap().connects >= 2);
}

/// A connect hook that panics on the shared connection's thread fails that attempt only; the
/// retry gets a connection.
#[test]
fn a_panicking_connect_hook_fails_one_attempt() {
    let server = RedisServer::start();
    let first = Arc::new(AtomicBool::new(true));
    let hook_first = Arc::clone(&first);
    let client = mux_client(&server.url(), Protocol::Resp3, 1)
        .on_connect(move |_| {
            if hook_first.swap(false, Ordering::SeqCst) {
                panic!("the connect hook panicked");
            }
            Ok(())
        })
        .build()
        .unwrap();
    assert_eq!(client.echo::<String>("survives").unwrap(), "survives");
    assert!(!first.load(Ordering::SeqCst));
    assert_eq!(client.retry_stats().retries, 1);
    // The pool's slot was given back.
    assert_eq!(client.pool_state().total, 1);
}

/// A shared connection that idled past `health_check_interval` is PINGed before the next
/// frame; one the server closed meanwhile is replaced, with no retry of the caller's command.
#[test]
fn health_checks_replace_a_dead_shared_connection() {
    let server = RedisServer::start();
    let client = mux_client(&server.url(), Protocol::Resp3, 1)
        .health_check_interval(Duration::from_millis(20))
        .retry(Retry::none())
        .build()
        .unwrap();
    client.set("hc", "v").unwrap();
    kill_all(&server);
    // Idle time is what is tested: the sleep makes it, it waits for no event.
    thread::sleep(Duration::from_millis(60));
    assert_eq!(client.get::<String>("hc").unwrap().as_deref(), Some("v"));
    let stats = client.multiplex_stats().unwrap();
    assert_eq!(stats.connects, 2, "{stats:?}");
    assert_eq!(client.retry_stats().retries, 0);
}

/// `retire_connections` replaces the shared connections too.
#[test]
fn retired_shared_connections_are_replaced() {
    let server = RedisServer::start();
    let client = mux_client(&server.url(), Protocol::Resp2, 2)
        .build()
        .unwrap();
    for i in 0..4 {
        client.set(format!("r{i}"), i).unwrap();
    }
    assert_eq!(client.multiplex_stats().unwrap().connects, 2);
    client.retire_connections();
    for i in 0..4 {
        assert_eq!(client.get::<i64>(format!("r{i}")).unwrap(), Some(i));
    }
    assert_eq!(client.multiplex_stats().unwrap().connects, 4);
}

/// Misses of a client-side cache take the pool; hits are answered from the cache; writes
/// share the connection and still invalidate.
#[test]
fn the_cache_works_alongside() {
    let server = RedisServer::start();
    let client = mux_client(&server.url(), Protocol::Resp3, 1)
        .cache(redisync::CacheConfig::new())
        .build()
        .unwrap();
    client.set("ck", "one").unwrap();
    let shared = client.multiplex_stats().unwrap().commands;
    assert_eq!(client.get::<String>("ck").unwrap().as_deref(), Some("one"));
    assert_eq!(client.get::<String>("ck").unwrap().as_deref(), Some("one"));
    assert_eq!(client.cache_stats().unwrap().hits, 1);
    assert_eq!(client.multiplex_stats().unwrap().commands, shared);
    client.set("ck", "two").unwrap();
    assert_eq!(client.get::<String>("ck").unwrap().as_deref(), Some("two"));
}

#[test]
fn the_setting_is_checked() {
    let e = Client::builder().multiplex(0).build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let e = Client::builder()
        .max_connections(4)
        .multiplex(4)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("multiplex"), "{e}");
    let client = Client::builder()
        .max_connections(4)
        .multiplex(3)
        .build()
        .unwrap();
    assert_eq!(client.multiplex_stats().unwrap().connections, 3);
    assert!(
        Client::builder()
            .build()
            .unwrap()
            .multiplex_stats()
            .is_none()
    );
}

/// Bad input is refused before anything is queued and costs the others nothing.
#[test]
fn an_unknown_command_gets_its_own_error() {
    let server = RedisServer::start();
    let client = mux_client(&server.url(), Protocol::Resp2, 1)
        .build()
        .unwrap();
    let r: Result<Value, Error> = redisync::cmd("NOSUCHCOMMAND").arg("x").query(&client);
    assert!(r.is_err());
    assert_eq!(client.echo::<String>("fine").unwrap(), "fine");
}

/// A command larger than 64 KiB takes the pool, so its write cannot hold up the callers queued
/// behind it; it works the same.
#[test]
fn a_large_command_takes_the_pool() {
    let server = RedisServer::start();
    let client = mux_client(&server.url(), Protocol::Resp3, 1)
        .build()
        .unwrap();
    client.set("small", "v").unwrap();
    let before = client.multiplex_stats().unwrap().commands;
    let big = vec![b'z'; 100 * 1024];
    client.set("big", &big).unwrap();
    assert_eq!(client.multiplex_stats().unwrap().commands, before);
    // Its reply is large, but the command is small: it shares.
    assert_eq!(client.get::<Vec<u8>>("big").unwrap(), Some(big));
    assert_eq!(client.multiplex_stats().unwrap().commands, before + 1);
}

/// The other public paths through a shared `&Client`: a script (its `NOSCRIPT`, `SCRIPT LOAD`,
/// `EVALSHA` again), a scan iterator, `cmd()`, `without_cache()`, from many threads at once.
#[test]
fn scripts_scans_and_raw_commands_share_too() {
    let server = RedisServer::start();
    let client = mux_client(&server.url(), Protocol::Resp3, 2)
        .build()
        .unwrap();
    for i in 0..300 {
        client.set(format!("scan:{i}"), i).unwrap();
    }
    let script = redisync::Script::new("return {KEYS[1], ARGV[1]}");
    let before = client.multiplex_stats().unwrap().commands;
    thread::scope(|s| {
        for t in 0..8 {
            let (client, script) = (&client, &script);
            s.spawn(move || {
                for i in 0..40 {
                    let (k, a) = (format!("key {t} {i}"), format!("arg {t} {i}"));
                    let got: (String, String) = script.key(&k).arg(&a).invoke(client).unwrap();
                    assert_eq!(got, (k, a));
                    let tok = format!("raw {t} {i}");
                    let echoed: String = redisync::cmd("ECHO").arg(&tok).query(client).unwrap();
                    assert_eq!(echoed, tok);
                    let n: i64 = client.without_cache().incr(format!("u {t} {i}")).unwrap();
                    assert_eq!(n, 1);
                }
                let mut seen: Vec<String> = redisync::scan::<String, _>(
                    client,
                    redisync::ScanOptions::new().pattern("scan:*").count(40),
                )
                .collect::<Result<_, _>>()
                .unwrap();
                seen.sort();
                seen.dedup();
                assert_eq!(seen.len(), 300, "thread {t}");
            });
        }
    });
    // Every invocation went as EVALSHA, on the shared connections.
    assert!(server.command_calls("evalsha") >= 8 * 40);
    assert!(client.multiplex_stats().unwrap().commands > before + 8 * 40 * 3);
}

/// Maintenance notifications reach the shared connections as on pooled ones: after
/// `MIGRATING`, replies slower than the read timeout (but within the relaxed one) fail no
/// caller, and the shared connections are not replaced.
#[test]
fn migrating_relaxes_the_shared_connections() {
    use redisync::testing::{MaintenanceSimulator, Notification, Target};
    let server = RedisServer::start();
    let sim = MaintenanceSimulator::start(server.addr()).unwrap();
    let client = mux_client(&sim.url(), Protocol::Resp3, 2)
        .read_timeout(Duration::from_millis(300))
        .maintenance(redisync::MaintenanceConfig::new().relaxed_timeout(Duration::from_secs(2)))
        .build()
        .unwrap();
    for i in 0..4 {
        client.set(format!("warm{i}"), i).unwrap();
    }
    let stop = AtomicBool::new(false);
    let (ok, failed, wrong) = (AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0));
    thread::scope(|s| {
        for t in 0..8 {
            let (client, stop, ok, failed, wrong) = (&client, &stop, &ok, &failed, &wrong);
            s.spawn(move || {
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let (k, v) = (format!("mig:{t}:{i}"), format!("v{t}:{i}"));
                    match client.set(&k, &v).and_then(|()| client.get::<String>(&k)) {
                        Ok(Some(got)) if got == v => ok.fetch_add(1, Ordering::Relaxed),
                        Ok(_) => wrong.fetch_add(1, Ordering::Relaxed),
                        Err(e) => {
                            eprintln!("failed: {e}");
                            failed.fetch_add(1, Ordering::Relaxed)
                        }
                    };
                }
            });
        }
        wait_until(Duration::from_secs(5), "load to run", || {
            ok.load(Ordering::Relaxed) > 100
        });
        sim.notify(
            &Notification::Migrating {
                seq: 1,
                time: Duration::from_secs(10),
            },
            Target::Handshaken,
        );
        wait_until(
            Duration::from_secs(5),
            "the shared connections to relax",
            || client.maintenance_stats().unwrap().relaxed_now >= 2,
        );
        // Replies slower than the 300 ms read timeout, faster than the relaxed 2 s.
        sim.delay_replies(Duration::from_millis(500));
        let slow_from = ok.load(Ordering::Relaxed);
        wait_until(
            Duration::from_secs(10),
            "calls to succeed through the delay",
            || ok.load(Ordering::Relaxed) >= slow_from + 16,
        );
        sim.delay_replies(Duration::ZERO);
        sim.notify(&Notification::Migrated { seq: 2 }, Target::Handshaken);
        stop.store(true, Ordering::Relaxed);
    });
    assert_eq!(failed.load(Ordering::Relaxed), 0);
    assert_eq!(wrong.load(Ordering::Relaxed), 0);
    assert_eq!(client.multiplex_stats().unwrap().connects, 2);
}
