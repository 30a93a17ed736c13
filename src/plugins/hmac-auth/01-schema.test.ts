// The hmac-auth plugin's config schema: Kong's fields and defaults (01-schema_spec.lua), and the rules this build adds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import plugin from './index.ts';
import { HmacAuthConfigSchema } from './schema.ts';
import { HmacAuthCredentials } from './daos.ts';
import { assertFieldsDocumented } from '../../../test/helpers/documented-schema.ts';
import { checkPluginConfig, pluginConfig } from '../../../test/helpers/plugin-config.ts';

const errorsOf = (input: Record<string, unknown>) => checkPluginConfig(plugin, input).errors;

test("the module is Kong's hmac-auth plugin at Kong's priority, owning hmacauth_credentials", () => {
  assert.equal(plugin.name, 'hmac-auth');
  assert.equal(plugin.priority, 1030);
  assert.equal(plugin.noConsumer, true, "Kong's no_consumer: it decides who the consumer is");
  assert.equal(plugin.configSchema, HmacAuthConfigSchema);
  assert.equal(HmacAuthCredentials.kind, 'hmacauth_credentials');
});

test("accepts empty config, with Kong's defaults", () => {
  assert.deepEqual(pluginConfig(plugin), {
    hide_credentials: false,
    clock_skew: 300,
    anonymous: null,
    validate_request_body: false,
    enforce_headers: [],
    algorithms: ['hmac-sha1', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512'],
    realm: null,
  });
});

test('every field documents itself and has a default', () => {
  assertFieldsDocumented(HmacAuthConfigSchema);
});

test('accepts correct clock skew', () => {
  assert.deepEqual(errorsOf({ clock_skew: 10 }), {});
  assert.deepEqual(errorsOf({ clock_skew: 0.5 }), {});
});

test('errors with negative (or zero) clock skew', () => {
  for (const clock_skew of [-10, 0]) assert.deepEqual(Object.keys(errorsOf({ clock_skew })), ['config.clock_skew']);
});

test('errors with wrong algorithm, at the element', () => {
  const errors = errorsOf({ algorithms: ['sha1024'] });
  assert.deepEqual(Object.keys(errors), ['config.algorithms[0]']);
  assert.match(errors['config.algorithms[0]'] ?? '', /expected one of "hmac-sha1", "hmac-sha256", "hmac-sha384", "hmac-sha512"/);
});

test('the schema refuses what no header can carry or no config means', () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ realm: 'a\r\nSet-Cookie: x' }, 'config.realm'],
    [{ anonymous: '' }, 'config.anonymous'],
    [{ enforce_headers: [''] }, 'config.enforce_headers[0]'],
    [{ hide_credentials: 'yes' }, 'config.hide_credentials'],
    [{ unknown_field: true }, 'config.unknown_field'],
  ];
  for (const [input, path] of bad) assert.deepEqual(Object.keys(errorsOf(input)), [path], JSON.stringify(input));
  assert.deepEqual(errorsOf({ realm: 'say "hi"', enforce_headers: ['date', 'request-line', '@request-target'], algorithms: ['hmac-sha256'] }), {});
});
