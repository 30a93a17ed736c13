// Kong's proxy specs on errors and requests, ported as black-box requests over real sockets:
// 12-error_default_type (the error body's format from Accept), 13-error_handlers, 07-upstream_timeouts,
// 08-uri_encoding, 32-query-params, and what 03-upstream_headers checks beyond 13-spoofable-headers.
// Where we deliberately differ from Kong, the test says so and pins our behaviour.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { startGateway, FIXTURE_PLUGINS_DIR, type TestGateway } from '../helpers/gateway.ts';
import { specClient, type SpecRequest, type SpecResponse } from '../helpers/kong-spec.ts';
import { rawRequest } from '../helpers/raw-http.ts';
import { assertRefused } from '../helpers/refusal.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNodeProcess } from '../cluster/node-process.ts';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
const SERVER_TOKEN = `portcullis/${version}`;
const TIMING_OUT = 'The upstream server is timing out';

// Kong's templates (kong/tools/http.lua), word for word.
const HTML_TEMPLATE = (message: string, id: string) => `<!doctype html>
<html>
  <head>
    <meta charset="utf-8">
    <title>Error</title>
  </head>
  <body>
    <h1>Error</h1>
    <p>${message}.</p>
    <p>request_id: ${id}</p>
  </body>
</html>
`;
const XML_TEMPLATE = (message: string, id: string) => `<?xml version="1.0" encoding="UTF-8"?>
<error>
  <message>${message}</message>
  <requestid>${id}</requestid>
</error>
`;
const PLAIN_TEMPLATE = (message: string, id: string) => `${message}\nrequest_id: ${id}\n`;

let up: TestUpstream;
let gw: TestGateway;
let trusting: TestGateway;
let silent: Server;
let mute: NetServer;
const muteSockets = new Set<Socket>();
let send: (host: string, path: string, options?: SpecRequest) => Promise<SpecResponse>;

const config = () => ({
  _format_version: '3.0',
  services: [
    {
      name: 'mock',
      url: up.url,
      routes: [
        { name: 'mock_upstream', hosts: ['mock_upstream'] },
        { name: 'headers-inspect', hosts: ['headers-inspect.test'] },
        { name: 'preserved', hosts: ['preserved.test'], preserve_host: true },
        { name: 'request', paths: ['/request'], strip_path: false },
        { name: 'stripped', paths: ['/stripped-path'], strip_path: true },
        { name: 'foo', paths: ['/foo'], strip_path: true },
        { name: 'status', paths: ['/status/200'], strip_path: false },
        { name: 'set-query-arg', paths: ['/set-query-arg'], plugins: [{ name: 'request-transformer', config: { add: { querystring: ['dummy:1'] } } }] },
        { name: 'key-auth', hosts: ['key-auth.test'], plugins: [{ name: 'key-auth' }] },
        {
          name: 'error',
          hosts: ['error.test'],
          plugins: [
            { name: 'error-generator', config: { access: true } },
            { name: 'response-transformer', config: { add: { headers: ['X-Header-Filter:ran'] } } },
          ],
        },
        { name: 'root', hosts: ['root.test'], paths: ['/'], strip_path: true },
      ],
    },
    // 12 and 07: an upstream that never answers (read_timeout), one that never finishes a TLS handshake (connect_timeout)
    {
      name: 'api-1',
      url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      read_timeout: 200,
      retries: 0,
      routes: [{ name: 'api-1', hosts: ['timeout.test'], methods: ['GET', 'HEAD'] }],
    },
    {
      name: 'api-connect',
      url: `https://127.0.0.1:${(mute.address() as AddressInfo).port}`,
      connect_timeout: 200,
      retries: 0,
      routes: [{ name: 'api-connect', hosts: ['connect-timeout.test'] }],
    },
    {
      name: 'api-connect-buffered',
      url: `https://127.0.0.1:${(mute.address() as AddressInfo).port}`,
      connect_timeout: 200,
      retries: 0,
      // request-transformer rewriting a JSON body reads it whole first: Kong's enable_buffering()
      routes: [
        {
          name: 'api-connect-buffered',
          hosts: ['connect-timeout-buffered.test'],
          plugins: [{ name: 'request-transformer', config: { add: { body: ['buffered:1'] } } }],
        },
      ],
    },
  ],
});

before(async () => {
  up = await startUpstream();
  silent = createServer(() => {}); // takes requests, never answers
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  mute = createNetServer((s) => {
    muteSockets.add(s);
    s.on('close', () => muteSockets.delete(s));
    s.on('error', () => {});
  }); // accepts TCP, never says a word of TLS
  await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
  gw = await startGateway(config(), { pluginDirs: [FIXTURE_PLUGINS_DIR] });
  trusting = await startGateway(config(), { pluginDirs: [FIXTURE_PLUGINS_DIR], trustedProxies: ['127.0.0.1/32'] });
  send = specClient(gw.url, up);
});

after(async () => {
  await gw?.close();
  await trusting?.close();
  await up.close();
  silent.closeAllConnections();
  silent.close();
  for (const s of muteSockets) s.destroy();
  mute.close();
});

// --- 01-proxy_spec ---------------------------------------------------------------------------------------------

test('01 (proxy interface listeners, multiple): --listen takes several addresses, as proxy_listen; each answers', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-listen-'));
  const file = join(dir, 'kong.json');
  await writeFile(file, JSON.stringify({ _format_version: '3.0', services: [] }));
  const node = await startNodeProcess(['--config', file, '--listen', '127.0.0.1:0, 127.0.0.1:0']);
  try {
    const urls = /proxy listening on (http:\/\/127\.0\.0\.1:\d+), (http:\/\/127\.0\.0\.1:\d+)/.exec(node.output());
    assert.ok(urls, node.output());
    assert.notEqual(urls[1], urls[2]);
    for (const url of [urls[1], urls[2]]) {
      const res = await fetch(`${url}/`);
      await res.arrayBuffer();
      assert.equal(res.status, 404);
    }
  } finally {
    await node.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

// --- 12-error_default_type_spec ----------------------------------------------------------------------------

test("12: without Accept the 504 is application/problem+json with Kong's message (Kong: error_default_type, text/plain)", async () => {
  const res = await send('timeout.test', '/');
  const body = assertRefused(res, { status: 504, code: 'UPSTREAM_TIMEOUT', message: TIMING_OUT });
  assert.equal(body.request_id, res.headers['x-kong-request-id']);
});

test('12: a HEAD request gets no body', async () => {
  const res = await send('timeout.test', '/', { method: 'HEAD' });
  assert.equal(res.status, 504);
  assert.equal(res.body, '');
});

test("12: Accept text/html, application/xml and text/plain get Kong's templates with the request id; application/json the problem", async () => {
  for (const [accept, contentType, template] of [
    ['text/html', 'text/html; charset=utf-8', HTML_TEMPLATE],
    ['application/xml', 'application/xml; charset=utf-8', XML_TEMPLATE],
    ['text/plain', 'text/plain; charset=utf-8', PLAIN_TEMPLATE],
  ] as const) {
    const res = await send('timeout.test', '/', { headers: { accept } });
    assert.equal(res.status, 504, accept);
    assert.equal(res.headers['content-type'], contentType, accept);
    const id = String(res.headers['x-kong-request-id']);
    assert.match(id, /^[0-9a-f]{32}$/);
    assert.equal(res.body, template(TIMING_OUT, id), accept);
  }
  const json = await send('timeout.test', '/', { headers: { accept: 'application/json' } });
  assertRefused(json, { status: 504, code: 'UPSTREAM_TIMEOUT', message: TIMING_OUT });
});

test('12 (with q-values): q defaults to 1, the highest q wins, the first of equals wins', async () => {
  const html = await send('timeout.test', '/', { headers: { accept: 'application/json;q=0.9,text/html,text/plain;q=0.9' } });
  assert.equal(html.headers['content-type'], 'text/html; charset=utf-8');
  const json = await send('timeout.test', '/', { headers: { accept: 'text/plain;q=0.7,application/json;q=0.8,text/html;q=0.5' } });
  assert.equal(json.headers['content-type'], 'application/problem+json');
  // a browser's Accept
  const browser = await send('timeout.test', '/', { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
  assert.equal(browser.headers['content-type'], 'text/html; charset=utf-8');
  for (const accept of ['*/*', 'application/*', 'image/png', 'nonsense']) {
    assert.equal((await send('timeout.test', '/', { headers: { accept } })).headers['content-type'], 'application/problem+json', accept);
  }
  assert.equal((await send('timeout.test', '/', { headers: { accept: 'text/*' } })).headers['content-type'], 'text/plain; charset=utf-8');
});

test("12: every gateway refusal follows Accept, as kong.response.error does: no route, a plugin's 401", async () => {
  const missed = await send('404.test', '/nowhere', { headers: { accept: 'text/plain' } });
  assert.equal(missed.status, 404);
  assert.equal(missed.body, PLAIN_TEMPLATE('no Route matched with those values', String(missed.headers['x-kong-request-id'])));
  const refused = await send('key-auth.test', '/', { headers: { accept: 'text/html' } });
  assert.equal(refused.status, 401);
  assert.equal(refused.body, HTML_TEMPLATE('No API key found in request', String(refused.headers['x-kong-request-id'])));
  assert.match(String(refused.headers['www-authenticate']), /^Key/);
});

// --- 13-error_handlers_spec --------------------------------------------------------------------------------

test('13 (HTTP 400): a head over the limit is refused with Server: portcullis/x (ours: 431 beyond 16 KiB; Kong: 400 beyond 8 KiB a line)', async () => {
  const accepted = await send('404.test', '/', { headers: { 'X-Large': 'a'.repeat(10 * 1024) } });
  assert.equal(accepted.status, 404); // under our limit
  const res = await rawRequest(gw.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Large: ${'a'.repeat(20 * 1024)}\r\n\r\n`);
  assert.equal(res.status, 431);
  assert.equal(res.headers.server, SERVER_TOKEN);
  assert.equal(JSON.parse(res.body).message, 'Request header or cookie too large');
});

test("13: TRACE is refused with 405 and Server before routing, in Kong's plain-text body when asked; never proxied", async () => {
  const before = up.requests.length;
  const res = await send('mock_upstream', '/', { method: 'TRACE' });
  assertRefused(res, { status: 405, code: 'TRACE_NOT_ALLOWED', message: 'Method not allowed', headers: { server: SERVER_TOKEN } }, up, before);
  const plain = await send('mock_upstream', '/', { method: 'TRACE', headers: { accept: 'text/plain' } });
  assert.equal(plain.status, 405);
  assert.match(plain.body, /^Method not allowed\nrequest_id: [0-9a-f]+\n$/);
  assert.equal(up.requests.length, before);
});

// --- 29-collect-plugin-errors_spec ----------------------------------------------------------------------------

test("29: a plugin failing in access: 500 with Kong's message, and the other plugins' header filters still run", async () => {
  const before = up.requests.length;
  const res = await send('error.test', '/get');
  assertRefused(res, { status: 500, code: 'INTERNAL', message: 'An unexpected error occurred', headers: { 'x-header-filter': 'ran' } }, up, before);
});

// --- 07-upstream_timeouts_spec (send timeout: test/gateway/02-proxy, 'an upstream that stops taking the request body') ---

test('07: connect_timeout: an upstream that never completes its handshake is 504', async () => {
  const res = await send('connect-timeout.test', '/', { method: 'HEAD' });
  assert.equal(res.status, 504);
});

test('07: read_timeout: an upstream slower than it is 504', async () => {
  const res = await send('timeout.test', '/delay/2');
  assertRefused(res, { status: 504, code: 'UPSTREAM_TIMEOUT', message: TIMING_OUT });
});

test('07: connect_timeout with the body buffered by a plugin (enable_buffering) is 504 too', async () => {
  const res = await send('connect-timeout-buffered.test', '/put', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ huge: 'a'.repeat(256 * 1024) }),
  });
  assert.equal(res.status, 504);
});

// --- 08-uri_encoding_spec ------------------------------------------------------------------------------------

test('08 (#1975, #1480, #749): query strings reach the upstream byte for byte: never re-encoded, never decoded', async () => {
  const where = '%7B%22or%22:%5B%7B%22name%22:%7B%22like%22:%22%25bac%25%22%7D%7D%5D%7D';
  const res = await send('mock_upstream', `/get?limit=25&where=${where}`);
  assert.equal(res.status, 200);
  assert.equal(res.upstream?.url, `/get?limit=25&where=${where}`);
  const args = new URLSearchParams(res.upstream!.url.split('?')[1]);
  assert.equal(args.get('limit'), '25');
  assert.equal(args.get('where'), '{"or":[{"name":{"like":"%bac%"}}]}');
  assert.equal((await send('mock_upstream', '/request?param=1.2.3')).upstream?.url, '/request?param=1.2.3');
  assert.equal((await send('mock_upstream', '/request?param=abc%7Cdef')).upstream?.url, '/request?param=abc%7Cdef');
});

test('08 (#688, #2512): an encoded slash in the path is refused with 400 (Kong passes /request/foo%2Fbar through)', async () => {
  for (const [host, path] of [
    ['mock_upstream', '/request/foo%2Fbar'],
    ['mock_upstream', '/request/auth%2F123'],
    ['any.test', '/request/auth%2F123'],
    ['any.test', '/stripped-path/request/auth%2F123'],
  ] as const) {
    const before = up.requests.length;
    assertRefused(await send(host, path), { status: 400, code: 'PATH_AMBIGUOUS', message: 'Bad request', label: path }, up, before);
  }
});

// --- 32-query-params_spec ------------------------------------------------------------------------------------

test('32: a plugin sets a query arg on a request whose target ends in a bare ?', async () => {
  const res = await send('any.test', '/set-query-arg?');
  assert.equal(res.status, 200);
  assert.equal(new URLSearchParams(res.upstream!.url.split('?')[1] ?? '').get('dummy'), '1');
});

// --- 03-upstream_headers_spec (beyond test/gateway/13-spoofable-headers) ---------------------------------------

test('03 (hop-by-hop): removed from the request; end-to-end headers and a header named Close kept', async () => {
  const res = await send('headers-inspect.test', '/', {
    headers: {
      Connection: 'X-Foo, X-Bar',
      'Keep-Alive': 'timeout=5, max=1000',
      Proxy: 'Remove-Me',
      'Proxy-Connection': 'close',
      'Proxy-Authenticate': 'Basic',
      'Proxy-Authorization': 'Basic YWxhZGRpbjpvcGVuc2VzYW1l',
      TE: 'trailers, deflate;q=0.5',
      Upgrade: 'example/1, foo/2',
      'X-Foo': 'Remove-Me',
      'X-Bar': 'Remove-Me',
      'X-Foo-Bar': 'Keep-Me',
      Close: 'Keep-Me',
    },
  });
  const h = res.upstream!.headers;
  for (const name of ['keep-alive', 'proxy', 'proxy-connection', 'upgrade', 'x-foo', 'x-bar']) assert.equal(h[name], undefined, name);
  assert.equal(h['x-foo-bar'], 'Keep-Me');
  assert.equal(h.close, 'Keep-Me');
  // Deliberate differences: the client's proxy credentials and TE never reach the upstream (Kong passes
  // Proxy-Authorization and Proxy-Authenticate, and TE: trailers).
  assert.equal(h['proxy-authorization'], undefined);
  assert.equal(h['proxy-authenticate'], undefined);
  assert.equal(h.te, undefined);
});

test('03 (hop-by-hop): removed from the response; the body is re-framed chunked', async () => {
  up.handler = (_req, res) => {
    res.writeHead(200, { 'keep-alive': 'timeout=5', upgrade: 'h2c', trailer: 'Expires', 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
    res.end('hello');
  };
  try {
    const res = await send('headers-inspect.test', '/hop-by-hop');
    assert.equal(res.status, 200);
    assert.equal(res.headers['keep-alive'], undefined);
    assert.equal(res.headers.trailer, undefined);
    assert.equal(res.headers.upgrade, undefined);
    assert.equal(res.headers['transfer-encoding'], 'chunked');
    assert.equal(res.body, 'hello');
  } finally {
    up.handler = null;
  }
});

test('03 (hop-by-hop): a WebSocket Upgrade reaches the upstream (which may decline it)', async () => {
  const res = await send('headers-inspect.test', '/get', { headers: { Connection: 'keep-alive, Upgrade', Upgrade: 'websocket' } });
  assert.equal(res.status, 200);
  assert.equal(res.upstream?.headers.upgrade, 'websocket');
  assert.match(String(res.upstream?.headers.connection), /upgrade/i);
});

test('03 (hop-by-hop): a request-transformer setting Proxy-Authorization is refused at load (Kong lets a plugin set it)', async () => {
  const proxyAuth = {
    name: 'request-transformer',
    config: { add: { headers: ['Proxy-Authorization:Basic ZGVtbzp0ZXN0'] }, replace: { headers: ['Proxy-Authorization:Basic ZGVtbzp0ZXN0'] } },
  };
  await assert.rejects(
    startGateway({
      _format_version: '3.0',
      services: [{ name: 's', url: up.url, routes: [{ name: 'r', paths: ['/proxy-authorization'], plugins: [proxyAuth] }] }],
    }),
    (err: Error & { errors?: { path: string; message: string }[] }) => {
      assert.deepEqual(err.errors?.map((e) => e.path).sort(), [
        'services[0].routes[0].plugins[0].config.add.headers[0]',
        'services[0].routes[0].plugins[0].config.replace.headers[0]',
      ]);
      return true;
    },
  );
});

test('03 (response from upstream): Content-Type passes as sent: no charset added, none removed', async () => {
  up.handler = (req, res) => {
    res.writeHead(200, { 'content-type': req.url.endsWith('/charset') ? 'text/plain; charset=utf-8' : 'text/plain' });
    res.end('Hello World!\n');
  };
  try {
    assert.equal((await send('headers-inspect.test', '/nocharset')).headers['content-type'], 'text/plain');
    assert.equal((await send('headers-inspect.test', '/charset')).headers['content-type'], 'text/plain; charset=utf-8');
  } finally {
    up.handler = null;
  }
});

const SPOOFED_FORWARDING = {
  'X-Real-IP': '10.0.0.1',
  'X-Forwarded-For': '10.0.0.1',
  'X-Forwarded-Proto': 'https',
  'X-Forwarded-Host': 'example.test',
  'X-Forwarded-Port': '80',
  'X-Forwarded-Path': '/replaced',
};

test("03 (default configuration): X-Real-IP and X-Forwarded-* set by the gateway, the client's replaced", async () => {
  for (const headers of [{}, SPOOFED_FORWARDING]) {
    const h = (await send('headers-inspect.test', '/', { headers })).upstream!.headers;
    assert.equal(h['x-real-ip'], '127.0.0.1');
    // Deliberate difference: Kong appends an untrusted client's X-Forwarded-For ("10.0.0.1, 127.0.0.1").
    assert.equal(h['x-forwarded-for'], '127.0.0.1');
    assert.equal(h['x-forwarded-proto'], 'http');
    assert.equal(h['x-forwarded-host'], 'headers-inspect.test');
    assert.equal(h['x-forwarded-port'], String(gw.port));
    assert.equal(h['x-forwarded-path'], '/');
    assert.equal(h.host, `127.0.0.1:${up.port}`); // the downstream host discarded
  }
});

test("03 (default configuration): X-Forwarded-Prefix when strip_path removed more than /, the client's replaced", async () => {
  assert.equal((await send('any.test', '/foo/status/200')).upstream?.headers['x-forwarded-prefix'], '/foo');
  assert.equal((await send('any.test', '/foo', { headers: { 'X-Forwarded-Prefix': '/replaced' } })).upstream?.headers['x-forwarded-prefix'], '/foo');
  assert.equal((await send('any.test', '/status/200')).upstream?.headers['x-forwarded-prefix'], undefined);
  assert.equal((await send('root.test', '/')).upstream?.headers['x-forwarded-prefix'], undefined);
});

test('03 (default configuration): with the downstream host preserved, the forwarding headers are the same', async () => {
  const h = (await send('preserved.test', '/', { headers: SPOOFED_FORWARDING })).upstream!.headers;
  assert.equal(h.host, 'preserved.test');
  assert.equal(h['x-real-ip'], '127.0.0.1');
  assert.equal(h['x-forwarded-proto'], 'http');
  assert.equal(h['x-forwarded-host'], 'preserved.test');
  assert.equal(h['x-forwarded-port'], String(gw.port));
  assert.equal(h['x-forwarded-path'], '/');
});

test("03 (trusted configuration): a trusted proxy's X-Real-IP and X-Forwarded-* are forwarded, X-Forwarded-For appended", async () => {
  const trusted = specClient(trusting.url, up);
  const bare = (await trusted('headers-inspect.test', '/')).upstream!.headers;
  assert.equal(bare['x-real-ip'], '127.0.0.1');
  assert.equal(bare['x-forwarded-for'], '127.0.0.1');
  assert.equal(bare['x-forwarded-proto'], 'http');
  assert.equal(bare['x-forwarded-host'], 'headers-inspect.test');
  assert.equal(bare['x-forwarded-port'], String(trusting.port));
  const h = (await trusted('headers-inspect.test', '/', { headers: SPOOFED_FORWARDING })).upstream!.headers;
  assert.equal(h['x-forwarded-for'], '10.0.0.1, 127.0.0.1');
  assert.equal(h['x-forwarded-proto'], 'https');
  assert.equal(h['x-forwarded-host'], 'example.test');
  assert.equal(h['x-forwarded-port'], '80');
  assert.equal(h['x-forwarded-path'], '/replaced');
});
