// Fills schema defaults into a value: only where a field is absent, never merging into a value the user gave.
// (TypeBox's Value.Default merges a given array into an array default on union-typed fields, so
// `methods: [DELETE]` with default `[GET, POST, PUT]` became `[DELETE, POST, PUT]`.)
import { KindGuard, type TObject, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { isObjectNode } from './object-node.ts';

export function applyDefaults(schema: TSchema, value: unknown): void {
  if (!isObjectNode(value)) return;
  if (KindGuard.IsObject(schema)) {
    for (const [key, prop] of Object.entries(schema.properties)) {
      if (value[key] === undefined) {
        if ('default' in prop) value[key] = structuredClone(prop.default);
        else if (KindGuard.IsObject(prop) && hasDefaults(prop) && !isOptional(schema, key)) value[key] = {};
      }
      if (value[key] !== undefined) applyDefaults(prop, value[key]);
    }
  } else if (KindGuard.IsArray(schema)) {
    if (Array.isArray(value)) for (const item of value) applyDefaults(schema.items, item);
  } else if (KindGuard.IsRecord(schema)) {
    const inner = Object.values(schema.patternProperties).at(0);
    if (inner === undefined) return;
    for (const item of Object.values(value)) applyDefaults(inner, item);
  } else if (KindGuard.IsUnion(schema)) {
    // defaults go into the variant the value already is (objects into object variants, arrays into arrays)
    const fitting = schema.anyOf.filter((v) => (Array.isArray(value) ? KindGuard.IsArray(v) : KindGuard.IsObject(v)));
    const chosen = fitting.find((v) => Value.Check(v, value)) ?? fitting.at(0);
    if (chosen) applyDefaults(chosen, value);
  }
}

function hasDefaults(schema: TObject): boolean {
  return Object.values(schema.properties).some((p) => 'default' in p);
}

function isOptional(parent: TObject, key: string): boolean {
  return !(parent.required ?? []).includes(key);
}
