//! Timing: interleaved rounds of two contenders, the median of each, and the printed line.

use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long and how often to measure.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// Rounds per side (the median is reported).
    pub rounds: usize,
    /// Length of one round.
    pub round: Duration,
}

/// What one iteration of a contender is worth, for the printed figure.
#[derive(Clone, Copy, Debug)]
pub enum Unit {
    /// Each iteration is one operation: ops/s.
    Ops,
    /// Each iteration is one pipeline: pipelines/s.
    Pipelines,
    /// Each iteration processes this many bytes: MB/s (10^6 bytes).
    Bytes(usize),
    /// Shown as the mean time of one iteration, in nanoseconds: `812 ns/checkout`.
    NanosPer(&'static str),
}

/// Runs `op` back to back for about `round`; returns iterations per second.
fn rate(round: Duration, op: &mut dyn FnMut()) -> f64 {
    let start = Instant::now();
    let mut done = 0u64;
    let mut batch = 1u64;
    loop {
        for _ in 0..batch {
            op();
        }
        done += batch;
        let elapsed = start.elapsed();
        if elapsed >= round {
            return done as f64 / elapsed.as_secs_f64();
        }
        // Read the clock less often once iterations prove short.
        if elapsed < round / 20 {
            batch *= 2;
        }
    }
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Measures `a` and `b` in alternating rounds (A, B, A, B, ...) after one short warm-up each,
/// and returns the median rate of each side in iterations per second.
pub fn compare(plan: Plan, a: &mut dyn FnMut(), b: &mut dyn FnMut()) -> (f64, f64) {
    let warm = plan.round / 4;
    rate(warm, a);
    rate(warm, b);
    let (mut ra, mut rb) = (Vec::new(), Vec::new());
    for _ in 0..plan.rounds {
        ra.push(rate(plan.round, a));
        rb.push(rate(plan.round, b));
    }
    (median(ra), median(rb))
}

/// Runs `op` on one thread per element of `states` at once, for about `round`; returns the
/// iterations of all threads together per second of wall time.
///
/// The threads start together (a barrier) and stop together (a flag checked between
/// iterations, so each finishes the iteration it is in); the time counted runs from the start
/// until the last thread has stopped.
pub fn rate_threads<S: Send>(
    round: Duration,
    states: &mut [S],
    op: &(dyn Fn(&mut S) + Sync),
) -> f64 {
    let stop = AtomicBool::new(false);
    let barrier = Barrier::new(states.len() + 1);
    let (stop, barrier) = (&stop, &barrier);
    std::thread::scope(|scope| {
        let workers: Vec<_> = states
            .iter_mut()
            .map(|state| {
                scope.spawn(move || {
                    barrier.wait();
                    let mut done = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        op(state);
                        done += 1;
                    }
                    done
                })
            })
            .collect();
        barrier.wait();
        let start = Instant::now();
        std::thread::sleep(round);
        stop.store(true, Ordering::Relaxed);
        let done: u64 = workers
            .into_iter()
            .map(|w| w.join().expect("benchmark thread panicked"))
            .sum();
        done as f64 / start.elapsed().as_secs_f64()
    })
}

/// One side of [`compare_threads`]: a state per thread, and the operation each thread repeats
/// on its own state.
pub type Side<'a, S> = (&'a mut [S], &'a (dyn Fn(&mut S) + Sync));

/// [`compare`] for many threads a side: each side runs one thread per element of its state
/// slice (a connection, a client handle, a pool handle), all at once; the rates are the
/// iterations of all threads together per second.
pub fn compare_threads<A: Send, B: Send>(
    plan: Plan,
    (a_states, a): Side<'_, A>,
    (b_states, b): Side<'_, B>,
) -> (f64, f64) {
    let warm = plan.round / 4;
    rate_threads(warm, a_states, a);
    rate_threads(warm, b_states, b);
    let (mut ra, mut rb) = (Vec::new(), Vec::new());
    for _ in 0..plan.rounds {
        ra.push(rate_threads(plan.round, a_states, a));
        rb.push(rate_threads(plan.round, b_states, b));
    }
    (median(ra), median(rb))
}

/// One contender alone, in `plan.rounds` rounds after a warm-up; the median rate.
pub fn alone(plan: Plan, op: &mut dyn FnMut()) -> f64 {
    rate(plan.round / 4, op);
    median((0..plan.rounds).map(|_| rate(plan.round, op)).collect())
}

/// A rate in `unit`, human-sized: `412.3k ops/s`, `1.02 GB/s`.
pub fn figure(per_sec: f64, unit: Unit) -> String {
    let (value, name) = match unit {
        Unit::Ops => (per_sec, "ops/s"),
        Unit::Pipelines => (per_sec, "pipelines/s"),
        Unit::Bytes(n) => return format!("{:.1} MB/s", per_sec * n as f64 / 1e6),
        Unit::NanosPer(what) => return format!("{:.0} ns/{what}", 1e9 / per_sec),
    };
    if value >= 1e6 {
        format!("{:.2}M {name}", value / 1e6)
    } else if value >= 1e4 {
        format!("{:.1}k {name}", value / 1e3)
    } else {
        format!("{value:.1} {name}")
    }
}

/// Prints `scenario | <a label> <figure> | <b label> <figure> | ratio <a/b>`.
pub fn report(scenario: &str, labels: (&str, &str), rates: (f64, f64), unit: Unit) {
    report_target(scenario, labels, rates, unit, "");
}

/// [`report`] with a note after the ratio, such as the ratio the design aims for.
pub fn report_target(
    scenario: &str,
    labels: (&str, &str),
    rates: (f64, f64),
    unit: Unit,
    note: &str,
) {
    println!(
        "{scenario:<18} | {:<8} {:>20} | {:<8} {:>20} | ratio {:.3}{note}",
        labels.0,
        figure(rates.0, unit),
        labels.1,
        figure(rates.1, unit),
        rates.0 / rates.1
    );
}

/// A line of the same shape for a figure with nothing to compare against: the other side and
/// the ratio read `n/a`.
pub fn report_alone(scenario: &str, label: &str, rate: f64, unit: Unit, note: &str) {
    println!(
        "{scenario:<18} | {label:<8} {:>20} | {:<8} {:>20} | ratio n/a{note}",
        figure(rate, unit),
        "n/a",
        "n/a",
    );
}
