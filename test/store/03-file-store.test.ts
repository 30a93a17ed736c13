// The DB-less store: reads over a loaded declarative file with the database store's shapes, order,
// pagination, tag and parent filters, and no secrets; compared record for record with a PGlite store
// holding the same entities.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { loadDeclarative } from '../../src/config/declarative/load-declarative.ts';
import type { ConfigEntities } from '../../src/schema/entity-catalogue.ts';
import { isGatewayError } from '../../src/errors/gateway-error.ts';
import { loadPluginRegistry, type PluginRegistry } from '../../src/plugins/registry.ts';
import { createSecretCodec } from '../../src/secrets/envelope-codec.ts';
import { keyringFromKeys } from '../../src/secrets/keyring.ts';
import { KINDS, rowsOf, type Kind } from '../../src/schema/entity-catalogue.ts';
import type { RowView } from '../../src/schema/entity-definition.ts';
import { createFileStore } from '../../src/store/file-store.ts';
import { openStore } from '../../src/store/open-store.ts';
import { toAdminRecord } from '../../src/schema/entity-shapes.ts';
import type { EntityRecord, ReadableStore, Store } from '../../src/store/store.ts';

const JWT_SECRET = `jwt-${randomBytes(16).toString('hex')}`;
const API_KEY = `key-${randomBytes(8).toString('hex')}`;
const REDIS_PASSWORD = `pw-${randomBytes(8).toString('hex')}`;

const DOC = {
  _format_version: '3.0',
  services: [
    {
      name: 'orders',
      url: 'http://orders.internal:8080/v1',
      tags: ['team-a', 'shop'],
      routes: [
        { name: 'orders-route', paths: ['/orders'], tags: ['team-a'] },
        { name: 'orders-admin', paths: ['/orders/admin'] },
      ],
      plugins: [{ name: 'rate-limiting', config: { minute: 10, policy: 'local', redis: { password: REDIS_PASSWORD } } }],
    },
    { name: 'billing', host: 'billing.internal', tags: ['team-b', 'shop'] },
    ...Array.from({ length: 12 }, (_, i) => ({ name: `bulk-${i}`, host: 'bulk.internal', tags: ['bulk'] })),
  ],
  upstreams: [{ name: 'orders.internal', targets: [{ target: '10.0.0.1:8080' }, { target: '10.0.0.2:8080', weight: 50 }] }],
  consumers: [
    {
      username: 'alice',
      custom_id: 'a-1',
      tags: ['team-a'],
      jwt_secrets: [{ key: 'alice-iss', secret: JWT_SECRET }],
      keyauth_credentials: [{ key: API_KEY }],
      acls: [{ group: 'admins' }],
    },
    { username: 'bob' },
  ],
};

let plugins: PluginRegistry;
let entities: ConfigEntities;
let files: ReadableStore;
let db: Store;

before(async () => {
  plugins = await loadPluginRegistry();
  entities = loadDeclarative(structuredClone(DOC), plugins);
  files = createFileStore(entities, { plugins, version: 7 });
  // The same entities in a database store (in-memory PGlite), written as the admin API would.
  const codec = createSecretCodec(keyringFromKeys([{ id: 'k1', key: randomBytes(32) }]));
  db = await openStore({ codec, plugins, logger: pino({ level: 'silent' }) });
  const ops = KINDS.flatMap((kind) => rowsOf(entities, kind).map((row) => ({ op: 'insert' as const, kind, record: toAdminRecord(kind, row) })));
  await db.write(ops, { actor: { id: 'test', name: 'test', role: 'admin' } });
});
after(() => db?.close());

const id = (kind: Kind, pick: (row: RowView) => boolean) => rowsOf(entities, kind).find(pick)!.id;
const withoutTimes = (record: EntityRecord) => {
  const rest = { ...record };
  delete rest.created_at;
  delete rest.updated_at;
  return rest;
};

describe('file store', () => {
  it('reads like the database store: same records, same order, for every kind', async () => {
    for (const kind of KINDS) {
      const fromFile = (await files.list(kind, { size: 1000 })).data;
      const fromDb = (await db.list(kind, { size: 1000 })).data;
      assert.deepEqual(fromFile.map(withoutTimes), fromDb.map(withoutTimes), kind);
      for (const record of fromFile) {
        assert.ok(Number.isInteger(record.created_at), `${kind} created_at stamped`);
        assert.deepEqual(withoutTimes((await files.get(kind, record.id))!), withoutTimes((await db.get(kind, record.id))!));
      }
    }
  });

  it('never returns secrets', async () => {
    const all = JSON.stringify(await Promise.all(KINDS.map((kind) => files.list(kind, { size: 1000 }))));
    for (const secret of [JWT_SECRET, API_KEY, REDIS_PASSWORD]) assert.ok(!all.includes(secret));
    const jwt = (await files.get('jwt_secrets', 'alice-iss'))!;
    assert.equal('secret' in jwt, false);
    assert.equal(jwt.key, 'alice-iss');
  });

  it('finds entities by endpoint key, within a parent when given', async () => {
    const alice = id('consumers', (c) => c.username === 'alice');
    const bob = id('consumers', (c) => c.username === 'bob');
    assert.equal((await files.get('services', 'orders'))?.name, 'orders');
    assert.equal((await files.get('consumers', 'alice'))?.id, alice);
    assert.equal(
      (await files.get('keyauth_credentials', API_KEY))?.id,
      id('keyauth_credentials', () => true),
    );
    assert.equal((await files.get('keyauth_credentials', API_KEY, { field: 'consumer', id: alice }))?.consumer && true, true);
    assert.equal(await files.get('keyauth_credentials', API_KEY, { field: 'consumer', id: bob }), undefined);
    assert.equal((await files.get('acls', 'admins', { field: 'consumer', id: alice }))?.group, 'admins');
    assert.equal(await files.get('services', 'nope'), undefined);
  });

  it('pages by id with an offset, filters by tags and parent', async () => {
    const seen: string[] = [];
    let offset: string | undefined;
    do {
      const page = await files.list('services', { size: 5, offset, tags: { values: ['bulk'], match: 'all' } });
      seen.push(...page.data.map((r) => r.id));
      offset = page.offset ?? undefined;
    } while (offset);
    assert.equal(seen.length, 12);
    assert.deepEqual(seen, [...seen].sort());
    const names = async (values: string[], match: 'all' | 'any') =>
      (await files.list('services', { size: 100, tags: { values, match } })).data.map((r) => r.name).sort();
    assert.deepEqual(await names(['team-a', 'shop'], 'all'), ['orders']);
    assert.deepEqual(await names(['team-a', 'team-b'], 'any'), ['billing', 'orders']);
    const orders = id('services', (s) => s.name === 'orders');
    const routes = await files.list('routes', { size: 100, parent: { field: 'service', id: orders } });
    assert.deepEqual(routes.data.map((r) => r.name).sort(), ['orders-admin', 'orders-route']);
    await assert.rejects(files.list('services', { size: 10, offset: 'garbage' }), (err) => isGatewayError(err) && err.code === 'ADMIN_INVALID_QUERY');
    await assert.rejects(files.list('services', { size: 0 }), (err) => isGatewayError(err) && err.code === 'ADMIN_INVALID_QUERY');
  });

  it('finds a key-auth credential the file gives as key_hash, with the codec', async () => {
    const codec = createSecretCodec(keyringFromKeys([{ id: 'k1', key: randomBytes(32) }]));
    const hashed = structuredClone(entities);
    hashed.keyauth_credentials = hashed.keyauth_credentials.map(({ key, ...rest }) => ({ ...rest, key_hash: codec.hashApiKey(key!) }));
    const store = createFileStore(hashed, { plugins, codec });
    const found = await store.get('keyauth_credentials', API_KEY);
    assert.equal(found?.id, hashed.keyauth_credentials.at(0)?.id);
    assert.ok(found);
    assert.equal('key_hash' in found, false);
    assert.equal(await createFileStore(hashed, { plugins }).get('keyauth_credentials', API_KEY), undefined);
  });

  it('snapshot() gives back the loaded entities, secrets included, at its version', async () => {
    const snapshot = await files.snapshot();
    assert.equal(snapshot.version, 7);
    assert.deepEqual(snapshot.entities, entities);
  });
});
