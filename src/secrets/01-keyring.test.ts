// Keyring sources: env (one key or a list), key file (with its permission check), a generated key in the data
// directory; malformed keys refused with errors that never show a key.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyIdFor, keyringFromKeys, loadKeyring, DATA_DIR_KEY_FILE } from './keyring.ts';
import { SecretError, type SecretErrorCode } from './secret-error.ts';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-keyring-'));
  dirs.push(dir);
  return dir;
}

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const b64 = (b: Buffer) => b.toString('base64');

/** Asserts a SecretError with `code` whose message mentions `pattern` and none of the given secrets. */
function refuses(fn: () => unknown, code: SecretErrorCode, pattern: RegExp, secrets: string[] = []) {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SecretError, `expected SecretError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    for (const s of secrets) assert.ok(!err.message.includes(s), 'error message shows a key');
    return;
  }
  assert.fail('expected a SecretError');
}

test('PORTCULLIS_SECRET_KEY: one key, id from its fingerprint', () => {
  const ring = loadKeyring({ env: { PORTCULLIS_SECRET_KEY: b64(k1) } });
  assert.equal(ring.source, 'env');
  assert.equal(ring.generated, false);
  assert.equal(ring.keys.length, 1);
  assert.equal(ring.active.id, keyIdFor(k1));
  assert.match(ring.active.id, /^[0-9a-f]{8}$/);
  assert.ok(ring.active.key.equals(k1));
  assert.equal(ring.get(ring.active.id), ring.active);
});

test('PORTCULLIS_SECRET_KEYS: an ordered list, first active, the others kept for old values; base64url accepted', () => {
  const ring = loadKeyring({ env: { PORTCULLIS_SECRET_KEYS: ` new:${b64(k2)} , old:${k1.toString('base64url')}` } });
  assert.deepEqual(
    ring.keys.map((k) => k.id),
    ['new', 'old'],
  );
  assert.equal(ring.active.id, 'new');
  assert.ok(ring.get('old')!.key.equals(k1));
  assert.equal(ring.get('nope'), undefined);
});

test('keys of the wrong length, not base64, bad or duplicate ids are refused without echoing the key', () => {
  const short = b64(randomBytes(16));
  refuses(() => loadKeyring({ env: { PORTCULLIS_SECRET_KEY: short } }), 'SECRET_KEY_INVALID', /16 bytes.*exactly 32/, [short]);
  const long = b64(randomBytes(48));
  refuses(() => loadKeyring({ env: { PORTCULLIS_SECRET_KEYS: `a:${long}` } }), 'SECRET_KEY_INVALID', /id 'a'.*48 bytes/, [long]);
  refuses(() => loadKeyring({ env: { PORTCULLIS_SECRET_KEY: 'not base64 at all!' } }), 'SECRET_KEY_INVALID', /not base64/, ['not base64 at all']);
  refuses(() => loadKeyring({ env: { PORTCULLIS_SECRET_KEYS: `a.b:${b64(k1)}` } }), 'SECRET_KEY_INVALID', /invalid key id/, [b64(k1)]);
  refuses(() => loadKeyring({ env: { PORTCULLIS_SECRET_KEYS: `a:${b64(k1)},a:${b64(k2)}` } }), 'SECRET_KEY_INVALID', /'a' appears twice/);
  refuses(() => loadKeyring({ env: { PORTCULLIS_SECRET_KEYS: ' , ' } }), 'SECRET_KEY_MISSING', /holds no key/);
  refuses(() => keyringFromKeys([{ id: 'x', key: randomBytes(31) }]), 'SECRET_KEY_INVALID', /31 bytes/);
  refuses(() => keyringFromKeys([]), 'SECRET_KEY_MISSING', /no key/);
});

test('no source at all: SECRET_KEY_MISSING telling how to provide one', () => {
  refuses(() => loadKeyring({ env: {} }), 'SECRET_KEY_MISSING', /PORTCULLIS_SECRET_KEY.*openssl rand -base64 32.*PORTCULLIS_KEY_FILE/);
});

test('two sources at once are refused rather than one silently winning', () => {
  refuses(() => loadKeyring({ env: { PORTCULLIS_SECRET_KEY: b64(k1), PORTCULLIS_SECRET_KEYS: `a:${b64(k2)}` } }), 'SECRET_KEY_INVALID', /only one/);
  refuses(() => loadKeyring({ env: { PORTCULLIS_SECRET_KEY: b64(k1) }, keyFile: '/nonexistent' }), 'SECRET_KEY_INVALID', /only one source/);
});

test('a key file: "id:base64" lines, comments and blank lines skipped, first active', async () => {
  const file = join(await tempDir(), 'keys');
  await writeFile(file, `# rotation in progress\n\nnext:${b64(k2)}\r\nprev:${b64(k1)}\n`, { mode: 0o600 });
  for (const ring of [loadKeyring({ env: {}, keyFile: file }), loadKeyring({ env: { PORTCULLIS_KEY_FILE: file } })]) {
    assert.equal(ring.source, 'key-file');
    assert.equal(ring.file, file);
    assert.deepEqual(
      ring.keys.map((k) => k.id),
      ['next', 'prev'],
    );
    assert.ok(ring.active.key.equals(k2));
  }
});

test('a key file readable by group or others is refused, naming the chmod that fixes it', { skip: process.platform === 'win32' }, async () => {
  const file = join(await tempDir(), 'keys');
  await writeFile(file, `a:${b64(k1)}\n`);
  for (const mode of [0o644, 0o640, 0o604]) {
    await chmod(file, mode);
    refuses(
      () => loadKeyring({ env: {}, keyFile: file }),
      'SECRET_KEY_INVALID',
      new RegExp(`readable by group or others \\(mode ${mode.toString(8)}\\).*chmod 600`),
      [b64(k1)],
    );
  }
  await chmod(file, 0o400);
  assert.equal(loadKeyring({ env: {}, keyFile: file }).active.id, 'a');
});

test('a missing key file or a bad key inside it is refused', async () => {
  const dir = await tempDir();
  refuses(() => loadKeyring({ env: {}, keyFile: join(dir, 'absent') }), 'SECRET_KEY_MISSING', /cannot read key file .*absent: ENOENT/);
  const file = join(dir, 'keys');
  const short = b64(randomBytes(20));
  await writeFile(file, `a:${short}\n`, { mode: 0o600 });
  refuses(() => loadKeyring({ env: {}, keyFile: file }), 'SECRET_KEY_INVALID', /key file .* entry #1 \(id 'a'\) decodes to 20 bytes/, [short]);
});

test('with only a data directory, a 0600 key file is generated once and reused', async () => {
  const dataDir = join(await tempDir(), 'data'); // not created yet: loadKeyring makes it
  const first = loadKeyring({ env: {}, dataDir });
  assert.equal(first.source, 'data-dir');
  assert.equal(first.generated, true);
  const file = join(dataDir, DATA_DIR_KEY_FILE);
  assert.equal(first.file, file);
  if (process.platform !== 'win32') assert.equal((await stat(file)).mode & 0o777, 0o600);
  const text = await readFile(file, 'utf8');
  assert.match(text, new RegExp(`^${first.active.id}:${first.active.key.toString('base64').replace(/[+/]/g, '\\$&')}$`, 'm'));

  const again = loadKeyring({ env: {}, dataDir });
  assert.equal(again.generated, false);
  assert.equal(again.active.id, first.active.id);
  assert.ok(again.active.key.equals(first.active.key));
});

test('an env key wins over the data directory, which is then left alone', async () => {
  const dataDir = await tempDir();
  const ring = loadKeyring({ env: { PORTCULLIS_SECRET_KEY: b64(k1) }, dataDir });
  assert.equal(ring.source, 'env');
  assert.equal(await stat(join(dataDir, DATA_DIR_KEY_FILE)).catch(() => null), null);
});

test('the keyring keeps its own copy of the key bytes', () => {
  const key = randomBytes(32);
  const copy = Buffer.from(key);
  const ring = keyringFromKeys([{ id: 'a', key }]);
  key.fill(0);
  assert.ok(ring.active.key.equals(copy));
});

test('create: false (rekey) refuses to invent a key for an empty data directory', async () => {
  const dataDir = await tempDir();
  refuses(() => loadKeyring({ env: {}, dataDir, create: false }), 'SECRET_KEY_MISSING', /no key file at .*secret-keys/);
  assert.equal(await stat(join(dataDir, DATA_DIR_KEY_FILE)).catch(() => null), null);
  const made = loadKeyring({ env: {}, dataDir });
  assert.equal(loadKeyring({ env: {}, dataDir, create: false }).active.id, made.active.id);
});
