//! Unit tests of the store: counting, invalidation, the fill races, bounds, TTLs, CLOCK,
//! memory bounds over many keys, and a multi-threaded check that no hit is ever stale.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::*;

/// A store whose limits are never reached in these tests (64 shards).
fn roomy() -> Store {
    Store::new(Limits {
        max_entries: 1 << 16,
        max_bytes: 1 << 30,
    })
}

/// The RESP request of a command.
fn request(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// `GET key`.
fn get_req(key: &[u8]) -> Vec<u8> {
    request(&[b"GET", key])
}

/// `MGET keys...`.
fn mget_req(keys: &[&[u8]]) -> Vec<u8> {
    let mut args: Vec<&[u8]> = vec![b"MGET"];
    args.extend_from_slice(keys);
    request(&args)
}

/// A bulk string.
fn bulk(s: &[u8]) -> Value {
    Value::BulkString(s.to_vec())
}

/// Begins and finishes a read of `keys` with request `req` on `conn`.
fn fill(store: &Store, keys: &[&[u8]], req: &[u8], conn: u64, value: &Value) -> bool {
    let pending = store.begin(keys, conn);
    store.finish(pending, req, value, None)
}

/// Fills `GET key` with `value` on connection 1.
fn fill_get(store: &Store, key: &[u8], value: &Value) -> bool {
    fill(store, &[key], &get_req(key), 1, value)
}

/// Two key names in different shards of `store`.
fn keys_in_two_shards(store: &Store) -> (Vec<u8>, Vec<u8>) {
    let a = b"key:a".to_vec();
    let sa = store.shard_index(&a);
    for i in 0..10_000 {
        let b = format!("key:b{i}").into_bytes();
        if store.shard_index(&b) != sa {
            return (a, b);
        }
    }
    panic!("every key in one shard");
}

/// A tiny deterministic generator (xorshift), so the tests need no randomness crate API.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Test helpers: the store's shape and a check of its invariants.
impl Store {
    /// How many shards the store has.
    fn shard_count(&self) -> usize {
        self.shared.shards.len()
    }

    /// The shard of `key`.
    fn shard_index(&self, key: &[u8]) -> usize {
        self.shared.shard_of(key)
    }

    /// Each shard's share of the limits.
    fn shares(&self) -> Vec<(usize, usize)> {
        self.shared
            .shards
            .iter()
            .map(|s| (s.max_entries, s.max_bytes))
            .collect()
    }

    /// How many key records the shards hold.
    fn key_records(&self) -> usize {
        self.shared
            .shards
            .iter()
            .map(|s| s.inner.read().records.len())
            .sum()
    }

    /// How many read tokens the key records hold.
    fn tokens(&self) -> usize {
        self.shared
            .shards
            .iter()
            .map(|s| {
                let inner = s.inner.read();
                inner
                    .records
                    .values()
                    .map(|r| r.tokens.len())
                    .sum::<usize>()
            })
            .sum()
    }

    /// Checks the store's invariants while nothing else uses it: index and slab agree, sizes
    /// add up, bounds hold, every entry's keys have a dependency record naming it and every
    /// dependency names a live entry, and no record is empty.
    fn check(&self) -> Result<(), String> {
        let guards: Vec<_> = self.shared.shards.iter().map(|s| s.inner.read()).collect();
        for (me, (inner, shard)) in guards.iter().zip(self.shared.shards.iter()).enumerate() {
            let live = inner.slots.iter().flatten().count();
            if live != inner.index.len() {
                return Err(format!(
                    "shard {me}: {live} slots, {} indexed",
                    inner.index.len()
                ));
            }
            let bytes: usize = inner.slots.iter().flatten().map(|s| s.size).sum();
            if bytes != inner.bytes {
                return Err(format!("shard {me}: bytes {} counted {bytes}", inner.bytes));
            }
            if live > shard.max_entries || bytes > shard.max_bytes {
                return Err(format!(
                    "shard {me}: {live} entries, {bytes} bytes over the share"
                ));
            }
            for (request, &i) in &inner.index {
                let ok = inner.slot(i).is_some_and(|s| *s.request == **request);
                if !ok {
                    return Err(format!("shard {me}: index names slot {i} wrongly"));
                }
            }
            for (i, s) in inner.slots.iter().enumerate() {
                let Some(s) = s else { continue };
                for (ks, key) in s.keys.iter() {
                    let dep = guards
                        .get(*ks)
                        .and_then(|g| g.records.get(key))
                        .and_then(|r| r.deps.get(&s.id));
                    if dep != Some(&Dep { home: me, slot: i }) {
                        return Err(format!("shard {me}: entry {} lacks a dependency", s.id));
                    }
                }
            }
            for (key, record) in &inner.records {
                if record.is_empty() {
                    return Err(format!("shard {me}: empty record"));
                }
                for (id, dep) in &record.deps {
                    let named = guards
                        .get(dep.home)
                        .and_then(|g| g.slot(dep.slot))
                        .is_some_and(|s| s.id == *id && s.keys.iter().any(|(_, k)| k == key));
                    if !named {
                        return Err(format!("shard {me}: dependency on a missing entry {id}"));
                    }
                }
            }
        }
        Ok(())
    }
}

#[test]
fn store_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Store>();
    fn assert_send<T: Send>() {}
    assert_send::<Pending>();
}

#[test]
fn shard_count_follows_the_limits() {
    let s = roomy();
    assert_eq!(s.shard_count(), 64);
    let small = Store::new(Limits {
        max_entries: 100,
        max_bytes: 1 << 30,
    });
    assert_eq!(small.shard_count(), 4); // 100 / 16 = 6 -> 4
    let tiny = Store::new(Limits {
        max_entries: 10,
        max_bytes: 1 << 30,
    });
    assert_eq!(tiny.shard_count(), 1);
    let few_bytes = Store::new(Limits {
        max_entries: 1 << 20,
        max_bytes: 300 * 1024,
    });
    assert_eq!(few_bytes.shard_count(), 4); // 300 KiB / 64 KiB = 4.7 -> 4
    for store in [&s, &small, &tiny, &few_bytes] {
        let shares = store.shares();
        assert!(shares.len().is_power_of_two());
        let entries: usize = shares.iter().map(|s| s.0).sum();
        let bytes: usize = shares.iter().map(|s| s.1).sum();
        assert!(entries <= 1 << 20 && bytes <= 1 << 30);
    }
    let e: usize = small.shares().iter().map(|s| s.0).sum();
    assert!(e <= 100);
}

#[test]
fn hits_and_misses_are_counted() {
    let s = roomy();
    let req = get_req(b"k");
    assert_eq!(s.get(b"k", &req, None), None);
    assert!(fill_get(&s, b"k", &bulk(b"v")));
    assert_eq!(s.get(b"k", &req, None), Some(bulk(b"v")));
    assert_eq!(s.get(b"k", &req, None), Some(bulk(b"v")));
    assert_eq!(s.get(b"k", &get_req(b"other"), None), None);
    let st = s.stats();
    assert_eq!((st.hits, st.misses, st.entries), (2, 2, 1));
    assert_eq!(st.bytes as usize, entry_size(&req, &bulk(b"v")));
    s.check().unwrap();
}

#[test]
fn entry_size_follows_the_formula() {
    assert_eq!(entry_size(b"abc", &Value::Nil), 64 + 3 + 32);
    assert_eq!(entry_size(b"", &bulk(b"0123456789abcdef")), 64 + 32 + 16);
    let v = Value::Array(vec![
        Value::Int(1),
        bulk(b"xy"),
        Value::Map(vec![(bulk(b"k"), Value::Double(1.0))]),
    ]);
    // Array, Int, bulk(2), Map, bulk(1), Double: six nodes, three payload bytes.
    assert_eq!(value_size(&v), 6 * 32 + 3);
    let e = Value::Error(Box::new(crate::error::ServerError::parse(b"ERR bad")));
    assert_eq!(value_size(&e), 32 + 3 + 3);
    // Deep nesting does not recurse.
    let mut deep = Value::Nil;
    for _ in 0..10_000 {
        deep = Value::Array(vec![deep]);
    }
    assert_eq!(value_size(&deep), 10_001 * 32);
    // Dropping a 10,000-deep Value recurses in Value's own Drop; keep the test about sizes.
    std::mem::forget(deep);
}

#[test]
fn invalidation_removes_single_key_entries() {
    let s = roomy();
    let strlen = request(&[b"STRLEN", b"k"]);
    assert!(fill_get(&s, b"k", &bulk(b"v")));
    assert!(fill(&s, &[b"k"], &strlen, 1, &Value::Int(1)));
    assert!(fill_get(&s, b"other", &bulk(b"w")));
    s.invalidate(b"k", true);
    assert_eq!(s.get(b"k", &get_req(b"k"), None), None);
    assert_eq!(s.get(b"k", &strlen, None), None);
    assert_eq!(s.get(b"other", &get_req(b"other"), None), Some(bulk(b"w")));
    s.invalidate(b"nothing-here", true);
    s.invalidate(b"other", false);
    let st = s.stats();
    assert_eq!(st.evicted_invalidation, 3);
    assert_eq!(st.invalidations, 2);
    assert_eq!(st.entries, 0);
    assert_eq!(st.bytes, 0);
    assert_eq!(s.key_records(), 0);
    s.check().unwrap();
}

#[test]
fn invalidation_removes_multi_key_entries_from_either_key() {
    let s = roomy();
    let (a, b) = keys_in_two_shards(&s);
    let keys: [&[u8]; 2] = [&a, &b];
    let req = mget_req(&keys);
    let value = Value::Array(vec![bulk(b"1"), bulk(b"2")]);
    for (which, invalidated) in [(0, &a), (1, &b)] {
        assert!(fill(&s, &keys, &req, 1, &value), "fill {which}");
        assert!(fill_get(&s, &b, &bulk(b"2")));
        s.check().unwrap();
        assert_eq!(s.get(&a, &req, None), Some(value.clone()));
        s.invalidate(invalidated, true);
        assert_eq!(s.get(&a, &req, None), None, "invalidating key {which}");
        s.check().unwrap();
        s.invalidate(&b, true);
        assert_eq!(s.stats().entries, 0);
        assert_eq!(
            s.key_records(),
            0,
            "records left after invalidating key {which}"
        );
    }
    // Same shard, several keys: an entry depending on a key that is not its home.
    let c = b"key:a-again".to_vec();
    let keys: [&[u8]; 3] = [&a, &b, &c];
    let req = mget_req(&keys);
    assert!(fill(&s, &keys, &req, 1, &value));
    s.invalidate(&c, true);
    assert_eq!(s.get(&a, &req, None), None);
    assert_eq!(s.key_records(), 0);
    s.check().unwrap();
}

#[test]
fn fill_raced_by_an_invalidation_is_refused() {
    let s = roomy();
    let req = get_req(b"k");
    let pending = s.begin(&[b"k"], 1);
    s.invalidate(b"k", true);
    assert!(!s.finish(pending, &req, &bulk(b"old"), None));
    assert_eq!(s.get(b"k", &req, None), None);

    // Multi-key: invalidating a key that is not the home cancels the fill too.
    let (a, b) = keys_in_two_shards(&s);
    let keys: [&[u8]; 2] = [&a, &b];
    let req = mget_req(&keys);
    let pending = s.begin(&keys, 1);
    s.invalidate(&b, true);
    assert!(!s.finish(
        pending,
        &req,
        &Value::Array(vec![Value::Nil, Value::Nil]),
        None
    ));
    assert_eq!(s.get(&a, &req, None), None);

    // An invalidation of another key does not.
    let pending = s.begin(&keys, 1);
    s.invalidate(b"unrelated", true);
    assert!(s.finish(
        pending,
        &req,
        &Value::Array(vec![Value::Nil, Value::Nil]),
        None
    ));

    let st = s.stats();
    assert_eq!(st.fills_cancelled, 2);
    assert_eq!(st.entries, 1);
    assert_eq!(s.tokens(), 0);
    s.check().unwrap();
}

#[test]
fn fill_raced_by_a_flush_is_refused() {
    let s = roomy();
    assert!(fill_get(&s, b"x", &bulk(b"1")));
    let req = get_req(b"k");
    let pending = s.begin(&[b"k"], 1);
    s.flush();
    assert!(!s.finish(pending, &req, &bulk(b"old"), None));
    assert_eq!(s.get(b"k", &req, None), None);
    assert_eq!(s.get(b"x", &get_req(b"x"), None), None);
    // A read begun after the flush is stored.
    assert!(fill_get(&s, b"k", &bulk(b"new")));
    let st = s.stats();
    assert_eq!((st.flushes, st.fills_cancelled, st.entries), (1, 1, 1));
    assert_eq!(s.key_records(), 1);
    s.check().unwrap();
}

#[test]
fn flush_empties_the_store() {
    let s = roomy();
    let (a, b) = keys_in_two_shards(&s);
    assert!(fill(&s, &[&a, &b], &mget_req(&[&a, &b]), 1, &Value::Nil));
    for i in 0..100 {
        assert!(fill_get(&s, format!("k{i}").as_bytes(), &Value::Int(i)));
    }
    let abandoned = s.begin(&[b"p"], 1);
    s.flush();
    let st = s.stats();
    assert_eq!((st.entries, st.bytes, st.flushes), (0, 0, 1));
    assert_eq!(s.key_records(), 0);
    drop(abandoned);
    assert_eq!(s.key_records(), 0);
    s.check().unwrap();
}

#[test]
fn fill_raced_by_a_connection_close_is_refused() {
    let s = roomy();
    let (a, b) = keys_in_two_shards(&s);
    let keys: [&[u8]; 2] = [&a, &b];
    let mreq = mget_req(&keys);
    // Entries of connection 7 (single and multi-key) and of connection 8.
    assert!(fill(&s, &[b"x"], &get_req(b"x"), 7, &Value::Int(1)));
    assert!(fill(&s, &keys, &mreq, 7, &Value::Nil));
    assert!(fill(&s, &[b"y"], &get_req(b"y"), 8, &Value::Int(2)));
    let on_7 = s.begin(&[b"k"], 7);
    let on_8 = s.begin(&[b"k"], 8);
    s.evict_connection(7);
    assert!(!s.finish(on_7, &get_req(b"k"), &Value::Int(3), None));
    assert!(s.finish(on_8, &get_req(b"k"), &Value::Int(4), None));
    assert_eq!(s.get(b"x", &get_req(b"x"), None), None);
    assert_eq!(s.get(&a, &mreq, None), None);
    assert_eq!(s.get(b"y", &get_req(b"y"), None), Some(Value::Int(2)));
    assert_eq!(s.get(b"k", &get_req(b"k"), None), Some(Value::Int(4)));
    let st = s.stats();
    assert_eq!(st.evicted_connection_closed, 2);
    assert_eq!(st.fills_cancelled, 1);
    assert_eq!(st.entries, 2);
    assert_eq!(s.key_records(), 2);
    assert_eq!(s.tokens(), 0);
    s.check().unwrap();
}

#[test]
fn an_abandoned_read_leaves_no_key_records() {
    let s = roomy();
    let (a, b) = keys_in_two_shards(&s);
    let pending = s.begin(&[&a, &b, &a, b"c"], 1);
    assert_eq!(s.key_records(), 3);
    assert_eq!(s.tokens(), 3);
    drop(pending);
    assert_eq!(s.key_records(), 0);
    // Refused fills leave nothing either.
    let pending = s.begin(&[&a, &b], 1);
    s.invalidate(&a, true);
    assert!(!s.finish(pending, b"req", &Value::Nil, None));
    assert_eq!(s.key_records(), 0);
    // Nor does an empty read or one from another store.
    let none = s.begin(&[], 1);
    assert!(!s.finish(none, b"req", &Value::Nil, None));
    let other = roomy();
    let foreign = other.begin(&[b"k"], 1);
    assert!(!s.finish(foreign, &get_req(b"k"), &Value::Nil, None));
    assert_eq!(other.key_records(), 0);
    assert_eq!(s.key_records(), 0);
    assert_eq!(s.stats().entries, 0);
}

#[test]
fn storing_a_request_again_replaces_it() {
    let s = roomy();
    let req = get_req(b"k");
    assert!(fill_get(&s, b"k", &bulk(b"one")));
    assert!(fill_get(&s, b"k", &bulk(b"three")));
    assert_eq!(s.get(b"k", &req, None), Some(bulk(b"three")));
    let st = s.stats();
    assert_eq!(st.entries, 1);
    assert_eq!(st.bytes as usize, entry_size(&req, &bulk(b"three")));
    assert_eq!(st.evicted_full, 0);
    s.check().unwrap();
    s.invalidate(b"k", true);
    assert_eq!(s.key_records(), 0);
}

#[test]
fn the_entry_bound_holds() {
    let s = Store::new(Limits {
        max_entries: 1000,
        max_bytes: 1 << 30,
    });
    for i in 0..10_000 {
        let key = format!("key:{i}").into_bytes();
        assert!(fill_get(&s, &key, &Value::Int(i)));
    }
    let st = s.stats();
    assert!(st.entries <= 1000, "{st:?}");
    // Every shard is full: 10,000 inserts over 32 shards of 31 entries.
    let share: usize = s.shares().iter().map(|s| s.0).sum();
    assert_eq!(st.entries as usize, share);
    assert_eq!(st.evicted_full, 10_000 - st.entries);
    s.check().unwrap();
}

#[test]
fn the_byte_bound_holds_and_fills_the_budget() {
    let max_bytes = 4 << 20;
    let s = Store::new(Limits {
        max_entries: 1 << 20,
        max_bytes,
    });
    assert_eq!(s.shard_count(), 64);
    let value = bulk(&[b'x'; 1000]);
    for i in 0..20_000 {
        let key = format!("key:{i:06}").into_bytes();
        assert!(fill_get(&s, &key, &value));
        if i % 1000 == 0 {
            assert!(s.stats().bytes as usize <= max_bytes);
        }
    }
    let st = s.stats();
    assert!(st.bytes as usize <= max_bytes, "{st:?}");
    assert!(st.bytes as usize >= max_bytes / 10 * 9, "{st:?}");
    assert!(st.evicted_full > 0);
    s.check().unwrap();
}

#[test]
fn an_entry_larger_than_a_shard_share_is_not_stored() {
    let s = Store::new(Limits {
        max_entries: 1 << 20,
        max_bytes: 4 << 20,
    });
    let share = s.shares()[0].1;
    let req = get_req(b"big");
    let big = bulk(&vec![0; share]);
    assert!(!fill(&s, &[b"big"], &req, 1, &big));
    assert_eq!(s.get(b"big", &req, None), None);
    let fits = bulk(&vec![0; share - 64 - 32 - req.len()]);
    assert_eq!(entry_size(&req, &fits), share);
    assert!(fill(&s, &[b"big"], &req, 1, &fits));
    let st = s.stats();
    assert_eq!((st.entries, st.fills_cancelled), (1, 0));
    assert_eq!(s.key_records(), 1);
    // A store with no room stores nothing.
    let none = Store::new(Limits {
        max_entries: 0,
        max_bytes: 1 << 20,
    });
    assert!(!fill_get(&none, b"k", &Value::Nil));
    assert_eq!(none.key_records(), 0);
}

#[test]
fn expired_entries_are_misses_and_go() {
    let s = roomy();
    let t0 = Instant::now();
    let req = get_req(b"k");
    let pending = s.begin(&[b"k"], 1);
    assert!(s.finish(
        pending,
        &req,
        &bulk(b"v"),
        Some(t0 + Duration::from_secs(10))
    ));
    assert!(fill_get(&s, b"forever", &bulk(b"f")));
    assert_eq!(s.get(b"k", &req, Some(t0)), Some(bulk(b"v")));
    // Without a clock reading nothing expires.
    assert_eq!(s.get(b"k", &req, None), Some(bulk(b"v")));
    let later = t0 + Duration::from_secs(10);
    assert_eq!(s.get(b"k", &req, Some(later)), None);
    assert_eq!(s.get(b"k", &req, None), None);
    assert_eq!(
        s.get(b"forever", &get_req(b"forever"), Some(later)),
        Some(bulk(b"f"))
    );
    let st = s.stats();
    assert_eq!(
        (st.hits, st.misses, st.evicted_ttl, st.entries),
        (3, 2, 1, 1)
    );
    assert_eq!(s.key_records(), 1);
    s.check().unwrap();
}

#[test]
fn clock_keeps_a_frequently_hit_entry() {
    let s = Store::new(Limits {
        max_entries: 16,
        max_bytes: 1 << 20,
    });
    assert_eq!(s.shard_count(), 1);
    let hot = get_req(b"hot");
    assert!(fill_get(&s, b"hot", &bulk(b"h")));
    for i in 0..1000 {
        assert_eq!(
            s.get(b"hot", &hot, None),
            Some(bulk(b"h")),
            "after {i} one-shots"
        );
        let key = format!("once:{i}").into_bytes();
        assert!(fill_get(&s, &key, &Value::Int(i)));
    }
    let st = s.stats();
    assert_eq!(st.entries, 16);
    assert_eq!(st.evicted_full, 1000 - 15);
    s.check().unwrap();
}

#[test]
fn a_million_distinct_keys_stay_bounded() {
    let s = Store::new(Limits {
        max_entries: 10_000,
        max_bytes: 1 << 30,
    });
    // Two threads of 500,000 distinct keys each, to halve the wall time in debug builds.
    std::thread::scope(|scope| {
        for half in 0..2u32 {
            let s = &s;
            scope.spawn(move || {
                let value = Value::Int(0);
                let mut key = Vec::with_capacity(16);
                let mut req = Vec::with_capacity(64);
                for i in half * 500_000..(half + 1) * 500_000 {
                    key.clear();
                    key.extend_from_slice(b"key:");
                    key.extend_from_slice(&i.to_le_bytes());
                    req.clear();
                    req.extend_from_slice(b"GET ");
                    req.extend_from_slice(&key);
                    let pending = s.begin(&[&key], 1);
                    assert!(s.finish(pending, &req, &value, None));
                }
            });
        }
    });
    let st = s.stats();
    assert!(st.entries <= 10_000, "{st:?}");
    assert!(st.entries >= 9_000, "{st:?}");
    assert_eq!(st.evicted_full, 1_000_000 - st.entries);
    // One record per entry: nothing is left of the 990,000 evicted keys.
    assert_eq!(s.key_records() as u64, st.entries);
    assert_eq!(s.tokens(), 0);
    s.check().unwrap();
}

/// The stress test's model of the server: a version per key, and what was invalidated.
struct World {
    keys: Vec<Vec<u8>>,
    /// The server's current version of each key.
    versions: Vec<AtomicU64>,
    /// The version each key had when its last completed `invalidate` call began: no hit may
    /// return less from a lookup that starts after that.
    through: Vec<AtomicU64>,
    stop: AtomicBool,
}

impl World {
    /// The keys of request kind `r`: `GET k`, `MGET k k+1` or `MGET k k+5 k+11`.
    fn read(&self, r: usize) -> Vec<usize> {
        let n = self.keys.len();
        let k = r % n;
        match r / n {
            0 => vec![k],
            1 => vec![k, (k + 1) % n],
            _ => vec![k, (k + 5) % n, (k + 11) % n],
        }
    }

    fn request(&self, ks: &[usize]) -> Vec<u8> {
        let names: Vec<&[u8]> = ks.iter().map(|&k| &self.keys[k][..]).collect();
        mget_req(&names)
    }
}

/// The versions a cached value holds.
fn versions_of(v: &Value) -> Vec<u64> {
    let Value::Array(items) = v else {
        panic!("not an array: {v:?}")
    };
    items
        .iter()
        .map(|i| i.as_int().and_then(|n| u64::try_from(n).ok()).unwrap())
        .collect()
}

fn stress(limits: Limits, run_for: Duration) {
    const KEYS: usize = 24;
    let store = Store::new(limits);
    let world = World {
        keys: (0..KEYS).map(|i| format!("key:{i}").into_bytes()).collect(),
        versions: (0..KEYS).map(|_| AtomicU64::new(0)).collect(),
        through: (0..KEYS).map(|_| AtomicU64::new(0)).collect(),
        stop: AtomicBool::new(false),
    };
    let kinds = KEYS * 3;
    let deadline = Instant::now() + run_for;
    std::thread::scope(|scope| {
        for reader in 0..2u64 {
            let (store, world) = (&store, &world);
            scope.spawn(move || {
                let mut rng = Rng(0x9e37_79b9 + reader);
                let mut n = 0u64;
                while !world.stop.load(Ordering::Relaxed) {
                    n += 1;
                    let ks = world.read(rng.below(kinds));
                    let req = world.request(&ks);
                    let floors: Vec<u64> = ks
                        .iter()
                        .map(|&k| world.through[k].load(Ordering::SeqCst))
                        .collect();
                    if let Some(v) = store.get(&world.keys[ks[0]], &req, None) {
                        let got = versions_of(&v);
                        for ((g, f), k) in got.iter().zip(&floors).zip(&ks) {
                            assert!(g >= f, "stale hit: key {k} version {g} < {f}");
                        }
                        continue;
                    }
                    let names: Vec<&[u8]> = ks.iter().map(|&k| &world.keys[k][..]).collect();
                    let conn = reader * 4 + n % 4;
                    // The protocol's order: register, then the server runs the read.
                    let pending = store.begin(&names, conn);
                    let read: Vec<Value> = ks
                        .iter()
                        .map(|&k| Value::Int(world.versions[k].load(Ordering::SeqCst) as i64))
                        .collect();
                    if n % 64 == 0 {
                        drop(pending); // the connection failed before the reply
                    } else {
                        store.finish(pending, &req, &Value::Array(read), None);
                    }
                }
            });
        }
        {
            let (store, world) = (&store, &world);
            scope.spawn(move || {
                let mut rng = Rng(0x1234_5678);
                while Instant::now() < deadline {
                    let k = rng.below(KEYS);
                    // The server's write, then its invalidation arriving.
                    let v = world.versions[k].fetch_add(1, Ordering::SeqCst) + 1;
                    store.invalidate(&world.keys[k], true);
                    world.through[k].fetch_max(v, Ordering::SeqCst);
                    for _ in 0..200 {
                        std::hint::spin_loop();
                    }
                }
                world.stop.store(true, Ordering::Relaxed);
            });
        }
        {
            let (store, world) = (&store, &world);
            scope.spawn(move || {
                let mut rng = Rng(0xdead_beef);
                while !world.stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_micros(300));
                    match rng.below(10) {
                        0 => store.flush(),
                        1..=4 => store.evict_connection(rng.below(8) as u64),
                        _ => store.invalidate(&world.keys[rng.below(KEYS)], false),
                    }
                }
            });
        }
    });
    // Everything applied: every entry holds the current versions.
    for r in 0..kinds {
        let ks = world.read(r);
        let req = world.request(&ks);
        if let Some(v) = store.get(&world.keys[ks[0]], &req, None) {
            let now: Vec<u64> = ks
                .iter()
                .map(|&k| world.versions[k].load(Ordering::SeqCst))
                .collect();
            assert_eq!(versions_of(&v), now, "entry of {ks:?} is stale");
        }
    }
    assert_eq!(store.tokens(), 0);
    store.check().unwrap();
    let st = store.stats();
    assert!(st.hits > 0 && st.misses > 0, "{st:?}");
    assert!(st.entries <= limits.max_entries as u64);
}

#[test]
fn stress_hits_are_never_stale() {
    // Roomy: 64 shards, no eviction for lack of room.
    stress(
        Limits {
            max_entries: 1 << 12,
            max_bytes: 1 << 30,
        },
        Duration::from_millis(700),
    );
    // Tight: two shards of 24 entries for 72 requests, so fills evict all the time.
    stress(
        Limits {
            max_entries: 48,
            max_bytes: 1 << 30,
        },
        Duration::from_millis(700),
    );
}
