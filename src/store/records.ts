// The three shapes of an entity: a ConfigEntities row (what compileConfig reads: foreign keys as
// `serviceId`), an admin record (Kong's: foreign keys as `{ id }` or null), and the public view reads return
// (no secret fields, unset fields as null as Kong shows them). Shared by the database and DB-less stores.
import type { TSchema } from '@sinclair/typebox';
import type { ConfigEntities } from '../schema/entity-catalogue.ts';
import { dropUnsetNulls } from '../config/declarative/unset-nulls.ts';
import type { PluginRegistry } from '../plugins/registry.ts';
import { declaredSecretFields, pluginNameOf, stripSecrets } from '../secrets/secret-fields.ts';
import { ENTITIES, type Kind } from '../schema/entity-catalogue.ts';
import type { EntityRecord } from './store.ts';

/** Which ConfigEntities list holds each kind. */
export const ENTITY_LISTS: Readonly<Record<Kind, keyof ConfigEntities>> = {
  services: 'services',
  routes: 'routes',
  upstreams: 'upstreams',
  targets: 'targets',
  consumers: 'consumers',
  jwt_secrets: 'jwtSecrets',
  keyauth_credentials: 'keyAuth',
  acls: 'acls',
  plugins: 'plugins',
};

export type EntityRow = ConfigEntities[keyof ConfigEntities][number];

export function emptyEntities(): ConfigEntities {
  return { services: [], routes: [], upstreams: [], targets: [], consumers: [], jwt_secrets: [], keyauth_credentials: [], acls: [], plugins: [] };
}

/** ConfigEntities row field holding a foreign key: `service` -> `serviceId`. */
export function rowForeignField(field: string): string {
  return `${field}Id`;
}

/** Id of a foreign reference as written: `{ id }`, a bare id, or null. */
export function referenceId(ref: unknown): string | null {
  if (typeof ref === 'string') return ref;
  if (ref !== null && typeof ref === 'object' && typeof (ref as { id?: unknown }).id === 'string') return (ref as { id: string }).id;
  return null;
}

/** Fields a record may carry in and out of the store but reads never show: an API key's stored hash. */
const NOT_PUBLIC: Partial<Record<Kind, readonly string[]>> = { keyauth_credentials: ['key_hash'] };

/**
 * Row -> admin shape. Structural only: secrets the row holds stay (publicRecord strips them), and a key-auth
 * row's `key_hash` becomes the schema's `key_hash` (what `config dump` exports and a write may carry).
 */
export function toAdminRecord(kind: Kind, row: EntityRow | Record<string, unknown>): EntityRecord {
  const record: Record<string, unknown> = { ...row };
  for (const field of Object.keys(ENTITIES[kind].foreign)) {
    const id = record[rowForeignField(field)];
    delete record[rowForeignField(field)];
    record[field] = typeof id === 'string' ? { id } : null;
  }
  if (typeof record.key_hash === 'string') record.key_hash = record.key_hash;
  delete record.key_hash;
  return record as EntityRecord;
}

/** Admin shape -> row, as the declarative loader builds it (nulls on optional non-null fields dropped). */
export function fromAdminRecord(kind: Kind, record: Record<string, unknown>): EntityRow {
  const row: Record<string, unknown> = structuredClone(record);
  for (const field of Object.keys(ENTITIES[kind].foreign)) {
    const id = referenceId(row[field]);
    delete row[field];
    row[rowForeignField(field)] = id;
  }
  dropUnsetNulls(ENTITIES[kind].schema, row);
  if (typeof row.key_hash === 'string') row.key_hash = row.key_hash;
  delete row.key_hash;
  return row as unknown as EntityRow;
}

/** What reads return: secret fields removed, every other top-level field present (null when unset), as Kong shows. */
export function publicRecord(kind: Kind, record: Record<string, unknown>, plugins: PluginRegistry): EntityRecord {
  const out = stripSecrets(kind, record, plugins);
  const hidden = NOT_PUBLIC[kind] ?? [];
  for (const field of hidden) delete out[field];
  const secret = new Set(declaredSecretFields(kind, pluginNameOf(kind, record), plugins).filter((f) => f.path.length === 1).map((f) => f.path[0]));
  for (const field of Object.keys((ENTITIES[kind].schema as TSchema).properties as Record<string, TSchema>)) {
    // ws_id: there are no workspaces here, so reads don't invent one.
    if (!(field in out) && field !== 'ws_id' && !secret.has(field) && !hidden.includes(field)) out[field] = null;
  }
  return out as EntityRecord;
}
