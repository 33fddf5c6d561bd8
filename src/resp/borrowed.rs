//! [`ValueRef`]: a reply that borrows from the bytes it was decoded from, and [`decode_ref`].
//!
//! [`decode_ref`] checks one whole value once, with the same rules and [`Limits`] as
//! [`decode`](super::decode), and allocates nothing: strings are slices of the input, and an
//! aggregate is an iterator ([`Items`], [`Pairs`]) that decodes its elements from the input as
//! it is advanced. Because the whole value was checked first, iterating cannot fail.
//!
//! Nesting is checked with a small fixed stack of open aggregates; only every 32nd level calls
//! the checker again, so the call depth stays a small fraction of [`Limits::max_depth`].
//! Iteration and [`ValueRef::to_owned`] use no recursion at all.

use std::iter::FusedIterator;

use super::decode::{parse_double, parse_int};
use super::{Limits, types};
use crate::error::ProtocolError;

mod convert;

/// Decodes one complete value from the start of `buf`, borrowing from it.
///
/// Returns the value and the number of bytes it took, or `Ok(None)` when `buf` ends before the
/// value does (incomplete, which is not an error); malformed input is an error, never a panic.
/// For every input the outcome is the one [`decode`](super::decode) gives: the same bytes used,
/// a value whose [`ValueRef::to_owned`] equals the owned value, or the same [`ProtocolError`].
///
/// The whole value is checked before this returns, so walking it later cannot fail; nothing is
/// allocated, whatever the input.
///
/// ```
/// use redisync::resp::{decode_ref, Limits, ValueRef};
/// let wire = b"*3\r\n$3\r\nfoo\r\n:7\r\n_\r\n+OK\r\n";
/// let (reply, used) = decode_ref(wire, &Limits::default())?.expect("complete");
/// assert_eq!(used, wire.len() - 5); // `+OK` is the next reply
/// let mut items = reply.as_items().expect("an array");
/// assert_eq!(items.len(), 3);
/// assert_eq!(items.next().and_then(|v| v.as_bytes()), Some(&b"foo"[..])); // borrowed
/// assert_eq!(items.next().and_then(|v| v.as_int()), Some(7));
/// assert!(items.next().is_some_and(|v| v.is_null()));
/// assert_eq!(decode_ref(&wire[..10], &Limits::default())?.map(|(_, n)| n), None); // incomplete
/// # Ok::<(), redisync::Error>(())
/// ```
pub fn decode_ref<'a>(
    buf: &'a [u8],
    limits: &Limits,
) -> Result<Option<(ValueRef<'a>, usize)>, ProtocolError> {
    let max = limits.max_reply_len;
    // As in the owned decoder, whose shortcut for the commonest reply skips `max_line`.
    if buf.starts_with(b"+OK\r\n") && max >= 5 {
        return Ok(Some((ValueRef::SimpleString(b"OK"), 5)));
    }
    match element(buf, limits, max)? {
        Elem::Incomplete { need } => {
            if buf.len().max(need) > max {
                return Err(ProtocolError::ReplyTooLarge { limit: max });
            }
            Ok(None)
        }
        Elem::Whole(value, used) => {
            if used > max {
                return Err(ProtocolError::ReplyTooLarge { limit: max });
            }
            Ok(Some((value, used)))
        }
        Elem::Open {
            ty,
            elements,
            header,
        } => {
            if limits.max_depth == 0 {
                return Err(ProtocolError::TooDeep { limit: 0 });
            }
            let Some(end) = check_elements(buf, header, elements, 0, limits)? else {
                return Ok(None);
            };
            let body = buf.get(header..end).unwrap_or_default();
            Ok(Some((aggregate(ty, elements, body), end)))
        }
    }
}

/// One RESP2 or RESP3 value borrowed from the buffer it was decoded from, made by
/// [`decode_ref`].
///
/// Use it to parse replies yourself without building a [`Value`](super::Value) tree: a large
/// array or map is walked straight from the read buffer, its strings are slices of it, and
/// nothing is allocated. For small replies, or values kept after the buffer is reused,
/// [`Value`](super::Value) (or [`ValueRef::to_owned`]) is simpler.
///
/// The variants mirror [`Value`](super::Value)'s: every null form (`$-1`, `*-1`, `_`) is
/// [`ValueRef::Nil`], but `+OK` stays a [`ValueRef::SimpleString`] (nothing to save by
/// special-casing it). Aggregates are iterators over their elements ([`Items`], [`Pairs`]); cloning one is cheap
/// and starts again from where the clone was taken.
///
/// An aggregate's iterator reads each element as it yields it, and steps over a nested
/// aggregate by reading its elements' headers, so walking a whole value reads each byte about
/// once per level of nesting above it: once or twice for the replies Redis sends, and at most
/// [`Limits::max_depth`] times.
///
/// ```
/// use redisync::resp::{decode_ref, Limits, ValueRef};
/// // An HGETALL reply over RESP3: sum the fields' lengths without allocating.
/// let wire = b"%2\r\n$4\r\nname\r\n$3\r\nann\r\n$3\r\nage\r\n:42\r\n";
/// let (reply, _) = decode_ref(wire, &Limits::default())?.expect("complete");
/// let ValueRef::Map(pairs) = reply.clone() else { panic!("{}", reply.type_name()) };
/// let mut text = 0;
/// for (field, value) in pairs {
///     text += field.as_bytes().map_or(0, <[u8]>::len);
///     if let Some(n) = value.as_int() {
///         assert_eq!(n, 42);
///     }
/// }
/// assert_eq!(text, 7);
/// assert_eq!(reply.to_owned().type_name(), "map");
/// # Ok::<(), redisync::Error>(())
/// ```
#[derive(Clone)]
pub enum ValueRef<'a> {
    /// Null: RESP2 `$-1` / `*-1`, RESP3 `_`.
    Nil,
    /// A simple string (`+...`), `OK` included.
    SimpleString(&'a [u8]),
    /// A simple error (`-CODE message`): its text, which
    /// [`ServerError::parse`](crate::ServerError::parse) reads.
    Error(&'a [u8]),
    /// An integer (`:`).
    Int(i64),
    /// A bulk string (`$`).
    BulkString(&'a [u8]),
    /// An array (`*`).
    Array(Items<'a>),
    /// RESP3 boolean (`#t` / `#f`).
    Boolean(bool),
    /// RESP3 double (`,`), including `inf`, `-inf` and `nan`.
    Double(f64),
    /// RESP3 big number (`(`): an optional sign and decimal digits.
    BigNumber(&'a str),
    /// RESP3 bulk error (`!`): its text.
    BulkError(&'a [u8]),
    /// RESP3 verbatim string (`=`).
    Verbatim {
        /// The three-byte format, such as `*b"txt"`.
        format: [u8; 3],
        /// The text.
        text: &'a [u8],
    },
    /// RESP3 map (`%`), pairs in the order the server sent them.
    Map(Pairs<'a>),
    /// RESP3 set (`~`).
    Set(Items<'a>),
    /// RESP3 attribute (`|`): attribute pairs and the value they describe.
    Attribute(Attributed<'a>),
    /// RESP3 push (`>`).
    Push(Items<'a>),
}

/// The elements of an array, set or push, decoded one by one from the buffer as the iterator is
/// advanced. Its length is exact: the elements were all checked by [`decode_ref`].
#[derive(Clone)]
pub struct Items<'a> {
    /// The remaining elements' bytes (possibly followed by bytes that are not theirs).
    bytes: &'a [u8],
    /// How many elements remain.
    remaining: usize,
}

/// The pairs of a map or of an attribute, decoded one by one from the buffer as the iterator is
/// advanced; its length is the number of pairs.
#[derive(Clone)]
pub struct Pairs<'a> {
    /// Keys and values alternating: twice as many elements as pairs.
    elements: Items<'a>,
}

/// A RESP3 attribute: pairs of extra information, and the value they describe.
#[derive(Clone)]
pub struct Attributed<'a> {
    /// The attribute's keys and values, then the value described.
    elements: Items<'a>,
}

/// Levels of nesting the checker keeps on one fixed stack before it calls itself for deeper
/// ones.
const INLINE: usize = 32;

/// Limits that let through everything [`decode_ref`] already checked: reading checked bytes
/// again with them parses them exactly the same way.
const CHECKED: Limits = Limits {
    max_bulk_len: usize::MAX,
    max_aggregate_len: usize::MAX,
    max_depth: usize::MAX,
    max_line: usize::MAX,
    max_reply_len: usize::MAX,
};

/// What the front of a buffer holds.
enum Elem<'a> {
    /// A whole value (scalar, null or empty aggregate) and the bytes it took.
    Whole(ValueRef<'a>, usize),
    /// An aggregate's header: its type, how many elements follow (twice the pairs of a map;
    /// twice the pairs plus the described value of an attribute), and the header's length.
    Open {
        ty: u8,
        elements: usize,
        header: usize,
    },
    /// The bytes end first; the element needs at least `need` bytes (0 when unknown).
    Incomplete { need: usize },
}

/// Reads the element at the front of `buf` (a whole scalar, or an aggregate's header), with the
/// checks and in the order of the owned decoder. `room` is how many bytes the top-level reply
/// may still take from `buf[0]` on.
fn element<'a>(buf: &'a [u8], limits: &Limits, room: usize) -> Result<Elem<'a>, ProtocolError> {
    let Some(&ty) = buf.first() else {
        return Ok(Elem::Incomplete { need: 0 });
    };
    if ty == types::BULK_STRING {
        if let Some(done) = short_bulk(buf, limits, room) {
            return Ok(done);
        }
    }
    if !is_type(ty) {
        return Err(ProtocolError::UnknownType(ty));
    }
    let Some(line_end) = line_end(buf, limits.max_line)? else {
        return Ok(Elem::Incomplete {
            need: buf.len().saturating_add(1),
        });
    };
    let line = buf.get(1..line_end).unwrap_or_default();
    let after = line_end + 2;
    let value = match ty {
        types::SIMPLE_STRING => ValueRef::SimpleString(line),
        types::SIMPLE_ERROR => ValueRef::Error(line),
        types::INTEGER => ValueRef::Int(parse_int(line)?),
        types::NULL if line.is_empty() => ValueRef::Nil,
        types::NULL => return Err(ProtocolError::MissingCrlf),
        types::BOOLEAN => match line {
            b"t" => ValueRef::Boolean(true),
            b"f" => ValueRef::Boolean(false),
            _ => return Err(ProtocolError::InvalidBoolean),
        },
        types::DOUBLE => ValueRef::Double(parse_double(line)?),
        types::BIG_NUMBER => ValueRef::BigNumber(big_number(line)?),
        types::BULK_STRING | types::BULK_ERROR | types::VERBATIM_STRING => {
            return bulk(buf, ty, line, after, limits, room);
        }
        _ => {
            // An aggregate: the only type bytes left.
            let n = parse_int(line)?;
            if n == -1 && ty == types::ARRAY {
                return Ok(Elem::Whole(ValueRef::Nil, after));
            }
            let n = check_len(n, limits.max_aggregate_len, |len, limit| {
                ProtocolError::AggregateTooLarge { len, limit }
            })?;
            let pairs = ty == types::MAP || ty == types::ATTRIBUTE;
            let Some(elements) = (if pairs { n.checked_mul(2) } else { Some(n) }) else {
                return Err(ProtocolError::AggregateTooLarge {
                    len: n as u64,
                    limit: limits.max_aggregate_len,
                });
            };
            // Every element takes at least three bytes (`_\r\n`).
            let least = elements.checked_mul(3).and_then(|b| b.checked_add(after));
            if least.is_none_or(|b| b > room) {
                return Err(ProtocolError::ReplyTooLarge {
                    limit: limits.max_reply_len,
                });
            }
            if ty == types::ATTRIBUTE {
                return Ok(Elem::Open {
                    ty,
                    elements: elements.saturating_add(1),
                    header: after,
                });
            }
            if n == 0 {
                return Ok(Elem::Whole(aggregate(ty, 0, &[]), after));
            }
            return Ok(Elem::Open {
                ty,
                elements,
                header: after,
            });
        }
    };
    Ok(Elem::Whole(value, after))
}

/// The commonest element, a bulk string with a short header within the limits, read in one
/// pass; `None` leaves anything else (null, odd digits, a limit reached, a missing CRLF) to
/// the general path, which gives the same result for what this does read.
#[inline(always)]
fn short_bulk<'a>(buf: &'a [u8], limits: &Limits, room: usize) -> Option<Elem<'a>> {
    // At most 12 digits: below 10^12, so nothing below overflows even where usize is 32 bits.
    let mut len: u64 = 0;
    let mut i = 1;
    loop {
        let d = buf.get(i)?.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        if i > 12 {
            return None;
        }
        len = len * 10 + u64::from(d);
        i += 1;
    }
    let digits = i - 1;
    if digits == 0 || !is_crlf(buf, i) || digits > limits.max_line {
        return None;
    }
    let start = i + 2;
    if len > limits.max_bulk_len as u64 || len + start as u64 + 2 > room as u64 {
        return None;
    }
    let total = start + len as usize + 2; // within `room`, a usize
    match buf.get(start..total - 2) {
        Some(body) if is_crlf(buf, total - 2) => {
            Some(Elem::Whole(ValueRef::BulkString(body), total))
        }
        _ if buf.len() < total => Some(Elem::Incomplete { need: total }),
        _ => None,
    }
}

/// Whether `buf` holds CRLF at `at`.
#[inline(always)]
fn is_crlf(buf: &[u8], at: usize) -> bool {
    buf.get(at) == Some(&b'\r') && buf.get(at + 1) == Some(&b'\n')
}

/// A bulk string, bulk error or verbatim string whose header line is `line`, ending at `after`.
fn bulk<'a>(
    buf: &'a [u8],
    ty: u8,
    line: &[u8],
    after: usize,
    limits: &Limits,
    room: usize,
) -> Result<Elem<'a>, ProtocolError> {
    let len = parse_int(line)?;
    if len == -1 && ty == types::BULK_STRING {
        return Ok(Elem::Whole(ValueRef::Nil, after));
    }
    let len = check_len(len, limits.max_bulk_len, |len, limit| {
        ProtocolError::BulkTooLarge { len, limit }
    })?;
    let Some(total) = after
        .checked_add(len)
        .and_then(|n| n.checked_add(2))
        .filter(|&n| n <= room)
    else {
        return Err(ProtocolError::ReplyTooLarge {
            limit: limits.max_reply_len,
        });
    };
    let Some(body) = buf.get(after..total - 2).filter(|_| buf.len() >= total) else {
        return Ok(Elem::Incomplete { need: total });
    };
    if !is_crlf(buf, total - 2) {
        return Err(ProtocolError::MissingCrlf);
    }
    let value = match (ty, body) {
        (types::BULK_STRING, _) => ValueRef::BulkString(body),
        (types::BULK_ERROR, _) => ValueRef::BulkError(body),
        (_, [a, b, c, b':', text @ ..]) => ValueRef::Verbatim {
            format: [*a, *b, *c],
            text,
        },
        _ => return Err(ProtocolError::InvalidVerbatim),
    };
    Ok(Elem::Whole(value, total))
}

/// Checks the `elements` elements of an aggregate whose header ends at `pos`, with `outer`
/// aggregates open around it; returns where the aggregate ends, or `None` if `buf` ends first.
fn check_elements(
    buf: &[u8],
    mut pos: usize,
    elements: usize,
    outer: usize,
    limits: &Limits,
) -> Result<Option<usize>, ProtocolError> {
    let max = limits.max_reply_len;
    let too_large = || ProtocolError::ReplyTooLarge { limit: max };
    if elements == 0 {
        return Ok(Some(pos));
    }
    // Elements still to come in each open aggregate, innermost last: `open[..top]`.
    let mut open = [0usize; INLINE];
    open[0] = elements;
    let mut top = 1;
    loop {
        let rest = buf.get(pos..).unwrap_or_default();
        match element(rest, limits, max.saturating_sub(pos))? {
            Elem::Incomplete { need } => {
                // The reply is at least this long: refuse it now if that is too long.
                if pos
                    .checked_add(rest.len().max(need))
                    .is_none_or(|n| n > max)
                {
                    return Err(too_large());
                }
                return Ok(None);
            }
            Elem::Whole(_, used) => {
                pos += used;
                if pos > max {
                    return Err(too_large());
                }
            }
            Elem::Open {
                elements, header, ..
            } => {
                pos += header;
                if pos > max {
                    return Err(too_large());
                }
                if outer + top >= limits.max_depth {
                    return Err(ProtocolError::TooDeep {
                        limit: limits.max_depth,
                    });
                }
                if top < INLINE {
                    open[top] = elements;
                    top += 1;
                    continue;
                }
                // The fixed stack is full: this aggregate is checked by a call of its own.
                match check_elements(buf, pos, elements, outer + top, limits)? {
                    Some(end) => pos = end,
                    None => return Ok(None),
                }
            }
        }
        // An element ended: close every aggregate it completes.
        loop {
            open[top - 1] -= 1;
            if open[top - 1] > 0 {
                break;
            }
            top -= 1;
            if top == 0 {
                return Ok(Some(pos));
            }
        }
    }
}

/// The aggregate of type `ty` whose `elements` elements (checked) are `body`.
fn aggregate(ty: u8, elements: usize, body: &[u8]) -> ValueRef<'_> {
    let items = Items {
        bytes: body,
        remaining: elements,
    };
    match ty {
        types::SET => ValueRef::Set(items),
        types::PUSH => ValueRef::Push(items),
        types::MAP => ValueRef::Map(Pairs { elements: items }),
        types::ATTRIBUTE => ValueRef::Attribute(Attributed { elements: items }),
        _ => ValueRef::Array(items),
    }
}

/// Reads one checked value from the front of `buf`: the value and the bytes it takes, or `None`
/// if the bytes were not checked after all (never, for bytes [`decode_ref`] accepted).
#[inline]
fn read_checked(buf: &[u8]) -> Option<(ValueRef<'_>, usize)> {
    let elem = match buf.first() {
        Some(&types::BULK_STRING) => short_bulk(buf, &CHECKED, usize::MAX),
        _ => None,
    };
    let elem = match elem {
        Some(elem) => elem,
        None => element(buf, &CHECKED, usize::MAX).ok()?,
    };
    match elem {
        Elem::Whole(value, used) => Some((value, used)),
        Elem::Open {
            ty,
            elements,
            header,
        } => {
            let end = skip_checked(buf, header, elements)?;
            Some((aggregate(ty, elements, buf.get(header..end)?), end))
        }
        Elem::Incomplete { .. } => None,
    }
}

/// Where `count` checked values starting at `pos` end. One counter of elements still owed,
/// whatever the nesting: no stack, no recursion.
fn skip_checked(buf: &[u8], mut pos: usize, count: usize) -> Option<usize> {
    let mut owed = count;
    while owed > 0 {
        owed -= 1;
        match element(buf.get(pos..)?, &CHECKED, usize::MAX).ok()? {
            Elem::Whole(_, used) => pos += used,
            Elem::Open {
                elements, header, ..
            } => {
                pos += header;
                owed = owed.saturating_add(elements);
            }
            Elem::Incomplete { .. } => return None,
        }
    }
    Some(pos)
}

/// Index of the `\r` that ends the first line, the owned decoder's rule: the first `\n` must
/// follow a `\r`, within `max + 2` bytes of the type byte.
fn line_end(buf: &[u8], max: usize) -> Result<Option<usize>, ProtocolError> {
    let window = buf
        .get(..buf.len().min(max.saturating_add(3)))
        .unwrap_or(buf);
    match window.iter().position(|&b| b == b'\n') {
        Some(nl) if nl >= 2 && window.get(nl - 1) == Some(&b'\r') => Ok(Some(nl - 1)),
        Some(_) => Err(ProtocolError::MissingCrlf),
        None if window.len() > max.saturating_add(2) => {
            Err(ProtocolError::LineTooLong { limit: max })
        }
        None => Ok(None),
    }
}

fn is_type(b: u8) -> bool {
    matches!(
        b,
        types::SIMPLE_STRING
            | types::SIMPLE_ERROR
            | types::INTEGER
            | types::BULK_STRING
            | types::ARRAY
            | types::NULL
            | types::BOOLEAN
            | types::DOUBLE
            | types::BIG_NUMBER
            | types::BULK_ERROR
            | types::VERBATIM_STRING
            | types::MAP
            | types::SET
            | types::ATTRIBUTE
            | types::PUSH
    )
}

/// A length prefix within `limit`; a negative one is [`ProtocolError::InvalidLength`].
fn check_len(
    len: i64,
    limit: usize,
    too_large: impl Fn(u64, usize) -> ProtocolError,
) -> Result<usize, ProtocolError> {
    let Ok(unsigned) = u64::try_from(len) else {
        return Err(ProtocolError::InvalidLength(len));
    };
    match usize::try_from(unsigned) {
        Ok(n) if n <= limit => Ok(n),
        _ => Err(too_large(unsigned, limit)),
    }
}

/// An optional sign and at least one decimal digit.
fn big_number(line: &[u8]) -> Result<&str, ProtocolError> {
    let digits = match line {
        [b'-' | b'+', rest @ ..] => rest,
        _ => line,
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(ProtocolError::InvalidBigNumber);
    }
    std::str::from_utf8(line).map_err(|_| ProtocolError::InvalidBigNumber)
}

impl<'a> ValueRef<'a> {
    /// The name of this value's RESP type, as
    /// [`Value::type_name`](super::Value::type_name) gives it.
    pub fn type_name(&self) -> &'static str {
        match self {
            ValueRef::Nil => "nil",
            ValueRef::SimpleString(_) => "simple string",
            ValueRef::Error(_) => "simple error",
            ValueRef::Int(_) => "integer",
            ValueRef::BulkString(_) => "bulk string",
            ValueRef::Array(_) => "array",
            ValueRef::Boolean(_) => "boolean",
            ValueRef::Double(_) => "double",
            ValueRef::BigNumber(_) => "big number",
            ValueRef::BulkError(_) => "bulk error",
            ValueRef::Verbatim { .. } => "verbatim string",
            ValueRef::Map(_) => "map",
            ValueRef::Set(_) => "set",
            ValueRef::Attribute(_) => "attribute",
            ValueRef::Push(_) => "push",
        }
    }

    /// True for [`ValueRef::Nil`] (any of the three null forms).
    pub fn is_null(&self) -> bool {
        matches!(self, ValueRef::Nil)
    }

    /// The bytes of a simple, bulk or verbatim string (the text, without its format), borrowed
    /// from the buffer.
    pub fn as_bytes(&self) -> Option<&'a [u8]> {
        match self {
            ValueRef::SimpleString(s)
            | ValueRef::BulkString(s)
            | ValueRef::Verbatim { text: s, .. } => Some(s),
            _ => None,
        }
    }

    /// The integer of a [`ValueRef::Int`].
    pub fn as_int(&self) -> Option<i64> {
        match self {
            ValueRef::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The elements of an array, set or push, from the first.
    pub fn as_items(&self) -> Option<Items<'a>> {
        match self {
            ValueRef::Array(items) | ValueRef::Set(items) | ValueRef::Push(items) => {
                Some(items.clone())
            }
            _ => None,
        }
    }

    /// The pairs of a map, from the first.
    pub fn as_pairs(&self) -> Option<Pairs<'a>> {
        match self {
            ValueRef::Map(pairs) => Some(pairs.clone()),
            _ => None,
        }
    }

    /// The value without any attributes around it.
    pub fn into_unattributed(mut self) -> ValueRef<'a> {
        while let ValueRef::Attribute(attributed) = self {
            self = attributed.value();
        }
        self
    }
}

impl<'a> Iterator for Items<'a> {
    type Item = ValueRef<'a>;

    #[inline]
    fn next(&mut self) -> Option<ValueRef<'a>> {
        if self.remaining == 0 {
            return None;
        }
        let Some((value, used)) = read_checked(self.bytes) else {
            self.remaining = 0;
            return None;
        };
        self.bytes = self.bytes.get(used..).unwrap_or_default();
        self.remaining -= 1;
        Some(value)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for Items<'_> {}
impl FusedIterator for Items<'_> {}

impl<'a> Iterator for Pairs<'a> {
    type Item = (ValueRef<'a>, ValueRef<'a>);

    #[inline]
    fn next(&mut self) -> Option<(ValueRef<'a>, ValueRef<'a>)> {
        if self.elements.remaining < 2 {
            return None;
        }
        Some((self.elements.next()?, self.elements.next()?))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.elements.remaining / 2;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Pairs<'_> {}
impl FusedIterator for Pairs<'_> {}

impl<'a> Attributed<'a> {
    /// The attribute pairs.
    pub fn attributes(&self) -> Pairs<'a> {
        Pairs {
            elements: Items {
                bytes: self.elements.bytes,
                remaining: self.elements.remaining.saturating_sub(1),
            },
        }
    }

    /// The value the attributes describe.
    pub fn value(&self) -> ValueRef<'a> {
        let pairs = self.elements.remaining.saturating_sub(1);
        skip_checked(self.elements.bytes, 0, pairs)
            .and_then(|at| read_checked(self.elements.bytes.get(at..)?))
            .map_or(ValueRef::Nil, |(value, _)| value)
    }
}
