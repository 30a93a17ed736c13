// cors's config schema: Kong 3.x priority, fields and defaults; origins must be `*` or valid regexes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TSchema } from '@sinclair/typebox';
import { applySchema } from '../../schema/validate.ts';
import plugin from './index.ts';
import { CorsConfigSchema, validateCors, type CorsConfig } from './schema.ts';

function configure(input: Record<string, unknown>): { config: CorsConfig; errors: string[] } {
  const config = structuredClone(input);
  const errors = applySchema(CorsConfigSchema, config, 'config').map((e) => e.path);
  if (errors.length === 0) errors.push(...Object.keys(validateCors(config as CorsConfig)));
  return { config: config as CorsConfig, errors };
}

test('the module is Kong\'s cors at Kong 3.x priority', () => {
  assert.equal(plugin.name, 'cors');
  assert.equal(plugin.priority, 2000);
  assert.equal(plugin.configSchema, CorsConfigSchema);
  assert.equal(plugin.validate, validateCors);
});

test('an empty config gets Kong 3.x defaults', () => {
  const { config, errors } = configure({});
  assert.deepEqual(errors, []);
  assert.deepEqual(config, {
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
  for (const [name, field] of Object.entries(CorsConfigSchema.properties as Record<string, TSchema>)) {
    assert.ok(typeof field.description === 'string' && field.description.length > 10, `${name} description`);
    assert.ok('default' in field, `${name} default`);
  }
});

test('origins may be exact origins, `*`, or regexes', () => {
  const { errors } = configure({ origins: ['http://a.example', '*', 'https://(.+)\\.example\\.org', '^.*\\.example\\.net$'] });
  assert.deepEqual(errors, []);
});

test('refuses an origin regex that does not compile, with Kong\'s message', () => {
  const { config, errors } = configure({ origins: ['http://ok.example', 'https://(unclosed.example'] });
  assert.deepEqual(errors, ['config.origins[1]']);
  assert.deepEqual(validateCors(config), { 'config.origins[1]': "'https://(unclosed.example' is not a valid regex" });
});

test('refuses methods Kong does not list, wrong types and unknown fields', () => {
  assert.deepEqual(configure({ methods: ['GET', 'FETCH'] }).errors, ['config.methods[1]']);
  assert.deepEqual(configure({ methods: ['GET', 'POST'] }).config.methods, ['GET', 'POST'], 'a given list is not merged with the default');
  assert.deepEqual(configure({ max_age: '3600' }).errors, ['config.max_age']);
  assert.deepEqual(configure({ credentials: 'true' }).errors, ['config.credentials']);
  assert.deepEqual(configure({ origin: 'http://a.example' }).errors, ['config.origin']);
});
