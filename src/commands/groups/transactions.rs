//! The `transactions` group of the Redis documentation: `WATCH` and `UNWATCH` (`MULTI`/`EXEC` are [`Pipeline::atomic`](crate::Pipeline::atomic) and [`transaction`](crate::transaction)).

#![allow(unused_imports)]

use super::Method;
use crate::commands::args::{ArgWriter, One, ToArg, ToArgs};
use crate::commands::cmd::Request;
use crate::commands::core::Commands;
use crate::commands::reply::FromValue;
use crate::commands::table::spec;

/// The `transactions` commands: `WATCH` and `UNWATCH` (`MULTI`/`EXEC` are [`Pipeline::atomic`](crate::Pipeline::atomic) and [`transaction`](crate::transaction)).
///
/// Implemented for every [`Commands`] receiver (a connection, a client, a pipeline), so each
/// method sends the command and returns `Result<T>`, or queues it. Bring every group into scope
/// with `use redisync::prelude::*`.
pub trait TransactionCommands: Commands {
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

impl<C: Commands> TransactionCommands for C {}

/// This group's methods and the command each sends.
pub(crate) const METHODS: &[Method] = &[("watch", &spec::WATCH), ("unwatch", &spec::UNWATCH)];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::groups::check::{self, Call};
    use crate::resp::Value;

    #[test]
    fn every_method_sends_its_command() {
        let calls: &[Call] = &[
            ("watch", |r| {
                let _ = r.watch("k");
            }),
            ("unwatch", |r| {
                let _ = r.unwatch();
            }),
        ];
        check::methods(METHODS, calls);
    }
}
