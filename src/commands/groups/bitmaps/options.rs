//! The options of the `bitmap` commands: [`BitRange`] (`BITCOUNT`, `BITPOS`), [`BitOp`]
//! (`BITOP`), and [`BitField`] with its [`BitType`], [`BitOffset`] and [`Overflow`]
//! (`BITFIELD`, `BITFIELD_RO`).

use crate::commands::args::{ArgWriter, ToArgs};
use crate::error::{Error, Result};

/// The part of a string [`bitcount`](crate::BitmapCommands::bitcount) and
/// [`bitpos`](crate::BitmapCommands::bitpos) look at. Offsets may be negative, counting from
/// the end (`-1` is the last byte, or bit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BitRange {
    /// `start`: from this byte to the end. `BITPOS` takes it on every server, `BITCOUNT` on
    /// Valkey 8.0+ only (Redis 7.0 answers a syntax error: use `Bytes(start, -1)`).
    Start(i64),
    /// `start end`: from byte `start` to byte `end`, both included. `BYTE` is the default
    /// unit and is not sent, so this works on Redis 6.2 too.
    Bytes(i64, i64),
    /// `start end BIT`: from bit `start` to bit `end`, both included. Redis 7.0+.
    Bits(i64, i64),
}

impl ToArgs for BitRange {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        match *self {
            BitRange::Start(start) => out.arg_int(start),
            BitRange::Bytes(start, end) => {
                out.arg_int(start);
                out.arg_int(end);
            }
            BitRange::Bits(start, end) => {
                out.arg_int(start);
                out.arg_int(end);
                out.arg(b"BIT");
            }
        }
    }
}

/// The operation of [`bitop`](crate::BitmapCommands::bitop). Valkey 9.1 has these four;
/// newer servers may add more, hence `non_exhaustive`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BitOp {
    /// `AND` of every source.
    And,
    /// `OR` of every source.
    Or,
    /// `XOR` of every source.
    Xor,
    /// `NOT` of the one source.
    Not,
}

impl BitOp {
    pub(crate) fn word(self) -> &'static str {
        match self {
            BitOp::And => "AND",
            BitOp::Or => "OR",
            BitOp::Xor => "XOR",
            BitOp::Not => "NOT",
        }
    }
}

impl ToArgs for BitOp {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        out.arg(self.word().as_bytes())
    }
}

/// The integer type of a [`BitField`] operation: signed of 1 to 64 bits (`i8`, `i64`) or
/// unsigned of 1 to 63 bits (`u8`, `u63`; Redis has no `u64`). Other widths are refused
/// before anything is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BitType {
    /// `i<bits>`: a signed integer of this many bits.
    Signed(u8),
    /// `u<bits>`: an unsigned integer of this many bits.
    Unsigned(u8),
}

impl BitType {
    fn is_valid(self) -> bool {
        match self {
            BitType::Signed(bits) => (1..=64).contains(&bits),
            BitType::Unsigned(bits) => (1..=63).contains(&bits),
        }
    }

    fn write(self, out: &mut ArgWriter<'_>) {
        match self {
            BitType::Signed(bits) => out.arg_fmt(format_args!("i{bits}")),
            BitType::Unsigned(bits) => out.arg_fmt(format_args!("u{bits}")),
        }
    }
}

/// Where a [`BitField`] operation's integer starts. A plain number is a bit offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BitOffset {
    /// At this bit.
    Bit(u64),
    /// `#n`: the n-th integer of the operation's type, counting from 0 (the bit offset is
    /// `n` times the type's width), so an array of `u8` is addressed as `Field(0)`,
    /// `Field(1)`, ...
    Field(u64),
}

impl From<u64> for BitOffset {
    fn from(bit: u64) -> BitOffset {
        BitOffset::Bit(bit)
    }
}

impl BitOffset {
    fn write(self, out: &mut ArgWriter<'_>) {
        match self {
            BitOffset::Bit(bit) => out.arg_uint(bit),
            BitOffset::Field(n) => out.arg_fmt(format_args!("#{n}")),
        }
    }
}

/// What a [`BitField`] `SET` or `INCRBY` does when the result does not fit its type
/// (`OVERFLOW`); `Wrap` unless told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Overflow {
    /// `WRAP`: wrap around, as integers in C do.
    Wrap,
    /// `SAT`: stop at the type's minimum or maximum.
    Sat,
    /// `FAIL`: do nothing; that operation's reply is `None`.
    Fail,
}

impl Overflow {
    fn word(self) -> &'static [u8] {
        match self {
            Overflow::Wrap => b"WRAP",
            Overflow::Sat => b"SAT",
            Overflow::Fail => b"FAIL",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Op {
    Get(BitType, BitOffset),
    Set(BitType, BitOffset, i64),
    IncrBy(BitType, BitOffset, i64),
    Overflow(Overflow),
}

/// The operations of one [`bitfield`](crate::BitmapCommands::bitfield) (or
/// [`bitfield_ro`](crate::BitmapCommands::bitfield_ro), which takes only `GET`), run in the
/// order given; the reply has one entry per `GET`, `SET` and `INCRBY`.
///
/// ```
/// use redisync::{BitField, BitOffset, BitType, Overflow};
/// // A u8 counter at the third byte that saturates at 255, then read back as i16.
/// let ops = BitField::new()
///     .overflow(Overflow::Sat)
///     .incrby(BitType::Unsigned(8), BitOffset::Field(2), 10)
///     .get(BitType::Signed(16), 0);
/// # let _ = ops;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct BitField {
    ops: Vec<Op>,
}

impl BitField {
    /// No operations yet.
    pub fn new() -> BitField {
        BitField::default()
    }

    /// `GET type offset`: the integer there (0 past the end of the string).
    pub fn get(mut self, ty: BitType, offset: impl Into<BitOffset>) -> BitField {
        self.ops.push(Op::Get(ty, offset.into()));
        self
    }

    /// `SET type offset value`: stores `value`; its reply is the old integer.
    pub fn set(mut self, ty: BitType, offset: impl Into<BitOffset>, value: i64) -> BitField {
        self.ops.push(Op::Set(ty, offset.into(), value));
        self
    }

    /// `INCRBY type offset increment`: adds `increment` (negative to subtract); its reply is
    /// the new integer.
    pub fn incrby(mut self, ty: BitType, offset: impl Into<BitOffset>, increment: i64) -> BitField {
        self.ops.push(Op::IncrBy(ty, offset.into(), increment));
        self
    }

    /// `OVERFLOW WRAP|SAT|FAIL`: how the `SET`s and `INCRBY`s after it treat overflow.
    pub fn overflow(mut self, overflow: Overflow) -> BitField {
        self.ops.push(Op::Overflow(overflow));
        self
    }

    /// Whether every type is one Redis has, and, for `read_only` (`BITFIELD_RO`), every
    /// operation a `GET`.
    pub(crate) fn check(&self, read_only: bool) -> Result<()> {
        let command = if read_only { "BITFIELD_RO" } else { "BITFIELD" };
        for op in &self.ops {
            let ty = match *op {
                Op::Get(ty, _) => ty,
                Op::Set(ty, ..) | Op::IncrBy(ty, ..) if !read_only => ty,
                Op::Overflow(_) if !read_only => continue,
                Op::Set(..) | Op::IncrBy(..) | Op::Overflow(_) => {
                    return Err(Error::invalid(
                        format!("{command} operations"),
                        "BITFIELD_RO takes only GET: use bitfield",
                    ));
                }
            };
            if !ty.is_valid() {
                return Err(Error::invalid(
                    format!("{command} type"),
                    format!("{ty:?} is none: i1 to i64 and u1 to u63 are"),
                ));
            }
        }
        Ok(())
    }
}

impl ToArgs for BitField {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        for op in &self.ops {
            match *op {
                Op::Get(ty, offset) => {
                    out.arg(b"GET");
                    ty.write(out);
                    offset.write(out);
                }
                Op::Set(ty, offset, value) => {
                    out.arg(b"SET");
                    ty.write(out);
                    offset.write(out);
                    out.arg_int(value);
                }
                Op::IncrBy(ty, offset, increment) => {
                    out.arg(b"INCRBY");
                    ty.write(out);
                    offset.write(out);
                    out.arg_int(increment);
                }
                Op::Overflow(o) => {
                    out.arg(b"OVERFLOW");
                    out.arg(o.word());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(a: &dyn ToArgs) -> String {
        let mut out = Vec::new();
        let mut w = ArgWriter::new(&mut out);
        a.write_args(&mut w);
        assert_eq!(w.count(), a.arg_count());
        let text = String::from_utf8(out).unwrap();
        text.split("\r\n")
            .filter(|s| !s.starts_with('$') && !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn bitfield_writes_each_operation_in_order() {
        let ops = BitField::new()
            .get(BitType::Unsigned(8), 0)
            .overflow(Overflow::Fail)
            .set(BitType::Signed(16), BitOffset::Field(3), -5)
            .incrby(BitType::Unsigned(63), 100, 1);
        assert_eq!(
            words(&ops),
            "GET u8 0 OVERFLOW FAIL SET i16 #3 -5 INCRBY u63 100 1"
        );
        assert!(ops.check(false).is_ok());
        assert_eq!(words(&BitField::new()), "");
    }

    #[test]
    fn bitfield_refuses_what_redis_has_not() {
        for ty in [
            BitType::Unsigned(64),
            BitType::Unsigned(0),
            BitType::Signed(0),
            BitType::Signed(65),
        ] {
            let e = BitField::new().get(ty, 0).check(false).unwrap_err();
            assert!(e.to_string().starts_with("invalid BITFIELD type"), "{e}");
        }
        assert!(
            BitField::new()
                .get(BitType::Signed(64), 0)
                .check(true)
                .is_ok()
        );
        for ops in [
            BitField::new().set(BitType::Signed(8), 0, 1),
            BitField::new().incrby(BitType::Signed(8), 0, 1),
            BitField::new().overflow(Overflow::Sat),
        ] {
            let e = ops.check(true).unwrap_err();
            assert!(
                e.to_string().starts_with("invalid BITFIELD_RO operations"),
                "{e}"
            );
        }
    }

    #[test]
    fn ranges_and_operations_write_their_words() {
        assert_eq!(words(&BitRange::Start(-2)), "-2");
        assert_eq!(words(&BitRange::Bytes(0, -1)), "0 -1");
        assert_eq!(words(&BitRange::Bits(3, 9)), "3 9 BIT");
        assert_eq!(words(&BitOp::Xor), "XOR");
    }
}
