// request-size-limiting's config schema: Kong 3.x priority, fields and defaults; what it refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TSchema } from '@sinclair/typebox';
import { applySchema } from '../../schema/validate.ts';
import plugin from './index.ts';
import { RequestSizeLimitingConfigSchema, SIZE_UNIT_BYTES } from './schema.ts';

function configure(input: Record<string, unknown>): { config: Record<string, unknown>; errors: string[] } {
  const config = structuredClone(input);
  const errors = applySchema(RequestSizeLimitingConfigSchema, config, 'config').map((e) => e.path);
  return { config, errors };
}

test('the module is Kong\'s request-size-limiting at Kong 3.x priority', () => {
  assert.equal(plugin.name, 'request-size-limiting');
  assert.equal(plugin.priority, 951);
  assert.equal(plugin.configSchema, RequestSizeLimitingConfigSchema);
});

test('an empty config gets Kong\'s defaults: 128 megabytes, Content-Length not required', () => {
  const { config, errors } = configure({});
  assert.deepEqual(errors, []);
  assert.deepEqual(config, { allowed_payload_size: 128, size_unit: 'megabytes', require_content_length: false });
});

test('units are binary, as in Kong', () => {
  assert.deepEqual(SIZE_UNIT_BYTES, { megabytes: 1048576, kilobytes: 1024, bytes: 1 });
});

test('every field documents itself and has a default', () => {
  for (const [name, field] of Object.entries(RequestSizeLimitingConfigSchema.properties as Record<string, TSchema>)) {
    assert.ok(typeof field.description === 'string' && field.description.length > 10, `${name} description`);
    assert.ok('default' in field, `${name} default`);
  }
});

test('refuses unknown units, negative or fractional sizes, and unknown fields', () => {
  assert.deepEqual(configure({ size_unit: 'gigabytes' }).errors, ['config.size_unit']);
  assert.deepEqual(configure({ allowed_payload_size: -1 }).errors, ['config.allowed_payload_size']);
  assert.deepEqual(configure({ allowed_payload_size: 1.5 }).errors, ['config.allowed_payload_size']);
  assert.deepEqual(configure({ require_content_length: 'yes' }).errors, ['config.require_content_length']);
  assert.deepEqual(configure({ allowed_payload_bytes: 10 }).errors, ['config.allowed_payload_bytes']);
  assert.deepEqual(configure({ allowed_payload_size: 0, size_unit: 'bytes' }).errors, []);
});
