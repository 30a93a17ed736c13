// What an entity kind is, declared once: its schema, keys, relations, secrets and admin paths. The store's
// tables and constraint names, the admin API's routes, the declarative loader and exporter, `config diff` and
// the docs are all derived from these. Core kinds live in schema/entities/, a plugin's own kinds (Kong's
// `daos.lua`) in its folder, registered with the plugin.
import type { TObject } from '@sinclair/typebox';
import type { FieldError } from './validate.ts';

export interface ForeignKey {
  /** Kind referred to. */
  kind: string;
  /** Kong's `on_delete`: delete the children with the parent, or refuse to delete a parent that has children. */
  onDelete: 'cascade' | 'restrict';
  /** The entity cannot exist without it (targets, credentials, acls). */
  required: boolean;
}

/**
 * A secret that is only ever compared, never read back: written as `field`, kept as a hash in `stored`.
 * A write may carry `stored` instead of `field` (what `config dump` exports loads back); reads show neither.
 */
export interface HashedField {
  /** The write-only field holding the secret as given (`key`, `password`). */
  field: string;
  /** The field holding its hash in rows and exports (`key_hash`, `password_hash`). */
  stored: string;
  /**
   * `keyed`: the keyring's HMAC (`hmac-sha256:<key id>:…`), deterministic, so the store keeps it in a unique
   * column of the same name and finds a credential by it. `password`: a salted slow hash (scrypt), verified only.
   */
  scheme: 'keyed' | 'password';
}

/** How an entity is told apart in a declarative file without an id (stable ids) and in `config diff` output. */
export interface NamingContext {
  /** The entity's own validated fields. */
  fields: Readonly<Record<string, unknown>>;
  /** The foreign keys as the file wrote them (`{ name: 'users' }`, an id, or absent). */
  refs: Readonly<Record<string, unknown>>;
  /** `kind:name` of the entity it is nested under, '' at the top level. */
  parentKey: string;
  /** Where it sits in the file (`consumers[0].acls[1]`): the last resort for an entity with no natural key. */
  path: string;
}

/**
 * `String(value ?? fallback)` for a naming value of unknown type (validated, so in practice a string or unset).
 * Stable ids are hashes of natural keys built from this text: it must stay exactly String()'s rendering.
 */
export function keyText(value: unknown, fallback = ''): string {
  const shown: unknown = value ?? fallback;
  // a reference written as an object (`upstream: { name: a }`) keys by what it names, not as "[object Object]"
  return shown !== null && typeof shown === 'object' ? JSON.stringify(shown) : String(shown);
}

/**
 * What a kind named by one unique field shares: that field is its endpoint key, its column, its sort order and
 * its natural key (the path in the file when unset).
 */
export function namedBy<F extends string>(field: F) {
  return {
    endpointKey: field,
    unique: [[field]],
    columns: { [field]: field },
    sortBy: [field],
    naturalKey: ({ fields, path }: NamingContext): string => keyText(fields[field], path),
  } as const;
}

/** Services, routes and upstreams: named by `name`, which also labels them in `config diff` (the id when unnamed). */
export const NAMED_BY_NAME = {
  ...namedBy('name'),
  describe: (row: RowView): string => (typeof row.name === 'string' && row.name !== '' ? row.name : row.id),
} as const;

/** The row field holding a foreign key: `service` -> `serviceId`. */
export function rowForeignField(field: string): string {
  return `${field}Id`;
}

/** A row as `config diff` and the compiled config see it: foreign keys as `<field>Id`. */
export type RowView = Readonly<Record<string, unknown>> & { readonly id: string };

type ForeignKeys = Readonly<Record<string, ForeignKey>>;

export interface EntityDefinition<S extends TObject = TObject, K extends string = string, F extends ForeignKeys = ForeignKeys> {
  /** Kong's name for the kind: its table, its key in a declarative file, the audit log's `entity` (`keyauth_credentials`). */
  kind: K;
  /** The schema: type, validation, defaults and docs of the admin-shaped record. */
  schema: S;
  /** Top-level admin path segment (`/key-auths`). */
  adminPath: string;
  /** Path segment when nested under a parent (`/consumers/{c}/key-auth`); same as adminPath when absent. */
  nestedPath?: string;
  /** Field besides `id` a path may name the entity by (Kong's `endpoint_key`); looked up within the parent when nested. */
  endpointKey?: string;
  /** Unique field sets (foreign keys by field name). Null values never clash. */
  unique: readonly (readonly string[])[];
  /** Foreign keys by field name. A declarative file may nest the entity under any of them. */
  foreign: F;
  /** Plain fields with a real column of their own besides foreign keys (unique or lookup fields): field -> column. */
  columns: Readonly<Record<string, string>>;
  /** A secret kept only as a hash (API keys, passwords). */
  hashed?: HashedField;
  /** Fields Kong generates when a create leaves them out (credential keys and secrets), filled in place. */
  generate?(fields: Record<string, unknown>): void;
  /** Generated fields that are secrets: shown once, in the create answer, never again. */
  generatedSecrets?: readonly string[];
  /**
   * Rules across fields, beyond the schema: errors at `path`'s fields (`@entity` for the whole when `path` is '').
   * They run after the schema even when it found errors (as Kong's entity checks), so `fields` is not yet known
   * to fit it; an error at a path the schema already reported is dropped.
   */
  check?(fields: Readonly<Record<string, unknown>>, path: string): FieldError[];
  /** Fields exports sort by (then id): the same entities always come out in the same order. */
  sortBy: readonly string[];
  /** Stable-id key of an entity a file gives without an id; unique within the kind. */
  naturalKey(ctx: NamingContext): string;
  /** How `config diff` names the kind (decK's spelling: `key-auth`, `acl-group`). */
  label: string;
  /** How `config diff` names one entity (`users`, `admins for consumer alice`); `parent(field)` names a referenced one. */
  describe(row: RowView, parent: (field: string) => string): string;
}

/** Identity helper: keeps the kind and the foreign keys as literals (the catalogue's `Kind` and row types come from them). */
export function defineEntity<S extends TObject, const K extends string, const F extends ForeignKeys>(
  definition: EntityDefinition<S, K, F>,
): EntityDefinition<S, K, F> {
  return definition;
}
