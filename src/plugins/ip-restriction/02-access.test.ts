// ip-restriction over real sockets: allow and deny lists, Kong 3.x status and message, trusted proxies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestUpstream } from '../../../test/helpers/upstream.ts';
import { startGateway, type TestGateway } from '../../../test/helpers/gateway.ts';
import { startPluginGateway, type PluginGateway } from '../../../test/helpers/plugin-gateway.ts';
import { httpRequest, type SimpleResponse } from '../../../test/helpers/http.ts';
import { assertRefused } from '../../../test/helpers/refusal.ts';

let upstream: TestUpstream;
let gw: PluginGateway;
let behindProxy: TestGateway;

function route(name: string, config: Record<string, unknown>) {
  return { name, paths: [`/${name}`], plugins: [{ name: 'ip-restriction', config }] };
}

const routes = () => [
  route('allow-host', { allow: ['127.0.0.1'] }),
  route('allow-block', { allow: ['127.0.0.0/8'] }),
  route('allow-mapped', { allow: ['::ffff:127.0.0.1'] }),
  route('allow-other', { allow: ['10.0.0.0/8', '2001:db8::/32'] }),
  route('deny-block', { deny: ['192.0.2.0/24', '127.0.0.0/8'] }),
  route('deny-v6', { deny: ['::1', '::/0'] }),
  route('deny-wins', { allow: ['127.0.0.1'], deny: ['127.0.0.1'] }),
  route('custom', { deny: ['127.0.0.1'], status: 401, message: 'Go away' }),
  route('allow-doc', { allow: ['203.0.113.0/24'] }),
];

before(async () => {
  gw = await startPluginGateway({ routes: routes() });
  upstream = gw.upstream;
  behindProxy = await startGateway(gw.document, { trustedProxies: ['127.0.0.1/32'] });
});

after(async () => {
  await behindProxy?.close();
  await gw?.close();
});

function refused(res: SimpleResponse, status: number, message: string, before: number): void {
  assertRefused(res, { status, code: 'IP_FORBIDDEN', message }, upstream, before);
}

test('a client on the allow list (host, block, or IPv4-mapped form) is proxied', async () => {
  for (const path of ['/allow-host', '/allow-block', '/allow-mapped']) {
    const before = upstream.requests.length;
    const res = await httpRequest(`${gw.url}${path}/x`);
    assert.equal(res.status, 200, path);
    assert.equal(upstream.requests.length, before + 1, path);
    assert.equal(upstream.requests.at(-1)!.url, '/x');
  }
});

test("a client off the allow list gets 403 with Kong 3.x's message naming its address", async () => {
  const before = upstream.requests.length;
  refused(await httpRequest(`${gw.url}/allow-other`), 403, 'IP address not allowed: 127.0.0.1', before);
});

test('a client on the deny list gets 403', async () => {
  const before = upstream.requests.length;
  refused(await httpRequest(`${gw.url}/deny-block`, { method: 'POST', body: 'payload' }), 403, 'IP address not allowed: 127.0.0.1', before);
});

test('IPv6 rules do not catch an IPv4 client, even ::/0 (Kong keeps the families apart)', async () => {
  const res = await httpRequest(`${gw.url}/deny-v6`);
  assert.equal(res.status, 200);
});

test('deny is checked first: a client on both lists is refused', async () => {
  const before = upstream.requests.length;
  refused(await httpRequest(`${gw.url}/deny-wins`), 403, 'IP address not allowed: 127.0.0.1', before);
});

test('status and message overrides (Kong 3.x)', async () => {
  const before = upstream.requests.length;
  refused(await httpRequest(`${gw.url}/custom`), 401, 'Go away', before);
});

test('behind a trusted proxy the X-Forwarded-For client is judged; from anyone else the header is ignored', async () => {
  const viaProxy = await httpRequest(`${behindProxy.url}/allow-doc`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
  assert.equal(viaProxy.status, 200);
  const before = upstream.requests.length;
  refused(
    await httpRequest(`${behindProxy.url}/deny-block`, { headers: { 'x-forwarded-for': '192.0.2.55' } }),
    403,
    'IP address not allowed: 192.0.2.55',
    before,
  );
  refused(await httpRequest(`${gw.url}/allow-doc`, { headers: { 'x-forwarded-for': '203.0.113.7' } }), 403, 'IP address not allowed: 127.0.0.1', before);
});
