// The sliding-window estimate every store and the response headers share (Cloudflare's, and Kong Enterprise's
// `window_type: sliding`): the current fixed window's count plus the previous window's count weighted by the
// fraction of the current window still to come. One formula in one place, so stores and headers agree.
import type { PeriodLimit } from './counter-store.ts';
import type { Slots, Windows } from './periods.ts';

/** Requests counted as used: `current + floor(previous × weight)`; a request is let through while this is below the limit. */
export function slidingUsed(current: number, previous: number, weight: number): number {
  return current + Math.floor(previous * weight);
}

/** Fills `out` with each limit's previous-window weight at `nowMs`: the part of its current window still to come. */
export function slidingWeights(limits: readonly PeriodLimit[], windows: Windows, nowMs: number, out: Slots): Slots {
  let i = 0;
  for (const { index } of limits) {
    const end = windows.ends[index] ?? 0;
    out[i++] = Math.min(1, Math.max(0, (end - nowMs) / (end - (windows.starts[index] ?? 0))));
  }
  return out;
}

/**
 * Milliseconds from `nowMs` until one more request would be let through, given the counts after this one.
 * Within the current window the previous window's weight falls until the estimate drops below the limit;
 * when the current count alone has reached it, the wait runs into the next window, where this count becomes
 * the weighted previous one. 0 when a request would pass now.
 */
export function slidingWaitMs(limit: number, current: number, previous: number, windows: Windows, index: number, nowMs: number): number {
  const start = windows.starts[index] ?? 0,
    end = windows.ends[index] ?? 0;
  // floor(previous × w) + current < limit  ⟺  previous × w < room, with room the smallest integer ≥ limit − current.
  const room = Math.ceil(limit - current);
  if (room > 0) {
    if (previous * ((end - nowMs) / (end - start)) < room) return 0;
    // w(t) = (end − t) / length < room / previous  ⟺  t > end − room × length / previous
    return Math.max(0, end - (room * (end - start)) / previous - nowMs);
  }
  // Next window: nothing counted yet, this window's count weighted by the part of that window still to come.
  const nextEnd = windows.nextEnds[index] ?? 0;
  const at = nextEnd - (Math.ceil(limit) * (nextEnd - end)) / current;
  return Math.max(end, at) - nowMs;
}
