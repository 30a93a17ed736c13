// correlation-id's config schema: Kong 3.x priority, fields and defaults; what it refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import plugin from './index.ts';
import { CorrelationIdConfigSchema } from './schema.ts';
import { assertFieldsDocumented } from '../../../test/helpers/documented-schema.ts';
import { checkPluginConfig, pluginConfig } from '../../../test/helpers/plugin-config.ts';

const errorsOf = (input: Record<string, unknown>) => checkPluginConfig(plugin, input).errors;

test("the module is Kong's correlation-id at Kong 3.x priority", () => {
  assert.equal(plugin.name, 'correlation-id');
  assert.equal(plugin.priority, 100001);
  assert.equal(plugin.configSchema, CorrelationIdConfigSchema);
});

test("an empty config gets Kong's defaults", () => {
  assert.deepEqual(pluginConfig(plugin), { header_name: 'Kong-Request-ID', generator: 'uuid#counter', echo_downstream: false });
});

test('every field documents itself and has a default', () => {
  assertFieldsDocumented(CorrelationIdConfigSchema);
});

test('accepts each Kong generator and a custom header', () => {
  for (const generator of ['uuid', 'uuid#counter', 'tracker']) assert.deepEqual(errorsOf({ generator }), {});
  assert.deepEqual(errorsOf({ header_name: 'X-Request-Id', echo_downstream: true }), {});
});

test('refuses unknown generators, unusable header names and unknown fields', () => {
  assert.deepEqual(Object.keys(errorsOf({ generator: 'random' })), ['config.generator']);
  assert.deepEqual(Object.keys(errorsOf({ header_name: '' })), ['config.header_name']);
  assert.deepEqual(Object.keys(errorsOf({ header_name: 'Bad Header' })), ['config.header_name']);
  assert.deepEqual(Object.keys(errorsOf({ header_name: 'x-id\r\nx-evil: 1' })), ['config.header_name']);
  assert.deepEqual(Object.keys(errorsOf({ echo_downstream: 'yes' })), ['config.echo_downstream']);
  assert.deepEqual(Object.keys(errorsOf({ header: 'x-id' })), ['config.header']);
});
