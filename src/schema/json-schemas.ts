// JSON Schema documents for every entity and plugin config, straight from the TypeBox schemas.
import type { TSchema } from '@sinclair/typebox';
import { ENTITIES, KINDS } from './entity-catalogue.ts';
import { loadPluginRegistry } from '../plugins/registry.ts';

export async function renderJsonSchemas(): Promise<Record<string, TSchema>> {
  const out: Record<string, TSchema> = {};
  for (const kind of KINDS) {
    const schema = ENTITIES[kind].schema;
    out[`entity.${String(schema.$id)}`] = schema;
  }
  for (const [name, module] of await loadPluginRegistry()) out[`plugin.${name}`] = module.configSchema;
  // JSON round trip drops TypeBox's symbol keys, leaving plain JSON Schema
  return JSON.parse(JSON.stringify(out)) as Record<string, TSchema>;
}
