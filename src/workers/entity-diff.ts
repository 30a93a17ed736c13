// A new config as per-row changes against the last one a worker holds: only rows that changed cross the thread
// boundary (structured clone copies every row it is given, and 100,000 consumers per admin write would make
// each write cost a full copy per worker). applyEntitiesDiff is what the worker runs; the supervisor runs the
// same function to prove the result equals the snapshot, row order included, and sends the whole order (ids
// only) when the rule (changed rows in place, each new row right after its predecessor) would not reproduce it.
import { isDeepStrictEqual } from 'node:util';
import { isKind, KINDS, type ConfigEntities, type Kind } from '../schema/entity-catalogue.ts';
import { fieldOf, isMapping } from '../schema/object-node.ts';

interface Row {
  id: string;
}

export interface KindDiff {
  /** Changed rows, replaced where they stand. */
  updates: Row[];
  /** New rows, each placed right after the row it follows in the snapshot (null: first), in snapshot order. */
  inserts: { after: string | null; row: Row }[];
  deletes: string[];
  /** Every id in the snapshot's order, when in-place replacement plus appending would not give that order. */
  order?: string[];
}

/** Kinds absent here did not change. */
export type EntitiesDiff = Partial<Record<Kind, KindDiff>>;

export function diffEntities(previous: ConfigEntities, next: ConfigEntities): EntitiesDiff {
  const diff: EntitiesDiff = {};
  for (const kind of KINDS) {
    const before: readonly Row[] = previous[kind];
    const after: readonly Row[] = next[kind];
    const old = new Map(before.map((row) => [row.id, row]));
    const updates: Row[] = [];
    const inserts: KindDiff['inserts'] = [];
    let predecessor: string | null = null;
    for (const row of after) {
      const was = old.get(row.id);
      if (was === undefined) inserts.push({ after: predecessor, row });
      // Reference equality first: a store that keeps unchanged rows' objects makes this loop a pointer walk.
      else if (was !== row && !isDeepStrictEqual(was, row)) updates.push(row);
      predecessor = row.id;
    }
    const kept = new Set(after.map((row) => row.id));
    const deletes = before.filter((row) => !kept.has(row.id)).map((row) => row.id);
    if (updates.length === 0 && inserts.length === 0 && deletes.length === 0 && sameOrder(before, after)) continue;
    const change: KindDiff = { updates, inserts, deletes };
    if (!sameOrder(applyKind(before, change), after)) change.order = after.map((row) => row.id);
    diff[kind] = change;
  }
  return diff;
}

/** The worker's side: `base` with `diff` applied, `base` itself untouched (the config built from it may still serve). */
export function applyEntitiesDiff(base: ConfigEntities, diff: EntitiesDiff): ConfigEntities {
  const next: Record<string, Row[]> = {};
  for (const kind of KINDS) {
    const change = diff[kind];
    next[kind] = change === undefined ? base[kind] : applyKind(base[kind], change);
  }
  if (!isEntities(next)) throw new Error('a config diff left an entity kind without rows');
  return next;
}

function applyKind(rows: readonly Row[], change: KindDiff): Row[] {
  const gone = new Set(change.deletes);
  const changed = new Map(change.updates.map((row) => [row.id, row]));
  // Each row follows exactly one predecessor, so a new row is the only one anchored after it.
  const following = new Map(change.inserts.map(({ after, row }) => [after, row]));
  const out: Row[] = [];
  const emitFollowers = (id: string | null) => {
    for (let next = following.get(id); next !== undefined; next = following.get(next.id)) out.push(next);
  };
  emitFollowers(null);
  for (const row of rows) {
    if (gone.has(row.id)) continue;
    out.push(changed.get(row.id) ?? row);
    emitFollowers(row.id);
  }
  if (change.order === undefined) return out;
  const byId = new Map(out.map((row) => [row.id, row]));
  return change.order.map((id) => {
    const row = byId.get(id);
    if (row === undefined) throw new Error(`a config diff orders row ${id}, which it does not hold`);
    return row;
  });
}

function sameOrder(a: readonly Row[], b: readonly Row[]): boolean {
  return a.length === b.length && a.every((row, i) => row.id === b[i]?.id);
}

/** Every kind present as an array: the shape the supervisor sends (rows are its own snapshot's, not re-checked). */
export function isEntities(value: unknown): value is ConfigEntities {
  if (typeof value !== 'object' || value === null) return false;
  const record: Partial<Record<string, unknown>> = value;
  return KINDS.every((kind) => Array.isArray(record[kind]));
}

/** A diff as posted: known kinds only, each with rows that have ids, ids to delete, and optionally an order. */
export function isEntitiesDiff(value: unknown): value is EntitiesDiff {
  if (!isMapping(value)) return false;
  return Object.entries(value).every(([kind, change]) => {
    const updates = fieldOf(change, 'updates');
    const inserts = fieldOf(change, 'inserts');
    const order = fieldOf(change, 'order');
    return (
      isKind(kind) &&
      Array.isArray(updates) &&
      updates.every(hasId) &&
      Array.isArray(inserts) &&
      inserts.every((insert) => hasId(fieldOf(insert, 'row')) && (fieldOf(insert, 'after') === null || typeof fieldOf(insert, 'after') === 'string')) &&
      isIds(fieldOf(change, 'deletes')) &&
      (order === undefined || isIds(order))
    );
  });
}

function hasId(row: unknown): boolean {
  return typeof fieldOf(row, 'id') === 'string';
}

function isIds(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((id) => typeof id === 'string');
}
