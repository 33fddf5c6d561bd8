//! One method per Redis command.

use super::Execute;
use super::args::{Name, One, ToArg, ToArgs};
use super::cmd::Request;
use super::reply::FromValue;
use crate::error::{Error, Result};
use crate::resp::Value;

/// A command name, encoded at compile time.
macro_rules! name {
    ($name:literal) => {
        const { Name::new($name) }
    };
}

/// Sends one command built from `args` and converts the reply.
#[inline]
fn call<E: Execute + ?Sized, T: FromValue>(e: &mut E, args: &dyn ToArgs) -> Result<T> {
    T::from_value(e.execute(&Request::new(args))?)
}

/// Typed Redis commands. Implemented for `&mut Connection`, so call them on a connection:
/// `conn.incr("hits")?`.
///
/// Links point to each command's page in the Redis documentation.
pub trait Commands: Execute + Sized {
    /// `PING`: checks the connection; succeeds when the server answers `PONG`.
    /// <https://redis.io/commands/ping>
    fn ping(mut self) -> Result<()> {
        match self.execute(&Request::new(&(name!("PING"),)))? {
            Value::SimpleString(s) if s == b"PONG" => Ok(()),
            other => Err(Error::conversion("PONG", other.describe())),
        }
    }

    /// `ECHO message`: the server sends the message back.
    /// <https://redis.io/commands/echo>
    fn echo<T: FromValue>(mut self, message: impl ToArg) -> Result<T> {
        call(&mut self, &(name!("ECHO"), One(&message)))
    }

    /// `GET key`: the value, or `None` when the key does not exist.
    /// <https://redis.io/commands/get>
    fn get<T: FromValue>(mut self, key: impl ToArg) -> Result<Option<T>> {
        call(&mut self, &(name!("GET"), One(&key)))
    }

    /// `SET key value`.
    /// <https://redis.io/commands/set>
    fn set(mut self, key: impl ToArg, value: impl ToArg) -> Result<()> {
        call(&mut self, &(name!("SET"), One(&key), One(&value)))
    }

    /// `SET key value [NX|XX] [EX|PX|EXAT|PXAT|KEEPTTL]`: returns whether the value was set
    /// (`false` when `NX` or `XX` prevented it).
    /// <https://redis.io/commands/set>
    fn set_options(
        mut self,
        key: impl ToArg,
        value: impl ToArg,
        options: SetOptions,
    ) -> Result<bool> {
        call(&mut self, &(name!("SET"), One(&key), One(&value), &options))
    }

    /// `SET key value ... GET`: sets the value and returns the old one (`None` if the key did not
    /// exist). With `NX` or `XX` the old value is returned whether or not the set happened.
    /// <https://redis.io/commands/set>
    fn set_get<T: FromValue>(
        mut self,
        key: impl ToArg,
        value: impl ToArg,
        options: SetOptions,
    ) -> Result<Option<T>> {
        call(
            &mut self,
            &(name!("SET"), One(&key), One(&value), &options, name!("GET")),
        )
    }

    /// `DEL key [key ...]`: how many of the keys existed and were removed.
    /// <https://redis.io/commands/del>
    fn del(mut self, keys: impl ToArgs) -> Result<u64> {
        call(&mut self, &(name!("DEL"), &keys))
    }

    /// `EXISTS key [key ...]`: how many of the keys exist (a key named twice counts twice).
    /// <https://redis.io/commands/exists>
    fn exists(mut self, keys: impl ToArgs) -> Result<u64> {
        call(&mut self, &(name!("EXISTS"), &keys))
    }

    /// `EXPIRE key seconds`: whether the timeout was set (`false` when the key does not exist).
    /// A zero or negative time deletes the key.
    /// <https://redis.io/commands/expire>
    fn expire(mut self, key: impl ToArg, seconds: i64) -> Result<bool> {
        call(&mut self, &(name!("EXPIRE"), One(&key), &seconds))
    }

    /// `TTL key`: seconds to live; `-1` when the key has no expiry, `-2` when it does not exist.
    /// <https://redis.io/commands/ttl>
    fn ttl(mut self, key: impl ToArg) -> Result<i64> {
        call(&mut self, &(name!("TTL"), One(&key)))
    }

    /// `INCR key`: the value after adding one.
    /// <https://redis.io/commands/incr>
    fn incr(mut self, key: impl ToArg) -> Result<i64> {
        call(&mut self, &(name!("INCR"), One(&key)))
    }

    /// `INCRBY key delta`: the value after adding `delta`.
    /// <https://redis.io/commands/incrby>
    fn incr_by(mut self, key: impl ToArg, delta: i64) -> Result<i64> {
        call(&mut self, &(name!("INCRBY"), One(&key), &delta))
    }

    /// `MGET key [key ...]`: each key's value, `None` where a key does not exist.
    /// <https://redis.io/commands/mget>
    fn mget<T: FromValue>(mut self, keys: impl ToArgs) -> Result<Vec<Option<T>>> {
        call(&mut self, &(name!("MGET"), &keys))
    }

    /// `MSET key value [key value ...]`, from pairs: `conn.mset(&[("a", 1), ("b", 2)])`.
    /// <https://redis.io/commands/mset>
    fn mset(mut self, pairs: impl ToArgs) -> Result<()> {
        call(&mut self, &(name!("MSET"), &pairs))
    }
}

impl<E: Execute + ?Sized> Commands for &mut E {}

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
    fn arg_count(&self) -> usize {
        let expiry = match self.expiry {
            Some(("KEEPTTL", _)) => 1,
            Some(_) => 2,
            None => 0,
        };
        usize::from(self.condition.is_some()) + expiry
    }

    fn write_args(&self, out: &mut Vec<u8>) {
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
        o.write_args(&mut out);
        assert_eq!(out.iter().filter(|b| **b == b'$').count(), o.arg_count());
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
