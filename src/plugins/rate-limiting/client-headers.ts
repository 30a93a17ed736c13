// The headers Kong 3.x sends about rate limits: X-RateLimit-Limit-<Period> / X-RateLimit-Remaining-<Period>
// for every limit, and RateLimit-Limit / -Remaining / -Reset (IETF draft) for the one closest to running out.
// Names are lower case, as the response-head contract and HTTP/2 want; HTTP header names are case-insensitive.
import type { PeriodLimit, SlidingCounts } from './counter-store.ts';
import type { Slots, Windows } from './periods.ts';
import { slidingUsed, slidingWaitMs } from './sliding-window.ts';

export const RATELIMIT_LIMIT = 'ratelimit-limit';
export const RATELIMIT_REMAINING = 'ratelimit-remaining';
export const RATELIMIT_RESET = 'ratelimit-reset';
export const RETRY_AFTER = 'retry-after';

/** One limit and its header names and value, computed once. */
interface LimitHeaders {
  readonly limit: PeriodLimit;
  readonly limitName: string;
  readonly remainingName: string;
  readonly limitValue: string;
}

export class ClientHeaders {
  private readonly entries: readonly LimitHeaders[];
  private readonly remaining: Slots;

  constructor(limits: readonly PeriodLimit[]) {
    this.entries = limits.map((limit) => ({
      limit,
      limitName: `x-ratelimit-limit-${limit.period}`,
      remainingName: `x-ratelimit-remaining-${limit.period}`,
      limitValue: String(limit.limit),
    }));
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
  write(target: Record<string, string | string[]>, counts: Slots, windows: Windows, sliding?: SlidingCounts, nowMs = windows.starts[0] ?? 0): number {
    const entries = this.entries;
    const remaining = this.remaining;
    let chosen: LimitHeaders | undefined;
    let chosenRemaining = Infinity;
    let i = 0;
    for (const entry of entries) {
      const count = counts[i] ?? 0;
      const used = sliding === undefined ? count : slidingUsed(count, sliding.previous[i] ?? 0, sliding.weights[i] ?? 0);
      const left = Math.max(0, entry.limit.limit - used);
      remaining[i] = left;
      target[entry.limitName] = entry.limitValue;
      target[entry.remainingName] = String(left);
      if (left <= chosenRemaining) {
        chosen = entry;
        chosenRemaining = left;
      }
      i++;
    }
    if (chosen === undefined) throw new Error('rate-limiting headers without a limit');
    let reset: number;
    if (sliding === undefined) {
      // Kong counts in whole seconds: the start of the current second stands for "now".
      reset = Math.max(1, Math.ceil(((windows.ends[chosen.limit.index] ?? 0) - (windows.starts[0] ?? 0)) / 1000));
    } else if (chosenRemaining > 0) {
      reset = Math.max(1, Math.ceil(((windows.ends[chosen.limit.index] ?? 0) - nowMs) / 1000));
    } else {
      let waitMs = 0;
      i = 0;
      for (const {
        limit: { limit, index },
      } of entries) {
        const at = i++;
        if ((remaining[at] ?? 0) > 0) continue;
        waitMs = Math.max(waitMs, slidingWaitMs(limit, counts[at] ?? 0, sliding.previous[at] ?? 0, windows, index, nowMs));
      }
      // A request passes only strictly after that instant: the next whole second past it.
      reset = Math.floor(waitMs / 1000) + 1;
    }
    target[RATELIMIT_LIMIT] = chosen.limitValue;
    target[RATELIMIT_REMAINING] = String(chosenRemaining);
    target[RATELIMIT_RESET] = String(reset);
    return reset;
  }
}
