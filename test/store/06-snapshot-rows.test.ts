// store.snapshot() on PGlite and PostgreSQL builds each entity straight from its row (and PGlite reads each
// table as one JSON value), keeping decrypted envelopes between snapshots: the result must be exactly, key
// order included, what the row -> admin record -> merged secrets -> config row composition gives, and an
// envelope is decrypted once however many snapshots read it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it, test } from 'node:test';
import { pino } from 'pino';
import type { ConfigEntities } from '../../src/schema/entity-catalogue.ts';
import { loadPluginRegistry, type PluginRegistry } from '../../src/plugins/registry.ts';
import { createSecretCodec } from '../../src/secrets/envelope-codec.ts';
import { keyringFromKeys } from '../../src/secrets/keyring.ts';
import type { SecretCodec } from '../../src/secrets/secret-codec.ts';
import { builders, ref } from './contract/fixtures.ts';
import { KINDS } from '../../src/schema/entity-catalogue.ts';
import { recordFromRow, type EntitySqlRow } from '../../src/store/entity-repository.ts';
import { openStore } from '../../src/store/open-store.ts';
import { emptyEntities, fromAdminRecord } from '../../src/schema/entity-shapes.ts';
import { mergeSecrets, unseal } from '../../src/store/sealed-secrets.ts';
import { loadEntities } from '../../src/store/snapshot.ts';
import type { Store, WriteOp } from '../../src/store/store.ts';
import { TABLES } from '../../src/store/tables.ts';
import { createTestDatabase, postgresSkip } from '../helpers/pg-database.ts';
import { fieldOf } from '../../src/schema/object-node.ts';

const ACTOR = { id: 'test', name: 'test', role: 'admin' } as const;
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const plugins: PluginRegistry = await loadPluginRegistry();

/** A codec that counts decryptions. */
function countingCodec(): { codec: SecretCodec; decrypted: () => number } {
  const inner = createSecretCodec(keyringFromKeys([{ id: 'k1', key: randomBytes(32) }]));
  let count = 0;
  return { codec: { ...inner, decrypt: (envelope) => (count++, inner.decrypt(envelope)) }, decrypted: () => count };
}

/** The reference: the general-purpose conversions, one row at a time, as snapshots were first built. */
async function reference(store: Store, codec: SecretCodec): Promise<ConfigEntities> {
  const entities = emptyEntities();
  for (const kind of KINDS) {
    const rows = (await store.sql.query<EntitySqlRow>(`SELECT * FROM ${TABLES[kind].table} ORDER BY created_at, id`)).rows;
    for (const row of rows) {
      const entity = fromAdminRecord(kind, mergeSecrets(recordFromRow(kind, row), unseal(codec, row.secrets)));
      if (kind === 'keyauth_credentials' && typeof row.key_hash === 'string') entity.key_hash = row.key_hash;
      (entities[kind] as unknown[]).push(entity);
    }
  }
  return entities;
}

/** Every kind, with and without foreign keys, tags, secrets at the top and nested, and a stored unset null. */
async function seed(store: Store): Promise<{ jwtId: string; serviceId: string }> {
  const b = builders(plugins);
  const service = b.service({ tags: ['a', 'b'], path: '/base' });
  const bare = b.service();
  const upstream = b.upstream();
  const consumer = b.consumer({ custom_id: 'custom-1', tags: ['vip'] });
  const other = b.consumer();
  const route = b.route(service.id, { hosts: ['example.test'], methods: ['GET'] });
  const jwt = b.jwt(consumer.id);
  const ops: WriteOp[] = [
    { op: 'insert', kind: 'services', record: service },
    { op: 'insert', kind: 'services', record: bare },
    { op: 'insert', kind: 'routes', record: route },
    { op: 'insert', kind: 'routes', record: b.route(null, { paths: ['/orphan'], tags: ['t'] }) },
    { op: 'insert', kind: 'upstreams', record: upstream },
    { op: 'insert', kind: 'targets', record: b.target(upstream.id, { weight: 7 }) },
    { op: 'insert', kind: 'consumers', record: consumer },
    { op: 'insert', kind: 'consumers', record: other },
    { op: 'insert', kind: 'jwt_secrets', record: jwt },
    { op: 'insert', kind: 'jwt_secrets', record: b.jwt(other.id, { algorithm: 'HS512' }) },
    { op: 'insert', kind: 'keyauth_credentials', record: b.keyauth_credentials(consumer.id) },
    { op: 'insert', kind: 'acls', record: b.acl(consumer.id) },
    { op: 'insert', kind: 'plugins', record: b.plugin('correlation-id', {}) },
    { op: 'insert', kind: 'plugins', record: b.plugin('key-auth', {}, { route: ref(route.id) }) },
    { op: 'insert', kind: 'plugins', record: b.plugin('acl', { allow: ['g'] }, { service: ref(service.id) }) },
    {
      op: 'insert',
      kind: 'plugins',
      record: b.plugin('rate-limiting', { minute: 5, policy: 'redis', redis: { host: '127.0.0.1', password: 'redis-secret' } }, { consumer: ref(other.id) }),
    },
  ];
  await store.write(ops, { actor: ACTOR });
  // An older writer could leave a null on a field that is optional but never null: snapshots drop it.
  await store.sql.query(`UPDATE services SET data = data || '{"name": null}'::jsonb WHERE id = $1`, [bare.id]);
  return { jwtId: jwt.id, serviceId: service.id };
}

function runOn(label: string, open: (codec: SecretCodec) => Promise<Store>): void {
  describe(`snapshot rows: ${label}`, () => {
    it('gives exactly what the general conversions give, key order included, cached or not', async () => {
      const { codec, decrypted } = countingCodec();
      const store = await open(codec);
      try {
        const { jwtId } = await seed(store);
        const expected = await reference(store, codec);
        assert.ok(
          expected.jwt_secrets.every((s) => typeof s.secret === 'string'),
          'jwt secrets decrypted',
        );
        assert.ok(
          expected.plugins.some((p) => fieldOf(fieldOf(p.config, 'redis'), 'password') === 'redis-secret'),
          'nested plugin secret merged',
        );
        assert.ok(
          expected.services.some((s) => !('name' in s)),
          'the stored unset null dropped',
        );

        const first = (await store.snapshot()).entities;
        assert.equal(JSON.stringify(first), JSON.stringify(expected));
        assert.deepStrictEqual(first, expected);
        const envelopes = decrypted();
        const second = (await store.snapshot()).entities;
        assert.equal(JSON.stringify(second), JSON.stringify(expected));
        assert.equal(decrypted(), envelopes, 'the second snapshot decrypts nothing again');
        assert.notEqual(second.plugins[0], first.plugins[0], 'each snapshot owns its objects');
        const nested = second.plugins.find((p) => p.name === 'rate-limiting')!.config as { redis: { password: string } };
        const before = first.plugins.find((p) => p.name === 'rate-limiting')!.config as { redis: { password: string } };
        assert.notEqual(nested.redis, before.redis, 'secrets are parsed afresh per snapshot');

        // Row by row without the cache (PostgreSQL's path, and PGlite's before): the same again.
        const plain = await store.sql.transaction((tx) => loadEntities(tx, { codec, plugins }));
        assert.equal(JSON.stringify(plain), JSON.stringify(expected));

        // A changed secret is a new envelope: decrypted once, the rest still remembered.
        const jwt = (await store.get('jwt_secrets', jwtId))!;
        await store.write([{ op: 'update', kind: 'jwt_secrets', record: { ...jwt, secret: 'rotated-secret' } }], { actor: ACTOR });
        const counted = decrypted();
        const third = (await store.snapshot()).entities;
        assert.equal(decrypted(), counted + 1);
        assert.equal(third.jwt_secrets.find((s) => s.id === jwtId)!.secret, 'rotated-secret');
        assert.equal(JSON.stringify(third), JSON.stringify(await reference(store, codec)));
      } finally {
        await store.close();
      }
    });
  });
}

runOn('pglite', (codec) => openStore({ codec, plugins, logger }));

const skip = await postgresSkip();
if (skip) {
  test('snapshot rows: postgres', { skip }, () => {});
} else {
  const db = await createTestDatabase();
  after(() => db.drop());
  runOn('postgres', (codec) => openStore({ databaseUrl: db.url, codec, plugins, logger }));
}
