// Counters in this process: exact, because a check and its increment run in one synchronous step.
// One small bucket per identifier holds every period's window; dead buckets are swept so memory stays bounded.
import type { CounterStore, PeriodLimit, SlidingCounts } from './counter-store.ts';
import { PERIODS, type Windows, type Slots } from './periods.ts';
import { slidingUsed } from './sliding-window.ts';

const SLOTS = PERIODS.length;
const COUNT = SLOTS,
  PREVIOUS = 2 * SLOTS;

/**
 * Per identifier, indexed by period: [window start × 6, its count × 6, the count of the window just before
 * it × 6 (0 when that one saw nothing)], plus when the last window that still matters ends.
 */
class Bucket {
  readonly slots: Slots = new Float64Array(SLOTS * 3);
  expiresAt = 0;
}

export interface LocalCounterStoreOptions {
  /** Most identifiers kept at once; past it the oldest buckets are dropped (their clients start afresh). */
  maxBuckets?: number;
  /** Least time between two sweeps of expired buckets, in ms. */
  sweepIntervalMs?: number;
}

export class LocalCounterStore implements CounterStore {
  readonly remote = false;
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxBuckets: number;
  private readonly sweepIntervalMs: number;
  private nextSweepAt = 0;

  constructor(options: LocalCounterStoreOptions = {}) {
    this.maxBuckets = options.maxBuckets ?? 200_000;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 10_000;
  }

  /** How many identifiers are tracked (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  consume(identifier: string, limits: readonly PeriodLimit[], windows: Windows, counts: Slots, sliding?: SlidingCounts): number {
    const { starts, prevStarts } = windows;
    const now = starts[0] ?? 0;
    if (now >= this.nextSweepAt) this.sweep(now);
    let bucket = this.buckets.get(identifier);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxBuckets) this.evict(now);
      bucket = new Bucket();
      this.buckets.set(identifier, bucket);
    }
    const slots = bucket.slots;
    let refusedBy = -1;
    let i = 0;
    for (const limit of limits) {
      const p = limit.index;
      // The stored window is the current one, the one just before it, or older (stale: counts nothing).
      const stored = slots[p];
      const current = stored === starts[p];
      const count = current ? (slots[COUNT + p] ?? 0) : 0;
      counts[i] = count;
      let used = count;
      if (sliding !== undefined) {
        const previous = current ? (slots[PREVIOUS + p] ?? 0) : stored === prevStarts[p] ? (slots[COUNT + p] ?? 0) : 0;
        sliding.previous[i] = previous;
        used = slidingUsed(count, previous, sliding.weights[i] ?? 0);
      }
      if (used >= limit.limit) refusedBy = i;
      i++;
    }
    if (refusedBy !== -1) return refusedBy;
    const lastEnds = sliding === undefined ? windows.ends : windows.nextEnds;
    i = 0;
    for (const { index: p } of limits) {
      const start = starts[p] ?? 0;
      let count = slots[COUNT + p] ?? 0;
      if (slots[p] !== start) {
        slots[PREVIOUS + p] = slots[p] === prevStarts[p] ? count : 0;
        slots[p] = start;
        count = 0;
      }
      slots[COUNT + p] = ++count;
      counts[i++] = count;
      const lastEnd = lastEnds[p] ?? 0;
      if (lastEnd > bucket.expiresAt) bucket.expiresAt = lastEnd;
    }
    return -1;
  }

  /** Drops buckets whose every window is over. */
  sweep(now: number): void {
    this.nextSweepAt = now + this.sweepIntervalMs;
    for (const [identifier, bucket] of this.buckets) {
      if (bucket.expiresAt <= now) this.buckets.delete(identifier);
    }
  }

  /** At capacity: sweep, and if every bucket is still live drop the oldest tenth (insertion order). */
  private evict(now: number): void {
    this.sweep(now);
    if (this.buckets.size < this.maxBuckets) return;
    let drop = Math.max(1, Math.floor(this.maxBuckets / 10));
    for (const identifier of this.buckets.keys()) {
      this.buckets.delete(identifier);
      if (--drop === 0) break;
    }
  }
}
