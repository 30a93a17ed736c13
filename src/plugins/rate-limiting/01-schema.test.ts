// The rate-limiting plugin's config schema: Kong 3.x fields, defaults and checks, and the policies this
// build refuses rather than run unlimited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import plugin from './index.ts';
import { RateLimitingConfigSchema, validateRateLimitingConfig } from './schema.ts';
import { assertGatewayRefuses } from '../../../test/helpers/plugin-gateway.ts';
import { assertFieldsDocumented } from '../../../test/helpers/documented-schema.ts';
import { checkPluginConfig, pluginConfig } from '../../../test/helpers/plugin-config.ts';

const errorsOf = (input: Record<string, unknown>) => checkPluginConfig(plugin, input).errors;

test('the module is Kong\'s rate-limiting plugin at Kong 3.x priority', () => {
  assert.equal(plugin.name, 'rate-limiting');
  assert.equal(plugin.priority, 910);
  assert.equal(plugin.configSchema, RateLimitingConfigSchema);
  assert.equal(plugin.validate, validateRateLimitingConfig);
});

test('defaults are Kong 3.x\'s', () => {
  assert.deepEqual(pluginConfig(plugin, { minute: 10 }), {
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
});

test('every field, nested ones too, documents itself and has a default', () => {
  assertFieldsDocumented(RateLimitingConfigSchema);
});

test('the schema refuses what Kong refuses', () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ minute: 0 }, 'config.minute'],
    [{ minute: -1 }, 'config.minute'],
    [{ minute: '10' }, 'config.minute'],
    [{ minute: 1, limit_by: 'route' }, 'config.limit_by'],
    [{ minute: 1, policy: 'memory' }, 'config.policy'],
    [{ minute: 1, header_name: 'X Tenant' }, 'config.header_name'],
    [{ minute: 1, path: 'no-slash' }, 'config.path'],
    [{ minute: 1, error_code: 0 }, 'config.error_code'],
    [{ minute: 1, error_code: 1000 }, 'config.error_code'],
    [{ minute: 1, redis: { port: 70000 } }, 'config.redis.port'],
    [{ minute: 1, unknown_field: true }, 'config.unknown_field'],
  ];
  for (const [input, path] of bad) assert.deepEqual(Object.keys(errorsOf(input)), [path], JSON.stringify(input));
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
  await assertGatewayRefuses({ name: 'rate-limiting', config: { minute: 5, policy: 'redis' } }, 'config.policy', /not available yet/);
});
