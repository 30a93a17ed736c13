// The three shapes of an entity: a ConfigEntities row (what compileConfig reads: foreign keys as
// `serviceId`), an admin record (Kong's: foreign keys as `{ id }` or null), and the public view reads return
// (no secret fields, unset fields as null as Kong shows them). Shared by the database and DB-less stores.
import type { TSchema } from '@sinclair/typebox';
import { dropUnsetNulls } from '../config/declarative/unset-nulls.ts';
import type { PluginRegistry } from '../plugins/registry.ts';
import { declaredSecretFields, pluginNameOf, stripSecrets } from '../secrets/secret-fields.ts';
import { ENTITIES, mapKinds, type ConfigEntities, type Kind } from '../schema/entity-catalogue.ts';
import type { EntityRecord } from './store.ts';

export function emptyEntities(): ConfigEntities {
  return mapKinds(() => []);
}

/** ConfigEntities row field holding a foreign key: `service` -> `serviceId`. */
export function rowForeignField(field: string): string {
  return `${field}Id`;
}

/** Id of a foreign reference as written: `{ id }`, a bare id, or null. */
export function referenceId(ref: unknown): string | null {
  if (typeof ref === 'string') return ref;
  if (ref !== null && typeof ref === 'object' && 'id' in ref && typeof ref.id === 'string') return ref.id;
  return null;
}

/** Row -> admin shape. Structural only: secrets the row holds stay (publicRecord strips them). */
export function toAdminRecord(kind: Kind, row: Readonly<Record<string, unknown>> & { id: string }): EntityRecord {
  const record: EntityRecord = { ...row };
  for (const field of Object.keys(ENTITIES[kind].foreign)) {
    const id = record[rowForeignField(field)];
    Reflect.deleteProperty(record, rowForeignField(field));
    record[field] = typeof id === 'string' ? { id } : null;
  }
  return record;
}

/** Admin shape -> row fields, as the declarative loader builds them (nulls on optional non-null fields dropped). */
export function fromAdminRecord(kind: Kind, record: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const row: Record<string, unknown> = structuredClone(record);
  for (const field of Object.keys(ENTITIES[kind].foreign)) {
    const id = referenceId(row[field]);
    Reflect.deleteProperty(row, field);
    row[rowForeignField(field)] = id;
  }
  dropUnsetNulls(ENTITIES[kind].schema, row);
  return row;
}

/** What reads return: secret fields removed, every other top-level field present (null when unset), as Kong shows. */
export function publicRecord(kind: Kind, record: EntityRecord, plugins: PluginRegistry): EntityRecord {
  const out = stripSecrets(kind, record, plugins);
  // a hashed secret's stored hash travels in and out of the store (`config dump`), but reads never show it
  const hidden = ENTITIES[kind].hashed?.stored;
  if (hidden !== undefined) Reflect.deleteProperty(out, hidden);
  const secret = new Set(
    declaredSecretFields(kind, pluginNameOf(kind, record), plugins)
      .filter((f) => f.path.length === 1)
      .map((f) => f.path[0]),
  );
  const properties: Record<string, TSchema> = ENTITIES[kind].schema.properties;
  for (const field of Object.keys(properties)) {
    // ws_id: there are no workspaces here, so reads don't invent one.
    if (!(field in out) && field !== 'ws_id' && !secret.has(field) && field !== hidden) out[field] = null;
  }
  return out;
}
