// jwt_secrets key material is refused where it is written, at its field path with the reason: HMAC secrets
// shorter than their hash (RFC 7518 §3.2), asymmetric credentials without a key, with text that is no key,
// a private key, a key of the wrong type or curve, RSA under 2048 bits. Config file and admin API alike, and
// the gateway refuses the same at request time for rows that never went through either.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { startTestAdmin, expectProblem, type TestAdmin } from '../../../test/helpers/admin.ts';
import { plugins } from '../../../test/helpers/gateway.ts';
import { loadDeclarative } from '../../config/declarative/load-declarative.ts';
import type { FieldError } from '../../schema/validate.ts';
import { createTokenVerifier } from './verify-token.ts';
import { directory, jwtConfig, keyPair, pluginEnv, signToken } from '../../../test/plugins/jwt/test-support.ts';

const rsa = keyPair('RS256');
const es256 = keyPair('ES256');
const ed = keyPair('EdDSA');
const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
const rsa1024Pem = rsa1024.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const rsaPrivatePem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const bytes = (n: number) => 's'.repeat(n);

/** [credential fields, field path or null when accepted, message pattern]. */
const CASES: [Record<string, unknown>, string | null, RegExp?][] = [
  [{ secret: bytes(31) }, 'secret', /at least 32 bytes for HS256, got 31: RFC 7518 §3\.2/],
  [{ secret: bytes(32) }, null],
  [{ algorithm: 'HS384', secret: bytes(47) }, 'secret', /at least 48 bytes for HS384, got 47/],
  [{ algorithm: 'HS384', secret: bytes(48) }, null],
  [{ algorithm: 'HS512', secret: bytes(63) }, 'secret', /at least 64 bytes for HS512, got 63/],
  [{ algorithm: 'HS512', secret: 'é'.repeat(32) }, null], // bytes, not characters
  [{ algorithm: 'HS512' }, null], // the generated secret is long enough for every HS algorithm
  [{ algorithm: 'RS256' }, 'rsa_public_key', /required for RS256 credentials/],
  [{ algorithm: 'ES256', rsa_public_key: null }, 'rsa_public_key', /required for ES256 credentials/],
  [{ algorithm: 'EdDSA', rsa_public_key: '   ' }, 'rsa_public_key', /required for EdDSA credentials/],
  [{ algorithm: 'RS256', rsa_public_key: 'hello, I am a key' }, 'rsa_public_key', /unusable for RS256: public key is not valid PEM/],
  [{ algorithm: 'RS256', rsa_public_key: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----' }, 'rsa_public_key', /not valid PEM/],
  [{ algorithm: 'RS256', rsa_public_key: rsa1024Pem }, 'rsa_public_key', /RSA key shorter than 2048 bits/],
  [{ algorithm: 'PS256', rsa_public_key: rsa1024Pem }, 'rsa_public_key', /RSA key shorter than 2048 bits/],
  [{ algorithm: 'RS256', rsa_public_key: rsaPrivatePem }, 'rsa_public_key', /is a private key/],
  [{ algorithm: 'ES256', rsa_public_key: rsa.publicPem }, 'rsa_public_key', /ES256 needs an EC key, got rsa/],
  [{ algorithm: 'ES384', rsa_public_key: es256.publicPem }, 'rsa_public_key', /ES384 needs curve secp384r1/],
  [{ algorithm: 'EdDSA', rsa_public_key: rsa.publicPem }, 'rsa_public_key', /EdDSA needs an Ed25519 or Ed448 key/],
  [{ algorithm: 'RS256', rsa_public_key: rsa.publicPem }, null],
  [{ algorithm: 'PS512', rsa_public_key: rsa.publicPem }, null],
  [{ algorithm: 'ES256', rsa_public_key: es256.publicPem }, null],
  [{ algorithm: 'EdDSA', rsa_public_key: ed.publicPem }, null],
];

let admin: TestAdmin;
before(async () => {
  admin = await startTestAdmin();
  assert.equal((await admin.request('POST', '/consumers', { body: { username: 'keys' } })).status, 201);
});
after(() => admin?.close());

/** A problem body's reason for one field (its `fields` member), or a note saying there is none. */
function fieldReason(problem: unknown, field: string): string {
  const fields = typeof problem === 'object' && problem !== null && 'fields' in problem ? problem.fields : undefined;
  const reason: unknown = typeof fields === 'object' && fields !== null ? Reflect.get(fields, field) : undefined;
  return typeof reason === 'string' ? reason : `no reason for ${field} in ${JSON.stringify(problem)}`;
}

test("a config file with unusable key material is refused at the credential's field path", async () => {
  const registry = await plugins();
  for (const [i, [fields, field, message]] of CASES.entries()) {
    const doc = { _format_version: '3.0', consumers: [{ username: 'c', jwt_secrets: [{ key: `k${i}`, ...fields }] }] };
    const label = JSON.stringify(fields).slice(0, 80);
    if (field === null) {
      assert.doesNotThrow(() => loadDeclarative(structuredClone(doc), registry), label);
      continue;
    }
    assert.throws(
      () => loadDeclarative(structuredClone(doc), registry),
      (err: Error & { errors?: FieldError[] }) => {
        const found = err.errors?.find((e) => e.path === `consumers[0].jwt_secrets[0].${field}`);
        assert.ok(found, `${label}: ${JSON.stringify(err.errors)}`);
        assert.match(found.message, message!, label);
        // never the secret itself in the error
        if (typeof fields.secret === 'string') assert.ok(!JSON.stringify(err.errors).includes(fields.secret), label);
        return true;
      },
      label,
    );
  }
});

test('the admin API refuses the same writes with 400 and the field, and stores nothing', async () => {
  for (const [i, [fields, field, message]] of CASES.entries()) {
    const label = JSON.stringify(fields).slice(0, 80);
    const res = await admin.request('POST', '/consumers/keys/jwt', { body: { key: `admin-k${i}`, ...fields } });
    if (field === null) {
      assert.equal(res.status, 201, `${label}: ${res.text}`);
      continue;
    }
    const problem: unknown = expectProblem(res, 400, 'ADMIN_SCHEMA_VIOLATION', label);
    assert.match(fieldReason(problem, field), message!, label);
    assert.equal((await admin.request('GET', `/consumers/keys/jwt/admin-k${i}`)).status, 404, label);
  }
  // PUT and PATCH too
  expectProblem(await admin.request('PUT', '/consumers/keys/jwt/put-key', { body: { secret: bytes(10) } }), 400, 'ADMIN_SCHEMA_VIOLATION');
  expectProblem(await admin.request('PATCH', '/consumers/keys/jwt/admin-k1', { body: { secret: bytes(10) } }), 400, 'ADMIN_SCHEMA_VIOLATION');
  const patched: unknown = expectProblem(
    await admin.request('PATCH', '/consumers/keys/jwt/admin-k18', { body: { rsa_public_key: rsa1024Pem } }),
    400,
    'ADMIN_SCHEMA_VIOLATION',
  );
  assert.match(fieldReason(patched, 'rsa_public_key'), /shorter than 2048/);
});

test('rows that skipped these checks are refused when used: a short (decoded) secret is an unusable key', () => {
  const alice = { id: '7b2f1d3c-0000-4000-8000-000000000001', username: 'alice' };
  const consumers = directory(
    [alice],
    [
      { key: 'short', consumerId: alice.id, algorithm: 'HS256', secret: bytes(16) },
      // 44 base64 characters pass the write check but decode to 32 bytes; 40 decode to 30
      { key: 'b64-short', consumerId: alice.id, algorithm: 'HS256', secret: Buffer.alloc(30, 7).toString('base64') },
      { key: 'b64-ok', consumerId: alice.id, algorithm: 'HS256', secret: Buffer.alloc(32, 7).toString('base64') },
    ],
  );
  const plain = createTokenVerifier(jwtConfig(), pluginEnv(consumers)).verify;
  const b64 = createTokenVerifier(jwtConfig({ secret_is_base64: true }), pluginEnv(consumers)).verify;
  assert.throws(
    () => plain(signToken({ alg: 'HS256' }, { iss: 'short' }, bytes(16)), 0),
    (err: { code?: string; detail?: string }) => err.code === 'JWT_INVALID_KEY' && /shorter than 32 bytes/.test(err.detail ?? ''),
  );
  assert.throws(
    () => b64(signToken({ alg: 'HS256' }, { iss: 'b64-short' }, Buffer.alloc(30, 7)), 0),
    (err: { code?: string }) => err.code === 'JWT_INVALID_KEY',
  );
  const ok = b64(signToken({ alg: 'HS256' }, { iss: 'b64-ok' }, Buffer.alloc(32, 7)), 0);
  assert.equal((ok as { consumer: { id: string } }).consumer.id, alice.id);
});
