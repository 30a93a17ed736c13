// The whole configuration as compileConfig reads it, from the tables: secrets decrypted (the gateway needs
// jwt secrets and plugin passwords), API keys as their hashes only. Read at one point in time.
import { dropUnsetNulls } from '../schema/unset-nulls.ts';
import { KINDS, ENTITIES, type ConfigEntities, type Kind } from '../schema/entity-catalogue.ts';
import type { EntitySqlRow, ReadContext } from './entity-repository.ts';
import { emptyEntities } from '../schema/entity-shapes.ts';
import { rowForeignField } from '../schema/entity-definition.ts';
import { addRow } from '../schema/entity-rows.ts';
import { putAtPath, unseal, type SecretValues } from './sealed-secrets.ts';
import type { SqlClient, SqlQueryable } from './sql-client.ts';
import type { Snapshot } from './store.ts';
import { TABLES } from './tables.ts';

/** Every entity, as seen by `q` (inside a write transaction: including its uncommitted changes). */
export async function loadEntities(q: SqlQueryable, ctx: ReadContext): Promise<ConfigEntities> {
  const entities = emptyEntities();
  const secrets = ctx.unsealed?.session() ?? { open: (envelope: string | null) => unseal(ctx.codec, envelope), done() {} };
  for (const kind of KINDS) {
    const rows = ctx.tablesAsJson ? await tableAsJson(q, kind) : await tableRows(q, kind);
    for (const row of rows) addRow(entities, kind, entityFromRow(kind, row, secrets.open(row.secrets)));
  }
  secrets.done();
  return entities;
}

function tableRows(q: SqlQueryable, kind: Kind): Promise<EntitySqlRow[]> {
  return q.query<EntitySqlRow>(`SELECT * FROM ${TABLES[kind].table} ORDER BY created_at, id`).then((r) => r.rows);
}

/**
 * The same rows as one JSON text (PGlite): PGlite decodes every row message in JavaScript, which made up most
 * of its snapshot; one value per table halves it. The rows parse to what the driver gives (jsonb as objects,
 * arrays, int8 as numbers). PostgreSQL's own row protocol is faster than its json_agg, so it keeps tableRows.
 */
async function tableAsJson(q: SqlQueryable, kind: Kind): Promise<EntitySqlRow[]> {
  const sql = `SELECT coalesce(json_agg(t ORDER BY t.created_at, t.id), '[]')::text AS rows FROM ${TABLES[kind].table} t`;
  const text = (await q.query<{ rows: string }>(sql)).rows.at(0)?.rows;
  if (text === undefined) throw new Error(`${kind}: json_agg returned no row`);
  // Cast kept: the text is json_agg of the table's own rows, which are EntitySqlRows by the table's definition
  // (tableRows reads the same rows typed by the driver); checking each would cost the snapshot what this saves.
  return JSON.parse(text) as EntitySqlRow[];
}

/**
 * A table row as a ConfigEntities row, built in place from the row the driver just parsed (nothing else holds
 * it, so no copy is needed). Same result, key order included, as
 * `fromAdminRecord(kind, mergeSecrets(recordFromRow(kind, row), secrets))` plus a keyed hash's column,
 * which deep-copied every row twice.
 */
export function entityFromRow(kind: Kind, row: EntitySqlRow, secrets: SecretValues): Record<string, unknown> & { id: string } {
  const { references, keyedHash } = TABLES[kind];
  const entity: Record<string, unknown> & { id: string } = { id: row.id, ...row.data };
  for (const { field } of references) Reflect.deleteProperty(entity, field);
  if (row.tags !== null) entity.tags = row.tags;
  entity.created_at = row.created_at;
  entity.updated_at = row.updated_at;
  for (const path in secrets) putAtPath(entity, path, secrets[path]);
  for (const { field, column } of references) {
    const id = row[column];
    entity[rowForeignField(field)] = typeof id === 'string' ? id : null;
  }
  dropUnsetNulls(ENTITIES[kind].schema, entity);
  const hash = keyedHash === undefined ? undefined : row[keyedHash.column];
  if (keyedHash !== undefined && typeof hash === 'string') entity[keyedHash.column] = hash;
  return entity;
}

export async function readVersion(q: SqlQueryable): Promise<number> {
  const state = (await q.query<{ version: number }>('SELECT version FROM config_state')).rows.at(0);
  if (state === undefined) throw new Error('config_state has no row (migrations create it)');
  return state.version;
}

export function takeSnapshot(sql: SqlClient, ctx: ReadContext): Promise<Snapshot> {
  return sql.transaction(async (tx) => {
    // One snapshot across all tables and the version, whatever commits meanwhile.
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    const version = await readVersion(tx);
    return { version, entities: await loadEntities(tx, ctx) };
  });
}
