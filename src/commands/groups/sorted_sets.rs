//! The `sorted-set` group of the Redis documentation: members ordered by a score: ranges by rank, score or name, ranks, pops.

use std::time::Duration;

use super::Method;
use super::shared::block_seconds;
use crate::commands::args::{One, ToArg, ToArgs};
use crate::commands::cmd::Request;
use crate::commands::core::Commands;
use crate::commands::reply::FromValue;
use crate::commands::table::{CommandSpec, spec};
use crate::error::Result;

mod options;

pub use options::{LexBound, MinMax, ScoreBound, ZAddOptions, ZAggregate, ZCombineOptions, ZRange};
use options::{Limit, NumKeys};

/// The `sorted-set` commands: members ordered by a score: ranges by rank, score or name, ranks, pops.
///
/// Implemented for every [`Commands`] receiver (a connection, a client, a pipeline), so each
/// method sends the command and returns `Result<T>`, or queues it. Bring every group into scope
/// with `use redisync::prelude::*`.
///
/// Scores are `f64` on both protocols (RESP2 sends them as strings, RESP3 as doubles), and
/// infinite ones work both ways: `f64::INFINITY` is sent as `inf` and read back as itself.
/// Members are the caller's type (`M`), as are keys in replies that name one (`K`). Members
/// with equal scores are ordered by name, byte by byte.
///
/// ```no_run
/// use redisync::prelude::*;
/// use redisync::{ZAddOptions, ZRange};
///
/// let client = Client::open("redis://127.0.0.1")?;
/// client.zadd("board", [(120.0, "ann"), (95.0, "bob")])?;
/// // Keep each player's best score only.
/// client.zadd_options("board", (110.0, "ann"), ZAddOptions::new().gt())?;
/// let top: Vec<(String, f64)> = client.zrange_withscores("board", ZRange::by_rank(0, 9).rev())?;
/// let rank: Option<u64> = client.zrevrank("board", "bob")?;
/// assert_eq!((top[0].1, rank), (120.0, Some(1)));
/// # Ok::<(), redisync::Error>(())
/// ```
pub trait SortedSetCommands: Commands {
    /// `BZMPOP timeout numkeys key [key ...] MIN|MAX COUNT count`: waits until one of the keys
    /// has members, then pops up to `count` from its `end`; the key and the popped members with
    /// their scores, or `None` when `timeout` passed first (`None` waits as long as it takes).
    /// The connection's read deadline is extended by the wait.
    /// <https://redis.io/docs/latest/commands/bzmpop/>
    ///
    /// Redis 7.0+; Redis 6.2 has no `BZMPOP`.
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type;
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before sending for a zero
    /// timeout.
    #[allow(clippy::type_complexity)] // the key, and the members with their scores
    fn bzmpop<K: FromValue, M: FromValue>(
        self,
        timeout: Option<Duration>,
        keys: impl ToArgs,
        end: MinMax,
        count: u64,
    ) -> Self::Output<Option<(K, Vec<(M, f64)>)>> {
        match block_seconds(timeout) {
            Ok(t) => self.run(&Request::new(
                &spec::BZMPOP,
                &(&t, NumKeys(&keys), end, "COUNT", count),
            )),
            Err(e) => self.refuse(e),
        }
    }

    /// `BZPOPMAX key [key ...] timeout`: waits for one of the keys to have members, then pops
    /// the highest-scored: `(key, member, score)`, or `None` when `timeout` passed first (`None`
    /// waits as long as it takes). The connection's read deadline is extended by the wait.
    /// <https://redis.io/docs/latest/commands/bzpopmax/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type;
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before sending for a zero
    /// timeout.
    fn bzpopmax<K: FromValue, M: FromValue>(
        self,
        keys: impl ToArgs,
        timeout: Option<Duration>,
    ) -> Self::Output<Option<(K, M, f64)>> {
        match block_seconds(timeout) {
            Ok(t) => self.run(&Request::new(&spec::BZPOPMAX, &(&keys, &t))),
            Err(e) => self.refuse(e),
        }
    }

    /// `BZPOPMIN key [key ...] timeout`: as [`bzpopmax`](Self::bzpopmax), for the
    /// lowest-scored member.
    /// <https://redis.io/docs/latest/commands/bzpopmin/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type;
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before sending for a zero
    /// timeout.
    fn bzpopmin<K: FromValue, M: FromValue>(
        self,
        keys: impl ToArgs,
        timeout: Option<Duration>,
    ) -> Self::Output<Option<(K, M, f64)>> {
        match block_seconds(timeout) {
            Ok(t) => self.run(&Request::new(&spec::BZPOPMIN, &(&keys, &t))),
            Err(e) => self.refuse(e),
        }
    }

    /// `ZADD key score member [score member ...]`, from `(score, member)` pairs: how many
    /// members were added (updated scores do not count).
    /// <https://redis.io/docs/latest/commands/zadd/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zadd(self, key: impl ToArg, items: impl ToArgs) -> Self::Output<u64> {
        self.run(&Request::new(&spec::ZADD, &(One(&key), &items)))
    }

    /// `ZADD key [NX|XX] [GT|LT] [CH] score member [...]`: how many members were added, or
    /// changed (added or updated) with `CH`.
    /// <https://redis.io/docs/latest/commands/zadd/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type;
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before sending for
    /// conflicting options (see [`ZAddOptions`]).
    fn zadd_options(
        self,
        key: impl ToArg,
        items: impl ToArgs,
        options: ZAddOptions,
    ) -> Self::Output<u64> {
        let args = (One(&key), options, &items);
        checked(self, options.check(), &spec::ZADD, &args)
    }

    /// `ZADD key [NX|XX] [GT|LT] INCR increment member`: adds `increment` to the member's score
    /// (a new member starts at 0) and returns the new score, or `None` when the options
    /// prevented the change.
    /// <https://redis.io/docs/latest/commands/zadd/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type;
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before sending for
    /// conflicting options.
    fn zadd_incr(
        self,
        key: impl ToArg,
        increment: f64,
        member: impl ToArg,
        options: ZAddOptions,
    ) -> Self::Output<Option<f64>> {
        let args = (One(&key), options, "INCR", increment, One(&member));
        checked(self, options.check(), &spec::ZADD, &args)
    }

    /// `ZCARD key`: how many members the set has (0 for a missing key).
    /// <https://redis.io/docs/latest/commands/zcard/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zcard(self, key: impl ToArg) -> Self::Output<u64> {
        self.run(&Request::new(&spec::ZCARD, &One(&key)))
    }

    /// `ZCOUNT key min max`: how many members have a score within the bounds.
    /// <https://redis.io/docs/latest/commands/zcount/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zcount(
        self,
        key: impl ToArg,
        min: impl Into<ScoreBound>,
        max: impl Into<ScoreBound>,
    ) -> Self::Output<u64> {
        let (min, max) = (min.into(), max.into());
        self.run(&Request::new(&spec::ZCOUNT, &(One(&key), min, max)))
    }

    /// `ZDIFF numkeys key [key ...]`: the members of the first set that are in none of the
    /// others, by score.
    /// <https://redis.io/docs/latest/commands/zdiff/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zdiff<M: FromValue>(self, keys: impl ToArgs) -> Self::Output<Vec<M>> {
        self.run(&Request::new(&spec::ZDIFF, &NumKeys(&keys)))
    }

    /// `ZDIFF numkeys key [key ...] WITHSCORES`: as [`zdiff`](Self::zdiff), with the scores.
    /// <https://redis.io/docs/latest/commands/zdiff/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zdiff_withscores<M: FromValue>(self, keys: impl ToArgs) -> Self::Output<Vec<(M, f64)>> {
        self.run(&Request::new(&spec::ZDIFF, &(NumKeys(&keys), "WITHSCORES")))
    }

    /// `ZDIFFSTORE destination numkeys key [key ...]`: stores the difference in `destination`
    /// (replacing it) and returns its size.
    /// <https://redis.io/docs/latest/commands/zdiffstore/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a source key holding another type.
    fn zdiffstore(self, destination: impl ToArg, keys: impl ToArgs) -> Self::Output<u64> {
        let args = (One(&destination), NumKeys(&keys));
        self.run(&Request::new(&spec::ZDIFFSTORE, &args))
    }

    /// `ZINCRBY key increment member`: the member's new score (a new member starts at 0).
    /// <https://redis.io/docs/latest/commands/zincrby/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type; an error when the result is not a number
    /// (`inf` plus `-inf`).
    fn zincrby(self, key: impl ToArg, increment: f64, member: impl ToArg) -> Self::Output<f64> {
        let args = (One(&key), increment, One(&member));
        self.run(&Request::new(&spec::ZINCRBY, &args))
    }

    /// `ZINTER numkeys key [key ...] [WEIGHTS ...] [AGGREGATE ...]`: the members in every set,
    /// by combined score.
    /// <https://redis.io/docs/latest/commands/zinter/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type;
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before sending for weights
    /// that do not number as many as the keys.
    fn zinter<M: FromValue>(
        self,
        keys: impl ToArgs,
        options: ZCombineOptions,
    ) -> Self::Output<Vec<M>> {
        let args = (NumKeys(&keys), &options);
        checked(self, options.check(keys.arg_count()), &spec::ZINTER, &args)
    }

    /// `ZINTER ... WITHSCORES`: as [`zinter`](Self::zinter), with the combined scores.
    /// <https://redis.io/docs/latest/commands/zinter/>
    ///
    /// # Errors
    /// As [`zinter`](Self::zinter).
    fn zinter_withscores<M: FromValue>(
        self,
        keys: impl ToArgs,
        options: ZCombineOptions,
    ) -> Self::Output<Vec<(M, f64)>> {
        let args = (NumKeys(&keys), &options, "WITHSCORES");
        checked(self, options.check(keys.arg_count()), &spec::ZINTER, &args)
    }

    /// `ZINTERCARD numkeys key [key ...] [LIMIT limit]`: how many members are in every set,
    /// counting up to `limit` at most when one is given.
    /// <https://redis.io/docs/latest/commands/zintercard/>
    ///
    /// Redis 7.0+; Redis 6.2 has no `ZINTERCARD`.
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zintercard(self, keys: impl ToArgs, limit: Option<u64>) -> Self::Output<u64> {
        let limit = limit.map(|n| ("LIMIT", n));
        self.run(&Request::new(&spec::ZINTERCARD, &(NumKeys(&keys), limit)))
    }

    /// `ZINTERSTORE destination numkeys key [key ...] [WEIGHTS ...] [AGGREGATE ...]`: stores
    /// the intersection in `destination` (replacing it) and returns its size.
    /// <https://redis.io/docs/latest/commands/zinterstore/>
    ///
    /// # Errors
    /// As [`zinter`](Self::zinter).
    fn zinterstore(
        self,
        destination: impl ToArg,
        keys: impl ToArgs,
        options: ZCombineOptions,
    ) -> Self::Output<u64> {
        let args = (One(&destination), NumKeys(&keys), &options);
        checked(
            self,
            options.check(keys.arg_count()),
            &spec::ZINTERSTORE,
            &args,
        )
    }

    /// `ZLEXCOUNT key min max`: how many members have a name within the bounds (for a set
    /// whose members all have the same score).
    /// <https://redis.io/docs/latest/commands/zlexcount/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zlexcount(self, key: impl ToArg, min: LexBound, max: LexBound) -> Self::Output<u64> {
        self.run(&Request::new(&spec::ZLEXCOUNT, &(One(&key), &min, &max)))
    }

    /// `ZMPOP numkeys key [key ...] MIN|MAX COUNT count`: pops up to `count` members from the
    /// `end` of the first of the keys that has any; that key and the members with their
    /// scores, or `None` when every key is missing.
    /// <https://redis.io/docs/latest/commands/zmpop/>
    ///
    /// Redis 7.0+; Redis 6.2 has no `ZMPOP`.
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    #[allow(clippy::type_complexity)] // the key, and the members with their scores
    fn zmpop<K: FromValue, M: FromValue>(
        self,
        keys: impl ToArgs,
        end: MinMax,
        count: u64,
    ) -> Self::Output<Option<(K, Vec<(M, f64)>)>> {
        let args = (NumKeys(&keys), end, "COUNT", count);
        self.run(&Request::new(&spec::ZMPOP, &args))
    }

    /// `ZMSCORE key member [member ...]`: each member's score, `None` where a member (or the
    /// key) is missing.
    /// <https://redis.io/docs/latest/commands/zmscore/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zmscore(self, key: impl ToArg, members: impl ToArgs) -> Self::Output<Vec<Option<f64>>> {
        self.run(&Request::new(&spec::ZMSCORE, &(One(&key), &members)))
    }

    /// `ZPOPMAX key count`: pops up to `count` members with the highest scores, highest first,
    /// with their scores (empty for a missing key).
    /// <https://redis.io/docs/latest/commands/zpopmax/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zpopmax<M: FromValue>(self, key: impl ToArg, count: u64) -> Self::Output<Vec<(M, f64)>> {
        self.run(&Request::new(&spec::ZPOPMAX, &(One(&key), count)))
    }

    /// `ZPOPMIN key count`: pops up to `count` members with the lowest scores, lowest first,
    /// with their scores (empty for a missing key).
    /// <https://redis.io/docs/latest/commands/zpopmin/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zpopmin<M: FromValue>(self, key: impl ToArg, count: u64) -> Self::Output<Vec<(M, f64)>> {
        self.run(&Request::new(&spec::ZPOPMIN, &(One(&key), count)))
    }

    /// `ZRANDMEMBER key`: a random member, or `None` for a missing key.
    /// <https://redis.io/docs/latest/commands/zrandmember/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zrandmember<M: FromValue>(self, key: impl ToArg) -> Self::Output<Option<M>> {
        self.run(&Request::new(&spec::ZRANDMEMBER, &One(&key)))
    }

    /// `ZRANDMEMBER key count`: up to `count` distinct random members, or, for a negative
    /// `count`, exactly `-count` members that may repeat (empty for a missing key).
    /// <https://redis.io/docs/latest/commands/zrandmember/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zrandmember_count<M: FromValue>(self, key: impl ToArg, count: i64) -> Self::Output<Vec<M>> {
        self.run(&Request::new(&spec::ZRANDMEMBER, &(One(&key), count)))
    }

    /// `ZRANDMEMBER key count WITHSCORES`: as `zrandmember_count`, with the scores.
    /// <https://redis.io/docs/latest/commands/zrandmember/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zrandmember_withscores<M: FromValue>(
        self,
        key: impl ToArg,
        count: i64,
    ) -> Self::Output<Vec<(M, f64)>> {
        let args = (One(&key), count, "WITHSCORES");
        self.run(&Request::new(&spec::ZRANDMEMBER, &args))
    }

    /// `ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count]`: the members in the
    /// range (see [`ZRange`]), in its order.
    /// <https://redis.io/docs/latest/commands/zrange/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type;
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before sending for a limit
    /// on a rank range.
    fn zrange<M: FromValue>(self, key: impl ToArg, range: ZRange) -> Self::Output<Vec<M>> {
        let args = (One(&key), &range);
        checked(self, range.check(false), &spec::ZRANGE, &args)
    }

    /// `ZRANGE ... WITHSCORES`: as [`zrange`](Self::zrange), with the scores.
    /// <https://redis.io/docs/latest/commands/zrange/>
    ///
    /// # Errors
    /// As [`zrange`](Self::zrange); also refused before sending for a name range (Redis gives
    /// no scores with `BYLEX`).
    fn zrange_withscores<M: FromValue>(
        self,
        key: impl ToArg,
        range: ZRange,
    ) -> Self::Output<Vec<(M, f64)>> {
        let args = (One(&key), &range, "WITHSCORES");
        checked(self, range.check(true), &spec::ZRANGE, &args)
    }

    /// `ZRANGESTORE destination source start stop [BYSCORE|BYLEX] [REV] [LIMIT ...]`: stores
    /// the range with its scores in `destination` (replacing it) and returns its size.
    /// <https://redis.io/docs/latest/commands/zrangestore/>
    ///
    /// # Errors
    /// As [`zrange`](Self::zrange).
    fn zrangestore(
        self,
        destination: impl ToArg,
        source: impl ToArg,
        range: ZRange,
    ) -> Self::Output<u64> {
        let args = (One(&destination), One(&source), &range);
        checked(self, range.check(false), &spec::ZRANGESTORE, &args)
    }

    /// `ZRANGEBYLEX key min max [LIMIT offset count]`: the members with a name within the
    /// bounds. Deprecated by Redis in favour of [`zrange`](Self::zrange) with
    /// [`ZRange::by_lex`].
    /// <https://redis.io/docs/latest/commands/zrangebylex/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zrangebylex<M: FromValue>(
        self,
        key: impl ToArg,
        min: LexBound,
        max: LexBound,
        limit: Option<(u64, u64)>,
    ) -> Self::Output<Vec<M>> {
        let args = (One(&key), &min, &max, Limit(limit));
        self.run(&Request::new(&spec::ZRANGEBYLEX, &args))
    }

    /// `ZRANGEBYSCORE key min max [LIMIT offset count]`: the members with a score within the
    /// bounds, lowest first. Deprecated by Redis in favour of [`zrange`](Self::zrange) with
    /// [`ZRange::by_score`].
    /// <https://redis.io/docs/latest/commands/zrangebyscore/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zrangebyscore<M: FromValue>(
        self,
        key: impl ToArg,
        min: impl Into<ScoreBound>,
        max: impl Into<ScoreBound>,
        limit: Option<(u64, u64)>,
    ) -> Self::Output<Vec<M>> {
        let (min, max) = (min.into(), max.into());
        let args = (One(&key), min, max, Limit(limit));
        self.run(&Request::new(&spec::ZRANGEBYSCORE, &args))
    }

    /// `ZRANGEBYSCORE key min max WITHSCORES [LIMIT offset count]`: as
    /// [`zrangebyscore`](Self::zrangebyscore), with the scores. Deprecated by Redis in favour
    /// of [`zrange_withscores`](Self::zrange_withscores).
    /// <https://redis.io/docs/latest/commands/zrangebyscore/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zrangebyscore_withscores<M: FromValue>(
        self,
        key: impl ToArg,
        min: impl Into<ScoreBound>,
        max: impl Into<ScoreBound>,
        limit: Option<(u64, u64)>,
    ) -> Self::Output<Vec<(M, f64)>> {
        let (min, max) = (min.into(), max.into());
        let args = (One(&key), min, max, "WITHSCORES", Limit(limit));
        self.run(&Request::new(&spec::ZRANGEBYSCORE, &args))
    }

    /// `ZRANK key member`: the member's rank by ascending score (0 for the lowest), or `None`
    /// when the member or the key is missing.
    /// <https://redis.io/docs/latest/commands/zrank/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zrank(self, key: impl ToArg, member: impl ToArg) -> Self::Output<Option<u64>> {
        self.run(&Request::new(&spec::ZRANK, &(One(&key), One(&member))))
    }

    /// `ZRANK key member WITHSCORE`: the member's rank and score, or `None` when the member or
    /// the key is missing.
    /// <https://redis.io/docs/latest/commands/zrank/>
    ///
    /// Redis 7.2+ and Valkey; Redis 7.0 and 6.2 answer with a wrong-number-of-arguments error.
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zrank_withscore(
        self,
        key: impl ToArg,
        member: impl ToArg,
    ) -> Self::Output<Option<(u64, f64)>> {
        let args = (One(&key), One(&member), "WITHSCORE");
        self.run(&Request::new(&spec::ZRANK, &args))
    }

    /// `ZREM key member [member ...]`: how many of the members existed and were removed.
    /// <https://redis.io/docs/latest/commands/zrem/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zrem(self, key: impl ToArg, members: impl ToArgs) -> Self::Output<u64> {
        self.run(&Request::new(&spec::ZREM, &(One(&key), &members)))
    }

    /// `ZREMRANGEBYLEX key min max`: removes the members with a name within the bounds and
    /// returns how many there were.
    /// <https://redis.io/docs/latest/commands/zremrangebylex/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zremrangebylex(self, key: impl ToArg, min: LexBound, max: LexBound) -> Self::Output<u64> {
        let args = (One(&key), &min, &max);
        self.run(&Request::new(&spec::ZREMRANGEBYLEX, &args))
    }

    /// `ZREMRANGEBYRANK key start stop`: removes the members ranked `start` to `stop` (both
    /// included; negative counts from the highest) and returns how many there were.
    /// <https://redis.io/docs/latest/commands/zremrangebyrank/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zremrangebyrank(self, key: impl ToArg, start: i64, stop: i64) -> Self::Output<u64> {
        let args = (One(&key), start, stop);
        self.run(&Request::new(&spec::ZREMRANGEBYRANK, &args))
    }

    /// `ZREMRANGEBYSCORE key min max`: removes the members with a score within the bounds and
    /// returns how many there were.
    /// <https://redis.io/docs/latest/commands/zremrangebyscore/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zremrangebyscore(
        self,
        key: impl ToArg,
        min: impl Into<ScoreBound>,
        max: impl Into<ScoreBound>,
    ) -> Self::Output<u64> {
        let (min, max) = (min.into(), max.into());
        let args = (One(&key), min, max);
        self.run(&Request::new(&spec::ZREMRANGEBYSCORE, &args))
    }

    /// `ZREVRANGE key start stop`: the members ranked `start` to `stop` from the highest
    /// score down. Deprecated by Redis in favour of [`zrange`](Self::zrange) with
    /// `ZRange::by_rank(start, stop).rev()`.
    /// <https://redis.io/docs/latest/commands/zrevrange/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zrevrange<M: FromValue>(
        self,
        key: impl ToArg,
        start: i64,
        stop: i64,
    ) -> Self::Output<Vec<M>> {
        self.run(&Request::new(&spec::ZREVRANGE, &(One(&key), start, stop)))
    }

    /// `ZREVRANGE key start stop WITHSCORES`: as [`zrevrange`](Self::zrevrange), with the
    /// scores. Deprecated by Redis in favour of [`zrange_withscores`](Self::zrange_withscores).
    /// <https://redis.io/docs/latest/commands/zrevrange/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zrevrange_withscores<M: FromValue>(
        self,
        key: impl ToArg,
        start: i64,
        stop: i64,
    ) -> Self::Output<Vec<(M, f64)>> {
        let args = (One(&key), start, stop, "WITHSCORES");
        self.run(&Request::new(&spec::ZREVRANGE, &args))
    }

    /// `ZREVRANGEBYLEX key max min [LIMIT offset count]`: the members with a name within the
    /// bounds, last name first; note the order of the bounds, highest first as Redis takes
    /// them. Deprecated by Redis in favour of [`zrange`](Self::zrange) with
    /// `ZRange::by_lex(min, max).rev()`.
    /// <https://redis.io/docs/latest/commands/zrevrangebylex/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zrevrangebylex<M: FromValue>(
        self,
        key: impl ToArg,
        max: LexBound,
        min: LexBound,
        limit: Option<(u64, u64)>,
    ) -> Self::Output<Vec<M>> {
        let args = (One(&key), &max, &min, Limit(limit));
        self.run(&Request::new(&spec::ZREVRANGEBYLEX, &args))
    }

    /// `ZREVRANGEBYSCORE key max min [LIMIT offset count]`: the members with a score within
    /// the bounds, highest first; note the order of the bounds, highest first as Redis takes
    /// them. Deprecated by Redis in favour of [`zrange`](Self::zrange) with
    /// `ZRange::by_score(min, max).rev()`.
    /// <https://redis.io/docs/latest/commands/zrevrangebyscore/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zrevrangebyscore<M: FromValue>(
        self,
        key: impl ToArg,
        max: impl Into<ScoreBound>,
        min: impl Into<ScoreBound>,
        limit: Option<(u64, u64)>,
    ) -> Self::Output<Vec<M>> {
        let (max, min) = (max.into(), min.into());
        let args = (One(&key), max, min, Limit(limit));
        self.run(&Request::new(&spec::ZREVRANGEBYSCORE, &args))
    }

    /// `ZREVRANGEBYSCORE key max min WITHSCORES [LIMIT offset count]`: as
    /// [`zrevrangebyscore`](Self::zrevrangebyscore), with the scores. Deprecated by Redis in
    /// favour of [`zrange_withscores`](Self::zrange_withscores).
    /// <https://redis.io/docs/latest/commands/zrevrangebyscore/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zrevrangebyscore_withscores<M: FromValue>(
        self,
        key: impl ToArg,
        max: impl Into<ScoreBound>,
        min: impl Into<ScoreBound>,
        limit: Option<(u64, u64)>,
    ) -> Self::Output<Vec<(M, f64)>> {
        let (max, min) = (max.into(), min.into());
        let args = (One(&key), max, min, "WITHSCORES", Limit(limit));
        self.run(&Request::new(&spec::ZREVRANGEBYSCORE, &args))
    }

    /// `ZREVRANK key member`: the member's rank by descending score (0 for the highest), or
    /// `None` when the member or the key is missing.
    /// <https://redis.io/docs/latest/commands/zrevrank/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zrevrank(self, key: impl ToArg, member: impl ToArg) -> Self::Output<Option<u64>> {
        self.run(&Request::new(&spec::ZREVRANK, &(One(&key), One(&member))))
    }

    /// `ZREVRANK key member WITHSCORE`: the member's descending rank and score, or `None` when
    /// the member or the key is missing.
    /// <https://redis.io/docs/latest/commands/zrevrank/>
    ///
    /// Redis 7.2+ and Valkey; Redis 7.0 and 6.2 answer with a wrong-number-of-arguments error.
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zrevrank_withscore(
        self,
        key: impl ToArg,
        member: impl ToArg,
    ) -> Self::Output<Option<(u64, f64)>> {
        let args = (One(&key), One(&member), "WITHSCORE");
        self.run(&Request::new(&spec::ZREVRANK, &args))
    }

    /// `ZSCORE key member`: the member's score, or `None` when the member or the key is
    /// missing.
    /// <https://redis.io/docs/latest/commands/zscore/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key holding another type.
    fn zscore(self, key: impl ToArg, member: impl ToArg) -> Self::Output<Option<f64>> {
        self.run(&Request::new(&spec::ZSCORE, &(One(&key), One(&member))))
    }

    /// `ZUNION numkeys key [key ...] [WEIGHTS ...] [AGGREGATE ...]`: the members of any of the
    /// sets, by combined score.
    /// <https://redis.io/docs/latest/commands/zunion/>
    ///
    /// # Errors
    /// As [`zinter`](Self::zinter).
    fn zunion<M: FromValue>(
        self,
        keys: impl ToArgs,
        options: ZCombineOptions,
    ) -> Self::Output<Vec<M>> {
        let args = (NumKeys(&keys), &options);
        checked(self, options.check(keys.arg_count()), &spec::ZUNION, &args)
    }

    /// `ZUNION ... WITHSCORES`: as [`zunion`](Self::zunion), with the combined scores.
    /// <https://redis.io/docs/latest/commands/zunion/>
    ///
    /// # Errors
    /// As [`zinter`](Self::zinter).
    fn zunion_withscores<M: FromValue>(
        self,
        keys: impl ToArgs,
        options: ZCombineOptions,
    ) -> Self::Output<Vec<(M, f64)>> {
        let args = (NumKeys(&keys), &options, "WITHSCORES");
        checked(self, options.check(keys.arg_count()), &spec::ZUNION, &args)
    }

    /// `ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS ...] [AGGREGATE ...]`: stores
    /// the union in `destination` (replacing it) and returns its size.
    /// <https://redis.io/docs/latest/commands/zunionstore/>
    ///
    /// # Errors
    /// As [`zinter`](Self::zinter).
    fn zunionstore(
        self,
        destination: impl ToArg,
        keys: impl ToArgs,
        options: ZCombineOptions,
    ) -> Self::Output<u64> {
        let args = (One(&destination), NumKeys(&keys), &options);
        checked(
            self,
            options.check(keys.arg_count()),
            &spec::ZUNIONSTORE,
            &args,
        )
    }
}

impl<C: Commands> SortedSetCommands for C {}

/// Sends the command when `check` passed; refuses it, sending nothing, when it did not.
fn checked<C: Commands, T: FromValue>(
    receiver: C,
    check: Result<()>,
    spec: &'static CommandSpec,
    args: &dyn ToArgs,
) -> C::Output<T> {
    match check {
        Ok(()) => receiver.run(&Request::new(spec, args)),
        Err(e) => receiver.refuse(e),
    }
}

/// This group's methods and the command each sends. `ZSCAN` is the [`zscan`](crate::zscan)
/// iterator.
pub(crate) const METHODS: &[Method] = &[
    ("bzmpop", &spec::BZMPOP),
    ("bzpopmax", &spec::BZPOPMAX),
    ("bzpopmin", &spec::BZPOPMIN),
    ("zadd", &spec::ZADD),
    ("zadd_options", &spec::ZADD),
    ("zadd_incr", &spec::ZADD),
    ("zcard", &spec::ZCARD),
    ("zcount", &spec::ZCOUNT),
    ("zdiff", &spec::ZDIFF),
    ("zdiff_withscores", &spec::ZDIFF),
    ("zdiffstore", &spec::ZDIFFSTORE),
    ("zincrby", &spec::ZINCRBY),
    ("zinter", &spec::ZINTER),
    ("zinter_withscores", &spec::ZINTER),
    ("zintercard", &spec::ZINTERCARD),
    ("zinterstore", &spec::ZINTERSTORE),
    ("zlexcount", &spec::ZLEXCOUNT),
    ("zmpop", &spec::ZMPOP),
    ("zmscore", &spec::ZMSCORE),
    ("zpopmax", &spec::ZPOPMAX),
    ("zpopmin", &spec::ZPOPMIN),
    ("zrandmember", &spec::ZRANDMEMBER),
    ("zrandmember_count", &spec::ZRANDMEMBER),
    ("zrandmember_withscores", &spec::ZRANDMEMBER),
    ("zrange", &spec::ZRANGE),
    ("zrange_withscores", &spec::ZRANGE),
    ("zrangestore", &spec::ZRANGESTORE),
    ("zrangebylex", &spec::ZRANGEBYLEX),
    ("zrangebyscore", &spec::ZRANGEBYSCORE),
    ("zrangebyscore_withscores", &spec::ZRANGEBYSCORE),
    ("zrank", &spec::ZRANK),
    ("zrank_withscore", &spec::ZRANK),
    ("zrem", &spec::ZREM),
    ("zremrangebylex", &spec::ZREMRANGEBYLEX),
    ("zremrangebyrank", &spec::ZREMRANGEBYRANK),
    ("zremrangebyscore", &spec::ZREMRANGEBYSCORE),
    ("zrevrange", &spec::ZREVRANGE),
    ("zrevrange_withscores", &spec::ZREVRANGE),
    ("zrevrangebylex", &spec::ZREVRANGEBYLEX),
    ("zrevrangebyscore", &spec::ZREVRANGEBYSCORE),
    ("zrevrangebyscore_withscores", &spec::ZREVRANGEBYSCORE),
    ("zrevrank", &spec::ZREVRANK),
    ("zrevrank_withscore", &spec::ZREVRANK),
    ("zscan()", &spec::ZSCAN),
    ("zscore", &spec::ZSCORE),
    ("zunion", &spec::ZUNION),
    ("zunion_withscores", &spec::ZUNION),
    ("zunionstore", &spec::ZUNIONSTORE),
];

#[cfg(test)]
mod tests;
