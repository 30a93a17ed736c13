// Headers a client must not control, over real sockets: identity claims, method overrides, rewritten URLs, other
// proxies' client addresses, httpoxy, their underscore spellings, the operator's own identity headers; and
// Kong's X-Forwarded-Path / X-Forwarded-Prefix, trusted or not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { httpRequest } from '../helpers/http.ts';
import { rawRequest } from '../helpers/raw-http.ts';
import { assertRefused } from '../helpers/refusal.ts';
import { startNodeProcess } from '../cluster/node-process.ts';

let up: TestUpstream;
let gw: TestGateway;
let trusting: TestGateway;

const consumer = (username: string, groups: string[]) => ({
  username,
  keyauth_credentials: [{ key: `${username}-key-0123456789` }],
  acls: groups.map((group) => ({ group })),
});
const keyOf = (username: string) => `${username}-key-0123456789`;

const config = () => ({
  _format_version: '3.0',
  consumers: [consumer('alice', ['users']), consumer('root', ['admins'])],
  services: [
    {
      name: 'api',
      url: up.url,
      routes: [
        { name: 'plain', paths: ['/plain'] },
        { name: 'kept', paths: ['/kept'], strip_path: false },
        { name: 'root', paths: ['/'] },
        // users may GET and POST only; DELETE is for admins
        {
          name: 'methods',
          paths: ['/methods'],
          plugins: [{ name: 'key-auth' }, { name: 'acl', config: { allow: ['admins', 'users'], group_methods: { users: ['GET', 'POST'] } } }],
        },
        { name: 'groups', paths: ['/groups'], plugins: [{ name: 'key-auth' }, { name: 'acl', config: { allow: ['admins', 'users'] } }] },
        { name: 'underscore-key', paths: ['/underscore-key'], plugins: [{ name: 'key-auth', config: { key_names: ['api_key'] } }] },
        { name: 'default-key', paths: ['/default-key'], plugins: [{ name: 'key-auth' }] },
      ],
    },
  ],
});

before(async () => {
  up = await startUpstream();
  gw = await startGateway(config(), { identityHeaders: ['x-user-id', 'x_tenant'] });
  trusting = await startGateway(config(), { trustedProxies: ['127.0.0.1/32'] });
});

after(async () => {
  await gw?.close();
  await trusting?.close();
  await up.close();
});

async function through(g: TestGateway, path: string, headers: Record<string, string>, method = 'GET') {
  const seen = up.requests.length;
  const res = await httpRequest(`${g.url}${path}`, { method, headers });
  const upstream = up.requests[seen];
  assert.ok(upstream, `${method} ${path} never reached the upstream (${res.status})`);
  return { res, upstream };
}

const SPOOFED: Record<string, string> = {
  'X-HTTP-Method-Override': 'DELETE',
  'X-HTTP-Method': 'DELETE',
  'X-Method-Override': 'DELETE',
  'X-Original-URL': '/admin',
  'X-Rewrite-URL': '/admin',
  Proxy: 'http://evil.test:8080',
  'X-Authenticated-Userid': 'root',
  'X-Authenticated-Scope': 'admin',
  'True-Client-IP': '6.6.6.6',
  'X-Client-IP': '6.6.6.6',
  'CF-Connecting-IP': '6.6.6.6',
  'X-Consumer-ID': 'spoofed',
  'X-Consumer-Username': 'root',
  'X-Authenticated-Groups': 'admins',
};

test('every spoofable header and its underscore spelling is gone before the upstream sees the request', async () => {
  const underscored = Object.fromEntries(Object.entries(SPOOFED).map(([name, value]) => [name.replaceAll('-', '_'), value]));
  for (const headers of [SPOOFED, underscored, { x_forwarded_for: '6.6.6.6', X_Forwarded_Host: 'evil.test', 'X-Forwarded_Proto': 'https' }]) {
    const { res, upstream } = await through(gw, '/plain/x', { ...headers, 'X-Keep': 'yes' });
    assert.equal(res.status, 200, res.body);
    const received = Object.keys(upstream.headers);
    for (const name of Object.keys(headers)) assert.ok(!received.includes(name.toLowerCase()), `${name} reached the upstream: ${received}`);
    assert.equal(upstream.headers['x-keep'], 'yes');
    assert.equal(upstream.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(upstream.headers['x-forwarded-proto'], 'http');
    assert.equal(upstream.headers['x-forwarded-host'], '127.0.0.1');
  }
});

test('underscore headers that spell nothing the gateway strips reach the upstream (Kong passes every underscore header)', async () => {
  const { upstream } = await through(gw, '/plain/x', { api_key: 'k', x_trace_id: 't', My_Header: 'm' });
  assert.equal(upstream.headers.api_key, 'k');
  assert.equal(upstream.headers.x_trace_id, 't');
  assert.equal(upstream.headers.my_header, 'm');
});

test('Proxy is hop-by-hop both ways (httpoxy)', async () => {
  up.handler = (_req, res) => {
    res.writeHead(200, { proxy: 'http://evil.test', 'x-public': 'ok', 'content-length': '2' });
    res.end('ok');
  };
  try {
    const { res, upstream } = await through(gw, '/plain/p', { proxy: 'http://evil.test' });
    assert.equal(res.status, 200);
    assert.equal(upstream.headers.proxy, undefined);
    assert.equal(res.headers.proxy, undefined);
    assert.equal(res.headers['x-public'], 'ok');
  } finally {
    up.handler = null;
  }
});

test('a method override on a route with per-method acl rules is refused, in any spelling', async () => {
  for (const name of ['X-HTTP-Method-Override', 'X-HTTP-Method', 'X-Method-Override', 'X_HTTP_Method_Override', 'x-http-method-override']) {
    for (const who of ['alice', 'root']) {
      const seen = up.requests.length;
      const res = await httpRequest(`${gw.url}/methods/orders/7`, { method: 'POST', headers: { apikey: keyOf(who), [name]: 'DELETE' } });
      assertRefused(res, { status: 400, code: 'METHOD_OVERRIDE_REFUSED', message: 'Bad request', label: `${who} ${name}` }, up, seen);
    }
  }
  // without the override the acl decides as before
  assert.equal((await through(gw, '/methods/orders/7', { apikey: keyOf('alice') }, 'POST')).res.status, 200);
  const deleted = await httpRequest(`${gw.url}/methods/orders/7`, { method: 'DELETE', headers: { apikey: keyOf('alice') } });
  assertRefused(deleted, { status: 403, code: 'ACL_METHOD_FORBIDDEN', message: 'You cannot consume this service' });
  assert.equal((await through(gw, '/methods/orders/7', { apikey: keyOf('root') }, 'DELETE')).res.status, 200);
});

test('elsewhere a method override is stripped, and the request goes on with its own method', async () => {
  for (const path of ['/groups/orders/7', '/plain/orders/7']) {
    const { res, upstream } = await through(gw, path, { apikey: keyOf('alice'), 'X-HTTP-Method-Override': 'DELETE', 'X-Method-Override': 'PUT' }, 'POST');
    assert.equal(res.status, 200, `${path}: ${res.body}`);
    assert.equal(upstream.method, 'POST');
    assert.equal(upstream.headers['x-http-method-override'], undefined);
    assert.equal(upstream.headers['x-method-override'], undefined);
  }
});

test("key-auth finds Kong's documented underscore key name: key_names [api_key], header api_key", async () => {
  assert.equal((await through(gw, '/underscore-key/x', { api_key: keyOf('alice') })).res.status, 200);
  const wrong = await httpRequest(`${gw.url}/underscore-key/x`, { headers: { api_key: 'nope' } });
  assertRefused(wrong, { status: 401, code: 'KEY_AUTH_INVALID', message: 'Unauthorized', headers: { 'www-authenticate': 'Key' } });
  const { res, upstream } = await through(gw, '/default-key/x', { apikey: keyOf('alice') });
  assert.equal(res.status, 200);
  assert.equal(upstream.headers['x-consumer-username'], 'alice');
});

test("the operator's extra identity headers are stripped like Kong's, underscore spellings too", async () => {
  const { upstream } = await through(gw, '/plain/x', { 'X-User-Id': 'root', 'x-tenant': 'other', X_User_Id: 'root', 'X-Keep': 'yes' });
  assert.equal(upstream.headers['x-user-id'], undefined);
  assert.equal(upstream.headers['x-tenant'], undefined);
  assert.equal(upstream.headers.x_user_id, undefined);
  assert.equal(upstream.headers['x-keep'], 'yes');
  // a gateway without them configured passes them on
  const plain = await through(trusting, '/plain/x', { 'X-User-Id': 'root' });
  assert.equal(plain.upstream.headers['x-user-id'], 'root');
});

test('portcullis start --identity-headers strips them on a real node', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-identity-'));
  const file = join(dir, 'kong.json');
  await writeFile(file, JSON.stringify({ _format_version: '3.0', services: [{ name: 's', url: up.url, routes: [{ paths: ['/'] }] }] }));
  const node = await startNodeProcess(['--config', file, '--identity-headers', 'X-User-Id, X-Tenant']);
  try {
    const seen = up.requests.length;
    const res = await fetch(`${node.proxy}/x`, { headers: { 'x-user-id': 'root', 'x-tenant': 't', x_user_id: 'root', 'x-keep': 'yes' } });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    const h = up.requests[seen]!.headers;
    assert.equal(h['x-user-id'], undefined);
    assert.equal(h['x-tenant'], undefined);
    assert.equal(h.x_user_id, undefined);
    assert.equal(h['x-keep'], 'yes');
  } finally {
    await node.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test('portcullis start refuses an --identity-headers name that is no header, or one requests need (exit 2)', () => {
  const cli = new URL('../../src/cli/main.ts', import.meta.url).pathname;
  for (const [value, message] of [
    ['X-Ok,bad name', /'bad name' is not a valid header name/],
    ['X-Ok,Host', /'host' cannot be stripped/],
  ] as const) {
    const run = spawnSync(process.execPath, [cli, 'start', '--config', '/nonexistent.yaml', '--identity-headers', value], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.status, 2, `${value}: ${run.stderr}`);
    assert.match(run.stderr, message);
  }
});

test('X-Forwarded-Path is the path the client sent (before normalisation, no query), as Kong', async () => {
  const seen = up.requests.length;
  const res = await rawRequest(
    gw.port,
    'GET /plain/a/../b//c?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Path: /spoofed\r\nX-Forwarded-Prefix: /spoofed\r\nConnection: close\r\n\r\n',
  );
  assert.equal(res.status, 200, res.body);
  const h = up.requests[seen]!.headers;
  assert.equal(up.requests[seen]!.url, '/b/c?x=1');
  assert.equal(h['x-forwarded-path'], '/plain/a/../b//c');
  assert.equal(h['x-forwarded-prefix'], '/plain');
  // absolute-form: the path part only, as nginx's $request_uri
  const absolute = await rawRequest(gw.port, 'GET http://127.0.0.1/plain/%7euser?q HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  assert.equal(absolute.status, 200);
  assert.equal(up.requests.at(-1)!.headers['x-forwarded-path'], '/plain/%7euser');
});

test('X-Forwarded-Prefix only when strip_path removed more than /, as Kong', async () => {
  assert.equal((await through(gw, '/kept/x', {})).upstream.headers['x-forwarded-prefix'], undefined);
  const root = await through(gw, '/elsewhere', { 'X-Forwarded-Prefix': '/spoofed' });
  assert.equal(root.upstream.headers['x-forwarded-prefix'], undefined);
  assert.equal(root.upstream.headers['x-forwarded-path'], '/elsewhere');
});

test("a trusted proxy's X-Forwarded-Path and X-Forwarded-Prefix are kept, stripped or not", async () => {
  const stripped = await through(trusting, '/plain/x?y=1', { 'X-Forwarded-Path': '/original-path', 'X-Forwarded-Prefix': '/preserved' });
  assert.equal(stripped.upstream.headers['x-forwarded-path'], '/original-path');
  assert.equal(stripped.upstream.headers['x-forwarded-prefix'], '/preserved');
  const kept = await through(trusting, '/kept/x', { 'X-Forwarded-Prefix': '/preserved' });
  assert.equal(kept.upstream.headers['x-forwarded-prefix'], '/preserved');
  const none = await through(trusting, '/plain/x?y=1', {});
  assert.equal(none.upstream.headers['x-forwarded-path'], '/plain/x');
  assert.equal(none.upstream.headers['x-forwarded-prefix'], '/plain');
  // trusted or not, the identity and spoofable headers still go
  const spoofed = await through(trusting, '/plain/x', SPOOFED);
  for (const name of Object.keys(SPOOFED)) assert.equal(spoofed.upstream.headers[name.toLowerCase()], undefined, name);
});
