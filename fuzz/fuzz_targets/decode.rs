//! Fuzzes the RESP decoder.
//!
//! Input layout: two bytes choose where to split the payload, two bytes choose small limits,
//! and the rest is the payload. For the default limits and for the small ones, the one-shot
//! `decode` of the payload must equal a streaming `Decoder` fed the payload in two calls (the
//! bytes up to the split, then everything it did not consume): the same value and total bytes
//! consumed, or both incomplete, or both errors. Nothing may panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use redisync::Value;
use redisync::resp::{Decoder, Limits, decode};

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

/// Feeds `input[..split]`, then everything the first call did not consume.
fn streamed(input: &[u8], split: usize, limits: &Limits) -> Outcome {
    let mut decoder = Decoder::new(*limits);
    let first = &input[..split];
    let used1 = match decoder.decode(first) {
        Ok((used, Some(value))) => {
            assert!(
                used > 0 && used <= first.len(),
                "consumed {used} of {}",
                first.len()
            );
            return Outcome::Value(value, used);
        }
        Ok((used, None)) => used,
        Err(_) => return Outcome::Error,
    };
    assert!(used1 <= first.len(), "consumed {used1} of {}", first.len());
    let rest = &input[used1..];
    match decoder.decode(rest) {
        Ok((used2, Some(value))) => {
            assert!(used2 <= rest.len(), "consumed {used2} of {}", rest.len());
            Outcome::Value(value, used1 + used2)
        }
        Ok((used2, None)) => {
            assert!(used2 <= rest.len(), "consumed {used2} of {}", rest.len());
            Outcome::Incomplete
        }
        Err(_) => Outcome::Error,
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

fn check(input: &[u8], split: usize, limits: &Limits) {
    let whole = one_shot(input, limits);
    let parts = streamed(input, split, limits);
    let agree = match (&whole, &parts) {
        (Outcome::Value(a, n), Outcome::Value(b, m)) => n == m && same(a, b),
        (Outcome::Incomplete, Outcome::Incomplete) | (Outcome::Error, Outcome::Error) => true,
        _ => false,
    };
    assert!(
        agree,
        "one-shot and streaming disagree (split at {split}, {limits:?}):\n  \
         one-shot:  {whole:?}\n  streaming: {parts:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let (seed, input) = data.split_at(data.len().min(4));
    let mut s = [0u8; 4];
    s[..seed.len()].copy_from_slice(seed);
    let split = usize::from(u16::from_le_bytes([s[0], s[1]])) % (input.len() + 1);
    check(input, split, &Limits::default());
    // Small limits, so every limit is reached by short inputs (zero included).
    let tiny = Limits::new()
        .max_bulk_len(usize::from(s[2] & 0x0f))
        .max_aggregate_len(usize::from(s[2] >> 4))
        .max_depth(usize::from(s[3] & 0x07))
        .max_line(usize::from(s[3] >> 3));
    check(input, split, &tiny);
});
