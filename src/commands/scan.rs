//! Cursor iteration: [`scan`], [`hscan`], [`sscan`] and [`zscan`] return a [`ScanIter`] that
//! fetches one batch at a time, as the caller drains the previous one.
//!
//! These are free functions rather than methods of [`Commands`](crate::Commands): that trait is
//! also implemented by pipelines, where one method queues one command, and an iterator sends as
//! many commands as it needs.

use std::fmt;
use std::iter::FusedIterator;
use std::marker::PhantomData;

use super::Execute;
use super::args::{ArgWriter, Encoded, One, ToArg, ToArgs};
use super::cmd::Request;
use super::reply::FromValue;
use super::table::{CommandSpec, spec};
use crate::error::{Error, ProtocolError, Result};
use crate::resp::Value;

/// `MATCH`, `COUNT` and `TYPE` for the scan commands, and a bound on empty batches.
///
/// ```
/// use redisync::ScanOptions;
/// let sessions = ScanOptions::new().pattern("session:*").count(500).kind("hash");
/// # let _ = sessions;
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ScanOptions {
    pattern: Option<Vec<u8>>,
    count: Option<u64>,
    kind: Option<String>,
    max_empty_batches: Option<u64>,
}

impl ScanOptions {
    /// No filter, the server's default batch size (10), no bound on empty batches.
    pub fn new() -> ScanOptions {
        ScanOptions::default()
    }

    /// `MATCH pattern`: only elements (keys, fields, members) matching a glob-style pattern.
    /// The server filters each batch after reading it, so a rare match means many empty batches.
    pub fn pattern(mut self, pattern: impl AsRef<[u8]>) -> ScanOptions {
        self.pattern = Some(pattern.as_ref().to_vec());
        self
    }

    /// `COUNT n`: how much work the server does per call (a hint, not an exact batch size).
    /// Larger means fewer round trips and longer calls. Must be at least 1.
    pub fn count(mut self, count: u64) -> ScanOptions {
        self.count = Some(count);
        self
    }

    /// `TYPE type`: only keys of this type (`string`, `list`, `set`, `zset`, `hash`, `stream`,
    /// or a module type's name). [`scan`] only; the other scans refuse it.
    pub fn kind(mut self, kind: &str) -> ScanOptions {
        self.kind = Some(kind.to_string());
        self
    }

    /// Ends the iteration with an error after more than `n` consecutive empty batches with a
    /// non-zero cursor. Off by default: a legitimate scan with a rare `MATCH` over a big
    /// keyspace can return very long runs of empty batches, so set this only where a bound on
    /// round trips matters more than finishing. A repeated cursor is caught without it (see
    /// [`ScanIter`](ScanIter#ending)).
    pub fn max_empty_batches(mut self, n: u64) -> ScanOptions {
        self.max_empty_batches = Some(n);
        self
    }

    fn check(&self, command: &str) -> Result<()> {
        if self.count == Some(0) {
            return Err(Error::invalid("scan COUNT", "must be at least 1"));
        }
        if self.kind.is_some() && command != "SCAN" {
            return Err(Error::invalid(
                "scan TYPE",
                format!("only SCAN filters by type, not {command}"),
            ));
        }
        Ok(())
    }
}

impl ToArgs for ScanOptions {
    /// `MATCH`, `COUNT` and `TYPE`, each with its value, for those that are set.
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        self.pattern.as_ref().map(|p| ("MATCH", p)).write_args(out);
        self.count.map(|n| ("COUNT", n)).write_args(out);
        self.kind.as_ref().map(|t| ("TYPE", t)).write_args(out);
    }
}

/// `SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]`, as an iterator over the keys.
///
/// `con` is anything that can [`Execute`]: `&mut Connection`, a pooled connection, or
/// `&Client` (where each batch may use another connection of the pool; the cursor lives in the
/// reply, not in the connection).
///
/// ```no_run
/// use redisync::{Connection, ScanOptions};
///
/// let mut conn = Connection::open("redis://127.0.0.1")?;
/// for key in redisync::scan::<String, _>(&mut conn, ScanOptions::new().pattern("user:*")) {
///     println!("{}", key?);
/// }
/// // Or all at once; the first error, if any, ends the collection.
/// let hashes: Vec<Vec<u8>> =
///     redisync::scan(&mut conn, ScanOptions::new().kind("hash").count(1000))
///         .collect::<redisync::Result<_>>()?;
/// # Ok::<(), redisync::Error>(())
/// ```
pub fn scan<T: FromValue, E: Execute>(con: E, options: ScanOptions) -> ScanIter<E, T> {
    ScanIter::new(con, &spec::SCAN, Ok(None), options, false)
}

/// `HSCAN key cursor [MATCH pattern] [COUNT n]`: the hash's `(field, value)` pairs.
///
/// ```no_run
/// # let mut conn = redisync::Connection::open("redis://127.0.0.1")?;
/// use redisync::ScanOptions;
/// for pair in redisync::hscan::<String, i64, _>(&mut conn, "stock", ScanOptions::new()) {
///     let (item, count) = pair?;
///     println!("{item}: {count}");
/// }
/// # Ok::<(), redisync::Error>(())
/// ```
pub fn hscan<F: FromValue, V: FromValue, E: Execute>(
    con: E,
    key: impl ToArg,
    options: ScanOptions,
) -> ScanIter<E, (F, V)> {
    ScanIter::new(con, &spec::HSCAN, encode_key(&key), options, true)
}

/// `SSCAN key cursor [MATCH pattern] [COUNT n]`: the set's members.
pub fn sscan<T: FromValue, E: Execute>(
    con: E,
    key: impl ToArg,
    options: ScanOptions,
) -> ScanIter<E, T> {
    ScanIter::new(con, &spec::SSCAN, encode_key(&key), options, false)
}

/// `ZSCAN key cursor [MATCH pattern] [COUNT n]`: the sorted set's `(member, score)` pairs.
pub fn zscan<M: FromValue, E: Execute>(
    con: E,
    key: impl ToArg,
    options: ScanOptions,
) -> ScanIter<E, (M, f64)> {
    ScanIter::new(con, &spec::ZSCAN, encode_key(&key), options, true)
}

fn encode_key(key: &dyn ToArg) -> Result<Option<Encoded>> {
    let mut encoded = Encoded::default();
    encoded.push(&One(key))?;
    Ok(Some(encoded))
}

/// An iterator over a `SCAN`-family command's elements, made by [`scan`], [`hscan`],
/// [`sscan`] or [`zscan`].
///
/// It sends a command only when the elements already received are used up, and stops when the
/// server returns cursor 0. Each item is a `Result`: a failed round trip, a reply of the wrong
/// shape, an element that does not convert to `T`, or a server that is not making progress (see
/// below) is yielded as an error, after which the iterator yields `None`.
///
/// As Redis documents, an element present for the whole scan is returned at least once; one
/// added or removed meanwhile may or may not be; and a table resized meanwhile can return an
/// element twice.
///
/// # Ending
///
/// A server that never returns cursor 0 (a bug, a proxy that loses the cursor) must not keep
/// the caller looping, so each cursor the server returns is checked against earlier ones: **a
/// cursor that repeats within one iteration ends it with an
/// [`ErrorKind::Protocol`](crate::ErrorKind::Protocol) error**, after the elements of that
/// reply. The cursor is all the state a scan has, so a repeated cursor means the server is
/// going round in a circle. This cannot cut a real scan short: Redis's cursor only moves
/// forward (read with its bits reversed, it grows with every call, across resizes of the table
/// too) until it wraps to 0. The check keeps two cursors and a counter (Brent's cycle
/// detection): the same cursor twice in a row is caught on the second reply, a circle of `n`
/// cursors within about `4n` replies.
///
/// A server that sends new cursors forever cannot be told apart from a long scan of a big,
/// sparse keyspace with a rare `MATCH`. [`ScanOptions::max_empty_batches`] bounds that case
/// too; it is off by default because any such bound could end a real scan early.
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct ScanIter<E, T> {
    con: E,
    spec: &'static CommandSpec,
    command: &'static str,
    key: Option<Encoded>,
    options: ScanOptions,
    pairs: bool,
    cursor: u64,
    batch: std::vec::IntoIter<Value>,
    /// No more requests: the cursor came back as 0, or the iteration failed.
    finished: bool,
    /// An error to yield once the current batch is drained.
    pending: Option<Error>,
    cycle: CycleCheck,
    empty_batches: u64,
    item: PhantomData<fn() -> T>,
}

impl<E: Execute, T: FromValue> ScanIter<E, T> {
    fn new(
        con: E,
        spec: &'static CommandSpec,
        key: Result<Option<Encoded>>,
        options: ScanOptions,
        pairs: bool,
    ) -> ScanIter<E, T> {
        let command = spec.name();
        let (key, key_error) = match key {
            Ok(k) => (k, None),
            Err(e) => (None, Some(e)),
        };
        let pending = key_error.or_else(|| options.check(command).err());
        ScanIter {
            con,
            spec,
            command,
            key,
            finished: pending.is_some(),
            pending,
            options,
            pairs,
            cursor: 0,
            batch: Vec::new().into_iter(),
            cycle: CycleCheck::new(),
            empty_batches: 0,
            item: PhantomData,
        }
    }

    /// Sends the next command and takes its batch and cursor.
    fn fetch(&mut self) -> Result<()> {
        let request = (&self.key, self.cursor, &self.options);
        let reply = self.con.execute(&Request::new(self.spec, &request))?;
        let (next, items) = parse_reply(self.command, reply)?;
        if self.pairs && items.len() % 2 != 0 {
            return Err(unexpected(format!(
                "{} reply: {} elements, expected pairs",
                self.command,
                items.len()
            )));
        }
        let empty = items.is_empty();
        self.batch = items.into_iter();
        if next == 0 {
            self.finished = true;
        } else if self.cycle.repeats(self.cursor, next) {
            self.finished = true;
            self.pending = Some(unexpected(format!(
                "{} returned cursor {next} again: the server is not making progress",
                self.command
            )));
        } else if empty {
            self.empty_batches += 1;
            let limit = self.options.max_empty_batches;
            if let Some(max) = limit.filter(|&max| self.empty_batches > max) {
                self.finished = true;
                self.pending = Some(unexpected(format!(
                    "{} returned more than {max} empty batches in a row (max_empty_batches)",
                    self.command
                )));
            }
        } else {
            self.empty_batches = 0;
        }
        self.cursor = next;
        Ok(())
    }

    fn next_buffered(&mut self) -> Option<Result<T>> {
        let first = self.batch.next()?;
        if self.pairs {
            // Checked to be even in `fetch`.
            let second = self.batch.next().unwrap_or(Value::Nil);
            Some(T::from_value(Value::Array(vec![first, second])))
        } else {
            Some(T::from_value(first))
        }
    }

    fn fail(&mut self, e: Error) -> Option<Result<T>> {
        self.finished = true;
        self.pending = None;
        self.batch = Vec::new().into_iter();
        Some(Err(e))
    }
}

impl<E: Execute, T: FromValue> Iterator for ScanIter<E, T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        loop {
            match self.next_buffered() {
                Some(Ok(item)) => return Some(Ok(item)),
                Some(Err(e)) => return self.fail(e),
                None => {}
            }
            if let Some(e) = self.pending.take() {
                return self.fail(e);
            }
            if self.finished {
                return None;
            }
            if let Err(e) = self.fetch() {
                return self.fail(e);
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let buffered = self.batch.len() / if self.pairs { 2 } else { 1 };
        let more = !self.finished || self.pending.is_some();
        (buffered, if more { None } else { Some(buffered) })
    }
}

impl<E: Execute, T: FromValue> FusedIterator for ScanIter<E, T> {}

impl fmt::Debug for ScanOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The pattern is an argument: its length only.
        f.debug_struct("ScanOptions")
            .field("pattern_len", &self.pattern.as_ref().map(Vec::len))
            .field("count", &self.count)
            .field("kind", &self.kind)
            .field("max_empty_batches", &self.max_empty_batches)
            .finish()
    }
}

impl<E, T> fmt::Debug for ScanIter<E, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScanIter")
            .field("command", &self.command)
            .field("cursor", &self.cursor)
            .field("buffered", &self.batch.len())
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

/// Brent's cycle detection over the cursors of one iteration: O(1) memory, and a repeat is
/// found within a few times the length of the cycle.
#[derive(Debug)]
struct CycleCheck {
    /// A cursor from earlier in the sequence; 0 (the start) until the first reply.
    saved: u64,
    /// Replies since `saved` was taken, and how many until it is replaced.
    steps: u64,
    power: u64,
}

impl CycleCheck {
    fn new() -> CycleCheck {
        CycleCheck {
            saved: 0,
            steps: 0,
            power: 1,
        }
    }

    /// Whether `next`, the answer to a request for cursor `sent`, repeats an earlier cursor.
    fn repeats(&mut self, sent: u64, next: u64) -> bool {
        if next == sent || next == self.saved {
            return true;
        }
        self.steps += 1;
        if self.steps == self.power {
            self.saved = next;
            self.steps = 0;
            self.power = self.power.saturating_mul(2);
        }
        false
    }
}

fn unexpected(message: String) -> Error {
    Error::Protocol(ProtocolError::Unexpected(message))
}

/// `[cursor, [elements...]]`, the same on RESP2 and RESP3.
fn parse_reply(command: &str, reply: Value) -> Result<(u64, Vec<Value>)> {
    let parts = match reply.into_unattributed() {
        Value::Array(parts) if parts.len() == 2 => parts,
        other => {
            return Err(unexpected(format!(
                "{command} reply: expected [cursor, elements], got {}",
                other.describe()
            )));
        }
    };
    let mut parts = parts.into_iter();
    let (Some(cursor), Some(items)) = (parts.next(), parts.next()) else {
        return Err(unexpected(format!("{command} reply: missing parts")));
    };
    let cursor = match cursor.into_unattributed() {
        Value::BulkString(s) | Value::SimpleString(s) => std::str::from_utf8(&s)
            .ok()
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse::<u64>().ok()),
        Value::Int(i) => u64::try_from(i).ok(),
        _ => None,
    }
    .ok_or_else(|| {
        unexpected(format!(
            "{command} reply: the cursor is not an unsigned 64-bit decimal"
        ))
    })?;
    let items = match items.into_unattributed() {
        Value::Array(items) | Value::Set(items) => items,
        Value::Map(pairs) => pairs.into_iter().flat_map(|(k, v)| [k, v]).collect(),
        Value::Nil => Vec::new(),
        other => {
            return Err(unexpected(format!(
                "{command} reply: expected an array of elements, got {}",
                other.describe()
            )));
        }
    };
    Ok((cursor, items))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn options_write_match_count_type() {
        let o = ScanOptions::new()
            .pattern("u:*")
            .count(5)
            .kind("hash")
            .max_empty_batches(9);
        let mut out = Vec::new();
        o.write_args(&mut ArgWriter::new(&mut out));
        assert_eq!(o.arg_count(), 6);
        assert_eq!(
            out,
            b"$5\r\nMATCH\r\n$3\r\nu:*\r\n$5\r\nCOUNT\r\n$1\r\n5\r\n$4\r\nTYPE\r\n$4\r\nhash\r\n"
        );
        assert_eq!(ScanOptions::new().arg_count(), 0);
        assert!(o.check("SCAN").is_ok());
        assert!(o.check("HSCAN").is_err());
        assert!(ScanOptions::new().count(0).check("SCAN").is_err());
    }

    #[test]
    fn replies_parse_on_both_protocols() {
        let r = Value::Array(vec![
            bulk("18446744073709551615"),
            Value::Array(vec![bulk("k")]),
        ]);
        let (cursor, items) = parse_reply("SCAN", r).unwrap_or_default();
        assert_eq!((cursor, items), (u64::MAX, vec![bulk("k")]));
        let map = Value::Array(vec![bulk("0"), Value::Map(vec![(bulk("f"), bulk("v"))])]);
        assert_eq!(parse_reply("HSCAN", map).map(|r| r.1.len()).unwrap_or(0), 2);
        for bad in [
            Value::Array(vec![bulk("-1"), Value::Array(vec![])]),
            Value::Array(vec![bulk("18446744073709551616"), Value::Array(vec![])]),
            Value::Array(vec![bulk("+1"), Value::Array(vec![])]),
            Value::Array(vec![bulk("1"), bulk("x")]),
            Value::Array(vec![bulk("1")]),
            bulk("0"),
        ] {
            let e = parse_reply("SCAN", bad.clone()).err();
            assert!(
                e.is_some_and(|e| e.kind() == crate::ErrorKind::Protocol),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn cycle_check_catches_stuck_and_circling_cursors_only() {
        let mut c = CycleCheck::new();
        assert!(!c.repeats(0, 7));
        assert!(c.repeats(7, 7));

        // A circle 1 -> 2 -> 3 -> 1 is caught on its second lap.
        let mut c = CycleCheck::new();
        let mut sent = 0;
        let mut replies = 0;
        for next in [1, 2, 3].into_iter().cycle().take(100) {
            replies += 1;
            if c.repeats(sent, next) {
                break;
            }
            sent = next;
        }
        assert_eq!(replies, 6);

        // A long circle is still caught within a few laps.
        let mut c = CycleCheck::new();
        let mut sent = 0;
        let found = (0..10_000u64).map(|i| 100 + i % 37).position(|next| {
            let r = c.repeats(sent, next);
            sent = next;
            r
        });
        assert!(found.is_some_and(|n| n < 4 * 37 + 37), "{found:?}");

        // Ever-new cursors (a real scan) are never flagged.
        let mut c = CycleCheck::new();
        let mut sent = 0;
        for next in 1..100_000u64 {
            assert!(!c.repeats(sent, next.reverse_bits()));
            sent = next.reverse_bits();
        }
    }
}
