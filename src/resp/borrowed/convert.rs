//! [`ValueRef::to_owned`] and the `Debug` output of borrowed values.

use std::fmt;

use super::{Attributed, Items, Pairs, ValueRef};
use crate::error::ServerError;
use crate::resp::{Value, types};

impl<'a> ValueRef<'a> {
    /// The owned [`Value`]: exactly what [`decode`](crate::resp::decode) gives for the same bytes.
    /// This allocates (it is the tree [`decode_ref`](crate::resp::decode_ref) avoids); it uses
    /// no recursion, however deep the value.
    pub fn to_owned(&self) -> Value {
        let mut open: Vec<Building<'a>> = Vec::new();
        let mut next = self.clone();
        loop {
            let mut done = match next {
                ValueRef::Array(items) => open_list(&mut open, types::ARRAY, items),
                ValueRef::Set(items) => open_list(&mut open, types::SET, items),
                ValueRef::Push(items) => open_list(&mut open, types::PUSH, items),
                ValueRef::Map(pairs) => open_list(&mut open, types::MAP, pairs.elements),
                ValueRef::Attribute(a) => open_list(&mut open, types::ATTRIBUTE, a.elements),
                scalar => Some(scalar_to_owned(&scalar)),
            };
            // Hand finished values to their aggregates until one needs another element.
            loop {
                let Some(building) = open.last_mut() else {
                    return done.unwrap_or(Value::Nil);
                };
                if let Some(value) = done.take() {
                    building.add(value);
                }
                if let Some(child) = building.rest.next() {
                    next = child;
                    break;
                }
                match open.pop() {
                    Some(finished) => done = Some(finished.finish()),
                    None => return Value::Nil,
                }
            }
        }
    }
}

/// Starts building an aggregate; returns it at once if it has no elements.
fn open_list<'a>(open: &mut Vec<Building<'a>>, ty: u8, rest: Items<'a>) -> Option<Value> {
    let building = Building {
        ty,
        values: Vec::with_capacity(match ty {
            types::MAP => 0,
            types::ATTRIBUTE => 1,
            _ => rest.len(),
        }),
        pairs: Vec::with_capacity(match ty {
            types::MAP | types::ATTRIBUTE => rest.len() / 2,
            _ => 0,
        }),
        key: None,
        rest,
    };
    if building.rest.len() == 0 && ty != types::ATTRIBUTE {
        return Some(building.finish());
    }
    open.push(building);
    None
}

fn scalar_to_owned(v: &ValueRef<'_>) -> Value {
    match *v {
        ValueRef::SimpleString(b"OK") => Value::Okay,
        ValueRef::SimpleString(s) => Value::SimpleString(s.to_vec()),
        ValueRef::Error(s) => Value::Error(Box::new(ServerError::parse(s))),
        ValueRef::Int(i) => Value::Int(i),
        ValueRef::BulkString(s) => Value::BulkString(s.to_vec()),
        ValueRef::Boolean(b) => Value::Boolean(b),
        ValueRef::Double(d) => Value::Double(d),
        ValueRef::BigNumber(n) => Value::BigNumber(n.to_string()),
        ValueRef::BulkError(s) => Value::BulkError(Box::new(ServerError::parse(s))),
        ValueRef::Verbatim { format, text } => Value::Verbatim {
            format,
            text: text.to_vec(),
        },
        // Aggregates are built by `to_owned`.
        _ => Value::Nil,
    }
}

/// An aggregate being built by [`ValueRef::to_owned`].
struct Building<'a> {
    ty: u8,
    /// The elements of a list; the described value of an attribute.
    values: Vec<Value>,
    /// The pairs of a map or attribute.
    pairs: Vec<(Value, Value)>,
    key: Option<Value>,
    rest: Items<'a>,
}

impl Building<'_> {
    fn add(&mut self, value: Value) {
        match self.ty {
            types::ATTRIBUTE if self.rest.len() == 0 => self.values.push(value),
            types::MAP | types::ATTRIBUTE => match self.key.take() {
                None => self.key = Some(value),
                Some(key) => self.pairs.push((key, value)),
            },
            _ => self.values.push(value),
        }
    }

    fn finish(mut self) -> Value {
        match self.ty {
            types::SET => Value::Set(self.values),
            types::PUSH => Value::Push(self.values),
            types::MAP => Value::Map(self.pairs),
            types::ATTRIBUTE => Value::Attribute {
                attributes: self.pairs.into_boxed_slice(),
                value: Box::new(self.values.pop().unwrap_or(Value::Nil)),
            },
            _ => Value::Array(self.values),
        }
    }
}

/// Bytes shown as text where printable, escaped otherwise.
struct Text<'a>(&'a [u8]);

impl fmt::Debug for Text<'_> {
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

impl fmt::Debug for ValueRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueRef::Nil => f.write_str("Nil"),
            ValueRef::SimpleString(s) => f.debug_tuple("SimpleString").field(&Text(s)).finish(),
            ValueRef::Error(s) => f.debug_tuple("Error").field(&Text(s)).finish(),
            ValueRef::Int(i) => f.debug_tuple("Int").field(i).finish(),
            ValueRef::BulkString(s) => f.debug_tuple("BulkString").field(&Text(s)).finish(),
            ValueRef::Array(v) => f.debug_tuple("Array").field(v).finish(),
            ValueRef::Boolean(b) => f.debug_tuple("Boolean").field(b).finish(),
            ValueRef::Double(d) => f.debug_tuple("Double").field(d).finish(),
            ValueRef::BigNumber(n) => f.debug_tuple("BigNumber").field(n).finish(),
            ValueRef::BulkError(s) => f.debug_tuple("BulkError").field(&Text(s)).finish(),
            ValueRef::Verbatim { format, text } => f
                .debug_struct("Verbatim")
                .field("format", &Text(format))
                .field("text", &Text(text))
                .finish(),
            ValueRef::Map(m) => f.debug_tuple("Map").field(m).finish(),
            ValueRef::Set(v) => f.debug_tuple("Set").field(v).finish(),
            ValueRef::Attribute(a) => f.debug_tuple("Attribute").field(a).finish(),
            ValueRef::Push(v) => f.debug_tuple("Push").field(v).finish(),
        }
    }
}

impl fmt::Debug for Items<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

impl fmt::Debug for Pairs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

impl fmt::Debug for Attributed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attributed")
            .field("attributes", &self.attributes())
            .field("value", &self.value())
            .finish()
    }
}
