//! The maintenance notifications a server pushes (RESP3), parsed.
//!
//! Each is a push whose first element names it, then fields by position (more elements are
//! ignored, as newer servers may add some): `MOVING <seq> <seconds> <host:port | null>`,
//! `MIGRATING <seq> <seconds>`, `MIGRATED <seq>`, `FAILING_OVER <seq> <seconds>`,
//! `FAILED_OVER <seq>`, and for clusters `SMIGRATING <seq> <slots>` and
//! `SMIGRATED <seq> [[<src> <dst> <slots>] ...]`.

use std::time::Duration;

use crate::resp::Value;

/// How long an end notification (which carries no time) is remembered for deduplication.
pub(crate) const END_TTL: Duration = Duration::from_secs(5);

/// One maintenance notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Notification {
    /// The endpoint will go away within `time`; reconnect to `to` (`None`: to the same
    /// address, after half of `time`, once its name points elsewhere).
    Moving {
        seq: u64,
        time: Duration,
        to: Option<(String, u16)>,
    },
    /// A shard on this endpoint is being migrated: replies may be slow for up to `time`.
    Migrating { seq: u64, time: Duration },
    /// The migration ended.
    Migrated { seq: u64 },
    /// A failover is starting: replies may be slow for up to `time`.
    FailingOver { seq: u64, time: Duration },
    /// The failover ended.
    FailedOver { seq: u64 },
    /// Cluster: these slots are being migrated.
    SMigrating { seq: u64, slots: String },
    /// Cluster: slots moved (source, destination, slots).
    SMigrated {
        seq: u64,
        moves: Vec<(String, String, String)>,
    },
}

/// Which notification, for counters and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Moving,
    Migrating,
    Migrated,
    FailingOver,
    FailedOver,
    SMigrating,
    SMigrated,
}

impl Notification {
    pub(crate) fn kind(&self) -> Kind {
        match self {
            Notification::Moving { .. } => Kind::Moving,
            Notification::Migrating { .. } => Kind::Migrating,
            Notification::Migrated { .. } => Kind::Migrated,
            Notification::FailingOver { .. } => Kind::FailingOver,
            Notification::FailedOver { .. } => Kind::FailedOver,
            Notification::SMigrating { .. } => Kind::SMigrating,
            Notification::SMigrated { .. } => Kind::SMigrated,
        }
    }

    /// Its sequence number (unique per notification, for deduplication).
    pub(crate) fn seq(&self) -> u64 {
        match self {
            Notification::Moving { seq, .. }
            | Notification::Migrating { seq, .. }
            | Notification::Migrated { seq }
            | Notification::FailingOver { seq, .. }
            | Notification::FailedOver { seq }
            | Notification::SMigrating { seq, .. }
            | Notification::SMigrated { seq, .. } => *seq,
        }
    }
}

/// What a push frame is to this module.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// A maintenance notification.
    Notification(Notification),
    /// Named like one, but its fields are wrong: logged and ignored.
    Malformed(&'static str),
    /// Some other push (an invalidation, a pub/sub message): not ours.
    Other,
}

/// Parses a push frame.
pub(crate) fn parse(push: &Value) -> Parsed {
    let items = match push {
        Value::Push(items) => items,
        _ => return Parsed::Other,
    };
    let Some(name) = items.first().and_then(text) else {
        return Parsed::Other;
    };
    let name = name.to_ascii_uppercase();
    let kind = match name.as_slice() {
        b"MOVING" => Kind::Moving,
        b"MIGRATING" => Kind::Migrating,
        b"MIGRATED" => Kind::Migrated,
        b"FAILING_OVER" => Kind::FailingOver,
        b"FAILED_OVER" => Kind::FailedOver,
        b"SMIGRATING" => Kind::SMigrating,
        b"SMIGRATED" => Kind::SMigrated,
        _ => return Parsed::Other,
    };
    let Some(seq) = items.get(1).and_then(number) else {
        return Parsed::Malformed("no sequence number");
    };
    let seconds = || items.get(2).and_then(number).map(Duration::from_secs);
    let n = match kind {
        Kind::Moving => {
            let Some(time) = seconds() else {
                return Parsed::Malformed("MOVING without a time");
            };
            let to = match items.get(3) {
                None | Some(Value::Nil) => None,
                Some(v) => match text(v).and_then(host_port) {
                    Some(hp) => Some(hp),
                    None => {
                        return Parsed::Malformed("MOVING with an endpoint that is not host:port");
                    }
                },
            };
            Notification::Moving { seq, time, to }
        }
        Kind::Migrating => match seconds() {
            Some(time) => Notification::Migrating { seq, time },
            None => return Parsed::Malformed("MIGRATING without a time"),
        },
        Kind::FailingOver => match seconds() {
            Some(time) => Notification::FailingOver { seq, time },
            None => return Parsed::Malformed("FAILING_OVER without a time"),
        },
        Kind::Migrated => Notification::Migrated { seq },
        Kind::FailedOver => Notification::FailedOver { seq },
        Kind::SMigrating => match items.get(2).and_then(text) {
            Some(slots) => Notification::SMigrating {
                seq,
                slots: String::from_utf8_lossy(slots).into_owned(),
            },
            None => return Parsed::Malformed("SMIGRATING without slots"),
        },
        Kind::SMigrated => {
            let Some(Value::Array(list)) = items.get(2) else {
                return Parsed::Malformed("SMIGRATED without its moves");
            };
            let mut moves = Vec::with_capacity(list.len());
            for m in list {
                let Value::Array(parts) = m else {
                    return Parsed::Malformed("SMIGRATED with a move that is not an array");
                };
                let field = |i: usize| {
                    parts
                        .get(i)
                        .and_then(text)
                        .map(|t| String::from_utf8_lossy(t).into_owned())
                };
                match (field(0), field(1), field(2)) {
                    (Some(a), Some(b), Some(c)) => moves.push((a, b, c)),
                    _ => return Parsed::Malformed("SMIGRATED with a short move"),
                }
            }
            Notification::SMigrated { seq, moves }
        }
    };
    Parsed::Notification(n)
}

fn text(v: &Value) -> Option<&[u8]> {
    match v {
        Value::SimpleString(s) | Value::BulkString(s) => Some(s),
        Value::Verbatim { text, .. } => Some(text),
        _ => None,
    }
}

fn number(v: &Value) -> Option<u64> {
    match v {
        Value::Int(n) => u64::try_from(*n).ok(),
        other => std::str::from_utf8(text(other)?).ok()?.trim().parse().ok(),
    }
}

/// `host:port`, split at the last colon (IPv6 hosts may be bracketed or bare).
fn host_port(t: &[u8]) -> Option<(String, u16)> {
    let t = std::str::from_utf8(t).ok()?;
    let (host, port) = t.rsplit_once(':')?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return None;
    }
    Some((host.to_string(), port.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(items: Vec<Value>) -> Value {
        Value::Push(items)
    }
    fn s(t: &str) -> Value {
        Value::SimpleString(t.as_bytes().to_vec())
    }

    #[test]
    fn every_notification_parses() {
        let cases = [
            (
                push(vec![
                    s("MOVING"),
                    Value::Int(1),
                    Value::Int(15),
                    s("10.0.0.2:6380"),
                ]),
                Notification::Moving {
                    seq: 1,
                    time: Duration::from_secs(15),
                    to: Some(("10.0.0.2".into(), 6380)),
                },
            ),
            (
                push(vec![s("MOVING"), Value::Int(2), Value::Int(8), Value::Nil]),
                Notification::Moving {
                    seq: 2,
                    time: Duration::from_secs(8),
                    to: None,
                },
            ),
            (
                push(vec![
                    s("MIGRATING"),
                    Value::Int(3),
                    Value::Int(5),
                    s("shard-1"),
                ]),
                Notification::Migrating {
                    seq: 3,
                    time: Duration::from_secs(5),
                },
            ),
            (
                push(vec![s("migrated"), Value::Int(4)]),
                Notification::Migrated { seq: 4 },
            ),
            (
                push(vec![s("FAILING_OVER"), Value::Int(5), Value::Int(2)]),
                Notification::FailingOver {
                    seq: 5,
                    time: Duration::from_secs(2),
                },
            ),
            (
                push(vec![s("FAILED_OVER"), Value::Int(6)]),
                Notification::FailedOver { seq: 6 },
            ),
            (
                push(vec![s("SMIGRATING"), Value::Int(7), s("1,5-10")]),
                Notification::SMigrating {
                    seq: 7,
                    slots: "1,5-10".into(),
                },
            ),
            (
                push(vec![
                    s("SMIGRATED"),
                    Value::Int(8),
                    Value::Array(vec![Value::Array(vec![s("a:1"), s("b:2"), s("0-99")])]),
                ]),
                Notification::SMigrated {
                    seq: 8,
                    moves: vec![("a:1".into(), "b:2".into(), "0-99".into())],
                },
            ),
            (
                push(vec![
                    s("MOVING"),
                    Value::Int(9),
                    Value::Int(1),
                    s("[::1]:7000"),
                ]),
                Notification::Moving {
                    seq: 9,
                    time: Duration::from_secs(1),
                    to: Some(("::1".into(), 7000)),
                },
            ),
        ];
        for (frame, want) in cases {
            assert_eq!(parse(&frame), Parsed::Notification(want));
        }
    }

    #[test]
    fn huge_times_parse_and_ports_out_of_range_do_not() {
        let frame = push(vec![
            s("MOVING"),
            Value::Int(1),
            Value::Int(i64::MAX),
            s("h:1"),
        ]);
        assert!(matches!(
            parse(&frame),
            Parsed::Notification(Notification::Moving { .. })
        ));
        let frame = push(vec![
            s("MOVING"),
            Value::Int(1),
            Value::Int(3),
            s("h:99999"),
        ]);
        assert!(matches!(parse(&frame), Parsed::Malformed(_)));
    }

    #[test]
    fn malformed_ones_are_named_and_others_are_not_ours() {
        for bad in [
            push(vec![s("MOVING")]),
            push(vec![s("MOVING"), Value::Int(-1), Value::Int(3)]),
            push(vec![s("MOVING"), Value::Int(1)]),
            push(vec![
                s("MOVING"),
                Value::Int(1),
                Value::Int(3),
                s("no-port"),
            ]),
            push(vec![s("MOVING"), Value::Int(1), Value::Int(3), s(":99")]),
            push(vec![s("MIGRATING"), Value::Int(1)]),
            push(vec![s("SMIGRATED"), Value::Int(1), Value::Int(2)]),
            push(vec![
                s("SMIGRATED"),
                Value::Int(1),
                Value::Array(vec![Value::Int(2)]),
            ]),
        ] {
            assert!(matches!(parse(&bad), Parsed::Malformed(_)), "{bad:?}");
        }
        for other in [
            push(vec![s("invalidate"), Value::Nil]),
            push(vec![s("message"), s("ch"), s("x")]),
            push(vec![]),
            Value::Int(3),
        ] {
            assert_eq!(parse(&other), Parsed::Other);
        }
    }
}
