// The acl plugin's config schema: Kong 3.x fields, defaults and entity checks, and group_methods.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import plugin from './index.ts';
import { AclConfigSchema, validateAclConfig, type AclConfig } from './schema.ts';
import { startGateway } from '../../../test/helpers/gateway.ts';

function configOf(input: Record<string, unknown> = {}): AclConfig {
  const value = Value.Default(AclConfigSchema, structuredClone(input));
  assert.ok(Value.Check(AclConfigSchema, value), JSON.stringify([...Value.Errors(AclConfigSchema, value)]));
  return value as AclConfig;
}

test('the module is Kong\'s acl plugin at Kong 3.x priority', () => {
  assert.equal(plugin.name, 'acl');
  assert.equal(plugin.priority, 950);
  assert.equal(plugin.configSchema, AclConfigSchema);
  assert.equal(plugin.validate, validateAclConfig);
});

test('defaults are Kong 3.x\'s; group_methods defaults to no restriction', () => {
  assert.deepEqual(configOf({ allow: ['admin'] }), {
    allow: ['admin'],
    deny: null,
    hide_groups_header: false,
    always_use_authenticated_groups: false,
    group_methods: {},
  });
});

test('every field documents itself and has a default', () => {
  for (const [name, field] of Object.entries(AclConfigSchema.properties as Record<string, TSchema>)) {
    assert.ok(typeof field.description === 'string' && field.description.length > 10, `${name} has a description`);
    assert.ok('default' in field, `${name} has a default`);
  }
});

test('exactly one of allow and deny must be non-empty, with Kong\'s messages', () => {
  assert.deepEqual(validateAclConfig(configOf({ allow: ['a'] })), {});
  assert.deepEqual(validateAclConfig(configOf({ deny: ['a'] })), {});
  assert.deepEqual(validateAclConfig(configOf({ allow: ['a'], deny: [] })), {});
  assert.equal(validateAclConfig(configOf({ allow: ['a'], deny: ['b'] }))['config.allow'], "only one of these fields must be non-empty: 'config.allow', 'config.deny'");
  for (const input of [{}, { allow: [] }, { allow: [], deny: [] }, { allow: null, deny: null }]) {
    assert.equal(validateAclConfig(configOf(input))['config.allow'], "at least one of these fields must be non-empty: 'config.allow', 'config.deny'", JSON.stringify(input));
  }
});

test('group_methods takes upper-case method lists and must name groups it can apply to', () => {
  assert.deepEqual(validateAclConfig(configOf({ allow: ['partners', 'staff'], group_methods: { partners: ['GET', 'HEAD'] } })), {});
  assert.deepEqual(validateAclConfig(configOf({ deny: ['banned'], group_methods: { partners: ['GET'] } })), {});
  assert.match(validateAclConfig(configOf({ allow: ['staff'], group_methods: { partners: ['GET'] } }))['config.group_methods.partners'], /not in 'allow'/);
  assert.match(validateAclConfig(configOf({ deny: ['partners'], group_methods: { partners: ['GET'] } }))['config.group_methods.partners'], /is in 'deny'/);
  for (const group_methods of [{ partners: ['get'] }, { partners: [] }, { partners: ['GET', 'GET'] }, { partners: 'GET' }]) {
    const value = Value.Default(AclConfigSchema, { allow: ['partners'], group_methods });
    assert.equal(Value.Check(AclConfigSchema, value), false, JSON.stringify(group_methods));
  }
});

test('the gateway refuses an acl with both lists, naming the field', async () => {
  await assert.rejects(
    startGateway({
      _format_version: '3.0',
      services: [{ name: 's', url: 'http://127.0.0.1:9', routes: [{ name: 'r', paths: ['/'] }], plugins: [{ name: 'acl', config: { allow: ['a'], deny: ['b'] } }] }],
    }),
    (err: Error & { errors?: { path: string; message: string }[] }) => {
      assert.ok(err.errors?.some((e) => e.path.endsWith('config.allow') && /only one of/.test(e.message)), JSON.stringify(err.errors));
      return true;
    },
  );
});
