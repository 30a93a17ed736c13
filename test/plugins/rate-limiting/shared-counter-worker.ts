// One worker thread of 10-shared-counter-threads.test.ts: runs a scenario against the node's shared counter memory
// in step with the other workers (a barrier between phases), and posts back what it saw.
import { parentPort, workerData } from 'node:worker_threads';
import { CounterTableFull, SharedCounterStore } from '../../../src/plugins/rate-limiting/shared-counter-store.ts';
import { PERIODS, copyWindows, windowsAt, type Period } from '../../../src/plugins/rate-limiting/periods.ts';
import { slidingWeights } from '../../../src/plugins/rate-limiting/sliding-window.ts';
import type { PeriodLimit } from '../../../src/plugins/rate-limiting/counter-store.ts';

export type Scenario = 'exact' | 'rollover' | 'sliding' | 'full';
export interface WorkerInput {
  scenario: Scenario;
  memory: SharedArrayBuffer;
  barrier: SharedArrayBuffer;
  threads: number;
  instanceId: string;
  index: number;
}
/** Per phase, the counts each counted call reported (so the test sees every count handed out exactly once). */
export interface WorkerOutput {
  counted: number[][];
  refused: number;
  full: number;
}

const input = workerData as WorkerInput;
const store = new SharedCounterStore(input.memory, input.instanceId);
const limitsOf = (spec: Partial<Record<Period, number>>): PeriodLimit[] =>
  PERIODS.flatMap((period, index) => {
    const limit = spec[period];
    return limit === undefined ? [] : [{ period, index, limit }];
  });

/** Waits until every worker has arrived (a generation counter, so the barrier can be reused). */
function barrier(): void {
  const words = new Int32Array(input.barrier);
  const generation = Atomics.load(words, 1);
  if (Atomics.add(words, 0, 1) + 1 === input.threads) {
    Atomics.store(words, 0, 0);
    Atomics.add(words, 1, 1);
    Atomics.notify(words, 1);
    return;
  }
  while (Atomics.load(words, 1) === generation) Atomics.wait(words, 1, generation, 100);
}

const output: WorkerOutput = { counted: [], refused: 0, full: 0 };

/** `calls` consumes of `identifier(i)` at `ms`, after every worker is ready. */
function phase(calls: number, limits: PeriodLimit[], ms: number, sliding: boolean, identifier: (i: number) => string): void {
  const windows = copyWindows(windowsAt(ms));
  const counts = new Float64Array(limits.length);
  const s = sliding ? { weights: slidingWeights(limits, windows, ms, new Float64Array(limits.length)), previous: new Float64Array(limits.length) } : undefined;
  const counted: number[] = [];
  barrier();
  for (let i = 0; i < calls; i++) {
    try {
      if (store.consume(identifier(i), limits, windows, counts, s) === -1) counted.push(counts[0] ?? -1);
      else output.refused++;
    } catch (err) {
      if (!(err instanceof CounterTableFull)) throw err;
      output.full++;
    }
  }
  output.counted.push(counted);
}

const T0 = Date.UTC(2030, 0, 15, 10, 20, 0);
const hot = () => 'hot';
switch (input.scenario) {
  case 'exact':
    phase(5000, limitsOf({ minute: 10_000, hour: 15_000 }), T0, false, hot);
    break;
  case 'rollover':
    for (let k = 0; k < 10; k++) phase(300, limitsOf({ second: 100, minute: 100_000 }), T0 + k * 1000 + 500, false, hot);
    break;
  case 'sliding':
    phase(100, limitsOf({ minute: 40 }), Date.UTC(2030, 0, 15, 10, 19, 50), true, hot);
    // A quarter of the next minute to come: floor(40 × 0.25) = 10 of the previous minute still count.
    phase(100, limitsOf({ minute: 40 }), Date.UTC(2030, 0, 15, 10, 20, 45), true, hot);
    break;
  case 'full':
    phase(20, limitsOf({ hour: 5 }), T0, false, (i) => `client-${input.index}-${i}`);
    break;
}
parentPort?.postMessage(output);
