// cors's config schema: Kong 3.x priority, fields and defaults; origins must be `*` or valid regexes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import plugin from './index.ts';
import { CorsConfigSchema, validateCors } from './schema.ts';
import { assertFieldsDocumented } from '../../../test/helpers/documented-schema.ts';
import { checkPluginConfig, pluginConfig } from '../../../test/helpers/plugin-config.ts';

const errorsOf = (input: Record<string, unknown>) => checkPluginConfig(plugin, input).errors;

test("the module is Kong's cors at Kong 3.x priority", () => {
  assert.equal(plugin.name, 'cors');
  assert.equal(plugin.priority, 2000);
  assert.equal(plugin.configSchema, CorsConfigSchema);
  assert.ok(plugin.validate === validateCors, 'validate is validateCors');
});

test('an empty config gets Kong 3.x defaults', () => {
  assert.deepEqual(pluginConfig(plugin), {
    origins: null,
    headers: null,
    exposed_headers: null,
    methods: ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'],
    max_age: null,
    credentials: false,
    private_network: false,
    preflight_continue: false,
    allow_origin_absent: true,
  });
});

test('every field documents itself and has a default', () => {
  assertFieldsDocumented(CorsConfigSchema);
});

test('origins may be exact origins, `*`, or regexes', () => {
  assert.deepEqual(errorsOf({ origins: ['http://a.example', '*', 'https://(.+)\\.example\\.org', '^.*\\.example\\.net$'] }), {});
});

test("refuses an origin regex that does not compile, with Kong's message", () => {
  const errors = errorsOf({ origins: ['http://ok.example', 'https://(unclosed.example'] });
  assert.deepEqual(errors, { 'config.origins[1]': "'https://(unclosed.example' is not a valid regex" });
});

test('refuses methods Kong does not list, wrong types and unknown fields', () => {
  assert.deepEqual(Object.keys(errorsOf({ methods: ['GET', 'FETCH'] })), ['config.methods[1]']);
  assert.deepEqual(pluginConfig(plugin, { methods: ['GET', 'POST'] }).methods, ['GET', 'POST'], 'a given list is not merged with the default');
  assert.deepEqual(Object.keys(errorsOf({ max_age: '3600' })), ['config.max_age']);
  assert.deepEqual(Object.keys(errorsOf({ credentials: 'true' })), ['config.credentials']);
  assert.deepEqual(Object.keys(errorsOf({ origin: 'http://a.example' })), ['config.origin']);
});
