// JSON Schema documents for every entity and plugin config, straight from the TypeBox schemas.
import type { TSchema } from '@sinclair/typebox';
import { ENTITIES, KINDS } from './entity-catalogue.ts';
import { loadPluginRegistry } from '../plugins/registry.ts';

/** Each document by name (`entity.Service`, `plugin.jwt`), as plain JSON: what docs/schemas/ holds. */
export async function renderJsonSchemas(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const kind of KINDS) {
    const schema = ENTITIES[kind].schema;
    out[`entity.${String(schema.$id)}`] = plainJson(schema);
  }
  for (const [name, module] of await loadPluginRegistry()) out[`plugin.${name}`] = plainJson(module.configSchema);
  return out;
}

/** A JSON round trip drops TypeBox's symbol keys, leaving plain JSON Schema (no longer a TypeBox schema). */
function plainJson(schema: TSchema): unknown {
  return JSON.parse(JSON.stringify(schema));
}
