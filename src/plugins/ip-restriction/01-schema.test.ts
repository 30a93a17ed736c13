// ip-restriction's config schema: Kong 3.x priority and fields; entries must be IPs or CIDRs; allow or deny required.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TSchema } from '@sinclair/typebox';
import { applySchema } from '../../schema/validate.ts';
import plugin from './index.ts';
import { IpRestrictionConfigSchema, validateIpRestriction, type IpRestrictionConfig } from './schema.ts';

function configure(input: Record<string, unknown>): { config: IpRestrictionConfig; errors: string[] } {
  const config = structuredClone(input);
  const errors = applySchema(IpRestrictionConfigSchema, config, 'config').map((e) => e.path);
  if (errors.length === 0) errors.push(...Object.keys(validateIpRestriction(config as IpRestrictionConfig)));
  return { config: config as IpRestrictionConfig, errors };
}

test('the module is Kong\'s ip-restriction at Kong 3.x priority', () => {
  assert.equal(plugin.name, 'ip-restriction');
  assert.equal(plugin.priority, 990);
  assert.equal(plugin.configSchema, IpRestrictionConfigSchema);
  assert.equal(plugin.validate, validateIpRestriction);
});

test('defaults: no lists, Kong\'s status and message (null: 403, "IP address not allowed: <ip>")', () => {
  const { config, errors } = configure({ allow: ['10.0.0.0/8'] });
  assert.deepEqual(errors, []);
  assert.deepEqual(config, { allow: ['10.0.0.0/8'], deny: null, status: null, message: null });
});

test('every field documents itself and has a default', () => {
  for (const [name, field] of Object.entries(IpRestrictionConfigSchema.properties as Record<string, TSchema>)) {
    assert.ok(typeof field.description === 'string' && field.description.length > 10, `${name} description`);
    assert.ok('default' in field, `${name} default`);
  }
});

test('at least one of allow and deny, with Kong\'s message', () => {
  const { config, errors } = configure({});
  assert.deepEqual(errors, ['config.allow']);
  assert.match(validateIpRestriction(config)['config.allow'], /at least one of these fields must be non-empty: 'config.allow', 'config.deny'/);
  assert.deepEqual(configure({ deny: ['::1'] }).errors, []);
});

test('IPv4, IPv6 and CIDRs of both are accepted; anything else is refused at its index', () => {
  assert.deepEqual(configure({ allow: ['127.0.0.1', '10.0.0.0/8', '::1', '2001:db8::/32', '::ffff:192.0.2.0/120'] }).errors, []);
  for (const bad of ['10.0.0.0/33', '::1/129', 'example.com', '10.0.0', '10.0.0.1/', '']) {
    assert.deepEqual(configure({ deny: ['192.0.2.1', bad] }).errors, ['config.deny[1]'], bad);
  }
});

test('status must be an HTTP status; message a string; unknown fields refused', () => {
  assert.deepEqual(configure({ deny: ['::1'], status: 401, message: 'Go away' }).errors, []);
  assert.deepEqual(configure({ deny: ['::1'], status: 99 }).errors, ['config.status']);
  assert.deepEqual(configure({ deny: ['::1'], status: 403.5 }).errors, ['config.status']);
  assert.deepEqual(configure({ deny: ['::1'], message: 42 }).errors, ['config.message']);
  assert.deepEqual(configure({ whitelist: ['::1'] }).errors, ['config.whitelist']);
});
