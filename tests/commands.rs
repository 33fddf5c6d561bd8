//! The first typed commands (connection and keys) and the argument/reply conversions, against a
//! real server, on RESP2 and RESP3 alike. The string group's tests are in tests/cmd_strings.rs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients;
mod support;

use std::time::Duration;

use clients::per_protocol;

use std::collections::{BTreeMap, HashMap, HashSet};

use redisync::prelude::*;
use redisync::{Connection, ErrorKind, Value, cmd};
use support::RedisServer;

#[test]
fn ping_and_echo_round_trip() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.ping().unwrap();
        assert_eq!(c.echo::<String>("hi").unwrap(), "hi");
        assert_eq!(c.echo::<Vec<u8>>(&b"\r\n\xff"[..]).unwrap(), b"\r\n\xff");
    }
}

// The string commands' tests (GET/SET payloads, SetOptions, counters, MSET/MGET) are in
// tests/cmd_strings.rs.

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
