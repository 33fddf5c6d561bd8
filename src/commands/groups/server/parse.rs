//! Helpers for taking the server's structured replies apart, shared by the server, connection
//! and cluster groups: text replies (`INFO`, `CLIENT LIST`, `CLUSTER NODES`) and replies made of
//! named fields (`HELLO`, `CLUSTER SHARDS`), in their RESP2 and RESP3 shapes alike.

use crate::commands::reply::FromValue;
use crate::error::{ConversionError, Error, Result};
use crate::resp::Value;

/// A reply's text: a bulk, simple or verbatim string (RESP3 sends `INFO`, `CLIENT INFO` and
/// `CLUSTER NODES` as verbatim strings), with bytes that are not UTF-8 replaced rather than
/// refused, since this is the server's own text (a Unix socket path may hold any byte).
/// Integers and doubles give their text too; error replies stay errors.
pub(in crate::commands::groups) fn text(value: Value) -> Result<String> {
    match value.into_unattributed() {
        Value::BulkString(b) | Value::SimpleString(b) | Value::Verbatim { text: b, .. } => {
            Ok(String::from_utf8(b)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
        }
        v => String::from_value(v),
    }
}

/// The named fields of a reply: a RESP3 map, or the flat array RESP2 sends for it, in the
/// order the server sent them.
pub(in crate::commands::groups) fn fields(value: Value) -> Result<Vec<(String, Value)>> {
    Vec::<(String, Value)>::from_value(value)
}

/// The elements of an aggregate reply.
pub(in crate::commands::groups) fn items(value: Value) -> Result<Vec<Value>> {
    Vec::<Value>::from_value(value.into_unattributed()).and_then(|items| {
        // An error reply nested in the aggregate is the server's error, not an element.
        match items
            .iter()
            .position(|v| matches!(v, Value::Error(_) | Value::BulkError(_)))
        {
            Some(i) => match items.into_iter().nth(i) {
                Some(Value::Error(e) | Value::BulkError(e)) => Err(Error::Server(e)),
                _ => Err(Error::conversion("reply", "an error reply".to_string())),
            },
            None => Ok(items),
        }
    })
}

/// Takes the next element of a positional reply, or says which one is missing.
pub(in crate::commands::groups) fn next(
    it: &mut impl Iterator<Item = Value>,
    what: &'static str,
    element: &str,
) -> Result<Value> {
    it.next().ok_or_else(|| {
        ConversionError::custom(what, format!("a reply without its {element}")).into()
    })
}

/// The error for a structured reply without a field its type needs.
pub(in crate::commands::groups) fn missing(what: &'static str, field: &str) -> Error {
    ConversionError::custom(what, format!("a reply without its {field} field")).into()
}

/// Shapes a text reply of one record per line (`CLIENT LIST`, `CLUSTER NODES`) into an array
/// of its non-empty lines, so that `Vec<T>` reads one record per element; an array (`CLUSTER
/// REPLICAS` sends one string per node) is left as it is.
pub(in crate::commands::groups) fn lines(value: Value) -> Result<Value> {
    match value.into_unattributed() {
        v @ (Value::BulkString(_) | Value::SimpleString(_) | Value::Verbatim { .. }) => {
            let text = text(v)?;
            Ok(Value::Array(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(|l| Value::BulkString(l.as_bytes().to_vec()))
                    .collect(),
            ))
        }
        other => Ok(other),
    }
}

/// A number in a text reply (`age=12`), or the conversion error naming the field.
pub(in crate::commands::groups) fn number<T: std::str::FromStr>(
    what: &'static str,
    field: &str,
    value: &str,
) -> Result<T> {
    value.parse().map_err(|_| {
        ConversionError::custom(what, format!("a {field} field that is not a number")).into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn text_takes_every_string_form_and_replaces_bad_utf8() {
        assert_eq!(text(bulk("a")).unwrap(), "a");
        let verbatim = Value::Verbatim {
            format: *b"txt",
            text: b"v".to_vec(),
        };
        assert_eq!(text(verbatim).unwrap(), "v");
        assert_eq!(
            text(Value::BulkString(vec![b'a', 0xff])).unwrap(),
            "a\u{fffd}"
        );
        assert_eq!(text(Value::Int(3)).unwrap(), "3");
        assert_eq!(
            text(Value::Array(vec![])).unwrap_err().kind(),
            ErrorKind::Conversion
        );
    }

    #[test]
    fn lines_split_text_and_leave_arrays() {
        let v = lines(bulk("a b\nc d\n\n")).unwrap();
        assert_eq!(v, Value::Array(vec![bulk("a b"), bulk("c d")]));
        let arr = Value::Array(vec![bulk("x\n")]);
        assert_eq!(lines(arr.clone()).unwrap(), arr);
        assert_eq!(lines(bulk("")).unwrap(), Value::Array(vec![]));
    }

    #[test]
    fn fields_read_maps_and_flat_arrays() {
        let flat = Value::Array(vec![bulk("a"), Value::Int(1)]);
        let map = Value::Map(vec![(bulk("a"), Value::Int(1))]);
        assert_eq!(fields(flat).unwrap(), fields(map).unwrap());
    }

    #[test]
    fn items_raise_nested_errors() {
        let e = items(Value::Array(vec![
            Value::Int(1),
            Value::Error(Box::new(crate::ServerError::parse(b"ERR nope"))),
        ]))
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Response);
        let mut it = items(Value::Array(vec![Value::Int(1)]))
            .unwrap()
            .into_iter();
        assert_eq!(next(&mut it, "X", "id").unwrap(), Value::Int(1));
        let e = next(&mut it, "X", "port").unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot convert a reply without its port to X"
        );
    }
}
