// Secret fields come from the schemas' `x-secret` marks, plugin configs included; redaction and stripping
// copy, never mutate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { loadPluginRegistry, type PluginRegistry } from '../plugins/registry.ts';
import type { PluginModule } from '../plugins/contract.ts';
import { declaredSecretFields, mapSecrets, redactSecrets, secretFields, stripSecrets, REDACTED } from './secret-fields.ts';

const bundled = await loadPluginRegistry();

test('the schemas mark jwt secrets encrypted, API keys hashed, the Redis password encrypted', () => {
  assert.deepEqual(declaredSecretFields('jwt_secrets', undefined, bundled), [{ path: ['secret'], treatment: 'encrypted' }]);
  assert.deepEqual(declaredSecretFields('keyauth_credentials', undefined, bundled), [{ path: ['key'], treatment: 'hashed' }]);
  assert.deepEqual(declaredSecretFields('plugins', 'rate-limiting', bundled), [{ path: ['config', 'redis', 'password'], treatment: 'encrypted' }]);
  for (const kind of ['services', 'routes', 'upstreams', 'targets', 'consumers', 'acls'] as const) {
    assert.deepEqual(declaredSecretFields(kind, undefined, bundled), [], kind);
  }
  for (const name of bundled.keys()) {
    if (name !== 'rate-limiting') assert.deepEqual(declaredSecretFields('plugins', name, bundled), [], name);
  }
});

test('secretFields lists only the secrets present (set, not null)', () => {
  assert.deepEqual(secretFields('jwt_secrets', { id: 'j', key: 'iss', secret: 's', algorithm: 'HS256' }, bundled), [
    { path: ['secret'], treatment: 'encrypted' },
  ]);
  assert.deepEqual(secretFields('jwt_secrets', { id: 'j', key: 'iss', rsa_public_key: 'PEM', algorithm: 'RS256' }, bundled), []);
  assert.deepEqual(secretFields('keyauth_credentials', { id: 'k', key: 'abc' }, bundled), [{ path: ['key'], treatment: 'hashed' }]);
  const rl = (password: unknown) => ({ id: 'p', name: 'rate-limiting', config: { minute: 5, redis: { host: 'r', password } } });
  assert.deepEqual(secretFields('plugins', rl('pw'), bundled), [{ path: ['config', 'redis', 'password'], treatment: 'encrypted' }]);
  assert.deepEqual(secretFields('plugins', rl(null), bundled), []);
  assert.deepEqual(secretFields('plugins', { id: 'p', name: 'rate-limiting', config: { minute: 5 } }, bundled), []);
  assert.deepEqual(secretFields('plugins', { id: 'p', name: 'not-installed', config: { password: 'x' } }, bundled), []);
});

test('redactSecrets replaces present secrets with "[REDACTED]" in a deep copy', () => {
  const record = { id: 'p', name: 'rate-limiting', config: { minute: 5, redis: { host: 'r', password: 'pw', username: 'u' } } };
  const redacted = redactSecrets('plugins', record, bundled);
  assert.deepEqual(redacted, { id: 'p', name: 'rate-limiting', config: { minute: 5, redis: { host: 'r', password: REDACTED, username: 'u' } } });
  assert.equal(record.config.redis.password, 'pw', 'the input is untouched');
  assert.equal(REDACTED, '[REDACTED]');
  assert.deepEqual(redactSecrets('keyauth_credentials', { id: 'k', key: 'abc', ttl: null }, bundled), { id: 'k', key: REDACTED, ttl: null });
});

test('stripSecrets removes secret fields (admin reads), leaving everything else', () => {
  const jwt = { id: 'j', key: 'iss', secret: 's', algorithm: 'HS256', consumer: { id: 'c' } };
  assert.deepEqual(stripSecrets('jwt_secrets', jwt, bundled), { id: 'j', key: 'iss', algorithm: 'HS256', consumer: { id: 'c' } });
  assert.equal(jwt.secret, 's');
  const rl = { id: 'p', name: 'rate-limiting', config: { redis: { host: 'r', password: 'pw' } } };
  assert.deepEqual(stripSecrets('plugins', rl, bundled), { id: 'p', name: 'rate-limiting', config: { redis: { host: 'r' } } });
});

test('mapSecrets hands each secret and its treatment to the caller (how the store encrypts and hashes)', () => {
  const seen: string[] = [];
  const out = mapSecrets('keyauth_credentials', { id: 'k', key: 'abc' }, bundled, (value, field) => {
    seen.push(`${field.path.join('.')}:${field.treatment}`);
    return `h(${String(value)})`;
  });
  assert.deepEqual(out, { id: 'k', key: 'h(abc)' });
  assert.deepEqual(seen, ['key:hashed']);
});

test("marks are found inside nullable unions, nested objects and arrays of a plugin's own schema", () => {
  const schema = Type.Object({
    token: Type.Union([Type.String({ 'x-secret': 'encrypted' }), Type.Null()]),
    upstreams: Type.Array(Type.Object({ url: Type.String(), password: Type.String({ 'x-secret': 'encrypted' }) })),
    signing: Type.Object({ private_key: Type.Optional(Type.String({ 'x-secret': 'encrypted' })) }),
  });
  const module: PluginModule = { name: 'custom', priority: 1, configSchema: schema, create: () => ({}) };
  const plugins: PluginRegistry = new Map([['custom', module]]);
  const record = {
    id: 'p',
    name: 'custom',
    config: {
      token: 't',
      upstreams: [
        { url: 'a', password: 'p1' },
        { url: 'b', password: 'p2' },
      ],
      signing: {},
    },
  };
  assert.deepEqual(
    secretFields('plugins', record, plugins).map((f) => f.path.join('.')),
    ['config.token', 'config.upstreams.0.password', 'config.upstreams.1.password'],
  );
  assert.deepEqual(redactSecrets('plugins', record, plugins).config, {
    token: REDACTED,
    upstreams: [
      { url: 'a', password: REDACTED },
      { url: 'b', password: REDACTED },
    ],
    signing: {},
  });
});

test('an unknown x-secret treatment is a programming error, refused loudly', () => {
  const module: PluginModule = { name: 'odd', priority: 1, configSchema: Type.Object({ p: Type.String({ 'x-secret': 'plain' }) }), create: () => ({}) };
  assert.throws(() => secretFields('plugins', { id: 'p', name: 'odd', config: { p: 'x' } }, new Map([['odd', module]])), /x-secret 'plain'/);
});
