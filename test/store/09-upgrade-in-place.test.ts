// A database made before plugins owned their tables upgrades in place, on PostgreSQL and on PGlite. The fixture
// (test/fixtures/store-before-plugin-owners/) is a pg_dump of a database that the code of issue 7 seeded from
// seed.yaml and served two requests through (one rate-limiting counter row): core's migrations 001-006, the
// credential tables and the counters table created by core. Opened by today's code, its migration records get
// owners, each plugin's migration finds its table already there, and every entity, secret, hash and counter is
// still served: the right API key and JWT pass through a real gateway, a wrong key is 401, and writes work.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import { pino } from 'pino';
import { compileConfig } from '../../src/config/compile.ts';
import { PersistentState } from '../../src/config/persistent-state.ts';
import { startGateway } from '../../src/gateway/server.ts';
import { loadKeyring } from '../../src/secrets/keyring.ts';
import { createSecretCodec } from '../../src/secrets/envelope-codec.ts';
import { createPgliteClient } from '../../src/store/drivers/pglite-client.ts';
import { createPostgresClient } from '../../src/store/drivers/postgres-client.ts';
import { openStore, PGLITE_SUBDIR } from '../../src/store/open-store.ts';
import { splitStatements } from '../../src/store/sql-script.ts';
import type { SqlClient } from '../../src/store/sql-client.ts';
import type { Store } from '../../src/store/store.ts';
import { PLUGIN_DAOS } from '../../src/plugins/daos.ts';
import { plugins as loadPlugins } from '../helpers/gateway.ts';
import { httpRequest } from '../helpers/http.ts';
import { createTestDatabase, postgresSkip } from '../helpers/pg-database.ts';
import { startUpstream } from '../helpers/upstream.ts';

const FIXTURE = new URL('../fixtures/store-before-plugin-owners/', import.meta.url);
const codec = createSecretCodec(loadKeyring({ env: { PORTCULLIS_SECRET_KEY: (await readFile(new URL('secret-key', FIXTURE), 'utf8')).trim() } }));
const plugins = await loadPlugins();
const logger = pino({ level: 'silent' });
const ACTOR = { id: 'test', name: 'test', role: 'admin' as const };
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
});

async function loadDump(sql: SqlClient): Promise<void> {
  const dump = await readFile(new URL('dump.sql', FIXTURE), 'utf8');
  for (const statement of splitStatements(dump)) await sql.query(statement);
}

function jwtFor(iss: string, secret: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ iss, exp: 4102444800 })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

async function checkUpgraded(store: Store): Promise<void> {
  const migrations = (
    await store.sql.query<{ owner: string; version: string }>('SELECT owner, version FROM schema_migrations ORDER BY owner, version')
  ).rows.map((r) => `${r.owner}/${r.version}`);
  for (const id of ['core/001', 'core/006', 'jwt/001', 'key-auth/001', 'acl/001', 'rate-limiting/001'])
    assert.ok(migrations.includes(id), `${id} in ${migrations.join(', ')}`);

  const { entities } = await store.snapshot();
  assert.deepEqual(entities.consumers.map((c) => c.username).sort(), ['alice', 'bob']);
  assert.equal(entities.keyauth_credentials.length, 2);
  for (const row of entities.keyauth_credentials) assert.match(row.key_hash ?? '', /^hmac-sha256:/);
  assert.equal(entities.jwt_secrets[0]?.secret, 'alice-hs256-secret-that-is-long-enough-000', 'the sealed secret opens');
  assert.deepEqual(entities.acls.map((a) => a.group).sort(), ['partners', 'staff']);
  assert.equal(entities.plugins.length, 5);
  assert.equal((await store.sql.query('SELECT 1 FROM rate_limiting_counters')).rows.length, 1, 'the counter row is kept');

  // Reads by endpoint key, a hashed key included, and writes to plugin-owned and core tables.
  const alice = await store.get('keyauth_credentials', 'alice-secret-api-key-0001');
  assert.ok(alice, 'found by the hash of the API key');
  const bob = await store.get('consumers', 'bob');
  assert.ok(bob);
  await store.write(
    [
      { op: 'insert', kind: 'keyauth_credentials', record: { id: '6f1f9a52-2a7e-4c1b-9d3e-111111111111', consumer: { id: bob.id }, key: 'bob-new-key-0003' } },
      { op: 'insert', kind: 'acls', record: { id: '6f1f9a52-2a7e-4c1b-9d3e-222222222222', consumer: { id: bob.id }, group: 'staff' } },
    ],
    { actor: ACTOR },
  );
  assert.equal((await store.get('keyauth_credentials', 'bob-new-key-0003'))?.id, '6f1f9a52-2a7e-4c1b-9d3e-111111111111');

  // Served through a real gateway: the users route (key-auth + acl staff), the orders route (jwt).
  const upstream = await startUpstream();
  cleanup.push(() => upstream.close());
  const served = (await store.snapshot()).entities;
  const port = Number(new URL(upstream.url).port);
  for (const service of served.services) service.port = port;
  for (const target of served.targets) target.target = `127.0.0.1:${port}`;
  const gateway = await startGateway(await compileConfig(served, plugins, new PersistentState(), logger, { codec, sql: store.sql }), {
    listen: [{ host: '127.0.0.1', port: 0 }],
    logger,
  });
  cleanup.push(() => gateway.close(200));
  const base = `http://127.0.0.1:${gateway.addresses()[0]?.port}`;
  assert.equal((await httpRequest(`${base}/users`, { headers: { apikey: 'alice-secret-api-key-0001' } })).status, 200);
  assert.equal((await httpRequest(`${base}/users`, { headers: { apikey: 'bob-new-key-0003' } })).status, 200, 'the new key and the new group work');
  assert.equal((await httpRequest(`${base}/users`, { headers: { apikey: 'not-a-key' } })).status, 401);
  assert.equal(
    (await httpRequest(`${base}/orders`, { headers: { authorization: `Bearer ${jwtFor('alice-iss', 'alice-hs256-secret-that-is-long-enough-000')}` } })).status,
    200,
  );
  await gateway.close(200);

  // Deleting a consumer still cascades to the rows in the plugins' tables.
  await store.write([{ op: 'delete', kind: 'consumers', id: bob.id }], { actor: ACTOR });
  assert.equal((await store.snapshot()).entities.keyauth_credentials.length, 1);
}

test('PGlite: a database from before plugin-owned tables opens, upgrades and serves', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'portcullis-upgrade-'));
  cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
  const raw = await createPgliteClient({ dataDir: join(dataDir, PGLITE_SUBDIR) });
  try {
    await loadDump(raw);
  } finally {
    await raw.close();
  }
  const store = await openStore({ dataDir, codec, plugins, logger });
  try {
    await checkUpgraded(store);
  } finally {
    await store.close();
  }
});

const skip = await postgresSkip();
test('PostgreSQL: a database from before plugin-owned tables opens, upgrades and serves', { skip }, async () => {
  const db = await createTestDatabase();
  cleanup.push(() => db.drop());
  const raw = await createPostgresClient({ connectionString: db.url });
  try {
    await loadDump(raw);
  } finally {
    await raw.close();
  }
  const store = await openStore({ databaseUrl: db.url, codec, plugins, logger });
  try {
    await checkUpgraded(store);
    // a second open applies nothing more
    const again = (await store.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations')).rows[0]?.n;
    // core's migrations and every bundled plugin's, each once
    const folders = [new URL('../../src/store/migrations/', import.meta.url), ...PLUGIN_DAOS.map((daos) => daos.migrations)];
    const files = await Promise.all(folders.map(async (folder) => (await readdir(folder)).filter((name) => name.endsWith('.sql')).length));
    assert.equal(
      again,
      files.reduce((sum, n) => sum + n, 0),
    );
  } finally {
    await store.close();
  }
});
