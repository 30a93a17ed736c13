// The jwt plugin's config schema: Kong 3.x fields and defaults, Portcullis's additions, cross-field rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import plugin from './index.ts';
import { JwtConfigSchema, validateJwtConfig } from './schema.ts';
import { jwtConfig } from '../../../test/plugins/jwt/test-support.ts';
import { assertFieldsDocumented } from '../../../test/helpers/documented-schema.ts';
import { checkPluginConfig } from '../../../test/helpers/plugin-config.ts';

const errorsOf = (input: Record<string, unknown>) => checkPluginConfig(plugin, input).errors;

test("the module is Kong's jwt plugin at Kong 3.x priority", () => {
  assert.equal(plugin.name, 'jwt');
  assert.equal(plugin.priority, 1450);
  assert.equal(plugin.configSchema, JwtConfigSchema);
  assert.equal(typeof plugin.create, 'function');
  assert.ok(plugin.validate === validateJwtConfig, 'validate is validateJwtConfig');
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
  assert.equal(config.iat_leeway, 60);
  assert.deepEqual(config.typ, ['JWT', 'at+jwt']);
  assert.equal(config.audiences, null);
  assert.equal(config.issuers_allowed, null);
  assert.equal(config.max_token_size, 8192);
  assert.equal(config.verified_token_cache_size, 10000);
  assert.equal(config.jwks_refresh_cooldown, 30);
  assert.ok(config.jwks_timeout > 0 && config.jwks_timeout <= 10000);
  assert.ok(config.jwks_max_size >= 4096);
});

test('typ and iat_leeway: a list of printable media types or null; 0..600 seconds', () => {
  assert.deepEqual(errorsOf({ typ: null, iat_leeway: 0 }), {});
  assert.deepEqual(errorsOf({ typ: ['application/at+jwt'], iat_leeway: 600 }), {});
  for (const bad of [{ typ: [] }, { typ: [''] }, { typ: ['a b'] }, { typ: 'JWT' }, { iat_leeway: -1 }, { iat_leeway: 601 }, { iat_leeway: 1.5 }]) {
    assert.ok(Object.keys(errorsOf(bad)).length > 0, JSON.stringify(bad));
  }
});

test('issuer entries get asymmetric algorithms and claim mapping defaults', () => {
  const config = jwtConfig({ issuers: [{ issuer: 'https://idp.example', jwks_uri: 'https://idp.example/jwks' } as never] });
  const issuer = config.issuers[0];
  assert.ok(issuer);
  assert.deepEqual(issuer.consumer_claims, ['client_id', 'sub']);
  assert.deepEqual(issuer.consumer_match, ['custom_id', 'username', 'id']);
  assert.equal(issuer.audiences, null);
  assert.ok(issuer.algorithms.includes('RS256') && issuer.algorithms.includes('ES256') && issuer.algorithms.includes('EdDSA'));
  assert.ok(issuer.algorithms.every((a) => !a.startsWith('HS')));
});

test('every field documents itself and has a default (required issuer fields excepted)', () => {
  assertFieldsDocumented(JwtConfigSchema, ['config.issuers.issuer', 'config.issuers.jwks_uri']);
});

test('the schema refuses what Kong refuses and what is unsafe', () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ claims_to_verify: ['iat'] }, 'config.claims_to_verify[0]'],
    [{ maximum_expiration: -1 }, 'config.maximum_expiration'],
    [{ maximum_expiration: 31536001 }, 'config.maximum_expiration'],
    [{ key_claim_name: '' }, 'config.key_claim_name'],
    [{ unknown_field: true }, 'config.unknown_field'],
    [{ allowed_algorithms: ['none'] }, 'config.allowed_algorithms[0]'],
    [{ allowed_algorithms: [] }, 'config.allowed_algorithms'],
    [{ max_token_size: 10 }, 'config.max_token_size'],
    [{ issuers: [{ issuer: 'x', jwks_uri: 'ftp://x/jwks' }] }, 'config.issuers[0].jwks_uri'],
    [{ issuers: [{ issuer: 'x', jwks_uri: 'https://x/jwks', algorithms: ['HS256'] }] }, 'config.issuers[0].algorithms[0]'],
    [{ issuers: [{ jwks_uri: 'https://x/jwks' }] }, 'config.issuers[0].issuer'],
    [{ issuers: [{ issuer: 'x', jwks_uri: 'https://x/jwks', consumer_match: ['email'] }] }, 'config.issuers[0].consumer_match[0]'],
  ];
  for (const [input, path] of bad) assert.deepEqual(Object.keys(errorsOf(input)), [path], JSON.stringify(input));
});

test('maximum_expiration needs exp in claims_to_verify (Kong entity check)', () => {
  assert.deepEqual(Object.keys(errorsOf({ maximum_expiration: 60 })), ['config.claims_to_verify']);
  assert.deepEqual(Object.keys(errorsOf({ maximum_expiration: 60, claims_to_verify: ['nbf'] })), ['config.claims_to_verify']);
  assert.deepEqual(errorsOf({ maximum_expiration: 60, claims_to_verify: ['exp'] }), {});
  assert.deepEqual(errorsOf({ maximum_expiration: 0 }), {});
});

test('issuers must be distinct, fetched over https (or loopback), and overlap allowed_algorithms', () => {
  const issuer = (over: Record<string, unknown>) => ({ issuer: 'https://idp', jwks_uri: 'https://idp/jwks', ...over });
  assert.deepEqual(errorsOf({ issuers: [issuer({})] }), {});
  assert.deepEqual(Object.keys(errorsOf({ issuers: [issuer({}), issuer({})] })), ['config.issuers.1.issuer']);
  assert.deepEqual(Object.keys(errorsOf({ issuers: [issuer({ jwks_uri: 'http://idp.example/jwks' })] })), ['config.issuers.0.jwks_uri']);
  assert.deepEqual(errorsOf({ issuers: [issuer({ jwks_uri: 'http://127.0.0.1:8080/jwks' })] }), {});
  assert.deepEqual(errorsOf({ issuers: [issuer({ jwks_uri: 'http://localhost:8080/jwks' })] }), {});
  assert.deepEqual(Object.keys(errorsOf({ allowed_algorithms: ['HS256'], issuers: [issuer({})] })), ['config.issuers.0.algorithms']);
  assert.deepEqual(errorsOf({ allowed_algorithms: ['HS256', 'ES256'], issuers: [issuer({})] }), {});
});
