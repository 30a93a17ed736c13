// Two shapes of an entity: a ConfigEntities row (what compileConfig reads: foreign keys as `serviceId`) and
// an admin record (Kong's: foreign keys as `{ id }` or null), and the conversions between them.
import { dropUnsetNulls } from './unset-nulls.ts';
import { rowForeignField } from './entity-definition.ts';
import { ENTITIES, mapKinds, type ConfigEntities, type Kind } from './entity-catalogue.ts';

/** An entity in the admin API's shape: fields by name, with its id. */
export type AdminRecord = Record<string, unknown> & { id: string };

export function emptyEntities(): ConfigEntities {
  return mapKinds(() => []);
}

/** Id of a foreign reference as written: `{ id }`, a bare id, or null. */
export function referenceId(ref: unknown): string | null {
  if (typeof ref === 'string') return ref;
  if (ref !== null && typeof ref === 'object' && 'id' in ref && typeof ref.id === 'string') return ref.id;
  return null;
}

/** Row -> admin shape. Structural only: secrets the row holds stay (publicRecord strips them). */
export function toAdminRecord(kind: Kind, row: Readonly<Record<string, unknown>> & { id: string }): AdminRecord {
  const record: AdminRecord = { ...row };
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
