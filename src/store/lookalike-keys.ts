// Lookalike-key columns (migrations/005): their names, the check a write makes before it lands (to name the
// identity it looks like), and the fill at start for rows written without keys (before the migration, or by
// an older node during a rolling upgrade). Rows that already look like another keep a NULL key and a warning:
// they stay as they are, but a new lookalike of either is refused.
import type { Logger } from 'pino';
import { lookalikeFields, lookalikeKeyOf } from '../schema/identity-fields.ts';
import { lookalikeKey } from '../schema/identity-text.ts';
import { KINDS, type Kind } from '../schema/entity-catalogue.ts';
import { CONFIG_WRITE_LOCK } from './locks.ts';
import type { SqlClient, SqlQueryable, SqlValue } from './sql-client.ts';
import type { PluginRegistry } from '../plugins/registry.ts';
import { lookalikeViolation, uniqueViolation } from './store-errors.ts';
import { TABLES, plainColumn } from './tables.ts';

/** `name` -> `name_key`. */
export function keyColumn(kind: Kind, field: string): string {
  return `${fieldColumn(kind, field)}_key`;
}

/** The column of a lookalike field (one of lookalikeFields: unique fields, which have columns). */
function fieldColumn(kind: Kind, field: string): string {
  const column = plainColumn(kind, field);
  if (column === undefined) throw new Error(`${kind}.${field} has no column of its own`);
  return column;
}

/** The key columns of a row about to be written, from its record. */
export function lookalikeColumns(kind: Kind, data: Record<string, unknown>): Record<string, SqlValue> {
  const out: Record<string, SqlValue> = {};
  for (const field of lookalikeFields(kind)) out[keyColumn(kind, field)] = lookalikeKeyOf(data[field]);
  return out;
}

/**
 * Refuses a row whose identity looks like another row's (inside the write transaction, so the answer names
 * the one it looks like; the unique index stays the last word). The very same text answers Kong's own
 * UNIQUE violation, whichever index the database would have reported first.
 */
export async function checkLookalikes(
  q: SqlQueryable,
  plugins: PluginRegistry,
  kind: Kind,
  id: string,
  columns: Readonly<Partial<Record<string, SqlValue>>>,
  data: Record<string, unknown>,
): Promise<void> {
  for (const field of lookalikeFields(kind)) {
    const key = columns[keyColumn(kind, field)];
    if (key === null || key === undefined) continue;
    const column = fieldColumn(kind, field);
    const found = await q.query<{ value: string }>(
      `SELECT ${column} AS value FROM ${TABLES[kind].table} WHERE ${keyColumn(kind, field)} = $1 AND id <> $2 LIMIT 1`,
      [key, id],
    );
    const existing = found.rows.at(0)?.value;
    if (existing === undefined) continue;
    // whichever index the database would report first, the very same text is Kong's UNIQUE violation
    throw existing === data[field] ? uniqueViolation(kind, [field], data, plugins) : lookalikeViolation(field, existing);
  }
}

/** Keys every row that has an identity but no key yet, oldest first; returns how many rows were keyed. */
export async function fillLookalikeKeys(sql: SqlClient, logger?: Logger): Promise<number> {
  return sql.transaction(async (tx) => {
    // the same lock as writes: no write lands between reading the keys taken and setting the new ones
    await tx.query(CONFIG_WRITE_LOCK);
    let filled = 0;
    for (const kind of KINDS) {
      for (const field of lookalikeFields(kind)) {
        const { table } = TABLES[kind];
        const column = fieldColumn(kind, field);
        const key = keyColumn(kind, field);
        const pending = (
          await tx.query<{ id: string; value: string }>(
            `SELECT id, ${column} AS value FROM ${table} WHERE ${column} IS NOT NULL AND ${key} IS NULL ORDER BY created_at, id`,
          )
        ).rows;
        if (pending.length === 0) continue;
        const taken = new Map(
          (await tx.query<{ id: string; k: string }>(`SELECT id, ${key} AS k FROM ${table} WHERE ${key} IS NOT NULL`)).rows.map((r) => [r.k, r.id]),
        );
        const ids: string[] = [];
        const keys: string[] = [];
        for (const row of pending) {
          const k = lookalikeKey(row.value);
          const other = taken.get(k);
          if (other !== undefined) {
            logger?.warn({ kind, id: row.id, field, looks_like: other }, 'store: an existing identity looks like another; kept, without a lookalike key');
            continue;
          }
          taken.set(k, row.id);
          ids.push(row.id);
          keys.push(k);
        }
        if (ids.length > 0) {
          await tx.query(`UPDATE ${table} AS t SET ${key} = v.k FROM unnest($1::uuid[], $2::text[]) AS v(id, k) WHERE t.id = v.id`, [ids, keys]);
          filled += ids.length;
        }
      }
    }
    return filled;
  });
}
