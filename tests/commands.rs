//! The typed commands and the argument/reply conversions, against a real server, on RESP2 and
//! RESP3 alike.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients;
mod support;

use std::time::Duration;

use clients::per_protocol;

use std::collections::{BTreeMap, HashMap, HashSet};

use redisync::prelude::*;
use redisync::{Connection, ErrorKind, SetOptions, Value, cmd};
use support::RedisServer;

#[test]
fn ping_echo_get_set_round_trip_every_payload_type() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.ping().unwrap();
        assert_eq!(c.echo::<String>("hi").unwrap(), "hi");
        c.set("s", "text").unwrap();
        assert_eq!(c.get::<String>("s").unwrap().as_deref(), Some("text"));
        c.set("b", vec![0u8, 255, 13, 10]).unwrap();
        assert_eq!(c.get::<Vec<u8>>("b").unwrap(), Some(vec![0, 255, 13, 10]));
        c.set("i", -42i64).unwrap();
        assert_eq!(c.get::<i64>("i").unwrap(), Some(-42));
        c.set("f", 2.5f64).unwrap();
        assert_eq!(c.get::<f64>("f").unwrap(), Some(2.5));
        c.set("t", true).unwrap();
        assert_eq!(c.get::<bool>("t").unwrap(), Some(true));
        c.set(b"raw-key", "v").unwrap();
        assert_eq!(
            c.get::<String>(&b"raw-key"[..]).unwrap().as_deref(),
            Some("v")
        );
        assert_eq!(c.get::<String>("missing").unwrap(), None);
        // A wrong type asked of a reply names both sides.
        let e = c.get::<i64>("s").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion);
        assert!(
            e.to_string().contains("i64") && e.to_string().contains("bulk string"),
            "{e}"
        );
    }
}

#[test]
fn set_options_cover_conditions_and_expiries() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.del("o").unwrap();
        assert!(c.set_options("o", "1", SetOptions::new().nx()).unwrap());
        assert!(!c.set_options("o", "2", SetOptions::new().nx()).unwrap());
        assert!(
            c.set_options("o", "3", SetOptions::new().xx().ex(100))
                .unwrap()
        );
        assert!((95..=100).contains(&secs(c.ttl("o").unwrap())));
        assert!(
            c.set_options("o", "4", SetOptions::new().keep_ttl())
                .unwrap()
        );
        assert!(secs(c.ttl("o").unwrap()) > 0);
        assert!(
            c.set_options("o", "5", SetOptions::new().px(50_000))
                .unwrap()
        );
        assert!((45..=50).contains(&secs(c.ttl("o").unwrap())));
        let far = 4_000_000_000u64;
        assert!(
            c.set_options("o", "6", SetOptions::new().exat(far))
                .unwrap()
        );
        assert!(secs(c.ttl("o").unwrap()) > 1_000_000);
        assert!(
            c.set_options("o", "7", SetOptions::new().pxat(far * 1000))
                .unwrap()
        );
        assert!(
            !c.set_options("absent", "x", SetOptions::new().xx())
                .unwrap()
        );

        let old: Option<String> = c.set_get("o", "8", SetOptions::new()).unwrap();
        assert_eq!(old.as_deref(), Some("7"));
        assert_eq!(secs(c.ttl("o").unwrap()), -1, "plain SET clears the expiry");
        let none: Option<String> = c
            .set_get("fresh-key", "1", SetOptions::new().ex(5))
            .unwrap();
        assert_eq!(none, None);
        c.del("fresh-key").unwrap();
    }
}

#[test]
fn key_commands_return_the_types_redis_fixes() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.mset([("k1", "a"), ("k2", "b")]).unwrap();
        assert_eq!(c.exists("k1").unwrap(), 1);
        assert_eq!(c.exists(["k1", "k2", "k1", "nope"]).unwrap(), 3);
        assert!(c.expire("k1", Duration::from_secs(100)).unwrap());
        assert!(!c.expire("nope", Duration::from_secs(100)).unwrap());
        assert!((95..=100).contains(&secs(c.ttl("k1").unwrap())));
        assert_eq!(secs(c.ttl("k2").unwrap()), -1);
        assert_eq!(secs(c.ttl("nope").unwrap()), -2);
        assert_eq!(c.del(("k1", "k2", "nope")).unwrap(), 2);
        assert_eq!(c.del("k1").unwrap(), 0);
    }
}

#[test]
fn counters_and_multi_key_commands() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.del("n").unwrap();
        assert_eq!(c.incr("n").unwrap(), 1);
        assert_eq!(c.incr_by("n", 41).unwrap(), 42);
        assert_eq!(c.incr_by("n", -50).unwrap(), -8);
        c.set("word", "x").unwrap();
        let e = c.incr("word").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Response);
        assert_eq!(e.server_error().unwrap().code(), "ERR");

        let pairs: Vec<(String, i64)> = (0..5).map(|i| (format!("m{i}"), i)).collect();
        c.mset(&pairs).unwrap();
        let got: Vec<Option<i64>> = c.mget(["m0", "m4", "nope"]).unwrap();
        assert_eq!(got, [Some(0), Some(4), None]);
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        let all: Vec<Option<String>> = c.mget(&keys).unwrap();
        assert_eq!(all.len(), 5);
        let map: BTreeMap<&str, i64> = [("bm1", 1), ("bm2", 2)].into();
        c.mset(&map).unwrap();
        assert_eq!(c.mget::<i64>(("bm1", "bm2")).unwrap(), [Some(1), Some(2)]);
    }
}

#[test]
fn aggregate_replies_convert_on_both_protocols() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        cmd("DEL").arg(["h", "set", "z"]).exec(&mut c).unwrap();
        cmd("HSET")
            .arg("h")
            .arg([("a", 1), ("b", 2)])
            .exec(&mut c)
            .unwrap();
        let h: HashMap<String, i64> = cmd("HGETALL").arg("h").query(&mut c).unwrap();
        assert_eq!(h, HashMap::from([("a".into(), 1), ("b".into(), 2)]));
        let pairs: Vec<(String, i64)> = cmd("HGETALL")
            .arg("h")
            .query::<BTreeMap<_, _>>(&mut c)
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(pairs, [("a".to_string(), 1), ("b".to_string(), 2)]);

        cmd("SADD").arg("set").arg(["x", "y"]).exec(&mut c).unwrap();
        let s: HashSet<String> = cmd("SMEMBERS").arg("set").query(&mut c).unwrap();
        assert_eq!(s, HashSet::from(["x".to_string(), "y".to_string()]));

        // A score is a bulk string on RESP2 and a double on RESP3; f64 takes both.
        cmd("ZADD").arg("z").arg(1.5).arg("m").exec(&mut c).unwrap();
        let score: f64 = cmd("ZSCORE").arg("z").arg("m").query(&mut c).unwrap();
        assert_eq!(score, 1.5);
        let with_scores: Vec<(String, f64)> = cmd("ZRANGE")
            .arg("z")
            .arg(0)
            .arg(-1)
            .arg("WITHSCORES")
            .query::<Vec<Value>>(&mut c)
            .map(flatten_pairs)
            .unwrap();
        assert_eq!(with_scores, [("m".to_string(), 1.5)]);
        let inf: f64 = cmd("ZINCRBY")
            .arg("z")
            .arg(f64::INFINITY)
            .arg("m")
            .query(&mut c)
            .unwrap();
        assert!(inf.is_infinite());
    }
}

/// ZRANGE WITHSCORES: flat `[m, s, ...]` on RESP2, `[[m, s], ...]` on RESP3.
fn flatten_pairs(v: Vec<Value>) -> Vec<(String, f64)> {
    use redisync::FromValue;
    if v.iter().all(|x| matches!(x, Value::Array(_))) {
        v.into_iter()
            .map(|p| FromValue::from_value(p).unwrap())
            .collect()
    } else {
        v.chunks(2)
            .map(|p| FromValue::from_value(Value::Array(p.to_vec())).unwrap())
            .collect()
    }
}

#[test]
fn integer_range_is_checked_on_conversion() {
    let server = RedisServer::start();
    let mut c = Connection::open(&server.url()).unwrap();
    c.set("big", i64::MAX).unwrap();
    assert_eq!(c.get::<i64>("big").unwrap(), Some(i64::MAX));
    assert_eq!(c.get::<u64>("big").unwrap(), Some(i64::MAX as u64));
    let e = c.get::<i32>("big").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conversion);
    assert!(e.to_string().contains("i32"), "{e}");
}

#[test]
fn non_utf8_string_is_a_conversion_error_and_bytes_still_work() {
    let server = RedisServer::start();
    let mut c = Connection::open(&server.url()).unwrap();
    c.set("bin", [0xffu8, 0xfe]).unwrap();
    let e = c.get::<String>("bin").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conversion);
    assert_eq!(c.get::<Vec<u8>>("bin").unwrap(), Some(vec![0xff, 0xfe]));
}

/// A TTL as the number `TTL` answers with: seconds, -1 without expiry, -2 without key.
fn secs(t: redisync::Ttl) -> i64 {
    match t {
        redisync::Ttl::Missing => -2,
        redisync::Ttl::Persistent => -1,
        redisync::Ttl::Expires(d) => d.as_secs() as i64 + i64::from(d.subsec_nanos() > 0),
    }
}
