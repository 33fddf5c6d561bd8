//! The `generic` group of the Redis documentation: commands about keys whatever they hold: delete, expire, rename, copy, sort, inspect.

mod options;
mod types;

use std::time::{Duration, SystemTime};

pub use options::{CopyOptions, ExpireConditions, MigrateOptions, RestoreOptions, SortOptions};
pub use types::KeyType;

use super::Method;
use super::shared::{
    ExpireTime, Ttl, block_millis, seconds_to_millis, whole_millis, whole_seconds,
};
use crate::commands::args::{One, ToArg, ToArgs};
use crate::commands::cmd::Request;
use crate::commands::core::Commands;
use crate::commands::reply::FromValue;
use crate::commands::table::spec;
use crate::error::Error;
use options::unix_time;
use types::{nokey_as_false, none_as_nil};

/// The `generic` commands: commands about keys whatever they hold: delete, expire, rename, copy, sort, inspect.
///
/// Implemented for every [`Commands`] receiver (a connection, a client, a pipeline), so each
/// method sends the command and returns `Result<T>`, or queues it. Bring every group into scope
/// with `use redisync::prelude::*`. Times to live are [`Duration`]s, points in time
/// [`SystemTime`]s, and the replies that encode "no key" and "no expiry" in a number come back
/// as [`Ttl`] and [`ExpireTime`]. `SCAN` is the [`scan`](crate::scan) iterator.
///
/// ```no_run
/// use std::time::Duration;
/// use redisync::prelude::*;
/// use redisync::{ExpireCondition, KeyType, Ttl};
///
/// let client = Client::open("redis://127.0.0.1")?;
/// client.set("session:1", "data")?;
/// // Extend the session to an hour, never shorten it.
/// client.expire_if("session:1", Duration::from_secs(3600), ExpireCondition::Gt)?;
/// assert!(matches!(client.ttl("session:1")?, Ttl::Expires(_)));
/// assert_eq!(client.key_type("session:1")?, Some(KeyType::String));
/// # Ok::<(), redisync::Error>(())
/// ```
pub trait KeyCommands: Commands {
    /// `COPY source destination [DB db] [REPLACE]`: whether the key was copied (`false` when
    /// the source does not exist, or the destination exists and `REPLACE` was not given).
    /// <https://redis.io/docs/latest/commands/copy/>
    fn copy(
        self,
        source: impl ToArg,
        destination: impl ToArg,
        options: CopyOptions,
    ) -> Self::Output<bool> {
        self.run(&Request::new(
            &spec::COPY,
            &(One(&source), One(&destination), options),
        ))
    }

    /// `DEL key [key ...]`: how many of the keys existed and were removed.
    /// <https://redis.io/docs/latest/commands/del/>
    fn del(self, keys: impl ToArgs) -> Self::Output<u64> {
        self.run(&Request::new(&spec::DEL, &keys))
    }

    /// `DUMP key`: the value serialized in Redis's own format (for
    /// [`restore`](Self::restore)), `None` when the key does not exist.
    /// <https://redis.io/docs/latest/commands/dump/>
    fn dump(self, key: impl ToArg) -> Self::Output<Option<Vec<u8>>> {
        self.run(&Request::new(&spec::DUMP, &One(&key)))
    }

    /// `EXISTS key [key ...]`: how many of the keys exist (a key named twice counts twice).
    /// <https://redis.io/docs/latest/commands/exists/>
    fn exists(self, keys: impl ToArgs) -> Self::Output<u64> {
        self.run(&Request::new(&spec::EXISTS, &keys))
    }

    /// `EXPIRE key seconds`: whether the timeout was set (`false` when the key does not exist).
    /// The time is sent in whole seconds, rounded up.
    /// <https://redis.io/docs/latest/commands/expire/>
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

    /// `EXPIRE key seconds NX|XX|GT|LT`: as [`expire`](Self::expire), only when the key's
    /// current expiry meets the conditions (one [`ExpireCondition`](crate::ExpireCondition),
    /// or `[Xx, Gt]`); `false` when they kept it from being set. A key without expiry counts as
    /// one infinitely far away for `GT` and `LT`. Redis 7.0+.
    /// <https://redis.io/docs/latest/commands/expire/>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), before anything is sent,
    /// for a zero duration and for conditions that exclude each other (`NX` with any other,
    /// `GT` with `LT`); on Redis 6.2 the server's error.
    fn expire_if(
        self,
        key: impl ToArg,
        ttl: Duration,
        conditions: impl Into<ExpireConditions>,
    ) -> Self::Output<bool> {
        let conditions = conditions.into();
        match conditions
            .check("EXPIRE")
            .and_then(|()| whole_seconds("expire", ttl))
        {
            Ok(secs) => self.run(&Request::new(&spec::EXPIRE, &(One(&key), secs, conditions))),
            Err(e) => self.refuse(e),
        }
    }

    /// `EXPIREAT key unix-time-seconds`: whether the expiry was set (`false` when the key does
    /// not exist). The time is sent in whole seconds, rounded up; a time in the past deletes
    /// the key.
    /// <https://redis.io/docs/latest/commands/expireat/>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a time before 1970.
    fn expireat(self, key: impl ToArg, at: SystemTime) -> Self::Output<bool> {
        self.expireat_if(key, at, ExpireConditions::new())
    }

    /// `EXPIREAT key unix-time-seconds NX|XX|GT|LT`: as [`expireat`](Self::expireat), only
    /// when the key's current expiry meets the conditions (see [`expire_if`](Self::expire_if)).
    /// Redis 7.0+.
    /// <https://redis.io/docs/latest/commands/expireat/>
    ///
    /// # Errors
    /// As [`expire_if`](Self::expire_if), and a time before 1970.
    fn expireat_if(
        self,
        key: impl ToArg,
        at: SystemTime,
        conditions: impl Into<ExpireConditions>,
    ) -> Self::Output<bool> {
        let conditions = conditions.into();
        match conditions
            .check("EXPIREAT")
            .and_then(|()| unix_time("expireat", at, 1))
        {
            Ok(secs) => self.run(&Request::new(
                &spec::EXPIREAT,
                &(One(&key), secs, conditions),
            )),
            Err(e) => self.refuse(e),
        }
    }

    /// `EXPIRETIME key`: when the key expires ([`ExpireTime`]: missing, no expiry, or a time,
    /// to the second). Redis 7.0+.
    /// <https://redis.io/docs/latest/commands/expiretime/>
    fn expiretime(self, key: impl ToArg) -> Self::Output<ExpireTime> {
        self.run(&Request::new(&spec::EXPIRETIME, &One(&key)).shaped(seconds_to_millis))
    }

    /// `KEYS pattern`: every key matching the glob-style pattern. It walks the whole keyspace
    /// in one call, blocking the server: prefer [`scan`](crate::scan) outside tests.
    /// <https://redis.io/docs/latest/commands/keys/>
    fn keys<T: FromValue>(self, pattern: impl ToArg) -> Self::Output<Vec<T>> {
        self.run(&Request::new(&spec::KEYS, &One(&pattern)))
    }

    /// `MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH ...] [KEYS ...]`:
    /// moves (or copies) the keys to database `destination_db` of another server; `false` when
    /// none of them exists here (`NOKEY`). One key is sent in the key position, several with
    /// `KEYS`. `timeout` bounds each I/O step with the target (whole milliseconds, rounded up);
    /// this connection's own read timeout still bounds the call.
    /// <https://redis.io/docs/latest/commands/migrate/>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for no key or a zero
    /// timeout; the server's `IOERR` when the target cannot be reached, `BUSYKEY`-like errors
    /// from the target (an existing key without `REPLACE`, failed authentication).
    fn migrate(
        self,
        host: &str,
        port: u16,
        keys: impl ToArgs,
        destination_db: u32,
        timeout: Duration,
        options: MigrateOptions,
    ) -> Self::Output<bool> {
        let n = keys.arg_count();
        let timeout = match whole_millis("MIGRATE timeout", timeout) {
            Ok(_) if n == 0 => Err(Error::invalid("MIGRATE keys", "at least one key")),
            other => other,
        };
        match timeout {
            Ok(ms) if n == 1 => self.run(
                &Request::new(
                    &spec::MIGRATE,
                    &(host, port, &keys, destination_db, ms, &options),
                )
                .shaped(nokey_as_false),
            ),
            Ok(ms) => self.run(
                &Request::new(
                    &spec::MIGRATE,
                    &(host, port, "", destination_db, ms, &options, "KEYS", &keys),
                )
                .shaped(nokey_as_false),
            ),
            Err(e) => self.refuse(e),
        }
    }

    /// `MOVE key db`: whether the key was moved to database `db` (`false` when it does not
    /// exist here or already exists there). Named `move_key`: `move` is a Rust keyword.
    /// <https://redis.io/docs/latest/commands/move/>
    fn move_key(self, key: impl ToArg, db: u32) -> Self::Output<bool> {
        self.run(&Request::new(&spec::MOVE, &(One(&key), db)))
    }

    /// `OBJECT ENCODING key`: how the value is stored (`embstr`, `int`, `listpack`,
    /// `hashtable`, `skiplist`, `quicklist`, `intset`, `stream`...), `None` when the key does
    /// not exist.
    /// <https://redis.io/docs/latest/commands/object-encoding/>
    fn object_encoding(self, key: impl ToArg) -> Self::Output<Option<String>> {
        self.run(&Request::new(&spec::OBJECT_ENCODING, &One(&key)))
    }

    /// `OBJECT FREQ key`: the key's logarithmic access frequency counter (0 to 255), `None`
    /// when the key does not exist.
    /// <https://redis.io/docs/latest/commands/object-freq/>
    ///
    /// # Errors
    /// The server's error unless `maxmemory-policy` is an LFU policy.
    fn object_freq(self, key: impl ToArg) -> Self::Output<Option<u64>> {
        self.run(&Request::new(&spec::OBJECT_FREQ, &One(&key)))
    }

    /// `OBJECT IDLETIME key`: for how many seconds the key has not been read or written,
    /// `None` when it does not exist.
    /// <https://redis.io/docs/latest/commands/object-idletime/>
    ///
    /// # Errors
    /// The server's error when `maxmemory-policy` is an LFU policy.
    fn object_idletime(self, key: impl ToArg) -> Self::Output<Option<u64>> {
        self.run(&Request::new(&spec::OBJECT_IDLETIME, &One(&key)))
    }

    /// `OBJECT REFCOUNT key`: how many references the server holds to the value (shared
    /// integers have a very large count), `None` when the key does not exist.
    /// <https://redis.io/docs/latest/commands/object-refcount/>
    fn object_refcount(self, key: impl ToArg) -> Self::Output<Option<u64>> {
        self.run(&Request::new(&spec::OBJECT_REFCOUNT, &One(&key)))
    }

    /// `PERSIST key`: whether an expiry was removed (`false` when the key does not exist or
    /// has none).
    /// <https://redis.io/docs/latest/commands/persist/>
    fn persist(self, key: impl ToArg) -> Self::Output<bool> {
        self.run(&Request::new(&spec::PERSIST, &One(&key)))
    }

    /// `PEXPIRE key milliseconds`: whether the timeout was set (`false` when the key does not
    /// exist). The time is sent in whole milliseconds, rounded up.
    /// <https://redis.io/docs/latest/commands/pexpire/>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a zero duration.
    fn pexpire(self, key: impl ToArg, ttl: Duration) -> Self::Output<bool> {
        self.pexpire_if(key, ttl, ExpireConditions::new())
    }

    /// `PEXPIRE key milliseconds NX|XX|GT|LT`: as [`pexpire`](Self::pexpire), only when the
    /// key's current expiry meets the conditions (see [`expire_if`](Self::expire_if)).
    /// Redis 7.0+.
    /// <https://redis.io/docs/latest/commands/pexpire/>
    ///
    /// # Errors
    /// As [`expire_if`](Self::expire_if).
    fn pexpire_if(
        self,
        key: impl ToArg,
        ttl: Duration,
        conditions: impl Into<ExpireConditions>,
    ) -> Self::Output<bool> {
        let conditions = conditions.into();
        match conditions
            .check("PEXPIRE")
            .and_then(|()| whole_millis("pexpire", ttl))
        {
            Ok(ms) => self.run(&Request::new(&spec::PEXPIRE, &(One(&key), ms, conditions))),
            Err(e) => self.refuse(e),
        }
    }

    /// `PEXPIREAT key unix-time-milliseconds`: whether the expiry was set (`false` when the
    /// key does not exist). The time is sent in whole milliseconds, rounded up; a time in the
    /// past deletes the key.
    /// <https://redis.io/docs/latest/commands/pexpireat/>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a time before 1970.
    fn pexpireat(self, key: impl ToArg, at: SystemTime) -> Self::Output<bool> {
        self.pexpireat_if(key, at, ExpireConditions::new())
    }

    /// `PEXPIREAT key unix-time-milliseconds NX|XX|GT|LT`: as [`pexpireat`](Self::pexpireat),
    /// only when the key's current expiry meets the conditions (see
    /// [`expire_if`](Self::expire_if)). Redis 7.0+.
    /// <https://redis.io/docs/latest/commands/pexpireat/>
    ///
    /// # Errors
    /// As [`expire_if`](Self::expire_if), and a time before 1970.
    fn pexpireat_if(
        self,
        key: impl ToArg,
        at: SystemTime,
        conditions: impl Into<ExpireConditions>,
    ) -> Self::Output<bool> {
        let conditions = conditions.into();
        match conditions
            .check("PEXPIREAT")
            .and_then(|()| unix_time("pexpireat", at, 1000))
        {
            Ok(ms) => self.run(&Request::new(
                &spec::PEXPIREAT,
                &(One(&key), ms, conditions),
            )),
            Err(e) => self.refuse(e),
        }
    }

    /// `PEXPIRETIME key`: when the key expires ([`ExpireTime`]: missing, no expiry, or a time,
    /// to the millisecond). Redis 7.0+.
    /// <https://redis.io/docs/latest/commands/pexpiretime/>
    fn pexpiretime(self, key: impl ToArg) -> Self::Output<ExpireTime> {
        self.run(&Request::new(&spec::PEXPIRETIME, &One(&key)))
    }

    /// `PTTL key`: how long the key has left ([`Ttl`]: missing, no expiry, or a duration, to
    /// the millisecond).
    /// <https://redis.io/docs/latest/commands/pttl/>
    fn pttl(self, key: impl ToArg) -> Self::Output<Ttl> {
        self.run(&Request::new(&spec::PTTL, &One(&key)))
    }

    /// `RANDOMKEY`: a key picked at random, `None` when the database is empty.
    /// <https://redis.io/docs/latest/commands/randomkey/>
    fn randomkey<T: FromValue>(self) -> Self::Output<Option<T>> {
        self.run(&Request::new(&spec::RANDOMKEY, &()))
    }

    /// `RENAME key newkey`: renames the key, overwriting `newkey` if it exists.
    /// <https://redis.io/docs/latest/commands/rename/>
    ///
    /// # Errors
    /// The server's `ERR no such key` when `key` does not exist.
    fn rename(self, key: impl ToArg, newkey: impl ToArg) -> Self::Output<()> {
        self.run(&Request::new(&spec::RENAME, &(One(&key), One(&newkey))))
    }

    /// `RENAMENX key newkey`: whether the key was renamed (`false` when `newkey` exists).
    /// <https://redis.io/docs/latest/commands/renamenx/>
    ///
    /// # Errors
    /// The server's `ERR no such key` when `key` does not exist.
    fn renamenx(self, key: impl ToArg, newkey: impl ToArg) -> Self::Output<bool> {
        self.run(&Request::new(&spec::RENAMENX, &(One(&key), One(&newkey))))
    }

    /// `RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f]`: creates
    /// the key from a [`dump`](Self::dump) payload, with the options' time to live (none by
    /// default).
    /// <https://redis.io/docs/latest/commands/restore/>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), before anything is sent,
    /// for a zero time to live, a time before 1970, or `IDLETIME` with `FREQ`; the server's
    /// `BUSYKEY` when the key exists without `REPLACE`, and its error for a payload it cannot
    /// read (another server version's, or corrupted).
    fn restore(
        self,
        key: impl ToArg,
        payload: impl ToArg,
        options: RestoreOptions,
    ) -> Self::Output<()> {
        match options.ttl_arg() {
            Ok(ttl) => self.run(&Request::new(
                &spec::RESTORE,
                &(One(&key), ttl, One(&payload), options),
            )),
            Err(e) => self.refuse(e),
        }
    }

    /// `SORT key [BY ...] [LIMIT ...] [GET ...] [ASC|DESC] [ALPHA]`: the elements of a list,
    /// set or sorted set, sorted (or, with `GET`, the values the patterns name: several per
    /// element for several patterns, nil for a missing key: ask for `Option<T>`).
    /// <https://redis.io/docs/latest/commands/sort/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key of another type; the server's error when an element is not a
    /// number without `ALPHA`.
    fn sort<T: FromValue>(self, key: impl ToArg, options: SortOptions) -> Self::Output<Vec<T>> {
        self.run(&Request::new(&spec::SORT, &(One(&key), &options)))
    }

    /// `SORT key ... STORE destination`: stores what [`sort`](Self::sort) would return as a
    /// list under `destination` (replacing it; an empty result deletes it) and returns its
    /// length.
    /// <https://redis.io/docs/latest/commands/sort/>
    ///
    /// # Errors
    /// As [`sort`](Self::sort).
    fn sort_store(
        self,
        key: impl ToArg,
        destination: impl ToArg,
        options: SortOptions,
    ) -> Self::Output<u64> {
        self.run(&Request::new(
            &spec::SORT,
            &(One(&key), &options, "STORE", One(&destination)),
        ))
    }

    /// `SORT_RO key ...`: [`sort`](Self::sort) as a read-only command (it can run on
    /// replicas). Redis 7.0+.
    /// <https://redis.io/docs/latest/commands/sort_ro/>
    ///
    /// # Errors
    /// As [`sort`](Self::sort).
    fn sort_ro<T: FromValue>(self, key: impl ToArg, options: SortOptions) -> Self::Output<Vec<T>> {
        self.run(&Request::new(&spec::SORT_RO, &(One(&key), &options)))
    }

    /// `TOUCH key [key ...]`: how many of the keys exist (their last access time is updated).
    /// <https://redis.io/docs/latest/commands/touch/>
    fn touch(self, keys: impl ToArgs) -> Self::Output<u64> {
        self.run(&Request::new(&spec::TOUCH, &keys))
    }

    /// `TTL key`: how long the key has left ([`Ttl`]: missing, no expiry, or a duration, to
    /// the second).
    /// <https://redis.io/docs/latest/commands/ttl/>
    fn ttl(self, key: impl ToArg) -> Self::Output<Ttl> {
        self.run(&Request::new(&spec::TTL, &One(&key)).shaped(seconds_to_millis))
    }

    /// `TYPE key`: what the key holds, `None` when it does not exist. Named `key_type`:
    /// `type` is a Rust keyword.
    /// <https://redis.io/docs/latest/commands/type/>
    fn key_type(self, key: impl ToArg) -> Self::Output<Option<KeyType>> {
        self.run(&Request::new(&spec::TYPE, &One(&key)).shaped(none_as_nil))
    }

    /// `UNLINK key [key ...]`: how many of the keys existed and were removed (their memory is
    /// freed in the background).
    /// <https://redis.io/docs/latest/commands/unlink/>
    fn unlink(self, keys: impl ToArgs) -> Self::Output<u64> {
        self.run(&Request::new(&spec::UNLINK, &keys))
    }

    /// `WAIT numreplicas timeout`: waits until `numreplicas` replicas have acknowledged every
    /// write this connection made, or the timeout passes (`None`: as long as it takes), and
    /// returns how many did. Sent in whole milliseconds, rounded up.
    /// <https://redis.io/docs/latest/commands/wait/>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a zero timeout (use
    /// `None` to wait as long as it takes).
    fn wait(self, numreplicas: u64, timeout: Option<Duration>) -> Self::Output<u64> {
        match block_millis(timeout) {
            Ok(ms) => self.run(&Request::new(&spec::WAIT, &(numreplicas, ms))),
            Err(e) => self.refuse(e),
        }
    }

    /// `WAITAOF numlocal numreplicas timeout`: waits until every write this connection made is
    /// in the append-only file here (`numlocal`: 0 or 1) and on `numreplicas` replicas, or the
    /// timeout passes (`None`: as long as it takes); returns `(local, replicas)`, how many
    /// did. Redis 7.2+ and Valkey; Redis 7.0 and 6.2 have no `WAITAOF`.
    /// <https://redis.io/docs/latest/commands/waitaof/>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a zero timeout; the
    /// server's error for `numlocal` 1 when `appendonly` is off.
    fn waitaof(
        self,
        numlocal: u64,
        numreplicas: u64,
        timeout: Option<Duration>,
    ) -> Self::Output<(u64, u64)> {
        match block_millis(timeout) {
            Ok(ms) => self.run(&Request::new(&spec::WAITAOF, &(numlocal, numreplicas, ms))),
            Err(e) => self.refuse(e),
        }
    }
}

impl<C: Commands> KeyCommands for C {}

/// This group's methods and the command each sends. `scan()` is the free function
/// [`scan`](crate::scan), an iterator sending `SCAN` as it goes.
pub(crate) const METHODS: &[Method] = &[
    ("copy", &spec::COPY),
    ("del", &spec::DEL),
    ("dump", &spec::DUMP),
    ("exists", &spec::EXISTS),
    ("expire", &spec::EXPIRE),
    ("expire_if", &spec::EXPIRE),
    ("expireat", &spec::EXPIREAT),
    ("expireat_if", &spec::EXPIREAT),
    ("expiretime", &spec::EXPIRETIME),
    ("keys", &spec::KEYS),
    ("migrate", &spec::MIGRATE),
    ("move_key", &spec::MOVE),
    ("object_encoding", &spec::OBJECT_ENCODING),
    ("object_freq", &spec::OBJECT_FREQ),
    ("object_idletime", &spec::OBJECT_IDLETIME),
    ("object_refcount", &spec::OBJECT_REFCOUNT),
    ("persist", &spec::PERSIST),
    ("pexpire", &spec::PEXPIRE),
    ("pexpire_if", &spec::PEXPIRE),
    ("pexpireat", &spec::PEXPIREAT),
    ("pexpireat_if", &spec::PEXPIREAT),
    ("pexpiretime", &spec::PEXPIRETIME),
    ("pttl", &spec::PTTL),
    ("randomkey", &spec::RANDOMKEY),
    ("rename", &spec::RENAME),
    ("renamenx", &spec::RENAMENX),
    ("restore", &spec::RESTORE),
    ("scan()", &spec::SCAN),
    ("sort", &spec::SORT),
    ("sort_store", &spec::SORT),
    ("sort_ro", &spec::SORT_RO),
    ("touch", &spec::TOUCH),
    ("ttl", &spec::TTL),
    ("key_type", &spec::TYPE),
    ("unlink", &spec::UNLINK),
    ("wait", &spec::WAIT),
    ("waitaof", &spec::WAITAOF),
];

#[cfg(test)]
mod tests;
