//! The pool scenarios: what sharing one `redisync::Client` (and its pool) across threads costs,
//! against connections of one's own, against r2d2 over the `redis` crate, and per checkout.
//!
//! Each prints one line in the same shape as the other scenarios. The targets in the notes are
//! the ones issue 3 set for the pool.

use std::hint::black_box;

use redisync::prelude::*;

use crate::measure::{Plan, Unit, alone, compare, compare_threads, report_alone, report_target};
use crate::scenarios::{KEY_16, PIPELINE_LEN, redis_rs_client};

/// Threads (and connections) of the multi-threaded scenarios.
pub const THREADS: usize = 8;

/// One GET of the 16-byte value through a shared client (a checkout, the round trip, a return).
fn get_pooled(client: &redisync::Client) {
    let v: Option<Vec<u8>> = client.get(KEY_16).expect("redisync pooled GET");
    assert_eq!(v.map(|v| v.len()), Some(16));
}

/// One GET of the 16-byte value on a connection of the thread's own.
fn get_own(conn: &mut redisync::Connection) {
    let v: Option<Vec<u8>> = conn.get(KEY_16).expect("redisync GET");
    assert_eq!(v.map(|v| v.len()), Some(16));
}

/// A client whose pool holds up to [`THREADS`] connections, all opened (and checked) up front,
/// so no round measures a connect.
fn pooled_client(url: &str) -> Result<redisync::Client, String> {
    let client = redisync::Client::builder()
        .url(url)
        .max_connections(THREADS)
        .build()
        .map_err(|e| format!("redisync client: {e}"))?;
    let held = (0..THREADS)
        .map(|_| client.get_connection())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("redisync checkout: {e}"))?;
    drop(held);
    get_pooled(&client);
    Ok(client)
}

/// What the pool did during a scenario, when it did more than it should have: waits or extra
/// connections would mean the scenario measured something else than a free checkout.
fn note_pool(client: &redisync::Client) {
    let s = client.pool_state();
    if s.waits > 0 || s.created > THREADS as u64 || s.discarded > 0 || s.timeouts > 0 {
        println!(
            "  note: pool created {}, discarded {}, waits {}, timeouts {}",
            s.created, s.discarded, s.waits, s.timeouts
        );
    }
}

/// a. `THREADS` threads of sequential GETs through one shared client with `THREADS`
/// connections, against `THREADS` threads each with a dedicated connection.
pub fn pool8(plan: Plan, url: &str) -> Result<(), String> {
    let client = pooled_client(url)?;
    let mut handles: Vec<redisync::Client> = vec![client.clone(); THREADS];
    let mut own = (0..THREADS)
        .map(|_| redisync::Connection::open(url))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("redisync: {e}"))?;
    let rates = compare_threads(
        plan,
        (&mut handles, &|c: &mut redisync::Client| get_pooled(c)),
        (&mut own, &get_own),
    );
    report_target(
        &format!("pool GET 16B x{THREADS}"),
        ("pool", "own conn"),
        rates,
        Unit::Ops,
        "  (target >= 0.95)",
    );
    note_pool(&client);
    Ok(())
}

/// b. The same load through the client, against r2d2 over the `redis` crate with r2d2's
/// defaults (`test_on_check_out`: a PING on every checkout).
pub fn r2d2(plan: Plan, url: &str) -> Result<(), String> {
    let client = pooled_client(url)?;
    let mut handles: Vec<redisync::Client> = vec![client.clone(); THREADS];
    let pool = r2d2::Pool::builder()
        .max_size(THREADS as u32)
        .build(redis_rs_client(url)?)
        .map_err(|e| format!("r2d2: {e}"))?;
    let mut pools = vec![pool; THREADS];
    let rates = compare_threads(
        plan,
        (&mut handles, &|c: &mut redisync::Client| get_pooled(c)),
        (&mut pools, &|p: &mut r2d2::Pool<redis::Client>| {
            let mut conn = p.get().expect("r2d2 checkout");
            let v: Option<Vec<u8>> =
                redis::Commands::get(&mut *conn, KEY_16).expect("redis-rs GET");
            assert_eq!(v.map(|v| v.len()), Some(16));
        }),
    );
    report_target(
        &format!("r2d2 GET 16B x{THREADS}"),
        ("redisync", "r2d2"),
        rates,
        Unit::Ops,
        "  (target >= 1.8)",
    );
    note_pool(&client);
    Ok(())
}

/// c. An uncontended checkout and return with no command in between: the pool's own cost.
pub fn checkout(plan: Plan, url: &str) -> Result<(), String> {
    let client = redisync::Client::builder()
        .url(url)
        .max_connections(1)
        .build()
        .map_err(|e| format!("redisync client: {e}"))?;
    get_pooled(&client);
    let rate = alone(plan, &mut || {
        let conn = client.get_connection().expect("redisync checkout");
        drop(black_box(conn));
    });
    report_alone(
        "checkout+return",
        "redisync",
        rate,
        Unit::NanosPer("checkout"),
        "  (target <= 1000 ns)",
    );
    let s = client.pool_state();
    if s.created != 1 || s.discarded > 0 {
        println!(
            "  note: pool created {}, discarded {}: checkouts were not all of one idle connection",
            s.created, s.discarded
        );
    }
    Ok(())
}

/// d. A pipeline of `PIPELINE_LEN` GETs through the client (checkout, pipeline, return)
/// against the same pipeline on a bare connection.
pub fn pool_pipeline(plan: Plan, url: &str) -> Result<(), String> {
    let client = pooled_client(url)?;
    let mut bare = redisync::Connection::open(url).map_err(|e| format!("redisync: {e}"))?;
    let mut p = redisync::Pipeline::new();
    for _ in 0..PIPELINE_LEN {
        p.get::<Vec<u8>>(KEY_16);
    }
    let rates = compare(
        plan,
        &mut || {
            let v: Vec<Option<Vec<u8>>> = p.query(&client).expect("redisync pooled pipeline");
            assert_eq!(v.len(), PIPELINE_LEN);
        },
        &mut || {
            let v: Vec<Option<Vec<u8>>> = p.query(&mut bare).expect("redisync pipeline");
            assert_eq!(v.len(), PIPELINE_LEN);
        },
    );
    report_target(
        &format!("pool pipeline {PIPELINE_LEN}"),
        ("pooled", "bare"),
        rates,
        Unit::Pipelines,
        "  (target ~1.0)",
    );
    note_pool(&client);
    Ok(())
}

/// How the threads of the multi-threaded scenarios share the machine, for the output.
pub fn mode(pinned: bool) -> String {
    if pinned {
        format!("pool scenarios: {THREADS} client threads and redis-server all on core 0 (--pin)")
    } else {
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        format!(
            "pool scenarios: {THREADS} client threads and redis-server unpinned, sharing {cores} \
             cores"
        )
    }
}
