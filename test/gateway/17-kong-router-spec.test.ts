// Kong's 02-router_spec, the HTTP/1.1 use cases, ported as black-box requests over real sockets. Kong's
// specs read which route matched from its Kong-Debug headers; here each service has a path of its own and
// the upstream says which one it was sent to.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { specClient, type SpecRequest, type SpecResponse } from '../helpers/kong-spec.ts';
import { rawRequest } from '../helpers/raw-http.ts';
import { assertRefused } from '../helpers/refusal.ts';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

let up: TestUpstream;
let gw: TestGateway;
/** The method-only route of Kong's use cases matches every path: it gets a gateway of its own. */
let methods: TestGateway;
let send: (host: string, path: string, options?: SpecRequest) => Promise<SpecResponse>;

const service = (name: string, path: string, routes: object[], extra: object = {}) => ({ name, url: `${up.url}${path}`, routes, ...extra });

const config = () => ({
  _format_version: '3.0',
  services: [
    service('post-put', '/s2', [{ name: 'r2', methods: ['POST', 'PUT'], paths: ['/post', '/put'], strip_path: false }]),
    service('status', '/status', [{ name: 'r3', paths: ['/mock_upstream'], strip_path: true }]),
    service('basic-auth', '/basic-auth/', [{ name: 'r4', paths: ['/private'], strip_path: false }]),
    service('anything', '/anything', [{ name: 'r5', paths: ['~/users/\\d+/profile'], strip_path: true }]),
    service('disabled-1', '/disabled-service-path/', [{ name: 'r7', paths: ['/disabled-service1'], strip_path: false }], { enabled: false }),
    service('enabled-service', '/anything/', [{ name: 'r8', paths: ['~/enabled-service/\\w+'], strip_path: true }]),
    service('disabled-2', '/some-path/', [{ name: 'r9', paths: ['/enabled-service/disabled'], strip_path: true }], { enabled: false }),
    service('mock_upstream', '', [{ name: 'args', hosts: ['mock_upstream'] }]),
    service('norm-1', '/n1', [{ name: 'n1', paths: ['/foo/bar'], strip_path: true }]),
    service('norm-2', '', [{ name: 'n2', paths: ['/hello'], strip_path: true }]),
    service('norm-3', '', [{ name: 'n3', paths: ['/anything/world'], strip_path: false }]),
  ],
  routes: [{ name: 'serviceless', hosts: ['serviceless-route-http.test'] }],
});

before(async () => {
  up = await startUpstream();
  gw = await startGateway(config());
  methods = await startGateway({
    ...config(),
    services: [service('method-only', '/s1', [{ name: 'r1', methods: ['GET'], strip_path: false }]), ...config().services],
  });
  send = specClient(gw.url, up);
});

/** Sends the target exactly as written (a URL-parsing client would resolve its dot segments first); what reached the upstream. */
async function raw(path: string) {
  const seen = up.requests.length;
  const res = await rawRequest(gw.port, `GET ${path} HTTP/1.1\r\nHost: any.test\r\nConnection: close\r\n\r\n`);
  return { status: res.status, upstream: up.requests.length > seen ? up.requests[seen] : undefined };
}

after(async () => {
  await gw?.close();
  await methods?.close();
  await up.close();
});

test("02 (no routes match): 404 with Kong's message", async () => {
  assertRefused(await send('nowhere.test', '/nowhere'), { status: 404, code: 'ROUTE_NOT_FOUND', message: 'no Route matched with those values' });
});

test("02: a route without a service: 503 with Kong's message", async () => {
  assertRefused(await send('serviceless-route-http.test', '/'), { status: 503, code: 'SERVICE_NOT_FOUND', message: 'no Service found with those values' });
});

test('02: a route is restricted to its methods (ours: 405 with Allow where Kong answers 404)', async () => {
  const res = await send('any.test', '/post', { method: 'POST' });
  assert.equal(res.status, 200);
  assert.equal(res.upstream?.url, '/s2/post');
  assertRefused(await send('any.test', '/post', { method: 'DELETE' }), {
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
    message: 'Method not allowed',
    headers: { allow: 'POST, PUT' },
  });
});

test('02: routes by method only if nothing else matches', async () => {
  const res = await specClient(methods.url, up)('any.test', '/get');
  assert.equal(res.status, 200);
  assert.equal(res.upstream?.url, '/s1/get');
});

test('02 (requests without Host): HTTP/1.0 routes normally; HTTP/1.1 is refused with 400', async () => {
  const old = await rawRequest(methods.port, 'GET /get HTTP/1.0\r\n\r\n');
  assert.equal(old.status, 200);
  assert.equal(JSON.parse(old.body).url, '/s1/get');
  const missing = await rawRequest(gw.port, 'GET /get HTTP/1.1\r\nConnection: close\r\n\r\n');
  assert.equal(missing.status, 400);
});

test('02: a service path with strip_path = true, = false, and a regex route', async () => {
  const stripped = await send('any.test', '/mock_upstream/201');
  assert.equal(stripped.upstream?.url, '/status/201');
  const kept = await send('any.test', '/private/passwd');
  assert.equal(kept.upstream?.url, '/basic-auth/private/passwd');
  assert.equal((await send('any.test', '/users/foo/profile')).status, 404);
  const regex = await send('any.test', '/users/123/profile');
  assert.equal(regex.upstream?.url, '/anything');
});

test('02 (services with enabled = false): their routes are ignored; a shorter regex route then matches', async () => {
  assertRefused(await send('any.test', '/disabled-service1'), { status: 404, code: 'ROUTE_NOT_FOUND', message: 'no Route matched with those values' });
  const res = await send('any.test', '/enabled-service/disabled');
  assert.equal(res.status, 200);
  assert.match(String(res.upstream?.url), /^\/anything\/?$/); // the enabled service's path (Kong checks the route id only)
});

test('02 (URI arguments): preserved; an empty querystring and an empty value pass as sent', async () => {
  const args = await send('mock_upstream', '/get?foo=bar&hello=world');
  assert.equal(args.upstream?.url, '/get?foo=bar&hello=world');
  assert.match(String((await send('mock_upstream', '/get?hello')).upstream?.url), /\/get\?hello$/);
  // Kong keeps a bare `?` (request_uri `/request?`); ours drops it: the query is empty either way.
  assert.equal((await send('mock_upstream', '/request?')).upstream?.url, '/request');
});

test('02 (URI normalization): routes match the normalised path; X-Forwarded-Path is the path as sent', async () => {
  for (const path of ['/foo/a/../bar', '/foo//bar', '/foo/./bar']) {
    const res = await raw(path);
    assert.equal(res.status, 200, path);
    assert.equal(res.upstream?.url, '/n1', path);
    assert.equal(res.upstream?.headers['x-forwarded-path'], path);
  }
  const encoded = await raw('/h%65llo');
  assert.equal(encoded.upstream?.url, '/');
  assert.equal(encoded.upstream?.headers['x-forwarded-path'], '/h%65llo');
});

test('02 (URI normalization): the upstream receives the normalised path, strip_path or not, special characters re-encoded', async () => {
  assert.equal((await raw('/h%65llo/anything/a/../b')).upstream?.url, '/anything/b');
  assert.equal((await raw('/anything/./a/../wor%6cd/a/../b')).upstream?.url, '/anything/world/b');
  assert.equal((await raw('/anything/world/cat%20and%20dog')).upstream?.url, '/anything/world/cat%20and%20dog');
});

test('02 (requests without Host, HTTP/1.1): the refusal names the server', async () => {
  const res = await rawRequest(gw.port, 'GET /get HTTP/1.1\r\nConnection: close\r\n\r\n');
  assert.equal(res.status, 400);
  assert.equal(res.headers.server, `portcullis/${version}`);
});
