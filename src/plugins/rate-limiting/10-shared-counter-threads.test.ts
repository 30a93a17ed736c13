// Real worker threads hammering one shared counter buffer, as the proxy's workers do: a limit holds exactly per
// node whichever thread counts, across window rollovers, in sliding windows, and when the table runs full.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { SharedCounterStore, sharedCounterBytes } from './shared-counter-store.ts';
import { PERIODS, windowsAt } from './periods.ts';
import type { Scenario, WorkerInput, WorkerOutput } from '../../../test/plugins/rate-limiting/shared-counter-worker.ts';

const THREADS = 4;
const WORKER = new URL('../../../test/plugins/rate-limiting/shared-counter-worker.ts', import.meta.url);

function isOutput(value: unknown): value is WorkerOutput {
  return typeof value === 'object' && value !== null && 'counted' in value && 'refused' in value && 'full' in value;
}

/** Runs `scenario` on THREADS workers over one buffer; every worker is terminated, whatever happens. */
async function runThreads(scenario: Scenario, memory: SharedArrayBuffer, instanceId: string): Promise<WorkerOutput[]> {
  const barrier = new SharedArrayBuffer(8);
  const workers: Worker[] = [];
  try {
    const results = Array.from({ length: THREADS }, (_, index) => {
      const input: WorkerInput = { scenario, memory, barrier, threads: THREADS, instanceId, index };
      const worker = new Worker(WORKER, { workerData: input });
      workers.push(worker);
      return new Promise<WorkerOutput>((resolve, reject) => {
        worker.once('message', (message: unknown) => {
          if (isOutput(message)) resolve(message);
          else reject(new Error(`unexpected message from worker ${index}`));
        });
        worker.once('error', reject);
        worker.once('exit', (code) => {
          reject(new Error(`worker ${index} exited (${code}) before reporting`));
        });
      });
    });
    return await Promise.all(results);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Every count handed out in phase `p`, over all workers, in order. */
const countedIn = (outputs: WorkerOutput[], p: number): number[] => outputs.flatMap((o) => o.counted[p] ?? []).sort((a, b) => a - b);
const oneTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

test(`${THREADS} threads × 5000 calls against a limit of 10,000: exactly 10,000 count, each count handed out once`, async () => {
  const outputs = await runThreads('exact', new SharedArrayBuffer(sharedCounterBytes(16)), randomUUID());
  assert.deepEqual(countedIn(outputs, 0), oneTo(10_000));
  assert.equal(
    outputs.reduce((sum, o) => sum + o.refused, 0),
    10_000,
  );
});

test('window rollover: every second lets exactly its limit through across threads, and the minute counts them all', async () => {
  const memory = new SharedArrayBuffer(sharedCounterBytes(16));
  const instanceId = randomUUID();
  const outputs = await runThreads('rollover', memory, instanceId);
  for (let k = 0; k < 10; k++) assert.deepEqual(countedIn(outputs, k), oneTo(100), `second ${k}`);
  // The minute counted the 10 × 100 that passed: one more makes 1001 (the same memory, as a new worker sees it).
  const counts = new Float64Array(2);
  const limits = [
    { period: 'second' as const, index: 0, limit: 100 },
    { period: 'minute' as const, index: PERIODS.indexOf('minute'), limit: 100_000 },
  ];
  new SharedCounterStore(memory, instanceId).consume('hot', limits, windowsAt(Date.UTC(2030, 0, 15, 10, 20, 30)), counts);
  assert.deepEqual([...counts], [1, 1001]);
});

test('sliding windows across threads: the previous minute weighs, and exactly what it leaves passes', async () => {
  const outputs = await runThreads('sliding', new SharedArrayBuffer(sharedCounterBytes(16)), randomUUID());
  assert.deepEqual(countedIn(outputs, 0), oneTo(40));
  assert.deepEqual(countedIn(outputs, 1), oneTo(30), 'floor(40 × 0.25) = 10 still count: 30 more pass');
});

test('a full table across threads: exactly as many identifiers as buckets are counted, the rest refused as full', async () => {
  const outputs = await runThreads('full', new SharedArrayBuffer(sharedCounterBytes(1)), randomUUID());
  assert.equal(
    outputs.reduce((sum, o) => sum + (o.counted[0]?.length ?? 0), 0),
    32,
  );
  assert.equal(
    outputs.reduce((sum, o) => sum + o.full, 0),
    THREADS * 20 - 32,
  );
});
