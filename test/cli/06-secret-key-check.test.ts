// A node whose secret keys differ from the cluster's refuses to start (exit 1), naming the key ids on each side,
// instead of joining and answering 401 to API keys the other nodes accept. Real `portcullis start` processes on
// PostgreSQL (two nodes, one database) and on PGlite (a database made before the key check table upgrades in place).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyIdFor } from '../../src/secrets/keyring.ts';
import { createPgliteClient } from '../../src/store/drivers/pglite-client.ts';
import { postgresSkip } from '../helpers/pg-database.ts';
import { startUpstream } from '../helpers/upstream.ts';
import { adminCall, startNodeProcess, type NodeProcess } from '../cluster/node-process.ts';
import { createClusterDatabase } from '../cluster/shared-postgres.ts';

const skip = await postgresSkip();
/** This machine may be busy: a first PGlite start (initdb) can take a while. */
const START_MS = 90_000;
const API_KEY = 'alice-key-0123456789';

/** A key-auth route and a consumer with an API key: a stored secret the keyring must open. */
async function seedApiKey(node: NodeProcess, upstreamUrl: string): Promise<void> {
  const token = node.token!;
  for (const [path, body] of [
    ['/services', { name: 'keyed', url: upstreamUrl }],
    ['/services/keyed/routes', { name: 'keyed', paths: ['/keyed'] }],
    ['/routes/keyed/plugins', { name: 'key-auth' }],
    ['/consumers', { username: 'alice' }],
    ['/consumers/alice/key-auth', { key: API_KEY }],
  ] as const) {
    const res = await adminCall(node, token, 'POST', path, body);
    assert.equal(res.status, 201, `${path}: ${JSON.stringify(res.body)}`);
  }
}

async function apiKeyStatus(node: NodeProcess): Promise<number> {
  const res = await fetch(`${node.proxy}/keyed`, { headers: { apikey: API_KEY } });
  await res.arrayBuffer();
  return res.status;
}

/** Starts a node that must refuse; returns its output. */
async function refusedStart(args: string[], env: Record<string, string>): Promise<string> {
  try {
    const node = await startNodeProcess(args, env, START_MS);
    await node.stop();
  } catch (err) {
    const message = (err as Error).message;
    assert.match(message, /exited with 1 before it was ready/, message);
    return message;
  }
  assert.fail('the node started with keys that differ from the database');
}

test(
  'PostgreSQL: a second node with a different key under the same id, or another key, refuses to start; the right key joins',
  { skip, timeout: 480_000 },
  async () => {
    const db = await createClusterDatabase(['a', 'b']);
    const up = await startUpstream();
    const k1 = randomBytes(32).toString('base64');
    const k2 = randomBytes(32).toString('base64');
    let a: NodeProcess | undefined;
    let b: NodeProcess | undefined;
    try {
      a = await startNodeProcess(['--database-url', db.url('a')], { PORTCULLIS_SECRET_KEYS: `main:${k1}` }, START_MS);
      await seedApiKey(a, up.url);
      assert.equal(await apiKeyStatus(a), 200);

      // Same id, other key: the key id is named as differing.
      const sameId = await refusedStart(['--database-url', db.url('b')], { PORTCULLIS_SECRET_KEYS: `main:${k2}` });
      assert.match(
        sameId,
        /refusing to start: this node's secret keys cannot open what the database holds \(key id 'main' names a different key here than in the database\)/,
      );
      assert.match(sameId, /This node's keyring: 'main'; the database's keys: 'main'/);
      assert.ok(!sameId.includes(k1) && !sameId.includes(k2), 'a key in the output');

      // Another key altogether (PORTCULLIS_SECRET_KEY: its id is its fingerprint): both ids named.
      const other = await refusedStart(['--database-url', db.url('b')], { PORTCULLIS_SECRET_KEY: k2 });
      assert.match(other, /this node holds none of the keys the database was keyed with/);
      assert.match(other, new RegExp(`This node's keyring: '${keyIdFor(Buffer.from(k2, 'base64'))}'; the database's keys: 'main'`));

      // A rotation's keyring (a new key first, the cluster's after it) is accepted, and serves the stored API key.
      b = await startNodeProcess(['--database-url', db.url('b')], { PORTCULLIS_SECRET_KEYS: `next:${k2},main:${k1}` }, START_MS);
      assert.equal(await apiKeyStatus(b), 200);
    } finally {
      await b?.stop();
      await a?.stop();
      await up.close();
      await db.drop();
    }
  },
);

test(
  'PGlite: a database made before the key check upgrades in place on a start whose key opens it; a wrong key is refused before and after',
  { timeout: 480_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-keycheck-'));
    const data = join(dir, 'data');
    const up = await startUpstream();
    const right = { PORTCULLIS_SECRET_KEY: randomBytes(32).toString('base64') };
    const wrong = { PORTCULLIS_SECRET_KEY: randomBytes(32).toString('base64') };
    const rightId = keyIdFor(Buffer.from(right.PORTCULLIS_SECRET_KEY, 'base64'));
    const wrongId = keyIdFor(Buffer.from(wrong.PORTCULLIS_SECRET_KEY, 'base64'));
    const seed = join(dir, 'none.yaml');
    let node: NodeProcess | undefined;
    try {
      await writeFile(seed, '_format_version: "3.0"\n'); // --seed: no demo services on fixed ports
      node = await startNodeProcess(['--data', data, '--seed', seed], right, START_MS);
      await seedApiKey(node, up.url);
      await node.stop();
      node = undefined;

      // Today's code made this database: no key check table, no migration 005.
      const sql = await createPgliteClient({ dataDir: join(data, 'pglite') });
      try {
        await sql.query('DROP TABLE secret_key_checks');
        await sql.query(`DELETE FROM schema_migrations WHERE version = '005'`);
      } finally {
        await sql.close();
      }

      // The stored values are the evidence: the wrong key opens none of them.
      const before = await refusedStart(['--data', data, '--seed', seed], wrong);
      assert.match(before, new RegExp(`This node's keyring: '${wrongId}'; the database's keys: '${rightId}'`));

      // The right key upgrades it (the check value is written) and serves the stored API key.
      node = await startNodeProcess(['--data', data, '--seed', seed], right, START_MS);
      assert.equal(await apiKeyStatus(node), 200);
      await node.stop();
      node = undefined;
      const check = await createPgliteClient({ dataDir: join(data, 'pglite') });
      try {
        const rows = (await check.query<{ key_id: string }>('SELECT key_id FROM secret_key_checks')).rows;
        assert.deepEqual(
          rows.map((r) => r.key_id),
          [rightId],
        );
      } finally {
        await check.close();
      }

      // From now on the record decides.
      const after = await refusedStart(['--data', data, '--seed', seed], wrong);
      assert.match(
        after,
        new RegExp(`this node holds none of the keys the database was keyed with.*This node's keyring: '${wrongId}'; the database's keys: '${rightId}'`),
      );
    } finally {
      await node?.stop();
      await up.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
);
