//! The `bitmap` group of the Redis documentation: strings read and written as arrays of bits.

#![allow(unused_imports)]

mod options;

pub use options::{BitField, BitOffset, BitOp, BitRange, BitType, Overflow};

use super::Method;
use crate::commands::args::{ArgWriter, One, ToArg, ToArgs};
use crate::commands::cmd::Request;
use crate::commands::core::Commands;
use crate::commands::reply::FromValue;
use crate::commands::table::spec;
use crate::error::{Error, Result};
use crate::resp::Value;

/// The `bitmap` commands: strings read and written as arrays of bits.
///
/// Implemented for every [`Commands`] receiver (a connection, a client, a pipeline), so each
/// method sends the command and returns `Result<T>`, or queues it. Bring every group into scope
/// with `use redisync::prelude::*`.
///
/// Bits are numbered from the most significant bit of the first byte; a missing key reads as
/// an empty string, all zeros.
///
/// ```no_run
/// use redisync::prelude::*;
/// use redisync::{BitField, BitType};
///
/// let client = Client::open("redis://127.0.0.1")?;
/// // One bit per user id: who was active today.
/// client.setbit("active:today", 42, true)?;
/// let was: bool = client.getbit("active:today", 42)?;
/// let how_many: u64 = client.bitcount("active:today", None)?;
/// let counters = client.bitfield("stats", BitField::new().incrby(BitType::Unsigned(16), 0, 1))?;
/// # let _ = (was, how_many, counters);
/// # Ok::<(), redisync::Error>(())
/// ```
pub trait BitmapCommands: Commands {
    /// `BITCOUNT key [start [end [BYTE|BIT]]]`: how many bits are set, in the whole string or
    /// in `range` (0 for a missing key).
    /// <https://redis.io/docs/latest/commands/bitcount/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type; a syntax error for
    /// [`BitRange::Bits`] before Redis 7.0 and for [`BitRange::Start`] before Valkey 8.0.
    fn bitcount(self, key: impl ToArg, range: Option<BitRange>) -> Self::Output<u64> {
        self.run(&Request::new(&spec::BITCOUNT, &(One(&key), range)))
    }

    /// `BITFIELD key [GET ...] [SET ...] [INCRBY ...] [OVERFLOW ...]`: runs the operations in
    /// order; one entry per `GET`, `SET` (the old integer) and `INCRBY` (the new one), `None`
    /// where `OVERFLOW FAIL` stopped a `SET` or `INCRBY`.
    /// <https://redis.io/docs/latest/commands/bitfield/>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a type Redis has not
    /// (see [`BitType`]), before anything is sent; `WRONGTYPE` when the key holds another type;
    /// `ERR` for an offset past the server's maximum string size.
    fn bitfield(self, key: impl ToArg, operations: BitField) -> Self::Output<Vec<Option<i64>>> {
        match operations.check(false) {
            Ok(()) => self.run(&Request::new(&spec::BITFIELD, &(One(&key), &operations))),
            Err(e) => self.refuse(e),
        }
    }

    /// `BITFIELD_RO key [GET type offset ...]`: the integers the `GET`s read, without writing
    /// (so it can go to a replica).
    /// <https://redis.io/docs/latest/commands/bitfield_ro/>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before anything is sent when
    /// `operations` holds anything but `GET`s, or a type Redis has not; `WRONGTYPE` when the
    /// key holds another type.
    fn bitfield_ro(self, key: impl ToArg, operations: BitField) -> Self::Output<Vec<i64>> {
        match operations.check(true) {
            Ok(()) => self.run(&Request::new(&spec::BITFIELD_RO, &(One(&key), &operations))),
            Err(e) => self.refuse(e),
        }
    }

    /// `BITOP AND|OR|XOR|NOT destkey key [key ...]`: stores the operation over the source
    /// keys in `destkey` (deleting it when the result is empty); returns the result's length
    /// in bytes, that of the longest source.
    /// <https://redis.io/docs/latest/commands/bitop/>
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before anything is sent for
    /// no source key, or `NOT` with other than one; `WRONGTYPE` when a key holds another type.
    fn bitop(self, op: BitOp, destkey: impl ToArg, keys: impl ToArgs) -> Self::Output<u64> {
        match bitop_sources(op, keys.arg_count()) {
            Ok(()) => self.run(&Request::new(&spec::BITOP, &(op, One(&destkey), &keys))),
            Err(e) => self.refuse(e),
        }
    }

    /// `BITPOS key bit [start [end [BYTE|BIT]]]`: the position of the first bit that is `bit`,
    /// in the whole string or in `range`; `None` when there is none. Looking for a clear bit
    /// without an end, the string counts as padded with zeros, so a string of all ones answers
    /// the first bit past its end (and a missing key answers 0).
    /// <https://redis.io/docs/latest/commands/bitpos/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type; a syntax error for [`BitRange::Bits`]
    /// before Redis 7.0.
    fn bitpos(
        self,
        key: impl ToArg,
        bit: bool,
        range: Option<BitRange>,
    ) -> Self::Output<Option<u64>> {
        self.run(&Request::new(&spec::BITPOS, &(One(&key), bit, range)).shaped(minus_one_is_nil))
    }

    /// `GETBIT key offset`: the bit at `offset` (clear past the end or for a missing key).
    /// <https://redis.io/docs/latest/commands/getbit/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type; `ERR` for an offset past 2^32 - 1.
    fn getbit(self, key: impl ToArg, offset: u64) -> Self::Output<bool> {
        self.run(&Request::new(&spec::GETBIT, &(One(&key), offset)))
    }

    /// `SETBIT key offset value`: sets or clears the bit at `offset` (growing the string with
    /// zero bytes as needed); returns the bit it replaced.
    /// <https://redis.io/docs/latest/commands/setbit/>
    ///
    /// # Errors
    /// `WRONGTYPE` when the key holds another type; `ERR` for an offset past 2^32 - 1.
    fn setbit(self, key: impl ToArg, offset: u64, value: bool) -> Self::Output<bool> {
        self.run(&Request::new(&spec::SETBIT, &(One(&key), offset, value)))
    }
}

impl<C: Commands> BitmapCommands for C {}

/// `BITOP` takes one source key or more, and `NOT` exactly one.
fn bitop_sources(op: BitOp, count: usize) -> Result<()> {
    match (op, count) {
        (_, 0) => Err(Error::invalid("BITOP keys", "at least one source key")),
        (BitOp::Not, n) if n != 1 => Err(Error::invalid(
            "BITOP keys",
            format!("NOT takes exactly one source key, not {n}"),
        )),
        _ => Ok(()),
    }
}

/// `BITPOS`'s `-1` ("no such bit") as nil, so that it reads as `None`.
fn minus_one_is_nil(value: Value) -> Result<Value> {
    Ok(match value {
        Value::Int(-1) => Value::Nil,
        other => other,
    })
}

/// This group's methods and the command each sends.
pub(crate) const METHODS: &[Method] = &[
    ("bitcount", &spec::BITCOUNT),
    ("bitfield", &spec::BITFIELD),
    ("bitfield_ro", &spec::BITFIELD_RO),
    ("bitop", &spec::BITOP),
    ("bitpos", &spec::BITPOS),
    ("getbit", &spec::GETBIT),
    ("setbit", &spec::SETBIT),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::groups::check::{self, Call, Recorder, sent};

    #[test]
    fn every_method_sends_its_command() {
        let calls: &[Call] = &[
            ("bitcount", |r| {
                let _ = r.bitcount("k", None);
            }),
            ("bitfield", |r| {
                let _ = r.bitfield("k", BitField::new().get(BitType::Unsigned(8), 0));
            }),
            ("bitfield_ro", |r| {
                let _ = r.bitfield_ro("k", BitField::new().get(BitType::Unsigned(8), 0));
            }),
            ("bitop", |r| {
                let _ = r.bitop(BitOp::And, "d", ["a", "b"]);
            }),
            ("bitpos", |r| {
                let _ = r.bitpos("k", true, None);
            }),
            ("getbit", |r| {
                let _ = r.getbit("k", 7);
            }),
            ("setbit", |r| {
                let _ = r.setbit("k", 7, true);
            }),
        ];
        check::methods(METHODS, calls);
    }

    #[test]
    fn arguments_go_out_in_redis_order() {
        assert_eq!(
            sent(|r| {
                let _ = r.bitcount("k", Some(BitRange::Bits(1, -2)));
            }),
            ["BITCOUNT", "k", "1", "-2", "BIT"]
        );
        assert_eq!(
            sent(|r| {
                let _ = r.bitpos("k", false, Some(BitRange::Start(2)));
            }),
            ["BITPOS", "k", "0", "2"]
        );
        assert_eq!(
            sent(|r| {
                let _ = r.bitop(BitOp::Not, "d", "s");
            }),
            ["BITOP", "NOT", "d", "s"]
        );
        assert_eq!(
            sent(|r| {
                let _ = r.setbit("k", 9, false);
            }),
            ["SETBIT", "k", "9", "0"]
        );
        assert_eq!(
            sent(|r| {
                let ops = BitField::new().overflow(Overflow::Sat).incrby(
                    BitType::Signed(5),
                    BitOffset::Field(1),
                    -3,
                );
                let _ = r.bitfield("k", ops);
            }),
            [
                "BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "i5", "#1", "-3"
            ]
        );
    }

    #[test]
    fn refused_calls_send_nothing() {
        type Refused = fn(&mut Recorder) -> Result<()>;
        let refused: &[(&str, Refused)] = &[
            ("BITOP keys", |r| r.bitop(BitOp::Or, "d", ()).map(drop)),
            ("BITOP keys", |r| {
                r.bitop(BitOp::Not, "d", ["a", "b"]).map(drop)
            }),
            ("BITFIELD type", |r| {
                r.bitfield("k", BitField::new().get(BitType::Unsigned(64), 0))
                    .map(drop)
            }),
            ("BITFIELD_RO operations", |r| {
                r.bitfield_ro("k", BitField::new().set(BitType::Unsigned(8), 0, 1))
                    .map(drop)
            }),
        ];
        for (part, call) in refused {
            let mut r = Recorder::default();
            let e = call(&mut r).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidInput, "{part}: {e}");
            assert!(
                e.to_string().starts_with(&format!("invalid {part}:")),
                "{part}: {e}"
            );
            assert!(r.sent.is_empty(), "{part}");
        }
    }

    #[test]
    fn bitpos_reads_minus_one_as_none() {
        assert_eq!(minus_one_is_nil(Value::Int(-1)).unwrap(), Value::Nil);
        assert_eq!(minus_one_is_nil(Value::Int(8)).unwrap(), Value::Int(8));
        let none: Option<u64> =
            FromValue::from_value(minus_one_is_nil(Value::Int(-1)).unwrap()).unwrap();
        assert_eq!(none, None);
    }
}
