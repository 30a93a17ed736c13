// Nested endpoints: collections under a parent (`/services/{s}/routes`, `/consumers/{c}/key-auth`, `/jwt`,
// `/acls`, `/plugins`, `/upstreams/{u}/targets`), entities looked up within their parent, the entity a
// foreign key points at (`/routes/{r}/service`), and credentials that work on the proxy once created.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { expectProblem, startTestAdmin, type TestAdmin } from '../helpers/admin.ts';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';

let admin: TestAdmin;
let upstream: TestUpstream;
before(async () => {
  [admin, upstream] = await Promise.all([startTestAdmin(), startUpstream()]);
});
after(async () => {
  await admin.close();
  await upstream.close();
});

test('routes under a service: create, list, get, patch and delete within it; another service does not see them', async () => {
  const svc = (await admin.request('POST', '/services', { body: { name: 'n-svc', url: upstream.url } })).body;
  await admin.request('POST', '/services', { body: { name: 'n-other', host: 'other.internal' } });
  const route = await admin.request('POST', '/services/n-svc/routes', { body: { name: 'n-route', paths: ['/n'] } });
  assert.equal(route.status, 201, route.text);
  assert.deepEqual(route.body.service, { id: svc.id });

  const list = await admin.request('GET', `/services/${svc.id}/routes`);
  assert.deepEqual(
    list.body.data.map((r: { name: string }) => r.name),
    ['n-route'],
  );
  assert.deepEqual((await admin.request('GET', '/services/n-other/routes')).body, { data: [], next: null });

  assert.equal((await admin.request('GET', '/services/n-svc/routes/n-route')).body.id, route.body.id);
  expectProblem(await admin.request('GET', '/services/n-other/routes/n-route'), 404, 'ADMIN_NOT_FOUND');
  expectProblem(await admin.request('PATCH', '/services/n-other/routes/n-route', { body: { paths: ['/x'] } }), 404, 'ADMIN_NOT_FOUND');
  expectProblem(await admin.request('DELETE', `/services/n-other/routes/${route.body.id}`), 404, 'ADMIN_NOT_FOUND');
  expectProblem(await admin.request('GET', '/services/missing/routes'), 404, 'ADMIN_NOT_FOUND');
  expectProblem(await admin.request('POST', '/services/missing/routes', { body: { paths: ['/x'] } }), 404, 'ADMIN_NOT_FOUND');

  const patched = await admin.request('PATCH', '/services/n-svc/routes/n-route', { body: { methods: ['GET'] } });
  assert.deepEqual(patched.body.methods, ['GET']);
  assert.deepEqual(patched.body.paths, ['/n']);

  // the body may repeat the parent, never name another one
  const other = (await admin.request('GET', '/services/n-other')).body;
  const contradiction = expectProblem(
    await admin.request('POST', '/services/n-svc/routes', { body: { paths: ['/y'], service: { id: other.id } } }),
    400,
    'ADMIN_SCHEMA_VIOLATION',
  );
  assert.ok(contradiction.fields.service);
  assert.equal((await admin.request('POST', '/services/n-svc/routes', { body: { paths: ['/y'], service: { id: svc.id } } })).status, 201);

  assert.equal((await admin.request('DELETE', '/services/n-svc/routes/n-route')).status, 204);
});

test('/routes/{r}/service: GET the service, PATCH it, PUT to create and attach one, DELETE is 405', async () => {
  await admin.request('POST', '/services', { body: { name: 'fk-svc', host: 'fk.internal' } });
  const route = (await admin.request('POST', '/routes', { body: { name: 'fk-route', paths: ['/fk'], service: { name: 'fk-svc' } } })).body;
  const got = await admin.request('GET', '/routes/fk-route/service');
  assert.equal(got.body.name, 'fk-svc');
  const patched = await admin.request('PATCH', `/routes/${route.id}/service`, { body: { retries: 9 } });
  assert.equal(patched.status, 200);
  assert.equal((await admin.request('GET', '/services/fk-svc')).body.retries, 9);
  expectProblem(await admin.request('DELETE', '/routes/fk-route/service'), 405, 'ADMIN_METHOD_NOT_ALLOWED');

  const lonely = (await admin.request('POST', '/routes', { body: { name: 'no-svc', paths: ['/lonely'] } })).body;
  assert.equal(lonely.service, null);
  expectProblem(await admin.request('GET', '/routes/no-svc/service'), 404, 'ADMIN_NOT_FOUND');
  const attached = await admin.request('PUT', '/routes/no-svc/service', { body: { name: 'attached', url: upstream.url } });
  assert.equal(attached.status, 200, attached.text);
  assert.deepEqual((await admin.request('GET', '/routes/no-svc')).body.service, { id: attached.body.id });
  const proxied = await fetch(`${admin.proxyUrl}/lonely`);
  assert.equal(proxied.status, 200);
});

test('key-auth under a consumer: a generated key is shown once, never read back, and authenticates on the proxy', async () => {
  const consumer = (await admin.request('POST', '/consumers', { body: { username: 'ka-user' } })).body;
  const created = await admin.request('POST', '/consumers/ka-user/key-auth', {});
  assert.equal(created.status, 201, created.text);
  const key = created.body.key;
  assert.match(key, /^[0-9a-f]{32}$/);
  assert.deepEqual(created.body.consumer, { id: consumer.id });

  const chosen = await admin.request('POST', '/consumers/ka-user/key-auth', { body: { key: 'my-chosen-api-key-1' } });
  assert.equal(chosen.status, 201);
  assert.equal(chosen.body.key, undefined, 'a key the client chose is not echoed');

  for (const path of ['/consumers/ka-user/key-auth', '/key-auths', `/key-auths/${created.body.id}`, `/consumers/ka-user/key-auth/${created.body.id}`]) {
    const res = await admin.request('GET', path);
    assert.equal(res.status, 200, path);
    assert.ok(!res.text.includes(key) && !res.text.includes('my-chosen-api-key-1'), `${path} never shows a key`);
  }
  // Kong's endpoint key: the key itself names the credential
  assert.equal((await admin.request('GET', '/consumers/ka-user/key-auth/my-chosen-api-key-1')).body.id, chosen.body.id);
  assert.equal((await admin.request('GET', '/key-auths/my-chosen-api-key-1/consumer')).body.username, 'ka-user');

  await admin.request('POST', '/services', { body: { name: 'ka-svc', url: upstream.url } });
  await admin.request('POST', '/services/ka-svc/routes', { body: { name: 'ka-route', paths: ['/ka'] } });
  await admin.request('POST', '/routes/ka-route/plugins', { body: { name: 'key-auth' } });
  assert.equal((await fetch(`${admin.proxyUrl}/ka`)).status, 401);
  assert.equal((await fetch(`${admin.proxyUrl}/ka`, { headers: { apikey: key } })).status, 200);
  assert.equal((await fetch(`${admin.proxyUrl}/ka`, { headers: { apikey: 'my-chosen-api-key-1' } })).status, 200);

  // deleting the credential revokes it at once
  assert.equal((await admin.request('DELETE', `/consumers/ka-user/key-auth/${created.body.id}`)).status, 204);
  assert.equal((await fetch(`${admin.proxyUrl}/ka`, { headers: { apikey: key } })).status, 401);
});

test('jwt credentials and acls under a consumer, by id or endpoint key within it', async () => {
  await admin.request('POST', '/consumers', { body: { username: 'jwt-user' } });
  await admin.request('POST', '/consumers', { body: { username: 'jwt-other' } });
  const jwt = await admin.request('POST', '/consumers/jwt-user/jwt', { body: { key: 'issuer-a', secret: 'a-very-secret-hmac-value-0123456789' } });
  assert.equal(jwt.status, 201, jwt.text);
  assert.equal(jwt.body.secret, undefined);
  assert.equal(jwt.body.algorithm, 'HS256');
  const generated = await admin.request('POST', '/consumers/jwt-user/jwt', {});
  assert.match(generated.body.secret, /^[0-9a-f]{64}$/, 'a generated secret is shown in the create answer');
  const listed = await admin.request('GET', '/consumers/jwt-user/jwt');
  assert.equal(listed.body.data.length, 2);
  assert.ok(!listed.text.includes('a-very-secret-hmac-value') && !listed.text.includes(generated.body.secret));
  assert.equal((await admin.request('GET', '/consumers/jwt-user/jwt/issuer-a')).body.id, jwt.body.id);
  expectProblem(await admin.request('GET', '/consumers/jwt-other/jwt/issuer-a'), 404, 'ADMIN_NOT_FOUND');
  assert.equal((await admin.request('GET', '/jwts/issuer-a')).body.id, jwt.body.id);

  const acl = await admin.request('POST', '/consumers/jwt-user/acls', { body: { group: 'admins' } });
  assert.equal(acl.status, 201);
  assert.equal((await admin.request('GET', '/consumers/jwt-user/acls/admins')).body.id, acl.body.id);
  // PUT by endpoint key within the parent upserts
  const put = await admin.request('PUT', '/consumers/jwt-other/acls/admins', { body: { tags: ['t'] } });
  assert.equal(put.status, 200, put.text);
  assert.notEqual(put.body.id, acl.body.id);
  assert.equal(put.body.group, 'admins');
  const dup = expectProblem(await admin.request('POST', '/consumers/jwt-user/acls', { body: { group: 'admins' } }), 409, 'ADMIN_UNIQUE_VIOLATION');
  assert.ok(dup.fields);
  const top = await admin.request('GET', '/acls');
  assert.equal(top.body.data.filter((a: { group: string }) => a.group === 'admins').length, 2);
  // a nested PUT never moves another consumer's credential by id
  expectProblem(await admin.request('PUT', `/consumers/jwt-other/acls/${acl.body.id}`, { body: { group: 'moved' } }), 409, 'ADMIN_UNIQUE_VIOLATION');
});

test('plugins under a service, a route and a consumer; /plugins/enabled lists what is installed', async () => {
  await admin.request('POST', '/services', { body: { name: 'pl-svc', host: 'pl.internal' } });
  await admin.request('POST', '/services/pl-svc/routes', { body: { name: 'pl-route', paths: ['/pl'] } });
  await admin.request('POST', '/consumers', { body: { username: 'pl-user' } });
  const onService = await admin.request('POST', '/services/pl-svc/plugins', { body: { name: 'cors' } });
  assert.equal(onService.status, 201, onService.text);
  assert.ok(onService.body.service.id);
  const onRoute = await admin.request('POST', '/routes/pl-route/plugins', { body: { name: 'cors' } });
  assert.equal(onRoute.status, 201);
  const onConsumer = await admin.request('POST', '/consumers/pl-user/plugins', { body: { name: 'rate-limiting', config: { minute: 3 } } });
  assert.equal(onConsumer.status, 201);
  // a plugin that decides who the consumer is cannot be scoped to one
  const refused = expectProblem(await admin.request('POST', '/consumers/pl-user/plugins', { body: { name: 'key-auth' } }), 400, 'ADMIN_SCHEMA_VIOLATION');
  assert.ok(refused.fields.consumer);

  assert.deepEqual(
    (await admin.request('GET', '/services/pl-svc/plugins')).body.data.map((p: { id: string }) => p.id),
    [onService.body.id],
  );
  assert.deepEqual(
    (await admin.request('GET', '/routes/pl-route/plugins')).body.data.map((p: { id: string }) => p.id),
    [onRoute.body.id],
  );
  assert.deepEqual(
    (await admin.request('GET', '/consumers/pl-user/plugins')).body.data.map((p: { id: string }) => p.id),
    [onConsumer.body.id],
  );
  expectProblem(await admin.request('GET', `/routes/pl-route/plugins/${onService.body.id}`), 404, 'ADMIN_NOT_FOUND');
  assert.equal((await admin.request('GET', `/plugins/${onService.body.id}/service`)).body.name, 'pl-svc');
  // one plugin of a name per scope
  expectProblem(await admin.request('POST', '/services/pl-svc/plugins', { body: { name: 'cors' } }), 409, 'ADMIN_UNIQUE_VIOLATION');

  const enabled = await admin.request('GET', '/plugins/enabled');
  assert.ok(enabled.body.enabled_plugins.includes('key-auth'));
  assert.deepEqual(enabled.body.enabled_plugins, [...enabled.body.enabled_plugins].sort());
});

test('targets exist only under their upstream; the proxy balances to them', async () => {
  await admin.request('POST', '/upstreams', { body: { name: 'tg-up' } });
  const target = await admin.request('POST', '/upstreams/tg-up/targets', { body: { target: `127.0.0.1:${upstream.port}`, weight: 10 } });
  assert.equal(target.status, 201, target.text);
  assert.equal((await admin.request('GET', `/upstreams/tg-up/targets/127.0.0.1:${upstream.port}`)).body.id, target.body.id);
  assert.equal((await admin.request('GET', '/upstreams/tg-up/targets/all')).body.data.length, 1);
  expectProblem(await admin.request('GET', '/targets'), 404, 'ADMIN_NOT_FOUND');
  expectProblem(await admin.request('POST', '/upstreams/tg-up/targets', { body: { target: `127.0.0.1:${upstream.port}` } }), 409, 'ADMIN_UNIQUE_VIOLATION');

  await admin.request('POST', '/services', { body: { name: 'tg-svc', host: 'tg-up', port: 80 } });
  await admin.request('POST', '/services/tg-svc/routes', { body: { paths: ['/tg'] } });
  assert.equal((await fetch(`${admin.proxyUrl}/tg`)).status, 200);
  const patched = await admin.request('PATCH', `/upstreams/tg-up/targets/${target.body.id}`, { body: { weight: 0 } });
  assert.equal(patched.body.weight, 0);
  assert.equal((await fetch(`${admin.proxyUrl}/tg`)).status, 503, 'weight 0 takes the only target out');
});
