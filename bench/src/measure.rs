//! Timing: interleaved rounds of two contenders, the median of each, and the printed line.

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

fn median(mut v: Vec<f64>) -> f64 {
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

/// A rate in `unit`, human-sized: `412.3k ops/s`, `1.02 GB/s`.
pub fn figure(per_sec: f64, unit: Unit) -> String {
    let (value, name) = match unit {
        Unit::Ops => (per_sec, "ops/s"),
        Unit::Pipelines => (per_sec, "pipelines/s"),
        Unit::Bytes(n) => return format!("{:.1} MB/s", per_sec * n as f64 / 1e6),
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
    println!(
        "{scenario:<18} | {:<8} {:>20} | {:<8} {:>20} | ratio {:.3}",
        labels.0,
        figure(rates.0, unit),
        labels.1,
        figure(rates.1, unit),
        rates.0 / rates.1
    );
}
