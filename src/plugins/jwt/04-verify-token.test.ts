// The verification core without sockets: every algorithm family, Kong's refusal order and messages,
// key-confusion attempts and the claim rules, against the gateway's real consumer directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { GatewayError } from '../../errors/gateway-error.ts';
import type { ErrorCode } from '../../errors/catalogue.ts';
import { createTokenVerifier } from './verify-token.ts';
import type { JwtConfig } from './schema.ts';
import type { VerifiedToken } from './verified-token-cache.ts';
import { b64, directory, jwtConfig, keyPair, nowS, pluginEnv, signToken, type KeyPair } from '../../../test/plugins/jwt/test-support.ts';

const alice = { id: '6f0c3c57-1d7e-4c55-9d4a-6a5e4e2c0a01', username: 'alice', custom_id: 'cust-alice' };
const bob = { id: '6f0c3c57-1d7e-4c55-9d4a-6a5e4e2c0a02', username: 'bob' };
const ASYM = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
const pairs = Object.fromEntries(ASYM.map((alg) => [alg, keyPair(alg)])) as Record<(typeof ASYM)[number], KeyPair>;
// 64 bytes: long enough for HS512 (RFC 7518 §3.2)
const SECRET = 'a-very-secret-hmac-key-for-tests-long-enough-for-hs512-0123456789';

const consumers = directory(
  [alice, bob],
  [
    { key: 'hs256-key', consumerId: alice.id, algorithm: 'HS256', secret: SECRET },
    { key: 'hs384-key', consumerId: alice.id, algorithm: 'HS384', secret: SECRET },
    { key: 'hs512-key', consumerId: bob.id, algorithm: 'HS512', secret: SECRET },
    ...ASYM.map((alg) => ({ key: `${alg}-key`, consumerId: alice.id, algorithm: alg, rsa_public_key: pairs[alg].publicPem })),
    { key: 'b64-key', consumerId: bob.id, algorithm: 'HS256', secret: Buffer.from('raw secret bytes, thirty-two or more').toString('base64') },
    { key: 'bad-b64-key', consumerId: bob.id, algorithm: 'HS256', secret: 'not base64!' },
    { key: 'orphan-key', consumerId: 'ffffffff-ffff-4fff-8fff-ffffffffffff', algorithm: 'HS256', secret: SECRET },
    { key: 'es-with-rsa-key', consumerId: alice.id, algorithm: 'ES256', rsa_public_key: pairs.RS256.publicPem },
    { key: 'rs-bad-pem', consumerId: alice.id, algorithm: 'RS256', rsa_public_key: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----' },
    {
      key: 'rs-short',
      consumerId: alice.id,
      algorithm: 'RS256',
      rsa_public_key: generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    },
    { key: 'rs-no-pem', consumerId: alice.id, algorithm: 'RS256' },
  ],
);

function verifier(overrides: Partial<JwtConfig> = {}) {
  const { verify } = createTokenVerifier(jwtConfig(overrides), pluginEnv(consumers));
  return (token: string): VerifiedToken => {
    const result = verify(token, nowS());
    assert.ok(!(result instanceof Promise), 'credential tokens verify synchronously');
    return result;
  };
}

function refuses(fn: () => unknown, code: ErrorCode, message?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof GatewayError, `GatewayError expected, got ${String(err)}`);
    assert.equal(err.code, code);
    if (message !== undefined) assert.equal(err.kongMessage, message);
    return true;
  });
}

const hs = (payload: Record<string, unknown>, alg = 'HS256', secret: string | Buffer = SECRET) => signToken({ alg, typ: 'JWT' }, payload, secret);

/** A compact JWS's three segments; throws on any other shape. */
function segments(token: string): [string, string, string] {
  const [h, p, s, ...rest] = token.split('.');
  if (h === undefined || p === undefined || s === undefined || rest.length > 0) throw new Error(`not a three-segment token: ${token}`);
  return [h, p, s];
}

test('HS256/384/512 credential tokens verify and name the credential and its consumer', () => {
  const verify = verifier();
  for (const [alg, key, consumer] of [
    ['HS256', 'hs256-key', alice],
    ['HS384', 'hs384-key', alice],
    ['HS512', 'hs512-key', bob],
  ] as const) {
    const result = verify(hs({ iss: key, sub: 'x' }, alg));
    assert.equal(result.consumer.id, consumer.id);
    assert.equal(result.credential.type, 'jwt');
    assert.equal(result.credential.identifier, key);
    assert.equal(result.credential.claims?.sub, 'x');
    assert.ok(Object.isFrozen(result.credential.claims));
  }
});

test('RS, PS, ES and EdDSA credentials verify with their PEM public keys', () => {
  const verify = verifier();
  for (const alg of ASYM) {
    const token = signToken({ alg }, { iss: `${alg}-key` }, pairs[alg].privateKey);
    assert.equal(verify(token).credential.identifier, `${alg}-key`, alg);
    // and a token signed by someone else's key of the same type is refused
    const other = keyPair(alg, 1);
    refuses(() => verify(signToken({ alg }, { iss: `${alg}-key` }, other.privateKey)), 'JWT_INVALID_SIGNATURE', 'Invalid signature');
  }
});

test('alg "none" in any casing, and unknown algs, are refused before any lookup', () => {
  const verify = verifier();
  for (const alg of ['none', 'None', 'NONE', 'nOnE', 'HS1', 'hs256', '', '__proto__', 'constructor']) {
    refuses(() => verify(`${b64({ alg })}.${b64({ iss: 'hs256-key' })}.`), 'JWT_INVALID_ALGORITHM', 'Bad token; invalid alg');
  }
  refuses(() => verify(`${b64({ typ: 'JWT' })}.${b64({ iss: 'hs256-key' })}.`), 'JWT_INVALID_ALGORITHM', 'Bad token; invalid alg');
  refuses(() => verify(`${b64({ alg: ['HS256'] })}.${b64({ iss: 'hs256-key' })}.`), 'JWT_INVALID_ALGORITHM', 'Bad token; invalid alg');
});

test('malformed tokens get Kong\'s "Bad token; ..." messages', () => {
  const verify = verifier();
  const good = hs({ iss: 'hs256-key' });
  const [h, p, s] = segments(good);
  const cases: [string, string][] = [
    ['not-a-jwt', 'Bad token; invalid JSON'],
    [`${h}.${p}`, 'Bad token; invalid JSON'],
    [`${h}.${p}.${s}.extra`, 'Bad token; invalid signature'],
    [`${b64('{"alg":"HS256"')}.${p}.${s}`, 'Bad token; invalid JSON'],
    [`${b64('[1,2]')}.${p}.${s}`, 'Bad token; invalid JSON'],
    [`${h}.${b64('not json')}.${s}`, 'Bad token; invalid JSON'],
    [`${h}.${b64('"a string"')}.${s}`, 'Bad token; invalid claims'],
    [`${h}.${b64('null')}.${s}`, 'Bad token; invalid claims'],
    [`${h}.${p}.${s}=`, 'Bad token; invalid signature'],
    [`${h}.${p}.${s.slice(0, -2)}+/`, 'Bad token; invalid signature'],
    [`${h}=.${p}.${s}`, 'Bad token; invalid JSON'],
    [`${h}.${p}!.${s}`, 'Bad token; invalid JSON'],
    [`.${p}.${s}`, 'Bad token; invalid JSON'],
    [`${h}..${s}`, 'Bad token; invalid JSON'],
  ];
  for (const [token, message] of cases) refuses(() => verify(token), 'JWT_MALFORMED', message);
});

test('a crit header is refused even when correctly signed', () => {
  refuses(
    () => verifier()(signToken({ alg: 'HS256', crit: ['exp'], exp: 1 }, { iss: 'hs256-key' }, SECRET)),
    'JWT_MALFORMED',
    'Bad token; unsupported crit header',
  );
});

test('the key claim: payload first, then header; missing or empty named after key_claim_name', () => {
  const verify = verifier();
  refuses(() => verify(hs({ sub: 'x' })), 'JWT_MISSING_KEY_CLAIM', "No mandatory 'iss' in claims");
  refuses(() => verify(hs({ iss: '' })), 'JWT_MISSING_KEY_CLAIM', "Invalid 'iss' in claims");
  refuses(() => verify(hs({ iss: 42 })), 'JWT_MISSING_KEY_CLAIM', "Invalid 'iss' in claims");
  assert.equal(verify(signToken({ alg: 'HS256', iss: 'hs256-key' }, {}, SECRET)).credential.identifier, 'hs256-key');
  const byKid = verifier({ key_claim_name: 'kid' });
  assert.equal(byKid(signToken({ alg: 'HS256', kid: 'hs256-key' }, { iss: 'other' }, SECRET)).credential.identifier, 'hs256-key');
  refuses(() => byKid(hs({ iss: 'hs256-key' })), 'JWT_MISSING_KEY_CLAIM', "No mandatory 'kid' in claims");
  refuses(() => byKid(hs({ kid: 'nobody' })), 'JWT_NO_CREDENTIAL', "No credentials found for given 'kid'");
});

test('unknown credential key', () => {
  refuses(() => verifier()(hs({ iss: 'nobody' })), 'JWT_NO_CREDENTIAL', "No credentials found for given 'iss'");
});

test("the token alg must equal the credential's pinned algorithm (no HS256-with-public-key confusion)", () => {
  const verify = verifier();
  // Classic confusion: HMAC "signed" with the RS256 credential's public PEM as secret.
  refuses(() => verify(hs({ iss: 'RS256-key' }, 'HS256', pairs.RS256.publicPem)), 'JWT_INVALID_ALGORITHM', 'Invalid algorithm');
  refuses(() => verify(hs({ iss: 'ES256-key' }, 'HS256', pairs.ES256.publicPem)), 'JWT_INVALID_ALGORITHM', 'Invalid algorithm');
  refuses(() => verify(hs({ iss: 'hs256-key' }, 'HS512')), 'JWT_INVALID_ALGORITHM', 'Invalid algorithm');
  refuses(() => verify(signToken({ alg: 'RS384' }, { iss: 'RS256-key' }, pairs.RS256.privateKey)), 'JWT_INVALID_ALGORITHM', 'Invalid algorithm');
  refuses(() => verify(signToken({ alg: 'PS256' }, { iss: 'RS256-key' }, pairs.RS256.privateKey)), 'JWT_INVALID_ALGORITHM', 'Invalid algorithm');
});

test('allowed_algorithms narrows what credentials may use', () => {
  const verify = verifier({ allowed_algorithms: ['ES256'] });
  assert.equal(verify(signToken({ alg: 'ES256' }, { iss: 'ES256-key' }, pairs.ES256.privateKey)).consumer.id, alice.id);
  refuses(() => verify(hs({ iss: 'hs256-key' })), 'JWT_INVALID_ALGORITHM', 'Invalid algorithm');
});

test('unusable credential keys answer "Invalid key/secret"', () => {
  const verify = verifier();
  refuses(() => verify(signToken({ alg: 'ES256' }, { iss: 'es-with-rsa-key' }, pairs.ES256.privateKey)), 'JWT_INVALID_KEY', 'Invalid key/secret');
  refuses(() => verify(signToken({ alg: 'RS256' }, { iss: 'rs-bad-pem' }, pairs.RS256.privateKey)), 'JWT_INVALID_KEY', 'Invalid key/secret');
  refuses(() => verify(signToken({ alg: 'RS256' }, { iss: 'rs-short' }, pairs.RS256.privateKey)), 'JWT_INVALID_KEY', 'Invalid key/secret');
  refuses(() => verify(signToken({ alg: 'RS256' }, { iss: 'rs-no-pem' }, pairs.RS256.privateKey)), 'JWT_INVALID_KEY', 'Invalid key/secret');
});

test("ES signatures must be raw r||s of the curve's exact size", () => {
  const verify = verifier();
  const token = signToken({ alg: 'ES256' }, { iss: 'ES256-key' }, pairs.ES256.privateKey);
  const [h, p, s] = segments(token);
  const raw = Buffer.from(s, 'base64url');
  refuses(() => verify(`${h}.${p}.${raw.subarray(0, 63).toString('base64url')}`), 'JWT_INVALID_SIGNATURE');
  refuses(() => verify(`${h}.${p}.${Buffer.concat([raw, Buffer.from([0])]).toString('base64url')}`), 'JWT_INVALID_SIGNATURE');
  refuses(() => verify(`${h}.${p}.`), 'JWT_INVALID_SIGNATURE');
});

test('secret_is_base64 signs with the decoded secret', () => {
  const verify = verifier({ secret_is_base64: true });
  assert.equal(verify(hs({ iss: 'b64-key' }, 'HS256', Buffer.from('raw secret bytes, thirty-two or more'))).consumer.id, bob.id);
  refuses(() => verify(hs({ iss: 'b64-key' }, 'HS256', Buffer.from('raw secret bytes, thirty-two or more').toString('base64'))), 'JWT_INVALID_SIGNATURE');
  refuses(() => verify(hs({ iss: 'bad-b64-key' }, 'HS256', 'not base64!')), 'JWT_INVALID_KEY', 'Invalid key/secret');
});

test("claims_to_verify: exp and nbf with Kong's messages, absent or non-numeric claims refused", () => {
  const now = nowS();
  const verify = verifier({ claims_to_verify: ['exp', 'nbf'] });
  assert.ok(verify(hs({ iss: 'hs256-key', exp: now + 60, nbf: now - 60 })));
  refuses(() => verify(hs({ iss: 'hs256-key', exp: now, nbf: now - 60 })), 'JWT_EXPIRED', 'token expired');
  refuses(() => verify(hs({ iss: 'hs256-key', exp: now - 1, nbf: now - 60 })), 'JWT_EXPIRED', 'token expired');
  refuses(() => verify(hs({ iss: 'hs256-key', exp: now + 60, nbf: now + 30 })), 'JWT_NOT_YET_VALID', 'token not valid yet');
  refuses(() => verify(hs({ iss: 'hs256-key', nbf: now - 60 })), 'JWT_CLAIM_INVALID', 'must be a number');
  refuses(() => verify(hs({ iss: 'hs256-key', exp: String(now + 60), nbf: now - 60 })), 'JWT_CLAIM_INVALID', 'must be a number');
  // not configured: not checked (Kong's default)
  assert.ok(verifier()(hs({ iss: 'hs256-key', exp: now - 3600 })));
  // configured order decides which failure is reported
  refuses(() => verifier({ claims_to_verify: ['nbf', 'exp'] })(hs({ iss: 'hs256-key', exp: now - 5, nbf: now + 5 })), 'JWT_NOT_YET_VALID');
});

test('clock_skew gives exp and nbf leeway', () => {
  const now = nowS();
  const verify = verifier({ claims_to_verify: ['exp', 'nbf'], clock_skew: 30 });
  const result = verify(hs({ iss: 'hs256-key', exp: now - 10, nbf: now + 10 }));
  assert.equal(result.validUntil, now - 10 + 30);
  assert.equal(result.validFrom, now + 10 - 30);
  // beyond the skew by a few seconds: the clock may tick to the next second while the test runs
  refuses(() => verify(hs({ iss: 'hs256-key', exp: now - 35 })), 'JWT_EXPIRED');
  refuses(() => verify(hs({ iss: 'hs256-key', exp: now + 60, nbf: now + 35 })), 'JWT_NOT_YET_VALID');
});

test('maximum_expiration refuses tokens living too long', () => {
  const now = nowS();
  const verify = verifier({ claims_to_verify: ['exp'], maximum_expiration: 300 });
  assert.ok(verify(hs({ iss: 'hs256-key', exp: now + 300 })));
  refuses(() => verify(hs({ iss: 'hs256-key', exp: now + 301 })), 'JWT_EXPIRATION_TOO_LONG', 'exceeds maximum allowed expiration');
});

test('issuers_allowed and audiences for credential tokens', () => {
  const verify = verifier({ key_claim_name: 'kid', issuers_allowed: ['https://good'], audiences: ['api-a', 'api-b'] });
  const token = (claims: Record<string, unknown>) => signToken({ alg: 'HS256', kid: 'hs256-key' }, claims, SECRET);
  assert.ok(verify(token({ iss: 'https://good', aud: 'api-b' })));
  assert.ok(verify(token({ iss: 'https://good', aud: ['other', 'api-a'] })));
  refuses(() => verify(token({ iss: 'https://evil', aud: 'api-a' })), 'JWT_ISSUER_INVALID');
  refuses(() => verify(token({ aud: 'api-a' })), 'JWT_ISSUER_INVALID');
  refuses(() => verify(token({ iss: 'https://good', aud: 'other' })), 'JWT_AUDIENCE_INVALID');
  refuses(() => verify(token({ iss: 'https://good' })), 'JWT_AUDIENCE_INVALID');
  refuses(() => verify(token({ iss: 'https://good', aud: [1, 2] })), 'JWT_AUDIENCE_INVALID');
});

test("a credential whose consumer is gone is refused with Kong's message", () => {
  refuses(() => verifier()(hs({ iss: 'orphan-key' })), 'JWT_NO_CONSUMER', "Could not find consumer for 'iss=orphan-key'");
});

test('signature is checked before claims: a forged expired token says "Invalid signature"', () => {
  const verify = verifier({ claims_to_verify: ['exp'] });
  refuses(() => verify(hs({ iss: 'hs256-key', exp: 1 }, 'HS256', 'wrong secret')), 'JWT_INVALID_SIGNATURE');
});
