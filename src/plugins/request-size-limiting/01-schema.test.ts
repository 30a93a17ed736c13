// request-size-limiting's config schema: Kong 3.x priority, fields and defaults; what it refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import plugin from './index.ts';
import { RequestSizeLimitingConfigSchema, SIZE_UNIT_BYTES } from './schema.ts';
import { assertFieldsDocumented } from '../../../test/helpers/documented-schema.ts';
import { checkPluginConfig, pluginConfig } from '../../../test/helpers/plugin-config.ts';

const errorsOf = (input: Record<string, unknown>) => checkPluginConfig(plugin, input).errors;

test("the module is Kong's request-size-limiting at Kong 3.x priority", () => {
  assert.equal(plugin.name, 'request-size-limiting');
  assert.equal(plugin.priority, 951);
  assert.equal(plugin.configSchema, RequestSizeLimitingConfigSchema);
});

test("an empty config gets Kong's defaults: 128 megabytes, Content-Length not required", () => {
  assert.deepEqual(pluginConfig(plugin), { allowed_payload_size: 128, size_unit: 'megabytes', require_content_length: false });
});

test('units are binary, as in Kong', () => {
  assert.deepEqual(SIZE_UNIT_BYTES, { megabytes: 1048576, kilobytes: 1024, bytes: 1 });
});

test('every field documents itself and has a default', () => {
  assertFieldsDocumented(RequestSizeLimitingConfigSchema);
});

test('refuses unknown units, negative or fractional sizes, and unknown fields', () => {
  assert.deepEqual(Object.keys(errorsOf({ size_unit: 'gigabytes' })), ['config.size_unit']);
  assert.deepEqual(Object.keys(errorsOf({ allowed_payload_size: -1 })), ['config.allowed_payload_size']);
  assert.deepEqual(Object.keys(errorsOf({ allowed_payload_size: 1.5 })), ['config.allowed_payload_size']);
  assert.deepEqual(Object.keys(errorsOf({ require_content_length: 'yes' })), ['config.require_content_length']);
  assert.deepEqual(Object.keys(errorsOf({ allowed_payload_bytes: 10 })), ['config.allowed_payload_bytes']);
  assert.deepEqual(errorsOf({ allowed_payload_size: 0, size_unit: 'bytes' }), {});
});
