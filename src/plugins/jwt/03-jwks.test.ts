// Trusted issuers over real sockets: a JWKS server on 127.0.0.1, key rotation, unknown-kid sprays that
// must not hammer the JWKS, a dead JWKS, and claim-mapped consumers with their identity headers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TestUpstream } from '../../../test/helpers/upstream.ts';
import { startPluginGateway, type PluginGateway } from '../../../test/helpers/plugin-gateway.ts';
import { httpRequest, type SimpleResponse } from '../../../test/helpers/http.ts';
import { assertRefused } from '../../../test/helpers/refusal.ts';
import type { ErrorCode } from '../../errors/catalogue.ts';
import { deadPort, jwk, keyPair, LOOPBACK_JWKS, nowS, signToken, startJwksServer, type JwksServer } from '../../../test/plugins/jwt/test-support.ts';

const ISS = 'https://login.partner.test';
const ROTATING = 'https://rotating.test';
const DOWN = 'https://down.test';
const es = keyPair('ES256');
const rs = keyPair('RS256');
const partner = { id: '3b0f4b8e-2a55-4d6e-9f77-1f2e3d4c5b01', username: 'partner', custom_id: 'client-abc' };
const guest = { id: '3b0f4b8e-2a55-4d6e-9f77-1f2e3d4c5b02', username: 'guest' };

let upstream: TestUpstream;
let gw: PluginGateway;
let idp: JwksServer;
let rotating: JwksServer;

before(async () => {
  idp = await startJwksServer([jwk(es, 'es-1'), jwk(rs, 'rs-1')]);
  rotating = await startJwksServer([jwk(es, 'gen-1')]);
  const port = await deadPort();
  const issuer = (iss: string, uri: string, extra: Record<string, unknown> = {}) => ({ issuer: iss, jwks_uri: uri, ...extra });
  gw = await startPluginGateway(
    {
      routes: [
        {
          name: 'partner',
          paths: ['/partner'],
          plugins: [{ name: 'jwt', config: { issuers: [issuer(ISS, idp.url, { audiences: ['orders'] })], jwks_refresh_cooldown: 300 } }],
        },
        {
          name: 'rotating',
          paths: ['/rotating'],
          plugins: [{ name: 'jwt', config: { issuers: [issuer(ROTATING, rotating.url)], jwks_refresh_cooldown: 0.3 } }],
        },
        { name: 'down', paths: ['/down'], plugins: [{ name: 'jwt', config: { issuers: [issuer(DOWN, `http://127.0.0.1:${port}/jwks`)], jwks_timeout: 500 } }] },
        {
          name: 'down-anon',
          paths: ['/down-anon'],
          plugins: [{ name: 'jwt', config: { issuers: [issuer(DOWN, `http://127.0.0.1:${port}/jwks`)], anonymous: 'guest' } }],
        },
        {
          name: 'partner-anon',
          paths: ['/partner-anon'],
          plugins: [{ name: 'jwt', config: { issuers: [issuer(ISS, idp.url, { audiences: ['orders'] })], anonymous: 'guest' } }],
        },
      ],
      consumers: [partner, guest],
    },
    { jwksAllowPrivate: LOOPBACK_JWKS },
  );
  upstream = gw.upstream;
});

after(async () => {
  await gw?.close();
  await idp?.close();
  await rotating?.close();
});

const token = (claims: Record<string, unknown>, kid = 'es-1', key = es.privateKey, alg = 'ES256') =>
  signToken({ alg, kid, typ: 'JWT' }, { iss: ISS, sub: 'client-abc', aud: 'orders', exp: nowS() + 300, ...claims }, key);

function get(path: string, jwt?: string): Promise<SimpleResponse> {
  return httpRequest(`${gw.url}${path}`, { headers: jwt ? { authorization: `Bearer ${jwt}`, 'x-consumer-username': 'spoofed' } : {} });
}

async function refused(path: string, jwt: string, status: number, code: ErrorCode, message: string) {
  const before = upstream.requests.length;
  assertRefused(await get(path, jwt), { status, code, message, label: path }, upstream, before);
}

async function passed(path: string, jwt: string) {
  const before = upstream.requests.length;
  const res = await get(path, jwt);
  assert.equal(res.status, 200, res.body);
  assert.equal(upstream.requests.length, before + 1);
  const last = upstream.requests.at(-1);
  assert.ok(last);
  return last.headers;
}

test('an issuer token passes; the consumer comes from its claims', async () => {
  const seen = await passed('/partner', token({}));
  assert.equal(seen['x-consumer-id'], partner.id);
  assert.equal(seen['x-consumer-username'], 'partner');
  assert.equal(seen['x-consumer-custom-id'], 'client-abc');
  assert.equal(seen['x-credential-identifier'], 'client-abc');
  assert.equal(seen['x-anonymous-consumer'], undefined);
  const byRsa = await passed('/partner', token({ sub: 'partner' }, 'rs-1', rs.privateKey, 'RS256'));
  assert.equal(byRsa['x-consumer-id'], partner.id);
});

test('issuer tokens are refused for a bad audience, expiry, key, signature or consumer', async () => {
  await refused('/partner', token({ aud: 'billing' }), 401, 'JWT_AUDIENCE_INVALID', 'Unauthorized');
  await refused('/partner', token({ exp: nowS() - 5 }), 401, 'JWT_EXPIRED', 'token expired');
  await refused('/partner', token({ nbf: nowS() + 60 }), 401, 'JWT_NOT_YET_VALID', 'token not valid yet');
  await refused('/partner', token({}, 'es-1', keyPair('ES256', 1).privateKey), 401, 'JWT_INVALID_SIGNATURE', 'Invalid signature');
  await refused('/partner', token({ sub: 'stranger' }), 401, 'JWT_NO_CONSUMER', 'Unauthorized');
  await refused('/partner', token({}, 'rs-1'), 401, 'JWT_INVALID_ALGORITHM', 'Invalid algorithm');
  // HMAC with the issuer's public key: never an HMAC secret
  await refused(
    '/partner',
    signToken({ alg: 'HS256', kid: 'es-1' }, { iss: ISS, sub: 'client-abc', aud: 'orders' }, es.publicPem),
    401,
    'JWT_INVALID_ALGORITHM',
    'Invalid algorithm',
  );
  // another issuer: not trusted here, and there is no such credential either
  await refused('/partner', token({ iss: 'https://evil.test' }), 401, 'JWT_NO_CREDENTIAL', "No credentials found for given 'iss'");
});

test('an unknown-kid spray does not make the gateway hammer the JWKS', async () => {
  await passed('/partner', token({}));
  const fetchesBefore = idp.fetches;
  const sprays = Array.from({ length: 100 }, () => refused('/partner', token({}, randomUUID()), 401, 'JWT_UNKNOWN_KID', 'Invalid signature'));
  await Promise.all(sprays);
  // The keys were fetched at startup, inside the 300 s cooldown: 100 unknown kids cost no fetch at all.
  assert.equal(idp.fetches - fetchesBefore, 0);
});

test('key rotation: a token with a new kid is accepted once the JWKS shows it', async () => {
  const rotate = (claims: Record<string, unknown>, kid: string, key = es.privateKey) =>
    signToken({ alg: 'ES256', kid }, { iss: ROTATING, sub: 'partner', exp: nowS() + 300, ...claims }, key);
  await passed('/rotating', rotate({}, 'gen-1'));
  const next = keyPair('ES256', 1);
  await new Promise((r) => setTimeout(r, 350));
  // not published yet: refused
  await refused('/rotating', rotate({}, 'gen-2', next.privateKey), 401, 'JWT_UNKNOWN_KID', 'Invalid signature');
  rotating.document = { keys: [jwk(es, 'gen-1'), jwk(next, 'gen-2')] };
  await new Promise((r) => setTimeout(r, 350));
  assert.equal((await passed('/rotating', rotate({}, 'gen-2', next.privateKey)))['x-consumer-id'], partner.id);
  // and the old key keeps working
  await passed('/rotating', rotate({ jti: 'again' }, 'gen-1'));
});

test('a JWKS that cannot be reached: 503, also with anonymous set', async () => {
  const downToken = signToken({ alg: 'ES256', kid: 'k' }, { iss: DOWN, sub: 'partner' }, es.privateKey);
  await refused('/down', downToken, 503, 'JWKS_UNAVAILABLE', 'An unexpected error occurred');
  await refused('/down-anon', downToken, 503, 'JWKS_UNAVAILABLE', 'An unexpected error occurred');
});

test('with anonymous set, a refused issuer token falls back to the anonymous consumer', async () => {
  const seen = await passed('/partner-anon', token({ aud: 'billing' }));
  assert.equal(seen['x-consumer-username'], 'guest');
  assert.equal(seen['x-anonymous-consumer'], 'true');
  assert.equal((await passed('/partner-anon', token({})))['x-consumer-username'], 'partner');
});
