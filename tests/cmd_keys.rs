//! The `generic` (keys) and `transactions` groups against a real server, on RESP2 and RESP3:
//! every method, the replies a user checks, and the edges (missing keys, every TTL state,
//! binary keys, conflicting options refused before sending, commands a server lacks).
//!
//!     REDIS_SERVER_BIN=/path/to/server cargo test -p redisync --all-features --test cmd_keys

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients;
mod support;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clients::{assert_unknown_command, flush, per_protocol, rpush_raw};
use redisync::prelude::*;
use redisync::{
    CopyOptions, ExpireCondition, ExpireTime, KeyType, RestoreOptions, ScanOptions, SortOptions,
    Ttl,
};
use support::{RedisServer, wait_until};

#[path = "cmd_keys/dump_restore.rs"]
mod dump_restore;
#[path = "cmd_keys/transactions.rs"]
mod transactions;

const SEC: Duration = Duration::from_secs(1);

/// The connection still answers after an error.
#[track_caller]
fn still_answers(c: &mut Connection) {
    assert_eq!(c.exists("no-such-key").unwrap(), 0);
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[test]
fn every_ttl_state_in_every_unit() {
    let server = RedisServer::start();
    let has_expiretime = server.version() >= (7, 0, 0);
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        // Missing.
        assert_eq!(c.ttl("k").unwrap(), Ttl::Missing);
        assert_eq!(c.pttl("k").unwrap(), Ttl::Missing);
        assert!(!c.expire("k", SEC).unwrap());
        assert!(!c.pexpire("k", SEC).unwrap());
        assert!(!c.expireat("k", SystemTime::now() + SEC).unwrap());
        assert!(!c.pexpireat("k", SystemTime::now() + SEC).unwrap());
        assert!(!c.persist("k").unwrap());
        // No expiry.
        c.set("k", "v").unwrap();
        assert_eq!(c.ttl("k").unwrap(), Ttl::Persistent);
        assert_eq!(c.pttl("k").unwrap(), Ttl::Persistent);
        assert!(!c.persist("k").unwrap());
        // Expires: seconds and milliseconds.
        assert!(c.pexpire("k", Duration::from_millis(100_500)).unwrap());
        let ttl = c.ttl("k").unwrap().duration().unwrap();
        assert!((95..=101).contains(&ttl.as_secs()), "{ttl:?}");
        assert_eq!(ttl.subsec_nanos(), 0, "TTL is in whole seconds");
        let pttl = c.pttl("k").unwrap().duration().unwrap();
        assert!(
            pttl > Duration::from_secs(95) && pttl <= Duration::from_millis(100_500),
            "{pttl:?}"
        );
        // 1.5 s is sent as 2 s: rounded up, never expiring early.
        let started = std::time::Instant::now();
        assert!(c.expire("k", Duration::from_millis(1500)).unwrap());
        let pttl = c.pttl("k").unwrap().duration().unwrap();
        // (The server's clock counts whole milliseconds: one may pass between the two reads.)
        let tick = Duration::from_millis(1);
        assert!(pttl + started.elapsed() + tick >= SEC * 2, "{pttl:?}");
        assert!(pttl <= SEC * 2, "{pttl:?}");
        // Absolute times: PEXPIREAT to the millisecond (rounded up), EXPIREAT to the second.
        let at_ms = now_ms() + 50_000;
        let at = UNIX_EPOCH + Duration::from_millis(at_ms) - Duration::from_micros(300);
        assert!(c.pexpireat("k", at).unwrap());
        if has_expiretime {
            assert_eq!(
                c.pexpiretime("k").unwrap(),
                ExpireTime::At(UNIX_EPOCH + Duration::from_millis(at_ms))
            );
            assert_eq!(
                c.expiretime("k").unwrap(),
                // Rounded to the nearest second, as TTL is.
                ExpireTime::At(UNIX_EPOCH + Duration::from_secs((at_ms + 500) / 1000))
            );
        }
        let at_s = now_ms() / 1000 + 1000;
        assert!(
            c.expireat("k", UNIX_EPOCH + Duration::from_millis(at_s * 1000 - 1))
                .unwrap()
        );
        let ttl = c.ttl("k").unwrap().duration().unwrap();
        assert!((990..=1000).contains(&ttl.as_secs()), "{ttl:?}");
        if has_expiretime {
            assert_eq!(
                c.expiretime("k").unwrap(),
                ExpireTime::At(UNIX_EPOCH + Duration::from_secs(at_s))
            );
            assert_eq!(
                c.pexpiretime("k").unwrap(),
                ExpireTime::At(UNIX_EPOCH + Duration::from_secs(at_s))
            );
        }
        // Persist takes the expiry away.
        assert!(c.persist("k").unwrap());
        assert_eq!(c.pttl("k").unwrap(), Ttl::Persistent);
        if has_expiretime {
            assert_eq!(c.expiretime("k").unwrap(), ExpireTime::Persistent);
            assert_eq!(c.pexpiretime("k").unwrap(), ExpireTime::Persistent);
            assert_eq!(c.expiretime("gone").unwrap(), ExpireTime::Missing);
            assert_eq!(c.pexpiretime("gone").unwrap(), ExpireTime::Missing);
        } else {
            assert_unknown_command(&c.expiretime("k").unwrap_err(), "expiretime");
            assert_unknown_command(&c.pexpiretime("k").unwrap_err(), "pexpiretime");
            still_answers(&mut c);
        }
        // A time in the past deletes the key at once.
        assert!(c.expireat("k", UNIX_EPOCH + SEC).unwrap());
        assert_eq!(c.exists("k").unwrap(), 0);
        c.set("k", "v").unwrap();
        assert!(c.pexpireat("k", UNIX_EPOCH + SEC).unwrap());
        assert_eq!(c.ttl("k").unwrap(), Ttl::Missing);
        // And a short expiry does expire.
        c.set("short", "v").unwrap();
        assert!(c.pexpire("short", Duration::from_millis(20)).unwrap());
        wait_until(Duration::from_secs(5), "the key to expire", || {
            c.pttl("short").unwrap() == Ttl::Missing
        });
    }
}

#[test]
fn expiry_conditions_decide_and_conflicts_are_refused_before_sending() {
    use ExpireCondition::*;
    let server = RedisServer::start();
    let has_conditions = server.version() >= (7, 0, 0);
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        c.set("k", "v").unwrap();
        let secs = |c: &mut Connection| c.ttl("k").unwrap().duration().map(|d| d.as_secs());
        if !has_conditions {
            // Redis 6.2 takes no condition.
            let e = c.expire_if("k", SEC * 100, Nx).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Response, "{e}");
            assert!(e.to_string().contains("wrong number of arguments"), "{e}");
            let e = c
                .pexpireat_if("k", SystemTime::now() + SEC, Gt)
                .unwrap_err();
            assert!(e.to_string().contains("wrong number of arguments"), "{e}");
            still_answers(&mut c);
        } else {
            // XX and GT/LT on a key without expiry.
            assert!(!c.expire_if("k", SEC * 100, Xx).unwrap());
            assert!(
                !c.expire_if("k", SEC * 100, Gt).unwrap(),
                "no expiry is infinite"
            );
            assert_eq!(c.ttl("k").unwrap(), Ttl::Persistent);
            assert!(c.expire_if("k", SEC * 100, Nx).unwrap());
            assert!(!c.expire_if("k", SEC * 200, Nx).unwrap());
            assert_eq!(secs(&mut c), Some(100));
            assert!(!c.expire_if("k", SEC * 50, Gt).unwrap());
            assert!(c.expire_if("k", SEC * 200, Gt).unwrap());
            assert!(!c.pexpire_if("k", SEC * 300, Lt).unwrap());
            assert!(c.pexpire_if("k", SEC * 150, Lt).unwrap());
            assert_eq!(secs(&mut c), Some(150));
            // XX with GT, as the server allows.
            assert!(c.expire_if("k", SEC * 400, [Xx, Gt]).unwrap());
            assert_eq!(secs(&mut c), Some(400));
            let soon = SystemTime::now() + SEC * 10;
            assert!(!c.expireat_if("k", soon, [Xx, Gt]).unwrap());
            assert!(c.pexpireat_if("k", soon, [Xx, Lt]).unwrap());
            assert!((8..=10).contains(&secs(&mut c).unwrap()));
            assert!(!c.expireat_if("k", soon, Nx).unwrap());
        }
        // Conflicts never reach the server.
        let before =
            ["expire", "pexpire", "expireat", "pexpireat"].map(|n| server.command_calls(n));
        let far = SystemTime::now() + SEC * 100;
        for e in [
            c.expire_if("k", SEC, [Nx, Xx]).unwrap_err(),
            c.expire_if("k", SEC, [Nx, Gt]).unwrap_err(),
            c.pexpire_if("k", SEC, [Lt, Nx]).unwrap_err(),
            c.expireat_if("k", far, [Gt, Lt]).unwrap_err(),
            c.pexpireat_if("k", far, [Xx, Gt, Lt]).unwrap_err(),
        ] {
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
            assert!(e.to_string().contains("exclude each other"), "{e}");
        }
        for e in [
            c.expire("k", Duration::ZERO).unwrap_err(),
            c.pexpire_if("k", Duration::ZERO, Nx).unwrap_err(),
            c.expireat("k", UNIX_EPOCH - SEC).unwrap_err(),
        ] {
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        }
        // A pipeline keeps the refusal and fails when sent, sending nothing.
        let e = redisync::pipe()
            .set("k", "changed")
            .expire_if("k", SEC, [Nx, Lt])
            .query(&mut c)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        let after = ["expire", "pexpire", "expireat", "pexpireat"].map(|n| server.command_calls(n));
        assert_eq!(before, after);
        assert_eq!(c.get::<String>("k").unwrap().as_deref(), Some("v"));
    }
}

#[test]
fn copy_rename_move_and_the_multi_key_counts() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        cmd("SELECT").arg(1).exec(&mut c).unwrap();
        flush(&mut c);
        cmd("SELECT").arg(0).exec(&mut c).unwrap();
        c.set("src", "one").unwrap();
        // COPY
        assert!(c.copy("src", "dst", CopyOptions::new()).unwrap());
        c.set("src", "two").unwrap();
        assert!(!c.copy("src", "dst", CopyOptions::new()).unwrap());
        assert_eq!(c.get::<String>("dst").unwrap().as_deref(), Some("one"));
        assert!(c.copy("src", "dst", CopyOptions::new().replace()).unwrap());
        assert_eq!(c.get::<String>("dst").unwrap().as_deref(), Some("two"));
        assert!(!c.copy("missing", "dst2", CopyOptions::new()).unwrap());
        assert!(c.copy("src", "dst", CopyOptions::new().db(1)).unwrap());
        // MOVE: there is a "dst" in db 1 now.
        assert!(!c.move_key("dst", 1).unwrap());
        assert!(c.move_key("src", 1).unwrap());
        assert!(!c.move_key("src", 1).unwrap(), "gone from here");
        assert_eq!(c.exists(["src", "dst"]).unwrap(), 1);
        cmd("SELECT").arg(1).exec(&mut c).unwrap();
        assert_eq!(c.exists(["src", "dst"]).unwrap(), 2);
        flush(&mut c);
        cmd("SELECT").arg(0).exec(&mut c).unwrap();
        // RENAME, RENAMENX
        c.mset([("a", "1"), ("b", "2")]).unwrap();
        c.rename("a", "c").unwrap();
        assert!(!c.renamenx("c", "b").unwrap());
        assert!(c.renamenx("c", "d").unwrap());
        c.rename("d", "b").unwrap();
        assert_eq!(c.get::<String>("b").unwrap().as_deref(), Some("1"));
        let e = c.rename("nope", "x").unwrap_err();
        assert!(e.to_string().contains("no such key"), "{e}");
        let e = c.renamenx("nope", "x").unwrap_err();
        assert!(e.to_string().contains("no such key"), "{e}");
        still_answers(&mut c);
        // TOUCH, UNLINK, DEL, EXISTS count keys.
        c.mset([("x", "1"), ("y", "2"), ("z", "3")]).unwrap();
        assert_eq!(c.touch(["x", "y", "nope", "x"]).unwrap(), 3);
        assert_eq!(c.unlink(["x", "nope"]).unwrap(), 1);
        assert_eq!(c.del(["y", "z", "y"]).unwrap(), 2);
        assert_eq!(c.exists(["x", "y", "z"]).unwrap(), 0);
        assert_eq!(c.touch("nope").unwrap(), 0);
        assert_eq!(c.unlink("nope").unwrap(), 0);
    }
}

#[test]
fn binary_keys_with_crlf_and_invalid_utf8_keys_and_randomkey() {
    let server = RedisServer::start();
    let key: &[u8] = b"k\r\n\xff\x00end";
    let other: &[u8] = b"\r\n*3\r\n";
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        assert_eq!(c.randomkey::<Vec<u8>>().unwrap(), None);
        assert_eq!(c.keys::<Vec<u8>>("*").unwrap(), Vec::<Vec<u8>>::new());
        c.set(key, b"v\r\n\xfe".to_vec()).unwrap();
        assert_eq!(c.randomkey::<Vec<u8>>().unwrap().as_deref(), Some(key));
        assert_eq!(c.keys::<Vec<u8>>("k\r\n*").unwrap(), vec![key.to_vec()]);
        assert_eq!(c.key_type(key).unwrap(), Some(KeyType::String));
        assert!(c.expire(key, SEC * 100).unwrap());
        assert!(matches!(c.pttl(key).unwrap(), Ttl::Expires(_)));
        assert!(c.persist(key).unwrap());
        assert!(c.copy(key, other, CopyOptions::new()).unwrap());
        c.rename(other, b"\xff\xfe".to_vec()).unwrap();
        let mut keys = c.keys::<Vec<u8>>("*").unwrap();
        keys.sort();
        assert_eq!(keys, vec![key.to_vec(), b"\xff\xfe".to_vec()]);
        let e = c.keys::<String>("*").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion, "{e}");
        let payload = c.dump(key).unwrap().unwrap();
        c.restore(other, &payload, RestoreOptions::new()).unwrap();
        assert_eq!(
            c.get::<Vec<u8>>(other).unwrap().as_deref(),
            Some(&b"v\r\n\xfe"[..])
        );
        assert_eq!(c.object_encoding(key).unwrap().as_deref(), Some("embstr"));
        assert_eq!(c.touch([key, other]).unwrap(), 2);
        assert_eq!(c.unlink([key, other]).unwrap(), 2);
        // Through the scan() iterator too.
        c.set(key, "v").unwrap();
        let found: Vec<Vec<u8>> = redisync::scan(&mut c, ScanOptions::new().pattern(b"k\r\n*"))
            .collect::<redisync::Result<_>>()
            .unwrap();
        assert_eq!(found, vec![key.to_vec()]);
    }
}

/// `n` elements of each type (at most 100 in the set of integers), each member padded with
/// `pad` bytes.
fn fill(c: &mut Connection, n: usize, pad: usize) {
    let items: Vec<String> = (0..n)
        .map(|i| format!("member-{i}-{}", "x".repeat(pad)))
        .collect();
    cmd("RPUSH").arg("list").arg(&items).exec(&mut *c).unwrap();
    cmd("SADD").arg("set").arg(&items).exec(&mut *c).unwrap();
    cmd("SADD")
        .arg("intset")
        .arg((0..n.min(100) as u64).collect::<Vec<_>>())
        .exec(&mut *c)
        .unwrap();
    let scored: Vec<(usize, &String)> = items.iter().enumerate().collect();
    cmd("ZADD").arg("zset").arg(&scored).exec(&mut *c).unwrap();
    let fields: Vec<(&String, usize)> = items.iter().zip(0..).collect();
    cmd("HSET").arg("hash").arg(&fields).exec(&mut *c).unwrap();
    cmd("XADD")
        .arg(("stream", "*", "f", "v"))
        .exec(&mut *c)
        .unwrap();
}

#[test]
fn type_and_object_encoding_of_each_type() {
    let server = RedisServer::start();
    let (major, minor, _) = server.version();
    let redis_6 = !server.is_valkey() && major < 7;
    let newer = server.is_valkey() || (major, minor) >= (7, 2);
    // Small collections: the compact encoding each server uses.
    let small_list = if newer { "listpack" } else { "quicklist" };
    let small_set = if newer { "listpack" } else { "hashtable" };
    let small_pairs = if redis_6 { "ziplist" } else { "listpack" };
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        c.set("int", 12345).unwrap();
        c.set("short", "hello").unwrap();
        // Past what every server embeds (44 bytes on Redis, more on Valkey 8+).
        c.set("long", "x".repeat(1000)).unwrap();
        fill(&mut c, 3, 0);
        for (key, kind, encoding) in [
            ("int", KeyType::String, "int"),
            ("short", KeyType::String, "embstr"),
            ("long", KeyType::String, "raw"),
            ("list", KeyType::List, small_list),
            ("set", KeyType::Set, small_set),
            ("intset", KeyType::Set, "intset"),
            ("zset", KeyType::ZSet, small_pairs),
            ("hash", KeyType::Hash, small_pairs),
            ("stream", KeyType::Stream, "stream"),
        ] {
            assert_eq!(c.key_type(key).unwrap(), Some(kind), "{key}");
            assert_eq!(
                c.object_encoding(key).unwrap().as_deref(),
                Some(encoding),
                "{key}"
            );
            assert!(c.object_refcount(key).unwrap().unwrap() >= 1, "{key}");
            assert!(c.object_idletime(key).unwrap().unwrap() < 100, "{key}");
        }
        assert_eq!(c.key_type("missing").unwrap(), None);
        assert_eq!(c.object_encoding("missing").unwrap(), None);
        assert_eq!(c.object_refcount("missing").unwrap(), None);
        assert_eq!(c.object_idletime("missing").unwrap(), None);
        // No LFU policy: FREQ is the server's error, and the connection goes on.
        let e = c.object_freq("int").unwrap_err();
        assert!(e.to_string().contains("LFU"), "{e}");
        still_answers(&mut c);
        // Past the compact encodings' limits (128 entries, or 512 on some builds; 8 KB a list
        // node).
        flush(&mut c);
        fill(&mut c, 600, 50);
        for (key, encoding) in [
            ("list", "quicklist"),
            ("set", "hashtable"),
            ("intset", "intset"),
            ("zset", "skiplist"),
            ("hash", "hashtable"),
        ] {
            assert_eq!(
                c.object_encoding(key).unwrap().as_deref(),
                Some(encoding),
                "{key}"
            );
        }
    }
}

#[test]
fn sort_by_and_get_patterns_limit_store_and_sort_ro() {
    let server = RedisServer::start();
    let has_sort_ro = server.version() >= (7, 0, 0);
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        rpush_raw(&mut c, "ids", ["3", "1", "2", "10"]);
        c.mset([
            ("weight_1", "30"),
            ("weight_2", "20"),
            ("weight_3", "10"),
            ("weight_10", "40"),
        ])
        .unwrap();
        for (id, name) in [("1", "ann"), ("2", "bob"), ("3", "cy")] {
            cmd("HSET")
                .arg((format!("user:{id}"), "name", name))
                .exec(&mut c)
                .unwrap();
        }
        let sorted: Vec<u64> = c.sort("ids", SortOptions::new()).unwrap();
        assert_eq!(sorted, [1, 2, 3, 10]);
        let sorted: Vec<String> = c.sort("ids", SortOptions::new().alpha()).unwrap();
        assert_eq!(sorted, ["1", "10", "2", "3"]);
        let sorted: Vec<u64> = c
            .sort("ids", SortOptions::new().desc().limit(1, 2))
            .unwrap();
        assert_eq!(sorted, [3, 2]);
        // BY a pattern: ordered by weight_<id>.
        let sorted: Vec<u64> = c.sort("ids", SortOptions::new().by("weight_*")).unwrap();
        assert_eq!(sorted, [3, 2, 1, 10]);
        // GET patterns: the element, then its user's name (nil for user 10, who has none).
        let rows: Vec<Option<String>> = c
            .sort(
                "ids",
                SortOptions::new()
                    .by("weight_*")
                    .get("#")
                    .get("user:*->name"),
            )
            .unwrap();
        let want = [
            Some("3"),
            Some("cy"),
            Some("2"),
            Some("bob"),
            Some("1"),
            Some("ann"),
            Some("10"),
            None,
        ];
        assert_eq!(rows, want.map(|s| s.map(String::from)));
        // BY nosort keeps the list's order.
        let rows: Vec<String> = c
            .sort("ids", SortOptions::new().by("nosort").get("weight_*"))
            .unwrap();
        assert_eq!(rows, ["10", "30", "20", "40"]);
        // STORE: the count, and the list it wrote.
        let n = c
            .sort_store("ids", "out", SortOptions::new().desc())
            .unwrap();
        assert_eq!(n, 4);
        let stored: Vec<u64> = cmd("LRANGE").arg(("out", 0, -1)).query(&mut c).unwrap();
        assert_eq!(stored, [10, 3, 2, 1]);
        assert_eq!(
            c.sort_store("missing", "out", SortOptions::new()).unwrap(),
            0
        );
        assert_eq!(c.exists("out").unwrap(), 0, "an empty result deletes it");
        assert_eq!(
            c.sort::<String>("missing", SortOptions::new()).unwrap(),
            Vec::<String>::new()
        );
        // Sets sort too.
        cmd("SADD").arg(("s", "b", "a", "c")).exec(&mut c).unwrap();
        let sorted: Vec<String> = c.sort("s", SortOptions::new().alpha()).unwrap();
        assert_eq!(sorted, ["a", "b", "c"]);
        // Errors: a string key, and elements that are not numbers.
        c.set("str", "v").unwrap();
        let e = c.sort::<String>("str", SortOptions::new()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::WrongType, "{e}");
        let e = c.sort::<String>("s", SortOptions::new()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Response, "{e}");
        still_answers(&mut c);
        // SORT_RO
        let ro = c.sort_ro::<Option<String>>(
            "ids",
            SortOptions::new().by("weight_*").get("user:*->name"),
        );
        if has_sort_ro {
            let names = ro.unwrap();
            let want = [Some("cy"), Some("bob"), Some("ann"), None];
            assert_eq!(names, want.map(|s| s.map(String::from)));
        } else {
            assert_unknown_command(&ro.unwrap_err(), "sort_ro");
            still_answers(&mut c);
        }
    }
}

#[test]
fn wait_with_no_replicas_and_waitaof() {
    let server = RedisServer::builder().config("appendonly yes").start();
    let has_waitaof = server.is_valkey() || server.version() >= (7, 2, 0);
    for mut c in per_protocol(server.port()) {
        c.set("k", "v").unwrap();
        assert_eq!(c.wait(0, Some(Duration::from_millis(100))).unwrap(), 0);
        assert_eq!(c.wait(0, None).unwrap(), 0, "0 replicas asked: at once");
        // One replica asked, none there: the timeout passes, 0 acknowledged.
        let started = std::time::Instant::now();
        assert_eq!(c.wait(1, Some(Duration::from_millis(200))).unwrap(), 0);
        assert!(started.elapsed() >= Duration::from_millis(150));
        let e = c.wait(1, Some(Duration::ZERO)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        if has_waitaof {
            c.set("k", "v2").unwrap();
            assert_eq!(c.waitaof(1, 0, Some(SEC * 5)).unwrap(), (1, 0));
            assert_eq!(c.waitaof(0, 0, None).unwrap(), (1, 0));
            assert_eq!(
                c.waitaof(1, 1, Some(Duration::from_millis(100))).unwrap(),
                (1, 0)
            );
        } else {
            assert_unknown_command(&c.waitaof(1, 0, Some(SEC)).unwrap_err(), "waitaof");
            still_answers(&mut c);
        }
    }
    if has_waitaof {
        // Without an append-only file, numlocal 1 is the server's error.
        let plain = RedisServer::start();
        for mut c in per_protocol(plain.port()) {
            let e = c.waitaof(1, 0, Some(SEC)).unwrap_err();
            assert!(e.to_string().contains("appendonly"), "{e}");
            assert_eq!(c.waitaof(0, 0, Some(SEC)).unwrap(), (0, 0));
        }
    }
}

#[test]
fn key_methods_through_pipelines() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        flush(&mut c);
        c.set("s", "v").unwrap();
        let (kind, none, ttl, pttl, copied, exists, encoding) = redisync::pipe()
            .key_type("s")
            .key_type("missing")
            .ttl("s")
            .pttl("missing")
            .copy("s", "t", CopyOptions::new())
            .exists(["s", "t"])
            .object_encoding("s")
            .query(&mut c)
            .unwrap();
        assert_eq!(kind, Some(KeyType::String));
        assert_eq!(none, None);
        assert_eq!(ttl, Ttl::Persistent);
        assert_eq!(pttl, Ttl::Missing);
        assert!(copied);
        assert_eq!(exists, 2);
        assert_eq!(encoding.as_deref(), Some("embstr"));
        // The reply shapes (TTL in seconds, TYPE's none) hold inside an atomic pipeline too.
        let (set, ttl, kind, dumped) = redisync::pipe()
            .atomic()
            .expire("s", SEC * 7)
            .ttl("s")
            .key_type("nope")
            .dump("nope")
            .query(&mut c)
            .unwrap();
        assert!(set);
        assert_eq!(ttl, Ttl::Expires(SEC * 7));
        assert_eq!(kind, None);
        assert_eq!(dumped, None);
        // A Pipeline built step by step.
        let mut p = redisync::Pipeline::new();
        p.rename("t", "u")
            .renamenx("u", "s")
            .persist("s")
            .unlink(["u"]);
        let (renamed, renamed_nx, persisted, unlinked): ((), bool, bool, u64) =
            p.query(&mut c).unwrap();
        assert_eq!(
            (renamed, renamed_nx, persisted, unlinked),
            ((), false, true, 1)
        );
    }
}
