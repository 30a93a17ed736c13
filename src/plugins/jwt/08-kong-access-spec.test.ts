// Kong's spec/03-plugins/16-jwt/03-access_spec.lua, black box, for the cases our answers used to differ on:
// claim failures answer Kong's error map (`{"exp":"token expired"}`) as top-level members of the problem body,
// every failing claim listed, and a repeated custom token header is read at its first occurrence.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestUpstream } from '../../../test/helpers/upstream.ts';
import { startPluginGateway, type PluginGateway } from '../../../test/helpers/plugin-gateway.ts';
import { httpRequest } from '../../../test/helpers/http.ts';
import { rawRequest } from '../../../test/helpers/raw-http.ts';
import { assertRefused } from '../../../test/helpers/refusal.ts';
import type { ErrorCode } from '../../errors/catalogue.ts';
import { nowS, signToken } from '../../../test/plugins/jwt/test-support.ts';

const SECRET = 'kong-spec-secret-0123456789abcdef';

/** The problem body's `code` member, or undefined when it has none. */
function problemCode(body: string): unknown {
  const parsed: unknown = JSON.parse(body);
  return typeof parsed === 'object' && parsed !== null && 'code' in parsed ? parsed.code : undefined;
}
const consumer = { id: '5f0c7a51-7c1e-4d0a-9a7e-000000000001', username: 'jwt_tests_consumer' };

let upstream: TestUpstream;
let gw: PluginGateway;

before(async () => {
  gw = await startPluginGateway({
    routes: [
      // Kong's jwt3.test, jwt11.test and jwt12.test routes
      { name: 'jwt3', paths: ['/jwt3'], plugins: [{ name: 'jwt', config: { claims_to_verify: ['nbf', 'exp'] } }] },
      { name: 'jwt11', paths: ['/jwt11'], plugins: [{ name: 'jwt', config: { claims_to_verify: ['nbf', 'exp'], maximum_expiration: 300 } }] },
      { name: 'jwt12', paths: ['/jwt12'], plugins: [{ name: 'jwt', config: { header_names: ['CustomAuthorization'] } }] },
    ],
    consumers: [{ ...consumer, jwt_secrets: [{ key: 'kong-spec-key', secret: SECRET }] }],
  });
  upstream = gw.upstream;
});

after(() => gw?.close());

const jwt = (claims: Record<string, unknown>) => signToken({ typ: 'JWT', alg: 'HS256' }, { iss: 'kong-spec-key', ...claims }, SECRET);

/** `?jwt=` as Kong's spec sends it; the refusal must carry Kong's map and nothing may be proxied. */
async function claimRefusal(path: string, token: string, code: ErrorCode, message: string, kongMap: Record<string, string>) {
  const before = upstream.requests.length;
  const res = await httpRequest(`${gw.url}${path}?jwt=${token}`);
  const body = assertRefused(
    res,
    { status: 401, code, message, headers: { 'www-authenticate': 'Bearer error="invalid_token"' }, label: path },
    upstream,
    before,
  ) as unknown as Record<string, unknown>;
  for (const [claim, error] of Object.entries(kongMap)) assert.equal(body[claim], error, `${path}: body.${claim}`);
  // only the claims that failed, as Kong's map holds only those
  for (const claim of ['exp', 'nbf', 'iat']) if (!(claim in kongMap)) assert.equal(body[claim], undefined, `${path}: body.${claim}`);
}

test('JWT private claims checks: requires the checked fields to be in the claims ({ nbf="must be a number", exp="must be a number" })', async () => {
  await claimRefusal('/jwt3', jwt({}), 'JWT_CLAIM_INVALID', 'must be a number', { nbf: 'must be a number', exp: 'must be a number' });
});

test('JWT private claims checks: `exp` claim ({"exp":"token expired"})', async () => {
  const now = nowS();
  await claimRefusal('/jwt3', jwt({ exp: now - 10, nbf: now - 10 }), 'JWT_EXPIRED', 'token expired', { exp: 'token expired' });
});

test('JWT private claims checks: `nbf` claim ({"nbf":"token not valid yet"})', async () => {
  const now = nowS();
  await claimRefusal('/jwt3', jwt({ exp: now + 10, nbf: now + 5 }), 'JWT_NOT_YET_VALID', 'token not valid yet', { nbf: 'token not valid yet' });
});

test("both time claims failing are both listed, as Kong's map does", async () => {
  const now = nowS();
  await claimRefusal('/jwt3', jwt({ exp: now - 10, nbf: now + 60 }), 'JWT_NOT_YET_VALID', 'token not valid yet', {
    nbf: 'token not valid yet',
    exp: 'token expired',
  });
});

test('returns 401 if the token exceeds the maximum allowed expiration limit ({"exp":"exceeds maximum allowed expiration"})', async () => {
  const now = nowS();
  await claimRefusal('/jwt11', jwt({ exp: now + 3600, nbf: now - 30 }), 'JWT_EXPIRATION_TOO_LONG', 'exceeds maximum allowed expiration', {
    exp: 'exceeds maximum allowed expiration',
  });
  const ok = await httpRequest(`${gw.url}/jwt11?jwt=${jwt({ exp: now + 270, nbf: now - 30 })}`);
  assert.equal(ok.status, 200, ok.body);
});

test('finds the JWT in the first header occurrence of a duplicated custom authorization header', async () => {
  const now = nowS();
  const token = jwt({ nbf: now, iat: now, exp: now + 3600 });
  const send = (lines: string[]) =>
    rawRequest(gw.port, `GET /jwt12 HTTP/1.1\r\nHost: jwt12.test\r\n${lines.map((l) => `${l}\r\n`).join('')}Connection: close\r\n\r\n`);
  const first = await send([`CustomAuthorization: Bearer ${token}`, 'CustomAuthorization: Bearer other-token']);
  assert.equal(first.status, 200, first.body);
  assert.equal(upstream.requests.at(-1)!.headers['x-consumer-username'], 'jwt_tests_consumer');
  // the first occurrence decides: a bad first token is refused even when a good one follows
  const second = await send(['CustomAuthorization: Bearer other-token', `CustomAuthorization: Bearer ${token}`]);
  assert.equal(second.status, 401, second.body);
  assert.equal(problemCode(second.body), 'JWT_MALFORMED');
  // and a header the plugin does not read is no token at all
  const unread = await send([`X-Other: Bearer ${token}`]);
  assert.equal(unread.status, 401);
  assert.equal(problemCode(unread.body), 'UNAUTHORIZED');
});
