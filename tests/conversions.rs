//! Replies made of key-value pairs into one Rust type on RESP2 and RESP3 alike, against a real
//! server: each test first pins down the shape each protocol really sends (flat array, map, or
//! array of pairs), then converts the same reply into `Vec<(K, V)>`, `HashMap` and `BTreeMap`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients;
mod support;

use clients::per_protocol;

use std::collections::{BTreeMap, HashMap};

use redisync::{Connection, Error, ErrorKind, FromValue, Protocol, Value};
use support::RedisServer;

/// Runs a command given as one whitespace-separated line, through `redisync::cmd`, converting
/// the reply into `T`.
#[track_caller]
fn q<T: FromValue>(c: &mut Connection, line: &str) -> T {
    match try_q(c, line) {
        Ok(v) => v,
        Err(e) => panic!("{line} on {:?}: {e}", c.protocol()),
    }
}

fn try_q<T: FromValue>(c: &mut Connection, line: &str) -> redisync::Result<T> {
    let mut words = line.split_whitespace();
    let mut cmd = redisync::cmd(words.next().expect("a command"));
    for w in words {
        cmd.push(w);
    }
    cmd.query::<T>(c)
}

/// The shape of a reply, as far as lists of pairs go.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Shape {
    Nil,
    Empty,
    /// `[k1, v1, k2, v2]`
    Flat,
    /// `{k1: v1, k2: v2}`
    Map,
    /// `[[k1, v1], [k2, v2]]`
    Pairs,
}

fn shape(v: &Value) -> Shape {
    match v {
        Value::Nil => Shape::Nil,
        Value::Map(m) if m.is_empty() => Shape::Empty,
        Value::Map(_) => Shape::Map,
        Value::Array(a) if a.is_empty() => Shape::Empty,
        Value::Array(a)
            if a.iter()
                .all(|e| matches!(e, Value::Array(p) if p.len() == 2)) =>
        {
            Shape::Pairs
        }
        Value::Array(a) if a.iter().all(|e| !matches!(e, Value::Array(_))) => Shape::Flat,
        other => panic!("not a list of pairs: {other:?}"),
    }
}

/// Checks the shape the server really sends on this connection's protocol: the conversions
/// below are only worth something if the two protocols differ where we say they do.
#[track_caller]
fn assert_shape(c: &mut Connection, line: &str, resp2: Shape, resp3: Shape) {
    let raw: Value = q(c, line);
    let expected = match c.protocol() {
        Protocol::Resp2 => resp2,
        _ => resp3,
    };
    assert_eq!(
        shape(&raw),
        expected,
        "{line} on {:?}: {raw:?}",
        c.protocol()
    );
}

fn pairs<V: Clone>(items: &[(&str, V)]) -> Vec<(String, V)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn strings(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The same list as a `HashMap` and a `BTreeMap`, converted from the same command.
#[track_caller]
fn assert_maps_too<V>(c: &mut Connection, line: &str, expected: &[(String, V)])
where
    V: FromValue + PartialEq + std::fmt::Debug + Clone,
{
    let hash: HashMap<String, V> = q(c, line);
    let tree: BTreeMap<String, V> = q(c, line);
    let want: HashMap<String, V> = expected.iter().cloned().collect();
    assert_eq!(hash, want, "{line} on {:?}", c.protocol());
    assert_eq!(
        tree,
        expected.iter().cloned().collect::<BTreeMap<_, _>>(),
        "{line} on {:?}",
        c.protocol()
    );
}

fn setup_zsets(c: &mut Connection) {
    q::<()>(c, "DEL z z2 missing");
    q::<()>(c, "ZADD z 1 a 2.5 b +inf c -inf d");
    q::<()>(c, "ZADD z2 3 a 4 x");
}

#[test]
fn zrange_and_zrangebyscore_with_scores() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        setup_zsets(&mut c);
        let all = pairs(&[
            ("d", f64::NEG_INFINITY),
            ("a", 1.0),
            ("b", 2.5),
            ("c", f64::INFINITY),
        ]);
        for line in [
            "ZRANGE z 0 -1 WITHSCORES",
            "ZRANGEBYSCORE z -inf +inf WITHSCORES",
            "ZRANGE z -inf +inf BYSCORE WITHSCORES",
        ] {
            assert_shape(&mut c, line, Shape::Flat, Shape::Pairs);
            let list: Vec<(String, f64)> = q(&mut c, line);
            assert_eq!(list, all, "{line} on {:?}", c.protocol());
            assert_maps_too(&mut c, line, &all);
            let some: Option<Vec<(String, f64)>> = q(&mut c, line);
            assert_eq!(some.as_ref(), Some(&all));
        }
        // Infinite scores arrive as `inf`/`-inf` text on RESP2 and as doubles on RESP3.
        let ends: Vec<(String, f64)> = q(&mut c, "ZRANGE z 0 -1 WITHSCORES");
        assert_eq!(ends[0].1, f64::NEG_INFINITY);
        assert_eq!(ends[3].1, f64::INFINITY);
        let top: Vec<(String, f64)> = q(&mut c, "ZREVRANGE z 0 0 WITHSCORES");
        assert_eq!(top, pairs(&[("c", f64::INFINITY)]));
        let score: f64 = q(&mut c, "ZSCORE z d");
        assert_eq!(score, f64::NEG_INFINITY);
        // The members alone stay a plain list.
        let members: Vec<String> = q(&mut c, "ZRANGE z 0 -1");
        assert_eq!(members, ["d", "a", "b", "c"]);
    }
}

#[test]
fn zunion_zinter_and_zrandmember_with_scores() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        setup_zsets(&mut c);
        let union = pairs(&[
            ("d", f64::NEG_INFINITY),
            ("b", 2.5),
            ("a", 4.0),
            ("x", 4.0),
            ("c", f64::INFINITY),
        ]);
        let line = "ZUNION 2 z z2 WITHSCORES";
        assert_shape(&mut c, line, Shape::Flat, Shape::Pairs);
        assert_eq!(q::<Vec<(String, f64)>>(&mut c, line), union);
        assert_maps_too(&mut c, line, &union);

        let line = "ZINTER 2 z z2 WITHSCORES";
        assert_shape(&mut c, line, Shape::Flat, Shape::Pairs);
        let inter = pairs(&[("a", 4.0)]);
        assert_eq!(q::<Vec<(String, f64)>>(&mut c, line), inter);
        assert_maps_too(&mut c, line, &inter);

        // ZRANDMEMBER picks at random: check what it picked against the set.
        let z: HashMap<String, f64> = q(&mut c, "ZRANGE z 0 -1 WITHSCORES");
        let line = "ZRANDMEMBER z 2 WITHSCORES";
        assert_shape(&mut c, line, Shape::Flat, Shape::Pairs);
        let picked: Vec<(String, f64)> = q(&mut c, line);
        assert_eq!(picked.len(), 2);
        assert_ne!(
            picked[0].0, picked[1].0,
            "a positive count picks distinct members"
        );
        for (m, s) in &picked {
            assert_eq!(z[m], *s, "{m}");
        }
        // A negative count may repeat members; a count as large as the set picks all of it.
        let repeated: Vec<(String, f64)> = q(&mut c, "ZRANDMEMBER z -7 WITHSCORES");
        assert_eq!(repeated.len(), 7);
        assert!(repeated.iter().all(|(m, s)| z[m] == *s));
        let whole: HashMap<String, f64> = q(&mut c, "ZRANDMEMBER z 4 WITHSCORES");
        assert_eq!(whole, z);
        let whole: BTreeMap<String, f64> = q(&mut c, "ZRANDMEMBER z 10 WITHSCORES");
        assert_eq!(whole.len(), 4);
        // Without a count, one member (or nil).
        let one: Option<String> = q(&mut c, "ZRANDMEMBER z");
        assert!(z.contains_key(&one.unwrap()));
        assert_eq!(q::<Option<String>>(&mut c, "ZRANDMEMBER missing"), None);
    }
}

#[test]
fn zpopmin_and_zpopmax_with_and_without_a_count() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        let reset = |c: &mut Connection| {
            q::<()>(c, "DEL p");
            q::<()>(c, "ZADD p 1 a 2 b 3 c +inf top");
        };
        // What each protocol really sends: without a count a flat [member, score] on both; with
        // one (even 1) flat pairs on RESP2 and an array of pairs on RESP3.
        for (line, resp3) in [
            ("ZPOPMIN p", Shape::Flat),
            ("ZPOPMAX p", Shape::Flat),
            ("ZPOPMIN p 1", Shape::Pairs),
            ("ZPOPMIN p 2", Shape::Pairs),
            ("ZPOPMAX p 2", Shape::Pairs),
        ] {
            reset(&mut c);
            assert_shape(&mut c, line, Shape::Flat, resp3);
        }

        // Without a count: one pair, as a tuple, an Option of one, or a list of one.
        reset(&mut c);
        let min: (String, f64) = q(&mut c, "ZPOPMIN p");
        assert_eq!(min, ("a".to_string(), 1.0));
        let max: Option<(String, f64)> = q(&mut c, "ZPOPMAX p");
        assert_eq!(max, Some(("top".to_string(), f64::INFINITY)));
        let list: Vec<(String, f64)> = q(&mut c, "ZPOPMIN p");
        assert_eq!(list, pairs(&[("b", 2.0)]));
        let map: HashMap<String, f64> = q(&mut c, "ZPOPMAX p");
        assert_eq!(map, HashMap::from([("c".to_string(), 3.0)]));
        // Now empty: ZPOPMIN replies [] on both protocols.
        assert_shape(&mut c, "ZPOPMIN p", Shape::Empty, Shape::Empty);
        assert_eq!(q::<Option<(String, f64)>>(&mut c, "ZPOPMIN p"), None);
        assert_eq!(q::<Option<(String, f64)>>(&mut c, "ZPOPMAX p"), None);
        assert!(q::<Vec<(String, f64)>>(&mut c, "ZPOPMIN p").is_empty());
        let e = try_q::<(String, f64)>(&mut c, "ZPOPMIN p").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion, "{e}");

        // With a count.
        reset(&mut c);
        let two: Vec<(String, f64)> = q(&mut c, "ZPOPMIN p 2");
        assert_eq!(two, pairs(&[("a", 1.0), ("b", 2.0)]));
        let one: Vec<(String, f64)> = q(&mut c, "ZPOPMAX p 1");
        assert_eq!(one, pairs(&[("top", f64::INFINITY)]));
        let rest: BTreeMap<String, f64> = q(&mut c, "ZPOPMAX p 5");
        assert_eq!(rest, BTreeMap::from([("c".to_string(), 3.0)]));
        reset(&mut c);
        let all: HashMap<String, f64> = q(&mut c, "ZPOPMIN p 10");
        assert_eq!(all.len(), 4);
        assert_eq!(all["top"], f64::INFINITY);
        assert!(q::<Vec<(String, f64)>>(&mut c, "ZPOPMIN p 2").is_empty());
        assert!(q::<HashMap<String, f64>>(&mut c, "ZPOPMAX p 2").is_empty());
    }
}

#[test]
fn hgetall_and_hrandfield_with_values() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        q::<()>(&mut c, "DEL h missing");
        q::<()>(&mut c, "HSET h f1 v1 f2 v2 f3 3");
        let all = strings(&[("f1", "v1"), ("f2", "v2"), ("f3", "3")]);

        assert_shape(&mut c, "HGETALL h", Shape::Flat, Shape::Map);
        // A small hash keeps insertion order (listpack), on both protocols.
        let list: Vec<(String, String)> = q(&mut c, "HGETALL h");
        assert_eq!(list, all);
        assert_maps_too(&mut c, "HGETALL h", &all);
        let bytes: Vec<(Vec<u8>, Vec<u8>)> = q(&mut c, "HGETALL h");
        assert_eq!(bytes[0], (b"f1".to_vec(), b"v1".to_vec()));
        let mixed: Vec<(String, Value)> = q(&mut c, "HGETALL h");
        assert_eq!(mixed[2].1, Value::BulkString(b"3".to_vec()));

        let line = "HRANDFIELD h 2 WITHVALUES";
        assert_shape(&mut c, line, Shape::Flat, Shape::Pairs);
        let picked: Vec<(String, String)> = q(&mut c, line);
        assert_eq!(picked.len(), 2);
        assert!(picked.iter().all(|p| all.contains(p)), "{picked:?}");
        let repeated: Vec<(String, String)> = q(&mut c, "HRANDFIELD h -5 WITHVALUES");
        assert_eq!(repeated.len(), 5);
        assert!(repeated.iter().all(|p| all.contains(p)), "{repeated:?}");
        assert_maps_too(&mut c, "HRANDFIELD h 3 WITHVALUES", &all);
        // Values converted on the way: f3 is a number.
        let e = try_q::<HashMap<String, i64>>(&mut c, "HGETALL h").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion, "{e}");

        // A missing key: an empty array on RESP2, an empty map (HGETALL) on RESP3.
        for line in ["HGETALL missing", "HRANDFIELD missing 2 WITHVALUES"] {
            assert_shape(&mut c, line, Shape::Empty, Shape::Empty);
            assert!(q::<Vec<(String, String)>>(&mut c, line).is_empty());
            assert!(q::<HashMap<String, String>>(&mut c, line).is_empty());
            assert!(q::<BTreeMap<String, String>>(&mut c, line).is_empty());
            assert_eq!(
                q::<Option<Vec<(String, String)>>>(&mut c, line),
                Some(vec![])
            );
        }
        assert_eq!(q::<Option<String>>(&mut c, "HRANDFIELD missing"), None);
    }
}

#[test]
fn config_get() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        assert_shape(&mut c, "CONFIG GET maxmemory*", Shape::Flat, Shape::Map);
        let map: HashMap<String, String> = q(&mut c, "CONFIG GET maxmemory*");
        assert_eq!(map["maxmemory"], "0");
        assert_eq!(map["maxmemory-policy"], "noeviction");
        let list: Vec<(String, String)> = q(&mut c, "CONFIG GET maxmemory*");
        assert_eq!(list.len(), map.len());
        assert!(list.iter().all(|(k, v)| map[k] == *v));
        let tree: BTreeMap<String, String> = q(&mut c, "CONFIG GET maxmemory*");
        assert_eq!(tree.len(), map.len());
        // Several parameters at once (Redis 7.0 and later; 6.2 takes one pattern), values
        // converted.
        if server.version() >= (7, 0, 0) {
            let two: HashMap<String, u64> = q(&mut c, "CONFIG GET port maxclients");
            assert_eq!(two["port"], u64::from(server.port()));
            assert!(two["maxclients"] > 0);
        } else {
            let one: HashMap<String, u64> = q(&mut c, "CONFIG GET port");
            assert_eq!(one["port"], u64::from(server.port()));
        }
        // No such parameter.
        assert_shape(
            &mut c,
            "CONFIG GET no-such-param",
            Shape::Empty,
            Shape::Empty,
        );
        assert!(q::<HashMap<String, String>>(&mut c, "CONFIG GET no-such-param").is_empty());
        assert!(q::<Vec<(String, String)>>(&mut c, "CONFIG GET no-such-param").is_empty());
    }
}

type Fields = Vec<(String, String)>;
type Entries = Vec<(String, Fields)>;
/// Entries with their fields as maps.
type EntryMaps = Vec<(String, HashMap<String, String>)>;

#[test]
fn xrange_and_xread() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        q::<()>(&mut c, "DEL s t missing");
        q::<()>(&mut c, "XADD s 1-1 f v g w");
        q::<()>(&mut c, "XADD s 2-1 f v2");
        q::<()>(&mut c, "XADD t 3-1 h x");
        let s_entries: Entries = vec![
            ("1-1".into(), strings(&[("f", "v"), ("g", "w")])),
            ("2-1".into(), strings(&[("f", "v2")])),
        ];
        let t_entries: Entries = vec![("3-1".into(), strings(&[("h", "x")]))];

        // XRANGE: [[id, [f, v, ...]], ...] on both protocols.
        assert_shape(&mut c, "XRANGE s - +", Shape::Pairs, Shape::Pairs);
        assert_eq!(q::<Entries>(&mut c, "XRANGE s - +"), s_entries);
        let maps: EntryMaps = q(&mut c, "XRANGE s - +");
        assert_eq!(maps[0].1["g"], "w");
        let by_id: BTreeMap<String, Fields> = q(&mut c, "XRANGE s - +");
        assert_eq!(by_id["2-1"], strings(&[("f", "v2")]));
        let rev: Entries = q(&mut c, "XREVRANGE s + - COUNT 1");
        assert_eq!(rev, s_entries[1..]);
        assert_shape(&mut c, "XRANGE missing - +", Shape::Empty, Shape::Empty);
        assert!(q::<Entries>(&mut c, "XRANGE missing - +").is_empty());

        // XREAD: [[stream, entries], ...] on RESP2, a map stream -> entries on RESP3.
        let line = "XREAD STREAMS s t 0 0";
        assert_shape(&mut c, line, Shape::Pairs, Shape::Map);
        let list: Vec<(String, Entries)> = q(&mut c, line);
        assert_eq!(
            list,
            [
                ("s".to_string(), s_entries.clone()),
                ("t".to_string(), t_entries.clone())
            ]
        );
        let map: HashMap<String, Entries> = q(&mut c, line);
        assert_eq!(map["s"], s_entries);
        assert_eq!(map["t"], t_entries);
        let nested_maps: HashMap<String, EntryMaps> = q(&mut c, line);
        assert_eq!(nested_maps["s"][0].1["f"], "v");
        let tree: BTreeMap<String, Entries> = q(&mut c, "XREAD COUNT 1 STREAMS s 1-1");
        assert_eq!(tree["s"], s_entries[1..]);

        // Nothing to read: nil on both protocols.
        let line = "XREAD STREAMS missing 0";
        assert_shape(&mut c, line, Shape::Nil, Shape::Nil);
        assert!(q::<Vec<(String, Entries)>>(&mut c, line).is_empty());
        assert!(q::<HashMap<String, Entries>>(&mut c, line).is_empty());
        assert_eq!(q::<Option<HashMap<String, Entries>>>(&mut c, line), None);
        let line = "XREAD STREAMS s $";
        assert_eq!(q::<Option<Vec<(String, Entries)>>>(&mut c, line), None);
    }
}

#[test]
fn wrong_shapes_and_nested_errors_from_a_script() {
    let server = RedisServer::start();
    for mut c in per_protocol(server.port()) {
        // An odd number of elements: a conversion error, not a panic.
        let line = "EVAL return{'a','1','b'} 0";
        for e in [
            try_q::<Vec<(String, String)>>(&mut c, line).unwrap_err(),
            try_q::<HashMap<String, String>>(&mut c, line).unwrap_err(),
            try_q::<BTreeMap<String, String>>(&mut c, line).unwrap_err(),
        ] {
            assert_eq!(e.kind(), ErrorKind::Conversion, "{e}");
            assert!(e.to_string().contains("odd length"), "{e}");
        }
        // Mixed shapes.
        let line = "EVAL return{{'a','1'},'b','2'} 0";
        let e = try_q::<Vec<(String, String)>>(&mut c, line).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion, "{e}");
        // An error reply inside the list stays the server's error, in either shape.
        for line in [
            "EVAL return{'a',redis.error_reply('WRONGTYPE\\32inner')} 0",
            "EVAL return{{'a','1'},redis.error_reply('WRONGTYPE\\32inner')} 0",
        ] {
            let e = try_q::<Vec<(String, String)>>(&mut c, line).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::WrongType, "{line}: {e}");
            assert!(matches!(e, Error::Server(_)), "{e:?}");
            let e = try_q::<HashMap<String, String>>(&mut c, line).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::WrongType, "{line}: {e}");
        }
    }
}
