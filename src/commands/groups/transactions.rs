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
/// with `use redisync::prelude::*`. `WATCH` belongs to one connection: on a [`Client`](crate::Client)
/// use it through [`Client::get_connection`](crate::Client::get_connection) or
/// [`Client::transaction`](crate::Client::transaction), never on the client itself, whose
/// calls may each take another pooled connection.
///
/// ```no_run
/// use redisync::prelude::*;
///
/// let client = Client::open("redis://127.0.0.1")?;
/// let mut conn = client.get_connection()?;
/// conn.watch("stock")?;
/// let stock: i64 = conn.get("stock")?.unwrap_or(0);
/// if stock == 0 {
///     // Nothing to do: forget the watch rather than leave it for the next EXEC.
///     conn.unwatch()?;
/// }
/// # Ok::<(), redisync::Error>(())
/// ```
pub trait TransactionCommands: Commands {
    /// `WATCH key [key ...]`: make the next `EXEC` on this connection fail if any of the keys
    /// changes first. Mostly used through [`transaction`](crate::transaction).
    /// <https://redis.io/docs/latest/commands/watch/>
    fn watch(self, keys: impl ToArgs) -> Self::Output<()> {
        self.run(&Request::new(&spec::WATCH, &keys))
    }

    /// `UNWATCH`: forget every watched key.
    /// <https://redis.io/docs/latest/commands/unwatch/>
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
