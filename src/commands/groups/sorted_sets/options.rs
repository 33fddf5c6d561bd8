//! The sorted-set commands' options and bounds: [`ZAddOptions`], [`ScoreBound`], [`LexBound`],
//! [`ZRange`], [`ZCombineOptions`] with [`ZAggregate`], and [`MinMax`].

use crate::commands::args::{ArgWriter, ToArg, ToArgs};
use crate::error::{Error, Result};

/// Options for [`zadd_options`](super::SortedSetCommands::zadd_options) and
/// [`zadd_incr`](super::SortedSetCommands::zadd_incr): `NX`, `XX`, `GT`, `LT`, `CH`.
///
/// `NX` excludes `XX`, `GT` and `LT`; `GT` excludes `LT`. A conflicting set is refused with
/// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before anything is sent.
///
/// ```
/// use redisync::ZAddOptions;
/// // Only raise a player's best score; count the members whose score changed.
/// let best = ZAddOptions::new().gt().ch();
/// # let _ = best;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ZAddOptions {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
    ch: bool,
}

impl ZAddOptions {
    /// No condition: add new members, update existing ones.
    pub fn new() -> ZAddOptions {
        ZAddOptions::default()
    }
    /// `NX`: only add new members, never update existing ones.
    pub fn nx(mut self) -> ZAddOptions {
        self.nx = true;
        self
    }
    /// `XX`: only update existing members, never add new ones.
    pub fn xx(mut self) -> ZAddOptions {
        self.xx = true;
        self
    }
    /// `GT`: only update an existing member when the new score is greater (new members are
    /// still added, unless `XX`).
    pub fn gt(mut self) -> ZAddOptions {
        self.gt = true;
        self
    }
    /// `LT`: only update an existing member when the new score is less (new members are still
    /// added, unless `XX`).
    pub fn lt(mut self) -> ZAddOptions {
        self.lt = true;
        self
    }
    /// `CH`: the reply counts the members changed (added or updated), not only those added.
    pub fn ch(mut self) -> ZAddOptions {
        self.ch = true;
        self
    }

    /// Refuses the combinations Redis refuses: `NX` with `XX`, `GT` or `LT`; `GT` with `LT`.
    pub(crate) fn check(&self) -> Result<()> {
        let conflict = if self.nx && self.xx {
            "NX and XX exclude each other"
        } else if self.nx && (self.gt || self.lt) {
            "NX excludes GT and LT"
        } else if self.gt && self.lt {
            "GT and LT exclude each other"
        } else {
            return Ok(());
        };
        Err(Error::invalid("zadd options", conflict))
    }
}

impl ToArgs for ZAddOptions {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        for (on, word) in [
            (self.nx, "NX"),
            (self.xx, "XX"),
            (self.gt, "GT"),
            (self.lt, "LT"),
            (self.ch, "CH"),
        ] {
            if on {
                out.arg(word.as_bytes());
            }
        }
    }
}

/// One end of a score range (`ZCOUNT`, `ZRANGEBYSCORE`, `ZREMRANGEBYSCORE`, [`ZRange::by_score`]):
/// a score included, a score excluded (`(5`), or no bound at all (`-inf`, `+inf`).
///
/// A plain `f64` converts into an inclusive bound, so `zcount("z", 1.0, 5.0)` counts scores
/// from 1 to 5; infinite `f64`s are sent as `inf`/`-inf`, the same as the unbounded variants.
///
/// ```
/// use redisync::ScoreBound;
/// let above_ten = (ScoreBound::Exclusive(10.0), ScoreBound::PosInf);
/// let from_one: ScoreBound = 1.0.into();
/// assert_eq!(from_one, ScoreBound::Inclusive(1.0));
/// # let _ = above_ten;
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScoreBound {
    /// Scores equal to this one are in the range.
    Inclusive(f64),
    /// Scores equal to this one are not in the range (Redis's `(score`).
    Exclusive(f64),
    /// No lower bound: `-inf`.
    NegInf,
    /// No upper bound: `+inf`.
    PosInf,
}

impl From<f64> for ScoreBound {
    /// An inclusive bound.
    fn from(score: f64) -> ScoreBound {
        ScoreBound::Inclusive(score)
    }
}

impl ToArg for ScoreBound {
    fn write_arg(&self, out: &mut ArgWriter<'_>) {
        match *self {
            ScoreBound::Inclusive(s) => s.write_arg(out),
            ScoreBound::Exclusive(s) if s.is_infinite() => {
                out.arg(if s > 0.0 { b"(inf" } else { b"(-inf" })
            }
            ScoreBound::Exclusive(s) => out.arg_fmt(format_args!("({s}")),
            ScoreBound::NegInf => out.arg(b"-inf"),
            ScoreBound::PosInf => out.arg(b"+inf"),
        }
    }
}

impl ToArgs for ScoreBound {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        out.one(self)
    }
}

/// One end of a range of members by name, for sets whose members all have the same score
/// (`ZLEXCOUNT`, `ZRANGEBYLEX`, `ZREMRANGEBYLEX`, [`ZRange::by_lex`]): a name included (`[a`),
/// a name excluded (`(a`), or no bound (`-`, `+`). Names compare as bytes.
///
/// ```
/// use redisync::LexBound;
/// // Every name starting with "ab": from "ab" included to "ac" excluded.
/// let prefix = (LexBound::inclusive("ab"), LexBound::exclusive("ac"));
/// let everything = (LexBound::Min, LexBound::Max);
/// # let _ = (prefix, everything);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LexBound {
    /// This name is in the range (`[name`).
    Inclusive(Vec<u8>),
    /// This name is not in the range (`(name`).
    Exclusive(Vec<u8>),
    /// No lower bound: `-`.
    Min,
    /// No upper bound: `+`.
    Max,
}

impl LexBound {
    /// `[name`: this name included.
    pub fn inclusive(name: impl AsRef<[u8]>) -> LexBound {
        LexBound::Inclusive(name.as_ref().to_vec())
    }
    /// `(name`: this name excluded.
    pub fn exclusive(name: impl AsRef<[u8]>) -> LexBound {
        LexBound::Exclusive(name.as_ref().to_vec())
    }
}

impl ToArg for LexBound {
    fn write_arg(&self, out: &mut ArgWriter<'_>) {
        let (prefix, name) = match self {
            LexBound::Inclusive(name) => (b'[', name),
            LexBound::Exclusive(name) => (b'(', name),
            LexBound::Min => return out.arg(b"-"),
            LexBound::Max => return out.arg(b"+"),
        };
        let mut arg = Vec::with_capacity(name.len() + 1);
        arg.push(prefix);
        arg.extend_from_slice(name);
        out.arg(&arg)
    }
}

impl ToArgs for LexBound {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        out.one(self)
    }
}

/// `LIMIT offset count`, for the range commands that take it; a count over `i64::MAX`
/// (`u64::MAX`, say) means "all the rest", as a negative count does to Redis.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limit(pub(crate) Option<(u64, u64)>);

impl ToArgs for Limit {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        if let Some((offset, count)) = self.0 {
            out.arg(b"LIMIT");
            out.arg_uint(offset.min(i64::MAX as u64));
            out.arg_uint(count.min(i64::MAX as u64));
        }
    }
}

/// What a [`ZRange`] selects by.
#[derive(Debug, Clone, PartialEq)]
enum By {
    Rank(i64, i64),
    Score(ScoreBound, ScoreBound),
    Lex(LexBound, LexBound),
}

/// The range of [`zrange`](super::SortedSetCommands::zrange),
/// [`zrange_withscores`](super::SortedSetCommands::zrange_withscores) and
/// [`zrangestore`](super::SortedSetCommands::zrangestore): by rank, by score (`BYSCORE`) or by
/// name (`BYLEX`), optionally reversed (`REV`) and paged (`LIMIT`, with `BYSCORE` and `BYLEX`
/// only).
///
/// Score and name ranges take their bounds lowest first, reversed or not: with
/// [`ZRange::rev`] they are sent highest first, as Redis wants them. Ranks count from the
/// first element of the order asked for (from the highest score with `REV`); negative ranks
/// count from the end (`-1` is the last).
///
/// ```
/// use redisync::{ScoreBound, ZRange};
/// let top_three = ZRange::by_rank(0, 2).rev();
/// let page = ZRange::by_score(ScoreBound::Exclusive(100.0), ScoreBound::PosInf)
///     .rev()
///     .limit(20, 10);
/// # let _ = (top_three, page);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ZRange {
    by: By,
    rev: bool,
    limit: Option<(u64, u64)>,
}

impl ZRange {
    /// Elements `start` to `stop` by rank, both included (`0, -1` is everything).
    pub fn by_rank(start: i64, stop: i64) -> ZRange {
        ZRange::new(By::Rank(start, stop))
    }
    /// `BYSCORE`: elements whose score is within `min` and `max` (plain `f64`s are inclusive).
    pub fn by_score(min: impl Into<ScoreBound>, max: impl Into<ScoreBound>) -> ZRange {
        ZRange::new(By::Score(min.into(), max.into()))
    }
    /// `BYLEX`: elements whose name is within `min` and `max`, for sets whose members all have
    /// the same score.
    pub fn by_lex(min: LexBound, max: LexBound) -> ZRange {
        ZRange::new(By::Lex(min, max))
    }
    fn new(by: By) -> ZRange {
        ZRange {
            by,
            rev: false,
            limit: None,
        }
    }
    /// `REV`: from the highest score (or the last name) down.
    pub fn rev(mut self) -> ZRange {
        self.rev = true;
        self
    }
    /// `LIMIT offset count`: skip `offset` elements of the range, then return at most `count`
    /// (`u64::MAX` for all the rest). Only for score and name ranges: a rank range with a limit
    /// is refused before anything is sent, as Redis refuses it.
    pub fn limit(mut self, offset: u64, count: u64) -> ZRange {
        self.limit = Some((offset, count));
        self
    }

    /// Refuses `LIMIT` on a rank range and, when `with_scores`, a name range (Redis gives no
    /// scores with `BYLEX`).
    pub(crate) fn check(&self, with_scores: bool) -> Result<()> {
        match self.by {
            By::Rank(..) if self.limit.is_some() => Err(Error::invalid(
                "zrange options",
                "LIMIT needs a score or name range (BYSCORE or BYLEX), not a rank range",
            )),
            By::Lex(..) if with_scores => Err(Error::invalid(
                "zrange options",
                "WITHSCORES does not go with a name range (BYLEX)",
            )),
            _ => Ok(()),
        }
    }
}

impl ToArgs for ZRange {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        match &self.by {
            By::Rank(start, stop) => (start, stop).write_args(out),
            By::Score(min, max) => {
                match self.rev {
                    true => (max, min).write_args(out),
                    false => (min, max).write_args(out),
                }
                out.arg(b"BYSCORE");
            }
            By::Lex(min, max) => {
                match self.rev {
                    true => (max, min).write_args(out),
                    false => (min, max).write_args(out),
                }
                out.arg(b"BYLEX");
            }
        }
        if self.rev {
            out.arg(b"REV");
        }
        Limit(self.limit).write_args(out);
    }
}

/// How [`ZCombineOptions`] combines the scores of a member found in several sets: `AGGREGATE
/// SUM` (Redis's default), `MIN` or `MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ZAggregate {
    /// `SUM`: the sum of the (weighted) scores.
    Sum,
    /// `MIN`: the least of them.
    Min,
    /// `MAX`: the greatest of them.
    Max,
}

/// Options for `ZUNION`, `ZINTER`, `ZUNIONSTORE` and `ZINTERSTORE`: `WEIGHTS` (one factor per
/// input key, multiplying its scores) and `AGGREGATE`.
///
/// Weights, when given, must number as many as the keys: another count is refused with
/// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before anything is sent.
///
/// ```
/// use redisync::{ZAggregate, ZCombineOptions};
/// // This week's scores count double; keep each player's better one.
/// let options = ZCombineOptions::new().weights([1.0, 2.0]).aggregate(ZAggregate::Max);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ZCombineOptions {
    weights: Vec<f64>,
    aggregate: Option<ZAggregate>,
}

impl ZCombineOptions {
    /// No weights (each 1), scores summed.
    pub fn new() -> ZCombineOptions {
        ZCombineOptions::default()
    }
    /// `WEIGHTS w ...`: one factor per input key, in the keys' order.
    pub fn weights(mut self, weights: impl IntoIterator<Item = f64>) -> ZCombineOptions {
        self.weights = weights.into_iter().collect();
        self
    }
    /// `AGGREGATE SUM|MIN|MAX`.
    pub fn aggregate(mut self, aggregate: ZAggregate) -> ZCombineOptions {
        self.aggregate = Some(aggregate);
        self
    }

    /// Refuses weights that do not number as many as the `keys`.
    pub(crate) fn check(&self, keys: usize) -> Result<()> {
        if self.weights.is_empty() || self.weights.len() == keys {
            return Ok(());
        }
        Err(Error::invalid(
            "zunion/zinter options",
            format!(
                "WEIGHTS needs one weight per key: {keys} keys, {} weights",
                self.weights.len()
            ),
        ))
    }
}

impl ToArgs for ZCombineOptions {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        if !self.weights.is_empty() {
            out.arg(b"WEIGHTS");
            self.weights.write_args(out);
        }
        if let Some(aggregate) = self.aggregate {
            out.arg(b"AGGREGATE");
            out.arg(match aggregate {
                ZAggregate::Sum => b"SUM",
                ZAggregate::Min => b"MIN",
                ZAggregate::Max => b"MAX",
            });
        }
    }
}

/// Which end of a sorted set `ZMPOP` and `BZMPOP` pop from: `MIN` (the lowest scores) or `MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MinMax {
    /// `MIN`: the lowest scores first.
    Min,
    /// `MAX`: the highest scores first.
    Max,
}

impl ToArgs for MinMax {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        out.arg(match self {
            MinMax::Min => b"MIN",
            MinMax::Max => b"MAX",
        })
    }
}

/// `numkeys key [key ...]`: the keys, counted first.
pub(crate) struct NumKeys<'a, K: ?Sized>(pub(crate) &'a K);

impl<K: ToArgs + ?Sized> ToArgs for NumKeys<'_, K> {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        out.arg_uint(self.0.arg_count() as u64);
        self.0.write_args(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn encode(a: &dyn ToArgs) -> String {
        let mut out = Vec::new();
        let mut w = ArgWriter::new(&mut out);
        a.write_args(&mut w);
        let n = w.count();
        assert_eq!(n, a.arg_count());
        let args = crate::resp::split_command(&[format!("*{n}\r\n").as_bytes(), &out].concat())
            .unwrap()
            .into_iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect::<Vec<_>>();
        args.join(" ")
    }

    #[test]
    fn zadd_options_write_their_words_and_refuse_conflicts() {
        assert_eq!(encode(&ZAddOptions::new()), "");
        assert_eq!(encode(&ZAddOptions::new().xx().gt().ch()), "XX GT CH");
        assert_eq!(encode(&ZAddOptions::new().nx().ch()), "NX CH");
        assert_eq!(encode(&ZAddOptions::new().lt()), "LT");
        for ok in [
            ZAddOptions::new(),
            ZAddOptions::new().nx().ch(),
            ZAddOptions::new().xx().gt(),
            ZAddOptions::new().xx().lt().ch(),
        ] {
            ok.check().unwrap();
        }
        for (bad, why) in [
            (ZAddOptions::new().nx().xx(), "NX and XX"),
            (ZAddOptions::new().nx().gt(), "NX excludes"),
            (ZAddOptions::new().lt().nx(), "NX excludes"),
            (ZAddOptions::new().gt().lt(), "GT and LT"),
        ] {
            let e = bad.check().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput);
            assert!(e.to_string().contains(why), "{e}");
        }
    }

    #[test]
    fn score_and_lex_bounds() {
        let b = |s: ScoreBound| encode(&s);
        assert_eq!(b(1.5.into()), "1.5");
        assert_eq!(b(ScoreBound::Inclusive(-2.0)), "-2");
        assert_eq!(b(ScoreBound::Exclusive(5.0)), "(5");
        assert_eq!(b(ScoreBound::Exclusive(-0.25)), "(-0.25");
        assert_eq!(b(ScoreBound::Inclusive(f64::INFINITY)), "inf");
        assert_eq!(b(ScoreBound::Inclusive(f64::NEG_INFINITY)), "-inf");
        assert_eq!(b(ScoreBound::Exclusive(f64::INFINITY)), "(inf");
        assert_eq!(b(ScoreBound::Exclusive(f64::NEG_INFINITY)), "(-inf");
        assert_eq!(b(ScoreBound::NegInf), "-inf");
        assert_eq!(b(ScoreBound::PosInf), "+inf");
        let l = |s: LexBound| encode(&s);
        assert_eq!(l(LexBound::inclusive("a")), "[a");
        assert_eq!(l(LexBound::exclusive(b"\r\n\xff")), "(\r\n\u{fffd}");
        assert_eq!(l(LexBound::inclusive("")), "[");
        assert_eq!(l(LexBound::Min), "-");
        assert_eq!(l(LexBound::Max), "+");
    }

    #[test]
    fn ranges_write_bounds_in_the_order_redis_wants() {
        assert_eq!(encode(&ZRange::by_rank(0, -1)), "0 -1");
        assert_eq!(encode(&ZRange::by_rank(0, 2).rev()), "0 2 REV");
        assert_eq!(
            encode(&ZRange::by_score(1.0, ScoreBound::Exclusive(5.0))),
            "1 (5 BYSCORE"
        );
        assert_eq!(
            encode(&ZRange::by_score(ScoreBound::NegInf, ScoreBound::PosInf).rev()),
            "+inf -inf BYSCORE REV"
        );
        assert_eq!(
            encode(&ZRange::by_lex(LexBound::inclusive("a"), LexBound::Max).limit(1, 2)),
            "[a + BYLEX LIMIT 1 2"
        );
        assert_eq!(
            encode(
                &ZRange::by_lex(LexBound::Min, LexBound::exclusive("m"))
                    .rev()
                    .limit(0, u64::MAX)
            ),
            "(m - BYLEX REV LIMIT 0 9223372036854775807"
        );
        ZRange::by_rank(0, 1).check(true).unwrap();
        ZRange::by_score(0.0, 1.0).limit(0, 1).check(true).unwrap();
        ZRange::by_lex(LexBound::Min, LexBound::Max)
            .limit(0, 1)
            .check(false)
            .unwrap();
        let e = ZRange::by_rank(0, 1).limit(0, 1).check(false).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains("LIMIT"), "{e}");
        let e = ZRange::by_lex(LexBound::Min, LexBound::Max)
            .check(true)
            .unwrap_err();
        assert!(e.to_string().contains("WITHSCORES"), "{e}");
    }

    #[test]
    fn combine_options_and_numkeys() {
        assert_eq!(encode(&ZCombineOptions::new()), "");
        assert_eq!(
            encode(
                &ZCombineOptions::new()
                    .weights([2.0, 0.5])
                    .aggregate(ZAggregate::Min)
            ),
            "WEIGHTS 2 0.5 AGGREGATE MIN"
        );
        assert_eq!(
            encode(&ZCombineOptions::new().aggregate(ZAggregate::Sum)),
            "AGGREGATE SUM"
        );
        ZCombineOptions::new().check(3).unwrap();
        ZCombineOptions::new().weights([1.0, 2.0]).check(2).unwrap();
        let e = ZCombineOptions::new().weights([1.0]).check(2).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains("2 keys, 1 weights"), "{e}");
        assert_eq!(encode(&NumKeys(&["a", "b"])), "2 a b");
        assert_eq!(encode(&NumKeys("a")), "1 a");
        assert_eq!(encode(&(MinMax::Min, MinMax::Max)), "MIN MAX");
        assert_eq!(encode(&Limit(None)), "");
    }
}
