// First start on an empty database: write the entities of a declarative file (the demo's, or --seed FILE) as
// the `system` actor, and make the first admin token, whose plaintext goes back to the caller to print once.
// Version 0 means no write ever committed, so a database emptied by hand is never seeded again.
import type { Logger } from 'pino';
import type { PluginRegistry } from '../plugins/registry.ts';
import type { Actor, Store, WriteOp } from '../store/store.ts';
import type { ConfigEntities } from '../schema/entity-catalogue.ts';
import { loadEntitiesFromFile } from '../config/load-config.ts';
import { KINDS } from '../schema/entity-catalogue.ts';
import { toAdminRecord } from '../schema/entity-shapes.ts';
import { isGatewayError } from '../errors/gateway-error.ts';

export const SYSTEM_ACTOR: Actor = { id: 'system', name: 'system', role: 'admin' };
/** Name of the token made on first start (names are unique, so two nodes starting at once make only one). */
export const FIRST_TOKEN_NAME = 'initial-admin';

export interface SeedOptions {
  store: Store;
  plugins: PluginRegistry;
  logger: Logger;
  /** Declarative file to seed an empty database from; nothing is seeded without one. */
  file?: string;
  /** Adjusts the file's entities before they are written (the demo points its services at their ports). */
  edit?: (entities: ConfigEntities) => void;
  /** Refuses a seed the gateway could not build (the admin API's own check). */
  check?: (entities: ConfigEntities) => Promise<void>;
}

export interface SeedResult {
  /** Entities written from `file` (0 when the database was not empty or no file was given). */
  seeded: number;
  /** Plaintext of the admin token made because none existed: print it once, never log it. */
  adminToken?: string;
}

export async function seedIfEmpty(options: SeedOptions): Promise<SeedResult> {
  const { store, logger } = options;
  let seeded = 0;
  if (options.file !== undefined && (await store.version()) === 0) {
    const entities = await loadEntitiesFromFile(options.file, options.plugins);
    options.edit?.(entities);
    const ops = insertOps(entities);
    try {
      await store.write(ops, { actor: SYSTEM_ACTOR, requestId: 'seed', check: options.check });
      seeded = ops.length;
      logger.info({ file: options.file, entities: seeded }, 'empty database seeded');
    } catch (err) {
      // Another node starting on the same empty database seeded it first: its entities are ours now.
      if (!isGatewayError(err) || !['ADMIN_UNIQUE_VIOLATION', 'STORE_CONFLICT'].includes(err.code)) throw err;
      logger.info('database seeded by another node');
    }
  }
  let adminToken: string | undefined;
  if ((await store.adminTokens.count()) === 0) {
    try {
      adminToken = (await store.adminTokens.create(FIRST_TOKEN_NAME, 'admin', SYSTEM_ACTOR)).token;
      logger.info({ name: FIRST_TOKEN_NAME }, 'first admin token created');
    } catch (err) {
      if (!isGatewayError(err) || err.code !== 'ADMIN_UNIQUE_VIOLATION') throw err;
    }
  }
  return { seeded, adminToken };
}

/** Every entity of `entities` as an insert, parents first (the order the store checks references in). */
export function insertOps(entities: ConfigEntities): WriteOp[] {
  const ops: WriteOp[] = [];
  for (const kind of KINDS) {
    for (const row of entities[kind]) ops.push({ op: 'insert', kind, record: toAdminRecord(kind, row) });
  }
  return ops;
}
