// The jwt plugin's config schema: Kong 3.x fields and defaults, Portcullis's additions, cross-field rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kind, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import plugin from './index.ts';
import { JwtConfigSchema, validateJwtConfig } from './schema.ts';
import { jwtConfig } from './test-support.ts';

test('the module is Kong\'s jwt plugin at Kong 3.x priority', () => {
  assert.equal(plugin.name, 'jwt');
  assert.equal(plugin.priority, 1450);
  assert.equal(plugin.configSchema, JwtConfigSchema);
  assert.equal(typeof plugin.create, 'function');
  assert.equal(plugin.validate, validateJwtConfig);
});

test('an empty config gets Kong 3.x defaults', () => {
  const config = jwtConfig();
  assert.deepEqual(config.uri_param_names, ['jwt']);
  assert.deepEqual(config.cookie_names, []);
  assert.deepEqual(config.header_names, ['authorization']);
  assert.equal(config.key_claim_name, 'iss');
  assert.equal(config.secret_is_base64, false);
  assert.equal(config.claims_to_verify, null);
  assert.equal(config.anonymous, null);
  assert.equal(config.run_on_preflight, true);
  assert.equal(config.maximum_expiration, 0);
  assert.equal(config.realm, null);
});

test('Portcullis additions default to off or to safe bounds', () => {
  const config = jwtConfig();
  assert.deepEqual(config.issuers, []);
  assert.equal(config.allowed_algorithms, null);
  assert.equal(config.clock_skew, 0);
  assert.equal(config.audiences, null);
  assert.equal(config.issuers_allowed, null);
  assert.equal(config.max_token_size, 8192);
  assert.equal(config.verified_token_cache_size, 10000);
  assert.equal(config.jwks_refresh_cooldown, 30);
  assert.ok(config.jwks_timeout > 0 && config.jwks_timeout <= 10000);
  assert.ok(config.jwks_max_size >= 4096);
});

test('issuer entries get asymmetric algorithms and claim mapping defaults', () => {
  const config = jwtConfig({ issuers: [{ issuer: 'https://idp.example', jwks_uri: 'https://idp.example/jwks' } as never] });
  const issuer = config.issuers[0];
  assert.deepEqual(issuer.consumer_claims, ['client_id', 'sub']);
  assert.deepEqual(issuer.consumer_match, ['custom_id', 'username', 'id']);
  assert.equal(issuer.audiences, null);
  assert.ok(issuer.algorithms.includes('RS256') && issuer.algorithms.includes('ES256') && issuer.algorithms.includes('EdDSA'));
  assert.ok(issuer.algorithms.every((a) => !a.startsWith('HS')));
});

test('every field documents itself and has a default (required issuer fields excepted)', () => {
  const walk = (schema: TSchema, path: string): void => {
    if (schema[Kind] !== 'Object') return;
    for (const [name, field] of Object.entries(schema.properties as Record<string, TSchema>)) {
      const at = `${path}.${name}`;
      assert.equal(typeof field.description, 'string', `${at} has a description`);
      assert.ok(String(field.description).length > 10, `${at} description says something`);
      const required = at === 'config.issuers.issuer' || at === 'config.issuers.jwks_uri';
      if (!required) assert.ok('default' in field, `${at} has a default`);
      if (field[Kind] === 'Array') walk(field.items as TSchema, at);
    }
  };
  walk(JwtConfigSchema, 'config');
});

test('the schema refuses what Kong refuses and what is unsafe', () => {
  const bad: Record<string, unknown>[] = [
    { claims_to_verify: ['iat'] },
    { maximum_expiration: -1 },
    { maximum_expiration: 31536001 },
    { key_claim_name: '' },
    { unknown_field: true },
    { allowed_algorithms: ['none'] },
    { allowed_algorithms: [] },
    { max_token_size: 10 },
    { issuers: [{ issuer: 'x', jwks_uri: 'ftp://x/jwks' }] },
    { issuers: [{ issuer: 'x', jwks_uri: 'https://x/jwks', algorithms: ['HS256'] }] },
    { issuers: [{ jwks_uri: 'https://x/jwks' }] },
    { issuers: [{ issuer: 'x', jwks_uri: 'https://x/jwks', consumer_match: ['email'] }] },
  ];
  for (const config of bad) {
    const value = Value.Default(JwtConfigSchema, structuredClone(config));
    assert.equal(Value.Check(JwtConfigSchema, value), false, JSON.stringify(config));
  }
});

test('maximum_expiration needs exp in claims_to_verify (Kong entity check)', () => {
  assert.deepEqual(Object.keys(validateJwtConfig(jwtConfig({ maximum_expiration: 60 }))), ['config.claims_to_verify']);
  assert.deepEqual(Object.keys(validateJwtConfig(jwtConfig({ maximum_expiration: 60, claims_to_verify: ['nbf'] }))), ['config.claims_to_verify']);
  assert.deepEqual(validateJwtConfig(jwtConfig({ maximum_expiration: 60, claims_to_verify: ['exp'] })), {});
  assert.deepEqual(validateJwtConfig(jwtConfig({ maximum_expiration: 0 })), {});
});

test('issuers must be distinct, fetched over https (or loopback), and overlap allowed_algorithms', () => {
  const issuer = (over: Record<string, unknown>) => ({ issuer: 'https://idp', jwks_uri: 'https://idp/jwks', ...over }) as never;
  assert.deepEqual(validateJwtConfig(jwtConfig({ issuers: [issuer({})] })), {});
  assert.deepEqual(Object.keys(validateJwtConfig(jwtConfig({ issuers: [issuer({}), issuer({})] }))), ['config.issuers.1.issuer']);
  assert.deepEqual(Object.keys(validateJwtConfig(jwtConfig({ issuers: [issuer({ jwks_uri: 'http://idp.example/jwks' })] }))), ['config.issuers.0.jwks_uri']);
  assert.deepEqual(validateJwtConfig(jwtConfig({ issuers: [issuer({ jwks_uri: 'http://127.0.0.1:8080/jwks' })] })), {});
  assert.deepEqual(validateJwtConfig(jwtConfig({ issuers: [issuer({ jwks_uri: 'http://localhost:8080/jwks' })] })), {});
  assert.deepEqual(
    Object.keys(validateJwtConfig(jwtConfig({ allowed_algorithms: ['HS256'], issuers: [issuer({})] }))),
    ['config.issuers.0.algorithms'],
  );
  assert.deepEqual(validateJwtConfig(jwtConfig({ allowed_algorithms: ['HS256', 'ES256'], issuers: [issuer({})] })), {});
});
