// rate-limiting over real sockets: exact counts under concurrency, Kong's headers and 429, every limit_by,
// window reset, hidden headers, custom errors, consumer-scoped limits and counters across reloads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestUpstream } from '../../../test/helpers/upstream.ts';
import { startPluginGateway, type PluginGateway, type PluginGatewaySetup } from '../../../test/helpers/plugin-gateway.ts';
import { httpRequest, type SimpleResponse } from '../../../test/helpers/http.ts';
import { assertRefused } from '../../../test/helpers/refusal.ts';

const HOUR = 3_600_000;
let upstream: TestUpstream;
let gw: PluginGateway;

const limited = (name: string, config: Record<string, unknown>, auth: Record<string, unknown>[] = []) => ({
  name,
  paths: [`/${name}`],
  plugins: [...auth, { name: 'rate-limiting', config }],
});
const keyAuth = (config: Record<string, unknown> = {}) => ({ name: 'key-auth', config });

/** A fresh copy of the whole config, to start with and to reload. */
const setup = (): PluginGatewaySetup => ({
  consumers: [
    { username: 'alice', keyauth_credentials: [{ key: 'alice-key' }] },
    { username: 'bob', keyauth_credentials: [{ key: 'bob-key' }] },
    { username: 'carol', keyauth_credentials: [{ key: 'carol-1' }, { key: 'carol-2' }] },
    { username: 'guest' },
    { username: 'vip', keyauth_credentials: [{ key: 'vip-key' }], plugins: [{ name: 'rate-limiting', config: { hour: 2 } }] },
  ],
  routes: [
    limited('exact', { hour: 50, limit_by: 'ip' }),
    limited('headers', { minute: 3, hour: 10, limit_by: 'ip' }),
    limited('tie', { minute: 2, hour: 2, limit_by: 'ip' }),
    limited('by-consumer', { hour: 2 }, [keyAuth()]),
    limited('consumer-fallback', { hour: 2 }),
    limited('by-credential', { hour: 2, limit_by: 'credential' }, [keyAuth({ anonymous: 'guest' })]),
    limited('by-ip', { hour: 2, limit_by: 'ip' }),
    limited('by-header', { hour: 2, limit_by: 'header', header_name: 'X-Tenant' }),
    limited('pathy', { hour: 2, limit_by: 'path', path: '/pathy/hot' }),
    limited('per-second', { second: 2, limit_by: 'ip' }),
    limited('hidden', { hour: 1, limit_by: 'ip', hide_client_headers: true }),
    limited('custom', { hour: 1, limit_by: 'ip', error_code: 503, error_message: 'Slow down' }),
    limited('scoped', { hour: 5 }, [keyAuth()]),
    limited('reloaded', { hour: 2, limit_by: 'ip' }),
  ],
  services: [
    {
      name: 'shared-svc',
      plugins: [{ name: 'rate-limiting', config: { hour: 3, limit_by: 'service' } }],
      routes: [
        { name: 'svc-a', paths: ['/svc-a'] },
        { name: 'svc-b', paths: ['/svc-b'] },
      ],
    },
  ],
});

before(async () => {
  gw = await startPluginGateway(setup(), { trustedProxies: ['127.0.0.1/32'] });
  upstream = gw.upstream;
});

after(() => gw?.close());

/** Sleeps past the next boundary of `periodMs` when one is nearer than `marginMs`, so a test stays in one window. */
async function awayFromBoundary(periodMs: number, marginMs: number): Promise<void> {
  const left = periodMs - (Date.now() % periodMs);
  if (left < marginMs) await sleep(left + 20);
}

function get(path: string, headers: Record<string, string> = {}): Promise<SimpleResponse> {
  return httpRequest(`${gw.url}${path}`, { headers });
}
const from = (ip: string, headers: Record<string, string> = {}) => ({ 'x-forwarded-for': ip, ...headers });
const statuses = async (path: string, headers: Record<string, string>, n: number) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await get(path, headers)).status);
  return out;
};

function assertLimited(res: SimpleResponse, message = 'API rate limit exceeded', status = 429) {
  assertRefused(res, { status, code: 'RATE_LIMITED', message });
}

test('exact under concurrency: 200 simultaneous requests against a limit of 50 let exactly 50 through', async () => {
  await awayFromBoundary(HOUR, 5000);
  const before = upstream.requests.length;
  const results = await Promise.all(Array.from({ length: 200 }, () => get('/exact', from('10.0.0.50'))));
  const ok = results.filter((r) => r.status === 200);
  const refused = results.filter((r) => r.status === 429);
  assert.equal(ok.length, 50);
  assert.equal(refused.length, 150);
  assert.equal(upstream.requests.length - before, 50, 'the upstream saw exactly the 50 allowed');
  for (const res of refused) {
    assertLimited(res);
    assert.equal(res.headers['x-ratelimit-remaining-hour'], '0');
  }
  const remaining = ok.map((r) => Number(r.headers['x-ratelimit-remaining-hour'])).sort((a, b) => a - b);
  assert.deepEqual(
    remaining,
    Array.from({ length: 50 }, (_, i) => i),
    'every allowed request saw its own count',
  );
});

test("Kong's headers: per-period limits and remaining, RateLimit-* for the tightest, Retry-After on 429", async () => {
  await awayFromBoundary(60_000, 3000);
  const who = from('10.0.0.60');
  const first = await get('/headers', who);
  assert.equal(first.status, 200);
  assert.equal(first.headers['x-ratelimit-limit-minute'], '3');
  assert.equal(first.headers['x-ratelimit-remaining-minute'], '2');
  assert.equal(first.headers['x-ratelimit-limit-hour'], '10');
  assert.equal(first.headers['x-ratelimit-remaining-hour'], '9');
  assert.equal(first.headers['ratelimit-limit'], '3');
  assert.equal(first.headers['ratelimit-remaining'], '2');
  const reset = Number(first.headers['ratelimit-reset']);
  const toMinuteEnd = Math.ceil((60_000 - (Date.now() % 60_000)) / 1000);
  assert.ok(reset >= 1 && reset <= 60 && Math.abs(reset - toMinuteEnd) <= 1, `reset ${reset} vs ${toMinuteEnd}`);
  assert.equal(first.headers['retry-after'], undefined);

  await get('/headers', who);
  const third = await get('/headers', who);
  assert.equal(third.headers['x-ratelimit-remaining-minute'], '0');
  assert.equal(third.headers['ratelimit-remaining'], '0');

  const before = upstream.requests.length;
  const refused = await get('/headers', who);
  assertLimited(refused);
  assert.equal(upstream.requests.length, before, 'a refused request never reaches the upstream');
  assert.equal(refused.headers['x-ratelimit-remaining-minute'], '0');
  assert.equal(refused.headers['x-ratelimit-remaining-hour'], '7', 'refused requests do not use up the hour');
  assert.equal(refused.headers['ratelimit-remaining'], '0');
  assert.equal(refused.headers['retry-after'], refused.headers['ratelimit-reset']);
});

test('on a tie the longer window is reported, so RateLimit-Reset never promises too early', async () => {
  await awayFromBoundary(60_000, 3000);
  const res = await get('/tie', from('10.0.0.61'));
  assert.equal(res.headers['ratelimit-remaining'], '1');
  const toHourEnd = Math.ceil((HOUR - (Date.now() % HOUR)) / 1000);
  assert.ok(Math.abs(Number(res.headers['ratelimit-reset']) - toHourEnd) <= 1, `${String(res.headers['ratelimit-reset'])} vs ${toHourEnd}`);
});

test('limit_by consumer: each consumer has its own count; without one, the client IP', async () => {
  assert.deepEqual(await statuses('/by-consumer', { apikey: 'alice-key' }, 3), [200, 200, 429]);
  assert.deepEqual(await statuses('/by-consumer', { apikey: 'bob-key' }, 1), [200]);
  assert.deepEqual(await statuses('/consumer-fallback', from('10.0.1.1'), 3), [200, 200, 429]);
  assert.deepEqual(await statuses('/consumer-fallback', from('10.0.1.2'), 1), [200]);
});

test('limit_by credential: each key of a consumer counts apart; anonymous falls back to the IP', async () => {
  assert.deepEqual(await statuses('/by-credential', { apikey: 'carol-1' }, 3), [200, 200, 429]);
  assert.deepEqual(await statuses('/by-credential', { apikey: 'carol-2' }, 1), [200]);
  assert.deepEqual(await statuses('/by-credential', from('10.0.2.1'), 3), [200, 200, 429]);
  assert.deepEqual(await statuses('/by-credential', from('10.0.2.2'), 1), [200]);
});

test('limit_by ip: per client address, as the trusted proxy reports it', async () => {
  assert.deepEqual(await statuses('/by-ip', from('10.0.3.1'), 3), [200, 200, 429]);
  assert.deepEqual(await statuses('/by-ip', from('10.0.3.2'), 1), [200]);
});

test('limit_by service: every route and client of the service shares one count', async () => {
  assert.equal((await get('/svc-a', from('10.0.4.1'))).status, 200);
  assert.equal((await get('/svc-b', from('10.0.4.2'))).status, 200);
  assert.equal((await get('/svc-a', from('10.0.4.3'))).status, 200);
  assertLimited(await get('/svc-b', from('10.0.4.4')));
});

test('limit_by header: per header value; without it the IP, which a header value cannot impersonate', async () => {
  assert.deepEqual(await statuses('/by-header', from('10.0.5.1', { 'x-tenant': 't1' }), 3), [200, 200, 429]);
  assert.deepEqual(await statuses('/by-header', from('10.0.5.1', { 'x-tenant': 't2' }), 1), [200]);
  assert.deepEqual(await statuses('/by-header', from('10.0.5.9', { 'x-tenant': '10.0.5.8' }), 3), [200, 200, 429]);
  assert.deepEqual(await statuses('/by-header', from('10.0.5.8'), 2), [200, 200]);
});

test('limit_by path: requests to that path share a count across clients; other paths count per IP', async () => {
  assert.equal((await get('/pathy/hot', from('10.0.6.1'))).status, 200);
  assert.equal((await get('/pathy/hot', from('10.0.6.2'))).status, 200);
  assertLimited(await get('/pathy/hot', from('10.0.6.3')));
  assert.deepEqual(await statuses('/pathy/cold', from('10.0.6.3'), 3), [200, 200, 429]);
});

test('a new window starts afresh: per-second limits reset on the next second', async () => {
  await sleep(1000 - (Date.now() % 1000) + 30); // start just after a second boundary
  const who = from('10.0.7.1');
  assert.deepEqual(await statuses('/per-second', who, 2), [200, 200]);
  const refused = await get('/per-second', who);
  assertLimited(refused);
  assert.equal(refused.headers['retry-after'], '1');
  assert.equal(refused.headers['x-ratelimit-limit-second'], '2');
  await sleep(1000 - (Date.now() % 1000) + 30);
  const again = await get('/per-second', who);
  assert.equal(again.status, 200);
  assert.equal(again.headers['x-ratelimit-remaining-second'], '1');
});

test('hide_client_headers: no rate-limit headers and no Retry-After, passing or refused', async () => {
  const names = ['x-ratelimit-limit-hour', 'x-ratelimit-remaining-hour', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after'];
  const ok = await get('/hidden', from('10.0.8.1'));
  const refused = await get('/hidden', from('10.0.8.1'));
  assert.equal(ok.status, 200);
  assertLimited(refused);
  for (const name of names) {
    assert.equal(ok.headers[name], undefined, name);
    assert.equal(refused.headers[name], undefined, name);
  }
});

test('error_code and error_message change the refusal, headers included', async () => {
  assert.equal((await get('/custom', from('10.0.9.1'))).status, 200);
  const refused = await get('/custom', from('10.0.9.1'));
  assertLimited(refused, 'Slow down', 503);
  assert.equal(refused.headers['x-ratelimit-remaining-hour'], '0');
  assert.ok(Number(refused.headers['retry-after']) >= 1);
});

test("a consumer-scoped plugin overrides the route's limit for that consumer only", async () => {
  const vip = await get('/scoped', { apikey: 'vip-key' });
  assert.equal(vip.headers['x-ratelimit-limit-hour'], '2');
  assert.equal((await get('/scoped', { apikey: 'vip-key' })).status, 200);
  assertLimited(await get('/scoped', { apikey: 'vip-key' }));
  const alice = await get('/scoped', { apikey: 'alice-key' });
  assert.equal(alice.status, 200);
  assert.equal(alice.headers['x-ratelimit-limit-hour'], '5');
});

test('counters survive a config reload', async () => {
  const who = from('10.0.10.1');
  assert.equal((await get('/reloaded', who)).status, 200);
  await gw.reload(setup());
  const second = await get('/reloaded', who);
  assert.equal(second.status, 200);
  assert.equal(second.headers['x-ratelimit-remaining-hour'], '0');
  assertLimited(await get('/reloaded', who));
});
