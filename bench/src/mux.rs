//! The multiplexed mode (issue 11 part 5): many threads of GET 16 B through one client whose
//! commands share a few connections, against the same client on its pool alone (a connection
//! per thread: the pool's best case) and against the `redis` crate with a connection per
//! thread. Ops/s (median of interleaved rounds) and per-call latency (p50/p99 of every call of
//! every round) for each mode, at 8, 64 and 256 threads. Meant to run unpinned: the point is
//! how the modes use both cores.

use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use redisync::prelude::*;

use crate::measure::Plan;
use crate::scenarios::{KEY_16, redis_rs_client};

/// The thread counts measured.
const THREADS: [usize; 3] = [8, 64, 256];
/// The shared connections of the multiplexed client.
pub const LANES: usize = 2;

/// What one mode did in one round.
struct Round {
    ops_per_sec: f64,
    /// Every call's latency, in nanoseconds.
    latencies: Vec<u64>,
    /// CPU seconds per call: this process's and the server's (`INFO cpu`), which a loaded
    /// machine changes less than it changes ops/s.
    client_cpu: f64,
    server_cpu: f64,
}

/// This process's CPU time (user + system, all threads) in seconds, from `/proc/self/stat`
/// (clock ticks of 10 ms); 0 where there is no such file.
pub fn process_cpu() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// The server's CPU time (user + system, main thread and children) in seconds.
fn server_cpu(conn: &mut redisync::Connection) -> f64 {
    let info: String = redisync::cmd("INFO")
        .arg("cpu")
        .query(&mut *conn)
        .expect("INFO cpu");
    info.lines()
        .filter(|l| l.starts_with("used_cpu_sys:") || l.starts_with("used_cpu_user:"))
        .filter_map(|l| l.split(':').nth(1))
        .filter_map(|v| v.trim().parse::<f64>().ok())
        .sum()
}

/// Runs `threads` threads, each calling `op` on its own state, for `length` after a short
/// warm-up; every call timed.
fn round<S: Send>(
    states: &mut [S],
    op: &(dyn Fn(&mut S) + Sync),
    length: Duration,
    info: &mut redisync::Connection,
) -> Round {
    let threads = states.len();
    let start = Barrier::new(threads + 1);
    let measuring = AtomicBool::new(false);
    let stop = AtomicBool::new(false);
    let (per_thread, elapsed, cpu) = std::thread::scope(|s| {
        let handles: Vec<_> = states
            .iter_mut()
            .map(|state| {
                let (start, measuring, stop) = (&start, &measuring, &stop);
                s.spawn(move || {
                    let mut lat = Vec::with_capacity(4096);
                    start.wait();
                    while !stop.load(Ordering::Relaxed) {
                        let t = Instant::now();
                        op(state);
                        if measuring.load(Ordering::Relaxed) {
                            lat.push(t.elapsed().as_nanos() as u64);
                        }
                    }
                    lat
                })
            })
            .collect();
        start.wait();
        std::thread::sleep(length / 5);
        measuring.store(true, Ordering::Relaxed);
        let cpu = (process_cpu(), server_cpu(info));
        let began = Instant::now();
        std::thread::sleep(length);
        measuring.store(false, Ordering::Relaxed);
        let elapsed = began.elapsed();
        let cpu = (process_cpu() - cpu.0, server_cpu(info) - cpu.1);
        stop.store(true, Ordering::Relaxed);
        let per_thread: Vec<Vec<u64>> = handles
            .into_iter()
            .map(|h| h.join().expect("bench thread"))
            .collect();
        (per_thread, elapsed, cpu)
    });
    let latencies: Vec<u64> = per_thread.into_iter().flatten().collect();
    let calls = latencies.len().max(1) as f64;
    Round {
        ops_per_sec: latencies.len() as f64 / elapsed.as_secs_f64(),
        latencies,
        client_cpu: cpu.0 / calls,
        server_cpu: cpu.1 / calls,
    }
}

fn get_client(c: &mut redisync::Client) {
    let v: Option<Vec<u8>> = c.get(KEY_16).expect("redisync GET");
    assert_eq!(v.map(|v| v.len()), Some(16));
}

fn get_redis_rs(c: &mut redis::Connection) {
    let v: Option<Vec<u8>> = redis::Commands::get(c, KEY_16).expect("redis-rs GET");
    assert_eq!(v.map(|v| v.len()), Some(16));
}

fn percentile(sorted: &[u64], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let at = ((sorted.len() - 1) as f64 * p).round() as usize;
    Duration::from_nanos(sorted[at.min(sorted.len() - 1)])
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(0.0)
}

/// One mode's rounds, summed up.
#[derive(Default)]
struct Tally {
    rates: Vec<f64>,
    latencies: Vec<u64>,
    client_cpu: Vec<f64>,
    server_cpu: Vec<f64>,
}

/// A mode's figures over its rounds.
struct Summary {
    rate: f64,
    p50: Duration,
    p99: Duration,
    /// Median CPU microseconds per call, client and server.
    client_us: f64,
    server_us: f64,
}

impl Tally {
    fn add(&mut self, r: Round) {
        self.rates.push(r.ops_per_sec);
        self.latencies.extend(r.latencies);
        self.client_cpu.push(r.client_cpu * 1e6);
        self.server_cpu.push(r.server_cpu * 1e6);
    }

    fn summary(mut self) -> Summary {
        self.latencies.sort_unstable();
        Summary {
            rate: median(self.rates),
            p50: percentile(&self.latencies, 0.50),
            p99: percentile(&self.latencies, 0.99),
            client_us: median(self.client_cpu),
            server_us: median(self.server_cpu),
        }
    }
}

impl Summary {
    fn line(&self, threads: usize, mode: &str, tail: &str) {
        println!(
            "  x{threads:<3} {mode:<5} {:>9.0} ops/s  p50 {:>7}  p99 {:>7}  cpu/op {:>4.1}+{:<4.1} us  {tail}",
            self.rate,
            us(self.p50),
            us(self.p99),
            self.client_us,
            self.server_us
        );
    }
}

fn us(d: Duration) -> String {
    format!("{:.0} us", d.as_secs_f64() * 1e6)
}

/// The scenario: every thread count, three modes interleaved round by round.
pub fn run(plan: Plan, url: &str) -> Result<(), String> {
    let rounds = plan.rounds.clamp(1, 5);
    let length = plan.round * 4;
    println!(
        "multiplexed GET 16B: {LANES} shared connections vs the pool (a connection per thread) \
         vs redis-rs (a connection per thread); {rounds} interleaved rounds of {} ms per mode",
        length.as_millis()
    );
    for threads in THREADS {
        let mux = redisync::Client::builder()
            .url(url)
            .max_connections(LANES + 1)
            .multiplex(LANES)
            .build()
            .map_err(|e| format!("redisync multiplexed client: {e}"))?;
        get_client(&mut mux.clone());
        let pool = redisync::Client::builder()
            .url(url)
            .max_connections(threads)
            .build()
            .map_err(|e| format!("redisync pooled client: {e}"))?;
        // Every connection opened up front, so no round measures a connect.
        let held = (0..threads)
            .map(|_| pool.get_connection())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("redisync checkout: {e}"))?;
        drop(held);
        let rs = redis_rs_client(url)?;
        let mut own = (0..threads)
            .map(|_| rs.get_connection().map_err(|e| format!("redis-rs: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let mut mux_handles = vec![mux.clone(); threads];
        let mut pool_handles = vec![pool.clone(); threads];
        let (mut m, mut p, mut r) = (Tally::default(), Tally::default(), Tally::default());
        let info = &mut redisync::Connection::open(url).map_err(|e| format!("redisync: {e}"))?;
        for _ in 0..rounds {
            m.add(round(&mut mux_handles, &get_client, length, info));
            p.add(round(&mut pool_handles, &get_client, length, info));
            r.add(round(&mut own, &get_redis_rs, length, info));
        }
        let stats = mux.multiplex_stats().unwrap_or_default();
        let (m, p, r) = (m.summary(), p.summary(), r.summary());
        m.line(
            threads,
            "mux",
            &format!(
                "{:.1} commands per frame",
                stats.commands as f64 / stats.frames.max(1) as f64
            ),
        );
        p.line(threads, "pool", &format!("mux/pool {:.2}", m.rate / p.rate));
        r.line(
            threads,
            "redis",
            &format!("mux/redis-rs {:.2}", m.rate / r.rate),
        );
        let s = pool.pool_state();
        if s.waits > 0 || s.created > threads as u64 {
            println!(
                "  note: pool created {}, waits {}: not all calls had a free connection",
                s.created, s.waits
            );
        }
    }
    println!(
        "  (target at x64: mux >= 2.0x the pool and >= 2.0x redis-rs; cpu/op: client + server)"
    );
    Ok(())
}
