// Two gateways built as two worker threads of one node build theirs (each its own compiled config and persistent
// state, one node memory between them, allocated as the module asks): `policy: local` counts per node over real
// sockets, whichever gateway a request reaches, and a reload of either keeps the counts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { compileConfig } from '../../config/compile.ts';
import { loadDeclarative } from '../../config/declarative/load-declarative.ts';
import { PersistentState } from '../../config/persistent-state.ts';
import { startGateway, type Gateway } from '../../gateway/server.ts';
import { plugins } from '../../../test/helpers/gateway.ts';
import { startUpstream, type TestUpstream } from '../../../test/helpers/upstream.ts';
import { httpRequest } from '../../../test/helpers/http.ts';
import { assertRefused } from '../../../test/helpers/refusal.ts';
import { sharedCounterBytes } from './shared-counter-store.ts';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

test('two gateways sharing node memory let exactly the limit through between them, across a reload', async () => {
  const upstream: TestUpstream = await startUpstream();
  cleanups.push(() => upstream.close());
  const registry = await plugins();
  const bytes = registry.get('rate-limiting')?.sharedMemoryBytes;
  assert.ok(bytes !== undefined && bytes > 0, 'rate-limiting asks for node memory');
  const nodeMemory = new Map([['rate-limiting', new SharedArrayBuffer(bytes)]]);
  const doc = (limit: number) => ({
    _format_version: '3.0',
    services: [
      {
        name: 'api',
        url: upstream.url,
        routes: [
          {
            name: 'limited',
            paths: ['/limited'],
            plugins: [{ id: '5e1d2c1a-8f0b-4c1e-9a57-3b1f2a6d9c40', name: 'rate-limiting', config: { hour: limit, limit_by: 'ip' } }],
          },
        ],
      },
    ],
  });
  const compile = (state: PersistentState, limit: number) => compileConfig(loadDeclarative(doc(limit), registry), registry, state, undefined, { nodeMemory });
  const workers: Gateway[] = [];
  for (let i = 0; i < 2; i++) {
    const state = new PersistentState();
    const gateway = await startGateway(await compile(state, 6), { listen: [{ host: '127.0.0.1', port: 0 }], logger: pino({ level: 'silent' }) });
    cleanups.push(async () => {
      await gateway.close(200);
      state.dispose();
    });
    workers.push(gateway);
  }
  const urls = workers.map((g) => `http://127.0.0.1:${g.addresses()[0]?.port ?? 0}/limited`);
  const statuses = async (n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await httpRequest(urls[i % 2] ?? '')).status);
    return out;
  };
  assert.deepEqual(await statuses(4), [200, 200, 200, 200]);
  // A reload on one of them (a new compiled config, same instance id): its counts are the node's, kept.
  workers[0]?.swap(await compile(new PersistentState(), 6));
  const rest = await Promise.all(Array.from({ length: 10 }, (_, i) => httpRequest(urls[i % 2] ?? '')));
  assert.deepEqual(rest.map((r) => r.status).sort(), [200, 200, ...Array<number>(8).fill(429)]);
  const last = await httpRequest(urls[1] ?? '');
  assert.equal(last.headers['x-ratelimit-remaining-hour'], '0');
});

test('node memory full of live identifiers: a new one is let through (fault_tolerant) or refused with 500, known ones still limited', async () => {
  const upstream: TestUpstream = await startUpstream();
  cleanups.push(() => upstream.close());
  const registry = await plugins();
  // One group: room for 32 identifiers.
  const nodeMemory = new Map([['rate-limiting', new SharedArrayBuffer(sharedCounterBytes(1))]]);
  const route = (name: string, faultTolerant: boolean) => ({
    name,
    paths: [`/${name}`],
    plugins: [{ name: 'rate-limiting', config: { hour: 1, limit_by: 'header', header_name: 'X-Tenant', fault_tolerant: faultTolerant } }],
  });
  const doc = { _format_version: '3.0', services: [{ name: 'api', url: upstream.url, routes: [route('tolerant', true), route('strict', false)] }] };
  const state = new PersistentState();
  const gateway = await startGateway(await compileConfig(loadDeclarative(doc, registry), registry, state, undefined, { nodeMemory }), {
    listen: [{ host: '127.0.0.1', port: 0 }],
    logger: pino({ level: 'silent' }),
  });
  cleanups.push(async () => {
    await gateway.close(200);
    state.dispose();
  });
  const base = `http://127.0.0.1:${gateway.addresses()[0]?.port ?? 0}`;
  const as = (path: string, tenant: string) => httpRequest(`${base}${path}`, { headers: { 'x-tenant': tenant } });
  for (let i = 0; i < 32; i++) assert.equal((await as('/tolerant', `t${i}`)).status, 200);
  const letThrough = await as('/tolerant', 'newcomer');
  assert.equal(letThrough.status, 200);
  assert.equal(letThrough.headers['x-ratelimit-remaining-hour'], undefined, 'not counted: no headers');
  assertRefused(await as('/strict', 'newcomer'), { status: 500, code: 'RATE_LIMIT_STORE_UNAVAILABLE', message: 'An unexpected error occurred' });
  assertRefused(await as('/tolerant', 't7'), { status: 429, code: 'RATE_LIMITED', message: 'API rate limit exceeded' });
});
