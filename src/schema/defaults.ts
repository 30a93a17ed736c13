// Fills schema defaults into a value: only where a field is absent, never merging into a value the user gave.
// (TypeBox's Value.Default merges a given array into an array default on union-typed fields, so
// `methods: [DELETE]` with default `[GET, POST, PUT]` became `[DELETE, POST, PUT]`.)
import { Kind, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export function applyDefaults(schema: TSchema, value: unknown): void {
  if (value === null || typeof value !== 'object') return;
  switch (schema[Kind]) {
    case 'Object': {
      const obj = value as Record<string, unknown>;
      for (const [key, prop] of Object.entries(schema.properties as Record<string, TSchema>)) {
        if (obj[key] === undefined) {
          if ('default' in prop) obj[key] = structuredClone(prop.default);
          else if (prop[Kind] === 'Object' && hasDefaults(prop) && !isOptional(schema, key)) obj[key] = {};
        }
        if (obj[key] !== undefined) applyDefaults(prop, obj[key]);
      }
      return;
    }
    case 'Array':
      if (Array.isArray(value)) for (const item of value) applyDefaults(schema.items as TSchema, item);
      return;
    case 'Record': {
      const inner = Object.values(schema.patternProperties as Record<string, TSchema>).at(0);
      if (inner === undefined) return;
      for (const item of Object.values(value as Record<string, unknown>)) applyDefaults(inner, item);
      return;
    }
    case 'Union': {
      // defaults go into the variant the value already is (objects into object variants, arrays into arrays)
      const variants = schema.anyOf as TSchema[];
      const kind = Array.isArray(value) ? 'Array' : 'Object';
      const fitting = variants.filter((v) => v[Kind] === kind);
      const chosen = fitting.find((v) => Value.Check(v, value)) ?? fitting.at(0);
      if (chosen) applyDefaults(chosen, value);
      return;
    }
    default:
      return;
  }
}

function hasDefaults(schema: TSchema): boolean {
  return Object.values(schema.properties as Record<string, TSchema>).some((p) => 'default' in p);
}

function isOptional(parent: TSchema, key: string): boolean {
  return !(parent.required as string[] | undefined)?.includes(key);
}
