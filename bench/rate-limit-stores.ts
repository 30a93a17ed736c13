// Micro-benchmark (not a test): what one rate-limiting consume() costs per policy's store, on 1000 identifiers
// with minute + hour limits. First the synchronous `local` stores in ns per call, side by side: this process's
// LocalCounterStore and the node-wide SharedCounterStore, on one thread and on two worker threads (each with its
// own LocalCounterStore, or both on one shared buffer; and both on one hot identifier). Then every store
// sequentially (latency per call) and with 64 calls in flight (throughput). redis uses 127.0.0.1:6379; cluster
// uses PGlite (in-process) and PostgreSQL (127.0.0.1:5432, a throwaway database). Stores that cannot be reached
// are skipped.
// Run: ./node_modules/.bin/node bench/rate-limit-stores.ts
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { CounterStore, PeriodLimit } from '../src/plugins/rate-limiting/counter-store.ts';
import { LocalCounterStore } from '../src/plugins/rate-limiting/local-counter-store.ts';
import { RedisCounterStore } from '../src/plugins/rate-limiting/redis-counter-store.ts';
import { closeAllRedisClients } from '../src/plugins/rate-limiting/redis-clients.ts';
import { ClusterCounterStore } from '../src/plugins/rate-limiting/cluster-counter-store.ts';
import { PERIODS, copyWindows, windowsAt } from '../src/plugins/rate-limiting/periods.ts';
import { SHARED_COUNTER_BYTES } from '../src/plugins/rate-limiting/shared-counter-store.ts';
import type { LoopInput } from './rate-limit-sync-loop.ts';
import { slidingWeights } from '../src/plugins/rate-limiting/sliding-window.ts';
import { createPgliteClient } from '../src/store/drivers/pglite-client.ts';
import { createPostgresClient } from '../src/store/drivers/postgres-client.ts';
import { loadMigrations, runMigrations } from '../src/store/migrate.ts';
import type { SqlClient } from '../src/store/sql-client.ts';
import { createTestDatabase, postgresSkip } from '../test/helpers/pg-database.ts';
import { sharedRedisSkip } from '../test/helpers/redis-server.ts';

const DURATION_MS = 1500;
const limits: PeriodLimit[] = [
  { period: 'minute', index: PERIODS.indexOf('minute'), limit: 1e9 },
  { period: 'hour', index: PERIODS.indexOf('hour'), limit: 1e9 },
];

async function call(store: CounterStore, i: number, sliding: boolean): Promise<void> {
  const now = Date.now();
  const windows = copyWindows(windowsAt(now));
  const s = sliding ? { weights: slidingWeights(limits, windows, now, new Float64Array(2)), previous: new Float64Array(2) } : undefined;
  await store.consume(`client-${i % 1000}`, limits, windows, new Float64Array(2), s);
}

async function measure(label: string, store: CounterStore, sliding: boolean, inFlight: number): Promise<void> {
  for (let i = 0; i < 200; i++) await call(store, i, sliding); // warm-up
  let ops = 0;
  const start = performance.now();
  const worker = async () => {
    while (performance.now() - start < DURATION_MS) await call(store, ops++, sliding);
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const elapsed = performance.now() - start;
  const perSec = Math.round((ops / elapsed) * 1000);
  const latency = inFlight === 1 ? `  ${((elapsed * 1000) / ops).toFixed(1)} µs/call` : '';
  console.log(`${label.padEnd(48)} ${perSec.toLocaleString('en-US').padStart(10)} calls/s${latency}`);
}

async function bench(name: string, makeStore: () => CounterStore): Promise<void> {
  for (const sliding of [false, true]) {
    for (const inFlight of [1, 64]) {
      await measure(`${name}, ${sliding ? 'sliding' : 'fixed'}, ${inFlight} in flight`, makeStore(), sliding, inFlight);
    }
  }
}

const migrate = async (sql: SqlClient) =>
  runMigrations(
    sql,
    undefined,
    (await loadMigrations()).filter((m) => m.name === 'rate_limiting_counters'),
  );

/** ns per consume() on each of `threads` worker threads running the loop at once. */
async function inThreads(threads: number, input: LoopInput): Promise<number[]> {
  const start = new SharedArrayBuffer(4);
  const workers = Array.from(
    { length: threads },
    () => new Worker(new URL('./rate-limit-sync-loop.ts', import.meta.url), { workerData: { ...input, start, threads } }),
  );
  try {
    return await Promise.all(
      workers.map(
        (w) =>
          new Promise<number>((resolve, reject) => {
            w.once('message', (ns: number) => {
              resolve(ns);
            });
            w.once('error', reject);
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

async function syncBench(): Promise<void> {
  const identifiers = Array.from({ length: 1000 }, () => randomUUID());
  const row = (label: string, ns: number[]) => {
    const each = ns.map((n) => n.toFixed(0).padStart(5)).join(' ');
    // Together: the calls both threads complete per second, from each one's ns per call.
    console.log(
      `${label.padEnd(56)} ${each} ns/consume${ns.length > 1 ? ` (per thread; ${ns.reduce((sum, n) => sum + 1e3 / n, 0).toFixed(1)} M calls/s together)` : ''}`,
    );
  };
  for (const sliding of [false, true]) {
    const kind = sliding ? 'sliding' : 'fixed';
    const base = { identifiers, sliding, durationMs: DURATION_MS };
    // Each row in fresh worker threads, so no store's run shapes the JIT state another is measured in.
    const [local = NaN] = await inThreads(1, base);
    const [shared = NaN] = await inThreads(1, { ...base, memory: new SharedArrayBuffer(SHARED_COUNTER_BYTES) });
    row(`local (this thread's Map), ${kind}, 1 thread`, [local]);
    row(`shared (node buffer), ${kind}, 1 thread`, [shared]);
    console.log(`${'  shared ÷ local, 1 thread'.padEnd(56)} ${(shared / local).toFixed(2)}×`);
    row(`local, ${kind}, 2 threads (a Map each: not per node)`, await inThreads(2, base));
    row(`shared, ${kind}, 2 threads on one buffer`, await inThreads(2, { ...base, memory: new SharedArrayBuffer(SHARED_COUNTER_BYTES) }));
    row(
      `shared, ${kind}, 2 threads, one hot identifier`,
      await inThreads(2, { ...base, identifiers: ['hot'], memory: new SharedArrayBuffer(SHARED_COUNTER_BYTES) }),
    );
  }
}

await syncBench();
await bench('local', () => new LocalCounterStore());

if (await sharedRedisSkip()) console.log('redis: skipped (127.0.0.1:6379 not reachable)');
else {
  const scope = `bench-${randomUUID()}`;
  await bench(
    'redis',
    () =>
      new RedisCounterStore(
        { host: '127.0.0.1', port: 6379, database: 0, username: null, password: null, timeout: 2000, ssl: false, ssl_verify: false, server_name: null },
        scope,
      ),
  );
  closeAllRedisClients();
}

const pglite = await createPgliteClient();
await migrate(pglite);
await bench('cluster (PGlite)', () => new ClusterCounterStore(pglite, `bench-${randomUUID()}`));
await pglite.close();

if (await postgresSkip()) console.log('cluster (PostgreSQL): skipped (127.0.0.1:5432 not reachable)');
else {
  const db = await createTestDatabase();
  const pg = await createPostgresClient({ connectionString: db.url, poolSize: 16 });
  try {
    await migrate(pg);
    await bench('cluster (PostgreSQL, pool of 16)', () => new ClusterCounterStore(pg, `bench-${randomUUID()}`));
  } finally {
    await pg.close();
    await db.drop();
  }
}
