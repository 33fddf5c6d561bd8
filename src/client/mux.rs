//! The multiplexed mode on a [`Client`]: the builder setting, the routing of each call to the
//! shared connections or to the pool, and the counters.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::{Client, ClientBuilder, Work, refused};
use crate::commands::{Batch, Request};
use crate::connection::reply_to_result;
use crate::error::{Error, Result};
use crate::mux::{Commands, Mux, Outcome, Replies};
use crate::resp::Value;
use crate::retry::{Failure, run};

impl ClientBuilder {
    /// Turns on the multiplexed mode (default: off, every call takes a pooled connection of
    /// its own): the commands of all the threads calling this client share `connections`
    /// connections. Each shared connection has a thread of the client's that takes every
    /// command queued on it since its last write, sends them as one frame, and hands each reply
    /// back to its caller in order, as soon as it is read. Under many threads of small commands
    /// this turns a system call and a server wake-up per command into one per frame of many.
    ///
    /// Use it when many threads (dozens or more) call one client with small, quick commands.
    /// With a few threads (8, say), or large values, the pool is as fast or faster: the hop to
    /// the shared connection's thread costs more than it saves. One or two shared connections
    /// are usually enough (more make smaller frames, and each has a thread). A
    /// command or pipeline whose encoding is larger than 64 KiB takes the pool, so that its
    /// write does not hold up the callers behind it (a large *reply* cannot be known in
    /// advance: it holds up its connection's next frame while it is read).
    ///
    /// What shares a connection: every command that leaves the session as it found it and does
    /// not block, and pipelines made only of such commands (a pipeline's commands stay together
    /// and in order in the frame). What takes a pooled connection of its own, as without the
    /// mode: blocking commands (`BLPOP`, `XREAD BLOCK`, `WAIT`, ...), anything that changes the
    /// session (`SELECT`, `WATCH`, `MULTI`, `CLIENT ...`, `HELLO`, ...), atomic pipelines,
    /// [`Client::transaction`], [`Client::get_connection`], [`Client::subscriber`], and the
    /// misses of a client-side cache (hits are answered from the cache as always). The shared
    /// connections come out of the pool and count toward `max_connections`, which must leave
    /// at least one for those.
    ///
    /// Deadlines: each caller waits at most until its own deadline ([`Retry::deadline`],
    /// [`Client::with_timeout`]) and then returns a timeout at once; its command, if already
    /// written, is still answered and the answer dropped, so the connection stays in step for
    /// the others. The replies of one frame are bounded by the configured read timeout (a
    /// per-call timeout shortens a caller's wait but cannot lengthen a shared read). A
    /// connection that fails fails every caller in its frame, each told whether its own command
    /// had left whole, and the retry policy then decides for each caller as on the pool. A
    /// slow command (`DEBUG SLEEP`, a long script) delays every caller sharing its connection:
    /// send such commands on [`Client::get_connection`].
    ///
    /// Health checks apply to a shared connection that idled past `health_check_interval`
    /// (a failed check replaces it before the frame is written); connections retired by
    /// [`Client::retire_connections`], past `max_lifetime` or broken are replaced; an idle
    /// shared connection is read for push frames every 250 ms and goes back to the pool after
    /// `idle_timeout`.
    ///
    /// ```no_run
    /// use redisync::prelude::*;
    /// let client = redisync::Client::builder()
    ///     .url("redis://127.0.0.1:6379")
    ///     .multiplex(2)
    ///     .build()?;
    /// let v: Option<String> = client.get("greeting")?; // shares a connection
    /// # Ok::<(), redisync::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`build`](ClientBuilder::build) refuses 0 connections, and as many as `max_connections`
    /// or more.
    ///
    /// [`Retry::deadline`]: crate::Retry::deadline
    pub fn multiplex(mut self, connections: usize) -> ClientBuilder {
        self.multiplex = Some(connections);
        self
    }
}

/// The setting against the pool's size.
pub(super) fn check(connections: usize, max_connections: usize) -> Result<()> {
    if connections == 0 {
        return Err(Error::invalid(
            "multiplex",
            "needs at least 1 connection (leave it unset for the pool alone)",
        ));
    }
    if connections >= max_connections {
        return Err(Error::invalid(
            "multiplex",
            format!(
                "{connections} shared connections leave none of max_connections ({max_connections}) for blocking commands and transactions"
            ),
        ));
    }
    Ok(())
}

/// Counters of the multiplexed mode, from [`Client::multiplex_stats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct MultiplexStats {
    /// Shared connections (lanes).
    pub connections: usize,
    /// Frames written on them.
    pub frames: u64,
    /// Commands those frames carried (`commands / frames` is the mean coalescing).
    pub commands: u64,
    /// Replies read for callers that had stopped waiting (their deadline passed), and dropped.
    pub dropped_replies: u64,
    /// Connections the lanes took from the pool (the first ones, and replacements).
    pub connects: u64,
}

impl Client {
    /// The multiplexed mode's counters, if it is on
    /// ([`ClientBuilder::multiplex`]).
    pub fn multiplex_stats(&self) -> Option<MultiplexStats> {
        self.inner.mux.as_ref().map(|m| {
            let s = m.stats();
            MultiplexStats {
                connections: m.lanes(),
                frames: s.frames.load(Ordering::Relaxed),
                commands: s.commands.load(Ordering::Relaxed),
                dropped_replies: s.dropped.load(Ordering::Relaxed),
                connects: s.connections.load(Ordering::Relaxed),
            }
        })
    }

    /// One command (`encoded`) on a shared connection, under the retry policy.
    pub(super) fn execute_mux(
        &self,
        mux: &Mux,
        request: &Request<'_>,
        encoded: Vec<u8>,
        limit: Option<Duration>,
    ) -> Result<Value> {
        let work = Work::One(request);
        let call = self.call_budget(work, limit);
        let safe = work.safe_to_repeat();
        let spec = request.spec();
        let mut encoded = Some(encoded);
        run(&self.inner.retry, call, &self.inner.counters, false, |_| {
            // The first attempt sends what was encoded to choose the path; a retry encodes anew.
            let frame = match encoded.take() {
                Some(frame) => frame,
                None => {
                    let mut frame = Vec::with_capacity(64);
                    request.encode(&mut frame)?;
                    frame
                }
            };
            let reply = match mux.call(frame, Commands::One(spec), call) {
                Outcome::Replies(Replies::One(v)) => v,
                Outcome::Replies(Replies::Many(v)) => v
                    .into_iter()
                    .next()
                    .ok_or_else(|| Error::invalid("multiplexed call", "no reply"))?,
                Outcome::Failed {
                    error,
                    may_have_run,
                } => {
                    return Err(Failure {
                        error,
                        may_have_run,
                        safe_to_repeat: safe,
                    });
                }
            };
            reply_to_result(reply).map_err(|error| Failure {
                may_have_run: work.may_have_run(&error, Default::default()),
                safe_to_repeat: safe,
                error,
            })
        })
    }

    /// A pipeline (not atomic, every command shareable) on a shared connection, its commands
    /// together and in order in one frame, under the retry policy.
    pub(super) fn execute_batch_mux(
        &self,
        mux: &Mux,
        batch: &Batch<'_>,
        limit: Option<Duration>,
    ) -> Result<Vec<Value>> {
        let work = Work::Batch(batch);
        let call = self.call_budget(work, limit);
        let safe = work.safe_to_repeat();
        let retry = &self.inner.retry;
        run(retry, call, &self.inner.counters, false, |_| {
            let commands = Commands::Many(batch.metas.to_vec());
            let replies = match mux.call(batch.encoded.to_vec(), commands, call) {
                Outcome::Replies(Replies::Many(v)) => v,
                Outcome::Replies(Replies::One(v)) => vec![v],
                Outcome::Failed {
                    error,
                    may_have_run,
                } => {
                    return Err(Failure {
                        error,
                        may_have_run,
                        safe_to_repeat: safe,
                    });
                }
            };
            refused(replies, batch, retry).map_err(|error| Failure {
                may_have_run: work.may_have_run(&error, Default::default()),
                safe_to_repeat: safe,
                error,
            })
        })
    }
}
