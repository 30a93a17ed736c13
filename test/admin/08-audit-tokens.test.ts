// /audit: who changed what, when, before and after, secrets redacted; newest first, paged and filtered, open to
// both roles. /admin-tokens: admin role only, plaintext shown once, stored hashed, the last admin token kept.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { expectProblem, startTestAdmin, type TestAdmin } from '../helpers/admin.ts';
import { allAdminRoutes } from '../../src/admin/routes/index.ts';

let admin: TestAdmin;
before(async () => {
  admin = await startTestAdmin({ routes: allAdminRoutes() });
});
after(async () => {
  await admin.close();
});

const SECRET = 'audit-secret-value-0123456789abcdef';
const KEY = 'audit-api-key-0123456789';

test('every change is in /audit, newest first: actor, request id, action, before and after', async () => {
  const created = await admin.request('POST', '/services', { body: { name: 'audited', host: 'a.internal' } });
  const patched = await admin.request('PATCH', '/services/audited', { body: { retries: 2 } });
  const deleted = await admin.request('DELETE', '/services/audited');
  assert.deepEqual([created.status, patched.status, deleted.status], [201, 200, 204]);

  const res = await admin.request('GET', `/audit?entity_id=${created.body.id}`, { token: admin.readOnlyToken });
  assert.equal(res.status, 200, res.text);
  const [del, upd, ins] = res.body.data;
  assert.deepEqual([del.action, upd.action, ins.action], ['delete', 'update', 'create']);
  assert.ok(del.id > upd.id && upd.id > ins.id);
  for (const entry of res.body.data) {
    assert.equal(entry.kind, 'services');
    assert.equal(entry.entity_id, created.body.id);
    assert.equal(entry.actor.name, 'test-admin');
    assert.ok(!Number.isNaN(Date.parse(entry.at)));
  }
  assert.equal(ins.request_id, created.headers.get('x-request-id'));
  assert.equal(upd.request_id, patched.headers.get('x-request-id'));
  assert.equal(ins.before, null);
  assert.equal(ins.after.name, 'audited');
  assert.deepEqual([upd.before.retries, upd.after.retries], [5, 2]);
  assert.equal(del.before.name, 'audited');
  assert.equal(del.after, null);
  assert.equal(res.body.next, null);
  assert.equal(res.body.offset, undefined);
});

test('secrets in audit images are "[REDACTED]", never the value', async () => {
  assert.equal((await admin.request('POST', '/consumers', { body: { username: 'audit-user' } })).status, 201);
  const jwt = await admin.request('POST', '/consumers/audit-user/jwt', { body: { key: 'audit-iss', secret: SECRET } });
  const key = await admin.request('POST', '/consumers/audit-user/key-auth', { body: { key: KEY } });
  const plugin = await admin.request('POST', '/plugins', { body: { name: 'rate-limiting', config: { minute: 1, redis: { password: SECRET } } } });
  assert.deepEqual([jwt.status, key.status, plugin.status], [201, 201, 201], plugin.text);
  const all = await admin.request('GET', '/audit?size=1000');
  for (const secret of [SECRET, KEY]) assert.ok(!all.text.includes(secret), `${secret} in /audit`);
  const jwtEntry = (await admin.request('GET', `/audit?entity_id=${jwt.body.id}`)).body.data[0];
  assert.equal(jwtEntry.after.secret, '[REDACTED]');
  const keyEntry = (await admin.request('GET', `/audit?entity_id=${key.body.id}`)).body.data[0];
  assert.notEqual(keyEntry.after.key, KEY);
  const pluginEntry = (await admin.request('GET', `/audit?entity_id=${plugin.body.id}`)).body.data[0];
  assert.equal(pluginEntry.after.config.redis.password, '[REDACTED]');
});

test('/audit pages with size, offset and next, and filters by kind and entity_id', async () => {
  for (let i = 0; i < 5; i++) assert.equal((await admin.request('POST', '/upstreams', { body: { name: `audit-up-${i}` } })).status, 201);
  const seen: number[] = [];
  let next: string | null = '/audit?kind=upstreams&size=2';
  while (next !== null) {
    const page: { status: number; body: { data: { id: number; kind: string }[]; next: string | null; offset?: string } } = await admin.request('GET', next);
    assert.equal(page.status, 200);
    assert.ok(page.body.data.length <= 2);
    for (const entry of page.body.data) assert.equal(entry.kind, 'upstreams');
    seen.push(...page.body.data.map((e) => e.id));
    if (page.body.next !== null) assert.equal(typeof page.body.offset, 'string');
    next = page.body.next;
  }
  assert.equal(seen.length, 5);
  assert.deepEqual(
    seen,
    [...seen].sort((a, b) => b - a),
    'newest first, no repeats',
  );
  assert.equal(new Set(seen).size, 5);
  assert.equal((await admin.request('GET', '/audit?kind=admin_tokens')).body.data.length >= 2, true);
  assert.deepEqual((await admin.request('GET', '/audit?entity_id=00000000-0000-4000-8000-000000000000')).body.data, []);
});

test('a delete that cascades shows in /audit for every entity it removed: same actor and request id, secrets redacted', async () => {
  const consumer = await admin.request('POST', '/consumers', { body: { username: 'cascade-user' } });
  const jwt = await admin.request('POST', '/consumers/cascade-user/jwt', { body: { key: 'cascade-iss', secret: SECRET } });
  const acl = await admin.request('POST', '/consumers/cascade-user/acls', { body: { group: 'cascade-group' } });
  const plugin = await admin.request('POST', '/consumers/cascade-user/plugins', {
    body: { name: 'rate-limiting', config: { minute: 1, redis: { password: SECRET } } },
  });
  const upstream = await admin.request('POST', '/upstreams', { body: { name: 'cascade-up' } });
  const target = await admin.request('POST', '/upstreams/cascade-up/targets', { body: { target: '127.0.0.1:9' } });
  assert.deepEqual(
    [consumer, jwt, acl, plugin, upstream, target].map((r) => r.status),
    [201, 201, 201, 201, 201, 201],
    plugin.text,
  );

  const deleted = await admin.request('DELETE', '/consumers/cascade-user');
  const deletedUpstream = await admin.request('DELETE', '/upstreams/cascade-up');
  assert.deepEqual([deleted.status, deletedUpstream.status], [204, 204]);
  const removed: [string, { body: { id: string } }, typeof deleted][] = [
    ['consumers', consumer, deleted],
    ['jwt_secrets', jwt, deleted],
    ['acls', acl, deleted],
    ['plugins', plugin, deleted],
    ['upstreams', upstream, deletedUpstream],
    ['targets', target, deletedUpstream],
  ];
  for (const [kind, created, by] of removed) {
    const res = await admin.request('GET', `/audit?entity_id=${created.body.id}`, { token: admin.readOnlyToken });
    assert.equal(res.status, 200, res.text);
    const [entry] = res.body.data;
    assert.deepEqual([entry.action, entry.kind, entry.actor.name, entry.request_id], ['delete', kind, 'test-admin', by.headers.get('x-request-id')]);
    assert.equal(entry.before.id, created.body.id);
    assert.equal(entry.after, null);
  }
  const jwtDelete = (await admin.request('GET', `/audit?entity_id=${jwt.body.id}`)).body.data[0];
  assert.equal(jwtDelete.before.secret, '[REDACTED]');
  const pluginDelete = (await admin.request('GET', `/audit?entity_id=${plugin.body.id}`)).body.data[0];
  assert.equal(pluginDelete.before.config.redis.password, '[REDACTED]');
  assert.ok(!(await admin.request('GET', '/audit?size=1000')).text.includes(SECRET));
});

test('bad /audit queries are 400 naming the parameter', async () => {
  for (const [query, field] of [
    ['size=0', 'size'],
    ['size=1001', 'size'],
    ['size=abc', 'size'],
    ['size=1.5', 'size'],
    ['offset=%27%20OR%201%3D1', 'offset'],
    ['offset=', 'offset'],
    ['kind=nope', 'kind'],
    ['entity_id=', 'entity_id'],
  ] as const) {
    const body = expectProblem(await admin.request('GET', `/audit?${query}`), 400, 'ADMIN_INVALID_QUERY', query);
    assert.ok(body.fields?.[field], `${query}: ${JSON.stringify(body)}`);
  }
  expectProblem(await admin.request('GET', '/audit', { token: null }), 401, 'ADMIN_UNAUTHORIZED');
  expectProblem(await admin.request('POST', '/audit', { body: {} }), 405, 'ADMIN_METHOD_NOT_ALLOWED');
});

test('/admin-tokens is for the admin role only, reads included', async () => {
  for (const [method, path, body] of [
    ['GET', '/admin-tokens'],
    ['GET', '/admin-tokens/00000000-0000-4000-8000-000000000000'],
    ['POST', '/admin-tokens', { name: 'x', role: 'admin' }],
    ['DELETE', '/admin-tokens/00000000-0000-4000-8000-000000000000'],
  ] as const) {
    expectProblem(await admin.request(method, path, { body, token: admin.readOnlyToken }), 403, 'ADMIN_FORBIDDEN', `${method} ${path}`);
  }
  expectProblem(await admin.request('GET', '/admin-tokens', { token: null }), 401, 'ADMIN_UNAUTHORIZED');
});

test('POST /admin-tokens shows the token once; it works with its role; lists never show a token or a hash', async () => {
  const res = await admin.request('POST', '/admin-tokens', { body: { name: 'ci reader', role: 'read-only' } });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const { token, ...record } = res.body;
  assert.match(token, /^pcat_[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(Object.keys(record).sort(), ['created_at', 'id', 'last_used_at', 'name', 'role']);
  assert.deepEqual([record.name, record.role], ['ci reader', 'read-only']);

  assert.equal((await admin.request('GET', '/services', { token })).status, 200);
  expectProblem(await admin.request('POST', '/services', { body: { host: 'x' }, token }), 403, 'ADMIN_FORBIDDEN');

  const list = await admin.request('GET', '/admin-tokens');
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.data.map((t: { name: string }) => t.name).sort(), ['ci reader', 'test-admin', 'test-reader']);
  for (const t of list.body.data) assert.deepEqual(Object.keys(t).sort(), ['created_at', 'id', 'last_used_at', 'name', 'role']);
  for (const secret of [token, admin.adminToken, admin.readOnlyToken]) assert.ok(!list.text.includes(secret));
  const one = (await admin.request('GET', `/admin-tokens/${record.id}`)).body;
  assert.deepEqual({ ...one, last_used_at: null }, { ...record, last_used_at: null });
  expectProblem(await admin.request('GET', '/admin-tokens/00000000-0000-4000-8000-000000000000'), 404, 'ADMIN_NOT_FOUND');

  const audit = await admin.request('GET', `/audit?entity_id=${record.id}`);
  assert.equal(audit.body.data[0].action, 'token-create');
  assert.ok(!audit.text.includes(token));

  assert.equal((await admin.request('DELETE', `/admin-tokens/${record.id}`)).status, 204);
  expectProblem(await admin.request('GET', '/services', { token }), 401, 'ADMIN_UNAUTHORIZED');
  assert.equal((await admin.request('DELETE', `/admin-tokens/${record.id}`)).status, 204, 'deleting what is gone is not an error (Kong)');
  assert.equal((await admin.request('GET', `/audit?entity_id=${record.id}`)).body.data[0].action, 'token-delete');
});

test('bad token bodies are 400 with the field; a duplicate name is 409', async () => {
  const cases: [unknown, string][] = [
    [{ role: 'admin' }, 'name'],
    [{ name: 'x' }, 'role'],
    [{ name: 'x', role: 'superuser' }, 'role'],
    [{ name: '', role: 'admin' }, 'name'],
    [{ name: 'x', role: 'admin', token: 'pcat_chosen' }, 'token'],
    [{ name: 7, role: 'admin' }, 'name'],
    [{ name: 'a\u0000b', role: 'admin' }, 'name'],
    [['x'], 'body'],
  ];
  for (const [body, field] of cases) {
    const problem = expectProblem(await admin.request('POST', '/admin-tokens', { body }), 400, 'ADMIN_SCHEMA_VIOLATION', JSON.stringify(body));
    assert.ok(problem.fields[field], `${JSON.stringify(body)}: ${JSON.stringify(problem.fields)}`);
  }
  expectProblem(await admin.request('POST', '/admin-tokens', { body: '{"name":', contentType: 'application/json' }), 400, 'ADMIN_MALFORMED_BODY');
  expectProblem(await admin.request('POST', '/admin-tokens', { body: { name: 'test-reader', role: 'admin' } }), 409, 'ADMIN_UNIQUE_VIOLATION');
  assert.equal((await admin.request('GET', '/admin-tokens')).body.data.length, 2, 'nothing created');
});

// last: it deletes the helper's admin token
test('the last admin token cannot be deleted, by itself or by anyone: nobody is locked out', async () => {
  const second = (await admin.request('POST', '/admin-tokens', { body: { name: 'second admin', role: 'admin' } })).body;
  const first = (await admin.request('GET', '/admin-tokens')).body.data.find((t: { name: string }) => t.name === 'test-admin');
  // with two admin tokens, either may go
  assert.equal((await admin.request('DELETE', `/admin-tokens/${first.id}`, { token: second.token })).status, 204);
  expectProblem(await admin.request('GET', '/admin-tokens'), 401, 'ADMIN_UNAUTHORIZED');
  // now `second` is the last: it cannot delete itself
  const self = expectProblem(await admin.request('DELETE', `/admin-tokens/${second.id}`, { token: second.token }), 400, 'ADMIN_LAST_ADMIN_TOKEN');
  assert.match(self.detail, /last admin token/);
  assert.equal((await admin.request('GET', '/admin-tokens', { token: second.token })).status, 200, 'still works');
  // read-only tokens may always go
  const reader = (await admin.request('GET', '/admin-tokens', { token: second.token })).body.data.find((t: { role: string }) => t.role === 'read-only');
  assert.equal((await admin.request('DELETE', `/admin-tokens/${reader.id}`, { token: second.token })).status, 204);

  // two admins deleting each other at once: one wins, the other is refused, one admin token is left
  const third = (await admin.request('POST', '/admin-tokens', { body: { name: 'third admin', role: 'admin' }, token: second.token })).body;
  const results = await Promise.all([
    admin.request('DELETE', `/admin-tokens/${third.id}`, { token: second.token }),
    admin.request('DELETE', `/admin-tokens/${second.id}`, { token: third.token }),
  ]);
  // the loser is refused as the last admin (400), or is already gone when its token is checked (401)
  assert.equal(results.filter((r) => r.status === 204).length, 1, results.map((r) => r.text).join('\n'));
  assert.ok(
    results.every((r) => [204, 400, 401].includes(r.status)),
    results.map((r) => r.text).join('\n'),
  );
  const survivor = results[0].status === 204 ? second : third;
  const left = (await admin.request('GET', '/admin-tokens', { token: survivor.token })).body.data;
  assert.deepEqual(
    left.map((t: { id: string }) => t.id),
    [survivor.id],
  );
});
