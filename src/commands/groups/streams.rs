//! The `stream` group of the Redis documentation: append-only logs of entries, read by range, by blocking reads, or by consumer groups.

use std::time::Duration;

use super::Method;
use crate::commands::args::{One, ToArg, ToArgs};
use crate::commands::cmd::Request;
use crate::commands::core::Commands;
use crate::commands::reply::FromValue;
use crate::commands::table::spec;
use crate::error::{Error, Result};

mod options;
mod types;

pub use options::{
    StreamTrim, XAddOptions, XClaimOptions, XGroupCreateOptions, XPendingOptions, XReadOptions,
    XSetIdOptions,
};
pub(in crate::commands::groups) use types::Fields;
pub use types::{
    AutoClaim, PendingDelivery, PendingEntry, PendingSummary, StreamBatch, StreamConsumerFull,
    StreamConsumerInfo, StreamEntry, StreamGroupFull, StreamGroupInfo, StreamInfo, StreamInfoFull,
};

use options::millis_up;
use types::without_nils;

/// The `stream` commands: append-only logs of entries, read by range, by blocking reads, or by consumer groups.
///
/// Implemented for every [`Commands`] receiver (a connection, a client, a pipeline), so each
/// method sends the command and returns `Result<T>`, or queues it. Bring every group into scope
/// with `use redisync::prelude::*`.
///
/// Entries come back as [`StreamEntry<V>`]: the ID and the field-value pairs in order, field
/// names as `String` and values as the caller's `V` (`String`, `Vec<u8>`, numbers, ...).
/// Reads of several streams give one [`StreamBatch<V>`] per stream with something to read,
/// on RESP2 and RESP3 alike. IDs are strings (`"1700000000000-0"`, and the special `-`, `+`,
/// `$`, `>`, `*` where the command takes them).
///
/// ```no_run
/// use std::time::Duration;
/// use redisync::prelude::*;
/// use redisync::{StreamEntry, XGroupCreateOptions, XReadOptions};
///
/// let client = Client::open("redis://127.0.0.1")?;
/// client.xgroup_create("jobs", "workers", "$", XGroupCreateOptions::new().mkstream())?;
/// let id = client.xadd("jobs", &[("task", "resize"), ("file", "a.png")])?;
/// let read = XReadOptions::new().count(10).block(Some(Duration::from_secs(5)));
/// for batch in client.xreadgroup::<String>("workers", "w1", "jobs", ">", read)? {
///     for entry in batch.entries {
///         println!("{} {:?}", entry.id, entry.get("task"));
///         client.xack("jobs", "workers", &entry.id)?;
///     }
/// }
/// let history: Vec<StreamEntry> = client.xrange("jobs", "-", "+", Some(100))?;
/// # let _ = (id, history);
/// # Ok::<(), redisync::Error>(())
/// ```
pub trait StreamCommands: Commands {
    /// `XACK key group id [id ...]`: how many of the IDs were pending in the group and are now
    /// acknowledged.
    /// <https://redis.io/docs/latest/commands/xack/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key that is not a stream.
    fn xack(self, key: impl ToArg, group: impl ToArg, ids: impl ToArgs) -> Self::Output<u64> {
        self.run(&Request::new(&spec::XACK, &(One(&key), One(&group), &ids)))
    }

    /// `XADD key * field value [field value ...]`: appends an entry with a server-made ID and
    /// returns the ID. The fields are pairs: `&[("f", "v")]`, a map, a tuple.
    /// <https://redis.io/docs/latest/commands/xadd/>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before sending when the
    /// fields are not whole pairs (or none); `WRONGTYPE` for a key that is not a stream.
    fn xadd(self, key: impl ToArg, fields: impl ToArgs) -> Self::Output<String> {
        match check_pairs(&fields) {
            Ok(()) => self.run(&Request::new(&spec::XADD, &(One(&key), "*", &fields))),
            Err(e) => self.refuse(e),
        }
    }

    /// `XADD key [MAXLEN|MINID ...] id field value ...`: appends an entry with the ID and trim
    /// of [`XAddOptions`], and returns its ID.
    /// <https://redis.io/docs/latest/commands/xadd/>
    ///
    /// # Errors
    /// As [`xadd`](StreamCommands::xadd); `InvalidInput` before sending for a trim the server
    /// would refuse (see [`StreamTrim::check`]); `ERR The ID specified in XADD is equal or
    /// smaller than the target stream top item` for an explicit ID that is not new.
    fn xadd_options(
        self,
        key: impl ToArg,
        fields: impl ToArgs,
        options: XAddOptions,
    ) -> Self::Output<String> {
        match options.check().and(check_pairs(&fields)) {
            Ok(()) => self.run(&Request::new(&spec::XADD, &(One(&key), &options, &fields))),
            Err(e) => self.refuse(e),
        }
    }

    /// `XADD key NOMKSTREAM ...`: as [`xadd_options`](StreamCommands::xadd_options), but only
    /// to a stream that exists: `None` (and nothing added) when the key does not.
    /// <https://redis.io/docs/latest/commands/xadd/>
    ///
    /// # Errors
    /// As [`xadd_options`](StreamCommands::xadd_options).
    fn xadd_nomkstream(
        self,
        key: impl ToArg,
        fields: impl ToArgs,
        options: XAddOptions,
    ) -> Self::Output<Option<String>> {
        match options.check().and(check_pairs(&fields)) {
            Ok(()) => self.run(&Request::new(
                &spec::XADD,
                &(One(&key), "NOMKSTREAM", &options, &fields),
            )),
            Err(e) => self.refuse(e),
        }
    }

    /// `XAUTOCLAIM key group consumer min-idle start [COUNT n]`: gives `consumer` the group's
    /// pending entries idle for at least `min_idle` (whole milliseconds, rounded up), scanning
    /// from `start` (`0-0` for the beginning), at most `count` of them (the server's default
    /// is 100). Returns the claimed entries, the cursor for the next call (`0-0` when done),
    /// and on Redis 7.0+ the IDs found deleted. See [`AutoClaim`].
    /// <https://redis.io/docs/latest/commands/xautoclaim/>
    ///
    /// # Errors
    /// `NOGROUP` for a missing key or group; `WRONGTYPE`.
    fn xautoclaim<V: FromValue>(
        self,
        key: impl ToArg,
        group: impl ToArg,
        consumer: impl ToArg,
        min_idle: Duration,
        start: impl ToArg,
        count: Option<u64>,
    ) -> Self::Output<AutoClaim<StreamEntry<V>>> {
        let args = (
            (One(&key), One(&group), One(&consumer)),
            millis_up(min_idle),
            One(&start),
            count.map(|n| ("COUNT", n)),
        );
        self.run(&Request::new(&spec::XAUTOCLAIM, &args))
    }

    /// `XAUTOCLAIM ... JUSTID`: as [`xautoclaim`](StreamCommands::xautoclaim), the claimed
    /// IDs only (their delivery counts are not incremented).
    /// <https://redis.io/docs/latest/commands/xautoclaim/>
    ///
    /// # Errors
    /// As [`xautoclaim`](StreamCommands::xautoclaim).
    fn xautoclaim_justid(
        self,
        key: impl ToArg,
        group: impl ToArg,
        consumer: impl ToArg,
        min_idle: Duration,
        start: impl ToArg,
        count: Option<u64>,
    ) -> Self::Output<AutoClaim<String>> {
        let args = (
            (One(&key), One(&group), One(&consumer)),
            millis_up(min_idle),
            One(&start),
            count.map(|n| ("COUNT", n)),
            "JUSTID",
        );
        self.run(&Request::new(&spec::XAUTOCLAIM, &args))
    }

    /// `XCLAIM key group consumer min-idle id [id ...] [options]`: gives `consumer` the listed
    /// pending entries that are idle for at least `min_idle` (whole milliseconds, rounded up)
    /// and returns those it claimed. An entry deleted from the stream is left out (Redis 7.0+
    /// also drops it from the pending list; 6.2 keeps it there).
    /// <https://redis.io/docs/latest/commands/xclaim/>
    ///
    /// # Errors
    /// `NOGROUP` for a missing key or group; `InvalidInput` before sending for a `TIME` before
    /// the Unix epoch.
    fn xclaim<V: FromValue>(
        self,
        key: impl ToArg,
        group: impl ToArg,
        consumer: impl ToArg,
        min_idle: Duration,
        ids: impl ToArgs,
        options: XClaimOptions,
    ) -> Self::Output<Vec<StreamEntry<V>>> {
        let args = (
            (One(&key), One(&group), One(&consumer)),
            millis_up(min_idle),
            &ids,
            &options,
        );
        match options.check() {
            Ok(()) => self.run(&Request::new(&spec::XCLAIM, &args).shaped(without_nils)),
            Err(e) => self.refuse(e),
        }
    }

    /// `XCLAIM ... JUSTID`: as [`xclaim`](StreamCommands::xclaim), the claimed IDs only (their
    /// delivery counts are not incremented).
    /// <https://redis.io/docs/latest/commands/xclaim/>
    ///
    /// # Errors
    /// As [`xclaim`](StreamCommands::xclaim).
    fn xclaim_justid(
        self,
        key: impl ToArg,
        group: impl ToArg,
        consumer: impl ToArg,
        min_idle: Duration,
        ids: impl ToArgs,
        options: XClaimOptions,
    ) -> Self::Output<Vec<String>> {
        let args = (
            (One(&key), One(&group), One(&consumer)),
            millis_up(min_idle),
            &ids,
            &options,
            "JUSTID",
        );
        match options.check() {
            Ok(()) => self.run(&Request::new(&spec::XCLAIM, &args)),
            Err(e) => self.refuse(e),
        }
    }

    /// `XDEL key id [id ...]`: how many of the entries existed and were deleted.
    /// <https://redis.io/docs/latest/commands/xdel/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key that is not a stream.
    fn xdel(self, key: impl ToArg, ids: impl ToArgs) -> Self::Output<u64> {
        self.run(&Request::new(&spec::XDEL, &(One(&key), &ids)))
    }

    /// `XGROUP CREATE key group id [MKSTREAM] [ENTRIESREAD n]`: creates a consumer group that
    /// reads the entries after `id` (`$`: only new ones; `0`: the whole stream).
    /// <https://redis.io/docs/latest/commands/xgroup-create/>
    ///
    /// # Errors
    /// `BUSYGROUP` when the group exists; `ERR The XGROUP subcommand requires the key to
    /// exist` for a missing key without `MKSTREAM`.
    fn xgroup_create(
        self,
        key: impl ToArg,
        group: impl ToArg,
        id: impl ToArg,
        options: XGroupCreateOptions,
    ) -> Self::Output<()> {
        let args = (One(&key), One(&group), One(&id), &options);
        self.run(&Request::new(&spec::XGROUP_CREATE, &args))
    }

    /// `XGROUP CREATECONSUMER key group consumer`: whether the consumer was created (`false`
    /// when it existed).
    /// <https://redis.io/docs/latest/commands/xgroup-createconsumer/>
    ///
    /// # Errors
    /// `NOGROUP` for a missing key or group.
    fn xgroup_createconsumer(
        self,
        key: impl ToArg,
        group: impl ToArg,
        consumer: impl ToArg,
    ) -> Self::Output<bool> {
        let args = (One(&key), One(&group), One(&consumer));
        self.run(&Request::new(&spec::XGROUP_CREATECONSUMER, &args))
    }

    /// `XGROUP DELCONSUMER key group consumer`: deletes the consumer and returns how many
    /// pending entries it held (they are no longer pending for anyone).
    /// <https://redis.io/docs/latest/commands/xgroup-delconsumer/>
    ///
    /// # Errors
    /// `NOGROUP` for a missing key or group.
    fn xgroup_delconsumer(
        self,
        key: impl ToArg,
        group: impl ToArg,
        consumer: impl ToArg,
    ) -> Self::Output<u64> {
        let args = (One(&key), One(&group), One(&consumer));
        self.run(&Request::new(&spec::XGROUP_DELCONSUMER, &args))
    }

    /// `XGROUP DESTROY key group`: whether the group existed and was destroyed.
    /// <https://redis.io/docs/latest/commands/xgroup-destroy/>
    ///
    /// # Errors
    /// `ERR The XGROUP subcommand requires the key to exist` for a missing key.
    fn xgroup_destroy(self, key: impl ToArg, group: impl ToArg) -> Self::Output<bool> {
        self.run(&Request::new(
            &spec::XGROUP_DESTROY,
            &(One(&key), One(&group)),
        ))
    }

    /// `XGROUP SETID key group id [ENTRIESREAD n]`: moves the group's last-delivered ID
    /// (`$`: the stream's last). `entries_read` is Redis 7.0+.
    /// <https://redis.io/docs/latest/commands/xgroup-setid/>
    ///
    /// # Errors
    /// `NOGROUP` for a missing group; a syntax error on Redis 6.2 with `entries_read`.
    fn xgroup_setid(
        self,
        key: impl ToArg,
        group: impl ToArg,
        id: impl ToArg,
        entries_read: Option<u64>,
    ) -> Self::Output<()> {
        let args = (
            One(&key),
            One(&group),
            One(&id),
            entries_read.map(|n| ("ENTRIESREAD", n)),
        );
        self.run(&Request::new(&spec::XGROUP_SETID, &args))
    }

    /// `XINFO STREAM key`: the stream's length, IDs, group count and first and last entries
    /// ([`StreamInfo`]).
    /// <https://redis.io/docs/latest/commands/xinfo-stream/>
    ///
    /// # Errors
    /// `ERR no such key` for a missing key; `WRONGTYPE`.
    fn xinfo_stream<V: FromValue>(self, key: impl ToArg) -> Self::Output<StreamInfo<V>> {
        self.run(&Request::new(&spec::XINFO_STREAM, &One(&key)))
    }

    /// `XINFO STREAM key FULL [COUNT n]`: the stream with its entries and every group's
    /// pending list and consumers ([`StreamInfoFull`]). `count` bounds the entries and each
    /// pending list (`None`: the server's default of 10; `Some(0)`: everything).
    /// <https://redis.io/docs/latest/commands/xinfo-stream/>
    ///
    /// # Errors
    /// As [`xinfo_stream`](StreamCommands::xinfo_stream).
    fn xinfo_stream_full<V: FromValue>(
        self,
        key: impl ToArg,
        count: Option<u64>,
    ) -> Self::Output<StreamInfoFull<V>> {
        let args = (One(&key), "FULL", count.map(|n| ("COUNT", n)));
        self.run(&Request::new(&spec::XINFO_STREAM, &args))
    }

    /// `XINFO GROUPS key`: the stream's consumer groups ([`StreamGroupInfo`]).
    /// <https://redis.io/docs/latest/commands/xinfo-groups/>
    ///
    /// # Errors
    /// `ERR no such key` for a missing key; `WRONGTYPE`.
    fn xinfo_groups(self, key: impl ToArg) -> Self::Output<Vec<StreamGroupInfo>> {
        self.run(&Request::new(&spec::XINFO_GROUPS, &One(&key)))
    }

    /// `XINFO CONSUMERS key group`: the group's consumers ([`StreamConsumerInfo`]).
    /// <https://redis.io/docs/latest/commands/xinfo-consumers/>
    ///
    /// # Errors
    /// `NOGROUP` for a missing key or group.
    fn xinfo_consumers(
        self,
        key: impl ToArg,
        group: impl ToArg,
    ) -> Self::Output<Vec<StreamConsumerInfo>> {
        self.run(&Request::new(
            &spec::XINFO_CONSUMERS,
            &(One(&key), One(&group)),
        ))
    }

    /// `XLEN key`: how many entries the stream holds (0 for a missing key).
    /// <https://redis.io/docs/latest/commands/xlen/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key that is not a stream.
    fn xlen(self, key: impl ToArg) -> Self::Output<u64> {
        self.run(&Request::new(&spec::XLEN, &One(&key)))
    }

    /// `XPENDING key group`: the summary of the group's pending entries ([`PendingSummary`]:
    /// the count, the lowest and highest IDs, and each consumer's count).
    /// <https://redis.io/docs/latest/commands/xpending/>
    ///
    /// # Errors
    /// `NOGROUP` for a missing key or group.
    fn xpending(self, key: impl ToArg, group: impl ToArg) -> Self::Output<PendingSummary> {
        self.run(&Request::new(&spec::XPENDING, &(One(&key), One(&group))))
    }

    /// `XPENDING key group [IDLE ms] start end count [consumer]`: the group's pending entries
    /// in an ID range ([`PendingEntry`]: ID, consumer, idle time, delivery count).
    /// <https://redis.io/docs/latest/commands/xpending/>
    ///
    /// # Errors
    /// `NOGROUP` for a missing key or group.
    fn xpending_range(
        self,
        key: impl ToArg,
        group: impl ToArg,
        options: XPendingOptions,
    ) -> Self::Output<Vec<PendingEntry>> {
        self.run(&Request::new(
            &spec::XPENDING,
            &(One(&key), One(&group), &options),
        ))
    }

    /// `XRANGE key start end [COUNT n]`: the entries with IDs from `start` to `end`, oldest
    /// first (`-` and `+` for the ends of the stream, `(id` for an exclusive bound); empty for
    /// a missing key.
    /// <https://redis.io/docs/latest/commands/xrange/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key that is not a stream.
    fn xrange<V: FromValue>(
        self,
        key: impl ToArg,
        start: impl ToArg,
        end: impl ToArg,
        count: Option<u64>,
    ) -> Self::Output<Vec<StreamEntry<V>>> {
        let args = (
            One(&key),
            One(&start),
            One(&end),
            count.map(|n| ("COUNT", n)),
        );
        self.run(&Request::new(&spec::XRANGE, &args))
    }

    /// `XREVRANGE key end start [COUNT n]`: as [`xrange`](StreamCommands::xrange), newest
    /// first (note the order of the bounds: `+` then `-`).
    /// <https://redis.io/docs/latest/commands/xrevrange/>
    ///
    /// # Errors
    /// `WRONGTYPE` for a key that is not a stream.
    fn xrevrange<V: FromValue>(
        self,
        key: impl ToArg,
        end: impl ToArg,
        start: impl ToArg,
        count: Option<u64>,
    ) -> Self::Output<Vec<StreamEntry<V>>> {
        let args = (
            One(&key),
            One(&end),
            One(&start),
            count.map(|n| ("COUNT", n)),
        );
        self.run(&Request::new(&spec::XREVRANGE, &args))
    }

    /// `XREAD [COUNT n] [BLOCK ms] STREAMS key [key ...] id [id ...]`: the entries after each
    /// ID (`$`: only entries added from now on, for a blocking read), one [`StreamBatch`] per
    /// stream that has any. `keys` and `ids` are lists of the same length. With `BLOCK`, the
    /// read deadline is extended by the wait, and a wait that ends with nothing is an empty
    /// list.
    /// <https://redis.io/docs/latest/commands/xread/>
    ///
    /// # Errors
    /// `InvalidInput` before sending when `keys` and `ids` differ in length (or are empty), for
    /// a zero `BLOCK`, or for `NOACK`; `WRONGTYPE`.
    fn xread<V: FromValue>(
        self,
        keys: impl ToArgs,
        ids: impl ToArgs,
        options: XReadOptions,
    ) -> Self::Output<Vec<StreamBatch<V>>> {
        match options.check(false).and(check_streams(&keys, &ids)) {
            Ok(()) => self.run(&Request::new(
                &spec::XREAD,
                &(&options, "STREAMS", &keys, &ids),
            )),
            Err(e) => self.refuse(e),
        }
    }

    /// `XREADGROUP GROUP group consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS key ... id ...`:
    /// reads as `consumer` of `group`: `>` for entries never delivered to the group (they
    /// become pending for this consumer), an ID for this consumer's own pending entries after
    /// it (`0`: all of them; an entry deleted since comes back with no fields). Blocking as
    /// [`xread`](StreamCommands::xread).
    /// <https://redis.io/docs/latest/commands/xreadgroup/>
    ///
    /// # Errors
    /// `NOGROUP` for a missing key or group; `InvalidInput` before sending as for
    /// [`xread`](StreamCommands::xread) (`NOACK` is allowed here).
    fn xreadgroup<V: FromValue>(
        self,
        group: impl ToArg,
        consumer: impl ToArg,
        keys: impl ToArgs,
        ids: impl ToArgs,
        options: XReadOptions,
    ) -> Self::Output<Vec<StreamBatch<V>>> {
        let args = (
            ("GROUP", One(&group), One(&consumer)),
            &options,
            "STREAMS",
            &keys,
            &ids,
        );
        match options.check(true).and(check_streams(&keys, &ids)) {
            Ok(()) => self.run(&Request::new(&spec::XREADGROUP, &args)),
            Err(e) => self.refuse(e),
        }
    }

    /// `XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id]`: sets the stream's last ID
    /// (and, Redis 7.0+, its counters; see [`XSetIdOptions`]).
    /// <https://redis.io/docs/latest/commands/xsetid/>
    ///
    /// # Errors
    /// `ERR no such key` for a missing key; `ERR The ID specified in XSETID is smaller than the
    /// target stream top item`; on Redis 6.2 an error for either option.
    fn xsetid(
        self,
        key: impl ToArg,
        last_id: impl ToArg,
        options: XSetIdOptions,
    ) -> Self::Output<()> {
        self.run(&Request::new(
            &spec::XSETID,
            &(One(&key), One(&last_id), &options),
        ))
    }

    /// `XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT n]`: trims the stream ([`StreamTrim`])
    /// and returns how many entries were evicted.
    /// <https://redis.io/docs/latest/commands/xtrim/>
    ///
    /// # Errors
    /// `InvalidInput` before sending for `LIMIT` without `~`; `WRONGTYPE`.
    fn xtrim(self, key: impl ToArg, trim: StreamTrim) -> Self::Output<u64> {
        match trim.check() {
            Ok(()) => self.run(&Request::new(&spec::XTRIM, &(One(&key), &trim))),
            Err(e) => self.refuse(e),
        }
    }
}

impl<C: Commands> StreamCommands for C {}

/// `XADD`'s fields must be whole field-value pairs, at least one.
fn check_pairs(fields: &dyn ToArgs) -> Result<()> {
    let n = fields.arg_count();
    if n == 0 || n % 2 == 1 {
        return Err(Error::invalid(
            "XADD fields",
            format!("{n} arguments: field-value pairs expected, at least one"),
        ));
    }
    Ok(())
}

/// `STREAMS` takes as many IDs as keys, at least one.
fn check_streams(keys: &dyn ToArgs, ids: &dyn ToArgs) -> Result<()> {
    let (k, i) = (keys.arg_count(), ids.arg_count());
    if k == 0 || k != i {
        return Err(Error::invalid(
            "stream read",
            format!("{k} keys and {i} IDs: one ID per key expected, at least one key"),
        ));
    }
    Ok(())
}

/// This group's methods and the command each sends.
pub(crate) const METHODS: &[Method] = &[
    ("xack", &spec::XACK),
    ("xadd", &spec::XADD),
    ("xadd_options", &spec::XADD),
    ("xadd_nomkstream", &spec::XADD),
    ("xautoclaim", &spec::XAUTOCLAIM),
    ("xautoclaim_justid", &spec::XAUTOCLAIM),
    ("xclaim", &spec::XCLAIM),
    ("xclaim_justid", &spec::XCLAIM),
    ("xdel", &spec::XDEL),
    ("xgroup_create", &spec::XGROUP_CREATE),
    ("xgroup_createconsumer", &spec::XGROUP_CREATECONSUMER),
    ("xgroup_delconsumer", &spec::XGROUP_DELCONSUMER),
    ("xgroup_destroy", &spec::XGROUP_DESTROY),
    ("xgroup_setid", &spec::XGROUP_SETID),
    ("xinfo_stream", &spec::XINFO_STREAM),
    ("xinfo_stream_full", &spec::XINFO_STREAM),
    ("xinfo_groups", &spec::XINFO_GROUPS),
    ("xinfo_consumers", &spec::XINFO_CONSUMERS),
    ("xlen", &spec::XLEN),
    ("xpending", &spec::XPENDING),
    ("xpending_range", &spec::XPENDING),
    ("xrange", &spec::XRANGE),
    ("xrevrange", &spec::XREVRANGE),
    ("xread", &spec::XREAD),
    ("xreadgroup", &spec::XREADGROUP),
    ("xsetid", &spec::XSETID),
    ("xtrim", &spec::XTRIM),
];

#[cfg(test)]
mod tests;
