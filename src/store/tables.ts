// How each entity kind maps onto its table (migrations/001_entities.sql): real columns for foreign keys and
// unique or lookup fields, and the constraint names the database reports back on a violation.
import { ENTITIES, type Kind } from '../schema/entity-catalogue.ts';
import { lookalikeFields } from '../config/identity-fields.ts';

export interface TableSpec {
  kind: Kind;
  table: string;
  /** Admin foreign-key field -> column (`service` -> `service_id`). */
  foreign: Readonly<Record<string, string>>;
  /** Admin field -> column for plain unique or lookup fields. API keys are not here: they are hashed. */
  columns: Readonly<Record<string, string>>;
}

const PLAIN_COLUMNS: Record<Kind, Record<string, string>> = {
  services: { name: 'name' },
  routes: { name: 'name' },
  upstreams: { name: 'name' },
  targets: { target: 'target' },
  consumers: { username: 'username', custom_id: 'custom_id' },
  jwt_secrets: { key: 'key' },
  keyauth_credentials: {},
  acls: { group: 'group_name' },
  plugins: { name: 'name', instance_name: 'instance_name' },
};

export const TABLES: Readonly<Record<Kind, TableSpec>> = Object.fromEntries(
  (Object.keys(ENTITIES) as Kind[]).map((kind) => [kind, {
    kind,
    table: kind,
    foreign: Object.fromEntries(Object.keys(ENTITIES[kind].foreign).map((field) => [field, `${field}_id`])),
    columns: PLAIN_COLUMNS[kind],
  }]),
) as Record<Kind, TableSpec>;

/** Unique constraint or index name -> the kind and the unique field set it enforces. */
export const UNIQUE_CONSTRAINTS: ReadonlyMap<string, { kind: Kind; fields: readonly string[] }> = new Map(
  (Object.keys(ENTITIES) as Kind[]).flatMap((kind) => ENTITIES[kind].unique.map((fields) => [`${kind}_${fields.join('_')}_unique`, { kind, fields }] as const)),
);

/** Unique index name -> the field it keys (`consumers_username_key_unique` -> username). */
export const LOOKALIKE_INDEXES: ReadonlyMap<string, string> = new Map(
  (Object.keys(ENTITIES) as Kind[]).flatMap((kind) => lookalikeFields(kind).map((field) => [`${kind}_${field}_key_unique`, field] as const)),
);

/** Foreign-key constraint name -> the child kind and its field. */
export const FOREIGN_CONSTRAINTS: ReadonlyMap<string, { kind: Kind; field: string }> = new Map(
  (Object.keys(ENTITIES) as Kind[]).flatMap((kind) => Object.keys(ENTITIES[kind].foreign).map((field) => [`${kind}_${field}_fkey`, { kind, field }] as const)),
);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
