//! Pipelines: many commands sent with one write, their replies read in order; optionally wrapped
//! in `MULTI`/`EXEC`.
//!
//! Two forms take the same typed commands as a connection does:
//! - [`pipe()`] builds a [`Pipe`] whose reply type grows with each command, so
//!   `pipe().set("a", 1).incr("a").query(&mut conn)?` is a `((), i64)` with no annotation;
//! - [`Pipeline`] is built step by step (in a loop, say) and its replies are converted to the
//!   type the caller asks for, a tuple or a `Vec`.

use std::marker::PhantomData;

use std::fmt;

use super::args::Rollback;
use super::cmd::{Cmd, Request, Shape};
use super::core::Commands;
use super::reply::FromValue;
use super::table::spec;
use super::{Batch, Execute};
use crate::connection::Meta;
use crate::error::{Error, Result, ServerError};
use crate::resp::Value;

/// Starts a typed pipeline: each command method queues the command and returns a pipeline whose
/// [`Pipe::query`] yields one more tuple element.
///
/// ```no_run
/// use redisync::{pipe, Connection};
/// use redisync::prelude::*;
/// let mut conn = Connection::open("redis://127.0.0.1")?;
/// let ((), n, v) = pipe().set("a", 1).incr("a").get::<String>("a").query(&mut conn)?;
/// assert_eq!((n, v.as_deref()), (2, Some("2")));
/// # Ok::<(), redisync::Error>(())
/// ```
pub fn pipe() -> Pipe<()> {
    Pipe {
        inner: Pipeline::new(),
        types: PhantomData,
    }
}

/// Commands queued to go out together, built step by step. All replies are read even when
/// some are errors, so the connection stays in step; an error reply surfaces when the replies
/// are converted (or stays a [`Value::Error`] when converted to `Vec<Value>`).
///
/// Typed commands queue on `&mut Pipeline` too; generic ones then need their type named
/// (`p.get::<String>("k")`), though only the type given to [`Pipeline::query`] counts.
///
/// ```no_run
/// use redisync::{cmd, Connection, Pipeline};
/// use redisync::prelude::*;
/// let mut conn = Connection::open("redis://127.0.0.1")?;
/// let mut p = Pipeline::new();
/// for i in 0..10 {
///     p.incr(format!("counter:{i}"));
/// }
/// let counts: Vec<i64> = p.query(&mut conn)?;
/// # Ok::<(), redisync::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct Pipeline {
    buf: Vec<u8>,
    /// Each queued command's table entry and where its bytes end.
    metas: Vec<Meta>,
    atomic: bool,
    /// Commands that are not safe to send twice.
    unrepeatable: usize,
    declared_idempotent: bool,
    /// A command that could not be encoded: the pipeline is refused when sent.
    invalid: Option<String>,
    /// The queued commands whose replies are shaped for their typed method (by index).
    shapes: Vec<(usize, Shape)>,
}

impl Pipeline {
    /// An empty pipeline.
    pub fn new() -> Pipeline {
        Pipeline::default()
    }

    /// Queues a command.
    pub fn add(&mut self, cmd: &Cmd) -> &mut Pipeline {
        self.push(&Request::from(cmd));
        self
    }

    fn push(&mut self, request: &Request<'_>) {
        // A panic in the caller's argument impl must not leave half a command queued.
        let mut guard = Rollback::new(&mut self.buf);
        match request.encode(guard.buf()) {
            Ok(()) => {
                guard.keep();
                if let Some(shape) = request.shape() {
                    self.shapes.push((self.metas.len(), shape));
                }
                self.metas.push(Meta {
                    spec: request.spec(),
                    end: self.buf.len(),
                });
                self.unrepeatable += usize::from(!request.is_repeatable());
            }
            Err(e) => {
                self.invalid.get_or_insert(e.to_string());
            }
        }
    }

    /// Wraps the commands in `MULTI` ... `EXEC`, so they run as one transaction. The replies are
    /// then `EXEC`'s; a queued command the server refused makes the whole pipeline fail with
    /// [`ErrorKind::ExecAbort`](crate::ErrorKind::ExecAbort) naming that command's error, and an
    /// aborted `EXEC` (a watched key changed) is [`Error::Watch`].
    pub fn atomic(&mut self) -> &mut Pipeline {
        self.atomic = true;
        self
    }

    /// Declares every queued command safe to send again after its replies were lost (the
    /// caller's opt-in for a pipeline of idempotent writes), so the client's retry policy may
    /// re-send the whole pipeline after a timeout or a dropped connection.
    ///
    /// Without it, a pipeline is sent again only if nothing in it can have run yet (the
    /// connection failed before any command of it was written whole; for an atomic one, before
    /// `EXEC` was), or if every command in it is safe to repeat by the command table (it
    /// changes nothing). With it, an atomic pipeline too is sent again after its `EXEC` was
    /// written: the caller has said running it twice is harmless. See [`Retry`](crate::Retry).
    pub fn idempotent(&mut self) -> &mut Pipeline {
        self.declared_idempotent = true;
        self
    }

    /// Whether the pipeline runs as a transaction.
    pub fn is_atomic(&self) -> bool {
        self.atomic
    }

    /// How many commands are queued.
    pub fn len(&self) -> usize {
        self.metas.len()
    }

    /// Whether no command is queued.
    pub fn is_empty(&self) -> bool {
        self.metas.is_empty()
    }

    /// Removes every queued command (keeping the atomic setting and the buffer's memory).
    pub fn clear(&mut self) {
        self.buf.clear();
        self.metas.clear();
        self.unrepeatable = 0;
        self.invalid = None;
        self.shapes.clear();
    }

    /// Sends every command with one write and converts the list of replies: into a tuple, a
    /// `Vec`, or `Vec<Value>` to see each reply, errors included.
    ///
    /// # Errors
    /// Connection errors and timeouts; in atomic mode, `ExecAbort` and `Watch` as described at
    /// [`Pipeline::atomic`]; a conversion error, or the first error reply, when converting.
    pub fn query<T: FromValue>(&self, mut con: impl Execute) -> Result<T> {
        if let Some(e) = &self.invalid {
            return Err(Error::invalid("pipeline", e.clone()));
        }
        let repeatable = self.unrepeatable == 0 || self.declared_idempotent;
        if !self.atomic {
            let batch = Batch {
                encoded: &self.buf,
                metas: &self.metas,
                atomic: false,
                repeatable,
            };
            let replies = self.shaped(con.execute_batch(&batch)?)?;
            return T::from_value(Value::Array(replies));
        }
        const MULTI: &[u8] = b"*1\r\n$5\r\nMULTI\r\n";
        const EXEC: &[u8] = b"*1\r\n$4\r\nEXEC\r\n";
        let mut encoded = Vec::with_capacity(self.buf.len() + MULTI.len() + EXEC.len());
        encoded.extend_from_slice(MULTI);
        encoded.extend_from_slice(&self.buf);
        encoded.extend_from_slice(EXEC);
        let mut metas = Vec::with_capacity(self.metas.len() + 2);
        metas.push(Meta {
            spec: &spec::MULTI,
            end: MULTI.len(),
        });
        metas.extend(self.metas.iter().map(|m| Meta {
            spec: m.spec,
            end: m.end + MULTI.len(),
        }));
        metas.push(Meta {
            spec: &spec::EXEC,
            end: encoded.len(),
        });
        let batch = Batch {
            encoded: &encoded,
            metas: &metas,
            atomic: true,
            repeatable,
        };
        let mut replies = con.execute_batch(&batch)?;
        match exec_result(&mut replies)? {
            Value::Array(results) => T::from_value(Value::Array(self.shaped(results)?)),
            other => T::from_value(other),
        }
    }

    /// The replies, each shaped for its typed method (error replies are left as they are).
    fn shaped(&self, mut replies: Vec<Value>) -> Result<Vec<Value>> {
        for &(at, shape) in &self.shapes {
            if let Some(slot) = replies.get_mut(at) {
                if !matches!(slot, Value::Error(_) | Value::BulkError(_)) {
                    *slot = shape(std::mem::replace(slot, Value::Nil))?;
                }
            }
        }
        Ok(replies)
    }
}

/// Reads a transaction's replies: `+OK` for MULTI, `+QUEUED` (or a queueing error) per command,
/// then EXEC's.
fn exec_result(replies: &mut Vec<Value>) -> Result<Value> {
    let exec = replies.pop().unwrap_or(Value::Nil);
    let refused = replies.iter().skip(1).find_map(|v| match v {
        Value::Error(e) | Value::BulkError(e) => Some(e.to_string()),
        _ => None,
    });
    match exec {
        Value::Array(items) => Ok(Value::Array(items)),
        Value::Nil => Err(Error::Watch),
        Value::Error(e) | Value::BulkError(e) => match refused {
            // EXECABORT only says "previous errors"; name the one that caused it.
            Some(cause) => Err(Error::Server(Box::new(ServerError::parse(
                format!("EXECABORT Transaction discarded because a queued command failed: {cause}")
                    .as_bytes(),
            )))),
            None => Err(Error::Server(e)),
        },
        other => Err(Error::conversion("EXEC reply", other.describe())),
    }
}

impl fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Command names only: arguments can be secrets (`CONFIG SET requirepass ...`).
        f.debug_struct("Pipeline")
            .field("commands", &Names(&self.metas))
            .field("atomic", &self.atomic)
            .finish()
    }
}

/// Command names of a pipeline, for `Debug`.
struct Names<'a>(&'a [Meta]);

impl fmt::Debug for Names<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|m| m.spec.full_name()))
            .finish()
    }
}

impl Commands for &mut Pipeline {
    type Output<T: FromValue> = Self;

    fn run<T: FromValue>(self, request: &Request<'_>) -> Self {
        self.push(request);
        self
    }

    fn refuse<T: FromValue>(self, error: Error) -> Self {
        self.invalid.get_or_insert(error.to_string());
        self
    }
}

/// A typed pipeline from [`pipe()`]: `L` is the tuple of reply types queued so far.
#[derive(Clone)]
pub struct Pipe<L> {
    inner: Pipeline,
    types: PhantomData<fn() -> L>,
}

impl<L> Pipe<L> {
    /// Runs the commands as one `MULTI`/`EXEC` transaction (see [`Pipeline::atomic`]).
    pub fn atomic(mut self) -> Pipe<L> {
        self.inner.atomic();
        self
    }

    /// Declares every command of the pipeline safe to send again (see [`Pipeline::idempotent`]).
    pub fn idempotent(mut self) -> Pipe<L> {
        self.inner.idempotent();
        self
    }

    /// Queues an untyped command whose reply converts to `T`.
    pub fn cmd<T: FromValue>(self, cmd: &Cmd) -> Pipe<L::With<T>>
    where
        L: Append,
    {
        self.run::<T>(&Request::from(cmd))
    }

    /// The pipeline underneath, for adding commands in a loop.
    pub fn into_pipeline(self) -> Pipeline {
        self.inner
    }
}

impl<L: FromValue> Pipe<L> {
    /// Sends every command with one write; the replies convert to the tuple of the queued
    /// commands' types.
    pub fn query(&self, con: impl Execute) -> Result<L> {
        self.inner.query(con)
    }
}

impl<L: Append> Commands for Pipe<L> {
    type Output<T: FromValue> = Pipe<L::With<T>>;

    fn run<T: FromValue>(mut self, request: &Request<'_>) -> Pipe<L::With<T>> {
        self.inner.push(request);
        Pipe {
            inner: self.inner,
            types: PhantomData,
        }
    }

    fn refuse<T: FromValue>(mut self, error: Error) -> Pipe<L::With<T>> {
        self.inner.invalid.get_or_insert(error.to_string());
        Pipe {
            inner: self.inner,
            types: PhantomData,
        }
    }
}

impl<L> fmt::Debug for Pipe<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Pipe").field(&self.inner).finish()
    }
}

/// Tuples that grow by one element per queued command (up to twelve).
pub trait Append {
    /// This tuple with `T` at the end.
    type With<T>;
}

macro_rules! append {
    ($($name:ident)*) => {
        impl<$($name),*> Append for ($($name,)*) {
            type With<T> = ($($name,)* T,);
        }
    };
}
append!();
append!(A);
append!(A B);
append!(A B C);
append!(A B C D);
append!(A B C D E);
append!(A B C D E F);
append!(A B C D E F G);
append!(A B C D E F G H);
append!(A B C D E F G H I);
append!(A B C D E F G H I J);
append!(A B C D E F G H I J K);
