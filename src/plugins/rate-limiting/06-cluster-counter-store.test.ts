// The cluster counter store against real databases: the shared store contract on PostgreSQL (a fresh database
// for this file, dropped at the end) and on embedded PGlite, exactness when two connection pools (as two nodes)
// race on one counter, and the deletion of rows whose windows are over.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { SqlClient } from '../../store/sql-client.ts';
import { createPostgresClient } from '../../store/drivers/postgres-client.ts';
import { createPgliteClient } from '../../store/drivers/pglite-client.ts';
import { loadMigrations, runMigrations } from '../../store/migrate.ts';
import { counterStoreContract } from '../../../test/plugins/rate-limiting/counter-store-contract.ts';
import { ClusterCounterStore } from './cluster-counter-store.ts';
import type { PeriodLimit } from './counter-store.ts';
import { PERIODS, copyWindows, windowsAt } from './periods.ts';
import { slidingWeights } from './sliding-window.ts';
import { createTestDatabase, postgresSkip, type TestDatabase } from '../../../test/helpers/pg-database.ts';

const skip = await postgresSkip();
let db: TestDatabase | undefined;
let nodeA: SqlClient;
let nodeB: SqlClient;
let embedded: SqlClient;
const newScope = () => `test-${randomUUID()}`;

/** Only this plugin's migration: the store's own are tested by the store. */
async function migrate(sql: SqlClient): Promise<void> {
  await runMigrations(
    sql,
    undefined,
    (await loadMigrations()).filter((m) => m.name === 'rate_limiting_counters'),
  );
}

before(async () => {
  embedded = await createPgliteClient();
  await migrate(embedded);
  if (skip) return;
  db = await createTestDatabase();
  nodeA = await createPostgresClient({ connectionString: db.url, poolSize: 8 });
  nodeB = await createPostgresClient({ connectionString: db.url, poolSize: 8 });
  await migrate(nodeA);
});

after(async () => {
  await embedded?.close();
  await nodeA?.close();
  await nodeB?.close();
  await db?.drop();
});

counterStoreContract('cluster (PostgreSQL)', () => new ClusterCounterStore(nodeA, newScope()), { skip });
counterStoreContract('cluster (PGlite)', () => new ClusterCounterStore(embedded, newScope()));

const limit = (period: (typeof PERIODS)[number], n: number): PeriodLimit => ({ period, index: PERIODS.indexOf(period), limit: n });

async function consume(store: ClusterCounterStore, id: string, limits: PeriodLimit[], at: number, sliding = false) {
  const counts = new Float64Array(limits.length);
  const windows = copyWindows(windowsAt(at));
  const s = sliding ? { weights: slidingWeights(limits, windows, at, new Float64Array(limits.length)), previous: new Float64Array(limits.length) } : undefined;
  const refusedBy = await store.consume(id, limits, windows, counts, s);
  return { refusedBy, counts: [...counts] };
}

test('two nodes (two pools) racing 300 calls on one counter over three periods count exactly the limit, without deadlock', { skip }, async () => {
  const scope = newScope();
  const a = new ClusterCounterStore(nodeA, scope);
  const b = new ClusterCounterStore(nodeB, scope);
  const limits = [limit('minute', 45), limit('hour', 1000), limit('day', 5000)];
  const at = Date.UTC(2031, 3, 1, 12, 0, 30);
  const results = await Promise.all(Array.from({ length: 300 }, (_, i) => consume(i % 2 ? a : b, 'shared', limits, at)));
  const passed = results.filter((r) => r.refusedBy === -1);
  assert.equal(passed.length, 45);
  assert.deepEqual(
    passed.flatMap((r) => r.counts.slice(0, 1)).sort((x, y) => x - y),
    Array.from({ length: 45 }, (_, i) => i + 1),
  );
  assert.deepEqual((await consume(a, 'shared', limits, at)).counts, [45, 45, 45], 'refusals used up none of hour and day');
});

test('sliding windows are exact across nodes too', { skip }, async () => {
  const scope = newScope();
  const a = new ClusterCounterStore(nodeA, scope);
  const b = new ClusterCounterStore(nodeB, scope);
  const limits = [limit('minute', 30)];
  for (let i = 0; i < 20; i++) await consume(a, 'shared', limits, Date.UTC(2031, 3, 1, 12, 0, 10), true);
  // 12:01:30: half the minute to come, floor(20 × 0.5) = 10 of the previous minute count: 20 more pass.
  const at = Date.UTC(2031, 3, 1, 12, 1, 30);
  const results = await Promise.all(Array.from({ length: 100 }, (_, i) => consume(i % 2 ? a : b, 'shared', limits, at, true)));
  assert.equal(results.filter((r) => r.refusedBy === -1).length, 20);
});

test('rows whose windows are over are deleted now and then', { skip }, async () => {
  const scope = newScope();
  const store = new ClusterCounterStore(nodeB, scope);
  const t = Date.UTC(2032, 0, 1, 0, 0, 0);
  await consume(store, 'old', [limit('second', 10), limit('day', 10)], t);
  const rows = async () =>
    (await nodeA.query<{ period: string }>('SELECT period FROM rate_limiting_counters WHERE scope = $1 ORDER BY period', [scope])).rows.map((r) => r.period);
  assert.deepEqual(await rows(), ['day', 'second']);
  // Two minutes later the second's window is long over (the day's is not); the next call cleans up.
  await consume(store, 'new', [limit('second', 10)], t + 120_000);
  let left = await rows();
  for (let i = 0; i < 100 && left.length !== 2; i++) left = await rows();
  assert.deepEqual(left, ['day', 'second'], "the old second's row went; the day's and the new second's stay");
  const starts = (
    await nodeA.query<{ window_start: number }>("SELECT window_start FROM rate_limiting_counters WHERE scope = $1 AND period = 'second'", [scope])
  ).rows;
  assert.deepEqual(starts, [{ window_start: t + 120_000 }]);
});
