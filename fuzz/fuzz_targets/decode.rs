//! Fuzzes the RESP decoder.
//!
//! Input layout: six bytes of settings, then the payload. Two bytes choose where to split the
//! payload, two choose small limits, one a small `max_reply_len`, and one how the streaming
//! decoder is fed: the large-bulk threshold (low nibble; 15 is the real one), whether payload of
//! a bulk received in place is appended straight to the decoder's vector (bit 4, as a
//! connection reading from its socket would), and the size of the pieces after the split (top
//! three bits; 0 is everything at once). For the default limits and for the small ones, the
//! one-shot `decode` of the payload must equal a streaming `Decoder` fed the payload that way:
//! the same value and total bytes consumed, or both incomplete, or both errors. Nothing may
//! panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use redisync::Value;
use redisync::resp::{Decoder, LARGE_BULK_THRESHOLD, Limits, decode};

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

fn check(input: &[u8], feed: Feed, limits: &Limits) {
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
