// The store contract on embedded PGlite, in a temporary data folder (closed and reopened by the contract).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { openStore } from '../../src/store/open-store.ts';
import { runStoreContract } from './contract/store-contract.ts';

const dir = await mkdtemp(join(tmpdir(), 'portcullis-store-'));
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

runStoreContract(
  'pglite',
  async ({ codec, plugins }) => {
    const store = await openStore({ dataDir: dir, codec, plugins, logger });
    assert.equal(store.driver, 'pglite');
    assert.ok(existsSync(join(dir, 'pglite')), 'PGlite keeps its files in <dataDir>/pglite');
    return store;
  },
  () => rm(dir, { recursive: true, force: true }),
);
