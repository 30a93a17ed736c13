// ConfigEntities rows -> admin-API-shaped records (Kong field names, references as `{ id }`), the body a sync
// PUTs; and the canonical form two records are compared in, which never holds a secret.
import type { PluginRegistry } from '../../plugins/registry.ts';
import { declaredSecretFields } from '../../secrets/secret-fields.ts';
import type { ConfigEntities } from '../entities.ts';
import type { Kind } from '../declarative/flatten.ts';
import { KIND_SPECS } from '../../store/entity-kinds.ts';
import { ENTITY_LISTS, rowForeignField } from '../../store/records.ts';

export type Row = Record<string, unknown> & { id: string };
export type EntityBody = Record<string, unknown>;

export function rowsOf(entities: ConfigEntities, kind: Kind): Row[] {
  return entities[ENTITY_LISTS[kind]] as unknown as Row[];
}

/** Row field (`serviceId`) -> Kong foreign key field (`service`) and the kind it refers to, per kind. */
function rowRefs(kind: Kind): Record<string, { field: string; kind: Kind }> {
  const out: Record<string, { field: string; kind: Kind }> = {};
  for (const [field, fk] of Object.entries(KIND_SPECS[kind].foreign)) out[rowForeignField(field)] = { field, kind: fk.kind };
  return out;
}

const TIMESTAMPS = new Set(['created_at', 'updated_at']);

/**
 * A row as the admin API takes it, without `id` (a sync names it in the path). `mapId` turns a referenced id
 * into the one the server knows (entities matched by name keep the server's id).
 */
export function toBody(kind: Kind, row: Row, mapId: (kind: Kind, id: string) => string = (_k, id) => id): EntityBody {
  const refs = rowRefs(kind);
  const out: EntityBody = {};
  for (const [key, value] of Object.entries(row)) {
    if (key === 'id' || value === undefined || TIMESTAMPS.has(key)) continue;
    const ref = refs[key];
    if (ref) out[ref.field] = typeof value === 'string' ? { id: mapId(ref.kind, value) } : null;
    else if (key === 'keyHash') out.key_hash = value;
    else out[key] = value;
  }
  return out;
}

/**
 * What two versions of an entity are compared by: secrets out (they are write-only: the server never shows
 * them, so an absent secret means "unchanged"), API keys out (compared apart), nulls out (null and absent
 * both mean unset), tags as a sorted set, keys sorted.
 */
export function comparable(kind: Kind, body: EntityBody, plugins: PluginRegistry): EntityBody {
  const copy = structuredClone(body);
  const name = kind === 'plugins' && typeof copy.name === 'string' ? copy.name : undefined;
  for (const field of declaredSecretFields(kind, name, plugins)) remove(copy, field.path);
  if (kind === 'keyauth_credentials') {
    delete copy.key;
    delete copy.key_hash;
  }
  if (Array.isArray(copy.tags)) {
    if (copy.tags.length === 0) delete copy.tags;
    else copy.tags = [...new Set(copy.tags as string[])].sort();
  }
  return canonical(copy) as EntityBody;
}

function remove(node: unknown, path: readonly string[]): void {
  if (node === null || typeof node !== 'object' || path.length === 0) return;
  const [key, ...rest] = path;
  if (key === '*') {
    if (Array.isArray(node)) for (const item of node) remove(item, rest);
  } else if (rest.length === 0) delete (node as EntityBody)[key];
  else remove((node as EntityBody)[key], rest);
}

/** Sorted keys, no null or undefined members: equal values give equal JSON. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const out: EntityBody = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as EntityBody)[key];
    if (v !== null && v !== undefined) out[key] = canonical(v);
  }
  return out;
}

export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}
