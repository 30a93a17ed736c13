// The store contract: every case the admin API, control plane and CLI rely on, run against a driver by
// test/store/*.test.ts (PGlite and PostgreSQL), so both behave the same on the same SQL.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { loadPluginRegistry, type PluginRegistry } from '../../../src/plugins/registry.ts';
import { createSecretCodec } from '../../../src/secrets/envelope-codec.ts';
import { keyringFromKeys } from '../../../src/secrets/keyring.ts';
import type { SecretCodec } from '../../../src/secrets/secret-codec.ts';
import { checkCases } from './check-cases.ts';
import { entityCases } from './entity-cases.ts';
import { ACTOR, builders, insert, ref, rejectsWith, secretValue, write } from './fixtures.ts';
import type { ContractHarness } from './harness.ts';
import { securityCases } from './security-cases.ts';
import type { Store } from '../../../src/store/store.ts';
import { fieldOf } from '../../../src/schema/object-node.ts';

export interface StoreDeps {
  codec: SecretCodec;
  plugins: PluginRegistry;
}

/** Opens a store on the driver's database (the same data on every call). */
export type OpenContractStore = (deps: StoreDeps) => Promise<Store>;

export interface StoreContractOptions {
  /**
   * Opens a second store on the same database, as another node would. PostgreSQL passes it; PGlite cannot
   * (one process per data folder), so its cross-connection cases use the one store.
   */
  openPeer?: OpenContractStore;
}

const KEY_1 = { id: 'k1', key: randomBytes(32) };
const KEY_2 = { id: 'k2', key: randomBytes(32) };

export function runStoreContract(name: string, open: OpenContractStore, cleanup: () => Promise<void>, options: StoreContractOptions = {}): void {
  describe(`store contract: ${name}`, () => {
    let store: Store | undefined;
    let peer: Store | undefined;
    let plugins: PluginRegistry;
    let codec = createSecretCodec(keyringFromKeys([KEY_1]));

    async function openAll(): Promise<void> {
      // Together, as nodes starting at once would: migrations must not race.
      [store, peer] = await Promise.all([open({ codec, plugins }), options.openPeer?.({ codec, plugins })]);
    }
    async function closeAll(): Promise<void> {
      await peer?.close();
      await store?.close();
      peer = store = undefined;
    }

    const h: ContractHarness = {
      get store() {
        return store!;
      },
      get other() {
        return peer ?? store!;
      },
      get plugins() {
        return plugins;
      },
      get codec() {
        return codec;
      },
      async reopen(next) {
        await closeAll();
        codec = next;
        await openAll();
      },
    };

    before(async () => {
      plugins = await loadPluginRegistry();
      await openAll();
    });
    after(async () => {
      await closeAll();
      await cleanup();
    });

    entityCases(h);
    securityCases(h);
    checkCases(h);

    it('keeps everything across close and reopen; after a key rotation, reads still decrypt and rekey re-wraps', async () => {
      const b = builders(plugins);
      const svc = await insert(h.store, 'services', b.service());
      const consumer = await insert(h.store, 'consumers', b.consumer());
      const jwt = b.jwt(consumer.id);
      const keyAuth = b.keyauth_credentials(consumer.id);
      const password = secretValue('redispw');
      const plugin = b.plugin('rate-limiting', { minute: 5, redis: { password } }, { service: ref(svc.id) });
      await write(h.store, [
        { op: 'insert', kind: 'jwt_secrets', record: jwt },
        { op: 'insert', kind: 'keyauth_credentials', record: keyAuth },
        { op: 'insert', kind: 'plugins', record: plugin },
      ]);
      const version = await h.store.version();
      const sealed = (
        await h.store.sql.query<{ n: number }>(
          `SELECT (SELECT count(*) FROM jwt_secrets WHERE secrets IS NOT NULL) + (SELECT count(*) FROM plugins WHERE secrets IS NOT NULL) AS n`,
        )
      ).rows.at(0)?.n;

      // The new key first (active), the old one kept so values written under it still open.
      await h.reopen(createSecretCodec(keyringFromKeys([KEY_2, KEY_1])));
      assert.equal(await h.store.version(), version);
      assert.equal((await h.store.get('services', svc.id))?.name, svc.name);
      assert.equal((await h.store.get('keyauth_credentials', keyAuth.key as string))?.id, keyAuth.id);
      let { entities } = await h.store.snapshot();
      assert.equal(entities.jwt_secrets.find((j) => j.id === jwt.id)?.secret, jwt.secret);
      // A key hashed under k1 still clashes with the same key written under k2.
      await rejectsWith(insert(h.store, 'keyauth_credentials', b.keyauth_credentials(consumer.id, { key: keyAuth.key })), 'ADMIN_UNIQUE_VIOLATION');

      assert.equal(await h.store.rekeySecrets(ACTOR), sealed);
      const ids = (
        await h.store.sql.query<{ secrets: string }>(
          'SELECT secrets FROM jwt_secrets WHERE secrets IS NOT NULL UNION ALL SELECT secrets FROM plugins WHERE secrets IS NOT NULL',
        )
      ).rows;
      assert.ok(ids.every((r) => h.codec.keyIdOf(r.secrets) === 'k2'));
      assert.equal(await h.store.rekeySecrets(ACTOR), 0);
      ({ entities } = await h.store.snapshot());
      assert.equal(entities.jwt_secrets.find((j) => j.id === jwt.id)?.secret, jwt.secret);
      assert.equal(fieldOf(fieldOf(entities.plugins.find((p) => p.id === plugin.id)?.config, 'redis'), 'password'), password);
      const rekeys = (await h.store.audit.list({ size: 2, kind: 'secrets' })).data;
      assert.deepEqual(
        rekeys.map((e) => [e.action, e.after?.rewrapped]),
        [
          ['rekey', 0],
          ['rekey', sealed],
        ],
      );
    });
  });
}
