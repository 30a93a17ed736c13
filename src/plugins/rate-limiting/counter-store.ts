// The interface every rate-limit counter store implements: local (this process) now, Redis and cluster later.
import type { Period, Windows } from './periods.ts';

/** One configured limit: the period, its position in PERIODS, and how many requests a window allows. */
export interface PeriodLimit {
  readonly period: Period;
  readonly index: number;
  readonly limit: number;
}

export interface CounterStore {
  /** True when consume() answers with a Promise (a remote store); the caller then gives each call its own `counts`. */
  readonly remote: boolean;
  /**
   * Counts one request for `identifier` in the current window of every limited period, all or nothing:
   * when any window has already reached its limit nothing is counted (as Kong, refused requests do not
   * use up quota). Writes each window's count after the call into `counts` (indexed like `limits`) and
   * returns the index in `limits` of a limit that refused the request, or -1 when it was counted.
   * Read `windows` before any await: it is shared and moves on every second.
   */
  consume(identifier: string, limits: readonly PeriodLimit[], windows: Windows, counts: Float64Array): number | Promise<number>;
}
