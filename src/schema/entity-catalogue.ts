// Every entity kind, core's then the bundled plugins' (plugins/daos.ts), parents before children: the order
// a sync creates in (and deletes in reverse), the store migrates in and exports list in. Everything that
// needs to know the kinds reads them here.
import type { Static } from '@sinclair/typebox';
import type { EntityDefinition, ForeignKey, RowView } from './entity-definition.ts';
import { Services } from './entities/service.ts';
import { Routes } from './entities/route.ts';
import { Upstreams, Targets } from './entities/upstream.ts';
import { Consumers } from './entities/consumer.ts';
import { Plugins } from './entities/plugin.ts';
import { PLUGIN_DAOS } from '../plugins/daos.ts';

type PluginEntities<D extends readonly { entities: readonly EntityDefinition[] }[]> = D[number]['entities'][number];

const DEFINITIONS = [
  Services,
  Routes,
  Upstreams,
  Targets,
  Consumers,
  ...PLUGIN_DAOS.flatMap((daos): readonly PluginEntities<typeof PLUGIN_DAOS>[] => daos.entities),
  Plugins,
];

type Definition = (typeof DEFINITIONS)[number];

/** An entity kind's name: `services`, `keyauth_credentials`, … */
export type Kind = Definition['kind'];

/** The definition of `K`, with its own schema and foreign keys. */
export type DefinitionOf<K extends Kind> = Extract<Definition, { kind: K }>;

/** Kinds in catalogue order: parents before children. */
export const KINDS: readonly Kind[] = DEFINITIONS.map((d) => d.kind);

/** A value for every kind, computed once from its definition. */
export function mapKinds<T>(fn: (definition: EntityDefinition, kind: Kind) => T): Readonly<Record<Kind, T>> {
  const out: Partial<Record<Kind, T>> = {};
  for (const definition of DEFINITIONS) out[definition.kind] = fn(definition, definition.kind);
  if (!complete(out)) throw new Error('entity catalogue: a kind has no value');
  return out;
}

function complete<T>(record: Partial<Record<Kind, T>>): record is Record<Kind, T> {
  return KINDS.every((kind) => Object.hasOwn(record, kind));
}

/** Each kind's definition. */
export const ENTITIES: Readonly<Record<Kind, EntityDefinition>> = mapKinds((definition) => definition);

export function isKind(value: string): value is Kind {
  return Object.hasOwn(ENTITIES, value);
}

/** The kind a foreign key refers to (checked below, when the catalogue loads, to be a kind listed before it). */
export function kindOf(name: string): Kind {
  if (!isKind(name)) throw new Error(`'${name}' is not an entity kind`);
  return name;
}

/** `kind`'s foreign key named `field`, or undefined when `field` is not one of its foreign keys. */
export function foreignKeyOf(kind: Kind, field: string): ForeignKey | undefined {
  const foreign: Readonly<Record<string, ForeignKey>> = ENTITIES[kind].foreign;
  return Object.hasOwn(foreign, field) ? foreign[field] : undefined;
}

/** The kind `kind`'s foreign key `field` refers to; a field that is not one of its foreign keys is a caller's bug. */
export function parentKindOf(kind: Kind, field: string): Kind {
  const key = foreignKeyOf(kind, field);
  if (key === undefined) throw new Error(`${kind} has no foreign key '${field}'`);
  return kindOf(key.kind);
}

// A definition that names what does not exist is a plugin author's mistake: refuse it when the catalogue loads.
const CHECKED: readonly EntityDefinition[] = DEFINITIONS;
for (const [index, definition] of CHECKED.entries()) {
  const fields = new Set(Object.keys(definition.schema.properties));
  const where = `entity ${definition.kind}`;
  if (CHECKED.findIndex((d) => d.kind === definition.kind) !== index) throw new Error(`${where} is defined twice`);
  for (const [field, key] of Object.entries(definition.foreign)) {
    if (!fields.has(field)) throw new Error(`${where}: foreign key '${field}' is not a field of its schema`);
    const parent = CHECKED.findIndex((d) => d.kind === key.kind);
    if (parent === -1 || parent >= index) throw new Error(`${where}: foreign key '${field}' must refer to a kind listed before it, not '${key.kind}'`);
  }
  const named = [...definition.unique.flat(), ...Object.keys(definition.columns), ...definition.sortBy, definition.endpointKey ?? 'id'];
  for (const field of named) if (field !== 'id' && !fields.has(field)) throw new Error(`${where}: '${field}' is not a field of its schema`);
}

type ForeignIds<F> = { -readonly [P in keyof F & string as `${P}Id`]: F[P] extends { required: true } ? string : string | null };

/**
 * One entity as the compiled config reads it: the schema's fields (defaults applied) with an id, and foreign
 * keys as `<field>Id` (`serviceId`) instead of `{ id }`.
 */
export type RowOf<K extends Kind> = Omit<Static<DefinitionOf<K>['schema']>, 'id' | keyof DefinitionOf<K>['foreign']> & { id: string } & ForeignIds<
    DefinitionOf<K>['foreign']
  >;

/** The normalised entity set: one list per kind. Declarative files load into it, the store snapshots into it. */
export type ConfigEntities = { [K in Kind]: RowOf<K>[] };

/** A kind's rows seen uniformly (fields by name), for code that handles every kind alike. */
export function rowsOf(entities: ConfigEntities, kind: Kind): readonly RowView[] {
  return entities[kind];
}

/** The stored hash of `kind`'s hashed secret (`key_hash`, `password_hash`) that a row or admin body carries, if any. */
export function storedHashOf(kind: Kind, record: Readonly<Record<string, unknown>>): string | undefined {
  const stored = ENTITIES[kind].hashed?.stored;
  const hash = stored === undefined ? undefined : record[stored];
  return typeof hash === 'string' ? hash : undefined;
}

/** A credential whose secret the store keeps only as a keyed hash (an API key): its plaintext or its hash. */
export interface KeyedSecret {
  kind: Kind;
  id: string;
  /** The secret as a declarative file gives it. */
  plain?: string;
  /** The keyring's hash of it (`hmac-sha256:<key id>:…`), as the store and its dumps hold it. */
  hash?: string;
}

/** Every keyed-hash secret in `entities`, whichever kinds declare one. */
export function keyedSecrets(entities: ConfigEntities): KeyedSecret[] {
  return [...eachKeyedSecret(entities)];
}

/** keyedSecrets one at a time (a build walks 100,000 API keys in slices). */
export function* eachKeyedSecret(entities: ConfigEntities): Generator<KeyedSecret, void, undefined> {
  for (const kind of KINDS) {
    const hashed = ENTITIES[kind].hashed;
    if (hashed?.scheme !== 'keyed') continue;
    for (const row of rowsOf(entities, kind)) {
      const plain = row[hashed.field];
      const hash = storedHashOf(kind, row);
      yield { kind, id: row.id, ...(typeof plain === 'string' ? { plain } : {}), ...(hash === undefined ? {} : { hash }) };
    }
  }
}
