//! The option structs of the stream commands: trimming (`XADD`, `XTRIM`), reads (`XREAD`,
//! `XREADGROUP`), claims (`XCLAIM`), the extended `XPENDING`, and the consumer-group and
//! `XSETID` options. Each writes its arguments through [`ToArgs`]; the methods that take one
//! check it first ([`StreamTrim::check`] and the others), so a combination the server would
//! refuse is refused before anything is sent.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::commands::args::{ArgWriter, ToArgs};
use crate::commands::groups::shared::block_millis;
use crate::error::{Error, Result};

/// A duration in whole milliseconds, rounded up (so that "idle at least this long" never
/// takes an entry idle for less); zero stays zero, which these options read as "any".
pub(super) fn millis_up(d: Duration) -> u64 {
    let ms = d.as_millis() + u128::from(d.subsec_nanos() % 1_000_000 > 0);
    u64::try_from(ms).unwrap_or(u64::MAX)
}

/// What a trim keeps: `MAXLEN` (the newest entries, at most this many) or `MINID` (the
/// entries from this ID on).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Threshold {
    MaxLen(u64),
    MinId(String),
}

/// How to trim a stream, for [`xtrim`](super::StreamCommands::xtrim) and
/// [`XAddOptions::trim`]: `MAXLEN` or `MINID`, exact (`=`, the default) or approximate (`~`,
/// cheaper: whole macro nodes only), and for an approximate trim a `LIMIT` on how many entries
/// one call may evict.
///
/// ```
/// use redisync::StreamTrim;
/// // Keep about the newest 10 000 entries, evicting at most 100 per call.
/// let trim = StreamTrim::maxlen(10_000).approx().limit(100);
/// // Drop everything older than this ID, exactly.
/// let older = StreamTrim::minid("1700000000000-0");
/// # let _ = (trim, older);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamTrim {
    threshold: Threshold,
    operator: Option<&'static str>,
    limit: Option<u64>,
}

impl StreamTrim {
    /// `MAXLEN count`: keep at most the newest `count` entries.
    pub fn maxlen(count: u64) -> StreamTrim {
        StreamTrim {
            threshold: Threshold::MaxLen(count),
            operator: None,
            limit: None,
        }
    }

    /// `MINID id`: evict the entries whose IDs are lower than `id`.
    pub fn minid(id: impl Into<String>) -> StreamTrim {
        StreamTrim {
            threshold: Threshold::MinId(id.into()),
            operator: None,
            limit: None,
        }
    }

    /// `=`: trim exactly (what the server does without an operator, too).
    pub fn exact(mut self) -> StreamTrim {
        self.operator = Some("=");
        self
    }

    /// `~`: trim approximately, only whole macro nodes; the stream may keep a few more entries
    /// than asked, and the trim is much cheaper.
    pub fn approx(mut self) -> StreamTrim {
        self.operator = Some("~");
        self
    }

    /// `LIMIT count`: evict at most `count` entries in this call (approximate trims only;
    /// `0` lifts the server's default limit of 100 × the macro node size).
    pub fn limit(mut self, count: u64) -> StreamTrim {
        self.limit = Some(count);
        self
    }

    /// Refuses what the server would: `LIMIT` without `~`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput).
    pub fn check(&self) -> Result<()> {
        if self.limit.is_some() && self.operator != Some("~") {
            return Err(Error::invalid(
                "stream trim options",
                "LIMIT needs approximate trimming (approx(), `~`)",
            ));
        }
        Ok(())
    }
}

impl ToArgs for StreamTrim {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        match &self.threshold {
            Threshold::MaxLen(n) => {
                out.arg(b"MAXLEN");
                self.operator.write_args(out);
                out.arg_uint(*n);
            }
            Threshold::MinId(id) => {
                out.arg(b"MINID");
                self.operator.write_args(out);
                out.arg(id.as_bytes());
            }
        }
        if let Some(n) = self.limit {
            out.arg(b"LIMIT");
            out.arg_uint(n);
        }
    }
}

/// Options for [`xadd_options`](super::StreamCommands::xadd_options) and
/// [`xadd_nomkstream`](super::StreamCommands::xadd_nomkstream): the new entry's ID (the server
/// makes one by default, `*`) and a trim done in the same call.
///
/// ```
/// use redisync::{StreamTrim, XAddOptions};
/// let capped = XAddOptions::new().trim(StreamTrim::maxlen(1000).approx());
/// let explicit = XAddOptions::new().id("5-1");
/// # let _ = (capped, explicit);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct XAddOptions {
    id: Option<String>,
    trim: Option<StreamTrim>,
}

impl XAddOptions {
    /// A server-made ID (`*`), no trim.
    pub fn new() -> XAddOptions {
        XAddOptions::default()
    }

    /// The entry's ID: `ms-seq` (greater than the stream's last), `ms-*` (the server picks the
    /// sequence; Redis 7.0+) or `*`.
    pub fn id(mut self, id: impl Into<String>) -> XAddOptions {
        self.id = Some(id.into());
        self
    }

    /// Trims the stream after adding (`MAXLEN`/`MINID` before the ID).
    pub fn trim(mut self, trim: StreamTrim) -> XAddOptions {
        self.trim = Some(trim);
        self
    }

    /// Refuses a trim the server would refuse (see [`StreamTrim::check`]).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput).
    pub fn check(&self) -> Result<()> {
        self.trim.as_ref().map_or(Ok(()), StreamTrim::check)
    }
}

impl ToArgs for XAddOptions {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        self.trim.write_args(out);
        out.arg(self.id.as_deref().unwrap_or("*").as_bytes());
    }
}

/// Options for [`xread`](super::StreamCommands::xread) and
/// [`xreadgroup`](super::StreamCommands::xreadgroup): `COUNT`, `BLOCK` and, for the group form
/// only, `NOACK`.
///
/// A `BLOCK` read waits on the server for new entries; the connection's read deadline is
/// extended by the wait, so a wait longer than the read timeout is not a timeout. A wait that
/// ends with nothing new is an empty result, not an error.
///
/// ```
/// use std::time::Duration;
/// use redisync::XReadOptions;
/// let wait_2s = XReadOptions::new().count(10).block(Some(Duration::from_secs(2)));
/// let forever = XReadOptions::new().block(None);
/// # let _ = (wait_2s, forever);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct XReadOptions {
    count: Option<u64>,
    block: Option<Option<Duration>>,
    noack: bool,
}

impl XReadOptions {
    /// No count, no waiting.
    pub fn new() -> XReadOptions {
        XReadOptions::default()
    }

    /// `COUNT n`: at most `n` entries per stream.
    pub fn count(mut self, n: u64) -> XReadOptions {
        self.count = Some(n);
        self
    }

    /// `BLOCK ms`: when no stream has anything to read, wait up to `timeout` (rounded up to
    /// whole milliseconds) for an entry; `None` waits as long as it takes. A zero duration is
    /// refused (Redis would read it as "forever").
    pub fn block(mut self, timeout: Option<Duration>) -> XReadOptions {
        self.block = Some(timeout);
        self
    }

    /// `NOACK` (`XREADGROUP` only): the entries read are not added to the pending list, as if
    /// acknowledged at once.
    pub fn noack(mut self) -> XReadOptions {
        self.noack = true;
        self
    }

    /// Refuses a zero `BLOCK`, and `NOACK` when `group` is false (`XREAD`).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput).
    pub fn check(&self, group: bool) -> Result<()> {
        if let Some(timeout) = self.block {
            block_millis(timeout).map_err(|_| {
                Error::invalid(
                    "stream read options",
                    "a zero BLOCK is refused: use block(None) to wait as long as it takes",
                )
            })?;
        }
        if self.noack && !group {
            return Err(Error::invalid(
                "XREAD options",
                "NOACK is for XREADGROUP only",
            ));
        }
        Ok(())
    }
}

impl ToArgs for XReadOptions {
    /// `COUNT n`, `BLOCK ms`, `NOACK`. A zero `BLOCK`, which the methods refuse, is left out
    /// when the options are written as arguments on their own.
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        if let Some(n) = self.count {
            out.arg(b"COUNT");
            out.arg_uint(n);
        }
        if let Some(Ok(ms)) = self.block.map(block_millis) {
            out.arg(b"BLOCK");
            out.arg_uint(ms);
        }
        if self.noack {
            out.arg(b"NOACK");
        }
    }
}

/// When a claimed entry counts as last delivered: `IDLE` (that long ago) or `TIME` (at a Unix
/// time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delivered {
    Idle(u64),
    /// Milliseconds since the Unix epoch; `None` for a time before it.
    Time(Option<u64>),
}

/// Options for [`xclaim`](super::StreamCommands::xclaim) and
/// [`xclaim_justid`](super::StreamCommands::xclaim_justid): `IDLE` or `TIME` (one of them: the
/// last one set wins), `RETRYCOUNT`, `FORCE`, `LASTID`.
///
/// ```
/// use std::time::Duration;
/// use redisync::XClaimOptions;
/// let opts = XClaimOptions::new().idle(Duration::ZERO).retry_count(3);
/// # let _ = opts;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct XClaimOptions {
    delivered: Option<Delivered>,
    retry_count: Option<u64>,
    force: bool,
    last_id: Option<String>,
}

impl XClaimOptions {
    /// Nothing but the claim.
    pub fn new() -> XClaimOptions {
        XClaimOptions::default()
    }

    /// `IDLE ms`: the claimed entries' idle time is set to this (whole milliseconds, rounded
    /// up), instead of zero.
    pub fn idle(mut self, idle: Duration) -> XClaimOptions {
        self.delivered = Some(Delivered::Idle(millis_up(idle)));
        self
    }

    /// `TIME unix-ms`: as `idle`, as the Unix time of the last delivery.
    pub fn time(mut self, at: SystemTime) -> XClaimOptions {
        let ms = at
            .duration_since(UNIX_EPOCH)
            .ok()
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        self.delivered = Some(Delivered::Time(ms));
        self
    }

    /// `RETRYCOUNT n`: set the delivery count to `n` (it is otherwise incremented, unless
    /// [`xclaim_justid`](super::StreamCommands::xclaim_justid)).
    pub fn retry_count(mut self, n: u64) -> XClaimOptions {
        self.retry_count = Some(n);
        self
    }

    /// `FORCE`: claim IDs that are in no consumer's pending list too (if they are in the
    /// stream).
    pub fn force(mut self) -> XClaimOptions {
        self.force = true;
        self
    }

    /// `LASTID id`: also move the group's last-delivered ID up to `id` (if greater).
    pub fn last_id(mut self, id: impl Into<String>) -> XClaimOptions {
        self.last_id = Some(id.into());
        self
    }

    /// Refuses a `TIME` before the Unix epoch.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput).
    pub fn check(&self) -> Result<()> {
        match self.delivered {
            Some(Delivered::Time(None)) => Err(Error::invalid(
                "XCLAIM options",
                "TIME before the Unix epoch",
            )),
            _ => Ok(()),
        }
    }
}

impl ToArgs for XClaimOptions {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        match self.delivered {
            Some(Delivered::Idle(ms)) => {
                out.arg(b"IDLE");
                out.arg_uint(ms);
            }
            Some(Delivered::Time(Some(ms))) => {
                out.arg(b"TIME");
                out.arg_uint(ms);
            }
            // Refused by `check`; left out when written on its own.
            Some(Delivered::Time(None)) | None => {}
        }
        if let Some(n) = self.retry_count {
            out.arg(b"RETRYCOUNT");
            out.arg_uint(n);
        }
        if self.force {
            out.arg(b"FORCE");
        }
        if let Some(id) = &self.last_id {
            out.arg(b"LASTID");
            out.arg(id.as_bytes());
        }
    }
}

/// The extended form of `XPENDING` for
/// [`xpending_range`](super::StreamCommands::xpending_range): an ID range and a count, and
/// optionally a minimum idle time (`IDLE`, Redis 6.2+) and one consumer.
///
/// ```
/// use std::time::Duration;
/// use redisync::XPendingOptions;
/// // The first 10 pending entries of consumer "bob" idle for a minute or more.
/// let stuck = XPendingOptions::new("-", "+", 10)
///     .idle(Duration::from_secs(60))
///     .consumer("bob");
/// # let _ = stuck;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XPendingOptions {
    idle: Option<u64>,
    start: String,
    end: String,
    count: u64,
    consumer: Option<String>,
}

impl XPendingOptions {
    /// The pending entries with IDs from `start` to `end` (`-` and `+` for all; `(id` for an
    /// exclusive bound), at most `count` of them.
    pub fn new(start: impl Into<String>, end: impl Into<String>, count: u64) -> XPendingOptions {
        XPendingOptions {
            idle: None,
            start: start.into(),
            end: end.into(),
            count,
            consumer: None,
        }
    }

    /// `IDLE ms`: only entries idle at least this long (whole milliseconds, rounded up).
    pub fn idle(mut self, min_idle: Duration) -> XPendingOptions {
        self.idle = Some(millis_up(min_idle));
        self
    }

    /// Only this consumer's entries.
    pub fn consumer(mut self, consumer: impl Into<String>) -> XPendingOptions {
        self.consumer = Some(consumer.into());
        self
    }
}

impl ToArgs for XPendingOptions {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        if let Some(ms) = self.idle {
            out.arg(b"IDLE");
            out.arg_uint(ms);
        }
        out.arg(self.start.as_bytes());
        out.arg(self.end.as_bytes());
        out.arg_uint(self.count);
        if let Some(c) = &self.consumer {
            out.arg(c.as_bytes());
        }
    }
}

/// Options for [`xgroup_create`](super::StreamCommands::xgroup_create): `MKSTREAM` and
/// `ENTRIESREAD` (Redis 7.0+).
///
/// ```
/// use redisync::XGroupCreateOptions;
/// let opts = XGroupCreateOptions::new().mkstream();
/// # let _ = opts;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct XGroupCreateOptions {
    mkstream: bool,
    entries_read: Option<u64>,
}

impl XGroupCreateOptions {
    /// The stream must exist; no entries-read count.
    pub fn new() -> XGroupCreateOptions {
        XGroupCreateOptions::default()
    }

    /// `MKSTREAM`: create an empty stream when the key does not exist.
    pub fn mkstream(mut self) -> XGroupCreateOptions {
        self.mkstream = true;
        self
    }

    /// `ENTRIESREAD n` (Redis 7.0+): how many entries the group has read so far, which lets
    /// the server tell the group's lag.
    pub fn entries_read(mut self, n: u64) -> XGroupCreateOptions {
        self.entries_read = Some(n);
        self
    }
}

impl ToArgs for XGroupCreateOptions {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        if self.mkstream {
            out.arg(b"MKSTREAM");
        }
        if let Some(n) = self.entries_read {
            out.arg(b"ENTRIESREAD");
            out.arg_uint(n);
        }
    }
}

/// Options for [`xsetid`](super::StreamCommands::xsetid) (Redis 7.0+): the stream's
/// entries-added counter and its greatest deleted ID.
///
/// ```
/// use redisync::XSetIdOptions;
/// let opts = XSetIdOptions::new().entries_added(100).max_deleted_id("5-0");
/// # let _ = opts;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct XSetIdOptions {
    entries_added: Option<u64>,
    max_deleted_id: Option<String>,
}

impl XSetIdOptions {
    /// Only the last ID.
    pub fn new() -> XSetIdOptions {
        XSetIdOptions::default()
    }

    /// `ENTRIESADDED n` (Redis 7.0+): how many entries were ever added to the stream.
    pub fn entries_added(mut self, n: u64) -> XSetIdOptions {
        self.entries_added = Some(n);
        self
    }

    /// `MAXDELETEDID id` (Redis 7.0+): the greatest ID deleted from the stream.
    pub fn max_deleted_id(mut self, id: impl Into<String>) -> XSetIdOptions {
        self.max_deleted_id = Some(id.into());
        self
    }
}

impl ToArgs for XSetIdOptions {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        if let Some(n) = self.entries_added {
            out.arg(b"ENTRIESADDED");
            out.arg_uint(n);
        }
        if let Some(id) = &self.max_deleted_id {
            out.arg(b"MAXDELETEDID");
            out.arg(id.as_bytes());
        }
    }
}
