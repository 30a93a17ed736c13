// The whole configuration as compileConfig reads it, from the tables: secrets decrypted (the gateway needs
// jwt secrets and plugin passwords), API keys as their hashes only. Read at one point in time.
import { dropUnsetNulls } from '../schema/unset-nulls.ts';
import { KINDS, ENTITIES, type ConfigEntities, type Kind, rowsOf } from '../schema/entity-catalogue.ts';
import type { RowView } from '../schema/entity-definition.ts';
import { pacer } from '../config/steps.ts';
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
  // 100,000 rows take far longer than a proxied request may wait: the event loop turns every few milliseconds.
  const pace = pacer();
  for (const kind of KINDS) {
    const rows = ctx.tablesAsJson ? await tableAsJson(q, kind) : await tableRows(q, kind);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      if (row !== undefined) addRow(entities, kind, entityFromRow(kind, row, secrets.open(row.secrets)));
      if (i % 64 === 63 && pace.due()) await pace.turn();
    }
  }
  secrets.done();
  return entities;
}

/** Entity ids a write touched, by kind (rows it inserted, replaced or deleted, cascades included). */
export type ChangedIds = ReadonlyMap<Kind, ReadonlySet<string>>;

/**
 * `base` (every entity at the version the write started from) with the rows in `changed` read again through
 * `q`: a write's whole config in the time of its own rows, not of every table. Lists the write did not touch
 * are `base`'s own (the same arrays: a build can tell they did not change); touched ones are new arrays, so
 * `base` is never modified. Rows keep the order loadEntities gives (created_at, then id).
 */
export async function loadChanges(q: SqlQueryable, ctx: ReadContext, base: ConfigEntities, changed: ChangedIds): Promise<ConfigEntities> {
  const entities: ConfigEntities = { ...base };
  const secrets = ctx.unsealed?.session() ?? { open: (envelope: string | null) => unseal(ctx.codec, envelope), done() {} };
  for (const [kind, ids] of changed) {
    if (ids.size === 0) continue;
    const rows = (await q.query<EntitySqlRow>(`SELECT * FROM ${TABLES[kind].table} WHERE id = ANY($1::uuid[])`, [[...ids]])).rows;
    const fresh = emptyEntities();
    for (const row of rows) addRow(fresh, kind, entityFromRow(kind, row, secrets.open(row.secrets)));
    replaceRows(entities, kind, ids, fresh);
  }
  secrets.done();
  return entities;
}

/** `entities[kind]` as a new list: without the rows `ids` names, with `fresh`'s rows of that kind in order. */
function replaceRows(entities: ConfigEntities, kind: Kind, ids: ReadonlySet<string>, fresh: ConfigEntities): void {
  const list = rowsOf(entities, kind).filter((row) => !ids.has(row.id));
  for (const row of rowsOf(fresh, kind)) list.splice(sortedIndex(list, row), 0, row);
  // Object.assign: the rows are `kind`'s own (from `entities` and `fresh`, both checked by addRow), which a
  // list typed for any kind cannot show TypeScript.
  Object.assign(entities, { [kind]: list });
}

/** Where `row` goes in `list`, ordered by created_at then id (uuids, lower-case: text order is the database's). */
function sortedIndex(list: readonly RowView[], row: RowView): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const other = list[mid];
    if (other !== undefined && before(other, row)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** (created_at, id) order; every stored row has a created_at (a number of seconds). */
function before(a: RowView, b: RowView): boolean {
  const ta = Number(a.created_at ?? 0);
  const tb = Number(b.created_at ?? 0);
  return ta !== tb ? ta < tb : a.id < b.id;
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
