// exportDeclarative: decK-style nesting, deterministic text, exact round trips through the loader, no secrets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { loadPluginRegistry } from '../../plugins/registry.ts';
import { loadEntitiesFromFile } from '../load-config.ts';
import { DEMO_CONFIG } from '../../../examples/demo/paths.ts';
import type { ConfigEntities } from '../../schema/entity-catalogue.ts';
import { loadDeclarative } from './load-declarative.ts';
import { exportDeclarative, serializeDeclarative } from './export-declarative.ts';

const plugins = await loadPluginRegistry();

/** Lists sorted by id, so two entity sets compare regardless of file order. */
function byId(e: ConfigEntities): ConfigEntities {
  const out = {} as Record<string, unknown>;
  for (const [k, list] of Object.entries(e)) out[k] = [...(list as { id: string }[])].sort((a, b) => (a.id < b.id ? -1 : 1));
  return out as unknown as ConfigEntities;
}

const reload = (text: string) => loadDeclarative(parseYaml(text) as Record<string, unknown>, plugins, 'export', { generateSecrets: false });

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
  const doc = exportDeclarative(await loadEntitiesFromFile(DEMO_CONFIG, plugins), { plugins }) as Record<string, any>;
  assert.deepEqual(Object.keys(doc), ['_format_version', 'consumers', 'plugins', 'services']);
  assert.equal(doc._format_version, '3.0');
  assert.deepEqual(doc.services.map((s: any) => s.name), ['orders', 'users']);
  const users = doc.services[1];
  assert.deepEqual(Object.keys(users), [...Object.keys(users)].sort());
  assert.match(users.id, /^[0-9a-f-]{36}$/);
  assert.equal(users.port, 3001);
  assert.equal(users.retries, 5, 'defaults are written out');
  assert.deepEqual(users.routes.map((r: any) => [r.name, r.paths, 'service' in r]), [['users', ['/api/users'], false]]);
  assert.deepEqual(users.plugins.map((p: any) => p.name), ['acl']);
  assert.deepEqual(doc.plugins.map((p: any) => p.name), ['correlation-id', 'jwt', 'rate-limiting']);
  assert.deepEqual(doc.consumers.map((c: any) => c.username), ['mobile-app', 'partner-acme', 'web-app']);
  const acme = doc.consumers[1];
  assert.deepEqual(acme.jwt_secrets.map((s: any) => [s.key, s.algorithm, 'secret' in s, 'consumer' in s]), [['partner-acme', 'HS256', false, false]]);
  assert.deepEqual(acme.acls.map((a: any) => a.group), ['partners']);
  assert.equal(acme.plugins[0].config.minute, 5);
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
  entities.keyauth_credentials = entities.keyauth_credentials.map(({ key: _key, ...rest }) => ({ ...rest, key_hash: hash }));
  const doc = exportDeclarative(entities, { plugins }) as Record<string, any>;
  const text = serializeDeclarative(doc, 'yaml');
  assert.doesNotMatch(text, /hunter2|alice-plaintext-key/);
  assert.deepEqual(doc.consumers[0].keyauth_credentials.map((k: any) => [k.key_hash, 'key' in k]), [[hash, false]]);
  // Two scopes: top level, references by name.
  assert.deepEqual([doc.plugins[0].service, doc.plugins[0].consumer, 'route' in doc.plugins[0]], ['svc', 'alice', false]);
  assert.equal(doc.plugins[0].config.redis.password, undefined);
  assert.deepEqual(doc.routes.map((r: any) => r.name), ['loose']);
  assert.deepEqual(doc.services[0].routes[0].plugins.map((p: any) => p.name), ['key-auth']);
  assert.deepEqual(doc.upstreams[0].targets.map((t: any) => [t.target, t.weight]), [['127.0.0.1:9001', 5]]);

  const back = reload(text);
  assert.deepEqual(back.keyauth_credentials.map((k) => [k.id, k.key_hash, k.key]), entities.keyauth_credentials.map((k) => [k.id, hash, undefined]));
  const expected = structuredClone(entities);
  (expected.plugins.find((p) => p.name === 'rate-limiting')!.config as any).redis.password = null; // left out, so the schema default comes back
  assert.deepEqual(byId(back), byId(expected));
  assert.equal(serializeDeclarative(exportDeclarative(back, { plugins }), 'yaml'), text);
});

test('a plaintext key from a file is left out too (it loads back without a key, not with a new one)', () => {
  const entities = loadDeclarative(structuredClone(KEYED), plugins);
  const doc = exportDeclarative(entities, { plugins }) as Record<string, any>;
  assert.deepEqual(Object.keys(doc.consumers[0].keyauth_credentials[0]).sort(), ['id']);
  assert.equal(reload(serializeDeclarative(doc, 'yaml')).keyauth_credentials[0].key, undefined);
});

test('select tags: only entities carrying every tag, children of unselected parents at the top level', () => {
  const entities = loadDeclarative(structuredClone(KEYED), plugins);
  const doc = exportDeclarative(entities, { plugins, selectTags: ['team'] }) as Record<string, any>;
  assert.deepEqual(Object.keys(doc), ['_format_version', '_info', 'acls']);
  assert.deepEqual(doc._info, { select_tags: ['team'] });
  assert.deepEqual(doc.acls.map((a: any) => [a.group, a.consumer]), [['g1', 'alice']]);
});

test('the loader takes key_hash instead of key, never both', () => {
  const doc = (cred: object) => ({ _format_version: '3.0', consumers: [{ username: 'a', keyauth_credentials: [cred] }] });
  assert.equal(loadDeclarative(doc({ key_hash: 'hmac-sha256:k1:abc' }), plugins).keyauth_credentials[0].key_hash, 'hmac-sha256:k1:abc');
  assert.throws(() => loadDeclarative(doc({ key: 'x', key_hash: 'hmac-sha256:k1:abc' }), plugins), /key_hash: cannot be set together with 'key'/);
  assert.throws(() => loadDeclarative(doc({ key_hash: 'plain' }), plugins), /key_hash/);
  const two = { _format_version: '3.0', consumers: [{ username: 'a', keyauth_credentials: [{ key_hash: 'hmac-sha256:k1:abc' }, { key_hash: 'hmac-sha256:k1:abc' }] }] };
  assert.throws(() => loadDeclarative(two, plugins), /keyauth_credentials\[1\]\.key_hash: must be unique/);
});
