//! The `connection` group of the Redis documentation: the connection itself: `PING`, `ECHO`, `AUTH`, `HELLO`, `SELECT`, `CLIENT`.

#![allow(unused_imports)]

use super::Method;
use crate::commands::args::{ArgWriter, One, ToArg, ToArgs};
use crate::commands::cmd::Request;
use crate::commands::core::Commands;
use crate::commands::reply::FromValue;
use crate::commands::table::spec;

/// The `connection` commands: the connection itself: `PING`, `ECHO`, `AUTH`, `HELLO`, `SELECT`, `CLIENT`.
///
/// Implemented for every [`Commands`] receiver (a connection, a client, a pipeline), so each
/// method sends the command and returns `Result<T>`, or queues it. Bring every group into scope
/// with `use redisync::prelude::*`.
pub trait ConnectionCommands: Commands {
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
}

impl<C: Commands> ConnectionCommands for C {}

/// This group's methods and the command each sends.
pub(crate) const METHODS: &[Method] = &[("ping", &spec::PING), ("echo", &spec::ECHO)];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::groups::check::{self, Call};
    use crate::resp::Value;

    #[test]
    fn every_method_sends_its_command() {
        let calls: &[Call] = &[
            ("ping", |r| {
                let _ = r.ping();
            }),
            ("echo", |r| {
                let _ = r.echo::<Value>("x");
            }),
        ];
        check::methods(METHODS, calls);
    }
}
