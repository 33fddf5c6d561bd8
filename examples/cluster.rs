//! A Redis Cluster client: writes and reads keys spread over every primary, an `MGET` the
//! client splits per slot and puts back in order, a transaction on hash-tagged keys (one
//! slot), a pipeline across nodes, then the slot map and the client's counters. It checks its
//! own results and exits non-zero on a wrong one.
//!
//! `cargo run --example cluster -- redis://127.0.0.1:7000 [more seed URLs]`, or the seeds
//! comma-separated in `REDIS_CLUSTER_SEEDS` (`make demo` starts a 3-primary, 3-replica cluster).
//! It writes keys named `cluster-example:*`.

use std::collections::BTreeSet;
use std::process::ExitCode;

use redisync::Pipeline;
use redisync::cluster::{ClusterClient, slot};
use redisync::prelude::*;

type Failure = Box<dyn std::error::Error>;

/// How many plain keys it writes: enough to land on every primary of a small cluster.
const KEYS: usize = 30;

fn check(ok: bool, what: impl FnOnce() -> String) -> Result<(), Failure> {
    if ok { Ok(()) } else { Err(what().into()) }
}

fn run(seeds: &[String]) -> Result<(), Failure> {
    let cluster = ClusterClient::open(seeds)?;

    // SET and GET across slots: each goes to the primary serving its key's slot.
    let keys: Vec<String> = (0..KEYS).map(|i| format!("cluster-example:{i}")).collect();
    for (i, key) in keys.iter().enumerate() {
        cluster.set(key, i)?;
    }
    let mut owners = BTreeSet::new();
    for (i, key) in keys.iter().enumerate() {
        let v: Option<usize> = cluster.get(key)?;
        check(v == Some(i), || {
            format!("GET {key} returned {v:?}, not {i}")
        })?;
        owners.insert(
            cluster
                .client_for_key(key)?
                .connection_config()
                .address
                .to_string(),
        );
    }
    let primaries = cluster.primaries()?;
    println!(
        "SET/GET: {KEYS} keys in {} slots, on {} of {} primaries",
        keys.iter()
            .map(|k| slot(k.as_bytes()))
            .collect::<BTreeSet<_>>()
            .len(),
        owners.len(),
        primaries.len()
    );
    check(owners.len() == primaries.len(), || {
        format!("the keys landed on {owners:?} only")
    })?;

    // MGET over many slots: split per slot, sent to each owner, reassembled in key order
    // (not atomic across slots). A missing key reads as None in its place.
    let mut asked: Vec<&str> = keys.iter().map(String::as_str).collect();
    asked.insert(7, "cluster-example:missing");
    let values: Vec<Option<usize>> = cluster.mget(&asked)?;
    let mut expected: Vec<Option<usize>> = (0..KEYS).map(Some).collect();
    expected.insert(7, None);
    check(values == expected, || format!("MGET returned {values:?}"))?;
    println!("MGET: {} keys over several slots, in order", asked.len());

    // A transaction: its keys share the hash tag {account:1}, so one slot, one primary.
    let (from, to) = (
        "cluster-example:{account:1}:a",
        "cluster-example:{account:1}:b",
    );
    check(slot(from.as_bytes()) == slot(to.as_bytes()), || {
        "the hash-tagged keys are in different slots".into()
    })?;
    cluster.set(from, 100)?;
    cluster.set(to, 0)?;
    let (left, right): (i64, i64) = cluster.transaction([from, to], |conn, pipe| {
        let balance: i64 = conn.get(from)?.unwrap_or(0);
        let amount = balance.min(30);
        pipe.decrby(from, amount).incr_by(to, amount);
        Ok(())
    })?;
    check((left, right) == (70, 30), || {
        format!("the transfer left {left} and {right}, not 70 and 30")
    })?;
    println!(
        "transaction on slot {}: moved 30, balances {left} and {right}",
        slot(from.as_bytes())
    );

    // A pipeline across nodes: grouped per node, every group written before any is read, the
    // replies back in the order queued.
    let mut pipe = Pipeline::new();
    for key in &keys {
        pipe.incr_by(key, 1000);
    }
    pipe.get::<i64>(from);
    let replies: Vec<i64> = pipe.query(&cluster)?;
    let mut want: Vec<i64> = (0..KEYS as i64).map(|i| i + 1000).collect();
    want.push(70);
    check(replies == want, || {
        format!("the pipeline returned {replies:?}")
    })?;
    println!(
        "pipeline: {} commands over {} primaries, replies in order",
        pipe.len(),
        owners.len()
    );

    // What the client knows of the cluster.
    let map = cluster.slot_map();
    let covered: usize = map.iter().map(|(a, b, _)| usize::from(b - a) + 1).sum();
    println!("slot map: {} ranges, {covered} slots", map.len());
    for (first, last, primary) in &map {
        println!("  {first:>5}-{last:<5} {primary}");
    }
    check(covered == usize::from(redisync::cluster::SLOTS), || {
        format!("the slot map covers {covered} slots")
    })?;
    let stats = cluster.stats();
    println!(
        "stats: {} MOVED, {} ASK, {} slot map refreshes, {} retries, {} gave up",
        stats.moved, stats.ask, stats.refreshes, stats.retries, stats.gave_up
    );
    check(stats.refreshes >= 1 && stats.gave_up == 0, || {
        format!("unexpected counters {stats:?}")
    })?;

    let mut del: Vec<&str> = keys.iter().map(String::as_str).collect();
    del.extend([from, to]);
    let removed: u64 = cluster.del(&del)?;
    check(removed == del.len() as u64, || {
        format!("DEL removed {removed} of {}", del.len())
    })?;
    Ok(())
}

fn main() -> ExitCode {
    let mut seeds: Vec<String> = std::env::args().skip(1).collect();
    if seeds.is_empty() {
        seeds = std::env::var("REDIS_CLUSTER_SEEDS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
    }
    if seeds.is_empty() {
        eprintln!("usage: cluster SEED_URL [SEED_URL...]  (or REDIS_CLUSTER_SEEDS=url,url,...)");
        return ExitCode::from(2);
    }
    match run(&seeds) {
        Ok(()) => {
            println!("cluster example: all checks passed");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cluster example failed: {e}");
            ExitCode::FAILURE
        }
    }
}
