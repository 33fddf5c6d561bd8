//! The `hyperloglog` group of the Redis documentation: estimates of how many distinct elements were added.

#![allow(unused_imports)]

use super::Method;
use crate::commands::args::{ArgWriter, One, ToArg, ToArgs};
use crate::commands::cmd::Request;
use crate::commands::core::Commands;
use crate::commands::reply::FromValue;
use crate::commands::table::spec;

/// The `hyperloglog` commands: estimates of how many distinct elements were added.
///
/// Implemented for every [`Commands`] receiver (a connection, a client, a pipeline), so each
/// method sends the command and returns `Result<T>`, or queues it. Bring every group into scope
/// with `use redisync::prelude::*`.
///
/// A HyperLogLog counts distinct elements in at most 12 KB, with a standard error of 0.81%.
///
/// ```no_run
/// use redisync::prelude::*;
///
/// let client = Client::open("redis://127.0.0.1")?;
/// client.pfadd("visitors:mon", ["alice", "bob"])?;
/// client.pfadd("visitors:tue", ["bob", "carol"])?;
/// let this_week: u64 = client.pfcount(["visitors:mon", "visitors:tue"])?; // about 3
/// # let _ = this_week;
/// # Ok::<(), redisync::Error>(())
/// ```
pub trait HyperLogLogCommands: Commands {
    /// `PFADD key [element ...]`: adds the elements (creating the key when it does not
    /// exist); returns whether the estimate changed (or the key was created).
    /// <https://redis.io/docs/latest/commands/pfadd/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type, or a string that is not a HyperLogLog.
    fn pfadd(self, key: impl ToArg, elements: impl ToArgs) -> Self::Output<bool> {
        self.run(&Request::new(&spec::PFADD, &(One(&key), &elements)))
    }

    /// `PFCOUNT key [key ...]`: the estimated number of distinct elements added to the keys
    /// (to their union for several; a missing key counts as empty).
    /// <https://redis.io/docs/latest/commands/pfcount/>
    ///
    /// # Errors
    /// `WRONGTYPE` when a key holds another type, or a string that is not a HyperLogLog.
    fn pfcount(self, keys: impl ToArgs) -> Self::Output<u64> {
        self.run(&Request::new(&spec::PFCOUNT, &keys))
    }

    /// `PFMERGE destkey [sourcekey ...]`: stores the union of the sources in `destkey`
    /// (merged with what `destkey` already holds).
    /// <https://redis.io/docs/latest/commands/pfmerge/>
    ///
    /// # Errors
    /// `WRONGTYPE` when a key holds another type, or a string that is not a HyperLogLog.
    fn pfmerge(self, destkey: impl ToArg, sourcekeys: impl ToArgs) -> Self::Output<()> {
        self.run(&Request::new(&spec::PFMERGE, &(One(&destkey), &sourcekeys)))
    }
}

impl<C: Commands> HyperLogLogCommands for C {}

/// This group's methods and the command each sends.
pub(crate) const METHODS: &[Method] = &[
    ("pfadd", &spec::PFADD),
    ("pfcount", &spec::PFCOUNT),
    ("pfmerge", &spec::PFMERGE),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::groups::check::{self, Call, sent};

    #[test]
    fn every_method_sends_its_command() {
        let calls: &[Call] = &[
            ("pfadd", |r| {
                let _ = r.pfadd("k", ["a", "b"]);
            }),
            ("pfcount", |r| {
                let _ = r.pfcount(["k", "l"]);
            }),
            ("pfmerge", |r| {
                let _ = r.pfmerge("d", ["k", "l"]);
            }),
        ];
        check::methods(METHODS, calls);
        assert_eq!(
            sent(|r| {
                let _ = r.pfadd("k", ());
            }),
            ["PFADD", "k"]
        );
    }
}
