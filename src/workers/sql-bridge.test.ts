// The SQL bridge a worker thread queries the node's store through: statements, errors (with their code) and
// transactions (committed, or rolled back when the worker's function throws) behave as on the store's own
// client. Both ends run here over a real MessageChannel, against embedded PGlite.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPgliteClient } from '../store/drivers/pglite-client.ts';
import type { SqlClient } from '../store/sql-client.ts';
import { serveSql, sqlOverPort } from './sql-bridge.ts';

const store: SqlClient = await createPgliteClient();
const served = serveSql(store);
const worker = sqlOverPort(served.port, store.driver);
await store.query('CREATE TABLE bridge_t (id int PRIMARY KEY, note text)');

after(async () => {
  await worker.close();
  served.close();
  await store.close();
});

const ids = async () => (await store.query<{ id: number }>('SELECT id FROM bridge_t ORDER BY id')).rows.map((r) => r.id);

test('a statement runs on the store, parameters bound, rows and counts back', async () => {
  const inserted = await worker.query('INSERT INTO bridge_t (id, note) VALUES ($1, $2), ($3, $4)', [1, 'one', 2, 'two']);
  assert.equal(inserted.affectedRows, 2);
  const { rows } = await worker.query<{ note: string }>('SELECT note FROM bridge_t WHERE id = $1', [2]);
  assert.deepEqual(rows, [{ note: 'two' }]);
  assert.equal(worker.driver, 'pglite');
});

test('an error comes back as a rejection with its SQLSTATE code', async () => {
  await assert.rejects(worker.query('INSERT INTO bridge_t (id) VALUES (1)'), (err: unknown) => {
    assert.ok(err instanceof Error);
    assert.equal((err as { code?: unknown }).code, '23505');
    return true;
  });
});

test('a transaction commits what its function wrote', async () => {
  const result = await worker.transaction(async (tx) => {
    await tx.query('INSERT INTO bridge_t (id) VALUES (10)');
    await tx.query('INSERT INTO bridge_t (id) VALUES (11)');
    return 'done';
  });
  assert.equal(result, 'done');
  assert.deepEqual(await ids(), [1, 2, 10, 11]);
});

test('a transaction whose function throws is rolled back, and the error is the caller’s', async () => {
  await assert.rejects(
    worker.transaction(async (tx) => {
      await tx.query('INSERT INTO bridge_t (id) VALUES (20)');
      throw new Error('changed my mind');
    }),
    /changed my mind/,
  );
  assert.deepEqual(await ids(), [1, 2, 10, 11]);
});

test('LISTEN stays with the main thread', async () => {
  await assert.rejects(
    worker.listen('anything', () => undefined),
    /main thread/,
  );
});
