//! A pipeline across a cluster: its commands grouped per node, every group written before any
//! is read (so one slow node does not hold up the rest), the replies put back in order.
//! A command the cluster redirected (`MOVED`, `ASK`) or refused for now (`TRYAGAIN`,
//! `CLUSTERDOWN`, `LOADING`, ...: it did not run) is sent again alone, through the loop that follows
//! redirects; a group whose connection failed is sent again command by command only when
//! nothing in it can have run, or what may have run is safe to repeat.

use std::ops::Range;

use super::Inner;
use super::route::{Combine, Route};
use super::topology::Node;
use crate::commands::{Batch, Cmd, Request};
use crate::connection::Meta;
use crate::deadline::Budget;
use crate::error::{Error, ErrorKind, RedirectKind, Result, ServerError};
use crate::resp::{Value, split_command};
use std::time::Duration;

/// One node's share of a pipeline.
struct Group {
    node: Node,
    /// The pipeline's indexes of its commands, in order.
    members: Vec<usize>,
    encoded: Vec<u8>,
    metas: Vec<Meta>,
}

pub(super) fn run(
    inner: &Inner,
    batch: &Batch<'_>,
    slots: &[Option<u16>],
    call: Budget,
    limit: Option<Duration>,
) -> Result<Vec<Value>> {
    let frames = frames(batch);
    // A command for every primary (`DBSIZE`, `FLUSHALL`, `SCRIPT LOAD`, ...) goes to every
    // primary, as it does alone; the pipeline is cut around it so that it runs after the
    // commands before it and before those after it, on every node.
    let every: Vec<Option<Combine>> = slots
        .iter()
        .zip(&frames)
        .map(|(s, (_, m))| match s {
            None if !waits_for_writes(m) && m.spec.name() != "PING" => Route::every_shard(m.spec),
            _ => None,
        })
        .collect();
    if every.iter().all(Option::is_none) {
        return run_part(inner, batch, &frames, slots, call, limit, false);
    }
    let mut out = Vec::with_capacity(batch.len());
    let mut begin = 0;
    for (i, combine) in every.iter().enumerate() {
        let Some(combine) = combine else {
            continue;
        };
        if begin < i {
            let part = Part::of(batch, &frames, begin..i);
            out.extend(run_part(
                inner,
                &part.batch(batch.repeatable),
                &frames[begin..i],
                &slots[begin..i],
                call,
                limit,
                false,
            )?);
        }
        let Some((frame, _)) = frames.get(i) else {
            continue;
        };
        let cmd = command_of(frame, batch.repeatable)?;
        out.push(
            match inner.fan_out(&Request::from(&cmd), *combine, call, limit) {
                Ok(v) => v,
                // An error reply stays a value, as in any pipeline.
                Err(Error::Server(e)) => Value::Error(e),
                Err(e) => return Err(e),
            },
        );
        begin = i + 1;
    }
    if begin < batch.len() {
        let part = Part::of(batch, &frames, begin..batch.len());
        out.extend(run_part(
            inner,
            &part.batch(batch.repeatable),
            &frames[begin..],
            &slots[begin..],
            call,
            limit,
            false,
        )?);
    }
    Ok(out)
}

/// Some consecutive commands of a batch, as a batch of their own.
struct Part<'a> {
    encoded: &'a [u8],
    metas: Vec<Meta>,
}

impl<'a> Part<'a> {
    fn of(batch: &Batch<'a>, frames: &[(&'a [u8], Meta)], range: Range<usize>) -> Part<'a> {
        let start = range
            .start
            .checked_sub(1)
            .and_then(|i| batch.metas.get(i))
            .map_or(0, |m| m.end);
        let end = range
            .end
            .checked_sub(1)
            .and_then(|i| batch.metas.get(i))
            .map_or(start, |m| m.end);
        let metas = frames
            .get(range)
            .unwrap_or_default()
            .iter()
            .map(|(_, m)| Meta {
                spec: m.spec,
                end: m.end.saturating_sub(start),
            })
            .collect();
        Part {
            encoded: batch.encoded.get(start..end).unwrap_or_default(),
            metas,
        }
    }

    fn batch(&self, repeatable: bool) -> Batch<'_> {
        Batch {
            encoded: self.encoded,
            metas: &self.metas,
            atomic: false,
            repeatable,
        }
    }
}

/// A pipeline with no command for every primary: grouped per node, every group written
/// before any is read. `again`: these are commands of a pipeline sent again together (the
/// writes before a `WAIT`, with it), which are not regrouped a second time.
fn run_part(
    inner: &Inner,
    batch: &Batch<'_>,
    frames: &[(&[u8], Meta)],
    slots: &[Option<u16>],
    call: Budget,
    limit: Option<Duration>,
    again: bool,
) -> Result<Vec<Value>> {
    let topology = inner.current(call)?;
    let mut groups: Vec<Group> = Vec::new();
    let mut alone: Vec<usize> = Vec::new();
    // Keyless commands of one pipeline all go to one primary, chosen at random.
    let any = match topology.shards.len() {
        0 => None,
        n => topology
            .shards
            .get(rand::random_range(0..n))
            .map(|s| s.primary.clone()),
    };
    // The node of the last command with keys: a `WAIT` (or `WAITAOF`) counts the replicas
    // that have this connection's writes, so it must go on the connection of the writes
    // before it, not to a random primary.
    let mut previous: Option<Node> = None;
    // Each command's group, for a `WAIT` to know which writes it was to count.
    let mut group_of: Vec<Option<usize>> = vec![None; frames.len()];
    for (i, (slot, (frame, meta))) in slots.iter().zip(frames).enumerate() {
        let node = match slot {
            Some(s) => topology.shard(*s).map(|sh| sh.primary.clone()),
            None if waits_for_writes(meta) => previous.clone().or_else(|| any.clone()),
            None => any.clone(),
        };
        if slot.is_some() {
            previous.clone_from(&node);
        }
        let Some(node) = node else {
            alone.push(i); // unassigned: the single-command path refreshes first
            continue;
        };
        let g = match groups.iter_mut().position(|g| g.node.addr == node.addr) {
            Some(g) => g,
            None => {
                groups.push(Group {
                    node,
                    members: Vec::new(),
                    encoded: Vec::new(),
                    metas: Vec::new(),
                });
                groups.len() - 1
            }
        };
        if let Some(at) = group_of.get_mut(i) {
            *at = Some(g);
        }
        let group = &mut groups[g];
        group.members.push(i);
        group.encoded.extend_from_slice(frame);
        group.metas.push(Meta {
            spec: meta.spec,
            end: group.encoded.len(),
        });
    }
    drop(topology);

    let repeatable = batch.repeatable;
    fn sub(g: &Group, repeatable: bool) -> Batch<'_> {
        Batch {
            encoded: &g.encoded,
            metas: &g.metas,
            atomic: false,
            repeatable,
        }
    }
    // Write every group, then read every group.
    let started: Vec<_> = groups
        .iter()
        .map(|g| {
            g.node
                .client
                .start_batch(&sub(g, repeatable), call, limit, false)
        })
        .collect();
    let mut out: Vec<Option<Value>> = vec![None; batch.len()];
    let mut first_error: Option<Error> = None;
    let mut refresh_ticket = None;
    for (g, started) in groups.iter().zip(started) {
        let result = started.and_then(|conn| g.node.client.finish_batch(conn, &sub(g, repeatable)));
        match result {
            Ok(replies) => {
                for (&i, reply) in g.members.iter().zip(replies) {
                    let spec = frames.get(i).map(|(_, m)| m.spec);
                    if did_not_run_here(&reply, spec, &inner.retry) {
                        if let Value::Error(e) | Value::BulkError(e) = &reply {
                            // The map learns a MOVED at once, so the command (and a WAIT
                            // sent again with it) goes to the new owner.
                            if let Some(r) =
                                e.redirect().filter(|r| r.kind() == RedirectKind::Moved)
                            {
                                let _ = inner.moved_to(r, Some(&g.node.addr));
                            }
                        }
                        alone.push(i);
                    } else if let Some(slot) = out.get_mut(i) {
                        *slot = Some(reply);
                    }
                }
            }
            Err(f) => {
                inner.after_failure(&f.error, &mut refresh_ticket);
                let repeat = |i: &usize| {
                    batch.repeatable
                        || frames.get(*i).is_some_and(|(_, m)| {
                            m.spec.repeat() == crate::commands::table::Repeat::Safe
                        })
                };
                if !f.may_have_run || g.members.iter().all(repeat) {
                    alone.extend(g.members.iter().copied());
                } else if first_error.is_none() {
                    first_error = Some(f.error);
                }
            }
        }
    }
    if let Some(e) = first_error {
        // Some commands of a group may have run and are not safe to send again: the caller
        // must know, as with a pipeline on one server whose connection failed.
        return Err(e);
    }
    alone.sort_unstable();
    // A `WAIT` counts the replicas that have its connection's writes. When the writes before
    // it are sent again (redirected, or their node's connection failed before they ran), a
    // `WAIT` that ran where they did not, or that would be sent again alone to any node,
    // counts replicas of nothing: it is sent again right after them, in one pipeline, on the
    // node they go to now.
    let mut bundles: Vec<Vec<usize>> = Vec::new();
    for (w, (_, meta)) in frames.iter().enumerate() {
        let Some(g) = group_of.get(w).copied().flatten() else {
            continue;
        };
        if !waits_for_writes(meta) {
            continue;
        }
        let mut writes: Vec<usize> = alone
            .iter()
            .copied()
            .filter(|&j| j < w && group_of.get(j).copied().flatten() == Some(g))
            .collect();
        if writes.is_empty() {
            continue;
        }
        alone.retain(|&j| j != w);
        if again {
            // Moved again on the way: say so rather than answer a count of nothing (the
            // writes are sent on their own).
            if let Some(slot) = out.get_mut(w) {
                *slot = Some(Value::Error(Box::new(ServerError::parse(
                    b"ERR WAIT not counted: the writes before it were sent again elsewhere; wait again",
                ))));
            }
            continue;
        }
        alone.retain(|j| !writes.contains(j));
        writes.push(w);
        bundles.push(writes);
    }
    let mut jobs: Vec<Vec<usize>> = alone.into_iter().map(|i| vec![i]).collect();
    jobs.extend(bundles);
    jobs.sort_unstable_by_key(|job| job.first().copied());
    if !again {
        // Commands redirected or refused together (a slot moved under a long pipeline: every
        // command of it met MOVED) are grouped again per node once, the map having learnt the
        // MOVED, instead of one round trip each; what is redirected again goes alone. Only
        // runs of them between the bundles of a WAIT are, so nothing changes order.
        jobs = regroup(jobs, |i| {
            frames.get(i).is_some_and(|(_, m)| waits_for_writes(m))
        });
    }
    for job in jobs {
        if let [i] = job[..] {
            let Some((frame, _)) = frames.get(i) else {
                continue;
            };
            let cmd = command_of(frame, batch.repeatable)?;
            let request = Request::from(&cmd);
            let reply = match inner.call(&request, slots.get(i).copied().flatten(), call, limit) {
                Ok(v) => v,
                // An error reply stays a value, as in any pipeline.
                Err(Error::Server(e)) => Value::Error(e),
                Err(e) => return Err(e),
            };
            if let Some(slot) = out.get_mut(i) {
                *slot = Some(reply);
            }
            continue;
        }
        let mut encoded = Vec::new();
        let mut metas = Vec::with_capacity(job.len());
        let mut part_frames = Vec::with_capacity(job.len());
        let mut part_slots = Vec::with_capacity(job.len());
        for &i in &job {
            let Some(&(frame, meta)) = frames.get(i) else {
                continue;
            };
            encoded.extend_from_slice(frame);
            metas.push(Meta {
                spec: meta.spec,
                end: encoded.len(),
            });
            part_frames.push((frame, meta));
            part_slots.push(slots.get(i).copied().flatten());
        }
        let part = Batch {
            encoded: &encoded,
            metas: &metas,
            atomic: false,
            repeatable: batch.repeatable,
        };
        if let Some(ticket) = refresh_ticket.take() {
            // A node failed: grouped again only once the map may know where its slots went.
            inner.wait_for_refresh(ticket, call);
        }
        let mut keyed = part_slots.iter().flatten();
        let first = keyed.next().copied();
        let waits = part_frames.iter().any(|(_, m)| waits_for_writes(m));
        let replies = if !waits {
            // A run of commands sent alone before: per node again, once.
            run_part(inner, &part, &part_frames, &part_slots, call, limit, true)?
        } else if keyed.all(|s| Some(*s) == first) {
            // Writes to one slot (the usual case): on one connection of its node, under the
            // retry policy as one command is (it rides out a failover as they do).
            inner.on_one_node(&part, first, call, limit, writes_refused)?
        } else {
            run_part(inner, &part, &part_frames, &part_slots, call, limit, true)?
        };
        for (&i, reply) in job.iter().zip(replies) {
            if let Some(slot) = out.get_mut(i) {
                *slot = Some(reply);
            }
        }
    }
    out.into_iter()
        .map(|v| v.ok_or_else(|| Error::invalid("pipeline", "a reply is missing")))
        .collect()
}

/// `jobs` (each one command to send alone, or the writes and `WAIT` to send again together),
/// in order, with each run of two or more single commands between the others made one job.
/// A single `WAIT` stays alone (it is routed as it is sent alone), and ends a run.
fn regroup(jobs: Vec<Vec<usize>>, is_wait: impl Fn(usize) -> bool) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::with_capacity(jobs.len());
    let mut run: Vec<usize> = Vec::new();
    for job in jobs {
        match job[..] {
            [i] if !is_wait(i) => run.push(i),
            _ => {
                if !run.is_empty() {
                    out.push(std::mem::take(&mut run));
                }
                out.push(job);
            }
        }
    }
    if !run.is_empty() {
        out.push(run);
    }
    out
}

/// In the replies of some writes and the `WAIT` after them, all on one node: every write
/// redirected or refused for now (so none ran), as the error for the whole to follow or wait.
fn writes_refused(replies: &[Value]) -> Option<Error> {
    let (_, writes) = replies.split_last()?;
    let mut first = None;
    for v in writes {
        match v {
            Value::Error(e) | Value::BulkError(e)
                if matches!(
                    e.kind(),
                    ErrorKind::Moved
                        | ErrorKind::Ask
                        | ErrorKind::TryAgain
                        | ErrorKind::ClusterDown
                        | ErrorKind::MasterDown
                        | ErrorKind::BusyLoading
                        | ErrorKind::ReadOnly
                ) =>
            {
                first = first.or_else(|| Some(Error::Server(e.clone())));
            }
            _ => return None,
        }
    }
    first
}

/// `WAIT` and `WAITAOF`: keyless, but about the writes made before them on one connection.
fn waits_for_writes(meta: &Meta) -> bool {
    matches!(meta.spec.name(), "WAIT" | "WAITAOF")
}

/// Each command's bytes and entry.
fn frames<'a>(batch: &Batch<'a>) -> Vec<(&'a [u8], Meta)> {
    let mut out = Vec::with_capacity(batch.len());
    let mut begin = 0;
    for m in batch.metas {
        out.push((batch.encoded.get(begin..m.end).unwrap_or_default(), *m));
        begin = m.end;
    }
    out
}

/// A reply that says the command did not run on this node and may succeed elsewhere or later:
/// a redirect, or a refusal the cluster's policy retries for a single command (`TRYAGAIN`,
/// `CLUSTERDOWN`, `LOADING`, `MASTERDOWN`, `READONLY`), which is then retried the same way.
/// A script's or function's error reply may come after some of its work: only its redirects
/// (given before it runs) count.
fn did_not_run_here(
    reply: &Value,
    spec: Option<&crate::commands::table::CommandSpec>,
    retry: &crate::retry::Retry,
) -> bool {
    let (Value::Error(e) | Value::BulkError(e)) = reply else {
        return false;
    };
    match e.kind() {
        ErrorKind::Moved | ErrorKind::Ask => true,
        ErrorKind::TryAgain | ErrorKind::ClusterDown => true,
        kind @ (ErrorKind::BusyLoading | ErrorKind::MasterDown | ErrorKind::ReadOnly) => {
            retry.retries_kind(kind) && spec.is_some_and(|s| !s.runs_user_code())
        }
        _ => false,
    }
}

/// A command rebuilt from its encoded bytes, to send alone.
fn command_of(frame: &[u8], repeatable: bool) -> Result<Cmd> {
    let args = split_command(frame)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| Error::invalid("pipeline", "a command could not be re-read"))?;
    let mut cmd = Cmd::new(&String::from_utf8_lossy(args[0]));
    for a in &args[1..] {
        cmd.push(*a);
    }
    Ok(if repeatable { cmd.idempotent() } else { cmd })
}

/// In a transaction's replies: a queued command redirected or refused for now, which aborted
/// it (`EXECABORT`, so nothing ran): the redirect for the whole transaction to follow, or the
/// refusal for it to retry.
pub(super) fn redirect_in_transaction(replies: &[Value]) -> Option<Error> {
    const REFUSED: &[ErrorKind] = &[
        ErrorKind::TryAgain,
        ErrorKind::ClusterDown,
        ErrorKind::MasterDown,
        ErrorKind::BusyLoading,
    ];
    let exec = match replies.last() {
        Some(Value::Error(e) | Value::BulkError(e)) => e,
        _ => return None,
    };
    // EXEC itself redirected or refused (the server checks the queued commands' keys again
    // then: TRYAGAIN when the slot is half-moved): nothing ran.
    if matches!(exec.kind(), ErrorKind::Moved | ErrorKind::Ask) || REFUSED.contains(&exec.kind()) {
        return Some(Error::Server(exec.clone()));
    }
    if exec.kind() != ErrorKind::ExecAbort {
        return None;
    }
    let queued = |kinds: &[ErrorKind]| {
        replies.iter().find_map(|v| match v {
            Value::Error(e) | Value::BulkError(e) if kinds.contains(&e.kind()) => {
                Some(Error::Server(e.clone()))
            }
            _ => None,
        })
    };
    // A redirect first; else a refusal for now (a key of the slot moved and another not
    // yet: TRYAGAIN until the migration ends), which the retry loop waits out.
    queued(&[ErrorKind::Moved, ErrorKind::Ask]).or_else(|| queued(REFUSED))
}

#[cfg(test)]
mod tests {
    use super::regroup;

    #[test]
    fn runs_of_single_commands_between_bundles_become_one_job_each() {
        let jobs = vec![
            vec![0],
            vec![1],
            vec![2, 3],
            vec![4],
            vec![5],
            vec![6],
            vec![7],
        ];
        // 5 is a WAIT sent alone: it ends the run before it and stays alone.
        let got = regroup(jobs, |i| i == 5);
        assert_eq!(
            got,
            vec![vec![0, 1], vec![2, 3], vec![4], vec![5], vec![6, 7]]
        );
        assert!(regroup(Vec::new(), |_| false).is_empty());
    }
}
