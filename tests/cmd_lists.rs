//! The list commands (`ListCommands`) against a real server, on RESP2 and RESP3 alike: the
//! values a user checks, the edge replies (missing keys, empty lists, `WRONGTYPE`, binary
//! elements), and the blocking commands: served at once, timing out, and waiting (longer than
//! the connection's read timeout, or for ever) for an element another connection pushes.
//!
//!     REDIS_SERVER_BIN=/path/to/server cargo test --all-features --test cmd_lists

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients;
mod support;

use std::thread;
use std::time::{Duration, Instant};

use clients::{assert_unknown_command, assert_wrongtype, flush, impatient, per_protocol};
use redisync::prelude::*;
use redisync::{Error, InsertPosition, LposOptions, Protocol, Side};
use support::RedisServer;

const MS: fn(u64) -> Duration = Duration::from_millis;
const BIN_KEY: &[u8] = b"l\r\n\xff\x00";
const BIN: &[u8] = b"\xff\r\n\x00e";

/// LMPOP and BLMPOP: Redis 7.0 (and so Valkey).
fn has_lmpop(server: &RedisServer) -> bool {
    server.version() >= (7, 0, 0)
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn push_pop_range_and_edit() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        assert_eq!(c.lpush("l", ["a", "b", "c"]).unwrap(), 3);
        assert_eq!(c.lrange::<String>("l", 0, -1).unwrap(), ["c", "b", "a"]);
        assert_eq!(c.rpush("l", "d").unwrap(), 4);
        assert_eq!(c.rpushx("l", ["e", "f"]).unwrap(), 6);
        assert_eq!(c.lpushx("l", ["z"]).unwrap(), 7);
        assert_eq!(c.lpushx("missing", "x").unwrap(), 0);
        assert_eq!(c.rpushx("missing", "x").unwrap(), 0);
        assert_eq!(c.exists("missing").unwrap(), 0);
        assert_eq!(c.llen("l").unwrap(), 7);
        assert_eq!(c.llen("missing").unwrap(), 0);
        assert_eq!(c.lrange::<String>("l", 1, 2).unwrap(), ["c", "b"]);
        assert_eq!(c.lrange::<String>("l", -2, -1).unwrap(), ["e", "f"]);
        assert!(c.lrange::<String>("l", 100, 200).unwrap().is_empty());
        assert!(c.lrange::<String>("missing", 0, -1).unwrap().is_empty());

        assert_eq!(c.lindex::<String>("l", 0).unwrap().as_deref(), Some("z"));
        assert_eq!(c.lindex::<String>("l", -1).unwrap().as_deref(), Some("f"));
        assert_eq!(c.lindex::<String>("l", 100).unwrap(), None);
        assert_eq!(c.lindex::<String>("missing", 0).unwrap(), None);

        // LINSERT: the new length; None for a missing pivot; Some(0) for a missing key.
        assert_eq!(
            c.linsert("l", InsertPosition::Before, "a", "before-a")
                .unwrap(),
            Some(8)
        );
        assert_eq!(
            c.linsert("l", InsertPosition::After, "a", "after-a")
                .unwrap(),
            Some(9)
        );
        assert_eq!(
            c.lrange::<String>("l", 3, 5).unwrap(),
            ["before-a", "a", "after-a"]
        );
        assert_eq!(
            c.linsert("l", InsertPosition::Before, "nope", "x").unwrap(),
            None
        );
        assert_eq!(
            c.linsert("missing", InsertPosition::After, "a", "x")
                .unwrap(),
            Some(0)
        );

        c.lset("l", 0, "Z").unwrap();
        c.lset("l", -1, "F").unwrap();
        assert_eq!(c.lindex::<String>("l", 0).unwrap().as_deref(), Some("Z"));
        assert_eq!(c.lindex::<String>("l", -1).unwrap().as_deref(), Some("F"));
        let e = c.lset("l", 100, "x").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Response, "{e}");
        assert!(e.to_string().contains("out of range"), "{e}");
        let e = c.lset("missing", 0, "x").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Response, "{e}");
        assert!(e.to_string().contains("no such key"), "{e}");

        c.ltrim("l", 1, -2).unwrap();
        assert_eq!(c.llen("l").unwrap(), 7);
        assert_eq!(c.lindex::<String>("l", 0).unwrap().as_deref(), Some("c"));
        c.ltrim("l", 5, 1).unwrap();
        assert_eq!(c.exists("l").unwrap(), 0, "an empty range deletes the key");
        c.ltrim("missing", 0, 1).unwrap();

        // LREM from the head, from the tail, and all.
        c.rpush("r", ["x", "y", "x", "y", "x", "y", "x"]).unwrap();
        assert_eq!(c.lrem("r", 2, "x").unwrap(), 2);
        assert_eq!(
            c.lrange::<String>("r", 0, -1).unwrap(),
            ["y", "y", "x", "y", "x"]
        );
        assert_eq!(c.lrem("r", -1, "y").unwrap(), 1);
        assert_eq!(
            c.lrange::<String>("r", 0, -1).unwrap(),
            ["y", "y", "x", "x"]
        );
        assert_eq!(c.lrem("r", 0, "y").unwrap(), 2);
        assert_eq!(c.lrem("r", 0, "nope").unwrap(), 0);
        assert_eq!(c.lrem("missing", 0, "x").unwrap(), 0);

        // Pops, one at a time and counted.
        c.rpush("p", [1, 2, 3, 4, 5, 6]).unwrap();
        assert_eq!(c.lpop::<i64>("p").unwrap(), Some(1));
        assert_eq!(c.rpop::<i64>("p").unwrap(), Some(6));
        assert_eq!(c.lpop_count::<i64>("p", 2).unwrap(), [2, 3]);
        assert_eq!(c.rpop_count::<i64>("p", 5).unwrap(), [5, 4]);
        assert_eq!(c.exists("p").unwrap(), 0);
        assert_eq!(c.lpop::<i64>("p").unwrap(), None);
        assert_eq!(c.rpop::<i64>("p").unwrap(), None);
        assert!(c.lpop_count::<i64>("p", 2).unwrap().is_empty());
        assert!(c.rpop_count::<i64>("p", 2).unwrap().is_empty());
    }
}

#[test]
fn binary_keys_and_elements_round_trip() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        assert_eq!(c.rpush(BIN_KEY, [BIN, b"plain"]).unwrap(), 2);
        assert_eq!(
            c.lrange::<Vec<u8>>(BIN_KEY, 0, -1).unwrap(),
            [BIN.to_vec(), b"plain".to_vec()]
        );
        assert_eq!(c.lpos(BIN_KEY, BIN, LposOptions::new()).unwrap(), Some(0));
        assert_eq!(
            c.linsert(BIN_KEY, InsertPosition::After, BIN, BIN).unwrap(),
            Some(3)
        );
        assert_eq!(c.lrem(BIN_KEY, 0, BIN).unwrap(), 2);
        let e = c.lpop::<String>(BIN_KEY).unwrap();
        assert_eq!(e.as_deref(), Some("plain"));
        c.rpush(BIN_KEY, BIN).unwrap();
        let e = c.lindex::<String>(BIN_KEY, 0).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion, "{e}");
        let got: Option<(Vec<u8>, Vec<u8>)> = c.blpop(BIN_KEY, Some(MS(100))).unwrap();
        assert_eq!(got, Some((BIN_KEY.to_vec(), BIN.to_vec())));
    }
}

#[test]
fn moves_between_lists_and_pops_from_the_first_non_empty() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        c.rpush("src", ["1", "2", "3"]).unwrap();
        let v: Option<String> = c.lmove("src", "dst", Side::Right, Side::Left).unwrap();
        assert_eq!(v.as_deref(), Some("3"));
        // The same list at both ends rotates it.
        let v: Option<String> = c.lmove("src", "src", Side::Left, Side::Right).unwrap();
        assert_eq!(v.as_deref(), Some("1"));
        assert_eq!(c.lrange::<String>("src", 0, -1).unwrap(), ["2", "1"]);
        assert_eq!(
            c.lmove::<String>("missing", "dst", Side::Left, Side::Left)
                .unwrap(),
            None
        );
        let v: Option<String> = c.rpoplpush("src", "dst").unwrap();
        assert_eq!(v.as_deref(), Some("1"));
        assert_eq!(c.lrange::<String>("dst", 0, -1).unwrap(), ["1", "3"]);
        assert_eq!(c.rpoplpush::<String>("missing", "dst").unwrap(), None);

        if !has_lmpop(&server) {
            assert_unknown_command(
                &c.lmpop::<String, String>(["src"], Side::Left, None)
                    .unwrap_err(),
                "lmpop",
            );
            assert_unknown_command(
                &c.blmpop::<String, String>(Some(MS(100)), ["src"], Side::Left, None)
                    .unwrap_err(),
                "blmpop",
            );
            c.ping().unwrap();
            continue;
        }
        c.rpush("b", ["x", "y", "z"]).unwrap();
        let got: Option<(String, Vec<String>)> = c.lmpop(["empty", "b"], Side::Left, None).unwrap();
        assert_eq!(got, Some(("b".to_string(), strings(&["x"]))));
        let got: Option<(String, Vec<String>)> =
            c.lmpop(["empty", "b"], Side::Right, Some(5)).unwrap();
        assert_eq!(got, Some(("b".to_string(), strings(&["z", "y"]))));
        let got: Option<(String, Vec<String>)> =
            c.lmpop(["empty", "b"], Side::Left, Some(2)).unwrap();
        assert_eq!(got, None);
        let e = c
            .lmpop::<String, String>("dst", Side::Left, Some(0))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Response, "{e}");
    }
}

#[test]
fn lpos_finds_indexes_by_rank_count_and_maxlen() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        c.rpush("l", ["a", "b", "c", "a", "b", "c", "a"]).unwrap();
        let o = LposOptions::new;
        assert_eq!(c.lpos("l", "a", o()).unwrap(), Some(0));
        assert_eq!(c.lpos("l", "c", o()).unwrap(), Some(2));
        assert_eq!(c.lpos("l", "a", o().rank(2)).unwrap(), Some(3));
        assert_eq!(c.lpos("l", "a", o().rank(-1)).unwrap(), Some(6));
        assert_eq!(c.lpos("l", "a", o().rank(4)).unwrap(), None);
        assert_eq!(c.lpos("l", "c", o().maxlen(2)).unwrap(), None);
        assert_eq!(c.lpos("l", "nope", o()).unwrap(), None);
        assert_eq!(c.lpos("missing", "a", o()).unwrap(), None);
        assert_eq!(c.lpos_count("l", "a", 0, o()).unwrap(), [0, 3, 6]);
        assert_eq!(c.lpos_count("l", "a", 2, o()).unwrap(), [0, 3]);
        assert_eq!(c.lpos_count("l", "a", 2, o().rank(-1)).unwrap(), [6, 3]);
        assert_eq!(c.lpos_count("l", "a", 0, o().maxlen(4)).unwrap(), [0, 3]);
        assert!(c.lpos_count("l", "nope", 0, o()).unwrap().is_empty());
        assert!(c.lpos_count("missing", "a", 0, o()).unwrap().is_empty());

        let before = server.command_calls("lpos");
        let e = c.lpos("l", "a", o().rank(0)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        let e = c.lpos_count("l", "a", 1, o().rank(0)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        assert_eq!(server.command_calls("lpos"), before);
    }
}

#[test]
fn a_key_of_another_type_is_wrongtype_and_the_connection_stays_usable() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        c.set("s", "text").unwrap();
        assert_wrongtype(&c.lpush("s", "x").unwrap_err());
        assert_wrongtype(&c.rpushx("s", "x").unwrap_err());
        assert_wrongtype(&c.lrange::<String>("s", 0, -1).unwrap_err());
        assert_wrongtype(&c.llen("s").unwrap_err());
        assert_wrongtype(&c.lpop::<String>("s").unwrap_err());
        assert_wrongtype(&c.lpop_count::<String>("s", 2).unwrap_err());
        assert_wrongtype(&c.lpos("s", "x", LposOptions::new()).unwrap_err());
        assert_wrongtype(
            &c.lmove::<String>("s", "d", Side::Left, Side::Left)
                .unwrap_err(),
        );
        assert_wrongtype(&c.blpop::<String, String>("s", Some(MS(500))).unwrap_err());
        assert_wrongtype(
            &c.blmove::<String>("s", "d", Side::Left, Side::Left, None)
                .unwrap_err(),
        );
        if has_lmpop(&server) {
            assert_wrongtype(
                &c.lmpop::<String, String>("s", Side::Left, None)
                    .unwrap_err(),
            );
        }
        c.ping().unwrap();
        assert_eq!(c.get::<String>("s").unwrap().as_deref(), Some("text"));
    }
}

/// One connection per protocol whose read timeout (300 ms) is shorter than the waits below.
fn short_read_timeout(port: u16) -> Vec<Connection> {
    [Protocol::Resp2, Protocol::Resp3]
        .into_iter()
        .map(|p| impatient(port, p, MS(300)))
        .collect()
}

/// Once a client is blocked on the server, waits `delay` more, then pushes `value` onto `key`
/// over the fixture's own socket (another connection).
fn push_when_blocked(server: &RedisServer, delay: Duration, key: &str, value: &str) {
    support::wait_until(Duration::from_secs(10), "a client blocks", || {
        server.blocked_clients() >= 1
    });
    thread::sleep(delay);
    server.raw_command(&["RPUSH", key, value]);
}

/// Runs `call` while another thread pushes `value` onto `key` `delay` after `call` blocked;
/// returns what `call` returned and how long it took.
fn while_pushing<T: Send>(
    server: &RedisServer,
    delay: Duration,
    key: &str,
    value: &str,
    call: impl FnOnce() -> T,
) -> (T, Duration) {
    thread::scope(|s| {
        let pusher = s.spawn(|| push_when_blocked(server, delay, key, value));
        let start = Instant::now();
        let out = call();
        let took = start.elapsed();
        pusher.join().unwrap();
        (out, took)
    })
}

#[test]
fn blocking_pops_are_served_at_once_or_time_out() {
    let server = RedisServer::start();
    for mut c in short_read_timeout(server.port()) {
        flush(&mut c);
        c.rpush("q", ["a", "b", "c"]).unwrap();
        let got: Option<(String, String)> = c.blpop("q", Some(MS(1000))).unwrap();
        assert_eq!(got, Some(("q".into(), "a".into())));
        let got: Option<(String, String)> = c.brpop(["empty", "q"], Some(MS(1000))).unwrap();
        assert_eq!(got, Some(("q".into(), "c".into())));
        let got: Option<String> = c
            .blmove("q", "done", Side::Left, Side::Right, Some(MS(1000)))
            .unwrap();
        assert_eq!(got.as_deref(), Some("b"));
        c.rpush("q", "d").unwrap();
        let got: Option<String> = c.brpoplpush("q", "done", Some(MS(1000))).unwrap();
        assert_eq!(got.as_deref(), Some("d"));
        assert_eq!(c.lrange::<String>("done", 0, -1).unwrap(), ["d", "b"]);

        // Nothing comes: None once the wait is over (fractions of a second work).
        let start = Instant::now();
        let got: Option<(String, String)> = c.blpop(["q", "r"], Some(MS(150))).unwrap();
        assert_eq!(got, None);
        assert!(start.elapsed() >= MS(150), "{:?}", start.elapsed());
        assert_eq!(c.brpop::<String, String>("q", Some(MS(100))).unwrap(), None);
        assert_eq!(
            c.blmove::<String>("q", "d", Side::Right, Side::Left, Some(MS(100)))
                .unwrap(),
            None
        );
        assert_eq!(
            c.brpoplpush::<String>("q", "d", Some(MS(100))).unwrap(),
            None
        );
        if has_lmpop(&server) {
            c.rpush("m", ["1", "2", "3"]).unwrap();
            let got: Option<(String, Vec<i64>)> = c
                .blmpop(Some(MS(1000)), ["q", "m"], Side::Right, Some(2))
                .unwrap();
            assert_eq!(got, Some(("m".into(), vec![3, 2])));
            let got: Option<(String, Vec<i64>)> =
                c.blmpop(Some(MS(100)), ["q"], Side::Left, None).unwrap();
            assert_eq!(got, None);
        }
        // The connection is in step after each of them.
        c.ping().unwrap();
    }
}

#[test]
fn a_blocking_wait_outlasts_the_read_timeout_until_another_connection_pushes() {
    let server = RedisServer::start();
    for mut c in short_read_timeout(server.port()) {
        flush(&mut c);
        // BLPOP for up to 1 s on a connection whose read timeout is 300 ms: the element
        // pushed after 600 ms arrives, no timeout.
        let (got, took) = while_pushing(&server, MS(600), "q", "late", || {
            c.blpop::<String, String>("q", Some(MS(1000)))
        });
        assert_eq!(got.unwrap(), Some(("q".into(), "late".into())));
        assert!(took >= MS(600), "{took:?}");

        // None waits as long as it takes.
        let (got, took) = while_pushing(&server, MS(500), "q", "forever", || {
            c.brpop::<String, String>(["other", "q"], None)
        });
        assert_eq!(got.unwrap(), Some(("q".into(), "forever".into())));
        assert!(took >= MS(500), "{took:?}");

        let (got, _) = while_pushing(&server, MS(400), "jobs", "job-1", || {
            c.blmove::<String>("jobs", "processing", Side::Right, Side::Left, None)
        });
        assert_eq!(got.unwrap().as_deref(), Some("job-1"));
        assert_eq!(c.lrange::<String>("processing", 0, -1).unwrap(), ["job-1"]);

        let (got, _) = while_pushing(&server, MS(400), "jobs", "job-2", || {
            c.brpoplpush::<String>("jobs", "processing", Some(MS(2000)))
        });
        assert_eq!(got.unwrap().as_deref(), Some("job-2"));

        if has_lmpop(&server) {
            let (got, _) = while_pushing(&server, MS(400), "m", "x", || {
                c.blmpop::<String, String>(None, ["n", "m"], Side::Left, Some(10))
            });
            assert_eq!(got.unwrap(), Some(("m".into(), strings(&["x"]))));
        } else {
            assert_unknown_command(
                &c.blmpop::<String, String>(None, ["m"], Side::Left, None)
                    .unwrap_err(),
                "blmpop",
            );
        }
        c.ping().unwrap();
    }
}

#[test]
fn zero_timeouts_are_refused_before_sending() {
    let server = RedisServer::start();
    let zero = Some(Duration::ZERO);
    for mut c in per_protocol(server.port()) {
        let refused: Vec<Error> = vec![
            c.blpop::<String, String>("q", zero).unwrap_err(),
            c.brpop::<String, String>("q", zero).unwrap_err(),
            c.blmove::<String>("q", "d", Side::Left, Side::Left, zero)
                .unwrap_err(),
            c.brpoplpush::<String>("q", "d", zero).unwrap_err(),
            c.blmpop::<String, String>(zero, "q", Side::Left, None)
                .unwrap_err(),
        ];
        for e in refused {
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        }
        // In a pipeline: refused when sent, nothing sent.
        let e = redisync::pipe()
            .rpush("q", "x")
            .blpop::<String, String>("q", zero)
            .query(&mut c)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        c.ping().unwrap();
    }
    for command in ["blpop", "brpop", "blmove", "brpoplpush", "blmpop", "rpush"] {
        assert_eq!(server.command_calls(command), 0, "{command}");
    }
}

#[test]
fn list_commands_in_a_pipeline() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        let (n, all, first, popped, none, at) = redisync::pipe()
            .rpush("l", ["a", "b", "c", "d"])
            .lrange::<String>("l", 0, -1)
            .lindex::<String>("l", 0)
            .rpop_count::<String>("l", 2)
            .linsert("l", InsertPosition::Before, "nope", "x")
            .lpos("l", "b", LposOptions::new())
            .query(&mut c)
            .unwrap();
        assert_eq!(n, 4);
        assert_eq!(all, ["a", "b", "c", "d"]);
        assert_eq!(first.as_deref(), Some("a"));
        assert_eq!(popped, ["d", "c"]);
        assert_eq!(
            none, None,
            "LINSERT's -1 is shaped to None in a pipeline too"
        );
        assert_eq!(at, Some(1));
        // A blocking command in a pipeline, served at once.
        let (len, got) = redisync::pipe()
            .llen("l")
            .blpop::<String, String>("l", Some(MS(500)))
            .query(&mut c)
            .unwrap();
        assert_eq!(len, 2);
        assert_eq!(got, Some(("l".into(), "a".into())));
    }
}
