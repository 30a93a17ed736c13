// Hostile requests over raw sockets: each gets a clear 4xx and none of them reaches the upstream.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { rawRequest, rawUntilClose } from '../helpers/raw-http.ts';

let up: TestUpstream;
let gw: TestGateway;

before(async () => {
  up = await startUpstream();
  gw = await startGateway(
    {
      _format_version: '3.0',
      services: [
        { name: 'orders', url: up.url, routes: [{ name: 'orders', paths: ['/api/orders'] }] },
        // a route only an admin should reach: traversal from /api/orders must never land here
        { name: 'admin', url: `${up.url}/admin`, routes: [{ name: 'admin', paths: ['/api/admin'] }] },
      ],
    },
    { maxHeaderSize: 8 * 1024 },
  );
});

after(async () => {
  await gw.close();
  await up.close();
});

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}Connection: close\r\n\r\n`;

test('path traversal in every encoding is rejected or resolved, never reaching another route unseen', async () => {
  const rejected = [
    '/api/orders/..%2fadmin',
    '/api/orders/%2E%2E%2Fadmin',
    '/api/orders%2f..%2f..%2fapi%2fadmin',
    '/api/orders/..%5cadmin',
    '/api/orders\\..\\admin',
    '/api/orders/%252e%252e/admin',
    '/api/orders/%c0%ae%c0%ae/admin',
    '/../api/admin',
    '/api/orders/%zz',
    '/api/orders/%00',
  ];
  const before = up.requests.length;
  for (const path of rejected) {
    const res = await rawRequest(gw.port, get(path));
    assert.equal(res.status, 400, `${path} -> ${res.status}`);
    const body = JSON.parse(res.body);
    assert.ok(['PATH_AMBIGUOUS', 'BAD_REQUEST'].includes(body.code), `${path}: ${body.code}`);
  }
  assert.equal(up.requests.length, before, 'a rejected path reached the upstream');
});

test('dot segments inside the path are resolved before routing, so the ACL sees the real target', async () => {
  const res = await rawRequest(gw.port, get('/api/orders/../admin/x'));
  // resolves to /api/admin/x: routed as the admin route (where an ACL would apply), not as orders
  assert.equal(res.status, 200);
  assert.equal(up.requests.at(-1)!.url, '/admin/x');
  const encoded = await rawRequest(gw.port, get('/api/orders/%2e%2e/%2E%2E/api/admin/y'));
  assert.equal(encoded.status, 200);
  assert.equal(up.requests.at(-1)!.url, '/admin/y');
  const merged = await rawRequest(gw.port, get('/api//orders///7'));
  assert.equal(merged.status, 200);
  assert.equal(up.requests.at(-1)!.url, '/7');
});

test('duplicate Content-Length is refused with 400 before any routing', async () => {
  const before = up.requests.length;
  const res = await rawRequest(gw.port, 'POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!');
  assert.equal(res.status, 400);
  assert.equal(JSON.parse(res.body).code, 'BAD_REQUEST');
  assert.equal(up.requests.length, before);
});

test('Content-Length together with Transfer-Encoding is refused (request smuggling)', async () => {
  const before = up.requests.length;
  // Read until the gateway closes: one answer, then nothing, so the smuggled GET was never parsed as a request.
  const { responses } = await rawUntilClose(
    gw.port,
    'POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/admin HTTP/1.1\r\nHost: x\r\n\r\n',
  );
  assert.deepEqual(
    responses.map((r) => r.status),
    [400],
  );
  assert.equal(up.requests.length, before, 'a smuggled request reached the upstream');
});

test('oversize request headers get 431', async () => {
  const before = up.requests.length;
  const res = await rawRequest(gw.port, get('/api/orders', `X-Big: ${'a'.repeat(10 * 1024)}\r\n`));
  assert.equal(res.status, 431);
  assert.equal(JSON.parse(res.body).code, 'HEADERS_TOO_LARGE');
  assert.equal(up.requests.length, before);
});

test('two Host headers are refused', async () => {
  const res = await rawRequest(gw.port, 'GET /api/orders HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\nConnection: close\r\n\r\n');
  assert.equal(res.status, 400);
});

test('a missing Host header on HTTP/1.1 is refused', async () => {
  const res = await rawRequest(gw.port, 'GET /api/orders HTTP/1.1\r\nConnection: close\r\n\r\n');
  assert.equal(res.status, 400);
});

test('garbage instead of HTTP gets a 400 problem, not a crash', async () => {
  const res = await rawRequest(gw.port, 'HELLO\r\n\r\n');
  assert.equal(res.status, 400);
  // and the gateway still serves
  assert.equal((await fetch(`${gw.url}/api/orders`)).status, 200);
});
