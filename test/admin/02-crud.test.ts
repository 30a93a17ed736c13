// Entity CRUD as Kong answers it: POST 201, GET by id or name, PUT upserts (by id or by name), PATCH merges
// then re-validates, DELETE 204 (even when missing), cascades and refusals on delete, and every change live
// on the proxy without a restart — unless the config would not build, which is refused with the old one serving.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { definePlugin } from '../../src/plugins/contract.ts';
import { expectProblem, startTestAdmin, type TestAdmin } from '../helpers/admin.ts';
import { plugins } from '../helpers/gateway.ts';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { json } from '../helpers/json.ts';

/*
 * A plugin whose factory refuses a config its schema accepts, as a custom plugin's may (one that cannot reach
 * what it needs). The bundled plugins and the router leave nothing of the kind: what they would refuse, the
 * entity's own validation catches first, at its field (see 12-kong-compat.test.ts).
 */
const refusesToBuild = definePlugin({
  name: 'refuses-to-build',
  priority: 0,
  configSchema: Type.Object({ reason: Type.String() }, { additionalProperties: false }),
  create(config, env) {
    throw new Error(`plugin ${env.instanceId}: ${config.reason}`);
  },
});

let admin: TestAdmin;
let upstream: TestUpstream;
before(async () => {
  const registry = new Map([...(await plugins()), [refusesToBuild.name, refusesToBuild]]);
  [admin, upstream] = await Promise.all([startTestAdmin({ plugins: registry }), startUpstream()]);
});
after(async () => {
  await admin.close();
  await upstream.close();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

test('POST creates (201, a generated uuid, defaults filled); GET finds it by id and by name', async () => {
  const res = await admin.request('POST', '/services', { body: { name: 'crud-a', url: 'https://api.internal:8443/v1', tags: ['team-a'] } });
  assert.equal(res.status, 201, res.text);
  const svc = res.body;
  assert.match(svc.id, UUID);
  assert.equal(svc.protocol, 'https');
  assert.equal(svc.host, 'api.internal');
  assert.equal(svc.port, 8443);
  assert.equal(svc.path, '/v1');
  assert.equal(svc.retries, 5);
  assert.equal(svc.connect_timeout, 60000);
  assert.equal(typeof svc.created_at, 'number');
  assert.deepEqual((await admin.request('GET', `/services/${svc.id}`)).body, svc);
  assert.deepEqual((await admin.request('GET', '/services/crud-a')).body, svc);

  const withId = await admin.request('POST', '/consumers', { body: { id: '5bd56b8e-4b5c-4e3c-9c6e-1b0f6c2c5d11', username: 'given-id' } });
  assert.equal(withId.status, 201);
  assert.equal(withId.body.id, '5bd56b8e-4b5c-4e3c-9c6e-1b0f6c2c5d11');
});

test('GET of a missing entity is 404 {"message":"Not found"}', async () => {
  for (const path of ['/services/does-not-exist', '/services/00000000-0000-4000-8000-000000000000', '/consumers/nobody', '/plugins/unknown']) {
    assert.equal(expectProblem(await admin.request('GET', path), 404, 'ADMIN_NOT_FOUND', path).message, 'Not found');
  }
});

test('PUT by name creates a service named after the path, then replaces it (absent fields reset), keeping its id', async () => {
  const created = await admin.request('PUT', '/services/put-by-name', { body: { host: 'one.internal', retries: 2, tags: ['x'] } });
  assert.equal(created.status, 200, created.text);
  assert.equal(created.body.name, 'put-by-name');
  assert.equal(created.body.retries, 2);
  const replaced = await admin.request('PUT', '/services/put-by-name', { body: { host: 'two.internal' } });
  assert.equal(replaced.status, 200);
  assert.equal(replaced.body.id, created.body.id);
  assert.equal(replaced.body.host, 'two.internal');
  assert.equal(replaced.body.retries, 5, 'PUT replaces: retries back to its default');
  assert.equal(replaced.body.tags, null);
  assert.equal(replaced.body.created_at, created.body.created_at);

  const mismatch = expectProblem(await admin.request('PUT', '/services/put-by-name', { body: { name: 'other', host: 'x' } }), 400, 'ADMIN_SCHEMA_VIOLATION');
  assert.ok(mismatch.fields.name);
});

test('PUT by id creates with that id, then replaces', async () => {
  const id = '0b0fa2f4-3a54-4d57-9d0e-3c5c0f6f1a01';
  const created = await admin.request('PUT', `/consumers/${id}`, { body: { username: 'put-by-id' } });
  assert.equal(created.status, 200, created.text);
  assert.equal(created.body.id, id);
  const replaced = await admin.request('PUT', `/consumers/${id}`, { body: { username: 'put-by-id-2', custom_id: 'c-1' } });
  assert.equal(replaced.body.id, id);
  assert.equal(replaced.body.username, 'put-by-id-2');
  expectProblem(await admin.request('PUT', `/consumers/${id}`, { body: { id: '1b0fa2f4-3a54-4d57-9d0e-3c5c0f6f1a01' } }), 400, 'ADMIN_SCHEMA_VIOLATION');
});

test('PATCH merges into the stored entity and re-validates the whole record', async () => {
  const svc = (await admin.request('POST', '/services', { body: { name: 'patch-me', host: 'a.internal', retries: 1, tags: ['a'] } })).body;
  const patched = await admin.request('PATCH', `/services/${svc.id}`, { body: { retries: 7 } });
  assert.equal(patched.status, 200);
  assert.equal(patched.body.retries, 7);
  assert.equal(patched.body.host, 'a.internal', 'untouched fields stay');
  assert.deepEqual(patched.body.tags, ['a']);

  // url replaces the fields it expands to, as Kong's shorthand does
  const byUrl = await admin.request('PATCH', '/services/patch-me', { body: { url: 'https://b.internal/base' } });
  assert.equal(byUrl.status, 200, byUrl.text);
  assert.deepEqual([byUrl.body.protocol, byUrl.body.host, byUrl.body.port, byUrl.body.path], ['https', 'b.internal', 443, '/base']);

  // a merge that breaks the record is refused and changes nothing
  const before = await admin.snapshotEntities();
  const bad = expectProblem(await admin.request('PATCH', '/services/patch-me', { body: { retries: -1, port: 'x' } }), 400, 'ADMIN_SCHEMA_VIOLATION');
  assert.deepEqual(Object.keys(bad.fields).sort(), ['port', 'retries']);
  assert.deepEqual(await admin.snapshotEntities(), before);
  expectProblem(await admin.request('PATCH', '/services/nothing-here', { body: { retries: 1 } }), 404, 'ADMIN_NOT_FOUND');

  // nested records merge field by field: only the interval given changes
  const up = (await admin.request('POST', '/upstreams', { body: { name: 'patch-up' } })).body;
  const hc = await admin.request('PATCH', `/upstreams/${up.id}`, { body: { healthchecks: { threshold: 50 } } });
  assert.equal(hc.status, 200, hc.text);
  assert.equal(hc.body.healthchecks.threshold, 50);
  assert.deepEqual(hc.body.healthchecks.active, up.healthchecks.active);
});

test('PATCH on a plugin merges its config (Kong) and re-checks it against the plugin schema', async () => {
  const plugin = (await admin.request('POST', '/plugins', { body: { name: 'rate-limiting', instance_name: 'rl-patch', config: { minute: 5, hour: 100 } } }))
    .body;
  const patched = await admin.request('PATCH', '/plugins/rl-patch', { body: { config: { minute: 10 } } });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.body.config.minute, 10);
  assert.equal(patched.body.config.hour, 100, 'config fields not in the patch stay');
  const bad = expectProblem(await admin.request('PATCH', `/plugins/${plugin.id}`, { body: { config: { minute: 'often' } } }), 400, 'ADMIN_SCHEMA_VIOLATION');
  assert.ok(bad.fields['config.minute'], JSON.stringify(bad.fields));
  await admin.request('DELETE', `/plugins/${plugin.id}`);
});

test('DELETE answers 204, also for an entity that does not exist', async () => {
  const c = (await admin.request('POST', '/consumers', { body: { username: 'to-delete' } })).body;
  const res = await admin.request('DELETE', '/consumers/to-delete');
  assert.equal(res.status, 204);
  assert.equal(res.text, '');
  expectProblem(await admin.request('GET', `/consumers/${c.id}`), 404, 'ADMIN_NOT_FOUND');
  assert.equal((await admin.request('DELETE', '/consumers/to-delete')).status, 204);
  assert.equal((await admin.request('DELETE', '/consumers/00000000-0000-4000-8000-000000000000')).status, 204);
});

test('deleting a parent cascades as Kong does (credentials, targets, plugins) or is refused while routes use a service', async () => {
  const consumer = (await admin.request('POST', '/consumers', { body: { username: 'cascade-c' } })).body;
  await admin.request('POST', '/consumers/cascade-c/key-auth', { body: { key: 'cascade-key-1' } });
  await admin.request('POST', '/consumers/cascade-c/acls', { body: { group: 'g1' } });
  await admin.request('POST', '/consumers/cascade-c/plugins', { body: { name: 'rate-limiting', config: { minute: 1 } } });
  assert.equal((await admin.request('DELETE', '/consumers/cascade-c')).status, 204);
  const left = await admin.snapshotEntities();
  assert.equal(left.keyauth_credentials.filter((k) => k.consumerId === consumer.id).length, 0);
  assert.equal(left.acls.filter((a) => a.consumerId === consumer.id).length, 0);
  assert.equal(left.plugins.filter((p) => p.consumerId === consumer.id).length, 0);

  const up = (await admin.request('POST', '/upstreams', { body: { name: 'cascade-up' } })).body;
  await admin.request('POST', '/upstreams/cascade-up/targets', { body: { target: '10.0.0.1:80' } });
  assert.equal((await admin.request('DELETE', '/upstreams/cascade-up')).status, 204);
  assert.equal((await admin.snapshotEntities()).targets.filter((t) => t.upstreamId === up.id).length, 0);

  const svc = (await admin.request('POST', '/services', { body: { name: 'in-use', host: 'x.internal' } })).body;
  await admin.request('POST', '/services/in-use/routes', { body: { name: 'uses-it', paths: ['/in-use'] } });
  const before = await admin.snapshotEntities();
  const refused = expectProblem(await admin.request('DELETE', '/services/in-use'), 400, 'ADMIN_REFERENCED');
  assert.match(refused.message, /routes/);
  assert.deepEqual(await admin.snapshotEntities(), before, 'a refused delete changes nothing');
  assert.equal((await admin.request('DELETE', '/routes/uses-it')).status, 204);
  assert.equal((await admin.request('DELETE', `/services/${svc.id}`)).status, 204);
});

test('changes reach the running proxy without a restart', async () => {
  assert.equal((await fetch(`${admin.proxyUrl}/live`)).status, 404);
  const svc = await admin.request('POST', '/services', { body: { name: 'live', url: upstream.url } });
  assert.equal(svc.status, 201, svc.text);
  const route = await admin.request('POST', '/services/live/routes', { body: { name: 'live-route', paths: ['/live'] } });
  assert.equal(route.status, 201, route.text);
  const proxied = await fetch(`${admin.proxyUrl}/live/x`);
  assert.equal(proxied.status, 200);
  assert.equal((await json(proxied)).url, '/x');

  // a plugin added through the API applies to the next request
  await admin.request('POST', '/routes/live-route/plugins', { body: { name: 'ip-restriction', config: { deny: ['127.0.0.1'] } } });
  assert.equal((await fetch(`${admin.proxyUrl}/live/x`)).status, 403);
  await admin.request('DELETE', '/routes/live-route');
  assert.equal((await fetch(`${admin.proxyUrl}/live/x`)).status, 404);
});

test('a write the gateway could not build is refused: store unchanged, the old config still serving', async () => {
  await admin.request('POST', '/services', { body: { name: 'steady', url: upstream.url } });
  await admin.request('POST', '/services/steady/routes', { body: { name: 'steady-route', paths: ['/steady'] } });
  assert.equal((await fetch(`${admin.proxyUrl}/steady`)).status, 200);
  const before = await admin.snapshotEntities();
  // passes the plugin's schema, but its factory throws when the gateway builds it
  const id = randomUUID();
  const res = await admin.request('POST', '/services/steady/plugins', {
    body: { id, name: 'refuses-to-build', config: { reason: 'cannot reach its backend' } },
  });
  const body = expectProblem(res, 400, 'ADMIN_CONFIG_REFUSED');
  assert.match(body.detail, new RegExp(`plugin ${id}: cannot reach its backend`));
  assert.deepEqual(await admin.snapshotEntities(), before);
  expectProblem(await admin.request('GET', `/plugins/${id}`), 404, 'ADMIN_NOT_FOUND');
  assert.equal((await fetch(`${admin.proxyUrl}/steady`)).status, 200);
});

test('every write is audited with the token that made it', async () => {
  const res = await admin.request('POST', '/consumers', { body: { username: 'audited' } });
  const entries = await admin.store.audit.list({ size: 10, entityId: res.body.id });
  assert.equal(entries.data.length, 1);
  assert.equal(entries.data[0]!.action, 'create');
  assert.equal(entries.data[0]!.actor.name, 'test-admin');
  assert.equal(entries.data[0]!.request_id, res.headers.get('x-request-id'));
});
