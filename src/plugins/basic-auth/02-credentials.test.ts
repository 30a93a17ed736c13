// The pieces under the handler: reading `Basic` credentials as Kong does, the remembered password checks
// (sync once proven, never a failure, bounded, expiring, a few scrypt runs at once) and the credential index.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword } from '../../secrets/password-hash.ts';
import { decodeBase64AsNginx, parseBasicCredentials } from './basic-credentials.ts';
import { BUSY, createPasswordChecker } from './password-checks.ts';
import { buildCredentialIndex } from './credential-index.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64');

test('Kong\'s header forms: Basic/basic, spaces optional, password with ":" and whitespace kept', () => {
  assert.deepEqual(parseBasicCredentials('Basic Ym9iOmtvbmc='), { username: 'bob', password: 'kong' });
  assert.deepEqual(parseBasicCredentials('basic Ym9iOmtvbmc='), { username: 'bob', password: 'kong' });
  assert.deepEqual(parseBasicCredentials('BasicYm9iOmtvbmc='), { username: 'bob', password: 'kong' }, "Kong's \\s* allows no space");
  assert.deepEqual(parseBasicCredentials('Basic dXNlcjMyMTpwYXNzd29yZDoxMjM='), { username: 'user321', password: 'password:123' });
  assert.deepEqual(parseBasicCredentials(`Basic ${b64('bob: kong ')}`), { username: 'bob', password: ' kong ' });
  assert.deepEqual(parseBasicCredentials(`Basic ${b64('bob:')}`), { username: 'bob', password: '' }, 'an empty password is a password (Kong: "" is truthy)');
  assert.deepEqual(parseBasicCredentials(`Basic ${b64('jöhn:pässwörd')}`), { username: 'jöhn', password: 'pässwörd' });
});

test('what Kong finds no credentials in', () => {
  for (const header of [
    undefined,
    '',
    'foobar',
    'Bearer abc',
    'Basic',
    'Basic a29uZw==' /* kong */,
    'Basic Ym9i' /* bob */,
    'Basic adXNlcjEyMzpwYXNzd29yZDEyMw==' /* Kong's 'valid Base64 encoding' case: bytes without ':' */,
    'Basic Ym9i Omtvbmc=',
    'Basic Ym9i*mtvbmc=',
    `Basic ${b64(':kong')}`,
    `Basic ${Buffer.from([0x62, 0xff, 0x3a, 0x61]).toString('base64')}` /* not UTF-8 */,
  ]) {
    assert.equal(parseBasicCredentials(header), undefined, JSON.stringify(header));
  }
});

test('nginx base64: stops at the first =, refuses 4n+1 characters and foreign ones, decodes a short last group', () => {
  assert.equal(decodeBase64AsNginx('Ym9iOmtvbmc=trailing')?.toString(), 'bob:kong');
  assert.equal(decodeBase64AsNginx('Ym9iOmtvbmc')?.toString(), 'bob:kong');
  assert.equal(decodeBase64AsNginx('Ym9iO'), undefined);
  assert.equal(decodeBase64AsNginx('Ym9i-mtv'), undefined, "the URL-safe alphabet is not nginx's");
});

test('a password proven once is answered synchronously; a wrong one is checked (and refused) every time', async () => {
  const checker = createPasswordChecker();
  const hash = await hashPassword('kong');
  const first = checker.check('kong', hash);
  assert.ok(first instanceof Promise, 'the first check runs scrypt');
  assert.equal(await first, true);
  assert.equal(checker.check('kong', hash), true, 'the second is a lookup');
  assert.equal(checker.size, 1);
  for (let i = 0; i < 2; i++) {
    const wrong = checker.check('nope', hash);
    assert.ok(wrong instanceof Promise, 'a failure is never remembered');
    assert.equal(await wrong, false);
  }
  assert.equal(checker.size, 1);
  const other = await hashPassword('kong');
  assert.ok(checker.check('kong', other) instanceof Promise, 'remembered per (hash, password): a new hash is checked afresh');
});

test('successes expire after the ttl and the least recently used go past the bound', async () => {
  let now = 1_000_000;
  const checker = createPasswordChecker({ ttlMs: 1000, maxEntries: 2, now: () => now });
  const [a, b, c] = await Promise.all([hashPassword('a'), hashPassword('b'), hashPassword('c')]);
  assert.equal(await checker.check('a', a), true);
  assert.equal(await checker.check('b', b), true);
  assert.equal(checker.check('a', a), true, 'a is now the most recently used');
  assert.equal(await checker.check('c', c), true);
  assert.equal(checker.size, 2);
  assert.equal(checker.check('a', a), true);
  assert.ok(checker.check('b', b) instanceof Promise, 'b, least recently used, went');
  now += 1001;
  assert.ok(checker.check('c', c) instanceof Promise, 'expired');
});

test('checks of one pair share a run; at most `concurrency` run at once; beyond maxWaiting, BUSY', async () => {
  const checker = createPasswordChecker({ concurrency: 1, maxWaiting: 1 });
  const hash = await hashPassword('kong');
  const p1 = checker.check('kong', hash);
  assert.equal(checker.check('kong', hash), p1, 'the same check in flight is shared');
  const p2 = checker.check('wrong-1', hash); // waits for p1's slot
  assert.equal(checker.check('wrong-2', hash), BUSY, 'one running, one waiting: full');
  assert.deepEqual(await Promise.all([p1, p2]), [true, false]);
  assert.equal(await checker.check('wrong-2', hash), false, 'room again once they finished');
});

test('the index finds credentials by exact username; file rows compare plaintext, store rows their hash', async () => {
  const checker = createPasswordChecker();
  const hash = await hashPassword('from-store');
  const index = buildCredentialIndex(
    [
      { id: '1', consumerId: 'c1', username: 'file', password: 'from-file' },
      { id: '2', consumerId: 'c2', username: 'store', password_hash: hash },
      { id: '3', consumerId: 'c3', username: 'broken' },
    ],
    checker,
  );
  assert.equal(index.get('File'), undefined, "usernames are case-sensitive, as Kong's cache key");
  assert.equal(index.get('file')?.check('from-file'), true);
  assert.equal(index.get('file')?.check('from-file '), false);
  assert.equal(index.get('file')?.check(''), false);
  assert.equal(await index.get('store')?.check('from-store'), true);
  assert.equal(await index.get('store')?.check('from-file'), false);
  assert.equal(index.get('broken')?.check(''), false, 'a row with neither fails closed');
  assert.ok(Object.isFrozen(index.get('store')));
});
