// correlation-id over real sockets: what the upstream receives, what the client sees, refusals included.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestUpstream } from '../../../test/helpers/upstream.ts';
import { startPluginGateway, type PluginGateway } from '../../../test/helpers/plugin-gateway.ts';
import { httpRequest } from '../../../test/helpers/http.ts';
import { assertRefused } from '../../../test/helpers/refusal.ts';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';

let upstream: TestUpstream;
let gw: PluginGateway;

function route(name: string, config: Record<string, unknown>, extra: Record<string, unknown>[] = []) {
  return { name, paths: [`/${name}`], plugins: [{ name: 'correlation-id', config }, ...extra] };
}

before(async () => {
  gw = await startPluginGateway({
    routes: [
      route('default', {}),
      route('uuid', { generator: 'uuid', header_name: 'X-Request-Id' }),
      route('tracker', { generator: 'tracker' }),
      route('echo', { echo_downstream: true }),
      route('refused', { echo_downstream: true }, [{ name: 'ip-restriction', config: { deny: ['127.0.0.1'] } }]),
    ],
  });
  upstream = gw.upstream;
});

after(() => gw?.close());

function lastUpstreamHeader(name: string): string | undefined {
  const value = upstream.requests.at(-1)!.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

test('by default the upstream gets Kong-Request-ID as <process uuid>#<counter>, and the client does not', async () => {
  const first = await httpRequest(`${gw.url}/default`);
  assert.equal(first.status, 200);
  assert.equal(first.headers['kong-request-id'], undefined);
  const a = lastUpstreamHeader('kong-request-id')!;
  assert.match(a, new RegExp(`^${UUID}#\\d+$`));
  await httpRequest(`${gw.url}/default`);
  const b = lastUpstreamHeader('kong-request-id')!;
  const [prefixA, counterA] = a.split('#');
  const [prefixB, counterB] = b.split('#');
  assert.equal(prefixB, prefixA, 'one uuid per process');
  assert.ok(Number(counterB) > Number(counterA), 'the counter moves on');
});

test('an incoming id is kept as is; an empty one is replaced', async () => {
  await httpRequest(`${gw.url}/default`, { headers: { 'Kong-Request-ID': 'from-the-edge-42' } });
  assert.equal(lastUpstreamHeader('kong-request-id'), 'from-the-edge-42');
  await httpRequest(`${gw.url}/default`, { headers: { 'Kong-Request-ID': '' } });
  assert.match(lastUpstreamHeader('kong-request-id')!, new RegExp(`^${UUID}#\\d+$`));
});

test('the uuid generator and a custom header name', async () => {
  await httpRequest(`${gw.url}/uuid`);
  assert.match(lastUpstreamHeader('x-request-id')!, new RegExp(`^${UUID}$`));
  assert.equal(lastUpstreamHeader('kong-request-id'), undefined);
  const ids = new Set<string>();
  for (let i = 0; i < 5; i++) {
    await httpRequest(`${gw.url}/uuid`);
    ids.add(lastUpstreamHeader('x-request-id')!);
  }
  assert.equal(ids.size, 5);
});

test('the tracker generator names host, process, sequence and time', async () => {
  await httpRequest(`${gw.url}/tracker`);
  const id = lastUpstreamHeader('kong-request-id')!;
  assert.match(id, new RegExp(`-${process.pid}-\\d+-\\d+\\.\\d{3}$`));
  const seconds = Number(id.split('-').at(-1));
  assert.ok(Math.abs(seconds - Date.now() / 1000) < 60);
});

test("echo_downstream returns the id the upstream saw, overriding the upstream's own header", async () => {
  upstream.handler = (_req, res) => {
    res.writeHead(200, { 'kong-request-id': 'made-up-by-upstream', 'content-length': '2' });
    res.end('ok');
  };
  try {
    const res = await httpRequest(`${gw.url}/echo`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['kong-request-id'], lastUpstreamHeader('kong-request-id'));
    assert.match(String(res.headers['kong-request-id']), new RegExp(`^${UUID}#\\d+$`));
    const kept = await httpRequest(`${gw.url}/echo`, { headers: { 'kong-request-id': 'client-chosen' } });
    assert.equal(kept.headers['kong-request-id'], 'client-chosen');
    assert.equal(lastUpstreamHeader('kong-request-id'), 'client-chosen');
  } finally {
    upstream.handler = null;
  }
});

test('a request refused by a later plugin still carries the id back, and nothing reaches the upstream', async () => {
  const before = upstream.requests.length;
  const res = await httpRequest(`${gw.url}/refused`, { headers: { 'kong-request-id': 'trace-me' } });
  assertRefused(res, { status: 403, code: 'IP_FORBIDDEN', message: 'IP address not allowed: 127.0.0.1', headers: { 'kong-request-id': 'trace-me' } });
  const fresh = await httpRequest(`${gw.url}/refused`);
  assert.match(String(fresh.headers['kong-request-id']), new RegExp(`^${UUID}#\\d+$`));
  assert.equal(upstream.requests.length, before);
});
