// The acl plugin's config schema: Kong 3.x fields, defaults and entity checks, and group_methods.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import plugin from './index.ts';
import { AclConfigSchema, validateAclConfig } from './schema.ts';
import { assertGatewayRefuses } from '../../../test/helpers/plugin-gateway.ts';
import { assertFieldsDocumented } from '../../../test/helpers/documented-schema.ts';
import { checkPluginConfig, pluginConfig } from '../../../test/helpers/plugin-config.ts';

const errorsOf = (input: Record<string, unknown>) => checkPluginConfig(plugin, input).errors;

test("the module is Kong's acl plugin at Kong 3.x priority", () => {
  assert.equal(plugin.name, 'acl');
  assert.equal(plugin.priority, 950);
  assert.equal(plugin.configSchema, AclConfigSchema);
  assert.ok(plugin.validate === validateAclConfig, 'validate is validateAclConfig');
});

test("defaults are Kong 3.x's; group_methods defaults to no restriction", () => {
  assert.deepEqual(pluginConfig(plugin, { allow: ['admin'] }), {
    allow: ['admin'],
    deny: null,
    hide_groups_header: false,
    always_use_authenticated_groups: false,
    group_methods: {},
  });
});

test('every field documents itself and has a default', () => {
  assertFieldsDocumented(AclConfigSchema);
});

test("exactly one of allow and deny must be non-empty, with Kong's messages", () => {
  assert.deepEqual(errorsOf({ allow: ['a'] }), {});
  assert.deepEqual(errorsOf({ deny: ['a'] }), {});
  assert.deepEqual(errorsOf({ allow: ['a'], deny: [] }), {});
  assert.deepEqual(errorsOf({ allow: ['a'], deny: ['b'] }), { 'config.allow': "only one of these fields must be non-empty: 'config.allow', 'config.deny'" });
  for (const input of [{}, { allow: [] }, { allow: [], deny: [] }, { allow: null, deny: null }]) {
    assert.deepEqual(
      errorsOf(input),
      { 'config.allow': "at least one of these fields must be non-empty: 'config.allow', 'config.deny'" },
      JSON.stringify(input),
    );
  }
});

test('group_methods takes upper-case method lists and must name groups it can apply to', () => {
  assert.deepEqual(errorsOf({ allow: ['partners', 'staff'], group_methods: { partners: ['GET', 'HEAD'] } }), {});
  assert.deepEqual(errorsOf({ deny: ['banned'], group_methods: { partners: ['GET'] } }), {});
  assert.match(String(errorsOf({ allow: ['staff'], group_methods: { partners: ['GET'] } })['config.group_methods.partners']), /not in 'allow'/);
  assert.match(String(errorsOf({ deny: ['partners'], group_methods: { partners: ['GET'] } })['config.group_methods.partners']), /is in 'deny'/);
  const refused: [unknown, string][] = [
    [{ partners: ['get'] }, 'config.group_methods.partners[0]'],
    [{ partners: [] }, 'config.group_methods.partners'],
    [{ partners: ['GET', 'GET'] }, 'config.group_methods.partners'],
    [{ partners: 'GET' }, 'config.group_methods.partners'],
  ];
  for (const [group_methods, path] of refused) {
    assert.deepEqual(Object.keys(errorsOf({ allow: ['partners'], group_methods })), [path], JSON.stringify(group_methods));
  }
});

test('the gateway refuses an acl with both lists, naming the field', async () => {
  await assertGatewayRefuses({ name: 'acl', config: { allow: ['a'], deny: ['b'] } }, 'config.allow', /only one of/);
});
