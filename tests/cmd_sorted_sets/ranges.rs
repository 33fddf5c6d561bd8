//! Bounds: ranks, counts and ranges by rank, score and name (ZRANGE and its deprecated forms),
//! inclusive and exclusive, infinite scores, ties ordered by name, and removing ranges.

use super::*;

#[test]
fn ranks_ties_and_counts_with_every_kind_of_bound() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.del("z").unwrap();
        // Ties are ordered by name, whatever order they were added in.
        c.zadd(
            "z",
            [(2.0, "c"), (1.0, "b"), (1.0, "a"), (2.0, "d"), (1.0, "c2")],
        )
        .unwrap();
        let all: Vec<String> = c.zrange("z", ZRange::by_rank(0, -1)).unwrap();
        assert_eq!(all, ["a", "b", "c2", "c", "d"]);
        let rev: Vec<String> = c.zrange("z", ZRange::by_rank(0, -1).rev()).unwrap();
        assert_eq!(rev, ["d", "c", "c2", "b", "a"]);
        assert_eq!(c.zrank("z", "b").unwrap(), Some(1));
        assert_eq!(c.zrevrank("z", "b").unwrap(), Some(3));
        assert_eq!(c.zrank("z", "d").unwrap(), Some(4));
        assert_eq!(c.zrevrank("z", "nope").unwrap(), None);

        c.zadd("z", [(f64::INFINITY, "inf"), (f64::NEG_INFINITY, "-inf")])
            .unwrap();
        assert_eq!(
            c.zcount("z", ScoreBound::NegInf, ScoreBound::PosInf)
                .unwrap(),
            7
        );
        assert_eq!(c.zcount("z", f64::NEG_INFINITY, f64::INFINITY).unwrap(), 7);
        assert_eq!(
            c.zcount(
                "z",
                ScoreBound::Exclusive(f64::NEG_INFINITY),
                ScoreBound::Exclusive(f64::INFINITY)
            )
            .unwrap(),
            5
        );
        assert_eq!(c.zcount("z", 1.0, 2.0).unwrap(), 5);
        assert_eq!(c.zcount("z", ScoreBound::Exclusive(1.0), 2.0).unwrap(), 2);
        assert_eq!(c.zcount("z", 1.0, ScoreBound::Exclusive(2.0)).unwrap(), 3);
        assert_eq!(
            c.zcount("z", ScoreBound::Exclusive(1.0), ScoreBound::Exclusive(2.0))
                .unwrap(),
            0
        );
        assert_eq!(
            c.zcount("missing", ScoreBound::NegInf, ScoreBound::PosInf)
                .unwrap(),
            0
        );

        // Names: a set whose members share one score.
        c.del("lex").unwrap();
        c.zadd(
            "lex",
            [
                (0.0, "apple"),
                (0.0, "apricot"),
                (0.0, "banana"),
                (0.0, "cherry"),
            ],
        )
        .unwrap();
        let count = |c: &mut Connection, min, max| c.zlexcount("lex", min, max).unwrap();
        assert_eq!(count(&mut c, LexBound::Min, LexBound::Max), 4);
        assert_eq!(
            count(&mut c, LexBound::inclusive("ap"), LexBound::exclusive("aq")),
            2
        );
        assert_eq!(
            count(
                &mut c,
                LexBound::exclusive("apple"),
                LexBound::inclusive("banana")
            ),
            2
        );
        assert_eq!(count(&mut c, LexBound::inclusive("b"), LexBound::Max), 2);
        let n = c.zlexcount("lex", LexBound::Max, LexBound::Min).unwrap();
        assert_eq!(n, 0, "an empty range, not an error");
    }
}

#[test]
fn ranges_by_rank_score_and_name() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.del(["z", "lex", "dst"]).unwrap();
        c.zadd(
            "z",
            [
                (f64::NEG_INFINITY, "low"),
                (1.0, "a"),
                (2.0, "b"),
                (2.0, "bb"),
                (3.5, "c"),
                (f64::INFINITY, "high"),
            ],
        )
        .unwrap();
        let with: Scored = c.zrange_withscores("z", ZRange::by_rank(0, -1)).unwrap();
        assert_eq!(
            with,
            scored(&[
                ("low", f64::NEG_INFINITY),
                ("a", 1.0),
                ("b", 2.0),
                ("bb", 2.0),
                ("c", 3.5),
                ("high", f64::INFINITY)
            ])
        );
        let top2: Scored = c
            .zrange_withscores("z", ZRange::by_rank(0, 1).rev())
            .unwrap();
        assert_eq!(top2, scored(&[("high", f64::INFINITY), ("c", 3.5)]));
        let last: Vec<String> = c.zrange("z", ZRange::by_rank(-2, -1)).unwrap();
        assert_eq!(last, ["c", "high"]);

        // By score: bounds lowest first, reversed or not.
        let r =
            |c: &mut Connection, range: ZRange| -> Vec<String> { c.zrange("z", range).unwrap() };
        assert_eq!(
            r(&mut c, ZRange::by_score(ScoreBound::Exclusive(1.0), 3.5)),
            ["b", "bb", "c"]
        );
        assert_eq!(
            r(
                &mut c,
                ZRange::by_score(ScoreBound::Exclusive(1.0), 3.5).rev()
            ),
            ["c", "bb", "b"]
        );
        assert_eq!(
            r(
                &mut c,
                ZRange::by_score(ScoreBound::NegInf, ScoreBound::PosInf).limit(1, 2)
            ),
            ["a", "b"]
        );
        assert_eq!(
            r(
                &mut c,
                ZRange::by_score(ScoreBound::Exclusive(f64::NEG_INFINITY), ScoreBound::PosInf)
                    .rev()
                    .limit(1, u64::MAX)
            ),
            ["c", "bb", "b", "a"]
        );
        assert!(r(&mut c, ZRange::by_score(5.0, 1.0)).is_empty());
        let scores: Scored = c
            .zrange_withscores("z", ZRange::by_score(2.0, 2.0))
            .unwrap();
        assert_eq!(scores, scored(&[("b", 2.0), ("bb", 2.0)]));

        // By name.
        c.zadd("lex", [(0.0, "a"), (0.0, "b"), (0.0, "c"), (0.0, "d")])
            .unwrap();
        let l =
            |c: &mut Connection, range: ZRange| -> Vec<String> { c.zrange("lex", range).unwrap() };
        assert_eq!(
            l(
                &mut c,
                ZRange::by_lex(LexBound::exclusive("a"), LexBound::inclusive("c"))
            ),
            ["b", "c"]
        );
        assert_eq!(
            l(
                &mut c,
                ZRange::by_lex(LexBound::Min, LexBound::exclusive("c")).rev()
            ),
            ["b", "a"]
        );
        assert_eq!(
            l(
                &mut c,
                ZRange::by_lex(LexBound::Min, LexBound::Max)
                    .rev()
                    .limit(1, 2)
            ),
            ["c", "b"]
        );

        // ZRANGESTORE keeps the scores.
        assert_eq!(
            c.zrangestore(
                "dst",
                "z",
                ZRange::by_score(1.0, ScoreBound::PosInf).limit(0, 3)
            )
            .unwrap(),
            3
        );
        let stored: Scored = c.zrange_withscores("dst", ZRange::by_rank(0, -1)).unwrap();
        assert_eq!(stored, scored(&[("a", 1.0), ("b", 2.0), ("bb", 2.0)]));
        assert_eq!(
            c.zrangestore("dst", "missing", ZRange::by_rank(0, -1))
                .unwrap(),
            0
        );
        assert_eq!(
            c.exists("dst").unwrap(),
            0,
            "an empty result deletes the destination"
        );

        // Missing keys give empty ranges.
        let none: Vec<String> = c.zrange("missing", ZRange::by_rank(0, -1)).unwrap();
        assert!(none.is_empty());
        let none: Scored = c
            .zrange_withscores("missing", ZRange::by_score(ScoreBound::NegInf, 0.0))
            .unwrap();
        assert!(none.is_empty());
    }
}

#[test]
fn the_deprecated_range_commands_take_the_same_bounds() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.del(["z", "lex"]).unwrap();
        c.zadd(
            "z",
            [(1.0, "a"), (2.0, "b"), (3.0, "c"), (f64::INFINITY, "d")],
        )
        .unwrap();
        let v: Vec<String> = c
            .zrangebyscore("z", ScoreBound::Exclusive(1.0), ScoreBound::PosInf, None)
            .unwrap();
        assert_eq!(v, ["b", "c", "d"]);
        let v: Vec<String> = c
            .zrangebyscore("z", ScoreBound::NegInf, ScoreBound::PosInf, Some((1, 2)))
            .unwrap();
        assert_eq!(v, ["b", "c"]);
        let v: Scored = c
            .zrangebyscore_withscores("z", 2.0, f64::INFINITY, Some((0, u64::MAX)))
            .unwrap();
        assert_eq!(v, scored(&[("b", 2.0), ("c", 3.0), ("d", f64::INFINITY)]));
        // The REV forms take the highest bound first, as Redis does.
        let v: Vec<String> = c
            .zrevrangebyscore("z", 3.0, ScoreBound::Exclusive(1.0), None)
            .unwrap();
        assert_eq!(v, ["c", "b"]);
        let v: Scored = c
            .zrevrangebyscore_withscores("z", ScoreBound::PosInf, ScoreBound::NegInf, Some((0, 1)))
            .unwrap();
        assert_eq!(v, scored(&[("d", f64::INFINITY)]));
        let v: Vec<String> = c.zrevrange("z", 0, 1).unwrap();
        assert_eq!(v, ["d", "c"]);
        let v: Scored = c.zrevrange_withscores("z", -1, -1).unwrap();
        assert_eq!(v, scored(&[("a", 1.0)]));

        c.zadd("lex", [(0.0, "a"), (0.0, "b"), (0.0, "c")]).unwrap();
        let v: Vec<String> = c
            .zrangebylex("lex", LexBound::inclusive("b"), LexBound::Max, None)
            .unwrap();
        assert_eq!(v, ["b", "c"]);
        let v: Vec<String> = c
            .zrangebylex("lex", LexBound::Min, LexBound::Max, Some((1, 1)))
            .unwrap();
        assert_eq!(v, ["b"]);
        let v: Vec<String> = c
            .zrevrangebylex("lex", LexBound::exclusive("c"), LexBound::Min, None)
            .unwrap();
        assert_eq!(v, ["b", "a"]);

        let none: Vec<String> = c.zrevrange("missing", 0, -1).unwrap();
        assert!(none.is_empty());
    }
}

#[test]
fn removing_ranges() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        c.del("z").unwrap();
        let fill = |c: &mut Connection| {
            c.del("z").unwrap();
            c.zadd(
                "z",
                [(1.0, "a"), (2.0, "b"), (3.0, "c"), (4.0, "d"), (5.0, "e")],
            )
            .unwrap();
        };
        fill(&mut c);
        assert_eq!(c.zremrangebyrank("z", 0, 1).unwrap(), 2);
        assert_eq!(c.zremrangebyrank("z", -1, -1).unwrap(), 1);
        let left: Vec<String> = c.zrange("z", ZRange::by_rank(0, -1)).unwrap();
        assert_eq!(left, ["c", "d"]);
        fill(&mut c);
        assert_eq!(
            c.zremrangebyscore("z", ScoreBound::Exclusive(1.0), ScoreBound::Exclusive(4.0))
                .unwrap(),
            2
        );
        assert_eq!(c.zremrangebyscore("z", ScoreBound::NegInf, 1.0).unwrap(), 1);
        assert_eq!(c.zcard("z").unwrap(), 2);
        c.del("z").unwrap();
        c.zadd("z", [(0.0, "a"), (0.0, "b"), (0.0, "c")]).unwrap();
        assert_eq!(
            c.zremrangebylex("z", LexBound::inclusive("b"), LexBound::Max)
                .unwrap(),
            2
        );
        assert_eq!(
            c.zremrangebylex("z", LexBound::Min, LexBound::Max).unwrap(),
            1
        );
        assert_eq!(c.exists("z").unwrap(), 0);
        assert_eq!(c.zremrangebyrank("missing", 0, -1).unwrap(), 0);
    }
}
