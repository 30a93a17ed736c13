// acl over real sockets, behind key-auth: allow and deny lists, the groups header, Kong's 401/403, the
// anonymous consumer, and per-group method restrictions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startUpstream, type TestUpstream } from '../../../test/helpers/upstream.ts';
import { startGateway, type TestGateway } from '../../../test/helpers/gateway.ts';
import { httpRequest } from '../../../test/helpers/http.ts';

let upstream: TestUpstream;
let gw: TestGateway;

const consumer = (username: string, groups: string[]) => ({
  username,
  keyauth_credentials: [{ key: `${username}-key` }],
  acls: groups.map((group) => ({ group })),
});

before(async () => {
  upstream = await startUpstream();
  const route = (name: string, acl: Record<string, unknown>, keyAuth: Record<string, unknown> | null = {}) => ({
    name,
    paths: [`/${name}`],
    plugins: [...(keyAuth ? [{ name: 'key-auth', config: keyAuth }] : []), { name: 'acl', config: acl }],
  });
  gw = await startGateway({
    _format_version: '3.0',
    consumers: [
      consumer('admin', ['admin']),
      consumer('partner', ['partners']),
      consumer('mixed', ['partners', 'readers']),
      consumer('loner', []),
      consumer('guest', ['anonymous']),
    ],
    services: [{
      name: 'svc',
      url: upstream.url,
      routes: [
        route('allow-admin', { allow: ['admin'] }),
        route('deny-admin', { deny: ['admin'] }),
        route('hidden', { allow: ['admin'], hide_groups_header: true }),
        route('methods', { allow: ['admin', 'partners', 'readers'], group_methods: { partners: ['GET', 'HEAD'] } }),
        route('deny-methods', { deny: ['banned'], group_methods: { partners: ['GET'] } }),
        route('no-auth', { allow: ['admin'] }, null),
        route('anon', { allow: ['anonymous'] }, { anonymous: 'guest' }),
      ],
    }],
  });
});

after(async () => {
  await gw.close();
  await upstream.close();
});

async function send(path: string, who: string | null, method = 'GET', extra: Record<string, string> = {}) {
  const seen = upstream.requests.length;
  const res = await httpRequest(`${gw.url}${path}`, { method, headers: { ...(who ? { apikey: `${who}-key` } : {}), ...extra } });
  return { res, body: res.body ? JSON.parse(res.body) : undefined, upstream: upstream.requests[seen] };
}

async function assertPasses(path: string, who: string | null, method = 'GET') {
  const result = await send(path, who, method);
  assert.equal(result.res.status, 200, `${who} ${method} ${path}: ${result.res.body}`);
  assert.ok(result.upstream, 'the upstream got the request');
  return result.upstream;
}

async function assertRefused(path: string, who: string | null, status: number, code: string, message: string, method = 'GET') {
  const { res, body, upstream: reached } = await send(path, who, method);
  assert.equal(res.status, status, `${who} ${method} ${path}`);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  assert.equal(body.code, code);
  assert.equal(body.message, message);
  assert.equal(reached, undefined, 'nothing reaches the upstream');
}

const FORBIDDEN = 'You cannot consume this service';

test('allow: members pass with X-Consumer-Groups upstream; others get 403 ACL_FORBIDDEN', async () => {
  const seen = await assertPasses('/allow-admin', 'admin');
  assert.equal(seen.headers['x-consumer-groups'], 'admin');
  await assertRefused('/allow-admin', 'partner', 403, 'ACL_FORBIDDEN', FORBIDDEN);
  await assertRefused('/allow-admin', 'loner', 403, 'ACL_FORBIDDEN', FORBIDDEN);
});

test('deny: members get 403; others pass, all their groups joined by ", " upstream', async () => {
  await assertRefused('/deny-admin', 'admin', 403, 'ACL_FORBIDDEN', FORBIDDEN);
  assert.equal((await assertPasses('/deny-admin', 'mixed')).headers['x-consumer-groups'], 'partners, readers');
  assert.equal((await assertPasses('/deny-admin', 'loner')).headers['x-consumer-groups'], undefined);
});

test('hide_groups_header keeps the groups from the upstream, and a client cannot forge them', async () => {
  const { res, upstream: seen } = await send('/hidden', 'admin', 'GET', { 'x-consumer-groups': 'forged' });
  assert.equal(res.status, 200);
  assert.equal(seen.headers['x-consumer-groups'], undefined);
});

test('no authenticated consumer: 401 ACL_NO_CONSUMER "Unauthorized" (Kong 3.x)', async () => {
  await assertRefused('/no-auth', null, 401, 'ACL_NO_CONSUMER', 'Unauthorized');
  await assertRefused('/no-auth', 'admin', 401, 'ACL_NO_CONSUMER', 'Unauthorized');
});

test('the anonymous consumer is judged by its own groups', async () => {
  assert.equal((await assertPasses('/anon', null)).headers['x-consumer-groups'], 'anonymous');
  await assertRefused('/anon', 'admin', 403, 'ACL_FORBIDDEN', FORBIDDEN);
});

test('group_methods: a partner may GET and HEAD but not write: 403 ACL_METHOD_FORBIDDEN', async () => {
  await assertPasses('/methods', 'partner', 'GET');
  await assertPasses('/methods', 'partner', 'HEAD');
  for (const method of ['POST', 'DELETE', 'PATCH']) {
    await assertRefused('/methods', 'partner', 403, 'ACL_METHOD_FORBIDDEN', FORBIDDEN, method);
  }
});

test('group_methods: another granting group without an entry lifts the restriction; unlisted groups stay out', async () => {
  await assertPasses('/methods', 'mixed', 'POST'); // partners (GET, HEAD) + readers (any method)
  await assertPasses('/methods', 'admin', 'DELETE');
  await assertRefused('/methods', 'loner', 403, 'ACL_FORBIDDEN', FORBIDDEN);
});

test('group_methods with a deny list restricts the groups that have an entry', async () => {
  await assertPasses('/deny-methods', 'partner', 'GET');
  await assertRefused('/deny-methods', 'partner', 403, 'ACL_METHOD_FORBIDDEN', FORBIDDEN, 'POST');
  await assertPasses('/deny-methods', 'mixed', 'POST');
  await assertPasses('/deny-methods', 'loner', 'POST');
});
