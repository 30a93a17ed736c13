// jwt over real sockets: Kong 3.x fields and refusals (status, code, message, WWW-Authenticate),
// identity headers upstream, anonymous and logical OR, every algorithm family, and that a refused
// request never reaches the upstream.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestUpstream } from '../../../test/helpers/upstream.ts';
import { startPluginGateway, type PluginGateway } from '../../../test/helpers/plugin-gateway.ts';
import { httpRequest, type SimpleResponse } from '../../../test/helpers/http.ts';
import { assertRefused } from '../../../test/helpers/refusal.ts';
import type { ErrorCode } from '../../errors/catalogue.ts';
import { b64, keyPair, nowS, signToken, type KeyPair } from '../../../test/plugins/jwt/test-support.ts';

const SECRET = 'alice-shared-secret-0123456789abcdef';
const B64_RAW = Buffer.from('thirty-two-or-more-bytes-behind-base64');
const alice = { id: '0d9a1c4e-94c4-4f0c-8a9e-5d1f6f6b0a01', username: 'alice', custom_id: 'cust-alice' };
const bob = { id: '0d9a1c4e-94c4-4f0c-8a9e-5d1f6f6b0a02', username: 'bob' };
const guest = { id: '0d9a1c4e-94c4-4f0c-8a9e-5d1f6f6b0a03', username: 'guest' };
const ASYM = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
const pairs = Object.fromEntries(ASYM.map((alg) => [alg, keyPair(alg)])) as Record<(typeof ASYM)[number], KeyPair>;

let upstream: TestUpstream;
let gw: PluginGateway;

const jwtRoute = (name: string, config: Record<string, unknown> = {}, extra: Record<string, unknown>[] = []) => ({
  name,
  paths: [`/${name}`],
  plugins: [{ name: 'jwt', config }, ...extra],
});

before(async () => {
  gw = await startPluginGateway({
    routes: [
      jwtRoute('kong'),
      jwtRoute('claims', { claims_to_verify: ['exp', 'nbf'] }),
      jwtRoute('maxexp', { claims_to_verify: ['exp'], maximum_expiration: 600 }),
      jwtRoute('anon', { anonymous: guest.username }),
      jwtRoute('anon-missing', { anonymous: 'no-such-consumer' }),
      jwtRoute('realm', { realm: 'orders' }),
      jwtRoute('nopreflight', { run_on_preflight: false }),
      jwtRoute('sources', { uri_param_names: ['token'], cookie_names: ['session'], header_names: ['x-jwt'] }),
      jwtRoute('b64', { secret_is_base64: true }),
      jwtRoute('subclaim', { key_claim_name: 'sub' }),
      jwtRoute('small', { max_token_size: 256 }),
      jwtRoute('only-es', { allowed_algorithms: ['ES256'] }),
      jwtRoute('or', { anonymous: guest.id }, [{ name: 'key-auth', config: { anonymous: guest.id } }]),
    ],
    consumers: [
      {
        ...alice,
        jwt_secrets: [
          { key: 'alice-hs256', algorithm: 'HS256', secret: SECRET },
          ...ASYM.map((alg) => ({ key: `alice-${alg}`, algorithm: alg, rsa_public_key: pairs[alg].publicPem })),
        ],
        keyauth_credentials: [{ key: 'alice-api-key' }],
      },
      { ...bob, jwt_secrets: [{ key: 'bob-b64', algorithm: 'HS256', secret: B64_RAW.toString('base64') }] },
      guest,
    ],
  });
  upstream = gw.upstream;
});

after(() => gw?.close());

const hs = (claims: Record<string, unknown>, secret: string | Buffer = SECRET, alg = 'HS256') => signToken({ alg, typ: 'JWT' }, claims, secret);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<SimpleResponse> {
  return httpRequest(`${gw.url}${path}`, { method, headers });
}

/** Sends a request that must be refused, and checks the refusal and that the upstream saw nothing. */
async function refused(path: string, headers: Record<string, string>, code: ErrorCode, message: string, challenge = 'Bearer error="invalid_token"') {
  const before = upstream.requests.length;
  const res = await get(path, headers);
  return assertRefused(res, { status: 401, code, message, headers: { 'www-authenticate': challenge }, label: path }, upstream, before);
}

/** Sends a request that must pass, and returns the headers the upstream received. */
async function passed(path: string, headers: Record<string, string>, method = 'GET') {
  const before = upstream.requests.length;
  const res = await get(path, headers, method);
  assert.equal(res.status, 200, `${path}: ${res.body}`);
  assert.equal(upstream.requests.length, before + 1);
  const last = upstream.requests.at(-1);
  assert.ok(last);
  return last.headers;
}

test("a valid HS256 token passes with Kong's identity headers upstream", async () => {
  const seen = await passed('/kong', bearer(hs({ iss: 'alice-hs256' })));
  assert.equal(seen['x-consumer-id'], alice.id);
  assert.equal(seen['x-consumer-username'], 'alice');
  assert.equal(seen['x-consumer-custom-id'], 'cust-alice');
  assert.equal(seen['x-credential-identifier'], 'alice-hs256');
  assert.equal(seen['x-anonymous-consumer'], undefined);
});

test('identity headers sent by the client never reach the upstream', async () => {
  const spoof = {
    'x-consumer-username': 'admin',
    'x-consumer-id': 'spoofed',
    'x-consumer-custom-id': 'spoofed',
    'x-credential-identifier': 'spoofed',
    'x-anonymous-consumer': 'false',
  };
  const seen = await passed('/kong', { ...spoof, ...bearer(hs({ iss: 'alice-hs256' })) });
  assert.equal(seen['x-consumer-username'], 'alice');
  assert.equal(seen['x-consumer-id'], alice.id);
  assert.equal(seen['x-credential-identifier'], 'alice-hs256');
  assert.equal(seen['x-anonymous-consumer'], undefined);
  const anon = await passed('/anon', spoof);
  assert.equal(anon['x-consumer-username'], 'guest');
  assert.equal(anon['x-consumer-custom-id'], undefined);
  assert.equal(anon['x-credential-identifier'], undefined);
});

test('RS, PS, ES and EdDSA credentials pass with their public keys', async () => {
  for (const alg of ASYM) {
    const seen = await passed('/kong', bearer(signToken({ alg }, { iss: `alice-${alg}` }, pairs[alg].privateKey)));
    assert.equal(seen['x-credential-identifier'], `alice-${alg}`, alg);
  }
});

test('no token: 401 Unauthorized with a bare Bearer challenge', async () => {
  await refused('/kong', {}, 'UNAUTHORIZED', 'Unauthorized', 'Bearer');
  await refused('/kong', { authorization: 'Basic YWxpY2U6cHc=' }, 'UNAUTHORIZED', 'Unauthorized', 'Bearer');
  await refused('/realm', {}, 'UNAUTHORIZED', 'Unauthorized', 'Bearer realm="orders"');
  await refused('/realm', bearer('garbage'), 'JWT_MALFORMED', 'Bad token; invalid JSON', 'Bearer realm="orders", error="invalid_token"');
});

test("each refusal class answers Kong's message and forwards nothing", async () => {
  const now = nowS();
  const token = hs({ iss: 'alice-hs256' });
  const [h, p, s] = token.split('.');
  await refused('/kong', bearer('not.a.jwt'), 'JWT_MALFORMED', 'Bad token; invalid JSON');
  await refused('/kong', bearer(`${h}.${p}`), 'JWT_MALFORMED', 'Bad token; invalid JSON');
  await refused('/kong', bearer(`${h}.${p}.${s}.x`), 'JWT_MALFORMED', 'Bad token; invalid signature');
  await refused('/kong', bearer(`${b64('{alg:HS256}')}.${p}.${s}`), 'JWT_MALFORMED', 'Bad token; invalid JSON');
  await refused('/kong', bearer(`${h}.${p}.${s}%%`), 'JWT_MALFORMED', 'Bad token; invalid signature');
  for (const alg of ['none', 'None', 'NONE']) {
    await refused('/kong', bearer(`${b64({ alg, typ: 'JWT' })}.${p}.`), 'JWT_INVALID_ALGORITHM', 'Bad token; invalid alg');
  }
  await refused(
    '/kong',
    bearer(signToken({ alg: 'HS256', crit: ['b64'], b64: false }, { iss: 'alice-hs256' }, SECRET)),
    'JWT_MALFORMED',
    'Bad token; unsupported crit header',
  );
  await refused('/kong', bearer(hs({ sub: 'x' })), 'JWT_MISSING_KEY_CLAIM', "No mandatory 'iss' in claims");
  await refused('/subclaim', bearer(hs({ iss: 'alice-hs256' })), 'JWT_MISSING_KEY_CLAIM', "No mandatory 'sub' in claims");
  await refused('/kong', bearer(hs({ iss: 'nobody' })), 'JWT_NO_CREDENTIAL', "No credentials found for given 'iss'");
  await refused('/subclaim', bearer(hs({ sub: 'nobody' })), 'JWT_NO_CREDENTIAL', "No credentials found for given 'sub'");
  await refused('/kong', bearer(hs({ iss: 'alice-hs256' }, 'wrong-secret')), 'JWT_INVALID_SIGNATURE', 'Invalid signature');
  // HS256 "signed" with the RS256 credential's public key: the credential pins RS256
  await refused('/kong', bearer(hs({ iss: 'alice-RS256' }, pairs.RS256.publicPem)), 'JWT_INVALID_ALGORITHM', 'Invalid algorithm');
  await refused('/kong', bearer(hs({ iss: 'alice-hs256' }, SECRET, 'HS512')), 'JWT_INVALID_ALGORITHM', 'Invalid algorithm');
  await refused('/only-es', bearer(token), 'JWT_INVALID_ALGORITHM', 'Invalid algorithm');
  await refused('/claims', bearer(hs({ iss: 'alice-hs256', exp: now - 10, nbf: now - 20 })), 'JWT_EXPIRED', 'token expired');
  await refused('/claims', bearer(hs({ iss: 'alice-hs256', exp: now + 60, nbf: now + 30 })), 'JWT_NOT_YET_VALID', 'token not valid yet');
  await refused('/claims', bearer(hs({ iss: 'alice-hs256', nbf: now - 20 })), 'JWT_CLAIM_INVALID', 'must be a number');
  await refused('/maxexp', bearer(hs({ iss: 'alice-hs256', exp: now + 3600 })), 'JWT_EXPIRATION_TOO_LONG', 'exceeds maximum allowed expiration');
  await refused('/small', bearer(hs({ iss: 'alice-hs256', pad: 'x'.repeat(300) })), 'JWT_TOO_LARGE', 'Bad token; too large');
});

test('two distinct tokens in one request are refused; the same token twice is fine', async () => {
  const a = hs({ iss: 'alice-hs256' });
  const b = hs({ iss: 'alice-hs256', jti: 'other' });
  await refused(`/kong?jwt=${b}`, bearer(a), 'JWT_MULTIPLE_TOKENS', 'Multiple tokens provided');
  await passed(`/kong?jwt=${a}`, bearer(a));
});

test('claims_to_verify and maximum_expiration accept tokens inside their limits', async () => {
  const now = nowS();
  await passed('/claims', bearer(hs({ iss: 'alice-hs256', exp: now + 60, nbf: now - 60 })));
  await passed('/maxexp', bearer(hs({ iss: 'alice-hs256', exp: now + 500 })));
  // not configured, not checked (Kong's default)
  await passed('/kong', bearer(hs({ iss: 'alice-hs256', exp: now - 3600 })));
});

test('query, cookie and custom header sources; unconfigured sources are ignored', async () => {
  const token = hs({ iss: 'alice-hs256' });
  await passed('/kong?jwt=' + token, {});
  await passed('/sources?token=' + token, {});
  await passed('/sources', { cookie: `a=b; session=${token}` });
  await passed('/sources', { 'x-jwt': `Bearer ${token}` });
  await refused('/sources', bearer(token), 'UNAUTHORIZED', 'Unauthorized', 'Bearer');
  await refused('/sources?jwt=' + token, {}, 'UNAUTHORIZED', 'Unauthorized', 'Bearer');
});

test('secret_is_base64 verifies with the decoded secret', async () => {
  assert.equal((await passed('/b64', bearer(hs({ iss: 'bob-b64' }, B64_RAW))))['x-consumer-id'], bob.id);
  await refused('/b64', bearer(hs({ iss: 'bob-b64' }, B64_RAW.toString('base64'))), 'JWT_INVALID_SIGNATURE', 'Invalid signature');
});

test('anonymous: failures fall back to the anonymous consumer; success still wins', async () => {
  for (const headers of [{}, bearer('garbage'), bearer(hs({ iss: 'alice-hs256' }, 'wrong'))]) {
    const seen = await passed('/anon', headers);
    assert.equal(seen['x-consumer-id'], guest.id);
    assert.equal(seen['x-consumer-username'], 'guest');
    assert.equal(seen['x-anonymous-consumer'], 'true');
    assert.equal(seen['x-credential-identifier'], undefined);
  }
  const seen = await passed('/anon', bearer(hs({ iss: 'alice-hs256' })));
  assert.equal(seen['x-consumer-id'], alice.id);
  assert.equal(seen['x-anonymous-consumer'], undefined);
});

test('an anonymous consumer that does not exist is a 500, as in Kong', async () => {
  const before = upstream.requests.length;
  assertRefused(
    await get('/anon-missing', {}),
    { status: 500, code: 'ANONYMOUS_CONSUMER_MISSING', message: "anonymous consumer no-such-consumer is configured but doesn't exist" },
    upstream,
    before,
  );
});

test('logical OR with key-auth: either credential is enough', async () => {
  const byKey = await passed('/or', { apikey: 'alice-api-key' });
  assert.equal(byKey['x-consumer-id'], alice.id);
  assert.equal(byKey['x-anonymous-consumer'], undefined);
  const byJwt = await passed('/or', bearer(hs({ iss: 'alice-hs256' })));
  assert.equal(byJwt['x-credential-identifier'], 'alice-hs256');
  const neither = await passed('/or', {});
  assert.equal(neither['x-consumer-id'], guest.id);
  assert.equal(neither['x-anonymous-consumer'], 'true');
});

test('run_on_preflight: false lets OPTIONS through unauthenticated', async () => {
  await passed('/nopreflight', {}, 'OPTIONS');
  const res = await get('/kong', {}, 'OPTIONS');
  assert.equal(res.status, 401);
  await refused('/nopreflight', {}, 'UNAUTHORIZED', 'Unauthorized', 'Bearer');
});

test('a cached token is still refused once it expires', async () => {
  const exp = nowS() + 2;
  const token = hs({ iss: 'alice-hs256', exp, nbf: exp - 10 });
  await passed('/claims', bearer(token));
  await passed('/claims', bearer(token));
  await new Promise((r) => setTimeout(r, (exp - Date.now() / 1000) * 1000 + 50));
  await refused('/claims', bearer(token), 'JWT_EXPIRED', 'token expired');
});
