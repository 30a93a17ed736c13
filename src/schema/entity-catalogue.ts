// Every entity kind, core's then the bundled plugins' (plugins/daos.ts), parents before children: the order
// a sync creates in (and deletes in reverse), the store migrates in and exports list in. Everything that
// needs to know the kinds reads them here.
import type { Static } from '@sinclair/typebox';
import type { EntityDefinition } from './entity-definition.ts';
import { Services } from './entities/service.ts';
import { Routes } from './entities/route.ts';
import { Upstreams, Targets } from './entities/upstream.ts';
import { Consumers } from './entities/consumer.ts';
import { Plugins } from './entities/plugin.ts';
import { PLUGIN_DAOS } from '../plugins/daos.ts';

type PluginEntities<D extends readonly { entities: readonly EntityDefinition[] }[]> = D[number]['entities'][number];

const DEFINITIONS = [
  Services, Routes, Upstreams, Targets, Consumers,
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

type ForeignIds<F> = { -readonly [P in keyof F & string as `${P}Id`]: F[P] extends { required: true } ? string : string | null };

/**
 * One entity as the compiled config reads it: the schema's fields (defaults applied) with an id, and foreign
 * keys as `<field>Id` (`serviceId`) instead of `{ id }`.
 */
export type RowOf<K extends Kind> = Omit<Static<DefinitionOf<K>['schema']>, 'id' | keyof DefinitionOf<K>['foreign']>
  & { id: string }
  & ForeignIds<DefinitionOf<K>['foreign']>;

/** The normalised entity set: one list per kind. Declarative files load into it, the store snapshots into it. */
export type ConfigEntities = { [K in Kind]: RowOf<K>[] };
