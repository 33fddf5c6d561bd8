//! [`Value`]: one RESP2 or RESP3 reply, as it arrived.

use std::fmt;

use super::encode::{write_bulk_with_type, write_decimal, write_line};
use super::types;
use crate::error::ServerError;

/// One reply from the server, covering every RESP2 and RESP3 type.
///
/// RESP2 has two null forms (`$-1` and `*-1`) and RESP3 has `_`; all three decode to
/// [`Value::Nil`]. The simple string `+OK` decodes to [`Value::Okay`] so that acknowledging a
/// write allocates nothing.
///
/// `Value` is exhaustive on purpose: RESP3 is a closed specification, and matching every case
/// helps callers that walk replies.
#[derive(Clone, PartialEq)]
pub enum Value {
    /// Null: RESP2 `$-1` / `*-1`, RESP3 `_`.
    Nil,
    /// The simple string `OK`.
    Okay,
    /// Any other simple string (`+...`), as bytes (RESP does not promise UTF-8).
    SimpleString(Vec<u8>),
    /// A simple error (`-CODE message`), nested inside an aggregate (a top-level error reply
    /// becomes an [`Error`](crate::Error) instead).
    Error(Box<ServerError>),
    /// An integer (`:`).
    Int(i64),
    /// A bulk string (`$`): binary-safe bytes.
    BulkString(Vec<u8>),
    /// An array (`*`).
    Array(Vec<Value>),
    /// RESP3 boolean (`#t` / `#f`).
    Boolean(bool),
    /// RESP3 double (`,`), including `inf`, `-inf` and `nan`.
    Double(f64),
    /// RESP3 big number (`(`): an optional sign and decimal digits, kept as text.
    BigNumber(String),
    /// RESP3 bulk error (`!`).
    BulkError(Box<ServerError>),
    /// RESP3 verbatim string (`=`): a three-byte format such as `txt` or `mkd`, and the text.
    Verbatim {
        /// The format, such as `*b"txt"`.
        format: [u8; 3],
        /// The text.
        text: Vec<u8>,
    },
    /// RESP3 map (`%`), in the order the server sent it. On RESP2 the same reply arrives as a
    /// flat [`Value::Array`]; [`FromValue`](crate::FromValue) accepts both.
    Map(Vec<(Value, Value)>),
    /// RESP3 set (`~`).
    Set(Vec<Value>),
    /// RESP3 attribute (`|`): extra information the server attached to the value that follows.
    Attribute {
        /// The attribute pairs.
        attributes: Box<[(Value, Value)]>,
        /// The value they describe.
        value: Box<Value>,
    },
    /// RESP3 push (`>`): out-of-band data (pub/sub messages, invalidations), never a reply.
    Push(Vec<Value>),
}

impl Value {
    /// The name of this value's RESP type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Okay | Value::SimpleString(_) => "simple string",
            Value::Error(_) => "simple error",
            Value::Int(_) => "integer",
            Value::BulkString(_) => "bulk string",
            Value::Array(_) => "array",
            Value::Boolean(_) => "boolean",
            Value::Double(_) => "double",
            Value::BigNumber(_) => "big number",
            Value::BulkError(_) => "bulk error",
            Value::Verbatim { .. } => "verbatim string",
            Value::Map(_) => "map",
            Value::Set(_) => "set",
            Value::Attribute { .. } => "attribute",
            Value::Push(_) => "push",
        }
    }

    /// A short description for error messages: the type and its size, never the payload (which
    /// may be sensitive), except for numbers and booleans.
    pub(crate) fn describe(&self) -> String {
        match self {
            Value::Int(i) => format!("integer {i}"),
            Value::Double(d) => format!("double {d}"),
            Value::Boolean(b) => format!("boolean {b}"),
            Value::Okay => "simple string OK".to_string(),
            Value::SimpleString(s) | Value::BulkString(s) | Value::Verbatim { text: s, .. } => {
                format!("{} ({} bytes)", self.type_name(), s.len())
            }
            Value::Array(v) | Value::Set(v) | Value::Push(v) => {
                format!("{} of {} elements", self.type_name(), v.len())
            }
            Value::Map(m) => format!("map of {} pairs", m.len()),
            Value::Error(e) | Value::BulkError(e) => format!("error reply `{e}`"),
            Value::Attribute { value, .. } => format!("attributed {}", value.describe()),
            Value::Nil | Value::BigNumber(_) => self.type_name().to_string(),
        }
    }

    /// True for [`Value::Nil`].
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// The bytes of a simple, bulk or verbatim string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Okay => Some(b"OK"),
            Value::SimpleString(s) | Value::BulkString(s) | Value::Verbatim { text: s, .. } => {
                Some(s)
            }
            _ => None,
        }
    }

    /// The text of a string value, when it is valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        self.as_bytes().and_then(|b| std::str::from_utf8(b).ok())
    }

    /// The integer of an [`Value::Int`].
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The value without any attributes around it.
    pub fn into_unattributed(mut self) -> Value {
        while let Value::Attribute { value, .. } = self {
            self = *value;
        }
        self
    }

    /// Writes this value in RESP3 form (RESP2 form where the types coincide). Useful for tests
    /// and fake servers; clients send commands with [`Cmd`](crate::Cmd) instead.
    ///
    /// ```
    /// use redisync::resp::{decode, Value};
    /// let v = Value::Array(vec![Value::Int(1), Value::BulkString(b"a".to_vec())]);
    /// let mut out = Vec::new();
    /// v.encode(&mut out);
    /// assert_eq!(out, b"*2\r\n:1\r\n$1\r\na\r\n");
    /// assert_eq!(decode(&out, &Default::default())?, Some((v, out.len())));
    /// # Ok::<(), redisync::Error>(())
    /// ```
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Value::Nil => out.extend_from_slice(b"_\r\n"),
            Value::Okay => out.extend_from_slice(b"+OK\r\n"),
            Value::SimpleString(s) => write_line(out, types::SIMPLE_STRING, s),
            Value::Error(e) => write_line(out, types::SIMPLE_ERROR, e.to_string().as_bytes()),
            Value::Int(i) => {
                out.push(types::INTEGER);
                write_decimal(out, *i);
                out.extend_from_slice(b"\r\n");
            }
            Value::BulkString(b) => write_bulk_with_type(out, types::BULK_STRING, b),
            Value::Array(items) => encode_list(out, types::ARRAY, items),
            Value::Boolean(b) => out.extend_from_slice(if *b { b"#t\r\n" } else { b"#f\r\n" }),
            Value::Double(d) => {
                let text = if d.is_nan() {
                    "nan".to_string()
                } else if d.is_infinite() {
                    if *d > 0.0 { "inf" } else { "-inf" }.to_string()
                } else {
                    format!("{d:?}")
                };
                write_line(out, types::DOUBLE, text.as_bytes());
            }
            Value::BigNumber(n) => write_line(out, types::BIG_NUMBER, n.as_bytes()),
            Value::BulkError(e) => {
                write_bulk_with_type(out, types::BULK_ERROR, e.to_string().as_bytes())
            }
            Value::Verbatim { format, text } => {
                let mut body = Vec::with_capacity(text.len() + 4);
                body.extend_from_slice(format);
                body.push(b':');
                body.extend_from_slice(text);
                write_bulk_with_type(out, types::VERBATIM_STRING, &body);
            }
            Value::Map(pairs) => encode_pairs(out, types::MAP, pairs),
            Value::Set(items) => encode_list(out, types::SET, items),
            Value::Attribute { attributes, value } => {
                encode_pairs(out, types::ATTRIBUTE, attributes);
                value.encode(out);
            }
            Value::Push(items) => encode_list(out, types::PUSH, items),
        }
    }
}

fn encode_header(out: &mut Vec<u8>, ty: u8, n: usize) {
    out.push(ty);
    write_decimal(out, n as i64);
    out.extend_from_slice(b"\r\n");
}

fn encode_list(out: &mut Vec<u8>, ty: u8, items: &[Value]) {
    encode_header(out, ty, items.len());
    for v in items {
        v.encode(out);
    }
}

fn encode_pairs(out: &mut Vec<u8>, ty: u8, pairs: &[(Value, Value)]) {
    encode_header(out, ty, pairs.len());
    for (k, v) in pairs {
        k.encode(out);
        v.encode(out);
    }
}

/// Bytes shown as text where printable, escaped otherwise.
struct ShowBytes<'a>(&'a [u8]);

impl fmt::Debug for ShowBytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("b\"")?;
        for chunk in self.0.utf8_chunks() {
            for c in chunk.valid().chars() {
                write!(f, "{}", c.escape_debug())?;
            }
            for b in chunk.invalid() {
                write!(f, "\\x{b:02x}")?;
            }
        }
        f.write_str("\"")
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => f.write_str("Nil"),
            Value::Okay => f.write_str("Okay"),
            Value::SimpleString(s) => f.debug_tuple("SimpleString").field(&ShowBytes(s)).finish(),
            Value::Error(e) => f.debug_tuple("Error").field(e).finish(),
            Value::Int(i) => f.debug_tuple("Int").field(i).finish(),
            Value::BulkString(s) => f.debug_tuple("BulkString").field(&ShowBytes(s)).finish(),
            Value::Array(v) => f.debug_tuple("Array").field(v).finish(),
            Value::Boolean(b) => f.debug_tuple("Boolean").field(b).finish(),
            Value::Double(d) => f.debug_tuple("Double").field(d).finish(),
            Value::BigNumber(n) => f.debug_tuple("BigNumber").field(n).finish(),
            Value::BulkError(e) => f.debug_tuple("BulkError").field(e).finish(),
            Value::Verbatim { format, text } => f
                .debug_struct("Verbatim")
                .field("format", &ShowBytes(format))
                .field("text", &ShowBytes(text))
                .finish(),
            Value::Map(m) => f.debug_tuple("Map").field(m).finish(),
            Value::Set(v) => f.debug_tuple("Set").field(v).finish(),
            Value::Attribute { attributes, value } => f
                .debug_struct("Attribute")
                .field("attributes", attributes)
                .field("value", value)
                .finish(),
            Value::Push(v) => f.debug_tuple("Push").field(v).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_stays_four_words() {
        // Replies are vectors of values; a larger Value makes every array reply larger.
        assert!(
            std::mem::size_of::<Value>() <= 32,
            "{}",
            std::mem::size_of::<Value>()
        );
    }
}
