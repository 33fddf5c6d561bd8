//! One method per Redis command.

use super::Execute;
use super::args::{ArgWriter, One, ToArg, ToArgs};
use super::cmd::Request;
use super::reply::FromValue;
use super::table::spec;
use crate::error::Result;

/// Typed Redis commands, one method per command.
///
/// Implemented for `&mut Connection` and (through the pool) a shared `&Client`, where each
/// method sends the command and returns `Result<T>` with the type Redis fixes for it
/// (`conn.incr("hits")?` is an `i64`), and for pipelines, where each method queues the command
/// and returns the pipeline so calls chain. A type parameter appears only where the payload is
/// the caller's own (`get::<T>`).
///
/// Links point to each command's page in the Redis documentation.
pub trait Commands: Sized {
    /// What each method returns: `Result<T>` on a connection or client; the pipeline itself on
    /// a pipeline.
    type Output<T: FromValue>;

    /// Sends (or queues) one request whose reply converts to `T`: the one method an
    /// implementation provides.
    #[doc(hidden)]
    fn run<T: FromValue>(self, request: &Request<'_>) -> Self::Output<T>;

    /// `PING`: checks the connection.
    /// <https://redis.io/commands/ping>
    fn ping(self) -> Self::Output<()> {
        self.run(&Request::new(&spec::PING, &()))
    }

    /// `ECHO message`: the server sends the message back.
    /// <https://redis.io/commands/echo>
    fn echo<T: FromValue>(self, message: impl ToArg) -> Self::Output<T> {
        self.run(&Request::new(&spec::ECHO, &(One(&message))))
    }

    /// `GET key`: the value, or `None` when the key does not exist.
    /// <https://redis.io/commands/get>
    fn get<T: FromValue>(self, key: impl ToArg) -> Self::Output<Option<T>> {
        self.run(&Request::new(&spec::GET, &(One(&key))))
    }

    /// `SET key value`.
    /// <https://redis.io/commands/set>
    fn set(self, key: impl ToArg, value: impl ToArg) -> Self::Output<()> {
        self.run(&Request::new(&spec::SET, &(One(&key), One(&value))))
    }

    /// `SET key value [NX|XX] [EX|PX|EXAT|PXAT|KEEPTTL]`: returns whether the value was set
    /// (`false` when `NX` or `XX` prevented it).
    /// <https://redis.io/commands/set>
    fn set_options(
        self,
        key: impl ToArg,
        value: impl ToArg,
        options: SetOptions,
    ) -> Self::Output<bool> {
        self.run(&Request::new(
            &spec::SET,
            &(One(&key), One(&value), &options),
        ))
    }

    /// `SET key value ... GET`: sets the value and returns the old one (`None` if the key did not
    /// exist). With `NX` or `XX` the old value is returned whether or not the set happened.
    /// <https://redis.io/commands/set>
    fn set_get<T: FromValue>(
        self,
        key: impl ToArg,
        value: impl ToArg,
        options: SetOptions,
    ) -> Self::Output<Option<T>> {
        self.run(&Request::new(
            &spec::SET,
            &(One(&key), One(&value), &options, "GET"),
        ))
    }

    /// `DEL key [key ...]`: how many of the keys existed and were removed.
    /// <https://redis.io/commands/del>
    fn del(self, keys: impl ToArgs) -> Self::Output<u64> {
        self.run(&Request::new(&spec::DEL, &(&keys)))
    }

    /// `EXISTS key [key ...]`: how many of the keys exist (a key named twice counts twice).
    /// <https://redis.io/commands/exists>
    fn exists(self, keys: impl ToArgs) -> Self::Output<u64> {
        self.run(&Request::new(&spec::EXISTS, &(&keys)))
    }

    /// `EXPIRE key seconds`: whether the timeout was set (`false` when the key does not exist).
    /// A zero or negative time deletes the key.
    /// <https://redis.io/commands/expire>
    fn expire(self, key: impl ToArg, seconds: i64) -> Self::Output<bool> {
        self.run(&Request::new(&spec::EXPIRE, &(One(&key), &seconds)))
    }

    /// `TTL key`: seconds to live; `-1` when the key has no expiry, `-2` when it does not exist.
    /// <https://redis.io/commands/ttl>
    fn ttl(self, key: impl ToArg) -> Self::Output<i64> {
        self.run(&Request::new(&spec::TTL, &(One(&key))))
    }

    /// `INCR key`: the value after adding one.
    /// <https://redis.io/commands/incr>
    fn incr(self, key: impl ToArg) -> Self::Output<i64> {
        self.run(&Request::new(&spec::INCR, &(One(&key))))
    }

    /// `INCRBY key delta`: the value after adding `delta`.
    /// <https://redis.io/commands/incrby>
    fn incr_by(self, key: impl ToArg, delta: i64) -> Self::Output<i64> {
        self.run(&Request::new(&spec::INCRBY, &(One(&key), &delta)))
    }

    /// `MGET key [key ...]`: each key's value, `None` where a key does not exist.
    /// <https://redis.io/commands/mget>
    fn mget<T: FromValue>(self, keys: impl ToArgs) -> Self::Output<Vec<Option<T>>> {
        self.run(&Request::new(&spec::MGET, &(&keys)))
    }

    /// `MSET key value [key value ...]`, from pairs: `conn.mset(&[("a", 1), ("b", 2)])`.
    /// <https://redis.io/commands/mset>
    fn mset(self, pairs: impl ToArgs) -> Self::Output<()> {
        self.run(&Request::new(&spec::MSET, &(&pairs)))
    }

    /// `WATCH key [key ...]`: make the next `EXEC` on this connection fail if any of the keys
    /// changes first. Mostly used through [`transaction`](crate::transaction).
    /// <https://redis.io/commands/watch>
    fn watch(self, keys: impl ToArgs) -> Self::Output<()> {
        self.run(&Request::new(&spec::WATCH, &keys))
    }

    /// `UNWATCH`: forget every watched key.
    /// <https://redis.io/commands/unwatch>
    fn unwatch(self) -> Self::Output<()> {
        self.run(&Request::new(&spec::UNWATCH, &()))
    }
}

impl<E: Execute + ?Sized> Commands for &mut E {
    type Output<T: FromValue> = Result<T>;

    #[inline]
    fn run<T: FromValue>(self, request: &Request<'_>) -> Result<T> {
        T::from_value(self.execute(request)?)
    }
}

/// Options for [`Commands::set_options`] and [`Commands::set_get`].
///
/// ```
/// use redisync::SetOptions;
/// let only_new_for_a_minute = SetOptions::new().nx().ex(60);
/// # let _ = only_new_for_a_minute;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SetOptions {
    condition: Option<&'static str>,
    expiry: Option<(&'static str, u64)>,
}

impl SetOptions {
    /// No condition, no expiry.
    pub fn new() -> SetOptions {
        SetOptions::default()
    }
    /// `NX`: only set a key that does not exist.
    pub fn nx(mut self) -> SetOptions {
        self.condition = Some("NX");
        self
    }
    /// `XX`: only set a key that already exists.
    pub fn xx(mut self) -> SetOptions {
        self.condition = Some("XX");
        self
    }
    /// `EX seconds`: expire after this many seconds.
    pub fn ex(mut self, seconds: u64) -> SetOptions {
        self.expiry = Some(("EX", seconds));
        self
    }
    /// `PX milliseconds`: expire after this many milliseconds.
    pub fn px(mut self, milliseconds: u64) -> SetOptions {
        self.expiry = Some(("PX", milliseconds));
        self
    }
    /// `EXAT timestamp`: expire at this Unix time, in seconds.
    pub fn exat(mut self, unix_seconds: u64) -> SetOptions {
        self.expiry = Some(("EXAT", unix_seconds));
        self
    }
    /// `PXAT timestamp`: expire at this Unix time, in milliseconds.
    pub fn pxat(mut self, unix_milliseconds: u64) -> SetOptions {
        self.expiry = Some(("PXAT", unix_milliseconds));
        self
    }
    /// `KEEPTTL`: keep the key's current time to live.
    pub fn keep_ttl(mut self) -> SetOptions {
        self.expiry = Some(("KEEPTTL", 0));
        self
    }
}

impl ToArgs for SetOptions {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        self.condition.write_args(out);
        match self.expiry {
            Some(("KEEPTTL", _)) => "KEEPTTL".write_args(out),
            Some((word, n)) => (word, n).write_args(out),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(o: &SetOptions) -> String {
        let mut out = Vec::new();
        let mut w = ArgWriter::new(&mut out);
        o.write_args(&mut w);
        let n = w.count();
        assert_eq!(out.iter().filter(|b| **b == b'$').count(), n);
        assert_eq!(n, o.arg_count());
        String::from_utf8(out).unwrap().replace("\r\n", " ")
    }

    #[test]
    fn set_options_write_their_words() {
        assert_eq!(encode(&SetOptions::new()), "");
        assert_eq!(encode(&SetOptions::new().nx().ex(5)), "$2 NX $2 EX $1 5 ");
        assert_eq!(
            encode(&SetOptions::new().xx().keep_ttl()),
            "$2 XX $7 KEEPTTL "
        );
        assert_eq!(encode(&SetOptions::new().pxat(1)), "$4 PXAT $1 1 ");
        // The last expiry wins, as one SET takes only one.
        assert_eq!(encode(&SetOptions::new().ex(1).px(2)), "$2 PX $1 2 ");
    }
}
