// The store contract on PostgreSQL (a fresh database on 127.0.0.1:5432, dropped at the end), with a second
// store on the same database playing another node; plus what only a real server shows.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it, test } from 'node:test';
import { pino } from 'pino';
import { isGatewayError } from '../../src/errors/gateway-error.ts';
import { loadPluginRegistry } from '../../src/plugins/registry.ts';
import { createSecretCodec } from '../../src/secrets/envelope-codec.ts';
import { keyringFromKeys } from '../../src/secrets/keyring.ts';
import { openStore } from '../../src/store/open-store.ts';
import { runStoreContract, type OpenContractStore } from '../../src/store/store-contract.ts';
import { createTestDatabase, PG_SKIP_MESSAGE } from '../helpers/pg-database.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const db = await createTestDatabase();

if (!db) {
  test('store contract: postgres', { skip: PG_SKIP_MESSAGE }, () => {});
} else {
  const open: OpenContractStore = async ({ codec, plugins }) => {
    const store = await openStore({ databaseUrl: db.url, codec, plugins, logger });
    assert.equal(store.driver, 'postgres');
    return store;
  };
  runStoreContract('postgres', open, () => db.drop(), { openPeer: open });

  describe('postgres store: schema isolation', () => {
    it('keeps a store opened with pgSchema apart from the public one', async () => {
      const plugins = await loadPluginRegistry();
      const codec = createSecretCodec(keyringFromKeys([{ id: 'k1', key: randomBytes(32) }]));
      const schema = `portcullis_s_${randomBytes(4).toString('hex')}`;
      const isolated = await openStore({ databaseUrl: db.url, pgSchema: schema, codec, plugins, logger });
      try {
        const tables = await isolated.sql.query<{ n: number }>(`SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'services'`, [schema]);
        assert.equal(tables.rows[0].n, 1);
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
