//! The list group's options: where `LINSERT` puts an element, and `LPOS`'s `RANK` and
//! `MAXLEN`; and the shaping of `LINSERT`'s reply.

use crate::commands::args::{ArgWriter, ToArgs};
use crate::error::{Error, Result};
use crate::resp::Value;

/// Where [`ListCommands::linsert`](crate::ListCommands::linsert) puts the element: `BEFORE` or
/// `AFTER` the pivot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InsertPosition {
    /// `BEFORE`: nearer the head than the pivot.
    Before,
    /// `AFTER`: nearer the tail than the pivot.
    After,
}

impl ToArgs for InsertPosition {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        out.arg(match self {
            InsertPosition::Before => b"BEFORE",
            InsertPosition::After => b"AFTER",
        })
    }
}

/// `RANK` and `MAXLEN` for [`ListCommands::lpos`](crate::ListCommands::lpos) and
/// [`ListCommands::lpos_count`](crate::ListCommands::lpos_count) (the count is the latter's
/// own argument).
///
/// ```
/// use redisync::LposOptions;
/// // The second match from the tail, looking at the last 1000 elements at most.
/// let o = LposOptions::new().rank(-2).maxlen(1000);
/// # let _ = o;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LposOptions {
    rank: Option<i64>,
    maxlen: Option<u64>,
}

impl LposOptions {
    /// The first match from the head, the whole list searched.
    pub fn new() -> LposOptions {
        LposOptions::default()
    }
    /// `RANK rank`: skip to the `rank`-th match (1 is the first); negative counts matches from
    /// the tail (-1 is the last). Zero is refused.
    pub fn rank(mut self, rank: i64) -> LposOptions {
        self.rank = Some(rank);
        self
    }
    /// `MAXLEN len`: compare at most `len` elements (0: the whole list).
    pub fn maxlen(mut self, len: u64) -> LposOptions {
        self.maxlen = Some(len);
        self
    }

    /// Why these options cannot be sent, if they cannot.
    pub(super) fn check(&self) -> Result<()> {
        if self.rank == Some(0) {
            return Err(Error::invalid(
                "lpos options",
                "RANK 0 means nothing: 1 is the first match, -1 the last",
            ));
        }
        Ok(())
    }
}

impl ToArgs for LposOptions {
    fn write_args(&self, out: &mut ArgWriter<'_>) {
        self.rank.map(|r| ("RANK", r)).write_args(out);
        self.maxlen.map(|n| ("MAXLEN", n)).write_args(out);
    }
}

/// `LINSERT`'s reply: the new length, or `-1` when the pivot was not found, which reads as
/// nil (`None`).
pub(super) fn pivot_missing_is_nil(value: Value) -> Result<Value> {
    Ok(match value {
        Value::Int(-1) => Value::Nil,
        other => other,
    })
}
