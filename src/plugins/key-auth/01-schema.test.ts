// The key-auth plugin's config schema: Kong 3.x fields and defaults, and the rules this build adds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kind, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import plugin from './index.ts';
import { KeyAuthConfigSchema, validateKeyAuthConfig, type KeyAuthConfig } from './schema.ts';
import { startGateway } from '../../../test/helpers/gateway.ts';

function configOf(input: Record<string, unknown> = {}): KeyAuthConfig {
  const value = Value.Default(KeyAuthConfigSchema, structuredClone(input));
  assert.ok(Value.Check(KeyAuthConfigSchema, value), JSON.stringify([...Value.Errors(KeyAuthConfigSchema, value)]));
  return value as KeyAuthConfig;
}

test('the module is Kong\'s key-auth plugin at Kong 3.x priority', () => {
  assert.equal(plugin.name, 'key-auth');
  assert.equal(plugin.priority, 1250);
  assert.equal(plugin.configSchema, KeyAuthConfigSchema);
  assert.equal(plugin.validate, validateKeyAuthConfig);
});

test('an empty config gets Kong 3.x defaults', () => {
  assert.deepEqual(configOf(), {
    key_names: ['apikey'],
    hide_credentials: false,
    anonymous: null,
    key_in_header: true,
    key_in_query: true,
    key_in_body: false,
    run_on_preflight: true,
    realm: null,
  });
  assert.deepEqual(validateKeyAuthConfig(configOf()), {});
});

test('every field documents itself and has a default', () => {
  for (const [name, field] of Object.entries(KeyAuthConfigSchema.properties as Record<string, TSchema>)) {
    assert.ok(typeof field.description === 'string' && field.description.length > 10, `${name} has a description`);
    assert.ok('default' in field, `${name} has a default`);
  }
  assert.equal(KeyAuthConfigSchema[Kind], 'Object');
});

test('the schema refuses what Kong refuses', () => {
  const bad: Record<string, unknown>[] = [
    { key_names: ['api key'] }, // header names: letters, digits, _ and - only
    { key_names: ['apikey:'] },
    { key_names: [] },
    { anonymous: '' },
    { hide_credentials: 'yes' },
    { realm: 'a"b' }, // would break out of the WWW-Authenticate quoted string
    { unknown_field: true },
  ];
  for (const input of bad) {
    const value = Value.Default(KeyAuthConfigSchema, structuredClone(input));
    assert.equal(Value.Check(KeyAuthConfigSchema, value), false, JSON.stringify(input));
  }
});

test('keys in bodies are refused with a reason, since bodies stream through unbuffered', () => {
  const errors = validateKeyAuthConfig(configOf({ key_in_body: true }));
  assert.match(errors['config.key_in_body'], /not supported.*streams bodies/);
});

test('turning off both header and query leaves no place for a key, and is refused', () => {
  const errors = validateKeyAuthConfig(configOf({ key_in_header: false, key_in_query: false }));
  assert.match(errors['config.key_in_header'], /at least one of key_in_header and key_in_query/);
  assert.deepEqual(validateKeyAuthConfig(configOf({ key_in_header: false })), {});
});

test('the gateway refuses such a config as a whole, naming the plugin field', async () => {
  await assert.rejects(
    startGateway({
      _format_version: '3.0',
      services: [{ name: 's', url: 'http://127.0.0.1:9', routes: [{ name: 'r', paths: ['/'] }], plugins: [{ name: 'key-auth', config: { key_in_body: true } }] }],
    }),
    (err: Error & { errors?: { path: string; message: string }[] }) => {
      assert.ok(err.errors?.some((e) => e.path.endsWith('config.key_in_body') && /not supported/.test(e.message)), JSON.stringify(err.errors));
      return true;
    },
  );
});
