//! The `list` group of the Redis documentation: sequences of values under a key: push and pop at both ends, block waiting for one, move between lists.

mod options;

use std::time::Duration;

use super::Method;
use super::shared::{Side, block_seconds};
use crate::commands::args::{One, ToArg, ToArgs};
use crate::commands::cmd::Request;
use crate::commands::core::Commands;
use crate::commands::reply::FromValue;
use crate::commands::table::spec;

use options::pivot_missing_is_nil;
pub use options::{InsertPosition, LposOptions};

/// The `list` commands: sequences of values under a key: push and pop at both ends, block
/// waiting for one, move between lists.
///
/// Implemented for every [`Commands`] receiver (a connection, a client, a pipeline), so each
/// method sends the command and returns `Result<T>`, or queues it. Bring every group into scope
/// with `use redisync::prelude::*`.
///
/// Elements are the caller's: `V` is any [`FromValue`] (`String`, `Vec<u8>` for binary data,
/// numbers). Indexes are `i64`, negative ones counting from the tail (-1 is the last element).
///
/// The blocking commands (`BLPOP`, `BRPOP`, `BLMOVE`, `BLMPOP`, `BRPOPLPUSH`) take
/// `timeout: Option<Duration>`: `None` waits as long as it takes, and a zero duration is
/// refused before anything is sent (Redis would read it as "forever"). The connection extends
/// its read deadline by the wait, so a read timeout shorter than the wait does not cut it short.
///
/// ```no_run
/// use std::time::Duration;
/// use redisync::prelude::*;
/// use redisync::Side;
///
/// let client = Client::open("redis://127.0.0.1")?;
/// client.lpush("jobs", ["job-1", "job-2"])?;
/// // Take the oldest job into a processing list, waiting up to 5 s for one.
/// let job: Option<String> =
///     client.blmove("jobs", "processing", Side::Right, Side::Left, Some(Duration::from_secs(5)))?;
/// if let Some(job) = job {
///     // ... work on it, then drop it from the processing list.
///     client.lrem("processing", 1, &job)?;
/// }
/// # Ok::<(), redisync::Error>(())
/// ```
pub trait ListCommands: Commands {
    /// `BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout`: as
    /// [`lmove`](ListCommands::lmove), waiting up to `timeout` (`None`: forever) for an
    /// element; `None` when the time ran out.
    /// <https://redis.io/docs/latest/commands/blmove/>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a zero timeout;
    /// `WRONGTYPE` when either key holds another type.
    fn blmove<V: FromValue>(
        self,
        source: impl ToArg,
        destination: impl ToArg,
        from: Side,
        to: Side,
        timeout: Option<Duration>,
    ) -> Self::Output<Option<V>> {
        match block_seconds(timeout) {
            Ok(t) => self.run(&Request::new(
                &spec::BLMOVE,
                &(One(&source), One(&destination), from, to, t),
            )),
            Err(e) => self.refuse(e),
        }
    }

    /// `BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]`: as
    /// [`lmpop`](ListCommands::lmpop), waiting up to `timeout` (`None`: forever) for one of
    /// the lists to have an element; `None` when the time ran out.
    /// <https://redis.io/docs/latest/commands/blmpop/>
    ///
    /// Redis 7.0+; Redis 6.2 has no `BLMPOP`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a zero timeout;
    /// `WRONGTYPE` when a key holds another type.
    fn blmpop<K: FromValue, V: FromValue>(
        self,
        timeout: Option<Duration>,
        keys: impl ToArgs,
        side: Side,
        count: Option<u64>,
    ) -> Self::Output<Option<(K, Vec<V>)>> {
        match block_seconds(timeout) {
            Ok(t) => self.run(&Request::new(
                &spec::BLMPOP,
                &(
                    t,
                    keys.arg_count(),
                    &keys,
                    side,
                    count.map(|n| ("COUNT", n)),
                ),
            )),
            Err(e) => self.refuse(e),
        }
    }

    /// `BLPOP key [key ...] timeout`: the first element of the first non-empty list, with the
    /// list's key, waiting up to `timeout` (`None`: forever) for one; `None` when the time ran
    /// out.
    /// <https://redis.io/docs/latest/commands/blpop/>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a zero timeout;
    /// `WRONGTYPE` when a key holds another type.
    fn blpop<K: FromValue, V: FromValue>(
        self,
        keys: impl ToArgs,
        timeout: Option<Duration>,
    ) -> Self::Output<Option<(K, V)>> {
        match block_seconds(timeout) {
            Ok(t) => self.run(&Request::new(&spec::BLPOP, &(&keys, t))),
            Err(e) => self.refuse(e),
        }
    }

    /// `BRPOP key [key ...] timeout`: as [`blpop`](ListCommands::blpop), from the tail.
    /// <https://redis.io/docs/latest/commands/brpop/>
    ///
    /// # Errors
    /// As [`blpop`](ListCommands::blpop).
    fn brpop<K: FromValue, V: FromValue>(
        self,
        keys: impl ToArgs,
        timeout: Option<Duration>,
    ) -> Self::Output<Option<(K, V)>> {
        match block_seconds(timeout) {
            Ok(t) => self.run(&Request::new(&spec::BRPOP, &(&keys, t))),
            Err(e) => self.refuse(e),
        }
    }

    /// `BRPOPLPUSH source destination timeout`: as [`rpoplpush`](ListCommands::rpoplpush),
    /// waiting up to `timeout` (`None`: forever); `None` when the time ran out. Deprecated by
    /// Redis in favour of [`blmove`](ListCommands::blmove).
    /// <https://redis.io/docs/latest/commands/brpoplpush/>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a zero timeout;
    /// `WRONGTYPE` when either key holds another type.
    fn brpoplpush<V: FromValue>(
        self,
        source: impl ToArg,
        destination: impl ToArg,
        timeout: Option<Duration>,
    ) -> Self::Output<Option<V>> {
        match block_seconds(timeout) {
            Ok(t) => self.run(&Request::new(
                &spec::BRPOPLPUSH,
                &(One(&source), One(&destination), t),
            )),
            Err(e) => self.refuse(e),
        }
    }

    /// `LINDEX key index`: the element at `index` (negative from the tail), `None` when out of
    /// range or the key does not exist.
    /// <https://redis.io/docs/latest/commands/lindex/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn lindex<V: FromValue>(self, key: impl ToArg, index: i64) -> Self::Output<Option<V>> {
        self.run(&Request::new(&spec::LINDEX, &(One(&key), index)))
    }

    /// `LINSERT key BEFORE|AFTER pivot element`: the list's length after the insert; `None`
    /// when the pivot was not found, `Some(0)` when the key does not exist (nothing inserted).
    /// <https://redis.io/docs/latest/commands/linsert/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn linsert(
        self,
        key: impl ToArg,
        position: InsertPosition,
        pivot: impl ToArg,
        element: impl ToArg,
    ) -> Self::Output<Option<u64>> {
        self.run(
            &Request::new(
                &spec::LINSERT,
                &(One(&key), position, One(&pivot), One(&element)),
            )
            .shaped(pivot_missing_is_nil),
        )
    }

    /// `LLEN key`: the list's length (0 when the key does not exist).
    /// <https://redis.io/docs/latest/commands/llen/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn llen(self, key: impl ToArg) -> Self::Output<u64> {
        self.run(&Request::new(&spec::LLEN, &(One(&key))))
    }

    /// `LMOVE source destination LEFT|RIGHT LEFT|RIGHT`: pops an element from the `from` end
    /// of `source` and pushes it at the `to` end of `destination` (the same key may be both,
    /// rotating the list); the element, `None` when `source` is empty.
    /// <https://redis.io/docs/latest/commands/lmove/>
    ///
    /// # Errors
    /// `WRONGTYPE` when either key holds another type.
    fn lmove<V: FromValue>(
        self,
        source: impl ToArg,
        destination: impl ToArg,
        from: Side,
        to: Side,
    ) -> Self::Output<Option<V>> {
        self.run(&Request::new(
            &spec::LMOVE,
            &(One(&source), One(&destination), from, to),
        ))
    }

    /// `LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]`: pops up to `count` elements
    /// (one without a count) from the `side` end of the first non-empty list; the list's key
    /// and the elements, `None` when every list is empty.
    /// <https://redis.io/docs/latest/commands/lmpop/>
    ///
    /// Redis 7.0+; Redis 6.2 has no `LMPOP`.
    ///
    /// # Errors
    /// `WRONGTYPE` when a key holds another type; an error for a count of zero.
    fn lmpop<K: FromValue, V: FromValue>(
        self,
        keys: impl ToArgs,
        side: Side,
        count: Option<u64>,
    ) -> Self::Output<Option<(K, Vec<V>)>> {
        self.run(&Request::new(
            &spec::LMPOP,
            &(keys.arg_count(), &keys, side, count.map(|n| ("COUNT", n))),
        ))
    }

    /// `LPOP key`: removes and returns the first element, `None` when the list is empty.
    /// <https://redis.io/docs/latest/commands/lpop/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn lpop<V: FromValue>(self, key: impl ToArg) -> Self::Output<Option<V>> {
        self.run(&Request::new(&spec::LPOP, &(One(&key))))
    }

    /// `LPOP key count`: removes and returns up to `count` elements from the head; empty when
    /// the key does not exist.
    /// <https://redis.io/docs/latest/commands/lpop/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn lpop_count<V: FromValue>(self, key: impl ToArg, count: u64) -> Self::Output<Vec<V>> {
        self.run(&Request::new(&spec::LPOP, &(One(&key), count)))
    }

    /// `LPOS key element [RANK rank] [MAXLEN len]`: the index of the first match (or of the
    /// match `RANK` names), `None` when there is none.
    /// <https://redis.io/docs/latest/commands/lpos/>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for `RANK 0`; `WRONGTYPE`
    /// when the key holds another type.
    fn lpos(
        self,
        key: impl ToArg,
        element: impl ToArg,
        options: LposOptions,
    ) -> Self::Output<Option<u64>> {
        match options.check() {
            Ok(()) => self.run(&Request::new(
                &spec::LPOS,
                &(One(&key), One(&element), options),
            )),
            Err(e) => self.refuse(e),
        }
    }

    /// `LPOS key element [RANK rank] COUNT count [MAXLEN len]`: the indexes of up to `count`
    /// matches (`0`: all of them), in the order searched; empty when there is none.
    /// <https://redis.io/docs/latest/commands/lpos/>
    ///
    /// # Errors
    /// As [`lpos`](ListCommands::lpos).
    fn lpos_count(
        self,
        key: impl ToArg,
        element: impl ToArg,
        count: u64,
        options: LposOptions,
    ) -> Self::Output<Vec<u64>> {
        match options.check() {
            Ok(()) => self.run(&Request::new(
                &spec::LPOS,
                &(One(&key), One(&element), ("COUNT", count), options),
            )),
            Err(e) => self.refuse(e),
        }
    }

    /// `LPUSH key element [element ...]`: pushes the elements at the head, one after the other
    /// (so the last ends up first); the list's length after.
    /// <https://redis.io/docs/latest/commands/lpush/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn lpush(self, key: impl ToArg, elements: impl ToArgs) -> Self::Output<u64> {
        self.run(&Request::new(&spec::LPUSH, &(One(&key), &elements)))
    }

    /// `LPUSHX key element [element ...]`: as [`lpush`](ListCommands::lpush), only when the
    /// list exists; the length after (0: nothing pushed).
    /// <https://redis.io/docs/latest/commands/lpushx/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn lpushx(self, key: impl ToArg, elements: impl ToArgs) -> Self::Output<u64> {
        self.run(&Request::new(&spec::LPUSHX, &(One(&key), &elements)))
    }

    /// `LRANGE key start stop`: the elements from `start` to `stop`, both included (negative
    /// from the tail: `0, -1` is the whole list); empty when out of range or missing.
    /// <https://redis.io/docs/latest/commands/lrange/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn lrange<V: FromValue>(self, key: impl ToArg, start: i64, stop: i64) -> Self::Output<Vec<V>> {
        self.run(&Request::new(&spec::LRANGE, &(One(&key), start, stop)))
    }

    /// `LREM key count element`: removes elements equal to `element`: the first `count` from
    /// the head (`count > 0`), from the tail (`count < 0`), or all (`0`); how many were removed.
    /// <https://redis.io/docs/latest/commands/lrem/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn lrem(self, key: impl ToArg, count: i64, element: impl ToArg) -> Self::Output<u64> {
        self.run(&Request::new(
            &spec::LREM,
            &(One(&key), count, One(&element)),
        ))
    }

    /// `LSET key index element`: replaces the element at `index` (negative from the tail).
    /// <https://redis.io/docs/latest/commands/lset/>
    ///
    /// # Errors
    /// `ERR no such key` when the key does not exist, `ERR index out of range`; `WRONGTYPE`
    /// when the key holds another type.
    fn lset(self, key: impl ToArg, index: i64, element: impl ToArg) -> Self::Output<()> {
        self.run(&Request::new(
            &spec::LSET,
            &(One(&key), index, One(&element)),
        ))
    }

    /// `LTRIM key start stop`: keeps only the elements from `start` to `stop`, both included
    /// (as [`lrange`](ListCommands::lrange) counts them); an empty range deletes the key.
    /// <https://redis.io/docs/latest/commands/ltrim/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn ltrim(self, key: impl ToArg, start: i64, stop: i64) -> Self::Output<()> {
        self.run(&Request::new(&spec::LTRIM, &(One(&key), start, stop)))
    }

    /// `RPOP key`: removes and returns the last element, `None` when the list is empty.
    /// <https://redis.io/docs/latest/commands/rpop/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn rpop<V: FromValue>(self, key: impl ToArg) -> Self::Output<Option<V>> {
        self.run(&Request::new(&spec::RPOP, &(One(&key))))
    }

    /// `RPOP key count`: removes and returns up to `count` elements from the tail, the last
    /// first; empty when the key does not exist.
    /// <https://redis.io/docs/latest/commands/rpop/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn rpop_count<V: FromValue>(self, key: impl ToArg, count: u64) -> Self::Output<Vec<V>> {
        self.run(&Request::new(&spec::RPOP, &(One(&key), count)))
    }

    /// `RPOPLPUSH source destination`: pops the last element of `source` and pushes it at the
    /// head of `destination`; the element, `None` when `source` is empty. Deprecated by Redis
    /// in favour of [`lmove`](ListCommands::lmove).
    /// <https://redis.io/docs/latest/commands/rpoplpush/>
    ///
    /// # Errors
    /// `WRONGTYPE` when either key holds another type.
    fn rpoplpush<V: FromValue>(
        self,
        source: impl ToArg,
        destination: impl ToArg,
    ) -> Self::Output<Option<V>> {
        self.run(&Request::new(
            &spec::RPOPLPUSH,
            &(One(&source), One(&destination)),
        ))
    }

    /// `RPUSH key element [element ...]`: pushes the elements at the tail, in order; the
    /// list's length after.
    /// <https://redis.io/docs/latest/commands/rpush/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn rpush(self, key: impl ToArg, elements: impl ToArgs) -> Self::Output<u64> {
        self.run(&Request::new(&spec::RPUSH, &(One(&key), &elements)))
    }

    /// `RPUSHX key element [element ...]`: as [`rpush`](ListCommands::rpush), only when the
    /// list exists; the length after (0: nothing pushed).
    /// <https://redis.io/docs/latest/commands/rpushx/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn rpushx(self, key: impl ToArg, elements: impl ToArgs) -> Self::Output<u64> {
        self.run(&Request::new(&spec::RPUSHX, &(One(&key), &elements)))
    }
}

impl<C: Commands> ListCommands for C {}

/// This group's methods and the command each sends.
pub(crate) const METHODS: &[Method] = &[
    ("blmove", &spec::BLMOVE),
    ("blmpop", &spec::BLMPOP),
    ("blpop", &spec::BLPOP),
    ("brpop", &spec::BRPOP),
    ("brpoplpush", &spec::BRPOPLPUSH),
    ("lindex", &spec::LINDEX),
    ("linsert", &spec::LINSERT),
    ("llen", &spec::LLEN),
    ("lmove", &spec::LMOVE),
    ("lmpop", &spec::LMPOP),
    ("lpop", &spec::LPOP),
    ("lpop_count", &spec::LPOP),
    ("lpos", &spec::LPOS),
    ("lpos_count", &spec::LPOS),
    ("lpush", &spec::LPUSH),
    ("lpushx", &spec::LPUSHX),
    ("lrange", &spec::LRANGE),
    ("lrem", &spec::LREM),
    ("lset", &spec::LSET),
    ("ltrim", &spec::LTRIM),
    ("rpop", &spec::RPOP),
    ("rpop_count", &spec::RPOP),
    ("rpoplpush", &spec::RPOPLPUSH),
    ("rpush", &spec::RPUSH),
    ("rpushx", &spec::RPUSHX),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::groups::check::{self, Call};
    use crate::resp::Value;

    const T: Option<Duration> = Some(Duration::from_millis(1500));

    #[test]
    fn every_method_sends_its_command() {
        let calls: &[Call] = &[
            ("blmove", |r| {
                let _ = r.blmove::<Value>("a", "b", Side::Left, Side::Right, T);
            }),
            ("blmpop", |r| {
                let _ = r.blmpop::<Value, Value>(T, ["a"], Side::Left, None);
            }),
            ("blpop", |r| {
                let _ = r.blpop::<Value, Value>("a", T);
            }),
            ("brpop", |r| {
                let _ = r.brpop::<Value, Value>("a", T);
            }),
            ("brpoplpush", |r| {
                let _ = r.brpoplpush::<Value>("a", "b", T);
            }),
            ("lindex", |r| {
                let _ = r.lindex::<Value>("k", -1);
            }),
            ("linsert", |r| {
                let _ = r.linsert("k", InsertPosition::Before, "p", "e");
            }),
            ("llen", |r| {
                let _ = r.llen("k");
            }),
            ("lmove", |r| {
                let _ = r.lmove::<Value>("a", "b", Side::Right, Side::Left);
            }),
            ("lmpop", |r| {
                let _ = r.lmpop::<Value, Value>(["a", "b"], Side::Right, Some(2));
            }),
            ("lpop", |r| {
                let _ = r.lpop::<Value>("k");
            }),
            ("lpop_count", |r| {
                let _ = r.lpop_count::<Value>("k", 2);
            }),
            ("lpos", |r| {
                let _ = r.lpos("k", "e", LposOptions::new());
            }),
            ("lpos_count", |r| {
                let _ = r.lpos_count("k", "e", 0, LposOptions::new());
            }),
            ("lpush", |r| {
                let _ = r.lpush("k", ["a", "b"]);
            }),
            ("lpushx", |r| {
                let _ = r.lpushx("k", "a");
            }),
            ("lrange", |r| {
                let _ = r.lrange::<Value>("k", 0, -1);
            }),
            ("lrem", |r| {
                let _ = r.lrem("k", -2, "e");
            }),
            ("lset", |r| {
                let _ = r.lset("k", 0, "e");
            }),
            ("ltrim", |r| {
                let _ = r.ltrim("k", 0, 99);
            }),
            ("rpop", |r| {
                let _ = r.rpop::<Value>("k");
            }),
            ("rpop_count", |r| {
                let _ = r.rpop_count::<Value>("k", 3);
            }),
            ("rpoplpush", |r| {
                let _ = r.rpoplpush::<Value>("a", "b");
            }),
            ("rpush", |r| {
                let _ = r.rpush("k", ["a", "b"]);
            }),
            ("rpushx", |r| {
                let _ = r.rpushx("k", ["a"]);
            }),
        ];
        check::methods(METHODS, calls);
    }

    #[test]
    fn methods_with_options_write_their_arguments() {
        assert_eq!(
            check::sent(|r| {
                let _ = r.blmpop::<Value, Value>(None, ["a", "b"], Side::Right, Some(5));
            }),
            ["BLMPOP", "0", "2", "a", "b", "RIGHT", "COUNT", "5"]
        );
        assert_eq!(
            check::sent(|r| {
                let _ = r.lmpop::<Value, Value>("a", Side::Left, None);
            }),
            ["LMPOP", "1", "a", "LEFT"]
        );
        assert_eq!(
            check::sent(|r| {
                let _ = r.blpop::<Value, Value>(["a", "b"], Some(Duration::from_millis(250)));
            }),
            ["BLPOP", "a", "b", "0.250000"]
        );
        assert_eq!(
            check::sent(|r| {
                let _ = r.blmove::<Value>("s", "d", Side::Right, Side::Left, None);
            }),
            ["BLMOVE", "s", "d", "RIGHT", "LEFT", "0"]
        );
        assert_eq!(
            check::sent(|r| {
                let _ = r.linsert("k", InsertPosition::After, "p", "e");
            }),
            ["LINSERT", "k", "AFTER", "p", "e"]
        );
        assert_eq!(
            check::sent(|r| {
                let _ = r.lpos_count("k", "e", 0, LposOptions::new().rank(-1).maxlen(10));
            }),
            ["LPOS", "k", "e", "COUNT", "0", "RANK", "-1", "MAXLEN", "10"]
        );
        assert_eq!(
            check::sent(|r| {
                let _ = r.lpos("k", "e", LposOptions::new().maxlen(3));
            }),
            ["LPOS", "k", "e", "MAXLEN", "3"]
        );
    }

    #[test]
    fn refused_calls_send_nothing() {
        let mut r = check::Recorder::default();
        let zero = Some(Duration::ZERO);
        let e = r.blpop::<Value, Value>("k", zero).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
        assert!(r.brpop::<Value, Value>("k", zero).is_err());
        assert!(
            r.blmove::<Value>("a", "b", Side::Left, Side::Left, zero)
                .is_err()
        );
        assert!(
            r.blmpop::<Value, Value>(zero, "a", Side::Left, None)
                .is_err()
        );
        assert!(r.brpoplpush::<Value>("a", "b", zero).is_err());
        assert!(r.lpos("k", "e", LposOptions::new().rank(0)).is_err());
        assert!(
            r.lpos_count("k", "e", 1, LposOptions::new().rank(0))
                .is_err()
        );
        assert!(r.sent.is_empty());
        assert_eq!(pivot_missing_is_nil(Value::Int(-1)).unwrap(), Value::Nil);
        assert_eq!(pivot_missing_is_nil(Value::Int(3)).unwrap(), Value::Int(3));
    }
}
