// ip-restriction's config schema: Kong 3.x priority and fields; entries must be IPs or CIDRs; allow or deny required.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import plugin from './index.ts';
import { IpRestrictionConfigSchema, validateIpRestriction } from './schema.ts';
import { assertFieldsDocumented } from '../../../test/helpers/documented-schema.ts';
import { checkPluginConfig, pluginConfig } from '../../../test/helpers/plugin-config.ts';

const errorsOf = (input: Record<string, unknown>) => checkPluginConfig(plugin, input).errors;

test("the module is Kong's ip-restriction at Kong 3.x priority", () => {
  assert.equal(plugin.name, 'ip-restriction');
  assert.equal(plugin.priority, 990);
  assert.equal(plugin.configSchema, IpRestrictionConfigSchema);
  assert.equal(plugin.validate, validateIpRestriction);
});

test('defaults: no lists, Kong\'s status and message (null: 403, "IP address not allowed: <ip>")', () => {
  assert.deepEqual(pluginConfig(plugin, { allow: ['10.0.0.0/8'] }), { allow: ['10.0.0.0/8'], deny: null, status: null, message: null });
});

test('every field documents itself and has a default', () => {
  assertFieldsDocumented(IpRestrictionConfigSchema);
});

test("at least one of allow and deny, with Kong's message", () => {
  const errors = errorsOf({});
  assert.deepEqual(Object.keys(errors), ['config.allow']);
  assert.match(errors['config.allow'] ?? '', /at least one of these fields must be non-empty: 'config.allow', 'config.deny'/);
  assert.deepEqual(errorsOf({ deny: ['::1'] }), {});
});

test('IPv4, IPv6 and CIDRs of both are accepted; anything else is refused at its index', () => {
  assert.deepEqual(errorsOf({ allow: ['127.0.0.1', '10.0.0.0/8', '::1', '2001:db8::/32', '::ffff:192.0.2.0/120'] }), {});
  for (const bad of ['10.0.0.0/33', '::1/129', 'example.com', '10.0.0', '10.0.0.1/', '']) {
    assert.deepEqual(Object.keys(errorsOf({ deny: ['192.0.2.1', bad] })), ['config.deny[1]'], bad);
  }
});

test('status must be an HTTP status; message a string; unknown fields refused', () => {
  assert.deepEqual(errorsOf({ deny: ['::1'], status: 401, message: 'Go away' }), {});
  assert.deepEqual(Object.keys(errorsOf({ deny: ['::1'], status: 99 })), ['config.status']);
  assert.deepEqual(Object.keys(errorsOf({ deny: ['::1'], status: 403.5 })), ['config.status']);
  assert.deepEqual(Object.keys(errorsOf({ deny: ['::1'], message: 42 })), ['config.message']);
  assert.deepEqual(Object.keys(errorsOf({ whitelist: ['::1'] })), ['config.whitelist']);
});
