// The PostgreSQL client as a connection budget, on the shared server: a query waits for a free connection of
// its pool, and past the wait gets STORE_BUSY (503, Retry-After), never the driver's error; a server that
// refuses for want of slots (here a role's CONNECTION LIMIT, SQLSTATE 53300 as max_connections gives) is
// waited for the same way. Each test ends what it opened; the role and database are dropped at the end.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isGatewayError, type GatewayError } from '../../src/errors/gateway-error.ts';
import { createPostgresClient } from '../../src/store/drivers/postgres-client.ts';
import type { SqlClient } from '../../src/store/sql-client.ts';
import { pino } from 'pino';
import { connectAsAdmin, createTestDatabase, databaseUrl, postgresSkip, uniqueDatabaseName, type TestDatabase } from '../helpers/pg-database.ts';

const skip = await postgresSkip();
let db: TestDatabase;
/** A login role allowed one connection at a time. */
const role = uniqueDatabaseName('portcullis_budget');

before(async () => {
  if (skip) return;
  db = await createTestDatabase();
  const admin = await connectAsAdmin();
  try {
    await admin.query(`CREATE ROLE ${role} LOGIN CONNECTION LIMIT 1`);
  } finally {
    await admin.end();
  }
});

after(async () => {
  if (skip) return;
  await db.drop();
  const admin = await connectAsAdmin();
  try {
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
  } finally {
    await admin.end();
  }
});

function isBusy(err: unknown): err is GatewayError {
  return isGatewayError(err) && err.code === 'STORE_BUSY' && err.status === 503 && err.headers?.['retry-after'] === '1' && !/too many/i.test(err.message);
}

/** Holds one connection of `sql` in an open transaction until the returned function is called. */
async function holdConnection(sql: SqlClient): Promise<{ release: () => Promise<void> }> {
  let letGo = () => {};
  const gate = new Promise<void>((resolve) => (letGo = resolve));
  let inside = () => {};
  const entered = new Promise<void>((resolve) => (inside = resolve));
  const tx = sql.transaction(async (q) => {
    await q.query('SELECT 1');
    inside();
    await gate;
  });
  await entered;
  return {
    release: async () => {
      letGo();
      await tx;
    },
  };
}

test('a query waits for the busy connection, and gets STORE_BUSY once its wait is over', { skip, timeout: 60_000 }, async () => {
  const short = await createPostgresClient({ connectionString: db.url, poolSize: 1, poolTimeoutMs: 200 });
  const long = await createPostgresClient({ connectionString: db.url, poolSize: 1, poolTimeoutMs: 30_000 });
  try {
    const held = await holdConnection(short);
    await assert.rejects(short.query('SELECT 1'), isBusy);
    await held.release();
    assert.equal((await short.query<{ n: number }>('SELECT 1 AS n')).rows.at(0)?.n, 1, 'the connection is free again');

    const heldLong = await holdConnection(long);
    const order: string[] = [];
    const waiting = long.query('SELECT 1').then(() => order.push('query'));
    order.push('released');
    await heldLong.release();
    await waiting;
    assert.deepEqual(order, ['released', 'query'], 'the query ran on the connection once it was free');
  } finally {
    await short.close();
    await long.close();
  }
});

test('a server without a slot (53300) is waited for, then STORE_BUSY; never "too many connections" passed through', { skip, timeout: 60_000 }, async () => {
  const url = databaseUrl(db.name, role);
  // The role's one connection: the first client's pool keeps it (idle) until closed.
  const first = await createPostgresClient({ connectionString: url, poolSize: 1 });
  let firstClosed = false;
  try {
    await assert.rejects(createPostgresClient({ connectionString: url, poolSize: 1, poolTimeoutMs: 300 }), isBusy);

    // Waiting long enough: the slot frees while the second client keeps asking (with pauses), and it gets in.
    const second = createPostgresClient({ connectionString: url, poolSize: 1, poolTimeoutMs: 30_000 });
    // Give the second client time to be refused at least once; correctness does not depend on it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await first.close();
    firstClosed = true;
    const client = await second;
    try {
      assert.equal((await client.query<{ n: number }>('SELECT 1 AS n')).rows.at(0)?.n, 1);
    } finally {
      await client.close();
    }
  } finally {
    if (!firstClosed) await first.close();
  }
});

/** A pino logger whose warnings land in `lines` (msg text only). */
function capturingLogger(lines: string[]) {
  return pino({ level: 'warn' }, { write: (line: string) => lines.push(String((JSON.parse(line) as { msg?: unknown }).msg)) });
}

test('at start, a node connecting as a superuser, or with a pool the server cannot hold, is told so', { skip, timeout: 60_000 }, async () => {
  const superuserLines: string[] = [];
  const asSuperuser = await createPostgresClient({ connectionString: db.url, poolSize: 1, logger: capturingLogger(superuserLines) });
  await asSuperuser.close();
  assert.ok(
    superuserLines.some((l) => l.includes('as a superuser')),
    `the shared test server's default user is a superuser: ${superuserLines.join(' | ')}`,
  );

  const ordinaryLines: string[] = [];
  const ordinary = await createPostgresClient({ connectionString: databaseUrl(db.name, role), poolSize: 1, logger: capturingLogger(ordinaryLines) });
  await ordinary.close();
  assert.ok(!ordinaryLines.some((l) => l.includes('as a superuser')), 'an ordinary role is not warned');

  const hugeLines: string[] = [];
  const huge = await createPostgresClient({ connectionString: db.url, poolSize: 100_000, logger: capturingLogger(hugeLines) });
  await huge.close();
  assert.ok(
    hugeLines.some((l) => l.includes('exceeds the')),
    `a pool larger than max_connections is named: ${hugeLines.join(' | ')}`,
  );
});
