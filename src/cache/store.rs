//! The client-side cache's data structure: replies of read-only commands, keyed by the
//! command's encoded bytes (its RESP request), invalidated by Redis key name.
//!
//! The network side calls into it: connections look replies up ([`Store::get`]) and store
//! the ones they fetched ([`Store::begin`] before sending, [`Store::finish`] with the reply),
//! the invalidation listener removes what the server says changed ([`Store::invalidate`],
//! [`Store::flush`]), and the pool reports closed connections ([`Store::evict_connection`]).
//!
//! # Layout
//!
//! The store is split into shards (a power of two, at most 64; fewer when the limits are
//! small, so that each shard holds at least 16 entries and 64 KiB), chosen by the hash of a
//! key name under one randomly seeded [`Seeded`] hasher built with the store. An entry lives in the shard of its
//! *home* key (the command's first key), so a key's entries and its bookkeeping share a lock.
//! Each shard holds, under one reader-writer lock ([`Lock`]):
//!
//! - the entries, in a slab (`slots`, with a free list) indexed by a map from request bytes to
//!   slot. An entry has its value, its keys (with their shards), the connection that fetched
//!   it, its expiry, its size, a unique id and a "referenced" bit;
//! - the key records, a map from key name to the entries that depend on the key (their id,
//!   home shard and slot: the slab gives entries stable handles, the id tells a reused slot
//!   from the entry that was there) and the tokens of the reads of that key in flight. A
//!   record with neither is removed, so reading a million distinct keys through a small store
//!   leaves no trace of the evicted ones;
//! - the CLOCK hand, which sweeps the slab.
//!
//! # Hits take only a read lock
//!
//! A hit is one shard read lock, one hash lookup, one clone of the value, and setting the
//! entry's referenced bit (an atomic, written only when it was clear). Eviction is CLOCK
//! (second chance) rather than strict LRU because an LRU list must be relinked on every hit,
//! which needs exclusive access and would serialize all hits on a shard; the referenced bit
//! gives nearly the same choice of victims without writes under a write lock. When a shard is
//! full, the hand sweeps the slab under the write lock, clearing referenced bits and evicting
//! the first entry whose bit was already clear (at most two turns of the slab).
//!
//! # Races between a read in flight and an invalidation
//!
//! A reply is stale only if the server changed one of its keys after running the read, and
//! the invalidation for that change is produced after the read ran. So:
//!
//! - [`Store::begin`] runs before the request is sent. It puts a unique token (a global
//!   counter) into the record of every key of the read, and notes the store's flush epoch.
//! - [`Store::invalidate`] takes, under the key's shard lock, the tokens out of the key's
//!   record (cancelling those reads) and removes the entries the record names.
//! - [`Store::finish`] write-locks every shard the read's keys live in, in ascending shard
//!   order (so two fills never deadlock), and only if every token is still there and the
//!   epoch unchanged does it insert the entry in the home shard and name it in every key's
//!   record, all under those locks. Otherwise it removes what is left of its tokens and
//!   refuses the reply ([`CacheStats::fills_cancelled`]).
//!
//! Hence an invariant, true whenever no lock is held: every entry is named by the record of
//! each of its keys. Take any key of the read: the invalidation's critical section on that
//! key's shard comes either before `finish`'s, and then the token is gone and the fill is
//! refused, or after it, and then the record names the entry and the invalidation removes
//! it. The token was registered before the read was sent, so an invalidation produced after
//! the read ran, whenever it is applied, can miss neither. (One produced before the read ran
//! may cancel a fresh fill or remove a fresh entry: harmless.)
//!
//! Invalidation and eviction hold one shard lock at a time: what must go in another shard (an
//! entry whose home is elsewhere, the dependency record of a removed multi-key entry) is
//! collected and applied after the lock is dropped, and removal goes by entry id, so a stale
//! dependency record (whose entry is gone) is harmless meanwhile and never removes a newer
//! entry that reused the slot or the request. A record keeps naming an entry until the entry
//! is gone, and `invalidate` returns only after all its removals are applied, so two
//! invalidations of one key at once (the listener's and this client's own write) both find
//! the entry and both return only once it is gone: after `invalidate(k)` returns, no entry
//! that depends on `k` and was stored before the call is left.
//!
//! [`Store::flush`] bumps the epoch, then clears every shard under all their locks at once
//! (taken in ascending order, as `finish` takes them): a fill that commits before the flush
//! is cleared with everything else; one that commits after it began after the flush or sees
//! the new epoch. Clearing one shard at a time would break the invariant: a fill could
//! commit between two clears, its entry in a shard already cleared and a dependency record in
//! one cleared next. [`Store::evict_connection`] removes the connection's tokens and entries
//! one shard at a time; a fill commits under all its shards' locks at once, so either the
//! sweep removed one of its tokens first or it reaches the fill's home shard after the fill
//! committed and removes the entry. (Connection ids are never reused, and no read begins on
//! a connection after it is reported closed.)
//!
//! # Bounds
//!
//! Each shard gets `max_entries / shards` entries and `max_bytes / shards` bytes (the shares
//! sum to at most the totals). An entry's size is
//! `request.len() + payload + 32 × (Value nodes) + 64`, where the payload is the bytes of
//! its strings (simple, bulk, verbatim, big numbers, error codes and messages) and every
//! `Value` node (scalars, aggregates, each map key and value) counts 32 bytes (about the size
//! of a `Value`), and 64 is the entry's own bookkeeping. [`CacheStats::bytes`] is the sum of
//! these sizes, so the byte budget holds exactly by that measure. An entry larger than its
//! shard's byte share is not stored. Inserting evicts until both bounds hold.
//!
//! No lock is held while calling code outside the store, and replaced or evicted values are
//! dropped after the locks are released.

use std::collections::HashSet;
use std::collections::hash_map::{Entry, HashMap};
use std::fmt;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use crossbeam_utils::sync::{ShardedLock, ShardedLockReadGuard, ShardedLockWriteGuard};

use crate::resp::Value;

#[cfg(test)]
mod tests;

/// Most shards a store has.
const MAX_SHARDS: usize = 64;
/// Fewest entries a shard's share may have (the store has fewer shards otherwise).
const MIN_SHARD_ENTRIES: usize = 16;
/// Fewest bytes a shard's share may have (the store has fewer shards otherwise).
const MIN_SHARD_BYTES: usize = 64 * 1024;
/// The size counted for each `Value` node of a reply.
const NODE_OVERHEAD: usize = 32;
/// The size counted for each entry besides its request and value.
const ENTRY_OVERHEAD: usize = 64;

/// The store's bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Most entries in the store.
    pub(crate) max_entries: usize,
    /// Most bytes in the store, by the size formula in the module docs.
    pub(crate) max_bytes: usize,
}

/// Why an entry left the store, for [`CacheStats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Eviction {
    /// Evicted to make room for another entry.
    Full,
    /// One of its keys was invalidated.
    Invalidation,
    /// The connection that fetched it (and whose tracking covered it) closed.
    ConnectionClosed,
    /// It expired.
    Ttl,
}

/// Counters of the client-side cache.
///
/// The counters grow from the cache's creation; `entries` and `bytes` are its current contents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheStats {
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups the cache could not answer (including expired entries).
    pub misses: u64,
    /// Entries evicted to make room (entry or byte bound).
    pub evicted_full: u64,
    /// Entries removed because one of their keys was invalidated.
    pub evicted_invalidation: u64,
    /// Entries removed because the connection that fetched them closed.
    pub evicted_connection_closed: u64,
    /// Entries removed because their time to live ran out.
    pub evicted_ttl: u64,
    /// Invalidation messages received from the server, counted per key.
    pub invalidations: u64,
    /// Times the whole cache was emptied (a `FLUSHALL`/`FLUSHDB`, a lost invalidation channel).
    pub flushes: u64,
    /// Entries in the cache now.
    pub entries: u64,
    /// Bytes the entries account for now: request, payload and a fixed overhead per reply
    /// element and per entry.
    pub bytes: u64,
    /// Replies not stored because an invalidation, a flush or a connection close raced them.
    pub fills_cancelled: u64,
}

impl CacheStats {
    /// Both counts added: a cluster's caches, one per node, as one.
    pub(crate) fn add(&self, o: &CacheStats) -> CacheStats {
        CacheStats {
            hits: self.hits + o.hits,
            misses: self.misses + o.misses,
            evicted_full: self.evicted_full + o.evicted_full,
            evicted_invalidation: self.evicted_invalidation + o.evicted_invalidation,
            evicted_connection_closed: self.evicted_connection_closed + o.evicted_connection_closed,
            evicted_ttl: self.evicted_ttl + o.evicted_ttl,
            invalidations: self.invalidations + o.invalidations,
            flushes: self.flushes + o.flushes,
            entries: self.entries + o.entries,
            bytes: self.bytes + o.bytes,
            fills_cancelled: self.fills_cancelled + o.fills_cancelled,
        }
    }
}

/// The client-side cache's store: see the module docs. `Send + Sync`, shared by reference.
pub(crate) struct Store {
    /// The shards and global state, shared with every [`Pending`].
    shared: Arc<Shared>,
}

/// A read in flight, registered before its request is sent.
///
/// Pass it to [`Store::finish`] with the reply; dropping it instead abandons the read and
/// removes its tokens.
pub(crate) struct Pending {
    /// The store it belongs to.
    shared: Arc<Shared>,
    /// The read's token, in the record of each of its keys; also the id of its entry.
    token: u64,
    /// The connection the read is sent on.
    conn: u64,
    /// The store's flush epoch when the read began.
    epoch: u64,
    /// The shard of the home key; `None` when the read had no keys.
    home: Option<usize>,
    /// The distinct keys with their shards, sorted by shard. Empty once finished.
    keys: Vec<(usize, Arc<[u8]>)>,
}

/// A fast hasher for byte strings, seeded at random per map (and per store for the shards):
/// SipHash, the standard library's, took a fifth of a hit's instructions. Hash flooding
/// matters less here than in an open map: a shard's maps hold at most its share of the
/// store's entries (and their keys), so a chain of collisions is bounded by that share.
#[derive(Clone)]
struct Seeded(u64);

impl Default for Seeded {
    fn default() -> Seeded {
        Seeded(rand::random::<u64>() | 1)
    }
}

impl BuildHasher for Seeded {
    type Hasher = SeededHasher;
    fn build_hasher(&self) -> SeededHasher {
        SeededHasher(self.0)
    }
}

/// [`Seeded`]'s hasher: 8 bytes at a time, multiply and rotate, then a full avalanche.
struct SeededHasher(u64);

const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

impl SeededHasher {
    #[inline]
    fn mix(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(MULTIPLIER).rotate_left(29);
    }
}

impl Hasher for SeededHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // The finalizer of MurmurHash3: every input bit moves every output bit.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// A shard's reader-writer lock: `crossbeam-utils`' sharded lock, whose readers each lock one
/// of several inner locks (chosen by thread) and whose writers lock them all. With one lock
/// word per shard (`parking_lot`'s RwLock), every hit wrote that word, so hits from threads on
/// two cores bounced its cache line between them and stopped scaling; with per-thread words
/// they touch nothing another core writes. Writes (fills, invalidations) cost more, and are
/// rare beside hits. A panic under the lock leaves the data as it was (each change is made
/// whole under the lock), so a poisoned lock is used as it is.
struct Lock<T>(ShardedLock<T>);

impl<T> Lock<T> {
    fn new(value: T) -> Lock<T> {
        Lock(ShardedLock::new(value))
    }

    #[inline]
    fn read(&self) -> ShardedLockReadGuard<'_, T> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    #[inline]
    fn write(&self) -> ShardedLockWriteGuard<'_, T> {
        self.0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// What the store and its pending reads share.
struct Shared {
    /// The shards, a power of two of them.
    shards: Box<[Shard]>,
    /// `shards.len() - 1`.
    mask: usize,
    /// Hashes key names to shards.
    hasher: Seeded,
    /// Bumped by every flush; a fill begun in an older epoch is refused.
    epoch: AtomicU64,
    /// The next read's token.
    next_token: AtomicU64,
    /// Flushes, for [`CacheStats::flushes`].
    flushes: AtomicU64,
    /// Hits and misses, striped by thread: one counter per shard would be written by every
    /// thread hitting a hot key, and hits would stop scaling with threads.
    lookups: Box<[Lookups]>,
}

/// One stripe of the hit and miss counters, on its own cache lines.
#[repr(align(128))]
#[derive(Default)]
struct Lookups {
    hits: AtomicU64,
    misses: AtomicU64,
}

/// Stripes of [`Lookups`].
const LOOKUP_STRIPES: usize = 16;

thread_local! {
    /// This thread's stripe of the lookup counters.
    static STRIPE: usize = {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        NEXT.fetch_add(1, Ordering::Relaxed) % LOOKUP_STRIPES
    };
}

impl Shared {
    /// This thread's stripe of the lookup counters.
    #[inline]
    fn lookups(&self) -> &Lookups {
        let i = STRIPE.with(|s| *s);
        // `lookups` has LOOKUP_STRIPES elements; the fallback is never taken.
        self.lookups.get(i).unwrap_or(&self.lookups[0])
    }
}

/// One shard, on its own cache lines.
#[repr(align(128))]
struct Shard {
    /// The entries and key records.
    inner: Lock<Inner>,
    /// This shard's share of `max_entries`.
    max_entries: usize,
    /// This shard's share of `max_bytes`.
    max_bytes: usize,
    /// This shard's counters.
    counters: Counters,
}

/// A shard's counters (relaxed atomics, summed by [`Store::stats`]).
#[derive(Default)]
struct Counters {
    /// [`Eviction::Full`].
    full: AtomicU64,
    /// [`Eviction::Invalidation`].
    invalidation: AtomicU64,
    /// [`Eviction::ConnectionClosed`].
    closed: AtomicU64,
    /// [`Eviction::Ttl`].
    ttl: AtomicU64,
    /// Invalidations from the server of keys in this shard.
    invalidations: AtomicU64,
    /// Fills refused because of a race, whose home is this shard.
    cancelled: AtomicU64,
}

impl Counters {
    /// Counts one eviction.
    fn evicted(&self, cause: Eviction) {
        let counter = match cause {
            Eviction::Full => &self.full,
            Eviction::Invalidation => &self.invalidation,
            Eviction::ConnectionClosed => &self.closed,
            Eviction::Ttl => &self.ttl,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// What a shard's lock guards.
#[derive(Default)]
struct Inner {
    /// Request bytes to slot in `slots`.
    index: HashMap<Arc<[u8]>, usize, Seeded>,
    /// The entries; `None` slots are in `free`.
    slots: Vec<Option<Slot>>,
    /// Empty slots to reuse.
    free: Vec<usize>,
    /// The CLOCK hand: the next slot the sweep looks at.
    hand: usize,
    /// Key name to the entries depending on it and the reads of it in flight.
    records: HashMap<Arc<[u8]>, Record, Seeded>,
    /// The sum of the entries' sizes.
    bytes: usize,
}

/// One cached reply.
struct Slot {
    /// Unique: the token of the read that fetched it.
    id: u64,
    /// The request bytes (shared with the index's key).
    request: Arc<[u8]>,
    /// The reply.
    value: Value,
    /// Its distinct keys with their shards (each has a dependency record naming this entry).
    keys: Box<[(usize, Arc<[u8]>)]>,
    /// The connection that fetched it.
    conn: u64,
    /// When it must be gone, if ever.
    expires: Option<Instant>,
    /// Its size by the formula in the module docs.
    size: usize,
    /// Set by hits, cleared by the CLOCK sweep.
    referenced: AtomicBool,
}

/// What a shard knows about one key name.
#[derive(Default)]
struct Record {
    /// The entries depending on the key, by entry id.
    deps: HashMap<u64, Dep, BuildHasherDefault<IdHasher>>,
    /// The reads of the key in flight.
    tokens: Vec<Token>,
}

impl Record {
    /// True when the record tracks nothing and can go.
    fn is_empty(&self) -> bool {
        self.deps.is_empty() && self.tokens.is_empty()
    }
}

/// Where an entry depending on a key lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Dep {
    /// Its home shard.
    home: usize,
    /// Its slot there.
    slot: usize,
}

/// A read of a key in flight.
#[derive(Debug, Clone, Copy)]
struct Token {
    /// The read's token.
    id: u64,
    /// The connection it was sent on.
    conn: u64,
}

/// A removal to apply in another shard than the one locked when it was found.
enum Op {
    /// Remove entry `id` from `slot` of `shard`, if it is still there.
    Entry {
        /// Its home shard.
        shard: usize,
        /// Its slot.
        slot: usize,
        /// Its id.
        id: u64,
        /// Why, for the counters.
        cause: Eviction,
    },
    /// Remove the dependency of `key` (in `shard`) on entry `id`.
    Dep {
        /// The key's shard.
        shard: usize,
        /// The key.
        key: Arc<[u8]>,
        /// The entry's id.
        id: u64,
    },
}

impl Op {
    /// The shard the removal happens in.
    fn shard(&self) -> usize {
        match self {
            Op::Entry { shard, .. } | Op::Dep { shard, .. } => *shard,
        }
    }
}

/// Hashes entry ids (unique counter values) for the dependency maps: one multiplication.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

impl Inner {
    /// The entry in `slot`, if any.
    fn slot(&self, slot: usize) -> Option<&Slot> {
        self.slots.get(slot).and_then(Option::as_ref)
    }

    /// Removes entry `id` from `slot`, if it is there, from the slab and the index (its
    /// dependency records stay: see [`Inner::unlink`]).
    fn take(&mut self, slot: usize, id: u64) -> Option<Slot> {
        let cell = self.slots.get_mut(slot)?;
        if cell.as_ref().is_none_or(|s| s.id != id) {
            return None;
        }
        let taken = cell.take()?;
        self.index.remove(&*taken.request);
        self.free.push(slot);
        self.bytes = self.bytes.saturating_sub(taken.size);
        Some(taken)
    }

    /// Removes a taken entry's dependency records: those in this shard (`me`) at once, the
    /// others as `ops`. Returns the value, to be dropped after the lock.
    fn unlink(&mut self, me: usize, taken: Slot, ops: &mut Vec<Op>) -> Value {
        let Slot {
            id, keys, value, ..
        } = taken;
        for (shard, key) in keys {
            if shard == me {
                self.remove_dep(key, id);
            } else {
                ops.push(Op::Dep { shard, key, id });
            }
        }
        value
    }

    /// Removes the dependency of `key` on entry `id`, and the record if nothing is left.
    fn remove_dep(&mut self, key: Arc<[u8]>, id: u64) {
        if let Entry::Occupied(mut record) = self.records.entry(key) {
            record.get_mut().deps.remove(&id);
            if record.get().is_empty() {
                record.remove();
            }
        }
    }

    /// Removes `token` from `key`'s record, and the record if nothing is left.
    fn remove_token(&mut self, key: &Arc<[u8]>, token: u64) {
        if let Entry::Occupied(mut record) = self.records.entry(Arc::clone(key)) {
            record.get_mut().tokens.retain(|t| t.id != token);
            if record.get().is_empty() {
                record.remove();
            }
        }
    }

    /// True when `key`'s record holds `token`.
    fn has_token(&self, key: &[u8], token: u64) -> bool {
        self.records
            .get(key)
            .is_some_and(|r| r.tokens.iter().any(|t| t.id == token))
    }

    /// The CLOCK victim: the slot and id of the first entry, from the hand on, whose
    /// referenced bit is clear, clearing the bits it passes. `None` when the shard is empty.
    fn victim(&mut self) -> Option<(usize, u64)> {
        let n = self.slots.len();
        if self.index.is_empty() {
            return None;
        }
        // After one turn every bit is clear, so two turns always find one.
        for _ in 0..n.saturating_mul(2) {
            if self.hand >= n {
                self.hand = 0;
            }
            let i = self.hand;
            self.hand += 1;
            if let Some(Some(s)) = self.slots.get_mut(i) {
                if !std::mem::replace(s.referenced.get_mut(), false) {
                    return Some((i, s.id));
                }
            }
        }
        None
    }

    /// A free slot for a new entry (filled by [`Inner::place`]).
    fn reserve(&mut self) -> usize {
        match self.free.pop() {
            Some(i) if i < self.slots.len() => i,
            _ => {
                self.slots.push(None);
                self.slots.len() - 1
            }
        }
    }

    /// Puts `entry` in the reserved slot `i` and indexes it.
    fn place(&mut self, i: usize, entry: Slot) {
        self.bytes = self.bytes.saturating_add(entry.size);
        self.index.insert(Arc::clone(&entry.request), i);
        if let Some(cell) = self.slots.get_mut(i) {
            *cell = Some(entry);
        }
    }
}

impl Shared {
    /// The shard of key `key`.
    fn shard_of(&self, key: &[u8]) -> usize {
        // Truncating the hash is fine: only the low bits are used.
        (self.hasher.hash_one(key) as usize) & self.mask
    }

    /// Applies removals found under other shards' locks, one shard lock at a time (removing
    /// an entry may add removals of its dependency records elsewhere).
    fn run(&self, mut ops: Vec<Op>) {
        let mut garbage = Vec::new();
        while let Some(first) = ops.first() {
            let me = first.shard();
            let (mine, rest): (Vec<Op>, Vec<Op>) = ops.into_iter().partition(|op| op.shard() == me);
            ops = rest;
            let Some(shard) = self.shards.get(me) else {
                continue;
            };
            let mut inner = shard.inner.write();
            for op in mine {
                match op {
                    Op::Entry {
                        slot, id, cause, ..
                    } => {
                        if let Some(taken) = inner.take(slot, id) {
                            shard.counters.evicted(cause);
                            garbage.push(inner.unlink(me, taken, &mut ops));
                        }
                    }
                    Op::Dep { key, id, .. } => inner.remove_dep(key, id),
                }
            }
            drop(inner);
            garbage.clear();
        }
    }

    /// Removes `token` from the records of `keys` (sorted by shard), one shard at a time.
    fn cancel(&self, keys: &[(usize, Arc<[u8]>)], token: u64) {
        for group in keys.chunk_by(|a, b| a.0 == b.0) {
            let Some(shard) = group.first().and_then(|(s, _)| self.shards.get(*s)) else {
                continue;
            };
            let mut inner = shard.inner.write();
            for (_, key) in group {
                inner.remove_token(key, token);
            }
        }
    }
}

impl Store {
    /// An empty store within `limits`.
    pub(crate) fn new(limits: Limits) -> Store {
        let mut n = MAX_SHARDS;
        while n > 1
            && (limits.max_entries / n < MIN_SHARD_ENTRIES
                || limits.max_bytes / n < MIN_SHARD_BYTES)
        {
            n /= 2;
        }
        let shards = (0..n)
            .map(|_| Shard {
                inner: Lock::new(Inner::default()),
                max_entries: limits.max_entries / n,
                max_bytes: limits.max_bytes / n,
                counters: Counters::default(),
            })
            .collect();
        Store {
            shared: Arc::new(Shared {
                shards,
                mask: n - 1,
                hasher: Seeded::default(),
                epoch: AtomicU64::new(0),
                next_token: AtomicU64::new(1),
                flushes: AtomicU64::new(0),
                lookups: (0..LOOKUP_STRIPES).map(|_| Lookups::default()).collect(),
            }),
        }
    }

    /// The cached reply of `request` (the command's encoded bytes) whose first key is `home`,
    /// if any and not expired at `now`.
    ///
    /// `now` is `None` when no entry has a time to live, so the hot path does not read the
    /// clock: the caller passes `Some(Instant::now())` only when TTLs are in use. Counts a hit
    /// or a miss; an expired entry counts as a miss and is removed ([`Eviction::Ttl`]).
    pub(crate) fn get(&self, home: &[u8], request: &[u8], now: Option<Instant>) -> Option<Value> {
        let me = self.shared.shard_of(home);
        let shard = self.shared.shards.get(me)?;
        let inner = shard.inner.read();
        let Some(entry) = inner.index.get(request).and_then(|&i| inner.slot(i)) else {
            drop(inner);
            self.shared.lookups().misses.fetch_add(1, Ordering::Relaxed);
            return None;
        };
        if let (Some(now), Some(expires)) = (now, entry.expires) {
            if now >= expires {
                let id = entry.id;
                drop(inner);
                self.shared.lookups().misses.fetch_add(1, Ordering::Relaxed);
                self.expire(me, request, id, now);
                return None;
            }
        }
        // Only written when clear, so hot entries' cache lines stay shared between readers.
        if !entry.referenced.load(Ordering::Relaxed) {
            entry.referenced.store(true, Ordering::Relaxed);
        }
        let value = entry.value.clone();
        drop(inner);
        self.shared.lookups().hits.fetch_add(1, Ordering::Relaxed);
        Some(value)
    }

    /// Removes entry `id` of `request` from shard `me` if it is still there and expired.
    fn expire(&self, me: usize, request: &[u8], id: u64, now: Instant) {
        let Some(shard) = self.shared.shards.get(me) else {
            return;
        };
        let mut ops = Vec::new();
        let mut inner = shard.inner.write();
        let Some(&i) = inner.index.get(request) else {
            return;
        };
        let expired = inner
            .slot(i)
            .is_some_and(|s| s.id == id && s.expires.is_some_and(|e| now >= e));
        let taken = if expired { inner.take(i, id) } else { None };
        let Some(taken) = taken else {
            return;
        };
        shard.counters.evicted(Eviction::Ttl);
        let value = inner.unlink(me, taken, &mut ops);
        drop(inner);
        drop(value);
        self.shared.run(ops);
    }

    /// Registers a read of `keys` (`keys[0]` is the home key) about to be sent on connection
    /// `conn`: from now on, an invalidation of any of them, a flush or the connection's close
    /// makes [`Store::finish`] refuse the reply. With no keys, `finish` stores nothing.
    pub(crate) fn begin(&self, keys: &[&[u8]], conn: u64) -> Pending {
        let shared = &self.shared;
        let epoch = shared.epoch.load(Ordering::SeqCst);
        let token = shared.next_token.fetch_add(1, Ordering::Relaxed);
        let mut owned: Vec<(usize, Arc<[u8]>)> = Vec::with_capacity(keys.len());
        if keys.len() <= 8 {
            for (i, key) in keys.iter().enumerate() {
                if !keys[..i].contains(key) {
                    owned.push((shared.shard_of(key), Arc::from(*key)));
                }
            }
        } else {
            let mut seen = HashSet::with_capacity(keys.len());
            for key in keys {
                if seen.insert(*key) {
                    owned.push((shared.shard_of(key), Arc::from(*key)));
                }
            }
        }
        let home = owned.first().map(|(shard, _)| *shard);
        owned.sort_by_key(|(shard, _)| *shard);
        for group in owned.chunk_by(|a, b| a.0 == b.0) {
            let Some(shard) = group.first().and_then(|(s, _)| shared.shards.get(*s)) else {
                continue;
            };
            let mut inner = shard.inner.write();
            for (_, key) in group {
                let t = Token { id: token, conn };
                // The pending read and a new record share the key's one allocation.
                inner
                    .records
                    .entry(Arc::clone(key))
                    .or_default()
                    .tokens
                    .push(t);
            }
        }
        Pending {
            shared: Arc::clone(shared),
            token,
            conn,
            epoch,
            home,
            keys: owned,
        }
    }

    /// Stores `value` as the reply of `request` unless, since [`Store::begin`], any of its keys
    /// was invalidated, the store was flushed, or connection `pending.conn` was evicted.
    /// Returns whether it was stored.
    ///
    /// `expires` is when the entry must be gone (`None`: never by time). An entry larger than
    /// its shard's byte share is not stored. Inserting evicts ([`Eviction::Full`]) until both
    /// bounds hold; storing a request already present replaces it. A `pending` from another
    /// store is refused (and cleaned up in its own store).
    pub(crate) fn finish(
        &self,
        mut pending: Pending,
        request: &[u8],
        value: &Value,
        expires: Option<Instant>,
    ) -> bool {
        if !Arc::ptr_eq(&pending.shared, &self.shared) {
            return false;
        }
        let keys = std::mem::take(&mut pending.keys);
        let (token, conn, epoch) = (pending.token, pending.conn, pending.epoch);
        let shared = &self.shared;
        let Some((home, home_shard)) = pending
            .home
            .and_then(|h| shared.shards.get(h).map(|s| (h, s)))
        else {
            shared.cancel(&keys, token);
            return false;
        };
        let size = entry_size(request, value);
        let fits = size <= home_shard.max_bytes && home_shard.max_entries > 0;
        // Allocated before locking, to keep the critical section short.
        let prepared = fits.then(|| (Arc::<[u8]>::from(request), value.clone()));

        // Every shard of the read, locked in ascending order (`keys` is sorted by shard).
        let mut guards: Vec<(usize, ShardedLockWriteGuard<'_, Inner>)> = Vec::new();
        for (s, _) in &keys {
            if guards.last().is_none_or(|(last, _)| last != s) {
                if let Some(shard) = shared.shards.get(*s) {
                    guards.push((*s, shard.inner.write()));
                }
            }
        }
        let fresh = shared.epoch.load(Ordering::SeqCst) == epoch
            && keys.iter().all(|(s, key)| {
                locked(&mut guards, *s).is_some_and(|inner| inner.has_token(key, token))
            });
        let home_locked = guards.iter().any(|(s, _)| *s == home);
        if !fresh || !fits || !home_locked {
            for (s, key) in &keys {
                if let Some(inner) = locked(&mut guards, *s) {
                    inner.remove_token(key, token);
                }
            }
            drop(guards);
            if !fresh {
                home_shard
                    .counters
                    .cancelled
                    .fetch_add(1, Ordering::Relaxed);
            }
            return false;
        }

        let mut ops = Vec::new();
        let mut garbage = Vec::new();
        let mut stored = false;
        if let Some(inner) = locked(&mut guards, home) {
            // Replace the request's current entry, then evict until the new one fits. The
            // records of this read's keys hold its token, so none of them goes meanwhile.
            let current = inner
                .index
                .get(request)
                .and_then(|&i| inner.slot(i).map(|s| (i, s.id)));
            if let Some(taken) = current.and_then(|(i, id)| inner.take(i, id)) {
                garbage.push(inner.unlink(home, taken, &mut ops));
            }
            while inner.index.len() >= home_shard.max_entries
                || inner.bytes.saturating_add(size) > home_shard.max_bytes
            {
                let Some(taken) = inner.victim().and_then(|(i, id)| inner.take(i, id)) else {
                    break;
                };
                home_shard.counters.evicted(Eviction::Full);
                garbage.push(inner.unlink(home, taken, &mut ops));
            }
            stored = inner.index.len() < home_shard.max_entries
                && inner.bytes.saturating_add(size) <= home_shard.max_bytes;
        }
        let prepared = prepared.filter(|_| stored);
        if let Some((request, value)) = prepared {
            let slot = locked(&mut guards, home).map_or(0, Inner::reserve);
            for (s, key) in &keys {
                if let Some(inner) = locked(&mut guards, *s) {
                    if let Some(record) = inner.records.get_mut(&**key) {
                        record.tokens.retain(|t| t.id != token);
                        record.deps.insert(token, Dep { home, slot });
                    }
                }
            }
            let entry = Slot {
                id: token,
                request,
                value,
                keys: keys.into_boxed_slice(),
                conn,
                expires,
                size,
                referenced: AtomicBool::new(false),
            };
            if let Some(inner) = locked(&mut guards, home) {
                inner.place(slot, entry);
            }
        } else {
            for (s, key) in &keys {
                if let Some(inner) = locked(&mut guards, *s) {
                    inner.remove_token(key, token);
                }
            }
        }
        drop(guards);
        drop(garbage);
        shared.run(ops);
        stored
    }

    /// The server (or this client's own write) says `key` changed: removes every entry that
    /// depends on it (single- and multi-key entries, wherever their home is) and cancels every
    /// read of it in flight. `from_server` counts it in [`CacheStats::invalidations`].
    pub(crate) fn invalidate(&self, key: &[u8], from_server: bool) {
        let shared = &self.shared;
        let me = shared.shard_of(key);
        let Some(shard) = shared.shards.get(me) else {
            return;
        };
        if from_server {
            shard.counters.invalidations.fetch_add(1, Ordering::Relaxed);
        }
        let mut ops = Vec::new();
        let mut garbage = Vec::new();
        let mut inner = shard.inner.write();
        let Some(record) = inner.records.get_mut(key) else {
            return;
        };
        // Dropping the tokens refuses those reads' fills.
        record.tokens.clear();
        // Entries elsewhere keep their dependency record here until they are removed (their
        // removal unlinks it), so a concurrent invalidation of this key finds them too and
        // does not return before they are gone.
        let deps: Vec<(u64, Dep)> = record.deps.iter().map(|(id, dep)| (*id, *dep)).collect();
        for (id, dep) in deps {
            if dep.home == me {
                if let Some(taken) = inner.take(dep.slot, id) {
                    shard.counters.evicted(Eviction::Invalidation);
                    garbage.push(inner.unlink(me, taken, &mut ops));
                }
            } else {
                ops.push(Op::Entry {
                    shard: dep.home,
                    slot: dep.slot,
                    id,
                    cause: Eviction::Invalidation,
                });
            }
        }
        if inner.records.get(key).is_some_and(Record::is_empty) {
            inner.records.remove(key);
        }
        drop(inner);
        drop(garbage);
        shared.run(ops);
    }

    /// Everything goes, and every read in flight is cancelled (a `FLUSHALL`'s null
    /// invalidation, a lost invalidation listener). Counts a flush.
    pub(crate) fn flush(&self) {
        let shared = &self.shared;
        shared.flushes.fetch_add(1, Ordering::Relaxed);
        shared.epoch.fetch_add(1, Ordering::SeqCst);
        // All shards at once (in ascending order, as `finish` takes them): cleared one at a
        // time, a fill could commit between two clears with its entry in a shard already
        // cleared and a dependency record in one not yet cleared, which the flush would then
        // remove, leaving an entry that no invalidation finds.
        let mut guards: Vec<_> = shared.shards.iter().map(|s| s.inner.write()).collect();
        let old: Vec<Inner> = guards
            .iter_mut()
            .map(|g| std::mem::take(&mut **g))
            .collect();
        drop(guards);
        drop(old);
    }

    /// Connection `conn` closed: the entries it fetched go ([`Eviction::ConnectionClosed`])
    /// and its reads in flight are cancelled.
    pub(crate) fn evict_connection(&self, conn: u64) {
        let shared = &self.shared;
        let mut ops = Vec::new();
        for (me, shard) in shared.shards.iter().enumerate() {
            let mut garbage = Vec::new();
            let mut inner = shard.inner.write();
            inner.records.retain(|_, record| {
                record.tokens.retain(|t| t.conn != conn);
                !record.is_empty()
            });
            let victims: Vec<(usize, u64)> = inner
                .slots
                .iter()
                .enumerate()
                .filter_map(|(i, s)| s.as_ref().filter(|s| s.conn == conn).map(|s| (i, s.id)))
                .collect();
            for (i, id) in victims {
                if let Some(taken) = inner.take(i, id) {
                    shard.counters.evicted(Eviction::ConnectionClosed);
                    garbage.push(inner.unlink(me, taken, &mut ops));
                }
            }
            drop(inner);
            drop(garbage);
        }
        shared.run(ops);
    }

    /// The counters, summed over the shards, and the current contents.
    pub(crate) fn stats(&self) -> CacheStats {
        let shards = &self.shared.shards;
        let sum = |counter: fn(&Counters) -> &AtomicU64| {
            shards
                .iter()
                .map(|s| counter(&s.counters).load(Ordering::Relaxed))
                .fold(0, u64::saturating_add)
        };
        let lookups = |counter: fn(&Lookups) -> &AtomicU64| {
            self.shared
                .lookups
                .iter()
                .map(|l| counter(l).load(Ordering::Relaxed))
                .fold(0, u64::saturating_add)
        };
        let (mut entries, mut bytes) = (0u64, 0u64);
        for shard in shards.iter() {
            let inner = shard.inner.read();
            entries = entries.saturating_add(inner.index.len() as u64);
            bytes = bytes.saturating_add(inner.bytes as u64);
        }
        CacheStats {
            hits: lookups(|l| &l.hits),
            misses: lookups(|l| &l.misses),
            evicted_full: sum(|c| &c.full),
            evicted_invalidation: sum(|c| &c.invalidation),
            evicted_connection_closed: sum(|c| &c.closed),
            evicted_ttl: sum(|c| &c.ttl),
            invalidations: sum(|c| &c.invalidations),
            flushes: self.shared.flushes.load(Ordering::Relaxed),
            entries,
            bytes,
            fills_cancelled: sum(|c| &c.cancelled),
        }
    }
}

/// The locked shard `s` among `guards`.
fn locked<'a>(
    guards: &'a mut [(usize, ShardedLockWriteGuard<'_, Inner>)],
    s: usize,
) -> Option<&'a mut Inner> {
    guards
        .iter_mut()
        .find(|(i, _)| *i == s)
        .map(|(_, g)| &mut **g)
}

/// An entry's size: see the module docs.
fn entry_size(request: &[u8], value: &Value) -> usize {
    ENTRY_OVERHEAD
        .saturating_add(request.len())
        .saturating_add(value_size(value))
}

/// A value's share of an entry's size: its string bytes plus [`NODE_OVERHEAD`] per node.
/// Walks with a stack, so deep nesting never recurses.
fn value_size(value: &Value) -> usize {
    match value {
        Value::Nil | Value::Okay | Value::Int(_) | Value::Boolean(_) | Value::Double(_) => {
            return NODE_OVERHEAD;
        }
        Value::SimpleString(b) | Value::BulkString(b) => {
            return NODE_OVERHEAD.saturating_add(b.len());
        }
        _ => {}
    }
    let mut total = 0usize;
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        let payload = match v {
            Value::Nil | Value::Okay | Value::Int(_) | Value::Boolean(_) | Value::Double(_) => 0,
            Value::SimpleString(b) | Value::BulkString(b) | Value::Verbatim { text: b, .. } => {
                b.len()
            }
            Value::BigNumber(s) => s.len(),
            Value::Error(e) | Value::BulkError(e) => {
                e.code().len().saturating_add(e.message().len())
            }
            Value::Array(items) | Value::Set(items) | Value::Push(items) => {
                stack.extend(items);
                0
            }
            Value::Map(pairs) => {
                for (k, v) in pairs {
                    stack.push(k);
                    stack.push(v);
                }
                0
            }
            Value::Attribute { attributes, value } => {
                for (k, v) in attributes.iter() {
                    stack.push(k);
                    stack.push(v);
                }
                stack.push(value);
                0
            }
        };
        total = total.saturating_add(NODE_OVERHEAD).saturating_add(payload);
    }
    total
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.keys.is_empty() {
            let keys = std::mem::take(&mut self.keys);
            self.shared.cancel(&keys, self.token);
        }
    }
}

impl fmt::Debug for Pending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pending")
            .field("token", &self.token)
            .field("conn", &self.conn)
            .field("keys", &self.keys.len())
            .finish()
    }
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stats = self.stats();
        f.debug_struct("Store")
            .field("shards", &self.shared.shards.len())
            .field("stats", &stats)
            .finish()
    }
}
