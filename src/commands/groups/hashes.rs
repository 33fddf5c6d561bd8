//! The `hash` group of the Redis documentation: fields and values under one key, and the expiry of single fields.

mod types;

use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, SystemTime};

use super::Method;
use super::shared::{
    ExpireCondition, ExpireTime, Ttl, seconds_to_millis, whole_millis, whole_seconds,
};
use crate::commands::args::{One, ToArg, ToArgs};
use crate::commands::cmd::Request;
use crate::commands::core::Commands;
use crate::commands::reply::FromValue;
use crate::commands::table::spec;

pub use types::{FieldExpiry, FieldPersist, HGetExOptions, HSetExOptions};
use types::{FieldValues, Fields, unix_millis, unix_seconds};

/// The `hash` commands: fields and values under one key, and the expiry of single fields.
///
/// Implemented for every [`Commands`] receiver (a connection, a client, a pipeline), so each
/// method sends the command and returns `Result<T>`, or queues it. Bring every group into scope
/// with `use redisync::prelude::*`.
///
/// Fields and values are the caller's: `F` and `V` are any [`FromValue`] (`String`, `Vec<u8>`
/// for binary data, numbers). Several fields are any [`ToArgs`] (`["a", "b"]`, a `Vec`), and
/// field-value pairs a slice, `Vec` or map of pairs (`[("name", "ada"), ("lang", "en")]`).
///
/// [`hscan`](crate::hscan) iterates over a hash's fields (a free function, as it sends as many
/// `HSCAN`s as it needs).
///
/// ```no_run
/// use std::collections::HashMap;
/// use redisync::prelude::*;
///
/// let client = Client::open("redis://127.0.0.1")?;
/// client.hset("user:1", [("name", "Ada"), ("lang", "en")])?;
/// let name: Option<String> = client.hget("user:1", "name")?;
/// let all: HashMap<String, String> = client.hgetall("user:1")?;
/// let visits = client.hincrby("user:1", "visits", 1)?;
/// # let _ = (name, all, visits);
/// # Ok::<(), redisync::Error>(())
/// ```
pub trait HashCommands: Commands {
    /// `HDEL key field [field ...]`: how many of the fields existed and were removed.
    /// <https://redis.io/docs/latest/commands/hdel/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn hdel(self, key: impl ToArg, fields: impl ToArgs) -> Self::Output<u64> {
        self.run(&Request::new(&spec::HDEL, &(One(&key), &fields)))
    }

    /// `HEXISTS key field`: whether the field exists.
    /// <https://redis.io/docs/latest/commands/hexists/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn hexists(self, key: impl ToArg, field: impl ToArg) -> Self::Output<bool> {
        self.run(&Request::new(&spec::HEXISTS, &(One(&key), One(&field))))
    }

    /// `HGET key field`: the field's value, `None` when the key or the field does not exist.
    /// <https://redis.io/docs/latest/commands/hget/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn hget<V: FromValue>(self, key: impl ToArg, field: impl ToArg) -> Self::Output<Option<V>> {
        self.run(&Request::new(&spec::HGET, &(One(&key), One(&field))))
    }

    /// `HGETALL key`: every field with its value; empty when the key does not exist.
    /// <https://redis.io/docs/latest/commands/hgetall/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn hgetall<F, V>(self, key: impl ToArg) -> Self::Output<HashMap<F, V>>
    where
        F: FromValue + Eq + Hash,
        V: FromValue,
    {
        self.run(&Request::new(&spec::HGETALL, &(One(&key))))
    }

    /// `HINCRBY key field delta`: the field's value after adding `delta` (a missing field
    /// counts as 0).
    /// <https://redis.io/docs/latest/commands/hincrby/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type; an error when the field holds no integer
    /// or the result would overflow.
    fn hincrby(self, key: impl ToArg, field: impl ToArg, delta: i64) -> Self::Output<i64> {
        self.run(&Request::new(
            &spec::HINCRBY,
            &(One(&key), One(&field), delta),
        ))
    }

    /// `HINCRBYFLOAT key field delta`: the field's value after adding `delta`.
    /// <https://redis.io/docs/latest/commands/hincrbyfloat/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type; an error when the field holds no number or
    /// the result would be infinite or not a number.
    fn hincrbyfloat(self, key: impl ToArg, field: impl ToArg, delta: f64) -> Self::Output<f64> {
        self.run(&Request::new(
            &spec::HINCRBYFLOAT,
            &(One(&key), One(&field), delta),
        ))
    }

    /// `HKEYS key`: every field name; empty when the key does not exist.
    /// <https://redis.io/docs/latest/commands/hkeys/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn hkeys<F: FromValue>(self, key: impl ToArg) -> Self::Output<Vec<F>> {
        self.run(&Request::new(&spec::HKEYS, &(One(&key))))
    }

    /// `HLEN key`: how many fields the hash has (0 when the key does not exist).
    /// <https://redis.io/docs/latest/commands/hlen/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn hlen(self, key: impl ToArg) -> Self::Output<u64> {
        self.run(&Request::new(&spec::HLEN, &(One(&key))))
    }

    /// `HMGET key field [field ...]`: each field's value in order, `None` where it does not
    /// exist.
    /// <https://redis.io/docs/latest/commands/hmget/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn hmget<V: FromValue>(
        self,
        key: impl ToArg,
        fields: impl ToArgs,
    ) -> Self::Output<Vec<Option<V>>> {
        self.run(&Request::new(&spec::HMGET, &(One(&key), &fields)))
    }

    /// `HMSET key field value [field value ...]`, from pairs. Deprecated by Redis in favour of
    /// [`hset`](HashCommands::hset), which does the same and counts the new fields.
    /// <https://redis.io/docs/latest/commands/hmset/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn hmset(self, key: impl ToArg, pairs: impl ToArgs) -> Self::Output<()> {
        self.run(&Request::new(&spec::HMSET, &(One(&key), &pairs)))
    }

    /// `HRANDFIELD key`: one random field, `None` when the key does not exist.
    /// <https://redis.io/docs/latest/commands/hrandfield/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn hrandfield<F: FromValue>(self, key: impl ToArg) -> Self::Output<Option<F>> {
        self.run(&Request::new(&spec::HRANDFIELD, &(One(&key))))
    }

    /// `HRANDFIELD key count`: up to `count` distinct random fields; a negative `count` takes
    /// exactly `-count` fields, repeats allowed. Empty when the key does not exist.
    /// <https://redis.io/docs/latest/commands/hrandfield/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn hrandfield_count<F: FromValue>(self, key: impl ToArg, count: i64) -> Self::Output<Vec<F>> {
        self.run(&Request::new(&spec::HRANDFIELD, &(One(&key), count)))
    }

    /// `HRANDFIELD key count WITHVALUES`: random fields with their values, `count` as in
    /// [`hrandfield_count`](HashCommands::hrandfield_count) (a negative one may repeat pairs).
    /// <https://redis.io/docs/latest/commands/hrandfield/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn hrandfield_withvalues<F: FromValue, V: FromValue>(
        self,
        key: impl ToArg,
        count: i64,
    ) -> Self::Output<Vec<(F, V)>> {
        self.run(&Request::new(
            &spec::HRANDFIELD,
            &(One(&key), count, "WITHVALUES"),
        ))
    }

    /// `HSET key field value [field value ...]`, from pairs: how many fields were added (fields
    /// that existed are updated and not counted).
    /// <https://redis.io/docs/latest/commands/hset/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn hset(self, key: impl ToArg, pairs: impl ToArgs) -> Self::Output<u64> {
        self.run(&Request::new(&spec::HSET, &(One(&key), &pairs)))
    }

    /// `HSETNX key field value`: whether the field was set (`false` when it existed already).
    /// <https://redis.io/docs/latest/commands/hsetnx/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn hsetnx(self, key: impl ToArg, field: impl ToArg, value: impl ToArg) -> Self::Output<bool> {
        self.run(&Request::new(
            &spec::HSETNX,
            &(One(&key), One(&field), One(&value)),
        ))
    }

    /// `HSTRLEN key field`: the length in bytes of the field's value (0 when it does not exist).
    /// <https://redis.io/docs/latest/commands/hstrlen/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn hstrlen(self, key: impl ToArg, field: impl ToArg) -> Self::Output<u64> {
        self.run(&Request::new(&spec::HSTRLEN, &(One(&key), One(&field))))
    }

    /// `HVALS key`: every value; empty when the key does not exist.
    /// <https://redis.io/docs/latest/commands/hvals/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn hvals<V: FromValue>(self, key: impl ToArg) -> Self::Output<Vec<V>> {
        self.run(&Request::new(&spec::HVALS, &(One(&key))))
    }

    /// `HEXPIRE key seconds [NX|XX|GT|LT] FIELDS numfields field ...`: sets the fields' time
    /// to live, in whole seconds rounded up; one [`FieldExpiry`] per field, in order.
    /// <https://redis.io/docs/latest/commands/hexpire/>
    ///
    /// Valkey 9.0+ (and Redis 7.4+); Redis 7.0 and 6.2 have no `HEXPIRE`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a zero duration (the
    /// server would delete the fields: use [`hdel`](HashCommands::hdel)); `WRONGTYPE` when the
    /// key holds another type; the server's unknown-command error before Valkey 9.
    fn hexpire(
        self,
        key: impl ToArg,
        ttl: Duration,
        condition: Option<ExpireCondition>,
        fields: impl ToArgs,
    ) -> Self::Output<Vec<FieldExpiry>> {
        match whole_seconds("hexpire", ttl) {
            Ok(secs) => self.run(&Request::new(
                &spec::HEXPIRE,
                &(One(&key), secs, condition, Fields(&fields)),
            )),
            Err(e) => self.refuse(e),
        }
    }

    /// `HPEXPIRE key milliseconds [NX|XX|GT|LT] FIELDS numfields field ...`: as
    /// [`hexpire`](HashCommands::hexpire), in whole milliseconds rounded up.
    /// <https://redis.io/docs/latest/commands/hpexpire/>
    ///
    /// Valkey 9.0+ (and Redis 7.4+); Redis 7.0 and 6.2 have no `HPEXPIRE`.
    ///
    /// # Errors
    /// As [`hexpire`](HashCommands::hexpire).
    fn hpexpire(
        self,
        key: impl ToArg,
        ttl: Duration,
        condition: Option<ExpireCondition>,
        fields: impl ToArgs,
    ) -> Self::Output<Vec<FieldExpiry>> {
        match whole_millis("hpexpire", ttl) {
            Ok(ms) => self.run(&Request::new(
                &spec::HPEXPIRE,
                &(One(&key), ms, condition, Fields(&fields)),
            )),
            Err(e) => self.refuse(e),
        }
    }

    /// `HEXPIREAT key unix-time-seconds [NX|XX|GT|LT] FIELDS numfields field ...`: the fields
    /// expire at `at` (whole seconds, rounded up); a past time deletes them
    /// ([`FieldExpiry::Deleted`]).
    /// <https://redis.io/docs/latest/commands/hexpireat/>
    ///
    /// Valkey 9.0+ (and Redis 7.4+); Redis 7.0 and 6.2 have no `HEXPIREAT`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a time before 1970;
    /// `WRONGTYPE` when the key holds another type; the server's unknown-command error before
    /// Valkey 9.
    fn hexpireat(
        self,
        key: impl ToArg,
        at: SystemTime,
        condition: Option<ExpireCondition>,
        fields: impl ToArgs,
    ) -> Self::Output<Vec<FieldExpiry>> {
        match unix_seconds("hexpireat", at) {
            Ok(secs) => self.run(&Request::new(
                &spec::HEXPIREAT,
                &(One(&key), secs, condition, Fields(&fields)),
            )),
            Err(e) => self.refuse(e),
        }
    }

    /// `HPEXPIREAT key unix-time-milliseconds [NX|XX|GT|LT] FIELDS numfields field ...`: as
    /// [`hexpireat`](HashCommands::hexpireat), in whole milliseconds rounded up.
    /// <https://redis.io/docs/latest/commands/hpexpireat/>
    ///
    /// Valkey 9.0+ (and Redis 7.4+); Redis 7.0 and 6.2 have no `HPEXPIREAT`.
    ///
    /// # Errors
    /// As [`hexpireat`](HashCommands::hexpireat).
    fn hpexpireat(
        self,
        key: impl ToArg,
        at: SystemTime,
        condition: Option<ExpireCondition>,
        fields: impl ToArgs,
    ) -> Self::Output<Vec<FieldExpiry>> {
        match unix_millis("hpexpireat", at) {
            Ok(ms) => self.run(&Request::new(
                &spec::HPEXPIREAT,
                &(One(&key), ms, condition, Fields(&fields)),
            )),
            Err(e) => self.refuse(e),
        }
    }

    /// `HTTL key FIELDS numfields field ...`: how long each field has left ([`Ttl`], the
    /// server's whole seconds), in order; [`Ttl::Missing`] for a field (or key) that does not
    /// exist.
    /// <https://redis.io/docs/latest/commands/httl/>
    ///
    /// Valkey 9.0+ (and Redis 7.4+); Redis 7.0 and 6.2 have no `HTTL`.
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type; the server's unknown-command error before
    /// Valkey 9.
    fn httl(self, key: impl ToArg, fields: impl ToArgs) -> Self::Output<Vec<Ttl>> {
        self.run(
            &Request::new(&spec::HTTL, &(One(&key), Fields(&fields))).shaped(seconds_to_millis),
        )
    }

    /// `HPTTL key FIELDS numfields field ...`: as [`httl`](HashCommands::httl), to the
    /// millisecond.
    /// <https://redis.io/docs/latest/commands/hpttl/>
    ///
    /// Valkey 9.0+ (and Redis 7.4+); Redis 7.0 and 6.2 have no `HPTTL`.
    ///
    /// # Errors
    /// As [`httl`](HashCommands::httl).
    fn hpttl(self, key: impl ToArg, fields: impl ToArgs) -> Self::Output<Vec<Ttl>> {
        self.run(&Request::new(&spec::HPTTL, &(One(&key), Fields(&fields))))
    }

    /// `HEXPIRETIME key FIELDS numfields field ...`: when each field expires
    /// ([`ExpireTime`], the server's whole seconds), in order.
    /// <https://redis.io/docs/latest/commands/hexpiretime/>
    ///
    /// Valkey 9.0+ (and Redis 7.4+); Redis 7.0 and 6.2 have no `HEXPIRETIME`.
    ///
    /// # Errors
    /// As [`httl`](HashCommands::httl).
    fn hexpiretime(self, key: impl ToArg, fields: impl ToArgs) -> Self::Output<Vec<ExpireTime>> {
        self.run(
            &Request::new(&spec::HEXPIRETIME, &(One(&key), Fields(&fields)))
                .shaped(seconds_to_millis),
        )
    }

    /// `HPEXPIRETIME key FIELDS numfields field ...`: as
    /// [`hexpiretime`](HashCommands::hexpiretime), to the millisecond.
    /// <https://redis.io/docs/latest/commands/hpexpiretime/>
    ///
    /// Valkey 9.0+ (and Redis 7.4+); Redis 7.0 and 6.2 have no `HPEXPIRETIME`.
    ///
    /// # Errors
    /// As [`httl`](HashCommands::httl).
    fn hpexpiretime(self, key: impl ToArg, fields: impl ToArgs) -> Self::Output<Vec<ExpireTime>> {
        self.run(&Request::new(
            &spec::HPEXPIRETIME,
            &(One(&key), Fields(&fields)),
        ))
    }

    /// `HPERSIST key FIELDS numfields field ...`: removes the fields' expiry; one
    /// [`FieldPersist`] per field, in order.
    /// <https://redis.io/docs/latest/commands/hpersist/>
    ///
    /// Valkey 9.0+ (and Redis 7.4+); Redis 7.0 and 6.2 have no `HPERSIST`.
    ///
    /// # Errors
    /// As [`httl`](HashCommands::httl).
    fn hpersist(self, key: impl ToArg, fields: impl ToArgs) -> Self::Output<Vec<FieldPersist>> {
        self.run(&Request::new(
            &spec::HPERSIST,
            &(One(&key), Fields(&fields)),
        ))
    }

    /// `HGETDEL key FIELDS numfields field ...`: each field's value in order (`None` where it
    /// does not exist), the fields deleted; the key goes with its last field.
    /// <https://valkey.io/commands/hgetdel/>
    ///
    /// Valkey 9.1+ (and Redis 8.0+); Valkey 9.0, Redis 7.0 and 6.2 have no `HGETDEL`.
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type; the server's unknown-command error where it
    /// lacks the command.
    fn hgetdel<V: FromValue>(
        self,
        key: impl ToArg,
        fields: impl ToArgs,
    ) -> Self::Output<Vec<Option<V>>> {
        self.run(&Request::new(&spec::HGETDEL, &(One(&key), Fields(&fields))))
    }

    /// `HGETEX key [EX seconds|PX milliseconds|EXAT ...|PXAT ...|PERSIST] FIELDS numfields
    /// field ...`: each field's value in order (`None` where it does not exist), changing the
    /// expiry of the fields that exist as `options` say.
    /// <https://valkey.io/commands/hgetex/>
    ///
    /// Valkey 9.0+ (and Redis 8.0+); Redis 7.0 and 6.2 have no `HGETEX`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for options that exclude each
    /// other, a zero duration or a time before 1970, before anything is sent; `WRONGTYPE` when
    /// the key holds another type; the server's unknown-command error before Valkey 9.
    fn hgetex<V: FromValue>(
        self,
        key: impl ToArg,
        options: HGetExOptions,
        fields: impl ToArgs,
    ) -> Self::Output<Vec<Option<V>>> {
        match options.check() {
            Ok(expiry) => self.run(&Request::new(
                &spec::HGETEX,
                &(One(&key), expiry, Fields(&fields)),
            )),
            Err(e) => self.refuse(e),
        }
    }

    /// `HSETEX key [NX|XX] [FNX|FXX] [EX ...|PX ...|EXAT ...|PXAT ...|KEEPTTL] FIELDS
    /// numfields field value ...`, from pairs: whether the fields were set (`false` when a
    /// condition of `options` was not met: then none was). Without an expiry option the
    /// fields set lose any expiry they had.
    /// <https://valkey.io/commands/hsetex/>
    ///
    /// Valkey 9.0+. Redis 8.0+ has an `HSETEX` without the key conditions (`NX`, `XX`); Redis
    /// 7.0 and 6.2 have none.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for options that exclude each
    /// other, a zero duration, a time before 1970, or an odd number of arguments in `pairs`,
    /// before anything is sent; `WRONGTYPE` when the key holds another type; the server's
    /// unknown-command error before Valkey 9.
    fn hsetex(
        self,
        key: impl ToArg,
        options: HSetExOptions,
        pairs: impl ToArgs,
    ) -> Self::Output<bool> {
        let checked = options
            .check()
            .and_then(|o| Ok((o, FieldValues::new(&pairs)?)));
        match checked {
            Ok((o, pairs)) => self.run(&Request::new(&spec::HSETEX, &(One(&key), o, pairs))),
            Err(e) => self.refuse(e),
        }
    }
}

impl<C: Commands> HashCommands for C {}

/// This group's methods and the command each sends.
pub(crate) const METHODS: &[Method] = &[
    ("hdel", &spec::HDEL),
    ("hexists", &spec::HEXISTS),
    ("hget", &spec::HGET),
    ("hgetall", &spec::HGETALL),
    ("hincrby", &spec::HINCRBY),
    ("hincrbyfloat", &spec::HINCRBYFLOAT),
    ("hkeys", &spec::HKEYS),
    ("hlen", &spec::HLEN),
    ("hmget", &spec::HMGET),
    ("hmset", &spec::HMSET),
    ("hrandfield", &spec::HRANDFIELD),
    ("hrandfield_count", &spec::HRANDFIELD),
    ("hrandfield_withvalues", &spec::HRANDFIELD),
    ("hscan()", &spec::HSCAN),
    ("hset", &spec::HSET),
    ("hsetnx", &spec::HSETNX),
    ("hstrlen", &spec::HSTRLEN),
    ("hvals", &spec::HVALS),
    ("hexpire", &spec::HEXPIRE),
    ("hpexpire", &spec::HPEXPIRE),
    ("hexpireat", &spec::HEXPIREAT),
    ("hpexpireat", &spec::HPEXPIREAT),
    ("httl", &spec::HTTL),
    ("hpttl", &spec::HPTTL),
    ("hexpiretime", &spec::HEXPIRETIME),
    ("hpexpiretime", &spec::HPEXPIRETIME),
    ("hpersist", &spec::HPERSIST),
    ("hgetdel", &spec::HGETDEL),
    ("hgetex", &spec::HGETEX),
    ("hsetex", &spec::HSETEX),
];

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;
    use crate::commands::ScanOptions;
    use crate::commands::groups::check::{self, Call};
    use crate::resp::Value;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn every_method_sends_its_command() {
        let calls: &[Call] = &[
            ("hdel", |r| {
                let _ = r.hdel("k", ["a", "b"]);
            }),
            ("hexists", |r| {
                let _ = r.hexists("k", "f");
            }),
            ("hget", |r| {
                let _ = r.hget::<Value>("k", "f");
            }),
            ("hgetall", |r| {
                let _ = r.hgetall::<String, Value>("k");
            }),
            ("hincrby", |r| {
                let _ = r.hincrby("k", "f", 1);
            }),
            ("hincrbyfloat", |r| {
                let _ = r.hincrbyfloat("k", "f", 1.5);
            }),
            ("hkeys", |r| {
                let _ = r.hkeys::<String>("k");
            }),
            ("hlen", |r| {
                let _ = r.hlen("k");
            }),
            ("hmget", |r| {
                let _ = r.hmget::<Value>("k", ["a"]);
            }),
            ("hmset", |r| {
                let _ = r.hmset("k", [("a", 1)]);
            }),
            ("hrandfield", |r| {
                let _ = r.hrandfield::<Value>("k");
            }),
            ("hrandfield_count", |r| {
                let _ = r.hrandfield_count::<Value>("k", -2);
            }),
            ("hrandfield_withvalues", |r| {
                let _ = r.hrandfield_withvalues::<Value, Value>("k", 2);
            }),
            ("hscan()", |r| {
                let mut it = crate::commands::hscan::<Value, Value, _>(r, "k", ScanOptions::new());
                let _ = it.next();
            }),
            ("hset", |r| {
                let _ = r.hset("k", [("a", 1)]);
            }),
            ("hsetnx", |r| {
                let _ = r.hsetnx("k", "f", "v");
            }),
            ("hstrlen", |r| {
                let _ = r.hstrlen("k", "f");
            }),
            ("hvals", |r| {
                let _ = r.hvals::<Value>("k");
            }),
            ("hexpire", |r| {
                let _ = r.hexpire("k", S, None, ["a"]);
            }),
            ("hpexpire", |r| {
                let _ = r.hpexpire("k", S, None, ["a"]);
            }),
            ("hexpireat", |r| {
                let _ = r.hexpireat("k", UNIX_EPOCH + S, None, ["a"]);
            }),
            ("hpexpireat", |r| {
                let _ = r.hpexpireat("k", UNIX_EPOCH + S, None, ["a"]);
            }),
            ("httl", |r| {
                let _ = r.httl("k", ["a"]);
            }),
            ("hpttl", |r| {
                let _ = r.hpttl("k", ["a"]);
            }),
            ("hexpiretime", |r| {
                let _ = r.hexpiretime("k", ["a"]);
            }),
            ("hpexpiretime", |r| {
                let _ = r.hpexpiretime("k", ["a"]);
            }),
            ("hpersist", |r| {
                let _ = r.hpersist("k", ["a"]);
            }),
            ("hgetdel", |r| {
                let _ = r.hgetdel::<Value>("k", ["a"]);
            }),
            ("hgetex", |r| {
                let _ = r.hgetex::<Value>("k", HGetExOptions::new(), ["a"]);
            }),
            ("hsetex", |r| {
                let _ = r.hsetex("k", HSetExOptions::new(), [("a", 1)]);
            }),
        ];
        check::methods(METHODS, calls);
    }

    #[test]
    fn methods_with_options_write_their_arguments() {
        assert_eq!(
            check::sent(|r| {
                let _ = r.hexpire(
                    "h",
                    Duration::from_millis(1500),
                    Some(ExpireCondition::Gt),
                    ["a", "b"],
                );
            }),
            ["HEXPIRE", "h", "2", "GT", "FIELDS", "2", "a", "b"]
        );
        assert_eq!(
            check::sent(|r| {
                let _ = r.hpexpireat("h", UNIX_EPOCH + Duration::from_micros(2500), None, "a");
            }),
            ["HPEXPIREAT", "h", "3", "FIELDS", "1", "a"]
        );
        assert_eq!(
            check::sent(|r| {
                let _ = r.hrandfield_withvalues::<Value, Value>("h", -3);
            }),
            ["HRANDFIELD", "h", "-3", "WITHVALUES"]
        );
        assert_eq!(
            check::sent(|r| {
                let o = HGetExOptions::new().ex(Duration::from_secs(60));
                let _ = r.hgetex::<Value>("h", o, ["a"]);
            }),
            ["HGETEX", "h", "EX", "60", "FIELDS", "1", "a"]
        );
        assert_eq!(
            check::sent(|r| {
                let o = HSetExOptions::new().xx().fnx().keep_ttl();
                let _ = r.hsetex("h", o, [("a", "1"), ("b", "2")]);
            }),
            [
                "HSETEX", "h", "XX", "FNX", "KEEPTTL", "FIELDS", "2", "a", "1", "b", "2"
            ]
        );
    }

    #[test]
    fn refused_calls_send_nothing() {
        let mut r = check::Recorder::default();
        let e = r.hexpire("h", Duration::ZERO, None, ["a"]).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
        let before = UNIX_EPOCH - S;
        assert!(r.hexpireat("h", before, None, ["a"]).is_err());
        assert!(
            r.hsetex("h", HSetExOptions::new().nx().xx(), [("a", 1)])
                .is_err()
        );
        assert!(r.hsetex("h", HSetExOptions::new(), ("a", 1, "b")).is_err());
        let o = HGetExOptions::new().persist().px(S);
        assert!(r.hgetex::<Value>("h", o, ["a"]).is_err());
        assert!(r.sent.is_empty());
    }
}
