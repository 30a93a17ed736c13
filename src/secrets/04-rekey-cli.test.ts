// `portcullis secrets rekey` as a real process over an embedded (PGlite) store in a temp data folder: the
// rotation documented in docs/secrets.md, end to end. Secrets written under k1; rekey with "k2,k1"; then k1
// dropped and everything encrypted still decrypts, while API key hashes under k1 are reported, not lost silently.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { openStore } from '../store/open-store.ts';
import { loadPluginRegistry } from '../plugins/registry.ts';
import { keyringFromKeys } from './keyring.ts';
import { createSecretCodec } from './envelope-codec.ts';

const run = promisify(execFile);
const NODE = process.execPath;
const CLI = new URL('../cli/main.ts', import.meta.url).pathname;
const plugins = await loadPluginRegistry();
const logger = pino({ level: 'silent' });
const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };
const entry = (k: { id: string; key: Buffer }) => `${k.id}:${k.key.toString('base64')}`;

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** Runs the CLI with only the given secret env (no DATABASE_URL: the PGlite store in --data). */
async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PORTCULLIS_') && k !== 'DATABASE_URL'));
  try {
    const { stdout, stderr } = await run(NODE, [CLI, ...args], { env: { ...clean, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('rekey re-wraps secrets under the new active key; the old key can then be dropped', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'portcullis-rekey-'));
  dirs.push(dataDir);
  const consumer = randomUUID();
  const jwtId = randomUUID();
  const store = await openStore({ dataDir, codec: createSecretCodec(keyringFromKeys([k1])), plugins, logger });
  try {
    await store.write(
      [
        { op: 'insert', kind: 'consumers', record: { id: consumer, username: 'alice' } },
        {
          op: 'insert',
          kind: 'jwt_secrets',
          record: { id: jwtId, consumer: { id: consumer }, key: 'alice-iss', secret: 'jwt-hmac-secret', algorithm: 'HS256' },
        },
        { op: 'insert', kind: 'keyauth_credentials', record: { id: randomUUID(), consumer: { id: consumer }, key: 'alice-api-key' } },
      ],
      { actor: { id: 'system', name: 'test', role: 'admin' } },
    );
    // What a dump of the database would show: no secret, no API key, in any table (audit log included).
    const tables = await store.sql.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
    );
    assert.ok(tables.rows.length > 3);
    for (const { table_name } of tables.rows) {
      const rows = await store.sql.query<{ j: string }>(`SELECT row_to_json(t)::text AS j FROM "${table_name}" t`);
      for (const { j } of rows.rows) {
        assert.ok(!j.includes('jwt-hmac-secret') && !j.includes('alice-api-key'), `${table_name} holds a plaintext secret`);
      }
    }
  } finally {
    await store.close();
  }

  const rekey = await cli(['secrets', 'rekey', '--data', dataDir], { PORTCULLIS_SECRET_KEYS: `${entry(k2)},${entry(k1)}` });
  assert.equal(rekey.code, 0, rekey.stderr);
  assert.match(rekey.stdout, /re-encrypted the secrets of 1 entity under key 'k2'/);
  assert.match(rekey.stdout, /1 API key\(s\) are hashed under key 'k1'.*reissue them before removing it/);
  for (const secret of ['jwt-hmac-secret', 'alice-api-key', k1.key.toString('base64'), k2.key.toString('base64')]) {
    assert.ok(!rekey.stdout.includes(secret) && !rekey.stderr.includes(secret), 'output shows a secret');
  }

  // Run again: nothing left to do.
  const again = await cli(['secrets', 'rekey', '--data', dataDir], { PORTCULLIS_SECRET_KEYS: `${entry(k2)},${entry(k1)}` });
  assert.match(again.stdout, /re-encrypted the secrets of 0 entities/);

  // k1 gone: the jwt secret still decrypts under k2 alone; the API key hash under k1 remains as it was.
  const newOnly = createSecretCodec(keyringFromKeys([k2]));
  const reopened = await openStore({ dataDir, codec: newOnly, plugins, logger });
  try {
    const { entities } = await reopened.snapshot();
    assert.equal(entities.jwt_secrets.find((s) => s.id === jwtId)?.secret, 'jwt-hmac-secret');
    const keyHash = entities.keyauth_credentials[0]?.key_hash;
    assert.ok(keyHash !== undefined);
    assert.equal(newOnly.keyIdOf(keyHash), 'k1');
    const audit = await reopened.audit.list({ size: 10 });
    assert.ok(audit.data.some((e) => e.action === 'rekey' && e.actor.id === 'cli'));
  } finally {
    await reopened.close();
  }
});

test('rekey without any secret key refuses, and does not invent one in the data folder', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'portcullis-rekey-'));
  dirs.push(dataDir);
  const res = await cli(['secrets', 'rekey', '--data', dataDir], {});
  assert.equal(res.code, 1);
  assert.match(res.stderr, /^portcullis: no secret key configured and no key file at .*secret-keys: set PORTCULLIS_SECRET_KEY/);
});

test('rekey on a folder without a database refuses rather than creating an empty one', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'portcullis-rekey-'));
  dirs.push(dataDir);
  const res = await cli(['secrets', 'rekey', '--data', dataDir], { PORTCULLIS_SECRET_KEYS: entry(k1) });
  assert.equal(res.code, 1);
  assert.match(res.stderr, /no database in .*: pass --data DIR/);
  assert.deepEqual(await readdir(dataDir), []);
});

test('a malformed key is refused with its length, never its value', async () => {
  const bad = randomBytes(16).toString('base64');
  const res = await cli(['secrets', 'rekey', '--data', join(tmpdir(), 'unused')], { PORTCULLIS_SECRET_KEY: bad });
  assert.equal(res.code, 1);
  assert.match(res.stderr, /decodes to 16 bytes/);
  assert.ok(!res.stderr.includes(bad));
});
