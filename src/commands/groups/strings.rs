//! The `string` group of the Redis documentation: values stored under a key: get and set them, count with them, take parts of them.

#![allow(unused_imports)]

mod options;
mod types;

pub use options::{GetExpiry, SetOptions};
pub use types::{LcsMatch, LcsMatches};

use std::time::Duration;

use super::Method;
use super::shared::{whole_millis, whole_seconds};
use crate::commands::args::{ArgWriter, One, ToArg, ToArgs};
use crate::commands::cmd::Request;
use crate::commands::core::Commands;
use crate::commands::reply::FromValue;
use crate::commands::table::spec;
use crate::error::Error;

/// The `string` commands: values stored under a key: get and set them, count with them, take
/// parts of them.
///
/// Implemented for every [`Commands`] receiver (a connection, a client, a pipeline), so each
/// method sends the command and returns `Result<T>`, or queues it. Bring every group into scope
/// with `use redisync::prelude::*`.
///
/// A value comes back as the type asked for (`get::<String>`, `get::<Vec<u8>>`, `get::<i64>`);
/// counters and lengths come back as the numbers Redis fixes.
///
/// ```no_run
/// use std::time::Duration;
/// use redisync::prelude::*;
/// use redisync::SetOptions;
///
/// let client = Client::open("redis://127.0.0.1")?;
/// let fresh = client.set_options("lock", "me", SetOptions::new().nx().ex(Duration::from_secs(30)))?;
/// let hits: i64 = client.incr("hits")?;
/// let name: Option<String> = client.get("user:1:name")?;
/// # let _ = (fresh, hits, name);
/// # Ok::<(), redisync::Error>(())
/// ```
pub trait StringCommands: Commands {
    /// `APPEND key value`: appends to the value (creating it when the key does not exist);
    /// returns the value's length after.
    /// <https://redis.io/docs/latest/commands/append/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn append(self, key: impl ToArg, value: impl ToArg) -> Self::Output<u64> {
        self.run(&Request::new(&spec::APPEND, &(One(&key), One(&value))))
    }

    /// `DECR key`: the value after subtracting one (a missing key counts as 0).
    /// <https://redis.io/docs/latest/commands/decr/>
    ///
    /// # Errors
    /// `ERR` when the value is not an integer in the range of `i64`, or the result would
    /// leave it; `WRONGTYPE` when the key holds another type.
    fn decr(self, key: impl ToArg) -> Self::Output<i64> {
        self.run(&Request::new(&spec::DECR, &(One(&key))))
    }

    /// `DECRBY key decrement`: the value after subtracting `delta`.
    /// <https://redis.io/docs/latest/commands/decrby/>
    ///
    /// # Errors
    /// As [`decr`](StringCommands::decr).
    fn decrby(self, key: impl ToArg, delta: i64) -> Self::Output<i64> {
        self.run(&Request::new(&spec::DECRBY, &(One(&key), delta)))
    }

    /// `DELIFEQ key value`: deletes the key only when its value is `value`; returns whether it
    /// was deleted (`false` for another value or a missing key). Valkey 9.0+; Redis 7.0 has no
    /// `DELIFEQ` and answers an unknown-command error.
    /// <https://valkey.io/commands/delifeq/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn delifeq(self, key: impl ToArg, value: impl ToArg) -> Self::Output<bool> {
        self.run(&Request::new(&spec::DELIFEQ, &(One(&key), One(&value))))
    }

    /// `GET key`: the value, or `None` when the key does not exist.
    /// <https://redis.io/docs/latest/commands/get/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn get<T: FromValue>(self, key: impl ToArg) -> Self::Output<Option<T>> {
        self.run(&Request::new(&spec::GET, &(One(&key))))
    }

    /// `GETDEL key`: the value, deleting the key; `None` when it did not exist.
    /// <https://redis.io/docs/latest/commands/getdel/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type (and the key stays).
    fn getdel<T: FromValue>(self, key: impl ToArg) -> Self::Output<Option<T>> {
        self.run(&Request::new(&spec::GETDEL, &(One(&key))))
    }

    /// `GETEX key EX|PX|EXAT|PXAT|PERSIST`: the value, giving the key a new expiry (or none,
    /// with [`GetExpiry::Persist`]); `None` when the key does not exist. Without an expiry
    /// `GETEX` is [`get`](StringCommands::get).
    /// <https://redis.io/docs/latest/commands/getex/>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a zero duration or a
    /// time not after the Unix epoch, before anything is sent; `WRONGTYPE` when the key holds
    /// another type.
    fn getex<T: FromValue>(self, key: impl ToArg, expiry: GetExpiry) -> Self::Output<Option<T>> {
        match expiry.wire() {
            Ok(expiry) => self.run(&Request::new(&spec::GETEX, &(One(&key), expiry))),
            Err(e) => self.refuse(e),
        }
    }

    /// `GETRANGE key start end`: the bytes from `start` to `end`, both included; negative
    /// offsets count from the end (`-1` is the last byte). Out of range, or for a missing key,
    /// the result is empty.
    /// <https://redis.io/docs/latest/commands/getrange/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn getrange<T: FromValue>(self, key: impl ToArg, start: i64, end: i64) -> Self::Output<T> {
        self.run(&Request::new(&spec::GETRANGE, &(One(&key), start, end)))
    }

    /// `GETSET key value`: sets the value and returns the old one (`None` when the key did not
    /// exist). Deprecated by Redis in favour of `SET ... GET`:
    /// [`set_get`](StringCommands::set_get).
    /// <https://redis.io/docs/latest/commands/getset/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn getset<T: FromValue>(self, key: impl ToArg, value: impl ToArg) -> Self::Output<Option<T>> {
        self.run(&Request::new(&spec::GETSET, &(One(&key), One(&value))))
    }

    /// `INCR key`: the value after adding one (a missing key counts as 0).
    /// <https://redis.io/docs/latest/commands/incr/>
    ///
    /// # Errors
    /// `ERR` when the value is not an integer in the range of `i64`, or the result would
    /// leave it; `WRONGTYPE` when the key holds another type.
    fn incr(self, key: impl ToArg) -> Self::Output<i64> {
        self.run(&Request::new(&spec::INCR, &(One(&key))))
    }

    /// `INCRBY key increment`: the value after adding `delta`.
    /// <https://redis.io/docs/latest/commands/incrby/>
    ///
    /// # Errors
    /// As [`incr`](StringCommands::incr).
    fn incr_by(self, key: impl ToArg, delta: i64) -> Self::Output<i64> {
        self.run(&Request::new(&spec::INCRBY, &(One(&key), delta)))
    }

    /// `INCRBYFLOAT key increment`: the value after adding `delta` (a float; a missing key
    /// counts as 0).
    /// <https://redis.io/docs/latest/commands/incrbyfloat/>
    ///
    /// # Errors
    /// `ERR` when the value is not a number, or `delta` or the result is infinite or NaN;
    /// `WRONGTYPE` when the key holds another type.
    fn incrbyfloat(self, key: impl ToArg, delta: f64) -> Self::Output<f64> {
        self.run(&Request::new(&spec::INCRBYFLOAT, &(One(&key), delta)))
    }

    /// `LCS key1 key2`: the longest common subsequence of the two values (empty when they
    /// share nothing or a key is missing). Redis 7.0+.
    /// <https://redis.io/docs/latest/commands/lcs/>
    ///
    /// # Errors
    /// `ERR` (not `WRONGTYPE`) when a key holds another type.
    fn lcs<T: FromValue>(self, key1: impl ToArg, key2: impl ToArg) -> Self::Output<T> {
        self.run(&Request::new(&spec::LCS, &(One(&key1), One(&key2))))
    }

    /// `LCS key1 key2 LEN`: the length of the longest common subsequence. Redis 7.0+.
    /// <https://redis.io/docs/latest/commands/lcs/>
    ///
    /// # Errors
    /// `ERR` (not `WRONGTYPE`) when a key holds another type.
    fn lcs_len(self, key1: impl ToArg, key2: impl ToArg) -> Self::Output<u64> {
        self.run(&Request::new(&spec::LCS, &(One(&key1), One(&key2), "LEN")))
    }

    /// `LCS key1 key2 IDX [MINMATCHLEN n] WITHMATCHLEN`: where the longest common subsequence
    /// lies in each value, run by run ([`LcsMatches`]), leaving out runs shorter than
    /// `min_match_len` (`0` keeps them all). Redis 7.0+.
    /// <https://redis.io/docs/latest/commands/lcs/>
    ///
    /// # Errors
    /// `ERR` (not `WRONGTYPE`) when a key holds another type.
    fn lcs_idx(
        self,
        key1: impl ToArg,
        key2: impl ToArg,
        min_match_len: u64,
    ) -> Self::Output<LcsMatches> {
        let min = (min_match_len > 0).then_some(("MINMATCHLEN", min_match_len));
        self.run(&Request::new(
            &spec::LCS,
            &(One(&key1), One(&key2), "IDX", min, "WITHMATCHLEN"),
        ))
    }

    /// `MGET key [key ...]`: each key's value, `None` where a key does not exist or holds
    /// another type.
    /// <https://redis.io/docs/latest/commands/mget/>
    fn mget<T: FromValue>(self, keys: impl ToArgs) -> Self::Output<Vec<Option<T>>> {
        self.run(&Request::new(&spec::MGET, &keys))
    }

    /// `MSET key value [key value ...]`, from pairs: `conn.mset(&[("a", 1), ("b", 2)])`. Every
    /// key's expiry is cleared.
    /// <https://redis.io/docs/latest/commands/mset/>
    fn mset(self, pairs: impl ToArgs) -> Self::Output<()> {
        self.run(&Request::new(&spec::MSET, &pairs))
    }

    /// `MSETEX numkeys key value [key value ...] [NX|XX] [EX|PX|EXAT|PXAT|KEEPTTL]`: sets every
    /// pair at once, with one condition and one expiry for all; returns whether they were set
    /// (`false` when `NX` or `XX` prevented it: then none was). `numkeys` is counted from
    /// `pairs`. Valkey 9.1+; Redis 7.0 answers an unknown-command error.
    /// <https://valkey.io/commands/msetex/>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before anything is sent
    /// when `pairs` is empty or not pairs, or the options conflict or hold `IFEQ` (see
    /// [`SetOptions`]).
    fn msetex(self, pairs: impl ToArgs, options: SetOptions) -> Self::Output<bool> {
        let n = pairs.arg_count();
        let checked = if n == 0 || n % 2 != 0 {
            Err(Error::invalid(
                "MSETEX",
                format!("takes key-value pairs; got {n} arguments"),
            ))
        } else if options.has_ifeq() {
            Err(Error::invalid("MSETEX options", "MSETEX takes no IFEQ"))
        } else {
            options.check("MSETEX")
        };
        match checked {
            Ok(()) => self.run(&Request::new(&spec::MSETEX, &(n / 2, &pairs, &options))),
            Err(e) => self.refuse(e),
        }
    }

    /// `MSETNX key value [key value ...]`: sets every pair only when none of the keys exists;
    /// returns whether it did.
    /// <https://redis.io/docs/latest/commands/msetnx/>
    fn msetnx(self, pairs: impl ToArgs) -> Self::Output<bool> {
        self.run(&Request::new(&spec::MSETNX, &pairs))
    }

    /// `PSETEX key milliseconds value`: sets the value to expire after `ttl`, sent in whole
    /// milliseconds, rounded up.
    /// <https://redis.io/docs/latest/commands/psetex/>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a zero duration, before
    /// anything is sent.
    fn psetex(self, key: impl ToArg, ttl: Duration, value: impl ToArg) -> Self::Output<()> {
        match whole_millis("PSETEX milliseconds", ttl) {
            Ok(ms) => self.run(&Request::new(&spec::PSETEX, &(One(&key), ms, One(&value)))),
            Err(e) => self.refuse(e),
        }
    }

    /// `SET key value`: sets the value, whatever the key held, and clears its expiry.
    /// <https://redis.io/docs/latest/commands/set/>
    fn set(self, key: impl ToArg, value: impl ToArg) -> Self::Output<()> {
        self.run(&Request::new(&spec::SET, &(One(&key), One(&value))))
    }

    /// `SET key value [NX|XX|IFEQ v] [EX|PX|EXAT|PXAT|KEEPTTL]`: returns whether the value was
    /// set (`false` when `NX`, `XX` or `IFEQ` prevented it).
    /// <https://redis.io/docs/latest/commands/set/>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before anything is sent when
    /// the options conflict (see [`SetOptions`]); with `IFEQ`, `WRONGTYPE` when the key holds
    /// another type.
    fn set_options(
        self,
        key: impl ToArg,
        value: impl ToArg,
        options: SetOptions,
    ) -> Self::Output<bool> {
        match options.check("SET") {
            Ok(()) => self.run(&Request::new(
                &spec::SET,
                &(One(&key), One(&value), &options),
            )),
            Err(e) => self.refuse(e),
        }
    }

    /// `SET key value ... GET`: sets the value and returns the old one (`None` if the key did
    /// not exist). With `NX`, `XX` or `IFEQ` the old value is returned whether or not the set
    /// happened (`NX` with `GET` needs Redis 7.0+).
    /// <https://redis.io/docs/latest/commands/set/>
    ///
    /// # Errors
    /// As [`set_options`](StringCommands::set_options); `WRONGTYPE` when the key holds
    /// another type (nothing is set).
    fn set_get<T: FromValue>(
        self,
        key: impl ToArg,
        value: impl ToArg,
        options: SetOptions,
    ) -> Self::Output<Option<T>> {
        match options.check("SET") {
            Ok(()) => self.run(&Request::new(
                &spec::SET,
                &(One(&key), One(&value), &options, "GET"),
            )),
            Err(e) => self.refuse(e),
        }
    }

    /// `SETEX key seconds value`: sets the value to expire after `ttl`, sent in whole seconds,
    /// rounded up.
    /// <https://redis.io/docs/latest/commands/setex/>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a zero duration, before
    /// anything is sent.
    fn setex(self, key: impl ToArg, ttl: Duration, value: impl ToArg) -> Self::Output<()> {
        match whole_seconds("SETEX seconds", ttl) {
            Ok(secs) => self.run(&Request::new(&spec::SETEX, &(One(&key), secs, One(&value)))),
            Err(e) => self.refuse(e),
        }
    }

    /// `SETNX key value`: sets the value only when the key does not exist; returns whether it
    /// did.
    /// <https://redis.io/docs/latest/commands/setnx/>
    fn setnx(self, key: impl ToArg, value: impl ToArg) -> Self::Output<bool> {
        self.run(&Request::new(&spec::SETNX, &(One(&key), One(&value))))
    }

    /// `SETRANGE key offset value`: overwrites the bytes from `offset` on (padding with zero
    /// bytes past the end); returns the value's length after.
    /// <https://redis.io/docs/latest/commands/setrange/>
    ///
    /// # Errors
    /// `ERR` when the result would exceed the server's maximum string size (512 MB by
    /// default); `WRONGTYPE` when the key holds another type.
    fn setrange(self, key: impl ToArg, offset: u64, value: impl ToArg) -> Self::Output<u64> {
        self.run(&Request::new(
            &spec::SETRANGE,
            &(One(&key), offset, One(&value)),
        ))
    }

    /// `STRLEN key`: the value's length in bytes (0 for a missing key).
    /// <https://redis.io/docs/latest/commands/strlen/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn strlen(self, key: impl ToArg) -> Self::Output<u64> {
        self.run(&Request::new(&spec::STRLEN, &(One(&key))))
    }

    /// `SUBSTR key start end`: [`getrange`](StringCommands::getrange) under its old name,
    /// deprecated by Redis.
    /// <https://redis.io/docs/latest/commands/substr/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type.
    fn substr<T: FromValue>(self, key: impl ToArg, start: i64, end: i64) -> Self::Output<T> {
        self.run(&Request::new(&spec::SUBSTR, &(One(&key), start, end)))
    }
}

impl<C: Commands> StringCommands for C {}

/// This group's methods and the command each sends.
pub(crate) const METHODS: &[Method] = &[
    ("append", &spec::APPEND),
    ("decr", &spec::DECR),
    ("decrby", &spec::DECRBY),
    ("delifeq", &spec::DELIFEQ),
    ("get", &spec::GET),
    ("getdel", &spec::GETDEL),
    ("getex", &spec::GETEX),
    ("getrange", &spec::GETRANGE),
    ("getset", &spec::GETSET),
    ("incr", &spec::INCR),
    ("incr_by", &spec::INCRBY),
    ("incrbyfloat", &spec::INCRBYFLOAT),
    ("lcs", &spec::LCS),
    ("lcs_len", &spec::LCS),
    ("lcs_idx", &spec::LCS),
    ("mget", &spec::MGET),
    ("mset", &spec::MSET),
    ("msetex", &spec::MSETEX),
    ("msetnx", &spec::MSETNX),
    ("psetex", &spec::PSETEX),
    ("set", &spec::SET),
    ("set_options", &spec::SET),
    ("set_get", &spec::SET),
    ("setex", &spec::SETEX),
    ("setnx", &spec::SETNX),
    ("setrange", &spec::SETRANGE),
    ("strlen", &spec::STRLEN),
    ("substr", &spec::SUBSTR),
];

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::commands::groups::check::{self, Call, Recorder, sent};
    use crate::resp::Value;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn every_method_sends_its_command() {
        let calls: &[Call] = &[
            ("append", |r| {
                let _ = r.append("k", "v");
            }),
            ("decr", |r| {
                let _ = r.decr("k");
            }),
            ("decrby", |r| {
                let _ = r.decrby("k", 2);
            }),
            ("delifeq", |r| {
                let _ = r.delifeq("k", "v");
            }),
            ("get", |r| {
                let _ = r.get::<Value>("k");
            }),
            ("getdel", |r| {
                let _ = r.getdel::<Value>("k");
            }),
            ("getex", |r| {
                let _ = r.getex::<Value>("k", GetExpiry::Persist);
            }),
            ("getrange", |r| {
                let _ = r.getrange::<Value>("k", 0, -1);
            }),
            ("getset", |r| {
                let _ = r.getset::<Value>("k", "v");
            }),
            ("incr", |r| {
                let _ = r.incr("k");
            }),
            ("incr_by", |r| {
                let _ = r.incr_by("k", 2);
            }),
            ("incrbyfloat", |r| {
                let _ = r.incrbyfloat("k", 0.5);
            }),
            ("lcs", |r| {
                let _ = r.lcs::<Value>("a", "b");
            }),
            ("lcs_len", |r| {
                let _ = r.lcs_len("a", "b");
            }),
            ("lcs_idx", |r| {
                let _ = r.lcs_idx("a", "b", 0);
            }),
            ("mget", |r| {
                let _ = r.mget::<Value>(["a", "b"]);
            }),
            ("mset", |r| {
                let _ = r.mset([("a", 1)]);
            }),
            ("msetex", |r| {
                let _ = r.msetex([("a", 1)], SetOptions::new());
            }),
            ("msetnx", |r| {
                let _ = r.msetnx([("a", 1)]);
            }),
            ("psetex", |r| {
                let _ = r.psetex("k", S(1), "v");
            }),
            ("set", |r| {
                let _ = r.set("k", "v");
            }),
            ("set_options", |r| {
                let _ = r.set_options("k", "v", SetOptions::new().nx());
            }),
            ("set_get", |r| {
                let _ = r.set_get::<Value>("k", "v", SetOptions::new());
            }),
            ("setex", |r| {
                let _ = r.setex("k", S(1), "v");
            }),
            ("setnx", |r| {
                let _ = r.setnx("k", "v");
            }),
            ("setrange", |r| {
                let _ = r.setrange("k", 3, "v");
            }),
            ("strlen", |r| {
                let _ = r.strlen("k");
            }),
            ("substr", |r| {
                let _ = r.substr::<Value>("k", 0, 2);
            }),
        ];
        check::methods(METHODS, calls);
    }

    #[test]
    fn options_and_times_go_out_as_redis_reads_them() {
        assert_eq!(
            sent(|r| {
                let _ = r.set_get::<Value>("k", "v", SetOptions::new().nx().px(S(2)));
            }),
            ["SET", "k", "v", "NX", "PX", "2000", "GET"]
        );
        assert_eq!(
            sent(|r| {
                let _ = r.set_options("k", "v", SetOptions::new().ifeq("old").keep_ttl());
            }),
            ["SET", "k", "v", "IFEQ", "old", "KEEPTTL"]
        );
        assert_eq!(
            sent(|r| {
                let at = UNIX_EPOCH + Duration::from_millis(1_700_000_000_001);
                let _ = r.getex::<Value>("k", GetExpiry::ExAt(at));
            }),
            ["GETEX", "k", "EXAT", "1700000001"]
        );
        assert_eq!(
            sent(|r| {
                let _ = r.msetex([("a", 1), ("b", 2)], SetOptions::new().xx().ex(S(9)));
            }),
            ["MSETEX", "2", "a", "1", "b", "2", "XX", "EX", "9"]
        );
        assert_eq!(
            sent(|r| {
                let _ = r.psetex("k", Duration::from_micros(1_500), "v");
            }),
            ["PSETEX", "k", "2", "v"]
        );
        assert_eq!(
            sent(|r| {
                let _ = r.setex("k", Duration::from_millis(1_500), "v");
            }),
            ["SETEX", "k", "2", "v"]
        );
        assert_eq!(
            sent(|r| {
                let _ = r.lcs_idx("a", "b", 3);
            }),
            ["LCS", "a", "b", "IDX", "MINMATCHLEN", "3", "WITHMATCHLEN"]
        );
        assert_eq!(
            sent(|r| {
                let _ = r.lcs_idx("a", "b", 0);
            }),
            ["LCS", "a", "b", "IDX", "WITHMATCHLEN"]
        );
        assert_eq!(
            sent(|r| {
                let _ = r.lcs_len("a", "b");
            }),
            ["LCS", "a", "b", "LEN"]
        );
    }

    /// Calls that must be refused: nothing reaches the recorder.
    #[test]
    fn refused_calls_send_nothing() {
        type Refused = fn(&mut Recorder) -> crate::Result<()>;
        let refused: &[(&str, Refused)] = &[
            ("SET options", |r| {
                r.set_options("k", "v", SetOptions::new().nx().xx())
                    .map(drop)
            }),
            ("SET options", |r| {
                r.set_get::<Value>("k", "v", SetOptions::new().ex(S(1)).pxat(UNIX_EPOCH + S(9)))
                    .map(drop)
            }),
            ("SET EX", |r| {
                r.set_options("k", "v", SetOptions::new().ex(Duration::ZERO))
                    .map(drop)
            }),
            ("GETEX PX", |r| {
                r.getex::<Value>("k", GetExpiry::Px(Duration::ZERO))
                    .map(drop)
            }),
            ("GETEX EXAT", |r| {
                r.getex::<Value>("k", GetExpiry::ExAt(UNIX_EPOCH)).map(drop)
            }),
            ("MSETEX", |r| {
                r.msetex(Vec::<(&str, &str)>::new(), SetOptions::new())
                    .map(drop)
            }),
            ("MSETEX", |r| {
                r.msetex(["a", "1", "b"], SetOptions::new()).map(drop)
            }),
            ("MSETEX options", |r| {
                r.msetex([("a", 1)], SetOptions::new().ifeq("x")).map(drop)
            }),
            ("MSETEX options", |r| {
                r.msetex([("a", 1)], SetOptions::new().nx().xx()).map(drop)
            }),
            ("PSETEX milliseconds", |r| {
                r.psetex("k", Duration::ZERO, "v")
            }),
            ("SETEX seconds", |r| r.setex("k", Duration::ZERO, "v")),
        ];
        for (part, call) in refused {
            let mut r = Recorder::default();
            let e = call(&mut r).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidInput, "{part}: {e}");
            assert!(
                e.to_string().starts_with(&format!("invalid {part}:")),
                "{part}: {e}"
            );
            assert!(r.sent.is_empty(), "{part}: sent {:?}", r.sent.len());
        }
    }
}
