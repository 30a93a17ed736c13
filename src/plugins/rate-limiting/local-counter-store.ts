// Counters in this process: exact, because a check and its increment run in one synchronous step.
// One small bucket per identifier holds every period's window; dead buckets are swept so memory stays bounded.
import type { CounterStore, PeriodLimit } from './counter-store.ts';
import { PERIODS, type Windows } from './periods.ts';

const SLOTS = PERIODS.length;

/** Per identifier: [window start × 6, count × 6], indexed by period, plus when the last window ends. */
class Bucket {
  readonly slots = new Float64Array(SLOTS * 2);
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

  consume(identifier: string, limits: readonly PeriodLimit[], windows: Windows, counts: Float64Array): number {
    const now = windows.starts[0];
    if (now >= this.nextSweepAt) this.sweep(now);
    let bucket = this.buckets.get(identifier);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxBuckets) this.evict(now);
      bucket = new Bucket();
      this.buckets.set(identifier, bucket);
    }
    const slots = bucket.slots;
    const starts = windows.starts;
    let refusedBy = -1;
    for (let i = 0; i < limits.length; i++) {
      const p = limits[i].index;
      // A count from an earlier window is stale: that window is over.
      const count = slots[p] === starts[p] ? slots[SLOTS + p] : 0;
      counts[i] = count;
      if (count >= limits[i].limit) refusedBy = i;
    }
    if (refusedBy !== -1) return refusedBy;
    for (let i = 0; i < limits.length; i++) {
      const p = limits[i].index;
      if (slots[p] !== starts[p]) {
        slots[p] = starts[p];
        slots[SLOTS + p] = 0;
      }
      counts[i] = ++slots[SLOTS + p];
      if (windows.ends[p] > bucket.expiresAt) bucket.expiresAt = windows.ends[p];
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
