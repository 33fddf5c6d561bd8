//! The RESP decoder: pure, resumable, bounded.
//!
//! Scalars are parsed only once all their bytes are present. Aggregates are built on an explicit
//! stack, so nesting never recurses and an aggregate that arrives over many reads keeps the
//! elements already parsed: each call continues where the last one stopped.

use super::{Limits, Value, types};
use crate::error::{ProtocolError, ServerError};

/// Decodes one complete value from the start of `buf`.
///
/// Returns the value and the number of bytes it took, or `Ok(None)` when `buf` ends before the
/// value does. Malformed input is an error, never a panic.
///
/// ```
/// use redisync::resp::{decode, Value};
/// let limits = Default::default();
/// assert_eq!(decode(b":42\r\n+OK\r\n", &limits)?, Some((Value::Int(42), 5)));
/// assert_eq!(decode(b"$5\r\nhel", &limits)?, None); // incomplete, not an error
/// assert!(decode(b"?\r\n", &limits).is_err());       // malformed
/// # Ok::<(), redisync::Error>(())
/// ```
pub fn decode(buf: &[u8], limits: &Limits) -> Result<Option<(Value, usize)>, ProtocolError> {
    // All the bytes are here: receiving a bulk in place would only allocate for nothing when
    // they end early.
    let mut decoder = Decoder::new(*limits).with_large_bulk_threshold(usize::MAX);
    match decoder.decode(buf)? {
        (used, Some(v)) => Ok(Some((v, used))),
        (_, None) => Ok(None),
    }
}

/// The announced length from which a bulk string that has not fully arrived is received in
/// place: 64 KiB.
///
/// Below it, an incomplete bulk string is left in the caller's buffer until all of it is there,
/// then copied out once (a short copy, and a buffer of a few reads). From it up, [`Decoder`]
/// takes the header and whatever payload is present at once, into a `Vec<u8>` allocated exactly
/// as long as announced, and keeps taking payload bytes as they come: the caller's buffer never
/// has to hold the whole bulk, and the payload is never copied twice. The caller may also read
/// the rest of the payload straight into that vector ([`Decoder::bulk_in_progress`]). 64 KiB is
/// a few reads' worth, past which one more full copy costs more than the bookkeeping.
pub const LARGE_BULK_THRESHOLD: usize = 64 * 1024;

/// A resumable decoder for a stream of values.
///
/// [`Decoder::decode`] takes the bytes not yet consumed and returns how many it consumed plus
/// the value, if one was completed. Consumed bytes belong to the decoder from then on (the
/// elements of a partly received aggregate are kept inside it), so the caller drops them and
/// passes only what follows next time. After an error the stream cannot be trusted; call
/// [`Decoder::reset`] before decoding an unrelated stream.
///
/// ```
/// use redisync::resp::{Decoder, Value};
/// let mut d = Decoder::new(Default::default());
/// let (used, v) = d.decode(b"*2\r\n:1\r\n:")?;
/// assert_eq!((used, v), (8, None)); // the header and the first element are kept
/// let (used, v) = d.decode(b":2\r\n")?;
/// assert_eq!((used, v), (4, Some(Value::Array(vec![Value::Int(1), Value::Int(2)]))));
/// # Ok::<(), redisync::Error>(())
/// ```
///
/// # Large bulk strings
///
/// A bulk string (or bulk error, or verbatim string) announced at least
/// [`LARGE_BULK_THRESHOLD`] long whose bytes have not all arrived is received in place: its
/// header and the payload present are consumed into a vector of exactly the announced
/// capacity, and later calls append to it. Between calls, [`Decoder::bulk_in_progress`] lends
/// that vector, so a connection can read the rest of the payload from its socket straight into
/// it, with no buffer in between:
///
/// ```
/// use std::io::Read;
/// use redisync::resp::{Decoder, Value};
/// let len = 100_000;
/// let mut wire = format!("${len}\r\n").into_bytes();
/// wire.extend(std::iter::repeat_n(b'x', len));
/// wire.extend_from_slice(b"\r\n");
/// let mut socket = &wire[..]; // stands for the socket
///
/// let mut d = Decoder::new(Default::default());
/// let mut buf = vec![0; 16 * 1024]; // the connection's read buffer
/// let n = socket.read(&mut buf)?;
/// let (used, value) = d.decode(&buf[..n])?;
/// assert_eq!((used, value), (n, None)); // header and payload so far consumed
/// let missing = d.bulk_remaining() as u64;
/// if let Some(payload) = d.bulk_in_progress() {
///     socket.by_ref().take(missing).read_to_end(payload)?; // straight into the value
/// }
/// let n = socket.read(&mut buf)?; // the final CRLF (and whatever follows)
/// let (_, value) = d.decode(&buf[..n])?;
/// assert!(matches!(value, Some(Value::BulkString(b)) if b.len() == len && b.capacity() == len));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Decoder {
    limits: Limits,
    stack: Vec<Frame>,
    /// Bytes the element at the front of the unconsumed input needs at least, when known.
    need: usize,
    /// The bulk being received in place: the innermost element, inside the open frames.
    large: Option<LargeBulk>,
    /// Bytes of the current top-level reply consumed by earlier calls (or appended in place).
    /// Zero whenever no value is partly decoded.
    reply_bytes: usize,
    /// [`LARGE_BULK_THRESHOLD`] unless a test lowered it.
    large_threshold: usize,
}

/// A bulk string, bulk error or verbatim string received in place.
#[derive(Debug)]
struct LargeBulk {
    ty: u8,
    /// The payload so far, allocated with the announced length as its capacity.
    body: Vec<u8>,
    /// The announced length.
    len: usize,
    /// `body.len()` when the decoder last appended: bytes past it were appended by the caller.
    seen: usize,
}

#[derive(Debug)]
enum Frame {
    /// Array, set or push: `remaining` elements still to come.
    List {
        ty: u8,
        remaining: usize,
        items: Vec<Value>,
    },
    /// Map or attribute: `remaining` keys and values still to come (twice the pair count).
    Pairs {
        ty: u8,
        remaining: usize,
        pairs: Vec<(Value, Value)>,
        key: Option<Value>,
    },
    /// Attributes read; waiting for the value they describe.
    Attributed {
        attributes: Vec<(Value, Value)>,
        value: Option<Value>,
    },
}

/// What one element header produced.
enum Element {
    Value(Value),
    Open(Frame),
    /// A large bulk's header (and the payload present) was consumed; the rest is to come.
    Large(LargeBulk),
}

/// What a complete frame turns into.
enum Finished {
    Value(Value),
    /// An attribute map, now waiting for the value it describes.
    Waiting(Frame),
}

impl Decoder {
    /// A decoder that enforces `limits`.
    pub fn new(limits: Limits) -> Decoder {
        Decoder {
            limits,
            stack: Vec::new(),
            need: 0,
            large: None,
            reply_bytes: 0,
            large_threshold: LARGE_BULK_THRESHOLD,
        }
    }

    /// This decoder, receiving bulk strings in place from `threshold` bytes instead of
    /// [`LARGE_BULK_THRESHOLD`] (`usize::MAX`: never). For tests and fuzzing, which need small
    /// values to reach the in-place path; not part of the stable API.
    #[doc(hidden)]
    pub fn with_large_bulk_threshold(mut self, threshold: usize) -> Decoder {
        self.large_threshold = threshold;
        self
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Drops any partly decoded value.
    pub fn reset(&mut self) {
        self.stack.clear();
        self.large = None;
        self.need = 0;
        self.reply_bytes = 0;
    }

    /// Whether a value is partly decoded (some of its bytes were consumed).
    pub fn is_mid_value(&self) -> bool {
        !self.stack.is_empty() || self.large.is_some()
    }

    /// Whether the value partly decoded is a RESP3 push (`>`) at top level, as opposed to a
    /// reply. An attribute in front of a push makes it an attributed value, not a push, as it
    /// does for a complete [`Value::Attribute`].
    pub fn is_mid_push(&self) -> bool {
        matches!(
            self.stack.first(),
            Some(Frame::List {
                ty: types::PUSH,
                ..
            })
        )
    }

    /// After an incomplete [`Decoder::decode`], the number of unconsumed bytes the next element
    /// needs at least (0 when unknown). A caller can read until it has that many before calling
    /// again.
    ///
    /// While a large bulk is received in place this is the payload still missing plus its CRLF,
    /// kept exact as the caller appends to [`Decoder::bulk_in_progress`]; but then any bytes are
    /// progress (`decode` consumes them at once), so there is no need to wait for that many, and
    /// a buffer sized by it would defeat the purpose.
    pub fn bytes_needed(&self) -> usize {
        match &self.large {
            Some(large) => large.len.saturating_sub(large.body.len()).saturating_add(2),
            None => self.need,
        }
    }

    /// The payload of the large bulk being received in place, while some of it is still
    /// missing; `None` otherwise (nothing in place, or only its CRLF is missing).
    ///
    /// The caller may append up to [`Decoder::bulk_remaining`] bytes of the stream to it
    /// (for example with `socket.take(remaining).read_to_end(vec)`, which fills the spare
    /// capacity without zeroing it), then goes on calling [`Decoder::decode`] with the bytes
    /// that follow. Those bytes must really be the next ones of the stream: call `decode` with
    /// everything already buffered first (it consumes all of it while a bulk is in place, but
    /// for an incomplete CRLF). Appending more than remains makes the next `decode` fail with
    /// [`ProtocolError::Unexpected`]; removing bytes corrupts the value.
    pub fn bulk_in_progress(&mut self) -> Option<&mut Vec<u8>> {
        match &mut self.large {
            Some(large) if large.body.len() < large.len => Some(&mut large.body),
            _ => None,
        }
    }

    /// How many payload bytes of the large bulk received in place are still missing (0 when
    /// none is in place).
    #[inline]
    pub fn bulk_remaining(&self) -> usize {
        self.large
            .as_ref()
            .map_or(0, |large| large.len.saturating_sub(large.body.len()))
    }

    /// Consumes bytes from the front of `buf`; returns how many, and the value if one completed.
    #[inline(always)]
    pub fn decode(&mut self, buf: &[u8]) -> Result<(usize, Option<Value>), ProtocolError> {
        self.need = 0;
        if self.stack.is_empty() && self.large.is_none() {
            // The replies most commands get: `+OK` and a non-null bulk string at top level.
            // Anything they cannot settle within the limits goes to the general path.
            if buf.starts_with(b"+OK\r\n") && self.limits.max_reply_len >= 5 {
                return Ok((5, Some(Value::Okay)));
            }
            let quick = fast_bulk(
                buf,
                &self.limits,
                self.limits.max_reply_len,
                self.large_threshold,
                &mut self.need,
            );
            if let Some(done) = quick {
                return done.map(|d| match d {
                    Some((v, used)) => (used, Some(v)),
                    None => (0, None),
                });
            }
        }
        self.decode_general(buf)
    }

    /// Everything but the top-level fast paths, and the count of the reply's bytes.
    #[inline(never)]
    fn decode_general(&mut self, buf: &[u8]) -> Result<(usize, Option<Value>), ProtocolError> {
        if let Some(large) = &mut self.large {
            // Bytes the caller appended in place since the last call belong to this reply.
            let appended = large.body.len().saturating_sub(large.seen);
            large.seen = large.body.len();
            self.reply_bytes = self.reply_bytes.saturating_add(appended);
        }
        let room = self.limits.max_reply_len.saturating_sub(self.reply_bytes);
        if self.reply_bytes > self.limits.max_reply_len {
            return Err(self.reply_too_large());
        }
        let (pos, value) = self.decode_from(buf, room)?;
        if value.is_some() {
            self.reply_bytes = 0;
            return Ok((pos, value));
        }
        // Incomplete: every unconsumed byte belongs to the element that has not ended, and it
        // needs at least `need` of them, so the reply is at least this long.
        let unconsumed = buf.len() - pos;
        let least = pos
            .checked_add(unconsumed.max(self.bytes_needed()))
            .filter(|&n| n <= room);
        if least.is_none() {
            return Err(self.reply_too_large());
        }
        self.reply_bytes = if self.is_mid_value() {
            self.reply_bytes.saturating_add(pos)
        } else {
            0
        };
        Ok((pos, None))
    }

    /// Decodes from the front of `buf`; returns how many bytes it consumed and the value if one
    /// completed. `room` is how many bytes the reply may still take.
    fn decode_from(
        &mut self,
        buf: &[u8],
        room: usize,
    ) -> Result<(usize, Option<Value>), ProtocolError> {
        let mut pos = 0;
        if self.large.is_some() {
            let (used, value) = self.continue_large(buf)?;
            pos = used;
            let Some(value) = value else {
                return Ok((pos, None));
            };
            if pos > room {
                return Err(self.reply_too_large());
            }
            if let Some(done) = self.fold(value) {
                return Ok((pos, Some(done)));
            }
        }
        loop {
            // Arrays of bulk strings (MGET, LRANGE, RESP2 maps) are filled in a tight loop; the
            // last element goes through the general path, which closes the frame.
            if let Some(Frame::List {
                remaining, items, ..
            }) = self.stack.last_mut()
            {
                while *remaining > 1 {
                    let quick = fast_bulk(
                        &buf[pos..],
                        &self.limits,
                        room - pos,
                        self.large_threshold,
                        &mut self.need,
                    );
                    match quick {
                        Some(Ok(Some((v, used)))) => {
                            items.push(v);
                            *remaining -= 1;
                            pos += used;
                        }
                        Some(Ok(None)) => return Ok((pos, None)),
                        Some(Err(e)) => return Err(e),
                        None => break,
                    }
                }
            }
            let Some((element, used)) = self.element(&buf[pos..], room - pos)? else {
                return Ok((pos, None));
            };
            pos += used;
            if pos > room {
                return Err(self.reply_too_large());
            }
            let value = match element {
                Element::Value(v) => v,
                Element::Open(frame) => {
                    if self.stack.len() >= self.limits.max_depth {
                        return Err(ProtocolError::TooDeep {
                            limit: self.limits.max_depth,
                        });
                    }
                    self.stack.push(frame);
                    continue;
                }
                Element::Large(large) => {
                    self.large = Some(large);
                    return Ok((pos, None));
                }
            };
            if let Some(done) = self.fold(value) {
                return Ok((pos, Some(done)));
            }
        }
    }

    /// Takes payload bytes for the bulk received in place from the front of `buf`, then its
    /// CRLF; returns how many bytes it took, and the finished value once it has all of them.
    fn continue_large(&mut self, buf: &[u8]) -> Result<(usize, Option<Value>), ProtocolError> {
        let Some(large) = &mut self.large else {
            return Ok((0, None));
        };
        let Some(missing) = large.len.checked_sub(large.body.len()) else {
            return Err(ProtocolError::Unexpected(format!(
                "{} bytes appended to a bulk string of {}",
                large.body.len(),
                large.len
            )));
        };
        let take = missing.min(buf.len());
        large.body.extend_from_slice(&buf[..take]);
        large.seen = large.body.len();
        if take < missing {
            return Ok((take, None));
        }
        // The payload is whole; its CRLF stays unconsumed until both bytes are here (and is
        // checked only then, as it is for a bulk that arrives whole).
        match buf.get(take..take + 2) {
            None => Ok((take, None)),
            Some(b"\r\n") => match self.large.take() {
                Some(large) => Ok((take + 2, Some(large.finish()?))),
                None => Ok((take, None)),
            },
            Some(_) => Err(ProtocolError::MissingCrlf),
        }
    }

    /// Folds a finished value into the open aggregates, closing each one it completes; the
    /// top-level value once there is one.
    #[inline(always)]
    fn fold(&mut self, mut value: Value) -> Option<Value> {
        loop {
            let Some(top) = self.stack.last_mut() else {
                return Some(value);
            };
            if !top.push(value) {
                return None;
            }
            let done = self.stack.pop()?;
            match done.finish() {
                Finished::Value(v) => value = v,
                Finished::Waiting(frame) => {
                    // An attribute map completed: now wait for the value it describes.
                    // This replaces the popped frame, so the depth does not grow.
                    self.stack.push(frame);
                    return None;
                }
            }
        }
    }

    fn reply_too_large(&self) -> ProtocolError {
        ProtocolError::ReplyTooLarge {
            limit: self.limits.max_reply_len,
        }
    }

    /// A quick path for the most common element, a non-null bulk string with a short header.
    /// `None` hands anything unusual (null, bad digits, long headers, limits) to the general
    /// path, which reports it; `Some(Ok(None))` is incomplete.
    #[inline]
    fn bulk(
        &mut self,
        buf: &[u8],
        room: usize,
    ) -> Option<Result<Option<(Value, usize)>, ProtocolError>> {
        fast_bulk(
            buf,
            &self.limits,
            room,
            self.large_threshold,
            &mut self.need,
        )
    }

    /// Parses one element at the start of `buf`: a whole scalar, or an aggregate's header.
    /// `room` is how many bytes the reply may still take from `buf[0]` on.
    fn element(
        &mut self,
        buf: &[u8],
        room: usize,
    ) -> Result<Option<(Element, usize)>, ProtocolError> {
        let Some(&ty) = buf.first() else {
            return Ok(None);
        };
        if ty == types::BULK_STRING {
            if let Some(done) = self.bulk(buf, room) {
                return done.map(|d| d.map(|(v, used)| (Element::Value(v), used)));
            }
        }
        // Refuse a byte that starts no frame before looking for a line: garbage is reported at
        // once, never scanned, and every line below has its type byte in front of its CR.
        if !IS_TYPE[ty as usize] {
            return Err(ProtocolError::UnknownType(ty));
        }
        let Some(line_end) = self.find_line_end(buf)? else {
            return Ok(None);
        };
        let line = &buf[1..line_end];
        let after_line = line_end + 2;
        let value = match ty {
            types::SIMPLE_STRING => {
                if line == b"OK" {
                    Value::Okay
                } else {
                    Value::SimpleString(line.to_vec())
                }
            }
            types::SIMPLE_ERROR => Value::Error(Box::new(ServerError::parse(line))),
            types::INTEGER => Value::Int(parse_int(line)?),
            types::NULL => {
                if !line.is_empty() {
                    return Err(ProtocolError::MissingCrlf);
                }
                Value::Nil
            }
            types::BOOLEAN => match line {
                b"t" => Value::Boolean(true),
                b"f" => Value::Boolean(false),
                _ => return Err(ProtocolError::InvalidBoolean),
            },
            types::DOUBLE => Value::Double(parse_double(line)?),
            types::BIG_NUMBER => Value::BigNumber(parse_big_number(line)?),
            types::BULK_STRING | types::BULK_ERROR | types::VERBATIM_STRING => {
                let len = parse_int(line)?;
                if len == -1 && ty == types::BULK_STRING {
                    return Ok(Some((Element::Value(Value::Nil), after_line)));
                }
                let len = self.check_bulk_len(len)?;
                // Header, payload and CRLF: checked, as the sum may not fit (32-bit targets).
                let Some(total) = after_line
                    .checked_add(len)
                    .and_then(|n| n.checked_add(2))
                    .filter(|&n| n <= room)
                else {
                    return Err(self.reply_too_large());
                };
                if buf.len() < total {
                    if len >= self.large_threshold {
                        return self
                            .start_large(ty, len, &buf[after_line..])
                            .map(|(l, used)| {
                                // The header and `used` payload bytes, consumed.
                                Some((Element::Large(l), after_line + used))
                            });
                    }
                    self.need = total;
                    return Ok(None);
                }
                let end = total - 2;
                if &buf[end..total] != b"\r\n" {
                    return Err(ProtocolError::MissingCrlf);
                }
                let body = &buf[after_line..end];
                let value = match ty {
                    types::BULK_STRING => Value::BulkString(body.to_vec()),
                    types::BULK_ERROR => Value::BulkError(Box::new(ServerError::parse(body))),
                    _ => match body {
                        [a, b, c, b':', text @ ..] => Value::Verbatim {
                            format: [*a, *b, *c],
                            text: text.to_vec(),
                        },
                        _ => return Err(ProtocolError::InvalidVerbatim),
                    },
                };
                return Ok(Some((Element::Value(value), total)));
            }
            types::ARRAY | types::SET | types::PUSH | types::MAP | types::ATTRIBUTE => {
                let n = parse_int(line)?;
                if n == -1 && ty == types::ARRAY {
                    return Ok(Some((Element::Value(Value::Nil), after_line)));
                }
                let n = self.check_aggregate_len(n)?;
                let pairs = ty == types::MAP || ty == types::ATTRIBUTE;
                let elements = if pairs { n.checked_mul(2) } else { Some(n) };
                let Some(elements) = elements else {
                    return Err(self.aggregate_too_large(n));
                };
                // Every element takes at least three bytes (`_\r\n`): refuse an aggregate that
                // cannot fit in what is left of the reply before receiving any of it.
                let least = elements
                    .checked_mul(3)
                    .and_then(|b| b.checked_add(after_line));
                if least.is_none_or(|b| b > room) {
                    return Err(self.reply_too_large());
                }
                // Never size a vector from the prefix alone: at most what the bytes already here
                // could hold (every element takes at least three bytes).
                // From 16 items on, rounded up to a multiple of 3 (96 bytes, a multiple of 8,
                // 16, 24, 32 and 48; at most 2 items, 12.5%, more): converting the items in
                // place to a smaller type (a 24-byte `Option<Vec<u8>>` for MGET) then reuses
                // the allocation as it is, where 100 items would need a shrinking `realloc`.
                // Small aggregates (pairs, stream entries) keep their exact size.
                let cap = n.min((buf.len() - after_line) / 3);
                let cap = if cap >= 16 {
                    cap.next_multiple_of(3)
                } else {
                    cap
                };
                let frame = if pairs {
                    Frame::Pairs {
                        ty,
                        remaining: elements,
                        pairs: Vec::with_capacity(cap / 2),
                        key: None,
                    }
                } else {
                    Frame::List {
                        ty,
                        remaining: elements,
                        items: Vec::with_capacity(cap),
                    }
                };
                let element = if n == 0 {
                    match frame.finish() {
                        Finished::Value(v) => Element::Value(v),
                        Finished::Waiting(frame) => Element::Open(frame),
                    }
                } else {
                    Element::Open(frame)
                };
                return Ok(Some((element, after_line)));
            }
            other => return Err(ProtocolError::UnknownType(other)),
        };
        Ok(Some((Element::Value(value), after_line)))
    }

    /// Starts receiving a bulk of `len` bytes in place, whose header was read and whose payload
    /// and CRLF have not all arrived; `payload` is what followed the header. Returns the state
    /// and how many payload bytes it took.
    fn start_large(
        &mut self,
        ty: u8,
        len: usize,
        payload: &[u8],
    ) -> Result<(LargeBulk, usize), ProtocolError> {
        // The length passed max_bulk_len and max_reply_len: the allocation is bounded by
        // configuration, and capacity not yet written costs no resident memory. A failure
        // (or a length past isize::MAX) is an error, not an abort.
        let mut body = Vec::new();
        body.try_reserve_exact(len)
            .map_err(|_| ProtocolError::AllocationFailed { len })?;
        let take = len.min(payload.len());
        body.extend_from_slice(&payload[..take]);
        Ok((
            LargeBulk {
                ty,
                len,
                seen: body.len(),
                body,
            },
            take,
        ))
    }

    /// Index of the `\r` that ends the first line, or `None` if it has not arrived yet.
    fn find_line_end(&mut self, buf: &[u8]) -> Result<Option<usize>, ProtocolError> {
        let max = self.limits.max_line;
        let window = &buf[..buf.len().min(max.saturating_add(3))];
        match window.iter().position(|&b| b == b'\n') {
            Some(nl) if nl >= 2 && window[nl - 1] == b'\r' => Ok(Some(nl - 1)),
            Some(_) => Err(ProtocolError::MissingCrlf),
            None if window.len() > max.saturating_add(2) => {
                Err(ProtocolError::LineTooLong { limit: max })
            }
            None => {
                self.need = buf.len().saturating_add(1);
                Ok(None)
            }
        }
    }

    fn check_bulk_len(&self, len: i64) -> Result<usize, ProtocolError> {
        let Ok(unsigned) = u64::try_from(len) else {
            return Err(ProtocolError::InvalidLength(len));
        };
        match usize::try_from(unsigned) {
            Ok(n) if n <= self.limits.max_bulk_len => Ok(n),
            _ => Err(ProtocolError::BulkTooLarge {
                len: unsigned,
                limit: self.limits.max_bulk_len,
            }),
        }
    }

    fn check_aggregate_len(&self, len: i64) -> Result<usize, ProtocolError> {
        let Ok(unsigned) = u64::try_from(len) else {
            return Err(ProtocolError::InvalidLength(len));
        };
        match usize::try_from(unsigned) {
            Ok(n) if n <= self.limits.max_aggregate_len => Ok(n),
            _ => Err(ProtocolError::AggregateTooLarge {
                len: unsigned,
                limit: self.limits.max_aggregate_len,
            }),
        }
    }

    fn aggregate_too_large(&self, n: usize) -> ProtocolError {
        ProtocolError::AggregateTooLarge {
            len: n as u64,
            limit: self.limits.max_aggregate_len,
        }
    }
}

impl LargeBulk {
    /// The value, once the whole payload and its CRLF were received.
    fn finish(self) -> Result<Value, ProtocolError> {
        let mut body = self.body;
        match self.ty {
            types::BULK_STRING => Ok(Value::BulkString(body)),
            types::BULK_ERROR => Ok(Value::BulkError(Box::new(ServerError::parse(&body)))),
            _ => match body.get(..4) {
                Some(&[a, b, c, b':']) => {
                    // Shifts the text to the front in place: no second allocation.
                    body.drain(..4);
                    Ok(Value::Verbatim {
                        format: [a, b, c],
                        text: body,
                    })
                }
                _ => Err(ProtocolError::InvalidVerbatim),
            },
        }
    }
}

impl Frame {
    /// Adds one element; true when the frame has all its elements.
    #[inline(always)]
    fn push(&mut self, value: Value) -> bool {
        match self {
            Frame::List {
                remaining, items, ..
            } => {
                items.push(value);
                *remaining = remaining.saturating_sub(1);
                *remaining == 0
            }
            Frame::Pairs {
                remaining,
                pairs,
                key,
                ..
            } => {
                match key.take() {
                    None => *key = Some(value),
                    Some(k) => pairs.push((k, value)),
                }
                *remaining = remaining.saturating_sub(1);
                *remaining == 0
            }
            Frame::Attributed { value: slot, .. } => {
                *slot = Some(value);
                true
            }
        }
    }

    /// Turns a complete frame into its value (or, for attributes, the frame that waits for the
    /// described value).
    fn finish(self) -> Finished {
        match self {
            Frame::List { ty, items, .. } => Finished::Value(match ty {
                types::SET => Value::Set(items),
                types::PUSH => Value::Push(items),
                _ => Value::Array(items),
            }),
            Frame::Pairs { ty, pairs, .. } if ty == types::ATTRIBUTE => {
                Finished::Waiting(Frame::Attributed {
                    attributes: pairs,
                    value: None,
                })
            }
            Frame::Pairs { pairs, .. } => Finished::Value(Value::Map(pairs)),
            Frame::Attributed { attributes, value } => Finished::Value(Value::Attribute {
                attributes: attributes.into_boxed_slice(),
                value: Box::new(value.unwrap_or(Value::Nil)),
            }),
        }
    }
}

/// The bulk-string fast path shared by [`Decoder::bulk`] and the array loop in
/// [`Decoder::decode`]. `room` is how many bytes the reply may still take; a bulk that does not
/// fit, or a large one that has not fully arrived, is left to the general path.
#[inline(always)]
fn fast_bulk(
    buf: &[u8],
    limits: &Limits,
    room: usize,
    large_threshold: usize,
    need: &mut usize,
) -> Option<Result<Option<(Value, usize)>, ProtocolError>> {
    let rest = buf.strip_prefix(b"$")?;
    // At most 12 digits, so below 10^12 in a u64 whatever the width of usize.
    let mut len: u64 = 0;
    let mut i = 0;
    loop {
        let b = *rest.get(i)?;
        if b == b'\r' {
            break;
        }
        let d = b.wrapping_sub(b'0');
        if d > 9 || i >= 12 {
            return None;
        }
        len = len * 10 + u64::from(d);
        i += 1;
    }
    if i == 0 || rest.get(i + 1) != Some(&b'\n') || 1 + i > limits.max_line {
        return None;
    }
    let start = 1 + i + 2;
    // Within max_bulk_len, and room in the reply for header, payload and CRLF. In u64, where
    // nothing overflows (len < 10^12, the header is at most 15 bytes) and every usize fits, so
    // the usize sums below cannot overflow either, even on 32-bit targets.
    if len > limits.max_bulk_len as u64 || len + start as u64 + 2 > room as u64 {
        return None;
    }
    let len = len as usize; // at most max_bulk_len, a usize
    let total = start + len + 2; // at most room, a usize
    if buf.len() < total {
        if len >= large_threshold {
            return None;
        }
        *need = total;
        return Some(Ok(None));
    }
    let end = total - 2;
    if &buf[end..total] != b"\r\n" {
        return Some(Err(ProtocolError::MissingCrlf));
    }
    Some(Ok(Some((
        Value::BulkString(buf[start..end].to_vec()),
        total,
    ))))
}

/// Which bytes start a RESP frame, as a table: this is checked for every element.
static IS_TYPE: [bool; 256] = {
    let mut table = [false; 256];
    let all = [
        types::SIMPLE_STRING,
        types::SIMPLE_ERROR,
        types::INTEGER,
        types::BULK_STRING,
        types::ARRAY,
        types::NULL,
        types::BOOLEAN,
        types::DOUBLE,
        types::BIG_NUMBER,
        types::BULK_ERROR,
        types::VERBATIM_STRING,
        types::MAP,
        types::SET,
        types::ATTRIBUTE,
        types::PUSH,
    ];
    let mut i = 0;
    while i < all.len() {
        table[all[i] as usize] = true;
        i += 1;
    }
    table
};

/// Parses a signed decimal integer with no leading `+`, spaces or overflow.
#[inline(always)]
pub(crate) fn parse_int(line: &[u8]) -> Result<i64, ProtocolError> {
    let (neg, digits) = match line {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, line),
    };
    if digits.is_empty() || digits.len() > 19 {
        return Err(ProtocolError::InvalidInteger);
    }
    let mut n: i64 = 0;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return Err(ProtocolError::InvalidInteger);
        }
        n = n
            .checked_mul(10)
            .and_then(|n| {
                if neg {
                    n.checked_sub(d as i64)
                } else {
                    n.checked_add(d as i64)
                }
            })
            .ok_or(ProtocolError::InvalidInteger)?;
    }
    Ok(n)
}

pub(super) fn parse_double(line: &[u8]) -> Result<f64, ProtocolError> {
    let text = std::str::from_utf8(line).map_err(|_| ProtocolError::InvalidDouble)?;
    match text {
        "inf" | "+inf" => Ok(f64::INFINITY),
        "-inf" => Ok(f64::NEG_INFINITY),
        "nan" | "-nan" => Ok(f64::NAN),
        // Rust also accepts "infinity" and "NaN" spellings; RESP3 does not use them, but a
        // number is a number.
        _ if text
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b)) =>
        {
            text.parse().map_err(|_| ProtocolError::InvalidDouble)
        }
        _ => Err(ProtocolError::InvalidDouble),
    }
}

fn parse_big_number(line: &[u8]) -> Result<String, ProtocolError> {
    let digits = match line {
        [b'-' | b'+', rest @ ..] => rest,
        _ => line,
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(ProtocolError::InvalidBigNumber);
    }
    // All ASCII, checked just above.
    Ok(line.iter().map(|&b| b as char).collect())
}
