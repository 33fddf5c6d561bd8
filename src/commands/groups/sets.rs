//! The `set` group of the Redis documentation: unordered collections of distinct members: add, test, combine, sample.

use std::collections::HashSet;
use std::hash::Hash;

use super::Method;
use crate::commands::args::{One, ToArg, ToArgs};
use crate::commands::cmd::Request;
use crate::commands::core::Commands;
use crate::commands::reply::FromValue;
use crate::commands::table::spec;

/// The `set` commands: unordered collections of distinct members: add, test, combine, sample.
///
/// Implemented for every [`Commands`] receiver (a connection, a client, a pipeline), so each
/// method sends the command and returns `Result<T>`, or queues it. Bring every group into scope
/// with `use redisync::prelude::*`.
///
/// Members are the caller's: `T` is any [`FromValue`] (`String`, `Vec<u8>` for binary data,
/// numbers). Replies that are a whole set (`SMEMBERS`, `SINTER`, `SUNION`, `SDIFF`) are a
/// `HashSet<T>`, as the members are distinct and in no order; samples (`SPOP` and
/// `SRANDMEMBER` with a count, which may repeat members) are a `Vec<T>`.
///
/// [`sscan`](crate::sscan) iterates over a set's members (a free function, as it sends as many
/// `SSCAN`s as it needs).
///
/// ```no_run
/// use std::collections::HashSet;
/// use redisync::prelude::*;
///
/// let client = Client::open("redis://127.0.0.1")?;
/// client.sadd("tags:1", ["rust", "redis"])?;
/// client.sadd("tags:2", ["rust", "sql"])?;
/// let both: HashSet<String> = client.sinter(["tags:1", "tags:2"])?;
/// assert!(client.sismember("tags:1", "redis")?);
/// # let _ = both;
/// # Ok::<(), redisync::Error>(())
/// ```
pub trait SetCommands: Commands {
    /// `SADD key member [member ...]`: how many of the members were added (not there yet).
    /// <https://redis.io/docs/latest/commands/sadd/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn sadd(self, key: impl ToArg, members: impl ToArgs) -> Self::Output<u64> {
        self.run(&Request::new(&spec::SADD, &(One(&key), &members)))
    }

    /// `SCARD key`: how many members the set has (0 when the key does not exist).
    /// <https://redis.io/docs/latest/commands/scard/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn scard(self, key: impl ToArg) -> Self::Output<u64> {
        self.run(&Request::new(&spec::SCARD, &(One(&key))))
    }

    /// `SDIFF key [key ...]`: the members of the first set that are in none of the others
    /// (a missing key is an empty set).
    /// <https://redis.io/docs/latest/commands/sdiff/>
    ///
    /// # Errors
    /// `WRONGTYPE` when a key holds another type.
    fn sdiff<T: FromValue + Eq + Hash>(self, keys: impl ToArgs) -> Self::Output<HashSet<T>> {
        self.run(&Request::new(&spec::SDIFF, &keys))
    }

    /// `SDIFFSTORE destination key [key ...]`: stores [`sdiff`](SetCommands::sdiff)'s result
    /// in `destination` (replacing it; an empty result deletes it); its size.
    /// <https://redis.io/docs/latest/commands/sdiffstore/>
    ///
    /// # Errors
    /// `WRONGTYPE` when a source key holds another type.
    fn sdiffstore(self, destination: impl ToArg, keys: impl ToArgs) -> Self::Output<u64> {
        self.run(&Request::new(
            &spec::SDIFFSTORE,
            &(One(&destination), &keys),
        ))
    }

    /// `SINTER key [key ...]`: the members in every one of the sets (empty if a key is
    /// missing).
    /// <https://redis.io/docs/latest/commands/sinter/>
    ///
    /// # Errors
    /// `WRONGTYPE` when a key holds another type.
    fn sinter<T: FromValue + Eq + Hash>(self, keys: impl ToArgs) -> Self::Output<HashSet<T>> {
        self.run(&Request::new(&spec::SINTER, &keys))
    }

    /// `SINTERCARD numkeys key [key ...] [LIMIT limit]`: how many members
    /// [`sinter`](SetCommands::sinter) would return, counting up to `limit` at most (`None` or
    /// `Some(0)`: no limit).
    /// <https://redis.io/docs/latest/commands/sintercard/>
    ///
    /// Redis 7.0+; Redis 6.2 has no `SINTERCARD`.
    ///
    /// # Errors
    /// `WRONGTYPE` when a key holds another type.
    fn sintercard(self, keys: impl ToArgs, limit: Option<u64>) -> Self::Output<u64> {
        self.run(&Request::new(
            &spec::SINTERCARD,
            &(keys.arg_count(), &keys, limit.map(|n| ("LIMIT", n))),
        ))
    }

    /// `SINTERSTORE destination key [key ...]`: stores [`sinter`](SetCommands::sinter)'s result
    /// in `destination` (replacing it; an empty result deletes it); its size.
    /// <https://redis.io/docs/latest/commands/sinterstore/>
    ///
    /// # Errors
    /// `WRONGTYPE` when a source key holds another type.
    fn sinterstore(self, destination: impl ToArg, keys: impl ToArgs) -> Self::Output<u64> {
        self.run(&Request::new(
            &spec::SINTERSTORE,
            &(One(&destination), &keys),
        ))
    }

    /// `SISMEMBER key member`: whether `member` is in the set.
    /// <https://redis.io/docs/latest/commands/sismember/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn sismember(self, key: impl ToArg, member: impl ToArg) -> Self::Output<bool> {
        self.run(&Request::new(&spec::SISMEMBER, &(One(&key), One(&member))))
    }

    /// `SMEMBERS key`: every member; empty when the key does not exist.
    /// <https://redis.io/docs/latest/commands/smembers/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn smembers<T: FromValue + Eq + Hash>(self, key: impl ToArg) -> Self::Output<HashSet<T>> {
        self.run(&Request::new(&spec::SMEMBERS, &(One(&key))))
    }

    /// `SMISMEMBER key member [member ...]`: whether each member is in the set, in order.
    /// <https://redis.io/docs/latest/commands/smismember/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn smismember(self, key: impl ToArg, members: impl ToArgs) -> Self::Output<Vec<bool>> {
        self.run(&Request::new(&spec::SMISMEMBER, &(One(&key), &members)))
    }

    /// `SMOVE source destination member`: moves `member` from one set to the other; whether it
    /// was in `source` (and so moved).
    /// <https://redis.io/docs/latest/commands/smove/>
    ///
    /// # Errors
    /// `WRONGTYPE` when either key holds another type.
    fn smove(
        self,
        source: impl ToArg,
        destination: impl ToArg,
        member: impl ToArg,
    ) -> Self::Output<bool> {
        self.run(&Request::new(
            &spec::SMOVE,
            &(One(&source), One(&destination), One(&member)),
        ))
    }

    /// `SPOP key`: removes and returns a random member, `None` when the set is empty.
    /// <https://redis.io/docs/latest/commands/spop/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn spop<T: FromValue>(self, key: impl ToArg) -> Self::Output<Option<T>> {
        self.run(&Request::new(&spec::SPOP, &(One(&key))))
    }

    /// `SPOP key count`: removes and returns up to `count` random members (distinct); empty
    /// when the key does not exist.
    /// <https://redis.io/docs/latest/commands/spop/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn spop_count<T: FromValue>(self, key: impl ToArg, count: u64) -> Self::Output<Vec<T>> {
        self.run(&Request::new(&spec::SPOP, &(One(&key), count)))
    }

    /// `SRANDMEMBER key`: a random member, left in the set; `None` when the set is empty.
    /// <https://redis.io/docs/latest/commands/srandmember/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn srandmember<T: FromValue>(self, key: impl ToArg) -> Self::Output<Option<T>> {
        self.run(&Request::new(&spec::SRANDMEMBER, &(One(&key))))
    }

    /// `SRANDMEMBER key count`: up to `count` distinct random members; a negative `count`
    /// takes exactly `-count` members, repeats allowed. Empty when the key does not exist.
    /// <https://redis.io/docs/latest/commands/srandmember/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn srandmember_count<T: FromValue>(self, key: impl ToArg, count: i64) -> Self::Output<Vec<T>> {
        self.run(&Request::new(&spec::SRANDMEMBER, &(One(&key), count)))
    }

    /// `SREM key member [member ...]`: how many of the members were in the set and removed.
    /// <https://redis.io/docs/latest/commands/srem/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn srem(self, key: impl ToArg, members: impl ToArgs) -> Self::Output<u64> {
        self.run(&Request::new(&spec::SREM, &(One(&key), &members)))
    }

    /// `SUNION key [key ...]`: the members in any of the sets.
    /// <https://redis.io/docs/latest/commands/sunion/>
    ///
    /// # Errors
    /// `WRONGTYPE` when a key holds another type.
    fn sunion<T: FromValue + Eq + Hash>(self, keys: impl ToArgs) -> Self::Output<HashSet<T>> {
        self.run(&Request::new(&spec::SUNION, &keys))
    }

    /// `SUNIONSTORE destination key [key ...]`: stores [`sunion`](SetCommands::sunion)'s result
    /// in `destination` (replacing it; an empty result deletes it); its size.
    /// <https://redis.io/docs/latest/commands/sunionstore/>
    ///
    /// # Errors
    /// `WRONGTYPE` when a source key holds another type.
    fn sunionstore(self, destination: impl ToArg, keys: impl ToArgs) -> Self::Output<u64> {
        self.run(&Request::new(
            &spec::SUNIONSTORE,
            &(One(&destination), &keys),
        ))
    }
}

impl<C: Commands> SetCommands for C {}

/// This group's methods and the command each sends.
pub(crate) const METHODS: &[Method] = &[
    ("sadd", &spec::SADD),
    ("scard", &spec::SCARD),
    ("sdiff", &spec::SDIFF),
    ("sdiffstore", &spec::SDIFFSTORE),
    ("sinter", &spec::SINTER),
    ("sintercard", &spec::SINTERCARD),
    ("sinterstore", &spec::SINTERSTORE),
    ("sismember", &spec::SISMEMBER),
    ("smembers", &spec::SMEMBERS),
    ("smismember", &spec::SMISMEMBER),
    ("smove", &spec::SMOVE),
    ("spop", &spec::SPOP),
    ("spop_count", &spec::SPOP),
    ("srandmember", &spec::SRANDMEMBER),
    ("srandmember_count", &spec::SRANDMEMBER),
    ("srem", &spec::SREM),
    ("sscan()", &spec::SSCAN),
    ("sunion", &spec::SUNION),
    ("sunionstore", &spec::SUNIONSTORE),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::ScanOptions;
    use crate::commands::groups::check::{self, Call};
    use crate::resp::Value;

    #[test]
    fn every_method_sends_its_command() {
        let calls: &[Call] = &[
            ("sadd", |r| {
                let _ = r.sadd("k", ["a", "b"]);
            }),
            ("scard", |r| {
                let _ = r.scard("k");
            }),
            ("sdiff", |r| {
                let _ = r.sdiff::<String>(["a", "b"]);
            }),
            ("sdiffstore", |r| {
                let _ = r.sdiffstore("d", ["a", "b"]);
            }),
            ("sinter", |r| {
                let _ = r.sinter::<String>(["a", "b"]);
            }),
            ("sintercard", |r| {
                let _ = r.sintercard(["a", "b"], Some(5));
            }),
            ("sinterstore", |r| {
                let _ = r.sinterstore("d", ["a"]);
            }),
            ("sismember", |r| {
                let _ = r.sismember("k", "m");
            }),
            ("smembers", |r| {
                let _ = r.smembers::<Vec<u8>>("k");
            }),
            ("smismember", |r| {
                let _ = r.smismember("k", ["a", "b"]);
            }),
            ("smove", |r| {
                let _ = r.smove("a", "b", "m");
            }),
            ("spop", |r| {
                let _ = r.spop::<Value>("k");
            }),
            ("spop_count", |r| {
                let _ = r.spop_count::<Value>("k", 2);
            }),
            ("srandmember", |r| {
                let _ = r.srandmember::<Value>("k");
            }),
            ("srandmember_count", |r| {
                let _ = r.srandmember_count::<Value>("k", -5);
            }),
            ("srem", |r| {
                let _ = r.srem("k", "m");
            }),
            ("sscan()", |r| {
                let mut it = crate::commands::sscan::<Value, _>(r, "k", ScanOptions::new());
                let _ = it.next();
            }),
            ("sunion", |r| {
                let _ = r.sunion::<String>(["a", "b"]);
            }),
            ("sunionstore", |r| {
                let _ = r.sunionstore("d", ["a", "b"]);
            }),
        ];
        check::methods(METHODS, calls);
    }

    #[test]
    fn counted_methods_write_their_arguments() {
        assert_eq!(
            check::sent(|r| {
                let _ = r.sintercard(["a", "b"], Some(5));
            }),
            ["SINTERCARD", "2", "a", "b", "LIMIT", "5"]
        );
        assert_eq!(
            check::sent(|r| {
                let _ = r.sintercard("a", None);
            }),
            ["SINTERCARD", "1", "a"]
        );
        assert_eq!(
            check::sent(|r| {
                let _ = r.srandmember_count::<Value>("k", -3);
            }),
            ["SRANDMEMBER", "k", "-3"]
        );
    }
}
