// The synchronous consume() loop of bench/rate-limit-stores.ts, as the rate-limiting handler calls it (one set
// of arrays reused, the shared windows): run inline for one thread, or as a worker thread for several.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { PeriodLimit } from '../src/plugins/rate-limiting/counter-store.ts';
import { LocalCounterStore } from '../src/plugins/rate-limiting/local-counter-store.ts';
import { SharedCounterStore } from '../src/plugins/rate-limiting/shared-counter-store.ts';
import { PERIODS, windowsAt } from '../src/plugins/rate-limiting/periods.ts';
import { slidingWeights } from '../src/plugins/rate-limiting/sliding-window.ts';

export interface LoopInput {
  /** The node's buffer for the shared store; absent for a LocalCounterStore of this thread's own. */
  memory?: SharedArrayBuffer;
  identifiers: string[];
  sliding: boolean;
  durationMs: number;
  /** Workers start together: each adds one here, then waits for all. */
  start?: SharedArrayBuffer;
  threads?: number;
}

const limits: PeriodLimit[] = [
  { period: 'minute', index: PERIODS.indexOf('minute'), limit: 1e12 },
  { period: 'hour', index: PERIODS.indexOf('hour'), limit: 1e12 },
];

/** Calls consume() for `durationMs` (checking the clock every 1024 calls); returns ns per call. */
export function consumeLoop(input: LoopInput): number {
  // Typed as the two synchronous stores: consume() answers a number, nothing to await.
  const store: LocalCounterStore | SharedCounterStore =
    input.memory === undefined ? new LocalCounterStore() : new SharedCounterStore(input.memory, 'bench-instance');
  const { identifiers } = input;
  const counts = new Float64Array(limits.length);
  const s = input.sliding ? { weights: new Float64Array(limits.length), previous: new Float64Array(limits.length) } : undefined;
  const run = (calls: number): void => {
    for (let i = 0; i < calls; i++) {
      const now = Date.now();
      const windows = windowsAt(now);
      if (s !== undefined) slidingWeights(limits, windows, now, s.weights);
      store.consume(identifiers[i % identifiers.length] ?? '', limits, windows, counts, s);
    }
  };
  run(100_000); // warm-up
  if (input.start !== undefined) {
    const words = new Int32Array(input.start);
    Atomics.add(words, 0, 1);
    while (Atomics.load(words, 0) < (input.threads ?? 1)) Atomics.wait(words, 0, Atomics.load(words, 0), 1);
  }
  let calls = 0;
  const begin = process.hrtime.bigint();
  const end = begin + BigInt(input.durationMs) * 1_000_000n;
  let now = begin;
  while (now < end) {
    run(1024);
    calls += 1024;
    now = process.hrtime.bigint();
  }
  return Number(now - begin) / calls;
}

if (!isMainThread) parentPort?.postMessage(consumeLoop(workerData as LoopInput));
