//! A job stream with a consumer group: producers `XADD` jobs, workers read them with
//! `XREADGROUP ... BLOCK` and `XACK` each one done, one worker dies holding jobs it never
//! acknowledged, and a rescuer takes those over with `XAUTOCLAIM` once they have been idle
//! long enough. The example checks its own results and exits non-zero on a wrong one.
//!
//! `cargo run --example stream_worker -- redis://127.0.0.1:6379` (or set `REDIS_URL`).

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use redisync::prelude::*;
use redisync::{StreamBatch, XGroupCreateOptions, XReadOptions};

const GROUP: &str = "workers";
const PRODUCERS: u64 = 2;
const JOBS_PER_PRODUCER: u64 = 25;
/// Jobs added before any worker starts.
const BACKLOG: u64 = 5;
/// How long a pending job must sit unacknowledged before the rescuer may take it.
const MIN_IDLE: Duration = Duration::from_millis(500);

/// Who processed which job (by stream ID).
type Ledger = Mutex<BTreeMap<String, Vec<String>>>;
/// A failure that stops the run: a Redis error, or a worker that never showed up.
type Failure = Box<dyn std::error::Error + Send + Sync>;

fn main() -> ExitCode {
    let url = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("REDIS_URL").ok())
        .unwrap_or_else(|| "redis://127.0.0.1:6379".to_string());
    match run(&url) {
        Ok(problems) if problems.is_empty() => {
            println!("stream_worker: all checks passed");
            ExitCode::SUCCESS
        }
        Ok(problems) => {
            for p in problems {
                eprintln!("stream_worker: WRONG: {p}");
            }
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("stream_worker: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the scenario; returns what did not come out as expected.
fn run(url: &str) -> Result<Vec<String>, Failure> {
    let client = Client::open(url)?;
    let stream = format!("stream_worker:{}:jobs", std::process::id());
    client.del(&stream)?;
    // `$`: the group reads what is added from now on; MKSTREAM creates the empty stream.
    client.xgroup_create(&stream, GROUP, "$", XGroupCreateOptions::new().mkstream())?;

    let ledger: Ledger = Mutex::new(BTreeMap::new());
    let produced: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let producing = AtomicBool::new(true);
    let mut problems = Vec::new();

    // A backlog is waiting before any worker starts. The doomed worker takes three jobs and
    // dies before acknowledging them: they stay pending, for a consumer that is gone.
    for n in 0..BACKLOG {
        let id = client.xadd(
            &stream,
            [("job", format!("backlog-{n}")), ("by", "main".into())],
        )?;
        lock(&produced).push(id);
    }
    let doomed_held = doomed_worker(&client, &stream)?;

    thread::scope(|s| -> Result<(), Failure> {
        // Two workers drain the rest of the backlog, then wait (BLOCK) for new jobs.
        let workers: Vec<_> = ["w1", "w2"]
            .into_iter()
            .map(|name| s.spawn(|| worker(&client, &stream, name, &ledger, &producing)))
            .collect();
        wait_for_blocked(&client, 2)?;
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let (client, stream, produced) = (&client, &stream, &produced);
                s.spawn(move || -> Result<(), redisync::Error> {
                    for n in 0..JOBS_PER_PRODUCER {
                        let job = format!("p{p}-job{n}");
                        let id =
                            client.xadd(stream, [("job", job.as_str()), ("by", "producer")])?;
                        lock(produced).push(id);
                        thread::sleep(Duration::from_millis(2));
                    }
                    Ok(())
                })
            })
            .collect();
        for p in producers {
            join(p)??;
        }
        producing.store(false, Ordering::SeqCst);
        for w in workers {
            join(w)??;
        }
        Ok(())
    })?;
    println!(
        "produced {} jobs; the doomed worker died holding {}",
        lock(&produced).len(),
        doomed_held.len()
    );
    if doomed_held.len() != 3 {
        problems.push(format!(
            "the doomed worker held {doomed_held:?}, expected 3 jobs"
        ));
    }

    // The abandoned jobs are still pending, for the dead consumer.
    let summary = client.xpending(&stream, GROUP)?;
    if summary.count != doomed_held.len() as u64 {
        problems.push(format!(
            "{} pending before recovery, expected {}",
            summary.count,
            doomed_held.len()
        ));
    }

    // Recovery: once the jobs have been idle for MIN_IDLE, claim them in pages of 10.
    let rescued = rescue(&client, &stream, &ledger)?;
    println!(
        "the rescuer took over {} jobs with XAUTOCLAIM",
        rescued.len()
    );
    let mut held = doomed_held.clone();
    held.sort();
    if rescued != held {
        problems.push(format!(
            "rescued {rescued:?}, but the dead worker held {held:?}"
        ));
    }

    // Every job processed exactly once, nothing left pending.
    let ledger = lock(&ledger);
    let mut produced = lock(&produced).clone();
    produced.sort();
    let processed: Vec<String> = ledger.keys().cloned().collect();
    if processed != produced {
        problems.push(format!(
            "{} jobs processed, {} produced",
            processed.len(),
            produced.len()
        ));
    }
    for (id, by) in ledger.iter().filter(|(_, by)| by.len() != 1) {
        problems.push(format!("job {id} processed {} times: {by:?}", by.len()));
    }
    let mut per_worker: BTreeMap<&str, usize> = BTreeMap::new();
    for by in ledger.values().flatten() {
        *per_worker.entry(by.as_str()).or_default() += 1;
    }
    println!("jobs per worker: {per_worker:?}");
    let after = client.xpending(&stream, GROUP)?;
    if after.count != 0 {
        problems.push(format!(
            "{} jobs still pending: {:?}",
            after.count, after.consumers
        ));
    }
    let len = client.xlen(&stream)?;
    if len != BACKLOG + PRODUCERS * JOBS_PER_PRODUCER {
        problems.push(format!("XLEN {len}"));
    }
    let groups = client.xinfo_groups(&stream)?;
    match groups.first() {
        Some(g) if g.pending == 0 && g.lag.unwrap_or(0) == 0 => {}
        other => problems.push(format!("group report {other:?}")),
    }
    // The dead consumer holds nothing now; remove it.
    let dropped = client.xgroup_delconsumer(&stream, GROUP, "doomed")?;
    if dropped != 0 {
        problems.push(format!("the doomed consumer still held {dropped} jobs"));
    }
    client.del(&stream)?;
    Ok(problems)
}

/// A worker: reads batches of up to 5 new jobs, waiting up to 300 ms for one, processes and
/// acknowledges each; stops once the producers are done and a wait comes back empty.
fn worker(
    client: &Client,
    stream: &str,
    name: &str,
    ledger: &Ledger,
    producing: &AtomicBool,
) -> Result<(), redisync::Error> {
    let read = XReadOptions::new()
        .count(5)
        .block(Some(Duration::from_millis(300)));
    loop {
        let batches: Vec<StreamBatch> = client.xreadgroup(GROUP, name, stream, ">", read)?;
        if batches.is_empty() {
            if producing.load(Ordering::SeqCst) {
                continue;
            }
            return Ok(());
        }
        for entry in batches.into_iter().flat_map(|b| b.entries) {
            process(ledger, &entry.id, name);
            client.xack(stream, GROUP, &entry.id)?;
        }
    }
}

/// A worker that takes up to 3 jobs and dies before acknowledging any: returns their IDs.
fn doomed_worker(client: &Client, stream: &str) -> Result<Vec<String>, redisync::Error> {
    let read = XReadOptions::new().count(3);
    let batches: Vec<StreamBatch> = client.xreadgroup(GROUP, "doomed", stream, ">", read)?;
    Ok(batches
        .into_iter()
        .flat_map(|b| b.entries)
        .map(|e| e.id)
        .collect())
}

/// Claims every job idle for at least MIN_IDLE with XAUTOCLAIM, page by page, processes and
/// acknowledges each; returns the IDs taken over, sorted.
fn rescue(client: &Client, stream: &str, ledger: &Ledger) -> Result<Vec<String>, redisync::Error> {
    let started = Instant::now();
    let mut rescued = Vec::new();
    // Nothing is idle long enough yet: the first pass claims nothing. Wait and try again.
    loop {
        let mut cursor = "0-0".to_string();
        loop {
            let page = client.xautoclaim::<String>(
                stream,
                GROUP,
                "rescuer",
                MIN_IDLE,
                &cursor,
                Some(10),
            )?;
            for entry in page.claimed {
                process(ledger, &entry.id, "rescuer");
                client.xack(stream, GROUP, &entry.id)?;
                rescued.push(entry.id);
            }
            cursor = page.next;
            if cursor == "0-0" {
                break;
            }
        }
        let pending = client.xpending(stream, GROUP)?.count;
        if pending == 0 || started.elapsed() > Duration::from_secs(10) {
            break;
        }
        thread::sleep(MIN_IDLE / 2);
    }
    rescued.sort();
    Ok(rescued)
}

fn process(ledger: &Ledger, id: &str, by: &str) {
    lock(ledger)
        .entry(id.to_string())
        .or_default()
        .push(by.to_string());
}

/// Waits until at least `n` clients are blocked (the workers are waiting in XREADGROUP).
fn wait_for_blocked(client: &Client, n: u64) -> Result<(), Failure> {
    let until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < until {
        let info: String = redisync::cmd("INFO").arg("clients").query(client)?;
        let blocked = info
            .lines()
            .find_map(|l| l.strip_prefix("blocked_clients:"))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0);
        if blocked >= n {
            return Ok(());
        }
        thread::sleep(Duration::from_millis(5));
    }
    Err(format!("fewer than {n} workers blocked after 10 s").into())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A thread's result; a panicked thread becomes an error.
fn join<T>(handle: thread::ScopedJoinHandle<'_, T>) -> Result<T, Failure> {
    handle.join().map_err(|_| "a worker thread panicked".into())
}
