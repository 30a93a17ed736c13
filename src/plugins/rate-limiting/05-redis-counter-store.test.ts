// The redis counter store against real Redis: the shared store contract on 127.0.0.1:6379 (a unique key
// scope per test), its keys and their expiry, exactness across connections, and what a Redis that is down,
// killed or back again does to it (a private redis-server, never the shared one).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { counterStoreContract } from '../../../test/plugins/rate-limiting/counter-store-contract.ts';
import { RedisCounterStore } from './redis-counter-store.ts';
import type { PeriodLimit } from './counter-store.ts';
import { closeAllRedisClients, openRedisClients, type RedisSettings } from './redis-clients.ts';
import { PERIODS, copyWindows, windowsAt } from './periods.ts';
import { SHARED_REDIS, redisServerSkip, sharedRedisSkip, startPrivateRedis } from '../../../test/helpers/redis-server.ts';

const skip = await sharedRedisSkip();
const privateSkip = skip || (await redisServerSkip());
const RUN = `test-${randomUUID()}`;
const settings = (port = SHARED_REDIS.port, timeout = 2000): RedisSettings => ({
  host: '127.0.0.1',
  port,
  database: 0,
  username: null,
  password: null,
  timeout,
  ssl: false,
  ssl_verify: false,
  server_name: null,
});
let scopes = 0;
const newScope = () => `${RUN}-${++scopes}`;

after(async () => {
  closeAllRedisClients();
  if (skip) return;
  // The contract's month windows would otherwise linger for weeks in the shared Redis.
  const redis = new Redis({ ...SHARED_REDIS, lazyConnect: true });
  await redis.connect();
  const keys = await redis.keys(`portcullis:rl:${RUN}-*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

counterStoreContract('redis', () => new RedisCounterStore(settings(), newScope()), { skip });

const minute: PeriodLimit[] = [{ period: 'minute', index: PERIODS.indexOf('minute'), limit: 1000 }];

async function consume(
  store: RedisCounterStore,
  id: string,
  limits: PeriodLimit[] = minute,
  at = Date.now(),
): Promise<{ refusedBy: number; counts: number[] }> {
  const counts = new Float64Array(limits.length);
  const refusedBy = await store.consume(id, limits, copyWindows(windowsAt(at)), counts);
  return { refusedBy, counts: [...counts] };
}

test('keys are portcullis:rl:<scope>:<identifier>:<period>:<window start> and expire with their window', { skip }, async () => {
  const scope = newScope();
  const now = Date.now();
  await consume(new RedisCounterStore(settings(), scope), 'client-1', minute, now);
  const redis = new Redis({ ...SHARED_REDIS, lazyConnect: true });
  await redis.connect();
  try {
    const [second, start] = windowsAt(now).starts;
    assert.ok(second !== undefined && start !== undefined);
    const key = `portcullis:rl:${scope}:client-1:minute:${start}`;
    assert.equal(await redis.get(key), '1');
    const ttl = await redis.pttl(key);
    assert.ok(ttl > 0 && ttl <= start + 60_000 - second + 1000, `ttl ${ttl}`);
  } finally {
    redis.disconnect();
  }
});

test('exact across connections: two clients (as two nodes) racing 300 calls against a limit of 40 count exactly 40', { skip }, async () => {
  const scope = newScope();
  // Different timeouts are different settings, hence two connections.
  const a = new RedisCounterStore(settings(SHARED_REDIS.port, 2000), scope);
  const b = new RedisCounterStore(settings(SHARED_REDIS.port, 2001), scope);
  const limits = [
    { period: 'hour' as const, index: PERIODS.indexOf('hour'), limit: 40 },
    { period: 'day' as const, index: PERIODS.indexOf('day'), limit: 10_000 },
  ];
  const at = Date.now();
  const results = await Promise.all(Array.from({ length: 300 }, (_, i) => consume(i % 2 ? a : b, 'shared', limits, at)));
  const passed = results.filter((r) => r.refusedBy === -1);
  assert.equal(passed.length, 40);
  assert.deepEqual(
    passed.flatMap((r) => r.counts.slice(0, 1)).sort((x, y) => x - y),
    Array.from({ length: 40 }, (_, i) => i + 1),
  );
  assert.equal((await consume(a, 'shared', limits, at)).counts[1], 40, 'refused calls used up none of the day either');
});

test('connections are shared per settings and closed once no store uses them', { skip }, async () => {
  closeAllRedisClients();
  const one = new RedisCounterStore(settings(SHARED_REDIS.port, 1999), newScope());
  const two = new RedisCounterStore(settings(SHARED_REDIS.port, 1999), newScope());
  await consume(one, 'x');
  await consume(two, 'x');
  assert.equal(openRedisClients(), 1);
  one.close();
  await consume(two, 'x');
  two.close();
  for (let i = 0; i < 100 && openRedisClients() > 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(openRedisClients(), 0);
  await assert.rejects(consume(two, 'x'), 'a closed store never reconnects');
});

test('a Redis nobody listens on fails the call instead of queueing it', { skip: privateSkip }, async () => {
  const redis = await startPrivateRedis();
  const port = redis.port;
  await redis.stop();
  const store = new RedisCounterStore(settings(port), newScope());
  await assert.rejects(consume(store, 'x'));
  await assert.rejects(consume(store, 'x'), /not connected/);
  store.close();
});

test('killed mid-use, calls fail at once; restarted, counting resumes from an empty Redis', { skip: privateSkip }, async () => {
  const redis = await startPrivateRedis();
  try {
    const store = new RedisCounterStore(settings(redis.port), newScope());
    const limits = [{ period: 'hour' as const, index: PERIODS.indexOf('hour'), limit: 3 }];
    const at = Date.now();
    for (let n = 1; n <= 3; n++) assert.deepEqual(await consume(store, 'k', limits, at), { refusedBy: -1, counts: [n] });
    const inFlight = Promise.allSettled(Array.from({ length: 20 }, () => consume(store, 'k', limits, at)));
    await redis.kill();
    for (const r of await inFlight) if (r.status === 'fulfilled') assert.equal(r.value.refusedBy, 0, 'answered before the kill: refused');
    await assert.rejects(consume(store, 'k', limits, at));
    await redis.restart();
    let back: { refusedBy: number; counts: number[] } | null = null;
    for (let i = 0; i < 200 && back === null; i++) {
      back = await consume(store, 'k', limits, at).catch(() => null);
      if (back === null) await new Promise((r) => setTimeout(r, 25));
    }
    assert.deepEqual(back, { refusedBy: -1, counts: [1] }, 'reconnected by itself; the restarted Redis counts afresh');
    store.close();
  } finally {
    await redis.stop();
  }
});
