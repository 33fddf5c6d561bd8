//! The borrowed-reply path: a string reply handed to the caller as a slice of the read buffer,
//! so reading a value allocates nothing.
//!
//! It shares everything with an ordinary exchange: the command goes out through the one write
//! path, and a reply that is not a whole bulk string (or null) already in the read buffer, or
//! any reply when something must look at it on the way in (a push frame first, a session
//! effect to confirm, a cache's bookkeeping), takes the ordinary read and is converted as
//! [`Option<Vec<u8>>`] would be. Only the hand-over differs.

use super::{Connection, Metas, Mode, Requested, reply_to_result};
use crate::commands::table::{CommandSpec, spec};
use crate::commands::{Cmd, FromValue, One, Request, ToArg};
use crate::error::{Error, Result};
use crate::resp::{Limits, ValueRef, decode_ref};

impl Connection {
    /// `GET key` into `buf`: the value replaces what `buf` held, and the result says whether
    /// the key existed (`buf` is left empty when not). Once `buf` has grown to the values'
    /// size, reading one allocates nothing: the bytes are copied once, from the connection's
    /// read buffer into `buf`.
    ///
    /// ```no_run
    /// # let mut conn = redisync::Connection::open("redis://127.0.0.1:6379")?;
    /// let mut buf = Vec::with_capacity(64);
    /// for key in ["a", "b", "c"] {
    ///     if conn.get_into(key, &mut buf)? {
    ///         println!("{key}: {} bytes", buf.len());
    ///     }
    /// }
    /// # Ok::<(), redisync::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`get`](crate::StringCommands::get): `WRONGTYPE`, and the connection's errors.
    pub fn get_into(&mut self, key: impl ToArg, buf: &mut Vec<u8>) -> Result<bool> {
        self.get_with(key, |value| {
            buf.clear();
            value.map(|v| buf.extend_from_slice(v)).is_some()
        })
    }

    /// `GET key`, calling `f` with the value borrowed from the connection's read buffer
    /// (`None` when the key does not exist): for parsing a value in place, without an owned
    /// copy. `f` runs once, after the reply has arrived whole; an error reply is returned as
    /// the error and `f` is not called.
    ///
    /// ```no_run
    /// # let mut conn = redisync::Connection::open("redis://127.0.0.1:6379")?;
    /// let len = conn.get_with("greeting", |v| v.map_or(0, <[u8]>::len))?;
    /// # Ok::<(), redisync::Error>(())
    /// ```
    pub fn get_with<R>(
        &mut self,
        key: impl ToArg,
        f: impl FnOnce(Option<&[u8]>) -> R,
    ) -> Result<R> {
        self.exchange_bytes(&Request::new(&spec::GET, &One(&key)), f)
    }

    /// Sends any command whose reply is a string or null (`HGET`, `LINDEX`, `GETEX`, ...) and
    /// calls `f` with it borrowed, as [`Connection::get_with`] does for `GET`.
    ///
    /// # Errors
    /// A reply of another type is a conversion error, as for `Option<Vec<u8>>`.
    pub fn query_with<R>(&mut self, cmd: &Cmd, f: impl FnOnce(Option<&[u8]>) -> R) -> Result<R> {
        self.exchange_bytes(&Request::from(cmd), f)
    }

    /// Sends any command and calls `f` with its reply borrowed from the connection's read
    /// buffer, as a [`ValueRef`]: for walking a large reply (`HGETALL`, `LRANGE`, `XRANGE`,
    /// ...) without building a [`Value`](crate::Value) tree. A reply that fits the read
    /// buffer (16 KiB, or what it has grown to) is not copied at all; a longer one, or one
    /// after a push frame, is read as usual and handed over from a copy.
    ///
    /// ```no_run
    /// use redisync::{cmd, resp::ValueRef};
    /// # let mut conn = redisync::Connection::open("redis://127.0.0.1:6379")?;
    /// let total: usize = conn.query_ref(&cmd("LRANGE").arg("list").arg(0).arg(-1), |reply| {
    ///     reply.as_items().map_or(0, |items| items.filter_map(|v| v.as_bytes()).map(<[u8]>::len).sum())
    /// })?;
    /// # Ok::<(), redisync::Error>(())
    /// ```
    ///
    /// # Errors
    /// An error reply is returned as the error (`f` is not called), and the connection's own
    /// errors as for any command.
    pub fn query_ref<R>(&mut self, cmd: &Cmd, f: impl FnOnce(ValueRef<'_>) -> R) -> Result<R> {
        let request = Request::from(cmd);
        let spec: &'static CommandSpec = request.spec();
        let sent = self.write_frame(Mode::Exchange, Metas::One(spec), Requested(&request))?;
        let mut span = self.reply_span(sent);
        let mut first = true;
        if self.owed.is_empty() && self.cache.is_none() {
            let limits = *self.decoder.limits();
            while !self.decoder.is_mid_value() {
                match decode_ref(&self.rbuf[self.rstart..self.rend], &limits) {
                    // Pushes and error replies take the ordinary read, which hands the first
                    // to the handlers and turns the second into the typed error.
                    Ok(Some((
                        ValueRef::Push(_) | ValueRef::Error(_) | ValueRef::BulkError(_),
                        _,
                    ))) => break,
                    Ok(Some((value, used))) => {
                        self.pending = self.pending.saturating_sub(1);
                        self.replies_read += 1;
                        self.last_used = sent.at;
                        self.rstart += used;
                        let out = f(value);
                        if self.rstart == self.rend {
                            self.rstart = 0;
                            self.rend = 0;
                        }
                        return Ok(out);
                    }
                    // Malformed or over a limit: the ordinary read raises it.
                    Err(_) => break,
                    // A reply longer than the buffer is read as usual.
                    Ok(None) if self.rstart == 0 && self.rend == self.rbuf.len() => break,
                    Ok(None) => {
                        if let Err(e) = self.fill(&span, std::mem::take(&mut first)) {
                            return Err(self.fail(e));
                        }
                    }
                }
            }
        }
        let reply = self.read_reply(&mut span, &mut first)?;
        self.last_used = sent.at;
        let reply = reply_to_result(reply)?;
        let mut bytes = Vec::new();
        reply.encode(&mut bytes);
        let unlimited = Limits::new()
            .max_bulk_len(usize::MAX)
            .max_aggregate_len(usize::MAX)
            .max_depth(usize::MAX)
            .max_line(usize::MAX)
            .max_reply_len(usize::MAX);
        match decode_ref(&bytes, &unlimited) {
            Ok(Some((value, _))) => Ok(f(value)),
            _ => Err(Error::invalid(
                "reply",
                "could not be read back from its copy",
            )),
        }
    }

    /// Sends `request` and calls `f` with its reply as bytes (`None` for a null reply),
    /// borrowed from the read buffer when it arrived whole; an error reply is returned as the
    /// error, and `f` is not called.
    pub(crate) fn exchange_bytes<R>(
        &mut self,
        request: &Request<'_>,
        f: impl FnOnce(Option<&[u8]>) -> R,
    ) -> Result<R> {
        let spec: &'static CommandSpec = request.spec();
        let sent = self.write_frame(Mode::Exchange, Metas::One(spec), Requested(request))?;
        let mut span = self.reply_span(sent);
        let mut first = true;
        // Nothing to confirm or record on the way in: the borrowed hand-over can be taken.
        if self.owed.is_empty() && self.cache.is_none() && request.shape().is_none() {
            let limits = *self.decoder.limits();
            while !self.decoder.is_mid_value() {
                if let Some((start, end, used)) = whole_bulk(&self.rbuf[self.rstart..self.rend]) {
                    if end - start > limits.max_bulk_len || used > limits.max_reply_len {
                        // Over a limit: the decoder raises it.
                        break;
                    }
                    let at = self.rstart;
                    self.pending = self.pending.saturating_sub(1);
                    self.replies_read += 1;
                    self.last_used = sent.at;
                    self.rstart += used;
                    let value = match (start, end) {
                        (0, 0) => f(None),
                        _ => f(self.rbuf.get(at + start..at + end)),
                    };
                    if self.rstart == self.rend {
                        self.rstart = 0;
                        self.rend = 0;
                    }
                    return Ok(value);
                }
                // Not a whole bulk yet: read more while the buffer holds only the start of
                // one (or nothing), else leave it to the ordinary read.
                let pending = &self.rbuf[self.rstart..self.rend];
                if !may_become_bulk(pending, self.rbuf.len()) {
                    break;
                }
                if let Err(e) = self.fill(&span, std::mem::take(&mut first)) {
                    return Err(self.fail(e));
                }
            }
        }
        let reply = self.read_reply(&mut span, &mut first)?;
        self.last_used = sent.at;
        let reply = request.shape_reply(reply_to_result(reply)?)?;
        let owned = Option::<Vec<u8>>::from_value(reply)?;
        Ok(f(owned.as_deref()))
    }
}

/// A whole bulk string (or RESP2 null bulk, or RESP3 null) at the front of `buf`: where its
/// payload starts and ends (`(0, 0)` for a null) and how many bytes it takes.
#[inline]
fn whole_bulk(buf: &[u8]) -> Option<(usize, usize, usize)> {
    if buf.starts_with(b"_\r\n") {
        return Some((0, 0, 3));
    }
    if buf.starts_with(b"$-1\r\n") {
        return Some((0, 0, 5));
    }
    let rest = buf.strip_prefix(b"$")?;
    let mut len: usize = 0;
    let mut i = 0;
    loop {
        let b = *rest.get(i)?;
        if b == b'\r' {
            break;
        }
        let d = b.wrapping_sub(b'0');
        // Twelve digits at most: below 10^12, no overflow on any target.
        if d > 9 || i >= 12 {
            return None;
        }
        len = len * 10 + usize::from(d);
        i += 1;
    }
    if i == 0 || rest.get(i + 1) != Some(&b'\n') {
        return None;
    }
    let start = 1 + i + 2;
    let end = start.checked_add(len)?;
    let total = end.checked_add(2)?;
    if buf.get(end..total)? != b"\r\n" {
        return None;
    }
    // A zero-length payload is `(start, start)`, never mistaken for a null.
    Some((start, end, total))
}

/// Whether the bytes so far can still turn into a whole bulk that fits the read buffer (a
/// prefix of `$<digits>\r\n...`, or nothing yet): worth reading more for the borrowed path.
/// Anything else (another type, a push, a bulk longer than the buffer) goes to the decoder.
fn may_become_bulk(buf: &[u8], capacity: usize) -> bool {
    let Some((&first, rest)) = buf.split_first() else {
        return true;
    };
    if first == b'_' {
        return b"\r\n".starts_with(rest) || rest.starts_with(b"\r\n");
    }
    if first != b'$' {
        return false;
    }
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits > 12 {
        return false;
    }
    let mut len: usize = 0;
    for &b in &rest[..digits] {
        len = len * 10 + usize::from(b - b'0');
    }
    match rest.get(digits) {
        // The length is known: it must fit the buffer with its header and CRLF.
        Some(b'\r') => len.saturating_add(digits + 5) <= capacity,
        // `$-1` is a null bulk, still arriving.
        Some(b'-') => digits == 0,
        Some(_) => false,
        None => digits < 12,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_bulk_reads_only_complete_bulks() {
        assert_eq!(whole_bulk(b"$3\r\nabc\r\n"), Some((4, 7, 9)));
        assert_eq!(whole_bulk(b"$0\r\n\r\n+OK\r\n"), Some((4, 4, 6)));
        assert_eq!(whole_bulk(b"$-1\r\n"), Some((0, 0, 5)));
        assert_eq!(whole_bulk(b"_\r\n"), Some((0, 0, 3)));
        for partial in [&b""[..], b"$", b"$3", b"$3\r", b"$3\r\nab", b"$3\r\nabc\r"] {
            assert_eq!(whole_bulk(partial), None);
        }
        for bad in [
            &b"$3\r\nabcd\r\n"[..],
            b"$x\r\n",
            b"$\r\n",
            b"+OK\r\n",
            b"$9999999999999\r\n",
        ] {
            assert_eq!(whole_bulk(bad), None);
        }
    }

    #[test]
    fn may_become_bulk_stops_at_what_cannot() {
        assert!(may_become_bulk(b"", 16));
        assert!(may_become_bulk(b"$1", 16));
        assert!(may_become_bulk(b"$-", 16));
        assert!(may_become_bulk(b"_", 16));
        assert!(may_become_bulk(b"$5\r\nab", 16));
        assert!(!may_become_bulk(b"$50\r\nab", 16));
        assert!(!may_become_bulk(b"+OK", 16));
        assert!(!may_become_bulk(b">3\r\n", 16));
        assert!(!may_become_bulk(b"$1234567890123", 1 << 40));
    }
}
