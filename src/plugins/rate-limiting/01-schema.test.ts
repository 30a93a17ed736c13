// The rate-limiting plugin's config schema: Kong 3.x fields, defaults and checks (Redis settings for the redis
// policy, no cluster policy without a database), plus Kong Enterprise's window_type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import plugin from './index.ts';
import { RateLimitingConfigSchema, validateRateLimitingConfig } from './schema.ts';
import { assertGatewayRefuses } from '../../../test/helpers/plugin-gateway.ts';
import { startGateway } from '../../../test/helpers/gateway.ts';
import { ConfigError } from '../../config/config-error.ts';
import type { FieldError } from '../../schema/validate.ts';
import { assertFieldsDocumented } from '../../../test/helpers/documented-schema.ts';
import { checkPluginConfig, pluginConfig } from '../../../test/helpers/plugin-config.ts';

const errorsOf = (input: Record<string, unknown>) => checkPluginConfig(plugin, input).errors;

test("the module is Kong's rate-limiting plugin at Kong 3.x priority", () => {
  assert.equal(plugin.name, 'rate-limiting');
  assert.equal(plugin.priority, 910);
  assert.equal(plugin.configSchema, RateLimitingConfigSchema);
  assert.ok(plugin.validate === validateRateLimitingConfig, 'validate is validateRateLimitingConfig');
});

test("defaults are Kong 3.x's", () => {
  assert.deepEqual(pluginConfig(plugin, { minute: 10 }), {
    second: null,
    minute: 10,
    hour: null,
    day: null,
    month: null,
    year: null,
    window_type: 'fixed',
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
    [{ minute: 1, window_type: 'rolling' }, 'config.window_type'],
  ];
  for (const [input, path] of bad) assert.deepEqual(Object.keys(errorsOf(input)), [path], JSON.stringify(input));
});

test('at least one period must be limited', () => {
  assert.equal(
    errorsOf({}).config,
    "at least one of these fields must be non-empty: 'config.second', 'config.minute', 'config.hour', 'config.day', 'config.month', 'config.year'",
  );
});

test("a longer period may not allow fewer requests than a shorter one (Kong's message)", () => {
  assert.equal(errorsOf({ minute: 10, hour: 5 }).config, 'The limit for hour(5.0) cannot be lower than the limit for minute(10.0)');
  assert.equal(errorsOf({ second: 3, year: 2 }).config, 'The limit for year(2.0) cannot be lower than the limit for second(3.0)');
  assert.deepEqual(errorsOf({ second: 3, minute: 3, day: 100 }), {});
});

test("every policy and window type is accepted; redis needs redis.host and redis.port (Kong's entity checks)", () => {
  for (const policy of ['local', 'cluster', 'redis']) {
    for (const window_type of ['fixed', 'sliding']) {
      assert.deepEqual(errorsOf({ minute: 1, policy, window_type, redis: { host: 'localhost', port: 6379 } }), {}, `${policy} ${window_type}`);
    }
  }
  assert.deepEqual(errorsOf({ minute: 1, policy: 'redis' }), { 'config.redis.host': 'required field missing', 'config.redis.port': 'required field missing' });
  assert.deepEqual(errorsOf({ minute: 1, policy: 'redis', redis: { host: 'redis.internal' } }), { 'config.redis.port': 'required field missing' });
  assert.deepEqual(errorsOf({ minute: 1, policy: 'local', redis: {} }), {}, 'other policies ignore the redis record');
});

test('sync_rate only with the redis policy; header and path need their field', () => {
  assert.equal(errorsOf({ minute: 1, sync_rate: 10 })['config.sync_rate'], 'sync_rate can only be used with the redis policy');
  assert.equal(errorsOf({ minute: 1, policy: 'redis', sync_rate: 0.01 })['config.sync_rate'], 'sync_rate must be greater than 0.02, or -1 to disable');
  assert.equal(errorsOf({ minute: 1, limit_by: 'header' })['config.header_name'], 'required field missing');
  assert.equal(errorsOf({ minute: 1, limit_by: 'path' })['config.path'], 'required field missing');
  assert.deepEqual(errorsOf({ minute: 1, limit_by: 'header', header_name: 'X-Tenant' }), {});
  assert.deepEqual(errorsOf({ minute: 1, limit_by: 'path', path: '/hot' }), {});
});

test('the gateway refuses a redis-policy config without a Redis host at load time, naming the field', async () => {
  await assertGatewayRefuses({ name: 'rate-limiting', config: { minute: 5, policy: 'redis' } }, 'config.redis.host', /required field missing/);
});

test("a DB-less gateway refuses the cluster policy at load time, naming the plugin's field", async () => {
  const id = '5f0b6d1e-8c1a-4f3e-9a57-1d1d2a3b4c5d';
  const document = {
    _format_version: '3.0',
    services: [
      {
        name: 's',
        url: 'http://127.0.0.1:9',
        routes: [{ name: 'r', paths: ['/'] }],
        plugins: [{ id, name: 'rate-limiting', config: { minute: 5, policy: 'cluster' } }],
      },
    ],
  };
  await assert.rejects(startGateway(document), (err: Error & { errors?: FieldError[] }) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.deepEqual(err.errors, [
      {
        path: `plugins.${id}.config.policy`,
        message: "policy 'cluster' keeps counters in the database, and DB-less mode has none: use 'redis' to share counters between nodes, or 'local'",
      },
    ]);
    return true;
  });
});
