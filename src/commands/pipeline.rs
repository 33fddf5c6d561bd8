//! [`Pipeline`]: many commands sent with one write, their replies read in order.

use super::cmd::Cmd;
use super::reply::FromValue;
use super::{Batch, Execute};
use crate::connection::session::SessionEffect;
use crate::error::Result;
use crate::resp::Value;

/// Starts an empty pipeline.
///
/// ```no_run
/// use redisync::{cmd, pipe, Connection};
/// let mut conn = Connection::open("redis://127.0.0.1")?;
/// let (a, b): (i64, i64) = pipe().add(cmd("INCR").arg("a")).add(cmd("INCR").arg("b")).query(&mut conn)?;
/// # Ok::<(), redisync::Error>(())
/// ```
pub fn pipe() -> Pipeline {
    Pipeline::new()
}

/// Commands queued to go out together. All replies are read even when some are errors, so the
/// connection stays in step; an error reply among them surfaces when the replies are converted
/// (or stays a [`Value::Error`] when converted to [`Value`]s).
#[derive(Debug, Clone, Default)]
pub struct Pipeline {
    buf: Vec<u8>,
    count: usize,
    effects: Vec<SessionEffect>,
}

impl Pipeline {
    /// An empty pipeline.
    pub fn new() -> Pipeline {
        Pipeline::default()
    }

    /// Queues a command.
    pub fn add(&mut self, cmd: &Cmd) -> &mut Pipeline {
        cmd.encode(&mut self.buf);
        self.count += 1;
        self.effects.extend(cmd.effect());
        self
    }

    /// How many commands are queued.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no command is queued.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Sends every command with one write and converts the list of replies (into a tuple, a
    /// `Vec`, or `Vec<Value>` to see each reply, errors included).
    pub fn query<T: FromValue>(&self, mut con: impl Execute) -> Result<T> {
        let batch = Batch {
            encoded: &self.buf,
            count: self.count,
            effects: &self.effects,
        };
        T::from_value(Value::Array(con.execute_batch(&batch)?))
    }
}
