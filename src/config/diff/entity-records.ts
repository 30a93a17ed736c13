// ConfigEntities rows -> admin-API-shaped records (Kong field names, references as `{ id }`), the body a sync
// PUTs; and the canonical form two records are compared in, which never holds a secret.
import type { PluginRegistry } from '../../plugins/registry.ts';
import { stripSecrets } from '../../secrets/secret-fields.ts';
import { ENTITIES, foreignKeyOf, kindOf, type Kind } from '../../schema/entity-catalogue.ts';
import { isMapping } from '../../schema/object-node.ts';
import type { RowView } from '../../schema/entity-definition.ts';
import { referenceId, toAdminRecord } from '../../schema/entity-shapes.ts';

export type Row = RowView;
export type EntityBody = Record<string, unknown>;

const TIMESTAMPS = new Set(['created_at', 'updated_at']);

/**
 * A row as the admin API takes it, without `id` (a sync names it in the path). `mapId` turns a referenced id
 * into the one the server knows (entities matched by name keep the server's id).
 */
export function toBody(kind: Kind, row: Row, mapId: (kind: Kind, id: string) => string = (_k, id) => id): EntityBody {
  const out: EntityBody = {};
  for (const [key, value] of Object.entries(toAdminRecord(kind, row))) {
    if (key === 'id' || value === undefined || TIMESTAMPS.has(key)) continue;
    const target = foreignKeyOf(kind, key)?.kind;
    const ref = target === undefined ? null : referenceId(value);
    out[key] = target === undefined || ref === null ? value : { id: mapId(kindOf(target), ref) };
  }
  return out;
}

/**
 * What two versions of an entity are compared by: secrets out (they are write-only: the server never shows
 * them, so an absent secret means "unchanged"), API keys out (compared apart), nulls out (null and absent
 * both mean unset), tags as a sorted set, keys sorted.
 */
export function comparable(kind: Kind, body: EntityBody, plugins: PluginRegistry): EntityBody {
  const copy = stripSecrets(kind, body, plugins); // a copy: the key-auth `key` goes with the other secrets
  // a hashed secret's stored hash is compared apart (diff-entities' secretChanged)
  const hashed = ENTITIES[kind].hashed;
  if (hashed !== undefined) Reflect.deleteProperty(copy, hashed.stored);
  if (Array.isArray(copy.tags)) {
    const tags: readonly unknown[] = copy.tags;
    if (tags.length === 0) delete copy.tags;
    else copy.tags = [...new Set(tags)].sort();
  }
  return canonicalBody(copy);
}

/** Sorted keys, no null or undefined members: equal values give equal JSON. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  return isMapping(value) ? canonicalBody(value) : value;
}

function canonicalBody(body: Readonly<EntityBody>): EntityBody {
  const out: EntityBody = {};
  for (const key of Object.keys(body).sort()) {
    const v = body[key];
    if (v !== null && v !== undefined) out[key] = canonical(v);
  }
  return out;
}

/** Whether two comparable forms are equal: being canonical, equal values have equal JSON. */
export function sameValue(a: EntityBody, b: EntityBody): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
