// The interface every rate-limit counter store implements: local (this process), redis and cluster (database).
import type { Period, Slots, Windows } from './periods.ts';

/** Remote stores keep a window's counter this long past its end, so a node whose clock runs a little behind still finds it. */
export const EXPIRY_SLACK_MS = 1000;

/** One configured limit: the period, its position in PERIODS, and how many requests a window allows. */
export interface PeriodLimit {
  readonly period: Period;
  readonly index: number;
  readonly limit: number;
}

/** A sliding window's inputs and outputs for one consume() call, indexed like `limits`. */
export interface SlidingCounts {
  /** Set by the caller: the weight of the previous window's count (see sliding-window.ts). */
  readonly weights: Slots;
  /** Written by the store: the previous window's count. */
  readonly previous: Slots;
}

export interface CounterStore {
  /** True when consume() answers with a Promise (a remote store); the caller then gives each call its own arrays. */
  readonly remote: boolean;
  /**
   * Counts one request for `identifier` in the current window of every limited period, all or nothing:
   * when any window has already reached its limit nothing is counted (as Kong, refused requests do not
   * use up quota). Writes each current window's count after the call into `counts` (indexed like `limits`)
   * and returns the index in `limits` of a limit that refused the request, or -1 when it was counted.
   *
   * Fixed windows (`sliding` absent) refuse when the current count has reached the limit. Sliding windows
   * refuse when `slidingUsed(count, previous, weight)` has; the store then also reports each previous
   * window's count in `sliding.previous`.
   * Read `windows` and `sliding.weights` before any await: the caller may reuse them.
   */
  consume(identifier: string, limits: readonly PeriodLimit[], windows: Windows, counts: Slots, sliding?: SlidingCounts): number | Promise<number>;
}
