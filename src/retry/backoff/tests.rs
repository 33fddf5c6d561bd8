//! Unit tests of the parent module.

use super::*;
use crate::ErrorKind;

const DRAWS: usize = 10_000;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Draws `DRAWS` delays and checks each is in `[lo, hi]`; returns them for further checks.
fn sample(
    b: &dyn Backoff,
    failures: u32,
    previous: Duration,
    lo: Duration,
    hi: Duration,
) -> Vec<Duration> {
    let v: Vec<Duration> = (0..DRAWS).map(|_| b.delay(failures, previous)).collect();
    for d in &v {
        assert!(
            lo <= *d && *d <= hi,
            "{b:?} f={failures}: {d:?} outside [{lo:?}, {hi:?}]"
        );
    }
    v
}

fn mean(v: &[Duration]) -> Duration {
    v.iter().sum::<Duration>() / u32::try_from(v.len()).unwrap_or(u32::MAX)
}

/// `v` is not constant, and its mean is within 10% of `range` around `expected`.
fn assert_varies_with_mean(v: &[Duration], expected: Duration, range: Duration) {
    assert!(v.iter().any(|d| *d != v[0]), "all draws were {:?}", v[0]);
    let m = mean(v);
    let tol = range / 10;
    assert!(
        m.abs_diff(expected) <= tol,
        "mean {m:?}, expected {expected:?} ± {tol:?}"
    );
}

#[test]
fn no_backoff_is_always_zero() {
    for f in [0, 1, 2, 30, u32::MAX] {
        assert_eq!(NoBackoff.delay(f, ms(500)), Duration::ZERO);
    }
}

#[test]
fn constant_backoff_is_constant() {
    let b = ConstantBackoff::new(ms(250));
    assert_eq!(b.duration(), ms(250));
    for f in [0, 1, 2, 30, u32::MAX] {
        assert_eq!(b.delay(f, ms(7)), ms(250));
    }
    assert_eq!(ConstantBackoff::default().duration(), ms(10));
    // Even the largest Duration is returned as is.
    assert_eq!(
        ConstantBackoff::new(Duration::MAX).delay(1, Duration::ZERO),
        Duration::MAX
    );
}

#[test]
fn exponential_doubles_from_two_base_until_the_cap() {
    let b = ExponentialBackoff::new(ms(10), ms(1000)).unwrap();
    let got: Vec<Duration> = (1..=9).map(|f| b.delay(f, Duration::ZERO)).collect();
    let want = [20, 40, 80, 160, 320, 640, 1000, 1000, 1000].map(ms);
    assert_eq!(got, want);
    assert_eq!(b.delay(0, Duration::ZERO), ms(10));
    for f in [64, 127, 128, 129, 1000, u32::MAX - 1, u32::MAX] {
        assert_eq!(b.delay(f, Duration::ZERO), ms(1000), "f={f}");
    }
}

#[test]
fn exponential_saturates_with_extreme_settings() {
    let b = ExponentialBackoff::new(Duration::from_secs(u64::MAX / 2), Duration::MAX).unwrap();
    assert_eq!(
        b.delay(1, Duration::ZERO),
        Duration::from_secs(u64::MAX / 2 * 2)
    );
    for f in [2, 40, 127, 128, u32::MAX] {
        assert_eq!(b.delay(f, Duration::ZERO), Duration::MAX, "f={f}");
    }
    let tiny = ExponentialBackoff::new(Duration::from_nanos(1), Duration::MAX).unwrap();
    assert_eq!(tiny.delay(10, Duration::ZERO), Duration::from_nanos(1024));
    assert_eq!(tiny.delay(u32::MAX, Duration::ZERO), Duration::MAX);
}

#[test]
fn defaults_are_ten_ms_and_one_second() {
    let d = ExponentialBackoff::default();
    assert_eq!((d.base(), d.cap()), (ms(10), ms(1000)));
    let all = [
        (
            FullJitterBackoff::default().base(),
            FullJitterBackoff::default().cap(),
        ),
        (
            EqualJitterBackoff::default().base(),
            EqualJitterBackoff::default().cap(),
        ),
        (
            DecorrelatedJitterBackoff::default().base(),
            DecorrelatedJitterBackoff::default().cap(),
        ),
        (
            ExponentialWithJitterBackoff::default().base(),
            ExponentialWithJitterBackoff::default().cap(),
        ),
    ];
    for pair in all {
        assert_eq!(pair, (DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_CAP));
    }
}

#[test]
fn full_jitter_within_zero_and_the_exponential_delay() {
    let b = FullJitterBackoff::new(ms(10), ms(1000)).unwrap();
    for (f, top) in [(1, 20), (3, 80), (6, 640), (7, 1000), (40, 1000)] {
        let v = sample(&b, f, Duration::ZERO, Duration::ZERO, ms(top));
        assert_varies_with_mean(&v, ms(top) / 2, ms(top));
    }
    let v = sample(&b, u32::MAX, Duration::ZERO, Duration::ZERO, ms(1000));
    assert_varies_with_mean(&v, ms(500), ms(1000));
}

#[test]
fn equal_jitter_within_half_and_all_of_the_exponential_delay() {
    let b = EqualJitterBackoff::new(ms(10), ms(1000)).unwrap();
    for (f, top) in [(1, 20), (3, 80), (6, 640), (7, 1000), (40, 1000)] {
        let v = sample(&b, f, Duration::ZERO, ms(top) / 2, ms(top));
        assert_varies_with_mean(&v, ms(top) * 3 / 4, ms(top) / 2);
    }
    let v = sample(&b, u32::MAX, Duration::ZERO, ms(500), ms(1000));
    assert_varies_with_mean(&v, ms(750), ms(500));
    // An odd nanosecond count: the halves still span the whole delay and never pass it.
    let odd = EqualJitterBackoff::new(Duration::from_nanos(3), Duration::from_nanos(7)).unwrap();
    sample(
        &odd,
        5,
        Duration::ZERO,
        Duration::from_nanos(3),
        Duration::from_nanos(7),
    );
}

#[test]
fn decorrelated_stays_in_base_and_cap_and_uses_previous() {
    let b = DecorrelatedJitterBackoff::new(ms(10), ms(1000)).unwrap();
    // First failure of a call: previous is zero, so the range collapses to the base.
    let v = sample(&b, 1, Duration::ZERO, ms(10), ms(10));
    assert!(v.iter().all(|d| *d == ms(10)));
    // previous 100 ms: U(10 ms, 300 ms).
    let v = sample(&b, 2, ms(100), ms(10), ms(300));
    assert_varies_with_mean(&v, ms(155), ms(290));
    assert!(v.iter().any(|d| *d > ms(200)), "previous was not used");
    // The failure count is ignored.
    sample(&b, u32::MAX, ms(100), ms(10), ms(300));
    // previous at the cap: U(10 ms, 3 s) capped, so about two thirds of draws are the cap.
    let v = sample(&b, 3, ms(1000), ms(10), ms(1000));
    let at_cap = v.iter().filter(|d| **d == ms(1000)).count();
    assert!(
        (DRAWS * 55 / 100..DRAWS * 78 / 100).contains(&at_cap),
        "{at_cap} at the cap"
    );
    // Absurd previous values cannot overflow or escape the bounds.
    sample(&b, 4, Duration::MAX, ms(10), ms(1000));
    // A chain as a retry loop runs it stays within bounds.
    let mut previous = Duration::ZERO;
    for f in 1..=1000 {
        previous = b.delay(f, previous);
        assert!(ms(10) <= previous && previous <= ms(1000), "{previous:?}");
    }
}

#[test]
fn exponential_with_jitter_jitters_before_the_cap() {
    let b = ExponentialWithJitterBackoff::new(ms(10), ms(1000)).unwrap();
    // Below the cap it is full jitter.
    for (f, top) in [(1, 20), (3, 80), (6, 640)] {
        let v = sample(&b, f, Duration::ZERO, Duration::ZERO, ms(top));
        assert_varies_with_mean(&v, ms(top) / 2, ms(top));
    }
    // f = 7: R·1280 ms capped at 1 s; the cap is hit with probability 1 - 1000/1280.
    let v = sample(&b, 7, Duration::ZERO, Duration::ZERO, ms(1000));
    let at_cap = v.iter().filter(|d| **d == ms(1000)).count();
    assert!(
        (DRAWS * 15 / 100..DRAWS * 29 / 100).contains(&at_cap),
        "{at_cap} at the cap"
    );
    // Far above the cap nearly every draw is the cap, unlike FullJitterBackoff.
    for f in [40, 1000, u32::MAX] {
        let v = sample(&b, f, Duration::ZERO, Duration::ZERO, ms(1000));
        let at_cap = v.iter().filter(|d| **d == ms(1000)).count();
        assert!(at_cap >= DRAWS * 99 / 100, "f={f}: {at_cap} at the cap");
    }
    let huge = ExponentialWithJitterBackoff::new(Duration::from_secs(1), Duration::MAX).unwrap();
    sample(
        &huge,
        u32::MAX,
        Duration::ZERO,
        Duration::ZERO,
        Duration::MAX,
    );
}

#[test]
fn constructors_reject_nonsense() {
    type Ctor = fn(Duration, Duration) -> Result<()>;
    let ctors: [(&str, Ctor); 5] = [
        ("ExponentialBackoff", |b, c| {
            ExponentialBackoff::new(b, c).map(drop)
        }),
        ("FullJitterBackoff", |b, c| {
            FullJitterBackoff::new(b, c).map(drop)
        }),
        ("EqualJitterBackoff", |b, c| {
            EqualJitterBackoff::new(b, c).map(drop)
        }),
        ("DecorrelatedJitterBackoff", |b, c| {
            DecorrelatedJitterBackoff::new(b, c).map(drop)
        }),
        ("ExponentialWithJitterBackoff", |b, c| {
            ExponentialWithJitterBackoff::new(b, c).map(drop)
        }),
    ];
    for (name, new) in ctors {
        // redis-py's (cap, base) order passed by mistake.
        let e = new(ms(1000), ms(10)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let text = e.to_string();
        assert!(text.contains(name) && text.contains("below base"), "{text}");
        for (base, cap) in [
            (ms(10), Duration::ZERO),
            (Duration::ZERO, Duration::ZERO),
            (Duration::ZERO, ms(5)),
        ] {
            let e = new(base, cap).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{name} {base:?} {cap:?}");
        }
        // Equal base and cap is a constant delay, and fine.
        assert!(new(ms(10), ms(10)).is_ok());
    }
}

#[test]
fn one_shared_backoff_serves_many_threads() {
    let policies: Vec<(Arc<dyn Backoff>, Duration, Duration)> = vec![
        (Arc::new(NoBackoff), Duration::ZERO, Duration::ZERO),
        (Arc::new(ConstantBackoff::new(ms(30))), ms(30), ms(30)),
        (Arc::new(ExponentialBackoff::default()), ms(20), ms(1000)),
        (
            Arc::new(FullJitterBackoff::default()),
            Duration::ZERO,
            ms(1000),
        ),
        (Arc::new(EqualJitterBackoff::default()), ms(10), ms(1000)),
        (
            Arc::new(DecorrelatedJitterBackoff::default()),
            ms(10),
            ms(1000),
        ),
        (
            Arc::new(ExponentialWithJitterBackoff::default()),
            Duration::ZERO,
            ms(1000),
        ),
    ];
    for (policy, lo, hi) in policies {
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let policy = Arc::clone(&policy);
                std::thread::spawn(move || {
                    let mut seen = Vec::new();
                    for _ in 0..200 {
                        let mut previous = Duration::ZERO;
                        for f in 1..=12 {
                            previous = policy.delay(f, previous);
                            seen.push(previous);
                        }
                    }
                    seen
                })
            })
            .collect();
        for t in threads {
            for d in t.join().unwrap() {
                assert!(
                    lo <= d && d <= hi,
                    "{policy:?}: {d:?} outside [{lo:?}, {hi:?}]"
                );
            }
        }
    }
}

#[test]
fn wrappers_delegate() {
    let b = ExponentialBackoff::new(ms(1), ms(100)).unwrap();
    let boxed: Box<dyn Backoff> = Box::new(b);
    let arc: Arc<dyn Backoff> = Arc::new(b);
    fn four<B: Backoff>(b: B) -> Duration {
        b.delay(2, Duration::ZERO)
    }
    let by_ref: &ExponentialBackoff = &b;
    assert_eq!(four(by_ref), ms(4));
    assert_eq!(four(&boxed), ms(4));
    assert_eq!(four(boxed), ms(4));
    assert_eq!(four(Arc::clone(&arc)), ms(4));
    assert_eq!(four(&*arc), ms(4));
}
