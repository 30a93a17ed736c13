// Long builds (the router, the consumer directory, a whole config) written once as generators that `yield` at
// points where they may pause, and run two ways: to the end at once (tests, the CLI's `config validate`), or in
// slices of a few milliseconds with the event loop free in between, so a 100,000-path build never holds up the
// proxied requests and admin calls sharing the loop.
import { setImmediate as nextTurn } from 'node:timers/promises';

/** A build that may pause wherever it yields; its return value is the result. */
export type Steps<T> = Generator<undefined, T, undefined>;

/**
 * Longest stretch of build work between two turns of the event loop. A proxied request arriving mid-build waits
 * at most about this long (plus one step) before it is served.
 */
export const SLICE_MS = 4;

/** Runs `steps` to the end without pausing. */
export function runAtOnce<T>(steps: Steps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
  }
}

/** Runs `steps`, letting the event loop turn (setImmediate: after pending I/O) whenever a slice has run SLICE_MS. */
export async function runInSlices<T>(steps: Steps<T>, sliceMs = SLICE_MS): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
    if (performance.now() - sliceStart < sliceMs) continue;
    await nextTurn();
    sliceStart = performance.now();
  }
}

/** For async loops over many rows: `due()` once a slice has run SLICE_MS, then `await turn()` lets the loop turn. */
export interface Pacer {
  due(): boolean;
  turn(): Promise<void>;
}

export function pacer(sliceMs = SLICE_MS): Pacer {
  let sliceStart = performance.now();
  return {
    due: () => performance.now() - sliceStart >= sliceMs,
    async turn() {
      await nextTurn();
      sliceStart = performance.now();
    },
  };
}

/**
 * Calls `each` on every item, yielding every `every` items: how a loop over thousands of entities becomes
 * pausable without a yield (and a clock read) per item.
 */
export function* eachStep<T>(items: Iterable<T>, each: (item: T, index: number) => void, every = 256): Steps<void> {
  let i = 0;
  for (const item of items) {
    each(item, i);
    if (++i % every === 0) yield;
  }
}

/** Items per run sorted natively, and merge outputs between yields, in sortSteps. */
const SORT_RUN = 2048;

/**
 * A stable sort of a copy of `items` that yields between runs and during merges (Array.prototype.sort of
 * 100,000 routes takes tens of milliseconds in one piece): natively sorted runs, then bottom-up merges.
 */
export function* sortSteps<T extends object>(items: readonly T[], compare: (a: T, b: T) => number): Steps<T[]> {
  const n = items.length;
  let from: T[] = [];
  for (let lo = 0; lo < n; lo += SORT_RUN) {
    for (const item of items.slice(lo, lo + SORT_RUN).sort(compare)) from.push(item);
    yield;
  }
  for (let width = SORT_RUN; width < n; width *= 2) {
    const to: T[] = [];
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      while (i < mid || j < hi) {
        const a = i < mid ? from[i] : undefined;
        const b = j < hi ? from[j] : undefined;
        // Left first on ties: that keeps the sort stable.
        if (a !== undefined && (b === undefined || compare(a, b) <= 0)) {
          to.push(a);
          i++;
        } else if (b !== undefined) {
          to.push(b);
          j++;
        } else {
          break; // unreachable: both halves hold only objects
        }
        if (to.length % SORT_RUN === 0) yield;
      }
    }
    from = to;
  }
  return from;
}
