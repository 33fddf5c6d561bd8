//! The reply types of the `generic` commands, and the shaping of the replies whose meaning a
//! word carries (`TYPE`'s `none`, `MIGRATE`'s `NOKEY`).

use std::fmt;

use crate::commands::reply::FromValue;
use crate::error::{ConversionError, Error, Result};
use crate::resp::Value;

/// What a key holds, from `TYPE` (a missing key is `None` there).
///
/// ```
/// use redisync::KeyType;
/// assert_eq!(KeyType::ZSet.as_str(), "zset");
/// assert_eq!(KeyType::Other("ReJSON-RL".into()).to_string(), "ReJSON-RL");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// `string`.
    String,
    /// `list`.
    List,
    /// `set`.
    Set,
    /// `zset`: a sorted set.
    ZSet,
    /// `hash`.
    Hash,
    /// `stream`.
    Stream,
    /// A type a module defines, by the name the server gives it (`ReJSON-RL`), or one newer
    /// than this crate (`vectorset`).
    Other(String),
}

impl KeyType {
    /// The name `TYPE` answers (and `SCAN ... TYPE` takes).
    pub fn as_str(&self) -> &str {
        match self {
            KeyType::String => "string",
            KeyType::List => "list",
            KeyType::Set => "set",
            KeyType::ZSet => "zset",
            KeyType::Hash => "hash",
            KeyType::Stream => "stream",
            KeyType::Other(name) => name,
        }
    }

    fn from_name(name: &str) -> KeyType {
        match name {
            "string" => KeyType::String,
            "list" => KeyType::List,
            "set" => KeyType::Set,
            "zset" => KeyType::ZSet,
            "hash" => KeyType::Hash,
            "stream" => KeyType::Stream,
            other => KeyType::Other(other.to_string()),
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `TYPE`'s reply: a type name (a simple string on RESP2 and RESP3). `none` is not a type:
/// [`KeyCommands::key_type`](crate::KeyCommands::key_type) reads it as `None`.
impl FromValue for KeyType {
    fn from_value(value: Value) -> Result<KeyType> {
        let value = value.into_unattributed();
        match &value {
            Value::SimpleString(s) | Value::BulkString(s) if s.as_slice() != b"none" => {
                match std::str::from_utf8(s) {
                    Ok(name) => Ok(KeyType::from_name(name)),
                    Err(_) => Err(ConversionError::new("KeyType", &value).into()),
                }
            }
            Value::Error(e) | Value::BulkError(e) => Err(Error::Server(e.clone())),
            _ => Err(ConversionError::new("KeyType", &value).into()),
        }
    }
}

/// `TYPE`'s `none` (no such key) as nil, so `Option<KeyType>` reads it as `None`.
pub(crate) fn none_as_nil(value: Value) -> Result<Value> {
    Ok(match value.into_unattributed() {
        Value::SimpleString(s) | Value::BulkString(s) if s == b"none" => Value::Nil,
        other => other,
    })
}

/// `MIGRATE`'s `NOKEY` (none of the keys exists here) as `false`, beside `OK` (`true`).
pub(crate) fn nokey_as_false(value: Value) -> Result<Value> {
    Ok(match value.into_unattributed() {
        Value::SimpleString(s) if s == b"NOKEY" => Value::Boolean(false),
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn simple(s: &str) -> Value {
        Value::SimpleString(s.as_bytes().to_vec())
    }

    #[test]
    fn key_types_read_every_name_and_none_is_no_key() {
        for (name, want) in [
            ("string", KeyType::String),
            ("list", KeyType::List),
            ("set", KeyType::Set),
            ("zset", KeyType::ZSet),
            ("hash", KeyType::Hash),
            ("stream", KeyType::Stream),
            ("MBbloom--", KeyType::Other("MBbloom--".into())),
        ] {
            let got = KeyType::from_value(simple(name)).unwrap();
            assert_eq!(got, want);
            assert_eq!(got.as_str(), name);
            let shaped = none_as_nil(simple(name)).unwrap();
            assert_eq!(Option::<KeyType>::from_value(shaped).unwrap(), Some(want));
        }
        let none = none_as_nil(simple("none")).unwrap();
        assert_eq!(Option::<KeyType>::from_value(none).unwrap(), None);
        assert!(KeyType::from_value(simple("none")).is_err());
        assert!(KeyType::from_value(Value::Int(1)).is_err());
        assert!(KeyType::from_value(Value::SimpleString(vec![0xff])).is_err());
    }

    #[test]
    fn migrate_reads_ok_and_nokey() {
        let ok = nokey_as_false(Value::Okay).unwrap();
        assert!(bool::from_value(ok).unwrap());
        let nokey = nokey_as_false(simple("NOKEY")).unwrap();
        assert!(!bool::from_value(nokey).unwrap());
    }
}
