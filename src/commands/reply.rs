//! Turning replies into Rust values.
//!
//! Each conversion accepts both the RESP2 and the RESP3 shape of the same reply: a map arrives as
//! a flat array on RESP2, a double as a bulk string, a boolean as an integer.
//!
//! Lists of pairs come in three shapes; the rule that tells them apart is on [`FromValue`].

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
/// # Lists of pairs
///
/// A reply made of key-value pairs comes in one of three shapes, depending on the command and
/// the protocol:
///
/// | shape | sent by |
/// |---|---|
/// | flat array `[k1, v1, k2, v2]` | RESP2 `HGETALL`, `CONFIG GET`, `ZRANGE .. WITHSCORES`, `HRANDFIELD .. WITHVALUES`; `ZPOPMIN` without a count on both |
/// | map `{k1: v1, k2: v2}` | RESP3 `HGETALL`, `CONFIG GET`, `XREAD` |
/// | array of pairs `[[k1, v1], [k2, v2]]` | RESP3 `ZRANGE .. WITHSCORES`, `HRANDFIELD .. WITHVALUES`, `ZPOPMIN` with a count; RESP2 `XREAD`; `XRANGE` on both |
///
/// `Vec<(K, V)>`, `HashMap<K, V>` and `BTreeMap<K, V>` (and `Option`s of them) accept all three
/// alike. An array is told apart by its first element: when that is an aggregate (array, set,
/// map or push), the array is read as pairs, and every element must be a 2-element aggregate;
/// otherwise it is flat, and must have an even number of elements. Keys in Redis replies are
/// never aggregates, so the rule cannot misread a reply; an array mixing the shapes, or a flat
/// one of odd length, is a conversion error. Values may be anything, lists of pairs included
/// (`XRANGE` into `Vec<(String, Vec<(String, String)>)>`).
///
/// ```
/// use redisync::{FromValue, Value};
/// let s = |s: &str| Value::BulkString(s.as_bytes().to_vec());
/// let resp2 = Value::Array(vec![s("a"), s("1.5"), s("b"), s("inf")]);
/// let resp3 = Value::Array(vec![
///     Value::Array(vec![s("a"), Value::Double(1.5)]),
///     Value::Array(vec![s("b"), Value::Double(f64::INFINITY)]),
/// ]);
/// let a: Vec<(String, f64)> = FromValue::from_value(resp2)?;
/// let b: Vec<(String, f64)> = FromValue::from_value(resp3)?;
/// assert_eq!(a, b);
/// assert_eq!(a, [("a".to_string(), 1.5), ("b".to_string(), f64::INFINITY)]);
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

    /// True for types built from a key and a value, which [`FromValue::from_pair`] builds: only
    /// the 2-tuples. Collections of such a type read a reply as key-value pairs in any of its
    /// three shapes (see [`FromValue`]).
    #[doc(hidden)]
    const IS_PAIR: bool = false;

    /// Builds a pair type from its key and value, taken out of a flat array, a map or a
    /// 2-element array without wrapping them in a new aggregate. Called only when `IS_PAIR`.
    #[doc(hidden)]
    fn from_pair(key: Value, value: Value) -> Result<Self> {
        Self::from_value(Value::Array(vec![key, value]))
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
    #[inline]
    fn from_value(value: Value) -> Result<()> {
        // `OK`, the usual answer, owns nothing: no conversion, nothing to drop.
        if let Value::Okay = value {
            return Ok(());
        }
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
    /// Nil is `None`; anything else converts as `T`. For a pair `(K, V)` an empty aggregate is
    /// `None` too, since no pair can come from it: `ZPOPMIN` without a count replies `[m, s]`,
    /// or `[]` when the key is missing.
    #[inline]
    fn from_value(value: Value) -> Result<Option<T>> {
        match value {
            Value::Nil => Ok(None),
            Value::Attribute { .. } => match value.into_unattributed() {
                Value::Nil => Ok(None),
                v if T::IS_PAIR && is_empty_aggregate(&v) => Ok(None),
                v => T::from_value(v).map(Some),
            },
            v if T::IS_PAIR && is_empty_aggregate(&v) => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

fn is_empty_aggregate(value: &Value) -> bool {
    match value {
        Value::Array(v) | Value::Set(v) | Value::Push(v) => v.is_empty(),
        Value::Map(m) => m.is_empty(),
        _ => false,
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

/// Whether a value is an aggregate (looking through attributes): what tells an array of pairs
/// from a flat array by its first element.
fn is_aggregate(mut value: &Value) -> bool {
    while let Value::Attribute { value: inner, .. } = value {
        value = inner;
    }
    matches!(
        value,
        Value::Array(_) | Value::Set(_) | Value::Map(_) | Value::Push(_)
    )
}

/// The key-value pairs of a reply in any of its three shapes (see [`FromValue`]), taken out
/// one at a time without a new allocation per pair.
enum Pairs {
    /// A RESP3 map (and nil, as no pairs).
    Map(std::vec::IntoIter<(Value, Value)>),
    /// `[k1, v1, k2, v2]`, of even length.
    Flat(std::vec::IntoIter<Value>),
    /// `[[k1, v1], [k2, v2]]`.
    Nested(std::vec::IntoIter<Value>),
}

impl Pairs {
    /// The pairs of `value`, which must be plain already; `expected` names the target type in
    /// errors.
    fn new(expected: &'static str, value: Value) -> Result<Pairs> {
        let kind = value.type_name();
        let items = match value {
            Value::Map(pairs) => return Ok(Pairs::Map(pairs.into_iter())),
            Value::Nil => return Ok(Pairs::Map(Vec::new().into_iter())),
            Value::Array(items) | Value::Set(items) | Value::Push(items) => items,
            v => return mismatch(expected, &v),
        };
        if items.first().is_some_and(is_aggregate) {
            Ok(Pairs::Nested(items.into_iter()))
        } else if items.len() % 2 == 0 {
            Ok(Pairs::Flat(items.into_iter()))
        } else {
            let len = items.len();
            // An error reply among the elements says more than the odd count does.
            match items.into_iter().find_map(nested_error) {
                Some(e) => Err(Error::Server(e)),
                None => Err(Error::conversion(
                    expected,
                    format!("{kind} of {len} elements (odd length)"),
                )),
            }
        }
    }

    /// How many pairs are left.
    fn len(&self) -> usize {
        match self {
            Pairs::Map(it) => it.len(),
            Pairs::Flat(it) => it.len() / 2,
            Pairs::Nested(it) => it.len(),
        }
    }
}

impl Iterator for Pairs {
    type Item = Result<(Value, Value)>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Pairs::Map(it) => it.next().map(Ok),
            Pairs::Flat(it) => {
                let key = it.next()?;
                // The length was checked to be even; a missing value is a conversion error, not
                // a panic, all the same.
                Some(match it.next() {
                    Some(value) => Ok((key, value)),
                    None => Err(Error::conversion(PAIR, "a key without a value".to_string())),
                })
            }
            Pairs::Nested(it) => it.next().map(split_pair),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.len(), Some(self.len()))
    }
}

const PAIR: &str = "key-value pair (a 2-element array)";

/// The key and value of one element of an array of pairs: a 2-element array (set, push), or a
/// one-pair map as the 2-tuple takes it.
fn split_pair(value: Value) -> Result<(Value, Value)> {
    let value = plain(value)?;
    let kind = value.type_name();
    match value {
        Value::Array(items) | Value::Set(items) | Value::Push(items) => {
            match <[Value; 2]>::try_from(items) {
                Ok([key, value]) => Ok((key, value)),
                Err(items) => Err(Error::conversion(
                    PAIR,
                    format!("{kind} of {} elements", items.len()),
                )),
            }
        }
        Value::Map(pairs) => match <[(Value, Value); 1]>::try_from(pairs) {
            Ok([pair]) => Ok(pair),
            Err(pairs) => Err(Error::conversion(
                PAIR,
                format!("map of {} pairs", pairs.len()),
            )),
        },
        v => mismatch(PAIR, &v),
    }
}

/// The server error an element carries, if it is an error reply.
fn nested_error(value: Value) -> Option<Box<crate::error::ServerError>> {
    match value.into_unattributed() {
        Value::Error(e) | Value::BulkError(e) => Some(e),
        _ => None,
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    /// An aggregate's elements; for `Vec<u8>`, a string's bytes (without copying).
    ///
    /// For pairs, `Vec<(K, V)>`, a list of pairs in any of its three shapes, in the order the
    /// server sent them: a flat array `[k1, v1, k2, v2]` (even length), a map, or an array of
    /// 2-element arrays `[[k1, v1], [k2, v2]]`, told apart by whether the first element is an
    /// aggregate (see [`FromValue`]). Every other element type takes the elements one by one,
    /// a map's keys and values flattened.
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
        v if T::IS_PAIR => {
            let pairs = Pairs::new("Vec of pairs", v)?;
            let mut out = Vec::with_capacity(pairs.len());
            for pair in pairs {
                let (key, value) = pair?;
                out.push(T::from_pair(key, value)?);
            }
            Ok(out)
        }
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
    /// A list of pairs in any of its three shapes: a RESP3 map, a flat array of keys and values,
    /// or an array of 2-element arrays (see [`FromValue`]). A repeated key keeps its last
    /// value.
    fn from_value(value: Value) -> Result<HashMap<K, V, S>> {
        let pairs = Pairs::new("HashMap", plain(value)?)?;
        let mut map = HashMap::with_capacity_and_hasher(pairs.len(), S::default());
        for pair in pairs {
            let (key, value) = pair?;
            map.insert(K::from_value(key)?, V::from_value(value)?);
        }
        Ok(map)
    }
}

impl<K: FromValue + Ord, V: FromValue> FromValue for BTreeMap<K, V> {
    /// A list of pairs in any of its three shapes: a RESP3 map, a flat array of keys and values,
    /// or an array of 2-element arrays (see [`FromValue`]). A repeated key keeps its last
    /// value.
    fn from_value(value: Value) -> Result<BTreeMap<K, V>> {
        let mut map = BTreeMap::new();
        for pair in Pairs::new("BTreeMap", plain(value)?)? {
            let (key, value) = pair?;
            map.insert(K::from_value(key)?, V::from_value(value)?);
        }
        Ok(map)
    }
}

/// The elements of a tuple's aggregate, checked to be exactly `n`.
fn tuple_items(
    n: usize,
    expected: &'static str,
    value: Value,
) -> Result<std::vec::IntoIter<Value>> {
    let items = elements(expected, plain(value)?)?;
    if items.len() != n {
        return Err(Error::conversion(
            expected,
            format!("{} elements", items.len()),
        ));
    }
    Ok(items.into_iter())
}

impl<A: FromValue, B: FromValue> FromValue for (A, B) {
    /// An aggregate of exactly two elements (a one-pair map counts as two). In a `Vec`, a pair:
    /// `Vec<(K, V)>` takes lists of pairs in all their shapes.
    fn from_value(value: Value) -> Result<(A, B)> {
        let mut it = tuple_items(2, "tuple of 2", value)?;
        Self::from_pair(
            it.next().unwrap_or(Value::Nil),
            it.next().unwrap_or(Value::Nil),
        )
    }

    #[doc(hidden)]
    const IS_PAIR: bool = true;

    #[doc(hidden)]
    #[inline]
    fn from_pair(key: Value, value: Value) -> Result<(A, B)> {
        Ok((A::from_value(key)?, B::from_value(value)?))
    }
}

macro_rules! tuple_from_value {
    ($n:literal; $($name:ident)+) => {
        impl<$($name: FromValue),+> FromValue for ($($name,)+) {
            /// An aggregate of exactly this many elements (a one-pair map counts as two).
            fn from_value(value: Value) -> Result<Self> {
                let mut it = tuple_items($n, concat!("tuple of ", $n), value)?;
                Ok(($(
                    $name::from_value(it.next().unwrap_or(Value::Nil))?,
                )+))
            }
        }
    };
}
tuple_from_value!(1; A);
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
mod tests;
