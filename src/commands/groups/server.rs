//! The `server` group of the Redis documentation: the server commands applications use: `INFO`, `DBSIZE`, `FLUSHDB`, `TIME`, `CONFIG`, `MEMORY USAGE`, `SLOWLOG`, `ROLE`.

pub(super) mod parse;
mod types;

use std::collections::HashMap;
use std::time::SystemTime;

use super::Method;
use crate::commands::args::{One, ToArg, ToArgs};
use crate::commands::cmd::Request;
use crate::commands::core::Commands;
use crate::commands::table::spec;
use crate::error::Error;

pub use types::{ConnectedReplica, FlushMode, Info, KeyspaceInfo, Role, SlowlogEntry};

/// The `server` commands: what the server says about itself (`INFO`, `ROLE`, `TIME`,
/// `SLOWLOG`), its settings (`CONFIG GET`/`SET`), and the whole-database commands (`DBSIZE`,
/// `FLUSHDB`, `SWAPDB`). `WAIT`, `WAITAOF` and `OBJECT` are key commands
/// ([`KeyCommands`](crate::KeyCommands)); the administration commands (`SAVE`, `SHUTDOWN`,
/// `ACL`, `DEBUG`, ...) have no typed method (see [`excluded`](crate::commands::excluded)).
///
/// Implemented for every [`Commands`] receiver (a connection, a client, a pipeline), so each
/// method sends the command and returns `Result<T>`, or queues it. Bring every group into scope
/// with `use redisync::prelude::*`.
///
/// ```no_run
/// use redisync::prelude::*;
/// use redisync::Role;
///
/// let client = Client::open("redis://127.0.0.1")?;
/// let info = client.info_sections(["memory"])?;
/// println!("{:?} bytes used", info.used_memory());
/// let limits = client.config_get(["maxmemory", "maxclients"])?;
/// println!("maxmemory is {}", limits["maxmemory"]);
/// if let Role::Master { replicas, .. } = client.role()? {
///     println!("{} replicas", replicas.len());
/// }
/// # Ok::<(), redisync::Error>(())
/// ```
pub trait ServerCommands: Commands {
    /// `INFO`: the server's default sections, parsed ([`Info`]).
    /// <https://redis.io/docs/latest/commands/info/>
    fn info(self) -> Self::Output<Info> {
        self.run(&Request::new(&spec::INFO, &()))
    }

    /// `INFO section [section ...]`: the named sections (`"memory"`, `"server"`, also `"all"`
    /// and `"everything"`), parsed; none is `INFO`'s default.
    /// <https://redis.io/docs/latest/commands/info/>
    ///
    /// # Errors
    /// Redis 6.2 takes one section only: with more it answers `ERR syntax error`. Several
    /// sections at once are Redis 7.0+.
    fn info_sections(self, sections: impl ToArgs) -> Self::Output<Info> {
        self.run(&Request::new(&spec::INFO, &sections))
    }

    /// `DBSIZE`: how many keys the selected database holds.
    /// <https://redis.io/docs/latest/commands/dbsize/>
    fn dbsize(self) -> Self::Output<u64> {
        self.run(&Request::new(&spec::DBSIZE, &()))
    }

    /// `FLUSHDB [ASYNC|SYNC]`: deletes every key of the selected database; `None` lets the
    /// server's `lazyfree-lazy-user-flush` decide how the memory is freed.
    /// <https://redis.io/docs/latest/commands/flushdb/>
    fn flushdb(self, mode: Option<FlushMode>) -> Self::Output<()> {
        self.run(&Request::new(&spec::FLUSHDB, &mode))
    }

    /// `FLUSHALL [ASYNC|SYNC]`: deletes every key of every database.
    /// <https://redis.io/docs/latest/commands/flushall/>
    fn flushall(self, mode: Option<FlushMode>) -> Self::Output<()> {
        self.run(&Request::new(&spec::FLUSHALL, &mode))
    }

    /// `SWAPDB index1 index2`: swaps two databases, so that clients of one see the other's
    /// keys at once.
    /// <https://redis.io/docs/latest/commands/swapdb/>
    ///
    /// # Errors
    /// `ERR` for an index out of range, and on a cluster node (`SWAPDB is not allowed in
    /// cluster mode`, Valkey 9's `cluster-databases` notwithstanding).
    fn swapdb(self, index1: u32, index2: u32) -> Self::Output<()> {
        self.run(&Request::new(&spec::SWAPDB, &(index1, index2)))
    }

    /// `TIME`: the server's clock, to the microsecond.
    /// <https://redis.io/docs/latest/commands/time/>
    fn time(self) -> Self::Output<SystemTime> {
        self.run(&Request::new(&spec::TIME, &()))
    }

    /// `LASTSAVE`: when the last successful save to disk happened (the server's start when it
    /// never saved), to the second.
    /// <https://redis.io/docs/latest/commands/lastsave/>
    fn lastsave(self) -> Self::Output<SystemTime> {
        self.run(&Request::new(&spec::LASTSAVE, &()))
    }

    /// `CONFIG GET pattern [pattern ...]`: every setting matching a pattern (glob-style:
    /// `"max*"`), by name; an empty map when none matches.
    /// <https://redis.io/docs/latest/commands/config-get/>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for no pattern at all,
    /// before anything is sent. Redis 6.2 takes one pattern only: with more it answers `ERR
    /// Unknown subcommand or wrong number of arguments`; several patterns are Redis 7.0+.
    fn config_get(self, patterns: impl ToArgs) -> Self::Output<HashMap<String, String>> {
        if patterns.arg_count() == 0 {
            return self.refuse(Error::invalid("CONFIG GET", "needs at least one pattern"));
        }
        self.run(&Request::new(&spec::CONFIG_GET, &patterns))
    }

    /// `CONFIG SET parameter value [parameter value ...]`: changes settings at run time, each
    /// pair a name and its value (`[("maxmemory", "100mb")]`, `("maxclients", 50)`); all or
    /// none are applied.
    /// <https://redis.io/docs/latest/commands/config-set/>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for no pair or an odd
    /// number of arguments, before anything is sent; `ERR` for an unknown parameter or a bad
    /// value. Redis 6.2 takes one pair only; several at once are Redis 7.0+.
    fn config_set(self, pairs: impl ToArgs) -> Self::Output<()> {
        let n = pairs.arg_count();
        if n == 0 || n % 2 != 0 {
            return self.refuse(Error::invalid(
                "CONFIG SET",
                "needs parameter-value pairs: an even, non-zero number of arguments",
            ));
        }
        self.run(&Request::new(&spec::CONFIG_SET, &pairs))
    }

    /// `MEMORY USAGE key [SAMPLES count]`: the bytes a key and its value take, `None` when the
    /// key does not exist. For aggregates the server samples `samples` elements (its default is
    /// 5; `Some(0)` measures every element).
    /// <https://redis.io/docs/latest/commands/memory-usage/>
    fn memory_usage(self, key: impl ToArg, samples: Option<u64>) -> Self::Output<Option<u64>> {
        let samples = samples.map(|n| ("SAMPLES", n));
        self.run(&Request::new(&spec::MEMORY_USAGE, &(One(&key), samples)))
    }

    /// `SLOWLOG GET [count]`: the latest `count` entries of the slow log, newest first (`None`:
    /// every entry kept, which sends `-1`).
    /// <https://redis.io/docs/latest/commands/slowlog-get/>
    fn slowlog_get(self, count: Option<u64>) -> Self::Output<Vec<SlowlogEntry>> {
        match count {
            Some(n) => self.run(&Request::new(&spec::SLOWLOG_GET, &n)),
            None => self.run(&Request::new(&spec::SLOWLOG_GET, &"-1")),
        }
    }

    /// `SLOWLOG LEN`: how many entries the slow log holds.
    /// <https://redis.io/docs/latest/commands/slowlog-len/>
    fn slowlog_len(self) -> Self::Output<u64> {
        self.run(&Request::new(&spec::SLOWLOG_LEN, &()))
    }

    /// `SLOWLOG RESET`: empties the slow log.
    /// <https://redis.io/docs/latest/commands/slowlog-reset/>
    fn slowlog_reset(self) -> Self::Output<()> {
        self.run(&Request::new(&spec::SLOWLOG_RESET, &()))
    }

    /// `ROLE`: whether the server is a primary (with its replicas), a replica (with its
    /// primary and link state) or a Sentinel ([`Role`]).
    /// <https://redis.io/docs/latest/commands/role/>
    fn role(self) -> Self::Output<Role> {
        self.run(&Request::new(&spec::ROLE, &()))
    }
}

impl<C: Commands> ServerCommands for C {}

/// This group's methods and the command each sends.
pub(crate) const METHODS: &[Method] = &[
    ("info", &spec::INFO),
    ("info_sections", &spec::INFO),
    ("dbsize", &spec::DBSIZE),
    ("flushdb", &spec::FLUSHDB),
    ("flushall", &spec::FLUSHALL),
    ("swapdb", &spec::SWAPDB),
    ("time", &spec::TIME),
    ("lastsave", &spec::LASTSAVE),
    ("config_get", &spec::CONFIG_GET),
    ("config_set", &spec::CONFIG_SET),
    ("memory_usage", &spec::MEMORY_USAGE),
    ("slowlog_get", &spec::SLOWLOG_GET),
    ("slowlog_len", &spec::SLOWLOG_LEN),
    ("slowlog_reset", &spec::SLOWLOG_RESET),
    ("role", &spec::ROLE),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::commands::groups::check::Recorder;
    use crate::commands::groups::check::{self, Call};

    #[test]
    fn every_method_sends_its_command() {
        let calls: &[Call] = &[
            ("info", |r| {
                let _ = r.info();
            }),
            ("info_sections", |r| {
                let _ = r.info_sections(["memory", "server"]);
            }),
            ("dbsize", |r| {
                let _ = r.dbsize();
            }),
            ("flushdb", |r| {
                let _ = r.flushdb(None);
            }),
            ("flushall", |r| {
                let _ = r.flushall(Some(FlushMode::Async));
            }),
            ("swapdb", |r| {
                let _ = r.swapdb(0, 1);
            }),
            ("time", |r| {
                let _ = r.time();
            }),
            ("lastsave", |r| {
                let _ = r.lastsave();
            }),
            ("config_get", |r| {
                let _ = r.config_get("maxmemory");
            }),
            ("config_set", |r| {
                let _ = r.config_set(("maxmemory", 0));
            }),
            ("memory_usage", |r| {
                let _ = r.memory_usage("k", None);
            }),
            ("slowlog_get", |r| {
                let _ = r.slowlog_get(Some(3));
            }),
            ("slowlog_len", |r| {
                let _ = r.slowlog_len();
            }),
            ("slowlog_reset", |r| {
                let _ = r.slowlog_reset();
            }),
            ("role", |r| {
                let _ = r.role();
            }),
        ];
        check::methods(METHODS, calls);
    }

    #[test]
    fn options_write_their_words() {
        assert_eq!(
            check::sent(|r| drop(r.flushdb(Some(FlushMode::Sync)))),
            ["FLUSHDB", "SYNC"]
        );
        assert_eq!(check::sent(|r| drop(r.flushall(None))), ["FLUSHALL"]);
        assert_eq!(check::sent(|r| drop(r.info())), ["INFO"]);
        assert_eq!(
            check::sent(|r| drop(r.info_sections(["memory", "cpu"]))),
            ["INFO", "memory", "cpu"]
        );
        assert_eq!(
            check::sent(|r| drop(r.memory_usage("k", Some(0)))),
            ["MEMORY", "USAGE", "k", "SAMPLES", "0"]
        );
        assert_eq!(
            check::sent(|r| drop(r.memory_usage("k", None))),
            ["MEMORY", "USAGE", "k"]
        );
        assert_eq!(
            check::sent(|r| drop(r.slowlog_get(None))),
            ["SLOWLOG", "GET", "-1"]
        );
        assert_eq!(
            check::sent(|r| drop(r.slowlog_get(Some(5)))),
            ["SLOWLOG", "GET", "5"]
        );
        assert_eq!(
            check::sent(|r| drop(r.config_get(["max*", "port"]))),
            ["CONFIG", "GET", "max*", "port"]
        );
        assert_eq!(
            check::sent(|r| drop(r.config_set([("a", "1"), ("b", "2")]))),
            ["CONFIG", "SET", "a", "1", "b", "2"]
        );
        assert_eq!(check::sent(|r| drop(r.swapdb(2, 3))), ["SWAPDB", "2", "3"]);
    }

    #[test]
    fn config_without_arguments_is_refused_before_sending() {
        let mut r = Recorder::default();
        let e = r.config_get(&[] as &[&str]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let e = r.config_set(("maxmemory", 1, "odd")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let e = r.config_set(()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(r.sent.is_empty());
    }
}
