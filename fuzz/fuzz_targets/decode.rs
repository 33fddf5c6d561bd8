//! Fuzzes the RESP decoder.
//!
//! Input layout: six bytes of settings, then the payload. Two bytes choose where to split the
//! payload, two choose small limits, one a small `max_reply_len`, and one how the streaming
//! decoder is fed: the large-bulk threshold (low nibble; 15 is the real one), whether payload of
//! a bulk received in place is appended straight to the decoder's vector (bit 4, as a
//! connection reading from its socket would), and the size of the pieces after the split (top
//! three bits; 0 is everything at once). For the default limits and for the small ones, the
//! one-shot `decode` of the payload must equal a streaming `Decoder` fed the payload that way:
//! the same value and total bytes consumed, or both incomplete, or both errors. The borrowed
//! `decode_ref` must agree with the one-shot `decode` exactly: the same bytes consumed and a
//! value whose `to_owned()` is the same (and that walks to as many elements), both incomplete,
//! or the same error. Nothing may panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use redisync::Value;
use redisync::resp::{Decoder, LARGE_BULK_THRESHOLD, Limits, ValueRef, decode, decode_ref};

/// What one decoding attempt came to.
#[derive(Debug)]
enum Outcome {
    Value(Value, usize),
    Incomplete,
    Error,
}

fn one_shot(input: &[u8], limits: &Limits) -> Outcome {
    match decode(input, limits) {
        Ok(Some((value, used))) => {
            assert!(
                used > 0 && used <= input.len(),
                "consumed {used} of {}",
                input.len()
            );
            Outcome::Value(value, used)
        }
        Ok(None) => Outcome::Incomplete,
        Err(_) => Outcome::Error,
    }
}

/// How the streaming decoder is fed.
#[derive(Debug, Clone, Copy)]
struct Feed {
    /// The first piece is `input[..split]`.
    split: usize,
    /// Later pieces are this long (0: all the rest at once).
    step: usize,
    /// Payload of a bulk received in place goes straight into the decoder's vector.
    in_place: bool,
    /// The decoder's large-bulk threshold.
    threshold: usize,
}

/// Feeds `input` in the pieces `feed` describes, decoding everything buffered after each.
fn streamed(input: &[u8], feed: Feed, limits: &Limits) -> Outcome {
    let mut decoder = Decoder::new(*limits).with_large_bulk_threshold(feed.threshold);
    // The decoder owns input[..consumed]; input[consumed..arrived] is buffered.
    let mut consumed = 0;
    let mut arrived = feed.split;
    loop {
        let buffered = &input[consumed..arrived];
        match decoder.decode(buffered) {
            Ok((used, Some(value))) => {
                assert!(
                    used > 0 && used <= buffered.len(),
                    "consumed {used} of {}",
                    buffered.len()
                );
                return Outcome::Value(value, consumed + used);
            }
            Ok((used, None)) => {
                assert!(
                    used <= buffered.len(),
                    "consumed {used} of {}",
                    buffered.len()
                );
                consumed += used;
            }
            Err(_) => return Outcome::Error,
        }
        if arrived == input.len() {
            return Outcome::Incomplete;
        }
        let next = if feed.step == 0 {
            input.len()
        } else {
            (arrived + feed.step).min(input.len())
        };
        let missing = decoder.bulk_remaining();
        if let Some(payload) = decoder.bulk_in_progress() {
            // A bulk in place with payload missing: decode took every byte it was given.
            assert_eq!(consumed, arrived, "bytes left behind a bulk in place");
            assert!(missing > 0);
            if feed.in_place {
                let n = missing.min(next - arrived);
                payload.extend_from_slice(&input[arrived..arrived + n]);
                consumed += n;
            }
        }
        arrived = next;
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

/// Values in a tree, itself included, counted without recursion.
fn count_owned(v: &Value) -> usize {
    let mut todo = vec![v];
    let mut n = 0;
    while let Some(v) = todo.pop() {
        n += 1;
        match v {
            Value::Array(items) | Value::Set(items) | Value::Push(items) => todo.extend(items),
            Value::Map(pairs) => todo.extend(pairs.iter().flat_map(|(k, v)| [k, v])),
            Value::Attribute { attributes, value } => {
                todo.extend(attributes.iter().flat_map(|(k, v)| [k, v]));
                todo.push(value);
            }
            _ => {}
        }
    }
    n
}

/// [`count_owned`] for a borrowed value, through its iterators.
fn count_borrowed(v: &ValueRef<'_>) -> usize {
    let mut todo = vec![v.clone()];
    let mut n = 0;
    while let Some(v) = todo.pop() {
        n += 1;
        match v {
            ValueRef::Array(items) | ValueRef::Set(items) | ValueRef::Push(items) => {
                let len = items.len();
                let before = todo.len();
                todo.extend(items);
                assert_eq!(todo.len() - before, len, "items yielded vs announced");
            }
            ValueRef::Map(pairs) => todo.extend(pairs.flat_map(|(k, v)| [k, v])),
            ValueRef::Attribute(a) => {
                todo.extend(a.attributes().flat_map(|(k, v)| [k, v]));
                todo.push(a.value());
            }
            _ => {}
        }
    }
    n
}

/// The borrowed decoder against the one-shot owned decoder.
fn check_borrowed(input: &[u8], limits: &Limits) {
    let owned = decode(input, limits);
    let borrowed = decode_ref(input, limits);
    let agree = match (&owned, &borrowed) {
        (Ok(Some((v, n))), Ok(Some((r, m)))) => {
            n == m && same(v, &r.to_owned()) && count_owned(v) == count_borrowed(r)
        }
        (Ok(None), Ok(None)) => true,
        (Err(a), Err(b)) => a == b,
        _ => false,
    };
    assert!(
        agree,
        "owned and borrowed disagree ({limits:?}):\n  owned:    {owned:?}\n  borrowed: {borrowed:?}"
    );
}

fn check(input: &[u8], feed: Feed, limits: &Limits) {
    check_borrowed(input, limits);
    let whole = one_shot(input, limits);
    let parts = streamed(input, feed, limits);
    let agree = match (&whole, &parts) {
        (Outcome::Value(a, n), Outcome::Value(b, m)) => n == m && same(a, b),
        (Outcome::Incomplete, Outcome::Incomplete) | (Outcome::Error, Outcome::Error) => true,
        _ => false,
    };
    assert!(
        agree,
        "one-shot and streaming disagree ({feed:?}, {limits:?}):\n  \
         one-shot:  {whole:?}\n  streaming: {parts:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let (seed, input) = data.split_at(data.len().min(6));
    let mut s = [0u8; 6];
    s[..seed.len()].copy_from_slice(seed);
    let threshold = match s[5] & 0x0f {
        15 => LARGE_BULK_THRESHOLD,
        n => usize::from(n),
    };
    let feed = Feed {
        split: usize::from(u16::from_le_bytes([s[0], s[1]])) % (input.len() + 1),
        step: usize::from(s[5] >> 5),
        in_place: s[5] & 0x10 != 0,
        threshold,
    };
    check(input, feed, &Limits::default());
    // Small limits, so every limit is reached by short inputs (zero included).
    let tiny = Limits::new()
        .max_bulk_len(usize::from(s[2] & 0x0f))
        .max_aggregate_len(usize::from(s[2] >> 4))
        .max_depth(usize::from(s[3] & 0x07))
        .max_line(usize::from(s[3] >> 3))
        .max_reply_len(usize::from(s[4]));
    check(input, feed, &tiny);
});
