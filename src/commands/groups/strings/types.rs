//! The structured replies of the `string` commands: `LCS ... IDX`.

use std::ops::Range;

use crate::commands::reply::FromValue;
use crate::error::{ConversionError, Result};
use crate::resp::Value;

/// The reply of [`lcs_idx`](crate::StringCommands::lcs_idx): where the longest common
/// subsequence of two strings lies in each of them, and how long it is.
///
/// ```
/// use redisync::{FromValue, LcsMatches, Value};
/// // LCS of "ohmytext" and "mynewtext" (RESP2's flat form; RESP3 sends a map).
/// let n = Value::Int;
/// let reply = Value::Array(vec![
///     Value::BulkString(b"matches".to_vec()),
///     Value::Array(vec![Value::Array(vec![
///         Value::Array(vec![n(4), n(7)]),
///         Value::Array(vec![n(5), n(8)]),
///         n(4),
///     ])]),
///     Value::BulkString(b"len".to_vec()),
///     n(4),
/// ]);
/// let lcs = LcsMatches::from_value(reply)?;
/// assert_eq!(lcs.len, 4);
/// assert_eq!(&"ohmytext"[lcs.matches[0].first.clone()], "text");
/// assert_eq!(&"mynewtext"[lcs.matches[0].second.clone()], "text");
/// # Ok::<(), redisync::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LcsMatches {
    /// The matching runs, in the server's order: the last run in the strings first.
    pub matches: Vec<LcsMatch>,
    /// The length of the whole common subsequence (also counting runs shorter than the
    /// minimum match length, which `matches` leaves out).
    pub len: u64,
}

/// One run of [`LcsMatches`]: a stretch of bytes the two strings have in common.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LcsMatch {
    /// Where the run lies in the first key's value, as a half-open byte range that slices the
    /// value directly (Redis's inclusive end, plus one).
    pub first: Range<usize>,
    /// Where the run lies in the second key's value.
    pub second: Range<usize>,
    /// The run's length in bytes.
    pub len: u64,
}

/// `{matches: [[[s1, e1], [s2, e2], len?], ...], len: n}`, a map on RESP3 and a flat array on
/// RESP2.
impl FromValue for LcsMatches {
    fn from_value(value: Value) -> Result<LcsMatches> {
        let fields: Vec<(String, Value)> = FromValue::from_value(value)?;
        let (mut matches, mut len) = (None, None);
        for (name, v) in fields {
            match name.as_str() {
                "matches" => matches = Some(Vec::<LcsMatch>::from_value(v)?),
                "len" => len = Some(u64::from_value(v)?),
                _ => {}
            }
        }
        match (matches, len) {
            (Some(matches), Some(len)) => Ok(LcsMatches { matches, len }),
            _ => Err(ConversionError::custom(
                "LcsMatches",
                "a reply without \"matches\" and \"len\"",
            )
            .into()),
        }
    }
}

/// `[[start1, end1], [start2, end2]]`, with the run's length third when `WITHMATCHLEN` was
/// sent (computed from the range when it was not).
impl FromValue for LcsMatch {
    fn from_value(value: Value) -> Result<LcsMatch> {
        let what = value.describe();
        let bad =
            || -> crate::error::Error { ConversionError::custom("LcsMatch", what.clone()).into() };
        let parts: Vec<Value> = FromValue::from_value(value)?;
        let mut parts = parts.into_iter();
        let (Some(a), Some(b)) = (parts.next(), parts.next()) else {
            return Err(bad());
        };
        let first = range(<(u64, u64)>::from_value(a)?).ok_or_else(bad)?;
        let second = range(<(u64, u64)>::from_value(b)?).ok_or_else(bad)?;
        let len = match parts.next() {
            Some(v) => u64::from_value(v)?,
            None => (first.end - first.start) as u64,
        };
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(LcsMatch { first, second, len })
    }
}

/// Redis's inclusive `[start, end]` as a half-open range; `None` when it is not one.
fn range((start, end): (u64, u64)) -> Option<Range<usize>> {
    let start = usize::try_from(start).ok()?;
    let end = usize::try_from(end).ok()?.checked_add(1)?;
    (start < end).then_some(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(i: i64) -> Value {
        Value::Int(i)
    }
    fn s(t: &str) -> Value {
        Value::BulkString(t.as_bytes().to_vec())
    }
    fn pair(a: i64, b: i64) -> Value {
        Value::Array(vec![n(a), n(b)])
    }

    #[test]
    fn lcs_reads_both_protocols_with_and_without_lengths() {
        let m1 = Value::Array(vec![pair(4, 7), pair(5, 8), n(4)]);
        let m2 = Value::Array(vec![pair(2, 3), pair(0, 1)]);
        let resp3 = Value::Map(vec![
            (s("matches"), Value::Array(vec![m1.clone(), m2.clone()])),
            (s("len"), n(6)),
        ]);
        let resp2 = Value::Array(vec![
            s("matches"),
            Value::Array(vec![m1, m2]),
            s("len"),
            n(6),
        ]);
        let want = LcsMatches {
            matches: vec![
                LcsMatch {
                    first: 4..8,
                    second: 5..9,
                    len: 4,
                },
                LcsMatch {
                    first: 2..4,
                    second: 0..2,
                    len: 2,
                },
            ],
            len: 6,
        };
        assert_eq!(LcsMatches::from_value(resp3).unwrap(), want);
        assert_eq!(LcsMatches::from_value(resp2).unwrap(), want);
        let empty = Value::Map(vec![(s("matches"), Value::Array(vec![])), (s("len"), n(0))]);
        assert_eq!(LcsMatches::from_value(empty).unwrap().matches, []);
    }

    #[test]
    fn malformed_lcs_replies_are_conversion_errors() {
        let bad = [
            Value::Array(vec![s("len"), n(1)]),
            Value::Map(vec![
                (
                    s("matches"),
                    Value::Array(vec![Value::Array(vec![pair(1, 0), pair(0, 0)])]),
                ),
                (s("len"), n(1)),
            ]),
            Value::Map(vec![
                (
                    s("matches"),
                    Value::Array(vec![Value::Array(vec![pair(0, 0)])]),
                ),
                (s("len"), n(1)),
            ]),
            Value::Map(vec![
                (
                    s("matches"),
                    Value::Array(vec![Value::Array(vec![pair(0, -1), pair(0, 0)])]),
                ),
                (s("len"), n(1)),
            ]),
            Value::Map(vec![
                (
                    s("matches"),
                    Value::Array(vec![Value::Array(vec![pair(0, 0), pair(0, 0), n(1), n(2)])]),
                ),
                (s("len"), n(1)),
            ]),
            n(3),
        ];
        for v in bad {
            let e = LcsMatches::from_value(v.clone()).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::Conversion, "{v:?}: {e}");
        }
    }
}
