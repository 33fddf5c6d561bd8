//! The scenarios: each measures redisync against a contender and prints one line.

use std::hint::black_box;
use std::io::{Read, Write};
use std::net::TcpStream;

use redis::IntoConnectionInfo;
use redisync::resp::{Decoder, Limits};

use crate::alloc::allocations;
use crate::measure::{Plan, Unit, compare, report};

const CLIENTS: (&str, &str) = ("redisync", "redis-rs");
pub const KEY_16: &str = "redisync-bench:16";
const KEY_100K: &str = "redisync-bench:100k";
const KEY_SET_16: &str = "redisync-bench:set16";
const KEY_SET_100K: &str = "redisync-bench:set100k";
/// The raw scenario's key: its request is pre-encoded by hand.
const KEY_RAW: &str = "k";
const RAW_REQUEST: &[u8] = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
pub const PIPELINE_LEN: usize = 1000;

/// One connection of each client to the same server.
pub struct Clients {
    pub ours: redisync::Connection,
    pub theirs: redis::Connection,
    url: String,
    value_16: Vec<u8>,
    value_100k: Vec<u8>,
}

impl Clients {
    /// Connects both clients and stores the values the GET scenarios read.
    pub fn connect(url: &str) -> Result<Clients, String> {
        let mut ours = redisync::Connection::open(url).map_err(|e| format!("redisync: {e}"))?;
        let theirs = redis_rs_client(url)?
            .get_connection()
            .map_err(|e| format!("redis-rs: {e}"))?;
        let value_16 = pattern(16);
        let value_100k = pattern(100 * 1024);
        use redisync::StringCommands as _;
        for (k, v) in [
            (KEY_16, &value_16),
            (KEY_100K, &value_100k),
            (KEY_RAW, &value_16),
        ] {
            ours.set(k, v).map_err(|e| format!("SET {k}: {e}"))?;
        }
        Ok(Clients {
            ours,
            theirs,
            url: url.to_string(),
            value_16,
            value_100k,
        })
    }
}

/// A `redis` crate client for `url` with `TCP_NODELAY` on: redis-rs leaves Nagle on by
/// default, redisync turns it off; compare like with like.
pub fn redis_rs_client(url: &str) -> Result<redis::Client, String> {
    let info = url
        .into_connection_info()
        .map_err(|e| format!("redis-rs: {e}"))?
        .set_tcp_settings(redis::io::tcp::TcpSettings::default().set_nodelay(true));
    redis::Client::open(info).map_err(|e| format!("redis-rs: {e}"))
}

/// `n` printable bytes.
fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| b'a' + (i % 26) as u8).collect()
}

/// a. Decoding a ~1 MB buffer of mixed replies, no I/O.
pub fn decode_mixed(plan: Plan) {
    let (buf, values) = mixed_replies(1 << 20);
    let limits = Limits::default();
    // Both decoders must see every value, once, before anything is timed.
    assert_eq!(decode_ours(&buf, &limits), values, "redisync value count");
    assert_eq!(decode_theirs(&buf, values), values, "redis-rs value count");
    let rates = compare(
        plan,
        &mut || assert_eq!(decode_ours(black_box(&buf), &limits), values),
        &mut || assert_eq!(decode_theirs(black_box(&buf), values), values),
    );
    report("decode mixed", CLIENTS, rates, Unit::Bytes(buf.len()));

    // The borrowed decode, every aggregate's items walked, against the owned decoder; it
    // allocates nothing (checked over one whole pass before timing).
    let before = allocations();
    assert_eq!(
        decode_borrowed(&buf, &limits),
        values,
        "decode_ref value count"
    );
    let allocated = allocations() - before;
    assert_eq!(allocated, 0, "decode_ref allocated");
    let rates = compare(
        plan,
        &mut || assert_eq!(decode_borrowed(black_box(&buf), &limits), values),
        &mut || assert_eq!(decode_ours(black_box(&buf), &limits), values),
    );
    crate::measure::report_target(
        "decode borrowed",
        ("borrowed", "owned"),
        rates,
        Unit::Bytes(buf.len()),
        &format!(" ({allocated} allocations a pass)"),
    );
}

/// Decodes the whole buffer with `decode_ref`, walking every aggregate; returns the number of
/// values.
fn decode_borrowed(buf: &[u8], limits: &Limits) -> usize {
    let (mut pos, mut count) = (0, 0);
    while pos < buf.len() {
        match redisync::resp::decode_ref(&buf[pos..], limits) {
            Ok(Some((v, used))) => {
                walk_borrowed(v);
                pos += used;
                count += 1;
            }
            other => panic!("decode_ref at {pos}: {other:?}"),
        }
    }
    count
}

/// Reads every string and integer of a borrowed value, and every element of its aggregates.
fn walk_borrowed(v: redisync::resp::ValueRef<'_>) {
    use redisync::resp::ValueRef;
    match v {
        ValueRef::Array(items) | ValueRef::Set(items) | ValueRef::Push(items) => {
            items.for_each(walk_borrowed)
        }
        ValueRef::Map(pairs) => pairs.for_each(|(k, v)| {
            walk_borrowed(k);
            walk_borrowed(v);
        }),
        ValueRef::Attribute(a) => {
            a.attributes().for_each(|(k, v)| {
                walk_borrowed(k);
                walk_borrowed(v);
            });
            walk_borrowed(a.value());
        }
        other => {
            black_box((other.as_bytes(), other.as_int()));
        }
    }
}

/// `+OK`, an integer, a 16-byte bulk and an array of ten 16-byte bulks, repeated to at least
/// `min_len` bytes; returns the buffer and how many top-level values it holds.
fn mixed_replies(min_len: usize) -> (Vec<u8>, usize) {
    let bulk = b"$16\r\n0123456789abcdef\r\n";
    let mut group = Vec::new();
    group.extend_from_slice(b"+OK\r\n:1234567\r\n");
    group.extend_from_slice(bulk);
    group.extend_from_slice(b"*10\r\n");
    for _ in 0..10 {
        group.extend_from_slice(bulk);
    }
    let mut buf = Vec::with_capacity(min_len + group.len());
    let mut values = 0;
    while buf.len() < min_len {
        buf.extend_from_slice(&group);
        values += 4;
    }
    (buf, values)
}

/// Decodes the whole buffer with one reused [`Decoder`]; returns the number of values.
fn decode_ours(buf: &[u8], limits: &Limits) -> usize {
    let mut decoder = Decoder::new(*limits);
    let (mut pos, mut count) = (0, 0);
    while pos < buf.len() {
        match decoder.decode(&buf[pos..]) {
            Ok((used, Some(v))) => {
                black_box(v);
                pos += used;
                count += 1;
            }
            other => panic!("redisync decode at {pos}: {other:?}"),
        }
    }
    count
}

/// Decodes `expected` values with one `redis::Parser` reading the buffer; returns how many it
/// decoded, after checking nothing is left.
fn decode_theirs(buf: &[u8], expected: usize) -> usize {
    let mut parser = redis::Parser::new();
    let mut reader = buf;
    let mut count = 0;
    for _ in 0..expected {
        match parser.parse_value(&mut reader) {
            Ok(v) => {
                black_box(v);
                count += 1;
            }
            Err(e) => panic!("redis-rs decode of value {count}: {e}"),
        }
    }
    assert!(reader.is_empty(), "redis-rs left input unread");
    count
}

/// Which single-key operation to time.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    Get16,
    Set16,
    Get100k,
    Set100k,
}

impl Op {
    pub fn title(self) -> &'static str {
        match self {
            Op::Get16 => "GET 16B",
            Op::Set16 => "SET 16B",
            Op::Get100k => "GET 100KB",
            Op::Set100k => "SET 100KB",
        }
    }
}

/// One operation with redisync.
fn op_ours(c: &mut redisync::Connection, op: Op, v16: &[u8], v100k: &[u8]) {
    use redisync::StringCommands as _;
    match op {
        Op::Get16 => {
            let v: Option<Vec<u8>> = c.get(KEY_16).expect("redisync GET");
            assert_eq!(v.map(|v| v.len()), Some(16));
        }
        Op::Get100k => {
            let v: Option<Vec<u8>> = c.get(KEY_100K).expect("redisync GET");
            assert_eq!(v.map(|v| v.len()), Some(v100k.len()));
        }
        Op::Set16 => c.set(KEY_SET_16, v16).expect("redisync SET"),
        Op::Set100k => c.set(KEY_SET_100K, v100k).expect("redisync SET"),
    }
}

/// One operation with redis-rs.
fn op_theirs(c: &mut redis::Connection, op: Op, v16: &[u8], v100k: &[u8]) {
    use redis::Commands as _;
    match op {
        Op::Get16 => {
            let v: Option<Vec<u8>> = c.get(KEY_16).expect("redis-rs GET");
            assert_eq!(v.map(|v| v.len()), Some(16));
        }
        Op::Get100k => {
            let v: Option<Vec<u8>> = c.get(KEY_100K).expect("redis-rs GET");
            assert_eq!(v.map(|v| v.len()), Some(v100k.len()));
        }
        Op::Set16 => c.set::<_, _, ()>(KEY_SET_16, v16).expect("redis-rs SET"),
        Op::Set100k => c
            .set::<_, _, ()>(KEY_SET_100K, v100k)
            .expect("redis-rs SET"),
    }
}

/// b. Sequential single-connection operations.
pub fn single(plan: Plan, clients: &mut Clients, op: Op) {
    let Clients {
        ours,
        theirs,
        value_16,
        value_100k,
        ..
    } = clients;
    let rates = compare(
        plan,
        &mut || op_ours(ours, op, value_16, value_100k),
        &mut || op_theirs(theirs, op, value_16, value_100k),
    );
    report(op.title(), CLIENTS, rates, Unit::Ops);
}

/// c. One pipeline of 1000 GETs of a 16-byte value per iteration, each built once and reused.
pub fn pipeline(plan: Plan, clients: &mut Clients) {
    let mut ours = redisync::Pipeline::new();
    let mut theirs = redis::pipe();
    for _ in 0..PIPELINE_LEN {
        ours.add(&redisync::cmd("GET").arg(KEY_16));
        theirs.get(KEY_16);
    }
    let (a, b) = (&mut clients.ours, &mut clients.theirs);
    let rates = compare(
        plan,
        &mut || {
            let v: Vec<Option<Vec<u8>>> = ours.query(&mut *a).expect("redisync pipeline");
            assert_eq!(v.len(), PIPELINE_LEN);
        },
        &mut || {
            let v: Vec<Option<Vec<u8>>> = theirs.query(b).expect("redis-rs pipeline");
            assert_eq!(v.len(), PIPELINE_LEN);
        },
    );
    report(
        &format!("pipeline {PIPELINE_LEN} GET"),
        CLIENTS,
        rates,
        Unit::Pipelines,
    );
}

/// d. redisync's GET against a hand-written loop over a bare socket: the floor for one round
/// trip. Needs a server without a password.
pub fn raw(plan: Plan, clients: &mut Clients) {
    let addr = host_port(&clients.url).expect("raw scenario needs a redis://host:port URL");
    let mut socket = TcpStream::connect(&addr).expect("raw connect");
    socket.set_nodelay(true).expect("TCP_NODELAY");
    let mut expected = b"$16\r\n".to_vec();
    expected.extend_from_slice(&clients.value_16);
    expected.extend_from_slice(b"\r\n");
    let mut reply = vec![0u8; expected.len()];
    let mut raw_get = |reply: &mut [u8]| {
        socket.write_all(RAW_REQUEST).expect("raw write");
        let mut got = 0;
        while got < reply.len() {
            match socket.read(&mut reply[got..]) {
                Ok(0) => panic!("raw: server closed the connection"),
                Ok(n) => got += n,
                Err(e) => panic!("raw read: {e}"),
            }
        }
    };
    raw_get(&mut reply);
    assert_eq!(reply, expected, "raw GET reply");
    let ours = &mut clients.ours;
    let rates = compare(
        plan,
        &mut || {
            use redisync::StringCommands as _;
            let v: Option<Vec<u8>> = ours.get(KEY_RAW).expect("redisync GET");
            assert_eq!(v.map(|v| v.len()), Some(16));
        },
        &mut || raw_get(&mut reply),
    );
    report("raw GET 16B", ("redisync", "raw"), rates, Unit::Ops);
}

/// `host:port` of a `redis://` URL (no credentials).
fn host_port(url: &str) -> Option<String> {
    let rest = url.strip_prefix("redis://")?;
    let authority = rest.split(['/', '?']).next()?;
    if authority.contains('@') {
        return None;
    }
    Some(if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:6379")
    })
}

/// e. Allocations per operation in steady state, after a warm-up.
pub fn allocs(clients: &mut Clients, quick: bool) {
    let n = if quick { 2_000 } else { 20_000 };
    for op in [Op::Get16, Op::Set16] {
        let Clients {
            ours,
            theirs,
            value_16,
            value_100k,
            ..
        } = clients;
        let a = per_op(n, &mut || op_ours(ours, op, value_16, value_100k));
        let b = per_op(n, &mut || op_theirs(theirs, op, value_16, value_100k));
        println!(
            "{:<18} | redisync {} | redis-rs {}",
            format!("allocs/op {}", op.title()),
            count(a),
            count(b)
        );
    }
    // The borrowed-reply path: the value copied into a buffer the caller keeps.
    let Clients { ours, .. } = clients;
    let mut buf = Vec::with_capacity(64);
    let a = per_op(n, &mut || {
        assert!(ours.get_into(KEY_16, &mut buf).expect("get_into"));
    });
    println!(
        "{:<18} | redisync {} (get_into, a reused buffer)",
        "allocs/op GET 16B",
        count(a)
    );
}

fn per_op(n: u64, op: &mut dyn FnMut()) -> f64 {
    for _ in 0..1000 {
        op();
    }
    let before = allocations();
    for _ in 0..n {
        op();
    }
    (allocations() - before) as f64 / n as f64
}

/// A whole number as such, anything else with two decimals.
fn count(x: f64) -> String {
    if (x - x.round()).abs() < 0.005 {
        format!("{}", x.round())
    } else {
        format!("{x:.2}")
    }
}
