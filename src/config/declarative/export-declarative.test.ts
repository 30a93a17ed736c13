// exportDeclarative: decK-style nesting, deterministic text, exact round trips through the loader, no secrets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { loadPluginRegistry } from '../../plugins/registry.ts';
import { loadEntitiesFromFile } from '../load-config.ts';
import { DEMO_CONFIG } from '../../../examples/demo/paths.ts';
import { KINDS, rowsOf, type ConfigEntities } from '../../schema/entity-catalogue.ts';
import { isMapping, isObjectNode } from '../../schema/object-node.ts';
import { loadDeclarative } from './load-declarative.ts';
import { exportDeclarative, serializeDeclarative } from './export-declarative.ts';

const plugins = await loadPluginRegistry();

/** Lists sorted by id, so two entity sets compare regardless of file order. */
function byId(e: ConfigEntities): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kind of KINDS) out[kind] = [...rowsOf(e, kind)].sort((a, b) => (a.id < b.id ? -1 : 1));
  return out;
}

const reload = (text: string) => {
  const doc: unknown = parseYaml(text);
  assert.ok(isMapping(doc));
  return loadDeclarative(doc, plugins, 'export', { generateSecrets: false });
};

/** The value at `path` in an exported document (objects by key, lists by index), for assertions. */
function at(value: unknown, ...path: (string | number)[]): unknown {
  let node = value;
  for (const key of path) node = isObjectNode(node) ? node[key] : undefined;
  return node;
}

/** The list at `path`, each item as `pick` reads it. */
function each(value: unknown, path: (string | number)[], pick: (item: unknown) => unknown): unknown[] {
  const list = at(value, ...path);
  assert.ok(Array.isArray(list), `${path.join('.')} is a list`);
  return list.map((item: unknown) => pick(item));
}

/** Whether `item` has the field `name` at all. */
const has = (item: unknown, name: string): boolean => isObjectNode(item) && name in item;

test('the demo file round-trips: load -> export -> load gives the same entities, minus secrets', async () => {
  const entities = await loadEntitiesFromFile(DEMO_CONFIG, plugins);
  const text = serializeDeclarative(exportDeclarative(entities, { plugins }), 'yaml');
  const expected = structuredClone(entities);
  for (const s of expected.jwt_secrets) delete s.secret;
  assert.deepEqual(byId(reload(text)), byId(expected));
  assert.doesNotMatch(text, /demo-web-app-secret|secret:/);
  assert.doesNotMatch(text, /created_at|updated_at/);
});

test('export -> YAML -> load -> export is byte-identical (YAML and JSON)', async () => {
  const entities = await loadEntitiesFromFile(DEMO_CONFIG, plugins);
  for (const format of ['yaml', 'json'] as const) {
    const once = serializeDeclarative(exportDeclarative(entities, { plugins }), format);
    const twice = serializeDeclarative(exportDeclarative(reload(once), { plugins }), format);
    assert.equal(twice, once);
  }
});

test('the demo export is nested like a decK dump, sorted, with ids and defaults', async () => {
  const doc = exportDeclarative(await loadEntitiesFromFile(DEMO_CONFIG, plugins), { plugins });
  assert.deepEqual(Object.keys(doc), ['_format_version', 'consumers', 'plugins', 'services']);
  assert.equal(doc._format_version, '3.0');
  assert.deepEqual(
    each(doc, ['services'], (s) => at(s, 'name')),
    ['orders', 'users'],
  );
  const users = at(doc, 'services', 1);
  assert.ok(isObjectNode(users));
  assert.deepEqual(Object.keys(users), [...Object.keys(users)].sort());
  assert.match(String(users.id), /^[0-9a-f-]{36}$/);
  assert.equal(users.port, 3001);
  assert.equal(users.retries, 5, 'defaults are written out');
  assert.deepEqual(
    each(users, ['routes'], (r) => [at(r, 'name'), at(r, 'paths'), has(r, 'service')]),
    [['users', ['/api/users'], false]],
  );
  assert.deepEqual(
    each(users, ['plugins'], (p) => at(p, 'name')),
    ['acl'],
  );
  assert.deepEqual(
    each(doc, ['plugins'], (p) => at(p, 'name')),
    ['correlation-id', 'jwt', 'rate-limiting'],
  );
  assert.deepEqual(
    each(doc, ['consumers'], (c) => at(c, 'username')),
    ['mobile-app', 'partner-acme', 'web-app'],
  );
  const acme = at(doc, 'consumers', 1);
  assert.deepEqual(
    each(acme, ['jwt_secrets'], (s) => [at(s, 'key'), at(s, 'algorithm'), has(s, 'secret'), has(s, 'consumer')]),
    [['partner-acme', 'HS256', false, false]],
  );
  assert.deepEqual(
    each(acme, ['acls'], (a) => at(a, 'group')),
    ['partners'],
  );
  assert.equal(at(acme, 'plugins', 0, 'config', 'minute'), 5);
});

const KEYED = {
  _format_version: '3.0',
  services: [{ name: 'svc', url: 'http://127.0.0.1:9', routes: [{ name: 'r1', paths: ['/a'], plugins: [{ name: 'key-auth' }] }] }],
  routes: [{ name: 'loose', paths: ['/loose'] }],
  upstreams: [{ name: 'up', targets: [{ target: '127.0.0.1:9001', weight: 5 }] }],
  consumers: [{ username: 'alice', keyauth_credentials: [{ key: 'alice-plaintext-key-1234' }], acls: [{ group: 'g1', tags: ['team'] }] }],
  plugins: [
    { name: 'rate-limiting', service: 'svc', consumer: 'alice', config: { minute: 5, policy: 'local', redis: { password: 'hunter2-redis-password' } } },
  ],
};

test('secrets never leave: API keys become key_hash, plugin passwords and plaintext keys are left out', () => {
  const entities = loadDeclarative(structuredClone(KEYED), plugins);
  // What the store's snapshot holds: the key's hash, never the key.
  const hash = 'hmac-sha256:k1:AbCdEf0123456789_-xyz';
  entities.keyauth_credentials = entities.keyauth_credentials.map((credential) => {
    const hashed = { ...credential, key_hash: hash };
    delete hashed.key;
    return hashed;
  });
  const doc = exportDeclarative(entities, { plugins });
  const text = serializeDeclarative(doc, 'yaml');
  assert.doesNotMatch(text, /hunter2|alice-plaintext-key/);
  assert.deepEqual(
    each(doc, ['consumers', 0, 'keyauth_credentials'], (k) => [at(k, 'key_hash'), has(k, 'key')]),
    [[hash, false]],
  );
  // Two scopes: top level, references by name.
  const plugin = at(doc, 'plugins', 0);
  assert.deepEqual([at(plugin, 'service'), at(plugin, 'consumer'), has(plugin, 'route')], ['svc', 'alice', false]);
  assert.equal(at(plugin, 'config', 'redis', 'password'), undefined);
  assert.deepEqual(
    each(doc, ['routes'], (r) => at(r, 'name')),
    ['loose'],
  );
  assert.deepEqual(
    each(doc, ['services', 0, 'routes', 0, 'plugins'], (p) => at(p, 'name')),
    ['key-auth'],
  );
  assert.deepEqual(
    each(doc, ['upstreams', 0, 'targets'], (t) => [at(t, 'target'), at(t, 'weight')]),
    [['127.0.0.1:9001', 5]],
  );

  const back = reload(text);
  assert.deepEqual(
    back.keyauth_credentials.map((k) => [k.id, k.key_hash, k.key]),
    entities.keyauth_credentials.map((k) => [k.id, hash, undefined]),
  );
  const expected = structuredClone(entities);
  const redis = at(expected.plugins.find((p) => p.name === 'rate-limiting')?.config, 'redis');
  assert.ok(isObjectNode(redis));
  redis.password = null; // left out, so the schema default comes back
  assert.deepEqual(byId(back), byId(expected));
  assert.equal(serializeDeclarative(exportDeclarative(back, { plugins }), 'yaml'), text);
});

test('a plaintext key from a file is left out too (it loads back without a key, not with a new one)', () => {
  const entities = loadDeclarative(structuredClone(KEYED), plugins);
  const doc = exportDeclarative(entities, { plugins });
  const credential = at(doc, 'consumers', 0, 'keyauth_credentials', 0);
  assert.ok(isObjectNode(credential));
  assert.deepEqual(Object.keys(credential).sort(), ['id']);
  assert.equal(reload(serializeDeclarative(doc, 'yaml')).keyauth_credentials.at(0)?.key, undefined);
});

test('select tags: only entities carrying every tag, children of unselected parents at the top level', () => {
  const entities = loadDeclarative(structuredClone(KEYED), plugins);
  const doc = exportDeclarative(entities, { plugins, selectTags: ['team'] });
  assert.deepEqual(Object.keys(doc), ['_format_version', '_info', 'acls']);
  assert.deepEqual(doc._info, { select_tags: ['team'] });
  assert.deepEqual(
    each(doc, ['acls'], (a) => [at(a, 'group'), at(a, 'consumer')]),
    [['g1', 'alice']],
  );
});

test('the loader takes key_hash instead of key, never both', () => {
  const doc = (cred: object) => ({ _format_version: '3.0', consumers: [{ username: 'a', keyauth_credentials: [cred] }] });
  assert.equal(loadDeclarative(doc({ key_hash: 'hmac-sha256:k1:abc' }), plugins).keyauth_credentials.at(0)?.key_hash, 'hmac-sha256:k1:abc');
  assert.throws(() => loadDeclarative(doc({ key: 'x', key_hash: 'hmac-sha256:k1:abc' }), plugins), /key_hash: cannot be set together with 'key'/);
  assert.throws(() => loadDeclarative(doc({ key_hash: 'plain' }), plugins), /key_hash/);
  const two = {
    _format_version: '3.0',
    consumers: [{ username: 'a', keyauth_credentials: [{ key_hash: 'hmac-sha256:k1:abc' }, { key_hash: 'hmac-sha256:k1:abc' }] }],
  };
  assert.throws(() => loadDeclarative(two, plugins), /keyauth_credentials\[1\]\.key_hash: must be unique/);
});
