// key-auth over real sockets: where keys are found, what the upstream learns, Kong's refusals, ttl,
// anonymous fallback and the logical OR with another auth plugin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import type { TestUpstream } from '../../../test/helpers/upstream.ts';
import { startPluginGateway, type PluginGateway } from '../../../test/helpers/plugin-gateway.ts';
import { httpRequest } from '../../../test/helpers/http.ts';
import { json } from '../../../test/helpers/json.ts';
import { assertRefused } from '../../../test/helpers/refusal.ts';
import type { ErrorCode } from '../../errors/catalogue.ts';

const ALICE = { id: '6b0ad9c8-3b71-4c0e-9a34-5a1f0c9d2e01', username: 'alice', custom_id: 'a-1' };
const ALICE_KEY = { id: '0f3e2f6a-7f2d-4a8e-8d0e-2b7c9d1e4a10', key: 'alice-key' };
const GUEST = { id: '2d4c6e80-1a3b-4c5d-8e9f-0a1b2c3d4e5f', username: 'guest' };
const JWT_SECRET = 'a-jwt-secret-of-at-least-32-bytes-long!';
const now = Math.floor(Date.now() / 1000);

let upstream: TestUpstream;
let gw: PluginGateway;

before(async () => {
  const route = (name: string, config: Record<string, unknown> = {}, extra: Record<string, unknown>[] = []) => ({
    name,
    paths: [`/${name}`],
    plugins: [{ name: 'key-auth', config }, ...extra],
  });
  gw = await startPluginGateway({
    consumers: [
      { ...ALICE, keyauth_credentials: [ALICE_KEY], jwt_secrets: [{ key: 'alice-iss', secret: JWT_SECRET, algorithm: 'HS256' }] },
      { username: 'expired', keyauth_credentials: [{ key: 'old-key', ttl: 60, created_at: now - 3600 }] },
      { username: 'fresh', keyauth_credentials: [{ key: 'new-key', ttl: 3600, created_at: now - 60 }] },
      GUEST,
    ],
    routes: [
      route('default'),
      route('hidden', { hide_credentials: true, key_names: ['x-api-key', 'apikey'] }),
      route('header-only', { key_in_query: false }),
      route('query-only', { key_in_header: false }),
      route('realm', { realm: 'portcullis' }),
      route('anon', { anonymous: GUEST.username }),
      route('anon-missing', { anonymous: 'nobody' }),
      route('preflight', { run_on_preflight: false }),
      route('either', { anonymous: GUEST.id }, [{ name: 'jwt', config: { anonymous: GUEST.id } }]),
    ],
  });
  upstream = gw.upstream;
});

after(() => gw?.close());

/** Sends a request and returns the response plus what the upstream recorded (undefined when nothing arrived). */
async function send(path: string, headers: Record<string, string> = {}, method = 'GET') {
  const seen = upstream.requests.length;
  const res = await httpRequest(`${gw.url}${path}`, { method, headers });
  assert.ok(upstream.requests.length - seen <= 1);
  return { res, upstream: upstream.requests.at(seen) };
}

async function refused(path: string, headers: Record<string, string>, code: ErrorCode, message: string, challenge = 'Key') {
  const before = upstream.requests.length;
  const { res } = await send(path, headers);
  assertRefused(res, { status: 401, code, message, headers: { 'www-authenticate': challenge }, label: `${path} ${JSON.stringify(headers)}` }, upstream, before);
}

test("no key: 401 KEY_AUTH_MISSING with Kong's message and a Key challenge; the upstream sees nothing", async () => {
  await refused('/default', {}, 'KEY_AUTH_MISSING', 'No API key found in request');
  await refused('/default', { apikey: '' }, 'KEY_AUTH_MISSING', 'No API key found in request');
  await refused('/default?apikey=', {}, 'KEY_AUTH_MISSING', 'No API key found in request');
});

test('an unknown key: 401 KEY_AUTH_INVALID with Kong 3.x\'s "Unauthorized"', async () => {
  await refused('/default', { apikey: 'nope' }, 'KEY_AUTH_INVALID', 'Unauthorized');
  await refused('/default?apikey=nope', {}, 'KEY_AUTH_INVALID', 'Unauthorized');
});

test("a key in the header authenticates; the upstream gets Kong's identity headers", async () => {
  const { res, upstream: seen } = await send('/default/x', { apikey: ALICE_KEY.key, 'x-consumer-username': 'spoofed' });
  assert.ok(seen, 'proxied');
  assert.equal(res.status, 200);
  assert.equal(seen.headers['x-consumer-id'], ALICE.id);
  assert.equal(seen.headers['x-consumer-username'], 'alice');
  assert.equal(seen.headers['x-consumer-custom-id'], 'a-1');
  assert.equal(seen.headers['x-credential-identifier'], ALICE_KEY.id);
  assert.equal(seen.headers['x-anonymous-consumer'], undefined);
  assert.equal(seen.headers.apikey, ALICE_KEY.key, 'hide_credentials is off: the key goes upstream');
});

test('a key in the query string authenticates too', async () => {
  const { res, upstream: seen } = await send(`/default/x?a=1&apikey=${ALICE_KEY.key}`);
  assert.ok(seen, 'proxied');
  assert.equal(res.status, 200);
  assert.equal(seen.headers['x-consumer-id'], ALICE.id);
  assert.equal(seen.url, `/x?a=1&apikey=${ALICE_KEY.key}`);
});

test('per key name the header wins over the query, and the first name present is the one used', async () => {
  await refused(`/default?apikey=${ALICE_KEY.key}`, { apikey: 'wrong' }, 'KEY_AUTH_INVALID', 'Unauthorized');
  // key_names ['x-api-key', 'apikey']: an empty x-api-key is found first and stops the search
  await refused('/hidden', { 'x-api-key': '', apikey: ALICE_KEY.key }, 'KEY_AUTH_MISSING', 'No API key found in request');
  const second = await send('/hidden', { apikey: ALICE_KEY.key });
  assert.equal(second.res.status, 200);
});

test('the same key name twice in the query: 401 KEY_AUTH_DUPLICATE', async () => {
  await refused(`/default?apikey=${ALICE_KEY.key}&apikey=other`, {}, 'KEY_AUTH_DUPLICATE', 'Duplicate API key found');
});

test('hide_credentials strips the key header before proxying; other headers stay', async () => {
  const { res, upstream: seen } = await send('/hidden', { 'X-API-Key': ALICE_KEY.key, 'x-other': 'kept' });
  assert.ok(seen, 'proxied');
  assert.equal(res.status, 200);
  assert.equal(seen.headers['x-api-key'], undefined);
  assert.equal(seen.headers['x-other'], 'kept');
  assert.equal(seen.headers['x-consumer-id'], ALICE.id);
});

test('hide_credentials strips the key query parameter before proxying; the rest of the query keeps its bytes', async () => {
  // apikey twice (once percent-encoded) is a duplicate
  await refused(`/hidden?x=1&apikey=${ALICE_KEY.key}&y=%20z+w&api%6Bey=again&z`, {}, 'KEY_AUTH_DUPLICATE', 'Duplicate API key found');
  const ok = await send(`/hidden?x=1&apikey=${ALICE_KEY.key}&y=%20z+w&z`);
  assert.ok(ok.upstream, 'proxied');
  assert.equal(ok.res.status, 200);
  assert.equal(ok.upstream.url, '/?x=1&y=%20z+w&z');
  assert.equal(ok.upstream.headers['x-consumer-id'], ALICE.id);
  const only = await send(`/hidden?apikey=${ALICE_KEY.key}`);
  assert.ok(only.upstream, 'proxied');
  assert.equal(only.upstream.url, '/');
});

test('key_in_query / key_in_header false ignore keys in that place', async () => {
  await refused(`/header-only?apikey=${ALICE_KEY.key}`, {}, 'KEY_AUTH_MISSING', 'No API key found in request');
  assert.equal((await send('/header-only', { apikey: ALICE_KEY.key })).res.status, 200);
  await refused('/query-only', { apikey: ALICE_KEY.key }, 'KEY_AUTH_MISSING', 'No API key found in request');
  assert.equal((await send(`/query-only?apikey=${ALICE_KEY.key}`)).res.status, 200);
});

test('realm goes into the WWW-Authenticate challenge', async () => {
  await refused('/realm', {}, 'KEY_AUTH_MISSING', 'No API key found in request', 'Key realm="portcullis"');
  await refused('/realm', { apikey: 'nope' }, 'KEY_AUTH_INVALID', 'Unauthorized', 'Key realm="portcullis"');
});

test('a credential past its ttl (seconds since created_at) is refused; one within it passes', async () => {
  await refused('/default', { apikey: 'old-key' }, 'KEY_AUTH_INVALID', 'Unauthorized');
  const { res, upstream: seen } = await send('/default', { apikey: 'new-key' });
  assert.ok(seen, 'proxied');
  assert.equal(res.status, 200);
  assert.equal(seen.headers['x-consumer-username'], 'fresh');
});

test('anonymous: a missing or wrong key proxies as the anonymous consumer; a good key still authenticates', async () => {
  for (const headers of [{}, { apikey: 'nope' }] as Record<string, string>[]) {
    const { res, upstream: seen } = await send('/anon', headers);
    assert.ok(seen, 'proxied');
    assert.equal(res.status, 200);
    assert.equal(seen.headers['x-consumer-id'], GUEST.id);
    assert.equal(seen.headers['x-consumer-username'], 'guest');
    assert.equal(seen.headers['x-anonymous-consumer'], 'true');
    assert.equal(seen.headers['x-credential-identifier'], undefined);
  }
  const { upstream: seen } = await send('/anon', { apikey: ALICE_KEY.key });
  assert.ok(seen, 'proxied');
  assert.equal(seen.headers['x-consumer-id'], ALICE.id);
  assert.equal(seen.headers['x-anonymous-consumer'], undefined);
});

test('an anonymous consumer that does not exist is a 500, never a silent pass', async () => {
  const before = upstream.requests.length;
  assertRefused(
    (await send('/anon-missing')).res,
    { status: 500, code: 'ANONYMOUS_CONSUMER_MISSING', message: "anonymous consumer nobody is configured but doesn't exist" },
    upstream,
    before,
  );
  assert.equal((await send('/anon-missing', { apikey: ALICE_KEY.key })).res.status, 200);
});

test('run_on_preflight false lets OPTIONS through unauthenticated; by default OPTIONS needs a key', async () => {
  const { res, upstream: seen } = await send('/preflight', {}, 'OPTIONS');
  assert.ok(seen, 'proxied');
  assert.equal(res.status, 200);
  assert.equal(seen.headers['x-consumer-id'], undefined);
  assert.equal((await send('/preflight')).res.status, 401);
  assert.equal((await send('/default', {}, 'OPTIONS')).res.status, 401);
});

test('logical OR with jwt: either credential authenticates, neither falls back to anonymous', async () => {
  const token = await new SignJWT({ iss: 'alice-iss' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(JWT_SECRET));
  const viaJwt = await send('/either', { authorization: `Bearer ${token}` });
  assert.ok(viaJwt.upstream, 'proxied');
  assert.equal(viaJwt.res.status, 200);
  assert.equal(viaJwt.upstream.headers['x-consumer-id'], ALICE.id);
  assert.equal(viaJwt.upstream.headers['x-anonymous-consumer'], undefined);
  assert.equal(viaJwt.upstream.headers.authorization, `Bearer ${token}`);

  const viaKey = await send('/either', { apikey: ALICE_KEY.key });
  assert.ok(viaKey.upstream, 'proxied');
  assert.equal(viaKey.res.status, 200);
  assert.equal(viaKey.upstream.headers['x-credential-identifier'], ALICE_KEY.id);
  assert.equal(viaKey.upstream.headers['x-anonymous-consumer'], undefined);

  const neither = await send('/either');
  assert.ok(neither.upstream, 'proxied');
  assert.equal(neither.res.status, 200);
  assert.equal(neither.upstream.headers['x-anonymous-consumer'], 'true');
  assert.equal(neither.upstream.headers['x-consumer-id'], GUEST.id);
});

test('the problem body carries the request id and the documented code', async () => {
  const res = await fetch(`${gw.url}/default`);
  const body: unknown = await json(res);
  assert.ok(typeof body === 'object' && body !== null && 'status' in body && 'type' in body && 'request_id' in body, JSON.stringify(body));
  assert.equal(body.status, 401);
  assert.equal(body.type, 'https://portcullis.dev/errors#KEY_AUTH_MISSING');
  assert.equal(typeof body.request_id, 'string');
});
