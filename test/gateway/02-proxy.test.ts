// The proxy path over real sockets: routing to services, paths upstream, header hygiene both ways,
// forwarding headers, streaming bodies, balancing, retries and upstream failures.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as nodeRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { json } from '../helpers/json.ts';
import { httpRequest } from '../helpers/http.ts';
import { assertRefused } from '../helpers/refusal.ts';

let a: TestUpstream;
let b: TestUpstream;
let gw: TestGateway;

before(async () => {
  a = await startUpstream();
  b = await startUpstream();
  gw = await startGateway({
    _format_version: '3.0',
    upstreams: [
      {
        name: 'pair',
        targets: [
          { target: `127.0.0.1:${a.port}`, weight: 100 },
          { target: `127.0.0.1:${b.port}`, weight: 100 },
        ],
      },
    ],
    services: [
      {
        name: 'svc-a',
        url: `${a.url}/base`,
        routes: [
          { name: 'a', paths: ['/a'] },
          { name: 'a-keep', paths: ['/keep'], strip_path: false },
          { name: 'a-host', hosts: ['api.example.com'], paths: ['/h'], preserve_host: true },
        ],
      },
      { name: 'balanced', host: 'pair', port: 80, protocol: 'http', routes: [{ name: 'rr', paths: ['/rr'] }] },
      { name: 'gets', url: a.url, routes: [{ name: 'gets', paths: ['/only-get'], methods: ['GET', 'HEAD'] }] },
    ],
  });
});

after(async () => {
  await gw.close();
  await a.close();
  await b.close();
});

test('routes by path prefix, strips it, and joins the service path', async () => {
  const res = await fetch(`${gw.url}/a/users/7?x=1&y=%20z`);
  assert.equal(res.status, 200);
  assert.equal(a.requests.at(-1)!.url, '/base/users/7?x=1&y=%20z');
  const keep = await fetch(`${gw.url}/keep/me`);
  assert.equal(keep.status, 200);
  assert.equal(a.requests.at(-1)!.url, '/base/keep/me');
});

test("unknown paths and hosts get 404 problem+json with Kong's message, upstream untouched", async () => {
  const before = a.requests.length + b.requests.length;
  for (const [path, host] of [
    ['/nope', undefined],
    ['/h/x', 'evil.example.com'],
  ] as const) {
    const res = await httpRequest(`${gw.url}${path}`, { headers: host ? { host } : {} });
    assertRefused(res, { status: 404, code: 'ROUTE_NOT_FOUND', message: 'no Route matched with those values', label: path });
  }
  assert.equal(a.requests.length + b.requests.length, before);
});

test('host routing with preserve_host sends the client Host upstream; otherwise the target host', async () => {
  assert.equal((await httpRequest(`${gw.url}/h/x`, { headers: { host: 'api.example.com' } })).status, 200);
  assert.equal(a.requests.at(-1)!.headers.host, 'api.example.com');
  await httpRequest(`${gw.url}/a/x`, { headers: { host: 'api.example.com' } });
  assert.equal(a.requests.at(-1)!.headers.host, `127.0.0.1:${a.port}`);
});

test('a path that matches with the wrong method gets 405 with Allow', async () => {
  const res = await fetch(`${gw.url}/only-get/x`, { method: 'DELETE' });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get('allow'), 'GET, HEAD');
  assert.equal((await json(res)).code, 'METHOD_NOT_ALLOWED');
});

test('hop-by-hop, Connection-named, identity and forwarding headers from the client never reach upstream', async () => {
  const res = await httpRequest(`${gw.url}/a/hdr`, {
    headers: {
      connection: 'keep-alive, x-secret-hop',
      'x-secret-hop': 'drop me',
      'keep-alive': 'timeout=5',
      'proxy-authorization': 'Basic Zm9vOmJhcg==',
      'x-consumer-id': 'spoofed',
      'x-consumer-username': 'admin',
      'x-consumer-custom-id': 'spoofed',
      'x-consumer-groups': 'admins',
      'x-credential-identifier': 'spoofed',
      'x-anonymous-consumer': 'false',
      'x-forwarded-for': '6.6.6.6',
      'x-forwarded-host': 'evil.example.com',
      'x-forwarded-proto': 'https',
      'x-real-ip': '6.6.6.6',
      forwarded: 'for=6.6.6.6',
      'x-keep': 'yes',
      x_consumer_username: 'admin',
      'x-forwarded_for': '6.6.6.6',
    },
  });
  assert.equal(res.status, 200);
  const h = a.requests.at(-1)!.headers;
  for (const name of [
    'x-secret-hop',
    'keep-alive',
    'proxy-authorization',
    'x-consumer-id',
    'x-consumer-username',
    'x-consumer-custom-id',
    'x-consumer-groups',
    'x-credential-identifier',
    'x-anonymous-consumer',
    'forwarded',
  ]) {
    assert.equal(h[name], undefined, name);
  }
  assert.equal(h['x-keep'], 'yes');
  // underscore spellings of identity and forwarding headers read as dashes by CGI-style upstreams: dropped
  assert.ok(!Object.keys(h).some((name) => name.includes('_')), `underscore header reached upstream: ${Object.keys(h)}`);
  assert.equal(h['x-forwarded-for'], '127.0.0.1');
  assert.equal(h['x-real-ip'], '127.0.0.1');
  assert.equal(h['x-forwarded-proto'], 'http');
  assert.equal(h['x-forwarded-host'], '127.0.0.1');
  assert.equal(h['x-forwarded-port'], String(gw.port));
  assert.equal(h['x-forwarded-path'], '/a/hdr');
  assert.equal(h['x-forwarded-prefix'], '/a');
});

test('hop-by-hop headers in the upstream response are stripped before the client sees them', async () => {
  a.handler = (_req, res) => {
    res.writeHead(200, { connection: 'keep-alive, x-internal', 'x-internal': 'secret', 'keep-alive': 'timeout=5', 'x-public': 'ok', 'content-length': '2' });
    res.end('ok');
  };
  try {
    const res = await fetch(`${gw.url}/a/resp`);
    assert.equal(await res.text(), 'ok');
    assert.equal(res.headers.get('x-internal'), null);
    assert.notEqual(res.headers.get('keep-alive'), 'timeout=5'); // ours to the client, not the upstream's
    assert.equal(res.headers.get('x-public'), 'ok');
  } finally {
    a.handler = null;
  }
});

test('trusted proxies: X-Forwarded-For is believed only from configured CIDRs', async () => {
  const trusting = await startGateway({ _format_version: '3.0', services: [{ url: a.url, routes: [{ paths: ['/'] }] }] }, { trustedProxies: ['127.0.0.0/8'] });
  try {
    await fetch(`${trusting.url}/t`, { headers: { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' } });
    const h = a.requests.at(-1)!.headers;
    assert.equal(h['x-real-ip'], '203.0.113.9');
    assert.equal(h['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
    assert.equal(h['x-forwarded-proto'], 'https');
  } finally {
    await trusting.close();
  }
});

test('request and response bodies stream through without buffering', async () => {
  let firstChunkAt = 0;
  const slow = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first;');
    setTimeout(() => res.end('second'), 300);
    req.resume();
  });
  await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
  const port = (slow.address() as AddressInfo).port;
  const g = await startGateway({ _format_version: '3.0', services: [{ url: `http://127.0.0.1:${port}`, routes: [{ paths: ['/'] }] }] });
  try {
    const started = Date.now();
    const text = await new Promise<string>((resolve, reject) => {
      const req = nodeRequest(`${g.url}/s`, (res) => {
        let out = '';
        res.on('data', (c) => {
          if (!firstChunkAt) firstChunkAt = Date.now() - started;
          out += c;
        });
        res.on('end', () => resolve(out));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(text, 'first;second');
    assert.ok(firstChunkAt < 250, `first chunk arrived after ${firstChunkAt} ms: the gateway buffered the response`);
  } finally {
    await g.close();
    slow.closeAllConnections();
    slow.close();
  }
});

test('a chunked request body of 2 MiB arrives intact upstream', async () => {
  const big = Buffer.alloc(2 * 1024 * 1024, 'abcdefgh');
  const res = await fetch(`${gw.url}/a/upload`, {
    method: 'POST',
    body: new ReadableStream({
      start(c) {
        c.enqueue(big.subarray(0, 1 << 20));
        c.enqueue(big.subarray(1 << 20));
        c.close();
      },
    }),
    duplex: 'half',
  } as RequestInit);
  assert.equal(res.status, 200);
  const got = a.requests.at(-1)!;
  assert.equal(got.body.length, big.length);
  assert.equal(got.body, big.toString('utf8'));
});

test("weighted round-robin spreads requests over the upstream's targets", async () => {
  const beforeA = a.requests.length,
    beforeB = b.requests.length;
  for (let i = 0; i < 20; i++) assert.equal((await fetch(`${gw.url}/rr/x`)).status, 200);
  assert.equal(a.requests.length - beforeA, 10);
  assert.equal(b.requests.length - beforeB, 10);
});

test('a refused connection is retried on another target; all targets down is 502', async () => {
  const dead = createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const deadPort = (dead.address() as AddressInfo).port;
  await new Promise<void>((r) => dead.close(() => r()));
  const g = await startGateway({
    _format_version: '3.0',
    upstreams: [
      { name: 'half', targets: [{ target: `127.0.0.1:${deadPort}` }, { target: `127.0.0.1:${a.port}` }] },
      { name: 'none', targets: [{ target: `127.0.0.1:${deadPort}` }] },
    ],
    services: [
      { name: 'half', host: 'half', routes: [{ paths: ['/half'] }] },
      { name: 'none', host: 'none', retries: 2, routes: [{ paths: ['/none'] }] },
    ],
  });
  try {
    for (let i = 0; i < 4; i++) assert.equal((await fetch(`${g.url}/half`)).status, 200);
    const res = await httpRequest(`${g.url}/none`);
    assertRefused(res, { status: 502, code: 'UPSTREAM_UNAVAILABLE', message: 'An invalid response was received from the upstream server' });
  } finally {
    await g.close();
  }
});

test('an upstream slower than read_timeout gets 504', async () => {
  const hang = createServer(() => {
    /* never answers */
  });
  await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
  const port = (hang.address() as AddressInfo).port;
  const g = await startGateway({ _format_version: '3.0', services: [{ url: `http://127.0.0.1:${port}`, read_timeout: 200, routes: [{ paths: ['/'] }] }] });
  try {
    const res = await httpRequest(`${g.url}/slow`);
    assertRefused(res, { status: 504, code: 'UPSTREAM_TIMEOUT', message: 'The upstream server is timing out' });
  } finally {
    await g.close();
    hang.closeAllConnections();
    hang.close();
  }
});

test('an upstream that stops taking the request body gets write_timeout: 504', async () => {
  const stuck = createServer((req) => req.pause()); // accepts the connection, never reads the body, never answers
  await new Promise<void>((r) => stuck.listen(0, '127.0.0.1', r));
  const port = (stuck.address() as AddressInfo).port;
  const g = await startGateway({
    _format_version: '3.0',
    services: [{ url: `http://127.0.0.1:${port}`, write_timeout: 300, read_timeout: 20_000, routes: [{ paths: ['/'] }] }],
  });
  try {
    const chunk = Buffer.alloc(1 << 20, 'x');
    let sent = 0;
    const started = Date.now();
    const res = await fetch(`${g.url}/upload`, {
      method: 'POST',
      // 64 MiB: far more than the socket buffers between gateway and upstream can hold
      body: new ReadableStream({
        pull(c) {
          if (sent++ < 64) c.enqueue(chunk);
          else c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit).catch((err: Error) => err);
    assert.ok(!(res instanceof Error), `client saw ${res instanceof Error ? res.message : ''}`);
    assert.equal(res.status, 504);
    assert.equal((await json(res)).code, 'UPSTREAM_TIMEOUT');
    assert.ok(Date.now() - started < 10_000, 'write_timeout did not fire, read_timeout did');
  } finally {
    await g.close();
    stuck.closeAllConnections();
    stuck.close();
  }
});
