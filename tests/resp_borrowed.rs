//! The borrowed decoder, `resp::decode_ref`: every type, the accessors and iterators, and
//! agreement with the owned `resp::decode` (same bytes used, same value, same incompleteness,
//! same error) on fixed vectors, on randomly generated valid replies, on every prefix of them,
//! on random corruptions of them, and on random bytes, under default and tiny limits. No sockets.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use redisync::error::ProtocolError;
use redisync::resp::{Limits, Value, ValueRef, decode, decode_ref};

/// The value `decode_ref` gives for exactly these bytes.
fn one(bytes: &[u8]) -> ValueRef<'_> {
    match decode_ref(bytes, &Limits::default()) {
        Ok(Some((v, used))) => {
            assert_eq!(used, bytes.len(), "{:?}", String::from_utf8_lossy(bytes));
            v
        }
        other => panic!("{:?}: {other:?}", String::from_utf8_lossy(bytes)),
    }
}

/// Structural equality in which a double equals itself even when it is NaN.
fn same(a: &Value, b: &Value) -> bool {
    fn all(a: &[Value], b: &[Value]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
    }
    fn pairs(a: &[(Value, Value)], b: &[(Value, Value)]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|((ka, va), (kb, vb))| same(ka, kb) && same(va, vb))
    }
    match (a, b) {
        (Value::Double(x), Value::Double(y)) => x.to_bits() == y.to_bits(),
        (Value::Array(x), Value::Array(y))
        | (Value::Set(x), Value::Set(y))
        | (Value::Push(x), Value::Push(y)) => all(x, y),
        (Value::Map(x), Value::Map(y)) => pairs(x, y),
        (
            Value::Attribute {
                attributes: ax,
                value: vx,
            },
            Value::Attribute {
                attributes: ay,
                value: vy,
            },
        ) => pairs(ax, ay) && same(vx, vy),
        _ => a == b,
    }
}

/// The owned value built through the public iterators and accessors only (recursively, for
/// shallow test values), checking on the way that every iterator's length counts down exactly.
fn walk(v: ValueRef<'_>) -> Value {
    fn list(mut items: redisync::resp::Items<'_>) -> Vec<Value> {
        let mut out = Vec::new();
        let total = items.len();
        while let Some(item) = items.next() {
            out.push(walk(item));
            assert_eq!(items.len(), total - out.len());
        }
        assert_eq!(out.len(), total);
        out
    }
    fn pairs(mut p: redisync::resp::Pairs<'_>) -> Vec<(Value, Value)> {
        let mut out = Vec::new();
        let total = p.len();
        while let Some((k, v)) = p.next() {
            out.push((walk(k), walk(v)));
            assert_eq!(p.len(), total - out.len());
        }
        assert_eq!(out.len(), total);
        out
    }
    match v {
        ValueRef::Nil => Value::Nil,
        ValueRef::SimpleString(b"OK") => Value::Okay,
        ValueRef::SimpleString(s) => Value::SimpleString(s.to_vec()),
        ValueRef::Error(s) => Value::Error(Box::new(redisync::ServerError::parse(s))),
        ValueRef::Int(i) => Value::Int(i),
        ValueRef::BulkString(s) => Value::BulkString(s.to_vec()),
        ValueRef::Array(items) => Value::Array(list(items)),
        ValueRef::Boolean(b) => Value::Boolean(b),
        ValueRef::Double(d) => Value::Double(d),
        ValueRef::BigNumber(n) => Value::BigNumber(n.to_string()),
        ValueRef::BulkError(s) => Value::BulkError(Box::new(redisync::ServerError::parse(s))),
        ValueRef::Verbatim { format, text } => Value::Verbatim {
            format,
            text: text.to_vec(),
        },
        ValueRef::Map(p) => Value::Map(pairs(p)),
        ValueRef::Set(items) => Value::Set(list(items)),
        ValueRef::Attribute(a) => Value::Attribute {
            attributes: pairs(a.attributes()).into_boxed_slice(),
            value: Box::new(walk(a.value())),
        },
        ValueRef::Push(items) => Value::Push(list(items)),
    }
}

/// Both decoders on `buf`: the same outcome, or a panic naming the difference. Returns whether
/// a value was complete.
fn agree(buf: &[u8], limits: &Limits) -> bool {
    let owned = decode(buf, limits);
    let borrowed = decode_ref(buf, limits);
    let show = || format!("{:?} under {limits:?}", String::from_utf8_lossy(buf));
    match (&owned, &borrowed) {
        (Ok(Some((v, n))), Ok(Some((r, m)))) => {
            assert_eq!(n, m, "bytes used for {}", show());
            let via_to_owned = r.to_owned();
            assert!(
                same(v, &via_to_owned),
                "{}:\n  owned    {v:?}\n  to_owned {via_to_owned:?}",
                show()
            );
            let via_walk = walk(r.clone());
            assert!(
                same(v, &via_walk),
                "{}:\n  owned {v:?}\n  walk  {via_walk:?}",
                show()
            );
            assert_eq!(r.type_name(), v.type_name());
            true
        }
        (Ok(None), Ok(None)) => false,
        (Err(a), Err(b)) if a == b => false,
        _ => panic!("{}:\n  owned    {owned:?}\n  borrowed {borrowed:?}", show()),
    }
}

/// `agree` on every prefix of `buf` (the whole included), for each of `limits`.
fn agree_on_every_prefix(buf: &[u8], limits: &[Limits]) {
    for l in limits {
        for cut in 0..=buf.len() {
            agree(&buf[..cut], l);
        }
    }
}

/// A value of every type, nested: the owned decoder's own test vector.
fn kitchen_sink() -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"*11\r\n+OK\r\n:-7\r\n$16\r\nsixteen bytes!!!\r\n");
    out.extend_from_slice(b"%2\r\n$1\r\nk\r\n~2\r\n#t\r\n,2.5\r\n+n\r\n_\r\n");
    out.extend_from_slice(b"=11\r\nmkd:# title\r\n(123456789012345678901234567890\r\n");
    out.extend_from_slice(b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$0\r\n\r\n");
    out.extend_from_slice(b"|1\r\n$1\r\na\r\n:1\r\n*0\r\n");
    out.extend_from_slice(b"-WRONGTYPE Operation against a key\r\n!9\r\nERR oops!\r\n");
    out.extend_from_slice(b"*-1\r\n");
    out
}

#[test]
fn every_type_decodes_borrowed_from_the_buffer() {
    let wire = b"$5\r\nhello\r\n";
    let v = one(wire);
    let bytes = v.as_bytes().unwrap();
    assert_eq!(bytes, b"hello");
    assert_eq!(
        bytes.as_ptr(),
        wire[4..].as_ptr(),
        "a slice of the input, not a copy"
    );

    assert!(matches!(one(b"+OK\r\n"), ValueRef::SimpleString(b"OK")));
    assert!(matches!(one(b"+\r\n"), ValueRef::SimpleString(b"")));
    assert!(matches!(one(b"-ERR no\r\n"), ValueRef::Error(b"ERR no")));
    assert!(matches!(
        one(b":-9223372036854775808\r\n"),
        ValueRef::Int(i64::MIN)
    ));
    assert!(matches!(
        one(b"$4\r\na\r\nb\r\n"),
        ValueRef::BulkString(b"a\r\nb")
    ));
    assert!(matches!(one(b"$0\r\n\r\n"), ValueRef::BulkString(b"")));
    for null in [&b"$-1\r\n"[..], b"*-1\r\n", b"_\r\n"] {
        assert!(one(null).is_null(), "{null:?}");
    }
    assert!(matches!(one(b"#t\r\n"), ValueRef::Boolean(true)));
    assert!(matches!(one(b"#f\r\n"), ValueRef::Boolean(false)));
    assert!(matches!(one(b",-2.5e3\r\n"), ValueRef::Double(d) if d == -2500.0));
    assert!(matches!(one(b",inf\r\n"), ValueRef::Double(d) if d == f64::INFINITY));
    assert!(matches!(one(b",nan\r\n"), ValueRef::Double(d) if d.is_nan()));
    assert!(matches!(
        one(b"(-12345678901234567890\r\n"),
        ValueRef::BigNumber("-12345678901234567890")
    ));
    assert!(matches!(
        one(b"!7\r\nERR bad\r\n"),
        ValueRef::BulkError(b"ERR bad")
    ));
    match one(b"=7\r\ntxt:abc\r\n") {
        ValueRef::Verbatim { format, text } => assert_eq!((&format, text), (b"txt", &b"abc"[..])),
        v => panic!("{v:?}"),
    }
    for (wire, name) in [
        (&b"*2\r\n:1\r\n:2\r\n"[..], "array"),
        (b"~2\r\n:1\r\n:2\r\n", "set"),
        (b">2\r\n:1\r\n:2\r\n", "push"),
        (b"%1\r\n:1\r\n:2\r\n", "map"),
        (b"|1\r\n:1\r\n:2\r\n:3\r\n", "attribute"),
        (b"*0\r\n", "array"),
        (b"%0\r\n", "map"),
    ] {
        assert_eq!(one(wire).type_name(), name);
        assert!(agree(wire, &Limits::default()));
    }
    assert!(agree(&kitchen_sink(), &Limits::default()));
}

#[test]
fn accessors_and_iterators() {
    let wire = b"*4\r\n$3\r\nfoo\r\n*2\r\n:1\r\n:2\r\n%1\r\n+k\r\n=8\r\ntxt:text\r\n:9\r\n";
    let v = one(wire);
    assert_eq!((v.as_bytes(), v.as_int(), v.is_null()), (None, None, false));
    assert!(v.as_pairs().is_none());
    let mut items = v.as_items().unwrap();
    assert_eq!(items.len(), 4);
    let again = items.clone();
    assert_eq!(items.next().unwrap().as_bytes(), Some(&b"foo"[..]));
    // A nested aggregate is skipped whole by its parent's iterator.
    let inner: Vec<i64> = items
        .next()
        .unwrap()
        .as_items()
        .unwrap()
        .map(|v| v.as_int().unwrap())
        .collect();
    assert_eq!(inner, [1, 2]);
    let map = items.next().unwrap();
    let mut pairs = map.as_pairs().unwrap();
    assert_eq!(pairs.len(), 1);
    let (k, val) = pairs.next().unwrap();
    assert_eq!(
        (k.as_bytes(), val.as_bytes()),
        (Some(&b"k"[..]), Some(&b"text"[..]))
    );
    assert!(pairs.next().is_none());
    assert_eq!(items.len(), 1);
    assert_eq!(items.next().unwrap().as_int(), Some(9));
    assert!(items.next().is_none());
    assert!(items.next().is_none(), "fused");
    assert_eq!(again.len(), 4, "a clone keeps its place");
    assert_eq!(again.count(), 4);
    assert!(one(b"~1\r\n:1\r\n").as_items().is_some());
    assert!(one(b">1\r\n:1\r\n").as_items().is_some());
    assert!(one(b"%1\r\n:1\r\n:1\r\n").as_items().is_none());

    let attributed = one(b"|2\r\n+a\r\n:1\r\n+b\r\n:2\r\n$2\r\nhi\r\n");
    let ValueRef::Attribute(a) = attributed.clone() else {
        panic!("{attributed:?}")
    };
    let keys: Vec<&[u8]> = a.attributes().map(|(k, _)| k.as_bytes().unwrap()).collect();
    assert_eq!(keys, [b"a", b"b"]);
    assert_eq!(a.value().as_bytes(), Some(&b"hi"[..]));
    assert_eq!(attributed.into_unattributed().as_bytes(), Some(&b"hi"[..]));
    let nested = one(b"|0\r\n|1\r\n:1\r\n:1\r\n:5\r\n");
    assert_eq!(nested.into_unattributed().as_int(), Some(5));

    let debug = format!("{:?}", one(b"*2\r\n$2\r\nhi\r\n$1\r\n\xff\r\n"));
    assert_eq!(debug, r#"Array([BulkString(b"hi"), BulkString(b"\xff")])"#);
}

#[test]
fn consecutive_replies_in_one_buffer() {
    let mut buf = kitchen_sink();
    buf.extend_from_slice(b"+OK\r\n:1\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n$3\r\nab");
    let limits = Limits::default();
    let (mut pos, mut names) = (0, Vec::new());
    while let Some((v, used)) = decode_ref(&buf[pos..], &limits).unwrap() {
        names.push(v.type_name());
        pos += used;
    }
    assert_eq!(names, ["array", "simple string", "integer", "array"]);
    assert_eq!(
        &buf[pos..],
        b"$3\r\nab",
        "the incomplete reply is left for later"
    );
}

#[test]
fn every_prefix_agrees_and_is_incomplete() {
    let wire = kitchen_sink();
    for cut in 0..wire.len() {
        assert_eq!(
            decode_ref(&wire[..cut], &Limits::default()).map(|o| o.map(|(_, n)| n)),
            Ok(None),
            "cut at {cut}"
        );
    }
    agree_on_every_prefix(&wire, &tiny_limits());
}

/// Limits small enough for short inputs to reach each one, zero included.
fn tiny_limits() -> Vec<Limits> {
    vec![
        Limits::default(),
        Limits::default().max_bulk_len(3),
        Limits::default().max_aggregate_len(1),
        Limits::default().max_depth(0),
        Limits::default().max_depth(1),
        Limits::default().max_line(2),
        Limits::default().max_line(0),
        Limits::default().max_reply_len(0),
        Limits::default().max_reply_len(7),
        Limits::default().max_reply_len(40),
    ]
}

#[test]
fn malformed_and_oversized_frames_give_the_owned_decoders_errors() {
    let cases: &[(&[u8], Limits, ProtocolError)] = &[
        (
            b"?\r\n",
            Limits::default(),
            ProtocolError::UnknownType(b'?'),
        ),
        (b"+a\n", Limits::default(), ProtocolError::MissingCrlf),
        (
            b":12a\r\n",
            Limits::default(),
            ProtocolError::InvalidInteger,
        ),
        (
            b":99999999999999999999\r\n",
            Limits::default(),
            ProtocolError::InvalidInteger,
        ),
        (
            b"$-2\r\n",
            Limits::default(),
            ProtocolError::InvalidLength(-2),
        ),
        (
            b"%-1\r\n",
            Limits::default(),
            ProtocolError::InvalidLength(-1),
        ),
        (
            b"$3\r\nabcd\r\n",
            Limits::default(),
            ProtocolError::MissingCrlf,
        ),
        (b"_x\r\n", Limits::default(), ProtocolError::MissingCrlf),
        (b"#x\r\n", Limits::default(), ProtocolError::InvalidBoolean),
        (
            b",1.2.x\r\n",
            Limits::default(),
            ProtocolError::InvalidDouble,
        ),
        (
            b"(12a\r\n",
            Limits::default(),
            ProtocolError::InvalidBigNumber,
        ),
        (
            b"=2\r\nab\r\n",
            Limits::default(),
            ProtocolError::InvalidVerbatim,
        ),
        (
            b"*2\r\n:1\r\n?",
            Limits::default(),
            ProtocolError::UnknownType(b'?'),
        ),
        (
            b"$10\r\n",
            Limits::default().max_bulk_len(9),
            ProtocolError::BulkTooLarge { len: 10, limit: 9 },
        ),
        (
            b"*3\r\n",
            Limits::default().max_aggregate_len(2),
            ProtocolError::AggregateTooLarge { len: 3, limit: 2 },
        ),
        (
            b"+abcdef",
            Limits::default().max_line(4),
            ProtocolError::LineTooLong { limit: 4 },
        ),
        (
            b"$100\r\n",
            Limits::default().max_reply_len(50),
            ProtocolError::ReplyTooLarge { limit: 50 },
        ),
        (
            b"%50\r\n",
            Limits::default().max_reply_len(300),
            ProtocolError::ReplyTooLarge { limit: 300 },
        ),
        (
            b"*4\r\n:1\r\n:2\r\n:3\r\n:4\r\n",
            Limits::default().max_reply_len(18),
            ProtocolError::ReplyTooLarge { limit: 18 },
        ),
        (
            b"*1\r\n*1\r\n*1\r\n:1\r\n",
            Limits::default().max_depth(2),
            ProtocolError::TooDeep { limit: 2 },
        ),
        (
            b"|0\r\n:1\r\n",
            Limits::default().max_depth(0),
            ProtocolError::TooDeep { limit: 0 },
        ),
    ];
    for (wire, limits, expected) in cases {
        assert_eq!(
            decode_ref(wire, limits).map(|o| o.map(|(_, n)| n)),
            Err(expected.clone()),
            "{:?}",
            String::from_utf8_lossy(wire)
        );
        agree(wire, limits);
    }
    // An empty aggregate at the depth limit is a whole value, as for the owned decoder.
    assert!(agree(b"*1\r\n*0\r\n", &Limits::default().max_depth(1)));
    // A huge announced aggregate with few bytes is only incomplete.
    assert_eq!(
        decode_ref(b"*16777216\r\n:1\r\n", &Limits::default()).map(|o| o.is_some()),
        Ok(false)
    );
}

/// `*1\r\n` `depth` times around `:1`.
fn nested(depth: usize) -> Vec<u8> {
    let mut wire = b"*1\r\n".repeat(depth);
    wire.extend_from_slice(b":1\r\n");
    wire
}

#[test]
fn nesting_is_checked_to_the_limit_without_deep_recursion() {
    assert!(agree(&nested(64), &Limits::default()));
    assert_eq!(
        decode_ref(&nested(65), &Limits::default()).map(|o| o.is_some()),
        Err(ProtocolError::TooDeep { limit: 64 })
    );
    // Past the checker's fixed stack (every 32 levels), and at its edges.
    for depth in [31, 32, 33, 63, 64, 65, 96, 97, 500] {
        let limits = Limits::default().max_depth(depth);
        assert!(agree(&nested(depth), &limits), "{depth}");
        assert!(!agree(&nested(depth + 1), &limits), "{depth}");
        assert_eq!(
            decode_ref(&nested(depth + 1), &limits).map(|o| o.is_some()),
            Err(ProtocolError::TooDeep { limit: depth })
        );
        agree(&nested(depth)[..nested(depth).len() - 1], &limits);
    }
    // A deep value within a large limit: checked, walked and converted without recursion (the
    // owned tree is not built here: dropping one this deep would itself recurse).
    // Walking costs the value's size times its depth (each level skips what it holds), so the
    // walk is shown on a shallower one than the check.
    let depth = 50_000;
    let limits = Limits::default().max_depth(depth);
    let wire = nested(depth);
    assert_eq!(
        decode_ref(&wire, &limits).unwrap().map(|(_, n)| n),
        Some(wire.len())
    );
    assert_eq!(
        decode_ref(&nested(depth + 1), &limits).map(|o| o.is_some()),
        Err(ProtocolError::TooDeep { limit: depth })
    );
    let depth = 2_000;
    let wire = nested(depth);
    let (mut v, used) = decode_ref(&wire, &limits).unwrap().unwrap();
    assert_eq!(used, wire.len());
    let mut levels = 0;
    while let Some(mut items) = v.as_items() {
        assert_eq!(items.len(), 1);
        v = items.next().unwrap();
        levels += 1;
    }
    assert_eq!((levels, v.as_int()), (depth, Some(1)));
}

/// A small deterministic generator (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, from: &[&'a [u8]]) -> &'a [u8] {
        from[self.below(from.len())]
    }
    /// Bytes for a line: no CR or LF.
    fn line(&mut self) -> Vec<u8> {
        let len = self.below(8);
        (0..len)
            .map(|_| {
                loop {
                    let b = self.next() as u8;
                    if b != b'\r' && b != b'\n' {
                        break b;
                    }
                }
            })
            .collect()
    }
    /// Binary-safe payload, CRLF and all.
    fn payload(&mut self) -> Vec<u8> {
        let len = self.below(12);
        (0..len)
            .map(|_| {
                *self
                    .pick(&[b"a", b"\r", b"\n", b"\xff", b"0", b" "])
                    .first()
                    .unwrap()
            })
            .collect()
    }
}

/// Appends one random valid RESP value, nested up to `depth` more levels.
fn gen_value(rng: &mut Rng, out: &mut Vec<u8>, depth: usize) {
    // Half aggregates while nesting is allowed, so values are trees, not mostly scalars.
    let kind = if depth > 0 && rng.below(2) == 0 {
        13 + rng.below(6)
    } else {
        rng.below(13)
    };
    let header = |out: &mut Vec<u8>, ty: u8, n: usize| {
        out.push(ty);
        out.extend_from_slice(n.to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
    };
    match kind {
        0 => {
            out.push(b'+');
            out.extend(rng.line());
            out.extend_from_slice(b"\r\n");
        }
        1 => {
            out.extend_from_slice(rng.pick(&[b"-ERR ", b"-WRONGTYPE ", b"-MOVED 1 h:1 ", b"-"]));
            out.extend(rng.line());
            out.extend_from_slice(b"\r\n");
        }
        2 => {
            let n = match rng.below(4) {
                0 => i64::MIN,
                1 => i64::MAX,
                _ => rng.next() as i64 >> rng.below(64),
            };
            out.extend_from_slice(format!(":{n}\r\n").as_bytes());
        }
        3 | 9 => {
            let body = rng.payload();
            header(out, if rng.below(2) == 0 { b'$' } else { b'!' }, body.len());
            out.extend(body);
            out.extend_from_slice(b"\r\n");
        }
        4 => out.extend_from_slice(b"$-1\r\n"),
        5 => out.extend_from_slice(b"_\r\n"),
        6 => out.extend_from_slice(rng.pick(&[b"#t\r\n", b"#f\r\n"])),
        7 => {
            out.push(b',');
            out.extend_from_slice(rng.pick(&[
                b"1.5", b"-0", b"0", b"inf", b"-inf", b"+inf", b"nan", b"-nan", b"1e300",
                b"-2.5E-3", b"3", b"1e999",
            ]));
            out.extend_from_slice(b"\r\n");
        }
        8 => {
            out.extend_from_slice(rng.pick(&[b"(", b"(-", b"(+"]));
            out.extend_from_slice((rng.next() as u128 * 1_000_003).to_string().as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        10 => {
            let text = rng.payload();
            header(out, b'=', text.len() + 4);
            out.extend_from_slice(rng.pick(&[b"txt:", b"mkd:", b"\r\n\r:"]));
            out.extend(text);
            out.extend_from_slice(b"\r\n");
        }
        11 => out.extend_from_slice(b"*-1\r\n"),
        12 => out.extend_from_slice(b"+OK\r\n"),
        kind => {
            let n = rng.below(5);
            let (ty, elements) = match kind {
                13 | 14 => (b'*', n),
                15 => (b'~', n),
                16 => (b'>', n),
                17 => (b'%', 2 * n),
                _ => (b'|', 2 * n + 1),
            };
            header(out, ty, n);
            for _ in 0..elements {
                gen_value(rng, out, depth - 1);
            }
        }
    }
}

/// Random limits around the sizes of the generated values.
fn random_limits(rng: &mut Rng) -> Limits {
    Limits::default()
        .max_bulk_len(rng.below(14))
        .max_aggregate_len(rng.below(6))
        .max_depth(rng.below(5))
        .max_line(rng.below(24))
        .max_reply_len(rng.below(300))
}

#[test]
fn random_replies_their_prefixes_and_corruptions_agree_with_the_owned_decoder() {
    let mut rng = Rng(0x5eed_0011);
    let alphabet = b"+-:$*_#,(!=%~|>0123456789\r\nxtf";
    let (mut complete, mut values, mut sizes) = (0, 0, 0);
    for round in 0..1000 {
        let mut wire = Vec::new();
        gen_value(&mut rng, &mut wire, 4);
        let len = wire.len();
        sizes += len;
        if round % 3 == 0 {
            gen_value(&mut rng, &mut wire, 2); // a next reply after it
        }
        // Whole: a value, using exactly its own bytes.
        assert!(agree(&wire, &Limits::default()));
        assert_eq!(
            decode_ref(&wire, &Limits::default()).unwrap().unwrap().1,
            len
        );
        values += 1;
        let limits = [Limits::default(), random_limits(&mut rng)];
        agree_on_every_prefix(&wire, &limits);
        for _ in 0..20 {
            let mut bad = wire.clone();
            let at = rng.below(bad.len());
            match rng.below(3) {
                0 => bad[at] = alphabet[rng.below(alphabet.len())],
                1 => {
                    bad.remove(at);
                }
                _ => bad.insert(at, alphabet[rng.below(alphabet.len())]),
            }
            for l in &limits {
                complete += usize::from(agree(&bad, l));
            }
        }
    }
    println!("{values} values, {sizes} bytes, {complete} corruptions decoded");
    // The corruptions are a mix, not all errors.
    assert!(
        values == 1000 && complete > 1000,
        "{complete} corruptions decoded"
    );
}

#[test]
fn random_bytes_agree_with_the_owned_decoder() {
    let mut rng = Rng(0xbad_b17e5);
    let alphabet = b"+-:$*_#,(!=%~|>0123456789\r\n-tfinax";
    for _ in 0..20_000 {
        let len = rng.below(40);
        let buf: Vec<u8> = (0..len)
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        agree(&buf, &Limits::default().max_depth(8));
        let limits = random_limits(&mut rng);
        agree(&buf, &limits);
    }
}
