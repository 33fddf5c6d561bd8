//! The `generic` group of the Redis documentation: commands about keys whatever they hold: delete, expire, rename, copy, sort, inspect.

#![allow(unused_imports)]

use super::Method;
use std::time::Duration;

use super::shared::{Ttl, seconds_to_millis, whole_seconds};
use crate::commands::args::{ArgWriter, One, ToArg, ToArgs};
use crate::commands::cmd::Request;
use crate::commands::core::Commands;
use crate::commands::reply::FromValue;
use crate::commands::table::spec;

/// The `generic` commands: commands about keys whatever they hold: delete, expire, rename, copy, sort, inspect.
///
/// Implemented for every [`Commands`] receiver (a connection, a client, a pipeline), so each
/// method sends the command and returns `Result<T>`, or queues it. Bring every group into scope
/// with `use redisync::prelude::*`.
pub trait KeyCommands: Commands {
    /// `DEL key [key ...]`: how many of the keys existed and were removed.
    /// <https://redis.io/commands/del>
    fn del(self, keys: impl ToArgs) -> Self::Output<u64> {
        self.run(&Request::new(&spec::DEL, &keys))
    }

    /// `EXISTS key [key ...]`: how many of the keys exist (a key named twice counts twice).
    /// <https://redis.io/commands/exists>
    fn exists(self, keys: impl ToArgs) -> Self::Output<u64> {
        self.run(&Request::new(&spec::EXISTS, &keys))
    }

    /// `EXPIRE key seconds`: whether the timeout was set (`false` when the key does not exist).
    /// The time is sent in whole seconds, rounded up.
    /// <https://redis.io/commands/expire>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a zero duration (Redis
    /// would delete the key: use `del`).
    fn expire(self, key: impl ToArg, ttl: Duration) -> Self::Output<bool> {
        match whole_seconds("expire", ttl) {
            Ok(secs) => self.run(&Request::new(&spec::EXPIRE, &(One(&key), secs))),
            Err(e) => self.refuse(e),
        }
    }

    /// `TTL key`: how long the key has left ([`Ttl`]: missing, no expiry, or a duration).
    /// <https://redis.io/commands/ttl>
    fn ttl(self, key: impl ToArg) -> Self::Output<Ttl> {
        self.run(&Request::new(&spec::TTL, &(One(&key))).shaped(seconds_to_millis))
    }
}

impl<C: Commands> KeyCommands for C {}

/// This group's methods and the command each sends.
pub(crate) const METHODS: &[Method] = &[
    ("del", &spec::DEL),
    ("exists", &spec::EXISTS),
    ("expire", &spec::EXPIRE),
    ("ttl", &spec::TTL),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::groups::check::{self, Call};
    use crate::resp::Value;

    #[test]
    fn every_method_sends_its_command() {
        let calls: &[Call] = &[
            ("del", |r| {
                let _ = r.del("k");
            }),
            ("exists", |r| {
                let _ = r.exists("k");
            }),
            ("expire", |r| {
                let _ = r.expire("k", std::time::Duration::from_secs(5));
            }),
            ("ttl", |r| {
                let _ = r.ttl("k");
            }),
        ];
        check::methods(METHODS, calls);
    }
}
