//! The set commands (`SetCommands`) against a real server, on RESP2 and RESP3 alike (a RESP3
//! set reply and a RESP2 array convert to the same `HashSet`): the values a user checks, the
//! edge replies (missing keys, empty sets, `WRONGTYPE`, binary members), `SINTERCARD` where the
//! server has it and its unknown-command error where it does not.
//!
//!     REDIS_SERVER_BIN=/path/to/server cargo test --all-features --test cmd_sets

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients;
mod support;

use std::collections::HashSet;

use clients::{assert_unknown_command, assert_wrongtype, flush, per_protocol};
use redisync::prelude::*;
use redisync::{ScanOptions, sscan};
use support::RedisServer;

const BIN_KEY: &[u8] = b"s\r\n\xff\x00";
const BIN: &[u8] = b"\xff\r\n\x00m";

fn set(members: &[&str]) -> HashSet<String> {
    members.iter().map(|s| s.to_string()).collect()
}

#[test]
fn members_are_added_tested_moved_and_removed() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        assert_eq!(c.sadd("s", ["a", "b", "c"]).unwrap(), 3);
        assert_eq!(c.sadd("s", ["c", "d"]).unwrap(), 1);
        assert_eq!(c.scard("s").unwrap(), 4);
        assert_eq!(c.scard("missing").unwrap(), 0);
        assert!(c.sismember("s", "a").unwrap());
        assert!(!c.sismember("s", "nope").unwrap());
        assert!(!c.sismember("missing", "a").unwrap());
        assert_eq!(
            c.smismember("s", ["a", "nope", "d"]).unwrap(),
            [true, false, true]
        );
        assert_eq!(c.smismember("missing", ["a"]).unwrap(), [false]);
        let all: HashSet<String> = c.smembers("s").unwrap();
        assert_eq!(all, set(&["a", "b", "c", "d"]));
        assert!(c.smembers::<String>("missing").unwrap().is_empty());

        assert!(c.smove("s", "t", "a").unwrap());
        assert!(!c.smove("s", "t", "a").unwrap());
        assert!(!c.smove("missing", "t", "a").unwrap());
        assert_eq!(c.smembers::<String>("t").unwrap(), set(&["a"]));

        assert_eq!(c.srem("s", ["b", "nope"]).unwrap(), 1);
        assert_eq!(c.srem("missing", "b").unwrap(), 0);
        assert_eq!(c.srem("t", "a").unwrap(), 1);
        assert_eq!(c.exists("t").unwrap(), 0, "the last member takes the key");

        // Numbers as members, read back as numbers.
        c.sadd("n", [1, 2, 3]).unwrap();
        let n: HashSet<i64> = c.smembers("n").unwrap();
        assert_eq!(n, HashSet::from([1, 2, 3]));
    }
}

#[test]
fn binary_keys_and_members_round_trip() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        assert_eq!(c.sadd(BIN_KEY, [BIN, b"plain"]).unwrap(), 2);
        assert!(c.sismember(BIN_KEY, BIN).unwrap());
        let all: HashSet<Vec<u8>> = c.smembers(BIN_KEY).unwrap();
        assert_eq!(all, HashSet::from([BIN.to_vec(), b"plain".to_vec()]));
        let inter: HashSet<Vec<u8>> = c.sinter([BIN_KEY]).unwrap();
        assert_eq!(inter, all);
        // Invalid UTF-8 asked for as a String: a conversion error.
        let e = c.smembers::<String>(BIN_KEY).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion, "{e}");
        assert!(c.smove(BIN_KEY, b"dst\r\n", BIN).unwrap());
        assert_eq!(
            c.spop::<Vec<u8>>(&b"dst\r\n"[..]).unwrap().as_deref(),
            Some(BIN)
        );
        c.ping().unwrap();
    }
}

#[test]
fn differences_intersections_and_unions() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        c.sadd("a", ["1", "2", "3", "4"]).unwrap();
        c.sadd("b", ["3", "4", "5"]).unwrap();
        c.sadd("c", ["4", "6"]).unwrap();

        assert_eq!(c.sdiff::<String>(["a", "b"]).unwrap(), set(&["1", "2"]));
        assert_eq!(
            c.sdiff::<String>(["a", "b", "c"]).unwrap(),
            set(&["1", "2"])
        );
        assert_eq!(c.sdiff::<String>(["a", "missing"]).unwrap().len(), 4);
        assert!(c.sdiff::<String>(["missing", "a"]).unwrap().is_empty());
        assert_eq!(c.sinter::<String>(["a", "b"]).unwrap(), set(&["3", "4"]));
        assert_eq!(c.sinter::<String>(["a", "b", "c"]).unwrap(), set(&["4"]));
        assert!(c.sinter::<String>(["a", "missing"]).unwrap().is_empty());
        assert_eq!(
            c.sunion::<String>(["b", "c"]).unwrap(),
            set(&["3", "4", "5", "6"])
        );
        assert_eq!(
            c.sunion::<String>(["missing", "c"]).unwrap(),
            set(&["4", "6"])
        );
        assert_eq!(c.sunion::<String>("c").unwrap(), set(&["4", "6"]));

        assert_eq!(c.sdiffstore("d", ["a", "b"]).unwrap(), 2);
        assert_eq!(c.smembers::<String>("d").unwrap(), set(&["1", "2"]));
        assert_eq!(c.sinterstore("d", ["a", "b"]).unwrap(), 2);
        assert_eq!(c.smembers::<String>("d").unwrap(), set(&["3", "4"]));
        assert_eq!(c.sunionstore("d", ["b", "c"]).unwrap(), 4);
        assert_eq!(c.scard("d").unwrap(), 4);
        // An empty result replaces the destination by nothing.
        assert_eq!(c.sinterstore("d", ["a", "missing"]).unwrap(), 0);
        assert_eq!(c.exists("d").unwrap(), 0);

        if server.version() >= (7, 0, 0) {
            assert_eq!(c.sintercard(["a", "b"], None).unwrap(), 2);
            assert_eq!(c.sintercard(["a", "b", "c"], None).unwrap(), 1);
            assert_eq!(c.sintercard("a", Some(3)).unwrap(), 3);
            assert_eq!(c.sintercard("a", Some(0)).unwrap(), 4, "LIMIT 0: no limit");
            assert_eq!(c.sintercard(["a", "missing"], None).unwrap(), 0);
        } else {
            assert_unknown_command(&c.sintercard(["a", "b"], None).unwrap_err(), "sintercard");
            c.ping().unwrap();
        }
    }
}

#[test]
fn pops_and_random_members_with_and_without_counts() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        let members: Vec<String> = (0..10).map(|i| format!("m{i}")).collect();
        c.sadd("s", &members).unwrap();
        let all: HashSet<String> = members.iter().cloned().collect();

        let one: String = c.srandmember("s").unwrap().unwrap();
        assert!(all.contains(&one));
        assert_eq!(c.scard("s").unwrap(), 10, "SRANDMEMBER leaves the member");
        let some: Vec<String> = c.srandmember_count("s", 4).unwrap();
        assert_eq!(some.len(), 4);
        assert_eq!(some.iter().collect::<HashSet<_>>().len(), 4, "distinct");
        let capped: Vec<String> = c.srandmember_count("s", 50).unwrap();
        assert_eq!(capped.len(), 10);
        let repeats: Vec<String> = c.srandmember_count("s", -25).unwrap();
        assert_eq!(repeats.len(), 25, "a negative count is exact, with repeats");
        assert!(repeats.iter().all(|m| all.contains(m)));
        assert_eq!(c.srandmember::<String>("missing").unwrap(), None);
        assert!(
            c.srandmember_count::<String>("missing", -3)
                .unwrap()
                .is_empty()
        );

        let popped: String = c.spop("s").unwrap().unwrap();
        assert!(all.contains(&popped));
        assert!(!c.sismember("s", &popped).unwrap());
        let popped: Vec<String> = c.spop_count("s", 3).unwrap();
        assert_eq!(popped.iter().collect::<HashSet<_>>().len(), 3);
        assert_eq!(c.scard("s").unwrap(), 6);
        let rest: Vec<String> = c.spop_count("s", 100).unwrap();
        assert_eq!(rest.len(), 6);
        assert_eq!(c.exists("s").unwrap(), 0);
        assert_eq!(c.spop::<String>("s").unwrap(), None);
        assert!(c.spop_count::<String>("s", 2).unwrap().is_empty());
    }
}

#[test]
fn sscan_yields_every_member_once() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        let members: Vec<String> = (0..300).map(|i| format!("m{i}")).collect();
        c.sadd("s", &members).unwrap();
        let scanned: Vec<String> = sscan(&mut c, "s", ScanOptions::new().count(50))
            .collect::<redisync::Result<_>>()
            .unwrap();
        let distinct: HashSet<String> = scanned.iter().cloned().collect();
        assert_eq!(distinct, members.iter().cloned().collect());
        let matched: Vec<String> = sscan(&mut c, "s", ScanOptions::new().pattern("m1?"))
            .collect::<redisync::Result<_>>()
            .unwrap();
        assert_eq!(matched.len(), 10);
        assert_eq!(
            sscan::<String, _>(&mut c, "missing", ScanOptions::new()).count(),
            0
        );
    }
}

#[test]
fn a_key_of_another_type_is_wrongtype_and_the_connection_stays_usable() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        c.set("str", "text").unwrap();
        c.sadd("s", "a").unwrap();
        assert_wrongtype(&c.sadd("str", "x").unwrap_err());
        assert_wrongtype(&c.smembers::<String>("str").unwrap_err());
        assert_wrongtype(&c.sismember("str", "x").unwrap_err());
        assert_wrongtype(&c.smismember("str", ["x"]).unwrap_err());
        assert_wrongtype(&c.sinter::<String>(["s", "str"]).unwrap_err());
        assert_wrongtype(&c.sunionstore("d", ["s", "str"]).unwrap_err());
        assert_wrongtype(&c.smove("s", "str", "a").unwrap_err());
        assert_wrongtype(&c.spop_count::<String>("str", 2).unwrap_err());
        assert_wrongtype(&c.srandmember_count::<String>("str", -2).unwrap_err());
        if server.version() >= (7, 0, 0) {
            assert_wrongtype(&c.sintercard(["s", "str"], None).unwrap_err());
        }
        let e = sscan::<String, _>(&mut c, "str", ScanOptions::new())
            .next()
            .unwrap()
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::WrongType);
        c.ping().unwrap();
        assert!(
            c.sismember("s", "a").unwrap(),
            "the failed SMOVE moved nothing"
        );
    }
}

#[test]
fn set_commands_in_a_pipeline() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        let (added, members, is, are, card) = redisync::pipe()
            .sadd("s", ["a", "b"])
            .smembers::<String>("s")
            .sismember("s", "a")
            .smismember("s", ["b", "z"])
            .scard("s")
            .query(&mut c)
            .unwrap();
        assert_eq!(added, 2);
        assert_eq!(members, set(&["a", "b"]));
        assert!(is);
        assert_eq!(are, [true, false]);
        assert_eq!(card, 2);
    }
}
