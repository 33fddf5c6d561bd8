//! SCAN, HSCAN, SSCAN and ZSCAN iterators against a real server on RESP2, RESP3, through a
//! `Client` and a pooled connection; and against a scripted server that never finishes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients;
mod support;

use clients::per_protocol;

use std::collections::{BTreeMap, HashSet};

use redisync::{
    Client, Connection, ConnectionConfig, ErrorKind, Protocol, Result, ScanOptions, cmd, hscan,
    scan, sscan, zscan,
};
use support::{FakeServer, RedisServer, Step};

fn reset_stats(server: &RedisServer) {
    assert_eq!(server.raw_command(&["CONFIG", "RESETSTAT"]), "+OK\r\n");
}

fn fill(conn: &mut Connection, prefix: &str, n: usize) -> HashSet<String> {
    let keys: Vec<String> = (0..n).map(|i| format!("{prefix}{i}")).collect();
    let pairs: Vec<(&str, usize)> = keys.iter().map(|k| (k.as_str(), 1)).collect();
    cmd("MSET").arg(&pairs).exec(conn).unwrap();
    keys.into_iter().collect()
}

/// Collects and checks that nothing came twice.
fn distinct<T: Eq + std::hash::Hash + std::fmt::Debug>(
    items: impl Iterator<Item = Result<T>>,
) -> HashSet<T> {
    let all: Vec<T> = items.collect::<Result<_>>().unwrap();
    let n = all.len();
    let set: HashSet<T> = all.into_iter().collect();
    assert_eq!(set.len(), n, "an element came back twice");
    set
}

#[test]
fn scan_returns_each_of_1000_keys_exactly_once() {
    let server = RedisServer::start();
    let mut conns = per_protocol(server.port());
    let want = fill(&mut conns[0], "key:", 1000);
    for c in &mut conns {
        let got = distinct(scan::<String, _>(&mut *c, ScanOptions::new()));
        assert_eq!(got, want, "{:?}", c.protocol());
    }
    let client = Client::open(&server.url()).unwrap();
    assert_eq!(distinct(scan(&client, ScanOptions::new())), want);
    let mut pooled = client.get_connection().unwrap();
    assert_eq!(
        distinct(scan(&mut pooled, ScanOptions::new().count(50))),
        want
    );
}

#[test]
fn batches_are_fetched_only_when_needed() {
    let server = RedisServer::start();
    let mut conns = per_protocol(server.port());
    fill(&mut conns[0], "lazy:", 1000);
    for c in &mut conns {
        reset_stats(&server);
        let mut it = scan::<String, _>(&mut *c, ScanOptions::new().count(100));
        assert_eq!(
            server.command_calls("scan"),
            0,
            "nothing sent before the first next()"
        );
        for _ in 0..20 {
            it.next().unwrap().unwrap();
        }
        assert_eq!(server.command_calls("scan"), 1);
        assert_eq!(it.count(), 980);
    }
}

#[test]
fn match_and_type_filter() {
    let server = RedisServer::start();
    let (mut conns, client) = (
        per_protocol(server.port()),
        Client::open(&server.url()).unwrap(),
    );
    let users = fill(&mut conns[0], "user:", 50);
    fill(&mut conns[0], "other:", 50);
    for (key, kind) in [("user:h", "HSET"), ("other:h", "HSET")] {
        cmd(kind)
            .arg(key)
            .arg(("f", "v"))
            .exec(&mut conns[0])
            .unwrap();
    }
    cmd("RPUSH")
        .arg("user:l")
        .arg("x")
        .exec(&mut conns[0])
        .unwrap();

    let strings = ScanOptions::new().pattern("user:*").kind("string");
    let hashes = ScanOptions::new().kind("hash");
    let mut all_users = users.clone();
    all_users.extend(["user:h".to_string(), "user:l".to_string()]);
    let hash_keys: HashSet<String> = ["user:h".into(), "other:h".into()].into();
    for c in &mut conns {
        assert_eq!(distinct(scan(&mut *c, strings.clone())), users);
        let matched = distinct(scan(&mut *c, ScanOptions::new().pattern("user:*")));
        assert_eq!(matched, all_users);
        assert_eq!(distinct(scan(&mut *c, hashes.clone())), hash_keys);
        let none = ScanOptions::new().pattern("nothing:*").count(7);
        assert!(distinct(scan::<String, _>(&mut *c, none)).is_empty());
        let binary_pattern = ScanOptions::new().pattern(b"user:4?".as_slice());
        assert_eq!(
            distinct(scan::<String, _>(&mut *c, binary_pattern)).len(),
            10
        );
    }
    assert_eq!(distinct(scan(&client, strings)), users);
    assert_eq!(distinct(scan(&client, hashes)), hash_keys);
}

#[test]
fn a_larger_count_means_fewer_round_trips() {
    let server = RedisServer::start();
    let mut conns = per_protocol(server.port());
    let want = fill(&mut conns[0], "c:", 1000);
    for c in &mut conns {
        reset_stats(&server);
        assert_eq!(distinct(scan(&mut *c, ScanOptions::new())), want);
        let default_trips = server.command_calls("scan");
        reset_stats(&server);
        assert_eq!(
            distinct(scan(&mut *c, ScanOptions::new().count(1000))),
            want
        );
        let big_trips = server.command_calls("scan");
        // The default COUNT is 10: about 100 calls for 1000 keys.
        assert!(default_trips >= 50, "{default_trips}");
        assert!(big_trips <= 3, "{big_trips}");
    }
}

#[test]
fn hscan_sscan_zscan_yield_pairs_members_and_scores() {
    let server = RedisServer::start();
    let (mut conns, client) = (
        per_protocol(server.port()),
        Client::open(&server.url()).unwrap(),
    );
    // Big enough for hash-table encodings (several batches) and small listpack/intset ones
    // (one batch, whatever COUNT says).
    let big_hash: BTreeMap<String, i64> = (0..300).map(|i| (format!("f{i}"), i * 3)).collect();
    let small_hash: BTreeMap<String, i64> = [("a".to_string(), 1), ("b".to_string(), 2)].into();
    let big_set: HashSet<String> = (0..300).map(|i| format!("m{i}")).collect();
    let int_set: HashSet<i64> = [1, 2, 3, -7].into();
    let mut zset: BTreeMap<String, f64> = (0..300)
        .map(|i| (format!("z{i}"), i as f64 * 0.5 - 20.0))
        .collect();
    zset.insert("top".into(), f64::INFINITY);
    zset.insert("bottom".into(), f64::NEG_INFINITY);
    let c0 = &mut conns[0];
    cmd("HSET")
        .arg("h:big")
        .arg(&big_hash)
        .exec(&mut *c0)
        .unwrap();
    cmd("HSET")
        .arg("h:small")
        .arg(&small_hash)
        .exec(&mut *c0)
        .unwrap();
    cmd("SADD")
        .arg("s:big")
        .arg(&big_set)
        .exec(&mut *c0)
        .unwrap();
    cmd("SADD")
        .arg("s:int")
        .arg(&int_set)
        .exec(&mut *c0)
        .unwrap();
    let score_member: Vec<(f64, &str)> = zset.iter().map(|(m, s)| (*s, m.as_str())).collect();
    cmd("ZADD")
        .arg("z")
        .arg(&score_member)
        .exec(&mut *c0)
        .unwrap();

    let check = |h: BTreeMap<String, i64>,
                 hs: BTreeMap<String, i64>,
                 s: HashSet<String>,
                 si: HashSet<i64>,
                 z: BTreeMap<String, f64>| {
        assert_eq!(h, big_hash);
        assert_eq!(hs, small_hash);
        assert_eq!(s, big_set);
        assert_eq!(si, int_set);
        assert_eq!(z, zset);
    };
    for c in &mut conns {
        let o = ScanOptions::new;
        check(
            hscan(&mut *c, "h:big", o()).collect::<Result<_>>().unwrap(),
            hscan(&mut *c, "h:small", o().count(1))
                .collect::<Result<_>>()
                .unwrap(),
            distinct(sscan(&mut *c, "s:big", o())),
            distinct(sscan(&mut *c, "s:int", o())),
            zscan(&mut *c, "z", o().count(50))
                .collect::<Result<_>>()
                .unwrap(),
        );
        // MATCH applies to fields and members.
        let f1: BTreeMap<String, i64> = hscan(&mut *c, "h:big", o().pattern("f1?"))
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(f1.len(), 10);
        assert_eq!(f1["f17"], 51);
        let z: Vec<(String, f64)> = zscan(&mut *c, "z", o().pattern("to*"))
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(z, [("top".to_string(), f64::INFINITY)]);
        // A missing key is an empty iteration.
        assert_eq!(sscan::<String, _>(&mut *c, "s:none", o()).count(), 0);
    }
    let o = ScanOptions::new;
    check(
        hscan(&client, "h:big", o()).collect::<Result<_>>().unwrap(),
        hscan(&client, "h:small", o())
            .collect::<Result<_>>()
            .unwrap(),
        distinct(sscan(&client, "s:big", o())),
        distinct(sscan(&client, "s:int", o())),
        zscan(&client, "z", o()).collect::<Result<_>>().unwrap(),
    );
}

#[test]
fn server_and_conversion_errors_end_the_iteration() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        cmd("SET").arg("str").arg("v").exec(&mut c).unwrap();
        let mut it = hscan::<String, String, _>(&mut c, "str", ScanOptions::new());
        assert_eq!(it.next().unwrap().unwrap_err().kind(), ErrorKind::WrongType);
        assert!(it.next().is_none());
        assert!(it.next().is_none());

        cmd("HSET")
            .arg("h")
            .arg(("f", "not a number"))
            .exec(&mut c)
            .unwrap();
        let mut it = hscan::<String, i64, _>(&mut c, "h", ScanOptions::new());
        assert_eq!(
            it.next().unwrap().unwrap_err().kind(),
            ErrorKind::Conversion
        );
        assert!(it.next().is_none());
        // The connection is still in step.
        assert_eq!(cmd("PING").query::<String>(&mut c).unwrap(), "PONG");
    }
}

/// A connection to a fake server that sends no handshake commands.
fn fake_connection(fake: &FakeServer) -> Connection {
    let cfg = ConnectionConfig::new("127.0.0.1", fake.port())
        .protocol(Protocol::Resp2)
        .lib_info(false);
    Connection::with_config(&cfg).unwrap()
}

/// `*2 $cursor *n $item...`: a SCAN reply.
fn reply(cursor: &str, items: &[&str]) -> Step {
    let mut r = format!(
        "*2\r\n${}\r\n{cursor}\r\n*{}\r\n",
        cursor.len(),
        items.len()
    );
    for i in items {
        r.push_str(&format!("${}\r\n{i}\r\n", i.len()));
    }
    Step::reply(r)
}

#[test]
fn a_server_stuck_on_one_cursor_ends_the_scan_on_the_second_reply() {
    let fake = FakeServer::with_script(vec![
        Step::expect_args(&["SCAN", "0"]),
        reply("17", &[]),
        Step::expect_args(&["SCAN", "17"]),
        reply("17", &[]),
        Step::expect_args(&["PING"]),
        Step::reply("+PONG\r\n"),
    ]);
    let mut conn = fake_connection(&fake);
    let mut it = scan::<String, _>(&mut conn, ScanOptions::new());
    let e = it.next().unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol);
    assert!(e.to_string().contains("cursor 17"), "{e}");
    assert!(it.next().is_none());
    drop(it);
    cmd("PING").exec(&mut conn).unwrap();
    assert_eq!(fake.command_names(), ["SCAN", "SCAN", "PING"]);
    fake.check();
}

#[test]
fn a_server_going_round_in_a_circle_is_caught_on_the_second_lap() {
    // 1 -> 2 -> 3 -> 1 -> 2 -> 3: the items of every reply are yielded, then the error.
    let fake = FakeServer::with_script(vec![
        Step::expect_args(&["SCAN", "0"]),
        reply("1", &["a"]),
        Step::expect_args(&["SCAN", "1"]),
        reply("2", &["b"]),
        Step::expect_args(&["SCAN", "2"]),
        reply("3", &[]),
        Step::expect_args(&["SCAN", "3"]),
        reply("1", &[]),
        Step::expect_args(&["SCAN", "1"]),
        reply("2", &["b"]),
        Step::expect_args(&["SCAN", "2"]),
        reply("3", &[]),
    ]);
    let mut conn = fake_connection(&fake);
    let items: Vec<Result<String>> = scan(&mut conn, ScanOptions::new()).collect();
    assert_eq!(items.len(), 4, "{items:?}");
    let ok: Vec<&str> = items[..3]
        .iter()
        .map(|r| r.as_ref().unwrap().as_str())
        .collect();
    assert_eq!(ok, ["a", "b", "b"]);
    assert_eq!(items[3].as_ref().unwrap_err().kind(), ErrorKind::Protocol);
    assert_eq!(fake.commands().len(), 6);
    fake.check();
}

#[test]
fn max_empty_batches_bounds_a_server_that_never_repeats_a_cursor() {
    let s = |cursor: &str| Step::expect_args(&["SCAN", cursor, "MATCH", "p*", "COUNT", "2"]);
    let fake = FakeServer::with_script(vec![
        s("0"),
        reply("1", &[]),
        s("1"),
        reply("2", &["p1"]), // resets the run of empty batches
        s("2"),
        reply("3", &[]),
        s("3"),
        reply("4", &[]),
        s("4"),
        reply("5", &[]),
        s("5"),
        reply("6", &[]), // the fourth empty batch in a row
    ]);
    let mut conn = fake_connection(&fake);
    let opts = ScanOptions::new()
        .pattern("p*")
        .count(2)
        .max_empty_batches(3);
    let mut it = scan::<String, _>(&mut conn, opts);
    assert_eq!(it.next().unwrap().unwrap(), "p1");
    let e = it.next().unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol);
    assert!(e.to_string().contains("max_empty_batches"), "{e}");
    assert!(it.next().is_none());
    assert_eq!(fake.commands().len(), 6);
    fake.check();
}

#[test]
fn malformed_replies_and_bad_options_are_errors() {
    let fake = FakeServer::with_script(vec![
        Step::expect_args(&["SCAN", "0"]),
        reply("-5", &["k"]),
        Step::expect_args(&["SCAN", "0"]),
        reply("18446744073709551616", &[]),
        Step::expect_args(&["HSCAN", "h", "0"]),
        reply("0", &["f1", "v1", "f2"]),
        Step::expect_args(&["ZSCAN", "z", "0"]),
        Step::reply("$2\r\nno\r\n"),
        Step::expect_args(&["SSCAN", "s", "0"]),
        reply("18446744073709551615", &["m1"]),
        Step::expect_args(&["SSCAN", "s", "18446744073709551615"]),
        reply("0", &["m2"]),
    ]);
    let mut conn = fake_connection(&fake);
    let kinds = |items: Vec<Result<String>>| -> Vec<ErrorKind> {
        items.into_iter().map(|r| r.unwrap_err().kind()).collect()
    };
    let o = ScanOptions::new;
    assert_eq!(kinds(scan(&mut conn, o()).collect()), [ErrorKind::Protocol]);
    assert_eq!(kinds(scan(&mut conn, o()).collect()), [ErrorKind::Protocol]);
    let pairs: Vec<Result<(String, String)>> = hscan(&mut conn, "h", o()).collect();
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0].as_ref().unwrap_err().kind(), ErrorKind::Protocol);
    let z: Vec<Result<(String, f64)>> = zscan(&mut conn, "z", o()).collect();
    assert_eq!(z[0].as_ref().unwrap_err().kind(), ErrorKind::Protocol);
    // The largest cursor is a cursor like any other.
    let members: Vec<String> = sscan(&mut conn, "s", o()).collect::<Result<_>>().unwrap();
    assert_eq!(members, ["m1", "m2"]);

    // Refused before anything is sent.
    let refused = [
        kinds(sscan(&mut conn, "s", o().kind("string")).collect()),
        kinds(scan(&mut conn, o().count(0)).collect()),
    ];
    assert_eq!(
        refused,
        [[ErrorKind::InvalidInput], [ErrorKind::InvalidInput]]
    );
    assert_eq!(fake.commands().len(), 6);
    fake.check();
}
