// The key-auth plugin's config schema: Kong 3.x fields and defaults, and the rules this build adds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import plugin from './index.ts';
import { KeyAuthConfigSchema } from './schema.ts';
import { assertFieldsDocumented } from '../../../test/helpers/documented-schema.ts';
import { checkPluginConfig, pluginConfig } from '../../../test/helpers/plugin-config.ts';

const errorsOf = (input: Record<string, unknown>) => checkPluginConfig(plugin, input).errors;

test("the module is Kong's key-auth plugin at Kong 3.x priority", () => {
  assert.equal(plugin.name, 'key-auth');
  assert.equal(plugin.priority, 1250);
  assert.equal(plugin.configSchema, KeyAuthConfigSchema);
  assert.ok(plugin.validate === undefined, "Kong's schema has no cross-field rule for key-auth");
});

test('an empty config gets Kong 3.x defaults', () => {
  assert.deepEqual(pluginConfig(plugin), {
    key_names: ['apikey'],
    hide_credentials: false,
    anonymous: null,
    key_in_header: true,
    key_in_query: true,
    key_in_body: false,
    run_on_preflight: true,
    realm: null,
  });
});

test('every field documents itself and has a default', () => {
  assertFieldsDocumented(KeyAuthConfigSchema);
});

test('the schema refuses what Kong refuses', () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ key_names: ['api key'] }, 'config.key_names[0]'], // header names: letters, digits, _ and - only
    [{ key_names: ['apikey:'] }, 'config.key_names[0]'],
    [{ key_names: [] }, 'config.key_names'],
    [{ anonymous: '' }, 'config.anonymous'],
    [{ hide_credentials: 'yes' }, 'config.hide_credentials'],
    [{ realm: 'a\r\nSet-Cookie: x' }, 'config.realm'], // no quoted-string carries a control character
    [{ realm: 'a\u0000' }, 'config.realm'],
    [{ unknown_field: true }, 'config.unknown_field'],
  ];
  for (const [input, path] of bad) assert.deepEqual(Object.keys(errorsOf(input)), [path], JSON.stringify(input));
});

test('a realm with quotes or backslashes is accepted: the challenge escapes them', () => {
  assert.deepEqual(errorsOf({ realm: 'say "hi" \\o/' }), {});
});

test("keys in bodies are accepted (Kong's key_in_body)", () => {
  assert.deepEqual(errorsOf({ key_in_body: true }), {});
  assert.deepEqual(errorsOf({ key_in_body: true, key_in_header: false, key_in_query: false }), {});
});

test("turning off every key location is accepted, as Kong's schema does (every request then answers 401)", () => {
  assert.deepEqual(errorsOf({ key_in_header: false, key_in_query: false }), {});
  assert.deepEqual(errorsOf({ key_in_header: false }), {});
});
