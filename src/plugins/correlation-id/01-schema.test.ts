// correlation-id's config schema: Kong 3.x priority, fields and defaults; what it refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kind, type TSchema } from '@sinclair/typebox';
import { applySchema } from '../../schema/validate.ts';
import plugin from './index.ts';
import { CorrelationIdConfigSchema } from './schema.ts';

function configure(input: Record<string, unknown>): { config: Record<string, unknown>; errors: string[] } {
  const config = structuredClone(input);
  const errors = applySchema(CorrelationIdConfigSchema, config, 'config').map((e) => e.path);
  return { config, errors };
}

test('the module is Kong\'s correlation-id at Kong 3.x priority', () => {
  assert.equal(plugin.name, 'correlation-id');
  assert.equal(plugin.priority, 100001);
  assert.equal(plugin.configSchema, CorrelationIdConfigSchema);
});

test('an empty config gets Kong\'s defaults', () => {
  const { config, errors } = configure({});
  assert.deepEqual(errors, []);
  assert.deepEqual(config, { header_name: 'Kong-Request-ID', generator: 'uuid#counter', echo_downstream: false });
});

test('every field documents itself and has a default', () => {
  for (const [name, field] of Object.entries(CorrelationIdConfigSchema.properties as Record<string, TSchema>)) {
    assert.ok(typeof field.description === 'string' && field.description.length > 10, `${name} description`);
    assert.ok('default' in field, `${name} default`);
  }
  assert.equal(CorrelationIdConfigSchema[Kind], 'Object');
});

test('accepts each Kong generator and a custom header', () => {
  for (const generator of ['uuid', 'uuid#counter', 'tracker']) assert.deepEqual(configure({ generator }).errors, []);
  assert.deepEqual(configure({ header_name: 'X-Request-Id', echo_downstream: true }).errors, []);
});

test('refuses unknown generators, unusable header names and unknown fields', () => {
  assert.deepEqual(configure({ generator: 'random' }).errors, ['config.generator']);
  assert.deepEqual(configure({ header_name: '' }).errors, ['config.header_name']);
  assert.deepEqual(configure({ header_name: 'Bad Header' }).errors, ['config.header_name']);
  assert.deepEqual(configure({ header_name: 'x-id\r\nx-evil: 1' }).errors, ['config.header_name']);
  assert.deepEqual(configure({ echo_downstream: 'yes' }).errors, ['config.echo_downstream']);
  assert.deepEqual(configure({ header: 'x-id' }).errors, ['config.header']);
});
