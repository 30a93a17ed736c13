// The whole configuration as compileConfig reads it, from the tables: secrets decrypted (the gateway needs
// jwt secrets and plugin passwords), API keys as their hashes only. Read at one point in time.
import type { ConfigEntities } from '../config/entities.ts';
import { KIND_ORDER } from './entity-kinds.ts';
import { recordFromRow, type EntitySqlRow, type ReadContext } from './entity-repository.ts';
import { ENTITY_LISTS, emptyEntities, fromAdminRecord } from './records.ts';
import { mergeSecrets, unseal } from './sealed-secrets.ts';
import type { SqlClient, SqlQueryable } from './sql-client.ts';
import type { Snapshot } from './store.ts';
import { TABLES } from './tables.ts';

/** Every entity, as seen by `q` (inside a write transaction: including its uncommitted changes). */
export async function loadEntities(q: SqlQueryable, ctx: ReadContext): Promise<ConfigEntities> {
  const entities = emptyEntities();
  for (const kind of KIND_ORDER) {
    const rows = (await q.query<EntitySqlRow>(`SELECT * FROM ${TABLES[kind].table} ORDER BY created_at, id`)).rows;
    const list = entities[ENTITY_LISTS[kind]] as unknown[];
    for (const row of rows) {
      const entity = fromAdminRecord(kind, mergeSecrets(recordFromRow(kind, row), unseal(ctx.codec, row.secrets))) as unknown as Record<string, unknown>;
      if (kind === 'keyauth_credentials' && typeof row.key_hash === 'string') entity.keyHash = row.key_hash;
      list.push(entity);
    }
  }
  return entities;
}

export async function readVersion(q: SqlQueryable): Promise<number> {
  return (await q.query<{ version: number }>('SELECT version FROM config_state')).rows[0].version;
}

export function takeSnapshot(sql: SqlClient, ctx: ReadContext): Promise<Snapshot> {
  return sql.transaction(async (tx) => {
    // One snapshot across all tables and the version, whatever commits meanwhile.
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    const version = await readVersion(tx);
    return { version, entities: await loadEntities(tx, ctx) };
  });
}
