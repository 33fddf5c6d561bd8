//! The hash commands (`HashCommands`) against a real server, on RESP2 and RESP3 alike: the
//! values a user checks, the edge replies (missing keys, empty hashes, `WRONGTYPE`, binary
//! fields and values), the per-field expiry commands where the server has them and its
//! unknown-command error where it does not, and options refused before anything is sent.
//!
//!     REDIS_SERVER_BIN=/path/to/server cargo test --all-features --test cmd_hashes

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients;
mod support;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clients::{assert_unknown_command, assert_wrongtype, flush, per_protocol};
use redisync::prelude::*;
use redisync::{
    ExpireCondition, ExpireTime, FieldExpiry, FieldPersist, HGetExOptions, HSetExOptions,
    ScanOptions, Ttl, hscan,
};
use support::RedisServer;

const BIN_KEY: &[u8] = b"h\r\n\xff\x00";
const BIN_FIELD: &[u8] = b"f\r\n\xfe";
const BIN_VALUE: &[u8] = b"\xff\r\n\x00v";

/// HEXPIRE, HPEXPIRE, HEXPIREAT, HPEXPIREAT, HTTL, HPTTL, HEXPIRETIME, HPEXPIRETIME, HPERSIST:
/// Valkey 9.0 and Redis 7.4.
fn has_field_expiry(server: &RedisServer) -> bool {
    let v = server.version();
    if server.is_valkey() {
        v >= (9, 0, 0)
    } else {
        v >= (7, 4, 0)
    }
}

/// HGETEX and HSETEX in Valkey's syntax (key conditions NX/XX included): Valkey 9.0.
fn has_hgetex_hsetex(server: &RedisServer) -> bool {
    server.is_valkey() && server.version() >= (9, 0, 0)
}

/// HGETDEL: Valkey 9.1.
fn has_hgetdel(server: &RedisServer) -> bool {
    server.is_valkey() && server.version() >= (9, 1, 0)
}

fn ms(t: Ttl) -> u128 {
    t.duration().expect("a field with an expiry").as_millis()
}

#[test]
fn fields_and_values_round_trip() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        assert_eq!(c.hset("h", [("a", "1"), ("b", "2")]).unwrap(), 2);
        assert_eq!(c.hset("h", [("b", "3"), ("c", "4")]).unwrap(), 1);
        assert_eq!(c.hget::<String>("h", "b").unwrap().as_deref(), Some("3"));
        assert_eq!(c.hget::<i64>("h", "c").unwrap(), Some(4));
        assert_eq!(c.hget::<String>("h", "nope").unwrap(), None);
        assert_eq!(c.hget::<String>("missing", "a").unwrap(), None);
        assert!(c.hexists("h", "a").unwrap());
        assert!(!c.hexists("h", "nope").unwrap());
        assert!(!c.hexists("missing", "a").unwrap());
        assert_eq!(c.hlen("h").unwrap(), 3);
        assert_eq!(c.hlen("missing").unwrap(), 0);
        assert_eq!(c.hstrlen("h", "a").unwrap(), 1);
        assert_eq!(c.hstrlen("h", "nope").unwrap(), 0);

        let mut keys: Vec<String> = c.hkeys("h").unwrap();
        keys.sort();
        assert_eq!(keys, ["a", "b", "c"]);
        let mut vals: Vec<i64> = c.hvals("h").unwrap();
        vals.sort();
        assert_eq!(vals, [1, 3, 4]);
        assert!(c.hkeys::<String>("missing").unwrap().is_empty());
        assert!(c.hvals::<String>("missing").unwrap().is_empty());

        let all: HashMap<String, i64> = c.hgetall("h").unwrap();
        assert_eq!(
            all,
            HashMap::from([("a".into(), 1), ("b".into(), 3), ("c".into(), 4)])
        );
        assert!(c.hgetall::<String, String>("missing").unwrap().is_empty());

        let got: Vec<Option<String>> = c.hmget("h", ["a", "nope", "c"]).unwrap();
        assert_eq!(got, [Some("1".into()), None, Some("4".into())]);
        assert_eq!(c.hmget::<String>("missing", ["a"]).unwrap(), [None]);

        c.hmset("h", [("d", 5), ("a", 10)]).unwrap();
        assert_eq!(c.hget::<i64>("h", "a").unwrap(), Some(10));
        assert!(c.hsetnx("h", "e", "new").unwrap());
        assert!(!c.hsetnx("h", "e", "again").unwrap());
        assert_eq!(c.hget::<String>("h", "e").unwrap().as_deref(), Some("new"));

        assert_eq!(c.hincrby("h", "a", 5).unwrap(), 15);
        assert_eq!(c.hincrby("h", "fresh", -3).unwrap(), -3);
        assert_eq!(c.hincrbyfloat("h", "f", 1.5).unwrap(), 1.5);
        assert_eq!(c.hincrbyfloat("h", "f", -0.25).unwrap(), 1.25);
        // A non-integer field, and an increment to infinity: the server's errors.
        let e = c.hincrby("h", "e", 1).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Response, "{e}");
        let e = c.hincrbyfloat("h", "f", f64::INFINITY).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Response, "{e}");

        assert_eq!(c.hdel("h", ["a", "b", "nope"]).unwrap(), 2);
        assert_eq!(c.hdel("h", "a").unwrap(), 0);
        assert_eq!(c.hdel("missing", "a").unwrap(), 0);
        // Deleting the last field deletes the key.
        c.hset("solo", [("x", 1)]).unwrap();
        assert_eq!(c.hdel("solo", "x").unwrap(), 1);
        assert_eq!(c.exists("solo").unwrap(), 0);
    }
}

#[test]
fn binary_keys_fields_and_values_round_trip() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        assert_eq!(c.hset(BIN_KEY, [(BIN_FIELD, BIN_VALUE)]).unwrap(), 1);
        let v: Option<Vec<u8>> = c.hget(BIN_KEY, BIN_FIELD).unwrap();
        assert_eq!(v.as_deref(), Some(BIN_VALUE));
        let all: HashMap<Vec<u8>, Vec<u8>> = c.hgetall(BIN_KEY).unwrap();
        assert_eq!(
            all,
            HashMap::from([(BIN_FIELD.to_vec(), BIN_VALUE.to_vec())])
        );
        assert_eq!(c.hkeys::<Vec<u8>>(BIN_KEY).unwrap(), [BIN_FIELD.to_vec()]);
        assert_eq!(c.hvals::<Vec<u8>>(BIN_KEY).unwrap(), [BIN_VALUE.to_vec()]);
        assert_eq!(
            c.hstrlen(BIN_KEY, BIN_FIELD).unwrap(),
            BIN_VALUE.len() as u64
        );
        assert_eq!(
            c.hrandfield::<Vec<u8>>(BIN_KEY).unwrap().as_deref(),
            Some(BIN_FIELD)
        );
        // Invalid UTF-8 asked for as a String: a conversion error naming both sides.
        let e = c.hget::<String>(BIN_KEY, BIN_FIELD).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion, "{e}");
        c.ping().unwrap();
    }
}

#[test]
fn random_fields_and_scans() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        let pairs: Vec<(String, i64)> = (0..20).map(|i| (format!("f{i}"), i)).collect();
        c.hset("h", &pairs).unwrap();
        let all: HashMap<String, i64> = pairs.iter().cloned().collect();

        let one: String = c.hrandfield("h").unwrap().unwrap();
        assert!(all.contains_key(&one));
        assert_eq!(c.hrandfield::<String>("missing").unwrap(), None);

        let five: Vec<String> = c.hrandfield_count("h", 5).unwrap();
        assert_eq!(five.iter().collect::<HashSet<_>>().len(), 5, "distinct");
        let capped: Vec<String> = c.hrandfield_count("h", 50).unwrap();
        assert_eq!(capped.len(), 20, "a positive count is capped at the size");
        let repeats: Vec<String> = c.hrandfield_count("h", -50).unwrap();
        assert_eq!(repeats.len(), 50, "a negative count is exact, with repeats");
        assert!(repeats.iter().all(|f| all.contains_key(f)));
        assert!(
            c.hrandfield_count::<String>("missing", 3)
                .unwrap()
                .is_empty()
        );
        assert!(c.hrandfield_count::<String>("h", 0).unwrap().is_empty());

        // Flat on RESP2, an array of pairs on RESP3: the same Vec<(F, V)>.
        let with: Vec<(String, i64)> = c.hrandfield_withvalues("h", 4).unwrap();
        assert_eq!(with.len(), 4);
        assert!(with.iter().all(|(f, v)| all[f] == *v));
        let with: Vec<(String, i64)> = c.hrandfield_withvalues("h", -30).unwrap();
        assert_eq!(with.len(), 30);
        assert!(with.iter().all(|(f, v)| all[f] == *v));
        let none: Vec<(String, i64)> = c.hrandfield_withvalues("missing", 2).unwrap();
        assert!(none.is_empty());

        let scanned: HashMap<String, i64> =
            hscan::<String, i64, _>(&mut c, "h", ScanOptions::new().count(3))
                .collect::<redisync::Result<_>>()
                .unwrap();
        assert_eq!(scanned, all);
        let matched: Vec<(String, i64)> = hscan(&mut c, "h", ScanOptions::new().pattern("f1?"))
            .collect::<redisync::Result<_>>()
            .unwrap();
        assert_eq!(matched.len(), 10);
        assert_eq!(
            hscan::<String, String, _>(&mut c, "missing", ScanOptions::new()).count(),
            0
        );
    }
}

#[test]
fn a_key_of_another_type_is_wrongtype_and_the_connection_stays_usable() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        c.set("s", "text").unwrap();
        assert_wrongtype(&c.hget::<String>("s", "f").unwrap_err());
        assert_wrongtype(&c.hset("s", [("f", 1)]).unwrap_err());
        assert_wrongtype(&c.hgetall::<String, String>("s").unwrap_err());
        assert_wrongtype(&c.hmget::<String>("s", ["a"]).unwrap_err());
        assert_wrongtype(&c.hlen("s").unwrap_err());
        assert_wrongtype(&c.hincrby("s", "f", 1).unwrap_err());
        assert_wrongtype(
            &c.hrandfield_withvalues::<String, String>("s", 1)
                .unwrap_err(),
        );
        if has_field_expiry(&server) {
            assert_wrongtype(&c.httl("s", ["f"]).unwrap_err());
            assert_wrongtype(
                &c.hexpire("s", Duration::from_secs(5), None, ["f"])
                    .unwrap_err(),
            );
        }
        if has_hgetex_hsetex(&server) {
            assert_wrongtype(
                &c.hgetex::<String>("s", HGetExOptions::new(), ["f"])
                    .unwrap_err(),
            );
            assert_wrongtype(&c.hsetex("s", HSetExOptions::new(), [("f", 1)]).unwrap_err());
        }
        c.ping().unwrap();
        assert_eq!(c.get::<String>("s").unwrap().as_deref(), Some("text"));
    }
}

#[test]
fn field_expiry_sets_reads_and_removes_per_field_times() {
    let server = RedisServer::start();
    let secs = Duration::from_secs;
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        c.hset("h", [("a", 1), ("b", 2), ("c", 3)]).unwrap();
        if !has_field_expiry(&server) {
            assert_unknown_command(
                &c.hexpire("h", secs(5), None, ["a"]).unwrap_err(),
                "hexpire",
            );
            assert_unknown_command(
                &c.hpexpire("h", secs(5), None, ["a"]).unwrap_err(),
                "hpexpire",
            );
            let at = SystemTime::now() + secs(60);
            assert_unknown_command(&c.hexpireat("h", at, None, ["a"]).unwrap_err(), "hexpireat");
            assert_unknown_command(
                &c.hpexpireat("h", at, None, ["a"]).unwrap_err(),
                "hpexpireat",
            );
            assert_unknown_command(&c.httl("h", ["a"]).unwrap_err(), "httl");
            assert_unknown_command(&c.hpttl("h", ["a"]).unwrap_err(), "hpttl");
            assert_unknown_command(&c.hexpiretime("h", ["a"]).unwrap_err(), "hexpiretime");
            assert_unknown_command(&c.hpexpiretime("h", ["a"]).unwrap_err(), "hpexpiretime");
            assert_unknown_command(&c.hpersist("h", ["a"]).unwrap_err(), "hpersist");
            c.ping().unwrap();
            continue;
        }
        use FieldExpiry::*;
        assert_eq!(
            c.hexpire("h", secs(100), None, ["a", "nope"]).unwrap(),
            [Set, NoField]
        );
        // NX: only fields without an expiry; XX: only fields with one.
        assert_eq!(
            c.hexpire("h", secs(200), Some(ExpireCondition::Nx), ["a", "b"])
                .unwrap(),
            [ConditionNotMet, Set]
        );
        assert_eq!(
            c.hpexpire("h", secs(300), Some(ExpireCondition::Xx), ["a", "c"])
                .unwrap(),
            [Set, ConditionNotMet]
        );
        // GT: a field without an expiry counts as forever, so nothing is later.
        assert_eq!(
            c.hexpire("h", secs(1000), Some(ExpireCondition::Gt), ["c"])
                .unwrap(),
            [ConditionNotMet]
        );
        assert_eq!(
            c.hexpire("h", secs(50), Some(ExpireCondition::Lt), ["a"])
                .unwrap(),
            [Set]
        );
        assert_eq!(
            c.hexpire("missing", secs(5), None, ["a"]).unwrap(),
            [NoField]
        );

        // HTTL answers in seconds, shaped to the same Ttl HPTTL gives.
        let ttls = c.httl("h", ["a", "b", "c", "nope"]).unwrap();
        assert!((45_000..=50_000).contains(&ms(ttls[0])), "{ttls:?}");
        assert!((195_000..=200_000).contains(&ms(ttls[1])), "{ttls:?}");
        assert_eq!(ttls[2..], [Ttl::Persistent, Ttl::Missing]);
        let pttls = c.hpttl("h", ["a", "c", "nope"]).unwrap();
        assert!((45_000..=50_000).contains(&ms(pttls[0])), "{pttls:?}");
        assert_eq!(pttls[1..], [Ttl::Persistent, Ttl::Missing]);
        assert_eq!(c.httl("missing", ["a", "b"]).unwrap(), [Ttl::Missing; 2]);

        // At a given time; HEXPIRETIME in seconds, HPEXPIRETIME to the millisecond.
        let at = UNIX_EPOCH + Duration::from_millis(4_000_000_000_123);
        assert_eq!(c.hpexpireat("h", at, None, ["b"]).unwrap(), [Set]);
        assert_eq!(
            c.hpexpiretime("h", ["b", "c", "nope"]).unwrap(),
            [
                ExpireTime::At(at),
                ExpireTime::Persistent,
                ExpireTime::Missing
            ]
        );
        assert_eq!(
            c.hexpiretime("h", ["b"]).unwrap(),
            [ExpireTime::At(UNIX_EPOCH + secs(4_000_000_000))]
        );
        let at = UNIX_EPOCH + secs(4_100_000_000);
        assert_eq!(c.hexpireat("h", at, None, ["c"]).unwrap(), [Set]);
        assert_eq!(c.hexpiretime("h", ["c"]).unwrap(), [ExpireTime::At(at)]);

        // HPERSIST: removed, had none, no such field.
        c.hset("h", [("d", 4)]).unwrap();
        assert_eq!(
            c.hpersist("h", ["c", "d", "nope"]).unwrap(),
            [
                FieldPersist::Persisted,
                FieldPersist::NoExpiry,
                FieldPersist::NoField
            ]
        );
        assert_eq!(c.httl("h", ["c"]).unwrap(), [Ttl::Persistent]);

        // A time already past deletes the field at once.
        let past = UNIX_EPOCH + secs(1);
        assert_eq!(c.hexpireat("h", past, None, ["d"]).unwrap(), [Deleted]);
        assert!(!c.hexists("h", "d").unwrap());

        // A field that expires is gone.
        assert_eq!(
            c.hpexpire("h", Duration::from_millis(20), None, ["a"])
                .unwrap(),
            [Set]
        );
        support::wait_until(Duration::from_secs(5), "field a expires", || {
            !c.hexists("h", "a").unwrap()
        });
    }
}

#[test]
fn field_expiry_refuses_zero_and_pre_epoch_times_before_sending() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.hset("h", [("a", 1)]).unwrap();
        let before = (
            server.command_calls("hexpire"),
            server.command_calls("hpexpire"),
        );
        let e = c.hexpire("h", Duration::ZERO, None, ["a"]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        let e = c.hpexpire("h", Duration::ZERO, None, ["a"]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        let pre_epoch = UNIX_EPOCH - Duration::from_secs(1);
        let e = c.hexpireat("h", pre_epoch, None, ["a"]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        let e = c.hpexpireat("h", pre_epoch, None, ["a"]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        assert_eq!(
            (
                server.command_calls("hexpire"),
                server.command_calls("hpexpire")
            ),
            before
        );
        assert_eq!(server.command_calls("hexpireat"), 0);
        assert_eq!(server.command_calls("hpexpireat"), 0);
        c.ping().unwrap();
    }
}

#[test]
fn hsetex_hgetex_and_hgetdel() {
    let server = RedisServer::start();
    let secs = Duration::from_secs;
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        if !has_hgetex_hsetex(&server) {
            assert_unknown_command(
                &c.hsetex("h", HSetExOptions::new(), [("a", 1)]).unwrap_err(),
                "hsetex",
            );
            assert_unknown_command(
                &c.hgetex::<String>("h", HGetExOptions::new(), ["a"])
                    .unwrap_err(),
                "hgetex",
            );
        } else {
            // NX on the key: only a new hash; XX: only an existing one.
            assert!(
                !c.hsetex("h", HSetExOptions::new().xx(), [("a", 1)])
                    .unwrap()
            );
            assert_eq!(c.exists("h").unwrap(), 0);
            let o = HSetExOptions::new().nx().ex(secs(100));
            assert!(c.hsetex("h", o, [("a", "1"), ("b", "2")]).unwrap());
            let ttls = c.hpttl("h", ["a", "b"]).unwrap();
            assert!(
                ttls.iter().all(|t| (95_000..=100_000).contains(&ms(*t))),
                "{ttls:?}"
            );
            assert!(
                !c.hsetex("h", HSetExOptions::new().nx(), [("c", 3)])
                    .unwrap()
            );
            // FNX: only when no field exists; FXX: only when all do. Nothing is set otherwise.
            assert!(
                !c.hsetex("h", HSetExOptions::new().fnx(), [("a", 9), ("c", 3)])
                    .unwrap()
            );
            assert_eq!(c.hget::<i64>("h", "c").unwrap(), None);
            assert!(
                !c.hsetex("h", HSetExOptions::new().fxx(), [("a", 9), ("c", 3)])
                    .unwrap()
            );
            assert_eq!(c.hget::<i64>("h", "a").unwrap(), Some(1));
            let o = HSetExOptions::new().xx().fxx().keep_ttl();
            assert!(c.hsetex("h", o, [("a", 7)]).unwrap());
            assert!(
                ms(c.hpttl("h", ["a"]).unwrap()[0]) > 90_000,
                "KEEPTTL kept it"
            );
            // Without an expiry option the fields set lose theirs.
            assert!(c.hsetex("h", HSetExOptions::new(), [("a", 8)]).unwrap());
            assert_eq!(c.httl("h", ["a"]).unwrap(), [Ttl::Persistent]);
            let at = SystemTime::now() + secs(500);
            assert!(
                c.hsetex("h", HSetExOptions::new().pxat(at), [("c", 3)])
                    .unwrap()
            );
            assert!(ms(c.hpttl("h", ["c"]).unwrap()[0]) > 490_000);

            // HGETEX reads like HMGET and changes the expiry of the fields that exist.
            let got: Vec<Option<i64>> = c
                .hgetex("h", HGetExOptions::new().ex(secs(30)), ["a", "nope"])
                .unwrap();
            assert_eq!(got, [Some(8), None]);
            assert!((25_000..=30_000).contains(&ms(c.hpttl("h", ["a"]).unwrap()[0])));
            let got: Vec<Option<i64>> = c
                .hgetex("h", HGetExOptions::new().persist(), ["a", "c"])
                .unwrap();
            assert_eq!(got, [Some(8), Some(3)]);
            assert_eq!(c.httl("h", ["a", "c"]).unwrap(), [Ttl::Persistent; 2]);
            let got: Vec<Option<Vec<u8>>> = c.hgetex("h", HGetExOptions::new(), ["b"]).unwrap();
            assert_eq!(got, [Some(b"2".to_vec())]);
            let got: Vec<Option<String>> = c
                .hgetex("missing", HGetExOptions::new().px(secs(1)), ["a", "b"])
                .unwrap();
            assert_eq!(got, [None, None]);
            let got: Vec<Option<String>> = c
                .hgetex("h", HGetExOptions::new().exat(UNIX_EPOCH + secs(1)), ["b"])
                .unwrap();
            assert_eq!(got.as_slice(), [Some("2".to_string())]);
            assert!(
                !c.hexists("h", "b").unwrap(),
                "a past EXAT deletes the field"
            );

            // Binary fields and values.
            let o = HSetExOptions::new().px(Duration::from_millis(60_000));
            assert!(c.hsetex(BIN_KEY, o, [(BIN_FIELD, BIN_VALUE)]).unwrap());
            let got: Vec<Option<Vec<u8>>> = c
                .hgetex(BIN_KEY, HGetExOptions::new(), [BIN_FIELD])
                .unwrap();
            assert_eq!(got, [Some(BIN_VALUE.to_vec())]);
        }

        if !has_hgetdel(&server) {
            assert_unknown_command(&c.hgetdel::<String>("h", ["a"]).unwrap_err(), "hgetdel");
        } else {
            c.hset("d", [("x", 1), ("y", 2)]).unwrap();
            let got: Vec<Option<i64>> = c.hgetdel("d", ["x", "nope"]).unwrap();
            assert_eq!(got, [Some(1), None]);
            assert!(!c.hexists("d", "x").unwrap());
            let got: Vec<Option<i64>> = c.hgetdel("d", ["y"]).unwrap();
            assert_eq!(got, [Some(2)]);
            assert_eq!(
                c.exists("d").unwrap(),
                0,
                "the key goes with its last field"
            );
            let got: Vec<Option<i64>> = c.hgetdel("missing", ["a"]).unwrap();
            assert_eq!(got, [None]);
        }
        c.ping().unwrap();
    }
}

#[test]
fn conflicting_hsetex_and_hgetex_options_are_refused_before_sending() {
    let server = RedisServer::start();
    let s = Duration::from_secs(5);
    for mut c in per_protocol(server.port()) {
        let refused = [
            c.hsetex("h", HSetExOptions::new().nx().xx(), [("a", 1)]),
            c.hsetex("h", HSetExOptions::new().fnx().fxx(), [("a", 1)]),
            c.hsetex("h", HSetExOptions::new().ex(s).px(s), [("a", 1)]),
            c.hsetex("h", HSetExOptions::new().keep_ttl().ex(s), [("a", 1)]),
            c.hsetex("h", HSetExOptions::new().ex(Duration::ZERO), [("a", 1)]),
            c.hsetex("h", HSetExOptions::new(), ("a", 1, "b")),
        ];
        for r in refused {
            assert_eq!(r.unwrap_err().kind(), ErrorKind::InvalidInput);
        }
        for o in [
            HGetExOptions::new().persist().ex(s),
            HGetExOptions::new()
                .exat(SystemTime::now())
                .pxat(SystemTime::now()),
            HGetExOptions::new().px(Duration::ZERO),
        ] {
            let e = c.hgetex::<String>("h", o, ["a"]).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        }
        // Through a pipeline: the whole pipeline fails when sent, and sends nothing.
        let e = redisync::pipe()
            .hset("h", [("a", 1)])
            .hsetex("h", HSetExOptions::new().nx().xx(), [("a", 1)])
            .query(&mut c)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(server.command_calls("hset"), 0);
        c.ping().unwrap();
    }
    assert_eq!(server.command_calls("hsetex"), 0);
    assert_eq!(server.command_calls("hgetex"), 0);
}

#[test]
fn hash_commands_in_a_pipeline() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        let (added, name, all, missing, n) = redisync::pipe()
            .hset("user", [("name", "ada"), ("lang", "en")])
            .hget::<String>("user", "name")
            .hgetall::<String, String>("user")
            .hmget::<String>("user", ["nope"])
            .hincrby("user", "visits", 2)
            .query(&mut c)
            .unwrap();
        assert_eq!(added, 2);
        assert_eq!(name.as_deref(), Some("ada"));
        assert_eq!(all.len(), 2);
        assert_eq!(missing, [None]);
        assert_eq!(n, 2);
        if has_field_expiry(&server) {
            // Shaped replies (seconds into Ttl) are shaped in a pipeline too.
            let (set, ttl) = redisync::pipe()
                .hexpire("user", Duration::from_secs(100), None, ["name"])
                .httl("user", ["name", "lang"])
                .query(&mut c)
                .unwrap();
            assert_eq!(set, [FieldExpiry::Set]);
            assert!(ms(ttl[0]) > 90_000);
            assert_eq!(ttl[1], Ttl::Persistent);
        }
    }
}
