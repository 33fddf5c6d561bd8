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
    let mut decoder = Decoder::new(*limits);
    match decoder.decode(buf)? {
        (used, Some(v)) => Ok(Some((v, used))),
        (_, None) => Ok(None),
    }
}

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
#[derive(Debug)]
pub struct Decoder {
    limits: Limits,
    stack: Vec<Frame>,
    /// Bytes the element at the front of the unconsumed input needs at least, when known.
    need: usize,
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
}

impl Decoder {
    /// A decoder that enforces `limits`.
    pub fn new(limits: Limits) -> Decoder {
        Decoder {
            limits,
            stack: Vec::new(),
            need: 0,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Drops any partly decoded value.
    pub fn reset(&mut self) {
        self.stack.clear();
        self.need = 0;
    }

    /// Whether a value is partly decoded (some of its bytes were consumed).
    pub fn is_mid_value(&self) -> bool {
        !self.stack.is_empty()
    }

    /// After an incomplete [`Decoder::decode`], the number of unconsumed bytes the next element
    /// needs at least (0 when unknown). A caller can read until it has that many before calling
    /// again.
    pub fn bytes_needed(&self) -> usize {
        self.need
    }

    /// Consumes bytes from the front of `buf`; returns how many, and the value if one completed.
    #[inline]
    pub fn decode(&mut self, buf: &[u8]) -> Result<(usize, Option<Value>), ProtocolError> {
        self.need = 0;
        if self.stack.is_empty() {
            // The replies most commands get: `+OK` and a non-null bulk string at top level.
            if buf.starts_with(b"+OK\r\n") {
                return Ok((5, Some(Value::Okay)));
            }
            if let Some(done) = fast_bulk(buf, &self.limits, &mut self.need) {
                return done.map(|d| match d {
                    Some((v, used)) => (used, Some(v)),
                    None => (0, None),
                });
            }
        }
        self.decode_general(buf)
    }

    /// Everything but the top-level fast paths.
    #[inline(never)]
    fn decode_general(&mut self, buf: &[u8]) -> Result<(usize, Option<Value>), ProtocolError> {
        let mut pos = 0;
        loop {
            // Arrays of bulk strings (MGET, LRANGE, RESP2 maps) are filled in a tight loop; the
            // last element goes through the general path, which closes the frame.
            if let Some(Frame::List {
                remaining, items, ..
            }) = self.stack.last_mut()
            {
                while *remaining > 1 {
                    match fast_bulk(&buf[pos..], &self.limits, &mut self.need) {
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
            let rest = &buf[pos..];
            let (element, used) = match self.element(rest)? {
                Some(x) => x,
                None => return Ok((pos, None)),
            };
            pos += used;
            let mut value = match element {
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
            };
            // Fold the finished value into the open aggregates, closing each one it completes.
            loop {
                let Some(top) = self.stack.last_mut() else {
                    return Ok((pos, Some(value)));
                };
                if !top.push(value) {
                    break;
                }
                let Some(done) = self.stack.pop() else {
                    break;
                };
                match done.finish() {
                    Element::Value(v) => value = v,
                    Element::Open(frame) => {
                        // An attribute map completed: now wait for the value it describes.
                        // This replaces the popped frame, so the depth does not grow.
                        self.stack.push(frame);
                        break;
                    }
                }
            }
        }
    }

    /// A quick path for the most common element, a non-null bulk string with a short header.
    /// `None` hands anything unusual (null, bad digits, long headers, limits) to the general
    /// path, which reports it; `Some(Ok(None))` is incomplete.
    #[inline]
    fn bulk(&mut self, buf: &[u8]) -> Option<Result<Option<(Value, usize)>, ProtocolError>> {
        fast_bulk(buf, &self.limits, &mut self.need)
    }

    /// Parses one element at the start of `buf`: a whole scalar, or an aggregate's header.
    fn element(&mut self, buf: &[u8]) -> Result<Option<(Element, usize)>, ProtocolError> {
        let Some(&ty) = buf.first() else {
            return Ok(None);
        };
        if ty == types::BULK_STRING {
            if let Some(done) = self.bulk(buf) {
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
                let end = after_line + len;
                if buf.len() < end + 2 {
                    self.need = end + 2;
                    return Ok(None);
                }
                if &buf[end..end + 2] != b"\r\n" {
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
                return Ok(Some((Element::Value(value), end + 2)));
            }
            types::ARRAY | types::SET | types::PUSH | types::MAP | types::ATTRIBUTE => {
                let n = parse_int(line)?;
                if n == -1 && ty == types::ARRAY {
                    return Ok(Some((Element::Value(Value::Nil), after_line)));
                }
                let n = self.check_aggregate_len(n)?;
                // Never size a vector from the prefix alone: at most what the bytes already here
                // could hold (every element takes at least three bytes).
                let cap = n.min((buf.len() - after_line) / 3);
                let frame = if ty == types::MAP || ty == types::ATTRIBUTE {
                    Frame::Pairs {
                        ty,
                        remaining: n * 2,
                        pairs: Vec::with_capacity(cap / 2),
                        key: None,
                    }
                } else {
                    Frame::List {
                        ty,
                        remaining: n,
                        items: Vec::with_capacity(cap),
                    }
                };
                let element = if n == 0 {
                    frame.finish()
                } else {
                    Element::Open(frame)
                };
                return Ok(Some((element, after_line)));
            }
            other => return Err(ProtocolError::UnknownType(other)),
        };
        Ok(Some((Element::Value(value), after_line)))
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
                self.need = buf.len() + 1;
                Ok(None)
            }
        }
    }

    fn check_bulk_len(&self, len: i64) -> Result<usize, ProtocolError> {
        if len < 0 {
            return Err(ProtocolError::InvalidLength(len));
        }
        match usize::try_from(len) {
            Ok(n) if n <= self.limits.max_bulk_len => Ok(n),
            _ => Err(ProtocolError::BulkTooLarge {
                len: len as u64,
                limit: self.limits.max_bulk_len,
            }),
        }
    }

    fn check_aggregate_len(&self, len: i64) -> Result<usize, ProtocolError> {
        if len < 0 {
            return Err(ProtocolError::InvalidLength(len));
        }
        match usize::try_from(len) {
            // Twice the limit must fit for maps; the limit itself is far below usize::MAX / 2.
            Ok(n) if n <= self.limits.max_aggregate_len && n <= usize::MAX / 2 => Ok(n),
            _ => Err(ProtocolError::AggregateTooLarge {
                len: len as u64,
                limit: self.limits.max_aggregate_len,
            }),
        }
    }
}

impl Frame {
    /// Adds one element; true when the frame has all its elements.
    fn push(&mut self, value: Value) -> bool {
        match self {
            Frame::List {
                remaining, items, ..
            } => {
                items.push(value);
                *remaining -= 1;
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
                *remaining -= 1;
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
    fn finish(self) -> Element {
        match self {
            Frame::List { ty, items, .. } => Element::Value(match ty {
                types::SET => Value::Set(items),
                types::PUSH => Value::Push(items),
                _ => Value::Array(items),
            }),
            Frame::Pairs { ty, pairs, .. } if ty == types::ATTRIBUTE => {
                Element::Open(Frame::Attributed {
                    attributes: pairs,
                    value: None,
                })
            }
            Frame::Pairs { pairs, .. } => Element::Value(Value::Map(pairs)),
            Frame::Attributed { attributes, value } => Element::Value(Value::Attribute {
                attributes: attributes.into_boxed_slice(),
                value: Box::new(value.unwrap_or(Value::Nil)),
            }),
        }
    }
}

/// The bulk-string fast path shared by [`Decoder::bulk`] and the array loop in
/// [`Decoder::decode`].
#[inline]
fn fast_bulk(
    buf: &[u8],
    limits: &Limits,
    need: &mut usize,
) -> Option<Result<Option<(Value, usize)>, ProtocolError>> {
    let rest = buf.strip_prefix(b"$")?;
    let mut len: usize = 0;
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
        len = len * 10 + d as usize;
        i += 1;
    }
    if i == 0
        || rest.get(i + 1) != Some(&b'\n')
        || 1 + i > limits.max_line
        || len > limits.max_bulk_len
    {
        return None;
    }
    let start = 1 + i + 2;
    let end = start + len;
    if buf.len() < end + 2 {
        *need = end + 2;
        return Some(Ok(None));
    }
    if &buf[end..end + 2] != b"\r\n" {
        return Some(Err(ProtocolError::MissingCrlf));
    }
    Some(Ok(Some((
        Value::BulkString(buf[start..end].to_vec()),
        end + 2,
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

fn parse_double(line: &[u8]) -> Result<f64, ProtocolError> {
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
