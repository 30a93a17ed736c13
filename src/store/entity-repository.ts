// Reads of entity tables: one by id or endpoint key (within a parent), pages by id with tag and parent
// filters. Rows come back in the admin API's public shape: secrets never leave this layer on a read.
import { isStorableText } from '../schema/storable-text.ts';
import type { PluginRegistry } from '../plugins/registry.ts';
import type { SecretCodec } from '../secrets/secret-codec.ts';
import { ENTITIES, type Kind } from '../schema/entity-catalogue.ts';
import { checkPageSize, decodeOffset, encodeOffset } from './pagination.ts';
import { publicRecord } from './records.ts';
import type { SqlQueryable, SqlValue } from './sql-client.ts';
import type { EntityRecord, ListOptions, Page } from './store.ts';
import type { UnsealedCache } from './unsealed-cache.ts';
import { TABLES, foreignColumn, isUuid, plainColumn } from './tables.ts';

export interface ReadContext {
  codec: SecretCodec;
  plugins: PluginRegistry;
  /** Decrypted envelopes kept between snapshots (the store's); without it every snapshot decrypts every secret. */
  unsealed?: UnsealedCache;
  /** Snapshots read each table as one JSON value rather than row by row (faster on PGlite only). */
  tablesAsJson?: boolean;
}

/** A row of an entity table as SQL returns it. */
export interface EntitySqlRow {
  id: string;
  data: Record<string, unknown>;
  tags: string[] | null;
  secrets: string | null;
  created_at: number;
  updated_at: number;
  [column: string]: unknown;
}

/** Table row -> admin-shaped record without secrets (unset fields left out). */
export function recordFromRow(kind: Kind, row: EntitySqlRow): Record<string, unknown> & { id: string } {
  const record: Record<string, unknown> & { id: string } = { id: row.id, ...row.data };
  for (const { field, column } of TABLES[kind].references) {
    const id = row[column];
    record[field] = typeof id === 'string' ? { id } : null;
  }
  if (row.tags !== null) record.tags = row.tags;
  record.created_at = row.created_at;
  record.updated_at = row.updated_at;
  return record;
}

export async function selectById(q: SqlQueryable, kind: Kind, id: string): Promise<EntitySqlRow | undefined> {
  if (!isUuid(id)) return undefined;
  return (await q.query<EntitySqlRow>(`SELECT * FROM ${TABLES[kind].table} WHERE id = $1`, [id])).rows.at(0);
}

export async function getEntity(
  q: SqlQueryable,
  ctx: ReadContext,
  kind: Kind,
  idOrKey: string,
  parent?: { field: string; id: string },
): Promise<EntityRecord | undefined> {
  // a key SQL text cannot hold (NUL, lone surrogate) names nothing
  if (!isStorableText(idOrKey)) return undefined;
  const { table, keyedHash } = TABLES[kind];
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (parent) {
    const column = foreignColumn(kind, parent.field);
    if (column === undefined) throw new Error(`${kind} has no parent field '${parent.field}'`);
    if (!isUuid(parent.id)) return undefined;
    params.push(parent.id);
    where.push(`${column} = $${params.length}`);
  }
  const find = async (condition: string, value: SqlValue) => {
    const sql = `SELECT * FROM ${table} WHERE ${[...where, condition.replace('$?', `$${params.length + 1}`)].join(' AND ')} ORDER BY id LIMIT 1`;
    return (await q.query<EntitySqlRow>(sql, [...params, value])).rows.at(0);
  };
  // Kong: a UUID names the entity by id; otherwise (or when no such id) by its endpoint key.
  let row = isUuid(idOrKey) ? await find('id = $?', idOrKey) : undefined;
  const endpointKey = ENTITIES[kind].endpointKey;
  if (!row && endpointKey !== undefined) {
    const column = plainColumn(kind, endpointKey);
    // a key kept only as its keyed hash is found by the hashes of what the path names, under each keyring key
    if (keyedHash?.field === endpointKey) row = await find(`${keyedHash.column} = ANY($?::text[])`, ctx.codec.apiKeyHashes(idOrKey));
    else if (column !== undefined) row = await find(`${column} = $?`, idOrKey);
  }
  return row && publicRecord(kind, recordFromRow(kind, row), ctx.plugins);
}

export async function listEntities(q: SqlQueryable, ctx: ReadContext, kind: Kind, options: ListOptions): Promise<Page> {
  checkPageSize(options.size);
  const { table } = TABLES[kind];
  const where: string[] = [];
  const params: SqlValue[] = [];
  const after = decodeOffset(options.offset);
  if (options.parent) {
    const column = foreignColumn(kind, options.parent.field);
    if (column === undefined) throw new Error(`${kind} has no parent field '${options.parent.field}'`);
    if (!isUuid(options.parent.id)) return { data: [], offset: null };
    params.push(options.parent.id);
    where.push(`${column} = $${params.length}`);
  }
  if (options.tags && options.tags.values.length > 0) {
    params.push([...options.tags.values]);
    where.push(`tags ${options.tags.match === 'all' ? '@>' : '&&'} $${params.length}::text[]`);
  }
  if (after !== undefined) {
    params.push(after);
    where.push(`id > $${params.length}`);
  }
  params.push(options.size + 1);
  const sql = `SELECT * FROM ${table}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT $${params.length}`;
  const rows = (await q.query<EntitySqlRow>(sql, params)).rows;
  const more = rows.length > options.size;
  const page = more ? rows.slice(0, options.size) : rows;
  // a page cut short has a last row: the next page starts after it
  const last = more ? page.at(-1) : undefined;
  return {
    data: page.map((row) => publicRecord(kind, recordFromRow(kind, row), ctx.plugins)),
    offset: last === undefined ? null : encodeOffset(last.id),
  };
}
