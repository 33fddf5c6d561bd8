//! The `string` group of the Redis documentation: values stored under a key: get and set them, count with them, take parts of them.

#![allow(unused_imports)]

use super::Method;
use crate::commands::args::{ArgWriter, One, ToArg, ToArgs};
use crate::commands::cmd::Request;
use crate::commands::core::Commands;
use crate::commands::reply::FromValue;
use crate::commands::table::spec;

/// The `string` commands: values stored under a key: get and set them, count with them, take parts of them.
///
/// Implemented for every [`Commands`] receiver (a connection, a client, a pipeline), so each
/// method sends the command and returns `Result<T>`, or queues it. Bring every group into scope
/// with `use redisync::prelude::*`.
pub trait StringCommands: Commands {
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
        self.run(&Request::new(&spec::MGET, &keys))
    }

    /// `MSET key value [key value ...]`, from pairs: `conn.mset(&[("a", 1), ("b", 2)])`.
    /// <https://redis.io/commands/mset>
    fn mset(self, pairs: impl ToArgs) -> Self::Output<()> {
        self.run(&Request::new(&spec::MSET, &pairs))
    }
}

impl<C: Commands> StringCommands for C {}

/// Options for [`StringCommands::set_options`] and [`StringCommands::set_get`].
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

/// This group's methods and the command each sends.
pub(crate) const METHODS: &[Method] = &[
    ("get", &spec::GET),
    ("set", &spec::SET),
    ("set_options", &spec::SET),
    ("set_get", &spec::SET),
    ("incr", &spec::INCR),
    ("incr_by", &spec::INCRBY),
    ("mget", &spec::MGET),
    ("mset", &spec::MSET),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::groups::check::{self, Call};
    use crate::resp::Value;

    #[test]
    fn every_method_sends_its_command() {
        let calls: &[Call] = &[
            ("get", |r| {
                let _ = r.get::<Value>("k");
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
            ("incr", |r| {
                let _ = r.incr("k");
            }),
            ("incr_by", |r| {
                let _ = r.incr_by("k", 2);
            }),
            ("mget", |r| {
                let _ = r.mget::<Value>(["a", "b"]);
            }),
            ("mset", |r| {
                let _ = r.mset([("a", 1)]);
            }),
        ];
        check::methods(METHODS, calls);
    }

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
