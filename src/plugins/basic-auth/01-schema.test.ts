// The basic-auth plugin's config schema and its entity: Kong's fields, defaults and priority, and the rules
// this build adds (no control characters in the realm, no `:` in a username, only scrypt hashes loaded).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import plugin from './index.ts';
import { BasicAuthConfigSchema } from './schema.ts';
import daos, { BasicAuthCredentials, BasicAuthCredentialSchema } from './daos.ts';
import { hashPassword } from '../../secrets/password-hash.ts';
import { validateEntityFields } from '../../config/validate-entity.ts';
import { assertFieldsDocumented } from '../../../test/helpers/documented-schema.ts';
import { checkPluginConfig, pluginConfig } from '../../../test/helpers/plugin-config.ts';

const errorsOf = (input: Record<string, unknown>) => checkPluginConfig(plugin, input).errors;

test("the module is Kong's basic-auth plugin at Kong's priority, owning basicauth_credentials", () => {
  assert.equal(plugin.name, 'basic-auth');
  assert.equal(plugin.priority, 1100);
  assert.equal(plugin.noConsumer, true, 'Kong: typedefs.no_consumer');
  assert.equal(plugin.configSchema, BasicAuthConfigSchema);
  assert.equal(daos.plugin, 'basic-auth');
  assert.deepEqual(daos.entities, [BasicAuthCredentials]);
});

test("an empty config gets Kong's defaults", () => {
  assert.deepEqual(pluginConfig(plugin), { anonymous: null, hide_credentials: false, realm: 'service' });
});

test('every field documents itself and has a default', () => {
  assertFieldsDocumented(BasicAuthConfigSchema);
});

test('the schema refuses what Kong refuses, and realms no header can carry', () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ anonymous: '' }, 'config.anonymous'],
    [{ hide_credentials: 'yes' }, 'config.hide_credentials'],
    [{ realm: null }, 'config.realm'], // Kong: required, default "service"
    [{ realm: 'a\r\nSet-Cookie: x' }, 'config.realm'],
    [{ realm: 'a\u0000' }, 'config.realm'],
    [{ unknown_field: true }, 'config.unknown_field'],
  ];
  for (const [input, path] of bad) assert.deepEqual(Object.keys(errorsOf(input)), [path], JSON.stringify(input));
  assert.deepEqual(errorsOf({ realm: 'say "hi" \\o/', anonymous: 'guest', hide_credentials: true }), {});
});

test("the entity is Kong's basicauth_credentials: admin paths, endpoint key, unique username, cascading consumer", () => {
  const e = BasicAuthCredentials;
  assert.equal(e.kind, 'basicauth_credentials');
  assert.equal(e.adminPath, 'basic-auths');
  assert.equal(e.nestedPath, 'basic-auth');
  assert.equal(e.endpointKey, 'username');
  assert.deepEqual(e.unique, [['username']]);
  assert.deepEqual(e.foreign, { consumer: { kind: 'consumers', onDelete: 'cascade', required: true } });
  assert.deepEqual(e.columns, { username: 'username' });
  assert.deepEqual(e.hashed, { field: 'password', stored: 'password_hash', scheme: 'password' });
  assert.equal(e.label, 'basic-auth');
  assert.equal(e.naturalKey({ fields: { username: 'bob' }, refs: {}, parentKey: '', path: 'x' }), 'bob');
  assert.equal(
    e.describe({ id: 'x', username: 'bob' }, () => 'alice'),
    'bob for consumer alice',
  );
});

test('a credential needs a password or a dumped password_hash; the hash must be one secrets/password-hash.ts makes', async () => {
  const hash = await hashPassword('kong');
  const ok = (fields: Record<string, unknown>) => Value.Check(BasicAuthCredentialSchema, fields);
  assert.ok(ok({ username: 'bob', password: 'kong' }));
  assert.ok(ok({ username: 'Tyrion Lannister', password: ' kong ' }), 'inner spaces in usernames, whitespace in passwords (Kong)');
  assert.ok(ok({ username: 'bob', password_hash: hash }));
  assert.equal(ok({ username: 'bob:x', password: 'kong' }), false, 'a username with : can never be sent');
  assert.equal(ok({ username: 'bob', password: '' }), false);
  assert.equal(ok({ password: 'kong' }), false, 'username is required');
  assert.equal(ok({ username: 'bob', password_hash: 'd0f1e2c3b4a5968778695a4b3c2d1e0f12345678' }), false, "Kong's sha1 is not a hash this build can check");
  assert.equal(ok({ username: 'bob', password_hash: hash.replace('ln=15', 'ln=30') }), false, 'a cost that would stall every check');

  assert.deepEqual(BasicAuthCredentials.check?.({ username: 'bob', password: 'kong', password_hash: hash }, 'x'), [
    { path: 'x.password_hash', message: "cannot be set together with 'password'" },
  ]);
  assert.deepEqual(BasicAuthCredentials.check?.({ username: 'bob', password: 'kong' }, ''), []);
  assert.deepEqual(BasicAuthCredentials.check?.({ username: 'bob', password_hash: hash }, ''), []);
  assert.equal('generate' in BasicAuthCredentials, false, 'nothing generated: a whole write without a password is refused');
});

test('a whole write (create, PUT, a file) needs the password or its dumped hash; a partial update keeps the stored one', async () => {
  const errors = (fields: Record<string, unknown>, generate?: boolean) =>
    validateEntityFields('basicauth_credentials', fields, { path: 'c', plugins: new Map(), generate });
  assert.deepEqual(errors({ username: 'bob' }), [{ path: 'c.password', message: 'required field missing' }]);
  assert.deepEqual(errors({ username: 'bob', password: 'kong' }), []);
  assert.deepEqual(errors({ username: 'bob', password_hash: await hashPassword('kong') }), []);
  assert.deepEqual(errors({ username: 'bob' }, false), [], 'PATCH without a password');
});
