// The store's secret key check values (migration 005): recorded when first keyed, extended by a node with a new
// key, compared before a node serves (refusing a key id that names another key, or a keyring sharing no key with
// the store), and replaced by `secrets rekey`, which refuses to re-wrap under a differing keyring.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { createSecretCodec } from '../../src/secrets/envelope-codec.ts';
import { keyringFromKeys } from '../../src/secrets/keyring.ts';
import { createPgliteClient } from '../../src/store/drivers/pglite-client.ts';
import { checkSecretKeys } from '../../src/store/key-checks.ts';
import { runMigrations } from '../../src/store/migrate.ts';
import { createStore } from '../../src/store/open-store.ts';

const logger = pino({ level: 'silent' });
const key = (id: string) => ({ id, key: randomBytes(32) });
const codec = (...keys: { id: string; key: Buffer }[]) => createSecretCodec(keyringFromKeys(keys));
const ACTOR = { id: 'cli', name: 'cli', role: 'admin' as const };

test('key check values: first keying, a new key, a differing key, and rekey replacing the record', { timeout: 180_000 }, async () => {
  const sql = await createPgliteClient();
  try {
    await runMigrations(sql, logger);
    const recorded = async () => (await sql.query<{ key_id: string }>('SELECT key_id FROM secret_key_checks ORDER BY key_id')).rows.map((r) => r.key_id);
    const k1 = key('k1');
    const k2 = key('k2');

    assert.deepEqual((await checkSecretKeys(sql, codec(k1))).recorded, ['k1']);
    await assert.rejects(checkSecretKeys(sql, codec(key('k1'))), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'SECRET_KEY_MISMATCH');
      assert.match(err.message, /key id 'k1' names a different key here than in the database\)\. This node's keyring: 'k1'; the database's keys: 'k1'\./);
      return true;
    });
    await assert.rejects(
      checkSecretKeys(sql, codec(key('other'))),
      /this node holds none of the keys the database was keyed with\)\. This node's keyring: 'other'; the database's keys: 'k1'\./,
    );
    assert.deepEqual(await recorded(), ['k1'], 'a refused keyring records nothing');

    // Rotation step 1: the new key joins the record.
    assert.deepEqual(await checkSecretKeys(sql, codec(k2, k1)), { recorded: ['k2'], absent: [] });

    // rekey under a keyring whose 'k2' is another key: refused before anything is re-wrapped.
    await assert.rejects(
      createStore(sql, { codec: codec(key('k2'), k1), plugins: new Map(), logger }).rekeySecrets(ACTOR),
      /key id 'k2' names a different key/,
    );

    // rekey with the new key alone: the record becomes exactly that keyring, so the old key alone is refused.
    await createStore(sql, { codec: codec(k2), plugins: new Map(), logger }).rekeySecrets(ACTOR);
    assert.deepEqual(await recorded(), ['k2']);
    await assert.rejects(checkSecretKeys(sql, codec(k1)), /This node's keyring: 'k1'; the database's keys: 'k2'/);
    assert.deepEqual(await checkSecretKeys(sql, codec(k2, k1)), { recorded: ['k1'], absent: [] });
  } finally {
    await sql.close();
  }
});
