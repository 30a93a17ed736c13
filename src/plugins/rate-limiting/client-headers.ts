// The headers Kong 3.x sends about rate limits: X-RateLimit-Limit-<Period> / X-RateLimit-Remaining-<Period>
// for every limit, and RateLimit-Limit / -Remaining / -Reset (IETF draft) for the one closest to running out.
// Names are lower case, as the response-head contract and HTTP/2 want; HTTP header names are case-insensitive.
import type { PeriodLimit } from './counter-store.ts';
import type { Windows } from './periods.ts';

export const RATELIMIT_LIMIT = 'ratelimit-limit';
export const RATELIMIT_REMAINING = 'ratelimit-remaining';
export const RATELIMIT_RESET = 'ratelimit-reset';
export const RETRY_AFTER = 'retry-after';

export class ClientHeaders {
  private readonly limits: readonly PeriodLimit[];
  private readonly limitNames: readonly string[];
  private readonly remainingNames: readonly string[];
  private readonly limitValues: readonly string[];

  constructor(limits: readonly PeriodLimit[]) {
    this.limits = limits;
    this.limitNames = limits.map((l) => `x-ratelimit-limit-${l.period}`);
    this.remainingNames = limits.map((l) => `x-ratelimit-remaining-${l.period}`);
    this.limitValues = limits.map((l) => String(l.limit));
  }

  /**
   * Writes every header into `target` from the counts after this request, and returns RateLimit-Reset:
   * whole seconds until the reported window ends (at least 1). The reported window is the one with the
   * fewest requests left, the longer one on a tie, so Retry-After never promises too early.
   */
  write(target: Record<string, string | string[]>, counts: Float64Array, windows: Windows): number {
    const limits = this.limits;
    let chosen = 0;
    let chosenRemaining = Infinity;
    for (let i = 0; i < limits.length; i++) {
      const remaining = Math.max(0, limits[i].limit - counts[i]);
      target[this.limitNames[i]] = this.limitValues[i];
      target[this.remainingNames[i]] = String(remaining);
      if (remaining <= chosenRemaining) {
        chosen = i;
        chosenRemaining = remaining;
      }
    }
    // Kong counts in whole seconds: the start of the current second stands for "now".
    const reset = Math.max(1, Math.ceil((windows.ends[limits[chosen].index] - windows.starts[0]) / 1000));
    target[RATELIMIT_LIMIT] = this.limitValues[chosen];
    target[RATELIMIT_REMAINING] = String(chosenRemaining);
    target[RATELIMIT_RESET] = String(reset);
    return reset;
  }
}
