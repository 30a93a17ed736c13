// The access phase's verified-token cache: a repeat token is served without re-verification (same
// frozen claims object), for HS256 and ES256 alike, yet exp is still enforced, failures are never
// cached, and a new plugin instance (config change) starts empty.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestContext } from '../../gateway/context.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import plugin from './index.ts';
import type { JwtConfig } from './schema.ts';
import { directory, jwtConfig, keyPair, nowS, pluginEnv, signToken } from '../../../test/plugins/jwt/test-support.ts';

const SECRET = 'cache-test-secret-0123456789abcdef';
const es = keyPair('ES256');
const alice = { id: '9c7d3d0e-1111-4e0a-9d55-000000000001', username: 'alice' };
const consumers = directory(
  [alice],
  [
    { key: 'alice-hs', consumerId: alice.id, algorithm: 'HS256', secret: SECRET },
    { key: 'alice-es', consumerId: alice.id, algorithm: 'ES256', rsa_public_key: es.publicPem },
  ],
);

function handler(overrides: Partial<JwtConfig> = {}) {
  return plugin.create(jwtConfig(overrides), pluginEnv(consumers));
}

function request(token: string): RequestContext {
  return new RequestContext({
    id: 'r',
    method: 'GET',
    path: '/',
    querystring: '',
    headers: { authorization: `Bearer ${token}` },
    clientIp: '127.0.0.1',
    scheme: 'http',
    host: 'x',
  });
}

function run(h: ReturnType<typeof handler>, token: string): RequestContext {
  const ctx = request(token);
  const result = h.access!(ctx);
  assert.equal(result, undefined, 'credential tokens never make the access phase async');
  return ctx;
}

test('a repeated token is served from the cache, HS256 and ES256 alike', () => {
  const h = handler({ claims_to_verify: ['exp'] });
  for (const token of [
    signToken({ alg: 'HS256' }, { iss: 'alice-hs', exp: nowS() + 60 }, SECRET),
    signToken({ alg: 'ES256' }, { iss: 'alice-es', exp: nowS() + 60 }, es.privateKey),
  ]) {
    const first = run(h, token);
    const second = run(h, token);
    assert.equal(first.consumer?.id, alice.id);
    assert.equal(second.consumer?.id, alice.id);
    // The very same frozen claims object: the second request did not decode or verify anything.
    assert.equal(second.credential?.claims, first.credential?.claims);
    assert.equal(second.credential, first.credential);
    assert.equal(second.shared.authenticated_jwt_token, token);
    assert.equal(second.headers['x-consumer-id'], alice.id);
  }
});

test('a new plugin instance (a config change) forgets every cached verdict', () => {
  const token = signToken({ alg: 'HS256' }, { iss: 'alice-hs' }, SECRET);
  const a = run(handler(), token);
  const b = run(handler(), token);
  assert.notEqual(b.credential?.claims, a.credential?.claims);
});

test('verified_token_cache_size 0 verifies every time', () => {
  const h = handler({ verified_token_cache_size: 0 });
  const token = signToken({ alg: 'HS256' }, { iss: 'alice-hs' }, SECRET);
  assert.notEqual(run(h, token).credential?.claims, run(h, token).credential?.claims);
});

test('a cached token is refused the second its exp passes', async () => {
  const h = handler({ claims_to_verify: ['exp'] });
  const exp = nowS() + 1;
  const token = signToken({ alg: 'HS256' }, { iss: 'alice-hs', exp }, SECRET);
  run(h, token);
  run(h, token);
  await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 20));
  assert.throws(
    () => run(h, token),
    (err: unknown) => err instanceof GatewayError && err.code === 'JWT_EXPIRED',
  );
});

test('failures are not cached: a refused token is refused again with the same verdict', () => {
  const h = handler();
  const token = signToken({ alg: 'HS256' }, { iss: 'alice-hs' }, 'wrong');
  for (let i = 0; i < 3; i++) {
    assert.throws(
      () => run(h, token),
      (err: unknown) => err instanceof GatewayError && err.code === 'JWT_INVALID_SIGNATURE',
    );
  }
});

test("a refusal carries Kong's WWW-Authenticate challenge, with a quoted realm", () => {
  const h = handler({ realm: 'say "hi"' });
  assert.throws(
    () => run(h, 'x.y.z'),
    (err: unknown) => err instanceof GatewayError && err.headers?.['WWW-Authenticate'] === 'Bearer realm="say \\"hi\\"", error="invalid_token"',
  );
});
