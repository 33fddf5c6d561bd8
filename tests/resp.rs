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

#[test]
fn reply_len_counts_every_byte_of_one_reply_across_reads() {
    // `*3\r\n` + three `$3\r\nabc\r\n` = 4 + 27 = 31 bytes.
    let wire = b"*3\r\n$3\r\nabc\r\n$3\r\nabc\r\n$3\r\nabc\r\n";
    let fits = Limits::default().max_reply_len(31);
    assert_eq!(one_with(wire, &fits).0, wire.len());
    let short = Limits::default().max_reply_len(30);
    assert_eq!(
        err(wire, &short),
        ProtocolError::ReplyTooLarge { limit: 30 }
    );
    // Streamed a byte at a time, the last bulk's header is enough to know: the error comes
    // when `$3\r\n` is complete, before any of its payload.
    let mut d = Decoder::new(short);
    let mut pending = Vec::new();
    let mut failed_at = None;
    for (i, &b) in wire.iter().enumerate() {
        pending.push(b);
        match d.decode(&pending) {
            Ok((used, v)) => {
                assert!(v.is_none());
                pending.drain(..used);
            }
            Err(e) => {
                assert_eq!(e, ProtocolError::ReplyTooLarge { limit: 30 });
                failed_at = Some(i + 1);
                break;
            }
        }
    }
    assert_eq!(failed_at, Some(4 + 9 + 9 + 4), "fails at the third header");

    // Top-level bulks and simple strings: exactly the limit passes, one byte more does not.
    let l = Limits::default().max_reply_len(9);
    assert_eq!(one_with(b"$3\r\nabc\r\n", &l).0, 9);
    assert_eq!(
        err(b"$4\r\nabcd\r\n", &l),
        ProtocolError::ReplyTooLarge { limit: 9 }
    );
    // Known from the header alone, with no payload yet.
    assert_eq!(
        err(b"$4\r\n", &l),
        ProtocolError::ReplyTooLarge { limit: 9 }
    );
    assert_eq!(one_with(b"+abcdef\r\n", &l).0, 9);
    assert_eq!(
        err(b"+abcdefg\r\n", &l),
        ProtocolError::ReplyTooLarge { limit: 9 }
    );
    // A line with no end yet is refused once the bytes buffered for it (and the one more byte
    // it needs at least) pass the limit.
    assert_eq!(decode(b"+abcdefg", &l), Ok(None));
    assert_eq!(
        err(b"+abcdefgh", &l),
        ProtocolError::ReplyTooLarge { limit: 9 }
    );
    // Only the one reply counts: what follows it in the buffer is the next reply's.
    assert_eq!(
        decode(b"+abcdef\r\n+abcdefghijk\r\n", &l),
        Ok(Some((Value::SimpleString(b"abcdef".to_vec()), 9)))
    );
    let mut d = Decoder::new(l);
    assert_eq!(d.decode(b"+OK\r\n").unwrap(), (5, Some(Value::Okay)));
    assert_eq!(d.decode(b"$3\r\nabc\r\n").unwrap().0, 9);
    assert_eq!(
        d.decode(b"$3\r\nabc\r\n").unwrap().0,
        9,
        "the count restarts"
    );
}

#[test]
fn reply_len_stops_many_small_elements_as_they_are_consumed() {
    // A million integers announced; the limit is 1000 bytes. Fed 7 bytes at a time, the
    // decoder refuses the reply within one piece of the limit, having kept no more than that.
    let l = Limits::default().max_reply_len(1000);
    let mut wire = b"*100000\r\n".to_vec();
    for i in 0..100_000 {
        Value::Int(i % 10).encode(&mut wire);
    }
    let mut d = Decoder::new(l);
    let mut start = 0;
    let mut fed = 0;
    let mut failed = false;
    while fed < wire.len() && !failed {
        fed = (fed + 7).min(wire.len());
        match d.decode(&wire[start..fed]) {
            Ok((used, v)) => {
                assert!(v.is_none());
                start += used;
                assert!(start <= 1000, "consumed {start} bytes");
            }
            Err(e) => {
                assert_eq!(e, ProtocolError::ReplyTooLarge { limit: 1000 });
                failed = true;
            }
        }
    }
    assert!(failed);
    assert!(fed <= 1000 + 7, "refused after {fed} bytes");
}

#[test]
fn lengths_near_the_integer_limits_are_errors_never_panics() {
    let max = usize::MAX;
    let open = Limits::default()
        .max_bulk_len(max)
        .max_aggregate_len(max)
        .max_reply_len(max)
        .max_line(max);
    let i64_max = i64::MAX.to_string();
    let u32_max = u32::MAX.to_string();
    let u32_over = (u64::from(u32::MAX) + 1).to_string();
    let usize_max = max.to_string();
    let mut inputs: Vec<String> = Vec::new();
    for n in [
        &i64_max,
        &u32_max,
        &u32_over,
        &usize_max,
        &"18446744073709551616".to_string(),
    ] {
        for ty in ["$", "!", "=", "*", "%", "~", ">", "|"] {
            inputs.push(format!("{ty}{n}\r\n"));
            inputs.push(format!("{ty}{n}\r\nabc"));
            inputs.push(format!("*2\r\n:1\r\n{ty}{n}\r\nabc"));
            inputs.push(format!("%1\r\n$1\r\nk\r\n{ty}{n}\r\n"));
        }
    }
    let defaults = Limits::default();
    for input in &inputs {
        for limits in [&defaults, &open] {
            for threshold in [0, 3, usize::MAX] {
                // One-shot, and streamed a byte at a time: whatever comes out, nothing panics.
                let _ = decode(input.as_bytes(), limits);
                let mut d = Decoder::new(*limits).with_large_bulk_threshold(threshold);
                let mut pending = Vec::new();
                for &b in input.as_bytes() {
                    pending.push(b);
                    match d.decode(&pending) {
                        Ok((used, _)) => drop(pending.drain(..used)),
                        Err(_) => break,
                    }
                    let _ = (d.bytes_needed(), d.bulk_remaining(), d.is_mid_push());
                }
            }
        }
    }
    // With the defaults, anything past u32::MAX is refused by its header alone.
    for ty in ["$", "!", "="] {
        for n in [&u32_max, &u32_over, &i64_max] {
            let e = err(format!("{ty}{n}\r\n").as_bytes(), &defaults);
            assert!(
                matches!(e, ProtocolError::BulkTooLarge { .. }),
                "{ty}{n}: {e:?}"
            );
        }
    }
    for ty in ["*", "%", "~", ">", "|"] {
        for n in [&u32_max, &u32_over, &i64_max] {
            let e = err(format!("{ty}{n}\r\n").as_bytes(), &defaults);
            assert!(
                matches!(e, ProtocolError::AggregateTooLarge { .. }),
                "{ty}{n}: {e:?}"
            );
        }
        // Past i64 the number itself is invalid.
        assert_eq!(
            err(format!("{ty}9223372036854775808\r\n").as_bytes(), &defaults),
            ProtocolError::InvalidInteger
        );
    }
    // With no limits at all, counts whose minimum size (three bytes an element, twice as many
    // for maps) overflows usize are reply-size errors, not wrapped arithmetic. (usize::MAX / 2
    // is a valid count on 32 and 64 bits alike; past it a map's element count would overflow.)
    let half = (max / 2).to_string();
    for ty in ["*", "%", "~", ">", "|"] {
        assert_eq!(
            err(format!("{ty}{half}\r\n").as_bytes(), &open),
            ProtocolError::ReplyTooLarge { limit: max }
        );
    }
    // A bulk longer than any allocation (i64::MAX bytes on 64 bits, past isize::MAX on 32),
    // allowed by the limits: one-shot it is just incomplete (nothing is allocated for it);
    // received in place, its buffer cannot be had, which is an error, not an abort or a
    // capacity-overflow panic.
    let huge_len = if cfg!(target_pointer_width = "64") {
        i64::MAX as u64
    } else {
        isize::MAX as u64 + 1
    };
    let huge = format!("${huge_len}\r\nabc");
    assert_eq!(decode(huge.as_bytes(), &open), Ok(None));
    let mut d = Decoder::new(open);
    assert!(matches!(
        d.decode(huge.as_bytes()),
        Err(ProtocolError::AllocationFailed { .. })
    ));
    // The top-level fast path reads up to twelve digits: its arithmetic does not wrap in a
    // 32-bit usize either (999999999999 > u32::MAX).
    assert!(matches!(
        err(b"$999999999999\r\n", &defaults),
        ProtocolError::BulkTooLarge {
            len: 999_999_999_999,
            ..
        }
    ));
    assert!(matches!(
        err(b"*2\r\n$1\r\na\r\n$999999999999\r\n", &defaults),
        ProtocolError::BulkTooLarge { .. }
    ));
    // Where usize is 32 bits, a length up to u32::MAX passes the limits when they are open, and
    // adding its header and CRLF overflows: an error on every path (the top-level fast path,
    // the array loop, bulk errors through the general path).
    #[cfg(target_pointer_width = "32")]
    for n in [u32::MAX, u32::MAX - 1, u32::MAX - 5] {
        for wire in [
            format!("${n}\r\n"),
            format!("*2\r\n$1\r\na\r\n${n}\r\n"),
            format!("!{n}\r\n"),
            format!("={n}\r\nabc"),
        ] {
            assert_eq!(
                err(wire.as_bytes(), &open),
                ProtocolError::ReplyTooLarge { limit: max },
                "{wire:?}"
            );
        }
    }
}

fn one_with(bytes: &[u8], limits: &Limits) -> (usize, Value) {
    match decode(bytes, limits) {
        Ok(Some((v, used))) => (used, v),
        other => panic!("{:?}: {other:?}", String::from_utf8_lossy(bytes)),
    }
}

/// Values of every kind with bulks of 5 to 16 bytes, for a decoder whose large-bulk threshold
/// is lowered to a few bytes: they go through the in-place path at every split.
fn with_biggish_bulks() -> Vec<Value> {
    vec![
        Value::Array(vec![
            bulk("0123456789"),
            Value::Verbatim {
                format: *b"txt",
                text: b"abcdefgh".to_vec(),
            },
            Value::Map(vec![(bulk("key12"), bulk("val123"))]),
            Value::Int(3),
        ]),
        Value::Push(vec![bulk("message"), bulk("channel"), bulk("payload!")]),
        bulk("123456789"),
        Value::Attribute {
            attributes: Box::new([(bulk("attr"), Value::Int(1))]),
            value: Box::new(bulk("value!")),
        },
        Value::Okay,
        bulk("sixteen bytes!!!"),
        bulk(""),
    ]
}

/// Feeds `wire` as the pieces `cuts` make, the way a connection would: each piece goes to the
/// decoder's in-place bulk first when one is waiting (if `in_place`), the rest to a buffer
/// that `decode` drains. Returns the values and what is left unconsumed.
fn stream_pieces(
    wire: &[u8],
    cuts: &[usize],
    threshold: usize,
    in_place: bool,
) -> (Vec<Value>, usize) {
    let mut d = Decoder::new(Limits::default()).with_large_bulk_threshold(threshold);
    let mut pending: Vec<u8> = Vec::new();
    let mut got = Vec::new();
    let mut at = 0;
    for &end in cuts.iter().chain([&wire.len()]) {
        let mut arrived = &wire[at..end.max(at)];
        at = end.max(at);
        loop {
            loop {
                let (used, v) = d.decode(&pending).unwrap();
                pending.drain(..used);
                match v {
                    Some(v) => got.push(v),
                    None => break,
                }
            }
            if arrived.is_empty() {
                break;
            }
            let missing = d.bulk_remaining();
            if in_place && let Some(payload) = d.bulk_in_progress() {
                assert!(
                    pending.is_empty(),
                    "decode left bytes before an in-place read"
                );
                let n = missing.min(arrived.len());
                payload.extend_from_slice(&arrived[..n]);
                arrived = &arrived[n..];
                assert_eq!(d.bytes_needed(), missing - n + 2);
                continue;
            }
            pending.extend_from_slice(arrived);
            arrived = &[];
        }
    }
    (got, pending.len())
}

#[test]
fn large_bulks_split_at_every_boundary_match_one_shot() {
    let values = with_biggish_bulks();
    let mut wire = Vec::new();
    for v in &values {
        v.encode(&mut wire);
    }
    // One-shot, value after value, agrees with what was encoded.
    let mut at = 0;
    for v in &values {
        let (used, got) = one_with(&wire[at..], &Limits::default());
        assert_eq!(&got, v);
        at += used;
    }
    assert_eq!(at, wire.len());
    for threshold in [0, 5, 8, usize::MAX] {
        for in_place in [false, true] {
            for i in 0..=wire.len() {
                for j in i..=wire.len() {
                    let (got, left) = stream_pieces(&wire, &[i, j], threshold, in_place);
                    assert_eq!(
                        (&got, left),
                        (&values, 0),
                        "threshold {threshold}, in place {in_place}, cuts {i} {j}"
                    );
                }
            }
            // And a byte at a time.
            let cuts: Vec<usize> = (0..wire.len()).collect();
            assert_eq!(stream_pieces(&wire, &cuts, threshold, in_place).0, values);
        }
    }
}

#[test]
fn large_bulk_state_answers_the_decoder_queries() {
    let mut d = Decoder::new(Limits::default()).with_large_bulk_threshold(10);
    // Below the threshold: nothing consumed, as before.
    assert_eq!(d.decode(b"$9\r\n1234").unwrap(), (0, None));
    assert_eq!(d.bytes_needed(), 4 + 9 + 2);
    assert!(!d.is_mid_value());
    assert!(d.bulk_in_progress().is_none());
    // From it: header and payload consumed, the rest asked for.
    assert_eq!(d.decode(b"$10\r\n1234").unwrap(), (9, None));
    assert!(d.is_mid_value());
    assert!(!d.is_mid_push());
    assert_eq!(d.bulk_remaining(), 6);
    assert_eq!(d.bytes_needed(), 6 + 2);
    let payload = d.bulk_in_progress().unwrap();
    assert_eq!((payload.len(), payload.capacity()), (4, 10));
    payload.extend_from_slice(b"567");
    assert_eq!((d.bulk_remaining(), d.bytes_needed()), (3, 5));
    assert_eq!(d.decode(b"89").unwrap(), (2, None));
    assert_eq!((d.bulk_remaining(), d.bytes_needed()), (1, 3));
    // The last payload byte and half the CRLF: the CR waits for its LF.
    assert_eq!(d.decode(b"0\r").unwrap(), (1, None));
    assert!(d.bulk_in_progress().is_none(), "only the CRLF is missing");
    assert_eq!((d.bulk_remaining(), d.bytes_needed()), (0, 2));
    assert!(d.is_mid_value());
    let (used, v) = d.decode(b"\r\n:1\r\n").unwrap();
    assert_eq!(used, 2);
    match v {
        Some(Value::BulkString(b)) => {
            assert_eq!(b, b"1234567890");
            assert_eq!(b.capacity(), 10);
        }
        v => panic!("{v:?}"),
    }
    assert!(!d.is_mid_value());
    assert_eq!(d.bulk_remaining(), 0);

    // A wrong CRLF after the payload is the same error as for a bulk received whole.
    let mut d = Decoder::new(Limits::default()).with_large_bulk_threshold(1);
    assert_eq!(d.decode(b"$2\r\nab").unwrap(), (6, None));
    assert_eq!(d.decode(b"\rX"), Err(ProtocolError::MissingCrlf));
    // Appending more than announced is the caller's mistake, reported rather than a panic.
    let mut d = Decoder::new(Limits::default()).with_large_bulk_threshold(1);
    assert_eq!(d.decode(b"$2\r\n").unwrap(), (4, None));
    d.bulk_in_progress().unwrap().extend_from_slice(b"abc");
    assert!(matches!(
        d.decode(b"\r\n"),
        Err(ProtocolError::Unexpected(_))
    ));
    // Reset drops the bulk; the decoder then reads a new stream.
    d.reset();
    assert!(!d.is_mid_value());
    assert!(d.bulk_in_progress().is_none());
    assert_eq!(d.decode(b":7\r\n").unwrap(), (4, Some(Value::Int(7))));
    // Verbatim strings and bulk errors are received in place too.
    let mut d = Decoder::new(Limits::default()).with_large_bulk_threshold(1);
    assert_eq!(d.decode(b"=9\r\ntxt:").unwrap(), (8, None));
    d.bulk_in_progress().unwrap().extend_from_slice(b"hello");
    assert_eq!(
        d.decode(b"\r\n").unwrap(),
        (
            2,
            Some(Value::Verbatim {
                format: *b"txt",
                text: b"hello".to_vec()
            })
        )
    );
    assert_eq!(d.decode(b"=9\r\ntxt!hello").unwrap(), (13, None));
    assert_eq!(d.decode(b"\r\n"), Err(ProtocolError::InvalidVerbatim));
    let mut d = Decoder::new(Limits::default()).with_large_bulk_threshold(1);
    assert_eq!(d.decode(b"!7\r\nERR ").unwrap(), (8, None));
    match d.decode(b"bad\r\n").unwrap() {
        (5, Some(Value::BulkError(e))) => assert_eq!((e.code(), e.message()), ("ERR", "bad")),
        v => panic!("{v:?}"),
    }
}

#[test]
fn a_large_bulk_is_refused_by_its_header_when_the_reply_cannot_hold_it() {
    // The first bulk (in place) fits; the second's header announces more than is left of
    // max_reply_len: refused with only its header read, before its buffer is allocated.
    let l = Limits::default().max_reply_len(4 + 27 + 27);
    let mut d = Decoder::new(l).with_large_bulk_threshold(16);
    assert_eq!(d.decode(b"*2\r\n$20\r\n0123").unwrap(), (13, None));
    d.bulk_in_progress()
        .unwrap()
        .extend_from_slice(b"4567890123456789");
    assert_eq!(d.decode(b"\r\n$20\r\n").unwrap(), (7, None));
    let mut d2 = Decoder::new(l.max_reply_len(4 + 27 + 26)).with_large_bulk_threshold(16);
    assert_eq!(d2.decode(b"*2\r\n$20\r\n0123").unwrap(), (13, None));
    d2.bulk_in_progress()
        .unwrap()
        .extend_from_slice(b"4567890123456789");
    assert_eq!(
        d2.decode(b"\r\n$20\r\n"),
        Err(ProtocolError::ReplyTooLarge { limit: 57 })
    );
    // The first one, counting bytes appended in place, leaves exactly room for the second.
    let (used, v) = d.decode(b"abcdefghijklmnopqrst\r\n").unwrap();
    assert_eq!(used, 22);
    assert!(matches!(v, Some(Value::Array(items)) if items.len() == 2));
}

#[test]
fn is_mid_push_tells_a_half_arrived_push_from_a_reply() {
    let mut d = Decoder::new(Limits::default());
    assert!(!d.is_mid_push());
    assert_eq!(d.decode(b">3\r\n$7\r\nmessage\r\n$2").unwrap().1, None);
    assert!(d.is_mid_push() && d.is_mid_value());
    let (_, v) = d.decode(b"$2\r\nch\r\n$1\r\nx\r\n").unwrap();
    assert!(matches!(v, Some(Value::Push(_))));
    assert!(!d.is_mid_push());
    // A reply, even one holding a push, or an attributed push, is not a push.
    for partial in [
        &b"*2\r\n>1\r\n"[..],
        b"*2\r\n:1\r\n",
        b"|1\r\n+a\r\n:1\r\n>1\r\n",
        b"%1\r\n",
    ] {
        let mut d = Decoder::new(Limits::default());
        assert_eq!(d.decode(partial).unwrap(), (partial.len(), None));
        assert!(d.is_mid_value() && !d.is_mid_push(), "{partial:?}");
    }
    // A push whose large bulk is being received in place is still a push.
    let mut d = Decoder::new(Limits::default()).with_large_bulk_threshold(4);
    assert_eq!(
        d.decode(b">2\r\n$7\r\nmessage\r\n$10\r\nab").unwrap().1,
        None
    );
    assert!(d.is_mid_push() && d.bulk_in_progress().is_some());
    d.reset();
    assert!(!d.is_mid_push());
}

/// A socket stand-in handing out at most `chunk` bytes a read.
struct Trickle<'a> {
    data: &'a [u8],
    chunk: usize,
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.chunk).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Reads one value the way a connection using the in-place API would: a 16 KiB read buffer,
/// `decode` over what it holds, and a large bulk's payload read from the socket straight into
/// the decoder's vector (`in_place`) or through the buffer. Returns the value and the largest
/// the read buffer ever had to be.
fn read_like_a_connection(
    d: &mut Decoder,
    socket: &mut Trickle<'_>,
    in_place: bool,
) -> (Value, usize) {
    use std::io::Read;
    let mut rbuf = vec![0u8; 16 * 1024];
    let (mut start, mut end) = (0, 0);
    loop {
        let (used, v) = d.decode(&rbuf[start..end]).unwrap();
        start += used;
        if let Some(v) = v {
            assert_eq!(start, end, "nothing follows the value in these tests");
            return (v, rbuf.len());
        }
        if start == end {
            (start, end) = (0, 0);
        }
        let missing = d.bulk_remaining() as u64;
        if in_place && let Some(payload) = d.bulk_in_progress() {
            assert_eq!(start, end, "the buffer is drained before an in-place read");
            let n = socket.by_ref().take(missing).read_to_end(payload).unwrap();
            assert!(n > 0, "end of stream");
            continue;
        }
        if end == rbuf.len() {
            // What a connection does when one element does not fit: move it to the front,
            // then grow (never needed here, which the caller checks).
            rbuf.copy_within(start..end, 0);
            (start, end) = (0, end - start);
            if end == rbuf.len() {
                rbuf.resize(rbuf.len() * 2, 0);
            }
        }
        let n = socket.read(&mut rbuf[end..]).unwrap();
        assert!(n > 0, "end of stream");
        end += n;
    }
}

#[test]
fn a_64_mib_bulk_is_received_in_place_without_growing_any_buffer() {
    const LEN: usize = 64 * 1024 * 1024;
    let block: Vec<u8> = (0..=250u8).collect();
    let mut payload = Vec::with_capacity(LEN);
    while payload.len() < LEN {
        let n = block.len().min(LEN - payload.len());
        payload.extend_from_slice(&block[..n]);
    }
    let mut top = format!("${LEN}\r\n").into_bytes();
    top.extend_from_slice(&payload);
    top.extend_from_slice(b"\r\n");
    let mut nested = b"*3\r\n:1\r\n".to_vec();
    nested.extend_from_slice(&top);
    nested.extend_from_slice(b"+after\r\n");

    for in_place in [true, false] {
        for (wire, chunk) in [
            (&top, 1000),
            (&nested, 1000),
            (&top, 70_000),
            (&nested, 100),
        ] {
            let mut d = Decoder::new(Limits::default());
            let mut socket = Trickle { data: wire, chunk };
            let (v, rbuf_len) = read_like_a_connection(&mut d, &mut socket, in_place);
            assert_eq!(rbuf_len, 16 * 1024, "the read buffer never grew");
            assert!(socket.data.is_empty());
            assert!(!d.is_mid_value());
            let bytes = match v {
                Value::BulkString(b) => b,
                Value::Array(mut items) => {
                    assert_eq!(items.len(), 3);
                    assert_eq!(items[0], Value::Int(1));
                    assert_eq!(items[2], Value::SimpleString(b"after".to_vec()));
                    match items.swap_remove(1) {
                        Value::BulkString(b) => b,
                        v => panic!("{v:?}"),
                    }
                }
                v => panic!("{v:?}"),
            };
            assert_eq!(bytes.len(), LEN);
            assert_eq!(
                bytes.capacity(),
                LEN,
                "allocated once, exactly, never doubled"
            );
            assert!(bytes == payload, "payload bytes differ");
        }
    }
}
