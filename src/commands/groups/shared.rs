//! Types and helpers more than one group of commands uses: how long a key lives, expiry
//! options, list sides, and the conversion of `Duration`s into the units Redis takes.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::commands::args::{ArgWriter, ToArgs};
use crate::commands::reply::FromValue;
use crate::error::{ConversionError, Error, Result};
use crate::resp::Value;

/// How long a key (or a hash field) has left to live, from `TTL`, `PTTL`, `HTTL`, `HPTTL`.
///
/// Redis answers with a number that also encodes two other states; this type keeps them apart.
///
/// ```
/// use std::time::Duration;
/// use redisync::Ttl;
/// let t = Ttl::Expires(Duration::from_secs(5));
/// assert_eq!(t.duration(), Some(Duration::from_secs(5)));
/// assert_eq!(Ttl::Persistent.duration(), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ttl {
    /// The key (or field) does not exist.
    Missing,
    /// It exists and has no expiry.
    Persistent,
    /// It expires after this long.
    Expires(Duration),
}

impl Ttl {
    /// The time left, when it expires.
    pub fn duration(self) -> Option<Duration> {
        match self {
            Ttl::Expires(d) => Some(d),
            _ => None,
        }
    }
}

/// The form [`Ttl`] reads: milliseconds, `-1` for no expiry, `-2` for no key (`PTTL`'s reply).
/// The typed methods of the commands that answer in seconds shape their replies to it.
impl FromValue for Ttl {
    fn from_value(value: Value) -> Result<Ttl> {
        match i64::from_value(value)? {
            -2 => Ok(Ttl::Missing),
            -1 => Ok(Ttl::Persistent),
            ms if ms >= 0 => Ok(Ttl::Expires(Duration::from_millis(ms as u64))),
            other => Err(ConversionError::custom("Ttl", format!("integer {other}")).into()),
        }
    }
}

/// When a key (or a hash field) expires, from `EXPIRETIME`, `PEXPIRETIME`, `HEXPIRETIME`,
/// `HPEXPIRETIME`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExpireTime {
    /// The key (or field) does not exist.
    Missing,
    /// It exists and has no expiry.
    Persistent,
    /// It expires at this time.
    At(SystemTime),
}

/// The form [`ExpireTime`] reads: Unix time in milliseconds, `-1`, `-2` (`PEXPIRETIME`).
impl FromValue for ExpireTime {
    fn from_value(value: Value) -> Result<ExpireTime> {
        match i64::from_value(value)? {
            -2 => Ok(ExpireTime::Missing),
            -1 => Ok(ExpireTime::Persistent),
            ms if ms >= 0 => Ok(ExpireTime::At(
                UNIX_EPOCH + Duration::from_millis(ms as u64),
            )),
            other => Err(ConversionError::custom("ExpireTime", format!("integer {other}")).into()),
        }
    }
}

/// A point in time: a Unix time in seconds (`LASTSAVE`), or `TIME`'s pair of seconds and
/// microseconds.
impl FromValue for SystemTime {
    fn from_value(value: Value) -> Result<SystemTime> {
        match value {
            Value::Array(parts) if parts.len() == 2 => {
                let mut it = parts.into_iter();
                let secs = u64::from_value(it.next().unwrap_or(Value::Nil))?;
                let micros = u64::from_value(it.next().unwrap_or(Value::Nil))?;
                Ok(UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_micros(micros))
            }
            v => Ok(UNIX_EPOCH + Duration::from_secs(u64::from_value(v)?)),
        }
    }
}

/// Shapes a reply in seconds (a number, or an array of them, as `TTL` and `HTTL` give) into
/// milliseconds, leaving the negative codes alone.
pub(crate) fn seconds_to_millis(value: Value) -> Result<Value> {
    Ok(match value {
        Value::Int(n) if n >= 0 => Value::Int(n.saturating_mul(1000)),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(seconds_to_millis)
                .collect::<Result<_>>()?,
        ),
        other => other,
    })
}

/// Which existing expiry an `EXPIRE`-like command may replace (`NX`, `XX`, `GT`, `LT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExpireCondition {
    /// `NX`: only when there is no expiry yet.
    Nx,
    /// `XX`: only when there is one.
    Xx,
    /// `GT`: only when the new expiry is later.
    Gt,
    /// `LT`: only when the new expiry is earlier.
    Lt,
}

impl ToArgs for ExpireCondition {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        out.arg(match self {
            ExpireCondition::Nx => b"NX",
            ExpireCondition::Xx => b"XX",
            ExpireCondition::Gt => b"GT",
            ExpireCondition::Lt => b"LT",
        })
    }
}

/// An end of a list: `LEFT` (the head) or `RIGHT` (the tail).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// `LEFT`: the head.
    Left,
    /// `RIGHT`: the tail.
    Right,
}

impl ToArgs for Side {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        out.arg(match self {
            Side::Left => b"LEFT",
            Side::Right => b"RIGHT",
        })
    }
}

/// A duration as whole seconds for a command that takes seconds, rounded up so that nothing
/// expires (or times out) earlier than asked; zero is refused, since Redis reads zero as
/// "now" or "forever" depending on the command.
pub(crate) fn whole_seconds(what: &str, d: Duration) -> Result<u64> {
    if d.is_zero() {
        return Err(Error::invalid(what, "must be greater than zero"));
    }
    Ok(d.as_secs() + u64::from(d.subsec_nanos() > 0))
}

/// A duration as whole milliseconds, rounded up; zero is refused.
#[allow(dead_code)] // until the groups that take milliseconds use it
pub(crate) fn whole_millis(what: &str, d: Duration) -> Result<u64> {
    if d.is_zero() {
        return Err(Error::invalid(what, "must be greater than zero"));
    }
    let ms = d.as_millis() + u128::from(d.subsec_nanos() % 1_000_000 > 0);
    Ok(u64::try_from(ms).unwrap_or(u64::MAX))
}

/// A blocking command's timeout in seconds (fractions allowed, as `BLPOP` takes them): `None`
/// waits as long as it takes (Redis's `0`), as does a duration too long to mean anything else
/// (over a year); zero is refused (it would mean "forever" to Redis, surely not what was meant).
#[allow(dead_code)] // until the blocking commands use it
pub(crate) fn block_seconds(d: Option<Duration>) -> Result<String> {
    const FOREVER: Duration = Duration::from_secs(365 * 24 * 3600);
    match d {
        None => Ok("0".to_string()),
        Some(d) if d.is_zero() => Err(Error::invalid(
            "timeout",
            "zero is refused: use None to wait as long as it takes",
        )),
        Some(d) if d > FOREVER => Ok("0".to_string()),
        Some(d) => {
            // Rounded up to the microsecond, so a tiny wait never becomes "0" (forever).
            let micros = d.as_micros() + u128::from(d.subsec_nanos() % 1000 > 0);
            Ok(format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000))
        }
    }
}

/// A blocking command's timeout in whole milliseconds (`XREAD BLOCK`, `WAIT`): as
/// [`block_seconds`], rounded up.
#[allow(dead_code)] // until the blocking commands use it
pub(crate) fn block_millis(d: Option<Duration>) -> Result<u64> {
    const FOREVER: Duration = Duration::from_secs(365 * 24 * 3600);
    match d {
        None => Ok(0),
        Some(d) if d > FOREVER => Ok(0),
        Some(d) => whole_millis("timeout", d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_up_and_refuse_zero() {
        assert_eq!(whole_seconds("t", Duration::from_millis(1500)).unwrap(), 2);
        assert_eq!(whole_seconds("t", Duration::from_secs(3)).unwrap(), 3);
        assert!(whole_seconds("t", Duration::ZERO).is_err());
        assert_eq!(whole_millis("t", Duration::from_micros(1)).unwrap(), 1);
        assert_eq!(whole_millis("t", Duration::MAX).unwrap(), u64::MAX);
        assert_eq!(block_seconds(None).unwrap(), "0");
        assert_eq!(
            block_seconds(Some(Duration::from_millis(250))).unwrap(),
            "0.250000"
        );
        assert_eq!(
            block_seconds(Some(Duration::from_nanos(1))).unwrap(),
            "0.000001"
        );
        assert_eq!(block_seconds(Some(Duration::MAX)).unwrap(), "0");
        assert!(block_seconds(Some(Duration::ZERO)).is_err());
        assert_eq!(block_millis(Some(Duration::from_nanos(1))).unwrap(), 1);
    }

    #[test]
    fn ttls_and_times_read_their_codes() {
        assert_eq!(Ttl::from_value(Value::Int(-2)).unwrap(), Ttl::Missing);
        assert_eq!(Ttl::from_value(Value::Int(-1)).unwrap(), Ttl::Persistent);
        assert_eq!(
            Ttl::from_value(seconds_to_millis(Value::Int(3)).unwrap()).unwrap(),
            Ttl::Expires(Duration::from_secs(3))
        );
        assert!(Ttl::from_value(Value::Int(-3)).is_err());
        let t = SystemTime::from_value(Value::Array(vec![Value::Int(10), Value::Int(5)])).unwrap();
        assert_eq!(t, UNIX_EPOCH + Duration::from_micros(10_000_005));
    }
}
