//! Turning replies into Rust values.
//!
//! Each conversion accepts both the RESP2 and the RESP3 shape of the same reply: a map arrives as
//! a flat array on RESP2, a double as a bulk string, a boolean as an integer.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasher, Hash};

use crate::error::{ConversionError, Error, Result};
use crate::resp::Value;

/// A type a reply can be converted into.
///
/// Errors nested in a reply (inside an array, say) become [`Error::Server`]; a reply of the wrong
/// shape becomes [`Error::Conversion`], naming the type asked for and what arrived.
///
/// ```
/// use redisync::{FromValue, Value};
/// let v = Value::Array(vec![Value::BulkString(b"a".to_vec()), Value::Int(1)]);
/// let map: std::collections::HashMap<String, i64> = FromValue::from_value(v)?;
/// assert_eq!(map["a"], 1);
/// let err = i64::from_value(Value::BulkString(b"x".to_vec())).unwrap_err();
/// assert_eq!(err.kind(), redisync::ErrorKind::Conversion);
/// # Ok::<(), redisync::Error>(())
/// ```
///
/// # Implementing it
///
/// A conversion of your own returns a [`ConversionError`] for a reply it cannot use, and passes
/// error replies nested in a larger reply on as [`Error::Server`], as the built-in ones do.
/// Collections of your type (`Vec<Point>`, `Option<Point>`, `HashMap<String, Point>`) then
/// convert too.
///
/// ```
/// use redisync::{ConversionError, Error, ErrorKind, FromValue, Value};
///
/// /// A point stored as the string `x,y`.
/// #[derive(Debug, PartialEq)]
/// struct Point {
///     x: i64,
///     y: i64,
/// }
///
/// impl FromValue for Point {
///     fn from_value(value: Value) -> redisync::Result<Point> {
///         let value = value.into_unattributed();
///         let point = value.as_str().and_then(|s| {
///             let (x, y) = s.split_once(',')?;
///             Some(Point { x: x.parse().ok()?, y: y.parse().ok()? })
///         });
///         match (point, value) {
///             (Some(point), _) => Ok(point),
///             (None, Value::Error(e) | Value::BulkError(e)) => Err(Error::Server(e)),
///             (None, other) => Err(ConversionError::new("Point (\"x,y\")", &other).into()),
///         }
///     }
/// }
///
/// let p = Point::from_value(Value::BulkString(b"3,-4".to_vec()))?;
/// assert_eq!(p, Point { x: 3, y: -4 });
///
/// let e = Point::from_value(Value::Int(7)).unwrap_err();
/// assert_eq!(e.kind(), ErrorKind::Conversion);
/// assert_eq!(e.to_string(), r#"cannot convert integer 7 to Point ("x,y")"#);
///
/// let points: Vec<Option<Point>> = FromValue::from_value(Value::Array(vec![
///     Value::BulkString(b"1,2".to_vec()),
///     Value::Nil,
/// ]))?;
/// assert_eq!(points, [Some(Point { x: 1, y: 2 }), None]);
/// # Ok::<(), redisync::Error>(())
/// ```
pub trait FromValue: Sized {
    /// Converts a reply.
    fn from_value(value: Value) -> Result<Self>;

    /// Lets `Vec<u8>` take a bulk string's bytes without copying; only `u8` overrides it.
    #[doc(hidden)]
    fn from_byte_vec(_bytes: Vec<u8>) -> Option<Vec<Self>> {
        None
    }
}

impl ConversionError {
    /// A conversion error naming what was asked for (a type, or a shape such as
    /// `"Point (\"x,y\")"`) and describing what arrived by its RESP type and size (`"integer
    /// 7"`, `"array of 3 elements"`, `"bulk string (5 bytes)"`), never its payload, as the
    /// crate's own conversions do. The [`FromValue`] docs show it in a whole implementation.
    ///
    /// ```
    /// use redisync::{ConversionError, Value};
    /// let e = ConversionError::new("Point", &Value::Array(vec![Value::Nil]));
    /// assert_eq!((e.expected(), e.got()), ("Point", "array of 1 elements"));
    /// let e: redisync::Error = e.into();
    /// assert_eq!(e.to_string(), "cannot convert array of 1 elements to Point");
    /// ```
    pub fn new(expected: impl Into<Cow<'static, str>>, got: &Value) -> ConversionError {
        // Here rather than in `error`, which sits below `resp` and must not know `Value`.
        ConversionError::custom(expected, got.describe())
    }
}

/// Strips attributes and raises nested errors, so conversions see the value itself.
#[inline]
fn plain(mut value: Value) -> Result<Value> {
    // A loop, not recursion, so that this inlines into every conversion.
    loop {
        match value {
            Value::Attribute { value: inner, .. } => value = *inner,
            Value::Error(e) | Value::BulkError(e) => return Err(Error::Server(e)),
            v => return Ok(v),
        }
    }
}

fn mismatch<T>(expected: &'static str, got: &Value) -> Result<T> {
    Err(Error::conversion(expected, got.describe()))
}

impl FromValue for Value {
    /// Any reply as it arrived (nested errors included, kept as values).
    fn from_value(value: Value) -> Result<Value> {
        Ok(value)
    }
}

impl FromValue for () {
    /// Accepts any reply that is not an error.
    fn from_value(value: Value) -> Result<()> {
        plain(value).map(drop)
    }
}

impl FromValue for bool {
    /// `1`/`0` integers, RESP3 booleans, `OK` (true), nil (false), and the strings `1`/`0`.
    fn from_value(value: Value) -> Result<bool> {
        match plain(value)? {
            Value::Boolean(b) => Ok(b),
            Value::Int(0) | Value::Nil => Ok(false),
            Value::Int(1) | Value::Okay => Ok(true),
            Value::BulkString(s) | Value::SimpleString(s) if s == b"1" => Ok(true),
            Value::BulkString(s) | Value::SimpleString(s) if s == b"0" => Ok(false),
            v => mismatch("bool", &v),
        }
    }
}

macro_rules! int_from_value {
    ($($t:ident),*) => {$(
        impl FromValue for $t {
            /// Integers (range-checked), decimal strings, and RESP3 booleans as 1/0.
            fn from_value(value: Value) -> Result<$t> {
                let v = plain(value)?;
                let n: Option<$t> = match &v {
                    Value::Int(i) => (*i).try_into().ok(),
                    Value::Boolean(b) => Some(*b as $t),
                    Value::BulkString(s) | Value::SimpleString(s) => {
                        std::str::from_utf8(s).ok().and_then(|s| s.parse().ok())
                    }
                    _ => None,
                };
                match n {
                    Some(n) => Ok(n),
                    None => mismatch(stringify!($t), &v),
                }
            }
        }
    )*};
}
int_from_value!(i8, i16, i32, i64, i128, isize, u16, u32, u64, u128, usize);

impl FromValue for u8 {
    fn from_value(value: Value) -> Result<u8> {
        let v = plain(value)?;
        match &v {
            Value::Int(i) => u8::try_from(*i).or_else(|_| mismatch("u8", &v)),
            _ => mismatch("u8", &v),
        }
    }
    fn from_byte_vec(bytes: Vec<u8>) -> Option<Vec<u8>> {
        Some(bytes)
    }
}

macro_rules! float_from_value {
    ($($t:ident),*) => {$(
        impl FromValue for $t {
            /// RESP3 doubles, integers, and decimal strings (`inf`, `-inf`, `nan` included), the
            /// RESP2 form of a score.
            fn from_value(value: Value) -> Result<$t> {
                let v = plain(value)?;
                let n = match &v {
                    Value::Double(d) => Some(*d as $t),
                    Value::Int(i) => Some(*i as $t),
                    Value::BulkString(s) | Value::SimpleString(s) => {
                        std::str::from_utf8(s).ok().and_then(|s| s.parse().ok())
                    }
                    _ => None,
                };
                match n {
                    Some(n) => Ok(n),
                    None => mismatch(stringify!($t), &v),
                }
            }
        }
    )*};
}
float_from_value!(f32, f64);

impl FromValue for String {
    /// Any string type holding UTF-8; integers, doubles and big numbers as their text.
    #[inline]
    fn from_value(value: Value) -> Result<String> {
        match value {
            Value::BulkString(b) => utf8(b),
            v => string_from_other(v),
        }
    }
}

#[inline]
fn utf8(bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|e| {
        Error::conversion(
            "String",
            format!("{} bytes that are not UTF-8", e.as_bytes().len()),
        )
    })
}

#[inline(never)]
fn string_from_other(value: Value) -> Result<String> {
    match plain(value)? {
        Value::Okay => Ok("OK".to_string()),
        Value::BulkString(s) | Value::SimpleString(s) | Value::Verbatim { text: s, .. } => utf8(s),
        Value::Int(i) => Ok(i.to_string()),
        Value::Double(d) => Ok(d.to_string()),
        Value::BigNumber(n) => Ok(n),
        v => mismatch("String", &v),
    }
}

impl<T: FromValue> FromValue for Option<T> {
    /// Nil is `None`; anything else converts as `T`.
    #[inline]
    fn from_value(value: Value) -> Result<Option<T>> {
        match value {
            Value::Nil => Ok(None),
            Value::Attribute { .. } => match value.into_unattributed() {
                Value::Nil => Ok(None),
                v => T::from_value(v).map(Some),
            },
            v => T::from_value(v).map(Some),
        }
    }
}

/// The elements of an aggregate: arrays, sets and pushes as they are, maps flattened to
/// key, value, key, value (the RESP2 shape), nil as none.
fn elements(expected: &'static str, value: Value) -> Result<Vec<Value>> {
    match value {
        Value::Array(v) | Value::Set(v) | Value::Push(v) => Ok(v),
        Value::Map(pairs) => Ok(pairs.into_iter().flat_map(|(k, v)| [k, v]).collect()),
        Value::Nil => Ok(Vec::new()),
        v => mismatch(expected, &v),
    }
}

/// Key-value pairs from a RESP3 map or a flat RESP2 array of even length.
fn pairs(expected: &'static str, value: Value) -> Result<Vec<(Value, Value)>> {
    match value {
        Value::Map(pairs) => Ok(pairs),
        Value::Array(items) if items.len() % 2 == 0 => {
            let mut out = Vec::with_capacity(items.len() / 2);
            let mut it = items.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                out.push((k, v));
            }
            Ok(out)
        }
        Value::Nil => Ok(Vec::new()),
        v => mismatch(expected, &v),
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    /// An aggregate's elements; for `Vec<u8>`, a string's bytes (without copying).
    #[inline]
    fn from_value(value: Value) -> Result<Vec<T>> {
        // The bulk string is the common case (GET into Vec<u8>); keep it small enough to inline.
        match value {
            Value::BulkString(b) => bytes_into(b),
            v => vec_from_other(v),
        }
    }
}

#[inline]
fn bytes_into<T: FromValue>(bytes: Vec<u8>) -> Result<Vec<T>> {
    let len = bytes.len();
    T::from_byte_vec(bytes).ok_or_else(|| Error::conversion("Vec", format!("string ({len} bytes)")))
}

#[inline(never)]
fn vec_from_other<T: FromValue>(value: Value) -> Result<Vec<T>> {
    match plain(value)? {
        Value::BulkString(b) | Value::SimpleString(b) | Value::Verbatim { text: b, .. } => {
            bytes_into(b)
        }
        Value::Okay => bytes_into(b"OK".to_vec()),
        v => elements("Vec", v)?.into_iter().map(T::from_value).collect(),
    }
}

impl<T: FromValue + Eq + Hash, S: BuildHasher + Default> FromValue for HashSet<T, S> {
    /// A set or array's elements.
    fn from_value(value: Value) -> Result<HashSet<T, S>> {
        elements("HashSet", plain(value)?)?
            .into_iter()
            .map(T::from_value)
            .collect()
    }
}

impl<T: FromValue + Ord> FromValue for BTreeSet<T> {
    /// A set or array's elements.
    fn from_value(value: Value) -> Result<BTreeSet<T>> {
        elements("BTreeSet", plain(value)?)?
            .into_iter()
            .map(T::from_value)
            .collect()
    }
}

impl<K: FromValue + Eq + Hash, V: FromValue, S: BuildHasher + Default> FromValue
    for HashMap<K, V, S>
{
    /// A RESP3 map, or a RESP2 flat array of keys and values.
    fn from_value(value: Value) -> Result<HashMap<K, V, S>> {
        pairs("HashMap", plain(value)?)?
            .into_iter()
            .map(|(k, v)| Ok((K::from_value(k)?, V::from_value(v)?)))
            .collect()
    }
}

impl<K: FromValue + Ord, V: FromValue> FromValue for BTreeMap<K, V> {
    /// A RESP3 map, or a RESP2 flat array of keys and values.
    fn from_value(value: Value) -> Result<BTreeMap<K, V>> {
        pairs("BTreeMap", plain(value)?)?
            .into_iter()
            .map(|(k, v)| Ok((K::from_value(k)?, V::from_value(v)?)))
            .collect()
    }
}

macro_rules! tuple_from_value {
    ($n:literal; $($name:ident)+) => {
        impl<$($name: FromValue),+> FromValue for ($($name,)+) {
            /// An aggregate of exactly this many elements (a one-pair map counts as two).
            fn from_value(value: Value) -> Result<Self> {
                let items = elements(concat!("tuple of ", $n), plain(value)?)?;
                if items.len() != $n {
                    return Err(Error::conversion(
                        concat!("tuple of ", $n),
                        format!("{} elements", items.len()),
                    ));
                }
                let mut it = items.into_iter();
                Ok(($(
                    $name::from_value(it.next().unwrap_or(Value::Nil))?,
                )+))
            }
        }
    };
}
tuple_from_value!(1; A);
tuple_from_value!(2; A B);
tuple_from_value!(3; A B C);
tuple_from_value!(4; A B C D);
tuple_from_value!(5; A B C D E);
tuple_from_value!(6; A B C D E F);
tuple_from_value!(7; A B C D E F G);
tuple_from_value!(8; A B C D E F G H);
tuple_from_value!(9; A B C D E F G H I);
tuple_from_value!(10; A B C D E F G H I J);
tuple_from_value!(11; A B C D E F G H I J K);
tuple_from_value!(12; A B C D E F G H I J K L);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorKind, ServerError};

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn resp2_and_resp3_shapes_convert_alike() {
        let resp2 = Value::Array(vec![bulk("f"), bulk("1.5")]);
        let resp3 = Value::Map(vec![(bulk("f"), Value::Double(1.5))]);
        let a: HashMap<String, f64> = FromValue::from_value(resp2).unwrap();
        let b: HashMap<String, f64> = FromValue::from_value(resp3).unwrap();
        assert_eq!(a, b);
        assert!(bool::from_value(Value::Int(1)).unwrap());
        assert!(bool::from_value(Value::Boolean(true)).unwrap());
        assert_eq!(i64::from_value(Value::Boolean(true)).unwrap(), 1);
        let set: BTreeSet<String> =
            FromValue::from_value(Value::Set(vec![bulk("b"), bulk("a")])).unwrap();
        assert_eq!(set.into_iter().collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn bytes_take_the_bulk_without_reinterpreting() {
        let v: Vec<u8> = FromValue::from_value(Value::BulkString(vec![0, 255])).unwrap();
        assert_eq!(v, [0, 255]);
        let nested: Vec<Vec<u8>> =
            FromValue::from_value(Value::Array(vec![bulk("x"), bulk("yz")])).unwrap();
        assert_eq!(nested, [b"x".to_vec(), b"yz".to_vec()]);
    }

    #[test]
    fn mismatches_name_both_types() {
        let e = i64::from_value(bulk("abc")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion);
        assert_eq!(e.to_string(), "cannot convert bulk string (3 bytes) to i64");
        let e = u8::from_value(Value::Int(300)).unwrap_err();
        assert!(e.to_string().contains("u8"), "{e}");
        let e = String::from_value(Value::BulkString(vec![0xff])).unwrap_err();
        assert!(e.to_string().contains("not UTF-8"), "{e}");
        let e = <(i64, i64)>::from_value(Value::Array(vec![Value::Int(1)])).unwrap_err();
        assert!(e.to_string().contains("tuple of 2"), "{e}");
        let e = HashMap::<String, String>::from_value(Value::Array(vec![bulk("odd")]));
        assert_eq!(e.unwrap_err().kind(), ErrorKind::Conversion);
    }

    #[test]
    fn nested_errors_surface_as_server_errors() {
        let v = Value::Array(vec![
            Value::Int(1),
            Value::Error(Box::new(ServerError::parse(b"WRONGTYPE nope"))),
        ]);
        let e = Vec::<i64>::from_value(v).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::WrongType);
    }

    #[test]
    fn option_and_attributes() {
        assert_eq!(Option::<String>::from_value(Value::Nil).unwrap(), None);
        let attributed = Value::Attribute {
            attributes: Box::new([(bulk("ttl"), Value::Int(3))]),
            value: Box::new(bulk("v")),
        };
        assert_eq!(String::from_value(attributed.clone()).unwrap(), "v");
        assert_eq!(
            Option::<String>::from_value(attributed).unwrap().as_deref(),
            Some("v")
        );
    }

    #[test]
    fn conversion_errors_can_be_made_outside_the_crate() {
        let e = ConversionError::new("Point", &Value::Int(7));
        assert_eq!((e.expected(), e.got()), ("Point", "integer 7"));
        let owned = ConversionError::new(format!("Point in {}", "db 0"), &Value::Array(vec![]));
        assert_eq!(owned.expected(), "Point in db 0");
        assert_eq!(owned.got(), "array of 0 elements");
        let custom = ConversionError::custom("User", "hash without an age field");
        assert_eq!(custom.got(), "hash without an age field");
        let e: Error = e.into();
        assert_eq!(e.kind(), ErrorKind::Conversion);
        assert_eq!(e.to_string(), "cannot convert integer 7 to Point");
        match &e {
            Error::Conversion(c) => assert_eq!(c.expected(), "Point"),
            other => panic!("{other:?}"),
        }
        let source: &dyn std::error::Error = &custom;
        assert_eq!(
            source.to_string(),
            "cannot convert hash without an age field to User"
        );
        // The crate's own constructor still builds the same error.
        let internal = Error::conversion("i64", "bulk string (3 bytes)".to_string());
        assert_eq!(
            internal.to_string(),
            "cannot convert bulk string (3 bytes) to i64"
        );
    }
}
