// The redis and cluster policies inside a real gateway: Redis killed and restarted under fault_tolerant true
// (proxied, one warning per few seconds) and false (500), connections following config reloads, and database
// counters shared by two gateways compiled with one SqlClient (database mode), including a lost database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pino, type Logger } from 'pino';
import { compileConfig } from '../../config/compile.ts';
import { loadDeclarative } from '../../config/declarative/load-declarative.ts';
import { PersistentState } from '../../config/persistent-state.ts';
import { startGateway, type Gateway } from '../../gateway/server.ts';
import type { SqlClient } from '../../store/sql-client.ts';
import { createPgliteClient } from '../../store/drivers/pglite-client.ts';
import { loadMigrations, runMigrations } from '../../store/migrate.ts';
import { closeAllRedisClients, openRedisClients } from './redis-clients.ts';
import { plugins } from '../../../test/helpers/gateway.ts';
import { startUpstream, type TestUpstream } from '../../../test/helpers/upstream.ts';
import { httpRequest, type SimpleResponse } from '../../../test/helpers/http.ts';
import { assertRefused } from '../../../test/helpers/refusal.ts';
import { SHARED_REDIS, redisServerSkip, sharedRedisSkip, startPrivateRedis } from '../../../test/helpers/redis-server.ts';

const redisSkip = await sharedRedisSkip();
const privateSkip = redisSkip || (await redisServerSkip());
let upstream: TestUpstream;
const open: Node[] = [];

before(async () => {
  upstream = await startUpstream();
});
after(async () => {
  for (const node of open) await node.close();
  closeAllRedisClients();
  await upstream.close();
});

interface Node {
  url: string;
  logs: Record<string, unknown>[];
  reload(doc: object): Promise<void>;
  close(): Promise<void>;
}

/** A gateway as a node builds it: its own PersistentState and logger, the database passed to plugins when given. */
async function startNode(doc: object, sql?: SqlClient): Promise<Node> {
  const registry = await plugins();
  const state = new PersistentState();
  const logs: Record<string, unknown>[] = [];
  const logger: Logger = pino(
    { level: 'info' },
    {
      write: (line: string) => {
        const parsed: unknown = JSON.parse(line);
        if (typeof parsed !== 'object' || parsed === null) throw new Error(`log line is not an object: ${line}`);
        logs.push({ ...parsed });
      },
    },
  );
  const compile = (d: object) => compileConfig(loadDeclarative(structuredClone(d) as Record<string, unknown>, registry), registry, state, logger, { sql });
  const gateway: Gateway = await startGateway(await compile(doc), { listen: [{ host: '127.0.0.1', port: 0 }], logger });
  const port = gateway.addresses()[0]?.port;
  assert.ok(port !== undefined);
  const node = {
    url: `http://127.0.0.1:${port}`,
    logs,
    reload: async (d: object) => {
      gateway.swap(await compile(d));
    },
    close: async () => {
      await gateway.close(200);
      state.dispose();
    },
  };
  open.push(node);
  return node;
}

const documentOf = (routes: object[]) => ({ _format_version: '3.0', services: [{ name: 'api', url: upstream.url, routes }] });
const limited = (name: string, config: object) => ({
  name,
  paths: [`/${name}`],
  plugins: [{ name: 'rate-limiting', config: { hour: 2, limit_by: 'ip', ...config } }],
});
const get = (node: Node, path: string) => httpRequest(`${node.url}${path}`);
const statuses = async (node: Node, path: string, n: number) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await get(node, path)).status);
  return out;
};
const storeDown = (res: SimpleResponse) => assertRefused(res, { status: 500, code: 'RATE_LIMIT_STORE_UNAVAILABLE', message: 'An unexpected error occurred' });

test('Redis killed: fault_tolerant proxies unlimited and warns sparingly, otherwise 500; back, limiting resumes by itself', { skip: privateSkip }, async () => {
  const redis = await startPrivateRedis();
  try {
    const store = { policy: 'redis', redis: { host: '127.0.0.1', port: redis.port, timeout: 500 } };
    const node = await startNode(documentOf([limited('ft', store), limited('fc', { ...store, fault_tolerant: false })]));
    assert.deepEqual(await statuses(node, '/ft', 3), [200, 200, 429]);
    assert.deepEqual(await statuses(node, '/fc', 3), [200, 200, 429]);

    await redis.kill();
    const passed = await Promise.all(Array.from({ length: 10 }, () => get(node, '/ft')));
    for (const res of passed) {
      assert.equal(res.status, 200, 'proxied although over the limit');
      assert.equal(res.headers['x-ratelimit-remaining-hour'], undefined, 'nothing counted, nothing reported');
    }
    for (const res of await Promise.all(Array.from({ length: 10 }, () => get(node, '/fc')))) storeDown(res);
    const warnings = node.logs.filter((l) => l.msg === 'rate-limiting counter store unavailable; requests let through unlimited (fault_tolerant)');
    const errors = node.logs.filter((l) => l.msg === 'rate-limiting counter store unavailable; requests refused with 500 (fault_tolerant is false)');
    assert.ok(warnings.length >= 1 && warnings.length < 10, `${warnings.length} warnings for 10 failures`);
    assert.ok(errors.length >= 1 && errors.length < 10, `${errors.length} errors for 10 failures`);
    assert.equal(warnings[0]?.policy, 'redis');

    await redis.restart();
    let first: SimpleResponse | undefined;
    for (let i = 0; i < 200; i++) {
      first = await get(node, '/fc');
      if (first.status !== 500) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal(first?.status, 200, 'reconnected without a restart');
    assert.equal(first?.headers['x-ratelimit-remaining-hour'], '1', 'the restarted (empty) Redis counts afresh');
    assert.deepEqual(await statuses(node, '/fc', 2), [200, 429]);
    assert.deepEqual(await statuses(node, '/ft', 3), [200, 200, 429]);
  } finally {
    await redis.stop();
  }
});

test('a reload that changes the Redis settings moves to a new connection and closes the old one', { skip: redisSkip }, async () => {
  closeAllRedisClients();
  const on = (database: number) => documentOf([limited('moves', { hour: 1000, policy: 'redis', redis: { ...SHARED_REDIS, database } })]);
  const node = await startNode(on(14));
  assert.equal((await get(node, '/moves')).status, 200);
  assert.equal(openRedisClients(), 1);
  await node.reload(on(15));
  assert.equal((await get(node, '/moves')).status, 200);
  for (let i = 0; i < 100 && openRedisClients() !== 1; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(openRedisClients(), 1, "the old settings' connection closed after its grace period");
  await node.reload(documentOf([limited('moves', { hour: 1000 })]));
  for (let i = 0; i < 100 && openRedisClients() !== 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(openRedisClients(), 0, 'no redis policy left, no connection left');
});

test('cluster policy: two gateways on one database share exact counts; a lost database is fault_tolerant or 500', async () => {
  const sql = await createPgliteClient();
  try {
    await runMigrations(
      sql,
      undefined,
      (await loadMigrations()).filter((m) => m.name === 'rate_limiting_counters'),
    );
    const doc = documentOf([limited('c', { hour: 7, policy: 'cluster' }), limited('cfc', { policy: 'cluster', fault_tolerant: false })]);
    const a = await startNode(doc, sql);
    const b = await startNode(doc, sql);
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => get(i % 2 ? a : b, '/c')));
    assert.equal(results.filter((r) => r.status === 200).length, 7);
    assert.equal(results.filter((r) => r.status === 429).length, 23);
    assert.deepEqual(
      results
        .filter((r) => r.status === 200)
        .map((r) => Number(r.headers['x-ratelimit-remaining-hour']))
        .sort(),
      [0, 1, 2, 3, 4, 5, 6],
    );

    await sql.close();
    assert.equal((await get(a, '/c')).status, 200, 'fault_tolerant: proxied while the database is gone');
    storeDown(await get(b, '/cfc'));
  } finally {
    await sql.close();
  }
});
