// The rate-limiting plugin's config schema: Kong 3.x fields, defaults and checks, and the policies this
// build refuses rather than run unlimited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kind, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import plugin from './index.ts';
import { RateLimitingConfigSchema, validateRateLimitingConfig, type RateLimitingConfig } from './schema.ts';
import { startGateway } from '../../../test/helpers/gateway.ts';

function configOf(input: Record<string, unknown> = {}): RateLimitingConfig {
  const value = Value.Default(RateLimitingConfigSchema, structuredClone(input));
  assert.ok(Value.Check(RateLimitingConfigSchema, value), JSON.stringify([...Value.Errors(RateLimitingConfigSchema, value)]));
  return value as RateLimitingConfig;
}

const errorsOf = (input: Record<string, unknown>) => validateRateLimitingConfig(configOf(input));

test('the module is Kong\'s rate-limiting plugin at Kong 3.x priority', () => {
  assert.equal(plugin.name, 'rate-limiting');
  assert.equal(plugin.priority, 910);
  assert.equal(plugin.configSchema, RateLimitingConfigSchema);
  assert.equal(plugin.validate, validateRateLimitingConfig);
});

test('defaults are Kong 3.x\'s', () => {
  assert.deepEqual(configOf({ minute: 10 }), {
    second: null,
    minute: 10,
    hour: null,
    day: null,
    month: null,
    year: null,
    limit_by: 'consumer',
    header_name: null,
    path: null,
    policy: 'local',
    fault_tolerant: true,
    redis: { host: null, port: null, timeout: 2000, username: null, password: null, database: 0, ssl: false, ssl_verify: false, server_name: null },
    hide_client_headers: false,
    error_code: 429,
    error_message: 'API rate limit exceeded',
    sync_rate: -1,
  });
  assert.deepEqual(errorsOf({ minute: 10 }), {});
});

test('every field, nested ones too, documents itself and has a default', () => {
  const walk = (schema: TSchema, path: string): void => {
    for (const [name, field] of Object.entries(schema.properties as Record<string, TSchema>)) {
      assert.ok(typeof field.description === 'string' && field.description.length > 5, `${path}.${name} has a description`);
      assert.ok('default' in field, `${path}.${name} has a default`);
      if (field[Kind] === 'Object') walk(field, `${path}.${name}`);
    }
  };
  walk(RateLimitingConfigSchema, 'config');
});

test('the schema refuses what Kong refuses', () => {
  const bad: Record<string, unknown>[] = [
    { minute: 0 },
    { minute: -1 },
    { minute: '10' },
    { minute: 1, limit_by: 'route' },
    { minute: 1, policy: 'memory' },
    { minute: 1, header_name: 'X Tenant' },
    { minute: 1, path: 'no-slash' },
    { minute: 1, error_code: 0 },
    { minute: 1, error_code: 1000 },
    { minute: 1, redis: { port: 70000 } },
    { minute: 1, unknown_field: true },
  ];
  for (const input of bad) {
    const value = Value.Default(RateLimitingConfigSchema, structuredClone(input));
    assert.equal(Value.Check(RateLimitingConfigSchema, value), false, JSON.stringify(input));
  }
});

test('at least one period must be limited', () => {
  assert.equal(errorsOf({}).config, "at least one of these fields must be non-empty: 'config.second', 'config.minute', 'config.hour', 'config.day', 'config.month', 'config.year'");
});

test('a longer period may not allow fewer requests than a shorter one (Kong\'s message)', () => {
  assert.equal(errorsOf({ minute: 10, hour: 5 }).config, 'The limit for hour(5.0) cannot be lower than the limit for minute(10.0)');
  assert.equal(errorsOf({ second: 3, year: 2 }).config, 'The limit for year(2.0) cannot be lower than the limit for second(3.0)');
  assert.deepEqual(errorsOf({ second: 3, minute: 3, day: 100 }), {});
});

test('cluster and redis policies are refused until their stores exist, so nothing runs unlimited', () => {
  for (const policy of ['cluster', 'redis']) {
    const errors = errorsOf({ minute: 1, policy, redis: { host: 'localhost', port: 6379 } });
    assert.match(errors['config.policy'], new RegExp(`policy '${policy}' is not available yet.*only 'local'`));
  }
});

test('sync_rate only with the redis policy; header and path need their field', () => {
  assert.equal(errorsOf({ minute: 1, sync_rate: 10 })['config.sync_rate'], 'sync_rate can only be used with the redis policy');
  assert.equal(errorsOf({ minute: 1, policy: 'redis', sync_rate: 0.01 })['config.sync_rate'], 'sync_rate must be greater than 0.02, or -1 to disable');
  assert.equal(errorsOf({ minute: 1, limit_by: 'header' })['config.header_name'], 'required field missing');
  assert.equal(errorsOf({ minute: 1, limit_by: 'path' })['config.path'], 'required field missing');
  assert.deepEqual(errorsOf({ minute: 1, limit_by: 'header', header_name: 'X-Tenant' }), {});
  assert.deepEqual(errorsOf({ minute: 1, limit_by: 'path', path: '/hot' }), {});
});

test('the gateway refuses a redis-policy config at load time, naming the field', async () => {
  await assert.rejects(
    startGateway({
      _format_version: '3.0',
      services: [{ name: 's', url: 'http://127.0.0.1:9', routes: [{ name: 'r', paths: ['/'] }], plugins: [{ name: 'rate-limiting', config: { minute: 5, policy: 'redis' } }] }],
    }),
    (err: Error & { errors?: { path: string; message: string }[] }) => {
      assert.ok(err.errors?.some((e) => e.path.endsWith('config.policy') && /not available yet/.test(e.message)), JSON.stringify(err.errors));
      return true;
    },
  );
});
