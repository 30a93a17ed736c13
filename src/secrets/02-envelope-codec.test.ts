// The envelope codec with real AES-256-GCM and HMAC: round trips, tampering, unknown keys, rotation
// (rewrap, then the old key dropped), API key hashes across a rotation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { keyringFromKeys } from './keyring.ts';
import { createSecretCodec } from './envelope-codec.ts';
import { SecretError, type SecretErrorCode } from './secret-error.ts';

const oldKey = { id: 'old', key: randomBytes(32) };
const newKey = { id: 'new', key: randomBytes(32) };
const codecOld = createSecretCodec(keyringFromKeys([oldKey]));
const codecRotating = createSecretCodec(keyringFromKeys([newKey, oldKey]));
const codecNew = createSecretCodec(keyringFromKeys([newKey]));

function refuses(fn: () => unknown, code: SecretErrorCode, secrets: string[] = []) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SecretError, String(err));
    assert.equal(err.code, code, err.message);
    for (const s of secrets) assert.ok(!err.message.includes(s), 'error shows a secret');
    return true;
  });
}

test('round trip, including empty, unicode and long values', () => {
  for (const plain of ['s3cret', '', 'pässwörd ✓ 🔑', 'x'.repeat(100_000)]) {
    const env = codecOld.encrypt(plain);
    assert.equal(codecOld.decrypt(env), plain);
  }
});

test('the envelope is self-describing, names its key, and never contains the plaintext', () => {
  const plain = 'correct-horse-battery-staple';
  const env = codecOld.encrypt(plain);
  assert.match(env, /^pcenc1\.old\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  assert.equal(codecOld.keyIdOf(env), 'old');
  assert.equal(codecOld.activeKeyId, 'old');
  for (const form of [plain, Buffer.from(plain).toString('base64'), Buffer.from(plain).toString('base64url'), Buffer.from(plain).toString('hex')]) {
    assert.ok(!env.includes(form));
  }
});

test('two encryptions of the same value differ (fresh data key and iv each time)', () => {
  const a = codecOld.encrypt('same');
  const b = codecOld.encrypt('same');
  assert.notEqual(a, b);
  const [, , wrapA, ivA, ctA] = a.split('.');
  const [, , wrapB, ivB, ctB] = b.split('.');
  assert.notEqual(wrapA, wrapB);
  assert.notEqual(ivA, ivB);
  assert.notEqual(ctA, ctB);
});

test('any flipped bit, truncation or relabelled key id is SECRET_CORRUPT, never a wrong plaintext', () => {
  const plain = 'do-not-leak-me';
  const env = codecOld.encrypt(plain);
  const parts = env.split('.');
  for (let part = 2; part <= 4; part++) {
    const text = parts[part];
    assert.ok(text !== undefined);
    const bytes = Buffer.from(text, 'base64url');
    for (const i of [0, bytes.length >> 1, bytes.length - 1]) {
      const flipped = Buffer.from(bytes);
      flipped.writeUInt8(flipped.readUInt8(i) ^ 0x01, i);
      const tampered = [...parts];
      tampered[part] = flipped.toString('base64url');
      refuses(() => codecOld.decrypt(tampered.join('.')), 'SECRET_CORRUPT', [plain]);
    }
  }
  refuses(() => codecOld.decrypt(env.slice(0, -4)), 'SECRET_CORRUPT');
  refuses(() => codecOld.decrypt('plaintext'), 'SECRET_CORRUPT', ['plaintext']);
  refuses(() => codecOld.decrypt(`pcenc2${env.slice(6)}`), 'SECRET_CORRUPT');
  refuses(() => codecOld.decrypt(`${env}.extra`), 'SECRET_CORRUPT');
  // The same wrapped data key claimed by another key id fails the wrap's authentication.
  const twoKeys = createSecretCodec(keyringFromKeys([oldKey, { id: 'other', key: oldKey.key }]));
  refuses(() => twoKeys.decrypt(env.replace('pcenc1.old.', 'pcenc1.other.')), 'SECRET_CORRUPT');
  // Ciphertext moved under another envelope's data key fails.
  const other = codecOld.encrypt(plain).split('.');
  refuses(() => codecOld.decrypt([...parts.slice(0, 4), other[4]].join('.')), 'SECRET_CORRUPT');
});

test('a value under a key the keyring does not hold is SECRET_KEY_UNKNOWN naming the key id', () => {
  const env = codecOld.encrypt('v');
  assert.throws(
    () => codecNew.decrypt(env),
    (err: unknown) => err instanceof SecretError && err.code === 'SECRET_KEY_UNKNOWN' && /'old'/.test(err.message) && /rekey/.test(err.message),
  );
  refuses(() => codecNew.rewrap(env), 'SECRET_KEY_UNKNOWN');
});

test('a keyring key of the same id but other bytes cannot decrypt: SECRET_CORRUPT', () => {
  const impostor = createSecretCodec(keyringFromKeys([{ id: 'old', key: randomBytes(32) }]));
  refuses(() => impostor.decrypt(codecOld.encrypt('v')), 'SECRET_CORRUPT');
});

test('rotation: new key first, rewrap re-wraps only the data key, then the old key can go', () => {
  const plain = 'jwt-hmac-secret';
  const before = codecOld.encrypt(plain);
  // During the rotation both keys are held: old values still decrypt, new ones use the new key.
  assert.equal(codecRotating.decrypt(before), plain);
  assert.equal(codecRotating.keyIdOf(codecRotating.encrypt(plain)), 'new');

  const after = codecRotating.rewrap(before);
  assert.equal(codecRotating.keyIdOf(after), 'new');
  const [, , wrapBefore, ivBefore, ctBefore] = before.split('.');
  const [, , wrapAfter, ivAfter, ctAfter] = after.split('.');
  assert.notEqual(wrapAfter, wrapBefore);
  assert.equal(ivAfter, ivBefore, 'content untouched');
  assert.equal(ctAfter, ctBefore, 'content untouched');

  assert.equal(codecRotating.rewrap(after), after, 'already under the active key: unchanged');
  // Old key removed: the rewrapped value still decrypts, the original no longer does.
  assert.equal(codecNew.decrypt(after), plain);
  refuses(() => codecNew.decrypt(before), 'SECRET_KEY_UNKNOWN');
});

test('API key hashes: keyed, deterministic, named by key id, never revealing the key', () => {
  const apiKey = 'alice-api-key-0123456789';
  const h = codecOld.hashApiKey(apiKey);
  assert.match(h, /^hmac-sha256:old:[A-Za-z0-9_-]{43}$/);
  assert.equal(codecOld.hashApiKey(apiKey), h, 'deterministic, so it can be looked up');
  assert.notEqual(codecOld.hashApiKey(`${apiKey}x`), h);
  assert.equal(codecOld.keyIdOf(h), 'old');
  assert.ok(!h.includes(apiKey));
  // Another keyring key gives an unrelated hash: a dump without the key cannot be checked against guesses.
  assert.notEqual(codecNew.hashApiKey(apiKey).split(':')[2], h.split(':')[2]);
});

test("apiKeyHashes: one hash per keyring key, active first, matching each key's hashApiKey", () => {
  const apiKey = 'k';
  assert.deepEqual(codecRotating.apiKeyHashes(apiKey), [codecNew.hashApiKey(apiKey), codecOld.hashApiKey(apiKey)]);
  assert.deepEqual(codecOld.apiKeyHashes(apiKey), [codecOld.hashApiKey(apiKey)]);
});

test('keyIdOf refuses what is neither an envelope nor a hash', () => {
  refuses(() => codecOld.keyIdOf('hunter2'), 'SECRET_CORRUPT', ['hunter2']);
  refuses(() => codecOld.keyIdOf('hmac-sha256::x'), 'SECRET_CORRUPT');
});

test('the API key hash is HMAC-SHA256 under HKDF(key, "portcullis api-key hash"), for any key length', () => {
  const hashKey = Buffer.from(hkdfSync('sha256', oldKey.key, Buffer.alloc(0), 'portcullis api-key hash', 32));
  for (const apiKey of ['', 'a', 'ключ-🔑', 'x'.repeat(63), 'y'.repeat(300), 'z'.repeat(5000), 'short-again']) {
    const expected = createHmac('sha256', hashKey).update(apiKey, 'utf8').digest('base64url');
    assert.equal(codecOld.hashApiKey(apiKey), `hmac-sha256:old:${expected}`, `length ${apiKey.length}`);
  }
});
