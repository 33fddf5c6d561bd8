//! The protocol layer on its own: decode vectors for every RESP2/RESP3 type, partial input,
//! limits and malformed frames. No sockets.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use redisync::ErrorKind;
use redisync::error::ProtocolError;
use redisync::resp::{Decoder, Limits, Value, decode};

fn bulk(s: &str) -> Value {
    Value::BulkString(s.as_bytes().to_vec())
}

fn one(bytes: &[u8]) -> Value {
    match decode(bytes, &Limits::default()) {
        Ok(Some((v, used))) => {
            assert_eq!(
                used,
                bytes.len(),
                "consumed count for {:?}",
                String::from_utf8_lossy(bytes)
            );
            v
        }
        other => panic!("{:?}: {other:?}", String::from_utf8_lossy(bytes)),
    }
}

fn err(bytes: &[u8], limits: &Limits) -> ProtocolError {
    match decode(bytes, limits) {
        Err(e) => e,
        other => panic!(
            "expected an error for {:?}, got {other:?}",
            String::from_utf8_lossy(bytes)
        ),
    }
}

#[test]
fn every_resp2_type_decodes() {
    assert_eq!(one(b"+OK\r\n"), Value::Okay);
    assert_eq!(one(b"+PONG\r\n"), Value::SimpleString(b"PONG".to_vec()));
    assert_eq!(one(b"+\r\n"), Value::SimpleString(Vec::new()));
    match one(b"-WRONGTYPE Operation against a key\r\n") {
        Value::Error(e) => {
            assert_eq!(e.code(), "WRONGTYPE");
            assert_eq!(e.kind(), ErrorKind::WrongType);
        }
        v => panic!("{v:?}"),
    }
    assert_eq!(one(b":0\r\n"), Value::Int(0));
    assert_eq!(one(b":-9223372036854775808\r\n"), Value::Int(i64::MIN));
    assert_eq!(one(b":9223372036854775807\r\n"), Value::Int(i64::MAX));
    assert_eq!(one(b"$5\r\nhello\r\n"), bulk("hello"));
    assert_eq!(one(b"$0\r\n\r\n"), bulk(""));
    assert_eq!(
        one(b"$4\r\na\r\nb\r\n"),
        bulk("a\r\nb"),
        "bulk strings are binary safe"
    );
    assert_eq!(one(b"$-1\r\n"), Value::Nil);
    assert_eq!(one(b"*-1\r\n"), Value::Nil);
    assert_eq!(one(b"*0\r\n"), Value::Array(vec![]));
    assert_eq!(
        one(b"*3\r\n:1\r\n$1\r\na\r\n*1\r\n$-1\r\n"),
        Value::Array(vec![
            Value::Int(1),
            bulk("a"),
            Value::Array(vec![Value::Nil])
        ])
    );
}

#[test]
fn every_resp3_type_decodes() {
    assert_eq!(one(b"_\r\n"), Value::Nil);
    assert_eq!(one(b"#t\r\n"), Value::Boolean(true));
    assert_eq!(one(b"#f\r\n"), Value::Boolean(false));
    assert_eq!(one(b",1.5\r\n"), Value::Double(1.5));
    assert_eq!(one(b",-0.25e2\r\n"), Value::Double(-25.0));
    assert_eq!(one(b",10\r\n"), Value::Double(10.0));
    assert_eq!(one(b",inf\r\n"), Value::Double(f64::INFINITY));
    assert_eq!(one(b",-inf\r\n"), Value::Double(f64::NEG_INFINITY));
    match one(b",nan\r\n") {
        Value::Double(d) => assert!(d.is_nan()),
        v => panic!("{v:?}"),
    }
    assert_eq!(
        one(b"(3492890328409238509324850943850943825024385\r\n"),
        Value::BigNumber("3492890328409238509324850943850943825024385".into())
    );
    assert_eq!(one(b"(-12\r\n"), Value::BigNumber("-12".into()));
    match one(b"!21\r\nSYNTAX invalid syntax\r\n") {
        Value::BulkError(e) => assert_eq!((e.code(), e.message()), ("SYNTAX", "invalid syntax")),
        v => panic!("{v:?}"),
    }
    assert_eq!(
        one(b"=15\r\ntxt:Some string\r\n"),
        Value::Verbatim {
            format: *b"txt",
            text: b"Some string".to_vec()
        }
    );
    assert_eq!(
        one(b"%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n"),
        Value::Map(vec![
            (Value::SimpleString(b"first".to_vec()), Value::Int(1)),
            (Value::SimpleString(b"second".to_vec()), Value::Int(2)),
        ])
    );
    assert_eq!(one(b"%0\r\n"), Value::Map(vec![]));
    assert_eq!(
        one(b"~3\r\n+a\r\n:1\r\n#t\r\n"),
        Value::Set(vec![
            Value::SimpleString(b"a".to_vec()),
            Value::Int(1),
            Value::Boolean(true)
        ])
    );
    assert_eq!(
        one(b">3\r\n$10\r\ninvalidate\r\n*1\r\n$3\r\nkey\r\n_\r\n"),
        Value::Push(vec![
            bulk("invalidate"),
            Value::Array(vec![bulk("key")]),
            Value::Nil
        ])
    );
    // An attribute describes the value that follows it; both are one value.
    assert_eq!(
        one(b"|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*2\r\n:2039123\r\n:9543892\r\n"),
        Value::Attribute {
            attributes: Box::new([(
                Value::SimpleString(b"key-popularity".to_vec()),
                Value::Map(vec![(bulk("a"), Value::Double(0.19))]),
            )]),
            value: Box::new(Value::Array(vec![Value::Int(2039123), Value::Int(9543892)])),
        }
    );
    // An attribute nested inside an aggregate, and an empty one.
    assert_eq!(
        one(b"*2\r\n|0\r\n:1\r\n:2\r\n"),
        Value::Array(vec![
            Value::Attribute {
                attributes: Box::new([]),
                value: Box::new(Value::Int(1))
            },
            Value::Int(2)
        ])
    );
}

/// A value built of every type, nested, for round trips and streaming.
fn kitchen_sink() -> Value {
    Value::Array(vec![
        Value::Okay,
        Value::Int(-7),
        bulk("sixteen bytes!!!"),
        Value::Map(vec![
            (
                bulk("k"),
                Value::Set(vec![Value::Boolean(true), Value::Double(2.5)]),
            ),
            (Value::SimpleString(b"n".to_vec()), Value::Nil),
        ]),
        Value::Verbatim {
            format: *b"mkd",
            text: b"# title".to_vec(),
        },
        Value::BigNumber("123456789012345678901234567890".into()),
        Value::Push(vec![bulk("message"), bulk("ch"), bulk("")]),
        Value::Attribute {
            attributes: Box::new([(bulk("a"), Value::Int(1))]),
            value: Box::new(Value::Array(vec![])),
        },
    ])
}

#[test]
fn encode_then_decode_round_trips() {
    let v = kitchen_sink();
    let mut out = Vec::new();
    v.encode(&mut out);
    assert_eq!(one(&out), v);
}

#[test]
fn every_prefix_is_incomplete_not_an_error() {
    let mut out = Vec::new();
    kitchen_sink().encode(&mut out);
    for cut in 0..out.len() {
        assert_eq!(
            decode(&out[..cut], &Limits::default()),
            Ok(None),
            "cut at {cut}"
        );
    }
}

#[test]
fn streaming_one_byte_at_a_time_matches_one_shot() {
    let mut wire = Vec::new();
    kitchen_sink().encode(&mut wire);
    Value::Int(5).encode(&mut wire);
    let mut d = Decoder::new(Limits::default());
    let mut pending: Vec<u8> = Vec::new();
    let mut got = Vec::new();
    for &b in &wire {
        pending.push(b);
        loop {
            let (used, v) = d.decode(&pending).unwrap();
            pending.drain(..used);
            match v {
                Some(v) => got.push(v),
                None => break,
            }
        }
    }
    assert!(pending.is_empty());
    assert_eq!(got, vec![kitchen_sink(), Value::Int(5)]);
}

#[test]
fn streaming_consumes_finished_elements_so_nothing_is_rescanned() {
    // A large array arriving in pieces: after each piece, every whole element is consumed, so
    // the caller never hands the decoder the same bytes twice.
    let mut wire = b"*1000\r\n".to_vec();
    for i in 0..1000 {
        Value::Int(i).encode(&mut wire);
    }
    let mut d = Decoder::new(Limits::default());
    let mut offset = 0;
    let mut fed = 0usize;
    let mut result = None;
    for chunk in wire.chunks(7) {
        let start = offset;
        let end = fed + chunk.len();
        let (used, v) = d.decode(&wire[start..end]).unwrap();
        // What is left unconsumed is at most one partial element.
        assert!(
            end - (start + used) < 16,
            "left {} bytes",
            end - start - used
        );
        offset += used;
        fed = end;
        if v.is_some() {
            result = v;
        }
    }
    assert_eq!(offset, wire.len());
    match result {
        Some(Value::Array(items)) => assert_eq!(items.len(), 1000),
        other => panic!("{other:?}"),
    }
}

#[test]
fn bulk_needs_tells_how_much_to_wait_for() {
    let mut d = Decoder::new(Limits::default());
    let (used, v) = d.decode(b"$100\r\nabc").unwrap();
    assert_eq!((used, v), (0, None));
    assert_eq!(d.bytes_needed(), 6 + 100 + 2);
}

#[test]
fn malformed_frames_are_typed_errors() {
    let l = Limits::default();
    assert_eq!(err(b"?x\r\n", &l), ProtocolError::UnknownType(b'?'));
    assert_eq!(err(b":12a\r\n", &l), ProtocolError::InvalidInteger);
    assert_eq!(err(b":\r\n", &l), ProtocolError::InvalidInteger);
    assert_eq!(
        err(b":99999999999999999999\r\n", &l),
        ProtocolError::InvalidInteger
    );
    assert_eq!(err(b":+1\r\n", &l), ProtocolError::InvalidInteger);
    assert_eq!(err(b"$-2\r\n", &l), ProtocolError::InvalidLength(-2));
    assert_eq!(err(b"*-5\r\n", &l), ProtocolError::InvalidLength(-5));
    assert_eq!(err(b"%-1\r\n", &l), ProtocolError::InvalidLength(-1));
    assert_eq!(err(b"$3\r\nabcXY", &l), ProtocolError::MissingCrlf);
    assert_eq!(err(b"+OK\n", &l), ProtocolError::MissingCrlf);
    assert_eq!(err(b"#x\r\n", &l), ProtocolError::InvalidBoolean);
    assert_eq!(err(b",1.2.3\r\n", &l), ProtocolError::InvalidDouble);
    assert_eq!(err(b",abc\r\n", &l), ProtocolError::InvalidDouble);
    assert_eq!(err(b"(12x\r\n", &l), ProtocolError::InvalidBigNumber);
    assert_eq!(err(b"=2\r\nab\r\n", &l), ProtocolError::InvalidVerbatim);
    assert_eq!(err(b"_x\r\n", &l), ProtocolError::MissingCrlf);
    // A bare CRLF where a frame should start (found by the fuzzer: it once panicked).
    assert_eq!(err(b"\r\n", &l), ProtocolError::UnknownType(b'\r'));
    assert_eq!(err(b"*1\r\n\r\n", &l), ProtocolError::UnknownType(b'\r'));
    assert_eq!(
        err(b"*2\r\n:1\r\n\r\n", &l),
        ProtocolError::UnknownType(b'\r')
    );
    assert_eq!(err(b"\n", &l), ProtocolError::UnknownType(b'\n'));
    assert_eq!(err(b"+\n", &l), ProtocolError::MissingCrlf);
    // The error shows up as an Error of kind Protocol.
    let e: redisync::Error = err(b"?\r\n", &l).into();
    assert_eq!(e.kind(), ErrorKind::Protocol);
}

#[test]
fn limits_reject_before_buffering_the_payload() {
    let l = Limits::default()
        .max_bulk_len(10)
        .max_aggregate_len(3)
        .max_depth(2)
        .max_line(8);
    // Only the header has arrived; the announced sizes alone are refused.
    assert_eq!(
        err(b"$11\r\n", &l),
        ProtocolError::BulkTooLarge { len: 11, limit: 10 }
    );
    assert_eq!(
        err(b"!11\r\n", &l),
        ProtocolError::BulkTooLarge { len: 11, limit: 10 }
    );
    assert_eq!(
        err(b"*4\r\n", &l),
        ProtocolError::AggregateTooLarge { len: 4, limit: 3 }
    );
    assert_eq!(
        err(b"%4\r\n", &l),
        ProtocolError::AggregateTooLarge { len: 4, limit: 3 }
    );
    assert_eq!(
        err(b"*1\r\n*1\r\n*1\r\n", &l),
        ProtocolError::TooDeep { limit: 2 }
    );
    assert_eq!(
        err(b"+123456789012\r\n", &l),
        ProtocolError::LineTooLong { limit: 8 }
    );
    // A long line with no end yet is refused once it passes the limit, not buffered forever.
    assert_eq!(
        err(b"+1234567890123", &l),
        ProtocolError::LineTooLong { limit: 8 }
    );
    // Within the limits everything passes.
    assert!(
        decode(b"*1\r\n*1\r\n$10\r\n0123456789\r\n", &l)
            .unwrap()
            .is_some()
    );
    // A huge length prefix with the default limits: refused, nothing allocated.
    let big = format!("${}\r\n", u64::MAX);
    assert!(decode(big.as_bytes(), &Limits::default()).is_err());
    let big = format!("*{}\r\n", i64::MAX);
    assert!(matches!(
        decode(big.as_bytes(), &Limits::default()),
        Err(ProtocolError::AggregateTooLarge { .. })
    ));
}

#[test]
fn huge_announced_aggregate_with_few_bytes_is_just_incomplete() {
    // A billion elements announced, three present, with the count and size limits out of the
    // way: incomplete, and the decoder did not try to reserve room for a billion values (this
    // would abort the process if it did). A billion, so that even on a 32-bit target their
    // three bytes each can be counted.
    let l = Limits::default()
        .max_aggregate_len(usize::MAX)
        .max_reply_len(usize::MAX);
    assert_eq!(decode(b"*1000000000\r\n:1\r\n:2\r\n:3\r\n", &l), Ok(None));
    // With the default limits the count alone is refused, and so is a count within
    // max_aggregate_len whose elements cannot fit in max_reply_len (three bytes at least each).
    assert_eq!(
        decode(b"*4000000000\r\n", &Limits::default()),
        Err(ProtocolError::AggregateTooLarge {
            len: 4_000_000_000,
            limit: 1 << 24
        })
    );
    let small = Limits::default().max_reply_len(300);
    assert!(decode(b"*98\r\n", &small).unwrap().is_none());
    assert_eq!(
        decode(b"*99\r\n", &small),
        Err(ProtocolError::ReplyTooLarge { limit: 300 })
    );
    assert_eq!(
        decode(b"%50\r\n", &small),
        Err(ProtocolError::ReplyTooLarge { limit: 300 })
    );
}

#[test]
fn deep_nesting_within_the_limit_does_not_overflow_the_stack() {
    let depth = 64;
    let mut wire = Vec::new();
    for _ in 0..depth {
        wire.extend_from_slice(b"*1\r\n");
    }
    wire.extend_from_slice(b":1\r\n");
    let v = one(&wire);
    let mut d = 0;
    let mut cur = &v;
    while let Value::Array(items) = cur {
        d += 1;
        cur = &items[0];
    }
    assert_eq!(d, depth);
    wire.insert(0, b'*');
    wire.splice(1..1, b"1\r\n".iter().copied());
    assert_eq!(
        err(&wire, &Limits::default()),
        ProtocolError::TooDeep { limit: 64 }
    );
}

#[test]
fn garbage_never_panics() {
    // A cheap deterministic sweep; the fuzz target goes much further.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let alphabet = b"+-:$*_#,(!=%~|>0123456789\r\n-tfinax";
    for _ in 0..20_000 {
        let len = (seed % 40) as usize;
        let mut buf = Vec::with_capacity(len);
        for _ in 0..len {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            buf.push(alphabet[(seed % alphabet.len() as u64) as usize]);
        }
        if let Ok(Some((_, used))) = decode(&buf, &Limits::default().max_depth(8)) {
            assert!(used <= buf.len());
        }
    }
}
