//! Where a command goes in a cluster, decided from the command table: the slot of its keys
//! (from the key specifications), every primary (the table's `request_policy` tips), a split
//! per slot (the multi-key commands the issue names), or any primary.

use super::error::cluster_error;
use super::slot::slot;
use crate::commands::Batch;
use crate::commands::table::CommandSpec;
use crate::connection::Meta;
use crate::error::{Error, ErrorKind, Result};
use crate::resp::{Value, split_command};

/// Where one command goes.
pub(crate) enum Route {
    /// The primary of this slot.
    Slot(u16),
    /// Any primary (a keyless command).
    Any,
    /// Every primary, replies combined.
    All(Combine),
    /// One command per slot, replies reassembled.
    Split(Split),
}

/// How replies from every primary become one.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Combine {
    /// Integers added (`DBSIZE`, `DEL` split per slot).
    Sum,
    /// The smallest integer (`WAIT`).
    Min,
    /// 1 when every reply is 1 (`SCRIPT EXISTS` per script: arrays element by element).
    LogicalAnd,
    /// Every node must succeed; the first reply is the answer (`FLUSHALL`, `SCRIPT LOAD`).
    AllSucceeded,
    /// The first success (`SCRIPT KILL`).
    OneSucceeded,
    /// Arrays concatenated (`KEYS`); anything else: the first reply.
    Concat,
}

/// The shard channels of the sharded pub/sub commands (not keys to the key specifications,
/// but routed by slot all the same): `SPUBLISH`'s one, `SSUBSCRIBE`'s and `SUNSUBSCRIBE`'s,
/// and those `PUBSUB SHARDNUMSUB` counts (only the node of their slot has their subscribers).
fn shard_channels<'a, 'b>(spec: &CommandSpec, args: &'b [&'a [u8]]) -> &'b [&'a [u8]] {
    let range = match (spec.container(), spec.name()) {
        (None, "SPUBLISH") => args.get(1..2),
        (None, "SSUBSCRIBE" | "SUNSUBSCRIBE") => args.get(1..),
        (Some("PUBSUB"), "SHARDNUMSUB") => args.get(2..),
        _ => None,
    };
    range.unwrap_or_default()
}

impl Route {
    /// The route of `frame`, a whole encoded command whose table entry is `spec`.
    pub(crate) fn of(spec: &'static CommandSpec, frame: &[u8]) -> Result<Route> {
        per_node_only(spec)?;
        if spec.key_is_first_arg() {
            if let Some(key) = first_arg(frame) {
                return Ok(Route::Slot(slot(key)));
            }
        }
        let args = split_command(frame).unwrap_or_default();
        let keys = spec.keys_in(&args);
        let mut positions = keys.positions().iter();
        let first = match positions.next() {
            Some(&i) => i,
            None => {
                return match one_slot(shard_channels(spec, &args).iter().copied(), spec.name())? {
                    Some(s) => Ok(Route::Slot(s)),
                    None => Ok(Route::keyless(spec)),
                };
            }
        };
        let Some(key) = args.get(first) else {
            return Ok(Route::Any);
        };
        let s = slot(key);
        let mut spans = false;
        for &i in positions {
            if args.get(i).is_some_and(|k| slot(k) != s) {
                spans = true;
                break;
            }
        }
        if !spans {
            return Ok(Route::Slot(s));
        }
        match Split::new(spec, &args, keys.positions()) {
            Some(split) => Ok(Route::Split(split)),
            None => Err(cross_slot(spec.name())),
        }
    }

    /// How a keyless command's replies from every primary combine, when the table sends it
    /// to every primary; `None` for one that goes to any primary.
    pub(crate) fn every_shard(spec: &CommandSpec) -> Option<Combine> {
        match Route::keyless(spec) {
            Route::All(combine) => Some(combine),
            _ => None,
        }
    }

    fn keyless(spec: &CommandSpec) -> Route {
        // Each primary lists only its own shard's channels: the cluster's are all of them.
        if (spec.container(), spec.name()) == (Some("PUBSUB"), "SHARDCHANNELS") {
            return Route::All(Combine::Concat);
        }
        if !(spec.has_tip("request_policy:all_shards") || spec.has_tip("request_policy:all_nodes"))
        {
            return Route::Any;
        }
        let combine = if spec.has_tip("response_policy:agg_sum") {
            Combine::Sum
        } else if spec.has_tip("response_policy:agg_min") {
            Combine::Min
        } else if spec.has_tip("response_policy:agg_logical_and") {
            Combine::LogicalAnd
        } else if spec.has_tip("response_policy:all_succeeded") {
            Combine::AllSucceeded
        } else if spec.has_tip("response_policy:one_succeeded") {
            Combine::OneSucceeded
        } else {
            Combine::Concat
        };
        Route::All(combine)
    }
}

/// The argument after the name in an encoded command (`*N\r\n$L\r\nNAME\r\n$L\r\nKEY\r\n`),
/// read without splitting the rest; `None` when it has none or the bytes do not fit.
fn first_arg(frame: &[u8]) -> Option<&[u8]> {
    fn line(b: &[u8], ty: u8) -> Option<(usize, &[u8])> {
        let (&t, rest) = b.split_first()?;
        if t != ty {
            return None;
        }
        let end = rest.iter().position(|&c| c == b'\r')?;
        let mut n = 0usize;
        if end == 0 || end > 19 {
            return None;
        }
        for &d in &rest[..end] {
            if !d.is_ascii_digit() {
                return None;
            }
            n = n * 10 + usize::from(d - b'0');
        }
        Some((n, rest.get(end + 2..)?))
    }
    let (argc, rest) = line(frame, b'*')?;
    if argc < 2 {
        return None;
    }
    let (len, rest) = line(rest, b'$')?;
    let rest = rest.get(len.checked_add(2)?..)?;
    let (len, rest) = line(rest, b'$')?;
    rest.get(..len)
}

/// `SCAN`'s cursor is one node's: sent to a random primary each time, a scan would hop from
/// node to node and return some keys of each (62 of 200, say) as if that were all.
fn per_node_only(spec: &CommandSpec) -> Result<()> {
    if spec.name() == "SCAN" {
        return Err(Error::invalid(
            "SCAN",
            "a cursor belongs to one node: scan each primary (ClusterClient::primaries) \
             or the node of a key (ClusterClient::client_for_key)",
        ));
    }
    Ok(())
}

fn cross_slot(what: &str) -> Error {
    cluster_error(
        ErrorKind::CrossSlot,
        format!(
            "the keys of {what} hash to different slots (give them a common hash tag, \
             such as {{user:1}}:a and {{user:1}}:b)"
        ),
    )
}

/// The slot all of `keys` share (`None` for no keys), or a `CROSSSLOT` error naming `what`.
pub(crate) fn one_slot<'a>(
    mut keys: impl Iterator<Item = &'a [u8]>,
    what: &str,
) -> Result<Option<u16>> {
    let Some(first) = keys.next() else {
        return Ok(None);
    };
    let s = slot(first);
    if keys.any(|k| slot(k) != s) {
        return Err(cross_slot(what));
    }
    Ok(Some(s))
}

/// The one slot of a batch's commands (their keys' slots), or `CROSSSLOT`.
pub(crate) fn one_slot_of(slots: &[Option<u16>], what: &str) -> Result<Option<u16>> {
    let mut found = None;
    for s in slots.iter().flatten() {
        match found {
            None => found = Some(*s),
            Some(f) if f != *s => return Err(cross_slot(what)),
            Some(_) => {}
        }
    }
    Ok(found)
}

/// Each command's slot in a batch (`None`: keyless), or `CROSSSLOT` for one whose own keys
/// span slots (a pipeline cannot split a command).
pub(crate) fn batch_slots(batch: &Batch<'_>) -> Result<Vec<Option<u16>>> {
    let mut out = Vec::with_capacity(batch.len());
    let mut begin = 0;
    for m in batch.metas {
        let frame = batch.encoded.get(begin..m.end).unwrap_or_default();
        begin = m.end;
        per_node_only(m.spec)?;
        let args = split_command(frame).unwrap_or_default();
        let keys = m.spec.keys_in(&args);
        let mut ks: Vec<&[u8]> = keys
            .positions()
            .iter()
            .filter_map(|&i| args.get(i).copied())
            .collect();
        if ks.is_empty() {
            ks.extend(shard_channels(m.spec, &args));
        }
        out.push(one_slot(ks.into_iter(), m.spec.name())?);
    }
    Ok(out)
}

/// A multi-key command split into one command per slot.
pub(crate) struct Split {
    spec: &'static CommandSpec,
    /// How many arguments go with each key (2 for `MSET`'s key and value).
    step: usize,
    /// The slots, in order of first appearance, each with the indexes (in key order) of its
    /// keys.
    groups: Vec<(u16, Vec<usize>)>,
    /// How many keys in all.
    keys: usize,
}

impl Split {
    /// The split of a command the issue lists (`MGET`, `MSET`, `DEL`, `EXISTS`, `UNLINK`,
    /// `TOUCH`), when its keys sit where the split expects them (one after another from the
    /// first argument); `None` for anything else.
    fn new(spec: &'static CommandSpec, args: &[&[u8]], positions: &[usize]) -> Option<Split> {
        let step = match spec.name() {
            "MSET" => 2,
            "MGET" | "DEL" | "EXISTS" | "UNLINK" | "TOUCH" => 1,
            _ => return None,
        };
        // Keys at 1, 1+step, 1+2*step, ... and nothing after the last group.
        if positions
            .iter()
            .enumerate()
            .any(|(n, &p)| p != 1 + n * step)
            || args.len() != 1 + positions.len() * step
        {
            return None;
        }
        let mut groups: Vec<(u16, Vec<usize>)> = Vec::new();
        for (n, &p) in positions.iter().enumerate() {
            let s = slot(args.get(p)?);
            match groups.iter_mut().find(|(g, _)| *g == s) {
                Some((_, members)) => members.push(n),
                None => groups.push((s, vec![n])),
            }
        }
        Some(Split {
            spec,
            step,
            groups,
            keys: positions.len(),
        })
    }

    /// The per-slot commands, encoded back to back, with their table entries.
    pub(crate) fn batch(&self, frame: &[u8]) -> Result<(Vec<u8>, Vec<Meta>)> {
        let args = split_command(frame)
            .ok_or_else(|| Error::invalid("command", "could not be split per slot"))?;
        let mut encoded = Vec::with_capacity(frame.len() + self.groups.len() * 16);
        let mut metas = Vec::with_capacity(self.groups.len());
        for (_, members) in &self.groups {
            crate::resp::write_command_header(&mut encoded, 1 + members.len() * self.step);
            crate::resp::write_bulk(&mut encoded, args.first().copied().unwrap_or_default());
            for &n in members {
                for a in 0..self.step {
                    let arg = args.get(1 + n * self.step + a).copied().unwrap_or_default();
                    crate::resp::write_bulk(&mut encoded, arg);
                }
            }
            metas.push(Meta {
                spec: self.spec,
                end: encoded.len(),
            });
        }
        Ok((encoded, metas))
    }

    /// The replies of the per-slot commands as one reply of the whole command.
    pub(crate) fn combine(&self, replies: Vec<Value>) -> Result<Value> {
        if let Some(e) = replies.iter().find_map(error_of) {
            return Err(e);
        }
        match self.spec.name() {
            "MGET" => {
                let mut out = vec![Value::Nil; self.keys];
                for ((_, members), reply) in self.groups.iter().zip(replies) {
                    let Value::Array(values) = reply else {
                        return Err(unexpected("MGET", &reply));
                    };
                    if values.len() != members.len() {
                        return Err(unexpected("MGET", &Value::Array(values)));
                    }
                    for (&n, v) in members.iter().zip(values) {
                        if let Some(slot) = out.get_mut(n) {
                            *slot = v;
                        }
                    }
                }
                Ok(Value::Array(out))
            }
            "MSET" => Ok(Value::Okay),
            name => {
                let mut total = 0i64;
                for reply in &replies {
                    match reply {
                        Value::Int(n) => total = total.saturating_add(*n),
                        other => return Err(unexpected(name, other)),
                    }
                }
                Ok(Value::Int(total))
            }
        }
    }
}

/// An error reply as an error.
fn error_of(v: &Value) -> Option<Error> {
    match v {
        Value::Error(e) | Value::BulkError(e) => Some(Error::Server(e.clone())),
        _ => None,
    }
}

fn unexpected(what: &str, reply: &Value) -> Error {
    Error::Protocol(crate::error::ProtocolError::Unexpected(format!(
        "{what} split per slot: a part answered {}",
        reply.type_name()
    )))
}

impl Combine {
    /// Combines each primary's reply (or error).
    pub(crate) fn apply(self, replies: Vec<Result<Value>>) -> Result<Value> {
        if let Combine::OneSucceeded = self {
            let mut first_error = None;
            for r in replies {
                match r {
                    Ok(v) if error_of(&v).is_none() => return Ok(v),
                    Ok(v) => first_error = first_error.or_else(|| error_of(&v)),
                    Err(e) => first_error = first_error.or(Some(e)),
                }
            }
            return Err(first_error.unwrap_or_else(|| Error::invalid("cluster", "no primaries")));
        }
        let mut values = Vec::with_capacity(replies.len());
        for r in replies {
            let v = r?;
            if let Some(e) = error_of(&v) {
                return Err(e);
            }
            values.push(v);
        }
        let mut it = values.into_iter();
        let Some(first) = it.next() else {
            return Err(Error::invalid("cluster", "no primaries"));
        };
        match self {
            Combine::AllSucceeded | Combine::OneSucceeded => Ok(first),
            Combine::Sum | Combine::Min => {
                let mut acc = int(&first)?;
                for v in it {
                    let n = int(&v)?;
                    acc = match self {
                        Combine::Sum => acc.saturating_add(n),
                        _ => acc.min(n),
                    };
                }
                Ok(Value::Int(acc))
            }
            Combine::LogicalAnd => {
                let mut acc = first;
                for v in it {
                    acc = and(acc, v)?;
                }
                Ok(acc)
            }
            Combine::Concat => match first {
                Value::Array(mut all) => {
                    for v in it {
                        match v {
                            Value::Array(more) => all.extend(more),
                            other => return Err(unexpected("a command for every shard", &other)),
                        }
                    }
                    Ok(Value::Array(all))
                }
                other => Ok(other),
            },
        }
    }
}

fn int(v: &Value) -> Result<i64> {
    match v {
        Value::Int(n) => Ok(*n),
        other => Err(unexpected("a command for every shard", other)),
    }
}

fn and(a: Value, b: Value) -> Result<Value> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Ok(Value::Int(i64::from(x != 0 && y != 0))),
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => Ok(Value::Array(
            x.into_iter()
                .zip(y)
                .map(|(a, b)| and(a, b))
                .collect::<Result<_>>()?,
        )),
        (other, _) => Err(unexpected("a command for every shard", &other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::table::lookup;

    fn frame(args: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        crate::resp::write_command_header(&mut out, args.len());
        for a in args {
            crate::resp::write_bulk(&mut out, a.as_bytes());
        }
        out
    }

    fn route(args: &[&str]) -> Result<Route> {
        Route::of(lookup(args[0].as_bytes()), &frame(args))
    }

    #[test]
    fn the_first_argument_is_read_without_splitting() {
        assert_eq!(first_arg(&frame(&["GET", "foo"])), Some(&b"foo"[..]));
        assert_eq!(first_arg(&frame(&["HSET", "h", "f", "v"])), Some(&b"h"[..]));
        assert_eq!(first_arg(&frame(&["GET", ""])), Some(&b""[..]));
        assert_eq!(first_arg(&frame(&["PING"])), None);
        for bad in [
            &b""[..],
            b"*2\r\n",
            b"*2\r\n$3\r\nGET\r\n$9\r\nfoo\r\n",
            b"+OK\r\n",
        ] {
            assert_eq!(first_arg(bad), None);
        }
        // Same answer as the general path for every first-key command.
        for name in ["GET", "SET", "HGET", "LPUSH", "INCR", "EXPIRE"] {
            let spec = lookup(name.as_bytes());
            assert!(spec.key_is_first_arg(), "{name}");
        }
        for name in ["MGET", "SORT", "EVAL", "OBJECT", "SPUBLISH", "XREAD"] {
            assert!(!lookup(name.as_bytes()).key_is_first_arg(), "{name}");
        }
    }

    /// The general path's slot (the key specifications over the split frame), without the
    /// fast path.
    fn general_slot(spec: &'static CommandSpec, f: &[u8]) -> Option<u16> {
        let args = split_command(f).unwrap_or_default();
        let keys = spec.keys_in(&args);
        keys.positions()
            .first()
            .and_then(|&i| args.get(i))
            .map(|k| slot(k))
    }

    #[test]
    fn the_fast_path_routes_as_the_key_specifications_for_every_command() {
        let mut checked = 0;
        for spec in crate::commands::table::commands() {
            if !spec.key_is_first_arg() {
                continue;
            }
            let arity = spec.arity();
            let min = usize::try_from(arity.unsigned_abs()).unwrap_or(2).max(2);
            // The minimal argument count, and (variadic) a few more.
            let mut counts = vec![min];
            if arity < 0 {
                counts.extend([min + 1, min + 2, min + 5]);
            }
            for argc in counts {
                let mut args: Vec<String> = vec![spec.name().to_string(), "{k1}x".into()];
                for i in 2..argc {
                    args.push(format!("{{other{i}}}"));
                }
                let refs: Vec<&str> = args.iter().map(String::as_str).collect();
                let f = frame(&refs);
                let fast = match Route::of(spec, &f) {
                    Ok(Route::Slot(s)) => Some(s),
                    _ => None,
                };
                assert_eq!(
                    fast,
                    general_slot(spec, &f),
                    "{} with {argc} arguments",
                    spec.name()
                );
                checked += 1;
            }
        }
        assert!(checked > 50, "{checked}");
    }

    #[test]
    fn commands_route_by_their_keys_slot() {
        assert!(matches!(route(&["GET", "foo"]), Ok(Route::Slot(12182))));
        assert!(matches!(
            route(&["MGET", "{a}1", "{a}2"]),
            Ok(Route::Slot(s)) if s == slot(b"a")
        ));
        assert!(matches!(route(&["ECHO", "x"]), Ok(Route::Any)));
        assert!(matches!(
            route(&["PING"]),
            Ok(Route::All(Combine::AllSucceeded))
        ));
        assert!(matches!(route(&["DBSIZE"]), Ok(Route::All(Combine::Sum))));
        assert!(matches!(
            route(&["KEYS", "*"]),
            Ok(Route::All(Combine::Concat))
        ));
        assert!(matches!(
            route(&["SPUBLISH", "foo", "m"]),
            Ok(Route::Slot(12182))
        ));
        let e = route(&["RENAME", "a", "b"]).err().unwrap();
        assert_eq!(e.kind(), ErrorKind::CrossSlot);
        let e = route(&["MSETNX", "a", "1", "b", "2"]).err().unwrap();
        assert_eq!(e.kind(), ErrorKind::CrossSlot);
    }

    #[test]
    fn multi_key_commands_split_per_slot_and_reassemble_in_order() {
        let f = frame(&["MGET", "a", "b", "{a}x", "c"]);
        let Ok(Route::Split(split)) = Route::of(lookup(b"MGET"), &f) else {
            panic!("MGET over slots splits");
        };
        let (encoded, metas) = split.batch(&f).unwrap();
        assert_eq!(metas.len(), 3);
        let first = split_command(&encoded[..metas[0].end]).unwrap();
        assert_eq!(first, vec![&b"MGET"[..], b"a", b"{a}x"]);
        let bulk = |s: &str| Value::BulkString(s.as_bytes().to_vec());
        let replies = vec![
            Value::Array(vec![bulk("A"), bulk("AX")]),
            Value::Array(vec![Value::Nil]),
            Value::Array(vec![bulk("C")]),
        ];
        assert_eq!(
            split.combine(replies).unwrap(),
            Value::Array(vec![bulk("A"), Value::Nil, bulk("AX"), bulk("C")])
        );
        // A part of the wrong shape is an error, not a panic.
        assert!(split.combine(vec![Value::Int(1)]).is_err());

        let f = frame(&["MSET", "a", "1", "b", "2"]);
        let Ok(Route::Split(split)) = Route::of(lookup(b"MSET"), &f) else {
            panic!("MSET over slots splits");
        };
        let (encoded, metas) = split.batch(&f).unwrap();
        assert_eq!(
            split_command(&encoded[metas[0].end..metas[1].end]).unwrap(),
            vec![&b"MSET"[..], b"b", b"2"]
        );
        let f = frame(&["DEL", "a", "b"]);
        let Ok(Route::Split(split)) = Route::of(lookup(b"DEL"), &f) else {
            panic!("DEL over slots splits");
        };
        assert_eq!(
            split.combine(vec![Value::Int(1), Value::Int(0)]).unwrap(),
            Value::Int(1)
        );
    }

    #[test]
    fn every_shard_replies_combine_as_the_table_says() {
        let ok = |v: Value| Ok(v);
        assert_eq!(
            Combine::Sum
                .apply(vec![ok(Value::Int(2)), ok(Value::Int(3))])
                .unwrap(),
            Value::Int(5)
        );
        assert!(
            Combine::AllSucceeded
                .apply(vec![ok(Value::Okay), Err(Error::Closed)])
                .is_err()
        );
        assert_eq!(
            Combine::Concat
                .apply(vec![
                    ok(Value::Array(vec![Value::Int(1)])),
                    ok(Value::Array(vec![Value::Int(2)]))
                ])
                .unwrap(),
            Value::Array(vec![Value::Int(1), Value::Int(2)])
        );
        assert!(Combine::Sum.apply(vec![ok(Value::Nil)]).is_err());
    }
}
