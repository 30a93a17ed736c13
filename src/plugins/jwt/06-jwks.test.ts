// Trusted issuers without the gateway: JWKS parsing rules, key binding to kty/alg, rotation, the
// refresh cooldown against kid spraying, size/time limits, and claim-to-consumer mapping. The JWKS is
// served over a real socket on 127.0.0.1.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { GatewayError } from '../../errors/gateway-error.ts';
import type { ErrorCode } from '../../errors/catalogue.ts';
import { parseJwks, findKey } from './jwks-keys.ts';
import { createTokenVerifier } from './verify-token.ts';
import type { JwtConfig } from './schema.ts';
import type { VerifiedToken } from './verified-token-cache.ts';
import {
  deadPort,
  directory,
  jwk,
  jwtConfig,
  keyPair,
  LOOPBACK_JWKS,
  nowS,
  pluginEnv,
  signToken,
  startJwksServer,
  type JwksServer,
} from '../../../test/plugins/jwt/test-support.ts';

const ISS = 'https://idp.test';
const es = keyPair('ES256');
const rs = keyPair('RS256');
const ed = keyPair('EdDSA');
const partner = { id: '7a1e3f7e-5d0b-4a53-9c1f-000000000001', username: 'partner-app', custom_id: 'client-123' };
const carol = { id: '7a1e3f7e-5d0b-4a53-9c1f-000000000002', username: 'carol' };
const dave = { id: '7a1e3f7e-5d0b-4a53-9c1f-000000000003' };
const consumers = directory([partner, carol, dave]);

const servers: JwksServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));
async function jwks(keys: Record<string, unknown>[]): Promise<JwksServer> {
  const server = await startJwksServer(keys);
  servers.push(server);
  return server;
}

function issuerVerifier(uri: string, overrides: Partial<JwtConfig> = {}, issuer: Record<string, unknown> = {}) {
  const parts = createTokenVerifier(
    jwtConfig({ issuers: [{ issuer: ISS, jwks_uri: uri, ...issuer } as never], ...overrides }),
    pluginEnv(consumers, { jwksAllowPrivate: LOOPBACK_JWKS }),
  );
  const cache = parts.issuers.get(ISS)!.jwks;
  return { verify: async (token: string): Promise<VerifiedToken> => parts.verify(token, nowS()), cache, sync: parts.verify };
}

async function refuses(promise: Promise<unknown>, code: ErrorCode, message?: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof GatewayError, `GatewayError expected, got ${String(err)}`);
    assert.equal(err.code, code, err.detail);
    if (message !== undefined) assert.equal(err.kongMessage, message);
    return true;
  });
}

const claims = (extra: Record<string, unknown> = {}) => ({ iss: ISS, sub: 'client-123', exp: nowS() + 300, ...extra });
const esToken = (kid: string | undefined, extra: Record<string, unknown> = {}, key = es.privateKey) =>
  signToken(kid === undefined ? { alg: 'ES256' } : { alg: 'ES256', kid }, claims(extra), key);

test('parseJwks keeps only public signing keys, each bound to its own algorithms', () => {
  const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
  const set = parseJwks({
    keys: [
      jwk(es, 'es'),
      jwk(rs, 'rs-any', { alg: undefined }),
      jwk(ed, 'ed'),
      { kty: 'oct', k: Buffer.from('secret').toString('base64url'), kid: 'oct', alg: 'HS256' },
      jwk(es, 'enc', { use: 'enc' }),
      jwk(es, 'ops', { key_ops: ['encrypt'] }),
      jwk(es, 'lying-alg', { alg: 'RS256' }),
      { ...weak, kid: 'weak' },
      { kty: 'EC', crv: 'P-256', x: 'garbage', y: 'garbage', kid: 'broken' },
      'not an object',
    ],
  });
  assert.deepEqual([...set.byKid.keys()].sort(), ['ed', 'es', 'rs-any']);
  const algsOf = (kid: string) => [...(set.byKid.get(kid)?.[0]?.byAlg.keys() ?? [])];
  assert.deepEqual(algsOf('es'), ['ES256']);
  assert.deepEqual(algsOf('rs-any').sort(), ['PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512']);
  assert.equal(findKey(set, 'oct', 'HS256'), 'unknown-kid');
  assert.equal(findKey(set, 'es', 'HS256'), 'wrong-alg');
  assert.equal(findKey(set, 'rs-any', 'ES256'), 'wrong-alg');
  // no kid: the one RSA key is the only candidate for RS256
  assert.equal(typeof findKey(set, undefined, 'RS256'), 'object');
  assert.equal(findKey(set, undefined, 'ES384'), 'unknown-kid');
  assert.throws(() => parseJwks({ keys: [] }), /no usable/);
  assert.throws(() => parseJwks({ keys: [{ kty: 'oct', k: 'AAAA' }] }), /no usable/);
  assert.throws(() => parseJwks([]), /keys/);
});

test('an issuer token verifies against the JWKS; the consumer is mapped by claim', async () => {
  const server = await jwks([jwk(es, 'k1'), jwk(rs, 'k2'), jwk(ed, 'k3')]);
  const { verify } = issuerVerifier(server.url);
  const result = await verify(esToken('k1'));
  assert.equal(result.consumer.id, partner.id);
  assert.equal(result.credential.identifier, 'client-123');
  assert.equal(result.credential.claims?.iss, ISS);
  assert.equal((await verify(signToken({ alg: 'RS256', kid: 'k2' }, claims({ sub: 'carol' }), rs.privateKey))).consumer.id, carol.id);
  assert.equal((await verify(signToken({ alg: 'EdDSA', kid: 'k3' }, claims({ sub: dave.id }), ed.privateKey))).consumer.id, dave.id);
  // client_id comes before sub by default
  assert.equal((await verify(esToken('k1', { client_id: 'carol', sub: 'client-123' }))).consumer.id, carol.id);
  assert.equal(server.fetches, 1);
});

test('after the first fetch a known kid verifies synchronously', async () => {
  const server = await jwks([jwk(es, 'k1')]);
  const { verify, sync } = issuerVerifier(server.url);
  await verify(esToken('k1'));
  const second = sync(esToken('k1', { jti: 'x' }), nowS());
  assert.ok(!(second instanceof Promise));
  assert.equal(second.consumer.id, partner.id);
});

test('key confusion: HS tokens are never accepted for an issuer, whatever the JWKS holds', async () => {
  const secret = Buffer.from('shared');
  const server = await jwks([jwk(es, 'k1'), { kty: 'oct', k: secret.toString('base64url'), kid: 'hmac', alg: 'HS256' }]);
  const { verify } = issuerVerifier(server.url, { allowed_algorithms: null });
  await refuses(verify(signToken({ alg: 'HS256', kid: 'hmac' }, claims(), secret)), 'JWT_INVALID_ALGORITHM');
  // HMAC with the issuer's public key as secret
  await refuses(verify(signToken({ alg: 'HS256', kid: 'k1' }, claims(), es.publicPem)), 'JWT_INVALID_ALGORITHM');
  // an RSA-family alg on an EC key
  await refuses(verify(signToken({ alg: 'RS256', kid: 'k1' }, claims(), rs.privateKey)), 'JWT_INVALID_ALGORITHM');
});

test('iss, aud, exp and nbf are checked for issuer tokens', async () => {
  const server = await jwks([jwk(es, 'k1')]);
  const { verify } = issuerVerifier(server.url, {}, { audiences: ['orders-api'] });
  assert.ok(await verify(esToken('k1', { aud: 'orders-api' })));
  assert.ok(await verify(esToken('k1', { aud: ['x', 'orders-api'] })));
  await refuses(verify(esToken('k1', { aud: 'billing-api' })), 'JWT_AUDIENCE_INVALID');
  await refuses(verify(esToken('k1')), 'JWT_AUDIENCE_INVALID');
  await refuses(verify(esToken('k1', { aud: 'orders-api', exp: nowS() - 1 })), 'JWT_EXPIRED', 'token expired');
  await refuses(verify(esToken('k1', { aud: 'orders-api', nbf: nowS() + 60 })), 'JWT_NOT_YET_VALID', 'token not valid yet');
  await refuses(verify(esToken('k1', { aud: 'orders-api', exp: 'soon' })), 'JWT_CLAIM_INVALID');
  // another issuer's token falls through to the credential path and finds no credential
  await refuses(verify(esToken('k1', { aud: 'orders-api', iss: 'https://evil.test' })), 'JWT_NO_CREDENTIAL');
  // a forged signature from the right issuer
  await refuses(verify(esToken('k1', { aud: 'orders-api' }, keyPair('ES256', 1).privateKey)), 'JWT_INVALID_SIGNATURE', 'Invalid signature');
});

test('consumer mapping: no claim or no match is JWT_NO_CONSUMER; consumer_match limits the fields', async () => {
  const server = await jwks([jwk(es, 'k1')]);
  const { verify } = issuerVerifier(server.url);
  await refuses(verify(esToken('k1', { sub: 'stranger' })), 'JWT_NO_CONSUMER');
  await refuses(verify(esToken('k1', { sub: undefined })), 'JWT_NO_CONSUMER');
  const onlyCustomId = issuerVerifier(server.url, {}, { consumer_match: ['custom_id'], consumer_claims: ['azp'] });
  assert.equal((await onlyCustomId.verify(esToken('k1', { azp: 'client-123', sub: 'carol' }))).consumer.id, partner.id);
  await refuses(onlyCustomId.verify(esToken('k1', { azp: 'carol' })), 'JWT_NO_CONSUMER');
});

test('tokens without kid: accepted when one key fits, refused when several do', async () => {
  const one = await jwks([jwk(es, 'k1'), jwk(rs, 'k2')]);
  assert.equal((await issuerVerifier(one.url).verify(esToken(undefined))).consumer.id, partner.id);
  const two = await jwks([jwk(es, 'k1'), jwk(keyPair('ES256', 1), 'k9')]);
  await refuses(issuerVerifier(two.url).verify(esToken(undefined)), 'JWT_UNKNOWN_KID');
});

test('rotation: a new kid is fetched and accepted', async () => {
  const server = await jwks([jwk(es, 'old')]);
  const { verify } = issuerVerifier(server.url, { jwks_refresh_cooldown: 0 });
  await verify(esToken('old'));
  const next = keyPair('ES256', 2);
  server.document = { keys: [jwk(es, 'old'), jwk(next, 'new')] };
  assert.equal((await verify(esToken('new', {}, next.privateKey))).consumer.id, partner.id);
  assert.equal(server.fetches, 2);
});

test('a spray of unknown kids costs at most one fetch per cooldown', async () => {
  const server = await jwks([jwk(es, 'k1')]);
  const { verify } = issuerVerifier(server.url, { jwks_refresh_cooldown: 60 });
  await verify(esToken('k1'));
  const sprays = Array.from({ length: 200 }, () => refuses(verify(esToken(randomUUID())), 'JWT_UNKNOWN_KID', 'Invalid signature'));
  await Promise.all(sprays);
  assert.equal(server.fetches, 1, 'the first load was inside the cooldown, so no refetch at all');
});

test('concurrent unknown kids share one in-flight refresh', async () => {
  const server = await jwks([jwk(es, 'k1')]);
  const { verify, cache } = issuerVerifier(server.url, { jwks_refresh_cooldown: 0.2 });
  await verify(esToken('k1'));
  await new Promise((r) => setTimeout(r, 250));
  server.delayMs = 50;
  await Promise.all(Array.from({ length: 50 }, () => refuses(verify(esToken(randomUUID())), 'JWT_UNKNOWN_KID')));
  assert.equal(server.fetches, 2);
  assert.equal(cache.fetches, 2);
});

test('JWKS down from the start: 503 JWKS_UNAVAILABLE, retried only after the cooldown', async () => {
  const port = await deadPort();
  const { verify, cache } = issuerVerifier(`http://127.0.0.1:${port}/jwks`, { jwks_refresh_cooldown: 60 });
  await refuses(verify(esToken('k1')), 'JWKS_UNAVAILABLE');
  await refuses(verify(esToken('k1')), 'JWKS_UNAVAILABLE');
  assert.equal(cache.fetches, 1);
});

test('JWKS failing later: the last good keys keep serving', async () => {
  const server = await jwks([jwk(es, 'k1')]);
  const { verify } = issuerVerifier(server.url, { jwks_refresh_cooldown: 0 });
  await verify(esToken('k1'));
  server.status = 500;
  await refuses(verify(esToken('unknown')), 'JWT_UNKNOWN_KID');
  server.status = 200;
  server.document = 'not json';
  await refuses(verify(esToken('unknown')), 'JWT_UNKNOWN_KID');
  server.document = { keys: [] };
  await refuses(verify(esToken('unknown')), 'JWT_UNKNOWN_KID');
  assert.equal((await verify(esToken('k1'))).consumer.id, partner.id);
  assert.equal(server.fetches, 4);
});

test('JWKS fetches are bounded in size and time', async () => {
  const big = await jwks([jwk(es, 'k1', { padding: 'x'.repeat(5000) })]);
  const tooBig = issuerVerifier(big.url, { jwks_max_size: 1024 });
  await refuses(tooBig.verify(esToken('k1')), 'JWKS_UNAVAILABLE');

  const slow = await jwks([jwk(es, 'k1')]);
  slow.delayMs = 2000;
  const started = Date.now();
  await refuses(issuerVerifier(slow.url, { jwks_timeout: 200 }).verify(esToken('k1')), 'JWKS_UNAVAILABLE');
  assert.ok(Date.now() - started < 1500, `gave up after ${Date.now() - started} ms`);
});
