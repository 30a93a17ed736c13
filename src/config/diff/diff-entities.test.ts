// The pure diff engine: matching by id and natural key, secrets as write-only, select tags, order, decK output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { loadPluginRegistry } from '../../plugins/registry.ts';
import { loadEntitiesFromFile } from '../load-config.ts';
import { loadDeclarative } from '../declarative/load-declarative.ts';
import { exportDeclarative, serializeDeclarative } from '../declarative/export-declarative.ts';
import { DEMO_CONFIG } from '../../../examples/demo/paths.ts';
import type { ConfigEntities } from '../../schema/entity-catalogue.ts';
import { fieldOf, isMapping, isObjectNode } from '../../schema/object-node.ts';
import { diffEntities, type Change } from './diff-entities.ts';
import { formatChange, formatSummary } from './format-changes.ts';

const plugins = await loadPluginRegistry();
const demo = () => loadEntitiesFromFile(DEMO_CONFIG, plugins);
/** What the CLI sees of the server: its export, loaded back (no secrets, nothing generated). */
const liveOf = (e: ConfigEntities) =>
  loadDeclarative(parsed(serializeDeclarative(exportDeclarative(e, { plugins }), 'yaml')), plugins, 'live', { generateSecrets: false });

/** A YAML document, checked to be a mapping. */
function parsed(text: string): Record<string, unknown> {
  const doc: unknown = parseYaml(text);
  assert.ok(isMapping(doc));
  return doc;
}

/** The value at `path` in a parsed document (objects by key, lists by index). */
function at(value: unknown, ...path: (string | number)[]): unknown {
  let node = value;
  for (const key of path) node = isObjectNode(node) ? node[key] : undefined;
  return node;
}
const lines = (changes: Change[]) => changes.map((c) => `${c.action} ${c.kindLabel} ${c.label}`);
const output = (changes: Change[]) => changes.map(formatChange).join('') + formatSummary(changes);

test('a file against the server it was synced to: no changes, though the server never shows the secrets', async () => {
  const wanted = await demo();
  const changes = diffEntities(liveOf(wanted), wanted, { plugins });
  assert.deepEqual(changes, []);
  assert.equal(formatSummary(changes), 'Summary:\n  Created: 0\n  Updated: 0\n  Deleted: 0\n');
});

test('into an empty server: everything created, parents first, in KINDS', async () => {
  const empty = loadDeclarative({ _format_version: '3.0' }, plugins);
  const changes = diffEntities(empty, await demo(), { plugins });
  assert.deepEqual(lines(changes), [
    'create service orders',
    'create service users',
    'create route orders',
    'create route users',
    'create consumer mobile-app',
    'create consumer partner-acme',
    'create consumer web-app',
    'create jwt-auth mobile-app for consumer mobile-app',
    'create jwt-auth partner-acme for consumer partner-acme',
    'create jwt-auth web-app for consumer web-app',
    'create acl-group first-party for consumer mobile-app',
    'create acl-group first-party for consumer web-app',
    'create acl-group partners for consumer partner-acme',
    'create plugin acl for service orders',
    'create plugin acl for service users',
    'create plugin correlation-id (global)',
    'create plugin jwt (global)',
    'create plugin rate-limiting (global)',
    'create plugin rate-limiting for consumer partner-acme',
  ]);
  const jwt = changes.find((c) => c.kindLabel === 'jwt-auth')!;
  assert.equal(typeof jwt.body!.secret, 'string', 'the PUT body carries the secret the file gives');
  assert.equal(jwt.after!.secret, undefined, 'the displayed form never does');
  assert.deepEqual(jwt.body!.consumer, { id: changes.find((c) => c.label === 'mobile-app')!.id });
  assert.doesNotMatch(output(changes), /demo-.*-secret/);
  assert.match(output(changes), /^creating service orders\n/);
  assert.match(output(changes), /Summary:\n {2}Created: 19\n {2}Updated: 0\n {2}Deleted: 0\n$/);
});

test('edit a route path, drop a consumer, add a plugin: exactly those changes, deletes children first', async () => {
  const live = liveOf(await demo());
  const doc = parsed(await (await import('node:fs/promises')).readFile(DEMO_CONFIG, 'utf8'));
  const route = at(doc, 'services', 0, 'routes', 0);
  assert.ok(isObjectNode(route));
  route.paths = ['/api/v2/users'];
  const consumers = doc.consumers;
  assert.ok(Array.isArray(consumers));
  doc.consumers = consumers.filter((c: unknown) => at(c, 'username') !== 'partner-acme');
  const servicePlugins = at(doc, 'services', 1, 'plugins');
  assert.ok(Array.isArray(servicePlugins));
  servicePlugins.push({ name: 'cors', config: { origins: ['https://example.com'] } });
  const changes = diffEntities(live, loadDeclarative(doc, plugins), { plugins });
  assert.deepEqual(lines(changes), [
    'update route users',
    'create plugin cors for service orders',
    'delete plugin rate-limiting for consumer partner-acme',
    'delete acl-group partners for consumer partner-acme',
    'delete jwt-auth partner-acme for consumer partner-acme',
    'delete consumer partner-acme',
  ]);
  const [first] = changes;
  assert.ok(first);
  const update = formatChange(first);
  assert.match(update, /^updating route users {2}\{\n/);
  assert.match(update, /\n- {2}"paths": \[\n- {4}"\/api\/users"\n- {2}\],\n/);
  assert.match(update, /\n\+ {2}"paths": \[\n\+ {4}"\/api\/v2\/users"\n\+ {2}\],\n/);
  assert.match(update, /\n {3}"name": "users",\n/);
  assert.match(update, /\n }\n$/);
});

test('entities made on the server with other ids match by natural key; children follow the server ids', async () => {
  const wanted = await demo();
  const live = structuredClone(wanted);
  const newIds = new Map<string, string>();
  for (const list of Object.values(live) as { id: string }[][]) for (const row of list) newIds.set(row.id, randomUUID());
  const swap = (id: string | null) => (id === null ? null : newIds.get(id)!);
  for (const list of Object.values(live) as Record<string, unknown>[][]) {
    for (const row of list) {
      row.id = newIds.get(row.id as string);
      for (const fk of ['serviceId', 'routeId', 'consumerId', 'upstreamId']) if (fk in row) row[fk] = swap(row[fk] as string | null);
    }
  }
  assert.deepEqual(diffEntities(liveOf(live), wanted, { plugins }), []);
  // One real change on a child: the update goes to the server's id, its reference too.
  const route = wanted.routes.find((r) => r.name === 'users')!;
  route.paths = ['/elsewhere'];
  const [change] = diffEntities(liveOf(live), wanted, { plugins });
  assert.ok(change);
  assert.equal(change.id, newIds.get(route.id));
  assert.deepEqual(change.body!.service, { id: newIds.get(route.serviceId!) });
});

test('API keys: same hash or the server-confirmed owner means unchanged; another key is an update that never shows it', () => {
  const doc = (cred: object) => ({
    _format_version: '3.0',
    consumers: [
      { id: '8a1d2f0e-4a4b-4c3d-9e8f-0a1b2c3d4e5f', username: 'alice', keyauth_credentials: [{ id: '1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b', ...cred }] },
    ],
  });
  const hash = 'hmac-sha256:k1:abcDEF123';
  const live = loadDeclarative(doc({ key_hash: hash, tags: ['a'] }), plugins, 'live', { generateSecrets: false });
  const load = (cred: object) => loadDeclarative(doc({ tags: ['a'], ...cred }), plugins, 'file', { generateSecrets: false });
  const credId = '1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b';
  assert.deepEqual(diffEntities(live, load({ key_hash: hash }), { plugins }), []);
  assert.deepEqual(diffEntities(live, load({}), { plugins }), [], 'no key in the file: keep the stored one');
  assert.deepEqual(diffEntities(live, load({ key: 'alice-secret-key' }), { plugins, keyOwners: new Map([['alice-secret-key', credId]]) }), []);

  const changed = diffEntities(live, load({ key: 'alice-new-secret-key' }), { plugins, keyOwners: new Map([['alice-new-secret-key', null]]) });
  assert.deepEqual(lines(changed), [`update key-auth ${credId} for consumer alice`]);
  const [rekeyed] = changed;
  assert.ok(rekeyed);
  assert.equal(rekeyed.body!.key, 'alice-new-secret-key');
  const text = formatChange(rekeyed);
  assert.doesNotMatch(text, /alice-new-secret-key/);
  assert.match(text, /\n\+ {2}"key": "\[CHANGED\]",\n- {2}"key_hash": "hmac-sha256:k1:abcDEF123",\n/);

  // Matched by key when the file's credential has no id: the server's answer names it.
  const noId = loadDeclarative(
    {
      _format_version: '3.0',
      consumers: [{ id: '8a1d2f0e-4a4b-4c3d-9e8f-0a1b2c3d4e5f', username: 'alice', keyauth_credentials: [{ key: 'k-plain', tags: ['a'] }] }],
    },
    plugins,
  );
  assert.deepEqual(diffEntities(live, noId, { plugins, keyOwners: new Map([['k-plain', credId]]) }), []);
  assert.deepEqual(
    lines(diffEntities(live, noId, { plugins, keyOwners: new Map([['k-plain', null]]) })).map((l) => l.split(' ')[0]),
    ['create', 'delete'],
  );
});

test('plugin config secrets are write-only too: a password the server does not show is not a change', () => {
  const file = { _format_version: '3.0', plugins: [{ name: 'rate-limiting', config: { minute: 5, policy: 'local', redis: { password: 'hunter2-pw' } } }] };
  const wanted = loadDeclarative(structuredClone(file), plugins);
  const changes = diffEntities(liveOf(wanted), wanted, { plugins });
  assert.deepEqual(changes, []);
  const minute = structuredClone(file);
  const [limit] = minute.plugins;
  assert.ok(limit);
  limit.config.minute = 6;
  const [update] = diffEntities(liveOf(wanted), loadDeclarative(minute, plugins), { plugins });
  assert.ok(update);
  assert.equal(fieldOf(fieldOf(update.body!.config, 'redis'), 'password'), 'hunter2-pw');
  assert.doesNotMatch(formatChange(update), /hunter2/);
  assert.match(formatChange(update), /\n- {4}"minute": 5,\n\+ {4}"minute": 6,\n/);
});

test('select tags: untagged live entities are left alone, wanted ones get the tags', () => {
  const live = loadDeclarative(
    {
      _format_version: '3.0',
      services: [
        { name: 'theirs', host: 'a.test' },
        { name: 'ours-old', host: 'b.test', tags: ['team-a'] },
        { name: 'ours', host: 'c.test', tags: ['team-a', 'x'] },
      ],
    },
    plugins,
  );
  const wanted = loadDeclarative(
    {
      _format_version: '3.0',
      services: [
        { name: 'ours', host: 'c.test', tags: ['x'] },
        { name: 'new', host: 'd.test' },
      ],
    },
    plugins,
  );
  const changes = diffEntities(live, wanted, { plugins, selectTags: ['team-a'] });
  assert.deepEqual(lines(changes), ['create service new', 'delete service ours-old']);
  assert.deepEqual(changes.at(0)?.body?.tags, ['team-a']);
});

test('tags compare as a set; null and absent are the same', () => {
  const live = loadDeclarative({ _format_version: '3.0', services: [{ name: 's', host: 'a.test', tags: ['b', 'a'], path: null }] }, plugins);
  const wanted = loadDeclarative({ _format_version: '3.0', services: [{ name: 's', host: 'a.test', tags: ['a', 'b'] }] }, plugins);
  assert.deepEqual(diffEntities(live, wanted, { plugins }), []);
});

test('an update that leaves a stored secret out is a PATCH naming every field but that secret', () => {
  const consumer = { id: '8a1d2f0e-4a4b-4c3d-9e8f-0a1b2c3d4e5f', username: 'alice' };
  const jwt = { id: '2c3d4e5f-6071-4829-9bac-1d2e3f4a5b6c', key: 'alice-iss' };
  const live = loadDeclarative(
    { _format_version: '3.0', consumers: [{ ...consumer, jwt_secrets: [{ ...jwt, tags: ['old'], rsa_public_key: null }] }] },
    plugins,
    'live',
    { generateSecrets: false },
  );
  const load = (cred: object) =>
    loadDeclarative({ _format_version: '3.0', consumers: [{ ...consumer, jwt_secrets: [{ ...jwt, algorithm: 'HS512', ...cred }] }] }, plugins, 'file', {
      generateSecrets: false,
    });

  const [kept] = diffEntities(live, load({}), { plugins });
  assert.ok(kept);
  assert.equal(kept.action, 'update');
  assert.deepEqual(kept.patch, { algorithm: 'HS512', consumer: { id: consumer.id }, key: 'alice-iss', rsa_public_key: null, tags: null });
  const [given] = diffEntities(live, load({ secret: 'new-secret-value-long-enough-for-hs512-0123456789abcdef0123456789' }), { plugins });
  assert.ok(given);
  assert.equal(given.patch, undefined, 'a secret the file gives is written with a PUT');
  assert.equal(given.body!.secret, 'new-secret-value-long-enough-for-hs512-0123456789abcdef0123456789');

  const rl = (minute: number, extra: object = {}) => ({
    _format_version: '3.0',
    plugins: [{ id: '3d4e5f60-7182-4a3b-8cde-2f3a4b5c6d7e', name: 'rate-limiting', config: { minute, policy: 'local', ...extra } }],
  });
  const [plugin] = diffEntities(liveOf(loadDeclarative(rl(5, { redis: { password: 'pw-123' } }), plugins)), loadDeclarative(rl(6), plugins), { plugins });
  assert.ok(plugin);
  const redis = fieldOf(plugin.patch?.config, 'redis');
  assert.ok(isObjectNode(redis));
  assert.equal('password' in redis, false, 'left out, so the stored password stays');
  assert.equal(fieldOf(plugin.patch?.config, 'minute'), 6);
});
