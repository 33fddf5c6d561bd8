//! Reading what a subscribed connection sends: messages, confirmations and pongs, on RESP2
//! (arrays) and RESP3 (pushes), and writing (un)subscribe commands.

use super::{Message, MessageKind};
use crate::commands::ToArgs;
use crate::error::{Error, ProtocolError, Result};
use crate::resp::{self, Value, write_bulk, write_command_header};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    Channel,
    Pattern,
    Shard,
}

pub(super) const FAMILIES: [Family; 3] = [Family::Channel, Family::Pattern, Family::Shard];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    Subscribe,
    Unsubscribe,
}

impl Family {
    pub(super) fn command(self, op: Op) -> &'static [u8] {
        match (self, op) {
            (Family::Channel, Op::Subscribe) => b"SUBSCRIBE",
            (Family::Pattern, Op::Subscribe) => b"PSUBSCRIBE",
            (Family::Shard, Op::Subscribe) => b"SSUBSCRIBE",
            (Family::Channel, Op::Unsubscribe) => b"UNSUBSCRIBE",
            (Family::Pattern, Op::Unsubscribe) => b"PUNSUBSCRIBE",
            (Family::Shard, Op::Unsubscribe) => b"SUNSUBSCRIBE",
        }
    }

    pub(super) fn what(self) -> &'static str {
        match self {
            Family::Channel => "channel",
            Family::Pattern => "pattern",
            Family::Shard => "shard channel",
        }
    }
}

/// What a frame from a subscribed connection means.
#[derive(Debug, PartialEq)]
pub(super) enum Event {
    Message(Message),
    Subscribed(Family, Vec<u8>),
    /// `None` when there was nothing to unsubscribe from.
    Unsubscribed(Family, Option<Vec<u8>>),
    Pong,
    /// A push of a kind this module does not know.
    Ignored,
}

/// The first element of a pub/sub frame, which says what the rest is.
#[derive(Clone, Copy)]
pub(super) enum Tag {
    Message(MessageKind),
    Subscribed(Family),
    Unsubscribed(Family),
    Pong,
}

impl Tag {
    pub(super) fn of(name: &[u8]) -> Option<Tag> {
        Some(match name {
            b"message" => Tag::Message(MessageKind::Message),
            b"pmessage" => Tag::Message(MessageKind::PMessage),
            b"smessage" => Tag::Message(MessageKind::SMessage),
            b"subscribe" => Tag::Subscribed(Family::Channel),
            b"psubscribe" => Tag::Subscribed(Family::Pattern),
            b"ssubscribe" => Tag::Subscribed(Family::Shard),
            b"unsubscribe" => Tag::Unsubscribed(Family::Channel),
            b"punsubscribe" => Tag::Unsubscribed(Family::Pattern),
            b"sunsubscribe" => Tag::Unsubscribed(Family::Shard),
            b"pong" => Tag::Pong,
            _ => return None,
        })
    }

    /// How many elements the frame has, the tag included.
    pub(super) fn arity_ok(self, n: usize) -> bool {
        match self {
            Tag::Message(MessageKind::PMessage) => n == 4,
            Tag::Message(_) | Tag::Subscribed(_) | Tag::Unsubscribed(_) => n == 3,
            // `pong` with PING's argument, or without one.
            Tag::Pong => n == 1 || n == 2,
        }
    }
}

/// Interprets one frame. Never panics, whatever the server sent.
pub(super) fn parse_frame(frame: Value) -> Result<Event> {
    let (items, push) = match frame.into_unattributed() {
        Value::Push(items) => (items, true),
        Value::Array(items) => (items, false),
        // The reply to PING on RESP3, and on RESP2 before any subscription.
        Value::SimpleString(s) if s == b"PONG" => return Ok(Event::Pong),
        Value::Error(e) | Value::BulkError(e) => return Err(Error::Server(e)),
        other => {
            return Err(unexpected(format!(
                "{} on a subscribed connection",
                other.describe()
            )));
        }
    };
    let shape = || {
        format!(
            "{} of {} elements",
            if push { "push" } else { "array" },
            items.len()
        )
    };
    let Some(name) = items.first().and_then(Value::as_bytes) else {
        return Err(unexpected(format!(
            "{} with no kind name first, on a subscribed connection",
            shape()
        )));
    };
    let name_text = String::from_utf8_lossy(name).into_owned();
    let tag = match Tag::of(name) {
        Some(tag) if tag.arity_ok(items.len()) => tag,
        Some(_) => return Err(unexpected(format!("`{name_text}` {}", shape()))),
        // RESP3 lets servers add push kinds; clients skip those they do not know. RESP2 has
        // no such thing: an unknown array is a reply that should not be there.
        None if push => {
            log::debug!("skipping a `{name_text}` push on a subscribed connection");
            return Ok(Event::Ignored);
        }
        None => {
            return Err(unexpected(format!(
                "`{name_text}` {} on a subscribed connection",
                shape()
            )));
        }
    };
    let mut rest = items.into_iter().skip(1);
    let mut next = |what: &str| {
        rest.next()
            .ok_or_else(|| unexpected(format!("`{name_text}` frame without its {what}")))
    };
    let string = |v: Value, what: &str| match v {
        Value::BulkString(b) | Value::SimpleString(b) => Ok(b),
        Value::Verbatim { text, .. } => Ok(text),
        Value::Okay => Ok(b"OK".to_vec()),
        other => Err(unexpected(format!(
            "`{name_text}` frame whose {what} is not a string: {}",
            other.describe()
        ))),
    };
    let count = |v: Value| match v {
        Value::Int(_) => Ok(()),
        other => Err(unexpected(format!(
            "`{name_text}` frame whose count is not an integer: {}",
            other.describe()
        ))),
    };
    Ok(match tag {
        Tag::Message(kind) => {
            let pattern = match kind {
                MessageKind::PMessage => Some(string(next("pattern")?, "pattern")?),
                _ => None,
            };
            let channel = string(next("channel")?, "channel")?;
            let payload = string(next("payload")?, "payload")?;
            Event::Message(Message {
                kind,
                channel,
                pattern,
                payload,
            })
        }
        Tag::Subscribed(family) => {
            let channel = string(next("channel")?, "channel")?;
            count(next("count")?)?;
            Event::Subscribed(family, channel)
        }
        Tag::Unsubscribed(family) => {
            let channel = match next("channel")? {
                Value::Nil => None,
                v => Some(string(v, "channel")?),
            };
            count(next("count")?)?;
            Event::Unsubscribed(family, channel)
        }
        Tag::Pong => Event::Pong,
    })
}

pub(super) fn unexpected(what: String) -> Error {
    Error::Protocol(ProtocolError::Unexpected(what))
}

/// The arguments a caller passed, one name each. Every [`ToArg`](crate::ToArg) writes one
/// bulk string, so decoding them back cannot fail unless a hand-written one broke that rule.
pub(super) fn split_names(names: &dyn ToArgs, family: Family) -> Result<Vec<Vec<u8>>> {
    let mut encoded = crate::commands::Encoded::default();
    encoded
        .push(names)
        .map_err(|e| Error::invalid(family.what(), e.to_string()))?;
    let buf = encoded.bytes();
    let limits = resp::Limits::default();
    let mut out = Vec::with_capacity(encoded.count());
    let mut at = 0;
    while at < buf.len() {
        match resp::decode(&buf[at..], &limits) {
            Ok(Some((Value::BulkString(name), used))) if used > 0 => {
                out.push(name);
                at += used;
            }
            _ => {
                return Err(Error::invalid(
                    family.what(),
                    "an argument did not encode as one bulk string",
                ));
            }
        }
    }
    Ok(out)
}

pub(super) fn encode<'a>(
    out: &mut Vec<u8>,
    command: &[u8],
    names: impl ExactSizeIterator<Item = &'a Vec<u8>>,
) {
    write_command_header(out, names.len() + 1);
    write_bulk(out, command);
    for n in names {
        write_bulk(out, n);
    }
}

/// `now + timeout`, or a far future for a timeout too large to add.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::pubsub::MessageKind;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn frames_of_both_protocols_parse() {
        for wrap in [Value::Array as fn(Vec<Value>) -> Value, Value::Push] {
            let m = parse_frame(wrap(vec![
                bulk("pmessage"),
                bulk("n.*"),
                bulk("n.1"),
                bulk("x"),
            ]));
            assert_eq!(
                m.ok(),
                Some(Event::Message(Message {
                    kind: MessageKind::PMessage,
                    channel: b"n.1".to_vec(),
                    pattern: Some(b"n.*".to_vec()),
                    payload: b"x".to_vec(),
                }))
            );
            let s = parse_frame(wrap(vec![bulk("ssubscribe"), bulk("s"), Value::Int(1)]));
            assert_eq!(
                s.ok(),
                Some(Event::Subscribed(Family::Shard, b"s".to_vec()))
            );
            let u = parse_frame(wrap(vec![bulk("unsubscribe"), Value::Nil, Value::Int(0)]));
            assert_eq!(u.ok(), Some(Event::Unsubscribed(Family::Channel, None)));
            let p = parse_frame(wrap(vec![bulk("pong"), bulk("")]));
            assert_eq!(p.ok(), Some(Event::Pong));
        }
        assert_eq!(
            parse_frame(Value::SimpleString(b"PONG".to_vec())).ok(),
            Some(Event::Pong)
        );
        assert_eq!(
            parse_frame(Value::Push(vec![bulk("invalidate"), Value::Nil])).ok(),
            Some(Event::Ignored)
        );
    }

    #[test]
    fn odd_frames_are_typed_errors() {
        let cases = [
            Value::Int(42),
            Value::Array(vec![]),
            Value::Push(vec![Value::Int(1)]),
            Value::Array(vec![bulk("foo"), bulk("bar")]),
            Value::Push(vec![bulk("message"), bulk("ch")]),
            Value::Push(vec![bulk("message"), Value::Int(1), bulk("x")]),
            Value::Array(vec![bulk("subscribe"), bulk("ch"), bulk("one")]),
            Value::Array(vec![bulk("subscribe"), Value::Nil, Value::Int(1)]),
        ];
        for frame in cases {
            let shown = format!("{frame:?}");
            match parse_frame(frame) {
                Err(Error::Protocol(ProtocolError::Unexpected(m))) => assert!(!m.is_empty()),
                other => panic!("{shown}: {other:?}"),
            }
        }
        let e = parse_frame(Value::Error(Box::new(crate::ServerError::parse(b"ERR x"))));
        assert!(matches!(e, Err(Error::Server(_))));
    }
}
