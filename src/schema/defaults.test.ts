// applyDefaults fills only what is absent: a value the user gave is never merged with a default
// (TypeBox's Value.Default turns `[DELETE]` into `[DELETE, POST, PUT]` on a union field with an array default).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { applyDefaults } from './defaults.ts';
import { applySchema } from './validate.ts';

const METHODS = ['GET', 'POST', 'PUT'];
const Config = Type.Object(
  {
    methods: Type.Union([Type.Array(Type.String()), Type.Null()], { default: METHODS }),
    retries: Type.Integer({ default: 3 }),
  },
  { additionalProperties: false },
);

const filled = (input: object): Record<string, unknown> => {
  const value = structuredClone(input) as Record<string, unknown>;
  applyDefaults(Config, value);
  return value;
};

test('a nullable array with an array default keeps a given array exactly', () => {
  assert.deepEqual(filled({ methods: ['DELETE'] }).methods, ['DELETE']);
  assert.deepEqual(filled({ methods: ['PATCH', 'DELETE', 'HEAD', 'OPTIONS'] }).methods, ['PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
  assert.deepEqual(filled({ methods: [] }).methods, []);
  assert.equal(filled({ methods: null }).methods, null);
});

test('an absent field gets its default, a copy that a config cannot change for the next one', () => {
  const first = filled({});
  assert.deepEqual(first, { methods: METHODS, retries: 3 });
  first.methods.push('DELETE');
  assert.deepEqual(filled({}).methods, ['GET', 'POST', 'PUT']);
});

test('the production path (applySchema) keeps the given array and accepts it', () => {
  const value = { methods: ['DELETE'] };
  assert.deepEqual(applySchema(Config, value, 'config'), []);
  assert.deepEqual(value, { methods: ['DELETE'], retries: 3 });
});

const Issuer = Type.Object({
  issuer: Type.String(),
  algorithms: Type.Array(Type.String(), { default: ['RS256', 'ES256'] }),
  cache: Type.Object({ ttl: Type.Integer({ default: 60 }), negative_ttl: Type.Integer({ default: 5 }) }),
});
const Nested = Type.Object({
  issuers: Type.Array(Issuer, { default: [] }),
  fallback: Type.Union([Type.Array(Issuer), Type.Null()], { default: null }),
  groups: Type.Record(Type.String(), Type.Object({ methods: Type.Array(Type.String(), { default: ['GET'] }), note: Type.Optional(Type.String()) }), {
    default: {},
  }),
  extra: Type.Optional(Type.Object({ enabled: Type.Boolean({ default: false }) })),
});

test('objects inside arrays, nullable arrays and records get their own defaults; given fields stay', () => {
  const value: Record<string, unknown> = {
    issuers: [{ issuer: 'a' }, { issuer: 'b', algorithms: ['EdDSA'], cache: { ttl: 10 } }],
    fallback: [{ issuer: 'c', algorithms: [] }],
    groups: { partners: {}, staff: { methods: ['PUT'] } },
  };
  applyDefaults(Nested, value);
  assert.deepEqual(value, {
    issuers: [
      { issuer: 'a', algorithms: ['RS256', 'ES256'], cache: { ttl: 60, negative_ttl: 5 } },
      { issuer: 'b', algorithms: ['EdDSA'], cache: { ttl: 10, negative_ttl: 5 } },
    ],
    fallback: [{ issuer: 'c', algorithms: [], cache: { ttl: 60, negative_ttl: 5 } }],
    groups: { partners: { methods: ['GET'] }, staff: { methods: ['PUT'] } },
  });
  assert.deepEqual(applySchema(Nested, value, 'config'), []);
});

test('an absent optional object stays absent; a given one is filled; values of the wrong type are left to validation', () => {
  const empty: Record<string, unknown> = {};
  applyDefaults(Nested, empty);
  assert.deepEqual(empty, { issuers: [], fallback: null, groups: {} });
  const given: Record<string, unknown> = { extra: {} };
  applyDefaults(Nested, given);
  assert.deepEqual(given.extra, { enabled: false });
  const wrong = { issuers: 'a', groups: { partners: 'GET' } };
  assert.deepEqual(
    applySchema(Nested, wrong, 'config')
      .map((e) => e.path)
      .sort(),
    ['config.groups.partners', 'config.issuers'],
  );
  assert.deepEqual(wrong, { issuers: 'a', fallback: null, groups: { partners: 'GET' } });
});
