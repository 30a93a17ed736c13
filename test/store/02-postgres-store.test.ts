// The store contract on PostgreSQL (a fresh database on 127.0.0.1:5432, dropped at the end), with a second
// store on the same database playing another node; plus what only a real server shows.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, describe, it, test } from 'node:test';
import { pino } from 'pino';
import { isGatewayError } from '../../src/errors/gateway-error.ts';
import { loadPluginRegistry } from '../../src/plugins/registry.ts';
import { createSecretCodec } from '../../src/secrets/envelope-codec.ts';
import { keyringFromKeys } from '../../src/secrets/keyring.ts';
import { openStore } from '../../src/store/open-store.ts';
import { runStoreContract, type OpenContractStore } from './contract/store-contract.ts';
import { createTestDatabase, postgresSkip } from '../helpers/pg-database.ts';

const ACTOR = { id: 'test', name: 'test', role: 'admin' } as const;
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const skip = await postgresSkip();

if (skip) {
  test('store contract: postgres', { skip }, () => {});
} else {
  const db = await createTestDatabase();
  const open: OpenContractStore = async ({ codec, plugins }) => {
    const store = await openStore({ databaseUrl: db.url, codec, plugins, logger });
    assert.equal(store.driver, 'postgres');
    return store;
  };
  runStoreContract('postgres', open, async () => {}, { openPeer: open });
  after(() => db.drop());

  describe('postgres store: what only a server shows', () => {
    it('re-establishes a lost LISTEN connection and tells the watcher to catch up', async () => {
      const plugins = await loadPluginRegistry();
      const codec = createSecretCodec(keyringFromKeys([{ id: 'k1', key: randomBytes(32) }]));
      const store = await openStore({ databaseUrl: db.url, codec, plugins, logger });
      const seen: (number | null)[] = [];
      let wake = () => {};
      const until = async (ok: () => boolean) => {
        while (!ok())
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
      };
      const stop = await store.watch((v) => {
        seen.push(v);
        wake();
      });
      try {
        // Kill our LISTEN backend, as a database restart or failover would.
        const killed = await store.sql.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN %' AND application_name = 'portcullis'`,
        );
        assert.equal(killed.rows.length, 1);
        await until(() => seen.includes(null));
        const { version } = await store.write([{ op: 'insert', kind: 'upstreams', record: { id: randomUUID(), name: 'after-reconnect' } }], { actor: ACTOR });
        await until(() => seen.includes(version));
      } finally {
        await stop();
        await store.close();
      }
    });

    it('keeps a store opened with pgSchema apart from the public one', async () => {
      const plugins = await loadPluginRegistry();
      const codec = createSecretCodec(keyringFromKeys([{ id: 'k1', key: randomBytes(32) }]));
      const schema = `portcullis_s_${randomBytes(4).toString('hex')}`;
      const isolated = await openStore({ databaseUrl: db.url, pgSchema: schema, codec, plugins, logger });
      try {
        const tables = await isolated.sql.query<{ n: number }>(
          `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'services'`,
          [schema],
        );
        assert.equal(tables.rows.at(0)?.n, 1);
        assert.equal(await isolated.version(), 0);
        assert.deepEqual((await isolated.list('services', { size: 10 })).data, []);
      } finally {
        await isolated.close();
      }
    });
  });
}

test('an unreachable database is STORE_UNAVAILABLE', async () => {
  const plugins = await loadPluginRegistry();
  const codec = createSecretCodec(keyringFromKeys([{ id: 'k1', key: randomBytes(32) }]));
  await assert.rejects(openStore({ databaseUrl: 'postgres://postgres@127.0.0.1:1/none', codec, plugins, logger }), (err: unknown) => {
    assert.ok(isGatewayError(err), String(err));
    assert.equal(err.code, 'STORE_UNAVAILABLE');
    assert.equal(err.status, 503);
    return true;
  });
});
