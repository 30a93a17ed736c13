// How each entity kind maps onto its table, derived from its definition: real columns for foreign keys,
// unique or lookup fields and a keyed hash, and the constraint names the database reports back on a violation
// (`<kind>_<fields>_unique`, `<kind>_<field>_fkey`, `<kind>_<field>_key_unique`), which every migration follows.
import { ENTITIES, KINDS, mapKinds, type Kind } from '../schema/entity-catalogue.ts';
import { lookalikeFields } from '../schema/identity-fields.ts';
import type { ForeignKey } from '../schema/entity-definition.ts';

/** A foreign key with its column: what writes, cascades and snapshots walk. */
export interface ForeignColumn {
  field: string;
  column: string;
  key: ForeignKey;
}

export interface TableSpec {
  kind: Kind;
  table: string;
  /** Admin foreign-key field -> column (`service` -> `service_id`). */
  foreign: Readonly<Record<string, string>>;
  /** The same foreign keys as a list, each with its definition. */
  references: readonly ForeignColumn[];
  /** Admin field -> column for plain unique or lookup fields. */
  columns: Readonly<Record<string, string>>;
  /** A keyed hash kept in a column of its own (key-auth's `key_hash`): looked up and unique by it. */
  keyedHash?: { field: string; column: string };
}

export const TABLES: Readonly<Record<Kind, TableSpec>> = mapKinds((definition, kind) => {
  const hashed = definition.hashed;
  return {
    kind,
    table: kind,
    foreign: Object.fromEntries(Object.keys(definition.foreign).map((field) => [field, `${field}_id`])),
    references: Object.entries(definition.foreign).map(([field, key]) => ({ field, column: `${field}_id`, key })),
    columns: definition.columns,
    ...(hashed?.scheme === 'keyed' ? { keyedHash: { field: hashed.field, column: hashed.stored } } : {}),
  };
});

/** Unique constraint or index name -> the kind and the unique field set it enforces. */
export const UNIQUE_CONSTRAINTS: ReadonlyMap<string, { kind: Kind; fields: readonly string[] }> = new Map(
  KINDS.flatMap((kind) => ENTITIES[kind].unique.map((fields) => [`${kind}_${fields.join('_')}_unique`, { kind, fields }] as const)),
);

/** Unique index name -> the field it keys (`consumers_username_key_unique` -> username). */
export const LOOKALIKE_INDEXES: ReadonlyMap<string, string> = new Map(
  KINDS.flatMap((kind) => lookalikeFields(kind).map((field) => [`${kind}_${field}_key_unique`, field] as const)),
);

/** Foreign-key constraint name -> the child kind and its field. */
export const FOREIGN_CONSTRAINTS: ReadonlyMap<string, { kind: Kind; field: string }> = new Map(
  KINDS.flatMap((kind) => Object.keys(ENTITIES[kind].foreign).map((field) => [`${kind}_${field}_fkey`, { kind, field }] as const)),
);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** The column holding `kind`'s foreign key `field`, or undefined when `field` is not one of its foreign keys. */
export function foreignColumn(kind: Kind, field: string): string | undefined {
  const foreign = TABLES[kind].foreign;
  return Object.hasOwn(foreign, field) ? foreign[field] : undefined;
}

/** The column of `kind`'s plain unique or lookup field `field`, or undefined when it has none. */
export function plainColumn(kind: Kind, field: string): string | undefined {
  const columns = TABLES[kind].columns;
  return Object.hasOwn(columns, field) ? columns[field] : undefined;
}
