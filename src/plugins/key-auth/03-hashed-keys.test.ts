// key-auth over real sockets when the config holds API keys only as keyed hashes (database mode): the right
// key passes, a wrong one is 401, keys hashed before a rotation keep working while their key stays in the
// keyring, and no plaintext key is anywhere in the entities the gateway was compiled from.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { loadDeclarative } from '../../config/declarative/load-declarative.ts';
import { compileConfig } from '../../config/compile.ts';
import { ConfigError } from '../../config/config-error.ts';
import type { ConfigEntities } from '../../schema/entity-catalogue.ts';
import { PersistentState } from '../../config/persistent-state.ts';
import { startGateway, type Gateway } from '../../gateway/server.ts';
import { keyringFromKeys } from '../../secrets/keyring.ts';
import { createSecretCodec } from '../../secrets/envelope-codec.ts';
import type { SecretCodec } from '../../secrets/secret-codec.ts';
import { plugins } from '../../../test/helpers/gateway.ts';
import { startUpstream, type TestUpstream } from '../../../test/helpers/upstream.ts';
import { httpRequest } from '../../../test/helpers/http.ts';
import { assertRefused } from '../../../test/helpers/refusal.ts';

const ALICE_KEY = 'alice-key-hashed-under-the-old-key';
const BOB_KEY = 'bob-key-hashed-under-the-new-key';
const CAROL_KEY = 'carol-key-from-a-declarative-file';
const oldKey = { id: 'old', key: randomBytes(32) };
const newKey = { id: 'new', key: randomBytes(32) };
const codecOld = createSecretCodec(keyringFromKeys([oldKey]));
const rotating = createSecretCodec(keyringFromKeys([newKey, oldKey]));
const newOnly = createSecretCodec(keyringFromKeys([newKey]));

let upstream: TestUpstream;
let gateway: Gateway;
let url: string;
let entities: ConfigEntities;
const state = new PersistentState();

/** Entities as the store's snapshot gives them: each API key replaced by its hash under the given codec. */
async function hashedEntities(): Promise<ConfigEntities> {
  const doc = {
    _format_version: '3.0',
    consumers: [
      { username: 'alice', keyauth_credentials: [{ key: ALICE_KEY }] },
      { username: 'bob', keyauth_credentials: [{ key: BOB_KEY }] },
      { username: 'carol', keyauth_credentials: [{ key: CAROL_KEY }] },
    ],
    services: [{ name: 'api', url: upstream.url, routes: [{ name: 'r', paths: ['/'], plugins: [{ name: 'key-auth' }] }] }],
  };
  const loaded = loadDeclarative(doc, await plugins());
  const codecFor: Record<string, SecretCodec> = { [ALICE_KEY]: codecOld, [BOB_KEY]: rotating };
  return {
    ...loaded,
    keyauth_credentials: loaded.keyauth_credentials.map((row) => {
      const codec = codecFor[row.key!];
      if (codec === undefined) return row; // carol stays plaintext-keyed, as a declarative file would give it
      const { key, ...rest } = row;
      return { ...rest, key_hash: codec.hashApiKey(key!) };
    }),
  };
}

before(async () => {
  upstream = await startUpstream();
  entities = await hashedEntities();
  const compiled = await compileConfig(entities, await plugins(), state, undefined, { codec: rotating });
  gateway = await startGateway(compiled, { listen: [{ host: '127.0.0.1', port: 0 }], logger: pino({ level: 'silent' }) });
  const port = gateway.addresses()[0]?.port;
  assert.ok(port !== undefined);
  url = `http://127.0.0.1:${port}`;
});

after(async () => {
  await gateway?.close(200);
  await upstream?.close();
});

async function status(key: string | undefined): Promise<{ status: number; consumer?: string }> {
  const seen = upstream.requests.length;
  const res = await httpRequest(`${url}/x`, { headers: key === undefined ? {} : { apikey: key } });
  return { status: res.status, consumer: upstream.requests[seen]?.headers['x-consumer-username'] as string | undefined };
}

test('the entities hold hashes for store-sourced keys, never the keys themselves', () => {
  const hashed = entities.keyauth_credentials.filter((k) => k.key_hash !== undefined);
  assert.equal(hashed.length, 2);
  for (const row of hashed) {
    assert.equal(row.key, undefined);
    assert.match(String(row.key_hash), /^hmac-sha256:(old|new):[A-Za-z0-9_-]{43}$/);
  }
  const dump = JSON.stringify(entities);
  assert.ok(!dump.includes(ALICE_KEY) && !dump.includes(BOB_KEY));
});

test('the right key authenticates against its hash; the upstream learns the consumer', async () => {
  assert.deepEqual(await status(BOB_KEY), { status: 200, consumer: 'bob' });
  // Hashed under the previous key: still found, since that key is still in the keyring.
  assert.deepEqual(await status(ALICE_KEY), { status: 200, consumer: 'alice' });
  // Plaintext-keyed rows (declarative files) work beside hashed ones.
  assert.deepEqual(await status(CAROL_KEY), { status: 200, consumer: 'carol' });
});

test('a wrong key, or a key hash presented as the key, is 401 KEY_AUTH_INVALID', async () => {
  for (const wrong of [`${BOB_KEY}x`, 'nope', rotating.hashApiKey(BOB_KEY), entities.keyauth_credentials.find((k) => k.key_hash)!.key_hash!]) {
    const before = upstream.requests.length;
    const res = await httpRequest(`${url}/x`, { headers: { apikey: wrong } });
    assertRefused(res, { status: 401, code: 'KEY_AUTH_INVALID', message: 'Unauthorized', headers: { 'www-authenticate': 'Key' } }, upstream, before);
  }
  assert.equal((await status(undefined)).status, 401);
});

test('after the old key leaves the keyring, keys hashed under it no longer match; others still do', async () => {
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
  gateway.swap(await compileConfig(entities, await plugins(), state, logger, { codec: newOnly }));
  try {
    assert.equal((await status(ALICE_KEY)).status, 401);
    assert.deepEqual(await status(BOB_KEY), { status: 200, consumer: 'bob' });
    // The operator hears which credentials went dead (by id, never by key).
    const aliceId = entities.keyauth_credentials.find((k) => k.key_hash?.includes(':old:'))!.id;
    assert.equal(warnings.length, 1);
    const [warning] = warnings;
    assert.ok(warning !== undefined && warning.includes(aliceId) && /no longer in the keyring/.test(warning));
    assert.ok(!warning.includes(ALICE_KEY));
  } finally {
    gateway.swap(await compileConfig(entities, await plugins(), state, undefined, { codec: rotating }));
  }
  assert.equal((await status(ALICE_KEY)).status, 200);
});

test('hashed keys without a codec are a compile error, naming the credential and not the key', async () => {
  await assert.rejects(
    () => compileConfig(entities, new Map()),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.errors.length, 2);
      assert.match(String(err.errors[0]?.path), /^keyauth_credentials\..+\.key$/);
      assert.match(err.message, /no secret codec/);
      return true;
    },
  );
});
