//! A reliable job queue on lists: producers `LPUSH` jobs; workers take the oldest with
//! `BLMOVE` into a processing list (so a job is never only in a worker's memory), and `LREM`
//! it from there when done; a reaper puts jobs stuck in processing for too long (their worker
//! died) back on the queue, inside a `WATCH` transaction so a job finished meanwhile is not run
//! twice.
//!
//! `cargo run --example job_queue -- redis://127.0.0.1:6379` (or set `REDIS_URL`). It checks
//! its own results (every job done exactly once, the crashed worker's job recovered, nothing
//! left behind) and exits non-zero on a wrong one.

use std::collections::HashSet;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redisync::Side;
use redisync::prelude::*;

const JOBS: &str = "jobq:jobs";
const PROCESSING: &str = "jobq:processing";
/// When each job in processing was taken (field: the job, value: Unix milliseconds).
const TAKEN: &str = "jobq:taken";
/// How many times each job was taken.
const ATTEMPTS: &str = "jobq:attempts";
const DONE: &str = "jobq:done";

const PRODUCERS: usize = 2;
const JOBS_EACH: usize = 10;
/// The job whose first worker dies while holding it.
const CRASHING_JOB: &str = "p1-job-3";
/// How long a job may stay in processing before the reaper decides its worker died.
const VISIBILITY: Duration = Duration::from_millis(200);
/// How long an idle worker waits for a job before looking whether the producers are done.
const IDLE_WAIT: Duration = Duration::from_millis(250);

type Checked<T> = Result<T, Box<dyn std::error::Error>>;

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn check(ok: bool, what: &str) -> Checked<()> {
    if ok {
        println!("ok: {what}");
        Ok(())
    } else {
        Err(format!("wrong: {what}").into())
    }
}

/// Pushes this producer's jobs at the head of the queue.
fn produce(client: &Client, producer: usize) -> redisync::Result<()> {
    for i in 0..JOBS_EACH {
        client.lpush(JOBS, format!("p{producer}-job-{i}"))?;
    }
    Ok(())
}

/// How a worker's run ended.
enum Exit {
    /// The queue stayed empty after the producers were done.
    Idle,
    /// The worker died holding a job (simulated).
    Crashed,
}

/// Takes jobs until the queue stays empty once `producers_done`, or until it "crashes" on
/// [`CRASHING_JOB`] (the first time only: `crashed` says it happened).
fn work(
    client: &Client,
    producers_done: &AtomicBool,
    crashed: &AtomicBool,
    processed: &AtomicU64,
) -> redisync::Result<Exit> {
    loop {
        // The oldest job (the tail: producers push at the head), moved into processing in one
        // step, so no job is ever held only by this process.
        let job: Option<String> =
            client.blmove(JOBS, PROCESSING, Side::Right, Side::Left, Some(IDLE_WAIT))?;
        let Some(job) = job else {
            if producers_done.load(Ordering::SeqCst) && client.llen(JOBS)? == 0 {
                return Ok(Exit::Idle);
            }
            continue;
        };
        client.hset(TAKEN, [(&job, now_ms())])?;
        client.hincrby(ATTEMPTS, &job, 1)?;
        if job == CRASHING_JOB && !crashed.swap(true, Ordering::SeqCst) {
            // Dies here: the job stays in processing, with the time it was taken.
            return Ok(Exit::Crashed);
        }
        // The work itself, then the bookkeeping: done, out of processing.
        client.sadd(DONE, &job)?;
        let removed = client.lrem(PROCESSING, 1, &job)?;
        if removed != 1 {
            eprintln!("job {job} was not in processing");
        }
        client.hdel(TAKEN, &job)?;
        processed.fetch_add(1, Ordering::SeqCst);
    }
}

/// Puts back on the queue every job taken longer than `visibility` ago; how many. Each one
/// in a transaction watching the processing list: if the job's worker finishes it meanwhile
/// (its LREM changes the list), the transaction runs again and finds it gone.
fn reap(client: &Client, visibility: Duration) -> redisync::Result<usize> {
    let stuck: Vec<String> = client.lrange(PROCESSING, 0, -1)?;
    let mut requeued = 0;
    for job in stuck {
        let taken: Option<u64> = client.hget(TAKEN, &job)?;
        if taken.is_some_and(|t| now_ms().saturating_sub(t) < visibility.as_millis() as u64) {
            continue;
        }
        let replies: Vec<redisync::Value> = client.transaction(PROCESSING, |conn, pipe| {
            if conn
                .lpos(PROCESSING, &job, redisync::LposOptions::new())?
                .is_some()
            {
                // Back at the tail: the next job a worker takes.
                pipe.lrem(PROCESSING, 1, &job)
                    .rpush(JOBS, &job)
                    .hdel(TAKEN, &job);
            }
            Ok(())
        })?;
        if !replies.is_empty() {
            println!("reaper: {job} was stuck, back on the queue");
            requeued += 1;
        }
    }
    Ok(requeued)
}

/// Runs the producers and two workers side by side, until the workers are idle.
fn round(client: &Client, crashed: &AtomicBool, processed: &AtomicU64) -> Checked<usize> {
    let producers_done = AtomicBool::new(false);
    let crashes = thread::scope(|s| -> Checked<usize> {
        let workers: Vec<_> = (0..2)
            .map(|_| s.spawn(|| work(client, &producers_done, crashed, processed)))
            .collect();
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| s.spawn(move || produce(client, p)))
            .collect();
        for p in producers {
            p.join().map_err(|_| "a producer panicked")??;
        }
        producers_done.store(true, Ordering::SeqCst);
        let mut crashes = 0;
        for w in workers {
            if let Exit::Crashed = w.join().map_err(|_| "a worker panicked")?? {
                crashes += 1;
            }
        }
        Ok(crashes)
    })?;
    Ok(crashes)
}

fn run(url: &str) -> Checked<()> {
    let client = Client::open(url)?;
    client.del([JOBS, PROCESSING, TAKEN, ATTEMPTS, DONE])?;
    let crashed = AtomicBool::new(false);
    let processed = AtomicU64::new(0);
    let total = (PRODUCERS * JOBS_EACH) as u64;

    let crashes = round(&client, &crashed, &processed)?;
    check(crashes == 1, "one worker crashed holding a job")?;
    let stuck: Vec<String> = client.lrange(PROCESSING, 0, -1)?;
    check(
        stuck == [CRASHING_JOB],
        "its job, and only it, is left in processing",
    )?;
    check(
        processed.load(Ordering::SeqCst) == total - 1,
        "the other worker did every other job",
    )?;

    // The reaper leaves a job alone while it may still be worked on (here: taken less than a
    // minute ago)...
    let minute = Duration::from_secs(60);
    check(
        reap(&client, minute)? == 0,
        "a recent job in processing is not reaped",
    )?;
    // ...and puts it back once its worker is surely gone.
    thread::sleep(VISIBILITY);
    check(
        reap(&client, VISIBILITY)? == 1,
        "the stuck job went back on the queue",
    )?;
    check(client.llen(PROCESSING)? == 0, "processing is empty")?;

    // A worker picks it up again.
    let done = AtomicBool::new(true);
    let exit = work(&client, &done, &crashed, &processed)?;
    check(matches!(exit, Exit::Idle), "the worker drained the queue")?;

    let finished: HashSet<String> = client.smembers(DONE)?;
    let expected: HashSet<String> = (0..PRODUCERS)
        .flat_map(|p| (0..JOBS_EACH).map(move |i| format!("p{p}-job-{i}")))
        .collect();
    check(finished == expected, "every job is done")?;
    check(
        processed.load(Ordering::SeqCst) == total,
        "each job was done exactly once",
    )?;
    let attempts: Option<u64> = client.hget(ATTEMPTS, CRASHING_JOB)?;
    check(attempts == Some(2), "the crashed job was taken twice")?;
    check(
        client.llen(JOBS)? == 0 && client.llen(PROCESSING)? == 0 && client.hlen(TAKEN)? == 0,
        "nothing is left in the queue, processing, or the taken times",
    )?;
    client.del([JOBS, PROCESSING, TAKEN, ATTEMPTS, DONE])?;
    Ok(())
}

fn main() -> ExitCode {
    let url = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("REDIS_URL").ok())
        .unwrap_or_else(|| "redis://127.0.0.1:6379".to_string());
    match run(&url) {
        Ok(()) => {
            println!("job queue: all checks passed");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("job queue: {e}");
            ExitCode::FAILURE
        }
    }
}
