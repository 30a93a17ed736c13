// acl over real sockets, behind key-auth: allow and deny lists, the groups header, Kong's 401/403, the
// anonymous consumer, and per-group method restrictions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestUpstream } from '../../../test/helpers/upstream.ts';
import { startPluginGateway, type PluginGateway } from '../../../test/helpers/plugin-gateway.ts';
import { httpRequest } from '../../../test/helpers/http.ts';
import { assertRefused } from '../../../test/helpers/refusal.ts';
import type { ErrorCode } from '../../errors/catalogue.ts';

let upstream: TestUpstream;
let gw: PluginGateway;

const consumer = (username: string, groups: string[]) => ({
  username,
  keyauth_credentials: [{ key: `${username}-key` }],
  acls: groups.map((group) => ({ group })),
});

before(async () => {
  const route = (name: string, acl: Record<string, unknown>, keyAuth: Record<string, unknown> | null = {}) => ({
    name,
    paths: [`/${name}`],
    plugins: [...(keyAuth ? [{ name: 'key-auth', config: keyAuth }] : []), { name: 'acl', config: acl }],
  });
  gw = await startPluginGateway({
    consumers: [
      consumer('admin', ['admin']),
      consumer('partner', ['partners']),
      consumer('mixed', ['partners', 'readers']),
      consumer('loner', []),
      consumer('guest', ['anonymous']),
    ],
    routes: [
      route('allow-admin', { allow: ['admin'] }),
      route('deny-admin', { deny: ['admin'] }),
      route('hidden', { allow: ['admin'], hide_groups_header: true }),
      route('methods', { allow: ['admin', 'partners', 'readers'], group_methods: { partners: ['GET', 'HEAD'] } }),
      route('deny-methods', { deny: ['banned'], group_methods: { partners: ['GET'] } }),
      route('no-auth', { allow: ['admin'] }, null),
      route('anon', { allow: ['anonymous'] }, { anonymous: 'guest' }),
    ],
  });
  upstream = gw.upstream;
});

after(() => gw?.close());

async function send(path: string, who: string | null, method = 'GET', extra: Record<string, string> = {}) {
  const seen = upstream.requests.length;
  const res = await httpRequest(`${gw.url}${path}`, { method, headers: { ...(who ? { apikey: `${who}-key` } : {}), ...extra } });
  return { res, upstream: upstream.requests.at(seen) };
}

async function assertPasses(path: string, who: string | null, method = 'GET') {
  const result = await send(path, who, method);
  assert.equal(result.res.status, 200, `${who} ${method} ${path}: ${result.res.body}`);
  assert.ok(result.upstream, 'the upstream got the request');
  return result.upstream;
}

async function refused(path: string, who: string | null, status: number, code: ErrorCode, message: string, method = 'GET') {
  const before = upstream.requests.length;
  const { res } = await send(path, who, method);
  assertRefused(res, { status, code, message, label: `${who} ${method} ${path}` }, upstream, before);
}

const FORBIDDEN = 'You cannot consume this service';

test('allow: members pass with X-Consumer-Groups upstream; others get 403 ACL_FORBIDDEN', async () => {
  const seen = await assertPasses('/allow-admin', 'admin');
  assert.equal(seen.headers['x-consumer-groups'], 'admin');
  await refused('/allow-admin', 'partner', 403, 'ACL_FORBIDDEN', FORBIDDEN);
  await refused('/allow-admin', 'loner', 403, 'ACL_FORBIDDEN', FORBIDDEN);
});

test('deny: members get 403; others pass, all their groups joined by ", " upstream', async () => {
  await refused('/deny-admin', 'admin', 403, 'ACL_FORBIDDEN', FORBIDDEN);
  assert.equal((await assertPasses('/deny-admin', 'mixed')).headers['x-consumer-groups'], 'partners, readers');
  // Kong sends the header even for a consumer in no group: empty
  assert.equal((await assertPasses('/deny-admin', 'loner')).headers['x-consumer-groups'], '');
});

test('hide_groups_header keeps the groups from the upstream, and a client cannot forge them', async () => {
  const { res, upstream: seen } = await send('/hidden', 'admin', 'GET', { 'x-consumer-groups': 'forged' });
  assert.ok(seen, 'proxied');
  assert.equal(res.status, 200);
  assert.equal(seen.headers['x-consumer-groups'], undefined);
});

test('no authenticated consumer: 401 ACL_NO_CONSUMER "Unauthorized" (Kong 3.x)', async () => {
  await refused('/no-auth', null, 401, 'ACL_NO_CONSUMER', 'Unauthorized');
  await refused('/no-auth', 'admin', 401, 'ACL_NO_CONSUMER', 'Unauthorized');
});

test('the anonymous consumer is judged by its own groups', async () => {
  assert.equal((await assertPasses('/anon', null)).headers['x-consumer-groups'], 'anonymous');
  await refused('/anon', 'admin', 403, 'ACL_FORBIDDEN', FORBIDDEN);
});

test('group_methods: a partner may GET and HEAD but not write: 403 ACL_METHOD_FORBIDDEN', async () => {
  await assertPasses('/methods', 'partner', 'GET');
  await assertPasses('/methods', 'partner', 'HEAD');
  for (const method of ['POST', 'DELETE', 'PATCH']) {
    await refused('/methods', 'partner', 403, 'ACL_METHOD_FORBIDDEN', FORBIDDEN, method);
  }
});

test('group_methods: another granting group without an entry lifts the restriction; unlisted groups stay out', async () => {
  await assertPasses('/methods', 'mixed', 'POST'); // partners (GET, HEAD) + readers (any method)
  await assertPasses('/methods', 'admin', 'DELETE');
  await refused('/methods', 'loner', 403, 'ACL_FORBIDDEN', FORBIDDEN);
});

test('group_methods with a deny list restricts the groups that have an entry', async () => {
  await assertPasses('/deny-methods', 'partner', 'GET');
  await refused('/deny-methods', 'partner', 403, 'ACL_METHOD_FORBIDDEN', FORBIDDEN, 'POST');
  await assertPasses('/deny-methods', 'mixed', 'POST');
  await assertPasses('/deny-methods', 'loner', 'POST');
});
