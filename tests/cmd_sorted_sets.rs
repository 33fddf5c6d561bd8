//! The sorted-set commands against a real server, on RESP2 and RESP3 alike: scores (infinite
//! ones included) read the same on both, bounds inclusive and exclusive, ties ordered by name,
//! options refused before sending, blocking pops woken by another connection, missing keys,
//! WRONGTYPE, binary members, and the commands some servers lack.
//!
//!     REDIS_SERVER_BIN=/path/to/server cargo test --all-features --test cmd_sorted_sets

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients;
mod support;

use std::time::Duration;

use clients::{assert_server_error, assert_unknown_command, per_protocol};
use redisync::prelude::*;
use redisync::{
    Error, ErrorKind, LexBound, MinMax, ScanOptions, ScoreBound, ZAddOptions, ZAggregate,
    ZCombineOptions, ZRange, zscan,
};
use support::RedisServer;

#[path = "cmd_sorted_sets/blocking.rs"]
mod blocking;
#[path = "cmd_sorted_sets/ranges.rs"]
mod ranges;

type Scored = Vec<(String, f64)>;

fn scored(items: &[(&str, f64)]) -> Scored {
    items.iter().map(|(m, s)| (m.to_string(), *s)).collect()
}

/// Redis 7.0+ and Valkey have ZMPOP, BZMPOP and ZINTERCARD.
fn has_7_0(server: &RedisServer) -> bool {
    server.version() >= (7, 0, 0)
}

/// Redis 7.2+ and Valkey take ZRANK/ZREVRANK ... WITHSCORE.
fn has_withscore(server: &RedisServer) -> bool {
    server.is_valkey() || server.version() >= (7, 2, 0)
}

#[test]
fn zadd_options_incr_and_scores() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.del(["z", "missing"]).unwrap();
        assert_eq!(c.zadd("z", [(1.0, "a"), (2.0, "b")]).unwrap(), 2);
        assert_eq!(
            c.zadd("z", (5.0, "a")).unwrap(),
            0,
            "an update is not an add"
        );
        assert_eq!(c.zscore("z", "a").unwrap(), Some(5.0));

        // NX adds only; XX updates only; CH counts updates too.
        let nx = ZAddOptions::new().nx();
        assert_eq!(
            c.zadd_options("z", [(9.0, "a"), (3.0, "c")], nx).unwrap(),
            1
        );
        assert_eq!(c.zscore("z", "a").unwrap(), Some(5.0));
        let xx_ch = ZAddOptions::new().xx().ch();
        assert_eq!(
            c.zadd_options("z", [(6.0, "a"), (1.0, "new")], xx_ch)
                .unwrap(),
            1
        );
        assert_eq!(c.zscore("z", "new").unwrap(), None);
        // GT only raises, LT only lowers; both still add new members.
        let gt_ch = ZAddOptions::new().gt().ch();
        assert_eq!(
            c.zadd_options("z", [(4.0, "a"), (10.0, "b")], gt_ch)
                .unwrap(),
            1
        );
        assert_eq!(c.zmscore("z", ["a", "b"]).unwrap(), [Some(6.0), Some(10.0)]);
        let lt = ZAddOptions::new().lt();
        assert_eq!(
            c.zadd_options("z", [(0.5, "a"), (7.0, "d")], lt).unwrap(),
            1
        );
        assert_eq!(c.zscore("z", "a").unwrap(), Some(0.5));

        // INCR: the new score, or None when a condition prevented it.
        assert_eq!(
            c.zadd_incr("z", 2.0, "a", ZAddOptions::new()).unwrap(),
            Some(2.5)
        );
        assert_eq!(c.zadd_incr("z", 1.0, "a", nx).unwrap(), None);
        assert_eq!(
            c.zadd_incr("z", -1.0, "a", ZAddOptions::new().gt())
                .unwrap(),
            None
        );
        assert_eq!(
            c.zadd_incr("z", 1.0, "fresh", ZAddOptions::new().xx())
                .unwrap(),
            None
        );
        assert_eq!(c.zadd_incr("z", 1.5, "e", nx).unwrap(), Some(1.5));
        assert_eq!(c.zincrby("z", 0.25, "e").unwrap(), 1.75);
        assert_eq!(c.zincrby("z", -3.0, "brand-new").unwrap(), -3.0);

        // Infinite scores, sent as inf and read back as themselves on both protocols.
        c.zadd("z", [(f64::INFINITY, "top"), (f64::NEG_INFINITY, "bottom")])
            .unwrap();
        assert_eq!(c.zscore("z", "top").unwrap(), Some(f64::INFINITY));
        assert_eq!(c.zscore("z", "bottom").unwrap(), Some(f64::NEG_INFINITY));
        assert_eq!(c.zincrby("z", 1.0, "top").unwrap(), f64::INFINITY);
        let e = c.zincrby("z", f64::NEG_INFINITY, "top").unwrap_err();
        assert_server_error(&e, "NaN");

        assert_eq!(c.zcard("z").unwrap(), 8);
        assert_eq!(c.zrem("z", ["top", "bottom", "nope"]).unwrap(), 2);
        assert_eq!(
            c.zmscore("z", ["a", "nope", "e"]).unwrap(),
            [Some(2.5), None, Some(1.75)]
        );

        // Missing keys.
        assert_eq!(c.zcard("missing").unwrap(), 0);
        assert_eq!(c.zscore("missing", "a").unwrap(), None);
        assert_eq!(c.zmscore("missing", ["a", "b"]).unwrap(), [None, None]);
        assert_eq!(c.zrank("missing", "a").unwrap(), None);
        assert_eq!(c.zrem("missing", "a").unwrap(), 0);
    }
}

#[test]
fn unions_intersections_and_differences() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.del(["{s}a", "{s}b", "{s}d"]).unwrap();
        c.zadd("{s}a", [(1.0, "x"), (2.0, "y"), (f64::INFINITY, "z")])
            .unwrap();
        c.zadd("{s}b", [(10.0, "y"), (20.0, "w")]).unwrap();
        let keys = ["{s}a", "{s}b"];

        let u: Scored = c.zunion_withscores(keys, ZCombineOptions::new()).unwrap();
        assert_eq!(
            u,
            scored(&[("x", 1.0), ("y", 12.0), ("w", 20.0), ("z", f64::INFINITY)])
        );
        let options = ZCombineOptions::new()
            .weights([2.0, 0.5])
            .aggregate(ZAggregate::Max);
        let u: Scored = c.zunion_withscores(keys, options.clone()).unwrap();
        assert_eq!(
            u,
            scored(&[("x", 2.0), ("y", 5.0), ("w", 10.0), ("z", f64::INFINITY)])
        );
        let names: Vec<String> = c
            .zunion(keys, ZCombineOptions::new().aggregate(ZAggregate::Min))
            .unwrap();
        assert_eq!(names, ["x", "y", "w", "z"]);
        let i: Scored = c
            .zinter_withscores(keys, ZCombineOptions::new().aggregate(ZAggregate::Min))
            .unwrap();
        assert_eq!(i, scored(&[("y", 2.0)]));
        let i: Vec<String> = c.zinter(keys, ZCombineOptions::new()).unwrap();
        assert_eq!(i, ["y"]);
        assert_eq!(c.zunionstore("{s}d", keys, options).unwrap(), 4);
        assert_eq!(c.zscore("{s}d", "w").unwrap(), Some(10.0));
        assert_eq!(
            c.zinterstore("{s}d", keys, ZCombineOptions::new().weights([1.0, 1.0]))
                .unwrap(),
            1
        );
        assert_eq!(c.zscore("{s}d", "y").unwrap(), Some(12.0));

        let d: Vec<String> = c.zdiff(keys).unwrap();
        assert_eq!(d, ["x", "z"]);
        let d: Scored = c.zdiff_withscores(keys).unwrap();
        assert_eq!(d, scored(&[("x", 1.0), ("z", f64::INFINITY)]));
        assert_eq!(c.zdiffstore("{s}d", keys).unwrap(), 2);
        assert_eq!(c.zcard("{s}d").unwrap(), 2);

        // A missing key is an empty set.
        let d: Vec<String> = c.zdiff(["{s}missing", "{s}a"]).unwrap();
        assert!(d.is_empty());
        let i: Vec<String> = c
            .zinter(["{s}a", "{s}missing"], ZCombineOptions::new())
            .unwrap();
        assert!(i.is_empty());

        // ZINTERCARD: Redis 7.0+.
        let card = c.zintercard(keys, None);
        let limited = c.zintercard(["{s}a", "{s}a"], Some(2));
        if has_7_0(&server) {
            assert_eq!(card.unwrap(), 1);
            assert_eq!(limited.unwrap(), 2);
            assert_eq!(c.zintercard(["{s}a", "{s}missing"], None).unwrap(), 0);
        } else {
            assert_unknown_command(&card.unwrap_err(), "zintercard");
            assert_unknown_command(&limited.unwrap_err(), "zintercard");
        }
    }
}

#[test]
fn pops_and_random_members() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.del(["{p}z", "{p}y"]).unwrap();
        c.zadd(
            "{p}z",
            [
                (f64::NEG_INFINITY, "min"),
                (1.0, "a"),
                (1.0, "b"),
                (2.0, "c"),
                (f64::INFINITY, "max"),
            ],
        )
        .unwrap();
        let one: Scored = c.zpopmin("{p}z", 1).unwrap();
        assert_eq!(one, scored(&[("min", f64::NEG_INFINITY)]));
        let two: Scored = c.zpopmin("{p}z", 2).unwrap();
        assert_eq!(two, scored(&[("a", 1.0), ("b", 1.0)]), "ties by name");
        let top: Scored = c.zpopmax("{p}z", 1).unwrap();
        assert_eq!(top, scored(&[("max", f64::INFINITY)]));
        let rest: Scored = c.zpopmax("{p}z", 10).unwrap();
        assert_eq!(rest, scored(&[("c", 2.0)]));
        let none: Scored = c.zpopmin("{p}z", 1).unwrap();
        assert!(none.is_empty());
        let none: Scored = c.zpopmax("missing", 3).unwrap();
        assert!(none.is_empty());

        // ZMPOP: Redis 7.0+.
        c.zadd("{p}y", [(1.0, "a"), (2.0, "b"), (3.0, "c")])
            .unwrap();
        let popped = c.zmpop::<String, String>(["{p}z", "{p}y"], MinMax::Max, 2);
        if has_7_0(&server) {
            let (key, members) = popped.unwrap().unwrap();
            assert_eq!(key, "{p}y");
            assert_eq!(members, scored(&[("c", 3.0), ("b", 2.0)]));
            let (_, members) = c
                .zmpop::<String, String>("{p}y", MinMax::Min, 5)
                .unwrap()
                .unwrap();
            assert_eq!(members, scored(&[("a", 1.0)]));
            assert_eq!(
                c.zmpop::<String, String>(["{p}y", "{p}z"], MinMax::Min, 1)
                    .unwrap(),
                None
            );
        } else {
            assert_unknown_command(&popped.unwrap_err(), "zmpop");
            c.del("{p}y").unwrap();
        }

        // Random members.
        c.zadd("{p}z", [(1.0, "a"), (f64::INFINITY, "b")]).unwrap();
        let m: Option<String> = c.zrandmember("{p}z").unwrap();
        assert!(matches!(m.as_deref(), Some("a" | "b")), "{m:?}");
        assert_eq!(c.zrandmember::<String>("missing").unwrap(), None);
        let mut distinct: Vec<String> = c.zrandmember_count("{p}z", 5).unwrap();
        distinct.sort();
        assert_eq!(distinct, ["a", "b"]);
        let repeated: Vec<String> = c.zrandmember_count("{p}z", -5).unwrap();
        assert_eq!(repeated.len(), 5);
        let mut with: Scored = c.zrandmember_withscores("{p}z", 2).unwrap();
        with.sort_by(|x, y| x.0.cmp(&y.0));
        assert_eq!(with, scored(&[("a", 1.0), ("b", f64::INFINITY)]));
        let one: Scored = c.zrandmember_withscores("{p}z", -1).unwrap();
        assert_eq!(one.len(), 1);
        let none: Vec<String> = c.zrandmember_count("missing", 3).unwrap();
        assert!(none.is_empty());
        let none: Scored = c.zrandmember_withscores("missing", 3).unwrap();
        assert!(none.is_empty());
    }
}

#[test]
fn rank_with_score_where_the_server_has_it() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.del("z").unwrap();
        c.zadd("z", [(1.0, "a"), (f64::INFINITY, "b"), (3.0, "c")])
            .unwrap();
        let rank = c.zrank_withscore("z", "b");
        let revrank = c.zrevrank_withscore("z", "a");
        if has_withscore(&server) {
            assert_eq!(rank.unwrap(), Some((2, f64::INFINITY)));
            assert_eq!(revrank.unwrap(), Some((2, 1.0)));
            assert_eq!(c.zrank_withscore("z", "nope").unwrap(), None);
            assert_eq!(c.zrevrank_withscore("missing", "a").unwrap(), None);
        } else {
            for e in [rank.unwrap_err(), revrank.unwrap_err()] {
                assert_server_error(&e, "wrong number of arguments");
            }
        }
        c.ping().unwrap();
    }
}

#[test]
fn wrongtype_leaves_the_connection_usable() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.set("str", "v").unwrap();
        let errors: Vec<Error> = vec![
            c.zadd("str", (1.0, "a")).unwrap_err(),
            c.zadd_incr("str", 1.0, "a", ZAddOptions::new())
                .unwrap_err(),
            c.zscore("str", "a").unwrap_err(),
            c.zmscore("str", "a").unwrap_err(),
            c.zcard("str").unwrap_err(),
            c.zcount("str", ScoreBound::NegInf, ScoreBound::PosInf)
                .unwrap_err(),
            c.zrank("str", "a").unwrap_err(),
            c.zrange::<String>("str", ZRange::by_rank(0, -1))
                .unwrap_err(),
            c.zrange_withscores::<String>("str", ZRange::by_score(0.0, 1.0))
                .unwrap_err(),
            c.zrangebylex::<String>("str", LexBound::Min, LexBound::Max, None)
                .unwrap_err(),
            c.zpopmin::<String>("str", 1).unwrap_err(),
            c.zincrby("str", 1.0, "a").unwrap_err(),
            c.zunion::<String>(["str", "z"], ZCombineOptions::new())
                .unwrap_err(),
            c.zdiff::<String>("str").unwrap_err(),
            c.zrandmember::<String>("str").unwrap_err(),
            c.zrem("str", "a").unwrap_err(),
            c.bzpopmin::<String, String>("str", Some(Duration::from_secs(1)))
                .unwrap_err(),
        ];
        for e in &errors {
            assert_eq!(e.kind(), ErrorKind::WrongType, "{e}");
        }
        if has_7_0(&server) {
            let e = c
                .zmpop::<String, String>("str", MinMax::Min, 1)
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::WrongType);
        }
        c.ping().unwrap();
        assert_eq!(c.get::<String>("str").unwrap().as_deref(), Some("v"));
    }
}

#[test]
fn binary_keys_and_members_round_trip() {
    let server = RedisServer::start();
    let key = b"z\r\n\xff key".to_vec();
    let odd = b"\r\n\x00\xfe\xff".to_vec();
    for mut c in per_protocol(server.port()) {
        c.del(&key).unwrap();
        assert_eq!(
            c.zadd(&key, [(1.0, &odd[..]), (2.0, &b"plain"[..])])
                .unwrap(),
            2
        );
        assert_eq!(c.zscore(&key, &odd).unwrap(), Some(1.0));
        let members: Vec<Vec<u8>> = c.zrange(&key, ZRange::by_rank(0, -1)).unwrap();
        assert_eq!(members, [odd.clone(), b"plain".to_vec()]);
        let with: Vec<(Vec<u8>, f64)> = c
            .zrange_withscores(&key, ZRange::by_score(ScoreBound::NegInf, 1.0))
            .unwrap();
        assert_eq!(with, [(odd.clone(), 1.0)]);
        assert_eq!(c.zrank(&key, &odd).unwrap(), Some(0));
        // A member that is not UTF-8 asked for as a String is a conversion error.
        let e = c.zrange::<String>(&key, ZRange::by_rank(0, 0)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion);
        // Lex bounds are bytes too.
        c.del(&key).unwrap();
        c.zadd(&key, [(0.0, &odd[..]), (0.0, &b"\r\n\x00\xff"[..])])
            .unwrap();
        assert_eq!(
            c.zlexcount(&key, LexBound::inclusive(&odd), LexBound::Max)
                .unwrap(),
            2
        );
        assert_eq!(
            c.zlexcount(&key, LexBound::exclusive(&odd), LexBound::Max)
                .unwrap(),
            1
        );
        let popped: Vec<(Vec<u8>, f64)> = c.zpopmin(&key, 1).unwrap();
        assert_eq!(popped, [(odd.clone(), 0.0)]);
    }
}

#[test]
fn conflicting_options_are_refused_before_anything_is_sent() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        let zadds = server.command_calls("zadd");
        let zranges = server.command_calls("zrange");
        let zunions = server.command_calls("zunion");
        let refusals = [
            c.zadd_options("z", (1.0, "a"), ZAddOptions::new().nx().xx())
                .unwrap_err(),
            c.zadd_options("z", (1.0, "a"), ZAddOptions::new().nx().gt())
                .unwrap_err(),
            c.zadd_options("z", (1.0, "a"), ZAddOptions::new().gt().lt())
                .unwrap_err(),
            c.zadd_incr("z", 1.0, "a", ZAddOptions::new().nx().lt())
                .unwrap_err(),
            c.zrange::<String>("z", ZRange::by_rank(0, -1).limit(0, 1))
                .unwrap_err(),
            c.zrange_withscores::<String>("z", ZRange::by_lex(LexBound::Min, LexBound::Max))
                .unwrap_err(),
            c.zunion::<String>(["a", "b"], ZCombineOptions::new().weights([1.0]))
                .unwrap_err(),
        ];
        for e in &refusals {
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        }
        assert_eq!(server.command_calls("zadd"), zadds);
        assert_eq!(server.command_calls("zrange"), zranges);
        assert_eq!(server.command_calls("zunion"), zunions);
        // A pipeline holding a refused command fails when sent, and sends nothing.
        let e = redisync::pipe()
            .zcard("z")
            .zadd_options("z", (1.0, "a"), ZAddOptions::new().xx().nx())
            .query(&mut c)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(server.command_calls("zadd"), zadds);
        assert_eq!(server.command_calls("zcard"), 0);
        c.ping().unwrap();
    }
}

#[test]
fn pipelines_and_zscan() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.del("z").unwrap();
        let (added, score, rank, top, missing) = redisync::pipe()
            .zadd("z", [(3.0, "c"), (1.0, "a"), (f64::INFINITY, "b")])
            .zincrby("z", 1.0, "a")
            .zrevrank("z", "a")
            .zrange_withscores::<String>("z", ZRange::by_rank(0, 0).rev())
            .zscore("z", "nope")
            .query(&mut c)
            .unwrap();
        assert_eq!(added, 3);
        assert_eq!(score, 2.0);
        assert_eq!(rank, Some(2));
        assert_eq!(top, scored(&[("b", f64::INFINITY)]));
        assert_eq!(missing, None);

        let mut p = redisync::Pipeline::new();
        p.zcard("z")
            .zcount("z", ScoreBound::Exclusive(2.0), ScoreBound::PosInf);
        let counts: Vec<u64> = p.query(&mut c).unwrap();
        assert_eq!(counts, [3, 2]);

        let mut many: Vec<(String, f64)> = (0..300)
            .map(|i| (format!("m{i:03}"), f64::from(i)))
            .collect();
        let pairs: Vec<(f64, &str)> = many.iter().map(|(m, s)| (*s, m.as_str())).collect();
        c.del("big").unwrap();
        assert_eq!(c.zadd("big", &pairs).unwrap(), 300);
        let mut seen: Vec<(String, f64)> = zscan(&mut c, "big", ScanOptions::new().count(50))
            .collect::<redisync::Result<_>>()
            .unwrap();
        seen.sort_by(|a, b| a.0.cmp(&b.0));
        seen.dedup();
        many.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(seen, many);
    }
}
