//! The `string`, `bitmap` and `hyperloglog` groups' typed methods against a real server, on
//! RESP2 and RESP3 alike: the values a user checks, the edge replies (missing keys, binary
//! values, `WRONGTYPE`), options refused before anything is sent, and the newest commands on
//! the servers that have them (their server error on the others).
//!
//!     REDIS_SERVER_BIN=/path/to/server cargo test -p redisync --all-features --test cmd_strings

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients;
mod support;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clients::{assert_unknown_command, assert_wrongtype, per_protocol};
use redisync::prelude::*;
use redisync::{Error, GetExpiry, LcsMatch, LcsMatches, SetOptions, Ttl};
use support::RedisServer;

#[path = "cmd_strings/bitmap.rs"]
mod bitmap;
#[path = "cmd_strings/hyperloglog.rs"]
mod hyperloglog;

const S: fn(u64) -> Duration = Duration::from_secs;

/// A value with every byte that trips a text protocol: CR LF, NUL, invalid UTF-8.
const BINARY: &[u8] = b"a\r\nb\x00\xff\xfe$3\r\n";

/// The server's syntax error for an option it does not know.
fn assert_syntax_error(e: &Error) {
    assert_eq!(e.kind(), ErrorKind::Response, "{e}");
    assert!(e.to_string().to_ascii_lowercase().contains("syntax"), "{e}");
}

fn secs(t: Ttl) -> i64 {
    match t {
        Ttl::Missing => -2,
        Ttl::Persistent => -1,
        Ttl::Expires(d) => d.as_secs() as i64 + i64::from(d.subsec_nanos() > 0),
    }
}

fn has_lcs(server: &RedisServer) -> bool {
    server.version() >= (7, 0, 0)
}

fn is_valkey_at_least(server: &RedisServer, v: (u32, u32, u32)) -> bool {
    server.is_valkey() && server.version() >= v
}

#[test]
fn get_and_set_round_trip_every_payload_type() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.set("s", "text").unwrap();
        assert_eq!(c.get::<String>("s").unwrap().as_deref(), Some("text"));
        c.set("b", BINARY).unwrap();
        assert_eq!(c.get::<Vec<u8>>("b").unwrap().as_deref(), Some(BINARY));
        c.set("i", -42i64).unwrap();
        assert_eq!(c.get::<i64>("i").unwrap(), Some(-42));
        c.set("f", 2.5f64).unwrap();
        assert_eq!(c.get::<f64>("f").unwrap(), Some(2.5));
        c.set("t", true).unwrap();
        assert_eq!(c.get::<bool>("t").unwrap(), Some(true));
        c.set(BINARY, "binary key").unwrap();
        assert_eq!(
            c.get::<String>(BINARY).unwrap().as_deref(),
            Some("binary key")
        );
        c.set("empty", "").unwrap();
        assert_eq!(c.get::<String>("empty").unwrap().as_deref(), Some(""));
        assert_eq!(c.get::<String>("missing").unwrap(), None);
        // A wrong type asked of a reply names both sides.
        let e = c.get::<i64>("s").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion);
        assert!(
            e.to_string().contains("i64") && e.to_string().contains("bulk string"),
            "{e}"
        );
        // Invalid UTF-8 is a conversion error for a String, and the bytes are still there.
        assert_eq!(
            c.get::<String>("b").unwrap_err().kind(),
            ErrorKind::Conversion
        );
        assert_eq!(c.strlen("b").unwrap(), BINARY.len() as u64);
    }
}

#[test]
fn set_options_cover_conditions_and_expiries() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.del("o").unwrap();
        assert!(c.set_options("o", "1", SetOptions::new().nx()).unwrap());
        assert!(!c.set_options("o", "2", SetOptions::new().nx()).unwrap());
        assert_eq!(c.get::<String>("o").unwrap().as_deref(), Some("1"));
        assert!(
            c.set_options("o", "3", SetOptions::new().xx().ex(S(100)))
                .unwrap()
        );
        assert!((95..=100).contains(&secs(c.ttl("o").unwrap())));
        assert!(
            c.set_options("o", "4", SetOptions::new().keep_ttl())
                .unwrap()
        );
        assert!((95..=100).contains(&secs(c.ttl("o").unwrap())));
        // PX takes the duration to the millisecond.
        let px = SetOptions::new().px(Duration::from_millis(50_500));
        assert!(c.set_options("o", "5", px).unwrap());
        assert!((45..=51).contains(&secs(c.ttl("o").unwrap())));
        // A sub-second EX rounds up to one second instead of expiring at once.
        let short = SetOptions::new().ex(Duration::from_millis(10));
        assert!(c.set_options("o", "5b", short).unwrap());
        assert_eq!(c.get::<String>("o").unwrap().as_deref(), Some("5b"));
        let far = SystemTime::now() + S(10 * 365 * 24 * 3600);
        assert!(
            c.set_options("o", "6", SetOptions::new().exat(far))
                .unwrap()
        );
        let left = secs(c.ttl("o").unwrap());
        assert!(left > 300_000_000, "{left}");
        assert!(
            c.set_options("o", "7", SetOptions::new().pxat(far))
                .unwrap()
        );
        assert!(secs(c.ttl("o").unwrap()) > 300_000_000);
        // A time already past: the key is gone.
        let past = SystemTime::now() - S(60);
        assert!(
            c.set_options("gone", "x", SetOptions::new().pxat(past))
                .unwrap()
        );
        assert_eq!(c.get::<String>("gone").unwrap(), None);
        assert!(
            !c.set_options("absent", "x", SetOptions::new().xx())
                .unwrap()
        );
        assert_eq!(c.exists("absent").unwrap(), 0);

        let old: Option<String> = c.set_get("o", "8", SetOptions::new()).unwrap();
        assert_eq!(old.as_deref(), Some("7"));
        assert_eq!(secs(c.ttl("o").unwrap()), -1, "plain SET clears the expiry");
        let none: Option<String> = c
            .set_get("fresh-key", "1", SetOptions::new().ex(S(5)))
            .unwrap();
        assert_eq!(none, None);
        assert!((1..=5).contains(&secs(c.ttl("fresh-key").unwrap())));
        let old: Option<Vec<u8>> = c.set_get("o", BINARY, SetOptions::new().xx()).unwrap();
        assert_eq!(old.as_deref(), Some(&b"8"[..]));
        let old: Option<Vec<u8>> = c.set_get("o", "9", SetOptions::new()).unwrap();
        assert_eq!(old.as_deref(), Some(BINARY));
        // NX with GET: Redis 7.0+ (6.2 refuses the pair).
        let nx_get = c.set_get::<String>("o", "10", SetOptions::new().nx());
        if server.version() >= (7, 0, 0) {
            assert_eq!(nx_get.unwrap().as_deref(), Some("9"));
            assert_eq!(c.get::<String>("o").unwrap().as_deref(), Some("9"));
        } else {
            assert_syntax_error(&nx_get.unwrap_err());
        }
        c.del(("o", "fresh-key")).unwrap();
    }
}

#[test]
fn set_ifeq_compares_before_setting_on_valkey() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.set("cas", "v1").unwrap();
        let swap = c.set_options("cas", "v2", SetOptions::new().ifeq("v1"));
        if !is_valkey_at_least(&server, (8, 1, 0)) {
            assert_syntax_error(&swap.unwrap_err());
            assert_eq!(c.get::<String>("cas").unwrap().as_deref(), Some("v1"));
            continue;
        }
        assert!(swap.unwrap());
        assert!(
            !c.set_options("cas", "v3", SetOptions::new().ifeq("v1"))
                .unwrap()
        );
        assert_eq!(c.get::<String>("cas").unwrap().as_deref(), Some("v2"));
        // With GET the old value comes back whether or not it matched.
        let opts = SetOptions::new().ifeq("v2").ex(S(50));
        let old: Option<String> = c.set_get("cas", BINARY, opts).unwrap();
        assert_eq!(old.as_deref(), Some("v2"));
        assert!((45..=50).contains(&secs(c.ttl("cas").unwrap())));
        assert!(
            c.set_options("cas", "v4", SetOptions::new().ifeq(BINARY))
                .unwrap()
        );
        // A missing key never equals anything.
        assert!(
            !c.set_options("no-cas", "x", SetOptions::new().ifeq(""))
                .unwrap()
        );
        c.del("cas").unwrap();
    }
}

#[test]
fn conflicting_options_are_refused_before_anything_is_sent() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        let before = server.command_seen("set");
        let refusals: Vec<(&str, Error)> = vec![
            (
                "NX and XX",
                c.set_options("k", "v", SetOptions::new().nx().xx())
                    .unwrap_err(),
            ),
            (
                "EX and PX",
                c.set_options("k", "v", SetOptions::new().ex(S(1)).px(S(2)))
                    .unwrap_err(),
            ),
            (
                "EX is given twice",
                c.set_get::<String>("k", "v", SetOptions::new().ex(S(1)).ex(S(2)))
                    .unwrap_err(),
            ),
            (
                "KEEPTTL and EXAT",
                c.set_options(
                    "k",
                    "v",
                    SetOptions::new().keep_ttl().exat(SystemTime::now()),
                )
                .unwrap_err(),
            ),
            (
                "NX and IFEQ",
                c.set_options("k", "v", SetOptions::new().nx().ifeq("v"))
                    .unwrap_err(),
            ),
            (
                "greater than zero",
                c.set_options("k", "v", SetOptions::new().ex(Duration::ZERO))
                    .unwrap_err(),
            ),
            (
                "Unix epoch",
                c.set_options("k", "v", SetOptions::new().pxat(UNIX_EPOCH))
                    .unwrap_err(),
            ),
        ];
        for (why, e) in &refusals {
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{why}: {e}");
            assert!(e.to_string().contains(why), "{why}: {e}");
        }
        let e = c
            .getex::<String>("k", GetExpiry::Ex(Duration::ZERO))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let e = c.setex("k", Duration::ZERO, "v").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let e = c.psetex("k", Duration::ZERO, "v").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let e = c
            .msetex([("a", 1)], SetOptions::new().ifeq("x"))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let e = c.msetex(["a", "1", "b"], SetOptions::new()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        // The server saw none of them, and the connection goes on.
        for command in ["set", "getex", "setex", "psetex", "msetex"] {
            let n = server.command_seen(command);
            let want = if command == "set" { before } else { 0 };
            assert_eq!(n, want, "{command} reached the server");
        }
        assert_eq!(c.exists("k").unwrap(), 0);
        c.set("k", "ok").unwrap();
        assert_eq!(c.get::<String>("k").unwrap().as_deref(), Some("ok"));
        c.del("k").unwrap();

        // In a pipeline, the refusal fails the pipeline when it is sent, and nothing goes out.
        let before = server.command_seen("set");
        let e = redisync::pipe()
            .set("p1", 1)
            .set_options("p2", 2, SetOptions::new().nx().xx())
            .query(&mut c)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains("NX and XX"), "{e}");
        assert_eq!(server.command_seen("set"), before);
        assert_eq!(c.exists(["p1", "p2"]).unwrap(), 0);
    }
}

#[test]
fn counters_add_and_subtract() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.del(["n", "f"]).unwrap();
        assert_eq!(c.incr("n").unwrap(), 1);
        assert_eq!(c.incr_by("n", 41).unwrap(), 42);
        assert_eq!(c.incr_by("n", -50).unwrap(), -8);
        assert_eq!(c.decr("n").unwrap(), -9);
        assert_eq!(c.decrby("n", -10).unwrap(), 1);
        assert_eq!(c.decrby("n", 3).unwrap(), -2);
        assert_eq!(c.decr("fresh-counter").unwrap(), -1);
        c.set("max", i64::MAX).unwrap();
        let e = c.incr("max").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Response);
        assert!(e.to_string().contains("overflow"), "{e}");

        assert_eq!(c.incrbyfloat("f", 1.5).unwrap(), 1.5);
        assert_eq!(c.incrbyfloat("f", -0.25).unwrap(), 1.25);
        assert_eq!(c.incrbyfloat("n", 0.5).unwrap(), -1.5);
        assert_eq!(c.get::<f64>("f").unwrap(), Some(1.25));
        let e = c.incrbyfloat("f", f64::INFINITY).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Response, "{e}");

        c.set("word", "x").unwrap();
        for e in [
            c.incr("word").unwrap_err(),
            c.decrby("word", 1).unwrap_err(),
            c.incrbyfloat("word", 1.0).unwrap_err(),
        ] {
            assert_eq!(e.kind(), ErrorKind::Response);
            assert_eq!(e.server_error().unwrap().code(), "ERR");
        }
        c.del(["n", "f", "max", "word", "fresh-counter"]).unwrap();
    }
}

#[test]
fn appends_ranges_and_lengths() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.del(["a", "pad"]).unwrap();
        assert_eq!(c.append("a", "Hello").unwrap(), 5);
        assert_eq!(c.append("a", BINARY).unwrap(), 5 + BINARY.len() as u64);
        assert_eq!(c.strlen("a").unwrap(), 5 + BINARY.len() as u64);
        assert_eq!(c.strlen("missing").unwrap(), 0);
        assert_eq!(c.getrange::<String>("a", 0, 4).unwrap(), "Hello");
        assert_eq!(c.getrange::<Vec<u8>>("a", 5, -1).unwrap(), BINARY);
        assert_eq!(c.getrange::<String>("a", -3, -1).unwrap(), "$3\r\n"[1..]);
        assert_eq!(c.getrange::<String>("a", 100, 200).unwrap(), "");
        assert_eq!(c.getrange::<String>("missing", 0, -1).unwrap(), "");
        assert_eq!(c.substr::<String>("a", 1, 3).unwrap(), "ell");
        assert_eq!(c.substr::<Vec<u8>>("missing", 0, 1).unwrap(), b"");

        assert_eq!(c.setrange("a", 0, "J").unwrap(), 5 + BINARY.len() as u64);
        assert_eq!(c.getrange::<String>("a", 0, 4).unwrap(), "Jello");
        // Past the end the gap fills with zero bytes.
        assert_eq!(c.setrange("pad", 3, "x").unwrap(), 4);
        assert_eq!(c.get::<Vec<u8>>("pad").unwrap().unwrap(), b"\0\0\0x");
        assert_eq!(c.setrange("nothing", 0, "").unwrap(), 0);
        assert_eq!(c.exists("nothing").unwrap(), 0);
        let e = c.setrange("pad", 600 * 1024 * 1024, "x").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Response, "{e}");
        c.del(["a", "pad"]).unwrap();
    }
}

#[test]
fn get_variants_delete_expire_and_swap() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.set("g", BINARY).unwrap();
        assert_eq!(c.getdel::<Vec<u8>>("g").unwrap().as_deref(), Some(BINARY));
        assert_eq!(c.exists("g").unwrap(), 0);
        assert_eq!(c.getdel::<String>("g").unwrap(), None);

        c.set("g", "v").unwrap();
        let v: Option<String> = c.getex("g", GetExpiry::Ex(S(100))).unwrap();
        assert_eq!(v.as_deref(), Some("v"));
        assert!((95..=100).contains(&secs(c.ttl("g").unwrap())));
        c.getex::<String>("g", GetExpiry::Px(Duration::from_millis(20_500)))
            .unwrap();
        assert!((15..=21).contains(&secs(c.ttl("g").unwrap())));
        let later = SystemTime::now() + S(1000);
        c.getex::<String>("g", GetExpiry::ExAt(later)).unwrap();
        assert!((990..=1001).contains(&secs(c.ttl("g").unwrap())));
        c.getex::<String>("g", GetExpiry::PxAt(later)).unwrap();
        assert!((990..=1001).contains(&secs(c.ttl("g").unwrap())));
        let v: Option<String> = c.getex("g", GetExpiry::Persist).unwrap();
        assert_eq!(v.as_deref(), Some("v"));
        assert_eq!(secs(c.ttl("g").unwrap()), -1);
        assert_eq!(
            c.getex::<String>("missing", GetExpiry::Persist).unwrap(),
            None
        );

        assert_eq!(c.getset::<String>("g", "w").unwrap().as_deref(), Some("v"));
        assert_eq!(c.getset::<String>("fresh", "x").unwrap(), None);
        assert_eq!(c.get::<String>("g").unwrap().as_deref(), Some("w"));
        c.del(["g", "fresh"]).unwrap();
    }
}

#[test]
fn setex_psetex_and_setnx() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.setex("e", S(100), "v").unwrap();
        assert!((95..=100).contains(&secs(c.ttl("e").unwrap())));
        c.setex("e", Duration::from_millis(100), "short").unwrap();
        assert_eq!(secs(c.ttl("e").unwrap()), 1, "rounded up to a second");
        c.psetex("p", Duration::from_millis(30_000), BINARY)
            .unwrap();
        assert_eq!(c.get::<Vec<u8>>("p").unwrap().as_deref(), Some(BINARY));
        assert!((25..=30).contains(&secs(c.ttl("p").unwrap())));
        assert!(c.setnx("nx", 1).unwrap());
        assert!(!c.setnx("nx", 2).unwrap());
        assert_eq!(c.get::<i64>("nx").unwrap(), Some(1));
        c.del(["e", "p", "nx"]).unwrap();
    }
}

#[test]
fn multi_key_commands() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        let pairs: Vec<(String, i64)> = (0..5).map(|i| (format!("m{i}"), i)).collect();
        c.mset(&pairs).unwrap();
        let got: Vec<Option<i64>> = c.mget(["m0", "m4", "nope"]).unwrap();
        assert_eq!(got, [Some(0), Some(4), None]);
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        let all: Vec<Option<String>> = c.mget(&keys).unwrap();
        assert_eq!(all.len(), 5);
        let map: std::collections::BTreeMap<&str, i64> = [("bm1", 1), ("bm2", 2)].into();
        c.mset(&map).unwrap();
        assert_eq!(c.mget::<i64>(("bm1", "bm2")).unwrap(), [Some(1), Some(2)]);
        // MGET answers nil for a key of another type rather than an error.
        cmd("RPUSH").arg("list").arg("x").exec(&mut c).unwrap();
        assert_eq!(
            c.mget::<String>(["list", "bm1"]).unwrap(),
            [None, Some("1".into())]
        );
        c.mset([("bin", BINARY)]).unwrap();
        assert_eq!(c.mget::<Vec<u8>>("bin").unwrap(), [Some(BINARY.to_vec())]);

        assert!(c.msetnx([("x1", "a"), ("x2", "b")]).unwrap());
        assert!(!c.msetnx([("x2", "c"), ("x3", "d")]).unwrap());
        assert_eq!(c.exists("x3").unwrap(), 0, "MSETNX sets all or none");
        assert_eq!(c.get::<String>("x2").unwrap().as_deref(), Some("b"));
        c.del(["list", "bin", "x1", "x2", "bm1", "bm2"]).unwrap();
        c.del(&keys).unwrap();
    }
}

#[test]
fn msetex_sets_many_with_one_expiry_on_valkey_9_1() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        let r = c.msetex([("e1", "a"), ("e2", "b")], SetOptions::new().ex(S(100)));
        if !is_valkey_at_least(&server, (9, 1, 0)) {
            assert_unknown_command(&r.unwrap_err(), "MSETEX");
            assert_eq!(c.exists(["e1", "e2"]).unwrap(), 0);
            continue;
        }
        assert!(r.unwrap());
        for k in ["e1", "e2"] {
            assert!((95..=100).contains(&secs(c.ttl(k).unwrap())), "{k}");
        }
        assert!(
            !c.msetex([("e2", "x"), ("e3", "y")], SetOptions::new().nx())
                .unwrap()
        );
        assert_eq!(c.exists("e3").unwrap(), 0);
        assert!(
            c.msetex(
                [("e1", "A"), ("e2", "B")],
                SetOptions::new().xx().keep_ttl()
            )
            .unwrap()
        );
        assert_eq!(
            c.mget::<String>(["e1", "e2"]).unwrap(),
            [Some("A".into()), Some("B".into())]
        );
        assert!((90..=100).contains(&secs(c.ttl("e1").unwrap())));
        let at = SystemTime::now() + S(500);
        assert!(
            c.msetex([("e3", BINARY)], SetOptions::new().pxat(at))
                .unwrap()
        );
        assert_eq!(c.get::<Vec<u8>>("e3").unwrap().as_deref(), Some(BINARY));
        assert!((490..=500).contains(&secs(c.ttl("e3").unwrap())));
        // Without an expiry the keys are plain (and lose any they had).
        assert!(c.msetex([("e1", "z")], SetOptions::new()).unwrap());
        assert_eq!(secs(c.ttl("e1").unwrap()), -1);
        c.del(["e1", "e2", "e3"]).unwrap();
    }
}

#[test]
fn delifeq_deletes_only_a_matching_value_on_valkey_9() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.set("lock", BINARY).unwrap();
        let r = c.delifeq("lock", "someone else");
        if !is_valkey_at_least(&server, (9, 0, 0)) {
            assert_unknown_command(&r.unwrap_err(), "DELIFEQ");
            c.del("lock").unwrap();
            continue;
        }
        assert!(!r.unwrap());
        assert_eq!(c.exists("lock").unwrap(), 1);
        assert!(c.delifeq("lock", BINARY).unwrap());
        assert_eq!(c.exists("lock").unwrap(), 0);
        assert!(!c.delifeq("lock", BINARY).unwrap());
        cmd("RPUSH").arg("dl").arg("x").exec(&mut c).unwrap();
        assert_wrongtype(&c.delifeq("dl", "x").unwrap_err());
        c.del("dl").unwrap();
    }
}

#[test]
fn lcs_in_each_of_its_forms() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.mset([("k1", "ohmytext"), ("k2", "mynewtext")]).unwrap();
        let r = c.lcs::<String>("k1", "k2");
        if !has_lcs(&server) {
            assert_unknown_command(&r.unwrap_err(), "LCS");
            continue;
        }
        assert_eq!(r.unwrap(), "mytext");
        assert_eq!(c.lcs_len("k1", "k2").unwrap(), 6);
        let idx = c.lcs_idx("k1", "k2", 0).unwrap();
        let want = LcsMatches {
            matches: vec![
                LcsMatch {
                    first: 4..8,
                    second: 5..9,
                    len: 4,
                },
                LcsMatch {
                    first: 2..4,
                    second: 0..2,
                    len: 2,
                },
            ],
            len: 6,
        };
        assert_eq!(idx, want);
        for m in &idx.matches {
            assert_eq!(&"ohmytext"[m.first.clone()], &"mynewtext"[m.second.clone()]);
        }
        // MINMATCHLEN leaves the short runs out, not the total length.
        let long = c.lcs_idx("k1", "k2", 4).unwrap();
        assert_eq!(long.matches, want.matches[..1]);
        assert_eq!(long.len, 6);
        // Nothing in common, or a missing key.
        assert_eq!(c.lcs::<String>("k1", "missing").unwrap(), "");
        assert_eq!(c.lcs_len("k1", "missing").unwrap(), 0);
        let none = c.lcs_idx("k1", "missing", 0).unwrap();
        assert_eq!((none.matches.len(), none.len), (0, 0));
        // Binary values.
        c.mset([("b1", BINARY), ("b2", &b"x\r\n\xff"[..])]).unwrap();
        assert_eq!(c.lcs::<Vec<u8>>("b1", "b2").unwrap(), b"\r\n\xff");
        cmd("RPUSH").arg("ll").arg("x").exec(&mut c).unwrap();
        // Not WRONGTYPE here: LCS answers a plain ERR for a key of another type.
        let e = c.lcs_len("ll", "k1").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Response, "{e}");
        assert!(e.to_string().contains("string values"), "{e}");
        c.del(["k1", "k2", "b1", "b2", "ll"]).unwrap();
    }
}

#[test]
fn string_commands_on_another_type_are_wrongtype_and_the_connection_goes_on() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        cmd("RPUSH").arg("l").arg("x").exec(&mut c).unwrap();
        let errors = [
            c.get::<String>("l").unwrap_err(),
            c.append("l", "x").unwrap_err(),
            c.incr("l").unwrap_err(),
            c.decr("l").unwrap_err(),
            c.incrbyfloat("l", 1.0).unwrap_err(),
            c.getdel::<String>("l").unwrap_err(),
            c.getex::<String>("l", GetExpiry::Persist).unwrap_err(),
            c.getrange::<String>("l", 0, 1).unwrap_err(),
            c.getset::<String>("l", "v").unwrap_err(),
            c.setrange("l", 0, "v").unwrap_err(),
            c.strlen("l").unwrap_err(),
            c.set_get::<String>("l", "v", SetOptions::new())
                .unwrap_err(),
        ];
        for e in &errors {
            assert_wrongtype(e);
        }
        assert_eq!(
            c.exists("l").unwrap(),
            1,
            "GETDEL of a list deletes nothing"
        );
        c.ping().unwrap();
        // SET itself overwrites whatever the key held.
        c.set("l", "now a string").unwrap();
        assert_eq!(c.strlen("l").unwrap(), 12);
        c.del("l").unwrap();
    }
}

#[test]
fn string_methods_through_typed_pipelines() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.del(["pc", "pf", "ps"]).unwrap();
        let (n, f, (), len, old, range, strlen) = redisync::pipe()
            .incr_by("pc", 5)
            .incrbyfloat("pf", 0.5)
            .set("ps", "hello")
            .append("ps", " world")
            .getset("ps", "bye")
            .getrange("ps", 0, 1)
            .strlen("ps")
            .query(&mut c)
            .unwrap();
        assert_eq!((n, f, len, strlen), (5, 0.5, 11, 3));
        let old: Option<String> = old;
        assert_eq!(old.as_deref(), Some("hello world"));
        let range: String = range;
        assert_eq!(range, "by");
        let (set, got, bit, count) = redisync::pipe()
            .set_options("ps", "x", SetOptions::new().xx().px(S(9)))
            .getex("ps", GetExpiry::Persist)
            .setbit("bits", 3, true)
            .bitcount("bits", None)
            .query(&mut c)
            .unwrap();
        let got: Option<String> = got;
        assert_eq!(
            (set, got.as_deref(), bit, count),
            (true, Some("x"), false, 1)
        );
        c.del(["pc", "pf", "ps", "bits"]).unwrap();
    }
}
