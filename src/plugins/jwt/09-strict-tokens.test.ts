// Tokens Kong would take and we refuse, over real sockets: `iat` in the future, a `typ` of another kind of
// token, and JWS segments in non-canonical base64url (a twin of a good token must not verify or hit the cache).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestUpstream } from '../../../test/helpers/upstream.ts';
import { startPluginGateway, type PluginGateway } from '../../../test/helpers/plugin-gateway.ts';
import { httpRequest } from '../../../test/helpers/http.ts';
import { assertRefused } from '../../../test/helpers/refusal.ts';
import type { ErrorCode } from '../../errors/catalogue.ts';
import { b64, keyPair, nowS, signToken } from '../../../test/plugins/jwt/test-support.ts';

const SECRET = 'strict-token-secret-0123456789abcdef';
const alice = { id: '6a1e0c2b-3d4f-4a5b-8c6d-000000000001', username: 'alice' };
const es = keyPair('ES256');

let upstream: TestUpstream;
let gw: PluginGateway;

before(async () => {
  gw = await startPluginGateway({
    routes: [
      { name: 'default', paths: ['/default'], plugins: [{ name: 'jwt', config: {} }] },
      { name: 'no-leeway', paths: ['/no-leeway'], plugins: [{ name: 'jwt', config: { iat_leeway: 0 } }] },
      { name: 'skew', paths: ['/skew'], plugins: [{ name: 'jwt', config: { iat_leeway: 0, clock_skew: 300 } }] },
      { name: 'any-typ', paths: ['/any-typ'], plugins: [{ name: 'jwt', config: { typ: null } }] },
      { name: 'dpop-only', paths: ['/dpop-only'], plugins: [{ name: 'jwt', config: { typ: ['application/dpop+jwt'] } }] },
    ],
    consumers: [
      {
        ...alice,
        jwt_secrets: [
          { key: 'alice-hs', secret: SECRET },
          { key: 'alice-es', algorithm: 'ES256', rsa_public_key: es.publicPem },
        ],
      },
    ],
  });
  upstream = gw.upstream;
});

after(() => gw?.close());

const hs = (claims: Record<string, unknown>, header: Record<string, unknown> = { typ: 'JWT' }) =>
  signToken({ alg: 'HS256', ...header }, { iss: 'alice-hs', ...claims }, SECRET);

async function passes(path: string, token: string) {
  const res = await httpRequest(`${gw.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200, `${path}: ${res.body}`);
}

async function refused(path: string, token: string, code: ErrorCode, message: string) {
  const before = upstream.requests.length;
  const res = await httpRequest(`${gw.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return assertRefused(
    res,
    { status: 401, code, message, headers: { 'www-authenticate': 'Bearer error="invalid_token"' }, label: path },
    upstream,
    before,
  ) as unknown as Record<string, unknown>;
}

/** A compact JWS's three segments; throws on any other shape. */
function segments(token: string): [string, string, string] {
  const [h, p, s, ...rest] = token.split('.');
  if (h === undefined || p === undefined || s === undefined || rest.length > 0) throw new Error(`not a three-segment token: ${token}`);
  return [h, p, s];
}

test('an iat a day in the future is refused with JWT_ISSUED_IN_FUTURE and Kong-style {"iat": …}', async () => {
  const body = await refused('/default', hs({ iat: nowS() + 86400 }), 'JWT_ISSUED_IN_FUTURE', 'token issued in the future');
  assert.equal(body.iat, 'token issued in the future');
  await refused('/default', hs({ iat: 'yesterday' }), 'JWT_CLAIM_INVALID', 'must be a number');
});

test('iat_leeway (default 60 s) forgives a fast issuer clock; clock_skew counts when larger', async () => {
  const now = nowS();
  await passes('/default', hs({ iat: now }));
  await passes('/default', hs({ iat: now + 30 }));
  await passes('/default', hs({}));
  await refused('/default', hs({ iat: now + 120 }), 'JWT_ISSUED_IN_FUTURE', 'token issued in the future');
  await refused('/no-leeway', hs({ iat: now + 30 }), 'JWT_ISSUED_IN_FUTURE', 'token issued in the future');
  await passes('/skew', hs({ iat: now + 120 }));
});

test('typ: absent, JWT and at+jwt pass in any case, with or without application/; dpop+jwt and others are refused', async () => {
  for (const typ of [undefined, 'JWT', 'jwt', 'application/jwt', 'at+jwt', 'AT+JWT', 'application/at+JWT']) {
    await passes('/default', hs({}, typ === undefined ? {} : { typ }));
  }
  for (const typ of ['dpop+jwt', 'application/dpop+jwt', 'secevent+jwt', 'JWS', '', 'application/']) {
    const body = await refused('/default', hs({}, { typ }), 'JWT_TYPE_INVALID', 'Bad token; invalid typ');
    assert.match(String(body.detail), /accepted: jwt, at\+jwt/);
  }
  await refused('/default', hs({}, { typ: 7 }), 'JWT_TYPE_INVALID', 'Bad token; invalid typ');
  await refused('/default', hs({}, { typ: ['JWT'] }), 'JWT_TYPE_INVALID', 'Bad token; invalid typ');
  // asymmetric credentials alike
  await refused('/default', signToken({ alg: 'ES256', typ: 'dpop+jwt' }, { iss: 'alice-es' }, es.privateKey), 'JWT_TYPE_INVALID', 'Bad token; invalid typ');
  // the setting: null takes any typ; a list replaces the default
  await passes('/any-typ', hs({}, { typ: 'dpop+jwt' }));
  await passes('/dpop-only', hs({}, { typ: 'DPoP+JWT' }));
  await refused('/dpop-only', hs({}, { typ: 'JWT' }), 'JWT_TYPE_INVALID', 'Bad token; invalid typ');
});

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The same bytes spelled differently: unused low bits of the last character set. Null when none are unused. */
function twin(segment: string): string | null {
  const rest = segment.length % 4;
  if (rest === 0) return null;
  const value = ALPHABET.indexOf(segment.at(-1)!);
  const spelled = ALPHABET[value | (rest === 2 ? 0x0f : 0x03)];
  return segment.slice(0, -1) + spelled;
}

/** A token whose three segments all have unused bits (lengths not multiples of 4). */
function tokenWithSlack(): string {
  for (let kid = 0; kid < 3; kid++) {
    for (let pad = 0; pad < 3; pad++) {
      const token = hs({ pad: 'x'.repeat(pad) }, { typ: 'JWT', kid: 'k'.repeat(kid + 1) });
      if (token.split('.').every((s) => s.length % 4 !== 0)) return token;
    }
  }
  throw new Error('no token with slack in every segment');
}

test('non-canonical base64url is malformed: twins of a good token, padding, + and /', async () => {
  const token = tokenWithSlack();
  const [h, p, s] = segments(token);
  for (const [i, seg] of [h, p, s].entries()) {
    const t = twin(seg)!;
    assert.notEqual(t, seg);
    assert.deepEqual(Buffer.from(t, 'base64url'), Buffer.from(seg, 'base64url'), 'the twin decodes to the same bytes');
    const parts = [h, p, s];
    parts[i] = t;
    await refused('/default', parts.join('.'), 'JWT_MALFORMED', i === 2 ? 'Bad token; invalid signature' : 'Bad token; invalid JSON');
  }
  await refused('/default', `${h}.${p}.${s}${'='.repeat((4 - (s.length % 4)) % 4)}`, 'JWT_MALFORMED', 'Bad token; invalid signature');
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', x: '\u00fb\u00ff' })).toString('base64');
  assert.ok(/[+/]/.test(header), header);
  await refused('/default', `${header.replace(/=+$/, '')}.${p}.${s}`, 'JWT_MALFORMED', 'Bad token; invalid JSON');
});

test('a twin of a cached token does not hit the verified-token cache', async () => {
  const token = tokenWithSlack();
  await passes('/default', token);
  await passes('/default', token); // now served from the cache
  const [h, p, s] = segments(token);
  await refused('/default', `${h}.${p}.${twin(s)}`, 'JWT_MALFORMED', 'Bad token; invalid signature');
  await refused('/default', `${twin(h)}.${p}.${s}`, 'JWT_MALFORMED', 'Bad token; invalid JSON');
  await passes('/default', token);
});

test('the canonical check keeps every base64url length legal', async () => {
  // payload lengths 0..5 mod 3 cover every segment length class (0, 2 and 3 mod 4)
  for (let n = 0; n < 6; n++) await passes('/default', hs({ n: 'y'.repeat(n) }));
  assert.equal(b64('a').length % 4, 2);
});
