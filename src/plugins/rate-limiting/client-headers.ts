// The headers Kong 3.x sends about rate limits: X-RateLimit-Limit-<Period> / X-RateLimit-Remaining-<Period>
// for every limit, and RateLimit-Limit / -Remaining / -Reset (IETF draft) for the one closest to running out.
// Names are lower case, as the response-head contract and HTTP/2 want; HTTP header names are case-insensitive.
import type { PeriodLimit, SlidingCounts } from './counter-store.ts';
import type { Windows } from './periods.ts';
import { slidingUsed, slidingWaitMs } from './sliding-window.ts';

export const RATELIMIT_LIMIT = 'ratelimit-limit';
export const RATELIMIT_REMAINING = 'ratelimit-remaining';
export const RATELIMIT_RESET = 'ratelimit-reset';
export const RETRY_AFTER = 'retry-after';

export class ClientHeaders {
  private readonly limits: readonly PeriodLimit[];
  private readonly limitNames: readonly string[];
  private readonly remainingNames: readonly string[];
  private readonly limitValues: readonly string[];
  private readonly remaining: Float64Array;

  constructor(limits: readonly PeriodLimit[]) {
    this.limits = limits;
    this.limitNames = limits.map((l) => `x-ratelimit-limit-${l.period}`);
    this.remainingNames = limits.map((l) => `x-ratelimit-remaining-${l.period}`);
    this.limitValues = limits.map((l) => String(l.limit));
    this.remaining = new Float64Array(limits.length);
  }

  /**
   * Writes every header into `target` from the counts after this request, and returns RateLimit-Reset.
   * The reported limit is the one with the fewest requests left, the longer one on a tie.
   * Fixed windows: whole seconds until the reported window ends (at least 1), when its count starts afresh.
   * Sliding windows (`sliding` and `nowMs` given): remaining requests come from the sliding estimate; Reset is
   * the seconds until the reported window ends while requests remain, and once none remain the seconds until
   * one would pass again under every exhausted limit. Either way Retry-After never promises too early.
   */
  write(target: Record<string, string | string[]>, counts: Float64Array, windows: Windows, sliding?: SlidingCounts, nowMs = windows.starts[0]): number {
    const limits = this.limits;
    const remaining = this.remaining;
    let chosen = 0;
    let chosenRemaining = Infinity;
    for (let i = 0; i < limits.length; i++) {
      const used = sliding === undefined ? counts[i] : slidingUsed(counts[i], sliding.previous[i], sliding.weights[i]);
      remaining[i] = Math.max(0, limits[i].limit - used);
      target[this.limitNames[i]] = this.limitValues[i];
      target[this.remainingNames[i]] = String(remaining[i]);
      if (remaining[i] <= chosenRemaining) {
        chosen = i;
        chosenRemaining = remaining[i];
      }
    }
    let reset: number;
    if (sliding === undefined) {
      // Kong counts in whole seconds: the start of the current second stands for "now".
      reset = Math.max(1, Math.ceil((windows.ends[limits[chosen].index] - windows.starts[0]) / 1000));
    } else if (chosenRemaining > 0) {
      reset = Math.max(1, Math.ceil((windows.ends[limits[chosen].index] - nowMs) / 1000));
    } else {
      let waitMs = 0;
      for (let i = 0; i < limits.length; i++) {
        if (remaining[i] > 0) continue;
        waitMs = Math.max(waitMs, slidingWaitMs(limits[i].limit, counts[i], sliding.previous[i], windows, limits[i].index, nowMs));
      }
      // A request passes only strictly after that instant: the next whole second past it.
      reset = Math.floor(waitMs / 1000) + 1;
    }
    target[RATELIMIT_LIMIT] = this.limitValues[chosen];
    target[RATELIMIT_REMAINING] = String(chosenRemaining);
    target[RATELIMIT_RESET] = String(reset);
    return reset;
  }
}
