//! RESP2 and RESP3: the [`Value`] type, a pure decoder over bytes, and the command encoder.
//!
//! Nothing here touches a socket. [`decode`] takes bytes and returns a value and how many bytes it
//! used, or `None` when the bytes end before the value does (incomplete, which is not an error).
//! [`Decoder`] is the same decoder made resumable, so a large reply arriving in many small reads
//! is parsed once, never re-scanned from its start.
//!
//! Every length the server announces is checked against [`Limits`] before it is trusted, and no
//! allocation is sized from a length prefix beyond the bytes that have actually arrived, with one
//! exception: a bulk string of at least [`LARGE_BULK_THRESHOLD`] bytes that has not fully
//! arrived gets its final buffer at once, exactly as long as announced, so that it is never
//! copied twice (see [`Decoder::bulk_in_progress`]). That length has passed
//! [`Limits::max_bulk_len`] and [`Limits::max_reply_len`] first, so the allocation is bounded by
//! configuration.

mod borrowed;
mod decode;
mod encode;
mod value;

pub use borrowed::{Attributed, Items, Pairs, ValueRef, decode_ref};
pub use decode::{Decoder, LARGE_BULK_THRESHOLD, decode};
pub(crate) use encode::{format_decimal, split_command, write_bulk_inline, write_decimal};
pub use encode::{write_bulk, write_command_header};
pub use value::Value;

/// RESP type bytes.
pub mod types {
    /// `+` simple string.
    pub const SIMPLE_STRING: u8 = b'+';
    /// `-` simple error.
    pub const SIMPLE_ERROR: u8 = b'-';
    /// `:` integer.
    pub const INTEGER: u8 = b':';
    /// `$` bulk string.
    pub const BULK_STRING: u8 = b'$';
    /// `*` array.
    pub const ARRAY: u8 = b'*';
    /// `_` RESP3 null.
    pub const NULL: u8 = b'_';
    /// `#` RESP3 boolean.
    pub const BOOLEAN: u8 = b'#';
    /// `,` RESP3 double.
    pub const DOUBLE: u8 = b',';
    /// `(` RESP3 big number.
    pub const BIG_NUMBER: u8 = b'(';
    /// `!` RESP3 bulk error.
    pub const BULK_ERROR: u8 = b'!';
    /// `=` RESP3 verbatim string.
    pub const VERBATIM_STRING: u8 = b'=';
    /// `%` RESP3 map.
    pub const MAP: u8 = b'%';
    /// `~` RESP3 set.
    pub const SET: u8 = b'~';
    /// `|` RESP3 attribute.
    pub const ATTRIBUTE: u8 = b'|';
    /// `>` RESP3 push.
    pub const PUSH: u8 = b'>';
}

/// Limits on what the decoder accepts. A frame that exceeds one is a protocol error, raised as
/// soon as the offending header is read (before any of its payload is buffered).
///
/// Together they bound the memory one reply can take: its bytes by
/// [`max_reply_len`](Limits::max_reply_len), and the decoded [`Value`]s by that plus about
/// 32 bytes per element (the size of a `Value`), elements being at most a third of the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Limits {
    /// Longest bulk string, bulk error or verbatim string, in bytes. Default 512 MiB, Redis's own
    /// `proto-max-bulk-len` default.
    pub max_bulk_len: usize,
    /// Most elements in one array, set, push, or pairs in one map or attribute. Default 2^24
    /// (16,777,216). Each decoded element costs about 32 bytes (the size of a [`Value`]) plus its
    /// payload, so this bounds one aggregate's own vector to about 512 MiB (1 GiB for a map)
    /// however few bytes each element took on the wire, while staying far above what real
    /// replies hold (`LRANGE`, `HGETALL`, `SMEMBERS` of big keys are still well below it).
    pub max_aggregate_len: usize,
    /// Deepest nesting of aggregates. Default 64; real replies nest a few levels.
    pub max_depth: usize,
    /// Longest line (simple string, simple error, integer, double, big number, header).
    /// Default 1 MiB: long enough for any Lua error message.
    pub max_line: usize,
    /// Most bytes one top-level reply may take on the wire, every header, payload and CRLF of
    /// every nested element included, counted across reads. Default 1 GiB: a bulk of the
    /// default [`max_bulk_len`](Limits::max_bulk_len) (512 MiB) fits with room for framing
    /// and the rest of its reply.
    ///
    /// The error is raised as soon as the reply is known to be longer: when a bulk or aggregate
    /// header announces more than is left (an aggregate of `n` elements takes at least `3n`
    /// bytes), or when the bytes consumed pass it, never after buffering the excess.
    pub max_reply_len: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bulk_len: 512 * 1024 * 1024,
            max_aggregate_len: 1 << 24,
            max_depth: 64,
            max_line: 1024 * 1024,
            max_reply_len: 1024 * 1024 * 1024,
        }
    }
}

impl Limits {
    /// The default limits.
    pub fn new() -> Limits {
        Limits::default()
    }
    /// Sets [`Limits::max_bulk_len`].
    pub fn max_bulk_len(mut self, n: usize) -> Limits {
        self.max_bulk_len = n;
        self
    }
    /// Sets [`Limits::max_aggregate_len`].
    pub fn max_aggregate_len(mut self, n: usize) -> Limits {
        self.max_aggregate_len = n;
        self
    }
    /// Sets [`Limits::max_depth`].
    pub fn max_depth(mut self, n: usize) -> Limits {
        self.max_depth = n;
        self
    }
    /// Sets [`Limits::max_line`].
    pub fn max_line(mut self, n: usize) -> Limits {
        self.max_line = n;
        self
    }
    /// Sets [`Limits::max_reply_len`].
    pub fn max_reply_len(mut self, n: usize) -> Limits {
        self.max_reply_len = n;
        self
    }
}
