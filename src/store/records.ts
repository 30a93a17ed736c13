// The public view of an entity that reads return (no secret fields, unset fields as null as Kong shows them),
// shared by the database and DB-less stores. The row and admin shapes are schema/entity-shapes.ts's.
import type { TSchema } from '@sinclair/typebox';
import type { PluginRegistry } from '../plugins/registry.ts';
import { declaredSecretFields, pluginNameOf, stripSecrets } from '../secrets/secret-fields.ts';
import { ENTITIES, type Kind } from '../schema/entity-catalogue.ts';
import type { EntityRecord } from './store.ts';

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
