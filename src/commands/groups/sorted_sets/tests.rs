//! Each sorted-set method sends its command, with the arguments Redis expects; conflicting
//! options are refused before anything is sent.

use std::time::Duration;

use super::*;
use crate::ErrorKind;
use crate::commands::groups::check::{self, Call, Recorder};
use crate::commands::{ScanOptions, zscan};
use crate::resp::Value;

type S = String;

#[test]
fn every_method_sends_its_command() {
    let calls: &[Call] = &[
        ("bzmpop", |r| {
            let _ = r.bzmpop::<S, S>(None, "k", MinMax::Min, 1);
        }),
        ("bzpopmax", |r| {
            let _ = r.bzpopmax::<S, S>("k", None);
        }),
        ("bzpopmin", |r| {
            let _ = r.bzpopmin::<S, S>("k", None);
        }),
        ("zadd", |r| {
            let _ = r.zadd("k", (1.0, "m"));
        }),
        ("zadd_options", |r| {
            let _ = r.zadd_options("k", (1.0, "m"), ZAddOptions::new().nx());
        }),
        ("zadd_incr", |r| {
            let _ = r.zadd_incr("k", 1.0, "m", ZAddOptions::new());
        }),
        ("zcard", |r| {
            let _ = r.zcard("k");
        }),
        ("zcount", |r| {
            let _ = r.zcount("k", 0.0, 1.0);
        }),
        ("zdiff", |r| {
            let _ = r.zdiff::<S>(["a", "b"]);
        }),
        ("zdiff_withscores", |r| {
            let _ = r.zdiff_withscores::<S>(["a", "b"]);
        }),
        ("zdiffstore", |r| {
            let _ = r.zdiffstore("d", ["a", "b"]);
        }),
        ("zincrby", |r| {
            let _ = r.zincrby("k", 1.0, "m");
        }),
        ("zinter", |r| {
            let _ = r.zinter::<S>(["a", "b"], ZCombineOptions::new());
        }),
        ("zinter_withscores", |r| {
            let _ = r.zinter_withscores::<S>(["a", "b"], ZCombineOptions::new());
        }),
        ("zintercard", |r| {
            let _ = r.zintercard(["a", "b"], None);
        }),
        ("zinterstore", |r| {
            let _ = r.zinterstore("d", ["a", "b"], ZCombineOptions::new());
        }),
        ("zlexcount", |r| {
            let _ = r.zlexcount("k", LexBound::Min, LexBound::Max);
        }),
        ("zmpop", |r| {
            let _ = r.zmpop::<S, S>("k", MinMax::Max, 1);
        }),
        ("zmscore", |r| {
            let _ = r.zmscore("k", ["a", "b"]);
        }),
        ("zpopmax", |r| {
            let _ = r.zpopmax::<S>("k", 1);
        }),
        ("zpopmin", |r| {
            let _ = r.zpopmin::<S>("k", 1);
        }),
        ("zrandmember", |r| {
            let _ = r.zrandmember::<S>("k");
        }),
        ("zrandmember_count", |r| {
            let _ = r.zrandmember_count::<S>("k", 2);
        }),
        ("zrandmember_withscores", |r| {
            let _ = r.zrandmember_withscores::<S>("k", 2);
        }),
        ("zrange", |r| {
            let _ = r.zrange::<S>("k", ZRange::by_rank(0, -1));
        }),
        ("zrange_withscores", |r| {
            let _ = r.zrange_withscores::<S>("k", ZRange::by_rank(0, -1));
        }),
        ("zrangestore", |r| {
            let _ = r.zrangestore("d", "k", ZRange::by_rank(0, -1));
        }),
        ("zrangebylex", |r| {
            let _ = r.zrangebylex::<S>("k", LexBound::Min, LexBound::Max, None);
        }),
        ("zrangebyscore", |r| {
            let _ = r.zrangebyscore::<S>("k", ScoreBound::NegInf, ScoreBound::PosInf, None);
        }),
        ("zrangebyscore_withscores", |r| {
            let _ = r.zrangebyscore_withscores::<S>("k", 0.0, 1.0, None);
        }),
        ("zrank", |r| {
            let _ = r.zrank("k", "m");
        }),
        ("zrank_withscore", |r| {
            let _ = r.zrank_withscore("k", "m");
        }),
        ("zrem", |r| {
            let _ = r.zrem("k", "m");
        }),
        ("zremrangebylex", |r| {
            let _ = r.zremrangebylex("k", LexBound::Min, LexBound::Max);
        }),
        ("zremrangebyrank", |r| {
            let _ = r.zremrangebyrank("k", 0, 1);
        }),
        ("zremrangebyscore", |r| {
            let _ = r.zremrangebyscore("k", 0.0, 1.0);
        }),
        ("zrevrange", |r| {
            let _ = r.zrevrange::<S>("k", 0, -1);
        }),
        ("zrevrange_withscores", |r| {
            let _ = r.zrevrange_withscores::<S>("k", 0, -1);
        }),
        ("zrevrangebylex", |r| {
            let _ = r.zrevrangebylex::<S>("k", LexBound::Max, LexBound::Min, None);
        }),
        ("zrevrangebyscore", |r| {
            let _ = r.zrevrangebyscore::<S>("k", 1.0, 0.0, None);
        }),
        ("zrevrangebyscore_withscores", |r| {
            let _ = r.zrevrangebyscore_withscores::<S>("k", 1.0, 0.0, None);
        }),
        ("zrevrank", |r| {
            let _ = r.zrevrank("k", "m");
        }),
        ("zrevrank_withscore", |r| {
            let _ = r.zrevrank_withscore("k", "m");
        }),
        ("zscan()", |r| {
            let _ = zscan::<S, _>(r, "k", ScanOptions::new()).next();
        }),
        ("zscore", |r| {
            let _ = r.zscore("k", "m");
        }),
        ("zunion", |r| {
            let _ = r.zunion::<S>(["a", "b"], ZCombineOptions::new());
        }),
        ("zunion_withscores", |r| {
            let _ = r.zunion_withscores::<S>(["a", "b"], ZCombineOptions::new());
        }),
        ("zunionstore", |r| {
            let _ = r.zunionstore("d", ["a", "b"], ZCombineOptions::new());
        }),
    ];
    check::methods(METHODS, calls);
}

fn line(call: fn(&mut Recorder)) -> String {
    check::sent(call).join(" ")
}

#[test]
fn methods_with_options_send_the_arguments_redis_expects() {
    assert_eq!(
        line(|r| {
            let _ = r.zadd("k", [(1.5, "a"), (f64::INFINITY, "b")]);
        }),
        "ZADD k 1.5 a inf b"
    );
    assert_eq!(
        line(|r| {
            let _ = r.zadd_options("k", (1.0, "a"), ZAddOptions::new().xx().gt().ch());
        }),
        "ZADD k XX GT CH 1 a"
    );
    assert_eq!(
        line(|r| {
            let _ = r.zadd_incr("k", -2.5, "a", ZAddOptions::new().nx());
        }),
        "ZADD k NX INCR -2.5 a"
    );
    assert_eq!(
        line(|r| {
            let _ = r.zcount("k", ScoreBound::Exclusive(1.0), f64::INFINITY);
        }),
        "ZCOUNT k (1 inf"
    );
    assert_eq!(
        line(|r| {
            let _ = r.zrange_withscores::<S>(
                "k",
                ZRange::by_score(ScoreBound::NegInf, 10.0).rev().limit(2, 3),
            );
        }),
        "ZRANGE k 10 -inf BYSCORE REV LIMIT 2 3 WITHSCORES"
    );
    assert_eq!(
        line(|r| {
            let _ = r.zrangestore("d", "s", ZRange::by_rank(0, 9).rev());
        }),
        "ZRANGESTORE d s 0 9 REV"
    );
    assert_eq!(
        line(|r| {
            let _ = r.zunion_withscores::<S>(
                ("a", "b"),
                ZCombineOptions::new()
                    .weights([1.0, 2.0])
                    .aggregate(ZAggregate::Max),
            );
        }),
        "ZUNION 2 a b WEIGHTS 1 2 AGGREGATE MAX WITHSCORES"
    );
    assert_eq!(
        line(|r| {
            let _ = r.zinterstore("d", "a", ZCombineOptions::new());
        }),
        "ZINTERSTORE d 1 a"
    );
    assert_eq!(
        line(|r| {
            let _ = r.zintercard(["a", "b"], Some(10));
        }),
        "ZINTERCARD 2 a b LIMIT 10"
    );
    assert_eq!(
        line(|r| {
            let _ = r.zdiffstore("d", ["a", "b", "c"]);
        }),
        "ZDIFFSTORE d 3 a b c"
    );
    assert_eq!(
        line(|r| {
            let _ = r.zmpop::<S, S>(["a", "b"], MinMax::Max, 5);
        }),
        "ZMPOP 2 a b MAX COUNT 5"
    );
    assert_eq!(
        line(|r| {
            let _ = r.bzmpop::<S, S>(Some(Duration::from_millis(1500)), "a", MinMax::Min, 1);
        }),
        "BZMPOP 1.500000 1 a MIN COUNT 1"
    );
    assert_eq!(
        line(|r| {
            let _ = r.bzpopmin::<S, S>(["a", "b"], None);
        }),
        "BZPOPMIN a b 0"
    );
    assert_eq!(
        line(|r| {
            let _ = r.zrangebyscore_withscores::<S>("k", 1.0, ScoreBound::PosInf, Some((0, 5)));
        }),
        "ZRANGEBYSCORE k 1 +inf WITHSCORES LIMIT 0 5"
    );
    assert_eq!(
        line(|r| {
            let _ = r.zrevrangebylex::<S>(
                "k",
                LexBound::exclusive("z"),
                LexBound::inclusive("a"),
                Some((1, u64::MAX)),
            );
        }),
        "ZREVRANGEBYLEX k (z [a LIMIT 1 9223372036854775807"
    );
    assert_eq!(
        line(|r| {
            let _ = r.zrevrank_withscore("k", "m");
        }),
        "ZREVRANK k m WITHSCORE"
    );
    assert_eq!(
        line(|r| {
            let _ = r.zrandmember_withscores::<S>("k", -3);
        }),
        "ZRANDMEMBER k -3 WITHSCORES"
    );
}

/// The call sends nothing and fails with `InvalidInput` whose text holds `why`.
fn refused(call: fn(&mut Recorder) -> crate::Result<()>, why: &str) {
    let mut r = Recorder::default();
    let e = call(&mut r).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(e.to_string().contains(why), "{e}");
    assert!(r.sent.is_empty(), "sent {:?}", r.sent.len());
}

#[test]
fn conflicting_options_are_refused_before_sending() {
    refused(
        |r| {
            r.zadd_options("k", (1.0, "a"), ZAddOptions::new().nx().xx())
                .map(drop)
        },
        "NX and XX",
    );
    refused(
        |r| {
            r.zadd_incr("k", 1.0, "a", ZAddOptions::new().gt().lt())
                .map(drop)
        },
        "GT and LT",
    );
    refused(
        |r| {
            r.zrange::<S>("k", ZRange::by_rank(0, 1).limit(0, 1))
                .map(drop)
        },
        "LIMIT",
    );
    refused(
        |r| {
            r.zrangestore("d", "k", ZRange::by_rank(0, 1).limit(0, 1))
                .map(drop)
        },
        "LIMIT",
    );
    refused(
        |r| {
            r.zrange_withscores::<S>("k", ZRange::by_lex(LexBound::Min, LexBound::Max))
                .map(drop)
        },
        "WITHSCORES",
    );
    refused(
        |r| {
            r.zunion::<S>(["a", "b"], ZCombineOptions::new().weights([1.0]))
                .map(drop)
        },
        "2 keys, 1 weights",
    );
    refused(
        |r| r.bzpopmax::<S, S>("k", Some(Duration::ZERO)).map(drop),
        "zero",
    );
    // A pipeline keeps the refusal and fails when sent, sending nothing.
    let mut r = Recorder::default();
    let mut p = crate::Pipeline::new();
    p.zadd_options("k", (1.0, "a"), ZAddOptions::new().nx().lt());
    let e = p.query::<Value>(&mut r).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(r.sent.is_empty());
}
