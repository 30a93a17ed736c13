// Counters in memory shared by every worker thread of a node (`policy: local` with workers), exact per node: the
// check and the increment of one identifier run under a lock on its group of buckets, so 200 concurrent requests
// against a limit of 50 let exactly 50 through whichever workers they land on. Same semantics as
// LocalCounterStore (local-counter-store.ts), the single-process store.
//
// Layout: a small header, then GROUPS groups. An identifier hashes to exactly one group (no probing into others,
// so one lock covers every place its bucket can be) of SLOTS_PER_GROUP buckets:
//   group: [lock, padding to a cache line][32 tags][32 expiries]   (SLOT_BASE bytes, scanned in one go)
//   slot:  [instance tag ×4, key length, window starts ×6, pad][key: 56 UTF-16 units][counts ×6][previous ×6]
// Memory is fixed: a bucket whose windows are all over is reused in place; when every bucket of a group is
// still live a new identifier cannot be counted and consume() throws CounterTableFull, which the handler treats
// like an unreachable store (`fault_tolerant`: let through and warn, or 500). Identifiers already counted keep
// counting exactly.
//
// Keys are compared exactly, never by hash alone: the plugin instance by the first 128 bits of SHA-256(instance
// id), the identifier by its UTF-16 units when it has at most KEY_UNITS of them (UUIDs, IPs, usual header values
// and paths), else by its SHA-256. A wrong match therefore needs two instance ids, or two long identifiers, with
// equal SHA-256 prefixes (2^-128 per pair): none in practice. The 32-bit hash only picks the group and skips
// buckets that cannot match; it is seeded per node from a random value, so which identifiers share a group is
// not predictable from outside.
import { createHash, randomInt } from 'node:crypto';
import { threadId } from 'node:worker_threads';
import type { CounterStore, PeriodLimit, SlidingCounts } from './counter-store.ts';
import { PERIODS, type Slots, type Windows } from './periods.ts';
import { slidingUsed } from './sliding-window.ts';

/** Buckets per group: one lock per group; a group is full when this many of its identifiers are live at once. */
const SLOTS_PER_GROUP = 32;
/** Identifiers up to this many UTF-16 units are stored as they are; longer ones as their SHA-256. */
const KEY_UNITS = 56;
const LONG_KEY = 0x10000; // added to a long key's stored length: never equal to a short key's length
const HEADER_BYTES = 64;
const SLOT_BYTES = 256;
/** Group header: its lock, padded to a cache line, then the tags and expiries of its buckets. */
const LOCK = 0,
  TAGS = 16,
  EXPIRIES = TAGS + SLOTS_PER_GROUP;
const SLOT_BASE = (EXPIRIES + SLOTS_PER_GROUP) * 4;
const GROUP_BYTES = SLOT_BASE + SLOTS_PER_GROUP * SLOT_BYTES;
/** Within a slot, in 32-bit words: instance tag, key length, window starts (Unix seconds); then the key; then doubles. */
const S_INSTANCE = 0,
  S_LENGTH = 4,
  S_STARTS = 5;
const S_KEY_BYTES = 48,
  S_DOUBLES_BYTES = S_KEY_BYTES + KEY_UNITS * 2;
const PERIOD_COUNT = PERIODS.length;
/** Header word: the node's hash seed. */
const H_SEED = 0;
/** A lock held this long is taken over: its holder died mid-update (a terminated worker runs no `finally`). */
const ABANDONED_LOCK_MS = 250;
const SPINS = 64;
/** The lock word's low bit: some thread may be sleeping on the lock (tokens are even). */
const SLEEPERS = 1;

/** Bytes a node shares for `groups` groups of SLOTS_PER_GROUP buckets. */
export function sharedCounterBytes(groups: number): number {
  return HEADER_BYTES + groups * GROUP_BYTES;
}

/**
 * rate-limiting's share of node memory: 4096 groups, 131,072 buckets, 33.2 MiB (untouched pages cost nothing). A
 * bucket holds every period of one identifier of one plugin instance. Identifiers spread over groups at random, so
 * with 32,000 of them live at once across a node's rate-limiting instances a new one finds its group full with
 * probability ~10^-10, with 65,000 (half the buckets) ~3·10^-4, with 98,000 ~7%. Kong's 12 MiB
 * `kong_rate_limiting_counters` dict holds some 60,000 counters of one period each.
 */
export const SHARED_COUNTER_BYTES = sharedCounterBytes(4096);

/** Thrown when an identifier's group has no free bucket: every one is live. */
export class CounterTableFull extends Error {
  constructor() {
    super('rate-limiting: the shared counter table has no free bucket for a new identifier (too many identifiers live at once)');
    this.name = 'CounterTableFull';
  }
}

export class SharedCounterStore implements CounterStore {
  readonly remote = false;
  private readonly ints: Int32Array;
  private readonly uints: Uint32Array;
  private readonly units: Uint16Array;
  private readonly doubles: Float64Array;
  private readonly groups: number;
  private readonly instance: Int32Array;
  private readonly seed: number;
  /** This thread's lock tokens: thread id and a sequence number, so a taken-over lock is not released twice. */
  private sequence = 0;
  /** The last long identifier and its digest (limit_by path repeats one identifier). */
  private lastLong = '';
  private lastDigest = '';

  /** `memory` is the node's buffer (its size decides the capacity); `instanceId` keeps instances apart. */
  constructor(memory: SharedArrayBuffer, instanceId: string) {
    this.groups = Math.floor((memory.byteLength - HEADER_BYTES) / GROUP_BYTES);
    if (this.groups < 1) throw new Error(`rate-limiting: shared counter memory of ${memory.byteLength} bytes holds no group (needs ${sharedCounterBytes(1)})`);
    this.ints = new Int32Array(memory);
    this.uints = new Uint32Array(memory);
    this.units = new Uint16Array(memory);
    this.doubles = new Float64Array(memory);
    const digest = createHash('sha256').update(instanceId).digest();
    this.instance = Int32Array.of(digest.readInt32LE(0), digest.readInt32LE(4), digest.readInt32LE(8), digest.readInt32LE(12));
    this.seed = nodeSeed(this.ints) ^ (this.instance[0] ?? 0);
  }

  consume(identifier: string, limits: readonly PeriodLimit[], windows: Windows, counts: Slots, sliding?: SlidingCounts): number {
    let key = identifier,
      length = identifier.length;
    if (length > KEY_UNITS) {
      if (identifier !== this.lastLong) {
        this.lastDigest = createHash('sha256').update(identifier).digest().toString('latin1');
        this.lastLong = identifier;
      }
      key = this.lastDigest;
      length = LONG_KEY + key.length;
    }
    const hash = hashKey(key, this.seed);
    // Multiply-shift maps the hash onto any number of groups; the product stays below 2^53, so it is exact.
    const group = Math.floor(((hash >>> 0) * this.groups) / 4294967296);
    const base = (HEADER_BYTES + group * GROUP_BYTES) >> 2;
    const token = this.lock(base);
    try {
      const first = HEADER_BYTES + group * GROUP_BYTES + SLOT_BASE;
      const s = this.find(base, first, hash | 1, key, length, seconds(windows.starts[0]));
      return this.count(first + s * SLOT_BYTES, base + EXPIRIES + s, limits, windows, counts, sliding);
    } finally {
      this.unlock(base, token);
    }
  }

  /**
   * The index in its group of the identifier's bucket, claimed (and cleared) when it has none. `base` is the
   * group's first word, `first` the byte offset of its first bucket.
   */
  private find(base: number, first: number, tag: number, key: string, length: number, nowSec: number): number {
    const { ints, uints } = this;
    let free = -1;
    for (let s = 0; s < SLOTS_PER_GROUP; s++) {
      const t = ints[base + TAGS + s];
      // Buckets are claimed first-free-first, and tags are never cleared: the never-used ones are a suffix.
      if (t === 0) {
        if (free === -1) free = s;
        break;
      }
      if (t === tag && this.matches(first + s * SLOT_BYTES, key, length)) return s;
      if (free === -1 && (uints[base + EXPIRIES + s] ?? 0) <= nowSec) free = s;
    }
    if (free === -1) throw new CounterTableFull();
    const offset = first + free * SLOT_BYTES;
    ints[base + TAGS + free] = tag;
    uints[base + EXPIRIES + free] = 0;
    const w = offset >> 2;
    ints.set(this.instance, w + S_INSTANCE);
    ints[w + S_LENGTH] = length;
    const k = (offset + S_KEY_BYTES) >> 1;
    for (let i = 0; i < key.length; i++) this.units[k + i] = key.charCodeAt(i);
    uints.fill(0, w + S_STARTS, w + S_STARTS + PERIOD_COUNT);
    const d = (offset + S_DOUBLES_BYTES) >> 3;
    this.doubles.fill(0, d, d + 2 * PERIOD_COUNT);
    return free;
  }

  private matches(offset: number, key: string, length: number): boolean {
    const { ints, instance, units } = this;
    const w = offset >> 2;
    if (ints[w + S_LENGTH] !== length) return false;
    for (let i = 0; i < 4; i++) if (ints[w + S_INSTANCE + i] !== instance[i]) return false;
    const k = (offset + S_KEY_BYTES) >> 1;
    for (let i = 0; i < key.length; i++) if (units[k + i] !== key.charCodeAt(i)) return false;
    return true;
  }

  /**
   * LocalCounterStore's counting, on the bucket at byte `offset` whose expiry is word `expiry` (the caller holds
   * its group's lock). Window starts are stored in Unix seconds: every window starts on a whole second.
   */
  private count(offset: number, expiry: number, limits: readonly PeriodLimit[], windows: Windows, counts: Slots, sliding: SlidingCounts | undefined): number {
    const { uints, doubles } = this;
    const startAt = (offset >> 2) + S_STARTS,
      countAt = (offset + S_DOUBLES_BYTES) >> 3,
      previousAt = countAt + PERIOD_COUNT;
    const { starts, prevStarts, ends } = windows;
    let refusedBy = -1;
    let i = 0;
    for (const limit of limits) {
      const p = limit.index;
      // A caller a hair behind another worker (its clock read just before a boundary the other has passed) counts
      // in the window already begun, so the two never reset each other's window.
      const stored = uints[startAt + p] ?? 0;
      const current = stored === seconds(starts[p]) || stored === seconds(ends[p]);
      const count = current ? (doubles[countAt + p] ?? 0) : 0;
      counts[i] = count;
      let used = count;
      if (sliding !== undefined) {
        const previous = current ? (doubles[previousAt + p] ?? 0) : stored === seconds(prevStarts[p]) ? (doubles[countAt + p] ?? 0) : 0;
        sliding.previous[i] = previous;
        used = slidingUsed(count, previous, sliding.weights[i] ?? 0);
      }
      if (used >= limit.limit) refusedBy = i;
      i++;
    }
    if (refusedBy !== -1) return refusedBy;
    const lastEnds = sliding === undefined ? windows.ends : windows.nextEnds;
    let expiresAt = uints[expiry] ?? 0;
    i = 0;
    for (const { index: p } of limits) {
      const start = seconds(starts[p]);
      const stored = uints[startAt + p] ?? 0;
      let count = doubles[countAt + p] ?? 0;
      if (stored !== start && stored !== seconds(ends[p])) {
        doubles[previousAt + p] = stored === seconds(prevStarts[p]) ? count : 0;
        uints[startAt + p] = start;
        count = 0;
      }
      doubles[countAt + p] = ++count;
      counts[i++] = count;
      const lastEnd = seconds(lastEnds[p]);
      if (lastEnd > expiresAt) expiresAt = lastEnd;
    }
    if (expiresAt !== uints[expiry]) uints[expiry] = expiresAt; // unchanged most calls: leave its cache line clean
    return -1;
  }

  /**
   * Takes the group's lock: spins briefly (it is held for well under a microsecond), then sleeps on it. The lock
   * word holds its holder's token (even), plus SLEEPERS when a thread may be sleeping on it; returns the word as
   * this holder left it. A lock held past ABANDONED_LOCK_MS by the same holder is taken over.
   */
  private lock(base: number): number {
    const { ints } = this;
    const at = base + LOCK;
    const token = (((threadId % 1023) + 1) << 21) | ((this.sequence = (this.sequence + 1) & 0xfffff) << 1);
    let held = Atomics.compareExchange(ints, at, 0, token);
    if (held === 0) return token;
    for (let spin = 0; spin < SPINS; spin++) {
      held = Atomics.compareExchange(ints, at, 0, token);
      if (held === 0) return token;
    }
    let holder = held & ~SLEEPERS,
      since = performance.now();
    for (;;) {
      // Taken while others may sleep, the lock keeps SLEEPERS, so its release wakes one of them.
      held = Atomics.compareExchange(ints, at, 0, token | SLEEPERS);
      if (held === 0) return token | SLEEPERS;
      if ((held & SLEEPERS) !== 0 || Atomics.compareExchange(ints, at, held, held | SLEEPERS) === held) Atomics.wait(ints, at, held | SLEEPERS, 10);
      const now = performance.now();
      if ((held & ~SLEEPERS) !== holder) {
        holder = held & ~SLEEPERS;
        since = now;
      } else if (now - since > ABANDONED_LOCK_MS) {
        const word = Atomics.load(ints, at);
        if ((word & ~SLEEPERS) === holder && Atomics.compareExchange(ints, at, word, token | SLEEPERS) === word) return token | SLEEPERS;
      }
    }
  }

  /** Releases the lock taken as `held` (one atomic step when nobody waited), waking a sleeper if one may wait. */
  private unlock(base: number, held: number): void {
    const { ints } = this;
    const at = base + LOCK;
    let word = Atomics.compareExchange(ints, at, held, 0);
    if (word === held) {
      if ((held & SLEEPERS) !== 0) Atomics.notify(ints, at, 1);
      return;
    }
    // A waiter marked SLEEPERS while we held it; a different token means the lock was taken over from us (we
    // stalled past ABANDONED_LOCK_MS): not ours to release.
    if (word !== (held | SLEEPERS)) return;
    word = Atomics.compareExchange(ints, at, word, 0);
    if (word === (held | SLEEPERS)) Atomics.notify(ints, at, 1);
  }
}

/** A window boundary (ms since the epoch, a whole second) in Unix seconds, as buckets store it. */
function seconds(ms: number | undefined): number {
  return ((ms ?? 0) / 1000) >>> 0;
}

/**
 * The node's random hash seed: the first thread to propose one sets it in one atomic step (0 is "none yet"), so a
 * worker that dies at any point leaves nobody waiting.
 */
function nodeSeed(ints: Int32Array): number {
  const proposed = randomInt(1, 2 ** 31);
  const seed = Atomics.compareExchange(ints, H_SEED, 0, proposed);
  return seed === 0 ? proposed : seed;
}

/**
 * A 32-bit hash of the key (murmur3 over pairs of UTF-16 units): picks the group and tags. Pairs halve the chain
 * of dependent multiplications, which is what a hash of a 36-unit UUID costs.
 */
function hashKey(key: string, seed: number): number {
  let h = seed;
  const n = key.length;
  for (let i = 0; i < n; i += 2) {
    let k = Math.imul(key.charCodeAt(i) | ((i + 1 < n ? key.charCodeAt(i + 1) : 0) << 16), 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
  }
  h ^= n;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}
