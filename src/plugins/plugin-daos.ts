// What a plugin folder's `daos.ts` exports (Kong's daos.lua + migrations/): the entity kinds the plugin owns
// and the folder of its numbered SQL migrations, run after core's, recorded under the plugin's name.
import type { EntityDefinition } from '../schema/entity-definition.ts';

export interface PluginDaos<E extends readonly EntityDefinition[] = readonly EntityDefinition[]> {
  /** The plugin's name: the owner its migrations are recorded under. */
  plugin: string;
  entities: E;
  /** Folder of `NNN_name.sql` files creating the tables of `entities` (and any other state the plugin keeps). */
  migrations: URL;
}

/** Identity helper: keeps each entity's literal kind, so the catalogue's `Kind` is a union of names. */
export function definePluginDaos<const E extends readonly EntityDefinition[]>(daos: PluginDaos<E>): PluginDaos<E> {
  return daos;
}
