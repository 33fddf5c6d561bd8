//! The replies of the stream commands as structs: entries, per-stream batches of them, the
//! pending-entries summaries, `XAUTOCLAIM`'s cursor, and the `XINFO` reports.
//!
//! Each conversion accepts the RESP2 shape (flat arrays of names and values) and the RESP3
//! one (maps) alike, and the fields a server version lacks come out as `None`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::commands::reply::FromValue;
use crate::error::{ConversionError, Error, Result};
use crate::resp::Value;

/// Looks through attributes and raises an error reply, so a conversion sees the value itself.
pub(in crate::commands::groups) fn plain(value: Value) -> Result<Value> {
    match value.into_unattributed() {
        Value::Error(e) | Value::BulkError(e) => Err(Error::Server(e)),
        v => Ok(v),
    }
}

/// The elements of an array reply (nil as none).
fn items(what: &'static str, value: Value) -> Result<Vec<Value>> {
    match plain(value)? {
        Value::Array(items) | Value::Set(items) => Ok(items),
        Value::Nil => Ok(Vec::new()),
        other => Err(ConversionError::new(what, &other).into()),
    }
}

/// The elements of a fixed-size array reply: at least `min`, at most `max`.
fn tuple(what: &'static str, value: Value, min: usize, max: usize) -> Result<Vec<Value>> {
    match plain(value)? {
        Value::Array(items) if (min..=max).contains(&items.len()) => Ok(items),
        other => Err(ConversionError::new(what, &other).into()),
    }
}

/// A reply made of named fields (a RESP3 map, a flat RESP2 array of names and values), taken
/// apart by name. Fields the server adds in later versions are ignored.
pub(in crate::commands::groups) struct Fields {
    what: &'static str,
    pairs: Vec<(String, Value)>,
}

impl Fields {
    /// The fields of `value`; `what` names the struct being built, in errors.
    pub(in crate::commands::groups) fn new(what: &'static str, value: Value) -> Result<Fields> {
        let value = plain(value)?;
        if !matches!(value, Value::Map(_) | Value::Array(_)) {
            return Err(ConversionError::new(what, &value).into());
        }
        let pairs = Vec::<(String, Value)>::from_value(value)?;
        Ok(Fields { what, pairs })
    }

    /// The field's value, taken out; `None` when the reply has no such field.
    pub(in crate::commands::groups) fn take(&mut self, name: &str) -> Option<Value> {
        let at = self.pairs.iter().position(|(n, _)| n == name)?;
        Some(self.pairs.swap_remove(at).1)
    }

    /// A field every server sends.
    pub(in crate::commands::groups) fn req<T: FromValue>(&mut self, name: &str) -> Result<T> {
        match self.take(name) {
            Some(v) => T::from_value(v),
            None => {
                Err(ConversionError::custom(self.what, format!("a reply without `{name}`")).into())
            }
        }
    }

    /// A field some servers lack, or send as nil: `None` then.
    pub(in crate::commands::groups) fn opt<T: FromValue>(
        &mut self,
        name: &str,
    ) -> Result<Option<T>> {
        match self.take(name) {
            Some(v) => Option::<T>::from_value(v),
            None => Ok(None),
        }
    }

    /// A field in milliseconds (negative read as zero).
    pub(in crate::commands::groups) fn millis(&mut self, name: &str) -> Result<Duration> {
        let ms: i64 = self.req(name)?;
        Ok(Duration::from_millis(ms.max(0) as u64))
    }

    /// A field in milliseconds that some servers lack, or send as `-1` for "never": `None`
    /// then.
    fn opt_millis(&mut self, name: &str) -> Result<Option<Duration>> {
        Ok(self
            .opt::<i64>(name)?
            .filter(|ms| *ms >= 0)
            .map(|ms| Duration::from_millis(ms as u64)))
    }

    /// A Unix time in milliseconds that some servers lack, or send as `-1`: `None` then.
    fn opt_unix_millis(&mut self, name: &str) -> Result<Option<SystemTime>> {
        Ok(self.opt::<i64>(name)?.and_then(unix_millis))
    }
}

/// A Unix time in milliseconds; `None` when negative (`-1`: never).
fn unix_millis(ms: i64) -> Option<SystemTime> {
    u64::try_from(ms)
        .ok()
        .map(|ms| UNIX_EPOCH + Duration::from_millis(ms))
}

/// A duration in milliseconds (a negative one, from a clock that went back, as zero).
fn millis(value: Value) -> Result<Duration> {
    let ms = i64::from_value(value)?;
    Ok(Duration::from_millis(ms.max(0) as u64))
}

/// The next element of a fixed-size reply (there is one: the size was checked).
fn next(it: &mut std::vec::IntoIter<Value>) -> Value {
    it.next().unwrap_or(Value::Nil)
}

/// One entry of a stream: its ID and its field-value pairs, in the order they were added.
///
/// The field names are text (`String`); the values are the caller's type `V` (`String` by
/// default, `Vec<u8>` for binary values, integers, [`Value`]...). A field may appear twice, as
/// `XADD` allows. An entry deleted from the stream while it was still pending (read again
/// from a group's history with `XREADGROUP ... 0`) has no fields.
///
/// For field names that are not UTF-8, send the command with [`cmd`](crate::cmd) and convert
/// the reply into `Vec<(String, Vec<(Vec<u8>, V)>)>`.
///
/// ```
/// use redisync::StreamEntry;
/// let e = StreamEntry { id: "1-1".to_string(), fields: vec![("f".to_string(), 5i64)] };
/// assert_eq!(e.get("f"), Some(&5));
/// assert_eq!(e.get("g"), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StreamEntry<V = String> {
    /// The entry's ID, `ms-seq`.
    pub id: String,
    /// The field-value pairs.
    pub fields: Vec<(String, V)>,
}

impl<V> StreamEntry<V> {
    /// The value of the first field named `field`.
    pub fn get(&self, field: &str) -> Option<&V> {
        self.fields.iter().find(|(n, _)| n == field).map(|(_, v)| v)
    }
}

/// `[id, [field, value, ...]]`; the fields may be nil (a deleted entry).
impl<V: FromValue> FromValue for StreamEntry<V> {
    fn from_value(value: Value) -> Result<StreamEntry<V>> {
        let mut it = tuple("StreamEntry", value, 2, 2)?.into_iter();
        Ok(StreamEntry {
            id: String::from_value(next(&mut it))?,
            fields: Vec::from_value(next(&mut it))?,
        })
    }
}

/// The entries read from one stream by [`xread`](super::StreamCommands::xread) or
/// [`xreadgroup`](super::StreamCommands::xreadgroup).
///
/// A list of batches converts from RESP2's array of `[stream, entries]` pairs and RESP3's map
/// of stream to entries alike (so `HashMap<String, Vec<StreamEntry<V>>>` works too).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StreamBatch<V = String> {
    /// The stream's key (a key that is not UTF-8 is a conversion error: read those with
    /// [`cmd`](crate::cmd) into `Vec<(Vec<u8>, Vec<StreamEntry<V>>)>`).
    pub stream: String,
    /// Its entries, oldest first.
    pub entries: Vec<StreamEntry<V>>,
}

impl<V: FromValue> FromValue for StreamBatch<V> {
    fn from_value(value: Value) -> Result<StreamBatch<V>> {
        let mut it = tuple("StreamBatch", value, 2, 2)?.into_iter();
        let key = next(&mut it);
        Self::from_pair(key, next(&mut it))
    }

    #[doc(hidden)]
    const IS_PAIR: bool = true;

    #[doc(hidden)]
    fn from_pair(key: Value, value: Value) -> Result<StreamBatch<V>> {
        Ok(StreamBatch {
            stream: String::from_value(key)?,
            entries: Vec::from_value(value)?,
        })
    }
}

/// `XAUTOCLAIM`'s reply: where the next call starts, what this one claimed, and (Redis 7.0+)
/// the pending IDs it found deleted from the stream and dropped from the pending list.
///
/// `T` is [`StreamEntry<V>`] from [`xautoclaim`](super::StreamCommands::xautoclaim), the
/// IDs (`String`) from [`xautoclaim_justid`](super::StreamCommands::xautoclaim_justid). On
/// Redis 6.2, which has no third element, `deleted` is empty and a deleted entry is left out
/// of `claimed` (the server sends nil in its place and keeps it pending).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AutoClaim<T> {
    /// The cursor for the next call; `0-0` when the whole pending list was scanned.
    pub next: String,
    /// The entries (or IDs) claimed.
    pub claimed: Vec<T>,
    /// IDs that were pending but are no longer in the stream (Redis 7.0+; empty before).
    pub deleted: Vec<String>,
}

impl<T: FromValue> FromValue for AutoClaim<T> {
    fn from_value(value: Value) -> Result<AutoClaim<T>> {
        let mut it = tuple("AutoClaim", value, 2, 3)?.into_iter();
        let next_id = String::from_value(next(&mut it))?;
        let claimed = items("AutoClaim", next(&mut it))?
            .into_iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(T::from_value)
            .collect::<Result<_>>()?;
        Ok(AutoClaim {
            next: next_id,
            claimed,
            deleted: Vec::from_value(next(&mut it))?,
        })
    }
}

/// Drops the nil elements of an array reply: `XCLAIM` on Redis 6.2 sends nil for a claimed ID
/// whose entry was deleted from the stream.
pub(super) fn without_nils(value: Value) -> Result<Value> {
    Ok(match plain(value)? {
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .filter(|v| !matches!(v, Value::Nil))
                .collect(),
        ),
        other => other,
    })
}

/// The summary form of `XPENDING`: how many entries a group has pending, the lowest and
/// highest of their IDs, and how many each consumer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PendingSummary {
    /// How many entries are pending (delivered, not acknowledged).
    pub count: u64,
    /// The lowest pending ID; `None` when nothing is pending.
    pub lowest: Option<String>,
    /// The highest pending ID; `None` when nothing is pending.
    pub highest: Option<String>,
    /// Each consumer with pending entries, and how many it holds.
    pub consumers: Vec<(String, u64)>,
}

impl FromValue for PendingSummary {
    fn from_value(value: Value) -> Result<PendingSummary> {
        let mut it = tuple("PendingSummary", value, 4, 4)?.into_iter();
        Ok(PendingSummary {
            count: u64::from_value(next(&mut it))?,
            lowest: Option::from_value(next(&mut it))?,
            highest: Option::from_value(next(&mut it))?,
            consumers: Vec::from_value(next(&mut it))?,
        })
    }
}

/// One entry of the extended form of `XPENDING`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PendingEntry {
    /// The entry's ID.
    pub id: String,
    /// The consumer it was delivered to.
    pub consumer: String,
    /// How long since it was last delivered.
    pub idle: Duration,
    /// How many times it was delivered.
    pub deliveries: u64,
}

impl FromValue for PendingEntry {
    fn from_value(value: Value) -> Result<PendingEntry> {
        let mut it = tuple("PendingEntry", value, 4, 4)?.into_iter();
        Ok(PendingEntry {
            id: String::from_value(next(&mut it))?,
            consumer: String::from_value(next(&mut it))?,
            idle: millis(next(&mut it))?,
            deliveries: u64::from_value(next(&mut it))?,
        })
    }
}

/// `XINFO STREAM`: a stream's size, IDs and first and last entries.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamInfo<V = String> {
    /// How many entries it holds.
    pub length: u64,
    /// Keys in its radix tree.
    pub radix_tree_keys: u64,
    /// Nodes in its radix tree.
    pub radix_tree_nodes: u64,
    /// The ID of the last entry added (which may since have been deleted).
    pub last_generated_id: String,
    /// The greatest ID deleted from it (Redis 7.0+).
    pub max_deleted_entry_id: Option<String>,
    /// How many entries were ever added to it (Redis 7.0+).
    pub entries_added: Option<u64>,
    /// The ID of its first entry, as recorded (Redis 7.0+; `0-0` for an empty stream).
    pub recorded_first_entry_id: Option<String>,
    /// How many consumer groups it has.
    pub groups: u64,
    /// Its first entry; `None` when empty.
    pub first_entry: Option<StreamEntry<V>>,
    /// Its last entry; `None` when empty.
    pub last_entry: Option<StreamEntry<V>>,
}

impl<V: FromValue> FromValue for StreamInfo<V> {
    fn from_value(value: Value) -> Result<StreamInfo<V>> {
        let mut f = Fields::new("StreamInfo", value)?;
        Ok(StreamInfo {
            length: f.req("length")?,
            radix_tree_keys: f.req("radix-tree-keys")?,
            radix_tree_nodes: f.req("radix-tree-nodes")?,
            last_generated_id: f.req("last-generated-id")?,
            max_deleted_entry_id: f.opt("max-deleted-entry-id")?,
            entries_added: f.opt("entries-added")?,
            recorded_first_entry_id: f.opt("recorded-first-entry-id")?,
            groups: f.req("groups")?,
            first_entry: f.opt("first-entry")?,
            last_entry: f.opt("last-entry")?,
        })
    }
}

/// One consumer group of `XINFO GROUPS`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamGroupInfo {
    /// The group's name.
    pub name: String,
    /// How many consumers it has.
    pub consumers: u64,
    /// How many entries are pending in it (delivered, not acknowledged).
    pub pending: u64,
    /// The ID of the last entry delivered to it.
    pub last_delivered_id: String,
    /// How many entries it has read (Redis 7.0+; `None` when the server cannot tell).
    pub entries_read: Option<u64>,
    /// How many entries are still to be delivered to it (Redis 7.0+; `None` when the server
    /// cannot tell).
    pub lag: Option<u64>,
}

impl FromValue for StreamGroupInfo {
    fn from_value(value: Value) -> Result<StreamGroupInfo> {
        let mut f = Fields::new("StreamGroupInfo", value)?;
        Ok(StreamGroupInfo {
            name: f.req("name")?,
            consumers: f.req("consumers")?,
            pending: f.req("pending")?,
            last_delivered_id: f.req("last-delivered-id")?,
            entries_read: f.opt("entries-read")?,
            lag: f.opt("lag")?,
        })
    }
}

/// One consumer of `XINFO CONSUMERS`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamConsumerInfo {
    /// The consumer's name.
    pub name: String,
    /// How many entries it holds pending.
    pub pending: u64,
    /// How long since it last interacted with the group (read, claimed, or was created).
    pub idle: Duration,
    /// How long since it last read or claimed an entry (Redis 7.2+ and Valkey; `None` before,
    /// and for a consumer that never did).
    pub inactive: Option<Duration>,
}

impl FromValue for StreamConsumerInfo {
    fn from_value(value: Value) -> Result<StreamConsumerInfo> {
        let mut f = Fields::new("StreamConsumerInfo", value)?;
        Ok(StreamConsumerInfo {
            name: f.req("name")?,
            pending: f.req("pending")?,
            idle: f.millis("idle")?,
            inactive: f.opt_millis("inactive")?,
        })
    }
}

/// `XINFO STREAM ... FULL`: the stream's report with its entries, and every group with its
/// pending list and consumers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamInfoFull<V = String> {
    /// How many entries it holds.
    pub length: u64,
    /// Keys in its radix tree.
    pub radix_tree_keys: u64,
    /// Nodes in its radix tree.
    pub radix_tree_nodes: u64,
    /// The ID of the last entry added.
    pub last_generated_id: String,
    /// The greatest ID deleted from it (Redis 7.0+).
    pub max_deleted_entry_id: Option<String>,
    /// How many entries were ever added to it (Redis 7.0+).
    pub entries_added: Option<u64>,
    /// The ID of its first entry, as recorded (Redis 7.0+).
    pub recorded_first_entry_id: Option<String>,
    /// Its entries, oldest first, as many as the count asked.
    pub entries: Vec<StreamEntry<V>>,
    /// Its consumer groups.
    pub groups: Vec<StreamGroupFull>,
}

impl<V: FromValue> FromValue for StreamInfoFull<V> {
    fn from_value(value: Value) -> Result<StreamInfoFull<V>> {
        let mut f = Fields::new("StreamInfoFull", value)?;
        Ok(StreamInfoFull {
            length: f.req("length")?,
            radix_tree_keys: f.req("radix-tree-keys")?,
            radix_tree_nodes: f.req("radix-tree-nodes")?,
            last_generated_id: f.req("last-generated-id")?,
            max_deleted_entry_id: f.opt("max-deleted-entry-id")?,
            entries_added: f.opt("entries-added")?,
            recorded_first_entry_id: f.opt("recorded-first-entry-id")?,
            entries: f.req("entries")?,
            groups: f.req("groups")?,
        })
    }
}

/// One group of [`StreamInfoFull`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamGroupFull {
    /// The group's name.
    pub name: String,
    /// The ID of the last entry delivered to it.
    pub last_delivered_id: String,
    /// How many entries it has read (Redis 7.0+; `None` when the server cannot tell).
    pub entries_read: Option<u64>,
    /// How many entries are still to be delivered to it (Redis 7.0+; `None` when the server
    /// cannot tell).
    pub lag: Option<u64>,
    /// How many entries are pending in it.
    pub pel_count: u64,
    /// Its pending entries, as many as the count asked.
    pub pending: Vec<PendingDelivery>,
    /// Its consumers.
    pub consumers: Vec<StreamConsumerFull>,
}

impl FromValue for StreamGroupFull {
    fn from_value(value: Value) -> Result<StreamGroupFull> {
        let mut f = Fields::new("StreamGroupFull", value)?;
        Ok(StreamGroupFull {
            name: f.req("name")?,
            last_delivered_id: f.req("last-delivered-id")?,
            entries_read: f.opt("entries-read")?,
            lag: f.opt("lag")?,
            pel_count: f.req("pel-count")?,
            pending: f.req("pending")?,
            consumers: f.req("consumers")?,
        })
    }
}

/// One consumer of a [`StreamGroupFull`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamConsumerFull {
    /// The consumer's name.
    pub name: String,
    /// When it last interacted with the group.
    pub seen_time: SystemTime,
    /// When it last read or claimed an entry (Redis 7.2+ and Valkey; `None` before, and for
    /// a consumer that never did).
    pub active_time: Option<SystemTime>,
    /// How many entries it holds pending.
    pub pel_count: u64,
    /// Its pending entries, as many as the count asked.
    pub pending: Vec<PendingDelivery>,
}

impl FromValue for StreamConsumerFull {
    fn from_value(value: Value) -> Result<StreamConsumerFull> {
        let mut f = Fields::new("StreamConsumerFull", value)?;
        let name: String = f.req("name")?;
        let seen: i64 = f.req("seen-time")?;
        // A consumer's own pending entries leave its name out: `[id, delivered, count]`.
        let pending = items(
            "StreamConsumerFull",
            f.take("pending").unwrap_or(Value::Nil),
        )?
        .into_iter()
        .map(|v| {
            let mut it = tuple("PendingDelivery", v, 3, 3)?.into_iter();
            let id = String::from_value(next(&mut it))?;
            let at = i64::from_value(next(&mut it))?;
            Ok(PendingDelivery {
                id,
                consumer: name.clone(),
                delivered_at: unix_millis(at).unwrap_or(UNIX_EPOCH),
                deliveries: u64::from_value(next(&mut it))?,
            })
        })
        .collect::<Result<_>>()?;
        Ok(StreamConsumerFull {
            seen_time: unix_millis(seen).unwrap_or(UNIX_EPOCH),
            active_time: f.opt_unix_millis("active-time")?,
            pel_count: f.req("pel-count")?,
            pending,
            name,
        })
    }
}

/// One pending entry of [`StreamGroupFull`] or [`StreamConsumerFull`]: who has it, since when,
/// how often delivered.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PendingDelivery {
    /// The entry's ID.
    pub id: String,
    /// The consumer holding it.
    pub consumer: String,
    /// When it was last delivered.
    pub delivered_at: SystemTime,
    /// How many times it was delivered.
    pub deliveries: u64,
}

/// The group's form, `[id, consumer, delivered, count]`.
impl FromValue for PendingDelivery {
    fn from_value(value: Value) -> Result<PendingDelivery> {
        let mut it = tuple("PendingDelivery", value, 4, 4)?.into_iter();
        let id = String::from_value(next(&mut it))?;
        let consumer = String::from_value(next(&mut it))?;
        let at = i64::from_value(next(&mut it))?;
        Ok(PendingDelivery {
            id,
            consumer,
            delivered_at: unix_millis(at).unwrap_or(UNIX_EPOCH),
            deliveries: u64::from_value(next(&mut it))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }
    fn arr(v: Vec<Value>) -> Value {
        Value::Array(v)
    }
    fn entry(id: &str, f: &str, v: &str) -> Value {
        arr(vec![bulk(id), arr(vec![bulk(f), bulk(v)])])
    }

    #[test]
    fn entries_and_batches_read_both_protocols() {
        let entries = || arr(vec![entry("1-1", "f", "v"), entry("2-1", "f", "w")]);
        let resp2 = arr(vec![arr(vec![bulk("s"), entries()])]);
        let resp3 = Value::Map(vec![(bulk("s"), entries())]);
        for v in [resp2, resp3] {
            let b: Vec<StreamBatch> = FromValue::from_value(v).unwrap();
            assert_eq!(b.len(), 1);
            assert_eq!(b[0].stream, "s");
            assert_eq!(b[0].entries[1].get("f").map(String::as_str), Some("w"));
        }
        // A timed-out BLOCK: nil on both.
        assert!(
            Vec::<StreamBatch>::from_value(Value::Nil)
                .unwrap()
                .is_empty()
        );
        // A deleted pending entry read from history: nil fields.
        let e: StreamEntry<Vec<u8>> =
            FromValue::from_value(arr(vec![bulk("1-1"), Value::Nil])).unwrap();
        assert!(e.fields.is_empty());
        let e = StreamEntry::<String>::from_value(Value::Int(1)).unwrap_err();
        assert_eq!(e.to_string(), "cannot convert integer 1 to StreamEntry");
    }

    #[test]
    fn autoclaim_reads_two_and_three_elements_and_skips_nils() {
        let six = arr(vec![
            bulk("0-0"),
            arr(vec![entry("1-1", "f", "v"), Value::Nil]),
        ]);
        let a: AutoClaim<StreamEntry> = FromValue::from_value(six).unwrap();
        assert_eq!((a.next.as_str(), a.claimed.len()), ("0-0", 1));
        assert!(a.deleted.is_empty());
        let seven = arr(vec![
            bulk("3-1"),
            arr(vec![bulk("1-1")]),
            arr(vec![bulk("2-1")]),
        ]);
        let a: AutoClaim<String> = FromValue::from_value(seven).unwrap();
        assert_eq!(
            (a.claimed, a.deleted),
            (vec!["1-1".into()], vec!["2-1".into()])
        );
    }

    #[test]
    fn info_structs_take_missing_fields_as_none() {
        let consumer = |extra: Vec<(Value, Value)>| {
            let mut m = vec![
                (bulk("name"), bulk("c")),
                (bulk("pending"), Value::Int(2)),
                (bulk("idle"), Value::Int(5)),
            ];
            m.extend(extra);
            Value::Map(m)
        };
        let c = StreamConsumerInfo::from_value(consumer(vec![])).unwrap();
        assert_eq!((c.idle, c.inactive), (Duration::from_millis(5), None));
        let c = StreamConsumerInfo::from_value(consumer(vec![(bulk("inactive"), Value::Int(-1))]))
            .unwrap();
        assert_eq!(c.inactive, None);
        let c = StreamConsumerInfo::from_value(consumer(vec![(bulk("inactive"), Value::Int(7))]))
            .unwrap();
        assert_eq!(c.inactive, Some(Duration::from_millis(7)));
        let e = StreamConsumerInfo::from_value(arr(vec![bulk("name"), bulk("c")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot convert a reply without `pending` to StreamConsumerInfo"
        );
        let g = StreamGroupInfo::from_value(arr(vec![
            bulk("name"),
            bulk("g"),
            bulk("consumers"),
            Value::Int(0),
            bulk("pending"),
            Value::Int(0),
            bulk("last-delivered-id"),
            bulk("0-0"),
            bulk("entries-read"),
            Value::Nil,
            bulk("lag"),
            Value::Int(3),
        ]))
        .unwrap();
        assert_eq!((g.entries_read, g.lag), (None, Some(3)));
    }

    #[test]
    fn pending_replies() {
        let s = PendingSummary::from_value(arr(vec![
            Value::Int(0),
            Value::Nil,
            Value::Nil,
            Value::Nil,
        ]))
        .unwrap();
        assert_eq!((s.count, s.lowest, s.consumers.len()), (0, None, 0));
        let p = PendingEntry::from_value(arr(vec![
            bulk("1-1"),
            bulk("c"),
            Value::Int(-3),
            Value::Int(2),
        ]))
        .unwrap();
        assert_eq!((p.idle, p.deliveries), (Duration::ZERO, 2));
    }
}
