// Admin API access: tokens (Bearer or Kong-Admin-Token) checked before anything else, read-only vs admin
// roles, Kong's 404/405 answers, DB-less mode read-only, request ids on every answer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { AdminContext, AdminRoute } from '../../src/admin/admin-route.ts';
import { entityRoutes } from '../../src/admin/routes/entities.ts';
import { startAdminServer } from '../../src/admin/server.ts';
import { loadDeclarative } from '../../src/config/declarative/load-declarative.ts';
import { createFileStore } from '../../src/store/file-store.ts';
import { expectProblem, startTestAdmin, type TestAdmin } from '../helpers/admin.ts';
import { plugins } from '../helpers/gateway.ts';
import { rawRequest } from '../helpers/raw-http.ts';
import { json } from '../helpers/json.ts';

let admin: TestAdmin;
before(async () => {
  admin = await startTestAdmin();
});
after(() => admin.close());

const CHALLENGE = 'Bearer realm="portcullis-admin"';

test('no token, a wrong token or another scheme: 401 with a Bearer challenge, the same for every path', async () => {
  const cases: [string, Record<string, string>][] = [
    ['no token', {}],
    ['unknown token', { authorization: 'Bearer pcat_not-a-real-token' }],
    ['basic auth', { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` }],
    ['empty bearer', { authorization: 'Bearer ' }],
    ['empty kong header', { 'kong-admin-token': '' }],
    ['huge token', { authorization: `Bearer ${'a'.repeat(4000)}` }],
  ];
  for (const [label, headers] of cases) {
    for (const path of ['/services', '/no-such-endpoint', '/consumers/x/key-auth']) {
      const res = await admin.request('GET', path, { token: null, headers });
      const body = expectProblem(res, 401, 'ADMIN_UNAUTHORIZED', `${label} ${path}`);
      assert.equal(body.message, 'Unauthorized');
      assert.equal(res.headers.get('www-authenticate'), CHALLENGE, label);
      assert.ok(!res.text.includes('pcat_not-a-real-token'), 'the token is never echoed');
    }
  }
});

test('Authorization: Bearer and Kong-Admin-Token both authenticate', async () => {
  assert.equal((await admin.request('GET', '/services')).status, 200);
  assert.equal((await admin.request('GET', '/services', { token: null, headers: { authorization: `bearer ${admin.adminToken}` } })).status, 200);
  assert.equal((await admin.request('GET', '/services', { token: null, headers: { 'kong-admin-token': admin.adminToken } })).status, 200);
});

test('a read-only token reads but every write is 403, and nothing changes', async () => {
  const created = await admin.request('POST', '/consumers', { body: { username: 'reader-check' } });
  assert.equal(created.status, 201);
  const before = await admin.snapshotEntities();
  const ro = { token: admin.readOnlyToken };
  assert.equal((await admin.request('GET', '/consumers', ro)).status, 200);
  assert.equal((await admin.request('GET', '/consumers/reader-check', ro)).status, 200);
  assert.equal((await admin.request('GET', '/plugins/enabled', ro)).status, 200);
  const writes: [string, string, unknown][] = [
    ['POST', '/consumers', { username: 'nope' }],
    ['PUT', '/consumers/nope', {}],
    ['PATCH', '/consumers/reader-check', { custom_id: 'x' }],
    ['DELETE', '/consumers/reader-check', undefined],
    ['POST', '/consumers/reader-check/key-auth', {}],
    ['DELETE', '/consumers/reader-check/acls/none', undefined],
  ];
  for (const [method, path, body] of writes) {
    const body403 = expectProblem(await admin.request(method, path, { ...ro, body }), 403, 'ADMIN_FORBIDDEN', `${method} ${path}`);
    assert.equal(body403.message, 'Forbidden');
  }
  assert.deepEqual(await admin.snapshotEntities(), before);
});

test('the token is checked before the body is read: a 401 comes back without the declared body being sent', async () => {
  const head = (extra: string) => `POST /services HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n${extra}\r\n`;
  const port = admin.server.address().port;
  const unauth = await rawRequest(port, head(''));
  assert.equal(unauth.status, 401);
  assert.equal(unauth.headers['connection'], 'close');
  const readOnly = await rawRequest(port, head(`Authorization: Bearer ${admin.readOnlyToken}\r\n`));
  assert.equal(readOnly.status, 403);
  // an admin token gets as far as the size check: refused from Content-Length alone
  const tooLarge = await rawRequest(port, head(`Authorization: Bearer ${admin.adminToken}\r\n`));
  assert.equal(tooLarge.status, 413);
  assert.equal(JSON.parse(tooLarge.body).code, 'ADMIN_BODY_TOO_LARGE');
});

test('unknown endpoints are 404 {"message":"Not found"}; a known path with another method is 405 with Allow', async () => {
  for (const path of ['/nope', '/services/a/b/c/d', '/targets', '/targets/x', '//services', '/services/%zz']) {
    const body = expectProblem(await admin.request('GET', path), 404, 'ADMIN_NOT_FOUND', path);
    assert.equal(body.message, 'Not found');
  }
  const res = await admin.request('DELETE', '/services');
  expectProblem(res, 405, 'ADMIN_METHOD_NOT_ALLOWED');
  assert.equal(res.headers.get('allow'), 'GET, POST');
  const enabled = await admin.request('POST', '/plugins/enabled', { body: {} });
  expectProblem(enabled, 405, 'ADMIN_METHOD_NOT_ALLOWED');
  assert.equal(enabled.headers.get('allow'), 'GET');
  // Kong ignores one trailing slash
  assert.equal((await admin.request('GET', '/services/')).status, 200);
});

test('every answer carries a request id; errors repeat it in the body; admin answers are never cached', async () => {
  const ok = await admin.request('GET', '/services');
  assert.match(ok.headers.get('x-request-id') ?? '', /\S+/);
  assert.equal(ok.headers.get('cache-control'), 'no-store');
  assert.match(ok.headers.get('content-type') ?? '', /^application\/json/);
  const missing = await admin.request('GET', '/services/none');
  assert.equal(missing.body.request_id, missing.headers.get('x-request-id'));
  assert.notEqual(missing.body.request_id, ok.headers.get('x-request-id'));
});

test('DB-less mode: reads work, every entity write is 405 pointing at POST /config', async () => {
  const registry = await plugins();
  const entities = loadDeclarative(
    { _format_version: '3.0', services: [{ name: 'file-svc', url: 'http://127.0.0.1:9', routes: [{ name: 'file-route', paths: ['/f'] }] }] },
    registry,
  );
  const actors = { admin: { id: 'env-admin', name: 'env', role: 'admin' as const } };
  const context: AdminContext = {
    ...admin.context,
    mode: 'db-less',
    store: createFileStore(entities, { plugins: registry }),
    auth: { verify: async (token) => (token === 'file-token' ? actors.admin : undefined) },
    logger: pino({ level: 'silent' }),
  };
  const server = await startAdminServer({ listen: { host: '127.0.0.1', port: 0 }, context, routes: entityRoutes });
  try {
    const url = `http://127.0.0.1:${server.address().port}`;
    const headers = { authorization: 'Bearer file-token', 'content-type': 'application/json' };
    const list = await fetch(`${url}/services/file-svc/routes`, { headers });
    assert.equal(list.status, 200);
    assert.equal((await json(list)).data[0].name, 'file-route');
    for (const [method, path] of [
      ['POST', '/services'],
      ['PATCH', '/services/file-svc'],
      ['PUT', '/routes/x'],
      ['DELETE', '/services/file-svc'],
    ]) {
      const res = await fetch(`${url}${path}`, { method, headers, body: method === 'DELETE' ? undefined : '{}' });
      assert.equal(res.status, 405, `${method} ${path}`);
      const body = await json(res);
      assert.equal(body.code, 'ADMIN_DB_LESS_READ_ONLY');
      assert.match(body.message, /POST \/config/);
    }
  } finally {
    await server.close();
  }
});

test('an unexpected error is a 500 that says nothing of its cause, logged without the token, the path or the body', async () => {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  const failing: AdminRoute = {
    method: 'POST',
    pattern: '/explode/:key',
    write: true,
    handle: async (req) => {
      const err = new Error('driver exploded') as Error & { detail?: string };
      err.detail = `Key (key)=(${JSON.stringify(req.body)}) already exists`; // what a driver error may carry
      throw err;
    },
  };
  const server = await startAdminServer({ listen: { host: '127.0.0.1', port: 0 }, context: { ...admin.context, logger }, routes: [failing] });
  try {
    const res = await fetch(`http://127.0.0.1:${server.address().port}/explode/path-secret-value`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'body-secret-value' }),
    });
    assert.equal(res.status, 500);
    const body = await json(res);
    assert.equal(body.code, 'INTERNAL');
    assert.equal(body.message, 'An unexpected error occurred');
    assert.ok(!JSON.stringify(body).includes('exploded'));
    const log = lines.join('\n');
    assert.match(log, /driver exploded/);
    assert.match(log, /\/explode\/:key/, 'the route pattern names where it failed');
    assert.ok(!log.includes('path-secret-value'), 'never the path as sent: it may hold an API key');
    assert.ok(!log.includes('body-secret-value'), log);
    assert.ok(!log.includes(admin.adminToken), log);
  } finally {
    await server.close();
  }
});
